/* fault.c: fault injection for the sock6d binary of a build configured with
 * --enable-fault-injection, never part of any other build.
 *
 * The daemon's own calls are redirected here at link time (-Wl,--wrap=SYM
 * for sock6d only: see daemon/Makefile.am), so no call site knows about it;
 * json-c, libev and libc keep their own calls to themselves.  Set
 * SOCK6D_FAULTS to a comma-separated list of key=value:
 *
 *   seed=N      the seed (default 1); the nth call of a kind always gets the
 *               same fate for a seed (threads and timing may change which
 *               call is the nth)
 *   alloc=R     malloc, calloc, realloc, reallocarray, strdup, strndup:
 *               NULL with ENOMEM
 *   read=R      read, recv, recvfrom, recvmsg: -1 with EINTR or EAGAIN
 *               (recvmsg also ENOMEM)
 *   write=R     write, send, sendto, sendmsg: -1 with EINTR, EAGAIN or ENOBUFS
 *   accept=R    accept4: -1 with EINTR, EAGAIN, ECONNABORTED, EMFILE, ENFILE,
 *               ENOBUFS or ENOMEM
 *   socket=R    socket: -1 with EMFILE, ENFILE, ENOBUFS or ENOMEM;
 *               pipe2: EMFILE or ENFILE
 *   splice=R    splice: -1 with EINTR, EAGAIN or ENOMEM
 *   short=R     a read, write or splice that goes ahead on a stream socket or
 *               a pipe asks for fewer bytes (1 to n-1), so it comes up short
 *   all=R       every rate above but short
 *   transient=1 only the errors a caller must retry: EINTR and EAGAIN (so no
 *               allocation, socket or pipe2 fails); a correct daemon then
 *               loses no connection, no request and no byte
 *
 * Rates are probabilities from 0 to 1 per call.  Faults start when the
 * event loop starts (the daemon is serving: its control socket listens,
 * the policy is read, privileges are dropped) and stop when it returns, so
 * a daemon that starts is a daemon that can be tested, and its shutdown
 * (the fd store's state file) runs unharmed.  Calls on regular files (the
 * policy read again on SIGHUP) are left alone: no read of a file fails with
 * EAGAIN.  A bad SOCK6D_FAULTS stops the daemon with status 2 before it
 * does anything.  With SOCK6D_FAULTS set the daemon says so on stderr when
 * it starts, and at exit prints what it injected:
 *
 *   sock6d: faults injected (seed 42): alloc 3/10511 read 97/9742 ...
 *
 * each kind as injected/calls made while serving. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ev.h>

enum fault_kind { F_ALLOC, F_READ, F_WRITE, F_ACCEPT, F_SOCKET, F_SPLICE, F_SHORT, F_NKINDS };

static const char *const fault_names[F_NKINDS] = {
	"alloc", "read", "write", "accept", "socket", "splice", "short"
};

static double		fault_rate[F_NKINDS];
static uint64_t		fault_seed = 1;
static bool		fault_on;		/* SOCK6D_FAULTS was given */
static bool		fault_transient;	/* only EINTR and EAGAIN */
static atomic_bool	fault_armed;		/* the loop runs */
static atomic_uint_least64_t fault_calls[F_NKINDS];
static atomic_uint_least64_t fault_hits[F_NKINDS];

/* The errors each call can really return, one list per call. */
static const int err_alloc[] = { ENOMEM, 0 };
static const int err_read[] = { EINTR, EAGAIN, 0 };
static const int err_recvmsg[] = { EINTR, EAGAIN, ENOMEM, 0 };
static const int err_write[] = { EINTR, EAGAIN, ENOBUFS, 0 };
static const int err_accept[] = { EINTR, EAGAIN, ECONNABORTED, EMFILE, ENFILE, ENOBUFS,
	ENOMEM, 0 };
static const int err_socket[] = { EMFILE, ENFILE, ENOBUFS, ENOMEM, 0 };
static const int err_pipe[] = { EMFILE, ENFILE, 0 };
static const int err_splice[] = { EINTR, EAGAIN, ENOMEM, 0 };

/* The linker sends the daemon's calls of SYM to __wrap_SYM, and
 * __real_SYM to the real one. */
