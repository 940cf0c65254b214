/* client.c: one control connection to sock6d: connect, send a request,
 * read newline-delimited JSON until the matching reply, queue notifications;
 * and, after socket.attach, the same connection as a byte pipe whose first
 * bytes may already sit in the input buffer. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ndjson.h"
#include "paths.h"
#include "client.h"

#define S6C_READ_CHUNK	65536
#define S6C_MAX_DEPTH	64

struct s6c_note {
	struct s6c_note	*next;
	json_object	*msg;
};

struct s6c {
	int		 fd;
	int		 broken;	/* stream state unknown: refuse further calls */
	int		 attached;	/* a byte pipe now (socket.attach) */
	int		 pipe_eof;	/* the pipe's read side has ended */
	int64_t		 attached_to;	/* the handle */
	int64_t		 next_id;
	struct buf	 in;
	size_t		 in_scanned;	/* of in, searched for a newline */
	struct s6c_note	*head;
	struct s6c_note	**tailp;
	size_t		 nnotes;
	char		 path[PATH_MAX];
	char		 err[512];
};

static int	s6c_fail(struct s6c *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));

/* Record why the connection is unusable from now on. */
static int
s6c_fail(struct s6c *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	c->broken = 1;
	return S6C_FAIL;
}

/* A JSON-RPC call or wait on a connection that is a byte pipe now. */
static int
s6c_not_rpc(struct s6c *c)
{
	snprintf(c->err, sizeof(c->err), "the connection is attached to handle "
	    "%" PRId64 ": a byte pipe, no longer JSON-RPC", c->attached_to);
	return S6C_FAIL;
}

static int
s6c_timeout(struct s6c *c, int timeout_ms)
{
	snprintf(c->err, sizeof(c->err), "no answer from the daemon within %d ms",
	    timeout_ms);
	return S6C_TIMEOUT;
}

static int64_t
s6c_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
s6c_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : s6c_now() + timeout_ms;
}

