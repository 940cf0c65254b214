/* rpc-io.c: data transfer: socket.receive, receive_from, receive_ready,
 * accept_ready, send, send_to and send_all, each waiting inside the loop
 * when the socket is not ready. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unix-guard.h"
#include "base64.h"
#include "rpc-common.h"
#include "wait.h"

static const int io_errors[] = { S6_NET, S6_TIMEOUT, S6_NO_SUCH_HANDLE, S6_LIMIT, 0 };

/* receive and receive_from */

struct receive_args {
	struct sock	*s;
	int64_t		 length;
	int		 flags;
	int64_t		 timeout;
	int		 encoding;
};

static const struct param receive_params[] = {
	HANDLE_ROW(struct receive_args, s),
	{ "length", PT_INT, P_REQUIRED, offsetof(struct receive_args, length),
	  .min = 1, .max = 64 << 20, .limit = "max_receive",
	  .desc = "most bytes to receive" },
	{ "flags", PT_FLAGS, P_DEFAULT, offsetof(struct receive_args, flags), .def = 0,
	  .names = recv_flag_names, .desc = "peek, oob, waitall, trunc, dontwait, or an integer" },
	TIMEOUT_ROW(struct receive_args, timeout, "data"),
	ENCODING_ROW(struct receive_args, encoding),
	END_PARAMS
};

/* Room for a receive's result besides its bytes: "bytes", "eof", and the
 * sender's address (a UNIX path of 108 bytes may take 6 each in JSON). */
#define RECEIVE_RESULT_ROOM	1024

struct receive_op {
	struct waiter		w;
	enum receive_shape	shape;
	bool			as_text;
	int			flags;
	size_t			len, got, full;
	bool			eof, delivered;
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	char			buf[];
};

/* The common reply, written in place: {"data":"<base64>","bytes":N,"eof":B}. */
static size_t
receive_write(char *p, void *arg)
{
	struct receive_op *op = arg;
	char *start = p;

	memcpy(p, "{\"data\":\"", 9);
	p += 9;
	p += base64_encode(op->buf, op->got, p);
	p += sprintf(p, "\",\"bytes\":%zu,\"eof\":%s}",
	    (op->flags & MSG_TRUNC) ? op->full : op->got, op->eof ? "true" : "false");
	return (size_t)(p - start);
}

static enum attempt
receive_result(struct receive_op *op)
{
	json_object *o;
	struct result_text text = {
		.max = base64_encoded_len(op->got) + 64, .write = receive_write, .arg = op,
	};

	if (op->shape == RECEIVE_EOF && !op->as_text) {
		op->delivered = true;
		if (!(op->flags & MSG_PEEK))
			op->w.sock->delivered += sock_is_stream(op->w.sock) ? op->got : 1;
		return waiter_done_text(&op->w, &text);
	}
	o = json_object_new_object();

	char host[NI_MAXHOST];
	int port;

	result_bytes(o, op->buf, op->got, op->as_text);
	json_object_object_add(o, "bytes", json_object_new_int64(
	    (int64_t)((op->flags & MSG_TRUNC) ? op->full : op->got)));
	switch (op->shape) {
	case RECEIVE_EOF:
		json_object_object_add(o, "eof", json_object_new_boolean(op->eof));
		break;
	case RECEIVE_ADDRESS:
		json_object_object_add(o, "address", op->sslen > 0 ?
		    s6_addr_to_json((struct sockaddr *)&op->ss, op->sslen) : NULL);
		break;
	case RECEIVE_HOST_PORT:
		/* udp6's udp-recvfrom: the numeric host (no brackets) and port. */
		if (op->sslen > 0 && s6_addr_host_port((struct sockaddr *)&op->ss, op->sslen,
		    host, sizeof(host), &port) == 0) {
			json_object_object_add(o, "host", json_object_new_string(host));
			json_object_object_add(o, "port", json_object_new_int(port));
		} else {
			json_object_object_add(o, "host", NULL);
			json_object_object_add(o, "port", NULL);
		}
		break;
	}
	op->delivered = true;
	if (!(op->flags & MSG_PEEK))	/* the offset a subscriber would see next */
		op->w.sock->delivered += sock_is_stream(op->w.sock) ? op->got : 1;
	return waiter_done(&op->w, o);
}

