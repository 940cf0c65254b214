"""harness.py: start the real sock6d on a temporary socket and talk to it.

Every integration test imports this.  The daemon is started with --socket in a
fresh temporary directory and socket mode 0666; readiness is detected by
polling daemon.ping until a deadline, never by sleeping.  On failure the
daemon's log is printed so the cause is visible in the test log.

main() runs the test file under the DNS tripwire of dnstrap.py when it can
(root, unshare, mount): the test process and everything it starts resolve
through a loopback nameserver that fails the test which sent a query.  A
DaemonTest class may declare names with DNS_EXPECTED: the loopback resolver
answers those with NXDOMAIN, and the class is skipped where there is no
tripwire (its lookups would otherwise reach the machine's resolver).
"""

import atexit
import base64
import json
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import dnstrap

SOCK6D = os.environ.get("SOCK6D", "sock6d")
SOCK6CTL = os.environ.get("SOCK6CTL", "sock6ctl")

# A run under a dynamic checker (`make check-valgrind`) sets:
#   SOCK6D_WRAPPER      the command words put before every sock6d the tests
#                       start (harness.Daemon, the tests' own Popen calls, the
#                       Node client's tests): SOCK6D then names a script made
#                       here that runs the daemon under it, and SOCK6D_BINARY
#                       the program itself (for ldd and the like);
#   SOCK6D_REPORT_DIR   set here, not by the caller: a directory of this test
#                       process where the wrapper writes one report per
#                       daemon, named PID.log (valgrind's
#                       --log-file=%q{SOCK6D_REPORT_DIR}/%p.log);
#                       a report with an error in it fails the Daemon's stop
#                       and, whoever started the daemon, the whole file;
#   SOCK6D_ERROR_EXITCODE  the exit code by which the checker says it found
#                       errors (valgrind's --error-exitcode, the sanitizers'
#                       exitcode=); harness.Daemon fails when its daemon
#                       exits with it;
#   SOCK6D_TIME_FACTOR  how much slower the daemon runs: it scales the
#                       readiness deadline, client timeouts, stop waits and
#                       wait_until, nothing else.
SOCK6D_BINARY = shutil.which(SOCK6D) or SOCK6D
WRAPPER = tuple(shlex.split(os.environ.get("SOCK6D_WRAPPER", "")))
ERROR_EXITCODE = int(os.environ.get("SOCK6D_ERROR_EXITCODE") or 0) or None
TIME_FACTOR = max(1.0, float(os.environ.get("SOCK6D_TIME_FACTOR") or 1))
READY_DEADLINE = 10.0 * TIME_FACTOR


def _install_wrapper():
    """Point SOCK6D, here and in the environment the tests' children get, at
    a script that runs the daemon under WRAPPER, and make the report
    directory.  Both are readable by every user: some tests run sock6d, or
    its clients, as another user."""
    global SOCK6D, SOCK6D_BINARY
    if not WRAPPER:
        return
    if os.environ.get("SOCK6D_REPORT_DIR"):
        # Made by the process that re-executed itself as this one (dnstrap,
        # same pid: it cleans up) or by the test that started this one.
        SOCK6D_BINARY = os.environ["SOCK6D_BINARY"]
        if os.environ.get("SOCK6D_WRAPPER_PID") == str(os.getpid()):
            atexit.register(shutil.rmtree, os.path.dirname(os.environ["SOCK6D_REPORT_DIR"]), True)
        return
    where = tempfile.mkdtemp(prefix="sock6d-wrapper-")
    atexit.register(shutil.rmtree, where, True)
    os.environ["SOCK6D_WRAPPER_PID"] = str(os.getpid())
    os.environ["SOCK6D_BINARY"] = SOCK6D_BINARY
    os.chmod(where, 0o755)
    reports = os.path.join(where, "reports")
    os.mkdir(reports)
    os.chmod(reports, 0o1777)
    script = os.path.join(where, "sock6d")
    with open(script, "w") as f:
        # the report directory is set here too: a launcher that clears the
        # environment (systemd-socket-activate) must not lose it
        f.write("#!/bin/sh\n# sock6d under %s\nSOCK6D_REPORT_DIR=%s\nexport SOCK6D_REPORT_DIR\n"
                "exec %s %s \"$@\"\n"
                % (WRAPPER[0], shlex.quote(reports), " ".join(shlex.quote(w) for w in WRAPPER),
                   shlex.quote(SOCK6D_BINARY)))
    os.chmod(script, 0o755)
    SOCK6D = os.environ["SOCK6D"] = script
    os.environ["SOCK6D_REPORT_DIR"] = reports


