/* sockopt.c: socket options by name.  One table says where each option
 * lives and what kind of value it holds; one codec per kind converts between
 * the kernel's bytes and JSON; every get/setsockopt goes through one errno
 * mapping and runs with the caller's privilege, not the daemon's. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "constants.h"
#include "sockopt.h"

#define CA_NAME_MAX	16	/* TCP_CA_NAME_MAX, with its NUL */
#define MS_MAX		INT32_MAX

/* The egg's accessors (named without the `?`), then the options it never
 * got.  Levels and option numbers are constant names, so a constant the
 * platform lacks (tcp/nopush on Linux) makes its option undefined here. */
const struct sockopt sockopts[] = {
	{ "so-reuse-address", "sol/socket", "so/reuseaddr", SK_BOOL, 0, 0, 0 },
	{ "so-debug", "sol/socket", "so/debug", SK_BOOL, 0, 0, 0 },
	{ "so-keep-alive", "sol/socket", "so/keepalive", SK_BOOL, 0, 0, 0 },
	{ "so-dont-route", "sol/socket", "so/dontroute", SK_BOOL, 0, 0, 0 },
	{ "so-broadcast", "sol/socket", "so/broadcast", SK_BOOL, 0, 0, 0 },
	{ "so-oob-inline", "sol/socket", "so/oobinline", SK_BOOL, 0, 0, 0 },
	{ "so-accept-connections", "sol/socket", "so/acceptconn", SK_BOOL, OPT_RO, 0, 0 },
	{ "so-send-buffer", "sol/socket", "so/sndbuf", SK_INT, 0, 0, INT_MAX },
	{ "so-receive-buffer", "sol/socket", "so/rcvbuf", SK_INT, 0, 0, INT_MAX },
	{ "so-send-low-water", "sol/socket", "so/sndlowat", SK_INT, 0, 0, INT_MAX },
	{ "so-receive-low-water", "sol/socket", "so/rcvlowat", SK_INT, 0, 0, INT_MAX },
	{ "so-error", "sol/socket", "so/error", SK_INT, OPT_RO, 0, 0 },
	{ "so-type", "sol/socket", "so/type", SK_INT, OPT_RO, 0, 0 },
	{ "tcp-no-delay", "ipproto/tcp", "tcp/nodelay", SK_BOOL, 0, 0, 0 },
	{ "tcp-no-push", "ipproto/tcp", "tcp/nopush", SK_BOOL, 0, 0, 0 },
	{ "tcp-no-options", "ipproto/tcp", "tcp/noopt", SK_BOOL, 0, 0, 0 },
	{ "tcp-keep-alive", "ipproto/tcp", "tcp/keepalive", SK_INT, 0, 0, INT_MAX },
	{ "tcp-max-segment-size", "ipproto/tcp", "tcp/maxseg", SK_INT, 0, 0, INT_MAX },
	{ "ip-header-included", "ipproto/ip", "ip/hdrincl", SK_BOOL, 0, 0, 0 },
	{ "ip-type-of-service", "ipproto/ip", "ip/tos", SK_INT, 0, 0, 255 },
	{ "ip-time-to-live", "ipproto/ip", "ip/ttl", SK_INT, 0, 1, 255 },
	{ "ipv6-v6-only", "ipproto/ipv6", "ipv6/v6only", SK_BOOL, 0, 0, 0 },

	{ "so-linger", "sol/socket", "so/linger", SK_LINGER, 0, 0, 0 },
	{ "so-receive-timeout", "sol/socket", "so/rcvtimeo", SK_TIMEVAL_MS, 0, 0, MS_MAX },
	{ "so-send-timeout", "sol/socket", "so/sndtimeo", SK_TIMEVAL_MS, 0, 0, MS_MAX },
	{ "so-reuse-port", "sol/socket", "so/reuseport", SK_BOOL, 0, 0, 0 },
	{ "so-peer-credentials", "sol/socket", "so/peercred", SK_UCRED, OPT_RO, 0, 0 },
	{ "tcp-keep-idle", "ipproto/tcp", "tcp/keepidle", SK_INT, 0, 1, 32767 },
	{ "tcp-keep-interval", "ipproto/tcp", "tcp/keepintvl", SK_INT, 0, 1, 32767 },
	{ "tcp-keep-count", "ipproto/tcp", "tcp/keepcnt", SK_INT, 0, 1, 127 },
	{ "tcp-user-timeout", "ipproto/tcp", "tcp/user-timeout", SK_INT, 0, 0, INT_MAX },
	{ "tcp-congestion", "ipproto/tcp", "tcp/congestion", SK_STRING, 0, 1, CA_NAME_MAX - 1 },
	{ "tcp-info", "ipproto/tcp", "tcp/info", SK_TCP_INFO, OPT_RO, 0, 0 },
	{ "ip-multicast-ttl", "ipproto/ip", "ip/multicast-ttl", SK_INT, 0, 0, 255 },
	{ "ip-multicast-loop", "ipproto/ip", "ip/multicast-loop", SK_BOOL, 0, 0, 0 },
	{ "ip-multicast-interface", "ipproto/ip", "ip/multicast-if", SK_IN_ADDR, 0, 0, 0 },
	{ "ip-add-membership", "ipproto/ip", "ip/add-membership", SK_IP_MREQN, OPT_WO, 0, 0 },
	{ "ip-drop-membership", "ipproto/ip", "ip/drop-membership", SK_IP_MREQN, OPT_WO, 0, 0 },
	{ "ipv6-join-group", "ipproto/ipv6", "ipv6/join-group", SK_IPV6_MREQ, OPT_WO, 0, 0 },
	{ "ipv6-leave-group", "ipproto/ipv6", "ipv6/leave-group", SK_IPV6_MREQ, OPT_WO, 0, 0 },
	{ "ipv6-unicast-hops", "ipproto/ipv6", "ipv6/unicast-hops", SK_INT, 0, -1, 255 },
	{ "ipv6-multicast-hops", "ipproto/ipv6", "ipv6/multicast-hops", SK_INT, 0, -1, 255 },
	{ "ipv6-multicast-loop", "ipproto/ipv6", "ipv6/multicast-loop", SK_BOOL, 0, 0, 0 },
	/* Privileged: the kernel refuses them to a client without the
	 * capability; the policy file can grant them (sock6d.conf(5)). */
	{ "so-mark", "sol/socket", "so/mark", SK_INT, 0, 0, INT_MAX },
	{ "so-priority", "sol/socket", "so/priority", SK_INT, 0, 0, INT_MAX },
	{ "so-bindtodevice", "sol/socket", "so/bindtodevice", SK_STRING, 0, 0, IFNAMSIZ - 1 },
	{ "ip-transparent", "ipproto/ip", "ip/transparent", SK_BOOL, 0, 0, 0 },
	{ "ipv6-transparent", "ipproto/ipv6", "ipv6/transparent", SK_BOOL, 0, 0, 0 },
	{ NULL, NULL, NULL, SK_BOOL, 0, 0, 0 }
};

