"""test_fdstore.py: daemon-scoped handles outlive a restart of sock6d in the
service manager's fd store (FDSTORE=1), with no systemd: the test plays the
manager on a NOTIFY_SOCKET of its own, keeps the descriptors the daemon
hands it at stop, and passes them back to a new daemon as socket activation
does (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID).

What it proves: at SIGTERM every daemon-scoped handle goes to the store as
handle-<id> with FDPOLL=0 (a bound UNIX socket's directory as dir-<id>), a
connection-scoped one does not, and the state file (mode 0600) describes
them; the UNIX socket's file stays.  The new daemon takes them back under
the same numbers, owner and state; the bytes the old one had read but not
delivered come first, then those the kernel still held, in order; the TCP
connection goes on both ways (its peer never saw an end of file); a new
handle is numbered above every old one; the state file is gone; the store
is told to drop its copies (FDSTOREREMOVE=1); closing the restored UNIX
socket removes its file.  A descriptor with no entry, or not the socket
its entry describes, is closed; a state file others may write to, not the
daemon's user's, or past 64 MiB is ignored (its descriptors closed, the
daemon serving); with no state directory nothing is stored and the
sockets close at stop as before.
"""

import fcntl
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import unittest

import harness

DEADLINE = 10.0
HELD = b"read by the daemon, not yet delivered|" * 3
QUEUED = b"still in the kernel's queue|"


def built_with_systemd():
    """Whether this sock6d speaks sd-daemon (configure found libsystemd)."""
    out = subprocess.run(["ldd", harness.SOCK6D_BINARY], capture_output=True, text=True).stdout
    return "libsystemd" in out


class Proc:
    """A forked daemon process: poll, wait, signal."""

    def __init__(self, pid):
        self.pid = pid
        self.returncode = None

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self):
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.returncode = -signal.SIGKILL


def spawn(argv, env, log_path, passed):
    """Start argv with the descriptors `passed` ([(name, fd)]) as fds 3..,
    as a service manager passes them: fork, put them in place, then set
    LISTEN_PID to the child's own pid before exec."""
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    n = len(passed)
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(log_fd, 1)
            os.dup2(log_fd, 2)
            # Out of the way of fds 3..3+n first (close-on-exec), then in place.
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3 + n) for _, fd in passed]
            for i, fd in enumerate(high):
                os.dup2(fd, 3 + i, inheritable=True)
            os.closerange(3 + n, os.sysconf("SC_OPEN_MAX"))
            if n:
                env = dict(env, LISTEN_FDS=str(n), LISTEN_PID=str(os.getpid()),
                           LISTEN_FDNAMES=":".join(name for name, _ in passed))
            os.execve(argv[0], argv, env)
        except BaseException:
            os.write(2, traceback.format_exc().encode())
        finally:
            os._exit(127)
    os.close(log_fd)
    return Proc(pid)


