/* test_sock.c: unit tests for the managed socket: creation under the
 * per-user quota, who may use it, scope, the held bytes, closing (waiters
 * failed, the bound UNIX path removed only while it is still ours) and the
 * socket.info and address views (daemon/sock.c). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "conn.h"
#include "error.h"
#include "errors.h"
#include "handle.h"
#include "limit.h"
#include "rpc.h"
#include "sock.h"
#include "sock6d.h"
#include "wait.h"

static struct ev_loop	*loop;
static struct sock6d	 d;
static struct limits	 lim;
static struct conn	*conn;
static int		 cp[2] = { -1, -1 };	/* cp[0]: the connection, cp[1]: its client */
static struct s6err	 e;
static char		 dir[32];		/* a scratch directory for UNIX paths */
static char		 path[48];
static char		 out[4096];
static json_object	*kept[8];
static size_t		 nkept;
static int		 ndestroyed;

static void
setup(void)
{
	limits_default(&lim);
	ck_assert_ptr_nonnull(loop = ev_loop_new(EVFLAG_AUTO));
	ck_assert_int_eq(sock6d_init(&d, loop, &lim), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    cp), 0);
	ck_assert_ptr_nonnull(conn = conn_new(&d, cp[0], getuid(), getgid(), getpid()));
	snprintf(dir, sizeof(dir), "/tmp/test_sock.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	memset(&e, 0, sizeof(e));
	nkept = 0;
	ndestroyed = 0;
}

static void
teardown(void)
{
	while (nkept > 0)
		json_object_put(kept[--nkept]);
	sock6d_shutdown(&d);	/* closes every handle and the connection */
	close(cp[1]);
	ev_loop_destroy(loop);
	unlink(path);
	rmdir(dir);
}

static json_object *
keep(json_object *o)
{
	ck_assert_uint_lt(nkept, sizeof(kept) / sizeof(kept[0]));
	return kept[nkept++] = o;
}

static struct sock *
mk(int family, int type, uid_t owner)
{
	struct sock *s = sock_create(&d, family, type, 0, owner, &e);

	ck_assert_msg(s != NULL, "sock_create: %s", e.message);
	return s;
}

/* o equals the JSON text want, key order aside. */
static void
assert_json(json_object *o, const char *want)
{
	json_object *w = json_tokener_parse(want);

	ck_assert_msg(w != NULL, "bad expectation %s", want);
	ck_assert_msg(json_object_equal(o, w), "got %s, want %s",
	    o ? json_object_to_json_string(o) : "NULL", want);
	json_object_put(w);
}

