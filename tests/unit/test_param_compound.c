/* test_param_compound.c: unit tests for the declarative param engine
 * (daemon/param.c) on the params that fill a structure or point at one:
 * socket addresses, bytes (base64 or text), handles and their owners, and
 * several rows at once; and describing rows as JSON Schema (param_schema,
 * param_xtype).  The shared fixture is in param_fixture.h. */
#include "param_fixture.h"

/* PT_SOCKADDR */

static const struct param addr_rows[] = {
	{ "address", PT_SOCKADDR, P_REQUIRED, OFF(addr), .desc = "test" }, END };

/* a.addr is family with this numeric host (or UNIX path) and port. */
static void
assert_addr(int family, const char *where, int port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)(void *)&a.addr.ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(void *)&a.addr.ss;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)(void *)&a.addr.ss;
	char host[INET6_ADDRSTRLEN];

	ck_assert_int_eq(a.addr.ss.ss_family, family);
	if (family == AF_UNIX) {
		ck_assert_str_eq(sun->sun_path, where);
		return;
	}
	ck_assert_ptr_nonnull(inet_ntop(family, family == AF_INET ? (const void *)&sin->sin_addr :
	    (const void *)&sin6->sin6_addr, host, sizeof(host)));
	ck_assert_str_eq(host, where);
	ck_assert_int_eq(ntohs(family == AF_INET ? sin->sin_port : sin6->sin6_port), port);
	ck_assert_uint_eq(a.addr.len, family == AF_INET ? sizeof(*sin) : sizeof(*sin6));
}

START_TEST(test_sockaddr)
{
	OK(addr_rows, "{\"address\":\"127.0.0.1:80\"}");
	assert_addr(AF_INET, "127.0.0.1", 80);
	OK(addr_rows, "{\"address\":\"[::1]:22\"}");
	assert_addr(AF_INET6, "::1", 22);
	OK(addr_rows, "{\"address\":\"/tmp/sock\"}");
	assert_addr(AF_UNIX, "/tmp/sock", 0);
	OK(addr_rows, "{\"address\":{\"family\":\"inet\",\"address\":\"10.1.2.3\",\"port\":443}}");
	assert_addr(AF_INET, "10.1.2.3", 443);
	OK(addr_rows, "{\"address\":{\"family\":\"inet6\",\"address\":\"::1\",\"port\":22,"
	    "\"string\":\"[::1]:22\"}}");
	assert_addr(AF_INET6, "::1", 22);
	OK(addr_rows, "{\"address\":{\"family\":\"unix\",\"path\":\"/run/x\"}}");
	assert_addr(AF_UNIX, "/run/x", 0);
	BAD_EACH(addr_rows, "address",
	    "{\"address\":\"127.0.0.1:70000\"}", "{\"address\":\"relative/path\"}",
	    "{\"address\":\"\"}", "{\"address\":80}", "{}",
	    "{\"address\":{\"family\":\"inet\",\"address\":\"1.2.3.4\",\"port\":1,\"bogus\":1}}",
	    "{\"address\":{\"family\":\"inet\",\"address\":\"1.2.3.4\",\"port\":65536}}",
	    "{\"address\":{\"family\":\"unix\",\"path\":\"rel\"}}",
	    "{\"address\":[\"127.0.0.1\",80]}");
}
END_TEST

/* PT_BYTES */

/* a.data holds exactly the n bytes want, from "text" or not. */
static void
assert_bytes(const char *want, size_t n, bool text)
{
	ck_assert_uint_eq(a.data.len, n);
	ck_assert_int_eq(memcmp(a.data.p, want, n), 0);
	ck_assert_int_eq(a.data.text, text);
}

static const struct param bytes_rows[] = {
	{ "data", PT_BYTES, 0, OFF(data), .desc = "test" }, END };

START_TEST(test_bytes)
{
	OK(bytes_rows, "{\"data\":\"aGVsbG8=\"}");
	assert_bytes("hello", 5, false);
	/* The decoded bytes live as long as the call. */
	ck_assert_ptr_eq(allocs[0], a.data.p);
	OK(bytes_rows, "{\"data\":\"AP8A\"}");
	assert_bytes("\0\xff\0", 3, false);
	OK(bytes_rows, "{\"data\":\"\"}");
	assert_bytes("", 0, false);
	OK(bytes_rows, "{\"text\":\"hi there\"}");
	assert_bytes("hi there", 8, true);
	OK(bytes_rows, "{\"text\":\"a\\u0000b\"}");
	assert_bytes("a\0b", 3, true);
	OK(bytes_rows, "{\"text\":\"\"}");
	assert_bytes("", 0, true);
}
END_TEST

