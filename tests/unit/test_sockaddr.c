/* test_sockaddr.c: unit tests for addresses <-> strings and JSON. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <stddef.h>
#include <string.h>

#include <json-c/json.h>

#include "sockaddr.h"

static struct s6_sockaddr a;
static const char *why;
static char str[S6_ADDRSTRLEN];

static void
setup(void)
{
	memset(&a, 0xa5, sizeof(a));
	memset(str, 0, sizeof(str));
	why = NULL;
}

/* sockaddr->string of the parsed address. */
static const char *
sa(void)
{
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&a.ss, a.len,
	    str, sizeof(str)), 0);
	return str;
}

static const char *
json_text(json_object *o)
{
	return json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Parse `s` as a string param and expect its string form `want`. */
static void
parses_to(const char *s, const char *want, int family)
{
	ck_assert_msg(s6_addr_from_string(s, &a, &why) == 0,
	    "\"%s\" rejected: %s", s, why);
	ck_assert_int_eq(a.ss.ss_family, family);
	ck_assert_str_eq(sa(), want);
}

static void
rejects(const char *s, const char *want_why)
{
	why = NULL;
	ck_assert_msg(s6_addr_from_string(s, &a, &why) == -1,
	    "\"%s\" accepted", s);
	ck_assert_str_eq(why, want_why);
}

/* Parse a JSON param text, then compare the result object's text. */
static void
json_round_trip(const char *in, const char *want)
{
	json_object	*v, *o;

	ck_assert_ptr_nonnull(v = json_tokener_parse(in));
	ck_assert_msg(s6_addr_from_json(v, &a, &why) == 0, "%s rejected: %s",
	    in, why);
	ck_assert_ptr_nonnull(o = s6_addr_to_json((struct sockaddr *)&a.ss,
	    a.len));
	ck_assert_str_eq(json_text(o), want);
	json_object_put(o);
	json_object_put(v);
}

static void
json_rejects(const char *in, const char *want_why)
{
	json_object	*v;

	/* json-c represents null as a NULL pointer. */
	v = json_tokener_parse(in);
	if (strcmp(in, "null") != 0)
		ck_assert_ptr_nonnull(v);
	why = NULL;
	ck_assert_msg(s6_addr_from_json(v, &a, &why) == -1, "%s accepted",
	    in);
	ck_assert_str_eq(why, want_why);
	json_object_put(v);
}

/* Inventory §2 cases 1-10. */

START_TEST(test_case1_inet4)
{
	ck_assert_int_eq(s6_addr_inet("127.0.0.1", 22, &a, &why), 0);
	ck_assert_int_eq(a.ss.ss_family, AF_INET);
	ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in));
	ck_assert_str_eq(sa(), "127.0.0.1:22");
}
END_TEST

START_TEST(test_case2_inet6)
{
	ck_assert_int_eq(s6_addr_inet("::1", 22, &a, &why), 0);
	ck_assert_int_eq(a.ss.ss_family, AF_INET6);
	ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in6));
	ck_assert_str_eq(sa(), "[::1]:22");
}
END_TEST

START_TEST(test_case3_port_zero_bare)
{
	ck_assert_int_eq(s6_addr_inet("::1", 0, &a, &why), 0);
	ck_assert_str_eq(sa(), "::1");
	ck_assert_int_eq(s6_addr_inet("0.0.0.0", 0, &a, &why), 0);
	ck_assert_str_eq(sa(), "0.0.0.0");
}
END_TEST

START_TEST(test_case4_scope_and_mapped)
{
	ck_assert_int_eq(s6_addr_inet("fe80::1%lo", 22, &a, &why), 0);
	ck_assert_str_eq(sa(), "[fe80::1%lo]:22");
	ck_assert_int_eq(s6_addr_inet("::ffff:1.2.3.4", 80, &a, &why), 0);
	ck_assert_int_eq(a.ss.ss_family, AF_INET6);
	ck_assert_str_eq(sa(), "[::ffff:1.2.3.4]:80");
}
END_TEST

