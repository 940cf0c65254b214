"""test_resolve.py: name resolution off the event loop: net.address_information
and net.name_information with the egg's semantics (inventory §2 cases 11-26,
numeric hosts only, since hosts files differ), names nobody has (answered
NXDOMAIN by the harness's loopback resolver, never the machine's), and a
resolver that hangs for seconds delaying nobody (a silent DNS server in a
network namespace)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import harness


def addrs(result):
    return [a["address"]["string"] for a in result["addresses"]]


class AddressInformationTest(harness.DaemonTest):

    def ai(self, **params):
        return self.c.call("net.address_information", params)

    def test_not_found_is_an_empty_list(self):
        self.assertEqual(self.ai(), {"addresses": []})
        self.assertEqual(self.ai(node=None, service=None), {"addresses": []})
        self.assertEqual(self.ai(node="", service=80), {"addresses": []})
        # a name with numerichost is EAI_NONAME without any lookup
        self.assertEqual(self.ai(node="localhost", service=80, flags=["numerichost"]),
                         {"addresses": []})
        self.assertEqual(self.ai(node="nosuch.invalid", service=80, flags=["ai/numerichost"]),
                         {"addresses": []})

    def test_unknown_service_is_1004_eai_service(self):
        err = self.c.error("net.address_information", {"node": "127.0.0.1", "service": "nosuchservice"})
        self.assertError(err, 1004)
        self.assertEqual(err["data"]["gai_name"], "EAI_SERVICE")
        self.assertEqual(err["data"]["syscall"], "getaddrinfo")
        self.assertEqual(err["data"]["kind"], ["exn", "i/o", "net"])
        self.assertEqual(err["message"], "Servname not supported for ai_socktype")

    def test_wrong_family_is_1004(self):
        err = self.c.error("net.address_information", {"node": "::1", "service": 80, "family": "inet"})
        self.assertError(err, 1004)
        self.assertEqual(err["data"]["gai_name"], "EAI_ADDRFAMILY")

    def test_default_type_is_stream(self):
        r = self.ai(node="127.0.0.1", service=53)
        self.assertEqual(len(r["addresses"]), 1)
        a = r["addresses"][0]
        self.assertEqual((a["family"], a["type"], a["protocol"]), ("inet", "stream", "tcp"))
        self.assertEqual(a["address"], {"family": "inet", "address": "127.0.0.1", "port": 53,
                                        "string": "127.0.0.1:53"})
        self.assertIsNone(a["canonname"])
        r = self.ai(node="127.0.0.1", service=53, type="dgram")
        self.assertEqual([(a["type"], a["protocol"]) for a in r["addresses"]], [("dgram", "udp")])
        r = self.ai(node="127.0.0.1", service=53, type="sock/dgram")
        self.assertEqual([a["type"] for a in r["addresses"]], ["dgram"])

    def test_null_type_gives_every_type(self):
        r = self.ai(node="127.0.0.1", service=80, type=None)
        self.assertEqual(sorted((a["type"], a["protocol"]) for a in r["addresses"]),
                         sorted([("stream", "tcp"), ("dgram", "udp"), ("raw", 0)]))

    def test_passive_null_node_is_the_wildcard(self):
        r = self.ai(service="http", flags=["passive"])
        self.assertEqual(set(addrs(r)) - {"[::]:80"}, {"0.0.0.0:80"})
        r = self.ai(service="http")
        self.assertEqual(set(addrs(r)) - {"[::1]:80"}, {"127.0.0.1:80"})

    def test_service_name_and_number(self):
        self.assertEqual(addrs(self.ai(node="127.0.0.1", service="http")), ["127.0.0.1:80"])
        self.assertEqual(addrs(self.ai(node="127.0.0.1", service=80)), ["127.0.0.1:80"])
        self.assertEqual(addrs(self.ai(node="127.0.0.1", service="80")), ["127.0.0.1:80"])

    def test_canonname_only_with_the_flag(self):
        r = self.ai(node="127.0.0.1", service=0, flags=["canonname"])
        self.assertIsInstance(r["addresses"][0]["canonname"], str)
        self.assertEqual(r["addresses"][0]["address"]["string"], "127.0.0.1")
        r = self.ai(node="127.0.0.1", service=0)
        self.assertIsNone(r["addresses"][0]["canonname"])

    def test_flags_as_integer(self):
        r = self.ai(node="localhost", service=80, flags=4)   # AI_NUMERICHOST
        self.assertEqual(r, {"addresses": []})

    def test_ipv6_numeric(self):
        if not harness.has_ipv6_loopback():
            self.skipTest("no ::1 on this machine")
        r = self.ai(node="::1", service=22, family="inet6")
        self.assertEqual(addrs(r), ["[::1]:22"])

    def test_bad_params(self):
        for params, name in (({"node": 1}, "node"),
                             ({"service": -1}, "service"),
                             ({"service": 65536}, "service"),
                             ({"service": True}, "service"),
                             ({"family": "bogus"}, "family"),
                             ({"type": "bogus"}, "type"),
                             ({"flags": ["bogus"]}, "flags"),
                             ({"flags": "passive"}, "flags"),
                             ({"nodes": "x"}, "nodes")):
            self.assertError(self.c.error("net.address_information", params), -32602, param=name)
        self.assertAlive()


class NameInformationTest(harness.DaemonTest):

    def ni(self, address, flags=None):
        params = {"address": address}
        if flags is not None:
            params["flags"] = flags
        return self.c.call("net.name_information", params)

    def test_numeric_service_is_an_integer(self):
        self.assertEqual(self.ni("127.0.0.1:80", ["numerichost", "numericserv"]),
                         {"node": "127.0.0.1", "service": 80})
        self.assertEqual(self.ni("127.0.0.1:31828", ["numerichost"]),
                         {"node": "127.0.0.1", "service": 31828})

    def test_service_name(self):
        if not os.path.exists("/etc/services"):
            self.skipTest("no /etc/services")
        self.assertEqual(self.ni("127.0.0.1:80", ["numerichost"])["service"], "http")
        self.assertEqual(self.ni("127.0.0.1:512", ["numerichost"])["service"], "exec")
        self.assertEqual(self.ni("127.0.0.1:512", ["numerichost", "dgram"])["service"], "biff")
        self.assertEqual(self.ni("127.0.0.1:53", ["ni/numerichost", "ni/dgram"])["service"], "domain")

    def test_string_address_means_port_0(self):
        self.assertEqual(self.ni("127.0.0.1", ["numerichost"]), {"node": "127.0.0.1", "service": 0})
        r = self.ni("127.0.0.1")
        self.assertEqual(r["service"], 0)
        self.assertIsInstance(r["node"], str)

    def test_ipv6(self):
        self.assertEqual(self.ni("[::1]:80", ["numerichost", "numericserv"]),
                         {"node": "::1", "service": 80})
        self.assertEqual(self.ni("::1", ["numerichost"]), {"node": "::1", "service": 0})
        self.assertEqual(self.ni({"family": "inet6", "address": "::1", "port": 80},
                                 ["numerichost", "numericserv"]), {"node": "::1", "service": 80})

    def test_host_name_is_invalid_internet_address(self):
        err = self.c.error("net.name_information", {"address": "localhost"})
        self.assertError(err, 1000)
        self.assertEqual(err["message"], "invalid internet address")
        err = self.c.error("net.name_information", {"address": "127.0.0.1:99999"})
        self.assertError(err, 1000)

    def test_bad_params(self):
        self.assertError(self.c.error("net.name_information", {}), -32602, param="address")
        self.assertError(self.c.error("net.name_information", {"address": "::1", "flags": ["x"]}),
                         -32602, param="flags")
        self.assertError(self.c.error("net.name_information", {"address": 5}), -32602, param="address")
        self.assertAlive()


class UnknownNameTest(harness.DaemonTest):
    """Lookups that go past /etc/hosts to DNS, where the harness's loopback
    resolver (dnstrap.py) answers NXDOMAIN: a name nobody has is not found,
    which is an empty list, and an address nobody named has no name to
    require.  Skipped without that resolver, so that these lookups never
    reach the machine's configured one."""

    DNS_EXPECTED = ("*.test", "2.0.0.127.in-addr.arpa")

    def asked(self, name):
        """The query types the loopback resolver was asked for name."""
        return {q.qtype for q in harness.dns_queries() if q.name == name}

    def test_unknown_host_is_an_empty_list(self):
        self.assertEqual(self.c.call("net.address_information",
                                     {"node": "nosuch-ai.test", "service": 80}),
                         {"addresses": []})
        self.assertEqual(self.c.call("net.address_information",
                                     {"node": "nosuch-ai4.test", "service": 80,
                                      "family": "inet", "flags": ["canonname"]}),
                         {"addresses": []})
        # the answer came from DNS (not a shortcut before the lookup)
        self.assertIn("A", self.asked("nosuch-ai.test"))
        self.assertEqual(self.asked("nosuch-ai4.test"), {"A"})

    def test_namereqd_without_a_name_is_1004(self):
        # 127.0.0.2 has no name here unless the hosts file says so.
        r = self.c.wait(self.c.request("net.name_information",
                                       {"address": "127.0.0.2", "flags": ["namereqd"]}))
        if "result" in r:
            self.skipTest("127.0.0.2 has a name on this machine: %r" % r["result"])
        self.assertError(r["error"], 1004)
        self.assertEqual(r["error"]["data"]["syscall"], "getnameinfo")
        self.assertIn("gai_name", r["error"]["data"])
        self.assertIn("PTR", self.asked("2.0.0.127.in-addr.arpa"))
        # without namereqd the address itself is the node
        self.assertEqual(self.c.call("net.name_information", {"address": "127.0.0.2"}),
                         {"node": "127.0.0.2", "service": 0})


