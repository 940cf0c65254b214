/* test_jv.c: unit tests for the strict JSON request parser and its tree
 * (daemon/jv.c): value kinds, raw spans, strings, numbers, nesting limits,
 * error offsets, large inputs, and the cache of freed arenas (bounded, and
 * trees built in reused arenas as good as in new ones). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"

#define DEPTH		32		/* the daemon's default max_depth */
#define ANY_AT		((size_t)-1)	/* syntax(): do not check error_at */

struct sample {
	const char	*text;
	size_t		 len;
	size_t		 at;		/* expected error_at, or ANY_AT */
};

#define S(x, at)	{ x, sizeof(x) - 1, at }
#define D(json, want)	{ json, want, sizeof(want) - 1 }
#define SYNTAX_ALL(t)	syntax_all(t, sizeof(t) / sizeof(t[0]))

static struct jv_doc	doc;		/* zero at start, freed after each test */

static void
teardown(void)
{
	jv_free(&doc);
}

/* Parse len bytes of text into doc, freeing the previous tree first. */
static enum jv_status
parse_n(const char *text, size_t len, long max_depth)
{
	jv_free(&doc);
	return jv_parse(text, len, max_depth, &doc);
}

/* len bytes of text must parse at the default depth; the root. */
static const struct jv *
ok_n(const char *text, size_t len)
{
	enum jv_status	st = parse_n(text, len, DEPTH);

	ck_assert_msg(st == JV_OK, "\"%.80s\": status %d, error_at %zu",
	    text, (int)st, doc.error_at);
	ck_assert_ptr_nonnull(doc.root);
	ck_assert_ptr_nonnull(doc.arena);
	ck_assert_ptr_null(doc.root->key);
	ck_assert_uint_eq(doc.root->keylen, 0);
	return doc.root;
}

static const struct jv *
ok(const char *text)
{
	return ok_n(text, strlen(text));
}

/* A failed parse must leave the document empty. */
static void
assert_empty_doc(void)
{
	ck_assert_ptr_null(doc.root);
	ck_assert_ptr_null(doc.arena);
}

/* len bytes of text must be JV_SYNTAX, at byte `at` unless ANY_AT (then
 * at least within the input). */
static void
syntax_n(const char *text, size_t len, size_t at)
{
	enum jv_status	st = parse_n(text, len, DEPTH);

	ck_assert_msg(st == JV_SYNTAX, "\"%.80s\": status %d, want JV_SYNTAX",
	    text, (int)st);
	assert_empty_doc();
	if (at != ANY_AT)
		ck_assert_msg(doc.error_at == at, "\"%.80s\": error_at %zu, want %zu",
		    text, doc.error_at, at);
	else
		ck_assert_uint_le(doc.error_at, len);
}

static void
syntax(const char *text, size_t at)
{
	syntax_n(text, strlen(text), at);
}

static void
syntax_all(const struct sample *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		syntax_n(s[i].text, s[i].len, s[i].at);
}

/* v's raw text must be exactly want. */
static void
assert_raw(const struct jv *v, const char *want)
{
	ck_assert_uint_eq(v->rawlen, strlen(want));
	ck_assert_mem_eq(v->raw, want, v->rawlen);
}

/* v must be a string of exactly the n bytes want, NUL-terminated. */
static void
assert_string(const struct jv *v, const char *want, size_t n)
{
	ck_assert_int_eq(v->type, JV_STRING);
	ck_assert_uint_eq(v->len, n);
	ck_assert_mem_eq(v->u.s, want, n);
	ck_assert_int_eq(v->u.s[n], '\0');
}

/* The JSON string literal `json` (with quotes) must decode to n bytes want. */
static void
assert_decodes(const char *json, const char *want, size_t n)
{
	const struct jv	*v = ok(json);

	assert_string(v, want, n);
	assert_raw(v, json);
}

/* Child i of container v, checked for its type, key (NULL in an array)
 * and raw text. */
static const struct jv *
kid(const struct jv *v, uint32_t i, enum jv_type type, const char *key,
    const char *raw)
{
	const struct jv	*k;

	ck_assert_uint_lt(i, v->len);
	k = &v->u.kids[i];
	ck_assert_int_eq(k->type, type);
	if (key == NULL) {
		ck_assert_ptr_null(k->key);
		ck_assert_uint_eq(k->keylen, 0);
	} else {
		ck_assert_uint_eq(k->keylen, strlen(key));
		ck_assert_mem_eq(k->key, key, k->keylen);
		ck_assert_int_eq(k->key[k->keylen], '\0');
	}
	assert_raw(k, raw);
	return k;
}

/* v must be a container of the given type with n children. */
static void
assert_container(const struct jv *v, enum jv_type type, uint32_t n)
{
	ck_assert_int_eq(v->type, type);
	ck_assert_uint_eq(v->len, n);
	if (n == 0)
		ck_assert_ptr_null(v->u.kids);
}

/* text must parse with status want at max_depth. */
static void
depth_is(const char *text, long max_depth, enum jv_status want)
{
	ck_assert_int_eq(parse_n(text, strlen(text), max_depth), want);
	if (want != JV_OK)
		assert_empty_doc();
}

/* n opening brackets (alternating "[" and {"k": when mixed), inner, then
 * the closers: a malloc'd string. */
static char *
nest(int n, bool mixed, const char *inner)
{
	char	*s = malloc((size_t)n * 8 + strlen(inner) + 1), *p;
	int	 i;

	ck_assert_ptr_nonnull(s);
	p = s;
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s", mixed && i % 2 ? "{\"k\":" : "[");
	p += sprintf(p, "%s", inner);
	for (i = n - 1; i >= 0; i--)
		*p++ = mixed && i % 2 ? '}' : ']';
	*p = '\0';
	return s;
}

START_TEST(test_literals)
{
	static const struct sample	bad[] = {
		S("tru", 0), S("nul", 0), S("fals", 0), S("True", 0),
		S("FALSE", 0), S("Null", 0), S("NULL", 0), S("t", 0),
		S("nulll", 4), S("truex", 4), S("true1", 4), S("falsetrue", 5),
		S("nil", 0), S("undefined", 0), S("[tru]", 1), S("{\"a\":nul}", 5),
	};
	const struct jv	*v = ok("[null,true,false]");

	assert_container(v, JV_ARRAY, 3);
	ck_assert_uint_eq(kid(v, 0, JV_NULL, NULL, "null")->len, 0);
	ck_assert(kid(v, 1, JV_BOOL, NULL, "true")->u.b == true);
	ck_assert(kid(v, 2, JV_BOOL, NULL, "false")->u.b == false);
	ck_assert_int_eq(ok("null")->type, JV_NULL);
	ck_assert(ok("true")->type == JV_BOOL && doc.root->u.b == true);
	ck_assert(ok("false")->type == JV_BOOL && doc.root->u.b == false);
	assert_raw(doc.root, "false");
	SYNTAX_ALL(bad);
}
END_TEST

