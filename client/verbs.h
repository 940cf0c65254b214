/* verbs.h: sock6ctl's verbs, its only per-method code: `follow` (a
 * subscription printed as NDJSON or raw bytes), `attach` (stdin and stdout
 * relayed to a socket), `run` (sockets exported to a command as systemd
 * socket-activation descriptors) and `list` (list.c: socket.list as a
 * table). */
#ifndef SOCK6_VERBS_H
#define SOCK6_VERBS_H

#include <stdio.h>

#include "ctlerr.h"

/* Whether `name` is a verb rather than a method name. */
int	 verbs_is_verb(const char *name);
/* Run the verb argv[0] with its arguments argv[1..argc) against the control
 * socket at `path` (NULL: the default); timeout_ms < 0 waits forever for
 * each reply.  Returns the exit status (`run` returns only on failure). */
int	 verbs_main(const char *path, int timeout_ms, int argc, char *argv[]);
/* The short VERBS section of `sock6ctl help`. */
void	 verbs_help(FILE *fp);
/* `sock6ctl help VERB`: the verb's page, or -1 (nothing printed) when
 * `name` is not a verb. */
int	 verbs_help_verb(FILE *fp, const char *name);

#endif
