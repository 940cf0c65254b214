/* rpc.c: the JSON-RPC 2.0 envelope: parsing a line, batches, dispatch
 * through the method table, and the life of a call (answered, parked,
 * completed, cancelled).  Responses are written by reply.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grant.h"
#include "conn.h"
#include "log.h"
#include "method.h"
#include "param.h"
#include "reply.h"
#include "rpc.h"
#include "sock6d.h"
#include "jv.h"

/* One parsed request: a line, or a batch member copied out of its line's
 * document so that a call keeps only its own (the other members' are not
 * held while it waits).  Shared by reference. */
struct request {
	struct sock6d	*d;
	struct jv_doc	doc;
	unsigned	refs;
};

/* A batch: its members are dispatched one at a time, as the connection
 * takes requests (a member that parks does not hold up the next), and
 * their responses are gathered in completion order into one array, sent
 * once every member has answered.  That array is one reply: the responses
 * that would take it past output_max are answered with error 1012, which
 * the text's slack always has room for.  The line's document is let go
 * once every member is dispatched. */
struct batch {
	struct sock6d		*d;
	struct conn		*conn;		/* NULL once the connection is gone */
	struct request		*request;	/* the line, until every member is dispatched */
	size_t			 line_charge;	/* what it is charged meanwhile */
	size_t			 next;		/* the next member to dispatch */
	size_t			 outstanding;	/* members not answered, +1 while dispatching */
	struct reply_batch	 out;		/* "[r1,r2", and how many */
};

/* Room in a batch's text beyond output_max: for the ids and error replies
 * of its members. */
#define BATCH_SLACK(l)	((size_t)(l)->max_message + (size_t)(l)->max_batch * 1024)

enum room
call_room(const struct call *c, size_t n, const char **limit)
{
	size_t max = (size_t)c->d->limits.output_max;

	*limit = "output_max";
	if (c->conn == NULL || c->notification)
		return ROOM_NOW;	/* nothing will be written */
	n += reply_result_len(c->id, 0) + 2;	/* "," or "[", "\n" */
	if (n > max || (c->batch != NULL && buf_len(&c->batch->out.text) + n > max))
		return ROOM_NEVER;
	/* Above its high mark the connection takes nothing more for its
	 * client, not even for a call already pending (memory follows
	 * reading): whatever the client never reads stays on the socket. */
	if (c->conn->throttled && c->batch == NULL)
		return ROOM_LATER;
	if ((*limit = conn_room(c->conn, n)) == NULL)
		return ROOM_NOW;
	/* A batch member never waits for room: another batch's array, held
	 * until its members are all done, could be what takes it. */
	return c->batch != NULL ? ROOM_NEVER : ROOM_LATER;
}

const struct conn_rpc rpc_session = {
	.dispatch_line = rpc_dispatch_line,
	.batch_continue = rpc_batch_continue,
	.room_freed = rpc_room_freed,
	.gone = rpc_conn_gone,
	.send_error = rpc_send_error,
};

/* A zeroed block from the spares when there is one: under load a request
 * costs no allocation of its call or its line's record. */
static void *
spare_take(void **spares, unsigned *n, size_t size)
{
	void *p;

	if (*n == 0)
		return calloc(1, size);
	p = spares[--*n];
	memset(p, 0, size);
	return p;
}

static void
spare_put(void **spares, unsigned *n, void *p)
{
	if (*n < SPARES)
		spares[(*n)++] = p;
	else
		free(p);
}

static void
request_unref(struct request *r)
{
	if (r != NULL && --r->refs == 0) {
		sock6d_freed(r->d, jv_free(&r->doc));
		spare_put(r->d->spare_requests, &r->d->nspare_requests, r);
	}
}

/* A batch member as a request of its own, so that its call holds its own
 * document only; the line's request itself (a second reference) when
 * there is no memory for the copy, which only costs the call a larger
 * charge. */
static struct request *
request_member(struct conn *conn, struct request *line, const struct jv *member)
{
	struct request *r;

	r = spare_take(conn->d->spare_requests, &conn->d->nspare_requests, sizeof(*r));
	if (r != NULL && jv_copy(&line->doc, member, &r->doc) == JV_OK) {
		r->d = conn->d;
		r->refs = 1;
		return r;
	}
	if (r != NULL)
		spare_put(conn->d->spare_requests, &conn->d->nspare_requests, r);
	line->refs++;
	return line;
}

/* Queue a batch's array: its text as it is when the queue is empty (most
 * often), else a copy. */
