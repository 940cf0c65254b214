/* rpc-tcp.c: the tcp6 egg's surface: tcp.listen, tcp.accept,
 * tcp.accept_ready, tcp.connect (host:port parsing, lookup, then the
 * connect-ai engine), tcp.addresses, tcp.port_numbers, tcp.listener_port. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <unistd.h>

#include "connect-ai.h"
#include "rpc-common.h"
#include "wait.h"

struct handle_args {
	struct sock	*s;
};

static const struct param handle_params[] = {
	HANDLE_ROW(struct handle_args, s),
	END_PARAMS
};

/* Whether IPV6_V6ONLY can be set here, probed once as tcp6 does at load. */
static bool
v6only_supported(void)
{
	static int known = -1;
	int fd, off = 0;

	if (known == -1) {
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		known = fd != -1 &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0;
		if (fd != -1)
			close(fd);
	}
	return known == 1;
}

static int
set_int_option(struct sock *s, int level, int name, int value, struct s6err *e)
{
	if (setsockopt(s->fd, level, name, &value, sizeof(value)) == -1) {
		err_sys(e, errno, "setsockopt", "cannot set socket option", false);
		return -1;
	}
	return 0;
}

/* tcp.listen */

struct listen_args {
	const char	*port;
	int64_t		 backlog;
	const char	*host;
	int		 scope;
	int		 v6only;	/* the session's bind_ipv6_only at the call */
};

static const struct param listen_params[] = {
	{ "port", PT_SERVICE, P_REQUIRED, offsetof(struct listen_args, port), .max = 255,
	  .desc = "port number or service name (0: the system chooses)" },
	{ "backlog", PT_INT, P_DEFAULT, offsetof(struct listen_args, backlog),
	  .min = 0, .max = 65535, .def = 10, .desc = "pending connections the kernel queues" },
	{ "host", PT_STRING, P_NULLABLE, offsetof(struct listen_args, host), .max = 1024,
	  .desc = "address or name to listen on (null: the first passive address, "
	  "0.0.0.0 on glibc)" },
	SCOPE_ROW(struct listen_args, scope),
	END_PARAMS
};

/* The lookup answered: a listener on its first address only, as tcp6. */
static void
listen_done(struct resolve_job *job)
{
	struct call *c = job->ctx;
	struct listen_args *a = c->args;
	const struct addrinfo *ai;
	struct sock *s = NULL;
	json_object *o, *addr;
	struct s6err e;

	if ((ai = cai_lookup_first(job, "node or service lookup failed", &e)) == NULL ||
	    (s = sock_create(c->d, ai->ai_family, SOCK_STREAM, 0, c->conn->uid, &e)) == NULL)
		goto fail;
	if (ai->ai_family == AF_INET6 && v6only_supported() &&
	    set_int_option(s, IPPROTO_IPV6, IPV6_V6ONLY, a->v6only, &e) == -1)
		goto fail;
	if (set_int_option(s, SOL_SOCKET, SO_REUSEADDR, 1, &e) == -1 ||
	    cai_bind(s, ai->ai_addr, ai->ai_addrlen, &c->conn->creds, &e) == -1)
		goto fail;
	if (listen(s->fd, (int)a->backlog) == -1) {
		err_sys(&e, errno, "listen", "cannot listen on socket", false);
		goto fail;
	}
	if (sock_address(s, false, &addr, &e) == -1)
		goto fail;
	s->state = SS_LISTENING;
	sock_set_scope(s, (enum sock_scope)a->scope, conn_scoped(c->conn));
	o = json_object_new_object();
	json_object_object_add(o, "handle", json_object_new_int64((int64_t)s->handle));
	json_object_object_add(o, "address", addr);
	call_complete_ok(c, o);
	return;
fail:
	if (s != NULL)
		sock_close(s);
	call_complete_fail(c, &e);
}

static const struct answer *
tcp_listen(struct call *c, void *argp)
{
	struct listen_args *a = argp;
	struct s6err e;
	int family = AF_UNSPEC;

	if (sock_check_quota(c->d, c->conn->uid, &e) == -1)
		return call_fail(c, &e);
	/* tcp6: a null host listens on IPv4 when v6-only is wanted or cannot be
	 * turned off (and on glibc the first passive address is 0.0.0.0 anyway). */
	a->v6only = c->conn->session.bind_ipv6_only;
	if (a->host == NULL && (a->v6only || !v6only_supported()))
		family = AF_INET;
	return cai_lookup_park(c, a->host, a->port, family, SOCK_STREAM, AI_PASSIVE,
	    listen_done);
}

