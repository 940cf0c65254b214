"""test_sock6ctl_ux.py: sock6ctl as a person at a terminal or a script sees
it: an error as one `sock6ctl:` line (its JSON with --json), the daemon's
`did you mean`, the exit statuses (0 ok, 1 daemon error, 2 unreachable,
3 usage, -32601 and -32602 included, 4 daemon-side timeout), -q's one
value and --raw's bytes, `list` as a table, `help` without a daemon;
data=@FILE larger than one request: 5 MB to a TCP peer in pieces (SHA-256
checked at the peer), a datagram too big for one request refused with the
reason, the progress bar on a terminal (a pty) and never elsewhere.
"""

import hashlib
import json
import os
import pty
import select
import socket
import subprocess
import threading

import harness


class CtlUxTest(harness.DaemonTest):

    def ctl(self, *args, stdin=None, socket_path=True, openrpc=None):
        """Run sock6ctl; the CompletedProcess with .out and .err as text.
        Without `openrpc`, no installed OpenRPC document is found."""
        cmd = [harness.SOCK6CTL]
        if socket_path:
            cmd += ["--socket", self.daemon.path]
        cmd += list(args)
        env = dict(os.environ)
        env.pop("SOCK6D_SOCKET", None)
        env["SOCK6D_OPENRPC"] = openrpc or os.path.join(self.tmp, "no-openrpc.json")
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

    def connected(self):
        """A daemon stream socket connected to a daemon listener's peer."""
        lst, addr = self.listener()
        self.addCleanup(self.close_quietly, lst)
        a = self.new_handle()
        self.c.call("socket.connect", {"handle": a, "address": addr, "timeout": 5000})
        b = self.c.call("socket.accept", {"handle": lst, "timeout": 5000})["handle"]
        self.addCleanup(self.close_quietly, b)
        return a, b

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

    # -- 2. exit statuses -------------------------------------------------

    def test_exit_unreachable(self):
        missing = os.path.join(self.tmp, "no", "such.sock")
        p = self.expect(("--socket", missing, "daemon.ping"), 2, socket_path=False)
        self.assertIn(missing, p.err)
        stale = os.path.join(self.tmp, "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(stale)
        s.close()
        p = self.expect(("--socket", stale, "daemon.ping"), 2, socket_path=False)
        self.assertIn("refused", p.err)

    def test_exit_hung_up(self):
        path = os.path.join(self.tmp, "hangup.sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(srv.close)
        srv.bind(path)
        srv.listen(1)

        def hang_up():
            conn, _ = srv.accept()
            conn.recv(4096)
            conn.close()
        t = threading.Thread(target=hang_up, daemon=True)
        t.start()
        self.expect(("--socket", path, "daemon.ping"), 2, socket_path=False)
        t.join(5)

    def test_exit_usage(self):
        self.expect(("--bogus", "daemon.ping"), 3)
        self.expect(("socket.create", "family=inet", "stream"), 3)
        self.expect(("no.such_method",), 3)                      # -32601
        self.expect(("socket.create", "family=inet7", "type=stream"), 3,
                    ["sock6ctl: socket.create: unknown family 'inet7'"])   # -32602
        p = self.ctl("--json", "socket.create", "family=inet7", "type=stream")
        self.assertEqual(p.returncode, 3, p.err)
        self.assertEqual(json.loads(p.err)["code"], -32602)

    def test_exit_socket_path_too_long(self):
        path = os.path.join(self.tmp, "x" * 120 + ".sock")
        for args in (("daemon.ping",), ("help",), ("follow", "1")):
            p = self.expect(("--socket", path) + args, 3, socket_path=False)
            self.assertIn(path, p.err)
            self.assertEqual(len(p.err.splitlines()), 1, p.err)

    def test_exit_daemon_timeout(self):
        a, b = self.connected()
        p = self.expect(("socket.receive", "handle=%d" % a, "length=10", "timeout=50"), 4)
        self.assertTrue(p.err.startswith("sock6ctl: socket.receive: "), p.err)
        self.assertEqual(len(p.err.splitlines()), 1, p.err)

    # -- 3. did you mean ------------------------------------------------------

    def test_did_you_mean_method(self):
        p = self.expect(("socket.craete", "family=inet", "type=stream"), 3)
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 2, p.err)
        self.assertTrue(lines[0].startswith("sock6ctl: socket.craete: "), p.err)
        self.assertEqual(lines[1], "sock6ctl: did you mean socket.create?")

    def test_did_you_mean_param(self):
        p = self.expect(("socket.create", "famly=inet", "type=stream"), 3)
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 2, p.err)
        self.assertIn("famly", lines[0])
        self.assertEqual(lines[1], "sock6ctl: did you mean family?")

    def test_no_guess_for_a_far_name(self):
        p = self.expect(("zzzz.qqqqqqqq",), 3)
        self.assertEqual(len(p.err.splitlines()), 1, p.err)

    # -- 4. -q: the one value ---------------------------------------------

    def test_quiet_handle(self):
        for opt in ("-q", "--quiet"):
            p = self.ctl(opt, "socket.create", "family=inet", "type=stream")
            self.assertEqual(p.returncode, 0, p.err)
            h = int(p.out)
            self.addCleanup(self.close_quietly, h)
            self.assertEqual(p.out, "%d\n" % h)
            self.assertEqual(self.c.call("socket.info", {"handle": h})["type"], "stream")

    def test_quiet_only_member(self):
        h = self.new_handle()
        p = self.ctl("-q", "socket.bind", "handle=%d" % h, "address=127.0.0.1:0")
        self.assertEqual(p.returncode, 0, p.err)
        port = self.c.call("socket.info", {"handle": h})["local"]["port"]
        self.assertEqual(p.out, "127.0.0.1:%d\n" % port)   # an address as its string
        p = self.ctl("-q", "daemon.ping")
        self.assertEqual((p.returncode, p.out), (0, "true\n"), p.err)

    def test_quiet_empty_result(self):
        h = self.new_handle()
        p = self.ctl("-q", "socket.close", "handle=%d" % h)
        self.assertEqual((p.returncode, p.out, p.err), (0, "", ""))

    def test_quiet_several_members_no_handle(self):
        p = self.ctl("-q", "net.parse_address", "string=127.0.0.1:80")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(json.loads(p.out), {"host": "127.0.0.1", "port": "80"})
        self.assertEqual(len(p.out.splitlines()), 1)

    def test_quiet_error_unchanged(self):
        self.expect(("-q", "socket.info", "handle=987654321"), 1,
                    ["sock6ctl: socket.info: no such handle"])

    # -- 5. --raw: the bytes ------------------------------------------------

    def test_raw_receive(self):
        a, b = self.connected()
        payload = b"\x00\xffbinary\nbytes\r\n"
        self.c.call("socket.send_all", {"handle": b, "data": harness.b64(payload)})
        p = self.ctl("--raw", "socket.receive", "handle=%d" % a, "length=%d" % len(payload),
                     "flags=[\"waitall\"]", "timeout=5000")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertEqual(p.stdout, payload)

    def test_raw_text(self):
        a, b = self.connected()
        self.c.call("socket.send_all", {"handle": b, "data": harness.b64(b"hello")})
        p = self.ctl("-r", "socket.receive", "handle=%d" % a, "length=5", "flags=[\"waitall\"]",
                     "encoding=text", "timeout=5000")
        self.assertEqual((p.returncode, p.stdout), (0, b"hello"), p.err)

    def test_raw_without_bytes(self):
        self.expect(("--raw", "daemon.ping"), 1,
                    ["sock6ctl: daemon.ping: --raw: the result has no data or text member"])

    def test_raw_and_quiet_are_usage_errors_where_they_do_not_apply(self):
        self.expect(("-q", "--raw", "daemon.ping"), 3)
        self.expect(("-q", "follow", "1"), 3)
        self.expect(("--raw", "help"), 3)

    # -- 6. list ------------------------------------------------------------

    LIST_HEADER = ["Handle", "Owner", "Scope", "Family", "Type", "State", "Local", "Peer",
                   "In", "Out"]

    def table_rows(self, text):
        """The table's header words and its rows, each a dict by header."""
        lines = text.splitlines()
        header = lines[0].split()
        return header, [dict(zip(header, line.split())) for line in lines[1:]]

    def test_list_table(self):
        a, b = self.connected()
        self.c.call("socket.send_all", {"handle": b, "data": harness.b64(b"12345")})
        self.c.call("socket.receive", {"handle": a, "length": 5, "flags": ["waitall"],
                                       "timeout": 5000})
        p = self.ctl("list", "--table")
        self.assertEqual(p.returncode, 0, p.err)
        header, rows = self.table_rows(p.out)
        self.assertEqual(header, self.LIST_HEADER)
        by_handle = {int(r["Handle"]): r for r in rows}
        self.assertEqual(sorted(by_handle), sorted(s["handle"] for s in
                                                   self.c.call("socket.list")["sockets"]))
        info = self.c.call("socket.info", {"handle": a})
        ra, rb = by_handle[a], by_handle[b]
        self.assertEqual((ra["Owner"], ra["Scope"], ra["Family"], ra["Type"], ra["State"]),
                         (str(os.getuid()), "daemon", "inet", "stream", "connected"))
        self.assertEqual(ra["Local"], info["local"]["string"])
        self.assertEqual(ra["Peer"], info["peer"]["string"])
        self.assertEqual((ra["In"], ra["Out"]), ("5", "0"))
        self.assertEqual((rb["In"], rb["Out"]), ("0", "5"))
        # columns line up: every row as long as the header, numbers right-aligned
        lines = p.out.splitlines()
        self.assertEqual(len({len(line) for line in lines}), 1, p.out)
        h = self.new_handle()
        p = self.ctl("list", "--table")
        row = self.table_rows(p.out)[1]
        unbound = [r for r in row if r["Handle"] == str(h)][0]
        self.assertEqual((unbound["State"], unbound["Local"], unbound["Peer"]), ("open", "*", "*"))

    def test_list_json_when_not_a_terminal(self):
        self.new_handle()
        for args in (("list",), ("list", "--json")):
            p = self.ctl(*args)
            self.assertEqual(p.returncode, 0, p.err)
            self.assertEqual(json.loads(p.out), self.c.call("socket.list"), args)

    def test_list_follows_pages(self):
        # more sockets than one socket.list page holds: sock6ctl list
        # shows every one, as one result with "next": null
        ids = [self.c.request("socket.create", {"family": "inet", "type": "dgram"})
               for _ in range(1100)]
        made = [self.c.result(i)["handle"] for i in ids]
        try:
            p = self.ctl("list", "--json")
            self.assertEqual(p.returncode, 0, p.err)
            got = json.loads(p.out)
            self.assertIsNone(got["next"])
            handles = [s["handle"] for s in got["sockets"]]
            self.assertEqual(handles, sorted(set(handles)))
            self.assertTrue(set(made) <= set(handles))
        finally:
            for i in [self.c.request("socket.close", {"handle": h}) for h in made]:
                self.c.result(i)

    def test_list_table_on_a_terminal(self):
        import pty
        self.new_handle()
        master, slave = pty.openpty()
        try:
            p = subprocess.run([harness.SOCK6CTL, "--socket", self.daemon.path, "list"],
                               stdout=slave, stderr=subprocess.PIPE, timeout=10)
            os.close(slave)
            slave = -1
            out = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
        finally:
            os.close(master)
            if slave != -1:
                os.close(slave)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(out.decode().split()[:len(self.LIST_HEADER)], self.LIST_HEADER)

    def test_list_usage(self):
        self.expect(("list", "--bogus"), 3)
        self.expect(("list", "handle=1"), 3)
        self.expect(("-q", "list"), 3)
        p = self.ctl("help", "list")
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("list [--table|--json]", p.out)

    # -- 8. help without a daemon ------------------------------------------

    def test_help_without_daemon(self):
        missing = os.path.join(self.tmp, "no-daemon.sock")
        p = self.ctl("--socket", missing, "help", socket_path=False)
        self.assertEqual(p.returncode, 2, p.err)
        # what sock6ctl knows itself: the synopsis and the verbs
        for verb in ("follow HANDLE", "attach HANDLE", "run [--stdio]", "list [--table|--json]"):
            self.assertIn(verb, p.out)
        lines = p.err.splitlines()
        self.assertEqual(len(lines), 2, p.err)
        self.assertTrue(all(line.startswith("sock6ctl: help: ") for line in lines), p.err)
        self.assertIn(missing, lines[0])
        self.assertIn("rpc.discover", lines[1])
        self.assertIn("start sock6d", lines[1])
        p = self.expect(("--socket", missing, "help", "socket.create"), 2, socket_path=False)
        self.assertTrue(p.err.splitlines()[1].startswith("sock6ctl: help: socket.create: "), p.err)
        # a verb's page needs no daemon
        p = self.ctl("--socket", missing, "help", "follow", socket_path=False)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("usage: sock6ctl [options] follow", p.out)

    def test_help_from_the_installed_document(self):
        # The OpenRPC document made at build time (sock6d --openrpc), as
        # make install puts it beside sock6ctl: help with no daemon.
        doc = os.path.join(os.path.dirname(harness.SOCK6CTL), "sock6d.openrpc.json")
        missing = os.path.join(self.tmp, "no-daemon.sock")
        p = self.ctl("--socket", missing, "help", "socket.create", socket_path=False,
                     openrpc=doc)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("usage: sock6ctl socket.create family=FAMILY", p.out)
        self.assertIn("as installed", p.err)
        p = self.ctl("--socket", missing, "help", socket_path=False, openrpc=doc)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("daemon.reload", p.out)
        # With the daemon running, an installed copy of another version is named.
        with open(doc) as f:
            other = json.load(f)
        other["info"]["version"] = "0.0.0-other"
        path = os.path.join(self.tmp, "other.json")
        with open(path, "w") as f:
            json.dump(other, f)
        p = self.ctl("help", openrpc=path)
        self.assertEqual(p.returncode, 0, p.err)
        self.assertIn("the one installed with sock6ctl is 0.0.0-other", p.err)