/* By sock6d's name ("tcp-no-delay"), the egg's accessor name with its
 * question mark ("tcp-no-delay?"), or the option's constant ("tcp/nodelay"). */
const struct sockopt *
sockopt_lookup(const char *name)
{
	const struct sockopt *o;
	size_t n = strlen(name);

	for (o = sockopts; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0 || strcmp(o->optname, name) == 0 ||
		    (n > 1 && name[n - 1] == '?' && strlen(o->name) == n - 1 &&
		    strncmp(o->name, name, n - 1) == 0))
			return o;
	return NULL;
}

int
sockopt_numbers(const struct sockopt *o, int *level, int *optname, struct s6err *e)
{
	const struct constant *l = constant_lookup(o->level);
	const struct constant *n = constant_lookup(o->optname);

	if (l == NULL || n == NULL || !l->defined || !n->defined) {
		err_set(e, S6_UNSUPPORTED, "socket option unavailable on this platform");
		return -1;
	}
	*level = l->value;
	*optname = n->value;
	return 0;
}

/* Privilege and errors shared by every option call. */

struct priv {
	bool				lowered;
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	saved[_LINUX_CAPABILITY_U32S_3];
};

/* For a caller other than root, clear the daemon's effective capabilities
 * so that the kernel judges the call as that user's own (EPERM for SO_DEBUG,
 * SO_MARK, a restricted congestion control, ...); -1 with 1011 if it cannot. */
static int
priv_lower(struct priv *p, bool privileged, struct s6err *e)
{
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3];
	bool any = false;
	size_t i;

	p->lowered = false;
	if (privileged)
		return 0;
	p->hdr.version = _LINUX_CAPABILITY_VERSION_3;
	p->hdr.pid = 0;
	if (syscall(SYS_capget, &p->hdr, p->saved) == -1)
		goto fail;
	memcpy(none, p->saved, sizeof(none));
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		any = any || none[i].effective != 0;
		none[i].effective = 0;
	}
	if (!any)
		return 0;
	if (syscall(SYS_capset, &p->hdr, none) == -1)
		goto fail;
	p->lowered = true;
	return 0;
