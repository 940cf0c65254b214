/* rpc-socket.c: the socket egg's setup, status and teardown methods:
 * socket.create, close, info, list, bind, listen, shutdown, name, peer_name. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "grant.h"
#include "rpc-common.h"

static const int net_errors[] = { S6_NET, S6_NO_SUCH_HANDLE, 0 };
static const int handle_errors[] = { S6_NO_SUCH_HANDLE, 0 };

/* socket.create */

struct create_args {
	int	family, type, protocol, scope;
};

static const struct param create_params[] = {
	{ "family", PT_FAMILY, P_REQUIRED, offsetof(struct create_args, family),
	  .names = family_names, .desc = "address family: inet, inet6, unix" },
	{ "type", PT_SOCKTYPE, P_REQUIRED, offsetof(struct create_args, type),
	  .names = socktype_names,
	  .desc = "socket type: stream, dgram, seqpacket, or raw (root's clients only)" },
	{ "protocol", PT_PROTOCOL, P_DEFAULT, offsetof(struct create_args, protocol),
	  .def = 0, .names = protocol_names, .desc = "protocol: tcp, udp, ... (0: the default)" },
	SCOPE_ROW(struct create_args, scope),
	END_PARAMS
};

static const struct result_field create_result[] = {
	{ "handle", RT_INTEGER, "the new socket's handle" },
	{ "fileno", RT_INTEGER, "its descriptor inside the daemon" },
	{ "family", RT_STRING | RT_INTEGER, "address family" },
	{ "type", RT_STRING | RT_INTEGER, "socket type" },
	{ "protocol", RT_STRING | RT_INTEGER, "protocol (0: the default)" },
	END_RESULT
};

struct raw_call {
	const struct create_args	*a;
	int				 fd;
};

static int
raw_again(void *arg)
{
	struct raw_call *r = arg;

	r->fd = socket(r->a->family, r->a->type | SOCK_NONBLOCK | SOCK_CLOEXEC, r->a->protocol);
	return r->fd == -1 ? -1 : 0;
}

/* socket(2) again with the capability the policy's "raw" grant lends;
 * NULL with e set (1011 when it is not granted). */
static struct sock *
create_granted_raw(struct call *c, const struct create_args *a, struct s6err *e)
{
	struct grant_req req = { .kind = GRANT_RAW };
	struct raw_call r = { a, -1 };
	int errnum = e->errnum;

	if (sock_check_quota(c->d, c->conn->uid, e) == -1)
		return NULL;
	switch (grant_retry(c->d, &c->conn->creds, &req, errnum, raw_again, &r, e)) {
	case GRANT_DONE:
		return sock_wrap_fd(c->d, r.fd, a->family, a->type, a->protocol, c->conn->uid, e);
	case GRANT_FAILED:
		err_sys(e, errno, "socket", "cannot create socket", false);
		return NULL;
	case GRANT_REFUSED:
		e->syscall = "socket";
		break;
	}
	return NULL;
}

static const struct answer *
socket_create(struct call *c, void *argp)
{
	struct create_args *a = argp;
	struct sock *s;
	struct s6err e;
	json_object *o;

	s = sock_create(c->d, a->family, a->type, a->protocol, c->conn->uid, &e);
	/* A raw IP socket the kernel refuses the client: the policy's "raw"
	 * (never a packet socket, which would see every frame on the host). */
	if (s == NULL && a->type == SOCK_RAW && (a->family == AF_INET || a->family == AF_INET6) &&
	    (e.errnum == EPERM || e.errnum == EACCES))
		s = create_granted_raw(c, a, &e);
	if (s == NULL)
		return call_fail(c, &e);
	sock_set_scope(s, (enum sock_scope)a->scope, conn_scoped(c->conn));
	o = json_object_new_object();
	json_object_object_add(o, "handle", json_object_new_int64((int64_t)s->handle));
	json_object_object_add(o, "fileno", json_object_new_int(s->fd));
	json_object_object_add(o, "family", enum_to_json(family_names, s->family));
	json_object_object_add(o, "type", enum_to_json(socktype_names, s->type));
	json_object_object_add(o, "protocol", enum_to_json(protocol_names, s->protocol));
	return call_ok(c, o);
}