/* Milliseconds left before `deadline`, in poll(2)'s terms: -1 is forever. */
static int
s6c_left(int64_t deadline)
{
	int64_t	left;

	if (deadline < 0)
		return -1;
	left = deadline - s6c_now();
	if (left < 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/* Wait for `events` on the socket; 1 ready, 0 deadline passed. */
static int
s6c_poll(struct s6c *c, short events, int64_t deadline, short *revents)
{
	struct pollfd	pfd;
	int		n;

	for (;;) {
		pfd.fd = c->fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, s6c_left(deadline));
		if (n > 0) {
			*revents = pfd.revents;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return s6c_fail(c, "poll: %s", strerror(errno));
	}
}

/* One read(2) into the input buffer: 1 got bytes, 0 nothing yet, or fail. */
static int
s6c_fill(struct s6c *c)
{
	size_t	 want;
	ssize_t	 n;
	char	*p;

	want = buf_room(&c->in);
	if (want == 0)
		return s6c_fail(c, "a message from the daemon is longer than %u bytes",
		    S6C_MAX_MESSAGE);
	if (want > S6C_READ_CHUNK)
		want = S6C_READ_CHUNK;
	if ((p = buf_reserve(&c->in, want)) == NULL)
		return s6c_fail(c, "out of memory");
	do
		n = read(c->fd, p, want);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		return s6c_fail(c, "read from %s: %s", c->path, strerror(errno));
	}
	if (n == 0)
		return s6c_fail(c, "the daemon closed the connection");
	buf_commit(&c->in, (size_t)n);
	return 1;
}

/* Parse one frame; NULL (connection failed) when it is not one JSON text. */
static json_object *
s6c_parse(struct s6c *c, const char *line, size_t len)
{
	struct json_tokener	*tok;
	json_object		*obj;
	size_t			 end;

	if ((tok = json_tokener_new_ex(S6C_MAX_DEPTH)) == NULL) {
		s6c_fail(c, "out of memory");
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, line, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		s6c_fail(c, "the daemon sent a line that is not JSON: %s",
		    json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(obj);
		obj = NULL;
	} else {
		while (end < len && (line[end] == ' ' || line[end] == '\t'))
			end++;
		if (end != len) {
			s6c_fail(c, "the daemon sent trailing bytes after a message");
			json_object_put(obj);
			obj = NULL;
		}
	}
	json_tokener_free(tok);
	return obj;
}

static void
s6c_queue(struct s6c *c, json_object *msg)
{
	struct s6c_note	*n;

	if ((n = malloc(sizeof(*n))) == NULL) {
		json_object_put(msg);
		return;
	}
	n->msg = msg;
	n->next = NULL;
	*c->tailp = n;
	c->tailp = &n->next;
	c->nnotes++;
}

/* Whether `msg` answers the call with id `want` (-1: no call waiting).  An
 * error with id null answers it too: the daemon could not read the request
 * (too long, too many connections) and will usually close. */
static int
s6c_is_reply(json_object *msg, json_object *id, int64_t want)
{
	if (want < 0)
		return 0;
	if (!json_object_object_get_ex(msg, "result", NULL) &&
	    !json_object_object_get_ex(msg, "error", NULL))
		return 0;
	if (id == NULL)
		return json_object_object_get_ex(msg, "error", NULL);
	return json_object_is_type(id, json_type_int) &&
	    json_object_get_int64(id) == want;
}

/* Handle every buffered frame until the reply to `want` shows up.  Returns 1
 * with *reply set, 0 when more input is needed, S6C_FAIL on a broken stream. */
static int
s6c_dispatch(struct s6c *c, int64_t want, json_object **reply)
{
	json_object	*msg, *id;
	const char	*line;
	size_t		 len, consumed;

	for (;;) {
		switch (ndjson_next(&c->in, S6C_MAX_MESSAGE, &c->in_scanned, &line,
		    &len, &consumed)) {
		case NDJSON_NEED:
			return 0;
		case NDJSON_TOOBIG:
			return s6c_fail(c, "a message from the daemon is longer "
			    "than %u bytes", S6C_MAX_MESSAGE);
		case NDJSON_FRAME:
			break;
		}
		msg = s6c_parse(c, line, len);
		ndjson_done(&c->in, consumed, &c->in_scanned);
		if (msg == NULL)
			return S6C_FAIL;
		if (!json_object_is_type(msg, json_type_object)) {
			json_object_put(msg);	/* a batch: never ours */
			continue;
		}
		if (!json_object_object_get_ex(msg, "id", &id)) {
			if (json_object_object_get_ex(msg, "method", NULL))
				s6c_queue(c, msg);
			else
				json_object_put(msg);
			continue;
		}
		if (s6c_is_reply(msg, id, want)) {
			*reply = msg;
			return 1;
		}
		json_object_put(msg);	/* the late answer to a timed-out call */
	}
}

/* Read until the reply to `want` arrives or the deadline passes. */
static int
s6c_await(struct s6c *c, int64_t want, int64_t deadline, int timeout_ms,
    json_object **reply)
{
	short	revents;
	int	rc;

	for (;;) {
		if ((rc = s6c_dispatch(c, want, reply)) != 0)
			return rc > 0 ? S6C_OK : rc;
		if ((rc = s6c_poll(c, POLLIN, deadline, &revents)) <= 0)
			return rc == 0 ? s6c_timeout(c, timeout_ms) : rc;
		if ((rc = s6c_fill(c)) < 0)
			return rc;
	}
}

/* Write all of p[n] before the deadline, reading (and queueing) whatever the
 * daemon sends meanwhile so neither side can block the other.  An error
 * with id null that arrives meanwhile is the answer: it is put in *reply. */
static int
s6c_send(struct s6c *c, const char *p, size_t n, int64_t deadline,
    int timeout_ms, int64_t want, json_object **reply)
{
	size_t	 off = 0;
	ssize_t	 w;
	short	 revents;
	int	 rc;

	while (off < n) {
		w = send(c->fd, p + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return s6c_fail(c, "write to %s: %s", c->path,
			    strerror(errno));
		rc = s6c_poll(c, POLLIN | POLLOUT, deadline, &revents);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (off == 0)
				return s6c_timeout(c, timeout_ms);
			return s6c_fail(c, "timed out after sending part of "
			    "a request");
		}
		if (revents & POLLIN) {
			if ((rc = s6c_fill(c)) < 0)
				return rc;
			if ((rc = s6c_dispatch(c, want, reply)) < 0)
				return rc;
			if (rc > 0) {
				s6c_fail(c, "the daemon refused a request");
				return S6C_OK;
			}
		}
	}
	return S6C_OK;
}

/* After a failed write: find the error line the daemon may have sent before
 * hanging up (too many connections, message too long).  Keeps the reason of
 * the failure when there is none. */
static void
s6c_salvage(struct s6c *c, int64_t want, json_object **reply)
{
	char	 saved[sizeof(c->err)];
	ssize_t	 n;
	size_t	 want_bytes;
	char	*p;

	memcpy(saved, c->err, sizeof(saved));
	for (;;) {
		if (s6c_dispatch(c, want, reply) != 0)
			break;
		if ((want_bytes = buf_room(&c->in)) > S6C_READ_CHUNK)
			want_bytes = S6C_READ_CHUNK;
		if (want_bytes == 0 ||
		    (p = buf_reserve(&c->in, want_bytes)) == NULL)
			break;
		do
			n = read(c->fd, p, want_bytes);
		while (n == -1 && errno == EINTR);
		if (n <= 0)
			break;
		buf_commit(&c->in, (size_t)n);
	}
	if (*reply == NULL)
		memcpy(c->err, saved, sizeof(saved));
	c->broken = 1;
}

struct s6c *
s6c_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	struct s6c		*c;
	const char		*why = NULL;
	int			 flags;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->fd = -1;
	c->next_id = 1;
	c->tailp = &c->head;
	buf_init(&c->in, S6C_MAX_MESSAGE + 2);
	if (s6_socket_path(path, c->path, sizeof(c->path), &why) == -1) {
		snprintf(err, errlen, "%s",
		    why != NULL ? why : "no control socket path");
		goto fail;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: path longer than %zu bytes", c->path,
		    sizeof(sun.sun_path) - 1);
		goto fail;
	}
	memcpy(sun.sun_path, c->path, strlen(c->path));
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	while (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == EINTR)
			continue;
		if (errno == EISCONN)
			break;
		snprintf(err, errlen, "cannot connect to %s: %s", c->path,
		    strerror(errno));
		goto fail;
	}
	if (s6_socket_dir_check(c->path, &why) == -1) {
		snprintf(err, errlen, "not connecting to %s: its directory %s", c->path, why);
		goto fail;
	}
	if ((flags = fcntl(c->fd, F_GETFL)) == -1 ||
	    fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		goto fail;
	}
	return c;
