/* constants.c: the one table of the socket egg's constants with this
 * platform's values.  Rows the egg feature-tests are under #ifdef here, so a
 * constant the platform lacks is recorded as undefined (the egg's #f). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "constants.h"

/* A defined constant, and one the platform lacks. */
#define K(g, n, v)	{ g, g "/" n, (v), true }
#define UNDEF(g, n)	{ g, g "/" n, 0, false }

const char *const constant_groups[] = {
	"af", "sock", "ipproto", "sol", "so", "tcp", "ip", "ipv6", "ai", "ni", "shut",
	"msg", NULL
};

const struct constant constants[] = {
	/* Address families. */
	K("af", "inet", AF_INET),
	K("af", "inet6", AF_INET6),
#ifdef AF_UNIX
	K("af", "unix", AF_UNIX),
#else
	UNDEF("af", "unix"),
#endif
	K("af", "unspec", AF_UNSPEC),

	/* Socket types (seqpacket is sock6d's; the egg comments it out). */
	K("sock", "stream", SOCK_STREAM),
	K("sock", "dgram", SOCK_DGRAM),
	K("sock", "raw", SOCK_RAW),
#ifdef SOCK_SEQPACKET
	K("sock", "seqpacket", SOCK_SEQPACKET),
#else
	UNDEF("sock", "seqpacket"),
#endif

	/* Protocols, which are also option levels (icmpv6 is sock6d's). */
	K("ipproto", "ip", IPPROTO_IP),
#ifdef IPPROTO_IPV6
	K("ipproto", "ipv6", IPPROTO_IPV6),
#else
	UNDEF("ipproto", "ipv6"),
#endif
	K("ipproto", "tcp", IPPROTO_TCP),
	K("ipproto", "icmp", IPPROTO_ICMP),
	K("ipproto", "udp", IPPROTO_UDP),
#ifdef IPPROTO_ICMPV6
	K("ipproto", "icmpv6", IPPROTO_ICMPV6),
#else
	UNDEF("ipproto", "icmpv6"),
#endif

	K("sol", "socket", SOL_SOCKET),

	/* Socket-level options. */
	K("so", "reuseaddr", SO_REUSEADDR),
	K("so", "debug", SO_DEBUG),
	K("so", "acceptconn", SO_ACCEPTCONN),
	K("so", "keepalive", SO_KEEPALIVE),
	K("so", "dontroute", SO_DONTROUTE),
	K("so", "broadcast", SO_BROADCAST),
	K("so", "linger", SO_LINGER),
	K("so", "oobinline", SO_OOBINLINE),
	K("so", "sndbuf", SO_SNDBUF),
	K("so", "rcvbuf", SO_RCVBUF),
	K("so", "sndlowat", SO_SNDLOWAT),
	K("so", "rcvlowat", SO_RCVLOWAT),
	K("so", "sndtimeo", SO_SNDTIMEO),
	K("so", "rcvtimeo", SO_RCVTIMEO),
	K("so", "error", SO_ERROR),
	K("so", "type", SO_TYPE),
#ifdef SO_USELOOPBACK
	K("so", "useloopback", SO_USELOOPBACK),
#else
	UNDEF("so", "useloopback"),
#endif
#ifdef SO_REUSEPORT
	K("so", "reuseport", SO_REUSEPORT),
#else
	UNDEF("so", "reuseport"),
#endif
#ifdef SO_TIMESTAMP
	K("so", "timestamp", SO_TIMESTAMP),
#else
	UNDEF("so", "timestamp"),
#endif
#ifdef SO_EXCLUSIVEADDRUSE
	K("so", "exclusiveaddruse", SO_EXCLUSIVEADDRUSE),
#else
	UNDEF("so", "exclusiveaddruse"),
#endif
	/* sock6d's, for its structured options. */
#ifdef SO_PEERCRED
	K("so", "peercred", SO_PEERCRED),
#else
	UNDEF("so", "peercred"),
#endif
	/* sock6d's: the options a policy grant can lend privilege for. */
#ifdef SO_MARK
	K("so", "mark", SO_MARK),
#else
	UNDEF("so", "mark"),
#endif
#ifdef SO_PRIORITY
	K("so", "priority", SO_PRIORITY),
#else
	UNDEF("so", "priority"),
#endif
#ifdef SO_BINDTODEVICE
	K("so", "bindtodevice", SO_BINDTODEVICE),
#else
	UNDEF("so", "bindtodevice"),
#endif

	/* TCP-level options. */
	K("tcp", "nodelay", TCP_NODELAY),
#ifdef TCP_MAXSEG
	K("tcp", "maxseg", TCP_MAXSEG),
#else
	UNDEF("tcp", "maxseg"),
#endif
#ifdef TCP_NOPUSH
	K("tcp", "nopush", TCP_NOPUSH),
#else
	UNDEF("tcp", "nopush"),
#endif
#ifdef TCP_NOOPT
	K("tcp", "noopt", TCP_NOOPT),
#else
	UNDEF("tcp", "noopt"),
#endif
#ifdef TCP_KEEPALIVE
	K("tcp", "keepalive", TCP_KEEPALIVE),
#else
	UNDEF("tcp", "keepalive"),
#endif
	/* sock6d's, for its structured options. */
#ifdef TCP_KEEPIDLE
	K("tcp", "keepidle", TCP_KEEPIDLE),
#else
	UNDEF("tcp", "keepidle"),
#endif
#ifdef TCP_KEEPINTVL
	K("tcp", "keepintvl", TCP_KEEPINTVL),
#else
	UNDEF("tcp", "keepintvl"),
#endif
#ifdef TCP_KEEPCNT
	K("tcp", "keepcnt", TCP_KEEPCNT),
#else
	UNDEF("tcp", "keepcnt"),
#endif
#ifdef TCP_USER_TIMEOUT
	K("tcp", "user-timeout", TCP_USER_TIMEOUT),
#else
	UNDEF("tcp", "user-timeout"),
#endif
#ifdef TCP_CONGESTION
	K("tcp", "congestion", TCP_CONGESTION),
#else
	UNDEF("tcp", "congestion"),
#endif
#ifdef TCP_INFO
	K("tcp", "info", TCP_INFO),
#else
	UNDEF("tcp", "info"),
#endif

	/* IP-level options. */
	K("ip", "options", IP_OPTIONS),
	K("ip", "hdrincl", IP_HDRINCL),
	K("ip", "tos", IP_TOS),
	K("ip", "ttl", IP_TTL),
#ifdef IP_MTU
	K("ip", "mtu", IP_MTU),
#else
	UNDEF("ip", "mtu"),
#endif
#ifdef IP_MTU_DISCOVER
	K("ip", "mtu-discover", IP_MTU_DISCOVER),
#else
	UNDEF("ip", "mtu-discover"),
#endif
#ifdef IP_PKTINFO
	K("ip", "pktinfo", IP_PKTINFO),
#else
	UNDEF("ip", "pktinfo"),
#endif
#ifdef IP_RECVERR
	K("ip", "recverr", IP_RECVERR),
#else
	UNDEF("ip", "recverr"),
#endif
#ifdef IP_RECVTOS
	K("ip", "recvtos", IP_RECVTOS),
#else
	UNDEF("ip", "recvtos"),
#endif
#ifdef IP_RECVTTL
	K("ip", "recvttl", IP_RECVTTL),
#else
	UNDEF("ip", "recvttl"),
#endif
#ifdef IP_ROUTER_ALERT
	K("ip", "router-alert", IP_ROUTER_ALERT),
#else
	UNDEF("ip", "router-alert"),
#endif
#ifdef IP_RECVOPTS
	K("ip", "recvopts", IP_RECVOPTS),
#else
	UNDEF("ip", "recvopts"),
#endif
#ifdef IP_RECVRETOPTS
	K("ip", "recvretopts", IP_RECVRETOPTS),
#else
	UNDEF("ip", "recvretopts"),
#endif
#ifdef IP_RETOPTS
	K("ip", "retopts", IP_RETOPTS),
#else
	UNDEF("ip", "retopts"),
#endif
#ifdef IP_RECVDSTADDR
	K("ip", "recvdstaddr", IP_RECVDSTADDR),
#else
	UNDEF("ip", "recvdstaddr"),
#endif
	K("ip", "multicast-if", IP_MULTICAST_IF),
	K("ip", "multicast-ttl", IP_MULTICAST_TTL),
	K("ip", "multicast-loop", IP_MULTICAST_LOOP),
	K("ip", "add-membership", IP_ADD_MEMBERSHIP),
	K("ip", "drop-membership", IP_DROP_MEMBERSHIP),
#ifdef IP_TRANSPARENT
	K("ip", "transparent", IP_TRANSPARENT),
#else
	UNDEF("ip", "transparent"),
#endif

	/* IPv6-level options: every one feature-tested, as in the egg. */
#ifdef IPV6_TRANSPARENT
	K("ipv6", "transparent", IPV6_TRANSPARENT),
#else
	UNDEF("ipv6", "transparent"),
#endif
#ifdef IPV6_V6ONLY
	K("ipv6", "v6only", IPV6_V6ONLY),
#else
	UNDEF("ipv6", "v6only"),
#endif
#ifdef IPV6_ADDRFORM
	K("ipv6", "addrform", IPV6_ADDRFORM),
#else
	UNDEF("ipv6", "addrform"),
#endif
#ifdef IPV6_MTU
	K("ipv6", "mtu", IPV6_MTU),
#else
	UNDEF("ipv6", "mtu"),
#endif
#ifdef IPV6_MTU_DISCOVER
	K("ipv6", "mtu-discover", IPV6_MTU_DISCOVER),
#else
	UNDEF("ipv6", "mtu-discover"),
#endif
#ifdef IPV6_MULTICAST_HOPS
	K("ipv6", "multicast-hops", IPV6_MULTICAST_HOPS),
#else
	UNDEF("ipv6", "multicast-hops"),
#endif
#ifdef IPV6_MULTICAST_IF
	K("ipv6", "multicast-if", IPV6_MULTICAST_IF),
#else
	UNDEF("ipv6", "multicast-if"),
#endif
#ifdef IPV6_MULTICAST_LOOP
	K("ipv6", "multicast-loop", IPV6_MULTICAST_LOOP),
#else
	UNDEF("ipv6", "multicast-loop"),
#endif
#ifdef IPV6_PKTINFO
	K("ipv6", "pktinfo", IPV6_PKTINFO),
#else
	UNDEF("ipv6", "pktinfo"),
#endif
#ifdef IPV6_RTHDR
	K("ipv6", "rthdr", IPV6_RTHDR),
#else
	UNDEF("ipv6", "rthdr"),
#endif
#ifdef IPV6_AUTHHDR
	K("ipv6", "authhdr", IPV6_AUTHHDR),
#else
	UNDEF("ipv6", "authhdr"),
#endif
#ifdef IPV6_DSTOPTS
	K("ipv6", "dstopts", IPV6_DSTOPTS),
#else
	UNDEF("ipv6", "dstopts"),
#endif
#ifdef IPV6_HOPOPTS
	K("ipv6", "hopopts", IPV6_HOPOPTS),
#else
	UNDEF("ipv6", "hopopts"),
#endif
#ifdef IPV6_FLOWINFO
	K("ipv6", "flowinfo", IPV6_FLOWINFO),
#else
	UNDEF("ipv6", "flowinfo"),
#endif
#ifdef IPV6_HOPLIMIT
	K("ipv6", "hoplimit", IPV6_HOPLIMIT),
#else
	UNDEF("ipv6", "hoplimit"),
#endif
#ifdef IPV6_RECVERR
	K("ipv6", "recverr", IPV6_RECVERR),
#else
	UNDEF("ipv6", "recverr"),
#endif
#ifdef IPV6_ROUTER_ALERT
	K("ipv6", "router-alert", IPV6_ROUTER_ALERT),
#else
	UNDEF("ipv6", "router-alert"),
#endif
#ifdef IPV6_UNICAST_HOPS
	K("ipv6", "unicast-hops", IPV6_UNICAST_HOPS),
#else
	UNDEF("ipv6", "unicast-hops"),
#endif
#ifdef IPV6_NEXTHOP
	K("ipv6", "nexthop", IPV6_NEXTHOP),
#else
	UNDEF("ipv6", "nexthop"),
#endif
#ifdef IPV6_PORT_RANGE
	K("ipv6", "port-range", IPV6_PORT_RANGE),
#else
	UNDEF("ipv6", "port-range"),
#endif
#ifdef IPV6_JOIN_GROUP
	K("ipv6", "join-group", IPV6_JOIN_GROUP),
#else
	UNDEF("ipv6", "join-group"),
#endif
#ifdef IPV6_LEAVE_GROUP
	K("ipv6", "leave-group", IPV6_LEAVE_GROUP),
#else
	UNDEF("ipv6", "leave-group"),
#endif
#ifdef IPV6_CHECKSUM
	K("ipv6", "checksum", IPV6_CHECKSUM),
#else
	UNDEF("ipv6", "checksum"),
#endif

	/* getaddrinfo flags; the egg makes the later ones 0 when absent. */
	K("ai", "passive", AI_PASSIVE),
	K("ai", "canonname", AI_CANONNAME),
	K("ai", "numerichost", AI_NUMERICHOST),
#ifdef AI_V4MAPPED
	K("ai", "v4mapped", AI_V4MAPPED),
#else
	K("ai", "v4mapped", 0),
#endif
#ifdef AI_ALL
	K("ai", "all", AI_ALL),
#else
	K("ai", "all", 0),
#endif
#ifdef AI_ADDRCONFIG
	K("ai", "addrconfig", AI_ADDRCONFIG),
#else
	K("ai", "addrconfig", 0),
#endif
#ifdef AI_NUMERICSERV
	K("ai", "numericserv", AI_NUMERICSERV),
#else
	K("ai", "numericserv", 0),
#endif
#ifdef AI_MASK
	K("ai", "mask", AI_MASK),
#else
	K("ai", "mask", 0),
#endif
#ifdef AI_DEFAULT
	K("ai", "default", AI_DEFAULT),
#else
	K("ai", "default", 0),
#endif

	/* getnameinfo flags. */
	K("ni", "numerichost", NI_NUMERICHOST),
	K("ni", "numericserv", NI_NUMERICSERV),
	K("ni", "nofqdn", NI_NOFQDN),
	K("ni", "namereqd", NI_NAMEREQD),
	K("ni", "dgram", NI_DGRAM),

	/* socket.shutdown's how. */
	K("shut", "rd", SHUT_RD),
	K("shut", "wr", SHUT_WR),
	K("shut", "rdwr", SHUT_RDWR),

	/* send/receive flags (sock6d's: the names its flags params take). */
	K("msg", "oob", MSG_OOB),
	K("msg", "peek", MSG_PEEK),
	K("msg", "dontroute", MSG_DONTROUTE),
	K("msg", "eor", MSG_EOR),
	K("msg", "trunc", MSG_TRUNC),
	K("msg", "dontwait", MSG_DONTWAIT),
	K("msg", "waitall", MSG_WAITALL),
#ifdef MSG_MORE
	K("msg", "more", MSG_MORE),
#else
	UNDEF("msg", "more"),
#endif

	{ NULL, NULL, 0, false }
};

const size_t constants_count = sizeof(constants) / sizeof(constants[0]) - 1;

const struct constant *
constant_lookup(const char *name)
{
	const struct constant *k;

	for (k = constants; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

bool
constant_group_known(const char *group)
{
	const char *const *g;

	for (g = constant_groups; *g != NULL; g++)
		if (strcmp(*g, group) == 0)
			return true;
	return false;
}

const struct constant *
constant_next(const char *group, const struct constant *prev)
{
	const struct constant *k;

	for (k = prev == NULL ? constants : prev + 1; k->name != NULL; k++)
		if (group == NULL || strcmp(k->group, group) == 0)
			return k;
	return NULL;
}
