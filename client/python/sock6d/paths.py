"""Where the daemon's control socket is: the same rules as the daemon.

In order: an explicit path; ``$SOCK6D_SOCKET``; ``/run/sock6d/sock6d.sock``
for root; ``$XDG_RUNTIME_DIR/sock6d.sock``; ``/tmp/sock6d-$UID/sock6d.sock``.
An empty variable counts as unset.  A path too long for ``sun_path`` is an
error, never cut short.
"""

from __future__ import annotations

import os

RUN_DIR = "/run/sock6d"
SOCKET_NAME = "sock6d.sock"
SUN_PATH_MAX = 107  # sizeof(sun_path) - 1 on Linux


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def default_socket_path(path: str | None = None) -> str:
    """The control socket path the daemon would use, ``path`` first."""
    if path is not None:
        if path == "":
            raise ValueError("empty control socket path")
        found = path
    elif (value := _env("SOCK6D_SOCKET")) is not None:
        found = value
    elif os.geteuid() == 0:
        found = os.path.join(RUN_DIR, SOCKET_NAME)
    elif (value := _env("XDG_RUNTIME_DIR")) is not None:
        found = os.path.join(value, SOCKET_NAME)
    else:
        found = "/tmp/sock6d-%d/%s" % (os.geteuid(), SOCKET_NAME)
    if len(os.fsencode(found)) > SUN_PATH_MAX:
        raise ValueError("control socket path longer than %d bytes: %s"
                         % (SUN_PATH_MAX, found))
    return found