fail:
	s6c_close(c);
	return NULL;
}

void
s6c_close(struct s6c *c)
{
	struct s6c_note	*n;

	if (c == NULL)
		return;
	while ((n = c->head) != NULL) {
		c->head = n->next;
		json_object_put(n->msg);
		free(n);
	}
	if (c->fd != -1)
		close(c->fd);
	buf_free(&c->in);
	free(c);
}

/* The request line: one compact JSON text and its newline. */
static char *
s6c_request(int64_t id, const char *method, json_object *params, size_t *lenp)
{
	json_object	*req;
	const char	*s;
	char		*line = NULL;
	size_t		 len;

	if ((req = json_object_new_object()) == NULL) {
		json_object_put(params);
		return NULL;
	}
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int64(id));
	json_object_object_add(req, "method", json_object_new_string(method));
	if (params != NULL)
		json_object_object_add(req, "params", params);
	s = json_object_to_json_string_length(req,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s != NULL && (line = malloc(len + 1)) != NULL) {
		memcpy(line, s, len);
		line[len] = '\n';
		*lenp = len + 1;
	}
	json_object_put(req);
	return line;
}

int
s6c_call(struct s6c *c, const char *method, json_object *params,
    int timeout_ms, json_object **result, json_object **error)
{
	json_object	*reply = NULL, *v;
	int64_t		 deadline, id;
	char		*line;
	size_t		 len = 0;
	int		 rc;

	if (result != NULL)
		*result = NULL;
	if (error != NULL)
		*error = NULL;
	if (c->attached) {
		json_object_put(params);
		return s6c_not_rpc(c);
	}
	if (c->broken) {
		json_object_put(params);
		return S6C_FAIL;
	}
	deadline = s6c_deadline(timeout_ms);
	id = c->next_id++;
	if ((line = s6c_request(id, method, params, &len)) == NULL)
		return s6c_fail(c, "out of memory");
	rc = s6c_send(c, line, len, deadline, timeout_ms, id, &reply);
	free(line);
	if (rc == S6C_FAIL)
		s6c_salvage(c, id, &reply);
	if (reply == NULL) {
		if (rc != S6C_OK)
			return rc;
		rc = s6c_await(c, id, deadline, timeout_ms, &reply);
		if (rc != S6C_OK)
			return rc;
	}
	if (json_object_object_get_ex(reply, "error", &v)) {
		if (error != NULL)
			*error = json_object_get(v);
		rc = S6C_ERROR;
	} else {
		json_object_object_get_ex(reply, "result", &v);
		if (result != NULL)
			*result = json_object_get(v);
		rc = S6C_OK;
	}
	json_object_put(reply);
	return rc;
}