SILENT_DNS = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
print("ready", flush=True)
while True:
    s.recvfrom(4096)        # never answer
"""


def can_make_netns():
    return (os.geteuid() == 0 and shutil.which("ip") is not None and
            subprocess.run(["ip", "netns", "list"], capture_output=True).returncode == 0)


class SilentResolverBase(unittest.TestCase):
    """A daemon in a network namespace whose DNS server never answers:
    lookups of names hang for LOOKUP_TIMEOUT seconds.  Subclasses set
    DAEMON_ARGS."""

    NS = "sock6d-test-%d" % os.getpid()
    LOOKUP_TIMEOUT = 3       # resolv.conf timeout per query, seconds
    DAEMON_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.etc = "/etc/netns/" + cls.NS
        subprocess.run(["ip", "netns", "add", cls.NS], check=True)
        subprocess.run(["ip", "netns", "exec", cls.NS, "ip", "link", "set", "lo", "up"], check=True)
        os.makedirs(cls.etc, exist_ok=True)
        with open(cls.etc + "/resolv.conf", "w") as f:
            f.write("nameserver 127.0.0.1\noptions timeout:%d attempts:1\n" % cls.LOOKUP_TIMEOUT)
        cls.dns = subprocess.Popen(["ip", "netns", "exec", cls.NS, sys.executable, "-c", SILENT_DNS],
                                   stdout=subprocess.PIPE, text=True)
        assert cls.dns.stdout.readline().strip() == "ready"
        cls.dir = tempfile.mkdtemp(prefix="sock6d-hang-")
        os.chmod(cls.dir, 0o755)
        cls.path = os.path.join(cls.dir, "ctl.sock")
        cls.log = open(os.path.join(cls.dir, "daemon.log"), "wb")
        cls.proc = subprocess.Popen(
            ["ip", "netns", "exec", cls.NS, harness.SOCK6D, "--socket", cls.path,
             "--socket-mode", "0666", "--log-level", "debug"] + list(cls.DAEMON_ARGS),
            stdout=cls.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + harness.READY_DEADLINE
        while True:
            try:
                with harness.Client(cls.path, timeout=1) as c:
                    if c.call("daemon.ping") == {"pong": True}:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or cls.proc.poll() is not None:
                raise RuntimeError("sock6d did not start in the namespace")
            time.sleep(0.01)  # poll interval

    @classmethod
    def tearDownClass(cls):
        cls.proc.send_signal(signal.SIGTERM)
        cls.proc.wait(timeout=10)
        cls.log.close()
        cls.dns.kill()
        cls.dns.wait()
        cls.dns.stdout.close()
        subprocess.run(["ip", "netns", "delete", cls.NS])
        shutil.rmtree(cls.etc, ignore_errors=True)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def client(self):
        return harness.Client(self.path, timeout=3 * self.LOOKUP_TIMEOUT + 5)


@unittest.skipUnless(can_make_netns(), "needs root and ip netns")
class HangingResolverTest(SilentResolverBase):
    """Lookups hang for seconds while every other request is answered at
    once; the pool and queue stay bounded."""

    DAEMON_ARGS = ("--limit", "resolver_threads=2", "--limit", "resolver_queue=6")

    def test_hanging_lookups_delay_nobody(self):
        with self.client() as slow, self.client() as other:
            start = time.monotonic()
            ids = [slow.request("net.address_information", {"node": "hang%d.test" % i, "service": 80})
                   for i in range(3)]
            # more lookups than threads: still every other request is prompt
            for _ in range(20):
                t = time.monotonic()
                self.assertEqual(other.call("daemon.ping"), {"pong": True})
                self.assertLess(time.monotonic() - t, 0.5)
            self.assertEqual(other.call("net.address_information",
                                        {"node": "127.0.0.1", "service": 1, "flags": ["numerichost"]})
                             ["addresses"][0]["address"]["string"], "127.0.0.1:1")
            self.assertLess(time.monotonic() - start, self.LOOKUP_TIMEOUT - 0.5)
            # the hung lookups end (as a failure or not found), each answered once
            for i in ids:
                reply = slow.wait(i)
                if "error" in reply:
                    self.assertEqual(reply["error"]["code"], 1004, reply)
                else:
                    self.assertEqual(reply["result"], {"addresses": []})
            self.assertGreaterEqual(time.monotonic() - start, self.LOOKUP_TIMEOUT - 0.5)

    def test_queue_is_bounded(self):
        with self.client() as slow, self.client() as other:
            ids = [slow.request("net.address_information", {"node": "q%d.test" % i, "service": 80})
                   for i in range(7)]
            replies = [slow.wait(i) for i in ids[6:]]
            self.assertEqual(replies[0]["error"]["code"], 1012, replies[0])
            self.assertEqual(replies[0]["error"]["data"]["limit"], "resolver_queue")
            self.assertEqual(other.call("daemon.ping"), {"pong": True})
            for i in ids[:6]:
                slow.wait(i)

    def test_half_close_keeps_the_lookup(self):
        # a client that shuts down its sending side still gets its answer
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(3 * self.LOOKUP_TIMEOUT + 5)
        self.addCleanup(s.close)
        s.connect(self.path)
        start = time.monotonic()
        s.sendall(b'{"jsonrpc":"2.0","id":7,"method":"net.address_information",'
                  b'"params":{"node":"half.test","service":80}}\n')
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        replies = [json.loads(line) for line in data.splitlines()]
        self.assertEqual([r["id"] for r in replies], [7])
        if "error" in replies[0]:
            self.assertEqual(replies[0]["error"]["code"], 1004, replies)
        else:
            self.assertEqual(replies[0]["result"], {"addresses": []})
        self.assertGreaterEqual(time.monotonic() - start, self.LOOKUP_TIMEOUT - 0.5)

    def test_caller_gone_before_the_answer(self):
        slow = self.client()
        for i in range(2):
            slow.request("net.address_information", {"node": "gone%d.test" % i, "service": 80})
        slow.close()
        with self.client() as other:
            # while the abandoned lookups run, and after they end and their
            # answers are dropped, the daemon answers
            end = time.monotonic() + self.LOOKUP_TIMEOUT + 1
            while time.monotonic() < end:
                self.assertEqual(other.call("daemon.ping"), {"pong": True})
                time.sleep(0.1)  # the test is about time passing
            self.assertEqual(other.call("daemon.stats")["connections"], 1)


# Run as nobody: one lookup of localhost (from /etc/hosts, IPv4 only: no
# DNS) on the control socket argv[1]; prints the reply and the seconds it took.
LOOKUP_AS_NOBODY = r"""
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(30)
s.connect(sys.argv[1])
start = time.monotonic()
s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"net.address_information",'
          b'"params":{"node":"localhost","service":"80","family":"inet"}}\n')
