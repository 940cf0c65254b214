/* fdstore.h: daemon-scoped handles that outlive a restart of the daemon,
 * kept by the service manager's fd store.
 *
 * At stop, when a manager listens and there is a state directory, each
 * daemon-scoped handle's socket goes to the store as "handle-<id>" (and
 * the directory its UNIX file was bound in, held since the bind, as
 * "dir-<id>"), and what a descriptor cannot carry goes to
 * <state dir>/handles.json: the handle's number, owner and state, its
 * counters, the bytes read from it but not yet delivered, and its UNIX
 * file.  At the next start the manager passes the descriptors back
 * (LISTEN_FDS); each is checked against the state file and takes its old
 * handle again.  The state file is the daemon's alone: it is read only
 * from a directory and a file owned by the daemon's user that no one else
 * may write to, and only up to FDSTORE_STATE_MAX bytes. */
#ifndef SOCK6D_FDSTORE_H
#define SOCK6D_FDSTORE_H

#include <stdbool.h>
#include <stddef.h>

struct service_fd;
struct sock6d;

#define FDSTORE_DEFAULT_DIR	"/run/sock6d"	/* the state directory of a daemon run as root */

/* Whether a descriptor socket activation passed is one the fd store gave
 * back ("handle-<id>" or "dir-<id>"). */
bool	 fdstore_owns(const char *name);
/* At stop: let the connections go (see sock6d_close_conns), then hand
 * every daemon-scoped handle to the fd store and write the state file.
 * Does nothing without state_dir or a manager that stores descriptors.
 * A handle that cannot be stored is left to close as usual (logged); one
 * stored is let go of here, its UNIX file left in place. */
void	 fdstore_save(struct sock6d *d, const char *state_dir);
/* At start: take the fd store's descriptors among fds[0..n) (the others
 * are left alone) back under their handles from the state file in
 * state_dir, then remove that file and have the manager drop its copies.
 * A descriptor without a valid entry, or an entry without its descriptor,
 * is dropped with a warning; every descriptor not taken is closed. */
void	 fdstore_restore(struct sock6d *d, const char *state_dir, struct service_fd *fds,
	    size_t n);

#endif
