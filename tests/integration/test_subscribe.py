"""test_subscribe.py: data pushed by handle (PROTOCOL "Streaming", settled
in streaming-contract.md): socket.subscribe, socket.credit and
socket.unsubscribe with their notifications.

What it proves: the subscribe result (handle, buffered, offset); socket.data
chunks whose offsets are contiguous and count every byte taken from the
socket (socket.receive included), held bytes (read for a cancelled call, or
an incomplete UTF-8 tail) delivered first; socket.eof with the total and
socket.error on a reset, each ending the subscription; credit in bytes
(socket.paused when it runs out, socket.credit resuming, its result) and in
connections for a listener (socket.accepted, with new handles the
subscriber can use); 1013 for a second subscriber and for receive/accept on
a subscribed handle; the errors of credit and unsubscribe; -32602 for each
bad param; "text" chunks that never split a UTF-8 character; datagram
subscriptions (seq, address, truncated, credit, the kernel's drop count in
socket.info); a subscription that ends with its connection while the socket
stays, and a next subscriber that continues from the next offset with no
gap and no duplicate (64 MiB); socket.info's subscribed, credit and dropped;
1 GiB to a subscriber that stops reading now and then, with the same
SHA-256, the daemon's RSS under 64 MiB and the TCP peer's sends blocked
while the subscriber does not read; and a pending receive of a client whose
queue is above output_high, which takes nothing, then a new reader gets
every byte.
"""

import base64
import hashlib
import json
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time

import harness

MIB = 1 << 20
NO_SUCH_HANDLE = 987654321


def rss(pid):
    """The process's resident memory, in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS for %d" % pid)


def has_asan(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


wait_until = harness.wait_until


class Pattern:
    """A deterministic stream that can be checked at any offset: a random
    block of prime length repeated, so byte o is block[o % P]."""

    P = 1048573

    def __init__(self, seed):
        block = random.Random(seed).randbytes(self.P)
        self.view = memoryview(block + block[:MIB])

    def at(self, offset, n):
        """The n bytes (n <= 1 MiB) at offset."""
        assert n <= MIB
        start = offset % self.P
        return self.view[start:start + n]

    def matches(self, offset, data):
        """Whether data is the stream's bytes at offset."""
        for i in range(0, len(data), MIB):
            piece = data[i:i + MIB]
            if piece != self.at(offset + i, len(piece)):
                return False
        return True


class Sender(threading.Thread):
    """Sends total bytes of a pattern on sock, hashing as it goes, then
    shuts down its write side; sent is its progress, read by other threads."""

    def __init__(self, sock, pattern, total, piece=256 * 1024, shutdown=True):
        super().__init__(daemon=True)
        self.sock, self.pattern, self.total, self.piece = sock, pattern, total, piece
        self.shutdown = shutdown
        self.sent = 0
        self.sha = hashlib.sha256()
        self.error = None

    def run(self):
        try:
            while self.sent < self.total:
                chunk = self.pattern.at(self.sent, min(self.piece, self.total - self.sent))
                self.sock.sendall(chunk)
                self.sha.update(chunk)
                self.sent += len(chunk)
            if self.shutdown:
                self.sock.shutdown(socket.SHUT_WR)
        except OSError as e:
            self.error = e


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


# Run as another user: argv[2] is a JSON list of [method, params] sent on one
# connection to argv[1]; prints the whole replies as a JSON list.
CALLS = r"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rwb")
out = []
for n, (method, params) in enumerate(json.loads(sys.argv[2]), 1):
    f.write(json.dumps({"jsonrpc": "2.0", "id": n, "method": method,
                        "params": params}).encode() + b"\n")
    f.flush()
    out.append(json.loads(f.readline()))
