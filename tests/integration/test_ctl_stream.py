"""test_ctl_stream.py: sock6ctl's verbs over the streaming methods (binary
in $SOCK6CTL): `follow` (socket.subscribe to socket.eof or socket.error,
NDJSON or --raw, credit given back as stdout drains so a stopped reader
stalls the TCP peer), `attach` (socket.attach as netcat, half-close in both
orders, --len4 with a UDP peer), `run` (socket.export into a command as
systemd socket-activation descriptors, --stdio, and the 1011 line without
--allow-export), and the verbs' usage errors and help.

The classes that need the streaming methods are skipped while the daemon
does not list them in rpc.discover.
"""

import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

import harness

STREAMING = ("socket.subscribe", "socket.credit", "socket.attach", "socket.export")
WAIT = 20.0


_missing = None


def missing_streaming():
    """The streaming methods a daemon started without options does not
    offer (asked once per run)."""
    global _missing
    if _missing is None:
        probe = harness.Daemon()
        try:
            with probe.client() as c:
                names = {m["name"] for m in c.call("rpc.discover")["methods"]}
        finally:
            probe.cleanup()
        _missing = [m for m in STREAMING if m not in names]
    return _missing


def read_exactly(f, n, timeout=WAIT):
    """n bytes from the pipe f (unbuffered reads), failing after timeout."""
    got = b""
    deadline = time.monotonic() + timeout
    while len(got) < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([f], [], [], left)[0]:
            raise AssertionError("got %d of %d bytes in time" % (len(got), n))
        chunk = os.read(f.fileno(), n - len(got))
        if not chunk:
            raise AssertionError("EOF after %d of %d bytes" % (len(got), n))
        got += chunk
    return got


def read_to_eof(f, timeout=WAIT):
    """Everything on the pipe f until EOF, failing after timeout."""
    got = b""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([f], [], [], left)[0]:
            raise AssertionError("no EOF in time (%d bytes so far)" % len(got))
        chunk = os.read(f.fileno(), 1 << 16)
        if not chunk:
            return got
        got += chunk


def recv_to_eof(s):
    got = b""
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            return got
        got += chunk


def in_thread(fn, *args):
    """Run fn(*args) in a thread; join() returns its result or raises."""
    box = {}

    def run():
        try:
            box["result"] = fn(*args)
        except BaseException as e:     # re-raised in join
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()

    def join(timeout=WAIT):
        t.join(timeout)
        if t.is_alive():
            raise AssertionError("%s did not finish" % fn.__name__)
        if "error" in box:
            raise box["error"]
        return box.get("result")
    return join


class CtlTest(harness.DaemonTest):
    """Running sock6ctl against the class's daemon, and the sockets it uses."""

    REQUIRE_STREAMING = True

    @classmethod
    def setUpClass(cls):
        if cls.REQUIRE_STREAMING:
            missing = missing_streaming()
            if missing:
                raise unittest.SkipTest("the daemon has no %s yet" % ", ".join(missing))
        super().setUpClass()

    def cmd(self, *args):
        return [harness.SOCK6CTL, "--socket", self.daemon.path] + list(args)

    def ctl(self, *args, stdin=b"", timeout=WAIT):
        """Run sock6ctl to its end: the CompletedProcess (bytes)."""
        try:
            return subprocess.run(self.cmd(*args), input=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=timeout, cwd=self.tmp)
        except subprocess.TimeoutExpired:
            self.fail("sock6ctl %r did not finish" % (args,))

    def popen(self, *args, **kw):
        """Start sock6ctl with pipes on stdin, stdout and stderr (killed at cleanup)."""
        p = subprocess.Popen(self.cmd(*args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, cwd=self.tmp, **kw)
        self.addCleanup(self.reap, p)
        return p

    def reap(self, p):
        if p.poll() is None:
            p.kill()
        p.wait()
        for f in (p.stdin, p.stdout, p.stderr):
            if f is not None:
                f.close()

    def finish(self, p, timeout=WAIT):
        """The exit status of p and what it wrote on stderr."""
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.fail("sock6ctl did not exit")
        return p.returncode, p.stderr.read().decode("utf-8", "replace")

    def close_quietly(self, h):
        with self.daemon.client() as c:
            c.call("socket.close", {"handle": h, "force": True})

    def tcp_peer(self):
        """A daemon TCP handle connected to a Python socket: (handle, peer)."""
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        h = self.create()
        self.addCleanup(self.close_quietly, h)
        self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % lst.getsockname()[1],
                                       "timeout": 5000})
        lst.settimeout(WAIT)
        peer, _ = lst.accept()
        lst.close()
        peer.settimeout(WAIT)
        self.addCleanup(peer.close)
        return h, peer

    def udp_peer(self):
        """A daemon UDP handle and a Python UDP socket connected to each other."""
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(WAIT)
        self.addCleanup(peer.close)
        h = self.create(type="dgram")
        self.addCleanup(self.close_quietly, h)
        addr = self.c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})["address"]
        self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % peer.getsockname()[1]})
        peer.connect(("127.0.0.1", addr["port"]))
        return h, peer

    def one_error_line(self, err, prefix):
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith(prefix), err)