const struct method m_tcp_listen = {
	"tcp.listen", tcp_listen, listen_params, sizeof(struct listen_args),
	"Listen for TCP connections",
	"The tcp6 egg's tcp-listen: looks up host and port (passive, stream), uses only the "
	"first address, sets IPV6_V6ONLY on an IPv6 listener to the session's "
	"bind_ipv6_only, always sets SO_REUSEADDR, binds and listens. Nothing found is "
	"1000 \"node or service lookup failed\".",
	(const struct result_field[]){ { "handle", RT_INTEGER, "the listener's handle" },
	    { "address", RT_SOCKADDR, "the address listened on, port filled in" }, END_RESULT },
	(const int[]){ S6_NET, S6_RESOLVE, S6_LIMIT, 0 },
};

/* tcp.accept */

struct accept_args {
	struct sock	*s;
	int64_t		 timeout;
};

static const struct param accept_params[] = {
	HANDLE_ROW(struct accept_args, s),
	TIMEOUT_ROW(struct accept_args, timeout, "a connection"),
	END_PARAMS
};

static const struct answer *
tcp_accept(struct call *c, void *argp)
{
	struct accept_args *a = argp;

	return accept_start(c, a->s, a->timeout, true);
}

const struct method m_tcp_accept = {
	"tcp.accept", tcp_accept, accept_params, sizeof(struct accept_args),
	"Accept a TCP connection",
	"The tcp6 egg's tcp-accept: waits inside the daemon up to the timeout (default: the "
	"session's accept_timeout). The new handle belongs to the caller and has the "
	"listener's scope.",
	(const struct result_field[]){ { "handle", RT_INTEGER, "the connection's handle" },
	    { "local", RT_SOCKADDR, "its local address" },
	    { "peer", RT_SOCKADDR, "the peer's address" }, END_RESULT },
	(const int[]){ S6_NET, S6_TIMEOUT, S6_NO_SUCH_HANDLE, S6_LIMIT, 0 },
};

/* tcp.accept_ready: socket.accept_ready's check (its args are the handle alone). */
static const struct answer *
tcp_accept_ready(struct call *c, void *argp)
{
	return m_socket_accept_ready.fn(c, argp);
}

const struct method m_tcp_accept_ready = {
	"tcp.accept_ready", tcp_accept_ready, handle_params, sizeof(struct handle_args),
	"Whether a tcp.accept would not wait",
	"The tcp6 egg's tcp-accept-ready?, a zero-timeout check; the accept may still wait "
	"if the peer resets meanwhile.",
	(const struct result_field[]){ { "ready", RT_BOOLEAN, "" }, END_RESULT },
	(const int[]){ S6_NET, S6_NO_SUCH_HANDLE, 0 },
};

/* tcp.connect */

struct connect_args {
	const char	*host;
	const char	*port;
	int64_t		 timeout;
	int		 scope;
	int		 happy;
};

static const struct param connect_params[] = {
	{ "host", PT_STRING, P_REQUIRED, offsetof(struct connect_args, host), .max = 1024,
	  .desc = "host name or address; without port, \"host:port\" or \"[v6]:port\"" },
	{ "port", PT_SERVICE, P_NULLABLE, offsetof(struct connect_args, port), .max = 255,
	  .desc = "port number or service name (absent or null: taken from host)" },
	TIMEOUT_ROW(struct connect_args, timeout, "each connection attempt"),
	SCOPE_ROW(struct connect_args, scope),
	{ "happy_eyeballs", PT_BOOL, P_DEFAULT, offsetof(struct connect_args, happy),
	  .def = 0, .desc = "race the addresses found (RFC 8305) instead of one by one" },
	END_PARAMS
};

/* The lookup answered: connect to its stream addresses in turn. */
static void
connect_done(struct resolve_job *job)
{
	struct call *c = job->ctx;
	struct connect_args *a = c->args;
	struct cai_request r = {
		.timeout_ms = a->timeout, .happy = a->happy, .with_local = true,
		.scope = (enum sock_scope)a->scope,
	};
	struct s6err e;

	if (cai_lookup_targets(job, SOCK_STREAM, "node and/or service lookup failed", &r,
	    &e) == -1) {
		call_complete_fail(c, &e);
		return;
	}
	cai_connect(c, &r);
}

static const struct answer *
tcp_connect(struct call *c, void *argp)
{
	struct connect_args *a = argp;
	const char *node, *service;
	struct hostport hp;
	struct s6err e;

	if (cai_host_port(a->host, a->port, &hp, &node, &service, &e) == -1 ||
	    sock_check_quota(c->d, c->conn->uid, &e) == -1)
		return call_fail(c, &e);
	/* The session's timeout as it is now, as the egg parameterizes it. */
	a->timeout = timeout_or(a->timeout, c->conn->session.connect_timeout);
	return cai_lookup_park(c, node, service, AF_UNSPEC, SOCK_STREAM, 0, connect_done);
}

