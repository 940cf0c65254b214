/* rpc-daemon.c: the daemon's own methods: daemon.ping, daemon.version,
 * daemon.stats and daemon.reload. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>

#include "grant.h"
#include "policy.h"
#include "reload.h"
#include "rpc-common.h"

#define PONG	"{\"pong\":true}"

/* The one ping result, written as it is: no object to build or serialize. */
static size_t
pong_write(char *p, void *arg)
{
	memcpy(p, PONG, sizeof(PONG) - 1);
	return sizeof(PONG) - 1;
}

static const struct answer *
daemon_ping(struct call *c, void *argp)
{
	static const struct result_text pong = { sizeof(PONG) - 1, pong_write, NULL };

	return call_ok_text(c, &pong);
}

const struct method m_daemon_ping = {
	"daemon.ping", daemon_ping, (const struct param[]){ END_PARAMS }, 0,
	"Check that the daemon answers", "Always {\"pong\": true}.",
	(const struct result_field[]){ { "pong", RT_BOOLEAN, "true" }, END_RESULT },
	(const int[]){ 0 },
};

static const struct answer *
daemon_version(struct call *c, void *argp)
{
	json_object *o = json_object_new_object();
	char libev[32];

	snprintf(libev, sizeof(libev), "%d.%d", ev_version_major(), ev_version_minor());
	json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "protocol", json_object_new_int(SOCK6D_PROTOCOL_VERSION));
	json_object_object_add(o, "libev", json_object_new_string(libev));
	json_object_object_add(o, "json_c", json_object_new_string(json_c_version()));
	return call_ok(c, o);
}

const struct method m_daemon_version = {
	"daemon.version", daemon_version, (const struct param[]){ END_PARAMS }, 0,
	"Versions of the daemon, protocol and libraries", "",
	(const struct result_field[]){ { "version", RT_STRING, "sock6d's version" },
	    { "protocol", RT_INTEGER, "the wire protocol's version (1)" },
	    { "libev", RT_STRING, "" }, { "json_c", RT_STRING, "" }, END_RESULT },
	(const int[]){ 0 },
};

/* Root sees the daemon's totals; another user its own: its connections,
 * its handles, and what it has done. */
static const struct answer *
daemon_stats(struct call *c, void *argp)
{
	struct sock6d *d = c->d;
	const struct user *u = c->conn->user;
	const struct stats *st = c->conn->uid == 0 ? &d->stats : &u->stats;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "uptime_ms",
	    json_object_new_int64((int64_t)((ev_now(d->loop) - d->started) * 1000.)));
	json_object_object_add(o, "connections", json_object_new_int64(
	    c->conn->uid == 0 ? (int64_t)d->nconns : (int64_t)u->conns));
	json_object_object_add(o, "handles", json_object_new_int64(
	    c->conn->uid == 0 ? (int64_t)handle_count(&d->handles) : (int64_t)u->handles));
	json_object_object_add(o, "requests", json_object_new_int64((int64_t)st->requests));
	json_object_object_add(o, "errors", json_object_new_int64((int64_t)st->errors));
	json_object_object_add(o, "bytes_in", json_object_new_int64((int64_t)st->bytes_in));
	json_object_object_add(o, "bytes_out", json_object_new_int64((int64_t)st->bytes_out));
	return call_ok(c, o);
}

const struct method m_daemon_stats = {
	"daemon.stats", daemon_stats, (const struct param[]){ END_PARAMS }, 0,
	"Counters since the daemon started",
	"requests counts every request and batch entry received; errors every error answered. "
	"Root sees the daemon's totals; any other user its own connections, handles and counts.",
	(const struct result_field[]){ { "uptime_ms", RT_INTEGER, "" },
	    { "connections", RT_INTEGER, "control connections now" },
	    { "handles", RT_INTEGER, "open handles now" },
	    { "requests", RT_INTEGER, "" }, { "errors", RT_INTEGER, "" },
	    { "bytes_in", RT_INTEGER, "socket bytes received" },
	    { "bytes_out", RT_INTEGER, "socket bytes sent" }, END_RESULT },
	(const int[]){ 0 },
};

/* The read is over: the reply, or why the old policy stays. */
static void
reload_answer(void *ctx, int rc, const char *why)
{
	struct call *c = ctx;
	struct s6err e;
	json_object *o;

	if (rc == -1) {
		err_set(&e, S6_NET, "policy not reloaded, the old one stays in force: %s", why);
		call_complete_fail(c, &e);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "reloaded", json_object_new_boolean(1));
	json_object_object_add(o, "config", json_object_new_string(c->d->policy_path));
	json_object_object_add(o, "sections",
	    json_object_new_int64((int64_t)policy_sections(c->d->policy)));
	call_complete_ok(c, o);
}

static void
reload_gone(struct call *c, void *waiter)
{
	reload_cancel(waiter);
}

/* Root's alone: read the policy file again, as SIGHUP does, off the loop;
 * the call waits for the read.  A bad file keeps the policy in force and
 * says why. */
static const struct answer *
daemon_reload(struct call *c, void *argp)
{
	struct reload_waiter *w;
	struct s6err e;
	char why[512];

	if (c->conn->uid != 0) {
		err_set(&e, S6_PERMISSION, "only root may reload the daemon's policy");
		return call_fail(c, &e);
	}
	if (!call_can_park(c, &e))
		return call_fail(c, &e);
	if ((w = reload_request(c->d, reload_answer, c, why, sizeof(why))) == NULL) {
		err_set(&e, S6_NET, "policy not reloaded, the old one stays in force: %s", why);
		return call_fail(c, &e);
	}
	return call_pending(c, reload_gone, w);
}

const struct method m_daemon_reload = {
	"daemon.reload", daemon_reload, (const struct param[]){ END_PARAMS }, 0,
	"Read the policy file again (root only)",
	"As SIGHUP does: the grants and limits of the policy file (sock6d.conf(5)) are read "
	"again and put in force whole, for the next call; handles, connections and "
	"subscriptions are untouched. The file is read on a thread (the user and group names "
	"it holds may take NSS a while), so every client is served meanwhile; the answer "
	"comes once the new policy is in force, from a read that started after the call. "
	"A bad file keeps the policy in force and is 1000 with the file's line and column "
	"in the message; a caller other than root gets 1011.",
	(const struct result_field[]){ { "reloaded", RT_BOOLEAN, "true" },
	    { "config", RT_STRING, "the policy file's path" },
	    { "sections", RT_INTEGER, "its user and group sections" }, END_RESULT },
	(const int[]){ S6_NET, S6_PERMISSION, 0 },
};
