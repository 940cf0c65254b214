/* rpc-sockopt.c: socket option methods: by name (socket.getopt, setopt,
 * options, the egg's accessors) and low level (socket.get_option,
 * set_option, the egg's get-socket-option and set-socket-option). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>

#include <limits.h>
#include <string.h>

#include "constants.h"
#include "jv.h"
#include "grant.h"
#include "rpc-common.h"
#include "sockopt.h"

#define RAW_MAX		256	/* the longest option value get/set_option move */

static const int opt_errors[] = { S6_NET, S6_UNSUPPORTED, S6_NO_SUCH_HANDLE, S6_PERMISSION, 0 };

/* Only root's own calls keep the daemon's capabilities. */
static bool
caller_privileged(const struct call *c)
{
	return c->conn != NULL && c->conn->uid == 0;
}

/* Fail the call; a socket-level error names the handle. */
static const struct answer *
opt_fail(struct call *c, const struct sock *s, struct s6err *e)
{
	if (e->code != S6_INVALID_PARAMS)
		e->handle = s->handle;
	return call_fail(c, e);
}

#define OPTION_ROW(T) \
	{ "option", PT_STRING, P_REQUIRED, offsetof(T, option), .max = 64, \
	  .desc = "the option's name: so-reuse-address, tcp-no-delay, so-linger, ... " \
	  "(socket.options lists those a socket has)" }

static const struct sockopt *
option_named(const char *name, struct s6err *e)
{
	const struct sockopt *o = sockopt_lookup(name);

	if (o == NULL)
		err_param(e, "option", "unknown socket option '%s'", name);
	return o;
}

/* socket.getopt */

struct getopt_args {
	struct sock	*s;
	const char	*option;
};

static const struct param getopt_params[] = {
	HANDLE_ROW(struct getopt_args, s),
	OPTION_ROW(struct getopt_args),
	END_PARAMS
};

static const struct answer *
socket_getopt(struct call *c, void *argp)
{
	struct getopt_args *a = argp;
	const struct sockopt *o;
	json_object *v;
	struct s6err e;

	if ((o = option_named(a->option, &e)) == NULL)
		return call_fail(c, &e);
	if ((v = sockopt_get(a->s->fd, o, caller_privileged(c), &e)) == NULL)
		return opt_fail(c, a->s, &e);
	return call_ok(c, result_one("value", v));
}

const struct method m_socket_getopt = {
	"socket.getopt", socket_getopt, getopt_params, sizeof(struct getopt_args),
	"Read a socket option by name",
	"The egg's option accessors: booleans as true/false, integers, and structured values "
	"(so-linger {on, seconds}, timeouts in ms, tcp-info, so-peer-credentials {pid, uid, "
	"gid}, ip-multicast-interface as an address). An option this platform lacks, or one "
	"the socket refuses (ENOPROTOOPT, EOPNOTSUPP, EINVAL), is 1003; a write-only one "
	"(memberships) is 1000.",
	(const struct result_field[]){ { "value", RT_BOOLEAN | RT_INTEGER | RT_STRING | RT_OBJECT,
	    "the option's value: a boolean, an integer, a string or an object, by option" },
	    END_RESULT },
	opt_errors,
};

/* socket.setopt */

struct setopt_args {
	struct sock		*s;
	const char		*option;
	const struct jv		*value;
};

static const struct param setopt_params[] = {
	HANDLE_ROW(struct setopt_args, s),
	OPTION_ROW(struct setopt_args),
	{ "value", PT_ANY, P_REQUIRED, offsetof(struct setopt_args, value),
	  .desc = "the new value, of the option's type: true/false, an integer, "
	  "{\"on\":true,\"seconds\":5}, {\"group\":\"239.1.2.3\",\"interface\":\"0.0.0.0\"}, ..." },
	END_PARAMS
};

struct setopt_call {
	const struct setopt_args	*a;
	const struct sockopt		*o;
	struct s6err			 e;
};

static int
setopt_again(void *arg)
{
	struct setopt_call *r = arg;

	if (sockopt_set(r->a->s->fd, r->o, r->a->value, true, &r->e) == 0)
		return 0;
	errno = r->e.errnum;
	return -1;
}

/* The kernel refused an option that needs privilege (EPERM): the policy's
 * "options" grant may lend it.  0 when set after all, else -1 with e. */
static int
setopt_granted(struct call *c, const struct setopt_args *a, const struct sockopt *o,
    struct s6err *e)
{
	struct grant_req req = { .kind = GRANT_OPTION };
	struct setopt_call r = { a, o, { 0 } };
	int opt = policy_option_from_name(o->name);

	if (opt < 0 || (e->errnum != EPERM && e->errnum != EACCES))
		return -1;
	req.option = (enum policy_option)opt;
	switch (grant_retry(c->d, &c->conn->creds, &req, e->errnum, setopt_again, &r, e)) {
	case GRANT_DONE:
		return 0;
	case GRANT_FAILED:
		*e = r.e;
		return -1;
	case GRANT_REFUSED:
		e->syscall = "setsockopt";
		break;
	}
	return -1;
}