_install_wrapper()


def skip_under_wrapper(reason):
    """Skip a test that cannot hold with the daemon under SOCK6D_WRAPPER
    (valgrind), saying why."""
    return unittest.skipIf(WRAPPER, "under %s, %s" % (WRAPPER[0] if WRAPPER else "", reason))


RSS_UNDER_WRAPPER = ("the daemon's RSS counts valgrind's own memory and the freed blocks "
                     "it holds back")


# valgrind before 3.20 does not know openat2 (syscall 437): it says so and
# returns ENOSYS, which the daemon's UNIX guard expects (it falls back to a
# plain open).  That notice is no error of the daemon's.
OPENAT2_NOTICE = re.compile(
    r"^--\d+-- (WARNING: unhandled amd64-linux syscall: 437"
    r"|You may be able to write your own handler\."
    r"|Read the file README_MISSING_SYSCALL_OR_IOCTL\."
    r"|Nevertheless we consider this a bug\.  Please report"
    r"|it at http://valgrind\.org/support/bug_reports\.html\.)$")


def report_errors(pid=None):
    """The errors in the wrapper's reports (of one daemon, or of all this
    process started), as text, and those reports removed; "" for none.
    A valgrind report (-q) holds only errors, leaks and warnings: an error
    or leak starts with an unindented line, a warning with "Warning:"."""
    where = os.environ.get("SOCK6D_REPORT_DIR")
    if not WRAPPER or not where:
        return ""
    names = ["%d.log" % pid] if pid is not None else sorted(os.listdir(where))
    found = []
    for name in names:
        path = os.path.join(where, name)
        try:
            with open(path, "rb") as f:
                text = f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            continue
        os.unlink(path)
        bodies = [re.sub(r"^==\d+== ?", "", line) for line in text.splitlines()
                  if not OPENAT2_NOTICE.match(line)]
        if any(b and not b[0].isspace() and not b.startswith("Warning:") for b in bodies):
            found.append("---- %s ----\n%s" % (name, text))
    return "\n".join(found)


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text.encode("ascii"), validate=True)


