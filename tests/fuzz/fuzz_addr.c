/* fuzz_addr.c: libFuzzer target for the address parsers: sockaddr <-> string
 * and JSON (proto/sockaddr.c, and the daemon's param form of it in
 * daemon/param.c), "host:port" splitting and port/service strings
 * (proto/hostport.c), and the name tables (daemon/names.c).  Every input is
 * taken as a string, as a JSON value and as raw sockaddr bytes; whatever
 * parses must format and parse back to the same thing.  See README.md. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <json-c/json.h>

#include "hostport.h"
#include "jv.h"
#include "names.h"
#include "param.h"
#include "sockaddr.h"

#include "fuzz_check.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static bool
same_addr(const struct s6_sockaddr *a, const struct s6_sockaddr *b)
{
	return a->len == b->len && a->len <= sizeof(a->ss) &&
	    memcmp(&a->ss, &b->ss, a->len) == 0;
}

/* A parsed address renders as a string and as JSON, and both parse back
 * to it (the JSON's "string" member too). */
static void
check_roundtrip(const struct s6_sockaddr *a)
{
	struct s6_sockaddr	 b;
	char			 str[S6_ADDRSTRLEN];
	const char		*why = NULL;
	json_object		*o, *s;
	bool			 abstract;

	CHECK(a->len > 0 && a->len <= sizeof(a->ss));
	CHECK(a->ss.ss_family == AF_INET || a->ss.ss_family == AF_INET6 ||
	    a->ss.ss_family == AF_UNIX);
	CHECK(s6_addr_to_string((const struct sockaddr *)&a->ss, a->len, str,
	    sizeof(str)) == 0);
	CHECK(strlen(str) < sizeof(str));
	abstract = a->ss.ss_family == AF_UNIX &&
	    ((const struct sockaddr_un *)&a->ss)->sun_path[0] == '\0';
	/* An abstract name with a NUL in it has no string form to go back. */
	if (!abstract || strlen(str) + offsetof(struct sockaddr_un, sun_path) == a->len) {
		memset(&b, 0xa5, sizeof(b));
		CHECK(s6_addr_from_string(str, &b, &why) == 0);
		CHECK(same_addr(a, &b));
	}
	CHECK((o = s6_addr_to_json((const struct sockaddr *)&a->ss, a->len)) != NULL);
	CHECK(json_object_object_get_ex(o, "string", &s));
	CHECK(strcmp(json_object_get_string(s), str) == 0);
	if (!abstract || strlen(str) + offsetof(struct sockaddr_un, sun_path) == a->len) {
		memset(&b, 0x5a, sizeof(b));
		CHECK(s6_addr_from_json(o, &b, &why) == 0);
		CHECK(same_addr(a, &b));
	}
	json_object_put(o);
}

/* s6_port_parse as PROTOCOL §3 words it: one to five decimal digits,
 * 0..65535. */
static int
ref_port(const char *s)
{
	size_t	n = strlen(s);
	long	v;

	if (n == 0 || n > 5 || strspn(s, "0123456789") != n)
		return -1;
	v = strtol(s, NULL, 10);
	return v <= 65535 ? (int)v : -1;
}

static void
check_service(const char *s)
{
	enum hostport_service	 k;
	const char		*p = s;
	int			 port = -7, ref = ref_port(s);
	bool			 numeric;

	CHECK(s6_port_parse(s) == ref);
	k = hostport_service(s, &port);
	/* What strtoul reads as a whole number: space, a sign, digits. */
	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		p++;
	numeric = *p != '\0' && strspn(p, "0123456789") == strlen(p);
	if (ref >= 0)
		CHECK(k == HOSTPORT_PORT && port == ref);
	else
		CHECK(k == (numeric ? HOSTPORT_BAD_PORT : HOSTPORT_NAME));
}

/* hostport's text form of a split, or false when a host holding ']' has
 * none that splits back the same way. */
static bool
format_hostport(const struct hostport *h, char *out, size_t outlen)
{
	const char	*host = h->has_host ? h->host : "";
	int		 n;

	if (strchr(host, ']') != NULL)
		return false;
	if (strchr(host, ':') != NULL || host[0] == '[' ||
	    (h->has_port && strchr(h->port, ':') != NULL))
		n = h->has_port ? snprintf(out, outlen, "[%s]:%s", host, h->port) :
		    snprintf(out, outlen, "[%s]", host);
	else if (h->has_port)
		n = snprintf(out, outlen, "%s:%s", host, h->port);
	else if (h->has_host)
		n = snprintf(out, outlen, "%s", host);
	else
		n = snprintf(out, outlen, ":");
	return n >= 0 && (size_t)n < outlen;
}

