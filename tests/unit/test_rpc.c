/* test_rpc.c: unit tests for the JSON-RPC 2.0 envelope, end to end through
 * a connection on a socketpair: parsing a line, ids, notifications, batches,
 * envelope errors and their limits (daemon/rpc.c). */
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
#include "errors.h"
#include "limit.h"
#include "rpc.h"
#include "sock6d.h"

#define PING(id)	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"daemon.ping\"}"
#define PONG(id)	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"result\":{\"pong\":true}}\n"
#define NOTE		"{\"jsonrpc\":\"2.0\",\"method\":\"daemon.ping\"}"

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static struct conn	*conn;
static int		 fds[2] = { -1, -1 };
static char		 out[1 << 18];	/* what the daemon wrote, NUL-terminated */
static json_object	*kept[16];	/* parsed replies, put in teardown */
static size_t		 nkept;

static void
setup(void)
{
	limits_default(&lim);
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, &lim), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    fds), 0);
	ck_assert_ptr_nonnull(conn = conn_new(&d, fds[0], getuid(), getgid(), getpid()));
	nkept = 0;
}

static void
teardown(void)
{
	while (nkept > 0)
		json_object_put(kept[--nkept]);
	sock6d_shutdown(&d);	/* closes the connection and fds[0] */
	close(fds[1]);
	ev_loop_destroy(loop);
}

/* Dispatch one frame: `line` plus the '\n' that ended it, as the reader
 * hands it over; then flush and collect everything written into out. */
static const char *
send_line(const char *line, size_t n)
{
	char *frame;
	size_t got = 0;
	ssize_t r;

	ck_assert_ptr_nonnull(frame = malloc(n + 1));
	memcpy(frame, line, n);
	frame[n] = '\n';
	rpc_dispatch_line(conn, frame, n);
	/* A batch larger than a turn's share goes on in later turns. */
	while (conn->batch != NULL) {
		conn->turn_requests = 0;
		conn->turn_start = conn->produced;
		rpc_batch_continue(conn);
	}
	free(frame);
	conn_flush(conn);
	for (;;) {
		r = read(fds[1], out + got, sizeof(out) - 1 - got);
		if (r > 0) {
			got += (size_t)r;
			ck_assert_uint_lt(got, sizeof(out) - 1);
			continue;
		}
		ck_assert_int_eq(r, -1);
		ck_assert_int_eq(errno, EAGAIN);
		break;
	}
	out[got] = '\0';
	return out;
}

static const char *
send_str(const char *line)
{
	return send_line(line, strlen(line));
}

/* Parse one reply strictly, as a client would; NULL when it is not JSON. */
static json_object *
parse_strict(const char *text, size_t n)
{
	json_tokener *tok = json_tokener_new();
	json_object *r;

	ck_assert_ptr_nonnull(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	r = json_tokener_parse_ex(tok, text, (int)n);
	if (r != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != n)) {
		json_object_put(r);
		r = NULL;
	}
	json_tokener_free(tok);
	return r;
}

/* Send and parse the one reply line. */
static json_object *
reply(const char *line)
{
	json_object *r;
	size_t n;

	send_str(line);
	n = strlen(out);
	ck_assert_msg(n > 0 && out[n - 1] == '\n', "no reply line to %s: '%s'", line, out);
	ck_assert_msg(strchr(out, '\n') == out + n - 1, "more than one line: %s", out);
	ck_assert_msg((r = parse_strict(out, n)) != NULL, "reply to %s is not JSON: %s",
	    line, out);
	ck_assert_uint_lt(nkept, sizeof(kept) / sizeof(kept[0]));
	kept[nkept++] = r;
	return r;
}

static json_object *
member(json_object *o, const char *key)
{
	json_object *v = NULL;

	ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s in %s", key,
	    json_object_to_json_string(o));
	return v;
}

static bool
has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* o equals the JSON text want (object key order ignored). */
static void
assert_json(json_object *o, const char *want)
{
	json_object *w = json_tokener_parse(want);

	ck_assert_msg(w != NULL, "bad expectation %s", want);
	ck_assert_msg(json_object_equal(o, w), "got %s, want %s",
	    json_object_to_json_string(o), want);
	json_object_put(w);
}

