/* control.h: the control socket: path checks, the stale-socket probe,
 * the file mode, and accepting connections with their peer credentials. */
#ifndef SOCK6D_CONTROL_H
#define SOCK6D_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

struct sock6d;

/* Bind and listen on path with mode; 0, or -1 with a sentence in err. */
int	 control_open(struct sock6d *d, const char *path, mode_t mode, char *err, size_t errlen);
/* Serve fd, a listening UNIX stream socket passed by socket activation
 * (its file is the service manager's: never removed here); 0, or -1 with
 * a sentence in err. */
int	 control_adopt(struct sock6d *d, int fd, char *err, size_t errlen);
/* Stop listening and remove the socket file (one this daemon made). */
void	 control_close(struct sock6d *d);

#endif
