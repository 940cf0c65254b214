#!/usr/bin/env python3
"""fairness.py: how much one greedy control connection slows everyone else's requests.

What it measures
    The round-trip time of `daemon.ping` (one request at a time, the next sent
    when the reply has been read) seen by ordinary clients of one sock6d, in
    two phases side by side:

    idle    nothing else talks to the daemon;
    loaded  one or more attacker connections (--attackers, default 1) keep the
            daemon busy with cheap-to-send, costly-to-answer requests: a TCP
            pair over 127.0.0.1 is made through the daemon (socket.create,
            bind, listen, connect, accept) and 1 MiB is sent from one end with
            socket.send_all, so that it sits unread in the accepted socket's
            receive queue; then each attacker sends, in a loop, one line
            holding a batch of 44 `socket.receive` requests
            {"handle": H, "length": 1048576, "flags": ["peek"]} and reads the
            whole reply (about 61 MB of base64) before sending the next batch.

    The pings come from 1 client, and with --ping-clients N also from N
    clients at once, each one request at a time with one ping due every
    --interval ms (default 2): sent when due, or as soon as the previous reply
    is in when that is later. A ping sent on time is measured from its send,
    a late one from when it was due, so a stall of the daemon counts for
    every ping that wanted to go out during it (back-to-back pings would put
    only one ping into each stall and hide it). A phase ends after --pings
    pings per client or after --duration seconds, whichever comes first.

How to read the output
    The table has one row per phase and number of ping clients: the number of
    pings measured and their p50, p99 and max latency in milliseconds, for
    loaded rows the ratio of the loaded p99 to the idle p99 with the same
    number of clients, and the share of pings that went out late. A second
    table gives the same pings measured only from their actual send. The target is a p99 under load within 5 ms: the line
    "target" says for each loaded row whether it is met. With fewer than 100
    pings in a phase the p99 is simply one of the largest samples, so read it
    together with max.

    The attacker line says how many batches per second the attackers got
    through during the loaded phases, and how many batch members were
    answered with data and how many with an error (by code). A daemon that
    bounds what one connection may make it hold may answer some members with
    error 1012 (limit) instead of data; today every member gets its data.
    The daemon's CPU use during the loaded phases is shown for context.

    Nothing is asserted: the script exits 0 when the figures were taken, 1
    when they could not be (the daemon did not start or died, setup failed).

Run (from the top build directory, or with SOCK6D set):
    python3 tests/bench/fairness.py
    SOCK6D=/path/to/sock6d python3 tests/bench/fairness.py --ping-clients 8 --duration 20
    python3 tests/bench/fairness.py --daemon-args "--limit output_max=4194304"
"""

import argparse
import json
import multiprocessing as mp
import os
import queue
import re
import socket
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
import benchlib  # noqa: E402

ERROR_CODE = re.compile(rb'"error"\s*:\s*\{\s*"code"\s*:\s*(-?\d+)')


def parse_args():
    p = argparse.ArgumentParser(
        description="daemon.ping latency of ordinary clients, idle and while attacker "
                    "connections send batches of 1 MiB peeks (see the file's docstring)")
    p.add_argument("--attackers", type=int, default=1, metavar="N",
                   help="attacking connections (default 1)")
    p.add_argument("--batch", type=int, default=44, metavar="M",
                   help="socket.receive requests per attacker batch (default 44)")
    p.add_argument("--length", type=int, default=benchlib.MIB, metavar="BYTES",
                   help="length of each peek, and bytes left unread in the socket "
                        "(default 1048576)")
    p.add_argument("--pings", type=int, default=3000, metavar="N",
                   help="pings per client and phase (default 3000)")
    p.add_argument("--ping-clients", type=int, default=0, metavar="N",
                   help="also measure with N ping clients at once (default: only 1)")
    p.add_argument("--interval", type=float, default=2.0, metavar="MS",
                   help="one ping due every MS milliseconds per client; 0 sends them "
                        "back to back (default 2)")
    p.add_argument("--duration", type=float, default=15.0, metavar="S",
                   help="longest a phase may run, in seconds (default 15)")
    p.add_argument("--warmup-pings", type=int, default=200, metavar="N",
                   help="unmeasured pings before the first phase (default 200)")
    p.add_argument("--target-ms", type=float, default=5.0, metavar="MS",
                   help="p99 latency under load that counts as fair (default 5)")
    p.add_argument("--daemon-args", default="", metavar="ARGS",
                   help='extra sock6d arguments, e.g. "--limit output_max=4194304"')
    a = p.parse_args()
    if a.attackers < 1 or a.batch < 1 or a.pings < 1 or a.length < 1 or a.duration <= 0:
        p.error("--attackers, --batch, --pings, --length and --duration must be positive")
    if a.interval < 0:
        p.error("--interval must be 0 or more")
    return a


