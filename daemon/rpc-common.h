/* rpc-common.h: shorthands shared by the rpc-<area>.c method files: param
 * rows that recur, result rows, and small helpers for building results. */
#ifndef SOCK6D_RPC_COMMON_H
#define SOCK6D_RPC_COMMON_H

#include <stddef.h>

#include "conn.h"
#include "error.h"
#include "method.h"
#include "param.h"
#include "resolve.h"
#include "rpc.h"
#include "sockaddr.h"
#include "sock.h"
#include "sock6d.h"

struct waiter;

#define END_PARAMS	{ .name = NULL }
#define END_RESULT	{ .name = NULL }

#define HANDLE_ROW(T, field) \
	{ "handle", PT_HANDLE, P_REQUIRED, offsetof(T, field), .desc = "the socket's handle" }
#define TIMEOUT_ROW(T, field, what) \
	{ "timeout", PT_TIMEOUT, 0, offsetof(T, field), \
	  .desc = "milliseconds to wait for " what " (null: forever; default: the session's)" }
#define SCOPE_ROW(T, field) \
	{ "scope", PT_ENUM, P_DEFAULT, offsetof(T, field), .def = SCOPE_DAEMON, \
	  .names = scope_names, .desc = "daemon: kept until closed; connection: closed with this control connection" }
#define ENCODING_ROW(T, field) \
	{ "encoding", PT_ENUM, P_DEFAULT, offsetof(T, field), .def = 0, .names = encoding_names, \
	  .desc = "text: return a text string when the bytes are valid UTF-8" }


/* {} */
json_object	*result_empty(void);
/* {key: value} */
json_object	*result_one(const char *key, json_object *value);
/* Put received bytes into a result as "data" (base64) or, when as_text and
 * they are valid UTF-8 that JSON writes no longer than base64, "text".
 * p must stay valid until the result is answered (it is encoded then). */
void		 result_bytes(json_object *o, const char *p, size_t n, bool as_text);
/* The most text result_bytes adds to a result for n bytes. */
size_t		 result_bytes_max(size_t n);
/* The session timeout when the call gave none. */
int64_t		 timeout_or(int64_t given, int64_t session_default);

/* What a receive reports besides the bytes: eof (socket.receive), the
 * sender's address (socket.receive_from), or its host and port
 * (udp.receive_from). */
enum receive_shape { RECEIVE_EOF, RECEIVE_ADDRESS, RECEIVE_HOST_PORT };

/* The egg's socket-receive on s for c: one recv(2) of at most length
 * bytes, held bytes first, waiting up to timeout (may be TIMEOUT_SESSION). */
const struct answer *receive_start(struct call *c, struct sock *s, int64_t length, int flags,
		    int64_t timeout, bool as_text, enum receive_shape shape);
/* Accept a connection on listener for c, waiting up to timeout (may be
 * TIMEOUT_SESSION): {handle, [local,] peer}; the new handle has the
 * listener's scope and the caller's uid. */
const struct answer *accept_start(struct call *c, struct sock *listener, int64_t timeout,
		    bool with_local);
/* A send (or sendto, when `to` is non-NULL; copied) of data on s, the
 * egg's socket-send (or, with all, socket-send-all in chunks of chunk
 * bytes, 0: unbounded), for waiter_start() or, on a call already parked,
 * waiter_continue().  timeout may be TIMEOUT_SESSION.  NULL with e set. */
struct waiter	*send_waiter_new(struct call *c, struct sock *s, const struct bytes *data,
		    const struct s6_sockaddr *to, int flags, int64_t timeout, bool all,
		    size_t chunk, struct s6err *e);

/* Park the call on a new resolver job (its inputs then filled by the
 * caller); on anything but CALL_PENDING the call is already answered. */
const struct answer *resolve_park(struct call *c, enum resolve_kind kind, const char *node,
		    const char *service, resolve_done_fn done, struct resolve_job **jobp);
/* Submit the job parked by resolve_park; returns what the handler returns. */
const struct answer *resolve_park_submit(struct call *c, struct resolve_job *job,
		    const struct answer *pending);

#endif
