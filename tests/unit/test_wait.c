/* test_wait.c: unit tests for operations that wait inside the loop for
 * their socket: attempting before parking, answering on readiness, the
 * timer's last attempt before a timeout, FIFO order, progress restarting
 * the timer, failing and cancelling waiters, and the pending limit
 * (daemon/wait.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "conn.h"
#include "error.h"
#include "errors.h"
#include "jv.h"
#include "limit.h"
#include "rpc.h"
#include "sock.h"
#include "sock6d.h"
#include "wait.h"

/* The op under test: read `want` bytes from the socket, in as many
 * attempts as it takes, and answer {"tag":T,"got":"..."}. */
struct tw {
	struct waiter	 w;
	int		 tag;
	size_t		 want, got;
	char		 buf[64];
};

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static struct conn	*conn;
static int		 cp[2] = { -1, -1 };	/* cp[0]: the connection, cp[1]: its client */
static int		 sp[2] = { -1, -1 };	/* sp[0]: the socket waited on, sp[1]: its peer */
static struct sock	*s;
static struct jv_doc	 ids;			/* the calls' ids: 1..8 */
static char		 out[4096];
static int		 nattempts, ndestroyed, nexpired;

static enum attempt
tw_attempt(struct waiter *w)
{
	struct tw *t = (struct tw *)w;
	struct s6err e;
	json_object *r;
	ssize_t n;

	nattempts++;
	n = read(w->sock->fd, t->buf + t->got, t->want - t->got);
	if (n == -1 && errno == EAGAIN)
		return ATTEMPT_AGAIN;
	if (n <= 0) {
		err_set(&e, S6_NET, "read failed");
		return waiter_error(w, &e);
	}
	t->got += (size_t)n;
	if (t->got < t->want)
		return ATTEMPT_PROGRESS;
	r = json_object_new_object();
	json_object_object_add(r, "tag", json_object_new_int(t->tag));
	json_object_object_add(r, "got", json_object_new_string_len(t->buf, (int)t->got));
	return waiter_done(w, r);
}

static void
tw_expired(struct waiter *w)
{
	json_object *r = json_object_new_object();

	nexpired++;
	json_object_object_add(r, "expired", json_object_new_boolean(1));
	waiter_done(w, r);
}

static void
tw_destroy(struct waiter *w)
{
	ndestroyed++;
	json_object_put(w->result);
	free(w);
}

static const struct waiter_ops read_ops = {
	.attempt = tw_attempt, .destroy = tw_destroy, .consumes = true,
};

static const struct waiter_ops expiring_ops = {
	.attempt = tw_attempt, .expired = tw_expired, .destroy = tw_destroy, .consumes = true,
};

static void
setup(void)
{
	struct s6err e;

	limits_default(&lim);
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, &lim), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    cp), 0);
	ck_assert_ptr_nonnull(conn = conn_new(&d, cp[0], getuid(), getgid(), getpid()));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sp), 0);
	ck_assert_ptr_nonnull(s = sock_wrap_fd(&d, sp[0], AF_UNIX, SOCK_STREAM, 0, getuid(),
	    &e));
	ck_assert_int_eq(jv_parse("[1,2,3,4,5,6,7,8]", 17, 32, &ids), JV_OK);
	nattempts = ndestroyed = nexpired = 0;
}

static void
teardown(void)
{
	sock6d_shutdown(&d);	/* closes the connection (cp[0]) and s (sp[0]) */
	if (cp[1] != -1)
		close(cp[1]);
	close(sp[1]);
	cp[1] = sp[1] = -1;
	jv_free(&ids);
	ev_loop_destroy(loop);
}

/* Start an op reading `want` bytes from sock as call number `id`; a call
 * answered at once is freed here, as the dispatcher would. */
static struct tw *
start_on(struct sock *sock, const struct waiter_ops *ops, int id, size_t want,
    int64_t timeout_ms, int events, enum call_state expect)
{
	struct call *c = calloc(1, sizeof(*c));
	struct tw *t = calloc(1, sizeof(*t));
	const struct answer *a;

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(t);
	c->d = &d;
	c->conn = conn;
	c->id = &ids.root->u.kids[id - 1];
	t->tag = id;
	t->want = want;
	waiter_init(&t->w, ops, c, sock, events, timeout_ms);
	a = waiter_start(&t->w);
	ck_assert_int_eq(answer_is_pending(a), expect == CALL_PENDING);
	if (!answer_is_pending(a)) {
		free(c);
		conn_flush(conn);
		return NULL;
	}
	ck_assert_int_eq(c->state, CALL_PENDING);
	return t;
}

