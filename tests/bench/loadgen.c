/* loadgen.c: a single-threaded epoll load generator that keeps a fixed number
 * of requests in flight on each of N UNIX stream connections and prints the
 * reply rate as one machine-readable line.  It speaks either JSON-RPC 2.0
 * (daemon.ping, newline-delimited) for sock6d or RESP (PING) for redis, so the
 * two servers are measured by exactly the same client code.  libc only. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
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

#define RBUF_SIZE	65536	/* per-client read buffer; also the longest reply line */
#define REQ_MAX		96	/* longest request we ever format */
#define MAX_CLIENTS	10000
#define MAX_PIPELINE	4096
#define HIST_SUB_BITS	5
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_LEN	((64 - HIST_SUB_BITS + 1) * HIST_SUB)

enum proto { PROTO_JSONRPC, PROTO_RESP };

struct client {
	int fd;
	uint64_t next_id;	/* JSON-RPC id of the next request */
	unsigned inflight;	/* requests sent or queued, not yet answered */
	bool out_armed;		/* EPOLLOUT currently requested */
	char *wbuf;		/* queued request bytes, wbuf[woff..wlen) unsent */
	size_t wlen, woff, wcap;
	char *rbuf;		/* received bytes not yet split into lines */
	size_t rlen;
	uint64_t *sent_at;	/* ring of send times, one per request in flight */
	unsigned ring_head;
};

struct options {
	const char *path;
	enum proto proto;
	unsigned clients;
	unsigned pipeline;
	double duration;
	bool duration_set;
	uint64_t total;		/* 0: run for duration instead */
	double warmup;
	double timeout;		/* longest wait for any reply before giving up */
	bool quiet;
};

static struct options opt = {
	.path = NULL,
	.proto = PROTO_JSONRPC,
	.clients = 50,
	.pipeline = 1,
	.duration = 5.0,
	.total = 0,
	.warmup = 1.0,
	.timeout = 10.0,
};

static struct client *clients;
static int epfd = -1;
static uint64_t now_ns;

/* Run state: the measured window starts when the warm-up ends. */
static bool measuring;
static bool stop_sending;
static int64_t budget = -1;	/* requests still allowed to be sent; -1 unlimited */
static uint64_t t_begin, t_measure, t_last_reply;
static uint64_t replies, errors;
static bool failed;
static uint64_t hist[HIST_LEN];

static const char RESP_PING[] = "*1\r\n$4\r\nPING\r\n";

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fputs("usage: loadgen --unix PATH [--proto jsonrpc|resp] [--clients N]\n"
	      "               [--pipeline P] [--duration SECONDS | --requests TOTAL]\n"
	      "               [--warmup SECONDS] [--timeout SECONDS] [--quiet]\n"
	      "Keeps P requests in flight on each of N connections to the UNIX\n"
	      "stream socket PATH and prints one line:\n"
	      "  proto=... clients=N pipeline=P requests=R seconds=S rate=R/S errors=E"
	      " p50_us=... p99_us=...\n"
	      "Defaults: jsonrpc, 50 clients, pipeline 1, 5 s after a 1 s warm-up.\n"
	      "--requests stops after TOTAL replies (also capped by --duration if given).\n"
	      "--timeout gives up when no reply arrives for that long (default 10 s).\n"
	      "Exit status: 0 ok, 1 connect failure, bad reply, lost connection or\n"
	      "stall, 2 usage error.\n", f);
}

