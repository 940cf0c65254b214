/* rpc-udp.c: the udp6 egg's surface: udp.open, and udp.bind, udp.connect
 * and udp.send_to (each a lookup in the socket's family, then a step on its
 * first address), and udp.receive_from with the sender's host and port. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "connect-ai.h"
#include "rpc-common.h"
#include "wait.h"

/* udp.open */

struct open_args {
	const char	*family;
	int		 scope;
};

static const struct param open_params[] = {
	{ "family", PT_STRING, 0, offsetof(struct open_args, family), .max = 64,
	  .desc = "inet (the default) or inet6 (or af/inet, af/inet6)" },
	SCOPE_ROW(struct open_args, scope),
	END_PARAMS
};

static const struct answer *
udp_open(struct call *c, void *argp)
{
	struct open_args *a = argp;
	struct sock *s;
	struct s6err e;
	int family;

	if (a->family == NULL || strcmp(a->family, "inet") == 0 ||
	    strcmp(a->family, "af/inet") == 0)
		family = AF_INET;
	else if (strcmp(a->family, "inet6") == 0 || strcmp(a->family, "af/inet6") == 0)
		family = AF_INET6;
	else {
		err_set(&e, S6_NET, "invalid address family");
		return call_fail(c, &e);
	}
	if ((s = sock_create(c->d, family, SOCK_DGRAM, 0, c->conn->uid, &e)) == NULL)
		return call_fail(c, &e);
	sock_set_scope(s, (enum sock_scope)a->scope, conn_scoped(c->conn));
	return call_ok(c, result_one("handle", json_object_new_int64((int64_t)s->handle)));
}

const struct method m_udp_open = {
	"udp.open", udp_open, open_params, sizeof(struct open_args),
	"Open a UDP socket",
	"The udp6 egg's udp-open-socket: a datagram socket of family inet or inet6; any "
	"other family is 1000 \"invalid address family\".",
	(const struct result_field[]){ { "handle", RT_INTEGER, "the socket's handle" },
	    END_RESULT },
	(const int[]){ S6_NET, S6_LIMIT, 0 },
};

/* udp.bind, udp.connect and udp.send_to: a lookup, then one step */

struct udp_args;
typedef json_object *(*udp_step_fn)(struct sock *s, const struct addrinfo *ai,
    struct udp_args *a, struct s6err *e);

struct udp_args {
	struct sock	*s;
	const char	*host;
	const char	*port;
	struct bytes	 data;
	uint64_t	 id;		/* the handle, looked up again after the wait */
	udp_step_fn	 step;
	const char	*empty;		/* the error when nothing is found */
	const struct creds *who;	/* the caller, for a bind a grant may allow */
};

#define UDP_HOST_ROW(flags, what) \
	{ "host", PT_STRING, flags, offsetof(struct udp_args, host), .max = 1024, .desc = what }
#define UDP_PORT_ROW(flags, what) \
	{ "port", PT_SERVICE, flags, offsetof(struct udp_args, port), .max = 255, .desc = what }

/* The lookup answered: the handle must still be there, then the step. */
static void
udp_done(struct resolve_job *job)
{
	struct call *c = job->ctx;
	struct udp_args *a = c->args;
	const struct addrinfo *ai;
	json_object *result = NULL;
	struct sock *s;
	struct s6err e;

	a->who = c->conn != NULL ? &c->conn->creds : NULL;
	if ((s = cai_handle(c, a->id, &e)) != NULL &&
	    (ai = cai_lookup_first(job, a->empty, &e)) != NULL)
		result = a->step(s, ai, a, &e);
	if (result == NULL)
		call_complete_fail(c, &e);
	else
		call_complete_ok(c, result);
}

/* Look node and service up in the socket's family (datagram), then step. */
static const struct answer *
udp_lookup(struct call *c, struct udp_args *a, const char *node, const char *service,
    int flags, udp_step_fn step, const char *empty)
{
	a->id = a->s->handle;
	a->step = step;
	a->empty = empty;
	return cai_lookup_park(c, node, service, a->s->family, SOCK_DGRAM, flags, udp_done);
}

