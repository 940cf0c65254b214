/* wait.c: operations that wait inside the loop for their socket: a FIFO of
 * waiters per direction, the io watcher and the timer armed together, the
 * syscall retried before parking and again when the timer fires. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>

#include "conn.h"
#include "sock.h"
#include "sock6d.h"
#include "wait.h"

static void	waiter_timer_cb(struct ev_loop *, ev_timer *, int);

/* The syscall, made with the credentials of the client it is made for. */
static enum attempt
waiter_attempt(struct waiter *w)
{
	struct creds_saved saved;
	enum attempt r;

	creds_enter(w->call->conn ? &w->call->conn->creds : NULL, &saved);
	r = w->ops->attempt(w);
	creds_leave(&saved);
	return r;
}

/* A consuming waiter whose client has gone (or whose connection is
 * closing): the socket is never read on its behalf.  Its connection's
 * close, already on its way, cancels it. */
static bool
waiter_orphaned(struct waiter *w)
{
	return w->ops->consumes && w->call->conn != NULL && conn_peer_gone(w->call->conn);
}

static struct waiter_list *
waiter_queue(struct waiter *w)
{
	return w->events == EV_READ ? &w->sock->readers : &w->sock->writers;
}

/* Whether the head of a queue waits for the socket (not for room). */
static bool
waiter_queue_watched(const struct sock *s, const struct waiter_list *q)
{
	const struct waiter *w = TAILQ_FIRST(q);

	return !s->closed && w != NULL && !w->blocked;
}

/* Keep the socket's io watchers running exactly while someone waits for
 * the socket itself, on the sides the waiting calls hold. */
static void
waiter_watch(struct sock *s)
{
	if (sock_consumer_kind(s, SIDE_READ) == CONSUMER_CALLS)
		sock_watch(s, SIDE_READ, waiter_queue_watched(s, &s->readers));
	if (sock_consumer_kind(s, SIDE_WRITE) == CONSUMER_CALLS)
		sock_watch(s, SIDE_WRITE, waiter_queue_watched(s, &s->writers));
}

void
waiter_init(struct waiter *w, const struct waiter_ops *ops, struct call *c,
    struct sock *s, int events, int64_t timeout_ms)
{
	w->ops = ops;
	w->sock = s;
	w->call = c;
	w->events = events;
	w->timeout = timeout_ms < 0 ? -1. : (double)timeout_ms / 1000.;
	w->parked = false;
	w->nowait = false;
	w->failed = false;
	w->result = NULL;
	w->text.write = NULL;
	err_clear(&w->err);
	ev_timer_init(&w->timer, waiter_timer_cb, 0., 0.);
	w->timer.data = w;
}

bool
waiter_room(struct waiter *w, size_t n, enum attempt *r)
{
	const char *limit;
	struct s6err e;

	switch (call_room(w->call, n, &limit)) {
	case ROOM_NOW:
		return true;
	case ROOM_LATER:
		*r = ATTEMPT_BLOCKED;
		return false;
	case ROOM_NEVER:
		break;
	}
	err_too_large(&e, &w->sock->d->limits, limit);
	*r = waiter_error(w, &e);
	return false;
}

enum attempt
waiter_done(struct waiter *w, json_object *result)
{
	w->result = result;
	w->failed = false;
	return ATTEMPT_DONE;
}

enum attempt
waiter_done_text(struct waiter *w, const struct result_text *r)
{
	w->text = *r;
	w->failed = false;
	return ATTEMPT_DONE;
}

enum attempt
waiter_error(struct waiter *w, const struct s6err *e)
{
	w->err = *e;
	if (w->err.handle == 0 && e->code >= 1000)
		w->err.handle = w->sock->handle;
	w->failed = true;
	return ATTEMPT_DONE;
}

