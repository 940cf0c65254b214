/* test_error.c: unit tests for the caller-owned error, how each err_* call
 * fills it, and its rendering as a JSON-RPC error object (daemon/error.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "error.h"
#include "errors.h"

static struct s6err	 e;
static json_object	*rendered;
static char		 want[1024];

static void
setup(void)
{
	/* Garbage everywhere: every err_* call must clear what it does not set. */
	memset(&e, 0xA5, sizeof(e));
	rendered = NULL;
}

static void
teardown(void)
{
	json_object_put(rendered);
	rendered = NULL;
}

/* err_to_json(&e) as the daemon writes it on the wire. */
static const char *
render(void)
{
	json_object_put(rendered);
	ck_assert_ptr_nonnull(rendered = err_to_json(&e));
	return json_object_to_json_string_ext(rendered,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* Every field but code and message is empty. */
static void
assert_only_code_message(void)
{
	ck_assert_int_eq(e.errnum, 0);
	ck_assert_ptr_null(e.syscall);
	ck_assert_ptr_null(e.param);
	ck_assert_ptr_null(e.limit);
	ck_assert_uint_eq(e.handle, 0);
	ck_assert_int_eq(e.gai, 0);
	ck_assert(!e.has_bytes);
	ck_assert_int_eq(e.bytes, 0);
	ck_assert_ptr_null(e.did_you_mean);
	ck_assert(!e.has_method);
	ck_assert_uint_eq(e.method_len, 0);
}

/* Filling */

START_TEST(test_clear)
{
	err_clear(&e);
	ck_assert_int_eq(e.code, 0);
	ck_assert_str_eq(e.message, "");
	assert_only_code_message();
}
END_TEST

START_TEST(test_set)
{
	err_set(&e, S6_UNSUPPORTED, "no %s for %d", "oob", 7);
	ck_assert_int_eq(e.code, 1003);
	ck_assert_str_eq(e.message, "no oob for 7");
	assert_only_code_message();
}
END_TEST

START_TEST(test_set_truncates)
{
	char big[400];

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, S6_NET, "%s", big);
	ck_assert_uint_eq(strlen(e.message), sizeof(e.message) - 1);
	ck_assert_int_eq(memcmp(e.message, big, sizeof(e.message) - 1), 0);
}
END_TEST

START_TEST(test_sys_message)
{
	err_sys(&e, ECONNREFUSED, "connect", "cannot initiate connection", false);
	ck_assert_int_eq(e.code, S6_NET);
	ck_assert_str_eq(e.message, "cannot initiate connection - Connection refused");
	ck_assert_int_eq(e.errnum, ECONNREFUSED);
	ck_assert_str_eq(e.syscall, "connect");
	ck_assert_ptr_null(e.param);
	ck_assert_ptr_null(e.limit);
	ck_assert_uint_eq(e.handle, 0);
	ck_assert_int_eq(e.gai, 0);
	ck_assert(!e.has_bytes);
}
END_TEST

/* 1001 only for a transient errno, and only when the caller allows it. */
START_TEST(test_sys_transient)
{
	static const int transient[] = {
		ECONNREFUSED, ETIMEDOUT, ENETUNREACH, EHOSTUNREACH, ENETDOWN,
	};
	static const int other[] = {
		EADDRINUSE, EAGAIN, EPIPE, ECONNRESET, EINVAL, EACCES, 0,
	};
	char msg[256];
	size_t i;

	for (i = 0; i < sizeof(transient) / sizeof(transient[0]); i++) {
		err_sys(&e, transient[i], "connect", "what", true);
		ck_assert_int_eq(e.code, S6_TRANSIENT);
		ck_assert_int_eq(e.errnum, transient[i]);
		snprintf(msg, sizeof(msg), "what - %s", strerror(transient[i]));
		ck_assert_str_eq(e.message, msg);
		err_sys(&e, transient[i], "connect", "what", false);
		ck_assert_int_eq(e.code, S6_NET);
		ck_assert_int_eq(e.errnum, transient[i]);
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		err_sys(&e, other[i], "send", "what", true);
		ck_assert_int_eq(e.code, S6_NET);
		ck_assert_int_eq(e.errnum, other[i]);
		ck_assert_str_eq(e.syscall, "send");
	}
}
END_TEST

START_TEST(test_param)
{
	err_param(&e, "port", "port %d out of range", 70000);
	ck_assert_int_eq(e.code, S6_INVALID_PARAMS);
	ck_assert_str_eq(e.param, "port");
	ck_assert_str_eq(e.message, "port 70000 out of range");
	ck_assert_int_eq(e.errnum, 0);
	ck_assert_ptr_null(e.syscall);
	ck_assert_ptr_null(e.limit);
	ck_assert_uint_eq(e.handle, 0);
	ck_assert(!e.has_bytes);
}
END_TEST

START_TEST(test_handle)
{
	err_handle(&e, 42);
	ck_assert_int_eq(e.code, S6_NO_SUCH_HANDLE);
	ck_assert_str_eq(e.message, "no such handle");
	ck_assert_uint_eq(e.handle, 42);
	ck_assert_int_eq(e.errnum, 0);
	ck_assert_ptr_null(e.syscall);
	ck_assert_ptr_null(e.param);
	ck_assert_ptr_null(e.limit);
}
END_TEST

START_TEST(test_limit)
{
	err_limit(&e, "handles_per_user", 4096);
	ck_assert_int_eq(e.code, S6_LIMIT);
	ck_assert_str_eq(e.message, "limit handles_per_user (4096) reached");
	ck_assert_str_eq(e.limit, "handles_per_user");
	ck_assert_uint_eq(e.handle, 0);
	ck_assert_ptr_null(e.param);
	ck_assert_int_eq(e.errnum, 0);
}
END_TEST

START_TEST(test_method)
{
	err_method(&e, "socket.craete", 13);
	ck_assert_int_eq(e.code, S6_METHOD_NOT_FOUND);
	ck_assert_str_eq(e.message, "Method not found");
	ck_assert(e.has_method);
	ck_assert_uint_eq(e.method_len, 13);
	ck_assert_int_eq(memcmp(e.method, "socket.craete", 13), 0);
	ck_assert_ptr_null(e.did_you_mean);
	ck_assert_ptr_null(e.param);
	ck_assert_int_eq(e.errnum, 0);
}
END_TEST

/* Rendering: one exact object per code class */

START_TEST(test_json_invalid_params)
{
	err_param(&e, "port", "bad port");
	ck_assert_str_eq(render(), "{\"code\":-32602,\"message\":\"bad port\","
	    "\"data\":{\"kind\":[\"exn\",\"type\"],\"param\":\"port\"}}");
}
END_TEST

/* -32602 always names its param: null when there is none. */
START_TEST(test_json_invalid_params_null)
{
	json_object *data, *v;

	err_param(&e, NULL, "something");
	ck_assert_str_eq(render(), "{\"code\":-32602,\"message\":\"something\","
	    "\"data\":{\"kind\":[\"exn\",\"type\"],\"param\":null}}");
	ck_assert(json_object_object_get_ex(rendered, "data", &data));
	ck_assert(json_object_object_get_ex(data, "param", &v));
	ck_assert_ptr_null(v);
}
END_TEST

START_TEST(test_json_net)
{
	err_sys(&e, EADDRINUSE, "bind", "cannot bind to socket", true);
	snprintf(want, sizeof(want), "{\"code\":1000,\"message\":"
	    "\"cannot bind to socket - Address already in use\",\"data\":{\"kind\":"
	    "[\"exn\",\"i/o\",\"net\"],\"errno\":%d,\"errname\":\"EADDRINUSE\","
	    "\"syscall\":\"bind\"}}", EADDRINUSE);
	ck_assert_str_eq(render(), want);
}
END_TEST

START_TEST(test_json_transient)
{
	err_sys(&e, ECONNREFUSED, "connect", "cannot initiate connection", true);
	e.handle = 3;
	snprintf(want, sizeof(want), "{\"code\":1001,\"message\":"
	    "\"cannot initiate connection - Connection refused\",\"data\":{\"kind\":"
	    "[\"exn\",\"i/o\",\"net\",\"transient\"],\"errno\":%d,"
	    "\"errname\":\"ECONNREFUSED\",\"syscall\":\"connect\",\"handle\":3}}",
	    ECONNREFUSED);
	ck_assert_str_eq(render(), want);
}
END_TEST

START_TEST(test_json_timeout)
{
	err_set(&e, S6_TIMEOUT, "operation timed out");
	e.handle = 9;
	ck_assert_str_eq(render(), "{\"code\":1002,\"message\":\"operation timed out\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\",\"timeout\"],\"handle\":9}}");
}
END_TEST

START_TEST(test_json_unsupported)
{
	err_set(&e, S6_UNSUPPORTED, "not here");
	ck_assert_str_eq(render(), "{\"code\":1003,\"message\":\"not here\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\",\"unsupported\"]}}");
}
END_TEST

START_TEST(test_json_resolve_gai)
{
	err_set(&e, S6_RESOLVE, "cannot resolve");
	e.gai = EAI_NONAME;
	snprintf(want, sizeof(want), "{\"code\":1004,\"message\":\"cannot resolve\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"],\"gai\":%d,"
	    "\"gai_name\":\"EAI_NONAME\"}}", EAI_NONAME);
	ck_assert_str_eq(render(), want);
}
END_TEST

