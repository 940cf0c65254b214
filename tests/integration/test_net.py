"""test_net.py: address construction and parsing (net.inet_address,
net.unix_address, net.parse_address), the inventory's §2 cases 1-10 and
every row of its §1.8 table, as PROTOCOL §3, §6 and §7 settle them.
"""

import socket
import unittest

import harness


def scope_lo_works():
    """True when a numeric link-local address with %lo resolves here."""
    try:
        socket.getaddrinfo("fe80::1%lo", 22, socket.AF_INET6, socket.SOCK_STREAM, 0,
                           socket.AI_NUMERICHOST | socket.AI_NUMERICSERV)
        return True
    except (OSError, socket.gaierror):
        return False


class InetAddressTest(harness.DaemonTest):

    def inet(self, address, port):
        return self.c.call("net.inet_address", {"address": address, "port": port})

    def inet_error(self, address, port):
        return self.c.error("net.inet_address", {"address": address, "port": port})

    def test_ipv4_with_port(self):
        self.assertEqual(self.inet("127.0.0.1", 22),
                         {"family": "inet", "address": "127.0.0.1", "port": 22,
                          "string": "127.0.0.1:22"})

    def test_ipv6_with_port(self):
        self.assertEqual(self.inet("::1", 22),
                         {"family": "inet6", "address": "::1", "port": 22, "string": "[::1]:22"})

    def test_port_null_is_zero_and_bare(self):
        self.assertEqual(self.inet("::1", None),
                         {"family": "inet6", "address": "::1", "port": 0, "string": "::1"})
        self.assertEqual(self.inet("0.0.0.0", 0),
                         {"family": "inet", "address": "0.0.0.0", "port": 0, "string": "0.0.0.0"})
        self.assertEqual(self.inet("127.0.0.1", None)["string"], "127.0.0.1")

    @unittest.skipUnless(scope_lo_works(), "no %lo scope on this machine")
    def test_scope_id_kept(self):
        self.assertEqual(self.inet("fe80::1%lo", 22),
                         {"family": "inet6", "address": "fe80::1%lo", "port": 22,
                          "string": "[fe80::1%lo]:22"})

    def test_v4_mapped_stays_v6(self):
        self.assertEqual(self.inet("::ffff:1.2.3.4", 80),
                         {"family": "inet6", "address": "::ffff:1.2.3.4", "port": 80,
                          "string": "[::ffff:1.2.3.4]:80"})

    def test_both_null_is_invalid(self):
        e = self.inet_error(None, None)
        self.assertError(e, 1000)
        self.assertEqual(e["message"], "invalid internet address")
        self.assertEqual(e["data"]["kind"], ["exn", "i/o", "net"])

    def test_host_must_be_numeric(self):
        for host in ("localhost", "example.invalid", "1.2.3.4.5", "[::1]"):
            with self.subTest(host=host):
                e = self.inet_error(host, 80)
                self.assertError(e, 1000)
                self.assertEqual(e["message"], "invalid internet address")

    def test_null_address_is_wildcard(self):
        r = self.inet(None, 8000)
        self.assertEqual(r["port"], 8000)
        self.assertIn((r["family"], r["address"], r["string"]),
                      (("inet", "0.0.0.0", "0.0.0.0:8000"), ("inet6", "::", "[::]:8000")))

    def test_port_as_decimal_string(self):
        self.assertEqual(self.inet("127.0.0.1", "80"),
                         {"family": "inet", "address": "127.0.0.1", "port": 80,
                          "string": "127.0.0.1:80"})
        self.assertEqual(self.inet("::1", "65535")["port"], 65535)
        self.assertEqual(self.inet("127.0.0.1", "0")["string"], "127.0.0.1")
        self.assertEqual(self.inet("127.0.0.1", 65535)["string"], "127.0.0.1:65535")

    def test_bad_ports(self):
        for port in (65536, -1, "http", "65536", "-1", "8o", "", " 80", 80.5, True, [80]):
            with self.subTest(port=port):
                e = self.inet_error("127.0.0.1", port)
                self.assertError(e, -32602, param="port")
                self.assertEqual(e["data"]["kind"], ["exn", "type"])

    def test_bad_address_type(self):
        self.assertError(self.inet_error(127, 80), -32602, param="address")

    def test_legacy_ipv4_form(self):
        self.assertEqual(self.inet("127.1", 80),
                         {"family": "inet", "address": "127.0.0.1", "port": 80,
                          "string": "127.0.0.1:80"})

    def test_result_usable_as_sockaddr_param(self):
        h = self.create("inet", "dgram")
        bound = self.c.call("socket.bind", {"handle": h, "address": self.inet("127.0.0.1", 0)})
        self.assertEqual(bound["address"]["address"], "127.0.0.1")
        self.assertGreater(bound["address"]["port"], 0)
        self.c.call("socket.close", {"handle": h})