START_TEST(test_numbers)
{
	static const struct {
		const char	*text;
		enum jv_type	 type;
		int64_t		 i;
		double		 d;
	} good[] = {
		{ "0", JV_INT, 0, 0 }, { "-0", JV_INT, 0, 0 },
		{ "1", JV_INT, 1, 0 }, { "-1", JV_INT, -1, 0 },
		{ "42", JV_INT, 42, 0 }, { "4294967296", JV_INT, INT64_C(4294967296), 0 },
		{ "9223372036854775807", JV_INT, INT64_MAX, 0 },
		{ "-9223372036854775808", JV_INT, INT64_MIN, 0 },
		{ "9223372036854775806", JV_INT, INT64_MAX - 1, 0 },
		{ "-9223372036854775807", JV_INT, INT64_MIN + 1, 0 },
		/* 18 digits always fit; the 19th is where overflow is checked */
		{ "999999999999999999", JV_INT, INT64_C(999999999999999999), 0 },
		{ "-1000000000000000000", JV_INT, -INT64_C(1000000000000000000), 0 },
		{ "9999999999999999999", JV_NUMBER, 0, 9999999999999999999.0 },
		{ "1.5", JV_NUMBER, 0, 1.5 }, { "-1.5", JV_NUMBER, 0, -1.5 },
		{ "1e10", JV_NUMBER, 0, 1e10 }, { "1E+2", JV_NUMBER, 0, 100.0 },
		{ "1e-2", JV_NUMBER, 0, 0.01 }, { "1E2", JV_NUMBER, 0, 100.0 },
		{ "1.0", JV_NUMBER, 0, 1.0 }, { "0e0", JV_NUMBER, 0, 0.0 },
		{ "-0.0", JV_NUMBER, 0, -0.0 },
		{ "-2.5e-3", JV_NUMBER, 0, -0.0025 },
		{ "123.456e+7", JV_NUMBER, 0, 1234560000.0 },
		{ "1.7976931348623157e308", JV_NUMBER, 0, DBL_MAX },
		/* integers past int64 are numbers, their text kept exactly */
		{ "9223372036854775808", JV_NUMBER, 0, 9223372036854775808.0 },
		{ "-9223372036854775809", JV_NUMBER, 0, -9223372036854775808.0 },
		{ "18446744073709551616", JV_NUMBER, 0, 18446744073709551616.0 },
		{ "100000000000000000000000", JV_NUMBER, 0, 1e23 },
	};
	static const struct sample	bad[] = {
		S("01", 0), S("-01", 1), S("00", 0), S("-00", 1),
		S("1.", 2), S(".5", 0), S("+1", 0), S("1e", 2), S("1e+", 3),
		S("1E-", 3), S("-", 1), S("NaN", 0), S("nan", 0),
		S("Infinity", 0), S("-Infinity", 1), S("0x10", 1), S("1.e5", 2),
		S("- 1", 1), S("1.5.5", 3), S("1e5e5", 3), S("1e5.5", 3),
		S("--1", 1), S("-+1", 1), S("123abc", 3), S("1,2", 1),
		S("[01]", 1), S("[1.]", 3), S("[-]", 2), S("{\"a\":.5}", 5),
	};
	const struct jv	*v;
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = ok(good[i].text);
		ck_assert_int_eq(v->type, good[i].type);
		if (v->type == JV_INT)
			ck_assert_int_eq(v->u.i, good[i].i);
		else
			ck_assert_double_eq(v->u.d, good[i].d);
		assert_raw(v, good[i].text);
	}
	ck_assert(signbit(ok("-0.0")->u.d));
	/* In a container, the number stops at the separator. */
	assert_container(v = ok("[2e3,9223372036854775808]"), JV_ARRAY, 2);
	ck_assert_double_eq(kid(v, 0, JV_NUMBER, NULL, "2e3")->u.d, 2000.0);
	ck_assert_double_eq(kid(v, 1, JV_NUMBER, NULL,
	    "9223372036854775808")->u.d, 9223372036854775808.0);
	SYNTAX_ALL(bad);
}
END_TEST

START_TEST(test_strings)
{
	static const struct {
		const char	*json, *want;
		size_t		 n;
	} good[] = {
		D("\"\"", ""), D("\"abc\"", "abc"), D("\"[{]}:,\"", "[{]}:,"),
		D("\"a b\x7f\"", "a b\x7f"),		/* DEL is not a control */
		D("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t"),
		D("\"a\\nb\"", "a\nb"), D("\"\\\\\"", "\\"), D("\"\\\"\"", "\""),
		D("\"\\u0041\"", "A"), D("\"\\u007f\"", "\x7f"),
		D("\"\\u0080\"", "\xc2\x80"), D("\"\\u00e9\"", "\xc3\xa9"),
		D("\"\\u00E9\"", "\xc3\xa9"), D("\"\\u07ff\"", "\xdf\xbf"),
		D("\"\\u0800\"", "\xe0\xa0\x80"), D("\"\\u20ac\"", "\xe2\x82\xac"),
		D("\"\\ud7ff\"", "\xed\x9f\xbf"), D("\"\\ue000\"", "\xee\x80\x80"),
		D("\"\\uffff\"", "\xef\xbf\xbf"),
		D("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80"),
		D("\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80"),
		D("\"\\ud800\\udc00\"", "\xf0\x90\x80\x80"),
		D("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf"),
		D("\"x\\u00e9y\\ud83d\\ude00z\"", "x\xc3\xa9y\xf0\x9f\x98\x80z"),
		/* raw UTF-8, including a BOM, is kept as it is */
		D("\"\xc3\xa9t\xc3\xa9\"", "\xc3\xa9t\xc3\xa9"),
		D("\"\xe2\x82\xac\"", "\xe2\x82\xac"), D("\"\xef\xbb\xbf\"", "\xef\xbb\xbf"),
		D("\"\xf0\x9f\x98\x80\"", "\xf0\x9f\x98\x80"),
		D("\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf"),
		/* NULs count in len and make the string not plain */
		D("\"a\\u0000b\"", "a\0b"), D("\"\\u0000\"", "\0"),
		D("\"ab\\u0000\"", "ab\0"), D("\"a\\u0001b\"", "a\001b"),
	};
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_decodes(good[i].json, good[i].want, good[i].n);
		ck_assert(jv_plain_string(doc.root) ==
		    (strlen(good[i].want) == good[i].n));
	}
	/* Only strings are plain strings. */
	ck_assert(!jv_plain_string(ok("0")) && !jv_plain_string(ok("[]")));
}
END_TEST

