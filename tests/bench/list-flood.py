#!/usr/bin/env python3
"""list-flood.py: does one user's socket.list flood slow root down?

What it measures
    One sock6d is started by root with its control socket at mode 0666 in a
    fresh directory of mode 0755. A helper running as nobody (setpriv
    --reuid=nobody --regid=nogroup --clear-groups) creates --handles UDP
    handles (default 4,000), then opens --connections control connections
    (default 120) and keeps each full of pipelined copies of
    socket.list {"after": 2^62, "limit": 1} for --seconds (default 10): a
    page that is always empty, so each call is as cheap as the daemon can
    make it. Meanwhile root calls daemon.ping every 0.2 s on a connection
    opened before the flood. The same run is made with no handles, as the
    control: what the flood costs by itself.

    With --baseline OTHER_SOCK6D the same two runs are made against that
    daemon too (an older build, for instance), side by side.

How to read the output
    One row per run: the daemon, nobody's handles, root's ping latency
    (median, p90, max) and socket.list replies nobody got per second. A
    daemon whose socket.list walks only the caller's page costs the same
    with 4,000 handles as with none; one that collects and sorts every
    handle of the daemon per call answers fewer lists and pings later.

    Nothing is asserted: the script exits 0 when the figures were taken, 1
    when they could not be (not root, no setpriv, the daemon did not start).

Run (as root, from the top build directory or with SOCK6D set):
    python3 tests/bench/list-flood.py
    python3 tests/bench/list-flood.py --baseline /path/to/old/sock6d --handles 4000
"""

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
import benchlib  # noqa: E402

# Runs as nobody, with its own interpreter (python3 -c). argv: control
# socket, handles, connections, seconds. Creates the handles (in batches of
# 64 on one connection, kept open), prints {"handles"}, waits for a line on
# stdin, floods socket.list, then prints {"replies", "bytes"}.
HELPER = r'''
import json, selectors, socket, sys, time

path, want, nconn, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
keep = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
keep.connect(path)
buf, made = b"", 0
while made < want:
    batch = [{"jsonrpc": "2.0", "id": i, "method": "socket.create",
              "params": {"family": "inet", "type": "dgram", "scope": "daemon"}}
             for i in range(min(64, want - made))]
    keep.sendall(json.dumps(batch).encode() + b"\n")
    while b"\n" not in buf:
        chunk = keep.recv(1 << 20)
        if not chunk:
            raise SystemExit("the daemon closed the connection")
        buf += chunk
    line, buf = buf.split(b"\n", 1)
    got = sum(1 for r in json.loads(line) if "result" in r)
    if got == 0:
        raise SystemExit("socket.create refused: %s" % line[:200])
    made += got
print(json.dumps({"handles": made}), flush=True)
sys.stdin.readline()

req = {"jsonrpc": "2.0", "id": 1, "method": "socket.list",
       "params": {"after": 1 << 62, "limit": 1}}
line = json.dumps(req).encode() + b"\n"
chunk = line * max(1, 65536 // len(line))
sel = selectors.DefaultSelector()
for _ in range(nconn):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
replies = total = 0
stop = time.monotonic() + seconds
while time.monotonic() < stop:
    for key, ev in sel.select(0.1):
        s = key.fileobj
        if ev & selectors.EVENT_WRITE:
            try:
                s.send(chunk)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                pass
        if ev & selectors.EVENT_READ:
            try:
                data = s.recv(1 << 20)
            except (BlockingIOError, ConnectionResetError):
                continue
            replies += data.count(b"\n")
            total += len(data)
print(json.dumps({"replies": replies, "bytes": total}), flush=True)
'''


def parse_args():
    p = argparse.ArgumentParser(
        description="root's daemon.ping latency while nobody floods socket.list "
                    "(see the file's docstring)")
    p.add_argument("--handles", type=int, default=4000, metavar="N",
                   help="handles nobody holds during the flood (default 4000)")
    p.add_argument("--connections", type=int, default=120, metavar="N",
                   help="nobody's flooding connections (default 120)")
    p.add_argument("--seconds", type=float, default=10.0, metavar="S",
                   help="length of each flood (default 10)")
    p.add_argument("--baseline", metavar="SOCK6D",
                   help="another sock6d binary to measure the same way, side by side")
    p.add_argument("--user", default="nobody", help="the unprivileged user (default nobody)")
    p.add_argument("--group", default="nogroup", help="its group (default nogroup)")
    p.add_argument("--daemon-args", default="", metavar="ARGS",
                   help="extra sock6d arguments")
    a = p.parse_args()
    if a.handles < 0 or a.connections < 1 or a.seconds <= 0:
        p.error("--handles must be >= 0, --connections >= 1, --seconds > 0")
    return a


