/* test_cliargs.c: unit tests for sock6ctl's key=value parsing (cliargs.c)
 * and its help rendering from an in-memory OpenRPC document (help.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cliargs.h"
#include "help.h"

static char	 err[512];
static char	 tmpdir[64];
static char	 tmpfile_path[128];

static void
setup_tmp(void)
{
	strcpy(tmpdir, "/tmp/test_cliargs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(tmpfile_path, sizeof(tmpfile_path), "%s/in", tmpdir);
	ck_assert_int_eq(chdir(tmpdir), 0);	/* "@name" must not exist */
	err[0] = '\0';
}

static void
teardown_tmp(void)
{
	unlink(tmpfile_path);
	ck_assert_int_eq(chdir("/"), 0);
	rmdir(tmpdir);
}

static void
write_file(const char *path, const void *p, size_t n)
{
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, p, n), (ssize_t)n);
	close(fd);
}

/* Parse the words and return the params as compact JSON (static buffer). */
static const char *
parse_json(int n, char *const words[])
{
	static char	 out[4096];
	json_object	*o;

	o = cliargs_parse(n, words, err, sizeof(err));
	ck_assert_msg(o != NULL, "unexpected error: %s", err);
	snprintf(out, sizeof(out), "%s", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

/* Parse the words, expect a usage error, return its message. */
static const char *
parse_err(int n, char *const words[])
{
	json_object	*o;

	err[0] = '\0';
	o = cliargs_parse(n, words, err, sizeof(err));
	ck_assert_ptr_null(o);
	return err;
}

#define W(...)	(char *[]){ __VA_ARGS__ }
#define NW(...)	(int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
#define PJ(...)	parse_json(NW(__VA_ARGS__), W(__VA_ARGS__))
#define PE(...)	parse_err(NW(__VA_ARGS__), W(__VA_ARGS__))

START_TEST(test_no_words)
{
	ck_assert_str_eq(parse_json(0, NULL), "{}");
}
END_TEST

START_TEST(test_integers)
{
	json_object	*o, *v;

	ck_assert_str_eq(PJ("port=80"), "{\"port\":80}");
	ck_assert_str_eq(PJ("n=-12"), "{\"n\":-12}");
	ck_assert_str_eq(PJ("n=007"), "{\"n\":7}");
	ck_assert_str_eq(PJ("n=-0"), "{\"n\":0}");
	ck_assert_str_eq(PJ("n=9223372036854775807"),
	    "{\"n\":9223372036854775807}");
	ck_assert_str_eq(PJ("n=-9223372036854775808"),
	    "{\"n\":-9223372036854775808}");
	o = cliargs_parse(1, W("port=80"), err, sizeof(err));
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "port", &v));
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert_int_eq(json_object_get_int64(v), 80);
	json_object_put(o);
}
END_TEST

START_TEST(test_integer_range)
{
	ck_assert_str_eq(PE("n=9223372036854775808"),
	    "n: integer out of range");
	ck_assert_str_eq(PE("n=-9223372036854775809"),
	    "n: integer out of range");
	ck_assert_str_eq(PE("n=99999999999999999999999"),
	    "n: integer out of range");
}
END_TEST

START_TEST(test_not_integers)
{
	ck_assert_str_eq(PJ("a=-"), "{\"a\":\"-\"}");
	ck_assert_str_eq(PJ("a=+5"), "{\"a\":\"+5\"}");
	ck_assert_str_eq(PJ("a=1.5"), "{\"a\":\"1.5\"}");
	ck_assert_str_eq(PJ("a=1e3"), "{\"a\":\"1e3\"}");
	ck_assert_str_eq(PJ("a=0x10"), "{\"a\":\"0x10\"}");
	ck_assert_str_eq(PJ("a= 1"), "{\"a\":\" 1\"}");
	ck_assert_str_eq(PJ("a=12a"), "{\"a\":\"12a\"}");
}
END_TEST

