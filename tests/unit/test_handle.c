/* test_handle.c: unit tests for the handle table: monotonic ids never
 * reused (nor below those taken back after a restart), lookups through
 * resizes and tombstones, and the ascending collection (daemon/handle.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"

#define MANY	10000

static struct handle_table	t;
static char			pool[3 * MANY + 16];	/* dummy socket addresses */

/* A distinct dummy socket pointer; the table never dereferences it. */
static struct sock *
S(size_t i)
{
	return (struct sock *)(void *)&pool[i];
}

static void
setup(void)
{
	handle_table_init(&t);
}

static void
teardown(void)
{
	handle_table_free(&t);
}

/* Insert a fresh id for socket i and return the id. */
static uint64_t
add(size_t i)
{
	uint64_t id = handle_next_id(&t);

	ck_assert_int_eq(handle_insert(&t, id, S(i)), 0);
	return id;
}

START_TEST(test_empty)
{
	struct sock *dummy = S(0), **out = &dummy;	/* collect must reset it */

	ck_assert_uint_eq(handle_count(&t), 0);
	ck_assert_ptr_null(handle_lookup(&t, 1));
	ck_assert_ptr_null(handle_lookup(&t, 0));
	ck_assert_ptr_null(handle_lookup(&t, UINT64_MAX));
	ck_assert_ptr_null(handle_remove(&t, 1));
	ck_assert_uint_eq(handle_collect(&t, &out), 0);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_ids_start_at_one)
{
	ck_assert_uint_eq(handle_next_id(&t), 1);
	ck_assert_uint_eq(handle_next_id(&t), 2);
	ck_assert_uint_eq(handle_next_id(&t), 3);
}
END_TEST

START_TEST(test_ids_never_reused)
{
	uint64_t a, b, c;

	a = add(0);
	b = add(1);
	ck_assert_uint_eq(a, 1);
	ck_assert_uint_eq(b, 2);
	ck_assert_ptr_eq(handle_remove(&t, b), S(1));
	ck_assert_ptr_eq(handle_remove(&t, a), S(0));
	ck_assert_uint_eq(handle_count(&t), 0);
	c = add(2);
	ck_assert_uint_eq(c, 3);
	ck_assert_ptr_null(handle_lookup(&t, a));
	ck_assert_ptr_null(handle_lookup(&t, b));
	ck_assert_ptr_eq(handle_lookup(&t, c), S(2));
}
END_TEST

/* Ids taken back after a restart: the next one is past them, never below. */
START_TEST(test_skip_to)
{
	ck_assert_uint_eq(add(0), 1);
	handle_skip_to(&t, 40);
	ck_assert_uint_eq(add(1), 40);
	handle_skip_to(&t, 7);		/* never back */
	ck_assert_uint_eq(add(2), 41);
	ck_assert_int_eq(handle_insert(&t, 30, S(3)), 0);	/* an old id, re-keyed */
	ck_assert_ptr_eq(handle_lookup(&t, 30), S(3));
	ck_assert_uint_eq(add(4), 42);
}
END_TEST

START_TEST(test_insert_lookup_remove)
{
	uint64_t id = add(5);

	ck_assert_uint_eq(handle_count(&t), 1);
	ck_assert_ptr_eq(handle_lookup(&t, id), S(5));
	ck_assert_ptr_null(handle_lookup(&t, id + 1));
	ck_assert_ptr_eq(handle_remove(&t, id), S(5));
	ck_assert_ptr_null(handle_lookup(&t, id));
	ck_assert_uint_eq(handle_count(&t), 0);
	/* A second remove finds nothing and changes nothing. */
	ck_assert_ptr_null(handle_remove(&t, id));
	ck_assert_uint_eq(handle_count(&t), 0);
}
END_TEST

