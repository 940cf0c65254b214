/* policy.h: the policy file, /etc/sock6d/sock6d.conf (sock6d.conf(5)): what
 * the administrator grants users and groups beyond what the kernel would
 * let them do themselves, per-user overrides of the per-user limits, and
 * the global limits.
 *
 * The file is INI, read with inih:
 *
 *	[limits]			global limits, by limit_defs name
 *	max_connections = 2048
 *
 *	[user alice]			a user, by name or as #UID
 *	bind = inet:80 inet6:443 8000-8100	ports below the unprivileged start
 *	raw = yes			SOCK_RAW sockets
 *	export = yes			socket.export
 *	options = so-mark so-priority	options that need privilege
 *	handles_per_user = 4096		any per-user limit (user sections only)
 *
 *	[group web]			a group, by name or as #GID: grants only
 *	bind = 80 443
 *
 * A client holds every grant of its user's section and of the section of
 * each group it is in (its primary and supplementary groups as the kernel
 * reported them on its connection).  A policy is immutable once loaded: a
 * reload loads a new one and swaps it in whole. */
#ifndef SOCK6D_POLICY_H
#define SOCK6D_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "creds.h"
#include "limit.h"
#include "policy-option.h"

struct policy;

/* Read the file at path.  The global limits start from `base` (the
 * defaults), take the file's [limits], then `overrides` ("name=value", the
 * command line's --limit, which win).  A file that does not exist is an
 * empty policy (no grants; *missing set true when missing is not NULL).
 * NULL on a bad file, with one sentence in err that starts "PATH:LINE:COL: ",
 * the place of the first error (COL counts from 1 and points at the
 * offending part of the line: the section name, the key, the value word).
 * An error at no place in the file starts "PATH: " (the file cannot be read,
 * is not a regular file, is writable by every user, or is owned by a user
 * other than root and the daemon's), or "--limit" (a bad override, or
 * limits that conflict with no line of the file taking part). */
struct policy	*policy_load(const char *path, const struct limits *base,
		    const char *const *overrides, size_t noverrides, bool *missing,
		    char *err, size_t errlen);
void		 policy_free(struct policy *p);

/* The global limits. */
const struct limits *policy_limits(const struct policy *p);
/* The limits for uid: the global ones with its user section's overrides. */
const struct limits *policy_limits_for(const struct policy *p, uid_t uid);

/* Whether `who` may bind port (below the unprivileged start) in family
 * (AF_INET or AF_INET6). */
bool		 policy_grants_bind(const struct policy *p, const struct creds *who,
		    int family, unsigned port);
bool		 policy_grants_raw(const struct policy *p, const struct creds *who);
bool		 policy_grants_export(const struct policy *p, const struct creds *who);
bool		 policy_grants_option(const struct policy *p, const struct creds *who,
		    enum policy_option opt);

/* How many user and group sections the policy has (for the log line of a
 * load). */
size_t		 policy_sections(const struct policy *p);

#endif