START_TEST(test_literals)
{
	ck_assert_str_eq(PJ("a=true", "b=false", "c=null"),
	    "{\"a\":true,\"b\":false,\"c\":null}");
	ck_assert_str_eq(PJ("a=True", "b=NULL", "c=nil"),
	    "{\"a\":\"True\",\"b\":\"NULL\",\"c\":\"nil\"}");
}
END_TEST

START_TEST(test_strings)
{
	ck_assert_str_eq(PJ("address=127.0.0.1:80"),
	    "{\"address\":\"127.0.0.1:80\"}");
	ck_assert_str_eq(PJ("address=[::1]:22"), "{\"address\":\"[::1]:22\"}");
	ck_assert_str_eq(PJ("path=/tmp/s"), "{\"path\":\"/tmp/s\"}");
	ck_assert_str_eq(PJ("a="), "{\"a\":\"\"}");
	ck_assert_str_eq(PJ("a=b=c"), "{\"a\":\"b=c\"}");
	ck_assert_str_eq(PJ("text=h\xc3\xa9llo wo\"rld"),
	    "{\"text\":\"h\xc3\xa9llo wo\\\"rld\"}");
	ck_assert_str_eq(PJ("a=x{y}"), "{\"a\":\"x{y}\"}");
}
END_TEST

START_TEST(test_bracketed_v6)
{
	ck_assert_str_eq(PJ("host=[::1]"), "{\"host\":\"[::1]\"}");
	ck_assert_str_eq(PJ("a=[2001:db8::1.2.3.4]:65535"),
	    "{\"a\":\"[2001:db8::1.2.3.4]:65535\"}");
	ck_assert_str_eq(PJ("a=[fe80::1%eth0.5]:80"),
	    "{\"a\":\"[fe80::1%eth0.5]:80\"}");
	ck_assert_str_eq(PJ("host=[::1]:http"), "{\"host\":\"[::1]:http\"}");
	ck_assert_str_eq(PJ("a=[1]"), "{\"a\":[1]}");
	ck_assert_str_eq(PE("a=[::1"), "a: invalid JSON: unexpected character");
	ck_assert_str_eq(PE("a=[::1]:"), "a: invalid JSON: unexpected character");
	ck_assert_str_eq(PE("a=[::1]x"), "a: invalid JSON: unexpected character");
	ck_assert_str_eq(PE("a=[::1]:8 0"),
	    "a: invalid JSON: unexpected character");
	ck_assert_str_eq(PE("a=[%lo::1]"), "a: invalid JSON: unexpected character");
	ck_assert_str_eq(PE("a=[:g]"), "a: invalid JSON: unexpected character");
}
END_TEST

START_TEST(test_json_values)
{
	ck_assert_str_eq(PJ("flags=[\"peek\",\"oob\"]"),
	    "{\"flags\":[\"peek\",\"oob\"]}");
	ck_assert_str_eq(PJ("value={\"on\":true,\"seconds\":5}"),
	    "{\"value\":{\"on\":true,\"seconds\":5}}");
	ck_assert_str_eq(PJ("text=\"42\""), "{\"text\":\"42\"}");
	ck_assert_str_eq(PJ("address=\"@abstract\""),
	    "{\"address\":\"@abstract\"}");
	ck_assert_str_eq(PJ("a=[]", "b={}"), "{\"a\":[],\"b\":{}}");
	ck_assert_str_eq(PJ("a=[1, 2.5, null] "), "{\"a\":[1,2.5,null]}");
}
END_TEST

START_TEST(test_json_invalid)
{
	ck_assert_str_eq(PE("v={\"a\":"),
	    "v: invalid JSON: unexpected end of text");
	ck_assert_str_eq(PE("v={\"a\":1}x"),
	    "v: invalid JSON: unexpected character");
	ck_assert_str_eq(PE("v=[1,2,]"), "v: invalid JSON: unexpected character");
	ck_assert_str_eq(PE("v=\"abc"), "v: invalid JSON: unexpected end of text");
	ck_assert_str_eq(PE("v=[NaN]"), "v: invalid JSON: not a finite number");
	ck_assert_str_eq(PE("v={\"a\":[-Infinity]}"),
	    "v: invalid JSON: not a finite number");
}
END_TEST