START_TEST(test_case5_numeric_only)
{
	ck_assert_int_eq(s6_addr_inet("localhost", 80, &a, &why), -1);
	ck_assert_str_eq(why, "host must be a numeric address");
	ck_assert_int_eq(s6_addr_inet("", 80, &a, &why), -1);
	ck_assert_str_eq(why, "host must be a numeric address");
}
END_TEST

START_TEST(test_case6_wildcard)
{
	ck_assert_int_eq(s6_addr_inet(NULL, 8000, &a, &why), 0);
	/* glibc's first passive result is IPv4. */
	ck_assert_int_eq(a.ss.ss_family, AF_INET);
	ck_assert_str_eq(sa(), "0.0.0.0:8000");
	ck_assert_int_eq(s6_addr_inet(NULL, 0, &a, &why), 0);
	ck_assert_str_eq(sa(), "0.0.0.0");
}
END_TEST

START_TEST(test_case7_port_range)
{
	ck_assert_int_eq(s6_addr_inet("127.0.0.1", 65536, &a, &why), -1);
	ck_assert_str_eq(why, "port out of range");
	why = NULL;
	ck_assert_int_eq(s6_addr_inet("127.0.0.1", -1, &a, &why), -1);
	ck_assert_str_eq(why, "port out of range");
	ck_assert_int_eq(s6_addr_inet("127.0.0.1", 65535, &a, &why), 0);
	ck_assert_str_eq(sa(), "127.0.0.1:65535");
}
END_TEST

START_TEST(test_case8_legacy_ipv4)
{
	ck_assert_int_eq(s6_addr_inet("127.1", 80, &a, &why), 0);
	ck_assert_str_eq(sa(), "127.0.0.1:80");
	parses_to("127.1:80", "127.0.0.1:80", AF_INET);
	parses_to("127.1", "127.0.0.1", AF_INET);
}
END_TEST

START_TEST(test_case9_unix_vs_inet)
{
	char	 host[64];
	int	 port = -7;

	ck_assert_int_eq(s6_addr_unix("/tmp/x", &a, &why), 0);
	ck_assert_int_eq(a.ss.ss_family, AF_UNIX);
	ck_assert_str_eq(sa(), "/tmp/x");
	ck_assert_int_eq(s6_addr_host_port((struct sockaddr *)&a.ss, a.len,
	    host, sizeof(host), &port), -1);
	ck_assert_int_eq(s6_addr_inet("::1", 1, &a, &why), 0);
	ck_assert_int_eq(s6_addr_host_port((struct sockaddr *)&a.ss, a.len,
	    host, sizeof(host), &port), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_int_eq(port, 1);
}
END_TEST

START_TEST(test_case10_unix_too_long)
{
	char	 p[256];

	memset(p, 'a', 200);
	p[0] = '/';
	p[200] = '\0';
	ck_assert_int_eq(s6_addr_unix(p, &a, &why), -1);
	ck_assert_str_eq(why, "unix path longer than 107 bytes");
	p[108] = '\0';
	why = NULL;
	ck_assert_int_eq(s6_addr_from_string(p, &a, &why), -1);
	ck_assert_str_eq(why, "unix path longer than 107 bytes");
	p[107] = '\0';
	ck_assert_int_eq(s6_addr_from_string(p, &a, &why), 0);
	ck_assert_uint_eq(a.len, offsetof(struct sockaddr_un, sun_path) + 108);
	ck_assert_str_eq(sa(), p);
}
END_TEST

/* The string form. */

START_TEST(test_string_forms)
{
	parses_to("127.0.0.1:22", "127.0.0.1:22", AF_INET);
	parses_to("10.0.0.1", "10.0.0.1", AF_INET);
	parses_to("10.0.0.1:0", "10.0.0.1", AF_INET);
	parses_to("[::1]:22", "[::1]:22", AF_INET6);
	parses_to("[::1]", "::1", AF_INET6);
	parses_to("::1", "::1", AF_INET6);
	parses_to("::", "::", AF_INET6);
	parses_to("[fe80::1%lo]:22", "[fe80::1%lo]:22", AF_INET6);
	parses_to("fe80::1%lo", "fe80::1%lo", AF_INET6);
	parses_to("[::ffff:1.2.3.4]:80", "[::ffff:1.2.3.4]:80", AF_INET6);
	parses_to("2001:db8::1", "2001:db8::1", AF_INET6);
	parses_to("[2001:DB8:0:0::1]:443", "[2001:db8::1]:443", AF_INET6);
	parses_to("127.0.0.1:00080", "127.0.0.1:80", AF_INET);
}
END_TEST

START_TEST(test_string_unix)
{
	parses_to("/tmp/s", "/tmp/s", AF_UNIX);
	ck_assert_uint_eq(a.len, offsetof(struct sockaddr_un, sun_path) + 7);
	ck_assert_str_eq(((struct sockaddr_un *)&a.ss)->sun_path, "/tmp/s");
	parses_to("/", "/", AF_UNIX);
}
END_TEST

START_TEST(test_string_abstract)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)&a.ss;
	char			 name[200];

	parses_to("@sock6d", "@sock6d", AF_UNIX);
	ck_assert_uint_eq(a.len, offsetof(struct sockaddr_un, sun_path) + 7);
	ck_assert_int_eq(sun->sun_path[0], '\0');
	ck_assert_mem_eq(sun->sun_path + 1, "sock6d", 6);
	parses_to("@", "@", AF_UNIX);
	ck_assert_uint_eq(a.len, offsetof(struct sockaddr_un, sun_path) + 1);
	name[0] = '@';
	memset(name + 1, 'n', 107);
	name[108] = '\0';
	parses_to(name, name, AF_UNIX);
	ck_assert_uint_eq(a.len, sizeof(struct sockaddr_un));
	name[108] = 'n';
	name[109] = '\0';
	rejects(name, "unix path longer than 107 bytes");
}
END_TEST

