/* context.c: the daemon context: setting up the tables, freeing dead
 * connections and sockets after each loop turn (never inside their own
 * callbacks), and shutting everything down. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "control.h"
#include "resolve.h"
#include "sock.h"
#include "sock6d.h"

/* Free what was closed during this turn. */
static void
reaper_cb(struct ev_loop *loop, ev_check *w, int revents)
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

int
sock6d_init(struct sock6d *d, struct ev_loop *loop, const struct limits *l)
{
	memset(d, 0, sizeof(*d));
	d->loop = loop;
	d->limits = *l;
	d->listen_fd = -1;
	TAILQ_INIT(&d->conns);
	handle_table_init(&d->handles);
	user_table_init(&d->users);
	if (conn_hangups_init(d) == -1)
		return -1;
	if ((d->resolver = resolver_new(loop, (unsigned)l->resolver_threads,
	    (unsigned)l->resolver_queue)) == NULL) {
		conn_hangups_free(d);
		return -1;
	}
	resolver_set_shares(d->resolver, (unsigned)l->resolver_queue_per_user,
	    (unsigned)l->resolver_threads_per_user);
	d->started = ev_time();
	ev_check_init(&d->reaper, reaper_cb);
	d->reaper.data = d;
	ev_check_start(loop, &d->reaper);
	return 0;
}

void
sock6d_shutdown(struct sock6d *d)
{
	struct sock **socks;
	struct conn *c;
	size_t i, n;

	control_close(d);
	while ((c = TAILQ_FIRST(&d->conns)) != NULL)
		conn_close(c);
	n = handle_collect(&d->handles, &socks);
	for (i = 0; i < n; i++)
		sock_close(socks[i]);
	free(socks);
	reaper_cb(d->loop, &d->reaper, 0);
	ev_check_stop(d->loop, &d->reaper);
	resolver_free(d->resolver);
	d->resolver = NULL;
	conn_hangups_free(d);
	handle_table_free(&d->handles);
	user_table_free(&d->users);
}
