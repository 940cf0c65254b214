/* reload.c: the policy file read again on a thread of its own, put in
 * force on the loop (see reload.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <ev.h>

#include "grant.h"
#include "log.h"
#include "reload.h"
#include "service.h"
#include "sock6d.h"

LIST_HEAD(waiter_list, reload_waiter);

struct reload_waiter {
	struct reload		*r;
	reload_done_fn		 done;
	void			*ctx;
	LIST_ENTRY(reload_waiter) entry;
};

/* One read of the file: the thread's inputs and its result. */
struct reload_read {
	struct reload		*owner;		/* NULL once the daemon stopped */
	char			*path;
	const char *const	*overrides;	/* the command line's: live as long */
	size_t			 noverrides;
	struct policy		*policy;	/* the result, or NULL with err */
	bool			 missing;
	char			 err[512];
};

struct reload {
	struct sock6d		*d;
	ev_async		 back;		/* a read is over */
	struct reload_read	*running;	/* the read under way */
	struct reload_read	*finished;	/* set by its thread (under lock) */
	struct waiter_list	 current;	/* told of the read under way */
	struct waiter_list	 next;		/* asked since it started */
};

/* Guards `finished` and `owner` between the loop and a reading thread
 * (which may outlive its struct reload at shutdown). */
static pthread_mutex_t reload_lock = PTHREAD_MUTEX_INITIALIZER;

static void
read_free(struct reload_read *rd)
{
	policy_free(rd->policy);
	free(rd->path);
	free(rd);
}

static void *
reader(void *arg)
{
	struct reload_read *rd = arg;
	struct reload *owner;

	rd->policy = grant_read(rd->path, rd->overrides, rd->noverrides, &rd->missing,
	    rd->err, sizeof(rd->err));
	pthread_mutex_lock(&reload_lock);
	if ((owner = rd->owner) != NULL) {
		owner->finished = rd;
		ev_async_send(owner->d->loop, &owner->back);
	}
	pthread_mutex_unlock(&reload_lock);
	if (owner == NULL)
		read_free(rd);
	return NULL;
}

/* Start a read for the waiters on `current`; -1 with err when it cannot. */
static int
reload_start(struct reload *r, char *err, size_t errlen)
{
	struct reload_read *rd;
	sigset_t all, old;
	pthread_t t;
	int rc;

	if ((rd = calloc(1, sizeof(*rd))) == NULL ||
	    (rd->path = strdup(r->d->policy_path)) == NULL) {
		free(rd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rd->owner = r;
	rd->overrides = r->d->limit_overrides;
	rd->noverrides = r->d->nlimit_overrides;
	r->running = rd;
	service_reloading(&r->d->service);
	/* Every signal blocked on the thread: the loop takes them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, NULL, reader, rd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		r->running = NULL;
		read_free(rd);
		service_reloaded(&r->d->service);
		snprintf(err, errlen, "cannot start a thread to read the policy file: %s",
		    strerror(rc));
		return -1;
	}
	pthread_detach(t);
	return 0;
}

/* Tell every waiter on list of the outcome, and free them. */
static void
reload_tell(struct waiter_list *list, int rc, const char *err)
{
	struct reload_waiter *w;

	while ((w = LIST_FIRST(list)) != NULL) {
		LIST_REMOVE(w, entry);
		if (w->done != NULL)
			w->done(w->ctx, rc, err);
		free(w);
	}
}

/* Those who asked while the last read ran are told of one more. */
static void
reload_again(struct reload *r)
{
	struct reload_waiter *w;
	char err[512];

	while ((w = LIST_FIRST(&r->next)) != NULL) {
		LIST_REMOVE(w, entry);
		LIST_INSERT_HEAD(&r->current, w, entry);
	}
	if (!LIST_EMPTY(&r->current) && reload_start(r, err, sizeof(err)) == -1) {
		log_error("policy not reloaded, the old one stays: %s", err);
		reload_tell(&r->current, -1, err);
	}
}

static void
back_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct reload *r = w->data;
	struct reload_read *rd;
	int rc = 0;

	pthread_mutex_lock(&reload_lock);
	rd = r->finished;
	r->finished = NULL;
	pthread_mutex_unlock(&reload_lock);
	if (rd == NULL)
		return;
	r->running = NULL;
	if (rd->policy != NULL) {
		grant_adopt(r->d, rd->policy, rd->missing);
		rd->policy = NULL;
	} else {
		log_error("policy not reloaded, the old one stays: %s", rd->err);
		rc = -1;
	}
	service_reloaded(&r->d->service);
	reload_tell(&r->current, rc, rd->err);
	read_free(rd);
	reload_again(r);
}

static struct reload *
reload_get(struct sock6d *d)
{
	struct reload *r;

	if (d->reload != NULL)
		return d->reload;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->d = d;
	LIST_INIT(&r->current);
	LIST_INIT(&r->next);
	ev_async_init(&r->back, back_cb);
	r->back.data = r;
	ev_async_start(d->loop, &r->back);
	return d->reload = r;
}

struct reload_waiter *
reload_request(struct sock6d *d, reload_done_fn done, void *ctx, char *err, size_t errlen)
{
	struct reload *r;
	struct reload_waiter *w;

	if ((r = reload_get(d)) == NULL || (w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->r = r;
	w->done = done;
	w->ctx = ctx;
	if (r->running != NULL) {
		LIST_INSERT_HEAD(&r->next, w, entry);
		return w;
	}
	LIST_INSERT_HEAD(&r->current, w, entry);
	if (reload_start(r, err, errlen) == -1) {
		LIST_REMOVE(w, entry);
		free(w);
		log_error("policy not reloaded, the old one stays: %s", err);
		return NULL;
	}
	return w;
}

void
reload_cancel(struct reload_waiter *w)
{
	LIST_REMOVE(w, entry);
	free(w);
}

bool
reload_running(const struct sock6d *d)
{
	return d->reload != NULL && d->reload->running != NULL;
}

static void
waiters_free(struct waiter_list *list)
{
	struct reload_waiter *w;

	while ((w = LIST_FIRST(list)) != NULL) {
		LIST_REMOVE(w, entry);
		free(w);
	}
}

void
reload_free(struct sock6d *d)
{
	struct reload *r = d->reload;
	struct reload_read *done;

	if (r == NULL)
		return;
	ev_async_stop(d->loop, &r->back);
	pthread_mutex_lock(&reload_lock);
	done = r->finished;
	if (r->running != NULL && done == NULL)
		r->running->owner = NULL;	/* its thread frees it */
	pthread_mutex_unlock(&reload_lock);
	if (done != NULL)
		read_free(done);
	waiters_free(&r->current);
	waiters_free(&r->next);
	free(r);
	d->reload = NULL;
}
