/* transport.c: the bytes of one control connection: reading into the
 * capped input buffer, writing the output queue and the descriptors that
 * ride on it, and the hang-up hub that sees a peer go before anything is
 * done for it. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "transport.h"

#define READ_CHUNK	65536
#define READ_MIN	4096	/* less room than this: grow instead */

static void	transport_read_cb(struct ev_loop *, ev_io *, int);
static void	transport_write_cb(struct ev_loop *, ev_io *, int);

/* Some peers of the hub's transports closed or reset their connections.
 * A peer that left requests unread is heard out first: its transport's
 * read callback gets to them, and to its end of file, in this turn. */
static void
transport_hub_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct transport_hub *h = w->data;
	struct epoll_event ev[32];
	struct transport *t;
	int i, n, unread;

	n = epoll_wait(h->epfd, ev, sizeof(ev) / sizeof(ev[0]), 0);
	for (i = 0; i < n; i++) {
		t = ev[i].data.ptr;
		if (t->closed)
			continue;
		t->hungup = true;
		if ((t->raw ? ev_is_active(&t->rio) : t->reading) &&
		    ioctl(t->fd, FIONREAD, &unread) == 0 && unread > 0)
			continue;
		t->ops->gone(t->ctx);
	}
}

int
transport_hub_init(struct transport_hub *h, struct ev_loop *loop)
{
	h->loop = loop;
	if ((h->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	ev_io_init(&h->io, transport_hub_cb, h->epfd, EV_READ);
	ev_set_priority(&h->io, EV_MAXPRI);
	h->io.data = h;
	ev_io_start(loop, &h->io);
	return 0;
}

void
transport_hub_free(struct transport_hub *h)
{
	if (h->epfd < 0)
		return;
	ev_io_stop(h->loop, &h->io);
	close(h->epfd);
	h->epfd = -1;
}

void
transport_init(struct transport *t, struct transport_hub *hub, int fd, size_t in_cap,
    size_t out_cap, const struct transport_ops *ops, void *ctx)
{
	struct epoll_event ev = { .events = 0, .data.ptr = t };

	memset(t, 0, sizeof(*t));
	t->hub = hub;
	t->fd = fd;
	t->ops = ops;
	t->ctx = ctx;
	buf_init(&t->in, in_cap);
	buf_init(&t->out, out_cap);
	ev_io_init(&t->rio, transport_read_cb, fd, EV_READ);
	ev_io_init(&t->wio, transport_write_cb, fd, EV_WRITE);
	/* Clients before sockets in each turn: a request (a ping) is answered
	 * before the turn's socket work, however much of it there is. */
	ev_set_priority(&t->rio, 1);
	ev_set_priority(&t->wio, 1);
	t->rio.data = t->wio.data = t;
	if (epoll_ctl(hub->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
		t->in_hub = true;
	else
		log_warn("cannot watch a connection for hang-up");
}

void
transport_set_mode(struct transport *t, const struct transport_ops *ops, void *ctx, bool raw)
{
	transport_set_reading(t, false);
	ev_io_stop(t->hub->loop, &t->wio);
	t->ops = ops;
	t->ctx = ctx;
	t->raw = raw;
}

void
transport_set_reading(struct transport *t, bool on)
{
	if (t->raw || t->closed)
		return;
	on = on && !t->input_ended;
	if (on && !t->reading)
		ev_io_start(t->hub->loop, &t->rio);
	else if (!on && t->reading)
		ev_io_stop(t->hub->loop, &t->rio);
	t->reading = on;
}

void
transport_watch(struct transport *t, int events)
{
	struct ev_loop *loop = t->hub->loop;

	if (!t->raw || t->closed)
		return;
	if (events & EV_READ)
		ev_io_start(loop, &t->rio);
	else
		ev_io_stop(loop, &t->rio);
	if (events & EV_WRITE)
		ev_io_start(loop, &t->wio);
	else
		ev_io_stop(loop, &t->wio);
}

char *
transport_reserve(struct transport *t, size_t n)
{
	return t->closed ? NULL : buf_reserve(&t->out, n);
}

void
transport_commit(struct transport *t, size_t n)
{
	buf_commit(&t->out, n);
}

bool
transport_commit_buf(struct transport *t, struct buf *b)
{
	struct buf old = t->out;

	if (t->closed || buf_len(&t->out) > 0 || buf_len(b) > t->out.cap)
		return false;
	t->out = *b;
	t->out.cap = old.cap;
	*b = old;
	return true;
}

void
transport_on_fd_done(struct transport *t, void (*fn)(void *), void *arg)
{
	t->fd_done = fn;
	t->fd_done_arg = arg;
}

/* n passed descriptors left the queue (they are closed). */
static void
transport_fds_done(struct transport *t, size_t n)
{
	while (t->fd_done != NULL && n-- > 0)
		t->fd_done(t->fd_done_arg);
}

int
transport_pass_fd(struct transport *t, int fd)
{
	struct transport_fd *grown;
	size_t cap;

	if (t->closed) {
		close(fd);
		transport_fds_done(t, 1);
		return -1;
	}
	if (t->nfds == t->fds_cap) {
		cap = t->fds_cap ? t->fds_cap * 2 : 4;
		if ((grown = realloc(t->fds, cap * sizeof(*grown))) == NULL) {
			close(fd);
			transport_fds_done(t, 1);
			return -1;
		}
		t->fds = grown;
		t->fds_cap = cap;
	}
	t->fds[t->nfds].at = t->sent + buf_len(&t->out);
	t->fds[t->nfds].fd = fd;
	t->nfds++;
	return 0;
}

/* Send n bytes from the head of the queue with every descriptor due on
 * the first of them (those queued for this byte, or an earlier one). */
static ssize_t
transport_send_fd(struct transport *t, size_t n)
{
	enum { MAX_FDS = 32 };
	char control[CMSG_SPACE(MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)buf_head(&t->out), .iov_len = n };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control };
	struct cmsghdr *cm;
	size_t k = 0, i;
	ssize_t r;

	while (k < t->nfds && k < MAX_FDS && t->fds[k].at <= t->sent)
		k++;
	memset(control, 0, sizeof(control));
	msg.msg_controllen = CMSG_SPACE(k * sizeof(int));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(k * sizeof(int));
	for (i = 0; i < k; i++)
		memcpy(CMSG_DATA(cm) + i * sizeof(int), &t->fds[i].fd, sizeof(int));
	if ((r = sendmsg(t->fd, &msg, MSG_NOSIGNAL)) > 0) {
		for (i = 0; i < k; i++)
			close(t->fds[i].fd);
		t->nfds -= k;
		memmove(t->fds, t->fds + k, t->nfds * sizeof(*t->fds));
		transport_fds_done(t, k);
	}
	return r;
}

/* Write as much of the queue as the socket takes: the bytes written, or
 * -1 when the peer has gone. */
static ssize_t
transport_write(struct transport *t)
{
	size_t written = 0, n, k;
	ssize_t r;

	while (buf_len(&t->out) > 0) {
		/* Up to the byte of the first descriptor not due yet: each
		 * leaves with its own byte, never on a later one. */
		n = buf_len(&t->out);
		for (k = 0; k < t->nfds && t->fds[k].at <= t->sent; k++)
			;
		if (k < t->nfds && t->fds[k].at - t->sent < n)
			n = (size_t)(t->fds[k].at - t->sent);
		if (k > 0)
			r = transport_send_fd(t, n);
		else
			r = send(t->fd, buf_head(&t->out), n, MSG_NOSIGNAL);
		if (r > 0) {
			buf_consume(&t->out, (size_t)r);
			t->sent += (uint64_t)r;
			written += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		log_debug("transport fd %d: write: %s", t->fd, strerror(errno));
		return -1;
	}
	if (!t->raw) {
		if (buf_len(&t->out) > 0)
			ev_io_start(t->hub->loop, &t->wio);
		else
			ev_io_stop(t->hub->loop, &t->wio);
	}
	return (ssize_t)written;
}

int
transport_flush(struct transport *t)
{
	size_t before = buf_len(&t->out);
	ssize_t written;

	if (t->closed)
		return -1;
	if ((written = transport_write(t)) < 0)
		return -1;
	if (written > 0 && t->ops->drained != NULL)
		t->ops->drained(t->ctx, (size_t)written, before);
	return 0;
}

void
transport_shutdown(struct transport *t)
{
	if (!t->closed)
		shutdown(t->fd, SHUT_WR);
}

/* POLLHUP on a UNIX stream socket means both directions are shut: the
 * client closed (or reset) its socket.  A shutdown of its sending side
 * alone shows as POLLRDHUP, which is not asked for here. */
static bool
transport_hung_up(const struct transport *t)
{
	struct pollfd pfd = { .fd = t->fd, .events = 0 };

	return t->hungup || (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR)));
}

/* Room for up to *want bytes of input (*want may shrink): growing the
 * buffer only as far as the mode's input_limit allows.  NULL when there
 * is none (in_limited says whether the limit, not the cap, was why). */
static char *
transport_in_reserve(struct transport *t, size_t *want)
{
	struct buf *b = &t->in;
	size_t cap = b->cap, limit;
	char *p;

	t->in_limited = false;
	if ((b->data == NULL || b->len + *want > b->size) && t->ops->input_limit != NULL &&
	    (limit = t->ops->input_limit(t->ctx)) < cap) {
		if (b->data != NULL && limit < b->size)
			limit = b->size;	/* what it holds is not taken back */
		if (limit <= b->len) {
			t->in_limited = true;
			return NULL;
		}
		if (*want > limit - b->len)
			*want = limit - b->len;
		b->cap = limit;
	}
	p = buf_reserve(b, *want);
	b->cap = cap;
	return p;
}

static void
transport_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct transport *t = w->data;
	size_t want, size;
	ssize_t n;
	char *p;

	if (t->raw) {
		t->ops->ready(t->ctx, EV_READ);
		return;
	}
	/* Into the room the buffer has, when it has some: growing it for
	 * each read, to give it back once drained, would cost an allocation
	 * per read.  A buffer with less room grows by READ_CHUNK. */
	want = t->in.size - t->in.off - t->in.len;
	if (t->in.data == NULL || want < READ_MIN)
		want = READ_CHUNK;
	size = t->in.size;
	if ((p = transport_in_reserve(t, &want)) == NULL) {
		/* Only a line longer than the cap (or the limit) fills it. */
		t->ops->input(t->ctx);
		return;
	}
	n = read(t->fd, p, want);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
			if (t->in.size != size)
				t->ops->input(t->ctx);	/* it grew: the mode counts it */
			return;
		}
		log_debug("transport fd %d: read: %s", t->fd, strerror(errno));
		t->ops->gone(t->ctx);
		return;
	}
	if (n == 0) {
		/* End of input: a hang-up, or a shutdown of the peer's
		 * sending side only (it still reads what we answer). */
		if (transport_hung_up(t)) {
			t->hungup = true;
			t->ops->gone(t->ctx);
			return;
		}
		transport_set_reading(t, false);
		t->input_ended = true;
		t->ops->input_end(t->ctx);
		return;
	}
	buf_commit(&t->in, (size_t)n);
	t->ops->input(t->ctx);
}

static void
transport_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct transport *t = w->data;

	if (t->raw) {
		t->ops->ready(t->ctx, EV_WRITE);
		return;
	}
	if (transport_flush(t) == -1)
		t->ops->gone(t->ctx);
}

void
transport_close(struct transport *t)
{
	size_t i;

	if (t->closed)
		return;
	t->closed = true;
	ev_io_stop(t->hub->loop, &t->rio);
	ev_io_stop(t->hub->loop, &t->wio);
	t->reading = false;
	if (t->in_hub)
		epoll_ctl(t->hub->epfd, EPOLL_CTL_DEL, t->fd, NULL);
	t->in_hub = false;
	for (i = 0; i < t->nfds; i++)
		close(t->fds[i].fd);
	i = t->nfds;
	t->nfds = 0;
	transport_fds_done(t, i);
	close(t->fd);
	t->fd = -1;
}

size_t
transport_free(struct transport *t)
{
	size_t n = t->in.size + t->out.size;

	buf_free(&t->in);
	buf_free(&t->out);
	free(t->fds);
	t->fds = NULL;
	return n;
}