/* Bytes the socket already holds come first. */
static bool
receive_from_held(struct receive_op *op, struct sock *s)
{
	bool peek = op->flags & MSG_PEEK;
	size_t n;

	if (s->held == NULL)
		return false;
	op->sslen = sizeof(op->ss);
	n = sock_take(s, op->buf + op->got, op->len - op->got, peek, &op->ss, &op->sslen,
	    &op->full);
	op->got += n;
	return !sock_is_stream(s) || peek || !(op->flags & MSG_WAITALL) || op->got == op->len;
}

static enum attempt
receive_attempt(struct waiter *w)
{
	struct receive_op *op = (struct receive_op *)w;
	struct sock *s = w->sock;
	size_t before = op->got;
	struct s6err e;
	ssize_t n;
	int flags = (op->flags & ~MSG_WAITALL) | MSG_DONTWAIT;
	enum attempt r;

	/* Take no byte that its reply would have no room for. */
	if (!waiter_room(w, result_bytes_max(op->len) + RECEIVE_RESULT_ROOM, &r))
		return r;
	if (receive_from_held(op, s))
		return receive_result(op);
	for (;;) {
		op->sslen = sizeof(op->ss);
		n = recvfrom(s->fd, op->buf + op->got, op->len - op->got, flags,
		    (struct sockaddr *)&op->ss, &op->sslen);
		if (n > 0) {
			sock_count(s, (size_t)n, 0);
			if (!sock_is_stream(s)) {
				op->full = (size_t)n;
				op->got = (size_t)n < op->len ? (size_t)n : op->len;
				return receive_result(op);
			}
			op->got += (size_t)n;
			op->full = op->got;
			if ((op->flags & (MSG_WAITALL | MSG_PEEK)) == MSG_WAITALL &&
			    op->got < op->len)
				continue;
			return receive_result(op);
		}
		if (n == 0) {
			/* Stream: the peer shut down.  Datagram: an empty one. */
			op->eof = sock_is_stream(s);
			return receive_result(op);
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (op->flags & MSG_DONTWAIT)
				break;
			return op->got > before ? ATTEMPT_PROGRESS : ATTEMPT_AGAIN;
		}
		break;
	}
	err_sys(&e, errno, "recv", "cannot receive data", false);
	return waiter_error(w, &e);
}

/* Bytes read but not delivered stay on the handle for the next reader. */
static void
receive_destroy(struct waiter *w)
{
	struct receive_op *op = (struct receive_op *)w;

	if (!op->delivered && op->got > 0 && !(op->flags & MSG_PEEK) && !w->sock->closed) {
		sock_hold(w->sock, op->buf, op->got, NULL, 0, true);
		sock_kick(w->sock);	/* the next reader takes them */
	}
	free(op);
}

static const struct waiter_ops receive_ops = {
	.attempt = receive_attempt, .destroy = receive_destroy, .consumes = true
};

const struct answer *
receive_start(struct call *c, struct sock *s, int64_t length, int flags, int64_t timeout,
    bool as_text, enum receive_shape shape)
{
	struct receive_op *op;
	struct s6err e;

	/* The bytes need no zeroing: only what recv fills is ever read. */
	if ((op = malloc(sizeof(*op) + (size_t)length)) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		return call_fail(c, &e);
	}
	memset(op, 0, sizeof(*op));
	c->holds = (size_t)length;	/* its buffer, while it waits */
	op->shape = shape;
	op->as_text = as_text;
	op->flags = flags;
	op->len = (size_t)length;
	waiter_init(&op->w, &receive_ops, c, s, EV_READ,
	    timeout_or(timeout, c->conn->session.receive_timeout));
	op->w.nowait = (flags & MSG_DONTWAIT) != 0;
	return waiter_start(&op->w);
}

