"""test_udp.py: the udp6 egg's surface, udp.*.

udp.open and its families, udp.bind (the unspecified address, the wrong
family, service names), udp.connect with host:port parsing, udp.send_to and
udp.receive_from with the sender's numeric host and port, truncation,
timeouts, a handle closed meanwhile, and the egg's daytime demo over inet
and inet6.  Numeric loopback addresses only.
"""

import socket
import time
import unittest

import harness


class UdpTest(harness.DaemonTest):

    def open(self, family=None, **kw):
        params = {} if family is None else {"family": family}
        params.update(kw)
        r = self.c.call("udp.open", params)
        self.assertEqual(set(r), {"handle"})
        return r["handle"]

    def bind(self, h, host, port=0):
        r = self.c.call("udp.bind", {"handle": h, "host": host, "port": port})
        self.assertEqual(set(r), {"address"})
        return r["address"]

    def close(self, *handles):
        for h in handles:
            self.c.call("socket.close", {"handle": h})

    def info(self, h):
        return self.c.call("socket.info", {"handle": h})

    # -- udp.open ------------------------------------------------------------

    def test_open_families(self):
        for family, expect in ((None, "inet"), ("inet", "inet"), ("inet6", "inet6"),
                               ("af/inet", "inet"), ("af/inet6", "inet6")):
            with self.subTest(family=family):
                h = self.open(family)
                info = self.info(h)
                self.assertEqual((info["family"], info["type"], info["protocol"]),
                                 (expect, "dgram", 0))
                self.assertEqual(info["scope"], "daemon")
                self.close(h)
        for family in ("foo", "unix", "af/unix", "INET", ""):
            with self.subTest(family=family):
                err = self.c.error("udp.open", {"family": family})
                self.assertError(err, 1000)
                self.assertEqual(err["message"], "invalid address family")
                self.assertEqual(err["data"]["kind"], ["exn", "i/o", "net"])
        with self.daemon.client() as other:
            h = other.call("udp.open", {"scope": "connection"})["handle"]
        self.assertTrue(self.wait_gone(h))

    def wait_gone(self, h):
        end = time.monotonic() + 5
        while time.monotonic() < end:
            if h not in {s["handle"] for s in self.c.call("socket.list")["sockets"]}:
                return True
            time.sleep(0.005)
        return False

    # -- udp.bind ------------------------------------------------------------

    @unittest.skipUnless(harness.has_ipv6_loopback(), "no ::1")
    def test_bind_inet6_any(self):
        h = self.open("inet6")
        # a fresh socket is not bound (udp-bound? #f, udp-bound-port 0)
        self.assertIsNone(self.c.call("socket.name", {"handle": h})["address"])
        addr = self.bind(h, "::")
        self.assertEqual((addr["family"], addr["address"]), ("inet6", "::"))
        self.assertGreater(addr["port"], 0)
        self.assertEqual(self.c.call("socket.name", {"handle": h})["address"], addr)
        self.assertEqual(self.info(h)["state"], "bound")
        self.close(h)

    def test_bind_null_host_is_the_unspecified_address(self):
        h4, h6 = self.open("inet"), self.open("inet6")
        self.assertEqual(self.bind(h4, None)["address"], "0.0.0.0")
        self.assertEqual(self.bind(h6, None)["address"], "::")
        self.close(h4, h6)

    def test_bind_wrong_family(self):
        h = self.open("inet")
        err = self.c.error("udp.bind", {"handle": h, "host": "::", "port": 0})
        if err["code"] == 1004:        # glibc: EAI_ADDRFAMILY
            self.assertIn("gai_name", err["data"])
            self.assertEqual(err["data"]["syscall"], "getaddrinfo")
        else:
            self.assertError(err, 1000)
            self.assertEqual(err["message"], "node or service lookup failed")
        self.assertIsNone(self.c.call("socket.name", {"handle": h})["address"])
        h6 = self.open("inet6")
        err = self.c.error("udp.bind", {"handle": h6, "host": "127.0.0.1", "port": 0})
        self.assertIn(err["code"], (1000, 1004), err)
        self.close(h, h6)

    def test_bind_port_forms_and_errors(self):
        h = self.open()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        taken = u.getsockname()[1]
        try:
            err = self.c.error("udp.bind", {"handle": h, "host": "127.0.0.1", "port": taken})
            self.assertError(err, 1000, errname="EADDRINUSE")
            self.assertEqual(err["message"], "cannot bind to socket - Address already in use")
            self.assertEqual(err["data"]["handle"], h)
        finally:
            u.close()
        err = self.c.error("udp.bind", {"handle": h, "host": "127.0.0.1", "port": "nosuchservice"})
        self.assertError(err, 1004)
        self.assertEqual(err["data"]["gai_name"], "EAI_SERVICE")
        err = self.c.error("udp.bind", {"handle": h, "host": "[::1]", "port": 0})
        self.assertError(err, 1000)
        self.assertEqual(err["message"], "node or service lookup failed")
        addr = self.bind(h, "127.0.0.1", "0")
        self.assertEqual(addr["address"], "127.0.0.1")
        self.close(h)

    # -- udp.connect -----------------------------------------------------------

    def test_connect_parses_host_port(self):
        srv = self.open()
        P = self.bind(srv, "127.0.0.1")["port"]
        h = self.open()
        # unconnected: udp-send is EDESTADDRREQ
        err = self.c.error("socket.send", {"handle": h, "text": "x"})
        self.assertError(err, 1000, errname="EDESTADDRREQ")
        self.assertIsNone(self.c.call("socket.peer_name", {"handle": h})["address"])
        for host in ("127.0.0.1", "[::1]", "::1:80", "localhost", ""):
            with self.subTest(host=host):
                err = self.c.error("udp.connect", {"handle": h, "host": host})
                self.assertError(err, 1000)
                self.assertEqual(err["message"], "no port specified")
        r = self.c.call("udp.connect", {"handle": h, "host": "127.0.0.1:%d" % P})
        self.assertEqual(r, {"peer": {"family": "inet", "address": "127.0.0.1", "port": P,
                                      "string": "127.0.0.1:%d" % P}})
        # udp-connected? is now true
        self.assertEqual(self.c.call("socket.peer_name", {"handle": h})["address"], r["peer"])
        self.assertEqual(self.info(h)["state"], "connected")
        self.assertEqual(self.c.call("socket.send", {"handle": h, "text": "hi"}), {"bytes": 2})
        got = self.c.call("udp.receive_from", {"handle": srv, "length": 10, "encoding": "text"})
        self.assertEqual(got["text"], "hi")
        self.assertEqual(got["port"], self.c.call("socket.name", {"handle": h})["address"]["port"])
        # an explicit port: host taken literally (no valid host name, so
        # glibc fails it after /etc/hosts without asking DNS)
        err = self.c.error("udp.connect", {"handle": h, "host": "[127.0.0.1]", "port": P})
        self.assertEqual(err["message"], "node and/or service lookup failed")
        r = self.c.call("udp.connect", {"handle": h, "host": "127.0.0.1", "port": str(P)})
        self.assertEqual(r["peer"]["port"], P)
        self.close(h, srv)

    # -- send_to / receive_from ------------------------------------------------

    def test_receive_from_reports_the_sender(self):
        a, b = self.open(), self.open()
        pa = self.bind(a, "127.0.0.1")["port"]
        pb = self.bind(b, "127.0.0.1")["port"]
        self.assertEqual(self.c.call("udp.send_to", {"handle": a, "host": "127.0.0.1",
                                                     "port": pb, "text": "hello"}), {"bytes": 5})
        r = self.c.call("udp.receive_from", {"handle": b, "length": 64})
        self.assertEqual(r, {"data": harness.b64(b"hello"), "bytes": 5, "host": "127.0.0.1",
                             "port": pa})
        # binary safe, and back to the sender by the host and port just learnt
        blob = bytes(range(256))
        self.assertEqual(self.c.call("udp.send_to", {"handle": b, "host": r["host"],
                                                     "port": r["port"], "data": harness.b64(blob)}),
                         {"bytes": 256})
        r = self.c.call("udp.receive_from", {"handle": a, "length": 1024, "encoding": "text"})
        self.assertEqual(harness.unb64(r["data"]), blob)   # not UTF-8: data, not text
        self.close(a, b)

    def test_receive_from_truncates_and_times_out(self):
        a, b = self.open(), self.open()
        pb = self.bind(b, "127.0.0.1")["port"]
        self.c.call("udp.send_to", {"handle": a, "host": "127.0.0.1", "port": pb,
                                    "data": harness.b64(b"x" * 100)})
        r = self.c.call("udp.receive_from", {"handle": b, "length": 10})
        self.assertEqual((r["bytes"], harness.unb64(r["data"])), (10, b"x" * 10))
        start = time.monotonic()
        err = self.c.error("udp.receive_from", {"handle": b, "length": 10, "timeout": 100})
        self.assertError(err, 1002)
        self.assertGreaterEqual(time.monotonic() - start, 0.09)
        self.c.call("session.set", {"receive_timeout": 50})
        self.assertError(self.c.error("udp.receive_from", {"handle": b, "length": 10}), 1002)
        # the rest of the long datagram is gone; the socket still works
        self.c.call("udp.send_to", {"handle": a, "host": None, "port": pb, "text": "next"})
        r = self.c.call("udp.receive_from", {"handle": b, "length": 10, "encoding": "text"})
        self.assertEqual((r["text"], r["host"]), ("next", "127.0.0.1"))
        self.close(a, b)

    def test_pending_receive_from_completes_and_fails_on_close(self):
        a, b = self.open(), self.open()
        pb = self.bind(b, "127.0.0.1")["port"]
        rid = self.c.request("udp.receive_from", {"handle": b, "length": 10, "timeout": None})
        self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
        self.assertNotIn(rid, self.c.replies)
        with self.daemon.client() as other:
            other.call("udp.send_to", {"handle": a, "host": "127.0.0.1", "port": pb, "text": "late"})
        self.assertEqual(harness.unb64(self.c.result(rid)["data"]), b"late")
        rid = self.c.request("udp.receive_from", {"handle": b, "length": 10, "timeout": None})
        self.assertEqual(self.c.call("daemon.ping"), {"pong": True})
        with self.daemon.client() as other:
            other.call("socket.close", {"handle": b})
        self.assertError(self.c.wait(rid)["error"], 1010)
        self.close(a)

    def test_send_to_errors(self):
        h = self.open()
        err = self.c.error("udp.send_to", {"handle": h, "host": "[::1]", "port": 9, "text": "x"})
        self.assertError(err, 1000)
        self.assertEqual(err["message"], "node and/or service lookup failed")
        err = self.c.error("udp.send_to", {"handle": h, "host": "127.0.0.1",
                                           "port": "nosuchservice", "text": "x"})
        self.assertError(err, 1004)
        self.assertEqual(err["data"]["gai_name"], "EAI_SERVICE")
        # the socket's family is looked up: a v6 host for an inet socket fails
        err = self.c.error("udp.send_to", {"handle": h, "host": "::1", "port": 9, "text": "x"})
        self.assertIn(err["code"], (1000, 1004), err)
        self.close(h)
        err = self.c.error("udp.send_to", {"handle": h, "host": "127.0.0.1", "port": 9,
                                           "text": "x"})
        self.assertError(err, 1010)

    # -- the egg's daytime demo --------------------------------------------------

    def daytime(self, family, loop):
        server = self.open(family)
        P = self.bind(server, "::" if family == "inet6" else "0.0.0.0")["port"]
        client = self.open(family)
        self.c.call("udp.connect", {"handle": client, "host": loop, "port": P})
        self.assertEqual(self.c.call("socket.send", {"handle": client, "text": "\n"}),
                         {"bytes": 1})
        got = self.c.call("udp.receive_from", {"handle": server, "length": 1024,
                                               "encoding": "text"})
        self.assertEqual((got["bytes"], got["text"], got["host"]), (1, "\n", loop))
        now = time.ctime() + "\n"
        self.c.call("udp.send_to", {"handle": server, "host": got["host"], "port": got["port"],
                                    "text": now})
        got = self.c.call("udp.receive_from", {"handle": client, "length": 64,
                                               "encoding": "text"})
        self.assertEqual(got, {"text": now, "bytes": len(now), "host": loop, "port": P})
        self.close(client, server)

    def test_daytime_inet(self):
        self.daytime("inet", "127.0.0.1")

    @unittest.skipUnless(harness.has_ipv6_loopback(), "no ::1")
    def test_daytime_inet6(self):
        self.daytime("inet6", "::1")

    # -- bad input -----------------------------------------------------------------

    def test_bad_params(self):
        h = self.open()
        bad = [
            ("udp.open", {"family": 2}, "family"),
            ("udp.open", {"family": None}, "family"),
            ("udp.open", {"scope": "x"}, "scope"),
            ("udp.open", {"famly": "inet"}, "famly"),
            ("udp.bind", {"handle": h}, "port"),
            ("udp.bind", {"handle": h, "port": -1}, "port"),
            ("udp.bind", {"handle": h, "port": 0, "host": 1}, "host"),
            ("udp.bind", {"port": 0}, "handle"),
            ("udp.connect", {"handle": h}, "host"),
            ("udp.connect", {"handle": h, "host": None, "port": 9}, "host"),
            ("udp.connect", {"handle": h, "host": "127.0.0.1", "port": 70000}, "port"),
            ("udp.connect", {"handle": h, "host": "x" * 300}, "host"),
            ("udp.send_to", {"handle": h, "host": "127.0.0.1", "port": 9}, "data"),
            ("udp.send_to", {"handle": h, "port": 9, "text": "x"}, "host"),
            ("udp.send_to", {"handle": h, "host": "127.0.0.1", "text": "x"}, "port"),
            ("udp.send_to", {"handle": h, "host": "127.0.0.1", "port": 9, "data": "!"}, "data"),
            ("udp.send_to", {"handle": h, "host": "127.0.0.1", "port": 9, "text": "x",
                             "data": "eA=="}, "data"),
            ("udp.receive_from", {"handle": h}, "length"),
            ("udp.receive_from", {"handle": h, "length": 0}, "length"),
            ("udp.receive_from", {"handle": h, "length": 1 << 30}, "length"),
            ("udp.receive_from", {"handle": h, "length": 2000000}, "length"),  # > max_receive
            ("udp.receive_from", {"handle": h, "length": 10, "encoding": "hex"}, "encoding"),
            ("udp.receive_from", {"handle": h, "length": 10, "flags": ["peek"]}, "flags"),
        ]
        for method, params, param in bad:
            with self.subTest(method=method, params=params):
                self.assertError(self.c.error(method, params), -32602, param=param)
        for method in ("udp.bind", "udp.connect"):
            self.assertError(self.c.error(method, {"handle": 999999, "host": "127.0.0.1",
                                                   "port": 9}), 1010)
        self.close(h)
        self.assertAlive()


if __name__ == "__main__":
    harness.main()
