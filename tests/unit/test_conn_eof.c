/* test_conn_eof.c: unit tests for the end of a control connection: end of
 * input (a half-close keeps pending calls and answers them, a last line
 * without its newline included), hang-ups (detected at once, even after a
 * half-close, cancelling what is pending with no byte lost), scoped
 * handles, and the session defaults (daemon/conn.c). */
#include <netinet/in.h>

#include "conn_fixture.h"

/* EOF and hang-ups */

START_TEST(test_eof_closes)
{
	ck_assert_int_eq(shutdown(fds[1], SHUT_WR), 0);
	wait_closed();
	ck_assert_uint_eq(d.nconns, 0);
	peer_read();
	ck_assert(got_eof);
	ck_assert_uint_eq(gotlen, 0);
}
END_TEST

START_TEST(test_close_closes)
{
	ck_assert_int_eq(close(fds[1]), 0);
	fds[1] = -1;
	wait_closed();
	ck_assert_uint_eq(d.nconns, 0);
}
END_TEST

START_TEST(test_eof_after_request_still_answered)
{
	peer_str(PING("1") "\n");
	ck_assert_int_eq(shutdown(fds[1], SHUT_WR), 0);
	wait_eof();
	ck_assert_str_eq(got, PONG("1"));
	wait_closed();
}
END_TEST

/* Create a socket by request; its handle. */
static uint64_t
create_socket(const char *scope)
{
	char req[256];
	int64_t h;

	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"socket.create\","
	    "\"params\":{\"family\":\"inet\",\"type\":\"dgram\",\"scope\":\"%s\"}}\n", scope);
	peer_str(req);
	wait_lines(1);
	h = reply_int(got, "handle");
	ck_assert_int_ge(h, 1);
	gotlen = 0;
	got[0] = '\0';
	return (uint64_t)h;
}

/* Park a receive on handle h, with a timeout in ms (-1: the session's). */
static void
park_receive_for(uint64_t h, int timeout)
{
	char req[256], extra[32] = "";
	int i;

	if (timeout >= 0)
		snprintf(extra, sizeof(extra), ",\"timeout\":%d", timeout);
	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"socket.receive\","
	    "\"params\":{\"handle\":%llu,\"length\":16%s}}\n", (unsigned long long)h, extra);
	peer_str(req);
	for (i = 0; i < 10; i++)
		turn();
	peer_read();
	ck_assert_uint_eq(gotlen, 0);
	ck_assert_uint_eq(conn->npending, 1);
}

static void
park_receive(uint64_t h)
{
	park_receive_for(h, -1);
}

/* A half-close is not a hang-up: the pending call runs to its end and is
 * answered, then the connection closes. */
START_TEST(test_half_close_keeps_pending)
{
	uint64_t h = create_socket("daemon");
	struct sock *s;
	int i;

	park_receive_for(h, 50);
	ck_assert_ptr_nonnull(s = handle_lookup(&d.handles, h));
	ck_assert_int_eq(shutdown(fds[1], SHUT_WR), 0);
	for (i = 0; i < 3; i++)
		turn();
	ck_assert_uint_eq(d.nconns, 1);
	ck_assert(!TAILQ_EMPTY(&s->readers));
	wait_eof();	/* the timeout's reply, then the close */
	ck_assert_ptr_nonnull(strstr(got, "\"id\":2,\"error\":{\"code\":1002"));
	ck_assert_uint_eq(lines(), 1);
	wait_closed();
	ck_assert_ptr_eq(handle_lookup(&d.handles, h), s);
	ck_assert(TAILQ_EMPTY(&s->readers));
}
END_TEST

/* A full close after the half-close cancels what is still pending, at
 * once: the hang-up set reports it without any read event. */
