"""Socket objects: a daemon handle used like a socket (the socket egg).

:class:`Socket` goes with the synchronous :class:`~sock6d.Client`,
:class:`AsyncSocket` with :class:`~sock6d.AsyncClient`; their methods are
named after the egg's procedures and return what the daemon returns, with
bytes as ``bytes``.  Timeouts are in seconds (None: never; omitted: the
session's default).  Leaving a ``with`` block closes the handle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._wire import UNSET, address, chunk_of, how, ms, payload

if TYPE_CHECKING:
    import socket as _stdsocket
    from .aio import AsyncClient, AsyncSubscription
    from .client import Attached, Client, Subscription


def _params(handle: int, **kw: Any) -> dict[str, Any]:
    kw["handle"] = handle
    return kw


class Socket:
    """A daemon socket handle driven through a synchronous Client."""

    def __init__(self, client: "Client", handle: int) -> None:
        self.client = client
        self.handle = handle
        self.closed = False

    def __repr__(self) -> str:
        return "<sock6d.Socket handle=%d%s>" % (self.handle, " closed" if self.closed else "")

    def __enter__(self) -> "Socket":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(force=True)

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.client.call(method, _params(self.handle, **params))

    def bind(self, addr: Any) -> dict[str, Any]:
        """Bind to an address; returns it as bound (port filled in)."""
        return self._call("socket.bind", address=address(addr))["address"]

    def listen(self, backlog: int = 10) -> None:
        self._call("socket.listen", backlog=backlog)

    def accept(self, timeout: Any = UNSET) -> "Socket":
        """The next connection, as a new Socket (its peer in ``.peer``)."""
        res = self._call("socket.accept", timeout=ms(timeout))
        return Socket(self.client, res["handle"])

    def connect(self, addr: Any, timeout: Any = UNSET) -> dict[str, Any]:
        """Connect; returns the peer's address."""
        return self._call("socket.connect", address=address(addr), timeout=ms(timeout))["peer"]

    def send(self, data: bytes | str, flags: Any = UNSET, timeout: Any = UNSET) -> int:
        """One send(2); returns the bytes sent (maybe fewer than given)."""
        return self._call("socket.send", flags=flags, timeout=ms(timeout), **payload(data))["bytes"]

    def send_all(self, data: bytes | str, flags: Any = UNSET, timeout: Any = UNSET,
                 send_size: Any = UNSET) -> int:
        """Send everything; returns the bytes sent."""
        return self._call("socket.send_all", flags=flags, timeout=ms(timeout),
                          send_size=send_size, **payload(data))["bytes"]

    def send_to(self, data: bytes | str, addr: Any, flags: Any = UNSET,
                timeout: Any = UNSET) -> int:
        return self._call("socket.send_to", address=address(addr), flags=flags,
                          timeout=ms(timeout), **payload(data))["bytes"]

    def receive(self, length: int, flags: Any = UNSET, timeout: Any = UNSET,
                encoding: Any = UNSET) -> bytes | str:
        """Up to length bytes; empty at end of file."""
        res = self._call("socket.receive", length=length, flags=flags,
                         timeout=ms(timeout), encoding=encoding)
        return chunk_of(res)

    def receive_from(self, length: int, flags: Any = UNSET, timeout: Any = UNSET,
                     encoding: Any = UNSET) -> tuple[bytes | str, dict[str, Any] | None]:
        """One datagram and its sender's address."""
        res = self._call("socket.receive_from", length=length, flags=flags,
                         timeout=ms(timeout), encoding=encoding)
        return chunk_of(res), res.get("address")

    def shutdown(self, how_: Any = "wr") -> None:
        """Shut down "rd", "wr" or "rdwr" (or socket.SHUT_*)."""
        self._call("socket.shutdown", how=how(how_))

    def close(self, force: bool = False) -> None:
        """Close the handle (force: never an error, as the egg's socket-close*)."""
        if self.closed:
            return
        self.closed = True
        if force and self.client.closed:
            return
        self._call("socket.close", force=force if force else UNSET)

    def getopt(self, name: str) -> Any:
        return self._call("socket.getopt", option=name)["value"]

    def setopt(self, name: str, value: Any) -> None:
        self._call("socket.setopt", option=name, value=value)

    @property
    def name(self) -> dict[str, Any] | None:
        """The local address, or None when unbound."""
        return self._call("socket.name")["address"]

    @property
    def peer(self) -> dict[str, Any] | None:
        """The peer's address, or None when not connected."""
        return self._call("socket.peer_name")["address"]

    def info(self) -> dict[str, Any]:
        return self._call("socket.info")

    def subscribe(self, credit: int | None = UNSET, encoding: Any = UNSET,
                  max_chunk: Any = UNSET) -> "Subscription":
        return self.client.subscribe(self.handle, credit=credit, encoding=encoding,
                                     max_chunk=max_chunk)

    def attach(self, framing: str = "raw", shutdown_on_eof: Any = UNSET) -> "Attached":
        return self.client.attach(self.handle, framing=framing, shutdown_on_eof=shutdown_on_eof)

    def export(self, keep: bool = False) -> "_stdsocket.socket":
        sock = self.client.export(self.handle, keep=keep)
        if not keep:
            self.closed = True
        return sock


