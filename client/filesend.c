/* filesend.c: data=@FILE larger than one request: a stream socket's
 * socket.send or socket.send_all in pieces with a progress bar on a
 * terminal; a request refused as too long explained (a datagram is never
 * split). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "filesend.h"

#define BAR_WIDTH	20	/* the whole line stays within 80 columns */

/* The file a data=@FILE word names, as sock6ctl's messages show it. */
struct filesend {
	const char	*word;		/* "data=@FILE" */
	const char	*b64;		/* params' data */
	size_t		 b64len;
	unsigned char	*bytes;		/* decoded, for the pieces */
	size_t		 len;
	int64_t		 start_ms;
	int64_t		 bar_after_ms;	/* -1: no bar (stderr not a terminal) */
	int		 notes;		/* explain errors on stderr */
	int		 bar_drawn;
};

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The data=@FILE word among words[0..n), or NULL. */
static const char *
filesend_word(int n, char *const words[])
{
	int	i;

	for (i = 0; i < n; i++)
		if (strncmp(words[i], "data=@", 6) == 0 && words[i][6] != '\0')
			return words[i];
	return NULL;
}

/* The socket's "type" from socket.info (caller frees), or NULL. */
static char *
filesend_type(struct s6c *c, json_object *params, int timeout_ms)
{
	json_object	*p, *h, *info = NULL, *v;
	char		*type = NULL;

	if (!json_object_object_get_ex(params, "handle", &h) ||
	    (p = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(p, "handle", json_object_get(h));
	if (s6c_call(c, "socket.info", p, timeout_ms, &info, NULL) == S6C_OK &&
	    json_object_object_get_ex(info, "type", &v) &&
	    json_object_is_type(v, json_type_string))
		type = strdup(json_object_get_string(v));
	json_object_put(info);
	return type;
}

/* When the bar starts: -1 for never (stderr is not a terminal). */
static int64_t
filesend_bar_after(void)
{
	const char	*s = getenv("SOCK6CTL_PROGRESS_AFTER_MS");
	char		*end;
	long long	 v;

	if (!isatty(STDERR_FILENO))
		return -1;
	if (s != NULL && *s != '\0') {
		v = strtoll(s, &end, 10);
		if (*end == '\0' && v >= 0)
			return v;
	}
	return FILESEND_BAR_AFTER_MS;
}

/* "\rsock6ctl: sending [#########...........]  45%   2.3 of  5.0 MB
 * 12.1 MB/s" on stderr (fixed widths: each redraw covers the last), once
 * sending has lasted long enough; with `done`, the last one and a newline. */
static void
filesend_bar(struct filesend *f, size_t sent, int done)
{
	int64_t	elapsed = now_ms() - f->start_ms;
	char	bar[BAR_WIDTH + 1];
	size_t	fill;
	double	rate;

	if (f->bar_after_ms < 0 || (elapsed < f->bar_after_ms && !f->bar_drawn) ||
	    (done && !f->bar_drawn))
		return;
	fill = f->len > 0 ? (size_t)((double)sent / (double)f->len *
	    BAR_WIDTH) : BAR_WIDTH;
	memset(bar, '#', fill);
	memset(bar + fill, '.', BAR_WIDTH - fill);
	bar[BAR_WIDTH] = '\0';
	rate = elapsed > 0 ? (double)sent / 1e6 / ((double)elapsed / 1000) : 0;
	fprintf(stderr, "\rsock6ctl: sending [%s] %3d%%  %4.1f of %4.1f MB  "
	    "%5.1f MB/s%s", bar, f->len > 0 ? (int)(sent * 100 / f->len) : 100,
	    (double)sent / 1e6, (double)f->len / 1e6, rate, done ? "\n" : "");
	fflush(stderr);
	f->bar_drawn = 1;
}

/* The params of one piece: those given, with data = bytes[off..off+n). */
static json_object *
filesend_piece(struct filesend *f, json_object *params, size_t off, size_t n)
{
	json_object		*p;
	char			*b64;
	struct json_object_iter	 it;

	if ((p = json_object_new_object()) == NULL ||
	    (b64 = malloc(base64_encoded_len(n) + 1)) == NULL) {
		json_object_put(p);
		return NULL;
	}
	json_object_object_foreachC(params, it)
		if (strcmp(it.key, "data") != 0)
			json_object_object_add(p, it.key, json_object_get(it.val));
	base64_encode(f->bytes + off, n, b64);
	json_object_object_add(p, "data", json_object_new_string(b64));
	free(b64);
	return p;
}

/* Whether the daemon refused a request as longer than its max_message. */
static int
filesend_too_long(json_object *error)
{
	json_object	*data, *v;

	return json_object_object_get_ex(error, "code", &v) &&
	    json_object_get_int(v) == -32600 &&
	    json_object_object_get_ex(error, "data", &data) &&
	    json_object_object_get_ex(data, "limit", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "max_message") == 0;
}

/* After one request refused as too long: the file, its size as base64,
 * the limit, in one line. */
static void
filesend_explain(struct filesend *f)
{
	size_t	bytes = f->b64len / 4 * 3;

	if (f->b64len >= 1 && f->b64[f->b64len - 1] == '=')
		bytes--;
	if (f->b64len >= 2 && f->b64[f->b64len - 2] == '=')
		bytes--;
	fprintf(stderr, "sock6ctl: %s: %zu bytes, %zu as base64, are more "
	    "than one request to the daemon may carry (its max_message "
	    "limit); only a stream socket's socket.send and socket.send_all "
	    "go in pieces, a datagram is sent whole\n", f->word, bytes,
	    f->b64len);
}

/* Set the error's data.bytes to the whole count sent, and say so. */
static void
filesend_partial(struct filesend *f, json_object *error, size_t sent)
{
	json_object	*data, *v;
	int64_t		 more = 0;

	if (json_object_object_get_ex(error, "data", &data) &&
	    json_object_is_type(data, json_type_object)) {
		if (json_object_object_get_ex(data, "bytes", &v) &&
		    json_object_is_type(v, json_type_int))
			more = json_object_get_int64(v);
		json_object_object_add(data, "bytes",
		    json_object_new_int64((int64_t)sent + more));
	}
	if ((int64_t)sent + more > 0 && f->notes)
		fprintf(stderr, "sock6ctl: %s: %" PRId64 " of %zu bytes were "
		    "sent before the error\n", f->word, (int64_t)sent + more,
		    f->len);
}

/* The stream case: the method once per piece until every byte is sent. */
static int
filesend_pieces(struct filesend *f, struct s6c *c, const char *method,
    json_object *params, int timeout_ms, json_object **result,
    json_object **error)
{
	json_object	*p, *r, *v;
	size_t		 sent = 0, n = 0;
	int64_t		 got;
	int		 rc = S6C_OK;

	f->start_ms = now_ms();
	f->bar_after_ms = filesend_bar_after();
	while (sent < f->len) {
		n = f->len - sent < FILESEND_PIECE ? f->len - sent :
		    FILESEND_PIECE;
		if ((p = filesend_piece(f, params, sent, n)) == NULL) {
			fprintf(stderr, "sock6ctl: out of memory\n");
			return S6C_FAIL;
		}
		r = NULL;
		rc = s6c_call(c, method, p, timeout_ms, &r, error);
		got = json_object_object_get_ex(r, "bytes", &v) ?
		    json_object_get_int64(v) : 0;
		json_object_put(r);
		if (rc != S6C_OK || got <= 0)
			break;	/* an error, or no progress (stop, not spin) */
		sent += (size_t)got < n ? (size_t)got : n;
		filesend_bar(f, sent, 0);
	}
	if (f->bar_drawn && rc == S6C_OK)
		filesend_bar(f, sent, 1);
	else if (f->bar_drawn)
		fputc('\n', stderr);
	if (rc == S6C_ERROR && *error != NULL && filesend_too_long(*error) &&
	    f->notes)
		fprintf(stderr, "sock6ctl: %s: a piece of %zu bytes, %zu as "
		    "base64, is more than one request to the daemon may carry "
		    "(its max_message limit, smaller than its default)\n",
		    f->word, n, base64_encoded_len(n));
	else if (rc == S6C_ERROR && *error != NULL)
		filesend_partial(f, *error, sent);
	if (rc == S6C_OK && (*result = json_object_new_object()) != NULL)
		json_object_object_add(*result, "bytes",
		    json_object_new_int64((int64_t)sent));
	return rc;
}

int
filesend_call(struct s6c *c, const char *method, json_object *params,
    int n, char *const words[], int timeout_ms, int notes,
    json_object **result, json_object **error)
{
	struct filesend	 f;
	json_object	*v, *r = NULL, *e = NULL;
	char		*type = NULL;
	ssize_t		 len;
	int		 rc;

	memset(&f, 0, sizeof(f));
	f.notes = notes;
	if ((f.word = filesend_word(n, words)) == NULL ||
	    !json_object_object_get_ex(params, "data", &v) ||
	    !json_object_is_type(v, json_type_string))
		return s6c_call(c, method, params, timeout_ms, result, error);
	f.b64 = json_object_get_string(v);
	f.b64len = (size_t)json_object_get_string_len(v);
	if (f.b64len > base64_encoded_len(FILESEND_ONE_REQUEST) &&
	    (strcmp(method, "socket.send") == 0 ||
	    strcmp(method, "socket.send_all") == 0) &&
	    (type = filesend_type(c, params, timeout_ms)) != NULL &&
	    strcmp(type, "stream") == 0 &&
	    (f.bytes = malloc(base64_decoded_max(f.b64len) + 1)) != NULL &&
	    (len = base64_decode(f.b64, f.b64len, f.bytes)) >= 0) {
		f.len = (size_t)len;
		rc = filesend_pieces(&f, c, method, params, timeout_ms, &r, &e);
		if (result != NULL)
			*result = r;
		else
			json_object_put(r);
		if (error != NULL)
			*error = e;
		else
			json_object_put(e);
		free(f.bytes);
		free(type);
		json_object_put(params);
		return rc;
	}
	free(f.bytes);
	free(type);
	json_object_get(v);	/* f.b64 outlives the call's params */
	rc = s6c_call(c, method, params, timeout_ms, result, error);
	if (rc == S6C_ERROR && error != NULL && *error != NULL &&
	    filesend_too_long(*error) && f.notes)
		filesend_explain(&f);
	json_object_put(v);
	return rc;
}
