/* grant.h: the policy in force (policy.h) and what it lends.  When the
 * kernel refuses a client something a grant could allow (a port below the
 * unprivileged start, a raw socket, a privileged option) or the daemon
 * refuses it an export, the grant decides: granted, the call is made again
 * as the client with the one capability the grant lends (privs.h);
 * otherwise the answer is 1011 with data.grant naming the grant that would
 * allow it and data.errname keeping the kernel's own answer.  Each use and
 * each refusal is one audit line.  The policy is loaded at start and
 * reloaded whole (SIGHUP, daemon.reload; read off the loop by reload.c):
 * a bad file keeps the old one. */
#ifndef SOCK6D_GRANT_H
#define SOCK6D_GRANT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "creds.h"
#include "error.h"
#include "policy.h"

struct sock6d;

enum grant_kind { GRANT_BIND, GRANT_RAW, GRANT_EXPORT, GRANT_OPTION };

/* What a grant would allow. */
struct grant_req {
	enum grant_kind		 kind;
	int			 family;	/* GRANT_BIND: AF_INET or AF_INET6 */
	unsigned		 port;		/* GRANT_BIND */
	enum policy_option	 option;	/* GRANT_OPTION */
};

enum grant_outcome {
	GRANT_DONE,	/* granted, and the call succeeded */
	GRANT_FAILED,	/* granted, and the call failed: errno is its */
	GRANT_REFUSED,	/* not granted: e holds the 1011 */
};

/* Read the policy at path (the defaults, its [limits], then `overrides`,
 * the command line's --limit); NULL with a sentence in err. */
struct policy	*grant_read(const char *path, const char *const *overrides,
		    size_t noverrides, bool *missing, char *err, size_t errlen);
/* Put a policy read by grant_read in force whole, with its limits, in
 * place of the one in force (d->policy_path names its file).  At start,
 * and when a reload's read is done (reload.h). */
void		 grant_adopt(struct sock6d *d, struct policy *p, bool missing);
void		 grant_free(struct sock6d *d);
/* The limits for uid (its user section's overrides). */
const struct limits *grant_limits_for(const struct sock6d *d, uid_t uid);

/* The kernel refused `who` the call `retry` makes (errnum: EACCES, EPERM):
 * if a grant allows req, make it again with the grant's capability
 * (retry(arg) returns 0 or -1 with errno); else set e to 1011 (also when
 * granted but the daemon runs without that capability).  Audited. */
enum grant_outcome grant_retry(struct sock6d *d, const struct creds *who,
		    const struct grant_req *req, int errnum,
		    int (*retry)(void *arg), void *arg, struct s6err *e);
/* A check with no kernel call to retry (export): true when granted, else
 * e holds the 1011.  Audited. */
bool		 grant_allows(struct sock6d *d, const struct creds *who,
		    const struct grant_req *req, struct s6err *e);
/* bind(2) as `who`; a refusal a grant could lift (EACCES for an inet
 * port) goes to grant_retry.  0, or -1 with e set (1000, or 1011). */
int		 grant_bind(struct sock6d *d, int fd, const struct sockaddr *sa,
		    socklen_t len, const struct creds *who, struct s6err *e);
/* The words naming req's grant ("bind inet:80", "raw", "options so-mark"). */
const char	*grant_name(const struct grant_req *req, char *buf, size_t len);

#endif