json_object *
s6c_next_notification(struct s6c *c)
{
	struct s6c_note	*n;
	json_object	*msg;

	if ((n = c->head) == NULL)
		return NULL;
	if ((c->head = n->next) == NULL)
		c->tailp = &c->head;
	c->nnotes--;
	msg = n->msg;
	free(n);
	return msg;
}

size_t
s6c_pending_notifications(const struct s6c *c)
{
	return c->nnotes;
}

int
s6c_wait_notification(struct s6c *c, int timeout_ms)
{
	int64_t	deadline;
	short	revents;
	int	rc;

	deadline = s6c_deadline(timeout_ms);
	for (;;) {
		if (c->head != NULL)
			return S6C_OK;
		if (c->attached)
			return s6c_not_rpc(c);
		if (c->broken)
			return S6C_FAIL;
		if ((rc = s6c_dispatch(c, -1, NULL)) < 0)
			return rc;
		if (c->head != NULL)
			return S6C_OK;
		if ((rc = s6c_poll(c, POLLIN, deadline, &revents)) <= 0)
			return rc == 0 ? s6c_timeout(c, timeout_ms) : rc;
		if ((rc = s6c_fill(c)) < 0)
			return rc;
	}
}

const char *
s6c_errmsg(const struct s6c *c)
{
	return c->err;
}

const char *
s6c_path(const struct s6c *c)
{
	return c->path;
}

int
s6c_fd(const struct s6c *c)
{
	return c->fd;
}

/* ---- socket.attach: the connection as a byte pipe -------------------- */

int
s6c_attach(struct s6c *c, int64_t handle, const char *framing, int timeout_ms,
    json_object **error)
{
	json_object	*params, *result = NULL;
	int		 rc;

	if (error != NULL)
		*error = NULL;
	if (c->attached)
		return s6c_not_rpc(c);
	if ((params = json_object_new_object()) == NULL)
		return s6c_fail(c, "out of memory");
	json_object_object_add(params, "handle", json_object_new_int64(handle));
	if (framing != NULL)
		json_object_object_add(params, "framing",
		    json_object_new_string(framing));
	rc = s6c_call(c, "socket.attach", params, timeout_ms, &result, error);
	json_object_put(result);
	if (rc == S6C_OK) {
		/* Whatever is buffered after the reply line is the pipe's. */
		c->attached = 1;
		c->attached_to = handle;
		c->in_scanned = 0;
	} else if (rc == S6C_TIMEOUT)
		/* The daemon may still attach: the stream is no longer known
		 * to be JSON-RPC. */
		s6c_fail(c, "no answer to socket.attach within %d ms; the "
		    "connection may have become a pipe and is of no further "
		    "use", timeout_ms);
	return rc;
}

