/* test_sockopt.c: unit tests for the socket option table and its codecs:
 * the table against PROTOCOL §6 and the constants table, then every kind
 * of value round-tripped on real sockets made here, the bad values, the
 * errno mapping, and options run with the caller's privilege
 * (daemon/sockopt.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "constants.h"
#include "errors.h"
#include "jv.h"
#include "sockopt.h"

/* PROTOCOL §6's options, with the kind and flags each must have. */
static const struct {
	const char		*name;
	enum sockopt_kind	 kind;
	unsigned		 flags;
} want_options[] = {
	{ "so-reuse-address", SK_BOOL, 0 }, { "so-debug", SK_BOOL, 0 },
	{ "so-keep-alive", SK_BOOL, 0 }, { "so-dont-route", SK_BOOL, 0 },
	{ "so-broadcast", SK_BOOL, 0 }, { "so-oob-inline", SK_BOOL, 0 },
	{ "so-accept-connections", SK_BOOL, OPT_RO }, { "so-send-buffer", SK_INT, 0 },
	{ "so-receive-buffer", SK_INT, 0 }, { "so-send-low-water", SK_INT, 0 },
	{ "so-receive-low-water", SK_INT, 0 }, { "so-error", SK_INT, OPT_RO },
	{ "so-type", SK_INT, OPT_RO }, { "tcp-no-delay", SK_BOOL, 0 },
	{ "tcp-no-push", SK_BOOL, 0 }, { "tcp-no-options", SK_BOOL, 0 },
	{ "tcp-keep-alive", SK_INT, 0 }, { "tcp-max-segment-size", SK_INT, 0 },
	{ "ip-header-included", SK_BOOL, 0 }, { "ip-type-of-service", SK_INT, 0 },
	{ "ip-time-to-live", SK_INT, 0 }, { "ipv6-v6-only", SK_BOOL, 0 },
	{ "so-linger", SK_LINGER, 0 }, { "so-receive-timeout", SK_TIMEVAL_MS, 0 },
	{ "so-send-timeout", SK_TIMEVAL_MS, 0 }, { "so-reuse-port", SK_BOOL, 0 },
	{ "so-peer-credentials", SK_UCRED, OPT_RO }, { "tcp-keep-idle", SK_INT, 0 },
	{ "tcp-keep-interval", SK_INT, 0 }, { "tcp-keep-count", SK_INT, 0 },
	{ "tcp-user-timeout", SK_INT, 0 }, { "tcp-congestion", SK_STRING, 0 },
	{ "tcp-info", SK_TCP_INFO, OPT_RO }, { "ip-multicast-ttl", SK_INT, 0 },
	{ "ip-multicast-loop", SK_BOOL, 0 }, { "ip-multicast-interface", SK_IN_ADDR, 0 },
	{ "ip-add-membership", SK_IP_MREQN, OPT_WO }, { "ip-drop-membership", SK_IP_MREQN, OPT_WO },
	{ "ipv6-join-group", SK_IPV6_MREQ, OPT_WO }, { "ipv6-leave-group", SK_IPV6_MREQ, OPT_WO },
	{ "ipv6-unicast-hops", SK_INT, 0 }, { "ipv6-multicast-hops", SK_INT, 0 },
	{ "ipv6-multicast-loop", SK_BOOL, 0 },
	{ "so-mark", SK_INT, 0 }, { "so-priority", SK_INT, 0 },
	{ "so-bindtodevice", SK_STRING, 0 }, { "ip-transparent", SK_BOOL, 0 },
	{ "ipv6-transparent", SK_BOOL, 0 },
};

#define NWANT	(sizeof(want_options) / sizeof(want_options[0]))

/* As errnum: ENOPROTOOPT or EOPNOTSUPP, whichever this kernel reports for
 * an option a socket does not have (newer kernels say EOPNOTSUPP on get). */
#define EUNSUP	(-1)

static void
errnum_is(int got, int want)
{
	if (want == EUNSUP)
		ck_assert_msg(got == ENOPROTOOPT || got == EOPNOTSUPP, "errno %d", got);
	else
		ck_assert_int_eq(got, want);
}

static struct jv_doc	docs[64];
static size_t		ndocs;

static void
setup(void)
{
	ndocs = 0;
}

