/* test_param.c: unit tests for the declarative param engine: filling an args
 * struct from params by row tables, with no coercion, and describing rows as
 * JSON Schema (daemon/param.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ev.h>
#include <json-c/json.h>

#include "conn.h"
#include "errors.h"
#include "jv.h"
#include "limit.h"
#include "param.h"
#include "rpc.h"
#include "sock.h"
#include "sock6d.h"
#include "sockaddr.h"

/* One struct with a slot of every kind; each test's rows point into it. */
struct args {
	int64_t			 i, j;
	int			 b, en, fam, type, proto, flags, port;
	int64_t			 timeout;
	const char		*str;
	struct sock		*s;
	struct s6_sockaddr	 addr;
	struct bytes		 data;
};

#define OFF(field)	offsetof(struct args, field)
#define END		{ .name = NULL }

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static void		*allocs[4];	/* what the engine kept for the args */
static struct param_ctx	 ctx;
static struct args	 a;
static struct s6err	 e;
static struct jv_doc	 kept[64];	/* params of this test, alive until teardown */
static size_t		 nkept;

static const struct enum_name color_names[] = {
	{ "red", 0 }, { "green", 1 }, { "blue", 7 }, { NULL, 0 }
};

static const struct enum_name flag_names[] = {
	{ "peek", MSG_PEEK }, { "oob", MSG_OOB }, { "waitall", MSG_WAITALL }, { NULL, 0 }
};

static void
free_allocs(void)
{
	size_t i;

	for (i = 0; i < sizeof(allocs) / sizeof(allocs[0]); i++) {
		free(allocs[i]);
		allocs[i] = NULL;
	}
}

/* The engine's keep: up to four blocks, as a call holds. */
static int
keep(void *cookie, void *p)
{
	size_t i;

	for (i = 0; i < sizeof(allocs) / sizeof(allocs[0]); i++)
		if (allocs[i] == NULL) {
			allocs[i] = p;
			return 0;
		}
	return -1;
}

static void
setup(void)
{
	limits_default(&lim);
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, &lim), 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.handles = &d.handles;
	ctx.any_owner = true;
	ctx.keep = keep;
	nkept = 0;
}

static void
teardown(void)
{
	free_allocs();
	while (nkept > 0)
		jv_free(&kept[--nkept]);
	sock6d_shutdown(&d);
	ev_loop_destroy(loop);
}

/* Run param_fill over `json` (NULL: no params) into a, which starts filled
 * with a pattern so that every slot the engine sets is visible. */
static int
fill(const struct param *rows, const char *json)
{
	const struct jv *params = NULL;

	free_allocs();
	if (json != NULL) {
		ck_assert_uint_lt(nkept, sizeof(kept) / sizeof(kept[0]));
		ck_assert_msg(jv_parse(json, strlen(json), 32, &kept[nkept]) == JV_OK,
		    "test JSON does not parse: %s", json);
		params = kept[nkept++].root;
	}
	memset(&a, 0xA5, sizeof(a));
	memset(&e, 0, sizeof(e));
	return param_fill(&ctx, rows, params, &a, &e);
}

#define SHOW(json)	((json) != NULL ? (const char *)(json) : "(no params)")

#define OK(rows, json) \
	ck_assert_msg(fill(rows, json) == 0, "%s rejected: %s", SHOW(json), e.message)

/* Filled, and the pointer slot equals want. */
#define OKPTR(rows, json, slot, want) do {					\
	OK(rows, json);								\
	ck_assert_ptr_eq(slot, want);						\
} while (0)

/* Filled, and expr (a slot of a) equals want. */
#define OKEQ(rows, json, expr, want) do {					\
	OK(rows, json);								\
	ck_assert_int_eq(expr, want);						\
} while (0)

#define BAD(rows, json, name) do {						\
	ck_assert_msg(fill(rows, json) == -1, "%s accepted", SHOW(json));	\
	ck_assert_int_eq(e.code, S6_INVALID_PARAMS);				\
	ck_assert_pstr_eq(e.param, name);					\
} while (0)

/* Every one of jsons is refused with -32602 naming `name`. */
static void
bad_each(const struct param *rows, const char *name, const char *const *jsons)
{
	for (; *jsons != NULL; jsons++) {
		ck_assert_msg(fill(rows, *jsons) == -1, "%s accepted", *jsons);
		ck_assert_msg(e.code == S6_INVALID_PARAMS && e.param != NULL &&
		    strcmp(e.param, name) == 0, "%s: error %d param %s", *jsons, e.code,
		    e.param ? e.param : "(null)");
	}
}

#define BAD_EACH(rows, name, ...) \
	bad_each(rows, name, (const char *const[]){ __VA_ARGS__, NULL })

/* Required and unknown params. */

static const struct param no_rows[] = { END };

static const struct param req_rows[] = {
	{ "a", PT_INT, P_REQUIRED, OFF(i), .min = 0, .max = 100 },
	{ "b", PT_INT, 0, OFF(j), .min = 0, .max = 100 },
	END
};