START_TEST(test_half_close_then_close_cancels)
{
	uint64_t h = create_socket("daemon");
	struct sock *s;
	int i;

	park_receive(h);
	ck_assert_ptr_nonnull(s = handle_lookup(&d.handles, h));
	ck_assert_int_eq(shutdown(fds[1], SHUT_WR), 0);
	for (i = 0; i < 3; i++)
		turn();
	ck_assert(conn->t.input_ended);
	ck_assert(!conn->t.reading);
	ck_assert_uint_eq(conn->npending, 1);
	ck_assert_int_eq(close(fds[1]), 0);
	fds[1] = -1;
	wait_closed();
	ck_assert_ptr_eq(handle_lookup(&d.handles, h), s);
	ck_assert(TAILQ_EMPTY(&s->readers));
	ck_assert(!ev_is_active(&s->rio));
	ck_assert_uint_eq(d.stats.errors, 0);
}
END_TEST

/* A hang-up with a call pending cancels it: nothing is written, the
 * socket stays. */
START_TEST(test_close_cancels_pending)
{
	uint64_t h = create_socket("daemon");
	struct sock *s;

	park_receive(h);
	ck_assert_ptr_nonnull(s = handle_lookup(&d.handles, h));
	ck_assert_int_eq(close(fds[1]), 0);
	fds[1] = -1;
	wait_closed();
	ck_assert_ptr_eq(handle_lookup(&d.handles, h), s);
	ck_assert(TAILQ_EMPTY(&s->readers));
	ck_assert(!ev_is_active(&s->rio));
	ck_assert_uint_eq(d.stats.errors, 0);
}
END_TEST

/* The last request of a client that half-closes needs no newline. */
START_TEST(test_half_close_answers_last_line)
{
	peer_str(PING("1") "\n" PING("2"));
	ck_assert_int_eq(shutdown(fds[1], SHUT_WR), 0);
	wait_eof();
	ck_assert_str_eq(got, PONG("1") PONG("2"));
	wait_closed();
}
END_TEST

START_TEST(test_close_cancels_pending_scoped)
{
	uint64_t h = create_socket("connection");

	park_receive(h);
	ck_assert_ptr_nonnull(handle_lookup(&d.handles, h));
	ck_assert_int_eq(close(fds[1]), 0);
	fds[1] = -1;
	wait_closed();
	/* A connection-scoped handle closes with its connection. */
	ck_assert_ptr_null(handle_lookup(&d.handles, h));
	ck_assert_uint_eq(handle_count(&d.handles), 0);
}
END_TEST

START_TEST(test_peer_gone_open)
{
	ck_assert(!conn_peer_gone(conn));
	/* Unread requests are not a hang-up. */
	peer_str(PING("1") "\n");
	ck_assert(!conn_peer_gone(conn));
}
END_TEST

START_TEST(test_peer_gone_shutdown_wr)
{
	/* A half-close is not a hang-up. */
	ck_assert_int_eq(shutdown(fds[1], SHUT_WR), 0);
	ck_assert(!conn_peer_gone(conn));
}
END_TEST

/* A hang-up is seen by the transport's hub at the start of the next turn,
 * before any other callback: no poll of the control fd per attempt. */
START_TEST(test_peer_gone_shutdown_rdwr)
{
	ck_assert_int_eq(shutdown(fds[1], SHUT_RDWR), 0);
	turn();
	ck_assert_uint_eq(d.nconns, 0);
}
END_TEST

START_TEST(test_peer_gone_closed)
{
	ck_assert_int_eq(close(fds[1]), 0);
	fds[1] = -1;
	turn();
	ck_assert_uint_eq(d.nconns, 0);
}
END_TEST

/* A client that hangs up in the turn its socket becomes readable loses
 * nothing: the hub closes it (cancelling its receive) before the socket's
 * callback could read for it, so the datagram stays in the kernel. */