fail:
	err_set(e, S6_PERMISSION, "cannot run the socket option call with the caller's privilege");
	return -1;
}

static void
priv_restore(struct priv *p)
{
	int saved = errno;

	if (p->lowered)
		(void)syscall(SYS_capset, &p->hdr, p->saved);
	errno = saved;
}

/* A failed get/setsockopt: unsupported for what the egg calls unsupported
 * (ENOPROTOOPT, EINVAL, and EOPNOTSUPP too), else a net error; the message
 * is strerror, as the egg's. */
static void
opt_errno(struct s6err *e, int errnum, const char *syscall)
{
	bool unsupported = errnum == ENOPROTOOPT || errnum == EOPNOTSUPP || errnum == EINVAL;

	err_set(e, unsupported ? S6_UNSUPPORTED : S6_NET, "%s", strerror(errnum));
	e->errnum = errnum;
	e->syscall = syscall;
}

int
sockopt_raw_get(int fd, int level, int optname, void *buf, socklen_t *len, bool privileged,
    struct s6err *e)
{
	struct priv p;
	int rc;

	if (priv_lower(&p, privileged, e) == -1)
		return -1;
	rc = getsockopt(fd, level, optname, buf, len);
	priv_restore(&p);
	if (rc == -1)
		opt_errno(e, errno, "getsockopt");
	return rc;
}

int
sockopt_raw_set(int fd, int level, int optname, const void *buf, socklen_t len,
    bool privileged, struct s6err *e)
{
	struct priv p;
	int rc;

	if (priv_lower(&p, privileged, e) == -1)
		return -1;
	rc = setsockopt(fd, level, optname, buf, len);
	priv_restore(&p);
	if (rc == -1)
		opt_errno(e, errno, "setsockopt");
	return rc;
}

/* Codecs: one per kind, between the kernel's bytes and JSON. */

union optbuf {
	int			i;
	struct linger		linger;
	struct timeval		tv;
	char			str[CA_NAME_MAX];
	struct tcp_info		tcpi;
	struct ucred		cred;
	struct in_addr		in;
	struct ip_mreqn		mreqn;
	struct ipv6_mreq	mreq6;
};

/* Every bad value is -32602 naming the param "value". */
#define BAD(e, ...)	(err_param((e), "value", __VA_ARGS__), -1)

static json_object *
dec_bool(const union optbuf *b, socklen_t len)
{
	(void)len;
	return json_object_new_boolean(b->i != 0);
}

static json_object *
dec_int(const union optbuf *b, socklen_t len)
{
	(void)len;
	return json_object_new_int(b->i);
}

static json_object *
dec_linger(const union optbuf *b, socklen_t len)
{
	json_object *o = json_object_new_object();

	(void)len;
	json_object_object_add(o, "on", json_object_new_boolean(b->linger.l_onoff != 0));
	json_object_object_add(o, "seconds", json_object_new_int(b->linger.l_linger));
	return o;
}

/* Milliseconds, to the nearest (the kernel keeps jiffies). */
static json_object *
dec_timeval(const union optbuf *b, socklen_t len)
{
	(void)len;
	return json_object_new_int64((int64_t)b->tv.tv_sec * 1000 +
	    ((int64_t)b->tv.tv_usec + 500) / 1000);
}

static json_object *
dec_string(const union optbuf *b, socklen_t len)
{
	size_t n = len < sizeof(b->str) ? len : sizeof(b->str);

	return json_object_new_string_len(b->str, (int)strnlen(b->str, n));
}

static const char *const tcp_state_names[] = {
	[TCP_ESTABLISHED] = "established", [TCP_SYN_SENT] = "syn_sent",
	[TCP_SYN_RECV] = "syn_recv", [TCP_FIN_WAIT1] = "fin_wait1",
	[TCP_FIN_WAIT2] = "fin_wait2", [TCP_TIME_WAIT] = "time_wait", [TCP_CLOSE] = "close",
	[TCP_CLOSE_WAIT] = "close_wait", [TCP_LAST_ACK] = "last_ack", [TCP_LISTEN] = "listen",
	[TCP_CLOSING] = "closing",
};

