/* test_user.c: unit tests for the per-user table: an entry per uid made on
 * first use and found again, stable addresses while the table grows, and
 * the counts kept by connections and handles (daemon/user.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdlib.h>

#include "user.h"

static struct user_table	t;

static void
setup(void)
{
	user_table_init(&t);
}

static void
teardown(void)
{
	user_table_free(&t);
}

START_TEST(test_empty)
{
	ck_assert_ptr_null(user_find(&t, 0));
	ck_assert_ptr_null(user_find(&t, 1000));
	ck_assert_uint_eq(t.n, 0);
}
END_TEST

START_TEST(test_get_makes_once)
{
	struct user *a = user_get(&t, 1000), *r = user_get(&t, 0);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_ne(a, r);
	ck_assert_uint_eq(a->uid, 1000);
	ck_assert_uint_eq(r->uid, 0);
	ck_assert_uint_eq(a->conns + a->handles + a->pending + a->output, 0);
	ck_assert_ptr_eq(user_get(&t, 1000), a);
	ck_assert_ptr_eq(user_find(&t, 1000), a);
	ck_assert_ptr_eq(user_find(&t, 0), r);
	ck_assert_ptr_null(user_find(&t, 1001));
	ck_assert_uint_eq(t.n, 2);
}
END_TEST

/* Connections and handles keep pointers to their entry: growing the
 * table must not move an entry. */
START_TEST(test_entries_stay_put)
{
	struct user *first = user_get(&t, 7);
	uid_t u;

	first->handles = 3;
	for (u = 100; u < 1100; u++)
		ck_assert_ptr_nonnull(user_get(&t, u));
	ck_assert_ptr_eq(user_find(&t, 7), first);
	ck_assert_uint_eq(first->handles, 3);
	for (u = 100; u < 1100; u++)
		ck_assert_uint_eq(user_find(&t, u)->uid, u);
	ck_assert_uint_eq(t.n, 1001);
}
END_TEST

START_TEST(test_free_resets)
{
	user_get(&t, 1);
	user_get(&t, 2);
	user_table_free(&t);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(user_find(&t, 1));
	ck_assert_ptr_nonnull(user_get(&t, 1));
}
END_TEST

static Suite *
user_suite(void)
{
	Suite *su = suite_create("user");
	TCase *tc = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_get_makes_once);
	tcase_add_test(tc, test_entries_stay_put);
	tcase_add_test(tc, test_free_resets);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner	*sr = srunner_create(user_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