class FollowTest(CtlTest):

    def test_raw_to_eof(self):
        h, peer = self.tcp_peer()
        payload = os.urandom(3 << 20) + b"\n\x00\r\nend"     # beyond the 1 MiB credit window

        def send():
            peer.sendall(payload)
            peer.close()
        sent = in_thread(send)
        p = self.ctl("follow", str(h), "--raw")
        sent()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"")
        self.assertEqual(len(p.stdout), len(payload))
        self.assertEqual(p.stdout, payload)
        info = self.c.call("socket.info", {"handle": h})
        self.assertFalse(info["subscribed"])

    def test_raw_nonblocking_stdout(self):
        h, peer = self.tcp_peer()
        payload = os.urandom(2 << 20)
        out_r, out_w = os.pipe()
        os.set_blocking(out_w, False)   # as a parent sharing its pipe might leave it
        p = subprocess.Popen(self.cmd("follow", str(h), "--raw"), stdout=out_w,
                             stderr=subprocess.PIPE)
        self.addCleanup(self.reap, p)
        os.close(out_w)
        with open(out_r, "rb", buffering=0) as out:
            got = in_thread(read_to_eof, out)
            peer.sendall(payload)
            peer.close()
            self.assertEqual(got(), payload)
        code, err = self.finish(p)
        self.assertEqual(code, 0, err)

    def test_ndjson_lines(self):
        h, peer = self.tcp_peer()
        payload = b"hello\n" + bytes(range(256)) * 4
        peer.sendall(payload)
        peer.close()
        p = self.ctl("follow", str(h))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.endswith(b"\n"))
        lines = [json.loads(line) for line in p.stdout.decode("utf-8").split("\n")[:-1]]
        got, offset = b"", 0
        for msg in lines[:-1]:
            self.assertNotIn("id", msg)
            self.assertEqual(msg["params"]["handle"], h, msg)
            if msg["method"] == "socket.data":
                self.assertEqual(msg["params"]["offset"], offset, msg)
                chunk = harness.unb64(msg["params"]["data"])
                got += chunk
                offset += len(chunk)
            else:
                self.assertEqual(msg["method"], "socket.paused", msg)
        self.assertEqual(got, payload)
        self.assertEqual(lines[-1]["method"], "socket.eof")
        self.assertEqual(lines[-1]["params"], {"handle": h, "offset": len(payload)})

    def test_text(self):
        h, peer = self.tcp_peer()
        payload = "caf\u00e9 \u2603 text\n".encode("utf-8")
        peer.sendall(payload)
        peer.close()
        p = self.ctl("follow", str(h), "--text")
        self.assertEqual(p.returncode, 0, p.stderr)
        msgs = [json.loads(line) for line in p.stdout.splitlines()]
        text = "".join(m["params"]["text"] for m in msgs if m["method"] == "socket.data")
        self.assertEqual(text.encode("utf-8"), payload)

    def test_error_exits_1(self):
        h, peer = self.tcp_peer()
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()        # a reset
        p = self.ctl("follow", str(h))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.one_error_line(p.stderr.decode(), "sock6ctl: ")
        last = json.loads(p.stdout.splitlines()[-1])
        self.assertEqual(last["method"], "socket.error", last)
        self.assertEqual(last["params"]["error"]["data"]["errname"], "ECONNRESET", last)

    def test_slow_consumer_stalls_the_peer(self):
        h, peer = self.tcp_peer()
        p = self.popen("follow", str(h), "--raw")      # stdout not read for now
        peer.setblocking(False)
        block = os.urandom(1 << 16)
        sent = bytearray()
        limit = 256 << 20
        while True:
            self.assertLess(len(sent), limit, "the peer was never slowed down")
            try:
                n = peer.send(block)
            except BlockingIOError:
                # stalled when no room appears for a whole second
                if not select.select([], [peer], [], 1.0)[1]:
                    break
                continue
            sent += block[:n]
        stalled_at = len(sent)
        self.assertIsNone(p.poll())
        rss = harness.proc_status(p.pid, "VmRSS")
        self.assertLess(rss, 32 << 10, "sock6ctl holds %d KiB" % rss)     # KiB
        # reading again: everything arrives, in order, nothing lost
        out = in_thread(read_to_eof, p.stdout, 60.0)
        peer.setblocking(True)
        peer.settimeout(60.0)
        tail = os.urandom(1 << 20)
        peer.sendall(tail)
        peer.close()
        got = out()
        code, err = self.finish(p)
        self.assertEqual(code, 0, err)
        self.assertEqual(len(got), stalled_at + len(tail))
        self.assertTrue(got == bytes(sent) + tail)

    def test_listener_prints_accepted(self):
        h, addr = self.listener()
        self.addCleanup(self.close_quietly, h)
        port = int(addr.rsplit(":", 1)[1])
        p = self.popen("follow", str(h))
        clients = []
        for _ in range(2):
            s = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
            self.addCleanup(s.close)
            clients.append(s.getsockname()[1])
        lines = b""
        while lines.count(b"\n") < 2:
            lines += read_exactly(p.stdout, 1)
        msgs = [json.loads(line) for line in lines.splitlines()]
        accepted = []
        for m in msgs:
            self.assertEqual(m["method"], "socket.accepted", m)
            self.assertEqual(m["params"]["handle"], h)
            self.assertIn(m["params"]["peer"]["port"], clients)
            accepted.append(m["params"]["accepted"])
            self.addCleanup(self.close_quietly, m["params"]["accepted"])
        self.assertEqual(len(set(accepted)), 2)
        for a in accepted:
            self.assertEqual(self.c.call("socket.info", {"handle": a})["state"], "connected")

    def test_unknown_handle(self):
        p = self.ctl("follow", "987654321")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, b"")
        self.one_error_line(p.stderr.decode(), "sock6ctl: socket.subscribe: ")