static void
teardown(void)
{
	while (ndocs > 0)
		jv_free(&docs[--ndocs]);
}

/* A parsed JSON value, freed at teardown. */
static const struct jv *
J(const char *json)
{
	ck_assert_uint_lt(ndocs, sizeof(docs) / sizeof(docs[0]));
	ck_assert_int_eq(jv_parse(json, strlen(json), 32, &docs[ndocs]), JV_OK);
	return docs[ndocs++].root;
}

static const struct sockopt *
O(const char *name)
{
	const struct sockopt *o = sockopt_lookup(name);

	ck_assert_msg(o != NULL, "no option %s", name);
	return o;
}

static int
mksock(int family, int type)
{
	int fd = socket(family, type, 0);

	ck_assert_msg(fd >= 0, "socket: %s", strerror(errno));
	return fd;
}

/* Whether this machine can make IPv6 sockets at all. */
static bool
have_ipv6(void)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* get, compared as JSON with want. */
static void
get_is(int fd, const char *name, bool privileged, const char *want)
{
	struct s6err e;
	json_object *got, *w;

	err_clear(&e);
	got = sockopt_get(fd, O(name), privileged, &e);
	ck_assert_msg(got != NULL, "get %s: %d %s", name, e.code, e.message);
	w = json_tokener_parse(want);
	ck_assert_msg(json_object_equal(got, w), "%s is %s, want %s", name,
	    json_object_to_json_string(got), want);
	json_object_put(got);
	json_object_put(w);
}

/* get's integer value. */
static int64_t
get_int(int fd, const char *name)
{
	struct s6err e;
	json_object *got;
	int64_t v;

	got = sockopt_get(fd, O(name), true, &e);
	ck_assert_msg(got != NULL && json_object_is_type(got, json_type_int),
	    "get %s: %d %s", name, e.code, e.message);
	v = json_object_get_int64(got);
	json_object_put(got);
	return v;
}

static void
set_ok(int fd, const char *name, const char *value)
{
	struct s6err e;

	err_clear(&e);
	ck_assert_msg(sockopt_set(fd, O(name), J(value), true, &e) == 0,
	    "set %s %s: %d %s", name, value, e.code, e.message);
}

/* A set that fails with code (and errnum, param, message when given). */
static void
set_fails(int fd, const char *name, const char *value, int code, int errnum,
    const char *param, const char *message)
{
	struct s6err e;

	err_clear(&e);
	ck_assert_msg(sockopt_set(fd, O(name), J(value), true, &e) == -1,
	    "set %s %s succeeded", name, value);
	ck_assert_msg(e.code == code, "set %s %s: code %d (%s), want %d", name, value,
	    e.code, e.message, code);
	errnum_is(e.errnum, errnum);
	if (errnum != 0) {
		ck_assert_str_eq(e.syscall, "setsockopt");
		ck_assert_str_eq(e.message, strerror(e.errnum));
	}
	if (param != NULL)
		ck_assert_str_eq(e.param, param);
	else
		ck_assert_ptr_null(e.param);
	if (message != NULL)
		ck_assert_str_eq(e.message, message);
}

static void
get_fails(int fd, const char *name, int code, int errnum, const char *message)
{
	struct s6err e;

	err_clear(&e);
	ck_assert_msg(sockopt_get(fd, O(name), true, &e) == NULL, "get %s succeeded", name);
	ck_assert_msg(e.code == code, "get %s: code %d (%s), want %d", name, e.code,
	    e.message, code);
	errnum_is(e.errnum, errnum);
	if (errnum != 0) {
		ck_assert_str_eq(e.syscall, "getsockopt");
		ck_assert_str_eq(e.message, strerror(e.errnum));
	}
	if (message != NULL)
		ck_assert_str_eq(e.message, message);
}

/* Table */