static const char *const tcp_ca_state_names[] = {
	[TCP_CA_Open] = "open", [TCP_CA_Disorder] = "disorder", [TCP_CA_CWR] = "cwr",
	[TCP_CA_Recovery] = "recovery", [TCP_CA_Loss] = "loss",
};

/* The struct tcp_info fields worth showing: name, where, and for the
 * enumerated ones the names of their values. */
static const struct info_field {
	const char		*name;
	size_t			 off, size;
	const char *const	*names;
	size_t			 nnames;
} tcp_info_fields[] = {
#define TI(n, f)	{ n, offsetof(struct tcp_info, f), \
			  sizeof(((struct tcp_info *)0)->f), NULL, 0 }
#define TN(n, f, t)	{ n, offsetof(struct tcp_info, f), \
			  sizeof(((struct tcp_info *)0)->f), t, sizeof(t) / sizeof(t[0]) }
	TN("state", tcpi_state, tcp_state_names),
	TN("ca_state", tcpi_ca_state, tcp_ca_state_names),
	TI("retransmits", tcpi_retransmits), TI("probes", tcpi_probes),
	TI("backoff", tcpi_backoff), TI("options", tcpi_options),
	TI("rto_us", tcpi_rto), TI("ato_us", tcpi_ato),
	TI("snd_mss", tcpi_snd_mss), TI("rcv_mss", tcpi_rcv_mss),
	TI("unacked", tcpi_unacked), TI("sacked", tcpi_sacked), TI("lost", tcpi_lost),
	TI("retrans", tcpi_retrans),
	TI("last_data_sent_ms", tcpi_last_data_sent), TI("last_data_recv_ms", tcpi_last_data_recv),
	TI("last_ack_recv_ms", tcpi_last_ack_recv),
	TI("pmtu", tcpi_pmtu), TI("rcv_ssthresh", tcpi_rcv_ssthresh),
	TI("rtt_us", tcpi_rtt), TI("rttvar_us", tcpi_rttvar),
	TI("snd_ssthresh", tcpi_snd_ssthresh), TI("snd_cwnd", tcpi_snd_cwnd),
	TI("advmss", tcpi_advmss), TI("reordering", tcpi_reordering),
	TI("rcv_rtt_us", tcpi_rcv_rtt), TI("rcv_space", tcpi_rcv_space),
	TI("total_retrans", tcpi_total_retrans),
#undef TI
#undef TN
};

/* The fields the kernel filled (an older one fills fewer). */
static json_object *
dec_tcp_info(const union optbuf *b, socklen_t len)
{
	const struct info_field *f;
	json_object *o = json_object_new_object();
	const unsigned char *p;
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(tcp_info_fields) / sizeof(tcp_info_fields[0]); i++) {
		f = &tcp_info_fields[i];
		if (f->off + f->size > len)
			continue;
		p = (const unsigned char *)&b->tcpi + f->off;
		if (f->size == 1)
			v = *p;
		else
			memcpy(&v, p, sizeof(v));
		if (f->names != NULL && v < f->nnames && f->names[v] != NULL)
			json_object_object_add(o, f->name, json_object_new_string(f->names[v]));
		else
			json_object_object_add(o, f->name, json_object_new_int64(v));
	}
	return o;
}

static json_object *
dec_ucred(const union optbuf *b, socklen_t len)
{
	json_object *o = json_object_new_object();

	(void)len;
	json_object_object_add(o, "pid", json_object_new_int64(b->cred.pid));
	json_object_object_add(o, "uid", json_object_new_int64(b->cred.uid));
	json_object_object_add(o, "gid", json_object_new_int64(b->cred.gid));
	return o;
}

static json_object *
dec_in_addr(const union optbuf *b, socklen_t len)
{
	char s[INET_ADDRSTRLEN];

	(void)len;
	inet_ntop(AF_INET, &b->in, s, sizeof(s));
	return json_object_new_string(s);
}

static int
enc_bool(const struct sockopt *o, const struct jv *v, union optbuf *b, socklen_t *len,
    struct s6err *e)
{
	if (v->type != JV_BOOL)
		return BAD(e, "%s takes true or false", o->name);
	b->i = v->u.b ? 1 : 0;
	*len = sizeof(b->i);
	return 0;
}

/* An integer in [min, max]. */
static bool
int_in(const struct jv *v, int64_t min, int64_t max)
{
	return v != NULL && v->type == JV_INT && v->u.i >= min && v->u.i <= max;
}