class AttachTest(CtlTest):

    def test_netcat_both_ways(self):
        h, peer = self.tcp_peer()
        p = self.popen("attach", str(h))
        up = os.urandom(1 << 20) + b"\n\x00"
        down = os.urandom(1 << 20) + b"\r\n"

        def feed():
            p.stdin.write(up)
            p.stdin.close()             # stdin EOF: the socket's write side is shut
        fed = in_thread(feed)
        out = in_thread(read_to_eof, p.stdout)

        def peer_send():
            peer.sendall(down)
            peer.shutdown(socket.SHUT_WR)
        peer_sent = in_thread(peer_send)
        self.assertEqual(recv_to_eof(peer), up)
        fed()
        peer_sent()
        self.assertEqual(out(), down)
        code, err = self.finish(p)
        self.assertEqual(code, 0, err)
        # the client ended its side with a half-close: the handle stays
        info = self.c.call("socket.info", {"handle": h})
        self.assertTrue(info["shut_wr"], info)
        self.assertFalse(info["attached"], info)

    def test_nonblocking_pipes(self):
        h, peer = self.tcp_peer()
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        os.set_blocking(in_r, False)
        os.set_blocking(out_w, False)
        p = subprocess.Popen(self.cmd("attach", str(h)), stdin=in_r, stdout=out_w,
                             stderr=subprocess.PIPE)
        self.addCleanup(self.reap, p)
        os.close(in_r)
        os.close(out_w)
        up, down = os.urandom(1 << 20), os.urandom(1 << 20)
        with open(in_w, "wb", buffering=0) as stdin, open(out_r, "rb", buffering=0) as stdout:
            out = in_thread(read_to_eof, stdout)

            def feed():
                stdin.write(up)
                stdin.close()
            fed = in_thread(feed)
            peer_sent = in_thread(lambda: (peer.sendall(down), peer.shutdown(socket.SHUT_WR)))
            self.assertEqual(recv_to_eof(peer), up)
            fed()
            peer_sent()
            self.assertEqual(out(), down)
        code, err = self.finish(p)
        self.assertEqual(code, 0, err)

    def test_socket_ends_first(self):
        h, peer = self.tcp_peer()
        peer.sendall(b"greeting\n")     # waiting before the attach: may share the reply's read
        peer.shutdown(socket.SHUT_WR)
        p = self.popen("attach", str(h))
        self.assertEqual(read_to_eof(p.stdout), b"greeting\n")
        self.assertIsNone(p.poll(), "exited before stdin ended")
        p.stdin.write(b"late reply\n")
        p.stdin.close()
        self.assertEqual(recv_to_eof(peer), b"late reply\n")
        code, err = self.finish(p)
        self.assertEqual(code, 0, err)

    def test_len4_udp(self):
        h, peer = self.udp_peer()
        p = self.popen("attach", str(h), "--len4")
        frames = [b"one", b"\x00\xff\n binary\r\n", os.urandom(1200)]
        p.stdin.write(b"".join(struct.pack(">I", len(f)) + f for f in frames))
        p.stdin.flush()
        for f in frames:
            self.assertEqual(peer.recv(65536), f)
        replies = [b"reply-1", os.urandom(1000), b"\n"]
        for r in replies:
            peer.send(r)
        want = b"".join(struct.pack(">I", len(r)) + r for r in replies)
        self.assertEqual(read_exactly(p.stdout, len(want)), want)
        p.terminate()

    def test_unknown_handle(self):
        p = self.ctl("attach", "987654321", stdin=b"not a request\n")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, b"")
        self.one_error_line(p.stderr.decode(), "sock6ctl: socket.attach: ")


