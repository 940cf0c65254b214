"""soakmix.py: the clients of the soak benchmark (soak.py) and their scenarios.

Not a benchmark itself.  A Worker is one client thread: it holds a control
connection (SoakClient: benchlib.Client keeping notifications and counting
every call and error), picks scenarios at random, each a short conversation
using several methods as a client would, checks every byte that goes
through, and closes what it made.  soak.py lists the scenarios; an error a
scenario did not expect is counted and ends that scenario (Abort).

Standard library only (Python 3.11).
"""

import base64
import collections
import json
import os
import random
import socket
import time

import benchlib

CALL_TIMEOUT = 60.0


class Abort(Exception):
    """A scenario step failed in a way it did not expect; the scenario stops
    (the failure is already counted) and its handles are closed."""


# ---------------------------------------------------------------- statistics


class Stats:
    """One client's counters (merged at the end; read racily by the sampler)."""

    def __init__(self):
        self.calls = collections.Counter()       # method -> requests sent
        self.ok = collections.Counter()          # method -> successful replies
        self.errors = collections.Counter()      # (code, expected) -> n
        self.unexpected = []                     # first few unexpected failures
        self.anomalies = collections.Counter()   # what went wrong outside the wire
        self.scenarios = collections.Counter()
        self.notes = collections.Counter()       # notification method -> n
        self.bytes = 0                           # stream bytes checked end to end

    def merge(self, other):
        self.calls.update(other.calls)
        self.ok.update(other.ok)
        self.errors.update(other.errors)
        self.unexpected.extend(other.unexpected[:20 - len(self.unexpected)])
        self.anomalies.update(other.anomalies)
        self.scenarios.update(other.scenarios)
        self.notes.update(other.notes)
        self.bytes += other.bytes


# ---------------------------------------------------------------- client


class SoakClient(benchlib.Client):
    """A control connection that keeps notifications (benchlib.Client drops
    them) and counts every call and error in a Stats."""

    def __init__(self, path, stats):
        super().__init__(path, timeout=CALL_TIMEOUT)
        self.stats = stats
        self.pending_notes = collections.deque()

    def read_reply(self, rid):
        while True:
            msg = json.loads(self.read_line())
            if isinstance(msg, list):
                return msg
            if "method" in msg and "id" not in msg:
                self.pending_notes.append(msg)
                self.stats.notes[msg["method"]] += 1
                continue
            if msg.get("id") == rid or ("error" in msg and msg.get("id") is None):
                return msg

    def rpc(self, method, params=None, expect=()):
        """The result, or None when the call failed with a code in `expect`;
        any other failure is counted as unexpected and raises Abort."""
        rid = self.next_id
        self.next_id += 1
        self.stats.calls[method] += 1
        self.send(benchlib.request_line(method, params, rid))
        return self.judge(method, params, self.read_reply(rid), expect)

    def judge(self, method, params, reply, expect):
        if "error" in reply:
            code = reply["error"].get("code")
            ok = code in expect
            self.stats.errors[(code, ok)] += 1
            if ok:
                return None
            if len(self.stats.unexpected) < 20:
                self.stats.unexpected.append(f"{method} {json.dumps(params)[:160]} -> "
                                             f"{json.dumps(reply['error'])[:240]}")
            raise Abort(method)
        self.stats.ok[method] += 1
        return reply["result"]

    def note(self, pred, timeout=10.0):
        """The first notification (kept or still to come) that pred accepts."""
        for i, n in enumerate(self.pending_notes):
            if pred(n):
                del self.pending_notes[i]
                return n
        deadline = time.monotonic() + timeout
        while True:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                msg = json.loads(self.read_line())
            except socket.timeout:
                self.stats.anomalies["notification never came"] += 1
                raise Abort("notification")
            finally:
                self.sock.settimeout(CALL_TIMEOUT)
            if "method" in msg and "id" not in msg:
                self.stats.notes[msg["method"]] += 1
                if pred(msg):
                    return msg
                self.pending_notes.append(msg)
            else:
                self.stats.anomalies["reply without a request"] += 1


def b64(data):
    return base64.b64encode(data).decode()


def note_bytes(n):
    p = n["params"]
    return p["text"].encode() if "text" in p else base64.b64decode(p["data"])


# ---------------------------------------------------------------- one client


