/* relay.c: the raw relay of socket.attach: a control connection's
 * transport and a socket, joined both ways through bounded windows. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "relay.h"
#include "sock.h"

#define RELAY_WINDOW	(256 * 1024)	/* bytes in flight per direction */
#define LEN4_MAX	65507		/* largest datagram a len4 frame carries (UDP's) */
#define PUMP_ROUNDS	8		/* passes per event: the others get their turn */

/* One direction: its window is a pipe (splice) or a buffer.  Upstream
 * (client to socket) buffers in the transport's input, downstream in its
 * output queue, so the request's trailing bytes and the reply come first. */
struct relay_dir {
	int		pipe[2];	/* splice: the window; -1 when buffered */
	size_t		queued;		/* bytes in the pipe */
	bool		eof;		/* its source has ended */
	bool		shut;		/* its sink's sending side is shut down */
};

struct relay {
	struct conn		*c;
	struct sock		*s;
	struct conn_producer	 producer;
	bool			 len4, shutdown_on_eof, started, ended;
	size_t			 window;
	struct relay_dir	 up, down;
};

enum step { STEP_IDLE, STEP_MOVED, STEP_ENDED };

static void	relay_sock_ready(struct sock *, enum sock_side, void *);
static void	relay_sock_closing(struct sock *, void *);
static void	relay_gone(struct conn_producer *);
static void	relay_room(struct conn_producer *);
static void	relay_client_ready(void *, int);
static void	relay_client_gone(void *);
static void	relay_unused(void *);
static void	relay_drained(void *, size_t, size_t);

static const struct sock_consumer relay_consumer = {
	.kind = CONSUMER_RELAY,
	.ready = relay_sock_ready,
	.closing = relay_sock_closing,
};

static const struct transport_ops relay_transport_ops = {
	.input = relay_unused,
	.input_end = relay_unused,
	.gone = relay_client_gone,
	.drained = relay_drained,
	.ready = relay_client_ready,
};

static bool
relay_splicing(const struct relay_dir *d)
{
	return d->pipe[0] >= 0;
}

static void
relay_close_pipes(struct relay_dir *d)
{
	if (d->pipe[0] >= 0) {
		close(d->pipe[0]);
		close(d->pipe[1]);
	}
	d->pipe[0] = d->pipe[1] = -1;
}

/* A pipe as a direction's window; the window's size, or 0 (buffered). */
static size_t
relay_pipe(struct relay_dir *d)
{
	int size;

	if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		d->pipe[0] = d->pipe[1] = -1;
		return 0;
	}
	fcntl(d->pipe[1], F_SETPIPE_SZ, RELAY_WINDOW);
	if ((size = fcntl(d->pipe[1], F_GETPIPE_SZ)) <= 0) {
		relay_close_pipes(d);
		return 0;
	}
	return (size_t)size;
}

/* The end: the connection closes; the handle too after a reset or a
 * hang-up (abrupt), and stays after both directions ended. */
static void
relay_end(struct relay *r, bool abrupt, bool close_conn)
{
	struct sock *s = r->s;

	if (r->ended)
		return;
	r->ended = true;
	sock_release(s, SIDE_READ);
	sock_release(s, SIDE_WRITE);
	relay_close_pipes(&r->up);
	relay_close_pipes(&r->down);
	conn_producer_remove(&r->producer);
	log_debug("conn %llu: relay of handle %llu ended%s", (unsigned long long)r->c->id,
	    (unsigned long long)s->handle, abrupt ? " abruptly" : "");
	if (close_conn) {
		transport_flush(&r->c->t);	/* the reply, at least, if it can go */
		conn_close(r->c);
	}
	if (abrupt && !s->closed)
		sock_close(s);
	free(r);
}

static bool
relay_would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Upstream, buffered: send what the transport's input holds (whole
 * frames with len4).  A datagram refused by the peer (ICMP) is dropped,
 * as UDP would. */
