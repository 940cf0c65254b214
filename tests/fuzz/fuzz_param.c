/* fuzz_param.c: libFuzzer target for the declarative param engine
 * (daemon/param.c) over every method's param table (daemon/method.c,
 * method-list.h).  The first input byte picks the method, the rest is its
 * params as JSON.  A rejection must be -32602 naming a param (or the
 * handle's 1010, the address's 1000 where the row says so); an accepted
 * set must hold values within its rows' bounds, and written back as JSON
 * it must be accepted again with the same values.  See README.md. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "base64.h"
#include "error.h"
#include "errors.h"
#include "jv.h"
#include "limit.h"
#include "method.h"
#include "param.h"
#include "sock.h"
#include "sock6d.h"
#include "sockaddr.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NKEEP		4	/* what a call keeps for its args */
#define FUZZ_UID	4242	/* the client; handle 2 is someone else's */

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct sock	*mine, *theirs;
static void		*kept[NKEEP];

static int
keep(void *cookie, void *p)
{
	size_t i;

	(void)cookie;
	for (i = 0; i < NKEEP; i++)
		if (kept[i] == NULL) {
			kept[i] = p;
			return 0;
		}
	return -1;
}

static void
free_kept(void)
{
	size_t i;

	for (i = 0; i < NKEEP; i++) {
		free(kept[i]);
		kept[i] = NULL;
	}
}

/* A daemon context with two sockets: one the client's, one another user's. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct limits	lim;
	struct s6err	e;

	(void)argc;
	(void)argv;
	limits_default(&lim);
	if ((loop = ev_loop_new(EVFLAG_AUTO)) == NULL || sock6d_init(&d, loop, &lim) == -1)
		abort();
	memset(&e, 0, sizeof(e));
	if ((mine = sock_create(&d, AF_INET, SOCK_STREAM, 0, FUZZ_UID, &e)) == NULL ||
	    (theirs = sock_create(&d, AF_INET6, SOCK_DGRAM, 0, FUZZ_UID + 1, &e)) == NULL)
		abort();
	return 0;
}

/* A growing text buffer for the params written back. */
struct out {
	char	*p;
	size_t	 len, cap;
};

