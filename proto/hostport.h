/* hostport.h: the egg's parse-inet-address rules for "host:port" strings
 * (inventory §1.8), used by net.parse_address, tcp.connect and udp.connect,
 * and the one rule for what a port or service string is. */
#ifndef SOCK6_HOSTPORT_H
#define SOCK6_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>

struct hostport {
	bool	has_host;	/* false: the egg's #f host */
	bool	has_port;	/* false: the egg's #f port */
	char	host[256];
	char	port[64];
};

/* What a port or service string is (PROTOCOL §3): a port is what
 * s6_port_parse() takes, one to five decimal digits with a value of 0 to
 * 65535 ("80", "00080").  A string that getaddrinfo would read as a number
 * (strtoul's: white space, a sign, digits to the end) but that is no such
 * port is HOSTPORT_BAD_PORT ("99999", "65536", "-1", "+80", " 80",
 * "000080"): given to getaddrinfo, it would wrap (99999 becomes 34463).
 * Anything else ("http", "9pfs", "80 ", "") is a service name. */
enum hostport_service {
	HOSTPORT_NAME,
	HOSTPORT_PORT,		/* *port is set */
	HOSTPORT_BAD_PORT,
};

enum hostport_service hostport_service(const char *s, int *port);

#define HOSTPORT_TOO_LONG	(-1)
#define HOSTPORT_PORT_RANGE	(-2)

/* Split `s` by the egg's rules.  Returns 0; HOSTPORT_TOO_LONG when a part is
 * too long for the fixed fields (a case the egg has no answer for); or
 * HOSTPORT_PORT_RANGE when the port part is a HOSTPORT_BAD_PORT. */
int	 hostport_parse(const char *s, struct hostport *out);

#endif
