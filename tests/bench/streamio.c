/* streamio.c: the raw byte ends of the streaming benchmark (stream.py).
 *
 * Every process stream.py runs around the daemon, socat or a direct TCP
 * connection that is not a JSON-RPC data client (those are subclient.c):
 *
 *   source  listen on 127.0.0.1, accept one connection, (--go: wait for one
 *           byte first), write --bytes bytes, shut down, wait for the end
 *   sink    listen on 127.0.0.1, accept one connection, read and discard
 *           until end of file (or --bytes)
 *   read    connect (--tcp HOST:PORT or --unix PATH; --attach H: send
 *           socket.attach first and take its reply line), (--go: send one
 *           byte), read and discard until end of file
 *   write   connect as read, write --bytes bytes, shut down the sending
 *           side, read until end of file
 *   peers   listen, accept --count connections, then on "go" on standard
 *           input write --chunk bytes to each one every --interval-ms, until
 *           "pause" (then "go" again) or "stop" or end of standard input;
 *           --report FILE: then one line per connection, "PORT BYTES FNV"
 *           (the connecting end's port, bytes written, their digest)
 *   ping    one control connection: daemon.ping on a schedule (one due every
 *           --interval-us), latency percentiles as fairness.py measures them,
 *           and of the round trips alone (rtt_*: from each actual send)
 *   pong    listen on --unix PATH and answer daemon.ping lines, doing nothing
 *           else: the floor ping is held against (until standard input ends)
 *
 * The listening modes print "port N" on standard output when they listen.
 * Each mode ends with one line of key=value figures on standard output.
 * The data modes time from the first byte moved (or the go byte) to the
 * last.  libc only; C11 with GNU extensions (accept4). */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fnv.h"

#define IOBUF		(1u << 20)	/* bytes per read/write call */

struct options {
	const char	*tcp, *unix_path;
	const char	*dump;		/* ping: "send_ns rtt_ns latency_ns" per ping */
	const char	*report;	/* peers: "port bytes fnv" per connection */
	int64_t		 attach;	/* -1: no attach */
	bool		 go;
	uint64_t	 bytes;		/* 0: until end of file (sink, read) */
	unsigned	 count;
	size_t		 chunk;
	double		 interval_ms;
	double		 interval_us;
	double		 duration;
	unsigned	 warmup;
	double		 connect_wait;	/* seconds to retry a refused connect */
	size_t		 iobuf;
};

static struct options opt = {
	.attach = -1, .count = 1000, .chunk = 1024, .interval_ms = 50,
	.interval_us = 1000, .duration = 5, .warmup = 200, .connect_wait = 10,
	.iobuf = IOBUF,
};

static void
die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("streamio: ", stderr);
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

static double
secs(uint64_t ns)
{
	return (double)ns / 1e9;
}

static void
report(const char *mode, uint64_t bytes, uint64_t t0, uint64_t t1)
{
	double s = t1 > t0 ? secs(t1 - t0) : 0;

	printf("%s bytes=%" PRIu64 " seconds=%.6f rate_mbs=%.1f\n", mode, bytes, s,
	    s > 0 ? (double)bytes / s / 1e6 : 0.0);
	fflush(stdout);
}

static int
listen_loopback(int backlog)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd, on = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 || listen(fd, backlog) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		die("listen on 127.0.0.1: %s", strerror(errno));
	printf("port %u\n", ntohs(sin.sin_port));
	fflush(stdout);
	return fd;
}

static int
accept_one(int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		if (errno != EINTR)
			die("accept: %s", strerror(errno));
	return fd;
}

/* Connect to --tcp HOST:PORT (numeric) or --unix PATH, retrying a refused
 * or missing UNIX socket for a while (socat creates it when it is ready). */
