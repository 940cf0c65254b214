/* sock.h: a managed socket, held by handle: its fd, identity, owner, scope,
 * state, counters, the bytes read but not yet delivered, and who consumes
 * each of its sides.
 *
 * One consumer per side.  The read side and the write side each belong to
 * one consumer at a time: the queue of waiting calls (the default, in
 * wait.c), a subscription, or the relay of an attach.  Readiness goes to
 * that consumer, and only it starts or stops the side's watcher; claiming
 * a side from the waiting calls and giving it back are explicit calls. */
#ifndef SOCK6D_SOCK_H
#define SOCK6D_SOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <ev.h>
#include <json-c/json.h>

#include "creds.h"
#include "error.h"
#include "handle.h"
#include "sockaddr.h"

struct sock6d;
struct sock;
struct sock_list;
struct user;
struct waiter;

enum sock_scope { SCOPE_DAEMON, SCOPE_CONNECTION };
enum sock_state { SS_OPEN, SS_BOUND, SS_LISTENING, SS_CONNECTING, SS_CONNECTED };
enum sock_side { SIDE_READ, SIDE_WRITE };
enum sock_consumer_kind { CONSUMER_CALLS, CONSUMER_SUBSCRIPTION, CONSUMER_RELAY };

/* What a side's consumer is told.  ctx is what it claimed the side with. */
struct sock_consumer {
	enum sock_consumer_kind	 kind;
	/* The side is ready (for the read side also: bytes were held back
	 * on it, which no readiness will announce). */
	void	(*ready)(struct sock *s, enum sock_side side, void *ctx);
	/* The socket is closing: let go of it (it is still whole here). */
	void	(*closing)(struct sock *s, void *ctx);
	/* Add the consumer's fields to the socket.info object (may be NULL). */
	void	(*describe)(const struct sock *s, void *ctx, json_object *info);
};

/* The default consumer of both sides: the queues of waiting calls. */
extern const struct sock_consumer sock_calls_consumer;

/* Bytes taken from the socket but not yet delivered to a client: kept on the
 * handle so that a client going away loses nothing (a datagram per chunk). */
struct chunk {
	struct chunk		*next;
	size_t			 len, off;
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
	char			 data[];
};

TAILQ_HEAD(waiter_list, waiter);

/* The file a UNIX bind created, removed on close through the directory it
 * was created in (held open since the bind, so a path swapped later leads
 * nowhere else), with the rights of whoever bound it, and only while it is
 * still that socket. */
struct sock_file {
	int		dirfd;
	char		name[108];
	dev_t		dev;
	ino_t		ino;
	struct creds	creds;
};

struct sock {
	struct sock6d		*d;
	uint64_t		 handle;
	struct handle_link	 all_link;	/* on the daemon's list, in id order */
	struct handle_link	 own_link;	/* on its owner's list, in id order */
	int			 fd;
	int			 family, type, protocol;
	uid_t			 owner;
	struct user		*user;		/* the owner's entry */
	enum sock_scope		 scope;
	struct sock_list	*scope_list;	/* SCOPE_CONNECTION: its connection's, closed with it */
	LIST_ENTRY(sock)	 scope_entry;
	enum sock_state		 state;
	bool			 shut_rd, shut_wr;
	bool			 closed;
	uint64_t		 bytes_in, bytes_out;
	struct chunk		*held, **held_tail;
	size_t			 held_bytes;
	ev_io			 rio, wio;
	struct waiter_list	 readers, writers;
	const struct sock_consumer *consumer[2];	/* of each side */
	void			*consumer_ctx[2];
	uint64_t		 delivered;	/* bytes (stream) or datagrams delivered */
	uint64_t		 dropped;	/* datagrams the kernel dropped (SO_RXQ_OVFL) */
	struct sock_file	*file;		/* a bound UNIX path, or NULL */
	bool			 kick_scheduled;	/* on the daemon's kick list */
	LIST_ENTRY(sock)	 kick_entry;
	struct sock		*next_dead;
};

LIST_HEAD(sock_list, sock);

/* Create a socket for `owner`; 1012 past handles_per_user.  NULL with e set. */
struct sock	*sock_create(struct sock6d *d, int family, int type, int protocol,
		    uid_t owner, struct s6err *e);
/* Adopt an accepted fd (already non-blocking, close-on-exec). */
struct sock	*sock_adopt(struct sock6d *d, int fd, const struct sock *listener,
		    uid_t owner, struct s6err *e);
/* Wrap an fd the caller made (non-blocking, close-on-exec), under the
 * quota (1012).  NULL with e set, the fd then closed. */
struct sock	*sock_wrap_fd(struct sock6d *d, int fd, int family, int type, int protocol,
		    uid_t owner, struct s6err *e);
