/* resolve.c: the resolver pool: worker threads, a bounded job queue, and
 * the ev_async that hands finished jobs back to the loop. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "resolve.h"

/* One user's part of the pool: its jobs (waiting, running or finished)
 * and the workers running them. */
struct share {
	uid_t		uid;
	unsigned	jobs, running;
};

struct resolver {
	struct ev_loop		*loop;
	ev_async		 wake;
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;
	struct resolve_job	*queue, **queue_tail;	/* waiting for a worker */
	struct resolve_job	*finished;		/* waiting for the loop */
	unsigned		 jobs;			/* queued + running + finished */
	unsigned		 max_jobs, max_threads;
	unsigned		 user_jobs, user_threads;	/* one user's share */
	struct share		*shares;		/* users with jobs: max_jobs slots */
	unsigned		 nshares;
	unsigned		 threads;
	unsigned		 idle;
	bool			 stopping;
	unsigned		 alive;			/* workers not yet exited */
};

static void
job_free(struct resolve_job *job)
{
	if (job->res != NULL)
		freeaddrinfo(job->res);
	free(job->node);
	free(job->service);
	free(job);
}

/* Run one job: the only blocking calls in sock6d, on a worker thread. */
static void
job_run(struct resolve_job *job)
{
	errno = 0;
	if (job->kind == RESOLVE_ADDRINFO)
		job->rc = getaddrinfo(job->node, job->service, &job->hints, &job->res);
	else
		job->rc = getnameinfo((struct sockaddr *)&job->sa, job->salen,
		    job->host, sizeof(job->host), job->serv, sizeof(job->serv), job->niflags);
	job->errnum = errno;
}

/* Free a stopped resolver nobody uses any more, with the jobs never run. */
static void
resolver_destroy(struct resolver *r)
{
	struct resolve_job *job;

	while ((job = r->queue) != NULL) {
		r->queue = job->next;
		job_free(job);
	}
	pthread_cond_destroy(&r->work);
	pthread_mutex_destroy(&r->lock);
	free(r->shares);
	free(r);
}

/* The share of uid (under the lock); NULL when it has no job. */
static struct share *
share_find(struct resolver *r, uid_t uid)
{
	unsigned i;

	for (i = 0; i < r->nshares; i++)
		if (r->shares[i].uid == uid)
			return &r->shares[i];
	return NULL;
}

/* A job of uid ended: drop it from the share (under the lock). */
static void
share_release(struct resolver *r, uid_t uid)
{
	struct share *sh = share_find(r, uid);

	if (sh != NULL && --sh->jobs == 0)
		*sh = r->shares[--r->nshares];
}

/* Take the oldest waiting job whose user holds fewer workers than its
 * share (under the lock); NULL when there is none. */
static struct resolve_job *
queue_take(struct resolver *r)
{
	struct resolve_job **pp, *job;
	struct share *sh;

	for (pp = &r->queue; (job = *pp) != NULL; pp = &job->next) {
		sh = share_find(r, job->uid);
		if (sh->running >= (job->share_threads ? job->share_threads : r->user_threads))
			continue;
		sh->running++;
		if ((*pp = job->next) == NULL)
			r->queue_tail = pp;
		return job;
	}
	return NULL;
}

static void *
worker(void *arg)
{
	struct resolver *r = arg;
	struct resolve_job *job = NULL;
	bool last;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->stopping && (job = queue_take(r)) == NULL) {
			r->idle++;
			pthread_cond_wait(&r->work, &r->lock);
			r->idle--;
		}
		if (r->stopping)
			break;
		pthread_mutex_unlock(&r->lock);
		job_run(job);
		pthread_mutex_lock(&r->lock);
		share_find(r, job->uid)->running--;
		if (r->stopping) {
			job_free(job);
			break;
		}
		job->next = r->finished;
		r->finished = job;
		ev_async_send(r->loop, &r->wake);
		/* A job its user's share held back may run now. */
		if (r->queue != NULL)
			pthread_cond_broadcast(&r->work);
	}
	last = --r->alive == 0;
	pthread_mutex_unlock(&r->lock);
	if (last)
		resolver_destroy(r);	/* the loop has already let go of it */
	return NULL;
}

/* On the loop: deliver finished jobs. */
static void
wake_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct resolver *r = w->data;
	struct resolve_job *job, *list;

	pthread_mutex_lock(&r->lock);
	list = r->finished;
	r->finished = NULL;
	pthread_mutex_unlock(&r->lock);
	/* The list is newest first; deliver oldest first. */
	for (job = NULL; list != NULL; ) {
		struct resolve_job *next = list->next;

		list->next = job;
		job = list;
		list = next;
	}
	while (job != NULL) {
		struct resolve_job *next = job->next;

		pthread_mutex_lock(&r->lock);
		r->jobs--;
		share_release(r, job->uid);
		pthread_mutex_unlock(&r->lock);
		if (!job->cancelled) {
			struct creds_saved saved;

			creds_enter(job->creds, &saved);
			job->done(job);
			creds_leave(&saved);
		}
		job_free(job);
		job = next;
	}
}

struct resolver *
resolver_new(struct ev_loop *loop, unsigned max_threads, unsigned max_jobs)
{
	struct resolver *r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->shares = calloc(max_jobs, sizeof(*r->shares))) == NULL) {
		free(r);
		return NULL;
	}
	r->loop = loop;
	r->max_threads = r->user_threads = max_threads;
	r->max_jobs = r->user_jobs = max_jobs;
	r->queue_tail = &r->queue;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->work, NULL);
	ev_async_init(&r->wake, wake_cb);
	r->wake.data = r;
	ev_async_start(loop, &r->wake);
	return r;
}

