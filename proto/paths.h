/* paths.h: where the control socket lives, resolved the same way by the
 * daemon and every client (PROTOCOL §1). */
#ifndef SOCK6_PATHS_H
#define SOCK6_PATHS_H

#include <stddef.h>

#define SOCK6D_RUN_DIR		"/run/sock6d"
#define SOCK6D_SOCKET_NAME	"sock6d.sock"

/* Resolve the control socket path: `explicit` if non-NULL, else
 * $SOCK6D_SOCKET, /run/sock6d/sock6d.sock for root, $XDG_RUNTIME_DIR/sock6d.sock,
 * /tmp/sock6d-$UID/sock6d.sock.  Fails (-1, *why set) when the path does not
 * fit in sun_path: never truncated. */
int	 s6_socket_path(const char *explicit_path, char *out, size_t outlen, const char **why);

#endif
