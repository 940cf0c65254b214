/* rpc-connect.c: operations that establish connections and may wait for
 * them: socket.connect, socket.accept and socket.accept_ready. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "unix-guard.h"
#include "rpc-common.h"
#include "wait.h"

/* socket.connect */

struct connect_args {
	struct sock	*s;
	struct s6_sockaddr	 addr;
	int64_t		 timeout;
};

static const struct param connect_params[] = {
	HANDLE_ROW(struct connect_args, s),
	{ "address", PT_SOCKADDR, P_REQUIRED, offsetof(struct connect_args, addr),
	  .desc = "numeric address of the peer" },
	TIMEOUT_ROW(struct connect_args, timeout, "the connection"),
	END_PARAMS
};

struct connect_op {
	struct waiter		w;
	enum sock_state		before;
	uid_t			uid;	/* the caller's, for the UNIX guard */
	struct s6_sockaddr	addr;
};

static json_object *
peer_result(struct sock *s)
{
	json_object *peer;
	struct s6err e;

	if (sock_address(s, true, &peer, &e) == -1)
		peer = NULL;
	return result_one("peer", peer);
}

static enum attempt
connect_failed(struct waiter *w, int errnum)
{
	struct connect_op *op = (struct connect_op *)w;
	struct s6err e;

	w->sock->state = op->before;
	err_sys(&e, errnum, "connect", "cannot initiate connection", true);
	return waiter_error(w, &e);
}

/* Ask connect(2) again how the attempt stands: 0 or EISCONN when it
 * succeeded, EALREADY while in progress, else the error.  Unlike reading
 * SO_ERROR, this also returns a failed socket to the unconnected state, so
 * the handle can connect again. */
static enum attempt
connect_attempt(struct waiter *w)
{
	struct connect_op *op = (struct connect_op *)w;
	struct s6err e;
	int rc;

	rc = unix_guard_connect(&w->sock->d->unix_guard, op->uid, w->sock->fd, &op->addr, &e);
	if (rc == -2) {
		w->sock->state = op->before;
		e.handle = w->sock->handle;
		return waiter_error(w, &e);
	}
	if (rc == -1 && (errno == EALREADY || errno == EINPROGRESS))
		return ATTEMPT_AGAIN;
	if (rc == -1 && errno != EISCONN)
		return connect_failed(w, errno);
	w->sock->state = SS_CONNECTED;
	return waiter_done(w, peer_result(w->sock));
}

/* The wait ran out: abandon the attempt so the handle is usable again. */
static void
connect_expired(struct waiter *w)
{
	struct connect_op *op = (struct connect_op *)w;
	struct sockaddr sa = { .sa_family = AF_UNSPEC };
	struct s6err e;

	(void)connect(w->sock->fd, &sa, sizeof(sa));
	w->sock->state = op->before;
	err_set(&e, S6_TIMEOUT, "operation timed out");
	waiter_error(w, &e);
}

static void
op_free(struct waiter *w)
{
	free(w);
}

static const struct waiter_ops connect_ops = {
	.attempt = connect_attempt, .expired = connect_expired, .destroy = op_free
};

static const struct answer *
socket_connect(struct call *c, void *argp)
{
	struct connect_args *a = argp;
	struct connect_op *op;
	struct s6err e;
	int rc;

	/* A UNIX path: opened as the client and checked (unix-guard.h). */
	if ((rc = unix_guard_connect(&c->d->unix_guard, c->conn->uid, a->s->fd, &a->addr,
	    &e)) == -2) {
		e.handle = a->s->handle;
		return call_fail(c, &e);
	}
	if (rc == 0) {
		a->s->state = SS_CONNECTED;
		return call_ok(c, peer_result(a->s));
	}
	if (errno != EINPROGRESS) {
		err_sys(&e, errno, "connect", "cannot initiate connection", true);
		e.handle = a->s->handle;
		return call_fail(c, &e);
	}
	if ((op = calloc(1, sizeof(*op))) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		return call_fail(c, &e);
	}
	op->before = a->s->state;
	op->uid = c->conn->uid;
	op->addr = a->addr;
	a->s->state = SS_CONNECTING;
	waiter_init(&op->w, &connect_ops, c, a->s, EV_WRITE,
	    timeout_or(a->timeout, c->conn->session.connect_timeout));
	return waiter_start(&op->w);
}