/* An error response with id null and this code; returns its error object. */
static json_object *
assert_error_null_id(json_object *r, int code)
{
	const char *text = json_object_to_json_string(r);
	json_object *err = NULL, *id = NULL, *v = NULL;

	ck_assert_msg(json_object_object_get_ex(r, "jsonrpc", &v) &&
	    strcmp(json_object_get_string(v), "2.0") == 0, "no jsonrpc 2.0: %s", text);
	ck_assert_msg(json_object_object_get_ex(r, "id", &id) && id == NULL,
	    "id is not null: %s", text);
	ck_assert_msg(!has(r, "result"), "a result: %s", text);
	ck_assert_msg(json_object_object_get_ex(r, "error", &err), "no error: %s", text);
	ck_assert_msg(json_object_object_get_ex(err, "code", &v) &&
	    json_object_get_int(v) == code, "not error %d: %s", code, text);
	ck_assert_msg(json_object_object_get_ex(err, "message", &v) &&
	    json_object_is_type(v, json_type_string), "no message: %s", text);
	return err;
}

/* An envelope error answered with the request's id 1 (it could be read). */
static json_object *
assert_error_id_1(json_object *r, int code)
{
	json_object *id = NULL;

	ck_assert_msg(json_object_object_get_ex(r, "id", &id) && id != NULL &&
	    json_object_get_int(id) == 1, "id is not 1: %s", json_object_to_json_string(r));
	json_object_object_add(r, "id", NULL);
	return assert_error_null_id(r, code);
}

/* Nested containers, `depth` deep counting the request object itself:
 * the request's params hold "x": depth-2 arrays, around a scalar or not. */
static const char *
deep_request(int depth, bool scalar)
{
	static char buf[512];
	int i, n = depth - 2;
	size_t p;

	p = (size_t)snprintf(buf, sizeof(buf),
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\",\"params\":{\"x\":");
	for (i = 0; i < n; i++)
		buf[p++] = '[';
	if (scalar)
		buf[p++] = '1';
	for (i = 0; i < n; i++)
		buf[p++] = ']';
	p += (size_t)snprintf(buf + p, sizeof(buf) - p, "}}");
	buf[p] = '\0';
	return buf;
}

/* A batch of n pings with ids 1..n. */
static char *
ping_batch(int n)
{
	size_t size = (size_t)n * 64 + 8, p = 0;
	char *b = malloc(size);
	int i;

	ck_assert_ptr_nonnull(b);
	b[p++] = '[';
	for (i = 1; i <= n; i++)
		p += (size_t)snprintf(b + p, size - p, "%s{\"jsonrpc\":\"2.0\",\"id\":%d,"
		    "\"method\":\"daemon.ping\"}", i > 1 ? "," : "", i);
	b[p++] = ']';
	b[p] = '\0';
	return b;
}

/* Single requests */

START_TEST(test_ping_exact)
{
	ck_assert_str_eq(send_str(PING("1")), "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"pong\":true}}\n");
}
END_TEST

START_TEST(test_ping_params_empty_object)
{
	ck_assert_str_eq(send_str("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"daemon.ping\","
	    "\"params\":{}}"), PONG("2"));
}
END_TEST

START_TEST(test_ids_echoed)
{
	json_object *r;

	ck_assert_str_eq(send_str(PING("\"abc\"")), PONG("\"abc\""));
	ck_assert_str_eq(send_str(PING("null")), PONG("null"));
	ck_assert_str_eq(send_str(PING("-7")), PONG("-7"));
	ck_assert_str_eq(send_str(PING("0")), PONG("0"));
	ck_assert_str_eq(send_str(PING("9223372036854775807")), PONG("9223372036854775807"));
	ck_assert_str_eq(send_str(PING("1.5")), PONG("1.5"));
	ck_assert_str_eq(send_str(PING("\"\"")), PONG("\"\""));
	r = reply(PING("\"a\\\"b\\\\c\\u00e9\""));
	ck_assert_str_eq(json_object_get_string(member(r, "id")), "a\"b\\c\xc3\xa9");
	ck_assert(json_object_get_boolean(member(member(r, "result"), "pong")));
}
END_TEST

