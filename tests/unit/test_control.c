/* test_control.c: unit tests for the control socket: path length, what is
 * already at the path (a file, a stale or a live socket), the file mode
 * whatever the umask, removal on close, and accepting clients with their
 * credentials under max_connections (daemon/control.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <signal.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>

#include "conn.h"
#include "control.h"
#include "limit.h"
#include "log.h"
#include "sock6d.h"

#define PING	"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\"}\n"
#define PONG	"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"pong\":true}}\n"
#define REFUSED	"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":1012,\"message\":" \
	"\"too many connections\",\"data\":{\"kind\":[\"exn\",\"sock6d\",\"limit\"]," \
	"\"limit\":\"max_connections\"}}}\n"
#define MAX_TURNS	20000

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static char		 dir[64];
static char		 path[256];
static char		 err[512];
static mode_t		 saved_umask;
static int		 clients[4];
static int		 queued[256];	/* connections waiting in a backlog */
static size_t		 nqueued;

static void
setup_with(const struct limits *l)
{
	size_t i;

	log_init(LOG_LVL_ERROR);
	saved_umask = umask(022);
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, l), 0);
	snprintf(dir, sizeof(dir), "/tmp/test_control.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock6d.sock", dir);
	err[0] = '\0';
	nqueued = 0;
	for (i = 0; i < sizeof(clients) / sizeof(clients[0]); i++)
		clients[i] = -1;
}

static void
setup(void)
{
	limits_default(&lim);
	setup_with(&lim);
}

static void
setup_one(void)
{
	limits_default(&lim);
	lim.max_connections = 1;
	setup_with(&lim);
}

/* Remove the temp dir and what the test left in it. */
static void
remove_dir(void)
{
	struct dirent *de;
	char p[512];
	DIR *dp;

	if ((dp = opendir(dir)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			if (rmdir(p) == -1)
				unlink(p);
		}
		closedir(dp);
	}
	rmdir(dir);
}

static void
teardown(void)
{
	size_t i;

	sock6d_shutdown(&d);
	ev_loop_destroy(loop);
	for (i = 0; i < sizeof(clients) / sizeof(clients[0]); i++)
		if (clients[i] != -1)
			close(clients[i]);
	while (nqueued > 0)
		close(queued[--nqueued]);
	remove_dir();
	umask(saved_umask);
}

static void
turn(void)
{
	ev_run(loop, EVRUN_NOWAIT);
}

static struct sockaddr_un
sun_of(const char *p)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(p), sizeof(sun.sun_path));
	memcpy(sun.sun_path, p, strlen(p));
	return sun;
}

/* A bound UNIX socket at p, listening when backlog >= 0. */
static int
bound_socket(const char *p, int backlog)
{
	struct sockaddr_un sun = sun_of(p);
	int fd;

	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (backlog >= 0)
		ck_assert_int_eq(listen(fd, backlog), 0);
	return fd;
}

/* A client connected to the control socket (blocking, with a receive timeout). */
static int
client_connect(void)
{
	struct sockaddr_un sun = sun_of(path);
	struct timeval tv = { 5, 0 };
	int fd;

	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

/* Everything the client receives until EOF (the daemon side has already run). */
static void
read_to_eof(int fd, char *buf, size_t size)
{
	size_t n = 0;
	ssize_t r;

	while ((r = read(fd, buf + n, size - 1 - n)) > 0)
		n += (size_t)r;
	ck_assert_int_eq(r, 0);
	buf[n] = '\0';
}

/* Send a ping from a client and run the loop until its answer is in. */
static void
assert_ping(int fd)
{
	char buf[256];
	size_t n = 0;
	ssize_t r;
	int turns = 0;

	ck_assert_int_eq(write(fd, PING, strlen(PING)), (ssize_t)strlen(PING));
	while (n == 0 || buf[n - 1] != '\n') {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
		r = recv(fd, buf + n, sizeof(buf) - 1 - n, MSG_DONTWAIT);
		if (r > 0)
			n += (size_t)r;
		else
			ck_assert_int_eq(errno, EAGAIN);
	}
	buf[n] = '\0';
	ck_assert_str_eq(buf, PONG);
}

static void
assert_mode(mode_t mode, mode_t mask)
{
	struct stat st;

	umask(mask);
	ck_assert_int_eq(control_open(&d, path, mode, err, sizeof(err)), 0);
	ck_assert_uint_eq(umask(022), mask);	/* put back as it was */
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, mode);
	ck_assert_int_ge(d.listen_fd, 0);
	ck_assert_str_eq(d.socket_path, path);
	ck_assert(ev_is_active(&d.listen_io));
}

/* The file mode */

START_TEST(test_mode_0660)
{
	assert_mode(0660, 022);
}
END_TEST

START_TEST(test_mode_0600)
{
	assert_mode(0600, 0);
}
END_TEST