void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	*__real_reallocarray(void *, size_t, size_t);
char	*__real_strdup(const char *);
char	*__real_strndup(const char *, size_t);
ssize_t	 __real_read(int, void *, size_t);
ssize_t	 __real_write(int, const void *, size_t);
ssize_t	 __real_recv(int, void *, size_t, int);
ssize_t	 __real_recvfrom(int, void *, size_t, int, struct sockaddr *, socklen_t *);
ssize_t	 __real_recvmsg(int, struct msghdr *, int);
ssize_t	 __real_send(int, const void *, size_t, int);
ssize_t	 __real_sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t	 __real_sendmsg(int, const struct msghdr *, int);
int	 __real_accept4(int, struct sockaddr *, socklen_t *, int);
int	 __real_socket(int, int, int);
int	 __real_pipe2(int [2], int);
ssize_t	 __real_splice(int, loff_t *, int, loff_t *, size_t, unsigned int);
int	 __real_ev_run(struct ev_loop *, int);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);
void	*__wrap_reallocarray(void *, size_t, size_t);
char	*__wrap_strdup(const char *);
char	*__wrap_strndup(const char *, size_t);
ssize_t	 __wrap_read(int, void *, size_t);
ssize_t	 __wrap_write(int, const void *, size_t);
ssize_t	 __wrap_recv(int, void *, size_t, int);
ssize_t	 __wrap_recvfrom(int, void *, size_t, int, struct sockaddr *, socklen_t *);
ssize_t	 __wrap_recvmsg(int, struct msghdr *, int);
ssize_t	 __wrap_send(int, const void *, size_t, int);
ssize_t	 __wrap_sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t	 __wrap_sendmsg(int, const struct msghdr *, int);
int	 __wrap_accept4(int, struct sockaddr *, socklen_t *, int);
int	 __wrap_socket(int, int, int);
int	 __wrap_pipe2(int [2], int);
ssize_t	 __wrap_splice(int, loff_t *, int, loff_t *, size_t, unsigned int);
int	 __wrap_ev_run(struct ev_loop *, int);

/* splitmix64: a well-mixed 64-bit value from any input. */
static uint64_t
fault_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The fate of this call of a kind: 0 when it goes ahead, else a draw
 * (never 0) to pick the error or the length from. */
static uint64_t
fault_draw(enum fault_kind k)
{
	uint64_t n, h;

	if (!atomic_load_explicit(&fault_armed, memory_order_relaxed))
		return 0;
	n = atomic_fetch_add_explicit(&fault_calls[k], 1, memory_order_relaxed);
	if (fault_rate[k] <= 0)
		return 0;
	h = fault_mix(fault_seed ^ fault_mix(((uint64_t)k << 56) ^ n));
	if ((double)(h >> 11) * 0x1.0p-53 >= fault_rate[k])
		return 0;
	atomic_fetch_add_explicit(&fault_hits[k], 1, memory_order_relaxed);
	return fault_mix(h) | 1;
}

/* Whether this call fails; sets errno to one of errs when it does (with
 * transient=1, only to EINTR or EAGAIN, which each list starts with when
 * it has them: calls that have neither never fail then). */
static bool
fault_fail(enum fault_kind k, const int *errs)
{
	uint64_t d;
	size_t n = 0;

	while (errs[n] != 0 && (!fault_transient || errs[n] == EINTR || errs[n] == EAGAIN))
		n++;
	if (n == 0 || (d = fault_draw(k)) == 0)
		return false;
	errno = errs[(d >> 8) % n];
	return true;
}

/* Regular files are left alone: nothing of this can happen to them. */
static bool
fault_is_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* A short length for a call of len bytes on fd, or len: only a byte stream
 * (a stream socket, a pipe) can come up short without losing data. */
static size_t
fault_short(int fd, size_t len)
{
	uint64_t d;
	socklen_t sl;
	int type;
	struct stat st;

	if (len < 2 || (d = fault_draw(F_SHORT)) == 0)
		return len;
	sl = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) == 0) {
		if (type != SOCK_STREAM)
			return len;
	} else if (fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode)) {
		return len;
	}
	return 1 + (size_t)((d >> 8) % (len - 1));
}