START_TEST(test_string_errors)
{
	rejects("", "empty address");
	rejects(NULL, "empty address");
	rejects("foo", "unix path must be absolute or @abstract");
	rejects("tmp/sock", "unix path must be absolute or @abstract");
	rejects("./sock", "unix path must be absolute or @abstract");
	rejects("localhost:80", "host must be a numeric address");
	rejects(":80", "host must be a numeric address");
	rejects("1.2.3.256", "host must be a numeric address");
	rejects("1.2.3.4:65536", "port out of range");
	rejects("1.2.3.4:123456", "port out of range");
	rejects("1.2.3.4:", "port must be a decimal number");
	rejects("1.2.3.4:-1", "port must be a decimal number");
	rejects("1.2.3.4:+1", "port must be a decimal number");
	rejects("1.2.3.4:http", "port must be a decimal number");
	rejects("1.2.3.4: 80", "port must be a decimal number");
	rejects("[::1]:", "port must be a decimal number");
	rejects("[::1]:99999", "port out of range");
	rejects("[::1", "missing ']' in address");
	rejects("[::1]x", "unexpected characters after ']' in address");
	rejects("[]:80", "host must be a numeric address");
	rejects("[1.2.3.4]:80", "bracketed host must be IPv6");
	rejects("[localhost]:80", "host must be a numeric address");
	rejects("::1:80:x", "host must be a numeric address");
	rejects("::g", "host must be a numeric address");
	rejects(" 127.0.0.1", "unix path must be absolute or @abstract");
}
END_TEST

START_TEST(test_port_parse)
{
	ck_assert_int_eq(s6_port_parse("0"), 0);
	ck_assert_int_eq(s6_port_parse("1"), 1);
	ck_assert_int_eq(s6_port_parse("80"), 80);
	ck_assert_int_eq(s6_port_parse("00080"), 80);
	ck_assert_int_eq(s6_port_parse("65535"), 65535);
	ck_assert_int_eq(s6_port_parse(""), -1);
	ck_assert_int_eq(s6_port_parse("+1"), -1);
	ck_assert_int_eq(s6_port_parse("-1"), -1);
	ck_assert_int_eq(s6_port_parse("65536"), -1);
	ck_assert_int_eq(s6_port_parse("99999"), -1);
	ck_assert_int_eq(s6_port_parse("1a"), -1);
	ck_assert_int_eq(s6_port_parse("a1"), -1);
	ck_assert_int_eq(s6_port_parse(" 1"), -1);
	ck_assert_int_eq(s6_port_parse("000080"), -1);
	ck_assert_int_eq(s6_port_parse("4294967376"), -1);
}
END_TEST

