/* test_errors.c: unit tests for error codes and errno names. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "errors.h"

/* Compare a NULL-terminated kind list with a space-separated string. */
static void
assert_kind(int code, const char *want)
{
	const struct s6_code_info	*c = s6_code_lookup(code);
	char				 got[128] = "";
	size_t				 i;

	ck_assert_ptr_nonnull(c);
	if (want == NULL) {
		ck_assert_ptr_null(c->kind);
		return;
	}
	ck_assert_ptr_nonnull(c->kind);
	for (i = 0; c->kind[i] != NULL; i++) {
		if (i > 0)
			strcat(got, " ");
		strcat(got, c->kind[i]);
	}
	ck_assert_str_eq(got, want);
}

static void
assert_row(int code, const char *name, const char *message)
{
	const struct s6_code_info	*c = s6_code_lookup(code);

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->code, code);
	ck_assert_str_eq(c->name, name);
	ck_assert_str_eq(c->message, message);
}

START_TEST(test_standard_codes)
{
	assert_row(S6_PARSE_ERROR, "parse error", "Parse error");
	assert_row(S6_INVALID_REQUEST, "invalid request", "Invalid Request");
	assert_row(S6_METHOD_NOT_FOUND, "method not found",
	    "Method not found");
	assert_row(S6_INVALID_PARAMS, "invalid params", "Invalid params");
	assert_row(S6_INTERNAL_ERROR, "internal error", "Internal error");
	ck_assert_int_eq(S6_PARSE_ERROR, -32700);
	ck_assert_int_eq(S6_INTERNAL_ERROR, -32603);
}
END_TEST

START_TEST(test_app_codes)
{
	assert_row(1000, "net", "net");
	assert_row(1001, "transient", "transient");
	assert_row(1002, "timeout", "timeout");
	assert_row(1003, "unsupported", "unsupported");
	assert_row(1004, "resolve", "resolve");
	assert_row(1010, "no such handle", "no such handle");
	assert_row(1011, "permission denied", "permission denied");
	assert_row(1012, "limit", "limit");
	assert_row(1013, "busy", "busy");
}
END_TEST

START_TEST(test_kinds)
{
	assert_kind(S6_PARSE_ERROR, NULL);
	assert_kind(S6_INVALID_REQUEST, NULL);
	assert_kind(S6_METHOD_NOT_FOUND, NULL);
	assert_kind(S6_INTERNAL_ERROR, NULL);
	assert_kind(S6_INVALID_PARAMS, "exn type");
	assert_kind(S6_NET, "exn i/o net");
	assert_kind(S6_TRANSIENT, "exn i/o net transient");
	assert_kind(S6_TIMEOUT, "exn i/o net timeout");
	assert_kind(S6_UNSUPPORTED, "exn i/o net unsupported");
	assert_kind(S6_RESOLVE, "exn i/o net");
	assert_kind(S6_NO_SUCH_HANDLE, "exn sock6d handle");
	assert_kind(S6_PERMISSION, "exn sock6d permission");
	assert_kind(S6_LIMIT, "exn sock6d limit");
	assert_kind(S6_BUSY, "exn sock6d busy");
}
END_TEST

START_TEST(test_table_complete)
{
	const struct s6_code_info	*c;
	int				 n = 0;

	for (c = s6_codes; c->name != NULL; c++) {
		ck_assert_ptr_eq(s6_code_lookup(c->code), c);
		ck_assert_ptr_nonnull(c->message);
		n++;
	}
	ck_assert_int_eq(n, 14);
}
END_TEST

START_TEST(test_unknown_code)
{
	ck_assert_ptr_null(s6_code_lookup(0));
	ck_assert_ptr_null(s6_code_lookup(-32000));
	ck_assert_ptr_null(s6_code_lookup(1005));
	ck_assert_ptr_null(s6_code_lookup(1014));
}
END_TEST