static int
connect_peer(void)
{
	uint64_t deadline = now_ns() + (uint64_t)(opt.connect_wait * 1e9);
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (opt.tcp != NULL) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		char host[64];
		const char *colon = strrchr(opt.tcp, ':');

		if (colon == NULL || (size_t)(colon - opt.tcp) >= sizeof(host))
			die("--tcp wants HOST:PORT");
		memcpy(host, opt.tcp, (size_t)(colon - opt.tcp));
		host[colon - opt.tcp] = '\0';
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			die("--tcp: %s is not a numeric IPv4 address", host);
		len = sizeof(*sin);
	} else if (opt.unix_path != NULL) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		if (strlen(opt.unix_path) >= sizeof(sun->sun_path))
			die("--unix path too long");
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, opt.unix_path);
		len = sizeof(*sun);
	} else {
		die("give --tcp HOST:PORT or --unix PATH");
	}
	for (;;) {
		if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			die("socket: %s", strerror(errno));
		if (connect(fd, (struct sockaddr *)&ss, len) == 0)
			return fd;
		if ((errno != ECONNREFUSED && errno != ENOENT) || now_ns() > deadline)
			die("connect to %s: %s", opt.tcp ? opt.tcp : opt.unix_path, strerror(errno));
		close(fd);
		usleep(10000);	/* the retry interval, not a readiness guess */
	}
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			die("write: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

/* socket.attach on a fresh control connection: the reply line, then the
 * pipe.  Bytes after the reply's newline are the pipe's first: counted. */
static uint64_t
attach(int fd, char *buf, size_t cap)
{
	char req[160];
	size_t have = 0;
	char *nl;
	ssize_t n;
	int len;

	len = snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
	    "\"socket.attach\",\"params\":{\"handle\":%" PRId64 "}}\n", opt.attach);
	write_all(fd, req, (size_t)len);
	for (;;) {
		if ((n = recv(fd, buf + have, cap - have, 0)) <= 0)
			die("socket.attach: no reply (%s)", n == 0 ? "end of file" : strerror(errno));
		have += (size_t)n;
		if ((nl = memchr(buf, '\n', have)) != NULL)
			break;
	}
	if (memmem(buf, (size_t)(nl - buf), "\"result\"", 8) == NULL)
		die("socket.attach failed: %.*s", (int)(nl - buf), buf);
	return (uint64_t)(have - (size_t)(nl + 1 - buf));
}

/* Read and discard until end of file or `limit` bytes (0: no limit). */
static uint64_t
drain(int fd, char *buf, uint64_t limit, uint64_t *first, uint64_t *last)
{
	uint64_t total = 0;
	size_t want;
	ssize_t n;

	for (;;) {
		want = opt.iobuf;
		if (limit > 0 && limit - total < want)
			want = (size_t)(limit - total);
		if (want == 0)
			break;
		if ((n = recv(fd, buf, want, 0)) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				break;
			die("read: %s", strerror(errno));
		}
		if (n == 0)
			break;
		if (total == 0 && first != NULL && *first == 0)
			*first = now_ns();
		total += (uint64_t)n;
	}
	if (last != NULL)
		*last = now_ns();
	return total;
}

static char *
pattern_buffer(size_t n)
{
	char *buf = malloc(n);
	size_t i;

	if (buf == NULL)
		die("out of memory");
	for (i = 0; i < n; i++)
		buf[i] = (char)('a' + i % 26);
	return buf;
}

/* Write `total` bytes of the pattern (byte i of the stream is 'a' + i % 26,
 * which subclient checks) from a pattern buffer of opt.iobuf + 26 bytes. */
static void
write_pattern(int fd, const char *buf, uint64_t total)
{
	uint64_t sent = 0;
	size_t n;

	while (sent < total) {
		n = total - sent < opt.iobuf ? (size_t)(total - sent) : opt.iobuf;
		write_all(fd, buf + sent % 26, n);
		sent += n;
	}
}

static int
mode_source(void)
{
	int lfd = listen_loopback(1), fd;
	char *buf = pattern_buffer(opt.iobuf + 26), go;
	uint64_t t0, t1;

	fd = accept_one(lfd);
	close(lfd);
	if (opt.go && recv(fd, &go, 1, MSG_WAITALL) != 1)
		die("source: no go byte");
	t0 = now_ns();
	write_pattern(fd, buf, opt.bytes);
	t1 = now_ns();
	shutdown(fd, SHUT_WR);
	drain(fd, buf, 0, NULL, NULL);	/* until the other side closes too */
	close(fd);
	report("source", opt.bytes, t0, t1);
	return 0;
}

static int
mode_sink(void)
{
	int lfd = listen_loopback(1), fd;
	char *buf = malloc(opt.iobuf);
	uint64_t first = 0, last, total;

	if (buf == NULL)
		die("out of memory");
	fd = accept_one(lfd);
	close(lfd);
	total = drain(fd, buf, opt.bytes, &first, &last);
	close(fd);
	report("sink", total, first, last);
	return 0;
}

static int
mode_read(void)
{
	int fd = connect_peer();
	char *buf = malloc(opt.iobuf);
	uint64_t first = 0, last, total = 0;

	if (buf == NULL)
		die("out of memory");
	if (opt.attach >= 0)
		total = attach(fd, buf, opt.iobuf);
	if (opt.go) {
		write_all(fd, "g", 1);
		first = now_ns();
	}
	total += drain(fd, buf, opt.bytes, &first, &last);
	close(fd);
	report("read", total, first, last);
	return 0;
}