def has_ipv6_loopback():
    """True when ::1 can be bound on this machine."""
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return False
    try:
        s.bind(("::1", 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


def request_line(method, params, id=1):
    """One compact JSON-RPC request line, as bytes."""
    return (json.dumps({"jsonrpc": "2.0", "id": id, "method": method, "params": params},
                       separators=(",", ":")) + "\n").encode()


def proc_status(pid, key):
    """The number a process's /proc/PID/status gives for key ("VmRSS" in
    KiB, "Threads")."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError("no %s for %d" % (key, pid))


def rss(pid):
    """A process's resident memory, in bytes."""
    return proc_status(pid, "VmRSS") * 1024


def wait_until(pred, deadline=5.0, what="condition"):
    """Poll pred() until it is true; fail after the deadline (never a fixed sleep)."""
    deadline *= TIME_FACTOR
    end = time.monotonic() + deadline
    while True:
        if pred():
            return
        if time.monotonic() > end:
            raise AssertionError("%s not reached after %.0fs" % (what, deadline))
        time.sleep(0.005)  # poll interval


def read_to_eof(s):
    """Every JSON message on s until the daemon closes it."""
    data = b""
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            return [json.loads(line) for line in data.splitlines()]
        data += chunk


def other_users(*names):
    """The passwd entries of these users, for running clients as them
    (through setpriv(user)), and "" as the reason; or None and the reason it
    cannot be done here (not root, no setpriv, no such user)."""
    if os.geteuid() != 0:
        return None, "needs root"
    if shutil.which("setpriv") is None:
        return None, "needs setpriv"
    try:
        return [pwd.getpwnam(n) for n in names], ""
    except KeyError:
        return None, "needs users %s" % ", ".join(names)


def setpriv(user):
    """The command prefix that runs a program as user, in its own group only."""
    return ("setpriv", "--reuid=%d" % user.pw_uid, "--regid=%d" % user.pw_gid, "--clear-groups")


# The client calls_as runs as another user: argv[1] the control socket,
# argv[2] a JSON list of [method, params] pairs sent in turn on one
# connection (params null: none).  A "handle" of 0 or "$last" stands for the
# handle in the last result that held one.  Prints {"uid", "euid",
# "replies"}; with argv[3] "hold", then keeps the connection until stdin
# closes.
AS_USER_CLIENT = r"""
import json, os, socket, sys
path, calls = sys.argv[1], json.loads(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(path)
f = s.makefile("rwb")
out, last = [], None
for n, (method, params) in enumerate(calls, 1):
    msg = {"jsonrpc": "2.0", "id": n, "method": method}
    if params is not None:
        msg["params"] = {k: (last if k == "handle" and last is not None and
                             (v == "$last" or (type(v) is int and v == 0)) else v)
                         for k, v in params.items()}
    f.write(json.dumps(msg).encode() + b"\n")
    f.flush()
    line = f.readline()
    if not line:
        raise SystemExit("EOF from daemon")
    out.append(json.loads(line))
    result = out[-1].get("result")
    if isinstance(result, dict) and isinstance(result.get("handle"), int):
        last = result["handle"]
print(json.dumps({"uid": os.getuid(), "euid": os.geteuid(), "replies": out}), flush=True)
if sys.argv[3:] == ["hold"]:
    sys.stdin.read()
"""


def _as_user_command(user, path, calls, *extra):
    return setpriv(user) + (sys.executable, "-I", "-c", AS_USER_CLIENT, path,
                            json.dumps(calls)) + extra


def _as_user_replies(user, text):
    out = json.loads(text)
    if (out["uid"], out["euid"]) != (user.pw_uid, user.pw_uid):
        raise AssertionError("the client ran as uid %d, euid %d, not %d"
                             % (out["uid"], out["euid"], user.pw_uid))
    return out["replies"]


def calls_as(user, path, calls, timeout=30):
    """Make calls as user (a passwd entry, see other_users) on one connection
    to the control socket at path: the reply objects, in order."""
    p = subprocess.run(_as_user_command(user, path, calls), capture_output=True,
                       timeout=timeout, cwd="/")
    if p.returncode != 0:
        raise AssertionError("client as %s failed: %s"
                             % (user.pw_name, p.stderr.decode(errors="replace")))
    return _as_user_replies(user, p.stdout)


def calls_as_held(user, path, calls):
    """As calls_as, with the connection kept open after the replies:
    (replies, process); closing the process's stdin hangs up.  The caller
    waits for the process."""
    p = subprocess.Popen(_as_user_command(user, path, calls, "hold"), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, cwd="/")
    line = p.stdout.readline()
    if not line:
        p.kill()
        p.wait()
        raise AssertionError("client as %s failed" % user.pw_name)
    return _as_user_replies(user, line), p


class RpcError(Exception):
    """An error object returned by the daemon."""

    def __init__(self, error):
        super().__init__("%s: %s" % (error.get("code"), error.get("message")))
        self.error = error
        self.code = error.get("code")
        self.data = error.get("data") or {}


class Client:
    """One control connection: send requests, match replies by id, keep
    notifications that arrive in between."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout * TIME_FACTOR)
        try:
            self.sock.connect(path)
        except OSError:
            self.sock.close()
            raise
        self.rbuf = b""
        self.next_id = 1
        self.replies = {}
        self.notifications = []

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def read_line(self):
        """The next raw line from the daemon, or None at EOF."""
        while b"\n" not in self.rbuf:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                return None
            self.rbuf += chunk
        line, self.rbuf = self.rbuf.split(b"\n", 1)
        return line

    def read_message(self):
        """The next JSON message from the daemon (object or array), or None."""
        line = self.read_line()
        if line is None:
            return None
        assert b"\n" not in line
        return json.loads(line.decode("utf-8"))

    def request(self, method, params=None, id=None):
        """Send a request without waiting; returns its id."""
        if id is None:
            id = self.next_id
            self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send_raw(json.dumps(msg, separators=(",", ":")) + "\n")
        return id

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send_raw(json.dumps(msg) + "\n")

    def wait(self, id):
        """The whole reply object for request `id`."""
        while id not in self.replies:
            msg = self.read_message()
            if msg is None:
                raise EOFError("daemon closed the connection")
            if isinstance(msg, dict) and "id" in msg and ("result" in msg or "error" in msg):
                self.replies[msg["id"]] = msg
            else:
                self.notifications.append(msg)
        return self.replies.pop(id)

    def result(self, id):
        """The result of request `id`; raises RpcError for an error reply."""
        reply = self.wait(id)
        if "error" in reply:
            raise RpcError(reply["error"])
        return reply["result"]

    def call(self, method, params=None):
        return self.result(self.request(method, params))

    def error(self, method, params=None):
        """Call and return the error object; fails if the call succeeded."""
        reply = self.wait(self.request(method, params))
        if "error" not in reply:
            raise AssertionError("%s succeeded: %r" % (method, reply))
        return reply["error"]


class Daemon:
    """A sock6d process on a temporary control socket."""

    def __init__(self, args=(), mode="0666", wrap=(), env=None):
        """env: variables set for the daemon over the tests' own."""
        self.dir = tempfile.mkdtemp(prefix="sock6d-test-")
        os.chmod(self.dir, 0o755)
        self.path = os.path.join(self.dir, "ctl.sock")
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.log = open(self.log_path, "wb")
        self.checked = False
        cmd = list(wrap) + [SOCK6D, "--socket", self.path, "--socket-mode", mode,
                            "--log-level", "debug"] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **env) if env else None)
        self.wait_ready()

    def wait_ready(self):
        deadline = time.monotonic() + READY_DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sock6d exited with %d:\n%s" % (self.proc.returncode, self.read_log()))
            try:
                with Client(self.path, timeout=1.0) as c:
                    if c.call("daemon.ping") == {"pong": True}:
                        return
            except (OSError, EOFError):
                pass
            time.sleep(0.01)  # poll interval, not a readiness guess
        raise RuntimeError("sock6d not ready after %.0fs:\n%s" % (READY_DEADLINE, self.read_log()))

    def client(self, timeout=10.0):
        return Client(self.path, timeout)

    def alive(self):
        """The daemon still answers ping."""
        with self.client() as c:
            return c.call("daemon.ping") == {"pong": True}

    def read_log(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM):
        """Stop the daemon (if it still runs) and return its exit code;
        raises AssertionError if a checker it runs under (SOCK6D_WRAPPER,
        a sanitizer) reported errors."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10 * TIME_FACTOR)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.check_reports()
        return self.proc.returncode

    def check_reports(self):
        """Fail, once, if the daemon exited with the checker's error code or
        its report holds errors."""
        if self.checked:
            return
        self.checked = True
        errors = report_errors(self.proc.pid)
        if ERROR_EXITCODE is not None and self.proc.returncode == ERROR_EXITCODE:
            errors = "exit code %d\n%s\n%s" % (ERROR_EXITCODE, errors, self.read_log()[-20000:])
        if errors:
            raise AssertionError("sock6d (pid %d) ran with memory or undefined-behaviour "
                                 "errors:\n%s" % (self.proc.pid, errors))

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def dns_queries():
    """Every DNS query the tripwire received in this process (dnstrap.Query:
    name, qtype, transport, expected), or None without a tripwire."""
    trap = dnstrap.trap()
    return None if trap is None else trap.log()


def check_dns():
    """Raise AssertionError for the undeclared DNS queries received since the
    last check."""
    trap = dnstrap.trap()
    strays = [] if trap is None else trap.strays()
    if strays:
        raise AssertionError(trap.report(strays))


class DaemonTest(unittest.TestCase):
    """A test case with one daemon for the whole class and a fresh client per test.
    Subclasses may set DAEMON_ARGS, and DNS_EXPECTED: the names (shell
    patterns, "*.test") its tests look up on purpose, answered NXDOMAIN by
    the loopback resolver; such a class is skipped without one."""

    DAEMON_ARGS = ()
    DNS_EXPECTED = ()

    @classmethod
    def setUpClass(cls):
        trap = dnstrap.trap()
        if cls.DNS_EXPECTED and trap is None:
            raise unittest.SkipTest("needs the loopback resolver of dnstrap.py "
                                    "(root, unshare and mount)")
        if trap is not None:
            trap.label("in %s.setUpClass" % cls.__qualname__)
            trap.expect(cls.DNS_EXPECTED)
        try:
            cls.daemon = Daemon(cls.DAEMON_ARGS)
        except BaseException:
            if trap is not None:
                trap.expect(())
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.daemon.stop()
            if code not in (0, None):
                sys.stderr.write(cls.daemon.read_log())
        finally:
            shutil.rmtree(cls.daemon.dir, ignore_errors=True)
            cls._check_dns_after_stop()

    @classmethod
    def _check_dns_after_stop(cls):
        # The daemon is gone: every query it made has arrived.
        trap = dnstrap.trap()
        if trap is not None:
            trap.label("in %s.tearDownClass" % cls.__qualname__)
            try:
                check_dns()
            finally:
                trap.expect(())

    def setUp(self):
        self.c = self.daemon.client()
        self.tmp = tempfile.mkdtemp(prefix="sock6d-case-")
        os.chmod(self.tmp, 0o755)

    def tearDown(self):
        self.c.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self._failed():
            sys.stderr.write("---- daemon log ----\n" + self.daemon.read_log()[-20000:])

    def _failed(self):
        """Whether this test has failed so far (errors and failures are
        recorded on the result before tearDown runs)."""
        result = getattr(self._outcome, "result", None)
        if result is None:
            return False
        return any(test is self for test, _ in result.errors + result.failures)

    # Helpers shared by every test file.
    def raw_socket(self, rcvbuf=None, timeout=10.0):
        """A plain control connection (closed after the test), for tests
        that decide themselves what to send, when to read and how to end."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(timeout * TIME_FACTOR)
        s.connect(self.daemon.path)
        self.addCleanup(s.close)
        return s

    def assertError(self, error, code, param=None, errname=None):
        self.assertEqual(error["code"], code, error)
        if param is not None:
            self.assertEqual(error.get("data", {}).get("param"), param, error)
        if errname is not None:
            self.assertEqual(error.get("data", {}).get("errname"), errname, error)

    def assertAlive(self):
        self.assertTrue(self.daemon.alive())

    def create(self, family="inet", type="stream", **kw):
        params = {"family": family, "type": type}
        params.update(kw)
        return self.c.call("socket.create", params)["handle"]

    def listener(self, family="inet", host=None):
        """A listening stream socket on an ephemeral port: (handle, address string)."""
        h = self.create(family)
        host = host or {"inet": "127.0.0.1", "inet6": "[::1]"}[family]
        addr = self.c.call("socket.bind", {"handle": h, "address": host + ":0"})["address"]
        self.c.call("socket.listen", {"handle": h})
        return h, addr["string"]