static void
bind_inet(struct sock *s, int *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(s->fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
}

/* Bind s to path as socket.bind does, as the user running the tests. */
static void
bind_unix(struct sock *s)
{
	struct creds who = { .uid = getuid(), .gid = getgid() };
	struct s6_sockaddr addr;
	const char *why;
	struct s6err err;

	ck_assert_int_eq(s6_addr_from_string(path, &addr, &why), 0);
	ck_assert_int_eq(sock_bind(s, &addr, &who, &err), 0);
	ck_assert(s->file != NULL);
}

static bool
fd_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* Everything the connection wrote to its client so far. */
static const char *
client_read(void)
{
	size_t n = 0;
	ssize_t r;

	while ((r = read(cp[1], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = '\0';
	return out;
}

/* Creation */

START_TEST(test_create_fields)
{
	struct sock *s = mk(AF_INET, SOCK_STREAM, getuid());
	int type = 0;
	socklen_t len = sizeof(type);

	ck_assert_ptr_eq(s->d, &d);
	ck_assert_int_ge(s->fd, 0);
	ck_assert_int_ne(fcntl(s->fd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_ne(fcntl(s->fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(getsockopt(s->fd, SOL_SOCKET, SO_TYPE, &type, &len), 0);
	ck_assert_int_eq(type, SOCK_STREAM);
	ck_assert(s->family == AF_INET && s->type == SOCK_STREAM && s->protocol == 0);
	ck_assert_uint_eq(s->owner, getuid());
	ck_assert(s->scope == SCOPE_DAEMON && s->scope_list == NULL && s->state == SS_OPEN);
	ck_assert(!s->closed && !s->shut_rd && !s->shut_wr);
	ck_assert_ptr_null(s->held);
	ck_assert_uint_eq(s->held_bytes, 0);
	ck_assert(TAILQ_EMPTY(&s->readers) && TAILQ_EMPTY(&s->writers));
	ck_assert_ptr_eq(handle_lookup(&d.handles, s->handle), s);
	ck_assert(sock_is_stream(s));
	s = mk(AF_INET, SOCK_DGRAM, getuid());
	ck_assert_int_ne(fcntl(s->fd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_ne(fcntl(s->fd, F_GETFD) & FD_CLOEXEC, 0);
	ck_assert_int_eq(s->type, SOCK_DGRAM);
	ck_assert(!sock_is_stream(s));
}
END_TEST

/* Ids increase and are never reused. */
START_TEST(test_create_ids)
{
	struct sock *a = mk(AF_INET, SOCK_STREAM, 0);
	struct sock *b = mk(AF_UNIX, SOCK_DGRAM, 0);
	struct sock *c = mk(AF_INET, SOCK_DGRAM, 0);

	ck_assert_uint_eq(a->handle, 1);
	ck_assert_uint_eq(b->handle, 2);
	ck_assert_uint_eq(c->handle, 3);
	sock_close(c);
	ck_assert_uint_eq(mk(AF_INET, SOCK_STREAM, 0)->handle, 4);
	ck_assert_uint_eq(handle_count(&d.handles), 3);
}
END_TEST

START_TEST(test_create_fails)
{
	ck_assert_ptr_null(sock_create(&d, 4242, SOCK_STREAM, 0, 0, &e));
	ck_assert_int_eq(e.code, S6_NET);
	ck_assert_int_eq(e.errnum, EAFNOSUPPORT);
	ck_assert_str_eq(e.syscall, "socket");
	ck_assert_str_eq(e.message, "cannot create socket - Address family not supported by protocol");
	ck_assert_uint_eq(handle_count(&d.handles), 0);
}
END_TEST

START_TEST(test_quota)
{
	struct sock *a;
	int fd;

	d.limits.handles_per_user = 2;
	a = mk(AF_INET, SOCK_STREAM, 1000);
	mk(AF_INET, SOCK_DGRAM, 1000);
	ck_assert_ptr_null(sock_create(&d, AF_INET, SOCK_STREAM, 0, 1000, &e));
	ck_assert_int_eq(e.code, S6_LIMIT);
	ck_assert_str_eq(e.limit, "handles_per_user");
	ck_assert_str_eq(e.message, "limit handles_per_user (2) reached");
	ck_assert_uint_eq(handle_count(&d.handles), 2);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(sock_check_quota(&d, 1000, &e), -1);
	ck_assert_int_eq(e.code, S6_LIMIT);
	/* Per user: another uid still has room. */
	ck_assert_int_eq(sock_check_quota(&d, 1001, &e), 0);
	mk(AF_INET, SOCK_STREAM, 1001);
	/* A wrapped fd over the quota is closed. */
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	ck_assert_ptr_null(sock_wrap_fd(&d, fd, AF_INET, SOCK_STREAM, 0, 1000, &e));
	ck_assert_int_eq(e.code, S6_LIMIT);
	ck_assert(!fd_open(fd));
	/* Closing one makes room again. */
	sock_close(a);
	ck_assert_uint_eq(mk(AF_INET, SOCK_STREAM, 1000)->handle, 4);
}
END_TEST

START_TEST(test_usable_by)
{
	struct sock *s = mk(AF_INET, SOCK_STREAM, 1234);

	ck_assert(sock_usable_by(s, 1234));
	ck_assert(sock_usable_by(s, 0));
	ck_assert(!sock_usable_by(s, 1235));
	ck_assert(!sock_usable_by(s, 65534));
	sock_close(s);
	ck_assert(!sock_usable_by(s, 1234));
	ck_assert(!sock_usable_by(s, 0));
}
END_TEST

START_TEST(test_scope)
{
	struct sock *a = mk(AF_INET, SOCK_STREAM, 0);
	struct sock *b = mk(AF_INET, SOCK_STREAM, 0);
	struct sock *c = mk(AF_INET, SOCK_STREAM, 0);

	sock_set_scope(a, SCOPE_DAEMON, conn_scoped(conn));
	ck_assert_int_eq(a->scope, SCOPE_DAEMON);
	ck_assert_ptr_null(a->scope_list);
	ck_assert(LIST_EMPTY(&conn->scoped));
	sock_set_scope(b, SCOPE_CONNECTION, conn_scoped(conn));
	sock_set_scope(c, SCOPE_CONNECTION, conn_scoped(conn));
	ck_assert_int_eq(b->scope, SCOPE_CONNECTION);
	ck_assert_ptr_eq(b->scope_list, &conn->scoped);
	ck_assert_ptr_eq(LIST_FIRST(&conn->scoped), c);
	ck_assert_ptr_eq(LIST_NEXT(c, scope_entry), b);
	/* Closing a handle takes it off its connection. */
	sock_close(c);
	ck_assert_ptr_null(c->scope_list);
	ck_assert_ptr_eq(LIST_FIRST(&conn->scoped), b);
	ck_assert_ptr_null(LIST_NEXT(b, scope_entry));
	/* Closing the connection closes its handles, not the others. */
	conn_close(conn);
	ck_assert(b->closed);
	ck_assert_ptr_null(handle_lookup(&d.handles, b->handle));
	ck_assert(!a->closed);
	ck_assert_ptr_eq(handle_lookup(&d.handles, a->handle), a);
	/* Scope "connection" without a connection: nothing to close it with. */
	sock_set_scope(a, SCOPE_CONNECTION, NULL);
	ck_assert_int_eq(a->scope, SCOPE_CONNECTION);
	ck_assert_ptr_null(a->scope_list);
}
END_TEST

/* Held bytes */

START_TEST(test_held_stream)
{
	struct sock *s = mk(AF_INET, SOCK_STREAM, 0);
	char buf[32];
	size_t full = 99;

	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), false, NULL, NULL, &full), 0);
	ck_assert_int_eq(sock_hold(s, "abc", 3, NULL, 0, false), 0);
	ck_assert_int_eq(sock_hold(s, "defg", 4, NULL, 0, false), 0);
	ck_assert_int_eq(sock_hold(s, "hi", 2, NULL, 0, false), 0);
	ck_assert_uint_eq(s->held_bytes, 9);
	/* Partial take inside the first chunk. */
	ck_assert_uint_eq(sock_take(s, buf, 2, false, NULL, NULL, &full), 2);
	ck_assert_int_eq(memcmp(buf, "ab", 2), 0);
	ck_assert_uint_eq(full, 2);
	ck_assert_uint_eq(s->held_bytes, 7);
	/* A peek starts where the last take stopped and spans chunks. */
	ck_assert_uint_eq(sock_take(s, buf, 6, true, NULL, NULL, &full), 6);
	ck_assert_int_eq(memcmp(buf, "cdefgh", 6), 0);
	ck_assert_uint_eq(full, 6);
	ck_assert_uint_eq(s->held_bytes, 7);
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), true, NULL, NULL, &full), 7);
	ck_assert_int_eq(memcmp(buf, "cdefghi", 7), 0);
	/* A take across chunks. */
	ck_assert_uint_eq(sock_take(s, buf, 5, false, NULL, NULL, &full), 5);
	ck_assert_int_eq(memcmp(buf, "cdefg", 5), 0);
	ck_assert_uint_eq(s->held_bytes, 2);
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), false, NULL, NULL, &full), 2);
	ck_assert_int_eq(memcmp(buf, "hi", 2), 0);
	ck_assert_uint_eq(full, 2);
	ck_assert_uint_eq(s->held_bytes, 0);
	ck_assert_ptr_null(s->held);
	ck_assert_ptr_eq(s->held_tail, &s->held);
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), false, NULL, NULL, &full), 0);
	/* Emptied, the queue takes bytes again. */
	ck_assert_int_eq(sock_hold(s, "xyz", 3, NULL, 0, false), 0);
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), false, NULL, NULL, &full), 3);
	ck_assert_int_eq(memcmp(buf, "xyz", 3), 0);
}
END_TEST

