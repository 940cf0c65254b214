/* user.h: what each user (uid) holds in the daemon at once, for the
 * per-user shares of its limits (connections, handles, pending calls,
 * queued output), and what it has done, for daemon.stats.  An entry lives
 * as long as the daemon: only uids of the system can connect, and its
 * counters then span the daemon's life. */
#ifndef SOCK6D_USER_H
#define SOCK6D_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "handle.h"

struct stats {
	uint64_t	requests;
	uint64_t	errors;
	uint64_t	bytes_in;	/* socket bytes received */
	uint64_t	bytes_out;	/* socket bytes sent */
};

struct user {
	uid_t		uid;
	unsigned long	conns;		/* control connections open */
	unsigned long	handles;	/* handles open */
	struct handle_list socks;	/* those handles, in id order (kept by sock.c) */
	unsigned long	reserved;	/* descriptors held that are no handle yet */
	unsigned long	pending;	/* calls parked */
	unsigned long	waiting_room;	/* of those, waiting for output room */
	size_t		pinned;		/* bytes of request lines they hold */
	size_t		output;		/* reply bytes in its connections' queues */
	size_t		held;		/* reply bytes in their unfinished batches */
	size_t		input;		/* bytes of its connections' input buffers
					 * beyond INPUT_BASE each (input_per_user) */
	bool		throttled;	/* output above output_per_user: no requests taken */
	double		refusals_since;	/* audit lines of grants refused to it: */
	unsigned	refusals_logged;	/* in the second since then, */
	unsigned long	refusals_left_out;	/* and those not logged */
	bool		short_of_room;	/* not every reply would fit (see conn_account) */
	struct stats	stats;
};

struct user_table {
	struct user	**users;
	size_t		  n, size;
};

void		 user_table_init(struct user_table *t);
void		 user_table_free(struct user_table *t);
/* The entry for uid, made on first use; NULL when out of memory. */
struct user	*user_get(struct user_table *t, uid_t uid);
/* The entry for uid, or NULL if it never had one. */
struct user	*user_find(const struct user_table *t, uid_t uid);

#endif