START_TEST(test_usage_errors)
{
	ck_assert_str_eq(PE("family"), "'family' is not key=value");
	ck_assert_str_eq(PE("=inet"), "'=inet' has an empty key");
	ck_assert_str_eq(PE("="), "'=' has an empty key");
	ck_assert_str_eq(PE("a=1", "b=2", "a=3"), "key 'a' is given twice");
	ck_assert_str_eq(PE("a=null", "a=1"), "key 'a' is given twice");
	ck_assert_str_eq(PE("a=1", "oops"), "'oops' is not key=value");
}
END_TEST

START_TEST(test_utf8)
{
	ck_assert_str_eq(PE("k=\xff"),
	    "k: value is not valid UTF-8 (k=@FILE sends bytes)");
	ck_assert_str_eq(PE("k=\"\xc0\xaf\""),
	    "k: value is not valid UTF-8 (k=@FILE sends bytes)");
	ck_assert_str_eq(PE("\xff=1"), "a key is not valid UTF-8");
}
END_TEST

START_TEST(test_value_direct)
{
	json_object	*v = (json_object *)1;

	ck_assert_int_eq(cliargs_value("k", "null", &v, err, sizeof(err)), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(cliargs_value("k", "-7", &v, err, sizeof(err)), 0);
	ck_assert_int_eq(json_object_get_int64(v), -7);
	json_object_put(v);
	ck_assert_int_eq(cliargs_value("k", "@x", &v, err, sizeof(err)), 0);
	ck_assert_str_eq(json_object_get_string(v), "@x");
	json_object_put(v);
	ck_assert_int_eq(cliargs_value("k", "[", &v, err, sizeof(err)), -1);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(err, "k: invalid JSON: unexpected end of text");
}
END_TEST

START_TEST(test_file)
{
	char	word[256];

	write_file(tmpfile_path, "\0\1\2hello", 8);
	snprintf(word, sizeof(word), "data=@%s", tmpfile_path);
	ck_assert_str_eq(parse_json(1, W(word)), "{\"data\":\"AAECaGVsbG8=\"}");
	write_file(tmpfile_path, "", 0);
	ck_assert_str_eq(parse_json(1, W(word)), "{\"data\":\"\"}");
}
END_TEST

START_TEST(test_file_errors)
{
	ck_assert_str_eq(PE("data=@/nonexistent/x"),
	    "data: cannot read /nonexistent/x: No such file or directory "
	    "(the string \"@/nonexistent/x\" is written "
	    "data='\"@/nonexistent/x\"')");
	ck_assert_str_eq(PE("address=@name"),
	    "address: cannot read name: No such file or directory "
	    "(the string \"@name\" is written address='\"@name\"')");
	ck_assert_str_eq(PE("data=@"), "data: missing file name after '@'");
	ck_assert_str_eq(PE("data=@/"),
	    "data: cannot read /: Is a directory");
}
END_TEST

START_TEST(test_file_too_big)
{
	json_object	*o, *v;
	char		 word[256], want[512];
	int		 fd;

	fd = open(tmpfile_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, CLIARGS_MAX_FILE + 1), 0);
	snprintf(word, sizeof(word), "data=@%s", tmpfile_path);
	snprintf(want, sizeof(want), "data: %s is larger than 16777216 bytes",
	    tmpfile_path);
	ck_assert_str_eq(parse_err(1, W(word)), want);
	ck_assert_int_eq(ftruncate(fd, CLIARGS_MAX_FILE), 0);
	close(fd);
	o = cliargs_parse(1, W(word), err, sizeof(err));
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "data", &v));
	ck_assert_uint_eq(json_object_get_string_len(v), 22369624);
	json_object_put(o);
}
END_TEST