START_TEST(test_bytes_bad)
{
	static const struct param required[] = {
		{ "data", PT_BYTES, P_REQUIRED, OFF(data), .desc = "test" }, END };

	BAD(bytes_rows, "{\"data\":\"aGk=\",\"text\":\"hi\"}", "data");
	ck_assert_str_eq(e.message, "give either data or text, not both");
	BAD(bytes_rows, "{\"data\":\"aGVsbG8\"}", "data");
	ck_assert_str_eq(e.message, "data is not valid base64");
	BAD_EACH(bytes_rows, "data",
	    "{\"data\":\"!!!!\"}", "{\"data\":\"aGVs bG8=\"}", "{\"data\":\"aGk\\n\"}",
	    "{\"data\":5}", "{\"data\":[104,105]}");
	BAD(bytes_rows, "{\"text\":5}", "text");
	BAD(required, "{}", "data");
	OK(bytes_rows, "{}");
	ck_assert_ptr_null(a.data.p);
	ck_assert_uint_eq(a.data.len, 0);
}
END_TEST

/* PT_HANDLE */

static const struct param handle_rows[] = {
	{ "handle", PT_HANDLE, P_REQUIRED, OFF(s), .desc = "test" }, END };
static const struct param lenient_rows[] = {
	{ "handle", PT_HANDLE, P_REQUIRED | P_LENIENT, OFF(s), .desc = "test" }, END };

/* A real socket owned by uid; its handle id as JSON params in buf. */
static struct sock *
make_sock(uid_t uid, char *buf, size_t len)
{
	struct s6err se;
	struct sock *s;

	s = sock_create(&d, AF_INET, SOCK_STREAM, 0, uid, &se);
	ck_assert_msg(s != NULL, "sock_create: %s", se.message);
	snprintf(buf, len, "{\"handle\":%llu}", (unsigned long long)s->handle);
	return s;
}

/* fill refuses json with 1010 for handle id. */
static void
assert_no_handle(const struct param *rows, const char *json, uint64_t id)
{
	ck_assert_msg(fill(rows, json) == -1, "%s accepted", json);
	ck_assert_int_eq(e.code, S6_NO_SUCH_HANDLE);
	ck_assert_uint_eq(e.handle, id);
	ck_assert_str_eq(e.message, "no such handle");
}

START_TEST(test_handle)
{
	char json[64], other[64];
	struct sock *s, *t;

	s = make_sock(1000, json, sizeof(json));
	t = make_sock(1000, other, sizeof(other));
	ck_assert_uint_eq(s->handle, 1);
	ck_assert_uint_eq(t->handle, 2);
	OKPTR(handle_rows, json, a.s, s);
	OKPTR(handle_rows, other, a.s, t);
	assert_no_handle(handle_rows, "{\"handle\":99}", 99);
	BAD(handle_rows, "{\"handle\":0}", "handle");
	ck_assert_str_eq(e.message, "handle must be a handle (integer >= 1)");
	BAD_EACH(handle_rows, "handle",
	    "{\"handle\":-1}", "{\"handle\":\"1\"}", "{\"handle\":1.0}",
	    "{\"handle\":null}", "{}");
	/* P_LENIENT: NULL instead of 1010. */
	OKPTR(lenient_rows, json, a.s, s);
	OKPTR(lenient_rows, "{\"handle\":12345}", a.s, NULL);
	/* A closed handle is gone: 1010, or NULL when lenient. */
	ck_assert_int_eq(sock_close(s), 0);
	assert_no_handle(handle_rows, json, 1);
	OKPTR(lenient_rows, json, a.s, NULL);
	/* Lenient about the handle's existence, not about its type. */
	BAD_EACH(lenient_rows, "handle", "{\"handle\":0}", "{\"handle\":\"1\"}", "{}");
}
END_TEST

START_TEST(test_handle_owner)
{
	char json[64];
	struct sock *s;

	s = make_sock(1000, json, sizeof(json));
	ctx.any_owner = false;
	ctx.uid = 1000;
	OKPTR(handle_rows, json, a.s, s);
	ctx.uid = 0;
	OKPTR(handle_rows, json, a.s, s);
	/* Another user's handle is indistinguishable from an unknown one. */
	ctx.uid = 1001;
	assert_no_handle(handle_rows, json, s->handle);
	OKPTR(lenient_rows, json, a.s, NULL);
	ctx.any_owner = true;
}
END_TEST

/* Several rows at once: each filled, in any key order. */
START_TEST(test_mixed)
{
	static const struct param rows[] = {
		{ "handle", PT_HANDLE, P_REQUIRED, OFF(s), .desc = "test" },
		{ "length", PT_INT, P_REQUIRED, OFF(i), .min = 1, .max = 1024 },
		{ "flags", PT_FLAGS, P_DEFAULT, OFF(flags), .def = 0, .names = flag_names },
		{ "timeout", PT_TIMEOUT, 0, OFF(timeout), .desc = "test" },
		{ "data", PT_BYTES, 0, OFF(data), .desc = "test" },
		END
	};
	char json[64];
	struct sock *s;

	s = make_sock(0, json, sizeof(json));
	OKPTR(rows, "{\"text\":\"x\",\"timeout\":null,\"length\":3,\"handle\":1}", a.s, s);
	ck_assert_int_eq(a.i, 3);
	ck_assert_int_eq(a.flags, 0);
	ck_assert_int_eq(a.timeout, TIMEOUT_NEVER);
	assert_bytes("x", 1, true);
	/* The first failing row in table order is reported. */
	BAD(rows, "{\"handle\":1,\"length\":0,\"flags\":[\"bogus\"]}", "length");
}
END_TEST

