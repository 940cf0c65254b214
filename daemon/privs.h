/* privs.h: the least privilege the daemon runs with, and the one
 * capability a granted call borrows.
 *
 * A daemon started as root keeps five capabilities and drops every other
 * one, from its bounding set too: CAP_SETUID and CAP_SETGID, to take each
 * client's credentials around the calls made for it (creds.h), and the
 * three a policy grant can lend for one call: CAP_NET_BIND_SERVICE (a port
 * below the unprivileged start), CAP_NET_RAW (raw sockets,
 * SO_BINDTODEVICE) and CAP_NET_ADMIN (SO_MARK, IP_TRANSPARENT, SO_PRIORITY
 * above 6).  While a client's call runs, the thread's effective uid is the
 * client's and the kernel clears its effective capabilities; the permitted
 * ones stay (the real and saved uids are root's), so a granted call can
 * raise exactly one of them around exactly one system call. */
#ifndef SOCK6D_PRIVS_H
#define SOCK6D_PRIVS_H

#include <stdbool.h>
#include <stddef.h>

/* The capabilities a grant lends. */
enum privs_cap {
	PRIVS_NET_BIND_SERVICE,
	PRIVS_NET_RAW,
	PRIVS_NET_ADMIN,
};

/* Keep only the daemon's capabilities (nothing when not root, or when the
 * process has fewer already: under systemd's bounding set).  Capabilities
 * and the bounding set belong to each thread: call it before any thread
 * starts (the resolver's start on first use), so that every one inherits
 * the reduced sets.  0, or -1 with a sentence in err. */
int		 privs_drop(char *err, size_t errlen);
enum privs_raised {
	PRIVS_LACKING,	/* the daemon does not hold it: the call stays refused */
	PRIVS_HAD,	/* already effective (the thread is root's) */
	PRIVS_RAISED,	/* raised for the call: privs_lower it after */
};

/* Raise cap in the calling thread's effective set for the call that
 * follows.  Always pair with privs_lower, given what this returned. */
enum privs_raised privs_raise(enum privs_cap cap);
void		 privs_lower(enum privs_cap cap, enum privs_raised raised);
/* The capability's name, for logs ("CAP_NET_BIND_SERVICE"). */
const char	*privs_name(enum privs_cap cap);

#endif