START_TEST(test_bad_strings)
{
	static const struct sample	bad[] = {
		/* lone or misordered surrogates */
		S("\"\\ud800\"", ANY_AT), S("\"\\udbff\"", ANY_AT),
		S("\"\\udc00\"", ANY_AT), S("\"\\udfff\"", ANY_AT),
		S("\"\\ude00\\ud83d\"", ANY_AT), S("\"\\ud83dx\"", ANY_AT),
		S("\"\\ud83d\\u0041\"", ANY_AT), S("\"\\ud83d\\ud83d\"", ANY_AT),
		S("\"\\ud83d\\ue000\"", ANY_AT), S("\"\\ud83d\\n\"", ANY_AT),
		S("\"\\ud83d\\ude0\"", ANY_AT), S("\"a\\ud83d\"", ANY_AT),
		S("[\"\\udc00\"]", ANY_AT), S("{\"\\ud800\":1}", ANY_AT),
		/* bad escapes, including escaped raw bytes */
		S("\"\\x\"", 2), S("\"a\\x41\"", 3), S("\"\\a\"", 2),
		S("\"\\'\"", 2), S("\"\\ \"", 2), S("\"\\0\"", 2),
		S("\"\\U0041\"", 2), S("\"\\e\"", 2), S("\"\\u12G4\"", ANY_AT),
		S("\"\\u12\"", ANY_AT), S("\"\\u\"", ANY_AT),
		S("\"\\u 123\"", ANY_AT), S("\"\\u-123\"", ANY_AT),
		S("\"\\u00e\"", ANY_AT), S("\"\\\x01\"", ANY_AT),
		S("\"\\\xc3\xa9\"", ANY_AT),
		/* unterminated */
		S("\"", 1), S("\"abc", 4), S("[\"abc]", 6), S("{\"a", 3),
		S("{\"a\":\"b}", 8), S("\"\\\"", 3),
	};
	char	buf[8];
	int	c;

	SYNTAX_ALL(bad);
	for (c = 0; c < 0x20; c++) {
		memcpy(buf, "\"a?b\"", 5);
		buf[2] = (char)c;
		syntax_n(buf, 5, 2);
		memcpy(buf, "{\"?\":1}", 7);
		buf[2] = (char)c;
		syntax_n(buf, 7, 2);
	}
}
END_TEST

/* A backslash as the last byte of the input: the problem is at the end. */
START_TEST(test_backslash_at_end)
{
	syntax("\"\\", 2);
	syntax("\"abc\\", 5);
	syntax("[\"\\ud83d\\", 9);
}
END_TEST

START_TEST(test_utf8)
{
	static const struct sample	bad[] = {
		/* overlongs, surrogates U+D800 and U+DFFF, U+110000 */
		S("\"\xc0\xaf\"", ANY_AT), S("\"\xc0\x80\"", ANY_AT),
		S("\"\xe0\x80\xaf\"", ANY_AT), S("\"\xf0\x82\x82\xac\"", ANY_AT),
		S("\"\xed\xa0\x80\"", ANY_AT), S("\"\xed\xbf\xbf\"", ANY_AT),
		S("\"\xf4\x90\x80\x80\"", ANY_AT),
		/* truncated, stray continuation, never-valid bytes */
		S("\"\xe2\x82\"", ANY_AT), S("\"\xf0\x9f\x98\"", ANY_AT),
		S("\"\xc3\"", ANY_AT), S("\"\xc3", ANY_AT), S("\"\x80\"", ANY_AT),
		S("\"\xff\"", ANY_AT), S("\"\xfe\"", ANY_AT),
		S("\"\xf8\x88\x80\x80\x80\"", ANY_AT),
		/* in a key, in a later element; a BOM is not whitespace */
		S("{\"\xc0\xaf\":1}", ANY_AT), S("[\"ok\",\"\xed\xa0\x80\"]", ANY_AT),
		S("\xef\xbb\xbf" "1", ANY_AT),
	};

	SYNTAX_ALL(bad);
}
END_TEST

START_TEST(test_framing)
{
	static const struct sample	bad[] = {
		/* other whitespace-like bytes */
		S("\f1", 0), S("\v1", 0), S("\x00" "1", 0), S("\xc2\xa0" "1", 0),
		S("1\f", 1), S("1\v", 1), S("1\x00", 1), S("1 \xc2\xa0", 2),
		S("[1\f]", 2), S("[\v1]", 1), S("{\"a\"\f:1}", 4),
		S("{\"a\":\f1}", 5),
		/* anything after the value */
		S("1 x", 2), S("1 2", 2), S("{} {}", 3), S("[1]]", 3),
		S("{}}", 2), S("null,", 4), S("\"a\"\"b\"", 3),
		S("[] \n []", 5), S("true false", 5), S("0 0", 2),
		/* no value at all */
		S("", 0), S(" ", 1), S("\n", 1), S(" \t\r\n", 4),
	};
	const struct jv	*v;

	ck_assert_int_eq(ok(" \t\r\n1 \t\r\n")->u.i, 1);
	assert_raw(doc.root, "1");
	assert_raw(ok("\n\n\"x\"\r\n"), "\"x\"");
	v = ok(" [ 1 , \"a\" ,\t[ ] ,\n{ } ] ");
	assert_raw(v, "[ 1 , \"a\" ,\t[ ] ,\n{ } ]");
	assert_container(v, JV_ARRAY, 4);
	kid(v, 0, JV_INT, NULL, "1");
	kid(v, 1, JV_STRING, NULL, "\"a\"");
	assert_container(kid(v, 2, JV_ARRAY, NULL, "[ ]"), JV_ARRAY, 0);
	assert_container(kid(v, 3, JV_OBJECT, NULL, "{ }"), JV_OBJECT, 0);
	v = ok("{\r\n\t\"a\"\t:\r\n 1 ,\"b\" : null\n}");
	assert_container(v, JV_OBJECT, 2);
	kid(v, 0, JV_INT, "a", "1");
	kid(v, 1, JV_NULL, "b", "null");
	SYNTAX_ALL(bad);
	/* len, not a NUL, bounds the input. */
	ck_assert_int_eq(ok_n("123456", 3)->u.i, 123);
	assert_raw(doc.root, "123");
	ck_assert_int_eq(ok_n("truex", 4)->type, JV_BOOL);
	ck_assert_uint_eq(ok_n("[1]garbage", 3)->len, 1);
	ck_assert_int_eq(ok_n("1.5e3", 3)->type, JV_NUMBER);
	ck_assert_double_eq(doc.root->u.d, 1.5);
	syntax_n("1", 0, 0);
	syntax_n("\"abc\"", 4, 4);
	syntax_n("1.5", 2, 2);
	syntax_n("tru", 2, 0);
	syntax_n("\"\\u0041\"", 5, ANY_AT);
}
END_TEST