/* Rendering of addresses the kernel hands back. */

START_TEST(test_unix_unnamed)
{
	struct sockaddr_un	 sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&sun,
	    sizeof(sa_family_t), str, sizeof(str)), 0);
	ck_assert_str_eq(str, "");
}
END_TEST

START_TEST(test_unix_len_bounds)
{
	struct sockaddr_un	 sun;
	socklen_t		 base = offsetof(struct sockaddr_un, sun_path);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "/tmp/abcdef", 11);
	/* Without the NUL in len, and with a full-size len. */
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&sun, base + 8,
	    str, sizeof(str)), 0);
	ck_assert_str_eq(str, "/tmp/abc");
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&sun,
	    sizeof(sun), str, sizeof(str)), 0);
	ck_assert_str_eq(str, "/tmp/abcdef");
	/* A full 108-byte path with no NUL. */
	memset(sun.sun_path, 'p', sizeof(sun.sun_path));
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&sun,
	    sizeof(sun), str, sizeof(str)), 0);
	ck_assert_uint_eq(strlen(str), 108);
}
END_TEST

START_TEST(test_unix_abstract_render)
{
	struct sockaddr_un	 sun;
	socklen_t		 base = offsetof(struct sockaddr_un, sun_path);
	json_object		*o;

	memset(&sun, 'z', sizeof(sun));
	sun.sun_family = AF_UNIX;
	sun.sun_path[0] = '\0';
	memcpy(sun.sun_path + 1, "ab\0cd", 5);
	/* The name is exactly len bytes, NULs and all. */
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&sun, base + 3,
	    str, sizeof(str)), 0);
	ck_assert_str_eq(str, "@ab");
	ck_assert_ptr_nonnull(o = s6_addr_to_json((struct sockaddr *)&sun,
	    base + 6));
	ck_assert_int_eq(json_object_get_string_len(
	    json_object_object_get(o, "path")), 6);
	ck_assert_mem_eq(json_object_get_string(
	    json_object_object_get(o, "path")), "@ab\0cd", 6);
	json_object_put(o);
	/* Linux autobind names: five hex digits. */
	memcpy(sun.sun_path + 1, "0001f", 5);
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&sun, base + 6,
	    str, sizeof(str)), 0);
	ck_assert_str_eq(str, "@0001f");
}
END_TEST

START_TEST(test_render_errors)
{
	struct sockaddr_storage	 ss;
	char			 small[8];

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_APPLETALK;
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&ss,
	    sizeof(ss), str, sizeof(str)), -1);
	ck_assert_ptr_null(s6_addr_to_json((struct sockaddr *)&ss,
	    sizeof(ss)));
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&ss, 1, str,
	    sizeof(str)), -1);
	/* Truncated inet address, and output too small. */
	ck_assert_int_eq(s6_addr_inet("127.0.0.1", 80, &a, &why), 0);
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&a.ss, 4, str,
	    sizeof(str)), -1);
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&a.ss, a.len,
	    small, sizeof(small)), -1);
	ck_assert_int_eq(s6_addr_unix("/tmp/too-long", &a, &why), 0);
	ck_assert_int_eq(s6_addr_to_string((struct sockaddr *)&a.ss, a.len,
	    small, sizeof(small)), -1);
}
END_TEST

/* The JSON forms. */

