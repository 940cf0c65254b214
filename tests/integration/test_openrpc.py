"""test_openrpc.py: rpc.discover is a valid OpenRPC document, and every
result the daemon returns is the one its document declares.

The document is validated against the OpenRPC meta-schema with a real JSON
Schema validator (Debian's python3-jsonschema).  The meta-schema comes from
the @open-rpc/meta-schema npm package and is kept in tests/data/ (see the
README there).  Its "$schema" is https://meta.json-schema.tools/, the
json-schema-tools meta-schema, which is draft-07's (definitions,
dependencies, if/then/else) and which the OpenRPC meta-schema also $ref's
for every schema inside the document; it is kept in tests/data/ too, so the
validator is Draft7Validator and every $ref resolves from those files:
nothing is fetched from the network.

Then every method's result schema from rpc.discover is checked against the
replies the protocol man page shows (the page is parsed by test_examples)
and against the replies of real calls made here, with the result object
closed (additionalProperties false): a key returned but not declared fails.

Without python3-jsonschema every test is skipped, saying so, and the run
exits 77 (automake's SKIP).
"""

import copy
import json
import os
import sys
import unittest

import harness
import test_examples

try:
    import jsonschema
except ImportError:
    jsonschema = None

try:
    import referencing
    import referencing.jsonschema
except ImportError:
    referencing = None

NO_JSONSCHEMA = "python3-jsonschema is not installed (apt-get install python3-jsonschema)"

DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "..", "data"))
OPENRPC_META = os.path.join(DATA, "openrpc-meta-schema.json")
TOOLS_META = os.path.join(DATA, "json-schema-tools-meta-schema.json")
TOOLS_URIS = ("https://meta.json-schema.tools", "https://meta.json-schema.tools/")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def refuse_remote(uri):
    raise AssertionError("the meta-schema refers to %s, which is not in tests/data/" % uri)


def meta_validator():
    """A validator for OpenRPC documents that resolves every $ref offline."""
    meta, tools = load(OPENRPC_META), load(TOOLS_META)
    if meta.get("$schema") != TOOLS_URIS[1] or tools.get("$id") != TOOLS_URIS[1]:
        raise AssertionError("the meta-schemas in tests/data/ changed their $schema or $id: "
                             "check which validator class they need")
    cls = jsonschema.Draft7Validator
    cls.check_schema(tools)
    cls.check_schema(meta)
    if referencing is not None:
        resource = referencing.jsonschema.DRAFT7.create_resource(tools)
        registry = referencing.Registry().with_resources((uri, resource) for uri in TOOLS_URIS)
        return cls(meta, registry=registry)
    resolver = jsonschema.RefResolver.from_schema(
        meta, store={uri: tools for uri in TOOLS_URIS},
        handlers={"http": refuse_remote, "https": refuse_remote})
    return cls(meta, resolver=resolver)


def closed(schema):
    """A result schema that also refuses keys it does not declare."""
    schema = copy.deepcopy(schema)
    schema["additionalProperties"] = False
    return schema


def without_ellipses(value):
    """A page's reply with its "..." markers taken out: the members and
    elements written are kept, whatever "..." stands for is not checked."""
    if isinstance(value, dict):
        return {k: without_ellipses(v) for k, v in value.items()
                if k != test_examples.MORE and v not in (test_examples.ANY_OBJECT,
                                                         test_examples.ANY_ARRAY)}
    if isinstance(value, list):
        return [without_ellipses(v) for v in value
                if v not in (test_examples.MORE, test_examples.ANY_OBJECT,
                             test_examples.ANY_ARRAY)]
    return value


def problems(validator, instance):
    """Each error as "where: what", from the most relevant alternative of a oneOf."""
    out = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.path]):
        error = jsonschema.exceptions.best_match([error])
        out.append("%s: %s" % ("/".join(str(p) for p in error.absolute_path) or "(top)",
                               error.message))
    return out


