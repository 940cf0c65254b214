/* unix-guard.c: keeping clients away from the service manager's and the
 * journal's sockets (see unix-guard.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "creds.h"
#include "errors.h"
#include "unix-guard.h"

/* The journal's sockets, and the service manager's own notification
 * socket (the one its services get in NOTIFY_SOCKET). */
static const char *const guarded_paths[] = {
	"/run/systemd/notify",
	"/run/systemd/journal/socket",
	"/run/systemd/journal/stdout",
	"/run/systemd/journal/dev-log",
	"/dev/log",
	"/run/systemd/journal/syslog",
};

static void
guard_file(struct unix_guard *g, const char *path)
{
	struct stat st;
	int i;

	if (g->nfiles == UNIX_GUARD_MAX || stat(path, &st) == -1)
		return;
	for (i = 0; i < g->nfiles; i++)
		if (g->files[i].dev == st.st_dev && g->files[i].ino == st.st_ino)
			return;
	g->files[g->nfiles].dev = st.st_dev;
	g->files[g->nfiles].ino = st.st_ino;
	g->nfiles++;
}

void
unix_guard_init(struct unix_guard *g)
{
	const char *notify = getenv("NOTIFY_SOCKET");
	size_t i;

	memset(g, 0, sizeof(*g));
	if (notify != NULL && notify[0] == '@' && strlen(notify) < sizeof(g->abstract)) {
		g->abstract_len = strlen(notify);	/* '@' stands for the NUL */
		memcpy(g->abstract, notify, g->abstract_len);
		g->abstract[0] = '\0';
	} else if (notify != NULL && notify[0] == '/' && strlen(notify) < sizeof(g->notify)) {
		memcpy(g->notify, notify, strlen(notify) + 1);
		guard_file(g, notify);
	}
	for (i = 0; i < sizeof(guarded_paths) / sizeof(guarded_paths[0]); i++)
		guard_file(g, guarded_paths[i]);
}

static int
guard_refuse(struct s6err *e)
{
	err_set(e, S6_PERMISSION, "the service manager's and the journal's sockets are not "
	    "reachable through sock6d");
	e->errnum = EPERM;
	return -2;
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Whether the path names the socket st, as the path stands now: looked up
 * with the credentials in force (the client's: no change of identity in
 * the common case), and again as the daemon when the client may not
 * search its way there, since the client may still reach that socket by
 * another name (a hard link). */
static bool
guard_path_is(const char *path, const struct stat *st)
{
	static const struct creds daemon_creds;	/* uid 0: the daemon's own */
	struct creds_saved saved;
	struct stat now;
	int rc;

	if ((rc = stat(path, &now)) == -1 && (errno == EACCES || errno == EPERM)) {
		creds_enter(&daemon_creds, &saved);
		rc = stat(path, &now);
		creds_leave(&saved);
	}
	return rc == 0 && same_file(&now, st);
}

/* Whether st is a guarded socket: one recorded at start, or what a
 * guarded path names now (a journal or manager restarted since has made
 * its sockets anew).  Only a socket can be one, so other files cost
 * nothing more. */
static bool
guard_protects(const struct unix_guard *g, const struct stat *st)
{
	size_t i;
	int k;

	if (!S_ISSOCK(st->st_mode))
		return false;
	for (k = 0; k < g->nfiles; k++)
		if (g->files[k].dev == st->st_dev && g->files[k].ino == st->st_ino)
			return true;
	if (g->notify[0] != '\0' && guard_path_is(g->notify, st))
		return true;
	for (i = 0; i < sizeof(guarded_paths) / sizeof(guarded_paths[0]); i++)
		if (guard_path_is(guarded_paths[i], st))
			return true;
	return false;
}

/* Open a client's path for the check, never through a magic link
 * (/proc/self/fd/N, /proc/PID/root, /dev/fd/N, or a symlink to one): the
 * path is resolved in the daemon, where those name the daemon's own
 * descriptors (another user's bound socket's directory, the file of
 * another user's waiting send_to) and skip the search rights on the way
 * to them.  Without openat2 (before Linux 5.6), a plain open. */
static int
guard_open(const char *path)
{
#ifdef SYS_openat2
	static bool no_openat2;	/* the kernel said ENOSYS once */
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (!no_openat2) {
		fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
		if (fd != -1 || errno != ENOSYS)
			return fd;
		no_openat2 = true;
	}
#endif
	return open(path, O_PATH | O_CLOEXEC);
}

int
unix_guard_check(const struct unix_guard *g, uid_t uid, const struct s6_sockaddr *addr,
    struct s6_sockaddr *use, int *fd, struct s6err *e)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&addr->ss;
	size_t pathlen = addr->len > offsetof(struct sockaddr_un, sun_path) ?
	    addr->len - offsetof(struct sockaddr_un, sun_path) : 0;
	char path[sizeof(sun->sun_path) + 1];
	struct sockaddr_un *via = (struct sockaddr_un *)&use->ss;
	struct stat st;

	*fd = -1;
	*use = *addr;
	if (uid == 0 || addr->ss.ss_family != AF_UNIX || pathlen == 0)
		return 0;	/* root may anyway; not a UNIX name */
	if (sun->sun_path[0] == '\0') {
		if (g->abstract_len > 0 && pathlen == g->abstract_len &&
		    memcmp(sun->sun_path, g->abstract, pathlen) == 0)
			return guard_refuse(e);
		return 0;
	}
	memcpy(path, sun->sun_path, pathlen);
	path[pathlen] = '\0';
	/* Opened as the client (its credentials are in force): its search
	 * rights decide, as they would for connect(2). */
	if ((*fd = guard_open(path)) == -1 || fstat(*fd, &st) == -1) {
		int err = errno;

		if (*fd != -1)
			close(*fd);
		*fd = -1;
		errno = err;
		return -1;
	}
	if (guard_protects(g, &st)) {
		close(*fd);
		*fd = -1;
		return guard_refuse(e);
	}
	memset(via, 0, sizeof(*via));
	via->sun_family = AF_UNIX;
	snprintf(via->sun_path, sizeof(via->sun_path), "/proc/self/fd/%d", *fd);
	use->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(via->sun_path) + 1);
	return 0;
}

int
unix_guard_connect(const struct unix_guard *g, uid_t uid, int fd,
    const struct s6_sockaddr *addr, struct s6err *e)
{
	struct s6_sockaddr via;
	int rc, pathfd, err;

	if ((rc = unix_guard_check(g, uid, addr, &via, &pathfd, e)) != 0)
		return rc;
	do
		rc = connect(fd, (const struct sockaddr *)&via.ss, via.len);
	while (rc == -1 && errno == EINTR);
	if (pathfd != -1) {
		err = errno;
		close(pathfd);
		errno = err;
	}
	return rc;
}
