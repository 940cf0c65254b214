/* sock.c: the managed socket: creation and adoption under the per-user
 * quota, scope, the consumers of its sides, closing (consumers told, UNIX
 * path removed), the held bytes and the socket.info view. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <unistd.h>

#include "log.h"
#include "grant.h"
#include "sock.h"
#include "sock6d.h"
#include "sockaddr.h"

static void	sock_io_cb(struct ev_loop *, ev_io *, int);

/* One more handle for owner: within its own share, and within the total
 * less root's reserve (root: the total itself). */
int
sock_check_quota(struct sock6d *d, uid_t owner, struct s6err *e)
{
	struct user *u = user_find(&d->users, owner);
	long max = grant_limits_for(d, owner)->handles_per_user;
	long open = (long)(handle_count(&d->handles) + d->reserved);
	long total = d->limits.max_handles - (owner != 0 ? d->limits.root_handles : 0);

	if (u != NULL && (long)(u->handles + u->reserved) >= max) {
		err_limit(e, "handles_per_user", max);
		return -1;
	}
	if (open >= total) {
		err_limit(e, "max_handles", d->limits.max_handles);
		return -1;
	}
	return 0;
}

int
sock_reserve_fd(struct sock6d *d, uid_t owner, struct s6err *e)
{
	struct user *u;

	if (sock_check_quota(d, owner, e) == -1)
		return -1;
	if ((u = user_get(&d->users, owner)) == NULL) {
		err_set(e, S6_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	u->reserved++;
	d->reserved++;
	return 0;
}

void
sock_unreserve_fd(struct sock6d *d, uid_t owner)
{
	struct user *u = user_find(&d->users, owner);

	if (u != NULL && u->reserved > 0)
		u->reserved--;
	if (d->reserved > 0)
		d->reserved--;
}

/* Wrap fd in a new handle. */
static struct sock *
sock_wrap(struct sock6d *d, int fd, int family, int type, int protocol, uid_t owner,
    struct s6err *e)
{
	struct sock *s;
	struct user *u;

	if ((u = user_get(&d->users, owner)) == NULL || (s = calloc(1, sizeof(*s))) == NULL) {
		err_set(e, S6_INTERNAL_ERROR, "out of memory");
		close(fd);
		return NULL;
	}
	s->d = d;
	s->fd = fd;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->owner = owner;
	s->user = u;
	s->held_tail = &s->held;
	TAILQ_INIT(&s->readers);
	TAILQ_INIT(&s->writers);
	s->consumer[SIDE_READ] = s->consumer[SIDE_WRITE] = &sock_calls_consumer;
	ev_io_init(&s->rio, sock_io_cb, fd, EV_READ);
	ev_io_init(&s->wio, sock_io_cb, fd, EV_WRITE);
	s->rio.data = s->wio.data = s;
	s->handle = handle_next_id(&d->handles);
	if (s->handle == 0 || handle_insert(&d->handles, s->handle, s) == -1) {
		if (s->handle == 0)
			err_set(e, S6_LIMIT, "no handle id left (2^53 handed out)");
		else
			err_set(e, S6_INTERNAL_ERROR, "out of memory");
		close(fd);
		free(s);
		return NULL;
	}
	u->handles++;
	handle_list_add(&d->handles.order, &s->all_link, s->handle);
	handle_list_add(&u->socks, &s->own_link, s->handle);
	log_debug("handle %llu: fd %d family %d type %d for uid %u",
	    (unsigned long long)s->handle, fd, family, type, (unsigned)owner);
	return s;
}

struct sock *
sock_create(struct sock6d *d, int family, int type, int protocol, uid_t owner,
    struct s6err *e)
{
	int fd;

	if (sock_check_quota(d, owner, e) == -1)
		return NULL;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd == -1) {
		err_sys(e, errno, "socket", "cannot create socket", false);
		return NULL;
	}
	return sock_wrap(d, fd, family, type, protocol, owner, e);
}

struct sock *
sock_wrap_fd(struct sock6d *d, int fd, int family, int type, int protocol, uid_t owner,
    struct s6err *e)
{
	if (sock_check_quota(d, owner, e) == -1) {
		close(fd);
		return NULL;
	}
	return sock_wrap(d, fd, family, type, protocol, owner, e);
}

struct sock *
sock_adopt(struct sock6d *d, int fd, const struct sock *listener, uid_t owner,
    struct s6err *e)
{
	struct sock *s;

	s = sock_wrap(d, fd, listener->family, listener->type, listener->protocol, owner, e);
	if (s != NULL)
		s->state = SS_CONNECTED;
	return s;
}

void
sock_set_scope(struct sock *s, enum sock_scope scope, struct sock_list *scoped)
{
	s->scope = scope;
	if (scope == SCOPE_CONNECTION && scoped != NULL) {
		s->scope_list = scoped;
		LIST_INSERT_HEAD(scoped, s, scope_entry);
	}
}

bool
sock_usable_by(const struct sock *s, uid_t uid)
{
	return !s->closed && (uid == 0 || uid == s->owner);
}

int
sock_set_handle(struct sock *s, uint64_t id)
{
	struct handle_table *t = &s->d->handles;

	handle_remove(t, s->handle);
	handle_list_del(&t->order, &s->all_link);
	handle_list_del(&s->user->socks, &s->own_link);
	s->handle = id;
	handle_list_add(&t->order, &s->all_link, id);
	handle_list_add(&s->user->socks, &s->own_link, id);
	return handle_insert(t, id, s);
}

/* The socket a link of one of the id-ordered lists belongs to. */
static struct sock *
sock_of_link(struct handle_link *k, bool own)
{
	if (k == NULL)
		return NULL;
	return (struct sock *)(void *)((char *)k - (own ? offsetof(struct sock, own_link) :
	    offsetof(struct sock, all_link)));
}

struct sock *
sock_first_listed(struct sock6d *d, uid_t uid, uint64_t after)
{
	struct handle_list *l;
	struct user *u;
	struct sock *s;

	if (uid == 0)
		l = &d->handles.order;
	else if ((u = user_find(&d->users, uid)) != NULL)
		l = &u->socks;
	else
		return NULL;
	/* The previous page's last handle, still open: right after it. */
	if (after > 0 && (s = handle_lookup(&d->handles, after)) != NULL &&
	    sock_usable_by(s, uid))
		return sock_next_listed(s, uid);
	return sock_of_link(handle_list_seek(l, after), uid != 0);
}

struct sock *
sock_next_listed(struct sock *s, uid_t uid)
{
	return uid == 0 ? sock_of_link(TAILQ_NEXT(&s->all_link, entry), false) :
	    sock_of_link(TAILQ_NEXT(&s->own_link, entry), true);
}

bool
sock_is_stream(const struct sock *s)
{
	return s->type == SOCK_STREAM;
}

void
sock_kick(struct sock *s)
{
	if (s->kick_scheduled || s->closed)
		return;
	s->kick_scheduled = true;
	LIST_INSERT_HEAD(&s->d->kick, s, kick_entry);
	sock6d_defer(s->d);
}

void
sock_kick_run(struct sock6d *d)
{
	struct sock *s;

	while ((s = LIST_FIRST(&d->kick)) != NULL) {
		LIST_REMOVE(s, kick_entry);
		s->kick_scheduled = false;
		s->consumer[SIDE_READ]->ready(s, SIDE_READ, s->consumer_ctx[SIDE_READ]);
	}
}

int
sock_claim(struct sock *s, enum sock_side side, const struct sock_consumer *c, void *ctx,
    struct s6err *e)
{
	struct waiter_list *q = side == SIDE_READ ? &s->readers : &s->writers;

	if (s->consumer[side] != &sock_calls_consumer) {
		sock_busy_error(s, side, e);
		return -1;
	}
	if (!TAILQ_EMPTY(q)) {
		err_set(e, S6_BUSY, "the handle has calls waiting on it");
		e->handle = s->handle;
		return -1;
	}
	sock_watch(s, side, false);
	s->consumer[side] = c;
	s->consumer_ctx[side] = ctx;
	return 0;
}

void
sock_release(struct sock *s, enum sock_side side)
{
	sock_watch(s, side, false);
	s->consumer[side] = &sock_calls_consumer;
	s->consumer_ctx[side] = NULL;
}

void
sock_busy_error(const struct sock *s, enum sock_side side, struct s6err *e)
{
	err_set(e, S6_BUSY, "the handle is %s",
	    sock_consumer_kind(s, side) == CONSUMER_RELAY ? "attached" : "subscribed");
	e->handle = s->handle;
}

void
sock_watch(struct sock *s, enum sock_side side, bool on)
{
	ev_io *w = side == SIDE_READ ? &s->rio : &s->wio;

	if (on && !s->closed)
		ev_io_start(s->d->loop, w);
	else
		ev_io_stop(s->d->loop, w);
}

void
sock_count(struct sock *s, size_t in, size_t out)
{
	s->bytes_in += in;
	s->bytes_out += out;
	s->user->stats.bytes_in += in;
	s->user->stats.bytes_out += out;
	s->d->stats.bytes_in += in;
	s->d->stats.bytes_out += out;
}

/* close(2) of a socket with SO_LINGER on waits up to its linger time, even
 * when non-blocking: that wait happens on a thread of its own.  At most
 * LINGER_THREADS of them at once, every user's together: each holds a
 * thread and a descriptor for up to the linger time (hours), and a client
 * may close as fast as it creates.  Past that, a socket is closed without
 * lingering: the kernel still sends what is queued, in the background, but
 * no longer resets the connection when the time runs out. */
#define LINGER_THREADS	64

static atomic_uint lingering;

static void *
linger_close_thread(void *arg)
{
	close((int)(intptr_t)arg);
	atomic_fetch_sub(&lingering, 1);
	return NULL;
}

/* Close fd at once, its linger time cleared. */
static int
close_without_linger(int fd)
{
	struct linger l = { 0, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	return close(fd);
}

/* Close fd without ever blocking the loop. */
static int
sock_close_fd(int fd)
{
	struct linger l;
	socklen_t len = sizeof(l);
	pthread_attr_t attr;
	pthread_t t;
	sigset_t all, old;
	int rc;

	if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len) == -1 || !l.l_onoff ||
	    l.l_linger == 0)
		return close(fd);
	if (atomic_fetch_add(&lingering, 1) >= LINGER_THREADS) {
		atomic_fetch_sub(&lingering, 1);
		log_debug("fd %d: %d lingering closes already: closed without linger", fd,
		    LINGER_THREADS);
		return close_without_linger(fd);
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&t, &attr, linger_close_thread, (void *)(intptr_t)fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return 0;
	/* No thread: let the kernel finish in the background instead. */
	atomic_fetch_sub(&lingering, 1);
	log_warnx("fd %d: no thread for a lingering close; closing without linger", fd);
	return close_without_linger(fd);
}

/* Open the directory of a bound UNIX path and note which file the bind
 * made there.  Runs as the binding client: it names only what the client
 * itself could reach. */
static void
sock_file_remember(struct sock *s, const struct s6_sockaddr *addr, const struct creds *who)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&addr->ss;
	char path[sizeof(sun->sun_path) + 1], *slash;
	struct sock_file *f;
	struct stat st;

	if (addr->ss.ss_family != AF_UNIX || sun->sun_path[0] != '/')
		return;		/* abstract: no file */
	memcpy(path, sun->sun_path, sizeof(sun->sun_path));
	path[sizeof(sun->sun_path)] = '\0';
	slash = strrchr(path, '/');
	if (slash[1] == '\0' || (f = calloc(1, sizeof(*f))) == NULL)
		return;
	snprintf(f->name, sizeof(f->name), "%s", slash + 1);
	if (slash == path)
		slash++;	/* a file in "/" */
	*slash = '\0';
	f->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (f->dirfd == -1 ||
	    fstatat(f->dirfd, f->name, &st, AT_SYMLINK_NOFOLLOW) == -1 || !S_ISSOCK(st.st_mode)) {
		if (f->dirfd != -1)
			close(f->dirfd);
		free(f);
		return;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->creds = *who;
	s->file = f;
}

/* Remove the file a bind made, as the client that bound it, through the
 * directory it was made in, if that name is still that socket. */
static void
sock_file_remove(struct sock *s)
{
	struct sock_file *f = s->file;
	struct creds_saved saved;
	struct stat st;

	if (f == NULL)
		return;
	creds_enter(&f->creds, &saved);
	if (fstatat(f->dirfd, f->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == f->dev && st.st_ino == f->ino &&
	    unlinkat(f->dirfd, f->name, 0) == -1)
		log_debug("handle %llu: unlink %s: %s", (unsigned long long)s->handle, f->name,
		    strerror(errno));
	creds_leave(&saved);
	close(f->dirfd);
	free(f);
	s->file = NULL;
}

int
sock_bind(struct sock *s, const struct s6_sockaddr *addr, const struct creds *who,
    struct s6err *e)
{
	if (grant_bind(s->d, s->fd, (const struct sockaddr *)&addr->ss, addr->len, who, e) == -1) {
		e->handle = s->handle;
		return -1;
	}
	sock_file_remember(s, addr, who);
	if (s->state == SS_OPEN)
		s->state = SS_BOUND;
	return 0;
}

/* Bytes held on a handle count in its owner's pending_bytes_per_user, as
 * the bytes a waiting receive holds do: they are its, and wait for it. */
static void
held_count(struct sock *s, long delta)
{
	s->held_bytes = (size_t)((long)s->held_bytes + delta);
	s->user->pinned = (size_t)((long)s->user->pinned + delta);
}

int
sock_close(struct sock *s)
{
	struct chunk *ch;
	int rc;

	if (s->closed)
		return 0;
	s->closed = true;
	/* Off its connection's list first: failing the waiters may close
	 * that connection, which closes what is still on the list. */
	if (s->scope_list != NULL) {
		LIST_REMOVE(s, scope_entry);
		s->scope_list = NULL;
	}
	if (s->kick_scheduled) {
		LIST_REMOVE(s, kick_entry);
		s->kick_scheduled = false;
	}
	/* Each consumer lets go (the waiting calls fail with 1010). */
	if (s->consumer[SIDE_READ] != &sock_calls_consumer)
		s->consumer[SIDE_READ]->closing(s, s->consumer_ctx[SIDE_READ]);
	if (s->consumer[SIDE_WRITE] != &sock_calls_consumer)
		s->consumer[SIDE_WRITE]->closing(s, s->consumer_ctx[SIDE_WRITE]);
	sock_calls_consumer.closing(s, NULL);
	ev_io_stop(s->d->loop, &s->rio);
	ev_io_stop(s->d->loop, &s->wio);
	sock_file_remove(s);
	rc = sock_close_fd(s->fd);
	log_debug("handle %llu: closed", (unsigned long long)s->handle);
	s->fd = -1;
	while ((ch = s->held) != NULL) {
		s->held = ch->next;
		free(ch);
	}
	s->held_tail = &s->held;
	held_count(s, -(long)s->held_bytes);
	handle_remove(&s->d->handles, s->handle);
	handle_list_del(&s->d->handles.order, &s->all_link);
	handle_list_del(&s->user->socks, &s->own_link);
	s->user->handles--;
	s->next_dead = s->d->dead_socks;
	s->d->dead_socks = s;
	return rc;
}

int
sock_disown(struct sock *s)
{
	if (s->file != NULL) {
		close(s->file->dirfd);
		free(s->file);
		s->file = NULL;
	}
	return sock_close(s);
}

void
sock_free(struct sock *s)
{
	free(s);
}

int
sock_hold(struct sock *s, const void *p, size_t n, const struct sockaddr_storage *from,
    socklen_t fromlen, bool front)
{
	struct chunk *ch;

	if ((ch = malloc(sizeof(*ch) + n)) == NULL)
		return -1;
	ch->len = n;
	ch->off = 0;
	ch->fromlen = from ? fromlen : 0;
	if (from)
		memcpy(&ch->from, from, fromlen);
	memcpy(ch->data, p, n);
	if (front) {
		ch->next = s->held;
		s->held = ch;
		if (s->held_tail == &s->held)
			s->held_tail = &ch->next;
	} else {
		ch->next = NULL;
		*s->held_tail = ch;
		s->held_tail = &ch->next;
	}
	held_count(s, (long)n);
	return 0;
}

/* Drop the first chunk. */
static void
held_pop(struct sock *s)
{
	struct chunk *ch = s->held;

	held_count(s, -(long)(ch->len - ch->off));
	s->held = ch->next;
	if (s->held == NULL)
		s->held_tail = &s->held;
	free(ch);
}

size_t
sock_take(struct sock *s, char *out, size_t len, bool peek,
    struct sockaddr_storage *from, socklen_t *fromlen, size_t *full)
{
	struct chunk *ch = s->held;
	size_t got = 0, n;

	if (ch == NULL)
		return 0;
	if (from != NULL) {
		*fromlen = ch->fromlen;
		memcpy(from, &ch->from, ch->fromlen);
	}
	if (!sock_is_stream(s)) {
		n = ch->len < len ? ch->len : len;
		memcpy(out, ch->data, n);
		*full = ch->len;
		if (!peek)
			held_pop(s);
		return n;
	}
	if (peek) {
		for (; ch != NULL && got < len; ch = ch->next) {
			n = ch->len - ch->off;
			if (n > len - got)
				n = len - got;
			memcpy(out + got, ch->data + ch->off, n);
			got += n;
		}
	} else {
		while ((ch = s->held) != NULL && got < len) {
			n = ch->len - ch->off;
			if (n > len - got)
				n = len - got;
			memcpy(out + got, ch->data + ch->off, n);
			got += n;
			ch->off += n;
			held_count(s, -(long)n);
			if (ch->off == ch->len)
				held_pop(s);
		}
	}
	*full = got;
	return got;
}

const char *
sock_state_name(enum sock_state st)
{
	static const char *const names[] = {
		[SS_OPEN] = "open", [SS_BOUND] = "bound", [SS_LISTENING] = "listening",
		[SS_CONNECTING] = "connecting", [SS_CONNECTED] = "connected",
	};

	return names[st];
}

int
sock_address(const struct sock *s, bool peer, json_object **out, struct s6err *e)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc;

	memset(&ss, 0, sizeof(ss));
	rc = peer ? getpeername(s->fd, (struct sockaddr *)&ss, &len) :
	    getsockname(s->fd, (struct sockaddr *)&ss, &len);
	*out = NULL;
	if (rc == -1) {
		if (peer && errno == ENOTCONN)
			return 0;
		err_sys(e, errno, peer ? "getpeername" : "getsockname",
		    peer ? "unable to get peer name" : "unable to get socket name", false);
		e->handle = s->handle;
		return -1;
	}
	if (!peer && ss.ss_family == AF_UNIX && len <= sizeof(sa_family_t))
		return 0;
	if (!peer && (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) &&
	    ((struct sockaddr_in *)&ss)->sin_port == 0)
		return 0;
	*out = s6_addr_to_json((struct sockaddr *)&ss, len);
	return 0;
}

/* Readiness: hand it to the side's consumer. */
static void
sock_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sock *s = w->data;
	enum sock_side side = w->events & EV_READ ? SIDE_READ : SIDE_WRITE;

	s->consumer[side]->ready(s, side, s->consumer_ctx[side]);
}
