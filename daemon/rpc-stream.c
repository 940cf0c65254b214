/* rpc-stream.c: streaming by handle: socket.subscribe, socket.credit,
 * socket.unsubscribe (sub.c does the pushing), socket.attach (relay.c) and
 * socket.export (the descriptor itself, on the reply's first byte). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>

#include "conn.h"
#include "method.h"
#include "param.h"
#include "relay.h"
#include "grant.h"
#include "rpc-common.h"
#include "sock.h"
#include "sub.h"

static const int stream_errors[] = { S6_NET, S6_NO_SUCH_HANDLE, S6_BUSY, 0 };

/* socket.subscribe */

struct subscribe_args {
	struct sock	*s;
	int64_t		 credit;
	int		 encoding;
	int64_t		 max_chunk;
};

static const struct param subscribe_params[] = {
	HANDLE_ROW(struct subscribe_args, s),
	{ "credit", PT_INT, P_NULLABLE, offsetof(struct subscribe_args, credit), 0, INT64_MAX,
	  .desc = "bytes (connections for a listener) it may push before socket.credit adds "
	  "more; null or absent: unlimited" },
	{ "encoding", PT_ENUM, P_DEFAULT, offsetof(struct subscribe_args, encoding), .def = 0,
	  .names = encoding_names,
	  .desc = "text: chunks that are valid UTF-8 come as text, never splitting a character" },
	{ "max_chunk", PT_INT, P_DEFAULT, offsetof(struct subscribe_args, max_chunk), 1,
	  64L << 20, 65536, .limit = "max_receive",
	  .desc = "bytes per notification" },
	END_PARAMS
};

static const struct answer *
socket_subscribe(struct call *c, void *argp)
{
	struct subscribe_args *a = argp;
	struct sub_params p;
	json_object *o;
	struct s6err e;

	p.unlimited = a->credit == PARAM_ABSENT || a->credit == PARAM_NULL;
	p.credit = p.unlimited ? 0 : (uint64_t)a->credit;
	p.text = a->encoding == 1;
	/* A text chunk holds at least one whole character. */
	p.max_chunk = (size_t)(p.text && a->max_chunk < 4 ? 4 : a->max_chunk);
	if (sub_start(c->conn, a->s, &p, &e) == -1)
		return call_fail(c, &e);
	o = json_object_new_object();
	json_object_object_add(o, "handle", json_object_new_int64((int64_t)a->s->handle));
	json_object_object_add(o, "buffered", json_object_new_int64((int64_t)a->s->held_bytes));
	json_object_object_add(o, "offset", json_object_new_int64((int64_t)sub_next_offset(a->s)));
	return call_ok(c, o);
}

const struct method m_socket_subscribe = {
	"socket.subscribe", socket_subscribe, subscribe_params, sizeof(struct subscribe_args),
	"Follow what a socket receives",
	"After the reply, what the socket receives comes as notifications on this connection: "
	"socket.data {handle, offset, data|text} for a stream, socket.datagram {handle, seq, "
	"data|text, address, truncated}, socket.accepted {handle, accepted, peer} for a "
	"listener, then socket.eof {handle, offset} or socket.error {handle, error}, and "
	"socket.paused {handle} when the credit runs out. Bytes held on the handle come first. "
	"With no credit, or while this connection's output is above its high mark, the socket "
	"is not read: its peer is slowed, nothing is lost. A listener's subscriber with no "
	"handle left hears socket.error 1012 and the subscription ends; the connection waits "
	"in the backlog. One subscriber per handle (1013); it ends with socket.unsubscribe, "
	"socket.close, end of file, an error, or this connection.",
	(const struct result_field[]){
		{ "handle", RT_INTEGER, "" },
		{ "buffered", RT_INTEGER, "bytes held on the handle, delivered first" },
		{ "offset", RT_INTEGER, "offset of the next byte (seq of the next datagram) delivered" },
		END_RESULT },
	stream_errors,
};

/* socket.credit */

struct credit_args {
	struct sock	*s;
	int64_t		 add;
};

static const struct param credit_params[] = {
	HANDLE_ROW(struct credit_args, s),
	{ "add", PT_INT, P_REQUIRED, offsetof(struct credit_args, add), 1, INT64_MAX,
	  .desc = "bytes (connections for a listener) to add" },
	END_PARAMS
};

