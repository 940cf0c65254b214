/* test_cai_lookup.c: unit tests for the step from a name lookup to the
 * connect engine's targets (daemon/connect-ai.c cai_lookup_targets): the
 * addresses of the socket type asked for, in the lookup's order, and no
 * more than socket.connect_ai takes (a name's records are its owner's to
 * choose: a long list must not become a long race); an empty answer and
 * a failed lookup are errors. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "connect-ai.h"
#include "errors.h"
#include "resolve.h"

#define RECORDS	200

static struct addrinfo		ai[RECORDS];
static struct sockaddr_in	addrs[RECORDS];
static struct resolve_job	job;

/* A lookup's answer of n records, stream and datagram by turns, the i-th
 * at port i. */
static void
answer(size_t n)
{
	size_t i;

	memset(&job, 0, sizeof(job));
	memset(ai, 0, sizeof(ai));
	for (i = 0; i < n; i++) {
		addrs[i].sin_family = AF_INET;
		addrs[i].sin_port = htons((uint16_t)i);
		addrs[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		ai[i].ai_family = AF_INET;
		ai[i].ai_socktype = i % 2 == 0 ? SOCK_STREAM : SOCK_DGRAM;
		ai[i].ai_addr = (struct sockaddr *)&addrs[i];
		ai[i].ai_addrlen = sizeof(addrs[i]);
		ai[i].ai_next = i + 1 < n ? &ai[i + 1] : NULL;
	}
	job.res = n > 0 ? &ai[0] : NULL;
}

static uint16_t
port_of(const struct cai_target *t)
{
	return ntohs(((const struct sockaddr_in *)&t->addr.ss)->sin_port);
}

START_TEST(test_type_and_order)
{
	struct cai_request r = { 0 };
	struct s6err e;
	size_t i;

	answer(6);
	ck_assert_int_eq(cai_lookup_targets(&job, SOCK_STREAM, "none", &r, &e), 0);
	ck_assert_uint_eq(r.n, 3);
	for (i = 0; i < r.n; i++) {
		ck_assert_int_eq(r.targets[i].type, SOCK_STREAM);
		ck_assert_uint_eq(port_of(&r.targets[i]), 2 * i);
	}
	free(r.targets);
}
END_TEST

START_TEST(test_long_answer_is_cut)
{
	struct cai_request r = { 0 };
	struct s6err e;

	answer(RECORDS);
	ck_assert_int_eq(cai_lookup_targets(&job, SOCK_STREAM, "none", &r, &e), 0);
	ck_assert_uint_le(r.n, CAI_MAX_ADDRESSES);
	ck_assert_uint_ge(r.n, CAI_MAX_ADDRESSES / 2);
	ck_assert_uint_eq(port_of(&r.targets[0]), 0);
	free(r.targets);
	answer(RECORDS);
	ck_assert_int_eq(cai_lookup_targets(&job, SOCK_DGRAM, "none", &r, &e), 0);
	ck_assert_uint_le(r.n, CAI_MAX_ADDRESSES);
	ck_assert_uint_eq(port_of(&r.targets[0]), 1);
	free(r.targets);
}
END_TEST

START_TEST(test_empty_and_failed)
{
	struct cai_request r = { 0 };
	struct s6err e;

	answer(0);
	ck_assert_int_eq(cai_lookup_targets(&job, SOCK_STREAM, "no address", &r, &e), -1);
	ck_assert_int_eq(e.code, S6_NET);
	ck_assert_str_eq(e.message, "no address");
	answer(2);
	job.rc = EAI_NONAME;
	ck_assert_int_eq(cai_lookup_targets(&job, SOCK_STREAM, "no address", &r, &e), -1);
	ck_assert_str_eq(e.message, "no address");
}
END_TEST

static Suite *
cai_lookup_suite(void)
{
	Suite *s = suite_create("cai_lookup");
	TCase *tc = tcase_create("targets");

	tcase_add_test(tc, test_type_and_order);
	tcase_add_test(tc, test_long_answer_is_cut);
	tcase_add_test(tc, test_empty_and_failed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cai_lookup_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