const struct method m_socket_create = {
	"socket.create", socket_create, create_params, sizeof(struct create_args),
	"Create a socket",
	"Creates a non-blocking, close-on-exec socket held by the daemon under a new handle "
	"owned by the caller's uid (the egg's socket).",
	create_result, (const int[]){ S6_NET, S6_LIMIT, 0 },
};

/* socket.close */

struct close_args {
	struct sock	*s;
	int		 force;
	int64_t		 id;
};

static const struct param close_params[] = {
	{ "handle", PT_HANDLE, P_REQUIRED | P_LENIENT, offsetof(struct close_args, s),
	  .desc = "the socket's handle" },
	{ "force", PT_BOOL, P_DEFAULT, offsetof(struct close_args, force), .def = 0,
	  .desc = "true: never an error, even for an unknown handle (socket-close*)" },
	END_PARAMS
};

static const struct answer *
socket_close(struct call *c, void *argp)
{
	struct close_args *a = argp;
	struct s6err e;

	if (a->s == NULL) {
		if (a->force)
			return call_ok(c, result_empty());
		err_handle(&e, (uint64_t)jv_get(c->params, "handle")->u.i);
		return call_fail(c, &e);
	}
	if (sock_close(a->s) == -1 && !a->force) {
		err_sys(&e, errno, "close", "could not close socket", false);
		return call_fail(c, &e);
	}
	return call_ok(c, result_empty());
}

const struct method m_socket_close = {
	"socket.close", socket_close, close_params, sizeof(struct close_args),
	"Close a socket",
	"Closes the socket and retires its handle for good; operations waiting on it fail "
	"with 1010. A bound UNIX socket's file is removed if it is still that socket: through "
	"the directory it was made in, with the rights of the client that bound it.",
	(const struct result_field[]){ END_RESULT }, net_errors,
};

/* socket.info and socket.list */

struct handle_args {
	struct sock	*s;
};

static const struct param handle_params[] = {
	HANDLE_ROW(struct handle_args, s),
	END_PARAMS
};

static const struct result_field info_result[] = {
	{ "handle", RT_INTEGER, "" }, { "fileno", RT_INTEGER, "" },
	{ "family", RT_STRING | RT_INTEGER, "" }, { "type", RT_STRING | RT_INTEGER, "" },
	{ "protocol", RT_STRING | RT_INTEGER, "" },
	{ "scope", RT_STRING, "daemon or connection" }, { "owner", RT_INTEGER, "the owner's uid" },
	{ "state", RT_STRING, "open, bound, listening, connecting or connected" },
	{ "local", RT_SOCKADDR | RT_NULL, "null when unbound" },
	{ "peer", RT_SOCKADDR | RT_NULL, "null when unconnected" },
	{ "shut_rd", RT_BOOLEAN, "" }, { "shut_wr", RT_BOOLEAN, "" },
	{ "subscribed", RT_BOOLEAN, "a connection follows it (socket.subscribe)" },
	{ "attached", RT_BOOLEAN, "a connection is its byte pipe (socket.attach)" },
	{ "credit", RT_INTEGER | RT_NULL, "the subscription's credit; null when unlimited or unsubscribed" },
	{ "dropped", RT_INTEGER, "datagrams the kernel dropped for want of room (SO_RXQ_OVFL)" },
	{ "bytes_in", RT_INTEGER, "bytes received" }, { "bytes_out", RT_INTEGER, "bytes sent" },
	{ "buffered", RT_INTEGER, "bytes read from the socket and not yet delivered" },
	END_RESULT
};

static const struct answer *
socket_info(struct call *c, void *argp)
{
	struct handle_args *a = argp;

	return call_ok(c, sock_info(a->s));
}