static void
check_hostport(const char *s)
{
	struct hostport	 h, h2;
	char		 text[400];
	int		 rc, port;

	rc = hostport_parse(s, &h);
	CHECK(rc == 0 || rc == HOSTPORT_TOO_LONG || rc == HOSTPORT_PORT_RANGE);
	if (rc == HOSTPORT_TOO_LONG)
		return;
	CHECK(strlen(h.host) < sizeof(h.host) && strlen(h.port) < sizeof(h.port));
	CHECK(h.has_port == (h.port[0] != '\0'));
	CHECK(h.has_host || h.host[0] == '\0');
	CHECK((rc == HOSTPORT_PORT_RANGE) ==
	    (h.has_port && hostport_service(h.port, &port) == HOSTPORT_BAD_PORT));
	if (h.has_port)
		check_service(h.port);
	/* Host and port come from the input, in order. */
	if (h.has_host)
		CHECK(strstr(s, h.host) != NULL);
	if (h.has_port)
		CHECK(strstr(s, h.port) != NULL);
	if (!format_hostport(&h, text, sizeof(text)))
		return;
	CHECK(hostport_parse(text, &h2) == rc);
	CHECK(h2.has_host == h.has_host && h2.has_port == h.has_port);
	CHECK(strcmp(h2.host, h.host) == 0 && strcmp(h2.port, h.port) == 0);
}

static void
check_names(const char *s)
{
	static const struct enum_name *const tables[] = {
		family_names, socktype_names, protocol_names, scope_names,
		encoding_names, shutdown_names, recv_flag_names, send_flag_names,
		ai_flag_names, ni_flag_names,
	};
	const char	*name;
	size_t		 i;
	int		 v, v2;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (enum_lookup(tables[i], s, &v) == -1)
			continue;
		/* The name a result shows for that value means it too. */
		CHECK((name = enum_name_of(tables[i], v)) != NULL);
		CHECK(enum_lookup(tables[i], name, &v2) == 0 && v2 == v);
	}
}

/* The input as raw sockaddr bytes of each family: rendering stays within
 * its buffer and what renders to a path or an address parses back. */
static void
check_raw(const uint8_t *data, size_t size)
{
	static const sa_family_t	 fams[] = { AF_INET, AF_INET6, AF_UNIX };
	struct sockaddr_storage		*ss;
	struct s6_sockaddr		 b;
	char				 str[S6_ADDRSTRLEN], small[8];
	const char			*why;
	json_object			*o;
	socklen_t			 len;
	size_t				 i;

	if (size < 1)
		return;
	len = (socklen_t)(data[0] % (sizeof(*ss) + 1));
	for (i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		/* Exactly len bytes, so that reading past them is caught. */
		if ((ss = malloc(len > 0 ? len : 1)) == NULL)
			abort();
		memset(ss, 0, len);
		memcpy(ss, data + 1, size - 1 < len ? size - 1 : len);
		if (len >= sizeof(sa_family_t))
			ss->ss_family = fams[i];
		if (s6_addr_to_string((struct sockaddr *)ss, len, str, sizeof(str)) == 0) {
			CHECK(strlen(str) < sizeof(str));
			if (fams[i] == AF_UNIX && str[0] == '/' &&
			    s6_addr_from_string(str, &b, &why) == 0)
				CHECK(strncmp(((struct sockaddr_un *)&b.ss)->sun_path, str,
				    sizeof(str)) == 0);
			if (fams[i] != AF_UNIX && s6_addr_from_string(str, &b, &why) == 0)
				CHECK(b.ss.ss_family == fams[i]);
		}
		(void)s6_addr_to_string((struct sockaddr *)ss, len, small, sizeof(small));
		if ((o = s6_addr_to_json((struct sockaddr *)ss, len)) != NULL)
			json_object_put(o);
		free(ss);
	}
}

/* The input as JSON: json-c's tree (what proto/ takes) and the daemon's
 * (what the param engine takes) must accept the same addresses. */
static void
check_json(const uint8_t *data, size_t size)
{
	struct s6_sockaddr	 a, b;
	struct jv_doc		 doc;
	json_object		*o;
	json_tokener		*tok;
	const char		*why = NULL, *why2 = NULL;
	int			 rc_json, rc_jv;

	if (jv_parse((const char *)data, size, 32, &doc) != JV_OK)
		return;
	rc_jv = param_sockaddr(doc.root, &a, &why);
	CHECK(rc_jv == 0 || (why != NULL && *why != '\0'));
	if (rc_jv == 0)
		check_roundtrip(&a);
	if ((tok = json_tokener_new()) == NULL)
		abort();
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	if (o != NULL && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == size) {
		rc_json = s6_addr_from_json(o, &b, &why2);
		CHECK(rc_json == 0 || (why2 != NULL && *why2 != '\0'));
		if (rc_json == 0)
			check_roundtrip(&b);
		/* Duplicate keys: json-c keeps the last, jv the first. */
		if (rc_json == 0 && rc_jv == 0 && !(doc.root->type == JV_OBJECT))
			CHECK(same_addr(&a, &b));
	}
	json_object_put(o);
	json_tokener_free(tok);
	jv_free(&doc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s6_sockaddr	 a;
	const char		*why = NULL;
	char			*s;

	/* The input as a C string, up to its first NUL. */
	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (s6_addr_from_string(s, &a, &why) == 0)
		check_roundtrip(&a);
	else
		CHECK(why != NULL && *why != '\0');
	check_service(s);
	check_hostport(s);
	check_names(s);
	free(s);
	check_raw(data, size);
	check_json(data, size);
	return 0;
}