const struct method m_socket_connect = {
	"socket.connect", socket_connect, connect_params, sizeof(struct connect_args),
	"Connect a socket",
	"connect(2), waiting inside the daemon up to the timeout. Refused, unreachable or "
	"network-down errors are transient (1001). The handle stays valid whatever happens.",
	(const struct result_field[]){ { "peer", RT_SOCKADDR, "the connected peer" }, END_RESULT },
	(const int[]){ S6_NET, S6_TRANSIENT, S6_TIMEOUT, S6_NO_SUCH_HANDLE, S6_LIMIT,
	    S6_PERMISSION, 0 },
};

/* socket.accept */

struct accept_args {
	struct sock	*s;
	int64_t		 timeout;
};

static const struct param accept_params[] = {
	HANDLE_ROW(struct accept_args, s),
	TIMEOUT_ROW(struct accept_args, timeout, "a connection"),
	END_PARAMS
};

struct accept_op {
	struct waiter	 w;
	uid_t		 uid;
	struct conn	*conn;
	bool		 with_local;
};

/* Room a reply of accept needs: two addresses and a handle. */
#define ACCEPT_RESULT_ROOM	512

static enum attempt
accept_attempt(struct waiter *w)
{
	struct accept_op *op = (struct accept_op *)w;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	json_object *o, *local;
	struct sock *s;
	struct s6err e;
	enum attempt r;
	int fd;

	/* No connection taken for a client whose output is above its mark. */
	if (!waiter_room(w, ACCEPT_RESULT_ROOM, &r))
		return r;
	if (sock_check_quota(w->sock->d, op->uid, &e) == -1)
		return waiter_error(w, &e);
	fd = accept4(w->sock->fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return ATTEMPT_AGAIN;
		err_sys(&e, errno, "accept", "could not accept from listener", false);
		return waiter_error(w, &e);
	}
	if ((s = sock_adopt(w->sock->d, fd, w->sock, op->uid, &e)) == NULL)
		return waiter_error(w, &e);
	sock_set_scope(s, w->sock->scope, conn_scoped(op->conn));
	w->sock->delivered++;	/* the seq a subscriber would see next */
	o = json_object_new_object();
	json_object_object_add(o, "handle", json_object_new_int64((int64_t)s->handle));
	if (op->with_local) {
		if (sock_address(s, false, &local, &e) == -1)
			local = NULL;
		json_object_object_add(o, "local", local);
	}
	json_object_object_add(o, "peer", s6_addr_to_json((struct sockaddr *)&ss, len));
	return waiter_done(w, o);
}

/* Consuming: a connection is never taken for a client that has hung up. */
static const struct waiter_ops accept_ops = {
	.attempt = accept_attempt, .destroy = op_free, .consumes = true
};

const struct answer *
accept_start(struct call *c, struct sock *listener, int64_t timeout, bool with_local)
{
	struct accept_op *op;
	struct s6err e;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		return call_fail(c, &e);
	}
	op->uid = c->conn->uid;
	op->conn = c->conn;
	op->with_local = with_local;
	waiter_init(&op->w, &accept_ops, c, listener, EV_READ,
	    timeout_or(timeout, c->conn->session.accept_timeout));
	return waiter_start(&op->w);
}

static const struct answer *
socket_accept(struct call *c, void *argp)
{
	struct accept_args *a = argp;

	return accept_start(c, a->s, a->timeout, false);
}

const struct method m_socket_accept = {
	"socket.accept", socket_accept, accept_params, sizeof(struct accept_args),
	"Accept a connection",
	"Waits inside the daemon, up to the timeout, for a connection on a listening socket. "
	"The new handle belongs to the caller and has the listener's scope.",
	(const struct result_field[]){ { "handle", RT_INTEGER, "the connection's handle" },
	    { "peer", RT_SOCKADDR, "the peer's address" }, END_RESULT },
	(const int[]){ S6_NET, S6_TIMEOUT, S6_NO_SUCH_HANDLE, S6_LIMIT, 0 },
};