class Worker:
    def __init__(self, wid, args, daemon_path, tmp, stop, ipv6):
        self.wid = wid
        self.args = args
        self.path = daemon_path
        self.tmp = tmp
        self.stop = stop
        self.ipv6 = ipv6
        self.rng = random.Random(args.seed * 1000 + wid)
        self.stats = Stats()
        self.c = None
        self.owned = []      # handles to close when the scenario ends
        self.seq = 0

    # -- helpers -----------------------------------------------------------

    def r(self, method, params=None, expect=()):
        return self.c.rpc(method, params, expect)

    def new(self, handle):
        """A handle this scenario made: closed when it ends."""
        self.owned.append(handle)
        return handle

    def scope(self):
        return self.rng.choice(("daemon", "connection"))

    def payload(self, lo, hi, text=False):
        n = self.rng.randint(lo, hi)
        if text:
            return bytes(self.rng.choices(b"abcdefghijklmnopqrstuvwxyz0123456789 .", k=n))
        return self.rng.randbytes(n)

    def receive_exactly(self, handle, n, c=None):
        """Receive n bytes from a stream handle (several calls when partial)."""
        c = c or self.c
        got = b""
        while len(got) < n:
            res = c.rpc("socket.receive", {"handle": handle, "length": min(65536, n - len(got)),
                                           "timeout": 10000})
            if res["eof"]:
                self.stats.anomalies["early end of file"] += 1
                raise Abort("eof")
            got += base64.b64decode(res["data"])
        return got

    def check(self, cond, what):
        if not cond:
            self.stats.anomalies[what] += 1
            raise Abort(what)

    def loopback(self, fam=None):
        fam = fam or ("inet6" if self.ipv6 and self.rng.random() < 0.3 else "inet")
        return fam, ("[::1]:0" if fam == "inet6" else "127.0.0.1:0")

    def tcp_pair(self, scope=None):
        """listener, connector, accepted: a TCP connection through the daemon."""
        fam, any_port = self.loopback()
        scope = scope or self.scope()
        lst = self.new(self.r("socket.create", {"family": fam, "type": "stream",
                                                "scope": scope})["handle"])
        addr = self.r("socket.bind", {"handle": lst, "address": any_port})["address"]
        self.r("socket.listen", {"handle": lst, "backlog": 16})
        con = self.new(self.r("socket.create", {"family": fam, "type": "stream",
                                                "scope": scope})["handle"])
        self.r("socket.connect", {"handle": con, "address": addr["string"], "timeout": 10000})
        acc = self.new(self.r("socket.accept", {"handle": lst, "timeout": 10000})["handle"])
        return lst, con, acc, addr

    def close_owned(self):
        while self.owned:
            h = self.owned.pop()
            try:
                self.c.rpc("socket.close", {"handle": h, "force": True})
            except Abort:
                pass

    def connect(self):
        self.c = SoakClient(self.path, self.stats)

    # -- scenarios ---------------------------------------------------------

    def s_tcp(self):
        fam, any_port = self.loopback()
        scope = self.scope()
        lst = self.new(self.r("socket.create", {"family": fam, "type": "stream",
                                                "scope": scope})["handle"])
        self.r("socket.setopt", {"handle": lst, "option": "so-reuse-address", "value": True})
        self.check(self.r("socket.getopt", {"handle": lst, "option": "so-reuse-address"})
                   ["value"] is True, "getopt disagrees with setopt")
        addr = self.r("socket.bind", {"handle": lst, "address": any_port})["address"]
        self.r("socket.listen", {"handle": lst})
        self.check(self.r("socket.name", {"handle": lst})["address"]["port"] == addr["port"],
                   "socket.name port")
        con = self.new(self.r("socket.create", {"family": fam, "type": "stream",
                                                "scope": scope})["handle"])
        self.r("socket.connect", {"handle": con, "address": addr["string"], "timeout": 10000})
        self.r("socket.accept_ready", {"handle": lst})
        acc = self.new(self.r("socket.accept", {"handle": lst, "timeout": 10000})["handle"])
        self.r("socket.peer_name", {"handle": con})
        self.check(self.r("socket.info", {"handle": acc})["state"] == "connected",
                   "accepted socket not connected")
        msg = self.payload(1, 2000, text=True)
        sent = self.r("socket.send", {"handle": con, "text": msg.decode()})["bytes"]
        self.check(self.receive_exactly(acc, sent) == msg[:sent], "bytes changed (send)")
        data = self.payload(1, 200000)
        self.r("socket.send_all", {"handle": acc, "data": b64(data),
                                   "send_size": self.rng.choice((None, 4096, 65536))})
        self.check(self.receive_exactly(con, len(data)) == data, "bytes changed (send_all)")
        self.r("socket.send", {"handle": con, "data": b64(b"peek")})
        deadline = time.monotonic() + 5
        while not self.r("socket.receive_ready", {"handle": acc})["ready"]:
            self.check(time.monotonic() < deadline, "receive_ready never true")
            time.sleep(0.001)
        self.r("socket.receive", {"handle": acc, "length": 4, "flags": ["peek"]})
        self.receive_exactly(acc, 4)
        self.r("socket.get_option", {"handle": acc, "level": "sol/socket",
                                     "name": "so/keepalive"})
        self.r("socket.set_option", {"handle": acc, "level": "sol/socket",
                                     "name": "so/keepalive", "value": 1})
        if self.rng.random() < 0.2:
            self.r("socket.options", {"handle": acc})
        self.r("socket.setopt", {"handle": con, "option": "tcp-no-delay", "value": True})
        self.r("socket.shutdown", {"handle": con, "how": "wr"})
        self.check(self.r("socket.receive", {"handle": acc, "length": 10,
                                             "timeout": 10000})["eof"], "no end of file")

    def s_egg(self):
        scope = self.scope()
        lst = self.new(self.r("tcp.listen", {"port": 0, "host": "127.0.0.1",
                                             "scope": scope})["handle"])
        port = self.r("tcp.listener_port", {"handle": lst})["port"]
        host = "localhost" if self.rng.random() < 0.2 else "127.0.0.1"
        con = self.new(self.r("tcp.connect", {"host": host, "port": port, "timeout": 10000,
                                              "scope": scope})["handle"])
        self.r("tcp.accept_ready", {"handle": lst})
        acc = self.new(self.r("tcp.accept", {"handle": lst, "timeout": 10000})["handle"])
        a = self.r("tcp.addresses", {"handle": acc})
        p = self.r("tcp.port_numbers", {"handle": con})
        self.check(p["remote"] == port and a["local"], "tcp.port_numbers")
        data = self.payload(1, 5000)
        self.r("socket.send_all", {"handle": con, "data": b64(data)})
        self.check(self.receive_exactly(acc, len(data)) == data, "bytes changed (egg)")

    def s_subscribe(self):
        lst, con, acc, addr = self.tcp_pair()
        text = self.rng.random() < 0.3
        credit = self.rng.choice((1, 100, 4096, 65536))
        chunk = self.rng.choice((1, 512, 16384, 65536))
        params = {"handle": acc, "credit": credit, "max_chunk": chunk}
        if text:
            params["encoding"] = "text"
        res = self.r("socket.subscribe", params)
        offset = res["offset"]
        data = self.payload(1, min(100000, 100 * chunk, 300 * credit), text=text)
        self.r("socket.send_all", {"handle": con, "data": b64(data)})
        got = bytearray()
        while len(got) < len(data):
            n = self.c.note(lambda m: m["params"].get("handle") == acc)
            if n["method"] == "socket.paused":
                self.r("socket.credit", {"handle": acc, "add": self.rng.choice((1, 4096, 65536))})
                continue
            self.check(n["method"] == "socket.data", f"unexpected {n['method']}")
            self.check(n["params"]["offset"] == offset + len(got), "offset gap")
            got += note_bytes(n)
        self.check(bytes(got) == data, "bytes changed (subscribe)")
        self.stats.bytes += len(data)
        self.r("socket.unsubscribe", {"handle": acc})
        # bytes sent while unsubscribed, then the end: both after a new subscribe
        more = self.payload(1, 3000)
        self.r("socket.send_all", {"handle": con, "data": b64(more)})
        self.r("socket.shutdown", {"handle": con, "how": "wr"})
        res = self.r("socket.subscribe", {"handle": acc})
        got = bytearray()
        while True:
            n = self.c.note(lambda m: m["params"].get("handle") == acc)
            if n["method"] == "socket.eof":
                break
            if n["method"] == "socket.paused":
                continue  # the first subscription's, sent as its credit ran out
            self.check(n["method"] == "socket.data", f"unexpected {n['method']}")
            got += note_bytes(n)
        self.check(bytes(got) == more, "bytes changed (resubscribe)")
        # a listener's new connections, one credit each
        self.r("socket.subscribe", {"handle": lst, "credit": 1})
        extra = self.new(self.r("socket.create", {"family": addr["family"], "type": "stream",
                                                  "scope": "connection"})["handle"])
        self.r("socket.connect", {"handle": extra, "address": addr["string"], "timeout": 10000})
        n = self.c.note(lambda m: m["method"] == "socket.accepted" and
                        m["params"]["handle"] == lst)
        self.new(n["params"]["accepted"])
        if self.rng.random() < 0.5:
            self.r("socket.unsubscribe", {"handle": lst})

    def s_udp(self):
        fam, any_port = self.loopback()
        a = self.new(self.r("socket.create", {"family": fam, "type": "dgram",
                                              "scope": self.scope()})["handle"])
        aaddr = self.r("socket.bind", {"handle": a, "address": any_port})["address"]
        b = self.new(self.r("socket.create", {"family": fam, "type": "dgram"})["handle"])
        baddr = self.r("socket.bind", {"handle": b, "address": any_port})["address"]
        d = self.payload(1, 1400)
        self.r("socket.send_to", {"handle": b, "data": b64(d), "address": aaddr["string"]})
        res = self.r("socket.receive_from", {"handle": a, "length": 2048, "timeout": 10000})
        self.check(base64.b64decode(res["data"]) == d and
                   res["address"]["port"] == baddr["port"], "datagram changed")
        self.r("socket.connect", {"handle": b, "address": aaddr["string"]})
        self.r("socket.send", {"handle": b, "text": "hello"})
        self.check(self.r("socket.receive", {"handle": a, "length": 100,
                                             "timeout": 10000, "encoding": "text"})
                   .get("text") == "hello", "datagram changed (connected)")
        # the udp egg
        u = self.new(self.r("udp.open", {"family": "inet", "scope": self.scope()})["handle"])
        uport = self.r("udp.bind", {"handle": u, "host": "127.0.0.1", "port": 0})["address"]["port"]
        v = self.new(self.r("udp.open", {})["handle"])
        self.r("udp.connect", {"handle": v, "host": "127.0.0.1", "port": uport})
        self.r("udp.send_to", {"handle": v, "host": "127.0.0.1", "port": uport,
                               "data": b64(d)})
        res = self.r("udp.receive_from", {"handle": u, "length": 2048, "timeout": 10000})
        self.check(base64.b64decode(res["data"]) == d and res["host"] == "127.0.0.1",
                   "datagram changed (udp egg)")
        # a subscribed datagram socket
        self.r("socket.subscribe", {"handle": u, "credit": 2 * len(d) + 10})
        for i in range(3):
            self.r("udp.send_to", {"handle": v, "host": "127.0.0.1", "port": uport,
                                   "data": b64(d)})
        for i in range(3):
            n = self.c.note(lambda m: m["params"].get("handle") == u)
            if n["method"] == "socket.paused":
                self.r("socket.credit", {"handle": u, "add": 10 * len(d)})
                n = self.c.note(lambda m: m["params"].get("handle") == u)
            self.check(n["method"] == "socket.datagram" and note_bytes(n) == d,
                       "datagram changed (subscribed)")

    def s_unix(self):
        self.seq += 1
        path = os.path.join(self.tmp, f"c{self.wid}-{self.seq}.sock")
        self.check(self.r("net.unix_address", {"path": path})["path"] == path, "unix_address")
        lst = self.new(self.r("socket.create", {"family": "unix", "type": "stream",
                                                "scope": self.scope()})["handle"])
        self.r("socket.bind", {"handle": lst, "address": path})
        self.r("socket.listen", {"handle": lst})
        con = self.new(self.r("socket.create", {"family": "unix", "type": "stream"})["handle"])
        self.r("socket.connect", {"handle": con, "address": path, "timeout": 10000})
        acc = self.new(self.r("socket.accept", {"handle": lst, "timeout": 10000})["handle"])
        data = self.payload(1, 50000)
        self.r("socket.send_all", {"handle": con, "data": b64(data)})
        self.check(self.receive_exactly(acc, len(data)) == data, "bytes changed (unix)")
        dpath = path + ".d"
        dg = self.new(self.r("socket.create", {"family": "unix", "type": "dgram"})["handle"])
        self.r("socket.bind", {"handle": dg, "address": dpath})
        dg2 = self.new(self.r("socket.create", {"family": "unix", "type": "dgram"})["handle"])
        self.r("socket.send_to", {"handle": dg2, "text": "unix datagram", "address": dpath})
        self.r("socket.receive_from", {"handle": dg, "length": 100, "timeout": 10000})
        self.close_owned()
        self.check(not os.path.exists(path) and not os.path.exists(dpath),
                   "UNIX socket file left after close")

    def s_attach(self):
        lst, con, acc, _ = self.tcp_pair(scope="daemon")
        side = SoakClient(self.path, self.stats)
        try:
            side.rpc("socket.attach", {"handle": acc, "framing": "raw"})
            data = self.payload(1, 100000)
            self.r("socket.send_all", {"handle": con, "data": b64(data)})
            got = bytes(side.buf)
            side.buf.clear()
            while len(got) < len(data):
                chunk = side.sock.recv(65536)
                self.check(chunk, "attach: end of file too early")
                got += chunk
            self.check(got == data, "bytes changed (attach, out)")
            back = self.payload(1, 100000)
            side.sock.sendall(back)
            self.check(self.receive_exactly(con, len(back)) == back,
                       "bytes changed (attach, in)")
            if self.rng.random() < 0.5:
                side.sock.shutdown(socket.SHUT_WR)
                self.check(self.r("socket.receive", {"handle": con, "length": 10,
                                                     "timeout": 10000})["eof"],
                           "attach: no end of file after the client's")
        finally:
            side.close()
        self.owned.remove(acc)  # the relay's end closes it (force: it may be gone)
        self.r("socket.close", {"handle": acc, "force": True})

    def s_export(self):
        lst, con, acc, _ = self.tcp_pair()
        keep = self.rng.random() < 0.5
        c = self.c
        rid = c.next_id
        c.next_id += 1
        c.stats.calls["socket.export"] += 1
        c.send(benchlib.request_line("socket.export", {"handle": con, "keep": keep}, rid))
        msg, anc, _, _ = c.sock.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
        fds = []
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds += list(memoryview(raw).cast("i")[:len(raw) // 4])
        c.buf += msg
        reply = c.read_reply(rid)
        try:
            c.judge("socket.export", {"handle": con}, reply, ())
            self.check(len(fds) == 1, "socket.export: no descriptor")
            s = socket.socket(fileno=fds.pop())
            with s:
                s.sendall(b"exported")
            self.check(self.receive_exactly(acc, 8) == b"exported", "bytes changed (export)")
        finally:
            for fd in fds:
                os.close(fd)
        if not keep:
            self.owned.remove(con)
            self.r("socket.info", {"handle": con}, expect=(1010,))

    def s_connect(self):
        lst, con, acc, addr = self.tcp_pair()
        dead = self.new(self.r("socket.create", {"family": "inet", "type": "stream"})["handle"])
        dport = self.r("socket.bind", {"handle": dead, "address": "127.0.0.1:0"})["address"]["port"]
        # bound, not listening: connects to it are refused
        addrs = [f"127.0.0.1:{dport}", addr["string"]]
        res = self.r("socket.connect_ai", {"addresses": addrs, "timeout": 10000,
                                           "scope": self.scope(),
                                           "happy_eyeballs": self.rng.random() < 0.5})
        self.new(res["handle"])
        self.new(self.r("socket.accept", {"handle": lst, "timeout": 10000})["handle"])
        probe = self.new(self.r("socket.create", {"family": "inet", "type": "stream"})["handle"])
        self.r("socket.connect", {"handle": probe, "address": f"127.0.0.1:{dport}",
                                  "timeout": 10000}, expect=(1001,))
        self.r("tcp.connect", {"host": "127.0.0.1", "port": dport, "timeout": 10000},
               expect=(1001,))

    def s_pending(self):
        lst, con, acc, addr = self.tcp_pair(scope="daemon")
        side = SoakClient(self.path, self.stats)
        try:
            # parked calls on a connection that then goes away
            side.stats.calls["socket.receive"] += 1
            side.send(benchlib.request_line("socket.receive", {"handle": acc, "length": 100,
                                                               "timeout": None}, 1))
            l2 = side.rpc("socket.create", {"family": "inet", "type": "stream",
                                            "scope": "connection"})["handle"]
            side.rpc("socket.bind", {"handle": l2, "address": "127.0.0.1:0"})
            side.rpc("socket.listen", {"handle": l2})
            side.stats.calls["socket.accept"] += 1
            side.send(benchlib.request_line("socket.accept", {"handle": l2, "timeout": None}, 9))
            side.rpc("daemon.ping")  # both are parked by now
        finally:
            side.close()
        # the receive was cancelled: the bytes sent now are for this connection
        self.r("socket.send", {"handle": con, "text": "after"})
        self.check(self.receive_exactly(acc, 5) == b"after", "bytes lost after a cancel")
        self.r("socket.receive", {"handle": acc, "length": 10, "timeout": 20}, expect=(1002,))
        self.r("socket.accept", {"handle": lst, "timeout": 10}, expect=(1002,))

    def s_net(self):
        self.r("net.inet_address", {"address": "127.0.0.1", "port": self.rng.randint(0, 65535)})
        self.r("net.inet_address", {"address": None, "port": "80"})
        self.r("net.parse_address", {"string": self.rng.choice(("127.0.0.1:80", "[::1]:443"))})
        self.r("net.constants", {"group": self.rng.choice(("af", "so", "tcp", "sock"))},
               expect=(-32602,))
        node = self.rng.choice(("127.0.0.1", "::1", "localhost"))
        params = {"node": node, "service": "80", "type": "stream"}
        if node == "localhost":
            params["family"] = "inet"
        else:
            params["flags"] = ["numerichost"]
        self.r("net.address_information", params)
        self.r("net.name_information", {"address": "127.0.0.1:80",
                                        "flags": self.rng.choice((["numerichost"], []))})
        self.r("session.get")
        self.r("session.set", {"receive_timeout": self.rng.choice((1000, 60000)),
                               "send_size": self.rng.choice((4096, 16384))})
        self.r("daemon.ping")
        self.r("daemon.version")
        self.r("daemon.stats")
        self.r("socket.list")
        batch = [{"jsonrpc": "2.0", "id": i, "method": m} for i, m in
                 enumerate(("daemon.ping", "session.get", "daemon.version"), 1000)]
        self.c.stats.calls["(batch)"] += 1
        self.c.send(json.dumps(batch).encode() + b"\n")
        reply = self.c.read_reply(None)
        self.check(isinstance(reply, list) and len(reply) == 3, "batch reply")
        if self.rng.random() < 0.05:
            self.r("rpc.discover")
        if self.wid == 0 and self.rng.random() < 0.2:
            self.r("daemon.reload")

    def s_errors(self):
        self.r("no.such_method", {}, expect=(-32601,))
        self.r("socket.create", {"family": "inet", "type": "stream", "bogus": 1},
               expect=(-32602,))
        self.r("socket.info", {"handle": 10 ** 12}, expect=(1010,))
        self.r("socket.bind", {"handle": 10 ** 12, "address": "relative/path"},
               expect=(-32602, 1010))
        self.c.stats.calls["(not json)"] += 1
        self.c.send(b"{not json\n")
        self.c.judge("(not json)", None, self.c.read_reply(None), (-32700,))

    SCENARIOS = [("tcp", s_tcp, 10), ("egg", s_egg, 6), ("subscribe", s_subscribe, 8),
                 ("udp", s_udp, 6), ("unix", s_unix, 5), ("attach", s_attach, 4),
                 ("export", s_export, 3), ("connect", s_connect, 4), ("pending", s_pending, 3),
                 ("net", s_net, 8), ("errors", s_errors, 3)]

    def leave_open(self):
        """Connection-scope handles left for the daemon to close when this
        connection goes away (a client that exits without closing)."""
        for _ in range(self.rng.randint(1, 4)):
            self.r("socket.create", {"family": self.rng.choice(("inet", "unix")),
                                     "type": self.rng.choice(("stream", "dgram")),
                                     "scope": "connection"})
        self.tcp_pair(scope="connection")
        self.owned.clear()

    def run(self):
        names = [s[0] for s in self.SCENARIOS]
        funcs = [s[1] for s in self.SCENARIOS]
        weights = [s[2] for s in self.SCENARIOS]
        self.connect()
        while not self.stop.is_set():
            k = self.rng.choices(range(len(funcs)), weights)[0]
            try:
                funcs[k](self)
                self.stats.scenarios[names[k]] += 1
            except Abort:
                self.stats.scenarios[names[k] + " (failed)"] += 1
            except (OSError, EOFError, ValueError) as e:
                self.stats.anomalies[f"{type(e).__name__} in {names[k]}"] += 1
                self.owned.clear()
                self.c.close()
                self.connect()
                continue
            try:
                self.close_owned()
                self.c.pending_notes.clear()  # (socket.error "closed" of subscribed ones)
                if self.rng.random() < 0.05:
                    self.leave_open()
                    self.c.close()
                    self.connect()
            except (Abort, OSError, EOFError, ValueError) as e:
                self.stats.anomalies[f"{type(e).__name__} in cleanup"] += 1
                self.owned.clear()
                self.c.close()
                self.connect()
        self.c.close()
