"""test_sockopt.py: socket options (PROTOCOL §6): socket.getopt/setopt and
socket.options by name, every option read and written where it applies and
its 1003 where it does not, the inventory's cases 58-64, structured values
(linger, timeouts, tcp-info, peer credentials, congestion), the low-level
socket.get_option/set_option, multicast delivery (in a network namespace
when lo cannot carry it), options run with the caller's privilege, and the
bad inputs with their exact errors.
"""

import os
import shutil
import socket
import struct
import subprocess
import tempfile
import unittest

import harness

# The daemon's option table, in its order.
ALL = [
    "so-reuse-address", "so-debug", "so-keep-alive", "so-dont-route", "so-broadcast",
    "so-oob-inline", "so-accept-connections", "so-send-buffer", "so-receive-buffer",
    "so-send-low-water", "so-receive-low-water", "so-error", "so-type", "tcp-no-delay",
    "tcp-no-push", "tcp-no-options", "tcp-keep-alive", "tcp-max-segment-size",
    "ip-header-included", "ip-type-of-service", "ip-time-to-live", "ipv6-v6-only",
    "so-linger", "so-receive-timeout", "so-send-timeout", "so-reuse-port",
    "so-peer-credentials", "tcp-keep-idle", "tcp-keep-interval", "tcp-keep-count",
    "tcp-user-timeout", "tcp-congestion", "tcp-info", "ip-multicast-ttl", "ip-multicast-loop",
    "ip-multicast-interface", "ip-add-membership", "ip-drop-membership", "ipv6-join-group",
    "ipv6-leave-group", "ipv6-unicast-hops", "ipv6-multicast-hops", "ipv6-multicast-loop",
    "so-mark", "so-priority", "so-bindtodevice", "ip-transparent", "ipv6-transparent",
]
UNDEFINED = {"tcp-no-push", "tcp-no-options", "tcp-keep-alive"}       # on Linux
WRITE_ONLY = {"ip-add-membership", "ip-drop-membership", "ipv6-join-group", "ipv6-leave-group"}
SO = {n for n in ALL if n.startswith("so-")}
TCP = {n for n in ALL if n.startswith("tcp-")} - UNDEFINED
IP = {n for n in ALL if n.startswith("ip-")} - WRITE_ONLY
IPV6 = {n for n in ALL if n.startswith("ipv6-")} - WRITE_ONLY
TCP_INFO_FIELDS = [
    "state", "ca_state", "retransmits", "probes", "backoff", "options", "rto_us", "ato_us",
    "snd_mss", "rcv_mss", "unacked", "sacked", "lost", "retrans", "last_data_sent_ms",
    "last_data_recv_ms", "last_ack_recv_ms", "pmtu", "rcv_ssthresh", "rtt_us", "rttvar_us",
    "snd_ssthresh", "snd_cwnd", "advmss", "reordering", "rcv_rtt_us", "rcv_space",
    "total_retrans",
]
UNSUP_ERRNAMES = ("ENOPROTOOPT", "EOPNOTSUPP")
READ_ONLY_MSG = "socket option is read-only"
UNAVAILABLE_MSG = "socket option unavailable on this platform"


def only(names):
    return [n for n in ALL if n in names]


def congestion_choice():
    """reno or cubic, whichever this kernel offers (reno first), or None."""
    try:
        with open("/proc/sys/net/ipv4/tcp_available_congestion_control") as f:
            have = f.read().split()
    except OSError:
        return None
    return next((a for a in ("reno", "cubic") if a in have), None)


class OptionCase(harness.DaemonTest):
    """Helpers shared by the option test classes."""

    def getopt(self, h, option):
        r = self.c.call("socket.getopt", {"handle": h, "option": option})
        self.assertEqual(list(r), ["value"])
        return r["value"]

    def setopt(self, h, option, value):
        self.assertEqual(self.c.call("socket.setopt", {"handle": h, "option": option,
                                                       "value": value}), {})

    def roundtrip(self, h, option, value, expect=None):
        self.setopt(h, option, value)
        self.assertEqual(self.getopt(h, option), value if expect is None else expect, option)

    def get_error(self, h, option):
        return self.c.error("socket.getopt", {"handle": h, "option": option})

    def set_error(self, h, option, value):
        return self.c.error("socket.setopt", {"handle": h, "option": option, "value": value})

    def assertUnsupported(self, err, h, syscall=None, message=None):
        """1003 as the egg's unsupported: kind, handle, and errname when a call refused."""
        self.assertEqual(err["code"], 1003, err)
        self.assertEqual(err["data"]["kind"], ["exn", "i/o", "net", "unsupported"])
        self.assertEqual(err["data"]["handle"], h)
        if syscall is None:
            self.assertNotIn("errname", err["data"])
            self.assertEqual(err["message"], message or UNAVAILABLE_MSG)
        else:
            self.assertIn(err["data"]["errname"], UNSUP_ERRNAMES, err)
            self.assertEqual(err["data"]["syscall"], syscall)
            self.assertEqual(err["message"], os.strerror(err["data"]["errno"]))

    def assertValueError(self, err):
        self.assertError(err, -32602, param="value")
        self.assertEqual(err["data"]["kind"], ["exn", "type"])

    def assertNet(self, err, h, message, errname=None):
        self.assertEqual(err["code"], 1000, err)
        self.assertEqual(err["message"], message)
        self.assertEqual(err["data"]["kind"], ["exn", "i/o", "net"])
        self.assertEqual(err["data"]["handle"], h)
        self.assertEqual(err["data"].get("errname"), errname)

    def pair(self, family="inet"):
        """(listener, client, server): a connected stream pair made by the daemon."""
        L = self.create(family)
        where = os.path.join(self.tmp, "l.sock") if family == "unix" else \
            {"inet": "127.0.0.1:0", "inet6": "[::1]:0"}[family]
        addr = self.c.call("socket.bind", {"handle": L, "address": where})["address"]
        self.c.call("socket.listen", {"handle": L})
        aid = self.c.request("socket.accept", {"handle": L, "timeout": 5000})
        C = self.create(family)
        self.c.call("socket.connect", {"handle": C, "address": addr["string"], "timeout": 5000})
        return L, C, self.c.result(aid)["handle"]


