/* script.h: `sock6ctl batch FILE` and `sock6ctl shell`: method calls read
 * one per line, in the words of the command line, all on one control
 * connection, so that connection-scoped handles and session values last
 * from one line to the next. */
#ifndef SOCK6_SCRIPT_H
#define SOCK6_SCRIPT_H

#include <stdio.h>

#include "output.h"

/* Whether `name` is `batch` or `shell`. */
int	 script_is_command(const char *name);
/* The Scripts section of `sock6ctl help`. */
void	 script_help(FILE *fp);
/* `sock6ctl help batch|shell`: the page, or -1 (nothing printed). */
int	 script_help_command(FILE *fp, const char *name);
/* Run `batch [--keep-going] FILE` or `shell` (argv[0]) against the control
 * socket at `path` (NULL: the default); each result is printed as a single
 * call's would be.  Returns the exit status. */
int	 script_main(const char *path, int timeout_ms, enum style style,
	    int json, enum form form, int argc, char *argv[]);

#endif
