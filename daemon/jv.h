/* jv.h: requests as a compact, read-only JSON tree.
 *
 * A strict RFC 8259 parser (UTF-8 checked, no NaN, no "1." or "01", no raw
 * control characters, nesting bounded by objects and arrays only) builds the
 * tree in one arena per request line, so a request costs one allocation and
 * is freed in one piece.  Every value keeps its raw text, so ids are echoed
 * exactly as sent.  The daemon's results are still built with json-c. */
#ifndef SOCK6D_JV_H
#define SOCK6D_JV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

enum jv_status { JV_OK, JV_SYNTAX, JV_TOO_DEEP, JV_NOMEM };

struct jv_doc {
	struct jv	*root;
	void		*arena;		/* everything, freed by jv_free */
	size_t		 error_at;	/* JV_SYNTAX: byte offset of the problem */
};

enum jv_status	 jv_parse(const char *text, size_t len, long max_depth, struct jv_doc *doc);
void		 jv_free(struct jv_doc *doc);
/* The member named key of an object, or NULL. */
const struct jv	*jv_get(const struct jv *obj, const char *key);
/* Whether a string value holds no NUL byte (so C string functions see all of it). */
bool		 jv_plain_string(const struct jv *v);
bool		 jv_key_is(const struct jv *member, const char *key);

#endif
