"""The asyncio client: concurrent calls matched by id, notifications
dispatched to subscriptions.

One reader callback owns the control connection: it reads with
``socket.recv_fds`` (so a descriptor sent with an export reply is caught),
resolves each call's future by id, hands streaming notifications to the
subscription of their handle and keeps the others in a queue.  After an
attach reply it stops reading and gives the connection, with the bytes that
followed the reply, to a StreamReader and StreamWriter.
"""

from __future__ import annotations

import asyncio
import collections
import os
import socket
from typing import Any

from . import _wire
from ._wire import UNSET
from .errors import ConnectionClosed
from .paths import check_socket_dir, default_socket_path
from .socket import AsyncSocket

READ_SIZE = 256 * 1024
MAX_FDS = 8


class AsyncClient:
    """An asyncio control connection to the daemon.  Make one with
    ``await AsyncClient.connect(path)``."""

    def __init__(self, sock: socket.socket, path: str) -> None:
        self.sock = sock
        self.path = path
        self.closed = False
        self._loop = asyncio.get_running_loop()
        self._rbuf = b""
        self._fds: collections.deque[int] = collections.deque()
        self._next_id = 1
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reply_fds: dict[int, list[int]] = {}
        self._fd_waiters: set[int] = set()
        self._detach_id: int | None = None
        self._detached = False
        self._send_lock = asyncio.Lock()
        self._subs: dict[int, asyncio.Queue[Any]] = {}
        self._notes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._error: BaseException | None = None
        self._loop.add_reader(sock.fileno(), self._on_readable)

    @classmethod
    async def connect(cls, path: str | None = None) -> "AsyncClient":
        path = default_socket_path(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(sock, path)
            check_socket_dir(path)
        except OSError:
            sock.close()
            raise
        return cls(sock, path)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._stop_reading()
        self._fail(ConnectionClosed("the client is closed"))
        while self._fds:
            os.close(self._fds.popleft())
        self.sock.close()

    # The reader.
    def _stop_reading(self) -> None:
        try:
            self._loop.remove_reader(self.sock.fileno())
        except (ValueError, OSError):
            pass

    def _fail(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(exc)
        self._pending.clear()
        for queue in self._subs.values():
            queue.put_nowait(exc)

    def _on_readable(self) -> None:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(self.sock, READ_SIZE, MAX_FDS)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            self._stop_reading()
            self._fail(exc)
            return
        self._fds.extend(fds)
        if not msg:
            self._stop_reading()
            self._fail(ConnectionClosed("the daemon closed the connection"))
            return
        self._rbuf += msg
        self._dispatch_buffered()

    def _dispatch_buffered(self) -> None:
        """Dispatch every whole line read, stopping after an attach reply
        (what follows it is the pipe's)."""
        while not self._detached:
            nl = self._rbuf.find(b"\n")
            if nl < 0:
                break
            line, self._rbuf = self._rbuf[:nl], self._rbuf[nl + 1:]
            if line.strip():
                self._dispatch(_wire.decode(line))

    def _dispatch(self, msg: Any) -> None:
        if _wire.is_reply(msg):
            id = msg.get("id")
            fut = self._pending.pop(id, None) if isinstance(id, int) else None
            if id in self._fd_waiters:
                self._fd_waiters.discard(id)
                self._reply_fds[id] = list(self._fds)
                self._fds.clear()
            if id == self._detach_id:
                self._detached = True
                self._stop_reading()
            if fut is not None and not fut.done():
                fut.set_result(msg)
            return
        if isinstance(msg, dict):
            handle = (msg.get("params") or {}).get("handle") if isinstance(msg.get("params"), dict) else None
            queue = self._subs.get(handle) if handle is not None else None
            if queue is not None and _wire.is_for(msg, handle):
                queue.put_nowait(msg)
                return
        self._notes.put_nowait(msg)

    async def _request(self, method: str, params: dict[str, Any], *,
                       fds: bool = False, detach: bool = False) -> dict[str, Any]:
        if self.closed or self._error is not None:
            raise self._error or ConnectionClosed("the client is closed")
        id = self._next_id
        self._next_id += 1
        fut: asyncio.Future[dict[str, Any]] = self._loop.create_future()
        self._pending[id] = fut
        if fds:
            self._fd_waiters.add(id)
        if detach:
            self._detach_id = id
        line = _wire.request(id, method, params)
        async with self._send_lock:
            await self._loop.sock_sendall(self.sock, line)
        try:
            return await fut
        finally:
            self._pending.pop(id, None)
            self._fd_waiters.discard(id)

    async def call(self, method: str, params: dict[str, Any] | None = None, /,
                   **kw: Any) -> dict[str, Any]:
        """Call a method with params by name; returns the result or raises
        the error's exception.  Calls may run concurrently."""
        merged = dict(params or {})
        merged.update(kw)
        return _wire.result_of(await self._request(method, merged))

    async def next_notification(self) -> dict[str, Any]:
        """The oldest notification no subscription took."""
        return await self._notes.get()

    # Sockets.
    async def socket(self, family: Any = "inet", type: Any = "stream",
                     protocol: Any = UNSET, scope: Any = "connection") -> AsyncSocket:
        res = await self.call("socket.create", family=family, type=type,
                              protocol=protocol, scope=scope)
        return AsyncSocket(self, res["handle"])

    def handle(self, handle: int) -> AsyncSocket:
        return AsyncSocket(self, handle)

    # Streaming.
    def subscribe(self, handle: int, credit: int | None = UNSET, encoding: Any = UNSET,
                  max_chunk: Any = UNSET) -> "AsyncSubscription":
        """An async iterator (and async context manager) over what the
        socket receives; subscribes on first use."""
        if credit is UNSET:
            credit = _wire.DEFAULT_CREDIT
        return AsyncSubscription(self, handle, credit, encoding, max_chunk)

    async def attach(self, handle: int, framing: str = "raw", shutdown_on_eof: Any = UNSET
                     ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Turn this connection into a byte pipe to the socket: returns a
        StreamReader and StreamWriter over it (write_eof() half-closes).
        The client makes no more calls afterwards."""
        if self._pending:
            raise RuntimeError("attach needs a connection with no call pending")
        try:
            reply = await self._request("socket.attach",
                                        {"handle": handle, "framing": framing,
                                         "shutdown_on_eof": shutdown_on_eof}, detach=True)
        finally:
            self._detach_id = None
        if "error" in reply:
            self._detached = False
            self._loop.add_reader(self.sock.fileno(), self._on_readable)
            self._dispatch_buffered()
            _wire.result_of(reply)
        rest, self._rbuf = self._rbuf, b""
        sock = self.sock
        self.closed = True
        self._fail(ConnectionClosed("the connection is attached"))
        reader = asyncio.StreamReader()
        if rest:
            reader.feed_data(rest)
        protocol = asyncio.StreamReaderProtocol(reader)
        transport, _ = await self._loop.connect_accepted_socket(lambda: protocol, sock=sock)
        writer = asyncio.StreamWriter(transport, protocol, reader, self._loop)
        return reader, writer

    async def export(self, handle: int, keep: bool = False) -> socket.socket:
        """The socket itself as a socket.socket (the daemon needs
        --allow-export); the daemon drops the handle unless keep."""
        id = self._next_id
        reply = await self._request("socket.export", {"handle": handle, "keep": keep},
                                    fds=True)
        fds = self._reply_fds.pop(id, [])
        try:
            _wire.result_of(reply)
        except BaseException:
            for fd in fds:
                os.close(fd)
            raise
        if not fds:
            raise ConnectionClosed("no descriptor came with the export reply")
        for fd in fds[1:]:
            os.close(fd)
        return socket.socket(fileno=fds[0])


class AsyncSubscription:
    """Chunks a subscription delivers, as an async iterator; ends at
    socket.eof, raises at socket.error; credit is granted back as chunks are
    taken.  ``async with`` unsubscribes on leaving early."""

    def __init__(self, client: AsyncClient, handle: int, credit: int | None,
                 encoding: Any, max_chunk: Any) -> None:
        self.client = client
        self.handle = handle
        self.result: dict[str, Any] | None = None
        self._params = {"handle": handle, "credit": credit, "encoding": encoding,
                        "max_chunk": max_chunk}
        self._follower = _wire.Follower(handle, credit)
        self._queue: asyncio.Queue[Any] = asyncio.Queue()

    async def start(self) -> "AsyncSubscription":
        if self.result is None:
            self.client._subs[self.handle] = self._queue
            try:
                self.result = await self.client.call("socket.subscribe", self._params)
            except BaseException:
                self.client._subs.pop(self.handle, None)
                raise
        return self

    def __aiter__(self) -> "AsyncSubscription":
        return self

    async def __aenter__(self) -> "AsyncSubscription":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def __anext__(self) -> Any:
        await self.start()
        while not self._follower.done:
            add = self._follower.grant()
            if add:
                try:
                    await self.client.call("socket.credit", handle=self.handle, add=add)
                except Exception as exc:
                    if not _wire.not_subscribed(exc):
                        raise
            note = await self._queue.get()
            if isinstance(note, BaseException):
                self._end()
                raise note
            try:
                item = self._follower.take(note)
            except BaseException:
                self._end()
                raise
            if item is not None:
                return item
        self._end()
        raise StopAsyncIteration

    def _end(self) -> None:
        self._follower.done = True
        if self.client._subs.get(self.handle) is self._queue:
            del self.client._subs[self.handle]

    async def close(self) -> None:
        """Unsubscribe unless the subscription has ended."""
        if self._follower.done or self.result is None:
            self._end()
            return
        self._end()
        if not self.client.closed:
            try:
                await self.client.call("socket.unsubscribe", handle=self.handle)
            except Exception as exc:
                if not _wire.not_subscribed(exc):
                    raise
