/* rpc.c: the JSON-RPC 2.0 envelope: parsing a line, batches, notifications,
 * dispatch through the method table, and the one place responses are
 * written ("jsonrpc" appears nowhere else). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "method.h"
#include "rpc.h"
#include "sock6d.h"
#include "jv.h"

/* One parsed request line, shared by the calls of a batch. */
struct request {
	struct jv_doc	doc;
	unsigned	refs;
};

/* A batch in progress: one response text per entry, answered as one array
 * once every member is done. */
struct batch {
	struct conn	*conn;		/* NULL once the connection is gone */
	char		**slots;	/* NULL: a notification's (no response) */
	size_t		*lens;
	size_t		 n;
	size_t		 outstanding;
};

static const char RESPONSE_HEAD[] = "{\"jsonrpc\":\"2.0\",\"id\":";

/* Length of {"jsonrpc":"2.0","id":ID,"MEMBER":VALUE}. */
static size_t
response_len(size_t idlen, size_t mlen, size_t vallen)
{
	return sizeof(RESPONSE_HEAD) - 1 + idlen + 4 + mlen + vallen + 1;
}

static void
response_format(char *p, const char *id, size_t idlen, const char *member, size_t mlen,
    const char *val, size_t vallen)
{
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
	memcpy(p, val, vallen);
	p += vallen;
	*p = '}';
}

/* The id exactly as the client wrote it ("null" for none). */
static void
id_text(const struct jv *id, const char **text, size_t *len)
{
	*text = id ? id->raw : "null";
	*len = id ? id->rawlen : 4;
}

/* Deliver a response: straight into the output queue, or into its batch slot. */
static void
respond(struct conn *conn, struct batch *b, size_t slot, const struct jv *id,
    const char *member, json_object *value)
{
	const char *idt, *val;
	size_t idlen, vallen, mlen = strlen(member), n;
	char *p;

	id_text(id, &idt, &idlen);
	val = json_object_to_json_string_length(value,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &vallen);
	n = response_len(idlen, mlen, vallen);
	if (b != NULL) {
		if ((p = malloc(n)) == NULL)
			return;
		response_format(p, idt, idlen, member, mlen, val, vallen);
		b->slots[slot] = p;
		b->lens[slot] = n;
		return;
	}
	if ((p = conn_reserve(conn, n + 1)) == NULL)
		return;
	response_format(p, idt, idlen, member, mlen, val, vallen);
	p[n] = '\n';
	conn_commit(conn, n + 1);
}

static void
request_unref(struct request *r)
{
	if (r != NULL && --r->refs == 0) {
		jv_free(&r->doc);
		free(r);
	}
}

static void
batch_member_done(struct batch *b)
{
	size_t i, total = 1, count = 0;
	char *line, *p;

	if (--b->outstanding > 0)
		return;
	for (i = 0; i < b->n; i++)
		if (b->slots[i] != NULL) {
			total += b->lens[i] + 1;
			count++;
		}
	/* [r1,r2,...]\n, leaving out the notifications; nothing if all were. */
	if (b->conn != NULL && count > 0 && (line = conn_reserve(b->conn, total + 1)) != NULL) {
		p = line;
		*p++ = '[';
		for (i = 0; i < b->n; i++) {
			if (b->slots[i] == NULL)
				continue;
			memcpy(p, b->slots[i], b->lens[i]);
			p += b->lens[i];
			*p++ = ',';
		}
		p[-1] = ']';
		*p++ = '\n';
		conn_commit(b->conn, (size_t)(p - line));
	}
	for (i = 0; i < b->n; i++)
		free(b->slots[i]);
	free(b->slots);
	free(b->lens);
	free(b);
}

/* Deliver the outcome of c (member "result" or "error"; value owned). */
static void
call_deliver(struct call *c, const char *member, json_object *value)
{
	if (c->conn != NULL && !c->notification)
		respond(c->conn, c->batch, c->slot, c->id, member, value);
	json_object_put(value);
}

static void
call_free(struct call *c)
{
	size_t i;

	if (c->batch != NULL)
		batch_member_done(c->batch);
	for (i = 0; i < sizeof(c->allocs) / sizeof(c->allocs[0]); i++)
		free(c->allocs[i]);
	free(c->args);
	request_unref(c->request);
	free(c);
}

int
call_keep(struct call *c, void *p)
{
	size_t i;

	for (i = 0; i < sizeof(c->allocs) / sizeof(c->allocs[0]); i++)
		if (c->allocs[i] == NULL) {
			c->allocs[i] = p;
			return 0;
		}
	return -1;
}