/* The first iovecs of msg, cut to keep bytes in all, into out (at most 16). */
static bool
fault_cut_iov(const struct msghdr *msg, size_t keep, struct iovec *out, size_t *nout)
{
	size_t i;

	if (msg->msg_iovlen > 16)
		return false;
	for (i = 0; i < msg->msg_iovlen && keep > 0; i++) {
		out[i] = msg->msg_iov[i];
		if (out[i].iov_len > keep)
			out[i].iov_len = keep;
		keep -= out[i].iov_len;
	}
	*nout = i;
	return true;
}

static size_t
fault_iov_len(const struct msghdr *msg)
{
	size_t i, n = 0;

	for (i = 0; i < msg->msg_iovlen; i++)
		n += msg->msg_iov[i].iov_len;
	return n;
}

void *
__wrap_malloc(size_t n)
{
	return fault_fail(F_ALLOC, err_alloc) ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return fault_fail(F_ALLOC, err_alloc) ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return fault_fail(F_ALLOC, err_alloc) ? NULL : __real_realloc(p, n);
}

void *
__wrap_reallocarray(void *p, size_t n, size_t size)
{
	return fault_fail(F_ALLOC, err_alloc) ? NULL : __real_reallocarray(p, n, size);
}

char *
__wrap_strdup(const char *s)
{
	return fault_fail(F_ALLOC, err_alloc) ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return fault_fail(F_ALLOC, err_alloc) ? NULL : __real_strndup(s, n);
}

ssize_t
__wrap_read(int fd, void *p, size_t len)
{
	if (!atomic_load_explicit(&fault_armed, memory_order_relaxed) || fault_is_file(fd))
		return __real_read(fd, p, len);
	if (fault_fail(F_READ, err_read))
		return -1;
	return __real_read(fd, p, fault_short(fd, len));
}

ssize_t
__wrap_write(int fd, const void *p, size_t len)
{
	if (!atomic_load_explicit(&fault_armed, memory_order_relaxed) || fault_is_file(fd))
		return __real_write(fd, p, len);
	if (fault_fail(F_WRITE, err_write))
		return -1;
	return __real_write(fd, p, fault_short(fd, len));
}

ssize_t
__wrap_recv(int fd, void *p, size_t len, int flags)
{
	if (fault_fail(F_READ, err_read))
		return -1;
	return __real_recv(fd, p, fault_short(fd, len), flags);
}

ssize_t
__wrap_recvfrom(int fd, void *p, size_t len, int flags, struct sockaddr *sa, socklen_t *sl)
{
	if (fault_fail(F_READ, err_read))
		return -1;
	return __real_recvfrom(fd, p, fault_short(fd, len), flags, sa, sl);
}

ssize_t
__wrap_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct iovec iov[16], *orig;
	size_t len, keep, n;
	ssize_t r;

	if (fault_fail(F_READ, err_recvmsg))
		return -1;
	len = fault_iov_len(msg);
	if ((keep = fault_short(fd, len)) == len || !fault_cut_iov(msg, keep, iov, &n))
		return __real_recvmsg(fd, msg, flags);
	orig = msg->msg_iov;
	len = msg->msg_iovlen;
	msg->msg_iov = iov;
	msg->msg_iovlen = n;
	r = __real_recvmsg(fd, msg, flags);
	msg->msg_iov = orig;
	msg->msg_iovlen = len;
	return r;
}

ssize_t
__wrap_send(int fd, const void *p, size_t len, int flags)
{
	if (fault_fail(F_WRITE, err_write))
		return -1;
	return __real_send(fd, p, fault_short(fd, len), flags);
}

ssize_t
__wrap_sendto(int fd, const void *p, size_t len, int flags, const struct sockaddr *sa,
    socklen_t sl)
{
	if (fault_fail(F_WRITE, err_write))
		return -1;
	return __real_sendto(fd, p, fault_short(fd, len), flags, sa, sl);
}

ssize_t
__wrap_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct iovec iov[16];
	struct msghdr cut;
	size_t len, keep, n;

	if (fault_fail(F_WRITE, err_write))
		return -1;
	len = fault_iov_len(msg);
	if ((keep = fault_short(fd, len)) == len || !fault_cut_iov(msg, keep, iov, &n))
		return __real_sendmsg(fd, msg, flags);
	cut = *msg;
	cut.msg_iov = iov;
	cut.msg_iovlen = n;
	return __real_sendmsg(fd, &cut, flags);
}

