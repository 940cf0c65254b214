"""dnstrap.py: a DNS tripwire on loopback, so that no test traffic leaves the
machine.

When the tests run as root and `unshare` and `mount` are available,
harness.main() calls guard_this_process(): the test process re-executes
itself inside a private mount namespace where /etc/resolv.conf is a bind
mount of a temporary file naming one loopback nameserver, 127.53.X.Y.  That
nameserver is a Trap served by a thread of the test process itself, on UDP
and TCP port 53: it records every query it receives and answers REFUSED,
or NXDOMAIN for the names a test declares with Trap.expect().  Nothing else
changes: the filesystem, /tmp and its UNIX sockets, the network namespace
and the loopback ports are the same as outside.  Every process the test
starts (sock6d and its resolver threads, sock6ctl, `ip netns exec`, ...)
inherits the namespace, so none of them can reach the machine's configured
resolver, and each query that would have gone there is reported.

Run as a program it guards any command the same way (the Check runners
under tests/unit, for instance) and exits with the command's status, or 1
when the command sent a query:

    python3 tests/integration/dnstrap.py tests/unit/test_resolve

Without root or the tools nothing is guarded and one line on stderr says so;
SOCK6D_DNSTRAP=off turns the tripwire off on purpose (to strace a test, say).
glibc only sends to resolv.conf's nameservers itself; a lookup answered by
nscd (hidden in the namespace) or by an NSS module such as systemd's
`resolve` would pass the tripwire by, and Debian's `hosts: files dns` has
neither.
"""

import atexit
import errno
import fnmatch
import os
import random
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading

ENV = "SOCK6D_DNSTRAP"
NXDOMAIN, REFUSED = 3, 5
QTYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT",
          28: "AAAA", 33: "SRV", 64: "SVCB", 65: "HTTPS", 255: "ANY"}

# Run by `unshare --mount` in the new namespace: cover /etc/resolv.conf with
# the trap's file, hide nscd's socket (nscd would resolve outside the
# namespace), then become the command.  Exit 125 when a mount fails.
SCRIPT = r"""
conf=$1
shift
mount --bind "$conf" /etc/resolv.conf || exit 125
if [ -d /var/run/nscd ]; then
    mount -t tmpfs -o size=16k,mode=0755 none /var/run/nscd || exit 125
fi
exec "$@"
"""

HINT = ("Use a numeric host or a name from /etc/hosts, or move the lookup into a "
        "class with DNS_EXPECTED (see \"No test traffic leaves the machine\" in "
        "tests/README.md).")


class Query:
    """One query the trap received."""

    def __init__(self, name, qtype, transport, expected, when):
        self.name = name            # lower case, no trailing dot
        self.qtype = qtype          # "A", "AAAA", "PTR", ... or the number
        self.transport = transport  # "udp" or "tcp"
        self.expected = expected    # matched a declared name: answered NXDOMAIN
        self.when = when            # "in TEST", "after TEST", ...

    def __str__(self):
        return "%s %s over %s%s" % (self.qtype, self.name or ".", self.transport,
                                    ", " + self.when if self.when else "")

    def __repr__(self):
        return "<Query %s>" % self


def parse_question(msg):
    """(name, qtype, question bytes) of a DNS query, or None if it is none."""
    if len(msg) < 12:
        return None
    flags, qdcount = struct.unpack("!HH", msg[2:6])
    if flags & 0x8000 or qdcount < 1:
        return None
    labels, i = [], 12
    while True:
        if i >= len(msg):
            return None
        n = msg[i]
        i += 1
        if n == 0:
            break
        if n > 63 or i + n > len(msg):
            return None             # compression or garbage: no query of ours
        labels.append("".join(chr(b) if 0x21 <= b < 0x7f else "\\%03d" % b
                              for b in msg[i:i + n]))
        i += n
    if i + 4 > len(msg):
        return None
    qtype = struct.unpack("!H", msg[i:i + 2])[0]
    return ".".join(labels).lower(), QTYPES.get(qtype, qtype), msg[12:i + 4]


def answer(query, question, rcode):
    """The reply to query: its id and question, the rcode, nothing else."""
    qid, flags = struct.unpack("!HH", query[:4])
    rflags = 0x8000 | (flags & 0x7900) | 0x0080 | rcode   # QR, opcode, RD; RA
    if rcode == NXDOMAIN:
        rflags |= 0x0400                                    # authoritative
    return struct.pack("!HHHHHH", qid, rflags, 1, 0, 0, 0) + question


