/* test_resolve.c: unit tests for the resolver pool: numeric jobs answered
 * inline, lookups answered through the loop, getnameinfo jobs, cancelling,
 * the queue bound, the error a failed job makes, and freeing the pool with
 * jobs in flight (daemon/resolve.c).  Needs no network: only /etc/hosts
 * (localhost) and /etc/services (http) are consulted. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ev.h>
#include <json-c/json.h>

#include "error.h"
#include "resolve.h"

#define DEADLINE	5.0	/* seconds any one wait may take */

/* What done() saw for one job. */
struct rec {
	int		calls;
	int		seq;		/* order of delivery, from 1 */
	int		rc;
	bool		on_main;	/* called on the thread that runs the loop */
	bool		had_res;
	int		naddrs;
	int		family;
	char		addr[INET6_ADDRSTRLEN];
	int		port;
	char		host[NI_MAXHOST];
	char		serv[NI_MAXSERV];
	struct s6err	err;		/* resolve_error() of a failed job */
};

static struct ev_loop	*loop;
static struct resolver	*r;
static pthread_t	 main_thread;
static int		 delivered;
static ev_timer		 tick;

static void	wait_no_workers(void);

static void
tick_cb(struct ev_loop *l, ev_timer *w, int revents)
{
	(void)l;
	(void)w;
	(void)revents;
}

static void
setup(void)
{
	wait_no_workers();	/* none left from an earlier test (CK_FORK=no) */
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	/* So that EVRUN_ONCE always comes back to check the deadline. */
	ev_timer_init(&tick, tick_cb, 0.01, 0.01);
	ev_timer_start(loop, &tick);
	main_thread = pthread_self();
	delivered = 0;
	r = NULL;
}

static void
teardown(void)
{
	resolver_free(r);
	r = NULL;
	ev_timer_stop(loop, &tick);
	ev_loop_destroy(loop);
}

static void
done(struct resolve_job *job)
{
	struct rec *rec = job->ctx;
	struct addrinfo *ai;

	rec->calls++;
	rec->seq = ++delivered;
	rec->rc = job->rc;
	rec->on_main = pthread_equal(pthread_self(), main_thread) != 0;
	rec->had_res = job->res != NULL;
	for (ai = job->res; ai != NULL; ai = ai->ai_next)
		rec->naddrs++;
	if ((ai = job->res) != NULL) {
		rec->family = ai->ai_family;
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *sin = (const void *)ai->ai_addr;

			inet_ntop(AF_INET, &sin->sin_addr, rec->addr, sizeof(rec->addr));
			rec->port = ntohs(sin->sin_port);
		} else if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *sin6 = (const void *)ai->ai_addr;

			inet_ntop(AF_INET6, &sin6->sin6_addr, rec->addr, sizeof(rec->addr));
			rec->port = ntohs(sin6->sin6_port);
		}
	}
	memcpy(rec->host, job->host, sizeof(rec->host));
	memcpy(rec->serv, job->serv, sizeof(rec->serv));
	if (job->rc != 0)
		resolve_error(job, job->kind == RESOLVE_ADDRINFO ? "getaddrinfo" : "getnameinfo",
		    &rec->err);
}

static struct resolve_job *
addr_job(const char *node, const char *service, int family, int flags, struct rec *rec)
{
	struct resolve_job *job;

	memset(rec, 0, sizeof(*rec));
	ck_assert_ptr_nonnull(job = resolve_job_new(RESOLVE_ADDRINFO, node, service));
	job->hints.ai_family = family;
	job->hints.ai_socktype = SOCK_STREAM;
	job->hints.ai_flags = flags;
	job->done = done;
	job->ctx = rec;
	return job;
}

static struct resolve_job *
name_job(int family, const char *ip, int port, int flags, struct rec *rec)
{
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	struct resolve_job *job;

	memset(rec, 0, sizeof(*rec));
	ck_assert_ptr_nonnull(job = resolve_job_new(RESOLVE_NAMEINFO, NULL, NULL));
	if (family == AF_INET) {
		sin = (struct sockaddr_in *)&job->sa;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
		job->salen = sizeof(*sin);
	} else {
		sin6 = (struct sockaddr_in6 *)&job->sa;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		ck_assert_int_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
		job->salen = sizeof(*sin6);
	}
	job->niflags = flags;
	job->done = done;
	job->ctx = rec;
	return job;
}

