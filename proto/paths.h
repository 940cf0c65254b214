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
/* Whether the control socket at path may be trusted where it is: a path in
 * the shared /tmp fallback directory (/tmp/sock6d-$UID) only when that
 * directory is a directory, not a link, owned by the user, that no one else
 * may write to (another user could have made it first and put a socket of
 * their own there; in the sticky /tmp, a directory found to be the user's
 * stays so).  The daemon checks before it binds, a client after it
 * connects.  Every other path is the system's, the user's own
 * ($XDG_RUNTIME_DIR), or chosen explicitly: 0.  -1 with *why set. */
int	 s6_socket_dir_check(const char *path, const char **why);

#endif
