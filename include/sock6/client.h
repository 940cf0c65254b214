/* sock6/client.h: libsock6, a small synchronous JSON-RPC client for sock6d's
 * control socket (see libsock6(3); link with `pkg-config --libs sock6`).
 *
 * One struct s6c is one control connection.  s6c_call() sends one request
 * with a fresh integer id and reads newline-delimited JSON until the reply
 * with that id arrives; notifications that arrive meanwhile (objects with a
 * "method" and no "id") are queued for s6c_next_notification().  Replies
 * with other ids (late answers to calls that timed out) are discarded.
 *
 * Return values of s6c_call() and s6c_wait_notification():
 *   S6C_OK       the result (or a notification) is there;
 *   S6C_ERROR    the daemon answered with an error object;
 *   S6C_FAIL     the connection failed (EOF, I/O error, reply too long or not
 *                JSON); s6c_errmsg() says why and every later call fails too;
 *   S6C_TIMEOUT  nothing arrived in time; the connection stays usable unless
 *                the request could not be written completely (then S6C_FAIL).
 *
 * s6c_attach() turns the connection into socket.attach's byte pipe to one
 * handle; from then on s6c_pipe_read(), s6c_pipe_write() and
 * s6c_pipe_shutdown() move its bytes, and s6c_call() fails.  The pipe's
 * first bytes may have arrived with the reply: s6c_pipe_read() returns
 * those (s6c_pipe_buffered() counts them) before reading the descriptor.
 *
 * Not thread-safe: use one struct s6c per thread.  The library never raises
 * SIGPIPE. */
#ifndef SOCK6_SOCK6_CLIENT_H
#define SOCK6_SOCK6_CLIENT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

#define S6C_OK		0
#define S6C_ERROR	1
#define S6C_FAIL	(-1)
#define S6C_TIMEOUT	(-2)

/* Largest reply line accepted (a 1 MiB receive is ~1.4 MB of base64). */
#define S6C_MAX_MESSAGE	(64u * 1024 * 1024)

struct s6c;

/* Connect to the control socket at `path`, or, when NULL, at the default
 * path (PROTOCOL §1: $SOCK6D_SOCKET, /run/sock6d/sock6d.sock for root,
 * $XDG_RUNTIME_DIR/sock6d.sock, /tmp/sock6d-$UID/sock6d.sock).  Returns NULL
 * and writes a sentence naming the path into err[errlen] on failure. */
struct s6c	*s6c_connect(const char *path, char *err, size_t errlen);
/* Close the connection and free everything, queued notifications included. */
void		 s6c_close(struct s6c *c);

/* Call `method` with `params` (an object, or NULL to send none; the
 * reference is taken in every case).  timeout_ms < 0 waits forever; it
 * bounds sending plus waiting for the reply.  On S6C_OK *result holds the
 * result, on S6C_ERROR *error holds the daemon's error object; the caller
 * owns (json_object_put) whichever is set, the other is NULL.  Either
 * pointer may be NULL when the caller does not want that object. */
int		 s6c_call(struct s6c *c, const char *method, json_object *params,
		    int timeout_ms, json_object **result, json_object **error);

/* The oldest queued notification (the whole message: "method", "params"),
 * owned by the caller, or NULL when the queue is empty.  The queue is not
 * bounded: a caller that subscribes must drain it. */
json_object	*s6c_next_notification(struct s6c *c);
/* Number of queued notifications. */
size_t		 s6c_pending_notifications(const struct s6c *c);
/* Read until a notification is queued: S6C_OK, S6C_TIMEOUT or S6C_FAIL.
 * Returns S6C_OK at once when one is already queued. */
int		 s6c_wait_notification(struct s6c *c, int timeout_ms);

/* socket.attach: make the connection a byte pipe to `handle`, both ways.
 * framing is NULL or "raw" (bytes as they are) or "len4" (datagram sockets:
 * each datagram a 4-byte big-endian length and its bytes, both ways).
 * Returns like s6c_call(); on S6C_OK the connection is the pipe for good
 * (s6c_call() and s6c_wait_notification() fail, notifications queued
 * before stay readable), on S6C_ERROR it is still a JSON-RPC connection
 * (1013: the handle is attached or subscribed elsewhere, or calls are
 * pending here).  S6C_TIMEOUT leaves it of no further use: the daemon may
 * still attach it. */
int		 s6c_attach(struct s6c *c, int64_t handle, const char *framing,
		    int timeout_ms, json_object **error);
/* Up to n bytes from the pipe: first those that came with the reply, then
 * what the descriptor has.  Waits up to timeout_ms for one byte (0: not at
 * all, < 0: forever).  Returns the count, 0 at the end of the stream (the
 * socket's EOF: its peer has finished sending), or -1 with errno set:
 * EAGAIN when nothing came in time, EINVAL when not attached, else the
 * reason (s6c_errmsg() says it too). */
ssize_t		 s6c_pipe_read(struct s6c *c, void *p, size_t n, int timeout_ms);
/* Write all of p[n], waiting up to timeout_ms (0: only what fits now, < 0:
 * forever).  Returns the bytes written (fewer than n when time ran out), or
 * -1 with errno set when none were: EAGAIN in time, EPIPE or ECONNRESET
 * once the pipe has closed.  Read meanwhile when the peer may answer before
 * it has read everything: the daemon keeps a bounded window each way. */
ssize_t		 s6c_pipe_write(struct s6c *c, const void *p, size_t n,
		    int timeout_ms);
/* Finished sending: the daemon shuts down the socket's sending side (the
 * peer reads EOF); reading goes on until the peer's end.  0, or -1. */
int		 s6c_pipe_shutdown(struct s6c *c);
/* Bytes of the pipe already read into the library, which s6c_pipe_read()
 * returns without waiting; poll(2) on s6c_fd() does not see them.  Once 0,
 * the descriptor may be read directly (read(2), splice(2)). */
size_t		 s6c_pipe_buffered(const struct s6c *c);

/* The sentence describing the last S6C_FAIL or S6C_TIMEOUT. */
const char	*s6c_errmsg(const struct s6c *c);
/* The control socket path this connection uses. */
const char	*s6c_path(const struct s6c *c);
/* The connection's descriptor (non-blocking, close-on-exec), e.g. for poll(2);
 * its bytes belong to the library (once attached, see s6c_pipe_buffered()). */
int		 s6c_fd(const struct s6c *c);

#ifdef __cplusplus
}
#endif

#endif
