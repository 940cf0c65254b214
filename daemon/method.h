/* method.h: the method table.  Each rpc-<area>.c defines one struct method
 * per method; method-list.h names them, one line each, in sorted order. */
#ifndef SOCK6D_METHOD_H
#define SOCK6D_METHOD_H

#include <stddef.h>

#include "param.h"

struct answer;
struct call;

typedef const struct answer *(*method_fn)(struct call *c, void *args);

/* What a result field holds: one of these or, for a field that can hold
 * several, their union (RT_STRING | RT_INTEGER: a name, else the number).
 * rpc.discover renders each as JSON Schema, a union as a oneOf in the
 * order below. */
enum result_type {
	RT_STRING	= 1 << 0,
	RT_INTEGER	= 1 << 1,
	RT_BOOLEAN	= 1 << 2,
	RT_BYTES	= 1 << 3,	/* a base64 string */
	RT_SOCKADDR	= 1 << 4,	/* a sockaddr result object (PROTOCOL §3) */
	RT_OBJECT	= 1 << 5,
	RT_ARRAY	= 1 << 6,
	RT_NULL		= 1 << 7,
};

#define RT_ALL	((RT_NULL << 1) - 1)

struct result_field {
	const char		*name;
	enum result_type	 type;
	const char		*desc;
};

struct method {
	const char			*name;
	method_fn			 fn;
	const struct param		*params;	/* terminated by a row with name NULL */
	size_t				 args_size;
	const char			*summary;
	const char			*description;
	const struct result_field	*result;	/* terminated by name NULL */
	const int			*errors;	/* application codes, 0-terminated */
};

#define METHOD(sym, wire) extern const struct method sym;
#include "method-list.h"
#undef METHOD

extern const struct method *const method_table[];
extern const size_t method_count;

/* The method named `name` (NUL-terminated), or NULL. */
const struct method *method_lookup(const char *name);
/* The known method closest to the unknown name[0..len), or NULL when none
 * is close: a typo, another case, the name without its area ("create"),
 * or area and name swapped ("create.socket"). */
const char	*method_suggest(const char *name, size_t len);
/* Fill e with the -32601 error for the unknown method name[0..len):
 * data.method (the name, cut to a bounded length) and, when one is close,
 * data.did_you_mean. */
void		 method_not_found(const char *name, size_t len, struct s6err *e);

/* The API as an OpenRPC document (rpc.discover's, and sock6d --openrpc),
 * stating the caps of the limits l (NULL: the rows' own bounds). */
struct limits;
json_object	*openrpc_document(const struct limits *l);

#endif
