/* error.h: the caller-owned error every internal call fills on failure, and
 * its rendering as a JSON-RPC error object (PROTOCOL §4). */
#ifndef SOCK6D_ERROR_H
#define SOCK6D_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "errors.h"

/* Bytes of a name a client sent that data quotes back (data.method,
 * data.param): longer ones are cut, on a whole UTF-8 character. */
#define S6ERR_NAME_MAX	128

struct s6err {
	int		 code;		/* enum s6_code */
	int		 errnum;	/* 0: none */
	const char	*syscall;	/* "connect" */
	const char	*param;		/* -32602: the offending param */
	const char	*did_you_mean;	/* -32601, -32602: a known name close to the
					 * method or param given */
	const char	*limit;		/* 1012 and limit errors: the limit's name */
	char		 grant[64];	/* 1011: the grant that would allow it, or "" */
	uint64_t	 handle;	/* 0: none */
	int		 gai;		/* getaddrinfo code, 0: none */
	bool		 has_bytes;
	int64_t		 bytes;		/* send_all: bytes sent before failing */
	bool		 has_method;
	size_t		 method_len;
	char		 method[S6ERR_NAME_MAX];	/* -32601: the name asked for */
	char		 message[256];
};

void	 err_clear(struct s6err *e);
/* A code and a printf message. */
void	 err_set(struct s6err *e, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* A failed system call: "what - strerror(errnum)"; the code is 1001 for a
 * transient errno when transient_ok, else 1000. */
void	 err_sys(struct s6err *e, int errnum, const char *syscall, const char *what,
	    bool transient_ok);
/* -32602 naming the param. */
void	 err_param(struct s6err *e, const char *param, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* -32601 for the method name[0..len), quoted in data.method (cut to
 * S6ERR_NAME_MAX bytes). */
void	 err_method(struct s6err *e, const char *name, size_t len);
void	 err_handle(struct s6err *e, uint64_t handle);
void	 err_limit(struct s6err *e, const char *limit, long value);
/* The "error" member of a response. */
json_object *err_to_json(const struct s6err *e);

#endif