static void
out_add(struct out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		if ((o->p = realloc(o->p, o->cap)) == NULL)
			abort();
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void
out_str(struct out *o, const char *s)
{
	out_add(o, s, strlen(s));
}

static void
out_int(struct out *o, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	out_str(o, buf);
}

/* A JSON string of s[0..n) (valid UTF-8 already; controls escaped). */
static void
out_json_string(struct out *o, const char *s, size_t n)
{
	char	 esc[8];
	size_t	 i;

	out_add(o, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			out_add(o, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			out_add(o, esc, 6);
		} else
			out_add(o, (const char *)&c, 1);
	}
	out_add(o, "\"", 1);
}

static void
out_key(struct out *o, const char *name, bool *first)
{
	if (!*first)
		out_add(o, ",", 1);
	*first = false;
	out_json_string(o, name, strlen(name));
	out_add(o, ":", 1);
}

/* A filled row's value must be within what the row allows. */
static void
check_row_value(const struct param *p, const void *slot)
{
	const struct bytes	*b;
	int64_t			 i;
	int			 v;

	switch (p->type) {
	case PT_BOOL:
		v = *(const int *)slot;
		CHECK(v == 0 || v == 1 || v == PARAM_ABSENT_INT);
		break;
	case PT_INT:
		i = *(const int64_t *)slot;
		CHECK((i >= p->min && i <= p->max) || i == PARAM_ABSENT || i == PARAM_NULL);
		CHECK(i != PARAM_NULL || (p->flags & P_NULLABLE));
		CHECK(i != PARAM_ABSENT || !(p->flags & P_REQUIRED));
		break;
	case PT_STRING:
		if (*(const char *const *)slot != NULL && p->max > 0)
			CHECK(strlen(*(const char *const *)slot) <= (size_t)p->max);
		CHECK(*(const char *const *)slot != NULL || !(p->flags & P_REQUIRED) ||
		    (p->flags & P_NULLABLE));
		break;
	case PT_PORT:
		v = *(const int *)slot;
		CHECK(v >= -1 && v <= 65535);
		break;
	case PT_TIMEOUT:
		i = *(const int64_t *)slot;
		CHECK(i >= 0 || i == TIMEOUT_NEVER || i == TIMEOUT_SESSION);
		CHECK(i <= INT32_MAX);
		break;
	case PT_HANDLE:
		if (*(struct sock *const *)slot != NULL)
			CHECK(*(struct sock *const *)slot == mine);
		else
			CHECK(p->flags & (P_LENIENT) || !(p->flags & P_REQUIRED));
		break;
	case PT_BYTES:
		b = slot;
		CHECK(b->p != NULL || b->len == 0);
		break;
	case PT_SOCKADDR:
		CHECK(((const struct s6_sockaddr *)slot)->len <= sizeof(struct sockaddr_storage));
		break;
	default:
		break;
	}
}

/* Write a filled row back as a params member (nothing for what absence
 * gives the same). */
static void
write_row(struct out *o, const struct param *p, const void *slot, const struct jv *params,
    bool *first)
{
	const struct bytes		*b;
	const struct s6_sockaddr	*a;
	const struct jv			*j;
	const char			*s, *name;
	char				*enc, str[S6_ADDRSTRLEN];
	int64_t				 i;
	int				 v;

	switch (p->type) {
	case PT_BOOL:
		if ((v = *(const int *)slot) != PARAM_ABSENT_INT) {
			out_key(o, p->name, first);
			out_str(o, v ? "true" : "false");
		} else if (p->flags & P_NULLABLE) {
			out_key(o, p->name, first);
			out_str(o, "null");
		}
		break;
	case PT_INT:
		if ((i = *(const int64_t *)slot) == PARAM_ABSENT)
			break;
		out_key(o, p->name, first);
		if (i == PARAM_NULL)
			out_str(o, "null");
		else
			out_int(o, (long long)i);
		break;
	case PT_STRING:
	case PT_SERVICE:
		if ((s = *(const char *const *)slot) != NULL) {
			out_key(o, p->name, first);
			out_json_string(o, s, strlen(s));
		}
		break;
	case PT_ENUM:
	case PT_FAMILY:
	case PT_SOCKTYPE:
	case PT_PROTOCOL:
	case PT_FLAGS:
	case PT_PORT:
		if ((v = *(const int *)slot) == -1) {
			if (p->flags & P_NULLABLE) {
				out_key(o, p->name, first);
				out_str(o, "null");
			}
			break;
		}
		out_key(o, p->name, first);
		if (p->type == PT_ENUM) {
			CHECK((name = enum_name_of(p->names, v)) != NULL);
			out_json_string(o, name, strlen(name));
		} else
			out_int(o, v);
		break;
	case PT_TIMEOUT:
		if ((i = *(const int64_t *)slot) == TIMEOUT_SESSION)
			break;
		out_key(o, p->name, first);
		if (i == TIMEOUT_NEVER)
			out_str(o, "null");
		else
			out_int(o, (long long)i);
		break;
	case PT_HANDLE:
		if (*(struct sock *const *)slot != NULL) {
			out_key(o, p->name, first);
			out_int(o, (long long)(*(struct sock *const *)slot)->handle);
		} else if ((j = jv_get(params, p->name)) != NULL) {
			/* A lenient row's id of no usable socket. */
			out_key(o, p->name, first);
			out_add(o, j->raw, j->rawlen);
		}
		break;
	case PT_SOCKADDR:
		a = slot;
		if (a->len == 0)
			break;
		CHECK(s6_addr_to_string((const struct sockaddr *)&a->ss, a->len, str,
		    sizeof(str)) == 0);
		out_key(o, p->name, first);
		out_json_string(o, str, strlen(str));
		break;
	case PT_BYTES:
		b = slot;
		if (b->p == NULL)
			break;
		if (b->text) {
			out_key(o, "text", first);
			out_json_string(o, b->p, b->len);
			break;
		}
		if ((enc = malloc(base64_encoded_len(b->len) + 1)) == NULL)
			abort();
		base64_encode(b->p, b->len, enc);
		out_key(o, p->name, first);
		out_json_string(o, enc, strlen(enc));
		free(enc);
		break;
	case PT_ARRAY:
	case PT_ANY:
		if ((j = *(const struct jv *const *)slot) != NULL) {
			out_key(o, p->name, first);
			out_add(o, j->raw, j->rawlen);
		}
		break;
	}
}

/* Two fills of a row hold the same value. */
static void
check_same(const struct param *p, const void *x, const void *y)
{
	const struct bytes		*bx = x, *by = y;
	const struct s6_sockaddr	*ax = x, *ay = y;
	const struct jv			*jx, *jy;
	const char			*sx, *sy;

	switch (p->type) {
	case PT_BOOL: case PT_ENUM: case PT_FAMILY: case PT_SOCKTYPE:
	case PT_PROTOCOL: case PT_FLAGS: case PT_PORT:
		CHECK(*(const int *)x == *(const int *)y);
		break;
	case PT_INT:
	case PT_TIMEOUT:
		CHECK(*(const int64_t *)x == *(const int64_t *)y);
		break;
	case PT_STRING:
	case PT_SERVICE:
		sx = *(const char *const *)x;
		sy = *(const char *const *)y;
		CHECK((sx == NULL) == (sy == NULL));
		CHECK(sx == NULL || strcmp(sx, sy) == 0);
		break;
	case PT_HANDLE:
		CHECK(*(struct sock *const *)x == *(struct sock *const *)y);
		break;
	case PT_SOCKADDR:
		CHECK(ax->len == ay->len && memcmp(&ax->ss, &ay->ss, ax->len) == 0);
		break;
	case PT_BYTES:
		CHECK(bx->len == by->len && bx->text == by->text);
		CHECK((bx->p == NULL) == (by->p == NULL));
		CHECK(bx->len == 0 || memcmp(bx->p, by->p, bx->len) == 0);
		break;
	case PT_ARRAY:
	case PT_ANY:
		jx = *(const struct jv *const *)x;
		jy = *(const struct jv *const *)y;
		CHECK((jx == NULL) == (jy == NULL));
		CHECK(jx == NULL || (jx->rawlen == jy->rawlen &&
		    memcmp(jx->raw, jy->raw, jx->rawlen) == 0));
		break;
	}
}

/* A rejection: its code, the param it names, its JSON rendering. */
static void
check_error(const struct method *m, const struct jv *params, const struct s6err *e)
{
	const struct param	*p;
	json_object		*o, *code;
	bool			 named = false;
	uint32_t		 i;

	CHECK(e->message[0] != '\0');
	if (e->code == S6_NO_SUCH_HANDLE) {
		CHECK(e->handle != mine->handle);
		return;
	}
	if (e->code == S6_NET)
		return;		/* P_ADDR_NET's "invalid internet address" */
	CHECK(e->code == S6_INVALID_PARAMS);
	if (e->param == NULL) {
		/* only a key holding a NUL goes unnamed: it cannot be named */
		for (i = 0; !named && params != NULL && i < params->len; i++)
			named = memchr(params->u.kids[i].key, '\0',
			    params->u.kids[i].keylen) != NULL;
		CHECK(named);
		return;
	}
	for (p = m->params; p->name != NULL; p++)
		if (strcmp(p->name, e->param) == 0 ||
		    (p->type == PT_BYTES && strcmp(e->param, "text") == 0))
			named = true;
	/* Or an unknown key of the request. */
	for (i = 0; !named && params != NULL && i < params->len; i++)
		named = strcmp(params->u.kids[i].key, e->param) == 0;
	CHECK(named);
	CHECK((o = err_to_json(e)) != NULL);
	CHECK(json_object_object_get_ex(o, "code", &code) &&
	    json_object_get_int(code) == S6_INVALID_PARAMS);
	json_object_put(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct method	*m;
	const struct param	*p;
	const struct jv		*params;
	struct param_ctx	 ctx;
	struct jv_doc		 doc, again;
	struct s6err		 e;
	struct out		 o = { NULL, 0, 0 };
	void			*args, *args2, *kept1[NKEEP];
	bool			 first = true;
	int			 rc;

	if (size < 1)
		return 0;
	m = method_table[data[0] % method_count];
	if (jv_parse((const char *)data + 1, size - 1, 32, &doc) != JV_OK) {
		/* No params at all (the request had none). */
		if (size > 1)
			return 0;
		doc.root = NULL;
		doc.arena = NULL;
	}
	params = doc.root;
	if (params != NULL && params->type != JV_OBJECT) {
		jv_free(&doc);
		return 0;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.handles = &d.handles;
	ctx.uid = FUZZ_UID;
	ctx.keep = keep;
	/* Exactly the method's args, so that a row's offset past them shows. */
	if ((args = malloc(m->args_size ? m->args_size : 1)) == NULL ||
	    (args2 = malloc(m->args_size ? m->args_size : 1)) == NULL)
		abort();
	memset(args, 0xa5, m->args_size);
	memset(&e, 0, sizeof(e));
	rc = param_fill(&ctx, m->params, params, args, &e);
	CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		check_error(m, params, &e);
		goto done;
	}
	out_add(&o, "{", 1);
	for (p = m->params; p->name != NULL; p++) {
		CHECK(p->offset < m->args_size);
		check_row_value(p, (char *)args + p->offset);
		write_row(&o, p, (char *)args + p->offset, params, &first);
	}
	/* Written back, the values are accepted again, the same. */
	out_add(&o, "}", 1);
	if (jv_parse(o.p, o.len, 32, &again) != JV_OK) {
		fprintf(stderr, "params written back do not parse: %s\n", o.p);
		abort();
	}
	memcpy(kept1, kept, sizeof(kept));
	memset(kept, 0, sizeof(kept));
	memset(args2, 0x5a, m->args_size);
	memset(&e, 0, sizeof(e));
	if (param_fill(&ctx, m->params, again.root, args2, &e) != 0) {
		fprintf(stderr, "%s: params written back refused (%s): %s\n", m->name,
		    e.message, o.p);
		abort();
	}
	for (p = m->params; p->name != NULL; p++)
		check_same(p, (char *)args + p->offset, (char *)args2 + p->offset);
	free_kept();
	memcpy(kept, kept1, sizeof(kept));
	jv_free(&again);
done:
	free_kept();
	free(o.p);
	free(args);
	free(args2);
	jv_free(&doc);
	return 0;
}
