"""benchlib: the small shared pieces of the sock6d fairness and memory benchmarks.

Not a benchmark itself. It holds what fairness.py, pin-memory.py and
user-share.py all need, and nothing more:

- find_daemon(): the sock6d binary to measure ($SOCK6D, else the build's
  daemon/sock6d);
- Daemon: starts one sock6d on a control socket in a fresh temporary
  directory, waits until it answers daemon.ping (polling until a deadline,
  never sleeping for readiness), reads its memory and CPU figures from /proc,
  and stops it and removes the directory however the run ends;
- Client: a minimal blocking newline-delimited JSON-RPC client;
- loopback_pair(): a TCP connection through the daemon over 127.0.0.1 whose
  accepted end holds a given number of unread bytes;
- small helpers for percentiles, sizes and signals.

Standard library only (Python 3.11).
"""

import base64
import json
import os
import select
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MIB = 1 << 20


class BenchError(Exception):
    """A figure could not be taken (the daemon did not start, a setup call failed)."""


class RpcError(BenchError):
    """A JSON-RPC call answered with an error object."""

    def __init__(self, method, error):
        self.method = method
        self.error = error
        self.code = error.get("code")
        super().__init__(f"{method}: error {self.code} {error.get('message')!r}")


def install_signal_handlers():
    """Turn SIGTERM into SystemExit so every finally block (daemon, temp dir) runs."""

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)


def find_daemon():
    """The sock6d to measure: $SOCK6D, else daemon/sock6d of the build."""
    env = os.environ.get("SOCK6D")
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise BenchError(f"SOCK6D={env} is not an executable file")
        return os.path.abspath(env)
    candidates = [
        os.path.join(os.getcwd(), "daemon", "sock6d"),  # run from the top build directory
        os.path.join(HERE, "..", "..", "daemon", "sock6d"),  # an in-tree build
    ]
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    raise BenchError("no sock6d found: set SOCK6D=/path/to/sock6d, or run from the top "
                     "build directory (where daemon/sock6d is)")


def split_args(text):
    """--daemon-args value as a list ("--limit output_max=4194304" -> two words)."""
    return shlex.split(text) if text else []


# ---------------------------------------------------------------- client


def request_line(method, params=None, rid=1):
    """One request as a compact JSON line (bytes, newline included)."""
    msg = {"jsonrpc": "2.0", "id": rid, "method": method}
    if params is not None:
        msg["params"] = params
    return json.dumps(msg, separators=(",", ":")).encode() + b"\n"


class Client:
    """A blocking control connection: one call at a time, or raw lines."""

    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.settimeout(timeout)
            self.sock.connect(path)
        except BaseException:
            self.sock.close()
            raise
        self.buf = bytearray()
        self.next_id = 1

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def fileno(self):
        return self.sock.fileno()

    def send(self, data):
        self.sock.sendall(data)

    def read_line(self):
        """The next line without its newline; EOFError when the daemon closed."""
        scanned = 0
        while True:
            i = self.buf.find(b"\n", scanned)
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 1]
                return line
            scanned = len(self.buf)
            chunk = self.sock.recv(MIB)
            if not chunk:
                raise EOFError("the daemon closed the connection")
            self.buf += chunk

    def call(self, method, params=None):
        """Send one request and return the whole reply object (result or error)."""
        rid = self.next_id
        self.next_id += 1
        try:
            self.send(request_line(method, params, rid))
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed at once: the refusal may still be readable
        while True:
            reply = json.loads(self.read_line())
            if isinstance(reply, dict) and reply.get("id") == rid:
                return reply
            if isinstance(reply, dict) and "error" in reply and reply.get("id") is None:
                return reply  # e.g. a limit refusal sent before any request

    def result(self, method, params=None):
        """The result of one call; RpcError when the daemon answered an error."""
        reply = self.call(method, params)
        if "error" in reply:
            raise RpcError(method, reply["error"])
        return reply["result"]


# ---------------------------------------------------------------- daemon


