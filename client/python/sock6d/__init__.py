"""sock6d: a client for the sock6d socket daemon (JSON-RPC 2.0 over a UNIX
socket), standard library only.

    with sock6d.Client() as c:          # the daemon's default socket path
        s = c.socket("inet", "stream")
        s.connect("127.0.0.1:7")
        s.send_all(b"hello")
        print(s.receive(5))

``Client`` is synchronous, ``AsyncClient`` is for asyncio; ``Socket`` and
``AsyncSocket`` wrap a handle; errors are ``Sock6dError`` subclasses, one per
error code.
"""

from __future__ import annotations

from ._wire import Accepted, Datagram
from .aio import AsyncClient, AsyncSubscription
from .client import Attached, Client, Subscription
from .errors import (Busy, ConnectionClosed, InternalError, InvalidParams,
                     InvalidRequest, LimitReached, MethodNotFound, NetError,
                     NetTimeout, NoSuchHandle, ParseError, PermissionDenied,
                     ResolveError, Sock6dError, TransientError, UnsupportedError,
                     error_from_object)
from .paths import default_socket_path
from .socket import AsyncSocket, Socket

__version__ = "0.1.0"

__all__ = [
    "Accepted", "AsyncClient", "AsyncSocket", "AsyncSubscription", "Attached",
    "Busy", "Client", "ConnectionClosed", "Datagram", "InternalError",
    "InvalidParams", "InvalidRequest", "LimitReached", "MethodNotFound",
    "NetError", "NetTimeout", "NoSuchHandle", "ParseError", "PermissionDenied",
    "ResolveError", "Sock6dError", "Socket", "Subscription", "TransientError",
    "UnsupportedError", "default_socket_path", "error_from_object",
]
