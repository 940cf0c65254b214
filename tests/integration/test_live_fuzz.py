"""test_live_fuzz.py: a live session fuzzer against the real daemon.

Random sequences of real method calls, their params generated from the
daemon's own rpc.discover document (each param's JSON schema and x-type:
enums, integer ranges, arrays of flag names, socket addresses, handles),
sent on several control connections at once for a bounded time.  The calls
reach deep code because they reuse what earlier results gave: handles from
socket.create, accept, tcp.connect and udp.open, the ports of the fuzzer's
own listeners on 127.0.0.1 and ::1 and UNIX paths in a temporary directory;
and they are mixed with closes, subscriptions and credit, attach on a
connection of its own, options, lookups of numeric hosts and of names from
/etc/hosts, batches, notifications, wrong types, huge numbers, unknown keys
and lines that are not JSON at all.

It asserts that the daemon never exits, never answers -32603 (internal
error), answers every request on every connection with its id within a
deadline (the call's own timeout, if it has one, plus a margin) or closes
the connection after saying which limit it hit, answers the waiting calls
that had no timeout once every handle is closed at the end, that it exits
with status 0 on SIGTERM, and that its log holds no sanitizer report
(AddressSanitizer, LeakSanitizer, UBSan's "runtime error:").

As root the test process first moves into a network namespace of its own
whose only interface is loopback (unshare(CLONE_NEWNET), then lo up), so that
addresses outside loopback are fuzzed too and reach nothing; the DNS
tripwire of dnstrap.py then runs inside that namespace.  Without root it
fuzzes loopback addresses only.  Host names are always numeric hosts,
"localhost" where it cannot reach DNS, or strings glibc rejects unsent.

Environment: SOCK6D_LIVEFUZZ_SECONDS (default 60), SOCK6D_LIVEFUZZ_SEED
(default: random, printed), SOCK6D_LIVEFUZZ_CONNECTIONS (default 4),
SOCK6D_LIVEFUZZ_MARGIN (seconds added to each deadline, default 20),
SOCK6D_LIVEFUZZ_LOG (a file to copy the daemon's log to on failure).  A
failure prints the seed and the command that replays the same choices (the
daemon's timing can still make a replay diverge) and the last requests sent.

The params and values come from livefuzz_values.py (the Values mixin); this
file holds the connections, the sending and receiving, the actions and the
checks.
"""

import collections
import ctypes
import fcntl
import json
import os
import random
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

import harness
from livefuzz_values import Values