static json_object *
bind_step(struct sock *s, const struct addrinfo *ai, struct udp_args *a, struct s6err *e)
{
	json_object *bound;

	if (cai_bind(s, ai->ai_addr, ai->ai_addrlen, a->who, e) == -1 ||
	    sock_address(s, false, &bound, e) == -1) {
		e->handle = s->handle;
		return NULL;
	}
	if (bound == NULL)
		bound = s6_addr_to_json(ai->ai_addr, ai->ai_addrlen);
	return result_one("address", bound);
}

static json_object *
connect_step(struct sock *s, const struct addrinfo *ai, struct udp_args *a,
    struct s6err *e)
{
	json_object *peer;
	int rc;

	do
		rc = connect(s->fd, ai->ai_addr, ai->ai_addrlen);
	while (rc == -1 && errno == EINTR);
	if (rc == -1) {
		err_sys(e, errno, "connect", "cannot initiate connection", true);
		e->handle = s->handle;
		return NULL;
	}
	s->state = SS_CONNECTED;
	if (sock_address(s, true, &peer, e) == -1)
		peer = NULL;
	return result_one("peer", peer);
}

static const struct param bind_params[] = {
	HANDLE_ROW(struct udp_args, s),
	UDP_HOST_ROW(P_NULLABLE,
	    "address or name to bind to (null: the unspecified address of its family)"),
	UDP_PORT_ROW(P_REQUIRED, "port number or service name (0: the system chooses)"),
	END_PARAMS
};

static const struct answer *
udp_bind(struct call *c, void *argp)
{
	struct udp_args *a = argp;

	return udp_lookup(c, a, a->host, a->port, AI_PASSIVE, bind_step,
	    "node or service lookup failed");
}

const struct method m_udp_bind = {
	"udp.bind", udp_bind, bind_params, sizeof(struct udp_args),
	"Bind a UDP socket",
	"The udp6 egg's udp-bind!: looks up host and port in the socket's family (passive, "
	"datagram) and binds to the first address. Nothing found is 1000 \"node or service "
	"lookup failed\"; an address of the other family fails the lookup (1004).",
	(const struct result_field[]){ { "address", RT_SOCKADDR, "as bound, port filled in" },
	    END_RESULT },
	(const int[]){ S6_NET, S6_RESOLVE, S6_NO_SUCH_HANDLE, S6_LIMIT, 0 },
};

static const struct param connect_params[] = {
	HANDLE_ROW(struct udp_args, s),
	UDP_HOST_ROW(P_REQUIRED, "host name or address; without port, \"host:port\" or "
	    "\"[v6]:port\""),
	UDP_PORT_ROW(P_NULLABLE, "port number or service name (absent or null: from host)"),
	END_PARAMS
};

static const struct answer *
udp_connect(struct call *c, void *argp)
{
	struct udp_args *a = argp;
	const char *node, *service;
	struct hostport hp;
	struct s6err e;

	if (cai_host_port(a->host, a->port, &hp, &node, &service, &e) == -1)
		return call_fail(c, &e);
	return udp_lookup(c, a, node, service, 0, connect_step,
	    "node and/or service lookup failed");
}

const struct method m_udp_connect = {
	"udp.connect", udp_connect, connect_params, sizeof(struct udp_args),
	"Connect a UDP socket to a peer",
	"The udp6 egg's udp-connect!: without port, host is split as \"host:port\" or "
	"\"[v6]:port\" (no port is 1000 \"no port specified\"); looks up in the socket's "
	"family and connects to the first address found.",
	(const struct result_field[]){ { "peer", RT_SOCKADDR, "the peer" }, END_RESULT },
	(const int[]){ S6_NET, S6_TRANSIENT, S6_RESOLVE, S6_NO_SUCH_HANDLE, S6_LIMIT, 0 },
};

static const struct param send_to_params[] = {
	HANDLE_ROW(struct udp_args, s),
	UDP_HOST_ROW(P_REQUIRED | P_NULLABLE, "host name or address (null: loopback)"),
	UDP_PORT_ROW(P_REQUIRED, "port number or service name"),
	{ "data", PT_BYTES, 0, offsetof(struct udp_args, data),
	  .desc = "the datagram, base64; or \"text\": a UTF-8 string" },
	END_PARAMS
};

