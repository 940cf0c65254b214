/* rpc-session.c: the per-connection session values (the egg's parameters):
 * session.get and session.set. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rpc-common.h"

static const struct result_field session_result[] = {
	{ "connect_timeout", RT_INTEGER | RT_NULL, "ms or null (default null)" },
	{ "accept_timeout", RT_INTEGER | RT_NULL, "ms or null (default null)" },
	{ "receive_timeout", RT_INTEGER | RT_NULL, "ms or null (default 60000)" },
	{ "send_timeout", RT_INTEGER | RT_NULL, "ms or null (default 60000)" },
	{ "send_size", RT_INTEGER | RT_NULL,
	  "send_all chunk, or null for unbounded (default 16384)" },
	{ "bind_ipv6_only", RT_BOOLEAN, "tcp.listen on a null host (default false)" },
	END_RESULT
};

static json_object *
timeout_json(int64_t ms)
{
	return ms < 0 ? NULL : json_object_new_int64(ms);
}

static json_object *
session_json(const struct session *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "connect_timeout", timeout_json(s->connect_timeout));
	json_object_object_add(o, "accept_timeout", timeout_json(s->accept_timeout));
	json_object_object_add(o, "receive_timeout", timeout_json(s->receive_timeout));
	json_object_object_add(o, "send_timeout", timeout_json(s->send_timeout));
	json_object_object_add(o, "send_size",
	    s->send_size > 0 ? json_object_new_int64(s->send_size) : NULL);
	json_object_object_add(o, "bind_ipv6_only", json_object_new_boolean(s->bind_ipv6_only));
	return o;
}

static const struct answer *
session_get(struct call *c, void *argp)
{
	return call_ok(c, session_json(&c->conn->session));
}

const struct method m_session_get = {
	"session.get", session_get, (const struct param[]){ END_PARAMS }, 0,
	"This connection's session values",
	"Defaults and timeouts that apply to this control connection only.",
	session_result, (const int[]){ 0 },
};

struct set_args {
	int64_t	connect_timeout, accept_timeout, receive_timeout, send_timeout;
	int64_t	send_size;
	int	bind_ipv6_only;
};

#define SESSION_TIMEOUT_ROW(field) \
	{ #field, PT_TIMEOUT, 0, offsetof(struct set_args, field), .desc = "ms, or null for never" }

static const struct param set_params[] = {
	SESSION_TIMEOUT_ROW(connect_timeout),
	SESSION_TIMEOUT_ROW(accept_timeout),
	SESSION_TIMEOUT_ROW(receive_timeout),
	SESSION_TIMEOUT_ROW(send_timeout),
	{ "send_size", PT_INT, P_NULLABLE, offsetof(struct set_args, send_size),
	  .min = 1, .max = 64 << 20, .desc = "send_all chunk size, null for unbounded" },
	{ "bind_ipv6_only", PT_BOOL, 0, offsetof(struct set_args, bind_ipv6_only),
	  .desc = "tcp.listen with a null host listens on IPv4 only when true" },
	END_PARAMS
};

static void
set_timeout(int64_t *slot, int64_t given)
{
	if (given != TIMEOUT_SESSION)
		*slot = given;
}

static const struct answer *
session_set(struct call *c, void *argp)
{
	struct set_args *a = argp;
	struct session *s = &c->conn->session;

	set_timeout(&s->connect_timeout, a->connect_timeout);
	set_timeout(&s->accept_timeout, a->accept_timeout);
	set_timeout(&s->receive_timeout, a->receive_timeout);
	set_timeout(&s->send_timeout, a->send_timeout);
	if (a->send_size == PARAM_NULL)
		s->send_size = 0;
	else if (a->send_size != PARAM_ABSENT)
		s->send_size = a->send_size;
	if (a->bind_ipv6_only != PARAM_ABSENT_INT)
		s->bind_ipv6_only = a->bind_ipv6_only;
	return call_ok(c, session_json(s));
}

const struct method m_session_set = {
	"session.set", session_set, set_params, sizeof(struct set_args),
	"Change session values",
	"Sets any of the session values for this control connection; returns them all.",
	session_result, (const int[]){ 0 },
};
