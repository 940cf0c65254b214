"""test_examples.py: run every example of the protocol man page against the
real daemon.

The page is proto/sock6d-rpc.7, found from this file (../../proto/) unless
$SOCK6D_RPC_MAN names it.  Besides running the examples, the test checks that
every method the daemon serves (rpc.discover) has a section of its own in
METHODS (".Ss name") and at least one example.  test_openrpc.py reads the
page with the parser here (parse_page, example_replies).

How the examples are read (these conventions are the runner's; the page only
tells its readers that handles, ports and descriptors will differ):

- An example is a literal display (".Bd -literal" ... ".Ed") whose lines start
  with "--> " (what the client sends) or "<-- " (what the daemon answers).  A
  literal display without such lines is not an example; one that mixes them
  with other lines is an error of the page.  mdoc escapes are undone first:
  \\e is a backslash, \\& is nothing (so \\&. is a dot), \\- is a minus.
- The examples run in document order against ONE fresh daemon, each on a new
  control connection (so session values start at their defaults and anything
  an example leaves pending ends with it).  Sockets keep the default scope
  "daemon", so a later example may use a handle an earlier one created.
  /tmp/sock6d-rpc-example/ is created afresh for the UNIX paths (runs on
  one machine take turns, under a lock on /tmp/sock6d-rpc-example.lock).
- "-->" lines are sent in order, exactly as written (apart from the
  substitutions below).  A "<--" line waits for its reply: the reply with the
  same id; for id null the oldest such reply; for an array the next batch
  reply.  Replies may come in any order, so a request whose "<--" line comes
  after later "-->" lines is pending meanwhile (an accept before its connect).
  A request without an id is a notification and has no "<--" line.  A
  "<--" line with a "method" and no "id" is a notification from the
  daemon: it waits for the oldest one of that method.  An example whose
  last reply is socket.attach's success ends there: the connection is a
  byte pipe from then on.  Every
  request with an id must have its "<--" line; after the last line a
  daemon.ping must be the only thing answered, so any extra reply fails.
- Replies are compared as JSON values (member order does not matter,
  true is not 1), with these exceptions:
  * keys in VARIABLE (descriptors, uids, counters, versions, buffer sizes):
    the value must have the written JSON type; the value itself is free;
  * "..." outside strings: {...} is any object, [...] any array, ",...}" lets
    the object have more members, ",...]" lets the array have more elements
    after the ones written;
  * ephemeral ports: a port from 32768 to 65535 written in an example (the
    value of "port", "local" or "remote", or the port of an address string
    "a.b.c.d:P" / "[v6]:P") stands for a port the kernel chooses.  The first
    "<--" line that shows a written port binds it to the actual port; after
    that it must always be that port, and "-->" lines get the actual port in
    its place.
  * handles: the values of "handle" and "accepted" are bound the same way
    (written -> actual), and until an example is skipped or fails the page's
    numbers must be the daemon's own: handles are numbered in document order.
- A method the daemon does not serve (absent from rpc.discover) whose request
  gets -32601 where the page shows something else skips the rest of its
  example, with the reason; so does an example that needs a handle or port
  only a skipped example would have made.  Any other reply is checked as
  usual, so the test passes as soon as the method lands.
"""

import fcntl
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import time
import unittest

import harness

EXAMPLE_DIR = "/tmp/sock6d-rpc-example"
EXAMPLE_LOCK = EXAMPLE_DIR + ".lock"    # the directory is shared: one run at a time
REPLY_TIMEOUT = 10.0
SENTINEL_ID = "sock6d-rpc-example-end"

# Keys whose values vary from run to run: only their JSON type is checked.
VARIABLE = frozenset({
    "fileno", "owner", "pid", "uid", "gid",
    "uptime_ms", "connections", "handles", "requests", "errors",
    "bytes_in", "bytes_out",
    "version", "libev", "json_c",
    "so-send-buffer", "so-receive-buffer", "tcp-max-segment-size",
    "tcp-congestion", "tcp-info",
})
HANDLE_KEYS = frozenset({"handle", "accepted"})
PORT_KEYS = frozenset({"port", "local", "remote"})
EPHEMERAL = range(32768, 65536)

ANY_OBJECT = "\x00any-object"
ANY_ARRAY = "\x00any-array"
MORE = "\x00more"