/* A getaddrinfo code with no known name: the number only. */
START_TEST(test_json_gai_unknown)
{
	ck_assert_ptr_null(gai_code_name(-12345));
	err_set(&e, S6_RESOLVE, "x");
	e.gai = -12345;
	ck_assert_str_eq(render(), "{\"code\":1004,\"message\":\"x\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"],\"gai\":-12345}}");
}
END_TEST

START_TEST(test_json_gai_system)
{
	err_set(&e, S6_RESOLVE, "x");
	e.gai = EAI_SYSTEM;
	e.errnum = EMFILE;
	e.syscall = "getaddrinfo";
	snprintf(want, sizeof(want), "{\"code\":1004,\"message\":\"x\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"],\"errno\":%d,\"errname\":\"EMFILE\","
	    "\"syscall\":\"getaddrinfo\",\"gai\":%d,\"gai_name\":\"EAI_SYSTEM\"}}",
	    EMFILE, EAI_SYSTEM);
	ck_assert_str_eq(render(), want);
}
END_TEST

START_TEST(test_json_handle)
{
	err_handle(&e, 77);
	ck_assert_str_eq(render(), "{\"code\":1010,\"message\":\"no such handle\","
	    "\"data\":{\"kind\":[\"exn\",\"sock6d\",\"handle\"],\"handle\":77}}");
}
END_TEST

