/* jv.h: requests as a compact, read-only JSON tree.
 *
 * A strict RFC 8259 parser (UTF-8 checked, no NaN, no "1." or "01", no raw
 * control characters, nesting bounded by objects and arrays only) builds the
 * tree in one arena per request line, freed in one piece.  Freed arenas are
 * kept for the next requests, at most JV_CACHE_CHUNKS chunks of at most
 * JV_CACHE_CHUNK_MAX bytes each per thread (larger ones are always freed), so
 * a request usually costs no allocation at all.  Every value keeps its raw
 * text, so ids are echoed exactly as sent.  A value can be copied out into a
 * document of its own (a batch member, so that it outlives its batch's
 * line), and a document says what it takes from the allocator.  The
 * daemon's results are still built with json-c. */
#ifndef SOCK6D_JV_H
#define SOCK6D_JV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum jv_type { JV_NULL, JV_BOOL, JV_INT, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
	enum jv_type	 type;
	uint32_t	 len;		/* string bytes, or children */
	const char	*raw;		/* the value's text in the arena's copy of the line */
	uint32_t	 rawlen;
	const char	*key;		/* member name when inside an object */
	uint32_t	 keylen;
	union {
		bool		 b;
		int64_t		 i;	/* JV_INT: an integer that fits int64 */
		double		 d;	/* JV_NUMBER: anything else numeric */
		const char	*s;	/* JV_STRING: NUL-terminated, may hold NULs */
		struct jv	*kids;	/* JV_ARRAY, JV_OBJECT */
	} u;
};

#define JV_CACHE_CHUNKS		8
#define JV_CACHE_CHUNK_MAX	(64 * 1024)

enum jv_status { JV_OK, JV_SYNTAX, JV_TOO_DEEP, JV_NOMEM };

struct jv_doc {
	struct jv	*root;
	void		*arena;		/* everything, freed by jv_free */
	ptrdiff_t	 to_strings;	/* from a byte of the raw text to its twin among the strings */
	size_t		 error_at;	/* JV_SYNTAX: byte offset of the problem */
	size_t		 scratch_freed;	/* bytes of scratch space the parse gave back */
};

enum jv_status	 jv_parse(const char *text, size_t len, long max_depth, struct jv_doc *doc);
/* A document of its own holding v, a value of doc, and everything under it
 * (raw text, strings and tree, in one block sized for them), so that doc
 * can be freed while the copy lives on; v's member name is not kept.
 * JV_OK, or JV_NOMEM with out empty. */
enum jv_status	 jv_copy(const struct jv_doc *doc, const struct jv *v, struct jv_doc *out);
/* Free doc; the bytes given back to the allocator (not kept for reuse). */
size_t		 jv_free(struct jv_doc *doc);
/* What holding doc costs: the bytes its arena takes from the allocator,
 * the allocator's own headers included. */
size_t		 jv_doc_bytes(const struct jv_doc *doc);
/* Whether a string value holds no NUL byte (so C string functions see all of it). */
bool		 jv_plain_string(const struct jv *v);
/* The chunks the calling thread keeps for reuse and their bytes. */
void		 jv_cache_stats(size_t *chunks, size_t *bytes);
/* Free the calling thread's kept chunks (at its exit, or to test). */
void		 jv_cache_release(void);

/* Inline, so that a constant key's length and comparison are folded. */
static inline bool
jv_key_is(const struct jv *member, const char *key)
{
	size_t n = strlen(key);

	return member->keylen == n && memcmp(member->key, key, n) == 0;
}

/* The member named key of an object, or NULL. */
static inline const struct jv *
jv_get(const struct jv *obj, const char *key)
{
	const struct jv *k, *end;

	/* An empty object has no kids array (NULL): nothing to step over. */
	if (obj == NULL || obj->type != JV_OBJECT || obj->len == 0)
		return NULL;
	for (k = obj->u.kids, end = k + obj->len; k < end; k++)
		if (jv_key_is(k, key))
			return k;
	return NULL;
}

#endif
