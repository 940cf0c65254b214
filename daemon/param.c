/* param.c: the param engine: fills a method's args struct from the request's
 * params by its declarative rows, with no coercion. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "base64.h"
#include "handle.h"
#include "hostport.h"
#include "limit.h"
#include "param.h"
#include "sock.h"
#include "suggest.h"

/* Short names first (results use the first name of a value), then the
 * egg's constant names as aliases. */
#ifndef SOCK_TYPE_MASK
#define SOCK_TYPE_MASK	0xf	/* the kernel's: the type without its flags */
#endif

/* A JSON integer (not a number with a fraction, not a string) in [min, max]. */
static int
get_int(const struct jv *v, int64_t min, int64_t max, int64_t *out)
{
	if (v->type != JV_INT || v->u.i < min || v->u.i > max)
		return -1;
	*out = v->u.i;
	return 0;
}

/* A string with no NUL inside (C would silently cut it there). */
static const char *
get_string(const struct jv *v)
{
	return jv_plain_string(v) ? v->u.s : NULL;
}

static const char *
type_word(const struct param *p)
{
	switch (p->type) {
	case PT_BOOL:		return "a boolean";
	case PT_INT:		return "an integer";
	case PT_STRING:		return "a string";
	case PT_ENUM:		return "one of its names";
	case PT_HANDLE:		return "a handle (integer >= 1)";
	case PT_SOCKADDR:	return "a socket address";
	case PT_BYTES:		return "base64";
	case PT_TIMEOUT:	return "milliseconds (integer >= 0) or null";
	case PT_FLAGS:		return "an array of flag names or an integer";
	case PT_FAMILY:		return "an address family name or integer";
	case PT_SOCKTYPE:	return "a socket type name or integer";
	case PT_PROTOCOL:	return "a protocol name or integer";
	case PT_PORT:		return "a port (0..65535)";
	case PT_SERVICE:	return "a service name or a port number 0..65535";
	case PT_ARRAY:		return "an array";
	case PT_ANY:		return "a JSON value";
	}
	return "valid";
}

/* A name from the table or, for the socket identity types, an integer. */
static int
fill_named(const struct param *p, const struct jv *v, int *out, struct s6err *e)
{
	const char *name;
	int64_t i;

	if (v->type == JV_STRING) {
		if ((name = get_string(v)) != NULL && enum_lookup(p->names, name, out) == 0)
			return 0;
		err_param(e, p->name, "unknown %s '%.64s'", p->name, v->u.s);
		return -1;
	}
	if (p->type != PT_ENUM && get_int(v, 0, INT32_MAX, &i) == 0) {
		/* A socket type is the type alone: SOCK_NONBLOCK and the like
		 * are the daemon's to set. */
		if (p->type == PT_SOCKTYPE && (i & ~(int64_t)SOCK_TYPE_MASK)) {
			err_param(e, p->name, "%s has flag bits", p->name);
			return -1;
		}
		*out = (int)i;
		return 0;
	}
	err_param(e, p->name, "%s must be %s", p->name, type_word(p));
	return -1;
}

static int
fill_flags(const struct param *p, const struct jv *v, int *out, struct s6err *e)
{
	const char *name;
	int64_t i;
	uint32_t k;
	int bit;

	if (get_int(v, 0, INT32_MAX, &i) == 0) {
		/* Only the bits the names stand for: others (MSG_ERRQUEUE, say)
		 * change what the call does in ways the daemon does not handle. */
		for (bit = 0, k = 0; p->names[k].name != NULL; k++)
			bit |= p->names[k].value;
		if (i & ~(int64_t)bit) {
			err_param(e, p->name, "%s has bits no flag name stands for", p->name);
			return -1;
		}
		*out = (int)i;
		return 0;
	}
	if (v->type != JV_ARRAY) {
		err_param(e, p->name, "%s must be %s", p->name, type_word(p));
		return -1;
	}
	*out = 0;
	for (k = 0; k < v->len; k++) {
		if ((name = get_string(&v->u.kids[k])) == NULL ||
		    enum_lookup(p->names, name, &bit) == -1) {
			err_param(e, p->name, "unknown flag in %s", p->name);
			return -1;
		}
		*out |= bit;
	}
	return 0;
}

