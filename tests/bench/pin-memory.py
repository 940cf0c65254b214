#!/usr/bin/env python3
"""pin-memory.py: how much daemon memory clients can pin by not reading their replies.

What it measures
    The resident memory (VmRSS from /proc/PID/status) of one sock6d, and its
    peak (VmHWM), while control connections that never read make it produce
    large replies. Each scenario runs on a fresh daemon:

    peek xN   A TCP pair over 127.0.0.1 is made through the daemon and 1 MiB
              is sent from one end, so that it sits unread in the accepted
              socket's receive queue. Then N control connections at once
              (--connections, default "1,16": one scenario each) each send one
              line, a batch of 44 `socket.receive` requests
              {"handle": H, "length": 1048576, "flags": ["peek"]}, and never
              read the reply (about 61 MB of base64 per connection).

    pending   K TCP connections (--pending-sockets, default 16) from this
              script to a listener of the daemon's, accepted as daemon handles.
              One control connection queues P `socket.receive` calls
              (--pending, default 1024, the default pending_per_connection)
              of 1 MiB each with flags ["waitall"] (not peek) and no timeout,
              spread over the K handles, checks with one daemon.ping that they
              were all taken, and never reads again. Then the script sends
              1 MiB per queued call into the sockets, so every call completes
              while nobody reads the completions. This shows whether
              completions pile up output without bound.

    For each scenario the daemon's memory is sampled at:

    baseline          after setup, before the attack;
    settled           once RSS has stopped growing after the attack (polled
                      until it has not grown for --quiet seconds, at most
                      --settle-timeout seconds);
    still connected   --hold seconds later, the attackers still connected;
    after disconnect  after every attacker has closed, once RSS has stopped
                      shrinking (at most --release-timeout seconds).

How to read the output
    One table row per scenario, in MB (MiB, 1024 kB): RSS at the four
    moments and the peak (VmHWM, the most the daemon has been resident since
    it started). A daemon that bounds what one client may make it hold keeps
    "settled" and "still connected" near baseline plus its per-connection
    budget times the connections, and returns to near baseline after the
    disconnect. The notes under the table give, per scenario, how long
    settling took (and whether the deadline was hit), how many bytes sat in
    the attackers' own socket buffers (memory of the kernel, not the daemon),
    whether another client's daemon.ping was answered while the attack was on
    and how fast, and for the pending scenario how many calls were queued,
    refused (by code) and fed.

    Nothing is asserted: the script exits 0 when the figures were taken, 1
    when they could not be (the daemon did not start or died, setup failed).

Run (from the top build directory, or with SOCK6D set):
    python3 tests/bench/pin-memory.py
    SOCK6D=/path/to/sock6d python3 tests/bench/pin-memory.py --connections 1,4,16 --pending 0
    python3 tests/bench/pin-memory.py --daemon-args "--limit output_max=4194304"
"""

import argparse
import fcntl
import json
import os
import select
import socket
import struct
import sys
import termios
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
import benchlib  # noqa: E402

MIB = benchlib.MIB


