/* param.c: the param engine: fills a method's args struct from the request's
 * params by its declarative rows, with no coercion. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "base64.h"
#include "conn.h"
#include "param.h"
#include "sock.h"
#include "sock6d.h"

const struct enum_name family_names[] = {
	{ "unspec", AF_UNSPEC }, { "unix", AF_UNIX }, { "inet", AF_INET },
	{ "inet6", AF_INET6 }, { NULL, 0 }
};

const struct enum_name socktype_names[] = {
	{ "stream", SOCK_STREAM }, { "dgram", SOCK_DGRAM }, { "raw", SOCK_RAW },
	{ "seqpacket", SOCK_SEQPACKET }, { NULL, 0 }
};

const struct enum_name protocol_names[] = {
	{ "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ "icmpv6", IPPROTO_ICMPV6 },
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

static int
enum_lookup(const struct enum_name *names, const char *name, int *value)
{
	for (; names->name != NULL; names++)
		if (strcmp(names->name, name) == 0) {
			*value = names->value;
			return 0;
		}
	return -1;
}

/* A JSON integer (not a double, not a string) within [min, max]. */
static int
get_int(json_object *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t i;

	if (!json_object_is_type(v, json_type_int))
		return -1;
	i = json_object_get_int64(v);
	/* json-c saturates values beyond int64; reject them by the uint64 view. */
	if (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX)
		return -1;
	if (i < min || i > max)
		return -1;
	*out = i;
	return 0;
}

/* A JSON string with no NUL inside (C would silently cut it there). */
static const char *
get_string(json_object *v)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

static const char *
type_word(const struct param *p)
{
	switch (p->type) {
	case PT_BOOL:		return "a boolean";
	case PT_INT:		return "an integer";
	case PT_STRING:		return "a string";
	case PT_ENUM:		return "one of its names";
	case PT_HANDLE:		return "a handle (integer >= 1)";
	case PT_SOCKADDR:	return "a socket address";
	case PT_BYTES:		return "base64";
	case PT_TIMEOUT:	return "milliseconds (integer >= 0) or null";
	case PT_FLAGS:		return "an array of flag names or an integer";
	case PT_FAMILY:		return "an address family name or integer";
	case PT_SOCKTYPE:	return "a socket type name or integer";
	case PT_PROTOCOL:	return "a protocol name or integer";
	case PT_PORT:		return "a port (0..65535)";
	}
	return "valid";
}

/* A name from the table or, for the socket identity types, an integer. */
static int
fill_named(const struct param *p, json_object *v, int *out, struct s6err *e)
{
	int64_t i;

	if (json_object_is_type(v, json_type_string)) {
		const char *s = get_string(v);

		if (s != NULL && enum_lookup(p->names, s, out) == 0)
			return 0;
		err_param(e, p->name, "unknown %s '%.64s'", p->name, json_object_get_string(v));
		return -1;
	}
	if (p->type != PT_ENUM && get_int(v, 0, INT32_MAX, &i) == 0) {
		*out = (int)i;
		return 0;
	}
	err_param(e, p->name, "%s must be %s", p->name, type_word(p));
	return -1;
}

static int
fill_flags(const struct param *p, json_object *v, int *out, struct s6err *e)
{
	int64_t i;
	size_t k, n;
	int bit;

	if (get_int(v, 0, INT32_MAX, &i) == 0) {
		*out = (int)i;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array)) {
		err_param(e, p->name, "%s must be %s", p->name, type_word(p));
		return -1;
	}
	*out = 0;
	n = json_object_array_length(v);
	for (k = 0; k < n; k++) {
		json_object *f = json_object_array_get_idx(v, k);

		if (get_string(f) == NULL ||
		    enum_lookup(p->names, get_string(f), &bit) == -1) {
			err_param(e, p->name, "unknown flag in %s", p->name);
			return -1;
		}
		*out |= bit;
	}
	return 0;
}