/* Bytes put back go in front: they came first. */
START_TEST(test_held_front)
{
	struct sock *s = mk(AF_INET, SOCK_STREAM, 0);
	char buf[32];
	size_t full;

	/* Into an empty queue, then appending after it. */
	ck_assert_int_eq(sock_hold(s, "he", 2, NULL, 0, true), 0);
	ck_assert_ptr_eq(s->held_tail, &s->held->next);
	ck_assert_int_eq(sock_hold(s, "llo", 3, NULL, 0, false), 0);
	ck_assert_int_eq(sock_hold(s, "12", 2, NULL, 0, true), 0);
	ck_assert_uint_eq(s->held_bytes, 7);
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), false, NULL, NULL, &full), 7);
	ck_assert_int_eq(memcmp(buf, "12hello", 7), 0);
	/* In front of a chunk already partly taken. */
	ck_assert_int_eq(sock_hold(s, "abcdef", 6, NULL, 0, false), 0);
	ck_assert_uint_eq(sock_take(s, buf, 2, false, NULL, NULL, &full), 2);
	ck_assert_int_eq(sock_hold(s, "XY", 2, NULL, 0, true), 0);
	ck_assert_uint_eq(s->held_bytes, 6);
	ck_assert_int_eq(sock_hold(s, "!", 1, NULL, 0, false), 0);
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), false, NULL, NULL, &full), 7);
	ck_assert_int_eq(memcmp(buf, "XYcdef!", 7), 0);
	ck_assert_uint_eq(s->held_bytes, 0);
}
END_TEST

