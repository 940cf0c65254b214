/* verbs.c: sock6ctl's verbs: the table (list's body is in list.c) and those
 * over the streaming methods: follow (socket.subscribe, with credit granted
 * as stdout drains), attach (the raw pipe of socket.attach, relayed to stdin
 * and stdout) and run (socket.export, then exec with the descriptors of the
 * systemd socket-activation protocol). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base64.h"
#include "client.h"
#include "list.h"
#include "verbs.h"
#include "wire.h"

#define FOLLOW_WINDOW		(1024 * 1024)	/* bytes granted ahead of stdout */
#define FOLLOW_ACCEPT_WINDOW	16		/* connections, on a listener */
#define RUN_MAX_HANDLES		256

struct verb {
	const char	*name;
	const char	*synopsis;
	const char	*summary;	/* its line in `sock6ctl help` */
	const char	*page;		/* `sock6ctl help VERB` */
	int		(*fn)(const char *, int, int, char **);
};

/* ---- shared helpers -------------------------------------------------- */

/* A decimal handle >= 1. */
static int
parse_handle(const char *s, int64_t *out)
{
	char		*end;
	long long	 v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1)
		return -1;
	*out = v;
	return 0;
}

/* A usage error of one verb: the reason and the verb's synopsis. */
static int
verb_usage(const char *verb, const char *synopsis, const char *why)
{
	fprintf(stderr, "sock6ctl: %s: %s\nsock6ctl: usage: sock6ctl [options] "
	    "%s\n", verb, why, synopsis);
	return EXIT_USAGE;
}

/* A daemon's error object as ctlerr.h's line, and its exit status. */
static int
rpc_failed(const char *method, json_object *error)
{
	int	status = ctlerr_status(error);

	ctlerr_print(stderr, method, error);
	json_object_put(error);
	return status;
}

/* "sock6ctl: stdout: <why>", for a failed write to standard output. */
static int
stdout_failed(void)
{
	fprintf(stderr, "sock6ctl: stdout: %s\n", strerror(errno));
	return EXIT_RPC;
}

/* params {"handle": h} */
static json_object *
handle_params(int64_t h)
{
	json_object	*p = json_object_new_object();

	json_object_object_add(p, "handle", json_object_new_int64(h));
	return p;
}