START_TEST(test_mode_0666)
{
	assert_mode(0666, 077);
}
END_TEST

/* The path */

/* dir/ and 'a's up to exactly len bytes. */
static void
path_of_length(size_t len)
{
	size_t n = (size_t)snprintf(path, sizeof(path), "%s/", dir);

	ck_assert_uint_lt(len, sizeof(path));
	memset(path + n, 'a', len - n);
	path[len] = '\0';
}

START_TEST(test_path_too_long)
{
	char want[512];
	struct stat st;

	path_of_length(108);
	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "control socket path longer than 107 bytes: %s", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(lstat(path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	path[107] = '\0';	/* nor one cut to fit */
	ck_assert_int_eq(lstat(path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(d.listen_fd, -1);
}
END_TEST

START_TEST(test_path_longest)
{
	struct stat st;

	path_of_length(107);
	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	clients[0] = client_connect();
	turn();
	ck_assert_uint_eq(d.nconns, 1);
}
END_TEST

START_TEST(test_path_no_directory)
{
	char want[512];

	snprintf(path, sizeof(path), "%s/nodir/sock6d.sock", dir);
	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "bind %s: No such file or directory", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(d.listen_fd, -1);
}
END_TEST

/* What is at the path already */

START_TEST(test_regular_file)
{
	char want[512], buf[16];
	struct stat st;
	int fd;

	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), 0);
	ck_assert_int_eq(write(fd, "keep\n", 5), 5);
	close(fd);
	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s exists and is not a socket", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_ge(fd = open(path, O_RDONLY | O_CLOEXEC), 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 5);
	ck_assert_int_eq(memcmp(buf, "keep\n", 5), 0);
	close(fd);
	ck_assert_int_eq(d.listen_fd, -1);
}
END_TEST

START_TEST(test_directory)
{
	char want[512];
	struct stat st;

	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s exists and is not a socket", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
}
END_TEST

START_TEST(test_stale_socket)
{
	struct stat st;

	close(bound_socket(path, -1));
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(control_open(&d, path, 0600, err, sizeof(err)), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
	/* The new socket is the one answering there. */
	clients[0] = client_connect();
	turn();
	ck_assert_uint_eq(d.nconns, 1);
	assert_ping(clients[0]);
}
END_TEST

START_TEST(test_live_listener)
{
	struct stat before, after;
	char want[512];
	int fd;

	clients[1] = bound_socket(path, 4);
	ck_assert_int_eq(lstat(path, &before), 0);
	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: another sock6d is running there", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(lstat(path, &after), 0);
	ck_assert(S_ISSOCK(after.st_mode));
	ck_assert_uint_eq(after.st_ino, before.st_ino);
	ck_assert_uint_eq(after.st_mode, before.st_mode);
	ck_assert_int_eq(d.listen_fd, -1);
	/* The other listener still gets its connections. */
	clients[0] = client_connect();
	ck_assert_int_ge(fd = accept4(clients[1], NULL, NULL, SOCK_CLOEXEC), 0);
	close(fd);
}
END_TEST

static void
on_alarm(int sig)
{
	(void)sig;
}

/* A live daemon too busy to accept: its backlog is full.  A blocking probe
 * would wait for it; the timer below breaks such a wait (EINTR) so that
 * the test ends either way. */
START_TEST(test_live_listener_backlog_full)
{
	struct itimerval it = { { 0, 0 }, { 0, 300000 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sockaddr_un sun = sun_of(path);
	struct sigaction sa, old;
	struct stat before, after;
	char want[512];
	int fd, rc;

	clients[1] = bound_socket(path, 0);
	for (;;) {
		ck_assert_uint_lt(nqueued, sizeof(queued) / sizeof(queued[0]));
		ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0), 0);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
			ck_assert_int_eq(errno, EAGAIN);
			close(fd);
			break;
		}
		queued[nqueued++] = fd;
	}
	ck_assert_int_eq(lstat(path, &before), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART */
	ck_assert_int_eq(sigaction(SIGALRM, &sa, &old), 0);
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	rc = control_open(&d, path, 0660, err, sizeof(err));
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	ck_assert_int_eq(lstat(path, &after), 0);
	if (rc == 0) {
		/* A failure skips the teardown: leave nothing behind. */
		control_close(&d);
		remove_dir();
	}
	ck_assert_msg(rc == -1, "control_open took over a live daemon's socket (rc %d, "
	    "inode %s)", rc, after.st_ino == before.st_ino ? "same" : "replaced");
	snprintf(want, sizeof(want), "%s: another sock6d is running there", path);
	ck_assert_str_eq(err, want);
	ck_assert_uint_eq(after.st_ino, before.st_ino);
	ck_assert_int_eq(d.listen_fd, -1);
}
END_TEST

/* Closing */

START_TEST(test_close_removes)
{
	struct stat st;

	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), 0);
	control_close(&d);
	ck_assert_int_eq(lstat(path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(d.listen_fd, -1);
	ck_assert(!ev_is_active(&d.listen_io));
	control_close(&d);	/* twice is harmless */
	ck_assert_int_eq(d.listen_fd, -1);
	/* It can be opened again at the same path. */
	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
}
END_TEST

START_TEST(test_close_leaves_other_file)
{
	struct stat st;
	int fd;

	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), 0);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), 0);
	close(fd);
	control_close(&d);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
}
END_TEST

