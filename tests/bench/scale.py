#!/usr/bin/env python3
"""scale.py: sock6d with many handles open and many streams subscribed at once.

What it measures
    h. handles  --handles (20,000) handles open at once in one sock6d, made by
                pipelined requests on one control connection: half TCP (a
                listener, then connections through the daemon whose both ends
                are its handles), a quarter UDP sockets bound to 127.0.0.1:0,
                a quarter UNIX stream (both ends again, a listener in a
                temporary directory).  Figures: the time to open them, the
                daemon's RSS and descriptors with them open against the idle
                daemon (and per handle), socket.list and daemon.stats with
                them all, the daemon.ping p99 (streamio ping, one ping due
                every --ping-interval-us) with them open against the idle
                daemon, and the time to close them (the control connection
                goes; they are connection-scoped), after which the daemon
                must be back to its idle descriptors.
    s. streams  --streams (1,000) TCP connections through the daemon, each
                subscribed with credit (subclient --credit-step: the credit is
                granted back in halves) over --sub-connections control
                connections, their peers (streamio peers) writing
                --peer-chunk bytes every --peer-interval-ms.  The daemon.ping
                p99 while they write against the same with the peers silent
                (stream.py's scenario d, with credit), then the peers close,
                every subscription ends with socket.eof, and each stream's
                bytes counted and digested (FNV-1a) by its subscriber are
                compared with what its peer wrote: no loss.

    The per-user shares are raised for the run by a policy file of its own
    ([limits] handles_per_user and pending_per_user).  Each handle is a
    descriptor of the daemon: RLIMIT_NOFILE is raised for the daemon (which
    raises its soft limit to the hard one) and for this process when root
    may; where the hard limit cannot be raised (no CAP_SYS_RESOURCE, as in
    some containers), --handles is lowered to what fits, and the run says so.

How to read the output
    One block per part; each target line says ok or MISSED (a figure, never
    asserted), except the loss check, which fails the run: the exit status
    is 0 when the figures were taken and no stream lost a byte, 1 otherwise.

Run (from the top build directory, after `make -C tests bench/streamio
bench/subclient`; or `make bench-scale BENCH_ARGS=...`):
    python3 tests/bench/scale.py
    python3 tests/bench/scale.py --parts h --handles 5000
    python3 tests/bench/scale.py --parts s --streams 1000 --ping-seconds 20

Standard library only (Python 3.11).
"""

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402
from benchlib import BenchError  # noqa: E402
import stream  # noqa: E402  (Proc, Bench.connect_many and ping, find_tool, raise_nofile)

MARGIN = 64   # descriptors the daemon needs beside its handles


POLICY = """\
# the scale benchmark's policy: one user may hold every handle of the run
[limits]
handles_per_user = {handles}
pending_per_user = {handles}
pending_per_connection = {handles}
"""


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def pipelined(client, requests, window=500):
    """Send [(method, params)] with up to `window` in flight; the results in
    order (BenchError on the first error)."""
    out = [None] * len(requests)
    sent = done = 0
    base = client.next_id
    client.next_id += len(requests)
    while done < len(requests):
        lines = []
        while sent < len(requests) and sent - done < window:
            m, p = requests[sent]
            lines.append(benchlib.request_line(m, p, base + sent))
            sent += 1
        if lines:
            client.send(b"".join(lines))
        rep = json.loads(client.read_line())
        i = rep.get("id", -1) - base
        if "error" in rep or not 0 <= i < len(requests):
            raise BenchError(f"{requests[max(0, min(i, len(requests) - 1))][0]}: "
                             f"{json.dumps(rep)[:300]}")
        out[i] = rep["result"]
        done += 1
    return out


def ping_line(r):
    return (f"pings {int(r['pings']):5d}  p50 {r['p50_us']:7.1f} us  p99 {r['p99_us']:8.1f} us  "
            f"max {r['max_us']:9.1f} us  late {r['late_pct']:4.1f}%  "
            f"(round trips alone: p99 {r['rtt_p99_us']:.1f} us)")