static const struct answer *
socket_credit(struct call *c, void *argp)
{
	struct credit_args *a = argp;
	struct s6err e;
	struct sub *u;
	uint64_t now;

	if ((u = sub_find(a->s, c->conn, &e)) == NULL)
		return call_fail(c, &e);
	now = sub_credit(u, (uint64_t)a->add);
	return call_ok(c, result_one("credit", now == UINT64_MAX ? NULL :
	    json_object_new_int64((int64_t)now)));
}

const struct method m_socket_credit = {
	"socket.credit", socket_credit, credit_params, sizeof(struct credit_args),
	"Let a subscription push more",
	"Adds to the credit of this connection's subscription of the handle; a paused "
	"subscription resumes.",
	(const struct result_field[]){
		{ "credit", RT_INTEGER | RT_NULL, "the credit now; null when unlimited" },
		END_RESULT },
	stream_errors,
};

/* socket.unsubscribe */

struct unsubscribe_args {
	struct sock	*s;
};

static const struct param unsubscribe_params[] = {
	HANDLE_ROW(struct unsubscribe_args, s),
	END_PARAMS
};

static const struct answer *
socket_unsubscribe(struct call *c, void *argp)
{
	struct unsubscribe_args *a = argp;
	struct s6err e;
	struct sub *u;

	if ((u = sub_find(a->s, c->conn, &e)) == NULL)
		return call_fail(c, &e);
	sub_end(u);
	return call_ok(c, result_one("buffered", json_object_new_int64(
	    (int64_t)a->s->held_bytes)));
}

const struct method m_socket_unsubscribe = {
	"socket.unsubscribe", socket_unsubscribe, unsubscribe_params,
	sizeof(struct unsubscribe_args),
	"Stop following a socket",
	"Ends this connection's subscription of the handle; the socket stays, and bytes read "
	"but not delivered stay held on it for the next reader.",
	(const struct result_field[]){
		{ "buffered", RT_INTEGER, "bytes held on the handle" }, END_RESULT },
	stream_errors,
};

/* socket.export */

struct export_args {
	struct sock	*s;
	int		 keep;
};

static const struct param export_params[] = {
	HANDLE_ROW(struct export_args, s),
	{ "keep", PT_BOOL, P_DEFAULT, offsetof(struct export_args, keep), .def = 0,
	  .desc = "true: the daemon keeps the handle too" },
	END_PARAMS
};

static const struct grant_req export_grant = { .kind = GRANT_EXPORT };

static const struct answer *
socket_export(struct call *c, void *argp)
{
	struct export_args *a = argp;
	struct sock *s = a->s;
	json_object *o;
	struct s6err e;
	int fd, fl;

	if (!c->d->allow_export && !grant_allows(c->d, &c->conn->creds, &export_grant, &e))
		return call_fail(c, &e);
	if (sock_consumer_kind(s, SIDE_READ) != CONSUMER_CALLS ||
	    sock_consumer_kind(s, SIDE_WRITE) != CONSUMER_CALLS) {
		sock_busy_error(s, sock_consumer_kind(s, SIDE_READ) != CONSUMER_CALLS ?
		    SIDE_READ : SIDE_WRITE, &e);
		return call_fail(c, &e);
	}
	if (c->batch != NULL || c->notification) {
		err_set(&e, S6_BUSY, "socket.export must be a request of its own: its descriptor "
		    "rides on its reply");
		return call_fail(c, &e);
	}
	/* Until its reply is sent the copy is the caller's: one of its
	 * handles (a client that never reads cannot pile them up). */
	if (sock_reserve_fd(c->d, c->conn->uid, &e) == -1)
		return call_fail(c, &e);
	if ((fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3)) == -1) {
		sock_unreserve_fd(c->d, c->conn->uid);
		err_sys(&e, errno, "fcntl", "cannot duplicate the descriptor", false);
		e.handle = s->handle;
		return call_fail(c, &e);
	}
	if (transport_pass_fd(&c->conn->t, fd) == -1) {	/* unreserved there */
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		return call_fail(c, &e);
	}
	o = json_object_new_object();
	json_object_object_add(o, "handle", json_object_new_int64((int64_t)s->handle));
	json_object_object_add(o, "fd_sent", json_object_new_boolean(1));
	if (!a->keep) {
		/* The daemon is done with it: the receiver gets it blocking, as
		 * socket activation hands sockets over.  (Kept, it stays
		 * non-blocking: the open file is shared with the daemon.) */
		sock_disown(s);
		if ((fl = fcntl(fd, F_GETFL)) != -1)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	return call_ok(c, o);
}

