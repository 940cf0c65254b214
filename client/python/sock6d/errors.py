"""Exceptions for the daemon's error replies, one class per error code.

Every error reply becomes an instance of a subclass of :class:`Sock6dError`,
chosen by its code (PROTOCOL §4).  The reply's ``data`` fields are attributes:
``kind``, ``errno``, ``errname``, ``syscall``, ``handle``, ``param`` and
``did_you_mean``, each None when absent.
"""

from __future__ import annotations

from typing import Any


class Sock6dError(Exception):
    """An error object returned by the daemon."""

    code: int = 0

    def __init__(self, code: int, message: str, kind: list[str] | None = None,
                 errno: int | None = None, errname: str | None = None,
                 data: dict[str, Any] | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.kind = list(kind) if kind else []
        self.errno = errno
        self.errname = errname
        self.data: dict[str, Any] = dict(data or {})

    @property
    def did_you_mean(self) -> str | None:
        """The daemon's suggestion for a misspelt method or param name."""
        return self.data.get("did_you_mean")

    @property
    def param(self) -> str | None:
        return self.data.get("param")

    @property
    def syscall(self) -> str | None:
        return self.data.get("syscall")

    @property
    def handle(self) -> int | None:
        return self.data.get("handle")

    def __str__(self) -> str:
        text = "%d: %s" % (self.code, self.message)
        if self.errname:
            text += " (%s)" % self.errname
        if self.did_you_mean:
            text += " (did you mean %s?)" % self.did_you_mean
        return text


class ParseError(Sock6dError):
    """-32700: the daemon could not parse a message as JSON."""
    code = -32700


class InvalidRequest(Sock6dError):
    """-32600: not a valid request object."""
    code = -32600


class MethodNotFound(Sock6dError):
    """-32601: no such method (see ``did_you_mean``)."""
    code = -32601


class InvalidParams(Sock6dError):
    """-32602: a missing, unknown or ill-typed param (see ``param``)."""
    code = -32602


class InternalError(Sock6dError):
    """-32603: a bug in the daemon."""
    code = -32603


class NetError(Sock6dError):
    """1000: a system call failed (see ``errno``, ``errname``, ``syscall``)."""
    code = 1000


class TransientError(NetError):
    """1001: connection refused, network down or unreachable."""
    code = 1001


class NetTimeout(NetError):
    """1002: a daemon-side timeout expired (not the builtin TimeoutError)."""
    code = 1002


class UnsupportedError(Sock6dError):
    """1003: an option or level not defined here."""
    code = 1003


class ResolveError(Sock6dError):
    """1004: name resolution failed (see ``data['gai_name']``)."""
    code = 1004


class NoSuchHandle(Sock6dError):
    """1010: the handle is unknown, closed or another user's."""
    code = 1010


class PermissionDenied(Sock6dError):
    """1011: the daemon's policy forbids this for this user."""
    code = 1011


class LimitReached(Sock6dError):
    """1012: a per-user or global limit was reached."""
    code = 1012


class Busy(Sock6dError):
    """1013: the handle is subscribed or attached elsewhere."""
    code = 1013


class ConnectionClosed(ConnectionError):
    """The daemon closed the control connection."""


_BY_CODE: dict[int, type[Sock6dError]] = {
    cls.code: cls for cls in (
        ParseError, InvalidRequest, MethodNotFound, InvalidParams,
        InternalError, NetError, TransientError, NetTimeout, UnsupportedError,
        ResolveError, NoSuchHandle, PermissionDenied, LimitReached, Busy)
}


def error_from_object(error: dict[str, Any]) -> Sock6dError:
    """The exception for a JSON-RPC error object."""
    code = error.get("code", 0)
    data = error.get("data")
    if not isinstance(data, dict):
        data = {}
    cls = _BY_CODE.get(code, Sock6dError)
    return cls(code, error.get("message", ""), data.get("kind"),
               data.get("errno"), data.get("errname"), data)
