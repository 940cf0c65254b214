/* names.c: the vocabulary of names the protocol gives to numbers: families,
 * socket types, protocols, scopes, encodings, and the flags of send, recv,
 * shutdown, getaddrinfo and getnameinfo, with the egg's constant names
 * ("msg/peek") beside the short ones.  One table per set, shared by the
 * param engine, the results and rpc.discover. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/socket.h>
#include <netdb.h>
#include <netinet/in.h>

#include "names.h"
#include "sock.h"

const struct enum_name family_names[] = {
	{ "unspec", AF_UNSPEC }, { "unix", AF_UNIX }, { "inet", AF_INET },
	{ "inet6", AF_INET6 },
	{ "af/unspec", AF_UNSPEC }, { "af/unix", AF_UNIX }, { "af/inet", AF_INET },
	{ "af/inet6", AF_INET6 }, { NULL, 0 }
};

const struct enum_name socktype_names[] = {
	{ "stream", SOCK_STREAM }, { "dgram", SOCK_DGRAM }, { "raw", SOCK_RAW },
	{ "seqpacket", SOCK_SEQPACKET },
	{ "sock/stream", SOCK_STREAM }, { "sock/dgram", SOCK_DGRAM }, { "sock/raw", SOCK_RAW },
	{ "sock/seqpacket", SOCK_SEQPACKET }, { NULL, 0 }
};

const struct enum_name protocol_names[] = {
	{ "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ "ipproto/icmp", IPPROTO_ICMP }, { "ipproto/tcp", IPPROTO_TCP },
	{ "ipproto/udp", IPPROTO_UDP }, { "ipproto/icmpv6", IPPROTO_ICMPV6 },
	{ NULL, 0 }
};

const char *
enum_name_of(const struct enum_name *names, int value)
{
	for (; names->name != NULL; names++)
		if (names->value == value)
			return names->name;
	return NULL;
}

json_object *
enum_to_json(const struct enum_name *names, int value)
{
	const char *name = enum_name_of(names, value);

	return name ? json_object_new_string(name) : json_object_new_int(value);
}

int
enum_lookup(const struct enum_name *names, const char *name, int *value)
{
	for (; names->name != NULL; names++)
		if (strcmp(names->name, name) == 0) {
			*value = names->value;
			return 0;
		}
	return -1;
}

const struct enum_name scope_names[] = {
	{ "daemon", SCOPE_DAEMON }, { "connection", SCOPE_CONNECTION }, { NULL, 0 }
};

const struct enum_name encoding_names[] = {
	{ "base64", 0 }, { "text", 1 }, { NULL, 0 }
};

#define MSG(name, value)	NAME_AND_CONSTANT("msg", name, value)

const struct enum_name shutdown_names[] = {
	NAME_AND_CONSTANT("shut", "rd", SHUT_RD), NAME_AND_CONSTANT("shut", "wr", SHUT_WR),
	NAME_AND_CONSTANT("shut", "rdwr", SHUT_RDWR), { NULL, 0 }
};

const struct enum_name recv_flag_names[] = {
	MSG("peek", MSG_PEEK), MSG("oob", MSG_OOB), MSG("waitall", MSG_WAITALL),
	MSG("trunc", MSG_TRUNC), MSG("dontwait", MSG_DONTWAIT), { NULL, 0 }
};

const struct enum_name send_flag_names[] = {
	MSG("oob", MSG_OOB), MSG("dontroute", MSG_DONTROUTE), MSG("eor", MSG_EOR),
	MSG("more", MSG_MORE), MSG("dontwait", MSG_DONTWAIT), { NULL, 0 }
};

#define AI(name, value)	NAME_AND_CONSTANT("ai", name, value)
#define NI(name, value)	NAME_AND_CONSTANT("ni", name, value)

const struct enum_name ai_flag_names[] = {
	AI("passive", AI_PASSIVE), AI("canonname", AI_CANONNAME),
	AI("numerichost", AI_NUMERICHOST), AI("numericserv", AI_NUMERICSERV),
	AI("addrconfig", AI_ADDRCONFIG), AI("v4mapped", AI_V4MAPPED), AI("all", AI_ALL),
	{ NULL, 0 }
};

const struct enum_name ni_flag_names[] = {
	NI("numerichost", NI_NUMERICHOST), NI("numericserv", NI_NUMERICSERV),
	NI("nofqdn", NI_NOFQDN), NI("namereqd", NI_NAMEREQD), NI("dgram", NI_DGRAM),
	{ NULL, 0 }
};