const struct method m_socket_export = {
	"socket.export", socket_export, export_params, sizeof(struct export_args),
	"Hand the socket itself to the caller",
	"The reply line's first byte carries the socket's descriptor as SCM_RIGHTS ancillary "
	"data (recvmsg; Python: socket.recv_fds). Only the owner (root: any) may, only when "
	"the daemon allows export (--allow-export; else 1011), not for a subscribed or "
	"attached handle (1013), and not as a batch member or a notification. Until the "
	"reply is sent the descriptor counts as one of the caller's handles: past "
	"handles_per_user or max_handles, error 1012. The handle is "
	"dropped unless keep is true (a bound UNIX socket's file stays); the descriptor is "
	"then in blocking mode, while a kept one stays non-blocking (its open file is shared "
	"with the daemon).",
	(const struct result_field[]){
		{ "handle", RT_INTEGER, "" },
		{ "fd_sent", RT_BOOLEAN, "always true: the descriptor is on this reply" },
		END_RESULT },
	(const int[]){ S6_NET, S6_NO_SUCH_HANDLE, S6_PERMISSION, S6_BUSY, S6_LIMIT, 0 },
};

/* socket.attach */

struct attach_args {
	struct sock	*s;
	int		 framing;
	int		 shutdown_on_eof;
};

static const struct enum_name framing_names[] = {
	{ "raw", 0 }, { "len4", 1 }, { NULL, 0 }
};

static const struct param attach_params[] = {
	HANDLE_ROW(struct attach_args, s),
	{ "framing", PT_ENUM, P_DEFAULT, offsetof(struct attach_args, framing), .def = 0,
	  .names = framing_names,
	  .desc = "len4: each datagram as a 4-byte big-endian length and its bytes, both ways" },
	{ "shutdown_on_eof", PT_BOOL, P_DEFAULT, offsetof(struct attach_args, shutdown_on_eof),
	  .def = 1, .desc = "the client's end of sending shuts down the socket's sending side" },
	END_PARAMS
};

static const struct answer *
socket_attach(struct call *c, void *argp)
{
	struct attach_args *a = argp;
	struct s6err e;

	if (c->batch != NULL || c->notification) {
		err_set(&e, S6_BUSY, "socket.attach must be a request of its own: the connection "
		    "becomes a pipe after its reply");
		return call_fail(c, &e);
	}
	if (c->conn->npending > 0 || c->conn->takeover != NULL) {
		err_set(&e, S6_BUSY, "the connection has requests pending: attach on a "
		    "connection of its own");
		return call_fail(c, &e);
	}
	if (a->s->state == SS_LISTENING || (a->s->type == SOCK_STREAM &&
	    a->s->state != SS_CONNECTED)) {
		err_sys(&e, ENOTCONN, NULL, "the socket is not connected", false);
		e.handle = a->s->handle;
		return call_fail(c, &e);
	}
	if (relay_prepare(c->conn, a->s, a->framing == 1, a->shutdown_on_eof == 1, &e) == -1)
		return call_fail(c, &e);
	return call_ok(c, result_empty());
}

const struct method m_socket_attach = {
	"socket.attach", socket_attach, attach_params, sizeof(struct attach_args),
	"Turn this connection into a byte pipe to the socket",
	"After the reply line, this control connection carries raw bytes both ways (len4: "
	"length-framed datagrams); bytes sent after the request's newline already belong to "
	"the pipe. The client's end of sending shuts down the socket's sending side (unless "
	"shutdown_on_eof is false), the socket's end of file half-closes the connection; once "
	"both directions have ended the connection closes and the handle stays. A reset or a "
	"hang-up of either side closes both. Each direction has a bounded window (splice(2) "
	"between stream sockets). The handle is exclusive while attached (1013 for others); "
	"attach is refused (1013) in a batch or on a connection with requests pending, and "
	"(1000, ENOTCONN) for a listener or an unconnected stream.",
	(const struct result_field[]){ END_RESULT },
	(const int[]){ S6_NET, S6_NO_SUCH_HANDLE, S6_BUSY, 0 },
};
