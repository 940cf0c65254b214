/* fdstore-state.h: the state file of the fd store, <state dir>/handles.json:
 * what it says of each stored handle (what its descriptor cannot tell),
 * written at stop, read and checked at start (see fdstore.h).
 *
 *   {"version": 1, "next_handle": N, "handles": [{"handle": N, "owner": UID,
 *    "family": N, "type": N, "protocol": N, "kernel_protocol": N,
 *    "state": "connected", "shut_rd": false, "shut_wr": false,
 *    "bytes_in": N, "bytes_out": N, "delivered": N, "dropped": N,
 *    "held": [{"data": BASE64, "from": BASE64}],
 *    "file": {"path": "/dir/name", "name": "name", "dev": N, "ino": N,
 *             "uid": N, "gid": N, "groups": [N]}}]}
 *
 * "held" is the bytes read from the socket and not yet delivered, oldest
 * first (a datagram per element, with its sender's raw sockaddr as
 * "from"); "file" the file a UNIX bind made, removed at close through
 * the directory stored as dir-<id>. */
#ifndef SOCK6D_FDSTORE_STATE_H
#define SOCK6D_FDSTORE_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <json-c/json.h>

#include "sock.h"

#define FDSTORE_STATE_FILE	"handles.json"
#define FDSTORE_STATE_MAX	(64u << 20)	/* bytes a state file may take */

/* Bytes held on a handle, decoded. */
struct fdstore_held {
	char			*data;
	size_t			 len;
	struct sockaddr_storage	 from;
	socklen_t		 fromlen;
};

/* One handle of the state file, checked. */
struct fdstore_entry {
	uint64_t		 handle, owner;
	uint64_t		 bytes_in, bytes_out, delivered, dropped;
	int			 family, type, protocol, kernel_protocol;
	enum sock_state		 state;
	bool			 shut_rd, shut_wr;
	struct fdstore_held	*held;
	size_t			 nheld;
	bool			 has_file;
	struct sock_file	 file;		/* dirfd -1: the store gives it back */
};

/* The state directory, when the state may live there: a directory owned
 * by the daemon's user that no one else may write to.  Its descriptor,
 * or -1 (logged). */
int		 fdstore_dir_open(const char *dir);

#define FDSTORE_TOP_ROOM	128	/* the state file's JSON besides its entries */

/* The most bytes s's entry can take in the state file. */
size_t		 fdstore_entry_size(const struct sock *s);
/* Of that, what the entry takes without its held bytes. */
size_t		 fdstore_entry_meta_size(const struct sock *s);
/* s's entry; NULL when it cannot be told (errno set). */
json_object	*fdstore_entry_json(const struct sock *s);
/* Write the state file in dirfd: next_handle and the entries (the array
 * is taken).  A new file beside it, renamed over it.  0, or -1 with errno. */
int		 fdstore_state_write(int dirfd, uint64_t next_handle, json_object *handles);

/* Read the state file in dirfd (dir names it in logs): only a regular
 * file owned by the daemon's user that no one else may write to, of at
 * most FDSTORE_STATE_MAX bytes, of this version.  The document (free it
 * with json_object_put), its next_handle and its array of entries; NULL
 * (logged) otherwise. */
json_object	*fdstore_state_read(int dirfd, const char *dir, uint64_t *next_handle,
		    json_object **handles);
/* The handle number of an entry, if it has a valid one: 0, or -1. */
int		 fdstore_entry_id(json_object *o, uint64_t *id);
/* Read and check one entry into e: 0, or -1 with why set.  Always
 * fdstore_entry_free(e) after. */
int		 fdstore_entry_parse(json_object *o, struct fdstore_entry *e, const char **why);
void		 fdstore_entry_free(struct fdstore_entry *e);

#endif
