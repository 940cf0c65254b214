/* grant.c: the policy in force, its reload, and what a grant lends when
 * the kernel refuses a client (see grant.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "errors.h"
#include "grant.h"
#include "log.h"
#include "privs.h"
#include "resolve.h"
#include "sock6d.h"

/* The capability each option's grant lends (sock6d.conf(5)). */
static const enum privs_cap option_cap[POLICY_OPT_COUNT] = {
	[POLICY_OPT_SO_MARK] = PRIVS_NET_ADMIN,
	[POLICY_OPT_SO_BINDTODEVICE] = PRIVS_NET_RAW,
	[POLICY_OPT_IP_TRANSPARENT] = PRIVS_NET_ADMIN,
	[POLICY_OPT_IPV6_TRANSPARENT] = PRIVS_NET_ADMIN,
	[POLICY_OPT_SO_PRIORITY] = PRIVS_NET_ADMIN,
};

#define FD_SPARE	64	/* descriptors besides handles and connections: the
				 * listener, the log, the loop's own, state files */

/* Handles and connections are descriptors: a handle may hold two (a bound
 * UNIX socket keeps its file's directory), a connection five (two pipes
 * for attach besides its own).  A descriptor held for a user that is no
 * handle (a connect attempt's socket, an exported copy not yet sent, the
 * guard's hold on the UNIX path of a waiting send_to) counts as one of its
 * handles until it is gone (sock_reserve_fd), so max_handles covers it
 * too.  Say so when the descriptor limit would run
 * out before max_handles and max_connections do (a client then gets EMFILE
 * instead of 1012, and root's reserves are not kept). */
static void
grant_check_fd_room(const struct limits *l)
{
	struct rlimit rl;
	long need = 2 * l->max_handles + 5 * l->max_connections + FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)need > rl.rlim_cur)
		log_warnx("the descriptor limit (%llu) is below 2 x max_handles + 5 x "
		    "max_connections + %d (%ld): set max_handles to %ld or less (or raise "
		    "LimitNOFILE) so that the limits, and root's reserves, bind before "
		    "descriptors run out", (unsigned long long)rl.rlim_cur, FD_SPARE, need,
		    ((long)rl.rlim_cur - 5 * l->max_connections - FD_SPARE) / 2);
}

/* Put p in force, with its limits (the resolver's per-user shares too;
 * its thread and queue totals are set at start). */
static void
grant_swap_in(struct sock6d *d, struct policy *p, bool missing)
{
	const struct limits *l = policy_limits(p);

	policy_free(d->policy);
	d->policy = p;
	d->limits = *l;
	grant_check_fd_room(l);
	if (d->resolver != NULL)
		resolver_set_shares(d->resolver, (unsigned)l->resolver_queue_per_user,
		    (unsigned)l->resolver_threads_per_user);
	if (missing)
		log_info("no policy file %s: nothing granted", d->policy_path);
	else
		log_info("policy %s: %zu user and group sections", d->policy_path,
		    policy_sections(p));
}

struct policy *
grant_read(const char *path, const char *const *overrides, size_t noverrides,
    bool *missing, char *err, size_t errlen)
{
	struct limits base;

	limits_default(&base);
	return policy_load(path, &base, overrides, noverrides, missing, err, errlen);
}

void
grant_adopt(struct sock6d *d, struct policy *p, bool missing)
{
	grant_swap_in(d, p, missing);
}

void
grant_free(struct sock6d *d)
{
	policy_free(d->policy);
	d->policy = NULL;
}

const struct limits *
grant_limits_for(const struct sock6d *d, uid_t uid)
{
	return d->policy != NULL ? policy_limits_for(d->policy, uid) : &d->limits;
}

const char *
grant_name(const struct grant_req *req, char *buf, size_t len)
{
	switch (req->kind) {
	case GRANT_BIND:
		snprintf(buf, len, "bind %s:%u", req->family == AF_INET6 ? "inet6" : "inet",
		    req->port);
		break;
	case GRANT_RAW:
		snprintf(buf, len, "raw");
		break;
	case GRANT_EXPORT:
		snprintf(buf, len, "export");
		break;
	case GRANT_OPTION:
		snprintf(buf, len, "options %s", policy_option_name(req->option));
		break;
	}
	return buf;
}

static bool
granted(const struct sock6d *d, const struct creds *who, const struct grant_req *req)
{
	if (d->policy == NULL || who == NULL)
		return false;
	switch (req->kind) {
	case GRANT_BIND:
		return policy_grants_bind(d->policy, who, req->family, req->port);
	case GRANT_RAW:
		return policy_grants_raw(d->policy, who);
	case GRANT_EXPORT:
		return policy_grants_export(d->policy, who);
	case GRANT_OPTION:
		return policy_grants_option(d->policy, who, req->option);
	}
	return false;
}

/* 1011 naming the grant, with the kernel's answer when there was one. */
static void
grant_refusal(const struct grant_req *req, int errnum, struct s6err *e)
{
	char name[64];

	grant_name(req, name, sizeof(name));
	err_set(e, S6_PERMISSION, "%s is not granted to this user%s%s", name,
	    errnum ? " - " : "", errnum ? strerror(errnum) : "");
	e->errnum = errnum;
	snprintf(e->grant, sizeof(e->grant), "%s", name);
}

/* Refusals are a client's to repeat at will: at most this many audit lines
 * a second for each user, the next one logged saying how many were left
 * out.  Every use of a grant is logged. */
