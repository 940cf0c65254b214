/* ctlerr.h: how sock6ctl reports a daemon's error object: one human line
 * on stderr ("sock6ctl: METHOD: message (ERRNAME, kind)"), the daemon's
 * suggestion on a second line, and the exit status the error's code maps
 * to.  Also the exit statuses every sock6ctl command shares. */
#ifndef SOCK6_CTLERR_H
#define SOCK6_CTLERR_H

#include <stdio.h>
#include <json-c/json.h>

#define EXIT_RPC	1	/* the daemon answered with an error */
#define EXIT_UNREACHED	2	/* no socket, refused, hung up, no answer */
#define EXIT_USAGE	3	/* bad options or words; -32601 and -32602 */
#define EXIT_TIMEOUT	4	/* a daemon-side timeout expired (1002) */

/* The exit status for the daemon's error object `error`. */
int	 ctlerr_status(json_object *error);
/* Write "sock6ctl: METHOD: message (ERRNAME, kind)" and, when the daemon
 * suggests a name, "sock6ctl: did you mean NAME?" to fp, control
 * characters of the daemon's text replaced by '?'. */
void	 ctlerr_print(FILE *fp, const char *method, json_object *error);

#endif