class ByNameTest(OptionCase):

    # -- the egg's accessors --------------------------------------------------

    def test_case58_reuse_address(self):
        h = self.create()
        self.assertIs(self.getopt(h, "so-reuse-address"), False)
        self.setopt(h, "so-reuse-address", True)
        self.assertIs(self.getopt(h, "so-reuse-address"), True)
        r = self.c.call("socket.get_option", {"handle": h, "level": "sol/socket",
                                              "name": "so/reuseaddr"})
        self.assertEqual(r, {"value": 1})

    def test_case59_read_only(self):
        h = self.create()
        self.assertNet(self.set_error(h, "so-type", 1), h, READ_ONLY_MSG)
        self.assertEqual(self.getopt(h, "so-type"), 1)
        self.assertEqual(self.getopt(self.create("inet", "dgram"), "so-type"), 2)
        L, _ = self.listener()
        self.assertIs(self.getopt(L, "so-accept-connections"), True)
        self.assertIs(self.getopt(h, "so-accept-connections"), False)
        for name, value in (("so-accept-connections", True), ("so-error", 0),
                            ("so-type", "bad"), ("tcp-info", {}), ("so-peer-credentials", {})):
            self.assertNet(self.set_error(h, name, value), h, READ_ONLY_MSG)

    def test_case60_types_checked(self):
        h = self.create()
        err = self.set_error(h, "tcp-no-delay", 1)
        self.assertValueError(err)
        self.assertEqual(err["message"], "tcp-no-delay takes true or false")
        self.assertValueError(self.set_error(h, "so-send-buffer", True))
        self.assertIs(self.getopt(h, "tcp-no-delay"), False)

    def test_case61_unsupported(self):
        tcp, udp, unix = self.create(), self.create("inet", "dgram"), self.create("unix")
        for h in (tcp, udp, unix):
            for name in sorted(UNDEFINED):
                self.assertUnsupported(self.get_error(h, name), h)
                self.assertUnsupported(self.set_error(h, name, True), h)
        self.assertUnsupported(self.get_error(udp, "tcp-no-delay"), udp, "getsockopt")
        self.assertUnsupported(self.set_error(udp, "tcp-no-delay", True), udp, "setsockopt")
        self.assertUnsupported(self.get_error(tcp, "ipv6-v6-only"), tcp, "getsockopt")
        self.assertUnsupported(self.set_error(tcp, "ipv6-v6-only", True), tcp, "setsockopt")

    def test_egg_booleans(self):
        h = self.create()
        for name in ("so-reuse-address", "so-debug", "so-keep-alive", "so-dont-route",
                     "so-broadcast", "so-oob-inline", "tcp-no-delay", "so-reuse-port"):
            self.assertIs(self.getopt(h, name), False, name)
            self.roundtrip(h, name, True)
            self.roundtrip(h, name, False)

    def test_egg_integers(self):
        h = self.create()
        self.roundtrip(h, "so-receive-low-water", 10)
        self.assertEqual(self.getopt(h, "so-send-low-water"), 1)
        self.assertUnsupported(self.set_error(h, "so-send-low-water", 2), h, "setsockopt")
        self.assertEqual(self.getopt(h, "so-error"), 0)
        self.roundtrip(h, "tcp-max-segment-size", 1200)
        self.roundtrip(h, "ip-type-of-service", 16)
        self.roundtrip(h, "ip-time-to-live", 42)
        # Linux doubles buffer sizes (the inventory: never assert equality).
        for name in ("so-send-buffer", "so-receive-buffer"):
            self.setopt(h, name, 65536)
            self.assertIn(self.getopt(h, name), (65536, 131072), name)

    def test_ip_header_included(self):
        tcp = self.create()
        self.assertIs(self.getopt(tcp, "ip-header-included"), False)
        self.assertUnsupported(self.set_error(tcp, "ip-header-included", True), tcp, "setsockopt")
        raw = self.create("inet", "raw", protocol="icmp")
        self.roundtrip(raw, "ip-header-included", True)

    def test_ipv6_options(self):
        if not harness.has_ipv6_loopback():
            self.skipTest("no IPv6 here")
        h = self.create("inet6", "dgram")
        self.assertIs(self.getopt(h, "ipv6-v6-only"), False)
        self.roundtrip(h, "ipv6-v6-only", True)
        self.roundtrip(h, "ipv6-unicast-hops", 9)
        self.roundtrip(h, "ipv6-multicast-hops", 4)
        self.assertIs(self.getopt(h, "ipv6-multicast-loop"), True)
        self.roundtrip(h, "ipv6-multicast-loop", False)
        self.setopt(h, "ipv6-unicast-hops", -1)              # the route's default
        self.assertEqual(self.getopt(h, "ipv6-unicast-hops"), 64)
        udp4 = self.create("inet", "dgram")
        for name in sorted(IPV6):
            self.assertUnsupported(self.get_error(udp4, name), udp4, "getsockopt")

    # -- where an option does not apply: 1003 ---------------------------------

    def test_unsupported_where_not_applicable(self):
        udp, unix = self.create("inet", "dgram"), self.create("unix")
        values = {"tcp-no-delay": True, "tcp-max-segment-size": 1000, "tcp-keep-idle": 10,
                  "tcp-keep-interval": 10, "tcp-keep-count": 3, "tcp-user-timeout": 100,
                  "tcp-congestion": "cubic", "ip-type-of-service": 8, "ip-time-to-live": 9,
                  "ip-multicast-ttl": 2, "ip-multicast-loop": True,
                  "ip-multicast-interface": "127.0.0.1", "ip-header-included": True}
        for h, names in ((udp, TCP), (unix, TCP | IP)):
            for name in sorted(names):
                self.assertUnsupported(self.get_error(h, name), h, "getsockopt")
                if name in values:
                    self.assertUnsupported(self.set_error(h, name, values[name]), h,
                                           "setsockopt")

    # -- structured options ---------------------------------------------------

    def test_linger(self):
        h = self.create()
        self.assertEqual(self.getopt(h, "so-linger"), {"on": False, "seconds": 0})
        self.roundtrip(h, "so-linger", {"on": True, "seconds": 5})
        self.setopt(h, "so-linger", {"on": False})
        self.assertEqual(self.getopt(h, "so-linger"), {"on": False, "seconds": 5})
        raw = self.c.call("socket.get_option", {"handle": h, "level": "sol/socket",
                                                "name": "so/linger", "length": 8})
        self.assertEqual(struct.unpack("ii", harness.unb64(raw["data"])), (0, 5))
        for bad in (True, 5, [], {}, {"on": 1}, {"on": True, "seconds": -1},
                    {"on": True, "seconds": "5"}, {"on": True, "seconds": 1.5},
                    {"on": True, "secs": 5}, {"seconds": 5}, {"on": True}):
            self.assertValueError(self.set_error(h, "so-linger", bad))
        # {"on": true} alone would be a linger of 0, a reset at close: refused.
        self.assertIn("seconds is required", self.set_error(h, "so-linger", {"on": True})["message"])
        self.assertEqual(self.getopt(h, "so-linger"), {"on": False, "seconds": 5})

    def test_timeouts_in_ms(self):
        h = self.create()
        for name in ("so-receive-timeout", "so-send-timeout"):
            self.assertEqual(self.getopt(h, name), 0)
            for ms in (1500, 250, 1001, 60000):
                self.setopt(h, name, ms)
                self.assertLessEqual(abs(self.getopt(h, name) - ms), 10, (name, ms))
            self.roundtrip(h, name, 0)
            for bad in (-1, True, 1.5, "100", None, 2 ** 31):
                self.assertError(self.set_error(h, name, bad), -32602, param="value")

    def test_tcp_keepalive_family(self):
        h = self.create()
        self.roundtrip(h, "tcp-keep-idle", 30)
        self.roundtrip(h, "tcp-keep-interval", 5)
        self.roundtrip(h, "tcp-keep-count", 3)
        self.roundtrip(h, "tcp-user-timeout", 2500)
        for name, bad in (("tcp-keep-idle", 0), ("tcp-keep-idle", 32768),
                          ("tcp-keep-count", 128), ("tcp-user-timeout", -1)):
            self.assertValueError(self.set_error(h, name, bad))

    def test_tcp_congestion(self):
        h = self.create()
        cur = self.getopt(h, "tcp-congestion")
        self.assertIsInstance(cur, str)
        self.assertGreater(len(cur), 0)
        algo = congestion_choice()
        if algo is None:
            self.skipTest("neither reno nor cubic offered by this kernel")
        self.roundtrip(h, "tcp-congestion", algo)
        err = self.set_error(h, "tcp-congestion", "no-such-algo")
        self.assertNet(err, h, os.strerror(2), "ENOENT")
        self.assertEqual(err["data"]["syscall"], "setsockopt")
        self.assertEqual(self.getopt(h, "tcp-congestion"), algo)
        for bad in ("", "x" * 16, 3, True, ["reno"]):
            self.assertValueError(self.set_error(h, "tcp-congestion", bad))

    def test_tcp_info_connected(self):
        L, C, S = self.pair()
        self.c.call("socket.send", {"handle": C, "text": "hello"})
        for h in (C, S):
            info = self.getopt(h, "tcp-info")
            self.assertEqual(list(info), TCP_INFO_FIELDS)
            self.assertEqual(info["state"], "established")
            self.assertEqual(info["ca_state"], "open")
            self.assertGreater(info["snd_mss"], 0)
            self.assertGreaterEqual(info["rto_us"], 200000)
            self.assertEqual(info["total_retrans"], 0)
            self.assertEqual(info["lost"], 0)
        self.assertEqual(self.getopt(L, "tcp-info")["state"], "listen")
        self.assertEqual(self.getopt(self.create(), "tcp-info")["state"], "close")
        self.assertNet(self.set_error(C, "tcp-info", {}), C, READ_ONLY_MSG)

    def test_peer_credentials_unix_pair(self):
        L, C, S = self.pair("unix")
        me = {"pid": self.daemon.proc.pid, "uid": os.geteuid(), "gid": os.getegid()}
        self.assertEqual(self.getopt(C, "so-peer-credentials"), me)
        self.assertEqual(self.getopt(S, "so-peer-credentials"), me)

    def test_multicast_scalars(self):
        h = self.create("inet", "dgram")
        self.assertEqual(self.getopt(h, "ip-multicast-ttl"), 1)
        self.roundtrip(h, "ip-multicast-ttl", 5)
        self.assertIs(self.getopt(h, "ip-multicast-loop"), True)
        self.roundtrip(h, "ip-multicast-loop", False)
        self.assertEqual(self.getopt(h, "ip-multicast-interface"), "0.0.0.0")
        self.roundtrip(h, "ip-multicast-interface", "127.0.0.1")
        for bad in ("::1", "localhost", 2130706433, None, {"address": "127.0.0.1"}):
            self.assertValueError(self.set_error(h, "ip-multicast-interface", bad))
        self.assertValueError(self.set_error(h, "ip-multicast-ttl", 256))

    def test_write_only_memberships(self):
        h = self.create("inet", "dgram")
        for name in sorted(WRITE_ONLY):
            self.assertNet(self.get_error(h, name), h, "socket option is write-only")
        group = {"group": "239.1.2.3", "interface": "127.0.0.1"}
        self.setopt(h, "ip-add-membership", group)
        self.assertNet(self.set_error(h, "ip-add-membership", group), h,
                       os.strerror(98), "EADDRINUSE")
        self.setopt(h, "ip-drop-membership", group)
        self.assertNet(self.set_error(h, "ip-drop-membership", group), h,
                       os.strerror(99), "EADDRNOTAVAIL")
        for bad in ({"group": "10.0.0.1"}, {"group": "239.1.2.3", "interface": "nosuch0"},
                    {"group": "ff02::1"}, {"interface": "0.0.0.0"}, "239.1.2.3",
                    {"group": "239.1.2.3", "ifindex": 1}):
            self.assertValueError(self.set_error(h, "ip-add-membership", bad))

    def test_ipv6_join_on_lo(self):
        if not harness.has_ipv6_loopback():
            self.skipTest("no ::1 here")
        lo = socket.if_nametoindex("lo")
        h = self.create("inet6", "dgram")
        for group in ("ff02::1", "ff12::1:2:3"):
            g = {"group": group, "interface": lo}
            self.setopt(h, "ipv6-join-group", g)
            self.setopt(h, "ipv6-leave-group", g)
            self.assertNet(self.set_error(h, "ipv6-leave-group", g), h,
                           os.strerror(99), "EADDRNOTAVAIL")
        self.setopt(h, "ipv6-join-group", {"group": "ff12::4", "interface": "lo"})
        for bad in ({"group": "fe80::1", "interface": lo}, {"group": "239.1.2.3"},
                    {"group": "ff02::1", "interface": -1}, {"group": "ff02::1", "interface": 1.5}):
            self.assertValueError(self.set_error(h, "ipv6-join-group", bad))

    def test_multicast_delivery_on_lo(self):
        """Join on lo's address, send through lo with loop on, receive it."""
        got = multicast_roundtrip(self, self.c, "127.0.0.1")
        if got is None:
            self.skipTest("multicast through lo is not delivered on this machine "
                          "(NetnsMulticastTest covers it)")

    # -- socket.options -------------------------------------------------------

    def test_options_per_socket_kind(self):
        common = SO
        cases = [(self.create(), common | TCP | IP),
                 (self.create("inet", "dgram"), common | IP),
                 (self.create("unix"), common), (self.create("unix", "dgram"), common)]
        if harness.has_ipv6_loopback():
            cases.append((self.create("inet6"), common | TCP | IP | IPV6))
            cases.append((self.create("inet6", "dgram"), common | IP | IPV6))
        for h, names in cases:
            opts = self.c.call("socket.options", {"handle": h})["options"]
            self.assertEqual(list(opts), only(names), h)
            for name in ("so-type", "so-reuse-address", "so-linger"):
                self.assertEqual(opts[name], self.getopt(h, name))

    def test_options_reflect_changes(self):
        h = self.create()
        self.setopt(h, "so-keep-alive", True)
        self.setopt(h, "so-linger", {"on": True, "seconds": 3})
        opts = self.c.call("socket.options", {"handle": h})["options"]
        self.assertIs(opts["so-keep-alive"], True)
        self.assertEqual(opts["so-linger"], {"on": True, "seconds": 3})
        self.assertEqual(opts["so-type"], 1)
        self.assertEqual(opts["tcp-info"]["state"], "close")

    # -- bad inputs -----------------------------------------------------------

    def test_bad_option_names(self):
        h = self.create()
        for bad in ("no-such-option", "so-reuse-address??", "SO-REUSE-ADDRESS", "",
                    "so/reuseaddr?", "?", "x" * 65):
            self.assertError(self.get_error(h, bad), -32602, param="option")

            self.assertError(self.set_error(h, bad, True), -32602, param="option")
        for bad in (5, True, None, ["so-type"]):
            self.assertError(self.c.error("socket.getopt", {"handle": h, "option": bad}),
                             -32602, param="option")
        self.assertError(self.c.error("socket.getopt", {"handle": h}), -32602, param="option")
        self.assertError(self.c.error("socket.setopt", {"handle": h, "option": "so-debug"}),
                         -32602, param="value")
        self.assertError(self.c.error("socket.setopt", {"handle": h, "option": "so-debug",
                                                        "value": None}), -32602, param="value")
        self.assertError(self.c.error("socket.getopt", {"handle": h, "option": "so-type",
                                                        "x": 1}), -32602, param="x")


    def test_egg_names_and_constants_as_aliases(self):
        # The egg's accessors end with "?"; its constants name the option too.
        h = self.create()
        self.setopt(h, "tcp-no-delay?", True)
        self.assertIs(self.getopt(h, "tcp/nodelay"), True)
        self.setopt(h, "so/reuseaddr", True)
        self.assertIs(self.getopt(h, "so-reuse-address?"), True)
        self.assertIs(self.getopt(h, "so-reuse-address"), True)
    def test_bad_values_exact(self):
        h = self.create()
        for name, bad in (("so-reuse-address", 1), ("so-reuse-address", "true"),
                          ("so-reuse-address", 0), ("so-send-buffer", True),
                          ("so-send-buffer", "1"), ("so-send-buffer", 1.5),
                          ("so-send-buffer", -1), ("ip-time-to-live", 0),
                          ("ip-time-to-live", 256), ("so-receive-low-water", [1])):
            self.assertValueError(self.set_error(h, name, bad))
        self.assertEqual(self.set_error(h, "so-send-buffer", "1")["message"],
                         "so-send-buffer takes an integer from 0 to 2147483647")

    def test_unknown_handle(self):
        err = self.c.error("socket.getopt", {"handle": 987654, "option": "so-type"})
        self.assertEqual(err["code"], 1010)
        self.assertEqual(err["data"]["handle"], 987654)
        err = self.c.error("socket.options", {"handle": 987654})
        self.assertEqual(err["code"], 1010)

    def test_discover_types(self):
        doc = self.c.call("rpc.discover")
        by = {m["name"]: m for m in doc["methods"]}
        for name in ("socket.getopt", "socket.setopt", "socket.options",
                     "socket.get_option", "socket.set_option"):
            self.assertIn(name, by)
        params = {p["name"]: p for p in by["socket.setopt"]["params"]}
        self.assertEqual(params["value"]["x-type"], "any")
        self.assertEqual(params["value"]["schema"], {})
        self.assertIs(params["value"]["required"], True)
        params = {p["name"]: p for p in by["socket.get_option"]["params"]}
        self.assertEqual(params["length"]["schema"]["minimum"], 1)
        self.assertEqual(params["length"]["schema"]["maximum"], 256)