/* param_schema and param_xtype */

START_TEST(test_schema)
{
	static const struct {
		struct param	 p;
		const char	*want;
	} x[] = {
		{ { "i", PT_INT, P_DEFAULT, 0, .min = -5, .max = 10, .def = 7 },
		  "{\"type\":\"integer\",\"minimum\":-5,\"maximum\":10,\"default\":7}" },
		{ { "ni", PT_INT, P_NULLABLE, 0, .min = 1, .max = 2 }, "{\"oneOf\":[{\"type\":"
		  "\"integer\",\"minimum\":1,\"maximum\":2},{\"type\":\"null\"}]}" },
		{ { "s", PT_STRING, 0, 0, .max = 4 }, "{\"type\":\"string\",\"maxLength\":4}" },
		{ { "us", PT_STRING, 0, 0, .desc = "test" }, "{\"type\":\"string\"}" },
		{ { "b", PT_BOOL, P_DEFAULT, 0, .def = 1 }, "{\"type\":\"boolean\",\"default\":true}" },
		{ { "e", PT_ENUM, P_DEFAULT, 0, .def = 1, .names = color_names }, "{\"type\":"
		  "\"string\",\"enum\":[\"red\",\"green\",\"blue\"],\"default\":\"green\"}" },
		{ { "f", PT_FAMILY, 0, 0, .names = family_names }, "{\"oneOf\":[{\"type\":\"string\","
		  "\"enum\":[\"unspec\",\"unix\",\"inet\",\"inet6\",\"af/unspec\",\"af/unix\",\"af/inet\",\"af/inet6\"]},{\"type\":\"integer\"}]}" },
		{ { "fl", PT_FLAGS, 0, 0, .names = flag_names }, "{\"oneOf\":[{\"type\":\"array\","
		  "\"items\":{\"type\":\"string\",\"enum\":[\"peek\",\"oob\",\"waitall\"]}},"
		  "{\"type\":\"integer\"}]}" },
		{ { "h", PT_HANDLE, P_REQUIRED, 0, .desc = "test" },
		  "{\"type\":\"integer\",\"minimum\":1}" },
		{ { "a", PT_SOCKADDR, 0, 0, .desc = "test" },
		  "{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"object\"}]}" },
		{ { "d", PT_BYTES, 0, 0, .desc = "test" },
		  "{\"type\":\"string\",\"contentEncoding\":\"base64\"}" },
		{ { "t", PT_TIMEOUT, 0, 0, .desc = "test" },
		  "{\"oneOf\":[{\"type\":\"integer\",\"minimum\":0},{\"type\":\"null\"}]}" },
		{ { "p", PT_PORT, P_NULLABLE, 0, .desc = "test" }, "{\"oneOf\":[{\"oneOf\":[{\"type\":"
		  "\"integer\",\"minimum\":0,\"maximum\":65535},{\"type\":\"string\"}]},"
		  "{\"type\":\"null\"}]}" },
	};
	json_object *got, *want;
	size_t i;

	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		got = param_schema(&x[i].p);
		ck_assert_ptr_nonnull(want = json_tokener_parse(x[i].want));
		ck_assert_msg(json_object_equal(got, want), "%s: schema %s, want %s",
		    x[i].p.name, json_object_to_json_string(got), x[i].want);
		json_object_put(got);
		json_object_put(want);
	}
}
END_TEST

START_TEST(test_xtype)
{
	static const struct {
		enum param_type	 type;
		const char	*want;
	} x[] = {
		{ PT_BOOL, "boolean" }, { PT_INT, "integer" }, { PT_STRING, "string" },
		{ PT_ENUM, "enum" }, { PT_HANDLE, "handle" }, { PT_SOCKADDR, "sockaddr" },
		{ PT_BYTES, "bytes" }, { PT_TIMEOUT, "timeout" }, { PT_FLAGS, "flags" },
		{ PT_FAMILY, "family" }, { PT_SOCKTYPE, "type" }, { PT_PROTOCOL, "protocol" },
		{ PT_PORT, "port" },
	};
	struct param p;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.name = "x";
	for (i = 0; i < sizeof(x) / sizeof(x[0]); i++) {
		p.type = x[i].type;
		ck_assert_str_eq(param_xtype(&p), x[i].want);
	}
}
END_TEST

static Suite *
param_suite(void)
{
	Suite	*s = suite_create("param");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sockaddr);
	tcase_add_test(tc, test_bytes);
	tcase_add_test(tc, test_bytes_bad);
	tcase_add_test(tc, test_handle);
	tcase_add_test(tc, test_handle_owner);
	tcase_add_test(tc, test_mixed);
	tcase_add_test(tc, test_schema);
	tcase_add_test(tc, test_xtype);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(param_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
