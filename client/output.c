/* output.c: a method's result on stdout: JSON, its one value for scripts
 * (-q: h=$(sock6ctl -q socket.create ...)), or the bytes it carries
 * (--raw: socket.receive's data, decoded); and a call's outcome, result or
 * error line, with the exit status it maps to. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "base64.h"
#include "client.h"
#include "ctlerr.h"
#include "output.h"

#define OUTPUT_FLAGS	JSON_C_TO_STRING_NOSLASHESCAPE

/* The members -q prefers, in order, when the result has several. */
static const char *const output_quiet_keys[] = { "handle" };

/* The members --raw writes, in order: name, and whether it is base64. */
static const struct {
	const char	*name;
	int		 base64;
} output_raw_keys[] = {
	{ "data",	1 },
	{ "text",	0 },
};

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

int
output_raw(json_object *result, const char **why)
{
	json_object	*v;
	const char	*s;
	char		*buf;
	ssize_t		 n;
	size_t		 len, i;

	for (i = 0; i < sizeof(output_raw_keys) / sizeof(output_raw_keys[0]);
	    i++) {
		if (!json_object_is_type(result, json_type_object) ||
		    !json_object_object_get_ex(result, output_raw_keys[i].name,
		    &v) || !json_object_is_type(v, json_type_string))
			continue;
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (!output_raw_keys[i].base64) {
			fwrite(s, 1, len, stdout);
			break;
		}
		if ((buf = malloc(base64_decoded_max(len) + 1)) == NULL) {
			*why = strerror(errno);
			return -1;
		}
		if ((n = base64_decode(s, len, buf)) < 0) {
			free(buf);
			*why = "the result's data is not base64";
			return -1;
		}
		fwrite(buf, 1, (size_t)n, stdout);
		free(buf);
		break;
	}
	if (i == sizeof(output_raw_keys) / sizeof(output_raw_keys[0])) {
		*why = "the result has no data or text member";
		return -1;
	}
	if (output_flush(stdout) == -1) {
		*why = strerror(errno);
		return -1;
	}
	return 0;
}

/* Print the outcome of s6c_call() and return the exit status for it. */
int
output_report(struct s6c *c, const char *method, int rc, json_object *result,
    json_object *error, enum style style, int json, enum form form)
{
	const char	*why = NULL;

	switch (rc) {
	case S6C_OK:
		if (form == FORM_RAW) {
			if (output_raw(result, &why) == -1) {
				fprintf(stderr, "sock6ctl: %s: --raw: %s\n", method,
				    why);
				return EXIT_RPC;
			}
			return 0;
		}
		if ((form == FORM_QUIET ? output_quiet(result) :
		    output_json(stdout, result, style)) == -1) {
			fprintf(stderr, "sock6ctl: stdout: %s\n", strerror(errno));
			return EXIT_RPC;
		}
		return 0;
	case S6C_ERROR:
		if (json)
			output_json(stderr, error, style);
		else
			ctlerr_print(stderr, method, error);
		return ctlerr_status(error);
	default:
		fprintf(stderr, "sock6ctl: %s: %s\n", s6c_path(c), s6c_errmsg(c));
		return EXIT_UNREACHED;
	}
}
