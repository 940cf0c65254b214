/* cliargs.h: sock6ctl's `key=value` words -> a JSON-RPC params object.
 *
 * Values, in this order:
 *   -?[0-9]+ that fits int64    a JSON integer ("port=80", "count=-1");
 *   true, false, null           those JSON literals;
 *   starting with { [ or "      parsed as JSON, strictly (error if invalid):
 *                               'flags=["peek"]', 'text="42"' (a string),
 *                               except a bracketed IPv6 address, never JSON,
 *                               which stays a string: "address=[::1]:22";
 *   @FILE, @-                   the bytes of FILE or of stdin, as base64;
 *   anything else               a string ("address=127.0.0.1:80").
 * A word without '=', an empty key, a repeated key, a value that is not
 * valid UTF-8, an integer that does not fit int64, an unreadable file and a
 * second @- are usage errors. */
#ifndef SOCK6_CLIARGS_H
#define SOCK6_CLIARGS_H

#include <stddef.h>
#include <json-c/json.h>

/* Largest file (or stdin) a `key=@FILE` word may read. */
#define CLIARGS_MAX_FILE	(16u * 1024 * 1024)

/* The params object for words[0..n), owned by the caller; NULL after a
 * usage error, described by one sentence in err[errlen]. */
json_object	*cliargs_parse(int n, char *const words[], char *err, size_t errlen);

/* The JSON value of one word's value part, without '@' handling: 0 with
 * *out set (NULL for the JSON null), or -1 with err set. */
int		 cliargs_value(const char *key, const char *value, json_object **out,
		    char *err, size_t errlen);

#endif
