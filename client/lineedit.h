/* lineedit.h: the line editor of `sock6ctl shell` on a terminal (libedit,
 * when sock6ctl was built with it): editing, history in a file
 * ($SOCK6CTL_HISTORY, else ~/.sock6ctl_history), completion of methods,
 * params and enum values from the OpenRPC document; driven by the shell's
 * own poll loop, so notifications can be printed while a line is typed. */
#ifndef SOCK6_LINEEDIT_H
#define SOCK6_LINEEDIT_H

#include <stdbool.h>

#include <json-c/json.h>

/* Start editing lines typed at prompt, completing from doc (borrowed, may
 * be NULL); false when stdin or stdout is not a terminal or sock6ctl has
 * no line editor, and the caller reads plain lines. */
bool	 lineedit_start(const char *prompt, json_object *doc);
/* Show the prompt for the next line (once per line). */
void	 lineedit_prompt(void);
/* Stdin is readable: take what it has.  1 with *line (malloc'd, without
 * its newline) when a line is finished, 0 when none is yet, -1 at end of
 * input. */
int	 lineedit_read(char **line);
/* Around printing something else while a line is being typed: hide the
 * line, then draw it again. */
void	 lineedit_print_begin(void);
void	 lineedit_print_end(void);
/* Stop, saving the history. */
void	 lineedit_stop(void);

#endif