def proc_status(pid):
    """VmRSS and VmHWM of a process in kB (None when it is gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
    except FileNotFoundError:
        return None
    return out


def proc_cpu_seconds(pid):
    """User + system CPU seconds a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class Daemon:
    """One sock6d on a control socket in a temporary directory of its own.

    Use as a context manager; the daemon is stopped (TERM, then KILL) and the
    directory removed on the way out, whatever the reason.
    """

    READY_TIMEOUT = 10.0

    def __init__(self, binary=None, extra_args=(), socket_mode=None, dir_mode=None,
                 log_level="warn"):
        self.binary = binary or find_daemon()
        self.extra_args = list(extra_args)
        self.socket_mode = socket_mode
        self.dir_mode = dir_mode
        self.log_level = log_level
        self.dir = None
        self.path = None
        self.proc = None
        self.log = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="sock6d-bench.")
        if self.dir_mode is not None:
            os.chmod(self.dir, self.dir_mode)
        self.path = os.path.join(self.dir, "sock6d.sock")
        argv = [self.binary, "--socket", self.path, "--log-level", self.log_level]
        if self.socket_mode is not None:
            argv += ["--socket-mode", self.socket_mode]
        argv += self.extra_args
        self.log = open(os.path.join(self.dir, "sock6d.log"), "w+b")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.wait_ready()

    def log_text(self):
        if self.log is None:
            return ""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def wait_ready(self):
        """Poll daemon.ping until it answers, the daemon exits or the deadline passes."""
        deadline = time.monotonic() + self.READY_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"sock6d exited with status {self.proc.returncode} "
                                 f"before it was ready; its log:\n{self.log_text()}")
            try:
                with Client(self.path, timeout=1.0) as c:
                    if c.result("daemon.ping").get("pong") is True:
                        return
            except (OSError, EOFError, ValueError, RpcError):
                pass
            if time.monotonic() >= deadline:
                raise BenchError(f"sock6d not ready after {self.READY_TIMEOUT:.0f} s; "
                                 f"its log:\n{self.log_text()}")
            time.sleep(0.02)  # the poll interval, not a readiness guess

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise BenchError(f"sock6d died (status {self.proc.returncode}); its log:\n"
                             f"{self.log_text()}")

    def memory(self):
        """{'VmRSS': kB, 'VmHWM': kB} of the daemon now."""
        st = proc_status(self.pid)
        if st is None:
            self.check_alive()
        return st

    def cpu_seconds(self):
        return proc_cpu_seconds(self.pid)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()
            self.log = None
        if self.dir is not None:
            for name in os.listdir(self.dir):
                try:
                    os.unlink(os.path.join(self.dir, name))
                except OSError:
                    pass
            try:
                os.rmdir(self.dir)
            except OSError as e:
                print(f"benchlib: cannot remove {self.dir}: {e}", file=sys.stderr)
            self.dir = None


# ---------------------------------------------------------------- loopback pair


def loopback_pair(client, fill=MIB, rcvbuf=4 * MIB, scope="daemon", timeout=10.0):
    """A TCP connection through the daemon whose accepted end holds `fill` unread bytes.

    Creates a listener on 127.0.0.1:0 (receive buffer raised to `rcvbuf`, which
    the accepted socket inherits, so the whole fill fits in its receive queue),
    connects a second socket to it, accepts, and sends `fill` bytes from the
    connecting end with socket.send_all (in pieces that keep each request line
    under the daemon's 1 MiB message limit). Then polls a peek of the accepted
    end until all the bytes have arrived. Returns a dict of the three handles
    and the bound address.
    """
    inet_stream = {"family": "inet", "type": "stream", "scope": scope}
    listener = client.result("socket.create", inet_stream)["handle"]
    if rcvbuf:
        client.result("socket.setopt", {"handle": listener, "option": "so-receive-buffer",
                                        "value": rcvbuf})
    address = client.result("socket.bind", {"handle": listener,
                                             "address": "127.0.0.1:0"})["address"]
    client.result("socket.listen", {"handle": listener})
    connector = client.result("socket.create", inet_stream)["handle"]
    client.result("socket.connect", {"handle": connector, "address": address["string"]})
    accepted = client.result("socket.accept", {"handle": listener})["handle"]
    piece = 512 * 1024
    sent = 0
    while sent < fill:
        n = min(piece, fill - sent)
        data = base64.b64encode(b"\x5a" * n).decode()
        sent += client.result("socket.send_all", {"handle": connector, "data": data})["bytes"]
    deadline = time.monotonic() + timeout
    while True:
        got = client.result("socket.receive", {"handle": accepted, "length": fill,
                                               "flags": ["peek"]})["bytes"]
        if got >= fill:
            break
        if time.monotonic() >= deadline:
            raise BenchError(f"only {got} of {fill} bytes arrived in the accepted socket's "
                             f"receive queue (so-receive-buffer too small?)")
        time.sleep(0.01)  # poll interval
    return {"listener": listener, "connector": connector, "accepted": accepted,
            "address": address["string"], "unread": fill}


# ---------------------------------------------------------------- figures


def percentile(sorted_values, p):
    """The p-th percentile (nearest rank) of an already sorted list; None if empty."""
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, int(-(-p * len(sorted_values) // 100)) - 1))
    return sorted_values[k]


def mb(kb):
    """kB (as /proc reports them) as MB with one decimal."""
    return "-" if kb is None else f"{kb / 1024:.1f}"


def machine_line():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs, {model}"


def read_json_line(proc, timeout):
    """A helper process's next JSON line on its stdout, waiting at most
    `timeout` seconds (read a byte at a time: the lines after it stay
    for the next call)."""
    deadline = time.monotonic() + timeout
    fd = proc.stdout.fileno()
    buf = b""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise BenchError(f"the helper did not report within {timeout:g} s")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            c = os.read(fd, 1)
            if not c:
                err = proc.stderr.read().decode(errors="replace")
                raise BenchError(f"the helper exited without a report:\n{err}")
            buf += c
    return json.loads(buf)
