"""test_libsock6.py: libsock6, the installed C client library, through its
example (client/examples/echo, built in the build tree against libsock6.la,
$SOCK6_ECHO): a TCP echo exchange on 127.0.0.1 against the real daemon, its
sockets closed afterwards, and the failures it reports without a daemon.
"""

import os
import re
import subprocess

import harness

ECHO = os.environ.get("SOCK6_ECHO", "echo-example")


def run(*args, env=None):
    return subprocess.run([ECHO, *args], capture_output=True, text=True,
                          timeout=30, env=env)


class LibSock6Test(harness.DaemonTest):

    def test_echo_through_the_daemon(self):
        before = self.c.call("socket.list")
        p = run(self.daemon.path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 2, p.stdout)
        m = re.fullmatch(r"connected: 127\.0\.0\.1:(\d+)", lines[0])
        self.assertIsNotNone(m, lines[0])
        self.assertNotEqual(int(m.group(1)), 0)
        self.assertEqual(lines[1], "echoed: hello, sock6d")
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


if __name__ == "__main__":
    harness.main()
