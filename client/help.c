/* help.c: render sock6ctl's help pages from the daemon's OpenRPC document. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "help.h"

static void	help_cat(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

/* Append to the string in out[outlen], truncating silently. */
static void
help_cat(char *out, size_t outlen, const char *fmt, ...)
{
	va_list	ap;
	size_t	len = strlen(out);

	if (len + 1 >= outlen)
		return;
	va_start(ap, fmt);
	vsnprintf(out + len, outlen - len, fmt, ap);
	va_end(ap);
}

static json_object *
help_get(json_object *obj, const char *key)
{
	json_object	*v;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

static const char *
help_str(json_object *obj, const char *key)
{
	json_object	*v = help_get(obj, key);

	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static bool
help_true(json_object *obj, const char *key)
{
	json_object	*v = help_get(obj, key);

	return json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
}

static const char *
help_json(json_object *v)
{
	return json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

json_object *
help_schema_find(json_object *schema, const char *key)
{
	static const char *const subs[] = { "oneOf", "anyOf", "allOf" };
	json_object	*v, *alt;
	size_t		 i, j, n;

	if ((v = help_get(schema, key)) != NULL)
		return v;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		alt = help_get(schema, subs[i]);
		if (!json_object_is_type(alt, json_type_array))
			continue;
		n = json_object_array_length(alt);
		for (j = 0; j < n; j++) {
			v = help_schema_find(json_object_array_get_idx(alt, j), key);
			if (v != NULL)
				return v;
		}
	}
	if ((alt = help_get(schema, "items")) != NULL)
		return help_schema_find(alt, key);
	return NULL;
}

/* "a, b, c" from the schema's enum values (strings unquoted); 0 if none. */
static int
help_enum(json_object *schema, char *out, size_t outlen)
{
	json_object	*e, *v;
	size_t		 i, n;

	out[0] = '\0';
	e = help_schema_find(schema, "enum");
	if (!json_object_is_type(e, json_type_array))
		return 0;
	n = json_object_array_length(e);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(e, i);
		help_cat(out, outlen, "%s%s", i > 0 ? ", " : "",
		    json_object_is_type(v, json_type_string) ?
		    json_object_get_string(v) : help_json(v));
	}
	return n > 0;
}

/* Whether the schema, or one of its alternatives, admits null. */
static bool
help_nullable(json_object *schema)
{
	static const char *const subs[] = { "oneOf", "anyOf" };
	json_object	*t, *alt;
	size_t		 i, j, n;

	t = help_get(schema, "type");
	if (json_object_is_type(t, json_type_string))
		return strcmp(json_object_get_string(t), "null") == 0;
	if (json_object_is_type(t, json_type_array)) {
		n = json_object_array_length(t);
		for (i = 0; i < n; i++)
			if (strcmp(json_object_get_string(
			    json_object_array_get_idx(t, i)), "null") == 0)
				return true;
		return false;
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		alt = help_get(schema, subs[i]);
		if (!json_object_is_type(alt, json_type_array))
			continue;
		n = json_object_array_length(alt);
		for (j = 0; j < n; j++)
			if (help_nullable(json_object_array_get_idx(alt, j)))
				return true;
	}
	return false;
}

/* " 1..65535", " >= 1" or " <= 9" from the schema's integer bounds; the
 * limits of int64 are no bounds worth printing. */
static void
help_range(json_object *schema, char *out, size_t outlen)
{
	json_object	*min, *max, *lim;

	min = help_schema_find(schema, "minimum");
	max = help_schema_find(schema, "maximum");
	if (json_object_is_type(min, json_type_int) &&
	    json_object_get_int64(min) == INT64_MIN)
		min = NULL;
	if (json_object_is_type(max, json_type_int) &&
	    json_object_get_int64(max) == INT64_MAX)
		max = NULL;
	if (min != NULL && max != NULL)
		help_cat(out, outlen, " %s..%s", help_json(min), help_json(max));
	else if (min != NULL)
		help_cat(out, outlen, " >= %s", help_json(min));
	else if (max != NULL)
		help_cat(out, outlen, " <= %s", help_json(max));
	/* a maximum the daemon's configuration sets, not the protocol */
	if ((lim = help_schema_find(schema, "x-limit")) != NULL &&
	    json_object_is_type(lim, json_type_string))
		help_cat(out, outlen, " (the daemon's %s)", json_object_get_string(lim));
}

/* A schema's JSON type in words: "integer", "string or null", "array". */
static void
help_schema_type(json_object *schema, char *out, size_t outlen)
{
	json_object	*t, *alt;
	char		 names[512];
	size_t		 i, n;

	if ((t = help_get(schema, "x-type")) != NULL &&
	    json_object_is_type(t, json_type_string)) {
		help_cat(out, outlen, "%s", json_object_get_string(t));
		return;
	}
	t = help_get(schema, "type");
	if (json_object_is_type(t, json_type_string)) {
		help_cat(out, outlen, "%s", json_object_get_string(t));
		if ((alt = help_get(schema, "contentEncoding")) != NULL)
			help_cat(out, outlen, " (%s)", json_object_get_string(alt));
		return;
	}
	if (json_object_is_type(t, json_type_array)) {
		n = json_object_array_length(t);
		for (i = 0; i < n; i++)
			help_cat(out, outlen, "%s%s", i > 0 ? " or " : "",
			    json_object_get_string(json_object_array_get_idx(t, i)));
		return;
	}
	if (help_get(schema, "enum") != NULL) {
		help_enum(schema, names, sizeof(names));
		help_cat(out, outlen, "one of %s", names);
		return;
	}
	if ((alt = help_get(schema, "oneOf")) != NULL ||
	    (alt = help_get(schema, "anyOf")) != NULL) {
		n = json_object_array_length(alt);
		for (i = 0; i < n; i++) {
			if (i > 0)
				help_cat(out, outlen, " or ");
			help_schema_type(json_object_array_get_idx(alt, i),
			    out, outlen);
		}
		return;
	}
	help_cat(out, outlen, "any");
}

void
help_param_type(json_object *param, char *out, size_t outlen)
{
	json_object	*schema, *v;
	const char	*xt, *name;
	char		 names[512];
	bool		 has_enum;

	out[0] = '\0';
	schema = help_get(param, "schema");
	name = help_str(param, "name");
	has_enum = help_enum(schema, names, sizeof(names));
	if ((xt = help_str(param, "x-type")) == NULL)
		xt = has_enum ? "enum" : help_str(schema, "type");
	if (xt == NULL)
		help_schema_type(schema, out, outlen);
	else if (strcmp(xt, "boolean") == 0)
		help_cat(out, outlen, "boolean");
	else if (strcmp(xt, "integer") == 0) {
		help_cat(out, outlen, "integer");
		help_range(schema, out, outlen);
		if (help_nullable(schema))
			help_cat(out, outlen, " or null");
	} else if (strcmp(xt, "string") == 0) {
		help_cat(out, outlen, "string");
		if ((v = help_schema_find(schema, "maxLength")) != NULL)
			help_cat(out, outlen, " of at most %s bytes", help_json(v));
		if (help_nullable(schema))
			help_cat(out, outlen, " or null");
	} else if (strcmp(xt, "port") == 0) {
		help_cat(out, outlen, "port:");
		help_range(schema, out, outlen);
		help_cat(out, outlen, " as an integer or a decimal string");
		if (help_nullable(schema))
			help_cat(out, outlen, ", or null");
	} else if (strcmp(xt, "enum") == 0)
		help_cat(out, outlen, "one of %s", names);
	else if (strcmp(xt, "handle") == 0)
		help_cat(out, outlen, "handle (integer >= 1)");
	else if (strcmp(xt, "sockaddr") == 0)
		help_cat(out, outlen, "address: \"host:port\", \"[v6]:port\", "
		    "\"/path\", \"@name\" or an object");
	else if (strcmp(xt, "bytes") == 0) {
		if (name != NULL && strcmp(name, "text") == 0)
			help_cat(out, outlen, "bytes as a UTF-8 string");
		else
			help_cat(out, outlen, "bytes in base64 (%s=@FILE reads "
			    "FILE, %s=@- stdin)", name ? name : "data",
			    name ? name : "data");
	} else if (strcmp(xt, "timeout") == 0)
		help_cat(out, outlen, "milliseconds, or null for never");
	else if (strcmp(xt, "flags") == 0) {
		help_cat(out, outlen, "flags: a JSON array of names or an integer");
		if (has_enum)
			help_cat(out, outlen, "; names: %s", names);
	} else if (strcmp(xt, "family") == 0 || strcmp(xt, "type") == 0 ||
	    strcmp(xt, "protocol") == 0) {
		if (has_enum)
			help_cat(out, outlen, "%s: %s, or an integer", xt, names);
		else
			help_cat(out, outlen, "%s name or integer", xt);
	} else if (strcmp(xt, "any") == 0)
		help_cat(out, outlen, "any JSON value");
	else if (strcmp(xt, "array") == 0)
		help_cat(out, outlen, "a JSON array");
	else if (strcmp(xt, "service") == 0) {
		help_cat(out, outlen, "service name, or port number 0..65535");
		if (help_nullable(schema))
			help_cat(out, outlen, ", or null");
	} else {
		help_cat(out, outlen, "%s: ", xt);
		help_schema_type(schema, out, outlen);
	}
}

json_object *
help_find(json_object *doc, const char *name)
{
	json_object	*methods, *m;
	const char	*s;
	size_t		 i, n;

	methods = help_get(doc, "methods");
	if (!json_object_is_type(methods, json_type_array))
		return NULL;
	n = json_object_array_length(methods);
	for (i = 0; i < n; i++) {
		m = json_object_array_get_idx(methods, i);
		if ((s = help_str(m, "name")) != NULL && strcmp(s, name) == 0)
			return m;
	}
	return NULL;
}

void
help_usage(json_object *method, char *out, size_t outlen)
{
	json_object	*params, *p;
	const char	*name, *s;
	char		 meta[64];
	size_t		 i, n, k;

	out[0] = '\0';
	name = help_str(method, "name");
	help_cat(out, outlen, "sock6ctl %s", name ? name : "?");
	params = help_get(method, "params");
	n = json_object_is_type(params, json_type_array) ?
	    json_object_array_length(params) : 0;
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(params, i);
		if ((s = help_str(p, "name")) == NULL)
			continue;
		for (k = 0; k < sizeof(meta) - 1 && s[k] != '\0'; k++)
			meta[k] = isalnum((unsigned char)s[k]) ?
			    (char)toupper((unsigned char)s[k]) : '_';
		meta[k] = '\0';
		if (help_true(p, "required"))
			help_cat(out, outlen, " %s=%s", s, meta);
		else
			help_cat(out, outlen, " [%s=%s]", s, meta);
	}
}