static int
mode_write(void)
{
	int fd = connect_peer();
	char *buf = pattern_buffer(opt.iobuf + 26);
	uint64_t t0, t1;

	if (opt.attach >= 0 && attach(fd, buf, opt.iobuf) != 0)
		die("write: bytes came from the attached socket");
	t0 = now_ns();
	write_pattern(fd, buf, opt.bytes);
	t1 = now_ns();
	shutdown(fd, SHUT_WR);
	drain(fd, buf, 0, NULL, NULL);
	close(fd);
	report("write", opt.bytes, t0, t1);
	return 0;
}

/* --report: each connection's far port, bytes written and their digest. */
static void
peers_report(const int *fds, const uint64_t *off, const uint64_t *digest)
{
	struct sockaddr_storage ss;
	socklen_t len;
	FILE *f = fopen(opt.report, "w");
	unsigned i, port;

	if (f == NULL)
		die("%s: %s", opt.report, strerror(errno));
	for (i = 0; i < opt.count; i++) {
		len = sizeof(ss);
		if (getpeername(fds[i], (struct sockaddr *)&ss, &len) == -1)
			die("getpeername: %s", strerror(errno));
		port = ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)&ss)->sin_port);
		fprintf(f, "%u %" PRIu64 " %016" PRIx64 "\n", port, off[i], digest[i]);
	}
	if (fclose(f) != 0)
		die("%s: %s", opt.report, strerror(errno));
}

/* peers: --count connections accepted, then timed writes on command. */
static int
mode_peers(void)
{
	int lfd = listen_loopback((int)opt.count + 16), *fds;
	uint64_t *due, *off, *digest, interval = (uint64_t)(opt.interval_ms * 1e6);
	uint64_t t, start = 0, written = 0;
	uint64_t ran = 0;	/* ns spent writing, over all go..pause spans */
	uint64_t writes = 0, blocked = 0;
	char *buf = pattern_buffer(opt.chunk + 26), line[64];
	bool running = false, in_open = true;
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	unsigned i, accepted = 0;
	ssize_t n;

	if ((fds = calloc(opt.count, sizeof(*fds))) == NULL ||
	    (due = calloc(opt.count, sizeof(*due))) == NULL ||
	    (off = calloc(opt.count, sizeof(*off))) == NULL ||
	    (digest = calloc(opt.count, sizeof(*digest))) == NULL)
		die("out of memory");
	for (i = 0; i < opt.count; i++)
		digest[i] = FNV_INIT;
	while (accepted < opt.count) {
		fds[accepted] = accept_one(lfd);
		fcntl(fds[accepted], F_SETFL, O_NONBLOCK);
		accepted++;
	}
	close(lfd);
	printf("accepted %u\n", accepted);
	fflush(stdout);
	while (in_open) {
		/* The command line, when one is there (1 ms ticks while running). */
		if (poll(&pfd, 1, running ? 1 : -1) > 0) {
			if ((n = read(0, line, sizeof(line) - 1)) <= 0) {
				in_open = false;
				break;
			}
			line[n] = '\0';
			if (strncmp(line, "go", 2) == 0 && !running) {
				running = true;
				start = now_ns();
				/* Spread the connections evenly over one interval. */
				for (i = 0; i < opt.count; i++)
					due[i] = start + interval * i / opt.count;
			} else if (strncmp(line, "pause", 5) == 0 && running) {
				running = false;
				ran += now_ns() - start;
			} else if (strncmp(line, "stop", 4) == 0) {
				break;
			}
		}
		if (!running)
			continue;
		t = now_ns();
		for (i = 0; i < opt.count; i++) {
			if (due[i] > t)
				continue;
			due[i] += interval;
			if (due[i] < t)
				due[i] = t + interval;	/* fell behind: no burst to catch up */
			if ((n = send(fds[i], buf + off[i] % 26, opt.chunk,
			    MSG_NOSIGNAL | MSG_DONTWAIT)) > 0) {
				if (opt.report != NULL)
					digest[i] = fnv_add(digest[i], buf + off[i] % 26, (size_t)n);
				off[i] += (uint64_t)n;	/* the stream stays the pattern */
				written += (uint64_t)n;
				writes++;
			} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
				blocked++;
			} else if (n < 0) {
				die("peer write: %s", strerror(errno));
			}
		}
	}
	if (running)
		ran += now_ns() - start;
	printf("peers count=%u bytes=%" PRIu64 " writes=%" PRIu64 " blocked=%" PRIu64
	    " seconds=%.3f rate_mbs=%.2f\n", opt.count, written, writes, blocked,
	    secs(ran), ran ? written / secs(ran) / 1e6 : 0.0);
	fflush(stdout);
	if (opt.report != NULL)
		peers_report(fds, off, digest);
	for (i = 0; i < opt.count; i++)
		close(fds[i]);
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t
pct(const uint64_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* pong: the floor of scenario d.  Listen on --unix PATH and answer each
 * daemon.ping line of one connection at a time with the daemon's reply,
 * doing nothing else: pinged under the same load as sock6d, it shows the
 * latency the machine's scheduler adds to any process (stdin closed: exit). */
static int
mode_pong(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pollfd pfd[2] = { { .fd = 0, .events = POLLIN }, { .events = POLLIN } };
	char buf[4096], reply[128], *p, *nl, *id;
	size_t have = 0;
	ssize_t n;
	int lfd, fd, len;

	if (opt.unix_path == NULL || strlen(opt.unix_path) >= sizeof(sun.sun_path))
		die("pong: give --unix PATH");
	strcpy(sun.sun_path, opt.unix_path);
	unlink(opt.unix_path);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 || listen(lfd, 4) == -1)
		die("pong: %s: %s", opt.unix_path, strerror(errno));
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		pfd[1].fd = lfd;
		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (pfd[0].revents != 0)
			break;
		if (pfd[1].revents == 0)
			continue;
		fd = accept_one(lfd);
		have = 0;
		while ((n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0)) > 0) {
			have += (size_t)n;
			buf[have] = '\0';
			for (p = buf; (nl = memchr(p, '\n', have - (size_t)(p - buf))) != NULL; p = nl + 1) {
				*nl = '\0';
				id = strstr(p, "\"id\":");
				len = snprintf(reply, sizeof(reply), "{\"jsonrpc\":\"2.0\",\"id\":%lld,"
				    "\"result\":{\"pong\":true}}\n", id ? atoll(id + 5) : 0LL);
				write_all(fd, reply, (size_t)len);
			}
			have -= (size_t)(p - buf);
			memmove(buf, p, have);
		}
		close(fd);
	}
	unlink(opt.unix_path);
	return 0;
}