static bool parse_uint(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_seconds(const char *s, double lo, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= 86400.0))
		return false;
	*out = v;
	return true;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "unix", required_argument, NULL, 'u' },
		{ "proto", required_argument, NULL, 'P' },
		{ "clients", required_argument, NULL, 'c' },
		{ "pipeline", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "requests", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int ch;

	while ((ch = getopt_long(argc, argv, "u:P:c:p:d:n:w:t:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			opt.path = optarg;
			break;
		case 'P':
			if (strcmp(optarg, "jsonrpc") == 0)
				opt.proto = PROTO_JSONRPC;
			else if (strcmp(optarg, "resp") == 0)
				opt.proto = PROTO_RESP;
			else
				goto bad;
			break;
		case 'c':
			if (!parse_uint(optarg, 1, MAX_CLIENTS, &v))
				goto bad;
			opt.clients = (unsigned)v;
			break;
		case 'p':
			if (!parse_uint(optarg, 1, MAX_PIPELINE, &v))
				goto bad;
			opt.pipeline = (unsigned)v;
			break;
		case 'd':
			if (!parse_seconds(optarg, 0.001, &opt.duration))
				goto bad;
			opt.duration_set = true;
			break;
		case 'n':
			if (!parse_uint(optarg, 1, UINT64_MAX / 2, &opt.total))
				goto bad;
			break;
		case 'w':
			if (!parse_seconds(optarg, 0.0, &opt.warmup))
				goto bad;
			break;
		case 't':
			if (!parse_seconds(optarg, 0.001, &opt.timeout))
				goto bad;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc || !opt.path) {
		usage(stderr);
		exit(2);
	}
	return;
bad:
	fprintf(stderr, "loadgen: bad value for option: %s\n", optarg);
	exit(2);
}

/* Histogram bucket of a latency in ns: linear below HIST_SUB, then
 * HIST_SUB buckets per power of two (about 3% resolution). */
static unsigned hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < HIST_SUB)
		return (unsigned)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - HIST_SUB_BITS;
	return (shift + 1) * HIST_SUB + (unsigned)((v >> shift) & (HIST_SUB - 1));
}

/* Middle of the range of latencies that fall into bucket i. */
static double hist_value(unsigned i)
{
	unsigned shift;
	uint64_t low;

	if (i < HIST_SUB)
		return (double)i;
	shift = i / HIST_SUB - 1;
	low = (uint64_t)(HIST_SUB + i % HIST_SUB) << shift;
	return (double)low + (double)((uint64_t)1 << shift) / 2.0;
}

/* Latency at the given per-mille rank, in ns. */
static double hist_permille(unsigned pm)
{
	uint64_t n = 0, rank, seen = 0;
	unsigned i;

	for (i = 0; i < HIST_LEN; i++)
		n += hist[i];
	if (n == 0)
		return 0.0;
	rank = (n * pm + 999) / 1000;
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_LEN; i++) {
		seen += hist[i];
		if (seen >= rank)
			return hist_value(i);
	}
	return hist_value(HIST_LEN - 1);
}

static void fatal_client(unsigned idx, const char *what, int err)
{
	if (err)
		fprintf(stderr, "loadgen: client %u: %s: %s\n", idx, what, strerror(err));
	else
		fprintf(stderr, "loadgen: client %u: %s\n", idx, what);
	failed = true;
	stop_sending = true;
}

/* Connect one client; blocking connect (bounded by SO_SNDTIMEO), then
 * switched to non-blocking for the run. */
static int connect_unix(const char *path, double timeout)
{
	struct sockaddr_un sa;
	struct timeval tv;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	tv.tv_sec = (time_t)timeout;
	tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* Append one request to the client's write buffer and stamp its send time. */
static void queue_request(struct client *c)
{
	static const char pre[] = "{\"jsonrpc\":\"2.0\",\"id\":";
	static const char post[] = ",\"method\":\"daemon.ping\"}\n";
	char *p;

	if (c->wlen + REQ_MAX > c->wcap) {
		if (c->woff) {
			memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
			c->wlen -= c->woff;
			c->woff = 0;
		}
		if (c->wlen + REQ_MAX > c->wcap) {
			size_t cap = c->wcap * 2 + REQ_MAX;
			char *nb = realloc(c->wbuf, cap);

			if (!nb) {
				perror("loadgen: realloc");
				exit(1);
			}
			c->wbuf = nb;
			c->wcap = cap;
		}
	}
	p = c->wbuf + c->wlen;
	if (opt.proto == PROTO_JSONRPC) {
		memcpy(p, pre, sizeof(pre) - 1);
		p = put_u64(p + sizeof(pre) - 1, c->next_id++);
		memcpy(p, post, sizeof(post) - 1);
		p += sizeof(post) - 1;
	} else {
		memcpy(p, RESP_PING, sizeof(RESP_PING) - 1);
		p += sizeof(RESP_PING) - 1;
	}
	c->wlen = (size_t)(p - c->wbuf);
	c->sent_at[(c->ring_head + c->inflight) % opt.pipeline] = now_ns;
	c->inflight++;
}

/* Top the client up to P requests in flight, within the send budget. */
static void refill(struct client *c)
{
	while (!stop_sending && c->inflight < opt.pipeline && budget != 0) {
		if (budget > 0)
			budget--;
		queue_request(c);
	}
}

static void set_out(struct client *c, unsigned idx, bool on)
{
	struct epoll_event ev;

	if (c->out_armed == on)
		return;
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.u32 = idx;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		fatal_client(idx, "epoll_ctl", errno);
		return;
	}
	c->out_armed = on;
}