class Scale:
    def __init__(self, args, daemon):
        self.a = args
        self.d = daemon
        self.bench = stream.Bench(args, daemon)   # its ping() and connect_many()

    def ping(self, phase):
        r, _ = self.bench.ping(self.a.ping_seconds, phase)
        return r

    # -- h: many handles ----------------------------------------------------

    def open_handles(self, c, n):
        """n connection-scoped handles: TCP pairs, UDP, UNIX pairs.  Returns
        the count of each kind."""
        conn = {"scope": "connection"}
        n_tcp = n // 2
        n_unix = n // 4
        n_udp = n - n_tcp - n_unix
        kinds = {}
        # TCP: one listener, then (n_tcp - 1) // 2 connected pairs
        lst = c.result("socket.create", {"family": "inet", "type": "stream", **conn})["handle"]
        addr = c.result("socket.bind", {"handle": lst, "address": "127.0.0.1:0"})["address"]
        c.result("socket.listen", {"handle": lst, "backlog": 4096})
        kinds["tcp"] = 1 + self.pairs(c, lst, "inet", addr["string"], (n_tcp - 1) // 2)
        # UNIX: the same
        path = os.path.join(self.a.tmp, "scale.sock")
        ul = c.result("socket.create", {"family": "unix", "type": "stream", **conn})["handle"]
        c.result("socket.bind", {"handle": ul, "address": path})
        c.result("socket.listen", {"handle": ul, "backlog": 4096})
        kinds["unix"] = 1 + self.pairs(c, ul, "unix", path, (n_unix - 1) // 2)
        # UDP: the rest, each bound
        rest = n - kinds["tcp"] - kinds["unix"]
        hs = [r["handle"] for r in pipelined(c, [("socket.create", {"family": "inet",
                                                                    "type": "dgram", **conn})]
                                             * rest)]
        pipelined(c, [("socket.bind", {"handle": h, "address": "127.0.0.1:0"}) for h in hs])
        kinds["udp"] = rest
        assert n_udp >= 0
        return kinds

    def pairs(self, c, listener, family, address, count, batch=200):
        """count connections to listener, both ends the daemon's handles."""
        made = 0
        while made < count:
            k = min(batch, count - made)
            hs = [r["handle"] for r in pipelined(c, [("socket.create", {
                "family": family, "type": "stream", "scope": "connection"})] * k)]
            pipelined(c, [("socket.connect", {"handle": h, "address": address,
                                              "timeout": 30000}) for h in hs])
            pipelined(c, [("socket.accept", {"handle": listener, "timeout": 30000})] * k)
            made += k
        return 2 * count

    def handles(self):
        a, d = self.a, self.d
        out = {}
        print(f"h. {a.handles} handles open at once (half TCP, a quarter UDP, a quarter UNIX; "
              f"both ends of each connection in the daemon)")
        stream.warn_if_busy({os.getpid(), d.pid})
        out["idle_rss"] = d.memory()["VmRSS"]
        out["idle_fds"] = fd_count(d.pid)
        out["idle_ping"] = self.ping("idle")
        print(f"  idle daemon: rss {out['idle_rss']} kB, {out['idle_fds']} descriptors; "
              f"ping {ping_line(out['idle_ping'])}", flush=True)
        with benchlib.Client(d.path, timeout=300) as c:
            t0 = time.monotonic()
            kinds = self.open_handles(c, a.handles)
            out["open_s"] = time.monotonic() - t0
            st = c.result("daemon.stats")
            out["handles"] = st["handles"]
            out["rss"] = d.memory()["VmRSS"]
            out["fds"] = fd_count(d.pid)
            print(f"  opened {st['handles']} handles ({', '.join(f'{k} {v}' for k, v in kinds.items())}) "
                  f"in {out['open_s']:.1f} s ({st['handles'] / out['open_s']:.0f} per second)")
            print(f"  with them open: rss {out['rss']} kB (+{out['rss'] - out['idle_rss']} kB, "
                  f"{1024 * (out['rss'] - out['idle_rss']) / max(1, st['handles']):.0f} bytes "
                  f"per handle), {out['fds']} descriptors", flush=True)
            hwm = d.memory()["VmHWM"]
            # socket.list page by page (1,024 a page), as sock6ctl list does
            t0 = time.monotonic()
            listed, pages, after, worst = 0, 0, 0, 0.0
            while True:
                t1 = time.monotonic()
                rep = c.call("socket.list", {"after": after, "limit": 1024})
                worst = max(worst, time.monotonic() - t1)
                if "error" in rep:
                    break
                pages += 1
                listed += len(rep["result"]["sockets"])
                if rep["result"]["next"] is None:
                    break
                after = rep["result"]["next"]
            dt = time.monotonic() - t0
            if "error" in rep:
                out["list"] = f"error {rep['error']['code']} ({rep['error']['message']})"
            else:
                out["list"] = (f"{listed} sockets in {pages} pages (slowest page "
                               f"{worst * 1000:.0f} ms)")
            mem = d.memory()
            print(f"  socket.list: {out['list']} in {dt * 1000:.0f} ms; rss after it "
                  f"{mem['VmRSS']} kB, peak {hwm} kB before it and {mem['VmHWM']} kB after",
                  flush=True)
            out["loaded_ping"] = self.ping("handles")
            print(f"  ping with {st['handles']} handles open: {ping_line(out['loaded_ping'])}",
                  flush=True)
            out["peak_rss"] = d.memory()["VmHWM"]
            t0 = time.monotonic()
        # the connection is gone: the daemon closes every handle
        deadline = time.monotonic() + 120
        while True:
            with benchlib.Client(d.path) as c:
                left = c.result("daemon.stats")["handles"]
                fds = fd_count(d.pid) - 1
            if left == 0 and fds <= out["idle_fds"]:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        out["close_s"] = time.monotonic() - t0
        out["after_fds"] = fds
        out["after_rss"] = d.memory()["VmRSS"]
        print(f"  closed by the connection's end in {out['close_s']:.1f} s: {left} handles, "
              f"{fds} descriptors (idle {out['idle_fds']}), rss {out['after_rss']} kB "
              f"(peak {out['peak_rss']} kB)", flush=True)
        out["after_ok"] = left == 0 and fds == out["idle_fds"]
        print()
        return out

    # -- s: many subscribed streams ----------------------------------------

    def streams(self):
        a, d = self.a, self.d
        n = a.streams
        rate = a.peer_chunk * 1000 / a.peer_interval_ms
        print(f"s. {n} TCP streams through the daemon, each subscribed with credit "
              f"{a.credit_step} (given back in halves) over {a.sub_connections} control "
              f"connection(s); each peer writes {a.peer_chunk} B every {a.peer_interval_ms:g} ms "
              f"({rate * n / 1e6:.1f} MB/s in all); daemon.ping due every "
              f"{a.ping_interval_us:g} us on another connection")
        stream.warn_if_busy({os.getpid(), d.pid})
        peers = sc = None
        out = {}
        preport = os.path.join(a.tmp, "peers.report")
        sreport = os.path.join(a.tmp, "sub.report")
        try:
            peers = stream.Proc("peers", [a.streamio, "peers", "--count", str(n),
                                          "--chunk", str(a.peer_chunk),
                                          "--interval-ms", str(a.peer_interval_ms),
                                          "--report", preport], stdin=True)
            port = int(peers.expect("port").split()[1])
            with benchlib.Client(d.path, timeout=120) as setup:
                handles = self.bench.connect_many(setup, port, n)
                peers.expect("accepted", 60)
                names = pipelined(setup, [("socket.name", {"handle": h}) for h in handles])
                port_of = {h: r["address"]["port"] for h, r in zip(handles, names)}
                hfile = os.path.join(a.tmp, "handles.txt")
                with open(hfile, "w") as f:
                    f.write("\n".join(str(h) for h in handles) + "\n")
                sc = stream.Proc("subclient", [a.subclient, "subscribe", "--unix", d.path,
                                               "--handles-file", hfile, "--connections",
                                               str(a.sub_connections), "--credit-step",
                                               str(a.credit_step), "--report", sreport])
                sc.expect("subscribed", 60)
                out["runs"] = []
                for i in range(a.repeat):
                    idle = self.ping(f"streams-idle{i + 1}")
                    print(f"  run {i + 1}: idle (peers silent):   {ping_line(idle)}", flush=True)
                    rss0 = d.memory()["VmRSS"]
                    peers.send("go\n")
                    time.sleep(1.0)  # warm-up: every stream has had data by now
                    cpu0, m0, t0 = d.cpu_seconds(), stream.machine_busy(), time.monotonic()
                    loaded = self.ping(f"streams-loaded{i + 1}")
                    wall = time.monotonic() - t0
                    dcpu = 100 * (d.cpu_seconds() - cpu0) / wall
                    busy = 100 * (stream.machine_busy() - m0) / wall
                    print(f"  run {i + 1}: loaded (peers write): {ping_line(loaded)}")
                    print(f"         sock6d {dcpu:.0f}% of a CPU, machine {busy:.0f}% "
                          f"(200% = both CPUs); rss {rss0} -> {d.memory()['VmRSS']} kB",
                          flush=True)
                    out["runs"].append((idle, loaded))
                    if i < a.repeat - 1:
                        peers.send("pause\n")
                        time.sleep(0.5)  # what the peers wrote last is delivered
                if a.write_seconds > 0:
                    time.sleep(a.write_seconds)
                # the end: the peers stop and close, every stream ends in socket.eof
                peers.send("stop\n")
                out["peers"] = peers.result(60, "peers")
                out["sub"] = sc.result(120, "subscribe")
            d.check_alive()
        finally:
            stream.stop_proc(sc)
            stream.stop_proc(peers)
        pr, sr = out["peers"], out["sub"]
        sent = {}
        with open(preport) as f:
            for line in f:
                p, nbytes, digest = line.split()
                sent[int(p)] = (int(nbytes), digest)
        got = {}
        with open(sreport) as f:
            for line in f:
                h, nbytes, digest = line.split()
                got[int(h)] = (int(nbytes), digest)
        lost = []
        for h in handles:
            want = sent.get(port_of[h])
            have = got.get(h)
            if want is None or have != want:
                lost.append((h, want, have))
        out["lost"] = lost
        print(f"  peers wrote {pr['bytes'] / 1e6:.1f} MB in {int(pr['writes'])} writes "
              f"({int(pr['blocked'])} found the socket full); the subscribers got "
              f"{sr['bytes'] / 1e6:.1f} MB in {int(sr['notifications'])} socket.data, "
              f"{int(sr['credits'])} socket.credit, {int(sr['paused'])} socket.paused, "
              f"{int(sr['eof'])} socket.eof")
        print(f"  streams whose bytes (count and FNV-1a digest) match their peer's: "
              f"{n - len(lost)} of {n}", flush=True)
        for h, want, have in lost[:10]:
            print(f"    handle {h}: peer wrote {want}, subscriber got {have}")
        print()
        return out


def main():
    p = argparse.ArgumentParser(description="sock6d with 20,000 handles open and 1,000 "
                                "subscribed streams: RSS, ping p99, no loss")
    p.add_argument("--parts", default="h,s", help="h (handles), s (streams) or both (h,s)")
    p.add_argument("--handles", type=int, default=20000, help="h: handles at once (20000)")
    p.add_argument("--streams", type=int, default=1000, help="s: subscribed streams (1000)")
    p.add_argument("--credit-step", type=int, default=65536,
                   help="s: each subscription's credit, granted back in halves (65536)")
    p.add_argument("--sub-connections", type=int, default=4,
                   help="s: control connections the subscriptions are spread over (4)")
    p.add_argument("--peer-chunk", type=int, default=1024, help="s: bytes per peer write (1024)")
    p.add_argument("--peer-interval-ms", type=float, default=50,
                   help="s: each peer writes every MS ms (50)")
    p.add_argument("--write-seconds", type=float, default=0,
                   help="s: seconds the peers go on writing after the loaded ping phase (0)")
    p.add_argument("--ping-interval-us", type=float, default=2000,
                   help="one ping due every US microseconds (2000)")
    p.add_argument("--ping-seconds", type=float, default=10, help="seconds per ping phase (10)")
    p.add_argument("--repeat", type=int, default=1,
                   help="s: idle and loaded ping phases, alternating; the lowest p99 of each "
                   "is kept (1)")
    p.add_argument("--daemon-args", default="", help="extra sock6d arguments")
    args = p.parse_args()
    parts = set(args.parts.split(","))
    if not parts <= {"h", "s"} or args.handles < 8 or args.streams < 1 or args.repeat < 1:
        p.error("bad --parts, --handles, --streams or --repeat")
    args.ping_dump = None   # what stream.Bench.ping reads
    benchlib.install_signal_handlers()
    try:
        args.streamio = stream.find_tool("streamio", "STREAMIO")
        args.subclient = stream.find_tool("subclient", "SUBCLIENT")
    except BenchError as e:
        print(f"scale: {e}", file=sys.stderr)
        return 1
    want = max(args.handles, 2 * args.streams) + 4 * args.streams + MARGIN
    nofile = stream.raise_nofile(want)
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    asked = args.handles
    if "h" in parts and args.handles + MARGIN > nofile:
        args.handles = nofile - MARGIN
    args.tmp = tempfile.mkdtemp(prefix="sock6d-scale.")
    os.chmod(args.tmp, 0o755)
    conf = os.path.join(args.tmp, "sock6d.conf")
    with open(conf, "w") as f:
        f.write(POLICY.format(handles=max(args.handles, 2 * args.streams) + 1000))
    dargs = ["--config", conf] + benchlib.split_args(args.daemon_args)
    targets = []
    failed = False
    try:
        with benchlib.Daemon(extra_args=dargs) as d:
            print("sock6d scale benchmark: many handles, many subscribed streams")
            print(f"  sock6d:  {d.binary} {' '.join(dargs)}")
            print(f"  machine: {benchlib.machine_line()}; RLIMIT_NOFILE {nofile} (hard {hard}); "
                  f"load {open('/proc/loadavg').read().split()[0]}")
            if args.handles != asked:
                print(f"  note: {asked} handles need {asked + MARGIN} descriptors and the hard "
                      f"limit is {hard}, which this process cannot raise (no CAP_SYS_RESOURCE): "
                      f"measured with {args.handles}")
            print()
            s = Scale(args, d)
            if "h" in parts:
                h = s.handles()
                targets.append(("h. ping p99 with the handles open vs idle daemon (us)",
                                h["loaded_ping"]["p99_us"], h["idle_ping"]["p99_us"], 2.0))
                targets.append((f"h. rss with {h['handles']} handles (kB) vs idle",
                                h["rss"], h["idle_rss"], None))
                if not h["after_ok"]:
                    print("scale: the daemon did not return to its idle descriptors "
                          "after closing every handle", file=sys.stderr)
                    failed = True
            if "s" in parts:
                r = s.streams()
                targets.append((f"s. ping p99, {args.streams} streams writing vs silent (us)",
                                min(x[1]["p99_us"] for x in r["runs"]),
                                min(x[0]["p99_us"] for x in r["runs"]), 2.0))
                if r["lost"]:
                    failed = True
    except BenchError as e:
        print(f"scale: {e}", file=sys.stderr)
        failed = True
    finally:
        shutil.rmtree(args.tmp, ignore_errors=True)
    if targets:
        print(f"{'figure':<58} {'sock6d':>10} {'against':>10} {'ratio':>6} {'target':>7}  ok?")
        for name, mine, peer, target in targets:
            ratio = mine / peer if peer else float("inf")
            v = "-" if target is None else ("ok" if ratio <= target else "MISSED")
            t = "-" if target is None else f"<={target:g}"
            print(f"{name:<58} {mine:10.1f} {peer:10.1f} {ratio:6.2f} {t:>7}  {v}")
        print()
    if failed:
        print("RESULT: FAILED (a part did not complete, lost bytes, or left descriptors)")
        return 1
    print("RESULT: figures taken, no stream lost a byte" if "s" in parts else
          "RESULT: figures taken")
    return 0


if __name__ == "__main__":
    sys.exit(main())
