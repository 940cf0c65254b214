"""test_faults.py: the daemon under injected faults (a build configured with
--enable-fault-injection, daemon/fault.c; skipped otherwise).

Each scenario starts sock6d with SOCK6D_FAULTS (a seed and rates of failed
allocations, reads, writes, accepts, sockets, pipes and splices, and of
short reads and writes) and runs a workload of every kind of call: pipelined
requests and a batch, socket calls, send_all to a TCP peer, receive and
subscribe from one, attach both ways at once, UDP both ways, accepts, and
control connections opened and closed.  What it proves, whatever the seed:

- the daemon never crashes (exit status 0 after SIGTERM, no sanitizer report
  in its log when it was built with them, no definite leak under valgrind
  when valgrind is installed and the build has no ASan);
- every request is answered with a well-formed reply or its connection is
  closed; no answer within REPLY_TIMEOUT fails the test (a hang), and no
  reply is a parse, request, method or param error (those would mean the
  daemon lost or mangled a byte of a well-formed request);
- no byte is lost or changed on a handle: the bytes a TCP peer receives
  from send_all are the data's prefix and at least the bytes the daemon
  counted, every socket.receive and socket.data chunk is the data at its
  offset, attach's bytes are a prefix each way, and a transfer that
  completes has the same SHA-256 as the data; a UDP peer gets exactly the
  datagrams whose send was answered with success, in order;
- once every connection of the workload has closed and its handles are
  closed, the daemon holds no connection and no handle;
- faults were really injected (the counts sock6d prints at exit).

The transient scenarios inject only EINTR, EAGAIN and short reads and
writes, which a correct daemon retries: there every request must succeed,
no connection may close and every transfer must complete.  A scenario with
no faults (all=0) runs the same workload and must complete everything,
which shows that the workload's checks can fail.
"""

import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import unittest

import harness

REPLY_TIMEOUT = 20.0    # a reply, or bytes on a peer, later than this is a hang
MIB = 1 << 20
FAULT_COUNTS = re.compile(r"sock6d: faults injected \(seed (\d+)\):((?: \w+ \d+/\d+)+)")
SANITIZER = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|LeakSanitizer has encountered|"
                       r"runtime error:|SUMMARY: UndefinedBehaviorSanitizer")
# Errors that say the daemon misread a well-formed request.
MISREAD = {-32700: "parse error", -32600: "invalid request", -32601: "method not found",
           -32602: "invalid params"}


def fault_build():
    """'' when $SOCK6D injects faults, else why the tests are skipped."""
    try:
        p = subprocess.run([harness.SOCK6D, "--version"], capture_output=True, timeout=30,
                           env=dict(os.environ, SOCK6D_FAULTS="seed=1"))
    except (OSError, subprocess.TimeoutExpired) as e:
        return "cannot run %s: %s" % (harness.SOCK6D, e)
    if b"fault injection on" in p.stderr:
        return ""
    return "sock6d was built without --enable-fault-injection"


def has_asan():
    p = subprocess.run(["ldd", harness.SOCK6D], capture_output=True, timeout=30)
    return b"libasan" in p.stdout


class Closed(Exception):
    """The daemon closed the control connection (allowed under faults)."""


class Stats:
    """What a workload saw: replies, errors by code, connections lost,
    transfers completed and cut short, each by kind."""

    def __init__(self):
        self.lock = threading.Lock()
        self.replies = self.closed = 0
        self.errors, self.done, self.cut = {}, {}, {}

    def add(self, field, key=None):
        with self.lock:
            if key is None:
                setattr(self, field, getattr(self, field) + 1)
            else:
                getattr(self, field)[key] = getattr(self, field).get(key, 0) + 1

    def __str__(self):
        return "replies %d, errors %s, connections closed %d, done %s, cut short %s" % (
            self.replies, self.errors, self.closed, self.done, self.cut)


