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

/* What the calling thread runs as: whether the process's real uid is root
 * (-1: not looked at yet) and the thread's effective uid.  Kept per thread,
 * as the credentials themselves are, so that root's clients, the common
 * case, cost no system call. */
static _Thread_local int	thread_real_root = -1;
static _Thread_local uid_t	thread_euid;

/* Become root again (the saved set-user-ID is root's), then take the
 * groups, gid and uid of `uid`/`gid`/`groups`, in that order: only root may
 * change groups and gids. */
static int
creds_become(uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	int rc = -1;

	if (syscall(SYS_setresuid, (uid_t)-1, (uid_t)0, (uid_t)-1) == 0 &&
	    set_groups(ngroups, groups) == 0 &&
	    syscall(SYS_setresgid, (gid_t)-1, gid, (gid_t)-1) == 0 &&
	    (uid == 0 || syscall(SYS_setresuid, (uid_t)-1, uid, (uid_t)-1) == 0))
		rc = 0;
	thread_euid = rc == 0 ? uid : geteuid();
	return rc;
}

void
creds_enter(const struct creds *who, struct creds_saved *saved)
{
	saved->switched = false;
	if (thread_real_root == -1) {
		thread_real_root = getuid() == 0;
		thread_euid = geteuid();
	}
	if (who == NULL || !thread_real_root)
		return;
	saved->euid = thread_euid;
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
