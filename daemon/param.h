/* param.h: the declarative param engine.  Each method has a table of rows
 * (name, type, range, default, offset into its args struct); one engine fills
 * the struct from the request, rejects unknown keys, never coerces, and fails
 * with -32602 and data.param.  The same rows drive rpc.discover. */
#ifndef SOCK6D_PARAM_H
#define SOCK6D_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "error.h"
#include "jv.h"
#include "names.h"
#include "sockaddr.h"

struct handle_table;
struct limits;

/* What the engine needs from its caller: the handles a handle param may
 * name, and whose (any owner when any_owner), and where decoded bytes are
 * kept alive as long as the args are used (keep: 0, or -1 when full). */
struct param_ctx {
	const struct handle_table	*handles;
	const struct limits		*limits;	/* for rows capped by a limit */
	bool				 any_owner;
	uid_t				 uid;
	int				(*keep)(void *cookie, void *p);
	void				*cookie;
};

enum param_type {
	PT_BOOL,	/* int: 0/1, PARAM_ABSENT_INT when optional and absent */
	PT_INT,		/* int64_t in [min, max]; INT64_MIN when absent */
	PT_STRING,	/* const char *, at most max bytes; NULL when absent or null */
	PT_ENUM,	/* int: a value from names */
	PT_HANDLE,	/* struct sock *, owner checked (1010) */
	PT_SOCKADDR,	/* struct s6_sockaddr */
	PT_BYTES,	/* struct bytes: "data" (base64) or "text" */
	PT_TIMEOUT,	/* int64_t ms; TIMEOUT_NEVER for null, TIMEOUT_SESSION when absent */
	PT_FLAGS,	/* int: array of names from names, or the integer */
	PT_FAMILY,	/* int: name or integer */
	PT_SOCKTYPE,	/* int */
	PT_PROTOCOL,	/* int */
	PT_PORT,	/* int: 0..65535, decimal string accepted; -1 for null */
	PT_SERVICE,	/* const char *: a service name, or a port 0..65535 (an integer,
			 * given as decimal, or a string: hostport_service()) */
	PT_ARRAY,	/* const struct jv *: an array, its elements checked by the handler;
			 * NULL when absent */
	PT_ANY,		/* const struct jv *: any JSON value, checked by the handler
			 * (a value whose type depends on another param) */
};

#define P_REQUIRED	0x01
#define P_NULLABLE	0x02	/* null is accepted (PT_STRING, PT_INT: sentinel) */
#define P_DEFAULT	0x04	/* `def` applies when absent */
#define P_LENIENT	0x08	/* PT_HANDLE: NULL instead of 1010 */
#define P_ADDR_NET	0x10	/* PT_SOCKADDR: a bad address is the egg's 1000
				 * "invalid internet address", not -32602 */

#define PARAM_ABSENT_INT	(-1)
#define PARAM_ABSENT		INT64_MIN
#define PARAM_NULL		(INT64_MIN + 1)
#define TIMEOUT_NEVER		(-1)
#define TIMEOUT_SESSION		(-2)

struct param {
	const char		*name;
	enum param_type		 type;
	unsigned		 flags;
	size_t			 offset;
	int64_t			 min, max;	/* PT_INT range, PT_STRING max length */
	int64_t			 def;
	const struct enum_name	*names;		/* PT_ENUM, PT_FLAGS; NULL-terminated */
	const char		*desc;
	const char		*limit;		/* PT_INT: the named limit (limit.h)
						 * that caps max in this daemon */
};

struct bytes {
	const char	*p;
	size_t		 len;
	bool		 text;		/* came as "text" */
};


/* Fill args from the request's params object (NULL: none).  Returns 0,
 * or -1 with e set. */
int		 param_fill(const struct param_ctx *ctx, const struct param *rows, const struct jv *params,
		    void *args, struct s6err *e);
/* A socket address param value (string or object form); -1 with *why. */
int		 param_sockaddr(const struct jv *v, struct s6_sockaddr *out, const char **why);
/* Describe a row as JSON Schema for rpc.discover. */
json_object	*param_schema(const struct param *p);
const char	*param_xtype(const struct param *p);

#endif
