/* test_buf.c: unit tests for the capped byte buffer (proto/buf.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static struct buf b;

static void
setup(void)
{
	buf_init(&b, 1024);
}

static void
teardown(void)
{
	buf_free(&b);
}

START_TEST(test_init_empty)
{
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(buf_len(&b), 0);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(b.size, 0);
	ck_assert_uint_eq(b.cap, 1024);
	ck_assert_uint_eq(buf_room(&b), 1024);
}
END_TEST

START_TEST(test_append_consume)
{
	ck_assert_int_eq(buf_append(&b, "hello", 5), 0);
	ck_assert_uint_eq(buf_len(&b), 5);
	ck_assert_mem_eq(buf_head(&b), "hello", 5);
	ck_assert_uint_eq(buf_room(&b), 1019);
	buf_consume(&b, 2);
	ck_assert_uint_eq(b.off, 2);
	ck_assert_uint_eq(buf_len(&b), 3);
	ck_assert_mem_eq(buf_head(&b), "llo", 3);
	ck_assert_int_eq(buf_append(&b, "!", 1), 0);
	ck_assert_mem_eq(buf_head(&b), "llo!", 4);
}
END_TEST

START_TEST(test_consume_all_resets_off)
{
	ck_assert_int_eq(buf_append(&b, "abcdef", 6), 0);
	buf_consume(&b, 4);
	ck_assert_uint_eq(b.off, 4);
	buf_consume(&b, 2);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(buf_len(&b), 0);
	/* More than is buffered also empties the buffer. */
	ck_assert_int_eq(buf_append(&b, "xy", 2), 0);
	buf_consume(&b, 100);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(buf_len(&b), 0);
}
END_TEST

START_TEST(test_reserve_commit)
{
	char	*p;

	p = buf_reserve(&b, 10);
	ck_assert_ptr_nonnull(p);
	memcpy(p, "0123456789", 10);
	buf_commit(&b, 4);
	ck_assert_uint_eq(buf_len(&b), 4);
	ck_assert_mem_eq(buf_head(&b), "0123", 4);
	/* The next reservation starts right after the committed bytes. */
	ck_assert_ptr_eq(buf_reserve(&b, 1), b.data + 4);
}
END_TEST

START_TEST(test_compact_lazily)
{
	char	 chunk[200];
	char	*p;
	size_t	 size;

	memset(chunk, 'a', sizeof(chunk));
	chunk[100] = 'Z';
	ck_assert_int_eq(buf_append(&b, chunk, 200), 0);
	size = b.size;
	ck_assert_uint_eq(size, 256);
	buf_consume(&b, 100);
	/* Room at the back: no compaction. */
	p = buf_reserve(&b, 56);
	ck_assert_ptr_eq(p, b.data + 200);
	ck_assert_uint_eq(b.off, 100);
	/* Short at the back but the whole fits: compact, do not grow. */
	p = buf_reserve(&b, 150);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(b.size, size);
	ck_assert_ptr_eq(p, b.data + 100);
	ck_assert_uint_eq(buf_len(&b), 100);
	ck_assert_int_eq(buf_head(&b)[0], 'Z');
}
END_TEST

START_TEST(test_grow_geometric)
{
	char	 chunk[300];

	memset(chunk, 'q', sizeof(chunk));
	ck_assert_int_eq(buf_append(&b, chunk, 10), 0);
	ck_assert_uint_eq(b.size, 256);
	ck_assert_int_eq(buf_append(&b, chunk, 300), 0);
	ck_assert_uint_eq(b.size, 512);
	ck_assert_int_eq(buf_append(&b, chunk, 300), 0);
	ck_assert_uint_eq(b.size, 1024);
	ck_assert_uint_eq(buf_len(&b), 610);
	ck_assert_int_eq(buf_head(&b)[609], 'q');
}
END_TEST

START_TEST(test_grow_clamps_to_cap)
{
	struct buf	 c;
	char		 chunk[300];

	memset(chunk, 0, sizeof(chunk));
	buf_init(&c, 700);
	ck_assert_int_eq(buf_append(&c, chunk, 300), 0);
	ck_assert_uint_eq(c.size, 512);
	ck_assert_int_eq(buf_append(&c, chunk, 300), 0);
	ck_assert_uint_eq(c.size, 700);
	ck_assert_uint_eq(buf_room(&c), 100);
	buf_free(&c);
}
END_TEST

START_TEST(test_cap_enforced)
{
	char	 chunk[1024];

	memset(chunk, 'x', sizeof(chunk));
	ck_assert_ptr_null(buf_reserve(&b, 1025));
	ck_assert_int_eq(buf_append(&b, chunk, 1000), 0);
	ck_assert_int_eq(buf_append(&b, chunk, 25), -1);
	ck_assert_uint_eq(buf_len(&b), 1000);
	ck_assert_int_eq(buf_append(&b, chunk, 24), 0);
	ck_assert_uint_eq(buf_room(&b), 0);
	ck_assert_ptr_null(buf_reserve(&b, 1));
	ck_assert_ptr_nonnull(buf_reserve(&b, 0));
	/* Consuming from the front makes room again, via compaction. */
	buf_consume(&b, 10);
	ck_assert_uint_eq(buf_room(&b), 10);
	ck_assert_int_eq(buf_append(&b, "0123456789", 10), 0);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(b.size, 1024);
	ck_assert_mem_eq(buf_head(&b) + 1014, "0123456789", 10);
}
END_TEST

START_TEST(test_small_cap)
{
	struct buf	 c;

	buf_init(&c, 8);
	ck_assert_int_eq(buf_append(&c, "12345678", 8), 0);
	ck_assert_uint_eq(c.size, 8);
	ck_assert_int_eq(buf_append(&c, "9", 1), -1);
	buf_free(&c);
	ck_assert_ptr_null(c.data);
	ck_assert_uint_eq(c.cap, 8);
	buf_init(&c, 0);
	ck_assert_ptr_null(buf_reserve(&c, 1));
	ck_assert_int_eq(buf_append(&c, "x", 1), -1);
	buf_free(&c);
}
END_TEST

START_TEST(test_reset)
{
	ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
	buf_consume(&b, 1);
	buf_reset(&b);
	ck_assert_uint_eq(buf_len(&b), 0);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(b.size, 256);
	ck_assert_uint_eq(buf_room(&b), 1024);
}
END_TEST

START_TEST(test_commit_clamped)
{
	ck_assert_ptr_nonnull(buf_reserve(&b, 4));
	buf_commit(&b, 100000);
	ck_assert_uint_eq(buf_len(&b), b.size);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite	*s = suite_create("buf");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_init_empty);
	tcase_add_test(tc, test_append_consume);
	tcase_add_test(tc, test_consume_all_resets_off);
	tcase_add_test(tc, test_reserve_commit);
	tcase_add_test(tc, test_compact_lazily);
	tcase_add_test(tc, test_grow_geometric);
	tcase_add_test(tc, test_grow_clamps_to_cap);
	tcase_add_test(tc, test_cap_enforced);
	tcase_add_test(tc, test_small_cap);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_commit_clamped);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(buf_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
