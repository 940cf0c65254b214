/* test_paths.c: unit tests for control socket path resolution. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/stat.h>
#include <sys/types.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"

#define NOBODY	65534

static char out[256];
static const char *why;
static int started_as_root;

static void
setup(void)
{
	unsetenv("SOCK6D_SOCKET");
	unsetenv("XDG_RUNTIME_DIR");
	memset(out, 'x', sizeof(out));
	why = NULL;
}

static void
teardown(void)
{
	unsetenv("SOCK6D_SOCKET");
	unsetenv("XDG_RUNTIME_DIR");
}

/* The non-root rules: when run as root, act as nobody for the test. */
static void
setup_user(void)
{
	setup();
	if (geteuid() == 0)
		ck_assert_int_eq(seteuid(NOBODY), 0);
}

static void
teardown_user(void)
{
	if (started_as_root)
		ck_assert_int_eq(seteuid(0), 0);
	teardown();
}

/* A path of n bytes: "/" then 'a's. */
static void
long_path(char *p, size_t n)
{
	memset(p, 'a', n);
	p[0] = '/';
	p[n] = '\0';
}

START_TEST(test_explicit_wins)
{
	setenv("SOCK6D_SOCKET", "/env/s.sock", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	ck_assert_int_eq(s6_socket_path("/x/y.sock", out, sizeof(out), &why),
	    0);
	ck_assert_str_eq(out, "/x/y.sock");
	ck_assert_ptr_null(why);
}
END_TEST

START_TEST(test_explicit_empty)
{
	ck_assert_int_eq(s6_socket_path("", out, sizeof(out), &why), -1);
	ck_assert_str_eq(why, "socket path is empty");
}
END_TEST

START_TEST(test_env_socket)
{
	setenv("SOCK6D_SOCKET", "/env/s.sock", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	ck_assert_int_eq(s6_socket_path(NULL, out, sizeof(out), &why), 0);
	ck_assert_str_eq(out, "/env/s.sock");
}
END_TEST

START_TEST(test_length_limit)
{
	char	 p[200];

	long_path(p, 107);
	ck_assert_int_eq(s6_socket_path(p, out, sizeof(out), &why), 0);
	ck_assert_str_eq(out, p);
	long_path(p, 108);
	ck_assert_int_eq(s6_socket_path(p, out, sizeof(out), &why), -1);
	ck_assert_str_eq(why, "socket path longer than 107 bytes");
	ck_assert_str_eq(out, "");
	long_path(p, 150);
	setenv("SOCK6D_SOCKET", p, 1);
	why = NULL;
	ck_assert_int_eq(s6_socket_path(NULL, out, sizeof(out), &why), -1);
	ck_assert_str_eq(why, "socket path longer than 107 bytes");
}
END_TEST

START_TEST(test_small_output)
{
	ck_assert_int_eq(s6_socket_path("/a/b/c", out, 6, &why), -1);
	ck_assert_str_eq(why, "socket path buffer too small");
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(s6_socket_path("/a/b/c", out, 7, &why), 0);
	ck_assert_str_eq(out, "/a/b/c");
}
END_TEST

START_TEST(test_root_default)
{
	setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
	setenv("SOCK6D_SOCKET", "", 1);
	ck_assert_int_eq(s6_socket_path(NULL, out, sizeof(out), &why), 0);
	ck_assert_str_eq(out, "/run/sock6d/sock6d.sock");
}
END_TEST

START_TEST(test_user_xdg)
{
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	ck_assert_int_eq(s6_socket_path(NULL, out, sizeof(out), &why), 0);
	ck_assert_str_eq(out, "/run/user/1000/sock6d.sock");
}
END_TEST

START_TEST(test_user_empty_env_ignored)
{
	setenv("SOCK6D_SOCKET", "", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	ck_assert_int_eq(s6_socket_path(NULL, out, sizeof(out), &why), 0);
	ck_assert_str_eq(out, "/run/user/1000/sock6d.sock");
}
END_TEST

START_TEST(test_user_tmp_fallback)
{
	char	 want[64];

	snprintf(want, sizeof(want), "/tmp/sock6d-%lu/sock6d.sock",
	    (unsigned long)geteuid());
	ck_assert_int_eq(s6_socket_path(NULL, out, sizeof(out), &why), 0);
	ck_assert_str_eq(out, want);
	setenv("XDG_RUNTIME_DIR", "", 1);
	ck_assert_int_eq(s6_socket_path(NULL, out, sizeof(out), &why), 0);
	ck_assert_str_eq(out, want);
}
END_TEST

START_TEST(test_user_xdg_too_long)
{
	char	 p[200];

	/* 96 + "/sock6d.sock" (12) = 108 bytes. */
	long_path(p, 96);
	setenv("XDG_RUNTIME_DIR", p, 1);
	ck_assert_int_eq(s6_socket_path(NULL, out, sizeof(out), &why), -1);
	ck_assert_str_eq(why, "socket path longer than 107 bytes");
	long_path(p, 95);
	setenv("XDG_RUNTIME_DIR", p, 1);
	ck_assert_int_eq(s6_socket_path(NULL, out, sizeof(out), &why), 0);
	ck_assert_uint_eq(strlen(out), 107);
}
END_TEST

/* The /tmp fallback directory is trusted only when it is the user's own
 * and no one else may write to it; other paths are not its business. */
START_TEST(test_tmp_dir_trust)
{
	char		 dir[64], path[96];
	struct stat	 st;

	snprintf(dir, sizeof(dir), "/tmp/sock6d-%lu", (unsigned long)geteuid());
	snprintf(path, sizeof(path), "%s/sock6d.sock", dir);
	ck_assert_int_eq(s6_socket_dir_check("/run/sock6d/sock6d.sock", &why), 0);
	snprintf(out, sizeof(out), "%sx/sock6d.sock", dir);
	ck_assert_int_eq(s6_socket_dir_check(out, &why), 0);
	snprintf(out, sizeof(out), "%s/deeper/sock6d.sock", dir);
	ck_assert_int_eq(s6_socket_dir_check(out, &why), 0);
	if (lstat(dir, &st) == 0)
		return;	/* someone's real directory: not touched */
	ck_assert_int_eq(s6_socket_dir_check(path, &why), -1);
	ck_assert_str_eq(why, "is missing");
	ck_assert_int_eq(symlink("/tmp", dir), 0);
	ck_assert_int_eq(s6_socket_dir_check(path, &why), -1);
	ck_assert_str_eq(why, "is not a directory");
	ck_assert_int_eq(unlink(dir), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(s6_socket_dir_check(path, &why), 0);
	ck_assert_int_eq(chmod(dir, 0720), 0);
	ck_assert_int_eq(s6_socket_dir_check(path, &why), -1);
	ck_assert_str_eq(why, "may be written by other users");
	ck_assert_int_eq(chmod(dir, 0702), 0);
	ck_assert_int_eq(s6_socket_dir_check(path, &why), -1);
	if (geteuid() == 0) {
		ck_assert_int_eq(chmod(dir, 0700), 0);
		ck_assert_int_eq(chown(dir, NOBODY, NOBODY), 0);
		ck_assert_int_eq(s6_socket_dir_check(path, &why), -1);
		ck_assert_str_eq(why, "belongs to another user");
	}
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *
paths_suite(void)
{
	Suite	*s = suite_create("paths");
	TCase	*tc = tcase_create("any user");
	TCase	*tu = tcase_create("non-root");
	TCase	*tr;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_explicit_wins);
	tcase_add_test(tc, test_explicit_empty);
	tcase_add_test(tc, test_env_socket);
	tcase_add_test(tc, test_length_limit);
	tcase_add_test(tc, test_small_output);
	tcase_add_test(tc, test_tmp_dir_trust);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tu, setup_user, teardown_user);
	tcase_add_test(tu, test_user_xdg);
	tcase_add_test(tu, test_user_empty_env_ignored);
	tcase_add_test(tu, test_user_tmp_fallback);
	tcase_add_test(tu, test_user_xdg_too_long);
	suite_add_tcase(s, tu);

	/* The root default can only be seen as root. */
	if (started_as_root) {
		tr = tcase_create("root");
		tcase_add_checked_fixture(tr, setup, teardown);
		tcase_add_test(tr, test_root_default);
		suite_add_tcase(s, tr);
	}
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failures;

	started_as_root = geteuid() == 0;
	sr = srunner_create(paths_suite());
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures ? 1 : 0;
}