const struct method m_tcp_connect = {
	"tcp.connect", tcp_connect, connect_params, sizeof(struct connect_args),
	"Connect to a TCP server",
	"The tcp6 egg's tcp-connect: without port, host is split as \"host:port\" or "
	"\"[v6]:port\" (no port is 1000 \"no port specified\"); an explicit port takes host "
	"literally. The stream addresses found are tried in turn as by socket.connect_ai "
	"(nothing found is 1000 \"node and/or service lookup failed\").",
	(const struct result_field[]){ { "handle", RT_INTEGER, "the connection's handle" },
	    { "local", RT_SOCKADDR, "its local address" },
	    { "peer", RT_SOCKADDR, "the address it connected to" }, END_RESULT },
	(const int[]){ S6_NET, S6_TRANSIENT, S6_TIMEOUT, S6_RESOLVE, S6_LIMIT, 0 },
};

/* tcp.addresses, tcp.port_numbers, tcp.listener_port */

/* The numeric host and the port of one end of a TCP socket (peer false:
 * its own), both null when that end has no address.  -1 with e. */
static int
tcp_end(struct sock *s, bool peer, json_object **host, json_object **port, struct s6err *e)
{
	json_object *addr, *v;

	*host = *port = NULL;
	if ((s->family != AF_INET && s->family != AF_INET6) || s->type != SOCK_STREAM) {
		err_param(e, "handle", "handle is not a TCP socket");
		return -1;
	}
	if (sock_address(s, peer, &addr, e) == -1)
		return -1;
	if (addr == NULL)
		return 0;
	if (json_object_object_get_ex(addr, "address", &v))
		*host = json_object_get(v);
	if (json_object_object_get_ex(addr, "port", &v))
		*port = json_object_get(v);
	json_object_put(addr);
	return 0;
}

/* {local, remote}: the hosts, or with ports the port numbers. */
static const struct answer *
tcp_ends(struct call *c, struct sock *s, bool ports)
{
	json_object *lhost, *lport, *rhost, *rport, *o;
	struct s6err e;

	if (tcp_end(s, false, &lhost, &lport, &e) == -1)
		return call_fail(c, &e);
	if (tcp_end(s, true, &rhost, &rport, &e) == -1) {
		json_object_put(lhost);
		json_object_put(lport);
		return call_fail(c, &e);
	}
	o = json_object_new_object();
	json_object_object_add(o, "local", ports ? lport : lhost);
	json_object_object_add(o, "remote", ports ? rport : rhost);
	json_object_put(ports ? lhost : lport);
	json_object_put(ports ? rhost : rport);
	return call_ok(c, o);
}

static const struct answer *
tcp_addresses(struct call *c, void *argp)
{
	return tcp_ends(c, ((struct handle_args *)argp)->s, false);
}

static const struct answer *
tcp_port_numbers(struct call *c, void *argp)
{
	return tcp_ends(c, ((struct handle_args *)argp)->s, true);
}

static const struct answer *
tcp_listener_port(struct call *c, void *argp)
{
	struct handle_args *a = argp;
	json_object *host, *port;
	struct s6err e;

	if (tcp_end(a->s, false, &host, &port, &e) == -1)
		return call_fail(c, &e);
	json_object_put(host);
	return call_ok(c, result_one("port", port));
}

static const int tcp_end_errors[] = { S6_NET, S6_NO_SUCH_HANDLE, 0 };

const struct method m_tcp_addresses = {
	"tcp.addresses", tcp_addresses, handle_params, sizeof(struct handle_args),
	"The numeric hosts of a TCP connection's two ends",
	"The tcp6 egg's tcp-addresses: numeric host strings without brackets (an IPv4 "
	"client of a dual-stack listener shows as \"::ffff:a.b.c.d\"); null for an end "
	"without an address.",
	(const struct result_field[]){ { "local", RT_STRING | RT_NULL, "the local host" },
	    { "remote", RT_STRING | RT_NULL, "the peer's host" }, END_RESULT },
	tcp_end_errors,
};

const struct method m_tcp_port_numbers = {
	"tcp.port_numbers", tcp_port_numbers, handle_params, sizeof(struct handle_args),
	"The port numbers of a TCP connection's two ends",
	"The tcp6 egg's tcp-port-numbers; null for an end without an address.",
	(const struct result_field[]){ { "local", RT_INTEGER | RT_NULL, "the local port" },
	    { "remote", RT_INTEGER | RT_NULL, "the peer's port" }, END_RESULT },
	tcp_end_errors,
};

const struct method m_tcp_listener_port = {
	"tcp.listener_port", tcp_listener_port, handle_params, sizeof(struct handle_args),
	"The port a TCP listener listens on",
	"The tcp6 egg's tcp-listener-port: the real port after tcp.listen with port 0 "
	"(null when unbound).",
	(const struct result_field[]){ { "port", RT_INTEGER, "" }, END_RESULT },
	tcp_end_errors,
};