def setpriv_argv(a):
    return [shutil.which("setpriv"), f"--reuid={a.user}", f"--regid={a.group}",
            "--clear-groups"]


def pinger(path, seconds, out):
    """daemon.ping every 0.2 s for `seconds` on one connection: latencies in ms."""
    with benchlib.Client(path, timeout=60) as c:
        c.result("daemon.ping")
        out.append("ready")
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t0 = time.perf_counter()
            c.result("daemon.ping")
            out.append((time.perf_counter() - t0) * 1000)
            time.sleep(0.2)  # the probe interval, not a readiness guess


def run(a, binary, handles):
    """One flood against one daemon: (ping latencies sorted, replies/s, cpu s)."""
    extra = benchlib.split_args(a.daemon_args)
    with benchlib.Daemon(binary=binary, extra_args=extra, socket_mode="0666",
                         dir_mode=0o755) as d:
        helper = subprocess.Popen(setpriv_argv(a) + ["/usr/bin/python3", "-I", "-c", HELPER,
                                                     d.path, str(handles),
                                                     str(a.connections), str(a.seconds)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, cwd="/")
        try:
            made = benchlib.read_json_line(helper, 300)["handles"]
            if made != handles:
                raise benchlib.BenchError(f"nobody got {made} handles of {handles}")
            lat = []
            t = threading.Thread(target=pinger, args=(d.path, a.seconds, lat))
            t.start()
            deadline = time.monotonic() + 10
            while not lat and time.monotonic() < deadline:
                time.sleep(0.01)  # waiting for the pinger's connection
            cpu0 = d.cpu_seconds()
            helper.stdin.write(b"go\n")
            helper.stdin.flush()
            t.join()
            flood = benchlib.read_json_line(helper, a.seconds + 60)
            cpu = d.cpu_seconds() - cpu0
            d.check_alive()
        finally:
            if helper.poll() is None:
                helper.kill()
            helper.wait()
        return sorted(x for x in lat if x != "ready"), flood["replies"] / a.seconds, cpu


def main():
    a = parse_args()
    benchlib.install_signal_handlers()
    if os.geteuid() != 0:
        print("list-flood.py: needs root (to run the flood as another user)", file=sys.stderr)
        return 1
    if shutil.which("setpriv") is None:
        print("list-flood.py: needs setpriv", file=sys.stderr)
        return 1
    daemons = []
    if a.baseline:
        daemons.append(("baseline", os.path.abspath(a.baseline)))
    daemons.append(("this", benchlib.find_daemon()))
    print(f"# {benchlib.machine_line()}; nobody floods socket.list "
          f"{{after: 2^62, limit: 1}} on {a.connections} connections for {a.seconds:g} s")
    for name, path in daemons:
        print(f"# {name}: {path}")
    print(f"{'daemon':<10} {'handles':>8} {'ping median':>12} {'p90':>9} {'max':>9} "
          f"{'lists/s':>10} {'cpu s':>6} {'us/list':>8}")
    try:
        for name, path in daemons:
            for handles in sorted({0, a.handles}):
                lat, rate, cpu = run(a, path, handles)
                if not lat:
                    raise benchlib.BenchError("no ping answered")
                print(f"{name:<10} {handles:>8} "
                      f"{benchlib.percentile(lat, 50):>9.1f} ms "
                      f"{benchlib.percentile(lat, 90):>6.1f} ms "
                      f"{lat[-1]:>6.1f} ms {rate:>10.0f} {cpu:>6.1f} "
                      f"{cpu * 1e6 / max(1.0, rate * a.seconds):>8.1f}", flush=True)
    except benchlib.BenchError as e:
        print(f"list-flood.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