@unittest.skipIf(jsonschema is None, NO_JSONSCHEMA)
class OpenRpcTest(harness.DaemonTest):

    DAEMON_ARGS = ("--allow-export",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.daemon.client() as c:
            cls.doc = c.call("rpc.discover")
        cls.results = {m["name"]: jsonschema.Draft7Validator(closed(m["result"]["schema"]))
                       for m in cls.doc["methods"]}

    def check_result(self, method, result, where):
        self.assertIn(method, self.results, "%s: %s is not in rpc.discover" % (where, method))
        self.assertEqual(problems(self.results[method], result), [],
                         "%s: %s result %s" % (where, method, json.dumps(result)))
        self.checked.add(method)

    def call(self, method, params=None):
        result = self.c.call(method, params)
        self.check_result(method, result, "reply")
        return result

    def test_document_is_valid_openrpc(self):
        """The whole rpc.discover document against the OpenRPC meta-schema."""
        self.assertEqual(problems(meta_validator(), self.doc), [])

    def test_schemas_compile(self):
        """Every param and result schema is a draft-07 schema a validator compiles."""
        for m in self.doc["methods"]:
            for cd in m["params"] + [m["result"]]:
                with self.subTest(method=m["name"], name=cd["name"]):
                    jsonschema.Draft7Validator.check_schema(cd["schema"])

    def test_results_declared(self):
        """Every result the page shows and every result of real calls matches its
        method's closed result schema, and every method has a result checked."""
        self.checked = set()
        with self.subTest("sock6d-rpc(7) examples"):
            self.page_examples()
        with self.subTest("real calls"):
            self.real_calls()
        missing = sorted({m["name"] for m in self.doc["methods"]} - self.checked)
        self.assertEqual(missing, [], "methods with no result checked")

    def page_examples(self):
        """Every result shown in sock6d-rpc(7)."""
        with open(test_examples.man_path(), encoding="utf-8") as f:
            examples, _ = test_examples.parse_page(f.read())
        shown = set()
        for ex in examples:
            for lineno, method, reply in test_examples.example_replies(ex):
                if "result" not in reply or method is None:
                    continue
                with self.subTest(example=ex.number, line=lineno, method=method):
                    self.check_result(method, without_ellipses(reply["result"]),
                                      "%s line %d" % (test_examples.man_path(), lineno))
                    shown.add(method)
        self.assertGreater(len(shown), 40)

    def real_calls(self):
        """Real calls: every method, and each shape of result a method has."""
        c, b64 = self.call, harness.b64
        c("daemon.ping")
        c("daemon.version")
        c("daemon.stats")
        c("rpc.discover")
        c("session.get")
        c("session.set", {"receive_timeout": None, "send_size": None})
        c("net.inet_address", {"address": "::1", "port": 80})
        c("net.unix_address", {"path": "@sock6d-openrpc"})
        c("net.parse_address", {"string": "127.0.0.1:http"})
        c("net.parse_address", {"string": "[]"})
        c("net.address_information", {"node": "127.0.0.1", "service": "80", "type": None,
                                      "flags": ["numerichost", "numericserv", "canonname"]})
        c("net.name_information", {"address": "127.0.0.1:80",
                                   "flags": ["numerichost", "numericserv"]})
        c("net.constants", {"group": "af"})

        listener = c("tcp.listen", {"port": 0, "host": "127.0.0.1", "scope": "connection"})
        lh, port = listener["handle"], listener["address"]["port"]
        c("tcp.listener_port", {"handle": lh})
        out = c("tcp.connect", {"host": "127.0.0.1:%d" % port, "scope": "connection"})["handle"]
        c("tcp.accept_ready", {"handle": lh})
        inc = c("tcp.accept", {"handle": lh})["handle"]
        c("tcp.addresses", {"handle": inc})
        c("tcp.port_numbers", {"handle": lh})
        c("socket.send", {"handle": out, "text": "hi"})
        self.assertIn("text", c("socket.receive", {"handle": inc, "length": 2,
                                                   "encoding": "text"}))
        c("socket.send_all", {"handle": out, "data": b64(b"\xff")})
        c("socket.receive_ready", {"handle": inc})
        self.assertIn("data", c("socket.receive", {"handle": inc, "length": 1,
                                                   "encoding": "text"}))
        for option in ("so-reuse-address", "so-type", "tcp-congestion", "so-linger"):
            c("socket.getopt", {"handle": out, "option": option})
        c("socket.setopt", {"handle": out, "option": "tcp-no-delay", "value": True})
        c("socket.options", {"handle": out})
        c("socket.get_option", {"handle": out, "level": "sol/socket", "name": "so/type"})
        c("socket.get_option", {"handle": out, "level": "sol/socket", "name": "so/type",
                                "length": 4})
        c("socket.set_option", {"handle": out, "level": "sol/socket", "name": "so/keepalive",
                                "value": 1})
        c("socket.info", {"handle": lh})
        c("socket.list")
        c("socket.name", {"handle": out})
        c("socket.peer_name", {"handle": lh})
        c("socket.shutdown", {"handle": out, "how": "wr"})
        self.assertIs(c("socket.receive", {"handle": inc, "length": 1})["eof"], True)
        c("socket.receive_from", {"handle": inc, "length": 1})

        sh = c("socket.create", {"family": "inet", "type": "stream",
                                 "scope": "connection"})["handle"]
        addr = c("socket.bind", {"handle": sh, "address": "127.0.0.1:0"})["address"]["string"]
        c("socket.listen", {"handle": sh})
        c("socket.accept_ready", {"handle": sh})
        ch = c("socket.create", {"family": "inet", "type": "stream",
                                 "scope": "connection"})["handle"]
        c("socket.connect", {"handle": ch, "address": addr})
        c("socket.accept", {"handle": sh})
        c("socket.connect_ai", {"addresses": [addr], "scope": "connection"})

        u1 = c("udp.open", {"scope": "connection"})["handle"]
        uport = c("udp.bind", {"handle": u1, "host": "127.0.0.1", "port": 0})["address"]["port"]
        u2 = c("udp.open", {"scope": "connection"})["handle"]
        c("udp.connect", {"handle": u2, "host": "127.0.0.1", "port": uport})
        c("udp.send_to", {"handle": u2, "host": "127.0.0.1", "port": uport, "text": "x"})
        self.assertIn("text", c("udp.receive_from", {"handle": u1, "length": 8,
                                                     "encoding": "text"}))
        c("socket.send_to", {"handle": u2, "address": "127.0.0.1:%d" % uport,
                             "data": b64(b"\xfe")})
        self.assertIn("data", c("socket.receive_from", {"handle": u1, "length": 8,
                                                        "encoding": "text"}))
        c("socket.subscribe", {"handle": u1, "credit": 0})
        self.assertEqual(c("socket.credit", {"handle": u1, "add": 10})["credit"], 10)
        c("socket.info", {"handle": u1})
        c("socket.unsubscribe", {"handle": u1})
        c("socket.subscribe", {"handle": u1})
        self.assertIsNone(c("socket.credit", {"handle": u1, "add": 1})["credit"])
        xh = c("socket.create", {"family": "inet", "type": "stream"})["handle"]
        c("socket.export", {"handle": xh})
        ap = c("tcp.listen", {"port": 0, "host": "127.0.0.1",
                              "scope": "connection"})["address"]["port"]
        ah = c("tcp.connect", {"host": "127.0.0.1", "port": ap})["handle"]
        with self.daemon.client() as pipe:
            self.check_result("socket.attach", pipe.call("socket.attach", {"handle": ah}),
                              "reply")
        for h in (u1, u2, ch, sh, inc, out, lh):
            c("socket.close", {"handle": h})


if __name__ == "__main__":
    program = unittest.main(verbosity=2, exit=False)
    if not program.result.wasSuccessful():
        sys.exit(1)
    sys.exit(77 if jsonschema is None else 0)
