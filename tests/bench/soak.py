#!/usr/bin/env python3
"""soak.py: sock6d under a long mixed load, watched for leaks.

What it does
    Starts one sock6d (with a policy file of its own that raises the per-user
    shares for the run, and --allow-export) and runs --clients (50) client
    threads against it for --duration seconds (600).  Each client loops over
    scenarios picked at random, each a short conversation that uses several
    methods the way a client would and cleans up after itself:

      tcp       socket.create/setopt/getopt/bind/listen/name, connect, accept
                (and accept_ready), send, send_all, receive (peek too),
                receive_ready, peer_name, info, get_option/set_option,
                options, shutdown, receive of the end of file, close
      egg       tcp.listen/listener_port/connect (127.0.0.1 or localhost from
                /etc/hosts)/accept_ready/accept/addresses/port_numbers
      subscribe a stream subscribed with credit (base64 or text, a random
                max_chunk), fed from its peer, socket.paused answered with
                socket.credit, every offset and byte checked, unsubscribe and
                subscribe again to see the buffered bytes and socket.eof;
                a listener subscribed for socket.accepted
      udp       socket.* and udp.* datagrams (send_to, receive_from, connect,
                send, receive), a datagram socket subscribed
      unix      UNIX stream and datagram sockets bound in a temporary
                directory, net.unix_address; the file must be gone after close
      attach    a second control connection attached (raw) to an accepted
                socket: bytes both ways, then the connection closed
      export    socket.export (keep or not), the descriptor taken from the
                reply's SCM_RIGHTS and used directly, then closed
      connect   socket.connect_ai (happy eyeballs or not) past a closed port;
                a connect to a closed port (1001 expected)
      pending   a second connection parks accept and receive (timeout null)
                and goes away: the daemon cancels them; bytes that arrive
                afterwards are still received on the daemon-scope handle
      net       net.inet_address/parse_address/constants, net.address_
                information and net.name_information (numeric hosts,
                localhost and 127.0.0.1 from /etc/hosts only: no DNS),
                session.get/set, daemon.ping/version/stats, socket.list,
                a batch, rpc.discover and daemon.reload now and then
      errors    an unknown method, bad params, an unknown handle, a line
                that is not JSON, a receive that times out (each error code
                expected)

    Every few scenarios a client drops its control connection with
    connection-scope handles still open and connects again.  Methods are taken
    from rpc.discover; one that no scenario used successfully is reported.

    Every --interval seconds (5) a sampler reads the daemon's VmRSS
    (/proc/PID/status) and open descriptors (/proc/PID/fd), its handle and
    connection counts (daemon.stats) and the machine's load.  After
    --warmup seconds (60) the least-squares slope of RSS and descriptors
    over time is computed, per minute.  After the clients stop and
    disconnect, the daemon must hold no handle and as many descriptors as
    before the first client came.

How to read the output
    A line per sample, then: calls by method, errors by code (expected and
    unexpected; -32603 must never appear), the request rate, the slopes and
    the end state, each with a verdict (ok, or LEAK / FAILED).  Exit status 0
    when every verdict is ok, 1 otherwise or when the run could not be made.

Run (from the top build directory, or with SOCK6D set; root is best: the
per-user shares and the descriptor limit are raised for the run):
    python3 tests/bench/soak.py                       # 10 minutes, 50 clients
    python3 tests/bench/soak.py --duration 120 --warmup 30
    make bench-soak BENCH_ARGS="--duration 900"

Standard library only (Python 3.11).
"""

import argparse
import os
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import BenchError  # noqa: E402
import stream  # noqa: E402  (machine_busy, other_load, raise_nofile)
from soakmix import CALL_TIMEOUT, Stats, Worker  # noqa: E402

INTERNAL_ERROR = -32603


# ---------------------------------------------------------------- sampling


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def idle_fds(d, timeout=10.0):
    """The daemon's descriptors with no client connected: counted while one
    probe connection is the only one (daemon.stats says so), minus that one."""
    deadline = time.monotonic() + timeout
    while True:
        with benchlib.Client(d.path) as c:
            n = fd_count(d.pid)
            if c.result("daemon.stats")["connections"] == 1 or time.monotonic() > deadline:
                return n - 1
        time.sleep(0.05)


