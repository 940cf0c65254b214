/* conn.c: one control connection: reading request lines under the per-turn
 * share, the output queue, its watermarks and budget (its own and its
 * user's), closing and the deferred free. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "ndjson.h"
#include "rpc.h"
#include "sock.h"

#define READ_CHUNK	65536

static void	conn_read_cb(struct ev_loop *, ev_io *, int);
static void	conn_write_cb(struct ev_loop *, ev_io *, int);
static void	conn_resume_cb(struct ev_loop *, ev_timer *, int);
static void	conn_process(struct conn *c);
static void	conn_update_throttle(struct conn *c);

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
	c->fd = fd;
	c->uid = uid;
	c->gid = gid;
	c->pid = pid;
	c->user = u;
	u->conns++;
	creds_init(&c->creds, fd, uid, gid);
	/* One byte past the message cap so an over-long line is detected. */
	buf_init(&c->in, (size_t)d->limits.max_message + READ_CHUNK + 2);
	/* Data and large results stay within output_max; beyond it only small
	 * replies of calls already pending, each with its id. */
	buf_init(&c->out, (size_t)d->limits.output_max + (size_t)d->limits.max_message +
	    (size_t)d->limits.pending_per_connection * SMALL_REPLY);
	session_default(&c->session);
	TAILQ_INIT(&c->pending);
	LIST_INIT(&c->room_waiters);
	LIST_INIT(&c->scoped);
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	ev_timer_init(&c->resume, conn_resume_cb, 0., 0.);
	c->rio.data = c->wio.data = c->resume.data = c;
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
	return !c->closing && !c->dead && !c->throttled && !c->close_requested;
}

/* Whether requests wait to be dispatched: a batch under way, or input. */
static bool
conn_has_work(const struct conn *c)
{
	return c->batch != NULL || buf_len(&c->in) > 0;
}

bool
conn_turn_left(const struct conn *c)
{
	return conn_may_dispatch(c) && c->turn_requests < c->d->limits.requests_per_read &&
	    c->produced - c->turn_start < (uint64_t)c->d->limits.output_per_turn;
}

/* Start or stop the read watcher to match whether we want requests. */
static void
conn_update_reading(struct conn *c)
{
	bool want = conn_may_dispatch(c) && !c->input_ended;

	if (want && !c->reading)
		ev_io_start(c->d->loop, &c->rio);
	else if (!want && c->reading)
		ev_io_stop(c->d->loop, &c->rio);
	c->reading = want;
}

/* Apply the watermarks after the output queue (or the user's) changed. */
static void
conn_update_throttle(struct conn *c)
{
	size_t queued = buf_len(&c->out);

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
		rpc_room_freed(c);
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
	const struct limits *l = &c->d->limits;
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
	const struct limits *l = &c->d->limits;

	if (buf_len(&c->out) + c->held + n > (size_t)l->output_max)
		return "output_max";
	if (c->user->output + c->user->held + n > (size_t)l->output_per_user)
		return "output_per_user";
	return NULL;
}

