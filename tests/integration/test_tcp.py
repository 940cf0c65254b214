"""test_tcp.py: the tcp6 egg's surface, tcp.*.

tcp.listen (the null host's IPv4 listener, dual stack and bind_ipv6_only,
SO_REUSEADDR, EADDRINUSE), tcp.accept and accept_ready with timeouts,
tcp.connect (host:port parsing, an explicit port taken literally, service
names, refusals and timeouts, a caller that hangs up during the connect or
the lookup, a name nobody has), tcp.addresses, tcp.port_numbers,
tcp.listener_port, and the egg's client/server hello demo.  Numeric loopback
addresses only, but for names in *.test, which only a loopback resolver of
the tests is ever asked.
"""

import os
import time
import unittest

import harness
import test_connect_ai as cai
import test_resolve


class TcpTest(cai.NetCase):

    def listen(self, port=0, host="127.0.0.1", client=None, **kw):
        """tcp.listen: (handle, port)."""
        params = {"port": port, "host": host}
        params.update(kw)
        r = (client or self.c).call("tcp.listen", params)
        self.assertEqual(set(r), {"handle", "address"})
        return r["handle"], r["address"]["port"]

    def pair(self, listener, target):
        """A pending tcp.accept on listener completed by tcp.connect(target) from a
        second control connection: (accept result, connect result)."""
        aid = self.c.request("tcp.accept", {"handle": listener})
        with self.daemon.client() as c2:
            conn = c2.call("tcp.connect", {"host": target})
        return self.c.result(aid), conn

    def read_line(self, h):
        line = b""
        while not line.endswith(b"\n"):
            r = self.c.call("socket.receive", {"handle": h, "length": 100})
            self.assertFalse(r["eof"])
            line += harness.unb64(r["data"])
        return line.decode()

    def addresses(self, h):
        return self.c.call("tcp.addresses", {"handle": h})

    def port_numbers(self, h):
        return self.c.call("tcp.port_numbers", {"handle": h})

    def close_all(self, *handles):
        for h in handles:
            self.close_handle(h)

    # -- the egg's demo ------------------------------------------------------

    def test_hello_demo(self):
        L, P = self.listen()
        self.assertEqual(self.c.call("tcp.listener_port", {"handle": L}), {"port": P})
        acc, conn = self.pair(L, "127.0.0.1:%d" % P)
        S, C = acc["handle"], conn["handle"]
        self.assertEqual(set(acc), {"handle", "local", "peer"})
        self.assertEqual(set(conn), {"handle", "local", "peer"})
        self.assertEqual(conn["peer"]["string"], "127.0.0.1:%d" % P)
        self.assertEqual(acc["peer"], conn["local"])
        self.assertEqual(acc["local"], conn["peer"])
        # client says hello, the server reads a line, says hello back
        self.c.call("socket.send", {"handle": C, "text": "Client says hello!\n"})
        self.assertEqual(self.read_line(S), "Client says hello!\n")
        self.c.call("socket.send", {"handle": S, "text": "Server says hello at %s!\n"
                                    % time.ctime()})
        self.assertRegex(self.read_line(C), r"^Server says hello at .*!\n$")
        # ** Connect from [remote]:rport to [local]:lport
        cport = conn["local"]["port"]
        self.assertEqual(self.addresses(S), {"local": "127.0.0.1", "remote": "127.0.0.1"})
        self.assertEqual(self.port_numbers(S), {"local": P, "remote": cport})
        self.assertEqual(self.addresses(C), {"local": "127.0.0.1", "remote": "127.0.0.1"})
        self.assertEqual(self.port_numbers(C), {"local": cport, "remote": P})
        # the server closes: the client reads end of file
        self.close_all(S)
        r = self.c.call("socket.receive", {"handle": C, "length": 10})
        self.assertEqual((r["bytes"], r["eof"]), (0, True))
        self.close_all(C, L)

    @cai.need_v6
    def test_hello_demo_v6(self):
        L, P = self.listen(host="::1")
        acc, conn = self.pair(L, "[::1]:%d" % P)
        self.assertEqual(conn["peer"]["string"], "[::1]:%d" % P)
        self.assertEqual(self.addresses(acc["handle"]), {"local": "::1", "remote": "::1"})
        self.assertEqual(self.port_numbers(conn["handle"]),
                         {"local": acc["peer"]["port"], "remote": P})
        self.close_all(acc["handle"], conn["handle"], L)

    # -- tcp.listen ------------------------------------------------------------

    def test_null_host_listens_on_ipv4(self):
        for v6only in (False, True):
            self.c.call("session.set", {"bind_ipv6_only": v6only})
            r = self.c.call("tcp.listen", {"port": 0})
            L, P = r["handle"], r["address"]["port"]
            self.assertEqual(r["address"]["string"], "0.0.0.0:%d" % P)
            self.assertEqual(self.c.call("tcp.addresses", {"handle": L}),
                             {"local": "0.0.0.0", "remote": None})
            self.assertEqual(self.c.call("tcp.port_numbers", {"handle": L}),
                             {"local": P, "remote": None})
            if harness.has_ipv6_loopback():
                self.assertRefused(self.c.error("tcp.connect", {"host": "[::1]:%d" % P}))
            C = self.c.call("tcp.connect", {"host": "127.0.0.1", "port": P})["handle"]
            self.close_all(C, L)

    @cai.need_v6
    def test_dual_stack_listener_sees_mapped_v4_client(self):
        self.assertFalse(self.c.call("session.get")["bind_ipv6_only"])
        L, P = self.listen(host="::")
        acc, conn = self.pair(L, "127.0.0.1:%d" % P)
        S = acc["handle"]
        self.assertEqual(self.addresses(S), {"local": "::ffff:127.0.0.1",
                                             "remote": "::ffff:127.0.0.1"})
        self.assertEqual(self.port_numbers(S), {"local": P, "remote": conn["local"]["port"]})
        self.assertEqual(acc["peer"]["family"], "inet6")
        self.close_all(S, conn["handle"], L)

    @cai.need_v6
    def test_bind_ipv6_only_refuses_v4_clients(self):
        self.c.call("session.set", {"bind_ipv6_only": True})
        L, P = self.listen(host="::")
        self.assertRefused(self.c.error("tcp.connect", {"host": "127.0.0.1:%d" % P}))
        acc, conn = self.pair(L, "[::1]:%d" % P)
        self.close_all(acc["handle"], conn["handle"], L)

    def test_listen_twice_on_a_port(self):
        L, P = self.listen()
        before, fds = self.handles(), self.daemon_sockets()
        err = self.c.error("tcp.listen", {"port": P, "host": "127.0.0.1"})
        self.assertError(err, 1000, errname="EADDRINUSE")
        self.assertEqual(err["message"], "cannot bind to socket - Address already in use")
        self.assertEqual(err["data"]["syscall"], "bind")
        self.assertEqual(self.handles(), before)
        self.assertFdsBack(fds)
        self.close_all(L)

    def test_relisten_after_close_with_time_wait(self):
        L, P = self.listen()
        acc, conn = self.pair(L, "127.0.0.1:%d" % P)
        # the server closes first: its end of the connection is in TIME_WAIT
        self.close_all(acc["handle"])
        r = self.c.call("socket.receive", {"handle": conn["handle"], "length": 1})
        self.assertTrue(r["eof"])
        self.close_all(conn["handle"], L)
        L2, P2 = self.listen(port=P)
        self.assertEqual(P2, P)
        self.close_all(L2)

    def test_listen_service_and_backlog(self):
        L, P = self.listen(port="0", backlog=0)
        self.assertGreater(P, 0)
        self.close_all(L)
        err = self.c.error("tcp.listen", {"port": "nosuchservice"})
        self.assertError(err, 1004)
        self.assertEqual(err["data"]["gai_name"], "EAI_SERVICE")
        err = self.c.error("tcp.listen", {"port": 0, "host": "[::1]"})
        self.assertError(err, 1000)
        self.assertEqual(err["message"], "node or service lookup failed")

    def test_listen_scope_connection_and_accepted_scope(self):
        with self.daemon.client() as other:
            L, P = self.listen(client=other, scope="connection")
            aid = other.request("tcp.accept", {"handle": L})
            C = self.c.call("tcp.connect", {"host": "127.0.0.1:%d" % P})["handle"]
            S = other.result(aid)["handle"]
            info = other.call("socket.info", {"handle": S})
            self.assertEqual(info["scope"], "connection")
        self.assertTrue(cai.wait_until(lambda: not {L, S} & self.handles()))
        self.close_all(C)

    # -- tcp.accept --------------------------------------------------------------

    def test_accept_timeout_and_ready(self):
        L, P = self.listen()
        start = time.monotonic()
        err = self.c.error("tcp.accept", {"handle": L, "timeout": 100})
        self.assertError(err, 1002)
        self.assertGreaterEqual(time.monotonic() - start, 0.09)
        self.assertEqual(self.c.call("tcp.accept_ready", {"handle": L}), {"ready": False})
        self.c.call("session.set", {"accept_timeout": 50})
        self.assertError(self.c.error("tcp.accept", {"handle": L}), 1002)
        C = self.c.call("tcp.connect", {"host": "127.0.0.1:%d" % P})["handle"]
        self.assertTrue(cai.wait_until(
            lambda: self.c.call("tcp.accept_ready", {"handle": L})["ready"]))
        S = self.c.call("tcp.accept", {"handle": L})["handle"]
        self.close_all(S, C, L)

    def test_accept_on_a_socket_not_listening(self):
        h = self.create()
        err = self.c.error("tcp.accept", {"handle": h, "timeout": 0})
        self.assertError(err, 1000, errname="EINVAL")
        self.assertEqual(err["message"], "could not accept from listener - Invalid argument")
        self.close_all(h)

    # -- tcp.connect -------------------------------------------------------------

    def test_connect_forms(self):
        L, P = self.listen()
        forms = [{"host": "127.0.0.1:%d" % P}, {"host": "127.0.0.1", "port": P},
                 {"host": "127.0.0.1", "port": str(P)}, {"host": "127.0.0.1:%d" % P, "port": None}]
        if harness.has_ipv6_loopback():
            # no host is loopback: ::1 (refused here), then 127.0.0.1
            forms += [{"host": ":%d" % P}, {"host": "[]:%d" % P}]
        for params in forms:
            with self.subTest(params=params):
                r = self.c.call("tcp.connect", params)
                self.assertEqual(r["peer"]["port"], P)
                self.assertEqual(r["local"]["address"], r["peer"]["address"])
                self.assertEqual(self.port_numbers(r["handle"])["local"], r["local"]["port"])
                self.close_all(r["handle"])
                self.close_all(self.c.call("tcp.accept", {"handle": L})["handle"])
        self.close_all(L)

    def test_connect_no_port(self):
        for host in ("127.0.0.1", "::1", "localhost", "", "[::1]", "[::1]:", "host:",
                     ":", "::1:80", "a:b:c", "[::1]x:80", "[::1"):
            with self.subTest(host=host):
                err = self.c.error("tcp.connect", {"host": host})
                self.assertError(err, 1000)
                self.assertEqual(err["message"], "no port specified")

    def test_explicit_port_takes_host_literally(self):
        # Brackets make no valid host name: glibc answers EAI_NONAME after
        # /etc/hosts without sending a DNS query (the tripwire would say).
        L, P = self.listen()
        for host in ("[::1]", "[127.0.0.1]", "[::1]:%d" % P):
            with self.subTest(host=host):
                err = self.c.error("tcp.connect", {"host": host, "port": P})
                self.assertError(err, 1000)
                self.assertEqual(err["message"], "node and/or service lookup failed")
        self.close_all(L)

    def test_connect_service_names(self):
        # "http" is in /etc/services: the lookup gives port 80, whether or
        # not anything listens there
        reply = self.c.wait(self.c.request("tcp.connect", {"host": "127.0.0.1:http",
                                                           "timeout": 1000}))
        if "result" in reply:
            self.assertEqual(reply["result"]["peer"]["port"], 80)
            self.close_all(reply["result"]["handle"])
        else:
            self.assertIn(reply["error"]["code"], (1001, 1002), reply)
        err = self.c.error("tcp.connect", {"host": "127.0.0.1", "port": "nosuchservice"})
        self.assertError(err, 1004)
        self.assertEqual(err["data"]["gai_name"], "EAI_SERVICE")
        err = self.c.error("tcp.connect", {"host": "127.0.0.1:nosuchservice"})
        self.assertEqual(err["data"]["gai_name"], "EAI_SERVICE")

    def test_connect_refused_and_timeout(self):
        closed = self.keep(cai.closed_port())
        before, fds = self.handles(), self.daemon_sockets()
        self.assertRefused(self.c.error("tcp.connect", {"host": cai.addr_of(closed)}))
        silent = self.keep(cai.Silent())
        start = time.monotonic()
        err = self.c.error("tcp.connect", {"host": silent.addr, "timeout": 150})
        self.assertError(err, 1002)
        self.assertGreaterEqual(time.monotonic() - start, 0.14)
        self.c.call("session.set", {"connect_timeout": 100})
        self.assertError(self.c.error("tcp.connect", {"host": silent.addr}), 1002)
        self.assertEqual(self.handles(), before)
        self.assertFdsBack(fds)

    def test_connect_scope_and_happy_eyeballs(self):
        L, P = self.listen()
        with self.daemon.client() as other:
            h = other.call("tcp.connect", {"host": "127.0.0.1:%d" % P, "scope": "connection",
                                           "happy_eyeballs": True})["handle"]
            self.assertIn(h, self.handles())
        self.assertTrue(cai.wait_until(lambda: h not in self.handles()))
        self.close_all(L)

    def test_caller_gone_mid_connect(self):
        silent = self.keep(cai.Silent())
        before, fds = self.handles(), self.daemon_sockets()
        gone = self.daemon.client()
        gone.request("tcp.connect", {"host": silent.addr, "timeout": None})
        self.assertTrue(cai.wait_until(lambda: self.daemon_sockets() > fds))
        gone.close()
        self.assertFdsBack(fds)
        self.assertEqual(self.handles(), before)
        self.assertAlive()

    # -- the address readers and bad input ---------------------------------------

    def test_address_readers_need_a_tcp_socket(self):
        u = self.create("inet", "dgram")
        for m in ("tcp.addresses", "tcp.port_numbers", "tcp.listener_port"):
            with self.subTest(method=m):
                err = self.c.error(m, {"handle": u})
                self.assertError(err, -32602, param="handle")
                self.assertEqual(err["message"], "handle is not a TCP socket")
                self.assertError(self.c.error(m, {"handle": 999999}), 1010)
        fresh = self.create()
        self.assertEqual(self.addresses(fresh), {"local": None, "remote": None})
        self.assertEqual(self.c.call("tcp.listener_port", {"handle": fresh}), {"port": None})
        self.close_all(u, fresh)

    def test_bad_params(self):
        h = self.create()
        bad = [
            ("tcp.listen", {}, "port"),
            ("tcp.listen", {"port": -1}, "port"),
            ("tcp.listen", {"port": 65536}, "port"),
            ("tcp.listen", {"port": 1.5}, "port"),
            ("tcp.listen", {"port": None}, "port"),
            ("tcp.listen", {"port": 0, "backlog": "10"}, "backlog"),
            ("tcp.listen", {"port": 0, "backlog": -1}, "backlog"),
            ("tcp.listen", {"port": 0, "host": 5}, "host"),
            ("tcp.listen", {"port": 0, "scope": "x"}, "scope"),
            ("tcp.listen", {"port": 0, "hots": "x"}, "hots"),
            ("tcp.connect", {}, "host"),
            ("tcp.connect", {"host": 42}, "host"),
            ("tcp.connect", {"host": None, "port": 80}, "host"),
            ("tcp.connect", {"host": "127.0.0.1", "port": 65536}, "port"),
            ("tcp.connect", {"host": "127.0.0.1", "port": True}, "port"),
            ("tcp.connect", {"host": "127.0.0.1:1", "timeout": -5}, "timeout"),
            ("tcp.connect", {"host": "127.0.0.1:1", "happy_eyeballs": "yes"},
             "happy_eyeballs"),
            ("tcp.connect", {"host": "x" * 1025 + ":80"}, "host"),
            ("tcp.connect", {"host": "x" * 300 + ":80"}, "host"),      # too long to split
            ("tcp.accept", {}, "handle"),
            ("tcp.accept", {"handle": "1"}, "handle"),
            ("tcp.accept", {"handle": h, "timeout": 1.5}, "timeout"),
            ("tcp.accept_ready", {"handle": 0}, "handle"),
            ("tcp.addresses", {"handle": -1}, "handle"),
            ("tcp.port_numbers", {}, "handle"),
            ("tcp.listener_port", {"handle": None}, "handle"),
        ]
        before = self.handles()
        for method, params, param in bad:
            with self.subTest(method=method, params=params):
                self.assertError(self.c.error(method, params), -32602, param=param)
        for m in ("tcp.accept", "tcp.accept_ready", "tcp.addresses"):
            self.assertError(self.c.error(m, {"handle": 999999}), 1010)
        self.assertEqual(self.handles(), before)
        self.close_all(h)
        self.assertAlive()