# The program run under `sock6ctl run`: what it was given, then one echo.
LISTEN_PROG = r"""
import json, os, socket, stat, sys
n = int(os.environ["LISTEN_FDS"])
fds = [fd for fd in range(3, 1024) if os.path.exists("/proc/self/fd/%d" % fd)]
ports = []
for fd in range(3, 3 + n):
    s = socket.socket(fileno=fd)
    ports.append(s.getsockname()[1])
    s.detach()
info = {"pid": os.getpid(), "fds": fds, "ports": ports,
        "env": {k: os.environ.get(k) for k in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")}}
print(json.dumps(info), flush=True)
lst = socket.socket(fileno=3)
c, _ = lst.accept()
while True:
    d = c.recv(65536)
    if not d:
        break
    c.sendall(d)
c.close()
"""

STDIO_PROG = r"""
import json, os, stat, sys
fds = [fd for fd in range(3, 1024) if os.path.exists("/proc/self/fd/%d" % fd)]
socks = [stat.S_ISSOCK(os.fstat(fd).st_mode) for fd in (0, 1)]
env = {k: os.environ.get(k) for k in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES")}
sys.stderr.write(json.dumps({"fds": fds, "socks": socks, "env": env}) + "\n")
sys.stdout.buffer.write(sys.stdin.buffer.read().upper())
"""


