/* subclient.c: the JSON-RPC data clients of the streaming benchmark
 * (stream.py): they talk to sock6d's control socket and move stream bytes
 * as base64, fast enough that the daemon, not they, sets the rate.
 *
 *   subscribe  socket.subscribe on one or many handles (over one or more
 *              control connections), then parse every socket.data
 *              notification of the fixed shape the daemon sends
 *                {"jsonrpc":"2.0","method":"socket.data","params":
 *                 {"handle":H,"offset":N,"data":"<base64>"}}
 *              decode its base64, check that chunks are contiguous and that
 *              the first byte of each is the source's pattern byte, until
 *              socket.eof on every handle (or "stop" on standard input with
 *              --stdin).  Unlimited credit, or --credit-step S: subscribe
 *              with S and add what was used whenever half of it is.
 *              --report FILE: at the end, one line per handle,
 *              "HANDLE OFFSET FNV" (the stream's offset reached, which is
 *              the bytes received for a stream subscribed from its start,
 *              and the digest of the bytes received).
 *   receive    loop socket.receive {length} with --pipeline requests in
 *              flight, decoding each reply's data, until end of file: the
 *              polling way, for comparison.
 *   sendall    socket.send_all of --payload bytes (base64), --pipeline
 *              requests in flight, until --bytes have been sent.
 *
 * Each mode ends with one line of key=value figures on standard output.
 * --go sends one byte (socket.send) into the handle once subscribed (or
 * before the first receive): the source waits for it before streaming.
 * libc, and the project's base64 decoder. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "fnv.h"

#define RBUF_SIZE	(24u << 20)	/* per-connection read buffer */
#define RBUF_LOW	(4u << 20)	/* compact when less room than this is left */
#define MAX_CONNS	64

struct options {
	const char	*path;
	const char	*report;	/* subscribe: "handle bytes fnv" per handle */
	int64_t		*handles;
	size_t		 nhandles;
	unsigned	 connections;
	size_t		 max_chunk;	/* 0: the daemon's default */
	uint64_t	 credit_step;	/* 0: unlimited */
	bool		 go;
	bool		 stdin_control;
	bool		 check;
	size_t		 length;	/* receive */
	unsigned	 pipeline;
	uint64_t	 bytes;		/* sendall */
	size_t		 payload;
	int64_t		 send_size;	/* sendall: -1 default, 0 null */
};

static struct options opt = {
	.connections = 1, .check = true, .length = 1u << 20, .pipeline = 4,
	.payload = 1u << 20, .send_size = -1,
};

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("subclient: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- base64 */

/* The project's own decoder (proto/base64.c): vector loops where the CPU
 * has them, as fast as a client of sock6d's C library decodes. */

/* ---------------------------------------------------------------- connections */

struct conn {
	int		 fd;
	char		*buf;
	size_t		 start, end;	/* unparsed bytes are buf[start..end) */
	size_t		 scanned;	/* buf[start..scanned) has no newline */
	uint64_t	 next_id;
	unsigned	 replies_due;
};

struct hstate {
	int64_t		 handle;	/* -1: free slot */
	struct conn	*conn;
	uint64_t	 offset;	/* next expected */
	uint64_t	 unacked;	/* credit used since the last socket.credit */
	uint64_t	 digest;	/* fnv of the bytes received (--report) */
	bool		 subscribed, eof;
};

static struct conn conns[MAX_CONNS];
static struct hstate *htab;
static size_t hcap;
static unsigned char *decoded;
static size_t decoded_cap;

/* run totals */
static uint64_t total_bytes, notifications, pauses, credits_sent;
static size_t subscribed_count, eof_count;
static uint64_t t_first, t_last;

static int
connect_control(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(opt.path) >= sizeof(sun.sun_path))
		die("--unix path too long");
	strcpy(sun.sun_path, opt.path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die("connect %s: %s", opt.path, strerror(errno));
	return fd;
}

static void
conn_init(struct conn *c)
{
	c->fd = connect_control();
	if ((c->buf = malloc(RBUF_SIZE + 1)) == NULL)
		die("out of memory");
	c->start = c->end = c->scanned = 0;
	c->next_id = 1;
}

/* Write all of it, waiting for room when the socket is non-blocking. */
static void
send_all(int fd, const void *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				poll(&pfd, 1, -1);
				continue;
			}
			if (errno == EINTR)
				continue;
			die("write to the daemon: %s", strerror(errno));
		}
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

