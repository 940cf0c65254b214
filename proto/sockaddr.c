/* sockaddr.c: socket addresses <-> their JSON and string forms. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "sockaddr.h"

#define SA_SUN_PATH	sizeof(((struct sockaddr_un *)0)->sun_path)
#define SA_SUN_MAX	(SA_SUN_PATH - 1)	/* 107: room for the NUL */
#define SA_HOSTMAX	256

/* Render an AF_UNIX address: the path, "@name" when abstract, "" when
 * unnamed.  Returns the length (abstract names may hold NULs) or -1. */
static ssize_t
sa_unix_render(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outlen)
{
	const struct sockaddr_un	*sun = (const struct sockaddr_un *)sa;
	size_t				 n;

	n = len > offsetof(struct sockaddr_un, sun_path) ?
	    len - offsetof(struct sockaddr_un, sun_path) : 0;
	if (n > SA_SUN_PATH)
		n = SA_SUN_PATH;
	if (n > 0 && sun->sun_path[0] == '\0') {
		/* Abstract: '@' replaces the leading NUL. */
		if (n + 1 > outlen)
			return -1;
		out[0] = '@';
		memcpy(out + 1, sun->sun_path + 1, n - 1);
		out[n] = '\0';
		return (ssize_t)n;
	}
	n = strnlen(sun->sun_path, n);
	if (n + 1 > outlen)
		return -1;
	memcpy(out, sun->sun_path, n);
	out[n] = '\0';
	return (ssize_t)n;
}

int
s6_addr_host_port(const struct sockaddr *sa, socklen_t len, char *host,
    size_t hostlen, int *port)
{
	if (len < sizeof(sa_family_t))
		return -1;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		*port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6))
		*port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	else
		return -1;
	if (getnameinfo(sa, len, host, hostlen, NULL, 0,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return -1;
	return 0;
}

int
s6_addr_to_string(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outlen)
{
	char	 host[SA_HOSTMAX];
	int	 port, n;

	if (len < sizeof(sa_family_t))
		return -1;
	if (sa->sa_family == AF_UNIX)
		return sa_unix_render(sa, len, out, outlen) < 0 ? -1 : 0;
	if (s6_addr_host_port(sa, len, host, sizeof(host), &port) == -1)
		return -1;
	if (port == 0)
		n = snprintf(out, outlen, "%s", host);
	else if (sa->sa_family == AF_INET)
		n = snprintf(out, outlen, "%s:%d", host, port);
	else
		n = snprintf(out, outlen, "[%s]:%d", host, port);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

json_object *
s6_addr_to_json(const struct sockaddr *sa, socklen_t len)
{
	json_object	*o;
	char		 host[SA_HOSTMAX], str[S6_ADDRSTRLEN];
	ssize_t		 n;
	int		 port;

	if (len < sizeof(sa_family_t))
		return NULL;
	if (sa->sa_family == AF_UNIX) {
		if ((n = sa_unix_render(sa, len, str, sizeof(str))) < 0)
			return NULL;
		o = json_object_new_object();
		json_object_object_add(o, "family",
		    json_object_new_string("unix"));
		json_object_object_add(o, "path",
		    json_object_new_string_len(str, (int)n));
		json_object_object_add(o, "string",
		    json_object_new_string_len(str, (int)n));
		return o;
	}
	if (s6_addr_host_port(sa, len, host, sizeof(host), &port) == -1 ||
	    s6_addr_to_string(sa, len, str, sizeof(str)) == -1)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "family", json_object_new_string(
	    sa->sa_family == AF_INET ? "inet" : "inet6"));
	json_object_object_add(o, "address", json_object_new_string(host));
	json_object_object_add(o, "port", json_object_new_int(port));
	json_object_object_add(o, "string", json_object_new_string(str));
	return o;
}

int
s6_port_parse(const char *s)
{
	size_t	 i;
	int	 v = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0 || v > 65535)
		return -1;
	return v;
}