/* Submit a job that must be answered before resolve_submit returns. */
static void
submit_inline(struct resolve_job *job, struct rec *rec)
{
	struct s6err e;

	ck_assert_int_eq(resolve_submit(r, job, &e), 0);
	ck_assert_int_eq(rec->calls, 1);
	ck_assert(rec->on_main);
}

/* Submit a job that must go to the pool, and run the loop until it is done. */
static void
submit_pool(struct resolve_job *job, struct rec *rec)
{
	struct s6err e;

	ck_assert_int_eq(resolve_submit(r, job, &e), 0);
	ck_assert_msg(rec->calls == 0, "answered inline, on the loop's thread");
}

static void
wait_done(const struct rec *rec)
{
	ev_tstamp end = ev_time() + DEADLINE;

	while (rec->calls == 0) {
		ck_assert_msg(ev_time() < end, "no answer within %.0f s", DEADLINE);
		ev_run(loop, EVRUN_ONCE);
	}
	ck_assert_int_eq(rec->calls, 1);
	ck_assert(rec->on_main);
}

/* Threads of this process. */
static int
nthreads(void)
{
	struct dirent *de;
	DIR *dp;
	int n = 0;

	ck_assert_ptr_nonnull(dp = opendir("/proc/self/task"));
	while ((de = readdir(dp)) != NULL)
		n += de->d_name[0] != '.';
	closedir(dp);
	return n;
}

/* Wait until every worker thread has exited. */
static void
wait_no_workers(void)
{
	struct timespec ms = { 0, 1000000 };
	ev_tstamp end = ev_time() + DEADLINE;

	while (nthreads() > 1) {
		ck_assert_msg(ev_time() < end, "workers still running after %.0f s", DEADLINE);
		nanosleep(&ms, NULL);
	}
}

/* getaddrinfo answered inline */

START_TEST(test_numeric_inline)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_inline(addr_job("127.0.0.1", "80", AF_INET, 0, &a), &a);
	ck_assert_int_eq(a.rc, 0);
	ck_assert(a.had_res);
	ck_assert_int_eq(a.naddrs, 1);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_str_eq(a.addr, "127.0.0.1");
	ck_assert_int_eq(a.port, 80);
	ck_assert_int_eq(nthreads(), 1);	/* no worker was started */
}
END_TEST

START_TEST(test_numeric_inline_v6)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_inline(addr_job("::1", "443", AF_INET6, 0, &a), &a);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_str_eq(a.addr, "::1");
	ck_assert_int_eq(a.port, 443);
}
END_TEST

START_TEST(test_numeric_inline_passive)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_inline(addr_job(NULL, "8080", AF_INET, AI_PASSIVE, &a), &a);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_str_eq(a.addr, "0.0.0.0");
	ck_assert_int_eq(a.port, 8080);
}
END_TEST

START_TEST(test_numerichost_noname)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_inline(addr_job("nosuch.invalid", "80", AF_UNSPEC, AI_NUMERICHOST, &a), &a);
	ck_assert_int_eq(a.rc, EAI_NONAME);
	ck_assert(!a.had_res);
	ck_assert_int_eq(a.err.code, S6_RESOLVE);
	ck_assert_int_eq(a.err.gai, EAI_NONAME);
}
END_TEST

START_TEST(test_numericserv_name)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_inline(addr_job("127.0.0.1", "http", AF_INET, AI_NUMERICSERV, &a), &a);
	ck_assert_int_eq(a.rc, EAI_NONAME);
	ck_assert(!a.had_res);
}
END_TEST

/* getaddrinfo through the pool */

