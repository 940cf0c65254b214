/* test_limits.c: unit tests for the named limits table, its defaults and the
 * --limit NAME=VALUE parser (daemon/limits.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limit.h"

static struct limits	l, saved;
static char		err[256];

static void
setup(void)
{
	limits_default(&l);
	saved = l;
	memset(err, 0, sizeof(err));
}

static void
teardown(void)
{
}

/* The limit named `name` as a pointer into l. */
static long *
field(const char *name)
{
	const struct limit_def *def;

	for (def = limit_defs; def->name != NULL; def++)
		if (strcmp(def->name, name) == 0)
			return (long *)(void *)((char *)&l + def->offset);
	ck_abort_msg("no limit %s", name);
	return NULL;
}

/* Expect limits_set to fail with message `want` and leave l unchanged. */
static void
assert_rejected(const char *assignment, const char *want)
{
	strcpy(err, "untouched");
	ck_assert_int_eq(limits_set(&l, assignment, err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(memcmp(&l, &saved, sizeof(l)), 0);
}

START_TEST(test_defaults)
{
	ck_assert_int_eq(l.max_message, 1048576);
	ck_assert_int_eq(l.max_depth, 32);
	ck_assert_int_eq(l.max_batch, 64);
	ck_assert_int_eq(l.output_high, 1048576);
	ck_assert_int_eq(l.output_low, 262144);
	ck_assert_int_eq(l.requests_per_read, 64);
	ck_assert_int_eq(l.max_connections, 1024);
	ck_assert_int_eq(l.handles_per_user, 4096);
	ck_assert_int_eq(l.pending_per_connection, 1024);
	ck_assert_int_eq(l.max_receive, 1048576);
	ck_assert_int_eq(l.output_max, 4194304);
	ck_assert_int_eq(l.output_per_user, 67108864);
	ck_assert_int_eq(l.input_per_user, 16777216);
	ck_assert_int_eq(l.output_per_turn, 262144);
	ck_assert_int_eq(l.connections_per_user, 128);
	ck_assert_int_eq(l.root_connections, 32);
	ck_assert_int_eq(l.max_handles, 65536);
	ck_assert_int_eq(l.root_handles, 256);
	ck_assert_int_eq(l.pending_per_user, 4096);
	ck_assert_int_eq(l.resolver_queue_per_user, 64);
	ck_assert_int_eq(l.resolver_threads_per_user, 2);
	ck_assert_int_eq(l.pending_bytes_per_user, 134217728);
}
END_TEST

START_TEST(test_table_covers_struct)
{
	const struct limit_def *def;
	size_t n = 0;

	/* One row per long in struct limits, each a distinct, in-range default. */
	for (def = limit_defs; def->name != NULL; def++) {
		ck_assert_uint_lt(def->offset, sizeof(struct limits));
		ck_assert_uint_eq(def->offset % sizeof(long), 0);
		ck_assert_int_le(def->min, def->def);
		ck_assert_int_le(def->def, def->max);
		ck_assert_ptr_nonnull(def->desc);
		ck_assert_uint_eq(def->offset, n * sizeof(long));
		n++;
	}
	ck_assert_uint_eq(n, 24);
	ck_assert_uint_eq(n * sizeof(long), sizeof(struct limits));
}
END_TEST

START_TEST(test_set_ok)
{
	ck_assert_int_eq(limits_set(&l, "max_batch=10", err, sizeof(err)), 0);
	ck_assert_int_eq(l.max_batch, 10);
	/* Nothing else moved. */
	l.max_batch = saved.max_batch;
	ck_assert_int_eq(memcmp(&l, &saved, sizeof(l)), 0);

	ck_assert_int_eq(limits_set(&l, "max_receive=4096", err, sizeof(err)), 0);
	ck_assert_int_eq(l.max_receive, 4096);
	ck_assert_int_eq(limits_set(&l, "output_low=0", err, sizeof(err)), 0);
	ck_assert_int_eq(l.output_low, 0);
}
END_TEST

START_TEST(test_set_last_wins)
{
	ck_assert_int_eq(limits_set(&l, "max_depth=5", err, sizeof(err)), 0);
	ck_assert_int_eq(limits_set(&l, "max_depth=7", err, sizeof(err)), 0);
	ck_assert_int_eq(l.max_depth, 7);
}
END_TEST

START_TEST(test_unknown_name)
{
	assert_rejected("nope=1", "unknown limit 'nope'");
	assert_rejected("max_batc=1", "unknown limit 'max_batc'");
	assert_rejected("max_batchx=1", "unknown limit 'max_batchx'");
	assert_rejected("MAX_BATCH=1", "unknown limit 'MAX_BATCH'");
	assert_rejected("=5", "unknown limit ''");
}
END_TEST

START_TEST(test_not_integer)
{
	const char *want = "limit max_batch must be an integer from 1 to 100000";

	assert_rejected("max_batch=abc", want);
	assert_rejected("max_batch=10x", want);
	assert_rejected("max_batch=1.5", want);
	assert_rejected("max_batch=0x10", want);
	assert_rejected("max_batch=10 ", want);
	assert_rejected("max_batch=99999999999999999999999", want);
}
END_TEST

START_TEST(test_range)
{
	const char *want = "limit max_batch must be an integer from 1 to 100000";

	assert_rejected("max_batch=0", want);
	assert_rejected("max_batch=-1", want);
	assert_rejected("max_batch=100001", want);
	ck_assert_int_eq(limits_set(&l, "max_batch=1", err, sizeof(err)), 0);
	ck_assert_int_eq(l.max_batch, 1);
	ck_assert_int_eq(limits_set(&l, "max_batch=100000", err, sizeof(err)), 0);
	ck_assert_int_eq(l.max_batch, 100000);
	saved = l;
	assert_rejected("max_depth=1", "limit max_depth must be an integer from 2 to 1000");
	assert_rejected("max_message=255",
	    "limit max_message must be an integer from 256 to 67108864");
}
END_TEST

/* Every row: its min and max are accepted, one past either is not. */
START_TEST(test_range_every_limit)
{
	const struct limit_def *def;
	char a[128];

	for (def = limit_defs; def->name != NULL; def++) {
		snprintf(a, sizeof(a), "%s=%ld", def->name, def->min);
		ck_assert_msg(limits_set(&l, a, err, sizeof(err)) == 0, "%s: %s", a, err);
		ck_assert_int_eq(*field(def->name), def->min);
		snprintf(a, sizeof(a), "%s=%ld", def->name, def->max);
		ck_assert_msg(limits_set(&l, a, err, sizeof(err)) == 0, "%s: %s", a, err);
		ck_assert_int_eq(*field(def->name), def->max);
		snprintf(a, sizeof(a), "%s=%ld", def->name, def->min - 1);
		ck_assert_msg(limits_set(&l, a, err, sizeof(err)) == -1, "%s accepted", a);
		snprintf(a, sizeof(a), "%s=%ld", def->name, def->max + 1);
		ck_assert_msg(limits_set(&l, a, err, sizeof(err)) == -1, "%s accepted", a);
		ck_assert_int_eq(*field(def->name), def->max);
	}
}
END_TEST

START_TEST(test_missing_equals)
{
	assert_rejected("max_batch", "limit 'max_batch' is not NAME=VALUE");
	assert_rejected("", "limit '' is not NAME=VALUE");
	assert_rejected("max_batch 10", "limit 'max_batch 10' is not NAME=VALUE");
}
END_TEST

START_TEST(test_empty_value)
{
	assert_rejected("max_batch=", "limit max_batch must be an integer from 1 to 100000");
}
END_TEST

START_TEST(test_err_truncated)
{
	char small[16];

	memset(small, 'X', sizeof(small));
	ck_assert_int_eq(limits_set(&l, "a_rather_long_unknown_name=1", small, 8), -1);
	ck_assert_str_eq(small, "unknown");
	ck_assert_int_eq(small[8], 'X');
}
END_TEST

START_TEST(test_check)
{
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), 0);
	l.output_low = l.output_high;
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), 0);
	l.output_low = l.output_high + 1;
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "limit output_low (1048577) is above output_high (1048576)");
}
END_TEST

