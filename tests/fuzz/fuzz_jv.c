/* fuzz_jv.c: libFuzzer harness for the request JSON parser (daemon/jv.c):
 * parses each input at several max_depth values, checks the tree's
 * invariants against the input, and frees it.  See README.md. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "utf8.h"

#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


/* Depths tried for every input, increasing. */
static const long	depths[] = { -1, 0, 1, 2, 3, 8, 32, 200 };
#define NDEPTHS		(sizeof(depths) / sizeof(depths[0]))

struct walk {
	const char	*lo, *hi;	/* the root's raw span */
	size_t		 nodes;
	long		 max_depth;	/* deepest container nesting seen */
};

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Skip whitespace from p up to end. */
static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* The number text raw must be what strtoll/strtod read for v. */
static void
check_number(const struct jv *v)
{
	char	 buf[512], *end;
	bool	 frac;

	CHECK(v->rawlen >= 1);
	CHECK(v->raw[0] == '-' || (v->raw[0] >= '0' && v->raw[0] <= '9'));
	frac = memchr(v->raw, '.', v->rawlen) != NULL ||
	    memchr(v->raw, 'e', v->rawlen) != NULL ||
	    memchr(v->raw, 'E', v->rawlen) != NULL;
	if (v->type == JV_INT)
		CHECK(!frac);
	if (v->rawlen >= sizeof(buf))
		return;
	memcpy(buf, v->raw, v->rawlen);
	buf[v->rawlen] = '\0';
	if (v->type == JV_INT) {
		CHECK(strtoll(buf, &end, 10) == v->u.i);
		CHECK(end == buf + v->rawlen);
	} else {
		CHECK(strtod(buf, &end) == v->u.d);
		CHECK(end == buf + v->rawlen);
		if (!frac)	/* an integer outside int64 */
			CHECK(v->rawlen >= 19);
	}
}

static void
check_string(const char *s, uint32_t len, uint32_t rawlen)
{
	CHECK(s != NULL);
	CHECK(s[len] == '\0');
	CHECK(len + 2 <= rawlen);
	CHECK(utf8_valid(s, len));
}

static void	walk(struct walk *w, const struct jv *v, long depth);

/* The text between children of a container holds only separators. */
static void
check_container(struct walk *w, const struct jv *v, long depth)
{
	bool		 object = v->type == JV_OBJECT;
	const char	*p = v->raw + 1, *end = v->raw + v->rawlen - 1, *q;
	const struct jv	*k;
	uint32_t	 i;

	CHECK(v->rawlen >= 2);
	CHECK(v->raw[0] == (object ? '{' : '['));
	CHECK(*end == (object ? '}' : ']'));
	if (depth > w->max_depth)
		w->max_depth = depth;
	if (v->len == 0) {
		CHECK(v->u.kids == NULL);
		CHECK(skip_ws(p, end) == end);
		return;
	}
	CHECK(v->u.kids != NULL);
	CHECK(v->len <= v->rawlen);
	for (i = 0; i < v->len; i++) {
		k = &v->u.kids[i];
		CHECK(k->raw >= p && k->raw + k->rawlen <= end);
		p = skip_ws(p, k->raw);
		if (i > 0) {
			CHECK(p < k->raw && *p == ',');
			p = skip_ws(p + 1, k->raw);
		}
		if (object) {
			CHECK(k->key != NULL);
			check_string(k->key, k->keylen, (uint32_t)(k->raw - p));
			CHECK(p < k->raw && *p == '"');
			for (q = k->raw; q > p && is_ws(q[-1]); q--)
				;
			CHECK(q > p && q[-1] == ':');
			if (strlen(k->key) == k->keylen) {
				CHECK(jv_key_is(k, k->key));
				CHECK(jv_get(v, k->key) != NULL);
				CHECK(jv_get(v, k->key) <= k);
				CHECK(jv_key_is(jv_get(v, k->key), k->key));
			}
		} else {
			CHECK(k->key == NULL && k->keylen == 0);
			CHECK(p == k->raw);
		}
		walk(w, k, depth);
		p = k->raw + k->rawlen;
	}
	CHECK(skip_ws(p, end) == end);
}