START_TEST(test_lookup_localhost)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_pool(addr_job("localhost", "80", AF_INET, 0, &a), &a);
	wait_done(&a);
	ck_assert_int_eq(a.rc, 0);
	ck_assert(a.had_res);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_str_eq(a.addr, "127.0.0.1");
	ck_assert_int_eq(a.port, 80);
}
END_TEST

START_TEST(test_lookup_service_name)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_pool(addr_job("127.0.0.1", "http", AF_INET, 0, &a), &a);
	wait_done(&a);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_str_eq(a.addr, "127.0.0.1");
	ck_assert_int_eq(a.port, 80);
}
END_TEST

START_TEST(test_lookup_unknown_service)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_pool(addr_job("127.0.0.1", "nosuchservice", AF_INET, 0, &a), &a);
	wait_done(&a);
	ck_assert_int_eq(a.rc, EAI_SERVICE);
	ck_assert(!a.had_res);
	ck_assert_int_eq(a.err.code, S6_RESOLVE);
	ck_assert_int_eq(a.err.gai, EAI_SERVICE);
	ck_assert_str_eq(a.err.syscall, "getaddrinfo");
	ck_assert_str_eq(a.err.message, gai_strerror(EAI_SERVICE));
}
END_TEST

/* inet_aton() takes "1.2.3.4 anything"; getaddrinfo() does not, and looks
 * such a name up in the hosts databases, which must not happen on the loop. */
START_TEST(test_trailing_text_not_numeric)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_pool(addr_job("127.0.0.1 x", "80", AF_INET, 0, &a), &a);
	wait_done(&a);
	ck_assert_int_eq(a.rc, EAI_NONAME);
}
END_TEST

START_TEST(test_delivery_order)
{
	struct rec a, b, c;

	r = resolver_new(loop, 1, 16);
	submit_pool(addr_job("localhost", "1", AF_INET, 0, &a), &a);
	submit_pool(addr_job("localhost", "2", AF_INET, 0, &b), &b);
	submit_pool(addr_job("localhost", "3", AF_INET, 0, &c), &c);
	wait_done(&a);
	wait_done(&b);
	wait_done(&c);
	ck_assert_int_eq(a.seq, 1);
	ck_assert_int_eq(b.seq, 2);
	ck_assert_int_eq(c.seq, 3);
	ck_assert_int_eq(c.port, 3);
}
END_TEST

/* getnameinfo */

START_TEST(test_nameinfo_numeric_inline)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_inline(name_job(AF_INET, "127.0.0.1", 80, NI_NUMERICHOST | NI_NUMERICSERV, &a), &a);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_str_eq(a.host, "127.0.0.1");
	ck_assert_str_eq(a.serv, "80");
	submit_inline(name_job(AF_INET6, "::1", 22, NI_NUMERICHOST | NI_NUMERICSERV, &a), &a);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_str_eq(a.host, "::1");
	ck_assert_str_eq(a.serv, "22");
}
END_TEST

START_TEST(test_nameinfo_service_pool)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_pool(name_job(AF_INET, "127.0.0.1", 80, NI_NUMERICHOST, &a), &a);
	wait_done(&a);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_str_eq(a.host, "127.0.0.1");
	ck_assert_str_eq(a.serv, "http");
}
END_TEST

START_TEST(test_nameinfo_host_pool)
{
	struct rec a;

	r = resolver_new(loop, 4, 16);
	submit_pool(name_job(AF_INET, "127.0.0.1", 8, NI_NAMEREQD | NI_NUMERICSERV, &a), &a);
	wait_done(&a);
	ck_assert_int_eq(a.rc, 0);
	ck_assert_str_eq(a.host, "localhost");
	ck_assert_str_eq(a.serv, "8");
}
END_TEST

/* Cancelling */

START_TEST(test_cancel)
{
	struct resolve_job *job;
	struct rec a, b;
	struct s6err e;

	r = resolver_new(loop, 1, 16);
	job = addr_job("localhost", "80", AF_INET, 0, &a);
	ck_assert_int_eq(resolve_submit(r, job, &e), 0);
	resolve_cancel(job);
	/* One worker, first come first served: b comes back after a. */
	submit_pool(addr_job("localhost", "81", AF_INET, 0, &b), &b);
	wait_done(&b);
	ck_assert_int_eq(a.calls, 0);
	ck_assert_int_eq(b.seq, 1);
	ck_assert_int_eq(b.port, 81);
}
END_TEST

