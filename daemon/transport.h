/* transport.h: the bytes of one control connection, whatever they mean.
 *
 * A transport owns the connection's fd, its capped input buffer and its
 * output queue: bytes, some of which carry a descriptor passed with them
 * (SCM_RIGHTS on that byte).  It reads while its mode wants input, writes
 * what is queued (the write watcher starts only after EAGAIN), and tells
 * the mode above it what happened: input arrived, the peer finished
 * sending, the peer went away, output drained.  What the bytes mean belongs
 * to the mode: the NDJSON RPC session (conn.c) or the raw relay of attach
 * (relay.c), which takes the fd's readiness itself.
 *
 * The hang-up hub: every transport's fd sits in one epoll set that asks for
 * no event, so it reports only POLLHUP and POLLERR, a full close or reset
 * by the peer (a shutdown of its sending side alone is not one).  Its
 * watcher runs before any other callback of a loop turn, so a client that
 * has gone is known gone before a socket is read on its behalf. */
#ifndef SOCK6D_TRANSPORT_H
#define SOCK6D_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <ev.h>

#include "buf.h"

struct transport;

struct transport_ops {
	/* Bytes arrived in t->in (or it is full and was not read, or it grew
	 * and nothing came). */
	void	(*input)(void *ctx);
	/* The peer shut down its sending side: no more input will come. */
	void	(*input_end)(void *ctx);
	/* The peer closed or reset the connection, or a read or write failed. */
	void	(*gone)(void *ctx);
	/* `written` bytes left the queue, which held `before` bytes. */
	void	(*drained)(void *ctx, size_t written, size_t before);
	/* Raw mode only: the fd is readable or writable (EV_READ, EV_WRITE). */
	void	(*ready)(void *ctx, int events);
	/* A read needs a larger input buffer: the most bytes its allocation
	 * may reach now (NULL: its cap).  Reading stops there, in_limited is
	 * set and ops->input is called as for a full buffer. */
	size_t	(*input_limit)(void *ctx);
};

/* A descriptor that leaves with the byte at `at` of the output stream. */
struct transport_fd {
	uint64_t	at;
	int		fd;
};

struct transport_hub {
	struct ev_loop	*loop;
	int		 epfd;
	ev_io		 io;
};

struct transport {
	struct transport_hub		*hub;
	int				 fd;
	ev_io				 rio, wio;
	struct buf			 in, out;
	uint64_t			 sent;		/* bytes of the stream written */
	struct transport_fd		*fds;		/* descriptors queued, in order */
	size_t				 nfds, fds_cap;
	const struct transport_ops	*ops;
	void				*ctx;
	bool				 reading;	/* rio started */
	bool				 raw;		/* the mode does the fd's I/O */
	bool				 input_ended;
	bool				 hungup;	/* the hub saw the peer go */
	bool				 in_hub;
	bool				 closed;
	bool				 in_limited;	/* the last read found no room
							 * within ops->input_limit */
	/* Told once for each descriptor passed when it leaves the queue:
	 * sent, or closed unsent. */
	void				(*fd_done)(void *arg);
	void				*fd_done_arg;
};

/* The hub of a loop; 0 or -1. */
int		 transport_hub_init(struct transport_hub *h, struct ev_loop *loop);
void		 transport_hub_free(struct transport_hub *h);

/* Take over fd (non-blocking, close-on-exec) with caps on both queues. */
void		 transport_init(struct transport *t, struct transport_hub *hub, int fd,
		    size_t in_cap, size_t out_cap, const struct transport_ops *ops, void *ctx);
/* Hand the transport to another mode (the NDJSON session to a relay). */
void		 transport_set_mode(struct transport *t, const struct transport_ops *ops,
		    void *ctx, bool raw);
/* Read while `on` (and the peer has not finished sending); no effect in raw mode. */
void		 transport_set_reading(struct transport *t, bool on);
/* Raw mode: which readiness the mode wants to hear of. */
void		 transport_watch(struct transport *t, int events);
/* Space for n bytes at the end of the queue, then commit them; NULL past
 * the queue's cap. */
char		*transport_reserve(struct transport *t, size_t n);
void		 transport_commit(struct transport *t, size_t n);
/* Take over the whole of *b as the queue when the queue is empty and b
 * fits (b then gets the queue's old allocation); false otherwise. */
bool		 transport_commit_buf(struct transport *t, struct buf *b);
/* The next byte committed carries fd, which the transport now owns (closed
 * once sent, or with the transport).  0, or -1 when out of memory or
 * closed (fd closed).  Either way fd_done is told once when fd leaves. */
int		 transport_pass_fd(struct transport *t, int fd);
/* Who is told of each passed descriptor that leaves (see fd_done); it
 * stays with the transport whatever mode takes it over. */
void		 transport_on_fd_done(struct transport *t, void (*fn)(void *), void *arg);
/* Write what is queued now.  -1 when the peer has gone (ops->gone is not
 * called from here: the caller decides). */
int		 transport_flush(struct transport *t);
static inline size_t transport_queued(const struct transport *t) { return buf_len(&t->out); }
/* Shut down the sending side (the peer reads end of file). */
void		 transport_shutdown(struct transport *t);
/* Stop everything and close the fd and any descriptor still queued. */
void		 transport_close(struct transport *t);
/* Free the queues (after close).  The bytes given back. */
size_t		 transport_free(struct transport *t);

#endif