/* Print text from column `col` (where the caller left the cursor), wrapped
 * to HELP_WIDTH; lines it starts are indented to `indent`, and a '\n' in
 * text starts one. */
static void
help_wrap(FILE *fp, const char *text, int col, int indent)
{
	const char	*p = text;
	bool		 first = true;
	int		 n;

	while (*p != '\0') {
		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '\n') {
			fputc('\n', fp);
			col = 0;
			first = true;
			p++;
			continue;
		}
		n = (int)strcspn(p, " \n");
		if (!first && col + 1 + n > HELP_WIDTH) {
			fputc('\n', fp);
			col = 0;
			first = true;
		}
		if (!first)
			col += fprintf(fp, " ");
		else if (col == 0)
			for (; col < indent; col++)
				fputc(' ', fp);
		col += fprintf(fp, "%.*s", n, p);
		first = false;
		p += n;
	}
	if (col > 0)
		fputc('\n', fp);
}

/* The part of a method name before its first '.', as a length. */
static size_t
help_prefix_len(const char *name)
{
	const char	*dot = strchr(name, '.');

	return dot != NULL ? (size_t)(dot - name) : strlen(name);
}

/* qsort: by prefix, then by name. */
static int
help_cmp(const void *a, const void *b)
{
	const char	*x = help_str(*(json_object *const *)a, "name");
	const char	*y = help_str(*(json_object *const *)b, "name");
	size_t		 lx = help_prefix_len(x), ly = help_prefix_len(y);
	int		 r;

	if ((r = strncmp(x, y, lx < ly ? lx : ly)) != 0)
		return r;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(x, y);
}

