/* fuzz_loop.h: the in-process daemon the connection-level fuzz targets
 * drive (fuzz_ndjson.c, fuzz_session.c): a sock6d context on its own libev
 * loop, one control connection on a socketpair, the client's end of it,
 * and turns of the loop.  A target builds one per input and tears it down,
 * so that nothing carries over from one input to the next. */
#ifndef SOCK6D_FUZZ_LOOP_H
#define SOCK6D_FUZZ_LOOP_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>

#include "conn.h"
#include "fuzz_check.h"
#include "limit.h"
#include "sock6d.h"

#define FUZZ_MAX_TURNS	20000

struct fuzz_loop {
	struct ev_loop	*loop;
	struct sock6d	 d;
	struct conn	*conn;
	int		 fd;		/* the client's end */
	char		*got;		/* what the client has read */
	size_t		 gotlen, gotcap;
	bool		 eof;
};

static inline void
fuzz_loop_start(struct fuzz_loop *f, const struct limits *l)
{
	int fds[2];

	memset(f, 0, sizeof(*f));
	CHECK((f->loop = ev_loop_new(EVFLAG_AUTO)) != NULL);
	CHECK(sock6d_init(&f->d, f->loop, l) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
	CHECK((f->conn = conn_new(&f->d, fds[0], getuid(), getgid(), getpid())) != NULL);
	f->fd = fds[1];
	f->gotcap = 4096;
	CHECK((f->got = malloc(f->gotcap)) != NULL);
	f->got[0] = '\0';
}

static inline void
fuzz_loop_stop(struct fuzz_loop *f)
{
	sock6d_shutdown(&f->d);
	if (f->fd != -1)
		close(f->fd);
	ev_loop_destroy(f->loop);
	free(f->got);
}

static inline void
fuzz_turn(struct fuzz_loop *f)
{
	ev_run(f->loop, EVRUN_NOWAIT);
}

/* Read what the daemon has written so far; note its end. */
static inline void
fuzz_read(struct fuzz_loop *f)
{
	ssize_t r;

	for (;;) {
		if (f->gotcap - f->gotlen < 4096) {
			f->gotcap *= 2;
			CHECK((f->got = realloc(f->got, f->gotcap)) != NULL);
		}
		r = read(f->fd, f->got + f->gotlen, f->gotcap - f->gotlen - 1);
		if (r > 0) {
			f->gotlen += (size_t)r;
			continue;
		}
		if (r == 0)
			f->eof = true;
		else
			CHECK(errno == EAGAIN || errno == ECONNRESET);
		break;
	}
	f->got[f->gotlen] = '\0';
}

/* Write all of p, turning the loop (and reading) while the pipe is full;
 * false when the daemon has closed the connection. */
static inline bool
fuzz_write(struct fuzz_loop *f, const void *p, size_t n)
{
	const char *s = p;
	ssize_t r;
	int turns = 0;

	while (n > 0) {
		r = send(f->fd, s, n, MSG_NOSIGNAL);
		if (r > 0) {
			s += r;
			n -= (size_t)r;
			continue;
		}
		if (r == -1 && (errno == EPIPE || errno == ECONNRESET))
			return false;
		CHECK(r == -1 && errno == EAGAIN);
		CHECK(turns++ < FUZZ_MAX_TURNS);
		fuzz_turn(f);
		fuzz_read(f);
	}
	return true;
}

/* Turn the loop until the daemon closes the connection (after the client
 * shut down its side): a daemon that never does is a hang. */
static inline void
fuzz_wait_eof(struct fuzz_loop *f)
{
	int turns = 0;

	for (fuzz_read(f); !f->eof; fuzz_read(f)) {
		CHECK(turns++ < FUZZ_MAX_TURNS);
		fuzz_turn(f);
	}
}

#endif
