/* connect-ai.c: connection setup by address lists: the connect engine (one
 * non-blocking socket per address, each attempt watched by its own ev_io and
 * bounded by its own ev_timer, raced 250 ms apart with happy eyeballs) and
 * the lookup steps tcp.* and udp.* share on the way to a socket. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "connect-ai.h"
#include "grant.h"
#include "rpc-common.h"
#include "unix-guard.h"

#define CAI_DELAY	0.25	/* RFC 8305 §5: the connection attempt delay */
/* Attempts one callback starts at most: a list of addresses that all fail
 * at once goes on at the next loop turn, the loop serving others between.
 * And every call's together in one turn: however many lists are in flight,
 * a turn starts a bounded number of sockets. */
#define CAI_STARTS_PER_TURN	8
#define CAI_STARTS_PER_LOOP	64

enum cai_status { CAI_RUNNING, CAI_WON, CAI_FAILED };

struct cai;

struct cai_attempt {
	struct cai		*ca;
	const struct cai_target	*t;
	int			 fd;		/* -1: not in flight */
	ev_io			 io;
	ev_timer		 timer;
};

struct cai {
	struct sock6d		*d;
	struct call		*call;
	uid_t			 uid;
	struct cai_target	*targets;
	struct cai_attempt	*at;
	size_t			 n, next, running;
	double			 timeout;	/* seconds; < 0: none */
	bool			 happy, with_local;
	bool			 parked;	/* answer by completing the call */
	bool			 kick;		/* start the next attempt now */
	enum sock_scope		 scope;
	enum cai_status		 status;
	struct cai_attempt	*winner;
	ev_timer		 delay;		/* happy eyeballs: next attempt due */
	ev_timer		 resume;	/* at zero: go on pumping next turn */
	struct s6err		 last;		/* the latest failure */
};

static void	cai_io_cb(struct ev_loop *, ev_io *, int);
static void	cai_timer_cb(struct ev_loop *, ev_timer *, int);
static void	cai_delay_cb(struct ev_loop *, ev_timer *, int);
static void	cai_resume_cb(struct ev_loop *, ev_timer *, int);

/* Answer c: returned while its handler runs, else completing the parked call. */
static const struct answer *
cai_answer(struct call *c, bool parked, json_object *result, const struct s6err *e)
{
	if (!parked)
		return result != NULL ? call_ok(c, result) : call_fail(c, e);
	if (result != NULL)
		call_complete_ok(c, result);
	else
		call_complete_fail(c, e);
	return call_parked_earlier();
}

/* RFC 8305 §4: alternate the families, starting with the first address's
 * (left as given when out of memory: the order is only a preference). */
static void
cai_interleave(struct cai_target *t, size_t n)
{
	struct cai_target *tmp;
	size_t a = 0, b = 0, k = 0;
	int first = t[0].family;

	if (n < 3 || (tmp = malloc(n * sizeof(*tmp))) == NULL)
		return;
	memcpy(tmp, t, n * sizeof(*tmp));
	while (k < n) {
		while (a < n && tmp[a].family != first)
			a++;
		if (a < n)
			t[k++] = tmp[a++];
		while (b < n && tmp[b].family == first)
			b++;
		if (b < n)
			t[k++] = tmp[b++];
	}
	free(tmp);
}

/* Take an attempt out of flight; returns its socket for the caller to
 * close or keep. */
static int
cai_stop(struct cai *ca, struct cai_attempt *at)
{
	int fd = at->fd;

	ev_io_stop(ca->d->loop, &at->io);
	ev_timer_stop(ca->d->loop, &at->timer);
	at->fd = -1;
	ca->running--;
	sock_unreserve_fd(ca->d, ca->uid);
	return fd;
}

/* Close every attempt in flight but keep (NULL: all); returns keep's socket. */
static int
cai_close_all(struct cai *ca, struct cai_attempt *keep)
{
	int fd, kept = -1;
	size_t i;

	ev_timer_stop(ca->d->loop, &ca->delay);
	ev_timer_stop(ca->d->loop, &ca->resume);
	for (i = 0; i < ca->next; i++) {
		if (ca->at[i].fd == -1)
			continue;
		fd = cai_stop(ca, &ca->at[i]);
		if (&ca->at[i] == keep)
			kept = fd;
		else
			close(fd);
	}
	return kept;
}

static void
cai_free(struct cai *ca)
{
	free(ca->targets);
	free(ca->at);
	free(ca);
}

/* An attempt failed with e: remember it; a fatal error ends the race,
 * a transient one or a timeout lets the next address go at once. */