/* Write as much of the queued requests as the socket takes. */
static void flush(struct client *c, unsigned idx)
{
	while (c->woff < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->woff += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			set_out(c, idx, true);
			return;
		} else {
			fatal_client(idx, "send", n < 0 ? errno : EPIPE);
			return;
		}
	}
	c->wlen = c->woff = 0;
	set_out(c, idx, false);
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* Match literal s at p after optional whitespace; NULL when it is not there. */
static const char *expect(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	p = skip_ws(p, end);
	if ((size_t)(end - p) < n || memcmp(p, s, n) != 0)
		return NULL;
	return p + n;
}

/* True when a JSON-RPC reply line carries "result":{"pong":true}: at once
 * when it ends the reply, compact (as sock6d writes it), else found with
 * memmem, tolerating whitespace a JSON printer may put between tokens. */
static bool jsonrpc_pong(const char *line, size_t len)
{
	static const char tail[] = "\"result\":{\"pong\":true}}";
	const char *end = line + len, *p = line;

	if (len >= sizeof(tail) - 1 &&
	    memcmp(end - (sizeof(tail) - 1), tail, sizeof(tail) - 1) == 0)
		return true;

	while ((p = memmem(p, (size_t)(end - p), "\"result\"", 8)) != NULL) {
		const char *q = p + 8;

		p = q;
		if ((q = expect(q, end, ":")) && (q = expect(q, end, "{")) &&
		    (q = expect(q, end, "\"pong\"")) && (q = expect(q, end, ":")) &&
		    (q = expect(q, end, "true")) && expect(q, end, "}"))
			return true;
	}
	return false;
}

static bool reply_ok(const char *line, size_t len)
{
	if (opt.proto == PROTO_RESP)
		return len == 6 && memcmp(line, "+PONG\r", 6) == 0;
	return jsonrpc_pong(line, len);
}

/* Account for one reply line: validate, time it, and free its slot. */
static void on_reply(struct client *c, unsigned idx, const char *line, size_t len)
{
	bool ok = reply_ok(line, len);

	if (c->inflight == 0) {
		fatal_client(idx, "reply to a request never sent", 0);
		errors++;
		return;
	}
	if (!ok) {
		if (errors < 5)
			fprintf(stderr, "loadgen: client %u: unexpected reply: %.*s\n",
				idx, (int)(len > 200 ? 200 : len), line);
		errors++;
	}
	if (measuring && !(opt.total && replies >= opt.total)) {
		replies++;
		hist[hist_index(now_ns - c->sent_at[c->ring_head])]++;
	}
	c->ring_head = (c->ring_head + 1) % opt.pipeline;
	c->inflight--;
	t_last_reply = now_ns;
	if (measuring && opt.total && replies >= opt.total)
		stop_sending = true;
}

/* Read what the server sent, split it into reply lines, send replacements. */
static void on_readable(struct client *c, unsigned idx)
{
	ssize_t n;
	char *p, *end, *nl;

	n = recv(c->fd, c->rbuf + c->rlen, RBUF_SIZE - c->rlen, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		fatal_client(idx, "recv", errno);
		return;
	}
	if (n == 0) {
		fatal_client(idx, "connection closed by the server", 0);
		return;
	}
	c->rlen += (size_t)n;
	p = c->rbuf;
	end = c->rbuf + c->rlen;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		on_reply(c, idx, p, (size_t)(nl - p));
		p = nl + 1;
	}
	c->rlen = (size_t)(end - p);
	if (c->rlen == RBUF_SIZE) {
		fatal_client(idx, "reply line longer than the read buffer", 0);
		return;
	}
	if (c->rlen && p != c->rbuf)
		memmove(c->rbuf, p, c->rlen);
	refill(c);
	flush(c, idx);
}

