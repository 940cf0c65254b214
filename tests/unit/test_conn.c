/* test_conn.c: unit tests for one control connection driven by the event
 * loop on a socketpair: framing of request lines, the turn's share
 * (requests and reply bytes, batch members included), the output
 * watermarks and the over-long line (daemon/conn.c).  End of input,
 * hang-ups and the session are in test_conn_eof.c. */
#include "conn_fixture.h"

START_TEST(test_conn_new)
{
	ck_assert_uint_eq(d.nconns, 1);
	ck_assert_ptr_eq(TAILQ_FIRST(&d.conns), conn);
	ck_assert_uint_eq(conn->id, 1);
	ck_assert_int_eq(conn->t.fd, fds[0]);
	ck_assert_uint_eq(conn->uid, getuid());
	ck_assert_uint_eq(conn->gid, getgid());
	ck_assert_int_eq(conn->pid, getpid());
	ck_assert(conn->t.reading);
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
	ck_assert_uint_gt(transport_queued(&conn->t), 4096);
	ck_assert(!conn->t.reading);
	ck_assert(!ev_is_active(&conn->t.rio));
	ck_assert(ev_is_active(&conn->t.wio));
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
			ck_assert_uint_gt(transport_queued(&conn->t), 1024);
		else
			ck_assert_uint_le(transport_queued(&conn->t), 4096);
		ck_assert(!got_eof);
	}
	peer_read();
	ck_assert_int_ge(resumed, 1);
	ck_assert_str_eq(got, want);
	ck_assert(!conn->throttled);
	ck_assert(conn->t.reading);
	ck_assert_uint_eq(transport_queued(&conn->t), 0);
	ck_assert_uint_eq(d.stats.requests, (uint64_t)(n1 + n2));
	/* Drained: the queue's memory is given back, the user owes nothing. */
	ck_assert_uint_le(conn->t.out.size, BUF_KEEP);
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