class Manager:
    """The service manager's NOTIFY_SOCKET: every datagram the daemon sends,
    the descriptors FDSTORE=1 hands over, and BARRIER=1 answered."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []      # each datagram's fields
        self.stored = []        # (name, fd, fields) in the order stored

    def close(self):
        self.sock.close()
        self.forget()

    def forget(self):
        """Close the descriptors kept so far."""
        for _, fd, _ in self.stored:
            os.close(fd)
        self.stored = []

    def receive(self, timeout):
        """Take one datagram within timeout (0: only one already there);
        False when none came."""
        if timeout > 0:
            self.sock.settimeout(timeout)
        else:
            self.sock.setblocking(False)
        try:
            msg, fds, flags, _ = socket.recv_fds(self.sock, 65536, 16)
        except (socket.timeout, BlockingIOError):
            return False
        for fd in fds:
            os.set_inheritable(fd, False)
        assert not flags & socket.MSG_CTRUNC, "descriptors cut off"
        fields = dict(line.split("=", 1) for line in msg.decode().split("\n") if "=" in line)
        self.messages.append(fields)
        if fields.get("FDSTORE") == "1":
            assert len(fds) == 1, (fields, fds)
            self.stored.append((fields["FDNAME"], fds[0], fields))
        elif fields.get("BARRIER") == "1":
            # Read up to here: closing the pipe's end says so.
            assert len(fds) == 1, (fields, fds)
            os.close(fds[0])
        else:
            assert not fds, (fields, fds)
        return True

    def drain(self):
        while self.receive(0):
            pass

    def wait_for(self, pred, what):
        """Read until a datagram satisfies pred(fields)."""
        end = time.monotonic() + DEADLINE
        while True:
            if any(pred(m) for m in self.messages):
                return
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("no %s within %.0fs: %r" % (what, DEADLINE, self.messages))
            self.receive(left)

    def removed(self):
        return {m["FDNAME"] for m in self.messages if m.get("FDSTOREREMOVE") == "1"}


@unittest.skipUnless(built_with_systemd(), "built without libsystemd")
class FdStoreTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sock6d-fdstore-")
        os.chmod(self.dir, 0o755)
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.ctl = os.path.join(self.dir, "ctl.sock")
        self.state = os.path.join(self.dir, "state")
        os.mkdir(self.state, 0o700)
        os.chmod(self.state, 0o700)
        self.state_file = os.path.join(self.state, "handles.json")
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.manager = Manager(self.dir)
        self.addCleanup(self.manager.close)

    def tearDown(self):
        result = getattr(self._outcome, "result", None)
        if result is not None and any(t is self for t, _ in result.errors + result.failures):
            sys.stderr.write("---- daemon log ----\n" + self.read_log()[-20000:])

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def start(self, passed=(), state_dir=None, env_extra=None):
        """sock6d under our manager, given `passed` back from the store."""
        argv = [shutil.which(harness.SOCK6D) or harness.SOCK6D, "--socket", self.ctl,
                "--socket-mode", "0666", "--state-dir",
                self.state if state_dir is None else state_dir,
                "--config", os.path.join(self.dir, "no-such-policy.conf"),
                "--log-level", "debug"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN_")}
        env["NOTIFY_SOCKET"] = self.manager.path
        env.update(env_extra or {})
        self.manager.messages = []      # this daemon's from here on
        proc = spawn(argv, env, self.log_path, list(passed))
        self.addCleanup(proc.kill)
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            if proc.poll() is not None:
                self.fail("sock6d exited with %d:\n%s" % (proc.returncode, self.read_log()))
            try:
                with harness.Client(self.ctl, timeout=1.0) as c:
                    if c.call("daemon.ping") == {"pong": True}:
                        return proc
            except (OSError, EOFError):
                pass
            time.sleep(0.01)  # poll interval, not a readiness guess
        self.fail("sock6d not ready:\n" + self.read_log())

    def stop(self, proc):
        """SIGTERM, keeping what it sends the manager meanwhile; its exit code."""
        os.kill(proc.pid, signal.SIGTERM)
        end = time.monotonic() + DEADLINE
        while proc.poll() is None:
            if time.monotonic() > end:
                proc.kill()
                self.fail("sock6d did not stop:\n" + self.read_log())
            self.manager.receive(0.02)
        self.manager.drain()
        return proc.returncode

    def stored(self):
        """What the manager holds: [(name, fd)], taken from it (closed at
        the end unless give_back closed them)."""
        passed = [(name, fd) for name, fd, _ in self.manager.stored]
        self.manager.stored = []
        self.addCleanup(self.give_back, passed)
        return passed

    @staticmethod
    def give_back(passed):
        """Close our copies of what was passed: the daemon's alone now."""
        for i, (name, fd) in enumerate(passed):
            if fd >= 0:
                os.close(fd)
            passed[i] = (name, -1)

    def peer_listener(self):
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        self.addCleanup(lst.close)
        return lst

    def connected(self, c, lst):
        """A daemon-scoped TCP handle connected to a peer of ours: (handle, peer)."""
        h = c.call("socket.create", {"family": "inet", "type": "stream"})["handle"]
        c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % lst.getsockname()[1]})
        peer, _ = lst.accept()
        peer.settimeout(DEADLINE)
        self.addCleanup(peer.close)
        return h, peer

    def assertNoEof(self, peer):
        """The peer has nothing to read and has not seen an end of file."""
        peer.setblocking(False)
        try:
            with self.assertRaises(BlockingIOError):
                peer.recv(1)
        finally:
            peer.settimeout(DEADLINE)

    def assertEof(self, sock):
        sock.settimeout(DEADLINE)
        self.assertEqual(sock.recv(1), b"")

    def receive_exactly(self, c, h, n):
        data = b""
        while len(data) < n:
            r = c.call("socket.receive", {"handle": h, "length": n - len(data), "timeout": 10000})
            chunk = harness.unb64(r["data"])
            self.assertTrue(chunk, "end of file after %r" % data)
            data += chunk
        return data

    def hold_bytes(self, c, h, peer, data):
        """Have the daemon read `data` from h into a receive that its client
        then abandons: the bytes stay held on the handle."""
        before = c.call("socket.info", {"handle": h})
        c2 = harness.Client(self.ctl)
        c2.request("socket.receive", {"handle": h, "length": 4096, "flags": ["waitall"]})
        peer.sendall(data)
        harness.wait_until(lambda: c.call("socket.info", {"handle": h})["bytes_in"] ==
                           before["bytes_in"] + len(data), DEADLINE, "the daemon reading")
        c2.close()
        harness.wait_until(lambda: c.call("socket.info", {"handle": h})["buffered"] ==
                           before["buffered"] + len(data), DEADLINE, "the bytes held")

    def test_restart_keeps_handles_bytes_and_connection(self):
        lst = self.peer_listener()
        a = self.start()
        c = harness.Client(self.ctl)
        self.addCleanup(c.close)
        h_tcp, peer = self.connected(c, lst)
        # Both ways before the restart.
        c.call("socket.send", {"handle": h_tcp, "data": harness.b64(b"hello peer")})
        self.assertEqual(peer.recv(100), b"hello peer")
        peer.sendall(b"hello daemon")
        self.assertEqual(self.receive_exactly(c, h_tcp, 12), b"hello daemon")
        # Bytes read but not delivered, then bytes left in the kernel.
        self.hold_bytes(c, h_tcp, peer, HELD)
        peer.sendall(QUEUED)
        # A bound UNIX listener, and one handle closed with its connection.
        upath = os.path.join(self.dir, "u.sock")
        h_unix = c.call("socket.create", {"family": "unix", "type": "stream"})["handle"]
        c.call("socket.bind", {"handle": h_unix, "address": upath})
        c.call("socket.listen", {"handle": h_unix})
        h_conn = c.call("socket.create", {"family": "inet", "type": "dgram",
                                          "scope": "connection"})["handle"]
        h_gone = c.call("socket.create", {"family": "inet", "type": "dgram"})["handle"]
        c.call("socket.close", {"handle": h_gone})
        before = {h: c.call("socket.info", {"handle": h}) for h in (h_tcp, h_unix)}
        self.assertEqual(before[h_tcp]["buffered"], len(HELD))

        self.assertEqual(self.stop(a), 0, self.read_log())
        c.close()
        names = [name for name, _, _ in self.manager.stored]
        self.assertEqual(sorted(names), sorted(["handle-%d" % h_tcp, "handle-%d" % h_unix,
                                                "dir-%d" % h_unix]), self.manager.messages)
        self.assertNotIn("handle-%d" % h_conn, names)
        for _, _, fields in self.manager.stored:
            self.assertEqual(fields.get("FDPOLL"), "0", fields)
        # It waited for the manager to have read them before it exited.
        kinds = [m.get("FDSTORE") or m.get("BARRIER") and "barrier" for m in self.manager.messages]
        self.assertEqual(kinds[-2:], ["1", "barrier"], self.manager.messages)
        self.assertTrue(stat.S_ISSOCK(os.lstat(upath).st_mode), "the UNIX socket's file went")
        st = os.stat(self.state_file)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        with open(self.state_file) as f:
            saved = json.load(f)
        self.assertEqual(saved["version"], 1)
        self.assertEqual(saved["next_handle"], h_gone + 1)
        entries = {e["handle"]: e for e in saved["handles"]}
        self.assertEqual(set(entries), {h_tcp, h_unix})
        self.assertEqual(b"".join(harness.unb64(ch["data"]) for ch in entries[h_tcp]["held"]),
                         HELD)
        self.assertEqual(entries[h_unix]["file"]["path"], upath)
        self.assertNoEof(peer)

        # A descriptor the store holds with no entry: closed by the new daemon.
        orphan, orphan_peer = socket.socketpair()
        self.addCleanup(orphan_peer.close)
        passed = self.stored()
        passed.append(("handle-%d" % h_conn, orphan.detach()))
        b = self.start(passed)
        self.give_back(passed)
        self.assertEof(orphan_peer)
        self.assertIn("handle-%d: no handle to go with" % h_conn, self.read_log())
        self.assertFalse(os.path.exists(self.state_file), "the state file stayed")
        self.manager.wait_for(lambda m: m.get("READY") == "1", "READY=1")
        self.assertEqual(self.manager.removed(), {name for name, _ in passed})

        c = harness.Client(self.ctl)
        self.addCleanup(c.close)
        listed = c.call("socket.list")["sockets"]
        self.assertEqual([s["handle"] for s in listed], [h_tcp, h_unix])
        for h in (h_tcp, h_unix):
            after = c.call("socket.info", {"handle": h})
            for key in ("family", "type", "protocol", "scope", "owner", "state", "local",
                        "peer", "shut_rd", "shut_wr", "bytes_in", "bytes_out", "buffered",
                        "dropped"):
                self.assertEqual(after[key], before[h][key], (h, key))
        # What the old daemon had read comes first, then the kernel's.
        r = c.call("socket.receive", {"handle": h_tcp, "length": 4096})
        self.assertEqual(harness.unb64(r["data"]), HELD)
        self.assertEqual(self.receive_exactly(c, h_tcp, len(QUEUED)), QUEUED)
        # The same connection, both ways.
        peer.sendall(b"after the restart")
        self.assertEqual(self.receive_exactly(c, h_tcp, 17), b"after the restart")
        c.call("socket.send", {"handle": h_tcp, "data": harness.b64(b"still here")})
        self.assertEqual(peer.recv(100), b"still here")
        self.assertNoEof(peer)
        # The restored listener accepts; numbers are never reused.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as u:
            u.connect(upath)
            accepted = c.call("socket.accept", {"handle": h_unix, "timeout": 10000})["handle"]
        self.assertGreater(accepted, h_gone)
        new = c.call("socket.create", {"family": "inet", "type": "stream"})["handle"]
        self.assertGreater(new, accepted)
        # Its file goes with it, as before the restart.
        c.call("socket.close", {"handle": h_unix})
        self.assertFalse(os.path.exists(upath), "the restored UNIX socket's file stayed")
        c.call("socket.close", {"handle": h_tcp})
        self.assertEof(peer)
        c.close()
        self.assertEqual(self.stop(b), 0, self.read_log())

    def test_state_file_not_trusted_is_ignored(self):
        """A state file others may write to, not the daemon's user's, or
        past 64 MiB is not used: its descriptors are closed, the daemon
        serves.  At 64 MiB it is read (and found not to be JSON)."""
        untrusted = "not a file of uid %d that only it may write: ignored" % os.geteuid()
        cases = [("mode 0666", lambda p: os.chmod(p, 0o666), untrusted),
                 ("mode 0620", lambda p: os.chmod(p, 0o620), untrusted),
                 ("64 MiB", lambda p: os.truncate(p, 64 << 20), "not JSON: ignored"),
                 ("64 MiB + 1", lambda p: os.truncate(p, (64 << 20) + 1),
                  "larger than %d bytes: ignored" % (64 << 20))]
        if os.geteuid() == 0:
            cases.append(("owned by nobody", lambda p: os.chown(p, 65534, -1), untrusted))
        for what, spoil, message in cases:
            with self.subTest(what):
                self.check_spoiled_state(spoil, "handles.json: " + message)

    def test_descriptor_not_the_socket_described_is_closed(self):
        """A descriptor whose family, type or protocol is not its entry's
        is closed; the handle does not come back."""
        lst = self.peer_listener()
        a = self.start()
        with harness.Client(self.ctl) as c:
            h, peer = self.connected(c, lst)
        self.assertEqual(self.stop(a), 0, self.read_log())
        passed = self.stored()
        self.give_back(passed)          # the real one: its peer sees the end
        self.assertEof(peer)
        mine, other = socket.socketpair()
        self.addCleanup(other.close)
        passed = [("handle-%d" % h, mine.detach())]
        self.addCleanup(self.give_back, passed)
        b = self.start(passed)
        self.give_back(passed)
        self.assertEof(other)
        self.assertIn("handle %d: fd 3 is not the socket described" % h, self.read_log())
        with harness.Client(self.ctl) as c:
            self.assertEqual(c.call("socket.list"), {"sockets": [], "next": None})
            self.assertGreater(c.call("socket.create", {"family": "inet", "type": "stream"})
                               ["handle"], h)
        self.assertEqual(self.stop(b), 0, self.read_log())

    def check_spoiled_state(self, spoil, message):
        lst = self.peer_listener()
        a = self.start()
        with harness.Client(self.ctl) as c:
            h, peer = self.connected(c, lst)
        self.assertEqual(self.stop(a), 0, self.read_log())
        passed = self.stored()
        self.assertEqual([name for name, _ in passed], ["handle-%d" % h])
        spoil(self.state_file)
        b = self.start(passed)
        self.give_back(passed)
        self.assertIn(message, self.read_log())
        with harness.Client(self.ctl) as c:
            self.assertEqual(c.call("socket.list"), {"sockets": [], "next": None})
        self.assertEof(peer)            # the descriptor was closed
        self.assertTrue(os.path.exists(self.state_file), "a file not trusted was removed")
        self.manager.wait_for(lambda m: m.get("FDSTOREREMOVE") == "1", "FDSTOREREMOVE=1")
        self.assertEqual(self.stop(b), 0, self.read_log())
        self.manager.forget()
        if os.path.exists(self.state_file):
            os.unlink(self.state_file)

    def test_store_room(self):
        """$FDSTORE (the store's size) bounds what is stored; a handle past
        it is closed at stop as before."""
        lst = self.peer_listener()
        a = self.start(env_extra={"FDSTORE": "1"})
        with harness.Client(self.ctl) as c:
            h1, peer1 = self.connected(c, lst)
            h2, peer2 = self.connected(c, lst)
        self.assertEqual(self.stop(a), 0, self.read_log())
        self.assertEqual([name for name, _ in self.stored()], ["handle-%d" % h1])
        self.assertIn("handle %d: no room left in the fd store (1 descriptors)" % h2,
                      self.read_log())
        self.assertEof(peer2)
        self.assertNoEof(peer1)
        with open(self.state_file) as f:
            self.assertEqual([e["handle"] for e in json.load(f)["handles"]], [h1])

    def test_ids_not_reused_after_a_full_stop(self):
        """A stop whose descriptors never come back (a full stop): the next
        start still hands out ids above every old one, and the stale state
        file goes."""
        lst = self.peer_listener()
        a = self.start()
        with harness.Client(self.ctl) as c:
            old = [c.call("socket.create", {"family": "inet", "type": "stream"})["handle"]
                   for _ in range(3)]
            h, peer = self.connected(c, lst)
        self.assertEqual(self.stop(a), 0, self.read_log())
        self.assertTrue(self.stored())
        b = self.start()                # nothing given back
        with harness.Client(self.ctl) as c:
            new = c.call("socket.create", {"family": "inet", "type": "stream"})["handle"]
            self.assertGreater(new, max(old + [h]))
            self.assertEqual(c.call("socket.list")["sockets"][0]["handle"], new)
        self.assertEqual(os.listdir(self.state), [])
        self.assertEqual(self.stop(b), 0, self.read_log())

    def test_no_state_dir_no_store(self):
        """--state-dir "": nothing is stored, the sockets close at stop."""
        lst = self.peer_listener()
        a = self.start(state_dir="")
        with harness.Client(self.ctl) as c:
            h, peer = self.connected(c, lst)
        self.assertEqual(self.stop(a), 0, self.read_log())
        self.assertEqual(self.manager.stored, [])
        self.assertTrue(any(m.get("STOPPING") == "1" for m in self.manager.messages))
        self.assertEof(peer)
        self.assertEqual(os.listdir(self.state), [])


if __name__ == "__main__":
    harness.main()