def slope_per_minute(points):
    """Least-squares slope of [(seconds, value)] per minute and its standard
    error, (None, None) with fewer than 3 points."""
    n = len(points)
    if n < 3:
        return None, None
    mx = sum(t for t, _ in points) / n
    my = sum(v for _, v in points) / n
    sxx = sum((t - mx) ** 2 for t, _ in points)
    if sxx == 0:
        return None, None
    b = sum((t - mx) * (v - my) for t, v in points) / sxx
    resid = sum((v - my - b * (t - mx)) ** 2 for t, v in points)
    return 60 * b, 60 * (resid / (n - 2) / sxx) ** 0.5


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class Sampler(threading.Thread):
    def __init__(self, daemon, workers, interval, t0):
        super().__init__(daemon=True)
        self.d = daemon
        self.workers = workers
        self.interval = interval
        self.t0 = t0
        self.samples = []   # (t, rss_kb, fds, handles, connections, calls, load, busy%)
        self.stop = threading.Event()
        self.error = None

    def take(self, ctl, last):
        t = time.monotonic() - self.t0
        mem = self.d.memory()
        fds = fd_count(self.d.pid)
        st = ctl.result("daemon.stats")
        calls = sum(sum(w.stats.calls.values()) for w in self.workers)
        busy_now = stream.machine_busy()
        busy = None if last is None else 100 * (busy_now - last[1]) / max(1e-9, t - last[0])
        s = (t, mem["VmRSS"], fds, st["handles"], st["connections"], calls, loadavg(), busy)
        self.samples.append(s)
        rate = 0 if not last or len(self.samples) < 2 else \
            (calls - self.samples[-2][5]) / (t - self.samples[-2][0])
        print(f"  {t:6.0f} s  rss {s[1]:7d} kB  fds {fds:5d}  handles {s[3]:5d}  "
              f"connections {s[4]:3d}  calls {calls:8d} ({rate:6.0f}/s)  load {s[6]:5.2f}"
              + ("" if busy is None else f"  machine {busy:4.0f}%"), flush=True)
        return (t, busy_now)

    def run(self):
        try:
            with benchlib.Client(self.d.path, timeout=CALL_TIMEOUT) as ctl:
                last = self.take(ctl, None)
                while not self.stop.wait(self.interval):
                    last = self.take(ctl, last)
        except Exception as e:  # the main thread reports it
            self.error = e


# ---------------------------------------------------------------- main


POLICY = """\
# the soak benchmark's policy: the shares raised for {clients} clients of one user
[limits]
handles_per_user = {handles}
connections_per_user = {conns}
max_connections = {maxconns}
pending_per_user = {handles}
resolver_queue_per_user = {resolver}
resolver_queue = {resolver}
"""


