"""test_control.py: the control socket and the daemon's command line
(PROTOCOL §1, DESIGN "Daemon command line"): --socket, --socket-mode, path
length, stale and live sockets, a regular file in the way, signals,
--version/--help, unknown options, the default path rules, daemon.version and
daemon.stats.
"""

import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

import harness

SUN_PATH_MAX = 107          # bytes of a path that fit sun_path (108) with its NUL


def ping(path, timeout=2.0):
    """daemon.ping on path; True when it answers pong."""
    try:
        with harness.Client(path, timeout=timeout) as c:
            return c.call("daemon.ping") == {"pong": True}
    except (OSError, EOFError, ValueError):
        return False


def clean_env(**overrides):
    env = dict(os.environ)
    for k in ("SOCK6D_SOCKET", "XDG_RUNTIME_DIR"):
        env.pop(k, None)
    env.update(overrides)
    return env


def nobody_ids():
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    try:
        return pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    except KeyError:
        return None


class ControlSocketTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="s6c-")
        os.chmod(self.dir, 0o755)
        self.procs = []
        self.logs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=5 * harness.TIME_FACTOR)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        ok = self._outcome.success if hasattr(self._outcome, "success") else True
        if not ok:
            for log in self.logs:
                try:
                    with open(log, "rb") as f:
                        sys_log = f.read().decode("utf-8", "replace")
                except OSError:
                    continue
                print("---- %s ----\n%s" % (log, sys_log[-5000:]))
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers -----------------------------------------------------------

    def start(self, args, env=None, umask=-1, prefix=()):
        """Start sock6d with args (no readiness wait); the Popen."""
        log = os.path.join(self.dir, "daemon-%d.log" % len(self.logs))
        self.logs.append(log)
        with open(log, "wb") as f:
            p = subprocess.Popen(list(prefix) + [harness.SOCK6D] + list(args), stdin=subprocess.DEVNULL,
                                 stdout=f, stderr=subprocess.STDOUT, env=env or clean_env(),
                                 umask=umask, cwd=self.dir)
        self.procs.append(p)
        return p

    def wait_serving(self, proc, path, deadline=10.0):
        """Poll daemon.ping on path until it answers; fail if proc exits first."""
        end = time.monotonic() + deadline * harness.TIME_FACTOR
        while time.monotonic() < end:
            if proc.poll() is not None:
                self.fail("sock6d exited with %d:\n%s" % (proc.returncode, self.log_of(proc)))
            if ping(path, timeout=1.0):
                return
            time.sleep(0.01)   # poll interval
        self.fail("sock6d not serving %s:\n%s" % (path, self.log_of(proc)))

    def log_of(self, proc):
        log = self.logs[self.procs.index(proc)]
        with open(log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def serve(self, path, *args, **kw):
        p = self.start(["--socket", path] + list(args), **kw)
        self.wait_serving(p, path)
        return p

    def run_daemon(self, args, env=None, timeout=5.0):
        """Run sock6d expecting it to exit by itself; the CompletedProcess."""
        try:
            return subprocess.run([harness.SOCK6D] + list(args), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env or clean_env(), timeout=timeout * harness.TIME_FACTOR,
                                  cwd=self.dir)
        except subprocess.TimeoutExpired:
            self.fail("sock6d %r kept running" % (args,))

    def assertRefused(self, p, what):
        self.assertNotEqual(p.returncode, 0, "%s: exit 0\n%r" % (what, p))
        self.assertTrue((p.stderr + p.stdout).strip(), "%s: no message" % what)

    def stop(self, proc, sig=signal.SIGTERM):
        proc.send_signal(sig)
        try:
            return proc.wait(timeout=10 * harness.TIME_FACTOR)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self.fail("sock6d did not stop on signal %d" % sig)

    # -- --socket, --socket-mode -------------------------------------------

    def test_socket_path_used(self):
        path = os.path.join(self.dir, "my.sock")
        self.serve(path)
        self.assertTrue(stat.S_ISSOCK(os.stat(path).st_mode))
        self.assertEqual(sorted(n for n in os.listdir(self.dir) if not n.endswith(".log")), ["my.sock"])

    def test_default_mode_0660(self):
        for umask in (0o022, 0o077, 0o000):
            with self.subTest(umask=oct(umask)):
                path = os.path.join(self.dir, "m%o.sock" % umask)
                p = self.serve(path, umask=umask)
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o660)
                self.assertEqual(self.stop(p), 0)

    def test_socket_mode_0600(self):
        path = os.path.join(self.dir, "m.sock")
        self.serve(path, "--socket-mode", "0600")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)

    def test_socket_mode_0666_despite_umask(self):
        path = os.path.join(self.dir, "m.sock")
        self.serve(path, "--socket-mode", "0666", umask=0o077)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o666)

    def test_bad_socket_mode(self):
        for mode in ("abc", "0999", "", "-1", "077777"):
            with self.subTest(mode=mode):
                path = os.path.join(self.dir, "bad.sock")
                p = self.run_daemon(["--socket", path, "--socket-mode", mode])
                self.assertRefused(p, "--socket-mode %r" % mode)
                self.assertFalse(os.path.exists(path))

    # -- path length --------------------------------------------------------

    def path_of_length(self, n):
        base = self.dir + "/"
        path = base + "s" * (n - len(base))
        self.assertEqual(len(path.encode()), n)
        return path

    def test_path_longer_than_sun_path(self):
        for n in (SUN_PATH_MAX + 1, 200):
            with self.subTest(length=n):
                path = self.path_of_length(n)
                p = self.run_daemon(["--socket", path])
                self.assertRefused(p, "path of %d bytes" % n)
                self.assertFalse(os.path.exists(path))
                # not truncated either
                self.assertFalse(os.path.exists(path[:SUN_PATH_MAX]))
                self.assertEqual([x for x in os.listdir(self.dir) if not x.endswith(".log")], [])

    def test_path_of_107_bytes(self):
        path = self.path_of_length(SUN_PATH_MAX)
        self.serve(path)
        self.assertTrue(stat.S_ISSOCK(os.stat(path).st_mode))

    def test_long_path_in_env_refused(self):
        path = self.path_of_length(SUN_PATH_MAX + 1)
        p = self.run_daemon([], env=clean_env(SOCK6D_SOCKET=path))
        self.assertRefused(p, "long SOCK6D_SOCKET")
        self.assertFalse(os.path.exists(path))

    # -- what is at the path -------------------------------------------------

    def test_stale_socket_replaced(self):
        path = os.path.join(self.dir, "stale.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.close()
        self.assertTrue(stat.S_ISSOCK(os.stat(path).st_mode))
        self.assertFalse(ping(path))
        self.serve(path)
        self.assertTrue(ping(path))

    def test_live_socket_not_stolen(self):
        path = os.path.join(self.dir, "live.sock")
        first = self.serve(path)
        ino = os.stat(path).st_ino
        p = self.run_daemon(["--socket", path])
        self.assertRefused(p, "second daemon on a live socket")
        self.assertIsNone(first.poll())
        self.assertEqual(os.stat(path).st_ino, ino)
        self.assertTrue(ping(path))

    def test_live_socket_of_other_server_not_stolen(self):
        # Anything listening there counts as live, not only sock6d.
        path = os.path.join(self.dir, "other.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        try:
            p = self.run_daemon(["--socket", path])
            self.assertRefused(p, "socket of a live server")
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(path)          # still the original server's
            c.close()
        finally:
            s.close()

    def test_regular_file_refused(self):
        path = os.path.join(self.dir, "file")
        with open(path, "w") as f:
            f.write("keep\n")
        p = self.run_daemon(["--socket", path])
        self.assertRefused(p, "regular file at the path")
        with open(path) as f:
            self.assertEqual(f.read(), "keep\n")

    def test_directory_refused(self):
        path = os.path.join(self.dir, "d")
        os.mkdir(path)
        p = self.run_daemon(["--socket", path])
        self.assertRefused(p, "directory at the path")
        self.assertTrue(os.path.isdir(path))

    def test_missing_directory_refused(self):
        path = os.path.join(self.dir, "no", "such", "dir", "x.sock")
        p = self.run_daemon(["--socket", path])
        self.assertRefused(p, "missing parent directory")

    # -- signals -----------------------------------------------------------

    def test_sigterm(self):
        path = os.path.join(self.dir, "t.sock")
        p = self.serve(path)
        with harness.Client(path) as c:          # an open connection does not hold it up
            c.call("socket.create", {"family": "inet", "type": "stream"})
            self.assertEqual(self.stop(p, signal.SIGTERM), 0)
        self.assertFalse(os.path.exists(path))

    def test_sigint(self):
        path = os.path.join(self.dir, "i.sock")
        p = self.serve(path)
        self.assertEqual(self.stop(p, signal.SIGINT), 0)
        self.assertFalse(os.path.exists(path))

    def test_sigterm_with_pending_request(self):
        path = os.path.join(self.dir, "p.sock")
        p = self.serve(path)
        with harness.Client(path) as c:
            lst = c.call("socket.create", {"family": "inet", "type": "stream"})["handle"]
            c.call("socket.bind", {"handle": lst, "address": "127.0.0.1:0"})
            c.call("socket.listen", {"handle": lst})
            c.request("socket.accept", {"handle": lst, "timeout": None})
            self.assertEqual(c.call("daemon.ping"), {"pong": True})
            self.assertEqual(self.stop(p, signal.SIGTERM), 0)
        self.assertFalse(os.path.exists(path))

    def test_sigpipe_ignored(self):
        path = os.path.join(self.dir, "pipe.sock")
        p = self.serve(path)
        p.send_signal(signal.SIGPIPE)
        self.assertTrue(ping(path))
        self.assertIsNone(p.poll())

    # -- options ------------------------------------------------------------

    def test_version(self):
        p = self.run_daemon(["--version"])
        self.assertEqual(p.returncode, 0, p)
        out = p.stdout.decode()
        m = re.search(r"\d+\.\d+(\.\d+)?", out)
        self.assertIsNotNone(m, out)
        # the same version daemon.version reports
        path = os.path.join(self.dir, "v.sock")
        self.serve(path)
        with harness.Client(path) as c:
            v = c.call("daemon.version")["version"]
        self.assertIn(v, out)

    def test_openrpc_offline(self):
        """--openrpc prints what rpc.discover answers, with no daemon serving."""
        p = self.run_daemon(["--openrpc"])
        self.assertEqual(p.returncode, 0, p)
        offline = json.loads(p.stdout.decode())
        path = os.path.join(self.dir, "o.sock")
        self.serve(path)
        with harness.Client(path) as c:
            self.assertEqual(c.call("rpc.discover"), offline)

    def test_help(self):
        p = self.run_daemon(["--help"])
        self.assertEqual(p.returncode, 0, p)
        out = (p.stdout + p.stderr).decode()
        for opt in ("--socket", "--socket-mode", "--limit", "--log-level", "--version"):
            self.assertIn(opt, out)

    def test_unknown_option(self):
        for args in (["--bogus"], ["-Z"], ["--socket"], ["--log-level", "loud"], ["extra-argument"]):
            with self.subTest(args=args):
                p = self.run_daemon(args, env=clean_env(SOCK6D_SOCKET=os.path.join(self.dir, "u.sock")))
                self.assertRefused(p, "%r" % args)
                self.assertFalse(os.path.exists(os.path.join(self.dir, "u.sock")))

    # -- default path rules --------------------------------------------------

    def test_env_sock6d_socket(self):
        path = os.path.join(self.dir, "env.sock")
        p = self.start([], env=clean_env(SOCK6D_SOCKET=path))
        self.wait_serving(p, path)
        self.assertEqual(self.stop(p), 0)
        self.assertFalse(os.path.exists(path))

    def test_option_beats_env(self):
        env_path = os.path.join(self.dir, "env.sock")
        opt_path = os.path.join(self.dir, "opt.sock")
        p = self.start(["--socket", opt_path], env=clean_env(SOCK6D_SOCKET=env_path))
        self.wait_serving(p, opt_path)
        self.assertFalse(os.path.exists(env_path))

    def as_nobody_dir(self):
        """A directory the daemon run as nobody can create its socket in."""
        ids = nobody_ids()
        d = os.path.join(self.dir, "xdg")
        os.mkdir(d, 0o700)
        if ids is not None:
            os.chown(d, ids[0], ids[1])
        return d

    def start_unprivileged(self, env):
        """Start sock6d with no --socket as a non-root user (nobody through
        setpriv when we are root: root's default is /run/sock6d)."""
        if os.geteuid() == 0:
            if nobody_ids() is None:
                self.skipTest("root without setpriv/nobody: root's default is /run/sock6d")
            prefix = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
        else:
            prefix = ()
        return self.start([], env=env, prefix=prefix)

    def test_env_xdg_runtime_dir(self):
        d = self.as_nobody_dir()
        p = self.start_unprivileged(clean_env(XDG_RUNTIME_DIR=d))
        path = os.path.join(d, "sock6d.sock")
        self.wait_serving(p, path)
        self.assertEqual(self.stop(p), 0)
        self.assertFalse(os.path.exists(path))

    def test_sock6d_socket_beats_xdg(self):
        d = self.as_nobody_dir()
        path = os.path.join(d, "explicit.sock")
        p = self.start_unprivileged(clean_env(XDG_RUNTIME_DIR=d, SOCK6D_SOCKET=path))
        self.wait_serving(p, path)
        self.assertFalse(os.path.exists(os.path.join(d, "sock6d.sock")))

    def test_tmp_fallback(self):
        uid = os.geteuid()
        if uid == 0:
            ids = nobody_ids()
            if ids is None:
                self.skipTest("root without setpriv/nobody")
            uid = ids[0]
        d = "/tmp/sock6d-%d" % uid
        if os.path.lexists(d):
            self.skipTest("%s exists already; not touching it" % d)
        try:
            p = self.start_unprivileged(clean_env())
            path = os.path.join(d, "sock6d.sock")
            self.wait_serving(p, path)
            st = os.stat(d)
            self.assertEqual(st.st_uid, uid)
            self.assertEqual(stat.S_IMODE(st.st_mode) & 0o077, 0, "%s open to others" % d)
            self.assertEqual(self.stop(p), 0)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    # -- the /tmp fallback made first by someone else -----------------------

    def foreign_fallback_dir(self):
        """/tmp/sock6d-<nobody's uid> made first by another user (root here),
        open to all, as an attacker would leave it for nobody's daemon."""
        ids = nobody_ids()
        if ids is None:
            self.skipTest("needs root, setpriv and nobody")
        d = "/tmp/sock6d-%d" % ids[0]
        if os.path.lexists(d):
            self.skipTest("%s exists already; not touching it" % d)
        os.mkdir(d)
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o777)
        return d, ids

    def assertStartRefused(self, proc, why):
        self.assertEqual(proc.wait(timeout=10 * harness.TIME_FACTOR), 1, self.log_of(proc))
        self.assertIn(why, self.log_of(proc))

    def test_tmp_fallback_of_another_user_not_used(self):
        d, ids = self.foreign_fallback_dir()
        path = os.path.join(d, "sock6d.sock")
        self.assertStartRefused(self.start_unprivileged(clean_env()), "belongs to another user")
        self.assertFalse(os.path.lexists(path))
        os.chown(d, ids[0], ids[1])           # nobody's, but anyone may write it
        self.assertStartRefused(self.start_unprivileged(clean_env()),
                                "may be written by other users")
        os.chmod(d, 0o700)                    # nobody's own: used
        p = self.start_unprivileged(clean_env())
        self.wait_serving(p, path)
        self.assertEqual(self.stop(p), 0)

    def test_clients_do_not_talk_to_a_socket_in_another_users_fallback(self):
        d, ids = self.foreign_fallback_dir()
        impostor = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(impostor.close)
        impostor.bind(os.path.join(d, "sock6d.sock"))
        os.chmod(os.path.join(d, "sock6d.sock"), 0o666)
        impostor.listen(8)
        nobody = pwd.getpwnam("nobody")
        pydir = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                              "..", "..", "client", "python"))
        nodedir = os.path.join(os.path.dirname(pydir), "node")
        clients = {
            "sock6ctl": [harness.SOCK6CTL, "daemon.ping"],
            "python": [sys.executable, "-c", "import sock6d; sock6d.Client().call('daemon.ping')"],
            "node": ["node", "-e", "require(process.argv[1]).connect()"
                     ".then((c) => c.call('daemon.ping'))"
                     ".catch((e) => { console.error(e.message); process.exit(1); })", nodedir],
        }
        for name, argv in clients.items():
            with self.subTest(client=name):
                if shutil.which(argv[0]) is None:
                    self.skipTest("no %s here" % argv[0])
                r = subprocess.run(list(harness.setpriv(nobody)) + argv, capture_output=True,
                                   text=True, timeout=30, cwd="/",
                                   env=clean_env(PYTHONPATH=pydir))
                self.assertNotEqual(r.returncode, 0, r)
                self.assertIn("belongs to another user", r.stderr)
                # it connected, found the directory not nobody's, and sent nothing
                conn, _ = impostor.accept()
                with conn:
                    conn.settimeout(10)
                    self.assertEqual(conn.recv(100), b"")