START_TEST(test_check_output_max)
{
	l.output_max = l.output_high;
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), 0);
	l.output_max = l.output_high - 1;
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "limit output_high (1048576) is above output_max (1048575)");
}
END_TEST

/* Root's reserve leaves others at least one connection. */
START_TEST(test_check_root_reserve)
{
	l.max_connections = 10;
	l.root_connections = 9;
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), 0);
	l.root_connections = 10;
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "limit root_connections (10) is not below max_connections (10)");
	l.root_connections = 0;
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), 0);
	/* The same for handles. */
	l.max_handles = 5;
	l.root_handles = 4;
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), 0);
	l.root_handles = 5;
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "limit root_handles (5) is not below max_handles (5)");
}
END_TEST

START_TEST(test_check_after_set)
{
	ck_assert_int_eq(limits_set(&l, "output_high=4096", err, sizeof(err)), 0);
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "limit output_low (262144) is above output_high (4096)");
	ck_assert_int_eq(limits_set(&l, "output_low=4096", err, sizeof(err)), 0);
	ck_assert_int_eq(limits_check(&l, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_usage)
{
	const struct limit_def *def;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_ptr_nonnull(f = open_memstream(&text, &len));
	limits_usage(f);
	fclose(f);
	for (def = limit_defs; def->name != NULL; def++)
		ck_assert_msg(strstr(text, def->name) != NULL, "%s not in usage", def->name);
	ck_assert_ptr_nonnull(strstr(text, "  max_batch "));
	ck_assert_ptr_nonnull(strstr(text, " 64  entries in one batch\n"));
	free(text);
}
END_TEST

static Suite *
limits_suite(void)
{
	Suite	*s = suite_create("limits");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_table_covers_struct);
	tcase_add_test(tc, test_set_ok);
	tcase_add_test(tc, test_set_last_wins);
	tcase_add_test(tc, test_unknown_name);
	tcase_add_test(tc, test_not_integer);
	tcase_add_test(tc, test_range);
	tcase_add_test(tc, test_range_every_limit);
	tcase_add_test(tc, test_missing_equals);
	tcase_add_test(tc, test_empty_value);
	tcase_add_test(tc, test_err_truncated);
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_check_output_max);
	tcase_add_test(tc, test_check_root_reserve);
	tcase_add_test(tc, test_check_after_set);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(limits_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