static struct sockaddr_storage
inet_addr_of(const char *ip, int port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	return ss;
}

START_TEST(test_held_dgram)
{
	struct sock *s = mk(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage a = inet_addr_of("10.0.0.1", 1111);
	struct sockaddr_storage b = inet_addr_of("10.0.0.2", 2222);
	struct sockaddr_storage from;
	socklen_t fromlen;
	char buf[32];
	size_t full;

	ck_assert_int_eq(sock_hold(s, "one", 3, &a, sizeof(struct sockaddr_in), false), 0);
	ck_assert_int_eq(sock_hold(s, "second", 6, &b, sizeof(struct sockaddr_in), false), 0);
	ck_assert_int_eq(sock_hold(s, "", 0, &a, sizeof(struct sockaddr_in), false), 0);
	ck_assert_uint_eq(s->held_bytes, 9);
	/* One datagram per take; the tail beyond len is dropped. */
	ck_assert_uint_eq(sock_take(s, buf, 2, false, &from, &fromlen, &full), 2);
	ck_assert_int_eq(memcmp(buf, "on", 2), 0);
	ck_assert_uint_eq(full, 3);
	ck_assert_uint_eq(fromlen, sizeof(struct sockaddr_in));
	ck_assert_int_eq(memcmp(&from, &a, sizeof(struct sockaddr_in)), 0);
	ck_assert_uint_eq(s->held_bytes, 6);
	/* A peek leaves it, and does not merge datagrams. */
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), true, &from, &fromlen, &full), 6);
	ck_assert_int_eq(memcmp(buf, "second", 6), 0);
	ck_assert_uint_eq(full, 6);
	ck_assert_int_eq(memcmp(&from, &b, sizeof(struct sockaddr_in)), 0);
	ck_assert_uint_eq(s->held_bytes, 6);
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), false, &from, &fromlen, &full), 6);
	ck_assert_int_eq(memcmp(buf, "second", 6), 0);
	ck_assert_int_eq(memcmp(&from, &b, sizeof(struct sockaddr_in)), 0);
	ck_assert_uint_eq(s->held_bytes, 0);
	/* An empty datagram is a datagram. */
	ck_assert_ptr_nonnull(s->held);
	full = 99;
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), false, &from, &fromlen, &full), 0);
	ck_assert_uint_eq(full, 0);
	ck_assert_int_eq(memcmp(&from, &a, sizeof(struct sockaddr_in)), 0);
	ck_assert_ptr_null(s->held);
	ck_assert_ptr_eq(s->held_tail, &s->held);
	/* No sender: fromlen 0. */
	ck_assert_int_eq(sock_hold(s, "z", 1, NULL, 0, false), 0);
	ck_assert_uint_eq(sock_take(s, buf, sizeof(buf), false, &from, &fromlen, &full), 1);
	ck_assert_uint_eq(fromlen, 0);
}
END_TEST

