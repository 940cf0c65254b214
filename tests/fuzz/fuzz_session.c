/* fuzz_session.c: libFuzzer target for the streaming state of a handle
 * (daemon/rpc-stream.c, sub.c, relay.c over conn.c and sock.c): a real
 * daemon context and loop in-process, a control connection on a
 * socketpair, and a managed stream socket whose peer the target holds.
 * The input is a program of operations: subscribe, credit, unsubscribe,
 * attach, close, the peer writing or shutting down, the client reading,
 * disconnecting, loop turns.  Every request must be answered at most once
 * (exactly once when the connection lasts), and what the client gets of
 * the peer's stream, by socket.data notifications or through attach, must
 * be contiguous from offset 0, each byte once and the right one, within
 * the credit given.  See README.md. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base64.h"
#include "jv.h"
#include "sock.h"
#include "fuzz_loop.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OPS		64
#define MAX_STREAM	4096	/* bytes the peer writes in all: enough to fill
				 * the small output queue many times over, few
				 * enough that an input costs milliseconds (its
				 * chunks are 16 bytes or more; credit cuts them
				 * smaller, once per grant) */
#define MAX_IDS		(MAX_OPS + 1)

struct fz_session {
	struct fuzz_loop f;
	struct sock	*s;
	int		 peer;		/* the far end of the managed socket */
	uint64_t	 handle;
	uint64_t	 written;	/* bytes the peer has written */
	bool		 peer_shut;
	uint64_t	 next;		/* offset of the next byte the client gets */
	bool		 eof_seen;
	int		 nsent;		/* requests sent, ids 1..nsent */
	unsigned char	 answered[MAX_IDS + 1];
	int		 attach_id;	/* the attach request in flight, or 0 */
	bool		 attached;	/* its reply came: raw bytes follow */
	bool		 gone;		/* the client disconnected */
	size_t		 parsed;	/* of f.got */
	/* The subscription the replies so far say is running. */
	bool		 subscribed, unlimited;
	uint64_t	 budget, used;
	int		 subscribe_id[MAX_IDS + 1];	/* 1: subscribe, 2: credit, 3: other */
	int64_t		 asked_credit[MAX_IDS + 1];
};

/* The byte at offset i of the peer's stream. */
static unsigned char
pattern(uint64_t i)
{
	return (unsigned char)(i * 31 + (i >> 8));
}

/* Bytes the client got at offset `at`: the next ones, and the right ones. */
static void
got_bytes(struct fz_session *z, uint64_t at, const unsigned char *p, size_t n)
{
	size_t i;

	CHECK(at == z->next);
	CHECK(z->next + n <= z->written);
	for (i = 0; i < n; i++)
		if (p[i] != pattern(at + i)) {
			fprintf(stderr, "stream byte %llu of %llu written: got 0x%02x, want "
			    "0x%02x (%s, %zu bytes from %llu)\n", (unsigned long long)(at + i),
			    (unsigned long long)z->written, p[i], pattern(at + i),
			    z->attached ? "through attach" : "in socket.data", n,
			    (unsigned long long)at);
			abort();
		}
	z->next += n;
}

static int64_t
member_int(const struct jv *o, const char *key)
{
	const struct jv *v = jv_get(o, key);

	CHECK(v != NULL && v->type == JV_INT);
	return v->u.i;
}

static void
on_notification(struct fz_session *z, const struct jv *msg, const struct jv *method)
{
	const struct jv	*params = jv_get(msg, "params"), *v;
	unsigned char	*buf;
	ssize_t		 n;
	int64_t		 at;

	CHECK(jv_get(msg, "id") == NULL);
	CHECK(params != NULL && params->type == JV_OBJECT);
	CHECK(member_int(params, "handle") == (int64_t)z->handle);
	if (method->type != JV_STRING)
		return;
	if (strcmp(method->u.s, "socket.data") == 0) {
		CHECK(z->subscribed);
		at = member_int(params, "offset");
		if ((v = jv_get(params, "data")) != NULL) {
			CHECK(v->type == JV_STRING && jv_get(params, "text") == NULL);
			CHECK((buf = malloc(base64_decoded_max(v->len) + 1)) != NULL);
			CHECK((n = base64_decode(v->u.s, v->len, buf)) > 0);
			got_bytes(z, (uint64_t)at, buf, (size_t)n);
			free(buf);
		} else {
			CHECK((v = jv_get(params, "text")) != NULL && v->type == JV_STRING);
			CHECK(v->len > 0);
			got_bytes(z, (uint64_t)at, (const unsigned char *)v->u.s, v->len);
			n = v->len;
		}
		z->used += (uint64_t)n;
		CHECK(z->unlimited || z->used <= z->budget);
	} else if (strcmp(method->u.s, "socket.eof") == 0) {
		CHECK(z->peer_shut && !z->eof_seen);
		CHECK(member_int(params, "offset") == (int64_t)z->next);
		CHECK(z->next == z->written);
		z->eof_seen = true;
		z->subscribed = false;
	}
}

