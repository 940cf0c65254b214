/* service.h: the service manager's side of the daemon (sd-daemon(3)):
 * the descriptors socket activation and the fd store pass in, readiness,
 * status, reload and stop notifications, the watchdog's keep-alive, and
 * descriptors handed back to the fd store.  Without libsystemd, or when no
 * service manager started the daemon, every call here does nothing. */
#ifndef SOCK6D_SERVICE_H
#define SOCK6D_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <ev.h>

/* A descriptor passed in by the service manager, with its name
 * (FileDescriptorName= or FDNAME=; "unknown" when it has none). */
struct service_fd {
	int	fd;
	char	name[256];
};

/* What STATUS= says: the daemon's handles and connections now, written
 * into buf by the daemon (the service knows nothing of them). */
typedef void	(*service_status_fn)(void *ctx, char *buf, size_t len);

struct service {
	struct ev_loop	*loop;
	service_status_fn status_fn;
	void		*status_ctx;
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
void	 service_ready(struct service *s, struct ev_loop *loop, service_status_fn status,
	    void *ctx);
/* Around a reload of the policy. */
void	 service_reloading(struct service *s);
void	 service_reloaded(struct service *s);
/* The daemon is stopping: STOPPING=1, timers stopped. */
void	 service_stopping(struct service *s);
/* Whether descriptors can go to the fd store (a manager listens). */
bool	 service_can_store(const struct service *s);
/* How many descriptors the fd store takes, when the manager says
 * ($FDSTORE, FileDescriptorStoreMax=); SIZE_MAX when it does not. */
size_t	 service_store_room(void);
/* Hand fd to the fd store under name (FDSTORE=1, FDNAME=name, FDPOLL=0:
 * kept whether or not it polls as hung up); the manager keeps a copy.
 * 0, or -1 with errno. */
int	 service_store_fd(int fd, const char *name);
/* Have the manager drop what it stores under name (FDSTOREREMOVE=1):
 * once taken back, a descriptor is the daemon's alone again, and a socket
 * it closes is closed for good.  Nothing without a manager. */
void	 service_unstore_fd(const char *name);
/* Wait, at most 5 s, until the manager has read every notification sent
 * so far (BARRIER=1): before the daemon exits, so that descriptors it
 * stored are not taken for a stranger's once it is gone. */
void	 service_flush(void);

#endif
