/* relay.h: the raw relay of socket.attach: after its reply, a control
 * connection becomes a byte pipe to one socket, both ways.
 *
 * Each direction has a bounded window (a pipe for splice(2) between two
 * stream sockets, else a buffer) and reads its source only while the
 * window has room: a slow side slows the other, nothing grows.  End of
 * file on one side shuts down the other's sending side; when both
 * directions have ended the connection closes and the handle stays (shut
 * both ways).  A reset or hang-up of either side closes both, handle
 * included.  With len4 framing each datagram travels as a 4-byte
 * big-endian length and its bytes. */
#ifndef SOCK6D_RELAY_H
#define SOCK6D_RELAY_H

#include <stdbool.h>

#include "error.h"

struct conn;
struct sock;
struct relay;

/* Claim both sides of s for a relay on c, which takes c's transport over
 * once the current request is answered.  0, or -1 with e (1013). */
int	relay_prepare(struct conn *c, struct sock *s, bool len4, bool shutdown_on_eof,
	    struct s6err *e);

#endif
