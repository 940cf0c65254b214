/* rpc-common.c: enum tables and result helpers shared by the method files. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base64.h"
#include "resolve.h"
#include "rpc-common.h"
#include "sockaddr.h"
#include "utf8.h"

const struct enum_name scope_names[] = {
	{ "daemon", SCOPE_DAEMON }, { "connection", SCOPE_CONNECTION }, { NULL, 0 }
};

const struct enum_name encoding_names[] = {
	{ "base64", 0 }, { "text", 1 }, { NULL, 0 }
};

#define MSG(name, value)	NAME_AND_CONSTANT("msg", name, value)

const struct enum_name shutdown_names[] = {
	NAME_AND_CONSTANT("shut", "rd", SHUT_RD), NAME_AND_CONSTANT("shut", "wr", SHUT_WR),
	NAME_AND_CONSTANT("shut", "rdwr", SHUT_RDWR), { NULL, 0 }
};

const struct enum_name recv_flag_names[] = {
	MSG("peek", MSG_PEEK), MSG("oob", MSG_OOB), MSG("waitall", MSG_WAITALL),
	MSG("trunc", MSG_TRUNC), MSG("dontwait", MSG_DONTWAIT), { NULL, 0 }
};

const struct enum_name send_flag_names[] = {
	MSG("oob", MSG_OOB), MSG("dontroute", MSG_DONTROUTE), MSG("eor", MSG_EOR),
	MSG("more", MSG_MORE), MSG("dontwait", MSG_DONTWAIT), { NULL, 0 }
};

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

void
result_bytes(json_object *o, const char *p, size_t n, bool as_text)
{
	char *enc;

	if (as_text && utf8_valid(p, n)) {
		json_object_object_add(o, "text", json_object_new_string_len(p, (int)n));
		return;
	}
	if ((enc = malloc(base64_encoded_len(n) + 1)) == NULL) {
		json_object_object_add(o, "data", NULL);
		return;
	}
	base64_encode(p, n, enc);
	json_object_object_add(o, "data", json_object_new_string_len(enc,
	    (int)base64_encoded_len(n)));
	free(enc);
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

/* Hand a new job to the pool and park the call until it comes back. */
struct answer
resolve_park(struct call *c, enum resolve_kind kind, const char *node, const char *service,
    resolve_done_fn done, struct resolve_job **jobp)
{
	struct resolve_job *job;
	struct s6err e;

	if (!call_can_park(c, &e))
		return call_fail(c, &e);
	if ((job = resolve_job_new(kind, node, service)) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		return call_fail(c, &e);
	}
	job->done = done;
	job->ctx = c;
	job->creds = &c->conn->creds;	/* valid while the call is: it is parked */
	*jobp = job;
	return call_pending(c, resolve_park_cancel, job);
}

/* Submit after the caller filled the job's inputs; undo the parking on failure. */
struct answer
resolve_park_submit(struct call *c, struct resolve_job *job, struct answer pending)
{
	struct s6err e;

	if (resolve_submit(c->d->resolver, job, &e) == -1) {
		call_complete_fail(c, &e);
		/* Already answered: tell the dispatcher not to free it again. */
		return (struct answer){ CALL_PENDING };
	}
	return pending;
}