class LowLevelTest(OptionCase):

    def get(self, h, level, name, length=None):
        p = {"handle": h, "level": level, "name": name}
        if length is not None:
            p["length"] = length
        return self.c.call("socket.get_option", p)

    def set(self, h, level, name, **kw):
        p = {"handle": h, "level": level, "name": name}
        p.update(kw)
        self.assertEqual(self.c.call("socket.set_option", p), {})

    def error(self, method, h, level, name, **kw):
        p = {"handle": h, "level": level, "name": name}
        p.update(kw)
        return self.c.error(method, p)

    def test_names_and_integers(self):
        h = self.create()
        self.assertEqual(self.get(h, "sol/socket", "so/type"), {"value": 1})
        self.assertEqual(self.get(h, 1, 3), {"value": 1})
        self.set(h, "ipproto/tcp", "tcp/nodelay", value=True)
        self.assertEqual(self.get(h, 6, "tcp/nodelay"), {"value": 1})
        self.set(h, 6, 1, value=False)
        self.assertEqual(self.get(h, "ipproto/tcp", 1), {"value": 0})
        self.set(h, "ipproto/ip", "ip/ttl", value=33)
        self.assertEqual(self.getopt(h, "ip-time-to-live"), 33)
        # The value is a C int, never a boolean (S:737).
        self.setopt(h, "so-keep-alive", True)
        self.assertEqual(self.get(h, "sol/socket", "so/keepalive"), {"value": 1})

    def test_case63_length_caps_output(self):
        h = self.create()
        r = self.get(h, "ipproto/tcp", "tcp/nodelay", 64)
        self.assertEqual(r, {"data": harness.b64(b"\0\0\0\0")})
        self.setopt(h, "tcp-no-delay", True)
        self.assertEqual(self.get(h, "ipproto/tcp", "tcp/nodelay", 64),
                         {"data": harness.b64(struct.pack("i", 1))})
        self.assertEqual(self.get(h, "ipproto/tcp", "tcp/nodelay", 4),
                         {"data": harness.b64(struct.pack("i", 1))})
        self.assertEqual(len(harness.unb64(self.get(h, "sol/socket", "so/linger", 256)["data"])), 8)
        for bad in (0, 257, -1, "4", 4.0, True):
            self.assertError(self.error("socket.get_option", h, "sol/socket", "so/type",
                                        length=bad), -32602, param="length")
        self.assertError(self.error("socket.get_option", h, "sol/socket", "so/type",
                                    length=None), -32602, param="length")

    def test_case64_linger_bytes(self):
        h = self.create()
        self.set(h, "sol/socket", "so/linger", data=harness.b64(struct.pack("ii", 1, 100)))
        r = self.get(h, "sol/socket", "so/linger", 8)
        self.assertEqual(struct.unpack("ii", harness.unb64(r["data"])), (1, 100))
        self.assertEqual(self.getopt(h, "so-linger"), {"on": True, "seconds": 100})

    def test_text_is_raw_bytes(self):
        """The egg's string value: its bytes, here as "text"."""
        h = self.create()
        self.set(h, "sol/socket", "so/reuseaddr", text="\u0001\u0000\u0000\u0000")
        self.assertIs(self.getopt(h, "so-reuse-address"), True)

    def test_case62_undefined_level_and_name(self):
        h = self.create()
        for level in (None, False):
            err = self.error("socket.set_option", h, level, 1, value=1)
            self.assertUnsupported(err, h, message="socket option level not supported")
        for name in (None, False, "tcp/nopush", "tcp/noopt", "tcp/keepalive"):
            err = self.error("socket.set_option", h, "ipproto/tcp", name, value=1)
            self.assertUnsupported(err, h, message="socket option not supported")
            err = self.error("socket.get_option", h, "ipproto/tcp", name)
            self.assertUnsupported(err, h, message="socket option not supported")
        # Level first, as in the egg; the value is never looked at.
        err = self.error("socket.set_option", h, None, None, value=1.5)
        self.assertEqual(err["message"], "socket option level not supported")
        err = self.error("socket.set_option", h, "sol/socket", "so/reuseaddr", value=1.5)
        self.assertValueError(err)
        self.assertIn("bad option value", err["message"])

    def test_bad_levels_and_names(self):
        h = self.create()
        for level in ("sol/sockets", "so/reuseaddr", "af/inet", "", "SOL/SOCKET", 1.5, True,
                      [1], {}, 2 ** 31):
            self.assertError(self.error("socket.get_option", h, level, 2), -32602,
                             param="level")
        for name in ("so/bogus", "sol/socket", "ipproto/tcp", "msg/peek", 1.5, True, [2],
                     -2 ** 31 - 1):
            self.assertError(self.error("socket.get_option", h, 1, name), -32602, param="name")
        self.assertError(self.c.error("socket.get_option", {"handle": h, "level": 1}), -32602,
                         param="name")
        self.assertError(self.c.error("socket.get_option", {"handle": h, "name": 1}), -32602,
                         param="level")

    def test_kernel_refusals(self):
        h, udp = self.create(), self.create("inet", "dgram")
        self.assertUnsupported(self.error("socket.get_option", udp, "ipproto/tcp", "tcp/nodelay"),
                               udp, "getsockopt")
        self.assertUnsupported(self.error("socket.get_option", h, 9999, 1), h, "getsockopt")
        err = self.error("socket.set_option", h, "sol/socket", "so/type", value=1)
        self.assertUnsupported(err, h, "setsockopt")
        # A short option value: EINVAL, which the egg calls unsupported too.
        err = self.error("socket.set_option", h, "sol/socket", "so/reuseaddr", data=harness.b64(b"\1"))
        self.assertEqual(err["code"], 1003)
        self.assertEqual(err["data"]["errname"], "EINVAL")

    def test_value_or_data(self):
        h = self.create()
        for kw in ({}, {"value": 1, "data": harness.b64(b"\1\0\0\0")},
                   {"value": 1, "text": "x"}):
            self.assertError(self.error("socket.set_option", h, 1, 2, **kw), -32602,
                             param="value")
        for bad in ("1", [1], {"v": 1}, 2 ** 31, 1.0):
            self.assertValueError(self.error("socket.set_option", h, 1, 2, value=bad))
        self.assertError(self.error("socket.set_option", h, 1, 2, data=harness.b64(bytes(257))),
                         -32602, param="data")
        self.assertError(self.error("socket.set_option", h, 1, 2, data="!!"), -32602,
                         param="data")
        self.set(h, 1, 2, value=-0)
        self.set(h, 1, 2, data=harness.b64(bytes(256)))


