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

void
creds_enter(const struct creds *who, struct creds_saved *saved)
{
	saved->switched = false;
	if (who == NULL || who->uid == 0 || geteuid() != 0)
		return;
	saved->egid = getegid();
	if ((saved->ngroups = getgroups(CREDS_MAX_GROUPS, saved->groups)) < 0)
		saved->ngroups = 0;
	if (set_groups(who->ngroups, who->groups) == -1 ||
	    syscall(SYS_setresgid, (gid_t)-1, who->gid, (gid_t)-1) == -1 ||
	    syscall(SYS_setresuid, (uid_t)-1, who->uid, (uid_t)-1) == -1) {
		/* Could not become the client: undo, and fail safe by making
		 * the calls as nobody rather than as root. */
		log_warn("cannot take uid %u's credentials", (unsigned)who->uid);
		set_groups(saved->ngroups, saved->groups);
		syscall(SYS_setresgid, (gid_t)-1, saved->egid, (gid_t)-1);
		syscall(SYS_setresuid, (uid_t)-1, (uid_t)65534, (uid_t)-1);
	}
	saved->switched = true;
}

void
creds_leave(struct creds_saved *saved)
{
	int err = errno;	/* callers read errno after the call they wrapped */

	if (!saved->switched)
		return;
	if (syscall(SYS_setresuid, (uid_t)-1, (uid_t)0, (uid_t)-1) == -1 ||
	    syscall(SYS_setresgid, (gid_t)-1, saved->egid, (gid_t)-1) == -1 ||
	    set_groups(saved->ngroups, saved->groups) == -1)
		log_warn("cannot return to the daemon's credentials");
	saved->switched = false;
	errno = err;
}
