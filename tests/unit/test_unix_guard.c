/* test_unix_guard.c: unit tests for the UNIX sockets no client may reach
 * through the daemon (daemon/unix-guard.c): root passes untouched; another
 * client's path goes through /proc/self/fd/N; NOTIFY_SOCKET refused by
 * path, by symlink, by abstract name, and once made anew at its path after
 * start; a missing path is the open's errno; unix_guard_connect connects
 * through the check and refuses without connecting.  As root, also a
 * socket made anew that the client reaches by a hard link while the
 * guarded path's directory is closed to it (the path is looked up again
 * as the daemon when the client may not search it). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "creds.h"
#include "errors.h"
#include "unix-guard.h"

#define CLIENT_UID	1234

static char	dir[64];
static char	notify_path[128];
static int	notify_fd = -1;

static struct s6_sockaddr
addr_of(const char *path)
{
	struct s6_sockaddr a;
	struct sockaddr_un *sun = (struct sockaddr_un *)&a.ss;

	memset(&a, 0, sizeof(a));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
	a.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
	if (path[0] == '@') {		/* abstract: no NUL at the end */
		sun->sun_path[0] = '\0';
		a.len--;
	}
	return a;
}

/* A socket bound at path (mode 0777), listening when type is a stream. */
static int
bound(const char *path, int type)
{
	struct s6_sockaddr a = addr_of(path);
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a.ss, a.len), 0);
	ck_assert_int_eq(chmod(path, 0777), 0);
	if (type == SOCK_STREAM)
		ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sock6d-guard-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
	snprintf(notify_path, sizeof(notify_path), "%s/notify", dir);
	notify_fd = bound(notify_path, SOCK_DGRAM);
}

static void
teardown(void)
{
	char cmd[128];

	if (notify_fd != -1)
		close(notify_fd);
	notify_fd = -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	unsetenv("NOTIFY_SOCKET");
}

static void
guard_with_notify(struct unix_guard *g, const char *notify)
{
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", notify, 1), 0);
	unix_guard_init(g);
}

/* check as CLIENT_UID: the result, with use and fd checked for a pass. */
static int
check(const struct unix_guard *g, const char *path, struct s6err *e)
{
	struct s6_sockaddr a = addr_of(path), use;
	int fd, rc;

	err_clear(e);
	rc = unix_guard_check(g, CLIENT_UID, &a, &use, &fd, e);
	if (rc == 0 && path[0] == '/') {
		char via[64];

		ck_assert_int_ge(fd, 0);
		snprintf(via, sizeof(via), "/proc/self/fd/%d", fd);
		ck_assert_str_eq(((struct sockaddr_un *)&use.ss)->sun_path, via);
		close(fd);
	} else {
		ck_assert_int_eq(fd, -1);
	}
	return rc;
}

static void
assert_refused(const struct unix_guard *g, const char *path)
{
	struct s6err e;

	ck_assert_int_eq(check(g, path, &e), -2);
	ck_assert_int_eq(e.code, S6_PERMISSION);
	ck_assert_int_eq(e.errnum, EPERM);
}

START_TEST(root_passes_untouched)
{
	struct unix_guard g;
	struct s6_sockaddr a = addr_of(notify_path), use;
	struct s6err e;
	int fd;

	guard_with_notify(&g, notify_path);
	ck_assert_int_eq(unix_guard_check(&g, 0, &a, &use, &fd, &e), 0);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(memcmp(&use, &a, sizeof(a)), 0);
}
END_TEST

