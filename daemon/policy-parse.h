/* policy-parse.h: the insides of a policy, shared by policy.c (loading a
 * policy, the look-ups) and policy-parse.c (reading the file's text). */
#ifndef SOCK6D_POLICY_PARSE_H
#define SOCK6D_POLICY_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "limit.h"
#include "policy-option.h"

#define POLICY_ROWS	(sizeof(struct limits) / sizeof(long))	/* of limit_defs */
#define POLICY_INET	1u
#define POLICY_INET6	2u
#define POLICY_RAW	(1u << POLICY_OPT_COUNT)	/* the grants that are not */
#define POLICY_EXPORT	(1u << (POLICY_OPT_COUNT + 1))	/* options */

/* Ports granted for bind: lo to hi, in the families named. */
struct policy_ports {
	unsigned	lo, hi;
	unsigned	families;	/* POLICY_INET, POLICY_INET6 */
};

enum policy_kind { POLICY_USER, POLICY_GROUP };

/* A [user] or [group] section. */
struct policy_section {
	enum policy_kind	 kind;
	unsigned long		 id;		/* the uid or gid */
	int			 line;		/* of its header */
	unsigned		 grants;	/* 1 << enum policy_option, POLICY_RAW,
						 * POLICY_EXPORT */
	int			 raw_line, export_line;	/* where set; 0: not set */
	struct policy_ports	*ports;
	size_t			 nports;
	uint32_t		 set;		/* the limit_defs rows it overrides */
	int			 set_line[POLICY_ROWS];
	struct limits		 limits;	/* the overrides; once loaded, the
						 * global limits with them */
};

struct policy {
	struct limits		 limits;	/* global */
	struct policy_section	*secs;		/* users by uid, then groups by gid */
	size_t			 nsecs, nusers;
};

/* Where the file set a global limit: line 0 when it did not (and -1 when
 * the command line set it over the file's). */
struct policy_at {
	int	line, col;
};

/* Read text[0..len), the file at path, into p: its sections, in the order
 * of the file, and its [limits] over p->limits, with where each was set in
 * at.  0, or -1 with "PATH:LINE:COL: ..." in err. */
int	 policy_parse(struct policy *p, const char *path, const char *text, size_t len,
	    struct policy_at at[POLICY_ROWS], char *err, size_t errlen);
/* The row of limit_defs named name[0..len), or -1. */
int	 policy_limit_row(const char *name, size_t len);

#endif
