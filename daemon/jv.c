/* jv.c: the strict JSON parser for requests, building a jv tree in an
 * arena of chunks that is freed in one piece.  Freed chunks of up to
 * JV_CACHE_CHUNK_MAX bytes are kept, a few per thread, for the next
 * requests.  UTF-8 is checked only inside strings that hold non-ASCII bytes
 * (a non-ASCII byte anywhere else is a syntax error anyway); a failed parse
 * checks the whole line, so that its first invalid byte is the error, as if
 * the line had been checked before parsing.  A copy of one value (a batch
 * member) goes into one block sized for it, its pointers moved over. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "jv.h"
#include "utf8.h"

#define SCRATCH_INLINE	32
#define CHUNK_ROUND	1024		/* chunk allocations in steps of this */
#define TREE_HEADROOM	1024		/* first chunk: room for a small tree */

struct chunk {
	struct chunk	*next;
	size_t		 used, size;
	max_align_t	 data[];
};

/* Freed chunks kept for reuse: a parse then costs no malloc, and no large
 * malloc that makes glibc consolidate its fast bins.  Per thread, so no
 * lock; bounded in count and in each chunk's size. */
static _Thread_local struct chunk	*cache[JV_CACHE_CHUNKS];
static _Thread_local size_t		 ncached;

struct parser {
	const char	*p, *end;	/* in the line's copy; *end is its NUL */
	ptrdiff_t	 to_strings;	/* from a byte of the line's copy to its twin in strings */
	struct chunk	*arena;		/* the chunk being filled, first in the chain */
	struct jv	*stack;		/* children of the open containers */
	size_t		 top, cap;
	long		 depth, max_depth;
	enum jv_status	 status;
	const char	*error_at;
	struct jv	 inline_stack[SCRATCH_INLINE];
};

/* The bytes that stop the scan of a string: '"', '\\', controls and
 * non-ASCII. */
static const unsigned char string_stop[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 20 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,	/* 50 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 90 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* a0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* b0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* c0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* d0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* e0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* f0 */
};

static bool	parse_value(struct parser *ps, struct jv *out);

/* A chunk with room for at least size bytes: the smallest cached one that
 * fits without wasting more than the size again (a document may be held a
 * long time, and what it holds is what it is charged), else a new one (its
 * whole allocation rounded up to CHUNK_ROUND, so that lines of similar
 * lengths reuse each other's chunks); NULL when out of memory. */
static struct chunk *
chunk_get(size_t size)
{
	struct chunk *c;
	size_t i, best = ncached, total;

	for (i = 0; i < ncached; i++)
		if (cache[i]->size >= size && cache[i]->size / 2 <= size + CHUNK_ROUND &&
		    (best == ncached || cache[i]->size < cache[best]->size))
			best = i;
	if (best < ncached) {
		c = cache[best];
		cache[best] = cache[--ncached];
	} else {
		if (size > SIZE_MAX - sizeof(*c) - CHUNK_ROUND)
			return NULL;
		total = (sizeof(*c) + size + CHUNK_ROUND - 1) & ~(size_t)(CHUNK_ROUND - 1);
		if ((c = malloc(total)) == NULL)
			return NULL;
		c->size = total - sizeof(*c);
	}
	c->next = NULL;
	c->used = 0;
	return c;
}

/* What a block of the allocator costs: its usable bytes and its header. */
static size_t
block_bytes(const void *p)
{
	return malloc_usable_size((void *)p) + 2 * sizeof(size_t);
}

/* Give back a chain of chunks: to the cache while it has room, else free;
 * the bytes given back to the allocator. */
static size_t
arena_free(struct chunk *c)
{
	struct chunk *next;
	size_t freed = 0;

	for (; c != NULL; c = next) {
		next = c->next;
		if (ncached < JV_CACHE_CHUNKS && c->size <= JV_CACHE_CHUNK_MAX) {
			cache[ncached++] = c;
		} else {
			freed += block_bytes(c);
			free(c);
		}
	}
	return freed;
}

/* arena_alloc's slow path: n (rounded) bytes from a new chunk of at least
 * twice the current one's size. */
static void *
arena_grow(struct parser *ps, size_t n)
{
	struct chunk *c;
	size_t size = ps->arena->size * 2;

	if (size < n)
		size = n;
	if ((c = chunk_get(size)) == NULL) {
		ps->status = JV_NOMEM;
		return NULL;
	}
	c->next = ps->arena;
	ps->arena = c;
	c->used = n;
	return c->data;
}

