/* test_jv.c: unit tests for the strict JSON request parser and its tree
 * (daemon/jv.c): value kinds, raw spans, strings, numbers, nesting limits
 * and error offsets.  Large inputs and the cache of freed arenas are in
 * test_jv_cache.c; the shared checks in jv_fixture.h. */
#include "jv_fixture.h"

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

static Suite *
jv_suite(void)
{
	Suite	*s = suite_create("jv");
	TCase	*tc = tcase_create("core");

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
