/* sock6d.h: the one daemon context that owns the loop, the tables and the
 * limits, and the per-connection session values (the egg's parameters). */
#ifndef SOCK6D_SOCK6D_H
#define SOCK6D_SOCK6D_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <ev.h>
#include <json-c/json.h>

#include "limit.h"
#include "log.h"
#include "handle.h"
#include "user.h"
#include "service.h"
#include "transport.h"
#include "unix-guard.h"

struct conn;
struct conn_rpc;
struct policy;
struct reload;
struct sock;
struct sub;

TAILQ_HEAD(conn_list, conn);

#define SPARES	64	/* freed calls (and requests) kept for reuse */

struct sock6d {
	struct ev_loop		*loop;
	struct limits		 limits;
	char			 socket_path[108];
	int			 listen_fd;
	ev_io			 listen_io;
	ev_timer		 listen_pause;	/* accepts paused: out of descriptors */
	struct log_ratelimit	 pause_log;	/* accepts paused */
	struct log_ratelimit	 refusal_log;	/* connections refused */
	struct log_ratelimit	 internal_log;	/* -32603 answers (a caller gone, say) */
	struct log_ratelimit	 overflow_log;	/* connections closed for a reply too big */
	ev_signal		 sigterm, sigint;
	ev_prepare		 reaper;	/* frees dead objects after each turn */
	ev_timer		 trim;		/* gives freed memory back to the system */
	size_t			 freed;		/* bytes of queues freed since the last trim */
	ev_tstamp		 trim_by;	/* the latest the next trim may come */
	ev_tstamp		 last_freed;	/* when queues were last freed */
	struct transport_hub	 hub;		/* sees clients hang up */
	const struct conn_rpc	*rpc;		/* what connections hand their requests to */
	struct conn_list	 conns;
	LIST_HEAD(, conn)	 room_ready;	/* output room freed: calls to resume */
	LIST_HEAD(, sock)	 kick;		/* bytes held back: readers to retry */
	LIST_HEAD(, conn)	 flush_soon;	/* output queued by producers this turn */
	TAILQ_HEAD(, sub)	 ready_subs;	/* subscriptions whose socket is ready */
	ev_idle			 slice;		/* more of them than one turn serves */
	unsigned int		 cai_turn;	/* the loop turn cai_starts counts in */
	unsigned int		 cai_starts;	/* connect attempts started in it */
	ev_prepare		 deferred;	/* runs those before the loop waits */
	struct conn		*dispatching;	/* whose requests run right now */
	unsigned		 nconns;
	unsigned long		 reserved;	/* descriptors counted as handles that
						 * are none yet (sock_reserve_fd) */
	uint64_t		 next_conn_id;
	struct handle_table	 handles;
	struct user_table	 users;
	struct resolver		*resolver;
	ev_tstamp		 started;
	struct stats		 stats;		/* every user's, together */
	void			*spare_calls[SPARES];	/* freed calls and requests, */
	unsigned		 nspare_calls;		/* kept for the next (rpc.c) */
	void			*spare_requests[SPARES];
	unsigned		 nspare_requests;
	char			*scratch;	/* chunks on their way to JSON (sub.c) */
	size_t			 scratch_size;
	bool			 allow_export;	/* --allow-export: socket.export for all */
	struct policy		*policy;	/* the policy file in force (grant.c) */
	const char		*policy_path;	/* where it is read from */
	const char *const	*limit_overrides;	/* --limit: win over the file */
	size_t			 nlimit_overrides;
	const char		*method;	/* whose handler runs now (the audit) */
	struct service		 service;	/* the service manager's side */
	struct unix_guard	 unix_guard;	/* sockets no client may reach */
	ev_signal		 sighup;	/* reload the policy */
	struct reload		*reload;	/* its reads (reload.c), once asked */
	bool			 control_adopted;	/* the control socket came from
						 * socket activation: not ours to remove */
	struct conn		*dead_conns;
	struct sock		*dead_socks;
};

/* Session values of one control connection; timeouts in ms, -1 = never. */
struct session {
	int64_t		connect_timeout;
	int64_t		accept_timeout;
	int64_t		receive_timeout;
	int64_t		send_timeout;
	int64_t		send_size;	/* 0 = unbounded (null) */
	bool		bind_ipv6_only;
};

void	 session_default(struct session *s);

/* Set up the context (loop, tables); 0 or -1. */
int	 sock6d_init(struct sock6d *d, struct ev_loop *loop, const struct limits *l);
/* Set the allocator's policy (see context.c); before anything is allocated. */
void	 sock6d_memory_policy(void);
/* There is deferred work (room_ready, kick): run it before the loop waits. */
void	 sock6d_defer(struct sock6d *d);
/* Bytes of queues were freed: once enough were, the allocator's free
 * memory goes back to the system a moment later. */
void	 sock6d_freed(struct sock6d *d, size_t n);
/* Stop listening and close every control connection: their calls are
 * cancelled (bytes a receive had read go back to its handle) and their
 * connection-scoped handles closed.  Daemon-scoped handles stay. */
void	 sock6d_close_conns(struct sock6d *d);
/* Close every connection and handle, free everything. */
void	 sock6d_shutdown(struct sock6d *d);

#endif