/* n bytes from the arena, 8-aligned; NULL when out of memory. */
static inline void *
arena_alloc(struct parser *ps, size_t n)
{
	struct chunk *c = ps->arena;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (c->size - c->used < n)
		return arena_grow(ps, n);
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

/* Skip whitespace; the NUL at the end stops it. */
static inline void
skip_ws(struct parser *ps)
{
	const char *p = ps->p;

	while ((unsigned char)*p <= ' ' &&
	    (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	ps->p = p;
}

/* Room on the scratch stack for one more child, growing it off the inline
 * array; false when out of memory. */
static bool
stack_room(struct parser *ps)
{
	struct jv *grown;
	size_t cap;

	if (ps->top < ps->cap)
		return true;
	cap = ps->cap * 2;
	if (ps->stack == ps->inline_stack) {
		if ((grown = malloc(cap * sizeof(*grown))) != NULL)
			memcpy(grown, ps->stack, ps->top * sizeof(*grown));
	} else
		grown = realloc(ps->stack, cap * sizeof(*grown));
	if (grown == NULL) {
		ps->status = JV_NOMEM;
		return false;
	}
	ps->stack = grown;
	ps->cap = cap;
	return true;
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

/* Decode the escaped text [s, q) of a string into o; the end of the
 * decoded text, or NULL on a bad escape (reported at the same byte as
 * ever). */
static char *
unescape(struct parser *ps, const char *s, const char *q, char *o)
{
	long cp, lo;

	while (s < q) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s++) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/':  *o++ = '/'; break;
		case 'b':  *o++ = '\b'; break;
		case 'f':  *o++ = '\f'; break;
		case 'n':  *o++ = '\n'; break;
		case 'r':  *o++ = '\r'; break;
		case 't':  *o++ = '\t'; break;
		case 'u':
			if ((cp = hex4(s, q)) < 0) {
				fail(ps, s);
				return NULL;
			}
			s += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail(ps, s);	/* a lone low surrogate */
				return NULL;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (q - s < 6 || s[0] != '\\' || s[1] != 'u' ||
				    (lo = hex4(s + 2, q)) < 0xdc00 || lo > 0xdfff) {
					fail(ps, s);
					return NULL;
				}
				s += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			o += put_utf8(o, (unsigned long)cp);
			break;
		default:
			fail(ps, s - 1);
			return NULL;
		}
	}
	return o;
}

/* How many bytes from q on (before end) are printable ASCII other than '"'
 * and '\\': none of them stops a string's scan.  Sixteen bytes at a time
 * where SSE2 is (every x86-64), else eight in a word. */
static inline size_t
plain_run(const char *q, const char *end)
{
	const char *p = q;
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	__m128i x, stop;
	unsigned mask;

	for (; end - p >= 16; p += 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* Signed: below 0x20 is a control byte or one from 0x80 up. */
		stop = _mm_or_si128(_mm_cmplt_epi8(x, space),
		    _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)));
		if ((mask = (unsigned)_mm_movemask_epi8(stop)) != 0)
			return (size_t)(p - q) + (size_t)__builtin_ctz(mask);
	}
#else
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	uint64_t x, quote, bslash;

	for (; end - p >= 8; p += 8) {
		memcpy(&x, p, 8);
		quote = x ^ (ones * '"');
		bslash = x ^ (ones * '\\');
		if ((((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) |
		    ((x - ones * 0x20) & ~x) | x) & highs)
			break;
	}
#endif
	return (size_t)(p - q);
}

/* A string at ps->p (on the opening quote): its text is where it lies in
 * the second copy of the line, decoded there when it has escapes (never
 * longer than the raw) and NUL-terminated over its closing quote. */