static int
fill_handle(struct call *c, const struct param *p, json_object *v, void *slot,
    struct s6err *e)
{
	struct sock *s;
	int64_t id;

	if (get_int(v, 1, INT64_MAX, &id) == -1) {
		err_param(e, p->name, "%s must be %s", p->name, type_word(p));
		return -1;
	}
	s = handle_lookup(&c->d->handles, (uint64_t)id);
	if (s != NULL && c->conn != NULL && !sock_usable_by(s, c->conn->uid))
		s = NULL;
	if (s == NULL && !(p->flags & P_LENIENT)) {
		err_handle(e, (uint64_t)id);
		return -1;
	}
	*(struct sock **)slot = s;
	return 0;
}

static int
fill_bytes(struct call *c, const struct param *p, json_object *data, json_object *text,
    struct bytes *b, struct s6err *e)
{
	const char *s;
	size_t n;
	ssize_t got;
	char *out;

	if (data != NULL && text != NULL) {
		err_param(e, p->name, "give either data or text, not both");
		return -1;
	}
	if (text != NULL) {
		if (!json_object_is_type(text, json_type_string)) {
			err_param(e, "text", "text must be a string");
			return -1;
		}
		b->p = json_object_get_string(text);
		b->len = (size_t)json_object_get_string_len(text);
		b->text = true;
		return 0;
	}
	if (!json_object_is_type(data, json_type_string)) {
		err_param(e, p->name, "%s must be a base64 string", p->name);
		return -1;
	}
	s = json_object_get_string(data);
	n = (size_t)json_object_get_string_len(data);
	if ((out = malloc(base64_decoded_max(n) + 1)) == NULL ||
	    call_keep(c, out) == -1) {
		free(out);
		err_set(e, S6_INTERNAL_ERROR, "out of memory");
		return -1;
	}
	if ((got = base64_decode(s, n, out)) < 0) {
		err_param(e, p->name, "%s is not valid base64", p->name);
		return -1;
	}
	b->p = out;
	b->len = (size_t)got;
	b->text = false;
	return 0;
}

/* Fill one present, non-null value. */
static int
fill_value(struct call *c, const struct param *p, json_object *v, void *slot,
    struct s6err *e)
{
	const char *why;
	int64_t i;

	switch (p->type) {
	case PT_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			break;
		*(int *)slot = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	case PT_INT:
		if (get_int(v, p->min, p->max, &i) == -1) {
			err_param(e, p->name, "%s must be an integer from %lld to %lld",
			    p->name, (long long)p->min, (long long)p->max);
			return -1;
		}
		*(int64_t *)slot = i;
		return 0;
	case PT_STRING:
		if (get_string(v) == NULL)
			break;
		if (p->max > 0 && json_object_get_string_len(v) > p->max) {
			err_param(e, p->name, "%s is longer than %lld bytes", p->name,
			    (long long)p->max);
			return -1;
		}
		*(const char **)slot = json_object_get_string(v);
		return 0;
	case PT_ENUM:
	case PT_FAMILY:
	case PT_SOCKTYPE:
	case PT_PROTOCOL:
		return fill_named(p, v, slot, e);
	case PT_FLAGS:
		return fill_flags(p, v, slot, e);
	case PT_HANDLE:
		return fill_handle(c, p, v, slot, e);
	case PT_SOCKADDR:
		if (s6_addr_from_json(v, slot, &why) == -1) {
			err_param(e, p->name, "%s: %s", p->name, why);
			return -1;
		}
		return 0;
	case PT_TIMEOUT:
		if (get_int(v, 0, INT32_MAX, &i) == -1)
			break;
		*(int64_t *)slot = i;
		return 0;
	case PT_PORT:
		if (json_object_is_type(v, json_type_string)) {
			if (get_string(v) == NULL || (i = s6_port_parse(get_string(v))) < 0) {
				err_param(e, p->name, "%s must be 0..65535", p->name);
				return -1;
			}
		} else if (get_int(v, 0, 65535, &i) == -1) {
			err_param(e, p->name, "%s must be 0..65535", p->name);
			return -1;
		}
		*(int *)slot = (int)i;
		return 0;
	case PT_BYTES:
		break;
	}
	err_param(e, p->name, "%s must be %s", p->name, type_word(p));
	return -1;
}

