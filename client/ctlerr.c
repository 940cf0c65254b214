/* ctlerr.c: a daemon's error object as sock6ctl's human line(s) and exit
 * status: the method, the message, data.errname and the last word of
 * data.kind when it says more than "a system call failed" and more than the
 * message, then the daemon's data.did_you_mean. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "ctlerr.h"

/* Error codes whose exit status is not EXIT_RPC. */
static const struct {
	int	code;
	int	status;
} ctlerr_codes[] = {
	{ -32601,	EXIT_USAGE },	/* method not found */
	{ -32602,	EXIT_USAGE },	/* invalid params */
	{ 1002,		EXIT_TIMEOUT },	/* a daemon-side timeout */
};

/* data.kind words that add nothing to the message: every net error is one. */
static const char *const ctlerr_plain_kinds[] = { "exn", "i/o", "net", "type" };

static const char *
ctlerr_str(json_object *o, const char *key)
{
	json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int
ctlerr_status(json_object *error)
{
	json_object	*v;
	int64_t		 code;
	size_t		 i;

	if (error == NULL || !json_object_object_get_ex(error, "code", &v) ||
	    !json_object_is_type(v, json_type_int))
		return EXIT_RPC;
	code = json_object_get_int64(v);
	for (i = 0; i < sizeof(ctlerr_codes) / sizeof(ctlerr_codes[0]); i++)
		if (ctlerr_codes[i].code == code)
			return ctlerr_codes[i].status;
	return EXIT_RPC;
}

/* The last word of data.kind, or NULL when it is a plain one. */
static const char *
ctlerr_kind(json_object *data)
{
	json_object	*kind, *last;
	const char	*w;
	size_t		 n, i;

	if (data == NULL || !json_object_object_get_ex(data, "kind", &kind) ||
	    !json_object_is_type(kind, json_type_array) ||
	    (n = json_object_array_length(kind)) == 0)
		return NULL;
	last = json_object_array_get_idx(kind, n - 1);
	if (!json_object_is_type(last, json_type_string))
		return NULL;
	w = json_object_get_string(last);
	for (i = 0; i < sizeof(ctlerr_plain_kinds) / sizeof(ctlerr_plain_kinds[0]);
	    i++)
		if (strcmp(w, ctlerr_plain_kinds[i]) == 0)
			return NULL;
	return w;
}

/* Write s, each control character (the daemon's text is not trusted to be
 * safe on a terminal) as '?'. */
static void
ctlerr_puts(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, fp);
}

void
ctlerr_print(FILE *fp, const char *method, json_object *error)
{
	json_object	*data = NULL;
	const char	*msg, *errname, *kind, *dym;

	if (error != NULL)
		json_object_object_get_ex(error, "data", &data);
	if (data != NULL && !json_object_is_type(data, json_type_object))
		data = NULL;
	msg = ctlerr_str(error, "message");
	errname = ctlerr_str(data, "errname");
	kind = ctlerr_kind(data);
	if (kind != NULL && msg != NULL && strstr(msg, kind) != NULL)
		kind = NULL;	/* the message says it already */
	dym = ctlerr_str(data, "did_you_mean");

	fputs("sock6ctl: ", fp);
	ctlerr_puts(fp, method);
	fputs(": ", fp);
	ctlerr_puts(fp, msg != NULL ? msg : "error");
	if (errname != NULL || kind != NULL) {
		fputs(" (", fp);
		if (errname != NULL)
			ctlerr_puts(fp, errname);
		if (errname != NULL && kind != NULL)
			fputs(", ", fp);
		if (kind != NULL)
			ctlerr_puts(fp, kind);
		fputc(')', fp);
	}
	fputc('\n', fp);
	if (dym != NULL && *dym != '\0') {
		fputs("sock6ctl: did you mean ", fp);
		ctlerr_puts(fp, dym);
		fputs("?\n", fp);
	}
	fflush(fp);
}