START_TEST(test_table_is_the_protocols)
{
	const struct sockopt *o;
	size_t i, n = 0;

	for (o = sockopts; o->name != NULL; o++)
		n++;
	ck_assert_uint_eq(n, NWANT);
	for (i = 0; i < NWANT; i++) {
		o = O(want_options[i].name);
		ck_assert_ptr_eq(o, &sockopts[i]);	/* the order socket.options keeps */
		ck_assert_msg(o->kind == want_options[i].kind, "%s: kind %d", o->name, o->kind);
		ck_assert_msg(o->flags == want_options[i].flags, "%s: flags %u", o->name, o->flags);
	}
	/* The egg's accessor names and the option constants are aliases. */
	ck_assert_ptr_eq(sockopt_lookup("so-reuse-address?"), O("so-reuse-address"));
	ck_assert_ptr_eq(sockopt_lookup("so/reuseaddr"), O("so-reuse-address"));
	ck_assert_ptr_eq(sockopt_lookup("tcp-no-delay?"), O("tcp-no-delay"));
	ck_assert_ptr_null(sockopt_lookup("so-reuse-address??"));
	ck_assert_ptr_null(sockopt_lookup("so/reuseaddr?"));
	ck_assert_ptr_null(sockopt_lookup("?"));
	ck_assert_ptr_null(sockopt_lookup("SO-REUSE-ADDRESS"));
	ck_assert_ptr_null(sockopt_lookup(""));
}
END_TEST

/* Every level and option number names a constant of the matching group. */
START_TEST(test_table_uses_constants)
{
	static const struct {
		const char	*level, *group;
	} groups[] = {
		{ "sol/socket", "so" }, { "ipproto/tcp", "tcp" }, { "ipproto/ip", "ip" },
		{ "ipproto/ipv6", "ipv6" },
	};
	const struct constant *l, *n;
	const struct sockopt *o, *p;
	size_t i;

	for (o = sockopts; o->name != NULL; o++) {
		ck_assert_msg((l = constant_lookup(o->level)) != NULL, "%s: level", o->name);
		ck_assert_msg((n = constant_lookup(o->optname)) != NULL, "%s: optname", o->name);
		for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
			if (strcmp(groups[i].level, o->level) == 0)
				break;
		ck_assert_msg(i < sizeof(groups) / sizeof(groups[0]), "%s: level %s",
		    o->name, o->level);
		ck_assert_msg(strcmp(n->group, groups[i].group) == 0, "%s: %s at %s", o->name,
		    o->optname, o->level);
		ck_assert_msg((o->flags & (OPT_RO | OPT_WO)) != (OPT_RO | OPT_WO), "%s", o->name);
		ck_assert_msg(o->min <= o->max, "%s: empty range", o->name);
		for (p = sockopts; p != o; p++)
			ck_assert_msg(strcmp(p->name, o->name) != 0, "%s twice", o->name);
	}
}
END_TEST

START_TEST(test_numbers)
{
	static const struct {
		const char	*name;
		int		 level, optname;
	} x[] = {
		{ "so-reuse-address", 1, 2 }, { "tcp-no-delay", 6, 1 }, { "ipv6-v6-only", 41, 26 },
		{ "so-peer-credentials", 1, 17 }, { "tcp-info", 6, 11 },
		{ "ip-add-membership", 0, 35 }, { "ipv6-join-group", 41, 20 },
		{ "so-linger", 1, 13 }, { "so-receive-timeout", 1, 20 },
	};
	struct s6err e;
	int level, optname;
	size_t i;

	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		ck_assert_int_eq(sockopt_numbers(O(x[i].name), &level, &optname, &e), 0);
		ck_assert_int_eq(level, x[i].level);
		ck_assert_int_eq(optname, x[i].optname);
	}
	ck_assert_int_eq(sockopt_numbers(O("tcp-no-push"), &level, &optname, &e), -1);
	ck_assert_int_eq(e.code, S6_UNSUPPORTED);
	ck_assert_str_eq(e.message, "socket option unavailable on this platform");
}
END_TEST

/* Round trips */

START_TEST(test_bool_round_trip)
{
	int fd = mksock(AF_INET, SOCK_STREAM), v = -1;
	socklen_t len = sizeof(v);

	get_is(fd, "so-reuse-address", true, "false");
	set_ok(fd, "so-reuse-address", "true");
	get_is(fd, "so-reuse-address", true, "true");
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
	ck_assert_int_eq(v, 1);
	set_ok(fd, "so-reuse-address", "false");
	get_is(fd, "so-reuse-address", true, "false");
	set_ok(fd, "tcp-no-delay", "true");
	get_is(fd, "tcp-no-delay", true, "true");
	set_ok(fd, "so-keep-alive", "true");
	get_is(fd, "so-keep-alive", true, "true");
	get_is(fd, "so-accept-connections", true, "false");
	ck_assert_int_eq(listen(fd, 1), 0);
	get_is(fd, "so-accept-connections", true, "true");
	close(fd);
}
END_TEST

