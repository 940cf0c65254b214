"""test_shares.py: per-user shares of the daemon's limits (PROTOCOL §5): one
user can never lock another out.  Connections are limited per uid
(connections_per_user, root exempt) and globally with a reserve kept for
root (root_connections); handles per uid (elsewhere) and globally with a
reserve kept for root (max_handles, root_handles); pending calls per uid
(pending_per_user) as well as per connection.  Each limit is tested at limit-1, limit and limit+1, and
every limit error names its limit in data.limit.

The cases with several users need root and setpriv: the other users are
`nobody` and `daemon`, each holding connections from a small Python client
run through setpriv.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import harness


_USERS, _WHY = harness.other_users("nobody", "daemon")

# Run as another user: open argv[2] connections to the control socket
# argv[1], one at a time, and send daemon.ping on each; print the first line
# each got as JSON (or null when the daemon closed without a line); then
# hold every connection open until stdin closes.
HOLD = r"""
import json, socket, sys
path, n = sys.argv[1], int(sys.argv[2])
conns, out = [], []
for i in range(n):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    try:
        s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"daemon.ping"}\n')
    except OSError:
        pass  # refused: the daemon may have closed after its error line
    buf = b""
    while b"\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    out.append(json.loads(buf.split(b"\n")[0]) if b"\n" in buf else None)
    conns.append(s)
