/* reply.c: the one writer of the JSON-RPC envelope for output ("jsonrpc"
 * is written nowhere else): responses into a connection's queue or a
 * batch's array, within the output budget, results built as json-c objects
 * or written in place, and notifications. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "jv.h"
#include "log.h"
#include "reply.h"
#include "sock6d.h"

static const char RESPONSE_HEAD[] = "{\"jsonrpc\":\"2.0\",\"id\":";

/* Length of {"jsonrpc":"2.0","id":ID,"MEMBER":VALUE}. */
static size_t
response_len(size_t idlen, size_t mlen, size_t vallen)
{
	return sizeof(RESPONSE_HEAD) - 1 + idlen + 4 + mlen + vallen + 1;
}

/* {"jsonrpc":"2.0","id":ID,"MEMBER": at p; its length. */
static size_t
response_head(char *p, const char *id, size_t idlen, const char *member, size_t mlen)
{
	char *start = p;

	memcpy(p, RESPONSE_HEAD, sizeof(RESPONSE_HEAD) - 1);
	p += sizeof(RESPONSE_HEAD) - 1;
	memcpy(p, id, idlen);
	p += idlen;
	*p++ = ',';
	*p++ = '"';
	memcpy(p, member, mlen);
	p += mlen;
	*p++ = '"';
	*p++ = ':';
	return (size_t)(p - start);
}

static void
response_format(char *p, const char *id, size_t idlen, const char *member, size_t mlen,
    const char *val, size_t vallen)
{
	p += response_head(p, id, idlen, member, mlen);
	memcpy(p, val, vallen);
	p[vallen] = '}';
}

/* The id exactly as the client wrote it ("null" for none). */
static void
id_text(const struct jv *id, const char **text, size_t *len)
{
	*text = id ? id->raw : "null";
	*len = id ? id->rawlen : 4;
}

void
err_too_large(struct s6err *e, const struct limits *l, const char *limit)
{
	long value = strcmp(limit, "output_per_user") == 0 ? l->output_per_user : l->output_max;

	err_limit(e, limit, value);
	snprintf(e->message, sizeof(e->message), "no room for the reply within %s (%ld)",
	    limit, value);
}

/* No memory to grow a batch's text (its slack holds every answer of one
 * line otherwise): the array would lack an answer, so the connection is
 * closed instead, which the client sees. */
static void
batch_text_lost(struct conn *conn)
{
	log_warnx("conn %llu: out of memory for an answer in a batch, closing",
	    (unsigned long long)conn->id);
	conn_close(conn);
}

/* Write one response into its batch's text (after a comma) or, ended by a
 * newline, into the connection's queue; NULL, or the limit it would pass.
 * A result larger than SMALL_REPLY goes only where everything held for the
 * connection stays within output_max and for its user within
 * output_per_user (and a batch's array within output_max); small results
 * and errors always go: the slack of the queue and of a batch's text
 * holds them, so that no answer is lost. */
static const char *
respond_text(struct conn *conn, struct reply_batch *b, const char *idt, size_t idlen,
    const char *member, const char *val, size_t vallen)
{
	size_t mlen = strlen(member), n = response_len(idlen, mlen, vallen);
	const struct limits *l = &conn->d->limits;
	bool result = strcmp(member, "result") == 0;
	const char *limit;
	char *p;

	if (result && b != NULL && buf_len(&b->text) + 1 + n > (size_t)l->output_max)
		return "output_max";	/* one array is one reply: all its results count */
	if (result && vallen > SMALL_REPLY && (limit = conn_room(conn, n + 1)) != NULL)
		return limit;
	if (b == NULL) {
		if ((p = conn_reserve(conn, n + 1)) == NULL)
			return NULL;	/* the connection is closed */
		response_format(p, idt, idlen, member, mlen, val, vallen);
		p[n] = '\n';
		conn_commit(conn, n + 1);
		return NULL;
	}
	if ((p = buf_reserve(&b->text, n + 1)) == NULL) {
		batch_text_lost(conn);
		return NULL;
	}
	*p = b->answered++ > 0 ? ',' : '[';
	response_format(p + 1, idt, idlen, member, mlen, val, vallen);
	buf_commit(&b->text, n + 1);
	conn_hold(conn, (long)n + 1);
	return NULL;
}