START_TEST(test_arrays)
{
	const char	*text = "[1,\"a\",null,true,false,[],{},[2],{\"k\":3},-4.5]";
	const struct jv	*v = ok(text), *k;

	assert_container(v, JV_ARRAY, 10);
	assert_raw(v, text);
	ck_assert_int_eq(kid(v, 0, JV_INT, NULL, "1")->u.i, 1);
	assert_string(kid(v, 1, JV_STRING, NULL, "\"a\""), "a", 1);
	kid(v, 2, JV_NULL, NULL, "null");
	ck_assert(kid(v, 3, JV_BOOL, NULL, "true")->u.b == true);
	ck_assert(kid(v, 4, JV_BOOL, NULL, "false")->u.b == false);
	assert_container(kid(v, 5, JV_ARRAY, NULL, "[]"), JV_ARRAY, 0);
	assert_container(kid(v, 6, JV_OBJECT, NULL, "{}"), JV_OBJECT, 0);
	assert_container(k = kid(v, 7, JV_ARRAY, NULL, "[2]"), JV_ARRAY, 1);
	ck_assert_int_eq(kid(k, 0, JV_INT, NULL, "2")->u.i, 2);
	assert_container(k = kid(v, 8, JV_OBJECT, NULL, "{\"k\":3}"), JV_OBJECT, 1);
	ck_assert_int_eq(kid(k, 0, JV_INT, "k", "3")->u.i, 3);
	ck_assert_ptr_eq(k->u.kids[0].raw, k->raw + 5);
	ck_assert_double_eq(kid(v, 9, JV_NUMBER, NULL, "-4.5")->u.d, -4.5);
	/* Spans lie at their place in the root's text. */
	ck_assert_ptr_eq(v->u.kids[0].raw, v->raw + 1);
	ck_assert_ptr_eq(v->u.kids[1].raw, v->raw + 3);
	ck_assert_ptr_eq(v->u.kids[9].raw, v->raw + strlen(text) - 5);
	/* Empty and nested-empty containers. */
	assert_container(ok("[]"), JV_ARRAY, 0);
	assert_raw(doc.root, "[]");
	assert_container(ok("{}"), JV_OBJECT, 0);
	assert_raw(doc.root, "{}");
	ck_assert_ptr_null(jv_get(doc.root, "a"));
	ck_assert_ptr_null(jv_get(doc.root, ""));
	assert_container(v = ok("[[[]]]"), JV_ARRAY, 1);
	assert_container(v = kid(v, 0, JV_ARRAY, NULL, "[[]]"), JV_ARRAY, 1);
	assert_container(kid(v, 0, JV_ARRAY, NULL, "[]"), JV_ARRAY, 0);
}
END_TEST

START_TEST(test_objects)
{
	const char	*text = "{\"a\":1,\"bc\":[true],\"d\":{\"e\":\"f\"},\"\":null}";
	const struct jv	*v = ok(text), *m;

	assert_container(v, JV_OBJECT, 4);
	assert_raw(v, text);
	ck_assert_int_eq(kid(v, 0, JV_INT, "a", "1")->u.i, 1);
	assert_container(m = kid(v, 1, JV_ARRAY, "bc", "[true]"), JV_ARRAY, 1);
	kid(m, 0, JV_BOOL, NULL, "true");
	assert_container(m = kid(v, 2, JV_OBJECT, "d", "{\"e\":\"f\"}"),
	    JV_OBJECT, 1);
	assert_string(kid(m, 0, JV_STRING, "e", "\"f\""), "f", 1);
	ck_assert_ptr_eq(jv_get(m, "e"), &m->u.kids[0]);
	kid(v, 3, JV_NULL, "", "null");
	ck_assert_ptr_eq(jv_get(v, "a"), &v->u.kids[0]);
	ck_assert_ptr_eq(jv_get(v, "bc"), &v->u.kids[1]);
	ck_assert_ptr_eq(jv_get(v, "d"), &v->u.kids[2]);
	ck_assert_ptr_eq(jv_get(v, ""), &v->u.kids[3]);
	ck_assert_ptr_null(jv_get(v, "b"));
	ck_assert_ptr_null(jv_get(v, "e"));	/* not recursive */
	ck_assert_ptr_null(jv_get(&v->u.kids[1], "a"));	/* an array */
	ck_assert_ptr_null(jv_get(&v->u.kids[0], "a"));	/* a scalar */
	ck_assert_ptr_null(jv_get(NULL, "a"));
	m = &v->u.kids[1];
	ck_assert(jv_key_is(m, "bc") && !jv_key_is(m, "b"));
	ck_assert(!jv_key_is(m, "bcd") && !jv_key_is(m, "BC") && !jv_key_is(m, ""));
}
END_TEST

