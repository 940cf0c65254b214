"""test_service.py: sock6d as a service manager runs it (sd-daemon(3)), with
no running systemd: socket activation through systemd-socket-activate, the
notifications a test reads on its own NOTIFY_SOCKET (READY=1, STATUS=,
WATCHDOG=1, RELOADING=1 then READY=1 around a reload, STOPPING=1), the
least privilege it keeps when started as root, and journal priority
prefixes when stderr is the journal's stream.
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import harness

# The capabilities a daemon started as root keeps (privs.h).
CAP_SETGID, CAP_SETUID, CAP_NET_BIND_SERVICE, CAP_NET_ADMIN, CAP_NET_RAW = 6, 7, 10, 12, 13
KEPT = sum(1 << c for c in (CAP_SETGID, CAP_SETUID, CAP_NET_BIND_SERVICE, CAP_NET_ADMIN,
                            CAP_NET_RAW))
DEADLINE = 10.0


def built_with_systemd():
    """Whether this sock6d speaks sd-daemon (configure found libsystemd)."""
    out = subprocess.run(["ldd", harness.SOCK6D_BINARY], capture_output=True, text=True).stdout
    return "libsystemd" in out


class Notifications:
    """A NOTIFY_SOCKET of our own: the datagrams the daemon sends."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.seen = []

    def close(self):
        self.sock.close()

    def wait_for(self, line, deadline=DEADLINE):
        """Read until a datagram holds `line` (one of its lines); returns it."""
        end = time.monotonic() + deadline
        for msg in self.seen:
            if line in msg.split("\n"):
                self.seen.remove(msg)
                return msg
        while time.monotonic() < end:
            self.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                msg = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            if line in msg.split("\n"):
                return msg
            self.seen.append(msg)
        raise AssertionError("no %r in %s within %.0fs (seen: %r)" % (line, self.path, deadline,
                                                                       self.seen))


def start(args, env_extra, directory):
    env = dict(os.environ, **env_extra)
    log = open(os.path.join(directory, "daemon.log"), "wb")
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


def read_log(directory):
    with open(os.path.join(directory, "daemon.log"), "rb") as f:
        return f.read().decode(errors="replace")


def wait_ping(path, proc, directory):
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError("sock6d exited with %d:\n%s" % (proc.returncode, read_log(directory)))
        try:
            with harness.Client(path, timeout=1.0) as c:
                if c.call("daemon.ping") == {"pong": True}:
                    return
        except (OSError, EOFError):
            pass
        time.sleep(0.01)  # poll interval, not a readiness guess
    raise AssertionError("not answering on %s:\n%s" % (path, read_log(directory)))


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


class ServiceTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sock6d-service-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.ctl = os.path.join(self.dir, "ctl.sock")

    def daemon(self, env_extra=None, args=(), wrap=()):
        proc = start(list(wrap) + [harness.SOCK6D] + list(args), env_extra or {}, self.dir)
        self.addCleanup(stop, proc)
        return proc

    @unittest.skipUnless(shutil.which("systemd-socket-activate"), "needs systemd-socket-activate")
    @unittest.skipUnless(built_with_systemd(), "built without libsystemd")
    def test_socket_activation(self):
        """The control socket comes from LISTEN_FDS; the daemon serves it and
        leaves its file alone when it stops (it is the manager's)."""
        proc = self.daemon(wrap=["systemd-socket-activate", "-l", self.ctl,
                                 "--fdname=control"], args=["--log-level", "debug"])
        wait_ping(self.ctl, proc, self.dir)
        with harness.Client(self.ctl) as c:
            h = c.call("socket.create", {"family": "inet", "type": "stream"})["handle"]
            self.assertEqual(c.call("socket.info", {"handle": h})["handle"], h)
        self.assertIn("(socket activation)", read_log(self.dir))
        self.assertEqual(stop(proc), 0, read_log(self.dir))
        self.assertTrue(os.path.exists(self.ctl), "the activated socket's file was removed")

    @unittest.skipUnless(built_with_systemd(), "built without libsystemd")
    def test_notifications(self):
        """READY=1 once served, STATUS= with the counts, WATCHDOG=1 at half
        WATCHDOG_USEC, RELOADING=1 then READY=1 around SIGHUP, STOPPING=1."""
        n = Notifications(self.dir)
        self.addCleanup(n.close)
        proc = self.daemon({"NOTIFY_SOCKET": n.path, "WATCHDOG_USEC": "200000"},
                           ["--socket", self.ctl, "--state-dir", ""])
        ready = n.wait_for("READY=1")
        # Ready means served: a ping answers at once, no polling needed.
        with harness.Client(self.ctl) as c:
            self.assertEqual(c.call("daemon.ping"), {"pong": True})
            status = [m for m in [ready] + n.seen if "STATUS=" in m]
            self.assertTrue(status, "no STATUS= with READY=1")
            self.assertRegex(status[0], r"STATUS=\d+ handles, \d+ connections")
            c.call("socket.create", {"family": "inet", "type": "stream"})
            # The counts changed: a new STATUS= within the status interval.
            self.wait_status(n, "1 handles")
        t0 = time.monotonic()
        n.wait_for("WATCHDOG=1")
        n.wait_for("WATCHDOG=1")
        self.assertLess(time.monotonic() - t0, 2.0, "WATCHDOG=1 not at half of 200 ms")
        proc.send_signal(signal.SIGHUP)
        n.wait_for("RELOADING=1")
        n.wait_for("READY=1")
        self.assertEqual(stop(proc), 0, read_log(self.dir))
        n.wait_for("STOPPING=1")

    def wait_status(self, n, text):
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            n.sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                msg = n.sock.recv(4096).decode()
            except socket.timeout:
                break
            if msg.startswith("STATUS=") and text in msg:
                return msg
        raise AssertionError("no STATUS= with %r" % text)

    @unittest.skipUnless(os.geteuid() == 0, "needs root")
    def test_least_privilege(self):
        """Started as root, the daemon keeps five capabilities (bounding set
        too) and no new privileges."""
        proc = self.daemon(args=["--socket", self.ctl])
        wait_ping(self.ctl, proc, self.dir)
        with open("/proc/%d/status" % proc.pid) as f:
            status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        for field in ("CapPrm", "CapEff", "CapBnd"):
            have = int(status[field], 16)
            self.assertEqual(have & ~KEPT, 0, "%s %s holds more than the five" % (field, status[field]))
        self.assertEqual(int(status["CapInh"], 16), 0)
        self.assertEqual(int(status["CapAmb"], 16), 0)
        self.assertEqual(status.get("NoNewPrivs"), "1")
        # Still serving a root client's privileged call with what it kept.
        with harness.Client(self.ctl) as c:
            h = c.call("socket.create", {"family": "inet", "type": "stream"})["handle"]
            c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})
            c.call("socket.setopt", {"handle": h, "option": "so-mark", "value": 7})
            self.assertEqual(c.call("socket.getopt", {"handle": h, "option": "so-mark"}),
                             {"value": 7})

    def test_journal_prefixes(self):
        """With stderr the stream JOURNAL_STREAM names, lines carry "<N>"."""
        log_path = os.path.join(self.dir, "daemon.log")
        with open(log_path, "wb") as log:
            st = os.fstat(log.fileno())
            env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
            proc = subprocess.Popen([harness.SOCK6D, "--socket", self.ctl], env=env,
                                    stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(stop, proc)
        wait_ping(self.ctl, proc, self.dir)
        self.assertEqual(stop(proc), 0)
        lines = read_log(self.dir).splitlines()
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[0-7]>", line)
        self.assertTrue(any(line.startswith("<6>sock6d ") for line in lines), lines)

    def assertNothingForged(self, n):
        """No client's STOPPING=1 reached the manager's socket."""
        n.sock.settimeout(0.2)
        try:
            leaked = n.sock.recv(100)
        except socket.timeout:
            leaked = b""
        self.assertNotIn(b"STOPPING", leaked)

    @unittest.skipUnless(*harness.other_users("nobody"))
    def test_clients_cannot_speak_to_the_manager(self):
        """A datagram the daemon sends carries its pid: no client other than
        root may reach NOTIFY_SOCKET through it (1011), by socket.send_to,
        socket.connect or socket.connect_ai, nor a socket made anew at that
        path since the daemon started, while any other UNIX datagram socket
        it can reach still works."""
        os.chmod(self.dir, 0o755)
        n = Notifications(self.dir)
        self.addCleanup(n.close)
        os.chmod(n.path, 0o777)
        other = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(other.close)
        other_path = os.path.join(self.dir, "other.sock")
        other.bind(other_path)
        os.chmod(other_path, 0o777)
        proc = self.daemon({"NOTIFY_SOCKET": n.path},
                           ["--socket", self.ctl, "--socket-mode", "0666", "--state-dir", ""])
        n.wait_for("READY=1")
        link = os.path.join(self.dir, "link.sock")
        os.symlink(n.path, link)
        r = harness.calls_as(pwd.getpwnam("nobody"), self.ctl, [
                ["socket.create", {"family": "unix", "type": "dgram", "scope": "connection"}],
                ["socket.send_to", {"handle": 0, "address": n.path, "text": "STOPPING=1"}],
                ["socket.send_to", {"handle": 0, "address": link, "text": "STOPPING=1"}],
                ["socket.connect", {"handle": 0, "address": n.path}],
                ["socket.send_to", {"handle": 0, "address": other_path, "text": "hello"}],
                ["socket.send_to", {"handle": 0, "address": os.path.join(self.dir, "none"),
                                    "text": "x"}],
        ])
        for reply in r[1:4]:
            self.assertEqual(reply["error"]["code"], 1011, reply)
        self.assertEqual(r[4]["result"], {"bytes": 5})
        self.assertEqual(r[5]["error"]["data"]["errname"], "ENOENT")
        other.settimeout(5)
        self.assertEqual(other.recv(100), b"hello")
        self.assertNothingForged(n)

        # socket.connect_ai: every attempt is guarded as socket.connect is,
        # racing or not, whatever precedes it in the list; the same error.
        def dgram(path):
            return {"type": "dgram", "address": path}
        r = harness.calls_as(pwd.getpwnam("nobody"), self.ctl, [
                ["socket.create", {"family": "unix", "type": "dgram", "scope": "connection"}],
                ["socket.connect", {"handle": 0, "address": n.path}],
                ["socket.connect_ai", {"addresses": [dgram(n.path)]}],
                ["socket.connect_ai", {"addresses": [dgram(link)]}],
                ["socket.connect_ai", {"addresses": ["@sock6d-nobody-%d" % os.getpid(),
                                                     dgram(n.path), dgram(other_path)],
                                       "happy_eyeballs": True}],
                ["socket.connect_ai", {"addresses": [dgram(other_path)], "scope": "connection"}],
                ["socket.send", {"handle": 0, "text": "via connect_ai"}],
        ])
        refused = dict(r[1]["error"])
        refused["data"] = dict(refused["data"])
        del refused["data"]["handle"]
        self.assertEqual(refused["code"], 1011, r[1])
        for reply in r[2:5]:
            self.assertEqual(reply["error"], refused, reply)
        self.assertEqual(r[6]["result"], {"bytes": 14})
        self.assertEqual(other.recv(100), b"via connect_ai")

        # The manager made its socket anew (a new inode at the same path,
        # bound beside it and renamed over it while the old one is still
        # bound, so that it cannot reuse the old inode number): still
        # guarded.
        fresh = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        fresh.bind(n.path + ".new")
        os.chmod(n.path + ".new", 0o777)
        before = os.stat(n.path).st_ino
        os.rename(n.path + ".new", n.path)
        self.assertNotEqual(os.stat(n.path).st_ino, before)
        n.sock.close()
        n.sock = fresh
        r = harness.calls_as(pwd.getpwnam("nobody"), self.ctl, [
                ["socket.create", {"family": "unix", "type": "dgram", "scope": "connection"}],
                ["socket.send_to", {"handle": 0, "address": n.path, "text": "STOPPING=1"}],
                ["socket.send_to", {"handle": 0, "address": link, "text": "STOPPING=1"}],
                ["socket.connect", {"handle": 0, "address": n.path}],
                ["socket.connect_ai", {"addresses": [dgram(n.path)]}],
        ])
        for reply in r[1:]:
            self.assertEqual(reply["error"]["code"], 1011, reply)
        self.assertNothingForged(n)
        self.assertEqual(stop(proc), 0)

    def test_bad_policy_file_refuses_to_start(self):
        """A bad policy file: the daemon names its line and column and exits."""
        conf = os.path.join(self.dir, "bad.conf")
        with open(conf, "w") as f:
            f.write("[limits]\nmax_connections = lots\n")
        proc = subprocess.run([harness.SOCK6D, "--socket", self.ctl, "--config", conf],
                              capture_output=True, text=True, timeout=DEADLINE)
        self.assertEqual(proc.returncode, 1)
        self.assertIn("%s:2:" % conf, proc.stderr)
        self.assertFalse(os.path.exists(self.ctl))


if __name__ == "__main__":
    harness.main()
