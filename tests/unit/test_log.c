/* test_log.c: unit tests for the daemon's leveled logging to stderr: level
 * names, filtering, the line format (timestamped, or with priority prefixes
 * under the journal), errno handling and escaping untrusted bytes
 * (daemon/log.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static int	 saved_stderr = -1;
static int	 pipefd[2] = { -1, -1 };
static char	 got[4096];	/* what was logged, NUL-terminated */

/* stderr goes to a pipe for the whole test; the journal is off. */
static void
setup(void)
{
	fflush(stderr);
	ck_assert_int_ne(saved_stderr = dup(STDERR_FILENO), -1);
	ck_assert_int_eq(pipe2(pipefd, O_NONBLOCK | O_CLOEXEC), 0);
	ck_assert_int_eq(dup2(pipefd[1], STDERR_FILENO), STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_LVL_INFO);
}

static void
teardown(void)
{
	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	close(pipefd[0]);
	close(pipefd[1]);
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_LVL_INFO);
}

/* Everything logged since the last call. */
static const char *
logged(void)
{
	size_t n = 0;
	ssize_t r;

	fflush(stderr);
	while ((r = read(pipefd[0], got + n, sizeof(got) - 1 - n)) > 0)
		n += (size_t)r;
	ck_assert_int_eq(r, -1);
	ck_assert_int_eq(errno, EAGAIN);
	got[n] = '\0';
	return got;
}

/* A timestamped line: "YYYY-MM-DDTHH:MM:SS.mmmZ " then rest exactly. */
static void
assert_stamped(const char *line, const char *rest)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
	size_t i;

	ck_assert_msg(strlen(line) >= sizeof(shape) - 1, "short line '%s'", line);
	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd')
			ck_assert_msg(line[i] >= '0' && line[i] <= '9',
			    "no digit at %zu in '%s'", i, line);
		else
			ck_assert_msg(line[i] == shape[i], "no '%c' at %zu in '%s'",
			    shape[i], i, line);
	}
	ck_assert_str_eq(line + sizeof(shape) - 1, rest);
}

static void
journal_on(enum log_level level)
{
	char v[64];
	struct stat st;

	/* JOURNAL_STREAM names stderr's device and inode, as systemd sets it. */
	ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	ck_assert_int_eq(setenv("JOURNAL_STREAM", v, 1), 0);
	log_init(level);
}

/* Level names */

START_TEST(test_level_parse)
{
	ck_assert_int_eq(log_level_parse("error"), LOG_LVL_ERROR);
	ck_assert_int_eq(log_level_parse("warn"), LOG_LVL_WARN);
	ck_assert_int_eq(log_level_parse("info"), LOG_LVL_INFO);
	ck_assert_int_eq(log_level_parse("debug"), LOG_LVL_DEBUG);
	ck_assert_int_eq(log_level_parse(""), -1);
	ck_assert_int_eq(log_level_parse("WARN"), -1);
	ck_assert_int_eq(log_level_parse("warning"), -1);
	ck_assert_int_eq(log_level_parse("info "), -1);
	ck_assert_int_eq(log_level_parse("debug2"), -1);
	ck_assert_int_eq(log_level_parse("err"), -1);
	ck_assert_int_eq(log_level_parse("3"), -1);
}
END_TEST

START_TEST(test_enabled)
{
	log_init(LOG_LVL_ERROR);
	ck_assert_int_eq(log_enabled(LOG_LVL_ERROR), 1);
	ck_assert_int_eq(log_enabled(LOG_LVL_WARN), 0);
	ck_assert_int_eq(log_enabled(LOG_LVL_INFO), 0);
	ck_assert_int_eq(log_enabled(LOG_LVL_DEBUG), 0);
	log_init(LOG_LVL_WARN);
	ck_assert_int_eq(log_enabled(LOG_LVL_ERROR), 1);
	ck_assert_int_eq(log_enabled(LOG_LVL_WARN), 1);
	ck_assert_int_eq(log_enabled(LOG_LVL_INFO), 0);
	ck_assert_int_eq(log_enabled(LOG_LVL_DEBUG), 0);
	log_init(LOG_LVL_INFO);
	ck_assert_int_eq(log_enabled(LOG_LVL_ERROR), 1);
	ck_assert_int_eq(log_enabled(LOG_LVL_WARN), 1);
	ck_assert_int_eq(log_enabled(LOG_LVL_INFO), 1);
	ck_assert_int_eq(log_enabled(LOG_LVL_DEBUG), 0);
	log_init(LOG_LVL_DEBUG);
	ck_assert_int_eq(log_enabled(LOG_LVL_ERROR), 1);
	ck_assert_int_eq(log_enabled(LOG_LVL_WARN), 1);
	ck_assert_int_eq(log_enabled(LOG_LVL_INFO), 1);
	ck_assert_int_eq(log_enabled(LOG_LVL_DEBUG), 1);
}
END_TEST

