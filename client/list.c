/* list.c: `sock6ctl list`: socket.list rendered as ss(8) renders sockets,
 * one line each under a header, the columns from one declarative table;
 * JSON instead when stdout is not a terminal (or with --json), so that a
 * pipe gets what a program can read. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client.h"
#include "ctlerr.h"
#include "list.h"
#include "output.h"

#define LIST_CELL	128	/* bytes of one cell, the rest cut */

enum col_kind { COL_INT, COL_TEXT, COL_ADDR };

/* The columns: header, socket.info member, how it is shown. */
static const struct column {
	const char	*header;
	const char	*member;
	enum col_kind	 kind;
} list_columns[] = {
	{ "Handle",	"handle",	COL_INT },
	{ "Owner",	"owner",	COL_INT },
	{ "Scope",	"scope",	COL_TEXT },
	{ "Family",	"family",	COL_TEXT },
	{ "Type",	"type",		COL_TEXT },
	{ "State",	"state",	COL_TEXT },
	{ "Local",	"local",	COL_ADDR },
	{ "Peer",	"peer",		COL_ADDR },
	{ "In",		"bytes_in",	COL_INT },
	{ "Out",	"bytes_out",	COL_INT },
};
#define LIST_NCOLS	(sizeof(list_columns) / sizeof(list_columns[0]))

/* One cell's text: an address as its string ("*" when null or unnamed),
 * a string as it is (control characters as '?'), anything else as JSON. */
static void
list_cell(json_object *info, const struct column *col, char *out, size_t len)
{
	json_object	*v, *s;
	const char	*text;
	char		*p;

	if (!json_object_object_get_ex(info, col->member, &v) || v == NULL)
		text = col->kind == COL_ADDR ? "*" : "-";
	else if (col->kind == COL_ADDR) {
		text = json_object_object_get_ex(v, "string", &s) &&
		    json_object_is_type(s, json_type_string) ?
		    json_object_get_string(s) : "?";
		if (*text == '\0')
			text = "*";
	} else if (json_object_is_type(v, json_type_string))
		text = json_object_get_string(v);
	else
		text = json_object_to_json_string_ext(v,
		    JSON_C_TO_STRING_PLAIN);
	snprintf(out, len, "%s", text);
	for (p = out; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == ' ')
			*p = '?';
}

void
list_table(FILE *fp, json_object *result)
{
	json_object	*socks = NULL, *info;
	size_t		 width[LIST_NCOLS], n = 0, i, j, w;
	char		 cell[LIST_CELL];

	if (!json_object_object_get_ex(result, "sockets", &socks) ||
	    !json_object_is_type(socks, json_type_array))
		socks = NULL;
	if (socks != NULL)
		n = json_object_array_length(socks);
	for (j = 0; j < LIST_NCOLS; j++)
		width[j] = strlen(list_columns[j].header);
	for (i = 0; i < n; i++) {
		info = json_object_array_get_idx(socks, i);
		for (j = 0; j < LIST_NCOLS; j++) {
			list_cell(info, &list_columns[j], cell, sizeof(cell));
			if ((w = strlen(cell)) > width[j])
				width[j] = w;
		}
	}
	for (j = 0; j < LIST_NCOLS; j++)
		fprintf(fp, list_columns[j].kind == COL_INT ? "%*s%s" : "%-*s%s",
		    (int)width[j], list_columns[j].header,
		    j + 1 < LIST_NCOLS ? "  " : "\n");
	for (i = 0; i < n; i++) {
		info = json_object_array_get_idx(socks, i);
		for (j = 0; j < LIST_NCOLS; j++) {
			list_cell(info, &list_columns[j], cell, sizeof(cell));
			fprintf(fp, list_columns[j].kind == COL_INT ?
			    "%*s%s" : "%-*s%s", (int)width[j], cell,
			    j + 1 < LIST_NCOLS ? "  " : "\n");
		}
	}
}

/* socket.list page after page into one result {"sockets": [...],
 * "next": null}, as one call would return it; s6c_call()'s return values. */
static int
list_all(struct s6c *c, int timeout_ms, json_object **result, json_object **error)
{
	json_object	*all = json_object_new_array(), *page, *params, *v, *next;
	int64_t		 after = 0;
	size_t		 i;
	int		 rc;

	*result = NULL;
	for (next = NULL;;) {
		params = json_object_new_object();
		json_object_object_add(params, "limit", json_object_new_int(1024));
		if (next != NULL)
			json_object_object_add(params, "after", json_object_get(next));
		json_object_put(*result);
		rc = s6c_call(c, "socket.list", params, timeout_ms, result, error);
		if (rc != S6C_OK) {
			json_object_put(all);
			return rc;
		}
		page = *result;
		if (json_object_object_get_ex(page, "sockets", &v) &&
		    json_object_is_type(v, json_type_array))
			for (i = 0; i < json_object_array_length(v); i++)
				json_object_array_add(all, json_object_get(
				    json_object_array_get_idx(v, i)));
		if (!json_object_object_get_ex(page, "next", &next) ||
		    !json_object_is_type(next, json_type_int) ||
		    json_object_get_int64(next) <= after)	/* always onwards */
			break;
		after = json_object_get_int64(next);
	}
	json_object_object_add(*result, "sockets", all);
	return S6C_OK;
}

int
list_main(const char *path, int timeout_ms, int argc, char *argv[])
{
	json_object	*result = NULL, *error = NULL;
	struct s6c	*c;
	char		 err[512];
	int		 i, table = -1, rc, status = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--table") == 0)
			table = 1;
		else if (strcmp(argv[i], "--json") == 0)
			table = 0;
		else {
			fprintf(stderr, "sock6ctl: list: unknown argument '%s'\n"
			    "sock6ctl: usage: sock6ctl [options] list "
			    "[--table|--json]\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (table == -1)
		table = isatty(STDOUT_FILENO);
	if ((c = s6c_connect(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "sock6ctl: %s\n", err);
		return EXIT_UNREACHED;
	}
	rc = list_all(c, timeout_ms, &result, &error);
	if (rc == S6C_ERROR) {
		ctlerr_print(stderr, "socket.list", error);
		status = ctlerr_status(error);
	} else if (rc != S6C_OK) {
		fprintf(stderr, "sock6ctl: %s: %s\n", s6c_path(c), s6c_errmsg(c));
		status = EXIT_UNREACHED;
	} else {
		if (table)
			list_table(stdout, result);
		if ((table ? fflush(stdout) : output_json(stdout, result,
		    STYLE_AUTO)) != 0) {
			fprintf(stderr, "sock6ctl: stdout: %s\n", strerror(errno));
			status = EXIT_RPC;
		}
	}
	json_object_put(result);
	json_object_put(error);
	s6c_close(c);
	return status;
}