static void setup_clients(void)
{
	unsigned i;

	clients = calloc(opt.clients, sizeof(*clients));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!clients || epfd < 0) {
		perror("loadgen: setup");
		exit(1);
	}
	for (i = 0; i < opt.clients; i++) {
		struct client *c = &clients[i];
		struct epoll_event ev;

		c->fd = connect_unix(opt.path, opt.timeout);
		if (c->fd < 0) {
			fprintf(stderr, "loadgen: connect %s: %s\n", opt.path, strerror(errno));
			exit(1);
		}
		c->next_id = 1;
		c->wcap = (size_t)opt.pipeline * REQ_MAX + REQ_MAX;
		c->wbuf = malloc(c->wcap);
		c->rbuf = malloc(RBUF_SIZE);
		c->sent_at = calloc(opt.pipeline, sizeof(*c->sent_at));
		if (!c->wbuf || !c->rbuf || !c->sent_at) {
			perror("loadgen: malloc");
			exit(1);
		}
		ev.events = EPOLLIN;
		ev.data.u32 = i;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
			perror("loadgen: epoll_ctl");
			exit(1);
		}
	}
}

/* Open the measured window: counters restart, the send budget is what
 * --requests allows beyond the replies already owed. */
static void start_measuring(void)
{
	uint64_t owed = 0;
	unsigned i;

	measuring = true;
	t_measure = now_ns;
	replies = 0;
	memset(hist, 0, sizeof(hist));
	if (opt.total) {
		for (i = 0; i < opt.clients; i++)
			owed += clients[i].inflight;
		budget = owed >= opt.total ? 0 : (int64_t)(opt.total - owed);
	}
}

/* Milliseconds epoll_wait may sleep before the next deadline is due. */
static int wait_ms(uint64_t deadline)
{
	uint64_t stall = t_last_reply + (uint64_t)(opt.timeout * 1e9);

	if (stall < deadline)
		deadline = stall;
	if (deadline <= now_ns)
		return 0;
	return (int)((deadline - now_ns + 999999) / 1000000);
}

static void run(void)
{
	uint64_t warm_end, end = UINT64_MAX;
	bool timed = !opt.total || opt.duration_set;
	struct epoll_event *evs;
	unsigned i;

	evs = calloc(opt.clients, sizeof(*evs));
	if (!evs) {
		perror("loadgen: calloc");
		exit(1);
	}
	now_ns = clock_ns();
	t_begin = t_last_reply = now_ns;
	warm_end = t_begin + (uint64_t)(opt.warmup * 1e9);
	if (opt.warmup <= 0.0)
		start_measuring();
	for (i = 0; i < opt.clients; i++) {
		refill(&clients[i]);
		flush(&clients[i], i);
	}
	for (;;) {
		uint64_t next;
		int n, k;

		now_ns = clock_ns();
		if (!measuring && now_ns >= warm_end)
			start_measuring();
		if (measuring && timed)
			end = t_measure + (uint64_t)(opt.duration * 1e9);
		if (failed || now_ns >= end || (measuring && opt.total && replies >= opt.total))
			break;
		if (now_ns - t_last_reply >= (uint64_t)(opt.timeout * 1e9)) {
			fprintf(stderr, "loadgen: no reply for %.1f s\n", opt.timeout);
			failed = true;
			break;
		}
		next = measuring ? end : warm_end;
		n = epoll_wait(epfd, evs, (int)opt.clients, wait_ms(next));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("loadgen: epoll_wait");
			failed = true;
			break;
		}
		for (k = 0; k < n && !failed; k++) {
			unsigned idx = evs[k].data.u32;
			struct client *c = &clients[idx];

			now_ns = clock_ns();
			if (evs[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				on_readable(c, idx);
			if (!failed && (evs[k].events & EPOLLOUT))
				flush(c, idx);
		}
	}
	free(evs);
}

static void report(void)
{
	double secs = measuring ? (double)(now_ns - t_measure) / 1e9 : 0.0;
	double rate = secs > 0.0 ? (double)replies / secs : 0.0;
	static const char *const names[] = { "jsonrpc", "resp" };

	if (opt.quiet)
		return;
	printf("proto=%s clients=%u pipeline=%u requests=%" PRIu64 " seconds=%.2f"
	       " rate=%.0f errors=%" PRIu64 " p50_us=%.1f p99_us=%.1f\n",
	       names[opt.proto], opt.clients, opt.pipeline, replies, secs, rate,
	       errors, hist_permille(500) / 1000.0, hist_permille(990) / 1000.0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned i;

	parse_args(argc, argv);
	setup_clients();
	run();
	if (!failed && replies == 0) {
		fprintf(stderr, "loadgen: no replies in the measured window\n");
		failed = true;
	}
	report();
	for (i = 0; i < opt.clients; i++)
		close(clients[i].fd);
	close(epfd);
	return failed || errors ? 1 : 0;
}
