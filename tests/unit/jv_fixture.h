/* jv_fixture.h: the fixture of the JSON parser runners (test_jv.c,
 * test_jv_cache.c): a document freed after each test, and checks that text
 * parses (or is a syntax error at a given byte), of raw spans, strings,
 * containers and their children, and depth limits. */
#ifndef SOCK6D_JV_FIXTURE_H
#define SOCK6D_JV_FIXTURE_H

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

static inline void
teardown(void)
{
	jv_free(&doc);
}

/* Parse len bytes of text into doc, freeing the previous tree first. */
static inline enum jv_status
parse_n(const char *text, size_t len, long max_depth)
{
	jv_free(&doc);
	return jv_parse(text, len, max_depth, &doc);
}

/* len bytes of text must parse at the default depth; the root. */
static inline const struct jv *
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

static inline const struct jv *
ok(const char *text)
{
	return ok_n(text, strlen(text));
}

/* A failed parse must leave the document empty. */
static inline void
assert_empty_doc(void)
{
	ck_assert_ptr_null(doc.root);
	ck_assert_ptr_null(doc.arena);
}

/* len bytes of text must be JV_SYNTAX, at byte `at` unless ANY_AT (then
 * at least within the input). */
static inline void
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

static inline void
syntax(const char *text, size_t at)
{
	syntax_n(text, strlen(text), at);
}

static inline void
syntax_all(const struct sample *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		syntax_n(s[i].text, s[i].len, s[i].at);
}

/* v's raw text must be exactly want. */
static inline void
assert_raw(const struct jv *v, const char *want)
{
	ck_assert_uint_eq(v->rawlen, strlen(want));
	ck_assert_mem_eq(v->raw, want, v->rawlen);
}

/* v must be a string of exactly the n bytes want, NUL-terminated. */
static inline void
assert_string(const struct jv *v, const char *want, size_t n)
{
	ck_assert_int_eq(v->type, JV_STRING);
	ck_assert_uint_eq(v->len, n);
	ck_assert_mem_eq(v->u.s, want, n);
	ck_assert_int_eq(v->u.s[n], '\0');
}

/* The JSON string literal `json` (with quotes) must decode to n bytes want. */
static inline void
assert_decodes(const char *json, const char *want, size_t n)
{
	const struct jv	*v = ok(json);

	assert_string(v, want, n);
	assert_raw(v, json);
}

/* Child i of container v, checked for its type, key (NULL in an array)
 * and raw text. */
static inline const struct jv *
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
static inline void
assert_container(const struct jv *v, enum jv_type type, uint32_t n)
{
	ck_assert_int_eq(v->type, type);
	ck_assert_uint_eq(v->len, n);
	if (n == 0)
		ck_assert_ptr_null(v->u.kids);
}

/* text must parse with status want at max_depth. */
static inline void
depth_is(const char *text, long max_depth, enum jv_status want)
{
	ck_assert_int_eq(parse_n(text, strlen(text), max_depth), want);
	if (want != JV_OK)
		assert_empty_doc();
}

/* n opening brackets (alternating "[" and {"k": when mixed), inner, then
 * the closers: a malloc'd string. */
static inline char *
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

#endif /* SOCK6D_JV_FIXTURE_H */