class Conn(harness.Client):
    """A control connection that tells a hang (a failure) from a closed
    connection (Closed) and checks every reply's envelope."""

    def __init__(self, run):
        self.run = run
        self.outstanding = []
        try:
            super().__init__(run.daemon.path, REPLY_TIMEOUT)
        except OSError as e:
            raise AssertionError("cannot connect to the daemon: %s" % e)

    def send_raw(self, data):
        try:
            super().send_raw(data)
        except TimeoutError:
            raise AssertionError("the daemon takes no request for %.0fs (a hang)"
                                 % REPLY_TIMEOUT)
        except OSError as e:
            self.lost(e)

    def read_raw(self):
        try:
            return super().read_message()
        except TimeoutError:
            raise AssertionError("no message for %.0fs on an open connection (a hang)"
                                 % REPLY_TIMEOUT)
        except OSError as e:
            self.lost(e)

    def request(self, method, params=None, id=None):
        id = super().request(method, params, id)
        self.outstanding.append(id)
        return id

    def read_message(self):
        """The next message; an error with a null id (a request the daemon
        could not read for want of memory) answers the oldest request
        outstanding: the workload pipelines only calls answered in order."""
        msg = self.read_raw()
        if isinstance(msg, dict) and msg.get("id", 0) is None and "error" in msg:
            self.run.test.assertTrue(self.outstanding, "an answer to no request: %r" % msg)
            self.run.test.assertEqual(msg["error"]["code"], -32603, msg)
            msg = dict(msg, id=self.outstanding[0])
        if isinstance(msg, dict) and msg.get("id") in self.outstanding:
            self.outstanding.remove(msg["id"])
        return msg

    def lost(self, why):
        self.run.stats.add("closed")
        if self.run.transient:
            raise AssertionError("connection closed under transient faults: %s" % why)
        raise Closed(str(why))

    def wait(self, id):
        try:
            reply = super().wait(id)
        except EOFError as e:
            self.lost(e)
        self.run.check_reply(reply, id)
        return reply

    def result(self, id):
        """The result, or None for an error reply (allowed under faults)."""
        reply = self.wait(id)
        return reply.get("result")

    def call(self, method, params=None):
        return self.result(self.request(method, params))

    def next_notification(self):
        """The next notification (or reply kept for later); Closed at EOF."""
        if self.notifications:
            return self.notifications.pop(0)
        msg = self.read_message()
        if msg is None:
            self.lost("end of stream")
        if isinstance(msg, dict) and "id" in msg:
            self.replies[msg["id"]] = msg   # checked when waited for
            return None
        self.run.test.assertEqual((msg.get("jsonrpc"), type(msg.get("method"))), ("2.0", str),
                                  msg)
        return msg


class Peer:
    """A TCP peer on loopback: a listener the daemon connects to, the
    connection it accepts, and threads that send and drain it."""

    def __init__(self):
        self.lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lst.bind(("127.0.0.1", 0))
        self.lst.listen(4)
        self.lst.settimeout(REPLY_TIMEOUT)
        self.address = "127.0.0.1:%d" % self.lst.getsockname()[1]
        self.sock = None
        self.got = bytearray()
        self.error = None
        self.thread = None

    def accept(self):
        self.sock, _ = self.lst.accept()
        self.sock.settimeout(REPLY_TIMEOUT)

    def _thread(self, fn):
        def run():
            try:
                fn()
            except OSError as e:
                self.error = e
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def drain(self):
        """Read to EOF in a thread (join with wait())."""
        def run():
            while chunk := self.sock.recv(1 << 16):
                self.got += chunk
        self._thread(run)

    def pump(self, data):
        """Send data then shut down the write side, in a thread."""
        def run():
            self.sock.sendall(data)
            self.sock.shutdown(socket.SHUT_WR)
        self._thread(run)

    def wait(self, what):
        if self.thread is None:
            return
        self.thread.join(REPLY_TIMEOUT * 3)
        if self.thread.is_alive():
            raise AssertionError("%s: the TCP peer still waits after %.0fs (a hang)"
                                 % (what, REPLY_TIMEOUT * 3))

    def close(self):
        for s in (self.sock, self.lst):
            if s is not None:
                s.close()


