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
struct limits;
struct s6err;

/* A result written straight into the reply, not built as a json-c object:
 * write() fills at most `max` bytes at p with the result object's text
 * (bytes in base64, never escaped, are encoded there, once) and returns
 * how many it wrote. */
struct result_text {
	size_t	  max;
	size_t	(*write)(char *p, void *arg);
	void	 *arg;
};

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
/* Error 1012 for a reply with no room within `limit` (output_max or
 * output_per_user). */
void		 err_too_large(struct s6err *e, const struct limits *l, const char *limit);
/* Notifications: the text before the
 * params object of a notification of `method` written at p (at most
 * RPC_NOTIFY_HEAD_MAX bytes with a method name of up to 32), its length;
 * and the text after the params. */
#define RPC_NOTIFY_HEAD_MAX	96
#define RPC_NOTIFY_TAIL		"}\n"
size_t		 rpc_notify_head(char *p, const char *method);
/* Queue a notification whose params are a json-c object (taken). */
void		 rpc_notify(struct conn *conn, const char *method, json_object *params);

#endif