/* Line format on a plain stderr */

START_TEST(test_format_warnx)
{
	log_warnx("conn %d: %s", 7, "hello");
	assert_stamped(logged(), "warn: conn 7: hello\n");
}
END_TEST

START_TEST(test_format_levels)
{
	log_init(LOG_LVL_DEBUG);
	log_error("e");
	assert_stamped(logged(), "error: e\n");
	log_info("i");
	assert_stamped(logged(), "info: i\n");
	log_debug("d");
	assert_stamped(logged(), "debug: d\n");
}
END_TEST

/* log_warn appends ": strerror(errno)"; the others never do. */
START_TEST(test_format_warn_errno)
{
	errno = ECONNREFUSED;
	log_warn("connect %s", "x");
	assert_stamped(logged(), "warn: connect x: Connection refused\n");
	errno = ECONNREFUSED;
	log_warnx("plain");
	assert_stamped(logged(), "warn: plain\n");
	errno = ECONNREFUSED;
	log_error("plain");
	assert_stamped(logged(), "error: plain\n");
}
END_TEST

/* One message per line, however many are logged. */
START_TEST(test_format_several_lines)
{
	char *p, *nl;

	log_warnx("one");
	log_info("two");
	log_error("three");
	p = (char *)logged();
	ck_assert_ptr_nonnull(nl = strchr(p, '\n'));
	nl[0] = '\0';
	assert_stamped(p, "warn: one");
	p = nl + 1;
	ck_assert_ptr_nonnull(nl = strchr(p, '\n'));
	nl[0] = '\0';
	assert_stamped(p, "info: two");
	assert_stamped(nl + 1, "error: three\n");
}
END_TEST

/* Filtering */

START_TEST(test_debug_suppressed_at_info)
{
	log_debug("hidden %d", 1);
	ck_assert_str_eq(logged(), "");
	log_info("shown");
	assert_stamped(logged(), "info: shown\n");
}
END_TEST

START_TEST(test_error_level_filters)
{
	log_init(LOG_LVL_ERROR);
	log_warnx("w");
	errno = EPIPE;
	log_warn("w");
	log_info("i");
	log_debug("d");
	ck_assert_str_eq(logged(), "");
	log_error("e");
	assert_stamped(logged(), "error: e\n");
}
END_TEST

/* Under the journal */

START_TEST(test_journal_prefixes)
{
	journal_on(LOG_LVL_DEBUG);
	log_error("e");
	ck_assert_str_eq(logged(), "<3>e\n");
	log_warnx("w %d", 2);
	ck_assert_str_eq(logged(), "<4>w 2\n");
	log_info("i");
	ck_assert_str_eq(logged(), "<6>i\n");
	log_debug("d");
	ck_assert_str_eq(logged(), "<7>d\n");
}
END_TEST

START_TEST(test_journal_warn_errno)
{
	journal_on(LOG_LVL_INFO);
	errno = EADDRINUSE;
	log_warn("bind %s", "/run/x");
	ck_assert_str_eq(logged(), "<4>bind /run/x: Address already in use\n");
	log_debug("d");
	ck_assert_str_eq(logged(), "");
}
END_TEST

/* A JOURNAL_STREAM that is not stderr (redirected after systemd started
 * the daemon) means plain lines. */
START_TEST(test_journal_stream_elsewhere)
{
	ck_assert_int_eq(setenv("JOURNAL_STREAM", "8:12345", 1), 0);
	log_init(LOG_LVL_INFO);
	log_warnx("plain");
	assert_stamped(logged(), "warn: plain\n");
}
END_TEST

