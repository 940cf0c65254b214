/* log.h: the daemon's logging to stderr, with syslog priority prefixes
 * ("<4>") when stderr is the journal.  Only log state is global. */
#ifndef SOCK6D_LOG_H
#define SOCK6D_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void	 log_init(enum log_level level);
/* Parse "error", "warn", "info" or "debug"; -1 when unknown. */
int	 log_level_parse(const char *name);
int	 log_enabled(enum log_level level);
void	 log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning with ": strerror(errno)" appended. */
void	 log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	 log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One audit line (a grant used or refused), at notice priority, whatever
 * the level: "audit: uid=1000 method=socket.bind grant=... used". */
void	 log_audit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether lines go to the journal (stderr is JOURNAL_STREAM's). */
int	 log_to_journal(void);
/* At most one line per interval for a kind of event a client can repeat
 * at will (refused connections, accepts paused): the lines in between are
 * counted instead, and the next line logged says how many. */
#define LOG_RATELIMIT_INTERVAL	10.0	/* seconds between two such lines */

struct log_ratelimit {
	double		 interval;	/* seconds */
	double		 next;		/* when the next line may be logged */
	unsigned long	 suppressed;	/* since the last line logged */
};

/* Whether to log now (time `now`, in seconds); *suppressed gets the count
 * of lines dropped since the last one logged. */
int	 log_ratelimit(struct log_ratelimit *rl, double now, unsigned long *suppressed);
/* "; N more like it since the last" for the line that ends the silence,
 * in buf; "" when none was dropped. */
const char *log_suppressed_note(unsigned long n, char *buf, size_t len);
/* Copy untrusted bytes into out as printable ASCII with \xNN escapes. */
const char *log_escape(const void *p, size_t n, char *out, size_t outlen);

#endif