const struct method m_socket_info = {
	"socket.info", socket_info, handle_params, sizeof(struct handle_args),
	"Describe a socket", "Everything the daemon knows about one handle.",
	info_result, handle_errors,
};

/* One reply describes at most LIST_PAGE_MAX sockets: describing one costs
 * two system calls and a score of JSON values, and a list of every handle a
 * user may hold, made in one turn, would hold the loop for everyone. */
#define LIST_PAGE_MAX		1024
#define LIST_PAGE_DEFAULT	256

struct list_args {
	int64_t	after;
	int64_t	limit;
};

static const struct param list_params[] = {
	{ "after", PT_INT, P_DEFAULT, offsetof(struct list_args, after), 0, INT64_MAX, 0,
	  .desc = "list handles above this one (the previous page's next)" },
	{ "limit", PT_INT, P_DEFAULT, offsetof(struct list_args, limit), 1, LIST_PAGE_MAX,
	  LIST_PAGE_DEFAULT, .desc = "most sockets in this page" },
	END_PARAMS
};

/* A page from the caller's own id-ordered list (root's: the daemon's),
 * found from `after` and cut at `limit`: its cost never depends on the
 * handles of other users. */
static const struct answer *
socket_list(struct call *c, void *argp)
{
	struct list_args *a = argp;
	json_object *arr = json_object_new_array(), *o;
	struct sock *s;
	uint64_t last = 0, next = 0;
	size_t listed = 0;

	for (s = sock_first_listed(c->d, c->conn->uid, (uint64_t)a->after); s != NULL;
	    s = sock_next_listed(s, c->conn->uid)) {
		if (listed == (size_t)a->limit) {
			next = last;
			break;
		}
		json_object_array_add(arr, sock_info(s));
		last = s->handle;
		listed++;
	}
	o = result_one("sockets", arr);
	/* "next" is the last handle listed when more follow: the next page's
	 * "after"; null at the end. */
	json_object_object_add(o, "next", next != 0 ?
	    json_object_new_int64((int64_t)next) : NULL);
	return call_ok(c, o);
}

const struct method m_socket_list = {
	"socket.list", socket_list, list_params, sizeof(struct list_args),
	"List the caller's sockets",
	"socket.info for the handles the caller owns (root: every handle), by handle, "
	"a page at a time: at most limit sockets above after; next, when not null, is "
	"the after of the next page.",
	(const struct result_field[]){ { "sockets", RT_ARRAY, "socket.info objects" },
	    { "next", RT_INTEGER | RT_NULL, "the next page's after; null when this page is the last" },
	    END_RESULT },
	(const int[]){ 0 },
};

/* socket.bind */

struct bind_args {
	struct sock	*s;
	struct s6_sockaddr	 addr;
};

static const struct param bind_params[] = {
	HANDLE_ROW(struct bind_args, s),
	{ "address", PT_SOCKADDR, P_REQUIRED, offsetof(struct bind_args, addr),
	  .desc = "numeric address: \"127.0.0.1:0\", \"[::1]:80\", \"/path\", \"@abstract\" or an object" },
	END_PARAMS
};

static const struct answer *
socket_bind(struct call *c, void *argp)
{
	struct bind_args *a = argp;
	json_object *bound;
	struct s6err e;

	if (sock_bind(a->s, &a->addr, &c->conn->creds, &e) == -1)
		return call_fail(c, &e);
	if (sock_address(a->s, false, &bound, &e) == -1)
		return call_fail(c, &e);
	if (bound == NULL)	/* an abstract or port-0 oddity: echo what was asked */
		bound = s6_addr_to_json((struct sockaddr *)&a->addr.ss, a->addr.len);
	return call_ok(c, result_one("address", bound));
}

const struct method m_socket_bind = {
	"socket.bind", socket_bind, bind_params, sizeof(struct bind_args),
	"Bind a socket to an address",
	"Binds the socket (the egg's socket-bind). Port 0 lets the system choose; the result "
	"is the address as bound, port filled in.",
	(const struct result_field[]){ { "address", RT_SOCKADDR, "as bound" }, END_RESULT },
	net_errors,
};