static const char *
get_str(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The status for a wire_call() outcome other than S6C_OK. */
static int
wire_report(struct wire *w, const char *method, int rc, json_object *error)
{
	if (rc == S6C_ERROR)
		return rpc_failed(method, error);
	fprintf(stderr, "sock6ctl: %s: %s\n", s6c_path(w->c), w->err);
	return EXIT_UNREACHED;
}

/* ---- follow ---------------------------------------------------------- */

struct follow {
	struct s6c	*c;
	int64_t		 handle;
	int		 raw;
	int		 timeout;
	int64_t		 window;	/* credit the daemon may use ahead */
	int64_t		 owed;		/* written out, not yet given back */
	json_object	*refused;	/* a failed socket.credit, reported
					   unless the subscription ended */
	unsigned char	*bin;
	size_t		 binsize;
};

/* The credit window: connections on a listener, else bytes. */
static int64_t
follow_window(struct follow *f)
{
	json_object	*info = NULL;
	const char	*state;
	int64_t		 window = FOLLOW_WINDOW;

	if (s6c_call(f->c, "socket.info", handle_params(f->handle), f->timeout,
	    &info, NULL) == S6C_OK && (state = get_str(info, "state")) != NULL &&
	    strcmp(state, "listening") == 0)
		window = FOLLOW_ACCEPT_WINDOW;
	json_object_put(info);
	return window;
}

/* A data or datagram notification's bytes: 0, or -1 when they are not
 * valid base64. */
static int
follow_payload(struct follow *f, json_object *params, const void **p,
    size_t *n)
{
	json_object	*v;
	const char	*s;
	size_t		 len;
	ssize_t		 got;

	*p = "";
	*n = 0;
	if (json_object_object_get_ex(params, "text", &v) &&
	    json_object_is_type(v, json_type_string)) {
		*p = json_object_get_string(v);
		*n = (size_t)json_object_get_string_len(v);
		return 0;
	}
	if (!json_object_object_get_ex(params, "data", &v) ||
	    !json_object_is_type(v, json_type_string))
		return 0;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (base64_decoded_max(len) > f->binsize) {
		free(f->bin);
		f->binsize = base64_decoded_max(len) + 1;
		if ((f->bin = malloc(f->binsize)) == NULL) {
			f->binsize = 0;
			return -1;
		}
	}
	if ((got = base64_decode(s, len, f->bin)) < 0)
		return -1;
	*p = f->bin;
	*n = (size_t)got;
	return 0;
}

/* One notification as a compact NDJSON line on stdout. */
static int
follow_print(json_object *msg)
{
	const char	*s;
	size_t		 len;

	s = json_object_to_json_string_length(msg, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (write_all(STDOUT_FILENO, s, len) == -1 ||
	    write_all(STDOUT_FILENO, "\n", 1) == -1)
		return -1;
	return 0;
}

/* Act on one notification: -1 to go on, else the exit status. */
static int
follow_one(struct follow *f, json_object *msg)
{
	json_object	*params, *v;
	const char	*method, *why;
	const void	*p;
	size_t		 n;
	int		 payload;

	method = get_str(msg, "method");
	if (method == NULL || !json_object_object_get_ex(msg, "params", &params) ||
	    !json_object_object_get_ex(params, "handle", &v) ||
	    json_object_get_int64(v) != f->handle)
		return -1;	/* not about this subscription */
	payload = strcmp(method, "socket.data") == 0 ||
	    strcmp(method, "socket.datagram") == 0;
	if (payload && follow_payload(f, params, &p, &n) == -1) {
		fprintf(stderr, "sock6ctl: the daemon sent bytes that are not "
		    "base64\n");
		return EXIT_UNREACHED;
	}
	if (payload && f->raw) {
		if (write_all(STDOUT_FILENO, p, n) == -1)
			return stdout_failed();
	} else if ((!f->raw || strcmp(method, "socket.accepted") == 0) &&
	    follow_print(msg) == -1)
		return stdout_failed();
	if (payload)
		f->owed += strcmp(method, "socket.datagram") == 0 && n == 0 ?
		    1 : (int64_t)n;
	else if (strcmp(method, "socket.accepted") == 0)
		f->owed++;
	else if (strcmp(method, "socket.eof") == 0)
		return 0;
	else if (strcmp(method, "socket.error") == 0) {
		json_object_object_get_ex(params, "error", &v);
		why = get_str(v, "message");
		fprintf(stderr, "sock6ctl: handle %" PRId64 ": %s\n", f->handle,
		    why != NULL ? why : "error");
		return EXIT_RPC;
	}
	return -1;
}

/* Give back what stdout has taken, once a quarter of the window. */
static int
follow_credit(struct follow *f)
{
	json_object	*params, *error = NULL;
	int		 rc;

	if (f->refused != NULL || f->owed < (f->window + 3) / 4)
		return -1;
	params = handle_params(f->handle);
	json_object_object_add(params, "add", json_object_new_int64(f->owed));
	rc = s6c_call(f->c, "socket.credit", params, f->timeout, NULL, &error);
	if (rc == S6C_ERROR)
		f->refused = error;	/* an eof may be queued: see first */
	else if (rc != S6C_OK) {
		fprintf(stderr, "sock6ctl: %s: %s\n", s6c_path(f->c),
		    s6c_errmsg(f->c));
		return EXIT_UNREACHED;
	}
	f->owed = 0;
	return -1;
}

/* Notifications until the subscription ends: the exit status. */
static int
follow_loop(struct follow *f)
{
	json_object	*msg;
	int		 status;

	for (;;) {
		if ((msg = s6c_next_notification(f->c)) == NULL) {
			if (f->refused != NULL) {
				status = rpc_failed("socket.credit", f->refused);
				f->refused = NULL;
				return status;
			}
			if (s6c_wait_notification(f->c, -1) != S6C_OK) {
				fprintf(stderr, "sock6ctl: %s: %s\n",
				    s6c_path(f->c), s6c_errmsg(f->c));
				return EXIT_UNREACHED;
			}
			continue;
		}
		status = follow_one(f, msg);
		json_object_put(msg);
		if (status >= 0 || (status = follow_credit(f)) >= 0)
			return status;
	}
}

/* `follow HANDLE [--raw] [--text]` */
static int
verb_follow(const char *path, int timeout, int argc, char *argv[])
{
	static const char syn[] = "follow HANDLE [--raw] [--text]";
	struct follow	 f;
	json_object	*params, *error = NULL;
	char		 err[512];
	int		 i, text = 0, have = 0, rc, status;

	memset(&f, 0, sizeof(f));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--raw") == 0)
			f.raw = 1;
		else if (strcmp(argv[i], "--text") == 0)
			text = 1;
		else if (argv[i][0] == '-')
			return verb_usage("follow", syn, "unknown option");
		else if (have++ || parse_handle(argv[i], &f.handle) == -1)
			return verb_usage("follow", syn, "one HANDLE, a number "
			    ">= 1, is expected");
	}
	if (!have)
		return verb_usage("follow", syn, "missing HANDLE");
	if ((f.c = s6c_connect(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sock6ctl: %s\n", err);
		return EXIT_UNREACHED;
	}
	f.timeout = timeout;
	f.window = follow_window(&f);
	params = handle_params(f.handle);
	json_object_object_add(params, "credit", json_object_new_int64(f.window));
	if (text)
		json_object_object_add(params, "encoding",
		    json_object_new_string("text"));
	rc = s6c_call(f.c, "socket.subscribe", params, timeout, NULL, &error);
	if (rc == S6C_ERROR)
		status = rpc_failed("socket.subscribe", error);
	else if (rc != S6C_OK) {
		fprintf(stderr, "sock6ctl: %s: %s\n", s6c_path(f.c),
		    s6c_errmsg(f.c));
		status = EXIT_UNREACHED;
	} else
		status = follow_loop(&f);
	json_object_put(f.refused);
	free(f.bin);
	s6c_close(f.c);
	return status;
}

/* ---- attach ---------------------------------------------------------- */

/* Whether fd is in blocking mode: then a write after POLLOUT is kept to
 * PIPE_BUF bytes, which a pipe takes without blocking. */
static int
fd_blocks(int fd)
{
	int	fl = fcntl(fd, F_GETFL);

	return fl != -1 && !(fl & O_NONBLOCK);
}

/* Whether a failed read or write is only to be tried again later. */
static int
io_again(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

/* Fill `down` from the pipe without waiting: 1 got bytes (or nothing yet),
 * 0 at the pipe's end, -1 failed. */
static int
attach_take(struct s6c *c, struct pipebuf *down)
{
	ssize_t	n;

	n = s6c_pipe_read(c, down->data, sizeof(down->data), 0);
	if (n > 0) {
		down->off = 0;
		down->len = (size_t)n;
	}
	if (n == 0)
		return 0;
	return n > 0 || errno == EAGAIN ? 1 : -1;
}

/* After the reply: stdin -> pipe, pipe -> stdout, each direction ending on
 * its own EOF, until both have ended.  The pipe's bytes that came with the
 * reply go out first. */
static int
attach_relay(struct s6c *c)
{
	static struct pipebuf	 up, down;
	struct pollfd		 p[3];
	size_t			 outmax;
	ssize_t			 n;
	int			 in_eof = 0, wr_shut = 0, ctl_eof = 0;
	int			 out_closed = 0, rc;

	outmax = fd_blocks(STDOUT_FILENO) ? PIPE_BUF : WIRE_BUF;
	while (!wr_shut || !out_closed) {
		if (in_eof && up.len == 0 && !wr_shut) {
			if (s6c_pipe_shutdown(c) == -1)
				goto pipe_broken;
			wr_shut = 1;
			continue;
		}
		if (ctl_eof && down.len == 0 && !out_closed) {
			shutdown(STDOUT_FILENO, SHUT_WR);	/* a socket */
			close(STDOUT_FILENO);
			out_closed = 1;
			continue;
		}
		if (!ctl_eof && down.len == 0 && s6c_pipe_buffered(c) > 0) {
			if (attach_take(c, &down) == -1)
				goto pipe_broken;
			continue;
		}
		p[0].fd = !in_eof && up.len == 0 ? STDIN_FILENO : -1;
		p[0].events = POLLIN;
		p[1].fd = s6c_fd(c);
		p[1].events = (up.len > 0 ? POLLOUT : 0) |
		    (!ctl_eof && down.len == 0 ? POLLIN : 0);
		if (p[1].events == 0)
			p[1].fd = -1;
		p[2].fd = down.len > 0 ? STDOUT_FILENO : -1;
		p[2].events = POLLOUT;
		if (poll(p, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sock6ctl: poll: %s\n", strerror(errno));
			return EXIT_RPC;
		}
		if (p[0].revents & POLLNVAL)
			in_eof = 1;
		else if (p[0].revents != 0) {
			n = read(STDIN_FILENO, up.data, sizeof(up.data));
			if (n > 0) {
				up.off = 0;
				up.len = (size_t)n;
			} else if (n == 0)
				in_eof = 1;
			else if (!io_again(errno)) {
				fprintf(stderr, "sock6ctl: stdin: %s\n",
				    strerror(errno));
				return EXIT_RPC;
			}
		}
		if (p[1].revents != 0 && up.len > 0) {
			n = s6c_pipe_write(c, up.data + up.off, up.len, 0);
			if (n > 0) {
				up.off += (size_t)n;
				up.len -= (size_t)n;
			} else if (n == -1 && errno != EAGAIN)
				goto pipe_broken;
		}
		if (p[1].revents != 0 && !ctl_eof && down.len == 0) {
			if ((rc = attach_take(c, &down)) == -1)
				goto pipe_broken;
			ctl_eof = rc == 0;
		}
		if (p[2].revents != 0 && down.len > 0) {
			n = write(STDOUT_FILENO, down.data + down.off,
			    down.len < outmax ? down.len : outmax);
			if (n > 0) {
				down.off += (size_t)n;
				down.len -= (size_t)n;
			} else if (n == -1 && !io_again(errno))
				return stdout_failed();
		}
	}
	return 0;
pipe_broken:
	fprintf(stderr, "sock6ctl: %s: the daemon ended the pipe: %s\n",
	    s6c_path(c), strerror(errno));
	return EXIT_UNREACHED;
}

/* `attach HANDLE [--len4]` */
static int
verb_attach(const char *path, int timeout, int argc, char *argv[])
{
	static const char syn[] = "attach HANDLE [--len4]";
	struct s6c	*c;
	json_object	*error = NULL;
	char		 err[512];
	int64_t		 handle = 0;
	int		 i, len4 = 0, have = 0, rc, status;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--len4") == 0)
			len4 = 1;
		else if (argv[i][0] == '-')
			return verb_usage("attach", syn, "unknown option");
		else if (have++ || parse_handle(argv[i], &handle) == -1)
			return verb_usage("attach", syn, "one HANDLE, a number "
			    ">= 1, is expected");
	}
	if (!have)
		return verb_usage("attach", syn, "missing HANDLE");
	if ((c = s6c_connect(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sock6ctl: %s\n", err);
		return EXIT_UNREACHED;
	}
	rc = s6c_attach(c, handle, len4 ? "len4" : NULL, timeout, &error);
	if (rc == S6C_OK)
		status = attach_relay(c);
	else if (rc == S6C_ERROR)
		status = rpc_failed("socket.attach", error);
	else {
		fprintf(stderr, "sock6ctl: %s: %s\n", s6c_path(c),
		    s6c_errmsg(c));
		status = EXIT_UNREACHED;
	}
	s6c_close(c);
	return status;
}

/* ---- run ------------------------------------------------------------- */

/* Whether COMMAND can be found and run (execvp's PATH search), checked
 * before any socket leaves the daemon. */
static int
run_findable(const char *cmd)
{
	const char	*dirs, *end;
	char		 file[PATH_MAX];
	struct stat	 st;
	size_t		 n;

	if (strchr(cmd, '/') != NULL)
		return access(cmd, X_OK) == 0;
	if ((dirs = getenv("PATH")) == NULL)
		dirs = "/bin:/usr/bin";
	for (;; dirs = end + 1) {
		end = strchrnul(dirs, ':');
		n = (size_t)(end - dirs);
		if (snprintf(file, sizeof(file), "%.*s/%s", (int)n,
		    n == 0 ? "." : dirs, cmd) < (int)sizeof(file) &&
		    stat(file, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(file, X_OK) == 0)
			return 1;
		if (*end == '\0')
			return 0;
	}
}

/* Close every descriptor from `low` up. */
static void
close_from(int low)
{
	DIR		*d;
	struct dirent	*e;
	long		 fd, max;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)low, ~0u, 0u) == 0)
		return;
#endif
	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((e = readdir(d)) != NULL)
			if ((fd = strtol(e->d_name, NULL, 10)) >= low &&
			    fd != dirfd(d))
				close((int)fd);
		closedir(d);
		return;
	}
	max = sysconf(_SC_OPEN_MAX);
	for (fd = low; fd < (max > 0 ? max : 1024); fd++)
		close((int)fd);
}

/* Export every handle over one connection: 0 with fds[] filled, or the
 * exit status after reporting.  With several handles each is looked up
 * first, so a mistyped one costs none of the others. */
static int
run_export(const char *path, int timeout, int64_t *handles, int n, int *fds)
{
	struct wire	*w;
	json_object	*result, *error;
	int		 i, k, rc;

	if ((w = wire_open(path)) == NULL)
		return EXIT_UNREACHED;
	for (i = 0; n > 1 && i < n; i++) {
		rc = wire_call(w, "socket.info", handle_params(handles[i]),
		    timeout, NULL, &result, &error);
		json_object_put(result);
		if (rc != S6C_OK) {
			rc = wire_report(w, "socket.info", rc, error);
			wire_close(w);
			return rc;
		}
	}
	for (i = 0; i < n; i++) {
		fds[i] = -1;
		rc = wire_call(w, "socket.export", handle_params(handles[i]),
		    timeout, &fds[i], &result, &error);
		json_object_put(result);
		if (rc == S6C_OK && fds[i] == -1) {
			rc = S6C_FAIL;
			snprintf(w->err, sizeof(w->err), "socket.export: no "
			    "descriptor came with the reply");
		}
		if (rc != S6C_OK) {
			rc = wire_report(w, "socket.export", rc, error);
			for (k = 0; k < i; k++)
				fprintf(stderr, "sock6ctl: handle %" PRId64 " was "
				    "exported already and is now closed\n",
				    handles[k]);
			for (k = 0; k <= i; k++)
				if (fds[k] != -1)
					close(fds[k]);
			wire_close(w);
			return rc;
		}
	}
	wire_close(w);
	return 0;
}

/* Put fds[] at 3, 4, ... (or on stdin and stdout), set the LISTEN_*
 * variables, close everything else and exec. */
static int
run_exec(int stdio, int64_t *handles, int n, int *fds, char *cmd[])
{
	char	names[RUN_MAX_HANDLES * 21], num[32];
	size_t	off = 0;
	int	i, high, target = stdio ? 0 : 3;

	for (i = 0; i < n; i++) {	/* clear of every target first */
		high = fcntl(fds[i], F_DUPFD_CLOEXEC, 3 + n);
		close(fds[i]);
		if ((fds[i] = high) == -1)
			goto fail;
	}
	for (i = 0; i < n; i++)
		if (dup2(fds[i], target + i) == -1 ||
		    (stdio && dup2(fds[i], STDOUT_FILENO) == -1))
			goto fail;
	close_from(stdio ? 3 : 3 + n);
	if (stdio) {
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDNAMES");
	} else {
		names[0] = '\0';
		for (i = 0; i < n; i++)
			off += (size_t)snprintf(names + off, sizeof(names) - off,
			    "%s%" PRId64, i > 0 ? ":" : "", handles[i]);
		snprintf(num, sizeof(num), "%d", n);
		setenv("LISTEN_FDS", num, 1);
		snprintf(num, sizeof(num), "%ld", (long)getpid());
		setenv("LISTEN_PID", num, 1);
		setenv("LISTEN_FDNAMES", names, 1);
	}
	execvp(cmd[0], cmd);
fail:
	fprintf(stderr, "sock6ctl: %s: %s\n", cmd[0], strerror(errno));
	return EXIT_RPC;
}

/* `run [--stdio] HANDLE... -- COMMAND [ARG...]` */
static int
verb_run(const char *path, int timeout, int argc, char *argv[])
{
	static const char syn[] = "run [--stdio] HANDLE... -- COMMAND [ARG...]";
	int64_t		 handles[RUN_MAX_HANDLES];
	int		 fds[RUN_MAX_HANDLES];
	int		 i = 1, j, n = 0, stdio = 0, status;

	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--stdio") == 0 && n == 0)
			stdio = 1;
		else if (n == RUN_MAX_HANDLES)
			return verb_usage("run", syn, "too many handles");
		else if (parse_handle(argv[i], &handles[n++]) == -1)
			return verb_usage("run", syn, "HANDLE must be a number "
			    ">= 1 (and '--' must come before COMMAND)");
		for (j = 0; j < n - 1; j++)
			if (handles[j] == handles[n - 1])
				return verb_usage("run", syn, "a handle is "
				    "given twice");
	}
	if (n == 0)
		return verb_usage("run", syn, "missing HANDLE");
	if (i + 1 >= argc)
		return verb_usage("run", syn, "missing '--' COMMAND");
	if (stdio && n != 1)
		return verb_usage("run", syn, "--stdio takes exactly one HANDLE");
	if (!run_findable(argv[i + 1])) {
		fprintf(stderr, "sock6ctl: %s: command not found or not "
		    "executable\n", argv[i + 1]);
		return EXIT_USAGE;
	}
	if ((status = run_export(path, timeout, handles, n, fds)) != 0)
		return status;
	return run_exec(stdio, handles, n, fds, argv + i + 1);
}

/* ---- table and help -------------------------------------------------- */

static const struct verb verbs[] = {
	{ "follow", "follow HANDLE [--raw] [--text]",
	  "print what a socket receives, as NDJSON lines or raw bytes",
	  "Subscribe to HANDLE (socket.subscribe) and print each notification\n"
	  "as one compact JSON line, until socket.eof (exit 0) or socket.error\n"
	  "(its message on stderr, exit 1).  --raw writes only the bytes of\n"
	  "socket.data and socket.datagram; --text asks for UTF-8 text where\n"
	  "the bytes are text.  Credit (1 MiB) goes back to the daemon as\n"
	  "stdout takes the bytes, so a slow reader slows the peer down.  On a\n"
	  "listener, each new connection is a socket.accepted line (credit:\n"
	  "16 connections).\n", verb_follow },
	{ "attach", "attach HANDLE [--len4]",
	  "relay stdin and stdout to a socket, like socat - TCP:host:port",
	  "Turn the control connection into a pipe to HANDLE (socket.attach)\n"
	  "and relay stdin to it and it to stdout, bytes unchanged.  The end of\n"
	  "stdin shuts down the socket's sending side; the socket's end closes\n"
	  "stdout; the command exits 0 when both have ended.  --len4 is for\n"
	  "datagram sockets: each datagram is a 4-byte big-endian length and\n"
	  "its bytes, both ways; sock6ctl passes the frames through as they\n"
	  "are, so stdin must carry frames and stdout carries frames.\n",
	  verb_attach },
	{ "run", "run [--stdio] HANDLE... -- COMMAND [ARG...]",
	  "exec COMMAND with exported sockets as fds 3, 4, ... (LISTEN_FDS)",
	  "Export each HANDLE (socket.export: the daemon must run with\n"
	  "--allow-export, and gives the handles up) and exec COMMAND with the\n"
	  "sockets as descriptors 3, 4, ... and LISTEN_FDS, LISTEN_PID and\n"
	  "LISTEN_FDNAMES (the handle numbers joined by ':') set, as systemd\n"
	  "socket activation does (sd_listen_fds(3)).  With --stdio the one\n"
	  "HANDLE becomes stdin and stdout instead, as under inetd.  COMMAND\n"
	  "gets no other descriptor.\n", verb_run },
	{ "list", "list [--table|--json]",
	  "list the caller's sockets (socket.list) as a table, like ss(8)",
	  "Call socket.list and print one line per socket under a header:\n"
	  "handle, owner (uid), scope, family, type, state, local and peer\n"
	  "address (* when none), and bytes received and sent.  The table is\n"
	  "printed when stdout is a terminal, JSON (socket.list's result)\n"
	  "otherwise; --table and --json choose.\n", list_main },
};

static const struct verb *
verb_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

int
verbs_is_verb(const char *name)
{
	return verb_find(name) != NULL;
}

int
verbs_main(const char *path, int timeout_ms, int argc, char *argv[])
{
	const struct verb	*v;

	if ((v = verb_find(argv[0])) == NULL)
		return EXIT_USAGE;
	return v->fn(path, timeout_ms, argc, argv);
}

void
verbs_help(FILE *fp)
{
	size_t	i;

	fprintf(fp, "\nVerbs (sock6ctl's own commands):\n");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(fp, "  %s\n      %s\n", verbs[i].synopsis,
		    verbs[i].summary);
	fprintf(fp, "\n'sock6ctl help VERB' describes a verb.\n");
}

int
verbs_help_verb(FILE *fp, const char *name)
{
	const struct verb	*v;

	if ((v = verb_find(name)) == NULL)
		return -1;
	fprintf(fp, "usage: sock6ctl [options] %s\n\n%s", v->synopsis, v->page);
	return 0;
}
