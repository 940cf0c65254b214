/* openrpc.c: rpc.discover: the OpenRPC document generated from the method
 * table and its param rows, so that it can never disagree with the code. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "errors.h"
#include "limit.h"
#include "rpc-common.h"

/* rpc.discover's document, built again only when the limits it states
 * (a row's cap by a named limit) have changed by a reload. */
static json_object *discover_doc;
static struct limits discover_limits;

static json_object *
schema_of(const char *type)
{
	json_object *s = json_object_new_object();

	json_object_object_add(s, "type", json_object_new_string(type));
	return s;
}

/* A sockaddr result (PROTOCOL §3): family, address and port, or path; and
 * the egg's string. */
static json_object *
schema_sockaddr(void)
{
	json_object *s = schema_of("object"), *props, *v, *names, *req;

	json_object_object_add(s, "x-type", json_object_new_string("sockaddr"));
	props = json_object_new_object();
	v = schema_of("string");
	names = json_object_new_array();
	json_object_array_add(names, json_object_new_string("inet"));
	json_object_array_add(names, json_object_new_string("inet6"));
	json_object_array_add(names, json_object_new_string("unix"));
	json_object_object_add(v, "enum", names);
	json_object_object_add(props, "family", v);
	json_object_object_add(props, "address", schema_of("string"));
	v = schema_of("integer");
	json_object_object_add(v, "minimum", json_object_new_int(0));
	json_object_object_add(v, "maximum", json_object_new_int(65535));
	json_object_object_add(props, "port", v);
	json_object_object_add(props, "path", schema_of("string"));
	json_object_object_add(props, "string", schema_of("string"));
	json_object_object_add(s, "properties", props);
	req = json_object_new_array();
	json_object_array_add(req, json_object_new_string("family"));
	json_object_array_add(req, json_object_new_string("string"));
	json_object_object_add(s, "required", req);
	return s;
}

/* The schema of one result type. */
static json_object *
schema_one(enum result_type t)
{
	json_object *s;

	switch (t) {
	case RT_NULL:		return schema_of("null");
	case RT_BOOLEAN:	return schema_of("boolean");
	case RT_INTEGER:	return schema_of("integer");
	case RT_STRING:		return schema_of("string");
	case RT_ARRAY:		return schema_of("array");
	case RT_OBJECT:		return schema_of("object");
	case RT_SOCKADDR:	return schema_sockaddr();
	case RT_BYTES:
		s = schema_of("string");
		json_object_object_add(s, "contentEncoding", json_object_new_string("base64"));
		return s;
	}
	return json_object_new_object();
}

/* The schema of a result field's types: the one type, or a oneOf of each
 * (the types are disjoint, so exactly one matches). */
static json_object *
schema_types(unsigned types)
{
	json_object *s, *any;
	unsigned bit;

	if ((types & (types - 1)) == 0)
		return schema_one((enum result_type)types);
	any = json_object_new_array();
	for (bit = 1; bit <= types; bit <<= 1)
		if (types & bit)
			json_object_array_add(any, schema_one((enum result_type)bit));
	s = json_object_new_object();
	json_object_object_add(s, "oneOf", any);
	return s;
}

static json_object *
param_doc(const struct param *p, const char *name, const char *desc, json_object *schema)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "required", json_object_new_boolean(
	    (p->flags & P_REQUIRED) != 0));
	json_object_object_add(o, "description", json_object_new_string(desc ? desc : ""));
	json_object_object_add(o, "schema", schema);
	json_object_object_add(o, "x-type", json_object_new_string(param_xtype(p)));
	return o;
}

/* A row capped by a named limit states this daemon's cap: its maximum
 * and, as x-limit, the limit's name. */
static json_object *
capped_schema(const struct param *p, const struct limits *l)
{
	json_object *s = param_schema(p);
	long cap;

	if (p->limit == NULL || l == NULL || (cap = limits_get(l, p->limit)) < 0)
		return s;
	if (cap < p->max)
		json_object_object_add(s, "maximum", json_object_new_int64(cap));
	json_object_object_add(s, "x-limit", json_object_new_string(p->limit));
	return s;
}