ADDR_PORT = re.compile(r'^((?:\d{1,3}\.){3}\d{1,3}|\[[^\]"]+\]):(\d+)$')
SEND_HANDLE = re.compile(r'("(?:handle|accepted)"\s*:\s*)(\d+)')
SEND_PORT = re.compile(r'("(?:port|local|remote)"\s*:\s*)(\d+)')
SEND_ADDR = re.compile(r'((?:\d{1,3}\.){3}\d{1,3}|\[[^\]"]+\]):(\d+)(?=")')
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def man_path():
    env = os.environ.get("SOCK6D_RPC_MAN")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "proto", "sock6d-rpc.7"))


class PageError(Exception):
    """The page breaks the conventions above."""


class Mismatch(Exception):
    """A reply differs from the page."""


class Failure(Exception):
    """An example failed: what differs, with the page's line and the daemon's."""


class SkipExample(Exception):
    """The example needs a method the daemon does not serve yet."""


def unescape(text, lineno):
    """A literal line of the page as it renders."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out.append(c)
            i += 1
        elif text.startswith("\\e", i):
            out.append("\\")
            i += 2
        elif text.startswith("\\&", i):
            i += 2
        elif text.startswith("\\-", i):
            out.append("-")
            i += 2
        elif text.startswith("\\(rs", i):
            out.append("\\")
            i += 4
        elif text.startswith("\\(dq", i):
            out.append('"')
            i += 4
        else:
            raise PageError("line %d: unsupported escape %r in an example" % (lineno, text[i:i + 4]))
    return "".join(out)


class Example:
    def __init__(self, number, lineno, section):
        self.number = number
        self.lineno = lineno
        self.section = section
        self.lines = []         # (lineno, "-->" or "<--", text)

    def name(self):
        return "example %d (line %d, %s)" % (self.number, self.lineno, self.section)


MACRO = re.compile(r"^[A-Z][a-z][a-z]?$")


def cm_words(lines):
    """The words set in Cm (command modifier) on the macro lines given."""
    words = set()
    for line in lines:
        if not line.startswith("."):
            continue
        on = False
        for tok in line[1:].split():
            if tok == "Cm":
                on = True
            elif MACRO.match(tok):
                on = False
            elif on and tok not in (",", ";", ".", ":", "(", ")"):
                words.add(tok)
    return words


def parse_page(text):
    """(examples, {method section: its Cm words}) of the page."""
    examples, sections = [], {}
    sh = ss = None
    block = None
    others = []
    for n, raw in enumerate(text.split("\n"), 1):
        if block is None:
            if raw.startswith(".Sh "):
                sh, ss = raw[4:].strip().strip('"'), None
            elif raw.startswith(".Ss "):
                ss = raw[4:].strip().strip('"')
                if sh == "METHODS":
                    sections[ss] = []
            elif sh == "METHODS" and ss is not None:
                sections[ss].append(raw)
            if raw.startswith(".Bd") and "-literal" in raw.split():
                block = Example(len(examples) + 1, n, ss or sh or "?")
                others = []
            continue
        if raw.startswith(".Ed"):
            if block.lines:
                if others:
                    raise PageError("line %d: example at line %d has a line that is neither "
                                    "--> nor <--" % (others[0], block.lineno))
                examples.append(block)
            block = None
            continue
        line = raw
        if line.startswith("--> ") or line.startswith("<-- "):
            line = unescape(raw, n)
            block.lines.append((n, line[:3], line[4:]))
        elif line.strip():
            others.append(n)
    if block is not None:
        raise PageError("line %d: .Bd without .Ed" % block.lineno)
    return examples, {name: cm_words(lines) for name, lines in sections.items()}


def expand_ellipses(text, lineno):
    """An expected line with its "..." turned into markers the comparison knows."""
    out, pos = [], 0
    for m in JSON_STRING.finditer(text):
        out.append(_ellipses(text[pos:m.start()], lineno))
        out.append(m.group(0))
        pos = m.end()
    out.append(_ellipses(text[pos:], lineno))
    return "".join(out)


def _ellipses(seg, lineno):
    seg = re.sub(r"\{\s*\.\.\.\s*\}", '"\\\\u0000any-object"', seg)
    seg = re.sub(r"\[\s*\.\.\.\s*\]", '"\\\\u0000any-array"', seg)
    seg = re.sub(r",\s*\.\.\.\s*\}", ',"\\\\u0000more":true}', seg)
    seg = re.sub(r",\s*\.\.\.\s*\]", ',"\\\\u0000more"]', seg)
    if "..." in seg:
        raise PageError("line %d: \"...\" only as {...}, [...], ,...} or ,...]" % lineno)
    return seg


def json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def requests_of(text):
    """[(id, has_id, method)] of a request line (a batch gives several)."""
    try:
        msg = json.loads(text)
    except ValueError:
        return []
    items = msg if isinstance(msg, list) else [msg]
    out = []
    for m in items:
        # A request the envelope rejects is answered with id null, whatever
        # its id: only well-formed requests are paired by id.
        if (isinstance(m, dict) and m.get("jsonrpc") == "2.0"
                and isinstance(m.get("method"), str)
                and json_type(m.get("id")) in ("null", "number", "string")):
            out.append((m.get("id"), "id" in m, m.get("method")))
    return out


def example_replies(ex):
    """[(lineno, method, reply)] for every reply object of an example (batch
    replies one by one, notifications left out), with the method of the
    request it answers (None when no request of the example has its id),
    parsed with its "..." turned into the markers above."""
    methods, out = {}, []
    for lineno, way, text in ex.lines:
        if way == "-->":
            for rid, has_id, method in requests_of(text):
                if has_id:
                    methods[json.dumps(rid)] = method
            continue
        try:
            reply = json.loads(expand_ellipses(text, lineno))
        except ValueError as e:
            raise PageError("line %d: the reply is not JSON: %s" % (lineno, e))
        for r in reply if isinstance(reply, list) else [reply]:
            if isinstance(r, dict) and "method" not in r:
                out.append((lineno, methods.get(json.dumps(r.get("id"))), r))
    return out


class Connection:
    """One control connection, reading whole lines."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        self.queue = []          # (raw text, parsed) received, not yet matched

    def close(self):
        self.sock.close()

    def send(self, text):
        self.sock.sendall(text.encode("utf-8") + b"\n")

    def read_one(self, deadline):
        """Read one more message into the queue; False on timeout or EOF."""
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return False
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                return False
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.decode("utf-8", "replace")
        try:
            self.queue.append((text, json.loads(text)))
        except ValueError:
            raise Failure("the daemon sent a line that is not JSON: %s" % text)
        return True

    def wait(self, match, timeout=REPLY_TIMEOUT):
        """The first queued or arriving message for which match() holds."""
        deadline = time.monotonic() + timeout
        while True:
            for i, (text, msg) in enumerate(self.queue):
                if match(msg):
                    del self.queue[i]
                    return text, msg
            if not self.read_one(deadline):
                return None, None