/* Accepting */

START_TEST(test_accept_credentials)
{
	struct conn *c;

	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), 0);
	clients[0] = client_connect();
	turn();
	ck_assert_uint_eq(d.nconns, 1);
	ck_assert_ptr_nonnull(c = TAILQ_FIRST(&d.conns));
	ck_assert_uint_eq(c->uid, getuid());
	ck_assert_uint_eq(c->gid, getgid());
	ck_assert_int_eq(c->pid, getpid());
	ck_assert(c->t.reading);
	ck_assert_int_eq(fcntl(c->t.fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	ck_assert_int_eq(fcntl(c->t.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_ping(clients[0]);
}
END_TEST

START_TEST(test_accept_several)
{
	int turns = 0;

	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), 0);
	clients[0] = client_connect();
	clients[1] = client_connect();
	clients[2] = client_connect();
	while (d.nconns < 3) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
	ck_assert_uint_eq(d.nconns, 3);
	assert_ping(clients[2]);
	assert_ping(clients[0]);
	ck_assert_int_eq(close(clients[1]), 0);
	clients[1] = -1;
	for (turns = 0; d.nconns > 2; turns++) {
		ck_assert_int_lt(turns, MAX_TURNS);
		turn();
	}
	ck_assert_uint_eq(d.nconns, 2);
}
END_TEST

START_TEST(test_max_connections)
{
	char buf[1024];
	ssize_t r;
	int turns = 0;

	ck_assert_int_eq(control_open(&d, path, 0660, err, sizeof(err)), 0);
	clients[0] = client_connect();
	turn();
	ck_assert_uint_eq(d.nconns, 1);
	clients[1] = client_connect();
	turn();
	/* The second gets one error line, then EOF; the first is still served. */
	read_to_eof(clients[1], buf, sizeof(buf));
	ck_assert_str_eq(buf, REFUSED);
	ck_assert_uint_eq(d.nconns, 1);
	assert_ping(clients[0]);
	/* Once the first has gone, a new client is taken. */
	ck_assert_int_eq(close(clients[0]), 0);
	clients[0] = -1;
	while (d.nconns > 0) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
	clients[2] = client_connect();
	turn();
	ck_assert_uint_eq(d.nconns, 1);
	r = recv(clients[2], buf, sizeof(buf), MSG_DONTWAIT);
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(errno, EAGAIN);
	assert_ping(clients[2]);
}
END_TEST

static Suite *
control_suite(void)
{
	Suite	*s = suite_create("control");
	TCase	*mode = tcase_create("mode");
	TCase	*paths = tcase_create("path");
	TCase	*there = tcase_create("existing");
	TCase	*closing = tcase_create("close");
	TCase	*acc = tcase_create("accept");
	TCase	*limit = tcase_create("max_connections");

	tcase_add_checked_fixture(mode, setup, teardown);
	tcase_add_test(mode, test_mode_0660);
	tcase_add_test(mode, test_mode_0600);
	tcase_add_test(mode, test_mode_0666);
	suite_add_tcase(s, mode);

	tcase_add_checked_fixture(paths, setup, teardown);
	tcase_add_test(paths, test_path_too_long);
	tcase_add_test(paths, test_path_longest);
	tcase_add_test(paths, test_path_no_directory);
	suite_add_tcase(s, paths);

	tcase_add_checked_fixture(there, setup, teardown);
	tcase_add_test(there, test_regular_file);
	tcase_add_test(there, test_directory);
	tcase_add_test(there, test_stale_socket);
	tcase_add_test(there, test_live_listener);
	tcase_add_test(there, test_live_listener_backlog_full);
	suite_add_tcase(s, there);

	tcase_add_checked_fixture(closing, setup, teardown);
	tcase_add_test(closing, test_close_removes);
	tcase_add_test(closing, test_close_leaves_other_file);
	suite_add_tcase(s, closing);

	tcase_add_checked_fixture(acc, setup, teardown);
	tcase_add_test(acc, test_accept_credentials);
	tcase_add_test(acc, test_accept_several);
	suite_add_tcase(s, acc);

	tcase_add_checked_fixture(limit, setup_one, teardown);
	tcase_add_test(limit, test_max_connections);
	suite_add_tcase(s, limit);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(control_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