class TcpSink:
    """A TCP peer on 127.0.0.1 (port 0) that reads one connection to its
    end, counting and hashing the bytes."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.ls.settimeout(30)
        self.address = "127.0.0.1:%d" % self.ls.getsockname()[1]
        self.count = 0
        self.sha = hashlib.sha256()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        c, _ = self.ls.accept()
        self.ls.close()
        with c:
            c.settimeout(30)
            while True:
                d = c.recv(65536)
                if not d:
                    break
                self.count += len(d)
                self.sha.update(d)

    def result(self):
        self.thread.join(30)
        return self.count, self.sha.hexdigest()


class CtlFileTest(harness.DaemonTest):
    """data=@FILE larger than one request line carries (1 MiB by default)."""

    def ctl_env(self, extra=None):
        env = dict(os.environ)
        env.pop("SOCK6D_SOCKET", None)
        env.pop("SOCK6CTL_PROGRESS_AFTER_MS", None)
        env["SOCK6D_OPENRPC"] = os.path.join(self.tmp, "no-openrpc.json")
        env.update(extra or {})
        return env

    def ctl(self, *args, env=None):
        return subprocess.run([harness.SOCK6CTL, "--socket", self.daemon.path, *args],
                              capture_output=True, env=self.ctl_env(env), timeout=60,
                              cwd=self.tmp)

    def write_file(self, name, size):
        path = os.path.join(self.tmp, name)
        data = os.urandom(size)
        with open(path, "wb") as f:
            f.write(data)
        return path, data

    def pair(self):
        """Two connected daemon stream sockets."""
        lst, addr = self.listener()
        a = self.create()
        self.c.call("socket.connect", {"handle": a, "address": addr, "timeout": 5000})
        b = self.c.call("socket.accept", {"handle": lst, "timeout": 5000})["handle"]
        self.c.call("socket.close", {"handle": lst})
        return a, b

    def connected_to(self, sink):
        h = self.create()
        self.c.call("socket.connect", {"handle": h, "address": sink.address,
                                       "timeout": 5000})
        return h

    def test_5mb_file_to_a_tcp_peer(self):
        path, data = self.write_file("five.bin", 5 * 1000 * 1000)
        for method in ("socket.send_all", "socket.send"):
            sink = TcpSink()
            h = self.connected_to(sink)
            # Not a terminal: no bar, even when it would start at once.
            p = self.ctl(method, "handle=%d" % h, "data=@five.bin",
                         env={"SOCK6CTL_PROGRESS_AFTER_MS": "0"})
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(p.stderr, b"")
            self.assertEqual(json.loads(p.stdout), {"bytes": len(data)})
            self.c.call("socket.close", {"handle": h})
            self.assertEqual(sink.result(),
                             (len(data), hashlib.sha256(data).hexdigest()), method)

    def test_datagram_too_big_for_one_request(self):
        path, data = self.write_file("big.bin", 900000)
        h = self.create(type="dgram")
        self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:9"})
        p = self.ctl("socket.send", "handle=%d" % h, "data=@big.bin")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stdout, b"")
        self.assertEqual(p.stderr.decode().splitlines(), [
            "sock6ctl: data=@big.bin: 900000 bytes, 1200000 as base64, are more than "
            "one request to the daemon may carry (its max_message limit); only a "
            "stream socket's socket.send and socket.send_all go in pieces, a "
            "datagram is sent whole",
            "sock6ctl: socket.send: Invalid Request: message longer than 1048576 bytes",
        ])
        self.assertEqual(self.c.call("socket.info", {"handle": h})["bytes_out"], 0)
        # --json: the daemon's error object alone on stderr.
        p = self.ctl("--json", "socket.send", "handle=%d" % h, "data=@big.bin")
        self.assertEqual(p.returncode, 1, p.stderr)
        err = json.loads(p.stderr)
        self.assertEqual(err["code"], -32600)
        self.assertEqual(err["data"]["limit"], "max_message")

    def run_on_pty(self, args, env, typed=None):
        """Run sock6ctl with stderr on a terminal (and stdin, when `typed`
        is given, with those keys typed): (status, stdout, what the
        terminal showed)."""
        master, slave = pty.openpty()
        proc = subprocess.Popen([harness.SOCK6CTL, "--socket", self.daemon.path, *args],
                                stdin=slave if typed is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=slave,
                                env=self.ctl_env(env), cwd=self.tmp)
        os.close(slave)
        if typed is not None:
            os.write(master, typed)
        shown = bytearray()
        out = bytearray()
        fds = [master, proc.stdout.fileno()]
        while fds:
            ready, _, _ = select.select(fds, [], [], 60)
            self.assertTrue(ready, "sock6ctl hangs")
            for fd in ready:
                try:
                    d = os.read(fd, 65536)
                except OSError:     # EIO: the terminal's last writer left
                    d = b""
                if not d:
                    fds.remove(fd)
                elif fd == master:
                    shown += d
                else:
                    out += d
        os.close(master)
        proc.stdout.close()
        return proc.wait(30), bytes(out), shown.decode()

    def test_progress_bar_on_a_terminal(self):
        path, data = self.write_file("bar.bin", 3 * 1000 * 1000)
        sink = TcpSink()
        h = self.connected_to(sink)
        status, out, shown = self.run_on_pty(
            ["socket.send_all", "handle=%d" % h, "data=@bar.bin"],
            {"SOCK6CTL_PROGRESS_AFTER_MS": "0"})
        self.assertEqual(status, 0, shown)
        self.assertEqual(json.loads(out), {"bytes": len(data)})
        lines = shown.replace("\r\n", "\n").split("\r")
        self.assertEqual(lines[0], "")
        # One redraw per piece, the last at 100% and ended by a newline.
        self.assertGreaterEqual(len(lines), 5, shown)
        for line in lines[1:]:
            # Fixed widths: each redraw covers the last; 80 columns.
            self.assertRegex(line, r"^sock6ctl: sending \[[#.]{20}\] [ \d]{3}%  "
                                   r"[ \d]\d\.\d of  3\.0 MB  [ \d]{2}\d\.\d MB/s\n?$")
            self.assertEqual(len(line.rstrip("\n")), 74)
        self.assertIn("[" + "#" * 20 + "] 100%   3.0 of  3.0 MB", lines[-1])
        self.assertTrue(lines[-1].endswith("\n"), shown)
        self.c.call("socket.close", {"handle": h})
        self.assertEqual(sink.result(), (len(data), hashlib.sha256(data).hexdigest()))

    def test_data_from_the_terminal(self):
        # @- on a terminal says what it waits for; Ctrl-D ends the bytes.
        a, b = self.pair()
        status, out, shown = self.run_on_pty(
            ["socket.send_all", "handle=%d" % a, "data=@-"], None,
            typed=b"typed line\n\x04")
        self.assertEqual(status, 0, shown)
        self.assertIn("sock6ctl: data=@-: reading the terminal until end of "
                      "file (Ctrl-D)", shown)
        self.assertEqual(json.loads(out), {"bytes": 11})
        got = self.c.call("socket.receive", {"handle": b, "length": 100,
                                             "timeout": 5000})
        self.assertEqual(harness.unb64(got["data"]), b"typed line\n")

    def test_no_bar_before_the_delay(self):
        # A terminal, but the send is over long before the delay.
        path, data = self.write_file("quick.bin", 2 * 1000 * 1000)
        sink = TcpSink()
        h = self.connected_to(sink)
        status, out, shown = self.run_on_pty(
            ["socket.send_all", "handle=%d" % h, "data=@quick.bin"],
            {"SOCK6CTL_PROGRESS_AFTER_MS": "60000"})
        self.assertEqual(status, 0, shown)
        self.assertEqual(shown, "")
        self.assertEqual(json.loads(out), {"bytes": len(data)})
        self.c.call("socket.close", {"handle": h})
        self.assertEqual(sink.result()[0], len(data))


class CtlFileSmallLimitTest(CtlFileTest):
    """A daemon whose max_message is below the pieces' size."""

    DAEMON_ARGS = ("--limit", "max_message=300000")

    def test_5mb_file_to_a_tcp_peer(self):
        path, data = self.write_file("five.bin", 5 * 1000 * 1000)
        sink = TcpSink()
        h = self.connected_to(sink)
        p = self.ctl("socket.send_all", "handle=%d" % h, "data=@five.bin")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stderr.decode().splitlines(), [
            "sock6ctl: data=@five.bin: a piece of 524288 bytes, 699052 as base64, is "
            "more than one request to the daemon may carry (its max_message limit, "
            "smaller than its default)",
            "sock6ctl: socket.send_all: Invalid Request: message longer than 300000 bytes",
        ])
        self.assertEqual(self.c.call("socket.info", {"handle": h})["bytes_out"], 0)

    def test_small_file_is_one_request(self):
        # Under the threshold nothing changes: one request, which fits.
        path, data = self.write_file("small.bin", 200000)
        sink = TcpSink()
        h = self.connected_to(sink)
        p = self.ctl("socket.send_all", "handle=%d" % h, "data=@small.bin")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout), {"bytes": len(data)})
        self.c.call("socket.close", {"handle": h})
        self.assertEqual(sink.result(), (len(data), hashlib.sha256(data).hexdigest()))

    def test_datagram_too_big_for_one_request(self):
        path, data = self.write_file("big.bin", 250000)
        h = self.create(type="dgram")
        self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:9"})
        p = self.ctl("socket.send", "handle=%d" % h, "data=@big.bin")
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stderr.decode().splitlines(), [
            "sock6ctl: data=@big.bin: 250000 bytes, 333336 as base64, are more than "
            "one request to the daemon may carry (its max_message limit); only a "
            "stream socket's socket.send and socket.send_all go in pieces, a "
            "datagram is sent whole",
            "sock6ctl: socket.send: Invalid Request: message longer than 300000 bytes",
        ])

    test_progress_bar_on_a_terminal = None
    test_no_bar_before_the_delay = None


if __name__ == "__main__":
    harness.main()
