/* control.c: the control socket: refusing over-long paths, probing a stale
 * socket file before removing it, the file mode, and accepting clients with
 * their SO_PEERCRED credentials taken once. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "grant.h"
#include "conn.h"
#include "control.h"
#include "error.h"
#include "log.h"
#include "rpc.h"
#include "sock6d.h"

/* Whether something still listens on path: a non-blocking connect probe.
 * Only a refusal proves the file stale; a full backlog (EAGAIN) or any
 * other answer means it is in use. */
static bool
control_in_use(const struct sockaddr_un *sun)
{
	int fd, rc, err;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return true;
	do
		rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	while (rc == -1 && errno == EINTR);
	err = errno;
	close(fd);
	return rc == 0 || (err != ECONNREFUSED && err != ENOENT);
}

#define ACCEPT_PAUSE	0.1	/* seconds without accepting after EMFILE and the like */

/* The limit a new connection is past, or NULL: max_connections less the
 * reserve kept for root (root may use it all), and connections_per_user,
 * which root is not held to.  The count includes the new connection. */
static const char *
control_refusal(const struct sock6d *d, const struct conn *c, long *value)
{
	const struct limits *l = &d->limits;

	*value = l->max_connections;
	if ((long)d->nconns > l->max_connections ||
	    (c->uid != 0 && (long)d->nconns > l->max_connections - l->root_connections))
		return "max_connections";
	*value = grant_limits_for(d, c->uid)->connections_per_user;
	if (c->uid != 0 && (long)c->user->conns > *value)
		return "connections_per_user";
	return NULL;
}

static void
control_resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sock6d *d = w->data;

	if (d->listen_fd >= 0)
		ev_io_start(loop, &d->listen_io);
}

static void
control_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sock6d *d = w->data;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	unsigned long suppressed;
	const char *limit;
	struct conn *c;
	struct s6err e;
	char note[64];
	long value;
	int fd;

	fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
			return;
		/* Out of descriptors or memory: the listener stays readable, so
		 * stop watching it for a moment instead of spinning. */
		if (log_ratelimit(&d->pause_log, ev_now(loop), &suppressed)) {
			int err = errno;
			const char *more = log_suppressed_note(suppressed, note, sizeof(note));

			errno = err;
			log_warn("control: accept (pausing accepts for %.1f s%s)", ACCEPT_PAUSE, more);
		}
		ev_io_stop(loop, &d->listen_io);
		ev_timer_set(&d->listen_pause, ACCEPT_PAUSE, 0.);
		ev_timer_start(loop, &d->listen_pause);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1) {
		log_warn("control: SO_PEERCRED");
		close(fd);
		return;
	}
	if ((c = conn_new(d, fd, cred.uid, cred.gid, cred.pid)) == NULL) {
		log_warnx("control: out of memory for a connection");
		return;
	}
	if ((limit = control_refusal(d, c, &value)) != NULL) {
		if (log_ratelimit(&d->refusal_log, ev_now(loop), &suppressed))
			log_warnx("control: connection from uid %u refused: %s (%ld)%s",
			    (unsigned)cred.uid, limit, value,
			    log_suppressed_note(suppressed, note, sizeof(note)));
		err_limit(&e, limit, value);
		snprintf(e.message, sizeof(e.message), "too many connections%s",
		    strcmp(limit, "connections_per_user") == 0 ? " for this user" : "");
		rpc_send_error(c, &e);
		conn_close_after_flush(c);
	}
}

/* Serve the listening socket fd. */
static void
control_listen(struct sock6d *d, int fd)
{
	d->listen_fd = fd;
	ev_io_init(&d->listen_io, control_accept_cb, fd, EV_READ);
	d->listen_io.data = d;
	ev_timer_init(&d->listen_pause, control_resume_cb, ACCEPT_PAUSE, 0.);
	d->listen_pause.data = d;
	d->pause_log.interval = d->refusal_log.interval = LOG_RATELIMIT_INTERVAL;
	ev_io_start(d->loop, &d->listen_io);
}

int
control_open(struct sock6d *d, const char *path, mode_t mode, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path longer than %zu bytes: %s",
		    sizeof(sun.sun_path) - 1, path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			return -1;
		}
		if (control_in_use(&sun)) {
			snprintf(err, errlen, "%s: another sock6d is running there", path);
			return -1;
		}
		log_info("removing stale control socket %s", path);
		if (unlink(path) == -1 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove stale %s: %s", path, strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0777 & ~mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		snprintf(err, errlen, "bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, mode) == -1 || listen(fd, 128) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	snprintf(d->socket_path, sizeof(d->socket_path), "%s", path);
	control_listen(d, fd);
	return 0;
}

int
control_adopt(struct sock6d *d, int fd, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(int), alen = sizeof(sun);
	int type = 0, listening = 0, fl;

	memset(&sun, 0, sizeof(sun));
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 || type != SOCK_STREAM ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == -1 || !listening ||
	    getsockname(fd, (struct sockaddr *)&sun, &alen) == -1 || sun.sun_family != AF_UNIX) {
		snprintf(err, errlen, "the control socket passed in (fd %d) is not a listening "
		    "UNIX stream socket", fd);
		return -1;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		snprintf(err, errlen, "fd %d: %s", fd, strerror(errno));
		return -1;
	}
	snprintf(d->socket_path, sizeof(d->socket_path), "%.*s",
	    (int)strnlen(sun.sun_path, sizeof(sun.sun_path)), sun.sun_path);
	d->control_adopted = true;
	control_listen(d, fd);
	return 0;
}

void
control_close(struct sock6d *d)
{
	struct stat st;

	if (d->listen_fd < 0)
		return;
	ev_io_stop(d->loop, &d->listen_io);
	ev_timer_stop(d->loop, &d->listen_pause);
	close(d->listen_fd);
	d->listen_fd = -1;
	/* A socket the service manager made stays its to remove. */
	if (!d->control_adopted && lstat(d->socket_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(d->socket_path);
}
