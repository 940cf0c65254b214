/* slownss.c: an LD_PRELOAD shim for test_reload.py.  getpwnam_r and
 * getgrnam_r wait SLOWNSS_MS milliseconds, then answer as the real ones
 * do: the name look-ups of a policy file as NSS over a slow directory
 * service (LDAP, sssd) makes them.  Each look-up first appends its name
 * to the file SLOWNSS_TRACE, when set, so that a test knows one began. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int (*getpwnam_r_fn)(const char *, struct passwd *, char *, size_t,
    struct passwd **);
typedef int (*getgrnam_r_fn)(const char *, struct group *, char *, size_t,
    struct group **);

/* Note that a look-up of name began (SLOWNSS_TRACE). */
static void
trace(const char *name)
{
	const char *path = getenv("SLOWNSS_TRACE");
	int fd;

	if (path == NULL ||
	    (fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return;
	if (write(fd, name, strlen(name)) < 0 || write(fd, "\n", 1) < 0)
		abort();
	close(fd);
}

static void
slow(const char *name)
{
	const char *ms = getenv("SLOWNSS_MS");
	long n = ms != NULL ? strtol(ms, NULL, 10) : 0;
	struct timespec ts = { n / 1000, (n % 1000) * 1000000L };

	trace(name);
	if (n > 0)
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
}

int
getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **res)
{
	getpwnam_r_fn real = (getpwnam_r_fn)dlsym(RTLD_NEXT, "getpwnam_r");

	slow(name);
	return real(name, pw, buf, len, res);
}

int
getgrnam_r(const char *name, struct group *gr, char *buf, size_t len, struct group **res)
{
	getgrnam_r_fn real = (getgrnam_r_fn)dlsym(RTLD_NEXT, "getgrnam_r");

	slow(name);
	return real(name, gr, buf, len, res);
}
