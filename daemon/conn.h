/* conn.h: one control connection in its NDJSON RPC session: the peer's
 * credentials, its transport (fd, input buffer, output queue), the output
 * watermarks and budget, the work done for it per loop turn, the session
 * values, the calls waiting on its behalf and the handles scoped to it.
 *
 * Memory follows reading.  Bytes of replies count against the connection
 * and its user in two parts: what sits in the output queue, which drains as
 * the client reads, and what is held in batches not yet complete.  Above
 * output_high in the queue (or above output_per_user for the user) no
 * request is taken, batch members included, until the queue falls below
 * output_low (output_per_user / 2).  A large result, or a receive's data,
 * goes only where both parts together stay within output_max for the
 * connection and output_per_user for its user (conn_room); small replies
 * always go, within the queue's slack.  A receive without room waits,
 * taking nothing, and is retried once the queue has drained (deferred:
 * never from inside the flush that made the room).
 *
 * Input too: a connection's input buffer is free up to INPUT_BASE; what
 * it grows beyond that, to hold a long request line, counts against its
 * user's input_per_user.  A line that would take it past that is answered
 * as a line longer than max_message is (error -32600 naming the limit,
 * then the connection closes).  A descriptor queued on a reply
 * (socket.export) counts as one of the user's handles until it is sent. */
#ifndef SOCK6D_CONN_H
#define SOCK6D_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <ev.h>

#include "buf.h"
#include "creds.h"
#include "sock.h"
#include "sock6d.h"
#include "transport.h"

struct batch;
struct call;
struct conn;
struct s6err;
TAILQ_HEAD(call_list, call);
LIST_HEAD(call_room_list, call);

/* The RPC layer above the session, as callbacks (it is the higher layer):
 * what a connection hands its request lines and its events to. */
struct conn_rpc {
	void	(*dispatch_line)(struct conn *c, const char *line, size_t len);
	/* Dispatch more members of the batch under way, as the turn allows. */
	void	(*batch_continue)(struct conn *c);
	/* Output room was freed: calls waiting for it resume. */
	void	(*room_freed)(struct conn *c);
	/* The connection is going away: cancel its calls, drop its batch. */
	void	(*gone)(struct conn *c);
	/* A standalone error response with id null (limits, framing). */
	void	(*send_error)(struct conn *c, const struct s6err *e);
};

/* Something that writes to a connection on its own (a subscription): told
 * when output room is back after the high mark, and when the connection
 * goes away.  Neither is called from inside a write to the connection. */
struct conn_producer {
	void			(*room)(struct conn_producer *p);
	void			(*gone)(struct conn_producer *p);
	LIST_ENTRY(conn_producer) entry;
};
LIST_HEAD(conn_producer_list, conn_producer);

struct conn {
	struct sock6d		*d;
	uint64_t		 id;
	struct transport	 t;		/* its fd and queues */
	size_t			 in_scanned;	/* of t.in, searched for a newline */
	size_t			 in_charged;	/* of t.in's allocation, counted in
						 * its user's input_per_user */
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	struct user		*user;		/* its uid's entry */
	struct creds		 creds;		/* the calls made for it run as these */
	ev_timer		 resume;	/* more buffered requests after the per-read cap */
	bool			 throttled;	/* output above the high mark (its own or its user's) */
	bool			 closing;	/* close once the output is flushed */
	bool			 dead;
	bool			 close_requested;	/* closed once its dispatch ends */
	size_t			 held;		/* reply bytes in unfinished batches */
	uint64_t		 produced;	/* reply bytes made, ever */
	unsigned		 turn;		/* the loop iteration of its turn */
	uint64_t		 turn_start;	/* produced when this turn began */
	long			 turn_requests;	/* requests dispatched this turn */
	struct batch		*batch;		/* a batch whose members are being dispatched */
	unsigned		 waiting_room;	/* pending calls waiting for output room */
	bool			 room_scheduled;	/* on the daemon's room_ready list */
	LIST_ENTRY(conn)	 room_entry;
	bool			 flush_scheduled;	/* on the daemon's flush_soon list */
	LIST_ENTRY(conn)	 flush_entry;
	struct session		 session;
	struct call_list	 pending;
	size_t			 npending;
	struct call_room_list	 room_waiters;	/* pending calls waiting for output room */
	struct sock_list	 scoped;	/* handles with scope "connection" */
	struct conn_producer_list producers;
	/* Another mode takes the transport once the request line being
	 * dispatched is done with (attach); the session is then dormant. */
	void			(*takeover)(struct conn *c, void *ctx);
	void			*takeover_ctx;
	bool			 taken;
	TAILQ_ENTRY(conn)	 entry;
	struct conn		*next_dead;
};