void
help_list(FILE *fp, json_object *doc)
{
	json_object	*methods, *m, *info, **v;
	const char	*name, *prev = NULL, *s;
	size_t		 i, n, k = 0, w = 0;
	int		 col;

	info = help_get(doc, "info");
	fprintf(fp, "usage: sock6ctl [options] METHOD [key=value ...]\n\n");
	fprintf(fp, "Methods of %s", (s = help_str(info, "title")) ? s : "sock6d");
	if ((s = help_str(info, "version")) != NULL)
		fprintf(fp, " %s", s);
	if ((m = help_get(info, "x-protocol")) != NULL)
		fprintf(fp, " (protocol %s)", help_json(m));
	fprintf(fp, ":\n");
	methods = help_get(doc, "methods");
	n = json_object_is_type(methods, json_type_array) ?
	    json_object_array_length(methods) : 0;
	if (n > 0 && (v = calloc(n, sizeof(*v))) != NULL) {
		for (i = 0; i < n; i++) {
			m = json_object_array_get_idx(methods, i);
			if ((name = help_str(m, "name")) == NULL)
				continue;
			v[k++] = m;
			if (strlen(name) > w)
				w = strlen(name);
		}
		qsort(v, k, sizeof(*v), help_cmp);
		for (i = 0; i < k; i++) {
			name = help_str(v[i], "name");
			if (prev == NULL || help_prefix_len(prev) !=
			    help_prefix_len(name) || strncmp(prev, name,
			    help_prefix_len(name)) != 0)
				fprintf(fp, "\n%.*s\n", (int)help_prefix_len(name),
				    name);
			prev = name;
			col = fprintf(fp, "  %-*s  ", (int)w, name);
			s = help_str(v[i], "summary");
			help_wrap(fp, s ? s : "", col, col);
			if (s == NULL || *s == '\0')
				fputc('\n', fp);
		}
		free(v);
	}
	fprintf(fp, "\n'sock6ctl help METHOD' describes a method's parameters.\n");
}