/* Room for one more handle of owner (handles_per_user, and max_handles
 * less root_handles for all but root), without creating anything; -1 with
 * e set (1012) when there is none.  Descriptors reserved count as handles. */
int		 sock_check_quota(struct sock6d *d, uid_t owner, struct s6err *e);
/* A descriptor held for owner that is not a handle (yet): a connect
 * attempt.  It counts as a handle in the quotas until released, so that no
 * user holds descriptors past its share; -1 with e when there is no room. */
int		 sock_reserve_fd(struct sock6d *d, uid_t owner, struct s6err *e);
void		 sock_unreserve_fd(struct sock6d *d, uid_t owner);
/* Give s its scope; with "connection", it joins that connection's list of
 * scoped handles (NULL: none), which closes them when it goes. */
void		 sock_set_scope(struct sock *s, enum sock_scope scope, struct sock_list *scoped);
/* Fail every waiter with 1010, stop watchers, close the fd, drop the handle;
 * the memory is freed later by the reaper.  Returns close(2)'s result. */
int		 sock_close(struct sock *s);
void		 sock_free(struct sock *s);
/* Drop the handle of a socket whose descriptor now lives elsewhere (an
 * export): as sock_close, but a bound UNIX file stays where it is. */
int		 sock_disown(struct sock *s);
/* bind(2) as `who` (the calling client, whose credentials are in force);
 * a UNIX path bound is remembered for removal on close.  0, or -1 with e. */
int		 sock_bind(struct sock *s, const struct s6_sockaddr *addr,
		    const struct creds *who, struct s6err *e);
/* Whether `uid` may use s (its owner or root). */
bool		 sock_usable_by(const struct sock *s, uid_t uid);
/* Give s another handle id (its own again, taken back from the fd store),
 * in its place in the id order; 0, or -1 when out of memory (then s is
 * not in the table under either id, and is to be closed). */
int		 sock_set_handle(struct sock *s, uint64_t id);
/* What socket.list shows uid, in id order: its own sockets (root: every
 * one).  The first above `after`, or NULL; the cost depends on uid's own
 * handles only, never on other users'. */
struct sock	*sock_first_listed(struct sock6d *d, uid_t uid, uint64_t after);
/* The one after s in uid's listing, or NULL. */
struct sock	*sock_next_listed(struct sock *s, uid_t uid);
json_object	*sock_info(const struct sock *s);
/* The socket's own (peer false) or peer address as JSON in *out, NULL when
 * it has none (unbound, unconnected); -1 with e set on other errors. */
int		 sock_address(const struct sock *s, bool peer, json_object **out,
		    struct s6err *e);
const char	*sock_state_name(enum sock_state st);

/* Keep bytes read but not delivered (at the front: they came first).
 * Returns 0 or -1 when out of memory. */
int		 sock_hold(struct sock *s, const void *p, size_t n,
		    const struct sockaddr_storage *from, socklen_t fromlen, bool front);
/* Take held bytes: up to len from the stream, or one whole datagram (its
 * tail beyond len dropped, as the kernel does).  Peek leaves them held.
 * Returns the bytes copied; *full gets the datagram's whole length. */
size_t		 sock_take(struct sock *s, char *out, size_t len, bool peek,
		    struct sockaddr_storage *from, socklen_t *fromlen, size_t *full);
bool		 sock_is_stream(const struct sock *s);
/* Bytes were held back on s (a receive that took them was cancelled):
 * its next reader is tried soon, since no readiness will say so. */
void		 sock_kick(struct sock *s);
/* Try the readers of the sockets kicked (run by the daemon after the
 * current callbacks). */
void		 sock_kick_run(struct sock6d *d);
/* Count bytes received and sent on s: its own counters, its owner's and
 * the daemon's. */
void		 sock_count(struct sock *s, size_t in, size_t out);

/* Give a side to another consumer.  Only from the waiting calls, and only
 * while none waits on that side: 0, or -1 with e set (1013). */
int		 sock_claim(struct sock *s, enum sock_side side, const struct sock_consumer *c,
		    void *ctx, struct s6err *e);
/* Give the side back to the waiting calls. */
void		 sock_release(struct sock *s, enum sock_side side);
static inline enum sock_consumer_kind
sock_consumer_kind(const struct sock *s, enum sock_side side)
{
	return s->consumer[side]->kind;
}
/* Error 1013 for a call on a side another consumer holds. */
void		 sock_busy_error(const struct sock *s, enum sock_side side, struct s6err *e);
/* The side's consumer wants readiness (on) or not; from that consumer only. */
void		 sock_watch(struct sock *s, enum sock_side side, bool on);

#endif