START_TEST(test_required_missing)
{
	BAD(req_rows, "{}", "a");
	ck_assert_str_eq(e.message, "missing param a");
	BAD(req_rows, "{\"b\":1}", "a");
	BAD(req_rows, NULL, "a");
	/* A method without params takes none, or {}. */
	OK(no_rows, NULL);
	OK(no_rows, "{}");
	BAD(no_rows, "{\"x\":1}", "x");
	OKEQ(req_rows, "{\"a\":5}", a.i, 5);
	ck_assert_int_eq(a.j, PARAM_ABSENT);
}
END_TEST

START_TEST(test_unknown_key)
{
	BAD(req_rows, "{\"a\":1,\"zz\":2,\"yy\":3}", "zz");
	ck_assert_str_eq(e.message, "unknown param zz");
	/* Unknown keys are reported before a missing required one. */
	BAD(req_rows, "{\"yy\":1}", "yy");
	/* Names match exactly. */
	BAD(req_rows, "{\"a\":1,\"A\":2}", "A");
	BAD(req_rows, "{\"a\":1,\"b \":2}", "b ");
	/* "text" is only an alias when a bytes row exists. */
	BAD(req_rows, "{\"a\":1,\"text\":\"x\"}", "text");
}
END_TEST

/* An unknown param close to a known one suggests it (data.did_you_mean). */
START_TEST(test_did_you_mean)
{
	static const struct param rows[] = {
		{ "family", PT_FAMILY, 0, OFF(fam), .names = family_names },
		{ "timeout", PT_TIMEOUT, 0, OFF(timeout), .desc = "test" },
		{ "data", PT_BYTES, 0, OFF(data), .desc = "test" },
		END
	};

	BAD(rows, "{\"famliy\":\"inet\"}", "famliy");
	ck_assert_pstr_eq(e.did_you_mean, "family");
	BAD(rows, "{\"Family\":\"inet\"}", "Family");
	ck_assert_pstr_eq(e.did_you_mean, "family");
	BAD(rows, "{\"timout\":1}", "timout");
	ck_assert_pstr_eq(e.did_you_mean, "timeout");
	BAD(rows, "{\"txet\":\"x\"}", "txet");
	ck_assert_pstr_eq(e.did_you_mean, "text");
	BAD(rows, "{\"dta\":\"\"}", "dta");
	ck_assert_pstr_eq(e.did_you_mean, "data");
	/* Nothing close: no suggestion. */
	BAD(rows, "{\"handle\":1}", "handle");
	ck_assert_ptr_null(e.did_you_mean);
	BAD(rows, "{\"fmly\":1}", "fmly");
	ck_assert_ptr_null(e.did_you_mean);
	/* A name given twice is no typo. */
	BAD(rows, "{\"family\":\"inet\",\"family\":\"inet\"}", "family");
	ck_assert_ptr_null(e.did_you_mean);
}
END_TEST

/* No coercion. */

static const struct param int_rows[] = {
	{ "v", PT_INT, P_REQUIRED, OFF(i), .min = -5, .max = 10 }, END };
static const struct param bool_rows[] = {
	{ "v", PT_BOOL, P_REQUIRED, OFF(b), .desc = "test" }, END };
static const struct param str_rows[] = {
	{ "v", PT_STRING, P_REQUIRED, OFF(str), .max = 4 }, END };

START_TEST(test_no_coercion)
{
	BAD_EACH(int_rows, "v",
	    "{\"v\":\"1\"}", "{\"v\":1.0}", "{\"v\":1.5}", "{\"v\":true}", "{\"v\":[1]}",
	    "{\"v\":{}}");
	BAD_EACH(bool_rows, "v", "{\"v\":1}", "{\"v\":0}", "{\"v\":\"true\"}");
	BAD_EACH(str_rows, "v", "{\"v\":1}", "{\"v\":true}", "{\"v\":[\"a\"]}");
}
END_TEST

START_TEST(test_bool)
{
	static const struct param optional[] = {
		{ "v", PT_BOOL, 0, OFF(b), .desc = "test" }, END };

	OKEQ(bool_rows, "{\"v\":true}", a.b, 1);
	OKEQ(bool_rows, "{\"v\":false}", a.b, 0);
	OKEQ(optional, "{}", a.b, PARAM_ABSENT_INT);
}
END_TEST

START_TEST(test_int_range)
{
	static const struct param wide[] = {
		{ "v", PT_INT, P_REQUIRED, OFF(i), .min = 0, .max = INT64_MAX }, END };

	OKEQ(int_rows, "{\"v\":-5}", a.i, -5);
	OKEQ(int_rows, "{\"v\":10}", a.i, 10);
	OKEQ(int_rows, "{\"v\":0}", a.i, 0);
	BAD(int_rows, "{\"v\":-6}", "v");
	ck_assert_str_eq(e.message, "v must be an integer from -5 to 10");
	BAD(int_rows, "{\"v\":11}", "v");
	OKEQ(wide, "{\"v\":9223372036854775807}", a.i, INT64_MAX);
	/* Beyond int64: json-c saturates, the engine must not. */
	BAD_EACH(wide, "v",
	    "{\"v\":9223372036854775808}", "{\"v\":18446744073709551615}",
	    "{\"v\":99999999999999999999999}");
}
END_TEST