START_TEST(test_int_round_trip)
{
	int fd = mksock(AF_INET, SOCK_STREAM);

	get_is(fd, "so-type", true, "1");
	get_is(fd, "so-error", true, "0");
	set_ok(fd, "ip-time-to-live", "42");
	get_is(fd, "ip-time-to-live", true, "42");
	set_ok(fd, "so-receive-low-water", "10");
	get_is(fd, "so-receive-low-water", true, "10");
	set_ok(fd, "tcp-keep-idle", "30");
	get_is(fd, "tcp-keep-idle", true, "30");
	set_ok(fd, "tcp-keep-interval", "5");
	get_is(fd, "tcp-keep-interval", true, "5");
	set_ok(fd, "tcp-keep-count", "3");
	get_is(fd, "tcp-keep-count", true, "3");
	set_ok(fd, "tcp-user-timeout", "2500");
	get_is(fd, "tcp-user-timeout", true, "2500");
	set_ok(fd, "ip-type-of-service", "16");
	get_is(fd, "ip-type-of-service", true, "16");
	/* The kernel doubles buffer sizes: only "at least". */
	set_ok(fd, "so-receive-buffer", "65536");
	ck_assert_int_ge(get_int(fd, "so-receive-buffer"), 65536);
	close(fd);
	fd = mksock(AF_INET, SOCK_DGRAM);
	get_is(fd, "so-type", true, "2");
	set_ok(fd, "ip-multicast-ttl", "7");
	get_is(fd, "ip-multicast-ttl", true, "7");
	set_ok(fd, "ip-multicast-loop", "false");
	get_is(fd, "ip-multicast-loop", true, "false");
	set_ok(fd, "so-broadcast", "true");
	get_is(fd, "so-broadcast", true, "true");
	close(fd);
}
END_TEST

START_TEST(test_ipv6_round_trip)
{
	int fd;

	if (!have_ipv6())
		return;
	fd = mksock(AF_INET6, SOCK_DGRAM);
	set_ok(fd, "ipv6-v6-only", "true");
	get_is(fd, "ipv6-v6-only", true, "true");
	set_ok(fd, "ipv6-unicast-hops", "9");
	get_is(fd, "ipv6-unicast-hops", true, "9");
	set_ok(fd, "ipv6-multicast-hops", "4");
	get_is(fd, "ipv6-multicast-hops", true, "4");
	set_ok(fd, "ipv6-multicast-loop", "false");
	get_is(fd, "ipv6-multicast-loop", true, "false");
	/* -1 restores the route's default (64 on Linux for unicast). */
	set_ok(fd, "ipv6-unicast-hops", "-1");
	ck_assert_int_gt(get_int(fd, "ipv6-unicast-hops"), 0);
	close(fd);
}
END_TEST

START_TEST(test_linger_round_trip)
{
	int fd = mksock(AF_INET, SOCK_STREAM);
	struct linger l;
	socklen_t len = sizeof(l);

	get_is(fd, "so-linger", true, "{\"on\":false,\"seconds\":0}");
	set_ok(fd, "so-linger", "{\"on\":true,\"seconds\":7}");
	get_is(fd, "so-linger", true, "{\"on\":true,\"seconds\":7}");
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len), 0);
	ck_assert_int_eq(l.l_onoff, 1);
	ck_assert_int_eq(l.l_linger, 7);
	/* Off keeps the kernel's last seconds, and says so. */
	set_ok(fd, "so-linger", "{\"on\":false}");
	get_is(fd, "so-linger", true, "{\"on\":false,\"seconds\":7}");
	close(fd);
}
END_TEST

START_TEST(test_timeval_round_trip)
{
	int fd = mksock(AF_INET, SOCK_DGRAM);
	struct timeval tv;
	socklen_t len = sizeof(tv);
	int64_t ms;

	get_is(fd, "so-receive-timeout", true, "0");
	set_ok(fd, "so-receive-timeout", "1500");
	ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
	ck_assert_int_eq(tv.tv_sec, 1);
	ck_assert_int_le(labs((long)tv.tv_usec - 500000), 10000);
	ms = get_int(fd, "so-receive-timeout");
	ck_assert_int_le(labs((long)(ms - 1500)), 10);	/* the kernel keeps jiffies */
	set_ok(fd, "so-send-timeout", "250");
	ms = get_int(fd, "so-send-timeout");
	ck_assert_int_le(labs((long)(ms - 250)), 10);
	set_ok(fd, "so-send-timeout", "0");
	get_is(fd, "so-send-timeout", true, "0");
	close(fd);
}
END_TEST