static void
batch_send(struct batch *b)
{
	size_t len = buf_len(&b->out.text);
	char *p;

	if (buf_append(&b->out.text, "]\n", 2) == 0 && conn_commit_buf(b->conn, &b->out.text, len))
		return;
	if ((p = conn_reserve(b->conn, len + 2)) != NULL) {
		memcpy(p, buf_head(&b->out.text), len);
		p[len] = ']';
		p[len + 1] = '\n';
		conn_commit_held(b->conn, len + 2, len);
	}
}

/* A member answered (or the dispatching stopped): once every member has,
 * the array goes out, leaving out notifications (nothing if all were). */
static void
batch_member_done(struct batch *b)
{
	if (--b->outstanding > 0)
		return;
	if (b->conn != NULL && b->out.answered > 0)
		batch_send(b);
	sock6d_freed(b->d, b->out.text.size);
	buf_free(&b->out.text);
	request_unref(b->request);
	free(b);
}

/* Deliver the outcome of c (member "result" or "error"; value owned). */
static void
call_deliver(struct call *c, const char *member, json_object *value)
{
	if (c->conn != NULL && !c->notification)
		reply_value(c->conn, c->batch ? &c->batch->out : NULL, c->id, member, value);
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
	spare_put(c->d->spare_calls, &c->d->nspare_calls, c);
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

static int
call_keep_cb(void *cookie, void *p)
{
	return call_keep(cookie, p);
}

const struct param_ctx *
call_param_ctx(struct call *c, struct param_ctx *ctx)
{
	ctx->handles = &c->d->handles;
	ctx->limits = &c->d->limits;
	ctx->any_owner = c->conn == NULL;
	ctx->uid = c->conn != NULL ? c->conn->uid : 0;
	ctx->keep = call_keep_cb;
	ctx->cookie = c;
	return ctx;
}

/* The two tokens: their addresses are the proof, and nothing outside
 * this file can name them. */
struct answer {
	enum call_state	state;
};
static const struct answer answered = { CALL_DONE };
static const struct answer parked = { CALL_PENDING };

bool
answer_is_pending(const struct answer *a)
{
	return a == &parked;
}

const struct answer *
call_parked_earlier(void)
{
	return &parked;
}

static void	call_unpark(struct call *c);

/* A result or an error delivered: the call is done. */
static void
call_answer_ok(struct call *c, json_object *result)
{
	call_deliver(c, "result", result);
	c->state = CALL_DONE;
}

static void
call_answer_fail(struct call *c, const struct s6err *e)
{
	unsigned long suppressed;
	char note[64];

	if (!c->notification && c->conn != NULL)
		conn_count_error(c->conn);
	/* A client can make these at will (hang up with calls parked). */
	if (e->code == S6_INTERNAL_ERROR &&
	    log_ratelimit(&c->d->internal_log, ev_now(c->d->loop), &suppressed))
		log_warnx("internal error in %s: %s%s", c->method ? c->method->name : "?",
		    e->message, log_suppressed_note(suppressed, note, sizeof(note)));
	call_deliver(c, "error", err_to_json(e));
	c->state = CALL_DONE;
}

const struct answer *
call_ok(struct call *c, json_object *result)
{
	call_answer_ok(c, result);
	return &answered;
}

const struct answer *
call_ok_text(struct call *c, const struct result_text *r)
{
	if (c->conn != NULL && !c->notification)
		reply_written(c->conn, c->batch ? &c->batch->out : NULL, c->id, r);
	c->state = CALL_DONE;
	return &answered;
}

void
call_complete_ok_text(struct call *c, const struct result_text *r)
{
	struct conn *conn = c->conn;

	call_unpark(c);
	if (conn != NULL && !c->notification)
		reply_written(conn, c->batch ? &c->batch->out : NULL, c->id, r);
	c->state = CALL_DONE;
	call_free(c);
	if (conn != NULL && conn != conn->d->dispatching)
		conn_flush(conn);
}

const struct answer *
call_fail(struct call *c, const struct s6err *e)
{
	call_answer_fail(c, e);
	return &answered;
}

/* What a block of the allocator costs: its usable bytes and its header. */
static size_t
block_bytes(const void *p)
{
	return p != NULL ? malloc_usable_size((void *)p) + 2 * sizeof(size_t) : 0;
}

/* An operation's own record while it waits (a receive's or a send's
 * waiter and state, a lookup's job: under 1 KiB each), and a page for the
 * allocator's rounding and the heap's gaps between a call's blocks; what
 * the operation keeps beyond that is in call->holds. */
#define CALL_OP_BYTES	(1024 + 4096)

/* The bytes a parked call holds, every one counted in the user's
 * pending_bytes_per_user: its request's document (the line, or its batch
 * member, twice, and the parsed tree), the call with its args and the
 * bytes decoded for it (those it sends), its batch's record, and its
 * operation's record and what that keeps (a receive's buffer).  Measured
 * at the allocator, so that no request holds more than it is charged. */
static size_t
call_held_bytes(const struct call *c)
{
	size_t i, n = block_bytes(c) + block_bytes(c->args) + CALL_OP_BYTES + c->holds;

	for (i = 0; i < sizeof(c->allocs) / sizeof(c->allocs[0]); i++)
		n += block_bytes(c->allocs[i]);
	if (c->request != NULL)
		n += block_bytes(c->request) + jv_doc_bytes(&c->request->doc);
	return n + block_bytes(c->batch);
}

bool
call_can_park(struct call *c, struct s6err *e)
{
	const struct limits *l;

	if (c->conn == NULL || c->conn->dead || c->conn->close_requested) {
		err_set(e, S6_INTERNAL_ERROR, "the caller has gone");
		return false;
	}
	l = grant_limits_for(c->d, c->conn->uid);
	if ((long)c->conn->npending >= l->pending_per_connection) {
		err_limit(e, "pending_per_connection", l->pending_per_connection);
		return false;
	}
	if ((long)c->conn->user->pending >= l->pending_per_user) {
		err_limit(e, "pending_per_user", l->pending_per_user);
		return false;
	}
	/* What a parked call holds counts, with the bytes held on the user's
	 * handles, in pending_bytes_per_user. */
	if ((long)(c->conn->user->pinned + call_held_bytes(c)) >
	    l->pending_bytes_per_user) {
		err_limit(e, "pending_bytes_per_user", l->pending_bytes_per_user);
		return false;
	}
	return true;
}

const struct answer *
call_pending(struct call *c, call_cancel_fn cancel, void *op)
{
	c->state = CALL_PENDING;
	c->cancel = cancel;
	c->op = op;
	TAILQ_INSERT_TAIL(&c->conn->pending, c, entry);
	c->conn->npending++;
	c->conn->user->pending++;
	c->charged = call_held_bytes(c);
	c->conn->user->pinned += c->charged;
	return &parked;
}

void
call_wait_room(struct call *c, call_resume_fn resume)
{
	if (c->waiting_room || c->conn == NULL)
		return;
	c->resume = resume;
	c->waiting_room = true;
	LIST_INSERT_HEAD(&c->conn->room_waiters, c, room_entry);
	c->conn->waiting_room++;
	c->conn->user->waiting_room++;
}

static void
call_stop_waiting_room(struct call *c)
{
	if (!c->waiting_room)
		return;
	c->waiting_room = false;
	LIST_REMOVE(c, room_entry);
	if (c->conn != NULL) {
		c->conn->waiting_room--;
		c->conn->user->waiting_room--;
	}
}

void
rpc_room_freed(struct conn *conn)
{
	struct call_room_list ready;
	struct call *c;

	/* Those waiting now each get one chance: one that still finds no
	 * room waits again, on the connection's list, not on this one. */
	LIST_INIT(&ready);
	while ((c = LIST_FIRST(&conn->room_waiters)) != NULL) {
		LIST_REMOVE(c, room_entry);
		LIST_INSERT_HEAD(&ready, c, room_entry);
	}
	while ((c = LIST_FIRST(&ready)) != NULL) {
		call_stop_waiting_room(c);	/* off this list: a cancel may unlink others */
		c->resume(c, c->op);
	}
}

/* Unlink a parked call from its connection. */
static void
call_unpark(struct call *c)
{
	call_stop_waiting_room(c);
	if (c->conn != NULL) {
		TAILQ_REMOVE(&c->conn->pending, c, entry);
		c->conn->npending--;
		c->conn->user->pending--;
		c->conn->user->pinned -= c->charged;
	}
}

void
call_complete_ok(struct call *c, json_object *result)
{
	struct conn *conn = c->conn;

	call_unpark(c);
	call_answer_ok(c, result);
	call_free(c);
	if (conn != NULL && conn != conn->d->dispatching)
		conn_flush(conn);	/* a dispatch flushes when it ends */
}

void
call_complete_fail(struct call *c, const struct s6err *e)
{
	struct conn *conn = c->conn;

	call_unpark(c);
	call_answer_fail(c, e);
	call_free(c);
	if (conn != NULL && conn != conn->d->dispatching)
		conn_flush(conn);
}

static void
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
	reply_value(conn, NULL, NULL, "error", err);
	json_object_put(err);
}

