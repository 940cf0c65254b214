"""test_unixfile.py: the file a UNIX bind creates is removed when its handle
closes, only if it is still that socket, through the directory it was made
in, and with the rights of the client that bound it (PROTOCOL §5).

The ordinary cases run as any user.  The cases about whose rights the
removal uses, and the race an unprivileged user could run against a daemon
running as root (swapping a directory of the bound path for a symlink to a
root-owned directory while its handle closes), need root and setpriv: the
attacker is `nobody`, running a small Python client through
`setpriv --reuid=nobody --regid=nogroup --clear-groups`.
"""

import json
import os
import socket
import stat
import subprocess
import sys
import time
import unittest

import harness


_USERS, _WHY = harness.other_users("nobody")

# Run as nobody: for argv[3] seconds, bind BASE/d/target on a
# connection-scoped handle and hang up, over and over, while a thread swaps
# BASE/d and BASE/link (a symlink to a root-owned directory) with
# renameat2(RENAME_EXCHANGE).  Prints how many rounds and binds it made.
RACE = r"""
import ctypes, json, os, socket, sys, threading, time
path, base, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
d, link = os.path.join(base, "d").encode(), os.path.join(base, "link").encode()
stop = threading.Event()
def swap():
    while not stop.is_set():
        libc.renameat2(AT_FDCWD, d, AT_FDCWD, link, RENAME_EXCHANGE)
t = threading.Thread(target=swap)
t.start()
rounds = binds = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"socket.create","params":'
              b'{"family":"unix","type":"stream","scope":"connection"}}\n')
    buf = b""
    while b"\n" not in buf:
        buf += s.recv(4096)
    h = json.loads(buf)["result"]["handle"]
    target = os.path.join(base, "d", "target")
    try:
        os.unlink(target)  # a file the daemon has not removed yet
    except OSError:
        pass
    s.sendall(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "socket.bind",
                          "params": {"handle": h, "address": target}}).encode() + b"\n")
    buf = buf.split(b"\n", 1)[1]
    while b"\n" not in buf:
        buf += s.recv(4096)
    binds += "result" in json.loads(buf.split(b"\n", 1)[0])
    s.close()
    rounds += 1
stop.set()
t.join()
print(json.dumps({"rounds": rounds, "binds": binds}))
"""


class UnixFileTest(harness.DaemonTest):

    def bind(self, path, scope=None, client=None):
        c = client or self.c
        params = {"family": "unix", "type": "stream"}
        if scope:
            params["scope"] = scope
        h = c.call("socket.create", params)["handle"]
        c.call("socket.bind", {"handle": h, "address": path})
        return h

    def test_close_removes_the_file(self):
        path = os.path.join(self.tmp, "s")
        h = self.bind(path)
        self.assertTrue(stat.S_ISSOCK(os.lstat(path).st_mode))
        self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
        self.assertFalse(os.path.lexists(path))

    def test_abstract_and_unbound_close_cleanly(self):
        h = self.bind("@sock6d-test-%d" % os.getpid())
        self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
        h = self.create("unix")
        self.assertEqual(self.c.call("socket.close", {"handle": h}), {})

    def test_file_in_a_directory_given_with_dots(self):
        os.mkdir(os.path.join(self.tmp, "sub"))
        path = os.path.join(self.tmp, "sub", ".", "..", "sub", "s")
        h = self.bind(path)
        self.c.call("socket.close", {"handle": h})
        self.assertFalse(os.path.lexists(os.path.join(self.tmp, "sub", "s")))

    def test_replaced_socket_is_left_alone(self):
        path = os.path.join(self.tmp, "s")
        h = self.bind(path)
        os.unlink(path)
        other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(other.close)
        other.bind(path)
        self.c.call("socket.close", {"handle": h})
        self.assertTrue(stat.S_ISSOCK(os.lstat(path).st_mode))

    def test_replaced_by_a_regular_file_is_left_alone(self):
        path = os.path.join(self.tmp, "s")
        h = self.bind(path)
        os.unlink(path)
        with open(path, "w") as f:
            f.write("keep me")
        self.c.call("socket.close", {"handle": h})
        with open(path) as f:
            self.assertEqual(f.read(), "keep me")

    def test_removal_follows_the_directory_not_the_path(self):
        # After the bind, the directory is renamed and its old name made a
        # symlink to another directory holding a socket of the same name:
        # the close removes the file where the bind made it, nothing else.
        d, moved, other = (os.path.join(self.tmp, n) for n in ("d", "moved", "other"))
        os.mkdir(d)
        os.mkdir(other)
        h = self.bind(os.path.join(d, "s"))
        os.rename(d, moved)
        os.symlink(other, d)
        decoy = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(decoy.close)
        decoy.bind(os.path.join(other, "s"))
        self.c.call("socket.close", {"handle": h})
        self.assertFalse(os.path.lexists(os.path.join(moved, "s")))
        self.assertTrue(stat.S_ISSOCK(os.lstat(os.path.join(other, "s")).st_mode))

    def test_connection_scope_removes_the_file_on_hang_up(self):
        path = os.path.join(self.tmp, "s")
        with self.daemon.client() as c:
            self.bind(path, scope="connection", client=c)
        deadline = time.monotonic() + 5
        while os.path.lexists(path) and time.monotonic() < deadline:
            self.c.call("daemon.ping")  # let the daemon see the hang-up
        self.assertFalse(os.path.lexists(path))

    def test_shutdown_removes_the_file(self):
        d = harness.Daemon()
        try:
            path = os.path.join(self.tmp, "s")
            with d.client() as c:
                self.bind(path, client=c)
            self.assertTrue(os.path.lexists(path))
            self.assertEqual(d.stop(), 0)
            self.assertFalse(os.path.lexists(path))
        finally:
            d.cleanup()


