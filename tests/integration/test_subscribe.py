"""test_subscribe.py: data pushed by handle (PROTOCOL "Streaming", settled
in streaming-contract.md): socket.subscribe, socket.credit and
socket.unsubscribe with their notifications, on a TCP stream.

What it proves: the subscribe result (handle, buffered, offset); socket.data
chunks whose offsets are contiguous and count every byte taken from the
socket (socket.receive included), held bytes (read for a cancelled call, or
an incomplete UTF-8 tail) delivered first; socket.eof with the total and
socket.error on a reset, each ending the subscription; credit in bytes
(socket.paused when it runs out, socket.credit resuming, its result); 1013
for a second subscriber and for receive/accept on a subscribed handle; the
errors of credit and unsubscribe; -32602 for each bad param; "text" chunks
that never split a UTF-8 character; socket.info's subscribed, credit and
dropped.  Datagram sockets and listeners are in test_subscribe_kinds.py;
subscriptions that end with their connection, the next subscriber and the
large transfers in test_subscribe_flow.py; the shared helpers in
subscribe_fixture.py.
"""

import random
import socket
import struct

import harness
from subscribe_fixture import MIB, SubscribeCase, chunk_bytes, next_note, wait_until

NO_SUCH_HANDLE = 987654321


class SubscribeTest(SubscribeCase):

    # -- the result and socket.data --------------------------------------

    def test_result_fields_and_first_data(self):
        h, peer = self.connected()
        r = self.subscribe(h)
        self.assertEqual(r, {"handle": h, "buffered": 0, "offset": 0})
        peer.sendall(b"hello")
        data, notes, _ = self.take(self.c, h, 0, 5)
        self.assertEqual(data, b"hello")
        self.assertEqual(set(notes[0]), {"handle", "offset", "data"})

    def test_offsets_contiguous_and_chunks_bounded(self):
        h, peer = self.connected()
        self.subscribe(h, max_chunk=1000)
        rng = random.Random(7)
        sent = bytearray()
        for _ in range(100):
            piece = rng.randbytes(rng.randint(1, 9000))
            peer.sendall(piece)
            sent += piece
        data, notes, _ = self.take(self.c, h, 0, len(sent), max_chunk=1000)
        self.assertEqual(data, bytes(sent))
        self.assertGreaterEqual(len(notes), len(sent) // 1000)

    def test_offset_counts_bytes_received_before(self):
        h, peer = self.connected()
        peer.sendall(b"hello world")
        r = self.c.call("socket.receive", {"handle": h, "length": 5, "flags": ["waitall"],
                                           "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), b"hello")
        r = self.subscribe(h)
        self.assertEqual(r["offset"], 5, r)
        data, _, _ = self.take(self.c, h, 5, 6)
        self.assertEqual(data, b" world")

    def test_bytes_held_by_a_cancelled_receive_come_first(self):
        h, peer = self.connected()
        with self.daemon.client() as a:
            # a waitall receive takes the 4 bytes and waits for more; its
            # client hangs up: the bytes stay held on the handle
            a.request("socket.receive", {"handle": h, "length": 10, "flags": ["waitall"],
                                         "timeout": None})
            a.call("daemon.ping")
            peer.sendall(b"held")
            wait_until(lambda: self.info(h)["bytes_in"] == 4, what="the receive taking 4 bytes")
        self.wait_connections(1)
        self.assertEqual(self.info(h)["buffered"], 4)
        peer.sendall(b"-after")   # waiting in the kernel behind the held bytes
        with self.daemon.client() as b:
            rid = b.request("socket.subscribe", {"handle": h})
            first = b.read_message()
            self.assertEqual(first.get("id"), rid, "notifications before the reply: %r" % first)
            self.assertEqual(first["result"], {"handle": h, "buffered": 4, "offset": 0})
            data, _, _ = self.take(b, h, 0, 10)
            self.assertEqual(data, b"held-after")

    def test_unsubscribe_holds_an_incomplete_utf8_tail(self):
        h, peer = self.connected()
        with self.daemon.client() as a:
            self.subscribe(h, client=a, encoding="text")
            peer.sendall(b"ab\xc3")
            p = self.assertNote(next_note(a), "socket.data", h)
            self.assertEqual((p["offset"], p.get("text")), (0, "ab"), p)
            wait_until(lambda: self.info(h)["bytes_in"] == 3, what="the daemon reading 3 bytes")
            self.assertEqual(a.call("socket.unsubscribe", {"handle": h}), {"buffered": 1})
            info = self.info(h)
            self.assertEqual((info["subscribed"], info["buffered"]), (False, 1), info)
        with self.daemon.client() as b:
            r = self.subscribe(h, client=b)
            self.assertEqual(r, {"handle": h, "buffered": 1, "offset": 2})
            peer.sendall(b"\xa9!")
            data, _, _ = self.take(b, h, 2, 3)
            self.assertEqual(data, b"\xc3\xa9!")

    def test_receive_after_unsubscribe_continues(self):
        h, peer = self.connected()
        self.subscribe(h)
        peer.sendall(b"first")
        self.assertEqual(self.take(self.c, h, 0, 5)[0], b"first")
        self.assertEqual(self.c.call("socket.unsubscribe", {"handle": h}), {"buffered": 0})
        peer.sendall(b"second")
        r = self.c.call("socket.receive", {"handle": h, "length": 6, "flags": ["waitall"],
                                           "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), b"second")
        # and a new subscription counts those bytes
        self.assertEqual(self.subscribe(h)["offset"], 11)

    def test_send_on_subscribed_handle_works(self):
        h, peer = self.connected()
        self.subscribe(h)
        self.assertEqual(self.c.call("socket.send", {"handle": h, "text": "out"}), {"bytes": 3})
        self.assertEqual(peer.recv(10), b"out")

    # -- the end of the stream ------------------------------------------

    def test_eof_offset_is_the_total(self):
        h, peer = self.connected()
        self.subscribe(h)
        sent = random.Random(3).randbytes(100000)
        peer.sendall(sent)
        peer.shutdown(socket.SHUT_WR)
        data, _, eof = self.take(self.c, h, 0, end="socket.eof")
        self.assertEqual(data, sent)
        self.assertEqual(eof, {"handle": h, "offset": len(sent)})
        info = self.info(h)     # the subscription ended, the handle stays
        self.assertEqual((info["subscribed"], info["credit"]), (False, None), info)

    def test_error_on_reset(self):
        h, peer = self.connected()
        self.subscribe(h)
        self.c.call("daemon.ping")
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()
        p = self.assertNote(next_note(self.c), "socket.error", h)
        self.assertEqual(set(p), {"handle", "error"})
        err = p["error"]
        self.assertEqual(err["code"], 1000, err)
        self.assertEqual(err["data"]["errname"], "ECONNRESET", err)
        self.assertIsInstance(err["message"], str)
        self.assertFalse(self.info(h)["subscribed"])

    def test_close_ends_the_subscription(self):
        h, _ = self.connected()
        self.subscribe(h)
        self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
        self.assertError(self.c.error("socket.credit", {"handle": h, "add": 1}), 1010)
        self.assertError(self.c.error("socket.unsubscribe", {"handle": h}), 1010)

    # -- credit ----------------------------------------------------------

    def test_credit_bounds_delivery_then_paused(self):
        h, peer = self.connected()
        self.assertEqual(self.subscribe(h, credit=1000)["offset"], 0)
        sent = random.Random(5).randbytes(5000)
        peer.sendall(sent)
        data, _, paused = self.take(self.c, h, 0, end="socket.paused")
        self.assertEqual(paused, {"handle": h})
        self.assertEqual(data, sent[:1000])
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"]), (True, 0), info)
        # credit resumes; at most its amount comes, then paused again
        r = self.c.call("socket.credit", {"handle": h, "add": 1500})
        self.assertEqual(set(r), {"credit"})
        self.assertTrue(0 <= r["credit"] <= 1500, r)
        more, _, _ = self.take(self.c, h, 1000, end="socket.paused")
        self.assertEqual(more, sent[1000:2500])
        # more credit than bytes: all of them, no pause, the rest left over
        self.c.call("socket.credit", {"handle": h, "add": 10000})
        rest, _, _ = self.take(self.c, h, 2500, 2500)
        self.assertEqual(rest, sent[2500:])
        self.assertEqual(self.info(h)["credit"], 7500)

    def test_credit_result(self):
        h, _ = self.connected()
        r = self.subscribe(h, credit=0)
        self.assertEqual(r, {"handle": h, "buffered": 0, "offset": 0})
        self.assertEqual(self.info(h)["credit"], 0)
        self.assertEqual(self.c.call("socket.credit", {"handle": h, "add": 10}), {"credit": 10})
        self.assertEqual(self.c.call("socket.credit", {"handle": h, "add": 5}), {"credit": 15})
        self.assertEqual(self.info(h)["credit"], 15)
        h2, _ = self.connected()
        self.subscribe(h2)  # unlimited
        self.assertEqual(self.c.call("socket.credit", {"handle": h2, "add": 10}), {"credit": None})

    def test_credit_zero_reads_nothing_until_credit(self):
        h, peer = self.connected()
        self.subscribe(h, credit=0)
        peer.sendall(b"0123456789")
        for _ in range(50):
            self.assertEqual(self.info(h)["bytes_in"], 0)
        self.c.call("socket.credit", {"handle": h, "add": 4})
        # (a socket.paused for the initial 0 is allowed before the data)
        note = next_note(self.c)
        if note.get("method") == "socket.paused":
            note = next_note(self.c)
        self.c.notifications.insert(0, note)
        data, _, _ = self.take(self.c, h, 0, end="socket.paused")
        self.assertEqual(data, b"0123")
        self.assertEqual(self.info(h)["credit"], 0)

    # -- 1013 ------------------------------------------------------------

    def test_second_subscribe_same_connection_1013(self):
        h, _ = self.connected()
        self.subscribe(h)
        self.assertError(self.c.error("socket.subscribe", {"handle": h}), 1013)
        self.assertTrue(self.info(h)["subscribed"])

    def test_second_subscribe_other_connection_1013(self):
        h, peer = self.connected()
        self.subscribe(h)
        with self.daemon.client() as other:
            self.assertError(other.error("socket.subscribe", {"handle": h}), 1013)
        # the first subscription is untouched
        peer.sendall(b"still mine")
        self.assertEqual(self.take(self.c, h, 0, 10)[0], b"still mine")

    def test_receive_on_subscribed_handle_1013(self):
        h, _ = self.connected()
        self.subscribe(h)
        self.assertError(self.c.error("socket.receive", {"handle": h, "length": 10,
                                                         "timeout": 100}), 1013)
        with self.daemon.client() as other:
            self.assertError(other.error("socket.receive", {"handle": h, "length": 10,
                                                            "timeout": 100}), 1013)
            self.assertError(other.error("socket.receive_from", {"handle": h, "length": 10,
                                                                 "timeout": 100}), 1013)

    def test_receive_on_subscribed_datagram_socket_1013(self):
        h, _, _ = self.udp_pair()
        self.subscribe(h)
        self.assertError(self.c.error("socket.receive_from", {"handle": h, "length": 10,
                                                              "timeout": 100}), 1013)
        self.assertError(self.c.error("udp.receive_from", {"handle": h, "length": 10,
                                                           "timeout": 100}), 1013)

    def test_accept_on_subscribed_listener_1013(self):
        h, _ = self.listener()
        self.subscribe(h)
        self.assertError(self.c.error("socket.accept", {"handle": h, "timeout": 100}), 1013)
        self.assertError(self.c.error("tcp.accept", {"handle": h, "timeout": 100}), 1013)

    def test_subscribe_with_pending_receive_1013(self):
        h, peer = self.connected()
        with self.daemon.client() as a:
            a.request("socket.receive", {"handle": h, "length": 10, "timeout": None})
            a.call("daemon.ping")
            self.assertError(self.c.error("socket.subscribe", {"handle": h}), 1013)
        self.wait_connections(1)
        self.assertFalse(self.info(h)["subscribed"])

    def test_subscribe_with_pending_accept_1013(self):
        h, _ = self.listener()
        with self.daemon.client() as a:
            a.request("socket.accept", {"handle": h, "timeout": None})
            a.call("daemon.ping")
            self.assertError(self.c.error("socket.subscribe", {"handle": h}), 1013)

    # -- credit and unsubscribe errors ----------------------------------

    def assertNotSubscribedError(self, err):
        self.assertError(err, 1000, errname="EINVAL")
        self.assertIn("not subscribed", err["message"])

    def test_credit_not_subscribed(self):
        h, _ = self.connected()
        self.assertNotSubscribedError(self.c.error("socket.credit", {"handle": h, "add": 1}))

    def test_unsubscribe_not_subscribed(self):
        h, _ = self.connected()
        self.assertNotSubscribedError(self.c.error("socket.unsubscribe", {"handle": h}))
        self.subscribe(h)
        self.c.call("socket.unsubscribe", {"handle": h})
        self.assertNotSubscribedError(self.c.error("socket.unsubscribe", {"handle": h}))

    def test_credit_and_unsubscribe_by_another_connection_1013(self):
        h, _ = self.connected()
        self.subscribe(h, credit=10)
        with self.daemon.client() as other:
            self.assertError(other.error("socket.credit", {"handle": h, "add": 1}), 1013)
            self.assertError(other.error("socket.unsubscribe", {"handle": h}), 1013)
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"]), (True, 10), info)

    def test_unknown_handle_1010(self):
        for method, params in (("socket.subscribe", {}), ("socket.credit", {"add": 1}),
                               ("socket.unsubscribe", {})):
            params["handle"] = NO_SUCH_HANDLE
            self.assertError(self.c.error(method, params), 1010)

    def test_other_users_handle_1010(self):
        users, why = harness.other_users("nobody")
        if users is None:
            self.skipTest(why)
        h, _ = self.connected()
        calls = [["socket.subscribe", {"handle": h}], ["socket.credit", {"handle": h, "add": 1}],
                 ["socket.unsubscribe", {"handle": h}]]
        for reply in harness.calls_as(users[0], self.daemon.path, calls):
            self.assertEqual(reply["error"]["code"], 1010, reply)
        self.assertFalse(self.info(h)["subscribed"])

    # -- -32602, one bad input each --------------------------------------

    def bad_subscribe(self, param, **params):
        h, _ = self.connected()
        params["handle"] = h
        self.assertBadParam("socket.subscribe", params, param)
        self.assertFalse(self.info(h)["subscribed"])

    def test_subscribe_credit_negative(self):
        self.bad_subscribe("credit", credit=-1)

    def test_subscribe_credit_string(self):
        self.bad_subscribe("credit", credit="10")

    def test_subscribe_credit_fraction(self):
        self.bad_subscribe("credit", credit=1.5)

    def test_subscribe_credit_boolean(self):
        self.bad_subscribe("credit", credit=True)

    def test_subscribe_max_chunk_zero(self):
        self.bad_subscribe("max_chunk", max_chunk=0)

    def test_subscribe_max_chunk_negative(self):
        self.bad_subscribe("max_chunk", max_chunk=-5)

    def test_subscribe_max_chunk_above_max_receive(self):
        self.bad_subscribe("max_chunk", max_chunk=MIB + 1)   # max_receive is 1 MiB

    def test_subscribe_max_chunk_string(self):
        self.bad_subscribe("max_chunk", max_chunk="64k")

    def test_subscribe_encoding_unknown(self):
        self.bad_subscribe("encoding", encoding="x")

    def test_subscribe_encoding_not_a_string(self):
        self.bad_subscribe("encoding", encoding=1)

    def test_subscribe_handle_missing(self):
        self.assertBadParam("socket.subscribe", {"credit": 10}, "handle")

    def test_subscribe_unknown_param(self):
        h, _ = self.connected()
        err = self.assertBadParam("socket.subscribe", {"handle": h, "credits": 10}, "credits")
        self.assertEqual(err["data"].get("did_you_mean"), "credit", err)

    def bad_credit(self, param, **params):
        h, _ = self.connected()
        self.subscribe(h, credit=5)
        params["handle"] = h
        self.assertBadParam("socket.credit", params, param)
        self.assertEqual(self.info(h)["credit"], 5)

    def test_credit_add_zero(self):
        self.bad_credit("add", add=0)

    def test_credit_add_negative(self):
        self.bad_credit("add", add=-3)

    def test_credit_add_missing(self):
        self.bad_credit("add")

    def test_credit_add_string(self):
        self.bad_credit("add", add="5")

    def test_credit_add_null(self):
        self.bad_credit("add", add=None)

    def test_unsubscribe_handle_missing(self):
        self.assertBadParam("socket.unsubscribe", {}, "handle")

    # -- encoding "text" -------------------------------------------------

    def test_text_never_splits_a_character(self):
        h, peer = self.connected()
        self.subscribe(h, encoding="text", max_chunk=5)
        text = "plain é ü € ✓ 𝄞 日本語 " * 6 + "𝄞𝄞é€"
        raw = text.encode("utf-8")
        for i in range(len(raw)):       # one byte per segment (TCP_NODELAY)
            peer.sendall(raw[i:i + 1])
        got, notes, _ = self.take(self.c, h, 0, len(raw), max_chunk=5)
        self.assertEqual(got, raw)
        for p in notes:
            self.assertIn("text", p, "a whole-UTF-8 chunk sent as data: %r" % p)
            self.assertNotIn("data", p)
        self.assertEqual("".join(p["text"] for p in notes), text)

    def test_text_invalid_utf8_is_data(self):
        h, peer = self.connected()
        self.subscribe(h, encoding="text")
        sent = b"\xff\xfe ok"
        peer.sendall(sent)
        got, notes, _ = self.take(self.c, h, 0, len(sent))
        self.assertEqual(got, sent)
        bad = [p for p in notes if b"\xff" in chunk_bytes(p)]
        self.assertEqual(len(bad), 1)
        self.assertIn("data", bad[0])
        self.assertNotIn("text", bad[0])

    def test_text_tail_at_eof_sent_as_data(self):
        h, peer = self.connected()
        self.subscribe(h, encoding="text")
        peer.sendall(b"ab\xc3")
        peer.shutdown(socket.SHUT_WR)
        got, notes, eof = self.take(self.c, h, 0, end="socket.eof")
        self.assertEqual(got, b"ab\xc3")
        self.assertEqual(eof["offset"], 3)
        self.assertEqual(notes[0].get("text"), "ab", notes)
        self.assertEqual(notes[-1]["offset"], 2, notes)
        self.assertEqual(harness.unb64(notes[-1]["data"]), b"\xc3")
        self.assertNotIn("text", notes[-1])

    # -- socket.info -----------------------------------------------------

    def test_info_fields(self):
        h, _ = self.connected()
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["attached"], info["credit"], info["dropped"]),
                         (False, False, None, 0), info)
        self.subscribe(h, credit=100)
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"], info["dropped"]), (True, 100, 0), info)
        self.c.call("socket.unsubscribe", {"handle": h})
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"]), (False, None), info)
        self.subscribe(h)
        info = self.info(h)
        self.assertEqual((info["subscribed"], info["credit"]), (True, None), info)
        listed = [s for s in self.c.call("socket.list")["sockets"] if s["handle"] == h]
        self.assertEqual(listed[0]["subscribed"], True)


if __name__ == "__main__":
    harness.main()
