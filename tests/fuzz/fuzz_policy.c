/* fuzz_policy.c: libFuzzer target for the policy file reader
 * (daemon/policy-parse.c over inih, daemon/policy-option.c, and the loading
 * and look-ups of daemon/policy.c).  Each input is parsed from memory, then
 * loaded as a file (a memfd, as a root-owned 0600 regular file): both must
 * agree, an error must name a line and column inside the input, and a
 * policy that loads must answer its look-ups.  See README.md. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "creds.h"
#include "limit.h"
#include "policy.h"
#include "policy-parse.h"

#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATH		"fuzz.conf"

/* The length of line `line` (from 1) of text, without its newline, or -1
 * when the text has fewer lines. */
static long
line_length(const char *text, size_t size, long line)
{
	const char	*p = text, *end = text + size, *nl;
	long		 i;

	for (i = 1; i < line; i++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return -1;
		p = nl + 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	return (long)((nl != NULL ? nl : end) - p);
}

/* An error "PATH:LINE:COL: sentence" names a place in the input. */
static void
check_place(const char *err, const char *text, size_t size)
{
	char	*end;
	long	 line, col, len;

	CHECK(strncmp(err, PATH ":", strlen(PATH) + 1) == 0);
	line = strtol(err + strlen(PATH) + 1, &end, 10);
	CHECK(*end == ':');
	col = strtol(end + 1, &end, 10);
	CHECK(*end == ':' && end[1] == ' ' && end[2] != '\0');
	CHECK(line >= 1 && (len = line_length(text, size, line)) >= 0);
	CHECK(col >= 1 && col <= len + 1);
}

/* A loaded policy's look-ups, for every section's id and one absent. */
static void
check_lookups(const struct policy *p, const struct policy *parsed)
{
	struct creds	 who;
	size_t		 i;
	unsigned	 port;
	int		 opt;

	CHECK(policy_sections(p) == parsed->nsecs);
	CHECK(limits_check(policy_limits(p), (char [256]){ 0 }, 256) == 0);
	for (i = 0; i <= parsed->nsecs; i++) {
		memset(&who, 0, sizeof(who));
		who.uid = i < parsed->nsecs ? (uid_t)parsed->secs[i].id : 4294967294u;
		who.gid = who.uid;
		who.ngroups = 1;
		who.groups[0] = who.gid;
		CHECK(policy_limits_for(p, who.uid) != NULL);
		(void)policy_grants_raw(p, &who);
		(void)policy_grants_export(p, &who);
		for (opt = 0; opt < POLICY_OPT_COUNT; opt++)
			(void)policy_grants_option(p, &who, (enum policy_option)opt);
		for (port = 0; port < 1024; port += 97) {
			(void)policy_grants_bind(p, &who, AF_INET, port);
			(void)policy_grants_bind(p, &who, AF_INET6, port);
		}
		/* A section's ports are granted, in the families it names. */
		if (i < parsed->nsecs && parsed->secs[i].kind == POLICY_USER &&
		    parsed->secs[i].nports > 0) {
			const struct policy_ports *r = &parsed->secs[i].ports[0];

			if (r->families & POLICY_INET)
				CHECK(policy_grants_bind(p, &who, AF_INET, r->lo));
			if (r->families & POLICY_INET6)
				CHECK(policy_grants_bind(p, &who, AF_INET6, r->hi));
		}
	}
}

static void
check_parsed(const struct policy *p, const struct policy_at *at, const char *text,
    size_t size)
{
	const struct policy_section	*sec;
	size_t				 i, j;
	int				 row;

	for (i = 0; i < p->nsecs; i++) {
		sec = &p->secs[i];
		CHECK(sec->kind == POLICY_USER || sec->kind == POLICY_GROUP);
		CHECK(sec->id <= 4294967294UL);
		CHECK(sec->line >= 1 && line_length(text, size, sec->line) >= 0);
		CHECK(sec->raw_line == 0 || sec->raw_line > sec->line);
		CHECK(sec->export_line == 0 || sec->export_line > sec->line);
		CHECK((sec->nports == 0) == (sec->ports == NULL) || sec->nports == 0);
		for (j = 0; j < sec->nports; j++) {
			CHECK(sec->ports[j].lo <= sec->ports[j].hi);
			CHECK(sec->ports[j].hi <= 65535);
			CHECK(sec->ports[j].families != 0 &&
			    (sec->ports[j].families & ~(POLICY_INET | POLICY_INET6)) == 0);
		}
		CHECK(sec->kind == POLICY_USER || sec->set == 0);
		for (row = 0; row < (int)POLICY_ROWS; row++)
			if (sec->set & (1u << row))
				CHECK(sec->set_line[row] > sec->line &&
				    line_length(text, size, sec->set_line[row]) >= 0);
		for (j = 0; j < i; j++)
			CHECK(p->secs[j].kind != sec->kind || p->secs[j].id != sec->id);
	}
	for (row = 0; row < (int)POLICY_ROWS; row++)
		if (at[row].line != 0) {
			long len = line_length(text, size, at[row].line);

			CHECK(at[row].line > 0 && len >= 0);
			CHECK(at[row].col >= 1 && at[row].col <= len + 1);
		}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_at	 at[POLICY_ROWS];
	struct policy		 parsed, *loaded;
	struct limits		 base;
	char			 err[512], err2[512], path[64];
	const char		*text = (const char *)data;
	size_t			 i;
	int			 rc, fd;
	bool			 missing;

	limits_default(&base);
	memset(&parsed, 0, sizeof(parsed));
	memset(at, 0, sizeof(at));
	parsed.limits = base;
	err[0] = '\0';
	rc = policy_parse(&parsed, PATH, text, size, at, err, sizeof(err));
	CHECK(rc == 0 || rc == -1);
	if (rc == -1)
		check_place(err, text, size);
	else
		check_parsed(&parsed, at, text, size);

	/* The same bytes as a file, through policy_load. */
	if ((fd = memfd_create("fuzz-policy", MFD_CLOEXEC)) == -1 || fchmod(fd, 0600) == -1)
		abort();
	for (i = 0; i < size; ) {
		ssize_t n = write(fd, data + i, size - i);

		if (n <= 0)
			abort();
		i += (size_t)n;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err2[0] = '\0';
	loaded = policy_load(path, &base, NULL, 0, &missing, err2, sizeof(err2));
	close(fd);
	CHECK(!missing);
	if (rc == -1) {
		/* The same first error, at the same place, under another name. */
		CHECK(loaded == NULL);
		CHECK(strncmp(err2, path, strlen(path)) == 0);
		CHECK(strcmp(err2 + strlen(path), err + strlen(PATH)) == 0);
	} else if (loaded == NULL) {
		/* Parsed, but the limits conflict: blamed on a line that set one. */
		CHECK(strncmp(err2, path, strlen(path)) == 0 && err2[strlen(path)] == ':');
		memmove(err2 + strlen(PATH), err2 + strlen(path),
		    strlen(err2 + strlen(path)) + 1);
		memcpy(err2, PATH, strlen(PATH));
		check_place(err2, text, size);
		CHECK(limits_check(&parsed.limits, err, sizeof(err)) == -1);
	} else {
		CHECK(limits_check(&parsed.limits, err, sizeof(err)) == 0);
		check_lookups(loaded, &parsed);
		policy_free(loaded);
	}
	for (i = 0; i < parsed.nsecs; i++)
		free(parsed.secs[i].ports);
	free(parsed.secs);
	return 0;
}