/* ping: one ping due every --interval-us.  Sent when due, or at once when
 * the previous reply came after that; a ping sent late for that reason is
 * measured from the moment it was due (the daemon's stall counts), one
 * sent on time from its send (our own late wake-up does not).  --warmup
 * pings first, unmeasured; then --duration seconds. */
static int
mode_ping(void)
{
	int fd = connect_peer();
	uint64_t interval = (uint64_t)(opt.interval_us * 1e3), due, sent, from, t, end = 0;
	uint64_t *lat = NULL, *raw = NULL, id = 0;
	size_t nlat = 0, cap = 0, late = 0, total_pings = 0, have = 0;
	char req[96], buf[4096], *nl;
	struct timespec ts;
	ssize_t n;
	int len;

	FILE *dump = NULL;

	if (opt.dump != NULL && (dump = fopen(opt.dump, "w")) == NULL)
		die("%s: %s", opt.dump, strerror(errno));
	due = now_ns();
	for (;;) {
		t = now_ns();
		if (t < due) {
			ts.tv_sec = (time_t)((due - t) / 1000000000u);
			ts.tv_nsec = (long)((due - t) % 1000000000u);
			nanosleep(&ts, NULL);
			sent = now_ns();
			from = sent;
		} else {
			sent = t;
			from = due;	/* late: the wait since it was due counts */
			if (id >= opt.warmup && t - due > 1000)
				late++;
		}
		len = snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%" PRIu64
		    ",\"method\":\"daemon.ping\"}\n", id);
		write_all(fd, req, (size_t)len);
		for (;;) {
			if ((nl = memchr(buf, '\n', have)) != NULL)
				break;
			if ((n = recv(fd, buf + have, sizeof(buf) - have, 0)) <= 0)
				die("ping: connection lost");
			have += (size_t)n;
		}
		t = now_ns();
		if (memmem(buf, (size_t)(nl - buf), "\"pong\":true", 11) == NULL)
			die("ping: unexpected reply %.*s", (int)(nl - buf), buf);
		memmove(buf, nl + 1, have - (size_t)(nl + 1 - buf));
		have -= (size_t)(nl + 1 - buf);
		if (id == opt.warmup)
			end = sent + (uint64_t)(opt.duration * 1e9);
		if (id >= opt.warmup) {
			if (nlat == cap) {
				cap = cap ? cap * 2 : 4096;
				if ((lat = realloc(lat, cap * sizeof(*lat))) == NULL ||
				    (raw = realloc(raw, cap * sizeof(*raw))) == NULL)
					die("out of memory");
			}
			if (dump != NULL)
				fprintf(dump, "%" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
				    sent, t - sent, t - from);
			raw[nlat] = t - sent;
			lat[nlat++] = t - from;
			total_pings++;
			if (t >= end)
				break;
		}
		id++;
		due += interval;
	}
	if (dump != NULL)
		fclose(dump);
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	qsort(raw, nlat, sizeof(*raw), cmp_u64);
	printf("ping pings=%zu p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f late_pct=%.1f"
	    " rtt_p50_us=%.1f rtt_p99_us=%.1f rtt_max_us=%.1f\n",
	    nlat, pct(lat, nlat, 50) / 1e3, pct(lat, nlat, 99) / 1e3, pct(lat, nlat, 99.9) / 1e3,
	    nlat ? lat[nlat - 1] / 1e3 : 0.0, total_pings ? 100.0 * (double)late / (double)total_pings : 0.0,
	    pct(raw, nlat, 50) / 1e3, pct(raw, nlat, 99) / 1e3, nlat ? raw[nlat - 1] / 1e3 : 0.0);
	fflush(stdout);
	close(fd);
	return 0;
}

