"""What the synchronous and asyncio clients share: framing, values, chunks.

Messages are compact JSON texts, one a line (PROTOCOL §1).  Bytes travel as
base64 ``data`` or UTF-8 ``text`` (§3); addresses go out as strings or
sockaddr objects.
"""

from __future__ import annotations

import base64
import json
from typing import Any, NamedTuple

from .errors import NetError, error_from_object

UNSET: Any = object()           # "param not given", distinct from None (null)

DEFAULT_CREDIT = 256 * 1024     # bytes a subscription may have in flight


class Datagram(NamedTuple):
    """One datagram from a subscription (``socket.datagram``)."""
    data: bytes | str
    address: dict[str, Any] | None
    seq: int
    truncated: bool


class Accepted(NamedTuple):
    """A listener's new connection from a subscription (``socket.accepted``)."""
    handle: int
    peer: dict[str, Any] | None


def encode(obj: Any) -> bytes:
    """One message as its line."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def request(id: int | None, method: str, params: dict[str, Any]) -> bytes:
    """A request line (a notification when id is None)."""
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if id is not None:
        msg["id"] = id
    clean = {k: v for k, v in params.items() if v is not UNSET}
    if clean:
        msg["params"] = clean
    return encode(msg)


def decode(line: bytes) -> Any:
    return json.loads(line.decode("utf-8"))


def is_reply(msg: Any) -> bool:
    return isinstance(msg, dict) and "id" in msg and ("result" in msg or "error" in msg)


def result_of(reply: dict[str, Any]) -> dict[str, Any]:
    """The result of a reply, or its error raised as an exception."""
    if "error" in reply:
        raise error_from_object(reply["error"])
    return reply["result"]


def payload(data: bytes | bytearray | memoryview | str) -> dict[str, str]:
    """``data`` (base64) for bytes, ``text`` for str."""
    if isinstance(data, str):
        return {"text": data}
    return {"data": base64.b64encode(bytes(data)).decode("ascii")}


def chunk_of(obj: dict[str, Any]) -> bytes | str:
    """The bytes (``data``) or string (``text``) carried by a result or notification."""
    if "text" in obj:
        return obj["text"]
    return base64.b64decode(obj.get("data", ""), validate=True)


def chunk_size(chunk: bytes | str) -> int:
    return len(chunk.encode("utf-8")) if isinstance(chunk, str) else len(chunk)


def address(addr: Any) -> Any:
    """A sockaddr param: a string or object as is; ``(host, port)`` as
    ``"host:port"`` (``"[v6]:port"``)."""
    if isinstance(addr, tuple) and len(addr) >= 2:
        host, port = str(addr[0]), int(addr[1])
        if ":" in host:
            return "[%s]:%d" % (host, port)
        return "%s:%d" % (host, port)
    return addr


def ms(timeout: Any) -> Any:
    """A timeout in seconds as the daemon's milliseconds (None: never)."""
    if timeout is UNSET or timeout is None:
        return timeout
    return max(0, int(round(float(timeout) * 1000)))


def how(value: Any) -> str:
    """A shutdown direction: "rd", "wr", "rdwr" or socket.SHUT_*."""
    if isinstance(value, int):
        return ("rd", "wr", "rdwr")[value]
    return value


class Follower:
    """The state of one subscription, whoever reads the connection: turns
    notifications into chunks and says how much credit to grant back."""

    def __init__(self, handle: int, credit: int | None) -> None:
        self.handle = handle
        self.credit = credit
        self.consumed = 0
        self.done = False

    def take(self, note: dict[str, Any]) -> Any:
        """The item a notification carries, or None when it carries none
        (paused) or ends the subscription (eof; an error is raised)."""
        method = note.get("method")
        params = note.get("params") or {}
        if method == "socket.data":
            chunk = chunk_of(params)
            self.consumed += chunk_size(chunk)
            return chunk
        if method == "socket.datagram":
            chunk = chunk_of(params)
            self.consumed += chunk_size(chunk)
            return Datagram(chunk, params.get("address"), params.get("seq", 0),
                            bool(params.get("truncated")))
        if method == "socket.accepted":
            self.consumed += 1
            return Accepted(params["accepted"], params.get("peer"))
        if method == "socket.eof":
            self.done = True
            return None
        if method == "socket.error":
            self.done = True
            raise error_from_object(params.get("error") or {})
        return None

    def grant(self) -> int:
        """Credit to add now (0: none yet): given back in batches of half
        the window, so the daemon never holds more than the window for us."""
        if self.credit is None or self.done:
            return 0
        if self.consumed >= max(1, self.credit // 2):
            add, self.consumed = self.consumed, 0
            return add
        return 0


def is_for(note: Any, handle: int) -> bool:
    """A streaming notification about this handle."""
    return (isinstance(note, dict) and "id" not in note
            and str(note.get("method", "")).startswith("socket.")
            and isinstance(note.get("params"), dict)
            and note["params"].get("handle") == handle)


def not_subscribed(exc: BaseException) -> bool:
    """The daemon's answer to credit or unsubscribe for a subscription that
    ended meanwhile (its eof or error notification is on its way)."""
    return type(exc) is NetError and getattr(exc, "errname", None) == "EINVAL"