static const struct answer *
socket_setopt(struct call *c, void *argp)
{
	struct setopt_args *a = argp;
	const struct sockopt *o;
	struct s6err e;

	if ((o = option_named(a->option, &e)) == NULL)
		return call_fail(c, &e);
	if (sockopt_set(a->s->fd, o, a->value, caller_privileged(c), &e) == -1 &&
	    setopt_granted(c, a, o, &e) == -1)
		return opt_fail(c, a->s, &e);
	return call_ok(c, result_empty());
}

const struct method m_socket_setopt = {
	"socket.setopt", socket_setopt, setopt_params, sizeof(struct setopt_args),
	"Set a socket option by name",
	"The egg's option setters: booleans take only true/false, integers only integers, "
	"structured values are checked field by field (else -32602). A read-only option is "
	"1000 \"socket option is read-only\"; one this platform lacks or the socket refuses "
	"is 1003. Runs with the caller's privilege, not the daemon's.",
	(const struct result_field[]){ END_RESULT }, opt_errors,
};

/* socket.options */

struct options_args {
	struct sock	*s;
};

static const struct answer *
socket_options(struct call *c, void *argp)
{
	struct options_args *a = argp;
	const struct sockopt *o;
	json_object *all, *v;
	struct s6err e;

	all = json_object_new_object();
	for (o = sockopts; o->name != NULL; o++) {
		if (o->flags & OPT_WO)
			continue;
		if ((v = sockopt_get(a->s->fd, o, caller_privileged(c), &e)) != NULL) {
			json_object_object_add(all, o->name, v);
			continue;
		}
		if (e.code == S6_UNSUPPORTED)
			continue;
		json_object_put(all);
		return opt_fail(c, a->s, &e);
	}
	return call_ok(c, result_one("options", all));
}

const struct method m_socket_options = {
	"socket.options", socket_options,
	(const struct param[]){ HANDLE_ROW(struct options_args, s), END_PARAMS },
	sizeof(struct options_args),
	"Read every option a socket has",
	"socket.getopt of every option readable on this socket, by name; options the platform "
	"lacks or the socket refuses (1003) and write-only ones are left out. Reading "
	"so-error clears the socket's pending error, as getsockopt does.",
	(const struct result_field[]){ { "options", RT_OBJECT, "{name: value}" }, END_RESULT },
	(const int[]){ S6_NET, S6_NO_SUCH_HANDLE, 0 },
};

/* Low level: levels and option names as integers or constant names. */

static const struct number_kind {
	const char	*param;
	const char	*groups[5];	/* the constant groups it takes names from */
	const char	*undefined;	/* the egg's words for a #f constant */
	const char	*hint;
} level_kind = {
	"level", { "sol", "ipproto", NULL }, "socket option level not supported",
	"sol/*, ipproto/*"
}, name_kind = {
	"name", { "so", "tcp", "ip", "ipv6", NULL }, "socket option not supported",
	"so/*, tcp/*, ip/*, ipv6/*"
};

/* An int, or the name of a constant of the kind's groups; an undefined one,
 * or null or false (how a client passes the egg's #f), is 1003. */
static int
number_of(const struct number_kind *kind, const struct jv *v, int *out, struct s6err *e)
{
	const struct constant *k;
	size_t i;

	if (v == NULL || (v->type == JV_BOOL && !v->u.b)) {
		err_set(e, S6_UNSUPPORTED, "%s", kind->undefined);
		return -1;
	}
	if (v->type == JV_INT && v->u.i >= INT_MIN && v->u.i <= INT_MAX) {
		*out = (int)v->u.i;
		return 0;
	}
	if (jv_plain_string(v) && (k = constant_lookup(v->u.s)) != NULL)
		for (i = 0; kind->groups[i] != NULL; i++) {
			if (strcmp(kind->groups[i], k->group) != 0)
				continue;
			if (!k->defined) {
				err_set(e, S6_UNSUPPORTED, "%s", kind->undefined);
				return -1;
			}
			*out = k->value;
			return 0;
		}
	err_param(e, kind->param, "%s must be an integer or a constant's name (%s)",
	    kind->param, kind->hint);
	return -1;
}

#define LEVEL_ROWS(T) \
	HANDLE_ROW(T, s), \
	{ "level", PT_ANY, P_REQUIRED | P_NULLABLE, offsetof(T, level), \
	  .desc = "an integer or a level constant's name: sol/socket, ipproto/tcp, ... " \
	  "(null or false, an undefined constant: 1003)" }, \
	{ "name", PT_ANY, P_REQUIRED | P_NULLABLE, offsetof(T, name), \
	  .desc = "an integer or an option constant's name: so/reuseaddr, tcp/nodelay, ... " \
	  "(null or false, an undefined constant: 1003)" }

