/* test_conn.c: unit tests for one control connection driven by the event
 * loop on a socketpair: framing of request lines, the per-read cap, the
 * output watermarks, the over-long line, EOF and cancelled calls, peer
 * hang-up detection and the session defaults (daemon/conn.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "conn.h"
#include "handle.h"
#include "limit.h"
#include "sock.h"
#include "sock6d.h"
#include "wait.h"

#define PING(id)	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"daemon.ping\"}"
#define PONG_OBJ(id)	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"result\":{\"pong\":true}}"
#define PONG(id)	PONG_OBJ(id) "\n"
#define MAX_TURNS	20000

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static struct conn	*conn;
static int		 fds[2] = { -1, -1 };
static char		*got;		/* what the peer has read, NUL-terminated */
static size_t		 gotlen, gotcap;
static bool		 got_eof;

/* The daemon with limits `l`, one connection on fds[0], the test on fds[1]. */
static void
setup_with(const struct limits *l)
{
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, l), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    fds), 0);
	ck_assert_ptr_nonnull(conn = conn_new(&d, fds[0], getuid(), getgid(), getpid()));
	gotcap = 1 << 16;
	ck_assert_ptr_nonnull(got = malloc(gotcap));
	got[0] = '\0';
	gotlen = 0;
	got_eof = false;
}

static void
setup(void)
{
	limits_default(&lim);
	setup_with(&lim);
}

static void
setup_cap(void)
{
	limits_default(&lim);
	lim.requests_per_read = 2;
	setup_with(&lim);
}

static void
setup_turn_bytes(void)
{
	limits_default(&lim);
	lim.output_per_turn = 1024;
	setup_with(&lim);
}