START_TEST(test_bad_id_types)
{
	assert_error_null_id(reply("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"daemon.ping\"}"),
	    S6_INVALID_REQUEST);
	assert_error_null_id(reply("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"daemon.ping\"}"),
	    S6_INVALID_REQUEST);
	assert_error_null_id(reply("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"daemon.ping\"}"),
	    S6_INVALID_REQUEST);
}
END_TEST

START_TEST(test_notification_silent)
{
	ck_assert_str_eq(send_str(NOTE), "");
	/* Not even an error: unknown method, bad params. */
	ck_assert_str_eq(send_str("{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}"), "");
	ck_assert_str_eq(send_str("{\"jsonrpc\":\"2.0\",\"method\":\"daemon.ping\","
	    "\"params\":{\"x\":1}}"), "");
	ck_assert_str_eq(send_str("{\"jsonrpc\":\"2.0\",\"method\":\"daemon.ping\","
	    "\"params\":[]}"), "");
	/* And the connection still answers. */
	ck_assert_str_eq(send_str(PING("3")), PONG("3"));
}
END_TEST

/* Parse errors */

START_TEST(test_invalid_json)
{
	json_object *err;

	err = assert_error_null_id(reply("{"), S6_PARSE_ERROR);
	ck_assert(!has(err, "data"));
	assert_error_null_id(reply("nonsense"), S6_PARSE_ERROR);
	assert_error_null_id(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\""),
	    S6_PARSE_ERROR);
	assert_error_null_id(reply("{'jsonrpc':'2.0'}"), S6_PARSE_ERROR);
	assert_error_null_id(reply("[1,]"), S6_PARSE_ERROR);
	/* The connection stays usable. */
	ck_assert_str_eq(send_str(PING("4")), PONG("4"));
}
END_TEST

START_TEST(test_invalid_utf8)
{
	assert_error_null_id(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\","
	    "\"params\":{\"x\":\"\xff\"}}"), S6_PARSE_ERROR);
	assert_error_null_id(reply("{\"jsonrpc\":\"2.0\",\"id\":\"\xc3\x28\","
	    "\"method\":\"daemon.ping\"}"), S6_PARSE_ERROR);
	/* Overlong encoding of '/'. */
	assert_error_null_id(reply("{\"jsonrpc\":\"2.0\",\"id\":\"\xc0\xaf\","
	    "\"method\":\"daemon.ping\"}"), S6_PARSE_ERROR);
	ck_assert_str_eq(send_str(PING("5")), PONG("5"));
}
END_TEST

START_TEST(test_trailing_garbage)
{
	assert_error_null_id(reply(PING("1") " x"), S6_PARSE_ERROR);
	assert_error_null_id(reply(PING("1") "x"), S6_PARSE_ERROR);
	assert_error_null_id(reply(PING("1") "{}"), S6_PARSE_ERROR);
	assert_error_null_id(reply(PING("1") PING("2")), S6_PARSE_ERROR);
	/* Trailing white space is not garbage. */
	ck_assert_str_eq(send_str(PING("6") " \t\r"), PONG("6"));
	ck_assert_str_eq(send_str("  " PING("7")), PONG("7"));
}
END_TEST

START_TEST(test_embedded_nul)
{
	static const char line[] = PING("1") "\0 ";

	/* A NUL after the object is not white space. */
	send_line(line, sizeof(line) - 1);
	ck_assert_ptr_nonnull(strstr(out, "\"code\":-32700"));
}
END_TEST

/* json-c's strict mode still takes some texts JSON forbids. */
START_TEST(test_nonstandard_json)
{
	assert_error_null_id(reply(PING("NaN")), S6_PARSE_ERROR);
	assert_error_null_id(reply(PING("-Infinity")), S6_PARSE_ERROR);
	assert_error_null_id(reply(PING("01")), S6_PARSE_ERROR);
	assert_error_null_id(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\","
	    "\"params\":{\"x\":\"a\tb\"}}"), S6_PARSE_ERROR);	/* raw tab in a string */
	assert_error_null_id(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\","
	    "\"params\":{\"x\":\"a\001b\"}}"), S6_PARSE_ERROR);
	ck_assert_str_eq(send_str(PING("9")), PONG("9"));
}
END_TEST

