/* rpc-connect-ai.c: socket.connect_ai: a new socket connected to the first
 * address of a list that answers (the egg's socket-connect/ai), the list
 * checked element by element before anything is tried. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>

#include "connect-ai.h"
#include "jv.h"
#include "rpc-common.h"

struct connect_ai_args {
	const struct jv	*addresses;
	int64_t		 timeout;
	int		 scope;
	int		 happy;
};

#define BOUND_STR_(n)	#n
#define BOUND_STR(n)	BOUND_STR_(n)

static const struct param connect_ai_params[] = {
	{ "addresses", PT_ARRAY, P_REQUIRED, offsetof(struct connect_ai_args, addresses),
	  .desc = "in order of preference (at most " BOUND_STR(CAI_MAX_ADDRESSES) "): "
	  "addrinfo objects as "
	  "net.address_information returns them (type stream or dgram), or socket "
	  "addresses (taken as stream)" },
	TIMEOUT_ROW(struct connect_ai_args, timeout, "each attempt"),
	SCOPE_ROW(struct connect_ai_args, scope),
	{ "happy_eyeballs", PT_BOOL, P_DEFAULT, offsetof(struct connect_ai_args, happy),
	  .def = 0, .desc = "race the addresses (RFC 8305): families alternating, a new "
	  "attempt every 250 ms or as soon as one fails, the first to connect wins" },
	END_PARAMS
};

/* One addrinfo element of the list. */
struct ai_elem {
	int			 family, type, protocol;
	struct s6_sockaddr	 addr;
	const char		*canonname;
};

static const struct param ai_elem_rows[] = {
	{ "family", PT_FAMILY, 0, offsetof(struct ai_elem, family), .names = family_names,
	  .desc = "must match the address's" },
	{ "type", PT_SOCKTYPE, P_REQUIRED, offsetof(struct ai_elem, type),
	  .names = socktype_names, .desc = "stream or dgram" },
	{ "protocol", PT_PROTOCOL, P_DEFAULT, offsetof(struct ai_elem, protocol), .def = 0,
	  .names = protocol_names,
	  .desc = "ignored: every attempt uses protocol 0, as the egg" },
	{ "address", PT_SOCKADDR, P_REQUIRED, offsetof(struct ai_elem, addr),
	  .desc = "the socket address" },
	{ "canonname", PT_STRING, P_NULLABLE, offsetof(struct ai_elem, canonname),
	  .max = 1025, .desc = "ignored" },
	END_PARAMS
};

/* Element i of addresses as a target: an object with a "type" is an
 * addrinfo, anything else a socket address.  -1 with e (-32602). */
static int
target_of(struct call *c, const struct jv *v, uint32_t i, struct cai_target *t,
    struct s6err *e)
{
	char why_buf[sizeof(e->message)];
	const char *why;
	struct param_ctx pctx;
	struct ai_elem ai;

	if (v->type == JV_OBJECT && jv_get(v, "type") != NULL) {
		if (param_fill(call_param_ctx(c, &pctx), ai_elem_rows, v, &ai, e) == -1) {
			if (e->code != S6_INVALID_PARAMS)
				return -1;
			snprintf(why_buf, sizeof(why_buf), "%s", e->message);
			why = why_buf;
		} else if (ai.type != SOCK_STREAM && ai.type != SOCK_DGRAM)
			why = "type must be stream or dgram";
		else if (ai.family != PARAM_ABSENT_INT && ai.family != ai.addr.ss.ss_family)
			why = "family does not match the address";
		else {
			t->family = ai.addr.ss.ss_family;
			t->type = ai.type;
			t->addr = ai.addr;
			return 0;
		}
	} else if (param_sockaddr(v, &t->addr, &why) == 0) {
		t->family = t->addr.ss.ss_family;
		t->type = SOCK_STREAM;
		return 0;
	}
	err_param(e, "addresses", "addresses[%u]: %s", (unsigned)i, why);
	return -1;
}

static const struct answer *
socket_connect_ai(struct call *c, void *argp)
{
	struct connect_ai_args *a = argp;
	const struct jv *list = a->addresses;
	struct cai_request r = { .n = list->len };
	struct s6err e;
	uint32_t i;

	if (r.n > CAI_MAX_ADDRESSES) {
		err_param(&e, "addresses", "addresses must hold at most %d elements",
		    CAI_MAX_ADDRESSES);
		return call_fail(c, &e);
	}
	if (r.n > 0 && (r.targets = calloc(r.n, sizeof(*r.targets))) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		return call_fail(c, &e);
	}
	for (i = 0; i < list->len; i++)
		if (target_of(c, &list->u.kids[i], i, &r.targets[i], &e) == -1) {
			free(r.targets);
			return call_fail(c, &e);
		}
	r.timeout_ms = timeout_or(a->timeout, c->conn->session.connect_timeout);
	r.happy = a->happy;
	r.scope = (enum sock_scope)a->scope;
	return cai_connect(c, &r);
}

const struct method m_socket_connect_ai = {
	"socket.connect_ai", socket_connect_ai, connect_ai_params,
	sizeof(struct connect_ai_args),
	"Connect a new socket to one of several addresses",
	"The egg's socket-connect/ai: a fresh socket per address (its family and type, "
	"protocol 0), each attempt bounded by the timeout; a transient error or a timeout "
	"moves on to the next address, a fatal error stops at once; when every address "
	"fails the last error is reported unchanged; every socket but the winner is "
	"closed. An empty list is 1000 \"no addresses to connect to\". With "
	"happy_eyeballs the attempts overlap (RFC 8305).",
	(const struct result_field[]){ { "handle", RT_INTEGER, "the connected socket's handle" },
	    { "peer", RT_SOCKADDR, "the address it connected to" }, END_RESULT },
	(const int[]){ S6_NET, S6_TRANSIENT, S6_TIMEOUT, S6_PERMISSION, S6_LIMIT, 0 },
};