static void
sendf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sendf(struct conn *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		die("request too long");
	send_all(c->fd, line, (size_t)n);
	c->replies_due++;
}

/* Read what is there; false at end of file.  Keeps room for a whole
 * notification by moving the unparsed tail to the front when room runs low. */
static bool
conn_fill(struct conn *c, bool block)
{
	ssize_t n;

	if (RBUF_SIZE - c->end < RBUF_LOW) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->scanned -= c->start;
		c->start = 0;
		if (RBUF_SIZE - c->end < RBUF_LOW)
			die("a line longer than %u bytes", RBUF_SIZE - RBUF_LOW);
	}
	for (;;) {
		n = recv(c->fd, c->buf + c->end, RBUF_SIZE - c->end, block ? 0 : MSG_DONTWAIT);
		if (n > 0) {
			c->end += (size_t)n;
			return true;
		}
		if (n == 0)
			return false;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		die("read from the daemon: %s", strerror(errno));
	}
}

/* The next complete line (without its newline), or NULL. */
static char *
conn_line(struct conn *c, size_t *len)
{
	char *p = c->buf + c->start, *nl;

	if ((nl = memchr(c->buf + c->scanned, '\n', c->end - c->scanned)) == NULL) {
		c->scanned = c->end;
		return NULL;
	}
	*len = (size_t)(nl - p);
	c->start = c->scanned = (size_t)(nl + 1 - c->buf);
	return p;
}

