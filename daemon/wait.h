/* wait.h: an operation that waits inside the loop for its socket.
 *
 * The syscall is tried before parking.  Parked, the io watcher and the
 * timer are armed together; readiness retries the head of the queue; when
 * the timer fires the syscall is retried once more before a timeout is
 * reported (the egg's lost-wakeup lesson).  Timeouts bound inactivity: an
 * attempt that makes progress restarts the timer. */
#ifndef SOCK6D_WAIT_H
#define SOCK6D_WAIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <ev.h>
#include <json-c/json.h>

#include "error.h"
#include "rpc.h"

struct sock;
struct waiter;

enum attempt { ATTEMPT_DONE, ATTEMPT_AGAIN, ATTEMPT_PROGRESS };

struct waiter_ops {
	/* Try the syscall; on DONE the outcome is in w->result or w->err. */
	enum attempt	(*attempt)(struct waiter *w);
	/* The timer expired with the syscall still not ready (may be NULL). */
	void		(*expired)(struct waiter *w);
	/* Release op state (called exactly once). */
	void		(*destroy)(struct waiter *w);
	/* The op takes bytes from the socket: never attempt it for a client
	 * that has gone, or the bytes would be lost with the reply. */
	bool		consumes;
};

struct waiter {
	const struct waiter_ops	*ops;
	struct sock		*sock;
	struct call		*call;
	int			 events;	/* EV_READ or EV_WRITE */
	double			 timeout;	/* seconds; < 0: none */
	ev_timer		 timer;
	bool			 parked;
	bool			 nowait;	/* dontwait: never queue, EAGAIN instead */
	bool			 failed;
	json_object		*result;
	struct s6err		 err;
	TAILQ_ENTRY(waiter)	 entry;
};

void		 waiter_init(struct waiter *w, const struct waiter_ops *ops, struct call *c,
		    struct sock *s, int events, int64_t timeout_ms);
/* Attempt now; answer at once if done, else park and answer pending. */
struct answer	 waiter_start(struct waiter *w);
/* The same for a call that is already parked (after a lookup): the
 * outcome is delivered from here, now or later. */
void		 waiter_continue(struct waiter *w);
/* The socket became readable or writable: serve its queues. */
void		 waiter_ready(struct sock *s, int events);
/* Fail every waiter of s with e (the socket is closing). */
void		 waiter_fail_all(struct sock *s, const struct s6err *e);
/* Record outcomes from inside attempt(). */
enum attempt	 waiter_done(struct waiter *w, json_object *result);
enum attempt	 waiter_error(struct waiter *w, const struct s6err *e);

#endif