/* An audit line: notice in the journal, whatever the level. */
START_TEST(test_audit_line)
{
	journal_on(LOG_LVL_ERROR);
	log_audit("uid=%u grant=\"%s\" used", 1000u, "bind inet:80");
	ck_assert_str_eq(logged(), "<5>audit: uid=1000 grant=\"bind inet:80\" used\n");
	log_init(LOG_LVL_ERROR);
	unsetenv("JOURNAL_STREAM");
	log_init(LOG_LVL_ERROR);
	log_audit("x");
	assert_stamped(logged(), "audit: x\n");
}
END_TEST

/* JOURNAL_STREAM is read by log_init, not on every line. */
START_TEST(test_journal_read_at_init)
{
	journal_on(LOG_LVL_INFO);
	unsetenv("JOURNAL_STREAM");
	log_warnx("still journal");
	ck_assert_str_eq(logged(), "<4>still journal\n");
	log_init(LOG_LVL_INFO);
	log_warnx("plain");
	assert_stamped(logged(), "warn: plain\n");
}
END_TEST

/* A message past the line buffer is cut, the line still ends. */
START_TEST(test_long_message_cut)
{
	static char big[3000], want[1100];

	memset(big, 'x', sizeof(big) - 1);
	journal_on(LOG_LVL_INFO);
	log_warnx("%s", big);
	want[0] = '<';
	want[1] = '4';
	want[2] = '>';
	memset(want + 3, 'x', 1023);
	want[3 + 1023] = '\n';
	ck_assert_str_eq(logged(), want);
}
END_TEST

/* errno */

START_TEST(test_errno_preserved)
{
	int fd;

	errno = ENOTCONN;
	log_info("i");
	ck_assert_int_eq(errno, ENOTCONN);
	log_debug("suppressed");
	ck_assert_int_eq(errno, ENOTCONN);
	log_warn("w");
	ck_assert_int_eq(errno, ENOTCONN);
	logged();
	/* Even when writing the line fails and sets errno itself. */
	ck_assert_int_ne(fd = open("/dev/full", O_WRONLY | O_CLOEXEC), -1);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	errno = EMSGSIZE;
	log_error("lost");
	ck_assert_int_eq(errno, EMSGSIZE);
	errno = EMSGSIZE;
	log_warn("lost");
	ck_assert_int_eq(errno, EMSGSIZE);
	clearerr(stderr);
}
END_TEST

/* Never blocking */

/* stderr is a blocking pipe or stream socket nobody reads: logging
 * returns at once with each line stderr cannot take dropped and counted,
 * and once it is read again the count comes first. */
static void
check_never_blocks(int rd, int wr)
{
	char buf[65536];
	ssize_t r;
	size_t n = 0;
	int i;

	fflush(stderr);
	ck_assert_int_eq(dup2(wr, STDERR_FILENO), STDERR_FILENO);
	close(wr);
	log_init(LOG_LVL_INFO);
	alarm(20);		/* a blocked write fails the test, not hangs it */
	for (i = 0; i < 20000; i++)
		log_info("line %d of a flood nobody reads", i);
	alarm(0);
	ck_assert_int_eq(fcntl(rd, F_SETFL, O_NONBLOCK), 0);
	while ((r = read(rd, buf, sizeof(buf))) > 0)
		n += (size_t)r;
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, 20000 * 40);	/* most were dropped */
	log_info("after");
	r = read(rd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(r, 0);
	buf[r] = '\0';
	ck_assert_msg(strstr(buf, " log lines dropped: stderr was not taking them\n") != NULL &&
	    strstr(buf, "info: after\n") > strstr(buf, "dropped"), "got '%s'", buf);
	close(rd);
}

START_TEST(test_full_pipe_never_blocks)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);	/* blocking, as stderr is */
	check_never_blocks(p[0], p[1]);
	/* the pipe's own file description stays blocking for others */
	ck_assert_int_eq(fcntl(STDERR_FILENO, F_GETFL) & O_NONBLOCK, 0);
}
END_TEST

START_TEST(test_full_socket_never_blocks)
{
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	check_never_blocks(sv[0], sv[1]);
	ck_assert_int_eq(fcntl(STDERR_FILENO, F_GETFL) & O_NONBLOCK, 0);
}
END_TEST

/* Escaping untrusted bytes */