/* Closing */

START_TEST(test_close)
{
	struct sock *s = mk(AF_INET, SOCK_STREAM, 0);
	uint64_t h = s->handle;
	int fd = s->fd;

	ck_assert_int_eq(sock_hold(s, "abc", 3, NULL, 0, false), 0);
	ck_assert_int_eq(sock_close(s), 0);
	ck_assert(s->closed);
	ck_assert_int_eq(s->fd, -1);
	ck_assert(!fd_open(fd));
	ck_assert_ptr_null(handle_lookup(&d.handles, h));
	ck_assert_uint_eq(handle_count(&d.handles), 0);
	ck_assert_uint_eq(user_find(&d.users, 0)->handles, 0);
	ck_assert(s->held == NULL && s->held_bytes == 0);
	ck_assert_ptr_eq(d.dead_socks, s);
	/* Twice is harmless: still one dead entry. */
	ck_assert_int_eq(sock_close(s), 0);
	ck_assert_ptr_eq(d.dead_socks, s);
	ck_assert_ptr_null(s->next_dead);
	/* The reaper frees it after the loop's turn. */
	ev_run(loop, EVRUN_NOWAIT);
	ck_assert_ptr_null(d.dead_socks);
}
END_TEST

static enum attempt
never_attempt(struct waiter *w)
{
	(void)w;
	return ATTEMPT_AGAIN;
}

static void
counted_destroy(struct waiter *w)
{
	ndestroyed++;
	free(w);
}

static const struct waiter_ops never_ops = {
	.attempt = never_attempt, .destroy = counted_destroy,
};

/* Park a call on s that waits for events. */
static void
park(struct sock *s, int events)
{
	struct call *c = calloc(1, sizeof(*c));
	struct waiter *w = calloc(1, sizeof(*w));

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(w);
	c->d = &d;
	c->conn = conn;
	waiter_init(w, &never_ops, c, s, events, -1);
	ck_assert(answer_is_pending(waiter_start(w)));
}

START_TEST(test_close_fails_waiters)
{
	struct sock *s = mk(AF_INET, SOCK_STREAM, 0);

	park(s, EV_READ);
	park(s, EV_WRITE);
	park(s, EV_READ);
	ck_assert_uint_eq(conn->npending, 3);
	ck_assert(ev_is_active(&s->rio));
	ck_assert_int_eq(sock_close(s), 0);
	ck_assert_int_eq(ndestroyed, 3);
	ck_assert_uint_eq(conn->npending, 0);
	ck_assert(TAILQ_EMPTY(&s->readers) && TAILQ_EMPTY(&s->writers));
	ck_assert(!ev_is_active(&s->rio) && !ev_is_active(&s->wio));
#define CLOSED "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":1010," \
	"\"message\":\"the handle was closed\",\"data\":{\"kind\":" \
	"[\"exn\",\"sock6d\",\"handle\"],\"handle\":1}}}\n"
	ck_assert_str_eq(client_read(), CLOSED CLOSED CLOSED);
#undef CLOSED
}
END_TEST