static void
usage(void)
{
	fputs("usage: streamio source|sink|read|write|peers|ping|pong [options]\n"
	    "  --tcp HOST:PORT | --unix PATH   where read, write and ping connect (pong: listens)\n"
	    "  --attach HANDLE                 socket.attach first (read, write)\n"
	    "  --go                            one byte from reader to source starts the stream\n"
	    "  --bytes N                       bytes to write (source, write); most to read\n"
	    "  --buffer N                      bytes per read/write call (1 MiB)\n"
	    "  --count N  --chunk N  --interval-ms MS   peers: connections, bytes per write, period\n"
	    "  --report FILE                   peers: \"PORT BYTES FNV\" per connection at the end\n"
	    "  --interval-us US  --duration S  --warmup N  ping: schedule, length, unmeasured pings\n"
	    "  --dump FILE                     ping: one line per measured ping: send time\n"
	    "                                  (CLOCK_MONOTONIC), round trip, latency (ns)\n",
	    stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tcp", required_argument, NULL, 't' },
		{ "unix", required_argument, NULL, 'u' },
		{ "attach", required_argument, NULL, 'a' },
		{ "go", no_argument, NULL, 'g' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "buffer", required_argument, NULL, 'B' },
		{ "count", required_argument, NULL, 'n' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "interval-us", required_argument, NULL, 'I' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "dump", required_argument, NULL, 'D' },
		{ "report", required_argument, NULL, 'R' },
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
		case 't': opt.tcp = optarg; break;
		case 'u': opt.unix_path = optarg; break;
		case 'a': opt.attach = strtoll(optarg, NULL, 10); break;
		case 'g': opt.go = true; break;
		case 'b': opt.bytes = strtoull(optarg, NULL, 10); break;
		case 'B': opt.iobuf = strtoull(optarg, NULL, 10); break;
		case 'n': opt.count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'c': opt.chunk = strtoull(optarg, NULL, 10); break;
		case 'i': opt.interval_ms = strtod(optarg, NULL); break;
		case 'I': opt.interval_us = strtod(optarg, NULL); break;
		case 'd': opt.duration = strtod(optarg, NULL); break;
		case 'w': opt.warmup = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'D': opt.dump = optarg; break;
		case 'R': opt.report = optarg; break;
		default: usage();
		}
	}
	if (opt.iobuf == 0 || opt.chunk == 0 || opt.count == 0)
		usage();
	if (strcmp(mode, "source") == 0)
		return mode_source();
	if (strcmp(mode, "sink") == 0)
		return mode_sink();
	if (strcmp(mode, "read") == 0)
		return mode_read();
	if (strcmp(mode, "write") == 0)
		return mode_write();
	if (strcmp(mode, "peers") == 0)
		return mode_peers();
	if (strcmp(mode, "ping") == 0)
		return mode_ping();
	if (strcmp(mode, "pong") == 0)
		return mode_pong();
	usage();
	return 2;
}
