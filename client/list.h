/* list.h: the `list` verb: socket.list as a table, one socket a line, as
 * ss(8) prints them, or as JSON when stdout is not a terminal. */
#ifndef SOCK6_LIST_H
#define SOCK6_LIST_H

#include <stdio.h>
#include <json-c/json.h>

/* `sock6ctl list [--table|--json]` against the control socket at `path`
 * (NULL: the default); returns the exit status. */
int	 list_main(const char *path, int timeout_ms, int argc, char *argv[]);
/* The table of socket.list's result (its "sockets" array) on fp: a header
 * line, then one line per socket in aligned columns. */
void	 list_table(FILE *fp, json_object *result);

#endif