START_TEST(test_string)
{
	static const struct param unbounded[] = {
		{ "v", PT_STRING, P_REQUIRED, OFF(str), .desc = "test" }, END };

	OK(str_rows, "{\"v\":\"abcd\"}");
	ck_assert_str_eq(a.str, "abcd");
	OK(str_rows, "{\"v\":\"\"}");
	ck_assert_str_eq(a.str, "");
	BAD(str_rows, "{\"v\":\"abcde\"}", "v");
	ck_assert_str_eq(e.message, "v is longer than 4 bytes");
	/* The bound is in bytes: "é" is two. */
	OK(str_rows, "{\"v\":\"\xc3\xa9\xc3\xa9\"}");
	BAD(str_rows, "{\"v\":\"\xc3\xa9\xc3\xa9x\"}", "v");
	OK(unbounded, "{\"v\":\"a rather long string of more than four bytes\"}");
	ck_assert_str_eq(a.str, "a rather long string of more than four bytes");
}
END_TEST

/* PT_ENUM, PT_FAMILY, PT_SOCKTYPE, PT_PROTOCOL. */

START_TEST(test_enum)
{
	static const struct param rows[] = {
		{ "color", PT_ENUM, P_REQUIRED, OFF(en), .names = color_names }, END };

	OKEQ(rows, "{\"color\":\"red\"}", a.en, 0);
	OKEQ(rows, "{\"color\":\"blue\"}", a.en, 7);
	BAD(rows, "{\"color\":\"bogus\"}", "color");
	ck_assert_str_eq(e.message, "unknown color 'bogus'");
	BAD(rows, "{\"color\":\"Red\"}", "color");
	/* An enum takes only its names, never the integer. */
	BAD_EACH(rows, "color", "{\"color\":7}", "{\"color\":[\"red\"]}");
}
END_TEST

START_TEST(test_identity_types)
{
	static const struct param rows[] = {
		{ "family", PT_FAMILY, P_REQUIRED, OFF(fam), .names = family_names },
		{ "type", PT_SOCKTYPE, P_REQUIRED, OFF(type), .names = socktype_names },
		{ "protocol", PT_PROTOCOL, P_DEFAULT, OFF(proto), .def = 0,
		  .names = protocol_names },
		END
	};

#define IDENT(json, f, t, p) do {						\
	OK(rows, json);								\
	ck_assert_msg(a.fam == (f) && a.type == (t) && a.proto == (p),		\
	    "%s: %d %d %d", json, a.fam, a.type, a.proto);			\
} while (0)
	IDENT("{\"family\":\"inet6\",\"type\":\"dgram\",\"protocol\":\"udp\"}",
	    AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	IDENT("{\"family\":\"unix\",\"type\":\"seqpacket\"}", AF_UNIX, SOCK_SEQPACKET, 0);
	IDENT("{\"family\":2,\"type\":1,\"protocol\":6}", 2, 1, 6);
	IDENT("{\"family\":\"inet\",\"type\":\"raw\",\"protocol\":\"icmpv6\"}",
	    AF_INET, SOCK_RAW, IPPROTO_ICMPV6);
#undef IDENT
	BAD(rows, "{\"family\":\"inet4\",\"type\":\"stream\"}", "family");
	ck_assert_str_eq(e.message, "unknown family 'inet4'");
	BAD_EACH(rows, "family",
	    "{\"family\":-1,\"type\":\"stream\"}", "{\"family\":2.0,\"type\":\"stream\"}",
	    "{\"family\":2147483648,\"type\":\"stream\"}",
	    "{\"family\":true,\"type\":\"stream\"}");
	BAD_EACH(rows, "type",
	    "{\"family\":\"inet\",\"type\":\"bogus\"}",
	    "{\"family\":\"inet\",\"type\":\"1\"}");
	BAD(rows, "{\"family\":\"inet\",\"type\":\"stream\",\"protocol\":\"sctpx\"}", "protocol");
	BAD(rows, "{\"type\":\"stream\"}", "family");
}
END_TEST

START_TEST(test_enum_helpers)
{
	json_object *j1 = enum_to_json(family_names, AF_UNIX), *j2 = enum_to_json(protocol_names, 132);

	ck_assert_str_eq(enum_name_of(family_names, AF_INET6), "inet6");
	ck_assert_str_eq(enum_name_of(socktype_names, SOCK_STREAM), "stream");
	ck_assert_str_eq(enum_name_of(protocol_names, IPPROTO_TCP), "tcp");
	ck_assert_ptr_null(enum_name_of(family_names, 12345));
	ck_assert_str_eq(json_object_to_json_string(j1), "\"unix\"");
	ck_assert_str_eq(json_object_to_json_string(j2), "132");
	json_object_put(j1);
	json_object_put(j2);
}
END_TEST

/* PT_FLAGS */

static const struct param flag_rows[] = {
	{ "flags", PT_FLAGS, 0, OFF(flags), .names = flag_names }, END };