/* "1." and "-01" are not JSON numbers: json-c takes them, and echoes the
 * first back verbatim, which the client then cannot parse. */
START_TEST(test_malformed_numbers)
{
	assert_error_null_id(reply(PING("1.")), S6_PARSE_ERROR);
	assert_error_null_id(reply(PING("-01")), S6_PARSE_ERROR);
	assert_error_null_id(reply(PING("-1.")), S6_PARSE_ERROR);
}
END_TEST

/* The id comes back as the same value, or the request is refused: an id
 * beyond 64 bits must not be answered under a different id. */
START_TEST(test_id_not_altered)
{
	static const char *const ids[] = {
		"18446744073709551616", "-9223372036854775809", "99999999999999999999999",
	};
	char line[128], want[128];
	json_object *r;
	size_t i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(line, sizeof(line),
		    "{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"daemon.ping\"}", ids[i]);
		snprintf(want, sizeof(want),
		    "{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"pong\":true}}\n", ids[i]);
		send_str(line);
		if (strcmp(out, want) == 0)
			continue;
		ck_assert_msg((r = parse_strict(out, strlen(out))) != NULL,
		    "id %s: bad reply %s", ids[i], out);
		ck_assert_uint_lt(nkept, sizeof(kept) / sizeof(kept[0]));
		kept[nkept++] = r;
		ck_assert_msg(has(r, "error") && member(r, "id") == NULL,
		    "id %s answered as %s", ids[i], out);
	}
}
END_TEST

/* Brackets inside strings are not nesting. */
START_TEST(test_depth_ignores_strings)
{
	json_object *err;

	err = member(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\","
	    "\"params\":{\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{{\\\"[[[[[[\"}}"),
	    "error");
	assert_json(member(err, "data"), "{\"kind\":[\"exn\",\"type\"],\"param\":\"x\"}");
}
END_TEST

START_TEST(test_depth_top_level_arrays)
{
	char line[128];
	json_object *r;

	/* 33 nested arrays: too deep, one error object (not a batch answer). */
	memset(line, '[', 33);
	memset(line + 33, ']', 33);
	line[66] = '\0';
	r = reply(line);
	ck_assert(json_object_is_type(r, json_type_object));
	assert_json(member(assert_error_null_id(r, S6_INVALID_REQUEST), "data"),
	    "{\"limit\":\"max_depth\"}");
	/* 32: a batch whose one entry is not a request. */
	memset(line, '[', 32);
	memset(line + 32, ']', 32);
	line[64] = '\0';
	assert_json(reply(line), "[{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
	    "{\"code\":-32600,\"message\":\"Invalid Request\"}}]");
}
END_TEST

START_TEST(test_depth)
{
	json_object *err;

	/* 32 deep is fine: the request reaches the param engine. */
	err = member(reply(deep_request(32, true)), "error");
	assert_json(err, "{\"code\":-32602,\"message\":\"unknown param x\","
	    "\"data\":{\"kind\":[\"exn\",\"type\"],\"param\":\"x\"}}");
	err = member(reply(deep_request(32, false)), "error");
	ck_assert_int_eq(json_object_get_int(member(err, "code")), S6_INVALID_PARAMS);
	/* 33 is not. */
	err = assert_error_null_id(reply(deep_request(33, true)), S6_INVALID_REQUEST);
	assert_json(member(err, "data"), "{\"limit\":\"max_depth\"}");
	ck_assert_str_eq(send_str(PING("8")), PONG("8"));
}
END_TEST

/* Depth counts containers: 33 nested containers are too deep whether or not
 * the innermost holds a value. */
START_TEST(test_depth_empty_innermost)
{
	json_object *err;

	err = assert_error_null_id(reply(deep_request(33, false)), S6_INVALID_REQUEST);
	assert_json(member(err, "data"), "{\"limit\":\"max_depth\"}");
}
END_TEST

/* Envelope errors */

