/* fdstore-state.c: the fd store's state file: each stored handle's entry
 * written from its socket at stop, and read back and checked at start
 * (the format is in fdstore-state.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base64.h"
#include "fdstore-state.h"
#include "handle.h"
#include "log.h"

#define STATE_VERSION	1
#define STATE_DEPTH	8	/* nesting the state file's JSON may have */
/* The most JSON an entry takes besides its held bytes' base64 (every
 * number at its largest, every byte of a name escaped as \u00XX): */
#define ENTRY_ROOM	512	/* its fields */
#define FILE_ROOM	2304	/* its "file" (path, name, 64 groups) */
#define CHUNK_ROOM	32	/* each held chunk's keys */

int
fdstore_dir_open(const char *dir)
{
	struct stat st;
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		log_warn("state directory %s: not used", dir);
		return -1;
	}
	if (fstat(fd, &st) == -1 || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warnx("state directory %s: not owned by uid %u, or writable by others: not used",
		    dir, (unsigned)geteuid());
		close(fd);
		return -1;
	}
	return fd;
}

/* Writing, at stop. */

static json_object *
json_base64(const void *p, size_t n)
{
	json_object *o;
	char *text;

	if (n > INT_MAX / 2 || (text = malloc(base64_encoded_len(n) + 1)) == NULL)
		return NULL;
	n = base64_encode(p, n, text);
	o = json_object_new_string_len(text, (int)n);
	free(text);
	return o;
}

size_t
fdstore_entry_meta_size(const struct sock *s)
{
	return ENTRY_ROOM + (s->file != NULL ? FILE_ROOM : 0);
}

size_t
fdstore_entry_size(const struct sock *s)
{
	const struct chunk *ch;
	size_t n = ENTRY_ROOM + (s->file != NULL ? FILE_ROOM : 0);

	for (ch = s->held; ch != NULL; ch = ch->next)
		n += base64_encoded_len(ch->len - ch->off) + base64_encoded_len(ch->fromlen) +
		    CHUNK_ROOM;
	return n;
}

/* The bytes held on s, oldest first; NULL when out of memory. */
static json_object *
held_json(const struct sock *s)
{
	json_object *list = json_object_new_array(), *o, *v;
	const struct chunk *ch;

	for (ch = s->held; ch != NULL; ch = ch->next) {
		o = json_object_new_object();
		json_object_array_add(list, o);
		if ((v = json_base64(ch->data + ch->off, ch->len - ch->off)) == NULL)
			goto fail;
		json_object_object_add(o, "data", v);
		if (ch->fromlen == 0)
			continue;
		if ((v = json_base64(&ch->from, ch->fromlen)) == NULL)
			goto fail;
		json_object_object_add(o, "from", v);
	}
	return list;
fail:
	json_object_put(list);
	errno = ENOMEM;
	return NULL;
}

/* The file a UNIX bind made: what removing it safely later needs (the
 * directory itself goes to the store as dir-<id>), and its path to read. */
static json_object *
file_json(const struct sock *s)
{
	const struct sock_file *f = s->file;
	json_object *o = json_object_new_object(), *groups = json_object_new_array();
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);
	size_t base = offsetof(struct sockaddr_un, sun_path);
	int i;

	memset(&sun, 0, sizeof(sun));
	if (getsockname(s->fd, (struct sockaddr *)&sun, &len) == 0 && len > base &&
	    sun.sun_path[0] == '/')
		json_object_object_add(o, "path", json_object_new_string_len(sun.sun_path,
		    (int)strnlen(sun.sun_path, len - base)));
	json_object_object_add(o, "name", json_object_new_string(f->name));
	json_object_object_add(o, "dev", json_object_new_uint64((uint64_t)f->dev));
	json_object_object_add(o, "ino", json_object_new_uint64((uint64_t)f->ino));
	json_object_object_add(o, "uid", json_object_new_int64(f->creds.uid));
	json_object_object_add(o, "gid", json_object_new_int64(f->creds.gid));
	for (i = 0; i < f->creds.ngroups; i++)
		json_object_array_add(groups, json_object_new_int64(f->creds.groups[i]));
	json_object_object_add(o, "groups", groups);
	return o;
}