static void
setup_water(void)
{
	int size = 4096;

	limits_default(&lim);
	lim.output_high = 4096;
	lim.output_low = 1024;
	setup_with(&lim);
	/* A small socket buffer, so that replies back up into the queue. */
	ck_assert_int_eq(setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
}

/* Both: two requests a turn, and a small queue with watermarks. */
static void
setup_cap_water(void)
{
	int size = 4096;

	limits_default(&lim);
	lim.requests_per_read = 2;
	lim.output_high = 4096;
	lim.output_low = 1024;
	setup_with(&lim);
	ck_assert_int_eq(setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
}

static void
setup_small(void)
{
	limits_default(&lim);
	lim.max_message = 256;
	setup_with(&lim);
}

static void
teardown(void)
{
	sock6d_shutdown(&d);	/* closes the connection and fds[0] if still open */
	if (fds[1] != -1)
		close(fds[1]);
	fds[1] = -1;
	ev_loop_destroy(loop);
	free(got);
	got = NULL;
}

static void
turn(void)
{
	ev_run(loop, EVRUN_NOWAIT);
}

/* Write all of p to the daemon, letting the loop run when the pipe is full. */
static void
peer_write(const char *p, size_t n)
{
	ssize_t r;
	int turns = 0;

	while (n > 0) {
		r = write(fds[1], p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		ck_assert_int_eq(r, -1);
		ck_assert_int_eq(errno, EAGAIN);
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
}

static void
peer_str(const char *s)
{
	peer_write(s, strlen(s));
}

/* Append what the daemon has written so far to got; note EOF. */
static void
peer_read(void)
{
	ssize_t r;

	for (;;) {
		if (gotcap - gotlen < 4096) {
			gotcap *= 2;
			ck_assert_ptr_nonnull(got = realloc(got, gotcap));
		}
		r = read(fds[1], got + gotlen, gotcap - gotlen - 1);
		if (r > 0) {
			gotlen += (size_t)r;
			continue;
		}
		if (r == 0)
			got_eof = true;
		else
			ck_assert_int_eq(errno, EAGAIN);
		break;
	}
	got[gotlen] = '\0';
}

static size_t
lines(void)
{
	size_t i, n = 0;

	for (i = 0; i < gotlen; i++)
		n += got[i] == '\n';
	return n;
}

/* Run the loop and read until n reply lines have arrived. */
static void
wait_lines(size_t n)
{
	int turns = 0;

	for (peer_read(); lines() < n && !got_eof; peer_read()) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
	ck_assert_uint_eq(lines(), n);
}

static void
wait_eof(void)
{
	int turns = 0;

	for (peer_read(); !got_eof; peer_read()) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
}

/* Run the loop until the connection is gone and the reaper has freed it. */
static void
wait_closed(void)
{
	int turns = 0;

	while (d.nconns > 0 || d.dead_conns != NULL) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
	ck_assert(TAILQ_EMPTY(&d.conns));
	conn = NULL;
}

/* The pings with ids from..to, requests or replies. */
static char *
pings(int from, int to, bool reply)
{
	size_t size = (size_t)(to - from + 1) * 64 + 1, p = 0;
	char *b = malloc(size);
	int i;

	ck_assert_ptr_nonnull(b);
	b[0] = '\0';
	for (i = from; i <= to; i++)
		p += (size_t)snprintf(b + p, size - p, reply ? PONG("%d") : PING("%d") "\n", i);
	return b;
}

static size_t
inq(int fd)
{
	int n = -1;

	ck_assert_int_eq(ioctl(fd, FIONREAD, &n), 0);
	ck_assert_int_ge(n, 0);
	return (size_t)n;
}

/* One reply line's member, parsed; the object goes with the reply. */
static int64_t
reply_int(const char *line, const char *key)
{
	json_object *r = json_tokener_parse(line), *res = NULL, *v = NULL;
	int64_t n;

	ck_assert_msg(r != NULL, "not JSON: %s", line);
	ck_assert_msg(json_object_object_get_ex(r, "result", &res) &&
	    json_object_object_get_ex(res, key, &v), "no result.%s in %s", key, line);
	n = json_object_get_int64(v);
	json_object_put(r);
	return n;
}

/* Lines */

START_TEST(test_conn_new)
{
	ck_assert_uint_eq(d.nconns, 1);
	ck_assert_ptr_eq(TAILQ_FIRST(&d.conns), conn);
	ck_assert_uint_eq(conn->id, 1);
	ck_assert_int_eq(conn->fd, fds[0]);
	ck_assert_uint_eq(conn->uid, getuid());
	ck_assert_uint_eq(conn->gid, getgid());
	ck_assert_int_eq(conn->pid, getpid());
	ck_assert(conn->reading);
	ck_assert(!conn->throttled);
	ck_assert(!conn->closing);
	ck_assert(!conn->dead);
	ck_assert_uint_eq(conn->npending, 0);
}
END_TEST

START_TEST(test_ping_answered)
{
	peer_str(PING("1") "\n");
	wait_lines(1);
	ck_assert_str_eq(got, PONG("1"));
	ck_assert_uint_eq(d.stats.requests, 1);
	ck_assert(!got_eof);
}
END_TEST

START_TEST(test_several_in_one_write)
{
	peer_str(PING("1") "\n" PING("\"two\"") "\n{\"jsonrpc\":\"2.0\",\"method\":\"daemon.ping\"}\n"
	    PING("3") "\n");
	wait_lines(3);
	ck_assert_str_eq(got, PONG("1") PONG("\"two\"") PONG("3"));
	ck_assert_uint_eq(d.stats.requests, 4);
}
END_TEST

START_TEST(test_crlf_and_empty_lines)
{
	peer_str("\n\r\n\n" PING("1") "\r\n\r\n\n" PING("2") "\n\n");
	wait_lines(2);
	ck_assert_str_eq(got, PONG("1") PONG("2"));
	ck_assert_uint_eq(d.stats.requests, 2);
	ck_assert_uint_eq(d.stats.errors, 0);
}
END_TEST

START_TEST(test_line_split_across_writes)
{
	int i;

	peer_str("{\"jsonrpc\":\"2.0\",\"id\":7,");
	for (i = 0; i < 5; i++)
		turn();
	peer_read();
	ck_assert_uint_eq(gotlen, 0);
	ck_assert_uint_eq(d.stats.requests, 0);
	peer_str("\"method\":\"daemon.ping\"}\r");
	for (i = 0; i < 5; i++)
		turn();
	peer_read();
	ck_assert_uint_eq(gotlen, 0);
	peer_str("\n");
	wait_lines(1);
	ck_assert_str_eq(got, PONG("7"));
}
END_TEST

/* The per-read cap */

START_TEST(test_requests_per_read)
{
	char *want = pings(1, 5, true);
	size_t before;
	int turns = 0;

	peer_str(PING("1") "\n" PING("2") "\n" PING("3") "\n" PING("4") "\n" PING("5") "\n");
	turn();
	peer_read();
	ck_assert_str_eq(got, PONG("1") PONG("2"));
	ck_assert_uint_eq(d.stats.requests, 2);
	ck_assert(ev_is_active(&conn->resume));
	while (lines() < 5) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		before = lines();
		turn();
		peer_read();
		ck_assert_uint_le(lines() - before, 2);
	}
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(d.stats.requests, 5);
	free(want);
}
END_TEST

/* A batch's members share the turn: two per turn here, the array sent
 * once all five are answered. */
START_TEST(test_batch_members_per_turn)
{
	int turns = 0;

	peer_str("[" PING("1") "," PING("2") "," PING("3") "," PING("4") "," PING("5") "]\n");
	turn();
	ck_assert_uint_eq(d.stats.requests, 2);
	ck_assert_ptr_nonnull(conn->batch);
	ck_assert(ev_is_active(&conn->resume));
	peer_read();
	ck_assert_uint_eq(gotlen, 0);
	while (conn->batch != NULL) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
	ck_assert_uint_eq(d.stats.requests, 5);
	ck_assert_int_eq(turns, 2);
	peer_read();
	ck_assert_str_eq(got, "[" PONG_OBJ("1") "," PONG_OBJ("2") "," PONG_OBJ("3") ","
	    PONG_OBJ("4") "," PONG_OBJ("5") "]\n");
	ck_assert_uint_eq(conn->held, 0);
}
END_TEST

static char	*ping_of_length(size_t n, char **reply);

/* Replies count too: past output_per_turn bytes, the rest waits a turn. */
START_TEST(test_output_per_turn)
{
	char *line = ping_of_length(600, NULL), *five;
	size_t before;
	int turns = 0;

	ck_assert_int_ge(asprintf(&five, "%s\n%s\n%s\n%s\n%s\n", line, line, line, line, line), 0);
	peer_str(five);
	turn();
	peer_read();
	ck_assert_uint_eq(lines(), 2);	/* 600 + 600 bytes: past 1024 */
	ck_assert(ev_is_active(&conn->resume));
	while (lines() < 5) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		before = lines();
		turn();
		peer_read();
		ck_assert_uint_le(lines() - before, 2);
	}
	free(five);
	free(line);
}
END_TEST

/* Output watermarks */

START_TEST(test_watermarks)
{
	const int n1 = 2000, n2 = 100;
	char *req1 = pings(1, n1, false), *req2 = pings(n1 + 1, n1 + n2, false);
	char *want = pings(1, n1 + n2, true);
	size_t held;
	uint64_t handled;
	int i, turns = 0, resumed = 0;
	bool was;

	peer_str(req1);
	while (!conn->throttled) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
	/* The client reads nothing: input is no longer taken. */
	ck_assert_uint_gt(buf_len(&conn->out), 4096);
	ck_assert(!conn->reading);
	ck_assert(!ev_is_active(&conn->rio));
	ck_assert(ev_is_active(&conn->wio));
	handled = d.stats.requests;
	ck_assert_uint_lt(handled, (uint64_t)n1);
	held = inq(fds[0]);
	peer_str(req2);
	ck_assert_uint_eq(inq(fds[0]), held + strlen(req2));
	for (i = 0; i < 50; i++)
		turn();
	ck_assert(conn->throttled);
	ck_assert_uint_eq(d.stats.requests, handled);
	ck_assert_uint_eq(inq(fds[0]), held + strlen(req2));

	/* The client reads: the backlog drains and every request is answered. */
	turns = 0;
	while (lines() < (size_t)(n1 + n2)) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		was = conn->throttled;
		peer_read();
		turn();
		if (was && !conn->throttled)
			resumed++;
		/* The hysteresis: paused only above low, running only below high. */
		if (conn->throttled)
			ck_assert_uint_gt(buf_len(&conn->out), 1024);
		else
			ck_assert_uint_le(buf_len(&conn->out), 4096);
		ck_assert(!got_eof);
	}
	peer_read();
	ck_assert_int_ge(resumed, 1);
	ck_assert_str_eq(got, want);
	ck_assert(!conn->throttled);
	ck_assert(conn->reading);
	ck_assert_uint_eq(buf_len(&conn->out), 0);
	ck_assert_uint_eq(d.stats.requests, (uint64_t)(n1 + n2));
	/* Drained: the queue's memory is given back, the user owes nothing. */
	ck_assert_uint_le(conn->out.size, BUF_KEEP);
	ck_assert_uint_eq(conn->user->output, 0);
	ck_assert_uint_eq(conn->user->held, 0);
	free(req1);
	free(req2);
	free(want);
}
END_TEST

/* A batch under way pauses, between members, while the queue is above
 * output_high, and goes on once it falls below output_low. */
START_TEST(test_batch_pauses_above_high)
{
	static char filler[65536];
	uint64_t handled;
	int i, turns = 0;

	peer_str("[" PING("1") "," PING("2") "," PING("3") "," PING("4") "," PING("5") "]\n");
	turn();
	ck_assert_uint_eq(d.stats.requests, 2);
	ck_assert_ptr_nonnull(conn->batch);
	/* Output from elsewhere (a pending call completing) fills the queue. */
	memset(filler, ' ', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\n';
	conn_write(conn, filler, sizeof(filler));
	conn_flush(conn);
	ck_assert(conn->throttled);
	for (i = 0; i < 20; i++)
		turn();
	ck_assert_uint_eq(d.stats.requests, 2);
	handled = d.stats.requests;
	/* The client reads: the batch goes on and is answered. */
	while (conn->batch != NULL || lines() < 2) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		peer_read();
		turn();
		if (conn->throttled)
			ck_assert_uint_eq(d.stats.requests, handled);
		handled = d.stats.requests;
	}
	peer_read();
	ck_assert_uint_eq(d.stats.requests, 5);
	ck_assert_ptr_nonnull(strstr(got, "[" PONG_OBJ("1") "," PONG_OBJ("2") "," PONG_OBJ("3") ","
	    PONG_OBJ("4") "," PONG_OBJ("5") "]\n"));
}
END_TEST

/* The over-long line */

#define TOO_LONG \
	"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,\"message\":" \
	"\"Invalid Request: message longer than 256 bytes\",\"data\":{\"limit\":\"max_message\"}}}\n"

/* A ping whose string id pads the line to exactly n bytes, and its reply. */
static char *
ping_of_length(size_t n, char **reply)
{
	size_t base = strlen(PING("\"\""));
	char *b = malloc(n + 1), *r = malloc(n + 64);

	ck_assert_uint_ge(n, base);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(r);
	snprintf(b, n + 1, PING("\"%0*d\""), (int)(n - base), 0);
	snprintf(r, n + 64, PONG("\"%0*d\""), (int)(n - base), 0);
	ck_assert_uint_eq(strlen(b), n);
	if (reply != NULL)
		*reply = r;
	else
		free(r);
	return b;
}

START_TEST(test_max_message_exact_fits)
{
	char *reply, *line = ping_of_length(256, &reply), *want;

	peer_str(line);
	peer_str("\r\n");
	peer_str(line);
	peer_str("\n");
	wait_lines(2);
	ck_assert_ptr_nonnull(want = malloc(2 * strlen(reply) + 1));
	strcpy(want, reply);
	strcat(want, reply);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(d.nconns, 1);
	ck_assert(!conn->closing);
	free(want);
	free(reply);
	free(line);
}
END_TEST

START_TEST(test_max_message_over)
{
	char *line = ping_of_length(257, NULL);

	peer_str(line);
	peer_str("\n" PING("2") "\n");
	wait_eof();
	ck_assert_str_eq(got, TOO_LONG);
	wait_closed();
	ck_assert_uint_eq(d.stats.requests, 1);
	ck_assert_uint_eq(d.stats.errors, 1);
	free(line);
}
END_TEST

START_TEST(test_max_message_no_newline)
{
	char line[4096];

	/* Detected before any newline arrives. */
	memset(line, 'x', sizeof(line));
	peer_write(line, sizeof(line));
	wait_eof();
	ck_assert_str_eq(got, TOO_LONG);
	wait_closed();
}
END_TEST

START_TEST(test_max_message_after_good_lines)
{
	char *line = ping_of_length(300, NULL);

	peer_str(PING("1") "\n");
	peer_str(line);
	peer_str("\n");
	wait_eof();
	ck_assert_str_eq(got, PONG("1") TOO_LONG);
	wait_closed();
	free(line);
}
END_TEST

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
	ck_assert(conn->input_ended);
	ck_assert(!conn->reading);
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

START_TEST(test_peer_gone_shutdown_rdwr)
{
	ck_assert_int_eq(shutdown(fds[1], SHUT_RDWR), 0);
	ck_assert(conn_peer_gone(conn));
	ck_assert_uint_eq(d.nconns, 1);	/* checked now, not when the loop gets to it */
}
END_TEST

START_TEST(test_peer_gone_closed)
{
	ck_assert_int_eq(close(fds[1]), 0);
	fds[1] = -1;
	ck_assert(conn_peer_gone(conn));
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
	Suite	*s = suite_create("conn");
	TCase	*lines_tc = tcase_create("lines");
	TCase	*cap = tcase_create("requests_per_read");
	TCase	*turn_bytes = tcase_create("output_per_turn");
	TCase	*water = tcase_create("watermarks");
	TCase	*water_cap = tcase_create("batch_watermarks");
	TCase	*big = tcase_create("max_message");
	TCase	*eof = tcase_create("eof");
	TCase	*sess = tcase_create("session");

	tcase_add_checked_fixture(lines_tc, setup, teardown);
	tcase_add_test(lines_tc, test_conn_new);
	tcase_add_test(lines_tc, test_ping_answered);
	tcase_add_test(lines_tc, test_several_in_one_write);
	tcase_add_test(lines_tc, test_crlf_and_empty_lines);
	tcase_add_test(lines_tc, test_line_split_across_writes);
	suite_add_tcase(s, lines_tc);

	tcase_add_checked_fixture(cap, setup_cap, teardown);
	tcase_add_test(cap, test_requests_per_read);
	tcase_add_test(cap, test_batch_members_per_turn);
	suite_add_tcase(s, cap);

	tcase_add_checked_fixture(turn_bytes, setup_turn_bytes, teardown);
	tcase_add_test(turn_bytes, test_output_per_turn);
	suite_add_tcase(s, turn_bytes);

	tcase_add_checked_fixture(water, setup_water, teardown);
	tcase_add_test(water, test_watermarks);
	suite_add_tcase(s, water);

	tcase_add_checked_fixture(water_cap, setup_cap_water, teardown);
	tcase_add_test(water_cap, test_batch_pauses_above_high);
	suite_add_tcase(s, water_cap);

	tcase_add_checked_fixture(big, setup_small, teardown);
	tcase_add_test(big, test_max_message_exact_fits);
	tcase_add_test(big, test_max_message_over);
	tcase_add_test(big, test_max_message_no_newline);
	tcase_add_test(big, test_max_message_after_good_lines);
	suite_add_tcase(s, big);

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