START_TEST(test_keys)
{
	const struct jv	*v = ok("{\"k\\u00e9y\":1,\"a\\u0000b\":2,\"\\\"q\\\"\":3,"
	    "\"\\ud83d\\ude00\":4}"), *m;

	assert_container(v, JV_OBJECT, 4);
	m = kid(v, 0, JV_INT, "k\xc3\xa9y", "1");
	ck_assert(jv_key_is(m, "k\xc3\xa9y"));
	ck_assert(!jv_key_is(m, "k\\u00e9y"));
	ck_assert_ptr_eq(jv_get(v, "k\xc3\xa9y"), m);
	m = &v->u.kids[1];
	ck_assert_uint_eq(m->keylen, 3);
	ck_assert_mem_eq(m->key, "a\0b", 4);
	ck_assert(!jv_key_is(m, "a"));		/* the NUL does not cut the key */
	ck_assert_ptr_null(jv_get(v, "a"));
	ck_assert_ptr_eq(jv_get(v, "\"q\""), kid(v, 2, JV_INT, "\"q\"", "3"));
	ck_assert_ptr_eq(jv_get(v, "\xf0\x9f\x98\x80"),
	    kid(v, 3, JV_INT, "\xf0\x9f\x98\x80", "4"));
	/* Duplicate keys are all kept, in order; jv_get finds the first. */
	v = ok("{\"a\":1,\"b\":2,\"a\":3,\"a\":\"x\"}");
	assert_container(v, JV_OBJECT, 4);
	ck_assert_int_eq(kid(v, 0, JV_INT, "a", "1")->u.i, 1);
	ck_assert_int_eq(kid(v, 1, JV_INT, "b", "2")->u.i, 2);
	ck_assert_int_eq(kid(v, 2, JV_INT, "a", "3")->u.i, 3);
	assert_string(kid(v, 3, JV_STRING, "a", "\"x\""), "x", 1);
	ck_assert_ptr_eq(jv_get(v, "a"), &v->u.kids[0]);
	ck_assert_ptr_eq(jv_get(v, "b"), &v->u.kids[1]);
}
END_TEST

START_TEST(test_container_syntax)
{
	static const struct sample	bad[] = {
		S("{\"a\"}", 4), S("{\"a\":}", 5), S("{a:1}", 1),
		S("{\"a\":1,}", 7), S("{,}", 1), S("{\"a\":1 \"b\":2}", 7),
		S("{1:2}", 1), S("{\"a\"::1}", 5), S("{", 1), S("}", 0),
		S("{'a':1}", 1), S("{\"a\" 1}", 5), S("{\"a\":1,,\"b\":2}", 7),
		S("{\"a\":1", 6), S("{\"a\":1]", 6), S("{null:1}", 1),
		S("[1,]", 3), S("[,1]", 1), S("[1 2]", 3), S("[", 1), S("]", 0),
		S("[\"a\":1]", 4), S("[1,2", 4), S("[1}", 2), S("[1,,2]", 3),
		S("[[]", 3), S("[]]", 2), S(",", 0), S(":", 0),
	};

	SYNTAX_ALL(bad);
	syntax("[1,2,x]", 5);
	syntax("{\"jsonrpc\":\"2.0\",\"id\":01}", 22);
	syntax("\"a\\xb\"", 3);
	syntax("  {\"a\":[1,2,]}", 12);
	syntax_n("[\"ab\x01\"]", 7, 4);
	syntax("[\"\\q\"]", 3);
}
END_TEST

/* The header promises error_at is the offset of the problem for every
 * JV_SYNTAX; invalid UTF-8 is a syntax error like any other. */
START_TEST(test_error_at_invalid_utf8)
{
	syntax("{\"method\":\"\xc0\xaf\"}", 11);
	syntax("[1,2,\"\xed\xa0\x80\"]", 6);
	syntax("\"abc\xff\"", 4);
}
END_TEST

START_TEST(test_depth)
{
	static const struct {
		const char	*text;
		long		 max_depth;
		enum jv_status	 want;
	} limits[] = {
		{ "1", 0, JV_OK }, { "[]", 0, JV_TOO_DEEP }, { "{}", 0, JV_TOO_DEEP },
		{ "[]", 1, JV_OK }, { "{\"a\":1}", 1, JV_OK }, { "[[]]", 1, JV_TOO_DEEP },
		{ "{\"a\":{}}", 1, JV_TOO_DEEP }, { "[{}]", 1, JV_TOO_DEEP },
		{ "2", -1, JV_OK }, { "[]", -1, JV_TOO_DEEP },
		{ "[[1],[2],{\"a\":[]},[[]]]", 2, JV_TOO_DEEP },
		{ "[[1],[2],{\"a\":[]},[[]]]", 3, JV_OK },
		{ "[[1],[2],{\"a\":3},[4]]", 2, JV_OK },	/* keep last */
	};
	const char	*brackets = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{";
	char		*s, buf[128];
	const struct jv	*v;
	int		 i;

	/* Exactly max_depth containers, with scalars inside, are fine. */
	s = nest(DEPTH, false, "1,\"x\",null,true");
	depth_is(s, DEPTH, JV_OK);
	for (v = doc.root, i = 1; i < DEPTH; i++, v = &v->u.kids[0]) {
		assert_container(v, JV_ARRAY, 1);
		ck_assert_uint_eq(v->rawlen, strlen(s) - 2 * (size_t)(i - 1));
	}
	assert_container(v, JV_ARRAY, 4);
	assert_raw(v, "[1,\"x\",null,true]");
	ck_assert_int_eq(kid(v, 0, JV_INT, NULL, "1")->u.i, 1);
	assert_string(kid(v, 1, JV_STRING, NULL, "\"x\""), "x", 1);
	free(s);
	/* One more is too deep, whatever follows. */
	s = nest(DEPTH + 1, false, "");
	depth_is(s, DEPTH, JV_TOO_DEEP);
	ck_assert_int_eq(parse_n(s, strlen(s) - 1, DEPTH), JV_TOO_DEEP);
	assert_empty_doc();
	free(s);
	/* Objects count as well as arrays. */
	s = nest(DEPTH, true, "{}");
	depth_is(s, DEPTH, JV_TOO_DEEP);
	depth_is(s, DEPTH + 1, JV_OK);
	ck_assert_int_eq(doc.root->u.kids[0].type, JV_OBJECT);
	ck_assert(jv_key_is(&doc.root->u.kids[0].u.kids[0], "k"));
	free(s);
	/* Small and odd limits; depth is nesting, not the container count. */
	for (i = 0; i < (int)(sizeof(limits) / sizeof(limits[0])); i++)
		depth_is(limits[i].text, limits[i].max_depth, limits[i].want);
	ck_assert_uint_eq(doc.root->len, 4);
	/* Brackets inside strings do not count. */
	depth_is("\"[{\"", 0, JV_OK);
	snprintf(buf, sizeof(buf), "[\"%s\"]", brackets);
	depth_is(buf, 1, JV_OK);
	assert_string(&doc.root->u.kids[0], brackets, 80);
	depth_is("{\"[[[[\":\"]]]]\"}", 1, JV_OK);
	kid(doc.root, 0, JV_STRING, "[[[[", "\"]]]]\"");
}
END_TEST

START_TEST(test_raw_and_free)
{
	char		 buf[] = "{\"id\":17,\"s\":\"hi\"}";
	const struct jv	*v;

	/* Raw spans are in the parser's copy: the input may be reused. */
	v = ok(buf);
	ck_assert(v->raw < buf || v->raw >= buf + sizeof(buf));
	memset(buf, 'x', strlen(buf));
	assert_raw(v, "{\"id\":17,\"s\":\"hi\"}");
	kid(v, 0, JV_INT, "id", "17");
	assert_string(kid(v, 1, JV_STRING, "s", "\"hi\""), "hi", 2);
	jv_free(&doc);
	assert_empty_doc();
	jv_free(&doc);			/* a second free is harmless */
	ck_assert_int_eq(parse_n("[1,2", 4, DEPTH), JV_SYNTAX);
	assert_empty_doc();
	/* doc is output only: whatever it held is overwritten. */
	memset(&doc, 0xa5, sizeof(doc));
	ck_assert_int_eq(jv_parse("x", 1, DEPTH, &doc), JV_SYNTAX);
	assert_empty_doc();
	ck_assert_uint_eq(doc.error_at, 0);
}
END_TEST

START_TEST(test_large_array)
{
	const int	 n = 100000;
	size_t		 len = 0;
	char		*s = malloc((size_t)n * 8 + 16), num[16];
	const struct jv	*v;
	int		 i;

	ck_assert_ptr_nonnull(s);
	s[len++] = '[';
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(s + len, i ? ",%d" : "%d", i - 50000);
	s[len++] = ']';
	v = ok_n(s, len);
	assert_container(v, JV_ARRAY, (uint32_t)n);
	ck_assert_uint_eq(v->rawlen, len);
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof(num), "%d", i - 50000);
		ck_assert_int_eq(kid(v, (uint32_t)i, JV_INT, NULL, num)->u.i,
		    i - 50000);
	}
	free(s);
}
END_TEST