static inline bool
parse_string(struct parser *ps, const char **out, uint32_t *outlen)
{
	const char *start = ps->p + 1, *q = start, *end = ps->end;
	bool escaped = false, high = false;
	unsigned char c;
	size_t n;
	char *dst, *o;

	/* Find the end; the copy's terminating NUL stops the scan there. */
	for (;; q++) {
		q += plain_run(q, end);
		while (!string_stop[(unsigned char)*q])
			q++;	/* printable ASCII: the common case */
		if (q >= end)
			return fail(ps, q);
		if ((c = (unsigned char)*q) == '"')
			break;
		if (c == '\\') {
			escaped = true;
			if (++q == end)
				return fail(ps, q);
		} else if (c < 0x20)
			return fail(ps, q);
		else
			high = true;
	}
	n = (size_t)(q - start);
	if (high && utf8_invalid_at(start, n) != n)
		return fail(ps, start);	/* jv_parse reports the exact byte */
	dst = (char *)start + ps->to_strings;
	if (!escaped)
		o = dst + n;
	else if ((o = unescape(ps, start, q, dst)) == NULL)
		return false;
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
	const char *s = ps->p, *p = s, *end = ps->end, *digits;
	bool neg = false, integer = true, overflow = false;
	uint64_t mag = 0, limit;
	char *stop;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (p >= end || !is_digit(*p))
		return fail(ps, p);
	if (*p == '0' && p + 1 < end && is_digit(p[1]))
		return fail(ps, p);
	/* Up to 18 digits always fit; past them, each one is checked. */
	for (digits = p; is_digit(*p) && p - digits < 18; p++)
		mag = mag * 10 + (uint64_t)(*p - '0');
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; is_digit(*p); p++) {
		if (mag > (limit - (uint64_t)(*p - '0')) / 10)
			overflow = true;
		else
			mag = mag * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && *p == '.') {
		integer = false;
		if (++p >= end || !is_digit(*p))
			return fail(ps, p);
		while (p < end && is_digit(*p))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		integer = false;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || !is_digit(*p))
			return fail(ps, p);
		while (p < end && is_digit(*p))
			p++;
	}
	ps->p = p;
	if (integer && !overflow) {
		v->type = JV_INT;
		v->u.i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	} else {
		/* The arena copy of the line is NUL-terminated, so strtod stops. */
		v->type = JV_NUMBER;
		v->u.d = strtod(s, &stop);
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

/* An object or array: children gathered on the scratch stack as each is
 * parsed, then moved into the arena when the container closes. */
static bool
parse_container(struct parser *ps, struct jv *v, bool object)
{
	char close = object ? '}' : ']';
	size_t base = ps->top, n;
	struct jv child;

	if (++ps->depth > ps->max_depth) {
		ps->status = JV_TOO_DEEP;
		return false;
	}
	ps->p++;
	skip_ws(ps);
	/* The NUL at the end matches none of the bytes looked for here. */
	if (*ps->p == close) {
		ps->p++;
	} else for (;;) {
		memset(&child, 0, sizeof(child));
		if (object) {
			if (*ps->p != '"')
				return fail(ps, ps->p);
			if (!parse_string(ps, &child.key, &child.keylen))
				return false;
			skip_ws(ps);
			if (*ps->p != ':')
				return fail(ps, ps->p);
			ps->p++;
			skip_ws(ps);
		}
		/* Pushed once parsed: its own children come and go above top. */
		if (!parse_value(ps, &child) || !stack_room(ps))
			return false;
		ps->stack[ps->top++] = child;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			skip_ws(ps);
			continue;
		}
		if (*ps->p == close) {
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

enum jv_status
jv_parse(const char *text, size_t len, long max_depth, struct jv_doc *doc)
{
	struct parser ps;
	struct jv *root;
	size_t bad;
	char *copy, *strings;

	memset(doc, 0, sizeof(*doc));
	/* Not the inline stack: it is written before it is read. */
	ps.arena = NULL;
	ps.stack = ps.inline_stack;
	ps.top = 0;
	ps.cap = SCRATCH_INLINE;
	ps.depth = 0;
	ps.max_depth = max_depth;
	ps.status = JV_OK;
	ps.error_at = NULL;
	/* One chunk sized for two copies of the line and a small tree; more
	 * come if needed. */
	if (len > (SIZE_MAX - TREE_HEADROOM) / 2 - 16 ||
	    (ps.arena = chunk_get(2 * len + 16 + TREE_HEADROOM)) == NULL) {
		ps.status = JV_NOMEM;
		goto failed;
	}
	/* Values keep raw spans into the first copy, which outlives the input
	 * buffer; strings and keys are cut out of the second. */
	copy = arena_alloc(&ps, len + 1);
	strings = arena_alloc(&ps, len + 1);
	root = arena_alloc(&ps, sizeof(*root));
	memcpy(copy, text, len);
	copy[len] = '\0';
	memcpy(strings, text, len);
	ps.to_strings = strings - copy;
	memset(root, 0, sizeof(*root));
	ps.p = copy;
	ps.end = copy + len;
	skip_ws(&ps);
	if (parse_value(&ps, root)) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			fail(&ps, ps.p);
	}
	if (ps.stack != ps.inline_stack) {
		doc->scratch_freed = block_bytes(ps.stack);
		free(ps.stack);
	}
	if (ps.status == JV_OK) {
		doc->root = root;
		doc->arena = ps.arena;
		doc->to_strings = ps.to_strings;
		return JV_OK;
	}
	doc->error_at = ps.error_at ? (size_t)(ps.error_at - copy) : 0;
failed:
	arena_free(ps.arena);
	/* Invalid UTF-8 anywhere in the line is the error, before any other. */
	if ((bad = utf8_invalid_at(text, len)) != len) {
		doc->error_at = bad;
		return JV_SYNTAX;
	}
	return ps.status;
}

/* The values under v, v left out. */
static size_t
count_below(const struct jv *v)
{
	size_t n = 0;
	uint32_t i;

	if (v->type == JV_ARRAY || v->type == JV_OBJECT)
		for (i = 0; i < v->len; i++)
			n += 1 + count_below(&v->u.kids[i]);
	return n;
}

/* Where jv_copy moves a value's pointers: from the source's raw text and
 * strings to the copy's, and the next free nodes of the copy. */
struct move {
	const char	*raw_from, *str_from;
	char		*raw_to, *str_to;
	struct jv	*free;
};

static void
move_value(struct move *m, struct jv *dst, const struct jv *src)
{
	uint32_t i;

	*dst = *src;
	dst->raw = m->raw_to + (src->raw - m->raw_from);
	if (src->key != NULL)
		dst->key = m->str_to + (src->key - m->str_from);
	if (src->type == JV_STRING) {
		dst->u.s = m->str_to + (src->u.s - m->str_from);
	} else if ((src->type == JV_ARRAY || src->type == JV_OBJECT) && src->len > 0) {
		dst->u.kids = m->free;
		m->free += src->len;
		for (i = 0; i < src->len; i++)
			move_value(m, &dst->u.kids[i], &src->u.kids[i]);
	}
}

enum jv_status
jv_copy(const struct jv_doc *doc, const struct jv *v, struct jv_doc *out)
{
	size_t nodes = 1 + count_below(v), text = ((size_t)v->rawlen + 1 + 7) & ~(size_t)7;
	struct chunk *c;
	struct move m;

	memset(out, 0, sizeof(*out));
	/* Everything a value holds lies within its raw span, in the raw text
	 * and among the strings (decoded in place, each ended over its
	 * closing quote): one block of nodes and the two spans. */
	if ((c = chunk_get(nodes * sizeof(struct jv) + 2 * text)) == NULL)
		return JV_NOMEM;
	m.free = (struct jv *)(void *)c->data;
	m.raw_to = (char *)(m.free + nodes);
	m.str_to = m.raw_to + text;
	m.raw_from = v->raw;
	m.str_from = v->raw + doc->to_strings;
	c->used = nodes * sizeof(struct jv) + 2 * text;
	memcpy(m.raw_to, m.raw_from, v->rawlen);
	m.raw_to[v->rawlen] = '\0';
	memcpy(m.str_to, m.str_from, v->rawlen);
	m.str_to[v->rawlen] = '\0';
	out->root = m.free++;
	move_value(&m, out->root, v);
	out->root->key = NULL;		/* its name lies outside it */
	out->root->keylen = 0;
	out->arena = c;
	out->to_strings = m.str_to - m.raw_to;
	return JV_OK;
}

size_t
jv_free(struct jv_doc *doc)
{
	size_t freed = arena_free(doc->arena);

	doc->arena = NULL;
	doc->root = NULL;
	return freed;
}

size_t
jv_doc_bytes(const struct jv_doc *doc)
{
	const struct chunk *c;
	size_t n = 0;

	for (c = doc->arena; c != NULL; c = c->next)
		n += block_bytes(c);
	return n;
}

bool
jv_plain_string(const struct jv *v)
{
	return v->type == JV_STRING && strlen(v->u.s) == v->len;
}

void
jv_cache_stats(size_t *chunks, size_t *bytes)
{
	size_t i;

	*chunks = ncached;
	for (*bytes = 0, i = 0; i < ncached; i++)
		*bytes += cache[i]->size;
}

void
jv_cache_release(void)
{
	while (ncached > 0)
		free(cache[--ncached]);
}