/* socket.get_option */

struct get_option_args {
	struct sock		*s;
	const struct jv		*level, *name;
	int64_t			 length;
};

static const struct param get_option_params[] = {
	LEVEL_ROWS(struct get_option_args),
	{ "length", PT_INT, 0, offsetof(struct get_option_args, length), .min = 1,
	  .max = RAW_MAX, .desc = "read this many bytes at most and return them as data "
	  "(absent: the value as a C int)" },
	END_PARAMS
};

static const struct answer *
socket_get_option(struct call *c, void *argp)
{
	struct get_option_args *a = argp;
	unsigned char buf[RAW_MAX];
	socklen_t len;
	json_object *o;
	struct s6err e;
	int level, name, v = 0;

	if (number_of(&level_kind, a->level, &level, &e) == -1 ||
	    number_of(&name_kind, a->name, &name, &e) == -1)
		return opt_fail(c, a->s, &e);
	if (a->length == PARAM_ABSENT) {
		len = sizeof(v);
		if (sockopt_raw_get(a->s->fd, level, name, &v, &len, caller_privileged(c), &e) == -1)
			return opt_fail(c, a->s, &e);
		return call_ok(c, result_one("value", json_object_new_int(v)));
	}
	memset(buf, 0, sizeof(buf));
	len = (socklen_t)a->length;
	if (sockopt_raw_get(a->s->fd, level, name, buf, &len, caller_privileged(c), &e) == -1)
		return opt_fail(c, a->s, &e);
	o = json_object_new_object();
	result_bytes(o, (const char *)buf, len < a->length ? len : (size_t)a->length, false);
	return call_ok(c, o);
}

const struct method m_socket_get_option = {
	"socket.get_option", socket_get_option, get_option_params,
	sizeof(struct get_option_args),
	"Read a socket option by level and number",
	"The egg's get-socket-option: without length, the value as a C int (not turned into a "
	"boolean); with length (1..256), data: exactly the bytes getsockopt returned. A level "
	"or name constant this platform lacks is 1003.",
	(const struct result_field[]){
		{ "value", RT_INTEGER, "the option as a C int (without length)" },
		{ "data", RT_BYTES, "the option's bytes, base64 (with length)" },
		END_RESULT },
	opt_errors,
};

/* socket.set_option */

struct set_option_args {
	struct sock		*s;
	const struct jv		*level, *name, *value;
	struct bytes		 data;
};

static const struct param set_option_params[] = {
	LEVEL_ROWS(struct set_option_args),
	{ "value", PT_ANY, 0, offsetof(struct set_option_args, value),
	  .desc = "an integer, or true/false (1/0), passed as a C int" },
	{ "data", PT_BYTES, 0, offsetof(struct set_option_args, data),
	  .desc = "or the option's raw bytes (at most 256)" },
	END_PARAMS
};

static const struct answer *
socket_set_option(struct call *c, void *argp)
{
	struct set_option_args *a = argp;
	const void *p = a->data.p;
	socklen_t len = (socklen_t)a->data.len;
	struct s6err e;
	int level, name, v;

	if (number_of(&level_kind, a->level, &level, &e) == -1 ||
	    number_of(&name_kind, a->name, &name, &e) == -1)
		return opt_fail(c, a->s, &e);
	if ((a->value == NULL) == (a->data.p == NULL)) {
		err_param(&e, "value", "give either value or data");
		return call_fail(c, &e);
	}
	if (a->value != NULL) {
		if (a->value->type == JV_BOOL)
			v = a->value->u.b ? 1 : 0;
		else if (a->value->type == JV_INT && a->value->u.i >= INT_MIN &&
		    a->value->u.i <= INT_MAX)
			v = (int)a->value->u.i;
		else {
			err_param(&e, "value", "bad option value: give an integer or a boolean");
			return call_fail(c, &e);
		}
		p = &v;
		len = sizeof(v);
	} else if (a->data.len > RAW_MAX) {
		err_param(&e, "data", "data is longer than %d bytes", RAW_MAX);
		return call_fail(c, &e);
	}
	if (sockopt_raw_set(a->s->fd, level, name, p, len, caller_privileged(c), &e) == -1)
		return opt_fail(c, a->s, &e);
	return call_ok(c, result_empty());
}

const struct method m_socket_set_option = {
	"socket.set_option", socket_set_option, set_option_params,
	sizeof(struct set_option_args),
	"Set a socket option by level and number",
	"The egg's set-socket-option: value (an integer or a boolean) is passed as a C int; "
	"data (or text) as raw bytes, unchecked. A level or name constant this platform "
	"lacks is 1003. Runs with the caller's privilege, not the daemon's.",
	(const struct result_field[]){ END_RESULT }, opt_errors,
};