static enum step
relay_up_send(struct relay *r)
{
	struct buf *in = &r->c->t.in;
	const unsigned char *p;
	size_t len;
	ssize_t n;

	if (buf_len(in) == 0)
		return STEP_IDLE;
	if (!r->len4) {
		if ((n = send(r->s->fd, buf_head(in), buf_len(in), MSG_NOSIGNAL | MSG_DONTWAIT)) < 0)
			return relay_would_block() ? STEP_IDLE : STEP_ENDED;
		buf_consume(in, (size_t)n);
		sock_count(r->s, 0, (size_t)n);
		return STEP_MOVED;
	}
	if (buf_len(in) < 4)
		return STEP_IDLE;
	p = (const unsigned char *)buf_head(in);
	len = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	if (len > LEN4_MAX)
		return STEP_ENDED;	/* not a frame: the pipe is broken */
	if (buf_len(in) < 4 + len)
		return STEP_IDLE;
	if ((n = send(r->s->fd, p + 4, len, MSG_NOSIGNAL | MSG_DONTWAIT)) < 0) {
		if (relay_would_block())
			return STEP_IDLE;
		if (errno != ECONNREFUSED)
			return STEP_ENDED;
	} else {
		sock_count(r->s, 0, (size_t)n);
	}
	buf_consume(in, 4 + len);
	return STEP_MOVED;
}

/* Upstream: client bytes into the window, then the window to the socket. */
static enum step
relay_up(struct relay *r)
{
	struct transport *t = &r->c->t;
	struct relay_dir *d = &r->up;
	enum step st, moved = STEP_IDLE;
	ssize_t n;
	char *p;

	if ((st = relay_up_send(r)) == STEP_ENDED)
		return STEP_ENDED;
	moved = st;
	if (relay_splicing(d) && buf_len(&t->in) == 0) {
		if (!d->eof && d->queued < r->window) {
			n = splice(t->fd, NULL, d->pipe[1], NULL, r->window - d->queued,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0)
				d->queued += (size_t)n;
			else if (n == 0)
				d->eof = true;
			else if (!relay_would_block())
				return STEP_ENDED;
			if (n >= 0)
				moved = STEP_MOVED;
		}
		if (d->queued > 0) {
			n = splice(d->pipe[0], NULL, r->s->fd, NULL, d->queued,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->queued -= (size_t)n;
				sock_count(r->s, 0, (size_t)n);
				moved = STEP_MOVED;
			} else if (n < 0 && !relay_would_block()) {
				return STEP_ENDED;
			}
		}
	} else if (!relay_splicing(d) && !d->eof && buf_len(&t->in) < r->window) {
		if ((p = buf_reserve(&t->in, r->window - buf_len(&t->in))) == NULL)
			return moved;
		n = read(t->fd, p, r->window - buf_len(&t->in));
		if (n > 0)
			buf_commit(&t->in, (size_t)n);
		else if (n == 0)
			d->eof = true;
		else if (!relay_would_block())
			return STEP_ENDED;
		if (n >= 0)
			moved = STEP_MOVED;
	}
	/* The client has finished sending and all of it went: pass the end on
	 * (a partial len4 frame is dropped). */
	if (d->eof && !d->shut && d->queued == 0 &&
	    (buf_len(&t->in) == 0 || (r->len4 && relay_up_send(r) == STEP_IDLE))) {
		buf_reset(&t->in);
		if (r->shutdown_on_eof && r->s->type == SOCK_STREAM &&
		    shutdown(r->s->fd, SHUT_WR) == 0)
			r->s->shut_wr = true;
		d->shut = true;
		moved = STEP_MOVED;
	}
	return moved;
}

/* Downstream, buffered: socket bytes (len4: one framed datagram) into
 * the transport's output queue. */