/* Many containers with many children each: the scratch stack holds the
 * children of every open container at once. */
START_TEST(test_large_nested)
{
	const int	 outer = 300, inner = 200;
	size_t		 len = 0;
	char		*s = malloc((size_t)outer * inner * 16 + 64), key[16], num[16];
	const struct jv	*v, *o;
	int		 i, j;

	ck_assert_ptr_nonnull(s);
	len += (size_t)sprintf(s, "{\"list\":[");
	for (i = 0; i < outer; i++) {
		len += (size_t)sprintf(s + len, "%s{", i ? "," : "");
		for (j = 0; j < inner; j++)
			len += (size_t)sprintf(s + len, "%s\"k%d\":[%d]",
			    j ? "," : "", j, i * inner + j);
		s[len++] = '}';
	}
	len += (size_t)sprintf(s + len, "],\"n\":%d}", outer);
	v = ok_n(s, len);
	assert_container(v, JV_OBJECT, 2);
	ck_assert_int_eq(jv_get(v, "n")->u.i, outer);
	assert_container(o = jv_get(v, "list"), JV_ARRAY, (uint32_t)outer);
	for (i = 0; i < outer; i++) {
		assert_container(&o->u.kids[i], JV_OBJECT, (uint32_t)inner);
		for (j = 0; j < inner; j++) {
			snprintf(key, sizeof(key), "k%d", j);
			snprintf(num, sizeof(num), "[%d]", i * inner + j);
			ck_assert_int_eq(kid(&o->u.kids[i], (uint32_t)j, JV_ARRAY,
			    key, num)->u.kids[0].u.i, i * inner + j);
		}
	}
	free(s);
}
END_TEST

START_TEST(test_large_strings)
{
	const size_t	 n = 1024 * 1024, reps = 100000;
	char		*s = malloc(n + 16), *want = malloc(n);
	const struct jv	*v;
	size_t		 i, len = 0;

	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(want);
	for (i = 0; i < n; i++)
		want[i] = (char)('a' + i % 26);
	s[0] = '"';
	memcpy(s + 1, want, n);
	s[n + 1] = '"';
	v = ok_n(s, n + 2);
	assert_string(v, want, n);
	ck_assert_uint_eq(v->rawlen, n + 2);
	ck_assert(jv_plain_string(v));
	/* The same as a member after a small one, so it lands in a new chunk. */
	memcpy(s, "{\"a\":1,\"k\":\"", 12);
	memcpy(s + 12, want, n);
	memcpy(s + 12 + n, "\"}", 2);
	v = ok_n(s, n + 14);
	ck_assert_int_eq(kid(v, 0, JV_INT, "a", "1")->u.i, 1);
	assert_string(jv_get(v, "k"), want, n);
	/* Escapes decode to fewer bytes than their raw text. */
	s[len++] = '"';
	for (i = 0; i < reps; i++, len += 10)
		memcpy(s + len, "\\u00e9\\n\\t", 10);
	s[len++] = '"';
	for (i = 0; i < reps; i++)
		memcpy(want + i * 4, "\xc3\xa9\n\t", 4);
	v = ok_n(s, len);
	assert_string(v, want, reps * 4);
	ck_assert_uint_eq(v->rawlen, len);
	free(s);
	free(want);
}
END_TEST

/* Kinds of document for the cache tests, by the arenas they need. */
enum cache_kind {
	KIND_SMALL,		/* a request line: one small chunk */
	KIND_ESCAPED,		/* escapes and non-ASCII: one chunk of a few KiB */
	KIND_GROWING,		/* a numeric array whose tree outgrows its first chunks */
	KIND_BIG,		/* a string whose first chunk is past JV_CACHE_CHUNK_MAX */
	KIND_COUNT
};

#define GROWING_N	6000		/* KIND_GROWING's members: a ~300 KiB tree */
#define BIG_LEN		(JV_CACHE_CHUNK_MAX / 2 + 1000)
#define ESCAPED_REPS	300