START_TEST(test_json_handle_large)
{
	err_handle(&e, UINT64_C(9007199254740993));
	ck_assert_str_eq(render(), "{\"code\":1010,\"message\":\"no such handle\","
	    "\"data\":{\"kind\":[\"exn\",\"sock6d\",\"handle\"],\"handle\":9007199254740993}}");
}
END_TEST

START_TEST(test_json_permission)
{
	err_set(&e, S6_PERMISSION, "not yours");
	e.handle = 5;
	ck_assert_str_eq(render(), "{\"code\":1011,\"message\":\"not yours\","
	    "\"data\":{\"kind\":[\"exn\",\"sock6d\",\"permission\"],\"handle\":5}}");
}
END_TEST

START_TEST(test_json_limit)
{
	err_limit(&e, "handles_per_user", 2);
	ck_assert_str_eq(render(), "{\"code\":1012,\"message\":"
	    "\"limit handles_per_user (2) reached\",\"data\":{\"kind\":"
	    "[\"exn\",\"sock6d\",\"limit\"],\"limit\":\"handles_per_user\"}}");
}
END_TEST

START_TEST(test_json_busy)
{
	err_set(&e, S6_BUSY, "in use");
	ck_assert_str_eq(render(), "{\"code\":1013,\"message\":\"in use\","
	    "\"data\":{\"kind\":[\"exn\",\"sock6d\",\"busy\"]}}");
}
END_TEST

/* Standard codes carry no kind: with nothing else there is no "data". */
START_TEST(test_json_standard_no_data)
{
	err_set(&e, S6_PARSE_ERROR, "Parse error at byte 3");
	ck_assert_str_eq(render(), "{\"code\":-32700,\"message\":\"Parse error at byte 3\"}");
	err_set(&e, S6_INVALID_REQUEST, "Invalid Request");
	ck_assert_str_eq(render(), "{\"code\":-32600,\"message\":\"Invalid Request\"}");
	err_set(&e, S6_METHOD_NOT_FOUND, "Method not found");
	ck_assert_str_eq(render(), "{\"code\":-32601,\"message\":\"Method not found\"}");
	err_set(&e, S6_INTERNAL_ERROR, "out of memory");
	ck_assert_str_eq(render(), "{\"code\":-32603,\"message\":\"out of memory\"}");
}
END_TEST

/* -32601 names the method asked for and, when set, the one meant. */
START_TEST(test_json_method_not_found)
{
	err_method(&e, "socket.craete", 13);
	ck_assert_str_eq(render(), "{\"code\":-32601,\"message\":\"Method not found\","
	    "\"data\":{\"method\":\"socket.craete\"}}");
	e.did_you_mean = "socket.create";
	ck_assert_str_eq(render(), "{\"code\":-32601,\"message\":\"Method not found\","
	    "\"data\":{\"method\":\"socket.craete\",\"did_you_mean\":\"socket.create\"}}");
	/* The name is the client's bytes: escaped, NULs and all. */
	err_method(&e, "a\"b\0c\n", 6);
	ck_assert_str_eq(render(), "{\"code\":-32601,\"message\":\"Method not found\","
	    "\"data\":{\"method\":\"a\\\"b\\u0000c\\n\"}}");
	err_method(&e, "", 0);
	ck_assert_str_eq(render(), "{\"code\":-32601,\"message\":\"Method not found\","
	    "\"data\":{\"method\":\"\"}}");
}
END_TEST