buf = b""
while b"\n" not in buf:
    buf += s.recv(65536)
print(json.dumps({"reply": json.loads(buf), "seconds": time.monotonic() - start}))
"""


@unittest.skipUnless(can_make_netns() and shutil.which("setpriv"), "needs root, ip netns and setpriv")
class ResolverShareTest(SilentResolverBase):
    """One user's share of the resolver: 3 lookups at once, and one of the
    two workers; another user's lookup still runs at once."""

    DAEMON_ARGS = ("--limit", "resolver_threads=2", "--limit", "resolver_threads_per_user=1",
                   "--limit", "resolver_queue=8", "--limit", "resolver_queue_per_user=3")

    def test_one_user_cannot_hold_the_resolver(self):
        with self.client() as root:
            # limit-1 and limit: taken (they hang); limit+1: refused
            ids = [root.request("net.address_information", {"node": "share%d.test" % i,
                                                            "service": 80})
                   for i in range(3)]
            over = root.wait(root.request("net.address_information",
                                          {"node": "share3.test", "service": 80}))
            self.assertEqual(over["error"]["code"], 1012, over)
            self.assertEqual(over["error"]["data"]["limit"], "resolver_queue_per_user")
            # root's lookups hold one worker: nobody's runs on the other, now
            out = subprocess.run(("setpriv", "--reuid=nobody", "--regid=nogroup",
                                  "--clear-groups", sys.executable, "-c", LOOKUP_AS_NOBODY,
                                  self.path), stdout=subprocess.PIPE, timeout=60,
                                 check=True).stdout
            got = json.loads(out)
            self.assertEqual([a["address"]["string"] for a in got["reply"]["result"]["addresses"]],
                             ["127.0.0.1:80"])
            self.assertLess(got["seconds"], self.LOOKUP_TIMEOUT - 1)
            for i in ids:
                root.wait(i)


if __name__ == "__main__":
    harness.main()
