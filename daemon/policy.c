/* policy.c: the policy (sock6d.conf(5)): loading it (the file read whole
 * and checked, the command line's limits over the file's, each user's
 * limits worked out) and the look-ups the daemon makes for a client: its
 * grants and its limits.  The text itself is read by policy-parse.c. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "policy-parse.h"

#define POLICY_MAX_SIZE	(1024 * 1024)	/* a larger file is refused */

/* Read the file whole: 0 (with *absent set for no file), or -1 with err. */
static int
policy_read(const char *path, char **text, size_t *len, bool *absent, char *err,
    size_t errlen)
{
	struct stat st;
	size_t used = 0, cap;
	ssize_t n;
	char *buf;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1) {
		if (errno == ENOENT) {
			*absent = true;
			return 0;
		}
		snprintf(err, errlen, "%s: cannot open the policy file: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: cannot read the policy file: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: cannot read the policy file: %s", path,
		    strerror(EISDIR));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: the policy file is not a regular file", path);
		goto fail;
	}
	if (st.st_mode & S_IWOTH) {
		snprintf(err, errlen, "%s: the policy file is writable by every user; "
		    "it grants privileges, so only its owner may write it", path);
		goto fail;
	}
	if ((st.st_mode & S_IWGRP) && st.st_gid != 0) {
		snprintf(err, errlen, "%s: the policy file is writable by group %lu; "
		    "it grants privileges, so only its owner (or root's group) may write it",
		    path, (unsigned long)st.st_gid);
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s: the policy file is owned by uid %lu; "
		    "it must be owned by root or by the daemon's user", path,
		    (unsigned long)st.st_uid);
		goto fail;
	}
	/* Room for the size fstat gave, one byte more to see the end; a file
	 * that grows meanwhile gets more, up to one byte past the limit. */
	cap = (st.st_size > 0 && st.st_size <= POLICY_MAX_SIZE ? (size_t)st.st_size : 4095) + 1;
	if ((buf = malloc(cap)) == NULL)
		goto nomem;
	while ((n = read(fd, buf + used, cap - used)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || (used += (size_t)n) > POLICY_MAX_SIZE) {
			if (n == -1)
				snprintf(err, errlen, "%s: cannot read the policy file: %s", path,
				    strerror(errno));
			else
				snprintf(err, errlen, "%s: the policy file is larger than 1 MiB", path);
			free(buf);
			goto fail;
		}
		if (used == cap) {
			char *more;

			cap = cap * 2 < POLICY_MAX_SIZE + 1 ? cap * 2 : POLICY_MAX_SIZE + 1;
			if ((more = realloc(buf, cap)) == NULL) {
				free(buf);
				goto nomem;
			}
			buf = more;
		}
	}
	close(fd);
	*text = buf;
	*len = used;
	return 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	close(fd);
	return -1;
}

/* The command line's --limit over the file's, then the cross-field check,
 * blamed on the last line of the file that set one of the limits it names
 * (at says where the file set each). */
static int
policy_apply_limits(struct policy *p, const char *path, struct policy_at *at,
    const char *const *overrides, size_t n, char *err, size_t errlen)
{
	char msg[256], pat[64], tail[160];
	size_t i, off = 0;
	int row, blame = -1;

	for (i = 0; i < n; i++) {
		if (limits_set(&p->limits, overrides[i], msg, sizeof(msg)) == -1) {
			snprintf(err, errlen, "--limit %s: %s", overrides[i], msg);
			return -1;
		}
		if ((row = policy_limit_row(overrides[i], strcspn(overrides[i], "="))) >= 0)
			at[row].line = -1;
	}
	if (limits_check(&p->limits, msg, sizeof(msg)) == 0)
		return 0;
	tail[0] = '\0';
	for (row = 0; limit_defs[row].name != NULL; row++) {
		snprintf(pat, sizeof(pat), " %s (", limit_defs[row].name);
		if (strstr(msg, pat) == NULL)
			continue;
		if (at[row].line > 0 && (blame < 0 || at[row].line > at[blame].line))
			blame = row;
		if (at[row].line < 0 && off < sizeof(tail))
			off += (size_t)snprintf(tail + off, sizeof(tail) - off,
			    " (%s is set by --limit)", limit_defs[row].name);
	}
	if (blame < 0)
		snprintf(err, errlen, "--limit: %s", msg);
	else
		snprintf(err, errlen, "%s:%d:%d: %s%s", path, at[blame].line, at[blame].col,
		    msg, tail);
	return -1;
}

static long *
policy_limit_field(struct limits *l, int row)
{
	return (long *)(void *)((char *)l + limit_defs[row].offset);
}