/* Remove a parked waiter from its queue and stop its timer. */
static void
waiter_unpark(struct waiter *w)
{
	if (!w->parked)
		return;
	w->parked = false;
	TAILQ_REMOVE(waiter_queue(w), w, entry);
	ev_timer_stop(w->sock->d->loop, &w->timer);
	waiter_watch(w->sock);
}

/* Deliver a parked waiter's outcome, then release it. */
static void
waiter_finish(struct waiter *w)
{
	struct call *c = w->call;

	waiter_unpark(w);
	if (w->failed)
		call_complete_fail(c, &w->err);
	else if (w->text.write != NULL)
		call_complete_ok_text(c, &w->text);
	else
		call_complete_ok(c, w->result);
	w->result = NULL;
	w->ops->destroy(w);
}

static void
waiter_timeout_error(struct waiter *w)
{
	struct s6err e;

	err_set(&e, S6_TIMEOUT, "operation timed out");
	waiter_error(w, &e);
}

static void
waiter_rearm(struct waiter *w)
{
	if (w->timeout > 0) {
		ev_timer_stop(w->sock->d->loop, &w->timer);
		ev_timer_set(&w->timer, w->timeout, 0.);
		ev_timer_start(w->sock->d->loop, &w->timer);
	}
}

/* Output room was freed for the blocked waiter's caller: watch the socket
 * again, and try at once (the bytes may be held ones, with nothing for the
 * watcher to report). */
static void
waiter_resume(struct call *c, void *op)
{
	struct waiter *w = op;

	w->blocked = false;
	waiter_watch(w->sock);
	if (w == TAILQ_FIRST(waiter_queue(w)))
		waiter_ready(w->sock, w->events);
}

/* The attempt found no room for its reply: wait for the caller's output
 * to drain, not for the socket. */
static void
waiter_block(struct waiter *w)
{
	w->blocked = true;
	call_wait_room(w->call, waiter_resume);
	waiter_watch(w->sock);
}

/* The connection went away: drop the waiter without an answer. */
static void
waiter_cancel(struct call *c, void *op)
{
	struct waiter *w = op;

	waiter_unpark(w);
	w->ops->destroy(w);
}

/* Attempt at once, unless others are queued ahead (FIFO) or the client
 * already hung up (its end of file will cancel the call); a zero timeout
 * makes "not yet" a timeout, and so does "no room yet".  Whether the
 * outcome is now known. */
static bool
waiter_try_now(struct waiter *w)
{
	enum attempt r = ATTEMPT_AGAIN;
	struct s6err e;

	if (TAILQ_EMPTY(waiter_queue(w)) && !waiter_orphaned(w))
		r = waiter_attempt(w);
	if (r == ATTEMPT_BLOCKED)
		w->blocked = true;	/* its waiting for room starts once parked */
	if (r != ATTEMPT_DONE && w->nowait) {
		/* dontwait never waits: not behind others, not for room. */
		err_sys(&e, EAGAIN, w->events == EV_READ ? "recv" : "send",
		    w->events == EV_READ ? "cannot receive data" : "cannot send data", false);
		waiter_error(w, &e);
		return true;
	}
	if (r != ATTEMPT_DONE && w->timeout == 0) {
		if (w->ops->expired)
			w->ops->expired(w);
		else
			waiter_timeout_error(w);
		r = ATTEMPT_DONE;
	}
	return r == ATTEMPT_DONE;
}

/* Queue the waiter and arm its io watcher and timer together. */
static void
waiter_park(struct waiter *w)
{
	TAILQ_INSERT_TAIL(waiter_queue(w), w, entry);
	w->parked = true;
	waiter_rearm(w);
	waiter_watch(w->sock);
}

/* Whether the waiter's side is held by the waiting calls; if not, the
 * call fails with 1013 (the handle is subscribed or attached). */
static bool
waiter_side_free(struct waiter *w)
{
	enum sock_side side = w->events == EV_READ ? SIDE_READ : SIDE_WRITE;
	struct s6err e;

	if (sock_consumer_kind(w->sock, side) == CONSUMER_CALLS)
		return true;
	sock_busy_error(w->sock, side, &e);
	waiter_error(w, &e);
	return false;
}

