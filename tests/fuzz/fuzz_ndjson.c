/* fuzz_ndjson.c: libFuzzer target for the request path of a control
 * connection: NDJSON framing (proto/ndjson.c over proto/buf.c) and the
 * JSON-RPC envelope and batches (daemon/rpc.c) behind a real connection
 * (daemon/conn.c, transport.c) on a socketpair.  The input is cut into
 * writes at points it chooses.  The framing must give exactly the frames a
 * plain split gives, however the bytes arrive; the daemon must answer every
 * request line with the replies JSON-RPC 2.0 calls for, each valid JSON
 * echoing its request's id, in order, and nothing for notifications.
 * Requests may only name methods that touch no network (the rest make the
 * input uninteresting), so that no input sends traffic.  See README.md. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "jv.h"
#include "method.h"
#include "ndjson.h"
#include "fuzz_loop.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_MESSAGE	1024	/* small, so that inputs reach the limit */
#define MAX_DEPTH	8
#define MAX_BATCH	16
#define MAX_EXPECT	4096

/* Methods with no effect outside the daemon and its own sockets. */
static const char *const harmless[] = {
	"daemon.ping", "daemon.version", "daemon.stats", "session.get", "session.set",
	"net.parse_address", "net.inet_address", "net.unix_address", "net.constants",
	"socket.list", "socket.create", "socket.info", "socket.close", "socket.name",
	"socket.options", "socket.get_option", "socket.getopt",
};

/* The cuts: a small generator seeded from the input, so that libFuzzer's
 * mutations of the seed byte move them. */
static size_t
next_cut(uint32_t *state, size_t left)
{
	*state = *state * 1103515245u + 12345u;
	return left == 0 ? 0 : 1 + (*state >> 8) % (left < 64 ? left : 64);
}

/* One frame of the plain split. */
struct frame {
	const char	*p;
	size_t		 len;
	bool		 toobig;
};

/* Split text[0..n) as NDJSON: lines, less one trailing '\r', empty ones
 * skipped; a line longer than max is too big and ends the split.  An
 * unterminated tail is a frame only when `eof` (the daemon's end of input
 * gives it its newline), too big when it can never fit.  The count. */
static size_t
plain_split(const char *text, size_t n, size_t max, bool eof, struct frame *out,
    size_t cap)
{
	const char	*p = text, *end = text + n, *nl;
	size_t		 k = 0, len;

	while (p < end && k < cap) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (nl == NULL && !eof) {
			if (len > max && !(len == max + 1 && p[len - 1] == '\r'))
				out[k++] = (struct frame){ p, len, true };
			break;
		}
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > 0) {
			out[k] = (struct frame){ p, len, len > max };
			if (out[k++].toobig)
				break;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return k;
}

/* The framing alone: the input written into a buffer in cuts, frames taken
 * as they complete, must be the plain split's. */
static void
check_framing(const char *text, size_t n, size_t max, uint32_t seed)
{
	struct frame	*want;
	struct buf	 b;
	const char	*line;
	size_t		 nwant, k = 0, off = 0, scanned = 0, len, consumed, cut;
	enum ndjson_status st;
	bool		 toobig = false;
	char		*room;

	CHECK((want = calloc(n + 1, sizeof(*want))) != NULL);
	nwant = plain_split(text, n, max, false, want, n + 1);
	buf_init(&b, max + 2);
	while (!toobig) {
		while ((st = ndjson_next(&b, max, &scanned, &line, &len, &consumed)) ==
		    NDJSON_FRAME) {
			CHECK(k < nwant && !want[k].toobig);
			CHECK(len == want[k].len && memcmp(line, want[k].p, len) == 0);
			CHECK(consumed > len && consumed <= buf_len(&b));
			CHECK(line == buf_head(&b));
			ndjson_done(&b, consumed, &scanned);
			k++;
		}
		if (st == NDJSON_TOOBIG) {
			CHECK(k < nwant && want[k].toobig);
			k++;
			toobig = true;
			break;
		}
		CHECK(st == NDJSON_NEED);
		if (off == n)
			break;
		cut = next_cut(&seed, n - off);
		if (cut > buf_room(&b))
			cut = buf_room(&b);
		/* NEED with a full buffer would never end. */
		CHECK(cut > 0);
		CHECK((room = buf_reserve(&b, cut)) != NULL);
		memcpy(room, text + off, cut);
		buf_commit(&b, cut);
		off += cut;
	}
	CHECK(k == nwant);
	buf_free(&b);
	free(want);
}

