/* errors.h: the protocol's error codes, their egg condition kinds, and the
 * symbolic names of errno values, shared by the daemon and its clients. */
#ifndef SOCK6_ERRORS_H
#define SOCK6_ERRORS_H

#include <stdbool.h>

enum s6_code {
	S6_PARSE_ERROR		= -32700,
	S6_INVALID_REQUEST	= -32600,
	S6_METHOD_NOT_FOUND	= -32601,
	S6_INVALID_PARAMS	= -32602,
	S6_INTERNAL_ERROR	= -32603,
	S6_NET			= 1000,
	S6_TRANSIENT		= 1001,
	S6_TIMEOUT		= 1002,
	S6_UNSUPPORTED		= 1003,
	S6_RESOLVE		= 1004,
	S6_NO_SUCH_HANDLE	= 1010,
	S6_PERMISSION		= 1011,
	S6_LIMIT		= 1012,
	S6_BUSY			= 1013,
};

struct s6_code_info {
	int		 code;
	const char	*name;		/* "transient" */
	const char	*message;	/* default message, e.g. "Invalid params" */
	const char	*const *kind;	/* NULL-terminated egg condition kinds, or NULL */
};

/* The row for `code`, or NULL for a code the protocol does not define. */
const struct s6_code_info *s6_code_lookup(int code);
/* Every defined code, terminated by a row with name NULL. */
extern const struct s6_code_info s6_codes[];

/* "ECONNREFUSED" for ECONNREFUSED; NULL for an errno with no known name. */
const char	*errno_name(int errnum);
/* Inverse of errno_name(); -1 when unknown. */
int		 errno_from_name(const char *name);
/* "EAI_NONAME" for EAI_NONAME, for getaddrinfo's codes; NULL when unknown. */
const char	*gai_code_name(int code);
/* The errors a connect(2) reports as transient in the egg, plus ENETDOWN. */
bool		 errno_is_transient(int errnum);

#endif