START_TEST(test_flags)
{
	static const struct param defaulted[] = {
		{ "flags", PT_FLAGS, P_DEFAULT, OFF(flags), .def = 0, .names = flag_names }, END };

	OKEQ(flag_rows, "{\"flags\":[\"peek\",\"oob\"]}", a.flags, MSG_PEEK | MSG_OOB);
	OKEQ(flag_rows, "{\"flags\":[\"waitall\"]}", a.flags, MSG_WAITALL);
	OKEQ(flag_rows, "{\"flags\":[]}", a.flags, 0);
	OKEQ(flag_rows, "{\"flags\":3}", a.flags, MSG_PEEK | MSG_OOB);
	OKEQ(flag_rows, "{\"flags\":258}", a.flags, MSG_PEEK | MSG_WAITALL);
	OKEQ(flag_rows, "{}", a.flags, PARAM_ABSENT_INT);
	OKEQ(defaulted, "{}", a.flags, 0);
	BAD(flag_rows, "{\"flags\":[\"peek\",\"bogus\"]}", "flags");
	ck_assert_str_eq(e.message, "unknown flag in flags");
	BAD_EACH(flag_rows, "flags",
	    "{\"flags\":[1]}", "{\"flags\":\"peek\"}", "{\"flags\":-1}",
	    "{\"flags\":66}", "{\"flags\":8192}",
	    "{\"flags\":2.0}", "{\"flags\":{\"peek\":true}}");
}
END_TEST

/* PT_TIMEOUT */

START_TEST(test_timeout)
{
	static const struct param rows[] = {
		{ "timeout", PT_TIMEOUT, 0, OFF(timeout), .desc = "test" }, END };

	OKEQ(rows, "{\"timeout\":0}", a.timeout, 0);
	OKEQ(rows, "{\"timeout\":1500}", a.timeout, 1500);
	OKEQ(rows, "{\"timeout\":2147483647}", a.timeout, INT32_MAX);
	OKEQ(rows, "{\"timeout\":null}", a.timeout, TIMEOUT_NEVER);
	OKEQ(rows, "{}", a.timeout, TIMEOUT_SESSION);
	OKEQ(rows, NULL, a.timeout, TIMEOUT_SESSION);
	BAD(rows, "{\"timeout\":-1}", "timeout");
	ck_assert_str_eq(e.message, "timeout must be milliseconds (integer >= 0) or null");
	BAD_EACH(rows, "timeout",
	    "{\"timeout\":-2}", "{\"timeout\":1.5}", "{\"timeout\":\"10\"}",
	    "{\"timeout\":false}", "{\"timeout\":2147483648}");
}
END_TEST

/* PT_PORT */

START_TEST(test_port)
{
	static const struct param rows[] = {
		{ "port", PT_PORT, P_NULLABLE, OFF(port), .desc = "test" }, END };
	static const struct param strict[] = {
		{ "port", PT_PORT, 0, OFF(port), .desc = "test" }, END };
	static const struct param defaulted[] = {
		{ "port", PT_PORT, P_DEFAULT, OFF(port), .def = 8080 }, END };

	OKEQ(rows, "{\"port\":0}", a.port, 0);
	OKEQ(rows, "{\"port\":65535}", a.port, 65535);
	OKEQ(rows, "{\"port\":\"80\"}", a.port, 80);
	OKEQ(rows, "{\"port\":\"65535\"}", a.port, 65535);
	OKEQ(rows, "{\"port\":\"0\"}", a.port, 0);
	OKEQ(rows, "{\"port\":null}", a.port, -1);
	OKEQ(rows, "{}", a.port, -1);
	OKEQ(defaulted, "{}", a.port, 8080);
	BAD(rows, "{\"port\":65536}", "port");
	ck_assert_str_eq(e.message, "port must be 0..65535");
	BAD_EACH(rows, "port",
	    "{\"port\":-1}", "{\"port\":\"65536\"}", "{\"port\":\"-1\"}",
	    "{\"port\":\"+80\"}", "{\"port\":\" 80\"}", "{\"port\":\"8a\"}",
	    "{\"port\":\"\"}", "{\"port\":\"http\"}", "{\"port\":80.0}",
	    "{\"port\":true}");
	BAD(strict, "{\"port\":null}", "port");
	ck_assert_str_eq(e.message, "port must not be null");
}
END_TEST

/* PT_SERVICE: a name, or a port that getaddrinfo cannot wrap */