def multicast_roundtrip(test, c, interface):
    """Join 239.1.2.3 on `interface`, send to it through 127.0.0.1 with loop
    on, and check the datagram; None when nothing arrived."""
    R = c.call("socket.create", {"family": "inet", "type": "dgram"})["handle"]
    c.call("socket.setopt", {"handle": R, "option": "so-reuse-address", "value": True})
    port = c.call("socket.bind", {"handle": R, "address": "239.1.2.3:0"})["address"]["port"]
    group = {"group": "239.1.2.3", "interface": interface}
    c.call("socket.setopt", {"handle": R, "option": "ip-add-membership", "value": group})
    S = c.call("socket.create", {"family": "inet", "type": "dgram"})["handle"]
    c.call("socket.setopt", {"handle": S, "option": "ip-multicast-loop", "value": True})
    c.call("socket.setopt", {"handle": S, "option": "ip-multicast-interface", "value": "127.0.0.1"})
    dest = "239.1.2.3:%d" % port
    test.assertEqual(c.call("socket.send_to", {"handle": S, "text": "to the group",
                                               "address": dest}), {"bytes": 12})
    reply = c.wait(c.request("socket.receive_from", {"handle": R, "length": 100,
                                                     "timeout": 2000, "encoding": "text"}))
    if "error" in reply:
        test.assertEqual(reply["error"]["code"], 1002, reply)
        return None
    got = reply["result"]
    test.assertEqual(got["text"], "to the group")
    test.assertEqual(got["address"]["address"], "127.0.0.1")
    # Left the group: the next datagram is not delivered.
    c.call("socket.setopt", {"handle": R, "option": "ip-drop-membership", "value": group})
    c.call("socket.send_to", {"handle": S, "text": "gone", "address": dest})
    err = c.error("socket.receive_from", {"handle": R, "length": 100, "timeout": 300})
    test.assertEqual(err["code"], 1002)
    return got


