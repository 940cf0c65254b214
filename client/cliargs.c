/* cliargs.c: turn sock6ctl's `key=value` words into a params object, and
 * retype their values from the method's param schemas (rpc.discover). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "utf8.h"
#include "client.h"
#include "cliargs.h"

#define CLIARGS_DEPTH	32	/* the daemon's default max_depth */

#ifndef JSON_TOKENER_VALIDATE_UTF8
#define JSON_TOKENER_VALIDATE_UTF8	0	/* utf8_valid() checks anyway */
#endif

/* -?[0-9]+ */
static bool
cliargs_is_integer(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "[v6]", "[v6]:port", "[v6%scope]:service": an IPv6 address in brackets,
 * which is never valid JSON (it has a ':' inside the brackets), so a
 * sockaddr or host:port string need not be quoted on the command line. */
static bool
cliargs_is_bracketed_v6(const char *s)
{
	const char	*p;
	bool		 colon = false, scope = false;

	if (*s != '[')
		return false;
	for (p = s + 1; *p != ']'; p++) {
		if (*p == '\0')
			return false;
		if (scope) {
			if (!isalnum((unsigned char)*p) && *p != '_' &&
			    *p != '-' && *p != '.')
				return false;
		} else if (*p == ':')
			colon = true;
		else if (*p == '%' && colon)
			scope = true;
		else if (!isxdigit((unsigned char)*p) && *p != '.')
			return false;
	}
	if (!colon)
		return false;
	if (*++p == '\0')
		return true;
	if (*p++ != ':' || *p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return false;
	return true;
}

/* Whether v holds only numbers JSON can carry: json-c accepts NaN and
 * Infinity, which it would then write out as invalid JSON. */
static bool
cliargs_finite(json_object *v)
{
	size_t	i, n;

	switch (json_object_get_type(v)) {
	case json_type_double:
		return isfinite(json_object_get_double(v));
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (!cliargs_finite(json_object_array_get_idx(v, i)))
				return false;
		return true;
	case json_type_object: {
		json_object_object_foreach(v, k, m) {
			(void)k;
			if (!cliargs_finite(m))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
}

/* Parse `value` as one JSON text, nothing but whitespace after it. */
static int
cliargs_json(const char *key, const char *value, json_object **out, char *err,
    size_t errlen)
{
	struct json_tokener	*tok;
	enum json_tokener_error	 jerr;
	json_object		*v;
	size_t			 len = strlen(value);

	if ((tok = json_tokener_new_ex(CLIARGS_DEPTH)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	v = json_tokener_parse_ex(tok, value, (int)len);
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (v == NULL || jerr != json_tokener_success) {
		snprintf(err, errlen, "%s: invalid JSON: %s", key,
		    jerr == json_tokener_continue ? "unexpected end of text" :
		    json_tokener_error_desc(jerr));
		json_object_put(v);
		return -1;
	}
	if (!cliargs_finite(v)) {
		snprintf(err, errlen, "%s: invalid JSON: not a finite number", key);
		json_object_put(v);
		return -1;
	}
	*out = v;
	return 0;
}

int
cliargs_value(const char *key, const char *value, json_object **out, char *err,
    size_t errlen)
{
	long long	n;
	char		*end;

	*out = NULL;
	if (!utf8_valid(value, strlen(value))) {
		snprintf(err, errlen, "%s: value is not valid UTF-8 (%s=@FILE "
		    "sends bytes)", key, key);
		return -1;
	}
	if (cliargs_is_integer(value)) {
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno == ERANGE || *end != '\0') {
			snprintf(err, errlen, "%s: integer out of range", key);
			return -1;
		}
		*out = json_object_new_int64((int64_t)n);
	} else if (strcmp(value, "true") == 0 || strcmp(value, "false") == 0)
		*out = json_object_new_boolean(value[0] == 't');
	else if (strcmp(value, "null") == 0)
		return 0;
	else if ((value[0] == '{' || value[0] == '[' || value[0] == '"') &&
	    !cliargs_is_bracketed_v6(value))
		return cliargs_json(key, value, out, err, errlen);
	else
		*out = json_object_new_string(value);
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Read all of fd into *bufp; -1 with errno set, EFBIG when it holds more
 * than CLIARGS_MAX_FILE bytes. */
static ssize_t
cliargs_slurp(int fd, char **bufp)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, size = 0;
	ssize_t	 n;

	for (;;) {
		if (len == size) {
			if (size == CLIARGS_MAX_FILE + 1) {
				free(buf);
				errno = EFBIG;
				return -1;
			}
			size = size == 0 ? 65536 : size * 2;
			if (size > CLIARGS_MAX_FILE + 1)
				size = CLIARGS_MAX_FILE + 1;
			if ((nbuf = realloc(buf, size)) == NULL) {
				free(buf);
				return -1;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*bufp = buf;
	return (ssize_t)len;
}

/* `key=@FILE`: the file's bytes (stdin for "-") as a base64 string. */
static int
cliargs_file(const char *key, const char *name, bool *stdin_used,
    json_object **out, char *err, size_t errlen)
{
	char	*bytes = NULL, *b64;
	ssize_t	 n;
	int	 fd, saved;

	if (*name == '\0') {
		snprintf(err, errlen, "%s: missing file name after '@'", key);
		return -1;
	}
	if (strcmp(name, "-") == 0) {
		if (*stdin_used) {
			snprintf(err, errlen, "%s: standard input is already "
			    "used by another @- value", key);
			return -1;
		}
		*stdin_used = true;
		fd = STDIN_FILENO;
		if (isatty(fd))	/* else it looks like a hang */
			fprintf(stderr, "sock6ctl: %s=@-: reading the terminal "
			    "until end of file (Ctrl-D)\n", key);
	} else if ((fd = open(name, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)	/* perhaps meant "@abstract" */
			snprintf(err, errlen, "%s: cannot read %s: %s (the "
			    "string \"@%s\" is written %s='\"@%s\"')", key, name,
			    strerror(errno), name, key, name);
		else
			snprintf(err, errlen, "%s: cannot read %s: %s", key,
			    name, strerror(errno));
		return -1;
	}
	n = cliargs_slurp(fd, &bytes);
	saved = errno;
	if (fd != STDIN_FILENO)
		close(fd);
	if (n == -1) {
		if (saved == EFBIG)
			snprintf(err, errlen, "%s: %s is larger than %u bytes",
			    key, name, CLIARGS_MAX_FILE);
		else
			snprintf(err, errlen, "%s: cannot read %s: %s", key,
			    name, strerror(saved));
		return -1;
	}
	if ((b64 = malloc(base64_encoded_len((size_t)n) + 1)) == NULL) {
		free(bytes);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	base64_encode(bytes, (size_t)n, b64);
	free(bytes);
	*out = json_object_new_string(b64);
	free(b64);
	if (*out == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Add one `key=value` word to params. */
static int
cliargs_word(json_object *params, const char *word, bool *stdin_used,
    char *err, size_t errlen)
{
	const char	*eq, *value;
	json_object	*v = NULL;
	char		*key;
	int		 rc;

	if ((eq = strchr(word, '=')) == NULL) {
		snprintf(err, errlen, "'%s' is not key=value", word);
		return -1;
	}
	if (eq == word) {
		snprintf(err, errlen, "'%s' has an empty key", word);
		return -1;
	}
	if ((key = strndup(word, (size_t)(eq - word))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	value = eq + 1;
	if (!utf8_valid(key, strlen(key))) {
		snprintf(err, errlen, "a key is not valid UTF-8");
		rc = -1;
	} else if (json_object_object_get_ex(params, key, NULL)) {
		snprintf(err, errlen, "key '%s' is given twice", key);
		rc = -1;
	} else if (value[0] == '@')
		rc = cliargs_file(key, value + 1, stdin_used, &v, err, errlen);
	else
		rc = cliargs_value(key, value, &v, err, errlen);
	if (rc == 0 && json_object_object_add(params, key, v) != 0) {
		json_object_put(v);
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	free(key);
	return rc;
}

json_object *
cliargs_parse(int n, char *const words[], char *err, size_t errlen)
{
	json_object	*params;
	bool		 stdin_used = false;
	int		 i;

	if ((params = json_object_new_object()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (cliargs_word(params, words[i], &stdin_used, err,
		    errlen) == -1) {
			json_object_put(params);
			return NULL;
		}
	}
	return params;
}

/* The JSON types a schema allows, as CLIARGS_T_* bits (oneOf and anyOf
 * alternatives included; an enum without a type is strings; no type at
 * all is CLIARGS_T_ANY). */
#define CLIARGS_T_STRING	0x01
#define CLIARGS_T_INTEGER	0x02	/* "number" too */
#define CLIARGS_T_BOOLEAN	0x04
#define CLIARGS_T_ARRAY		0x08
#define CLIARGS_T_OTHER		0x10	/* object, null */
#define CLIARGS_T_ANY		0x20

/* The bit for one JSON Schema type name. */
static unsigned
cliargs_type_bit(const char *name)
{
	static const struct { const char *name; unsigned bit; } types[] = {
		{ "string",	CLIARGS_T_STRING },
		{ "integer",	CLIARGS_T_INTEGER },
		{ "number",	CLIARGS_T_INTEGER },
		{ "boolean",	CLIARGS_T_BOOLEAN },
		{ "array",	CLIARGS_T_ARRAY },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(name, types[i].name) == 0)
			return types[i].bit;
	return CLIARGS_T_OTHER;
}

static unsigned
cliargs_schema_types(json_object *schema, int depth)
{
	static const char *const alts[] = { "oneOf", "anyOf" };
	json_object	*t, *list;
	unsigned	 mask = 0;
	size_t		 i, j;
	bool		 typed = false;

	if (!json_object_is_type(schema, json_type_object) || depth > 8)
		return CLIARGS_T_ANY;
	if (json_object_object_get_ex(schema, "type", &t)) {
		typed = true;
		if (json_object_is_type(t, json_type_string))
			mask |= cliargs_type_bit(json_object_get_string(t));
		else if (json_object_is_type(t, json_type_array))
			for (i = 0; i < json_object_array_length(t); i++)
				mask |= cliargs_type_bit(json_object_get_string(
				    json_object_array_get_idx(t, i)));
	}
	for (i = 0; i < sizeof(alts) / sizeof(alts[0]); i++) {
		if (!json_object_object_get_ex(schema, alts[i], &list) ||
		    !json_object_is_type(list, json_type_array))
			continue;
		typed = true;
		for (j = 0; j < json_object_array_length(list); j++)
			mask |= cliargs_schema_types(
			    json_object_array_get_idx(list, j), depth + 1);
	}
	if (!typed && json_object_object_get_ex(schema, "enum", NULL)) {
		typed = true;
		mask |= CLIARGS_T_STRING;
	}
	return typed ? mask : CLIARGS_T_ANY;
}

json_object *
cliargs_method_params(json_object *doc, const char *method)
{
	json_object	*methods, *m, *name, *params;
	size_t		 i;

	if (!json_object_object_get_ex(doc, "methods", &methods) ||
	    !json_object_is_type(methods, json_type_array))
		return NULL;
	for (i = 0; i < json_object_array_length(methods); i++) {
		m = json_object_array_get_idx(methods, i);
		if (json_object_object_get_ex(m, "name", &name) &&
		    strcmp(json_object_get_string(name), method) == 0 &&
		    json_object_object_get_ex(m, "params", &params) &&
		    json_object_is_type(params, json_type_array))
			return params;
	}
	return NULL;
}

/* The schema of param `key` in a method's params list, or NULL. */
static json_object *
cliargs_param_schema(json_object *params, const char *key, size_t keylen)
{
	json_object	*p, *name, *schema;
	size_t		 i;

	for (i = 0; i < json_object_array_length(params); i++) {
		p = json_object_array_get_idx(params, i);
		if (json_object_object_get_ex(p, "name", &name) &&
		    strlen(json_object_get_string(name)) == keylen &&
		    strncmp(json_object_get_string(name), key, keylen) == 0 &&
		    json_object_object_get_ex(p, "schema", &schema))
			return schema;
	}
	return NULL;
}

/* "a,b,c" as ["a","b","c"]. */
static json_object *
cliargs_split_list(const char *value)
{
	json_object	*a, *s;
	const char	*p = value, *comma;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (;;) {
		comma = strchr(p, ',');
		s = json_object_new_string_len(p, comma != NULL ?
		    (int)(comma - p) : (int)strlen(p));
		if (s == NULL || json_object_array_add(a, s) != 0) {
			json_object_put(s);
			json_object_put(a);
			return NULL;
		}
		if (comma == NULL)
			return a;
		p = comma + 1;
	}
}

int
cliargs_retype(json_object *params, int n, char *const words[],
    json_object *method_params, char *err, size_t errlen)
{
	json_object	*schema, *cur, *v;
	const char	*eq, *value;
	char		*key;
	unsigned	 mask;
	int		 i;

	if (method_params == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if ((eq = strchr(words[i], '=')) == NULL)
			continue;
		value = eq + 1;
		if (*value == '@' || (schema = cliargs_param_schema(method_params,
		    words[i], (size_t)(eq - words[i]))) == NULL)
			continue;
		mask = cliargs_schema_types(schema, 0);
		if ((mask & CLIARGS_T_ANY) != 0)
			continue;
		if ((key = strndup(words[i], (size_t)(eq - words[i]))) == NULL)
			goto oom;
		if (!json_object_object_get_ex(params, key, &cur)) {
			free(key);
			continue;
		}
		v = NULL;
		if (json_object_is_type(cur, json_type_int) &&
		    (mask & (CLIARGS_T_STRING | CLIARGS_T_INTEGER)) ==
		    CLIARGS_T_STRING)
			v = json_object_new_string(value);
		else if (json_object_is_type(cur, json_type_boolean) &&
		    (mask & (CLIARGS_T_STRING | CLIARGS_T_BOOLEAN)) ==
		    CLIARGS_T_STRING)
			v = json_object_new_string(value);
		else if (json_object_is_type(cur, json_type_string) &&
		    *value != '"' &&
		    (mask & (CLIARGS_T_STRING | CLIARGS_T_ARRAY)) ==
		    CLIARGS_T_ARRAY)
			v = cliargs_split_list(value);
		else {
			free(key);
			continue;
		}
		if (v == NULL || json_object_object_add(params, key, v) != 0) {
			json_object_put(v);
			free(key);
			goto oom;
		}
		free(key);
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
cliargs_typed(struct s6c *c, json_object **docp, const char *method,
    json_object *params, int n, char *const words[], int timeout_ms,
    char *err, size_t errlen)
{
	if (n == 0)
		return 0;
	if (*docp == NULL && s6c_call(c, "rpc.discover", NULL, timeout_ms, docp,
	    NULL) != S6C_OK)
		return 0;	/* untyped; the call itself will tell */
	return cliargs_retype(params, n, words, cliargs_method_params(*docp,
	    method), err, errlen);
}