START_TEST(test_service)
{
	static const struct param rows[] = {
		{ "port", PT_SERVICE, P_NULLABLE, OFF(str), .max = 32, .desc = "test" }, END };

	OK(rows, "{\"port\":0}");
	ck_assert_str_eq(a.str, "0");
	OK(rows, "{\"port\":65535}");
	ck_assert_str_eq(a.str, "65535");
	OK(rows, "{\"port\":\"65535\"}");
	ck_assert_str_eq(a.str, "65535");
	OK(rows, "{\"port\":\"00080\"}");
	ck_assert_str_eq(a.str, "00080");
	/* Names, even those starting with a digit, go to getaddrinfo. */
	OK(rows, "{\"port\":\"http\"}");
	ck_assert_str_eq(a.str, "http");
	OK(rows, "{\"port\":\"9pfs\"}");
	ck_assert_str_eq(a.str, "9pfs");
	OKPTR(rows, "{\"port\":null}", a.str, NULL);
	/* 99999 was port 34463 and -1 port 65535 (getaddrinfo wraps). */
	BAD(rows, "{\"port\":99999}", "port");
	ck_assert_str_eq(e.message, "port must be a service name or a port number 0..65535");
	BAD(rows, "{\"port\":\"99999\"}", "port");
	ck_assert_str_eq(e.message, "port must be a service name or a port number 0..65535");
	BAD_EACH(rows, "port",
	    "{\"port\":65536}", "{\"port\":-1}", "{\"port\":4294967376}",
	    "{\"port\":\"65536\"}", "{\"port\":\"-1\"}", "{\"port\":\"+80\"}",
	    "{\"port\":\" 80\"}", "{\"port\":\"\\t80\"}", "{\"port\":\"000080\"}",
	    "{\"port\":\"4294967376\"}", "{\"port\":80.0}", "{\"port\":true}",
	    "{\"port\":\"123456789012345678901234567890123\"}");
}
END_TEST

/* A string slot is a C string (and names and ports are read as one): a
 * value with a NUL in it cannot be used without cutting it, so it must be
 * refused, as sockaddr strings are. */
static const struct {
	struct param	 rows[2];
	const char	*json;
} nul_cases[] = {
	{ { { "v", PT_STRING, 0, OFF(str), .max = 10 }, END }, "{\"v\":\"a\\u0000b\"}" },
	{ { { "v", PT_FAMILY, 0, OFF(fam), .names = family_names }, END },
	  "{\"v\":\"inet\\u0000junk\"}" },
	{ { { "v", PT_PORT, 0, OFF(port), .desc = "test" }, END }, "{\"v\":\"80\\u0000x\"}" },
	{ { { "v", PT_SERVICE, 0, OFF(str), .max = 10 }, END }, "{\"v\":\"80\\u0000x\"}" },
};

START_TEST(test_nul_refused)
{
	BAD(nul_cases[_i].rows, nul_cases[_i].json, "v");
}
END_TEST

/* P_DEFAULT and P_NULLABLE */

START_TEST(test_defaults)
{
	static const struct param rows[] = {
		{ "n", PT_INT, P_DEFAULT, OFF(i), .min = 0, .max = 100, .def = 7 },
		{ "m", PT_INT, 0, OFF(j), .min = 0, .max = 100 },
		{ "b", PT_BOOL, P_DEFAULT, OFF(b), .def = 1 },
		{ "c", PT_ENUM, P_DEFAULT, OFF(en), .def = 7, .names = color_names },
		{ "s", PT_STRING, 0, OFF(str), .desc = "test" },
		{ "f", PT_FAMILY, 0, OFF(fam), .names = family_names },
		END
	};

	OK(rows, "{}");
	ck_assert_msg(a.i == 7 && a.j == PARAM_ABSENT && a.b == 1 && a.en == 7 &&
	    a.str == NULL && a.fam == PARAM_ABSENT_INT, "absent: %lld %lld %d %d %p %d",
	    (long long)a.i, (long long)a.j, a.b, a.en, (const void *)a.str, a.fam);
	OK(rows, "{\"n\":3,\"m\":4,\"b\":false,\"c\":\"green\",\"s\":\"x\",\"f\":\"inet\"}");
	ck_assert_msg(a.i == 3 && a.j == 4 && a.b == 0 && a.en == 1 &&
	    a.str != NULL && strcmp(a.str, "x") == 0 && a.fam == AF_INET, "given: %lld %lld %d %d %d",
	    (long long)a.i, (long long)a.j, a.b, a.en, a.fam);
}
END_TEST

START_TEST(test_nullable)
{
	static const struct param rows[] = {
		{ "n", PT_INT, P_NULLABLE, OFF(i), .min = 1, .max = 9 },
		{ "s", PT_STRING, P_NULLABLE, OFF(str), .max = 10 },
		END
	};
	static const struct param required_nullable[] = {
		{ "n", PT_INT, P_REQUIRED | P_NULLABLE, OFF(i), .min = 1, .max = 9 }, END };

	OKPTR(rows, "{\"n\":null,\"s\":null}", a.str, NULL);
	ck_assert_int_eq(a.i, PARAM_NULL);
	OKPTR(rows, "{}", a.str, NULL);
	ck_assert_int_eq(a.i, PARAM_ABSENT);
	OKEQ(rows, "{\"n\":9,\"s\":\"hi\"}", a.i, 9);
	ck_assert_str_eq(a.str, "hi");
	/* Null is a given value: it satisfies "required" when nullable. */
	OKEQ(required_nullable, "{\"n\":null}", a.i, PARAM_NULL);
	BAD(required_nullable, "{}", "n");
	/* Not nullable: null is refused, naming the param. */
	BAD(int_rows, "{\"v\":null}", "v");
	ck_assert_str_eq(e.message, "v must not be null");
	BAD(bool_rows, "{\"v\":null}", "v");
	BAD(str_rows, "{\"v\":null}", "v");
}
END_TEST