/* One reply the daemon owes: the raw id it must echo (NULL: null). */
struct expect {
	const char	*id;
	size_t		 idlen;
};

/* What a request object (a line's, or a batch member) is owed: 0 or 1
 * replies (*e set); -1 when it names a method this target does not run. */
static int
owed(const struct jv *req, struct expect *e)
{
	const struct jv	*id, *v, *params;
	size_t		 i;

	e->id = NULL;
	e->idlen = 0;
	if (req->type != JV_OBJECT)
		return 1;
	id = jv_get(req, "id");
	if (id != NULL && id->type != JV_STRING && id->type != JV_INT &&
	    id->type != JV_NUMBER && id->type != JV_NULL)
		return 1;
	if (id != NULL) {
		e->id = id->raw;
		e->idlen = id->rawlen;
	}
	if ((v = jv_get(req, "jsonrpc")) == NULL || v->type != JV_STRING || v->len != 3 ||
	    memcmp(v->u.s, "2.0", 3) != 0)
		return 1;
	if ((v = jv_get(req, "method")) == NULL || !jv_plain_string(v))
		return 1;
	params = jv_get(req, "params");
	if (params != NULL && params->type != JV_OBJECT && params->type != JV_ARRAY)
		return 1;
	if (method_lookup(v->u.s) != NULL) {
		for (i = 0; i < sizeof(harmless) / sizeof(harmless[0]); i++)
			if (strcmp(v->u.s, harmless[i]) == 0)
				break;
		if (i == sizeof(harmless) / sizeof(harmless[0]))
			return -1;
	}
	return id != NULL ? 1 : 0;
}

/* A reply object echoes its id (raw text; NULL: null) and holds exactly
 * one of result and error. */
static void
check_reply(const struct jv *r, const struct expect *e)
{
	const struct jv *id, *v;

	CHECK(r->type == JV_OBJECT);
	CHECK((v = jv_get(r, "jsonrpc")) != NULL && v->type == JV_STRING &&
	    strcmp(v->u.s, "2.0") == 0);
	CHECK((id = jv_get(r, "id")) != NULL);
	if (e->id == NULL)
		CHECK(id->type == JV_NULL);
	else
		CHECK(id->rawlen == e->idlen && memcmp(id->raw, e->id, e->idlen) == 0);
	CHECK((jv_get(r, "result") != NULL) != (jv_get(r, "error") != NULL));
	if ((v = jv_get(r, "error")) != NULL) {
		CHECK(v->type == JV_OBJECT);
		CHECK((v = jv_get(v, "code")) != NULL && v->type == JV_INT);
	}
}

/* One line of the daemon's output against what the frame is owed: the
 * next line of got from *pos.  A frame owed nothing takes no line. */
struct owed_line {
	bool		 batch;		/* an array of replies */
	size_t		 n;		/* replies in it (1 when not a batch) */
	struct expect	*e;
};

static void
check_line(const char *got, size_t gotlen, size_t *pos, const struct owed_line *o)
{
	const char	*nl;
	struct jv_doc	 doc;
	size_t		 i, len;

	if (!o->batch && o->n == 0)
		return;
	if (o->batch && o->n == 0)
		return;
	CHECK(*pos < gotlen);
	CHECK((nl = memchr(got + *pos, '\n', gotlen - *pos)) != NULL);
	len = (size_t)(nl - (got + *pos));
	if (jv_parse(got + *pos, len, 64, &doc) != JV_OK) {
		fprintf(stderr, "not JSON: %.*s\n", (int)len, got + *pos);
		abort();
	}
	if (o->batch) {
		CHECK(doc.root->type == JV_ARRAY && doc.root->len == o->n);
		for (i = 0; i < o->n; i++)
			check_reply(&doc.root->u.kids[i], &o->e[i]);
	} else
		check_reply(doc.root, &o->e[0]);
	jv_free(&doc);
	*pos += len + 1;
}

