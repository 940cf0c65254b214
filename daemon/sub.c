/* sub.c: a subscription: the read side of a socket pushed to one control
 * connection as notifications, within credit and the output marks. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base64.h"
#include "conn.h"
#include "rpc.h"
#include "rpc-common.h"
#include "sock.h"
#include "sock6d.h"
#include "sockaddr.h"
#include "sub.h"
#include "utf8.h"

struct sub {
	struct sock		*s;
	struct conn		*c;
	struct conn_producer	 producer;	/* on c: room and gone */
	bool			 unlimited;
	uint64_t		 credit;
	bool			 text;
	size_t			 max_chunk;
	bool			 paused;	/* socket.paused sent since credit ran out */
	char			 tail[4];	/* text: an incomplete character kept back */
	size_t			 tail_len;
	bool			 queued;	/* on the daemon's ready_subs */
	TAILQ_ENTRY(sub)	 ready_entry;
};

/* Subscriptions served per loop turn: the loop polls again between slices,
 * so the control connections (served first in each turn) never wait for a
 * thousand sockets' worth of work. */
#define SUB_SLICE	32

/* MORE: go on; AGAIN: nothing now (watch the socket); ENDED: the
 * subscription is gone. */
enum pump { PUMP_MORE, PUMP_AGAIN, PUMP_ENDED };

/* Room around the payload of one socket.data notification. */
#define DATA_FRAME	(RPC_NOTIFY_HEAD_MAX + 96)

static void	sub_ready(struct sock *, enum sock_side, void *);
static void	sub_closing(struct sock *, void *);
static void	sub_describe(const struct sock *, void *, json_object *);
static void	sub_room(struct conn_producer *);
static void	sub_gone(struct conn_producer *);

static const struct sock_consumer sub_consumer = {
	.kind = CONSUMER_SUBSCRIPTION,
	.ready = sub_ready,
	.closing = sub_closing,
	.describe = sub_describe,
};

/* The one buffer text and datagram chunks pass through on their way to
 * JSON (the loop is single-threaded, and a chunk is done with before the
 * next is read): max_receive bytes and a tail, for the daemon, not per
 * subscription, so that following many handles pins no memory.  NULL when
 * out of memory. */
static char *
sub_scratch(struct sock6d *d)
{
	size_t want = (size_t)d->limits.max_receive + 8;

	if (d->scratch_size < want) {
		free(d->scratch);
		d->scratch_size = (d->scratch = malloc(want)) != NULL ? want : 0;
	}
	return d->scratch;
}

static bool
sub_is_listener(const struct sock *s)
{
	return s->state == SS_LISTENING;
}

uint64_t
sub_next_offset(const struct sock *s)
{
	return s->delivered;
}

