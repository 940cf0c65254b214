/* conn.h: one control connection: the peer's credentials, the capped input
 * buffer, the output queue with its watermarks, the session values, the
 * calls waiting on its behalf and the handles scoped to it. */
#ifndef SOCK6D_CONN_H
#define SOCK6D_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <ev.h>

#include "buf.h"
#include "creds.h"
#include "rpc.h"
#include "sock.h"
#include "sock6d.h"

struct conn {
	struct sock6d		*d;
	uint64_t		 id;
	int			 fd;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	struct user		*user;		/* its uid's entry */
	struct creds		 creds;		/* the calls made for it run as these */
	ev_io			 rio, wio;
	ev_timer		 resume;	/* more buffered requests after the per-read cap */
	struct buf		 in, out;
	bool			 reading;	/* rio started */
	bool			 throttled;	/* output above the high mark */
	bool			 input_ended;	/* the client shut down its sending side */
	bool			 hangup_watched;	/* in the daemon's hang-up set */
	bool			 closing;	/* close once the output is flushed */
	bool			 dead;
	bool			 close_requested;	/* closed once its dispatch ends */
	struct session		 session;
	struct call_list	 pending;
	size_t			 npending;
	struct sock_list	 scoped;	/* handles with scope "connection" */
	TAILQ_ENTRY(conn)	 entry;
	struct conn		*next_dead;
};

/* Count a request, or an error answered, for the daemon and the user. */
static inline void
conn_count_request(struct conn *c)
{
	c->d->stats.requests++;
	c->user->stats.requests++;
}

static inline void
conn_count_error(struct conn *c)
{
	c->d->stats.errors++;
	c->user->stats.errors++;
}

/* Take over an accepted fd; NULL on failure (fd closed). */
struct conn	*conn_new(struct sock6d *d, int fd, uid_t uid, gid_t gid, pid_t pid);
/* Queue bytes for the client (a whole message). */
void		 conn_write(struct conn *c, const char *p, size_t n);
/* Space for an n-byte message in the output queue, then commit it; NULL
 * when the queue is full (the connection is then closed: its client is
 * not reading). */
char		*conn_reserve(struct conn *c, size_t n);
void		 conn_commit(struct conn *c, size_t n);
/* Write what is queued now; start the write watcher only after EAGAIN. */
void		 conn_flush(struct conn *c);
/* Stop taking requests, flush what is queued, then close. */
void		 conn_close_after_flush(struct conn *c);
/* Whether the client has hung up (closed or reset its socket), checked now
 * rather than when the loop gets to its read event.  A client that only
 * shut down its sending side has not. */
bool		 conn_peer_gone(struct conn *c);
/* The daemon's hang-up set: connections whose input has ended, watched for
 * the full close that cancels their pending calls.  0 or -1. */
int		 conn_hangups_init(struct sock6d *d);
void		 conn_hangups_free(struct sock6d *d);
/* Cancel pending calls, close scoped handles, close the fd; freed later.
 * While the connection's own requests are being dispatched, the close
 * waits until that dispatch ends, so no handler sees it vanish. */
void		 conn_close(struct conn *c);
void		 conn_free(struct conn *c);

#endif