START_TEST(test_stdin)
{
	write_file(tmpfile_path, "hi\n", 3);
	ck_assert_ptr_nonnull(freopen(tmpfile_path, "r", stdin));
	ck_assert_str_eq(PJ("text=x", "data=@-"),
	    "{\"text\":\"x\",\"data\":\"aGkK\"}");
	ck_assert_str_eq(PE("a=@-", "b=@-"),
	    "b: standard input is already used by another @- value");
}
END_TEST

static json_object *
test_doc(void)
{
	static const char text[] =
	    "{\"openrpc\":\"1.2.6\",\"info\":{\"title\":\"sock6d\","
	    "\"version\":\"0.1.0\",\"x-protocol\":1},\"methods\":["
	    "{\"name\":\"socket.create\",\"summary\":\"Create a socket.\","
	    "\"description\":\"The socket is non-blocking and close-on-exec; "
	    "with scope connection it is closed together with the control "
	    "connection that created it.\",\"params\":["
	    "{\"name\":\"family\",\"required\":true,\"description\":"
	    "\"Address family.\",\"x-type\":\"family\",\"schema\":{\"oneOf\":["
	    "{\"type\":\"string\",\"enum\":[\"inet\",\"inet6\",\"unix\"]},"
	    "{\"type\":\"integer\"}]}},"
	    "{\"name\":\"type\",\"required\":true,\"x-type\":\"type\","
	    "\"schema\":{\"oneOf\":[{\"type\":\"string\",\"enum\":[\"stream\","
	    "\"dgram\"]},{\"type\":\"integer\"}]}},"
	    "{\"name\":\"protocol\",\"x-type\":\"protocol\",\"schema\":"
	    "{\"oneOf\":[{\"type\":\"string\",\"enum\":[\"tcp\",\"udp\"],"
	    "\"default\":\"tcp\"},{\"type\":\"integer\"}]}},"
	    "{\"name\":\"scope\",\"x-type\":\"enum\",\"description\":"
	    "\"Lifetime.\",\"schema\":{\"type\":\"string\",\"enum\":"
	    "[\"daemon\",\"connection\"],\"default\":\"daemon\"}}],"
	    "\"result\":{\"name\":\"result\",\"schema\":{\"type\":\"object\","
	    "\"properties\":{\"handle\":{\"type\":\"integer\",\"description\":"
	    "\"the new socket's handle\"},\"family\":"
	    "{\"type\":[\"string\",\"integer\"]},\"local\":{\"type\":"
	    "\"object\",\"x-type\":\"sockaddr\"},\"data\":{\"type\":"
	    "\"string\",\"contentEncoding\":\"base64\"}}}},"
	    "\"errors\":[{\"code\":-32602,\"message\":\"Invalid params\"},"
	    "{\"code\":1000,\"message\":\"net\"}]},"
	    "{\"name\":\"daemon.ping\",\"summary\":\"Check that the daemon "
	    "answers.\",\"params\":[],\"result\":{\"name\":\"result\","
	    "\"schema\":{\"type\":\"object\",\"properties\":{\"pong\":"
	    "{\"type\":\"boolean\"}}}},\"errors\":[]},"
	    "{\"name\":\"socket.close\",\"summary\":\"Close a socket.\","
	    "\"params\":[{\"name\":\"handle\",\"required\":true,\"x-type\":"
	    "\"handle\",\"schema\":{\"type\":\"integer\",\"minimum\":1}},"
	    "{\"name\":\"force\",\"x-type\":\"boolean\",\"schema\":{\"type\":"
	    "\"boolean\",\"default\":false}}],\"result\":{\"name\":\"result\","
	    "\"schema\":{\"type\":\"object\",\"properties\":{}}}}]}";
	json_object	*doc = json_tokener_parse(text);

	ck_assert_ptr_nonnull(doc);
	return doc;
}