class Run:
    """One daemon under one SOCK6D_FAULTS, and the workload against it."""

    def __init__(self, test, daemon, seed, transient):
        self.test = test
        self.daemon = daemon
        self.rng = random.Random(seed)
        self.transient = transient
        self.stats = Stats()

    def check_reply(self, reply, id):
        t = self.test
        t.assertEqual(reply.get("jsonrpc"), "2.0", reply)
        t.assertEqual(reply.get("id"), id, reply)
        t.assertEqual(("result" in reply) + ("error" in reply), 1, reply)
        self.stats.add("replies")
        if "error" in reply:
            err = reply["error"]
            t.assertIsInstance(err.get("code"), int, reply)
            t.assertIsInstance(err.get("message"), str, reply)
            t.assertNotIn(err["code"], MISREAD, "a well-formed request misread: %r" % reply)
            if self.transient:
                raise AssertionError("an error under transient faults: %r" % reply)
            self.stats.add("errors", err["code"])

    def data(self, n):
        return self.rng.randbytes(n)

    def finish(self, kind, complete):
        self.stats.add("done" if complete else "cut", kind)
        if self.transient and not complete:
            raise AssertionError("%s cut short under transient faults" % kind)

    def retry(self, what, fn, attempts=20):
        """fn(conn) on a fresh connection until it returns true; Closed and
        failed calls start it again (a connection is lost at most so often)."""
        for _ in range(attempts):
            try:
                with Conn(self) as c:
                    if fn(c):
                        return True
            except Closed:
                pass
        if self.transient:
            raise AssertionError("%s never succeeded" % what)
        return False

    def create(self, c, type="stream", scope="connection"):
        r = c.call("socket.create", {"family": "inet", "type": type, "scope": scope})
        return None if r is None else r["handle"]

    def connected(self, c, peer):
        """A daemon TCP socket connected to peer (scope connection), or None."""
        h = self.create(c)
        if h is None:
            return None
        if c.call("socket.connect", {"handle": h, "address": peer.address}) is None:
            c.call("socket.close", {"handle": h})
            return None
        peer.accept()
        return h

    # -- the workload ------------------------------------------------------

    def rpc_mix(self):
        """Pipelined requests of many kinds, a batch, socket calls."""
        def mix(c):
            calls = [("daemon.ping", None), ("daemon.version", None), ("daemon.stats", None),
                     ("rpc.discover", None), ("session.get", None), ("socket.list", None),
                     ("net.parse_address", {"string": "127.0.0.1:80"}),
                     ("net.constants", None)] * 4
            self.rng.shuffle(calls)
            ids = [c.request(m, p) for m, p in calls]
            for id in ids:
                c.wait(id)
            batch = [{"jsonrpc": "2.0", "id": "b%d" % i, "method": "daemon.ping"}
                     for i in range(8)]
            c.outstanding.append("batch")   # answered by an array, or one error
            c.send_raw(json.dumps(batch) + "\n")
            msg = c.read_message()
            if msg is None:
                c.lost("end of stream")
            if isinstance(msg, dict):       # the line could not be read: no memory
                self.check_reply(msg, "batch")
                return False
            c.outstanding.remove("batch")
            self.test.assertIsInstance(msg, list, msg)
            self.test.assertEqual(sorted(r["id"] for r in msg), sorted(b["id"] for b in batch))
            for r in msg:
                self.check_reply(r, r["id"])
            h = self.create(c)
            if h is None:
                return False
            for m, p in (("socket.bind", {"address": "127.0.0.1:0"}), ("socket.name", {}),
                         ("socket.info", {}), ("socket.listen", {}),
                         ("socket.get_option", {"level": "sol/socket", "name": "so/reuseaddr"}),
                         ("socket.close", {})):
                p["handle"] = h
                c.call(m, p)
            return True
        for _ in range(4):
            self.retry("rpc mix", mix)

    def send_all(self, size=MIB):
        """send_all to a TCP peer: resumed from data.bytes after an error."""
        data = self.data(size)
        peer = Peer()
        sent, complete = 0, False
        try:
            with Conn(self) as c:
                try:
                    h = self.connected(c, peer)
                    if h is None:
                        return self.finish("send_all", False)
                    peer.drain()
                    for _ in range(200):
                        chunk = data[sent:sent + 128 * 1024]
                        reply = c.wait(c.request("socket.send_all",
                                                 {"handle": h, "data": harness.b64(chunk)}))
                        if "result" in reply:
                            self.test.assertEqual(reply["result"]["bytes"], len(chunk))
                            sent += len(chunk)
                        else:
                            sent += reply["error"].get("data", {}).get("bytes", 0)
                        if sent == len(data):
                            complete = c.call("socket.close", {"handle": h}) is not None
                            break
                except Closed:
                    complete = False
            peer.wait("send_all")   # the handle closed with its connection: EOF
            self.test.assertEqual(bytes(peer.got), data[:len(peer.got)],
                                  "send_all: the peer got other bytes than were sent")
            self.test.assertGreaterEqual(len(peer.got), sent,
                                         "send_all: fewer bytes arrived than were counted")
            if complete:
                self.test.assertEqual(hashlib.sha256(peer.got).hexdigest(),
                                      hashlib.sha256(data).hexdigest())
            self.finish("send_all", complete)
        finally:
            peer.close()

    def receive(self, size=MIB):
        """socket.receive from a TCP peer until eof."""
        data = self.data(size)
        peer = Peer()
        got = bytearray()
        try:
            with Conn(self) as c:
                try:
                    h = self.connected(c, peer)
                    if h is None:
                        return self.finish("receive", False)
                    peer.pump(data)
                    for _ in range(10000):
                        r = c.call("socket.receive", {"handle": h, "length": 65536})
                        if r is None:
                            continue
                        chunk = harness.unb64(r["data"])
                        self.test.assertEqual(chunk, data[len(got):len(got) + len(chunk)],
                                              "receive: bytes at %d differ" % len(got))
                        got += chunk
                        if r["eof"]:
                            break
                except Closed:
                    pass
            peer.wait("receive")
            self.finish("receive", got == data)
        finally:
            peer.close()

    def subscribe(self, size=MIB):
        """socket.data chunks from a TCP peer, each at its offset, until
        socket.eof; a subscription ended by socket.error is taken again."""
        data = self.data(size)
        peer = Peer()
        complete = False
        try:
            with Conn(self) as c:
                try:
                    h = self.connected(c, peer)
                    if h is None:
                        return self.finish("subscribe", False)
                    peer.pump(data)
                    offset = None
                    for _ in range(100000):
                        if offset is None:
                            r = c.call("socket.subscribe", {"handle": h, "max_chunk": 32768})
                            if r is None:
                                continue
                            offset = r["offset"]
                        n = c.next_notification()
                        if n is None or n.get("params", {}).get("handle") != h:
                            continue
                        p = n["params"]
                        if n["method"] == "socket.data":
                            chunk = harness.unb64(p["data"])
                            self.test.assertEqual(p["offset"], offset, n)
                            self.test.assertEqual(chunk, data[offset:offset + len(chunk)],
                                                  "subscribe: bytes at %d differ" % offset)
                            offset += len(chunk)
                        elif n["method"] == "socket.eof":
                            self.test.assertEqual(p["offset"], offset, n)
                            complete = offset == len(data)
                            self.test.assertTrue(complete, "eof at %d of %d" % (offset, len(data)))
                            break
                        elif n["method"] == "socket.error":
                            if self.transient:
                                raise AssertionError("socket.error under transient faults: %r"
                                                     % n)
                            offset = None
                except Closed:
                    pass
            peer.wait("subscribe")
            self.finish("subscribe", complete)
        finally:
            peer.close()

    def attach(self, size=MIB // 2):
        """socket.attach: data both ways at once, each a prefix, whole when
        the pipe lasts to both ends."""
        up, down = self.data(size), self.data(size)
        peer = Peer()
        c = None
        try:
            c = Conn(self)
            try:
                h = self.create(c, scope="daemon")
                if h is None:
                    return self.finish("attach", False)
                if c.call("socket.connect", {"handle": h, "address": peer.address}) is None:
                    c.call("socket.close", {"handle": h})
                    return self.finish("attach", False)
                peer.accept()
                if "error" in c.wait(c.request("socket.attach", {"handle": h})):
                    c.call("socket.close", {"handle": h})
                    return self.finish("attach", False)
            except Closed:
                return self.finish("attach", False)
            raw = c.sock
            got_down = bytearray(c.rbuf)
            errors = []

            def client_up():
                try:
                    raw.sendall(up)
                    raw.shutdown(socket.SHUT_WR)
                except OSError as e:
                    errors.append(e)

            def client_down():
                try:
                    while chunk := raw.recv(1 << 16):
                        got_down.extend(chunk)
                except TimeoutError:
                    errors.append(AssertionError("attach: no byte for %.0fs (a hang)"
                                                 % REPLY_TIMEOUT))
                except OSError as e:
                    errors.append(e)
            threads = [threading.Thread(target=f, daemon=True) for f in (client_up, client_down)]
            for t in threads:
                t.start()
            peer.pump(down)
            peer_up = peer.thread
            peer.drain()
            for t in threads + [peer_up]:
                t.join(REPLY_TIMEOUT * 3)
                if t.is_alive():
                    raise AssertionError("attach: still moving after %.0fs (a hang)"
                                         % (REPLY_TIMEOUT * 3))
            peer.wait("attach")
            for e in errors:
                if isinstance(e, AssertionError):
                    raise e
            got_up = bytes(peer.got)
            self.test.assertEqual(got_up, up[:len(got_up)], "attach: upstream bytes differ")
            self.test.assertEqual(bytes(got_down), down[:len(got_down)],
                                  "attach: downstream bytes differ")
            complete = got_up == up and bytes(got_down) == down
            c.close()
            if not complete:   # a pipe cut short: the handle may be kept
                self.retry("close the attached handle",
                           lambda c2: c2.wait(c2.request("socket.close", {"handle": h})) and True)
            self.finish("attach", complete)
        finally:
            if c is not None:
                c.close()
            peer.close()

    def udp(self, count=40):
        """Datagrams each way: the peer gets exactly those answered with
        success, in order; socket.receive gets each sent, in order."""
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.bind(("127.0.0.1", 0))
        peer.settimeout(REPLY_TIMEOUT)
        try:
            with Conn(self) as c:
                try:
                    h = self.create(c, "dgram")
                    if h is None:
                        return self.finish("udp", False)
                    a = c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})
                    to = "127.0.0.1:%d" % peer.getsockname()[1]
                    if a is None or c.call("socket.connect", {"handle": h, "address": to}) is None:
                        return self.finish("udp", False)
                    ok = []
                    for i in range(count):
                        dg = b"%d:" % i + self.data(self.rng.randrange(1, 1400))
                        if c.call("socket.send", {"handle": h,
                                                  "data": harness.b64(dg)}) is not None:
                            ok.append(dg)
                    while c.call("socket.send", {"handle": h, "data": harness.b64(b"end")}) is None:
                        pass
                    got = []
                    while (dg := peer.recv(2048)) != b"end":
                        got.append(dg)
                    self.test.assertEqual(got, ok, "udp: the peer's datagrams differ")
                    peer.connect((a["address"]["address"], a["address"]["port"]))
                    sent = [b"%d;" % i + self.data(self.rng.randrange(1, 1400))
                            for i in range(count)]
                    for dg in sent:
                        peer.send(dg)
                    for dg in sent:
                        r = None
                        while r is None:
                            r = c.call("socket.receive", {"handle": h, "length": 2048})
                        self.test.assertEqual(harness.unb64(r["data"]), dg,
                                              "udp: a datagram received differs")
                    self.finish("udp", True)
                except Closed:
                    self.finish("udp", False)
        finally:
            peer.close()

    def accepts(self, count=16):
        """tcp.accept of connections from Python: each accepted once, or
        closed by the daemon (a failure after accept(2) closes it)."""
        def dropped(sock):
            sock.setblocking(False)     # a socket with a timeout polls first
            try:
                return sock.recv(1, socket.MSG_PEEK) == b""
            except BlockingIOError:
                return False
            except OSError:
                return True
            finally:
                sock.settimeout(REPLY_TIMEOUT)

        def run(c):
            r = c.call("tcp.listen", {"port": 0, "host": "127.0.0.1", "backlog": count})
            if r is None:
                return False
            lst, port = r["handle"], r["address"]["port"]
            clients = {}
            try:
                for _ in range(count):
                    s = socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT)
                    clients[s.getsockname()[1]] = s
                seen, lost = set(), set()
                for _ in range(count * 20):
                    lost |= {p for p, s in clients.items() if p not in seen and dropped(s)}
                    if len(seen | lost) == count:
                        break
                    r = c.call("tcp.accept", {"handle": lst, "timeout": 2000})
                    if r is not None:
                        self.test.assertIn(r["peer"]["port"], clients, r)
                        self.test.assertNotIn(r["peer"]["port"], seen | lost, r)
                        seen.add(r["peer"]["port"])
                        c.call("socket.close", {"handle": r["handle"]})
                self.test.assertEqual(seen | lost, set(clients), "accept: connections left")
                if self.transient:
                    self.test.assertEqual(lost, set(), "connections dropped")
                c.call("socket.close", {"handle": lst})
                return not lost
            finally:
                for s in clients.values():
                    s.close()
        self.finish("accept", self.retry("accepts", run, attempts=3))

    def churn(self, count=30):
        """Control connections opened, pinged and closed."""
        for _ in range(count):
            self.retry("ping", lambda c: c.call("daemon.ping") == {"pong": True})

    def settle(self):
        """Close what is left; then no connection but this one, no handle."""
        def tidy(c):
            for s in (c.call("socket.list") or {"sockets": []})["sockets"]:
                c.call("socket.close", {"handle": s["handle"]})
            st = c.call("daemon.stats")
            return st is not None and st["connections"] == 1 and st["handles"] == 0
        end = time.monotonic() + REPLY_TIMEOUT
        while not self.retry("stats", tidy, attempts=5):
            if time.monotonic() > end:
                with Conn(self) as c:
                    raise AssertionError("connections or handles left: %r %r" % (
                        c.call("daemon.stats"), c.call("socket.list")))
            time.sleep(0.01)  # poll interval: closed connections are reaped by the loop