START_TEST(test_not_a_request)
{
	json_object *err;

	/* Valid JSON that is not an object (the '\n' ends the bare number). */
	err = assert_error_null_id(reply("1"), S6_INVALID_REQUEST);
	ck_assert(!has(err, "data"));
	assert_error_null_id(reply("\"ping\""), S6_INVALID_REQUEST);
	assert_error_null_id(reply("null"), S6_INVALID_REQUEST);
	assert_error_null_id(reply("true"), S6_INVALID_REQUEST);
}
END_TEST

START_TEST(test_jsonrpc_version)
{
	assert_error_id_1(reply("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"daemon.ping\"}"),
	    S6_INVALID_REQUEST);
	assert_error_id_1(reply("{\"id\":1,\"method\":\"daemon.ping\"}"), S6_INVALID_REQUEST);
	assert_error_id_1(reply("{\"jsonrpc\":2.0,\"id\":1,\"method\":\"daemon.ping\"}"),
	    S6_INVALID_REQUEST);
	assert_error_id_1(reply("{\"jsonrpc\":\"2.0 \",\"id\":1,\"method\":\"daemon.ping\"}"),
	    S6_INVALID_REQUEST);
}
END_TEST

START_TEST(test_bad_method_member)
{
	assert_error_id_1(reply("{\"jsonrpc\":\"2.0\",\"id\":1}"), S6_INVALID_REQUEST);
	assert_error_id_1(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}"),
	    S6_INVALID_REQUEST);
	assert_error_id_1(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":null}"),
	    S6_INVALID_REQUEST);
}
END_TEST

START_TEST(test_bad_params_member)
{
	assert_error_id_1(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\","
	    "\"params\":\"x\"}"), S6_INVALID_REQUEST);
	assert_error_id_1(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\","
	    "\"params\":5}"), S6_INVALID_REQUEST);
	assert_error_id_1(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\","
	    "\"params\":null}"), S6_INVALID_REQUEST);
}
END_TEST

START_TEST(test_unknown_method)
{
	ck_assert_str_eq(send_str("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}"),
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\",\"data\":{\"method\":\"nope\"}}}\n");
	ck_assert_str_eq(send_str("{\"jsonrpc\":\"2.0\",\"id\":\"q\",\"method\":\"socket\"}"),
	    "{\"jsonrpc\":\"2.0\",\"id\":\"q\",\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\",\"data\":{\"method\":\"socket\"}}}\n");
}
END_TEST

START_TEST(test_params_array)
{
	json_object *r, *err;

	r = reply("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"daemon.ping\",\"params\":[]}");
	ck_assert_int_eq(json_object_get_int(member(r, "id")), 9);
	err = member(r, "error");
	ck_assert_int_eq(json_object_get_int(member(err, "code")), S6_INVALID_PARAMS);
	assert_json(member(err, "data"), "{\"kind\":[\"exn\",\"type\"],\"param\":\"params\"}");
}
END_TEST

START_TEST(test_invalid_params_exact)
{
	ck_assert_str_eq(send_str("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.ping\","
	    "\"params\":{\"x\":1}}"),
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32602,\"message\":"
	    "\"unknown param x\",\"data\":{\"kind\":[\"exn\",\"type\"],\"param\":\"x\"}}}\n");
}
END_TEST

START_TEST(test_invalid_params_kind)
{
	json_object *err;

	err = member(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"socket.create\","
	    "\"params\":{\"family\":\"inet\"}}"), "error");
	ck_assert_int_eq(json_object_get_int(member(err, "code")), S6_INVALID_PARAMS);
	assert_json(member(err, "data"), "{\"kind\":[\"exn\",\"type\"],\"param\":\"type\"}");
	err = member(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"socket.info\","
	    "\"params\":{\"handle\":\"1\"}}"), "error");
	assert_json(member(err, "data"), "{\"kind\":[\"exn\",\"type\"],\"param\":\"handle\"}");
	err = member(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"socket.info\","
	    "\"params\":{\"handle\":77}}"), "error");
	assert_json(err, "{\"code\":1010,\"message\":\"no such handle\","
	    "\"data\":{\"kind\":[\"exn\",\"sock6d\",\"handle\"],\"handle\":77}}");
}
END_TEST

/* Batches */