/* s6_port_parse() with the reason for a failure. */
static int
sa_port(const char *s, const char **why)
{
	int	 port;

	if ((port = s6_port_parse(s)) >= 0)
		return port;
	if (*s != '\0' && strspn(s, "0123456789") == strlen(s))
		*why = "port out of range";
	else
		*why = "port must be a decimal number";
	return -1;
}

int
s6_addr_inet(const char *host, int port, struct s6_sockaddr *out,
    const char **why)
{
	struct addrinfo	 hints, *res;
	char		 serv[8];
	int		 rc;

	if (port < 0 || port > 65535) {
		*why = "port out of range";
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (host == NULL)
		hints.ai_flags |= AI_PASSIVE;
	(void)snprintf(serv, sizeof(serv), "%d", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		*why = rc == EAI_NONAME ? "host must be a numeric address" :
		    "invalid internet address";
		return -1;
	}
	if (res->ai_addrlen > sizeof(out->ss)) {
		freeaddrinfo(res);
		*why = "invalid internet address";
		return -1;
	}
	memset(out, 0, sizeof(*out));
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int
s6_addr_unix(const char *path, struct s6_sockaddr *out, const char **why)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)&out->ss;
	size_t			 n;

	if (path == NULL || *path == '\0') {
		*why = "empty address";
		return -1;
	}
	if (*path != '/' && *path != '@') {
		*why = "unix path must be absolute or @abstract";
		return -1;
	}
	n = strlen(path);
	if (*path == '@')
		n--;
	if (n > SA_SUN_MAX) {
		*why = "unix path longer than 107 bytes";
		return -1;
	}
	memset(out, 0, sizeof(*out));
	sun->sun_family = AF_UNIX;
	if (*path == '@') {
		/* Abstract: a leading NUL, then exactly the name's bytes. */
		memcpy(sun->sun_path + 1, path + 1, n);
		out->len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
	} else {
		memcpy(sun->sun_path, path, n);
		out->len = offsetof(struct sockaddr_un, sun_path) + n + 1;
	}
	return 0;
}

/* Parse a numeric host and check the family it turned out to be. */
static int
sa_inet_family(const char *host, int port, int family, struct s6_sockaddr *out,
    const char **why)
{
	if (s6_addr_inet(host, port, out, why) == -1)
		return -1;
	if (family != AF_UNSPEC && out->ss.ss_family != family) {
		*why = family == AF_INET6 ? "bracketed host must be IPv6" :
		    "host must be an IPv4 address";
		return -1;
	}
	return 0;
}

/* Copy s[0..n) into a host buffer of SA_HOSTMAX bytes. */
static int
sa_host_copy(const char *s, size_t n, char *host, const char **why)
{
	if (n == 0 || n >= SA_HOSTMAX) {
		*why = "host must be a numeric address";
		return -1;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	return 0;
}

int
s6_addr_from_string(const char *s, struct s6_sockaddr *out, const char **why)
{
	const char	*close, *colon;
	char		 host[SA_HOSTMAX];
	int		 port = 0;

	if (s == NULL || *s == '\0') {
		*why = "empty address";
		return -1;
	}
	if (*s == '/' || *s == '@')
		return s6_addr_unix(s, out, why);
	if (*s == '[') {
		if ((close = strchr(s, ']')) == NULL) {
			*why = "missing ']' in address";
			return -1;
		}
		if (sa_host_copy(s + 1, (size_t)(close - s - 1), host,
		    why) == -1)
			return -1;
		if (close[1] == ':') {
			if ((port = sa_port(close + 2, why)) == -1)
				return -1;
		} else if (close[1] != '\0') {
			*why = "unexpected characters after ']' in address";
			return -1;
		}
		return sa_inet_family(host, port, AF_INET6, out, why);
	}
	if ((colon = strchr(s, ':')) == NULL) {
		if (s6_addr_inet(s, 0, out, why) == 0)
			return 0;
		/* Not an IPv4 address: most likely a relative path. */
		if (strspn(s, "0123456789.") != strlen(s))
			*why = "unix path must be absolute or @abstract";
		return -1;
	}
	if (strchr(colon + 1, ':') != NULL)	/* bare IPv6, port 0 */
		return sa_inet_family(s, 0, AF_INET6, out, why);
	if (sa_host_copy(s, (size_t)(colon - s), host, why) == -1 ||
	    (port = sa_port(colon + 1, why)) == -1)
		return -1;
	return sa_inet_family(host, port, AF_INET, out, why);
}

/* The C string of a JSON string, refusing embedded NULs. */
static const char *
sa_json_str(json_object *v, const char *bad, const char **why)
{
	const char	*s;

	if (!json_object_is_type(v, json_type_string)) {
		*why = bad;
		return NULL;
	}
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		*why = "address contains a NUL byte";
		return NULL;
	}
	return s;
}