/* Fill the value for a row whose key is absent (or null where allowed). */
static int
fill_absent(const struct param *p, void *slot, bool is_null, struct s6err *e)
{
	if (!is_null && (p->flags & P_REQUIRED)) {
		err_param(e, p->name, "missing param %s", p->name);
		return -1;
	}
	switch (p->type) {
	case PT_BOOL:
	case PT_ENUM:
	case PT_FLAGS:
	case PT_FAMILY:
	case PT_SOCKTYPE:
	case PT_PROTOCOL:
		*(int *)slot = (p->flags & P_DEFAULT) ? (int)p->def : PARAM_ABSENT_INT;
		return 0;
	case PT_PORT:
		*(int *)slot = is_null ? -1 : (p->flags & P_DEFAULT) ? (int)p->def : -1;
		return 0;
	case PT_INT:
		*(int64_t *)slot = is_null ? PARAM_NULL :
		    (p->flags & P_DEFAULT) ? p->def : PARAM_ABSENT;
		return 0;
	case PT_TIMEOUT:
		*(int64_t *)slot = is_null ? TIMEOUT_NEVER : TIMEOUT_SESSION;
		return 0;
	case PT_STRING:
		*(const char **)slot = NULL;
		return 0;
	case PT_HANDLE:
		*(struct sock **)slot = NULL;
		return 0;
	case PT_SOCKADDR:
		memset(slot, 0, sizeof(struct s6_sockaddr));
		return 0;
	case PT_BYTES:
		memset(slot, 0, sizeof(struct bytes));
		return 0;
	}
	return 0;
}

static const struct param *
row_named(const struct param *rows, const char *key)
{
	const struct param *p;

	for (p = rows; p->name != NULL; p++) {
		if (strcmp(p->name, key) == 0)
			return p;
		if (p->type == PT_BYTES && strcmp(key, "text") == 0)
			return p;
	}
	return NULL;
}

int
param_fill(struct call *c, const struct param *rows, json_object *params,
    void *args, struct s6err *e)
{
	const struct param *p;
	json_object *v, *text;
	void *slot;
	bool nullable;

	if (params != NULL) {
		json_object_object_foreach(params, key, val) {
			(void)val;
			if (row_named(rows, key) == NULL) {
				err_param(e, NULL, "unknown param %.64s", key);
				/* data.param must name it: keep the key alive via the request. */
				e->param = key;
				return -1;
			}
		}
	}
	for (p = rows; p->name != NULL; p++) {
		slot = (char *)args + p->offset;
		v = NULL;
		text = NULL;
		if (params != NULL) {
			json_object_object_get_ex(params, p->name, &v);
			if (p->type == PT_BYTES)
				json_object_object_get_ex(params, "text", &text);
		}
		if (p->type == PT_BYTES) {
			if (v == NULL && text == NULL) {
				if (fill_absent(p, slot, false, e) == -1)
					return -1;
			} else if (fill_bytes(c, p, v, text, slot, e) == -1)
				return -1;
			continue;
		}
		if (params != NULL && v == NULL &&
		    json_object_object_get_ex(params, p->name, NULL)) {
			/* Present with the value null. */
			nullable = (p->flags & P_NULLABLE) || p->type == PT_TIMEOUT;
			if (!nullable) {
				err_param(e, p->name, "%s must not be null", p->name);
				return -1;
			}
			if (fill_absent(p, slot, true, e) == -1)
				return -1;
			continue;
		}
		if (v == NULL) {
			if (fill_absent(p, slot, false, e) == -1)
				return -1;
			continue;
		}
		if (fill_value(c, p, v, slot, e) == -1)
			return -1;
	}
	return 0;
}