static void
cai_failed(struct cai *ca, struct cai_attempt *at, const struct s6err *e)
{
	if (at->fd != -1)
		close(cai_stop(ca, at));
	ca->last = *e;
	if (e->code != S6_TRANSIENT && e->code != S6_TIMEOUT)
		ca->status = CAI_FAILED;
	ca->kick = true;
}

/* Ask connect(2) again how an attempt stands, as socket.connect does
 * (through the UNIX guard), the caller's credentials in force: 0 or
 * EISCONN won, EALREADY still going, anything else its error. */
static void
cai_ask(struct cai *ca, struct cai_attempt *at)
{
	struct s6err e;
	int rc;

	rc = unix_guard_connect(&ca->d->unix_guard, ca->uid, at->fd, &at->t->addr, &e);
	if (rc == -2)
		cai_failed(ca, at, &e);		/* a guarded UNIX socket: 1011, fatal */
	else if (rc == 0 || errno == EISCONN) {
		ca->winner = at;
		ca->status = CAI_WON;
	} else if (errno != EALREADY && errno != EINPROGRESS) {
		err_sys(&e, errno, "connect", "cannot initiate connection", true);
		cai_failed(ca, at, &e);
	}
}

/* cai_ask from the loop, as the caller. */
static void
cai_check(struct cai *ca, struct cai_attempt *at)
{
	struct creds_saved saved;

	creds_enter(ca->call->conn ? &ca->call->conn->creds : NULL, &saved);
	cai_ask(ca, at);
	creds_leave(&saved);
}

/* Start one attempt: a fresh socket (protocol 0, as the egg), connect(2)
 * (both as the caller, in one change of credentials), then its watcher
 * and timer while it is in progress.  Its descriptor counts as one of the
 * caller's handles while it is in flight (a race of many addresses holds
 * many), so that no user holds descriptors past its share: past it, the
 * race ends with 1012. */
static void
cai_start(struct cai *ca, struct cai_attempt *at)
{
	struct ev_loop *loop = ca->d->loop;
	struct creds_saved saved;
	struct s6err e;

	if (sock_reserve_fd(ca->d, ca->uid, &e) == -1) {
		cai_failed(ca, at, &e);
		return;
	}
	creds_enter(ca->call->conn ? &ca->call->conn->creds : NULL, &saved);
	if ((at->fd = socket(at->t->family, at->t->type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		err_sys(&e, errno, "socket", "cannot create socket", false);
		sock_unreserve_fd(ca->d, ca->uid);
		cai_failed(ca, at, &e);
	} else {
		ca->running++;
		cai_ask(ca, at);
	}
	creds_leave(&saved);
	if (at->fd == -1 || ca->winner == at)
		return;
	ev_io_init(&at->io, cai_io_cb, at->fd, EV_WRITE);
	at->io.data = at;
	ev_io_start(loop, &at->io);
	if (ca->timeout >= 0) {
		ev_timer_set(&at->timer, ca->timeout, 0.);
		ev_timer_start(loop, &at->timer);
	}
}

/* The result for the winning socket. */
static json_object *
cai_result(struct sock *s, bool with_local)
{
	json_object *o = json_object_new_object(), *addr;
	struct s6err e;

	json_object_object_add(o, "handle", json_object_new_int64((int64_t)s->handle));
	if (with_local) {
		if (sock_address(s, false, &addr, &e) == -1)
			addr = NULL;
		json_object_object_add(o, "local", addr);
	}
	if (sock_address(s, true, &addr, &e) == -1)
		addr = NULL;
	json_object_object_add(o, "peer", addr);
	return o;
}

/* The race is settled: close the losers, hand the winner out as a handle
 * (or report the error), free everything and answer. */
static const struct answer *
cai_finish(struct cai *ca)
{
	struct call *c = ca->call;
	json_object *result = NULL;
	struct s6err e = ca->last;
	const struct cai_target *t;
	bool parked = ca->parked;
	struct sock *s;
	int fd;

	fd = cai_close_all(ca, ca->winner);
	if (ca->status == CAI_WON) {
		t = ca->winner->t;
		s = sock_wrap_fd(ca->d, fd, t->family, t->type, 0, ca->uid, &e);
		if (s != NULL) {
			s->state = SS_CONNECTED;
			sock_set_scope(s, ca->scope, conn_scoped(c->conn));
			result = cai_result(s, ca->with_local);
		}
	}
	cai_free(ca);
	return cai_answer(c, parked, result, &e);
}

/* Start attempts as the rules allow: sequentially, one when none is in
 * flight; racing, also when the delay ran out or an attempt failed; at
 * most CAI_STARTS_PER_TURN per call and CAI_STARTS_PER_LOOP in all per
 * turn, the rest from the loop.
 * Answers once settled; CALL_PENDING while attempts are in flight.  From
 * the loop, a winner for a caller that has hung up is not handed out: its
 * connection is closed, which cancels the race (as wait.c does). */
/* Whether one more attempt may start in this turn of the loop (the count
 * starts again with each turn). */
static bool
cai_turn_allows(struct sock6d *d)
{
	unsigned int turn = ev_iteration(d->loop);

	if (d->cai_turn != turn) {
		d->cai_turn = turn;
		d->cai_starts = 0;
	}
	if (d->cai_starts == CAI_STARTS_PER_LOOP)
		return false;
	d->cai_starts++;
	return true;
}

static const struct answer *
cai_pump(struct cai *ca, bool from_loop)
{
	int started = 0;

	while (ca->status == CAI_RUNNING) {
		if (ca->next == ca->n) {
			if (ca->running == 0)
				ca->status = CAI_FAILED;
			break;
		}
		if (ca->running > 0 && !ca->kick)
			break;
		if (started == CAI_STARTS_PER_TURN || !cai_turn_allows(ca->d)) {
			/* The next one is due now: on the next turn. */
			ev_timer_start(ca->d->loop, &ca->resume);
			break;
		}
		started++;
		ca->kick = false;
		cai_start(ca, &ca->at[ca->next++]);
		if (ca->happy && ca->next < ca->n) {
			ev_timer_stop(ca->d->loop, &ca->delay);
			ev_timer_set(&ca->delay, CAI_DELAY, 0.);
			ev_timer_start(ca->d->loop, &ca->delay);
		}
	}
	if (ca->status == CAI_RUNNING)
		return call_parked_earlier();
	if (ca->status == CAI_WON && from_loop && conn_peer_gone(ca->call->conn)) {
		conn_close(ca->call->conn);	/* runs cai_cancel */
		return call_parked_earlier();
	}
	return cai_finish(ca);
}

static void
cai_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct cai_attempt *at = w->data;

	cai_check(at->ca, at);
	cai_pump(at->ca, true);
}

/* An attempt ran out of time: one last look (a wakeup may have been
 * missed), then it counts as failed with a timeout. */
static void
cai_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct cai_attempt *at = w->data;
	struct cai *ca = at->ca;
	struct s6err e;

	cai_check(ca, at);
	if (ca->status == CAI_RUNNING && at->fd != -1) {
		err_set(&e, S6_TIMEOUT, "operation timed out");
		cai_failed(ca, at, &e);
	}
	cai_pump(ca, true);
}

