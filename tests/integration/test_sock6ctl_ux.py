"""test_sock6ctl_ux.py: sock6ctl as a person at a terminal or a script sees
it: an error as one `sock6ctl:` line (its JSON with --json).
"""

import json
import os
import socket
import subprocess

import harness


class CtlUxTest(harness.DaemonTest):

    def ctl(self, *args, stdin=None, socket_path=True):
        """Run sock6ctl; the CompletedProcess with .out and .err as text."""
        cmd = [harness.SOCK6CTL]
        if socket_path:
            cmd += ["--socket", self.daemon.path]
        cmd += list(args)
        env = dict(os.environ)
        env.pop("SOCK6D_SOCKET", None)
        p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env, timeout=10, cwd=self.tmp)
        p.out = p.stdout.decode("utf-8", "replace")
        p.err = p.stderr.decode("utf-8", "replace")
        return p

    def expect(self, args, status, err=None, socket_path=True):
        """Run sock6ctl with args; check its exit status, that stdout is
        empty, every stderr line starts with `sock6ctl:` and, when err is
        given, that stderr is exactly those lines."""
        p = self.ctl(*args, socket_path=socket_path)
        self.assertEqual(p.returncode, status, "%r: %d\n%s%s" % (args, p.returncode, p.out, p.err))
        self.assertEqual(p.out, "", args)
        self.assertTrue(p.err, args)
        for line in p.err.splitlines():
            self.assertTrue(line.startswith("sock6ctl: "), "%r: %r" % (args, p.err))
        if err is not None:
            self.assertEqual(p.err.splitlines(), err, args)
        return p

    def refused_address(self):
        """127.0.0.1:PORT where nothing listens (a daemon listener, closed)."""
        h, addr = self.listener()
        self.c.call("socket.close", {"handle": h})
        return addr

    def close_quietly(self, h):
        with self.daemon.client() as c:
            c.call("socket.close", {"handle": h, "force": True})

    def new_handle(self):
        h = self.create()
        self.addCleanup(self.close_quietly, h)
        return h

    # -- 1. one human line, or the JSON with --json ---------------------

    def test_error_line_names_method_message_errname_kind(self):
        h = self.new_handle()
        addr = self.refused_address()
        self.expect(("socket.connect", "handle=%d" % h, "address=" + addr), 1, [
            "sock6ctl: socket.connect: cannot initiate connection - Connection refused "
            "(ECONNREFUSED, transient)"])

    def test_error_line_without_errname(self):
        # 1010 has no errno; its kind word "handle" is in the message already
        self.expect(("socket.info", "handle=987654321"), 1,
                    ["sock6ctl: socket.info: no such handle"])

    def test_error_json_option(self):
        h = self.new_handle()
        addr = self.refused_address()
        for opt in ("--json", "-j"):
            p = self.ctl(opt, "socket.connect", "handle=%d" % h, "address=" + addr)
            self.assertEqual(p.returncode, 1, p.err)
            self.assertEqual(p.out, "")
            err = json.loads(p.err)
            self.assertEqual(err["code"], 1001, err)
            self.assertEqual(err["data"]["errname"], "ECONNREFUSED", err)
            self.assertEqual(len(p.err.strip().splitlines()), 1, p.err)

    def test_every_message_starts_with_name(self):
        for args, status in ((("--bogus", "daemon.ping"), 3), ((), 3),
                             (("socket.create", "family=inet", "stream"), 3),
                             (("bogus=1",), 3), (("--timeout", "x", "daemon.ping"), 3),
                             (("socket.info", "handle=987654321"), 1),
                             (("follow",), 3), (("help", "no.such"), 3)):
            self.expect(args, status)


if __name__ == "__main__":
    harness.main()
