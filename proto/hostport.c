/* hostport.c: the egg's parse-inet-address split of "host:port" strings,
 * and which port strings are numbers. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <string.h>

#include "hostport.h"
#include "sockaddr.h"

/* Store s[0..n) into a fixed field; an empty part is the egg's #f. */
static int
hostport_set(const char *s, size_t n, char *dst, size_t dstlen, bool *has)
{
	if (n >= dstlen)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	*has = n > 0;
	return 0;
}

/* The whole string is the host and there is no port (also the fallback
 * for anything malformed: the caller's lookup reports it). */
static int
hostport_whole(const char *s, struct hostport *out)
{
	size_t	 n = strlen(s);

	if (hostport_set(s, n, out->host, sizeof(out->host), &out->has_host)
	    == -1)
		return -1;
	out->has_host = true;	/* even "" stays a host */
	return 0;
}

enum hostport_service
hostport_service(const char *s, int *port)
{
	const char	*p = s;

	if ((*port = s6_port_parse(s)) >= 0)
		return HOSTPORT_PORT;
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		p++;
	if (*p != '\0' && strspn(p, "0123456789") == strlen(p))
		return HOSTPORT_BAD_PORT;
	return HOSTPORT_NAME;
}

/* Split s into out (zeroed); -1 when a part does not fit its field. */
static int
hostport_split(const char *s, struct hostport *out)
{
	const char	*close, *colon;
	size_t		 n = strlen(s);

	if (n == 0 || s[0] != '[') {
		if ((colon = strchr(s, ':')) == NULL ||
		    strchr(colon + 1, ':') != NULL)
			return hostport_whole(s, out);
		/* Exactly one colon: host:port, either part may be empty. */
		if (hostport_set(s, (size_t)(colon - s), out->host,
		    sizeof(out->host), &out->has_host) == -1)
			return -1;
		return hostport_set(colon + 1, strlen(colon + 1), out->port,
		    sizeof(out->port), &out->has_port);
	}
	if ((close = strchr(s + 1, ']')) == NULL)
		return hostport_whole(s, out);
	if (close[1] != '\0' && close[1] != ':')
		return hostport_whole(s, out);
	if (hostport_set(s + 1, (size_t)(close - s - 1), out->host,
	    sizeof(out->host), &out->has_host) == -1)
		return -1;
	if (close[1] == '\0')
		return 0;
	return hostport_set(close + 2, strlen(close + 2), out->port,
	    sizeof(out->port), &out->has_port);
}

int
hostport_parse(const char *s, struct hostport *out)
{
	int	 port;

	memset(out, 0, sizeof(*out));
	if (hostport_split(s, out) == -1)
		return HOSTPORT_TOO_LONG;
	if (out->has_port && hostport_service(out->port, &port) == HOSTPORT_BAD_PORT)
		return HOSTPORT_PORT_RANGE;
	return 0;
}