static struct tw *
start(int id, size_t want, int64_t timeout_ms, enum call_state expect)
{
	return start_on(s, &read_ops, id, want, timeout_ms, EV_READ, expect);
}

static void
feed(const char *p)
{
	ck_assert_int_eq(write(sp[1], p, strlen(p)), (ssize_t)strlen(p));
}

/* Run the loop a turn at a time until *counter reaches n. */
static void
run_until(const int *counter, int n)
{
	int turns;

	for (turns = 0; turns < 100 && *counter < n; turns++)
		ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(*counter, n);
}

/* Everything the connection wrote to its client so far. */
static const char *
client_read(void)
{
	size_t n = 0;
	ssize_t r;

	while ((r = read(cp[1], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	return out;
}

#define GOT(id, tag, text) \
	"{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"result\":{\"tag\":" #tag ",\"got\":\"" text "\"}}\n"
#define TIMEOUT(id) \
	"{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"error\":{\"code\":1002,\"message\":" \
	"\"operation timed out\",\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\",\"timeout\"]," \
	"\"handle\":1}}}\n"

/* Attempt before parking */

START_TEST(test_ready_at_once)
{
	feed("x");
	start(1, 1, -1, CALL_DONE);
	ck_assert_int_eq(nattempts, 1);
	ck_assert_int_eq(ndestroyed, 1);
	ck_assert_uint_eq(conn->npending, 0);
	ck_assert(!ev_is_active(&s->rio));
	ck_assert(TAILQ_EMPTY(&s->readers));
	ck_assert_str_eq(client_read(), GOT(1, 1, "x"));
}
END_TEST

START_TEST(test_parked_then_answered)
{
	struct tw *t = start(1, 1, -1, CALL_PENDING);

	ck_assert_int_eq(nattempts, 1);
	ck_assert_int_eq(ndestroyed, 0);
	ck_assert_uint_eq(conn->npending, 1);
	ck_assert(t->w.parked);
	ck_assert_ptr_eq(TAILQ_FIRST(&s->readers), &t->w);
	ck_assert(ev_is_active(&s->rio));
	ck_assert(!ev_is_active(&s->wio));
	ck_assert(!ev_is_active(&t->w.timer));	/* no timeout */
	ck_assert_str_eq(client_read(), "");
	feed("y");
	run_until(&ndestroyed, 1);
	ck_assert_int_eq(nattempts, 2);
	ck_assert_uint_eq(conn->npending, 0);
	ck_assert(TAILQ_EMPTY(&s->readers));
	ck_assert(!ev_is_active(&s->rio));
	ck_assert_str_eq(client_read(), GOT(1, 1, "y"));
}
END_TEST

/* Timeouts */

/* Expiry tries once more, then reports 1002; the socket stays usable. */
START_TEST(test_timeout_reattempts)
{
	struct tw *t = start(1, 1, 1, CALL_PENDING);

	ck_assert(ev_is_active(&t->w.timer));
	run_until(&ndestroyed, 1);
	ck_assert_int_eq(nattempts, 2);
	ck_assert_uint_eq(conn->npending, 0);
	ck_assert(!ev_is_active(&s->rio));
	ck_assert(!s->closed);
	ck_assert_str_eq(client_read(), TIMEOUT(1));
	feed("z");
	start(2, 1, 1, CALL_DONE);
	ck_assert_str_eq(client_read(), GOT(2, 2, "z"));
}
END_TEST

/* Data whose readiness the loop never reported is found by the timer. */
START_TEST(test_timer_catches_missed_wakeup)
{
	start(1, 1, 1, CALL_PENDING);
	ev_io_stop(loop, &s->rio);
	feed("w");
	run_until(&ndestroyed, 1);
	ck_assert_int_eq(nattempts, 2);
	ck_assert_str_eq(client_read(), GOT(1, 1, "w"));
}
END_TEST

START_TEST(test_timeout_zero)
{
	start(1, 1, 0, CALL_DONE);
	ck_assert_int_eq(nattempts, 1);
	ck_assert_int_eq(ndestroyed, 1);
	ck_assert_uint_eq(conn->npending, 0);
	ck_assert(!ev_is_active(&s->rio));
	ck_assert_str_eq(client_read(), TIMEOUT(1));
	/* With the data there it is a plain answer. */
	feed("q");
	start(2, 1, 0, CALL_DONE);
	ck_assert_str_eq(client_read(), GOT(2, 2, "q"));
	/* Progress is not completion. */
	feed("a");
	start(3, 2, 0, CALL_DONE);
	ck_assert_str_eq(client_read(), TIMEOUT(3));
}
END_TEST

/* An op's own expired hook replaces the timeout error. */
START_TEST(test_expired_hook)
{
	start_on(s, &expiring_ops, 1, 1, 0, EV_READ, CALL_DONE);
	ck_assert_int_eq(nexpired, 1);
	ck_assert_str_eq(client_read(),
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"expired\":true}}\n");
	start_on(s, &expiring_ops, 2, 1, 1, EV_READ, CALL_PENDING);
	run_until(&ndestroyed, 2);
	ck_assert_int_eq(nexpired, 2);
	ck_assert_int_eq(nattempts, 3);
	ck_assert_str_eq(client_read(),
	    "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"expired\":true}}\n");
}
END_TEST

/* Progress */

START_TEST(test_progress_restarts_timer)
{
	struct tw *t;
	ev_tstamp left;

	ev_now_update(loop);
	t = start(1, 3, 200, CALL_PENDING);
	usleep(20000);
	feed("a");
	ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(nattempts, 2);
	ck_assert_int_eq(ndestroyed, 0);
	ck_assert_uint_eq(t->got, 1);
	/* Restarted from now: the full 200 ms again, not the 180 left. */
	ck_assert(ev_is_active(&t->w.timer));
	left = ev_timer_remaining(loop, &t->w.timer);
	ck_assert_msg(left > 0.2 - 1e-6 && left < 0.2 + 1e-6, "remaining %f", left);
	feed("bc");
	run_until(&ndestroyed, 1);
	ck_assert_str_eq(client_read(), GOT(1, 1, "abc"));
}
END_TEST

/* Progress made by the timer's last attempt is not a timeout either. */
START_TEST(test_progress_on_expiry)
{
	struct tw *t = start(1, 2, 1, CALL_PENDING);

	ev_io_stop(loop, &s->rio);
	feed("a");
	run_until(&nattempts, 2);
	ck_assert_int_eq(ndestroyed, 0);
	ck_assert_uint_eq(conn->npending, 1);
	ck_assert(ev_is_active(&t->w.timer));
	ck_assert_str_eq(client_read(), "");
	feed("b");
	run_until(&ndestroyed, 1);
	ck_assert_int_eq(nattempts, 3);
	ck_assert_str_eq(client_read(), GOT(1, 1, "ab"));
}
END_TEST

/* FIFO */

/* The second waiter is not tried ahead of the first, even with data there. */
START_TEST(test_fifo)
{
	struct tw *t1, *t2;

	t1 = start(1, 2, -1, CALL_PENDING);
	feed("ab");
	t2 = start(2, 1, -1, CALL_PENDING);
	ck_assert_int_eq(nattempts, 1);
	ck_assert_ptr_eq(TAILQ_FIRST(&s->readers), &t1->w);
	ck_assert_ptr_eq(TAILQ_NEXT(&t1->w, entry), &t2->w);
	run_until(&ndestroyed, 1);
	ck_assert_str_eq(client_read(), GOT(1, 1, "ab"));
	ck_assert_int_eq(nattempts, 3);	/* t1 done, t2 found nothing */
	ck_assert_ptr_eq(TAILQ_FIRST(&s->readers), &t2->w);
	feed("c");
	run_until(&ndestroyed, 2);
	ck_assert_str_eq(client_read(), GOT(2, 2, "c"));
}
END_TEST

/* One readiness serves every waiter it can, in order. */
START_TEST(test_fifo_one_turn)
{
	start(1, 1, -1, CALL_PENDING);
	start(2, 1, -1, CALL_PENDING);
	start(3, 1, -1, CALL_PENDING);
	feed("xy");
	run_until(&ndestroyed, 2);
	ck_assert_str_eq(client_read(), GOT(1, 1, "x") GOT(2, 2, "y"));
	ck_assert_uint_eq(conn->npending, 1);
	ck_assert(ev_is_active(&s->rio));
}
END_TEST

/* A waiter behind another times out without stealing the head's turn. */
START_TEST(test_timeout_not_head)
{
	start(1, 1, -1, CALL_PENDING);
	start(2, 1, 1, CALL_PENDING);
	run_until(&ndestroyed, 1);
	ck_assert_int_eq(nattempts, 1);
	ck_assert_str_eq(client_read(), TIMEOUT(2));
	ck_assert_uint_eq(conn->npending, 1);
	feed("h");
	run_until(&ndestroyed, 2);
	ck_assert_str_eq(client_read(), GOT(1, 1, "h"));
}
END_TEST

/* Failing and cancelling */

START_TEST(test_fail_all)
{
	struct s6err e;

	start(1, 1, -1, CALL_PENDING);
	start(2, 1, 5000, CALL_PENDING);
	start_on(s, &read_ops, 3, 1, -1, EV_WRITE, CALL_PENDING);
	ck_assert_int_eq(nattempts, 2);
	ck_assert(ev_is_active(&s->wio));
	err_set(&e, S6_NET, "gone");
	waiter_fail_all(s, &e);
	ck_assert_int_eq(ndestroyed, 3);
	ck_assert_int_eq(nattempts, 2);
	ck_assert_uint_eq(conn->npending, 0);
	ck_assert(TAILQ_EMPTY(&s->readers) && TAILQ_EMPTY(&s->writers));
	ck_assert(!ev_is_active(&s->rio) && !ev_is_active(&s->wio));
#define GONE(id) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"error\":{\"code\":1000," \
	"\"message\":\"gone\",\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"],\"handle\":1}}}\n"
	ck_assert_str_eq(client_read(), GONE(1) GONE(2) GONE(3));
#undef GONE
	/* Nothing is left to fire. */
	ev_run(loop, EVRUN_NOWAIT);
	ck_assert_int_eq(ndestroyed, 3);
}
END_TEST

/* The connection going away cancels: destroyed once, never answered. */
START_TEST(test_cancel)
{
	char c;

	start(1, 1, 1, CALL_PENDING);
	conn_close(conn);
	ck_assert_int_eq(ndestroyed, 1);
	ck_assert(TAILQ_EMPTY(&s->readers));
	ck_assert(!ev_is_active(&s->rio));
	feed("d");
	usleep(3000);
	ev_run(loop, EVRUN_NOWAIT);
	ev_run(loop, EVRUN_NOWAIT);
	ck_assert_int_eq(nattempts, 1);
	ck_assert_int_eq(ndestroyed, 1);
	ck_assert_str_eq(client_read(), "");
	ck_assert_int_eq(read(cp[1], &c, 1), 0);	/* end of file, no reply */
	ck_assert_int_eq(read(sp[0], &c, 1), 1);	/* the byte is still there */
	sock_close(s);
	ck_assert_int_eq(ndestroyed, 1);
}
END_TEST

/* A consuming op is not attempted for a client that hung up: the bytes stay. */
START_TEST(test_cancel_peer_gone)
{
	char c;

	start(1, 1, -1, CALL_PENDING);
	close(cp[1]);
	cp[1] = -1;
	feed("d");
	run_until(&ndestroyed, 1);
	ck_assert_int_eq(nattempts, 1);
	ck_assert_uint_eq(conn->npending, 0);
	ck_assert_int_eq(read(sp[0], &c, 1), 1);
	ck_assert_int_eq(c, 'd');
}
END_TEST

/* Limits */

START_TEST(test_pending_limit)
{
	struct sock *s2;
	struct s6err e;
	int fds[2];

	d.limits.pending_per_connection = 1;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    fds), 0);
	ck_assert_ptr_nonnull(s2 = sock_wrap_fd(&d, fds[0], AF_UNIX, SOCK_STREAM, 0, 0, &e));
	start(1, 1, -1, CALL_PENDING);
	start_on(s2, &read_ops, 2, 1, -1, EV_READ, CALL_DONE);
	ck_assert_int_eq(nattempts, 2);
	ck_assert_int_eq(ndestroyed, 1);
	ck_assert_uint_eq(conn->npending, 1);
	ck_assert(!ev_is_active(&s2->rio));
	ck_assert_str_eq(client_read(), "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":1012,"
	    "\"message\":\"limit pending_per_connection (1) reached\",\"data\":{\"kind\":"
	    "[\"exn\",\"sock6d\",\"limit\"],\"handle\":2,\"limit\":\"pending_per_connection\"}}}\n");
	/* What need not park is still answered at the limit. */
	ck_assert_int_eq(write(fds[1], "k", 1), 1);
	start_on(s2, &read_ops, 3, 1, -1, EV_READ, CALL_DONE);
	ck_assert_str_eq(client_read(), GOT(3, 3, "k"));
	close(fds[1]);
}
END_TEST

