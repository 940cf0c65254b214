"""streamproc.py: the processes, machine load and perf helpers of the
streaming benchmark (stream.py).

Not a benchmark itself.  It holds:

- find_tool(): a C helper of the benchmark (streamio, subclient): $ENV, else
  the build's tests/bench/NAME;
- Proc: a child whose output is read line by line ("port ...", "subscribed",
  the figures line 'mode k=v ...' parsed by parse_figures()) and whose CPU
  time comes from wait4 when it ends; stop_proc() ends one on a cleanup path;
- machine_busy(), other_load(), warn_if_busy(): the CPU the whole machine
  and the processes not ours use, so that a run on a busy machine says so;
- run_timeout() and raise_nofile(): how long a transfer may take, and the
  descriptor limit for many handles;
- Perf: `perf record -g` of the daemon during one run, summarized as the
  top functions by self time (--perf).

Standard library only (Python 3.11).
"""

import os
import re
import resource
import select
import signal
import subprocess
import time

from benchlib import BenchError

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- helpers


def find_tool(name, env):
    """A C helper: $ENV, else tests/bench/NAME of the build (cwd or next to us)."""
    path = os.environ.get(env)
    if path:
        if not os.access(path, os.X_OK):
            raise BenchError(f"{env}={path} is not executable")
        return os.path.abspath(path)
    for cand in (os.path.join(os.getcwd(), "tests", "bench", name), os.path.join(HERE, name)):
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    raise BenchError(f"no {name} found: build it with `make -C tests bench/{name}` from the "
                     f"top build directory, or set {env}")


def parse_figures(line):
    """'mode k=v k=v' -> {'mode': mode, k: float or str}."""
    words = line.split()
    out = {"mode": words[0] if words else ""}
    for w in words[1:]:
        k, _, v = w.partition("=")
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