START_TEST(test_many)
{
	uint64_t ids[MANY];
	size_t i;

	for (i = 0; i < MANY; i++) {
		ids[i] = add(i);
		ck_assert_uint_eq(ids[i], i + 1);
	}
	ck_assert_uint_eq(handle_count(&t), MANY);
	ck_assert_uint_ge(t.size * 3, handle_count(&t) * 4);
	for (i = 0; i < MANY; i++)
		ck_assert_ptr_eq(handle_lookup(&t, ids[i]), S(i));
	ck_assert_ptr_null(handle_lookup(&t, MANY + 1));

	/* Remove the odd ones: tombstones among live entries. */
	for (i = 1; i < MANY; i += 2)
		ck_assert_ptr_eq(handle_remove(&t, ids[i]), S(i));
	ck_assert_uint_eq(handle_count(&t), MANY / 2);
	for (i = 0; i < MANY; i++) {
		if (i % 2)
			ck_assert_ptr_null(handle_lookup(&t, ids[i]));
		else
			ck_assert_ptr_eq(handle_lookup(&t, ids[i]), S(i));
	}

	/* Insert as many again, through the tombstones and more resizes. */
	for (i = MANY; i < 2 * MANY; i++)
		ck_assert_uint_eq(add(i), i + 1);
	ck_assert_uint_eq(handle_count(&t), MANY / 2 + MANY);
	for (i = 0; i < MANY; i++) {
		if (i % 2)
			ck_assert_ptr_null(handle_lookup(&t, ids[i]));
		else
			ck_assert_ptr_eq(handle_lookup(&t, ids[i]), S(i));
	}
	for (i = MANY; i < 2 * MANY; i++)
		ck_assert_ptr_eq(handle_lookup(&t, i + 1), S(i));

	/* Remove everything. */
	for (i = 0; i < 2 * MANY; i++)
		ck_assert_ptr_eq(handle_remove(&t, i + 1),
		    (i < MANY && i % 2) ? NULL : S(i));
	ck_assert_uint_eq(handle_count(&t), 0);
	for (i = 0; i < 2 * MANY; i++)
		ck_assert_ptr_null(handle_lookup(&t, i + 1));
}
END_TEST

/* Insert/remove churn leaves only tombstones: the table must clean them
 * instead of growing, and a miss must still terminate. */
START_TEST(test_tombstone_churn)
{
	uint64_t id = 0;
	size_t i;

	for (i = 0; i < 100000; i++) {
		id = add(i % 16);
		ck_assert_ptr_eq(handle_remove(&t, id), S(i % 16));
	}
	ck_assert_uint_eq(id, 100000);
	ck_assert_uint_eq(handle_count(&t), 0);
	ck_assert_uint_eq(t.size, 16);
	ck_assert_uint_lt(t.tombs, t.size);
	ck_assert_ptr_null(handle_lookup(&t, 100001));
	ck_assert_ptr_null(handle_lookup(&t, id));
}
END_TEST

/* A few long-lived entries among churn stay reachable. */
START_TEST(test_churn_with_live)
{
	uint64_t keep[8], id;
	size_t i, k;

	for (k = 0; k < 8; k++)
		keep[k] = add(100 + k);
	for (i = 0; i < 50000; i++) {
		id = add(i % 64);
		ck_assert_ptr_eq(handle_remove(&t, id), S(i % 64));
	}
	for (k = 0; k < 8; k++)
		ck_assert_ptr_eq(handle_lookup(&t, keep[k]), S(100 + k));
	ck_assert_uint_eq(handle_count(&t), 8);
	ck_assert_uint_le(t.size, 32);
}
END_TEST

START_TEST(test_collect_ascending)
{
	struct sock **out;
	size_t i, k, n;
	uint64_t id;

	/* Ids 1..2000, socket pointers in the reverse order of the ids. */
	for (i = 0; i < 2000; i++)
		add(2000 - i);
	for (i = 0; i < 2000; i += 3)
		ck_assert_ptr_nonnull(handle_remove(&t, i + 1));
	n = handle_collect(&t, &out);
	ck_assert_uint_eq(n, handle_count(&t));
	ck_assert_uint_eq(n, 2000 - 667);
	ck_assert_ptr_nonnull(out);
	/* In ascending id order, skipping the removed ids. */
	k = 0;
	for (id = 1; id <= 2000; id++) {
		if ((id - 1) % 3 == 0)
			continue;
		ck_assert_uint_lt(k, n);
		ck_assert_ptr_eq(out[k], S(2000 - (size_t)(id - 1)));
		k++;
	}
	ck_assert_uint_eq(k, n);
	free(out);
}
END_TEST

START_TEST(test_collect_after_all_removed)
{
	struct sock **out = NULL;
	uint64_t id = add(1);

	ck_assert_ptr_nonnull(handle_remove(&t, id));
	ck_assert_uint_eq(handle_collect(&t, &out), 0);
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_free_resets)
{
	add(0);
	add(1);
	handle_table_free(&t);
	ck_assert_uint_eq(handle_count(&t), 0);
	ck_assert_ptr_null(handle_lookup(&t, 1));
	ck_assert_uint_eq(handle_next_id(&t), 1);
}
END_TEST

static Suite *
handle_suite(void)
{
	Suite	*s = suite_create("handle");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_ids_start_at_one);
	tcase_add_test(tc, test_ids_never_reused);
	tcase_add_test(tc, test_skip_to);
	tcase_add_test(tc, test_insert_lookup_remove);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_tombstone_churn);
	tcase_add_test(tc, test_churn_with_live);
	tcase_add_test(tc, test_collect_ascending);
	tcase_add_test(tc, test_collect_after_all_removed);
	tcase_add_test(tc, test_free_resets);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(handle_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