static void
help_params(FILE *fp, json_object *params)
{
	json_object	*p, *v;
	const char	*name, *s;
	char		 type[1024];
	size_t		 i, n, w = 0;
	int		 col;

	n = json_object_is_type(params, json_type_array) ?
	    json_object_array_length(params) : 0;
	if (n == 0) {
		fprintf(fp, "\nParameters: none\n");
		return;
	}
	for (i = 0; i < n; i++)
		if ((name = help_str(json_object_array_get_idx(params, i),
		    "name")) != NULL && strlen(name) > w)
			w = strlen(name);
	fprintf(fp, "\nParameters:\n");
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(params, i);
		if ((name = help_str(p, "name")) == NULL)
			continue;
		help_param_type(p, type, sizeof(type));
		col = fprintf(fp, "  %-*s  ", (int)w, name);
		if (help_true(p, "required"))
			col += fprintf(fp, "required; ");
		else if ((v = help_schema_find(help_get(p, "schema"),
		    "default")) != NULL || json_object_object_get_ex(
		    help_get(p, "schema"), "default", NULL))
			col += fprintf(fp, "optional, default %s; ", help_json(v));
		else
			col += fprintf(fp, "optional; ");
		help_wrap(fp, type, col, (int)w + 4);
		if ((s = help_str(p, "description")) != NULL && *s != '\0')
			help_wrap(fp, s, 0, (int)w + 4);
	}
}

static void
help_result(FILE *fp, json_object *result)
{
	json_object	*schema, *props;
	const char	*s;
	char		 type[512];
	size_t		 w = 0;
	int		 col;

	schema = help_get(result, "schema");
	props = help_get(schema, "properties");
	if (!json_object_is_type(props, json_type_object)) {
		type[0] = '\0';
		help_schema_type(schema, type, sizeof(type));
		fprintf(fp, "\nResult: %s\n", type);
		return;
	}
	if (json_object_object_length(props) == 0) {
		fprintf(fp, "\nResult: an empty object\n");
		return;
	}
	json_object_object_foreach(props, k0, v0) {
		(void)v0;
		if (strlen(k0) > w)
			w = strlen(k0);
	}
	fprintf(fp, "\nResult:\n");
	json_object_object_foreach(props, k, v) {
		type[0] = '\0';
		help_schema_type(v, type, sizeof(type));
		col = fprintf(fp, "  %-*s  ", (int)w, k);
		help_wrap(fp, type, col, (int)w + 4);
		if ((s = help_str(v, "description")) != NULL && *s != '\0')
			help_wrap(fp, s, 0, (int)w + 4);
	}
}

static void
help_errors(FILE *fp, json_object *errors)
{
	json_object	*e;
	const char	*s;
	size_t		 i, n;
	int		 w = 0, len;

	n = json_object_is_type(errors, json_type_array) ?
	    json_object_array_length(errors) : 0;
	if (n == 0)
		return;
	for (i = 0; i < n; i++) {
		len = (int)strlen(help_json(help_get(
		    json_object_array_get_idx(errors, i), "code")));
		if (len > w)
			w = len;
	}
	fprintf(fp, "\nErrors:\n");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(errors, i);
		s = help_str(e, "message");
		fprintf(fp, "  %-*s  %s\n", w, help_json(help_get(e, "code")),
		    s ? s : "");
	}
}

int
help_method(FILE *fp, json_object *doc, const char *name)
{
	json_object	*m;
	const char	*summary, *desc;
	char		 usage[2048];
	int		 indent;

	if ((m = help_find(doc, name)) == NULL)
		return -1;
	help_usage(m, usage, sizeof(usage));
	indent = (int)(strlen("usage: sock6ctl  ") + strlen(name));
	if (indent > 40)
		indent = 8;
	help_wrap(fp, usage, fprintf(fp, "usage: "), indent);
	summary = help_str(m, "summary");
	desc = help_str(m, "description");
	if (summary != NULL && *summary != '\0') {
		fputc('\n', fp);
		help_wrap(fp, summary, 0, 0);
	}
	if (desc != NULL && *desc != '\0' &&
	    (summary == NULL || strcmp(desc, summary) != 0)) {
		fputc('\n', fp);
		help_wrap(fp, desc, 0, 0);
	}
	help_params(fp, help_get(m, "params"));
	help_result(fp, help_get(m, "result"));
	help_errors(fp, help_get(m, "errors"));
	return 0;
}