int
sub_start(struct conn *c, struct sock *s, const struct sub_params *p, struct s6err *e)
{
	struct sub *u;
	int on = 1;

	if ((u = calloc(1, sizeof(*u))) == NULL || sub_scratch(s->d) == NULL) {
		free(u);
		err_set(e, S6_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	if (sock_claim(s, SIDE_READ, &sub_consumer, u, e) == -1) {
		free(u);
		return -1;
	}
	u->s = s;
	u->c = c;
	u->unlimited = p->unlimited;
	u->credit = p->credit;
	u->text = p->text;
	u->max_chunk = p->max_chunk;
	u->producer.room = sub_room;
	u->producer.gone = sub_gone;
	conn_producer_add(c, &u->producer);
	if (s->type != SOCK_STREAM && !sub_is_listener(s))
		setsockopt(s->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on));
	sock_kick(s);	/* held bytes first, after the reply */
	return 0;
}

struct sub *
sub_find(const struct sock *s, const struct conn *c, struct s6err *e)
{
	struct sub *u;

	if (sock_consumer_kind(s, SIDE_READ) != CONSUMER_SUBSCRIPTION) {
		err_sys(e, EINVAL, NULL, "socket is not subscribed", false);
		e->handle = s->handle;
		return NULL;
	}
	u = s->consumer_ctx[SIDE_READ];
	if (u->c != c) {
		sock_busy_error(s, SIDE_READ, e);
		return NULL;
	}
	return u;
}

uint64_t
sub_credit(struct sub *u, uint64_t add)
{
	if (!u->unlimited) {
		u->credit = u->credit > UINT64_MAX - 1 - add ? UINT64_MAX - 1 : u->credit + add;
		u->paused = false;
		sock_kick(u->s);
	}
	return u->unlimited ? UINT64_MAX : u->credit;
}

/* Let go of the socket and the connection, and free. */
static void
sub_free(struct sub *u, bool on_conn)
{
	struct sock *s = u->s;

	if (u->queued)
		TAILQ_REMOVE(&s->d->ready_subs, u, ready_entry);
	if (u->tail_len > 0 && !s->closed)
		sock_hold(s, u->tail, u->tail_len, NULL, 0, true);
	sock_release(s, SIDE_READ);
	if (on_conn)
		conn_producer_remove(&u->producer);
	free(u);
	if (s->held != NULL)
		sock_kick(s);	/* a call may be waiting for them by now */
}

void
sub_end(struct sub *u)
{
	sub_free(u, true);
}

/* Whether the socket may be read for the subscriber now. */
static bool
sub_may_read(const struct sub *u)
{
	return (u->unlimited || u->credit > 0) && !u->c->throttled && !u->c->dead &&
	    !u->s->closed;
}

static void
sub_spend(struct sub *u, uint64_t n)
{
	if (!u->unlimited)
		u->credit -= n < u->credit ? n : u->credit;
}

/* The notification's common head: {"handle":H,"<key>":N, */
static json_object *
sub_params(const struct sub *u, const char *key, uint64_t n)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "handle", json_object_new_int64((int64_t)u->s->handle));
	if (key != NULL)
		json_object_object_add(o, key, json_object_new_int64((int64_t)n));
	return o;
}

/* End of stream or an error: tell the subscriber, and end. */
static enum pump
sub_finish(struct sub *u, const struct s6err *e)
{
	json_object *o;

	if (e == NULL) {
		o = sub_params(u, "offset", u->s->delivered);
		rpc_notify(u->c, "socket.eof", o);
	} else {
		o = sub_params(u, NULL, 0);
		json_object_object_add(o, "error", err_to_json(e));
		rpc_notify(u->c, "socket.error", o);
	}
	conn_flush_soon(u->c);	/* whoever ended it, the subscriber hears now */
	sub_end(u);
	return PUMP_ENDED;
}

/* A read failed: the error, or "again" for a socket with nothing yet. */
static enum pump
sub_read_failed(struct sub *u, const char *syscall, const char *what)
{
	struct s6err e;

	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return PUMP_AGAIN;
	err_sys(&e, errno, syscall, what, false);
	e.handle = u->s->handle;
	return sub_finish(u, &e);
}

/* Stream bytes as base64: read (or taken from the held ones) straight
 * into the output queue behind the notification's head, then encoded
 * there, in place (the raw bytes sit at the end of the room the base64
 * will fill, so the encoder never overtakes what it has yet to read). */
static enum pump
sub_stream_base64(struct sub *u, size_t want)
{
	struct sock *s = u->s;
	size_t b64 = base64_encoded_len(want), head, got, full;
	bool held = s->held != NULL;
	char *p, *raw;
	ssize_t n;

	if ((p = conn_reserve(u->c, DATA_FRAME + b64)) == NULL)
		return PUMP_ENDED;	/* the connection closed, and this with it */
	head = rpc_notify_head(p, "socket.data");
	head += (size_t)sprintf(p + head, "{\"handle\":%llu,\"offset\":%llu,\"data\":\"",
	    (unsigned long long)s->handle, (unsigned long long)s->delivered);
	raw = p + head + b64 - want;
	if (held) {
		got = sock_take(s, raw, want, false, NULL, NULL, &full);
	} else {
		if ((n = recv(s->fd, raw, want, MSG_DONTWAIT)) == 0)
			return sub_finish(u, NULL);
		if (n < 0)
			return sub_read_failed(u, "recv", "cannot receive data");
		got = (size_t)n;
		sock_count(s, got, 0);
	}
	b64 = base64_encode(raw, got, p + head);
	memcpy(p + head + b64, "\"}" RPC_NOTIFY_TAIL, sizeof("\"}" RPC_NOTIFY_TAIL) - 1);
	conn_commit(u->c, head + b64 + sizeof("\"}" RPC_NOTIFY_TAIL) - 1);
	s->delivered += got;
	sub_spend(u, got);
	/* A short read drained the socket: the watcher says when there is
	 * more, without a read that would only say EAGAIN. */
	return held || got == want ? PUMP_MORE : PUMP_AGAIN;
}

