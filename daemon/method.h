/* method.h: the method table.  Each rpc-<area>.c defines one struct method
 * per method; method-list.h names them, one line each, in sorted order. */
#ifndef SOCK6D_METHOD_H
#define SOCK6D_METHOD_H

#include <stddef.h>

#include "param.h"
#include "rpc.h"

typedef struct answer (*method_fn)(struct call *c, void *args);

struct result_field {
	const char	*name;
	const char	*type;		/* a JSON Schema type, or "sockaddr", "bytes", ... */
	const char	*desc;
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

#endif