START_TEST(test_to_json)
{
	json_object	*o;

	ck_assert_int_eq(s6_addr_inet("::1", 22, &a, &why), 0);
	o = s6_addr_to_json((struct sockaddr *)&a.ss, a.len);
	ck_assert_str_eq(json_text(o), "{\"family\":\"inet6\","
	    "\"address\":\"::1\",\"port\":22,\"string\":\"[::1]:22\"}");
	json_object_put(o);
	ck_assert_int_eq(s6_addr_inet("127.0.0.1", 0, &a, &why), 0);
	o = s6_addr_to_json((struct sockaddr *)&a.ss, a.len);
	ck_assert_str_eq(json_text(o), "{\"family\":\"inet\","
	    "\"address\":\"127.0.0.1\",\"port\":0,\"string\":\"127.0.0.1\"}");
	json_object_put(o);
	ck_assert_int_eq(s6_addr_unix("/tmp/s", &a, &why), 0);
	o = s6_addr_to_json((struct sockaddr *)&a.ss, a.len);
	ck_assert_str_eq(json_text(o), "{\"family\":\"unix\","
	    "\"path\":\"/tmp/s\",\"string\":\"/tmp/s\"}");
	json_object_put(o);
	a.len = sizeof(sa_family_t);
	o = s6_addr_to_json((struct sockaddr *)&a.ss, a.len);
	ck_assert_str_eq(json_text(o),
	    "{\"family\":\"unix\",\"path\":\"\",\"string\":\"\"}");
	json_object_put(o);
}
END_TEST

START_TEST(test_json_round_trips)
{
	json_round_trip("{\"family\":\"inet\",\"address\":\"127.0.0.1\","
	    "\"port\":80}", "{\"family\":\"inet\",\"address\":\"127.0.0.1\","
	    "\"port\":80,\"string\":\"127.0.0.1:80\"}");
	json_round_trip("{\"family\":\"inet6\",\"address\":\"fe80::1%lo\","
	    "\"port\":22,\"string\":\"[fe80::1%lo]:22\"}",
	    "{\"family\":\"inet6\",\"address\":\"fe80::1%lo\",\"port\":22,"
	    "\"string\":\"[fe80::1%lo]:22\"}");
	json_round_trip("{\"family\":\"inet6\",\"address\":\"::\"}",
	    "{\"family\":\"inet6\",\"address\":\"::\",\"port\":0,"
	    "\"string\":\"::\"}");
	json_round_trip("{\"address\":\"10.1.2.3\",\"port\":7}",
	    "{\"family\":\"inet\",\"address\":\"10.1.2.3\",\"port\":7,"
	    "\"string\":\"10.1.2.3:7\"}");
	json_round_trip("{\"family\":\"unix\",\"path\":\"/run/x.sock\"}",
	    "{\"family\":\"unix\",\"path\":\"/run/x.sock\","
	    "\"string\":\"/run/x.sock\"}");
	json_round_trip("{\"path\":\"@abs\",\"string\":\"whatever\"}",
	    "{\"family\":\"unix\",\"path\":\"@abs\",\"string\":\"@abs\"}");
	json_round_trip("\"[::1]:8080\"", "{\"family\":\"inet6\","
	    "\"address\":\"::1\",\"port\":8080,\"string\":\"[::1]:8080\"}");
	json_round_trip("\"@x\"",
	    "{\"family\":\"unix\",\"path\":\"@x\",\"string\":\"@x\"}");
}
END_TEST

START_TEST(test_json_result_is_a_param)
{
	json_object	*o, *o2;

	/* Every result object parses back to the same address. */
	ck_assert_int_eq(s6_addr_from_string("[::ffff:1.2.3.4]:80", &a, &why),
	    0);
	o = s6_addr_to_json((struct sockaddr *)&a.ss, a.len);
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(s6_addr_from_json(o, &a, &why), 0);
	o2 = s6_addr_to_json((struct sockaddr *)&a.ss, a.len);
	ck_assert_str_eq(json_text(o2), json_text(o));
	json_object_put(o);
	json_object_put(o2);
}
END_TEST

