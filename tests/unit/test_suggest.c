/* test_suggest.c: unit tests for "did you mean": the distance, the
 * threshold, and the dotted forms (proto/suggest.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "suggest.h"

static size_t
dist(const char *a, const char *b)
{
	return suggest_distance(a, strlen(a), b, strlen(b), SIZE_MAX);
}

/* The best of names for typed, as suggest_offer sees them. */
static const char *
best(const char *typed, const char *const *names, bool dotted)
{
	struct suggest s;

	suggest_init(&s, typed, strlen(typed));
	for (; *names != NULL; names++) {
		if (dotted)
			suggest_offer_dotted(&s, *names);
		else
			suggest_offer(&s, *names);
	}
	return suggest_best(&s);
}

static const struct {
	const char	*a, *b;
	size_t		 d;
} distances[] = {
	{ "", "", 0 },
	{ "", "abc", 3 },
	{ "abc", "", 3 },
	{ "family", "family", 0 },
	{ "famliy", "family", 1 },		/* one swap */
	{ "family", "famliy", 1 },
	{ "famly", "family", 1 },		/* one insertion */
	{ "familly", "family", 1 },		/* one deletion */
	{ "fanily", "family", 1 },		/* one substitution */
	{ "FAMILY", "family", 0 },		/* ASCII case is ignored */
	{ "Family", "family", 0 },
	{ "ab", "ba", 1 },
	{ "ca", "abc", 3 },			/* OSA: no edit of a swapped pair */
	{ "kitten", "sitting", 3 },
	{ "socket.craete", "socket.create", 1 },
	{ "\xc3\xa9t\xc3\xa9", "ete", 4 },	/* bytes, not characters */
	{ "\xc3\x89", "\xc3\xa9", 1 },		/* only ASCII folds */
};

START_TEST(test_distance)
{
	ck_assert_msg(dist(distances[_i].a, distances[_i].b) == distances[_i].d,
	    "'%s' '%s': %zu, not %zu", distances[_i].a, distances[_i].b,
	    dist(distances[_i].a, distances[_i].b), distances[_i].d);
}
END_TEST

START_TEST(test_distance_bounds)
{
	static char big[1 << 16];
	char known[SUGGEST_MAX + 2];

	/* Lengths further apart than the limit: refused without the work. */
	memset(big, 'a', sizeof(big));
	ck_assert_uint_eq(suggest_distance(big, sizeof(big), "a", 1, 10), SIZE_MAX);
	ck_assert_uint_eq(suggest_distance("abcdef", 6, "a", 1, 4), SIZE_MAX);
	ck_assert_uint_eq(suggest_distance("abcdef", 6, "a", 1, 5), 5);
	/* Known names longer than SUGGEST_MAX are never compared. */
	memset(known, 'k', sizeof(known));
	ck_assert_uint_eq(suggest_distance(known, SUGGEST_MAX, known, SUGGEST_MAX, 0), 0);
	ck_assert_uint_eq(suggest_distance(known, SUGGEST_MAX + 1, known, SUGGEST_MAX + 1, 0),
	    SIZE_MAX);
}
END_TEST

/* The word number `code` of length len over the letters a, b and c. */
static void
word(char *w, unsigned code, unsigned len)
{
	unsigned i;

	for (i = 0; i < len; i++, code /= 3)
		w[i] = (char)('a' + code % 3);
}

/* With a limit the work may stop early: every pair of words of up to four
 * letters over three gets its exact distance when it is within the limit,
 * and something above the limit when it is not. */
START_TEST(test_distance_limit_exhaustive)
{
	char a[4], b[4];
	unsigned x, y, alen, blen;
	size_t exact, limit, d;

	for (alen = 0; alen <= 4; alen++)
		for (blen = 0; blen <= 4; blen++)
			for (x = 0; x < 81; x++)
				for (y = 0; y < 81; y++) {
					word(a, x, alen);
					word(b, y, blen);
					exact = suggest_distance(a, alen, b, blen, SIZE_MAX);
					for (limit = 0; limit <= 5; limit++) {
						d = suggest_distance(a, alen, b, blen, limit);
						if (exact <= limit)
							ck_assert_uint_eq(d, exact);
						else
							ck_assert_uint_gt(d, limit);
					}
				}
}
END_TEST