NETNS_ENV = "SOCK6D_LIVEFUZZ_NETNS"
SECONDS = float(os.environ.get("SOCK6D_LIVEFUZZ_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("SOCK6D_LIVEFUZZ_CONNECTIONS", "4"))
MARGIN = float(os.environ.get("SOCK6D_LIVEFUZZ_MARGIN", "20"))
MAX_OUTSTANDING = 12         # requests in flight per connection
MAX_HANDLES = 300            # above this the fuzzer prefers closing
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

# Which session timeout a waiting method falls back to.
WAITS = {
    "socket.connect": "connect_timeout", "tcp.connect": "connect_timeout",
    "socket.connect_ai": "connect_timeout",
    "socket.accept": "accept_timeout", "tcp.accept": "accept_timeout",
    "socket.receive": "receive_timeout", "socket.receive_from": "receive_timeout",
    "udp.receive_from": "receive_timeout",
    "socket.send": "send_timeout", "socket.send_all": "send_timeout",
    "socket.send_to": "send_timeout", "udp.send_to": "send_timeout",
}

# The limits the daemon closes a connection for, after saying which.
CLOSING_LIMITS = ("max_message", "max_connections", "connections_per_user", "root_connections")


def in_private_netns():
    """Move this process into a new network namespace with loopback up, once
    (re-executions under dnstrap.py inherit it); True when it is there."""
    state = os.environ.get(NETNS_ENV)
    if state is not None:
        return state == "1"
    ok = False
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(0x40000000) == 0:       # CLONE_NEWNET
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                ifr = fcntl.ioctl(s, 0x8913, struct.pack("16sh22x", b"lo", 0))  # SIOCGIFFLAGS
                flags = struct.unpack("16sh22x", ifr)[1]
                fcntl.ioctl(s, 0x8914, struct.pack("16sh22x", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP
                ok = True
            finally:
                s.close()
    os.environ[NETNS_ENV] = "1" if ok else "0"
    return ok


class Failure(AssertionError):
    pass


class Conn:
    """One control connection of the fuzzer, non-blocking, NDJSON both ways."""

    def __init__(self, path, index):
        self.index = index
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.sock.setblocking(False)
        self.rbuf = b""
        self.wbuf = b""
        self.next_id = 1
        self.out = {}            # id -> (method, deadline or None, sent at)
        self.session = {}
        self.limit_said = None   # the limit the daemon named before closing
        self.may_close = False   # an oversized line was sent: a close is allowed
        self.raw = False         # attached: raw bytes, no JSON
        self.attach_id = None
        self.closed = False
        self.notes = 0
        self.sent = collections.deque(maxlen=8)
        self.subs = set()        # handles this connection subscribed to

    def send(self, data):
        self.sent.append(data[:400])
        self.wbuf += data
        self.flush()

    def flush(self):
        while self.wbuf and not self.closed:
            try:
                n = self.sock.send(self.wbuf[:1 << 20])
            except BlockingIOError:
                return
            except OSError:
                self.wbuf = b""        # the daemon closed: seen on the read side
                return
            self.wbuf = self.wbuf[n:]

    def take_id(self):
        i = self.next_id
        self.next_id += 1
        return i if i % 7 else "s%d" % i   # some string ids too


class LiveFuzz(Values):
    """The fuzzer: one daemon, its discover document, the connections and what
    earlier results have given (handles, addresses)."""

    def __init__(self, test, daemon, seed, seconds, tmp, netns):
        self.t = test
        self.d = daemon
        self.seed = seed
        self.rng = random.Random(seed)
        self.seconds = seconds
        self.tmp = tmp
        self.netns = netns
        self.ipv6 = harness.has_ipv6_loopback()
        self.sel = selectors.DefaultSelector()
        self.conns = []
        self.raws = []
        self.handles = {}        # handle -> info (family, type, what)
        self.dead_handles = []
        self.connected = []      # handles of connected sockets, for the data methods
        self.subscribed = set()
        self.messages = collections.Counter()
        self.addrs = []          # address strings the fuzzer's sockets are bound to
        self.trace = collections.deque(maxlen=60)
        self.calls = 0
        self.start = self.last_rx = time.monotonic()
        self.answers = collections.Counter()
        self.errors = collections.Counter()
        self.paths = 0
        with self.d.client() as c:
            self.methods = {m["name"]: m.get("params", []) for m in c.call("rpc.discover")["methods"]}
            consts = c.call("net.constants")["constants"]
        self.constants = sorted(k for k, v in consts.items() if v is not None)
        self.option_names = []

    # ---- failure ------------------------------------------------------------
    def fail(self, what):
        queries = harness.dns_queries()
        if queries:
            what += "\nDNS queries so far: %s" % ", ".join(map(str, queries[-10:]))
        keep = os.environ.get("SOCK6D_LIVEFUZZ_LOG")
        if keep:
            shutil.copyfile(self.d.log_path, keep)
        replay = ("SOCK6D_LIVEFUZZ_SEED=%d SOCK6D_LIVEFUZZ_SECONDS=%g make check "
                  "TESTS=integration/test_live_fuzz.py" % (self.seed, self.seconds))
        raise Failure("%s\nseed %d (replay: %s)\nlast requests sent:\n  %s" % (
            what, self.seed, replay, "\n  ".join(self.trace)))

    # ---- connections --------------------------------------------------------
    def open_conn(self, index):
        c = Conn(self.d.path, index)
        self.sel.register(c.sock, selectors.EVENT_READ, c)
        # Finite timeouts to start with; session.set calls change them later.
        params = {"connect_timeout": 2000, "accept_timeout": 2000,
                  "receive_timeout": 2000, "send_timeout": 2000}
        self.send_request(c, "session.set", params)
        c.session = dict(params)
        return c

    def drop_conn(self, c):
        """Close our end (requests in flight are cancelled by the daemon)."""
        if not c.closed:
            self.sel.unregister(c.sock)
            c.sock.close()
            c.closed = True

    def check_alive(self):
        if self.d.proc.poll() is not None:
            code = self.d.proc.returncode
            self.fail("sock6d exited with %s" % ("signal %d" % -code if code < 0 else "status %d" % code))

    # ---- sending ------------------------------------------------------------
    def deadline(self, c, method, params):
        """When the answer is due, or None for a call that may wait forever."""
        wait = 0.0
        if method in WAITS and isinstance(params, dict):
            key = WAITS[method]
            if "timeout" not in params and any(m == "session.set" and isinstance(p, dict) and key in p
                                               for m, _, p in c.out.values()):
                return None             # a session.set in flight may make it forever
            t = params["timeout"] if "timeout" in params else c.session.get(key)
            if t is None:
                return None
            if isinstance(t, int) and not isinstance(t, bool) and t >= 0:
                wait = t / 1000.0
                if isinstance(params.get("addresses"), list):
                    wait *= max(1, len(params["addresses"]))
        return time.monotonic() + wait + MARGIN

    def send_request(self, c, method, params, notify=False):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        if not notify:
            msg["id"] = c.take_id()
        line = json.dumps(msg, separators=(",", ":"))
        self.trace.append("conn%d %s" % (c.index, line[:300]))
        if not notify:
            c.out[msg["id"]] = (method, self.deadline(c, method, params), params)
            if method == "socket.attach":
                c.attach_id = msg["id"]
        c.send(line.encode() + b"\n")
        self.calls += 1
        return msg.get("id")

    def send_batch(self, c, entries):
        batch = []
        due = time.monotonic() + MARGIN
        forever = any(method == "session.set" for method, _, _ in entries)
        for method, params, notify in entries:
            msg = {"jsonrpc": "2.0", "method": method}
            if params is not None:
                msg["params"] = params
            if not notify:
                msg["id"] = c.take_id()
                dl = self.deadline(c, method, params)
                if dl is None:
                    forever = True
                else:
                    due = max(due, dl)
            batch.append(msg)
        if self.rng.random() < 0.2:
            batch.insert(self.rng.randrange(len(batch) + 1), self.rng.choice([1, "x", None, [], {}]))
        for msg in batch:
            if isinstance(msg, dict) and "id" in msg:
                c.out[msg["id"]] = (msg["method"], None if forever else due, msg.get("params"))
        line = json.dumps(batch, separators=(",", ":"))
        self.trace.append("conn%d batch %s" % (c.index, line[:300]))
        c.send(line.encode() + b"\n")
        self.calls += len(entries)

    # ---- receiving ----------------------------------------------------------
    def pump(self, timeout):
        for key, _ in self.sel.select(timeout):
            c = key.data
            try:
                data = c.sock.recv(1 << 20)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                data = b""
            self.last_rx = time.monotonic()
            if not data:
                self.closed_by_daemon(c)
                continue
            if c.raw:
                continue            # the attached socket's bytes: not ours to check
            c.rbuf += data
            while b"\n" in c.rbuf and not c.raw:
                line, c.rbuf = c.rbuf.split(b"\n", 1)
                self.message(c, line)
        for c in self.conns + self.raws:
            c.flush()

    def message(self, c, line):
        try:
            msg = json.loads(line.decode("utf-8"))
        except ValueError as e:
            self.fail("conn%d: the daemon sent a line that is not JSON (%s): %r" % (c.index, e, line[:200]))
        for m in (msg if isinstance(msg, list) else [msg]):
            if not isinstance(m, dict) or m.get("jsonrpc") != "2.0":
                self.fail("conn%d: not a JSON-RPC 2.0 message: %r" % (c.index, m))
            if "id" not in m:
                c.notes += 1            # a notification (subscription data, ...)
                continue
            self.answer(c, m)

    def answer(self, c, m):
        rid = m["id"]
        err = m.get("error")
        if err is not None:
            if err.get("code") == -32603:
                self.fail("conn%d: internal error answered: %r" % (c.index, m))
            if isinstance(err.get("data"), dict) and err["data"].get("limit") in CLOSING_LIMITS:
                c.limit_said = err["data"]["limit"]
        if rid is None:
            if err is None:
                self.fail("conn%d: a result with a null id: %r" % (c.index, m))
            self.errors[err.get("code")] += 1
            return
        if rid not in c.out:
            self.fail("conn%d: an answer to no request in flight: %r" % (c.index, m))
        method, _, params = c.out.pop(rid)
        if err is not None:
            self.errors[err.get("code")] += 1
            self.messages["%s %s" % (err.get("code"), str(err.get("message"))[:50])] += 1
            self.answers[method + " " + str(err.get("code"))] += 1
        else:
            self.answers[method + " ok"] += 1
            self.learn(c, method, params, m.get("result"))
        if rid == c.attach_id:
            c.attach_id = None
            if err is None:
                c.raw = True          # from here on the connection is a byte pipe
                c.rbuf = b""
                c.out.clear()         # what was sent after it went down the pipe

    def closed_by_daemon(self, c):
        pending = dict(c.out)
        self.drop_conn(c)
        if c.raw or c.attach_id is not None:
            return
        if pending and c.limit_said is None and not c.may_close:
            try:
                self.d.proc.wait(timeout=1.0)   # a crash closes every connection
            except subprocess.TimeoutExpired:
                pass
            self.check_alive()
            self.fail("conn%d: the daemon closed the connection with %d requests unanswered "
                      "and no limit named: %r; its last lines sent:\n  %s"
                      % (c.index, len(pending), sorted(pending.items(), key=str)[:5],
                         "\n  ".join(map(repr, c.sent))))

    def learn(self, c, method, params, result):
        """Keep what a result gives for later calls."""
        if not isinstance(result, dict):
            return
        h = result.get("handle")
        if isinstance(h, int):
            info = {"method": method}
            if method == "socket.create" and isinstance(params, dict):
                info["family"] = params.get("family")
                info["type"] = params.get("type")
            self.handles[h] = info
            if method in ("tcp.connect", "tcp.accept", "socket.accept", "socket.connect_ai"):
                self.connected.append(h)
        if method in ("socket.connect", "udp.connect") and isinstance(params, dict):
            self.connected.append(params.get("handle"))
        if method == "socket.subscribe" and isinstance(params, dict):
            self.subscribed.add(params.get("handle"))
            c.subs.add(params.get("handle"))
        if method == "socket.unsubscribe" and isinstance(params, dict):
            self.subscribed.discard(params.get("handle"))
            c.subs.discard(params.get("handle"))
        addr = result.get("address")
        if isinstance(addr, dict) and addr.get("string"):
            self.addrs.append(addr["string"])
        if method in ("tcp.listen",) and isinstance(result.get("port"), int):
            self.addrs.append("127.0.0.1:%d" % result["port"])
        if method == "socket.close" and isinstance(params, dict) and params.get("handle") in self.handles:
            self.dead_handles.append(params["handle"])
            del self.handles[params["handle"]]
        if method == "session.set" and isinstance(params, dict):
            c.session.update(params)
        if method == "socket.list":
            for s in result.get("sockets", []):
                if isinstance(s, dict) and isinstance(s.get("handle"), int):
                    self.handles.setdefault(s["handle"], {"family": s.get("family"), "type": s.get("type")})
        if method == "socket.options" and isinstance(result.get("options"), dict) and not self.option_names:
            self.option_names = sorted(result["options"])
        del self.addrs[:-50]
        del self.dead_handles[:-50]
        del self.connected[:-100]

    # ---- actions ------------------------------------------------------------
    def deep_sequence(self, c):
        """A well-formed step that makes something to fuzz with: a listener,
        a connected pair, a datagram socket."""
        r = self.rng
        fam = r.choice(["inet", "inet6"] if self.ipv6 else ["inet"])
        host = {"inet": "127.0.0.1", "inet6": "[::1]"}[fam]
        k = r.randrange(7)
        if k == 6 and c.subs:
            h = r.choice(sorted(c.subs))
            if r.random() < 0.8:
                self.send_request(c, "socket.credit", {"handle": h, "add": r.choice([1, 100, 65536, 2 ** 40])})
            else:
                self.send_request(c, "socket.unsubscribe", {"handle": h})
        if k == 0:
            self.send_request(c, "tcp.listen", {"port": 0, "host": host.strip("[]"),
                                                "scope": r.choice(["daemon", "connection"])})
        elif k == 1 and self.addrs:
            a = r.choice(self.addrs)
            host, _, port = a.rpartition(":")
            if a[:1] not in "/@" and port.isdigit():
                self.send_request(c, "tcp.connect", {"host": host.strip("[]"), "port": int(port), "timeout": 1000})
        elif k == 2:
            self.send_request(c, "socket.create", {"family": r.choice(["inet", "inet6", "unix"]),
                                                   "type": r.choice(["stream", "dgram", "seqpacket"])})
        elif k == 3:
            self.send_request(c, "udp.open", {"family": fam})
        elif k == 4 and self.handles:
            h = r.choice(list(self.handles))
            self.send_request(c, "socket.bind", {"handle": h, "address": self.sockaddr(False)})
            if r.random() < 0.7:
                self.send_request(c, "socket.listen", {"handle": h})
        elif k == 5 and self.handles:
            h = r.choice(list(self.handles))
            self.send_request(c, r.choice(["socket.accept", "tcp.accept"]),
                              {"handle": h, "timeout": r.choice([0, 10, 200])})

    def attach(self):
        r = self.rng
        if not self.handles or len(self.raws) > 6:
            return
        c = Conn(self.d.path, 100 + len(self.raws))
        self.sel.register(c.sock, selectors.EVENT_READ, c)
        self.raws.append(c)
        params = {"handle": r.choice(list(self.handles))}
        if r.random() < 0.5:
            params["framing"] = r.choice(["raw", "len4"])
        if r.random() < 0.3:
            params["shutdown_on_eof"] = r.random() < 0.5
        self.send_request(c, "socket.attach", params)
        if r.random() < 0.5:
            c.send(bytes(r.getrandbits(8) for _ in range(r.randrange(1, 64))))

    def raw_step(self, c):
        r = self.rng
        x = r.random()
        if x < 0.25:
            self.drop_conn(c)
        elif x < 0.35 and c.raw:
            try:
                c.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        elif c.raw:
            c.send(bytes(r.getrandbits(8) for _ in range(r.randrange(1, 256))))

    def bad_line(self, c):
        r = self.rng
        k = r.randrange(10)
        if k == 3 and float("inf") in c.out:
            k = 0                       # one 1e400 id in flight at a time
        if k == 0:
            c.send(b"{\n")
        elif k == 1:
            c.send(b"[]\n")
        elif k == 2:
            c.send(b"[" * 40 + b"]" * 40 + b"\n")
        elif k == 3:
            c.out[float("inf")] = ("daemon.ping", time.monotonic() + MARGIN, None)
            c.send(b'{"jsonrpc":"2.0","id":1e400,"method":"daemon.ping"}\n')
        elif k == 4:
            c.send(b"\xff\xfe\x00 \r\n")
        elif k == 5:
            i = c.take_id()
            c.out[i] = ("socket.info", time.monotonic() + MARGIN, None)
            c.send(b'{"jsonrpc":"2.0","id":%s,"method":"socket.info","params":{"handle":1,"handle":"x"}}\n'
                   % json.dumps(i).encode())
        elif k == 6:
            i = c.take_id()
            c.out[i] = ("no.such", time.monotonic() + MARGIN, None)
            c.send(b'{"jsonrpc":"2.0","id":%s,"method":"no.such.method"}\n' % json.dumps(i).encode())
        elif k == 7:
            c.send(b'{"jsonrpc":"1.0","id":{"x":1},"method":"daemon.ping"}\n')
        elif k == 8:
            i = c.take_id()
            c.out[i] = ("daemon.ping", time.monotonic() + MARGIN, None)
            c.send(b'{"jsonrpc":"2.0","id":%s,"method":"daemon.ping","params":[1,2]}\n' % json.dumps(i).encode())
        elif k == 9 and r.random() < 0.1:
            c.may_close = True          # longer than max_message: error, then close
            c.send(b'{"x":"' + b"a" * (1 << 20) + b'"}\n')
        self.trace.append("conn%d bad line %d" % (c.index, k))
        self.calls += 1

    def step(self, c):
        """One random action on connection c."""
        r = self.rng
        x = r.random()
        names = sorted(self.methods)
        if len(self.handles) > MAX_HANDLES and x < 0.3:
            self.send_request(c, "socket.close", {"handle": self.handle(), "force": r.random() < 0.5})
        elif x < 0.25:
            self.deep_sequence(c)
        elif x < 0.85:
            m = r.choice(names)
            self.send_request(c, m, self.params(m), notify=r.random() < 0.05)
        elif x < 0.92:
            entries = []
            for _ in range(r.randrange(1, 9)):
                m = r.choice(names)
                entries.append((m, self.params(m), r.random() < 0.15))
            self.send_batch(c, entries)
        elif x < 0.96:
            self.bad_line(c)
        elif x < 0.98:
            self.attach()
        elif x < 0.99:
            self.send_request(c, "socket.list", None)
        else:
            self.drop_conn(c)            # hang up with requests in flight

    def overdue(self):
        now = time.monotonic()
        for c in self.conns + self.raws:
            if c.closed:
                continue
            for rid, (method, due, params) in c.out.items():
                if due is not None and now > due:
                    self.fail("conn%d: no answer to request %r (%s %s) after its deadline; %s"
                              % (c.index, rid, method, json.dumps(params)[:300], self.probe()))

    def probe(self):
        """Whether the daemon as a whole still answers, for a failure message."""
        t0 = time.monotonic()
        try:
            with self.d.client(timeout=5.0) as c:
                c.call("daemon.ping")
            ping = "a new connection's ping answered in %.3f s" % (time.monotonic() - t0)
        except (OSError, EOFError) as e:
            ping = "a new connection's ping failed after %.1f s: %s" % (time.monotonic() - t0, e)
        return "nothing received from the daemon for %.1f s, %s" % (t0 - self.last_rx, ping)

    def run(self):
        self.conns = [self.open_conn(i) for i in range(CONNECTIONS)]
        end = time.monotonic() + self.seconds
        n = 0
        while time.monotonic() < end:
            self.check_alive()
            for i, c in enumerate(self.conns):
                if c.raw:
                    self.raws.append(c)
                if c.closed or c.raw:
                    self.conns[i] = self.open_conn(c.index)
            for c in [c for c in self.raws if not c.closed]:
                if self.rng.random() < 0.05:
                    self.raw_step(c)
            self.raws = [c for c in self.raws if not c.closed]
            c = self.rng.choice(self.conns)
            # Nothing more after an attach until its answer: it may be a pipe.
            busy = len(c.out) >= MAX_OUTSTANDING or c.raw or c.attach_id is not None
            if not busy:
                self.step(c)
            self.pump(0.05 if busy else 0)
            n += 1
            if n % 50 == 0:
                self.overdue()
        self.finish()

    def in_flight(self):
        return any(c.out and not c.closed for c in self.conns + self.raws)

    def close_all(self, admin):
        for sock in admin.call("socket.list")["sockets"]:
            try:
                admin.call("socket.close", {"handle": sock["handle"], "force": True})
            except harness.RpcError as e:
                if e.code == -32603:
                    self.fail("internal error closing handle %d: %r" % (sock["handle"], e.error))

    def finish(self):
        """Close every handle; then every request still in flight must be
        answered (the waiting calls without timeouts are answered by the
        close)."""
        self.check_alive()
        with self.d.client(timeout=MARGIN) as admin:
            due = time.monotonic() + MARGIN
            while True:
                # Again and again: a connect in flight may make a handle yet.
                self.close_all(admin)
                end = time.monotonic() + 0.5
                while time.monotonic() < end and self.in_flight():
                    self.pump(0.05)
                self.check_alive()
                if not self.in_flight():
                    break
                if time.monotonic() > due:
                    left = [(c.index, rid, m, p) for c in self.conns + self.raws if not c.closed
                            for rid, (m, _, p) in c.out.items()]
                    self.fail("requests unanswered after every handle was closed: %r" % left[:10])
            self.t.assertEqual(admin.call("daemon.ping"), {"pong": True})
        for c in self.conns + self.raws:
            self.drop_conn(c)


class LiveFuzzTest(harness.DaemonTest):
    DAEMON_ARGS = ()

    def test_live_fuzz(self):
        seed = os.environ.get("SOCK6D_LIVEFUZZ_SEED")
        seed = int(seed) if seed else random.SystemRandom().randrange(1 << 32)
        netns = os.environ.get(NETNS_ENV) == "1"
        sys.stderr.write("live fuzz: seed %d, %g s, %d connections, %s\n" % (
            seed, SECONDS, CONNECTIONS,
            "in a network namespace with loopback only" if netns
            else "no network namespace (not root): loopback addresses only"))
        tmp = tempfile.mkdtemp(prefix="sock6d-fuzz-")
        self.addCleanup(shutil.rmtree, tmp, True)
        os.chmod(tmp, 0o755)
        fuzz = LiveFuzz(self, self.daemon, seed, SECONDS, tmp, netns)
        try:
            fuzz.run()
        finally:
            elapsed = time.monotonic() - fuzz.start
            sys.stderr.write("live fuzz: seed %d: %d calls in %.1f s (%.0f calls/s), answers: %s\n" % (
                seed, fuzz.calls, elapsed, fuzz.calls / elapsed,
                ", ".join("%s %d" % kv for kv in sorted(fuzz.answers.items()))))
            sys.stderr.write("live fuzz: errors: %s\n" % ", ".join("%s (%d)" % kv for kv in fuzz.messages.most_common(40)))
        # Stop the daemon now and read its whole log: a sanitizer report at
        # exit (leaks) counts too.
        code = self.daemon.stop()
        log = self.daemon.read_log()
        for mark in SANITIZER_MARKS:
            idx = log.find(mark)
            if idx >= 0:
                self.fail("sanitizer report in the daemon log (seed %d):\n%s" % (seed, log[max(0, idx - 2000):idx + 8000]))
        self.assertEqual(code, 0, "sock6d exited with %s after SIGTERM (seed %d)" % (code, seed))


if __name__ == "__main__":
    in_private_netns()
    harness.main()