START_TEST(test_hangup_before_socket_read)
{
	uint64_t h = create_socket("daemon");
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct sock *s;
	char req[256], b[8];
	int u;

	snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"socket.bind\","
	    "\"params\":{\"handle\":%llu,\"address\":\"127.0.0.1:0\"}}\n", (unsigned long long)h);
	peer_str(req);
	wait_lines(1);
	gotlen = 0;
	got[0] = '\0';
	park_receive(h);
	ck_assert_ptr_nonnull(s = handle_lookup(&d.handles, h));
	ck_assert_int_eq(getsockname(s->fd, (struct sockaddr *)&sin, &slen), 0);
	ck_assert_int_ge(u = socket(AF_INET, SOCK_DGRAM, 0), 0);
	ck_assert_int_eq(close(fds[1]), 0);
	fds[1] = -1;
	ck_assert_int_eq(sendto(u, "x", 1, 0, (struct sockaddr *)&sin, slen), 1);
	close(u);
	turn();
	ck_assert_uint_eq(d.nconns, 0);
	ck_assert(TAILQ_EMPTY(&s->readers));
	ck_assert_uint_eq(s->held_bytes, 0);
	ck_assert_int_eq(recv(s->fd, b, sizeof(b), MSG_PEEK | MSG_DONTWAIT), 1);
}
END_TEST

/* Session defaults */

START_TEST(test_session_default)
{
	struct session s;

	memset(&s, 0xa5, sizeof(s));
	session_default(&s);
	ck_assert_int_eq(s.connect_timeout, -1);
	ck_assert_int_eq(s.accept_timeout, -1);
	ck_assert_int_eq(s.receive_timeout, 60000);
	ck_assert_int_eq(s.send_timeout, 60000);
	ck_assert_int_eq(s.send_size, 16384);
	ck_assert(!s.bind_ipv6_only);
	ck_assert_int_eq(conn->session.connect_timeout, -1);
	ck_assert_int_eq(conn->session.accept_timeout, -1);
	ck_assert_int_eq(conn->session.receive_timeout, 60000);
	ck_assert_int_eq(conn->session.send_timeout, 60000);
	ck_assert_int_eq(conn->session.send_size, 16384);
	ck_assert(!conn->session.bind_ipv6_only);
}
END_TEST

START_TEST(test_session_get_on_the_wire)
{
	json_object *r, *w, *res = NULL;

	peer_str("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"session.get\"}\n");
	wait_lines(1);
	ck_assert_ptr_nonnull(r = json_tokener_parse(got));
	ck_assert(json_object_object_get_ex(r, "result", &res));
	w = json_tokener_parse("{\"connect_timeout\":null,\"accept_timeout\":null,"
	    "\"receive_timeout\":60000,\"send_timeout\":60000,\"send_size\":16384,"
	    "\"bind_ipv6_only\":false}");
	ck_assert_msg(json_object_equal(res, w), "session.get: %s", got);
	json_object_put(w);
	json_object_put(r);
}
END_TEST

static Suite *
conn_suite(void)
{
	Suite	*s = suite_create("conn_eof");
	TCase	*eof = tcase_create("eof");
	TCase	*sess = tcase_create("session");

	tcase_add_checked_fixture(eof, setup, teardown);
	tcase_add_test(eof, test_eof_closes);
	tcase_add_test(eof, test_close_closes);
	tcase_add_test(eof, test_eof_after_request_still_answered);
	tcase_add_test(eof, test_half_close_keeps_pending);
	tcase_add_test(eof, test_half_close_then_close_cancels);
	tcase_add_test(eof, test_close_cancels_pending);
	tcase_add_test(eof, test_half_close_answers_last_line);
	tcase_add_test(eof, test_close_cancels_pending_scoped);
	tcase_add_test(eof, test_peer_gone_open);
	tcase_add_test(eof, test_peer_gone_shutdown_wr);
	tcase_add_test(eof, test_peer_gone_shutdown_rdwr);
	tcase_add_test(eof, test_peer_gone_closed);
	tcase_add_test(eof, test_hangup_before_socket_read);
	suite_add_tcase(s, eof);

	tcase_add_checked_fixture(sess, setup, teardown);
	tcase_add_test(sess, test_session_default);
	tcase_add_test(sess, test_session_get_on_the_wire);
	suite_add_tcase(s, sess);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(conn_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
