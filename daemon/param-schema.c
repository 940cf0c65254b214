/* param-schema.c: param rows described as JSON Schema, for rpc.discover
 * and the help that clients render from it. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "param.h"

const char *
param_xtype(const struct param *p)
{
	static const char *const names[] = {
		[PT_BOOL] = "boolean", [PT_INT] = "integer", [PT_STRING] = "string",
		[PT_ENUM] = "enum", [PT_HANDLE] = "handle", [PT_SOCKADDR] = "sockaddr",
		[PT_BYTES] = "bytes", [PT_TIMEOUT] = "timeout", [PT_FLAGS] = "flags",
		[PT_FAMILY] = "family", [PT_SOCKTYPE] = "type", [PT_PROTOCOL] = "protocol",
		[PT_PORT] = "port", [PT_SERVICE] = "service", [PT_ARRAY] = "array",
		[PT_ANY] = "any",
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
	case PT_ARRAY:
		return schema_of("array");
	case PT_BYTES:
		s = schema_of("string");
		json_object_object_add(s, "contentEncoding", json_object_new_string("base64"));
		return s;
	case PT_TIMEOUT:
		s = schema_of("integer");
		json_object_object_add(s, "minimum", json_object_new_int(0));
		return one_of(s, schema_of("null"));
	case PT_SERVICE:
		s = schema_of("integer");
		json_object_object_add(s, "minimum", json_object_new_int(0));
		json_object_object_add(s, "maximum", json_object_new_int(65535));
		s = one_of(schema_of("string"), s);
		return (p->flags & P_NULLABLE) ? one_of(s, schema_of("null")) : s;
	case PT_PORT:
		s = schema_of("integer");
		json_object_object_add(s, "minimum", json_object_new_int(0));
		json_object_object_add(s, "maximum", json_object_new_int(65535));
		s = one_of(s, schema_of("string"));
		return (p->flags & P_NULLABLE) ? one_of(s, schema_of("null")) : s;
	case PT_ANY:
		return json_object_new_object();	/* the schema every value meets */
	}
	return schema_of("null");
}
