/* rpc-resolve.c: name resolution, answered from the resolver pool:
 * net.address_information (getaddrinfo) and net.name_information
 * (getnameinfo), with the egg's semantics. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "rpc-common.h"
#include "sockaddr.h"

/* net.address_information */

struct ai_args {
	const char	*node;
	const char	*service;
	int		 family, type, protocol, flags;
};

static const struct param ai_params[] = {
	{ "node", PT_STRING, P_NULLABLE, offsetof(struct ai_args, node), .max = 1024,
	  .desc = "host name or numeric address (null: loopback, or any with passive)" },
	{ "service", PT_SERVICE, P_NULLABLE, offsetof(struct ai_args, service), .max = 255,
	  .desc = "service name or port number (null: none)" },
	{ "family", PT_FAMILY, P_DEFAULT, offsetof(struct ai_args, family), .def = AF_UNSPEC,
	  .names = family_names, .desc = "inet, inet6 or unspec (any)" },
	{ "type", PT_SOCKTYPE, P_DEFAULT | P_NULLABLE, offsetof(struct ai_args, type),
	  .def = SOCK_STREAM, .names = socktype_names,
	  .desc = "socket type (default stream; null: every type)" },
	{ "protocol", PT_PROTOCOL, P_DEFAULT, offsetof(struct ai_args, protocol), .def = 0,
	  .names = protocol_names, .desc = "protocol (0: any)" },
	{ "flags", PT_FLAGS, P_DEFAULT, offsetof(struct ai_args, flags), .def = 0,
	  .names = ai_flag_names,
	  .desc = "passive, canonname, numerichost, numericserv, addrconfig, v4mapped, all" },
	END_PARAMS
};

static void
ai_done(struct resolve_job *job)
{
	struct call *c = job->ctx;
	json_object *list, *o;
	struct addrinfo *ai;
	struct s6err e;

	if (job->rc != 0 && job->rc != EAI_NONAME) {
		resolve_error(job, "getaddrinfo", &e);
		call_complete_fail(c, &e);
		return;
	}
	/* Not found is an empty list, as in the egg. */
	list = json_object_new_array();
	for (ai = job->rc == 0 ? job->res : NULL; ai != NULL; ai = ai->ai_next) {
		o = json_object_new_object();
		json_object_object_add(o, "family", enum_to_json(family_names, ai->ai_family));
		json_object_object_add(o, "type", enum_to_json(socktype_names, ai->ai_socktype));
		json_object_object_add(o, "protocol", enum_to_json(protocol_names, ai->ai_protocol));
		json_object_object_add(o, "address", s6_addr_to_json(ai->ai_addr, ai->ai_addrlen));
		json_object_object_add(o, "canonname",
		    ai->ai_canonname ? json_object_new_string(ai->ai_canonname) : NULL);
		json_object_array_add(list, o);
	}
	call_complete_ok(c, result_one("addresses", list));
}

static const struct answer *
net_address_information(struct call *c, void *argp)
{
	struct ai_args *a = argp;
	struct resolve_job *job;
	const struct answer *pending;

	pending = resolve_park(c, RESOLVE_ADDRINFO, a->node, a->service, ai_done, &job);
	if (!answer_is_pending(pending))
		return pending;
	job->hints.ai_family = a->family;
	job->hints.ai_socktype = a->type == PARAM_ABSENT_INT ? 0 : a->type;
	job->hints.ai_protocol = a->protocol;
	job->hints.ai_flags = a->flags;
	return resolve_park_submit(c, job, pending);
}

const struct method m_net_address_information = {
	"net.address_information", net_address_information, ai_params, sizeof(struct ai_args),
	"Resolve a node and service (getaddrinfo)",
	"The egg's address-information, run off the event loop. A node that is not found "
	"gives an empty list; any other failure is 1004 with gai and gai_name. The type "
	"defaults to stream; null gives every type. canonname is set only with the flag.",
	(const struct result_field[]){ { "addresses", RT_ARRAY,
	    "[{family, type, protocol, address (sockaddr), canonname}] in getaddrinfo's order" },
	    END_RESULT },
	(const int[]){ S6_RESOLVE, S6_LIMIT, 0 },
};

/* net.name_information */

struct ni_args {
	struct s6_sockaddr	addr;
	int			flags;
};

static const struct param ni_params[] = {
	{ "address", PT_SOCKADDR, P_REQUIRED | P_ADDR_NET, offsetof(struct ni_args, addr),
	  .desc = "a socket address, or a numeric host string (port 0)" },
	{ "flags", PT_FLAGS, P_DEFAULT, offsetof(struct ni_args, flags), .def = 0,
	  .names = ni_flag_names, .desc = "numerichost, numericserv, nofqdn, namereqd, dgram" },
	END_PARAMS
};

static void
ni_done(struct resolve_job *job)
{
	struct call *c = job->ctx;
	json_object *o, *service;
	struct s6err e;
	int port;

	if (job->rc != 0) {
		resolve_error(job, "getnameinfo", &e);
		call_complete_fail(c, &e);
		return;
	}
	/* A numeric service comes back as an integer, as in the egg. */
	port = s6_port_parse(job->serv);
	service = port >= 0 ? json_object_new_int(port) : json_object_new_string(job->serv);
	o = json_object_new_object();
	json_object_object_add(o, "node", json_object_new_string(job->host));
	json_object_object_add(o, "service", service);
	call_complete_ok(c, o);
}

static const struct answer *
net_name_information(struct call *c, void *argp)
{
	struct ni_args *a = argp;
	struct resolve_job *job;
	const struct answer *pending;

	pending = resolve_park(c, RESOLVE_NAMEINFO, NULL, NULL, ni_done, &job);
	if (!answer_is_pending(pending))
		return pending;
	memcpy(&job->sa, &a->addr.ss, a->addr.len);
	job->salen = a->addr.len;
	job->niflags = a->flags;
	return resolve_park_submit(c, job, pending);
}

const struct method m_net_name_information = {
	"net.name_information", net_name_information, ni_params, sizeof(struct ni_args),
	"Look up the name of an address (getnameinfo)",
	"The egg's name-information, run off the event loop: node and service, the service "
	"an integer when it is numeric. A string address is a numeric host with port 0.",
	(const struct result_field[]){ { "node", RT_STRING, "" },
	    { "service", RT_STRING | RT_INTEGER, "an integer when numeric" }, END_RESULT },
	(const int[]){ S6_NET, S6_RESOLVE, S6_LIMIT, 0 },
};