/* The text of document `seq` of a kind (malloc'd, its length in *len). */
static char *
cache_text(enum cache_kind kind, unsigned seq, size_t *len)
{
	size_t	 cap = BIG_LEN + (size_t)GROWING_N * 16 + 256, n = 0, i;
	char	*s = malloc(cap);

	ck_assert_ptr_nonnull(s);
	switch (kind) {
	case KIND_SMALL:
		n = (size_t)sprintf(s, "{\"jsonrpc\":\"2.0\",\"id\":%u,\"method\":\"m%u\"}",
		    seq, seq);
		break;
	case KIND_ESCAPED:
		n = (size_t)sprintf(s, "{\"id\":\"e%u\",\"s\":\"", seq);
		for (i = 0; i < ESCAPED_REPS; i++)
			n += (size_t)sprintf(s + n, "\\u00e9\\n\xc3\xa9%c", 'a' + (int)(seq % 26));
		n += (size_t)sprintf(s + n, "\"}");
		break;
	case KIND_GROWING:
		n = (size_t)sprintf(s, "{\"id\":%u,\"a\":[", seq);
		for (i = 0; i < GROWING_N; i++)
			n += (size_t)sprintf(s + n, i ? ",%zu" : "%zu", i + seq);
		n += (size_t)sprintf(s + n, "]}");
		break;
	case KIND_BIG:
		n = (size_t)sprintf(s, "{\"id\":%u,\"b\":\"", seq);
		memset(s + n, 'a' + (int)(seq % 26), BIG_LEN);
		n += BIG_LEN;
		n += (size_t)sprintf(s + n, "\"}");
		break;
	default:
		ck_abort();
	}
	ck_assert_uint_lt(n, cap);
	*len = n;
	return s;
}

/* d must hold document `seq` of its kind, exactly. */
static void
cache_check(const struct jv_doc *d, enum cache_kind kind, unsigned seq)
{
	const struct jv	*v, *id, *m;
	char		 want[64];
	size_t		 i;

	ck_assert_ptr_nonnull(d->root);
	assert_container(d->root, JV_OBJECT, kind == KIND_SMALL ? 3 : 2);
	id = jv_get(d->root, "id");
	ck_assert_ptr_nonnull(id);
	switch (kind) {
	case KIND_SMALL:
		ck_assert_int_eq(id->u.i, seq);
		assert_string(jv_get(d->root, "jsonrpc"), "2.0", 3);
		snprintf(want, sizeof(want), "m%u", seq);
		m = jv_get(d->root, "method");
		assert_string(m, want, strlen(want));
		snprintf(want, sizeof(want), "\"m%u\"", seq);
		assert_raw(m, want);
		break;
	case KIND_ESCAPED:
		snprintf(want, sizeof(want), "e%u", seq);
		assert_string(id, want, strlen(want));
		v = jv_get(d->root, "s");
		ck_assert_int_eq(v->type, JV_STRING);
		ck_assert_uint_eq(v->len, ESCAPED_REPS * 6);
		for (i = 0; i < ESCAPED_REPS; i++) {
			snprintf(want, sizeof(want), "\xc3\xa9\n\xc3\xa9%c", 'a' + (int)(seq % 26));
			ck_assert_mem_eq(v->u.s + i * 6, want, 6);
		}
		ck_assert_int_eq(v->u.s[v->len], '\0');
		break;
	case KIND_GROWING:
		ck_assert_int_eq(id->u.i, seq);
		v = jv_get(d->root, "a");
		assert_container(v, JV_ARRAY, GROWING_N);
		for (i = 0; i < GROWING_N; i++)
			ck_assert_int_eq(v->u.kids[i].u.i, (int64_t)(i + seq));
		break;
	case KIND_BIG:
		ck_assert_int_eq(id->u.i, seq);
		v = jv_get(d->root, "b");
		ck_assert_int_eq(v->type, JV_STRING);
		ck_assert_uint_eq(v->len, BIG_LEN);
		ck_assert_int_eq(v->u.s[0], 'a' + (int)(seq % 26));
		ck_assert_int_eq(v->u.s[BIG_LEN - 1], 'a' + (int)(seq % 26));
		ck_assert_int_eq(v->u.s[BIG_LEN], '\0');
		break;
	default:
		ck_abort();
	}
}

/* Parse document `seq` of a kind into d, and check it. */
static void
cache_parse(struct jv_doc *d, enum cache_kind kind, unsigned seq)
{
	size_t	 len;
	char	*s = cache_text(kind, seq, &len);

	ck_assert_int_eq(jv_parse(s, len, DEPTH, d), JV_OK);
	memset(s, 'x', len);		/* the tree must not point into the input */
	cache_check(d, kind, seq);
	free(s);
}

/* The cache is within its bounds; its number of chunks. */
static size_t
cache_within_bounds(void)
{
	size_t	chunks, bytes;

	jv_cache_stats(&chunks, &bytes);
	ck_assert_uint_le(chunks, JV_CACHE_CHUNKS);
	ck_assert_uint_le(bytes, (size_t)JV_CACHE_CHUNKS * JV_CACHE_CHUNK_MAX);
	ck_assert(chunks > 0 || bytes == 0);
	return chunks;
}

START_TEST(test_cache_bounded)
{
	struct jv_doc	docs[3 * JV_CACHE_CHUNKS];
	const size_t	ndocs = sizeof(docs) / sizeof(docs[0]);
	size_t		chunks, bytes, i, held;
	unsigned	round, seq = 0;

	jv_cache_release();
	jv_cache_stats(&chunks, &bytes);
	ck_assert_uint_eq(chunks, 0);
	ck_assert_uint_eq(bytes, 0);

	/* An arena past the size bound is freed, never kept. */
	cache_parse(&docs[0], KIND_BIG, seq++);
	jv_free(&docs[0]);
	jv_cache_stats(&chunks, &bytes);
	ck_assert_uint_eq(chunks, 0);
	ck_assert_uint_eq(bytes, 0);

	/* Many small requests at once: only JV_CACHE_CHUNKS of their arenas
	 * are kept, and the next parse takes one of them. */
	for (i = 0; i < ndocs; i++)
		cache_parse(&docs[i], KIND_SMALL, seq++);
	for (i = 0; i < ndocs; i++)
		jv_free(&docs[i]);
	ck_assert_uint_eq(cache_within_bounds(), JV_CACHE_CHUNKS);
	cache_parse(&docs[0], KIND_SMALL, seq++);
	ck_assert_uint_eq(cache_within_bounds(), JV_CACHE_CHUNKS - 1);
	jv_free(&docs[0]);

	/* Many cycles of every kind, a varying number held at once and freed
	 * in a varying order: the cache stays within its bounds throughout. */
	for (round = 0; round < 60; round++) {
		held = round % ndocs + 1;
		for (i = 0; i < held; i++) {
			cache_parse(&docs[i], (enum cache_kind)((i + round) % KIND_COUNT), seq++);
			cache_within_bounds();
		}
		for (i = 0; i < held; i++) {
			jv_free(&docs[round % 2 ? i : held - 1 - i]);
			cache_within_bounds();
		}
	}
	jv_cache_release();
	jv_cache_stats(&chunks, &bytes);
	ck_assert_uint_eq(chunks, 0);
	ck_assert_uint_eq(bytes, 0);
}
END_TEST

