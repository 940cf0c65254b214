"""test_dgram.py: datagram sockets over inet, inet6 and unix.

send_to/receive_from with the sender's address, truncation of long
datagrams, connected datagram sockets, send_all splitting into datagrams,
the empty datagram, receive timeouts, and the udp6 egg's daytime demo
adapted to socket.* methods.
"""

import os
import time
import unittest

import harness


class DgramCases:
    """The cases; each subclass picks FAMILY."""

    FAMILY = None
    LOOP = None         # loopback bind address with port 0 (inet families)
    WILDCARD = None     # wildcard bind address with port 0 (inet families)

    # -- helpers ---------------------------------------------------------

    def bound(self, name):
        """A bound datagram socket: (handle, address object)."""
        h = self.create(self.FAMILY, "dgram")
        where = os.path.join(self.tmp, name + ".sock") if self.FAMILY == "unix" else self.LOOP
        addr = self.c.call("socket.bind", {"handle": h, "address": where})["address"]
        return h, addr

    def name(self, h):
        return self.c.call("socket.name", {"handle": h})["address"]

    def check_address(self, got, expect):
        self.assertEqual(got, expect)
        if self.FAMILY == "unix":
            self.assertEqual(got["path"], expect["path"])
        else:
            self.assertEqual(got["address"], self.LOOP.rsplit(":", 1)[0].strip("[]"))
            self.assertGreater(got["port"], 0)

    # -- send_to / receive_from ------------------------------------------

    def test_send_to_receive_from(self):
        A, aaddr = self.bound("a")
        B, baddr = self.bound("b")
        r = self.c.call("socket.send_to", {"handle": A, "text": "hello", "address": baddr["string"]})
        self.assertEqual(r, {"bytes": 5})
        r = self.c.call("socket.receive_from", {"handle": B, "length": 100})
        self.assertEqual(set(r), {"data", "bytes", "address"})
        self.assertEqual(harness.unb64(r["data"]), b"hello")
        self.assertEqual(r["bytes"], 5)
        self.check_address(r["address"], aaddr)
        # And back, to the address just learnt, in the object form.
        r = self.c.call("socket.send_to", {"handle": B, "data": harness.b64(b"\x00\xffreply"),
                                            "address": r["address"]})
        self.assertEqual(r, {"bytes": 7})
        r = self.c.call("socket.receive_from", {"handle": A, "length": 100})
        self.assertEqual(harness.unb64(r["data"]), b"\x00\xffreply")
        self.check_address(r["address"], baddr)

    def test_pending_receive_from_completed_by_other_connection(self):
        A, aaddr = self.bound("a")
        B, baddr = self.bound("b")
        rid = self.c.request("socket.receive_from", {"handle": B, "length": 64,
                                                     "encoding": "text", "timeout": 5000})
        with self.daemon.client() as c2:
            self.assertEqual(c2.call("socket.send_to", {"handle": A, "text": "later",
                                                        "address": baddr["string"]}),
                             {"bytes": 5})
        self.assertEqual(self.c.result(rid), {"text": "later", "bytes": 5, "address": aaddr})

    def test_truncation(self):
        A, aaddr = self.bound("a")
        B, baddr = self.bound("b")
        big = bytes(range(100))
        self.c.call("socket.send_to", {"handle": A, "data": harness.b64(big),
                                        "address": baddr["string"]})
        r = self.c.call("socket.receive", {"handle": B, "length": 10})
        self.assertEqual(r, {"data": harness.b64(big[:10]), "bytes": 10, "eof": False})
        # The rest of the first datagram is gone: the next receive gets the
        # second datagram.
        self.c.call("socket.send_to", {"handle": A, "text": "second", "address": baddr["string"]})
        r = self.c.call("socket.receive", {"handle": B, "length": 100})
        self.assertEqual(r, {"data": harness.b64(b"second"), "bytes": 6, "eof": False})
        self.assertEqual(self.c.call("socket.receive_ready", {"handle": B}), {"ready": False})

    def test_truncation_receive_from(self):
        A, aaddr = self.bound("a")
        B, baddr = self.bound("b")
        self.c.call("socket.send_to", {"handle": A, "data": harness.b64(b"x" * 100),
                                        "address": baddr["string"]})
        r = self.c.call("socket.receive_from", {"handle": B, "length": 10})
        self.assertEqual((harness.unb64(r["data"]), r["bytes"], r["address"]),
                         (b"x" * 10, 10, aaddr))
        self.c.call("socket.send_to", {"handle": A, "text": "y", "address": baddr["string"]})
        r = self.c.call("socket.receive_from", {"handle": B, "length": 100})
        self.assertEqual((harness.unb64(r["data"]), r["bytes"]), (b"y", 1))

    # -- connected datagram sockets --------------------------------------

    def test_connected_send_receive_peer_name(self):
        A, aaddr = self.bound("a")
        B, baddr = self.bound("b")
        self.assertIsNone(self.c.call("socket.peer_name", {"handle": A})["address"])
        r = self.c.call("socket.connect", {"handle": A, "address": baddr["string"]})
        self.assertEqual(r, {"peer": baddr})
        self.assertEqual(self.c.call("socket.peer_name", {"handle": A}), {"address": baddr})
        self.assertIsNone(self.c.call("socket.peer_name", {"handle": B})["address"])
        info = self.c.call("socket.info", {"handle": A})
        self.assertEqual((info["state"], info["peer"], info["local"]), ("connected", baddr, aaddr))
        self.assertEqual(self.c.call("socket.send", {"handle": A, "text": "ping"}), {"bytes": 4})
        r = self.c.call("socket.receive_from", {"handle": B, "length": 100, "encoding": "text"})
        self.assertEqual(r, {"text": "ping", "bytes": 4, "address": aaddr})
        self.c.call("socket.send_to", {"handle": B, "text": "pong", "address": aaddr["string"]})
        r = self.c.call("socket.receive", {"handle": A, "length": 100, "encoding": "text"})
        self.assertEqual(r, {"text": "pong", "bytes": 4, "eof": False})

    def test_send_unconnected_fails(self):
        A, aaddr = self.bound("a")
        e = self.c.error("socket.send", {"handle": A, "text": "nowhere"})
        self.assertError(e, 1000)
        self.assertIn(e["data"]["errname"], ("EDESTADDRREQ", "ENOTCONN"))
        self.assertEqual(self.c.call("socket.info", {"handle": A})["handle"], A)

    def test_send_all_splits_into_datagrams(self):
        A, aaddr = self.bound("a")
        B, baddr = self.bound("b")
        self.c.call("socket.connect", {"handle": A, "address": baddr["string"]})
        payload = bytes(i % 251 for i in range(1300))
        r = self.c.call("socket.send_all", {"handle": A, "data": harness.b64(payload),
                                             "send_size": 512})
        self.assertEqual(r, {"bytes": 1300})
        got = []
        for _ in range(3):
            r = self.c.call("socket.receive", {"handle": B, "length": 2000})
            got.append(harness.unb64(r["data"]))
            self.assertEqual(r["bytes"], len(got[-1]))
        self.assertEqual([len(g) for g in got], [512, 512, 276])
        self.assertEqual(b"".join(got), payload)
        self.assertEqual(self.c.call("socket.receive_ready", {"handle": B}), {"ready": False})

    def test_send_all_one_datagram_when_it_fits(self):
        A, aaddr = self.bound("a")
        B, baddr = self.bound("b")
        self.c.call("socket.connect", {"handle": A, "address": baddr["string"]})
        payload = b"z" * 1300
        r = self.c.call("socket.send_all", {"handle": A, "data": harness.b64(payload)})
        self.assertEqual(r, {"bytes": 1300})   # default send_size 16384
        r = self.c.call("socket.receive", {"handle": B, "length": 2000})
        self.assertEqual(r["bytes"], 1300)

    def test_send_all_zero_bytes_is_one_empty_datagram(self):
        A, aaddr = self.bound("a")
        B, baddr = self.bound("b")
        self.c.call("socket.connect", {"handle": A, "address": baddr["string"]})
        self.assertEqual(self.c.call("socket.send_all", {"handle": A, "data": ""}), {"bytes": 0})
        r = self.c.call("socket.receive_from", {"handle": B, "length": 100})
        self.assertEqual(r, {"data": "", "bytes": 0, "address": aaddr})
        # A marker shows exactly one empty datagram was sent.
        self.c.call("socket.send", {"handle": A, "text": "after"})
        r = self.c.call("socket.receive", {"handle": B, "length": 100})
        self.assertEqual(r, {"data": harness.b64(b"after"), "bytes": 5, "eof": False})

    def test_receive_of_empty_datagram_is_not_eof(self):
        A, aaddr = self.bound("a")
        B, baddr = self.bound("b")
        r = self.c.call("socket.send_to", {"handle": A, "data": "", "address": baddr["string"]})
        self.assertEqual(r, {"bytes": 0})
        r = self.c.call("socket.receive", {"handle": B, "length": 100})
        self.assertEqual(r, {"data": "", "bytes": 0, "eof": False})

    # -- timeouts --------------------------------------------------------

    def test_receive_timeout_on_silent_socket(self):
        B, baddr = self.bound("b")
        t0 = time.monotonic()
        e = self.c.error("socket.receive", {"handle": B, "length": 100, "timeout": 100})
        elapsed = time.monotonic() - t0
        self.assertError(e, 1002)
        self.assertEqual(e["message"], "operation timed out")
        self.assertEqual(e["data"]["kind"], ["exn", "i/o", "net", "timeout"])
        self.assertGreaterEqual(elapsed, 0.09)
        self.assertLess(elapsed, 5.0)
        e = self.c.error("socket.receive_from", {"handle": B, "length": 100, "timeout": 0})
        self.assertError(e, 1002)
        # The socket stays open and usable.
        A, aaddr = self.bound("a")
        self.c.call("socket.send_to", {"handle": A, "text": "still here",
                                        "address": baddr["string"]})
        r = self.c.call("socket.receive", {"handle": B, "length": 100, "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), b"still here")


class InetCases:
    """The udp6 daytime demo (inventory §3), adapted to socket.* methods."""

    def test_daytime_demo(self):
        server = self.create(self.FAMILY, "dgram", protocol="udp")
        saddr = self.c.call("socket.bind", {"handle": server, "address": self.WILDCARD})["address"]
        port = saddr["port"]
        self.assertGreater(port, 0)
        wildcard_host = self.WILDCARD.rsplit(":", 1)[0].strip("[]")
        self.assertEqual(saddr["address"], wildcard_host)
        loop_host = self.LOOP.rsplit(":", 1)[0]
        client = self.create(self.FAMILY, "dgram", protocol="udp")
        self.c.call("socket.connect", {"handle": client, "address": "%s:%d" % (loop_host, port)})
        cport = self.c.call("socket.name", {"handle": client})["address"]["port"]
        # The server's receive is pending when the client's request arrives.
        rid = self.c.request("socket.receive_from", {"handle": server, "length": 1024,
                                                     "encoding": "text", "timeout": 5000})
        with self.daemon.client() as c2:
            self.assertEqual(c2.call("socket.send", {"handle": client, "text": "\n"}), {"bytes": 1})
        r = self.c.result(rid)
        bare = loop_host.strip("[]")
        self.assertEqual((r["text"], r["bytes"]), ("\n", 1))
        self.assertEqual((r["address"]["address"], r["address"]["port"]), (bare, cport))
        now = time.ctime() + "\n"
        r = self.c.call("socket.send_to", {"handle": server, "text": now, "address": r["address"]})
        self.assertEqual(r, {"bytes": len(now)})
        r = self.c.call("socket.receive_from", {"handle": client, "length": 64, "encoding": "text"})
        self.assertEqual(r["bytes"], len(r["text"]))
        self.assertEqual(r["text"], now)
        self.assertTrue(r["text"].endswith("\n"))
        self.assertEqual((r["address"]["address"], r["address"]["port"]), (bare, port))
        self.c.call("socket.close", {"handle": client})
        self.c.call("socket.close", {"handle": server})


class InetDgramTest(InetCases, DgramCases, harness.DaemonTest):
    FAMILY = "inet"
    LOOP = "127.0.0.1:0"
    WILDCARD = "0.0.0.0:0"


@unittest.skipUnless(harness.has_ipv6_loopback(), "no IPv6 loopback")
class Inet6DgramTest(InetCases, DgramCases, harness.DaemonTest):
    FAMILY = "inet6"
    LOOP = "[::1]:0"
    WILDCARD = "[::]:0"

    def test_address_forms(self):
        A, aaddr = self.bound("a")
        self.assertEqual(aaddr["string"], "[::1]:%d" % aaddr["port"])
        self.assertEqual(aaddr["family"], "inet6")


class UnixDgramTest(DgramCases, harness.DaemonTest):
    FAMILY = "unix"

    def test_unbound_sender_address(self):
        A = self.create("unix", "dgram")
        B, baddr = self.bound("b")
        self.c.call("socket.send_to", {"handle": A, "text": "anon", "address": baddr["path"]})
        r = self.c.call("socket.receive_from", {"handle": B, "length": 100})
        self.assertEqual(harness.unb64(r["data"]), b"anon")
        # recvfrom reports no address at all (addrlen 0): the egg's #f.
        self.assertIsNone(r["address"])


if __name__ == "__main__":
    harness.main()