/* PT_SOCKADDR */

static const struct param addr_rows[] = {
	{ "address", PT_SOCKADDR, P_REQUIRED, OFF(addr), .desc = "test" }, END };

/* a.addr is family with this numeric host (or UNIX path) and port. */
static void
assert_addr(int family, const char *where, int port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)(void *)&a.addr.ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(void *)&a.addr.ss;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)(void *)&a.addr.ss;
	char host[INET6_ADDRSTRLEN];

	ck_assert_int_eq(a.addr.ss.ss_family, family);
	if (family == AF_UNIX) {
		ck_assert_str_eq(sun->sun_path, where);
		return;
	}
	ck_assert_ptr_nonnull(inet_ntop(family, family == AF_INET ? (const void *)&sin->sin_addr :
	    (const void *)&sin6->sin6_addr, host, sizeof(host)));
	ck_assert_str_eq(host, where);
	ck_assert_int_eq(ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port), port);
	ck_assert_uint_eq(a.addr.len, family == AF_INET ? sizeof(*sin) : sizeof(*sin6));
}

START_TEST(test_sockaddr)
{
	OK(addr_rows, "{\"address\":\"127.0.0.1:80\"}");
	assert_addr(AF_INET, "127.0.0.1", 80);
	OK(addr_rows, "{\"address\":\"[::1]:22\"}");
	assert_addr(AF_INET6, "::1", 22);
	OK(addr_rows, "{\"address\":\"/tmp/sock\"}");
	assert_addr(AF_UNIX, "/tmp/sock", 0);
	OK(addr_rows, "{\"address\":{\"family\":\"inet\",\"address\":\"10.1.2.3\",\"port\":443}}");
	assert_addr(AF_INET, "10.1.2.3", 443);
	OK(addr_rows, "{\"address\":{\"family\":\"inet6\",\"address\":\"::1\",\"port\":22,"
	    "\"string\":\"[::1]:22\"}}");
	assert_addr(AF_INET6, "::1", 22);
	OK(addr_rows, "{\"address\":{\"family\":\"unix\",\"path\":\"/run/x\"}}");
	assert_addr(AF_UNIX, "/run/x", 0);
	BAD_EACH(addr_rows, "address",
	    "{\"address\":\"127.0.0.1:70000\"}", "{\"address\":\"relative/path\"}",
	    "{\"address\":\"\"}", "{\"address\":80}", "{}",
	    "{\"address\":{\"family\":\"inet\",\"address\":\"1.2.3.4\",\"port\":1,\"bogus\":1}}",
	    "{\"address\":{\"family\":\"inet\",\"address\":\"1.2.3.4\",\"port\":65536}}",
	    "{\"address\":{\"family\":\"unix\",\"path\":\"rel\"}}",
	    "{\"address\":[\"127.0.0.1\",80]}");
}
END_TEST

/* PT_BYTES */

/* a.data holds exactly the n bytes want, from "text" or not. */
static void
assert_bytes(const char *want, size_t n, bool text)
{
	ck_assert_uint_eq(a.data.len, n);
	ck_assert_int_eq(memcmp(a.data.p, want, n), 0);
	ck_assert_int_eq(a.data.text, text);
}

static const struct param bytes_rows[] = {
	{ "data", PT_BYTES, 0, OFF(data), .desc = "test" }, END };

START_TEST(test_bytes)
{
	OK(bytes_rows, "{\"data\":\"aGVsbG8=\"}");
	assert_bytes("hello", 5, false);
	/* The decoded bytes live as long as the call. */
	ck_assert_ptr_eq(allocs[0], a.data.p);
	OK(bytes_rows, "{\"data\":\"AP8A\"}");
	assert_bytes("\0\xff\0", 3, false);
	OK(bytes_rows, "{\"data\":\"\"}");
	assert_bytes("", 0, false);
	OK(bytes_rows, "{\"text\":\"hi there\"}");
	assert_bytes("hi there", 8, true);
	OK(bytes_rows, "{\"text\":\"a\\u0000b\"}");
	assert_bytes("a\0b", 3, true);
	OK(bytes_rows, "{\"text\":\"\"}");
	assert_bytes("", 0, true);
}
END_TEST

START_TEST(test_bytes_bad)
{
	static const struct param required[] = {
		{ "data", PT_BYTES, P_REQUIRED, OFF(data), .desc = "test" }, END };

	BAD(bytes_rows, "{\"data\":\"aGk=\",\"text\":\"hi\"}", "data");
	ck_assert_str_eq(e.message, "give either data or text, not both");
	BAD(bytes_rows, "{\"data\":\"aGVsbG8\"}", "data");
	ck_assert_str_eq(e.message, "data is not valid base64");
	BAD_EACH(bytes_rows, "data",
	    "{\"data\":\"!!!!\"}", "{\"data\":\"aGVs bG8=\"}", "{\"data\":\"aGk\\n\"}",
	    "{\"data\":5}", "{\"data\":[104,105]}");
	BAD(bytes_rows, "{\"text\":5}", "text");
	BAD(required, "{}", "data");
	OK(bytes_rows, "{}");
	ck_assert_ptr_null(a.data.p);
	ck_assert_uint_eq(a.data.len, 0);
}
END_TEST