START_TEST(notify_refused_by_path_and_symlink)
{
	struct unix_guard g;
	char link[160], other[160];
	struct s6err e;
	int fd;

	guard_with_notify(&g, notify_path);
	assert_refused(&g, notify_path);
	snprintf(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(symlink(notify_path, link), 0);
	assert_refused(&g, link);
	/* any other socket passes, through its descriptor */
	snprintf(other, sizeof(other), "%s/other", dir);
	fd = bound(other, SOCK_DGRAM);
	ck_assert_int_eq(check(&g, other, &e), 0);
	close(fd);
}
END_TEST

START_TEST(notify_made_anew_is_refused)
{
	struct unix_guard g;
	struct stat before, after;

	char fresh[160];
	int old;

	guard_with_notify(&g, notify_path);
	ck_assert_int_eq(stat(notify_path, &before), 0);
	/* made beside it and renamed over it while the old one is still
	 * bound, so that it cannot get the old inode number */
	snprintf(fresh, sizeof(fresh), "%s/fresh", dir);
	old = notify_fd;
	notify_fd = bound(fresh, SOCK_DGRAM);
	ck_assert_int_eq(rename(fresh, notify_path), 0);
	close(old);
	ck_assert_int_eq(stat(notify_path, &after), 0);
	ck_assert(before.st_ino != after.st_ino);
	assert_refused(&g, notify_path);
}
END_TEST

START_TEST(abstract_notify_refused_by_name)
{
	struct unix_guard g;
	struct s6err e;
	char name[64];

	snprintf(name, sizeof(name), "@sock6d-guard-%d", (int)getpid());
	guard_with_notify(&g, name);
	assert_refused(&g, name);
	name[1] = 'S';
	ck_assert_int_eq(check(&g, name, &e), 0);
}
END_TEST

START_TEST(missing_path_is_the_open_errno)
{
	struct unix_guard g;
	char missing[160];
	struct s6err e;

	guard_with_notify(&g, notify_path);
	snprintf(missing, sizeof(missing), "%s/none", dir);
	errno = 0;
	ck_assert_int_eq(check(&g, missing, &e), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* A path through one of the daemon's own descriptors (a magic link) is
 * never followed: it would skip the search rights on the way to what the
 * descriptor names. */
START_TEST(magic_links_not_followed)
{
	struct unix_guard g;
	char path[160], via[64], link[180];
	struct s6err e;
	int l, held;

	guard_with_notify(&g, notify_path);
	snprintf(path, sizeof(path), "%s/held.sock", dir);
	l = bound(path, SOCK_STREAM);
	ck_assert_int_ge(held = open(path, O_PATH | O_CLOEXEC), 0);
	snprintf(via, sizeof(via), "/proc/self/fd/%d", held);
	errno = 0;
	ck_assert_int_eq(check(&g, via, &e), -1);
	ck_assert_int_eq(errno, ELOOP);
	snprintf(link, sizeof(link), "%s/to-magic", dir);
	ck_assert_int_eq(symlink(via, link), 0);
	errno = 0;
	ck_assert_int_eq(check(&g, link, &e), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(check(&g, path, &e), 0);	/* the path itself: as ever */
	unlink(link);
	close(held);
	close(l);
}
END_TEST

START_TEST(connect_goes_through_the_guard)
{
	struct unix_guard g;
	struct s6_sockaddr a;
	char path[160];
	struct s6err e;
	int l, fd, peer;

	guard_with_notify(&g, notify_path);
	snprintf(path, sizeof(path), "%s/stream", dir);
	l = bound(path, SOCK_STREAM);
	a = addr_of(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ck_assert_int_eq(unix_guard_connect(&g, CLIENT_UID, fd, &a, &e), 0);
	ck_assert_int_ge(peer = accept4(l, NULL, NULL, SOCK_CLOEXEC), 0);
	close(peer);
	close(fd);
	/* the notify socket: refused, and no datagram can follow */
	a = addr_of(notify_path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(unix_guard_connect(&g, CLIENT_UID, fd, &a, &e), -2);
	ck_assert_int_eq(e.code, S6_PERMISSION);
	ck_assert_int_eq(send(fd, "READY=1", 7, MSG_NOSIGNAL), -1);
	close(fd);
	/* a missing path: connect(2)'s errno */
	snprintf(path, sizeof(path), "%s/none", dir);
	a = addr_of(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	errno = 0;
	ck_assert_int_eq(unix_guard_connect(&g, CLIENT_UID, fd, &a, &e), -1);
	ck_assert_int_eq(errno, ENOENT);
	close(fd);
	close(l);
}
END_TEST

/* As root: the guarded path's directory is closed to the client, which
 * reaches the socket made anew there by a hard link elsewhere. */
START_TEST(guarded_path_looked_up_as_the_daemon)
{
	static const struct creds client = { .uid = CLIENT_UID, .gid = CLIENT_UID };
	struct unix_guard g;
	char closed[96], guarded[128], fresh[128], alias[160];
	struct creds_saved saved;
	struct s6err e;
	int fd, old, rc;

	if (getuid() != 0)
		return;		/* switching to the client needs root */
	snprintf(closed, sizeof(closed), "%s/closed", dir);
	ck_assert_int_eq(mkdir(closed, 0700), 0);
	snprintf(guarded, sizeof(guarded), "%s/notify", closed);
	old = bound(guarded, SOCK_DGRAM);
	guard_with_notify(&g, guarded);
	snprintf(fresh, sizeof(fresh), "%s/fresh", closed);
	fd = bound(fresh, SOCK_DGRAM);
	ck_assert_int_eq(rename(fresh, guarded), 0);
	close(old);
	snprintf(alias, sizeof(alias), "%s/alias", dir);
	ck_assert_int_eq(link(guarded, alias), 0);
	creds_enter(&client, &saved);
	rc = check(&g, alias, &e);
	creds_leave(&saved);
	ck_assert_int_eq(rc, -2);
	ck_assert_int_eq(e.code, S6_PERMISSION);
	close(fd);
}
END_TEST

static Suite *
unix_guard_suite(void)
{
	Suite *s = suite_create("unix_guard");
	TCase *tc = tcase_create("guard");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, root_passes_untouched);
	tcase_add_test(tc, notify_refused_by_path_and_symlink);
	tcase_add_test(tc, notify_made_anew_is_refused);
	tcase_add_test(tc, abstract_notify_refused_by_name);
	tcase_add_test(tc, missing_path_is_the_open_errno);
	tcase_add_test(tc, magic_links_not_followed);
	tcase_add_test(tc, connect_goes_through_the_guard);
	tcase_add_test(tc, guarded_path_looked_up_as_the_daemon);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(unix_guard_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
