/* sockopt.h: socket options by name: one table (the egg's accessors and
 * the structured options it never got), the value codec of each kind, and
 * the errno mapping every get/setsockopt shares (PROTOCOL §6). */
#ifndef SOCK6D_SOCKOPT_H
#define SOCK6D_SOCKOPT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "error.h"
#include "jv.h"

enum sockopt_kind {
	SK_BOOL,	/* int 0/1 <-> true/false */
	SK_INT,		/* int <-> integer in [min, max] */
	SK_LINGER,	/* struct linger <-> {"on": bool, "seconds": int} */
	SK_TIMEVAL_MS,	/* struct timeval <-> milliseconds in [min, max] */
	SK_STRING,	/* char[] <-> string of 1..max bytes */
	SK_TCP_INFO,	/* struct tcp_info -> object (read-only) */
	SK_UCRED,	/* struct ucred -> {"pid", "uid", "gid"} (read-only) */
	SK_IN_ADDR,	/* struct in_addr <-> "a.b.c.d" */
	SK_IP_MREQN,	/* struct ip_mreqn <- {"group", "interface"} (write-only) */
	SK_IPV6_MREQ,	/* struct ipv6_mreq <- {"group", "interface"} (write-only) */
};

#define OPT_RO	0x01	/* setting it is 1000 "socket option is read-only" */
#define OPT_WO	0x02	/* getting it is 1000 "socket option is write-only" */

struct sockopt {
	const char		*name;		/* "so-reuse-address" */
	const char		*level;		/* a constant's name: "sol/socket" */
	const char		*optname;	/* a constant's name: "so/reuseaddr" */
	enum sockopt_kind	 kind;
	unsigned		 flags;
	int64_t			 min, max;	/* SK_INT, SK_TIMEVAL_MS: the range;
						 * SK_STRING: max is its longest */
};

/* Every option, in the order socket.options lists them; ends with name NULL. */
extern const struct sockopt sockopts[];

/* The option named `name`, or NULL. */
const struct sockopt	*sockopt_lookup(const char *name);
/* Its level and option numbers, or -1 with 1003 when either is undefined
 * on this platform. */
int			 sockopt_numbers(const struct sockopt *o, int *level, int *optname,
			    struct s6err *e);
/* Read the option as JSON; NULL with e set.  `privileged`: the caller is
 * root (otherwise the daemon's capabilities are lowered meanwhile). */
json_object		*sockopt_get(int fd, const struct sockopt *o, bool privileged,
			    struct s6err *e);
/* Set the option from a request's JSON value; 0, or -1 with e set. */
int			 sockopt_set(int fd, const struct sockopt *o, const struct jv *value,
			    bool privileged, struct s6err *e);

/* Raw getsockopt/setsockopt with the shared errno mapping: ENOPROTOOPT,
 * EOPNOTSUPP and EINVAL are 1003 (as in the egg), any other errno 1000. */
int			 sockopt_raw_get(int fd, int level, int optname, void *buf,
			    socklen_t *len, bool privileged, struct s6err *e);
int			 sockopt_raw_set(int fd, int level, int optname, const void *buf,
			    socklen_t len, bool privileged, struct s6err *e);

#endif