print(json.dumps(out), flush=True)
sys.stdin.read()
"""


class HandleSharesTest(harness.DaemonTest):
    """Handles: 6 in all, 2 of them kept for root."""

    DAEMON_ARGS = ("--limit", "max_handles=6", "--limit", "root_handles=2")

    def tearDown(self):
        for info in self.c.call("socket.list")["sockets"]:
            self.c.call("socket.close", {"handle": info["handle"]})
        super().tearDown()

    def make(self, user, n):
        """Create n daemon-scoped handles as user: the replies."""
        create = ["socket.create", {"family": "inet", "type": "dgram", "scope": "daemon"}]
        return harness.calls_as(user, self.daemon.path, [create] * n)

    def assertMade(self, replies):
        for r in replies:
            self.assertIn("result", r, r)

    def assertTooMany(self, reply):
        self.assertIn("error", reply, reply)
        self.assertEqual(reply["error"]["code"], 1012, reply)
        self.assertEqual(reply["error"]["data"]["limit"], "max_handles", reply)

    @unittest.skipUnless(_USERS, _WHY)
    def test_max_handles_and_roots_reserve(self):
        nobody, daemon_user = _USERS
        self.assertMade(self.make(nobody, 3))
        # max_handles - root_handles = 4 for everyone but root, whoever holds them
        r = self.make(daemon_user, 2)
        self.assertMade(r[:1])
        self.assertTooMany(r[1])
        self.assertTooMany(self.make(nobody, 1)[0])
        # root still gets its reserve, and no more
        mine = [self.c.call("socket.create", {"family": "inet", "type": "dgram"})["handle"]
                for _ in range(2)]
        self.assertTooMany(self.c.wait(self.c.request("socket.create",
                                                      {"family": "inet", "type": "dgram"})))
        # room made is room for others again
        theirs = [i["handle"] for i in self.c.call("socket.list")["sockets"]
                  if i["handle"] not in mine]
        for h in mine + theirs[:1]:
            self.c.call("socket.close", {"handle": h})
        self.assertMade(self.make(daemon_user, 1))
        self.assertTooMany(self.make(daemon_user, 1)[0])


class SharesTest(harness.DaemonTest):
    """Connections: 4 per user, 8 in all, 2 of them kept for root."""

    DAEMON_ARGS = ("--limit", "connections_per_user=4", "--limit", "max_connections=8",
                   "--limit", "root_connections=2")

    def setUp(self):
        super().setUp()
        self.procs = []

    def tearDown(self):
        self.close_held()
        super().tearDown()

    def hold(self, user, n):
        """Open n connections as user; the first reply of each."""
        p = subprocess.Popen(harness.setpriv(user) + (sys.executable, "-c", HOLD,
                                                      self.daemon.path, str(n)),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.procs.append(p)
        return json.loads(p.stdout.readline())

    def close_held(self):
        """Close every held connection and wait until the daemon saw it."""
        for p in self.procs:
            p.stdin.close()
            p.wait(timeout=10)
            p.stdout.close()
        self.procs = []
        for _ in range(1000):
            if self.c.call("daemon.stats")["connections"] == 1:
                return
        self.fail("the daemon still counts other connections")

    def assertPong(self, reply):
        self.assertEqual(reply, {"jsonrpc": "2.0", "id": 1, "result": {"pong": True}})

    def assertRefused(self, reply, limit):
        self.assertIsNotNone(reply, "closed without an error line")
        self.assertEqual(reply["id"], None)
        err = reply["error"]
        self.assertEqual(err["code"], 1012, err)
        self.assertEqual(err["data"]["limit"], limit, err)
        self.assertIn("too many connections", err["message"])

    @unittest.skipUnless(_USERS, _WHY)
    def test_connections_per_user(self):
        nobody, daemon_user = _USERS
        # limit-1 and limit: every connection is served
        replies = self.hold(nobody, 3)
        for r in replies:
            self.assertPong(r)
        self.assertPong(self.hold(nobody, 1)[0])
        # limit+1: refused, naming the limit
        self.assertRefused(self.hold(nobody, 1)[0], "connections_per_user")
        # another user and root still get in
        self.assertPong(self.hold(daemon_user, 1)[0])
        with self.daemon.client() as root:
            self.assertEqual(root.call("daemon.ping"), {"pong": True})

    @unittest.skipUnless(_USERS, _WHY)
    def test_root_keeps_its_reserve(self):
        nobody, daemon_user = _USERS
        # this test's own connection is one of the 8: 1 + 4 + 1 = 6 = 8 - 2
        for r in self.hold(nobody, 4):
            self.assertPong(r)
        self.assertPong(self.hold(daemon_user, 1)[0])
        # past max_connections - root_connections: refused for others
        self.assertRefused(self.hold(daemon_user, 1)[0], "max_connections")
        # root gets in up to max_connections (limit-1, limit), then not (limit+1)
        with self.daemon.client() as r7, self.daemon.client() as r8:
            self.assertEqual(r7.call("daemon.ping"), {"pong": True})
            self.assertEqual(r8.call("daemon.ping"), {"pong": True})
            with self.daemon.client() as r9:
                reply = r9.read_message()
                self.assertRefused(reply, "max_connections")
                self.assertIsNone(r9.read_message())
        # once others leave, everyone is served again
        self.close_held()
        self.assertPong(self.hold(daemon_user, 1)[0])

    def test_refusal_is_logged_once_per_interval(self):
        args = ("--limit", "max_connections=2", "--limit", "root_connections=0")
        d = harness.Daemon(args)
        try:
            with d.client() as a, d.client() as b:
                a.call("daemon.ping")
                b.call("daemon.ping")
                for _ in range(20):
                    with d.client() as extra:
                        self.assertEqual(extra.read_message()["error"]["data"]["limit"],
                                         "max_connections")
            log = d.read_log()
            self.assertEqual(log.count("refused"), 1, log)
        finally:
            d.cleanup()


@unittest.skipUnless(shutil.which("prlimit"), "needs prlimit")
class AcceptPauseLogTest(unittest.TestCase):
    """Out of descriptors, accepts pause; the warning is logged once per
    interval, not ten times a second."""

    def test_pauses_logged_once(self):
        tmp = tempfile.mkdtemp(prefix="sock6d-emfile-")
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, "ctl.sock")
        log = open(os.path.join(tmp, "log"), "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen(["prlimit", "--nofile=32:32", harness.SOCK6D, "--socket", path],
                                stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.terminate)
        first = None
        for _ in range(1000):
            try:
                first = harness.Client(path, timeout=5)
                break
            except OSError:
                time.sleep(0.01)  # poll interval while it starts
        self.addCleanup(first.close)
        self.assertEqual(first.call("daemon.ping"), {"pong": True})
        extra = []
        for _ in range(60):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            extra.append(s)
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            self.assertEqual(first.call("daemon.ping"), {"pong": True})
            time.sleep(0.05)  # the test is about time passing
        for s in extra:
            s.close()
        self.assertEqual(first.call("daemon.ping"), {"pong": True})
        with open(os.path.join(tmp, "log"), "rb") as f:
            text = f.read().decode("utf-8", "replace")
        self.assertEqual(text.count("pausing accepts"), 1, text)


class PendingShareTest(harness.DaemonTest):
    """Pending calls: 2 per connection, 3 per user."""

    DAEMON_ARGS = ("--limit", "pending_per_connection=2", "--limit", "pending_per_user=3")

    def park(self, client, handle):
        return client.request("socket.accept", {"handle": handle, "timeout": 60000})

    def assertLimit(self, client, rid, limit, value):
        reply = client.wait(rid)
        self.assertEqual(reply["error"]["code"], 1012, reply)
        self.assertEqual(reply["error"]["data"]["limit"], limit, reply)
        self.assertIn("(%d)" % value, reply["error"]["message"])

    def test_pending_per_user(self):
        h, _ = self.listener()
        with self.daemon.client() as a, self.daemon.client() as b:
            self.park(a, h)                       # 1 of 3: limit-1 for the user
            self.park(a, h)                       # 2 of 2 on a
            self.assertLimit(a, self.park(a, h), "pending_per_connection", 2)
            self.park(b, h)                       # 3 of 3: the user's limit
            self.assertEqual(b.call("daemon.ping"), {"pong": True})
            self.assertLimit(b, self.park(b, h), "pending_per_user", 3)  # limit+1
            # requests that need not wait are still served
            self.assertEqual(b.call("socket.info", {"handle": h})["state"], "listening")
        # the connections are gone: their calls no longer count
        for _ in range(1000):
            if self.c.call("daemon.stats")["connections"] == 1:
                break
        rid = self.park(self.c, h)
        self.c.call("socket.close", {"handle": h})
        self.assertEqual(self.c.wait(rid)["error"]["code"], 1010)

    @unittest.skipUnless(_USERS, _WHY)
    def test_another_user_still_parks(self):
        nobody = _USERS[0]
        h, _ = self.listener()
        with self.daemon.client() as a, self.daemon.client() as b:
            for client in (a, a, b):
                self.park(client, h)
                client.call("daemon.ping")  # in this order: the daemon took it
            self.assertLimit(b, self.park(b, h), "pending_per_user", 3)
            # nobody's own listener: its accept waits and times out (1002),
            # it is not refused by root's share
            r = harness.calls_as(nobody, self.daemon.path, [
                ["socket.create", {"family": "inet", "type": "stream"}],
                ["socket.bind", {"handle": 0, "address": "127.0.0.1:0"}],
                ["socket.listen", {"handle": 0}],
                ["socket.accept", {"handle": 0, "timeout": 200}],
                ["socket.close", {"handle": 0}]])
            self.assertEqual(r[3]["error"]["code"], 1002, r[3])
        self.c.call("socket.close", {"handle": h})



@unittest.skipUnless(_USERS, _WHY)
class StatsTest(harness.DaemonTest):
    """daemon.stats: root sees the daemon's totals, another user its own."""

    def as_user(self, user, calls):
        return harness.calls_as(user, self.daemon.path, calls)

    def test_another_user_sees_its_own(self):
        for _ in range(5):
            self.create()
        rx = self.create("inet", "dgram")
        addr = self.c.call("socket.bind", {"handle": rx, "address": "127.0.0.1:0"})["address"]
        nobody = _USERS[0]
        replies = self.as_user(nobody, [
            ["socket.create", {"family": "inet", "type": "dgram"}],
            ["socket.create", {"family": "inet", "type": "dgram"}],
            ["socket.send_to", {"handle": 0, "text": "hello", "address": addr["string"]}],
            ["socket.craete", {}],
            ["daemon.stats", {}]])
        stats = replies[-1]["result"]
        self.assertEqual(stats["connections"], 1)
        self.assertEqual(stats["handles"], 2)
        self.assertEqual(stats["errors"], 1)
        self.assertEqual(stats["bytes_in"], 0)
        self.assertEqual(stats["bytes_out"], 5)
        # its requests since it first came: these five (the stats call counts)
        self.assertEqual(stats["requests"], 5)
        self.assertEqual(self.c.call("socket.receive", {"handle": rx, "length": 10})["bytes"], 5)
        total = self.c.call("daemon.stats")
        self.assertGreaterEqual(total["handles"], 6 + 2)
        self.assertGreater(total["requests"], 4)
        for r in replies[:2]:
            self.c.call("socket.close", {"handle": r["result"]["handle"]})


if __name__ == "__main__":
    harness.main()