/* PT_HANDLE */

static const struct param handle_rows[] = {
	{ "handle", PT_HANDLE, P_REQUIRED, OFF(s), .desc = "test" }, END };
static const struct param lenient_rows[] = {
	{ "handle", PT_HANDLE, P_REQUIRED | P_LENIENT, OFF(s), .desc = "test" }, END };

/* A real socket owned by uid; its handle id as JSON params in buf. */
static struct sock *
make_sock(uid_t uid, char *buf, size_t len)
{
	struct s6err se;
	struct sock *s;

	s = sock_create(&d, AF_INET, SOCK_STREAM, 0, uid, &se);
	ck_assert_msg(s != NULL, "sock_create: %s", se.message);
	snprintf(buf, len, "{\"handle\":%llu}", (unsigned long long)s->handle);
	return s;
}

/* fill refuses json with 1010 for handle id. */
static void
assert_no_handle(const struct param *rows, const char *json, uint64_t id)
{
	ck_assert_msg(fill(rows, json) == -1, "%s accepted", json);
	ck_assert_int_eq(e.code, S6_NO_SUCH_HANDLE);
	ck_assert_uint_eq(e.handle, id);
	ck_assert_str_eq(e.message, "no such handle");
}

START_TEST(test_handle)
{
	char json[64], other[64];
	struct sock *s, *t;

	s = make_sock(1000, json, sizeof(json));
	t = make_sock(1000, other, sizeof(other));
	ck_assert_uint_eq(s->handle, 1);
	ck_assert_uint_eq(t->handle, 2);
	OKPTR(handle_rows, json, a.s, s);
	OKPTR(handle_rows, other, a.s, t);
	assert_no_handle(handle_rows, "{\"handle\":99}", 99);
	BAD(handle_rows, "{\"handle\":0}", "handle");
	ck_assert_str_eq(e.message, "handle must be a handle (integer >= 1)");
	BAD_EACH(handle_rows, "handle",
	    "{\"handle\":-1}", "{\"handle\":\"1\"}", "{\"handle\":1.0}",
	    "{\"handle\":null}", "{}");
	/* P_LENIENT: NULL instead of 1010. */
	OKPTR(lenient_rows, json, a.s, s);
	OKPTR(lenient_rows, "{\"handle\":12345}", a.s, NULL);
	/* A closed handle is gone: 1010, or NULL when lenient. */
	ck_assert_int_eq(sock_close(s), 0);
	assert_no_handle(handle_rows, json, 1);
	OKPTR(lenient_rows, json, a.s, NULL);
	/* Lenient about the handle's existence, not about its type. */
	BAD_EACH(lenient_rows, "handle", "{\"handle\":0}", "{\"handle\":\"1\"}", "{}");
}
END_TEST

START_TEST(test_handle_owner)
{
	char json[64];
	struct sock *s;

	s = make_sock(1000, json, sizeof(json));
	ctx.any_owner = false;
	ctx.uid = 1000;
	OKPTR(handle_rows, json, a.s, s);
	ctx.uid = 0;
	OKPTR(handle_rows, json, a.s, s);
	/* Another user's handle is indistinguishable from an unknown one. */
	ctx.uid = 1001;
	assert_no_handle(handle_rows, json, s->handle);
	OKPTR(lenient_rows, json, a.s, NULL);
	ctx.any_owner = true;
}
END_TEST

/* Several rows at once: each filled, in any key order. */
START_TEST(test_mixed)
{
	static const struct param rows[] = {
		{ "handle", PT_HANDLE, P_REQUIRED, OFF(s), .desc = "test" },
		{ "length", PT_INT, P_REQUIRED, OFF(i), .min = 1, .max = 1024 },
		{ "flags", PT_FLAGS, P_DEFAULT, OFF(flags), .def = 0, .names = flag_names },
		{ "timeout", PT_TIMEOUT, 0, OFF(timeout), .desc = "test" },
		{ "data", PT_BYTES, 0, OFF(data), .desc = "test" },
		END
	};
	char json[64];
	struct sock *s;

	s = make_sock(0, json, sizeof(json));
	OKPTR(rows, "{\"text\":\"x\",\"timeout\":null,\"length\":3,\"handle\":1}", a.s, s);
	ck_assert_int_eq(a.i, 3);
	ck_assert_int_eq(a.flags, 0);
	ck_assert_int_eq(a.timeout, TIMEOUT_NEVER);
	assert_bytes("x", 1, true);
	/* The first failing row in table order is reported. */
	BAD(rows, "{\"handle\":1,\"length\":0,\"flags\":[\"bogus\"]}", "length");
}
END_TEST

/* param_schema and param_xtype */

