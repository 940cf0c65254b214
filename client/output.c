/* output.c: a method's result on stdout: JSON, or its one value for
 * scripts (-q: h=$(sock6ctl -q socket.create ...)). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <unistd.h>

#include <json-c/json.h>

#include "output.h"

#define OUTPUT_FLAGS	JSON_C_TO_STRING_NOSLASHESCAPE

/* The members -q prefers, in order, when the result has several. */
static const char *const output_quiet_keys[] = { "handle" };

static int
output_flush(FILE *fp)
{
	return fflush(fp) == 0 && !ferror(fp) ? 0 : -1;
}

int
output_json(FILE *fp, json_object *v, enum style style)
{
	int	flags = OUTPUT_FLAGS;

	if (style == STYLE_PRETTY ||
	    (style == STYLE_AUTO && isatty(fileno(fp))))
		flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	fputs(json_object_to_json_string_ext(v, flags), fp);
	fputc('\n', fp);
	return output_flush(fp);
}

/* One value on a line: strings bare, an address object as its string. */
static int
output_scalar(json_object *v)
{
	json_object	*s;

	if (json_object_is_type(v, json_type_object) &&
	    json_object_object_get_ex(v, "string", &s) &&
	    json_object_is_type(s, json_type_string))
		v = s;
	if (json_object_is_type(v, json_type_string))
		fputs(json_object_get_string(v), stdout);
	else
		fputs(json_object_to_json_string_ext(v, OUTPUT_FLAGS), stdout);
	fputc('\n', stdout);
	return output_flush(stdout);
}

int
output_quiet(json_object *result)
{
	struct json_object_iterator	 it;
	json_object			*v;
	size_t				 i;

	if (!json_object_is_type(result, json_type_object))
		return output_scalar(result);
	switch (json_object_object_length(result)) {
	case 0:
		return output_flush(stdout);
	case 1:
		it = json_object_iter_begin(result);
		return output_scalar(json_object_iter_peek_value(&it));
	default:
		for (i = 0; i < sizeof(output_quiet_keys) /
		    sizeof(output_quiet_keys[0]); i++)
			if (json_object_object_get_ex(result,
			    output_quiet_keys[i], &v))
				return output_scalar(v);
		return output_json(stdout, result, STYLE_COMPACT);
	}
}
