/* connect-ai.h: connection setup by address lists: connecting to one of
 * several addresses (the egg's socket-connect/ai, optionally racing them by
 * RFC 8305 happy eyeballs) entirely inside the loop, and the steps the tcp.*
 * and udp.* methods share on the way there: host:port splitting, a parked
 * getaddrinfo, and reading its answer as the egg does. */
#ifndef SOCK6D_CONNECT_AI_H
#define SOCK6D_CONNECT_AI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netdb.h>

#include "error.h"
#include "hostport.h"
#include "resolve.h"
#include "rpc.h"
#include "sock.h"
#include "sockaddr.h"

/* Addresses one socket.connect_ai may list: each attempt costs a socket
 * and a connect(2) on the loop. */
#define CAI_MAX_ADDRESSES	64

struct cai_target {
	int			family, type;	/* of each attempt's socket */
	struct s6_sockaddr	addr;
};

struct cai_request {
	struct cai_target	*targets;	/* malloc'd; the engine frees it */
	size_t			 n;
	int64_t			 timeout_ms;	/* per attempt; < 0: never */
	bool			 happy;		/* race the addresses (RFC 8305) */
	bool			 with_local;	/* the result also has "local" */
	enum sock_scope		 scope;		/* of the winner's handle */
};

/* Connect the caller to one of the targets and answer c with {handle,
 * [local,] peer}, now or later from the loop.  One fresh socket per attempt;
 * the next address after a transient error or a timeout; a fatal error ends
 * it at once; the last error is reported unchanged; every socket but the
 * winner is closed.  c may be fresh (the answer is returned) or already
 * parked after a lookup (it is answered from here; the return is moot). */
const struct answer *cai_connect(struct call *c, struct cai_request *r);

/* The node and service to look up: host and port as given, or, when port
 * is NULL, host split by the egg's parse-inet-address (hp holds the parts).
 * -1 with e: 1000 "no port specified". */
int		 cai_host_port(const char *host, const char *port, struct hostport *hp,
		    const char **node, const char **service, struct s6err *e);
/* Park c on a getaddrinfo of node and service with these hints; done runs
 * on the loop with job->ctx == c (unless the caller went away). */
const struct answer *cai_lookup_park(struct call *c, const char *node, const char *service,
		    int family, int socktype, int flags, resolve_done_fn done);
/* A finished lookup's first address; NULL with e: 1004 when getaddrinfo
 * failed, 1000 `empty` when it found nothing. */
const struct addrinfo *cai_lookup_first(const struct resolve_job *job, const char *empty,
		    struct s6err *e);
/* A finished lookup's addresses of socktype as targets for cai_connect;
 * -1 with e as for cai_lookup_first. */
int		 cai_lookup_targets(const struct resolve_job *job, int socktype,
		    const char *empty, struct cai_request *r, struct s6err *e);
/* The handle id, still usable by c's caller after a wait; NULL with 1010. */
struct sock	*cai_handle(struct call *c, uint64_t id, struct s6err *e);
/* bind(2) with the egg's error ("cannot bind to socket - ..."); 0 or -1. */
int		 cai_bind(struct sock *s, const struct sockaddr *sa, socklen_t len,
		    const struct creds *who, struct s6err *e);

#endif
