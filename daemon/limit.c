/* limit.c: the table of named limits, their defaults and the parser for
 * --limit NAME=VALUE. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "limit.h"

#define L(field, def, min, max, desc) \
	{ #field, offsetof(struct limits, field), def, min, max, desc }

const struct limit_def limit_defs[] = {
	L(max_message, 1048576, 256, 64L << 20, "bytes in one request line"),
	L(max_depth, 32, 2, 1000, "JSON nesting depth of a request"),
	L(max_batch, 64, 1, 100000, "entries in one batch"),
	L(output_high, 1048576, 4096, 1L << 30, "output backlog above which a connection's requests are not read"),
	L(output_low, 262144, 0, 1L << 30, "output backlog below which reading resumes"),
	L(output_max, 4194304, 4096, 1L << 30, "output one connection may hold queued; a larger reply is error 1012"),
	L(output_per_user, 67108864, 4096, 1L << 40, "output all of one user's connections may hold queued"),
	L(input_per_user, 16777216, 0, 1L << 40, "bytes of unfinished request lines all of one user's connections may hold, beyond 64 KiB each"),
	L(requests_per_read, 64, 1, 1000000, "requests handled for one connection per loop turn"),
	L(output_per_turn, 262144, 1024, 1L << 30, "reply bytes made for one connection per loop turn"),
	L(max_connections, 1024, 1, 1000000, "control connections at once"),
	L(connections_per_user, 128, 1, 1000000, "control connections of one user other than root"),
	L(root_connections, 32, 0, 1000000, "of max_connections, kept for root alone"),
	L(handles_per_user, 4096, 1, 10000000, "open handles held by one user"),
	L(max_handles, 65536, 1, 10000000, "open handles at once, every user's together"),
	L(root_handles, 256, 0, 10000000, "of max_handles, kept for root alone"),
	L(pending_per_connection, 1024, 1, 10000000, "operations waiting at once for one connection"),
	L(pending_per_user, 4096, 1, 10000000, "operations waiting at once for one user"),
	L(pending_bytes_per_user, 134217728, 4096, 1L << 40, "bytes held for one user's waiting operations and on its handles"),
	L(max_receive, 1048576, 1, 64L << 20, "largest length one receive may ask for"),
	L(resolver_threads, 4, 1, 256, "threads running name lookups"),
	L(resolver_queue, 256, 1, 1000000, "name lookups waiting or running at once"),
	L(resolver_queue_per_user, 64, 1, 1000000, "name lookups of one user waiting or running at once"),
	L(resolver_threads_per_user, 2, 1, 256, "resolver threads one user's lookups may hold at once"),
	{ NULL, 0, 0, 0, 0, NULL }
};

static long *
limit_field(struct limits *l, const struct limit_def *def)
{
	return (long *)((char *)l + def->offset);
}

long
limits_get(const struct limits *l, const char *name)
{
	const struct limit_def *def;

	for (def = limit_defs; def->name != NULL; def++)
		if (strcmp(def->name, name) == 0)
			return *(const long *)((const char *)l + def->offset);
	return -1;
}

void
limits_default(struct limits *l)
{
	const struct limit_def *def;

	for (def = limit_defs; def->name != NULL; def++)
		*limit_field(l, def) = def->def;
}

int
limits_set(struct limits *l, const char *assignment, char *err, size_t errlen)
{
	const struct limit_def *def;
	const char *eq;
	char *end;
	size_t namelen;
	long v;

	if ((eq = strchr(assignment, '=')) == NULL) {
		snprintf(err, errlen, "limit '%s' is not NAME=VALUE", assignment);
		return -1;
	}
	namelen = (size_t)(eq - assignment);
	for (def = limit_defs; def->name != NULL; def++)
		if (strlen(def->name) == namelen &&
		    strncmp(def->name, assignment, namelen) == 0)
			break;
	if (def->name == NULL) {
		snprintf(err, errlen, "unknown limit '%.*s'", (int)namelen, assignment);
		return -1;
	}
	errno = 0;
	v = strtol(eq + 1, &end, 10);
	if (!isdigit((unsigned char)eq[1]) || *end != '\0' || errno != 0 || v < def->min || v > def->max) {
		snprintf(err, errlen, "limit %s must be an integer from %ld to %ld",
		    def->name, def->min, def->max);
		return -1;
	}
	*limit_field(l, def) = v;
	return 0;
}

/* A limit that must stay below another (or not above it). */
struct limit_order {
	size_t		 lo, hi;
	const char	*lo_name, *hi_name;
	bool		 strict;
};

#define ORDER(lo, hi, strict) \
	{ offsetof(struct limits, lo), offsetof(struct limits, hi), #lo, #hi, strict }

static const struct limit_order limit_orders[] = {
	ORDER(output_low, output_high, false),
	ORDER(output_high, output_max, false),
	ORDER(root_connections, max_connections, true),	/* others get at least one */
	ORDER(root_handles, max_handles, true),
};

int
limits_check(const struct limits *l, char *err, size_t errlen)
{
	const struct limit_order *o;
	long lo, hi;
	size_t i;

	for (i = 0; i < sizeof(limit_orders) / sizeof(limit_orders[0]); i++) {
		o = &limit_orders[i];
		lo = *(const long *)(const void *)((const char *)l + o->lo);
		hi = *(const long *)(const void *)((const char *)l + o->hi);
		if (lo > hi || (o->strict && lo == hi)) {
			snprintf(err, errlen, "limit %s (%ld) is %s %s (%ld)", o->lo_name, lo,
			    o->strict ? "not below" : "above", o->hi_name, hi);
			return -1;
		}
	}
	return 0;
}

void
limits_usage(FILE *f)
{
	const struct limit_def *def;

	for (def = limit_defs; def->name != NULL; def++)
		fprintf(f, "  %-24s %10ld  %s\n", def->name, def->def, def->desc);
}
