/* ndjson.h: newline-delimited JSON framing over a struct buf.
 *
 * A frame is the bytes before a '\n', less a trailing '\r'.  Empty lines are
 * skipped.  A frame longer than the limit is reported once as NDJSON_TOOBIG
 * so the caller can answer and close. */
#ifndef SOCK6_NDJSON_H
#define SOCK6_NDJSON_H

#include <stddef.h>
#include "buf.h"

enum ndjson_status {
	NDJSON_FRAME,	/* *line and *len hold one frame; call ndjson_done() after use */
	NDJSON_NEED,	/* no complete frame buffered yet */
	NDJSON_TOOBIG,	/* the next frame exceeds max bytes */
};

/* Find the next frame in `b`, at most `max` bytes long (excluding the newline).
 * `*scanned` is the caller's record of how much of b's head was searched
 * already (0 at first, and after the caller takes or drops any of b's
 * bytes itself); a line arriving in many reads is then searched once.
 * On NDJSON_FRAME, `*consumed` is what ndjson_done() must drop afterwards. */
enum ndjson_status ndjson_next(struct buf *b, size_t max, size_t *scanned,
    const char **line, size_t *len, size_t *consumed);
/* Drop a frame's bytes, and start the next search at the new head. */
void	 ndjson_done(struct buf *b, size_t consumed, size_t *scanned);

#endif