class Trap:
    """The loopback nameserver: records every query, answers at once."""

    def __init__(self, address, udp, tcp):
        self.address = address
        self.udp, self.tcp = udp, tcp
        self.lock = threading.Lock()
        self.queries = []           # every query, in order of arrival
        self.reported = 0           # queries[:reported] were checked already
        self.patterns = ()
        self.when = None
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, name="dnstrap", daemon=True)
        self.thread.start()

    @staticmethod
    def bind():
        """(address, udp, tcp): sockets on port 53 of a free 127.53.X.Y."""
        rng = random.Random()
        for _ in range(64):
            address = "127.53.%d.%d" % (rng.randint(1, 254), rng.randint(1, 254))
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                udp.bind((address, 53))
                tcp.bind((address, 53))
                tcp.listen(16)
                return address, udp, tcp
            except OSError as e:
                udp.close()
                tcp.close()
                if e.errno != errno.EADDRINUSE:
                    raise
        raise OSError(errno.EADDRINUSE, "no free 127.53.X.Y:53 for the DNS tripwire")

    # -- what the tests use ----------------------------------------------------

    def expect(self, patterns):
        """Declare the names the running tests may look up (shell patterns
        such as "*.test"): answered NXDOMAIN and not reported.  A declared
        name with a search domain appended is declared too."""
        with self.lock:
            self.patterns = tuple(p.lower().rstrip(".") for p in patterns)

    def label(self, when):
        """Label the queries that arrive from now on ("in TEST")."""
        with self.lock:
            self.when = when

    def log(self):
        """Every query received so far."""
        with self.lock:
            return list(self.queries)

    def strays(self):
        """The undeclared queries received since the last call."""
        with self.lock:
            new = self.queries[self.reported:]
            self.reported = len(self.queries)
        return [q for q in new if not q.expected]

    def report(self, strays):
        """A paragraph on strays for a test failure."""
        return ("%d DNS %s sent to the configured resolver (here the tripwire at "
                "%s; outside the tests, the machine's resolver):\n%s%s"
                % (len(strays), "query" if len(strays) == 1 else "queries", self.address,
                   "".join("    %s\n" % q for q in strays), HINT))

    def close(self):
        self.stopping = True
        self.thread.join(timeout=2)
        self.udp.close()
        self.tcp.close()

    # -- the server ------------------------------------------------------------

    def declared(self, name):
        labels = name.split(".")
        names = [".".join(labels[:n]) for n in range(len(labels), 0, -1)]
        return any(fnmatch.fnmatchcase(n, p) for p in self.patterns for n in names)

    def handle(self, msg, transport):
        """Record a query; the reply, or None for anything else."""
        try:
            parsed = parse_question(msg)
        except (ValueError, struct.error):
            parsed = None
        if parsed is None:
            return None
        name, qtype, question = parsed
        with self.lock:
            expected = self.declared(name)
            self.queries.append(Query(name, qtype, transport, expected, self.when))
        return answer(msg, question, NXDOMAIN if expected else REFUSED)

    def serve_tcp(self, conn):
        """Queries on one TCP connection, each with its two-byte length."""
        conn.settimeout(2)
        buf = b""
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                    n = struct.unpack("!H", buf[:2])[0]
                    reply = self.handle(buf[2:2 + n], "tcp")
                    buf = buf[2 + n:]
                    if reply is not None:
                        conn.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError:
            return
        finally:
            conn.close()

    def serve(self):
        sel = selectors.DefaultSelector()
        sel.register(self.udp, selectors.EVENT_READ)
        sel.register(self.tcp, selectors.EVENT_READ)
        while not self.stopping:
            for key, _ in sel.select(timeout=0.2):
                try:
                    if key.fileobj is self.udp:
                        msg, peer = self.udp.recvfrom(65536)
                        reply = self.handle(msg, "udp")
                        if reply is not None:
                            self.udp.sendto(reply, peer)
                    else:
                        conn, _ = self.tcp.accept()
                        self.serve_tcp(conn)
                except OSError:
                    pass
        sel.close()


# -- guarding a process --------------------------------------------------------

