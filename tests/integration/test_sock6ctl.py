"""test_sock6ctl.py: the generic CLI (binary in $SOCK6CTL):
`sock6ctl [--socket P] METHOD key=value...`, typed values, data=@FILE and
data=@-, exit codes (0 ok, 1 RPC error, 2 unreachable, 3 usage and -32602),
the error object with --json, help built
from rpc.discover, and $SOCK6D_SOCKET.
"""

import json
import os
import socket
import subprocess

import harness


def parse_json_out(text):
    """The JSON document a command printed (whole output, or its last
    JSON-looking line)."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{") or line.startswith("["):
            try:
                return json.loads(line)
            except ValueError:
                continue
    raise AssertionError("no JSON in output: %r" % text)


def error_code(text):
    doc = parse_json_out(text)
    if "error" in doc and isinstance(doc["error"], dict):
        doc = doc["error"]
    return doc.get("code"), doc


class Sock6ctlTest(harness.DaemonTest):

    def ctl(self, *args, stdin=None, env=None, socket_path=True, timeout=10):
        """Run sock6ctl; the CompletedProcess (stdout/stderr as text)."""
        cmd = [harness.SOCK6CTL]
        if socket_path:
            cmd += ["--socket", self.daemon.path]
        cmd += list(args)
        e = dict(os.environ)
        e.pop("SOCK6D_SOCKET", None)
        if env:
            e.update(env)
        try:
            p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=e, timeout=timeout, cwd=self.tmp)
        except subprocess.TimeoutExpired:
            self.fail("sock6ctl %r did not finish" % (args,))
        p.out = p.stdout.decode("utf-8", "replace")
        p.err = p.stderr.decode("utf-8", "replace")
        return p

    def ok(self, *args, **kw):
        p = self.ctl(*args, **kw)
        self.assertEqual(p.returncode, 0, "sock6ctl %r: %d\n%s%s" % (args, p.returncode, p.out, p.err))
        return parse_json_out(p.out)

    def rpc_error(self, *args, status=1, **kw):
        """The daemon's error object (code, object), printed by --json."""
        p = self.ctl("--json", *args, **kw)
        self.assertEqual(p.returncode, status, "sock6ctl %r: %d\n%s%s" % (args, p.returncode, p.out, p.err))
        self.assertEqual(p.out.strip(), "", "error printed on stdout")
        code, doc = error_code(p.err)
        return code, doc

    def pair(self):
        """Two connected daemon stream sockets made by the Python client."""
        lst, addr = self.listener()
        a = self.create()
        cid = self.c.request("socket.connect", {"handle": a, "address": addr, "timeout": 5000})
        b = self.c.call("socket.accept", {"handle": lst, "timeout": 5000})["handle"]
        self.c.result(cid)
        self.c.call("socket.close", {"handle": lst})
        self.addCleanup(self.close_quietly, a)
        self.addCleanup(self.close_quietly, b)
        return a, b

    def close_quietly(self, h):
        with self.daemon.client() as c:
            c.call("socket.close", {"handle": h, "force": True})

    def receive_exactly(self, h, n):
        got = b""
        while len(got) < n:
            r = self.c.call("socket.receive", {"handle": h, "length": n - len(got), "timeout": 5000})
            self.assertFalse(r["eof"] and not r.get("data"), "EOF after %d of %d bytes" % (len(got), n))
            got += harness.unb64(r["data"])
        return got

    # ---------------------------------------------------------------------

    def test_ping(self):
        p = self.ctl("daemon.ping")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(json.loads(p.out), {"pong": True})

    def test_create_then_use_across_commands(self):
        r = self.ok("socket.create", "family=inet", "type=stream")
        h = r["handle"]
        self.assertIsInstance(h, int)
        self.assertEqual(r["family"], "inet")
        self.assertEqual(r["type"], "stream")
        bound = self.ok("socket.bind", "handle=%d" % h, "address=127.0.0.1:0")["address"]
        self.assertEqual(bound["address"], "127.0.0.1")
        self.assertGreater(bound["port"], 0)
        info = self.ok("socket.info", "handle=%d" % h)
        self.assertEqual(info["state"], "bound")
        self.assertEqual(info["local"]["port"], bound["port"])
        # the Python client sees the same socket
        self.assertEqual(self.c.call("socket.info", {"handle": h})["local"]["port"], bound["port"])
        self.assertEqual(self.ok("socket.close", "handle=%d" % h), {})
        code, doc = self.rpc_error("socket.info", "handle=%d" % h)
        self.assertEqual(code, 1010, doc)

    def test_typed_integer(self):
        r = self.ok("net.inet_address", "address=127.0.0.1", "port=0")
        self.assertEqual(r["port"], 0)
        self.assertEqual(r["string"], "127.0.0.1")
        h = self.ok("socket.create", "family=inet", "type=stream")["handle"]
        self.addCleanup(self.close_quietly, h)
        self.ok("socket.bind", "handle=%d" % h, "address=127.0.0.1:0")
        # backlog takes integers only: a string "5" would be -32602
        self.assertEqual(self.ok("socket.listen", "handle=%d" % h, "backlog=5"), {})

    def test_typed_booleans(self):
        # force=true: closing an unknown handle is no error
        self.assertEqual(self.ok("socket.close", "handle=987654321", "force=true"), {})
        code, doc = self.rpc_error("socket.close", "handle=987654321", "force=false")
        self.assertEqual(code, 1010, doc)

    def test_typed_null(self):
        # address=null is the wildcard address, not the string "null"
        r = self.ok("net.inet_address", "address=null", "port=8000")
        self.assertEqual(r["port"], 8000)
        self.assertIn(r["address"], ("0.0.0.0", "::"))

    def test_typed_json_object(self):
        h = self.ok("socket.create", "family=inet", "type=stream")["handle"]
        self.addCleanup(self.close_quietly, h)
        r = self.ok("socket.bind", "handle=%d" % h,
                    'address={"family":"inet","address":"127.0.0.1","port":0}')
        self.assertEqual(r["address"]["address"], "127.0.0.1")
        self.assertGreater(r["address"]["port"], 0)

    def test_typed_string(self):
        r = self.ok("net.unix_address", "path=/tmp/some path")
        self.assertEqual(r["path"], "/tmp/some path")
        r = self.ok("net.parse_address", "string=127.0.0.1:80")
        self.assertEqual(r, {"host": "127.0.0.1", "port": "80"})

    def test_text_value(self):
        a, b = self.pair()
        r = self.ok("socket.send", "handle=%d" % a, "text=hello world")
        self.assertEqual(r["bytes"], 11)
        self.assertEqual(self.receive_exactly(b, 11), b"hello world")

    def test_data_from_file(self):
        a, b = self.pair()
        payload = bytes(range(256)) * 40 + b"\n\r\n\x00end"
        path = os.path.join(self.tmp, "payload.bin")
        with open(path, "wb") as f:
            f.write(payload)
        r = self.ok("socket.send_all", "handle=%d" % a, "data=@" + path)
        self.assertEqual(r["bytes"], len(payload))
        self.assertEqual(self.receive_exactly(b, len(payload)), payload)

    def test_data_from_stdin(self):
        a, b = self.pair()
        payload = b"\xff\xfe\x00binary\nline two\n" + os.urandom(3000)
        r = self.ok("socket.send_all", "handle=%d" % a, "data=@-", stdin=payload)
        self.assertEqual(r["bytes"], len(payload))
        self.assertEqual(self.receive_exactly(b, len(payload)), payload)

    def test_data_from_missing_file(self):
        a, b = self.pair()
        p = self.ctl("socket.send", "handle=%d" % a, "data=@" + os.path.join(self.tmp, "nope"))
        self.assertNotEqual(p.returncode, 0)
        self.assertTrue(p.err.strip())
        # nothing was sent
        err = self.c.error("socket.receive", {"handle": b, "length": 10, "timeout": 50})
        self.assertError(err, 1002)

    def test_rpc_error(self):
        code, doc = self.rpc_error("socket.info", "handle=987654321")
        self.assertEqual(code, 1010)
        self.assertEqual(doc.get("data", {}).get("handle"), 987654321, doc)
        code, doc = self.rpc_error("socket.create", "family=inet7", "type=stream", status=3)
        self.assertEqual(code, -32602)
        self.assertEqual(doc.get("data", {}).get("param"), "family", doc)

    def test_unreachable_socket(self):
        p = self.ctl("--socket", os.path.join(self.tmp, "no", "such.sock"), "daemon.ping", socket_path=False)
        self.assertEqual(p.returncode, 2, p.err)
        self.assertTrue(p.err.strip())
        # a stale socket file: nobody listening
        stale = os.path.join(self.tmp, "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(stale)
        s.close()
        p = self.ctl("--socket", stale, "daemon.ping", socket_path=False)
        self.assertEqual(p.returncode, 2, p.err)

    def test_usage_no_method(self):
        p = self.ctl()
        self.assertEqual(p.returncode, 3, p.out + p.err)
        self.assertTrue(p.err.strip())

    def test_usage_word_without_equals(self):
        before = len(self.c.call("socket.list")["sockets"])
        p = self.ctl("socket.create", "family=inet", "stream")
        self.assertEqual(p.returncode, 3, p.out + p.err)
        self.assertTrue(p.err.strip())
        # nothing was sent: nothing was created
        self.assertEqual(len(self.c.call("socket.list")["sockets"]), before)

    def test_help_lists_every_method(self):
        methods = [m["name"] for m in self.c.call("rpc.discover")["methods"]]
        self.assertIn("socket.create", methods)
        p = self.ctl("help")
        self.assertEqual(p.returncode, 0, p.err)
        for name in methods:
            self.assertIn(name, p.out, "help does not list %s" % name)

    def test_help_method(self):
        p = self.ctl("help", "socket.create")
        self.assertEqual(p.returncode, 0, p.err)
        for param in ("family", "type", "protocol", "scope"):
            self.assertIn(param, p.out)

    def test_help_unknown_method(self):
        p = self.ctl("help", "no.such")
        self.assertNotEqual(p.returncode, 0)
        self.assertNotEqual(p.returncode, 1)   # not an RPC error
        self.assertTrue(p.err.strip())
        self.assertIn("no.such", p.err)

    def test_env_socket(self):
        p = self.ctl("daemon.ping", socket_path=False, env={"SOCK6D_SOCKET": self.daemon.path})
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(json.loads(p.out), {"pong": True})

    def test_option_beats_env(self):
        p = self.ctl("daemon.ping", env={"SOCK6D_SOCKET": os.path.join(self.tmp, "nothing.sock")})
        self.assertEqual(p.returncode, 0, p.err)
        p = self.ctl("--socket", os.path.join(self.tmp, "nothing.sock"), "daemon.ping",
                     socket_path=False, env={"SOCK6D_SOCKET": self.daemon.path})
        self.assertEqual(p.returncode, 2, p.err)


if __name__ == "__main__":
    harness.main()
