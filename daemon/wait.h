/* wait.h: an operation that waits inside the loop for its socket.
 *
 * The syscall is tried before parking.  Parked, the io watcher and the
 * timer are armed together; readiness retries the head of the queue; when
 * the timer fires the syscall is retried once more before a timeout is
 * reported (the egg's lost-wakeup lesson).  Timeouts bound inactivity: an
 * attempt that makes progress restarts the timer.  An attempt that would
 * take bytes into a reply its caller's output has no room for is blocked:
 * it takes nothing, and the socket is not watched for it until the
 * caller's output drains (memory follows reading). */
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

enum attempt { ATTEMPT_DONE, ATTEMPT_AGAIN, ATTEMPT_PROGRESS, ATTEMPT_BLOCKED };

struct waiter_ops {
	/* Try the syscall; on DONE the outcome is in w->result or w->err. */
	enum attempt	(*attempt)(struct waiter *w);
	/* The timer expired with the syscall still not ready (may be NULL). */
	void		(*expired)(struct waiter *w);
	/* Release op state (called exactly once). */
	void		(*destroy)(struct waiter *w);
	/* The op is about to wait: take what waiting holds; false, with e,
	 * when it may not (may be NULL). */
	bool		(*park)(struct waiter *w, struct s6err *e);
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
	bool			 blocked;	/* waits for room in its caller's output */
	json_object		*result;
	struct result_text	 text;		/* the result, when text.write is set */
	struct s6err		 err;
	TAILQ_ENTRY(waiter)	 entry;
};

void		 waiter_init(struct waiter *w, const struct waiter_ops *ops, struct call *c,
		    struct sock *s, int events, int64_t timeout_ms);
/* Attempt now; answer at once if done, else park and answer pending. */
const struct answer *waiter_start(struct waiter *w);
/* The same for a call that is already parked (after a lookup): the
 * outcome is delivered from here, now or later. */
void		 waiter_continue(struct waiter *w);
/* The socket became readable or writable: serve its queues. */
void		 waiter_ready(struct sock *s, int events);
/* Fail every waiter of s with e (the socket is closing). */
void		 waiter_fail_all(struct sock *s, const struct s6err *e);
/* From inside attempt(), before taking bytes: whether a reply whose result
 * object has up to n bytes of text may be made now.  If not, *r is what
 * attempt() returns: ATTEMPT_BLOCKED when it may later, ATTEMPT_DONE with
 * error 1012 when it never may (larger than output_max). */
bool		 waiter_room(struct waiter *w, size_t n, enum attempt *r);
/* Record outcomes from inside attempt(). */
enum attempt	 waiter_done(struct waiter *w, json_object *result);
/* The same for a result written in place (it must stay valid until the
 * waiter is destroyed). */
enum attempt	 waiter_done_text(struct waiter *w, const struct result_text *r);
enum attempt	 waiter_error(struct waiter *w, const struct s6err *e);

#endif