class UnknownHostTest(harness.DaemonTest):
    """tcp.connect to a name nobody has (NXDOMAIN from the harness's loopback
    resolver; skipped without it): the egg's lookup failure, no handle left."""

    DNS_EXPECTED = ("*.test",)

    def test_unknown_host(self):
        for params in ({"host": "nosuch.test:80"},
                       {"host": "nosuch.test", "port": 80, "happy_eyeballs": True}):
            with self.subTest(params=params):
                err = self.c.error("tcp.connect", params)
                self.assertError(err, 1000)
                self.assertEqual(err["message"], "node and/or service lookup failed")
        self.assertIn("nosuch.test", {q.name for q in harness.dns_queries()})
        self.assertEqual(self.c.call("socket.list"), {"sockets": [], "next": None})


@unittest.skipUnless(test_resolve.can_make_netns(), "needs root and ip netns")
class HangingLookupTest(test_resolve.SilentResolverBase):
    """tcp.connect while its lookup hangs on a DNS server that never answers
    (the fixture of test_resolve.py's resolver tests)."""

    NS = "sock6d-tcp-%d" % os.getpid()
    LOOKUP_TIMEOUT = 2
    DAEMON_ARGS = ("--limit", "resolver_threads=2", "--limit", "resolver_queue=6")

    def test_caller_gone_during_lookup(self):
        gone = self.client()
        gone.request("tcp.connect", {"host": "hang.test:80"})
        gone.request("tcp.connect", {"host": "hang.test", "port": 80, "happy_eyeballs": True})
        self.assertEqual(gone.call("daemon.ping"), {"pong": True})
        gone.close()
        with self.client() as other:
            end = time.monotonic() + self.LOOKUP_TIMEOUT + 1
            while time.monotonic() < end:
                self.assertEqual(other.call("daemon.ping"), {"pong": True})
                time.sleep(0.1)  # the test is about time passing
            self.assertEqual(other.call("socket.list"), {"sockets": [], "next": None})
            self.assertEqual(other.call("daemon.stats")["connections"], 1)

    def test_lookup_failure_is_answered(self):
        with self.client() as c:
            start = time.monotonic()
            reply = c.wait(c.request("tcp.connect", {"host": "hang.test:80"}))
            self.assertGreaterEqual(time.monotonic() - start, self.LOOKUP_TIMEOUT - 0.5)
            err = reply["error"]
            if err["code"] == 1000:
                self.assertEqual(err["message"], "node and/or service lookup failed")
            else:
                self.assertEqual(err["code"], 1004, err)
            self.assertEqual(c.call("socket.list"), {"sockets": [], "next": None})


if __name__ == "__main__":
    harness.main()
