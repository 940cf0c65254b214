"""test_limits.py: every named limit at the limit and one past it, set with
--limit NAME=VALUE (DESIGN "Daemon command line"), plus refusal of bad
--limit options.

Reading taken for max_message: the limit counts the bytes of the JSON text,
not its terminating newline (PROTOCOL §1 "each message is one compact JSON
text followed by \\n").
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import harness


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def ping_with_padding(total_len):
    """A daemon.ping request with an unknown param "x", exactly total_len
    bytes long (without newline)."""
    head = '{"jsonrpc":"2.0","id":1,"method":"daemon.ping","params":{"x":"'
    tail = '"}}'
    n = total_len - len(head) - len(tail)
    assert n >= 0
    text = head + "a" * n + tail
    assert len(text) == total_len
    return text


def nested(depth):
    """A daemon.ping request nested `depth` levels deep in total (request
    object 1, params 2, then arrays), with the unknown param "x"."""
    arrays = depth - 2
    return ('{"jsonrpc":"2.0","id":1,"method":"daemon.ping","params":{"x":'
            + "[" * arrays + "]" * arrays + "}}")


def pings(n, start=0):
    return [{"jsonrpc": "2.0", "method": "daemon.ping", "id": start + i} for i in range(n)]


class LimitTestBase(harness.DaemonTest):

    def setUp(self):
        super().setUp()
        self.c.sock.settimeout(5.0)

    def exchange(self, text, client=None):
        c = client or self.c
        c.send_raw(text + "\n")
        msg = c.read_message()
        self.assertIsNotNone(msg, "daemon closed the connection")
        return msg

    def usable(self, client=None):
        msg = self.exchange('{"jsonrpc":"2.0","method":"daemon.ping","id":"alive"}', client)
        self.assertEqual(msg, {"jsonrpc": "2.0", "id": "alive", "result": {"pong": True}})

    def assertLimitError(self, msg, code, limit):
        self.assertIsInstance(msg, dict, msg)
        self.assertIn("error", msg, msg)
        self.assertEqual(msg["error"]["code"], code, msg)
        self.assertEqual(msg["error"].get("data", {}).get("limit"), limit, msg)
        return msg["error"]

    def close_all_handles(self):
        for info in self.c.call("socket.list")["sockets"]:
            self.c.call("socket.close", {"handle": info["handle"], "force": True})


class DefaultBatchLimitTest(LimitTestBase):
    """Defaults: max_batch 64."""

    def test_batch_64_ok(self):
        r = self.exchange(compact(pings(64)))
        self.assertIsInstance(r, list, r)
        self.assertEqual(sorted(e["id"] for e in r), list(range(64)))
        for e in r:
            self.assertEqual(e.get("result"), {"pong": True}, e)

    def test_batch_65_rejected(self):
        r = self.exchange(compact(pings(65)))
        self.assertIsInstance(r, dict, "expected one error object, not an array: %r" % (r,))
        self.assertIsNone(r.get("id"), r)
        self.assertLimitError(r, -32600, "max_batch")
        self.usable()
        self.assertAlive()

    def test_batch_65_notifications_rejected(self):
        # Notifications count as entries too: an over-long batch is refused whole.
        batch = [{"jsonrpc": "2.0", "method": "daemon.ping"} for _ in range(65)]
        r = self.exchange(compact(batch))
        self.assertLimitError(r, -32600, "max_batch")
        self.usable()


class SmallLimitsTest(LimitTestBase):
    DAEMON_ARGS = ("--limit", "max_message=4096", "--limit", "max_depth=8",
                   "--limit", "max_batch=4", "--limit", "max_receive=1000")

    def test_max_batch_at_limit(self):
        r = self.exchange(compact(pings(4)))
        self.assertIsInstance(r, list, r)
        self.assertEqual(sorted(e["id"] for e in r), [0, 1, 2, 3])

    def test_max_batch_one_past(self):
        r = self.exchange(compact(pings(5)))
        self.assertIsInstance(r, dict, r)
        self.assertIsNone(r.get("id"), r)
        self.assertLimitError(r, -32600, "max_batch")
        self.usable()

    def test_max_message_at_limit(self):
        r = self.exchange(ping_with_padding(4096))
        self.assertEqual(r.get("id"), 1, r)
        self.assertEqual(r["error"]["code"], -32602, r)        # parsed: unknown param x
        self.assertEqual(r["error"]["data"]["param"], "x", r)
        # with \r\n framing too
        self.c.send_raw(ping_with_padding(4096) + "\r\n")
        r = self.c.read_message()
        self.assertEqual(r["error"]["code"], -32602, r)
        self.usable()

    def test_max_message_one_past(self):
        other = self.daemon.client(timeout=5.0)
        try:
            self.usable(other)
            try:
                self.c.send_raw(ping_with_padding(4097) + "\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            r = self.c.read_message()
            self.assertIsNotNone(r, "EOF without the -32600 reply")
            self.assertIsNone(r.get("id"), r)
            self.assertLimitError(r, -32600, "max_message")
            self.assertIsNone(self.c.read_line(), "connection not closed after over-long message")
            self.usable(other)
        finally:
            other.close()
        self.assertAlive()

    def test_max_message_without_newline(self):
        # An over-long line is refused as soon as it is over the limit, without
        # waiting for a newline that may never come.
        try:
            self.c.send_raw("[" + " " * 8000)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = self.c.read_message()
        self.assertIsNotNone(r, "EOF without the -32600 reply")
        self.assertLimitError(r, -32600, "max_message")
        self.assertIsNone(self.c.read_line())
        self.assertAlive()

    def test_max_message_counts_each_line(self):
        # Many short lines in one write are not one long message.
        text = "".join(compact(p) + "\n" for p in pings(100, start=1000))
        self.assertGreater(len(text), 4096)
        self.c.send_raw(text)
        seen = set()
        for _ in range(100):
            m = self.c.read_message()
            self.assertIsNotNone(m)
            self.assertEqual(m.get("result"), {"pong": True}, m)
            seen.add(m["id"])
        self.assertEqual(seen, set(range(1000, 1100)))

    def test_max_depth_at_limit(self):
        r = self.exchange(nested(8))
        self.assertEqual(r.get("id"), 1, r)
        self.assertEqual(r["error"]["code"], -32602, r)
        self.assertEqual(r["error"]["data"]["param"], "x", r)

    def test_max_depth_one_past(self):
        r = self.exchange(nested(9))
        self.assertIsNone(r.get("id"), r)
        self.assertLimitError(r, -32600, "max_depth")
        self.usable()

    def test_max_receive(self):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        try:
            h = self.create()
            self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % srv.getsockname()[1]})
            peer, _ = srv.accept()
            with peer:
                err = self.c.error("socket.receive", {"handle": h, "length": 1001})
                self.assertError(err, -32602, param="length")
                peer.sendall(b"x")
                r = self.c.call("socket.receive", {"handle": h, "length": 1000, "timeout": 5000})
                self.assertEqual(harness.unb64(r["data"]), b"x")
            self.c.call("socket.close", {"handle": h})
        finally:
            srv.close()

    def test_max_receive_in_discover_and_help(self):
        # rpc.discover states this daemon's cap, not the protocol's, and
        # says which limit sets it; sock6ctl help prints both.
        doc = self.c.call("rpc.discover")
        caps = {}
        for m in doc["methods"]:
            for p in m["params"]:
                if "x-limit" in p["schema"]:
                    caps[(m["name"], p["name"])] = (p["schema"]["x-limit"], p["schema"]["maximum"])
        for key in (("socket.receive", "length"), ("udp.receive_from", "length"),
                    ("socket.subscribe", "max_chunk")):
            self.assertEqual(caps.get(key), ("max_receive", 1000), key)
        out = subprocess.run([harness.SOCK6CTL, "--socket", self.daemon.path, "help",
                              "socket.receive"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("integer 1..1000 (the daemon's max_receive)", out.stdout)
        err = self.c.error("socket.subscribe", {"handle": self.create(), "max_chunk": 1001})
        self.assertError(err, -32602, param="max_chunk")
        self.assertEqual(err["data"].get("limit"), "max_receive", err)


class MaxConnectionsTest(LimitTestBase):
    DAEMON_ARGS = ("--limit", "max_connections=4", "--limit", "root_connections=0")

    def wait_connections(self, n):
        """Poll daemon.stats until the daemon counts n connections (closed
        ones are reaped asynchronously)."""
        deadline = time.monotonic() + 5.0
        while True:
            got = self.c.call("daemon.stats")["connections"]
            if got == n or time.monotonic() > deadline:
                self.assertEqual(got, n)
                return
            time.sleep(0.01)

    def test_max_connections(self):
        self.wait_connections(1)                 # just self.c
        extra = []
        try:
            for _ in range(3):                   # 4 in all: at the limit
                c = self.daemon.client(timeout=5.0)
                extra.append(c)
                self.assertEqual(c.call("daemon.ping"), {"pong": True})
            over = self.daemon.client(timeout=5.0)
            try:
                msg = over.read_message()
                self.assertIsNotNone(msg, "EOF without the 1012 line")
                self.assertIsNone(msg.get("id", "missing"), msg)
                self.assertEqual(msg.get("jsonrpc"), "2.0", msg)
                self.assertEqual(msg["error"]["code"], 1012, msg)
                self.assertEqual(msg["error"]["message"], "too many connections", msg)
                self.assertEqual(msg["error"].get("data", {}).get("kind"), ["exn", "sock6d", "limit"], msg)
                self.assertIsNone(over.read_line(), "over-limit connection not closed")
            finally:
                over.close()
            # the existing ones are unaffected
            for c in extra:
                self.assertEqual(c.call("daemon.ping"), {"pong": True})
            # one leaves: a new one is welcome again
            extra.pop().close()
            self.wait_connections(3)
            c = self.daemon.client(timeout=5.0)
            extra.append(c)
            self.assertEqual(c.call("daemon.ping"), {"pong": True})
        finally:
            for c in extra:
                c.close()
        self.wait_connections(1)
        self.assertAlive()


class HandlesPerUserTest(LimitTestBase):
    DAEMON_ARGS = ("--limit", "handles_per_user=5")

    def setUp(self):
        super().setUp()
        self.close_all_handles()

    def tearDown(self):
        self.close_all_handles()
        super().tearDown()

    def test_handles_per_user(self):
        hs = [self.create() for _ in range(5)]
        self.assertEqual(len(set(hs)), 5)
        err = self.c.error("socket.create", {"family": "inet", "type": "stream"})
        self.assertError(err, 1012)
        self.assertEqual(err["data"].get("limit"), "handles_per_user", err)
        self.assertEqual(err["data"].get("kind"), ["exn", "sock6d", "limit"], err)
        # per user, not per connection
        with self.daemon.client(timeout=5.0) as other:
            err = other.error("socket.create", {"family": "inet", "type": "dgram"})
            self.assertError(err, 1012)
        # closing one makes room for exactly one
        self.c.call("socket.close", {"handle": hs.pop()})
        hs.append(self.create())
        self.assertError(self.c.error("socket.create", {"family": "inet", "type": "stream"}), 1012)
        self.assertAlive()

    def test_every_creator_counts(self):
        hs = [self.create() for _ in range(5)]
        for method, params in (("udp.open", {}),
                               ("tcp.listen", {"port": 0, "host": "127.0.0.1"}),
                               ("socket.connect_ai", {"addresses": ["127.0.0.1:9"], "timeout": 1000})):
            with self.subTest(method=method):
                err = self.c.error(method, params)
                self.assertError(err, 1012)
                self.assertEqual(err["data"].get("limit"), "handles_per_user", err)
        self.c.call("socket.close", {"handle": hs.pop()})
        h = self.c.call("udp.open", {})["handle"]
        self.assertNotIn(h, hs)

    def test_accept_counts(self):
        lst, addr = self.listener()
        others = [self.create() for _ in range(4)]      # 5 handles with the listener
        host, port = addr.rsplit(":", 1)
        peer = socket.create_connection((host, int(port)), timeout=5)
        try:
            err = self.c.error("socket.accept", {"handle": lst, "timeout": 5000})
            self.assertError(err, 1012)
            self.assertEqual(err["data"].get("limit"), "handles_per_user", err)
            self.c.call("socket.close", {"handle": others.pop()})
            r = self.c.call("socket.accept", {"handle": lst, "timeout": 5000})
            self.assertIsInstance(r["handle"], int)
            # the connection was not lost by the refused accept
            peer.sendall(b"ok")
            got = self.c.call("socket.receive", {"handle": r["handle"], "length": 10, "timeout": 5000})
            self.assertEqual(harness.unb64(got["data"]), b"ok")
        finally:
            peer.close()


class PendingPerConnectionTest(LimitTestBase):
    DAEMON_ARGS = ("--limit", "pending_per_connection=3")

    def test_pending_per_connection(self):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        addr = "127.0.0.1:%d" % srv.getsockname()[1]
        hs, peers = [], []
        try:
            for _ in range(5):
                h = self.create()
                self.c.call("socket.connect", {"handle": h, "address": addr})
                hs.append(h)
                peers.append(srv.accept()[0])
            # three receives park
            ids = [self.c.request("socket.receive", {"handle": hs[i], "length": 10, "timeout": None})
                   for i in range(3)]
            self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
            for i in ids:
                self.assertNotIn(i, self.c.replies, "receive %d answered without data" % i)
            # the fourth would park: refused at once
            err = self.c.error("socket.receive", {"handle": hs[3], "length": 10, "timeout": None})
            self.assertError(err, 1012)
            self.assertEqual(err["data"].get("limit"), "pending_per_connection", err)
            # non-parking requests still work
            self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
            # the limit is per connection: another one can park
            with self.daemon.client(timeout=5.0) as other:
                oid = other.request("socket.receive", {"handle": hs[4], "length": 10, "timeout": None})
                self.assertEqual(other.call("daemon.ping"), {"pong": True})
                self.assertNotIn(oid, other.replies)
                peers[4].sendall(b"four")
                self.assertEqual(harness.unb64(other.result(oid)["data"]), b"four")
            # completing the parked ones frees their slots
            for i in range(3):
                peers[i].sendall(b"p%d" % i)
            for n, i in enumerate(ids):
                self.assertEqual(harness.unb64(self.c.result(i)["data"]), b"p%d" % n)
            ids = [self.c.request("socket.receive", {"handle": hs[i], "length": 10, "timeout": None})
                   for i in range(3)]
            self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
            for i in ids:
                self.assertNotIn(i, self.c.replies)
            for i in range(3):
                peers[i].sendall(b"q%d" % i)
            for n, i in enumerate(ids):
                self.assertEqual(harness.unb64(self.c.result(i)["data"]), b"q%d" % n)
        finally:
            for p in peers:
                p.close()
            srv.close()
            for h in hs:
                self.c.call("socket.close", {"handle": h, "force": True})


def cpu_seconds(pid):
    """User plus system CPU time of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@unittest.skipUnless(shutil.which("prlimit"), "needs prlimit")
