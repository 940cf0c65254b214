/* unix-guard.h: the UNIX sockets no client may reach through the daemon.
 *
 * A datagram the daemon sends for a client carries the daemon's pid (and
 * its real uid, root), and a connection it makes carries its pid: the
 * service manager's notification socket and the journal's sockets take
 * the sender to be whoever that pid is, so through them a client could
 * speak as sock6d itself (READY=1, WATCHDOG=trigger, MAINPID=, FDSTORE...,
 * log lines of sock6d.service).  Those sockets are known by path (or by
 * abstract name), and a client other than root that connects or sends to
 * a UNIX path has the path opened as itself (O_PATH) and checked: its
 * device and inode against those the guarded paths had at start and have
 * now (a journal or manager restarted since has made its sockets anew).
 * The call then goes through /proc/self/fd/N, that very file, so the path
 * cannot be swapped between the check and the use.  Every connect(2) made
 * for a client goes through unix_guard_connect. */
#ifndef SOCK6D_UNIX_GUARD_H
#define SOCK6D_UNIX_GUARD_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "sockaddr.h"

#define UNIX_GUARD_MAX	8

struct unix_guard {
	struct {
		dev_t	dev;
		ino_t	ino;
	}		 files[UNIX_GUARD_MAX];
	int		 nfiles;
	char		 notify[108];	/* NOTIFY_SOCKET's path, "" when none */
	char		 abstract[108];	/* NOTIFY_SOCKET's name when abstract */
	size_t		 abstract_len;	/* 0: none */
};

/* Record the sockets to protect: NOTIFY_SOCKET's, and the journal's. */
void	 unix_guard_init(struct unix_guard *g);
/* A client (uid) connects or sends to addr.  0 when it may: *use is the
 * address to give the system call and *fd a descriptor to close once the
 * call is over (-1: none, *use is addr).  -1 with errno when the path
 * cannot be opened as the client (the caller answers as for its own call:
 * ENOENT, EACCES... as connect(2) would); -2 with e set (1011) for a
 * protected socket. */
int	 unix_guard_check(const struct unix_guard *g, uid_t uid, const struct s6_sockaddr *addr,
	    struct s6_sockaddr *use, int *fd, struct s6err *e);
/* connect(2) fd to addr for a client (uid), through the check above (and
 * so through /proc/self/fd/N for a UNIX path), retried on EINTR: 0, or -1
 * with errno as connect(2) sets it (also when the path cannot be opened as
 * the client), or -2 with e set (1011) for a protected socket. */
int	 unix_guard_connect(const struct unix_guard *g, uid_t uid, int fd,
	    const struct s6_sockaddr *addr, struct s6err *e);

#endif
