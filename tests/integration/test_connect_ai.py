"""test_connect_ai.py: socket.connect_ai, the egg's socket-connect/ai.

Fallback over [refused, listening], the last error of an all-failed list, a
fatal error stopping at once, timeouts moving on, the empty list, losing
sockets closed (handles and the daemon's sockets counted), happy eyeballs
(a refused or silent IPv6 address beaten by IPv4, a race with one winner,
families interleaved), the quota, strict checking of every list element, a
caller that hangs up mid-race, the bound on the list (64 addresses), and a
list whose every attempt fails at once going on a few attempts per loop
turn, other requests answered in between.  Numeric loopback addresses only;
a silent address is a listener whose accept queue is full (its SYNs are
dropped).  The UNIX guard (the service manager's sockets) is tested in
test_service.py.

The helpers at the top are shared with test_tcp.py.
"""

import os
import socket
import time
import unittest

import harness


def wait_until(pred, deadline=5.0):
    """Poll pred() until it is true or the deadline passes (never a fixed sleep)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.005)
    return pred()


def closed_port(family=socket.AF_INET):
    """A socket bound to a loopback port but not listening: connects to
    "addr:port" are refused for as long as it is open."""
    s = socket.socket(family, socket.SOCK_STREAM)
    s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
    return s


def addr_of(s):
    """The "host:port" string of a python socket's local address."""
    host, port = s.getsockname()[:2]
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


class Silent:
    """A listener whose accept queue is full: further SYNs to it are dropped,
    so a connect to it stays in progress until its timeout."""

    def __init__(self, family=socket.AF_INET):
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        self.listener.listen(0)
        self.fillers = []
        for _ in range(4):
            f = socket.socket(family, socket.SOCK_STREAM)
            f.setblocking(False)
            f.connect_ex(self.listener.getsockname()[:2])
            self.fillers.append(f)
        self.addr = addr_of(self.listener)

    def close(self):
        for f in self.fillers:
            f.close()
        self.listener.close()


class Listening:
    """A plain loopback listener."""

    def __init__(self, family=socket.AF_INET):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(5.0)
        self.addr = addr_of(self.sock)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


class NetCase(harness.DaemonTest):
    """Shared checks: the caller's handles and the daemon's sockets."""

    def setUp(self):
        super().setUp()
        self.cleanup = []

    def tearDown(self):
        for obj in reversed(self.cleanup):
            obj.close()
        super().tearDown()

    def keep(self, obj):
        self.cleanup.append(obj)
        return obj

    def handles(self, client=None):
        return {s["handle"] for s in (client or self.c).call("socket.list")["sockets"]}

    def net_sockets(self):
        """The daemon's sockets other than UNIX ones (so not its control
        connections, which come and go with the test clients)."""
        with open("/proc/net/unix") as f:
            unix = {"socket:[%s]" % line.split()[6] for line in list(f)[1:]}
        d = "/proc/%d/fd" % self.daemon.proc.pid
        links = []
        for fd in os.listdir(d):
            try:
                links.append(os.readlink(os.path.join(d, fd)))
            except OSError:
                pass
        return [l for l in links if l.startswith("socket:") and l not in unix]

    def daemon_sockets(self):
        return len(self.net_sockets())

    def assertFdsBack(self, before, extra=0):
        """The daemon holds `extra` more sockets than before (losers closed)."""
        self.assertTrue(wait_until(lambda: self.daemon_sockets() == before + extra),
                        "daemon sockets %d, expected %d"
                        % (self.daemon_sockets(), before + extra))

    def assertRefused(self, err):
        self.assertError(err, 1001, errname="ECONNREFUSED")
        self.assertEqual(err["message"], "cannot initiate connection - Connection refused")
        self.assertEqual(err["data"]["syscall"], "connect")
        self.assertEqual(err["data"]["kind"], ["exn", "i/o", "net", "transient"])

    def close_handle(self, h):
        self.c.call("socket.close", {"handle": h})


