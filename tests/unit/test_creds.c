/* test_creds.c: unit tests for taking a client's identity around the calls
 * made for it: the switch itself, nesting (an inner scope returns to the
 * outer identity, not to root), root's clients, and no switch at all when
 * the daemon is not root (daemon/creds.c).  The switching cases need root;
 * run as another user they check only that nothing changes. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "creds.h"

static const struct creds alice = { .uid = 1234, .gid = 2345, .ngroups = 2,
	.groups = { 2345, 3456 } };
static const struct creds bob = { .uid = 4321, .gid = 5432, .ngroups = 1,
	.groups = { 5432 } };
static const struct creds root = { .uid = 0, .gid = 0, .ngroups = 0 };

static bool
has_group(gid_t g)
{
	gid_t groups[CREDS_MAX_GROUPS];
	int i, n = getgroups(CREDS_MAX_GROUPS, groups);

	for (i = 0; i < n; i++)
		if (groups[i] == g)
			return true;
	return false;
}

static void
assert_is(const struct creds *who)
{
	ck_assert_uint_eq(geteuid(), who->uid);
	ck_assert_uint_eq(getegid(), who->gid);
	if (who->ngroups > 0)
		ck_assert(has_group(who->groups[who->ngroups - 1]));
}

static uid_t	euid0;
static gid_t	egid0;

static void
setup(void)
{
	euid0 = geteuid();
	egid0 = getegid();
}

static void
assert_unchanged(void)
{
	ck_assert_uint_eq(geteuid(), euid0);
	ck_assert_uint_eq(getegid(), egid0);
	ck_assert_uint_eq(getuid(), euid0);	/* the real uid never moves */
}

START_TEST(test_enter_leave)
{
	struct creds_saved saved;

	creds_enter(&alice, &saved);
	if (getuid() == 0) {
		assert_is(&alice);
		ck_assert(!has_group(0));
	} else {
		assert_unchanged();	/* not root: nothing to switch */
	}
	creds_leave(&saved);
	assert_unchanged();
}
END_TEST

START_TEST(test_nested_returns_to_outer)
{
	struct creds_saved outer, inner;

	if (getuid() != 0)
		return;
	creds_enter(&alice, &outer);
	creds_enter(&bob, &inner);
	assert_is(&bob);
	ck_assert(!has_group(alice.groups[1]));
	creds_leave(&inner);
	assert_is(&alice);		/* not root with alice's gid */
	creds_leave(&outer);
	assert_unchanged();
}
END_TEST

START_TEST(test_nested_same_client)
{
	struct creds_saved outer, inner;

	if (getuid() != 0)
		return;
	creds_enter(&alice, &outer);
	creds_enter(&alice, &inner);
	assert_is(&alice);
	creds_leave(&inner);
	assert_is(&alice);
	creds_leave(&outer);
	assert_unchanged();
}
END_TEST

START_TEST(test_root_inside_a_client)
{
	struct creds_saved outer, inner;

	if (getuid() != 0)
		return;
	creds_enter(&alice, &outer);
	creds_enter(&root, &inner);
	ck_assert_uint_eq(geteuid(), 0);
	ck_assert_uint_eq(getegid(), 0);
	creds_leave(&inner);
	assert_is(&alice);
	creds_leave(&outer);
	assert_unchanged();
}
END_TEST

START_TEST(test_root_and_null_change_nothing)
{
	struct creds_saved saved;

	creds_enter(NULL, &saved);
	assert_unchanged();
	creds_leave(&saved);
	if (getuid() == 0) {
		creds_enter(&root, &saved);
		assert_unchanged();
		creds_leave(&saved);
	}
	assert_unchanged();
}
END_TEST

static Suite *
creds_suite(void)
{
	Suite *su = suite_create("creds");
	TCase *tc = tcase_create("switch");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_enter_leave);
	tcase_add_test(tc, test_nested_returns_to_outer);
	tcase_add_test(tc, test_nested_same_client);
	tcase_add_test(tc, test_root_inside_a_client);
	tcase_add_test(tc, test_root_and_null_change_nothing);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	SRunner	*sr = srunner_create(creds_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