static void
cai_delay_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct cai *ca = w->data;

	ca->kick = true;
	cai_pump(ca, true);
}

/* A pump stopped at CAI_STARTS_PER_TURN: the loop has served the others
 * since; go on where it left off. */
static void
cai_resume_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	cai_pump(w->data, true);
}

/* The caller went away: close every attempt, answer nothing. */
static void
cai_cancel(struct call *c, void *op)
{
	struct cai *ca = op;

	cai_close_all(ca, NULL);
	cai_free(ca);
}

const struct answer *
cai_connect(struct call *c, struct cai_request *r)
{
	bool parked = c->state == CALL_PENDING;
	const struct answer *a;
	struct s6err e;
	struct cai *ca;
	size_t i;

	err_clear(&e);
	if (r->n == 0)
		err_set(&e, S6_NET, "no addresses to connect to");
	else if (sock_check_quota(c->d, c->conn->uid, &e) == 0 && !parked)
		(void)call_can_park(c, &e);
	if (e.code != 0) {
		free(r->targets);
		return cai_answer(c, parked, NULL, &e);
	}
	if ((ca = calloc(1, sizeof(*ca))) == NULL ||
	    (ca->at = calloc(r->n, sizeof(*ca->at))) == NULL) {
		free(ca);
		free(r->targets);
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		return cai_answer(c, parked, NULL, &e);
	}
	ca->d = c->d;
	ca->call = c;
	ca->uid = c->conn->uid;
	ca->targets = r->targets;
	ca->n = r->n;
	ca->timeout = r->timeout_ms < 0 ? -1. : (double)r->timeout_ms / 1000.;
	ca->happy = r->happy;
	ca->with_local = r->with_local;
	ca->scope = r->scope;
	if (ca->happy)
		cai_interleave(ca->targets, ca->n);
	for (i = 0; i < ca->n; i++) {
		ca->at[i].ca = ca;
		ca->at[i].t = &ca->targets[i];
		ca->at[i].fd = -1;
		ev_init(&ca->at[i].io, cai_io_cb);
		ev_timer_init(&ca->at[i].timer, cai_timer_cb, 0., 0.);
		ca->at[i].timer.data = &ca->at[i];
	}
	ev_timer_init(&ca->delay, cai_delay_cb, 0., 0.);
	ca->delay.data = ca;
	ev_timer_init(&ca->resume, cai_resume_cb, 0., 0.);
	ca->resume.data = ca;
	if (parked) {
		/* The lookup's cancel hook is spent: the engine's takes over. */
		c->cancel = cai_cancel;
		c->op = ca;
		ca->parked = true;
	}
	a = cai_pump(ca, false);
	if (!answer_is_pending(a) || parked)
		return a;
	ca->parked = true;
	return call_pending(c, cai_cancel, ca);
}

