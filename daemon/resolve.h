/* resolve.h: name resolution off the event loop.  getaddrinfo and
 * getnameinfo run on a small pool of worker threads; results come back to
 * the loop through an ev_async.  Jobs carry plain C data only (no json-c
 * object crosses threads).  The pool and its queue are bounded, and so is
 * each user's share of them: the jobs it may have at once, and the workers
 * its jobs may hold at once (a worker skips the jobs of a user at its
 * share, so one user's hanging lookups never hold every worker). */
#ifndef SOCK6D_RESOLVE_H
#define SOCK6D_RESOLVE_H

#include <stdbool.h>
#include <netdb.h>
#include <sys/socket.h>
#include <ev.h>

#include "creds.h"
#include "error.h"

struct resolver;
struct resolve_job;

typedef void (*resolve_done_fn)(struct resolve_job *job);

enum resolve_kind { RESOLVE_ADDRINFO, RESOLVE_NAMEINFO };

struct resolve_job {
	enum resolve_kind	 kind;
	/* getaddrinfo input (node/service NULL for none) */
	char			*node, *service;
	struct addrinfo		 hints;
	/* getnameinfo input */
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	int			 niflags;
	/* output, valid in done() */
	int			 rc;		/* the EAI_* result, 0 on success */
	int			 errnum;	/* errno for EAI_SYSTEM */
	struct addrinfo		*res;		/* freed with the job */
	char			 host[NI_MAXHOST];
	char			 serv[NI_MAXSERV];
	/* the loop's side */
	resolve_done_fn		 done;
	resolve_done_fn		 then;		/* for done's own use (rpc-common.c) */
	void			*ctx;
	const struct creds	*creds;		/* done() runs as these (NULL: the daemon) */
	uid_t			 uid;		/* whose share it counts in: creds' uid */
	unsigned		 share_jobs;	/* that user's share of lookups at once */
	unsigned		 share_threads;	/* and of workers (0: the resolver's) */
	bool			 cancelled;	/* done() is not called; the job is just freed */
	struct resolve_job	*next;
};

/* A pool of at most max_threads workers (started on demand) and max_jobs
 * jobs waiting, running or finished at once.  Each user may use all of it
 * until resolver_set_shares says otherwise. */
struct resolver	*resolver_new(struct ev_loop *loop, unsigned max_threads, unsigned max_jobs);
/* Of the pool, one user may have user_jobs jobs and hold user_threads
 * workers at once. */
void		 resolver_set_shares(struct resolver *r, unsigned user_jobs, unsigned user_threads);
/* Stop the workers; jobs still running finish on their own and are freed. */
void		 resolver_free(struct resolver *r);
/* A zeroed job with copies of node and service (either may be NULL). */
struct resolve_job *resolve_job_new(enum resolve_kind kind, const char *node,
		    const char *service);
/* Queue a job; 1012 when the queue or its user's share of it is full (the
 * job is then freed).  A job
 * that needs no lookup (numeric host and service) is run and its done()
 * called before this returns. */
int		 resolve_submit(struct resolver *r, struct resolve_job *job, struct s6err *e);
/* The job's owner no longer wants the answer (its connection went away). */
void		 resolve_cancel(struct resolve_job *job);
/* Fill e from a failed job: 1004 with gai and gai_name. */
void		 resolve_error(const struct resolve_job *job, const char *syscall, struct s6err *e);

#endif