/* An envelope error for one request, to its batch or the connection, with
 * its id when that could be read (else null). */
static void
envelope_error(struct conn *conn, struct batch *b, const struct jv *id, int code,
    const char *message)
{
	json_object *err;
	struct s6err e;

	err_set(&e, code, "%s", message);
	conn_count_error(conn);
	err = err_to_json(&e);
	reply_value(conn, b ? &b->out : NULL, id, "error", err);
	json_object_put(err);
}

/* Validate one request object and run its method. */
static void
dispatch_request(struct conn *conn, struct request *r, const struct jv *req,
    struct batch *b)
{
	const struct jv *v, *id, *params;
	const struct method *m;
	const struct answer *a;
	struct param_ctx pctx;
	struct s6err e;
	struct call *c;

	conn_count_request(conn);
	if (req->type != JV_OBJECT) {
		envelope_error(conn, b, NULL, S6_INVALID_REQUEST, "Invalid Request");
		return;
	}
	id = jv_get(req, "id");
	if (id != NULL && id->type != JV_STRING && id->type != JV_INT &&
	    id->type != JV_NUMBER && id->type != JV_NULL) {
		envelope_error(conn, b, NULL, S6_INVALID_REQUEST,
		    "Invalid Request: id must be a string, number or null");
		return;
	}
	if ((v = jv_get(req, "jsonrpc")) == NULL || v->type != JV_STRING ||
	    v->len != 3 || memcmp(v->u.s, "2.0", 3) != 0) {
		envelope_error(conn, b, id, S6_INVALID_REQUEST,
		    "Invalid Request: jsonrpc must be \"2.0\"");
		return;
	}
	if ((v = jv_get(req, "method")) == NULL || !jv_plain_string(v)) {
		envelope_error(conn, b, id, S6_INVALID_REQUEST,
		    "Invalid Request: method must be a string");
		return;
	}
	params = jv_get(req, "params");
	if (params != NULL && params->type != JV_OBJECT && params->type != JV_ARRAY) {
		envelope_error(conn, b, id, S6_INVALID_REQUEST,
		    "Invalid Request: params must be an object");
		return;
	}

