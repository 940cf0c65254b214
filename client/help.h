/* help.h: sock6ctl's help pages, rendered from the daemon's OpenRPC document
 * (the result of rpc.discover), so no method needs code in the client. */
#ifndef SOCK6_HELP_H
#define SOCK6_HELP_H

#include <stddef.h>
#include <stdio.h>
#include <json-c/json.h>

#define HELP_WIDTH	79	/* text is wrapped to this many columns */

/* Every method with its summary, grouped by the prefix before the first '.'
 * and sorted, names in one aligned column. */
void		 help_list(FILE *fp, json_object *doc);
/* One method's page: usage line, summary, description, parameters (type,
 * range, enum values, default, required or optional, description), result
 * fields and error codes.  Returns -1, printing nothing, when the document
 * has no method `name`. */
int		 help_method(FILE *fp, json_object *doc, const char *name);

/* The first `key` in a schema or, depth first, in its oneOf, anyOf, allOf
 * alternatives and items: where enum values and ranges hide in unions. */
json_object	*help_schema_find(json_object *schema, const char *key);
/* The method object called `name` in doc, or NULL. */
json_object	*help_find(json_object *doc, const char *name);
/* "sock6ctl socket.create family=FAMILY type=TYPE [protocol=PROTOCOL]"
 * into out[outlen] (truncated to fit). */
void		 help_usage(json_object *method, char *out, size_t outlen);
/* A param's type in words, from its x-type and schema (enum values, integer
 * range, string length): "integer 1..65535", "one of rd, wr, rdwr",
 * "family: inet, inet6, or an integer".  The default is not included. */
void		 help_param_type(json_object *param, char *out, size_t outlen);

#endif
