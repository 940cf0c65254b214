"""test_constants.py: net.constants (PROTOCOL §6): every group of the socket
egg's constants with the Linux values of the seeds inventory §1.12 (plus
sock6d's af/sock/msg groups and its extra option numbers), undefined ones
present as null, one group at a time, and the bad inputs.
"""

import socket
import sys
import unittest

import harness

# Every constant, in the daemon's order, with its Linux value (None: undefined).
LINUX = [
    ("af/inet", 2), ("af/inet6", 10), ("af/unix", 1), ("af/unspec", 0),
    ("sock/stream", 1), ("sock/dgram", 2), ("sock/raw", 3), ("sock/seqpacket", 5),
    ("ipproto/ip", 0), ("ipproto/ipv6", 41), ("ipproto/tcp", 6), ("ipproto/icmp", 1),
    ("ipproto/udp", 17), ("ipproto/icmpv6", 58),
    ("sol/socket", 1),
    ("so/reuseaddr", 2), ("so/debug", 1), ("so/acceptconn", 30), ("so/keepalive", 9),
    ("so/dontroute", 5), ("so/broadcast", 6), ("so/linger", 13), ("so/oobinline", 10),
    ("so/sndbuf", 7), ("so/rcvbuf", 8), ("so/sndlowat", 19), ("so/rcvlowat", 18),
    ("so/sndtimeo", 21), ("so/rcvtimeo", 20), ("so/error", 4), ("so/type", 3),
    ("so/useloopback", None), ("so/reuseport", 15), ("so/timestamp", 29),
    ("so/exclusiveaddruse", None), ("so/peercred", 17),
    ("so/mark", 36), ("so/priority", 12), ("so/bindtodevice", 25),
    ("tcp/nodelay", 1), ("tcp/maxseg", 2), ("tcp/nopush", None), ("tcp/noopt", None),
    ("tcp/keepalive", None), ("tcp/keepidle", 4), ("tcp/keepintvl", 5), ("tcp/keepcnt", 6),
    ("tcp/user-timeout", 18), ("tcp/congestion", 13), ("tcp/info", 11),
    ("ip/options", 4), ("ip/hdrincl", 3), ("ip/tos", 1), ("ip/ttl", 2), ("ip/mtu", 14),
    ("ip/mtu-discover", 10), ("ip/pktinfo", 8), ("ip/recverr", 11), ("ip/recvtos", 13),
    ("ip/recvttl", 12), ("ip/router-alert", 5), ("ip/recvopts", 6), ("ip/recvretopts", 7),
    ("ip/retopts", 7), ("ip/recvdstaddr", None), ("ip/multicast-if", 32),
    ("ip/multicast-ttl", 33), ("ip/multicast-loop", 34), ("ip/add-membership", 35),
    ("ip/drop-membership", 36), ("ip/transparent", 19),
    ("ipv6/transparent", 75), ("ipv6/v6only", 26), ("ipv6/addrform", 1), ("ipv6/mtu", 24), ("ipv6/mtu-discover", 23),
    ("ipv6/multicast-hops", 18), ("ipv6/multicast-if", 17), ("ipv6/multicast-loop", 19),
    ("ipv6/pktinfo", 50), ("ipv6/rthdr", 57), ("ipv6/authhdr", 10), ("ipv6/dstopts", 59),
    ("ipv6/hopopts", 54), ("ipv6/flowinfo", None), ("ipv6/hoplimit", 52),
    ("ipv6/recverr", 25), ("ipv6/router-alert", 22), ("ipv6/unicast-hops", 16),
    ("ipv6/nexthop", 9), ("ipv6/port-range", None), ("ipv6/join-group", 20),
    ("ipv6/leave-group", 21), ("ipv6/checksum", 7),
    ("ai/passive", 1), ("ai/canonname", 2), ("ai/numerichost", 4), ("ai/v4mapped", 8),
    ("ai/all", 16), ("ai/addrconfig", 32), ("ai/numericserv", 1024), ("ai/mask", 0),
    ("ai/default", 0),
    ("ni/numerichost", 1), ("ni/numericserv", 2), ("ni/nofqdn", 4), ("ni/namereqd", 8),
    ("ni/dgram", 16),
    ("shut/rd", 0), ("shut/wr", 1), ("shut/rdwr", 2),
    ("msg/oob", 1), ("msg/peek", 2), ("msg/dontroute", 4), ("msg/eor", 128),
    ("msg/trunc", 32), ("msg/dontwait", 64), ("msg/waitall", 256), ("msg/more", 32768),
]