@harness.skip_under_wrapper("descriptors below the limit are valgrind's own and it polices "
                            "the limit its own way")
class OutOfDescriptorsTest(unittest.TestCase):
    """Out of file descriptors, the daemon answers EMFILE, does not spin on
    its listener, and takes connections again once descriptors are free."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sock6d-fd-")
        self.path = os.path.join(self.dir, "ctl.sock")
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen(["prlimit", "--nofile=40:40", harness.SOCK6D,
                                      "--socket", self.path, "--socket-mode", "0666"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + harness.READY_DEADLINE
        while True:
            try:
                with harness.Client(self.path, timeout=1) as c:
                    if c.call("daemon.ping") == {"pong": True}:
                        break
            except OSError:
                pass
            self.assertLess(time.monotonic(), deadline, "sock6d did not start")
            time.sleep(0.01)  # poll interval

    def tearDown(self):
        self.proc.terminate()
        self.proc.wait(timeout=10 * harness.TIME_FACTOR)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_emfile(self):
        with harness.Client(self.path) as c:
            handles = []
            while True:
                r = c.wait(c.request("socket.create", {"family": "inet", "type": "dgram"}))
                if "error" in r:
                    self.assertEqual(r["error"]["code"], 1000, r)
                    self.assertEqual(r["error"]["data"]["errname"], "EMFILE", r)
                    break
                handles.append(r["result"]["handle"])
                self.assertLess(len(handles), 64)
            # a new client now waits in the backlog; the daemon must not spin
            waiting = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            waiting.connect(self.path)
            before = cpu_seconds(self.proc.pid)
            time.sleep(1.0)  # the test is about time passing
            self.assertLess(cpu_seconds(self.proc.pid) - before, 0.5)
            # free descriptors: the waiting client is served
            for h in handles[:4]:
                c.call("socket.close", {"handle": h})
            waiting.settimeout(5)
            waiting.sendall(b'{"jsonrpc":"2.0","id":1,"method":"daemon.ping"}\n')
            self.assertEqual(waiting.recv(100), b'{"jsonrpc":"2.0","id":1,"result":{"pong":true}}\n')
            waiting.close()


class BadLimitOptionTest(unittest.TestCase):
    """--limit with an unknown name or a bad value: sock6d exits non-zero
    with a message, and never starts serving."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sock6d-limit-")
        self.path = os.path.join(self.dir, "ctl.sock")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_daemon(self, *args):
        cmd = [harness.SOCK6D, "--socket", self.path] + list(args)
        try:
            return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=5 * harness.TIME_FACTOR)
        except subprocess.TimeoutExpired:
            self.fail("sock6d %r kept running instead of refusing" % (args,))

    def test_bad_limits(self):
        for arg in ("nosuch=1", "max_batch=abc", "max_batch=", "max_batch", "=5",
                    "max_batch=-1", "max_batch=0", "max_batch=1x", "max_batch=1.5",
                    "max_batch=99999999999999999999999", "MAX_BATCH=4",
                    "output_low=2000000"):
            with self.subTest(limit=arg):
                p = self.run_daemon("--limit", arg)
                self.assertNotEqual(p.returncode, 0, p)
                self.assertTrue((p.stderr + p.stdout).strip(), "no message for --limit %s" % arg)
                self.assertFalse(os.path.exists(self.path), "socket created for --limit %s" % arg)

    def test_limit_without_value(self):
        p = self.run_daemon("--limit")
        self.assertNotEqual(p.returncode, 0, p)
        self.assertTrue((p.stderr + p.stdout).strip())
        self.assertFalse(os.path.exists(self.path))

    def test_message_names_the_limit(self):
        p = self.run_daemon("--limit", "nosuch_limit=1")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(b"nosuch_limit", p.stderr + p.stdout)


if __name__ == "__main__":
    harness.main()
