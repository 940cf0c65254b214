"""The synchronous client: one control connection, one call at a time.

``Client.call`` sends a request and reads until its reply; notifications
that arrive meanwhile are kept, in order, in ``Client.notifications`` for
whoever reads them (``next_notification``, or a subscription, which takes
those about its handle).  Descriptors passed with a reply (socket.export)
are read with ``socket.recv_fds``.
"""

from __future__ import annotations

import collections
import os
import socket
from typing import Any, Iterator

from . import _wire
from ._wire import UNSET
from .errors import ConnectionClosed
from .paths import check_socket_dir, default_socket_path
from .socket import Socket

READ_SIZE = 256 * 1024
MAX_FDS = 8


class Client:
    """A synchronous control connection to the daemon."""

    def __init__(self, path: str | None = None, timeout: float | None = None) -> None:
        self.path = default_socket_path(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(self.path)
            check_socket_dir(self.path)
        except OSError:
            self.sock.close()
            raise
        self.closed = False
        self.notifications: collections.deque[dict[str, Any]] = collections.deque()
        self._rbuf = b""
        self._fds: list[int] = []
        self._next_id = 1
        self._eof = False

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (connection-scoped handles go with it)."""
        if self.closed:
            return
        self.closed = True
        for fd in self._fds:
            os.close(fd)
        self._fds.clear()
        self.sock.close()

    # Reading and writing.
    def _fill(self) -> None:
        msg, fds, _flags, _addr = socket.recv_fds(self.sock, READ_SIZE, MAX_FDS)
        self._fds.extend(fds)
        if not msg:
            self._eof = True
            raise ConnectionClosed("the daemon closed the connection")
        self._rbuf += msg

    def _read_message(self) -> Any:
        while True:
            nl = self._rbuf.find(b"\n")
            if nl >= 0:
                line, self._rbuf = self._rbuf[:nl], self._rbuf[nl + 1:]
                if line.strip():
                    return _wire.decode(line)
                continue
            if self._eof:
                raise ConnectionClosed("the daemon closed the connection")
            self._fill()

    def _send(self, method: str, params: dict[str, Any]) -> int:
        if self.closed:
            raise ConnectionClosed("the client is closed")
        id = self._next_id
        self._next_id += 1
        self.sock.sendall(_wire.request(id, method, params))
        return id

    def _wait(self, id: int) -> dict[str, Any]:
        while True:
            msg = self._read_message()
            if _wire.is_reply(msg):
                if msg.get("id") == id:
                    return msg
                continue            # a reply to nobody: nothing waits for it
            self.notifications.append(msg)

    def call(self, method: str, params: dict[str, Any] | None = None, /,
             **kw: Any) -> dict[str, Any]:
        """Call a method with params by name; returns the result object or
        raises the error's exception (a Sock6dError subclass)."""
        merged = dict(params or {})
        merged.update(kw)
        return _wire.result_of(self._wait(self._send(method, merged)))

    def notify(self, method: str, params: dict[str, Any] | None = None, /, **kw: Any) -> None:
        """Send a notification (no reply)."""
        merged = dict(params or {})
        merged.update(kw)
        self.sock.sendall(_wire.request(None, method, merged))

    def next_notification(self) -> dict[str, Any]:
        """The oldest notification not yet read, waiting for one if need be."""
        while not self.notifications:
            msg = self._read_message()
            if not _wire.is_reply(msg):
                self.notifications.append(msg)
        return self.notifications.popleft()

    # Sockets.
    def socket(self, family: Any = "inet", type: Any = "stream", protocol: Any = UNSET,
               scope: Any = "connection") -> Socket:
        """A new daemon socket; connection scope by default (closed with
        this connection)."""
        res = self.call("socket.create", family=family, type=type, protocol=protocol,
                        scope=scope)
        return Socket(self, res["handle"])

    def handle(self, handle: int) -> Socket:
        """A Socket for an existing handle."""
        return Socket(self, handle)

    # Streaming.
    def subscribe(self, handle: int, credit: int | None = UNSET, encoding: Any = UNSET,
                  max_chunk: Any = UNSET) -> "Subscription":
        """Follow what a socket receives: an iterator of chunks (bytes, or
        str with encoding="text"; Datagram for datagram sockets, Accepted for
        listeners), granting credit back as they are taken."""
        if credit is UNSET:
            credit = _wire.DEFAULT_CREDIT
        res = self.call("socket.subscribe", handle=handle, credit=credit,
                        encoding=encoding, max_chunk=max_chunk)
        return Subscription(self, handle, credit, res)

    def attach(self, handle: int, framing: str = "raw",
               shutdown_on_eof: Any = UNSET) -> "Attached":
        """Turn this connection into a byte pipe to the socket.  The client
        can make no more calls afterwards."""
        id = self._send("socket.attach", {"handle": handle, "framing": framing,
                                          "shutdown_on_eof": shutdown_on_eof})
        _wire.result_of(self._wait(id))
        rest, self._rbuf = self._rbuf, b""
        sock, self.sock = self.sock, socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.close()
        return Attached(sock, rest)

    def export(self, handle: int, keep: bool = False) -> socket.socket:
        """The socket itself, as a socket.socket (needs the daemon's
        --allow-export); the daemon drops the handle unless keep."""
        for fd in self._fds:
            os.close(fd)
        self._fds.clear()
        _wire.result_of(self._wait(self._send("socket.export",
                                              {"handle": handle, "keep": keep})))
        if not self._fds:
            raise ConnectionClosed("no descriptor came with the export reply")
        fd = self._fds.pop(0)
        for other in self._fds:
            os.close(other)
        self._fds.clear()
        return socket.socket(fileno=fd)


class Subscription:
    """An iterator over a subscription's chunks; ends at socket.eof, raises
    at socket.error.  Leaving it early (close, or a with block) unsubscribes."""

    def __init__(self, client: Client, handle: int, credit: int | None,
                 result: dict[str, Any]) -> None:
        self.client = client
        self.handle = handle
        self.result = result
        self._follower = _wire.Follower(handle, credit)

    def __iter__(self) -> Iterator[Any]:
        return self

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next_note(self) -> dict[str, Any]:
        for i, note in enumerate(self.client.notifications):
            if _wire.is_for(note, self.handle):
                del self.client.notifications[i]
                return note
        while True:
            msg = self.client._read_message()
            if _wire.is_reply(msg):
                continue
            if _wire.is_for(msg, self.handle):
                return msg
            self.client.notifications.append(msg)

    def __next__(self) -> Any:
        while not self._follower.done:
            add = self._follower.grant()
            if add:
                try:
                    self.client.call("socket.credit", handle=self.handle, add=add)
                except Exception as exc:
                    if not _wire.not_subscribed(exc):
                        raise
            item = self._follower.take(self._next_note())
            if item is not None:
                return item
        raise StopIteration

    def close(self) -> None:
        """Unsubscribe unless the subscription has ended."""
        if self._follower.done or self.client.closed:
            return
        self._follower.done = True
        try:
            self.client.call("socket.unsubscribe", handle=self.handle)
        except Exception as exc:
            if not _wire.not_subscribed(exc):
                raise


class Attached:
    """The control connection after socket.attach: a byte pipe to the
    socket.  ``recv`` returns the bytes that came with the reply first;
    ``socket`` is the raw connection for those who want it (read
    ``pending`` first)."""

    def __init__(self, sock: socket.socket, pending: bytes) -> None:
        self.socket = sock
        self.pending = pending

    def __enter__(self) -> "Attached":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fileno(self) -> int:
        return self.socket.fileno()

    def recv(self, size: int = READ_SIZE) -> bytes:
        """Up to size bytes; b"" at end of file."""
        if self.pending:
            out, self.pending = self.pending[:size], self.pending[size:]
            return out
        return self.socket.recv(size)

    read = recv

    def read_all(self) -> bytes:
        """Everything until end of file."""
        parts = []
        while chunk := self.recv():
            parts.append(chunk)
        return b"".join(parts)

    def sendall(self, data: bytes) -> None:
        self.socket.sendall(data)

    write = sendall

    def shutdown_write(self) -> None:
        """End sending: the daemon shuts down the socket's sending side."""
        self.socket.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.socket.close()