static void
on_reply(struct fz_session *z, const struct jv *msg)
{
	const struct jv	*id = jv_get(msg, "id"), *res = jv_get(msg, "result"), *v;
	int		 k;

	CHECK(id != NULL && id->type == JV_INT && id->u.i >= 1 && id->u.i <= z->nsent);
	k = (int)id->u.i;
	CHECK(z->answered[k]++ == 0);
	CHECK((res != NULL) != (jv_get(msg, "error") != NULL));
	if (res == NULL) {
		if (k == z->attach_id)
			z->attach_id = 0;
		return;
	}
	switch (z->subscribe_id[k]) {
	case 1:		/* subscribe: starts where the stream stands */
		CHECK(!z->subscribed || z->eof_seen);
		CHECK(member_int(res, "offset") == (int64_t)z->next);
		z->subscribed = true;
		z->eof_seen = false;	/* a new subscription reports the end again */
		z->unlimited = z->asked_credit[k] < 0;
		z->budget = z->unlimited ? 0 : (uint64_t)z->asked_credit[k];
		z->used = 0;
		break;
	case 2:		/* credit */
		CHECK(z->subscribed);
		z->budget += (uint64_t)z->asked_credit[k];
		if ((v = jv_get(res, "credit")) != NULL && v->type == JV_INT)
			CHECK(z->unlimited || (uint64_t)v->u.i == z->budget - z->used);
		break;
	case 4:		/* unsubscribe */
		z->subscribed = false;
		break;
	case 5:		/* close */
		z->subscribed = false;
		break;
	}
	if (k == z->attach_id)
		z->attached = true;
}

/* Take the complete lines the client has read (and, once attached, the
 * raw bytes of the pipe). */
static void
parse_output(struct fz_session *z)
{
	struct fuzz_loop	*f = &z->f;
	struct jv_doc		 doc;
	const struct jv		*method;
	const char		*nl;
	size_t			 len;

	while (z->parsed < f->gotlen) {
		if (z->attached) {
			got_bytes(z, z->next, (const unsigned char *)f->got + z->parsed,
			    f->gotlen - z->parsed);
			z->parsed = f->gotlen;
			return;
		}
		if ((nl = memchr(f->got + z->parsed, '\n', f->gotlen - z->parsed)) == NULL)
			return;
		len = (size_t)(nl - (f->got + z->parsed));
		if (jv_parse(f->got + z->parsed, len, 16, &doc) != JV_OK) {
			fprintf(stderr, "not JSON: %.*s\n", (int)len, f->got + z->parsed);
			abort();
		}
		CHECK(doc.root->type == JV_OBJECT);
		if ((method = jv_get(doc.root, "method")) != NULL)
			on_notification(z, doc.root, method);
		else
			on_reply(z, doc.root);
		jv_free(&doc);
		z->parsed += len + 1;
	}
}

static void
client_read(struct fz_session *z)
{
	if (z->gone)
		return;
	fuzz_read(&z->f);
	parse_output(z);
}

