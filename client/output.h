/* output.h: how sock6ctl writes a method's result on stdout: as JSON
 * (indented on a terminal), as its one value (-q), or as its bytes
 * (--raw). */
#ifndef SOCK6_OUTPUT_H
#define SOCK6_OUTPUT_H

#include <stdio.h>
#include <json-c/json.h>

#include "client.h"

enum style { STYLE_AUTO, STYLE_PRETTY, STYLE_COMPACT };
/* How a result is written: JSON, -q or --raw. */
enum form { FORM_JSON, FORM_QUIET, FORM_RAW };

/* Write v as JSON and a newline, indented when `style` says so or, with
 * STYLE_AUTO, when fp is a terminal; -1 when the stream failed. */
int	 output_json(FILE *fp, json_object *v, enum style style);
/* -q: nothing for an empty object; the "handle" member when there is one,
 * else the only member; a string without quotes, an address object as its
 * "string", any other value as compact JSON; a result with several members
 * and no handle as compact JSON.  -1 when stdout failed. */
int	 output_quiet(json_object *result);
/* --raw: the bytes of the result's "data" (base64) or "text" member on
 * stdout, nothing more.  -1 with *why set (a static sentence, errno for a
 * write error) when the result has neither or stdout failed. */
int	 output_raw(json_object *result, const char **why);
/* Print the outcome of s6c_call() for `method` (the result in `form`,
 * the error as one line or, with `json`, as the daemon's object) and
 * return the exit status for it. */
int	 output_report(struct s6c *c, const char *method, int rc,
	    json_object *result, json_object *error, enum style style, int json,
	    enum form form);

#endif