def need_v6(test):
    return unittest.skipUnless(harness.has_ipv6_loopback(), "no ::1")(test)


class ConnectAiTest(NetCase):

    def connect_ai(self, addresses, **kw):
        params = {"addresses": addresses}
        params.update(kw)
        return self.c.call("socket.connect_ai", params)

    def connect_ai_error(self, addresses, **kw):
        params = {"addresses": addresses}
        params.update(kw)
        return self.c.error("socket.connect_ai", params)

    # -- the egg's rules ---------------------------------------------------

    def test_refused_then_listening_connects_to_second(self):
        refused = self.keep(closed_port())
        good = self.keep(Listening())
        before, fds = self.handles(), self.daemon_sockets()
        r = self.connect_ai([addr_of(refused), good.addr])
        self.assertEqual(set(r), {"handle", "peer"})
        self.assertEqual(r["peer"]["string"], good.addr)
        self.assertEqual(self.c.call("socket.peer_name", {"handle": r["handle"]})["address"],
                         r["peer"])
        # only the winner is left: one new handle, one new descriptor
        self.assertEqual(self.handles() - before, {r["handle"]})
        self.assertFdsBack(fds, 1)
        info = self.c.call("socket.info", {"handle": r["handle"]})
        self.assertEqual((info["family"], info["type"], info["protocol"], info["state"]),
                         ("inet", "stream", 0, "connected"))
        self.assertEqual(info["scope"], "daemon")
        # the connection is real
        peer, _ = good.sock.accept()
        self.keep(peer)
        self.c.call("socket.send", {"handle": r["handle"], "text": "hi"})
        self.assertEqual(peer.recv(2), b"hi")
        self.close_handle(r["handle"])

    def test_all_refused_reports_the_error(self):
        a, b = self.keep(closed_port()), self.keep(closed_port())
        before, fds = self.handles(), self.daemon_sockets()
        self.assertRefused(self.connect_ai_error([addr_of(a), addr_of(b)]))
        self.assertEqual(self.handles(), before)
        self.assertFdsBack(fds)

    def test_last_error_is_reported_unchanged(self):
        silent, refused = self.keep(Silent()), self.keep(closed_port())
        # [timeout, refused]: the refusal is last
        self.assertRefused(self.connect_ai_error([silent.addr, addr_of(refused)], timeout=200))
        # [refused, timeout]: the timeout is last
        start = time.monotonic()
        err = self.connect_ai_error([addr_of(refused), silent.addr], timeout=200)
        self.assertError(err, 1002)
        self.assertEqual(err["message"], "operation timed out")
        self.assertEqual(err["data"]["kind"], ["exn", "i/o", "net", "timeout"])
        self.assertGreaterEqual(time.monotonic() - start, 0.19)

    def test_timeout_moves_on(self):
        silent, good = self.keep(Silent()), self.keep(Listening())
        start = time.monotonic()
        r = self.connect_ai([silent.addr, silent.addr, good.addr], timeout=150)
        self.assertEqual(r["peer"]["string"], good.addr)
        self.assertGreaterEqual(time.monotonic() - start, 0.29)
        self.close_handle(r["handle"])

    def test_session_connect_timeout_applies(self):
        silent = self.keep(Silent())
        self.c.call("session.set", {"connect_timeout": 150})
        start = time.monotonic()
        self.assertError(self.connect_ai_error([silent.addr]), 1002)
        self.assertGreaterEqual(time.monotonic() - start, 0.14)
        # an explicit timeout wins over the session's
        self.assertError(self.connect_ai_error([silent.addr], timeout=0), 1002)

    def test_fatal_error_stops_at_once(self):
        good = self.keep(Listening())
        missing = os.path.join(self.tmp, "nobody-listens-here")
        before, fds = self.handles(), self.daemon_sockets()
        err = self.connect_ai_error([missing, good.addr])
        self.assertError(err, 1000, errname="ENOENT")
        self.assertEqual(err["message"], "cannot initiate connection - No such file or directory")
        self.assertEqual(err["data"]["syscall"], "connect")
        self.assertEqual(self.handles(), before)
        self.assertFdsBack(fds)
        # the good address was never tried
        good.sock.settimeout(0.2)
        self.assertRaises(socket.timeout, good.sock.accept)

    def test_empty_list(self):
        err = self.connect_ai_error([])
        self.assertError(err, 1000)
        self.assertEqual(err["message"], "no addresses to connect to")
        self.assertEqual(err["data"]["kind"], ["exn", "i/o", "net"])

    def test_addrinfo_from_address_information(self):
        good = self.keep(Listening())
        ais = self.c.call("net.address_information",
                          {"node": "127.0.0.1", "service": good.port})["addresses"]
        r = self.connect_ai(ais)
        self.assertEqual(r["peer"]["string"], good.addr)
        self.close_handle(r["handle"])
        # egg constant names and integers work as well
        r = self.connect_ai([{"family": "af/inet", "type": "sock/stream", "protocol": 6,
                              "address": {"family": "inet", "address": "127.0.0.1",
                                          "port": good.port}, "canonname": None}])
        self.assertEqual(r["peer"]["port"], good.port)
        self.close_handle(r["handle"])

    def test_dgram_addrinfo_gives_a_connected_udp_socket(self):
        u = self.keep(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
        u.bind(("127.0.0.1", 0))
        r = self.connect_ai([{"type": "dgram", "address": addr_of(u)}])
        info = self.c.call("socket.info", {"handle": r["handle"]})
        self.assertEqual((info["type"], info["state"]), ("dgram", "connected"))
        self.c.call("socket.send", {"handle": r["handle"], "text": "dgram"})
        u.settimeout(5)
        self.assertEqual(u.recv(10), b"dgram")
        self.close_handle(r["handle"])

    def test_unix_address(self):
        path = os.path.join(self.tmp, "l.sock")
        L = self.create("unix")
        self.c.call("socket.bind", {"handle": L, "address": path})
        self.c.call("socket.listen", {"handle": L})
        r = self.connect_ai([path])
        self.assertEqual(r["peer"]["path"], path)
        self.close_handle(r["handle"])
        self.close_handle(L)

    def test_scope_connection(self):
        good = self.keep(Listening())
        with self.daemon.client() as other:
            h = other.call("socket.connect_ai", {"addresses": [good.addr],
                                                  "scope": "connection"})["handle"]
            self.assertIn(h, self.handles())
        self.assertTrue(wait_until(lambda: h not in self.handles()))

    def test_other_calls_proceed_while_connecting(self):
        silent = self.keep(Silent())
        rid = self.c.request("socket.connect_ai", {"addresses": [silent.addr], "timeout": 500})
        self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
        with self.daemon.client() as other:
            self.assertEqual(other.call("daemon.ping"), {"pong": True})
        self.assertNotIn(rid, self.c.replies)
        self.assertEqual(self.c.wait(rid)["error"]["code"], 1002)

    # -- happy eyeballs ----------------------------------------------------

    @need_v6
    def test_happy_eyeballs_refused_v6_then_v4(self):
        refused6, good4 = self.keep(closed_port(socket.AF_INET6)), self.keep(Listening())
        r = self.connect_ai([addr_of(refused6), good4.addr], happy_eyeballs=True)
        self.assertEqual(r["peer"]["string"], good4.addr)
        self.close_handle(r["handle"])

    @need_v6
    def test_happy_eyeballs_beats_a_silent_v6(self):
        silent6, good4 = self.keep(Silent(socket.AF_INET6)), self.keep(Listening())
        before, fds = self.handles(), self.daemon_sockets()
        start = time.monotonic()
        r = self.connect_ai([silent6.addr, good4.addr], happy_eyeballs=True, timeout=None)
        elapsed = time.monotonic() - start
        self.assertEqual(r["peer"]["string"], good4.addr)
        self.assertGreaterEqual(elapsed, 0.24)      # the v4 attempt waited its turn
        self.assertLess(elapsed, 3.0)               # not the v6 attempt's fate
        self.assertEqual(self.handles() - before, {r["handle"]})
        self.assertFdsBack(fds, 1)                  # the pending v6 socket is closed
        self.close_handle(r["handle"])

    @need_v6
    def test_happy_eyeballs_race_has_one_winner(self):
        a, b = self.keep(Listening(socket.AF_INET6)), self.keep(Listening())
        for _ in range(5):
            before, fds = self.handles(), self.daemon_sockets()
            r = self.connect_ai([a.addr, b.addr], happy_eyeballs=True)
            self.assertIn(r["peer"]["string"], (a.addr, b.addr))
            self.assertEqual(self.handles() - before, {r["handle"]})
            self.assertFdsBack(fds, 1)
            self.close_handle(r["handle"])

    @need_v6
    def test_happy_eyeballs_interleaves_families(self):
        # [v4 silent, v4 silent, v4 silent, v6 good] is tried as
        # v4, v6, v4, v4: the v6 address gets its turn after one delay
        silent, good6 = self.keep(Silent()), self.keep(Listening(socket.AF_INET6))
        start = time.monotonic()
        r = self.connect_ai([silent.addr] * 3 + [good6.addr], happy_eyeballs=True)
        self.assertEqual(r["peer"]["string"], good6.addr)
        self.assertLess(time.monotonic() - start, 0.6)
        self.close_handle(r["handle"])

    def test_happy_eyeballs_failure_reports_an_error(self):
        a, b = self.keep(closed_port()), self.keep(closed_port())
        fds = self.daemon_sockets()
        self.assertRefused(self.connect_ai_error([addr_of(a), addr_of(b)], happy_eyeballs=True))
        self.assertFdsBack(fds)
        silent = self.keep(Silent())
        self.assertError(self.connect_ai_error([silent.addr, silent.addr], timeout=300,
                                               happy_eyeballs=True), 1002)
        self.assertFdsBack(fds)

    # -- a caller that goes away ---------------------------------------------

    def test_caller_gone_mid_connect(self):
        silent = self.keep(Silent())
        before, fds = self.handles(), self.daemon_sockets()
        gone = self.daemon.client()
        gone.request("socket.connect_ai", {"addresses": [silent.addr] * 3, "timeout": None,
                                           "happy_eyeballs": True})
        gone.request("socket.connect_ai", {"addresses": [silent.addr], "timeout": None})
        self.assertTrue(wait_until(lambda: self.daemon_sockets() >= fds + 3))
        gone.close()
        self.assertFdsBack(fds)
        self.assertEqual(self.handles(), before)
        self.assertAlive()

    # -- long lists ----------------------------------------------------------

    MAX_ADDRESSES = 64

    def nobody_listens(self, n):
        """n abstract UNIX names nobody listens on: each connect is refused
        at once (ECONNREFUSED), with no descriptor left behind."""
        return ["@sock6d-test-nobody-%d-%d" % (os.getpid(), i) for i in range(n)]

    def test_addresses_at_most_64(self):
        refused, good = self.keep(closed_port()), self.keep(Listening())
        before = self.handles()
        err = self.connect_ai_error([addr_of(refused)] * self.MAX_ADDRESSES + [good.addr])
        self.assertError(err, -32602, param="addresses")
        self.assertEqual(err["message"], "addresses must hold at most 64 elements")
        err = self.connect_ai_error(self.nobody_listens(1000), happy_eyeballs=True)
        self.assertError(err, -32602, param="addresses")
        self.assertEqual(self.handles(), before)
        # nothing was tried
        good.sock.settimeout(0.2)
        self.assertRaises(socket.timeout, good.sock.accept)
        good.sock.settimeout(5.0)
        # 64 is fine, the last one connecting after 63 refusals
        for happy in (False, True):
            with self.subTest(happy_eyeballs=happy):
                fds = self.daemon_sockets()
                r = self.connect_ai([addr_of(refused)] * (self.MAX_ADDRESSES - 1) + [good.addr],
                                    happy_eyeballs=happy)
                self.assertEqual(r["peer"]["string"], good.addr)
                self.assertEqual(self.handles() - before, {r["handle"]})
                self.assertFdsBack(fds, 1)
                self.close_handle(r["handle"])
        discover = self.c.call("rpc.discover")
        method = [m for m in discover["methods"] if m["name"] == "socket.connect_ai"][0]
        param = [p for p in method["params"] if p["name"] == "addresses"][0]
        self.assertIn("at most 64", param["description"])

    def test_failing_list_goes_on_between_other_requests(self):
        """64 addresses refused at once: the call does not run to its end in
        the callback that received it.  The ping sent right behind it, in
        the same write, is answered first; then the last refusal."""
        for happy in (False, True):
            with self.subTest(happy_eyeballs=happy):
                self.c.send_raw(harness.request_line(
                    "socket.connect_ai", {"addresses": self.nobody_listens(self.MAX_ADDRESSES),
                                          "happy_eyeballs": happy}, id="ai")
                    + harness.request_line("daemon.ping", {}, id="ping"))
                first = self.c.read_message()
                self.assertEqual(first, {"jsonrpc": "2.0", "id": "ping",
                                         "result": {"pong": True}})
                reply = self.c.wait("ai")
                self.assertRefused(reply["error"])

    def test_others_served_during_failing_lists(self):
        """Connections pipelining lists of 64 addresses that all fail at
        once, while another connection's pings are answered promptly (the
        bound is generous: a loaded machine must not make it flaky)."""
        senders, per_sender = 4, 25
        clients = [self.daemon.client() for _ in range(senders)]
        for c in clients:
            self.addCleanup(c.close)
            c.send_raw(b"".join(harness.request_line(
                "socket.connect_ai", {"addresses": self.nobody_listens(self.MAX_ADDRESSES),
                                      "happy_eyeballs": i % 2 == 1}, id=i)
                for i in range(per_sender)))
        worst = 0.0
        with self.daemon.client() as pinger:
            for _ in range(20):
                t = time.monotonic()
                self.assertEqual(pinger.call("daemon.ping"), {"pong": True})
                worst = max(worst, time.monotonic() - t)
        self.assertLess(worst, 2.0 * harness.TIME_FACTOR)
        for c in clients:
            for i in range(per_sender):
                self.assertRefused(c.wait(i)["error"])

    def test_caller_gone_mid_list(self):
        """A caller that hangs up while its list goes on turn by turn: the
        rest is never tried, nothing is left."""
        before, fds = self.handles(), self.daemon_sockets()
        for happy in (False, True):
            gone = self.daemon.client()
            gone.send_raw(b"".join(harness.request_line(
                "socket.connect_ai", {"addresses": self.nobody_listens(self.MAX_ADDRESSES),
                                      "happy_eyeballs": happy}, id=i) for i in range(8)))
            gone.close()
        self.assertAlive()
        self.assertEqual(self.handles(), before)
        self.assertFdsBack(fds)

    # -- bad input -----------------------------------------------------------

    def test_bad_params(self):
        bad = [
            ({}, "addresses"),
            ({"addresses": "127.0.0.1:1"}, "addresses"),
            ({"addresses": None}, "addresses"),
            ({"addresses": [3]}, "addresses"),
            ({"addresses": [None]}, "addresses"),
            ({"addresses": [["127.0.0.1:1"]]}, "addresses"),
            ({"addresses": ["localhost:80"]}, "addresses"),
            ({"addresses": ["127.0.0.1:65536"]}, "addresses"),
            ({"addresses": ["relative/path"]}, "addresses"),
            ({"addresses": [{"type": "raw", "address": "127.0.0.1:1"}]}, "addresses"),
            ({"addresses": [{"type": "seqpacket", "address": "127.0.0.1:1"}]}, "addresses"),
            ({"addresses": [{"type": "bogus", "address": "127.0.0.1:1"}]}, "addresses"),
            ({"addresses": [{"type": "stream"}]}, "addresses"),
            ({"addresses": [{"type": "stream", "address": "127.0.0.1:1", "port": 1}]},
             "addresses"),
            ({"addresses": [{"type": "stream", "family": "inet6",
                             "address": "127.0.0.1:1"}]}, "addresses"),
            ({"addresses": [{"type": "stream", "address": "127.0.0.1:1",
                             "canonname": 5}]}, "addresses"),
            ({"addresses": [{"family": "inet", "address": "127.0.0.1", "port": "x"}]},
             "addresses"),
            ({"addresses": ["127.0.0.1:1", 7]}, "addresses"),
            ({"addresses": [], "timeout": -1}, "timeout"),
            ({"addresses": [], "timeout": "1"}, "timeout"),
            ({"addresses": [], "scope": "forever"}, "scope"),
            ({"addresses": [], "happy_eyeballs": 1}, "happy_eyeballs"),
            ({"addresses": [], "bogus": 1}, "bogus"),
        ]
        before = self.handles()
        for params, param in bad:
            with self.subTest(params=params):
                self.assertError(self.c.error("socket.connect_ai", params), -32602, param=param)
        err = self.c.error("socket.connect_ai", {"addresses": ["127.0.0.1:1", 7]})
        self.assertEqual(err["message"], "addresses[1]: not a socket address")
        err = self.c.error("socket.connect_ai", {"addresses": [{"type": "raw",
                                                                "address": "127.0.0.1:1"}]})
        self.assertEqual(err["message"], "addresses[0]: type must be stream or dgram")
        self.assertEqual(self.handles(), before)
        self.assertAlive()


class QuotaTest(NetCase):
    DAEMON_ARGS = ("--limit", "handles_per_user=1")

    def test_attempts_in_flight_count_as_handles(self):
        """A connect attempt holds a descriptor: it counts in the quota while
        in flight, so a race of many addresses (or many races) cannot hold
        descriptors past the user's share.  The second attempt of a race
        finds no room and ends it with 1012; a second race while one is in
        flight is refused at once."""
        silent = self.keep(Silent())
        before = self.net_sockets()
        first = self.c.request("socket.connect_ai", {"addresses": [silent.addr] * 4,
                                                     "happy_eyeballs": True,
                                                     "timeout": 20000})
        with self.daemon.client() as other:
            err = other.error("socket.connect_ai", {"addresses": [silent.addr],
                                                    "timeout": 20000})
            self.assertError(err, 1012)
            self.assertEqual(err["data"]["limit"], "handles_per_user")
        t = time.monotonic()
        reply = self.c.wait(first)
        self.assertIn("error", reply, reply)
        self.assertError(reply["error"], 1012)
        self.assertEqual(reply["error"]["data"]["limit"], "handles_per_user")
        self.assertLess(time.monotonic() - t, 10 * harness.TIME_FACTOR)
        self.assertEqual(self.net_sockets(), before)
        # The quota is whole again.
        good = self.keep(Listening())
        self.close_handle(self.c.call("socket.connect_ai", {"addresses": [good.addr]})["handle"])

    def test_quota_checked_before_connecting(self):
        good = self.keep(Listening())
        h = self.create()
        err = self.c.error("socket.connect_ai", {"addresses": [good.addr]})
        self.assertError(err, 1012)
        self.assertEqual(err["data"]["limit"], "handles_per_user")
        good.sock.settimeout(0.2)
        self.assertRaises(socket.timeout, good.sock.accept)
        self.close_handle(h)
        r = self.c.call("socket.connect_ai", {"addresses": [good.addr]})
        self.close_handle(r["handle"])


if __name__ == "__main__":
    harness.main()
