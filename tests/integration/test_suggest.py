"""test_suggest.py: errors that help (PROTOCOL §2).

-32601 names the method asked for in data.method and, when a method is
close, data.did_you_mean; an unknown param's -32602 has data.did_you_mean
when a param of that method is close.  The name quoted back is the client's:
it must stay valid JSON text and bounded (128 bytes, cut on a whole UTF-8
character), however long the name sent.
"""

import json

import harness

NAME_MAX = 128


class MethodNotFoundTest(harness.DaemonTest):

    def not_found(self, method):
        err = self.c.error(method)
        self.assertEqual(err["code"], -32601, err)
        self.assertEqual(err["message"], "Method not found", err)
        return err.get("data")

    def test_did_you_mean(self):
        for typed, meant in (("socket.craete", "socket.create"),
                             ("Socket.Create", "socket.create"),
                             ("create", "socket.create"),
                             ("create.socket", "socket.create"),
                             ("daemon.pong", "daemon.ping"),
                             ("tcp.lisen", "tcp.listen"),
                             ("socket.receive-from", "socket.receive_from")):
            with self.subTest(method=typed):
                self.assertEqual(self.not_found(typed),
                                 {"method": typed, "did_you_mean": meant})

    def test_nothing_close(self):
        for typed in ("zzz", "", "make.coffee", "socket"):
            with self.subTest(method=typed):
                self.assertEqual(self.not_found(typed), {"method": typed})

    def test_exact_reply(self):
        self.c.send_raw('{"jsonrpc":"2.0","id":7,"method":"socket.craete"}\n')
        self.assertEqual(self.c.read_line(),
                         b'{"jsonrpc":"2.0","id":7,"error":{"code":-32601,'
                         b'"message":"Method not found","data":{"method":"socket.craete",'
                         b'"did_you_mean":"socket.create"}}}')

    def test_name_is_bounded(self):
        """A long name comes back as its first 128 bytes, whole characters only."""
        data = self.not_found("m" * 100000)
        self.assertEqual(data, {"method": "m" * NAME_MAX})
        # "é" is 2 bytes; one starting at byte 127 would be cut: it is left out.
        name = "a" * (NAME_MAX - 1) + "\u00e9" * 10
        self.assertEqual(self.not_found(name)["method"], "a" * (NAME_MAX - 1))
        name = "\u20ac" * 100                   # 3 bytes each: 42 fit
        self.assertEqual(self.not_found(name)["method"], "\u20ac" * 42)

    def test_name_is_escaped(self):
        """The name's bytes come back as valid JSON text, escapes and all."""
        for typed in ('a"b\\c', "tab\there", "\u2028", "\U0001f600.x"):
            with self.subTest(method=typed):
                self.c.send_raw(json.dumps({"jsonrpc": "2.0", "id": 1, "method": typed}) + "\n")
                line = self.c.read_line()
                reply = json.loads(line.decode("utf-8"))
                self.assertNotIn(b"\n", line)
                self.assertEqual(reply["error"].get("data", {}).get("method"), typed)

    def test_in_a_batch(self):
        self.c.send_raw('[{"jsonrpc":"2.0","id":1,"method":"daemon.pign"},'
                        '{"jsonrpc":"2.0","id":2,"method":"daemon.ping"}]\n')
        replies = {r["id"]: r for r in self.c.read_message()}
        self.assertEqual(replies[1]["error"].get("data"),
                         {"method": "daemon.pign", "did_you_mean": "daemon.ping"})
        self.assertEqual(replies[2]["result"], {"pong": True})

    def test_notification_still_silent(self):
        self.c.notify("socket.craete")
        self.assertEqual(self.c.call("daemon.ping"), {"pong": True})


class UnknownParamTest(harness.DaemonTest):

    def unknown(self, method, params):
        err = self.c.error(method, params)
        self.assertEqual(err["code"], -32602, err)
        return err["data"]

    def test_did_you_mean(self):
        for method, params, typed, meant in (
                ("socket.create", {"famliy": "inet", "type": "stream"}, "famliy", "family"),
                ("socket.create", {"family": "inet", "Type": "stream"}, "Type", "type"),
                ("net.unix_address", {"pth": "/tmp/x"}, "pth", "path"),
                ("tcp.connect", {"host": "127.0.0.1:1", "happy-eyeballs": True},
                 "happy-eyeballs", "happy_eyeballs"),
                ("socket.send", {"handle": 1, "txet": "x"}, "txet", "text"),
                ("socket.receive", {"handle": 1, "length": 1, "timout": 5}, "timout", "timeout")):
            with self.subTest(method=method, param=typed):
                self.assertEqual(self.unknown(method, params),
                                 {"kind": ["exn", "type"], "param": typed,
                                  "did_you_mean": meant})

    def test_nothing_close(self):
        data = self.unknown("socket.create", {"family": "inet", "type": "stream", "zz": 1})
        self.assertEqual(data, {"kind": ["exn", "type"], "param": "zz"})
        # Only the method's own params are suggested.
        data = self.unknown("daemon.ping", {"handle": 1})
        self.assertEqual(data, {"kind": ["exn", "type"], "param": "handle"})

    def test_name_is_bounded(self):
        data = self.unknown("daemon.ping", {"p" * 100000: 1})
        self.assertEqual(data["param"], "p" * NAME_MAX)
        self.assertNotIn("did_you_mean", data)


if __name__ == "__main__":
    harness.main()
