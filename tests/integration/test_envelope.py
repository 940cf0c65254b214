"""test_envelope.py: the JSON-RPC 2.0 envelope, exactly (PROTOCOL §1, §2).

The JSON-RPC 2.0 specification's own examples, with daemon.ping, net.* and
socket.* in place of "subtract" and "sum" (params must be by name, so the
specification's positional examples get -32602 here), notifications, batches,
id types, framing (\\r\\n, empty lines, one line per reply) and replies matched
by id.
"""

import json
import socket

import harness


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


class EnvelopeTest(harness.DaemonTest):

    def setUp(self):
        super().setUp()
        self.c.sock.settimeout(5.0)

    # -- helpers -----------------------------------------------------------

    def send(self, text, client=None):
        """Send one raw line (text without its newline)."""
        (client or self.c).send_raw(text + "\n")

    def next_msg(self, client=None):
        msg = (client or self.c).read_message()
        self.assertIsNotNone(msg, "daemon closed the connection")
        return msg

    def exchange(self, text, client=None):
        """Send one raw line and return the next message."""
        self.send(text, client)
        return self.next_msg(client)

    def check_reply(self, reply, id):
        """A well-formed response object for `id`: jsonrpc 2.0, exactly one of
        result/error, nothing else at the top level."""
        self.assertIsInstance(reply, dict, reply)
        self.assertEqual(reply.get("jsonrpc"), "2.0", reply)
        self.assertIn("id", reply, reply)
        self.assertEqual(reply["id"], id, reply)
        if id is not None:
            self.assertIs(type(reply["id"]), type(id), reply)
        keys = set(reply)
        self.assertIn(keys, ({"jsonrpc", "id", "result"}, {"jsonrpc", "id", "error"}), reply)
        if "error" in reply:
            err = reply["error"]
            self.assertIsInstance(err, dict, reply)
            self.assertIsInstance(err.get("code"), int, reply)
            self.assertNotIsInstance(err.get("code"), bool, reply)
            self.assertIsInstance(err.get("message"), str, reply)
            self.assertTrue(err["message"], reply)
            self.assertLessEqual(set(err), {"code", "message", "data"}, reply)

    def check_error(self, reply, code, id):
        self.check_reply(reply, id)
        self.assertIn("error", reply, reply)
        self.assertEqual(reply["error"]["code"], code, reply)
        return reply["error"]

    def check_result(self, reply, id):
        self.check_reply(reply, id)
        self.assertIn("result", reply, reply)
        return reply["result"]

    def assert_only_reply_is_ping(self, client=None, id="after"):
        """Send a ping and check the very next message is its reply: proves that
        nothing was queued before it (notifications got no reply)."""
        msg = self.exchange(compact({"jsonrpc": "2.0", "method": "daemon.ping", "id": id}), client)
        self.assertEqual(self.check_result(msg, id), {"pong": True})

    # -- the specification's examples --------------------------------------

    def test_spec_positional_params_get_invalid_params(self):
        # spec: {"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}
        r = self.exchange('{"jsonrpc": "2.0", "method": "daemon.ping", "params": [42, 23], "id": 1}')
        err = self.check_error(r, -32602, 1)
        self.assertEqual(err.get("data", {}).get("param"), "params", err)
        # spec: {"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}
        r = self.exchange('{"jsonrpc": "2.0", "method": "net.inet_address", "params": ["127.0.0.1", 22], "id": 2}')
        self.check_error(r, -32602, 2)

    def test_spec_named_params_any_order(self):
        # spec: {"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}
        r = self.exchange('{"jsonrpc": "2.0", "method": "net.inet_address", '
                          '"params": {"address": "127.0.0.1", "port": 22}, "id": 3}')
        res = self.check_result(r, 3)
        self.assertEqual(res["string"], "127.0.0.1:22")
        self.assertEqual(res["port"], 22)
        # spec: {"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}
        r = self.exchange('{"jsonrpc": "2.0", "method": "net.inet_address", '
                          '"params": {"port": 22, "address": "127.0.0.1"}, "id": 4}')
        self.assertEqual(self.check_result(r, 4), res)

    def test_spec_notifications_get_no_reply(self):
        # spec: {"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}
        self.send('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}')
        # spec: {"jsonrpc": "2.0", "method": "foobar"}
        self.send('{"jsonrpc": "2.0", "method": "foobar"}')
        # a valid notification, and notifications that would fail as requests
        self.send('{"jsonrpc": "2.0", "method": "daemon.ping"}')
        self.send('{"jsonrpc": "2.0", "method": "daemon.ping", "params": [1]}')
        self.send('{"jsonrpc": "2.0", "method": "socket.info", "params": {"handle": 999999}}')
        self.send('{"jsonrpc": "2.0", "method": "socket.create", "params": {"bogus": 1}}')
        self.assert_only_reply_is_ping()

    def test_notification_is_executed(self):
        # A notification runs its method even though nobody hears the answer.
        h = self.create()
        self.send(compact({"jsonrpc": "2.0", "method": "socket.close", "params": {"handle": h}}))
        self.assert_only_reply_is_ping()
        err = self.c.error("socket.info", {"handle": h})
        self.assertError(err, 1010)

    def test_spec_method_not_found(self):
        # spec: {"jsonrpc": "2.0", "method": "foobar", "id": "1"}
        r = self.exchange('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}')
        self.check_error(r, -32601, "1")
        for name in ("socket.nosuch", "daemon", "", "daemon.ping ", "Daemon.Ping", "rpc.discover.x"):
            with self.subTest(method=name):
                r = self.exchange(compact({"jsonrpc": "2.0", "method": name, "id": 7}))
                self.check_error(r, -32601, 7)

    def test_spec_invalid_json(self):
        # spec: {"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]
        r = self.exchange('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]')
        self.check_error(r, -32700, None)
        self.assert_only_reply_is_ping()

    def test_spec_invalid_request_object(self):
        # spec: {"jsonrpc": "2.0", "method": 1, "params": "bar"} -> -32600, id null
        # (not a valid Request, so not a notification: it gets an answer)
        r = self.exchange('{"jsonrpc": "2.0", "method": 1, "params": "bar"}')
        self.check_error(r, -32600, None)
        self.assert_only_reply_is_ping()

    def test_spec_batch_invalid_json(self):
        # spec: a batch that is not valid JSON -> one -32700 object
        r = self.exchange('[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},'
                          '{"jsonrpc": "2.0", "method"]')
        self.check_error(r, -32700, None)
        self.assert_only_reply_is_ping()

    def test_spec_empty_batch(self):
        # spec: [] -> one -32600 object (not an array)
        r = self.exchange("[]")
        self.check_error(r, -32600, None)
        self.assert_only_reply_is_ping()

    def test_spec_batch_of_one_invalid(self):
        # spec: [1] -> [ -32600 ]
        r = self.exchange("[1]")
        self.assertIsInstance(r, list, r)
        self.assertEqual(len(r), 1, r)
        self.check_error(r[0], -32600, None)

    def test_spec_batch_of_invalid_entries(self):
        # spec: [1,2,3] -> array of three -32600 objects
        r = self.exchange("[1,2,3]")
        self.assertIsInstance(r, list, r)
        self.assertEqual(len(r), 3, r)
        for entry in r:
            self.check_error(entry, -32600, None)
        self.assert_only_reply_is_ping()

    def test_spec_mixed_batch(self):
        # spec's batch example, with our methods:
        batch = [
            {"jsonrpc": "2.0", "method": "daemon.ping", "params": {}, "id": "1"},
            {"jsonrpc": "2.0", "method": "daemon.ping"},                            # notification
            {"jsonrpc": "2.0", "method": "net.inet_address", "params": [42, 23], "id": "2"},
            {"foo": "boo"},
            {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
            {"jsonrpc": "2.0", "method": "daemon.version", "id": "9"},
        ]
        r = self.exchange(json.dumps(batch))
        self.assertIsInstance(r, list, r)
        self.assertEqual(len(r), 5, r)
        by_id = {}
        nulls = []
        for entry in r:
            self.assertIsInstance(entry, dict, r)
            if entry.get("id") is None:
                nulls.append(entry)
            else:
                self.assertNotIn(entry["id"], by_id, r)
                by_id[entry["id"]] = entry
        self.assertEqual(set(by_id), {"1", "2", "5", "9"}, r)
        self.assertEqual(len(nulls), 1, r)
        self.assertEqual(self.check_result(by_id["1"], "1"), {"pong": True})
        self.check_error(by_id["2"], -32602, "2")
        self.check_error(nulls[0], -32600, None)
        self.check_error(by_id["5"], -32601, "5")
        self.assertEqual(self.check_result(by_id["9"], "9")["protocol"], 1)
        self.assert_only_reply_is_ping()

    def test_spec_all_notification_batch(self):
        # spec: a batch of notifications only -> nothing at all
        self.send('[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},'
                  '{"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]')
        self.send('[{"jsonrpc": "2.0", "method": "daemon.ping"}]')
        self.assert_only_reply_is_ping()

    def test_batch_is_one_line_and_ids_preserved(self):
        batch = [{"jsonrpc": "2.0", "method": "daemon.ping", "id": i} for i in range(10)]
        self.send(compact(batch))
        line = self.c.read_line()
        self.assertIsNotNone(line)
        r = json.loads(line.decode("utf-8"))
        self.assertIsInstance(r, list)
        self.assertEqual(sorted(e["id"] for e in r), list(range(10)))
        for e in r:
            self.check_result(e, e["id"])

    def test_batch_single_request(self):
        r = self.exchange('[{"jsonrpc":"2.0","method":"daemon.ping","id":42}]')
        self.assertIsInstance(r, list, r)
        self.assertEqual(len(r), 1)
        self.assertEqual(self.check_result(r[0], 42), {"pong": True})

    def test_nested_batch_entry_is_invalid(self):
        # A batch inside a batch is not a request.
        r = self.exchange('[[{"jsonrpc":"2.0","method":"daemon.ping","id":1}],'
                          '{"jsonrpc":"2.0","method":"daemon.ping","id":2}]')
        self.assertIsInstance(r, list, r)
        self.assertEqual(len(r), 2, r)
        errs = [e for e in r if "error" in e]
        oks = [e for e in r if "result" in e]
        self.assertEqual(len(errs), 1, r)
        self.check_error(errs[0], -32600, None)
        self.assertEqual(self.check_result(oks[0], 2), {"pong": True})

    # -- "jsonrpc" member --------------------------------------------------

    def test_jsonrpc_member_required(self):
        cases = [
            '{"method": "daemon.ping", "id": 11}',
            '{"jsonrpc": "1.0", "method": "daemon.ping", "id": 11}',
            '{"jsonrpc": 2.0, "method": "daemon.ping", "id": 11}',
            '{"jsonrpc": 2, "method": "daemon.ping", "id": 11}',
            '{"jsonrpc": "2", "method": "daemon.ping", "id": 11}',
            '{"jsonrpc": "2.0 ", "method": "daemon.ping", "id": 11}',
            '{"jsonrpc": null, "method": "daemon.ping", "id": 11}',
        ]
        for text in cases:
            with self.subTest(request=text):
                r = self.exchange(text)
                # The id is detectable here; the specification allows echoing it
                # or null ("if there was an error in detecting the id").
                self.assertIn(r.get("id"), (11, None), r)
                self.check_error(r, -32600, r.get("id"))
        self.assert_only_reply_is_ping()

    def test_jsonrpc_missing_without_id_still_answered(self):
        # Not a valid Request, hence not a notification.
        r = self.exchange('{"method": "daemon.ping"}')
        self.check_error(r, -32600, None)

    # -- id ----------------------------------------------------------------

    def test_id_types_accepted(self):
        for text, id in [
            ('"abc"', "abc"),
            ('""', ""),
            ('"\\u00e9\\n"', "\u00e9\n"),
            ("0", 0),
            ("-5", -5),
            ("9007199254740993", 9007199254740993),
            ("1.5", 1.5),
        ]:
            with self.subTest(id=text):
                r = self.exchange('{"jsonrpc":"2.0","method":"daemon.ping","id":%s}' % text)
                self.assertEqual(self.check_result(r, id), {"pong": True})

    def test_id_null_is_answered(self):
        # id null is a request (not a notification): it gets a reply with id null.
        r = self.exchange('{"jsonrpc":"2.0","method":"daemon.ping","id":null}')
        self.assertEqual(self.check_result(r, None), {"pong": True})
        r = self.exchange('{"jsonrpc":"2.0","method":"no.such","id":null}')
        self.check_error(r, -32601, None)

    def test_id_bad_types_rejected(self):
        for text in ('{"a":1}', "true", "false", "[1]", "[]", "{}"):
            with self.subTest(id=text):
                r = self.exchange('{"jsonrpc":"2.0","method":"daemon.ping","id":%s}' % text)
                self.check_error(r, -32600, None)
        self.assert_only_reply_is_ping()

    # -- method and params -------------------------------------------------

    def test_method_not_a_string(self):
        for text in ("1", "null", "true", '{"a":1}', '["daemon.ping"]'):
            with self.subTest(method=text):
                r = self.exchange('{"jsonrpc":"2.0","method":%s,"id":12}' % text)
                self.assertIn(r.get("id"), (12, None), r)
                self.check_error(r, -32600, r.get("id"))

    def test_method_missing(self):
        r = self.exchange('{"jsonrpc":"2.0","id":13}')
        self.assertIn(r.get("id"), (13, None), r)
        self.check_error(r, -32600, r.get("id"))

    def test_unknown_method(self):
        r = self.exchange('{"jsonrpc":"2.0","method":"socket.frobnicate","params":{},"id":14}')
        self.check_error(r, -32601, 14)

    def test_params_array_invalid_params(self):
        for text in ("[]", "[1]", '[{"family":"inet","type":"stream"}]'):
            with self.subTest(params=text):
                r = self.exchange('{"jsonrpc":"2.0","method":"socket.create","params":%s,"id":15}' % text)
                err = self.check_error(r, -32602, 15)
                self.assertEqual(err.get("data", {}).get("param"), "params", err)

    def test_params_not_structured(self):
        for text in ('"bar"', "1", "true"):
            with self.subTest(params=text):
                r = self.exchange('{"jsonrpc":"2.0","method":"daemon.ping","params":%s,"id":16}' % text)
                self.assertIn(r.get("id"), (16, None), r)
                self.check_error(r, -32600, r.get("id"))

    def test_params_absent_or_empty_object(self):
        r = self.exchange('{"jsonrpc":"2.0","method":"daemon.ping","id":17}')
        self.assertEqual(self.check_result(r, 17), {"pong": True})
        r = self.exchange('{"jsonrpc":"2.0","method":"daemon.ping","params":{},"id":18}')
        self.assertEqual(self.check_result(r, 18), {"pong": True})

    def test_not_an_object(self):
        for text in ('"daemon.ping"', "42", "null", "true"):
            with self.subTest(request=text):
                r = self.exchange(text)
                self.check_error(r, -32600, None)
        self.assert_only_reply_is_ping()

    def test_member_order_irrelevant(self):
        r = self.exchange('{"id":19,"params":{},"method":"daemon.ping","jsonrpc":"2.0"}')
        self.assertEqual(self.check_result(r, 19), {"pong": True})

    # -- framing -----------------------------------------------------------

    def test_crlf_accepted(self):
        self.c.send_raw('{"jsonrpc":"2.0","method":"daemon.ping","id":20}\r\n'
                        '{"jsonrpc":"2.0","method":"daemon.ping","id":21}\r\n')
        self.assertEqual(self.check_result(self.next_msg(), 20), {"pong": True})
        self.assertEqual(self.check_result(self.next_msg(), 21), {"pong": True})
        # an error reply is not triggered by the \r either
        self.c.send_raw('{"jsonrpc":"2.0","method":"net.unix_address","params":{"path":"/tmp/x"},"id":22}\r\n')
        self.assertEqual(self.check_result(self.next_msg(), 22)["path"], "/tmp/x")

    def test_empty_lines_ignored(self):
        self.c.send_raw("\n\n\r\n\n")
        self.c.send_raw('\n{"jsonrpc":"2.0","method":"daemon.ping","id":23}\n\n\r\n')
        self.assertEqual(self.check_result(self.next_msg(), 23), {"pong": True})
        self.assert_only_reply_is_ping()

    def test_request_split_across_writes(self):
        text = '{"jsonrpc":"2.0","method":"daemon.ping","id":24}\n'
        for ch in text:
            self.c.send_raw(ch)
        self.assertEqual(self.check_result(self.next_msg(), 24), {"pong": True})

    def test_replies_are_one_line_each(self):
        # A result and an error that both contain a newline character: the
        # daemon must escape it, never write a raw newline inside a message.
        self.c.send_raw(compact({"jsonrpc": "2.0", "method": "net.unix_address",
                                 "params": {"path": "/tmp/a\nb"}, "id": 25}) + "\n")
        self.c.send_raw(compact({"jsonrpc": "2.0", "method": "no\nsuch", "id": "x\ny"}) + "\n")
        self.c.send_raw(compact({"jsonrpc": "2.0", "method": "rpc.discover", "id": 26}) + "\n")
        seen = {}
        for _ in range(3):
            line = self.c.read_line()
            self.assertIsNotNone(line)
            self.assertNotIn(b"\r", line)
            msg = json.loads(line.decode("utf-8"))   # the whole message on one line
            self.assertIsInstance(msg, dict)
            seen[msg["id"]] = msg
        self.assertEqual(set(seen), {25, "x\ny", 26})
        self.assertEqual(self.check_result(seen[25], 25)["path"], "/tmp/a\nb")
        self.check_error(seen["x\ny"], -32601, "x\ny")
        self.assertIn("methods", self.check_result(seen[26], 26))

    def test_replies_matched_by_id(self):
        """A receive that waits is answered after the pings sent behind it."""
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        try:
            h = self.create()
            self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % srv.getsockname()[1]})
            peer, _ = srv.accept()
            with peer:
                self.c.send_raw(compact({"jsonrpc": "2.0", "method": "socket.receive",
                                         "params": {"handle": h, "length": 100, "timeout": 5000},
                                         "id": "recv"}) + "\n")
                for i in range(5):
                    self.c.send_raw(compact({"jsonrpc": "2.0", "method": "daemon.ping", "id": i}) + "\n")
                order = []
                for _ in range(5):
                    msg = self.next_msg()
                    order.append(msg["id"])
                    self.check_result(msg, msg["id"])
                self.assertEqual(sorted(order), [0, 1, 2, 3, 4])
                peer.sendall(b"late")
                msg = self.next_msg()
                res = self.check_result(msg, "recv")
                self.assertEqual(harness.unb64(res["data"]), b"late")
            self.c.call("socket.close", {"handle": h})
        finally:
            srv.close()

    def test_duplicate_ids_each_answered(self):
        # Ids are the client's business: two requests with the same id both get
        # a reply.
        self.c.send_raw('{"jsonrpc":"2.0","method":"daemon.ping","id":30}\n'
                        '{"jsonrpc":"2.0","method":"no.such","id":30}\n')
        a = self.next_msg()
        b = self.next_msg()
        kinds = sorted("result" if "result" in m else "error" for m in (a, b))
        self.assertEqual(kinds, ["error", "result"])
        for m in (a, b):
            self.check_reply(m, 30)


if __name__ == "__main__":
    harness.main()
