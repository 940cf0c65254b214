/* wire.h: a control connection read by hand, for `run`, which cannot use
 * client.h's reader: each reply is read with recvmsg(2), so the descriptor
 * socket.export sends as SCM_RIGHTS on the reply's first byte is received.
 * Also the poll(2)-based I/O helpers and the relay buffer the verbs share. */
#ifndef SOCK6_WIRE_H
#define SOCK6_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "client.h"

#define WIRE_BUF	65536	/* bytes buffered per direction */

/* Bytes read but not yet used: data[off .. off+len). */
struct pipebuf {
	char	data[WIRE_BUF];
	size_t	off, len;
};

struct wire {
	struct s6c	*c;		/* owns the descriptor; never read through */
	int		 fd;		/* non-blocking, close-on-exec */
	int64_t		 next_id;
	struct pipebuf	 in;		/* bytes read past the last reply */
	char		 err[256];	/* why the last call failed */
};

/* Connect (client.h's path rules); NULL after printing why on stderr. */
struct wire	*wire_open(const char *path);
void		 wire_close(struct wire *w);
/* Call `method` with `params` (reference taken), like s6c_call(): S6C_OK
 * with *result, S6C_ERROR with *error, S6C_FAIL or S6C_TIMEOUT with w->err
 * set.  timeout_ms < 0 waits forever.  A descriptor that arrives before the
 * reply's newline goes to *fdp when fdp is not NULL and *fdp is -1; every
 * other one is closed.  Bytes after the reply line stay in w->in. */
int		 wire_call(struct wire *w, const char *method, json_object *params,
		    int timeout_ms, int *fdp, json_object **result,
		    json_object **error);

/* poll(2) one descriptor until the deadline (a CLOCK_MONOTONIC time in ms
 * from wire_deadline(), or -1 for none): 1 ready, 0 timed out, -1 failed. */
int		 wait_fd(int fd, short events, int64_t deadline);
int64_t		 wire_deadline(int timeout_ms);
/* Write all of p[n] to fd, blocking or not (waits with poll on EAGAIN):
 * 0, or -1 with errno set. */
int		 write_all(int fd, const void *p, size_t n);

#endif
