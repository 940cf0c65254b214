/* context.c: the daemon context: setting up the tables, freeing dead
 * connections and sockets after each loop turn (never inside their own
 * callbacks), and shutting everything down. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "control.h"
#include "grant.h"
#include "reload.h"
#include "resolve.h"
#include "rpc.h"
#include "sub.h"
#include "sock.h"
#include "sock6d.h"

/* Free what was closed during this turn: before the loop waits again, so
 * that every callback of the turn is done with it (an ev_check watcher
 * would run before the turn's other callbacks, and leave what they close
 * until the next event, however late). */
static void
reaper_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct sock6d *d = w->data;
	struct conn *c;
	struct sock *s;

	while ((c = d->dead_conns) != NULL) {
		d->dead_conns = c->next_dead;
		conn_free(c);
	}
	while ((s = d->dead_socks) != NULL) {
		d->dead_socks = s->next_dead;
		sock_free(s);
	}
}

/* Work put off until the current callbacks are done: calls waiting for
 * output room where some was freed, readers of sockets with bytes held
 * back, then one write for each connection its producers wrote to.  Runs
 * before the loop waits, outside any other callback. */
static void
deferred_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct sock6d *d = w->data;

	conn_room_run(d);
	sock_kick_run(d);
	sub_run(d);
	conn_flush_run(d);
	if (LIST_EMPTY(&d->room_ready) && LIST_EMPTY(&d->kick) && !sub_pending(d) &&
	    LIST_EMPTY(&d->flush_soon))
		ev_prepare_stop(loop, w);
}

/* Active while subscriptions wait for a slice: the loop polls without
 * waiting, and the prepare watcher serves the next slice. */
static void
slice_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
}

void
sock6d_defer(struct sock6d *d)
{
	ev_prepare_start(d->loop, &d->deferred);
}

/* Memory policy.  Large blocks (replies, queues) come from the heap and,
 * once freed, stay there for the next reply to reuse: fresh pages cost a
 * page fault each, which makes up most of the price of a large reply.
 * The daemon gives the heap's free memory back itself once TRIM_AFTER
 * bytes of queues were freed: after a quiet moment (TRIM_QUIET without
 * more being freed), and at the latest TRIM_LATEST after the first of
 * them.  A burst leaves nothing behind for long; steady work keeps
 * reusing its pages. */
#define TRIM_AFTER	(1u << 20)
#define TRIM_QUIET	1.0
#define TRIM_LATEST	10.0
#define HEAP_BLOCKS_UP_TO	(32u << 20)	/* glibc's largest mmap threshold */

void
sock6d_memory_policy(void)
{
	mallopt(M_MMAP_THRESHOLD, (int)HEAP_BLOCKS_UP_TO);
	mallopt(M_TRIM_THRESHOLD, (int)(2 * HEAP_BLOCKS_UP_TO));
}

/* Trim once the frees have been quiet for TRIM_QUIET, or at trim_by. */
static void
trim_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sock6d *d = w->data;
	ev_tstamp quiet = d->last_freed + TRIM_QUIET, now = ev_now(loop);

	if (quiet > now && quiet < d->trim_by) {
		ev_timer_set(w, quiet - now, 0.);
		ev_timer_start(loop, w);
		return;
	}
	malloc_trim(0);
	d->freed = 0;
}

void
sock6d_freed(struct sock6d *d, size_t n)
{
	ev_tstamp now = ev_now(d->loop);

	d->freed += n;
	if (n == 0 || d->freed < TRIM_AFTER)
		return;
	d->last_freed = now;
	/* An expired timer waiting for its turn is left to run. */
	if (ev_is_active(&d->trim) || ev_is_pending(&d->trim))
		return;
	d->trim_by = now + TRIM_LATEST;
	ev_timer_set(&d->trim, TRIM_QUIET, 0.);
	ev_timer_start(d->loop, &d->trim);
}

int
sock6d_init(struct sock6d *d, struct ev_loop *loop, const struct limits *l)
{
	memset(d, 0, sizeof(*d));
	d->loop = loop;
	d->limits = *l;
	d->listen_fd = -1;
	d->rpc = &rpc_session;
	TAILQ_INIT(&d->conns);
	handle_table_init(&d->handles);
	user_table_init(&d->users);
	if (transport_hub_init(&d->hub, loop) == -1)
		return -1;
	if ((d->resolver = resolver_new(loop, (unsigned)l->resolver_threads,
	    (unsigned)l->resolver_queue)) == NULL) {
		transport_hub_free(&d->hub);
		return -1;
	}
	resolver_set_shares(d->resolver, (unsigned)l->resolver_queue_per_user,
	    (unsigned)l->resolver_threads_per_user);
	d->started = ev_time();
	d->internal_log.interval = d->overflow_log.interval = LOG_RATELIMIT_INTERVAL;
	ev_prepare_init(&d->reaper, reaper_cb);
	d->reaper.data = d;
	ev_prepare_start(loop, &d->reaper);
	LIST_INIT(&d->room_ready);
	LIST_INIT(&d->kick);
	ev_prepare_init(&d->deferred, deferred_cb);
	d->deferred.data = d;
	TAILQ_INIT(&d->ready_subs);
	ev_idle_init(&d->slice, slice_cb);
	ev_timer_init(&d->trim, trim_cb, TRIM_QUIET, 0.);
	d->trim.data = d;
	return 0;
}

void
sock6d_close_conns(struct sock6d *d)
{
	struct conn *c;

	control_close(d);
	while ((c = TAILQ_FIRST(&d->conns)) != NULL)
		conn_close(c);
}

void
sock6d_shutdown(struct sock6d *d)
{
	struct sock **socks;
	size_t i, n;

	sock6d_close_conns(d);
	n = handle_collect(&d->handles, &socks);
	for (i = 0; i < n; i++)
		sock_close(socks[i]);
	free(socks);
	reaper_cb(d->loop, &d->reaper, 0);
	ev_prepare_stop(d->loop, &d->reaper);
	ev_prepare_stop(d->loop, &d->deferred);
	ev_idle_stop(d->loop, &d->slice);
	ev_timer_stop(d->loop, &d->trim);
	resolver_free(d->resolver);
	d->resolver = NULL;
	reload_free(d);
	transport_hub_free(&d->hub);
	handle_table_free(&d->handles);
	user_table_free(&d->users);
	while (d->nspare_calls > 0)
		free(d->spare_calls[--d->nspare_calls]);
	while (d->nspare_requests > 0)
		free(d->spare_requests[--d->nspare_requests]);
	free(d->scratch);
	d->scratch = NULL;
	d->scratch_size = 0;
	grant_free(d);
}
