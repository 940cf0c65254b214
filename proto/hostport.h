/* hostport.h: the egg's parse-inet-address rules for "host:port" strings
 * (inventory §1.8), used by net.parse_address, tcp.connect and udp.connect. */
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

/* Split `s` by the egg's rules.  Returns 0, or -1 when a part is too long
 * for the fixed fields (a case the egg has no answer for). */
int	 hostport_parse(const char *s, struct hostport *out);

#endif
