/* test_hostport.c: unit tests for the egg's host:port split. */
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
	ck_assert_int_eq(hostport_parse(s, &hp), -1);
	memset(s, 'h', 255);
	s[255] = '\0';
	ck_assert_int_eq(hostport_parse(s, &hp), 0);
	ck_assert_uint_eq(strlen(hp.host), 255);
	/* A 64-byte port does not fit; 63 does. */
	memset(s, '1', 66);
	s[0] = 'h';
	s[1] = ':';
	s[66] = '\0';
	ck_assert_int_eq(hostport_parse(s, &hp), -1);
	s[65] = '\0';
	ck_assert_int_eq(hostport_parse(s, &hp), 0);
	ck_assert_uint_eq(strlen(hp.port), 63);
}
END_TEST

static Suite *
hostport_suite(void)
{
	Suite	*s = suite_create("hostport");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_test(tc, test_too_long);
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
