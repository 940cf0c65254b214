"""test_stream.py: stream sockets over inet, inet6 and unix.

Listen, a pending accept completed by a connect (from a second control
connection or pipelined on the same one), the socket egg's unix demo and the
tcp6 egg's hello demo adapted to socket.*, binary safety, EOF, send_all,
readiness, timeouts, refused connects, peek/waitall and a reset peer.
"""

import base64
import os
import time
import unittest

import harness

UNNAMED = {"family": "unix", "path": "", "string": ""}


def wait_until(pred, deadline=5.0):
    """Poll pred() until it is true or the deadline passes (never a fixed sleep)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.005)
    return pred()


class StreamCases:
    """The cases; each subclass picks FAMILY."""

    FAMILY = None
    LOOP = None         # bind address with port 0 for inet families

    # -- helpers ---------------------------------------------------------

    def make_listener(self, name="l.sock"):
        """A listening socket: (handle, bound address object)."""
        L = self.create(self.FAMILY)
        bind_to = os.path.join(self.tmp, name) if self.FAMILY == "unix" else self.LOOP
        addr = self.c.call("socket.bind", {"handle": L, "address": bind_to})["address"]
        self.c.call("socket.listen", {"handle": L})
        return L, addr

    def pair(self, pipelined=False):
        """(L, C, S, accept result, connect result): accept is sent first and
        stays pending; the connect comes from a second control connection, or
        from the same one when pipelined."""
        L, laddr = self.make_listener()
        aid = self.c.request("socket.accept", {"handle": L})
        if pipelined:
            C = self.create(self.FAMILY)
            conn = self.c.call("socket.connect", {"handle": C, "address": laddr["string"]})
        else:
            with self.daemon.client() as c2:
                C = c2.call("socket.create", {"family": self.FAMILY, "type": "stream"})["handle"]
                conn = c2.call("socket.connect", {"handle": C, "address": laddr["string"]})
        acc = self.c.result(aid)
        return L, C, acc["handle"], acc, conn

    def name(self, h):
        return self.c.call("socket.name", {"handle": h})["address"]

    def peer_name(self, h):
        return self.c.call("socket.peer_name", {"handle": h})["address"]

    def send(self, h, data, client=None):
        r = (client or self.c).call("socket.send", {"handle": h, "data": harness.b64(data)})
        self.assertEqual(r, {"bytes": len(data)})

    def recv_exact(self, h, n, client=None):
        got = b""
        while len(got) < n:
            r = (client or self.c).call("socket.receive", {"handle": h, "length": n - len(got)})
            self.assertFalse(r["eof"], "early EOF after %d bytes" % len(got))
            chunk = harness.unb64(r["data"])
            self.assertEqual(r["bytes"], len(chunk))
            got += chunk
        return got

    def close(self, *hs):
        for h in hs:
            self.c.call("socket.close", {"handle": h})

    # -- accept / connect ------------------------------------------------

    def check_accept_connect(self, pipelined):
        L, C, S, acc, conn = self.pair(pipelined)
        self.assertIsInstance(S, int)
        self.assertNotIn(S, (L, C))
        self.assertGreater(S, C)    # accepted after C was created
        laddr = self.name(L)
        self.assertEqual(conn, {"peer": laddr})
        if self.FAMILY == "unix":
            self.assertEqual(acc["peer"], UNNAMED)
        else:
            self.assertEqual(acc["peer"], self.name(C))
        self.assertEqual(set(acc), {"handle", "peer"})
        info = self.c.call("socket.info", {"handle": S})
        self.assertEqual((info["family"], info["type"], info["state"]),
                         (self.FAMILY, "stream", "connected"))
        self.close(S, C, L)

    def test_accept_pending_completed_by_second_connection(self):
        self.check_accept_connect(pipelined=False)

    def test_accept_pending_pipelined_on_same_connection(self):
        self.check_accept_connect(pipelined=True)

    def test_names_of_listener_and_both_ends(self):
        L, C, S, acc, conn = self.pair()
        laddr = self.name(L)
        self.assertEqual(laddr["family"], self.FAMILY)
        if self.FAMILY == "unix":
            path = os.path.join(self.tmp, "l.sock")
            self.assertEqual(laddr, {"family": "unix", "path": path, "string": path})
            self.assertIsNone(self.name(C))            # unbound client
            self.assertEqual(self.peer_name(S), UNNAMED)
        else:
            host = self.LOOP.rsplit(":", 1)[0].strip("[]")
            self.assertEqual(laddr["address"], host)
            self.assertGreater(laddr["port"], 0)
            self.assertEqual(self.peer_name(S), self.name(C))
            self.assertEqual(self.name(C)["address"], host)
        self.assertEqual(self.peer_name(C), laddr)
        self.assertEqual(self.name(S), laddr)
        self.assertIsNone(self.peer_name(L))

    # -- the eggs' demos -------------------------------------------------

    def test_egg_unix_demo_this_is_a_test(self):
        L, laddr = self.make_listener()
        aid = self.c.request("socket.accept", {"handle": L})
        with self.daemon.client() as c2:
            C = c2.call("socket.create", {"family": self.FAMILY, "type": "stream"})["handle"]
            c2.call("socket.connect", {"handle": C, "address": laddr["string"]})
            self.assertEqual(c2.call("socket.send", {"handle": C, "text": "this is a test"}),
                             {"bytes": 14})
        S = self.c.result(aid)["handle"]
        r = self.c.call("socket.receive", {"handle": S, "length": 14})
        self.assertEqual(r, {"data": harness.b64(b"this is a test"), "bytes": 14, "eof": False})
        self.close(S, C, L)
        self.assertError(self.c.error("socket.close", {"handle": S}), 1010)
        if self.FAMILY == "unix":
            self.assertFalse(os.path.exists(laddr["path"]))

    def test_tcp6_demo_hello(self):
        L, C, S, acc, conn = self.pair()
        # The server's receive is pending before the client writes.
        rid = self.c.request("socket.receive", {"handle": S, "length": 100, "encoding": "text"})
        with self.daemon.client() as c2:
            self.assertEqual(c2.call("socket.send", {"handle": C, "text": "Client says hello!\n"}),
                             {"bytes": 19})
        self.assertEqual(self.c.result(rid), {"text": "Client says hello!\n", "bytes": 19,
                                              "eof": False})
        line = "Server says hello at %s!\n" % time.ctime()
        r = self.c.call("socket.send_all", {"handle": S, "text": line})
        self.assertEqual(r, {"bytes": len(line)})
        got = self.recv_exact(C, len(line)).decode()
        self.assertRegex(got, r"^Server says hello at .*!\n$")
        self.assertEqual(got, line)
        self.close(S)
        r = self.c.call("socket.receive", {"handle": C, "length": 100})
        self.assertEqual(r, {"data": "", "bytes": 0, "eof": True})

    # -- binary safety ---------------------------------------------------

    def test_binary_round_trip(self):
        L, C, S, acc, conn = self.pair()
        blob = bytes(range(256))
        self.send(C, blob)
        self.assertEqual(self.recv_exact(S, 256), blob)
        back = bytes(reversed(blob)) * 2
        self.send(S, back)
        self.assertEqual(self.recv_exact(C, 512), back)

    def test_invalid_utf8_with_text_encoding_comes_back_as_data(self):
        L, C, S, acc, conn = self.pair()
        bad = b"ok \xff\xfe \xc3( \xed\xa0\x80 end"
        self.send(C, bad)
        r = self.c.call("socket.receive", {"handle": S, "length": len(bad),
                                            "flags": ["waitall"], "encoding": "text"})
        self.assertNotIn("text", r)
        self.assertEqual(harness.unb64(r["data"]), bad)
        self.assertEqual(r["bytes"], len(bad))

    def test_valid_utf8_with_text_encoding_comes_back_as_text(self):
        L, C, S, acc, conn = self.pair()
        text = "h\u00e9llo \u2713 \U0001f600"
        raw = text.encode("utf-8")
        r = self.c.call("socket.send", {"handle": C, "text": text})
        self.assertEqual(r, {"bytes": len(raw)})
        r = self.c.call("socket.receive", {"handle": S, "length": len(raw),
                                            "flags": ["waitall"], "encoding": "text"})
        self.assertEqual(r, {"text": text, "bytes": len(raw), "eof": False})
        # The default encoding is base64.
        self.send(C, raw)
        r = self.c.call("socket.receive", {"handle": S, "length": len(raw), "flags": ["waitall"]})
        self.assertEqual(r, {"data": base64.b64encode(raw).decode(), "bytes": len(raw),
                             "eof": False})

    # -- EOF, receive_from -----------------------------------------------

    def test_receive_after_peer_closed_is_eof(self):
        L, C, S, acc, conn = self.pair()
        self.send(C, b"last words")
        self.close(C)
        self.assertEqual(self.recv_exact(S, 10), b"last words")
        r = self.c.call("socket.receive", {"handle": S, "length": 100})
        self.assertEqual(r, {"data": "", "bytes": 0, "eof": True})
        # And again: EOF is sticky.
        r = self.c.call("socket.receive", {"handle": S, "length": 100})
        self.assertEqual((r["bytes"], r["eof"]), (0, True))

    def test_receive_from_on_connected_stream(self):
        L, C, S, acc, conn = self.pair()
        self.send(C, b"abc")
        r = self.c.call("socket.receive_from", {"handle": S, "length": 3, "flags": ["waitall"]})
        self.assertEqual(r, {"data": harness.b64(b"abc"), "bytes": 3, "address": None})

    # -- send_all --------------------------------------------------------

    def test_send_all_40000_in_16384_chunks(self):
        L, C, S, acc, conn = self.pair()
        payload = bytes((i * 7 + i // 256) % 256 for i in range(40000))
        r = self.c.call("socket.send_all", {"handle": C, "data": harness.b64(payload),
                                             "send_size": 16384})
        self.assertEqual(r, {"bytes": 40000})
        self.assertEqual(self.recv_exact(S, 40000), payload)
        # Nothing more than 40000 bytes arrived.
        self.assertEqual(self.c.call("socket.receive_ready", {"handle": S}), {"ready": False})
        self.assertEqual(self.c.call("socket.info", {"handle": C})["bytes_out"], 40000)

    def test_send_all_zero_bytes(self):
        L, C, S, acc, conn = self.pair()
        self.assertEqual(self.c.call("socket.send_all", {"handle": C, "data": ""}), {"bytes": 0})
        self.assertEqual(self.c.call("socket.send_all", {"handle": C, "text": ""}), {"bytes": 0})
        self.assertEqual(self.c.call("socket.receive_ready", {"handle": S}), {"ready": False})
        self.send(C, b"x")
        self.assertEqual(self.recv_exact(S, 1), b"x")

    # -- readiness and timeouts ------------------------------------------

    def test_receive_ready_false_then_true(self):
        L, C, S, acc, conn = self.pair()
        self.assertEqual(self.c.call("socket.receive_ready", {"handle": S}), {"ready": False})
        self.send(C, b"hi")
        # A peek waits for the data without consuming it.
        r = self.c.call("socket.receive", {"handle": S, "length": 2, "flags": ["peek"]})
        self.assertEqual(harness.unb64(r["data"]), b"hi")
        self.assertEqual(self.c.call("socket.receive_ready", {"handle": S}), {"ready": True})
        self.assertEqual(self.recv_exact(S, 2), b"hi")
        self.assertEqual(self.c.call("socket.receive_ready", {"handle": S}), {"ready": False})

    def test_accept_ready_false_then_true(self):
        L, laddr = self.make_listener()
        self.assertEqual(self.c.call("socket.accept_ready", {"handle": L}), {"ready": False})
        C = self.create(self.FAMILY)
        self.c.call("socket.connect", {"handle": C, "address": laddr["string"]})
        self.assertTrue(wait_until(
            lambda: self.c.call("socket.accept_ready", {"handle": L}) == {"ready": True}))
        S = self.c.call("socket.accept", {"handle": L, "timeout": 1000})["handle"]
        self.assertEqual(self.c.call("socket.accept_ready", {"handle": L}), {"ready": False})
        self.close(S, C, L)

    def test_accept_timeout(self):
        L, laddr = self.make_listener()
        t0 = time.monotonic()
        e = self.c.error("socket.accept", {"handle": L, "timeout": 100})
        elapsed = time.monotonic() - t0
        self.assertError(e, 1002)
        self.assertEqual(e["message"], "operation timed out")
        self.assertEqual(e["data"]["kind"], ["exn", "i/o", "net", "timeout"])
        self.assertGreaterEqual(elapsed, 0.09)
        self.assertLess(elapsed, 5.0)
        # The listener is still usable.
        self.assertEqual(self.c.call("socket.info", {"handle": L})["state"], "listening")
        aid = self.c.request("socket.accept", {"handle": L, "timeout": 5000})
        C = self.create(self.FAMILY)
        self.c.call("socket.connect", {"handle": C, "address": laddr["string"]})
        self.assertIn("handle", self.c.result(aid))

    def test_receive_timeout_keeps_socket(self):
        L, C, S, acc, conn = self.pair()
        e = self.c.error("socket.receive", {"handle": S, "length": 10, "timeout": 100})
        self.assertError(e, 1002)
        self.send(C, b"later")
        self.assertEqual(self.recv_exact(S, 5), b"later")

    # -- flags -----------------------------------------------------------

    def test_peek_leaves_data(self):
        L, C, S, acc, conn = self.pair()
        self.send(C, b"hello")
        r = self.c.call("socket.receive", {"handle": S, "length": 5, "flags": ["peek"]})
        self.assertEqual(r, {"data": harness.b64(b"hello"), "bytes": 5, "eof": False})
        r = self.c.call("socket.receive", {"handle": S, "length": 5, "flags": ["waitall"]})
        self.assertEqual(r, {"data": harness.b64(b"hello"), "bytes": 5, "eof": False})
        self.assertEqual(self.c.call("socket.receive_ready", {"handle": S}), {"ready": False})

    def test_waitall_collects_several_sends(self):
        L, C, S, acc, conn = self.pair()
        rid = self.c.request("socket.receive", {"handle": S, "length": 9, "flags": ["waitall"],
                                                 "timeout": 5000})
        with self.daemon.client() as c2:
            for piece in (b"abc", b"def", b"ghi"):
                self.send(C, piece, client=c2)
        r = self.c.result(rid)
        self.assertEqual(r, {"data": harness.b64(b"abcdefghi"), "bytes": 9, "eof": False})

    def test_bad_flags(self):
        L, C, S, acc, conn = self.pair()
        self.assertError(self.c.error("socket.receive", {"handle": S, "length": 1,
                                                          "flags": ["nosuch"]}),
                         -32602, param="flags")
        self.assertError(self.c.error("socket.receive", {"handle": S, "length": 0}),
                         -32602, param="length")
        self.assertError(self.c.error("socket.send", {"handle": C}), -32602, param="data")
        self.assertError(self.c.error("socket.send", {"handle": C, "data": "AA==", "text": "x"}),
                         -32602, param="data")
        self.assertError(self.c.error("socket.send", {"handle": C, "data": "not base64!"}),
                         -32602, param="data")

    # -- failures --------------------------------------------------------

    def test_send_to_reset_peer(self):
        L, C, S, acc, conn = self.pair()
        self.send(C, b"unread")
        # Wait for the bytes to reach S, then close S with them unread:
        # TCP answers with a reset, a UNIX peer just goes away.
        self.c.call("socket.receive", {"handle": S, "length": 6, "flags": ["peek"]})
        self.close(S)
        error = None
        end = time.monotonic() + 5.0
        while error is None and time.monotonic() < end:
            reply = self.c.wait(self.c.request("socket.send", {"handle": C, "text": "more"}))
            error = reply.get("error")
        self.assertIsNotNone(error, "send to a reset peer never failed")
        self.assertError(error, 1000)
        self.assertIn(error["data"]["errname"], ("EPIPE", "ECONNRESET"))
        self.assertEqual(error["data"]["handle"], C)
        self.assertAlive()
        # The handle stays valid.
        self.assertEqual(self.c.call("socket.info", {"handle": C})["handle"], C)
        self.assertEqual(self.c.call("socket.close", {"handle": C}), {})

    def test_operations_on_closed_handle_fail_1010(self):
        L, C, S, acc, conn = self.pair()
        self.close(S)
        for method, params in (("socket.receive", {"length": 1}),
                               ("socket.send", {"text": "x"}),
                               ("socket.accept_ready", {})):
            params["handle"] = S
            self.assertError(self.c.error(method, params), 1010)


class InetCases:
    """Cases for the internet families only."""

    def test_connect_refused_keeps_handle(self):
        tmp = self.create(self.FAMILY)
        port = self.c.call("socket.bind", {"handle": tmp, "address": self.LOOP})["address"]["port"]
        self.close(tmp)
        C = self.create(self.FAMILY)
        target = self.LOOP.rsplit(":", 1)[0] + ":%d" % port
        e = self.c.error("socket.connect", {"handle": C, "address": target})
        self.assertError(e, 1001, errname="ECONNREFUSED")
        self.assertEqual(e["data"]["syscall"], "connect")
        self.assertEqual(e["data"]["errno"], 111)
        self.assertEqual(e["data"]["handle"], C)
        self.assertEqual(e["data"]["kind"], ["exn", "i/o", "net", "transient"])
        self.assertEqual(e["message"], "cannot initiate connection - Connection refused")
        info = self.c.call("socket.info", {"handle": C})
        self.assertEqual((info["handle"], info["family"]), (C, self.FAMILY))
        self.assertNotEqual(info["state"], "connected")
        # A second connect on the same handle succeeds.
        L, laddr = self.make_listener()
        aid = self.c.request("socket.accept", {"handle": L})
        r = self.c.call("socket.connect", {"handle": C, "address": laddr["string"]})
        self.assertEqual(r, {"peer": laddr})
        S = self.c.result(aid)["handle"]
        self.send(C, b"ok")
        self.assertEqual(self.recv_exact(S, 2), b"ok")


class InetStreamTest(InetCases, StreamCases, harness.DaemonTest):
    FAMILY = "inet"
    LOOP = "127.0.0.1:0"

    def test_connect_with_address_object(self):
        L, laddr = self.make_listener()
        aid = self.c.request("socket.accept", {"handle": L})
        C = self.create("inet")
        obj = {"family": "inet", "address": "127.0.0.1", "port": laddr["port"]}
        self.assertEqual(self.c.call("socket.connect", {"handle": C, "address": obj}),
                         {"peer": laddr})
        self.assertEqual(self.c.result(aid)["peer"], self.name(C))


@unittest.skipUnless(harness.has_ipv6_loopback(), "no IPv6 loopback")
class Inet6StreamTest(InetCases, StreamCases, harness.DaemonTest):
    FAMILY = "inet6"
    LOOP = "[::1]:0"

    def test_peer_string_form(self):
        L, C, S, acc, conn = self.pair()
        p = acc["peer"]
        self.assertEqual((p["family"], p["address"]), ("inet6", "::1"))
        self.assertEqual(p["string"], "[::1]:%d" % p["port"])


class UnixStreamTest(StreamCases, harness.DaemonTest):
    FAMILY = "unix"

    def test_unnamed_peer(self):
        L, C, S, acc, conn = self.pair()
        self.assertEqual(acc["peer"], UNNAMED)
        self.assertEqual(self.peer_name(S), UNNAMED)
        self.assertEqual(self.c.call("socket.info", {"handle": S})["peer"], UNNAMED)

    def test_bound_client_is_named_peer(self):
        L, laddr = self.make_listener()
        aid = self.c.request("socket.accept", {"handle": L})
        C = self.create("unix")
        cpath = os.path.join(self.tmp, "client.sock")
        self.c.call("socket.bind", {"handle": C, "address": cpath})
        self.c.call("socket.connect", {"handle": C, "address": laddr["path"]})
        acc = self.c.result(aid)
        self.assertEqual(acc["peer"], {"family": "unix", "path": cpath, "string": cpath})

    def test_connect_to_missing_path(self):
        C = self.create("unix")
        e = self.c.error("socket.connect", {"handle": C,
                                            "address": os.path.join(self.tmp, "nobody.sock")})
        self.assertError(e, 1000, errname="ENOENT")
        self.assertEqual(e["data"]["syscall"], "connect")
        self.assertEqual(self.c.call("socket.info", {"handle": C})["handle"], C)


if __name__ == "__main__":
    harness.main()