static int
fill_handle(const struct param_ctx *c, const struct param *p, const struct jv *v, void *slot,
    struct s6err *e)
{
	struct sock *s;
	int64_t id;

	if (get_int(v, 1, INT64_MAX, &id) == -1) {
		err_param(e, p->name, "%s must be %s", p->name, type_word(p));
		return -1;
	}
	s = handle_lookup(c->handles, (uint64_t)id);
	if (s != NULL && !c->any_owner && !sock_usable_by(s, c->uid))
		s = NULL;
	if (s == NULL && !(p->flags & P_LENIENT)) {
		err_handle(e, (uint64_t)id);
		return -1;
	}
	*(struct sock **)slot = s;
	return 0;
}

/* The object form of a socket address goes through the shared parser
 * (rare enough that converting its text with json-c costs nothing). */
static int
fill_sockaddr_object(const struct jv *v, struct s6_sockaddr *out, const char **why)
{
	json_tokener *tok;
	json_object *o;
	int rc;

	if ((tok = json_tokener_new()) == NULL) {
		*why = "out of memory";
		return -1;
	}
	o = json_tokener_parse_ex(tok, v->raw, (int)v->rawlen);
	json_tokener_free(tok);
	if (o == NULL) {
		*why = "not a socket address";
		return -1;
	}
	rc = s6_addr_from_json(o, out, why);
	json_object_put(o);
	return rc;
}

int
param_sockaddr(const struct jv *v, struct s6_sockaddr *out, const char **why)
{
	const char *str;

	if (v->type == JV_OBJECT)
		return fill_sockaddr_object(v, out, why);
	if (v->type != JV_STRING) {
		*why = "not a socket address";
		return -1;
	}
	if ((str = get_string(v)) == NULL) {
		*why = "contains a NUL byte";
		return -1;
	}
	return s6_addr_from_string(str, out, why);
}

static int
fill_bytes(const struct param_ctx *c, const struct param *p, const struct jv *data, const struct jv *text,
    struct bytes *b, struct s6err *e)
{
	ssize_t got;
	char *out;