START_TEST(test_close_unlinks_path)
{
	struct sock *s = mk(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;

	bind_unix(s);
	sock_close(s);
	ck_assert_int_eq(lstat(path, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* A path bound but not remembered (abstract, say) is left alone. */
	s = mk(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	sock_close(s);
	ck_assert_int_eq(lstat(path, &st), 0);
}
END_TEST

/* Another socket bound to the path since is not ours to remove. */
START_TEST(test_close_keeps_replaced_socket)
{
	struct sock *s = mk(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int other;

	bind_unix(s);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_ge(other = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_eq(bind(other, (struct sockaddr *)&sun, sizeof(sun)), 0);
	sock_close(s);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	close(other);
}
END_TEST

START_TEST(test_close_keeps_replaced_file)
{
	struct sock *s = mk(AF_UNIX, SOCK_STREAM, 0);
	struct stat st;
	int fd;

	bind_unix(s);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_ge(fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600), 0);
	close(fd);
	sock_close(s);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
}
END_TEST

/* socket.info */

START_TEST(test_info_fresh)
{
	struct sock *s = mk(AF_INET, SOCK_STREAM, 1234);
	char want[1024];

	snprintf(want, sizeof(want), "{\"handle\":1,\"fileno\":%d,\"family\":\"inet\","
	    "\"type\":\"stream\",\"protocol\":0,\"scope\":\"daemon\",\"owner\":1234,"
	    "\"state\":\"open\",\"local\":null,\"peer\":null,\"shut_rd\":false,"
	    "\"shut_wr\":false,\"subscribed\":false,\"attached\":false,\"credit\":null,\"dropped\":0,\"bytes_in\":0,"
	    "\"bytes_out\":0,\"buffered\":0}", s->fd);
	assert_json(keep(sock_info(s)), want);
}
END_TEST

START_TEST(test_info_connected)
{
	struct sock *l = mk(AF_INET, SOCK_STREAM, 0), *s;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int lport, fd;
	char want[1024];

	bind_inet(l, &lport);
	ck_assert_int_eq(listen(l->fd, 4), 0);
	l->state = SS_LISTENING;
	ck_assert_int_ge(fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)lport);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	ck_assert_ptr_nonnull(s = sock_wrap_fd(&d, fd, AF_INET, SOCK_STREAM, IPPROTO_TCP,
	    0, &e));
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	s->state = SS_CONNECTED;
	s->shut_wr = true;
	s->bytes_in = 10;
	s->bytes_out = 20;
	sock_set_scope(s, SCOPE_CONNECTION, conn_scoped(conn));
	ck_assert_int_eq(sock_hold(s, "12345", 5, NULL, 0, false), 0);
	snprintf(want, sizeof(want), "{\"handle\":2,\"fileno\":%d,\"family\":\"inet\","
	    "\"type\":\"stream\",\"protocol\":\"tcp\",\"scope\":\"connection\",\"owner\":0,"
	    "\"state\":\"connected\",\"local\":{\"family\":\"inet\",\"address\":\"127.0.0.1\","
	    "\"port\":%d,\"string\":\"127.0.0.1:%d\"},\"peer\":{\"family\":\"inet\","
	    "\"address\":\"127.0.0.1\",\"port\":%d,\"string\":\"127.0.0.1:%d\"},"
	    "\"shut_rd\":false,\"shut_wr\":true,\"subscribed\":false,\"attached\":false,\"credit\":null,\"dropped\":0,"
	    "\"bytes_in\":10,\"bytes_out\":20,\"buffered\":5}", fd, ntohs(sin.sin_port),
	    ntohs(sin.sin_port), lport, lport);
	assert_json(keep(sock_info(s)), want);
	snprintf(want, sizeof(want), "{\"handle\":1,\"fileno\":%d,\"family\":\"inet\","
	    "\"type\":\"stream\",\"protocol\":0,\"scope\":\"daemon\",\"owner\":0,"
	    "\"state\":\"listening\",\"local\":{\"family\":\"inet\",\"address\":\"127.0.0.1\","
	    "\"port\":%d,\"string\":\"127.0.0.1:%d\"},\"peer\":null,\"shut_rd\":false,"
	    "\"shut_wr\":false,\"subscribed\":false,\"attached\":false,\"credit\":null,\"dropped\":0,\"bytes_in\":0,"
	    "\"bytes_out\":0,\"buffered\":0}", l->fd, lport, lport);
	assert_json(keep(sock_info(l)), want);
	ck_assert_str_eq(sock_state_name(SS_BOUND), "bound");
	ck_assert_str_eq(sock_state_name(SS_CONNECTING), "connecting");
}
END_TEST

/* Unnamed UNIX sockets; names for types; numbers for unknown values. */
START_TEST(test_info_unix_pair)
{
	struct sock *s;
	int sp[2];
	char want[1024];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sp), 0);
	ck_assert_ptr_nonnull(s = sock_wrap_fd(&d, sp[0], AF_UNIX, SOCK_SEQPACKET, 99, 7, &e));
	close(sp[1]);
	snprintf(want, sizeof(want), "{\"handle\":1,\"fileno\":%d,\"family\":\"unix\","
	    "\"type\":\"seqpacket\",\"protocol\":99,\"scope\":\"daemon\",\"owner\":7,"
	    "\"state\":\"open\",\"local\":null,\"peer\":{\"family\":\"unix\",\"path\":\"\","
	    "\"string\":\"\"},\"shut_rd\":false,\"shut_wr\":false,\"subscribed\":false,"
	    "\"attached\":false,\"credit\":null,\"dropped\":0,\"bytes_in\":0,\"bytes_out\":0,\"buffered\":0}", sp[0]);
	assert_json(keep(sock_info(s)), want);
}
END_TEST

/* Addresses */

START_TEST(test_address_inet)
{
	struct sock *s = mk(AF_INET, SOCK_STREAM, 0);
	json_object *o = (json_object *)&o;
	char want[256];
	int port;

	ck_assert_int_eq(sock_address(s, false, &o, &e), 0);
	ck_assert_ptr_null(o);
	o = (json_object *)&o;
	ck_assert_int_eq(sock_address(s, true, &o, &e), 0);
	ck_assert_ptr_null(o);
	bind_inet(s, &port);
	ck_assert_int_eq(sock_address(s, false, &o, &e), 0);
	snprintf(want, sizeof(want), "{\"family\":\"inet\",\"address\":\"127.0.0.1\","
	    "\"port\":%d,\"string\":\"127.0.0.1:%d\"}", port, port);
	assert_json(keep(o), want);
	/* Bound but not connected: still no peer. */
	ck_assert_int_eq(sock_address(s, true, &o, &e), 0);
	ck_assert_ptr_null(o);
}
END_TEST

START_TEST(test_address_udp_connected)
{
	struct sock *s = mk(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_storage to = inet_addr_of("127.0.0.1", 9);
	json_object *o;

	ck_assert_int_eq(sock_address(s, true, &o, &e), 0);
	ck_assert_ptr_null(o);
	ck_assert_int_eq(connect(s->fd, (struct sockaddr *)&to, sizeof(struct sockaddr_in)), 0);
	ck_assert_int_eq(sock_address(s, true, &o, &e), 0);
	assert_json(keep(o), "{\"family\":\"inet\",\"address\":\"127.0.0.1\",\"port\":9,"
	    "\"string\":\"127.0.0.1:9\"}");
	/* Connecting bound it to an ephemeral port. */
	ck_assert_int_eq(sock_address(s, false, &o, &e), 0);
	ck_assert_ptr_nonnull(keep(o));
}
END_TEST

START_TEST(test_address_inet6_unbound)
{
	struct sock *s = sock_create(&d, AF_INET6, SOCK_DGRAM, 0, 0, &e);
	json_object *o = (json_object *)&o;

	if (s == NULL && e.errnum == EAFNOSUPPORT)
		return;		/* no IPv6 here */
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_address(s, false, &o, &e), 0);
	ck_assert_ptr_null(o);
}
END_TEST

START_TEST(test_address_unix)
{
	struct sock *s = mk(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	json_object *o = (json_object *)&o;
	char want[512];
	socklen_t len;
	int n;

	ck_assert_int_eq(sock_address(s, false, &o, &e), 0);
	ck_assert_ptr_null(o);
	bind_unix(s);
	ck_assert_int_eq(sock_address(s, false, &o, &e), 0);
	snprintf(want, sizeof(want), "{\"family\":\"unix\",\"path\":\"%s\",\"string\":\"%s\"}",
	    path, path);
	assert_json(keep(o), want);
	/* Abstract: '@' for the leading NUL. */
	s = mk(AF_UNIX, SOCK_DGRAM, 0);
	n = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "test_sock.%d", (int)getpid());
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	ck_assert_int_eq(bind(s->fd, (struct sockaddr *)&sun, len), 0);
	ck_assert_int_eq(sock_address(s, false, &o, &e), 0);
	snprintf(want, sizeof(want), "{\"family\":\"unix\",\"path\":\"@test_sock.%d\","
	    "\"string\":\"@test_sock.%d\"}", (int)getpid(), (int)getpid());
	assert_json(keep(o), want);
}
END_TEST

/* A failing getsockname/getpeername: 1000 naming the call and the handle. */
START_TEST(test_address_error)
{
	struct sock *s = mk(AF_INET, SOCK_STREAM, 0);
	json_object *o = (json_object *)&o;

	sock_close(s);
	ck_assert_int_eq(sock_address(s, false, &o, &e), -1);
	ck_assert_ptr_null(o);
	ck_assert_int_eq(e.code, S6_NET);
	ck_assert_int_eq(e.errnum, EBADF);
	ck_assert_str_eq(e.syscall, "getsockname");
	ck_assert_str_eq(e.message, "unable to get socket name - Bad file descriptor");
	ck_assert_uint_eq(e.handle, 1);
	ck_assert_int_eq(sock_address(s, true, &o, &e), -1);
	ck_assert_str_eq(e.syscall, "getpeername");
	ck_assert_str_eq(e.message, "unable to get peer name - Bad file descriptor");
	ck_assert_uint_eq(e.handle, 1);
}
END_TEST

static Suite *
sock_suite(void)
{
	Suite	*s = suite_create("sock");
	TCase	*create = tcase_create("create");
	TCase	*held = tcase_create("held");
	TCase	*closing = tcase_create("close");
	TCase	*view = tcase_create("view");

	tcase_add_checked_fixture(create, setup, teardown);
	tcase_add_test(create, test_create_fields);
	tcase_add_test(create, test_create_ids);
	tcase_add_test(create, test_create_fails);
	tcase_add_test(create, test_quota);
	tcase_add_test(create, test_usable_by);
	tcase_add_test(create, test_scope);
	suite_add_tcase(s, create);

	tcase_add_checked_fixture(held, setup, teardown);
	tcase_add_test(held, test_held_stream);
	tcase_add_test(held, test_held_front);
	tcase_add_test(held, test_held_dgram);
	suite_add_tcase(s, held);

	tcase_add_checked_fixture(closing, setup, teardown);
	tcase_add_test(closing, test_close);
	tcase_add_test(closing, test_close_fails_waiters);
	tcase_add_test(closing, test_close_unlinks_path);
	tcase_add_test(closing, test_close_keeps_replaced_socket);
	tcase_add_test(closing, test_close_keeps_replaced_file);
	suite_add_tcase(s, closing);

	tcase_add_checked_fixture(view, setup, teardown);
	tcase_add_test(view, test_info_fresh);
	tcase_add_test(view, test_info_connected);
	tcase_add_test(view, test_info_unix_pair);
	tcase_add_test(view, test_address_inet);
	tcase_add_test(view, test_address_udp_connected);
	tcase_add_test(view, test_address_inet6_unbound);
	tcase_add_test(view, test_address_unix);
	tcase_add_test(view, test_address_error);
	suite_add_tcase(s, view);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sock_suite());
	int	 failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failures != 0;
}