/* Render with f into a string the caller frees. */
static char *
render(int (*f)(FILE *, json_object *, const char *), json_object *doc,
    const char *name, int *rc)
{
	char	*s = NULL;
	size_t	 n = 0;
	FILE	*fp = open_memstream(&s, &n);

	ck_assert_ptr_nonnull(fp);
	*rc = f(fp, doc, name);
	fclose(fp);
	return s;
}

static int
list_adapter(FILE *fp, json_object *doc, const char *name)
{
	(void)name;
	help_list(fp, doc);
	return 0;
}

static json_object *
param(const char *text)
{
	json_object	*p = json_tokener_parse(text);

	ck_assert_ptr_nonnull(p);
	return p;
}

static const char *
ptype(const char *text)
{
	static char	 out[512];
	json_object	*p = param(text);

	help_param_type(p, out, sizeof(out));
	json_object_put(p);
	return out;
}

START_TEST(test_help_find_usage)
{
	json_object	*doc = test_doc();
	char		 usage[256];

	ck_assert_ptr_nonnull(help_find(doc, "daemon.ping"));
	ck_assert_ptr_null(help_find(doc, "daemon.pong"));
	ck_assert_ptr_null(help_find(doc, "daemon"));
	help_usage(help_find(doc, "socket.create"), usage, sizeof(usage));
	ck_assert_str_eq(usage, "sock6ctl socket.create family=FAMILY "
	    "type=TYPE [protocol=PROTOCOL] [scope=SCOPE]");
	help_usage(help_find(doc, "daemon.ping"), usage, sizeof(usage));
	ck_assert_str_eq(usage, "sock6ctl daemon.ping");
	help_usage(help_find(doc, "socket.create"), usage, 24);
	ck_assert_str_eq(usage, "sock6ctl socket.create ");
	json_object_put(doc);
}
END_TEST