/* The first of reno and cubic this kernel offers, or NULL. */
static const char *
congestion_choice(void)
{
	static char line[512];
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_congestion_control", "r");
	char *tok, *save;
	bool reno = false, cubic = false;

	if (f == NULL)
		return NULL;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		reno = reno || strcmp(tok, "reno") == 0;
		cubic = cubic || strcmp(tok, "cubic") == 0;
	}
	return reno ? "reno" : cubic ? "cubic" : NULL;
}

START_TEST(test_string_round_trip)
{
	int fd = mksock(AF_INET, SOCK_STREAM);
	const char *algo = congestion_choice();
	struct s6err e;
	json_object *v;
	char want[32];

	v = sockopt_get(fd, O("tcp-congestion"), true, &e);
	ck_assert_ptr_nonnull(v);
	ck_assert(json_object_is_type(v, json_type_string));
	ck_assert_int_gt(json_object_get_string_len(v), 0);
	json_object_put(v);
	if (algo != NULL) {
		snprintf(want, sizeof(want), "\"%s\"", algo);
		set_ok(fd, "tcp-congestion", want);
		get_is(fd, "tcp-congestion", true, want);
	}
	set_fails(fd, "tcp-congestion", "\"no-such-algo\"", S6_NET, ENOENT, NULL, NULL);
	close(fd);
}
END_TEST

