/* conn.c: one control connection's NDJSON RPC session, the mode on top of
 * its transport: request lines dispatched under the per-turn share, the
 * output queue's watermarks and budget (its own and its user's), closing
 * and the deferred free. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "grant.h"
#include "conn.h"
#include "log.h"
#include "ndjson.h"
#include "error.h"
#include "sock.h"

#define READ_SLACK	65536	/* the transport reads this much at a time */

static void	conn_resume_cb(struct ev_loop *, ev_timer *, int);
static void	conn_process(struct conn *c);
static void	conn_update_throttle(struct conn *c);
static void	conn_input(void *ctx);
static void	conn_input_end(void *ctx);
static void	conn_gone(void *ctx);
static size_t	conn_input_limit(void *ctx);

static const struct transport_ops conn_transport_ops = {
	.input = conn_input,
	.input_end = conn_input_end,
	.gone = conn_gone,
	.drained = conn_drained,
	.input_limit = conn_input_limit,
};

/* A descriptor queued on one of c's replies (socket.export, which
 * reserved it as one of the user's handles) was sent or dropped. */
static void
conn_fd_done(void *arg)
{
	struct conn *c = arg;

	sock_unreserve_fd(c->d, c->uid);
}

/* What of an input allocation of `size` bytes input_per_user counts. */
static size_t
conn_input_charge(size_t size)
{
	return size > INPUT_BASE ? size - INPUT_BASE : 0;
}

/* Count the input buffer's allocation as it is now for the user. */
static void
conn_input_account(struct conn *c)
{
	size_t charge = c->dead ? 0 : conn_input_charge(c->t.in.size);

	c->user->input = c->user->input - c->in_charged + charge;
	c->in_charged = charge;
}

/* The most bytes c's input buffer may grow to now: its base, and what its
 * user's input_per_user leaves once its other connections' are counted. */
static size_t
conn_input_limit(void *ctx)
{
	struct conn *c = ctx;
	size_t budget = (size_t)grant_limits_for(c->d, c->uid)->input_per_user;
	size_t others = c->user->input - c->in_charged;

	return INPUT_BASE + (others < budget ? budget - others : 0);
}

void
session_default(struct session *s)
{
	s->connect_timeout = -1;
	s->accept_timeout = -1;
	s->receive_timeout = 60000;
	s->send_timeout = 60000;
	s->send_size = 16384;
	s->bind_ipv6_only = false;
}

struct conn *
conn_new(struct sock6d *d, int fd, uid_t uid, gid_t gid, pid_t pid)
{
	struct user *u;
	struct conn *c;

	if ((u = user_get(&d->users, uid)) == NULL || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return NULL;
	}
	c->d = d;
	c->id = ++d->next_conn_id;
	c->uid = uid;
	c->gid = gid;
	c->pid = pid;
	c->user = u;
	u->conns++;
	creds_init(&c->creds, fd, uid, gid);
	/* Input: one byte past the message cap so an over-long line is
	 * detected.  Output: data and large results stay within output_max;
	 * beyond it only small replies of calls already pending, each with
	 * its id. */
	transport_init(&c->t, &d->hub, fd, (size_t)d->limits.max_message + READ_SLACK + 2,
	    (size_t)d->limits.output_max + (size_t)d->limits.max_message +
	    (size_t)d->limits.pending_per_connection * SMALL_REPLY, &conn_transport_ops, c);
	transport_on_fd_done(&c->t, conn_fd_done, c);
	session_default(&c->session);
	TAILQ_INIT(&c->pending);
	LIST_INIT(&c->room_waiters);
	LIST_INIT(&c->scoped);
	LIST_INIT(&c->producers);
	ev_timer_init(&c->resume, conn_resume_cb, 0., 0.);
	c->resume.data = c;
	TAILQ_INSERT_TAIL(&d->conns, c, entry);
	d->nconns++;
	conn_update_throttle(c);	/* reading, unless its user is above its mark */
	log_debug("conn %llu: uid %u pid %d connected", (unsigned long long)c->id,
	    (unsigned)uid, (int)pid);
	return c;
}

/* Whether the connection takes requests (those buffered included). */
static bool
conn_may_dispatch(const struct conn *c)
{
	return !c->closing && !c->dead && !c->throttled && !c->close_requested && !c->taken;
}

/* Whether requests wait to be dispatched: a batch under way, or input. */
static bool
conn_has_work(const struct conn *c)
{
	return c->batch != NULL || buf_len(&c->t.in) > 0;
}

bool
conn_turn_left(const struct conn *c)
{
	return conn_may_dispatch(c) && c->turn_requests < c->d->limits.requests_per_read &&
	    c->produced - c->turn_start < (uint64_t)c->d->limits.output_per_turn;
}

