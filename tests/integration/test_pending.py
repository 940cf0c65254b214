"""test_pending.py: pending operations never block the daemon (PROTOCOL §5):
parked receives and accepts while other requests and connections proceed,
cancellation on disconnect without losing bytes, deep pipelining, timeouts,
a handle closed under a pending receive, interleaved connections.
"""

import json
import socket
import time

import harness


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


class PendingTest(harness.DaemonTest):

    def setUp(self):
        super().setUp()
        self.c.sock.settimeout(5.0)
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.srv.settimeout(5.0)
        self.addr = "127.0.0.1:%d" % self.srv.getsockname()[1]
        self.peers = []
        self.handles = []
        self.clients = []

    def tearDown(self):
        for p in self.peers:
            p.close()
        self.srv.close()
        for c in self.clients:
            c.close()
        for h in self.handles:
            try:
                self.c.call("socket.close", {"handle": h, "force": True})
            except Exception:
                pass
        super().tearDown()

    def client(self):
        c = self.daemon.client(timeout=5.0)
        self.clients.append(c)
        return c

    def connected(self):
        """A daemon stream socket connected to a Python peer: (handle, peer)."""
        h = self.create()
        self.handles.append(h)
        self.c.call("socket.connect", {"handle": h, "address": self.addr, "timeout": 5000})
        peer, _ = self.srv.accept()
        peer.settimeout(5.0)
        self.peers.append(peer)
        return h, peer

    def assertPending(self, client, rid):
        """Request rid has not been answered: a ping sent after it is answered
        while rid's reply has still not arrived."""
        self.assertEqual(client.call("daemon.ping"), {"pong": True})
        self.assertNotIn(rid, client.replies, "request %r was answered: %r" % (rid, client.replies.get(rid)))

    # ---------------------------------------------------------------------

    def test_client_gone_mid_batch(self):
        # The client hangs up with a reply queued and a batch whose first
        # member answers at once: nothing done for it may outlive it.
        for _ in range(10):
            gone = self.daemon.client()
            # Accepted for sure (not still in the listen backlog when the
            # count below is read): one round trip first.
            self.assertEqual(gone.call("daemon.ping"), {"pong": True})
            line = json.dumps([
                {"jsonrpc": "2.0", "id": 2, "method": "net.address_information",
                 "params": {"node": "127.0.0.1", "service": "80"}},
                {"jsonrpc": "2.0", "id": 3, "method": "socket.create",
                 "params": {"family": "inet", "type": "dgram", "scope": "connection"}},
                {"jsonrpc": "2.0", "id": 4, "method": "socket.receive",
                 "params": {"handle": 1, "length": 10, "timeout": 300}}])
            gone.send_raw('{"jsonrpc":"2.0","id":1,"method":"daemon.ping"}\n' + line + "\n")
            gone.close()
        deadline = time.monotonic() + 5
        while self.c.call("daemon.stats")["connections"] > 1 and time.monotonic() < deadline:
            time.sleep(0.01)  # poll interval
        self.assertEqual(self.c.call("daemon.stats")["connections"], 1)
        mine = set(self.handles)
        left = [s for s in self.c.call("socket.list")["sockets"] if s["handle"] not in mine]
        self.assertEqual([s for s in left if s["scope"] == "connection"], [])
        self.assertAlive()

    def test_dontwait_never_queues(self):
        # With a receive already waiting, a dontwait receive is not queued
        # behind it: it answers EAGAIN at once.
        h, peer = self.connected()
        rid = self.c.request("socket.receive", {"handle": h, "length": 10, "timeout": None})
        self.assertPending(self.c, rid)
        with self.daemon.client() as other:
            err = other.error("socket.receive", {"handle": h, "length": 10, "flags": ["dontwait"]})
            self.assertError(err, 1000, errname="EAGAIN")
        peer.sendall(b"x")
        self.assertEqual(harness.unb64(self.c.result(rid)["data"]), b"x")

    @harness.skip_under_wrapper("close(2) holds the lock every thread needs, so a "
                                "lingering close stops the whole daemon")
    def test_lingering_close_does_not_block(self):
        # close(2) of a socket with SO_LINGER and unsent data waits for the
        # linger time even when non-blocking: the daemon must not.
        h, peer = self.connected()
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.c.call("socket.setopt", {"handle": h, "option": "so-send-buffer", "value": 4096})
        chunk = harness.b64(b"x" * 65536)
        for _ in range(64):   # fill both buffers; the peer never reads
            r = self.c.wait(self.c.request("socket.send", {"handle": h, "data": chunk,
                                                           "flags": ["dontwait"]}))
            if "error" in r:
                self.assertEqual(r["error"]["data"]["errname"], "EAGAIN", r)
                break
        else:
            self.fail("the send buffer never filled")
        self.c.call("socket.setopt", {"handle": h, "option": "so-linger",
                                      "value": {"on": True, "seconds": 3}})
        start = time.monotonic()
        self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
        self.handles.remove(h)
        self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
        self.assertLess(time.monotonic() - start, 1.0)

    @harness.skip_under_wrapper("close(2) holds the lock every thread needs, so a "
                                "lingering close stops the whole daemon")
    def test_lingering_closes_are_bounded(self):
        # Each lingering close holds a thread and a descriptor for up to its
        # linger time, and a client may close as fast as it creates: at most
        # 64 linger at once, every user's together; the rest close at once.
        def threads():
            return harness.proc_status(self.daemon.proc.pid, "Threads")

        base = threads()
        chunk = harness.b64(b"x" * 65536)
        start = time.monotonic()
        for _ in range(80):
            h, peer = self.connected()
            peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            self.c.call("socket.setopt", {"handle": h, "option": "so-send-buffer",
                                          "value": 4096})
            for _ in range(64):   # fill both buffers; the peer never reads
                r = self.c.wait(self.c.request("socket.send", {"handle": h, "data": chunk,
                                                               "flags": ["dontwait"]}))
                if "error" in r:
                    break
            self.c.call("socket.setopt", {"handle": h, "option": "so-linger",
                                          "value": {"on": True, "seconds": 60}})
            self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
            self.handles.remove(h)
        self.assertLessEqual(threads() - base, 64)
        self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
        self.assertLess(time.monotonic() - start, 30 * harness.TIME_FACTOR)

    def test_receive_pending_others_proceed(self):
        h, peer = self.connected()
        rid = self.c.request("socket.receive", {"handle": h, "length": 100, "timeout": None})
        self.assertPending(self.c, rid)
        # same connection: create, info, more pings
        h2 = self.create()
        self.handles.append(h2)
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "connected")
        self.assertNotIn(rid, self.c.replies)
        # other connections
        for _ in range(3):
            other = self.client()
            self.assertEqual(other.call("daemon.ping"), {"pong": True})
            oh = other.call("socket.create", {"family": "inet", "type": "dgram", "scope": "connection"})["handle"]
            self.assertGreater(oh, 0)
        self.assertNotIn(rid, self.c.replies)
        peer.sendall(b"data")
        res = self.c.result(rid)
        self.assertEqual(harness.unb64(res["data"]), b"data")
        self.assertEqual(res["bytes"], 4)
        self.assertIs(res["eof"], False)

    def test_pending_accept_completed_by_other_connection(self):
        lst, addr = self.listener()
        self.handles.append(lst)
        aid = self.c.request("socket.accept", {"handle": lst, "timeout": None})
        self.assertPending(self.c, aid)
        other = self.client()
        ch = other.call("socket.create", {"family": "inet", "type": "stream", "scope": "connection"})["handle"]
        other.call("socket.connect", {"handle": ch, "address": addr, "timeout": 5000})
        local = other.call("socket.name", {"handle": ch})["address"]
        acc = self.c.result(aid)
        self.handles.append(acc["handle"])
        self.assertNotIn(acc["handle"], (lst, ch))
        self.assertEqual(acc["peer"]["port"], local["port"])
        self.assertEqual(acc["peer"]["string"], local["string"])
        # and the pair works
        other.call("socket.send", {"handle": ch, "text": "via accept"})
        got = self.c.call("socket.receive", {"handle": acc["handle"], "length": 100, "timeout": 5000})
        self.assertEqual(harness.unb64(got["data"]), b"via accept")

    def test_pending_accept_does_not_block_pings(self):
        lst, addr = self.listener()
        self.handles.append(lst)
        aid = self.c.request("socket.accept", {"handle": lst, "timeout": None})
        for _ in range(20):
            self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
        self.assertNotIn(aid, self.c.replies)
        host, port = addr.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5):
            acc = self.c.result(aid)
            self.handles.append(acc["handle"])

    def test_disconnect_with_pending_receive_loses_no_byte(self):
        # The data arrives just as the daemon learns of the disconnect; either
        # order must keep the bytes for the next receive.  Several rounds, since
        # which event the daemon sees first varies.
        h, peer = self.connected()
        for i in range(20):
            gone = self.daemon.client(timeout=5.0)
            rid = gone.request("socket.receive", {"handle": h, "length": 100, "timeout": None})
            self.assertPending(gone, rid)
            gone.close()
            payload = b"hello-%d" % i
            peer.sendall(payload)
            with self.daemon.client(timeout=5.0) as fresh:
                reply = fresh.wait(fresh.request("socket.receive",
                                                 {"handle": h, "length": 100, "timeout": 2000}))
                self.assertIn("result", reply, "round %d: %r lost: %r" % (i, payload, reply))
                self.assertEqual(harness.unb64(reply["result"]["data"]), payload, "round %d" % i)
        # nothing more, nothing duplicated
        with self.daemon.client(timeout=5.0) as fresh:
            err = fresh.error("socket.receive", {"handle": h, "length": 100, "timeout": 100})
            self.assertError(err, 1002)
        self.assertAlive()

    def test_disconnect_with_pending_receive_then_data_to_same_client_handle(self):
        # The same, several times in a row: repeated cancellation is clean.
        h, peer = self.connected()
        for i in range(5):
            gone = self.daemon.client(timeout=5.0)
            rid = gone.request("socket.receive", {"handle": h, "length": 100, "timeout": None})
            self.assertPending(gone, rid)
            gone.close()
        peer.sendall(b"hello")
        got = self.c.call("socket.receive", {"handle": h, "length": 100, "timeout": 5000})
        self.assertEqual(harness.unb64(got["data"]), b"hello")
        self.assertAlive()

    def test_1000_pipelined_requests(self):
        c = self.client()
        c.sock.settimeout(10.0)
        reqs = []
        for i in range(1, 1001):
            if i % 10 == 0:
                reqs.append({"jsonrpc": "2.0", "id": i, "method": "no.such"})
            elif i % 10 == 5:
                reqs.append({"jsonrpc": "2.0", "id": i, "method": "net.inet_address",
                             "params": {"address": "127.0.0.1", "port": i}})
            else:
                reqs.append({"jsonrpc": "2.0", "id": i, "method": "daemon.ping"})
        data = "".join(compact(r) + "\n" for r in reqs)
        start = time.monotonic()
        c.send_raw(data)
        seen = {}
        for _ in range(1000):
            msg = c.read_message()
            self.assertIsNotNone(msg, "EOF after %d replies" % len(seen))
            self.assertIsInstance(msg, dict)
            self.assertNotIn(msg["id"], seen, "id %r answered twice" % msg["id"])
            seen[msg["id"]] = msg
        self.assertEqual(set(seen), set(range(1, 1001)))
        for i, msg in seen.items():
            if i % 10 == 0:
                self.assertEqual(msg["error"]["code"], -32601, msg)
            elif i % 10 == 5:
                self.assertEqual(msg["result"]["port"], i, msg)
            else:
                self.assertEqual(msg["result"], {"pong": True}, msg)
        self.assertLess(time.monotonic() - start, 10.0)
        # nothing extra is queued
        self.assertEqual(c.call("daemon.ping"), {"pong": True})
        self.assertEqual(c.replies, {})

    def test_receive_timeout(self):
        h, peer = self.connected()
        start = time.monotonic()
        err = self.c.error("socket.receive", {"handle": h, "length": 10, "timeout": 100})
        elapsed = time.monotonic() - start
        self.assertError(err, 1002)
        self.assertEqual(err["message"], "operation timed out")
        self.assertEqual(err["data"].get("kind"), ["exn", "i/o", "net", "timeout"], err)
        self.assertGreaterEqual(elapsed, 0.09)
        self.assertLess(elapsed, 3.0)
        # the socket stays open and usable
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "connected")
        peer.sendall(b"later")
        got = self.c.call("socket.receive", {"handle": h, "length": 10, "timeout": 5000})
        self.assertEqual(harness.unb64(got["data"]), b"later")
        self.c.call("socket.send", {"handle": h, "text": "back"})
        self.assertEqual(peer.recv(10), b"back")

    def test_receive_timeout_does_not_block_others(self):
        h, peer = self.connected()
        start = time.monotonic()
        rid = self.c.request("socket.receive", {"handle": h, "length": 10, "timeout": 1000})
        other = self.client()
        for _ in range(5):
            self.assertEqual(other.call("daemon.ping"), {"pong": True})
        self.assertLess(time.monotonic() - start, 0.8, "pings waited for the receive timeout")
        reply = self.c.wait(rid)
        self.assertEqual(reply["error"]["code"], 1002, reply)
        self.assertGreaterEqual(time.monotonic() - start, 0.95)

    def test_pending_receive_on_handle_closed_by_other_connection(self):
        h, peer = self.connected()
        rid = self.c.request("socket.receive", {"handle": h, "length": 10, "timeout": None})
        self.assertPending(self.c, rid)
        other = self.client()
        self.assertEqual(other.call("socket.close", {"handle": h}), {})
        reply = self.c.wait(rid)
        self.assertIn("error", reply, reply)
        self.assertError(reply["error"], 1010)
        self.assertEqual(reply["error"]["data"].get("handle"), h)
        self.assertAlive()

    def test_pending_receive_on_handle_closed_by_same_connection(self):
        h, peer = self.connected()
        rid = self.c.request("socket.receive", {"handle": h, "length": 10, "timeout": None})
        cid = self.c.request("socket.close", {"handle": h})
        self.assertEqual(self.c.result(cid), {})
        reply = self.c.wait(rid)
        self.assertIn("error", reply, reply)
        self.assertError(reply["error"], 1010)
        self.assertEqual(reply["error"]["data"].get("handle"), h)
        # the peer sees the close
        self.assertEqual(peer.recv(10), b"")

    def test_pending_accept_on_handle_closed(self):
        lst, addr = self.listener()
        aid = self.c.request("socket.accept", {"handle": lst, "timeout": None})
        self.assertPending(self.c, aid)
        with self.daemon.client(timeout=5.0) as other:
            other.call("socket.close", {"handle": lst})
        reply = self.c.wait(aid)
        self.assertIn("error", reply, reply)
        self.assertError(reply["error"], 1010)

    def test_two_connections_interleaving(self):
        a = self.client()
        b = self.client()
        # The same ids on both connections; each request's port tells whose it is.
        lines_a = [compact({"jsonrpc": "2.0", "id": i, "method": "net.inet_address",
                            "params": {"address": "127.0.0.1", "port": 1000 + i}}) + "\n"
                   for i in range(50)]
        lines_b = [compact({"jsonrpc": "2.0", "id": i, "method": "net.inet_address",
                            "params": {"address": "127.0.0.1", "port": 2000 + i}}) + "\n"
                   for i in range(50)]
        for la, lb in zip(lines_a, lines_b):
            half = len(la) // 2
            a.send_raw(la[:half])        # a's request is incomplete while b's arrives
            b.send_raw(lb)
            a.send_raw(la[half:])
        for c, base in ((a, 1000), (b, 2000)):
            got = {}
            for _ in range(50):
                msg = c.read_message()
                self.assertIsNotNone(msg)
                self.assertNotIn(msg["id"], got)
                got[msg["id"]] = msg["result"]["port"]
            self.assertEqual(got, {i: base + i for i in range(50)})
        # with pending receives in the mix
        h1, p1 = self.connected()
        h2, p2 = self.connected()
        r1 = a.request("socket.receive", {"handle": h1, "length": 10, "timeout": None})
        r2 = b.request("socket.receive", {"handle": h2, "length": 10, "timeout": None})
        self.assertPending(a, r1)
        self.assertPending(b, r2)
        p2.sendall(b"two")
        self.assertEqual(harness.unb64(b.result(r2)["data"]), b"two")
        self.assertNotIn(r1, a.replies)
        p1.sendall(b"one")
        self.assertEqual(harness.unb64(a.result(r1)["data"]), b"one")

    def test_pending_connect_does_not_block(self):
        # A listener with backlog 0 whose queue is filled: further SYNs are
        # dropped, so the daemon's connect stays in progress until its timeout.
        full = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        fillers = []
        try:
            for _ in range(4):
                f = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                f.setblocking(False)
                f.connect_ex(full.getsockname())
                fillers.append(f)
            h = self.create()
            self.handles.append(h)
            start = time.monotonic()
            rid = self.c.request("socket.connect", {"handle": h, "timeout": 1000,
                                                    "address": "127.0.0.1:%d" % full.getsockname()[1]})
            self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
            if rid in self.c.replies:
                self.skipTest("connect completed at once: %r" % (self.c.replies[rid],))
            with self.daemon.client(timeout=5.0) as other:
                self.assertEqual(other.call("daemon.ping"), {"pong": True})
            self.assertLess(time.monotonic() - start, 0.8)
            self.assertNotIn(rid, self.c.replies)
            reply = self.c.wait(rid)
            self.assertIn("error", reply, reply)
            self.assertEqual(reply["error"]["code"], 1002, reply)
            self.assertGreaterEqual(time.monotonic() - start, 0.95)
            # the handle stays valid
            self.assertEqual(self.c.call("socket.info", {"handle": h})["handle"], h)
        finally:
            for f in fillers:
                f.close()
            full.close()

if __name__ == "__main__":
    harness.main()
