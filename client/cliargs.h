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
 * second @- are usage errors.
 *
 * Then, from the method's param schemas (rpc.discover), cliargs_retype():
 * an integer, true or false given to a param whose schema allows strings
 * but not that type is the string as typed ("text=42" is "42"); a plain
 * string given to a param whose schema allows arrays but not strings is
 * split at commas into an array of strings ("flags=peek,oob" is
 * ["peek","oob"]).  JSON given with { [ or " is never retyped, nor @FILE,
 * nor a param whose schema allows any type. */
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

/* The "params" list of `method` in an OpenRPC document (borrowed), or NULL
 * when the document does not have the method. */
json_object	*cliargs_method_params(json_object *doc, const char *method);
/* Retype the values in `params` (made by cliargs_parse() from the same
 * words) by the schemas in method_params (NULL: nothing to do): 0, or -1
 * with err set. */
int		 cliargs_retype(json_object *params, int n, char *const words[],
		    json_object *method_params, char *err, size_t errlen);
/* cliargs_retype() with the document rpc.discover returns on connection c,
 * kept in *docp (the caller's, NULL at first; json_object_put it) for later
 * calls; nothing is retyped when there are no words or rpc.discover fails.
 * 0, or -1 with err set. */
struct s6c;
int		 cliargs_typed(struct s6c *c, json_object **docp, const char *method,
		    json_object *params, int n, char *const words[], int timeout_ms,
		    char *err, size_t errlen);

#endif