/* -1 with errno EINVAL unless the connection is attached. */
static int
s6c_pipe_check(struct s6c *c)
{
	if (c->attached)
		return 0;
	snprintf(c->err, sizeof(c->err), "the connection is not attached "
	    "(socket.attach through s6c_attach() first)");
	errno = EINVAL;
	return -1;
}

/* -1 with errno kept and the reason in c->err. */
static ssize_t
s6c_pipe_error(struct s6c *c, const char *what)
{
	int	saved = errno;

	snprintf(c->err, sizeof(c->err), "%s the pipe of handle %" PRId64
	    ": %s", what, c->attached_to, strerror(saved));
	errno = saved;
	return -1;
}

/* Nothing within the time given: -1 with errno EAGAIN. */
static ssize_t
s6c_pipe_again(struct s6c *c, int timeout_ms)
{
	snprintf(c->err, sizeof(c->err), "the pipe of handle %" PRId64 " was "
	    "not ready within %d ms", c->attached_to, timeout_ms);
	errno = EAGAIN;
	return -1;
}

ssize_t
s6c_pipe_read(struct s6c *c, void *p, size_t n, int timeout_ms)
{
	int64_t	deadline;
	ssize_t	r;
	short	revents;
	int	rc;

	if (s6c_pipe_check(c) == -1)
		return -1;
	if (buf_len(&c->in) > 0) {	/* read ahead with the reply */
		if (n > buf_len(&c->in))
			n = buf_len(&c->in);
		memcpy(p, buf_head(&c->in), n);
		buf_consume(&c->in, n);
		if (buf_len(&c->in) == 0)
			buf_free(&c->in);
		return (ssize_t)n;
	}
	if (c->pipe_eof || n == 0)
		return 0;
	deadline = s6c_deadline(timeout_ms);
	for (;;) {
		r = recv(c->fd, p, n, MSG_DONTWAIT);
		if (r >= 0) {
			if (r == 0)
				c->pipe_eof = 1;
			return r;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return s6c_pipe_error(c, "read from");
		if (timeout_ms == 0)
			return s6c_pipe_again(c, timeout_ms);
		if ((rc = s6c_poll(c, POLLIN, deadline, &revents)) < 0)
			return -1;
		if (rc == 0)
			return s6c_pipe_again(c, timeout_ms);
	}
}

ssize_t
s6c_pipe_write(struct s6c *c, const void *p, size_t n, int timeout_ms)
{
	const char	*s = p;
	int64_t		 deadline;
	size_t		 off = 0;
	ssize_t		 w;
	short		 revents;
	int		 rc;

	if (s6c_pipe_check(c) == -1)
		return -1;
	deadline = s6c_deadline(timeout_ms);
	while (off < n) {
		w = send(c->fd, s + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return off > 0 ? (ssize_t)off :
			    s6c_pipe_error(c, "write to");
		if (timeout_ms == 0)
			break;
		if ((rc = s6c_poll(c, POLLOUT, deadline, &revents)) < 0)
			return off > 0 ? (ssize_t)off : -1;
		if (rc == 0)
			break;
	}
	return off > 0 || n == 0 ? (ssize_t)off : s6c_pipe_again(c, timeout_ms);
}

int
s6c_pipe_shutdown(struct s6c *c)
{
	if (s6c_pipe_check(c) == -1)
		return -1;
	if (shutdown(c->fd, SHUT_WR) == -1)
		return (int)s6c_pipe_error(c, "shut down");
	return 0;
}

size_t
s6c_pipe_buffered(const struct s6c *c)
{
	return c->attached ? buf_len(&c->in) : 0;
}
