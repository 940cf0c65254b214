/* fdstore.c: handles kept across a restart in the service manager's fd
 * store: handed over at stop with the state file that describes them,
 * taken back at start under the same numbers (see fdstore.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "fdstore.h"
#include "fdstore-state.h"
#include "handle.h"
#include "log.h"
#include "service.h"
#include "sock.h"
#include "sock6d.h"

/* A descriptor the fd store gave back. */
struct passed {
	uint64_t	 id;
	bool		 dir;		/* "dir-<id>", else "handle-<id>" */
	bool		 taken;		/* by a handle, or closed already */
	int		 fd;
	const char	*name;
};

/* "handle-<id>" or "dir-<id>": 0 with the id, -1 for any other name. */
static int
name_parse(const char *name, uint64_t *id, bool *dir)
{
	unsigned long long v;
	const char *p;
	char *end;

	if (strncmp(name, "handle-", 7) == 0) {
		*dir = false;
		p = name + 7;
	} else if (strncmp(name, "dir-", 4) == 0) {
		*dir = true;
		p = name + 4;
	} else
		return -1;
	if (*p < '1' || *p > '9')
		return -1;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno != 0 || *end != '\0' || v >= HANDLE_ID_MAX)
		return -1;
	*id = v;
	return 0;
}

bool
fdstore_owns(const char *name)
{
	uint64_t id;
	bool dir;

	return name_parse(name, &id, &dir) == 0;
}

/* Stop: handing the descriptors over. */

/* Hand s's socket, and the directory of its UNIX file, to the store. */
static int
store_one(struct sock *s)
{
	unsigned long long id = (unsigned long long)s->handle;
	char name[32];

	if (s->file != NULL) {
		snprintf(name, sizeof(name), "dir-%llu", id);
		if (service_store_fd(s->file->dirfd, name) == -1) {
			log_warn("handle %llu: cannot store the directory of its file; closed", id);
			return -1;
		}
	}
	snprintf(name, sizeof(name), "handle-%llu", id);
	if (service_store_fd(s->fd, name) == -1) {
		log_warn("handle %llu: cannot store it; closed", id);
		return -1;
	}
	log_debug("handle %llu: in the fd store (%zu bytes held)", id, s->held_bytes);
	return 0;
}

/* Each user's share of the state file's room for held bytes. */
struct held_share {
	uid_t	uid;
	size_t	left;
};

/* What is left of the state file once every daemon-scoped handle's own
 * entry is counted, split evenly between the users that hold bytes: one
 * user's held bytes never crowd out another user's handles.  The shares in
 * *out (free() it), how many in *nout; -1 when out of memory. */
static int
held_shares(struct sock **socks, size_t n, struct held_share **out, size_t *nout)
{
	struct held_share *sh;
	size_t i, k, meta = FDSTORE_TOP_ROOM, users = 0, budget;

	*nout = 0;
	if ((*out = sh = calloc(n > 0 ? n : 1, sizeof(*sh))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (socks[i]->scope != SCOPE_DAEMON)
			continue;
		meta += fdstore_entry_meta_size(socks[i]);
		if (socks[i]->held_bytes == 0)
			continue;
		for (k = 0; k < users && sh[k].uid != socks[i]->owner; k++)
			;
		if (k == users)
			sh[users++].uid = socks[i]->owner;
	}
	budget = meta < FDSTORE_STATE_MAX ? FDSTORE_STATE_MAX - meta : 0;
	for (k = 0; k < users; k++)
		sh[k].left = budget / users;
	*nout = users;
	return 0;
}

/* The share of owner, or NULL when it holds no bytes. */
static struct held_share *
share_of(struct held_share *sh, size_t n, uid_t owner)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (sh[k].uid == owner)
			return &sh[k];
	return NULL;
}

