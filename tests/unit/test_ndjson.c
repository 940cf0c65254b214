/* test_ndjson.c: unit tests for newline-delimited framing (proto/ndjson.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <string.h>

#include "buf.h"
#include "ndjson.h"

static struct buf b;
static const char *line;
static size_t len, consumed, scanned;

static void
setup(void)
{
	buf_init(&b, 4096);
	scanned = 0;
	line = NULL;
	len = consumed = 0;
}

static void
teardown(void)
{
	buf_free(&b);
}

static void
feed(const char *s)
{
	ck_assert_int_eq(buf_append(&b, s, strlen(s)), 0);
}

/* Expect one frame equal to `want`, and drop it. */
static void
expect_frame(size_t max, const char *want)
{
	ck_assert_int_eq(ndjson_next(&b, max, &scanned, &line, &len, &consumed),
	    NDJSON_FRAME);
	ck_assert_uint_eq(len, strlen(want));
	ck_assert_mem_eq(line, want, len);
	ndjson_done(&b, consumed, &scanned);
}

START_TEST(test_empty_buffer)
{
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_NEED);
}
END_TEST

START_TEST(test_one_frame)
{
	feed("{\"a\":1}\n");
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_FRAME);
	ck_assert_uint_eq(len, 7);
	ck_assert_uint_eq(consumed, 8);
	ck_assert_mem_eq(line, "{\"a\":1}", 7);
	ndjson_done(&b, consumed, &scanned);
	ck_assert_uint_eq(buf_len(&b), 0);
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_NEED);
}
END_TEST

START_TEST(test_crlf)
{
	feed("abc\r\n");
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_FRAME);
	ck_assert_uint_eq(len, 3);
	ck_assert_uint_eq(consumed, 5);
	ndjson_done(&b, consumed, &scanned);
	/* Only one trailing CR is stripped. */
	feed("x\r\r\n");
	expect_frame(100, "x\r");
	/* A CR elsewhere is data. */
	feed("a\rb\n");
	expect_frame(100, "a\rb");
}
END_TEST

START_TEST(test_pipelined)
{
	feed("one\ntwo\r\nthree\nfour");
	expect_frame(100, "one");
	expect_frame(100, "two");
	expect_frame(100, "three");
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_NEED);
	ck_assert_uint_eq(buf_len(&b), 4);
	feed("\n");
	expect_frame(100, "four");
}
END_TEST

START_TEST(test_empty_lines_skipped)
{
	feed("\n\r\n\n{}\n\n");
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_FRAME);
	ck_assert_uint_eq(len, 2);
	/* The empty lines before the frame are already consumed. */
	ck_assert_ptr_eq(line, buf_head(&b));
	ck_assert_uint_eq(buf_len(&b), 4);
	ndjson_done(&b, consumed, &scanned);
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_NEED);
	ck_assert_uint_eq(buf_len(&b), 0);
}
END_TEST

START_TEST(test_partial_input)
{
	feed("{\"jsonrpc\"");
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_NEED);
	feed(":\"2.0\"");
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_NEED);
	feed("}\r");
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_NEED);
	feed("\n");
	expect_frame(100, "{\"jsonrpc\":\"2.0\"}");
}
END_TEST

START_TEST(test_exactly_max)
{
	feed("12345\n");
	expect_frame(5, "12345");
	feed("12345\r\n");
	expect_frame(5, "12345");
}
END_TEST

START_TEST(test_complete_line_too_big)
{
	feed("123456\nok\n");
	ck_assert_int_eq(ndjson_next(&b, 5, &scanned, &line, &len, &consumed),
	    NDJSON_TOOBIG);
	/* Nothing is consumed: the caller answers and closes. */
	ck_assert_uint_eq(buf_len(&b), 10);
}
END_TEST

START_TEST(test_partial_too_big)
{
	feed("12345");
	ck_assert_int_eq(ndjson_next(&b, 5, &scanned, &line, &len, &consumed),
	    NDJSON_NEED);
	feed("6");
	ck_assert_int_eq(ndjson_next(&b, 5, &scanned, &line, &len, &consumed),
	    NDJSON_TOOBIG);
}
END_TEST

START_TEST(test_partial_max_then_cr)
{
	/* max bytes and a CR may still become a frame of max bytes. */
	feed("12345\r");
	ck_assert_int_eq(ndjson_next(&b, 5, &scanned, &line, &len, &consumed),
	    NDJSON_NEED);
	feed("\n");
	expect_frame(5, "12345");
	feed("12345\rx");
	ck_assert_int_eq(ndjson_next(&b, 5, &scanned, &line, &len, &consumed),
	    NDJSON_TOOBIG);
}
END_TEST

START_TEST(test_long_garbage_without_newline)
{
	char	 big[3000];

	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(buf_append(&b, big, sizeof(big)), 0);
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_TOOBIG);
	/* A newline far past the limit does not make it fit. */
	feed("\n");
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_TOOBIG);
}
END_TEST

START_TEST(test_frame_after_empty_lines_too_big)
{
	feed("\n\n\n123456\n");
	ck_assert_int_eq(ndjson_next(&b, 5, &scanned, &line, &len, &consumed),
	    NDJSON_TOOBIG);
	ck_assert_uint_eq(buf_len(&b), 7);
}
END_TEST

START_TEST(test_embedded_nul)
{
	ck_assert_int_eq(buf_append(&b, "a\0b\n", 4), 0);
	ck_assert_int_eq(ndjson_next(&b, 100, &scanned, &line, &len, &consumed),
	    NDJSON_FRAME);
	ck_assert_uint_eq(len, 3);
	ck_assert_mem_eq(line, "a\0b", 3);
}
END_TEST

static Suite *
ndjson_suite(void)
{
	Suite	*s = suite_create("ndjson");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty_buffer);
	tcase_add_test(tc, test_one_frame);
	tcase_add_test(tc, test_crlf);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_empty_lines_skipped);
	tcase_add_test(tc, test_partial_input);
	tcase_add_test(tc, test_exactly_max);
	tcase_add_test(tc, test_complete_line_too_big);
	tcase_add_test(tc, test_partial_too_big);
	tcase_add_test(tc, test_partial_max_then_cr);
	tcase_add_test(tc, test_long_garbage_without_newline);
	tcase_add_test(tc, test_frame_after_empty_lines_too_big);
	tcase_add_test(tc, test_embedded_nul);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ndjson_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