START_TEST(test_help_param_types)
{
	ck_assert_str_eq(ptype("{\"name\":\"port\",\"x-type\":\"integer\","
	    "\"schema\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":65535}}"),
	    "integer 0..65535");
	ck_assert_str_eq(ptype("{\"name\":\"n\",\"x-type\":\"integer\","
	    "\"schema\":{\"type\":\"integer\",\"minimum\":1}}"), "integer >= 1");
	ck_assert_str_eq(ptype("{\"name\":\"n\",\"x-type\":\"integer\","
	    "\"schema\":{\"type\":\"integer\",\"maximum\":9}}"), "integer <= 9");
	ck_assert_str_eq(ptype("{\"name\":\"n\",\"schema\":{\"type\":"
	    "\"integer\"}}"), "integer");
	ck_assert_str_eq(ptype("{\"name\":\"path\",\"x-type\":\"string\","
	    "\"schema\":{\"type\":\"string\",\"maxLength\":107}}"),
	    "string of at most 107 bytes");
	ck_assert_str_eq(ptype("{\"name\":\"host\",\"x-type\":\"string\","
	    "\"schema\":{\"oneOf\":[{\"type\":\"string\",\"maxLength\":255},"
	    "{\"type\":\"null\"}]}}"), "string of at most 255 bytes or null");
	ck_assert_str_eq(ptype("{\"name\":\"n\",\"x-type\":\"integer\","
	    "\"schema\":{\"oneOf\":[{\"type\":\"integer\",\"minimum\":1,"
	    "\"maximum\":64},{\"type\":\"null\"}]}}"), "integer 1..64 or null");
	ck_assert_str_eq(ptype("{\"name\":\"n\",\"x-type\":\"integer\","
	    "\"schema\":{\"type\":\"integer\",\"minimum\":"
	    "-9223372036854775808,\"maximum\":9223372036854775807}}"), "integer");
	ck_assert_str_eq(ptype("{\"name\":\"port\",\"x-type\":\"port\","
	    "\"schema\":{\"oneOf\":[{\"oneOf\":[{\"type\":\"integer\","
	    "\"minimum\":0,\"maximum\":65535},{\"type\":\"string\"}]},"
	    "{\"type\":\"null\"}]}}"),
	    "port: 0..65535 as an integer or a decimal string, or null");
	ck_assert_str_eq(ptype("{\"name\":\"x\",\"x-type\":\"newthing\","
	    "\"schema\":{\"type\":[\"string\",\"integer\"]}}"),
	    "newthing: string or integer");
	ck_assert_str_eq(ptype("{\"name\":\"how\",\"x-type\":\"enum\","
	    "\"schema\":{\"type\":\"string\",\"enum\":[\"rd\",\"wr\",\"rdwr\"]}}"),
	    "one of rd, wr, rdwr");
	ck_assert_str_eq(ptype("{\"name\":\"how\",\"schema\":{\"enum\":"
	    "[\"rd\",2]}}"), "one of rd, 2");
	ck_assert_str_eq(ptype("{\"name\":\"handle\",\"x-type\":\"handle\","
	    "\"schema\":{\"type\":\"integer\",\"minimum\":1}}"),
	    "handle (integer >= 1)");
	ck_assert_str_eq(ptype("{\"name\":\"force\",\"x-type\":\"boolean\"}"),
	    "boolean");
	ck_assert_str_eq(ptype("{\"name\":\"addresses\",\"x-type\":\"array\","
	    "\"schema\":{\"type\":\"array\"}}"), "a JSON array");
	ck_assert_str_eq(ptype("{\"name\":\"port\",\"x-type\":\"service\","
	    "\"schema\":{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}}"),
	    "service name, or port number 0..65535");
	ck_assert_str_eq(ptype("{\"name\":\"timeout\",\"x-type\":\"timeout\"}"),
	    "milliseconds, or null for never");
	ck_assert_str_eq(ptype("{\"name\":\"data\",\"x-type\":\"bytes\"}"),
	    "bytes in base64 (data=@FILE reads FILE, data=@- stdin)");
	ck_assert_str_eq(ptype("{\"name\":\"text\",\"x-type\":\"bytes\"}"),
	    "bytes as a UTF-8 string");
	ck_assert_str_eq(ptype("{\"name\":\"address\",\"x-type\":\"sockaddr\"}"),
	    "address: \"host:port\", \"[v6]:port\", \"/path\", \"@name\" or "
	    "an object");
	ck_assert_str_eq(ptype("{\"name\":\"flags\",\"x-type\":\"flags\","
	    "\"schema\":{\"oneOf\":[{\"type\":\"array\",\"items\":{\"enum\":"
	    "[\"peek\",\"oob\"]}},{\"type\":\"integer\"}]}}"),
	    "flags: a JSON array of names or an integer; names: peek, oob");
	ck_assert_str_eq(ptype("{\"name\":\"flags\",\"x-type\":\"flags\"}"),
	    "flags: a JSON array of names or an integer");
	ck_assert_str_eq(ptype("{\"name\":\"family\",\"x-type\":\"family\"}"),
	    "family name or integer");
	ck_assert_str_eq(ptype("{\"name\":\"value\",\"x-type\":\"any\"}"),
	    "any JSON value");
	ck_assert_str_eq(ptype("{\"name\":\"v\",\"schema\":{\"type\":"
	    "[\"integer\",\"null\"]}}"), "integer or null");
	ck_assert_str_eq(ptype("{\"name\":\"v\",\"schema\":{\"oneOf\":["
	    "{\"type\":\"string\"},{\"type\":\"null\"}]}}"), "string or null");
	ck_assert_str_eq(ptype("{\"name\":\"v\"}"), "any");
}
END_TEST

