"""subscribe_fixture.py: what the subscription tests share
(test_subscribe.py, test_subscribe_kinds.py, test_subscribe_flow.py): reading
notifications off a harness client, the bytes of a data chunk, and
SubscribeCase, a DaemonTest with connected TCP and UDP sockets, subscribe and
socket.info calls, checks of notifications and of contiguous socket.data
offsets, and the -32602 check.
"""

import socket

import harness

MIB = 1 << 20

wait_until = harness.wait_until


def next_note(c):
    """The next notification on harness client c; replies that arrive in
    between are kept for c.wait.  Raises on EOF, and socket.timeout when
    nothing comes within the client's timeout."""
    while not c.notifications:
        msg = c.read_message()
        if msg is None:
            raise EOFError("daemon closed the connection")
        if isinstance(msg, dict) and "id" in msg and ("result" in msg or "error" in msg):
            c.replies[msg["id"]] = msg
        else:
            c.notifications.append(msg)
    return c.notifications.pop(0)


def chunk_bytes(params):
    """The bytes of a socket.data or socket.datagram notification."""
    if "text" in params:
        return params["text"].encode("utf-8")
    return harness.unb64(params["data"])


class SubscribeCase(harness.DaemonTest):
    """Helpers shared by the classes of this file."""

    def connected(self, client=None, timeout=10.0):
        """A daemon TCP socket connected to a Python peer: (handle, peer)."""
        c = client or self.c
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        self.addCleanup(lst.close)
        h = c.call("socket.create", {"family": "inet", "type": "stream"})["handle"]
        c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % lst.getsockname()[1]})
        peer, _ = lst.accept()
        peer.settimeout(timeout)
        peer.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.addCleanup(peer.close)
        return h, peer

    def udp_pair(self):
        """A bound daemon UDP socket and a Python UDP peer:
        (handle, daemon address object, peer socket)."""
        h = self.create("inet", "dgram")
        addr = self.c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})["address"]
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(10)
        self.addCleanup(peer.close)
        return h, addr, peer

    def connect_to(self, addr):
        """A Python client connected to "host:port" (closed at cleanup)."""
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=10)
        self.addCleanup(s.close)
        return s

    def subscribe(self, h, client=None, **params):
        c = client or self.c
        params["handle"] = h
        return c.call("socket.subscribe", params)

    def info(self, h):
        return self.c.call("socket.info", {"handle": h})

    def assertNote(self, note, method, h):
        """note is a JSON-RPC notification `method` about handle h; its params."""
        self.assertIsInstance(note, dict, note)
        self.assertEqual(note.get("jsonrpc"), "2.0", note)
        self.assertNotIn("id", note)
        self.assertEqual(note.get("method"), method, note)
        self.assertEqual(note["params"]["handle"], h, note)
        return note["params"]

    def take(self, c, h, offset, nbytes=None, end=None, max_chunk=None, exact=True):
        """Read socket.data notifications for h from c, starting at offset,
        until nbytes bytes came (exactly, unless exact is false) or a
        notification `end` arrives; checks that offsets are contiguous and
        chunks at most max_chunk bytes.  Returns (bytes, notes, end params
        or None); any other notification fails."""
        data, notes = bytearray(), []
        while nbytes is None or len(data) < nbytes:
            note = next_note(c)
            method = note.get("method")
            if end is not None and method == end:
                return bytes(data), notes, self.assertNote(note, end, h)
            p = self.assertNote(note, "socket.data", h)
            self.assertEqual(p["offset"], offset + len(data), "offsets not contiguous: %r" % p)
            chunk = chunk_bytes(p)
            self.assertGreater(len(chunk), 0, p)
            if max_chunk is not None:
                self.assertLessEqual(len(chunk), max_chunk, p)
            data += chunk
            notes.append(p)
        if exact:
            self.assertEqual(len(data), nbytes, "more bytes than sent")
        return bytes(data), notes, None

    def wait_connections(self, n):
        wait_until(lambda: self.c.call("daemon.stats")["connections"] <= n,
                   what="the daemon seeing the other connections go")

    def assertBadParam(self, method, params, param):
        err = self.c.error(method, params)
        self.assertError(err, -32602, param=param)
        return err