/* The family name of an address object; AF_UNSPEC when absent. */
static int
sa_json_family(json_object *v, const char **why)
{
	const char	*s;

	if (v == NULL)
		return AF_UNSPEC;
	if ((s = sa_json_str(v, "family must be a string", why)) == NULL)
		return -1;
	if (strcmp(s, "inet") == 0)
		return AF_INET;
	if (strcmp(s, "inet6") == 0)
		return AF_INET6;
	if (strcmp(s, "unix") == 0)
		return AF_UNIX;
	*why = "family must be \"inet\", \"inet6\" or \"unix\"";
	return -1;
}

/* The object form: family, address and port, or path; string ignored. */
static int
sa_from_object(json_object *v, struct s6_sockaddr *out, const char **why)
{
	struct json_object_iterator	 it, end;
	json_object			*fam = NULL, *addr = NULL, *port = NULL;
	json_object			*path = NULL, *val;
	const char			*name, *s;
	int64_t				 p = 0;
	int				 family;

	it = json_object_iter_begin(v);
	end = json_object_iter_end(v);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		val = json_object_iter_peek_value(&it);
		if (strcmp(name, "family") == 0)
			fam = val;
		else if (strcmp(name, "address") == 0)
			addr = val;
		else if (strcmp(name, "port") == 0)
			port = val;
		else if (strcmp(name, "path") == 0)
			path = val;
		else if (strcmp(name, "string") == 0) {
			if (!json_object_is_type(val, json_type_string)) {
				*why = "string must be a string";
				return -1;
			}
		} else {
			*why = "unknown key in address object";
			return -1;
		}
	}
	if ((family = sa_json_family(fam, why)) == -1)
		return -1;
	if (family == AF_UNSPEC)
		family = path != NULL ? AF_UNIX : AF_UNSPEC;
	if (family == AF_UNIX) {
		if (addr != NULL || port != NULL) {
			*why = "unix address takes path, not address or port";
			return -1;
		}
		if (path == NULL) {
			*why = "unix address needs path";
			return -1;
		}
		if ((s = sa_json_str(path, "path must be a string", why)) ==
		    NULL)
			return -1;
		return s6_addr_unix(s, out, why);
	}
	if (path != NULL) {
		*why = "internet address takes address and port, not path";
		return -1;
	}
	if (addr == NULL) {
		*why = "address object needs address or path";
		return -1;
	}
	if ((s = sa_json_str(addr, "address must be a string", why)) == NULL)
		return -1;
	if (port != NULL) {
		if (!json_object_is_type(port, json_type_int)) {
			*why = "port must be an integer";
			return -1;
		}
		p = json_object_get_int64(port);
		if (p < 0 || p > 65535) {
			*why = "port out of range";
			return -1;
		}
	}
	if (s6_addr_inet(s, (int)p, out, why) == -1)
		return -1;
	if (family != AF_UNSPEC && out->ss.ss_family != family) {
		*why = "address does not match family";
		return -1;
	}
	return 0;
}

int
s6_addr_from_json(json_object *v, struct s6_sockaddr *out, const char **why)
{
	const char	*s;

	if (json_object_is_type(v, json_type_object))
		return sa_from_object(v, out, why);
	if (!json_object_is_type(v, json_type_string)) {
		*why = "address must be a string or an object";
		return -1;
	}
	if ((s = sa_json_str(v, "address must be a string", why)) == NULL)
		return -1;
	return s6_addr_from_string(s, out, why);
}