	if ((c = spare_take(conn->d->spare_calls, &conn->d->nspare_calls, sizeof(*c))) == NULL) {
		envelope_error(conn, b, id, S6_INTERNAL_ERROR, "out of memory");
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
	} else if (m->args_size > 0 && (c->args = calloc(1, m->args_size)) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		a = call_fail(c, &e);
	} else if (param_fill(call_param_ctx(c, &pctx), m->params, params, c->args, &e) == -1) {
		a = call_fail(c, &e);
	} else {
		struct creds_saved saved;

		creds_enter(&conn->creds, &saved);
		c->d->method = m->name;
		a = m->fn(c, c->args);
		c->d->method = NULL;
		creds_leave(&saved);
		if (a != &answered && a != &parked) {
			/* No token: a handler's bug, answered as one, once. */
			log_warnx("%s returned no answer", m->name);
			if (c->state == CALL_NEW) {
				err_set(&e, S6_INTERNAL_ERROR, "the method gave no answer");
				a = call_fail(c, &e);
			} else {
				a = c->state == CALL_PENDING ? &parked : &answered;
			}
		}
	}
	if (!answer_is_pending(a))
		call_free(c);
}

/* The line's document is charged to the user's pending bytes while the
 * batch dispatches its members, as a parked call's is: a batch whose
 * replies are not read stops midway, holding it as long as that lasts. */
static void
batch_release_line(struct batch *b, struct conn *conn)
{
	if (b->request == NULL)
		return;
	conn->user->pinned -= b->line_charge;
	request_unref(b->request);	/* its members hold their own */
	b->request = NULL;
}

void
rpc_batch_continue(struct conn *conn)
{
	struct batch *b = conn->batch;
	const struct jv *arr = b->request->doc.root, *member;
	struct request *r;

	while (b->next < arr->len && conn_turn_left(conn)) {
		conn->turn_requests++;
		member = &arr->u.kids[b->next++];
		r = request_member(conn, b->request, member);
		dispatch_request(conn, r, r == b->request ? member : r->doc.root, b);
		request_unref(r);
	}
	/* A client found gone mid-batch gets nothing more done on its behalf. */
	if (b->next == arr->len || conn->close_requested) {
		conn->batch = NULL;
		batch_release_line(b, conn);
		batch_member_done(b);	/* lets go of the dispatching hold */
	}
}

