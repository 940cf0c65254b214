/* attach.c: libsock6's attach example: a TCP connection made by sock6d,
 * relayed to standard input and output, as `nc HOST PORT` would.
 *
 * One control connection creates a TCP socket (scope "connection"),
 * connects it to ADDRESS and attaches to it: from then on the control
 * connection is a byte pipe to the socket.  Standard input goes to the
 * peer; its end shuts down the socket's sending side (the peer reads EOF);
 * what the peer sends goes to standard output until the peer's end.
 *
 * Build:  cc -o attach attach.c $(pkg-config --cflags --libs sock6)
 * Usage:  attach [-s CONTROL-SOCKET-PATH] HOST:PORT */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sock6/client.h>

#define TIMEOUT_MS	5000

/* Call `method`: 0 with *result set (when wanted), or -1 after saying why. */
static int
call(struct s6c *c, const char *method, json_object *params,
    json_object **result)
{
	json_object *r = NULL, *error = NULL;

	switch (s6c_call(c, method, params, TIMEOUT_MS, &r, &error)) {
	case S6C_OK:
		if (result != NULL)
			*result = r;
		else
			json_object_put(r);
		return 0;
	case S6C_ERROR:
		fprintf(stderr, "attach: %s: %s\n", method, json_object_get_string(
		    json_object_object_get(error, "message")));
		json_object_put(error);
		return -1;
	default:
		fprintf(stderr, "attach: %s: %s\n", method, s6c_errmsg(c));
		return -1;
	}
}

/* A TCP socket of the daemon connected to `address`: its handle, or -1. */
static int64_t
connect_tcp(struct s6c *c, const char *address)
{
	json_object *p = json_object_new_object(), *r;
	int64_t h;

	json_object_object_add(p, "family", json_object_new_string("inet"));
	json_object_object_add(p, "type", json_object_new_string("stream"));
	json_object_object_add(p, "scope", json_object_new_string("connection"));
	if (call(c, "socket.create", p, &r) == -1)
		return -1;
	h = json_object_get_int64(json_object_object_get(r, "handle"));
	json_object_put(r);
	p = json_object_new_object();
	json_object_object_add(p, "handle", json_object_new_int64(h));
	json_object_object_add(p, "address", json_object_new_string(address));
	json_object_object_add(p, "timeout", json_object_new_int(TIMEOUT_MS));
	return call(c, "socket.connect", p, NULL) == -1 ? -1 : h;
}

/* Write all of p[n] to standard output: 0 or -1. */
static int
put(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(STDOUT_FILENO, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* stdin -> pipe and pipe -> stdout until the peer's end: 0 or -1.  Both
 * ways at once, never blocking on one (a peer that answers while it reads,
 * such as an echo server, would otherwise stall when the buffers fill).
 * Bytes already read into the library (s6c_pipe_buffered) are taken
 * before waiting, since poll(2) on the descriptor cannot see them. */
static int
relay(struct s6c *c)
{
	static char up[65536], down[65536];
	size_t up_off = 0, up_len = 0;
	struct pollfd p[2];
	ssize_t n;
	int in_open = 1;

	for (;;) {
		p[0].fd = in_open && up_len == 0 ? STDIN_FILENO : -1;
		p[0].events = POLLIN;
		p[1].fd = s6c_fd(c);
		p[1].events = POLLIN | (up_len > 0 ? POLLOUT : 0);
		if (s6c_pipe_buffered(c) > 0)
			p[1].revents = POLLIN;	/* no need to wait */
		else if (poll(p, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("attach: poll");
			return -1;
		} else if (p[0].revents != 0) {
			n = read(STDIN_FILENO, up, sizeof up);
			if (n > 0) {
				up_off = 0;
				up_len = (size_t)n;
			} else if (n == 0 || errno != EINTR) {
				in_open = 0;	/* the peer reads EOF */
				if (s6c_pipe_shutdown(c) == -1)
					goto failed;
			}
		}
		if ((p[1].revents & POLLOUT) && up_len > 0) {
			n = s6c_pipe_write(c, up + up_off, up_len, 0);
			if (n == -1 && errno != EAGAIN)
				goto failed;
			if (n > 0) {
				up_off += (size_t)n;
				up_len -= (size_t)n;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = s6c_pipe_read(c, down, sizeof down, 0);
			if (n == 0)
				return 0;	/* the peer has finished */
			if (n == -1 && errno != EAGAIN)
				goto failed;
			if (n > 0 && put(down, (size_t)n) == -1) {
				perror("attach: stdout");
				return -1;
			}
		}
	}
failed:
	fprintf(stderr, "attach: %s\n", s6c_errmsg(c));
	return -1;
}

int
main(int argc, char *argv[])
{
	const char *path = NULL;
	char err[256];
	struct s6c *c;
	json_object *error = NULL;
	int64_t h;
	int status = 1;

	if (argc == 4 && strcmp(argv[1], "-s") == 0) {
		path = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		printf("usage: attach [-s CONTROL-SOCKET-PATH] HOST:PORT\n"
		    "Relay stdin and stdout to a TCP connection that sock6d "
		    "makes (libsock6's attach example).\n");
		return argc != 2;
	}
	if ((c = s6c_connect(path, err, sizeof err)) == NULL) {
		fprintf(stderr, "attach: %s\n", err);
		return 1;
	}
	if ((h = connect_tcp(c, argv[1])) == -1)
		goto out;
	switch (s6c_attach(c, h, NULL, TIMEOUT_MS, &error)) {
	case S6C_OK:
		status = relay(c) == 0 ? 0 : 1;
		break;
	case S6C_ERROR:
		fprintf(stderr, "attach: socket.attach: %s\n",
		    json_object_get_string(json_object_object_get(error,
		    "message")));
		json_object_put(error);
		break;
	default:
		fprintf(stderr, "attach: socket.attach: %s\n", s6c_errmsg(c));
	}
out:
	s6c_close(c);	/* the daemon closes the socket: scope "connection" */
	return status;
}
