/* error.c: filling struct s6err and rendering it as a JSON-RPC error. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netdb.h>

#include "error.h"
#include "utf8.h"

void
err_clear(struct s6err *e)
{
	memset(e, 0, sizeof(*e));
}

void
err_set(struct s6err *e, int code, const char *fmt, ...)
{
	va_list ap;

	err_clear(e);
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

void
err_sys(struct s6err *e, int errnum, const char *syscall, const char *what,
    bool transient_ok)
{
	err_set(e, transient_ok && errno_is_transient(errnum) ? S6_TRANSIENT : S6_NET,
	    "%s - %s", what, strerror(errnum));
	e->errnum = errnum;
	e->syscall = syscall;
}

void
err_param(struct s6err *e, const char *param, const char *fmt, ...)
{
	va_list ap;

	err_clear(e);
	e->code = S6_INVALID_PARAMS;
	e->param = param;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

/* How much of name[0..len) data may quote: at most S6ERR_NAME_MAX bytes,
 * ending on a whole UTF-8 character (and before any invalid byte). */
static size_t
err_name_len(const char *name, size_t len)
{
	return utf8_invalid_at(name, len < S6ERR_NAME_MAX ? len : S6ERR_NAME_MAX);
}

void
err_method(struct s6err *e, const char *name, size_t len)
{
	err_set(e, S6_METHOD_NOT_FOUND, "Method not found");
	e->has_method = true;
	e->method_len = err_name_len(name, len);
	memcpy(e->method, name, e->method_len);
}

void
err_handle(struct s6err *e, uint64_t handle)
{
	err_set(e, S6_NO_SUCH_HANDLE, "no such handle");
	e->handle = handle;
}

void
err_limit(struct s6err *e, const char *limit, long value)
{
	err_set(e, S6_LIMIT, "limit %s (%ld) reached", limit, value);
	e->limit = limit;
}

json_object *
err_to_json(const struct s6err *e)
{
	const struct s6_code_info *info = s6_code_lookup(e->code);
	json_object *err, *data, *kind;
	const char *const *k;
	const char *name, *msg;

	err = json_object_new_object();
	json_object_object_add(err, "code", json_object_new_int(e->code));
	/* A message quoting client bytes may have been cut inside a UTF-8
	 * sequence (or quote invalid bytes): keep only its valid start. */
	msg = e->message[0] ? e->message : info ? info->message : "error";
	json_object_object_add(err, "message", json_object_new_string_len(msg,
	    (int)utf8_invalid_at(msg, strlen(msg))));
	data = json_object_new_object();
	if (info != NULL && info->kind != NULL) {
		kind = json_object_new_array();
		for (k = info->kind; *k != NULL; k++)
			json_object_array_add(kind, json_object_new_string(*k));
		json_object_object_add(data, "kind", kind);
	}
	if (e->errnum) {
		json_object_object_add(data, "errno", json_object_new_int(e->errnum));
		if ((name = errno_name(e->errnum)) != NULL)
			json_object_object_add(data, "errname", json_object_new_string(name));
	}
	if (e->syscall)
		json_object_object_add(data, "syscall", json_object_new_string(e->syscall));
	if (e->code == S6_INVALID_PARAMS)
		json_object_object_add(data, "param", e->param ? json_object_new_string_len(
		    e->param, (int)err_name_len(e->param, strlen(e->param))) : NULL);
	if (e->has_method)
		json_object_object_add(data, "method",
		    json_object_new_string_len(e->method, (int)e->method_len));
	if (e->did_you_mean)
		json_object_object_add(data, "did_you_mean",
		    json_object_new_string(e->did_you_mean));
	if (e->handle)
		json_object_object_add(data, "handle", json_object_new_int64((int64_t)e->handle));
	if (e->limit)
		json_object_object_add(data, "limit", json_object_new_string(e->limit));
	if (e->grant[0] != '\0')
		json_object_object_add(data, "grant", json_object_new_string(e->grant));
	if (e->gai) {
		json_object_object_add(data, "gai", json_object_new_int(e->gai));
		if ((name = gai_code_name(e->gai)) != NULL)
			json_object_object_add(data, "gai_name", json_object_new_string(name));
	}
	if (e->has_bytes)
		json_object_object_add(data, "bytes", json_object_new_int64(e->bytes));
	if (json_object_object_length(data) > 0)
		json_object_object_add(err, "data", data);
	else
		json_object_put(data);
	return err;
}
