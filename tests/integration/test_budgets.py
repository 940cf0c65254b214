"""test_budgets.py: what a client makes the daemon hold beyond its handles
and replies is counted in that client's user's shares.

What it proves: a descriptor queued on a socket.export reply counts as one
of the caller's handles until the reply is sent, so pipelined exports on a
connection that does not read get 1012 (data.limit handles_per_user) once
the share is used and the daemon's descriptors stay within it, and the
share comes back once the replies are read; a socket.send_to to a UNIX
path that waits holds a descriptor on the path's file that counts the same
way (1012 past the share, back once the call is over); each connection's
input buffer above 64 KiB counts in its user's input_per_user, so among
connections holding unfinished long lines the ones past the budget are
answered -32600 with data.limit input_per_user and closed, while those
within it finish their requests, short requests of the same user still
work, another user's long line is unaffected, and the daemon's RSS stays
near the budget.
"""

import fcntl
import json
import os
import select
import socket
import struct
import subprocess
import sys
import termios
import unittest

import harness

line = harness.request_line

_USERS, _WHY = harness.other_users("nobody")


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def unsent(s):
    """Bytes the client sent that the daemon has not read yet."""
    return struct.unpack("i", fcntl.ioctl(s.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]


def sanitized(pid):
    """Whether the daemon runs with a sanitizer's allocator."""
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def readable(s):
    return bool(select.select([s], [], [], 0)[0])


def read_line_then_end(s):
    """One line from s, then the end of the connection (a close by the
    daemon with bytes it did not read shows as a reset)."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            raise AssertionError("EOF after %r" % data)
        data += chunk
    try:
        more = s.recv(65536)
    except ConnectionResetError:
        more = b""
    if more:
        raise AssertionError("more after the line: %r" % more[:200])
    return data


def recv_all_fds(s, until):
    """Every message on s up to the one with id `until`, and the number of
    descriptors that came with them (closed here)."""
    data, nfds = b"", 0
    while True:
        msg, fds, flags, _ = socket.recv_fds(s, 1 << 16, 256)
        if flags & socket.MSG_CTRUNC:
            raise AssertionError("descriptors truncated")
        for fd in fds:
            os.close(fd)
        nfds += len(fds)
        if not msg:
            raise AssertionError("EOF before the reply to %r" % until)
        data += msg
        if data.endswith(b"\n") and json.loads(data[data.rfind(b"\n", 0, -1) + 1:]).get(
                "id") == until:
            return [json.loads(m) for m in data.splitlines()], nfds


class ExportShareTest(harness.DaemonTest):
    """socket.export with a share of 16 handles."""

    SHARE = 16
    DAEMON_ARGS = ("--allow-export", "--limit", "handles_per_user=%d" % SHARE)

    def refused_create(self):
        """Whether a new handle is refused for the share, now (a handle
        made is closed again)."""
        r = self.c.request("socket.create", {"family": "inet", "type": "dgram"})
        reply = self.c.wait(r)
        if "result" in reply:
            self.c.call("socket.close", {"handle": reply["result"]["handle"]})
            return False
        self.assertEqual(reply["error"]["code"], 1012, reply)
        self.assertEqual(reply["error"]["data"]["limit"], "handles_per_user", reply)
        return True

    def test_unread_exports_bounded(self):
        pid = self.daemon.proc.pid
        h = self.create(type="dgram")
        base = fd_count(pid)
        s = self.raw_socket(rcvbuf=4096)
        n = 3000
        s.sendall(b"".join(line("socket.export", {"handle": h, "keep": True}, id=i)
                           for i in range(1, n + 1)))
        # The copies queued unsent use the share: another handle is refused.
        harness.wait_until(self.refused_create, what="the share used by queued exports")
        self.assertLessEqual(fd_count(pid), base + self.SHARE + 2)
        s.sendall(line("daemon.ping", {}, id="end"))
        msgs, nfds = recv_all_fds(s, "end")
        self.assertEqual(len(msgs), n + 1)
        ok = [m for m in msgs[:-1] if "result" in m]
        refused = [m for m in msgs[:-1] if "error" in m]
        self.assertEqual(nfds, len(ok))  # each with its reply, none left behind
        self.assertGreater(len(refused), 0)
        for m in refused:
            self.assertEqual(m["error"]["code"], 1012, m)
            self.assertEqual(m["error"]["data"]["limit"], "handles_per_user", m)
        # Sent, they are the client's: the share is back.
        self.assertFalse(self.refused_create())
        harness.wait_until(lambda: fd_count(pid) <= base + 1, what="descriptors back")


# Run as another user: argv[1] the control socket, argv[2] the path of a
# UNIX datagram socket whose queue is never read, argv[3] one with room.
# With two handles, fills the first queue with send_to, leaves four
# send_to waiting, tries a fifth, a socket.create and, on the second
# handle, a send_to that need not wait; prints those three replies as JSON;
# once a line comes on stdin (the queue has been read), prints the four
# waiting replies and another create's.
SEND_TO_AS = r"""
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
f = s.makefile("rwb")
n = 0
def send(method, params):
    global n
    n += 1
    f.write(json.dumps({"jsonrpc": "2.0", "id": n, "method": method, "params": params}).encode()
            + b"\n")
    f.flush()
    return n
got = {}
def wait(i):
    while i not in got:
        m = json.loads(f.readline())
        got[m["id"]] = m
    return got.pop(i)
h = wait(send("socket.create", {"family": "unix", "type": "dgram"}))["result"]["handle"]
h2 = wait(send("socket.create", {"family": "unix", "type": "dgram"}))["result"]["handle"]
to = {"handle": h, "text": "x", "address": sys.argv[2]}
while "result" in wait(send("socket.send_to", dict(to, flags=["dontwait"]))):
    pass
waiting = [send("socket.send_to", dict(to, timeout=None)) for _ in range(4)]
sixth = send("socket.send_to", dict(to, timeout=None))
create = send("socket.create", {"family": "inet", "type": "dgram"})
free = send("socket.send_to", dict(to, handle=h2, address=sys.argv[3]))
print(json.dumps([wait(sixth), wait(create), wait(free)]), flush=True)
sys.stdin.readline()
print(json.dumps([wait(i) for i in waiting] +
                 [wait(send("socket.create", {"family": "inet", "type": "dgram"}))]), flush=True)
"""


@unittest.skipIf(_USERS is None, _WHY)
class SendToGuardShareTest(harness.DaemonTest):
    """A waiting send_to to a UNIX path (the daemon holds the path's file
    for a user other than root), with a share of 6 handles."""

    DAEMON_ARGS = ("--limit", "handles_per_user=6")

    def test_waiting_send_to_counts(self):
        path = os.path.join(self.tmp, "full.sock")
        peer = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(peer.close)
        peer.bind(path)
        os.chmod(path, 0o777)
        roomy = os.path.join(self.tmp, "roomy.sock")
        other = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(other.close)
        other.bind(roomy)
        os.chmod(roomy, 0o777)
        p = subprocess.Popen(harness.setpriv(_USERS[0]) + (
            sys.executable, "-I", "-c", SEND_TO_AS, self.daemon.path, path, roomy),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd="/")
        self.addCleanup(p.stdout.close)
        self.addCleanup(p.stdin.close)
        self.addCleanup(p.wait)
        self.addCleanup(p.kill)
        first = p.stdout.readline()
        self.assertTrue(first, "the client as nobody failed")
        # Two handles and four held paths: the share is used.
        sixth, create, free = json.loads(first)
        for reply in (sixth, create):
            self.assertEqual(reply["error"]["code"], 1012, reply)
            self.assertEqual(reply["error"]["data"]["limit"], "handles_per_user", reply)
        # A send that need not wait holds no path: it goes, share or not.
        self.assertIn("result", free, free)
        self.assertEqual(free["result"]["bytes"], 1, free)
        self.assertEqual(other.recv(16), b"x")
        while True:
            try:
                peer.recv(16, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
        p.stdin.write(b"go\n")
        p.stdin.flush()
        # The waiting sends finish and the share is back.
        replies = json.loads(p.stdout.readline())
        for reply in replies[:4]:
            self.assertEqual(reply["result"]["bytes"], 1, reply)
        self.assertIn("handle", replies[4]["result"])


# Run as another user: argv[1] the control socket, argv[2] the length of
# the padding.  Sends one daemon.ping padded with that many blanks, prints
# the reply line.
LONG_PING_AS = r"""
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(20)
s.connect(sys.argv[1])
s.sendall(b'{"jsonrpc":"2.0","id":7,"method":"daemon.ping"' + b" " * int(sys.argv[2]) + b"}\n")
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
sys.stdout.write(buf.decode())
"""

class InputBudgetTest(harness.DaemonTest):
    """input_per_user of 1 MiB: two unfinished lines of 400,000 bytes fit
    (each buffer 512 KiB, 448 KiB of it counted), a third does not."""

    BUDGET = 1 << 20
    PAD = 400000
    DAEMON_ARGS = ("--limit", "input_per_user=%d" % BUDGET)
    HEAD = b'{"jsonrpc":"2.0","id":1,"method":"daemon.ping"'

    def hold_line(self):
        """A connection that sent an unfinished padded ping, once the daemon
        has read all of it or answered: (socket, whether it was answered)."""
        s = self.raw_socket(timeout=20)
        try:
            s.sendall(self.HEAD + b" " * self.PAD)
        except (BrokenPipeError, ConnectionResetError):
            return s, True
        harness.wait_until(lambda: unsent(s) == 0 or readable(s), what="the line read")
        return s, readable(s)

    def test_budget_per_user(self):
        pid = self.daemon.proc.pid
        self.c.call("daemon.ping")
        before = harness.rss(pid)
        held = []
        for i in range(2):
            s, answered = self.hold_line()
            self.assertFalse(answered, "connection %d refused within the budget" % i)
            held.append(s)
        peak = 0
        for i in range(40):
            s, answered = self.hold_line()
            peak = max(peak, harness.rss(pid))
            msg = json.loads(read_line_then_end(s))
            err = msg["error"]
            self.assertEqual(err["code"], -32600, err)
            self.assertEqual(err["data"]["limit"], "input_per_user", err)
            self.assertIsNone(msg["id"])
        # 40 more lines of 512 KiB would be 20 MiB.  (Under valgrind the
        # RSS is valgrind's, see harness.RSS_UNDER_WRAPPER; a sanitizer's
        # allocator keeps freed memory on purpose.)
        if not harness.WRAPPER and not sanitized(pid):
            self.assertLess(peak - before, 8 << 20, "RSS grew by %d" % (peak - before))
        # Short requests of the same user still go.
        self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
        if _USERS is not None:
            p = subprocess.run(harness.setpriv(_USERS[0]) + (
                sys.executable, "-I", "-c", LONG_PING_AS, self.daemon.path, str(self.PAD)),
                capture_output=True, timeout=30, cwd="/")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["result"], {"pong": True}, p.stdout)
        # The lines within the budget finish.
        for s in held:
            s.sendall(b"}\n")
            self.assertEqual(json.loads(s.makefile("rb").readline())["result"],
                             {"pong": True})
        self.assertAlive()


if __name__ == "__main__":
    harness.main()