@unittest.skipUnless(_USERS, _WHY)
class UnixFileRightsTest(harness.DaemonTest):
    """Removal runs with the rights of the client that bound the file,
    whoever closes the handle and on every path."""

    def setUp(self):
        super().setUp()
        self.nobody, self.nogroup = _USERS[0].pw_uid, _USERS[0].pw_gid
        self.base = os.path.join(self.tmp, "base")
        os.mkdir(self.base)
        os.chown(self.base, self.nobody, self.nogroup)
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait()
            for f in (p.stdin, p.stdout):
                if f:
                    f.close()
        super().tearDown()

    def as_nobody(self, calls):
        """Run calls as nobody on a connection kept open; their replies."""
        replies, p = harness.calls_as_held(_USERS[0], self.daemon.path, calls)
        self.procs.append(p)
        return replies, p

    def handles_of_nobody(self):
        return [s["handle"] for s in self.c.call("socket.list")["sockets"]
                if s["owner"] == self.nobody]

    def wait_no_handles(self):
        deadline = time.monotonic() + 10
        while self.handles_of_nobody():
            self.assertLess(time.monotonic(), deadline, "nobody's handles were not closed")
            time.sleep(0.02)  # poll interval while the daemon closes them

    def test_root_closing_uses_the_binders_rights(self):
        path = os.path.join(self.base, "s")
        replies, p = self.as_nobody([
            ["socket.create", {"family": "unix", "type": "stream"}],
            ["socket.bind", {"handle": 0, "address": path}]])
        self.assertIn("result", replies[1], replies)
        h = replies[0]["result"]["handle"]
        self.assertEqual(os.lstat(path).st_uid, self.nobody)
        # nobody may no longer write the directory: root closing the
        # handle must not remove the file with root's rights
        os.chmod(self.base, 0o555)
        self.c.call("socket.close", {"handle": h})
        self.assertTrue(os.path.lexists(path))
        os.chmod(self.base, 0o755)

    def test_connection_scope_uses_the_binders_rights(self):
        path = os.path.join(self.base, "s")
        replies, p = self.as_nobody([
            ["socket.create", {"family": "unix", "type": "stream", "scope": "connection"}],
            ["socket.bind", {"handle": 0, "address": path}]])
        self.assertIn("result", replies[1], replies)
        os.chmod(self.base, 0o555)
        p.stdin.close()  # nobody hangs up: the daemon closes its handle
        p.wait(timeout=10)
        self.wait_no_handles()
        self.assertTrue(os.path.lexists(path))
        os.chmod(self.base, 0o755)
        # with the right restored, a new binding is removed as usual
        os.unlink(path)
        replies, p = self.as_nobody([
            ["socket.create", {"family": "unix", "type": "stream", "scope": "connection"}],
            ["socket.bind", {"handle": 0, "address": path}]])
        p.stdin.close()
        p.wait(timeout=10)
        self.wait_no_handles()
        self.assertFalse(os.path.lexists(path))

    def test_swapped_directory_race_deletes_nothing_of_roots(self):
        rootdir = os.path.join(self.tmp, "rootdir")
        os.mkdir(rootdir, 0o755)
        target = os.path.join(rootdir, "target")
        with open(target, "w") as f:
            f.write("root's file")
        d = os.path.join(self.base, "d")
        os.mkdir(d)
        os.chown(d, self.nobody, self.nogroup)
        os.symlink(rootdir, os.path.join(self.base, "link"))
        os.lchown(os.path.join(self.base, "link"), self.nobody, self.nogroup)
        out = subprocess.run(harness.setpriv(_USERS[0]) + (sys.executable, "-c", RACE,
                                                           self.daemon.path, self.base, "3"),
                             stdout=subprocess.PIPE, timeout=60, check=True).stdout
        stats = json.loads(out)
        self.assertGreater(stats["binds"], 10, stats)
        self.wait_no_handles()
        self.assertTrue(os.path.exists(target), "root's file was deleted (%r)" % stats)
        with open(target) as f:
            self.assertEqual(f.read(), "root's file")
        self.assertAlive()


if __name__ == "__main__":
    harness.main()
