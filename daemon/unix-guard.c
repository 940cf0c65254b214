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
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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
	} else if (notify != NULL && notify[0] == '/') {
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
	int i;

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
	if ((*fd = open(path, O_PATH | O_CLOEXEC)) == -1 || fstat(*fd, &st) == -1) {
		int err = errno;

		if (*fd != -1)
			close(*fd);
		*fd = -1;
		errno = err;
		return -1;
	}
	for (i = 0; i < g->nfiles; i++) {
		if (g->files[i].dev == st.st_dev && g->files[i].ino == st.st_ino) {
			close(*fd);
			*fd = -1;
			return guard_refuse(e);
		}
	}
	memset(via, 0, sizeof(*via));
	via->sun_family = AF_UNIX;
	snprintf(via->sun_path, sizeof(via->sun_path), "/proc/self/fd/%d", *fd);
	use->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(via->sun_path) + 1);
	return 0;
}