/* The queue bound */

START_TEST(test_queue_bound)
{
	struct rec a, b, c, n, x;
	struct s6err e;

	r = resolver_new(loop, 1, 2);
	submit_pool(addr_job("localhost", "1", AF_INET, 0, &a), &a);
	submit_pool(addr_job("localhost", "2", AF_INET, 0, &b), &b);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(resolve_submit(r, addr_job("localhost", "3", AF_INET, 0, &c), &e), -1);
	ck_assert_int_eq(e.code, S6_LIMIT);
	ck_assert_str_eq(e.limit, "resolver_queue");
	ck_assert_str_eq(e.message, "limit resolver_queue (2) reached");
	ck_assert_int_eq(c.calls, 0);
	/* Finished but not yet delivered still counts. */
	ck_assert_int_eq(resolve_submit(r, addr_job("localhost", "4", AF_INET, 0, &x), &e), -1);
	ck_assert_int_eq(e.code, S6_LIMIT);
	/* A job needing no lookup is answered even now. */
	submit_inline(addr_job("127.0.0.1", "5", AF_INET, 0, &n), &n);
	ck_assert_int_eq(n.rc, 0);
	wait_done(&a);
	wait_done(&b);
	ck_assert_int_eq(c.calls, 0);
	ck_assert_int_eq(x.calls, 0);
	/* Room again. */
	submit_pool(addr_job("localhost", "6", AF_INET, 0, &c), &c);
	wait_done(&c);
	ck_assert_int_eq(c.port, 6);
}
END_TEST

/* resolve_error */

static void
assert_err_json(const struct s6err *e, const char *want)
{
	json_object *o = err_to_json(e);

	ck_assert_str_eq(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE), want);
	json_object_put(o);
}

START_TEST(test_resolve_error_gai)
{
	struct resolve_job job;
	struct s6err e;

	memset(&job, 0, sizeof(job));
	job.rc = EAI_NONAME;
	memset(&e, 0x5a, sizeof(e));
	resolve_error(&job, "getaddrinfo", &e);
	ck_assert_int_eq(e.code, 1004);
	ck_assert_int_eq(e.gai, EAI_NONAME);
	ck_assert_int_eq(e.errnum, 0);
	ck_assert_str_eq(e.syscall, "getaddrinfo");
	ck_assert_ptr_null(e.param);
	ck_assert_ptr_null(e.limit);
	ck_assert_uint_eq(e.handle, 0);
	ck_assert(!e.has_bytes);
	ck_assert_str_eq(e.message, "Name or service not known");
	assert_err_json(&e, "{\"code\":1004,\"message\":\"Name or service not known\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"],\"syscall\":\"getaddrinfo\","
	    "\"gai\":-2,\"gai_name\":\"EAI_NONAME\"}}");
	job.rc = EAI_AGAIN;
	resolve_error(&job, "getnameinfo", &e);
	assert_err_json(&e, "{\"code\":1004,\"message\":\"Temporary failure in name resolution\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"],\"syscall\":\"getnameinfo\","
	    "\"gai\":-3,\"gai_name\":\"EAI_AGAIN\"}}");
}
END_TEST

START_TEST(test_resolve_error_system)
{
	struct resolve_job job;
	struct s6err e;

	memset(&job, 0, sizeof(job));
	job.rc = EAI_SYSTEM;
	job.errnum = EMFILE;
	memset(&e, 0x5a, sizeof(e));
	resolve_error(&job, "getaddrinfo", &e);
	ck_assert_int_eq(e.code, 1004);
	ck_assert_int_eq(e.gai, EAI_SYSTEM);
	ck_assert_int_eq(e.errnum, EMFILE);
	ck_assert_str_eq(e.syscall, "getaddrinfo");
	ck_assert_ptr_null(e.limit);
	ck_assert_str_eq(e.message, "System error - Too many open files");
	assert_err_json(&e, "{\"code\":1004,\"message\":\"System error - Too many open files\","
	    "\"data\":{\"kind\":[\"exn\",\"i/o\",\"net\"],\"errno\":24,\"errname\":\"EMFILE\","
	    "\"syscall\":\"getaddrinfo\",\"gai\":-11,\"gai_name\":\"EAI_SYSTEM\"}}");
}
END_TEST

