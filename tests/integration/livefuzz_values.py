"""livefuzz_values.py: the typed random-value generator of the live session
fuzzer (test_live_fuzz.py).

Values is a mixin of the fuzzer: from each method's params in the daemon's
rpc.discover document (each param's JSON schema and x-type) it makes params,
mostly valid and sometimes not: handles it has seen (live, closed, or never
made), socket addresses (its own listeners' and UNIX paths in its temporary
directory, and malformed ones), integers at and just past their ranges,
enum and flag names, timeouts, ports, services, bytes, constants, host names
that cannot reach DNS, garbage of every JSON type and huge numbers.  Every
choice comes from the fuzzer's one random generator, so that a seed replays.

The fuzzer provides the state it reads: rng, methods (method -> params),
constants, option_names, handles, dead_handles, connected, subscribed,
addrs, ipv6, netns, seed, tmp and paths.
"""

import base64
import os

# Methods that move data on a socket: given connected handles more often.
DATA_METHODS = ("socket.send", "socket.send_all", "socket.send_to", "socket.receive",
                "socket.receive_from", "socket.subscribe", "socket.credit", "socket.unsubscribe",
                "socket.shutdown", "socket.attach", "udp.send_to", "udp.receive_from",
                "socket.receive_ready", "socket.peer_name", "tcp.addresses", "tcp.port_numbers")

# Not host names: glibc looks them up nowhere, unless asked for a canonical
# name in one family (then it sends them to DNS).
LITERAL_HOSTS = ["[::1]", "[127.0.0.1]", "127.0.0.1 x"]

HUGE = [2 ** 31, 2 ** 32 + 1, 2 ** 63 - 1, 2 ** 63, 2 ** 64, -2 ** 63 - 1, 10 ** 30, 1e308, -1, 0.5]