class UnixAddressTest(harness.DaemonTest):

    def unix(self, path):
        return self.c.call("net.unix_address", {"path": path})

    def test_path(self):
        self.assertEqual(self.unix("/tmp/x"), {"family": "unix", "path": "/tmp/x", "string": "/tmp/x"})

    def test_abstract(self):
        self.assertEqual(self.unix("@abstract"),
                         {"family": "unix", "path": "@abstract", "string": "@abstract"})

    def test_107_bytes_ok(self):
        path = "/" + "a" * 106
        self.assertEqual(len(path.encode()), 107)
        self.assertEqual(self.unix(path), {"family": "unix", "path": path, "string": path})

    def test_108_bytes_rejected(self):
        for path in ("/" + "a" * 107, "/" + "b" * 199):
            with self.subTest(length=len(path)):
                e = self.c.error("net.unix_address", {"path": path})
                self.assertError(e, -32602, param="path")
                self.assertEqual(e["data"]["kind"], ["exn", "type"])

    def test_multibyte_length_counts_bytes(self):
        # 1 + 53 * 2 = 107 bytes fits; one more two-byte char does not.
        ok = "/" + "\u00e9" * 53
        self.assertEqual(self.unix(ok)["path"], ok)
        self.assertError(self.c.error("net.unix_address", {"path": ok + "\u00e9"}),
                         -32602, param="path")

    def test_relative_and_bad_type(self):
        self.assertError(self.c.error("net.unix_address", {"path": "relative/x"}),
                         -32602, param="path")
        self.assertError(self.c.error("net.unix_address", {"path": 5}), -32602, param="path")
        self.assertError(self.c.error("net.unix_address", {}), -32602, param="path")


class ParseAddressTest(harness.DaemonTest):

    # Every row of inventory §1.8; #f is null and the port stays a string.
    ROWS = [
        ("", "", None),
        ("host:80", "host", "80"),
        ("127.0.0.1:80", "127.0.0.1", "80"),
        ("localhost:ssh", "localhost", "ssh"),
        ("[::1]:80", "::1", "80"),
        ("[fe80::1%lo0]:22", "fe80::1%lo0", "22"),
        ("[::1]", "::1", None),
        ("[::1]:", "::1", None),
        ("[]:80", None, "80"),
        ("[::1]x", "[::1]x", None),
        ("[::1", "[::1", None),
        ("::1", "::1", None),
        ("::1:80", "::1:80", None),
        ("a:b:c", "a:b:c", None),
        (":80", None, "80"),
        ("host:", "host", None),
        (":", None, None),
        ("host", "host", None),
    ]

    def test_every_row(self):
        for string, host, port in self.ROWS:
            with self.subTest(string=string):
                r = self.c.call("net.parse_address", {"string": string})
                self.assertEqual(r, {"host": host, "port": port})

    def test_bad_params(self):
        self.assertError(self.c.error("net.parse_address", {"string": 80}), -32602, param="string")
        self.assertError(self.c.error("net.parse_address", {}), -32602, param="string")
        self.assertError(self.c.error("net.parse_address", {"string": "a", "port": 1}),
                         -32602, param="port")


if __name__ == "__main__":
    harness.main()