/* Freeing the pool */

START_TEST(test_free_unused)
{
	ck_assert_ptr_nonnull(r = resolver_new(loop, 4, 16));
	resolver_free(r);
	r = NULL;
	resolver_free(NULL);
	ck_assert_int_eq(nthreads(), 1);
}
END_TEST

START_TEST(test_free_idle_workers)
{
	struct rec a, b;

	r = resolver_new(loop, 2, 16);
	submit_pool(addr_job("localhost", "80", AF_INET, 0, &a), &a);
	submit_pool(addr_job("localhost", "81", AF_INET, 0, &b), &b);
	wait_done(&a);
	wait_done(&b);
	ck_assert_int_ge(nthreads(), 2);
	resolver_free(r);
	r = NULL;
	wait_no_workers();
}
END_TEST

START_TEST(test_free_with_jobs)
{
	struct rec recs[6];
	size_t i;
	int k;

	r = resolver_new(loop, 2, 16);
	for (i = 0; i < 6; i++)
		submit_pool(addr_job("localhost", "80", AF_INET, 0, &recs[i]), &recs[i]);
	resolver_free(r);
	r = NULL;
	/* The workers finish, free the jobs and the pool, and exit. */
	wait_no_workers();
	for (k = 0; k < 10; k++)
		ev_run(loop, EVRUN_NOWAIT);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(recs[i].calls, 0);
}
END_TEST

static Suite *
resolve_suite(void)
{
	Suite	*s = suite_create("resolve");
	TCase	*inl = tcase_create("inline");
	TCase	*pool = tcase_create("pool");
	TCase	*name = tcase_create("nameinfo");
	TCase	*bound = tcase_create("cancel_and_bound");
	TCase	*err = tcase_create("error");
	TCase	*fr = tcase_create("free");

	tcase_add_checked_fixture(inl, setup, teardown);
	tcase_add_test(inl, test_numeric_inline);
	tcase_add_test(inl, test_numeric_inline_v6);
	tcase_add_test(inl, test_numeric_inline_passive);
	tcase_add_test(inl, test_numerichost_noname);
	tcase_add_test(inl, test_numericserv_name);
	suite_add_tcase(s, inl);

	tcase_add_checked_fixture(pool, setup, teardown);
	tcase_add_test(pool, test_lookup_localhost);
	tcase_add_test(pool, test_lookup_service_name);
	tcase_add_test(pool, test_lookup_unknown_service);
	tcase_add_test(pool, test_trailing_text_not_numeric);
	tcase_add_test(pool, test_delivery_order);
	suite_add_tcase(s, pool);

	tcase_add_checked_fixture(name, setup, teardown);
	tcase_add_test(name, test_nameinfo_numeric_inline);
	tcase_add_test(name, test_nameinfo_service_pool);
	tcase_add_test(name, test_nameinfo_host_pool);
	suite_add_tcase(s, name);

	tcase_add_checked_fixture(bound, setup, teardown);
	tcase_add_test(bound, test_cancel);
	tcase_add_test(bound, test_queue_bound);
	suite_add_tcase(s, bound);

	tcase_add_checked_fixture(err, setup, teardown);
	tcase_add_test(err, test_resolve_error_gai);
	tcase_add_test(err, test_resolve_error_system);
	suite_add_tcase(s, err);

	tcase_add_checked_fixture(fr, setup, teardown);
	tcase_add_test(fr, test_free_unused);
	tcase_add_test(fr, test_free_idle_workers);
	tcase_add_test(fr, test_free_with_jobs);
	suite_add_tcase(s, fr);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(resolve_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