/* Stream bytes as text: whole characters only; an incomplete one at the
 * end waits in the subscription for the rest (sent as data at the end). */
static enum pump
sub_stream_text(struct sub *u, size_t want)
{
	struct sock *s = u->s;
	size_t have = u->tail_len, cut, got, full;
	char *buf = sub_scratch(s->d);
	json_object *o;
	ssize_t n;

	memcpy(buf, u->tail, have);
	if (want > u->max_chunk - have)
		want = u->max_chunk - have;
	if (s->held != NULL) {
		got = sock_take(s, buf + have, want, false, NULL, NULL, &full);
	} else {
		if ((n = recv(s->fd, buf + have, want, MSG_DONTWAIT)) == 0) {
			if (have > 0) {		/* the last bytes, as they are */
				o = sub_params(u, "offset", s->delivered);
				result_bytes(o, buf, have, false);
				rpc_notify(u->c, "socket.data", o);
				s->delivered += have;
				u->tail_len = 0;
			}
			return sub_finish(u, NULL);
		}
		if (n < 0)
			return sub_read_failed(u, "recv", "cannot receive data");
		got = (size_t)n;
		sock_count(s, got, 0);
	}
	have += got;
	cut = have - utf8_incomplete_tail(buf, have);
	if (cut == 0) {
		memcpy(u->tail, buf, have);
		u->tail_len = have;
		return PUMP_MORE;
	}
	o = sub_params(u, "offset", s->delivered);
	result_bytes(o, buf, cut, true);
	rpc_notify(u->c, "socket.data", o);
	s->delivered += cut;
	sub_spend(u, got);
	memcpy(u->tail, buf + cut, have - cut);
	u->tail_len = have - cut;
	return PUMP_MORE;
}

/* The kernel's count of datagrams dropped for want of room. */
static void
sub_dropped(struct sock *s, struct msghdr *msg)
{
	struct cmsghdr *cm;
	uint32_t n;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
			memcpy(&n, CMSG_DATA(cm), sizeof(n));
			s->dropped = n;
		}
}

/* One datagram per notification, whole while any credit is left. */
static enum pump
sub_datagram(struct sub *u)
{
	struct sock *s = u->s;
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	char control[CMSG_SPACE(sizeof(uint32_t))];
	char *buf = sub_scratch(s->d);
	struct iovec iov = { .iov_base = buf, .iov_len = u->max_chunk };
	struct msghdr msg = {
		.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
		.msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control),
	};
	size_t got, full;
	json_object *o;
	ssize_t n;

	if (s->held != NULL) {
		got = sock_take(s, buf, u->max_chunk, false, &from, &fromlen, &full);
	} else {
		if ((n = recvmsg(s->fd, &msg, MSG_DONTWAIT | MSG_TRUNC)) < 0)
			return sub_read_failed(u, "recvmsg", "cannot receive data");
		sub_dropped(s, &msg);
		full = (size_t)n;
		got = full < u->max_chunk ? full : u->max_chunk;
		fromlen = msg.msg_namelen;
		sock_count(s, full, 0);
	}
	o = sub_params(u, "seq", s->delivered);
	result_bytes(o, buf, got, u->text);
	json_object_object_add(o, "address", fromlen > 0 ?
	    s6_addr_to_json((struct sockaddr *)&from, fromlen) : NULL);
	json_object_object_add(o, "truncated", json_object_new_boolean(full > got));
	rpc_notify(u->c, "socket.datagram", o);
	s->delivered++;
	sub_spend(u, got > 0 ? got : 1);
	return PUMP_MORE;
}

