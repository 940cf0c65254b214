"""test_sock6ctl_tty.py: `sock6ctl shell` on a terminal (a pty): TAB
completes method names, param names and enum values from rpc.discover;
lines are kept in the history file ($SOCK6CTL_HISTORY) without the blank
completion appends and without repeats, and the up arrow recalls them; a
notification that arrives while a line is half typed is printed above it
and the line is drawn again, still editable.
"""

import os
import pty
import select
import signal
import socket
import subprocess
import time

import harness


class TtyShellTest(harness.DaemonTest):

    def setUp(self):
        super().setUp()
        help_page = subprocess.run([harness.SOCK6CTL, "--socket", self.daemon.path, "help",
                                    "shell"], capture_output=True, text=True, timeout=30)
        if "built without libedit" in help_page.stdout:
            self.skipTest("sock6ctl was built without libedit (no line editor to test)")
        self.history = os.path.join(self.tmp, "history")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "xterm"
            os.environ["SOCK6CTL_HISTORY"] = self.history
            os.execv(harness.SOCK6CTL, ["sock6ctl", "--socket", self.daemon.path, "shell"])
        self.screen = b""
        self.pos = 0
        self.expect(b"sock6> ")

    def tearDown(self):
        if self.pid > 0:     # 0 once finish() has reaped it
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
        super().tearDown()

    def expect(self, what, timeout=10.0):
        """Read the terminal until `what` appears after the previous match;
        what was shown from there to the end of this match."""
        deadline = time.monotonic() + timeout
        while what not in self.screen[self.pos:]:
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail("%r never appeared; the terminal showed %r" % (what, self.screen[self.pos:]))
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    self.screen += os.read(self.fd, 65536)
                except OSError:
                    self.fail("the shell ended; it showed %r" % self.screen[self.pos:])
        end = self.screen.index(what, self.pos) + len(what)
        shown, self.pos = self.screen[self.pos:end], end
        return shown

    def type(self, keys):
        os.write(self.fd, keys)

    def finish(self):
        """^D at the prompt ends the shell; its exit status."""
        self.expect(b"sock6> ")
        self.type(b"\x04")
        deadline = time.monotonic() + 10
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.pid = 0
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() > deadline:
                self.fail("the shell did not end at ^D")
            # drain what it prints meanwhile, so it never blocks writing
            r, _, _ = select.select([self.fd], [], [], 0.05)
            if r:
                try:
                    self.screen += os.read(self.fd, 65536)
                except OSError:
                    pass

    def test_tab_completes_a_method(self):
        self.type(b"daemon.pi\t")
        self.expect(b"ng ")
        self.type(b"\r")
        self.expect(b'"pong": true')
        self.assertEqual(self.finish(), 0)

    def test_tab_completes_param_names_and_enum_values(self):
        self.type(b"socket.create fam\t")
        self.expect(b"ily=")
        self.type(b"inet\t\t")          # inet and inet6 both fit: listed
        out = self.expect(b"family=inet6")
        self.assertIn(b"family=inet ", out)
        self.type(b"6 type=st\t")
        self.expect(b"ream ")
        self.type(b"\r")
        self.expect(b'"handle":')

    def test_history_file_and_up_arrow(self):
        self.type(b"daemon.pi\t\r")
        self.expect(b'"pong": true')
        self.type(b"daemon.ping\r")     # the same again: kept once
        self.expect(b'"pong": true')
        self.type(b"\x1b[A\r")          # up arrow: daemon.ping again
        self.expect(b'"pong": true')
        self.assertEqual(self.finish(), 0)
        with open(self.history) as f:
            lines = [l for l in f.read().splitlines() if not l.startswith("_HiStOrY_")]
        self.assertEqual(lines, ["daemon.ping"])
        self.assertEqual(os.stat(self.history).st_mode & 0o777, 0o600)

    def test_notification_while_typing(self):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        self.addCleanup(srv.close)
        self.type(b"socket.create family=inet type=stream\r")
        self.expect(b'"handle":')
        self.type(b"socket.connect handle=$_ address=127.0.0.1:%d\r" % srv.getsockname()[1])
        self.expect(b"sock6> ")
        peer, _ = srv.accept()
        self.addCleanup(peer.close)
        self.type(b"socket.subscribe handle=$_\r")
        self.expect(b"sock6> ")
        self.type(b"daemon.pi")          # half a line, no Enter
        self.expect(b"daemon.pi")
        peer.sendall(b"hello")
        out = self.expect(b"socket.data")
        self.assertIn(b"<-- ", out)
        self.expect(b"\r\nsock6> daemon.pi")  # the line drawn again
        self.type(b"ng\r")               # and still being edited
        self.expect(b'"pong": true')
        self.assertEqual(self.finish(), 0)


if __name__ == "__main__":
    harness.main()
