/* test_utf8.c: unit tests for strict UTF-8 validation (proto/utf8.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <string.h>

#include "utf8.h"

struct sample {
	const char	*bytes;
	size_t		 len;
};

#define S(x)	{ x, sizeof(x) - 1 }

static const struct sample good[] = {
	S(""),
	S("plain ASCII"),
	S("\x00"),			/* an embedded NUL is valid */
	S("a\x00" "b"),
	S("\x7f"),
	S("\xc2\x80"),			/* U+0080 */
	S("\xc3\xa9t\xc3\xa9"),		/* "été" */
	S("\xdf\xbf"),			/* U+07FF */
	S("\xe0\xa0\x80"),		/* U+0800 */
	S("\xe2\x82\xac"),		/* U+20AC */
	S("\xed\x9f\xbf"),		/* U+D7FF, just below surrogates */
	S("\xee\x80\x80"),		/* U+E000, just above */
	S("\xef\xbf\xbf"),		/* U+FFFF */
	S("\xf0\x90\x80\x80"),		/* U+10000 */
	S("\xf0\x9f\x98\x80"),		/* U+1F600 */
	S("\xf4\x8f\xbf\xbf"),		/* U+10FFFF */
};

static const struct sample bad[] = {
	S("\x80"),			/* stray continuation */
	S("a\xbf" "b"),
	S("\xc0\x80"),			/* overlong NUL */
	S("\xc1\xbf"),			/* overlong */
	S("\xe0\x80\x80"),		/* overlong */
	S("\xe0\x9f\xbf"),		/* overlong U+07FF */
	S("\xf0\x80\x80\x80"),		/* overlong */
	S("\xf0\x8f\xbf\xbf"),		/* overlong U+FFFF */
	S("\xed\xa0\x80"),		/* U+D800 surrogate */
	S("\xed\xbf\xbf"),		/* U+DFFF surrogate */
	S("\xf4\x90\x80\x80"),		/* U+110000 */
	S("\xf5\x80\x80\x80"),
	S("\xf8\x88\x80\x80\x80"),	/* 5-byte form */
	S("\xfe"),
	S("\xff"),
	S("\xc3"),			/* truncated */
	S("\xe2\x82"),
	S("\xf0\x9f\x98"),
	S("abc\xe2"),
	S("\xc3" "a"),			/* continuation missing */
	S("\xe2\x82" "a"),
	S("\xf0\x9f\x98" "a"),
	S("\xe2\x28\xa1"),
};

START_TEST(test_good)
{
	ck_assert(utf8_valid(good[_i].bytes, good[_i].len));
}
END_TEST

START_TEST(test_bad)
{
	ck_assert(!utf8_valid(bad[_i].bytes, bad[_i].len));
}
END_TEST

START_TEST(test_length_bounds)
{
	/* Only n bytes are looked at. */
	ck_assert(utf8_valid("ab\xff", 2));
	ck_assert(!utf8_valid("\xe2\x82\xac", 2));
	ck_assert(utf8_valid("\xe2\x82\xac", 0));
}
END_TEST

START_TEST(test_every_two_byte_lead)
{
	unsigned char	 s[2];
	unsigned	 c;

	for (c = 0x80; c <= 0xff; c++) {
		s[0] = (unsigned char)c;
		s[1] = 0x80;
		ck_assert_int_eq(utf8_valid(s, 2), c >= 0xc2 && c <= 0xdf);
	}
}
END_TEST

static Suite *
utf8_suite(void)
{
	Suite	*s = suite_create("utf8");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_length_bounds);
	tcase_add_test(tc, test_every_two_byte_lead);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(utf8_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