static int
enc_int(const struct sockopt *o, const struct jv *v, union optbuf *b, socklen_t *len,
    struct s6err *e)
{
	if (!int_in(v, o->min, o->max))
		return BAD(e, "%s takes an integer from %lld to %lld", o->name,
		    (long long)o->min, (long long)o->max);
	b->i = (int)v->u.i;
	*len = sizeof(b->i);
	return 0;
}

/* An object whose members are all named in `keys`. */
static int
obj_check(const struct sockopt *o, const struct jv *v, const char *const *keys,
    struct s6err *e)
{
	const char *const *k;
	uint32_t i;

	if (v->type != JV_OBJECT)
		return BAD(e, "%s takes an object", o->name);
	for (i = 0; i < v->len; i++) {
		for (k = keys; *k != NULL && !jv_key_is(&v->u.kids[i], *k); k++)
			;
		if (*k == NULL)
			return BAD(e, "%s: unknown field %.64s", o->name, v->u.kids[i].key);
	}
	return 0;
}

static int
enc_linger(const struct sockopt *o, const struct jv *v, union optbuf *b, socklen_t *len,
    struct s6err *e)
{
	static const char *const keys[] = { "on", "seconds", NULL };
	const struct jv *on, *secs;

	if (obj_check(o, v, keys, e) == -1)
		return -1;
	if ((on = jv_get(v, "on")) == NULL || on->type != JV_BOOL)
		return BAD(e, "%s: on must be true or false", o->name);
	if ((secs = jv_get(v, "seconds")) != NULL && !int_in(secs, 0, INT_MAX))
		return BAD(e, "%s: seconds must be an integer from 0 to %d", o->name, INT_MAX);
	/* A linger of 0 turns close into a reset: never by omission. */
	if (on->u.b && secs == NULL)
		return BAD(e, "%s: seconds is required when on is true (0 makes close a reset)",
		    o->name);
	b->linger.l_onoff = on->u.b ? 1 : 0;
	b->linger.l_linger = secs != NULL ? (int)secs->u.i : 0;
	*len = sizeof(b->linger);
	return 0;
}

static int
enc_timeval(const struct sockopt *o, const struct jv *v, union optbuf *b, socklen_t *len,
    struct s6err *e)
{
	if (!int_in(v, o->min, o->max))
		return BAD(e, "%s takes milliseconds from %lld to %lld (0: never)", o->name,
		    (long long)o->min, (long long)o->max);
	b->tv.tv_sec = (time_t)(v->u.i / 1000);
	b->tv.tv_usec = (suseconds_t)(v->u.i % 1000 * 1000);
	*len = sizeof(b->tv);
	return 0;
}

static int
enc_string(const struct sockopt *o, const struct jv *v, union optbuf *b, socklen_t *len,
    struct s6err *e)
{
	if (!jv_plain_string(v) || v->len < o->min || v->len > o->max)
		return BAD(e, "%s takes a string of %lld to %lld bytes", o->name,
		    (long long)o->min, (long long)o->max);
	memcpy(b->str, v->u.s, v->len);
	*len = v->len;
	return 0;
}

/* A numeric address of family af. */
static bool
addr_parse(const struct jv *v, int af, void *dst)
{
	return v != NULL && jv_plain_string(v) && inet_pton(af, v->u.s, dst) == 1;
}

static int
enc_in_addr(const struct sockopt *o, const struct jv *v, union optbuf *b, socklen_t *len,
    struct s6err *e)
{
	if (!addr_parse(v, AF_INET, &b->in))
		return BAD(e, "%s takes an IPv4 address", o->name);
	*len = sizeof(b->in);
	return 0;
}

/* An interface by index (an integer) or by name ("lo"). */
static bool
iface_parse(const struct jv *v, unsigned *index)
{
	if (int_in(v, 0, UINT32_MAX)) {
		*index = (unsigned)v->u.i;
		return true;
	}
	if (jv_plain_string(v) && v->len < IF_NAMESIZE)
		return (*index = if_nametoindex(v->u.s)) != 0;
	return false;
}

static const char *const mreq_keys[] = { "group", "interface", NULL };

/* {"group": IPv4 multicast, "interface": its address, index or name (any)} */
static int
enc_ip_mreqn(const struct sockopt *o, const struct jv *v, union optbuf *b, socklen_t *len,
    struct s6err *e)
{
	const struct jv *ifv;
	unsigned index;

