/* conn_fixture.h: the fixture of the connection runners (test_conn.c,
 * test_conn_eof.c): a daemon context with one connection on a socketpair,
 * the peer's side of it, and turns of the loop. */
#ifndef SOCK6D_CONN_FIXTURE_H
#define SOCK6D_CONN_FIXTURE_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "conn.h"
#include "handle.h"
#include "limit.h"
#include "sock.h"
#include "sock6d.h"
#include "wait.h"

#define PING(id)	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"method\":\"daemon.ping\"}"
#define PONG_OBJ(id)	"{\"jsonrpc\":\"2.0\",\"id\":" id ",\"result\":{\"pong\":true}}"
#define PONG(id)	PONG_OBJ(id) "\n"
#define MAX_TURNS	20000

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static struct conn	*conn;
static int		 fds[2] = { -1, -1 };
static char		*got;		/* what the peer has read, NUL-terminated */
static size_t		 gotlen, gotcap;
static bool		 got_eof;

/* The daemon with limits `l`, one connection on fds[0], the test on fds[1]. */
static inline void
setup_with(const struct limits *l)
{
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, l), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    fds), 0);
	ck_assert_ptr_nonnull(conn = conn_new(&d, fds[0], getuid(), getgid(), getpid()));
	gotcap = 1 << 16;
	ck_assert_ptr_nonnull(got = malloc(gotcap));
	got[0] = '\0';
	gotlen = 0;
	got_eof = false;
}

static inline void
setup(void)
{
	limits_default(&lim);
	setup_with(&lim);
}

static inline void
setup_cap(void)
{
	limits_default(&lim);
	lim.requests_per_read = 2;
	setup_with(&lim);
}

static inline void
setup_turn_bytes(void)
{
	limits_default(&lim);
	lim.output_per_turn = 1024;
	setup_with(&lim);
}

static inline void
setup_water(void)
{
	int size = 4096;

	limits_default(&lim);
	lim.output_high = 4096;
	lim.output_low = 1024;
	setup_with(&lim);
	/* A small socket buffer, so that replies back up into the queue. */
	ck_assert_int_eq(setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
}

/* Both: two requests a turn, and a small queue with watermarks. */
static inline void
setup_cap_water(void)
{
	int size = 4096;

	limits_default(&lim);
	lim.requests_per_read = 2;
	lim.output_high = 4096;
	lim.output_low = 1024;
	setup_with(&lim);
	ck_assert_int_eq(setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
}

static inline void
setup_small(void)
{
	limits_default(&lim);
	lim.max_message = 256;
	setup_with(&lim);
}

static inline void
teardown(void)
{
	sock6d_shutdown(&d);	/* closes the connection and fds[0] if still open */
	if (fds[1] != -1)
		close(fds[1]);
	fds[1] = -1;
	ev_loop_destroy(loop);
	free(got);
	got = NULL;
}

static inline void
turn(void)
{
	ev_run(loop, EVRUN_NOWAIT);
}

/* Write all of p to the daemon, letting the loop run when the pipe is full. */
static inline void
peer_write(const char *p, size_t n)
{
	ssize_t r;
	int turns = 0;

	while (n > 0) {
		r = write(fds[1], p, n);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			continue;
		}
		ck_assert_int_eq(r, -1);
		ck_assert_int_eq(errno, EAGAIN);
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
}

static inline void
peer_str(const char *s)
{
	peer_write(s, strlen(s));
}

/* Append what the daemon has written so far to got; note EOF. */
static inline void
peer_read(void)
{
	ssize_t r;

	for (;;) {
		if (gotcap - gotlen < 4096) {
			gotcap *= 2;
			ck_assert_ptr_nonnull(got = realloc(got, gotcap));
		}
		r = read(fds[1], got + gotlen, gotcap - gotlen - 1);
		if (r > 0) {
			gotlen += (size_t)r;
			continue;
		}
		if (r == 0)
			got_eof = true;
		else
			ck_assert_int_eq(errno, EAGAIN);
		break;
	}
	got[gotlen] = '\0';
}

static inline size_t
lines(void)
{
	size_t i, n = 0;

	for (i = 0; i < gotlen; i++)
		n += got[i] == '\n';
	return n;
}

/* Run the loop and read until n reply lines have arrived. */
static inline void
wait_lines(size_t n)
{
	int turns = 0;

	for (peer_read(); lines() < n && !got_eof; peer_read()) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
	ck_assert_uint_eq(lines(), n);
}

static inline void
wait_eof(void)
{
	int turns = 0;

	for (peer_read(); !got_eof; peer_read()) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
}

/* Run the loop until the connection is gone and the reaper has freed it. */
static inline void
wait_closed(void)
{
	int turns = 0;

	while (d.nconns > 0 || d.dead_conns != NULL) {
		ck_assert_int_lt(turns++, MAX_TURNS);
		turn();
	}
	ck_assert(TAILQ_EMPTY(&d.conns));
	conn = NULL;
}

/* The pings with ids from..to, requests or replies. */
static inline char *
pings(int from, int to, bool reply)
{
	size_t size = (size_t)(to - from + 1) * 64 + 1, p = 0;
	char *b = malloc(size);
	int i;

	ck_assert_ptr_nonnull(b);
	b[0] = '\0';
	for (i = from; i <= to; i++)
		p += (size_t)snprintf(b + p, size - p, reply ? PONG("%d") : PING("%d") "\n", i);
	return b;
}

static inline size_t
inq(int fd)
{
	int n = -1;

	ck_assert_int_eq(ioctl(fd, FIONREAD, &n), 0);
	ck_assert_int_ge(n, 0);
	return (size_t)n;
}

/* One reply line's member, parsed; the object goes with the reply. */
static inline int64_t
reply_int(const char *line, const char *key)
{
	json_object *r = json_tokener_parse(line), *res = NULL, *v = NULL;
	int64_t n;

	ck_assert_msg(r != NULL, "not JSON: %s", line);
	ck_assert_msg(json_object_object_get_ex(r, "result", &res) &&
	    json_object_object_get_ex(res, key, &v), "no result.%s in %s", key, line);
	n = json_object_get_int64(v);
	json_object_put(r);
	return n;
}

/* Lines */

#endif