char *
conn_reserve(struct conn *c, size_t n)
{
	char *p;

	if (c->dead)
		return NULL;
	if ((p = buf_reserve(&c->out, n)) == NULL) {
		log_warnx("conn %llu: no room for a reply of %zu bytes after %zu queued, closing",
		    (unsigned long long)c->id, n, buf_len(&c->out));
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
	struct buf old = c->out;

	if (c->dead || buf_len(&c->out) > 0 || buf_len(b) > c->out.cap)
		return false;
	c->out = *b;
	c->out.cap = old.cap;
	*b = old;
	conn_account(c, (long)buf_len(&c->out), -(long)released);
	conn_update_throttle(c);
	return true;
}

void
conn_commit_held(struct conn *c, size_t n, size_t released)
{
	buf_commit(&c->out, n);
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
	return c->input_ended && c->npending == 0 && !conn_has_work(c) &&
	    buf_len(&c->out) == 0;
}

void
conn_flush(struct conn *c)
{
	size_t written = 0, before = buf_len(&c->out);
	long low = c->d->limits.output_low;
	ssize_t n;

	if (c->dead)
		return;
	while (buf_len(&c->out) > 0) {
		n = send(c->fd, buf_head(&c->out), buf_len(&c->out), MSG_NOSIGNAL);
		if (n > 0) {
			buf_consume(&c->out, (size_t)n);
			written += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		log_debug("conn %llu: write: %s", (unsigned long long)c->id, strerror(errno));
		conn_close(c);
		return;
	}
	if (buf_len(&c->out) > 0) {
		if (!ev_is_active(&c->wio))
			ev_io_start(c->d->loop, &c->wio);
	} else {
		if (ev_is_active(&c->wio))
			ev_io_stop(c->d->loop, &c->wio);
		sock6d_freed(c->d, buf_shrink(&c->out));	/* a drained queue gives back */
	}
	conn_account(c, -(long)written, 0);
	/* Room freed: the calls waiting for it get another chance once the
	 * queue has drained below the low mark, and again once it is empty
	 * (not for each write: a waiting call costs its retry). */
	if (written > 0 && (buf_len(&c->out) == 0 ||
	    ((long)before > low && (long)buf_len(&c->out) <= low)))
		conn_room_freed(c);
	conn_update_throttle(c);
	if (buf_len(&c->out) == 0 && (c->closing || conn_finished(c)))
		conn_close(c);
}

/* POLLHUP on a UNIX stream socket means both directions are shut: the
 * client closed (or reset) its socket.  A shutdown of its sending side
 * alone shows as POLLRDHUP, which is not asked for here. */
static bool
conn_hung_up(const struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = 0 };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR));
}

bool
conn_peer_gone(struct conn *c)
{
	if (c->dead || c->closing || c->close_requested)
		return true;
	return conn_hung_up(c);
}

/* Some connections of the hang-up set were closed by their clients. */
static void
conn_hangup_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sock6d *d = w->data;
	struct epoll_event ev[32];
	int i, n;

	n = epoll_wait(d->hangup_fd, ev, sizeof(ev) / sizeof(ev[0]), 0);
	for (i = 0; i < n; i++)
		conn_close(ev[i].data.ptr);
}

