/* wire.c: a control connection read by hand, one reply at a time,
 * descriptors taken from SCM_RIGHTS; and the poll(2)-based I/O helpers the
 * verbs share. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wire.h"

#define CMSG_FDS	16	/* descriptors one recvmsg takes */

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before deadline, poll(2) style (-1: no deadline). */
static int
ms_left(int64_t deadline)
{
	int64_t	left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	p;
	int		n;

	p.fd = fd;
	p.events = events;
	while ((n = poll(&p, 1, ms_left(deadline))) == -1 && errno == EINTR)
		;
	return n;
}

int
write_all(int fd, const void *p, size_t n)
{
	const char	*s = p;
	ssize_t		 w;

	while (n > 0) {
		if ((w = write(fd, s, n)) > 0) {
			s += w;
			n -= (size_t)w;
		} else if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(fd, POLLOUT, -1) == -1)
				return -1;
		} else if (w == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

int64_t
wire_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

static int
wire_fail(struct wire *w, const char *what)
{
	snprintf(w->err, sizeof(w->err), "%s", what);
	return S6C_FAIL;
}

/* Keep the descriptors of one message's SCM_RIGHTS: the first in *fdp when
 * wanted and still unset; every other is closed. */
static void
wire_take_fds(struct msghdr *mh, int *fdp)
{
	struct cmsghdr	*cm;
	size_t		 i, n;
	int		 fd;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (fdp != NULL && *fdp == -1)
				*fdp = fd;
			else
				close(fd);
		}
	}
}

/* One recvmsg(2) into the input buffer, waiting until the deadline. */
static int
wire_fill(struct wire *w, int64_t deadline, int *fdp)
{
	union {
		struct cmsghdr	hdr;
		char		space[CMSG_SPACE(CMSG_FDS * sizeof(int))];
	}		 cbuf;
	struct msghdr	 mh;
	struct iovec	 iov;
	struct pipebuf	*b = &w->in;
	ssize_t		 n;
	int		 rc;

	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	if (b->len == sizeof(b->data))
		return wire_fail(w, "a reply from the daemon is too long");
	if ((rc = wait_fd(w->fd, POLLIN, deadline)) <= 0) {
		if (rc == -1)
			return wire_fail(w, strerror(errno));
		snprintf(w->err, sizeof(w->err), "no answer from the daemon in "
		    "time");
		return S6C_TIMEOUT;
	}
	iov.iov_base = b->data + b->len;
	iov.iov_len = sizeof(b->data) - b->len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.space;
	mh.msg_controllen = sizeof(cbuf.space);
	do
		n = recvmsg(w->fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return S6C_OK;
	if (n == -1)
		return wire_fail(w, strerror(errno));
	wire_take_fds(&mh, fdp);
	if (mh.msg_flags & MSG_CTRUNC)
		return wire_fail(w, "a descriptor from the daemon was lost "
		    "(ancillary data truncated)");
	if (n == 0)
		return wire_fail(w, "the daemon closed the connection");
	b->len += (size_t)n;
	return S6C_OK;
}

/* Take buffered lines until the reply to `id`: 1 with *reply set, 0 when
 * more input is needed.  Other messages (notifications) are skipped. */
static int
wire_line(struct wire *w, int64_t id, json_object **reply)
{
	struct json_tokener	*tok;
	struct pipebuf		*b = &w->in;
	json_object		*msg, *v;
	char			*line, *nl;
	size_t			 len;

	while ((nl = memchr(b->data + b->off, '\n', b->len)) != NULL) {
		line = b->data + b->off;
		len = (size_t)(nl - line);
		b->off += len + 1;
		b->len -= len + 1;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0 || (tok = json_tokener_new()) == NULL)
			continue;
		msg = json_tokener_parse_ex(tok, line, (int)len);
		json_tokener_free(tok);
		if (!json_object_is_type(msg, json_type_object)) {
			json_object_put(msg);
			continue;
		}
		if (json_object_object_get_ex(msg, "id", &v) &&
		    ((json_object_is_type(v, json_type_int) &&
		    json_object_get_int64(v) == id) ||
		    (v == NULL && json_object_object_get_ex(msg, "error",
		    NULL)))) {
			*reply = msg;
			return 1;
		}
		json_object_put(msg);
	}
	return 0;
}

/* Send all of p[n] before the deadline. */
static int
wire_send(struct wire *w, const char *p, size_t n, int64_t deadline)
{
	ssize_t	s;
	int	rc;

	while (n > 0) {
		if ((s = send(w->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT)) > 0) {
			p += s;
			n -= (size_t)s;
		} else if (s == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((rc = wait_fd(w->fd, POLLOUT, deadline)) == 0)
				return wire_fail(w, "timed out sending a request");
			if (rc == -1)
				return wire_fail(w, strerror(errno));
		} else if (s == -1 && errno != EINTR)
			return wire_fail(w, strerror(errno));
	}
	return S6C_OK;
}

int
wire_call(struct wire *w, const char *method, json_object *params,
    int timeout_ms, int *fdp, json_object **result, json_object **error)
{
	json_object	*req, *reply = NULL, *v;
	const char	*s;
	char		*line;
	size_t		 len;
	int64_t		 id = w->next_id++;
	int64_t		 deadline = wire_deadline(timeout_ms);
	int		 rc;

	*result = *error = NULL;
	req = json_object_new_object();
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int64(id));
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "params", params);
	s = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if ((line = malloc(len + 1)) == NULL) {
		json_object_put(req);
		return wire_fail(w, "out of memory");
	}
	memcpy(line, s, len);
	line[len] = '\n';
	json_object_put(req);
	rc = wire_send(w, line, len + 1, deadline);
	free(line);
	while (rc == S6C_OK && wire_line(w, id, &reply) == 0)
		rc = wire_fill(w, deadline, fdp);
	if (reply == NULL)
		return rc;
	if (json_object_object_get_ex(reply, "error", &v)) {
		*error = json_object_get(v);
		rc = S6C_ERROR;
	} else {
		json_object_object_get_ex(reply, "result", &v);
		*result = json_object_get(v);
		rc = S6C_OK;
	}
	json_object_put(reply);
	return rc;
}

struct wire *
wire_open(const char *path)
{
	struct wire	*w;
	char		 err[512];

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		fprintf(stderr, "sock6ctl: out of memory\n");
		return NULL;
	}
	if ((w->c = s6c_connect(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sock6ctl: %s\n", err);
		free(w);
		return NULL;
	}
	w->fd = s6c_fd(w->c);
	w->next_id = 1;
	return w;
}

void
wire_close(struct wire *w)
{
	if (w != NULL)
		s6c_close(w->c);
	free(w);
}