struct answer
call_ok(struct call *c, json_object *result)
{
	struct answer a = { CALL_DONE };

	call_deliver(c, "result", result);
	c->state = CALL_DONE;
	return a;
}

struct answer
call_fail(struct call *c, const struct s6err *e)
{
	struct answer a = { CALL_DONE };

	if (!c->notification && c->conn != NULL)
		conn_count_error(c->conn);
	if (e->code == S6_INTERNAL_ERROR)
		log_warnx("internal error in %s: %s", c->method ? c->method->name : "?", e->message);
	call_deliver(c, "error", err_to_json(e));
	c->state = CALL_DONE;
	return a;
}

bool
call_can_park(struct call *c, struct s6err *e)
{
	if (c->conn == NULL || c->conn->dead || c->conn->close_requested) {
		err_set(e, S6_INTERNAL_ERROR, "the caller has gone");
		return false;
	}
	if ((long)c->conn->npending >= c->d->limits.pending_per_connection) {
		err_limit(e, "pending_per_connection", c->d->limits.pending_per_connection);
		return false;
	}
	if ((long)c->conn->user->pending >= c->d->limits.pending_per_user) {
		err_limit(e, "pending_per_user", c->d->limits.pending_per_user);
		return false;
	}
	return true;
}

struct answer
call_pending(struct call *c, call_cancel_fn cancel, void *op)
{
	struct answer a = { CALL_PENDING };

	c->state = CALL_PENDING;
	c->cancel = cancel;
	c->op = op;
	TAILQ_INSERT_TAIL(&c->conn->pending, c, entry);
	c->conn->npending++;
	c->conn->user->pending++;
	return a;
}

/* Unlink a parked call from its connection. */
static void
call_unpark(struct call *c)
{
	if (c->conn != NULL) {
		TAILQ_REMOVE(&c->conn->pending, c, entry);
		c->conn->npending--;
		c->conn->user->pending--;
	}
}

void
call_complete_ok(struct call *c, json_object *result)
{
	struct conn *conn = c->conn;

	call_unpark(c);
	call_ok(c, result);
	call_free(c);
	if (conn != NULL && conn != conn->d->dispatching)
		conn_flush(conn);	/* a dispatch flushes when it ends */
}

void
call_complete_fail(struct call *c, const struct s6err *e)
{
	struct conn *conn = c->conn;

	call_unpark(c);
	call_fail(c, e);
	call_free(c);
	if (conn != NULL && conn != conn->d->dispatching)
		conn_flush(conn);
}

void
rpc_cancel(struct call *c)
{
	call_unpark(c);
	c->conn = NULL;
	if (c->batch != NULL)
		c->batch->conn = NULL;
	if (c->cancel != NULL)
		c->cancel(c, c->op);
	call_free(c);
}

void
rpc_send_error(struct conn *conn, const struct s6err *e)
{
	json_object *err = err_to_json(e);

	conn_count_error(conn);
	respond(conn, NULL, 0, NULL, "error", err);
	json_object_put(err);
}

/* An envelope error for one request, to its batch slot or the connection,
 * with its id when that could be read (else null). */
static void
envelope_error(struct conn *conn, struct batch *b, size_t slot, const struct jv *id,
    int code, const char *message)
{
	json_object *err;
	struct s6err e;

	err_set(&e, code, "%s", message);
	conn_count_error(conn);
	err = err_to_json(&e);
	respond(conn, b, slot, id, "error", err);
	json_object_put(err);
}

/* Validate one request object and run its method. */
static void
dispatch_request(struct conn *conn, struct request *r, const struct jv *req,
    struct batch *b, size_t slot)
{
	const struct jv *v, *id, *params;
	const struct method *m;
	struct answer a;
	struct s6err e;
	struct call *c;