/* The lookup answered: send to its first address, waiting for the socket
 * (up to the session's send_timeout) as socket.send_to does. */
static void
udp_send_done(struct resolve_job *job)
{
	struct call *c = job->ctx;
	struct udp_args *a = c->args;
	const struct addrinfo *ai;
	struct s6_sockaddr to;
	struct waiter *w;
	struct sock *s;
	struct s6err e;

	if ((s = cai_handle(c, a->id, &e)) == NULL ||
	    (ai = cai_lookup_first(job, "node and/or service lookup failed", &e)) == NULL) {
		call_complete_fail(c, &e);
		return;
	}
	memcpy(&to.ss, ai->ai_addr, ai->ai_addrlen);
	to.len = ai->ai_addrlen;
	if ((w = send_waiter_new(c, s, &a->data, &to, 0, TIMEOUT_SESSION, false, 0, &e)) == NULL) {
		call_complete_fail(c, &e);
		return;
	}
	waiter_continue(w);
}

static const struct answer *
udp_send_to(struct call *c, void *argp)
{
	struct udp_args *a = argp;
	struct s6err e;

	if (a->data.p == NULL) {
		err_param(&e, "data", "missing param data (or text)");
		return call_fail(c, &e);
	}
	a->id = a->s->handle;
	return cai_lookup_park(c, a->host, a->port, a->s->family, SOCK_DGRAM, 0, udp_send_done);
}

const struct method m_udp_send_to = {
	"udp.send_to", udp_send_to, send_to_params, sizeof(struct udp_args),
	"Send a datagram to a host and port",
	"The udp6 egg's udp-sendto: looks up host and port in the socket's family and "
	"sends one datagram to the first address found, waiting up to the session's "
	"send_timeout for the socket to take it.",
	(const struct result_field[]){ { "bytes", RT_INTEGER, "bytes sent" }, END_RESULT },
	(const int[]){ S6_NET, S6_RESOLVE, S6_TIMEOUT, S6_NO_SUCH_HANDLE, S6_LIMIT, 0 },
};

/* udp.receive_from */

struct receive_args {
	struct sock	*s;
	int64_t		 length;
	int64_t		 timeout;
	int		 encoding;
};

static const struct param receive_params[] = {
	HANDLE_ROW(struct receive_args, s),
	{ "length", PT_INT, P_REQUIRED, offsetof(struct receive_args, length),
	  .min = 1, .max = 64 << 20, .limit = "max_receive",
	  .desc = "most bytes to receive" },
	TIMEOUT_ROW(struct receive_args, timeout, "a datagram"),
	ENCODING_ROW(struct receive_args, encoding),
	END_PARAMS
};

static const struct answer *
udp_receive_from(struct call *c, void *argp)
{
	struct receive_args *a = argp;

	return receive_start(c, a->s, a->length, 0, a->timeout, a->encoding == 1,
	    RECEIVE_HOST_PORT);
}

const struct method m_udp_receive_from = {
	"udp.receive_from", udp_receive_from, receive_params, sizeof(struct receive_args),
	"Receive a datagram and its sender's host and port",
	"The udp6 egg's udp-recvfrom: one datagram of at most length bytes (the rest of a "
	"longer one is lost), waiting inside the daemon up to the timeout (default: the "
	"session's receive_timeout). host is numeric, without brackets; null when the "
	"socket reports no sender.",
	(const struct result_field[]){
		{ "data", RT_BYTES, "the datagram, base64 (unless given as text)" },
		{ "text", RT_STRING, "with encoding text: the datagram, when valid UTF-8" },
		{ "bytes", RT_INTEGER, "bytes received" },
		{ "host", RT_STRING | RT_NULL, "the sender's host" },
		{ "port", RT_INTEGER | RT_NULL, "the sender's port" }, END_RESULT },
	(const int[]){ S6_NET, S6_TIMEOUT, S6_NO_SUCH_HANDLE, S6_LIMIT, 0 },
};