class DaemonInfoTest(harness.DaemonTest):
    """daemon.version and daemon.stats."""

    def test_version(self):
        v = self.c.call("daemon.version")
        self.assertEqual(v["protocol"], 1)
        self.assertIsInstance(v["protocol"], int)
        for key in ("version", "libev", "json_c"):
            self.assertIsInstance(v[key], str, v)
            self.assertRegex(v[key], r"^\d+\.\d+", v)
        self.assertEqual(v, self.c.call("daemon.version"))

    def test_version_matches_discover(self):
        doc = self.c.call("rpc.discover")
        self.assertEqual(doc["info"]["version"], self.c.call("daemon.version")["version"])
        self.assertEqual(doc["info"].get("x-protocol"), 1)

    FIELDS = ("uptime_ms", "connections", "handles", "requests", "errors", "bytes_in", "bytes_out")

    def stats(self):
        s = self.c.call("daemon.stats")
        for k in self.FIELDS:
            self.assertIn(k, s, s)
            self.assertIsInstance(s[k], int, s)
            self.assertNotIsInstance(s[k], bool, s)
            self.assertGreaterEqual(s[k], 0, s)
        return s

    def test_stats_fields(self):
        self.stats()

    def test_stats_counts_requests(self):
        s1 = self.stats()
        for _ in range(5):
            self.c.call("daemon.ping")
        s2 = self.stats()
        self.assertEqual(s2["requests"] - s1["requests"], 6)   # 5 pings + one stats
        self.assertEqual(s2["errors"], s1["errors"])

    def test_stats_counts_errors(self):
        s1 = self.stats()
        self.c.error("no.such.method")
        self.c.error("socket.info", {"handle": 987654321})
        s2 = self.stats()
        self.assertEqual(s2["errors"] - s1["errors"], 2)
        self.assertEqual(s2["requests"] - s1["requests"], 3)

    def test_stats_counts_handles(self):
        s1 = self.stats()
        h = self.create()
        self.assertEqual(self.stats()["handles"], s1["handles"] + 1)
        self.c.call("socket.close", {"handle": h})
        self.assertEqual(self.stats()["handles"], s1["handles"])

    def wait_connections(self, n):
        end = time.monotonic() + 5.0
        while True:
            got = self.stats()["connections"]
            if got == n or time.monotonic() > end:
                self.assertEqual(got, n)
                return
            time.sleep(0.01)   # poll interval

    def test_stats_counts_connections(self):
        self.wait_connections(1)
        with self.daemon.client() as other:
            other.call("daemon.ping")
            self.wait_connections(2)
        self.wait_connections(1)

    def test_stats_uptime_grows(self):
        a = self.stats()["uptime_ms"]
        time.sleep(0.05)    # the test is about time passing
        b = self.stats()["uptime_ms"]
        self.assertGreaterEqual(b - a, 40)
        self.assertLess(b - a, 5000)


if __name__ == "__main__":
    harness.main()