class FaultDaemon(harness.Daemon):
    """harness.Daemon whose readiness poll takes an error reply or a closed
    connection as "not yet"."""

    READY_DEADLINE = harness.READY_DEADLINE

    def wait_ready(self):
        deadline = time.monotonic() + self.READY_DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("sock6d exited with %d:\n%s" % (self.proc.returncode,
                                                                  self.read_log()[-5000:]))
            try:
                with harness.Client(self.path, timeout=1.0) as c:
                    if c.call("daemon.ping") == {"pong": True}:
                        return
            except (OSError, EOFError, harness.RpcError):
                pass
            time.sleep(0.01)  # poll interval, not a readiness guess
        raise RuntimeError("sock6d not ready after %.0fs" % self.READY_DEADLINE)


class ValgrindDaemon(FaultDaemon):
    """A daemon under valgrind, which starts many times slower."""

    READY_DEADLINE = 120.0

    def stop(self, sig=signal.SIGTERM):
        """Give its leak check the time it needs before harness.Daemon.stop."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                pass
        return super().stop(sig)


# (name, SOCK6D_FAULTS, transient)
SCENARIOS = [
    ("none", "seed=7,all=0", True),
    ("transient_io", "seed=11,transient=1,read=0.2,write=0.2,accept=0.3,splice=0.2,short=0.5",
     True),
    ("transient_short", "seed=12,transient=1,all=0.05,short=0.9", True),
    ("alloc", "seed=21,alloc=0.02", False),
    ("mixed", "seed=31,all=0.02,short=0.3", False),
    ("mixed_heavy", "seed=42,all=0.06,short=0.5", False),
    ("descriptors", "seed=51,accept=0.3,socket=0.2,short=0.2", False),
]


class FaultTest(unittest.TestCase):
    """One daemon per scenario, the whole workload against it."""

    @classmethod
    def setUpClass(cls):
        why = fault_build()
        if why:
            raise unittest.SkipTest(why)
        cls.asan = has_asan()

    def start(self, spec, wrap=(), cls=FaultDaemon):
        env = ["env", "SOCK6D_FAULTS=" + spec]
        if self.asan:
            env.append("ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23")
        d = cls(wrap=tuple(env) + tuple(wrap))
        self.addCleanup(shutil.rmtree, d.dir, True)
        self.addCleanup(d.stop)
        return d

    def stop(self, d, spec):
        """Stop the daemon: status 0, no sanitizer report; the fault counts."""
        code = d.stop()
        log = d.read_log()
        m = SANITIZER.search(log)
        if m is not None:
            self.fail("sanitizer report:\n" + log[max(0, m.start() - 200):][:20000])
        self.assertEqual(code, 0, "sock6d exited with %d:\n%s" % (code, log[-20000:]))
        counts = FAULT_COUNTS.search(log)
        self.assertIsNotNone(counts, "no fault counts at exit:\n" + log[-5000:])
        parts = counts.group(2).split()
        return {parts[i]: tuple(map(int, parts[i + 1].split("/"))) for i in range(0, len(parts), 2)}

    def workload(self, run):
        run.rpc_mix()
        run.churn()
        run.send_all()
        run.receive()
        run.subscribe()
        run.attach()
        run.udp()
        run.accepts()
        run.settle()

    def scenario(self, name, spec, transient):
        d = self.start(spec)
        seed = int(re.search(r"seed=(\d+)", spec).group(1))
        run = Run(self, d, seed, transient)
        try:
            self.workload(run)
        except BaseException:
            print("%s: %s\n---- daemon log ----\n%s" % (name, run.stats, d.read_log()[-20000:]))
            raise
        counts = self.stop(d, spec)
        print("%s (%s): %s\n  injected: %s" % (name, spec, run.stats, " ".join(
            "%s %d/%d" % (k, v[0], v[1]) for k, v in counts.items())))
        rates = dict(kv.split("=") for kv in spec.split(","))
        for kind, (hits, calls) in counts.items():
            rate = float(rates.get(kind, rates.get("all", 0) if kind != "short" else 0))
            if rate == 0:
                self.assertEqual(hits, 0, (kind, counts))
            elif calls * rate >= 20:
                self.assertGreater(hits, 0, "%s: no fault injected in %d calls" % (kind, calls))
        if float(rates.get("all", 1)) != 0:
            self.assertGreater(sum(h for h, _ in counts.values()), 0, counts)
        return run, counts

    def test_no_faults_all_complete(self):
        run, counts = self.scenario(*SCENARIOS[0])
        self.assertEqual(run.stats.closed, 0)
        self.assertEqual(run.stats.cut, {})
        self.assertEqual(sum(run.stats.done.values()), 6, run.stats)
        self.assertGreater(counts["alloc"][1], 0, "the calls are counted even at rate 0")

    def test_bad_setting_is_refused(self):
        for spec, bad in (("seed=1,read=2", "read=2"), ("bogus=0.1", "bogus=0.1"),
                          ("read", "read"), ("seed=x", "seed=x"), ("transient=2", "transient=2")):
            p = subprocess.run([harness.SOCK6D, "--version"], capture_output=True, timeout=30,
                               env=dict(os.environ, SOCK6D_FAULTS=spec))
            self.assertEqual(p.returncode, 2, (spec, p))
            self.assertIn(("bad setting '%s'" % bad).encode(), p.stderr)

    def test_valgrind_no_leak(self):
        """One faulted run under valgrind: no definite leak, no error."""
        if self.asan:
            self.skipTest("sock6d is built with ASan (its leak check runs instead)")
        if shutil.which("valgrind") is None:
            self.skipTest("valgrind is not installed")
        spec = "seed=61,all=0.03,short=0.3"
        d = self.start(spec, wrap=("valgrind", "-q", "--leak-check=full",
                                   "--errors-for-leak-kinds=definite", "--error-exitcode=99"),
                       cls=ValgrindDaemon)
        run = Run(self, d, 61, False)
        run.rpc_mix()
        run.send_all(128 * 1024)
        run.receive(128 * 1024)
        run.subscribe(128 * 1024)
        run.attach(64 * 1024)
        run.udp(10)
        run.settle()
        self.stop(d, spec)


def _scenario_test(scenario):
    return lambda self: self.scenario(*scenario)


for _s in SCENARIOS[1:]:        # test_transient_io, test_alloc, ...: one per scenario
    setattr(FaultTest, "test_" + _s[0], _scenario_test(_s))

if __name__ == "__main__":
    harness.main()