/* Continuing a call already parked */

static void
never_cancel(struct call *c, void *op)
{
	(void)c;
	(void)op;
	ck_abort_msg("the old cancel hook ran");
}

static struct tw *
continue_parked(int id, size_t want, int64_t timeout_ms)
{
	struct call *c = calloc(1, sizeof(*c));
	struct tw *t = calloc(1, sizeof(*t));

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(t);
	c->d = &d;
	c->conn = conn;
	c->id = &ids.root->u.kids[id - 1];
	ck_assert(answer_is_pending(call_pending(c, never_cancel, NULL)));
	t->tag = id;
	t->want = want;
	waiter_init(&t->w, &read_ops, c, s, EV_READ, timeout_ms);
	waiter_continue(&t->w);
	return t;
}

START_TEST(test_continue)
{
	struct tw *t;

	feed("n");
	continue_parked(1, 1, -1);
	ck_assert_int_eq(ndestroyed, 1);
	ck_assert_uint_eq(conn->npending, 0);
	ck_assert_str_eq(client_read(), GOT(1, 1, "n"));
	continue_parked(2, 1, 0);
	ck_assert_str_eq(client_read(), TIMEOUT(2));
	t = continue_parked(3, 1, -1);
	ck_assert_int_eq(ndestroyed, 2);
	ck_assert_uint_eq(conn->npending, 1);
	ck_assert(t->w.parked);
	ck_assert_ptr_eq(t->w.call->op, &t->w);
	ck_assert(t->w.call->cancel != never_cancel);
	feed("m");
	run_until(&ndestroyed, 3);
	ck_assert_str_eq(client_read(), GOT(3, 3, "m"));
	/* Parked this way, closing the connection cancels through the waiter. */
	continue_parked(4, 1, -1);
	conn_close(conn);
	ck_assert_int_eq(ndestroyed, 4);
}
END_TEST