void
fdstore_save(struct sock6d *d, const char *state_dir)
{
	struct sock **socks = NULL, *s;
	struct held_share *shares = NULL, *share;
	json_object *list = NULL, *e;
	size_t i, n, size = FDSTORE_TOP_ROOM, need, held, chosen = 0, stored = 0, fds = 0;
	size_t nshares;
	size_t room = service_store_room();
	bool *keep = NULL;
	int dirfd, rc;

	if (state_dir == NULL || !service_can_store(&d->service))
		return;
	if ((dirfd = fdstore_dir_open(state_dir)) == -1)
		return;
	/* The connections go first: the calls they leave waiting give the
	 * bytes they read back to their handles, which keep them. */
	sock6d_close_conns(d);
	n = handle_collect(&d->handles, &socks);
	if ((n > 0 && (keep = calloc(n, sizeof(*keep))) == NULL) ||
	    held_shares(socks, n, &shares, &nshares) == -1) {
		log_warnx("fd store: out of memory: no handle stored");
		goto done;
	}
	list = json_object_new_array();
	for (i = 0; i < n; i++) {
		s = socks[i];
		if (s->scope != SCOPE_DAEMON)
			continue;
		if ((s->file != NULL ? 2 : 1) > room - fds) {
			log_warnx("handle %llu: no room left in the fd store (%zu descriptors): "
			    "not stored; closed", (unsigned long long)s->handle, room);
			continue;
		}
		need = fdstore_entry_size(s);
		held = need - fdstore_entry_meta_size(s);
		if (held > 0 && (share = share_of(shares, nshares, s->owner)) != NULL) {
			if (held > share->left) {
				log_warnx("handle %llu: its %zu bytes held are past uid %u's share of "
				    "the state file: not stored; closed", (unsigned long long)s->handle,
				    s->held_bytes, (unsigned)s->owner);
				continue;
			}
			share->left -= held;
		}
		if (need > FDSTORE_STATE_MAX - size) {
			log_warnx("handle %llu: its %zu bytes held do not fit in the state file: "
			    "not stored; closed", (unsigned long long)s->handle, s->held_bytes);
			continue;
		}
		if ((e = fdstore_entry_json(s)) == NULL) {
			log_warn("handle %llu: cannot describe it: not stored; closed",
			    (unsigned long long)s->handle);
			continue;
		}
		json_object_array_add(list, e);
		fds += s->file != NULL ? 2 : 1;
		size += need;
		keep[i] = true;
		chosen++;
	}
	/* The array goes with the state, written or not.  With no handle in
	 * it, the state still keeps the next handle id: ids are never reused. */
	rc = fdstore_state_write(dirfd, d->handles.next_id, list);
	list = NULL;
	if (rc == -1) {
		log_warn("%s/%s: cannot write the state: no handle stored", state_dir,
		    FDSTORE_STATE_FILE);
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (keep[i] && store_one(socks[i]) == 0) {
			sock_disown(socks[i]);	/* its UNIX file stays: the handle lives on */
			stored++;
		}
	}
	if (stored > 0)
		service_flush();
	else if (chosen > 0 &&	/* none went: the state keeps only the next id */
	    fdstore_state_write(dirfd, d->handles.next_id, json_object_new_array()) == -1)
		log_warn("%s/%s", state_dir, FDSTORE_STATE_FILE);
	log_info("fd store: %zu of %zu handles stored, described in %s/%s", stored, chosen,
	    state_dir, FDSTORE_STATE_FILE);
done:
	json_object_put(list);
	free(shares);
	free(keep);
	free(socks);
	close(dirfd);
}

/* Start: taking the descriptors back. */

/* The descriptor given back as handle-<id> (dir false) or dir-<id>, not yet taken. */
static struct passed *
passed_find(struct passed *p, size_t n, uint64_t id, bool dir)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!p[i].taken && p[i].id == id && p[i].dir == dir)
			return &p[i];
	return NULL;
}

/* Whether fd is the socket e describes, as the kernel tells. */
static bool
fd_matches(int fd, const struct fdstore_entry *e)
{
	static const int opts[] = { SO_DOMAIN, SO_TYPE, SO_PROTOCOL };
	const int want[] = { e->family, e->type, e->kernel_protocol };
	socklen_t len;
	size_t i;
	int v;

	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		len = sizeof(v);
		if (getsockopt(fd, SOL_SOCKET, opts[i], &v, &len) == -1 || v != want[i])
			return false;
	}
	return true;
}