def parse_args():
    p = argparse.ArgumentParser(
        description="daemon memory pinned by control connections that never read "
                    "(see the file's docstring)")
    p.add_argument("--connections", default="1,16", metavar="LIST",
                   help='peek scenarios: comma-separated numbers of attacking connections '
                        '(default "1,16"; "" for none)')
    p.add_argument("--batch", type=int, default=44, metavar="M",
                   help="socket.receive requests in each peek batch (default 44)")
    p.add_argument("--length", type=int, default=MIB, metavar="BYTES",
                   help="length of each receive, and bytes left unread for the peeks "
                        "(default 1048576)")
    p.add_argument("--pending", type=int, default=1024, metavar="P",
                   help="pending scenario: receive calls queued by one connection "
                        "(default 1024; 0 skips the scenario)")
    p.add_argument("--pending-sockets", type=int, default=16, metavar="K",
                   help="pending scenario: sockets the calls are spread over (default 16)")
    p.add_argument("--no-waitall", action="store_true",
                   help="pending scenario: queue plain receives; each then completes with "
                        "whatever has arrived, often less than the length")
    p.add_argument("--quiet", type=float, default=1.0, metavar="S",
                   help="RSS counts as settled after S seconds without change (default 1)")
    p.add_argument("--settle-timeout", type=float, default=60.0, metavar="S",
                   help="longest wait for RSS to stop growing (default 60)")
    p.add_argument("--hold", type=float, default=2.0, metavar="S",
                   help="seconds between settled and still connected (default 2)")
    p.add_argument("--release-timeout", type=float, default=5.0, metavar="S",
                   help="longest wait for RSS to stop shrinking after the disconnect "
                        "(default 5)")
    p.add_argument("--feed-timeout", type=float, default=120.0, metavar="S",
                   help="pending scenario: longest time spent sending the data (default 120)")
    p.add_argument("--stall", type=float, default=5.0, metavar="S",
                   help="pending scenario: stop sending when nothing was taken for S "
                        "seconds (default 5)")
    p.add_argument("--daemon-args", default="", metavar="ARGS",
                   help='extra sock6d arguments, e.g. "--limit output_max=4194304"')
    a = p.parse_args()
    try:
        a.conn_list = [int(x) for x in a.connections.split(",") if x.strip()]
    except ValueError:
        p.error("--connections takes a comma-separated list of integers")
    if any(n < 1 for n in a.conn_list) or a.batch < 1 or a.length < 1 or a.pending < 0 \
            or a.pending_sockets < 1:
        p.error("counts and lengths must be positive")
    return a


# ---------------------------------------------------------------- sampling


def settle(d, grow, quiet, timeout):
    """Poll RSS until it has not grown (grow=True) or shrunk for `quiet` s.

    Returns (memory sample, seconds waited, True if the deadline was hit).
    """
    start = time.monotonic()
    extreme = d.memory()["VmRSS"]
    changed = start
    while True:
        time.sleep(0.05)  # the poll interval
        now = time.monotonic()
        m = d.memory()
        r = m["VmRSS"]
        if (grow and r > extreme) or (not grow and r < extreme):
            extreme = r
            changed = now
        if now - changed >= quiet:
            return m, now - start, False
        if now - start >= timeout:
            return m, now - start, True


def unread_bytes(socks):
    """Bytes waiting in these sockets' receive queues (kernel memory, not the daemon's)."""
    total = 0
    for s in socks:
        buf = fcntl.ioctl(s.fileno(), termios.FIONREAD, b"\0\0\0\0")
        total += struct.unpack("i", buf)[0]
    return total


def ping_ms(d):
    """Round trip of one daemon.ping on a fresh connection, in ms (or a failure note)."""
    t0 = time.perf_counter()
    try:
        with benchlib.Client(d.path, timeout=30) as c:
            reply = c.call("daemon.ping")
    except (OSError, EOFError, ValueError) as e:
        return f"failed ({type(e).__name__}: {e})"
    if "error" in reply:
        return f"error {reply['error'].get('code')} {reply['error'].get('message')!r}"
    return f"{(time.perf_counter() - t0) * 1000:.1f} ms"


def open_connections(d):
    """The daemon's count of open control connections (daemon.stats), or a failure note."""
    try:
        with benchlib.Client(d.path, timeout=30) as c:
            return c.result("daemon.stats").get("connections")
    except (OSError, EOFError, ValueError, benchlib.RpcError) as e:
        return f"unknown ({type(e).__name__}: {e})"


class Figures:
    """The samples of one scenario and its notes."""

    def __init__(self, name, conns):
        self.name = name
        self.conns = conns
        self.samples = {}
        self.notes = []

    def take(self, key, m):
        self.samples[key] = m


def observe(d, fig, a, attackers):
    """The common part: settle, hold, disconnect, release; attackers are sockets."""
    m, secs, hit = settle(d, True, a.quiet, a.settle_timeout)
    fig.take("settled", m)
    fig.notes.append(f"settled after {secs:.1f} s" + (" (DEADLINE HIT, still growing)"
                                                      if hit else ""))
    fig.notes.append(f"{unread_bytes(attackers) / MIB:.1f} MB sat in the attackers' own "
                     "socket buffers")
    closed = sum(closed_by_daemon(s) for s in attackers)
    if closed:
        fig.notes.append(f"the daemon closed {closed} of the {len(attackers)} attacking "
                         "connection(s)")
    time.sleep(a.hold)  # the wait between two samples, not a readiness guess
    fig.notes.append(f"another client's daemon.ping while attacked: {ping_ms(d)}")
    fig.take("connected", d.memory())
    for s in attackers:
        s.close()
    m, secs, hit = settle(d, False, a.quiet, a.release_timeout)
    fig.take("released", m)
    fig.notes.append(f"after the disconnect RSS stopped shrinking after {secs:.1f} s"
                     + (" (deadline hit)" if hit else "") +
                     f"; control connections then open: {open_connections(d)} "
                     "(the setup connection and the one asking included)")
    d.check_alive()


