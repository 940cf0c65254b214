/* rpc.c: the JSON-RPC 2.0 envelope: parsing a line, batches, notifications,
 * dispatch through the method table, and the one place responses are
 * written ("jsonrpc" appears nowhere else). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "method.h"
#include "rpc.h"
#include "sock6d.h"
#include "utf8.h"

/* A batch in progress: one slot per request, answered as one array once
 * every member is done. */
struct batch {
	struct conn	*conn;		/* NULL once the connection is gone */
	json_object	*responses;	/* array; NULL slots are notifications */
	size_t		 outstanding;
};

static const char JSONRPC_OK_HEAD[] = "{\"jsonrpc\":\"2.0\",\"id\":";

/* Serialise one response object {jsonrpc, id, result|error} onto the connection. */
static void
write_response(struct conn *conn, json_object *id, const char *member, json_object *value)
{
	const char *idtext, *valtext;
	size_t idlen, vallen;
	size_t mlen, total;
	char *p;

	idtext = id ? json_object_to_json_string_length(id, JSON_C_TO_STRING_PLAIN, &idlen) : "null";
	if (id == NULL)
		idlen = 4;
	valtext = json_object_to_json_string_length(value,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &vallen);
	/* {"jsonrpc":"2.0","id":ID,"MEMBER":VALUE}\n, straight into the output queue */
	mlen = strlen(member);
	total = sizeof(JSONRPC_OK_HEAD) - 1 + idlen + 4 + mlen + vallen + 2;
	if ((p = conn_reserve(conn, total)) == NULL)
		return;
	memcpy(p, JSONRPC_OK_HEAD, sizeof(JSONRPC_OK_HEAD) - 1);
	p += sizeof(JSONRPC_OK_HEAD) - 1;
	memcpy(p, idtext, idlen);
	p += idlen;
	*p++ = ',';
	*p++ = '"';
	memcpy(p, member, mlen);
	p += mlen;
	*p++ = '"';
	*p++ = ':';
	memcpy(p, valtext, vallen);
	p += vallen;
	*p++ = '}';
	*p++ = '\n';
	conn_commit(conn, total);
}

/* The response object, for a batch slot. */
static json_object *
response_object(json_object *id, const char *member, json_object *value)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(r, "id", id ? json_object_get(id) : NULL);
	json_object_object_add(r, member, value);
	return r;
}