static const struct answer *
socket_receive(struct call *c, void *argp)
{
	struct receive_args *a = argp;

	return receive_start(c, a->s, a->length, a->flags, a->timeout, a->encoding == 1,
	    RECEIVE_EOF);
}

static const struct answer *
socket_receive_from(struct call *c, void *argp)
{
	struct receive_args *a = argp;

	return receive_start(c, a->s, a->length, a->flags, a->timeout, a->encoding == 1,
	    RECEIVE_ADDRESS);
}

const struct method m_socket_receive = {
	"socket.receive", socket_receive, receive_params, sizeof(struct receive_args),
	"Receive bytes",
	"One recv(2) of at most length bytes, waiting inside the daemon up to the timeout "
	"(waitall: until length bytes or end of stream). 0 bytes on a stream is eof: true. "
	"A datagram longer than length is truncated.",
	(const struct result_field[]){
		{ "data", RT_BYTES, "the bytes, base64 (unless given as text)" },
		{ "text", RT_STRING, "with encoding text: the bytes, when valid UTF-8" },
		{ "bytes", RT_INTEGER, "bytes received" },
		{ "eof", RT_BOOLEAN, "the peer shut down" }, END_RESULT },
	io_errors,
};

const struct method m_socket_receive_from = {
	"socket.receive_from", socket_receive_from, receive_params, sizeof(struct receive_args),
	"Receive bytes and the sender's address",
	"As socket.receive, with the sender's address (null on a connected stream).",
	(const struct result_field[]){
		{ "data", RT_BYTES, "the bytes, base64 (unless given as text)" },
		{ "text", RT_STRING, "with encoding text: the bytes, when valid UTF-8" },
		{ "bytes", RT_INTEGER, "bytes received" },
		{ "address", RT_SOCKADDR | RT_NULL, "the sender, or null" }, END_RESULT },
	io_errors,
};

/* receive_ready and accept_ready */

struct ready_args {
	struct sock	*s;
};

static const struct param ready_params[] = {
	HANDLE_ROW(struct ready_args, s),
	END_PARAMS
};

static const struct answer *
socket_ready(struct call *c, void *argp)
{
	struct ready_args *a = argp;
	struct pollfd pfd = { .fd = a->s->fd, .events = POLLIN };
	struct s6err e;
	int rc;

	if (a->s->held != NULL)
		return call_ok(c, result_one("ready", json_object_new_boolean(1)));
	do
		rc = poll(&pfd, 1, 0);
	while (rc == -1 && errno == EINTR);
	if (rc == -1) {
		err_sys(&e, errno, "poll", "unable to check socket for input", false);
		return call_fail(c, &e);
	}
	return call_ok(c, result_one("ready", json_object_new_boolean(
	    (pfd.revents & (POLLIN | POLLHUP | POLLERR)) != 0)));
}

const struct method m_socket_receive_ready = {
	"socket.receive_ready", socket_ready, ready_params, sizeof(struct ready_args),
	"Whether a receive would not wait", "A zero-timeout readiness check.",
	(const struct result_field[]){ { "ready", RT_BOOLEAN, "" }, END_RESULT },
	(const int[]){ S6_NET, S6_NO_SUCH_HANDLE, 0 },
};

const struct method m_socket_accept_ready = {
	"socket.accept_ready", socket_ready, ready_params, sizeof(struct ready_args),
	"Whether an accept would not wait",
	"A zero-timeout readiness check; the accept may still wait if the peer resets meanwhile.",
	(const struct result_field[]){ { "ready", RT_BOOLEAN, "" }, END_RESULT },
	(const int[]){ S6_NET, S6_NO_SUCH_HANDLE, 0 },
};

/* send, send_to and send_all */

struct send_args {
	struct sock	*s;
	struct bytes	 data;
	struct s6_sockaddr	 addr;
	int64_t		 send_size;
	int		 flags;
	int64_t		 timeout;
};

