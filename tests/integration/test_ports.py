"""test_ports.py: ports never wrap (PROTOCOL §3).

getaddrinfo reads a numeric service with strtoul and keeps the low 16 bits,
so "99999" was port 34463 and "-1" port 65535.  Every port the daemon takes,
as an integer, as a numeric service string or inside "host:port", is checked
against 0..65535 first and is -32602 naming its param otherwise, with a
message that says 0..65535.  Service names still go to getaddrinfo.
Only numeric hosts and loopback are used; no name reaches a resolver.
"""

import subprocess

import harness

# Integers and strings that are numbers to getaddrinfo but no port.
BAD_PORTS = (99999, 65536, -1, 4294967376, "99999", "65536", "-1", "+80", " 80", "\t80",
             "000080", "4294967376")
BAD_HOSTPORTS = ("127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+80",
                 "[::1]:65536", "[::1]:4294967376", ":99999")


class PortRangeTest(harness.DaemonTest):

    def assertRange(self, method, params, param):
        err = self.c.error(method, params)
        self.assertError(err, -32602, param=param)
        self.assertIn("0..65535", err["message"], err)

    def udp(self):
        """A UDP socket, closed with this test's connection."""
        return self.c.call("udp.open", {"scope": "connection"})["handle"]

    def test_service_param(self):
        h = self.udp()
        for port in BAD_PORTS:
            with self.subTest(port=port):
                self.assertRange("net.address_information",
                                 {"node": "127.0.0.1", "service": port}, "service")
                self.assertRange("tcp.listen", {"host": "127.0.0.1", "port": port}, "port")
                self.assertRange("tcp.connect", {"host": "127.0.0.1", "port": port}, "port")
                self.assertRange("udp.bind", {"handle": h, "host": "127.0.0.1", "port": port},
                                 "port")
                self.assertRange("udp.connect", {"handle": h, "host": "127.0.0.1",
                                                 "port": port}, "port")
                self.assertRange("udp.send_to", {"handle": h, "host": "127.0.0.1",
                                                 "port": port, "text": "x"}, "port")

    def test_exact_messages(self):
        err = self.c.error("tcp.connect", {"host": "127.0.0.1", "port": 99999})
        self.assertEqual(err["message"],
                         "port must be a service name or a port number 0..65535")
        err = self.c.error("net.address_information", {"node": "127.0.0.1",
                                                       "service": "99999"})
        self.assertEqual(err["message"],
                         "service must be a service name or a port number 0..65535")
        err = self.c.error("tcp.connect", {"host": "127.0.0.1:99999"})
        self.assertEqual(err["message"], "port in host must be 0..65535")
        err = self.c.error("net.parse_address", {"string": "[::1]:99999"})
        self.assertEqual(err["message"], "port in string must be 0..65535")

    def test_host_port(self):
        h = self.udp()
        for s in BAD_HOSTPORTS:
            with self.subTest(host=s):
                self.assertRange("tcp.connect", {"host": s}, "host")
                self.assertRange("udp.connect", {"handle": h, "host": s}, "host")
                self.assertRange("net.parse_address", {"string": s}, "string")
        # The socket is untouched by the refusals.
        self.assertIsNone(self.c.call("socket.peer_name", {"handle": h})["address"])

    def test_no_wrap_in_lookups(self):
        """"99999" was 34463 and "-1" was 65535: neither is ever looked up."""
        for service in ("99999", "-1", 99999):
            with self.subTest(service=service):
                self.assertRange("net.address_information",
                                 {"node": "127.0.0.1", "service": service,
                                  "flags": ["numerichost"]}, "service")

    def test_ports_in_range(self):
        def port_of(service):
            r = self.c.call("net.address_information",
                            {"node": "127.0.0.1", "service": service,
                             "flags": ["numerichost"]})
            return r["addresses"][0]["address"]["port"]

        self.assertEqual(port_of(0), 0)
        self.assertEqual(port_of(65535), 65535)
        self.assertEqual(port_of("65535"), 65535)
        self.assertEqual(port_of("00080"), 80)
        self.assertEqual(port_of("0"), 0)
        self.assertEqual(self.c.call("net.parse_address", {"string": "[::1]:65535"}),
                         {"host": "::1", "port": "65535"})
        self.assertEqual(self.c.call("net.parse_address", {"string": "h:00080"}),
                         {"host": "h", "port": "00080"})

    def test_service_names_still_resolve(self):
        """Names, even those with digits in them, are for the services database."""
        r = self.c.call("net.address_information",
                        {"node": "127.0.0.1", "service": "http", "flags": ["numerichost"]})
        self.assertEqual(r["addresses"][0]["address"]["port"], 80)
        self.assertEqual(self.c.call("net.parse_address", {"string": "127.0.0.1:http"}),
                         {"host": "127.0.0.1", "port": "http"})
        # Not a number to getaddrinfo, so a name (one that does not exist).
        for name in ("80x", "9pfs-no-such-service"):
            with self.subTest(name=name):
                err = self.c.error("net.address_information",
                                   {"node": "127.0.0.1", "service": name,
                                    "flags": ["numerichost"]})
                self.assertEqual(err["code"], 1004, err)

    def test_connect_with_port_in_host(self):
        """A port in range still connects (and 99999 never reached port 34463)."""
        lh, addr = self.listener()
        port = int(addr.rsplit(":", 1)[1])
        r = self.c.call("tcp.connect", {"host": "127.0.0.1:%d" % port, "scope": "connection"})
        self.assertEqual(r["peer"]["port"], port)

    def test_sock6ctl(self):
        p = subprocess.run([harness.SOCK6CTL, "--socket", self.daemon.path, "--json",
                            "tcp.connect", "host=127.0.0.1:99999"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=10)
        self.assertEqual(p.returncode, 3, p)   # -32602 is a usage error
        out = p.stdout.decode() + p.stderr.decode()
        self.assertIn("-32602", out)
        self.assertIn("port in host must be 0..65535", out)
        p = subprocess.run([harness.SOCK6CTL, "--socket", self.daemon.path, "tcp.connect",
                            "host=127.0.0.1", "port=99999"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=10)
        self.assertEqual(p.returncode, 3, p)
        self.assertIn("0..65535", p.stdout.decode() + p.stderr.decode())


if __name__ == "__main__":
    harness.main()
