"""test_sock6ctl_shell.py: `sock6ctl batch FILE` and `sock6ctl shell`
(binary in $SOCK6CTL): lines of METHOD key=value on one control connection
(connection-scoped handles and session values last), `$_` for the last
handle, comments and blank lines, stop at the first error or --keep-going,
and notifications printed as `<-- ` lines; the bash completion generated
from the OpenRPC document (client/completion/sock6ctl.bash); values
retyped by the param's schema from rpc.discover (text=42 a string where
only a string fits, flags=peek,oob an array).
"""

import hashlib
import json
import os
import select
import socket
import subprocess
import threading

import harness


class ShellTest(harness.DaemonTest):

    def ctl(self, *args, stdin=None, timeout=10):
        """Run sock6ctl -c; the CompletedProcess (stdout/stderr as text)."""
        cmd = [harness.SOCK6CTL, "--socket", self.daemon.path, "-c"] + list(args)
        e = dict(os.environ)
        e.pop("SOCK6D_SOCKET", None)
        p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=e, timeout=timeout, cwd=self.tmp)
        p.out = p.stdout.decode("utf-8", "replace")
        p.err = p.stderr.decode("utf-8", "replace")
        p.docs = [json.loads(l) for l in p.out.splitlines() if l.strip()]
        return p

    def script(self, text):
        path = os.path.join(self.tmp, "script.s6")
        with open(path, "w") as f:
            f.write(text)
        return path

    # --- batch ------------------------------------------------------------

    def test_batch_one_connection(self):
        path = self.script(
            "# a comment, then a blank line\n"
            "\n"
            "session.set receive_timeout=1234\n"
            "  # an indented comment with a quote: it's\n"
            "socket.create family=inet type=stream scope=connection\n"
            "socket.bind handle=$_ address=127.0.0.1:0\n"
            "socket.info handle=$_\n"
            "session.get\n")
        p = self.ctl("batch", path)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(len(p.docs), 5, p.out)
        self.assertEqual(p.docs[0]["receive_timeout"], 1234)
        h = p.docs[1]["handle"]
        info = p.docs[3]
        self.assertEqual(info["handle"], h)
        self.assertEqual(info["scope"], "connection")
        self.assertEqual(info["state"], "bound")
        self.assertEqual(info["local"]["port"], p.docs[2]["address"]["port"])
        # the session value lasted to the last line
        self.assertEqual(p.docs[4]["receive_timeout"], 1234)
        # the connection-scoped socket went with the batch's connection
        with self.assertRaises(harness.RpcError) as cm:
            self.c.call("socket.info", {"handle": h})
        self.assertEqual(cm.exception.code, 1010)

    def test_batch_stdin_and_quotes(self):
        p = self.ctl("batch", "-", stdin=b"net.inet_address address=127.0.0.1 'port=8''0'\n"
                     b"socket.create \"family=inet\" type=dgram\n"
                     b"socket.close handle=$_\n")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(p.docs[0]["port"], 80)
        self.assertEqual(p.docs[2], {})

    def test_batch_stops_at_first_error(self):
        path = self.script("daemon.ping\nsocket.bogus\ndaemon.ping\n")
        p = self.ctl("batch", path)
        self.assertEqual(p.returncode, 3, p.err)
        self.assertEqual(p.docs, [{"pong": True}])
        self.assertIn("sock6ctl: socket.bogus: ", p.err)

    def test_batch_keep_going(self):
        path = self.script("socket.info handle=999999\ndaemon.ping\n")
        p = self.ctl("batch", "--keep-going", path)
        self.assertEqual(p.returncode, 1, p.err)
        self.assertEqual(p.docs, [{"pong": True}])

    def test_batch_usage_errors(self):
        p = self.ctl("batch", self.script("daemon.ping\nsocket.info handle=$_\n"))
        self.assertEqual(p.returncode, 3)
        self.assertIn(":2: $_: no result with a handle yet", p.err)
        p = self.ctl("batch", self.script("follow 1\n"))
        self.assertEqual(p.returncode, 3)
        self.assertIn(":1: 'follow' is not a METHOD", p.err)
        p = self.ctl("batch", self.script("daemon.ping 'unterminated\n"))
        self.assertEqual(p.returncode, 3)
        self.assertIn("unterminated '", p.err)
        p = self.ctl("batch", os.path.join(self.tmp, "missing"))
        self.assertEqual(p.returncode, 3)
        p = self.ctl("batch")
        self.assertEqual(p.returncode, 3)

    def test_batch_sends_a_large_file_in_pieces(self):
        # data=@FILE beyond one request goes in pieces from a batch too
        blob = os.urandom(3 * 1024 * 1024)
        path = os.path.join(self.tmp, "blob")
        with open(path, "wb") as f:
            f.write(blob)
        srv = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(srv.close)
        got = []

        def reader():
            conn, _ = srv.accept()
            with conn:
                while chunk := conn.recv(1 << 20):
                    got.append(chunk)

        t = threading.Thread(target=reader)
        t.start()
        p = self.ctl("batch", self.script(
            "tcp.connect host=127.0.0.1 port=%d\n"
            "socket.send_all handle=$_ data=@%s\n"
            "socket.close handle=$_\n" % (srv.getsockname()[1], path)))
        t.join(30)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(p.docs[1], {"bytes": len(blob)})
        self.assertEqual(hashlib.sha256(b"".join(got)).hexdigest(),
                         hashlib.sha256(blob).hexdigest())

    def test_usage_lists_each_once(self):
        out = subprocess.run([harness.SOCK6CTL, "--help"], capture_output=True, text=True,
                             timeout=30).stdout
        usage = [l.strip() for l in out.splitlines() if l.strip().startswith(("usage:", "sock6ctl"))]
        self.assertEqual(len(usage), len(set(usage)), usage)
        self.assertEqual(sum(" shell" in l for l in usage), 1, usage)

    def test_help_pages(self):
        p = subprocess.run([harness.SOCK6CTL, "--socket", self.daemon.path, "help"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("batch [--keep-going] FILE|-", p.stdout.decode())
        for name in ("batch", "shell"):
            p = subprocess.run([harness.SOCK6CTL, "--socket", os.path.join(self.tmp, "none.sock"),
                                "help", name], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=10)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(p.stdout.decode().startswith("usage: sock6ctl [options] " + name))

    # --- shell ------------------------------------------------------------

    def test_shell_from_pipe(self):
        p = self.ctl("shell", stdin=b"session.set send_size=100\nsession.get\nquit\ndaemon.ping\n")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertNotIn("sock6>", p.out)   # no prompt off a terminal
        self.assertEqual([d["send_size"] for d in p.docs], [100, 100])

    def test_shell_keeps_going_and_ends_at_eof(self):
        p = self.ctl("shell", stdin=b"socket.bogus\ndaemon.ping")
        self.assertEqual(p.docs, [{"pong": True}])
        self.assertIn("socket.bogus", p.err)

    def test_shell_prints_notifications_as_they_arrive(self):
        cmd = [harness.SOCK6CTL, "--socket", self.daemon.path, "-c", "shell"]
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(p.stderr.close)
        self.addCleanup(p.stdout.close)
        self.addCleanup(p.stdin.close)
        self.addCleanup(p.wait, 10)
        self.addCleanup(p.kill)

        def send(line):
            p.stdin.write(line.encode() + b"\n")
            p.stdin.flush()

        def line():
            r, _, _ = select.select([p.stdout], [], [], 10)
            self.assertTrue(r, "no output from the shell")
            return p.stdout.readline().decode()

        send("socket.create family=inet type=dgram")
        h = json.loads(line())["handle"]
        send("socket.bind handle=$_ address=127.0.0.1:0")
        port = json.loads(line())["address"]["port"]
        send("socket.subscribe handle=$_ encoding=text")
        self.assertEqual(json.loads(line())["handle"], h)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(s.close)
        s.sendto(b"hello", ("127.0.0.1", port))
        got = line()   # no command typed: it comes while the shell waits
        self.assertTrue(got.startswith("<-- "), got)
        n = json.loads(got[4:])
        self.assertEqual(n["method"], "socket.datagram")
        self.assertEqual(n["params"]["handle"], h)
        self.assertEqual(n["params"]["text"], "hello")
        send("exit")
        self.assertEqual(p.wait(10), 0)


    # --- completion -------------------------------------------------------

    def complete(self, *words):
        """The bash completion's COMPREPLY for the command line `words`,
        completing the last word."""
        script = os.path.join(os.path.dirname(os.path.abspath(harness.SOCK6CTL)),
                              "completion", "sock6ctl.bash")
        if not os.path.exists(script):
            self.skipTest("no generated bash completion (%s)" % script)
        p = subprocess.run(["bash", "-c", 'source "$1"; shift; COMP_WORDS=("$@"); '
                            'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _sock6ctl; '
                            'printf "%s\\n" "${COMPREPLY[@]}"', "bash", script] + list(words),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        return sorted(w for w in p.stdout.decode().splitlines() if w)

    def test_completion_methods_params_enums(self):
        self.assertEqual(self.complete("sock6ctl", "socket.cr"), ["socket.create", "socket.credit"])
        self.assertIn("batch", self.complete("sock6ctl", "--socket", "/x", "ba"))
        self.assertEqual(self.complete("sock6ctl", "-c", "socket.create", "fa"), ["family="])
        self.assertEqual(self.complete("sock6ctl", "socket.create", "family=inet", "sc"),
                         ["scope="])
        self.assertEqual(self.complete("sock6ctl", "socket.create", "family=in"),
                         ["family=inet", "family=inet6"])
        # bash splits family=in at '=' (COMP_WORDBREAKS): the value alone
        self.assertEqual(self.complete("sock6ctl", "socket.create", "scope", "=", "c"),
                         ["connection"])
        # an array param's item enum, after the last comma
        self.assertEqual(self.complete("sock6ctl", "socket.receive", "flags=peek,o"),
                         ["flags=peek,oob"])
        self.assertEqual(self.complete("sock6ctl", "help", "socket.shut"), ["socket.shutdown"])

    def test_completion_matches_discover(self):
        methods = sorted(m["name"] for m in self.c.call("rpc.discover")["methods"])
        got = self.complete("sock6ctl", "")
        self.assertEqual(sorted(set(got) - {"help", "list", "follow", "attach", "run",
                                            "batch", "shell"}), methods)


    # --- values typed by the schema -----------------------------------------

    def test_schema_string_keeps_digits(self):
        # net.parse_address string= is a string only: 80 stays "80"
        p = self.ctl("net.parse_address", "string=80")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(p.docs[0]["host"], "80")
        p = self.ctl("net.unix_address", "path=true")   # a string, but relative
        self.assertIn("unix path must be absolute", p.err)

    def test_schema_integer_or_string_keeps_integer(self):
        # port allows both: 80 stays an integer, http a string
        p = self.ctl("net.inet_address", "address=127.0.0.1", "port=80")
        self.assertEqual(p.docs[0]["port"], 80)

    def test_schema_array_from_commas(self):
        a = self.c.call("socket.create", {"family": "inet", "type": "dgram"})["handle"]
        self.c.call("socket.bind", {"handle": a, "address": "127.0.0.1:0"})
        port = self.c.call("socket.info", {"handle": a})["local"]["port"]
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(s.close)
        s.sendto(b"peeked", ("127.0.0.1", port))
        for flags in ("flags=peek,waitall", "flags=peek"):
            p = self.ctl("socket.receive", "handle=%d" % a, "length=64", "encoding=text",
                         flags, "timeout=5000")
            self.assertEqual(p.returncode, 0, p.err)
            self.assertEqual(p.docs[0]["text"], "peeked")
        # still there after two peeks
        r = self.c.call("socket.receive", {"handle": a, "length": 64, "encoding": "text"})
        self.assertEqual(r["text"], "peeked")
        p = self.ctl("socket.receive", "handle=%d" % a, "length=64", "flags=peek,bogus",
                     "timeout=0")
        self.assertEqual(p.returncode, 3, p.err)
        self.assertIn("flag", p.err)

    def test_schema_typing_in_batch(self):
        p = self.ctl("batch", "-", stdin=b"net.parse_address string=443\n"
                     b"net.parse_address string=22\n")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual([d["host"] for d in p.docs], ["443", "22"])


if __name__ == "__main__":
    harness.main()