const char *
param_xtype(const struct param *p)
{
	static const char *const names[] = {
		[PT_BOOL] = "boolean", [PT_INT] = "integer", [PT_STRING] = "string",
		[PT_ENUM] = "enum", [PT_HANDLE] = "handle", [PT_SOCKADDR] = "sockaddr",
		[PT_BYTES] = "bytes", [PT_TIMEOUT] = "timeout", [PT_FLAGS] = "flags",
		[PT_FAMILY] = "family", [PT_SOCKTYPE] = "type", [PT_PROTOCOL] = "protocol",
		[PT_PORT] = "port",
	};

	return names[p->type];
}

static json_object *
names_array(const struct enum_name *names)
{
	json_object *a = json_object_new_array();

	for (; names->name != NULL; names++)
		json_object_array_add(a, json_object_new_string(names->name));
	return a;
}

static json_object *
schema_of(const char *type)
{
	json_object *s = json_object_new_object();

	json_object_object_add(s, "type", json_object_new_string(type));
	return s;
}

/* {"oneOf": [a, b]} */
static json_object *
one_of(json_object *a, json_object *b)
{
	json_object *s = json_object_new_object(), *arr = json_object_new_array();

	json_object_array_add(arr, a);
	json_object_array_add(arr, b);
	json_object_object_add(s, "oneOf", arr);
	return s;
}

json_object *
param_schema(const struct param *p)
{
	json_object *s, *named;

	switch (p->type) {
	case PT_BOOL:
		s = schema_of("boolean");
		if (p->flags & P_DEFAULT)
			json_object_object_add(s, "default", json_object_new_boolean((int)p->def));
		return s;
	case PT_INT:
		s = schema_of("integer");
		json_object_object_add(s, "minimum", json_object_new_int64(p->min));
		json_object_object_add(s, "maximum", json_object_new_int64(p->max));
		if (p->flags & P_DEFAULT)
			json_object_object_add(s, "default", json_object_new_int64(p->def));
		return (p->flags & P_NULLABLE) ? one_of(s, schema_of("null")) : s;
	case PT_STRING:
		s = schema_of("string");
		if (p->max > 0)
			json_object_object_add(s, "maxLength", json_object_new_int64(p->max));
		return (p->flags & P_NULLABLE) ? one_of(s, schema_of("null")) : s;
	case PT_ENUM:
	case PT_FAMILY:
	case PT_SOCKTYPE:
	case PT_PROTOCOL:
		named = schema_of("string");
		json_object_object_add(named, "enum", names_array(p->names));
		if (p->flags & P_DEFAULT) {
			const char *n = enum_name_of(p->names, (int)p->def);

			json_object_object_add(named, "default",
			    n ? json_object_new_string(n) : json_object_new_int64(p->def));
		}
		return p->type == PT_ENUM ? named : one_of(named, schema_of("integer"));
	case PT_FLAGS:
		named = schema_of("array");
		s = schema_of("string");
		json_object_object_add(s, "enum", names_array(p->names));
		json_object_object_add(named, "items", s);
		return one_of(named, schema_of("integer"));
	case PT_HANDLE:
		s = schema_of("integer");
		json_object_object_add(s, "minimum", json_object_new_int(1));
		return s;
	case PT_SOCKADDR:
		return one_of(schema_of("string"), schema_of("object"));
	case PT_BYTES:
		s = schema_of("string");
		json_object_object_add(s, "contentEncoding", json_object_new_string("base64"));
		return s;
	case PT_TIMEOUT:
		s = schema_of("integer");
		json_object_object_add(s, "minimum", json_object_new_int(0));
		return one_of(s, schema_of("null"));
	case PT_PORT:
		s = schema_of("integer");
		json_object_object_add(s, "minimum", json_object_new_int(0));
		json_object_object_add(s, "maximum", json_object_new_int(65535));
		s = one_of(s, schema_of("string"));
		return (p->flags & P_NULLABLE) ? one_of(s, schema_of("null")) : s;
	}
	return schema_of("null");
}