/* Start one more worker, with every signal blocked (the loop takes them). */
static int
spawn_worker(struct resolver *r)
{
	sigset_t all, old;
	pthread_t t;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, NULL, worker, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	pthread_detach(t);
	r->threads++;
	r->alive++;
	return 0;
}

void
resolver_set_shares(struct resolver *r, unsigned user_jobs, unsigned user_threads)
{
	pthread_mutex_lock(&r->lock);
	r->user_jobs = user_jobs;
	r->user_threads = user_threads;
	pthread_mutex_unlock(&r->lock);
}

void
resolver_free(struct resolver *r)
{
	struct resolve_job *job;
	bool none;

	if (r == NULL)
		return;
	ev_async_stop(r->loop, &r->wake);
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	while ((job = r->finished) != NULL) {
		r->finished = job->next;
		job_free(job);
	}
	none = r->alive == 0;
	pthread_cond_broadcast(&r->work);
	pthread_mutex_unlock(&r->lock);
	if (none)
		resolver_destroy(r);
	/* Otherwise the last worker to exit frees it; one stuck in a lookup
	 * does not hold up the daemon's exit. */
}

struct resolve_job *
resolve_job_new(enum resolve_kind kind, const char *node, const char *service)
{
	struct resolve_job *job;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return NULL;
	job->kind = kind;
	if ((node != NULL && (job->node = strdup(node)) == NULL) ||
	    (service != NULL && (job->service = strdup(service)) == NULL)) {
		job_free(job);
		return NULL;
	}
	return job;
}

static bool
numeric_service(const char *service)
{
	if (service == NULL)
		return true;
	if (*service == '\0')
		return false;
	return strspn(service, "0123456789") == strlen(service);
}

/* Answer at once a job that consults no database (no hosts, DNS or services
 * lookup), rather than queue it behind slow ones.  getaddrinfo itself
 * decides whether the node is numeric: with AI_NUMERICHOST it never looks a
 * name up, and a name it refuses goes to the pool.  Whether it was done. */
static bool
job_run_numeric(struct resolve_job *job)
{
	int flags = job->hints.ai_flags;

	if (job->kind == RESOLVE_NAMEINFO) {
		if ((job->niflags & (NI_NUMERICHOST | NI_NUMERICSERV)) !=
		    (NI_NUMERICHOST | NI_NUMERICSERV))
			return false;
		job_run(job);
		return true;
	}
	if (!numeric_service(job->service)) {
		if (!(flags & AI_NUMERICSERV))
			return false;		/* a service name: /etc/services or NSS */
		job_run(job);			/* refused before any host lookup */
		return true;
	}
	job->hints.ai_flags |= AI_NUMERICHOST;
	job_run(job);
	job->hints.ai_flags = flags;
	if (job->rc == EAI_NONAME && job->node != NULL && !(flags & AI_NUMERICHOST)) {
		/* A name, not a number: it needs the real lookup. */
		if (job->res != NULL) {
			freeaddrinfo(job->res);
			job->res = NULL;
		}
		return false;
	}
	return true;
}

int
resolve_submit(struct resolver *r, struct resolve_job *job, struct s6err *e)
{
	struct share *sh;
	unsigned share_jobs = job->share_jobs ? job->share_jobs : r->user_jobs;

	if (job_run_numeric(job)) {
		job->done(job);
		job_free(job);
		return 0;
	}
	job->uid = job->creds != NULL ? job->creds->uid : 0;
	pthread_mutex_lock(&r->lock);
	sh = share_find(r, job->uid);
	if (r->jobs >= r->max_jobs || (sh != NULL && sh->jobs >= share_jobs)) {
		pthread_mutex_unlock(&r->lock);
		job_free(job);
		if (r->jobs >= r->max_jobs)
			err_limit(e, "resolver_queue", (long)r->max_jobs);
		else
			err_limit(e, "resolver_queue_per_user", (long)share_jobs);
		return -1;
	}
	if (r->idle == 0 && r->threads < r->max_threads && spawn_worker(r) == -1 &&
	    r->threads == 0) {
		pthread_mutex_unlock(&r->lock);
		job_free(job);
		err_set(e, S6_INTERNAL_ERROR, "cannot start a resolver thread");
		return -1;
	}
	r->jobs++;
	if (sh == NULL) {
		sh = &r->shares[r->nshares++];	/* fewer users than jobs */
		sh->uid = job->uid;
		sh->jobs = sh->running = 0;
	}
	sh->jobs++;
	job->next = NULL;
	*r->queue_tail = job;
	r->queue_tail = &job->next;
	pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

void
resolve_cancel(struct resolve_job *job)
{
	/* Only the loop reads it, when the job comes back. */
	job->cancelled = true;
}

void
resolve_error(const struct resolve_job *job, const char *syscall, struct s6err *e)
{
	if (job->rc == EAI_SYSTEM) {
		err_sys(e, job->errnum, syscall, gai_strerror(job->rc), false);
		e->code = S6_RESOLVE;
	} else {
		err_set(e, S6_RESOLVE, "%s", gai_strerror(job->rc));
		e->syscall = syscall;
	}
	e->gai = job->rc;
}
