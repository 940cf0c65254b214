/* test_param.c: unit tests for the declarative param engine (daemon/param.c):
 * filling an args struct from params by row tables, with no coercion:
 * required and unknown params, booleans, integers, strings, enums, flags,
 * timeouts, ports and services, defaults and null.  Addresses, bytes,
 * handles, several rows at once and the JSON Schema of rows are in
 * test_param_compound.c; the shared fixture in param_fixture.h. */
#include "param_fixture.h"

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
