/* test_jv_cache.c: unit tests for the JSON request parser (daemon/jv.c) on
 * large inputs (100,000 members, many nested containers, strings of 1 MiB),
 * for the cache of freed arenas (bounded, and trees built in reused arenas
 * as good as in new ones), for the string scan's word-at-a-time stops, and
 * for what a held document costs: a value copied out into a document of its
 * own, and the bytes a document takes from the allocator.  The shared
 * checks are in jv_fixture.h. */
#include "jv_fixture.h"

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

/* A value copied out of its document is a document of its own: exact (raw
 * text, decoded strings and keys, numbers, nested and empty containers),
 * without its member name, and independent of the original, which is freed
 * and its arena reused before the copy is read. */
#define MEMBER	"{\"jsonrpc\":\"2.0\",\"id\":\"a\\\"b\",\"method\":\"m\",\"params\":" PARAMS "}"
#define PARAMS	"{\"k\\u00e9y\":\"v\\n\\u0000w\",\"n\":-1.5e3,\"i\":-7," \
		"\"a\":[1,{\"x\":null},[]],\"o\":{},\"t\":true}"

START_TEST(test_copy)
{
	struct jv_doc	 member, params, scalar;
	const struct jv	*v, *p, *a;

	ok("{\"batch\":[" MEMBER ",7,\"s\\\\\"]}");
	v = &jv_get(doc.root, "batch")->u.kids[0];
	ck_assert_int_eq(jv_copy(&doc, v, &member), JV_OK);
	ck_assert_int_eq(jv_copy(&doc, jv_get(doc.root, "batch"), &scalar), JV_OK);
	jv_free(&scalar);
	ck_assert_int_eq(jv_copy(&doc, &jv_get(doc.root, "batch")->u.kids[2], &scalar), JV_OK);
	jv_free(&doc);
	ok("[\"" "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
	    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\"]");

	v = member.root;
	ck_assert_ptr_null(v->key);
	ck_assert_uint_eq(v->keylen, 0);
	assert_raw(v, MEMBER);
	ck_assert_uint_eq(v->len, 4);
	kid(v, 0, JV_STRING, "jsonrpc", "\"2.0\"");
	assert_string(kid(v, 1, JV_STRING, "id", "\"a\\\"b\""), "a\"b", 3);
	assert_string(jv_get(v, "method"), "m", 1);
	p = kid(v, 3, JV_OBJECT, "params", PARAMS);
	assert_string(kid(p, 0, JV_STRING, "k\xc3\xa9y", "\"v\\n\\u0000w\""), "v\n\0w", 4);
	ck_assert(kid(p, 1, JV_NUMBER, "n", "-1.5e3")->u.d == -1500.0);
	ck_assert_int_eq(kid(p, 2, JV_INT, "i", "-7")->u.i, -7);
	a = kid(p, 3, JV_ARRAY, "a", "[1,{\"x\":null},[]]");
	ck_assert_int_eq(kid(a, 0, JV_INT, NULL, "1")->u.i, 1);
	kid(kid(a, 1, JV_OBJECT, NULL, "{\"x\":null}"), 0, JV_NULL, "x", "null");
	assert_container(kid(a, 2, JV_ARRAY, NULL, "[]"), JV_ARRAY, 0);
	assert_container(kid(p, 4, JV_OBJECT, "o", "{}"), JV_OBJECT, 0);
	ck_assert(kid(p, 5, JV_BOOL, "t", "true")->u.b);

	/* A copy of a copy: its member name goes too. */
	ck_assert_int_eq(jv_copy(&member, p, &params), JV_OK);
	jv_free(&member);
	ck_assert_ptr_null(params.root->key);
	assert_raw(params.root, PARAMS);
	assert_string(jv_get(params.root, "k\xc3\xa9y"), "v\n\0w", 4);
	assert_container(jv_get(params.root, "o"), JV_OBJECT, 0);
	jv_free(&params);

	assert_string(scalar.root, "s\\", 2);
	assert_raw(scalar.root, "\"s\\\\\"");
	jv_free(&scalar);
}
END_TEST

/* What a document costs: at least its line twice and a node per value, all
 * of it given back by jv_free once too large to keep.  A copy of a small
 * member of a large document costs what the member needs; so does a small
 * line parsed after a larger one, whose chunk is kept but not handed to it. */
START_TEST(test_doc_bytes)
{
	const size_t	 n = 100000;
	const char	*head = "[{\"id\":1,\"method\":\"x\"},{\"pad\":[";
	struct jv_doc	 small;
	size_t		 len, bytes, chunks, kept, i;
	char		*text, *t;

	jv_cache_release();
	text = malloc(strlen(head) + 2 * n + 8);
	ck_assert_ptr_nonnull(text);
	t = text + sprintf(text, "%s", head);
	for (i = 0; i < n; i++)
		t += sprintf(t, i ? ",0" : "0");
	t += sprintf(t, "]}]");
	len = (size_t)(t - text);
	ok_n(text, len);
	bytes = jv_doc_bytes(&doc);
	ck_assert_uint_ge(bytes, 2 * len + (n + 5) * sizeof(struct jv));
	ck_assert_uint_le(bytes, 2 * (2 * len + (n + 5) * sizeof(struct jv)));
	ck_assert_uint_ge(doc.scratch_freed, n * sizeof(struct jv));

	ck_assert_int_eq(jv_copy(&doc, &doc.root->u.kids[0], &small), JV_OK);
	ck_assert_uint_ge(jv_doc_bytes(&small), 3 * sizeof(struct jv) + 2 * strlen("{\"id\":1,\"method\":\"x\"}"));
	ck_assert_uint_le(jv_doc_bytes(&small), 2048);
	ck_assert_uint_eq(jv_free(&doc), bytes);
	ck_assert_uint_eq(jv_free(&small), 0);	/* a small chunk is kept */
	free(text);

	/* A line of 30 KB leaves a chunk of about 60 KB in the cache; a small
	 * line takes a chunk of its own size. */
	jv_cache_release();
	text = malloc(30000 + 3);
	ck_assert_ptr_nonnull(text);
	text[0] = '"';
	memset(text + 1, 'q', 30000);
	text[30001] = '"';
	ok_n(text, 30002);
	ck_assert_uint_ge(jv_doc_bytes(&doc), 60000);
	jv_free(&doc);
	jv_cache_stats(&chunks, &kept);
	ck_assert_uint_eq(chunks, 1);
	ok("{\"id\":1,\"method\":\"daemon.ping\"}");
	ck_assert_uint_le(jv_doc_bytes(&doc), 4096);
	jv_free(&doc);
	free(text);
	jv_cache_release();
}
END_TEST

static Suite *
jv_suite(void)
{
	Suite	*s = suite_create("jv");
	TCase	*big = tcase_create("large");
	TCase	*cache = tcase_create("cache");
	TCase	*held = tcase_create("held");

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

	tcase_add_checked_fixture(held, NULL, teardown);
	tcase_add_test(held, test_copy);
	tcase_add_test(held, test_doc_bytes);
	suite_add_tcase(s, held);
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