json_object *
fdstore_entry_json(const struct sock *s)
{
	json_object *o, *held;
	socklen_t len = sizeof(int);
	int proto;

	if (getsockopt(s->fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == -1 ||
	    (held = held_json(s)) == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "handle", json_object_new_uint64(s->handle));
	json_object_object_add(o, "owner", json_object_new_int64(s->owner));
	json_object_object_add(o, "family", json_object_new_int(s->family));
	json_object_object_add(o, "type", json_object_new_int(s->type));
	json_object_object_add(o, "protocol", json_object_new_int(s->protocol));
	json_object_object_add(o, "kernel_protocol", json_object_new_int(proto));
	json_object_object_add(o, "state", json_object_new_string(sock_state_name(s->state)));
	json_object_object_add(o, "shut_rd", json_object_new_boolean(s->shut_rd));
	json_object_object_add(o, "shut_wr", json_object_new_boolean(s->shut_wr));
	json_object_object_add(o, "bytes_in", json_object_new_uint64(s->bytes_in));
	json_object_object_add(o, "bytes_out", json_object_new_uint64(s->bytes_out));
	json_object_object_add(o, "delivered", json_object_new_uint64(s->delivered));
	json_object_object_add(o, "dropped", json_object_new_uint64(s->dropped));
	json_object_object_add(o, "held", held);
	if (s->file != NULL)
		json_object_object_add(o, "file", file_json(s));
	return o;
}

/* Write root as the state file: a new file beside it, renamed over it. */
static int
state_write(int dirfd, json_object *root)
{
	const char *text;
	char tmp[64];
	size_t len, off = 0;
	ssize_t w;
	int fd, err;

	text = json_object_to_json_string_length(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	snprintf(tmp, sizeof(tmp), ".%s.%ld", FDSTORE_STATE_FILE, (long)getpid());
	(void)unlinkat(dirfd, tmp, 0);	/* left by an earlier stop cut short */
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	while (off < len) {
		if ((w = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0600) == -1 || fsync(fd) == -1)
		goto fail;
	w = close(fd);
	fd = -1;
	if (w == -1 || renameat(dirfd, tmp, dirfd, FDSTORE_STATE_FILE) == -1)
		goto fail;
	return 0;
fail:
	err = errno;
	if (fd != -1)
		close(fd);
	(void)unlinkat(dirfd, tmp, 0);
	errno = err;
	return -1;
}

int
fdstore_state_write(int dirfd, uint64_t next_handle, json_object *handles)
{
	json_object *root = json_object_new_object();
	int rc;

	json_object_object_add(root, "version", json_object_new_int(STATE_VERSION));
	json_object_object_add(root, "next_handle", json_object_new_uint64(next_handle));
	json_object_object_add(root, "handles", handles);
	rc = state_write(dirfd, root);
	json_object_put(root);
	return rc;
}


/* Reading, at start. */

/* Whether st may be the state file: a regular file of the daemon's user
 * that no one else may write to, of at most FDSTORE_STATE_MAX bytes.
 * Logged when not. */
static bool
state_trusted(const struct stat *st, const char *dir)
{
	if (!S_ISREG(st->st_mode) || st->st_uid != geteuid() ||
	    (st->st_mode & (S_IWGRP | S_IWOTH))) {
		log_warnx("%s/%s: not a file of uid %u that only it may write: ignored", dir,
		    FDSTORE_STATE_FILE, (unsigned)geteuid());
		return false;
	}
	if (st->st_size < 0 || (uintmax_t)st->st_size > FDSTORE_STATE_MAX) {
		log_warnx("%s/%s: larger than %u bytes: ignored", dir, FDSTORE_STATE_FILE,
		    FDSTORE_STATE_MAX);
		return false;
	}
	return true;
}

/* The state file in dirfd, parsed, if state_trusted: looked at before it
 * is opened (whatever the daemon's rights to open it) and again once
 * open.  NULL, logged, otherwise. */
static json_object *
state_read(int dirfd, const char *dir)
{
	json_tokener *tok = NULL;
	json_object *root = NULL;
	struct stat before, st;
	char *buf = NULL;
	size_t got = 0, size;
	ssize_t r = 0;
	int fd;

	if (fstatat(dirfd, FDSTORE_STATE_FILE, &before, AT_SYMLINK_NOFOLLOW) == -1) {
		log_warn("%s/%s: ignored", dir, FDSTORE_STATE_FILE);
		return NULL;
	}
	if (!state_trusted(&before, dir))
		return NULL;
	fd = openat(dirfd, FDSTORE_STATE_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		log_warn("%s/%s: ignored", dir, FDSTORE_STATE_FILE);
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("%s/%s: ignored", dir, FDSTORE_STATE_FILE);
		goto out;
	}
	if (st.st_dev != before.st_dev || st.st_ino != before.st_ino) {
		log_warnx("%s/%s: replaced while opened: ignored", dir, FDSTORE_STATE_FILE);
		goto out;
	}
	if (!state_trusted(&st, dir))
		goto out;
	size = (size_t)st.st_size;
	if ((buf = malloc(size + 1)) == NULL) {
		log_warnx("%s/%s: out of memory", dir, FDSTORE_STATE_FILE);
		goto out;
	}
	/* One byte more than its size: a file still growing is not read. */
	while (got <= size && ((r = read(fd, buf + got, size + 1 - got)) > 0 ||
	    (r == -1 && errno == EINTR)))
		got += r > 0 ? (size_t)r : 0;
	if (r == -1 || got != size) {
		if (r == -1)
			log_warn("%s/%s: ignored", dir, FDSTORE_STATE_FILE);
		else
			log_warnx("%s/%s: changed while read: ignored", dir, FDSTORE_STATE_FILE);
		goto out;
	}
	if ((tok = json_tokener_new_ex(STATE_DEPTH)) == NULL)
		goto out;
	root = json_tokener_parse_ex(tok, buf, (int)got);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != got) {
		log_warnx("%s/%s: not JSON: ignored", dir, FDSTORE_STATE_FILE);
		json_object_put(root);
		root = NULL;
	}
out:
	if (tok != NULL)
		json_tokener_free(tok);
	free(buf);
	close(fd);
	return root;
}

/* The member key of o as an integer from 0 to max: 0, or -1. */
static int
get_uint(json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return -1;
	*out = json_object_get_uint64(v);
	return *out <= max ? 0 : -1;
}

static int
get_int(json_object *o, const char *key, int *out)
{
	uint64_t v;

	if (get_uint(o, key, INT_MAX, &v) == -1)
		return -1;
	*out = (int)v;
	return 0;
}

static int
get_bool(json_object *o, const char *key, bool *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(v);
	return 0;
}

/* The member key of o as a string without NUL bytes, or NULL. */
static const char *
get_string(json_object *o, const char *key, size_t *len)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return strlen(s) == *len ? s : NULL;
}

/* The member key of o decoded from base64 into a new buffer: 0, or -1. */
static int
get_base64(json_object *o, const char *key, char **out, size_t *len)
{
	const char *text;
	ssize_t n;
	size_t tlen;

	*out = NULL;
	if ((text = get_string(o, key, &tlen)) == NULL ||
	    (*out = malloc(base64_decoded_max(tlen) + 1)) == NULL)
		return -1;
	if ((n = base64_decode(text, tlen, *out)) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

/* An entry's "held" into e->held, each chunk decoded, a sender no longer
 * than an address: 0, or -1. */
static int
held_parse(json_object *list, struct fdstore_entry *e)
{
	struct fdstore_held *ch;
	json_object *o;
	size_t i, n, len;
	char *from;

	if (!json_object_is_type(list, json_type_array))
		return -1;
	n = json_object_array_length(list);
	if (n > 0 && (e->held = calloc(n, sizeof(*e->held))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(list, i);
		ch = &e->held[e->nheld];
		if (!json_object_is_type(o, json_type_object) ||
		    get_base64(o, "data", &ch->data, &ch->len) == -1)
			return -1;
		e->nheld++;
		if (!json_object_object_get_ex(o, "from", NULL))
			continue;
		if (get_base64(o, "from", &from, &len) == -1)
			return -1;
		if (len > sizeof(ch->from)) {
			free(from);
			return -1;
		}
		memcpy(&ch->from, from, len);
		ch->fromlen = (socklen_t)len;
		free(from);
	}
	return 0;
}

/* An entry's "file" into e->file: a name a directory can hold (no "/",
 * not "." or ".."), uids and gids that can be: 0, or -1. */
static int
file_parse(json_object *o, struct fdstore_entry *e)
{
	struct sock_file *f = &e->file;
	json_object *groups;
	const char *name;
	uint64_t v;
	size_t i, n;

	if (!json_object_is_type(o, json_type_object) ||
	    (name = get_string(o, "name", &n)) == NULL || n == 0 || n >= sizeof(f->name) ||
	    strchr(name, '/') != NULL || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -1;
	memcpy(f->name, name, n + 1);
	if (get_uint(o, "dev", UINT64_MAX, &v) == -1)
		return -1;
	f->dev = (dev_t)v;
	if (get_uint(o, "ino", UINT64_MAX, &v) == -1)
		return -1;
	f->ino = (ino_t)v;
	if (get_uint(o, "uid", UINT32_MAX - 1, &v) == -1)
		return -1;
	f->creds.uid = (uid_t)v;
	if (get_uint(o, "gid", UINT32_MAX - 1, &v) == -1)
		return -1;
	f->creds.gid = (gid_t)v;
	if (!json_object_object_get_ex(o, "groups", &groups) ||
	    !json_object_is_type(groups, json_type_array) ||
	    (n = json_object_array_length(groups)) > CREDS_MAX_GROUPS)
		return -1;
	for (i = 0; i < n; i++) {
		json_object *g = json_object_array_get_idx(groups, i);

		if (!json_object_is_type(g, json_type_int) || json_object_get_int64(g) < 0 ||
		    json_object_get_int64(g) > (int64_t)UINT32_MAX - 1)
			return -1;
		f->creds.groups[i] = (gid_t)json_object_get_int64(g);
	}
	f->creds.ngroups = (int)n;
	e->has_file = true;
	return 0;
}

int
fdstore_entry_parse(json_object *o, struct fdstore_entry *e, const char **why)
{
	json_object *v;
	const char *state;
	uint64_t owner;
	size_t len;
	int st;

	memset(e, 0, sizeof(*e));
	e->file.dirfd = -1;
	*why = "not an object";
	if (!json_object_is_type(o, json_type_object))
		return -1;
	*why = "no valid handle";
	if (get_uint(o, "handle", HANDLE_ID_MAX - 1, &e->handle) == -1 || e->handle == 0)
		return -1;
	*why = "no valid owner";
	if (get_uint(o, "owner", UINT32_MAX - 1, &owner) == -1)
		return -1;
	e->owner = owner;
	*why = "no valid family, type or protocol";
	if (get_int(o, "family", &e->family) == -1 || get_int(o, "type", &e->type) == -1 ||
	    get_int(o, "protocol", &e->protocol) == -1 ||
	    get_int(o, "kernel_protocol", &e->kernel_protocol) == -1 ||
	    (e->protocol != 0 && e->protocol != e->kernel_protocol))
		return -1;
	*why = "no valid state";
	if ((state = get_string(o, "state", &len)) == NULL)
		return -1;
	for (st = SS_OPEN; st <= SS_CONNECTED; st++)
		if (strcmp(state, sock_state_name((enum sock_state)st)) == 0)
			break;
	if (st > SS_CONNECTED)
		return -1;
	e->state = (enum sock_state)st;
	*why = "no valid counters";
	if (get_bool(o, "shut_rd", &e->shut_rd) == -1 || get_bool(o, "shut_wr", &e->shut_wr) == -1 ||
	    get_uint(o, "bytes_in", UINT64_MAX, &e->bytes_in) == -1 ||
	    get_uint(o, "bytes_out", UINT64_MAX, &e->bytes_out) == -1 ||
	    get_uint(o, "delivered", UINT64_MAX, &e->delivered) == -1 ||
	    get_uint(o, "dropped", UINT64_MAX, &e->dropped) == -1)
		return -1;
	*why = "no valid held bytes";
	if (!json_object_object_get_ex(o, "held", &v) || held_parse(v, e) == -1)
		return -1;
	*why = "no valid file";
	if (json_object_object_get_ex(o, "file", &v) && file_parse(v, e) == -1)
		return -1;
	return 0;
}

void
fdstore_entry_free(struct fdstore_entry *e)
{
	size_t i;

	for (i = 0; i < e->nheld; i++)
		free(e->held[i].data);
	free(e->held);
	e->held = NULL;
	e->nheld = 0;
}

int
fdstore_entry_id(json_object *o, uint64_t *id)
{
	return json_object_is_type(o, json_type_object) &&
	    get_uint(o, "handle", HANDLE_ID_MAX - 1, id) == 0 && *id > 0 ? 0 : -1;
}

json_object *
fdstore_state_read(int dirfd, const char *dir, uint64_t *next_handle, json_object **handles)
{
	json_object *root;
	uint64_t version;

	if ((root = state_read(dirfd, dir)) == NULL)
		return NULL;
	if (!json_object_is_type(root, json_type_object) ||
	    get_uint(root, "version", UINT64_MAX, &version) == -1 || version != STATE_VERSION ||
	    get_uint(root, "next_handle", HANDLE_ID_MAX, next_handle) == -1 ||
	    !json_object_object_get_ex(root, "handles", handles) ||
	    !json_object_is_type(*handles, json_type_array)) {
		log_warnx("%s/%s: not a state file of this version: ignored", dir,
		    FDSTORE_STATE_FILE);
		json_object_put(root);
		return NULL;
	}
	return root;
}
