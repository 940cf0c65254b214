/* output.h: how sock6ctl writes a method's result on stdout: as JSON
 * (indented on a terminal), as its one value (-q), or as its bytes
 * (--raw). */
#ifndef SOCK6_OUTPUT_H
#define SOCK6_OUTPUT_H

#include <stdio.h>
#include <json-c/json.h>

enum style { STYLE_AUTO, STYLE_PRETTY, STYLE_COMPACT };

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

#endif