/* A client cannot make data large: a name is cut to S6ERR_NAME_MAX bytes,
 * on a whole UTF-8 character. */
START_TEST(test_json_names_capped)
{
	static char name[4096];
	json_object *data, *v;

	memset(name, 'm', sizeof(name));
	err_method(&e, name, sizeof(name));
	render();
	ck_assert(json_object_object_get_ex(rendered, "data", &data));
	ck_assert(json_object_object_get_ex(data, "method", &v));
	ck_assert_int_eq(json_object_get_string_len(v), S6ERR_NAME_MAX);
	/* "é" (2 bytes) across the limit is left out whole. */
	memcpy(name + S6ERR_NAME_MAX - 1, "\xc3\xa9", 2);
	err_method(&e, name, sizeof(name));
	render();
	ck_assert(json_object_object_get_ex(rendered, "data", &data));
	ck_assert(json_object_object_get_ex(data, "method", &v));
	ck_assert_int_eq(json_object_get_string_len(v), S6ERR_NAME_MAX - 1);
	/* The same holds for data.param (an unknown key is the client's too). */
	name[sizeof(name) - 1] = '\0';
	err_param(&e, name, "unknown param");
	render();
	ck_assert(json_object_object_get_ex(rendered, "data", &data));
	ck_assert(json_object_object_get_ex(data, "param", &v));
	ck_assert_int_eq(json_object_get_string_len(v), S6ERR_NAME_MAX - 1);
}
END_TEST

START_TEST(test_json_param_did_you_mean)
{
	err_param(&e, "famliy", "unknown param famliy");
	e.did_you_mean = "family";
	ck_assert_str_eq(render(), "{\"code\":-32602,\"message\":\"unknown param famliy\","
	    "\"data\":{\"kind\":[\"exn\",\"type\"],\"param\":\"famliy\","
	    "\"did_you_mean\":\"family\"}}");
}
END_TEST

/* ... but they may carry a limit. */
START_TEST(test_json_standard_limit)
{
	err_set(&e, S6_INVALID_REQUEST, "too deep");
	e.limit = "max_depth";
	ck_assert_str_eq(render(), "{\"code\":-32600,\"message\":\"too deep\","
	    "\"data\":{\"limit\":\"max_depth\"}}");
}
END_TEST

/* An empty message falls back to the code's default text. */
START_TEST(test_json_default_messages)
{
	static const struct { int code; const char *text; } rows[] = {
		{ S6_PARSE_ERROR, "{\"code\":-32700,\"message\":\"Parse error\"}" },
		{ S6_INVALID_REQUEST, "{\"code\":-32600,\"message\":\"Invalid Request\"}" },
		{ S6_METHOD_NOT_FOUND, "{\"code\":-32601,\"message\":\"Method not found\"}" },
		{ S6_INTERNAL_ERROR, "{\"code\":-32603,\"message\":\"Internal error\"}" },
		{ S6_BUSY, "{\"code\":1013,\"message\":\"busy\",\"data\":{\"kind\":"
		    "[\"exn\",\"sock6d\",\"busy\"]}}" },
		{ S6_TIMEOUT, "{\"code\":1002,\"message\":\"timeout\",\"data\":{\"kind\":"
		    "[\"exn\",\"i/o\",\"net\",\"timeout\"]}}" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err_clear(&e);
		e.code = rows[i].code;
		ck_assert_str_eq(render(), rows[i].text);
	}
}
END_TEST

/* A code the protocol does not define: no kind, generic message. */
START_TEST(test_json_unknown_code)
{
	err_clear(&e);
	e.code = 4242;
	ck_assert_str_eq(render(), "{\"code\":4242,\"message\":\"error\"}");
	err_set(&e, 4242, "odd");
	e.handle = 1;
	ck_assert_str_eq(render(), "{\"code\":4242,\"message\":\"odd\",\"data\":{\"handle\":1}}");
}
END_TEST

/* An errno with no symbolic name: the number, no errname. */
START_TEST(test_json_errno_unknown)
{
	ck_assert_ptr_null(errno_name(4095));
	err_sys(&e, 4095, "recv", "cannot read from socket", false);
	snprintf(want, sizeof(want), "{\"code\":1000,\"message\":"
	    "\"cannot read from socket - %s\",\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"],"
	    "\"errno\":4095,\"syscall\":\"recv\"}}", strerror(4095));
	ck_assert_str_eq(render(), want);
}
END_TEST

