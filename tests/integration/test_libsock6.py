"""test_libsock6.py: libsock6, the installed C client library, through its
examples, built in the build tree against libsock6.la: client/examples/echo
($SOCK6_ECHO), a TCP echo exchange on 127.0.0.1 against the real daemon, its
sockets closed afterwards, and the failures it reports without a daemon;
client/examples/attach ($SOCK6_ATTACH, else beside echo), socket.attach
through s6c_attach and the s6c_pipe_ calls: megabytes both ways through a
TCP echo peer, the peer's greeting that arrives with the attach reply not
lost, half-close both ways, the socket closed with the control connection.
"""

import hashlib
import json
import os
import re
import socket
import subprocess
import threading

import harness

ECHO = os.environ.get("SOCK6_ECHO", "echo-example")
ATTACH = os.environ.get("SOCK6_ATTACH",
                        os.path.join(os.path.dirname(ECHO), "attach"))


def run(*args, env=None):
    return subprocess.run([ECHO, *args], capture_output=True, text=True,
                          timeout=30, env=env)


class EchoPeer:
    """A TCP echo server on 127.0.0.1 (port 0) for one connection: it
    greets first, then echoes until EOF, then closes; what it received is
    kept in .got."""

    GREETING = b"hello from the peer\n"

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.ls.settimeout(30)
        self.address = "127.0.0.1:%d" % self.ls.getsockname()[1]
        self.got = bytearray()
        self.error = None
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            c, _ = self.ls.accept()
            with c:
                c.settimeout(30)
                c.sendall(self.GREETING)
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    self.got += d
                    c.sendall(d)
        except OSError as e:
            self.error = e
        finally:
            self.ls.close()

    def join(self):
        self.thread.join(30)
        return not self.thread.is_alive()


class LibSock6Test(harness.DaemonTest):

    def test_echo_through_the_daemon(self):
        before = self.c.call("socket.list")
        p = run(self.daemon.path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        lines = p.stdout.splitlines()
        m = re.fullmatch(r"connected: 127\.0\.0\.1:(\d+)", lines[0])
        self.assertIsNotNone(m, lines[0])
        self.assertNotEqual(int(m.group(1)), 0)
        self.assertEqual(lines[1], "echoed: hello, sock6d")
        # Then the stream followed: the three lines, in however many
        # socket.data notifications, and socket.eof last.
        self.assertEqual(lines[-1], "eof", p.stdout)
        followed = "\n".join(lines[2:-1]) + "\n"
        self.assertEqual(followed.replace("data: ", ""), "line 0\nline 1\nline 2\n", p.stdout)
        # The example closes its three sockets.
        self.assertEqual(self.c.call("socket.list"), before)

    def test_default_path_from_environment(self):
        env = dict(os.environ, SOCK6D_SOCKET=self.daemon.path)
        p = run(env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("echoed: hello, sock6d", p.stdout)

    def test_help(self):
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith("usage: echo"), p.stdout)

    def test_no_daemon(self):
        path = os.path.join(self.tmp, "absent.sock")
        p = run(path)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn(path, p.stderr)



class LibSock6AttachTest(harness.DaemonTest):

    def attach(self, address, stdin=b""):
        return subprocess.run([ATTACH, "-s", self.daemon.path, address],
                              input=stdin, capture_output=True, timeout=60)

    def test_echo_through_the_pipe(self):
        # 3 MB each way: more than the daemon's window and the socket
        # buffers, so the example must read while it writes.
        payload = os.urandom(3 * 1024 * 1024)
        before = self.c.call("socket.list")
        peer = EchoPeer()
        p = self.attach(peer.address, payload)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, b"")
        self.assertTrue(peer.join())
        self.assertIsNone(peer.error)
        # The greeting, sent before the attach reply, is there first, and
        # every byte came back in order.
        self.assertEqual(p.stdout[:len(EchoPeer.GREETING)], EchoPeer.GREETING)
        self.assertEqual(hashlib.sha256(p.stdout[len(EchoPeer.GREETING):]).hexdigest(),
                         hashlib.sha256(payload).hexdigest())
        self.assertEqual(bytes(peer.got), payload)
        # The socket had scope "connection": gone with the control connection.
        harness.wait_until(lambda: self.c.call("socket.list") == before,
                           what="the attached socket closed")

    def test_greeting_arrives_with_the_reply(self):
        # No input: stdin's end half-closes at once, the peer sees EOF
        # after its greeting and closes; the greeting, likely read together
        # with the attach reply, must reach stdout.
        for _ in range(5):
            peer = EchoPeer()
            p = self.attach(peer.address)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, EchoPeer.GREETING)
            self.assertTrue(peer.join())
            self.assertEqual(bytes(peer.got), b"")

    def test_refused_connect(self):
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        address = "127.0.0.1:%d" % ls.getsockname()[1]
        ls.close()
        p = self.attach(address)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, b"")
        self.assertIn(b"attach: socket.connect: ", p.stderr)
        self.assertIn(b"refused", p.stderr)

    def test_help(self):
        p = subprocess.run([ATTACH, "--help"], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith("usage: attach"), p.stdout)


class FakeDaemonAttachTest(harness.DaemonTest):
    """The attach example against a scripted daemon that writes the first
    bytes of the pipe in the same send(2) as the attach reply: they are in
    the library's buffer when s6c_attach returns, and must come out first."""

    FIRST = b"bytes sent together with the reply\n"

    def fake(self, path, seen):
        ls = socket.socket(socket.AF_UNIX)
        ls.bind(path)
        ls.listen(1)
        ls.settimeout(30)

        def serve():
            try:
                c, _ = ls.accept()
            finally:
                ls.close()
            with c:
                c.settimeout(30)
                f = c.makefile("rb")
                results = {"socket.create": {"handle": 7}}
                while True:
                    req = json.loads(f.readline())
                    seen.append(req)
                    reply = (json.dumps({"jsonrpc": "2.0", "id": req["id"],
                                         "result": results.get(req["method"], {})})
                             + "\n").encode()
                    if req["method"] == "socket.attach":
                        c.sendall(reply + self.FIRST)
                        break
                    c.sendall(reply)
                # The pipe: echo until the client's half-close, then end.
                while True:
                    d = f.read1(65536)
                    if not d:
                        break
                    c.sendall(d)
                seen.append("eof")

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        return t

    def test_first_bytes_with_the_reply(self):
        for i in range(3):
            path = os.path.join(self.tmp, "fake%d.sock" % i)
            seen = []
            t = self.fake(path, seen)
            p = subprocess.run([ATTACH, "-s", path, "127.0.0.1:9"],
                               input=b"abc" * 1000, capture_output=True,
                               timeout=30)
            t.join(30)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stdout, self.FIRST + b"abc" * 1000)
            self.assertEqual([m["method"] for m in seen[:3]],
                             ["socket.create", "socket.connect", "socket.attach"])
            self.assertEqual(seen[2]["params"], {"handle": 7})
            self.assertEqual(seen[3:], ["eof"])


if __name__ == "__main__":
    harness.main()