/* The daemon over the same bytes: every frame's replies, in order. */
static void
check_daemon(const char *text, size_t n, uint32_t seed)
{
	struct limits	 lim;
	struct fuzz_loop f;
	struct frame	*fr;
	struct owed_line *lines;
	struct expect	*pool;
	struct jv_doc	*docs;
	size_t		 nfr, i, j, npool = 0, pos = 0, off, cut;
	bool		 open = true;
	int		 rc;

	CHECK((fr = calloc(n + 1, sizeof(*fr))) != NULL);
	nfr = plain_split(text, n, MAX_MESSAGE, true, fr, n + 1);
	CHECK((lines = calloc(nfr + 1, sizeof(*lines))) != NULL);
	CHECK((docs = calloc(nfr + 1, sizeof(*docs))) != NULL);
	CHECK((pool = calloc(n + 1, sizeof(*pool))) != NULL);
	/* What each frame is owed; an input naming another method is not run. */
	for (i = 0; i < nfr; i++) {
		struct owed_line *o = &lines[i];

		o->e = &pool[npool];
		if (fr[i].toobig || jv_parse(fr[i].p, fr[i].len, MAX_DEPTH, &docs[i]) != JV_OK) {
			o->n = 1;	/* an error with id null */
			npool++;
			continue;
		}
		if (docs[i].root->type != JV_ARRAY || docs[i].root->len == 0 ||
		    docs[i].root->len > MAX_BATCH) {
			if (docs[i].root->type == JV_ARRAY)
				rc = 1;		/* empty or too long: id null */
			else if ((rc = owed(docs[i].root, &o->e[0])) == -1)
				goto skip;
			o->n = (size_t)rc;
			npool += o->n;
			continue;
		}
		o->batch = true;
		for (j = 0; j < docs[i].root->len; j++) {
			if ((rc = owed(&docs[i].root->u.kids[j], &o->e[o->n])) == -1)
				goto skip;
			o->n += (size_t)rc;
		}
		npool += o->n;
	}

	limits_default(&lim);
	lim.max_message = MAX_MESSAGE;
	lim.max_depth = MAX_DEPTH;
	lim.max_batch = MAX_BATCH;
	fuzz_loop_start(&f, &lim);
	for (off = 0; off < n && open; off += cut) {
		cut = next_cut(&seed, n - off);
		open = fuzz_write(&f, text + off, cut);
		fuzz_turn(&f);
		fuzz_read(&f);
	}
	CHECK(shutdown(f.fd, SHUT_WR) == 0);
	fuzz_wait_eof(&f);
	/* Each frame's line, in order; nothing more (after a frame too big the
	 * connection closes). */
	for (i = 0; i < nfr; i++)
		check_line(f.got, f.gotlen, &pos, &lines[i]);
	if (pos != f.gotlen) {
		fprintf(stderr, "unexpected output: %s\n", f.got + pos);
		abort();
	}
	fuzz_loop_stop(&f);
skip:
	for (i = 0; i < nfr; i++)
		jv_free(&docs[i]);
	free(docs);
	free(pool);
	free(lines);
	free(fr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t	seed;
	size_t		max;

	if (size < 2)
		return 0;
	/* Byte 0: the framing's max (1 to 256, or 1024); byte 1: the cuts. */
	max = data[0] < 0xf0 ? 1 + data[0] % 256 : MAX_MESSAGE;
	seed = data[1];
	check_framing((const char *)data + 2, size - 2, max, seed);
	check_daemon((const char *)data + 2, size - 2, seed);
	return 0;
}