/* send_all's failure carries the bytes sent, 0 included. */
START_TEST(test_json_bytes)
{
	err_sys(&e, EPIPE, "send", "cannot write to socket", false);
	e.handle = 2;
	e.has_bytes = true;
	e.bytes = 0;
	snprintf(want, sizeof(want), "{\"code\":1000,\"message\":"
	    "\"cannot write to socket - Broken pipe\",\"data\":{\"kind\":"
	    "[\"exn\",\"i/o\",\"net\"],\"errno\":%d,\"errname\":\"EPIPE\","
	    "\"syscall\":\"send\",\"handle\":2,\"bytes\":0}}", EPIPE);
	ck_assert_str_eq(render(), want);
	e.bytes = 65536;
	snprintf(want, sizeof(want), "{\"code\":1000,\"message\":"
	    "\"cannot write to socket - Broken pipe\",\"data\":{\"kind\":"
	    "[\"exn\",\"i/o\",\"net\"],\"errno\":%d,\"errname\":\"EPIPE\","
	    "\"syscall\":\"send\",\"handle\":2,\"bytes\":65536}}", EPIPE);
	ck_assert_str_eq(render(), want);
}
END_TEST

/* Not has_bytes: no "bytes" even when the count is set. */
START_TEST(test_json_bytes_unset)
{
	err_set(&e, S6_NET, "x");
	e.bytes = 12;
	ck_assert_str_eq(render(), "{\"code\":1000,\"message\":\"x\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"]}}");
}
END_TEST

/* A message is a JSON string, escaped as such. */
START_TEST(test_json_message_escaped)
{
	err_set(&e, S6_NET, "a\"b\\c\nd");
	ck_assert_str_eq(render(), "{\"code\":1000,\"message\":\"a\\\"b\\\\c\\nd\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"]}}");
}
END_TEST

/* Rendering does not change the error. */
START_TEST(test_json_leaves_error)
{
	struct s6err copy;

	err_sys(&e, ETIMEDOUT, "connect", "cannot initiate connection", true);
	e.handle = 4;
	memcpy(&copy, &e, sizeof(copy));
	render();
	ck_assert_int_eq(memcmp(&copy, &e, sizeof(copy)), 0);
}
END_TEST

static Suite *
error_suite(void)
{
	Suite	*s = suite_create("error");
	TCase	*fill = tcase_create("fill");
	TCase	*json = tcase_create("json");

	tcase_add_checked_fixture(fill, setup, teardown);
	tcase_add_test(fill, test_clear);
	tcase_add_test(fill, test_set);
	tcase_add_test(fill, test_set_truncates);
	tcase_add_test(fill, test_sys_message);
	tcase_add_test(fill, test_sys_transient);
	tcase_add_test(fill, test_param);
	tcase_add_test(fill, test_handle);
	tcase_add_test(fill, test_limit);
	tcase_add_test(fill, test_method);
	suite_add_tcase(s, fill);

	tcase_add_checked_fixture(json, setup, teardown);
	tcase_add_test(json, test_json_invalid_params);
	tcase_add_test(json, test_json_invalid_params_null);
	tcase_add_test(json, test_json_net);
	tcase_add_test(json, test_json_transient);
	tcase_add_test(json, test_json_timeout);
	tcase_add_test(json, test_json_unsupported);
	tcase_add_test(json, test_json_resolve_gai);
	tcase_add_test(json, test_json_gai_unknown);
	tcase_add_test(json, test_json_gai_system);
	tcase_add_test(json, test_json_handle);
	tcase_add_test(json, test_json_handle_large);
	tcase_add_test(json, test_json_permission);
	tcase_add_test(json, test_json_limit);
	tcase_add_test(json, test_json_busy);
	tcase_add_test(json, test_json_standard_no_data);
	tcase_add_test(json, test_json_standard_limit);
	tcase_add_test(json, test_json_method_not_found);
	tcase_add_test(json, test_json_names_capped);
	tcase_add_test(json, test_json_param_did_you_mean);
	tcase_add_test(json, test_json_default_messages);
	tcase_add_test(json, test_json_unknown_code);
	tcase_add_test(json, test_json_errno_unknown);
	tcase_add_test(json, test_json_bytes);
	tcase_add_test(json, test_json_bytes_unset);
	tcase_add_test(json, test_json_message_escaped);
	tcase_add_test(json, test_json_leaves_error);
	suite_add_tcase(s, json);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(error_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