def connect_raw(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    return s


# ---------------------------------------------------------------- scenarios


def peek_scenario(a, conns):
    fig = Figures(f"peek x{conns}", conns)
    attackers = []
    try:
        with benchlib.Daemon(extra_args=benchlib.split_args(a.daemon_args)) as d:
            with benchlib.Client(d.path) as setup:
                pair = benchlib.loopback_pair(setup, fill=a.length,
                                              rcvbuf=max(4 * MIB, a.length))
                members = [{"jsonrpc": "2.0", "id": i, "method": "socket.receive",
                            "params": {"handle": pair["accepted"], "length": a.length,
                                       "flags": ["peek"]}}
                           for i in range(1, a.batch + 1)]
                line = json.dumps(members, separators=(",", ":")).encode() + b"\n"
                fig.take("baseline", d.memory())
                for _ in range(conns):
                    attackers.append(connect_raw(d.path))
                for s in attackers:
                    s.sendall(line)
                fig.notes.insert(0, f"each connection sent one {len(line)}-byte line "
                                    f"({a.batch} peeks of {a.length} bytes)")
                observe(d, fig, a, attackers)
                log_notes(d, fig)
    finally:
        for s in attackers:
            s.close()
    return fig


def pending_scenario(a):
    fig = Figures("pending", 1)
    feeders = []
    attackers = []
    try:
        with benchlib.Daemon(extra_args=benchlib.split_args(a.daemon_args)) as d:
            with benchlib.Client(d.path) as setup:
                listener = setup.result("socket.create", {"family": "inet",
                                                          "type": "stream"})["handle"]
                addr = setup.result("socket.bind", {"handle": listener,
                                                    "address": "127.0.0.1:0"})["address"]
                setup.result("socket.listen", {"handle": listener,
                                               "backlog": a.pending_sockets})
                handles = []
                for _ in range(a.pending_sockets):
                    f = socket.create_connection(("127.0.0.1", addr["port"]), timeout=10)
                    feeders.append(f)
                    handles.append(setup.result("socket.accept",
                                                {"handle": listener})["handle"])
                fig.take("baseline", d.memory())

                flags = [] if a.no_waitall else ["waitall"]
                lines = []
                for i in range(a.pending):
                    params = {"handle": handles[i % len(handles)], "length": a.length,
                              "timeout": None}
                    if flags:
                        params["flags"] = flags
                    lines.append(benchlib.request_line("socket.receive", params, i + 1))
                lines.append(benchlib.request_line("daemon.ping", None, "sync"))
                c = benchlib.Client(d.path)
                attackers.append(c.sock)
                c.send(b"".join(lines))
                # Read only up to the ping's reply: anything before it is a call
                # refused at once (every accepted call is still waiting for data).
                refused = Counter()
                while True:
                    reply = json.loads(c.read_line())
                    if isinstance(reply, dict) and reply.get("id") == "sync":
                        break
                    if isinstance(reply, dict) and "error" in reply:
                        refused[reply["error"].get("code")] += 1
                    else:
                        refused["answered at once"] += 1
                queued = a.pending - sum(refused.values())
                fig.notes.append(f"{queued} of {a.pending} receive calls "
                                 f"({a.length} bytes{', waitall' if flags else ''}) queued "
                                 f"on {len(handles)} sockets" +
                                 (f"; refused: {dict(refused)}" if refused else ""))
                fig.take("queued", d.memory())

                fed, secs, why = feed(feeders, a)
                fig.notes.append(f"fed {fed / MIB:.1f} MiB of {a.pending * a.length / MIB:.0f} "
                                 f"into the sockets in {secs:.1f} s" +
                                 (f" ({why})" if why else ""))
                observe(d, fig, a, attackers)
                log_notes(d, fig)
    finally:
        for s in feeders + attackers:
            s.close()
    return fig


def feed(feeders, a):
    """Send length bytes per queued call into the feeders, without blocking forever.

    Stops when everything is sent, when nothing could be sent for --stall
    seconds (the daemon no longer reads those sockets), or at --feed-timeout.
    Returns (bytes sent, seconds, None when everything was sent, else why not).
    """
    per_socket = [0] * len(feeders)
    for i in range(a.pending):
        per_socket[i % len(feeders)] += a.length
    chunk = memoryview(b"\x5a" * MIB)
    for f in feeders:
        f.setblocking(False)
    left = dict(zip(feeders, per_socket))
    sent = 0
    start = last_progress = time.monotonic()
    while any(left.values()):
        now = time.monotonic()
        if now - start >= a.feed_timeout:
            return sent, now - start, f"stopped at the {a.feed_timeout:g} s feed deadline"
        if now - last_progress >= a.stall:
            return sent, now - start, (f"stopped: nothing more taken for {a.stall:g} s, "
                                       "the daemon no longer reads these sockets")
        busy = [f for f, n in left.items() if n > 0]
        _, writable, _ = select.select([], busy, [], 0.2)
        for f in writable:
            try:
                n = f.send(chunk[:min(MIB, left[f])])
            except BlockingIOError:
                continue
            left[f] -= n
            sent += n
            last_progress = time.monotonic()
    return sent, time.monotonic() - start, None


def closed_by_daemon(s):
    """Whether the daemon has closed this control connection (data may still be unread)."""
    p = select.poll()
    p.register(s.fileno(), select.POLLRDHUP)
    return any(ev & (select.POLLRDHUP | select.POLLHUP) for _, ev in p.poll(0))


def log_notes(d, fig):
    """The daemon's warnings during the scenario, counted by message."""
    lines = [ln for ln in d.log_text().splitlines() if ln.strip()]
    if not lines:
        return
    seen = Counter()
    for ln in lines:
        # Messages differ only by numbers (ids, sizes): count them as one.
        seen["".join("#" if ch.isdigit() else ch for ch in ln)] += 1
    fig.notes.append(f"daemon log ({len(lines)} lines):")
    for text, n in seen.most_common(4):
        example = next(ln for ln in lines
                       if "".join("#" if ch.isdigit() else ch for ch in ln) == text)
        fig.notes.append(f"    {n} x {example.strip()[:150]}")


# ---------------------------------------------------------------- report


def main():
    a = parse_args()
    benchlib.install_signal_handlers()
    try:
        binary = benchlib.find_daemon()
        print("sock6d memory pinning: daemon RSS while control connections never read "
              "their replies")
        print(f"  daemon:   {binary} {a.daemon_args}".rstrip())
        print(f"  machine:  {benchlib.machine_line()}")
        print(flush=True)
        figs = []
        for n in a.conn_list:
            figs.append(peek_scenario(a, n))
        if a.pending:
            figs.append(pending_scenario(a))

        cols = [("baseline", "baseline"), ("queued", "queued"), ("settled", "settled"),
                ("connected", "still conn."), ("released", "after disc.")]
        print("RSS in MB (VmRSS), peak = VmHWM at the end of the scenario")
        print(f"{'scenario':<12} {'conns':>5} " +
              " ".join(f"{title:>12}" for _, title in cols) + f" {'peak':>10}")
        for f in figs:
            cells = [benchlib.mb(f.samples[k]["VmRSS"]) if k in f.samples else "-"
                     for k, _ in cols]
            peak = max(m["VmHWM"] for m in f.samples.values())
            print(f"{f.name:<12} {f.conns:>5} " + " ".join(f"{c:>12}" for c in cells) +
                  f" {benchlib.mb(peak):>10}")
        print()
        for f in figs:
            print(f"{f.name}:")
            for note in f.notes:
                print(f"      {note.strip()}" if note.startswith(" ") else f"  - {note}")
        return 0
    except benchlib.BenchError as e:
        print(f"pin-memory: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