const struct answer *
waiter_start(struct waiter *w)
{
	struct call *c = w->call;
	const struct answer *a;
	struct s6err e;
	bool done = !waiter_side_free(w) || waiter_try_now(w);

	if (!done && (!call_can_park(c, &e) ||
	    (w->ops->park != NULL && !w->ops->park(w, &e)))) {
		waiter_error(w, &e);
		done = true;
	}
	if (done) {
		a = w->failed ? call_fail(c, &w->err) : w->text.write != NULL ?
		    call_ok_text(c, &w->text) : call_ok(c, w->result);
		w->result = NULL;
		w->ops->destroy(w);
		return a;
	}
	waiter_park(w);
	a = call_pending(c, waiter_cancel, w);
	if (w->blocked)
		waiter_block(w);
	return a;
}

void
waiter_continue(struct waiter *w)
{
	struct call *c = w->call;

	struct s6err e;

	if (!waiter_side_free(w) || waiter_try_now(w)) {
		waiter_finish(w);	/* never parked: it just answers */
		return;
	}
	if (w->ops->park != NULL && !w->ops->park(w, &e)) {
		waiter_error(w, &e);
		waiter_finish(w);
		return;
	}
	/* The call stays parked; from now on the waiter is what to cancel. */
	c->cancel = waiter_cancel;
	c->op = w;
	waiter_park(w);
	if (w->blocked)
		waiter_block(w);
}

void
waiter_ready(struct sock *s, int events)
{
	struct waiter_list *q = (events & EV_READ) ? &s->readers : &s->writers;
	struct waiter *w;
	enum attempt r;

	while (!s->closed && (w = TAILQ_FIRST(q)) != NULL) {
		if (waiter_orphaned(w)) {
			w->blocked = true;	/* unwatched until it is cancelled */
			waiter_watch(s);
			break;
		}
		r = waiter_attempt(w);
		if (r == ATTEMPT_DONE) {
			waiter_finish(w);
			continue;
		}
		if (r == ATTEMPT_PROGRESS)
			waiter_rearm(w);
		if (r == ATTEMPT_BLOCKED)
			waiter_block(w);
		break;
	}
}

static void
waiter_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct waiter *w = t->data;
	enum attempt r;

	if (waiter_orphaned(w))
		return;		/* cancelled with its connection, soon */
	/* A wakeup may have been missed: try once more before giving up. */
	if (w == TAILQ_FIRST(waiter_queue(w))) {
		r = waiter_attempt(w);
		if (r == ATTEMPT_DONE) {
			waiter_finish(w);
			return;
		}
		if (r == ATTEMPT_PROGRESS) {
			waiter_rearm(w);
			return;
		}
	}
	if (w->ops->expired)
		w->ops->expired(w);
	else
		waiter_timeout_error(w);
	waiter_finish(w);
}

void
waiter_fail_all(struct sock *s, const struct s6err *e)
{
	struct waiter *w;

	while ((w = TAILQ_FIRST(&s->readers)) != NULL ||
	    (w = TAILQ_FIRST(&s->writers)) != NULL) {
		waiter_error(w, e);
		waiter_finish(w);
	}
}

/* The waiting calls as the default consumer of a socket's sides. */
static void
waiter_side_ready(struct sock *s, enum sock_side side, void *ctx)
{
	waiter_ready(s, side == SIDE_READ ? EV_READ : EV_WRITE);
}

static void
waiter_side_closing(struct sock *s, void *ctx)
{
	struct s6err e;

	err_handle(&e, s->handle);
	snprintf(e.message, sizeof(e.message), "the handle was closed");
	waiter_fail_all(s, &e);
}

const struct sock_consumer sock_calls_consumer = {
	.kind = CONSUMER_CALLS,
	.ready = waiter_side_ready,
	.closing = waiter_side_closing,
};