START_TEST(test_json_errors)
{
	json_rejects("42", "address must be a string or an object");
	json_rejects("null", "address must be a string or an object");
	json_rejects("[\"127.0.0.1:80\"]",
	    "address must be a string or an object");
	json_rejects("\"localhost:80\"", "host must be a numeric address");
	json_rejects("\"/tmp/a\\u0000b\"", "address contains a NUL byte");
	json_rejects("{}", "address object needs address or path");
	json_rejects("{\"family\":\"inet\"}",
	    "address object needs address or path");
	json_rejects("{\"family\":\"inet\",\"address\":\"::1\"}",
	    "address does not match family");
	json_rejects("{\"family\":\"inet6\",\"address\":\"1.2.3.4\"}",
	    "address does not match family");
	json_rejects("{\"family\":\"unix\",\"address\":\"1.2.3.4\"}",
	    "unix address takes path, not address or port");
	json_rejects("{\"family\":\"unix\"}", "unix address needs path");
	json_rejects("{\"family\":\"unix\",\"path\":\"rel\"}",
	    "unix path must be absolute or @abstract");
	json_rejects("{\"family\":\"inet\",\"address\":\"1.2.3.4\","
	    "\"path\":\"/x\"}",
	    "internet address takes address and port, not path");
	json_rejects("{\"family\":\"unspec\",\"address\":\"1.2.3.4\"}",
	    "family must be \"inet\", \"inet6\" or \"unix\"");
	json_rejects("{\"family\":2,\"address\":\"1.2.3.4\"}",
	    "family must be a string");
	json_rejects("{\"address\":16909060}", "address must be a string");
	json_rejects("{\"address\":\"127.0.0.1:80\"}",
	    "host must be a numeric address");
	json_rejects("{\"address\":\"1.2.3.4\",\"port\":\"80\"}",
	    "port must be an integer");
	json_rejects("{\"address\":\"1.2.3.4\",\"port\":80.0}",
	    "port must be an integer");
	json_rejects("{\"address\":\"1.2.3.4\",\"port\":true}",
	    "port must be an integer");
	json_rejects("{\"address\":\"1.2.3.4\",\"port\":65536}",
	    "port out of range");
	json_rejects("{\"address\":\"1.2.3.4\",\"port\":-1}",
	    "port out of range");
	json_rejects("{\"address\":\"1.2.3.4\",\"port\":18446744073709551615}",
	    "port out of range");
	json_rejects("{\"path\":[\"/x\"]}", "path must be a string");
	json_rejects("{\"path\":\"/x\",\"string\":null}",
	    "string must be a string");
	json_rejects("{\"path\":\"/x\",\"host\":\"y\"}",
	    "unknown key in address object");
}
END_TEST

static Suite *
sockaddr_suite(void)
{
	Suite	*s = suite_create("sockaddr");
	TCase	*ti = tcase_create("inventory");
	TCase	*ts = tcase_create("string");
	TCase	*tr = tcase_create("render");
	TCase	*tj = tcase_create("json");

	tcase_add_checked_fixture(ti, setup, NULL);
	tcase_add_test(ti, test_case1_inet4);
	tcase_add_test(ti, test_case2_inet6);
	tcase_add_test(ti, test_case3_port_zero_bare);
	tcase_add_test(ti, test_case4_scope_and_mapped);
	tcase_add_test(ti, test_case5_numeric_only);
	tcase_add_test(ti, test_case6_wildcard);
	tcase_add_test(ti, test_case7_port_range);
	tcase_add_test(ti, test_case8_legacy_ipv4);
	tcase_add_test(ti, test_case9_unix_vs_inet);
	tcase_add_test(ti, test_case10_unix_too_long);
	suite_add_tcase(s, ti);

	tcase_add_checked_fixture(ts, setup, NULL);
	tcase_add_test(ts, test_string_forms);
	tcase_add_test(ts, test_string_unix);
	tcase_add_test(ts, test_string_abstract);
	tcase_add_test(ts, test_string_errors);
	tcase_add_test(ts, test_port_parse);
	suite_add_tcase(s, ts);

	tcase_add_checked_fixture(tr, setup, NULL);
	tcase_add_test(tr, test_unix_unnamed);
	tcase_add_test(tr, test_unix_len_bounds);
	tcase_add_test(tr, test_unix_abstract_render);
	tcase_add_test(tr, test_render_errors);
	suite_add_tcase(s, tr);

	tcase_add_checked_fixture(tj, setup, NULL);
	tcase_add_test(tj, test_to_json);
	tcase_add_test(tj, test_json_round_trips);
	tcase_add_test(tj, test_json_result_is_a_param);
	tcase_add_test(tj, test_json_errors);
	suite_add_tcase(s, tj);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sockaddr_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