START_TEST(test_threshold)
{
	static const char *const names[] = {
		"family", "type", "protocol", "scope", "handle", "timeout", "host", "port",
		"id", NULL
	};

	ck_assert_pstr_eq(best("famliy", names, false), "family");
	ck_assert_pstr_eq(best("FAMILY", names, false), "family");
	ck_assert_pstr_eq(best("hadle", names, false), "handle");
	ck_assert_pstr_eq(best("timout", names, false), "timeout");
	ck_assert_pstr_eq(best("protcool", names, false), "protocol");
	ck_assert_pstr_eq(best("typ", names, false), "type");
	ck_assert_pstr_eq(best("i", names, false), "id");
	/* At most a third of the typed length, and at least one edit. */
	ck_assert_pstr_eq(best("fmly", names, false), NULL);
	ck_assert_pstr_eq(best("famiyl", names, false), "family");
	ck_assert_pstr_eq(best("fmaliy", names, false), "family");
	ck_assert_pstr_eq(best("fmlee", names, false), NULL);
	ck_assert_pstr_eq(best("xyz", names, false), NULL);
	ck_assert_pstr_eq(best("", names, false), NULL);
	/* host and port are two edits apart: neither suggests the other. */
	ck_assert_pstr_eq(best("post", names, false), "host");
	ck_assert_pstr_eq(best("hort", names, false), "host");
	ck_assert_pstr_eq(best("pott", names, false), "port");
}
END_TEST

/* The closest wins; of equals, the first offered. */
START_TEST(test_closest_first)
{
	static const char *const names[] = { "abcd", "abce", "abxx", NULL };
	static const char *const later[] = { "abxx", "abcx", "abcd", NULL };

	ck_assert_pstr_eq(best("abcf", names, false), "abcd");
	ck_assert_pstr_eq(best("abcd", later, false), "abcd");
	ck_assert_pstr_eq(best("abcy", later, false), "abcx");
}
END_TEST

START_TEST(test_dotted)
{
	static const char *const methods[] = {
		"daemon.ping", "socket.accept", "socket.connect", "socket.create",
		"tcp.accept", "tcp.connect", "udp.connect", NULL
	};

	ck_assert_pstr_eq(best("socket.craete", methods, true), "socket.create");
	ck_assert_pstr_eq(best("Socket.Create", methods, true), "socket.create");
	/* Without its area: the first method of that name. */
	ck_assert_pstr_eq(best("create", methods, true), "socket.create");
	ck_assert_pstr_eq(best("craete", methods, true), "socket.create");
	ck_assert_pstr_eq(best("connect", methods, true), "socket.connect");
	ck_assert_pstr_eq(best("ping", methods, true), "daemon.ping");
	/* Area and name swapped. */
	ck_assert_pstr_eq(best("create.socket", methods, true), "socket.create");
	ck_assert_pstr_eq(best("connect.tcp", methods, true), "tcp.connect");
	ck_assert_pstr_eq(best("ping.daemon", methods, true), "daemon.ping");
	/* An area of its own is a whole name, not a part. */
	ck_assert_pstr_eq(best("udp.accept", methods, true), "tcp.accept");
	ck_assert_pstr_eq(best("tcp.create", methods, true), NULL);
	ck_assert_pstr_eq(best("socket", methods, true), NULL);
	ck_assert_pstr_eq(best("daemon.", methods, true), NULL);
	ck_assert_pstr_eq(best(".ping", methods, true), NULL);
}
END_TEST

static Suite *
suggest_suite(void)
{
	Suite	*s = suite_create("suggest");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_distance, 0, sizeof(distances) / sizeof(distances[0]));
	tcase_add_test(tc, test_distance_bounds);
	tcase_add_test(tc, test_distance_limit_exhaustive);
	tcase_add_test(tc, test_threshold);
	tcase_add_test(tc, test_closest_first);
	tcase_add_test(tc, test_dotted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(suggest_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
