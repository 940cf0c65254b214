/* cliargs.c: turn sock6ctl's `key=value` words into a params object. */
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