START_TEST(test_escape_printable)
{
	char out[64];

	ck_assert_str_eq(log_escape("socket.create", 13, out, sizeof(out)), "socket.create");
	ck_assert_ptr_eq(log_escape("x", 1, out, sizeof(out)), out);
	ck_assert_str_eq(log_escape(" ~!\"'{}", 7, out, sizeof(out)), " ~!\"'{}");
	ck_assert_str_eq(log_escape("", 0, out, sizeof(out)), "");
	/* n bounds the input, not a NUL. */
	ck_assert_str_eq(log_escape("abcdef", 3, out, sizeof(out)), "abc");
}
END_TEST

START_TEST(test_escape_bytes)
{
	char out[128];

	ck_assert_str_eq(log_escape("a\nb", 3, out, sizeof(out)), "a\\x0ab");
	ck_assert_str_eq(log_escape("\0\x1f\x7f", 3, out, sizeof(out)), "\\x00\\x1f\\x7f");
	ck_assert_str_eq(log_escape("\x80\xff\xc3\xa9", 4, out, sizeof(out)),
	    "\\x80\\xff\\xc3\\xa9");
	ck_assert_str_eq(log_escape("a\\b", 3, out, sizeof(out)), "a\\x5cb");
	ck_assert_str_eq(log_escape("\x1b[31m", 5, out, sizeof(out)), "\\x1b[31m");
	ck_assert_str_eq(log_escape("\t\r", 2, out, sizeof(out)), "\\x09\\x0d");
}
END_TEST

START_TEST(test_escape_outlen_zero)
{
	char out[4] = { 'q', 'q', 'q', 'q' };

	ck_assert_ptr_eq(log_escape("abc", 3, out, 0), out);
	ck_assert_int_eq(memcmp(out, "qqqq", 4), 0);
}
END_TEST

START_TEST(test_escape_small_out)
{
	char out[16];

	memset(out, 'q', sizeof(out));
	ck_assert_str_eq(log_escape("abc", 3, out, 1), "");
	ck_assert_int_eq(out[1], 'q');
	ck_assert_str_eq(log_escape("", 0, out, 1), "");
	ck_assert_str_eq(log_escape("\x01", 1, out, 1), "");
	/* Too small for the input and a mark: cut short, never overrun. */
	ck_assert_uint_lt(strlen(log_escape("abcdefghij", 10, out, 2)), 2);
	ck_assert_uint_lt(strlen(log_escape("\x01\x02", 2, out, 3)), 3);
	ck_assert_int_eq(out[3], 'q');
}
END_TEST

/* Never past outlen; NUL-terminated; a prefix of the whole escape, and
 * ending in "..." whenever something was left out (given room for "\xNN..."). */
static void
check_bounded(const char *in, size_t n, const char *whole)
{
	char out[64];
	size_t outlen, len, wl = strlen(whole);

	for (outlen = 1; outlen <= sizeof(out); outlen++) {
		memset(out, 'q', sizeof(out));
		log_escape(in, n, out, outlen);
		ck_assert_msg(memchr(out, '\0', outlen) != NULL, "no NUL in %zu bytes", outlen);
		len = strlen(out);
		if (outlen < sizeof(out))
			ck_assert_int_eq(out[outlen], 'q');
		if (len == wl) {
			ck_assert_str_eq(out, whole);
			continue;
		}
		if (outlen < 8)
			continue;
		ck_assert_msg(len >= 3 && strcmp(out + len - 3, "...") == 0,
		    "outlen %zu: \"%s\" cut without \"...\"", outlen, out);
		ck_assert_msg(strncmp(out, whole, len - 3) == 0,
		    "outlen %zu: \"%s\" is not a prefix of \"%s\"", outlen, out, whole);
		/* Never half an escape: no '\\' in the 3 bytes before the cut. */
		ck_assert_msg(memchr(out + (len - 3 >= 3 ? len - 6 : 0), '\\',
		    len - 3 >= 3 ? 3 : len - 3) == NULL, "outlen %zu: \"%s\" splits an escape",
		    outlen, out);
	}
}

START_TEST(test_escape_bounded_printable)
{
	check_bounded("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghij", 72, "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghij");
}
END_TEST

START_TEST(test_escape_bounded_mixed)
{
	check_bounded("a\x01" "bc\xff\\d\ne", 9, "a\\x01bc\\xff\\x5cd\\x0ae");
	check_bounded("ab\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e", 16,
	    "ab\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\x09\\x0a\\x0b\\x0c\\x0d\\x0e");
}
END_TEST