class Runner:
    """Runs the examples in order, keeping the written -> actual bindings."""

    def __init__(self, daemon, served):
        self.daemon = daemon
        self.served = served
        self.handles, self.handles_rev = {}, {}
        self.ports = {}
        self.skipped = []                # numbers of skipped examples
        self.strict = True               # page handle numbers are the daemon's
        self.skipped_handles = {}        # written handle -> skipped example
        self.skipped_ports = {}

    # Bindings.

    def match_handle(self, written, actual, path):
        if not isinstance(actual, int) or isinstance(actual, bool):
            raise Mismatch("%s: expected a handle, got %r" % (path, actual))
        if written in self.handles:
            if self.handles[written] != actual:
                raise Mismatch("%s: handle %d of the page is %d here, but the daemon sent %d"
                               % (path, written, self.handles[written], actual))
            return
        if actual in self.handles_rev:
            raise Mismatch("%s: the daemon's handle %d was shown as %d before, not %d"
                           % (path, actual, self.handles_rev[actual], written))
        if self.strict and written != actual:
            raise Mismatch("%s: the page numbers this handle %d, the daemon gave %d "
                           "(handles are numbered in document order)" % (path, written, actual))
        self.handles[written] = actual
        self.handles_rev[actual] = written

    def match_port(self, written, actual, path):
        if written in self.ports:
            if self.ports[written] != actual:
                raise Mismatch("%s: port %d of the page is %d here, but the daemon sent %d"
                               % (path, written, self.ports[written], actual))
            return
        # Not one to one: a UDP and a TCP socket may share a port number,
        # and a closed socket's port may come back.
        self.ports[written] = actual

    def substitute(self, text, lineno):
        """A request line with the actual handles and ports."""
        def handle(m):
            w = int(m.group(2))
            if w in self.handles:
                return m.group(1) + str(self.handles[w])
            if w in self.skipped_handles:
                raise SkipExample("needs handle %d of example %d, which was skipped"
                                  % (w, self.skipped_handles[w]))
            return m.group(0)

        def port(w):
            if w not in EPHEMERAL:
                return w
            if w in self.ports:
                return self.ports[w]
            if w in self.skipped_ports:
                raise SkipExample("needs port %d of example %d, which was skipped"
                                  % (w, self.skipped_ports[w]))
            raise PageError("line %d: port %d is used before a reply showed it" % (lineno, w))

        text = SEND_HANDLE.sub(handle, text)
        text = SEND_PORT.sub(lambda m: m.group(1) + str(port(int(m.group(2)))), text)
        text = SEND_ADDR.sub(lambda m: "%s:%d" % (m.group(1), port(int(m.group(2)))), text)
        return text

    def note_skipped(self, ex, lines):
        """Remember what the rest of a skipped example would have bound."""
        for _, _, text in lines:
            for m in SEND_HANDLE.finditer(text):
                w = int(m.group(2))
                if w not in self.handles:
                    self.skipped_handles.setdefault(w, ex.number)
            for m in list(SEND_PORT.finditer(text)) + list(SEND_ADDR.finditer(text)):
                w = int(m.group(2))
                if w in EPHEMERAL and w not in self.ports:
                    self.skipped_ports.setdefault(w, ex.number)
        self.skipped.append(ex.number)
        self.strict = False

    # Comparison.

    def compare(self, exp, act, path, key=None):
        if exp == ANY_OBJECT:
            if not isinstance(act, dict):
                raise Mismatch("%s: expected an object, got %s" % (path, json.dumps(act)))
            return
        if exp == ANY_ARRAY:
            if not isinstance(act, list):
                raise Mismatch("%s: expected an array, got %s" % (path, json.dumps(act)))
            return
        if key in VARIABLE:
            if json_type(exp) != json_type(act):
                raise Mismatch("%s: expected a %s, got %s" % (path, json_type(exp), json.dumps(act)))
            return
        if key in HANDLE_KEYS and json_type(exp) == "number":
            self.match_handle(exp, act, path)
            return
        if key in PORT_KEYS and json_type(exp) == "number" and exp in EPHEMERAL:
            if json_type(act) != "number":
                raise Mismatch("%s: expected a port, got %s" % (path, json.dumps(act)))
            self.match_port(exp, act, path)
            return
        if isinstance(exp, str):
            m = ADDR_PORT.match(exp)
            if m and int(m.group(2)) in EPHEMERAL:
                am = ADDR_PORT.match(act) if isinstance(act, str) else None
                if not am or am.group(1) != m.group(1):
                    raise Mismatch("%s: expected %s, got %s" % (path, json.dumps(exp), json.dumps(act)))
                self.match_port(int(m.group(2)), int(am.group(2)), path)
                return
        if isinstance(exp, dict):
            if not isinstance(act, dict):
                raise Mismatch("%s: expected an object, got %s" % (path, json.dumps(act)))
            for k, v in exp.items():
                if k == MORE:
                    continue
                if k not in act:
                    raise Mismatch("%s: member %s is missing" % (path, json.dumps(k)))
                self.compare(v, act[k], "%s.%s" % (path, k), k)
            if MORE not in exp:
                extra = [k for k in act if k not in exp]
                if extra:
                    raise Mismatch("%s: unexpected member(s) %s" % (path, ", ".join(extra)))
            return
        if isinstance(exp, list):
            if not isinstance(act, list):
                raise Mismatch("%s: expected an array, got %s" % (path, json.dumps(act)))
            more = bool(exp) and exp[-1] == MORE
            items = exp[:-1] if more else exp
            if len(act) < len(items) or (not more and len(act) != len(items)):
                raise Mismatch("%s: expected %s%d elements, got %d"
                               % (path, "at least " if more else "", len(items), len(act)))
            for i, v in enumerate(items):
                self.compare(v, act[i], "%s[%d]" % (path, i))
            return
        if json_type(exp) != json_type(act) or exp != act:
            raise Mismatch("%s: expected %s, got %s" % (path, json.dumps(exp), json.dumps(act)))

    def compare_reply(self, exp, act, methods):
        """Compare one reply (object or batch array); methods: id -> method sent."""
        if isinstance(exp, list):
            if not isinstance(act, list):
                raise Mismatch("expected a batch reply")
            self.check_unserved(exp, act, methods)
            if len(exp) != len(act):
                raise Mismatch("batch: expected %d replies, got %d" % (len(exp), len(act)))
            left = list(act)
            for i, e in enumerate(exp):
                eid = json.dumps(e.get("id")) if isinstance(e, dict) else None
                for j, a in enumerate(left):
                    if isinstance(a, dict) and json.dumps(a.get("id")) == eid:
                        self.compare(e, left.pop(j), "reply[%d]" % i)
                        break
                else:
                    raise Mismatch("batch: no reply with id %s" % eid)
            return
        self.check_unserved([exp], [act], methods)
        self.compare(exp, act, "reply")

    def check_unserved(self, exps, acts, methods):
        """-32601 for a method rpc.discover does not list: skip, unless the page expects it."""
        expected_codes = {json.dumps(e.get("id")): (e.get("error") or {}).get("code")
                          for e in exps if isinstance(e, dict)}
        for a in acts:
            if not isinstance(a, dict) or (a.get("error") or {}).get("code") != -32601:
                continue
            aid = json.dumps(a.get("id"))
            method = methods.get(aid)
            if expected_codes.get(aid) != -32601 and method and method not in self.served:
                raise SkipExample("%s is not served by this daemon (-32601)" % method)

    # One example.

    def run(self, ex):
        """None when it passed; raises Failure, PageError or SkipExample."""
        try:
            conn = Connection(self.daemon.path)
        except OSError as e:
            raise Failure("cannot connect to the daemon: %s" % e)
        try:
            self._run(ex, conn)
        except OSError as e:
            raise Failure("control connection: %s" % e)
        finally:
            conn.close()

    def _run(self, ex, conn):
        methods = {}           # json id -> method, for the skip rule
        outstanding = {}       # json id -> line number of the request
        attached = False       # the last reply made the connection a pipe
        for i, (lineno, way, text) in enumerate(ex.lines):
            try:
                if way == "-->":
                    sent = self.substitute(text, lineno)
                    for rid, has_id, method in requests_of(sent):
                        if has_id:
                            methods[json.dumps(rid)] = method
                            outstanding[json.dumps(rid)] = lineno
                    conn.send(sent)
                    continue
                try:
                    exp = json.loads(expand_ellipses(text, lineno))
                except ValueError as e:
                    raise PageError("line %d: the reply is not JSON: %s" % (lineno, e))
                notification = (isinstance(exp, dict) and "method" in exp
                                and "id" not in exp)
                if isinstance(exp, list):
                    match = lambda m: isinstance(m, list)
                elif notification:
                    match = lambda m, name=exp["method"]: (isinstance(m, dict)
                                                           and m.get("method") == name
                                                           and "id" not in m)
                else:
                    eid = exp.get("id") if isinstance(exp, dict) else None
                    match = lambda m, eid=eid: (isinstance(m, dict) and "method" not in m
                                                and m.get("id") == eid
                                                and json_type(m.get("id")) == json_type(eid))
                raw, act = conn.wait(match)
                if act is None:
                    raise Mismatch("no reply within %.0fs" % REPLY_TIMEOUT)
                for e in (exp if isinstance(exp, list) else [exp]):
                    if isinstance(e, dict):
                        outstanding.pop(json.dumps(e.get("id")), None)
                try:
                    if notification:
                        self.compare(exp, act, "notification")
                    else:
                        self.compare_reply(exp, act, methods)
                    attached = (isinstance(act, dict) and "result" in act and methods.get(
                        json.dumps(act.get("id"))) == "socket.attach")
                except Mismatch as e:
                    raise Failure("%s\n  line %d, expected: <-- %s\n  %*s actual: <-- %s"
                                  % (e, lineno, text, len(str(lineno)) + 6, "", raw))
            except SkipExample:
                self.note_skipped(ex, ex.lines[i:])
                raise
            except Mismatch as e:
                raise Failure("%s\n  line %d: %s %s" % (e, lineno, way, text))
        if outstanding:
            rid, lineno = next(iter(outstanding.items()))
            raise PageError("line %d: request id %s has no \"<--\" line" % (lineno, rid))
        if attached:
            return      # the connection is a byte pipe now: no more JSON
        # Nothing else may come back: a ping must be the next reply.
        conn.send(json.dumps({"jsonrpc": "2.0", "id": SENTINEL_ID, "method": "daemon.ping"}))
        raw, act = conn.wait(lambda m: isinstance(m, dict) and m.get("id") == SENTINEL_ID)
        if act is None:
            raise Failure("the closing daemon.ping got no reply")
        if conn.queue:
            raise Failure("unexpected message from the daemon: %s" % conn.queue[0][0])


class ExamplesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.path = man_path()
        with open(cls.path, encoding="utf-8") as f:
            cls.page = f.read()
        cls.examples, cls.sections = parse_page(cls.page)
        daemon = harness.Daemon()
        try:
            with daemon.client() as c:
                doc = c.call("rpc.discover")
        finally:
            daemon.cleanup()
        cls.served = [m["name"] for m in doc["methods"]]
        cls.params = {m["name"]: [p["name"] for p in m.get("params", [])]
                      for m in doc["methods"]}

    def test_coverage(self):
        """Every method served has a section naming its params, and an example."""
        exampled = set()
        for ex in self.examples:
            for _, way, text in ex.lines:
                if way == "-->":
                    exampled.update(m for _, _, m in requests_of(text) if m)
        no_section = [m for m in self.served if m not in self.sections]
        no_example = [m for m in self.served if m not in exampled]
        pending = sorted(set(self.sections) - set(self.served))
        if pending:
            print("documented, not served by this daemon: %s" % ", ".join(pending))
        print("%d methods served, %d documented, %d examples"
              % (len(self.served), len(self.sections), len(self.examples)))
        self.assertEqual(no_section, [], "served methods without a section in METHODS of %s"
                         % self.path)
        self.assertEqual(no_example, [], "served methods without an example in %s" % self.path)
        undocumented = [m for m in self.sections if m not in exampled]
        self.assertEqual(undocumented, [], "method sections without an example")
        unnamed = ["%s %s" % (m, p) for m in self.served if m in self.sections
                   for p in self.params[m] if p not in self.sections[m]]
        self.assertEqual(unnamed, [], "params not named (.Cm) in their method's section")

    def test_examples(self):
        """Every example, in order, against one fresh daemon."""
        try:
            fd = os.open(EXAMPLE_LOCK, os.O_RDONLY)
        except FileNotFoundError:
            fd = os.open(EXAMPLE_LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            self.run_examples()
        finally:
            os.close(fd)

    def run_examples(self):
        shutil.rmtree(EXAMPLE_DIR, ignore_errors=True)
        os.makedirs(EXAMPLE_DIR)
        daemon = harness.Daemon(["--allow-export"])
        runner = Runner(daemon, set(self.served))
        failed = passed = 0
        try:
            for ex in self.examples:
                with self.subTest(example=ex.number, line=ex.lineno, section=ex.section):
                    try:
                        runner.run(ex)
                    except SkipExample as e:
                        print("%s: skipped: %s" % (ex.name(), e))
                        self.skipTest(str(e))
                    except (Failure, PageError) as e:
                        failed += 1
                        runner.strict = False       # report the cause, not its echoes
                        print("%s: FAILED\n%s" % (ex.name(), e))
                        self.fail("%s: %s" % (ex.name(), e))
                    passed += 1
                    print("%s: ok" % ex.name())
        finally:
            print("%d examples: %d passed, %d failed, %d skipped"
                  % (len(self.examples), passed, failed, len(runner.skipped)))
            if failed:
                sys.stderr.write("---- daemon log ----\n" + daemon.read_log()[-20000:])
            daemon.cleanup()
            shutil.rmtree(EXAMPLE_DIR, ignore_errors=True)

    def test_lint(self):
        """mandoc -T lint -W warning is clean (skipped without mandoc)."""
        if shutil.which("mandoc") is None:
            self.skipTest("mandoc is not installed")
        r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", self.path],
                           capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))


if __name__ == "__main__":
    harness.main()