	if (data != NULL && text != NULL) {
		err_param(e, p->name, "give either data or text, not both");
		return -1;
	}
	if (text != NULL) {
		if (text->type != JV_STRING) {
			err_param(e, "text", "text must be a string");
			return -1;
		}
		b->p = text->u.s;
		b->len = text->len;
		b->text = true;
		return 0;
	}
	if (data->type != JV_STRING) {
		err_param(e, p->name, "%s must be a base64 string", p->name);
		return -1;
	}
	if ((out = malloc(base64_decoded_max(data->len) + 1)) == NULL ||
	    c->keep(c->cookie, out) == -1) {
		free(out);
		err_set(e, S6_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	if ((got = base64_decode(data->u.s, data->len, out)) < 0) {
		err_param(e, p->name, "%s is not valid base64", p->name);
		return -1;
	}
	b->p = out;
	b->len = (size_t)got;
	b->text = false;
	return 0;
}

/* A service: a name, or a port as an integer or a numeric string, never
 * one getaddrinfo would wrap (PROTOCOL §3).  The slot gets a string. */
static int
fill_service(const struct param_ctx *c, const struct param *p, const struct jv *v, const char **slot,
    struct s6err *e)
{
	const char *str;
	char *num;
	int port;

	if (v->type == JV_INT) {
		if (v->u.i < 0 || v->u.i > 65535)
			goto bad;
		if ((num = malloc(8)) == NULL || c->keep(c->cookie, num) == -1) {
			free(num);
			err_set(e, S6_INTERNAL_ERROR, "out of memory");
			return -1;
		}
		snprintf(num, 8, "%d", (int)v->u.i);
		*slot = num;
		return 0;
	}
	if ((str = get_string(v)) == NULL || v->len > (uint32_t)p->max ||
	    hostport_service(str, &port) == HOSTPORT_BAD_PORT)
		goto bad;
	*slot = str;
	return 0;
bad:
	err_param(e, p->name, "%s must be %s", p->name, type_word(p));
	return -1;
}

/* Fill one present, non-null value. */
static int
fill_value(const struct param_ctx *c, const struct param *p, const struct jv *v, void *slot,
    struct s6err *e)
{
	const char *why, *str;
	int64_t i;

	switch (p->type) {
	case PT_BOOL:
		if (v->type != JV_BOOL)
			break;
		*(int *)slot = v->u.b ? 1 : 0;
		return 0;
	case PT_INT:
		if (get_int(v, p->min, p->max, &i) == -1) {
			err_param(e, p->name, "%s must be an integer from %lld to %lld",
			    p->name, (long long)p->min, (long long)p->max);
			return -1;
		}
		if (p->limit != NULL && c->limits != NULL &&
		    i > limits_get(c->limits, p->limit)) {
			err_param(e, p->name, "%s must be at most %ld (%s)", p->name,
			    limits_get(c->limits, p->limit), p->limit);
			e->limit = p->limit;
			return -1;
		}
		*(int64_t *)slot = i;
		return 0;
	case PT_STRING:
		if ((str = get_string(v)) == NULL)
			break;
		if (p->max > 0 && v->len > p->max) {
			err_param(e, p->name, "%s is longer than %lld bytes", p->name,
			    (long long)p->max);
			return -1;
		}
		*(const char **)slot = str;
		return 0;
	case PT_ENUM:
	case PT_FAMILY:
	case PT_SOCKTYPE:
	case PT_PROTOCOL:
		return fill_named(p, v, slot, e);
	case PT_FLAGS:
		return fill_flags(p, v, slot, e);
	case PT_HANDLE:
		return fill_handle(c, p, v, slot, e);
	case PT_SOCKADDR:
		if (v->type != JV_STRING && v->type != JV_OBJECT)
			break;
		if (param_sockaddr(v, slot, &why) == -1) {
			if (p->flags & P_ADDR_NET) {
				err_set(e, S6_NET, "invalid internet address");
				return -1;
			}
			err_param(e, p->name, "%s: %s", p->name, why);
			return -1;
		}
		return 0;
	case PT_TIMEOUT:
		if (get_int(v, 0, INT32_MAX, &i) == -1)
			break;
		*(int64_t *)slot = i;
		return 0;
	case PT_PORT:
		if (v->type == JV_STRING) {
			if ((str = get_string(v)) == NULL || (i = s6_port_parse(str)) < 0) {
				err_param(e, p->name, "%s must be 0..65535", p->name);
				return -1;
			}
		} else if (get_int(v, 0, 65535, &i) == -1) {
			err_param(e, p->name, "%s must be 0..65535", p->name);
			return -1;
		}
		*(int *)slot = (int)i;
		return 0;
	case PT_SERVICE:
		return fill_service(c, p, v, slot, e);
	case PT_ANY:
		*(const struct jv **)slot = v;
		return 0;
	case PT_ARRAY:
		if (v->type != JV_ARRAY)
			break;
		*(const struct jv **)slot = v;
		return 0;
	case PT_BYTES:
		break;
	}
	err_param(e, p->name, "%s must be %s", p->name, type_word(p));
	return -1;
}

/* Fill the value for a row whose key is absent, or null where allowed. */
static int
fill_absent(const struct param *p, void *slot, bool is_null, struct s6err *e)
{
	if (!is_null && (p->flags & P_REQUIRED)) {
		err_param(e, p->name, "missing param %s", p->name);
		return -1;
	}
	switch (p->type) {
	case PT_BOOL:
	case PT_ENUM:
	case PT_FLAGS:
	case PT_FAMILY:
	case PT_SOCKTYPE:
	case PT_PROTOCOL:
		*(int *)slot = is_null || !(p->flags & P_DEFAULT) ? PARAM_ABSENT_INT : (int)p->def;
		return 0;
	case PT_PORT:
		*(int *)slot = is_null ? -1 : (p->flags & P_DEFAULT) ? (int)p->def : -1;
		return 0;
	case PT_INT:
		*(int64_t *)slot = is_null ? PARAM_NULL :
		    (p->flags & P_DEFAULT) ? p->def : PARAM_ABSENT;
		return 0;
	case PT_TIMEOUT:
		*(int64_t *)slot = is_null ? TIMEOUT_NEVER : TIMEOUT_SESSION;
		return 0;
	case PT_STRING:
	case PT_SERVICE:
		*(const char **)slot = NULL;
		return 0;
	case PT_HANDLE:
		*(struct sock **)slot = NULL;
		return 0;
	case PT_ARRAY:
		*(const struct jv **)slot = NULL;
		return 0;
	case PT_SOCKADDR:
		memset(slot, 0, sizeof(struct s6_sockaddr));
		return 0;
	case PT_BYTES:
		memset(slot, 0, sizeof(struct bytes));
		return 0;
	case PT_ANY:
		*(const struct jv **)slot = NULL;
		return 0;
	}
	return 0;
}

/* The param of rows closest to the unknown name[0..len), or NULL. */
static const char *
param_suggest(const struct param *rows, const char *name, size_t len)
{
	const struct param *p;
	struct suggest s;

	suggest_init(&s, name, len);
	for (p = rows; p->name != NULL; p++) {
		suggest_offer(&s, p->name);
		if (p->type == PT_BYTES)
			suggest_offer(&s, "text");
	}
	return suggest_best(&s);
}

static const struct param *
row_named(const struct param *rows, const struct jv *member)
{
	const struct param *p;

	for (p = rows; p->name != NULL; p++) {
		if (jv_key_is(member, p->name))
			return p;
		if (p->type == PT_BYTES && jv_key_is(member, "text"))
			return p;
	}
	return NULL;
}

/* Every key names a row, once. */
static int
check_keys(const struct param *rows, const struct jv *params, struct s6err *e)
{
	uint32_t i, j;

	for (i = 0; i < params->len; i++) {
		const struct jv *m = &params->u.kids[i];

		if (memchr(m->key, '\0', m->keylen) != NULL) {
			/* it could not be named: the NUL would end its name */
			err_param(e, NULL, "a param name holds a NUL character");
			return -1;
		}
		if (row_named(rows, m) == NULL) {
			err_param(e, NULL, "unknown param %.64s", m->key);
			e->param = m->key;	/* lives in the request's arena */
			e->did_you_mean = param_suggest(rows, m->key, m->keylen);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (params->u.kids[j].keylen == m->keylen &&
			    memcmp(params->u.kids[j].key, m->key, m->keylen) == 0) {
				err_param(e, NULL, "param %.64s given twice", m->key);
				e->param = m->key;
				return -1;
			}
	}
	return 0;
}

int
param_fill(const struct param_ctx *c, const struct param *rows, const struct jv *params,
    void *args, struct s6err *e)
{
	const struct param *p;
	const struct jv *v, *text;
	void *slot;

	if (params != NULL && check_keys(rows, params, e) == -1)
		return -1;
	for (p = rows; p->name != NULL; p++) {
		slot = (char *)args + p->offset;
		v = jv_get(params, p->name);
		if (p->type == PT_BYTES) {
			text = jv_get(params, "text");
			if (v == NULL && text == NULL) {
				if (fill_absent(p, slot, false, e) == -1)
					return -1;
			} else if (fill_bytes(c, p, v, text, slot, e) == -1)
				return -1;
			continue;
		}
		if (v == NULL) {
			if (fill_absent(p, slot, false, e) == -1)
				return -1;
			continue;
		}
		if (v->type == JV_NULL) {
			if (!(p->flags & P_NULLABLE) && p->type != PT_TIMEOUT) {
				err_param(e, p->name, "%s must not be null", p->name);
				return -1;
			}
			if (fill_absent(p, slot, true, e) == -1)
				return -1;
			continue;
		}
		if (fill_value(c, p, v, slot, e) == -1)
			return -1;
	}
	return 0;
}