/* A cut made of escapes is marked too: "\x01" x 16 into 16 bytes. */
START_TEST(test_escape_cut_escapes_marked)
{
	static const char ctl[16] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	char out[16];
	size_t len;

	log_escape(ctl, sizeof(ctl), out, sizeof(out));
	len = strlen(out);
	ck_assert_msg(len >= 3 && strcmp(out + len - 3, "...") == 0,
	    "cut without \"...\": \"%s\"", out);
}
END_TEST

/* An input whose escape fits is copied whole, never cut. */
START_TEST(test_escape_exact_fit)
{
	char out[16];

	ck_assert_str_eq(log_escape("abcdefghijklmno", 15, out, sizeof(out)),
	    "abcdefghijklmno");
	ck_assert_str_eq(log_escape("abc\x01", 4, out, 8), "abc\\x01");
}
END_TEST

/* Rate limiting: one line per interval, the rest counted. */
START_TEST(test_ratelimit)
{
	struct log_ratelimit rl = { .interval = 10.0 };
	unsigned long n = 99;
	int i;

	ck_assert(log_ratelimit(&rl, 100.0, &n));
	ck_assert_uint_eq(n, 0);
	for (i = 0; i < 5; i++)
		ck_assert(!log_ratelimit(&rl, 100.0 + i, &n));
	ck_assert(!log_ratelimit(&rl, 109.9, &n));
	ck_assert(log_ratelimit(&rl, 110.0, &n));
	ck_assert_uint_eq(n, 6);
	/* A quiet spell: the next line says nothing was dropped. */
	ck_assert(log_ratelimit(&rl, 500.0, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* What the line that ends a silence adds. */
START_TEST(test_suppressed_note)
{
	char buf[64];

	ck_assert_str_eq(log_suppressed_note(0, buf, sizeof(buf)), "");
	ck_assert_str_eq(log_suppressed_note(6, buf, sizeof(buf)),
	    "; 6 more like it since the last");
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*level = tcase_create("level");
	TCase	*format = tcase_create("format");
	TCase	*journal = tcase_create("journal");
	TCase	*escape = tcase_create("escape");
	TCase	*ratelimit = tcase_create("ratelimit");

	tcase_add_checked_fixture(level, setup, teardown);
	tcase_add_test(level, test_level_parse);
	tcase_add_test(level, test_enabled);
	tcase_add_test(level, test_debug_suppressed_at_info);
	tcase_add_test(level, test_error_level_filters);
	suite_add_tcase(s, level);

	tcase_add_checked_fixture(format, setup, teardown);
	tcase_add_test(format, test_format_warnx);
	tcase_add_test(format, test_format_levels);
	tcase_add_test(format, test_format_warn_errno);
	tcase_add_test(format, test_format_several_lines);
	tcase_add_test(format, test_errno_preserved);
	tcase_add_test(format, test_full_pipe_never_blocks);
	tcase_add_test(format, test_full_socket_never_blocks);
	suite_add_tcase(s, format);

	tcase_add_checked_fixture(journal, setup, teardown);
	tcase_add_test(journal, test_journal_prefixes);
	tcase_add_test(journal, test_journal_warn_errno);
	tcase_add_test(journal, test_journal_read_at_init);
	tcase_add_test(journal, test_journal_stream_elsewhere);
	tcase_add_test(journal, test_audit_line);
	tcase_add_test(journal, test_long_message_cut);
	suite_add_tcase(s, journal);

	tcase_add_checked_fixture(escape, setup, teardown);
	tcase_add_test(escape, test_escape_printable);
	tcase_add_test(escape, test_escape_bytes);
	tcase_add_test(escape, test_escape_outlen_zero);
	tcase_add_test(escape, test_escape_small_out);
	tcase_add_test(escape, test_escape_bounded_printable);
	tcase_add_test(escape, test_escape_bounded_mixed);
	tcase_add_test(escape, test_escape_cut_escapes_marked);
	tcase_add_test(escape, test_escape_exact_fit);
	suite_add_tcase(s, escape);
	tcase_add_test(ratelimit, test_ratelimit);
	tcase_add_test(ratelimit, test_suppressed_note);
	suite_add_tcase(s, ratelimit);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(log_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