/* A new loop iteration starts a new turn for the connection. */
static void
conn_turn_begin(struct conn *c)
{
	unsigned iteration = ev_iteration(c->d->loop);

	if (c->turn != iteration) {
		c->turn = iteration;
		c->turn_requests = 0;
		c->turn_start = c->produced;
	}
}

size_t
conn_turn_output_left(struct conn *c)
{
	uint64_t used;

	conn_turn_begin(c);
	used = c->produced - c->turn_start;
	return used < (uint64_t)c->d->limits.output_per_turn ?
	    (size_t)((uint64_t)c->d->limits.output_per_turn - used) : 0;
}

/* Read while we want requests. */
static void
conn_update_reading(struct conn *c)
{
	transport_set_reading(&c->t, conn_may_dispatch(c));
}

/* Output fell below the low mark: the producers may write again. */
static void
conn_producers_room(struct conn *c)
{
	struct conn_producer *p, *next;

	for (p = LIST_FIRST(&c->producers); p != NULL; p = next) {
		next = LIST_NEXT(p, entry);
		p->room(p);
	}
}

void
conn_producer_add(struct conn *c, struct conn_producer *p)
{
	LIST_INSERT_HEAD(&c->producers, p, entry);
}

void
conn_producer_remove(struct conn_producer *p)
{
	LIST_REMOVE(p, entry);
}

/* Apply the watermarks after the output queue (or the user's) changed. */
static void
conn_update_throttle(struct conn *c)
{
	size_t queued = transport_queued(&c->t);

	if (c->dead)
		return;
	if (!c->throttled && ((long)queued > c->d->limits.output_high || c->user->throttled)) {
		c->throttled = true;
		log_debug("conn %llu: output %zu (user %zu) above the mark, pausing input",
		    (unsigned long long)c->id, queued, c->user->output);
	} else if (c->throttled && (long)queued <= c->d->limits.output_low &&
	    !c->user->throttled) {
		c->throttled = false;
		if (conn_has_work(c))
			ev_timer_start(c->d->loop, &c->resume);
		conn_producers_room(c);
	}
	conn_update_reading(c);
}

/* Give the calls of c waiting for output room another chance, soon:
 * after the current callbacks (a call resumed from inside a flush could
 * close the very connection being flushed). */
static void
conn_room_freed(struct conn *c)
{
	if (c->waiting_room == 0 || c->room_scheduled || c->dead)
		return;
	c->room_scheduled = true;
	LIST_INSERT_HEAD(&c->d->room_ready, c, room_entry);
	sock6d_defer(c->d);
}

void
conn_room_run(struct sock6d *d)
{
	struct conn *c;

	while ((c = LIST_FIRST(&d->room_ready)) != NULL) {
		LIST_REMOVE(c, room_entry);
		c->room_scheduled = false;
		d->rpc->room_freed(c);
	}
}

/* The user's queues crossed a mark: apply it to each of its connections
 * and, when room was freed, give their waiting calls another chance. */
static void
conn_user_changed(struct sock6d *d, struct user *u, bool room)
{
	struct conn *c;

	TAILQ_FOREACH(c, &d->conns, entry)
		if (c->user == u) {
			conn_update_throttle(c);
			if (room)
				conn_room_freed(c);
		}
}

/* Count reply bytes entering (> 0) or leaving (< 0) the queue or a batch,
 * for the connection and its user.  Two marks of the user's, each with
 * hysteresis: above output_per_user (in its queues) its connections take
 * no requests until it falls to half of that; and its calls waiting for
 * room get another chance once any reply would fit again (all its bytes
 * within output_per_user less output_max).  Nothing here runs a call:
 * this is called from inside flushes and dispatches. */
static void
conn_account(struct conn *c, long queued, long held)
{
	const struct limits *l = grant_limits_for(c->d, c->uid);
	struct user *u = c->user;
	bool short_of_room;

	if (queued + held > 0)
		c->produced += (uint64_t)(queued + held);
	c->held = (size_t)((long)c->held + held);
	u->output = (size_t)((long)u->output + queued);
	u->held = (size_t)((long)u->held + held);
	if (!u->throttled && (long)u->output > l->output_per_user) {
		u->throttled = true;
		conn_user_changed(c->d, u, false);
	} else if (u->throttled && (long)u->output <= l->output_per_user / 2) {
		u->throttled = false;
		conn_user_changed(c->d, u, false);
	}
	short_of_room = (long)(u->output + u->held) > l->output_per_user - l->output_max;
	if (short_of_room != u->short_of_room) {
		u->short_of_room = short_of_room;
		if (!short_of_room && u->waiting_room > 0)
			conn_user_changed(c->d, u, true);
	}
}

void
conn_hold(struct conn *c, long delta)
{
	if (!c->dead)
		conn_account(c, 0, delta);
}

