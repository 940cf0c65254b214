/* sockaddr.h: socket addresses <-> their JSON and string forms (PROTOCOL §3).
 *
 * Results: {"family":"inet6","address":"::1","port":22,"string":"[::1]:22"},
 * {"family":"unix","path":"/tmp/s","string":"/tmp/s"}; abstract UNIX names
 * are written "@name".  Params: that object (string optional) or a string:
 * "127.0.0.1:22", "[::1]:22", "::1" (port 0), "/abs/path", "@abstract".
 * Hosts are numeric only; ports 0..65535; UNIX paths must fit sun_path. */
#ifndef SOCK6_SOCKADDR_H
#define SOCK6_SOCKADDR_H

#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <json-c/json.h>


struct s6_sockaddr {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

#define S6_ADDRSTRLEN	128	/* "[v6%scope]:port" and sun_path both fit */

/* The egg's sockaddr->string: bare address when the port is 0, "a.b.c.d:p",
 * "[v6]:p", the UNIX path, "@name" for abstract, "" for an unnamed UNIX
 * socket.  Returns 0, or -1 for a family it cannot render. */
int	 s6_addr_to_string(const struct sockaddr *sa, socklen_t len, char *out, size_t outlen);
/* Numeric host only ("::1", "fe80::1%lo"), and the port, of inet/inet6. */
int	 s6_addr_host_port(const struct sockaddr *sa, socklen_t len, char *host, size_t hostlen, int *port);
/* The result object, or NULL for an unsupported family. */
json_object *s6_addr_to_json(const struct sockaddr *sa, socklen_t len);

/* Parse a param string.  On failure returns -1 and sets *why to a static
 * sentence ("port out of range", "unix path longer than 107 bytes", ...). */
int	 s6_addr_from_string(const char *s, struct s6_sockaddr *out, const char **why);
/* Parse a param value: the string form or the object form. */
int	 s6_addr_from_json(json_object *v, struct s6_sockaddr *out, const char **why);
/* Numeric host (NULL: the unspecified address, 0.0.0.0 as on glibc) and port. */
int	 s6_addr_inet(const char *host, int port, struct s6_sockaddr *out, const char **why);
/* A UNIX address: "/abs/path" or "@abstract". */
int	 s6_addr_unix(const char *path, struct s6_sockaddr *out, const char **why);
/* Parse a port: decimal digits only, 0..65535.  Returns the port or -1. */
int	 s6_port_parse(const char *s);

#endif