/* Trees built in reused arenas are exact: nothing of an earlier document
 * shows through, and no arena is handed out twice. */
START_TEST(test_cache_reuse)
{
	struct jv_doc	 held[2 * JV_CACHE_CHUNKS];
	const size_t	 nheld = sizeof(held) / sizeof(held[0]);
	const struct jv	*v;
	size_t		 i, len;
	unsigned	 seq = 1000;
	char		*s;

	jv_cache_release();
	/* A long document, then shorter ones in its arena. */
	cache_parse(&doc, KIND_ESCAPED, seq++);
	jv_free(&doc);
	v = ok("{\"s\":\"ab\",\"e\":\"\",\"k\":[\"x\\u0000y\"]}");
	assert_string(jv_get(v, "s"), "ab", 2);
	assert_string(jv_get(v, "e"), "", 0);
	assert_string(&jv_get(v, "k")->u.kids[0], "x\0y", 3);
	ck_assert(!jv_plain_string(&jv_get(v, "k")->u.kids[0]));
	assert_decodes("\"\"", "", 0);
	/* A failed parse gives its arena back; the next one is exact. */
	s = cache_text(KIND_ESCAPED, seq, &len);
	s[len - 3] = '\x01';		/* a control character near the end */
	syntax_n(s, len, len - 3);
	s[len - 3] = '\xff';		/* invalid UTF-8 wins over the syntax */
	s[5] = '\x02';
	syntax_n(s, len, len - 3);
	free(s);
	cache_parse(&doc, KIND_SMALL, seq++);
	jv_free(&doc);

	/* Documents of every kind held at once, each checked again once all
	 * are parsed, then half freed and their arenas reused. */
	for (i = 0; i < nheld; i++)
		cache_parse(&held[i], (enum cache_kind)(i % KIND_COUNT), seq + (unsigned)i);
	for (i = 0; i < nheld; i++)
		cache_check(&held[i], (enum cache_kind)(i % KIND_COUNT), seq + (unsigned)i);
	for (i = 0; i < nheld; i += 2)
		jv_free(&held[i]);
	for (i = 0; i < nheld; i += 2)
		cache_parse(&held[i], (enum cache_kind)((i + 1) % KIND_COUNT), seq + 100 + (unsigned)i);
	for (i = 0; i < nheld; i++)
		cache_check(&held[i], (enum cache_kind)((i + (i % 2 == 0)) % KIND_COUNT),
		    seq + (unsigned)i + (i % 2 == 0 ? 100 : 0));
	for (i = 0; i < nheld; i++)
		jv_free(&held[i]);
	cache_within_bounds();
	jv_cache_release();
}
END_TEST

/* The string scan takes plain ASCII sixteen bytes at a time: a byte it must
 * stop at (a control character, an escape, a quote, a byte above 0x7f)
 * is found at every position of a block, whatever the alignment. */
START_TEST(test_string_scan_words)
{
	char text[64], want[64];
	struct jv_doc d;
	size_t len, pos;

	for (len = 1; len < 40; len++)
		for (pos = 0; pos < len; pos++) {
			memset(text, 'A', sizeof(text));
			text[0] = '"';
			text[len + 1] = '"';
			/* A raw control character: a syntax error at its byte. */
			text[1 + pos] = '\t';
			ck_assert_int_eq(jv_parse(text, len + 2, 32, &d), JV_SYNTAX);
			ck_assert_uint_eq(d.error_at, 1 + pos);
			jv_free(&d);
			/* An escaped character: decoded, the length one less. */
			text[1 + pos] = '\\';
			text[2 + pos] = pos + 1 < len ? 'n' : '"';
			if (pos + 1 < len) {
				ck_assert_int_eq(jv_parse(text, len + 2, 32, &d), JV_OK);
				ck_assert_uint_eq(d.root->len, len - 1);
				memset(want, 'A', sizeof(want));
				want[pos] = '\n';
				ck_assert(memcmp(d.root->u.s, want, len - 1) == 0);
				jv_free(&d);
			}
			/* A two-byte character: valid, kept as it is. */
			memset(text, 'A', sizeof(text));
			text[0] = '"';
			text[len + 2] = '"';
			text[1 + pos] = (char)0xc3;
			text[2 + pos] = (char)0xa9;
			ck_assert_int_eq(jv_parse(text, len + 3, 32, &d), JV_OK);
			ck_assert_uint_eq(d.root->len, len + 1);
			ck_assert_int_eq((unsigned char)d.root->u.s[pos], 0xc3);
			jv_free(&d);
		}
}
END_TEST

static Suite *
jv_suite(void)
{
	Suite	*s = suite_create("jv");
	TCase	*tc = tcase_create("core");
	TCase	*big = tcase_create("large");
	TCase	*cache = tcase_create("cache");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_literals);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_bad_strings);
	tcase_add_test(tc, test_backslash_at_end);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_framing);
	tcase_add_test(tc, test_arrays);
	tcase_add_test(tc, test_objects);
	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_container_syntax);
	tcase_add_test(tc, test_error_at_invalid_utf8);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_raw_and_free);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(big, NULL, teardown);
	tcase_set_timeout(big, 60);
	tcase_add_test(big, test_large_array);
	tcase_add_test(big, test_large_nested);
	tcase_add_test(big, test_large_strings);
	suite_add_tcase(s, big);

	tcase_add_checked_fixture(cache, NULL, teardown);
	tcase_set_timeout(cache, 60);
	tcase_add_test(cache, test_cache_bounded);
	tcase_add_test(cache, test_cache_reuse);
	tcase_add_test(cache, test_string_scan_words);
	suite_add_tcase(s, cache);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(jv_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
