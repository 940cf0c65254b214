"""test_subscribe_flow.py: subscriptions (PROTOCOL "Streaming") that end,
hand over and carry a lot of data.

What it proves: a subscription that ends with its connection while the
socket stays, and a next subscriber that continues from the next offset with
no gap and no duplicate (64 MiB, after credit ran out or mid-flow); 1 GiB to
a subscriber that stops reading now and then, with the same SHA-256, the
daemon's RSS under 64 MiB and the TCP peer's sends blocked while the
subscriber does not read; and a pending receive of a client whose queue is
above output_high, which takes nothing, then a new reader gets every byte.
The helpers are in subscribe_fixture.py.
"""

import base64
import hashlib
import json
import random
import socket
import threading
import time

import harness
from subscribe_fixture import MIB, SubscribeCase, chunk_bytes, next_note, wait_until


rss = harness.rss


def has_asan(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


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


class HandoverTest(SubscribeCase):
    """A subscription that ends with its connection, and the next
    subscriber."""

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
