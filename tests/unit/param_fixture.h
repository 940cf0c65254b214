/* param_fixture.h: the fixture of the param engine runners (test_param.c,
 * test_param_compound.c): an args struct with a slot of every kind, a
 * daemon context whose handle table the engine reads, param_fill over a JSON
 * text, and the checks that a fill succeeds or is refused with -32602
 * naming a param. */
#ifndef SOCK6D_PARAM_FIXTURE_H
#define SOCK6D_PARAM_FIXTURE_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ev.h>
#include <json-c/json.h>

#include "conn.h"
#include "errors.h"
#include "jv.h"
#include "limit.h"
#include "param.h"
#include "rpc.h"
#include "sock.h"
#include "sock6d.h"
#include "sockaddr.h"

/* One struct with a slot of every kind; each test's rows point into it. */
struct args {
	int64_t			 i, j;
	int			 b, en, fam, type, proto, flags, port;
	int64_t			 timeout;
	const char		*str;
	struct sock		*s;
	struct s6_sockaddr	 addr;
	struct bytes		 data;
};

#define OFF(field)	offsetof(struct args, field)
#define END		{ .name = NULL }

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static void		*allocs[4];	/* what the engine kept for the args */
static struct param_ctx	 ctx;
static struct args	 a;
static struct s6err	 e;
static struct jv_doc	 kept[64];	/* params of this test, alive until teardown */
static size_t		 nkept;

static const struct enum_name color_names[] = {
	{ "red", 0 }, { "green", 1 }, { "blue", 7 }, { NULL, 0 }
};

static const struct enum_name flag_names[] = {
	{ "peek", MSG_PEEK }, { "oob", MSG_OOB }, { "waitall", MSG_WAITALL }, { NULL, 0 }
};

static inline void
free_allocs(void)
{
	size_t i;

	for (i = 0; i < sizeof(allocs) / sizeof(allocs[0]); i++) {
		free(allocs[i]);
		allocs[i] = NULL;
	}
}

/* The engine's keep: up to four blocks, as a call holds. */
static inline int
keep(void *cookie, void *p)
{
	size_t i;

	for (i = 0; i < sizeof(allocs) / sizeof(allocs[0]); i++)
		if (allocs[i] == NULL) {
			allocs[i] = p;
			return 0;
		}
	return -1;
}

static inline void
setup(void)
{
	limits_default(&lim);
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, &lim), 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.handles = &d.handles;
	ctx.any_owner = true;
	ctx.keep = keep;
	nkept = 0;
}

static inline void
teardown(void)
{
	free_allocs();
	while (nkept > 0)
		jv_free(&kept[--nkept]);
	sock6d_shutdown(&d);
	ev_loop_destroy(loop);
}

/* Run param_fill over `json` (NULL: no params) into a, which starts filled
 * with a pattern so that every slot the engine sets is visible. */
static inline int
fill(const struct param *rows, const char *json)
{
	const struct jv *params = NULL;

	free_allocs();
	if (json != NULL) {
		ck_assert_uint_lt(nkept, sizeof(kept) / sizeof(kept[0]));
		ck_assert_msg(jv_parse(json, strlen(json), 32, &kept[nkept]) == JV_OK,
		    "test JSON does not parse: %s", json);
		params = kept[nkept++].root;
	}
	memset(&a, 0xA5, sizeof(a));
	memset(&e, 0, sizeof(e));
	return param_fill(&ctx, rows, params, &a, &e);
}

#define SHOW(json)	((json) != NULL ? (const char *)(json) : "(no params)")

#define OK(rows, json) \
	ck_assert_msg(fill(rows, json) == 0, "%s rejected: %s", SHOW(json), e.message)

/* Filled, and the pointer slot equals want. */
#define OKPTR(rows, json, slot, want) do {					\
	OK(rows, json);								\
	ck_assert_ptr_eq(slot, want);						\
} while (0)

/* Filled, and expr (a slot of a) equals want. */
#define OKEQ(rows, json, expr, want) do {					\
	OK(rows, json);								\
	ck_assert_int_eq(expr, want);						\
} while (0)

#define BAD(rows, json, name) do {						\
	ck_assert_msg(fill(rows, json) == -1, "%s accepted", SHOW(json));	\
	ck_assert_int_eq(e.code, S6_INVALID_PARAMS);				\
	ck_assert_pstr_eq(e.param, name);					\
} while (0)

/* Every one of jsons is refused with -32602 naming `name`. */
static inline void
bad_each(const struct param *rows, const char *name, const char *const *jsons)
{
	for (; *jsons != NULL; jsons++) {
		ck_assert_msg(fill(rows, *jsons) == -1, "%s accepted", *jsons);
		ck_assert_msg(e.code == S6_INVALID_PARAMS && e.param != NULL &&
		    strcmp(e.param, name) == 0, "%s: error %d param %s", *jsons, e.code,
		    e.param ? e.param : "(null)");
	}
}

#define BAD_EACH(rows, name, ...) \
	bad_each(rows, name, (const char *const[]){ __VA_ARGS__, NULL })

#endif /* SOCK6D_PARAM_FIXTURE_H */