#define REFUSALS_PER_SECOND	20

/* One audit line. */
static void
grant_audit(struct sock6d *d, const struct creds *who, const struct grant_req *req,
    const char *outcome)
{
	uid_t uid = who != NULL ? who->uid : 0;
	struct user *u;
	unsigned long left_out = 0;
	char name[64], more[64] = "";

	if (strcmp(outcome, "refused") == 0 && (u = user_find(&d->users, uid)) != NULL) {
		if (ev_now(d->loop) - u->refusals_since >= 1.0) {
			u->refusals_since = ev_now(d->loop);
			u->refusals_logged = 0;
		}
		if (u->refusals_logged == REFUSALS_PER_SECOND) {
			u->refusals_left_out++;
			return;
		}
		u->refusals_logged++;
		if ((left_out = u->refusals_left_out) > 0)
			snprintf(more, sizeof(more), " (%lu more refused before, not logged)",
			    left_out);
		u->refusals_left_out = 0;
	}
	log_audit("uid=%u method=%s grant=\"%s\" %s%s", (unsigned)uid,
	    d->method != NULL ? d->method : "-", grant_name(req, name, sizeof(name)), outcome,
	    more);
}

static enum privs_cap
grant_cap(const struct grant_req *req)
{
	switch (req->kind) {
	case GRANT_BIND:
		return PRIVS_NET_BIND_SERVICE;
	case GRANT_RAW:
		return PRIVS_NET_RAW;
	case GRANT_OPTION:
		return option_cap[req->option];
	case GRANT_EXPORT:
		break;
	}
	return PRIVS_NET_ADMIN;	/* not reached: export lends nothing */
}

enum grant_outcome
grant_retry(struct sock6d *d, const struct creds *who, const struct grant_req *req,
    int errnum, int (*retry)(void *), void *arg, struct s6err *e)
{
	enum privs_cap cap = grant_cap(req);
	enum privs_raised raised;
	int rc, err;

	if (!granted(d, who, req)) {
		grant_refusal(req, errnum, e);
		grant_audit(d, who, req, "refused");
		return GRANT_REFUSED;
	}
	if ((raised = privs_raise(cap)) == PRIVS_LACKING) {
		/* Granted, but the daemon was started without what it lends
		 * (the unit's bounding set leaves CAP_NET_ADMIN to the admin). */
		char name[64];

		grant_refusal(req, errnum, e);
		snprintf(e->message, sizeof(e->message), "%s is granted, but the daemon runs "
		    "without %s - %s", grant_name(req, name, sizeof(name)), privs_name(cap),
		    strerror(errnum));
		grant_audit(d, who, req, "granted, but the daemon lacks the capability");
		return GRANT_REFUSED;
	}
	rc = retry(arg);
	err = errno;
	privs_lower(cap, raised);
	grant_audit(d, who, req, rc == 0 ? "used" : "used, and the call failed");
	errno = err;
	return rc == 0 ? GRANT_DONE : GRANT_FAILED;
}

bool
grant_allows(struct sock6d *d, const struct creds *who, const struct grant_req *req,
    struct s6err *e)
{
	if (!granted(d, who, req)) {
		grant_refusal(req, 0, e);
		grant_audit(d, who, req, "refused");
		return false;
	}
	grant_audit(d, who, req, "used");
	return true;
}

struct bind_call {
	int			 fd;
	const struct sockaddr	*sa;
	socklen_t		 len;
};

static int
bind_again(void *arg)
{
	struct bind_call *b = arg;

	return bind(b->fd, b->sa, b->len);
}

/* Whether binding the IPv6 address sa on fd takes an IPv4 port as well: a
 * v4-mapped address, or the unspecified one on a dual-stack socket. */
static bool
takes_inet_port(int fd, const struct sockaddr *sa)
{
	const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	int v6only = 0;
	socklen_t len = sizeof(v6only);

	if (IN6_IS_ADDR_V4MAPPED(a))
		return true;
	return IN6_IS_ADDR_UNSPECIFIED(a) &&
	    (getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &len) == -1 || !v6only);
}

int
grant_bind(struct sock6d *d, int fd, const struct sockaddr *sa, socklen_t len,
    const struct creds *who, struct s6err *e)
{
	struct bind_call b = { fd, sa, len };
	struct grant_req req = { .kind = GRANT_BIND, .family = sa->sa_family };

	if (bind(fd, sa, len) == 0)
		return 0;
	if (errno == EACCES && (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		req.port = ntohs(sa->sa_family == AF_INET ?
		    ((const struct sockaddr_in *)(const void *)sa)->sin_port :
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
		if (sa->sa_family == AF_INET6 && takes_inet_port(fd, sa)) {
			/* It takes the IPv4 port too: that grant is needed as well. */
			struct grant_req v4 = { .kind = GRANT_BIND, .family = AF_INET,
			    .port = req.port };

			if (!granted(d, who, &v4)) {
				grant_refusal(&v4, EACCES, e);
				grant_audit(d, who, &v4, "refused");
				e->syscall = "bind";
				return -1;
			}
		}
		switch (grant_retry(d, who, &req, EACCES, bind_again, &b, e)) {
		case GRANT_DONE:
			return 0;
		case GRANT_REFUSED:
			e->syscall = "bind";
			return -1;
		case GRANT_FAILED:
			break;
		}
	}
	err_sys(e, errno, "bind", "cannot bind to socket", false);
	return -1;
}
