/* echo.c: libsock6's example: a TCP echo exchange through sock6d, then a
 * stream followed.
 *
 * A listener on 127.0.0.1 (port chosen by the kernel), a client socket that
 * connects to it, the accepted connection echoing one message back; all
 * three sockets are the daemon's, reached through one control connection.
 * Then the client subscribes: the accepted side sends three lines and
 * closes, and each socket.data notification is printed until socket.eof.
 *
 * Build:  cc -o echo echo.c $(pkg-config --cflags --libs sock6)
 * Usage:  echo [CONTROL-SOCKET-PATH]   (the default path when absent) */
#define _POSIX_C_SOURCE 200809L	/* strdup */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sock6/client.h>

#define TIMEOUT_MS	5000

/* Call `method`; on success return the result (caller puts it), else print
 * why and return NULL. */
static json_object *
call(struct s6c *c, const char *method, json_object *params)
{
	json_object *result = NULL, *error = NULL;
	int rc = s6c_call(c, method, params, TIMEOUT_MS, &result, &error);

	switch (rc) {
	case S6C_OK:
		return result;
	case S6C_ERROR:
		fprintf(stderr, "echo: %s: %s\n", method,
		    json_object_get_string(json_object_object_get(error, "message")));
		json_object_put(error);
		return NULL;
	default:	/* S6C_FAIL or S6C_TIMEOUT */
		fprintf(stderr, "echo: %s: %s\n", method, s6c_errmsg(c));
		return NULL;
	}
}

/* {"handle": h} plus one more member when name is not NULL. */
static json_object *
handle_params(int64_t h, const char *name, json_object *value)
{
	json_object *p = json_object_new_object();

	json_object_object_add(p, "handle", json_object_new_int64(h));
	if (name != NULL)
		json_object_object_add(p, name, value);
	return p;
}

/* socket.create for an inet stream socket: its handle, or -1. */
static int64_t
create_tcp(struct s6c *c)
{
	json_object *p = json_object_new_object(), *r;
	int64_t h;

	json_object_object_add(p, "family", json_object_new_string("inet"));
	json_object_object_add(p, "type", json_object_new_string("stream"));
	if ((r = call(c, "socket.create", p)) == NULL)
		return -1;
	h = json_object_get_int64(json_object_object_get(r, "handle"));
	json_object_put(r);
	return h;
}

/* Send `text` on h and read up to 100 bytes from `from`: the text read
 * (malloc'd) or NULL. */
static char *
send_receive(struct s6c *c, int64_t h, int64_t from, const char *text)
{
	json_object *r, *p;
	char *got;

	if ((r = call(c, "socket.send_all", handle_params(h, "text",
	    json_object_new_string(text)))) == NULL)
		return NULL;
	json_object_put(r);
	p = handle_params(from, "length", json_object_new_int(100));
	json_object_object_add(p, "encoding", json_object_new_string("text"));
	if ((r = call(c, "socket.receive", p)) == NULL)
		return NULL;
	got = strdup(json_object_get_string(json_object_object_get(r, "text")));
	json_object_put(r);
	return got;
}

int
main(int argc, char *argv[])
{
	char err[256], address[128], *got = NULL, *back = NULL;
	struct s6c *c;
	json_object *r, *p;
	int64_t server, client, conn = -1;
	int status = 1;

	if (argc > 2 || (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0))) {
		printf("usage: echo [CONTROL-SOCKET-PATH]\n"
		    "A TCP echo exchange on 127.0.0.1 through sock6d, then a stream followed\n(libsock6's example).\n");
		return argc > 2;
	}
	if ((c = s6c_connect(argc == 2 ? argv[1] : NULL, err, sizeof err)) == NULL) {
		fprintf(stderr, "echo: %s\n", err);
		return 1;
	}

	/* The listener: bound to 127.0.0.1, port 0; the bound address comes back. */
	if ((server = create_tcp(c)) < 0)
		goto out;
	if ((r = call(c, "socket.bind", handle_params(server, "address",
	    json_object_new_string("127.0.0.1:0")))) == NULL)
		goto out;
	snprintf(address, sizeof address, "%s", json_object_get_string(
	    json_object_object_get(json_object_object_get(r, "address"), "string")));
	json_object_put(r);
	if ((r = call(c, "socket.listen", handle_params(server, NULL, NULL))) == NULL)
		goto out;
	json_object_put(r);

	/* The client connects (the kernel queues the connection on the
	 * listener), then the listener accepts it. */
	if ((client = create_tcp(c)) < 0)
		goto out;
	if ((r = call(c, "socket.connect", handle_params(client, "address",
	    json_object_new_string(address)))) == NULL)
		goto out;
	json_object_put(r);
	if ((r = call(c, "socket.accept", handle_params(server, NULL, NULL))) == NULL)
		goto out;
	conn = json_object_get_int64(json_object_object_get(r, "handle"));
	json_object_put(r);
	printf("connected: %s\n", address);

	/* The client sends, the accepted connection echoes it back. */
	if ((got = send_receive(c, client, conn, "hello, sock6d")) == NULL ||
	    (back = send_receive(c, conn, client, got)) == NULL)
		goto out;
	printf("echoed: %s\n", back);

	/* Follow the client's stream: what the accepted side sends comes as
	 * socket.data notifications (text, as it is valid UTF-8), then
	 * socket.eof once it has shut down its side. */
	p = handle_params(client, "encoding", json_object_new_string("text"));
	if ((r = call(c, "socket.subscribe", p)) == NULL)
		goto out;
	json_object_put(r);
	if ((r = call(c, "socket.send_all", handle_params(conn, "text",
	    json_object_new_string("line 0\nline 1\nline 2\n")))) == NULL)
		goto out;
	json_object_put(r);
	if ((r = call(c, "socket.shutdown", handle_params(conn, "how",
	    json_object_new_string("wr")))) == NULL)
		goto out;
	json_object_put(r);
	for (;;) {
		json_object *n, *params;
		const char *method;
		int eof;

		if ((n = s6c_next_notification(c)) == NULL) {
			if (s6c_wait_notification(c, TIMEOUT_MS) != S6C_OK) {
				fprintf(stderr, "echo: no end of stream: %s\n", s6c_errmsg(c));
				goto out;
			}
			continue;
		}
		method = json_object_get_string(json_object_object_get(n, "method"));
		params = json_object_object_get(n, "params");
		if (strcmp(method, "socket.data") == 0)
			printf("data: %s", json_object_get_string(
			    json_object_object_get(params, "text")));
		eof = strcmp(method, "socket.eof") == 0;
		json_object_put(n);	/* method and params were n's */
		if (eof) {
			printf("eof\n");
			break;
		}
	}

	/* Close the three sockets; closing the control connection would close
	 * only those of scope "connection". */
	if ((r = call(c, "socket.close", handle_params(conn, NULL, NULL))) == NULL)
		goto out;
	json_object_put(r);
	if ((r = call(c, "socket.close", handle_params(client, NULL, NULL))) == NULL)
		goto out;
	json_object_put(r);
	if ((r = call(c, "socket.close", handle_params(server, NULL, NULL))) == NULL)
		goto out;
	json_object_put(r);
	status = 0;
out:
	free(got);
	free(back);
	s6c_close(c);
	return status;
}