/* The lookup steps */

int
cai_host_port(const char *host, const char *port, struct hostport *hp, const char **node,
    const char **service, struct s6err *e)
{
	if (port != NULL) {
		/* An explicit port: host is taken literally, brackets and all. */
		*node = host;
		*service = port;
		return 0;
	}
	switch (hostport_parse(host, hp)) {
	case HOSTPORT_TOO_LONG:
		err_param(e, "host", "host is too long");
		return -1;
	case HOSTPORT_PORT_RANGE:
		err_param(e, "host", "port in host must be 0..65535");
		return -1;
	}
	if (!hp->has_port) {
		err_set(e, S6_NET, "no port specified");
		return -1;
	}
	*node = hp->has_host ? hp->host : NULL;
	*service = hp->port;
	return 0;
}

const struct answer *
cai_lookup_park(struct call *c, const char *node, const char *service, int family,
    int socktype, int flags, resolve_done_fn done)
{
	struct resolve_job *job;
	const struct answer *pending;

	pending = resolve_park(c, RESOLVE_ADDRINFO, node, service, done, &job);
	if (!answer_is_pending(pending))
		return pending;
	job->hints.ai_family = family;
	job->hints.ai_socktype = socktype;
	job->hints.ai_flags = flags;
	return resolve_park_submit(c, job, pending);
}

const struct addrinfo *
cai_lookup_first(const struct resolve_job *job, const char *empty, struct s6err *e)
{
	/* As the egg: not found is an empty list, any other failure an error. */
	if (job->rc != 0 && job->rc != EAI_NONAME) {
		resolve_error(job, "getaddrinfo", e);
		return NULL;
	}
	if (job->rc != 0 || job->res == NULL) {
		err_set(e, S6_NET, "%s", empty);
		return NULL;
	}
	return job->res;
}

int
cai_lookup_targets(const struct resolve_job *job, int socktype, const char *empty,
    struct cai_request *r, struct s6err *e)
{
	const struct addrinfo *first, *ai;
	struct cai_target *t;
	size_t n = 0;

	if ((first = cai_lookup_first(job, empty, e)) == NULL)
		return -1;
	for (ai = first; ai != NULL && n < CAI_MAX_ADDRESSES; ai = ai->ai_next)
		n++;
	if ((r->targets = calloc(n, sizeof(*r->targets))) == NULL) {
		err_set(e, S6_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	/* Filtered on the socket type, as tcp-connect/ai does; the first
	 * CAI_MAX_ADDRESSES only, as socket.connect_ai takes (a name's
	 * records are the name owner's to choose). */
	r->n = 0;
	for (ai = first; ai != NULL && r->n < n; ai = ai->ai_next) {
		if (ai->ai_socktype != socktype || ai->ai_addrlen > sizeof(t->addr.ss))
			continue;
		t = &r->targets[r->n++];
		t->family = ai->ai_family;
		t->type = ai->ai_socktype;
		memcpy(&t->addr.ss, ai->ai_addr, ai->ai_addrlen);
		t->addr.len = ai->ai_addrlen;
	}
	return 0;
}

struct sock *
cai_handle(struct call *c, uint64_t id, struct s6err *e)
{
	struct sock *s = handle_lookup(&c->d->handles, id);

	if (s == NULL || !sock_usable_by(s, c->conn->uid)) {
		err_handle(e, id);
		return NULL;
	}
	return s;
}

int
cai_bind(struct sock *s, const struct sockaddr *sa, socklen_t len, const struct creds *who,
    struct s6err *e)
{
	if (grant_bind(s->d, s->fd, sa, len, who, e) == -1)
		return -1;
	if (s->state == SS_OPEN)
		s->state = SS_BOUND;
	return 0;
}
