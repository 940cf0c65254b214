/* policy-parse.c: reading the policy file's text (sock6d.conf(5)) into a
 * policy: split into sections and KEY = VALUE lines by inih, every value
 * checked, and the place of the first error.
 *
 * inih is fed one line at a time by policy_next_line, which keeps the raw
 * line for the columns, gives inih each line without its indentation (so
 * that no line is ever read as the continuation of the one before), and
 * reads comments and section headers itself: inih truncates long section
 * names and says nothing of a section without keys, and a header must be
 * checked (its user or group resolved, a duplicate caught) even when no key
 * follows. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy-parse.h"
#include "sockaddr.h"
#include "suggest.h"

#define POLICY_MAX_ID	4294967294UL	/* (uid_t)-1 is no uid */

_Static_assert(POLICY_ROWS <= 32, "the limits a section sets fit a uint32_t");
_Static_assert(POLICY_OPT_COUNT + 2 <= 32, "the grants fit an unsigned");

/* One file being read. */
struct policy_parse {
	struct policy	*p;
	size_t		 cap;		/* room in p->secs */
	struct policy_at *at;
	const char	*path;
	char		*err;
	size_t		 errlen;
	bool		 failed;
	int		 err_line;	/* of the error in err */
	const char	*text, *pos, *end;	/* the file, its next line */
	int		 lineno;
	const char	*line;		/* the current line, without its newline */
	size_t		 len;
	enum { IN_NONE, IN_LIMITS, IN_SECTION } in;
	size_t		 sec;		/* IN_SECTION: the index in p->secs */
	int		 limits_line;	/* of [limits]; 0: none yet */
};

