"""test_subscribe_kinds.py: subscriptions (PROTOCOL "Streaming") on the
sockets that are not streams: datagram sockets and listeners.

What it proves: socket.datagram notifications with their seq, address and
truncated flag; seq counting datagrams taken by socket.receive too; credit in
bytes for datagrams; the kernel's drop count in socket.info (dropped); and for
a listener, socket.accepted with new handles the subscriber can use, in the
subscriber's connection scope, with credit counted in connections, and a
subscription that ends with 1012 when the subscriber has no handle left,
losing no connection.  The
helpers are in subscribe_fixture.py.
"""

import os
import socket
import time

import harness
from subscribe_fixture import SubscribeCase, next_note, wait_until


class SubscribeKindsTest(SubscribeCase):

    # -- datagram sockets -------------------------------------------------

    def next_datagram(self, h):
        return self.assertNote(next_note(self.c), "socket.datagram", h)

    def test_datagrams_seq_address_truncated(self):
        h, daddr, peer = self.udp_pair()
        r = self.subscribe(h, max_chunk=10)
        self.assertEqual(r, {"handle": h, "buffered": 0, "offset": 0})
        sent = [b"short", b"0123456789abcdef", b"x" * 10, b"\x00\xff"]
        for d in sent:
            peer.sendto(d, (daddr["address"], daddr["port"]))
        port = peer.getsockname()[1]
        for seq, d in enumerate(sent):
            p = self.next_datagram(h)
            self.assertEqual(set(p), {"handle", "seq", "data", "address", "truncated"})
            self.assertEqual(p["seq"], seq)
            self.assertEqual(harness.unb64(p["data"]), d[:10])
            self.assertEqual(p["truncated"], len(d) > 10, p)
            self.assertEqual((p["address"]["family"], p["address"]["address"], p["address"]["port"]),
                             ("inet", "127.0.0.1", port), p)

    def test_datagram_seq_counts_receive(self):
        h, daddr, peer = self.udp_pair()
        dest = (daddr["address"], daddr["port"])
        peer.sendto(b"one", dest)
        r = self.c.call("socket.receive_from", {"handle": h, "length": 100, "timeout": 5000})
        self.assertEqual(harness.unb64(r["data"]), b"one")
        self.assertEqual(self.subscribe(h, encoding="text")["offset"], 1)
        peer.sendto(b"two", dest)
        p = self.next_datagram(h)
        self.assertEqual((p["seq"], p.get("text"), p["truncated"]), (1, "two", False), p)

    def test_datagram_credit_counts_bytes(self):
        h, daddr, peer = self.udp_pair()
        self.subscribe(h, credit=200)
        dest = (daddr["address"], daddr["port"])
        sent = [bytes([65 + i]) * 100 for i in range(4)]
        for d in sent:
            peer.sendto(d, dest)
        for seq in range(2):
            self.assertEqual(harness.unb64(self.next_datagram(h)["data"]), sent[seq])
        self.assertNote(next_note(self.c), "socket.paused", h)
        self.c.call("socket.credit", {"handle": h, "add": 100})
        p = self.next_datagram(h)
        self.assertEqual((p["seq"], harness.unb64(p["data"])), (2, sent[2]))
        self.assertNote(next_note(self.c), "socket.paused", h)
        self.c.call("socket.credit", {"handle": h, "add": 1000})
        p = self.next_datagram(h)
        self.assertEqual((p["seq"], harness.unb64(p["data"])), (3, sent[3]))
        wait_until(lambda: self.info(h)["credit"] == 900, what="credit 900 left")

    def test_datagram_drops_reported_in_info(self):
        h, daddr, peer = self.udp_pair()
        self.assertEqual(self.info(h)["dropped"], 0)
        self.c.call("socket.setopt", {"handle": h, "option": "so-receive-buffer", "value": 4096})
        self.subscribe(h, credit=0)
        dest = (daddr["address"], daddr["port"])
        for i in range(200):     # far more than the kernel queue holds
            peer.sendto(b"%04d" % i + b"." * 996, dest)
        self.c.call("socket.credit", {"handle": h, "add": 1 << 30})
        # the kernel tells its drop count with the next datagram queued:
        # send markers until one comes through
        seqs, marker, deadline = [], None, time.monotonic() + 10
        self.c.sock.settimeout(0.2)
        try:
            while marker is None:
                self.assertLess(time.monotonic(), deadline, "no marker datagram came")
                peer.sendto(b"marker", dest)
                try:
                    while True:
                        note = next_note(self.c)
                        if note.get("method") == "socket.paused":
                            continue
                        p = self.assertNote(note, "socket.datagram", h)
                        seqs.append(p["seq"])
                        if harness.unb64(p["data"]) == b"marker":
                            marker = p
                            break
                except socket.timeout:
                    pass
        finally:
            self.c.sock.settimeout(10)
        self.assertEqual(seqs, list(range(len(seqs))))
        dropped = self.info(h)["dropped"]
        self.assertGreater(dropped, 0)
        self.assertLessEqual(dropped, 200 + 100)

    # -- listeners -------------------------------------------------------

    def test_listener_accepted_handles_are_usable(self):
        h, addr = self.listener()
        self.subscribe(h)
        clients = [self.connect_to(addr) for _ in range(2)]
        ports = {}
        for _ in clients:
            p = self.assertNote(next_note(self.c), "socket.accepted", h)
            self.assertEqual(set(p), {"handle", "accepted", "peer"})
            self.assertEqual(p["peer"]["family"], "inet")
            ports[p["peer"]["port"]] = p["accepted"]
        by_client = [ports[s.getsockname()[1]] for s in clients]
        self.assertEqual(len(set(by_client)), 2)
        for s, a in zip(clients, by_client):
            info = self.info(a)
            self.assertEqual((info["scope"], info["owner"], info["subscribed"]),
                             ("daemon", os.getuid(), False), info)
            self.c.call("socket.send", {"handle": a, "text": "hi %d" % a})
            self.assertEqual(s.recv(100), b"hi %d" % a)
            s.sendall(b"back")
            r = self.c.call("socket.receive", {"handle": a, "length": 4, "flags": ["waitall"],
                                               "timeout": 5000})
            self.assertEqual(harness.unb64(r["data"]), b"back")

    def test_listener_accepted_inherit_connection_scope(self):
        h = self.create(scope="connection")
        addr = self.c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})["address"]
        self.c.call("socket.listen", {"handle": h})
        self.subscribe(h)
        self.connect_to(addr["string"])
        p = self.assertNote(next_note(self.c), "socket.accepted", h)
        self.assertEqual(self.info(p["accepted"])["scope"], "connection")

    def test_listener_credit_counts_connections(self):
        h, addr = self.listener()
        self.subscribe(h, credit=2)
        handles = self.c.call("daemon.stats")["handles"]
        for _ in range(3):
            self.connect_to(addr)
        accepted = [self.assertNote(next_note(self.c), "socket.accepted", h)["accepted"]
                    for _ in range(2)]
        self.assertNote(next_note(self.c), "socket.paused", h)
        for _ in range(30):     # the third waits in the backlog
            self.assertEqual(self.c.call("daemon.stats")["handles"], handles + 2)
        self.assertEqual(self.info(h)["credit"], 0)
        self.c.call("socket.credit", {"handle": h, "add": 1})
        third = self.assertNote(next_note(self.c), "socket.accepted", h)["accepted"]
        self.assertNotIn(third, accepted)
        self.assertNote(next_note(self.c), "socket.paused", h)
        self.assertEqual(self.c.call("daemon.stats")["handles"], handles + 3)