# ---------------------------------------------------------------- pingers


def ping_run(path, count, duration, interval, offset=0.0):
    """Ping one at a time on a schedule; returns (latencies, late pings, round trips).

    Ping k is due at t0 + offset + k * interval and is sent then, or as soon as
    the previous reply has been read when that comes later. A ping sent on
    time is measured from its send; a late one from its due time, so that a
    stall of the daemon counts once for every ping that wanted to go out
    during it (not only for the one ping that happened to be waiting). With
    interval 0 the pings go back to back and each is measured from its send.
    The run ends after `count` pings or when the next one would be due after
    `duration` seconds. When the client itself wakes up late from its sleep,
    the rest of the schedule moves by that much, so only waits caused by the
    daemon are counted.
    """
    lat = []
    rtt = []
    late = 0
    with benchlib.Client(path, timeout=max(60.0, duration + 30)) as c:
        lines = [benchlib.request_line("daemon.ping", None, i) for i in range(1, 1001)]
        t0 = time.perf_counter() + offset
        end = t0 + duration
        prev_done = t0
        for k in range(count):
            if interval > 0:
                due = t0 + k * interval
                if due >= end:
                    break
                now = time.perf_counter()
                if now < due:
                    time.sleep(due - now)
                    # The client's own oversleep is not the daemon's doing:
                    # shift the rest of the schedule by it.
                    t0 += max(0.0, time.perf_counter() - due)
                    due = t0 + k * interval
            elif time.perf_counter() >= end:
                break
            sent = time.perf_counter()
            c.send(lines[k % 1000])
            reply = c.read_line()
            done = time.perf_counter()
            rtt.append(done - sent)
            if interval > 0 and prev_done > due:
                late += 1
                lat.append(done - due)
            else:
                lat.append(done - sent)
            prev_done = done
            if b'"pong":true' not in reply.replace(b" ", b""):
                raise benchlib.BenchError(f"unexpected reply to daemon.ping: {reply[:200]!r}")
    return lat, late, rtt


def ping_child(path, count, duration, interval, offset, barrier, out):
    try:
        barrier.wait()
        out.put(("ok", ping_run(path, count, duration, interval, offset)))
    except KeyboardInterrupt:
        pass
    except BaseException as e:  # reported by the parent
        out.put(("error", f"{type(e).__name__}: {e}"))


def measure(path, clients, count, duration, interval):
    """One phase from `clients` pingers at once: (latencies, late pings, round trips).

    Latencies and round trips are in seconds, each list sorted.

    The pingers' schedules are spread evenly over one interval.
    """
    if clients == 1:
        lat, late, rtt = ping_run(path, count, duration, interval)
        return sorted(lat), late, sorted(rtt)
    barrier = mp.Barrier(clients)
    out = mp.Queue()
    procs = [mp.Process(target=ping_child,
                        args=(path, count, duration, interval, i * interval / clients,
                              barrier, out),
                        daemon=True) for i in range(clients)]
    for pr in procs:
        pr.start()
    lat = []
    rtt = []
    late = 0
    try:
        for _ in procs:
            try:
                kind, value = out.get(timeout=duration + 120)
            except queue.Empty:
                raise benchlib.BenchError("a ping client did not report within "
                                          f"{duration + 120:g} s")
            if kind != "ok":
                raise benchlib.BenchError(f"a ping client failed: {value}")
            lat += value[0]
            late += value[1]
            rtt += value[2]
    finally:
        for pr in procs:
            pr.join(5)
            if pr.is_alive():
                pr.terminate()
                pr.join()
    return sorted(lat), late, sorted(rtt)