/* Deliver a response; one too large for output_max (alone, or in its
 * batch's array) becomes error 1012 naming that limit. */
void
reply_value(struct conn *conn, struct reply_batch *b, const struct jv *id, const char *member,
    json_object *value)
{
	const struct limits *l = &conn->d->limits;
	const char *idt, *val;
	json_object *err;
	const char *limit = "output_max";
	struct s6err e;
	size_t idlen, vallen;

	id_text(id, &idt, &idlen);
	val = json_object_to_json_string_length(value,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &vallen);
	if (response_len(idlen, strlen(member), vallen) + 1 <= (size_t)l->output_max &&
	    (limit = respond_text(conn, b, idt, idlen, member, val, vallen)) == NULL)
		return;
	err_too_large(&e, l, limit);
	conn_count_error(conn);
	err = err_to_json(&e);
	val = json_object_to_json_string_length(err,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &vallen);
	respond_text(conn, b, idt, idlen, "error", val, vallen);
	json_object_put(err);
}

size_t
reply_result_len(const struct jv *id, size_t vallen)
{
	const char *idt;
	size_t idlen;

	id_text(id, &idt, &idlen);
	return response_len(idlen, sizeof("result") - 1, vallen);
}

/* Deliver a result written in place (struct result_text): into the queue,
 * or its batch's text, under the rules of respond_text; one with no room
 * is answered with error 1012 instead, as reply_value() does. */
void
reply_written(struct conn *conn, struct reply_batch *b, const struct jv *id,
    const struct result_text *r)
{
	const struct limits *l = &conn->d->limits;
	size_t idlen, head, n, used;
	const char *idt, *limit = NULL;
	json_object *err;
	struct s6err e;
	char *p;

	id_text(id, &idt, &idlen);
	n = response_len(idlen, sizeof("result") - 1, r->max) + 1;
	if (n > (size_t)l->output_max)
		limit = "output_max";
	else if (b != NULL && buf_len(&b->text) + n > (size_t)l->output_max)
		limit = "output_max";
	else if (r->max > SMALL_REPLY)
		limit = conn_room(conn, n);
	if (limit != NULL) {
		err_too_large(&e, l, limit);
		conn_count_error(conn);
		err = err_to_json(&e);
		reply_value(conn, b, id, "error", err);
		json_object_put(err);
		return;
	}
	if ((p = b != NULL ? buf_reserve(&b->text, n + 1) : conn_reserve(conn, n)) == NULL) {
		if (b != NULL)
			batch_text_lost(conn);
		return;		/* the connection is closed */
	}
	if (b != NULL)
		*p++ = b->answered++ > 0 ? ',' : '[';
	head = response_head(p, idt, idlen, "result", sizeof("result") - 1);
	used = head + r->write(p + head, r->arg);
	p[used++] = '}';
	if (b != NULL) {
		buf_commit(&b->text, used + 1);
		conn_hold(conn, (long)used + 1);
		return;
	}
	p[used++] = '\n';
	conn_commit(conn, used);
}

size_t
rpc_notify_head(char *p, const char *method)
{
	return (size_t)sprintf(p, "{\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":", method);
}

void
rpc_notify(struct conn *conn, const char *method, json_object *params)
{
	char head[RPC_NOTIFY_HEAD_MAX];
	size_t hlen = rpc_notify_head(head, method), vlen;
	const char *val = json_object_to_json_string_length(params,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &vlen);
	size_t n = hlen + vlen + sizeof(RPC_NOTIFY_TAIL) - 1;
	char *p;

	if ((p = conn_reserve(conn, n)) != NULL) {
		memcpy(p, head, hlen);
		memcpy(p + hlen, val, vlen);
		memcpy(p + hlen + vlen, RPC_NOTIFY_TAIL, sizeof(RPC_NOTIFY_TAIL) - 1);
		conn_commit(conn, n);
	}
	json_object_put(params);
}