static const struct {
	const char	*word;
	bool		 value;
} policy_bools[] = {
	{ "yes", true }, { "no", false }, { "true", true }, { "false", false },
	{ "1", true }, { "0", false },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* Record the first error, at line:col of the file; always -1. */
static int __attribute__((format(printf, 4, 5)))
policy_error(struct policy_parse *pp, int line, int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (pp->failed)
		return -1;
	pp->failed = true;
	pp->err_line = line;
	n = snprintf(pp->err, pp->errlen, "%s:%d:%d: ", pp->path, line, col);
	if (n >= 0 && (size_t)n < pp->errlen) {
		va_start(ap, fmt);
		vsnprintf(pp->err + n, pp->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The same at the current line. */
#define policy_fail(pp, col, ...)	policy_error((pp), (pp)->lineno, (col), __VA_ARGS__)

/* The first offset from i in the current line that is not blank. */
static size_t
policy_skip(const struct policy_parse *pp, size_t i)
{
	while (i < pp->len && isspace((unsigned char)pp->line[i]))
		i++;
	return i;
}

/* " (did you mean 'NAME'?)" when a known name is close, else "". */
static const char *
policy_mean(const struct suggest *s, char *buf, size_t n)
{
	if (suggest_best(s) == NULL)
		return "";
	snprintf(buf, n, " (did you mean '%s'?)", suggest_best(s));
	return buf;
}

/* What a value word that starts with '#' probably is. */
static const char *
policy_hash_hint(const char *word)
{
	return word[0] == '#' ? " (a comment after a value starts with ';')" : "";
}

int
policy_limit_row(const char *name, size_t len)
{
	int row;

	for (row = 0; limit_defs[row].name != NULL; row++)
		if (strlen(limit_defs[row].name) == len &&
		    memcmp(limit_defs[row].name, name, len) == 0)
			return row;
	return -1;
}

static bool
policy_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Whether a user section may override the limit: the per-user and
 * per-connection ones. */
static bool
policy_per_user(int row)
{
	return policy_ends_with(limit_defs[row].name, "_per_user") ||
	    policy_ends_with(limit_defs[row].name, "_per_connection");
}

/* The next word of a list value (words are separated by blanks and
 * commas), or NULL at its end. */
static const char *
policy_word(const char **pos, size_t *len)
{
	const char *s = *pos, *w;

	while (*s == ',' || isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return NULL;
	for (w = s; *s != '\0' && *s != ',' && !isspace((unsigned char)*s); s++)
		;
	*len = (size_t)(s - w);
	*pos = s;
	return w;
}

/* Check that a value that is one word is no more than that. */
static int
policy_single(struct policy_parse *pp, const char *key, const char *value, int vcol,
    size_t *len)
{
	const char *s;

	for (s = value; *s != '\0' && !isspace((unsigned char)*s); s++)
		;
	*len = (size_t)(s - value);
	while (isspace((unsigned char)*s))
		s++;
	if (*s != '\0')
		return policy_fail(pp, vcol + (int)(s - value),
		    "unexpected '%s' after the value of %s, which is one word%s",
		    s, key, policy_hash_hint(s));
	return 0;
}

/* A limit's value, set in l by limits_set (as --limit is): one word, a
 * decimal integer within the limit's range. */
static int
policy_limit_value(struct policy_parse *pp, struct limits *l, const char *name,
    const char *value, int vcol)
{
	char assignment[256], msg[160];
	size_t len;

	if (policy_single(pp, name, value, vcol, &len) == -1)
		return -1;
	snprintf(assignment, sizeof(assignment), "%s=%s", name, value);
	if (limits_set(l, assignment, msg, sizeof(msg)) == -1)
		return policy_fail(pp, vcol, "%s, not '%s'%s", msg, value,
		    policy_hash_hint(value));
	return 0;
}

/* A boolean value: yes, no, true, false, 1 or 0 (any case). */
static int
policy_bool_value(struct policy_parse *pp, const char *key, const char *value,
    int kcol, int vcol, unsigned *grants, unsigned grant, int *line)
{
	size_t i, len;

	if (*line != 0)
		return policy_fail(pp, kcol, "%s is given twice in this section (first on line %d)",
		    key, *line);
	if (policy_single(pp, key, value, vcol, &len) == -1)
		return -1;
	for (i = 0; i < NITEMS(policy_bools); i++)
		if (strlen(policy_bools[i].word) == len &&
		    strncasecmp(policy_bools[i].word, value, len) == 0) {
			if (policy_bools[i].value)
				*grants |= grant;
			*line = pp->lineno;
			return 0;
		}
	return policy_fail(pp, vcol,
	    "'%s' is not a boolean: %s takes yes, no, true, false, 1 or 0%s",
	    value, key, policy_hash_hint(value));
}

static int
policy_key_raw(struct policy_parse *pp, struct policy_section *sec, const char *value,
    int kcol, int vcol)
{
	return policy_bool_value(pp, "raw", value, kcol, vcol, &sec->grants, POLICY_RAW,
	    &sec->raw_line);
}

static int
policy_key_export(struct policy_parse *pp, struct policy_section *sec, const char *value,
    int kcol, int vcol)
{
	return policy_bool_value(pp, "export", value, kcol, vcol, &sec->grants, POLICY_EXPORT,
	    &sec->export_line);
}

/* A port number s[0..n), by the one rule for ports (s6_port_parse), and
 * not 0: 0, or -1 when it is not a number, -2 when it is out of range. */
static int
policy_port_number(const char *s, size_t n, unsigned *out)
{
	char buf[16];
	int v;

	if (n == 0 || strspn(s, "0123456789") < n)
		return -1;
	snprintf(buf, sizeof(buf), "%.*s", (int)n, s);
	if (n >= sizeof(buf) || (v = s6_port_parse(buf)) < 1)
		return -2;
	*out = (unsigned)v;
	return 0;
}

/* One port spec of bind: [inet:|inet6:]PORT or [inet:|inet6:]LO-HI. */
static int
policy_port_spec(struct policy_parse *pp, const char *w, size_t len, int col,
    struct policy_ports *out)
{
	const char *s = w, *colon, *dash;
	size_t n = len, flen;
	int rlo, rhi;

	out->families = POLICY_INET | POLICY_INET6;
	if ((colon = memchr(w, ':', len)) != NULL) {
		flen = (size_t)(colon - w);
		if (flen == 4 && memcmp(w, "inet", 4) == 0)
			out->families = POLICY_INET;
		else if (flen == 5 && memcmp(w, "inet6", 5) == 0)
			out->families = POLICY_INET6;
		else
			return policy_fail(pp, col,
			    "unknown address family '%.*s' in '%.*s': a port spec "
			    "starts with inet:, inet6: or the port", (int)flen, w, (int)len, w);
		s = colon + 1;
		n = len - flen - 1;
	}
	if ((dash = memchr(s, '-', n)) != NULL) {
		rlo = policy_port_number(s, (size_t)(dash - s), &out->lo);
		rhi = policy_port_number(dash + 1, n - (size_t)(dash - s) - 1, &out->hi);
	} else {
		rlo = rhi = policy_port_number(s, n, &out->lo);
		out->hi = out->lo;
	}
	if (rlo == -1 || rhi == -1)
		return policy_fail(pp, col,
		    "'%.*s' is not a port spec: bind takes PORT or LO-HI, each "
		    "optionally after inet: or inet6:%s", (int)len, w, policy_hash_hint(w));
	if (rlo == -2 || rhi == -2)
		return policy_fail(pp, col,
		    "port spec '%.*s' is out of range: ports go from 1 to 65535", (int)len, w);
	if (out->lo > out->hi)
		return policy_fail(pp, col, "port range '%.*s' runs backwards: %u is above %u",
		    (int)len, w, out->lo, out->hi);
	return 0;
}

static int
policy_key_bind(struct policy_parse *pp, struct policy_section *sec, const char *value,
    int kcol, int vcol)
{
	struct policy_ports r, *ports;
	const char *pos = value, *w;
	size_t len;

	while ((w = policy_word(&pos, &len)) != NULL) {
		if (policy_port_spec(pp, w, len, vcol + (int)(w - value), &r) == -1)
			return -1;
		if ((ports = reallocarray(sec->ports, sec->nports + 1, sizeof(*ports))) == NULL)
			return policy_fail(pp, kcol, "out of memory");
		sec->ports = ports;
		sec->ports[sec->nports++] = r;
	}
	return 0;
}

/* "a, b and c" of the option names. */
static const char *
policy_option_list(char *buf, size_t n)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < POLICY_OPT_COUNT && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%s",
		    i == 0 ? "" : i + 1 == POLICY_OPT_COUNT ? " and " : ", ",
		    policy_option_name(i));
	return buf;
}

static int
policy_key_options(struct policy_parse *pp, struct policy_section *sec, const char *value,
    int kcol, int vcol)
{
	char name[32], list[128], mean[64];
	struct suggest s;
	const char *pos = value, *w;
	size_t len;
	int opt;

	while ((w = policy_word(&pos, &len)) != NULL) {
		snprintf(name, sizeof(name), "%.*s", (int)len, w);
		if (len >= sizeof(name) || (opt = policy_option_from_name(name)) < 0) {
			suggest_init(&s, w, len);
			for (opt = 0; opt < POLICY_OPT_COUNT; opt++)
				suggest_offer(&s, policy_option_name(opt));
			return policy_fail(pp, vcol + (int)(w - value),
			    "unknown option '%.*s'%s: options are %s%s", (int)len, w,
			    policy_mean(&s, mean, sizeof(mean)),
			    policy_option_list(list, sizeof(list)), policy_hash_hint(w));
		}
		sec->grants |= 1u << opt;
	}
	return 0;
}

/* The grant keys of [user] and [group] sections. */
static const struct policy_key {
	const char	*name;
	int		(*parse)(struct policy_parse *, struct policy_section *,
			    const char *value, int kcol, int vcol);
} policy_keys[] = {
	{ "bind", policy_key_bind },
	{ "raw", policy_key_raw },
	{ "export", policy_key_export },
	{ "options", policy_key_options },
};

/* A key of [limits]. */
static int
policy_limits_key(struct policy_parse *pp, const char *name, const char *value, int kcol,
    int vcol)
{
	char mean[80];
	struct suggest s;
	size_t i;
	int row;

	if ((row = policy_limit_row(name, strlen(name))) < 0) {
		for (i = 0; i < NITEMS(policy_keys); i++)
			if (strcmp(name, policy_keys[i].name) == 0)
				return policy_fail(pp, kcol, "%s is a grant: grants go in "
				    "[user NAME] and [group NAME] sections, not in [limits]", name);
		suggest_init(&s, name, strlen(name));
		for (row = 0; limit_defs[row].name != NULL; row++)
			suggest_offer(&s, limit_defs[row].name);
		return policy_fail(pp, kcol, "unknown limit '%s'%s", name,
		    policy_mean(&s, mean, sizeof(mean)));
	}
	if (pp->at[row].line > 0)
		return policy_fail(pp, kcol, "%s is given twice in [limits] (first on line %d)",
		    name, pp->at[row].line);
	if (policy_limit_value(pp, &pp->p->limits, name, value, vcol) == -1)
		return -1;
	pp->at[row].line = pp->lineno;
	pp->at[row].col = kcol;
	return 0;
}

/* A key of a [user] or [group] section. */
static int
policy_section_key(struct policy_parse *pp, const char *name, const char *value, int kcol,
    int vcol)
{
	struct policy_section *sec = &pp->p->secs[pp->sec];
	const char *kind = sec->kind == POLICY_USER ? "user" : "group";
	char mean[80];
	struct suggest s;
	size_t i;
	int row;

	for (i = 0; i < NITEMS(policy_keys); i++)
		if (strcmp(name, policy_keys[i].name) == 0)
			return policy_keys[i].parse(pp, sec, value, kcol, vcol);
	if ((row = policy_limit_row(name, strlen(name))) >= 0) {
		if (!policy_per_user(row))
			return policy_fail(pp, kcol,
			    "%s is a global limit: it goes in [limits], not in a [%s] section",
			    name, kind);
		if (sec->kind == POLICY_GROUP)
			return policy_fail(pp, kcol, "limits are per user: %s cannot be set "
			    "in a [group] section, only in [user NAME] or [limits]", name);
		if (sec->set & (1u << row))
			return policy_fail(pp, kcol,
			    "%s is given twice in this section (first on line %d)",
			    name, sec->set_line[row]);
		if (policy_limit_value(pp, &sec->limits, name, value, vcol) == -1)
			return -1;
		sec->set |= 1u << row;
		sec->set_line[row] = pp->lineno;
		return 0;
	}
	suggest_init(&s, name, strlen(name));
	for (i = 0; i < NITEMS(policy_keys); i++)
		suggest_offer(&s, policy_keys[i].name);
	if (sec->kind == POLICY_USER)
		for (row = 0; limit_defs[row].name != NULL; row++)
			if (policy_per_user(row))
				suggest_offer(&s, limit_defs[row].name);
	return policy_fail(pp, kcol, "unknown key '%s' in a [%s] section%s: its keys are "
	    "bind, raw, export, options%s", name, kind, policy_mean(&s, mean, sizeof(mean)),
	    sec->kind == POLICY_USER ? " and the per-user limits" : "");
}

/* A KEY = VALUE line, the current one: 0, or -1 with the error. */
static int
policy_key_line(struct policy_parse *pp, const char *name, const char *value)
{
	size_t k, sep, v;
	int kcol, vcol;

	k = policy_skip(pp, 0);
	for (sep = k; sep < pp->len && pp->line[sep] != '=' && pp->line[sep] != ':'; sep++)
		;
	v = policy_skip(pp, sep + 1);
	kcol = (int)k + 1;
	vcol = (int)v + 1;
	if (sep < pp->len && pp->line[sep] == ':')
		return policy_fail(pp, (int)sep + 1, "expected '=' after the key%s%s%s, not ':'",
		    *name != '\0' ? " '" : "", name, *name != '\0' ? "'" : "");
	if (*name == '\0')
		return policy_fail(pp, kcol, "there is no key before '='");
	if (pp->in == IN_NONE)
		return policy_fail(pp, kcol, "%s is outside any section: keys go under "
		    "[limits], [user NAME] or [group NAME]", name);
	if (*value == '\0')
		return policy_fail(pp, vcol, "%s has no value", name);
	if (pp->in == IN_LIMITS)
		return policy_limits_key(pp, name, value, kcol, vcol);
	return policy_section_key(pp, name, value, kcol, vcol);
}

/* inih's handler: nonzero when the line is good. */
static int
policy_on_key(void *arg, const char *section, const char *name, const char *value)
{
	struct policy_parse *pp = arg;

	(void)section;		/* pp->in says where we are */
	return !pp->failed && policy_key_line(pp, name, value) == 0;
}

/* The uid or gid of a section's name (name[0..len), col where it starts):
 * #NUMBER, or a name looked up in the user or group database. */
static int
policy_resolve(struct policy_parse *pp, enum policy_kind kind, const char *name,
    size_t len, int col, unsigned long *id)
{
	const char *what = kind == POLICY_USER ? "user" : "group";
	char copy[256], *buf = NULL;
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	unsigned long v = 0;
	long size;
	size_t i;
	int rc;

	if (name[0] == '#') {
		for (i = 1; i < len && isdigit((unsigned char)name[i]) && v <= POLICY_MAX_ID; i++)
			v = v * 10 + (unsigned long)(name[i] - '0');
		if (len == 1 || i < len || v > POLICY_MAX_ID)
			return policy_fail(pp, col, "'%.*s' is not a %s id: '#' is followed by "
			    "a number from 0 to %lu", (int)len, name, what, POLICY_MAX_ID);
		*id = v;
		return 0;
	}
	if (len >= sizeof(copy))
		return policy_fail(pp, col, "unknown %s '%.*s'", what, (int)len, name);
	memcpy(copy, name, len);
	copy[len] = '\0';
	size = sysconf(kind == POLICY_USER ? _SC_GETPW_R_SIZE_MAX : _SC_GETGR_R_SIZE_MAX);
	if (size < 1024)
		size = 1024;
	for (;;) {
		free(buf);
		if ((buf = malloc((size_t)size)) == NULL)
			return policy_fail(pp, col, "out of memory");
		if (kind == POLICY_USER)
			rc = getpwnam_r(copy, &pw, buf, (size_t)size, &pwp);
		else
			rc = getgrnam_r(copy, &gr, buf, (size_t)size, &grp);
		if (rc != ERANGE || size >= (1L << 24))
			break;
		size *= 2;
	}
	free(buf);
	if (pwp != NULL || grp != NULL) {
		*id = pwp != NULL ? pw.pw_uid : gr.gr_gid;
		return 0;
	}
	if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM)
		return policy_fail(pp, col, "unknown %s '%s'", what, copy);
	return policy_fail(pp, col, "cannot look up %s '%s': %s", what, copy, strerror(rc));
}

/* A [user NAME] or [group NAME] header: resolve it, refuse a second
 * section for the same id, start the section. */
static int
policy_add_section(struct policy_parse *pp, enum policy_kind kind, const char *name,
    size_t len, int col)
{
	struct policy_section *sec;
	unsigned long id = 0;
	size_t i;

	if (policy_resolve(pp, kind, name, len, col, &id) == -1)
		return -1;
	for (i = 0; i < pp->p->nsecs; i++)
		if (pp->p->secs[i].kind == kind && pp->p->secs[i].id == id)
			return policy_fail(pp, col, "duplicate section for %s '%.*s' (%s %lu): "
			    "its first section is on line %d", kind == POLICY_USER ? "user" : "group",
			    (int)len, name, kind == POLICY_USER ? "uid" : "gid", id,
			    pp->p->secs[i].line);
	if (pp->p->nsecs == pp->cap) {
		pp->cap = pp->cap == 0 ? 8 : pp->cap * 2;
		if ((sec = reallocarray(pp->p->secs, pp->cap, sizeof(*sec))) == NULL)
			return policy_fail(pp, col, "out of memory");
		pp->p->secs = sec;
	}
	sec = &pp->p->secs[pp->p->nsecs];
	memset(sec, 0, sizeof(*sec));
	sec->kind = kind;
	sec->id = id;
	sec->line = pp->lineno;
	pp->sec = pp->p->nsecs++;
	pp->in = IN_SECTION;
	return 0;
}

/* A section header, '[' at offset i of the current line:
 * [limits], [user NAME|#UID] or [group NAME|#GID]. */
static int
policy_section_start(struct policy_parse *pp, size_t i)
{
	static const char *const kinds[] = { "limits", "user", "group" };
	const char *l = pp->line;
	size_t close, rest, k0, k1, n0, n1, j;
	struct suggest s;
	char mean[64];

	for (close = i + 1; close < pp->len && l[close] != ']'; close++)
		;
	if (close == pp->len)
		return policy_fail(pp, (int)i + 1, "the section header has no closing ']'");
	rest = policy_skip(pp, close + 1);
	if (rest < pp->len && l[rest] != ';' && l[rest] != '#')
		return policy_fail(pp, (int)rest + 1,
		    "unexpected text after the section header's ']'");
	k0 = policy_skip(pp, i + 1);
	for (k1 = k0; k1 < close && !isspace((unsigned char)l[k1]); k1++)
		;
	n0 = policy_skip(pp, k1);
	for (n1 = close; n1 > n0 && isspace((unsigned char)l[n1 - 1]); n1--)
		;
	if (k0 == close)
		return policy_fail(pp, (int)i + 1, "the section header is empty: "
		    "sections are [limits], [user NAME] and [group NAME]");
	if (k1 - k0 == 6 && memcmp(l + k0, "limits", 6) == 0) {
		if (n0 < n1)
			return policy_fail(pp, (int)n0 + 1, "[limits] takes no name");
		if (pp->limits_line != 0)
			return policy_fail(pp, (int)k0 + 1,
			    "[limits] is given twice (first on line %d)", pp->limits_line);
		pp->limits_line = pp->lineno;
		pp->in = IN_LIMITS;
		return 0;
	}
	for (j = 1; j < NITEMS(kinds); j++)
		if (k1 - k0 == strlen(kinds[j]) && memcmp(l + k0, kinds[j], k1 - k0) == 0) {
			if (n0 == n1)
				return policy_fail(pp, (int)k0 + 1, "[%s] needs a %s name or %s",
				    kinds[j], kinds[j], j == 1 ? "#UID" : "#GID");
			return policy_add_section(pp, j == 1 ? POLICY_USER : POLICY_GROUP,
			    l + n0, n1 - n0, (int)n0 + 1);
		}
	suggest_init(&s, l + k0, k1 - k0);
	for (j = 0; j < NITEMS(kinds); j++)
		suggest_offer(&s, kinds[j]);
	return policy_fail(pp, (int)k0 + 1, "unknown section kind '%.*s'%s: sections are "
	    "[limits], [user NAME] and [group NAME]", (int)(k1 - k0), l + k0,
	    policy_mean(&s, mean, sizeof(mean)));
}

/* inih's reader: the next line, without its indentation; a comment or a
 * section header is read here and inih gets an empty line in its place. */
static char *
policy_next_line(char *buf, int num, void *arg)
{
	struct policy_parse *pp = arg;
	const char *nl, *nul;
	size_t i;

	if (pp->failed || pp->pos >= pp->end)
		return NULL;
	pp->line = pp->pos;
	nl = memchr(pp->pos, '\n', (size_t)(pp->end - pp->pos));
	pp->len = (size_t)((nl != NULL ? nl : pp->end) - pp->pos);
	pp->pos = nl != NULL ? nl + 1 : pp->end;
	pp->lineno++;
	if (pp->lineno == 1 && pp->len >= 3 && memcmp(pp->line, "\xef\xbb\xbf", 3) == 0) {
		pp->line += 3;		/* a UTF-8 byte order mark */
		pp->len -= 3;
	}
	if ((nul = memchr(pp->line, '\0', pp->len)) != NULL) {
		policy_fail(pp, (int)(nul - pp->line) + 1, "the line has a NUL byte");
		return NULL;
	}
	i = policy_skip(pp, 0);
	if (i < pp->len && (pp->line[i] == '#' || pp->line[i] == ';')) {
		buf[0] = '\0';	/* a comment, however long */
		return buf;
	}
	if (num < 4 || pp->len > (size_t)num - 3) {
		policy_fail(pp, num - 2, "the line is longer than %d bytes", num - 3);
		return NULL;
	}
	if (i < pp->len && pp->line[i] == '[') {
		if (policy_section_start(pp, i) == -1)
			return NULL;
		buf[0] = '\0';
		return buf;
	}
	memcpy(buf, pp->line + i, pp->len - i);
	buf[pp->len - i] = '\0';
	return buf;
}

/* inih's own error at line `line` (it says no more): a line that is
 * neither a comment, nor a section header, nor KEY = VALUE. */
static void
policy_syntax_error(struct policy_parse *pp, int line)
{
	const char *s = pp->text, *nl;
	size_t n, i;

	for (pp->lineno = 1; pp->lineno < line; pp->lineno++) {
		if ((nl = memchr(s, '\n', (size_t)(pp->end - s))) == NULL)
			break;
		s = nl + 1;
	}
	if (pp->lineno == 1 && pp->end - s >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	nl = memchr(s, '\n', (size_t)(pp->end - s));
	pp->line = s;
	pp->len = (size_t)((nl != NULL ? nl : pp->end) - s);
	i = policy_skip(pp, 0);
	for (n = pp->len; n > i && isspace((unsigned char)pp->line[n - 1]); n--)
		;
	pp->failed = false;	/* it comes before the error we had, if any */
	policy_fail(pp, (int)i + 1, "'%.*s%s' is not KEY = VALUE, a [section] or a comment",
	    n - i > 60 ? 57 : (int)(n - i), pp->line + i, n - i > 60 ? "..." : "");
}

int
policy_parse(struct policy *p, const char *path, const char *text, size_t len,
    struct policy_at at[POLICY_ROWS], char *err, size_t errlen)
{
	struct policy_parse pp;
	int rc;

	memset(&pp, 0, sizeof(pp));
	pp.p = p;
	pp.cap = p->nsecs;
	pp.at = at;
	pp.path = path;
	pp.err = err;
	pp.errlen = errlen;
	pp.text = pp.pos = text;
	pp.end = text + len;
	rc = ini_parse_stream(policy_next_line, &pp, policy_on_key, &pp);
	if (rc > 0 && (!pp.failed || rc < pp.err_line))
		policy_syntax_error(&pp, rc);
	else if (rc < 0 && !pp.failed)
		policy_error(&pp, pp.lineno, 1, "out of memory");
	return pp.failed ? -1 : 0;
}
