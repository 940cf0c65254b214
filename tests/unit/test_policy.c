/* test_policy.c: unit tests for the policy file (daemon/policy.c): a worked
 * example and the grants and limits it gives each client, the command
 * line's --limit over the file, a missing file, and every kind of bad file
 * with the exact place and words of its error. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

static char		dir[64], path[96], err[512];
static struct limits	base;
static struct policy	*p;
static bool		missing;

static void
setup(void)
{
	strcpy(dir, "/tmp/test_policy.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock6d.conf", dir);
	limits_default(&base);
	memset(err, 0, sizeof(err));
	p = NULL;
	missing = true;
}

static void
teardown(void)
{
	policy_free(p);
	unlink(path);
	rmdir(path);
	rmdir(dir);
}

/* The policy file holds text[0..len), mode 0644 whatever the umask. */
static void
write_policy_n(const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fchmod(fd, 0644), 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

static void
write_policy(const char *text)
{
	write_policy_n(text, strlen(text));
}

static struct policy *
load_with(const char *text, const char *const *overrides, size_t n)
{
	write_policy(text);
	p = policy_load(path, &base, overrides, n, &missing, err, sizeof(err));
	ck_assert_msg(p != NULL, "refused: %s", err);
	ck_assert(!missing);
	return p;
}

static struct policy *
load(const char *text)
{
	return load_with(text, NULL, 0);
}

/* The file is refused with err = "PATH:" want. */
static void
assert_refused_with(const char *text, const char *const *overrides, size_t n,
    const char *want)
{
	char full[512];

	write_policy(text);
	strcpy(err, "untouched");
	ck_assert_ptr_null(policy_load(path, &base, overrides, n, &missing, err, sizeof(err)));
	snprintf(full, sizeof(full), "%s:%s", path, want);
	ck_assert_str_eq(err, full);
}

static void
assert_refused(const char *text, const char *want)
{
	assert_refused_with(text, NULL, 0, want);
}

static uid_t
uid_of(const char *name)
{
	struct passwd *pw = getpwnam(name);

	ck_assert_msg(pw != NULL, "no user %s", name);
	return pw->pw_uid;
}

static gid_t
gid_of(const char *name)
{
	struct group *gr = getgrnam(name);

	ck_assert_msg(gr != NULL, "no group %s", name);
	return gr->gr_gid;
}

static const char example[] =
	"# the worked example of sock6d.conf(5)\n"
	"[limits]\n"
	"max_connections = 2048\n"
	"output_per_user = 8388608\n"
	"\n"
	"[user root]\n"
	"export = yes\n"
	"\n"
	"; a user by name\n"
	"[user nobody]\n"
	"bind = inet:80 inet6:443, 8000-8100\n"
	"raw = true\n"
	"options = so-mark,so-priority\n"
	"handles_per_user = 10\n"
	"pending_per_connection = 7\n"
	"\n"
	"[user #4242]\n"
	"bind = 25 ; mail\n"
	"options = ip-transparent\n"
	"\n"
	"[group daemon]\n"
	"bind = inet6:53\n"
	"options = so-bindtodevice\n"
	"\n"
	"[group #4343]\n"
	"raw = yes\n";

START_TEST(test_example)
{
	struct creds nobody = { .uid = uid_of("nobody"), .gid = gid_of("nogroup") };
	struct creds u4242 = { .uid = 4242, .gid = 4242, .ngroups = 2,
		.groups = { 4242, gid_of("daemon") } };
	struct creds primary = { .uid = 5000, .gid = 4343 };
	struct creds supp = { .uid = 5000, .gid = 100, .ngroups = 2, .groups = { 7, 4343 } };
	struct creds root = { .uid = 0, .gid = 0 };
	struct creds other = { .uid = 5001, .gid = 5001, .ngroups = 1, .groups = { 5001 } };

	load(example);
	ck_assert_uint_eq(policy_sections(p), 5);

	/* nobody: per-family ports and a range for both. */
	ck_assert(policy_grants_bind(p, &nobody, AF_INET, 80));
	ck_assert(!policy_grants_bind(p, &nobody, AF_INET6, 80));
	ck_assert(policy_grants_bind(p, &nobody, AF_INET6, 443));
	ck_assert(!policy_grants_bind(p, &nobody, AF_INET, 443));
	ck_assert(policy_grants_bind(p, &nobody, AF_INET, 8000));
	ck_assert(policy_grants_bind(p, &nobody, AF_INET6, 8100));
	ck_assert(!policy_grants_bind(p, &nobody, AF_INET, 7999));
	ck_assert(!policy_grants_bind(p, &nobody, AF_INET6, 8101));
	ck_assert(!policy_grants_bind(p, &nobody, AF_UNIX, 80));
	ck_assert(policy_grants_raw(p, &nobody));
	ck_assert(!policy_grants_export(p, &nobody));
	ck_assert(policy_grants_option(p, &nobody, POLICY_OPT_SO_MARK));
	ck_assert(policy_grants_option(p, &nobody, POLICY_OPT_SO_PRIORITY));
	ck_assert(!policy_grants_option(p, &nobody, POLICY_OPT_SO_BINDTODEVICE));

	/* #4242, and the group daemon through a supplementary group. */
	ck_assert(policy_grants_bind(p, &u4242, AF_INET, 25));
	ck_assert(policy_grants_bind(p, &u4242, AF_INET6, 25));
	ck_assert(policy_grants_bind(p, &u4242, AF_INET6, 53));
	ck_assert(!policy_grants_bind(p, &u4242, AF_INET, 53));
	ck_assert(policy_grants_option(p, &u4242, POLICY_OPT_IP_TRANSPARENT));
	ck_assert(policy_grants_option(p, &u4242, POLICY_OPT_SO_BINDTODEVICE));
	ck_assert(!policy_grants_option(p, &u4242, POLICY_OPT_SO_MARK));
	ck_assert(!policy_grants_raw(p, &u4242));
	u4242.ngroups = 1;
	ck_assert(!policy_grants_bind(p, &u4242, AF_INET6, 53));

	/* #4343 as the primary group, and as a supplementary one. */
	ck_assert(policy_grants_raw(p, &primary));
	ck_assert(policy_grants_raw(p, &supp));
	ck_assert(!policy_grants_bind(p, &primary, AF_INET, 80));

	ck_assert(policy_grants_export(p, &root));
	ck_assert(!policy_grants_raw(p, &root));
	ck_assert(!policy_grants_bind(p, &root, AF_INET, 80));

	ck_assert(!policy_grants_raw(p, &other));
	ck_assert(!policy_grants_export(p, &other));
	ck_assert(!policy_grants_bind(p, &other, AF_INET, 8000));
	ck_assert(!policy_grants_option(p, &other, POLICY_OPT_SO_MARK));
	ck_assert(!policy_grants_option(p, &nobody, POLICY_OPT_COUNT));
	ck_assert(!policy_grants_raw(p, NULL));
}
END_TEST

START_TEST(test_example_limits)
{
	const struct limits *g, *l;

	load(example);
	g = policy_limits(p);
	ck_assert_int_eq(g->max_connections, 2048);
	ck_assert_int_eq(g->output_per_user, 8388608);
	ck_assert_int_eq(g->handles_per_user, base.handles_per_user);
	ck_assert_int_eq(g->max_batch, base.max_batch);

	l = policy_limits_for(p, uid_of("nobody"));
	ck_assert_ptr_ne(l, g);
	ck_assert_int_eq(l->handles_per_user, 10);
	ck_assert_int_eq(l->pending_per_connection, 7);
	ck_assert_int_eq(l->max_connections, 2048);	/* the global ones carry over */
	ck_assert_int_eq(l->output_per_user, 8388608);
	ck_assert_int_eq(l->pending_per_user, base.pending_per_user);

	ck_assert_ptr_eq(policy_limits_for(p, 4242), g);
	ck_assert_ptr_eq(policy_limits_for(p, 31337), g);
	ck_assert_int_eq(policy_limits_for(p, 0)->handles_per_user, base.handles_per_user);
}
END_TEST

/* --limit wins over [limits]; a user's section is more specific than both. */
START_TEST(test_overrides_win)
{
	static const char *const ov[] = { "max_batch=20", "handles_per_user=60" };

	load_with("[limits]\nmax_batch = 10\nhandles_per_user = 50\nmax_depth = 9\n"
	    "[user nobody]\nhandles_per_user = 70\n", ov, 2);
	ck_assert_int_eq(policy_limits(p)->max_batch, 20);
	ck_assert_int_eq(policy_limits(p)->handles_per_user, 60);
	ck_assert_int_eq(policy_limits(p)->max_depth, 9);
	ck_assert_int_eq(policy_limits_for(p, uid_of("nobody"))->handles_per_user, 70);
	ck_assert_int_eq(policy_limits_for(p, uid_of("nobody"))->max_batch, 20);
	ck_assert_int_eq(policy_limits_for(p, 4242)->handles_per_user, 60);
}
END_TEST

/* Root by name and as #0 are the same section; numeric ids need no entry
 * in the user database. */
START_TEST(test_numeric_ids)
{
	struct creds root = { .uid = 0, .gid = 0 };
	struct creds far = { .uid = 4294967294U, .gid = 4294967294U };

	load("[user #0]\nraw = 1\n[user #4294967294]\nexport = TRUE\n"
	    "[group #0]\nbind = 1-1023\n");
	ck_assert(policy_grants_raw(p, &root));
	ck_assert(policy_grants_bind(p, &root, AF_INET, 1));
	ck_assert(policy_grants_bind(p, &root, AF_INET6, 1023));
	ck_assert(!policy_grants_bind(p, &root, AF_INET6, 1024));
	ck_assert(policy_grants_export(p, &far));
	ck_assert(!policy_grants_raw(p, &far));
	policy_free(p);
	load("[user root]\nraw = yes\n");
	ck_assert(policy_grants_raw(p, &root));
}
END_TEST

/* Keys may be indented (no line continues another), repeated list keys add
 * up, "no" grants nothing, comments and CRLF line ends are fine. */
START_TEST(test_layout)
{
	struct creds root = { .uid = 0, .gid = 0 };

	load("\xef\xbb\xbf; byte order mark, then a comment\r\n"
	    "  # indented comment\r\n"
	    "  [ user   root ]   ; comment\r\n"
	    "    bind = 80\r\n"
	    "    raw = no\r\n"
	    "\tbind = inet6:443 ; more\r\n"
	    "  options = so-mark   \r\n"
	    "  options = ipv6-transparent\r\n"
	    "[group daemon] # comment\r\n"
	    "export = False");
	ck_assert(policy_grants_bind(p, &root, AF_INET, 80));
	ck_assert(policy_grants_bind(p, &root, AF_INET6, 443));
	ck_assert(!policy_grants_bind(p, &root, AF_INET, 443));
	ck_assert(!policy_grants_raw(p, &root));
	ck_assert(policy_grants_option(p, &root, POLICY_OPT_SO_MARK));
	ck_assert(policy_grants_option(p, &root, POLICY_OPT_IPV6_TRANSPARENT));
	ck_assert(!policy_grants_option(p, &root, POLICY_OPT_IP_TRANSPARENT));
	ck_assert_uint_eq(policy_sections(p), 2);
}
END_TEST

START_TEST(test_empty_file)
{
	struct creds root = { .uid = 0, .gid = 0 };

	load("");
	ck_assert_uint_eq(policy_sections(p), 0);
	ck_assert(!policy_grants_raw(p, &root));
	ck_assert_int_eq(memcmp(policy_limits(p), &base, sizeof(base)), 0);
	policy_free(p);
	load("[user root]\n[group daemon]\n");
	ck_assert_uint_eq(policy_sections(p), 2);
	ck_assert(!policy_grants_raw(p, &root));
}
END_TEST

START_TEST(test_missing_file)
{
	static const char *const ov[] = { "max_batch=3" };
	struct creds root = { .uid = 0, .gid = 0 };
	struct policy *q;

	q = policy_load(path, &base, ov, 1, &missing, err, sizeof(err));
	ck_assert_msg(q != NULL, "refused: %s", err);
	ck_assert(missing);
	ck_assert_uint_eq(policy_sections(q), 0);
	ck_assert_int_eq(policy_limits(q)->max_batch, 3);
	ck_assert_ptr_eq(policy_limits_for(q, 0), policy_limits(q));
	ck_assert(!policy_grants_bind(q, &root, AF_INET, 80));
	ck_assert(!policy_grants_export(q, &root));
	policy_free(q);
	q = policy_load(path, &base, NULL, 0, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(q);
	policy_free(q);
}
END_TEST

/* The reader takes what the file holds, whatever its size up to 1 MiB (the
 * last section of a file of comments still counts), and refuses one byte
 * more. */
START_TEST(test_file_size)
{
	const size_t max = 1024 * 1024;
	static const char tail[] = "[user root]\nraw = yes\n";
	struct creds root = { .uid = 0, .gid = 0 };
	char *text, want[160];
	size_t i;

	ck_assert_ptr_nonnull(text = malloc(max + 1));
	for (i = 0; i < max; i += 64) {
		memset(text + i, ' ', 64);
		text[i] = '#';
		text[i + 63] = '\n';
	}
	memcpy(text + max - 64, tail, strlen(tail));	/* its line, # of the rest */
	text[max - 64 + strlen(tail)] = '#';
	write_policy_n(text, max);
	p = policy_load(path, &base, NULL, 0, &missing, err, sizeof(err));
	ck_assert_msg(p != NULL, "refused: %s", err);
	ck_assert_uint_eq(policy_sections(p), 1);
	ck_assert(policy_grants_raw(p, &root));
	policy_free(p);
	p = NULL;

	text[max] = '\n';
	write_policy_n(text, max + 1);
	ck_assert_ptr_null(policy_load(path, &base, NULL, 0, &missing, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: the policy file is larger than 1 MiB", path);
	ck_assert_str_eq(err, want);
	free(text);
}
END_TEST

START_TEST(test_option_names)
{
	int opt;

	for (opt = 0; opt < POLICY_OPT_COUNT; opt++)
		ck_assert_int_eq(policy_option_from_name(policy_option_name(opt)), opt);
	ck_assert_str_eq(policy_option_name(POLICY_OPT_SO_MARK), "so-mark");
	ck_assert_str_eq(policy_option_name(POLICY_OPT_SO_BINDTODEVICE), "so-bindtodevice");
	ck_assert_str_eq(policy_option_name(POLICY_OPT_IP_TRANSPARENT), "ip-transparent");
	ck_assert_str_eq(policy_option_name(POLICY_OPT_IPV6_TRANSPARENT), "ipv6-transparent");
	ck_assert_str_eq(policy_option_name(POLICY_OPT_SO_PRIORITY), "so-priority");
	ck_assert_ptr_null(policy_option_name(POLICY_OPT_COUNT));
	ck_assert_int_eq(policy_option_from_name("SO-MARK"), -1);
	ck_assert_int_eq(policy_option_from_name("so_mark"), -1);
}
END_TEST

START_TEST(test_bad_section_kind)
{
	assert_refused("[users root]\n", "1:2: unknown section kind 'users' (did you mean "
	    "'user'?): sections are [limits], [user NAME] and [group NAME]");
	assert_refused("# c\n  [ policy ]\n", "2:5: unknown section kind 'policy': "
	    "sections are [limits], [user NAME] and [group NAME]");
	assert_refused("[]\n", "1:1: the section header is empty: "
	    "sections are [limits], [user NAME] and [group NAME]");
	assert_refused("[limits x]\n", "1:9: [limits] takes no name");
	assert_refused("[user]\n", "1:2: [user] needs a user name or #UID");
	assert_refused("[group  ]\n", "1:2: [group] needs a group name or #GID");
	assert_refused("[user root\n", "1:1: the section header has no closing ']'");
	assert_refused("[user root] raw = yes\n",
	    "1:13: unexpected text after the section header's ']'");
	assert_refused("[limits]\n[limits]\n", "2:2: [limits] is given twice (first on line 1)");
}
END_TEST

START_TEST(test_unknown_user_group)
{
	assert_refused("[limits]\n[user no:such:user]\n", "2:7: unknown user 'no:such:user'");
	assert_refused("[group no:such:group]\n", "1:8: unknown group 'no:such:group'");
	assert_refused("[user #12a]\n", "1:7: '#12a' is not a user id: "
	    "'#' is followed by a number from 0 to 4294967294");
	assert_refused("[group #]\n", "1:8: '#' is not a group id: "
	    "'#' is followed by a number from 0 to 4294967294");
	assert_refused("[user #4294967295]\n", "1:7: '#4294967295' is not a user id: "
	    "'#' is followed by a number from 0 to 4294967294");
}
END_TEST

START_TEST(test_duplicate_section)
{
	char want[256];

	assert_refused("[user root]\nraw = yes\n\n[user #0]\n", "4:7: duplicate section "
	    "for user '#0' (uid 0): its first section is on line 1");
	snprintf(want, sizeof(want), "3:8: duplicate section for group 'daemon' (gid %lu): "
	    "its first section is on line 1", (unsigned long)gid_of("daemon"));
	assert_refused("[group daemon]\n[user daemon]\n[group daemon]\n", want);
}
END_TEST

START_TEST(test_unknown_key)
{
	assert_refused("[user root]\nbnid = 80\n", "2:1: unknown key 'bnid' in a [user] "
	    "section (did you mean 'bind'?): its keys are bind, raw, export, options and "
	    "the per-user limits");
	assert_refused("[user root]\n  handles_per_usr = 9\n", "2:3: unknown key "
	    "'handles_per_usr' in a [user] section (did you mean 'handles_per_user'?): its "
	    "keys are bind, raw, export, options and the per-user limits");
	assert_refused("[group daemon]\nexprot = yes\n", "2:1: unknown key 'exprot' in a "
	    "[group] section (did you mean 'export'?): its keys are bind, raw, export, options");
	assert_refused("[group daemon]\nfoo = yes\n", "2:1: unknown key 'foo' in a "
	    "[group] section: its keys are bind, raw, export, options");
	assert_refused("[limits]\nmax_conections = 5\n", "2:1: unknown limit "
	    "'max_conections' (did you mean 'max_connections'?)");
	assert_refused("[limits]\nbind = 80\n", "2:1: bind is a grant: grants go in "
	    "[user NAME] and [group NAME] sections, not in [limits]");
	assert_refused("[user root]\nmax_connections = 5\n", "2:1: max_connections is a "
	    "global limit: it goes in [limits], not in a [user] section");
}
END_TEST

START_TEST(test_limit_in_group)
{
	assert_refused("[group daemon]\nraw = yes\nhandles_per_user = 5\n", "3:1: limits "
	    "are per user: handles_per_user cannot be set in a [group] section, only in "
	    "[user NAME] or [limits]");
}
END_TEST

START_TEST(test_outside_section)
{
	assert_refused("# no section yet\nraw = yes\n[user root]\n", "2:1: raw is outside "
	    "any section: keys go under [limits], [user NAME] or [group NAME]");
}
END_TEST

START_TEST(test_bad_bool)
{
	assert_refused("[user root]\nraw = maybe\n", "2:7: 'maybe' is not a boolean: "
	    "raw takes yes, no, true, false, 1 or 0");
	assert_refused("[user root]\nexport =   yes # web\n", "2:16: unexpected '# web' "
	    "after the value of export, which is one word (a comment after a value "
	    "starts with ';')");
	assert_refused("[user root]\nraw = yes,\n", "2:7: 'yes,' is not a boolean: "
	    "raw takes yes, no, true, false, 1 or 0");
	assert_refused("[group daemon]\nraw = yes\nraw = no\n", "3:1: raw is given twice "
	    "in this section (first on line 2)");
}
END_TEST

START_TEST(test_bad_option)
{
	assert_refused("[user root]\noptions = so-mark, so-mak\n", "2:20: unknown option "
	    "'so-mak' (did you mean 'so-mark'?): options are so-mark, so-bindtodevice, "
	    "ip-transparent, ipv6-transparent and so-priority");
	assert_refused("[user root]\noptions = SO_MARK\n", "2:11: unknown option "
	    "'SO_MARK' (did you mean 'so-mark'?): options are so-mark, so-bindtodevice, "
	    "ip-transparent, ipv6-transparent and so-priority");
	assert_refused("[user root]\noptions = tcp-nodelay\n", "2:11: unknown option "
	    "'tcp-nodelay': options are so-mark, so-bindtodevice, "
	    "ip-transparent, ipv6-transparent and so-priority");
}
END_TEST

START_TEST(test_bad_limit)
{
	assert_refused("[limits]\nmax_batch = 0\n", "2:13: limit max_batch must be an "
	    "integer from 1 to 100000, not '0'");
	assert_refused("[limits]\nmax_batch = 100001\n", "2:13: limit max_batch must be an "
	    "integer from 1 to 100000, not '100001'");
	assert_refused("[limits]\nmax_batch = -5\n", "2:13: limit max_batch must be an "
	    "integer from 1 to 100000, not '-5'");
	assert_refused("[limits]\nmax_batch = 99999999999999999999999\n", "2:13: limit "
	    "max_batch must be an integer from 1 to 100000, not '99999999999999999999999'");
	assert_refused("[limits]\nmax_batch = 10k\n", "2:13: limit max_batch must be an "
	    "integer from 1 to 100000, not '10k'");
	assert_refused("[limits]\nmax_batch = 0x10\n", "2:13: limit max_batch must be an "
	    "integer from 1 to 100000, not '0x10'");
	assert_refused("[limits]\nmax_batch = #5\n", "2:13: limit max_batch must be an "
	    "integer from 1 to 100000, not '#5' (a comment after a value starts with ';')");
	assert_refused("[limits]\nmax_batch = 10 20\n", "2:16: unexpected '20' after the "
	    "value of max_batch, which is one word");
	assert_refused("[limits]\nmax_batch = 10\nmax_batch = 20\n", "3:1: max_batch is "
	    "given twice in [limits] (first on line 2)");
	assert_refused("[user nobody]\nhandles_per_user = 0\n", "2:20: limit "
	    "handles_per_user must be an integer from 1 to 10000000, not '0'");
	assert_refused("[user nobody]\nhandles_per_user = 5\nhandles_per_user = 6\n",
	    "3:1: handles_per_user is given twice in this section (first on line 2)");
}
END_TEST

START_TEST(test_bad_port)
{
	const char *spec = "bind takes PORT or LO-HI, each optionally after inet: or inet6:";
	char want[256];

	snprintf(want, sizeof(want), "2:11: 'http' is not a port spec: %s", spec);
	assert_refused("[user root]\nbind = 80 http\n", want);
	snprintf(want, sizeof(want), "2:8: '80-' is not a port spec: %s", spec);
	assert_refused("[user root]\nbind = 80-\n", want);
	snprintf(want, sizeof(want), "2:8: 'inet:' is not a port spec: %s", spec);
	assert_refused("[user root]\nbind = inet:\n", want);
	snprintf(want, sizeof(want), "2:8: '1-2-3' is not a port spec: %s", spec);
	assert_refused("[user root]\nbind = 1-2-3\n", want);
	snprintf(want, sizeof(want), "2:11: '#' is not a port spec: %s (a comment after "
	    "a value starts with ';')", spec);
	assert_refused("[user root]\nbind = 80 # web\n", want);
	assert_refused("[user root]\nbind = 0\n", "2:8: port spec '0' is out of range: "
	    "ports go from 1 to 65535");
	assert_refused("[user root]\nbind = inet6:1-65536\n", "2:8: port spec "
	    "'inet6:1-65536' is out of range: ports go from 1 to 65535");
	assert_refused("[user root]\nbind = 80,443-80\n", "2:11: port range '443-80' runs "
	    "backwards: 443 is above 80");
	assert_refused("[user root]\nbind = ipv4:80\n", "2:8: unknown address family 'ipv4' "
	    "in 'ipv4:80': a port spec starts with inet:, inet6: or the port");
}
END_TEST

START_TEST(test_bad_line)
{
	static const char nul[] = "[user root]\nraw = y\0es\n";
	char text[512];

	assert_refused("[user root]\nbind 80\n", "2:1: 'bind 80' is not KEY = VALUE, "
	    "a [section] or a comment");
	assert_refused("[user root]\nraw = yes\n  just some words ; c\n[user daemon]\n",
	    "3:3: 'just some words ; c' is not KEY = VALUE, a [section] or a comment");
	/* inih's error comes before one of ours further down. */
	assert_refused("[user root]\nbind\nraw = maybe\n", "2:1: 'bind' is not KEY = VALUE, "
	    "a [section] or a comment");
	assert_refused("[user root]\nbind: 80\n", "2:5: expected '=' after the key 'bind', "
	    "not ':'");
	assert_refused("[user root]\n = 80\n", "2:2: there is no key before '='");
	assert_refused("[user root]\nbind =   \n", "2:10: bind has no value");
	assert_refused("[user root]\nbind = ; nothing\n", "2:8: bind has no value");
	write_policy_n(nul, sizeof(nul) - 1);
	ck_assert_ptr_null(policy_load(path, &base, NULL, 0, &missing, err, sizeof(err)));
	snprintf(text, sizeof(text), "%s:2:8: the line has a NUL byte", path);
	ck_assert_str_eq(err, text);

	memset(text, 0, sizeof(text));
	strcpy(text, "[user root]\nbind =");
	memset(text + strlen(text), ' ', 300);
	strcat(text, "80\n");
	assert_refused(text, "2:198: the line is longer than 197 bytes");

	/* A comment may be longer. */
	memset(text, 0, sizeof(text));
	strcpy(text, "[user root]\n  ;");
	memset(text + strlen(text), 'x', 300);
	strcat(text, " = \nraw = yes\n");
	policy_free(load(text));
	p = NULL;
}
END_TEST

/* The cross-field check is blamed on the last line of the file that set a
 * limit it names; --limit alone is not the file's fault. */
START_TEST(test_cross_check)
{
	static const char *const high[] = { "output_high=4096" };
	static const char *const bad[] = { "nope=1" };

	assert_refused("[limits]\noutput_low = 5000\n  output_high = 4096\nmax_batch = 3\n",
	    "3:3: limit output_low (5000) is above output_high (4096)");
	assert_refused("[limits]\noutput_high = 4096\n\noutput_low = 5000\n",
	    "4:1: limit output_low (5000) is above output_high (4096)");
	assert_refused("[limits]\nmax_connections = 10\nroot_connections = 10\n",
	    "3:1: limit root_connections (10) is not below max_connections (10)");
	assert_refused_with("[limits]\noutput_low = 300000\n", high, 1, "2:1: limit "
	    "output_low (300000) is above output_high (4096) (output_high is set by --limit)");

	/* The file lowers output_low below the command line's output_high. */
	load_with("[limits]\noutput_low = 1024\n", high, 1);
	ck_assert_int_eq(policy_limits(p)->output_high, 4096);
	ck_assert_int_eq(policy_limits(p)->output_low, 1024);

	write_policy("[limits]\nmax_batch = 5\n");
	ck_assert_ptr_null(policy_load(path, &base, high, 1, &missing, err, sizeof(err)));
	ck_assert_str_eq(err, "--limit: limit output_low (262144) is above output_high (4096)");
	ck_assert_ptr_null(policy_load(path, &base, bad, 1, &missing, err, sizeof(err)));
	ck_assert_str_eq(err, "--limit nope=1: unknown limit 'nope'");
}
END_TEST

START_TEST(test_unreadable)
{
	char want[256];

	/* A directory. */
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_ptr_null(policy_load(path, &base, NULL, 0, &missing, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: cannot read the policy file: Is a directory", path);
	ck_assert_str_eq(err, want);
	ck_assert(!missing);
	ck_assert_int_eq(rmdir(path), 0);

	/* Writable by everyone. */
	write_policy("");
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_ptr_null(policy_load(path, &base, NULL, 0, &missing, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: the policy file is writable by every user; it "
	    "grants privileges, so only its owner may write it", path);
	ck_assert_str_eq(err, want);

	/* Writable by a group other than root's (when the test may chown). */
	if (geteuid() == 0) {
		ck_assert_int_eq(chmod(path, 0664), 0);
		ck_assert_int_eq(chown(path, 0, 100), 0);
		ck_assert_ptr_null(policy_load(path, &base, NULL, 0, &missing, err, sizeof(err)));
		snprintf(want, sizeof(want), "%s: the policy file is writable by group 100; it "
		    "grants privileges, so only its owner (or root's group) may write it", path);
		ck_assert_str_eq(err, want);
		ck_assert_int_eq(chown(path, 0, 0), 0);
		ck_assert_ptr_nonnull(p = policy_load(path, &base, NULL, 0, &missing, err,
		    sizeof(err)));
		policy_free(p);
		p = NULL;
	}

	/* Not readable: root reads it all the same, so only for others. */
	ck_assert_int_eq(chmod(path, 0), 0);
	if (geteuid() != 0) {
		ck_assert_ptr_null(policy_load(path, &base, NULL, 0, &missing, err, sizeof(err)));
		snprintf(want, sizeof(want), "%s: cannot open the policy file: "
		    "Permission denied", path);
		ck_assert_str_eq(err, want);
	} else {
		/* Owned by another user than root and the daemon's. */
		ck_assert_int_eq(chmod(path, 0644), 0);
		ck_assert_int_eq(chown(path, uid_of("nobody"), 0), 0);
		ck_assert_ptr_null(policy_load(path, &base, NULL, 0, &missing, err, sizeof(err)));
		snprintf(want, sizeof(want), "%s: the policy file is owned by uid %lu; it must "
		    "be owned by root or by the daemon's user", path,
		    (unsigned long)uid_of("nobody"));
		ck_assert_str_eq(err, want);
	}
}
END_TEST

/* A message longer than err is cut, never overrun. */
START_TEST(test_err_truncated)
{
	char small[24];

	memset(small, 'X', sizeof(small));
	write_policy("[users root]\n");
	ck_assert_ptr_null(policy_load(path, &base, NULL, 0, &missing, small, 16));
	ck_assert_uint_eq(strlen(small), 15);
	ck_assert_int_eq(small[16], 'X');
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite	*s = suite_create("policy");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_example_limits);
	tcase_add_test(tc, test_overrides_win);
	tcase_add_test(tc, test_numeric_ids);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_option_names);
	tcase_add_test(tc, test_bad_section_kind);
	tcase_add_test(tc, test_unknown_user_group);
	tcase_add_test(tc, test_duplicate_section);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_limit_in_group);
	tcase_add_test(tc, test_outside_section);
	tcase_add_test(tc, test_bad_bool);
	tcase_add_test(tc, test_bad_option);
	tcase_add_test(tc, test_bad_limit);
	tcase_add_test(tc, test_bad_port);
	tcase_add_test(tc, test_bad_line);
	tcase_add_test(tc, test_cross_check);
	tcase_add_test(tc, test_unreadable);
	tcase_add_test(tc, test_err_truncated);
	tcase_add_test(tc, test_file_size);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(policy_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
