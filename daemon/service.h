/* service.h: the service manager's side of the daemon (sd-daemon(3)):
 * the descriptors socket activation and the fd store pass in, readiness,
 * status, reload and stop notifications, the watchdog's keep-alive, and
 * descriptors handed back to the fd store.  Without libsystemd, or when no
 * service manager started the daemon, every call here does nothing. */
#ifndef SOCK6D_SERVICE_H
#define SOCK6D_SERVICE_H

#include <stdbool.h>
#include <ev.h>

struct sock6d;

/* A descriptor passed in by the service manager, with its name
 * (FileDescriptorName= or FDNAME=; "unknown" when it has none). */
struct service_fd {
	int	fd;
	char	name[256];
};

struct service {
	bool		 notify;	/* a service manager listens (NOTIFY_SOCKET) */
	ev_timer	 watchdog;	/* WATCHDOG=1 at half the manager's interval */
	ev_timer	 status;	/* STATUS= when the counts changed */
	char		 last_status[160];
};

/* The descriptors passed by LISTEN_FDS (made close-on-exec; the variables
 * unset).  Returns how many, in *out (free() it), or -1 with errno. */
int	 service_listen_fds(struct service_fd **out);
/* The control socket is served: READY=1, and the watchdog and status
 * timers start. */
void	 service_ready(struct sock6d *d);
/* Around a reload of the policy. */
void	 service_reloading(struct sock6d *d);
void	 service_reloaded(struct sock6d *d);
/* The daemon is stopping: STOPPING=1, timers stopped. */
void	 service_stopping(struct sock6d *d);
/* Whether descriptors can go to the fd store (a manager listens). */
bool	 service_can_store(const struct sock6d *d);
/* Hand fd to the fd store under name (FDSTORE=1, FDNAME=name); the
 * manager keeps a copy.  0, or -1 with errno. */
int	 service_store_fd(int fd, const char *name);

#endif