const char *
conn_room(const struct conn *c, size_t n)
{
	const struct limits *l = grant_limits_for(c->d, c->uid);

	if (transport_queued(&c->t) + c->held + n > (size_t)l->output_max)
		return "output_max";
	if (c->user->output + c->user->held + n > (size_t)l->output_per_user)
		return "output_per_user";
	return NULL;
}

char *
conn_reserve(struct conn *c, size_t n)
{
	unsigned long suppressed;
	char note[64], *p;

	if (c->dead)
		return NULL;
	if ((p = transport_reserve(&c->t, n)) == NULL) {
		if (log_ratelimit(&c->d->overflow_log, ev_now(c->d->loop), &suppressed))
			log_warnx("conn %llu: no room for a reply of %zu bytes after %zu queued, "
			    "closing%s", (unsigned long long)c->id, n, transport_queued(&c->t),
			    log_suppressed_note(suppressed, note, sizeof(note)));
		conn_close(c);
	}
	return p;
}

void
conn_commit(struct conn *c, size_t n)
{
	conn_commit_held(c, n, 0);
}

bool
conn_commit_buf(struct conn *c, struct buf *b, size_t released)
{
	if (c->dead || !transport_commit_buf(&c->t, b))
		return false;
	conn_account(c, (long)transport_queued(&c->t), -(long)released);
	conn_update_throttle(c);
	return true;
}

void
conn_commit_held(struct conn *c, size_t n, size_t released)
{
	transport_commit(&c->t, n);
	conn_account(c, (long)n, -(long)released);
	conn_update_throttle(c);
}

void
conn_write(struct conn *c, const char *p, size_t n)
{
	char *dst;

	if ((dst = conn_reserve(c, n)) == NULL)
		return;
	memcpy(dst, p, n);
	conn_commit(c, n);
}

/* Whether a connection whose input has ended has nothing left to do. */
static bool
conn_finished(const struct conn *c)
{
	return c->t.input_ended && c->npending == 0 && !conn_has_work(c) &&
	    transport_queued(&c->t) == 0;
}

void
conn_flush(struct conn *c)
{
	if (!c->dead && transport_flush(&c->t) == -1)
		conn_close(c);
	else if (!c->dead && transport_queued(&c->t) == 0 && (c->closing || conn_finished(c)))
		conn_close(c);
}

/* The transport wrote `written` of the `before` bytes queued: the user has
 * that much more room; the calls waiting for it get another chance once
 * the queue has drained below the low mark, and again once it is empty
 * (not for each write: a waiting call costs its retry). */
void
conn_drained(void *ctx, size_t written, size_t before)
{
	struct conn *c = ctx;
	size_t queued = transport_queued(&c->t);
	long low = c->d->limits.output_low;

	if (c->dead)
		return;
	if (queued == 0)
		sock6d_freed(c->d, buf_shrink(&c->t.out));	/* a drained queue gives back */
	conn_account(c, -(long)written, 0);
	if (queued == 0 || ((long)before > low && (long)queued <= low))
		conn_room_freed(c);
	conn_update_throttle(c);
	if (queued == 0 && !c->taken && (c->closing || conn_finished(c)))
		conn_close(c);
}

void
conn_flush_soon(struct conn *c)
{
	if (c->flush_scheduled || c->dead)
		return;
	c->flush_scheduled = true;
	LIST_INSERT_HEAD(&c->d->flush_soon, c, flush_entry);
	sock6d_defer(c->d);
}

void
conn_flush_run(struct sock6d *d)
{
	struct conn *c;

	while ((c = LIST_FIRST(&d->flush_soon)) != NULL) {
		LIST_REMOVE(c, flush_entry);
		c->flush_scheduled = false;
		conn_flush(c);
	}
}

bool
conn_peer_gone(const struct conn *c)
{
	return c->dead || c->closing || c->close_requested || c->t.hungup;
}

/* The client shut down its sending side: nothing more will come, but the
 * requests already received are answered and the pending calls run to
 * their end before the connection closes (PROTOCOL §1).  A full close
 * later is seen by the transport's hang-up hub. */
static void
conn_input_end(void *ctx)
{
	struct conn *c = ctx;

	/* A last request without its newline is still a request. */
	if (buf_len(&c->t.in) > 0)
		buf_append(&c->t.in, "\n", 1);
	conn_process(c);
}

/* The client closed or reset its socket: its pending calls are cancelled
 * (bytes already read stay on their handles). */
static void
conn_gone(void *ctx)
{
	conn_close(ctx);
}

void
conn_close_after_flush(struct conn *c)
{
	c->closing = true;
	conn_update_reading(c);
	conn_flush(c);
}