def netns_unavailable():
    if os.geteuid() != 0:
        return "needs root to make a network namespace"
    if shutil.which("ip") is None:
        return "needs iproute2's ip"
    return None


@unittest.skipIf(netns_unavailable(), netns_unavailable() or "")
class NetnsMulticastTest(unittest.TestCase):
    """A sock6d of its own in a fresh network namespace where lo carries
    multicast (224.0.0.0/4 routed to it) and a veth pair carries IPv6
    multicast, so the join on 0.0.0.0 picks lo whatever the host has."""

    @classmethod
    def setUpClass(cls):
        cls.ns = "s6opt%d" % os.getpid()
        cls.dir = tempfile.mkdtemp(prefix="sock6d-netns-")
        steps = [["ip", "netns", "add", cls.ns],
                 ["ip", "netns", "exec", cls.ns, "sysctl", "-qw",
                  "net.ipv6.conf.default.accept_dad=0"],
                 ["ip", "-n", cls.ns, "link", "set", "lo", "multicast", "on"],
                 ["ip", "-n", cls.ns, "link", "set", "lo", "up"],
                 ["ip", "-n", cls.ns, "route", "add", "224.0.0.0/4", "dev", "lo"],
                 ["ip", "-n", cls.ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
                 ["ip", "-n", cls.ns, "link", "set", "v0", "up"],
                 ["ip", "-n", cls.ns, "link", "set", "v1", "up"]]
        for cmd in steps:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if p.returncode != 0:
                cls.cleanup_ns()
                raise unittest.SkipTest("cannot set up a network namespace: %s: %s" %
                                        (" ".join(cmd), p.stdout.decode(errors="replace")))
        wrapper = os.path.join(cls.dir, "sock6d-in-netns")
        with open(wrapper, "w") as f:
            f.write('#!/bin/sh\nexec ip netns exec %s %s "$@"\n' %
                    (cls.ns, shutil.which(harness.SOCK6D) or harness.SOCK6D))
        os.chmod(wrapper, 0o755)
        saved, harness.SOCK6D = harness.SOCK6D, wrapper
        try:
            cls.daemon = harness.Daemon()
        except Exception:
            cls.cleanup_ns()
            raise
        finally:
            harness.SOCK6D = saved

    @classmethod
    def cleanup_ns(cls):
        subprocess.run(["ip", "netns", "del", cls.ns], stderr=subprocess.DEVNULL)
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls.daemon.cleanup()
        cls.cleanup_ns()

    def setUp(self):
        self.c = self.daemon.client()

    def tearDown(self):
        self.c.close()

    def test_join_any_interface_receives(self):
        got = multicast_roundtrip(self, self.c, "0.0.0.0")
        self.assertIsNotNone(got, "no datagram through lo in the namespace")

    def test_join_by_interface_name(self):
        self.assertIsNotNone(multicast_roundtrip(self, self.c, "lo"))

    def test_ipv6_group_on_veth(self):
        c = self.c
        v0 = int(subprocess.check_output(["ip", "netns", "exec", self.ns, "cat",
                                          "/sys/class/net/v0/ifindex"]).decode())
        R = c.call("socket.create", {"family": "inet6", "type": "dgram"})["handle"]
        port = c.call("socket.bind", {"handle": R, "address": "[::]:0"})["address"]["port"]
        c.call("socket.setopt", {"handle": R, "option": "ipv6-join-group",
                                 "value": {"group": "ff12::1:2:3", "interface": "v0"}})
        S = c.call("socket.create", {"family": "inet6", "type": "dgram"})["handle"]
        c.call("socket.setopt", {"handle": S, "option": "ipv6-multicast-loop", "value": True})
        c.call("socket.setopt", {"handle": S, "option": "ipv6-multicast-hops", "value": 1})
        c.call("socket.set_option", {"handle": S, "level": "ipproto/ipv6",
                                     "name": "ipv6/multicast-if", "value": v0})
        self.assertEqual(c.call("socket.get_option", {"handle": S, "level": 41, "name": 17}),
                         {"value": v0})
        c.call("socket.send_to", {"handle": S, "text": "six", "address": "[ff12::1:2:3]:%d" % port})
        got = c.call("socket.receive_from", {"handle": R, "length": 10, "timeout": 3000,
                                             "encoding": "text"})
        self.assertEqual(got["text"], "six")
        self.assertTrue(got["address"]["address"].startswith("fe80::"), got)
        c.call("socket.setopt", {"handle": R, "option": "ipv6-leave-group",
                                 "value": {"group": "ff12::1:2:3", "interface": v0}})
        c.call("socket.send_to", {"handle": S, "text": "gone", "address": "[ff12::1:2:3]:%d" % port})
        self.assertEqual(c.error("socket.receive_from", {"handle": R, "length": 10,
                                                         "timeout": 300})["code"], 1002)


_USERS, _WHY = harness.other_users("nobody")


@unittest.skipUnless(_USERS, _WHY)
class PrivilegeTest(harness.DaemonTest):
    """Options run with the caller's privilege: nobody cannot do through
    sock6d what it could not do itself (SO_DEBUG needs CAP_NET_ADMIN)."""

    def as_nobody(self, calls):
        return harness.calls_as(_USERS[0], self.daemon.path, calls)

    def test_nobody_gets_eacces_root_does_not(self):
        r = self.as_nobody([
            ["socket.create", {"family": "inet", "type": "stream"}],
            ["socket.setopt", {"handle": "$last", "option": "so-debug", "value": True}],
            ["socket.set_option", {"handle": "$last", "level": "sol/socket", "name": "so/debug",
                                   "value": 1}],
            ["socket.setopt", {"handle": "$last", "option": "so-keep-alive", "value": True}],
            ["socket.getopt", {"handle": "$last", "option": "so-debug"}],
            ["socket.getopt", {"handle": "$last", "option": "so-keep-alive"}],
        ])
        h = r[0]["result"]["handle"]
        for reply in r[1:3]:
            err = reply["error"]
            self.assertEqual(err["code"], 1000, reply)
            self.assertEqual(err["data"]["errname"], "EACCES")
            self.assertEqual(err["data"]["syscall"], "setsockopt")
        self.assertEqual(r[3]["result"], {})
        self.assertEqual(r[4]["result"], {"value": False})
        self.assertEqual(r[5]["result"], {"value": True})
        # Root (this client) may, on nobody's socket too; and root's
        # privilege was restored after nobody's calls.
        self.c.call("socket.setopt", {"handle": h, "option": "so-debug", "value": True})
        self.assertIs(self.c.call("socket.getopt", {"handle": h, "option": "so-debug"})["value"],
                      True)
        self.c.call("socket.close", {"handle": h})


if __name__ == "__main__":
    harness.main()
