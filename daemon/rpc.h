/* rpc.h: the JSON-RPC 2.0 envelope and the life of one request (a call).
 *
 * A handler answers exactly once: it returns the token made by call_ok(),
 * call_fail() or call_pending().  A pending call is completed later, from the
 * loop, by call_complete_ok() or call_complete_fail(); if its connection went
 * away first, its cancel hook runs instead and no answer is sent. */
#ifndef SOCK6D_RPC_H
#define SOCK6D_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <json-c/json.h>

#include "error.h"
#include "reply.h"

struct conn;
struct limits;
struct sock6d;
struct method;
struct batch;
struct call;
struct jv;
struct request;

enum call_state { CALL_NEW, CALL_DONE, CALL_PENDING };

/* What a handler returns: an opaque token that only call_ok, call_fail
 * and call_pending make (and call_parked_earlier, for a call one of them
 * parked before).  Dispatch checks it once. */
struct answer;

#define MUST_ANSWER	__attribute__((warn_unused_result))

typedef void (*call_cancel_fn)(struct call *c, void *op);
typedef void (*call_resume_fn)(struct call *c, void *op);

struct call {
	struct sock6d		*d;
	struct conn		*conn;		/* NULL once the connection is gone */
	struct request		*request;	/* shared reference; args point into it */
	const struct jv		*id;		/* NULL: notification */
	const struct jv		*params;	/* NULL: none */
	bool			 notification;
	struct batch		*batch;
	const struct method	*method;
	void			*args;
	void			*allocs[4];	/* freed with the call (decoded bytes) */
	size_t			 holds;		/* bytes its operation keeps while parked */
	size_t			 charged;	/* bytes counted in pending_bytes_per_user while parked */
	enum call_state		 state;
	call_cancel_fn		 cancel;
	void			*op;
	call_resume_fn		 resume;	/* when output room may be free again */
	bool			 waiting_room;
	TAILQ_ENTRY(call)	 entry;		/* conn->pending */
	LIST_ENTRY(call)	 room_entry;	/* conn->room_waiters */
};


const struct answer *call_ok(struct call *c, json_object *result) MUST_ANSWER;
const struct answer *call_fail(struct call *c, const struct s6err *e) MUST_ANSWER;
const struct answer *call_ok_text(struct call *c, const struct result_text *r) MUST_ANSWER;
void		 call_complete_ok_text(struct call *c, const struct result_text *r);
/* Park the call; `cancel` runs if the connection goes away first. */
const struct answer *call_pending(struct call *c, call_cancel_fn cancel, void *op) MUST_ANSWER;
/* The token of a call parked earlier in this dispatch by call_pending,
 * whether or not it has been completed since: not the dispatcher's to free. */
const struct answer *call_parked_earlier(void) MUST_ANSWER;
/* Whether a token says the call is parked (its answer comes later). */
bool		 answer_is_pending(const struct answer *a);
void		 call_complete_ok(struct call *c, json_object *result);
void		 call_complete_fail(struct call *c, const struct s6err *e);
/* Keep a heap block alive as long as the call; -1 if there is no room. */
int		 call_keep(struct call *c, void *p);
/* The param engine's context for c: the handles its client may name. */
struct param_ctx;
const struct param_ctx *call_param_ctx(struct call *c, struct param_ctx *ctx);
/* Whether the connection can take one more parked call (pending_per_connection,
 * and the user's pending_per_user and pending_bytes_per_user). */
bool		 call_can_park(struct call *c, struct s6err *e);
/* Whether c's response, with a result object of up to n bytes of text,
 * fits in its connection's output now, later (once the client reads), or
 * never (larger than output_max, alone or in its batch's array; a batch
 * member without room now never has it); *limit names the limit. */
enum room { ROOM_NOW, ROOM_LATER, ROOM_NEVER };
enum room	 call_room(const struct call *c, size_t n, const char **limit);
/* The parked call found no room for its reply in its connection's output:
 * `resume` runs once some was freed (the call may then try again, or wait
 * again).  A call waits at most once at a time. */
void		 call_wait_room(struct call *c, call_resume_fn resume);

/* The RPC layer as its connections see it (conn.h's callbacks). */
extern const struct conn_rpc rpc_session;

/* Handle one request line from `conn`.  Replies are queued on the connection. */
void		 rpc_dispatch_line(struct conn *conn, const char *line, size_t len);
/* Dispatch more members of the connection's batch under way, as far as its
 * turn allows; the batch is done with once every member is dispatched. */
void		 rpc_batch_continue(struct conn *conn);
/* Output room was freed on the connection: its calls waiting for room resume. */
void		 rpc_room_freed(struct conn *conn);
/* The connection is going away: cancel its pending calls, drop its batch. */
void		 rpc_conn_gone(struct conn *conn);
/* Queue a standalone error response with id null (limits, parse errors). */
void		 rpc_send_error(struct conn *conn, const struct s6err *e);

#endif