class GuardedResult(unittest.TextTestResult):
    """A test result that fails each test during which the DNS tripwire
    received an undeclared query (and labels the queries with the test)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.between = []       # undeclared queries made outside any test

    def dns_failure(self):
        """exc_info for the undeclared queries since the last look, or None."""
        trap = dnstrap.trap()
        strays = [] if trap is None else trap.strays()
        if not strays:
            return None
        return (AssertionError, AssertionError(trap.report(strays)), None)

    def startTest(self, test):
        trap = dnstrap.trap()
        if trap is not None:
            self.between += trap.strays()
            trap.label("in " + test.id())
        super().startTest(test)

    def addSuccess(self, test):
        failure = self.dns_failure()
        if failure is None:
            super().addSuccess(test)
        else:
            self.addFailure(test, failure)

    def stopTest(self, test):
        failure = self.dns_failure()
        if failure is not None:         # the test failed already
            self.addFailure(test, failure)
        super().stopTest(test)
        if dnstrap.trap() is not None:
            dnstrap.trap().label("after " + test.id())


class GuardedRunner(unittest.TextTestRunner):
    """unittest's text runner with GuardedResult."""

    resultclass = GuardedResult


def main():
    """Run the test file's tests, under the DNS tripwire when possible
    (dnstrap.py): a test during which an undeclared query arrived fails, and
    a query made outside any test fails the run."""
    dnstrap.guard_this_process()
    if dnstrap.trap() is not None:
        dnstrap.trap().label("before the first test")
    result = unittest.main(testRunner=GuardedRunner, verbosity=2, exit=False).result
    ok = result.wasSuccessful()
    errors = report_errors()
    if errors:
        sys.stderr.write("FAIL: errors in daemons under %s:\n%s\n" % (WRAPPER[0], errors))
        ok = False
    trap = dnstrap.trap()
    if trap is not None:
        strays = result.between + trap.strays()
        if strays:
            sys.stderr.write("FAIL: DNS queries outside any test: %s\n" % trap.report(strays))
            ok = False
    sys.exit(0 if ok else 1)
