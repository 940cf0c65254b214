/* filesend.h: `METHOD ... data=@FILE` with a file larger than one request
 * line carries.  The daemon reads requests of at most max_message bytes
 * (1 MiB by default), and base64 makes bytes a third longer, so:
 *   - socket.send and socket.send_all on a stream socket send the file in
 *     pieces of FILESEND_PIECE bytes, one call each, and answer
 *     {"bytes": TOTAL} as one call would; on a terminal a progress bar
 *     is drawn on stderr once sending has taken FILESEND_BAR_AFTER_MS
 *     ($SOCK6CTL_PROGRESS_AFTER_MS overrides it);
 *   - anything else (a datagram, which must stay one datagram) goes as one
 *     request, and when the daemon refuses it as too long a line on stderr
 *     says why: the file's size, its base64 size and the daemon's limit. */
#ifndef SOCK6_FILESEND_H
#define SOCK6_FILESEND_H

#include <json-c/json.h>

#include "client.h"

/* Bytes of the file per call: 699,052 of base64, well inside 1 MiB. */
#define FILESEND_PIECE		(512u * 1024)
/* Files larger than this go in pieces: as base64 (1,037,656 bytes) they
 * would fill one request of the default limit. */
#define FILESEND_ONE_REQUEST	(760u * 1024)
#define FILESEND_BAR_AFTER_MS	1000

/* s6c_call() for `method` with `params` (reference taken), made from the
 * key=value words[0..n), in pieces when the words have data=@FILE as
 * above.  Same return values and out-params as s6c_call().  `notes`: the
 * lines that explain an error may go to stderr (not with --json). */
int	 filesend_call(struct s6c *c, const char *method, json_object *params,
	    int n, char *const words[], int timeout_ms, int notes,
	    json_object **result, json_object **error);

#endif