# ---------------------------------------------------------------- attackers


def attacker(path, line, stop, ready, out):
    """Send the batch line, read the whole reply, repeat until stop is set.

    Puts ("ready",) after the first answered batch, then at the end
    ("done", [(t_end, members_with_data, members_with_error, {code: n}), ...],
    disconnects).
    """
    try:
        log = []
        disconnects = 0
        buf = bytearray(72 * benchlib.MIB)
        said_ready = False
        while not stop.is_set():
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(300)
                s.connect(path)
            except OSError:
                s.close()
                disconnects += 1
                time.sleep(0.05)
                continue
            try:
                while not stop.is_set():
                    s.sendall(line)
                    n = 0
                    while True:
                        if n == len(buf):
                            buf.extend(bytes(len(buf)))
                        m = s.recv_into(memoryview(buf)[n:])
                        if m == 0:
                            raise EOFError
                        if buf.find(b"\n", n, n + m) >= 0:
                            n += m
                            break
                        n += m
                    ok = buf.count(b'"result":', 0, n)
                    errs = buf.count(b'"error":', 0, n)
                    codes = Counter()
                    if errs:
                        codes.update(int(c) for c in ERROR_CODE.findall(buf, 0, n))
                        if sum(codes.values()) < errs:
                            codes["?"] += errs - sum(codes.values())
                    log.append((time.monotonic(), ok, errs, dict(codes)))
                    if not said_ready:
                        ready.put(("ready",))
                        said_ready = True
            except (OSError, EOFError):
                disconnects += 1
            finally:
                s.close()
        out.put(("done", log, disconnects))
    except KeyboardInterrupt:
        pass


def batch_line(handle, batch, length):
    members = [{"jsonrpc": "2.0", "id": i, "method": "socket.receive",
                "params": {"handle": handle, "length": length, "flags": ["peek"]}}
               for i in range(1, batch + 1)]
    return json.dumps(members, separators=(",", ":")).encode() + b"\n"


# ---------------------------------------------------------------- report


def ms(seconds):
    return "-" if seconds is None else f"{seconds * 1000:.3f}"


def row(phase, clients, measured, idle_p99=None):
    lat, late, _ = measured
    p99 = benchlib.percentile(lat, 99)
    ratio = "-"
    if idle_p99 and p99 is not None:
        ratio = f"{p99 / idle_p99:.1f}x"
    late_pct = f"{100 * late / len(lat):.1f}%" if lat else "-"
    return (f"{phase:<8} {clients:>7} {len(lat):>7} {ms(benchlib.percentile(lat, 50)):>10} "
            f"{ms(p99):>10} {ms(lat[-1] if lat else None):>10} {ratio:>12} {late_pct:>7}")


def attack(d, a, line, stop, ready, out, attackers, phases):
    """Start the attackers, run `phases` once they are all under way, stop them.

    Returns (seconds measured, daemon CPU seconds in them, the attackers'
    batch records inside that window, lost connections).
    """
    for _ in range(a.attackers):
        pr = mp.Process(target=attacker, args=(d.path, line, stop, ready, out), daemon=True)
        pr.start()
        attackers.append(pr)
    for _ in attackers:
        try:
            ready.get(timeout=120)
        except queue.Empty:
            raise benchlib.BenchError("an attacker got no answer to its first batch "
                                      "within 120 s")
    t0 = time.monotonic()
    cpu0 = d.cpu_seconds()
    phases()
    t1 = time.monotonic()
    cpu1 = d.cpu_seconds()
    stop.set()
    logs = []
    disconnects = 0
    for _ in attackers:
        try:
            _, log, disc = out.get(timeout=300)
        except queue.Empty:
            raise benchlib.BenchError("an attacker did not finish its last batch within 300 s")
        logs += log
        disconnects += disc
    return t1 - t0, cpu1 - cpu0, [e for e in logs if t0 <= e[0] <= t1], disconnects


