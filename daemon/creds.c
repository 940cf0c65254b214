/* creds.c: taking a client's identity around the calls made for it. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "creds.h"
#include "log.h"

void
creds_init(struct creds *out, int fd, uid_t uid, gid_t gid)
{
	socklen_t len = sizeof(out->groups);

	out->uid = uid;
	out->gid = gid;
	out->ngroups = 0;
#ifdef SO_PEERGROUPS
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, out->groups, &len) == 0)
		out->ngroups = (int)(len / sizeof(gid_t));
#endif
}

/* The raw system calls change only the calling thread (glibc's wrappers
 * would change every thread of the process). */
static int
set_groups(int n, const gid_t *groups)
{
	return (int)syscall(SYS_setgroups, (size_t)n, groups);
}

/* Become root again (the saved set-user-ID is root's), then take the
 * groups, gid and uid of `uid`/`gid`/`groups`, in that order: only root may
 * change groups and gids. */
static int
creds_become(uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	if (syscall(SYS_setresuid, (uid_t)-1, (uid_t)0, (uid_t)-1) == -1 ||
	    set_groups(ngroups, groups) == -1 ||
	    syscall(SYS_setresgid, (gid_t)-1, gid, (gid_t)-1) == -1)
		return -1;
	if (uid != 0 && syscall(SYS_setresuid, (uid_t)-1, uid, (uid_t)-1) == -1)
		return -1;
	return 0;
}

void
creds_enter(const struct creds *who, struct creds_saved *saved)
{
	saved->switched = false;
	if (who == NULL || getuid() != 0)
		return;
	saved->euid = geteuid();
	if (who->uid == 0 && saved->euid == 0)
		return;		/* root's client, on a thread that is root */
	saved->egid = getegid();
	if ((saved->ngroups = getgroups(CREDS_MAX_GROUPS, saved->groups)) < 0)
		saved->ngroups = 0;
	if (creds_become(who->uid, who->gid, who->ngroups, who->groups) == -1) {
		/* Could not become the client: fail safe by making the calls
		 * as nobody rather than as root. */
		log_warn("cannot take uid %u's credentials", (unsigned)who->uid);
		creds_become((uid_t)65534, (gid_t)65534, 0, NULL);
	}
	saved->switched = true;
}

void
creds_leave(struct creds_saved *saved)
{
	int err = errno;	/* callers read errno after the call they wrapped */

	if (!saved->switched)
		return;
	if (creds_become(saved->euid, saved->egid, saved->ngroups, saved->groups) == -1)
		log_warn("cannot return to the previous credentials");
	saved->switched = false;
	errno = err;
}
