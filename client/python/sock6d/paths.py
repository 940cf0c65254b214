"""Where the daemon's control socket is: the same rules as the daemon.

In order: an explicit path; ``$SOCK6D_SOCKET``; ``/run/sock6d/sock6d.sock``
for root; ``$XDG_RUNTIME_DIR/sock6d.sock``; ``/tmp/sock6d-$UID/sock6d.sock``.
An empty variable counts as unset.  A path too long for ``sun_path`` is an
error, never cut short.  A socket in the shared ``/tmp`` fallback directory
is trusted only once connected and the directory found to be the user's own
(``check_socket_dir``).
"""

from __future__ import annotations

import os
import stat

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
        found = os.path.join(_tmp_dir(), SOCKET_NAME)
    if len(os.fsencode(found)) > SUN_PATH_MAX:
        raise ValueError("control socket path longer than %d bytes: %s"
                         % (SUN_PATH_MAX, found))
    return found


def _tmp_dir() -> str:
    return "/tmp/sock6d-%d" % os.geteuid()


def check_socket_dir(path: str) -> None:
    """Raise PermissionError unless the control socket at ``path`` may be
    trusted where it is: in the ``/tmp`` fallback directory only when that
    is a directory (not a link) of the user's own that no one else may
    write to; another user could have made it first, with a socket of theirs
    in it.  Called after connecting: in the sticky ``/tmp`` a directory found
    to be the user's stays so."""
    parent, _ = os.path.split(path)
    if parent != _tmp_dir():
        return
    try:
        st = os.lstat(parent)
    except OSError:
        why = "is missing"
    else:
        if not stat.S_ISDIR(st.st_mode):
            why = "is not a directory"
        elif st.st_uid != os.geteuid():
            why = "belongs to another user"
        elif st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            why = "may be written by other users"
        else:
            return
    raise PermissionError("not connecting to %s: its directory %s" % (path, why))
