/* rpc-net.c: address construction and parsing without name resolution:
 * net.inet_address, net.unix_address and net.parse_address. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "hostport.h"
#include "rpc-common.h"
#include "sockaddr.h"

static const struct result_field sockaddr_result[] = {
	{ "family", RT_STRING, "inet, inet6 or unix" },
	{ "address", RT_STRING, "numeric host (inet, inet6)" },
	{ "port", RT_INTEGER, "port (inet, inet6)" },
	{ "path", RT_STRING, "path or @abstract name (unix)" },
	{ "string", RT_STRING, "the egg's sockaddr->string" },
	END_RESULT
};

/* net.inet_address */

struct inet_args {
	const char	*address;
	int		 port;
};

static const struct param inet_params[] = {
	{ "address", PT_STRING, P_NULLABLE, offsetof(struct inet_args, address), .max = 255,
	  .desc = "numeric host (null: the unspecified address)" },
	{ "port", PT_PORT, P_NULLABLE, offsetof(struct inet_args, port),
	  .desc = "0..65535, as an integer or a decimal string (null: 0)" },
	END_PARAMS
};

static const struct answer *
net_inet_address(struct call *c, void *argp)
{
	struct inet_args *a = argp;
	struct s6_sockaddr addr;
	struct s6err e;
	const char *why;

	if ((a->address == NULL && a->port < 0) ||
	    s6_addr_inet(a->address, a->port < 0 ? 0 : a->port, &addr, &why) == -1) {
		err_set(&e, S6_NET, "invalid internet address");
		return call_fail(c, &e);
	}
	return call_ok(c, s6_addr_to_json((struct sockaddr *)&addr.ss, addr.len));
}

const struct method m_net_inet_address = {
	"net.inet_address", net_inet_address, inet_params, sizeof(struct inet_args),
	"Make an internet socket address",
	"The egg's inet-address: a numeric IPv4 or IPv6 host (scope ids kept) and a port. "
	"A null address is the unspecified address (0.0.0.0 on glibc). Host names are "
	"refused; both null is an error.",
	sockaddr_result, (const int[]){ S6_NET, 0 },
};

/* net.unix_address */

struct unix_args {
	const char	*path;
};

static const struct param unix_params[] = {
	{ "path", PT_STRING, P_REQUIRED, offsetof(struct unix_args, path), .max = 4096,
	  .desc = "absolute path, or @name for the abstract namespace (at most 107 bytes)" },
	END_PARAMS
};

static const struct answer *
net_unix_address(struct call *c, void *argp)
{
	struct unix_args *a = argp;
	struct s6_sockaddr addr;
	struct s6err e;
	const char *why;

	if (s6_addr_unix(a->path, &addr, &why) == -1) {
		err_param(&e, "path", "%s", why);
		return call_fail(c, &e);
	}
	return call_ok(c, s6_addr_to_json((struct sockaddr *)&addr.ss, addr.len));
}

const struct method m_net_unix_address = {
	"net.unix_address", net_unix_address, unix_params, sizeof(struct unix_args),
	"Make a UNIX socket address",
	"The egg's unix-address, except that a path too long for sun_path is an error, "
	"never cut short.",
	sockaddr_result, (const int[]){ 0 },
};

/* net.parse_address */

struct parse_args {
	const char	*string;
};

static const struct param parse_params[] = {
	{ "string", PT_STRING, P_REQUIRED, offsetof(struct parse_args, string), .max = 1024,
	  .desc = "\"host:port\", \"[v6]:port\", \"[v6]\", \"v6\" or \"host\"" },
	END_PARAMS
};

static const struct answer *
net_parse_address(struct call *c, void *argp)
{
	struct parse_args *a = argp;
	struct hostport hp;
	struct s6err e;
	json_object *o;

	switch (hostport_parse(a->string, &hp)) {
	case HOSTPORT_TOO_LONG:
		err_param(&e, "string", "host or port part too long");
		return call_fail(c, &e);
	case HOSTPORT_PORT_RANGE:
		err_param(&e, "string", "port in string must be 0..65535");
		return call_fail(c, &e);
	}
	o = json_object_new_object();
	json_object_object_add(o, "host", hp.has_host ? json_object_new_string(hp.host) : NULL);
	json_object_object_add(o, "port", hp.has_port ? json_object_new_string(hp.port) : NULL);
	return call_ok(c, o);
}

const struct method m_net_parse_address = {
	"net.parse_address", net_parse_address, parse_params, sizeof(struct parse_args),
	"Split \"host:port\" by the egg's rules",
	"The egg's parse-inet-address: host and port as strings, null where absent; two or "
	"more colons without brackets are a bare IPv6 host with no port. A numeric port "
	"outside 0..65535 is -32602.",
	(const struct result_field[]){ { "host", RT_STRING | RT_NULL, "null when absent" },
	    { "port", RT_STRING | RT_NULL, "null when absent (kept a string: service names work)" },
	    END_RESULT },
	(const int[]){ 0 },
};