static enum step
relay_down_read(struct relay *r)
{
	size_t room = r->window - transport_queued(&r->c->t), want;
	unsigned char *p;
	ssize_t n;

	if (room == 0 || r->window < transport_queued(&r->c->t))
		return STEP_IDLE;
	want = r->len4 ? LEN4_MAX + 4 : room;
	if ((p = (unsigned char *)conn_reserve(r->c, want)) == NULL)
		return STEP_ENDED;
	if (r->s->held != NULL) {
		/* Bytes the daemon read earlier and kept on the handle (an
		 * unsubscribe's incomplete character, a cancelled receive's)
		 * come before any the socket has now. */
		size_t full;

		if (!r->len4) {
			conn_commit(r->c, sock_take(r->s, (char *)p, want, false, NULL, NULL,
			    &full));
			return STEP_MOVED;
		}
		n = (ssize_t)sock_take(r->s, (char *)p + 4, LEN4_MAX, false, NULL, NULL, &full);
		p[0] = (unsigned char)(n >> 24);
		p[1] = (unsigned char)(n >> 16);
		p[2] = (unsigned char)(n >> 8);
		p[3] = (unsigned char)n;
		conn_commit(r->c, 4 + (size_t)n);
		return STEP_MOVED;
	}
	if (!r->len4) {
		if ((n = recv(r->s->fd, p, want, MSG_DONTWAIT)) == 0)
			r->down.eof = true;
		if (n <= 0)
			return n == 0 ? STEP_MOVED : relay_would_block() ? STEP_IDLE : STEP_ENDED;
		conn_commit(r->c, (size_t)n);
		sock_count(r->s, (size_t)n, 0);
		return STEP_MOVED;
	}
	if ((n = recv(r->s->fd, p + 4, LEN4_MAX, MSG_DONTWAIT)) < 0)
		return relay_would_block() || errno == ECONNREFUSED ? STEP_IDLE : STEP_ENDED;
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
	conn_commit(r->c, 4 + (size_t)n);
	sock_count(r->s, (size_t)n, 0);
	return STEP_MOVED;
}

/* Downstream: socket bytes into the window, then the window (after the
 * reply and anything else queued) to the client. */
static enum step
relay_down(struct relay *r)
{
	struct transport *t = &r->c->t;
	struct relay_dir *d = &r->down;
	enum step moved = STEP_IDLE;
	size_t before;
	ssize_t n;

	if (!d->eof) {
		if (!relay_splicing(d) || (r->s->held != NULL && d->queued == 0)) {
			if ((moved = relay_down_read(r)) == STEP_ENDED)
				return STEP_ENDED;
		} else if (d->queued < r->window) {
			n = splice(r->s->fd, NULL, d->pipe[1], NULL, r->window - d->queued,
			    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0) {
				d->queued += (size_t)n;
				sock_count(r->s, (size_t)n, 0);
			} else if (n == 0) {
				d->eof = true;
			} else if (!relay_would_block()) {
				return STEP_ENDED;
			}
			if (n >= 0)
				moved = STEP_MOVED;
		}
	}
	if ((before = transport_queued(t)) > 0) {
		if (transport_flush(t) == -1)
			return STEP_ENDED;
		if (transport_queued(t) < before)
			moved = STEP_MOVED;
	}
	if (transport_queued(t) == 0 && d->queued > 0) {
		n = splice(d->pipe[0], NULL, t->fd, NULL, d->queued,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n > 0) {
			d->queued -= (size_t)n;
			moved = STEP_MOVED;
		} else if (n < 0 && !relay_would_block()) {
			return STEP_ENDED;
		}
	}
	if (d->eof && !d->shut && d->queued == 0 && transport_queued(t) == 0) {
		transport_shutdown(t);
		d->shut = true;
		moved = STEP_MOVED;
	}
	return moved;
}

/* Watch each fd for exactly what would let a direction move. */
static void
relay_watch(struct relay *r)
{
	struct transport *t = &r->c->t;
	bool up_room = !r->up.eof && (relay_splicing(&r->up) ?
	    buf_len(&t->in) == 0 && r->up.queued < r->window : buf_len(&t->in) < r->window);
	bool up_pending = buf_len(&t->in) > 0 || r->up.queued > 0;
	bool down_room = !r->down.eof && (relay_splicing(&r->down) ?
	    r->down.queued < r->window : transport_queued(t) < r->window);
	bool down_pending = transport_queued(t) > 0 || r->down.queued > 0;

	transport_watch(t, (up_room ? EV_READ : 0) | (down_pending ? EV_WRITE : 0));
	sock_watch(r->s, SIDE_READ, down_room);
	sock_watch(r->s, SIDE_WRITE, up_pending);
}