int
conn_hangups_init(struct sock6d *d)
{
	if ((d->hangup_fd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	ev_io_init(&d->hangup_io, conn_hangup_cb, d->hangup_fd, EV_READ);
	d->hangup_io.data = d;
	ev_io_start(d->loop, &d->hangup_io);
	return 0;
}

void
conn_hangups_free(struct sock6d *d)
{
	if (d->hangup_fd < 0)
		return;
	ev_io_stop(d->loop, &d->hangup_io);
	close(d->hangup_fd);
	d->hangup_fd = -1;
}

/* The client shut down its sending side: nothing more will come, but the
 * requests already received are answered and the pending calls run to
 * their end before the connection closes (PROTOCOL §1).  Meanwhile the
 * connection waits in the hang-up set: epoll reports POLLHUP and POLLERR
 * even when no event is asked for, so a full close is seen at once and
 * a half-closed socket never wakes the loop. */
static void
conn_input_end(struct conn *c)
{
	struct epoll_event ev = { .events = 0, .data.ptr = c };

	c->input_ended = true;
	conn_update_reading(c);
	if (epoll_ctl(c->d->hangup_fd, EPOLL_CTL_ADD, c->fd, &ev) == 0)
		c->hangup_watched = true;
	else
		log_warn("conn %llu: cannot watch for hang-up", (unsigned long long)c->id);
	/* A last request without its newline is still a request. */
	if (buf_len(&c->in) > 0)
		buf_append(&c->in, "\n", 1);
	conn_process(c);
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
	struct sock *s;

	if (c->dead)
		return;
	if (c == c->d->dispatching) {
		c->close_requested = true;
		return;
	}
	c->dead = true;
	log_debug("conn %llu: closed", (unsigned long long)c->id);
	ev_io_stop(c->d->loop, &c->rio);
	ev_io_stop(c->d->loop, &c->wio);
	ev_timer_stop(c->d->loop, &c->resume);
	if (c->hangup_watched)
		epoll_ctl(c->d->hangup_fd, EPOLL_CTL_DEL, c->fd, NULL);
	rpc_conn_gone(c);
	if (c->room_scheduled)
		LIST_REMOVE(c, room_entry);
	while ((s = LIST_FIRST(&c->scoped)) != NULL)
		sock_close(s);
	close(c->fd);
	c->fd = -1;
	TAILQ_REMOVE(&c->d->conns, c, entry);
	c->d->nconns--;
	c->user->conns--;
	/* Its queue and batches are dropped: the user has that much more room. */
	conn_account(c, -(long)buf_len(&c->out), -(long)c->held);
	c->next_dead = c->d->dead_conns;
	c->d->dead_conns = c;
}

void
conn_free(struct conn *c)
{
	sock6d_freed(c->d, c->in.size + c->out.size);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

/* Dispatch buffered requests (a batch under way first, then request
 * lines) for its turn: until the connection stops taking requests or has
 * used its turn's share, when the other connections go first.  A turn is
 * one iteration of the loop, however many of the connection's events
 * (read, write, resume) come in it. */
static void
conn_process(struct conn *c)
{
	unsigned iteration = ev_iteration(c->d->loop);
	const char *line;
	size_t len, used;
	struct s6err e;
	bool more = true;

	c->d->dispatching = c;
	if (c->turn != iteration) {
		c->turn = iteration;
		c->turn_requests = 0;
		c->turn_start = c->produced;
	}
	while (more && conn_turn_left(c)) {
		if (c->batch != NULL) {
			rpc_batch_continue(c);
			continue;
		}
		switch (ndjson_next(&c->in, (size_t)c->d->limits.max_message, &line, &len, &used)) {
		case NDJSON_NEED:
			more = false;
			break;
		case NDJSON_TOOBIG:
			conn_count_request(c);
			err_set(&e, S6_INVALID_REQUEST,
			    "Invalid Request: message longer than %ld bytes",
			    c->d->limits.max_message);
			e.limit = "max_message";
			rpc_send_error(c, &e);
			buf_reset(&c->in);
			c->closing = true;
			break;
		case NDJSON_FRAME:
			rpc_dispatch_line(c, line, len);
			ndjson_done(&c->in, used);
			break;
		}
	}
	c->d->dispatching = NULL;
	if (more && conn_may_dispatch(c) && conn_has_work(c))
		ev_timer_start(c->d->loop, &c->resume);	/* the turn's share is used */
	if (buf_len(&c->in) == 0)
		sock6d_freed(c->d, buf_shrink(&c->in));
	if (c->close_requested)
		conn_close(c);
	else if (c->closing)
		conn_close_after_flush(c);
	else
		conn_flush(c);
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;
	ssize_t n;
	char *p;

	if ((p = buf_reserve(&c->in, READ_CHUNK)) == NULL) {
		/* Only a line longer than the cap can fill the buffer. */
		conn_process(c);
		return;
	}
	n = read(c->fd, p, READ_CHUNK);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		log_debug("conn %llu: read: %s", (unsigned long long)c->id, strerror(errno));
		conn_close(c);
		return;
	}
	if (n == 0) {
		/* End of input: a hang-up cancels the waiting calls (bytes
		 * already read stay on their handles); a half-close does not. */
		if (conn_hung_up(c))
			conn_close(c);
		else
			conn_input_end(c);
		return;
	}
	buf_commit(&c->in, (size_t)n);
	conn_process(c);
}

static void
conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct conn *c = w->data;

	conn_flush(c);
	if (!c->dead && conn_may_dispatch(c) && conn_has_work(c))
		conn_process(c);
}

static void
conn_resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	conn_process(w->data);
}