class Values:
    """Params and values for the fuzzer's calls (see the module's docstring
    for the attributes it reads)."""

    def garbage(self):
        r = self.rng
        return r.choice([None, True, False, 0, -1, r.choice(HUGE), "", "x" * r.randrange(1, 300),
                         "\u00e9\u0000\ud7ff", [], [1, "a"], {}, {"a": {"b": [None]}},
                         r.randrange(-10, 10), "1", "null", [None] * 3, 1.5])

    def handle(self, method=None):
        r = self.rng
        x = r.random()
        if method in ("socket.credit", "socket.unsubscribe") and x < 0.8:
            pool = [h for h in self.subscribed if h in self.handles]
            if pool:
                return r.choice(sorted(pool))
        if method in DATA_METHODS and self.connected and x < 0.6:
            pool = [h for h in self.connected if h in self.handles]
            if pool:
                return r.choice(pool)
        if self.handles and x < 0.85:
            return r.choice(list(self.handles))
        if self.dead_handles and x < 0.93:
            return r.choice(self.dead_handles)
        return r.choice([0, 1, 2 ** 53, 2 ** 63 - 1, 999999, -5])

    def safe_host(self, method):
        """A host no lookup of which can reach DNS."""
        r = self.rng
        hosts = ["127.0.0.1", "127.1", "0.0.0.0", "::ffff:127.0.0.1", "127.0.0.2"] + LITERAL_HOSTS
        if self.ipv6:
            hosts += ["::1", "::", "fe80::1%lo"]
        if self.netns:
            hosts += ["10.9.8.7", "192.0.2.1", "2001:db8::1"]
        if method in ("tcp.connect", "tcp.listen", "net.address_information"):
            hosts += ["localhost"]
        return r.choice(hosts)

    def path(self):
        self.paths += 1
        return os.path.join(self.tmp, "s%d" % self.paths)

    def sockaddr(self, for_connect):
        r = self.rng
        x = r.random()
        if for_connect and self.addrs and x < 0.6:
            s = r.choice(self.addrs)
            return s if r.random() < 0.8 else self.as_object(s)
        choices = ["127.0.0.1:0", "127.0.0.1:%d" % r.randrange(1, 65536),
                   self.path(), "@sock6d-fuzz-%d-%d" % (self.seed, r.randrange(1000)),
                   {"family": "inet", "address": "127.0.0.1", "port": 0},
                   {"family": "unix", "path": self.path()},
                   {"family": "inet", "address": "300.1.1.1", "port": 1},
                   {"family": "inet6", "address": "::1", "port": 70000},
                   {"family": "bogus"}, {}, "", "127.0.0.1", "127.0.0.1:", "[::1", ":80",
                   "/nonexistent-dir-sock6d/x", "/" + "a" * 200, "x" * 3000,
                   "127.0.0.1:99999", "@", "@" + "z" * 200]
        if self.ipv6:
            choices += ["[::1]:0", {"family": "inet6", "address": "::1", "port": 0, "scope_id": 99}]
        if self.netns:
            choices += ["10.1.2.3:80", "[2001:db8::5]:443", "0.0.0.0:0", "[::]:0", "255.255.255.255:9"]
        return r.choice(choices)

    @staticmethod
    def as_object(s):
        if s.startswith("/") or s.startswith("@"):
            return {"family": "unix", "path": s}
        host, _, port = s.rpartition(":")
        fam = "inet6" if host.startswith("[") else "inet"
        return {"family": fam, "address": host.strip("[]"), "port": int(port) if port.isdigit() else port}

    def integer(self, schema):
        r = self.rng
        lo = schema.get("minimum", -2 ** 31)
        hi = schema.get("maximum", 2 ** 31)
        if r.random() < 0.1:
            return r.choice([lo - 1, hi + 1, r.choice(HUGE)])
        return r.choice([lo, hi, min(hi, lo + 1), r.randint(lo, min(hi, lo + 70000))])

    def enum_of(self, schema):
        """The enum list of a schema, looked for in its oneOf branches and items."""
        if "enum" in schema:
            return schema["enum"]
        for sub in schema.get("oneOf", []):
            e = self.enum_of(sub)
            if e:
                return e
        if isinstance(schema.get("items"), dict):
            return self.enum_of(schema["items"])
        return None

    def value(self, method, p):
        """A value for param p of method, mostly valid, sometimes not."""
        r = self.rng
        name, xt, schema = p["name"], p.get("x-type"), p.get("schema", {})
        if r.random() < 0.04:
            g = self.garbage()
            # A host name that is not one would go to DNS: no garbage strings there.
            return g if name not in ("host", "node") or not isinstance(g, str) else 7
        if xt == "handle":
            return self.handle(method)
        if xt == "sockaddr":
            return self.sockaddr(method not in ("socket.bind",))
        if xt == "timeout":
            return r.choice([0, 1, 5, 20, 100, 300, 1000, 0, 50, None, -1, "1", 1.5] if r.random() < 0.1
                            else [0, 1, 5, 20, 100, 300, 1000])
        if xt in ("port", "service"):
            ports = [int(a.rpartition(":")[2]) for a in self.addrs[-10:]
                     if a[:1] not in "/@" and a.rpartition(":")[2].isdigit()]
            return r.choice([0, 0, 65535, 65536, -1, "http", "80", "0", "nosuch-service-x", "",
                             None if xt == "service" else 0] + ports * 3)
        if xt in ("family", "type", "protocol", "enum", "flags"):
            enum = self.enum_of(schema) or []
            if xt == "flags":
                if r.random() < 0.15:
                    return r.choice([0, 1, 2, 64, -1, 2 ** 40, ["nosuch"], "peek"])
                return r.sample(enum, r.randrange(0, min(4, len(enum)) + 1)) if enum else []
            if r.random() < 0.1:
                return r.choice([0, 1, 2, 3, 5, 10, 17, -1, 2 ** 33, "nosuch", ""]) if xt != "enum" \
                    else r.choice(["nosuch", "", 1])
            return r.choice(enum) if enum else 0
        if xt == "boolean":
            return r.random() < 0.5
        if xt == "bytes":
            n = r.choice([0, 1, 10, 100, 1000, 5000, 70000]) if r.random() < 0.97 else 300000
            raw = bytes(r.getrandbits(8) for _ in range(min(n, 64))) * (n // 64 + 1)
            raw = raw[:n]
            return base64.b64encode(raw).decode() if name == "data" else raw.decode("latin-1")
        if xt == "integer":
            return self.integer(schema)
        if xt == "array":        # connect_ai's addresses
            out = []
            for _ in range(r.randrange(0, 4)):
                a = self.sockaddr(True)
                if r.random() < 0.3 and isinstance(a, str):
                    a = {"family": r.choice(["inet", "inet6", "unix"]), "type": r.choice(["stream", "dgram", "raw"]),
                         "protocol": 0, "address": self.as_object(a) if ":" in a else a}
                out.append(a)
            return out
        if xt == "any":
            return r.choice([0, 1, 2, 6, 13, 41, -1, 2 ** 40, True, False, None, "x",
                             r.choice(self.constants), r.choice(self.constants)])
        # x-type string: by param name
        if name in ("host", "node"):
            return self.safe_host(method) if r.random() < 0.95 else None
        if name == "family":
            return r.choice(["inet", "inet6", "af/inet", "unix", "", "x" * 70])
        if name == "option":
            return r.choice(self.option_names or ["so-reuse-address"]) if r.random() < 0.9 else "nosuch"
        if name == "group":
            return r.choice([None, "af", "so", "sock", "ipproto", "tcp", "ai", "ni", "nosuch", "x" * 20])
        if name == "path":
            return r.choice([self.path(), "", "relative", "/" + "p" * 120, "x" * 5000])
        if name == "address":
            return r.choice(["127.0.0.1", "::1", "", "1.2.3", "::ffff:1.2.3.4", "x" * 300, None])
        if name == "string":
            s = self.sockaddr(True)
            return s if isinstance(s, str) else "127.0.0.1:1"
        return r.choice(["", "x", "\u2603", "a" * 2000])

    def params(self, method):
        r = self.rng
        if r.random() < 0.03:
            return self.garbage()           # params that are not an object
        out = {}
        for p in self.methods[method]:
            if p.get("required") and r.random() < 0.98 or r.random() < 0.5:
                out[p["name"]] = self.value(method, p)
        if r.random() < 0.03:
            out["nosuch_param"] = 1
        self.keep_off_dns(method, out)
        return out

    def keep_off_dns(self, method, out):
        """Make sure no lookup in this call can go to a DNS server: a reverse
        lookup is numeric unless of 127.0.0.1, "localhost" only in IPv4 or
        either family, no canonical name of a literal host."""
        if method == "net.name_information":
            a = out.get("address")
            v4 = (isinstance(a, str) and (a == "127.0.0.1" or a.startswith("127.0.0.1:"))) or \
                 (isinstance(a, dict) and a.get("address") == "127.0.0.1" and a.get("family") == "inet")
            if not v4:
                out["flags"] = ["numerichost"] + self.rng.sample(["numericserv", "nofqdn", "namereqd", "dgram"], 2)
        if method == "net.address_information" and out.get("node") in LITERAL_HOSTS:
            if isinstance(out.get("flags"), list):
                out["flags"] = [f for f in out["flags"] if not str(f).endswith("canonname")]
            else:
                out.pop("flags", None)
        if method == "net.address_information" and out.get("node") == "localhost":
            if out.get("family") not in (None, "unspec", "inet", "af/unspec", "af/inet", 0, 2):
                out["family"] = "inet"
            if "node" in out and not isinstance(out.get("flags"), list):
                out.pop("flags", None)