#define SEND_ROWS							\
	HANDLE_ROW(struct send_args, s),				\
	{ "data", PT_BYTES, 0, offsetof(struct send_args, data),	\
	  .desc = "the bytes, base64; or \"text\": a UTF-8 string" },	\
	{ "flags", PT_FLAGS, P_DEFAULT, offsetof(struct send_args, flags), .def = 0, \
	  .names = send_flag_names, .desc = "oob, dontroute, eor, more, dontwait, or an integer" }, \
	TIMEOUT_ROW(struct send_args, timeout, "the socket to take data")

static const struct param send_params[] = { SEND_ROWS, END_PARAMS };

static const struct param send_to_params[] = {
	SEND_ROWS,
	{ "address", PT_SOCKADDR, P_REQUIRED, offsetof(struct send_args, addr),
	  .desc = "numeric address of the destination" },
	END_PARAMS
};

static const struct param send_all_params[] = {
	SEND_ROWS,
	{ "send_size", PT_INT, P_NULLABLE, offsetof(struct send_args, send_size),
	  .min = 1, .max = 64 << 20,
	  .desc = "bytes per send(2) (null: all at once; default: the session's send_size)" },
	END_PARAMS
};

struct send_op {
	struct waiter		w;
	const char		*p;	/* in the call's request; lives as long */
	size_t			 len, sent, chunk;
	int			 flags;
	bool			 all;
	bool			 to;
	struct s6_sockaddr	 addr;	/* to: the destination (as unix-guard.h
					 * says: maybe through /proc/self/fd) */
	int			 pathfd;	/* that file, or -1: one of the
						 * caller's handles while it waits */
	bool			 reserved;	/* so counted */
	struct sock6d		*d;
	uid_t			 uid;		/* the caller */
};

static enum attempt
send_attempt(struct waiter *w)
{
	struct send_op *op = (struct send_op *)w;
	struct sock *s = w->sock;
	size_t before = op->sent, n;
	int flags = op->flags | MSG_NOSIGNAL | MSG_DONTWAIT;
	struct s6err e;
	ssize_t r;

	for (;;) {
		n = op->len - op->sent;
		if (op->all && op->chunk > 0 && n > op->chunk)
			n = op->chunk;
		if (op->to)
			r = sendto(s->fd, op->p + op->sent, n, flags,
			    (const struct sockaddr *)&op->addr.ss, op->addr.len);
		else
			r = send(s->fd, op->p + op->sent, n, flags);
		if (r >= 0) {
			op->sent += (size_t)r;
			sock_count(s, 0, (size_t)r);
			if (!op->all || op->sent == op->len)
				return waiter_done(w, result_one("bytes",
				    json_object_new_int64(op->all ? (int64_t)op->sent : r)));
			continue;
		}
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) && !(op->flags & MSG_DONTWAIT))
			return op->sent > before ? ATTEMPT_PROGRESS : ATTEMPT_AGAIN;
		break;
	}
	err_sys(&e, errno, op->to ? "sendto" : "send", "cannot send data", false);
	if (op->all) {
		e.has_bytes = true;
		e.bytes = (int64_t)op->sent;
	}
	return waiter_error(w, &e);
}

static void
send_expired(struct waiter *w)
{
	struct send_op *op = (struct send_op *)w;
	struct s6err e;

	err_set(&e, S6_TIMEOUT, "operation timed out");
	if (op->all) {
		e.has_bytes = true;
		e.bytes = (int64_t)op->sent;
	}
	waiter_error(w, &e);
}

static void
send_destroy(struct waiter *w)
{
	struct send_op *op = (struct send_op *)w;

	if (op->pathfd != -1)
		close(op->pathfd);
	if (op->reserved)
		sock_unreserve_fd(op->d, op->uid);
	free(w);
}

/* The guard's descriptor on the path's file, held as long as the call
 * waits, is one of the caller's handles meanwhile (a send that does not
 * wait holds it for no time). */
