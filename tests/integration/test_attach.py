"""test_attach.py: socket.attach turns the control connection into a raw
byte pipe to a socket (PROTOCOL "Streaming", settled in
streaming-contract.md).

What it proves: the reply line {} is the last JSON, after it bytes go
through untouched both ways, and bytes sent in the same write as the request
line already belong to the pipe; 1 GiB each way at once arrives whole (same
SHA-256); len4 framing keeps datagram boundaries both ways (up to 65507
bytes) and a longer client frame ends the pipe; half-close each way (client
EOF shuts down the socket's write side unless shutdown_on_eof is false,
socket EOF half-closes the client side, each side can still send), a full
close or a reset of either side closing both; the handle closed when the
pipe ends, kept (with shut_wr) when the client ended its side with a
half-close; 1013 for a subscribed or attached handle, for a connection with
a call pending and for a batch member, the connection staying JSON after a
refusal; and -32602 for each bad param.
"""

import hashlib
import json
import random
import socket
import struct
import threading

import harness

MIB = 1 << 20
NO_SUCH_HANDLE = 987654321


line = harness.request_line


wait_until = harness.wait_until


def recv_exactly(sock, n, have=b""):
    """n bytes from sock (have: bytes already read); fails at EOF."""
    buf = bytearray(have)
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise AssertionError("EOF after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return bytes(buf)


def recv_to_eof(sock, have=b""):
    """Every byte until EOF."""
    buf = bytearray(have)
    while True:
        chunk = sock.recv(1 << 16)
        if not chunk:
            return bytes(buf)
        buf += chunk


def closed_or_reset(sock):
    """Read until the other side closes: True at EOF or reset."""
    try:
        while sock.recv(1 << 16):
            pass
    except (ConnectionResetError, BrokenPipeError):
        pass
    return True


class Pump(threading.Thread):
    """Sends `total` bytes of a seeded random stream on sock, hashing as it
    goes, then (after the thread `after`, when given, has ended) shuts down
    its write side."""

    def __init__(self, sock, seed, total, after=None):
        super().__init__(daemon=True)
        self.sock, self.total, self.after = sock, total, after
        self.block = random.Random(seed).randbytes(MIB + 4099)
        self.sha = hashlib.sha256()
        self.sent = 0
        self.error = None

    def run(self):
        view = memoryview(self.block)
        try:
            i = 0
            while self.sent < self.total:
                start = (i * 4099) % 4100        # vary the alignment of each MiB
                chunk = view[start:start + min(MIB, self.total - self.sent)]
                self.sock.sendall(chunk)
                self.sha.update(chunk)
                self.sent += len(chunk)
                i += 1
            if self.after is not None:
                self.after.join(120)
            self.sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            self.error = e


class Drain(threading.Thread):
    """Reads sock to EOF, hashing; `have` is what was read before."""

    def __init__(self, sock, have=b""):
        super().__init__(daemon=True)
        self.sock = sock
        self.sha = hashlib.sha256(have)
        self.got = len(have)
        self.error = None

    def run(self):
        buf = bytearray(MIB)
        view = memoryview(buf)
        try:
            while True:
                n = self.sock.recv_into(buf)
                if n == 0:
                    return
                self.sha.update(view[:n])
                self.got += n
        except OSError as e:
            self.error = e


class AttachTest(harness.DaemonTest):

    # -- helpers ---------------------------------------------------------

    def connected(self, timeout=10.0):
        """A daemon TCP socket connected to a Python peer: (handle, peer)."""
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        self.addCleanup(lst.close)
        h = self.create()
        self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % lst.getsockname()[1]})
        peer, _ = lst.accept()
        peer.settimeout(timeout)
        self.addCleanup(peer.close)
        return h, peer

    def udp_pair(self):
        """A daemon UDP socket connected to a Python UDP peer (and back): (handle, peer)."""
        h = self.create("inet", "dgram")
        addr = self.c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})["address"]
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(10)
        self.addCleanup(peer.close)
        self.c.call("socket.connect", {"handle": h,
                                       "address": "127.0.0.1:%d" % peer.getsockname()[1]})
        peer.connect((addr["address"], addr["port"]))
        return h, peer

    def attach(self, h, extra=b"", s=None, timeout=10.0, **params):
        """Send socket.attach (and extra bytes in the same write): (control
        socket, reply, bytes read after the reply line)."""
        if s is None:
            s = self.raw_socket(timeout=timeout)
        params["handle"] = h
        s.sendall(line("socket.attach", params) + extra)
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(1 << 16)
            self.assertTrue(chunk, "daemon closed the connection before the reply")
            buf += chunk
        reply, rest = buf.split(b"\n", 1)
        return s, json.loads(reply), rest

    def attached(self, h, extra=b"", timeout=10.0, **params):
        s, reply, rest = self.attach(h, extra, timeout=timeout, **params)
        self.assertEqual(reply, {"jsonrpc": "2.0", "id": 1, "result": {}})
        return s, rest

    def info(self, h):
        return self.c.call("socket.info", {"handle": h})

    def gone(self, h):
        reply = self.c.wait(self.c.request("socket.info", {"handle": h}))
        if "error" in reply:
            self.assertEqual(reply["error"]["code"], 1010, reply)
            return True
        return False

    def wait_gone(self, h):
        wait_until(lambda: self.gone(h), what="handle %d closed" % h)

    def assertKeptOrClosed(self, h):
        """The pipe on h has ended: h is closed, or kept with shut_wr."""
        reply = self.c.wait(self.c.request("socket.info", {"handle": h}))
        if "error" in reply:
            self.assertEqual(reply["error"]["code"], 1010, reply)
        else:
            info = reply["result"]
            self.assertEqual((info["attached"], info["shut_wr"]), (False, True), info)

    def wait_connections(self, n):
        wait_until(lambda: self.c.call("daemon.stats")["connections"] <= n,
                   what="the daemon closing the other connections")

    def assertStillJson(self, s, id=99):
        """The connection s still speaks JSON-RPC: a ping is answered."""
        s.sendall(line("daemon.ping", {}, id=id))
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(1 << 16)
            self.assertTrue(chunk, "daemon closed the connection")
            buf += chunk
        self.assertEqual(json.loads(buf.split(b"\n")[0]),
                         {"jsonrpc": "2.0", "id": id, "result": {"pong": True}})

    # -- the pipe ----------------------------------------------------------

    def test_result_then_raw_bytes(self):
        h, peer = self.connected()
        s, rest = self.attached(h)
        self.assertEqual(rest, b"")
        self.assertTrue(self.info(h)["attached"])
        # a request line is only bytes now
        ping = line("daemon.ping", {}, id=7)
        s.sendall(b"\x00raw\xff\n" + ping)
        self.assertEqual(recv_exactly(peer, 6 + len(ping)), b"\x00raw\xff\n" + ping)
        back = b'pong\n{"jsonrpc":"2.0","id":7,"result":{}}\n\x00\xff'
        peer.sendall(back)
        peer.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_eof(s), back)

    def test_bytes_after_the_request_line_belong_to_the_pipe(self):
        h, peer = self.connected()
        extra = b'early bytes\n{"jsonrpc":"2.0","id":2,"method":"daemon.ping"}\n'
        s, rest = self.attached(h, extra=extra)
        self.assertEqual(rest, b"")
        self.assertEqual(recv_exactly(peer, len(extra)), extra)
        s.sendall(b"later")
        self.assertEqual(recv_exactly(peer, 5), b"later")

    def test_gib_each_way(self):
        total = 1 << 30
        h, peer = self.connected(timeout=60)
        s, rest = self.attached(h, timeout=60)
        up_send, up_recv, down_recv = Pump(s, 1, total), Drain(peer), Drain(s, rest)
        # the peer half-closes only once the client's half-close reached it:
        # the order of test_client_half_close, where the handle stays
        down_send = Pump(peer, 2, total, after=up_recv)
        threads = [up_send, up_recv, down_send, down_recv]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
            self.assertFalse(t.is_alive(), "a relay direction stalled")
        for t in threads:
            self.assertIsNone(t.error)
        self.assertEqual((up_send.sent, up_recv.got), (total, total))
        self.assertEqual((down_send.sent, down_recv.got), (total, total))
        self.assertEqual(up_recv.sha.hexdigest(), up_send.sha.hexdigest())
        self.assertEqual(down_recv.sha.hexdigest(), down_send.sha.hexdigest())
        # the client ended its side with a half-close: the handle stays
        self.wait_connections(1)
        info = self.info(h)
        self.assertEqual((info["attached"], info["shut_wr"]), (False, True), info)

    # -- len4 --------------------------------------------------------------

    @staticmethod
    def frames(datagrams):
        return b"".join(struct.pack(">I", len(d)) + d for d in datagrams)

    @staticmethod
    def read_frame(s, have=b""):
        """(one len4 frame's payload, bytes read beyond it)."""
        head = recv_exactly(s, 4, have[:4]) if len(have) < 4 else have[:4]
        rest = have[4:]
        n = struct.unpack(">I", head)[0]
        body = recv_exactly(s, n, rest[:n])
        return body, rest[n:]

    def test_len4_datagrams_both_ways(self):
        h, peer = self.udp_pair()
        s, rest = self.attached(h, framing="len4")
        rng = random.Random(9)
        grams = [b"a", b"datagram two", bytes(range(256)) * 4, b"\n" * 1400, rng.randbytes(9000)]
        s.sendall(self.frames(grams))          # all in one write
        for d in grams:
            self.assertEqual(peer.recv(70000), d)
        for d in reversed(grams):
            peer.send(d)
        got = []
        for _ in grams:
            d, rest = self.read_frame(s, rest)
            got.append(d)
        self.assertEqual(got, list(reversed(grams)))
        self.assertEqual(rest, b"")

    def test_len4_largest_datagram_both_ways(self):
        h, peer = self.udp_pair()
        s, rest = self.attached(h, framing="len4")
        big = random.Random(4).randbytes(65507)
        s.sendall(self.frames([big]))
        self.assertEqual(peer.recv(70000), big)
        peer.send(big[::-1])
        d, rest = self.read_frame(s, rest)
        self.assertEqual(d, big[::-1])

    def test_len4_frame_too_long_ends_the_pipe(self):
        h, peer = self.udp_pair()
        s, _ = self.attached(h, framing="len4")
        try:
            s.sendall(struct.pack(">I", 65508) + b"x" * 1000)
        except OSError:
            pass            # closed already
        self.assertTrue(closed_or_reset(s))
        self.wait_gone(h)

    # -- half-close, close, reset -----------------------------------------

    def test_client_half_close(self):
        h, peer = self.connected()
        s, rest = self.attached(h)
        s.sendall(b"request")
        s.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_eof(peer), b"request")     # peer sees EOF
        peer.sendall(b"response after your EOF")            # and can still answer
        peer.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_eof(s, rest), b"response after your EOF")
        self.wait_connections(1)                            # both ways done
        info = self.info(h)
        self.assertEqual((info["attached"], info["shut_wr"]), (False, True), info)
        self.c.call("socket.close", {"handle": h})

    def test_client_half_close_without_shutdown_on_eof(self):
        h, peer = self.connected()
        s, rest = self.attached(h, shutdown_on_eof=False)
        s.sendall(b"request")
        s.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_exactly(peer, 7), b"request")
        # the socket's write side stays open: no EOF for the peer
        peer.settimeout(0.5)
        with self.assertRaises(socket.timeout):
            peer.recv(10)
        peer.settimeout(10)
        self.assertFalse(self.info(h)["shut_wr"])
        peer.sendall(b"response")
        peer.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_eof(s, rest), b"response")
        self.wait_connections(1)
        info = self.info(h)
        self.assertEqual((info["attached"], info["shut_wr"]), (False, False), info)
        # the handle is usable again
        self.c.call("socket.send", {"handle": h, "text": "more"})
        self.assertEqual(recv_exactly(peer, 4), b"more")

    def test_peer_half_close(self):
        h, peer = self.connected()
        s, rest = self.attached(h)
        peer.sendall(b"all I say")
        peer.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_eof(s, rest), b"all I say")  # the client sees EOF
        s.sendall(b"still talking")                             # and can still send
        self.assertEqual(recv_exactly(peer, 13), b"still talking")
        s.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_eof(peer), b"")
        self.wait_connections(1)
        # Once the daemon has shut down its side of the control connection,
        # the client's half-close and its full close look the same (on a
        # UNIX socket both leave it fully shut down): kept or closed
        self.assertKeptOrClosed(h)

    def test_peer_half_close_then_client_close(self):
        h, peer = self.connected()
        s, rest = self.attached(h)
        peer.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_eof(s, rest), b"")
        s.close()
        # the socket's write side is shut down (or the socket closed)
        self.assertTrue(closed_or_reset(peer))
        self.wait_connections(1)
        self.assertKeptOrClosed(h)   # as in test_peer_half_close

    def test_client_close_closes_both(self):
        h, peer = self.connected()
        s, _ = self.attached(h)
        s.sendall(b"bye")
        self.assertEqual(recv_exactly(peer, 3), b"bye")
        s.close()
        self.assertTrue(closed_or_reset(peer))
        self.wait_gone(h)

    def test_peer_reset_closes_both(self):
        h, peer = self.connected()
        s, _ = self.attached(h)
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()
        self.assertTrue(closed_or_reset(s))
        self.wait_gone(h)
        self.wait_connections(1)

    # -- 1013 -------------------------------------------------------------

    def test_attach_subscribed_by_another_connection_1013(self):
        h, _ = self.connected()
        self.c.call("socket.subscribe", {"handle": h})
        s, reply, _ = self.attach(h)
        self.assertEqual(reply["error"]["code"], 1013, reply)
        self.assertStillJson(s)
        self.assertFalse(self.info(h)["attached"])

    def test_attach_subscribed_by_this_connection_1013(self):
        h, _ = self.connected()
        self.c.call("socket.subscribe", {"handle": h})
        self.assertError(self.c.error("socket.attach", {"handle": h}), 1013)
        self.assertEqual(self.c.call("daemon.ping"), {"pong": True})

    def test_attached_by_another_connection_1013(self):
        h, peer = self.connected()
        s, _ = self.attached(h)
        for method, params in (("socket.attach", {}), ("socket.subscribe", {}),
                               ("socket.receive", {"length": 10, "timeout": 100}),
                               ("socket.send", {"text": "x"})):
            params["handle"] = h
            self.assertError(self.c.error(method, params), 1013)
        info = self.info(h)
        self.assertEqual((info["attached"], info["subscribed"]), (True, False), info)
        # the pipe is untouched
        s.sendall(b"mine")
        self.assertEqual(recv_exactly(peer, 4), b"mine")

    def test_attach_with_a_call_pending_1013(self):
        lh, _ = self.listener()
        h, peer = self.connected()
        s = self.raw_socket()
        s.sendall(line("socket.accept", {"handle": lh, "timeout": 60000}, id="accept"))
        s, reply, _ = self.attach(h, s=s)       # the accept still waits
        self.assertEqual(reply["id"], 1, reply)
        self.assertEqual(reply.get("error", {}).get("code"), 1013, reply)
        self.assertStillJson(s)
        self.assertFalse(self.info(h)["attached"])

    def test_attach_as_batch_member_1013(self):
        h, _ = self.connected()
        s = self.raw_socket()
        s.sendall(b"[" + line("socket.attach", {"handle": h}, id="a").strip() + b"]\n")
        reply = json.loads(recv_line(s))
        self.assertEqual(len(reply), 1, reply)
        self.assertEqual((reply[0]["id"], reply[0]["error"]["code"]), ("a", 1013), reply)
        s.sendall(b"[" + line("daemon.ping", {}, id="p").strip() + b","
                  + line("socket.attach", {"handle": h}, id="a").strip() + b"]\n")
        reply = {r["id"]: r for r in json.loads(recv_line(s))}
        self.assertEqual(reply["p"]["result"], {"pong": True})
        self.assertEqual(reply["a"]["error"]["code"], 1013, reply)
        self.assertStillJson(s)
        self.assertFalse(self.info(h)["attached"])

    def test_attach_unknown_handle_1010(self):
        s, reply, _ = self.attach(NO_SUCH_HANDLE)
        self.assertEqual(reply["error"]["code"], 1010, reply)
        self.assertStillJson(s)

    # -- -32602, one bad input each ---------------------------------------

    def bad_attach(self, param, **params):
        h, _ = self.connected()
        params.setdefault("handle", h)
        err = self.c.error("socket.attach", params)
        self.assertError(err, -32602, param=param)
        self.assertFalse(self.info(h)["attached"])
        self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
        return err

    def test_framing_unknown(self):
        self.bad_attach("framing", framing="len2")

    def test_framing_not_a_string(self):
        self.bad_attach("framing", framing=4)

    def test_shutdown_on_eof_not_boolean(self):
        self.bad_attach("shutdown_on_eof", shutdown_on_eof="yes")

    def test_handle_missing(self):
        err = self.c.error("socket.attach", {"framing": "raw"})
        self.assertError(err, -32602, param="handle")

    def test_unknown_param(self):
        err = self.bad_attach("framming", framming="len4")
        self.assertEqual(err["data"].get("did_you_mean"), "framing", err)


def recv_line(s):
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(1 << 16)
        if not chunk:
            raise AssertionError("daemon closed the connection")
        buf += chunk
    return buf.split(b"\n", 1)[0]


if __name__ == "__main__":
    harness.main()