START_TEST(test_batch)
{
	json_object *r;

	r = reply("[" PING("1") "," NOTE ",{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"nope\"},"
	    "1," PING("\"last\"") "]");
	ck_assert(json_object_is_type(r, json_type_array));
	assert_json(r, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"pong\":true}},"
	    "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"error\":{\"code\":-32601,"
	    "\"message\":\"Method not found\",\"data\":{\"method\":\"nope\"}}},"
	    "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"}},"
	    "{\"jsonrpc\":\"2.0\",\"id\":\"last\",\"result\":{\"pong\":true}}]");
}
END_TEST

START_TEST(test_batch_single)
{
	ck_assert_str_eq(send_str("[" PING("1") "]"),
	    "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"pong\":true}}]\n");
}
END_TEST

START_TEST(test_batch_empty)
{
	json_object *r, *err;

	r = reply("[]");
	ck_assert(json_object_is_type(r, json_type_object));
	err = assert_error_null_id(r, S6_INVALID_REQUEST);
	ck_assert(!has(err, "data"));
}
END_TEST

START_TEST(test_batch_all_notifications)
{
	ck_assert_str_eq(send_str("[" NOTE "," NOTE "," NOTE "]"), "");
	ck_assert_str_eq(send_str(PING("2")), PONG("2"));
}
END_TEST

START_TEST(test_batch_max)
{
	json_object *r, *e;
	char *b;
	int i;

	b = ping_batch(64);
	r = reply(b);
	free(b);
	ck_assert(json_object_is_type(r, json_type_array));
	ck_assert_uint_eq(json_object_array_length(r), 64);
	for (i = 0; i < 64; i++) {
		e = json_object_array_get_idx(r, (size_t)i);
		ck_assert_int_eq(json_object_get_int(member(e, "id")), i + 1);
		ck_assert(has(e, "result"));
	}
}
END_TEST

START_TEST(test_batch_over_max)
{
	json_object *r, *err;
	char *b;

	b = ping_batch(65);
	r = reply(b);
	free(b);
	ck_assert(json_object_is_type(r, json_type_object));
	err = assert_error_null_id(r, S6_INVALID_REQUEST);
	assert_json(member(err, "data"), "{\"limit\":\"max_batch\"}");
	ck_assert_str_eq(send_str(PING("3")), PONG("3"));
}
END_TEST

START_TEST(test_batch_of_batch)
{
	assert_json(reply("[[" PING("1") "]]"),
	    "[{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
	    "\"message\":\"Invalid Request\"}}]");
}
END_TEST

/* Stats */

START_TEST(test_stats)
{
	json_object *res;

	send_str(PING("1"));
	send_str(PING("2"));
	send_str(NOTE);
	send_str("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"nope\"}");	/* error */
	send_str("{");							/* error */
	send_str("[" PING("4") "," PING("5") "]");			/* two */
	send_str(PING("6") "x");					/* error */
	res = member(reply("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"daemon.stats\"}"),
	    "result");
	ck_assert_int_eq(json_object_get_int64(member(res, "requests")), 9);
	ck_assert_int_eq(json_object_get_int64(member(res, "errors")), 3);
	ck_assert_int_eq(json_object_get_int64(member(res, "connections")), 1);
	ck_assert_int_eq(json_object_get_int64(member(res, "handles")), 0);
	ck_assert_int_eq(json_object_get_int64(member(res, "bytes_in")), 0);
	ck_assert_int_eq(json_object_get_int64(member(res, "bytes_out")), 0);
	ck_assert(json_object_is_type(member(res, "uptime_ms"), json_type_int));
	ck_assert_uint_eq(d.stats.requests, 9);
	ck_assert_uint_eq(d.stats.errors, 3);
}
END_TEST

/* One envelope error answered is one error counted. */
START_TEST(test_stats_envelope_error_once)
{
	assert_error_id_1(reply("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"daemon.ping\"}"),
	    S6_INVALID_REQUEST);
	ck_assert_uint_eq(d.stats.requests, 1);
	ck_assert_uint_eq(d.stats.errors, 1);
	assert_error_null_id(reply("[]"), S6_INVALID_REQUEST);
	ck_assert_uint_eq(d.stats.requests, 2);
	ck_assert_uint_eq(d.stats.errors, 2);
	assert_error_null_id(reply("null"), S6_INVALID_REQUEST);
	ck_assert_uint_eq(d.stats.requests, 3);
	ck_assert_uint_eq(d.stats.errors, 3);
	/* In a batch the same error is counted once too. */
	send_str("[1]");
	ck_assert_uint_eq(d.stats.requests, 4);
	ck_assert_uint_eq(d.stats.errors, 4);
}
END_TEST