/* Move bytes both ways until nothing moves (or for a few rounds: level
 * triggered watchers bring the rest). */
static void
relay_pump(struct relay *r)
{
	enum step up, down;
	int round;

	for (round = 0; round < PUMP_ROUNDS; round++) {
		up = relay_up(r);
		down = up == STEP_ENDED ? STEP_ENDED : relay_down(r);
		if (up == STEP_ENDED || down == STEP_ENDED) {
			relay_end(r, true, true);
			return;
		}
		if (r->up.shut && r->down.shut) {
			relay_end(r, false, true);
			return;
		}
		if (up == STEP_IDLE && down == STEP_IDLE)
			break;
	}
	relay_watch(r);
}

/* The request is answered: the transport is the relay's from here on. */
static void
relay_start(struct conn *c, void *ctx)
{
	struct relay *r = ctx;

	r->started = true;
	transport_set_mode(&c->t, &relay_transport_ops, r, true);
	if (r->s->type == SOCK_STREAM && !r->len4) {
		r->window = relay_pipe(&r->up);
		if (r->window == 0 || relay_pipe(&r->down) != r->window) {
			relay_close_pipes(&r->up);
			relay_close_pipes(&r->down);
			r->window = RELAY_WINDOW;
		}
	}
	log_debug("conn %llu: attached to handle %llu (%s)", (unsigned long long)c->id,
	    (unsigned long long)r->s->handle,
	    relay_splicing(&r->up) ? "splice" : r->len4 ? "len4" : "buffered");
	relay_pump(r);
}

int
relay_prepare(struct conn *c, struct sock *s, bool len4, bool shutdown_on_eof,
    struct s6err *e)
{
	struct relay *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		err_set(e, S6_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	if (sock_claim(s, SIDE_READ, &relay_consumer, r, e) == -1) {
		free(r);
		return -1;
	}
	if (sock_claim(s, SIDE_WRITE, &relay_consumer, r, e) == -1) {
		sock_release(s, SIDE_READ);
		free(r);
		return -1;
	}
	r->c = c;
	r->s = s;
	r->len4 = len4;
	r->shutdown_on_eof = shutdown_on_eof;
	r->window = RELAY_WINDOW;
	r->up.pipe[0] = r->up.pipe[1] = r->down.pipe[0] = r->down.pipe[1] = -1;
	r->producer.room = relay_room;
	r->producer.gone = relay_gone;
	conn_producer_add(c, &r->producer);
	c->takeover = relay_start;
	c->takeover_ctx = r;
	return 0;
}

static void
relay_sock_ready(struct sock *s, enum sock_side side, void *ctx)
{
	struct relay *r = ctx;

	if (r->started)
		relay_pump(r);
}

/* The handle was closed (from another of its owner's connections). */
static void
relay_sock_closing(struct sock *s, void *ctx)
{
	relay_end(ctx, false, true);
}

static void
relay_client_ready(void *ctx, int events)
{
	relay_pump(ctx);
}

/* The client hung up.  After the socket's end was passed on, that is the
 * client's end of sending too; before, it is a hang-up. */
static void
relay_client_gone(void *ctx)
{
	struct relay *r = ctx;

	if (r->down.shut) {
		r->up.eof = true;
		relay_pump(r);
		return;
	}
	relay_end(r, true, true);
}

static void
relay_unused(void *ctx)
{
}

/* The reply and relayed bytes leaving the queue count for the user. */
static void
relay_drained(void *ctx, size_t written, size_t before)
{
	struct relay *r = ctx;

	conn_drained(r->c, written, before);
}

/* Output room matters not to a relay: its window bounds its queue. */
static void
relay_room(struct conn_producer *p)
{
}

/* The connection closed under the relay (shutdown, or before it started). */
static void
relay_gone(struct conn_producer *p)
{
	struct relay *r = (struct relay *)((char *)p - offsetof(struct relay, producer));

	LIST_INSERT_HEAD(&r->c->producers, p, entry);	/* relay_end removes it */
	relay_end(r, r->started, false);
}