/* The integer after `key` in line[0..len), or -1. */
static int64_t
field_int(const char *line, size_t len, const char *key)
{
	const char *p = memmem(line, len, key, strlen(key));
	int64_t v = 0;

	if (p == NULL)
		return -1;
	for (p += strlen(key); p < line + len && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* The base64 string after "data":" in line[0..len); decoded into `decoded`. */
static ssize_t
decode_data(const char *line, size_t len, const char *from)
{
	const char *p = memmem(from, len - (size_t)(from - line), "\"data\":\"", 8), *q;
	size_t n;
	ssize_t got;

	if (p == NULL)
		return -1;
	p += 8;
	if ((q = memchr(p, '"', len - (size_t)(p - line))) == NULL)
		return -1;
	n = (size_t)(q - p);
	if (n / 4 * 3 + 4 > decoded_cap) {
		decoded_cap = n / 4 * 3 + 4;
		free(decoded);
		if ((decoded = malloc(decoded_cap)) == NULL)
			die("out of memory");
	}
	if ((got = base64_decode(p, n, decoded)) < 0)
		die("bad base64 in %.120s", line);
	return got;
}

/* ---------------------------------------------------------------- handles */

static struct hstate *
hfind(int64_t handle, bool add)
{
	size_t i = (size_t)(handle * 2654435761u) & (hcap - 1);

	for (;; i = (i + 1) & (hcap - 1)) {
		if (htab[i].handle == handle)
			return &htab[i];
		if (htab[i].handle == -1) {
			if (!add)
				return NULL;
			htab[i].handle = handle;
			return &htab[i];
		}
	}
}

static void
handles_init(void)
{
	size_t i;

	for (hcap = 16; hcap < opt.nhandles * 2; hcap *= 2)
		;
	if ((htab = malloc(hcap * sizeof(*htab))) == NULL)
		die("out of memory");
	for (i = 0; i < hcap; i++)
		htab[i] = (struct hstate){ .handle = -1, .digest = FNV_INIT };
}

static void
go_byte(struct conn *c, int64_t handle)
{
	sendf(c, "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64 ",\"method\":\"socket.send\","
	    "\"params\":{\"handle\":%" PRId64 ",\"data\":\"Zw==\"}}\n", c->next_id++, handle);
}

/* One line from a subscribed connection. */
static void
sub_line(struct conn *c, const char *line, size_t len)
{
	const char *params;
	struct hstate *h;
	int64_t handle, off;
	ssize_t got;

	static const char data_head[] = "{\"jsonrpc\":\"2.0\",\"method\":\"socket.data\"";
	const size_t hl = sizeof(data_head) - 1;

	if (len > hl && memcmp(line, data_head, hl) == 0) {
		params = line + hl;
		handle = field_int(params, len - hl, "\"handle\":");
		off = field_int(params, len - hl, "\"offset\":");
		if ((h = hfind(handle, false)) == NULL)
			die("data for handle %" PRId64 " never subscribed", handle);
		if ((uint64_t)off != h->offset)
			die("handle %" PRId64 ": chunk at offset %" PRId64 ", expected %" PRIu64,
			    handle, off, h->offset);
		got = decode_data(line, len, params);
		if (got < 0)
			die("socket.data without data: %.120s", line);
		if (opt.check && got > 0 && decoded[0] != (unsigned char)('a' + off % 26))
			die("handle %" PRId64 ": wrong byte at offset %" PRId64, handle, off);
		if (t_first == 0)
			t_first = now_ns();
		if (opt.report != NULL)
			h->digest = fnv_add(h->digest, decoded, (size_t)got);
		h->offset += (uint64_t)got;
		total_bytes += (uint64_t)got;
		notifications++;
		if (opt.credit_step > 0 && (h->unacked += (uint64_t)got) >= opt.credit_step / 2) {
			sendf(c, "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64 ",\"method\":\"socket.credit\","
			    "\"params\":{\"handle\":%" PRId64 ",\"add\":%" PRIu64 "}}\n",
			    c->next_id++, handle, h->unacked);
			h->unacked = 0;
			credits_sent++;
		}
		return;
	}
	if (memmem(line, len, "\"method\":\"socket.eof\"", 21) != NULL) {
		handle = field_int(line, len, "\"handle\":");
		off = field_int(line, len, "\"offset\":");
		if ((h = hfind(handle, false)) == NULL || (uint64_t)off != h->offset)
			die("socket.eof out of step: %.200s", line);
		if (!h->eof) {
			h->eof = true;
			eof_count++;
			t_last = now_ns();
		}
		return;
	}
	if (memmem(line, len, "\"method\":\"socket.paused\"", 24) != NULL) {
		pauses++;
		return;
	}
	if (memmem(line, len, "\"error\"", 7) != NULL) {
		/* A socket.credit that crossed the end of the stream: the
		 * subscription had ended (socket.eof came first) when it arrived. */
		handle = field_int(line, len, "\"handle\":");
		if (opt.credit_step > 0 && memmem(line, len, "not subscribed", 14) != NULL &&
		    (h = hfind(handle, false)) != NULL && h->eof) {
			c->replies_due--;
			return;
		}
		die("the daemon answered: %.300s", line);
	}
	if (memmem(line, len, "\"id\":", 5) != NULL) {
		c->replies_due--;
		/* A subscribe reply: {"handle":H,"buffered":..,"offset":..} */
		if (memmem(line, len, "\"buffered\":", 11) != NULL) {
			handle = field_int(line, len, "\"handle\":");
			if ((h = hfind(handle, false)) == NULL || h->subscribed)
				die("unexpected subscribe reply: %.200s", line);
			h->subscribed = true;
			h->offset = (uint64_t)field_int(line, len, "\"offset\":");
			subscribed_count++;
			if (opt.go) {
				go_byte(c, handle);
				t_first = now_ns();
			}
		}
		return;
	}
	die("unexpected line: %.200s", line);
}

/* --report: each handle's bytes received and their digest. */
static void
subscribe_report(void)
{
	FILE *f = fopen(opt.report, "w");
	size_t i;

	if (f == NULL)
		die("%s: %s", opt.report, strerror(errno));
	for (i = 0; i < hcap; i++)
		if (htab[i].handle != -1)
			fprintf(f, "%" PRId64 " %" PRIu64 " %016" PRIx64 "\n", htab[i].handle,
			    htab[i].offset, htab[i].digest);
	if (fclose(f) != 0)
		die("%s: %s", opt.report, strerror(errno));
}

static int
mode_subscribe(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev, evs[MAX_CONNS + 1];
	bool stdin_open = opt.stdin_control, announced = false;
	unsigned i, nconn = opt.connections;
	struct hstate *h;
	struct conn *c;
	size_t k, len;
	char *line, cmd[64], extra[96];
	int n, j;

	if (opt.nhandles == 0)
		die("subscribe: give --handle H (repeatable) or --handles-file F");
	if (nconn > opt.nhandles)
		nconn = (unsigned)opt.nhandles;
	/* credit and max_chunk, when given: the same for every handle */
	k = 0;
	extra[0] = '\0';
	if (opt.credit_step > 0)
		k += (size_t)snprintf(extra + k, sizeof(extra) - k, ",\"credit\":%" PRIu64,
		    opt.credit_step);
	if (opt.max_chunk > 0)
		snprintf(extra + k, sizeof(extra) - k, ",\"max_chunk\":%zu", opt.max_chunk);
	handles_init();
	for (i = 0; i < nconn; i++) {
		conn_init(&conns[i]);
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
	}
	if (stdin_open) {
		ev.events = EPOLLIN;
		ev.data.u32 = MAX_CONNS;
		epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev);
	}
	/* Subscribe every handle, round robin over the connections. */
	for (k = 0; k < opt.nhandles; k++) {
		h = hfind(opt.handles[k], true);
		c = h->conn = &conns[k % nconn];
		sendf(c, "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64 ",\"method\":\"socket.subscribe\","
		    "\"params\":{\"handle\":%" PRId64 "%s}}\n", c->next_id++, opt.handles[k], extra);
	}
	for (i = 0; i < nconn; i++)
		fcntl(conns[i].fd, F_SETFL, O_NONBLOCK);
	while (eof_count < opt.nhandles || stdin_open) {
		if (!announced && subscribed_count == opt.nhandles) {
			printf("subscribed %zu\n", subscribed_count);
			fflush(stdout);
			announced = true;
		}
		if ((n = epoll_wait(ep, evs, MAX_CONNS + 1, -1)) < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (j = 0; j < n; j++) {
			if (evs[j].data.u32 == MAX_CONNS) {
				ssize_t r = read(0, cmd, sizeof(cmd));

				if (r <= 0 || memmem(cmd, (size_t)r, "stop", 4) != NULL) {
					stdin_open = false;
					opt.nhandles = eof_count;	/* leave now */
					t_last = now_ns();
				}
				continue;
			}
			c = &conns[evs[j].data.u32];
			if (!conn_fill(c, false))
				die("the daemon closed the connection");
			while ((line = conn_line(c, &len)) != NULL)
				sub_line(c, line, len);
		}
	}
	if (t_last == 0)
		t_last = now_ns();
	printf("subscribe bytes=%" PRIu64 " seconds=%.6f rate_mbs=%.1f notifications=%" PRIu64
	    " handles=%zu eof=%zu paused=%" PRIu64 " credits=%" PRIu64 "\n",
	    total_bytes, (t_last - t_first) / 1e9,
	    t_last > t_first ? total_bytes / ((t_last - t_first) / 1e9) / 1e6 : 0.0,
	    notifications, subscribed_count, eof_count, pauses, credits_sent);
	fflush(stdout);
	if (opt.report != NULL)
		subscribe_report();
	return 0;
}

/* ---------------------------------------------------------------- receive */

static int
mode_receive(void)
{
	struct conn *c = &conns[0];
	unsigned inflight = 0;
	bool eof = false;
	int64_t handle;
	uint64_t offset = 0, replies = 0;
	size_t len;
	ssize_t got;
	char *line;

	if (opt.nhandles != 1)
		die("receive: give one --handle");
	handle = opt.handles[0];
	conn_init(c);
	if (opt.go) {
		go_byte(c, handle);
		inflight++;
	}
	t_first = now_ns();
	for (;;) {
		while (!eof && inflight < opt.pipeline) {
			sendf(c, "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64 ",\"method\":\"socket.receive\","
			    "\"params\":{\"handle\":%" PRId64 ",\"length\":%zu}}\n",
			    c->next_id++, handle, opt.length);
			inflight++;
		}
		if (inflight == 0)
			break;
		if (!conn_fill(c, true))
			die("the daemon closed the connection");
		while ((line = conn_line(c, &len)) != NULL) {
			/* {"jsonrpc":"2.0","id":N,"result":{"data":"...","bytes":N,"eof":B}}:
			 * the keys are looked for in the head and the tail only, never
			 * across the megabyte of base64 between them. */
			size_t head = len < 96 ? len : 96;
			const char *tail;

			inflight--;
			if (memmem(line, head, "\"error\"", 7) != NULL)
				die("the daemon answered: %.300s", line);
			if (memmem(line, head, "\"data\":\"", 8) == NULL)
				continue;	/* the go byte's reply */
			if ((got = decode_data(line, len, line)) < 0)
				die("bad reply: %.200s", line);
			if (opt.check && got > 0 && decoded[0] != (unsigned char)('a' + offset % 26))
				die("wrong byte at offset %" PRIu64, offset);
			offset += (uint64_t)got;
			replies++;
			tail = len > 64 ? line + len - 64 : line;
			if (memmem(tail, (size_t)(line + len - tail), "\"eof\":true", 10) != NULL)
				eof = true;
		}
	}
	t_last = now_ns();
	printf("receive bytes=%" PRIu64 " seconds=%.6f rate_mbs=%.1f replies=%" PRIu64 "\n",
	    offset, (t_last - t_first) / 1e9, offset / ((t_last - t_first) / 1e9) / 1e6, replies);
	fflush(stdout);
	return 0;
}

/* ---------------------------------------------------------------- sendall */

static int
mode_sendall(void)
{
	struct conn *c = &conns[0];
	size_t n = opt.payload, blen = (n + 2) / 3 * 4, i, len, hlen;
	unsigned char *raw = malloc(n + 2);
	char *b64 = malloc(blen + 1), head[256], tail[64], *line;
	uint64_t sent = 0, acked = 0, replies = 0, piece;
	unsigned inflight = 0;
	struct iovec iov[3];
	int64_t handle;
	ssize_t w;
	size_t k;

	if (opt.nhandles != 1 || opt.bytes == 0)
		die("sendall: give one --handle and --bytes");
	if (raw == NULL || b64 == NULL)
		die("out of memory");
	/* The payload is a run of the pattern; each request sends the same
	 * bytes, so the stream is the pattern only when payload % 26 == 0. */
	for (i = 0; i < n; i++)
		raw[i] = (unsigned char)('a' + i % 26);
	raw[n] = raw[n + 1] = 0;
	base64_encode(raw, n, b64);
	handle = opt.handles[0];
	conn_init(c);
	if (opt.send_size == 0)
		snprintf(tail, sizeof(tail), "\",\"send_size\":null}}\n");
	else if (opt.send_size > 0)
		snprintf(tail, sizeof(tail), "\",\"send_size\":%" PRId64 "}}\n", opt.send_size);
	else
		snprintf(tail, sizeof(tail), "\"}}\n");
	t_first = now_ns();
	while (acked < opt.bytes) {
		while (sent < opt.bytes && inflight < opt.pipeline) {
			piece = opt.bytes - sent < n ? opt.bytes - sent : n;
			hlen = (size_t)snprintf(head, sizeof(head),
			    "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64 ",\"method\":\"socket.send_all\","
			    "\"params\":{\"handle\":%" PRId64 ",\"data\":\"", c->next_id++, handle);
			iov[0] = (struct iovec){ head, hlen };
			iov[1] = (struct iovec){ b64, piece == n ? blen : (size_t)((piece + 2) / 3 * 4) };
			iov[2] = (struct iovec){ tail, strlen(tail) };
			if (piece != n && piece % 3 != 0)
				die("--bytes must be a multiple of --payload or of 3");
			for (k = 0; k < 3;) {
				if ((w = writev(c->fd, iov + k, (int)(3 - k))) < 0) {
					if (errno == EINTR)
						continue;
					die("write to the daemon: %s", strerror(errno));
				}
				while (k < 3 && (size_t)w >= iov[k].iov_len) {
					w -= (ssize_t)iov[k].iov_len;
					k++;
				}
				if (k < 3) {
					iov[k].iov_base = (char *)iov[k].iov_base + w;
					iov[k].iov_len -= (size_t)w;
				}
			}
			sent += piece;
			inflight++;
		}
		if (!conn_fill(c, true))
			die("the daemon closed the connection");
		while ((line = conn_line(c, &len)) != NULL) {
			if (memmem(line, len, "\"error\"", 7) != NULL)
				die("the daemon answered: %.300s", line);
			inflight--;
			replies++;
			acked += (uint64_t)field_int(line, len, "\"bytes\":");
		}
	}
	t_last = now_ns();
	printf("sendall bytes=%" PRIu64 " seconds=%.6f rate_mbs=%.1f requests=%" PRIu64 "\n",
	    acked, (t_last - t_first) / 1e9, acked / ((t_last - t_first) / 1e9) / 1e6, replies);
	fflush(stdout);
	return 0;
}

/* ---------------------------------------------------------------- main */

static void
add_handle(int64_t h)
{
	static size_t cap;

	if (opt.nhandles == cap) {
		cap = cap ? cap * 2 : 64;
		if ((opt.handles = realloc(opt.handles, cap * sizeof(*opt.handles))) == NULL)
			die("out of memory");
	}
	opt.handles[opt.nhandles++] = h;
}

static void
read_handles(const char *path)
{
	FILE *f = fopen(path, "r");
	long long h;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while (fscanf(f, "%lld", &h) == 1)
		add_handle(h);
	fclose(f);
}

static void
usage(void)
{
	fputs("usage: subclient subscribe|receive|sendall --unix PATH --handle H [options]\n"
	    "  --handle H (repeatable), --handles-file F   handles (subscribe: many)\n"
	    "  --connections N     control connections to spread subscriptions over (1)\n"
	    "  --max-chunk N       subscribe's max_chunk (daemon default)\n"
	    "  --credit-step N     subscribe with credit N, add it back in halves (unlimited)\n"
	    "  --go                send one byte into the handle first (starts the source)\n"
	    "  --stdin             subscribe: run until \"stop\" or end of standard input\n"
	    "  --report FILE       subscribe: \"HANDLE BYTES FNV\" per handle at the end\n"
	    "  --no-check          skip the pattern check of each chunk's first byte\n"
	    "  --length N          receive: bytes per socket.receive (1 MiB)\n"
	    "  --pipeline N        receive, sendall: requests in flight (4)\n"
	    "  --bytes N           sendall: bytes in all\n"
	    "  --payload N         sendall: bytes per request (1 MiB)\n"
	    "  --send-size N|null  sendall: the send_size param (session default)\n",
	    stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "unix", required_argument, NULL, 'u' },
		{ "handle", required_argument, NULL, 'h' },
		{ "handles-file", required_argument, NULL, 'H' },
		{ "connections", required_argument, NULL, 'C' },
		{ "max-chunk", required_argument, NULL, 'm' },
		{ "credit-step", required_argument, NULL, 'c' },
		{ "go", no_argument, NULL, 'g' },
		{ "stdin", no_argument, NULL, 's' },
		{ "report", required_argument, NULL, 'R' },
		{ "no-check", no_argument, NULL, 'N' },
		{ "length", required_argument, NULL, 'l' },
		{ "pipeline", required_argument, NULL, 'p' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "payload", required_argument, NULL, 'P' },
		{ "send-size", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mode;
	int ch;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u': opt.path = optarg; break;
		case 'h': add_handle(strtoll(optarg, NULL, 10)); break;
		case 'H': read_handles(optarg); break;
		case 'C': opt.connections = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': opt.max_chunk = strtoull(optarg, NULL, 10); break;
		case 'c': opt.credit_step = strtoull(optarg, NULL, 10); break;
		case 'g': opt.go = true; break;
		case 's': opt.stdin_control = true; break;
		case 'R': opt.report = optarg; break;
		case 'N': opt.check = false; break;
		case 'l': opt.length = strtoull(optarg, NULL, 10); break;
		case 'p': opt.pipeline = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'b': opt.bytes = strtoull(optarg, NULL, 10); break;
		case 'P': opt.payload = strtoull(optarg, NULL, 10); break;
		case 'S': opt.send_size = strcmp(optarg, "null") == 0 ? 0 : strtoll(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (opt.path == NULL || opt.connections == 0 || opt.connections > MAX_CONNS ||
	    opt.pipeline == 0 || opt.payload == 0 || opt.length == 0)
		usage();
	if (strcmp(mode, "subscribe") == 0)
		return mode_subscribe();
	if (strcmp(mode, "receive") == 0)
		return mode_receive();
	if (strcmp(mode, "sendall") == 0)
		return mode_sendall();
	usage();
	return 2;
}