	conn_count_request(conn);
	if (req->type != JV_OBJECT) {
		envelope_error(conn, b, slot, NULL, S6_INVALID_REQUEST, "Invalid Request");
		return;
	}
	id = jv_get(req, "id");
	if (id != NULL && id->type != JV_STRING && id->type != JV_INT &&
	    id->type != JV_NUMBER && id->type != JV_NULL) {
		envelope_error(conn, b, slot, NULL, S6_INVALID_REQUEST,
		    "Invalid Request: id must be a string, number or null");
		return;
	}
	if ((v = jv_get(req, "jsonrpc")) == NULL || v->type != JV_STRING ||
	    v->len != 3 || memcmp(v->u.s, "2.0", 3) != 0) {
		envelope_error(conn, b, slot, id, S6_INVALID_REQUEST,
		    "Invalid Request: jsonrpc must be \"2.0\"");
		return;
	}
	if ((v = jv_get(req, "method")) == NULL || !jv_plain_string(v)) {
		envelope_error(conn, b, slot, id, S6_INVALID_REQUEST,
		    "Invalid Request: method must be a string");
		return;
	}
	params = jv_get(req, "params");
	if (params != NULL && params->type != JV_OBJECT && params->type != JV_ARRAY) {
		envelope_error(conn, b, slot, id, S6_INVALID_REQUEST,
		    "Invalid Request: params must be an object");
		return;
	}

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		envelope_error(conn, b, slot, id, S6_INTERNAL_ERROR, "out of memory");
		return;
	}
	c->d = conn->d;
	c->conn = conn;
	c->request = r;
	r->refs++;
	c->id = id;
	c->params = params;
	c->notification = id == NULL;
	c->batch = b;
	c->slot = slot;
	if (b != NULL)
		b->outstanding++;

	m = method_lookup(v->u.s);
	c->method = m;
	if (m == NULL) {
		if (log_enabled(LOG_LVL_DEBUG)) {
			char esc[128];

			log_debug("conn %llu: unknown method \"%s\"", (unsigned long long)conn->id,
			    log_escape(v->u.s, v->len, esc, sizeof(esc)));
		}
		method_not_found(v->u.s, v->len, &e);
		a = call_fail(c, &e);
	} else if (params != NULL && params->type == JV_ARRAY) {
		err_param(&e, "params", "params must be an object (by name)");
		a = call_fail(c, &e);
	} else if ((c->args = calloc(1, m->args_size ? m->args_size : 1)) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		a = call_fail(c, &e);
	} else if (param_fill(c, m->params, params, c->args, &e) == -1) {
		a = call_fail(c, &e);
	} else {
		struct creds_saved saved;

		creds_enter(&conn->creds, &saved);
		a = m->fn(c, c->args);
		creds_leave(&saved);
	}
	if (a.state != CALL_PENDING)
		call_free(c);
}

static void
dispatch_batch(struct conn *conn, struct request *r, const struct jv *arr)
{
	struct batch *b;
	struct s6err e;
	size_t i;

	if (arr->len == 0) {
		conn_count_request(conn);
		envelope_error(conn, NULL, 0, NULL, S6_INVALID_REQUEST, "Invalid Request: empty batch");
		return;
	}
	if ((long)arr->len > conn->d->limits.max_batch) {
		conn_count_request(conn);
		err_set(&e, S6_INVALID_REQUEST, "Invalid Request: batch of more than %ld entries",
		    conn->d->limits.max_batch);
		e.limit = "max_batch";
		rpc_send_error(conn, &e);
		return;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->slots = calloc(arr->len, sizeof(*b->slots))) == NULL ||
	    (b->lens = calloc(arr->len, sizeof(*b->lens))) == NULL) {
		if (b != NULL)
			free(b->slots);
		free(b);
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		rpc_send_error(conn, &e);
		return;
	}
	b->conn = conn;
	b->n = arr->len;
	b->outstanding = 1;		/* held until every member is dispatched */
	/* A client found gone mid-batch gets nothing more done on its behalf. */
	for (i = 0; i < arr->len && !conn->close_requested; i++)
		dispatch_request(conn, r, &arr->u.kids[i], b, i);
	batch_member_done(b);
}

void
rpc_dispatch_line(struct conn *conn, const char *line, size_t len)
{
	struct request *r;
	struct s6err e;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		rpc_send_error(conn, &e);
		return;
	}
	switch (jv_parse(line, len, conn->d->limits.max_depth, &r->doc)) {
	case JV_OK:
		break;
	case JV_SYNTAX:
		conn_count_request(conn);
		err_set(&e, S6_PARSE_ERROR, "Parse error at byte %zu", r->doc.error_at);
		rpc_send_error(conn, &e);
		free(r);
		return;
	case JV_TOO_DEEP:
		conn_count_request(conn);
		err_set(&e, S6_INVALID_REQUEST, "Invalid Request: nesting deeper than %ld",
		    conn->d->limits.max_depth);
		e.limit = "max_depth";
		rpc_send_error(conn, &e);
		free(r);
		return;
	case JV_NOMEM:
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		rpc_send_error(conn, &e);
		free(r);
		return;
	}
	r->refs = 1;
	if (r->doc.root->type == JV_ARRAY)
		dispatch_batch(conn, r, r->doc.root);
	else
		dispatch_request(conn, r, r->doc.root, NULL, 0);
	request_unref(r);
}
