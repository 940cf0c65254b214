"""test_session.py: per-connection session values (the eggs' parameters).

session.get defaults, session.set validation, values scoped to one control
connection, and the session defaults in use: receive_timeout, accept_timeout,
connect_timeout (kept deterministic: loopback only) and send_size.
"""

import os
import time

import harness

DEFAULTS = {"connect_timeout": None, "accept_timeout": None, "receive_timeout": 60000,
            "send_timeout": 60000, "send_size": 16384, "bind_ipv6_only": False}


class SessionTest(harness.DaemonTest):

    # -- helpers ---------------------------------------------------------

    def session_set(self, client=None, **values):
        r = (client or self.c).call("session.set", values)
        # The result holds the new values (a full snapshot or just the keys set).
        for key, value in values.items():
            self.assertIn(key, r)
            self.assertEqual(r[key], value, key)
        now = (client or self.c).call("session.get")
        for key, value in r.items():
            self.assertEqual(now[key], value, key)
        return r

    def make_listener(self):
        """A listening TCP socket on loopback: (handle, address object)."""
        h = self.create("inet")
        addr = self.c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})["address"]
        self.c.call("socket.listen", {"handle": h})
        return h, addr

    def pair(self):
        """(C, S): a connected TCP pair over loopback."""
        L, laddr = self.make_listener()
        aid = self.c.request("socket.accept", {"handle": L, "timeout": 5000})
        C = self.create("inet")
        self.c.call("socket.connect", {"handle": C, "address": laddr["string"], "timeout": 5000})
        return C, self.c.result(aid)["handle"]

    def timed_error(self, method, params):
        t0 = time.monotonic()
        e = self.c.error(method, params)
        return e, time.monotonic() - t0

    # -- get / set -------------------------------------------------------

    def test_get_defaults(self):
        self.assertEqual(self.c.call("session.get"), DEFAULTS)
        self.assertEqual(self.c.call("session.get", {}), DEFAULTS)

    def test_get_rejects_params(self):
        self.assertError(self.c.error("session.get", {"receive_timeout": 1}), -32602,
                         param="receive_timeout")

    def test_set_each_value(self):
        cases = [("connect_timeout", 1500), ("connect_timeout", None), ("connect_timeout", 0),
                 ("accept_timeout", 250), ("accept_timeout", None),
                 ("receive_timeout", 100), ("receive_timeout", None), ("receive_timeout", 0),
                 ("send_timeout", 700), ("send_timeout", None),
                 ("send_size", 512), ("send_size", 1),
                 ("bind_ipv6_only", True), ("bind_ipv6_only", False)]
        expect = dict(DEFAULTS)
        for key, value in cases:
            with self.subTest(key=key, value=value):
                self.session_set(**{key: value})
                expect[key] = value
                self.assertEqual(self.c.call("session.get"), expect)

    def test_set_several_at_once(self):
        self.session_set(receive_timeout=1234, send_size=4096, bind_ipv6_only=True)
        expect = dict(DEFAULTS, receive_timeout=1234, send_size=4096, bind_ipv6_only=True)
        self.assertEqual(self.c.call("session.get"), expect)

    def test_set_ill_typed_or_negative(self):
        bad = [("connect_timeout", -1), ("connect_timeout", "100"), ("connect_timeout", 1.5),
               ("connect_timeout", True), ("accept_timeout", -5), ("accept_timeout", [1]),
               ("receive_timeout", -1), ("receive_timeout", "60000"), ("receive_timeout", False),
               ("send_timeout", -1), ("send_timeout", {}), ("send_size", -1),
               ("send_size", "16384"), ("send_size", 2.5),
               ("bind_ipv6_only", 1), ("bind_ipv6_only", "true"), ("bind_ipv6_only", None)]
        for key, value in bad:
            with self.subTest(key=key, value=value):
                e = self.c.error("session.set", {key: value})
                self.assertError(e, -32602, param=key)
                self.assertEqual(e["data"]["kind"], ["exn", "type"])
        # Nothing was changed by the rejected calls.
        self.assertEqual(self.c.call("session.get"), DEFAULTS)

    def test_set_unknown_key(self):
        e = self.c.error("session.set", {"read_timeout": 5})
        self.assertError(e, -32602, param="read_timeout")
        e = self.c.error("session.set", {"receive_timeout": 5, "bogus": 1})
        self.assertError(e, -32602, param="bogus")
        self.assertEqual(self.c.call("session.get"), DEFAULTS)

    def test_values_are_per_connection(self):
        self.session_set(receive_timeout=100, accept_timeout=200, send_size=512, bind_ipv6_only=True)
        with self.daemon.client() as c2:
            self.assertEqual(c2.call("session.get"), DEFAULTS)
            self.session_set(client=c2, connect_timeout=42)
            self.assertEqual(self.c.call("session.get")["connect_timeout"], None)
        with self.daemon.client() as c3:
            self.assertEqual(c3.call("session.get"), DEFAULTS)
        self.assertEqual(self.c.call("session.get"),
                         dict(DEFAULTS, receive_timeout=100, accept_timeout=200, send_size=512,
                              bind_ipv6_only=True))

    def test_fresh_connection_starts_with_defaults(self):
        # self.c is new for this test even though earlier tests changed theirs.
        self.session_set(send_size=99)
        self.c.close()
        self.c = self.daemon.client()
        self.assertEqual(self.c.call("session.get"), DEFAULTS)

    # -- receive_timeout -------------------------------------------------

    def test_receive_timeout_from_session(self):
        C, S = self.pair()
        self.session_set(receive_timeout=100)
        e, elapsed = self.timed_error("socket.receive", {"handle": S, "length": 10})
        self.assertError(e, 1002)
        self.assertEqual(e["message"], "operation timed out")
        self.assertGreaterEqual(elapsed, 0.09)
        self.assertLess(elapsed, 5.0)
        e, elapsed = self.timed_error("socket.receive_from", {"handle": S, "length": 10})
        self.assertError(e, 1002)
        # The socket stays usable.
        self.c.call("socket.send", {"handle": C, "text": "ok"})
        r = self.c.call("socket.receive", {"handle": S, "length": 2, "flags": ["waitall"],
                                            "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), b"ok")

    def test_per_call_timeout_overrides_session(self):
        C, S = self.pair()
        self.session_set(receive_timeout=100)
        # A longer per-call timeout: still pending after the session's 100 ms.
        rid = self.c.request("socket.receive", {"handle": S, "length": 5, "timeout": 5000})
        time.sleep(0.3)     # the test is about time passing
        with self.daemon.client() as c2:
            c2.call("socket.send", {"handle": C, "text": "late!"})
        r = self.c.result(rid)
        self.assertEqual(harness.unb64(r["data"]), b"late!")
        # timeout null: never expires, answered by data.
        rid = self.c.request("socket.receive", {"handle": S, "length": 4, "timeout": None})
        time.sleep(0.3)
        with self.daemon.client() as c2:
            c2.call("socket.send", {"handle": C, "text": "null"})
        self.assertEqual(harness.unb64(self.c.result(rid)["data"]), b"null")
        # A shorter per-call timeout than the session's default.
        self.session_set(receive_timeout=None)
        e, elapsed = self.timed_error("socket.receive", {"handle": S, "length": 1, "timeout": 100})
        self.assertError(e, 1002)
        self.assertLess(elapsed, 5.0)

    def test_session_receive_timeout_on_other_connection_not_applied(self):
        C, S = self.pair()
        self.session_set(receive_timeout=100)
        with self.daemon.client() as c2:
            # c2's session still has 60000: its receive stays pending past 100 ms.
            rid = c2.request("socket.receive", {"handle": S, "length": 3})
            time.sleep(0.3)
            self.c.call("socket.send", {"handle": C, "text": "abc"})
            self.assertEqual(harness.unb64(c2.result(rid)["data"]), b"abc")

    # -- accept_timeout --------------------------------------------------

    def test_accept_timeout_from_session(self):
        L, laddr = self.make_listener()
        self.session_set(accept_timeout=100)
        e, elapsed = self.timed_error("socket.accept", {"handle": L})
        self.assertError(e, 1002)
        self.assertGreaterEqual(elapsed, 0.09)
        self.assertLess(elapsed, 5.0)
        # A per-call null waits past the session's 100 ms until a client comes.
        aid = self.c.request("socket.accept", {"handle": L, "timeout": None})
        time.sleep(0.3)
        with self.daemon.client() as c2:
            C = c2.call("socket.create", {"family": "inet", "type": "stream"})["handle"]
            c2.call("socket.connect", {"handle": C, "address": laddr["string"]})
        self.assertIn("handle", self.c.result(aid))

    # -- connect_timeout -------------------------------------------------

    def test_connect_timeout_session_value_is_harmless_on_loopback(self):
        self.session_set(connect_timeout=2000)
        L, laddr = self.make_listener()
        aid = self.c.request("socket.accept", {"handle": L, "timeout": 5000})
        C = self.create("inet")
        r = self.c.call("socket.connect", {"handle": C, "address": laddr["string"]})
        self.assertEqual(r, {"peer": laddr})
        self.assertIn("handle", self.c.result(aid))
        # A refusal is still a refusal (1001), not a timeout, and a per-call
        # null overrides the session value.
        tmp = self.create("inet")
        port = self.c.call("socket.bind", {"handle": tmp, "address": "127.0.0.1:0"})["address"]["port"]
        self.c.call("socket.close", {"handle": tmp})
        C2 = self.create("inet")
        e = self.c.error("socket.connect", {"handle": C2, "address": "127.0.0.1:%d" % port,
                                            "timeout": None})
        self.assertError(e, 1001, errname="ECONNREFUSED")

    # -- send_size -------------------------------------------------------

    def test_send_size_used_by_send_all(self):
        self.session_set(send_size=512)
        B = self.create("inet", "dgram")
        baddr = self.c.call("socket.bind", {"handle": B, "address": "127.0.0.1:0"})["address"]
        A = self.create("inet", "dgram")
        self.c.call("socket.connect", {"handle": A, "address": baddr["string"]})
        payload = os.urandom(1300)
        self.assertEqual(self.c.call("socket.send_all", {"handle": A, "data": harness.b64(payload)}),
                         {"bytes": 1300})
        sizes, got = [], b""
        for _ in range(3):
            r = self.c.call("socket.receive", {"handle": B, "length": 2000, "timeout": 5000})
            sizes.append(r["bytes"])
            got += harness.unb64(r["data"])
        self.assertEqual(sizes, [512, 512, 276])
        self.assertEqual(got, payload)
        # A per-call send_size overrides the session's.
        self.c.call("socket.send_all", {"handle": A, "data": harness.b64(payload),
                                         "send_size": 1000})
        sizes = [self.c.call("socket.receive", {"handle": B, "length": 2000,
                                                "timeout": 5000})["bytes"] for _ in range(2)]
        self.assertEqual(sizes, [1000, 300])
        # Default session: 16384 -> one datagram.
        with self.daemon.client() as c2:
            c2.call("socket.send_all", {"handle": A, "data": harness.b64(payload)})
        r = self.c.call("socket.receive", {"handle": B, "length": 2000, "timeout": 5000})
        self.assertEqual(r["bytes"], 1300)
        self.assertEqual(self.c.call("socket.receive_ready", {"handle": B}), {"ready": False})


if __name__ == "__main__":
    harness.main()