static bool
send_park(struct waiter *w, struct s6err *e)
{
	struct send_op *op = (struct send_op *)w;

	if (op->pathfd == -1)
		return true;
	if (sock_reserve_fd(op->d, op->uid, e) == -1) {
		e->handle = w->sock->handle;
		return false;
	}
	op->reserved = true;
	return true;
}

static const struct waiter_ops send_ops = {
	.attempt = send_attempt, .expired = send_expired, .destroy = send_destroy,
	.park = send_park,
};

struct waiter *
send_waiter_new(struct call *c, struct sock *s, const struct bytes *data,
    const struct s6_sockaddr *to, int flags, int64_t timeout, bool all, size_t chunk,
    struct s6err *e)
{
	struct send_op *op;
	int rc;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		err_set(e, S6_INTERNAL_ERROR, "out of memory");
		return NULL;
	}
	op->pathfd = -1;
	if (to != NULL && (rc = unix_guard_check(&c->d->unix_guard, c->conn->uid, to,
	    &op->addr, &op->pathfd, e)) != 0) {
		/* A UNIX path the client cannot reach, or one it may not. */
		if (rc == -1)
			err_sys(e, errno, "sendto", "cannot send data", false);
		e->handle = s->handle;
		free(op);
		return NULL;
	}
	op->d = c->d;
	op->uid = c->conn->uid;
	op->p = data->p;
	op->len = data->len;
	op->flags = flags;
	op->all = all;
	op->chunk = chunk;
	op->to = to != NULL;
	waiter_init(&op->w, &send_ops, c, s, EV_WRITE,
	    timeout_or(timeout, c->conn->session.send_timeout));
	op->w.nowait = (flags & MSG_DONTWAIT) != 0;
	return &op->w;
}

static const struct answer *
send_common(struct call *c, struct send_args *a, bool to, bool all)
{
	struct waiter *w;
	struct s6err e;
	size_t chunk = 0;

	if (a->data.p == NULL) {
		err_param(&e, "data", "missing param data (or text)");
		return call_fail(c, &e);
	}
	/* send_all of nothing on a stream sends nothing (one empty datagram otherwise). */
	if (all && a->data.len == 0 && sock_is_stream(a->s))
		return call_ok(c, result_one("bytes", json_object_new_int64(0)));
	if (all)
		chunk = a->send_size == PARAM_ABSENT ? (size_t)c->conn->session.send_size :
		    a->send_size == PARAM_NULL ? 0 : (size_t)a->send_size;
	if ((w = send_waiter_new(c, a->s, &a->data, to ? &a->addr : NULL, a->flags,
	    a->timeout, all, chunk, &e)) == NULL)
		return call_fail(c, &e);
	return waiter_start(w);
}

static const struct answer *
socket_send(struct call *c, void *argp)
{
	return send_common(c, argp, false, false);
}

static const struct answer *
socket_send_to(struct call *c, void *argp)
{
	return send_common(c, argp, true, false);
}

static const struct answer *
socket_send_all(struct call *c, void *argp)
{
	return send_common(c, argp, false, true);
}

static const struct result_field send_result[] = {
	{ "bytes", RT_INTEGER, "bytes sent" }, END_RESULT
};

const struct method m_socket_send = {
	"socket.send", socket_send, send_params, sizeof(struct send_args),
	"Send bytes",
	"One successful send(2), which may be partial, waiting inside the daemon up to the "
	"timeout for the socket to take data.",
	send_result, io_errors,
};

const struct method m_socket_send_to = {
	"socket.send_to", socket_send_to, send_to_params, sizeof(struct send_args),
	"Send bytes to an address", "As socket.send, through sendto(2) to address.",
	send_result, io_errors,
};

const struct method m_socket_send_all = {
	"socket.send_all", socket_send_all, send_all_params, sizeof(struct send_args),
	"Send every byte",
	"Sends everything in chunks of send_size (datagram sockets: one datagram per chunk); "
	"the timeout restarts whenever progress is made. Nothing is sent for no bytes on a "
	"stream; one empty datagram on a datagram socket. A failure reports data.bytes sent.",
	send_result, io_errors,
};
