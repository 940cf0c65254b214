"""test_held_memory.py: what a parked call really holds counts in
pending_bytes_per_user.  A parked call keeps its request's parsed document
(the line twice and a node per value), not only the line's length; a batch
member keeps a document of its own, so that the other members' (answered
at once) are freed while it waits; a batch's line counts until its last
member is dispatched.  Measured against the daemon's RSS.
"""

import json

import harness

MIB = 1 << 20
LIMIT = 8 * MIB
NODE = 40           # bytes a parsed value takes, at the least


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


class HeldMemoryTest(harness.DaemonTest):

    DAEMON_ARGS = ("--limit", "pending_bytes_per_user=%d" % LIMIT)

    def setUp(self):
        super().setUp()
        pid = self.daemon.proc.pid
        with open("/proc/%d/maps" % pid) as f:
            if "libasan" in f.read():
                self.skipTest("a sanitizer's allocator keeps freed memory on purpose")
        self.pid = pid

    def udp_handle(self):
        h = self.create(type="dgram")
        self.c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})
        self.addCleanup(self.close_handle, h)
        return h

    def close_handle(self, h):
        with self.daemon.client() as c:
            c.call("socket.close", {"handle": h})

    def settle(self, c):
        """Every line sent on c is dispatched once a ping behind them is
        answered: the messages that came before it, by kind."""
        c.wait(c.request("daemon.ping"))
        arrays = [m for m in c.notifications if isinstance(m, list)]
        c.notifications = []
        replies, c.replies = c.replies, {}
        return arrays, replies

    def connections_back_to_one(self):
        harness.wait_until(lambda: self.c.call("daemon.stats")["connections"] == 1,
                           what="the client's connection gone")

    @harness.skip_under_wrapper(harness.RSS_UNDER_WRAPPER)
    def test_batch_member_keeps_only_its_own_document(self):
        # the probe's batch: a receive that waits forever, and a member
        # answered at once whose params hold 100,000 values (~5 MB parsed,
        # for a line of 200 KB); the answered member's tree goes at once
        h = self.udp_handle()
        n, values = 16, 100000
        pad = "[" + ",".join(["0"] * values) + "]"
        baseline = harness.rss(self.pid)
        with self.daemon.client() as c:
            for i in range(n):
                c.send_raw("[%s,%s]\n" % (
                    compact({"jsonrpc": "2.0", "id": i, "method": "socket.receive",
                             "params": {"handle": h, "length": 100, "timeout": None}}),
                    '{"jsonrpc":"2.0","id":"x","method":"daemon.ping","params":{"pad":%s}}' % pad))
            arrays, _ = self.settle(c)
            held = harness.rss(self.pid) - baseline
            # nothing refused: what is left is small, and counted
            self.assertEqual(arrays, [])
            self.assertLess(held, 3 * LIMIT,
                            "%d batches hold %d MB of RSS" % (n, held >> 20))
        self.connections_back_to_one()

    @harness.skip_under_wrapper(harness.RSS_UNDER_WRAPPER)
    def test_parked_call_is_charged_its_parsed_document(self):
        # a receive whose own params hold 20,000 values: a line of 200 KB
        # that holds at least 800 KB parsed; at most LIMIT of them park
        h = self.udp_handle()
        n, values = 20, 20000
        params = {"handle": h, "length": 100, "timeout": None, "flags": ["waitall"] * values}
        at_least = values * NODE
        baseline = harness.rss(self.pid)
        with self.daemon.client() as c:
            for i in range(n):
                c.request("socket.receive", params, id=i)
            _, replies = self.settle(c)
            held = harness.rss(self.pid) - baseline
            parked = n - len(replies)
            self.assertGreaterEqual(parked, 1)
            self.assertLessEqual(parked, LIMIT // at_least,
                                 "%d calls parked holding %d MB of RSS" % (parked, held >> 20))
            for r in replies.values():
                self.assertEqual(r["error"]["code"], 1012, r)
                self.assertEqual(r["error"]["data"]["limit"], "pending_bytes_per_user", r)
            self.assertLess(held, 3 * LIMIT)
        # the connection gone, its calls' charges are given back whole
        self.connections_back_to_one()
        with self.daemon.client() as c:
            for i in range(parked):
                c.request("socket.receive", params, id=i)
            _, replies = self.settle(c)
            self.assertEqual(replies, {})
            over = c.wait(c.request("socket.receive", params, id="over"))
            self.assertEqual(over["error"]["data"]["limit"], "pending_bytes_per_user", over)
        self.connections_back_to_one()

    def test_batch_members_are_charged_their_own_documents(self):
        # five members with ids of 180 KB each, in one line of 900 KB: each
        # parks with its own document (about twice its id, 1.8 MB in all),
        # not the line's (five times 1.8 MB would pass the limit)
        h = self.udp_handle()
        ids = ["%d-%s" % (i, "i" * 180000) for i in range(5)]
        with self.daemon.client() as c:
            c.send_raw(compact([{"jsonrpc": "2.0", "id": i, "method": "socket.receive",
                                 "params": {"handle": h, "length": 100, "timeout": None}}
                                for i in ids]) + "\n")
            arrays, _ = self.settle(c)
            self.assertEqual(arrays, [])
        self.connections_back_to_one()

    def test_batch_line_is_charged_while_it_dispatches(self):
        # a batch's line stays parsed until its last member is dispatched
        # (which waits while its replies are not read), charged meanwhile:
        # one parsed into more than the limit (200,000 values, ~10 MB) is
        # refused whole; one of half that runs, twice: the charge comes back
        def batch(values):
            pad = "[" + ",".join(["0"] * values) + "]"
            return "[%s,%s]\n" % (
                compact({"jsonrpc": "2.0", "id": 1, "method": "daemon.ping"}),
                '{"jsonrpc":"2.0","id":2,"method":"daemon.ping","params":{"pad":%s}}' % pad)
        with self.daemon.client() as c:
            c.send_raw(batch(200000))
            refused = c.read_message()
            self.assertIsInstance(refused, dict, refused)
            self.assertIsNone(refused["id"])
            self.assertEqual(refused["error"]["code"], 1012, refused)
            self.assertEqual(refused["error"]["data"]["limit"], "pending_bytes_per_user")
            for _ in range(2):
                c.send_raw(batch(100000))
                replies = c.read_message()
                self.assertIsInstance(replies, list, replies)
                self.assertEqual(sorted(r["id"] for r in replies), [1, 2])
        self.connections_back_to_one()


if __name__ == "__main__":
    harness.main()