int
__wrap_accept4(int fd, struct sockaddr *sa, socklen_t *sl, int flags)
{
	return fault_fail(F_ACCEPT, err_accept) ? -1 : __real_accept4(fd, sa, sl, flags);
}

int
__wrap_socket(int family, int type, int protocol)
{
	return fault_fail(F_SOCKET, err_socket) ? -1 : __real_socket(family, type, protocol);
}

int
__wrap_pipe2(int fds[2], int flags)
{
	return fault_fail(F_SOCKET, err_pipe) ? -1 : __real_pipe2(fds, flags);
}

ssize_t
__wrap_splice(int in, loff_t *inoff, int out, loff_t *outoff, size_t len, unsigned int flags)
{
	size_t keep;

	if (fault_fail(F_SPLICE, err_splice))
		return -1;
	/* Short on whichever end is a pipe or a stream: both always are. */
	keep = fault_short(in, len);
	return __real_splice(in, inoff, out, outoff, keep, flags);
}

/* The loop is where the daemon serves: faults only while it runs. */
int
__wrap_ev_run(struct ev_loop *loop, int flags)
{
	int r;

	atomic_store(&fault_armed, fault_on);
	r = __real_ev_run(loop, flags);
	atomic_store(&fault_armed, false);
	return r;
}

static void
fault_report(void)
{
	char line[512];
	size_t off;
	int k;

	off = (size_t)snprintf(line, sizeof(line), "sock6d: faults injected (seed %llu):",
	    (unsigned long long)fault_seed);
	for (k = 0; k < F_NKINDS && off < sizeof(line); k++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, " %s %llu/%llu",
		    fault_names[k], (unsigned long long)atomic_load(&fault_hits[k]),
		    (unsigned long long)atomic_load(&fault_calls[k]));
	fprintf(stderr, "%s\n", line);
}

/* One key=value of SOCK6D_FAULTS into the settings; -1 when it is not one. */
static int
fault_set(const char *key, size_t klen, const char *val)
{
	char *end;
	double rate;
	int k;

	if (klen == 9 && strncmp(key, "transient", 9) == 0) {
		if ((val[0] != '0' && val[0] != '1') || (val[1] != '\0' && val[1] != ','))
			return -1;
		fault_transient = val[0] == '1';
		return 0;
	}
	if (klen == 4 && strncmp(key, "seed", 4) == 0) {
		errno = 0;
		fault_seed = strtoull(val, &end, 0);
		return *val == '\0' || *val == '-' || errno || (*end != '\0' && *end != ',') ?
		    -1 : 0;
	}
	errno = 0;
	rate = strtod(val, &end);
	if (*val == '\0' || errno || (*end != '\0' && *end != ',') || !(rate >= 0 && rate <= 1))
		return -1;
	if (klen == 3 && strncmp(key, "all", 3) == 0) {
		for (k = 0; k < F_NKINDS; k++)
			if (k != F_SHORT)
				fault_rate[k] = rate;
		return 0;
	}
	for (k = 0; k < F_NKINDS; k++)
		if (strlen(fault_names[k]) == klen && strncmp(key, fault_names[k], klen) == 0) {
			fault_rate[k] = rate;
			return 0;
		}
	return -1;
}

/* Read SOCK6D_FAULTS before main: a bad one stops the daemon at once. */
__attribute__((constructor)) static void
fault_init(void)
{
	const char *spec = getenv("SOCK6D_FAULTS"), *p, *eq, *next;

	if (spec == NULL || *spec == '\0')
		return;
	for (p = spec; *p != '\0'; p = *next == ',' ? next + 1 : next) {
		next = p + strcspn(p, ",");
		eq = memchr(p, '=', (size_t)(next - p));
		if (eq == NULL || fault_set(p, (size_t)(eq - p), eq + 1) == -1) {
			fprintf(stderr, "sock6d: SOCK6D_FAULTS: bad setting '%.*s' (want "
			    "seed=N, transient=0|1 or alloc|read|write|accept|socket|splice|"
			    "short|all=RATE, RATE from 0 to 1)\n", (int)(next - p), p);
			exit(2);
		}
	}
	fault_on = true;
	fprintf(stderr, "sock6d: fault injection on once serving: %s\n", spec);
	atexit(fault_report);
}