static json_object *
params_doc(const struct param *rows, const struct limits *l)
{
	json_object *arr = json_object_new_array();
	const struct param *p;

	for (p = rows; p->name != NULL; p++) {
		if (p->type == PT_BYTES) {
			json_object_array_add(arr, param_doc(p, "data",
			    "the bytes, base64 (or give text)", param_schema(p)));
			json_object_array_add(arr, param_doc(p, "text",
			    "the bytes as a UTF-8 string (or give data)", schema_of("string")));
			continue;
		}
		json_object_array_add(arr, param_doc(p, p->name, p->desc, capped_schema(p, l)));
	}
	return arr;
}

static json_object *
result_doc(const struct result_field *fields)
{
	json_object *r = json_object_new_object(), *schema, *props;
	const struct result_field *f;

	schema = json_object_new_object();
	props = json_object_new_object();
	json_object_object_add(schema, "type", json_object_new_string("object"));
	for (f = fields; f->name != NULL; f++) {
		json_object *fs = schema_types(f->type);

		if (f->desc && *f->desc)
			json_object_object_add(fs, "description", json_object_new_string(f->desc));
		json_object_object_add(props, f->name, fs);
	}
	json_object_object_add(schema, "properties", props);
	json_object_object_add(r, "name", json_object_new_string("result"));
	json_object_object_add(r, "schema", schema);
	return r;
}

static void
add_error(json_object *arr, int code)
{
	const struct s6_code_info *info = s6_code_lookup(code);
	json_object *o = json_object_new_object();

	json_object_object_add(o, "code", json_object_new_int(code));
	json_object_object_add(o, "message", json_object_new_string(
	    info ? info->message : "error"));
	json_object_array_add(arr, o);
}

static json_object *
errors_doc(const struct method *m)
{
	json_object *arr = json_object_new_array();
	const int *code;

	if (m->params[0].name != NULL)
		add_error(arr, S6_INVALID_PARAMS);
	for (code = m->errors; *code != 0; code++)
		add_error(arr, *code);
	return arr;
}

static json_object *
method_doc(const struct method *m, const struct limits *l)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(m->name));
	json_object_object_add(o, "summary", json_object_new_string(m->summary));
	if (m->description && *m->description)
		json_object_object_add(o, "description", json_object_new_string(m->description));
	json_object_object_add(o, "paramStructure", json_object_new_string("by-name"));
	json_object_object_add(o, "params", params_doc(m->params, l));
	json_object_object_add(o, "result", result_doc(m->result));
	json_object_object_add(o, "errors", errors_doc(m));
	return o;
}

json_object *
openrpc_document(const struct limits *l)
{
	json_object *doc = json_object_new_object(), *info, *methods;
	size_t i;

	info = json_object_new_object();
	json_object_object_add(info, "title", json_object_new_string("sock6d"));
	json_object_object_add(info, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(info, "description", json_object_new_string(
	    "BSD sockets held by a daemon, with the CHICKEN socket, tcp6 and udp6 eggs' API."));
	json_object_object_add(info, "x-protocol", json_object_new_int(SOCK6D_PROTOCOL_VERSION));
	methods = json_object_new_array();
	for (i = 0; i < method_count; i++)
		json_object_array_add(methods, method_doc(method_table[i], l));
	json_object_object_add(doc, "openrpc", json_object_new_string("1.2.6"));
	json_object_object_add(doc, "info", info);
	json_object_object_add(doc, "methods", methods);
	return doc;
}

static const struct answer *
rpc_discover(struct call *c, void *argp)
{
	if (discover_doc == NULL ||
	    memcmp(&discover_limits, &c->d->limits, sizeof(discover_limits)) != 0) {
		json_object_put(discover_doc);
		discover_limits = c->d->limits;
		discover_doc = openrpc_document(&discover_limits);
	}
	return call_ok(c, json_object_get(discover_doc));
}

const struct method m_rpc_discover = {
	"rpc.discover", rpc_discover, (const struct param[]){ END_PARAMS }, 0,
	"This API as an OpenRPC document",
	"Every method with its params, result and errors, generated from the method table.",
	(const struct result_field[]){ { "openrpc", RT_STRING, "1.2.6" },
	    { "info", RT_OBJECT, "" }, { "methods", RT_ARRAY, "" }, END_RESULT },
	(const int[]){ 0 },
};