class RunTest(CtlTest):
    DAEMON_ARGS = ("--allow-export",)

    def test_listener_echo(self):
        h, addr = self.listener()
        self.addCleanup(self.close_quietly, h)
        port = int(addr.rsplit(":", 1)[1])
        stray_r, stray_w = os.pipe()    # inherited by sock6ctl: never by the command
        self.addCleanup(os.close, stray_r)
        self.addCleanup(os.close, stray_w)
        p = self.popen("run", str(h), "--", sys.executable, "-I", "-c", LISTEN_PROG,
                       pass_fds=(stray_r, stray_w))
        info = json.loads(read_to_eof_line(p.stdout))
        self.assertEqual(info["env"], {"LISTEN_FDS": "1", "LISTEN_PID": str(info["pid"]),
                                       "LISTEN_FDNAMES": str(h)})
        self.assertEqual(info["pid"], p.pid, "sock6ctl must exec, not fork")
        self.assertEqual(info["fds"], [3])
        self.assertEqual(info["ports"], [port])
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as s:
            s.sendall(b"echo me\n\x00")
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(recv_to_eof(s), b"echo me\n\x00")
        code, err = self.finish(p)
        self.assertEqual(code, 0, err)
        # exported without keep: the daemon gave the handle up
        self.assertError(self.c.error("socket.info", {"handle": h}), 1010)

    def test_two_handles(self):
        (h1, a1), (h2, a2) = self.listener(), self.listener()
        self.addCleanup(self.close_quietly, h1)
        self.addCleanup(self.close_quietly, h2)
        p = self.popen("run", str(h1), str(h2), "--", sys.executable, "-I", "-c", LISTEN_PROG)
        info = json.loads(read_to_eof_line(p.stdout))
        self.assertEqual(info["env"]["LISTEN_FDS"], "2")
        self.assertEqual(info["env"]["LISTEN_FDNAMES"], "%d:%d" % (h1, h2))
        self.assertEqual(info["fds"], [3, 4])
        self.assertEqual(info["ports"], [int(a1.rsplit(":", 1)[1]), int(a2.rsplit(":", 1)[1])])
        p.kill()

    def test_stdio(self):
        h, peer = self.tcp_peer()
        p = self.popen("run", "--stdio", str(h), "--", sys.executable, "-I", "-c", STDIO_PROG,
                       env=dict(os.environ, LISTEN_FDS="7", LISTEN_PID="1"))
        peer.sendall(b"hello stdio\n")
        peer.shutdown(socket.SHUT_WR)
        self.assertEqual(recv_to_eof(peer), b"HELLO STDIO\n")
        code, err = self.finish(p)
        self.assertEqual(code, 0, err)
        info = json.loads(err)
        self.assertEqual(info["fds"], [])
        self.assertEqual(info["socks"], [True, True])
        self.assertEqual(info["env"], {"LISTEN_FDS": None, "LISTEN_PID": None, "LISTEN_FDNAMES": None})

    def test_unknown_handle(self):
        p = self.ctl("run", "987654321", "--", "true")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.one_error_line(p.stderr.decode(), "sock6ctl: socket.export: ")

    def test_unknown_second_handle_keeps_the_first(self):
        h, _ = self.listener()
        self.addCleanup(self.close_quietly, h)
        p = self.ctl("run", str(h), "987654321", "--", "true")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertTrue(p.stderr.startswith(b"sock6ctl: "), p.stderr)
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "listening")


def read_to_eof_line(f, timeout=WAIT):
    """The first line on the pipe f."""
    line = b""
    while not line.endswith(b"\n"):
        line += read_exactly(f, 1, timeout)
    return line


class RunRefusedTest(CtlTest):
    """A daemon without --allow-export."""

    def test_1011_line(self):
        h, _ = self.listener()
        self.addCleanup(self.close_quietly, h)
        p = self.ctl("run", str(h), "--", "true")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, b"")
        self.one_error_line(p.stderr.decode(), "sock6ctl: socket.export: ")
        # refused: the handle is still the daemon's
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "listening")


class VerbUsageTest(CtlTest):
    """Usage errors, found before the daemon is asked anything, and help."""

    REQUIRE_STREAMING = False

    def test_usage_errors(self):
        for args in (("follow",), ("follow", "x"), ("follow", "0"), ("follow", "1", "2"),
                     ("follow", "1", "--bogus"), ("attach",), ("attach", "-1"),
                     ("run", "1"), ("run", "1", "--"), ("run", "--", "true"),
                     ("run", "--stdio", "1", "2", "--", "true"), ("run", "1", "1", "--", "true"),
                     ("run", "1", "--", os.path.join(self.tmp, "no-such-command"))):
            p = self.ctl(*args)
            self.assertEqual(p.returncode, 3, "%r: %r" % (args, p.stderr))
            self.assertTrue(p.stderr.startswith(b"sock6ctl: "), p.stderr)
            self.assertEqual(p.stdout, b"")

    def test_help_lists_verbs(self):
        p = self.ctl("help")
        self.assertEqual(p.returncode, 0, p.stderr)
        for synopsis in (b"follow HANDLE [--raw] [--text]", b"attach HANDLE [--len4]",
                         b"run [--stdio] HANDLE... -- COMMAND [ARG...]"):
            self.assertIn(synopsis, p.stdout)
        for verb in ("follow", "attach", "run"):
            p = self.ctl("help", verb)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b"usage: sock6ctl [options] " + verb.encode(), p.stdout)
        p = subprocess.run([harness.SOCK6CTL, "--help"], stdout=subprocess.PIPE)
        for verb in (b"follow", b"attach", b"run"):
            self.assertIn(verb, p.stdout)


if __name__ == "__main__":
    harness.main()