_trap = None
_said = False


def trap():
    """This process's Trap, or None when it is not guarded."""
    return _trap


def say(text):
    """One line on stderr, once per process."""
    global _said
    if not _said:
        _said = True
        sys.stderr.write("dnstrap: %s\n" % text)
        sys.stderr.flush()


def unavailable():
    """Why the tripwire cannot run here, or None."""
    if os.environ.get(ENV) == "off":
        return "%s=off" % ENV
    if not sys.platform.startswith("linux"):
        return "not Linux"
    if os.geteuid() != 0:
        return "not root"
    for tool in ("unshare", "mount"):
        if shutil.which(tool) is None:
            return "no %s in PATH" % tool
    if not os.path.isfile("/etc/resolv.conf"):
        return "no /etc/resolv.conf"
    return None


def wrap(conf, argv):
    """argv run in a new private mount namespace with conf as resolv.conf."""
    return [shutil.which("unshare"), "--mount", "--propagation", "private",
            "sh", "-c", SCRIPT, "sh", conf] + list(argv)


def write_conf(address):
    """A temporary resolv.conf naming only the trap; its path."""
    fd, path = tempfile.mkstemp(prefix="sock6d-dnstrap-", suffix=".conf")
    with os.fdopen(fd, "w") as f:
        f.write("# sock6d tests: the DNS tripwire (tests/integration/dnstrap.py)\n"
                "nameserver %s\noptions timeout:1 attempts:1\n" % address)
    os.chmod(path, 0o644)       # readable by tests that drop privileges
    return path


def prepare():
    """(address, udp, tcp, conf) with the namespace known to work here, or
    None after saying why not."""
    why = unavailable()
    if why is not None:
        say("DNS tripwire off (%s): lookups in this run are not checked" % why)
        return None
    address, udp, tcp = Trap.bind()
    conf = write_conf(address)
    probe = subprocess.run(wrap(conf, ["true"]), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True)
    if probe.returncode != 0:
        udp.close()
        tcp.close()
        os.unlink(conf)
        say("DNS tripwire off (unshare or mount failed: %s): lookups in this run "
            "are not checked" % (probe.stderr.strip().splitlines() or ["exit %d" % probe.returncode])[-1])
        return None
    return address, udp, tcp, conf


def unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def guard_this_process():
    """Run this process under the tripwire: adopt the trap when it was
    started under one; else re-execute it in a guarded namespace (and never
    return); else say once why not and return."""
    global _trap
    spec = os.environ.pop(ENV, "")
    if spec.startswith("trap,"):
        _, address, ufd, tfd, conf = spec.split(",", 4)
        udp = socket.socket(fileno=int(ufd))
        tcp = socket.socket(fileno=int(tfd))
        udp.set_inheritable(False)
        tcp.set_inheritable(False)
        # Not before: nothing (ip netns exec) could mount over an unlinked file.
        atexit.register(unlink_quietly, conf)
        _trap = Trap(address, udp, tcp)
        return
    if spec == "off":
        os.environ[ENV] = spec
    ready = prepare()
    if ready is None:
        return
    address, udp, tcp, conf = ready
    udp.set_inheritable(True)
    tcp.set_inheritable(True)
    env = dict(os.environ)
    env[ENV] = "trap,%s,%d,%d,%s" % (address, udp.fileno(), tcp.fileno(), conf)
    sys.stdout.flush()
    sys.stderr.flush()
    argv = wrap(conf, [sys.executable] + sys.orig_argv[1:])
    os.execve(argv[0], argv, env)


def main(argv):
    """Run argv under the tripwire; its status, or 1 if it sent a query."""
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write("usage: dnstrap.py COMMAND [ARG...]\n")
        return 2
    ready = prepare()
    if ready is None:
        return subprocess.call(argv)
    address, udp, tcp, conf = ready
    t = Trap(address, udp, tcp)
    t.label("in " + " ".join(argv))
    try:
        proc = subprocess.Popen(wrap(conf, argv))
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda s, _: proc.send_signal(s))
        status = proc.wait()
        if status < 0:
            status = 128 - status
    finally:
        os.unlink(conf)
    t.close()
    strays = t.strays()
    if strays:
        sys.stderr.write("dnstrap: FAIL: %s\n" % t.report(strays))
        return status or 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