void
conn_close(struct conn *c)
{
	struct conn_producer *p;
	struct sock *s;

	if (c->dead)
		return;
	if (c == c->d->dispatching) {
		c->close_requested = true;
		return;
	}
	c->dead = true;
	log_debug("conn %llu: closed", (unsigned long long)c->id);
	ev_timer_stop(c->d->loop, &c->resume);
	c->d->rpc->gone(c);
	while ((p = LIST_FIRST(&c->producers)) != NULL) {
		LIST_REMOVE(p, entry);
		p->gone(p);
	}
	if (c->room_scheduled)
		LIST_REMOVE(c, room_entry);
	if (c->flush_scheduled)
		LIST_REMOVE(c, flush_entry);
	c->flush_scheduled = false;
	while ((s = LIST_FIRST(&c->scoped)) != NULL)
		sock_close(s);
	transport_close(&c->t);
	conn_input_account(c);	/* dead: its input is no longer counted */
	TAILQ_REMOVE(&c->d->conns, c, entry);
	c->d->nconns--;
	c->user->conns--;
	/* Its queue and batches are dropped: the user has that much more room. */
	conn_account(c, -(long)transport_queued(&c->t), -(long)c->held);
	c->next_dead = c->d->dead_conns;
	c->d->dead_conns = c;
}

void
conn_free(struct conn *c)
{
	sock6d_freed(c->d, transport_free(&c->t));
	free(c);
}

/* A request line too long to take (e says which limit): answered with
 * e, its bytes dropped, then the connection closes. */
static void
conn_too_long(struct conn *c, const struct s6err *e)
{
	conn_count_request(c);
	c->d->rpc->send_error(c, e);
	buf_reset(&c->t.in);
	c->in_scanned = 0;
	c->closing = true;
}

/* Dispatch buffered requests (a batch under way first, then request
 * lines) for its turn: until the connection stops taking requests or has
 * used its turn's share, when the other connections go first.  A turn is
 * one iteration of the loop, however many of the connection's events
 * (read, write, resume) come in it. */
static void
conn_process(struct conn *c)
{
	const char *line;
	size_t len, used;
	struct s6err e;
	bool more = true;
	long limit;

	conn_input_account(c);	/* what the reads made of the buffer */
	c->d->dispatching = c;
	conn_turn_begin(c);
	while (more && conn_turn_left(c)) {
		if (c->batch != NULL) {
			c->d->rpc->batch_continue(c);
			continue;
		}
		switch (ndjson_next(&c->t.in, (size_t)c->d->limits.max_message, &c->in_scanned,
		    &line, &len, &used)) {
		case NDJSON_NEED:
			more = false;
			/* The line so far fills all the room the user's input
			 * budget leaves (still, if it was a while ago): it
			 * can never be read whole. */
			if (!c->t.in_limited || buf_len(&c->t.in) < c->t.in.size ||
			    conn_input_limit(c) > c->t.in.size)
				break;
			limit = grant_limits_for(c->d, c->uid)->input_per_user;
			err_set(&e, S6_INVALID_REQUEST, "Invalid Request: message longer than "
			    "this user's input budget allows (input_per_user: %ld bytes for "
			    "the unfinished lines of all its connections)", limit);
			e.limit = "input_per_user";
			conn_too_long(c, &e);
			break;
		case NDJSON_TOOBIG:
			err_set(&e, S6_INVALID_REQUEST,
			    "Invalid Request: message longer than %ld bytes",
			    c->d->limits.max_message);
			e.limit = "max_message";
			conn_too_long(c, &e);
			break;
		case NDJSON_FRAME:
			c->d->rpc->dispatch_line(c, line, len);
			ndjson_done(&c->t.in, used, &c->in_scanned);
			if (c->takeover != NULL)
				more = false;	/* what follows is not ours */
			break;
		}
	}
	c->d->dispatching = NULL;
	if (c->takeover != NULL && !c->close_requested && !c->dead) {
		void (*takeover)(struct conn *, void *) = c->takeover;

		c->takeover = NULL;
		c->taken = true;
		ev_timer_stop(c->d->loop, &c->resume);
		takeover(c, c->takeover_ctx);
		return;
	}
	if (more && conn_may_dispatch(c) && conn_has_work(c))
		ev_timer_start(c->d->loop, &c->resume);	/* the turn's share is used */
	if (buf_len(&c->t.in) == 0)
		sock6d_freed(c->d, buf_shrink(&c->t.in));
	conn_input_account(c);
	if (c->close_requested)
		conn_close(c);
	else if (c->closing)
		conn_close_after_flush(c);
	else
		conn_flush(c);
}

/* Request bytes arrived (or the input buffer is full of one line). */
static void
conn_input(void *ctx)
{
	conn_process(ctx);
}

static void
conn_resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	conn_process(w->data);
}