	if (obj_check(o, v, mreq_keys, e) == -1)
		return -1;
	if (!addr_parse(jv_get(v, "group"), AF_INET, &b->mreqn.imr_multiaddr) ||
	    !IN_MULTICAST(ntohl(b->mreqn.imr_multiaddr.s_addr)))
		return BAD(e, "%s: group must be an IPv4 multicast address", o->name);
	if ((ifv = jv_get(v, "interface")) != NULL &&
	    !addr_parse(ifv, AF_INET, &b->mreqn.imr_address)) {
		if (!iface_parse(ifv, &index))
			return BAD(e, "%s: interface must be an IPv4 address, an interface "
			    "index or name", o->name);
		b->mreqn.imr_ifindex = (int)index;
	}
	*len = sizeof(b->mreqn);
	return 0;
}

/* {"group": IPv6 multicast, "interface": index or name (0: any)} */
static int
enc_ipv6_mreq(const struct sockopt *o, const struct jv *v, union optbuf *b, socklen_t *len,
    struct s6err *e)
{
	const struct jv *ifv;

	if (obj_check(o, v, mreq_keys, e) == -1)
		return -1;
	if (!addr_parse(jv_get(v, "group"), AF_INET6, &b->mreq6.ipv6mr_multiaddr) ||
	    !IN6_IS_ADDR_MULTICAST(&b->mreq6.ipv6mr_multiaddr))
		return BAD(e, "%s: group must be an IPv6 multicast address", o->name);
	if ((ifv = jv_get(v, "interface")) != NULL &&
	    !iface_parse(ifv, &b->mreq6.ipv6mr_interface))
		return BAD(e, "%s: interface must be an interface index or name", o->name);
	*len = sizeof(b->mreq6);
	return 0;
}

typedef json_object *(*decode_fn)(const union optbuf *, socklen_t);
typedef int (*encode_fn)(const struct sockopt *, const struct jv *, union optbuf *,
    socklen_t *, struct s6err *);

/* What each kind reads with; no decoder: write-only, no encoder: read-only. */
static const struct codec {
	socklen_t	size;
	decode_fn	decode;
	encode_fn	encode;
} codecs[] = {
	[SK_BOOL] = { sizeof(int), dec_bool, enc_bool },
	[SK_INT] = { sizeof(int), dec_int, enc_int },
	[SK_LINGER] = { sizeof(struct linger), dec_linger, enc_linger },
	[SK_TIMEVAL_MS] = { sizeof(struct timeval), dec_timeval, enc_timeval },
	[SK_STRING] = { CA_NAME_MAX, dec_string, enc_string },
	[SK_TCP_INFO] = { sizeof(struct tcp_info), dec_tcp_info, NULL },
	[SK_UCRED] = { sizeof(struct ucred), dec_ucred, NULL },
	[SK_IN_ADDR] = { sizeof(struct in_addr), dec_in_addr, enc_in_addr },
	[SK_IP_MREQN] = { sizeof(struct ip_mreqn), NULL, enc_ip_mreqn },
	[SK_IPV6_MREQ] = { sizeof(struct ipv6_mreq), NULL, enc_ipv6_mreq },
};

json_object *
sockopt_get(int fd, const struct sockopt *o, bool privileged, struct s6err *e)
{
	const struct codec *k = &codecs[o->kind];
	union optbuf b;
	socklen_t len = k->size;
	int level, optname;

	if (sockopt_numbers(o, &level, &optname, e) == -1)
		return NULL;
	if ((o->flags & OPT_WO) || k->decode == NULL) {
		err_set(e, S6_NET, "socket option is write-only");
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	if (sockopt_raw_get(fd, level, optname, &b, &len, privileged, e) == -1)
		return NULL;
	return k->decode(&b, len);
}

int
sockopt_set(int fd, const struct sockopt *o, const struct jv *value, bool privileged,
    struct s6err *e)
{
	const struct codec *k = &codecs[o->kind];
	union optbuf b;
	socklen_t len;
	int level, optname;

	if (sockopt_numbers(o, &level, &optname, e) == -1)
		return -1;
	if ((o->flags & OPT_RO) || k->encode == NULL) {
		err_set(e, S6_NET, "socket option is read-only");
		return -1;
	}
	memset(&b, 0, sizeof(b));
	if (k->encode(o, value, &b, &len, e) == -1)
		return -1;
	return sockopt_raw_set(fd, level, optname, &b, len, privileged, e);
}
