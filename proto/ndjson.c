/* ndjson.c: newline-delimited framing of JSON texts over a struct buf. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "ndjson.h"

/*
 * Only the first max+2 bytes are ever searched for the newline: a frame of
 * max bytes may be followed by "\r\n", and anything longer is too big no
 * matter where its newline is.  Bytes without a newline are too big as soon
 * as they cannot be completed into a frame of at most max bytes.  The
 * caller keeps *scanned, the bytes at the head already searched, between
 * calls: zero to begin with and after anything it takes from the buffer.
 */
enum ndjson_status
ndjson_next(struct buf *b, size_t max, size_t *scanned, const char **line,
    size_t *len, size_t *consumed)
{
	const char	*p, *nl;
	size_t		 n, scan, from, flen;

	for (;;) {
		/* An empty buffer may have no storage yet: no head to take. */
		if ((n = buf_len(b)) == 0)
			return NDJSON_NEED;
		p = buf_head(b);
		scan = max > SIZE_MAX - 2 ? n : max + 2;
		if (scan > n)
			scan = n;
		/* A long line arrives in many reads: search only what came
		 * since the last search, not the whole line each time. */
		from = *scanned < scan ? *scanned : scan;
		if ((nl = memchr(p + from, '\n', scan - from)) == NULL) {
			*scanned = scan;
			if (n > scan)
				return NDJSON_TOOBIG;
			if (n > max && !(n - 1 == max && p[n - 1] == '\r'))
				return NDJSON_TOOBIG;
			return NDJSON_NEED;
		}
		flen = (size_t)(nl - p);
		if (flen > 0 && p[flen - 1] == '\r')
			flen--;
		if (flen == 0) {
			/* An empty line: skip it and look again. */
			ndjson_done(b, (size_t)(nl - p) + 1, scanned);
			continue;
		}
		if (flen > max)
			return NDJSON_TOOBIG;
		*line = p;
		*len = flen;
		*consumed = (size_t)(nl - p) + 1;
		return NDJSON_FRAME;
	}
}

void
ndjson_done(struct buf *b, size_t consumed, size_t *scanned)
{
	buf_consume(b, consumed);
	*scanned = 0;
}