class ListenerAtLimitTest(SubscribeCase):
    """A subscribed listener whose subscriber has no handle left: the
    subscription ends with 1012 naming the limit, and the connection it
    could not take waits in the backlog for the next accept."""

    DAEMON_ARGS = ("--limit", "handles_per_user=3")

    def test_share_full_ends_subscription_and_loses_nothing(self):
        h, addr = self.listener()
        self.subscribe(h)
        first = self.connect_to(addr)
        self.assertNote(next_note(self.c), "socket.accepted", h)
        spare = self.create("inet", "dgram")          # the third handle
        second = self.connect_to(addr)
        err = self.assertNote(next_note(self.c), "socket.error", h)["error"]
        self.assertEqual(err["code"], 1012, err)
        self.assertEqual(err["data"]["limit"], "handles_per_user", err)
        self.assertFalse(self.info(h)["subscribed"])
        self.assertEqual(self.c.call("daemon.stats")["handles"], 3)
        # room again: subscribing again takes the connection that waited
        self.c.call("socket.close", {"handle": spare})
        self.subscribe(h)
        p = self.assertNote(next_note(self.c), "socket.accepted", h)
        self.assertEqual(p["peer"]["port"], second.getsockname()[1])
        self.c.call("socket.send", {"handle": p["accepted"], "text": "late"})
        self.assertEqual(second.recv(10), b"late")
        first.close()


if __name__ == "__main__":
    harness.main()