/* Send one request (id = the next number); kind as subscribe_id. */
static void
request(struct fz_session *z, int kind, int64_t credit, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
request(struct fz_session *z, int kind, int64_t credit, const char *fmt, ...)
{
	char	line[512], params[256];
	va_list	ap;
	int	n;

	if (z->gone || z->attach_id != 0 || z->nsent >= MAX_IDS)
		return;
	va_start(ap, fmt);
	vsnprintf(params, sizeof(params), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":%d,%s}\n", z->nsent + 1,
	    params);
	CHECK(n > 0 && (size_t)n < sizeof(line));
	z->nsent++;
	z->subscribe_id[z->nsent] = kind;
	z->asked_credit[z->nsent] = credit;
	if (kind == 6)
		z->attach_id = z->nsent;
	if (!fuzz_write(&z->f, line, (size_t)n))
		z->gone = true;
}

static void
peer_write(struct fz_session *z, size_t n)
{
	unsigned char	buf[4096];
	size_t		i;
	ssize_t		r;

	if (n > MAX_STREAM - z->written)
		n = (size_t)(MAX_STREAM - z->written);
	if (z->peer_shut || n == 0)
		return;
	for (i = 0; i < n; i++)
		buf[i] = pattern(z->written + i);
	r = send(z->peer, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (r > 0)
		z->written += (uint64_t)r;
}

static void
run_op(struct fz_session *z, uint8_t op, uint8_t arg)
{
	unsigned long long h = (unsigned long long)z->handle;
	int i;

	switch (op % 12) {
	case 0:		/* subscribe, limited or not, base64 or text */
		if (arg & 1)
			request(z, 1, -1, "\"method\":\"socket.subscribe\",\"params\":"
			    "{\"handle\":%llu,\"encoding\":\"%s\",\"max_chunk\":%d}", h,
			    arg & 2 ? "text" : "base64", 16 + (arg >> 2) * 64);
		else
			request(z, 1, (arg >> 1) * 16, "\"method\":\"socket.subscribe\",\"params\":"
			    "{\"handle\":%llu,\"credit\":%d,\"max_chunk\":%d}", h, (arg >> 1) * 16,
			    16 + (arg & 0x3e) * 8);
		break;
	case 1:
		request(z, 2, 1 + arg * 8, "\"method\":\"socket.credit\",\"params\":"
		    "{\"handle\":%llu,\"add\":%d}", h, 1 + arg * 8);
		break;
	case 2:
		request(z, 4, 0, "\"method\":\"socket.unsubscribe\",\"params\":{\"handle\":%llu}", h);
		break;
	case 3:
	case 4:
		peer_write(z, (size_t)arg * 16 + (op & 15));
		break;
	case 5:
		if (!z->peer_shut && shutdown(z->peer, SHUT_WR) == 0)
			z->peer_shut = true;
		break;
	case 6:
		client_read(z);
		break;
	case 7:
		if (arg < 32)
			request(z, 6, 0, "\"method\":\"socket.attach\",\"params\":{\"handle\":%llu}", h);
		else
			request(z, 3, 0, "\"method\":\"socket.info\",\"params\":{\"handle\":%llu}", h);
		break;
	case 8:
		if (arg < 16)
			request(z, 5, 0, "\"method\":\"socket.close\",\"params\":{\"handle\":%llu}", h);
		else
			request(z, 3, 0, "\"method\":\"daemon.ping\"");
		break;
	case 9:		/* the client goes away */
		if (arg < 64 && !z->gone) {
			close(z->f.fd);
			z->f.fd = -1;
			z->gone = true;
		}
		break;
	default:
		for (i = 0; i <= arg % 8; i++)
			fuzz_turn(&z->f);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_session	*z;
	struct limits	 lim;
	struct s6err	 e;
	size_t		 i;
	int		 fds[2], turns, quiet, k, sndbuf = 4096;
	uint64_t	 before;

	CHECK((z = calloc(1, sizeof(*z))) != NULL);
	limits_default(&lim);
	lim.output_high = 2048;
	lim.output_low = 512;
	lim.max_receive = 8192;	/* above every max_chunk an input asks; its scratch
				 * buffer is then small, not 1 MiB per input */
	fuzz_loop_start(&z->f, &lim);
	CHECK(setsockopt(z->f.conn->t.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
	memset(&e, 0, sizeof(e));
	CHECK((z->s = sock_wrap_fd(&z->f.d, fds[0], AF_UNIX, SOCK_STREAM, 0, getuid(), &e)) != NULL);
	z->s->state = SS_CONNECTED;
	z->handle = z->s->handle;
	z->peer = fds[1];

	for (i = 0; i + 1 < size && i / 2 < MAX_OPS; i += 2)
		run_op(z, data[i], data[i + 1]);

	/* The end: the peer stops, the client reads until nothing moves. */
	if (!z->peer_shut && shutdown(z->peer, SHUT_WR) == 0)
		z->peer_shut = true;
	for (turns = 0, quiet = 0; !z->gone && !z->f.eof && quiet < 8; turns++) {
		CHECK(turns < FUZZ_MAX_TURNS);
		before = z->f.gotlen;
		fuzz_turn(&z->f);
		client_read(z);
		quiet = z->f.gotlen == before ? quiet + 1 : 0;
	}
	if (!z->gone && !z->f.eof) {
		/* Every request answered once, on a connection that lasted. */
		for (k = 1; k <= z->nsent; k++)
			if (!(z->attached && k > z->attach_id))
				CHECK(z->answered[k] == 1);
		/* The whole stream reached a subscriber that had credit. */
		if (z->subscribed && z->unlimited && !z->attached)
			CHECK(z->next == z->written && z->eof_seen);
	}
	close(z->peer);
	fuzz_loop_stop(&z->f);
	free(z);
	return 0;
}
