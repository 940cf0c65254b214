/* rpc-common.c: enum tables and result helpers shared by the method files. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "grant.h"
#include "base64.h"
#include "resolve.h"
#include "rpc-common.h"
#include "sockaddr.h"
#include "utf8.h"

json_object *
result_empty(void)
{
	return json_object_new_object();
}

json_object *
result_one(const char *key, json_object *value)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, key, value);
	return o;
}

/* Bytes shown as base64: encoded once, straight into json-c's output,
 * when the result is written (a base64 string never needs escaping). */
struct base64_ref {
	const char	*p;
	size_t		 n;
};

static int
base64_to_json(json_object *jso, struct printbuf *pb, int level, int flags)
{
	const struct base64_ref *ref = json_object_get_userdata(jso);
	size_t len = base64_encoded_len(ref->n);
	int start;

	printbuf_memappend(pb, "\"", 1);
	start = pb->bpos;
	/* Room for the text and its NUL, in one step. */
	if (len > INT_MAX - 2 - (size_t)start ||
	    printbuf_memset(pb, start + (int)len, 0, 1) < 0)
		return -1;
	base64_encode(ref->p, ref->n, pb->buf + start);
	pb->bpos = start + (int)len;
	printbuf_memappend(pb, "\"", 1);
	return 0;
}

static void
base64_ref_free(json_object *jso, void *userdata)
{
	free(userdata);
}

/* A JSON string of p[0..n) in base64; p must live until the result is
 * written. */
static json_object *
base64_string(const char *p, size_t n)
{
	struct base64_ref *ref;
	json_object *s;

	if ((ref = malloc(sizeof(*ref))) == NULL || (s = json_object_new_string("")) == NULL) {
		free(ref);
		return NULL;
	}
	ref->p = p;
	ref->n = n;
	json_object_set_serializer(s, base64_to_json, ref, base64_ref_free);
	return s;
}

/* The length of n bytes of text as the content of a JSON string, as
 * json-c writes it: control characters as \u00XX, the short escapes,
 * and '/' left alone. */
static size_t
json_text_len(const char *p, size_t n)
{
	size_t i, len = n;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '"' || ch == '\\' || ch == '\b' || ch == '\f' || ch == '\n' ||
		    ch == '\r' || ch == '\t')
			len += 1;
		else if (ch < 0x20)
			len += 5;
	}
	return len;
}

void
result_bytes(json_object *o, const char *p, size_t n, bool as_text)
{

	/* Text only when it is valid UTF-8 and no longer than base64 would be:
	 * the room a reply was given is counted in base64. */
	if (as_text && utf8_valid(p, n) && json_text_len(p, n) <= base64_encoded_len(n)) {
		json_object_object_add(o, "text", json_object_new_string_len(p, (int)n));
		return;
	}
	json_object_object_add(o, "data", base64_string(p, n));
}

size_t
result_bytes_max(size_t n)
{
	return sizeof(",\"data\":\"\"") + base64_encoded_len(n);
}

int64_t
timeout_or(int64_t given, int64_t session_default)
{
	return given == TIMEOUT_SESSION ? session_default : given;
}

/* The caller went away: the job still runs, its answer is dropped. */
static void
resolve_park_cancel(struct call *c, void *job)
{
	resolve_cancel(job);
}

/* A lookup came back: its call's method runs on (for the audit's sake). */
static void
resolve_park_done(struct resolve_job *job)
{
	struct call *c = job->ctx;
	struct sock6d *d = c->d;

	d->method = c->method != NULL ? c->method->name : NULL;
	job->then(job);
	d->method = NULL;
}

/* Hand a new job to the pool and park the call until it comes back. */
const struct answer *
resolve_park(struct call *c, enum resolve_kind kind, const char *node, const char *service,
    resolve_done_fn done, struct resolve_job **jobp)
{
	const struct limits *l;
	struct resolve_job *job;
	struct s6err e;

	if (!call_can_park(c, &e))
		return call_fail(c, &e);
	if ((job = resolve_job_new(kind, node, service)) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		return call_fail(c, &e);
	}
	job->done = resolve_park_done;
	job->then = done;
	job->ctx = c;
	job->creds = &c->conn->creds;	/* valid while the call is: it is parked */
	l = grant_limits_for(c->d, c->conn->uid);	/* the user's own shares */
	job->share_jobs = (unsigned)l->resolver_queue_per_user;
	job->share_threads = (unsigned)l->resolver_threads_per_user;
	*jobp = job;
	return call_pending(c, resolve_park_cancel, job);
}

/* Submit after the caller filled the job's inputs; undo the parking on failure. */
const struct answer *
resolve_park_submit(struct call *c, struct resolve_job *job, const struct answer *pending)
{
	struct s6err e;

	if (resolve_submit(c->d->resolver, job, &e) == -1) {
		call_complete_fail(c, &e);
		/* Already answered: tell the dispatcher not to free it again. */
		return call_parked_earlier();
	}
	return pending;
}
