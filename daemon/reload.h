/* reload.h: the policy file read again off the event loop.  Reading it
 * resolves the user and group names its sections hold (getpwnam_r,
 * getgrnam_r), which NSS may take seconds over (LDAP, sssd): a thread of
 * its own reads the file, and the loop puts the new policy in force when
 * the thread is done (grant.c), so that every client is served meanwhile.
 *
 * One read runs at a time.  Asked while one runs, the daemon reads the file
 * once more after it (the file may have changed since that read opened it),
 * and everyone who asked meanwhile is told of that second read: each asker
 * learns the outcome of a read that started after it asked. */
#ifndef SOCK6D_RELOAD_H
#define SOCK6D_RELOAD_H

#include <stdbool.h>

struct sock6d;
struct reload_waiter;

/* The read is over: rc 0 with the new policy in force, or -1 with err
 * saying why (the old policy stays).  Called on the loop. */
typedef void (*reload_done_fn)(void *ctx, int rc, const char *err);

/* Ask for the policy to be read again; done(ctx, ...) is called when a read
 * that started after this call is over (done may be NULL: SIGHUP).  The
 * waiter, for reload_cancel; NULL with err set when there is no memory. */
struct reload_waiter *reload_request(struct sock6d *d, reload_done_fn done, void *ctx,
		    char *err, size_t errlen);
/* The asker went away: its done is never called. */
void		 reload_cancel(struct reload_waiter *w);
/* Whether a read runs now. */
bool		 reload_running(const struct sock6d *d);
/* At shutdown: no more reads; one under way finishes on its own thread
 * and its result is dropped.  Waiters left are freed uncalled. */
void		 reload_free(struct sock6d *d);

#endif
