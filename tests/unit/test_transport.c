/* test_transport.c: unit tests for a control connection's transport
 * (daemon/transport.c) on a socketpair: descriptors passed with the output
 * leave each with the first byte of its own message, none left behind and
 * each one's owner told once (sent, or closed unsent); and reading grows the
 * input buffer only as far as the mode's input_limit allows, saying so. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "transport.h"

static struct ev_loop		*loop;
static struct transport_hub	 hub;
static struct transport		 t;
static int			 fds[2];
static int			 inputs, done;
static size_t			 limit;

static void	on_input(void *ctx) { inputs++; }
static void	on_nothing(void *ctx) { }
static void	on_drained(void *ctx, size_t written, size_t before) { }
static size_t	on_limit(void *ctx) { return limit; }
static void	on_fd_done(void *arg) { done++; }

static const struct transport_ops ops = {
	.input = on_input, .input_end = on_nothing, .gone = on_nothing,
	.drained = on_drained, .input_limit = on_limit,
};

static void
setup(void)
{
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(transport_hub_init(&hub, loop), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    fds), 0);
	transport_init(&t, &hub, fds[0], 1 << 20, 1 << 20, &ops, NULL);
	transport_on_fd_done(&t, on_fd_done, NULL);
	inputs = done = 0;
	limit = (size_t)-1;
}

static void
teardown(void)
{
	transport_close(&t);
	transport_free(&t);
	close(fds[1]);
	transport_hub_free(&hub);
	ev_loop_destroy(loop);
}

/* Queue one message with a descriptor (a pipe's read end) on its first byte. */
static void
queue_with_fd(const char *msg)
{
	int p[2];
	char *dst;

	ck_assert_int_eq(pipe(p), 0);
	close(p[1]);
	ck_assert_int_eq(transport_pass_fd(&t, p[0]), 0);
	ck_assert_ptr_nonnull(dst = transport_reserve(&t, strlen(msg)));
	memcpy(dst, msg, strlen(msg));
	transport_commit(&t, strlen(msg));
}

static void
queue(const char *msg)
{
	char *dst;

	ck_assert_ptr_nonnull(dst = transport_reserve(&t, strlen(msg)));
	memcpy(dst, msg, strlen(msg));
	transport_commit(&t, strlen(msg));
}

/* One recvmsg on the peer: the bytes (NUL-terminated) and the number of
 * descriptors that came with them (closed). */
static int
peer_recv(char *buf, size_t size)
{
	char control[CMSG_SPACE(16 * sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = size - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
	    .msg_controllen = sizeof(control) };
	struct cmsghdr *cm;
	int n = 0, i, fd;
	ssize_t r;

	ck_assert_int_gt(r = recvmsg(fds[1], &msg, 0), 0);
	buf[r] = '\0';
	ck_assert_int_eq(msg.msg_flags & MSG_CTRUNC, 0);
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		for (i = 0; i < (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int)); i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			close(fd);
			n++;
		}
	}
	return n;
}

START_TEST(test_each_fd_on_its_message)
{
	char buf[256];

	queue_with_fd("one\n");
	queue("plain\n");
	queue_with_fd("two\n");
	queue_with_fd("three\n");
	ck_assert_int_eq(transport_flush(&t), 0);
	ck_assert_uint_eq(transport_queued(&t), 0);
	ck_assert_uint_eq(t.nfds, 0);		/* none left behind */
	ck_assert_int_eq(done, 3);
	/* A read stops after the bytes that came with descriptors. */
	ck_assert_int_eq(peer_recv(buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "one\nplain\n");
	ck_assert_int_eq(peer_recv(buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "two\n");
	ck_assert_int_eq(peer_recv(buf, sizeof(buf)), 1);
	ck_assert_str_eq(buf, "three\n");
}
END_TEST

START_TEST(test_unsent_fds_told_on_close)
{
	queue_with_fd("one\n");
	queue_with_fd("two\n");
	ck_assert_int_eq(done, 0);
	transport_close(&t);
	ck_assert_int_eq(done, 2);
	/* Passed to a closed transport: closed and told at once. */
	ck_assert_int_eq(transport_pass_fd(&t, dup(fds[1])), -1);
	ck_assert_int_eq(done, 3);
}
END_TEST

/* Run the loop until nothing more happens. */
static void
turns(int n)
{
	while (n-- > 0)
		ev_run(loop, EVRUN_NOWAIT);
}

START_TEST(test_input_limit)
{
	static char chunk[65536];
	size_t sent = 0;
	ssize_t r;

	limit = 100000;
	transport_set_reading(&t, true);
	memset(chunk, 'a', sizeof(chunk));
	/* 300,000 bytes of one line offered; the buffer stops at the limit. */
	while (sent < 300000) {
		if ((r = write(fds[1], chunk, sizeof(chunk))) > 0)
			sent += (size_t)r;
		turns(4);
		if (t.in_limited)
			break;
	}
	ck_assert(t.in_limited);
	ck_assert_uint_le(t.in.size, 100000);
	ck_assert_uint_eq(buf_len(&t.in), t.in.size);
	ck_assert_int_gt(inputs, 0);
	/* Room again: the same reads go on past the old limit. */
	limit = (size_t)-1;
	buf_consume(&t.in, buf_len(&t.in));
	turns(8);
	ck_assert(!t.in_limited);
	ck_assert_uint_gt(buf_len(&t.in), 0);
}
END_TEST

START_TEST(test_input_limit_keeps_allocation)
{
	/* A limit below what the buffer already has takes nothing back, and
	 * reading into that room goes on. */
	ck_assert_ptr_nonnull(buf_reserve(&t.in, 8192));
	ck_assert_uint_eq(t.in.size, 8192);
	buf_commit(&t.in, 8192 - 100);	/* too little room: a read wants to grow */
	limit = 1024;
	transport_set_reading(&t, true);
	ck_assert_int_eq(write(fds[1], "abc", 3), 3);
	turns(4);
	ck_assert(!t.in_limited);
	ck_assert_uint_eq(buf_len(&t.in), 8192 - 100 + 3);
	ck_assert_uint_eq(t.in.size, 8192);
	/* Full: no growth past the limit. */
	ck_assert_int_eq(write(fds[1], "0123456789abcdef0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 112), 112);
	turns(4);
	ck_assert(t.in_limited);
	ck_assert_uint_eq(buf_len(&t.in), 8192);
	ck_assert_uint_eq(t.in.size, 8192);
}
END_TEST

static Suite *
transport_suite(void)
{
	Suite *s = suite_create("transport");
	TCase *fd = tcase_create("fds");
	TCase *in = tcase_create("input");

	tcase_add_checked_fixture(fd, setup, teardown);
	tcase_add_test(fd, test_each_fd_on_its_message);
	tcase_add_test(fd, test_unsent_fds_told_on_close);
	suite_add_tcase(s, fd);
	tcase_add_checked_fixture(in, setup, teardown);
	tcase_add_test(in, test_input_limit);
	tcase_add_test(in, test_input_limit_keeps_allocation);
	suite_add_tcase(s, in);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(transport_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