START_TEST(test_help_list)
{
	json_object	*doc = test_doc();
	char		*s;
	int		 rc;

	s = render(list_adapter, doc, NULL, &rc);
	ck_assert_str_eq(s,
	    "usage: sock6ctl [options] METHOD [key=value ...]\n"
	    "\n"
	    "Methods of sock6d 0.1.0 (protocol 1):\n"
	    "\n"
	    "daemon\n"
	    "  daemon.ping    Check that the daemon answers.\n"
	    "\n"
	    "socket\n"
	    "  socket.close   Close a socket.\n"
	    "  socket.create  Create a socket.\n"
	    "\n"
	    "'sock6ctl help METHOD' describes a method's parameters.\n");
	free(s);
	json_object_put(doc);
}
END_TEST

START_TEST(test_help_method)
{
	json_object	*doc = test_doc();
	char		*s;
	int		 rc;

	s = render(help_method, doc, "socket.create", &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s,
	    "usage: sock6ctl socket.create family=FAMILY type=TYPE "
	    "[protocol=PROTOCOL]\n"
	    "                              [scope=SCOPE]\n"
	    "\n"
	    "Create a socket.\n"
	    "\n"
	    "The socket is non-blocking and close-on-exec; with scope "
	    "connection it is\n"
	    "closed together with the control connection that created it.\n"
	    "\n"
	    "Parameters:\n"
	    "  family    required; family: inet, inet6, unix, or an integer\n"
	    "            Address family.\n"
	    "  type      required; type: stream, dgram, or an integer\n"
	    "  protocol  optional, default \"tcp\"; protocol: tcp, udp, or an "
	    "integer\n"
	    "  scope     optional, default \"daemon\"; one of daemon, connection\n"
	    "            Lifetime.\n"
	    "\n"
	    "Result:\n"
	    "  handle  integer\n"
	    "          the new socket's handle\n"
	    "  family  string or integer\n"
	    "  local   sockaddr\n"
	    "  data    string (base64)\n"
	    "\n"
	    "Errors:\n"
	    "  -32602  Invalid params\n"
	    "  1000    net\n");
	free(s);

	s = render(help_method, doc, "socket.close", &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s,
	    "usage: sock6ctl socket.close handle=HANDLE [force=FORCE]\n"
	    "\n"
	    "Close a socket.\n"
	    "\n"
	    "Parameters:\n"
	    "  handle  required; handle (integer >= 1)\n"
	    "  force   optional, default false; boolean\n"
	    "\n"
	    "Result: an empty object\n");
	free(s);

	s = render(help_method, doc, "daemon.ping", &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(s,
	    "usage: sock6ctl daemon.ping\n"
	    "\n"
	    "Check that the daemon answers.\n"
	    "\n"
	    "Parameters: none\n"
	    "\n"
	    "Result:\n"
	    "  pong  boolean\n");
	free(s);

	s = render(help_method, doc, "socket.nope", &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(s, "");
	free(s);
	json_object_put(doc);
}
END_TEST

static Suite *
cliargs_suite(void)
{
	Suite	*s = suite_create("cliargs");
	TCase	*tc;

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, setup_tmp, teardown_tmp);
	tcase_add_test(tc, test_no_words);
	tcase_add_test(tc, test_integers);
	tcase_add_test(tc, test_integer_range);
	tcase_add_test(tc, test_not_integers);
	tcase_add_test(tc, test_literals);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_bracketed_v6);
	tcase_add_test(tc, test_json_values);
	tcase_add_test(tc, test_json_invalid);
	tcase_add_test(tc, test_usage_errors);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_value_direct);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup_tmp, teardown_tmp);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_file_errors);
	tcase_add_test(tc, test_file_too_big);
	tcase_add_test(tc, test_stdin);
	suite_add_tcase(s, tc);

	tc = tcase_create("help");
	tcase_add_test(tc, test_help_find_usage);
	tcase_add_test(tc, test_help_param_types);
	tcase_add_test(tc, test_help_list);
	tcase_add_test(tc, test_help_method);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(cliargs_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