/* daemon.stats documents errors as "every error answered": a failed
 * notification is answered with nothing. */
START_TEST(test_stats_notification_error_not_counted)
{
	ck_assert_str_eq(send_str("{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}"), "");
	ck_assert_uint_eq(d.stats.requests, 1);
	ck_assert_uint_eq(d.stats.errors, 0);
}
END_TEST

START_TEST(test_stats_handles)
{
	json_object *res;

	res = member(reply("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"socket.create\","
	    "\"params\":{\"family\":\"inet\",\"type\":\"stream\"}}"), "result");
	ck_assert_int_eq(json_object_get_int64(member(res, "handle")), 1);
	res = member(reply("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"daemon.stats\"}"),
	    "result");
	ck_assert_int_eq(json_object_get_int64(member(res, "handles")), 1);
	ck_assert_int_eq(json_object_get_int64(member(res, "requests")), 2);
	ck_assert_int_eq(json_object_get_int64(member(res, "errors")), 0);
}
END_TEST

static Suite *
rpc_suite(void)
{
	Suite	*s = suite_create("rpc");
	TCase	*one = tcase_create("request");
	TCase	*parse = tcase_create("parse");
	TCase	*env = tcase_create("envelope");
	TCase	*batch = tcase_create("batch");
	TCase	*stats = tcase_create("stats");

	tcase_add_checked_fixture(one, setup, teardown);
	tcase_add_test(one, test_ping_exact);
	tcase_add_test(one, test_ping_params_empty_object);
	tcase_add_test(one, test_ids_echoed);
	tcase_add_test(one, test_bad_id_types);
	tcase_add_test(one, test_notification_silent);
	suite_add_tcase(s, one);

	tcase_add_checked_fixture(parse, setup, teardown);
	tcase_add_test(parse, test_invalid_json);
	tcase_add_test(parse, test_invalid_utf8);
	tcase_add_test(parse, test_trailing_garbage);
	tcase_add_test(parse, test_embedded_nul);
	tcase_add_test(parse, test_nonstandard_json);
	tcase_add_test(parse, test_malformed_numbers);
	tcase_add_test(parse, test_id_not_altered);
	tcase_add_test(parse, test_depth);
	tcase_add_test(parse, test_depth_ignores_strings);
	tcase_add_test(parse, test_depth_top_level_arrays);
	tcase_add_test(parse, test_depth_empty_innermost);
	suite_add_tcase(s, parse);

	tcase_add_checked_fixture(env, setup, teardown);
	tcase_add_test(env, test_not_a_request);
	tcase_add_test(env, test_jsonrpc_version);
	tcase_add_test(env, test_bad_method_member);
	tcase_add_test(env, test_bad_params_member);
	tcase_add_test(env, test_unknown_method);
	tcase_add_test(env, test_params_array);
	tcase_add_test(env, test_invalid_params_exact);
	tcase_add_test(env, test_invalid_params_kind);
	suite_add_tcase(s, env);

	tcase_add_checked_fixture(batch, setup, teardown);
	tcase_add_test(batch, test_batch);
	tcase_add_test(batch, test_batch_single);
	tcase_add_test(batch, test_batch_empty);
	tcase_add_test(batch, test_batch_all_notifications);
	tcase_add_test(batch, test_batch_max);
	tcase_add_test(batch, test_batch_over_max);
	tcase_add_test(batch, test_batch_of_batch);
	suite_add_tcase(s, batch);

	tcase_add_checked_fixture(stats, setup, teardown);
	tcase_add_test(stats, test_stats);
	tcase_add_test(stats, test_stats_envelope_error_once);
	tcase_add_test(stats, test_stats_notification_error_not_counted);
	tcase_add_test(stats, test_stats_handles);
	suite_add_tcase(s, stats);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(rpc_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