/* The list a handle with scope "connection" joins (NULL: no connection). */
static inline struct sock_list *
conn_scoped(struct conn *c)
{
	return c != NULL ? &c->scoped : NULL;
}

/* Count a request, or an error answered, for the daemon and the user. */
static inline void
conn_count_request(struct conn *c)
{
	c->d->stats.requests++;
	c->user->stats.requests++;
}

static inline void
conn_count_error(struct conn *c)
{
	c->d->stats.errors++;
	c->user->stats.errors++;
}

/* A result this small is always queued (one larger only within output_max):
 * the queue's slack holds one for each call that may be pending. */
#define SMALL_REPLY	4096

/* Bytes of a connection's input buffer outside input_per_user: one read's
 * worth, so that short requests never touch the user's budget. */
#define INPUT_BASE	65536

/* Take over an accepted fd; NULL on failure (fd closed). */
struct conn	*conn_new(struct sock6d *d, int fd, uid_t uid, gid_t gid, pid_t pid);
/* Queue bytes for the client (a whole message). */
void		 conn_write(struct conn *c, const char *p, size_t n);
/* Space for an n-byte message in the output queue, then commit it; NULL
 * when the queue is full (the connection is then closed: its client is
 * not reading). */
char		*conn_reserve(struct conn *c, size_t n);
void		 conn_commit(struct conn *c, size_t n);
/* The same for a message that was held elsewhere until now (a batch's
 * text, `released` bytes of it): it moves into the queue. */
void		 conn_commit_held(struct conn *c, size_t n, size_t released);
/* The same, taking over the whole of *b as the message when the queue is
 * empty (b then gets the queue's old allocation); false otherwise. */
bool		 conn_commit_buf(struct conn *c, struct buf *b, size_t released);
/* Bytes of replies held outside the queue (a batch's) grew or shrank. */
void		 conn_hold(struct conn *c, long delta);
/* Whether a reply of n more bytes fits, now, within output_max for c and
 * within output_per_user for its user: NULL, or the limit it would pass. */
const char	*conn_room(const struct conn *c, size_t n);
/* Resume the calls waiting for output room on the connections where some
 * was freed (run by the daemon after the current callbacks). */
void		 conn_room_run(struct sock6d *d);
/* Whether another request (or batch member) may be dispatched in this
 * turn: the connection takes requests and has not used up its turn's
 * share (requests_per_read requests, output_per_turn bytes of replies). */
bool		 conn_turn_left(const struct conn *c);
/* How many more bytes of output the connection's producers (its
 * subscriptions) may make in this loop turn: its share, output_per_turn,
 * less what its requests and producers made in the turn so far. */
size_t		 conn_turn_output_left(struct conn *c);
/* Write what is queued at the end of this loop turn, once for everything
 * the turn queued (a subscription's socket events do not each write). */
void		 conn_flush_soon(struct conn *c);
/* Flush the connections that asked (run by the daemon after the callbacks). */
void		 conn_flush_run(struct sock6d *d);
/* Write what is queued now; start the write watcher only after EAGAIN. */
void		 conn_flush(struct conn *c);
/* Stop taking requests, flush what is queued, then close. */
void		 conn_close_after_flush(struct conn *c);
/* Whether the client has gone (closed or reset its socket, as the
 * transport's hang-up hub saw before this turn's other callbacks), or the
 * connection is closing.  A client that only shut down its sending side
 * has not gone. */
bool		 conn_peer_gone(const struct conn *c);
/* Cancel pending calls, close scoped handles, close the fd; freed later.
 * While the connection's own requests are being dispatched, the close
 * waits until that dispatch ends, so no handler sees it vanish. */
void		 conn_close(struct conn *c);
void		 conn_free(struct conn *c);
void		 conn_producer_add(struct conn *c, struct conn_producer *p);
/* The transport wrote `written` of `before` queued bytes (for a mode that
 * took it over: the reply it inherited still counts for the user). */
void		 conn_drained(void *ctx, size_t written, size_t before);
void		 conn_producer_remove(struct conn_producer *p);

#endif