class Proc:
    """A child whose standard output is read line by line, and whose CPU time
    is taken from wait4 when it ends."""

    def __init__(self, name, argv, stdin=False):
        self.name = name
        self.argv = argv
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                                  bufsize=0)
        self.buf = b""
        self.lines = []
        self.cpu = None
        self.err = b""

    @property
    def pid(self):
        return self.p.pid

    def _read_some(self, timeout):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return True
        chunk = os.read(self.p.stdout.fileno(), 65536)
        if not chunk:
            return False
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.lines.append(line.decode(errors="replace"))
        return True

    def expect(self, prefix, timeout=30.0):
        """The first output line starting with prefix (waiting for it)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, line in enumerate(self.lines):
                if line.startswith(prefix):
                    del self.lines[:i + 1]
                    return line
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise BenchError(f"{self.name}: no '{prefix}' line after {timeout:.0f} s")
            if not self._read_some(min(left, 0.5)) and not any(
                    x.startswith(prefix) for x in self.lines):
                self.finish(5)
                raise BenchError(f"{self.name}: ended without '{prefix}' "
                                 f"(status {self.p.returncode}): {self.err.decode().strip()}")

    def send(self, text):
        """A command on its standard input (a child that ended is found by result())."""
        try:
            self.p.stdin.write(text.encode())
            self.p.stdin.flush()
        except BrokenPipeError:
            pass

    def finish(self, timeout):
        """Wait for the end (killing it after timeout); returns the exit status."""
        deadline = time.monotonic() + timeout
        while self._read_some(max(0.0, min(0.5, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                self.kill()
                break
        self.err = self.p.stderr.read() or b""
        _, status, ru = os.wait4(self.p.pid, 0)  # (kill() never reaps: wait4 can)
        self.p.returncode = os.waitstatus_to_exitcode(status)
        self.cpu = ru.ru_utime + ru.ru_stime
        if self.buf:
            self.lines.append(self.buf.decode(errors="replace"))
            self.buf = b""
        return self.p.returncode

    def result(self, timeout, mode):
        """The figures line of a finished run ('mode k=v ...')."""
        rc = self.finish(timeout)
        for line in self.lines:
            if line.startswith(mode + " "):
                if rc != 0:
                    break
                return parse_figures(line)
        out = " | ".join(line[:160] for line in self.lines[-3:])
        raise BenchError(f"{self.name} failed (status {rc}): {self.err.decode().strip()[:400]}"
                         + (f" (its output: {out})" if out else ""))

    def kill(self):
        """SIGKILL, without reaping (finish() takes the status and CPU time):
        until it is reaped the pid stays ours."""
        if self.p.returncode is None:
            try:
                os.kill(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def stop_proc(proc):
    """End a helper we started, if it is still running (cleanup path)."""
    if proc is not None and proc.p.returncode is None:
        proc.kill()
        try:
            proc.p.wait(5)
        except subprocess.TimeoutExpired:
            pass


def machine_busy():
    """CPU seconds the whole machine has been busy (all CPUs), from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def other_load(mine, interval=0.5):
    """Processes not ours that used more than 5% of a CPU over `interval`:
    [(name, percent)], busiest first.  Other work on a two-CPU machine moves
    every figure here; the run says so rather than hiding it."""
    def sample():
        out = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) in mine:
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    text = f.read()
            except OSError:
                continue
            name = text[text.index("(") + 1:text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            out[pid] = (name, int(fields[11]) + int(fields[12]))
        return out
    a = sample()
    time.sleep(interval)
    b = sample()
    tck = os.sysconf("SC_CLK_TCK")
    busy = [(name, 100 * (t - a[pid][1]) / tck / interval)
            for pid, (name, t) in b.items() if pid in a]
    return sorted([x for x in busy if x[1] > 5], key=lambda x: -x[1])


def warn_if_busy(mine):
    others = other_load(mine)
    if others:
        total = sum(p for _, p in others)
        names = ", ".join(f"{n} {p:.0f}%" for n, p in others[:5])
        print(f"  note: other processes use {total:.0f}% of a CPU right now ({names}); "
              f"the figures may be low or noisy: rerun on an idle machine", flush=True)


def run_timeout(nbytes):
    """Longest a transfer may take: generous (10 MB/s) plus a minute."""
    return 60 + nbytes / 10e6


def raise_nofile(want):
    """RLIMIT_NOFILE of this process and its children at least `want` when
    allowed (root may raise the hard limit too); the soft limit it got."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        unlimited = hard == resource.RLIM_INFINITY
        if os.geteuid() == 0 and not unlimited and hard < want:
            hard = want
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want if unlimited else min(want, hard), hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---------------------------------------------------------------- perf


class Perf:
    """perf record -g of the daemon during one run, summarized as the top
    functions by self time (when --perf is given and perf is installed)."""

    def __init__(self, args, pid, label):
        self.proc = None
        self.data = None
        if not args.perf:
            return
        where = args.perf if isinstance(args.perf, str) else args.tmp
        os.makedirs(where, exist_ok=True)
        self.data = os.path.join(where, re.sub(r"\W+", "-", label).strip("-") + ".perf.data")
        self.proc = subprocess.Popen(["perf", "record", "-q", "-g", "-F", "999", "-p", str(pid),
                                      "-o", self.data], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        time.sleep(0.3)  # perf attaches asynchronously; a short run would be missed otherwise

    def stop(self, top=12):
        if self.proc is None:
            return []
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        out = subprocess.run(["perf", "report", "-i", self.data, "--stdio", "--no-children",
                              "--sort", "symbol", "-g", "none", "--percent-limit", "0.5"],
                             capture_output=True, text=True).stdout
        rows = []
        for line in out.splitlines():
            m = re.match(r"\s*([\d.]+)%\s+\[([.k])\]\s+(.*?)(\s+-\s+-)?\s*$", line)
            if m:  # (the IPC columns, "-  -" in a VM, are dropped)
                rows.append((float(m.group(1)), m.group(3) + (" [k]" if m.group(2) == "k" else "")))
        return rows[:top]