static void
walk(struct walk *w, const struct jv *v, long depth)
{
	CHECK(v->raw >= w->lo && v->raw + v->rawlen <= w->hi);
	CHECK(v->rawlen >= 1);
	w->nodes++;
	switch (v->type) {
	case JV_NULL:
		CHECK(v->rawlen == 4 && memcmp(v->raw, "null", 4) == 0);
		break;
	case JV_BOOL:
		if (v->u.b)
			CHECK(v->rawlen == 4 && memcmp(v->raw, "true", 4) == 0);
		else
			CHECK(v->rawlen == 5 && memcmp(v->raw, "false", 5) == 0);
		break;
	case JV_INT:
	case JV_NUMBER:
		check_number(v);
		break;
	case JV_STRING:
		check_string(v->u.s, v->len, v->rawlen);
		CHECK(v->raw[0] == '"' && v->raw[v->rawlen - 1] == '"');
		CHECK(jv_plain_string(v) == (strlen(v->u.s) == v->len));
		break;
	case JV_ARRAY:
	case JV_OBJECT:
		check_container(w, v, depth + 1);
		break;
	default:
		CHECK(!"bad type");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*text = (const char *)data;
	struct jv_doc	 doc;
	struct walk	 w;
	enum jv_status	 st, settled = JV_TOO_DEEP;
	size_t		 lead, trail, settled_at = 0, settled_nodes = 0, i;

	for (lead = 0; lead < size && is_ws(text[lead]); lead++)
		;
	for (trail = 0; trail < size - lead && is_ws(text[size - 1 - trail]); trail++)
		;
	for (i = 0; i < NDEPTHS; i++) {
		st = jv_parse(text, size, depths[i], &doc);
		CHECK(st == JV_OK || st == JV_SYNTAX || st == JV_TOO_DEEP);
		if (st != JV_OK) {
			CHECK(doc.root == NULL && doc.arena == NULL);
			CHECK(doc.error_at <= size);
		}
		/* Once the limit is not what stopped the parse, a larger one
		 * changes nothing. */
		if (settled != JV_TOO_DEEP) {
			CHECK(st == settled);
			if (st == JV_SYNTAX)
				CHECK(doc.error_at == settled_at);
		}
		if (st == JV_OK) {
			CHECK(doc.root != NULL && doc.arena != NULL);
			CHECK(utf8_valid(text, size));
			CHECK(doc.root->key == NULL && doc.root->keylen == 0);
			/* The root spans the input minus surrounding whitespace,
			 * in a copy of it. */
			CHECK(lead + doc.root->rawlen + trail == size);
			CHECK(memcmp(doc.root->raw, text + lead, doc.root->rawlen) == 0);
			CHECK(doc.root->raw != text + lead);
			memset(&w, 0, sizeof(w));
			w.lo = doc.root->raw;
			w.hi = doc.root->raw + doc.root->rawlen;
			walk(&w, doc.root, 0);
			CHECK(w.nodes <= size);
			CHECK(w.max_depth == 0 || w.max_depth <= depths[i]);
			if (settled == JV_OK)
				CHECK(w.nodes == settled_nodes);
			settled_nodes = w.nodes;
			/* One level less must be too deep, if there were levels. */
			if (w.max_depth > 0) {
				struct jv_doc	shallow;

				CHECK(jv_parse(text, size, w.max_depth - 1,
				    &shallow) == JV_TOO_DEEP);
				CHECK(shallow.root == NULL && shallow.arena == NULL);
			}
		}
		if (st != JV_TOO_DEEP) {
			settled = st;
			settled_at = doc.error_at;
		}
		jv_free(&doc);
		CHECK(doc.root == NULL && doc.arena == NULL);
	}
	return 0;
}
