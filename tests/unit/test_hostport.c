/* test_hostport.c: unit tests for the egg's host:port split and for which
 * port strings are numbers (proto/hostport.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <string.h>

#include "hostport.h"

/* Inventory §1.8, row by row; NULL is the egg's #f. */
static const struct {
	const char	*in;
	const char	*host;
	const char	*port;
} rows[] = {
	{ "", "", NULL },
	{ "host:80", "host", "80" },
	{ "127.0.0.1:80", "127.0.0.1", "80" },
	{ "localhost:ssh", "localhost", "ssh" },
	{ "[::1]:80", "::1", "80" },
	{ "[fe80::1%lo0]:22", "fe80::1%lo0", "22" },
	{ "[::1]", "::1", NULL },
	{ "[::1]:", "::1", NULL },
	{ "[]:80", NULL, "80" },
	{ "[]", NULL, NULL },
	{ "[::1]x", "[::1]x", NULL },
	{ "[::1", "[::1", NULL },
	{ "[", "[", NULL },
	{ "::1", "::1", NULL },
	{ "::1:80", "::1:80", NULL },
	{ "a:b:c", "a:b:c", NULL },
	{ ":80", NULL, "80" },
	{ "host:", "host", NULL },
	{ ":", NULL, NULL },
	{ "host", "host", NULL },
	{ "[a]:b:c", "a", "b:c" },
};

START_TEST(test_rows)
{
	struct hostport	 hp;

	memset(&hp, 0x55, sizeof(hp));
	ck_assert_int_eq(hostport_parse(rows[_i].in, &hp), 0);
	if (rows[_i].host == NULL) {
		ck_assert_msg(!hp.has_host, "\"%s\": host should be #f",
		    rows[_i].in);
		ck_assert_str_eq(hp.host, "");
	} else {
		ck_assert_msg(hp.has_host, "\"%s\": host is #f", rows[_i].in);
		ck_assert_str_eq(hp.host, rows[_i].host);
	}
	if (rows[_i].port == NULL) {
		ck_assert_msg(!hp.has_port, "\"%s\": port should be #f",
		    rows[_i].in);
		ck_assert_str_eq(hp.port, "");
	} else {
		ck_assert_msg(hp.has_port, "\"%s\": port is #f", rows[_i].in);
		ck_assert_str_eq(hp.port, rows[_i].port);
	}
}
END_TEST

START_TEST(test_too_long)
{
	struct hostport	 hp;
	char		 s[400];

	memset(s, 'h', 300);
	s[300] = '\0';
	ck_assert_int_eq(hostport_parse(s, &hp), HOSTPORT_TOO_LONG);
	memset(s, 'h', 255);
	s[255] = '\0';
	ck_assert_int_eq(hostport_parse(s, &hp), 0);
	ck_assert_uint_eq(strlen(hp.host), 255);
	/* A 64-byte port (a service name) does not fit; 63 does. */
	memset(s, 'p', 66);
	s[0] = 'h';
	s[1] = ':';
	s[66] = '\0';
	ck_assert_int_eq(hostport_parse(s, &hp), HOSTPORT_TOO_LONG);
	s[65] = '\0';
	ck_assert_int_eq(hostport_parse(s, &hp), 0);
	ck_assert_uint_eq(strlen(hp.port), 63);
}
END_TEST

/* Port strings: a port, a number getaddrinfo would wrap, or a name. */
static const struct {
	const char		*in;
	enum hostport_service	 want;
	int			 port;
} services[] = {
	{ "0", HOSTPORT_PORT, 0 },
	{ "80", HOSTPORT_PORT, 80 },
	{ "00080", HOSTPORT_PORT, 80 },
	{ "65535", HOSTPORT_PORT, 65535 },
	{ "65536", HOSTPORT_BAD_PORT, 0 },
	{ "99999", HOSTPORT_BAD_PORT, 0 },
	{ "000080", HOSTPORT_BAD_PORT, 0 },
	{ "4294967376", HOSTPORT_BAD_PORT, 0 },
	{ "-1", HOSTPORT_BAD_PORT, 0 },
	{ "+80", HOSTPORT_BAD_PORT, 0 },
	{ "-0", HOSTPORT_BAD_PORT, 0 },
	{ " 80", HOSTPORT_BAD_PORT, 0 },
	{ "\t\n\v\f\r 80", HOSTPORT_BAD_PORT, 0 },
	{ " -80", HOSTPORT_BAD_PORT, 0 },
	{ "http", HOSTPORT_NAME, 0 },
	{ "9pfs", HOSTPORT_NAME, 0 },
	{ "80 ", HOSTPORT_NAME, 0 },
	{ "8 0", HOSTPORT_NAME, 0 },
	{ "0x50", HOSTPORT_NAME, 0 },
	{ "", HOSTPORT_NAME, 0 },
	{ " ", HOSTPORT_NAME, 0 },
	{ "-", HOSTPORT_NAME, 0 },
	{ "+-1", HOSTPORT_NAME, 0 },
};

START_TEST(test_service)
{
	int	 port = -7;

	ck_assert_msg(hostport_service(services[_i].in, &port) == services[_i].want,
	    "\"%s\": not %d", services[_i].in, (int)services[_i].want);
	if (services[_i].want == HOSTPORT_PORT)
		ck_assert_int_eq(port, services[_i].port);
}
END_TEST

/* Every host:port split checks its port the same way. */
START_TEST(test_port_range)
{
	static const char *const bad[] = {
		"127.0.0.1:99999", "127.0.0.1:65536", "h:-1", "h:+80", "h: 80",
		"[::1]:65536", "[::1]:-1", ":99999", "[]:4294967376",
	};
	struct hostport	 hp;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(hostport_parse(bad[i], &hp) == HOSTPORT_PORT_RANGE,
		    "\"%s\" accepted", bad[i]);
	ck_assert_int_eq(hostport_parse("127.0.0.1:65535", &hp), 0);
	ck_assert_str_eq(hp.port, "65535");
	ck_assert_int_eq(hostport_parse("[::1]:00080", &hp), 0);
	ck_assert_str_eq(hp.port, "00080");
	ck_assert_int_eq(hostport_parse("h:http", &hp), 0);
	ck_assert_str_eq(hp.port, "http");
	/* No port part: nothing to check ("a:b:99999" is a bare host). */
	ck_assert_int_eq(hostport_parse("a:b:99999", &hp), 0);
	ck_assert(!hp.has_port);
}
END_TEST

static Suite *
hostport_suite(void)
{
	Suite	*s = suite_create("hostport");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_too_long);
	tcase_add_loop_test(tc, test_service, 0, sizeof(services) / sizeof(services[0]));
	tcase_add_test(tc, test_port_range);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(hostport_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