GROUPS = ["af", "sock", "ipproto", "sol", "so", "tcp", "ip", "ipv6", "ai", "ni", "shut", "msg"]

UNDEFINED_ON_LINUX = ["so/useloopback", "so/exclusiveaddruse", "tcp/nopush", "tcp/noopt",
                      "tcp/keepalive", "ip/recvdstaddr", "ipv6/flowinfo", "ipv6/port-range"]


@unittest.skipUnless(sys.platform.startswith("linux"), "the values are Linux's")
class ConstantsTest(harness.DaemonTest):

    def constants(self, params=None):
        r = self.c.call("net.constants", params)
        self.assertEqual(list(r), ["constants"])
        return r["constants"]

    def test_every_group_exact_in_order(self):
        got = self.constants()
        self.assertEqual(list(got.items()), LINUX)
        self.assertEqual(len(got), 119)

    def test_null_group_is_every_group(self):
        self.assertEqual(list(self.constants({"group": None}).items()), LINUX)

    def test_each_group(self):
        seen = []
        for g in GROUPS:
            got = self.constants({"group": g})
            want = [(k, v) for k, v in LINUX if k.split("/")[0] == g]
            self.assertTrue(want, g)
            self.assertEqual(list(got.items()), want, g)
            seen += list(got)
        self.assertEqual(seen, [k for k, _ in LINUX])

    def test_undefined_are_null_and_present(self):
        got = self.constants()
        for name in UNDEFINED_ON_LINUX:
            self.assertIn(name, got)
            self.assertIsNone(got[name], name)
        self.assertEqual(sorted(k for k, v in got.items() if v is None),
                         sorted(UNDEFINED_ON_LINUX))
        tcp = self.constants({"group": "tcp"})
        self.assertIsNone(tcp["tcp/nopush"])
        self.assertEqual(tcp["tcp/nodelay"], 1)

    def test_agree_with_python_socket_module(self):
        got = self.constants()
        pairs = [("af/inet", socket.AF_INET), ("af/inet6", socket.AF_INET6),
                 ("af/unix", socket.AF_UNIX), ("sock/stream", socket.SOCK_STREAM),
                 ("sock/dgram", socket.SOCK_DGRAM), ("sol/socket", socket.SOL_SOCKET),
                 ("so/reuseaddr", socket.SO_REUSEADDR), ("so/rcvbuf", socket.SO_RCVBUF),
                 ("tcp/nodelay", socket.TCP_NODELAY), ("ipproto/tcp", socket.IPPROTO_TCP),
                 ("ipproto/ipv6", socket.IPPROTO_IPV6), ("ipv6/v6only", socket.IPV6_V6ONLY),
                 ("ip/add-membership", socket.IP_ADD_MEMBERSHIP),
                 ("ipv6/join-group", socket.IPV6_JOIN_GROUP), ("ai/passive", socket.AI_PASSIVE),
                 ("ni/numerichost", socket.NI_NUMERICHOST), ("shut/rdwr", socket.SHUT_RDWR),
                 ("msg/peek", socket.MSG_PEEK), ("msg/waitall", socket.MSG_WAITALL)]
        for name, value in pairs:
            self.assertEqual(got[name], value, name)

    def test_egg_values_usable_as_params(self):
        """The constants are what socket.create and shutdown take."""
        got = self.constants()
        h = self.c.call("socket.create", {"family": got["af/inet"], "type": got["sock/dgram"]})
        self.assertEqual(h["family"], "inet")
        self.assertEqual(h["type"], "dgram")
        self.c.call("socket.close", {"handle": h["handle"]})

    def test_unknown_group(self):
        for bad in ("foo", "", "AF", "af/", "tcp6", "so/reuseaddr", "x" * 17):
            self.assertError(self.c.error("net.constants", {"group": bad}), -32602, param="group")

    def test_group_wrong_type(self):
        for bad in (5, True, ["af"], {"group": "af"}):
            self.assertError(self.c.error("net.constants", {"group": bad}), -32602, param="group")

    def test_unknown_param(self):
        self.assertError(self.c.error("net.constants", {"groups": "af"}), -32602, param="groups")

    def test_discover_describes_it(self):
        doc = self.c.call("rpc.discover")
        m = [m for m in doc["methods"] if m["name"] == "net.constants"]
        self.assertEqual(len(m), 1)
        self.assertEqual([p["name"] for p in m[0]["params"]], ["group"])
        self.assertIs(m[0]["params"][0]["required"], False)


if __name__ == "__main__":
    harness.main()
