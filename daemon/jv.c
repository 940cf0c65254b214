/* jv.c: the strict JSON parser for requests, building a jv tree in an
 * arena of chunks that is freed in one piece. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "utf8.h"

#define SCRATCH_INLINE	32

struct chunk {
	struct chunk	*next;
	size_t		 used, size;
	max_align_t	 data[];
};

struct parser {
	const char	*p, *end;
	struct chunk	*arena;
	struct jv	*stack;		/* children of the open containers */
	size_t		 top, cap;
	long		 depth, max_depth;
	enum jv_status	 status;
	const char	*error_at;
	struct jv	 inline_stack[SCRATCH_INLINE];
};

static bool	parse_value(struct parser *ps, struct jv *out);

/* n bytes from the arena, 8-aligned; NULL when out of memory. */
static void *
arena_alloc(struct parser *ps, size_t n)
{
	struct chunk *c = ps->arena, *nc;
	size_t size;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (c == NULL || c->size - c->used < n) {
		size = c ? c->size * 2 : 1024;
		if (size < n)
			size = n;
		if ((nc = malloc(sizeof(*nc) + size)) == NULL) {
			ps->status = JV_NOMEM;
			return NULL;
		}
		nc->next = c;
		nc->used = 0;
		nc->size = size;
		ps->arena = c = nc;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static bool
fail(struct parser *ps, const char *at)
{
	if (ps->status == JV_OK) {
		ps->status = JV_SYNTAX;
		ps->error_at = at;
	}
	return false;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	    (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

/* Push a child onto the scratch stack, growing it off the inline array. */
static struct jv *
push(struct parser *ps)
{
	struct jv *grown;
	size_t cap;

	if (ps->top == ps->cap) {
		cap = ps->cap * 2;
		if (ps->stack == ps->inline_stack) {
			if ((grown = malloc(cap * sizeof(*grown))) != NULL)
				memcpy(grown, ps->stack, ps->top * sizeof(*grown));
		} else
			grown = realloc(ps->stack, cap * sizeof(*grown));
		if (grown == NULL) {
			ps->status = JV_NOMEM;
			return NULL;
		}
		ps->stack = grown;
		ps->cap = cap;
	}
	memset(&ps->stack[ps->top], 0, sizeof(ps->stack[0]));
	return &ps->stack[ps->top++];
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at p, or -1. */
static long
hex4(const char *p, const char *end)
{
	long v = 0;
	int i, h;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		if ((h = hexval(p[i])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static size_t
put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A string at ps->p (on the opening quote): decoded into the arena. */
static bool
parse_string(struct parser *ps, const char **out, uint32_t *outlen)
{
	const char *start = ++ps->p, *q;
	char *dst, *o;
	long cp, lo;

	/* Find the end; the decoded text is never longer than the raw. */
	for (q = start; q < ps->end && *q != '"'; q++) {
		if ((unsigned char)*q < 0x20)
			return fail(ps, q);
		if (*q == '\\' && ++q == ps->end)
			break;
	}
	if (q >= ps->end)
		return fail(ps, q);
	if ((dst = arena_alloc(ps, (size_t)(q - start) + 1)) == NULL)
		return false;
	for (o = dst; ps->p < q; ) {
		if (*ps->p != '\\') {
			*o++ = *ps->p++;
			continue;
		}
		ps->p++;
		switch (*ps->p++) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/':  *o++ = '/'; break;
		case 'b':  *o++ = '\b'; break;
		case 'f':  *o++ = '\f'; break;
		case 'n':  *o++ = '\n'; break;
		case 'r':  *o++ = '\r'; break;
		case 't':  *o++ = '\t'; break;
		case 'u':
			if ((cp = hex4(ps->p, q)) < 0)
				return fail(ps, ps->p);
			ps->p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(ps, ps->p);	/* a lone low surrogate */
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (q - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
				    (lo = hex4(ps->p + 2, q)) < 0xdc00 || lo > 0xdfff)
					return fail(ps, ps->p);
				ps->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			o += put_utf8(o, (unsigned long)cp);
			break;
		default:
			return fail(ps, ps->p - 1);
		}
	}
	*o = '\0';
	ps->p = q + 1;
	*out = dst;
	*outlen = (uint32_t)(o - dst);
	return true;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A number by RFC 8259's grammar: integers that fit int64 exactly become
 * JV_INT, everything else JV_NUMBER. */
static bool
parse_number(struct parser *ps, struct jv *v)
{
	const char *s = ps->p, *p = s;
	bool neg = false, integer = true, overflow = false;
	uint64_t mag = 0, limit;
	char *end;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (p >= ps->end || !is_digit(*p))
		return fail(ps, p);
	if (*p == '0' && p + 1 < ps->end && is_digit(p[1]))
		return fail(ps, p);
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < ps->end && is_digit(*p); p++) {
		if (mag > (limit - (uint64_t)(*p - '0')) / 10)
			overflow = true;
		else
			mag = mag * 10 + (uint64_t)(*p - '0');
	}
	if (p < ps->end && *p == '.') {
		integer = false;
		if (++p >= ps->end || !is_digit(*p))
			return fail(ps, p);
		while (p < ps->end && is_digit(*p))
			p++;
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		integer = false;
		if (++p < ps->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= ps->end || !is_digit(*p))
			return fail(ps, p);
		while (p < ps->end && is_digit(*p))
			p++;
	}
	ps->p = p;
	if (integer && !overflow) {
		v->type = JV_INT;
		v->u.i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	} else {
		/* The arena copy of the line is NUL-terminated, so strtod stops. */
		v->type = JV_NUMBER;
		v->u.d = strtod(s, &end);
	}
	return true;
}

static bool
parse_literal(struct parser *ps, const char *word, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, ps->p);
	ps->p += n;
	return true;
}

/* An object or array: children gathered on the scratch stack, then moved
 * into the arena when the container closes. */
static bool
parse_container(struct parser *ps, struct jv *v, bool object)
{
	char close = object ? '}' : ']';
	size_t base = ps->top, n;
	struct jv *child;
	const char *key;
	uint32_t keylen;

	if (++ps->depth > ps->max_depth) {
		ps->status = JV_TOO_DEEP;
		return false;
	}
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
	} else for (;;) {
		key = NULL;
		keylen = 0;
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"')
				return fail(ps, ps->p);
			if (!parse_string(ps, &key, &keylen))
				return false;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':')
				return fail(ps, ps->p);
			ps->p++;
			skip_ws(ps);
		}
		if ((child = push(ps)) == NULL)
			return false;
		child->key = key;
		child->keylen = keylen;
		/* The stack may move while the child parses: fill a local. */
		{
			struct jv tmp = *child;
			size_t slot = ps->top - 1;

			if (!parse_value(ps, &tmp))
				return false;
			ps->stack[slot] = tmp;
		}
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			break;
		}
		return fail(ps, ps->p);
	}
	n = ps->top - base;
	v->type = object ? JV_OBJECT : JV_ARRAY;
	v->len = (uint32_t)n;
	v->u.kids = NULL;
	if (n > 0) {
		if ((v->u.kids = arena_alloc(ps, n * sizeof(struct jv))) == NULL)
			return false;
		memcpy(v->u.kids, &ps->stack[base], n * sizeof(struct jv));
	}
	ps->top = base;
	ps->depth--;
	return true;
}

static bool
parse_value(struct parser *ps, struct jv *v)
{
	const char *start = ps->p;
	bool ok;

	if (ps->p >= ps->end)
		return fail(ps, ps->p);
	switch (*ps->p) {
	case '{':
		ok = parse_container(ps, v, true);
		break;
	case '[':
		ok = parse_container(ps, v, false);
		break;
	case '"':
		v->type = JV_STRING;
		ok = parse_string(ps, &v->u.s, &v->len);
		break;
	case 't':
		v->type = JV_BOOL;
		v->u.b = true;
		ok = parse_literal(ps, "true", 4);
		break;
	case 'f':
		v->type = JV_BOOL;
		v->u.b = false;
		ok = parse_literal(ps, "false", 5);
		break;
	case 'n':
		v->type = JV_NULL;
		ok = parse_literal(ps, "null", 4);
		break;
	default:
		ok = parse_number(ps, v);
		break;
	}
	v->raw = start;
	v->rawlen = (uint32_t)(ps->p - start);
	return ok;
}

static void
arena_free(struct chunk *c)
{
	struct chunk *next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

enum jv_status
jv_parse(const char *text, size_t len, long max_depth, struct jv_doc *doc)
{
	struct parser ps;
	struct jv *root;
	char *copy;

	memset(doc, 0, sizeof(*doc));
	memset(&ps, 0, sizeof(ps));
	ps.stack = ps.inline_stack;
	ps.cap = SCRATCH_INLINE;
	ps.max_depth = max_depth;
	if ((doc->error_at = utf8_invalid_at(text, len)) != len)
		return JV_SYNTAX;
	doc->error_at = 0;
	/* One chunk sized for the copy and a typical tree; more come if needed. */
	if ((ps.arena = malloc(sizeof(*ps.arena) + len + 2048)) == NULL)
		return JV_NOMEM;
	ps.arena->next = NULL;
	ps.arena->used = 0;
	ps.arena->size = len + 2048;
	/* Values keep raw spans into this copy, which outlives the input buffer. */
	if ((copy = arena_alloc(&ps, len + 1)) == NULL ||
	    (root = arena_alloc(&ps, sizeof(*root))) == NULL) {
		arena_free(ps.arena);
		return JV_NOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	memset(root, 0, sizeof(*root));
	ps.p = copy;
	ps.end = copy + len;
	skip_ws(&ps);
	if (parse_value(&ps, root)) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			fail(&ps, ps.p);
	}
	if (ps.stack != ps.inline_stack)
		free(ps.stack);
	if (ps.status != JV_OK) {
		doc->error_at = ps.error_at ? (size_t)(ps.error_at - copy) : 0;
		arena_free(ps.arena);
		return ps.status;
	}
	doc->root = root;
	doc->arena = ps.arena;
	return JV_OK;
}

void
jv_free(struct jv_doc *doc)
{
	arena_free(doc->arena);
	doc->arena = NULL;
	doc->root = NULL;
}

bool
jv_key_is(const struct jv *member, const char *key)
{
	size_t n = strlen(key);

	return member->keylen == n && memcmp(member->key, key, n) == 0;
}

const struct jv *
jv_get(const struct jv *obj, const char *key)
{
	uint32_t i;

	if (obj == NULL || obj->type != JV_OBJECT)
		return NULL;
	for (i = 0; i < obj->len; i++)
		if (jv_key_is(&obj->u.kids[i], key))
			return &obj->u.kids[i];
	return NULL;
}

bool
jv_plain_string(const struct jv *v)
{
	return v->type == JV_STRING && strlen(v->u.s) == v->len;
}