START_TEST(test_schema)
{
	static const struct {
		struct param	 p;
		const char	*want;
	} x[] = {
		{ { "i", PT_INT, P_DEFAULT, 0, .min = -5, .max = 10, .def = 7 },
		  "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":10,\"default\":7}" },
		{ { "ni", PT_INT, P_NULLABLE, 0, .min = 1, .max = 2 }, "{\"oneOf\":[{\"type\":"
		  "\"integer\",\"minimum\":1,\"maximum\":2},{\"type\":\"null\"}]}" },
		{ { "s", PT_STRING, 0, 0, .max = 4 }, "{\"type\":\"string\",\"maxLength\":4}" },
		{ { "us", PT_STRING, 0, 0, .desc = "test" }, "{\"type\":\"string\"}" },
		{ { "b", PT_BOOL, P_DEFAULT, 0, .def = 1 }, "{\"type\":\"boolean\",\"default\":true}" },
		{ { "e", PT_ENUM, P_DEFAULT, 0, .def = 1, .names = color_names }, "{\"type\":"
		  "\"string\",\"enum\":[\"red\",\"green\",\"blue\"],\"default\":\"green\"}" },
		{ { "f", PT_FAMILY, 0, 0, .names = family_names }, "{\"oneOf\":[{\"type\":\"string\","
		  "\"enum\":[\"unspec\",\"unix\",\"inet\",\"inet6\",\"af/unspec\",\"af/unix\",\"af/inet\",\"af/inet6\"]},{\"type\":\"integer\"}]}" },
		{ { "fl", PT_FLAGS, 0, 0, .names = flag_names }, "{\"oneOf\":[{\"type\":\"array\","
		  "\"items\":{\"type\":\"string\",\"enum\":[\"peek\",\"oob\",\"waitall\"]}},"
		  "{\"type\":\"integer\"}]}" },
		{ { "h", PT_HANDLE, P_REQUIRED, 0, .desc = "test" },
		  "{\"type\":\"integer\",\"minimum\":1}" },
		{ { "a", PT_SOCKADDR, 0, 0, .desc = "test" },
		  "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"object\"}]}" },
		{ { "d", PT_BYTES, 0, 0, .desc = "test" },
		  "{\"type\":\"string\",\"contentEncoding\":\"base64\"}" },
		{ { "t", PT_TIMEOUT, 0, 0, .desc = "test" },
		  "{\"oneOf\":[{\"type\":\"integer\",\"minimum\":0},{\"type\":\"null\"}]}" },
		{ { "p", PT_PORT, P_NULLABLE, 0, .desc = "test" }, "{\"oneOf\":[{\"oneOf\":[{\"type\":"
		  "\"integer\",\"minimum\":0,\"maximum\":65535},{\"type\":\"string\"}]},"
		  "{\"type\":\"null\"}]}" },
	};
	json_object *got, *want;
	size_t i;

	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		got = param_schema(&x[i].p);
		ck_assert_ptr_nonnull(want = json_tokener_parse(x[i].want));
		ck_assert_msg(json_object_equal(got, want), "%s: schema %s, want %s",
		    x[i].p.name, json_object_to_json_string(got), x[i].want);
		json_object_put(got);
		json_object_put(want);
	}
}
END_TEST

START_TEST(test_xtype)
{
	static const struct {
		enum param_type	 type;
		const char	*want;
	} x[] = {
		{ PT_BOOL, "boolean" }, { PT_INT, "integer" }, { PT_STRING, "string" },
		{ PT_ENUM, "enum" }, { PT_HANDLE, "handle" }, { PT_SOCKADDR, "sockaddr" },
		{ PT_BYTES, "bytes" }, { PT_TIMEOUT, "timeout" }, { PT_FLAGS, "flags" },
		{ PT_FAMILY, "family" }, { PT_SOCKTYPE, "type" }, { PT_PROTOCOL, "protocol" },
		{ PT_PORT, "port" },
	};
	struct param p;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.name = "x";
	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		p.type = x[i].type;
		ck_assert_str_eq(param_xtype(&p), x[i].want);
	}
}
END_TEST

static Suite *
param_suite(void)
{
	Suite	*s = suite_create("param");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_required_missing);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_did_you_mean);
	tcase_add_test(tc, test_no_coercion);
	tcase_add_test(tc, test_bool);
	tcase_add_test(tc, test_int_range);
	tcase_add_test(tc, test_string);
	tcase_add_loop_test(tc, test_nul_refused, 0,
	    (int)(sizeof(nul_cases) / sizeof(nul_cases[0])));
	tcase_add_test(tc, test_enum);
	tcase_add_test(tc, test_identity_types);
	tcase_add_test(tc, test_enum_helpers);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_port);
	tcase_add_test(tc, test_service);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_nullable);
	tcase_add_test(tc, test_sockaddr);
	tcase_add_test(tc, test_bytes);
	tcase_add_test(tc, test_bytes_bad);
	tcase_add_test(tc, test_handle);
	tcase_add_test(tc, test_handle_owner);
	tcase_add_test(tc, test_mixed);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_xtype);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(param_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
