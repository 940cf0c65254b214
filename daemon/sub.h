/* sub.h: a subscription: the consumer of a socket's read side that pushes
 * what the socket receives to one control connection as notifications
 * (socket.data, socket.datagram, socket.accepted, socket.eof, socket.error,
 * socket.paused), within its credit and its connection's output marks.
 *
 * Backpressure, never loss: with no credit left, or while the connection
 * is above its high mark, the socket is not read at all, so a TCP peer is
 * slowed by its own window.  Bytes are read straight into the output queue
 * and base64-encoded there, in place.  A subscription ends with
 * unsubscribe, the socket's end of file or error, the socket's close, or
 * its connection; bytes read and not delivered stay held on the handle. */
#ifndef SOCK6D_SUB_H
#define SOCK6D_SUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct conn;
struct sock;
struct sock6d;
struct sub;

struct sub_params {
	bool		unlimited;	/* credit null */
	uint64_t	credit;		/* bytes, or connections for a listener */
	bool		text;		/* encoding "text" */
	size_t		max_chunk;	/* bytes per notification */
};

/* Subscribe conn to s: 0, or -1 with e set (1013 when its read side is
 * taken or calls wait on it). */
int		 sub_start(struct conn *c, struct sock *s, const struct sub_params *p,
		    struct s6err *e);
/* The subscription of s made by c: NULL with e set (1013 when another
 * connection's, EINVAL when there is none). */
struct sub	*sub_find(const struct sock *s, const struct conn *c, struct s6err *e);
/* Add credit; the credit now (UINT64_MAX: unlimited). */
uint64_t	 sub_credit(struct sub *u, uint64_t add);
/* End it; bytes not delivered stay held on the handle. */
void		 sub_end(struct sub *u);
/* Serve the subscriptions whose sockets became ready, a slice of them per
 * loop turn (run by the daemon after the callbacks). */
void		 sub_run(struct sock6d *d);
/* Whether some wait for a later slice. */
bool		 sub_pending(const struct sock6d *d);
/* The offset of the next byte (the seq of the next datagram) delivered. */
uint64_t	 sub_next_offset(const struct sock *s);

#endif