static void
batch_start(struct conn *conn, struct request *r, const struct jv *arr)
{
	const struct limits *l = &conn->d->limits;
	long budget = grant_limits_for(conn->d, conn->uid)->pending_bytes_per_user;
	size_t charge = block_bytes(r) + jv_doc_bytes(&r->doc);
	struct batch *b;
	struct s6err e;

	if (arr->len == 0) {
		conn_count_request(conn);
		envelope_error(conn, NULL, NULL, S6_INVALID_REQUEST, "Invalid Request: empty batch");
		return;
	}
	if ((long)arr->len > l->max_batch) {
		conn_count_request(conn);
		err_set(&e, S6_INVALID_REQUEST, "Invalid Request: batch of more than %ld entries",
		    l->max_batch);
		e.limit = "max_batch";
		rpc_send_error(conn, &e);
		return;
	}
	if ((long)(conn->user->pinned + charge) > budget) {
		conn_count_request(conn);
		err_limit(&e, "pending_bytes_per_user", budget);
		rpc_send_error(conn, &e);
		return;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		rpc_send_error(conn, &e);
		return;
	}
	b->d = conn->d;
	b->conn = conn;
	b->request = r;
	r->refs++;
	b->line_charge = charge;
	conn->user->pinned += charge;
	b->outstanding = 1;		/* held until every member is dispatched */
	buf_init(&b->out.text, (size_t)l->output_max + BATCH_SLACK(l));
	conn->batch = b;
	rpc_batch_continue(conn);
}

void
rpc_conn_gone(struct conn *conn)
{
	struct batch *b;
	struct call *c;

	while ((c = TAILQ_FIRST(&conn->pending)) != NULL)
		rpc_cancel(c);
	if ((b = conn->batch) != NULL) {
		conn->batch = NULL;
		batch_release_line(b, conn);
		b->conn = NULL;
		batch_member_done(b);
	}
}

/* No memory to read a request line: an error with a null id could not
 * tell a client with several requests in flight which one failed, so the
 * answers queued go out and then the connection is closed, which it sees. */
static void
request_lost(struct conn *conn)
{
	log_warnx("conn %llu: out of memory for a request, closing",
	    (unsigned long long)conn->id);
	conn_close_after_flush(conn);
}

/* Parse one request line; NULL when it is not a request (the error is
 * answered, or the connection closed). */
static struct request *
request_parse(struct conn *conn, const char *line, size_t len)
{
	struct request *r;
	struct s6err e;

	r = spare_take(conn->d->spare_requests, &conn->d->nspare_requests, sizeof(*r));
	if (r == NULL) {
		request_lost(conn);
		return NULL;
	}
	r->d = conn->d;
	switch (jv_parse(line, len, conn->d->limits.max_depth, &r->doc)) {
	case JV_OK:
		sock6d_freed(conn->d, r->doc.scratch_freed);	/* large trees: worth a trim */
		r->refs = 1;
		return r;
	case JV_SYNTAX:
		conn_count_request(conn);
		err_set(&e, S6_PARSE_ERROR, "Parse error at byte %zu", r->doc.error_at);
		break;
	case JV_TOO_DEEP:
		conn_count_request(conn);
		err_set(&e, S6_INVALID_REQUEST, "Invalid Request: nesting deeper than %ld",
		    conn->d->limits.max_depth);
		e.limit = "max_depth";
		break;
	case JV_NOMEM:
		request_lost(conn);
		spare_put(conn->d->spare_requests, &conn->d->nspare_requests, r);
		return NULL;
	}
	rpc_send_error(conn, &e);
	spare_put(conn->d->spare_requests, &conn->d->nspare_requests, r);
	return NULL;
}

void
rpc_dispatch_line(struct conn *conn, const char *line, size_t len)
{
	struct request *r = request_parse(conn, line, len);

	/* The line is one request of the turn; a batch's members count one
	 * each instead (rpc_batch_continue). */
	if (r == NULL || r->doc.root->type != JV_ARRAY)
		conn->turn_requests++;
	if (r == NULL)
		return;
	if (r->doc.root->type == JV_ARRAY)
		batch_start(conn, r, r->doc.root);
	else
		dispatch_request(conn, r, r->doc.root, NULL);
	request_unref(r);
}
