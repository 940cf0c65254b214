"""test_reentry.py: orders of events that once hung or broke the daemon, and
batches that pinned memory or deadlocked: a waiting call resumed while its
connection is being dispatched and has hung up, a connection-scoped listener
closed under a half-closed connection, a half-close during a long batch,
bytes held back for the next reader, batches waiting on each other for
output room, batches of large results from a client that reads, batches
held open by a member that never completes.
"""

import json
import os
import signal
import socket
import time

import harness

MIB = 1 << 20


rss = harness.rss


class ReentryTest(harness.DaemonTest):

    @staticmethod
    def send(s, msg):
        s.sendall((json.dumps(msg, separators=(",", ":")) + "\n").encode())

    @staticmethod
    def req(id, method, params=None):
        m = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            m["params"] = params
        return m

    def ping(self, s):
        """A ping on raw connection s, answered: what s sent before is dispatched."""
        self.send(s, self.req("sync", "daemon.ping"))
        data = b""
        while b'"id":"sync"' not in data:
            data += s.recv(4096)

    def unix_listener(self, client, name, scope="daemon"):
        h = client.call("socket.create", {"family": "unix", "type": "stream", "scope": scope})
        h = h["handle"]
        client.call("socket.bind", {"handle": h, "address": "@sock6d-%s-%d" % (name, os.getpid())})
        client.call("socket.listen", {"handle": h})
        return h

    def assertServing(self):
        with self.daemon.client(timeout=3) as c:
            self.assertEqual(c.call("daemon.ping"), {"pong": True})

    def test_orphan_resumed_while_its_connection_is_dispatched(self):
        # A: a batch holding ~3.3 MB of results (its accept never answers), and
        # a receive that finds no room.  B: an accept.  A then asks to close
        # B's listener and hangs up; the daemon is stopped meanwhile, so it
        # reads the request and the hang-up together: the close frees room
        # while A is dispatched, and A's receive must not be retried forever.
        a = self.raw_socket()
        L = self.unix_listener(self.c, "orph-L")
        S = self.create("unix")
        T = self.unix_listener(self.c, "orph-T")
        self.send(a, [self.req(1, "socket.accept", {"handle": L, "timeout": None})] +
                  [self.req(2 + i, "rpc.discover") for i in range(60)])
        self.send(a, self.req(100, "socket.receive", {"handle": S, "length": MIB,
                                                      "timeout": None}))
        self.ping(a)
        with self.daemon.client() as b:
            b.request("socket.accept", {"handle": T, "timeout": None})
            b.call("daemon.ping")
            self.c.call("daemon.ping")
            self.daemon.proc.send_signal(signal.SIGSTOP)
            try:
                self.send(a, self.req(101, "socket.close", {"handle": T}))
                a.close()
            finally:
                self.daemon.proc.send_signal(signal.SIGCONT)
            self.assertServing()
        for h in (L, S):
            self.c.call("socket.close", {"handle": h, "force": True})

    def test_scoped_listener_closed_under_a_half_closed_connection(self):
        with self.daemon.client() as c:
            L = self.unix_listener(c, "scl", scope="connection")
            rid = c.request("socket.accept", {"handle": L, "timeout": None})
            c.call("daemon.ping")
            c.sock.shutdown(socket.SHUT_WR)
            self.c.call("daemon.ping")
            self.c.call("socket.close", {"handle": L})
            self.assertEqual(c.wait(rid)["error"]["code"], 1010)
            self.assertIsNone(c.read_message())  # then the daemon closes
        self.assertServing()

    def test_half_close_during_a_long_batch(self):
        s = self.raw_socket()
        self.send(s, [self.req(i, "rpc.discover") for i in range(20)])
        s.shutdown(socket.SHUT_WR)
        replies = harness.read_to_eof(s)
        self.assertEqual(len(replies), 1)
        self.assertEqual(sorted(r["id"] for r in replies[0]), list(range(20)))

    def test_held_bytes_go_to_the_next_reader_at_once(self):
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        self.addCleanup(lst.close)
        h = self.create()
        self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % lst.getsockname()[1]})
        peer, _ = lst.accept()
        self.addCleanup(peer.close)
        # a waitall receive takes 10 bytes, then its client hangs up: the
        # bytes stay on the handle, and the receive queued behind gets them
        with self.daemon.client() as first:
            first.request("socket.receive", {"handle": h, "length": 100, "flags": ["waitall"],
                                             "timeout": None})
            first.call("daemon.ping")
            second = self.c.request("socket.receive", {"handle": h, "length": 10,
                                                       "timeout": 5000})
            peer.sendall(b"x" * 10)
            deadline = time.monotonic() + 5
            with self.daemon.client() as watch:
                while watch.call("socket.info", {"handle": h})["bytes_in"] < 10:
                    self.assertLess(time.monotonic(), deadline)
        start = time.monotonic()
        reply = self.c.wait(second)
        self.assertEqual(reply["result"]["bytes"], 10, reply)
        self.assertLess(time.monotonic() - start, 2)
        self.c.call("socket.close", {"handle": h})

    def batches_on(self, s, handles, receive, members):
        for i, h in enumerate(handles):
            first = (self.req(1000 * i, "socket.receive", {"handle": h, "length": MIB,
                                                           "timeout": None})
                     if receive else
                     self.req(1000 * i, "socket.accept", {"handle": h, "timeout": None}))
            self.send(s, [first] + [self.req(1000 * i + 1 + k, "rpc.discover")
                                    for k in range(members)])

    def unix_pairs(self, n, name):
        L = self.unix_listener(self.c, name)
        peers, hs = [], []
        for _ in range(n):
            p = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            p.connect("\0sock6d-%s-%d" % (name, os.getpid()))
            self.addCleanup(p.close)
            peers.append(p)
            hs.append(self.c.call("socket.accept", {"handle": L})["handle"])
        return L, peers, hs

    def test_batches_with_receives_do_not_wait_on_each_other(self):
        L, peers, hs = self.unix_pairs(2, "bdl")
        s = self.raw_socket()
        self.batches_on(s, hs, receive=True, members=35)
        self.ping(s)
        for p in peers:
            p.sendall(b"hello")
        arrays, rest = [], b""
        while len(arrays) < 2:
            while b"\n" not in rest:
                rest += s.recv(1 << 20)
            line, rest = rest.split(b"\n", 1)
            arrays.append(json.loads(line))
        for a in arrays:
            self.assertEqual(len(a), 36)
            first = [r for r in a if r["id"] % 1000 == 0][0]
            # the receive got its bytes, or 1012 when the arrays held the room
            if "result" in first:
                self.assertEqual(first["result"]["bytes"], 5)
            else:
                self.assertEqual(first["error"]["code"], 1012, first)

    def test_a_reading_client_is_never_closed(self):
        L, peers, hs = self.unix_pairs(0, "bov")
        T = self.unix_listener(self.c, "bov-T")
        s = self.raw_socket()
        self.batches_on(s, [T, T], receive=False, members=60)
        self.ping(s)
        for _ in range(2):
            p = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            p.connect("\0sock6d-bov-T-%d" % os.getpid())
            self.addCleanup(p.close)
        arrays, rest = [], b""
        while len(arrays) < 2:
            chunk = s.recv(1 << 20)
            self.assertTrue(chunk, "the daemon closed a client that reads")
            rest += chunk
            while b"\n" in rest:
                line, rest = rest.split(b"\n", 1)
                arrays.append(json.loads(line))
        self.assertEqual([len(a) for a in arrays], [61, 61])

    @harness.skip_under_wrapper(harness.RSS_UNDER_WRAPPER)
    def test_batches_held_open_stay_bounded(self):
        pid = self.daemon.proc.pid
        L = self.unix_listener(self.c, "pin")
        before = rss(pid)
        s = self.raw_socket(timeout=60)    # 40 batches ahead of its ping
        self.batches_on(s, [L] * 40, receive=False, members=63)
        self.ping(s)
        with self.daemon.client() as c:
            for _ in range(200):
                c.call("daemon.ping")
        grown = rss(pid) - before
        # 40 arrays of 63 results of ~55 KB each would be 140 MB; their
        # results beyond output_max are 1012 instead
        self.assertLess(grown, 40 * MIB, "RSS grew by %d MB" % (grown >> 20))
        s.close()
        self.c.call("socket.close", {"handle": L})


if __name__ == "__main__":
    harness.main()