static Suite *
wait_suite(void)
{
	Suite	*su = suite_create("wait");
	TCase	*park = tcase_create("park");
	TCase	*timeout = tcase_create("timeout");
	TCase	*order = tcase_create("order");
	TCase	*end = tcase_create("end");

	tcase_add_checked_fixture(park, setup, teardown);
	tcase_add_test(park, test_ready_at_once);
	tcase_add_test(park, test_parked_then_answered);
	tcase_add_test(park, test_pending_limit);
	tcase_add_test(park, test_continue);
	suite_add_tcase(su, park);

	tcase_add_checked_fixture(timeout, setup, teardown);
	tcase_add_test(timeout, test_timeout_reattempts);
	tcase_add_test(timeout, test_timer_catches_missed_wakeup);
	tcase_add_test(timeout, test_timeout_zero);
	tcase_add_test(timeout, test_expired_hook);
	tcase_add_test(timeout, test_progress_restarts_timer);
	tcase_add_test(timeout, test_progress_on_expiry);
	suite_add_tcase(su, timeout);

	tcase_add_checked_fixture(order, setup, teardown);
	tcase_add_test(order, test_fifo);
	tcase_add_test(order, test_fifo_one_turn);
	tcase_add_test(order, test_timeout_not_head);
	suite_add_tcase(su, order);

	tcase_add_checked_fixture(end, setup, teardown);
	tcase_add_test(end, test_fail_all);
	tcase_add_test(end, test_cancel);
	tcase_add_test(end, test_cancel_peer_gone);
	suite_add_tcase(su, end);
	return su;
}

int
main(void)
{
	SRunner	*sr = srunner_create(wait_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
