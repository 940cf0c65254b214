/* reply.h: the writer of responses: into a connection's output queue, or
 * into the array of a batch being gathered, within the output budget (a
 * result with no room is answered with error 1012 instead). */
#ifndef SOCK6D_REPLY_H
#define SOCK6D_REPLY_H

#include <stddef.h>
#include <json-c/json.h>

#include "buf.h"

struct conn;
struct jv;
struct result_text;

/* A batch's responses gathered so far: "[r1,r2" and how many. */
struct reply_batch {
	struct buf	text;
	size_t		answered;
};

/* Deliver a response with `member` ("result" or "error") set to value, to
 * conn's queue or (b not NULL) b's array.  value is not taken. */
void	reply_value(struct conn *conn, struct reply_batch *b, const struct jv *id,
	    const char *member, json_object *value);
/* The same for a result written in place. */
void	reply_written(struct conn *conn, struct reply_batch *b, const struct jv *id,
	    const struct result_text *r);
/* Length of a response with a result of vallen bytes to request id. */
size_t	reply_result_len(const struct jv *id, size_t vallen);

#endif