/* A listener's next connection, as a new handle of the subscriber's. */
static enum pump
sub_accept(struct sub *u)
{
	struct sock *s = u->s, *ns;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct s6err e;
	json_object *o;
	int fd;

	if (sock_check_quota(s->d, u->c->uid, &e) == -1)
		return sub_finish(u, &e);
	fd = accept4(s->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == ECONNABORTED)
			return PUMP_MORE;
		return sub_read_failed(u, "accept", "could not accept from listener");
	}
	if ((ns = sock_adopt(s->d, fd, s, u->c->uid, &e)) == NULL)
		return sub_finish(u, &e);
	sock_set_scope(ns, s->scope, conn_scoped(u->c));
	o = sub_params(u, "accepted", ns->handle);
	json_object_object_add(o, "peer", s6_addr_to_json((struct sockaddr *)&ss, len));
	rpc_notify(u->c, "socket.accepted", o);
	s->delivered++;
	sub_spend(u, 1);
	return PUMP_MORE;
}

static enum pump
sub_once(struct sub *u)
{
	size_t want = u->max_chunk;

	if (sub_is_listener(u->s))
		return sub_accept(u);
	if (u->s->type != SOCK_STREAM)
		return sub_datagram(u);
	if (!u->unlimited && u->credit < want)
		want = (size_t)u->credit;
	return u->text ? sub_stream_text(u, want) : sub_stream_base64(u, want);
}

/* Deliver what the socket has, within its connection's share of output
 * for this turn (however many subscriptions share it): the watcher stays
 * on while more may come and the subscriber may take it. */
static void
sub_pump(struct sub *u)
{
	struct sock *s = u->s;

	while (conn_turn_output_left(u->c) > 0 && sub_may_read(u)) {
		switch (sub_once(u)) {
		case PUMP_ENDED:
			return;
		case PUMP_AGAIN:
			sock_watch(s, SIDE_READ, true);
			return;
		case PUMP_MORE:
			break;
		}
	}
	if (!sub_may_read(u)) {
		sock_watch(s, SIDE_READ, false);
		if (!u->unlimited && u->credit == 0 && !u->paused && !u->c->dead) {
			u->paused = true;
			rpc_notify(u->c, "socket.paused", sub_params(u, NULL, 0));
		}
		return;
	}
	sock_watch(s, SIDE_READ, true);	/* its share is used: more next turn */
	if (s->held != NULL)
		sock_kick(s);
}

/* The socket is ready (or has bytes held): served in a slice soon, not
 * watched meanwhile. */
static void
sub_ready(struct sock *s, enum sock_side side, void *ctx)
{
	struct sub *u = ctx;

	if (u->queued)
		return;
	u->queued = true;
	TAILQ_INSERT_TAIL(&s->d->ready_subs, u, ready_entry);
	sock_watch(s, SIDE_READ, false);
	sock6d_defer(s->d);
}

void
sub_run(struct sock6d *d)
{
	struct conn *c;
	struct sub *u;
	int n;

	for (n = 0; n < SUB_SLICE && (u = TAILQ_FIRST(&d->ready_subs)) != NULL; n++) {
		TAILQ_REMOVE(&d->ready_subs, u, ready_entry);
		u->queued = false;
		c = u->c;
		sub_pump(u);
		conn_flush_soon(c);
	}
	/* More than a slice: the next poll must not wait. */
	if (TAILQ_EMPTY(&d->ready_subs))
		ev_idle_stop(d->loop, &d->slice);
	else
		ev_idle_start(d->loop, &d->slice);
}

bool
sub_pending(const struct sock6d *d)
{
	return !TAILQ_EMPTY(&d->ready_subs);
}

/* The socket is closing (socket.close, from any connection): the
 * subscriber hears of it as it would in a call, 1010. */
static void
sub_closing(struct sock *s, void *ctx)
{
	struct sub *u = ctx;
	struct s6err e;

	err_handle(&e, s->handle);
	snprintf(e.message, sizeof(e.message), "the handle was closed");
	sub_finish(u, &e);
}

static void
sub_describe(const struct sock *s, void *ctx, json_object *info)
{
	const struct sub *u = ctx;

	json_object_object_add(info, "credit", u->unlimited ? NULL :
	    json_object_new_int64((int64_t)u->credit));
}

/* The connection's output fell below its low mark: read again, soon. */
static void
sub_room(struct conn_producer *p)
{
	struct sub *u = (struct sub *)((char *)p - offsetof(struct sub, producer));

	sock_kick(u->s);
}

/* The connection went away: the socket stays. */
static void
sub_gone(struct conn_producer *p)
{
	sub_free((struct sub *)((char *)p - offsetof(struct sub, producer)), false);
}