/* A connected TCP pair on 127.0.0.1: fds[0] the client, fds[1] accepted. */
static void
tcp_pair(int fds[2])
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int l = mksock(AF_INET, SOCK_STREAM);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	fds[0] = mksock(AF_INET, SOCK_STREAM);
	ck_assert_int_eq(connect(fds[0], (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_ge(fds[1] = accept(l, NULL, NULL), 0);
	close(l);
}

START_TEST(test_tcp_info)
{
	struct s6err e;
	json_object *v, *f;
	int fds[2];

	tcp_pair(fds);
	ck_assert_int_eq(write(fds[0], "hello", 5), 5);
	v = sockopt_get(fds[0], O("tcp-info"), true, &e);
	ck_assert_ptr_nonnull(v);
	ck_assert(json_object_object_get_ex(v, "state", &f));
	ck_assert_str_eq(json_object_get_string(f), "established");
	ck_assert(json_object_object_get_ex(v, "ca_state", &f));
	ck_assert_str_eq(json_object_get_string(f), "open");
	ck_assert(json_object_object_get_ex(v, "snd_mss", &f));
	ck_assert_int_gt(json_object_get_int64(f), 0);
	ck_assert(json_object_object_get_ex(v, "rto_us", &f));
	ck_assert_int_ge(json_object_get_int64(f), 200000);	/* TCP_RTO_MIN */
	ck_assert(json_object_object_get_ex(v, "total_retrans", &f));
	ck_assert_int_eq(json_object_get_int64(f), 0);
	ck_assert(json_object_object_get_ex(v, "rtt_us", &f));
	ck_assert(json_object_object_get_ex(v, "snd_cwnd", &f));
	ck_assert_int_gt(json_object_get_int64(f), 0);
	ck_assert_int_eq(json_object_object_length(v), 28);
	json_object_put(v);
	set_fails(fds[0], "tcp-info", "{}", S6_NET, 0, NULL, "socket option is read-only");
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(test_peer_credentials)
{
	char want[128];
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	snprintf(want, sizeof(want), "{\"pid\":%ld,\"uid\":%ld,\"gid\":%ld}",
	    (long)getpid(), (long)getuid(), (long)getgid());
	get_is(sv[0], "so-peer-credentials", true, want);
	get_is(sv[1], "so-peer-credentials", false, want);
	set_fails(sv[0], "so-peer-credentials", "{\"pid\":1,\"uid\":0,\"gid\":0}", S6_NET, 0,
	    NULL, "socket option is read-only");
	/* No IP options on a UNIX socket. */
	get_fails(sv[0], "tcp-no-delay", S6_UNSUPPORTED, EUNSUP, NULL);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_in_addr_round_trip)
{
	int fd = mksock(AF_INET, SOCK_DGRAM);

	get_is(fd, "ip-multicast-interface", true, "\"0.0.0.0\"");
	set_ok(fd, "ip-multicast-interface", "\"127.0.0.1\"");
	get_is(fd, "ip-multicast-interface", true, "\"127.0.0.1\"");
	set_fails(fd, "ip-multicast-interface", "\"::1\"", S6_INVALID_PARAMS, 0, "value", NULL);
	set_fails(fd, "ip-multicast-interface", "2130706433", S6_INVALID_PARAMS, 0, "value", NULL);
	close(fd);
}
END_TEST

START_TEST(test_ip_membership)
{
	int fd = mksock(AF_INET, SOCK_DGRAM);

	set_ok(fd, "ip-add-membership", "{\"group\":\"239.1.2.3\",\"interface\":\"127.0.0.1\"}");
	set_fails(fd, "ip-add-membership", "{\"group\":\"239.1.2.3\",\"interface\":\"127.0.0.1\"}",
	    S6_NET, EADDRINUSE, NULL, NULL);
	set_ok(fd, "ip-drop-membership", "{\"group\":\"239.1.2.3\",\"interface\":\"127.0.0.1\"}");
	set_fails(fd, "ip-drop-membership", "{\"group\":\"239.1.2.3\",\"interface\":\"127.0.0.1\"}",
	    S6_NET, EADDRNOTAVAIL, NULL, NULL);
	/* By interface name and by index. */
	set_ok(fd, "ip-add-membership", "{\"group\":\"239.1.2.4\",\"interface\":\"lo\"}");
	set_ok(fd, "ip-drop-membership", "{\"group\":\"239.1.2.4\",\"interface\":\"lo\"}");
	get_fails(fd, "ip-add-membership", S6_NET, 0, "socket option is write-only");
	get_fails(fd, "ip-drop-membership", S6_NET, 0, "socket option is write-only");
	set_fails(fd, "ip-add-membership", "{\"group\":\"10.1.2.3\"}", S6_INVALID_PARAMS, 0,
	    "value", "ip-add-membership: group must be an IPv4 multicast address");
	set_fails(fd, "ip-add-membership", "{\"group\":\"239.1.2.3\",\"interface\":\"nosuch0\"}",
	    S6_INVALID_PARAMS, 0, "value", NULL);
	set_fails(fd, "ip-add-membership", "{\"group\":\"239.1.2.3\",\"iface\":0}",
	    S6_INVALID_PARAMS, 0, "value", "ip-add-membership: unknown field iface");
	set_fails(fd, "ip-add-membership", "{\"interface\":0}", S6_INVALID_PARAMS, 0, "value",
	    NULL);
	set_fails(fd, "ip-add-membership", "\"239.1.2.3\"", S6_INVALID_PARAMS, 0, "value",
	    "ip-add-membership takes an object");
	close(fd);
}
END_TEST

START_TEST(test_ipv6_membership)
{
	unsigned lo = if_nametoindex("lo");
	char v[128];
	int fd;

	if (!have_ipv6() || lo == 0)
		return;
	fd = mksock(AF_INET6, SOCK_DGRAM);
	snprintf(v, sizeof(v), "{\"group\":\"ff12::1:2:3\",\"interface\":%u}", lo);
	set_ok(fd, "ipv6-join-group", v);
	set_ok(fd, "ipv6-leave-group", v);
	set_fails(fd, "ipv6-leave-group", v, S6_NET, EADDRNOTAVAIL, NULL, NULL);
	set_ok(fd, "ipv6-join-group", "{\"group\":\"ff02::1\",\"interface\":\"lo\"}");
	get_fails(fd, "ipv6-join-group", S6_NET, 0, "socket option is write-only");
	set_fails(fd, "ipv6-join-group", "{\"group\":\"fe80::1\",\"interface\":0}",
	    S6_INVALID_PARAMS, 0, "value", NULL);
	set_fails(fd, "ipv6-join-group", "{\"group\":\"239.1.2.3\",\"interface\":0}",
	    S6_INVALID_PARAMS, 0, "value", NULL);
	set_fails(fd, "ipv6-join-group", "{\"group\":\"ff02::1\",\"interface\":-1}",
	    S6_INVALID_PARAMS, 0, "value", NULL);
	close(fd);
}
END_TEST

/* Bad values and refusals */

START_TEST(test_bad_values)
{
	int fd = mksock(AF_INET, SOCK_STREAM);
	static const struct {
		const char	*name, *value;
	} x[] = {
		{ "tcp-no-delay", "1" }, { "tcp-no-delay", "\"true\"" }, { "tcp-no-delay", "null" },
		{ "so-reuse-address", "0" }, { "so-send-buffer", "true" },
		{ "so-send-buffer", "\"1\"" }, { "so-send-buffer", "1.5" },
		{ "so-send-buffer", "-1" }, { "so-send-buffer", "2147483648" },
		{ "ip-time-to-live", "0" }, { "ip-time-to-live", "256" },
		{ "tcp-keep-count", "128" }, { "so-linger", "true" }, { "so-linger", "[]" },
		{ "so-linger", "{}" }, { "so-linger", "{\"on\":1}" },
		{ "so-linger", "{\"on\":true,\"seconds\":-1}" },
		{ "so-linger", "{\"on\":true,\"seconds\":\"5\"}" },
		{ "so-linger", "{\"on\":true,\"timeout\":5}" },
		{ "so-receive-timeout", "-1" }, { "so-receive-timeout", "true" },
		{ "so-receive-timeout", "1.5" }, { "tcp-congestion", "\"\"" },
		{ "tcp-congestion", "\"sixteen-bytes-xx\"" }, { "tcp-congestion", "3" },
		{ "tcp-congestion", "\"re\\u0000no\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++)
		set_fails(fd, x[i].name, x[i].value, S6_INVALID_PARAMS, 0, "value", NULL);
	set_fails(fd, "tcp-no-delay", "1", S6_INVALID_PARAMS, 0, "value",
	    "tcp-no-delay takes true or false");
	set_fails(fd, "so-send-buffer", "true", S6_INVALID_PARAMS, 0, "value",
	    "so-send-buffer takes an integer from 0 to 2147483647");
	close(fd);
}
END_TEST

START_TEST(test_read_only_and_undefined)
{
	int fd = mksock(AF_INET, SOCK_STREAM);

	/* Read-only wins over a bad value, as in the egg. */
	set_fails(fd, "so-type", "1", S6_NET, 0, NULL, "socket option is read-only");
	set_fails(fd, "so-type", "true", S6_NET, 0, NULL, "socket option is read-only");
	set_fails(fd, "so-error", "0", S6_NET, 0, NULL, "socket option is read-only");
	set_fails(fd, "so-accept-connections", "true", S6_NET, 0, NULL,
	    "socket option is read-only");
#ifdef __linux__
	/* Undefined on Linux: unsupported whatever the value. */
	get_fails(fd, "tcp-no-push", S6_UNSUPPORTED, 0,
	    "socket option unavailable on this platform");
	set_fails(fd, "tcp-no-push", "true", S6_UNSUPPORTED, 0, NULL,
	    "socket option unavailable on this platform");
	set_fails(fd, "tcp-no-push", "1", S6_UNSUPPORTED, 0, NULL, NULL);
	get_fails(fd, "tcp-no-options", S6_UNSUPPORTED, 0, NULL);
	get_fails(fd, "tcp-keep-alive", S6_UNSUPPORTED, 0, NULL);
	set_fails(fd, "tcp-keep-alive", "5", S6_UNSUPPORTED, 0, NULL, NULL);
#endif
	close(fd);
}
END_TEST

START_TEST(test_errno_mapping)
{
	int udp = mksock(AF_INET, SOCK_DGRAM), tcp = mksock(AF_INET, SOCK_STREAM);
	struct s6err e;
	socklen_t len;
	int v = 1;

	/* A TCP option on UDP, an IPv6 one on inet. */
	get_fails(udp, "tcp-no-delay", S6_UNSUPPORTED, EUNSUP, NULL);
	set_fails(udp, "tcp-no-delay", "true", S6_UNSUPPORTED, EUNSUP, NULL, NULL);
	get_fails(udp, "tcp-info", S6_UNSUPPORTED, EUNSUP, NULL);
	get_fails(tcp, "ipv6-v6-only", S6_UNSUPPORTED, EUNSUP, NULL);
	set_fails(tcp, "ipv6-v6-only", "true", S6_UNSUPPORTED, EUNSUP, NULL, NULL);
	/* The inventory: setting so-send-low-water on Linux is unsupported. */
	set_fails(tcp, "so-send-low-water", "1", S6_UNSUPPORTED, EUNSUP, NULL, NULL);
	/* EINVAL is unsupported too (the egg's rule). */
	ck_assert_int_eq(sockopt_raw_set(tcp, SOL_SOCKET, SO_REUSEADDR, &v, 1, true, &e), -1);
	ck_assert_int_eq(e.code, S6_UNSUPPORTED);
	ck_assert_int_eq(e.errnum, EINVAL);
	ck_assert_str_eq(e.syscall, "setsockopt");
	/* An unknown level. */
	len = sizeof(v);
	ck_assert_int_eq(sockopt_raw_get(tcp, 9999, 1, &v, &len, true, &e), -1);
	ck_assert_int_eq(e.code, S6_UNSUPPORTED);
	errnum_is(e.errnum, EUNSUP);
	/* Anything else is a net error: a closed descriptor. */
	close(udp);
	get_fails(udp, "so-type", S6_NET, EBADF, "Bad file descriptor");
	set_fails(udp, "so-reuse-address", "true", S6_NET, EBADF, NULL, NULL);
	close(tcp);
}
END_TEST

/* Capabilities */

/* CapEff of this process, as text. */
static void
cap_eff(char *out, size_t n)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	out[0] = '\0';
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "CapEff:", 7) == 0)
			snprintf(out, n, "%s", line + 7);
	fclose(f);
}

START_TEST(test_caller_privilege)
{
	char before[256], after[256];
	unsigned long long eff;
	struct s6err e;
	int fd = mksock(AF_INET, SOCK_STREAM);

	cap_eff(before, sizeof(before));
	eff = strtoull(before, NULL, 16);
	if (!(eff & (1ULL << 12))) {	/* CAP_NET_ADMIN: nothing to lower */
		close(fd);
		return;
	}
	/* SO_DEBUG needs CAP_NET_ADMIN: refused for a caller other than root... */
	ck_assert_int_eq(sockopt_set(fd, O("so-debug"), J("true"), false, &e), -1);
	ck_assert_int_eq(e.code, S6_NET);
	ck_assert_int_eq(e.errnum, EACCES);
	ck_assert_str_eq(e.syscall, "setsockopt");
	cap_eff(after, sizeof(after));
	ck_assert_str_eq(after, before);	/* restored */
	get_is(fd, "so-debug", false, "false");
	cap_eff(after, sizeof(after));
	ck_assert_str_eq(after, before);
	/* ...and allowed for root. */
	set_ok(fd, "so-debug", "true");
	get_is(fd, "so-debug", true, "true");
	/* The unprivileged path still sets what needs no privilege. */
	ck_assert_int_eq(sockopt_set(fd, O("so-keep-alive"), J("true"), false, &e), 0);
	get_is(fd, "so-keep-alive", false, "true");
	close(fd);
}
END_TEST

static Suite *
sockopt_suite(void)
{
	Suite	*s = suite_create("sockopt");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_table_is_the_protocols);
	tcase_add_test(tc, test_table_uses_constants);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_bool_round_trip);
	tcase_add_test(tc, test_int_round_trip);
	tcase_add_test(tc, test_ipv6_round_trip);
	tcase_add_test(tc, test_linger_round_trip);
	tcase_add_test(tc, test_timeval_round_trip);
	tcase_add_test(tc, test_string_round_trip);
	tcase_add_test(tc, test_tcp_info);
	tcase_add_test(tc, test_peer_credentials);
	tcase_add_test(tc, test_in_addr_round_trip);
	tcase_add_test(tc, test_ip_membership);
	tcase_add_test(tc, test_ipv6_membership);
	tcase_add_test(tc, test_bad_values);
	tcase_add_test(tc, test_read_only_and_undefined);
	tcase_add_test(tc, test_errno_mapping);
	tcase_add_test(tc, test_caller_privilege);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sockopt_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