def main():
    a = parse_args()
    benchlib.install_signal_handlers()
    interval = a.interval / 1000
    client_counts = [1] + ([a.ping_clients] if a.ping_clients > 1 else [])
    stop = mp.Event()
    ready = mp.Queue()
    out = mp.Queue()
    attackers = []
    results = {}
    try:
        with benchlib.Daemon(extra_args=benchlib.split_args(a.daemon_args)) as d:
            setup = benchlib.Client(d.path)
            pair = benchlib.loopback_pair(setup, fill=a.length,
                                          rcvbuf=max(4 * benchlib.MIB, a.length))
            line = batch_line(pair["accepted"], a.batch, a.length)

            print("sock6d fairness: daemon.ping latency, idle and under 1 MiB peek batches")
            print(f"  daemon:   {d.binary} {a.daemon_args}".rstrip())
            print(f"  machine:  {benchlib.machine_line()}")
            print(f"  attack:   {a.attackers} connection(s), each a loop of one {len(line)}-byte "
                  f"line = batch of {a.batch} socket.receive")
            print(f"            {{length {a.length}, flags [peek]}} on a socket holding "
                  f"{pair['unread']} unread bytes; whole reply read before the next batch")
            print(f"  pings:    up to {a.pings} per client and phase, one at a time, one due "
                  f"every {a.interval:g} ms; a phase lasts at most {a.duration:g} s")
            print(flush=True)

            ping_run(d.path, a.warmup_pings, a.duration, 0)
            for n in client_counts:
                results[("idle", n)] = measure(d.path, n, a.pings, a.duration, interval)
                d.check_alive()

            def loaded_phases():
                for n in client_counts:
                    results[("loaded", n)] = measure(d.path, n, a.pings, a.duration, interval)
                    d.check_alive()

            secs, cpu, window, disconnects = attack(d, a, line, stop, ready, out, attackers,
                                                    loaded_phases)
            d.check_alive()
            setup.close()

        print(f"{'phase':<8} {'clients':>7} {'pings':>7} {'p50 ms':>10} {'p99 ms':>10} "
              f"{'max ms':>10} {'p99 vs idle':>12} {'late':>7}")
        for n in client_counts:
            print(row("idle", n, results[("idle", n)]))
        for n in client_counts:
            idle_p99 = benchlib.percentile(results[("idle", n)][0], 99)
            print(row("loaded", n, results[("loaded", n)], idle_p99))
        print()
        print("the same pings, each from its actual send to its reply (no schedule correction):")
        print(f"{'phase':<8} {'clients':>7} {'pings':>7} {'p50 ms':>10} {'p99 ms':>10} "
              f"{'max ms':>10}")
        for phase in ("idle", "loaded"):
            for n in client_counts:
                rtt = results[(phase, n)][2]
                print(f"{phase:<8} {n:>7} {len(rtt):>7} {ms(benchlib.percentile(rtt, 50)):>10} "
                      f"{ms(benchlib.percentile(rtt, 99)):>10} {ms(rtt[-1] if rtt else None):>10}")
        print()
        verdicts = []
        for n in client_counts:
            p99 = benchlib.percentile(results[("loaded", n)][0], 99)
            ok = p99 is not None and p99 * 1000 <= a.target_ms
            verdicts.append(f"{n} client{'s' if n > 1 else ''}: p99 {ms(p99)} ms "
                            f"{'met' if ok else 'MISSED'}")
        print(f"target:   p99 under load within {a.target_ms:g} ms -- " + "; ".join(verdicts))

        batches = len(window)
        with_data = sum(e[1] for e in window)
        with_error = sum(e[2] for e in window)
        codes = Counter()
        for e in window:
            codes.update(e[3])
        print(f"attacker: {batches} batches answered in {secs:.1f} s = "
              f"{batches / secs:.2f} batches/s ({a.attackers} connection(s)); "
              f"members answered with data: {with_data}, with an error: {with_error}")
        if codes:
            print("          errors by code: " +
                  ", ".join(f"{c} x{k}" for c, k in sorted(codes.items(), key=str)))
        if disconnects:
            print(f"          attacker connections lost or refused: {disconnects}")
        print(f"daemon:   {100 * cpu / secs:.0f}% of one CPU during the loaded phases")
        return 0
    except benchlib.BenchError as e:
        print(f"fairness: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        stop.set()
        for pr in attackers:
            pr.join(2)
            if pr.is_alive():
                pr.terminate()
                pr.join()


if __name__ == "__main__":
    sys.exit(main())
