"""test_halfclose.py: a client that shuts down its sending side has finished
sending, nothing more (PROTOCOL §1): its pending accept, connect, receive and
send run to completion and are answered, then the daemon closes.  A full
close or reset still cancels, and no byte already read is lost.
"""

import json
import shutil
import socket
import subprocess
import time

import harness


class HalfCloseTest(harness.DaemonTest):

    @staticmethod
    def request(s, method, params, id=1):
        s.sendall(json.dumps({"jsonrpc": "2.0", "id": id, "method": method,
                              "params": params}).encode() + b"\n")

    @staticmethod
    def read_all(s):
        """Everything until the daemon closes: (messages, seconds it took)."""
        start = time.monotonic()
        return harness.read_to_eof(s), time.monotonic() - start

    def assert_timeout_after_half_close(self, method, params, seconds=1.0):
        s = self.raw_socket()
        self.request(s, method, params)
        s.shutdown(socket.SHUT_WR)
        replies, took = self.read_all(s)
        self.assertEqual(len(replies), 1, replies)
        self.assertEqual(replies[0]["id"], 1)
        self.assertEqual(replies[0]["error"]["code"], 1002, replies)
        self.assertGreaterEqual(took, seconds - 0.1)
        return replies[0]

    def connected(self):
        """A daemon stream socket connected to a Python peer: (handle, peer)."""
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        self.addCleanup(lst.close)
        h = self.create()
        self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % lst.getsockname()[1]})
        peer, _ = lst.accept()
        self.addCleanup(peer.close)
        return h, peer

    def test_pending_accept_answered(self):
        h, _ = self.listener()
        self.assert_timeout_after_half_close("socket.accept", {"handle": h, "timeout": 1000})
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "listening")

    def test_pending_receive_answered(self):
        h, _ = self.connected()
        self.assert_timeout_after_half_close("socket.receive",
                                             {"handle": h, "length": 10, "timeout": 1000})

    def test_pending_receive_gets_its_data(self):
        h, peer = self.connected()
        s = self.raw_socket()
        self.request(s, "socket.receive", {"handle": h, "length": 5, "timeout": 10000})
        s.shutdown(socket.SHUT_WR)
        self.c.call("daemon.ping")  # the daemon has seen the half-close
        peer.sendall(b"hello")
        replies, _ = self.read_all(s)
        self.assertEqual([harness.unb64(r["result"]["data"]) for r in replies], [b"hello"])

    def test_pending_send_answered(self):
        # a UNIX stream peer that never reads: once its queue is full, a
        # send waits until its timeout
        path = self.tmp + "/peer"
        lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lst.bind(path)
        lst.listen(1)
        self.addCleanup(lst.close)
        h = self.create("unix")
        self.c.call("socket.connect", {"handle": h, "address": path})
        chunk = harness.b64(b"x" * 65536)
        while "result" in self.c.wait(self.c.request("socket.send", {
                "handle": h, "data": chunk, "flags": ["dontwait"]})):
            pass
        self.assert_timeout_after_half_close("socket.send",
                                             {"handle": h, "data": chunk, "timeout": 1000})

    def test_pending_connect_answered(self):
        # A listener with backlog 0 whose queue is filled: further SYNs are
        # dropped, so the connect stays in progress until its timeout.
        full = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        full.bind(("127.0.0.1", 0))
        full.listen(0)
        self.addCleanup(full.close)
        for _ in range(4):
            f = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            f.setblocking(False)
            f.connect_ex(full.getsockname())
            self.addCleanup(f.close)
        h = self.create()
        s = self.raw_socket()
        self.request(s, "socket.connect", {"handle": h, "timeout": 1000,
                                           "address": "127.0.0.1:%d" % full.getsockname()[1]})
        s.shutdown(socket.SHUT_WR)
        replies, took = self.read_all(s)
        if "result" in replies[0]:
            self.skipTest("connect completed at once: %r" % (replies,))
        self.assertEqual(replies[0]["error"]["code"], 1002, replies)
        self.assertGreaterEqual(took, 0.9)

    def test_every_request_before_the_half_close_is_answered(self):
        h, _ = self.listener()
        s = self.raw_socket()
        self.request(s, "socket.accept", {"handle": h, "timeout": 300}, id=1)
        for i in range(2, 50):
            self.request(s, "daemon.ping", {}, id=i)
        # the last request has no newline: the half-close ends it
        s.sendall(b'{"jsonrpc":"2.0","id":50,"method":"daemon.ping"}')
        s.shutdown(socket.SHUT_WR)
        replies, _ = self.read_all(s)
        self.assertEqual(sorted(r["id"] for r in replies), list(range(1, 51)))

    def test_full_close_still_cancels(self):
        h, peer = self.connected()
        s = self.raw_socket()
        self.request(s, "socket.receive", {"handle": h, "length": 5})
        s.shutdown(socket.SHUT_WR)
        self.c.call("daemon.ping")  # the daemon has seen the half-close
        s.close()
        # the cancelled receive takes nothing: the bytes wait for the next one
        deadline = time.monotonic() + 5
        while self.c.call("daemon.stats")["connections"] > 1:
            self.assertLess(time.monotonic(), deadline)
        peer.sendall(b"bytes")
        r = self.c.call("socket.receive", {"handle": h, "length": 5, "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), b"bytes")

    def test_reset_cancels(self):
        h, _ = self.listener()
        s = self.raw_socket()
        self.request(s, "socket.accept", {"handle": h})
        # unread replies in our queue make the close a reset for the daemon
        self.request(s, "daemon.ping", {}, id=2)
        self.c.call("daemon.ping")
        s.close()
        deadline = time.monotonic() + 5
        while self.c.call("daemon.stats")["connections"] > 1:
            self.assertLess(time.monotonic(), deadline)
        self.assertAlive()

    def test_socat_prints_the_timeout(self):
        if shutil.which("socat") is None:
            self.skipTest("needs socat")
        h, _ = self.listener()
        line = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "socket.accept",
                           "params": {"handle": h, "timeout": 1000}}) + "\n"
        # -t: socat's wait for the reply after its input ends (0.5 s by default)
        out = subprocess.run(["socat", "-t", "5", "-", "UNIX-CONNECT:" + self.daemon.path],
                             input=line.encode(), stdout=subprocess.PIPE, timeout=20).stdout
        reply = json.loads(out)
        self.assertEqual(reply["id"], 2)
        self.assertEqual(reply["error"]["code"], 1002)


if __name__ == "__main__":
    harness.main()
