/* service.c: socket activation, readiness, status, reload and stop
 * notifications, the watchdog and the fd store, through libsystemd's
 * sd-daemon (see service.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "service.h"

#define STATUS_INTERVAL	2.0	/* seconds between two looks at the counts */
#define FLUSH_TIMEOUT	(5 * 1000000ull)	/* microseconds service_flush waits */

#ifdef HAVE_SYSTEMD

int
service_listen_fds(struct service_fd **out)
{
	char **names = NULL;
	int n, i;

	*out = NULL;
	if ((n = sd_listen_fds_with_names(1, &names)) <= 0) {
		if (n < 0)
			errno = -n;
		return n < 0 ? -1 : 0;
	}
	if ((*out = calloc((size_t)n, sizeof(**out))) == NULL) {
		for (i = 0; i < n; i++) {
			close(SD_LISTEN_FDS_START + i);
			free(names[i]);
		}
		free(names);
		return -1;
	}
	for (i = 0; i < n; i++) {
		(*out)[i].fd = SD_LISTEN_FDS_START + i;
		fcntl((*out)[i].fd, F_SETFD, FD_CLOEXEC);
		snprintf((*out)[i].name, sizeof((*out)[i].name), "%s",
		    names != NULL && names[i] != NULL ? names[i] : "unknown");
		if (names != NULL)
			free(names[i]);
	}
	free(names);
	return n;
}

static void
service_send(const char *state)
{
	int rc;

	if ((rc = sd_notify(0, state)) < 0)
		log_debug("sd_notify %s: %s", state, strerror(-rc));
}

static void
service_status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct service *s = w->data;
	char text[sizeof(s->last_status)], status[sizeof(text) + 8];

	s->status_fn(s->status_ctx, text, sizeof(text));
	if (strcmp(text, s->last_status) == 0)
		return;
	memcpy(s->last_status, text, sizeof(text));
	snprintf(status, sizeof(status), "STATUS=%s", text);
	service_send(status);
}

static void
service_watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	service_send("WATCHDOG=1");
}

void
service_ready(struct service *s, struct ev_loop *loop, service_status_fn status, void *ctx)
{
	uint64_t usec = 0;

	s->loop = loop;
	s->status_fn = status;
	s->status_ctx = ctx;
	ev_timer_init(&s->status, service_status_cb, STATUS_INTERVAL, STATUS_INTERVAL);
	ev_timer_init(&s->watchdog, service_watchdog_cb, 0., 0.);
	s->status.data = s;
	s->notify = getenv("NOTIFY_SOCKET") != NULL;
	if (!s->notify)
		return;
	service_status_cb(loop, &s->status, 0);
	service_send("READY=1");
	ev_timer_start(loop, &s->status);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		s->watchdog.repeat = (double)usec / 2e6;
		ev_timer_again(loop, &s->watchdog);
		service_send("WATCHDOG=1");
		log_info("watchdog: a keep-alive every %.1f s", (double)usec / 2e6);
	}
}

void
service_reloading(struct service *s)
{
	if (s->notify)
		service_send("RELOADING=1");
}

void
service_reloaded(struct service *s)
{
	if (s->notify)
		service_send("READY=1");
}

void
service_stopping(struct service *s)
{
	if (!s->notify)
		return;
	service_send("STOPPING=1");
	ev_timer_stop(s->loop, &s->status);
	ev_timer_stop(s->loop, &s->watchdog);
}

bool
service_can_store(const struct service *s)
{
	return s->notify;
}

size_t
service_store_room(void)
{
	const char *env = getenv("FDSTORE");
	unsigned long long n;
	char *end;

	if (env == NULL || *env < '0' || *env > '9')
		return SIZE_MAX;
	errno = 0;
	n = strtoull(env, &end, 10);
	return errno != 0 || *end != '\0' || n > SIZE_MAX ? SIZE_MAX : (size_t)n;
}

int
service_store_fd(int fd, const char *name)
{
	char state[320];
	int rc;

	/* FDPOLL=0: the manager keeps it whatever it polls as (an unconnected
	 * TCP socket reads as hung up; a directory opened O_PATH cannot be
	 * polled at all). */
	snprintf(state, sizeof(state), "FDSTORE=1\nFDNAME=%s\nFDPOLL=0", name);
	if ((rc = sd_pid_notify_with_fds(0, 0, state, &fd, 1)) <= 0) {
		errno = rc < 0 ? -rc : ENOTCONN;
		return -1;
	}
	return 0;
}

void
service_unstore_fd(const char *name)
{
	char state[320];

	snprintf(state, sizeof(state), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	service_send(state);
}

void
service_flush(void)
{
	int rc;

	if ((rc = sd_notify_barrier(0, FLUSH_TIMEOUT)) < 0)
		log_warnx("the service manager did not confirm the descriptors stored: %s",
		    strerror(-rc));
}

#else /* !HAVE_SYSTEMD */

int
service_listen_fds(struct service_fd **out)
{
	*out = NULL;
	return 0;
}

void
service_ready(struct service *s, struct ev_loop *loop, service_status_fn status, void *ctx)
{
	s->loop = loop;
	s->notify = false;
}

void service_reloading(struct service *s) { }
void service_reloaded(struct service *s) { }
void service_stopping(struct service *s) { }
bool service_can_store(const struct service *s) { return false; }
size_t service_store_room(void) { return 0; }

int
service_store_fd(int fd, const char *name)
{
	errno = ENOTSUP;
	return -1;
}

void service_unstore_fd(const char *name) { }
void service_flush(void) { }

#endif