static int
policy_section_cmp(const void *a, const void *b)
{
	const struct policy_section *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind == POLICY_USER ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Each user's limits (the global ones with its overrides), the sections in
 * look-up order. */
static void
policy_finish(struct policy *p)
{
	struct policy_section *sec;
	struct limits l;
	size_t i;
	int row;

	for (i = 0; i < p->nsecs; i++) {
		sec = &p->secs[i];
		l = p->limits;
		for (row = 0; limit_defs[row].name != NULL; row++)
			if (sec->set & (1u << row))
				*policy_limit_field(&l, row) = *policy_limit_field(&sec->limits, row);
		sec->limits = l;
		if (sec->kind == POLICY_USER)
			p->nusers++;
	}
	if (p->nsecs > 1)
		qsort(p->secs, p->nsecs, sizeof(*p->secs), policy_section_cmp);
}

struct policy *
policy_load(const char *path, const struct limits *base, const char *const *overrides,
    size_t noverrides, bool *missing, char *err, size_t errlen)
{
	struct policy_at at[POLICY_ROWS];
	struct policy *p;
	char *text = NULL;
	size_t len = 0;
	bool absent = false;
	int rc = 0;

	if (missing != NULL)
		*missing = false;
	if (policy_read(path, &text, &len, &absent, err, errlen) == -1)
		return NULL;
	if (missing != NULL)
		*missing = absent;
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		free(text);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	p->limits = *base;
	memset(at, 0, sizeof(at));
	if (text != NULL)
		rc = policy_parse(p, path, text, len, at, err, errlen);
	free(text);
	if (rc == 0 && policy_apply_limits(p, path, at, overrides, noverrides, err,
	    errlen) == 0) {
		policy_finish(p);
		return p;
	}
	policy_free(p);
	return NULL;
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nsecs; i++)
		free(p->secs[i].ports);
	free(p->secs);
	free(p);
}

const struct limits *
policy_limits(const struct policy *p)
{
	return &p->limits;
}

/* The section of kind for id, or NULL. */
static const struct policy_section *
policy_find(const struct policy *p, enum policy_kind kind, unsigned long id)
{
	size_t lo = kind == POLICY_USER ? 0 : p->nusers;
	size_t hi = kind == POLICY_USER ? p->nusers : p->nsecs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->secs[mid].id == id)
			return &p->secs[mid];
		if (p->secs[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct limits *
policy_limits_for(const struct policy *p, uid_t uid)
{
	const struct policy_section *sec = policy_find(p, POLICY_USER, uid);

	return sec != NULL && sec->set != 0 ? &sec->limits : &p->limits;
}

/* Whether test holds for a section that applies to who: its user's, or
 * that of its primary or any supplementary group. */
static bool
policy_any(const struct policy *p, const struct creds *who,
    bool (*test)(const struct policy_section *, const void *), const void *arg)
{
	const struct policy_section *sec;
	int i;

	if (p == NULL || who == NULL || p->nsecs == 0)
		return false;
	if ((sec = policy_find(p, POLICY_USER, who->uid)) != NULL && test(sec, arg))
		return true;
	if ((sec = policy_find(p, POLICY_GROUP, who->gid)) != NULL && test(sec, arg))
		return true;
	for (i = 0; i < who->ngroups && i < CREDS_MAX_GROUPS; i++)
		if ((sec = policy_find(p, POLICY_GROUP, who->groups[i])) != NULL &&
		    test(sec, arg))
			return true;
	return false;
}

struct policy_bind_arg {
	unsigned	families, port;
};

static bool
policy_test_bind(const struct policy_section *sec, const void *arg)
{
	const struct policy_bind_arg *a = arg;
	size_t i;

	for (i = 0; i < sec->nports; i++)
		if ((sec->ports[i].families & a->families) && sec->ports[i].lo <= a->port &&
		    a->port <= sec->ports[i].hi)
			return true;
	return false;
}

bool
policy_grants_bind(const struct policy *p, const struct creds *who, int family,
    unsigned port)
{
	struct policy_bind_arg a = { 0, port };

	if (family == AF_INET)
		a.families = POLICY_INET;
	else if (family == AF_INET6)
		a.families = POLICY_INET6;
	else
		return false;
	return policy_any(p, who, policy_test_bind, &a);
}

static bool
policy_test_grant(const struct policy_section *sec, const void *arg)
{
	return (sec->grants & *(const unsigned *)arg) != 0;
}

bool
policy_grants_raw(const struct policy *p, const struct creds *who)
{
	static const unsigned grant = POLICY_RAW;

	return policy_any(p, who, policy_test_grant, &grant);
}

bool
policy_grants_export(const struct policy *p, const struct creds *who)
{
	static const unsigned grant = POLICY_EXPORT;

	return policy_any(p, who, policy_test_grant, &grant);
}

bool
policy_grants_option(const struct policy *p, const struct creds *who,
    enum policy_option opt)
{
	unsigned grant;

	if ((unsigned)opt >= POLICY_OPT_COUNT)
		return false;
	grant = 1u << opt;
	return policy_any(p, who, policy_test_grant, &grant);
}

size_t
policy_sections(const struct policy *p)
{
	return p->nsecs;
}