/* socket.listen */

struct listen_args {
	struct sock	*s;
	int64_t		 backlog;
};

static const struct param listen_params[] = {
	HANDLE_ROW(struct listen_args, s),
	{ "backlog", PT_INT, P_DEFAULT, offsetof(struct listen_args, backlog),
	  .min = 0, .max = 65535, .def = 10, .desc = "pending connections the kernel queues" },
	END_PARAMS
};

static const struct answer *
socket_listen(struct call *c, void *argp)
{
	struct listen_args *a = argp;
	struct s6err e;

	if (listen(a->s->fd, (int)a->backlog) == -1) {
		err_sys(&e, errno, "listen", "cannot listen on socket", false);
		e.handle = a->s->handle;
		return call_fail(c, &e);
	}
	a->s->state = SS_LISTENING;
	return call_ok(c, result_empty());
}

const struct method m_socket_listen = {
	"socket.listen", socket_listen, listen_params, sizeof(struct listen_args),
	"Listen for connections", "Marks a stream socket as listening (the egg's socket-listen).",
	(const struct result_field[]){ END_RESULT }, net_errors,
};

/* socket.shutdown */

struct shutdown_args {
	struct sock	*s;
	int		 how;
};

static const struct param shutdown_params[] = {
	HANDLE_ROW(struct shutdown_args, s),
	{ "how", PT_ENUM, P_REQUIRED, offsetof(struct shutdown_args, how),
	  .names = shutdown_names, .desc = "rd, wr or rdwr" },
	END_PARAMS
};

static const struct answer *
socket_shutdown(struct call *c, void *argp)
{
	struct shutdown_args *a = argp;
	struct s6err e;

	/* ENOTCONN is ignored: the peer may have shut down already. */
	if (shutdown(a->s->fd, a->how) == -1 && errno != ENOTCONN) {
		err_sys(&e, errno, "shutdown", "unable to shutdown socket", false);
		e.handle = a->s->handle;
		return call_fail(c, &e);
	}
	if (a->how != SHUT_WR)
		a->s->shut_rd = true;
	if (a->how != SHUT_RD)
		a->s->shut_wr = true;
	return call_ok(c, result_empty());
}

const struct method m_socket_shutdown = {
	"socket.shutdown", socket_shutdown, shutdown_params, sizeof(struct shutdown_args),
	"Shut down one or both directions",
	"shutdown(2); ENOTCONN is not an error (the egg's socket-shutdown).",
	(const struct result_field[]){ END_RESULT }, net_errors,
};

/* socket.name and socket.peer_name */

static const struct answer *
socket_name_common(struct call *c, struct sock *s, bool peer)
{
	json_object *addr;
	struct s6err e;

	if (sock_address(s, peer, &addr, &e) == -1)
		return call_fail(c, &e);
	return call_ok(c, result_one("address", addr));
}

static const struct answer *
socket_name(struct call *c, void *argp)
{
	return socket_name_common(c, ((struct handle_args *)argp)->s, false);
}

static const struct answer *
socket_peer_name(struct call *c, void *argp)
{
	return socket_name_common(c, ((struct handle_args *)argp)->s, true);
}

const struct method m_socket_name = {
	"socket.name", socket_name, handle_params, sizeof(struct handle_args),
	"The socket's own address",
	"getsockname(2): null when unbound; a bound UNIX socket gives its path.",
	(const struct result_field[]){ { "address", RT_SOCKADDR | RT_NULL, "null when there is none" },
	    END_RESULT },
	net_errors,
};

const struct method m_socket_peer_name = {
	"socket.peer_name", socket_peer_name, handle_params, sizeof(struct handle_args),
	"The connected peer's address",
	"getpeername(2): null when not connected (ENOTCONN).",
	(const struct result_field[]){ { "address", RT_SOCKADDR | RT_NULL, "null when there is none" },
	    END_RESULT },
	net_errors,
};