class AsyncSocket:
    """A daemon socket handle driven through an AsyncClient."""

    def __init__(self, client: "AsyncClient", handle: int) -> None:
        self.client = client
        self.handle = handle
        self.closed = False

    def __repr__(self) -> str:
        return "<sock6d.AsyncSocket handle=%d%s>" % (self.handle, " closed" if self.closed else "")

    async def __aenter__(self) -> "AsyncSocket":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close(force=True)

    async def _call(self, method: str, **params: Any) -> dict[str, Any]:
        return await self.client.call(method, _params(self.handle, **params))

    async def bind(self, addr: Any) -> dict[str, Any]:
        return (await self._call("socket.bind", address=address(addr)))["address"]

    async def listen(self, backlog: int = 10) -> None:
        await self._call("socket.listen", backlog=backlog)

    async def accept(self, timeout: Any = UNSET) -> "AsyncSocket":
        res = await self._call("socket.accept", timeout=ms(timeout))
        return AsyncSocket(self.client, res["handle"])

    async def connect(self, addr: Any, timeout: Any = UNSET) -> dict[str, Any]:
        return (await self._call("socket.connect", address=address(addr),
                                 timeout=ms(timeout)))["peer"]

    async def send(self, data: bytes | str, flags: Any = UNSET, timeout: Any = UNSET) -> int:
        return (await self._call("socket.send", flags=flags, timeout=ms(timeout),
                                 **payload(data)))["bytes"]

    async def send_all(self, data: bytes | str, flags: Any = UNSET, timeout: Any = UNSET,
                       send_size: Any = UNSET) -> int:
        return (await self._call("socket.send_all", flags=flags, timeout=ms(timeout),
                                 send_size=send_size, **payload(data)))["bytes"]

    async def send_to(self, data: bytes | str, addr: Any, flags: Any = UNSET,
                      timeout: Any = UNSET) -> int:
        return (await self._call("socket.send_to", address=address(addr), flags=flags,
                                 timeout=ms(timeout), **payload(data)))["bytes"]

    async def receive(self, length: int, flags: Any = UNSET, timeout: Any = UNSET,
                      encoding: Any = UNSET) -> bytes | str:
        return chunk_of(await self._call("socket.receive", length=length, flags=flags,
                                         timeout=ms(timeout), encoding=encoding))

    async def receive_from(self, length: int, flags: Any = UNSET, timeout: Any = UNSET,
                           encoding: Any = UNSET) -> tuple[bytes | str, dict[str, Any] | None]:
        res = await self._call("socket.receive_from", length=length, flags=flags,
                               timeout=ms(timeout), encoding=encoding)
        return chunk_of(res), res.get("address")

    async def shutdown(self, how_: Any = "wr") -> None:
        await self._call("socket.shutdown", how=how(how_))

    async def close(self, force: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        if force and self.client.closed:
            return
        await self._call("socket.close", force=force if force else UNSET)

    async def getopt(self, name: str) -> Any:
        return (await self._call("socket.getopt", option=name))["value"]

    async def setopt(self, name: str, value: Any) -> None:
        await self._call("socket.setopt", option=name, value=value)

    async def name(self) -> dict[str, Any] | None:
        """The local address (a coroutine here, not a property)."""
        return (await self._call("socket.name"))["address"]

    async def peer(self) -> dict[str, Any] | None:
        """The peer's address (a coroutine here, not a property)."""
        return (await self._call("socket.peer_name"))["address"]

    async def info(self) -> dict[str, Any]:
        return await self._call("socket.info")

    def subscribe(self, credit: int | None = UNSET, encoding: Any = UNSET,
                  max_chunk: Any = UNSET) -> "AsyncSubscription":
        return self.client.subscribe(self.handle, credit=credit, encoding=encoding,
                                     max_chunk=max_chunk)

    async def attach(self, framing: str = "raw", shutdown_on_eof: Any = UNSET) -> Any:
        return await self.client.attach(self.handle, framing=framing,
                                        shutdown_on_eof=shutdown_on_eof)

    async def export(self, keep: bool = False) -> "_stdsocket.socket":
        sock = await self.client.export(self.handle, keep=keep)
        if not keep:
            self.closed = True
        return sock