START_TEST(test_errno_names)
{
	ck_assert_str_eq(errno_name(EPERM), "EPERM");
	ck_assert_str_eq(errno_name(ECONNREFUSED), "ECONNREFUSED");
	ck_assert_str_eq(errno_name(EADDRINUSE), "EADDRINUSE");
	ck_assert_str_eq(errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	ck_assert_str_eq(errno_name(EINPROGRESS), "EINPROGRESS");
	ck_assert_str_eq(errno_name(E2BIG), "E2BIG");
	ck_assert_str_eq(errno_name(EHWPOISON), "EHWPOISON");
	ck_assert_int_eq(ECONNREFUSED, 111);
}
END_TEST

START_TEST(test_errno_aliases)
{
	ck_assert_int_eq(EWOULDBLOCK, EAGAIN);
	ck_assert_str_eq(errno_name(EWOULDBLOCK), "EAGAIN");
	ck_assert_str_eq(errno_name(EDEADLOCK), "EDEADLK");
	ck_assert_str_eq(errno_name(ENOTSUP), "EOPNOTSUPP");
	ck_assert_int_eq(errno_from_name("EWOULDBLOCK"), EAGAIN);
	ck_assert_int_eq(errno_from_name("EDEADLOCK"), EDEADLK);
	ck_assert_int_eq(errno_from_name("ENOTSUP"), EOPNOTSUPP);
}
END_TEST

START_TEST(test_errno_every_value_named)
{
	int		 e;
	const char	*name;

	/* Linux numbers its errors densely from EPERM to EHWPOISON, except
	 * 41 and 58, which are the aliases EWOULDBLOCK and EDEADLOCK would
	 * have had. */
	for (e = EPERM; e <= EHWPOISON; e++) {
		name = errno_name(e);
		if (e == 41 || e == 58) {
			ck_assert_ptr_null(name);
			continue;
		}
		ck_assert_msg(name != NULL, "errno %d has no name", e);
		ck_assert_int_eq(errno_from_name(name), e);
	}
}
END_TEST

START_TEST(test_errno_unknown)
{
	ck_assert_ptr_null(errno_name(0));
	ck_assert_ptr_null(errno_name(-1));
	ck_assert_ptr_null(errno_name(EHWPOISON + 1));
	ck_assert_ptr_null(errno_name(100000));
	ck_assert_int_eq(errno_from_name("ENOSUCH"), -1);
	ck_assert_int_eq(errno_from_name("econnrefused"), -1);
	ck_assert_int_eq(errno_from_name(""), -1);
	ck_assert_int_eq(errno_from_name(NULL), -1);
}
END_TEST

START_TEST(test_transient)
{
	ck_assert(errno_is_transient(ECONNREFUSED));
	ck_assert(errno_is_transient(ETIMEDOUT));
	ck_assert(errno_is_transient(ENETUNREACH));
	ck_assert(errno_is_transient(EHOSTUNREACH));
	ck_assert(errno_is_transient(ENETDOWN));
	ck_assert(!errno_is_transient(0));
	ck_assert(!errno_is_transient(EAGAIN));
	ck_assert(!errno_is_transient(ECONNRESET));
	ck_assert(!errno_is_transient(EADDRINUSE));
	ck_assert(!errno_is_transient(EHOSTDOWN));
	ck_assert(!errno_is_transient(EINPROGRESS));
}
END_TEST

static Suite *
errors_suite(void)
{
	Suite	*s = suite_create("errors");
	TCase	*tc = tcase_create("codes");
	TCase	*te = tcase_create("errno");

	tcase_add_test(tc, test_standard_codes);
	tcase_add_test(tc, test_app_codes);
	tcase_add_test(tc, test_kinds);
	tcase_add_test(tc, test_table_complete);
	tcase_add_test(tc, test_unknown_code);
	suite_add_tcase(s, tc);
	tcase_add_test(te, test_errno_names);
	tcase_add_test(te, test_errno_aliases);
	tcase_add_test(te, test_errno_every_value_named);
	tcase_add_test(te, test_errno_unknown);
	tcase_add_test(te, test_transient);
	suite_add_tcase(s, te);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(errors_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
