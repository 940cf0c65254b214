"""test_badinput.py: every bad input gets its exact error, and the daemon
keeps answering afterwards (PROTOCOL §1-§4, DESIGN wire decisions).
"""

import json

import harness


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def nested_params(depth_of_request):
    """A daemon.ping request whose total nesting depth is `depth_of_request`
    (the request object is level 1, params level 2, then arrays), with an
    unknown param "x" so the reply tells a depth error (-32600) from a
    request that was parsed (-32602 param x)."""
    arrays = depth_of_request - 2
    assert arrays >= 1
    return ('{"jsonrpc":"2.0","id":1,"method":"daemon.ping","params":{"x":'
            + "[" * arrays + "]" * arrays + "}}")


class BadInputTest(harness.DaemonTest):

    def setUp(self):
        super().setUp()
        self.c.sock.settimeout(5.0)
        self.to_close = []

    def tearDown(self):
        for h in self.to_close:
            try:
                self.c.call("socket.close", {"handle": h, "force": True})
            except Exception:
                pass
        super().tearDown()

    # -- helpers -----------------------------------------------------------

    def exchange_raw(self, data, client=None):
        c = client or self.c
        c.send_raw(data)
        msg = c.read_message()
        self.assertIsNotNone(msg, "daemon closed the connection")
        return msg

    def usable(self, client=None):
        """The connection still works: a ping gets its reply next."""
        c = client or self.c
        msg = self.exchange_raw('{"jsonrpc":"2.0","method":"daemon.ping","id":"alive"}\n', c)
        self.assertEqual(msg, {"jsonrpc": "2.0", "id": "alive", "result": {"pong": True}})

    def assertNullIdError(self, msg, code):
        self.assertIsInstance(msg, dict, msg)
        self.assertIn("id", msg, msg)
        self.assertIsNone(msg["id"], msg)
        self.assertNotIn("result", msg, msg)
        self.assertEqual(msg["error"]["code"], code, msg)
        return msg["error"]

    def param_error(self, method, params, param):
        err = self.c.error(method, params)
        self.assertError(err, -32602, param=param)
        self.assertEqual(err.get("data", {}).get("kind"), ["exn", "type"], err)
        return err

    def handle(self, family="inet", type="stream"):
        h = self.create(family, type)
        self.to_close.append(h)
        return h

    # -- framing and JSON --------------------------------------------------

    def test_invalid_json(self):
        cases = [
            '{"jsonrpc":"2.0",',
            "{",
            "}",
            "nope",
            "[1,2",
            "{'jsonrpc':'2.0','method':'daemon.ping','id':1}",
            '{"jsonrpc":"2.0","method":"daemon.ping","id":1} x',
            '{"jsonrpc":"2.0","method":"daemon.ping","id":1}}',
            '{"jsonrpc":"2.0","method":"daemon.ping","id":NaN}',
            '{"jsonrpc":"2.0","method":"daemon.ping","id":Infinity}',
            '{"jsonrpc":"2.0","method":"daemon.ping","id":1,}',
            '[{"jsonrpc":"2.0","method":"daemon.ping","id":1},]',
            '{"jsonrpc":"2.0",/* c */"method":"daemon.ping","id":1}',
            '{"jsonrpc":"2.0","method":"daemon.ping","id":01}',
            '{"jsonrpc":"2.0","method":"daemon.ping","id":"a\tb"}',
            '{"jsonrpc":"2.0","method":"daemon.ping","id":"\\x41"}',
            '{"jsonrpc":"2.0","method":"daemon.ping","id":tru}',
        ]
        for text in cases:
            with self.subTest(line=text):
                self.assertNullIdError(self.exchange_raw(text + "\n"), -32700)
                self.usable()
        self.assertAlive()

    def test_invalid_json_resynchronises_on_newline(self):
        # Bad line and good line in one write: the good one is answered.
        self.c.send_raw('{"broken\n{"jsonrpc":"2.0","method":"daemon.ping","id":5}\n')
        self.assertNullIdError(self.c.read_message(), -32700)
        self.assertEqual(self.c.read_message(), {"jsonrpc": "2.0", "id": 5, "result": {"pong": True}})

    def test_invalid_utf8_in_string(self):
        cases = [
            b"\xff",
            b"\xc3",               # truncated 2-byte sequence
            b"\xe2\x82",           # truncated 3-byte sequence
            b"\xc0\xaf",           # overlong "/"
            b"\xed\xa0\x80",       # UTF-16 surrogate encoded in UTF-8
            b"\xf4\x90\x80\x80",   # above U+10FFFF
            b"\x80",               # lone continuation byte
        ]
        for bad in cases:
            with self.subTest(bytes=bad):
                line = b'{"jsonrpc":"2.0","method":"daemon.ping","id":"a' + bad + b'b"}\n'
                self.assertNullIdError(self.exchange_raw(line), -32700)
                self.usable()
            with self.subTest(bytes=bad, where="param"):
                line = (b'{"jsonrpc":"2.0","method":"socket.send","id":2,"params":'
                        b'{"handle":1,"text":"' + bad + b'"}}\n')
                self.assertNullIdError(self.exchange_raw(line), -32700)
                self.usable()
        self.assertAlive()

    def test_valid_utf8_accepted(self):
        # The control: well-formed multi-byte UTF-8 is fine.
        line = '{"jsonrpc":"2.0","method":"daemon.ping","id":"h\u00e9\u20ac\U0001f600"}\n'.encode("utf-8")
        msg = self.exchange_raw(line)
        self.assertEqual(msg.get("id"), "h\u00e9\u20ac\U0001f600")
        self.assertEqual(msg.get("result"), {"pong": True})

    def test_message_over_max_message(self):
        other = self.daemon.client(timeout=5.0)
        try:
            self.assertEqual(other.call("daemon.ping"), {"pong": True})
            big = ('{"jsonrpc":"2.0","id":1,"method":"daemon.ping","params":{"x":"'
                   + "a" * (1 << 20) + '"}}\n')
            try:
                self.c.send_raw(big)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the daemon may close before reading it all
            msg = self.c.read_message()
            err = self.assertNullIdError(msg, -32600)
            self.assertEqual(err.get("data", {}).get("limit"), "max_message", err)
            self.assertIsNone(self.c.read_line(), "connection not closed after over-long message")
            # other connections unaffected
            self.assertEqual(other.call("daemon.ping"), {"pong": True})
        finally:
            other.close()
        self.assertAlive()

    def test_message_just_under_max_message_is_parsed(self):
        # A message well inside 1 MiB with a long string is processed normally.
        text = ('{"jsonrpc":"2.0","id":1,"method":"daemon.ping","params":{"x":"'
                + "a" * 900000 + '"}}\n')
        msg = self.exchange_raw(text)
        self.assertEqual(msg["id"], 1, msg)
        self.assertEqual(msg["error"]["code"], -32602, msg)
        self.assertEqual(msg["error"]["data"]["param"], "x", msg)
        self.usable()

    def test_nesting_deeper_than_32(self):
        msg = self.exchange_raw(nested_params(33) + "\n")
        err = self.assertNullIdError(msg, -32600)
        self.assertEqual(err.get("data", {}).get("limit"), "max_depth", err)
        self.usable()
        # deep top-level arrays too
        msg = self.exchange_raw("[" * 200 + "]" * 200 + "\n")
        err = self.assertNullIdError(msg, -32600)
        self.assertEqual(err.get("data", {}).get("limit"), "max_depth", err)
        self.usable()
        self.assertAlive()

    def test_nesting_exactly_32_is_not_a_depth_error(self):
        msg = self.exchange_raw(nested_params(32) + "\n")
        self.assertEqual(msg.get("id"), 1, msg)
        self.assertEqual(msg["error"]["code"], -32602, msg)
        self.assertEqual(msg["error"]["data"]["param"], "x", msg)
        self.usable()

    # -- params: names and presence ----------------------------------------

    def test_unknown_param(self):
        self.param_error("daemon.ping", {"bogus": 1}, "bogus")
        self.param_error("socket.create", {"family": "inet", "type": "stream", "famly": "inet"}, "famly")
        self.param_error("net.unix_address", {"path": "/tmp/x", "Path": "/tmp/y"}, "Path")
        # the first unknown one is named
        err = self.c.error("socket.create", {"family": "inet", "zzz": 1, "type": "stream", "aaa": 2})
        self.assertError(err, -32602, param="zzz")
        self.assertAlive()

    def test_param_name_with_nul(self):
        # a name that a NUL would cut is refused as such, not named cut short
        err = self.c.error("daemon.ping", {"pa\u0000bath": 1})
        self.assertError(err, -32602)
        self.assertIn("NUL", err["message"])
        self.assertIsNone(err.get("data", {}).get("param"))
        self.assertAlive()

    def test_missing_required_param(self):
        self.param_error("socket.create", {"family": "inet"}, "type")
        self.param_error("socket.create", {"type": "stream"}, "family")
        self.param_error("socket.close", {}, "handle")
        self.param_error("socket.info", None, "handle")
        self.param_error("net.unix_address", {}, "path")
        h = self.handle()
        self.param_error("socket.bind", {"handle": h}, "address")
        self.param_error("socket.receive", {"handle": h}, "length")
        self.assertAlive()

    def test_ill_typed_params(self):
        h = self.handle()
        cases = [
            ("socket.listen", '{"handle":%d,"backlog":"10"}' % h, "backlog"),    # string for integer
            ("socket.listen", '{"handle":%d,"backlog":1.5}' % h, "backlog"),     # float for integer
            ("socket.listen", '{"handle":%d,"backlog":1.0}' % h, "backlog"),     # 1.0 for integer
            ("socket.listen", '{"handle":%d,"backlog":true}' % h, "backlog"),    # bool for integer
            ("socket.listen", '{"handle":%d,"backlog":[10]}' % h, "backlog"),
            ("socket.receive", '{"handle":%d,"length":"5"}' % h, "length"),
            ("socket.receive", '{"handle":%d,"length":5.0}' % h, "length"),
            ("net.unix_address", '{"path":5}', "path"),                          # integer for string
            ("net.unix_address", '{"path":true}', "path"),
            ("net.unix_address", '{"path":null}', "path"),
            ("net.unix_address", '{"path":["/tmp/x"]}', "path"),
            ("socket.create", '{"family":2.0,"type":"stream"}', "family"),
            ("socket.create", '{"family":"inet","type":true}', "type"),
            ("socket.close", '{"handle":%d,"force":1}' % h, "force"),            # integer for bool
            ("socket.close", '{"handle":%d,"force":"true"}' % h, "force"),
            ("socket.info", '{"handle":1.0}', "handle"),
            ("socket.info", '{"handle":null}', "handle"),
            ("socket.info", '{"handle":true}', "handle"),
            ("socket.send", '{"handle":%d,"text":5}' % h, "text"),
            ("socket.send", '{"handle":%d,"data":5}' % h, "data"),
        ]
        for method, params, param in cases:
            with self.subTest(method=method, params=params):
                msg = self.exchange_raw('{"jsonrpc":"2.0","id":"t","method":"%s","params":%s}\n'
                                        % (method, params))
                self.assertEqual(msg.get("id"), "t", msg)
                self.assertIn("error", msg, msg)
                self.assertError(msg["error"], -32602, param=param)
        # nothing was done to the handle by the refused calls
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "open")
        self.assertAlive()

    # -- addresses ---------------------------------------------------------

    def test_port_out_of_range(self):
        self.param_error("net.inet_address", {"address": "127.0.0.1", "port": 65536}, "port")
        self.param_error("net.inet_address", {"address": "127.0.0.1", "port": -1}, "port")
        self.param_error("net.inet_address", {"address": "127.0.0.1", "port": 1 << 32}, "port")
        self.param_error("net.inet_address", {"address": "127.0.0.1", "port": "65536"}, "port")
        self.param_error("net.inet_address", {"address": "127.0.0.1", "port": "http"}, "port")
        self.param_error("net.inet_address", {"address": "127.0.0.1", "port": "-1"}, "port")
        # the boundaries themselves are fine
        self.assertEqual(self.c.call("net.inet_address", {"address": "127.0.0.1", "port": 65535})["port"], 65535)
        self.assertEqual(self.c.call("net.inet_address", {"address": "127.0.0.1", "port": 0})["port"], 0)
        h = self.handle()
        for addr in ("127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:http", "127.0.0.1:99999999999",
                     {"family": "inet", "address": "127.0.0.1", "port": 65536},
                     {"family": "inet", "address": "127.0.0.1", "port": -1}):
            with self.subTest(address=addr):
                self.param_error("socket.bind", {"handle": h, "address": addr}, "address")
                self.param_error("socket.connect", {"handle": h, "address": addr}, "address")
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "open")
        if harness.has_ipv6_loopback():
            h6 = self.handle("inet6")
            self.param_error("socket.bind", {"handle": h6, "address": "[::1]:65536"}, "address")
        self.assertAlive()

    def test_non_numeric_host_in_sockaddr(self):
        h = self.handle()
        err = self.c.error("socket.bind", {"handle": h, "address": "localhost:0"})
        self.assertIn(err["code"], (-32602, 1000), err)
        self.assertAlive()

    def test_unix_path_too_long(self):
        long_path = "/" + "a" * 107            # 108 bytes: does not fit sun_path with its NUL
        self.assertEqual(len(long_path.encode()), 108)
        self.param_error("net.unix_address", {"path": long_path}, "path")
        self.param_error("net.unix_address", {"path": "/" + "b" * 300}, "path")
        h = self.handle("unix")
        self.param_error("socket.bind", {"handle": h, "address": long_path}, "address")
        self.param_error("socket.bind", {"handle": h, "address": {"family": "unix", "path": long_path}},
                         "address")
        self.param_error("socket.connect", {"handle": h, "address": long_path}, "address")
        # nothing was created, nothing truncated
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "open")
        self.assertAlive()

    def test_unix_path_107_bytes_accepted(self):
        path = "/" + "c" * 106
        self.assertEqual(len(path.encode()), 107)
        res = self.c.call("net.unix_address", {"path": path})
        self.assertEqual(res["family"], "unix")
        self.assertEqual(res["path"], path)
        self.assertEqual(res["string"], path)

    def test_unix_path_relative(self):
        for path in ("rel/sock", "sock", "./sock", "../sock", ""):
            with self.subTest(path=path):
                self.param_error("net.unix_address", {"path": path}, "path")
        h = self.handle("unix")
        self.param_error("socket.bind", {"handle": h, "address": {"family": "unix", "path": "rel/sock"}},
                         "address")
        self.param_error("socket.bind", {"handle": h, "address": "rel/sock"}, "address")
        self.assertAlive()

    # -- handles -----------------------------------------------------------

    def test_unknown_handle(self):
        for method, extra in (("socket.info", {}), ("socket.close", {}),
                              ("socket.bind", {"address": "127.0.0.1:0"}),
                              ("socket.send", {"text": "x"}),
                              ("socket.receive", {"length": 1})):
            with self.subTest(method=method):
                params = {"handle": 987654321}
                params.update(extra)
                err = self.c.error(method, params)
                self.assertError(err, 1010)
                self.assertEqual(err["data"].get("handle"), 987654321, err)
                self.assertEqual(err["data"].get("kind"), ["exn", "sock6d", "handle"], err)
        self.assertAlive()

    def test_closed_handle(self):
        h = self.create()
        self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
        for method, extra in (("socket.info", {}), ("socket.close", {}),
                              ("socket.listen", {}),
                              ("socket.send", {"text": "x"})):
            with self.subTest(method=method):
                params = {"handle": h}
                params.update(extra)
                err = self.c.error(method, params)
                self.assertError(err, 1010)
                self.assertEqual(err["data"].get("handle"), h, err)
        # force: true never fails
        self.assertEqual(self.c.call("socket.close", {"handle": h, "force": True}), {})
        # a closed handle never comes back: the next create gets a new number
        h2 = self.handle()
        self.assertNotEqual(h2, h)
        self.assertAlive()

    def test_bad_handle_values(self):
        for value in (0, -1, -987654321, "1", "abc", 1.5, 1.0, [1], {"handle": 1}):
            with self.subTest(handle=value):
                self.param_error("socket.info", {"handle": value}, "handle")
                self.param_error("socket.close", {"handle": value}, "handle")
        self.assertAlive()

    # -- values ------------------------------------------------------------

    def test_receive_length_zero(self):
        h = self.handle()
        self.param_error("socket.receive", {"handle": h, "length": 0}, "length")
        self.param_error("socket.receive", {"handle": h, "length": -1}, "length")
        self.param_error("socket.receive_from", {"handle": h, "length": 0}, "length")
        self.param_error("socket.receive", {"handle": h, "length": (1 << 20) + 1}, "length")
        self.assertAlive()

    def test_bad_base64(self):
        h = self.handle()
        for data in ("!!!!", "abc", "YW=J", "YW", "Y===", "YWJj\n", " YWJj", "YWJj=", "YW Jj"):
            with self.subTest(data=data):
                self.param_error("socket.send", {"handle": h, "data": data}, "data")
        self.assertAlive()

    def test_data_and_text(self):
        h = self.handle()
        self.param_error("socket.send", {"handle": h, "data": "YWJj", "text": "abc"}, "data")
        self.param_error("socket.send", {"handle": h}, "data")
        self.param_error("socket.send_all", {"handle": h, "data": "YWJj", "text": "abc"}, "data")
        self.param_error("socket.send_to", {"handle": h, "data": "YWJj", "text": "abc",
                                            "address": "127.0.0.1:9"}, "data")
        self.assertAlive()

    def test_unknown_family_type_protocol(self):
        self.param_error("socket.create", {"family": "inet7", "type": "stream"}, "family")
        self.param_error("socket.create", {"family": "INET", "type": "stream"}, "family")
        self.param_error("socket.create", {"family": "", "type": "stream"}, "family")
        self.param_error("socket.create", {"family": "inet", "type": "streem"}, "type")
        self.param_error("socket.create", {"family": "inet", "type": "sock/streem"}, "type")
        self.param_error("socket.create", {"family": "af/inet7", "type": "stream"}, "family")
        # a type with SOCK_NONBLOCK (2048) or SOCK_CLOEXEC bits: the daemon sets those
        self.param_error("socket.create", {"family": "inet", "type": 2051}, "type")
        self.param_error("socket.create", {"family": "inet", "type": 1 | 0o2000000}, "type")
        self.param_error("socket.create", {"family": "inet", "type": "stream", "protocol": "tcpp"}, "protocol")
        self.param_error("socket.create", {"family": "inet", "type": "stream", "scope": "forever"}, "scope")
        self.assertAlive()

    def test_error_messages_stay_utf8(self):
        # Messages quote client text cut to a length: never inside a character.
        name = "a" + "\u00e9" * 40
        self.param_error("socket.create", {"family": name, "type": "stream"}, "family")
        err = self.c.error("daemon.ping", {name: 1})
        self.assertError(err, -32602, param=name)
        self.assertAlive()

    def test_bad_flags(self):
        h = self.handle()
        self.param_error("socket.receive", {"handle": h, "length": 1, "flags": ["peek", "bogus"]}, "flags")
        self.param_error("socket.receive", {"handle": h, "length": 1, "flags": "peek"}, "flags")
        self.param_error("socket.send", {"handle": h, "text": "x", "flags": ["nosuch"]}, "flags")
        # integers only with the bits the names stand for (8192: MSG_ERRQUEUE)
        self.param_error("socket.receive", {"handle": h, "length": 1, "flags": 8192}, "flags")
        self.param_error("socket.send", {"handle": h, "text": "x", "flags": 1 << 30}, "flags")
        self.assertAlive()

    def test_negative_timeout(self):
        h = self.handle()
        self.param_error("socket.receive", {"handle": h, "length": 1, "timeout": -1}, "timeout")
        self.param_error("socket.receive", {"handle": h, "length": 1, "timeout": "100"}, "timeout")
        self.param_error("socket.receive", {"handle": h, "length": 1, "timeout": 1.5}, "timeout")
        self.param_error("socket.accept", {"handle": h, "timeout": -5}, "timeout")
        self.param_error("socket.connect", {"handle": h, "address": "127.0.0.1:9", "timeout": -1}, "timeout")
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "open")
        self.assertAlive()

    def test_bad_input_does_not_affect_other_connections(self):
        other = self.daemon.client(timeout=5.0)
        try:
            h = other.call("socket.create", {"family": "inet", "type": "stream", "scope": "connection"})["handle"]
            for text in ("{", "[]", "[1,2,3]", '{"jsonrpc":"2.0","method":1,"id":1}'):
                self.exchange_raw(text + "\n")
            self.assertEqual(other.call("socket.info", {"handle": h})["handle"], h)
        finally:
            other.close()
        self.assertAlive()


if __name__ == "__main__":
    harness.main()
