/* log.c: leveled logging to stderr; priority prefixes under systemd.
 * Logging never blocks the loop: a line stderr cannot take at once (a
 * journal or pipe that is not being read) is dropped and counted, and the
 * count is logged when stderr takes lines again. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level log_max = LOG_LVL_INFO;
static int log_journal;		/* stderr is the journal: "<N>" prefixes, no timestamps */
static int log_fd = STDERR_FILENO;	/* stderr, or its pipe opened non-blocking */
static bool log_socket;		/* stderr is a socket: sent with MSG_DONTWAIT */
static unsigned long log_dropped;	/* lines stderr could not take */

static const char *const level_names[] = { "error", "warn", "info", "debug" };
static const int level_syslog[] = { 3, 4, 6, 7 };

/* Whether stderr is the journal's stream: JOURNAL_STREAM holds its device
 * and inode ("DEV:INO"), which stderr must still be (a redirection made
 * after systemd started us means it is not). */
static int
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return v != NULL && sscanf(v, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* Where lines go without ever blocking: a socket (the journal's stream)
 * takes MSG_DONTWAIT per send; a pipe is opened again through /proc, a
 * file description of our own that can be non-blocking without changing
 * stderr's for anyone sharing it; files and terminals are written as they
 * are. */
static void
log_open_output(void)
{
	struct stat st;
	int fd;

	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
	log_socket = false;
	if (fstat(STDERR_FILENO, &st) == -1)
		return;
	if (S_ISSOCK(st.st_mode))
		log_socket = true;
	else if (S_ISFIFO(st.st_mode) && (fd = open("/proc/self/fd/2",
	    O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) != -1)
		log_fd = fd;
}

void
log_init(enum log_level level)
{
	log_max = level;
	log_journal = stderr_is_journal();
	log_open_output();
	log_dropped = 0;
}

/* One attempt to write all of p: whether it went. */
static bool
log_put(const char *p, size_t n)
{
	ssize_t r;

	do
		r = log_socket ? send(log_fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL) :
		    write(log_fd, p, n);
	while (r == -1 && errno == EINTR);
	return r == (ssize_t)n;
}

int
log_to_journal(void)
{
	return log_journal;
}

int
log_level_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

int
log_enabled(enum log_level level)
{
	return level <= log_max;
}

/* Write one line: "<N>" in the journal, else a UTC timestamp and the
 * level's name; the message; strerror(errnum) when errnum is not 0. */
static size_t
log_format(char *line, size_t size, int syslog_priority, const char *name,
    const char *msg, int errnum)
{
	struct timespec ts;
	struct tm tm;
	int n;

	if (log_journal)
		n = snprintf(line, size, "<%d>%s%s%s%s\n", syslog_priority,
		    strcmp(name, "audit") == 0 ? "audit: " : "", msg,
		    errnum ? ": " : "", errnum ? strerror(errnum) : "");
	else {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s: %s%s%s\n",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, name, msg,
		    errnum ? ": " : "", errnum ? strerror(errnum) : "");
	}
	if (n < 0)
		return 0;
	if ((size_t)n >= size) {	/* cut, still one line */
		line[size - 2] = '\n';
		return size - 1;
	}
	return (size_t)n;
}

static void
log_write(int syslog_priority, const char *name, const char *msg, int errnum)
{
	char line[1400], note[128];
	size_t n;

	if (log_dropped > 0) {
		snprintf(note, sizeof(note), "%lu log lines dropped: stderr was not "
		    "taking them", log_dropped);
		n = log_format(line, sizeof(line), level_syslog[LOG_LVL_WARN],
		    level_names[LOG_LVL_WARN], note, 0);
		if (!log_put(line, n)) {
			log_dropped++;
			return;
		}
		log_dropped = 0;
	}
	n = log_format(line, sizeof(line), syslog_priority, name, msg, errnum);
	if (!log_put(line, n))
		log_dropped++;
}

static void
log_emit(enum log_level level, int errnum, const char *fmt, va_list ap)
{
	char msg[1024];

	if (level > log_max)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_write(level_syslog[level], level_names[level], msg, errnum);
}

#define LOG_FN(fn, level, witherr)				\
void								\
fn(const char *fmt, ...)					\
{								\
	int saved = errno;					\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_emit(level, (witherr) ? saved : 0, fmt, ap);	\
	va_end(ap);						\
	errno = saved;						\
}

void
log_audit(const char *fmt, ...)
{
	int saved = errno;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_write(5, "audit", msg, 0);	/* notice, whatever the level */
	errno = saved;
}

LOG_FN(log_error, LOG_LVL_ERROR, 0)
LOG_FN(log_warn, LOG_LVL_WARN, 1)
LOG_FN(log_warnx, LOG_LVL_WARN, 0)
LOG_FN(log_info, LOG_LVL_INFO, 0)
LOG_FN(log_debug, LOG_LVL_DEBUG, 0)

/* One byte as it is logged: itself, or \xNN.  Returns its length. */
static size_t
escape_unit(unsigned char c, char unit[5])
{
	if (c >= 0x20 && c < 0x7f && c != '\\') {
		unit[0] = (char)c;
		unit[1] = '\0';
		return 1;
	}
	snprintf(unit, 5, "\\x%02x", c);
	return 4;
}

const char *
log_escape(const void *p, size_t n, char *out, size_t outlen)
{
	const unsigned char *s = p;
	size_t i, o = 0, need = 0, len, limit;
	char unit[5];
	bool cut;

	if (outlen == 0)
		return out;
	for (i = 0; i < n; i++)
		need += escape_unit(s[i], unit);
	/* Everything if it fits; else whole units, then as much of "..." as fits. */
	cut = need > outlen - 1;
	limit = cut ? (outlen - 1 > 3 ? outlen - 1 - 3 : 0) : outlen - 1;
	for (i = 0; i < n; i++) {
		len = escape_unit(s[i], unit);
		if (o + len > limit)
			break;
		memcpy(out + o, unit, len);
		o += len;
	}
	for (i = 0; cut && i < 3 && o < outlen - 1; i++)
		out[o++] = '.';
	out[o] = '\0';
	return out;
}

const char *
log_suppressed_note(unsigned long n, char *buf, size_t len)
{
	if (n == 0)
		return "";
	snprintf(buf, len, "; %lu more like it since the last", n);
	return buf;
}

int
log_ratelimit(struct log_ratelimit *rl, double now, unsigned long *suppressed)
{
	if (now < rl->next) {
		rl->suppressed++;
		return 0;
	}
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	rl->next = now + rl->interval;
	return 1;
}