print(json.dumps(out))
"""


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


class SubscribeTest(SubscribeCase):

    # -- the result and socket.data --------------------------------------

    def test_result_fields_and_first_data(self):
        h, peer = self.connected()
        r = self.subscribe(h)
        self.assertEqual(r, {"handle": h, "buffered": 0, "offset": 0})
        peer.sendall(b"hello")
        data, notes, _ = self.take(self.c, h, 0, 5)
        self.assertEqual(data, b"hello")
        self.assertEqual(set(notes[0]), {"handle", "offset", "data"})

    def test_offsets_contiguous_and_chunks_bounded(self):
        h, peer = self.connected()
        self.subscribe(h, max_chunk=1000)
        rng = random.Random(7)
        sent = bytearray()
        for _ in range(100):
            piece = rng.randbytes(rng.randint(1, 9000))
            peer.sendall(piece)
            sent += piece
        data, notes, _ = self.take(self.c, h, 0, len(sent), max_chunk=1000)
        self.assertEqual(data, bytes(sent))
        self.assertGreaterEqual(len(notes), len(sent) // 1000)

    def test_offset_counts_bytes_received_before(self):
        h, peer = self.connected()
        peer.sendall(b"hello world")
        r = self.c.call("socket.receive", {"handle": h, "length": 5, "flags": ["waitall"],
                                           "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), b"hello")
        r = self.subscribe(h)
        self.assertEqual(r["offset"], 5, r)
        data, _, _ = self.take(self.c, h, 5, 6)
        self.assertEqual(data, b" world")

    def test_bytes_held_by_a_cancelled_receive_come_first(self):
        h, peer = self.connected()
        with self.daemon.client() as a:
            # a waitall receive takes the 4 bytes and waits for more; its
            # client hangs up: the bytes stay held on the handle
            a.request("socket.receive", {"handle": h, "length": 10, "flags": ["waitall"],
                                         "timeout": None})
            a.call("daemon.ping")
            peer.sendall(b"held")
            wait_until(lambda: self.info(h)["bytes_in"] == 4, what="the receive taking 4 bytes")
        self.wait_connections(1)
        self.assertEqual(self.info(h)["buffered"], 4)
        peer.sendall(b"-after")   # waiting in the kernel behind the held bytes
        with self.daemon.client() as b:
            rid = b.request("socket.subscribe", {"handle": h})
            first = b.read_message()
            self.assertEqual(first.get("id"), rid, "notifications before the reply: %r" % first)
            self.assertEqual(first["result"], {"handle": h, "buffered": 4, "offset": 0})
            data, _, _ = self.take(b, h, 0, 10)
            self.assertEqual(data, b"held-after")

    def test_unsubscribe_holds_an_incomplete_utf8_tail(self):
        h, peer = self.connected()
        with self.daemon.client() as a:
            self.subscribe(h, client=a, encoding="text")
            peer.sendall(b"ab\xc3")
            p = self.assertNote(next_note(a), "socket.data", h)
            self.assertEqual((p["offset"], p.get("text")), (0, "ab"), p)
            wait_until(lambda: self.info(h)["bytes_in"] == 3, what="the daemon reading 3 bytes")
            self.assertEqual(a.call("socket.unsubscribe", {"handle": h}), {"buffered": 1})
            info = self.info(h)
            self.assertEqual((info["subscribed"], info["buffered"]), (False, 1), info)
        with self.daemon.client() as b:
            r = self.subscribe(h, client=b)
            self.assertEqual(r, {"handle": h, "buffered": 1, "offset": 2})
            peer.sendall(b"\xa9!")
            data, _, _ = self.take(b, h, 2, 3)
            self.assertEqual(data, b"\xc3\xa9!")

    def test_receive_after_unsubscribe_continues(self):
        h, peer = self.connected()
        self.subscribe(h)
        peer.sendall(b"first")
        self.assertEqual(self.take(self.c, h, 0, 5)[0], b"first")
        self.assertEqual(self.c.call("socket.unsubscribe", {"handle": h}), {"buffered": 0})
        peer.sendall(b"second")
        r = self.c.call("socket.receive", {"handle": h, "length": 6, "flags": ["waitall"],
                                           "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), b"second")
        # and a new subscription counts those bytes
        self.assertEqual(self.subscribe(h)["offset"], 11)

    def test_send_on_subscribed_handle_works(self):
        h, peer = self.connected()
        self.subscribe(h)
        self.assertEqual(self.c.call("socket.send", {"handle": h, "text": "out"}), {"bytes": 3})
        self.assertEqual(peer.recv(10), b"out")

    # -- the end of the stream ------------------------------------------

    def test_eof_offset_is_the_total(self):
        h, peer = self.connected()
        self.subscribe(h)
        sent = random.Random(3).randbytes(100000)
        peer.sendall(sent)
        peer.shutdown(socket.SHUT_WR)
        data, _, eof = self.take(self.c, h, 0, end="socket.eof")
        self.assertEqual(data, sent)
        self.assertEqual(eof, {"handle": h, "offset": len(sent)})
        info = self.info(h)     # the subscription ended, the handle stays
        self.assertEqual((info["subscribed"], info["credit"]), (False, None), info)

    def test_error_on_reset(self):
        h, peer = self.connected()
        self.subscribe(h)
        self.c.call("daemon.ping")
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()
        p = self.assertNote(next_note(self.c), "socket.error", h)
        self.assertEqual(set(p), {"handle", "error"})
        err = p["error"]
        self.assertEqual(err["code"], 1000, err)
        self.assertEqual(err["data"]["errname"], "ECONNRESET", err)
        self.assertIsInstance(err["message"], str)
        self.assertFalse(self.info(h)["subscribed"])

    def test_close_ends_the_subscription(self):
        h, _ = self.connected()
        self.subscribe(h)
        self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
        self.assertError(self.c.error("socket.credit", {"handle": h, "add": 1}), 1010)
        self.assertError(self.c.error("socket.unsubscribe", {"handle": h}), 1010)

    # -- credit ----------------------------------------------------------

    def test_credit_bounds_delivery_then_paused(self):
        h, peer = self.connected()
        self.assertEqual(self.subscribe(h, credit=1000)["offset"], 0)
        sent = random.Random(5).randbytes(5000)
        peer.sendall(sent)
        data, _, paused = self.take(self.c, h, 0, end="socket.paused")
        self.assertEqual(paused, {"handle": h})
        self.assertEqual(data, sent[:1000])
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"]), (True, 0), info)
        # credit resumes; at most its amount comes, then paused again
        r = self.c.call("socket.credit", {"handle": h, "add": 1500})
        self.assertEqual(set(r), {"credit"})
        self.assertTrue(0 <= r["credit"] <= 1500, r)
        more, _, _ = self.take(self.c, h, 1000, end="socket.paused")
        self.assertEqual(more, sent[1000:2500])
        # more credit than bytes: all of them, no pause, the rest left over
        self.c.call("socket.credit", {"handle": h, "add": 10000})
        rest, _, _ = self.take(self.c, h, 2500, 2500)
        self.assertEqual(rest, sent[2500:])
        self.assertEqual(self.info(h)["credit"], 7500)

    def test_credit_result(self):
        h, _ = self.connected()
        r = self.subscribe(h, credit=0)
        self.assertEqual(r, {"handle": h, "buffered": 0, "offset": 0})
        self.assertEqual(self.info(h)["credit"], 0)
        self.assertEqual(self.c.call("socket.credit", {"handle": h, "add": 10}), {"credit": 10})
        self.assertEqual(self.c.call("socket.credit", {"handle": h, "add": 5}), {"credit": 15})
        self.assertEqual(self.info(h)["credit"], 15)
        h2, _ = self.connected()
        self.subscribe(h2)  # unlimited
        self.assertEqual(self.c.call("socket.credit", {"handle": h2, "add": 10}), {"credit": None})

    def test_credit_zero_reads_nothing_until_credit(self):
        h, peer = self.connected()
        self.subscribe(h, credit=0)
        peer.sendall(b"0123456789")
        for _ in range(50):
            self.assertEqual(self.info(h)["bytes_in"], 0)
        self.c.call("socket.credit", {"handle": h, "add": 4})
        # (a socket.paused for the initial 0 is allowed before the data)
        note = next_note(self.c)
        if note.get("method") == "socket.paused":
            note = next_note(self.c)
        self.c.notifications.insert(0, note)
        data, _, _ = self.take(self.c, h, 0, end="socket.paused")
        self.assertEqual(data, b"0123")
        self.assertEqual(self.info(h)["credit"], 0)

    # -- 1013 ------------------------------------------------------------

    def test_second_subscribe_same_connection_1013(self):
        h, _ = self.connected()
        self.subscribe(h)
        self.assertError(self.c.error("socket.subscribe", {"handle": h}), 1013)
        self.assertTrue(self.info(h)["subscribed"])

    def test_second_subscribe_other_connection_1013(self):
        h, peer = self.connected()
        self.subscribe(h)
        with self.daemon.client() as other:
            self.assertError(other.error("socket.subscribe", {"handle": h}), 1013)
        # the first subscription is untouched
        peer.sendall(b"still mine")
        self.assertEqual(self.take(self.c, h, 0, 10)[0], b"still mine")

    def test_receive_on_subscribed_handle_1013(self):
        h, _ = self.connected()
        self.subscribe(h)
        self.assertError(self.c.error("socket.receive", {"handle": h, "length": 10,
                                                         "timeout": 100}), 1013)
        with self.daemon.client() as other:
            self.assertError(other.error("socket.receive", {"handle": h, "length": 10,
                                                            "timeout": 100}), 1013)
            self.assertError(other.error("socket.receive_from", {"handle": h, "length": 10,
                                                                 "timeout": 100}), 1013)

    def test_receive_on_subscribed_datagram_socket_1013(self):
        h, _, _ = self.udp_pair()
        self.subscribe(h)
        self.assertError(self.c.error("socket.receive_from", {"handle": h, "length": 10,
                                                              "timeout": 100}), 1013)
        self.assertError(self.c.error("udp.receive_from", {"handle": h, "length": 10,
                                                           "timeout": 100}), 1013)

    def test_accept_on_subscribed_listener_1013(self):
        h, _ = self.listener()
        self.subscribe(h)
        self.assertError(self.c.error("socket.accept", {"handle": h, "timeout": 100}), 1013)
        self.assertError(self.c.error("tcp.accept", {"handle": h, "timeout": 100}), 1013)

    def test_subscribe_with_pending_receive_1013(self):
        h, peer = self.connected()
        with self.daemon.client() as a:
            a.request("socket.receive", {"handle": h, "length": 10, "timeout": None})
            a.call("daemon.ping")
            self.assertError(self.c.error("socket.subscribe", {"handle": h}), 1013)
        self.wait_connections(1)
        self.assertFalse(self.info(h)["subscribed"])

    def test_subscribe_with_pending_accept_1013(self):
        h, _ = self.listener()
        with self.daemon.client() as a:
            a.request("socket.accept", {"handle": h, "timeout": None})
            a.call("daemon.ping")
            self.assertError(self.c.error("socket.subscribe", {"handle": h}), 1013)

    # -- credit and unsubscribe errors ----------------------------------

    def assertNotSubscribedError(self, err):
        self.assertError(err, 1000, errname="EINVAL")
        self.assertIn("not subscribed", err["message"])

    def test_credit_not_subscribed(self):
        h, _ = self.connected()
        self.assertNotSubscribedError(self.c.error("socket.credit", {"handle": h, "add": 1}))

    def test_unsubscribe_not_subscribed(self):
        h, _ = self.connected()
        self.assertNotSubscribedError(self.c.error("socket.unsubscribe", {"handle": h}))
        self.subscribe(h)
        self.c.call("socket.unsubscribe", {"handle": h})
        self.assertNotSubscribedError(self.c.error("socket.unsubscribe", {"handle": h}))

    def test_credit_and_unsubscribe_by_another_connection_1013(self):
        h, _ = self.connected()
        self.subscribe(h, credit=10)
        with self.daemon.client() as other:
            self.assertError(other.error("socket.credit", {"handle": h, "add": 1}), 1013)
            self.assertError(other.error("socket.unsubscribe", {"handle": h}), 1013)
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"]), (True, 10), info)

    def test_unknown_handle_1010(self):
        for method, params in (("socket.subscribe", {}), ("socket.credit", {"add": 1}),
                               ("socket.unsubscribe", {})):
            params["handle"] = NO_SUCH_HANDLE
            self.assertError(self.c.error(method, params), 1010)

    def test_other_users_handle_1010(self):
        users, why = harness.other_users("nobody")
        if users is None:
            self.skipTest(why)
        h, _ = self.connected()
        calls = [["socket.subscribe", {"handle": h}], ["socket.credit", {"handle": h, "add": 1}],
                 ["socket.unsubscribe", {"handle": h}]]
        out = subprocess.run(harness.setpriv(users[0]) + (sys.executable, "-c", CALLS,
                                                          self.daemon.path, json.dumps(calls)),
                             stdout=subprocess.PIPE, timeout=30, check=True, cwd="/").stdout
        for reply in json.loads(out):
            self.assertEqual(reply["error"]["code"], 1010, reply)
        self.assertFalse(self.info(h)["subscribed"])

    # -- -32602, one bad input each --------------------------------------

    def bad_subscribe(self, param, **params):
        h, _ = self.connected()
        params["handle"] = h
        self.assertBadParam("socket.subscribe", params, param)
        self.assertFalse(self.info(h)["subscribed"])

    def test_subscribe_credit_negative(self):
        self.bad_subscribe("credit", credit=-1)

    def test_subscribe_credit_string(self):
        self.bad_subscribe("credit", credit="10")

    def test_subscribe_credit_fraction(self):
        self.bad_subscribe("credit", credit=1.5)

    def test_subscribe_credit_boolean(self):
        self.bad_subscribe("credit", credit=True)

    def test_subscribe_max_chunk_zero(self):
        self.bad_subscribe("max_chunk", max_chunk=0)

    def test_subscribe_max_chunk_negative(self):
        self.bad_subscribe("max_chunk", max_chunk=-5)

    def test_subscribe_max_chunk_above_max_receive(self):
        self.bad_subscribe("max_chunk", max_chunk=MIB + 1)   # max_receive is 1 MiB

    def test_subscribe_max_chunk_string(self):
        self.bad_subscribe("max_chunk", max_chunk="64k")

    def test_subscribe_encoding_unknown(self):
        self.bad_subscribe("encoding", encoding="x")

    def test_subscribe_encoding_not_a_string(self):
        self.bad_subscribe("encoding", encoding=1)

    def test_subscribe_handle_missing(self):
        self.assertBadParam("socket.subscribe", {"credit": 10}, "handle")

    def test_subscribe_unknown_param(self):
        h, _ = self.connected()
        err = self.assertBadParam("socket.subscribe", {"handle": h, "credits": 10}, "credits")
        self.assertEqual(err["data"].get("did_you_mean"), "credit", err)

    def bad_credit(self, param, **params):
        h, _ = self.connected()
        self.subscribe(h, credit=5)
        params["handle"] = h
        self.assertBadParam("socket.credit", params, param)
        self.assertEqual(self.info(h)["credit"], 5)

    def test_credit_add_zero(self):
        self.bad_credit("add", add=0)

    def test_credit_add_negative(self):
        self.bad_credit("add", add=-3)

    def test_credit_add_missing(self):
        self.bad_credit("add")

    def test_credit_add_string(self):
        self.bad_credit("add", add="5")

    def test_credit_add_null(self):
        self.bad_credit("add", add=None)

    def test_unsubscribe_handle_missing(self):
        self.assertBadParam("socket.unsubscribe", {}, "handle")

    # -- encoding "text" -------------------------------------------------

    def test_text_never_splits_a_character(self):
        h, peer = self.connected()
        self.subscribe(h, encoding="text", max_chunk=5)
        text = "plain é ü € ✓ 𝄞 日本語 " * 6 + "𝄞𝄞é€"
        raw = text.encode("utf-8")
        for i in range(len(raw)):       # one byte per segment (TCP_NODELAY)
            peer.sendall(raw[i:i + 1])
        got, notes, _ = self.take(self.c, h, 0, len(raw), max_chunk=5)
        self.assertEqual(got, raw)
        for p in notes:
            self.assertIn("text", p, "a whole-UTF-8 chunk sent as data: %r" % p)
            self.assertNotIn("data", p)
        self.assertEqual("".join(p["text"] for p in notes), text)

    def test_text_invalid_utf8_is_data(self):
        h, peer = self.connected()
        self.subscribe(h, encoding="text")
        sent = b"\xff\xfe ok"
        peer.sendall(sent)
        got, notes, _ = self.take(self.c, h, 0, len(sent))
        self.assertEqual(got, sent)
        bad = [p for p in notes if b"\xff" in chunk_bytes(p)]
        self.assertEqual(len(bad), 1)
        self.assertIn("data", bad[0])
        self.assertNotIn("text", bad[0])

    def test_text_tail_at_eof_sent_as_data(self):
        h, peer = self.connected()
        self.subscribe(h, encoding="text")
        peer.sendall(b"ab\xc3")
        peer.shutdown(socket.SHUT_WR)
        got, notes, eof = self.take(self.c, h, 0, end="socket.eof")
        self.assertEqual(got, b"ab\xc3")
        self.assertEqual(eof["offset"], 3)
        self.assertEqual(notes[0].get("text"), "ab", notes)
        self.assertEqual(notes[-1]["offset"], 2, notes)
        self.assertEqual(harness.unb64(notes[-1]["data"]), b"\xc3")
        self.assertNotIn("text", notes[-1])

    # -- datagram sockets -------------------------------------------------

    def next_datagram(self, h):
        return self.assertNote(next_note(self.c), "socket.datagram", h)

    def test_datagrams_seq_address_truncated(self):
        h, daddr, peer = self.udp_pair()
        r = self.subscribe(h, max_chunk=10)
        self.assertEqual(r, {"handle": h, "buffered": 0, "offset": 0})
        sent = [b"short", b"0123456789abcdef", b"x" * 10, b"\x00\xff"]
        for d in sent:
            peer.sendto(d, (daddr["address"], daddr["port"]))
        port = peer.getsockname()[1]
        for seq, d in enumerate(sent):
            p = self.next_datagram(h)
            self.assertEqual(set(p), {"handle", "seq", "data", "address", "truncated"})
            self.assertEqual(p["seq"], seq)
            self.assertEqual(harness.unb64(p["data"]), d[:10])
            self.assertEqual(p["truncated"], len(d) > 10, p)
            self.assertEqual((p["address"]["family"], p["address"]["address"], p["address"]["port"]),
                             ("inet", "127.0.0.1", port), p)

    def test_datagram_seq_counts_receive(self):
        h, daddr, peer = self.udp_pair()
        dest = (daddr["address"], daddr["port"])
        peer.sendto(b"one", dest)
        r = self.c.call("socket.receive_from", {"handle": h, "length": 100, "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), b"one")
        self.assertEqual(self.subscribe(h, encoding="text")["offset"], 1)
        peer.sendto(b"two", dest)
        p = self.next_datagram(h)
        self.assertEqual((p["seq"], p.get("text"), p["truncated"]), (1, "two", False), p)

    def test_datagram_credit_counts_bytes(self):
        h, daddr, peer = self.udp_pair()
        self.subscribe(h, credit=200)
        dest = (daddr["address"], daddr["port"])
        sent = [bytes([65 + i]) * 100 for i in range(4)]
        for d in sent:
            peer.sendto(d, dest)
        for seq in range(2):
            self.assertEqual(harness.unb64(self.next_datagram(h)["data"]), sent[seq])
        self.assertNote(next_note(self.c), "socket.paused", h)
        self.c.call("socket.credit", {"handle": h, "add": 100})
        p = self.next_datagram(h)
        self.assertEqual((p["seq"], harness.unb64(p["data"])), (2, sent[2]))
        self.assertNote(next_note(self.c), "socket.paused", h)
        self.c.call("socket.credit", {"handle": h, "add": 1000})
        p = self.next_datagram(h)
        self.assertEqual((p["seq"], harness.unb64(p["data"])), (3, sent[3]))
        wait_until(lambda: self.info(h)["credit"] == 900, what="credit 900 left")

    def test_datagram_drops_reported_in_info(self):
        h, daddr, peer = self.udp_pair()
        self.assertEqual(self.info(h)["dropped"], 0)
        self.c.call("socket.setopt", {"handle": h, "option": "so-receive-buffer", "value": 4096})
        self.subscribe(h, credit=0)
        dest = (daddr["address"], daddr["port"])
        for i in range(200):     # far more than the kernel queue holds
            peer.sendto(b"%04d" % i + b"." * 996, dest)
        self.c.call("socket.credit", {"handle": h, "add": 1 << 30})
        # the kernel tells its drop count with the next datagram queued:
        # send markers until one comes through
        seqs, marker, deadline = [], None, time.monotonic() + 10
        self.c.sock.settimeout(0.2)
        try:
            while marker is None:
                self.assertLess(time.monotonic(), deadline, "no marker datagram came")
                peer.sendto(b"marker", dest)
                try:
                    while True:
                        note = next_note(self.c)
                        if note.get("method") == "socket.paused":
                            continue
                        p = self.assertNote(note, "socket.datagram", h)
                        seqs.append(p["seq"])
                        if harness.unb64(p["data"]) == b"marker":
                            marker = p
                            break
                except socket.timeout:
                    pass
        finally:
            self.c.sock.settimeout(10)
        self.assertEqual(seqs, list(range(len(seqs))))
        dropped = self.info(h)["dropped"]
        self.assertGreater(dropped, 0)
        self.assertLessEqual(dropped, 200 + 100)

    # -- listeners -------------------------------------------------------

    def connect_to(self, addr):
        host, port = addr.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=10)
        self.addCleanup(s.close)
        return s

    def test_listener_accepted_handles_are_usable(self):
        h, addr = self.listener()
        self.subscribe(h)
        clients = [self.connect_to(addr) for _ in range(2)]
        ports = {}
        for _ in clients:
            p = self.assertNote(next_note(self.c), "socket.accepted", h)
            self.assertEqual(set(p), {"handle", "accepted", "peer"})
            self.assertEqual(p["peer"]["family"], "inet")
            ports[p["peer"]["port"]] = p["accepted"]
        by_client = [ports[s.getsockname()[1]] for s in clients]
        self.assertEqual(len(set(by_client)), 2)
        for s, a in zip(clients, by_client):
            info = self.info(a)
            self.assertEqual((info["scope"], info["owner"], info["subscribed"]),
                             ("daemon", os.getuid(), False), info)
            self.c.call("socket.send", {"handle": a, "text": "hi %d" % a})
            self.assertEqual(s.recv(100), b"hi %d" % a)
            s.sendall(b"back")
            r = self.c.call("socket.receive", {"handle": a, "length": 4, "flags": ["waitall"],
                                               "timeout": 5000})
            self.assertEqual(harness.unb64(r["data"]), b"back")

    def test_listener_accepted_inherit_connection_scope(self):
        h = self.create(scope="connection")
        addr = self.c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})["address"]
        self.c.call("socket.listen", {"handle": h})
        self.subscribe(h)
        self.connect_to(addr["string"])
        p = self.assertNote(next_note(self.c), "socket.accepted", h)
        self.assertEqual(self.info(p["accepted"])["scope"], "connection")

    def test_listener_credit_counts_connections(self):
        h, addr = self.listener()
        self.subscribe(h, credit=2)
        handles = self.c.call("daemon.stats")["handles"]
        for _ in range(3):
            self.connect_to(addr)
        accepted = [self.assertNote(next_note(self.c), "socket.accepted", h)["accepted"]
                    for _ in range(2)]
        self.assertNote(next_note(self.c), "socket.paused", h)
        for _ in range(30):     # the third waits in the backlog
            self.assertEqual(self.c.call("daemon.stats")["handles"], handles + 2)
        self.assertEqual(self.info(h)["credit"], 0)
        self.c.call("socket.credit", {"handle": h, "add": 1})
        third = self.assertNote(next_note(self.c), "socket.accepted", h)["accepted"]
        self.assertNotIn(third, accepted)
        self.assertNote(next_note(self.c), "socket.paused", h)
        self.assertEqual(self.c.call("daemon.stats")["handles"], handles + 3)

    # -- ending with the connection --------------------------------------

    def test_subscription_ends_with_its_connection(self):
        h, peer = self.connected()
        a = self.daemon.client()
        self.subscribe(h, client=a)
        peer.sendall(b"to a")
        self.assertEqual(self.take(a, h, 0, 4)[0], b"to a")
        a.close()
        wait_until(lambda: not self.info(h)["subscribed"], what="the subscription ending")
        info = self.info(h)
        self.assertEqual((info["scope"], info["state"]), ("daemon", "connected"), info)
        self.assertEqual(self.subscribe(h)["offset"], 4)
        peer.sendall(b"to c")
        self.assertEqual(self.take(self.c, h, 4, 4)[0], b"to c")

    def test_next_subscriber_continues_where_credit_ended(self):
        # (b) a peer streams 64 MiB; subscriber 1 takes part (its credit),
        # then disconnects abruptly; subscriber 2 gets the rest: no gap, no
        # duplicate
        total, credit = 64 * MIB, 16 * MIB + 12345
        h, peer = self.connected(timeout=60)
        pattern = Pattern(11)
        sender = Sender(peer, pattern, total)
        a = self.daemon.client(timeout=30)
        self.subscribe(h, client=a, credit=credit)
        sender.start()
        first, _, _ = self.take(a, h, 0, end="socket.paused")
        self.assertEqual(len(first), credit)
        a.close()   # no unsubscribe
        wait_until(lambda: not self.info(h)["subscribed"], what="the subscription ending")
        with self.daemon.client(timeout=30) as b:
            r = self.subscribe(h, client=b)
            self.assertEqual(r["offset"], credit, r)
            rest, _, eof = self.take(b, h, credit, end="socket.eof")
        sender.join(30)
        self.assertIsNone(sender.error)
        self.assertEqual(eof["offset"], total)
        self.assertEqual(len(first) + len(rest), total)
        self.assertEqual(hashlib.sha256(first + rest).hexdigest(), sender.sha.hexdigest())

    def test_next_subscriber_after_disconnect_mid_flow(self):
        # subscriber 1 has unlimited credit and leaves with notifications
        # unread: what it never read went with its connection; subscriber 2
        # starts at or after the end of what 1 read, and from there every
        # byte comes once, in order, to the end
        total = 64 * MIB
        h, peer = self.connected(timeout=60)
        pattern = Pattern(13)
        sender = Sender(peer, pattern, total)
        a = self.daemon.client(timeout=30)
        self.subscribe(h, client=a)
        sender.start()
        first, _, _ = self.take(a, h, 0, 8 * MIB, exact=False)
        a.close()
        wait_until(lambda: not self.info(h)["subscribed"], what="the subscription ending")
        with self.daemon.client(timeout=30) as b:
            r = self.subscribe(h, client=b)
            start = r["offset"]
            self.assertGreaterEqual(start, len(first), r)
            got = 0
            while True:
                note = next_note(b)
                if note.get("method") == "socket.eof":
                    self.assertEqual(self.assertNote(note, "socket.eof", h)["offset"], total)
                    break
                p = self.assertNote(note, "socket.data", h)
                self.assertEqual(p["offset"], start + got)
                chunk = chunk_bytes(p)
                self.assertEqual(chunk, pattern.at(p["offset"], len(chunk)),
                                 "wrong bytes at offset %d" % p["offset"])
                got += len(chunk)
        sender.join(30)
        self.assertIsNone(sender.error)
        self.assertEqual(start + got, total)
        self.assertTrue(pattern.matches(0, first), "subscriber 1 got wrong bytes")
        self.assertEqual(self.info(h)["bytes_in"], total)

    # -- socket.info -----------------------------------------------------

    def test_info_fields(self):
        h, _ = self.connected()
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["attached"], info["credit"], info["dropped"]),
                         (False, False, None, 0), info)
        self.subscribe(h, credit=100)
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"], info["dropped"]), (True, 100, 0), info)
        self.c.call("socket.unsubscribe", {"handle": h})
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"]), (False, None), info)
        self.subscribe(h)
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"]), (True, None), info)
        listed = [s for s in self.c.call("socket.list")["sockets"] if s["handle"] == h]
        self.assertEqual(listed[0]["subscribed"], True)


class BigStreamTest(SubscribeCase):
    """(a) 1 GiB from a TCP peer to a subscriber that stops reading for
    about 2 s three times."""

    TOTAL = 1 << 30
    PAUSE = 2.0
    PAUSE_AT = (TOTAL // 4, TOTAL // 2, 3 * TOTAL // 4)
    RSS_BOUND = 64 * MIB

    @harness.skip_under_wrapper(harness.RSS_UNDER_WRAPPER)
    def test_gib_with_pauses(self):
        pid = self.daemon.proc.pid
        h, peer = self.connected(timeout=60)
        sender = Sender(peer, Pattern(17), self.TOTAL, piece=MIB)
        s = self.raw_socket(timeout=60)
        s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"socket.subscribe","params":{"handle":%d}}\n' % h)
        f = s.makefile("rb", buffering=MIB)
        reply = json.loads(f.readline())
        self.assertEqual(reply.get("result"), {"handle": h, "buffered": 0, "offset": 0}, reply)

        samples = []            # (time, bytes the peer has sent, daemon RSS)
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                samples.append((time.monotonic(), sender.sent, rss(pid)))
                stop.wait(0.02)  # sampling interval

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        sender.start()
        sha, offset, pauses, todo = hashlib.sha256(), 0, [], list(self.PAUSE_AT)
        try:
            while True:
                line = f.readline()
                self.assertTrue(line.endswith(b"\n"), "connection ended at offset %d" % offset)
                note = json.loads(line)
                self.assertNotIn("id", note)
                method, p = note.get("method"), note.get("params", {})
                self.assertEqual(p.get("handle"), h, note)
                if method == "socket.eof":
                    self.assertEqual(p["offset"], self.TOTAL)
                    break
                self.assertEqual(method, "socket.data", note)
                self.assertEqual(p["offset"], offset)
                chunk = base64.b64decode(p["data"])
                sha.update(chunk)
                offset += len(chunk)
                if todo and offset >= todo[0]:
                    todo.pop(0)
                    t0 = time.monotonic()
                    time.sleep(self.PAUSE)  # the subscriber stops reading
                    pauses.append((t0, time.monotonic()))
        finally:
            stop.set()
            sampler.join(5)
            if offset < self.TOTAL:     # failing: unblock the sender
                try:
                    peer.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            sender.join(60)
        self.assertIsNone(sender.error)
        self.assertEqual(offset, self.TOTAL)
        self.assertEqual(sha.hexdigest(), sender.sha.hexdigest())
        if not has_asan(pid):
            peak = max(r for _, _, r in samples)
            self.assertLess(peak, self.RSS_BOUND, "daemon RSS reached %d MiB" % (peak >> 20))
        # while the subscriber does not read, the peer's send blocks: its
        # progress stops for most of each pause
        for t0, t1 in pauses:
            inside = [(t, n) for t, n, _ in samples if t0 <= t <= t1]
            self.assertGreater(len(inside), 10, "too few samples in a pause")
            last_move = t0
            for (_, n0), (t, n) in zip(inside, inside[1:]):
                if n != n0:
                    last_move = t
            stalled = t1 - last_move
            self.assertGreater(stalled, 0.6 * (t1 - t0),
                               "the peer kept sending for %.2fs of a %.2fs pause"
                               % (last_move - t0, t1 - t0))


class SlowReaderTest(SubscribeCase):
    """(d) small output marks: a client above output_high whose pending
    receive must take nothing."""

    DAEMON_ARGS = ("--limit", "output_high=16384", "--limit", "output_low=4096")

    def test_pending_receive_above_high_mark_takes_nothing(self):
        h1, peer1 = self.connected(timeout=30)
        h2, peer2 = self.connected()
        a = self.raw_socket(rcvbuf=4096)
        a.sendall(b'{"jsonrpc":"2.0","id":1,"method":"socket.subscribe","params":{"handle":%d}}\n'
                  b'{"jsonrpc":"2.0","id":2,"method":"socket.receive","params":'
                  b'{"handle":%d,"length":65536,"timeout":null}}\n'
                  b'{"jsonrpc":"2.0","id":3,"method":"daemon.ping"}\n' % (h1, h2))
        seen, buf = {}, b""
        while 3 not in seen:
            while b"\n" not in buf:
                chunk = a.recv(65536)
                self.assertTrue(chunk, "daemon closed the connection")
                buf += chunk
            line, buf = buf.split(b"\n", 1)
            msg = json.loads(line)
            seen[msg.get("id")] = msg
        self.assertIn("result", seen[1], seen)
        self.assertNotIn(2, seen)          # the receive waits
        # the subscription fills a's queue past output_high: the daemon stops
        # reading h1
        feeder = Sender(peer1, Pattern(19), 16 * MIB, piece=65536, shutdown=False)
        feeder.start()
        self.addCleanup(feeder.join, 30)
        self.addCleanup(peer1.shutdown, socket.SHUT_RDWR)
        last, since, deadline = -1, time.monotonic(), time.monotonic() + 10
        while True:
            n = self.info(h1)["bytes_in"]
            if n != last:
                last, since = n, time.monotonic()
            elif n > 16384 and time.monotonic() - since > 0.3:
                break
            self.assertLess(time.monotonic(), deadline, "h1 never stopped being read")
        self.assertLess(last, 16 * MIB, "the daemon read h1 although a reads nothing")
        # h2's bytes come: the pending receive has no room, and takes nothing
        sent = random.Random(23).randbytes(8000)
        peer2.sendall(sent)
        end = time.monotonic() + 0.5
        while time.monotonic() < end:
            info = self.info(h2)
            self.assertEqual((info["bytes_in"], info["buffered"]), (0, 0), info)
        # a resets (unread bytes in its queue); a new reader gets every byte
        a.close()
        self.wait_connections(1)
        r = self.c.call("socket.receive", {"handle": h2, "length": len(sent),
                                           "flags": ["waitall"], "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), sent)
        info = self.info(h1)
        self.assertEqual((info["subscribed"], info["state"]), (False, "connected"), info)


if __name__ == "__main__":
    harness.main()