static void
batch_member_done(struct batch *b)
{
	const char *text;
	size_t len;
	char *line;

	if (--b->outstanding > 0)
		return;
	if (b->conn != NULL && json_object_array_length(b->responses) > 0) {
		/* Drop the notifications' empty slots. */
		json_object *out = json_object_new_array();
		size_t i, n = json_object_array_length(b->responses);

		for (i = 0; i < n; i++) {
			json_object *r = json_object_array_get_idx(b->responses, i);

			if (r != NULL)
				json_object_array_add(out, json_object_get(r));
		}
		if (json_object_array_length(out) > 0) {
			text = json_object_to_json_string_length(out,
			    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
			if ((line = malloc(len + 1)) != NULL) {
				memcpy(line, text, len);
				line[len] = '\n';
				conn_write(b->conn, line, len + 1);
				free(line);
			}
		}
		json_object_put(out);
	}
	json_object_put(b->responses);
	free(b);
}

/* Deliver the outcome of c (member "result" or "error", value owned). */
static void
call_deliver(struct call *c, const char *member, json_object *value)
{
	if (c->conn == NULL || c->notification) {
		json_object_put(value);
		return;
	}
	if (c->batch != NULL) {
		json_object_array_put_idx(c->batch->responses, c->slot,
		    response_object(c->id, member, value));
		return;
	}
	write_response(c->conn, c->id, member, value);
	json_object_put(value);
}

static void
call_free(struct call *c)
{
	size_t i;

	if (c->batch != NULL)
		batch_member_done(c->batch);
	for (i = 0; i < sizeof(c->allocs) / sizeof(c->allocs[0]); i++)
		free(c->allocs[i]);
	free(c->args);
	json_object_put(c->request);
	free(c);
}

int
call_keep(struct call *c, void *p)
{
	size_t i;

	for (i = 0; i < sizeof(c->allocs) / sizeof(c->allocs[0]); i++)
		if (c->allocs[i] == NULL) {
			c->allocs[i] = p;
			return 0;
		}
	return -1;
}

struct answer
call_ok(struct call *c, json_object *result)
{
	struct answer a = { CALL_DONE };

	call_deliver(c, "result", result);
	c->state = CALL_DONE;
	return a;
}

struct answer
call_fail(struct call *c, const struct s6err *e)
{
	struct answer a = { CALL_DONE };

	if (!c->notification && c->conn != NULL)
		c->d->stats.errors++;
	if (e->code == S6_INTERNAL_ERROR)
		log_warnx("internal error in %s: %s", c->method ? c->method->name : "?", e->message);
	call_deliver(c, "error", err_to_json(e));
	c->state = CALL_DONE;
	return a;
}

bool
call_can_park(struct call *c, struct s6err *e)
{
	if (c->conn == NULL)
		return false;
	if ((long)c->conn->npending >= c->d->limits.pending_per_connection) {
		err_limit(e, "pending_per_connection", c->d->limits.pending_per_connection);
		return false;
	}
	return true;
}

struct answer
call_pending(struct call *c, call_cancel_fn cancel, void *op)
{
	struct answer a = { CALL_PENDING };

	c->state = CALL_PENDING;
	c->cancel = cancel;
	c->op = op;
	TAILQ_INSERT_TAIL(&c->conn->pending, c, entry);
	c->conn->npending++;
	return a;
}

/* Unlink a parked call from its connection. */
static void
call_unpark(struct call *c)
{
	if (c->conn != NULL) {
		TAILQ_REMOVE(&c->conn->pending, c, entry);
		c->conn->npending--;
	}
}

void
call_complete_ok(struct call *c, json_object *result)
{
	struct conn *conn = c->conn;

	call_unpark(c);
	call_ok(c, result);
	call_free(c);
	if (conn != NULL)
		conn_flush(conn);
}

void
call_complete_fail(struct call *c, const struct s6err *e)
{
	struct conn *conn = c->conn;

	call_unpark(c);
	call_fail(c, e);
	call_free(c);
	if (conn != NULL)
		conn_flush(conn);
}

void
rpc_cancel(struct call *c)
{
	call_unpark(c);
	c->conn = NULL;
	if (c->batch != NULL)
		c->batch->conn = NULL;
	if (c->cancel != NULL)
		c->cancel(c, c->op);
	call_free(c);
}

void
rpc_send_error(struct conn *conn, const struct s6err *e)
{
	json_object *err = err_to_json(e);

	conn->d->stats.errors++;
	write_response(conn, NULL, "error", err);
	json_object_put(err);
}

/* An envelope error for one request: to the batch slot or the connection. */
static void
envelope_error(struct conn *conn, struct batch *b, size_t slot, int code,
    const char *message)
{
	struct s6err e;

	err_set(&e, code, "%s", message);
	if (b == NULL) {
		rpc_send_error(conn, &e);
		return;
	}
	conn->d->stats.errors++;
	json_object_array_put_idx(b->responses, slot,
	    response_object(NULL, "error", err_to_json(&e)));
}

/* Validate one request object and run its method. */
static void
dispatch_request(struct conn *conn, json_object *req, struct batch *b, size_t slot)
{
	json_object *v, *id = NULL, *params = NULL;
	const struct method *m;
	struct answer a;
	struct s6err e;
	struct call *c;
	bool has_id;

	conn->d->stats.requests++;
	if (!json_object_is_type(req, json_type_object)) {
		envelope_error(conn, b, slot, S6_INVALID_REQUEST, "Invalid Request");
		return;
	}
	has_id = json_object_object_get_ex(req, "id", &id);
	if (has_id && id != NULL && !json_object_is_type(id, json_type_string) &&
	    !json_object_is_type(id, json_type_int) &&
	    !json_object_is_type(id, json_type_double)) {
		envelope_error(conn, b, slot, S6_INVALID_REQUEST, "Invalid Request: id must be a string, number or null");
		return;
	}
	if (!json_object_object_get_ex(req, "jsonrpc", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0) {
		envelope_error(conn, b, slot, S6_INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"");
		return;
	}
	if (!json_object_object_get_ex(req, "method", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		envelope_error(conn, b, slot, S6_INVALID_REQUEST, "Invalid Request: method must be a string");
		return;
	}
	if (json_object_object_get_ex(req, "params", &params) &&
	    !json_object_is_type(params, json_type_object) &&
	    !json_object_is_type(params, json_type_array)) {
		envelope_error(conn, b, slot, S6_INVALID_REQUEST, "Invalid Request: params must be an object");
		return;
	}

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		envelope_error(conn, b, slot, S6_INTERNAL_ERROR, "out of memory");
		return;
	}
	c->d = conn->d;
	c->conn = conn;
	c->request = json_object_get(req);
	c->id = id;
	c->notification = !has_id;
	c->batch = b;
	c->slot = slot;
	if (b != NULL)
		b->outstanding++;

	m = method_lookup(json_object_get_string(v));
	c->method = m;
	if (m == NULL) {
		err_set(&e, S6_METHOD_NOT_FOUND, "Method not found");
		a = call_fail(c, &e);
	} else if (params != NULL && json_object_is_type(params, json_type_array)) {
		err_param(&e, "params", "params must be an object (by name)");
		a = call_fail(c, &e);
	} else if ((c->args = calloc(1, m->args_size ? m->args_size : 1)) == NULL) {
		err_set(&e, S6_INTERNAL_ERROR, "out of memory");
		a = call_fail(c, &e);
	} else if (param_fill(c, m->params, params, c->args, &e) == -1) {
		a = call_fail(c, &e);
	} else {
		a = m->fn(c, c->args);
	}
	if (a.state != CALL_PENDING)
		call_free(c);
}

static void
dispatch_batch(struct conn *conn, json_object *arr)
{
	size_t i, n = json_object_array_length(arr);
	struct batch *b;
	struct s6err e;

	if (n == 0) {
		conn->d->stats.requests++;
		envelope_error(conn, NULL, 0, S6_INVALID_REQUEST, "Invalid Request: empty batch");
		return;
	}
	if ((long)n > conn->d->limits.max_batch) {
		conn->d->stats.requests++;
		err_set(&e, S6_INVALID_REQUEST, "Invalid Request: batch of more than %ld entries",
		    conn->d->limits.max_batch);
		e.limit = "max_batch";
		rpc_send_error(conn, &e);
		return;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return;
	b->conn = conn;
	b->responses = json_object_new_array_ext((int)n);
	b->outstanding = 1;		/* held until every member is dispatched */
	for (i = 0; i < n; i++)
		json_object_array_add(b->responses, NULL);
	for (i = 0; i < n; i++)
		dispatch_request(conn, json_object_array_get_idx(arr, i), b, i);
	batch_member_done(b);
}

enum prescan { PRESCAN_OK, PRESCAN_INVALID, PRESCAN_TOO_DEEP, PRESCAN_RANGE };

/* Check the JSON number at p[*i] by RFC 8259's grammar and advance past it.
 * json-c also accepts "1." and "-01", which JSON does not.  An integer
 * outside int64 (or uint64) cannot be echoed back exactly, so it is out of
 * range here. */
static enum prescan
prescan_number(const unsigned char *p, size_t len, size_t *i)
{
	size_t j = *i, digits;
	bool neg = false, integer = true;
	unsigned long long v = 0, limit;
	bool overflow = false;

	if (p[j] == '-') {
		neg = true;
		j++;
	}
	if (j >= len || !isdigit(p[j]))
		return PRESCAN_INVALID;
	limit = neg ? (unsigned long long)INT64_MAX + 1 : ULLONG_MAX;
	for (digits = 0; j < len && isdigit(p[j]); j++, digits++) {
		if (v > (limit - (unsigned)(p[j] - '0')) / 10)
			overflow = true;
		v = v * 10 + (unsigned)(p[j] - '0');
	}
	if (digits > 1 && p[*i + neg] == '0')
		return PRESCAN_INVALID;
	if (j < len && p[j] == '.') {
		integer = false;
		if (++j >= len || !isdigit(p[j]))
			return PRESCAN_INVALID;
		while (j < len && isdigit(p[j]))
			j++;
	}
	if (j < len && (p[j] == 'e' || p[j] == 'E')) {
		integer = false;
		if (++j < len && (p[j] == '+' || p[j] == '-'))
			j++;
		if (j >= len || !isdigit(p[j]))
			return PRESCAN_INVALID;
		while (j < len && isdigit(p[j]))
			j++;
	}
	*i = j - 1;
	return integer && overflow ? PRESCAN_RANGE : PRESCAN_OK;
}

/* What json-c lets through but JSON forbids: invalid UTF-8, raw control
 * characters in strings, NaN and Infinity, numbers like "1." or "01".
 * Also measures nesting here, counting only objects and arrays (json-c's
 * own depth counts scalars). */
static enum prescan
prescan_line(const char *line, size_t len, long max_depth)
{
	const unsigned char *p = (const unsigned char *)line;
	enum prescan r, result = PRESCAN_OK;
	bool in_string = false;
	long depth = 0;
	size_t i;

	if (!utf8_valid(line, len))
		return PRESCAN_INVALID;
	for (i = 0; i < len; i++) {
		if (in_string) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in_string = false;
			else if (p[i] < 0x20)
				return PRESCAN_INVALID;
			continue;
		}
		switch (p[i]) {
		case '"':
			in_string = true;
			break;
		case '{':
		case '[':
			if (++depth > max_depth)
				return PRESCAN_TOO_DEEP;
			break;
		case '}':
		case ']':
			depth--;
			break;
		case '-':
		case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			if ((r = prescan_number(p, len, &i)) == PRESCAN_INVALID)
				return r;
			if (r != PRESCAN_OK)
				result = r;
			break;
		case 'N':
		case 'I':
			return PRESCAN_INVALID;
		}
	}
	return result;
}

void
rpc_dispatch_line(struct conn *conn, const char *line, size_t len)
{
	json_tokener *tok = conn->d->tokener;
	enum json_tokener_error jerr;
	json_object *msg;
	struct s6err e;
	size_t end;

	switch (prescan_line(line, len, conn->d->limits.max_depth)) {
	case PRESCAN_OK:
		break;
	case PRESCAN_INVALID:
		conn->d->stats.requests++;
		err_set(&e, S6_PARSE_ERROR, "Parse error: not valid JSON text");
		rpc_send_error(conn, &e);
		return;
	case PRESCAN_RANGE:
		conn->d->stats.requests++;
		err_set(&e, S6_INVALID_REQUEST,
		    "Invalid Request: an integer beyond 64 bits cannot be represented");
		rpc_send_error(conn, &e);
		return;
	case PRESCAN_TOO_DEEP:
		conn->d->stats.requests++;
		err_set(&e, S6_INVALID_REQUEST, "Invalid Request: nesting deeper than %ld",
		    conn->d->limits.max_depth);
		e.limit = "max_depth";
		rpc_send_error(conn, &e);
		return;
	}
	json_tokener_reset(tok);
	/* line[len] is the '\r' or '\n' that ended the frame: it lets a bare
	 * number finish parsing, and counts as trailing white space. */
	msg = json_tokener_parse_ex(tok, line, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	if (msg != NULL && jerr == json_tokener_success) {
		for (end = json_tokener_get_parse_end(tok); end <= len; end++)
			if (line[end] != ' ' && line[end] != '\t' &&
			    line[end] != '\r' && line[end] != '\n')
				break;
		if (end <= len) {
			json_object_put(msg);
			msg = NULL;
			jerr = json_tokener_error_parse_unexpected;
		}
	}
	if (msg == NULL && jerr == json_tokener_success) {
		/* The JSON text null: valid JSON, not a request. */
		envelope_error(conn, NULL, 0, S6_INVALID_REQUEST, "Invalid Request");
		conn->d->stats.requests++;
		return;
	}
	if (msg == NULL) {
		conn->d->stats.requests++;
		if (jerr == json_tokener_error_depth) {
			err_set(&e, S6_INVALID_REQUEST, "Invalid Request: nesting deeper than %ld",
			    conn->d->limits.max_depth);
			e.limit = "max_depth";
		} else {
			err_set(&e, S6_PARSE_ERROR, "Parse error: %s",
			    jerr == json_tokener_continue ? "unexpected end of input" :
			    json_tokener_error_desc(jerr));
		}
		rpc_send_error(conn, &e);
		return;
	}
	if (json_object_is_type(msg, json_type_array))
		dispatch_batch(conn, msg);
	else
		dispatch_request(conn, msg, NULL, 0);
	json_object_put(msg);
}
