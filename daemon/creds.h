/* creds.h: system calls made for a client run with that client's
 * credentials.  The loop thread takes the client's effective uid, gid and
 * groups for the call (per-thread raw syscalls, so resolver threads are
 * untouched), and the kernel then decides exactly as if the client made
 * the call itself: privileged ports, raw and packet sockets, UNIX socket
 * paths it cannot reach, files it may not create.  Only a daemon running as
 * root can do this; otherwise it is a no-op. */
#ifndef SOCK6D_CREDS_H
#define SOCK6D_CREDS_H

#include <stdbool.h>
#include <sys/types.h>

#define CREDS_MAX_GROUPS	64

struct creds {
	uid_t	uid;
	gid_t	gid;
	int	ngroups;
	gid_t	groups[CREDS_MAX_GROUPS];
};

struct creds_saved {
	bool	switched;
	uid_t	euid;
	gid_t	egid;
	int	ngroups;
	gid_t	groups[CREDS_MAX_GROUPS];
};

/* A client of uid and gid on the UNIX socket fd, with its supplementary
 * groups from SO_PEERGROUPS where the kernel has it (else none). */
void	 creds_init(struct creds *out, int fd, uid_t uid, gid_t gid);
/* Take who's identity for the calls that follow (nothing when who is NULL,
 * when who is root and so is the thread, or when the daemon is not root).
 * Scopes nest: creds_leave returns to whatever identity was in force
 * before the matching creds_enter.  Always pair them. */
void	 creds_enter(const struct creds *who, struct creds_saved *saved);
void	 creds_leave(struct creds_saved *saved);

#endif