/* Every descriptor of the daemon's is non-blocking and close-on-exec. */
static int
fd_prepare(int fd, bool nonblock)
{
	int fl;

	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	if (!nonblock)
		return 0;
	if ((fl = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

/* Give s back the file its bind made, with the directory held since the
 * bind, so that closing it removes that file as it would have before. */
static void
restore_file(struct sock *s, struct fdstore_entry *e, struct passed *p, size_t np)
{
	struct passed *dir = passed_find(p, np, e->handle, true);
	struct sock_file *f;
	struct stat st;
	char name[sizeof(e->file.name) * 4];

	log_escape(e->file.name, strlen(e->file.name), name, sizeof(name));
	if (dir == NULL || fstat(dir->fd, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    fd_prepare(dir->fd, false) == -1 || (f = malloc(sizeof(*f))) == NULL) {
		log_warnx("handle %llu: the directory of its file %s was not given back: "
		    "the file stays when the handle closes", (unsigned long long)s->handle, name);
		return;
	}
	*f = e->file;
	f->dirfd = dir->fd;
	dir->taken = true;
	s->file = f;
}

/* Take one handle of the state file back, with its descriptor. */
static void
restore_entry(struct sock6d *d, json_object *o, size_t index, struct passed *p, size_t np)
{
	unsigned long long id;
	struct passed *h;
	struct fdstore_entry e;
	struct sock *s;
	struct s6err err;
	const char *why;
	size_t i;

	if (fdstore_entry_parse(o, &e, &why) == -1) {
		log_warnx("%s: handle #%zu: %s: dropped", FDSTORE_STATE_FILE, index, why);
		goto out;
	}
	id = (unsigned long long)e.handle;
	if ((h = passed_find(p, np, e.handle, false)) == NULL) {
		log_warnx("handle %llu: described, but not given back by the fd store: dropped", id);
		goto out;
	}
	h->taken = true;
	if (!fd_matches(h->fd, &e) || handle_lookup(&d->handles, e.handle) != NULL) {
		log_warnx("handle %llu: fd %d is not the socket described, or the handle is "
		    "taken: closed", id, h->fd);
		close(h->fd);
		goto out;
	}
	if (fd_prepare(h->fd, true) == -1) {
		log_warn("handle %llu: fcntl; closed", id);
		close(h->fd);
		goto out;
	}
	if ((s = sock_wrap_fd(d, h->fd, e.family, e.type, e.protocol, (uid_t)e.owner,
	    &err)) == NULL) {
		log_warnx("handle %llu: %s; closed", id, err.message);
		goto out;
	}
	/* Its own number again, in place of the one it was wrapped under,
	 * and its place in the id order with it. */
	if (sock_set_handle(s, e.handle) == -1) {
		log_warnx("handle %llu: out of memory; closed", id);
		sock_close(s);
		goto out;
	}
	sock_set_scope(s, SCOPE_DAEMON, NULL);
	s->state = e.state;
	s->shut_rd = e.shut_rd;
	s->shut_wr = e.shut_wr;
	s->bytes_in = e.bytes_in;
	s->bytes_out = e.bytes_out;
	s->delivered = e.delivered;
	s->dropped = e.dropped;
	for (i = 0; i < e.nheld; i++)
		if (sock_hold(s, e.held[i].data, e.held[i].len,
		    e.held[i].fromlen > 0 ? &e.held[i].from : NULL, e.held[i].fromlen, false) == -1)
			log_warnx("handle %llu: out of memory: %zu bytes held lost", id,
			    e.held[i].len);
	if (e.has_file)
		restore_file(s, &e, p, np);
	log_info("handle %llu: taken back from the fd store (uid %u, %s, %zu bytes held)", id,
	    (unsigned)s->owner, sock_state_name(s->state), s->held_bytes);
out:
	fdstore_entry_free(&e);
}

/* Take back every handle the state file lists; then the file goes. */
static void
restore_all(struct sock6d *d, int dirfd, const char *dir, struct passed *p, size_t np,
    uint64_t next)
{
	json_object *root, *list;
	uint64_t v, id;
	size_t i, n;

	if ((root = fdstore_state_read(dirfd, dir, &v, &list)) == NULL)
		return;
	/* No id ever handed out comes again: past the saved next one and
	 * past every handle described. */
	if (v > next)
		next = v;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++)
		if (fdstore_entry_id(json_object_array_get_idx(list, i), &id) == 0 && id >= next)
			next = id + 1;
	handle_skip_to(&d->handles, next);
	for (i = 0; i < n; i++)
		restore_entry(d, json_object_array_get_idx(list, i), i, p, np);
	json_object_put(root);
	/* It described the stored set, now taken back. */
	if (unlinkat(dirfd, FDSTORE_STATE_FILE, 0) == -1)
		log_warn("%s/%s", dir, FDSTORE_STATE_FILE);
}

void
fdstore_restore(struct sock6d *d, const char *state_dir, struct service_fd *fds, size_t n)
{
	struct passed *p;
	uint64_t next = 0;
	size_t i, np = 0;
	int dirfd;

	if ((p = calloc(n > 0 ? n : 1, sizeof(*p))) == NULL) {
		log_warnx("fd store: out of memory: descriptors closed");
		for (i = 0; i < n; i++)
			if (fds[i].fd >= 0 && fdstore_owns(fds[i].name)) {
				close(fds[i].fd);
				fds[i].fd = -1;
			}
		return;
	}
	for (i = 0; i < n; i++) {
		if (fds[i].fd < 0 || name_parse(fds[i].name, &p[np].id, &p[np].dir) == -1)
			continue;
		p[np].fd = fds[i].fd;
		p[np].name = fds[i].name;
		fds[i].fd = -1;
		if (p[np].id >= next)
			next = p[np].id + 1;
		np++;
	}
	if (np == 0) {
		/* Nothing came back (a first start, or one after a full stop):
		 * a state file left there still says which ids were handed out. */
		if (state_dir != NULL && (dirfd = fdstore_dir_open(state_dir)) != -1) {
			struct stat st;

			if (fstatat(dirfd, FDSTORE_STATE_FILE, &st, AT_SYMLINK_NOFOLLOW) == 0)
				restore_all(d, dirfd, state_dir, p, 0, 0);
			close(dirfd);
		}
		goto out;
	}
	handle_skip_to(&d->handles, next);
	log_info("fd store: descriptors given back: %zu", np);
	if (state_dir == NULL)
		log_warnx("fd store: no state directory (--state-dir) describes them");
	else if ((dirfd = fdstore_dir_open(state_dir)) != -1) {
		restore_all(d, dirfd, state_dir, p, np, next);
		close(dirfd);
	}
	for (i = 0; i < np; i++) {
		if (!p[i].taken) {
			log_warnx("fd store: fd %d named %s: no handle to go with: closed", p[i].fd,
			    p[i].name);
			close(p[i].fd);
		}
		/* The daemon's alone from now on: closed here, closed for good. */
		service_unstore_fd(p[i].name);
	}
out:
	free(p);
}