def main():
    p = argparse.ArgumentParser(description="sock6d soak: every method from many clients, "
                                "daemon RSS and descriptors watched for growth")
    p.add_argument("--duration", type=float, default=600, help="seconds of load (600)")
    p.add_argument("--clients", type=int, default=50, help="concurrent clients (50)")
    p.add_argument("--interval", type=float, default=5, help="seconds between samples (5)")
    p.add_argument("--warmup", type=float, default=60,
                   help="seconds left out of the slopes (60)")
    p.add_argument("--seed", type=int, default=1, help="random seed (1)")
    p.add_argument("--rss-tolerance", type=float, default=64,
                   help="largest RSS slope called flat, kB per minute (64), less two "
                   "standard errors of the fit")
    p.add_argument("--fd-tolerance", type=float, default=0.5,
                   help="largest slope called flat of the descriptors beyond one per handle "
                   "and per connection, per minute (0.5)")
    p.add_argument("--daemon-args", default="", help="extra sock6d arguments")
    args = p.parse_args()
    if args.duration <= args.warmup or args.clients < 1 or args.interval <= 0:
        p.error("--duration must exceed --warmup; --clients and --interval positive")
    benchlib.install_signal_handlers()
    nofile = stream.raise_nofile(65536)
    tmp = tempfile.mkdtemp(prefix="sock6d-soak.")
    os.chmod(tmp, 0o755)
    conf = os.path.join(tmp, "sock6d.conf")
    with open(conf, "w") as f:
        f.write(POLICY.format(clients=args.clients, handles=100 * args.clients + 1000,
                              conns=4 * args.clients + 16, maxconns=4 * args.clients + 64,
                              resolver=max(64, 2 * args.clients)))
    dargs = ["--config", conf, "--allow-export"] + benchlib.split_args(args.daemon_args)
    ipv6 = socket.has_ipv6
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        ipv6 = False
    verdicts = []
    try:
        with benchlib.Daemon(extra_args=dargs) as d:
            with benchlib.Client(d.path) as c:
                methods = sorted(m["name"] for m in c.result("rpc.discover")["methods"])
            base_fds = idle_fds(d)
            base_rss = d.memory()["VmRSS"]
            print("sock6d soak: every method from many clients, the daemon watched for growth")
            print(f"  sock6d:  {d.binary} {' '.join(dargs)}")
            print(f"  machine: {benchlib.machine_line()}; RLIMIT_NOFILE {nofile}; "
                  f"load {loadavg():.2f} at the start")
            others = stream.other_load({os.getpid(), d.pid})
            if others:
                print("  other work at the start: " + ", ".join(
                    f"{n} {p:.0f}%" for n, p in others[:8]))
            print(f"  method:  {args.clients} clients for {args.duration:.0f} s, sampled every "
                  f"{args.interval:g} s, slopes after {args.warmup:.0f} s; "
                  f"{len(methods)} methods in rpc.discover")
            print(f"  idle daemon: rss {base_rss} kB, {base_fds} descriptors")
            print()
            stop = threading.Event()
            workers = [Worker(i, args, d.path, tmp, stop, ipv6) for i in range(args.clients)]
            t0 = time.monotonic()
            sampler = Sampler(d, workers, args.interval, t0)
            threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
            for t in threads:
                t.start()
            sampler.start()
            try:
                while time.monotonic() - t0 < args.duration:
                    time.sleep(1)
                    d.check_alive()
                    if sampler.error:
                        raise BenchError(f"sampler: {sampler.error}")
            finally:
                stop.set()
                sampler.stop.set()
            for t in threads:
                t.join(CALL_TIMEOUT + 10)
            sampler.join(10)
            wall = time.monotonic() - t0
            stuck = sum(t.is_alive() for t in threads)
            d.check_alive()
            # the end state: no client, so no handle and the idle descriptors
            end = None
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with benchlib.Client(d.path) as c:
                    st = c.result("daemon.stats")
                    left = c.result("socket.list")["sockets"]
                end = (st, left, idle_fds(d))
                if st["handles"] == 0 and end[2] == base_fds:
                    break
                time.sleep(0.1)
            end_rss = d.memory()["VmRSS"]
            log = d.log_text()
            d.stop()
            print(f"  sock6d exited with status {d.proc.returncode} on SIGTERM")

        total = Stats()
        for w in workers:
            total.merge(w.stats)
        print()
        print_report(args, methods, total, sampler.samples, wall, base_fds, base_rss, end,
                     end_rss, stuck, log, verdicts)
    except BenchError as e:
        print(f"soak: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    bad = [v for v in verdicts if v[1] != "ok"]
    print()
    print("RESULT: " + ("every check ok" if not bad else
                        "FAILED: " + "; ".join(f"{n} ({v})" for n, v, _ in bad)))
    return 1 if bad else 0


def print_report(args, methods, total, samples, wall, base_fds, base_rss, end, end_rss,
                 stuck, log, verdicts):
    calls = sum(total.calls.values())
    print(f"calls by method ({calls} requests in {wall:.0f} s: {calls / wall:.0f} per second; "
          f"{sum(total.scenarios.values())} scenarios; {total.bytes / 1e6:.1f} MB of stream "
          f"bytes checked through subscriptions):")
    names = sorted(set(methods) | set(total.calls))
    width = max(len(n) for n in names)
    for i in range(0, len(names), 3):
        print("  " + "   ".join(f"{n:<{width}} {total.calls[n]:8d}" for n in names[i:i + 3]))
    print("notifications: " + ", ".join(f"{k} {v}" for k, v in sorted(total.notes.items())))
    print("scenarios: " + ", ".join(f"{k} {v}" for k, v in sorted(total.scenarios.items())))
    print("errors by code (expected / unexpected):")
    codes = sorted({c for c, _ in total.errors})
    for code in codes:
        print(f"  {code:7d}  {total.errors[(code, True)]:8d} / {total.errors[(code, False)]:d}")
    if not codes:
        print("  none")
    for line in total.unexpected:
        print(f"  unexpected: {line}")
    for what, n in sorted(total.anomalies.items()):
        print(f"  anomaly: {what}: {n}")

    def verdict(name, ok, detail):
        verdicts.append((name, "ok" if ok else "FAILED", detail))

    internal = sum(n for (code, _), n in total.errors.items() if code == INTERNAL_ERROR)
    verdict("-32603 internal errors", internal == 0, f"{internal}")
    unexpected = sum(n for (code, ok), n in total.errors.items() if not ok)
    verdict("unexpected errors", unexpected == 0, f"{unexpected}")
    anomalies = sum(total.anomalies.values())
    verdict("anomalies (lost or changed bytes, stalls, files left)", anomalies == 0,
            f"{anomalies}")
    unused = [m for m in methods if total.ok[m] == 0]
    verdict("every rpc.discover method used", not unused,
            "all " + str(len(methods)) if not unused else "never: " + ", ".join(unused))
    verdict("clients ended", stuck == 0, f"{stuck} stuck")
    crit = [line for line in log.splitlines() if "crit" in line.lower() or "<2>" in line]
    verdict("no critical log line", not crit, crit[0][:120] if crit else "none")

    after = [s for s in samples if s[0] >= args.warmup]
    rss_slope, rss_se = slope_per_minute([(s[0], s[1]) for s in after])
    fd_slope, fd_se = slope_per_minute([(s[0], s[2]) for s in after])
    h_slope, h_se = slope_per_minute([(s[0], s[3]) for s in after])
    # descriptors beyond one per handle and per connection: what a leak of
    # descriptors would raise, without the load's own ups and downs
    x_slope, x_se = slope_per_minute([(s[0], s[2] - s[3] - s[4]) for s in after])
    print()
    print(f"samples after the {args.warmup:.0f} s warm-up: {len(after)} "
          f"(of {len(samples)}, every {args.interval:g} s)")
    if after:
        rss = [s[1] for s in after]
        fds = [s[2] for s in after]
        extra = [s[2] - s[3] - s[4] for s in after]
        loads = [s[6] for s in after]
        busy = [s[7] for s in after if s[7] is not None]
        print(f"  rss:         {min(rss)}..{max(rss)} kB (idle daemon {base_rss} kB, after "
              f"the run {end_rss} kB)")
        print(f"  descriptors: {min(fds)}..{max(fds)} (idle daemon {base_fds}); beyond one "
              f"per handle and per connection: {min(extra)}..{max(extra)}")
        if busy:
            print(f"  load:        {min(loads):.2f}..{max(loads):.2f} (1-minute load average); "
                  f"machine {min(busy):.0f}..{max(busy):.0f}% busy (200% = both CPUs)")
        rates = [(b[5] - a[5]) / (b[0] - a[0]) for a, b in zip(after, after[1:])]
        if rates:
            print(f"  request rate: {min(rates):.0f}..{max(rates):.0f} per second, "
                  f"{sum(rates) / len(rates):.0f} on average")
    if rss_slope is None:
        verdict("RSS slope", False, "too few samples")
    else:
        print(f"  slopes (least squares, per minute, +- 2 standard errors): "
              f"rss {rss_slope:+.1f} +- {2 * rss_se:.1f} kB; descriptors {fd_slope:+.2f} "
              f"+- {2 * fd_se:.2f} (the load's handles {h_slope:+.2f} +- {2 * h_se:.2f}; "
              f"beyond handles and connections {x_slope:+.2f} +- {2 * x_se:.2f})")
        # flat: the slope, less two standard errors, is within the tolerance
        verdict("RSS slope flat", rss_slope - 2 * rss_se <= args.rss_tolerance,
                f"{rss_slope:+.1f} +- {2 * rss_se:.1f} kB/min (<= {args.rss_tolerance:g})")
        verdict("descriptor slope flat (beyond handles, connections)",
                x_slope - 2 * x_se <= args.fd_tolerance,
                f"{x_slope:+.2f} +- {2 * x_se:.2f}/min (<= {args.fd_tolerance:g})")
    st, left, fds = end
    verdict("no handle left after the clients", st["handles"] == 0 and not left,
            f"{st['handles']} handles")
    verdict("descriptors back to the idle daemon's", fds == base_fds,
            f"{fds} against {base_fds}")
    print()
    for name, v, detail in verdicts:
        print(f"  {name:<55} {detail:<40} {v}")


if __name__ == "__main__":
    sys.exit(main())
