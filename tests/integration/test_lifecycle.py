"""test_lifecycle.py: a socket's life from socket.create to socket.close.

Covers create (every family and type, by name and by integer), close (and
force), info, list, bind, listen, name, peer_name, shutdown, and the two
handle scopes ("connection" and "daemon"), against PROTOCOL.md §3-§6.
"""

import os
import socket
import stat
import time
import unittest

import harness

FAMILIES = {"inet": 2, "inet6": 10, "unix": 1}
TYPES = {"stream": 1, "dgram": 2}
UNNAMED = {"family": "unix", "path": "", "string": ""}
INFO_FIELDS = ("handle", "fileno", "family", "type", "protocol", "scope", "owner",
               "state", "local", "peer", "shut_rd", "shut_wr", "subscribed",
               "attached", "bytes_in", "bytes_out", "buffered")
LOOP = {"inet": "127.0.0.1:0", "inet6": "[::1]:0"}


def kernel_has_inet6():
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_STREAM).close()
        return True
    except OSError:
        return False


def wait_until(pred, deadline=5.0):
    """Poll pred() until it is true or the deadline passes (never a fixed sleep)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


class LifecycleTest(harness.DaemonTest):

    # -- helpers ---------------------------------------------------------

    def info(self, h, client=None):
        return (client or self.c).call("socket.info", {"handle": h})

    def name(self, h):
        return self.c.call("socket.name", {"handle": h})["address"]

    def peer_name(self, h):
        return self.c.call("socket.peer_name", {"handle": h})["address"]

    def bind(self, h, address):
        return self.c.call("socket.bind", {"handle": h, "address": address})["address"]

    def connected_pair(self, family="inet"):
        """(listener, client, server) over loopback; accept is pending while
        a second control connection connects."""
        if family == "unix":
            L = self.create("unix")
            laddr = self.bind(L, os.path.join(self.tmp, "pair.sock"))
            self.c.call("socket.listen", {"handle": L})
        else:
            L = self.create(family)
            laddr = self.bind(L, LOOP[family])
            self.c.call("socket.listen", {"handle": L})
        aid = self.c.request("socket.accept", {"handle": L})
        with self.daemon.client() as c2:
            C = c2.call("socket.create", {"family": family, "type": "stream"})["handle"]
            c2.call("socket.connect", {"handle": C, "address": laddr["string"]})
        S = self.c.result(aid)["handle"]
        return L, C, S

    def recv_exact(self, h, n):
        got = b""
        while len(got) < n:
            r = self.c.call("socket.receive", {"handle": h, "length": n - len(got)})
            self.assertFalse(r["eof"], "early EOF after %d bytes" % len(got))
            got += harness.unb64(r["data"])
        return got

    # -- socket.create ---------------------------------------------------

    def check_create(self, family, type, params, protocol=0):
        r = self.c.call("socket.create", params)
        for key in ("handle", "fileno", "family", "type", "protocol"):
            self.assertIn(key, r)
        self.assertIsInstance(r["handle"], int)
        self.assertGreaterEqual(r["handle"], 1)
        self.assertIsInstance(r["fileno"], int)
        self.assertGreaterEqual(r["fileno"], 0)
        self.assertEqual(r["family"], family)
        self.assertEqual(r["type"], type)
        self.assertEqual(r["protocol"], protocol)
        info = self.info(r["handle"])
        self.assertEqual((info["family"], info["type"], info["protocol"], info["fileno"]),
                         (family, type, protocol, r["fileno"]))
        self.c.call("socket.close", {"handle": r["handle"]})

    def test_create_every_family_and_type_by_name(self):
        for family in FAMILIES:
            if family == "inet6" and not kernel_has_inet6():
                continue
            for type in TYPES:
                with self.subTest(family=family, type=type):
                    self.check_create(family, type, {"family": family, "type": type})

    def test_create_every_family_and_type_by_integer(self):
        for family, fnum in FAMILIES.items():
            if family == "inet6" and not kernel_has_inet6():
                continue
            for type, tnum in TYPES.items():
                with self.subTest(family=family, type=type):
                    # Results show names when the integer has one.
                    self.check_create(family, type, {"family": fnum, "type": tnum})

    def test_create_protocol_by_name_and_integer(self):
        families = ["inet"] + (["inet6"] if kernel_has_inet6() else [])
        for family in families:
            for type, pname, pnum in (("stream", "tcp", 6), ("dgram", "udp", 17)):
                with self.subTest(family=family, protocol=pname):
                    self.check_create(family, type, {"family": family, "type": type,
                                                     "protocol": pname}, pname)
                with self.subTest(family=family, protocol=pnum):
                    self.check_create(family, type, {"family": FAMILIES[family], "type": type,
                                                     "protocol": pnum}, pname)

    def test_create_bad_family_type_scope(self):
        e = self.c.error("socket.create", {"family": "bogus", "type": "stream"})
        self.assertError(e, -32602, param="family")
        self.assertEqual(e["data"]["kind"], ["exn", "type"])
        self.assertError(self.c.error("socket.create", {"family": "inet", "type": "bogus"}),
                         -32602, param="type")
        self.assertError(self.c.error("socket.create", {"family": "inet", "type": "stream",
                                                        "scope": "forever"}),
                         -32602, param="scope")
        self.assertError(self.c.error("socket.create", {"type": "stream"}), -32602, param="family")

    def test_handles_strictly_increasing_never_reused(self):
        hs = [self.create() for _ in range(5)]
        self.assertEqual(hs, sorted(set(hs)))
        for a, b in zip(hs, hs[1:]):
            self.assertGreater(b, a)
        filenos = [self.info(h)["fileno"] for h in hs]
        self.assertEqual(len(set(filenos)), 5)
        for h in hs:
            self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
        # The fds are free again, but the handles are never reused.
        again = [self.create() for _ in range(5)]
        for h in again:
            self.assertGreater(h, max(hs))
            self.assertNotIn(h, hs)
        # Also across control connections.
        with self.daemon.client() as c2:
            h2 = c2.call("socket.create", {"family": "unix", "type": "dgram"})["handle"]
            self.assertGreater(h2, max(again))
            c2.call("socket.close", {"handle": h2})
        for h in again:
            self.c.call("socket.close", {"handle": h})

    # -- socket.close ----------------------------------------------------

    def test_close_then_1010(self):
        h = self.create()
        self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
        for method, extra in (("socket.info", {}), ("socket.name", {}),
                              ("socket.bind", {"address": "127.0.0.1:0"}),
                              ("socket.close", {})):
            with self.subTest(method=method):
                params = {"handle": h}
                params.update(extra)
                e = self.c.error(method, params)
                self.assertError(e, 1010)
                self.assertEqual(e["data"]["handle"], h)
                self.assertEqual(e["data"]["kind"], ["exn", "sock6d", "handle"])

    def test_close_force_never_errors(self):
        h = self.create()
        self.assertEqual(self.c.call("socket.close", {"handle": h, "force": True}), {})
        self.assertEqual(self.c.call("socket.close", {"handle": h, "force": True}), {})
        self.assertEqual(self.c.call("socket.close", {"handle": 987654321, "force": True}), {})
        self.assertError(self.c.error("socket.close", {"handle": h}), 1010)
        self.assertError(self.c.error("socket.close", {"handle": 987654321}), 1010)
        self.assertError(self.c.error("socket.close", {"handle": h, "force": 1}), -32602,
                         param="force")

    def test_handle_param_type(self):
        self.assertError(self.c.error("socket.info", {"handle": "1"}), -32602, param="handle")
        self.assertError(self.c.error("socket.info", {}), -32602, param="handle")
        self.assertError(self.c.error("socket.info", {"handle": 1.5}), -32602, param="handle")

    # -- socket.info -----------------------------------------------------

    def test_info_fresh_socket(self):
        r = self.c.call("socket.create", {"family": "inet", "type": "stream"})
        info = self.info(r["handle"])
        for key in INFO_FIELDS:
            self.assertIn(key, info)
        expect = {"handle": r["handle"], "fileno": r["fileno"], "family": "inet",
                  "type": "stream", "protocol": 0, "scope": "daemon",
                  "owner": os.getuid(), "state": "open", "local": None, "peer": None,
                  "shut_rd": False, "shut_wr": False, "subscribed": False,
                  "attached": False, "bytes_in": 0, "bytes_out": 0, "buffered": 0}
        self.assertEqual({k: info[k] for k in expect}, expect)

    def test_info_states(self):
        L = self.create()
        self.assertEqual(self.info(L)["state"], "open")
        laddr = self.bind(L, "127.0.0.1:0")
        info = self.info(L)
        self.assertEqual(info["state"], "bound")
        self.assertEqual(info["local"], laddr)
        self.assertIsNone(info["peer"])
        self.c.call("socket.listen", {"handle": L})
        self.assertEqual(self.info(L)["state"], "listening")
        aid = self.c.request("socket.accept", {"handle": L})
        C = self.create()
        self.c.call("socket.connect", {"handle": C, "address": laddr["string"]})
        S = self.c.result(aid)["handle"]
        ci, si = self.info(C), self.info(S)
        self.assertEqual(ci["state"], "connected")
        self.assertEqual(si["state"], "connected")
        self.assertEqual(ci["peer"], laddr)
        self.assertEqual(si["local"], laddr)
        self.assertEqual(si["peer"], ci["local"])
        self.assertEqual(ci["local"]["address"], "127.0.0.1")
        self.assertEqual((si["family"], si["type"], si["scope"], si["owner"]),
                         ("inet", "stream", "daemon", os.getuid()))
        for h in (S, C, L):
            self.c.call("socket.close", {"handle": h})

    def test_info_bytes_counted(self):
        L, C, S = self.connected_pair()
        self.assertEqual(self.c.call("socket.send", {"handle": C, "text": "hello"}), {"bytes": 5})
        self.assertEqual(self.recv_exact(S, 5), b"hello")
        self.assertEqual(self.c.call("socket.send", {"handle": S, "text": "ok!"}), {"bytes": 3})
        self.assertEqual(self.recv_exact(C, 3), b"ok!")
        ci, si = self.info(C), self.info(S)
        self.assertEqual((ci["bytes_out"], ci["bytes_in"]), (5, 3))
        self.assertEqual((si["bytes_out"], si["bytes_in"]), (3, 5))
        self.assertEqual((ci["buffered"], si["buffered"]), (0, 0))

    def test_info_shutdown_flags(self):
        L, C, S = self.connected_pair()
        self.assertEqual(self.c.call("socket.shutdown", {"handle": C, "how": "wr"}), {})
        info = self.info(C)
        self.assertEqual((info["shut_rd"], info["shut_wr"]), (False, True))
        # The peer sees EOF after a write shutdown.
        r = self.c.call("socket.receive", {"handle": S, "length": 10})
        self.assertEqual((r["bytes"], r["eof"]), (0, True))
        self.assertEqual(self.c.call("socket.shutdown", {"handle": C, "how": "rd"}), {})
        info = self.info(C)
        self.assertEqual((info["shut_rd"], info["shut_wr"]), (True, True))
        self.assertEqual(self.info(S)["shut_wr"], False)

    def test_shutdown_rdwr(self):
        L, C, S = self.connected_pair()
        self.assertEqual(self.c.call("socket.shutdown", {"handle": S, "how": "rdwr"}), {})
        info = self.info(S)
        self.assertEqual((info["shut_rd"], info["shut_wr"]), (True, True))
        r = self.c.call("socket.receive", {"handle": C, "length": 10})
        self.assertEqual((r["bytes"], r["eof"]), (0, True))

    def test_shutdown_rd_only(self):
        L, C, S = self.connected_pair()
        self.assertEqual(self.c.call("socket.shutdown", {"handle": S, "how": "rd"}), {})
        info = self.info(S)
        self.assertEqual((info["shut_rd"], info["shut_wr"]), (True, False))
        # The write side still works.
        self.assertEqual(self.c.call("socket.send", {"handle": S, "text": "still"}), {"bytes": 5})
        self.assertEqual(self.recv_exact(C, 5), b"still")

    def test_shutdown_unconnected_is_ignored(self):
        h = self.create()
        for how in ("rd", "wr", "rdwr"):
            self.assertEqual(self.c.call("socket.shutdown", {"handle": h, "how": how}), {})
        u = self.create("unix", "dgram")
        self.assertEqual(self.c.call("socket.shutdown", {"handle": u, "how": "rdwr"}), {})

    def test_shutdown_bad_how(self):
        h = self.create()
        for how in ("both", "", 7, None):
            with self.subTest(how=how):
                self.assertError(self.c.error("socket.shutdown", {"handle": h, "how": how}),
                                 -32602, param="how")
        self.assertError(self.c.error("socket.shutdown", {"handle": h}), -32602, param="how")

    # -- socket.list -----------------------------------------------------

    def test_list(self):
        a, b = self.create(), self.create("unix", "dgram")
        r = self.c.call("socket.list")
        self.assertIsInstance(r["sockets"], list)
        byh = {s["handle"]: s for s in r["sockets"]}
        self.assertIn(a, byh)
        self.assertIn(b, byh)
        self.assertEqual(byh[a], self.info(a))
        self.assertEqual((byh[b]["family"], byh[b]["type"]), ("unix", "dgram"))
        for s in r["sockets"]:
            self.assertEqual(s["owner"], os.getuid())
        self.c.call("socket.close", {"handle": a})
        handles = [s["handle"] for s in self.c.call("socket.list")["sockets"]]
        self.assertNotIn(a, handles)
        self.assertIn(b, handles)
        self.c.call("socket.close", {"handle": b})
        handles = [s["handle"] for s in self.c.call("socket.list")["sockets"]]
        self.assertNotIn(b, handles)

    def test_list_pages(self):
        # A page holds at most `limit` sockets (256 by default, 1024 at
        # most); `next` leads from page to page, each handle once, in order.
        ids = [self.c.request("socket.create", {"family": "inet", "type": "dgram",
                                                "scope": "connection"}) for _ in range(300)]
        made = [self.c.result(i)["handle"] for i in ids]
        first = self.c.call("socket.list")
        self.assertEqual(len(first["sockets"]), 256)
        self.assertIsInstance(first["next"], int)
        self.assertEqual(first["next"], first["sockets"][-1]["handle"])
        seen, after = [], 0
        while True:
            page = self.c.call("socket.list", {"after": after, "limit": 7})
            self.assertLessEqual(len(page["sockets"]), 7)
            seen += [s["handle"] for s in page["sockets"]]
            if page["next"] is None:
                break
            after = page["next"]
        self.assertEqual(seen, sorted(set(seen)))
        self.assertTrue(set(made) <= set(seen))
        whole = self.c.call("socket.list", {"limit": 1024})
        self.assertIsNone(whole["next"])
        self.assertEqual([s["handle"] for s in whole["sockets"]], seen)
        last = self.c.call("socket.list", {"after": seen[-1]})
        self.assertEqual(last, {"sockets": [], "next": None})
        exact = self.c.call("socket.list", {"after": seen[-3], "limit": 2})
        self.assertEqual([s["handle"] for s in exact["sockets"]], seen[-2:])
        self.assertIsNone(exact["next"])    # nothing after these two

    def test_list_bad_params(self):
        for params, param in (({"limit": 0}, "limit"), ({"limit": 1025}, "limit"),
                              ({"limit": "5"}, "limit"), ({"after": -1}, "after"),
                              ({"after": 1.5}, "after"), ({"after": None}, "after")):
            with self.subTest(params=params):
                self.assertError(self.c.error("socket.list", params), -32602, param=param)

    # -- socket.bind / listen / name / peer_name -------------------------

    def test_bind_fills_in_port(self):
        h = self.create()
        a = self.bind(h, "127.0.0.1:0")
        self.assertEqual(a["family"], "inet")
        self.assertEqual(a["address"], "127.0.0.1")
        self.assertIsInstance(a["port"], int)
        self.assertTrue(1 <= a["port"] <= 65535)
        self.assertEqual(a["string"], "127.0.0.1:%d" % a["port"])
        self.assertEqual(self.name(h), a)

    @unittest.skipUnless(harness.has_ipv6_loopback(), "no IPv6 loopback")
    def test_bind_inet6_object_form(self):
        h = self.create("inet6", "dgram")
        a = self.bind(h, {"family": "inet6", "address": "::1", "port": 0})
        self.assertEqual((a["family"], a["address"]), ("inet6", "::1"))
        self.assertTrue(1 <= a["port"] <= 65535)
        self.assertEqual(a["string"], "[::1]:%d" % a["port"])
        self.assertEqual(self.name(h), a)

    def test_bind_eaddrinuse(self):
        a = self.create()
        addr = self.bind(a, "127.0.0.1:0")
        self.c.call("socket.listen", {"handle": a})
        b = self.create()
        e = self.c.error("socket.bind", {"handle": b, "address": addr["string"]})
        self.assertError(e, 1000, errname="EADDRINUSE")
        self.assertEqual(e["message"], "cannot bind to socket - Address already in use")
        self.assertEqual(e["data"]["kind"], ["exn", "i/o", "net"])
        self.assertEqual(e["data"]["errno"], 98)
        self.assertEqual(e["data"]["syscall"], "bind")
        # The failed socket is still usable.
        self.assertEqual(self.info(b)["state"], "open")
        self.bind(b, "127.0.0.1:0")

    def test_bind_bad_address(self):
        h = self.create()
        for addr in ("127.0.0.1:65536", "localhost:80", "relative/path", 42):
            with self.subTest(address=addr):
                self.assertError(self.c.error("socket.bind", {"handle": h, "address": addr}),
                                 -32602, param="address")

    def test_listen_default_backlog(self):
        h = self.create()
        self.bind(h, "127.0.0.1:0")
        self.assertEqual(self.c.call("socket.listen", {"handle": h}), {})
        self.assertEqual(self.info(h)["state"], "listening")
        h2 = self.create()
        self.bind(h2, "127.0.0.1:0")
        self.assertEqual(self.c.call("socket.listen", {"handle": h2, "backlog": 1}), {})
        self.assertEqual(self.info(h2)["state"], "listening")
        self.assertError(self.c.error("socket.listen", {"handle": h2, "backlog": "10"}),
                         -32602, param="backlog")

    def test_listen_on_dgram(self):
        h = self.create("inet", "dgram")
        self.bind(h, "127.0.0.1:0")
        e = self.c.error("socket.listen", {"handle": h})
        self.assertError(e, 1000, errname="EOPNOTSUPP")
        self.assertEqual(e["message"], "cannot listen on socket - Operation not supported")
        self.assertEqual(e["data"]["syscall"], "listen")
        self.assertEqual(e["data"]["handle"], h)

    def test_name_and_peer_name_unbound(self):
        for family, type in (("inet", "stream"), ("inet", "dgram"), ("unix", "stream"),
                             ("unix", "dgram")):
            with self.subTest(family=family, type=type):
                h = self.create(family, type)
                self.assertEqual(self.c.call("socket.name", {"handle": h}), {"address": None})
                self.assertEqual(self.c.call("socket.peer_name", {"handle": h}), {"address": None})
                self.c.call("socket.close", {"handle": h})

    def test_peer_name_of_connected(self):
        L, C, S = self.connected_pair()
        self.assertEqual(self.peer_name(C), self.name(L))
        self.assertEqual(self.peer_name(S), self.name(C))
        self.assertEqual(self.name(S), self.name(L))
        self.assertIsNone(self.peer_name(L))

    # -- UNIX sockets in a temp dir --------------------------------------

    def test_unix_bind_name_and_close_unlinks(self):
        path = os.path.join(self.tmp, "u.sock")
        h = self.create("unix")
        a = self.bind(h, path)
        self.assertEqual(a, {"family": "unix", "path": path, "string": path})
        self.assertTrue(stat.S_ISSOCK(os.stat(path).st_mode))
        # sock6d settles the egg's #f: a bound UNIX socket's name is its path.
        self.assertEqual(self.name(h), a)
        self.assertEqual(self.info(h)["local"], a)
        self.assertEqual(self.info(h)["state"], "bound")
        self.c.call("socket.listen", {"handle": h})
        self.assertTrue(os.path.exists(path))
        self.assertEqual(self.c.call("socket.close", {"handle": h}), {})
        self.assertFalse(os.path.exists(path))

    def test_unix_dgram_close_unlinks(self):
        path = os.path.join(self.tmp, "d.sock")
        h = self.create("unix", "dgram")
        self.bind(h, path)
        self.assertTrue(os.path.exists(path))
        self.c.call("socket.close", {"handle": h})
        self.assertFalse(os.path.exists(path))

    def test_unix_close_keeps_replaced_file(self):
        path = os.path.join(self.tmp, "r.sock")
        h = self.create("unix")
        self.bind(h, path)
        os.unlink(path)
        with open(path, "w") as f:
            f.write("not a socket")
        self.c.call("socket.close", {"handle": h})
        with open(path) as f:
            self.assertEqual(f.read(), "not a socket")

    def test_unix_bind_existing_path(self):
        path = os.path.join(self.tmp, "x.sock")
        a = self.create("unix")
        self.bind(a, path)
        b = self.create("unix")
        e = self.c.error("socket.bind", {"handle": b, "address": path})
        self.assertError(e, 1000, errname="EADDRINUSE")
        self.assertEqual(e["message"], "cannot bind to socket - Address already in use")
        # Closing the loser must not unlink the winner's file.
        self.c.call("socket.close", {"handle": b})
        self.assertTrue(os.path.exists(path))
        self.c.call("socket.close", {"handle": a})
        self.assertFalse(os.path.exists(path))

    def test_unix_abstract_bind(self):
        name = "@sock6d-test-%d-%d" % (os.getpid(), id(self))
        h = self.create("unix")
        a = self.bind(h, name)
        self.assertEqual(a, {"family": "unix", "path": name, "string": name})
        self.assertEqual(self.name(h), a)
        self.c.call("socket.close", {"handle": h})

    # -- scope -----------------------------------------------------------

    def test_scope_connection_vs_daemon(self):
        c2 = self.daemon.client()
        hc = c2.call("socket.create", {"family": "inet", "type": "stream",
                                       "scope": "connection"})["handle"]
        hd = c2.call("socket.create", {"family": "inet", "type": "stream",
                                       "scope": "daemon"})["handle"]
        hdefault = c2.call("socket.create", {"family": "unix", "type": "dgram"})["handle"]
        self.assertEqual(self.info(hc, c2)["scope"], "connection")
        self.assertEqual(self.info(hd, c2)["scope"], "daemon")
        self.assertEqual(self.info(hdefault, c2)["scope"], "daemon")
        # Same uid: usable from another connection while its creator lives.
        self.assertEqual(self.info(hc)["handle"], hc)
        c2.close()

        def gone():
            reply = self.c.wait(self.c.request("socket.info", {"handle": hc}))
            return "error" in reply and reply["error"]["code"] == 1010
        self.assertTrue(wait_until(gone), "connection-scoped handle survived its connection")
        with self.daemon.client() as c3:
            self.assertError(c3.error("socket.info", {"handle": hc}), 1010)
            self.assertEqual(c3.call("socket.info", {"handle": hd})["scope"], "daemon")
            self.assertEqual(c3.call("socket.info", {"handle": hdefault})["handle"], hdefault)
            handles = [s["handle"] for s in c3.call("socket.list")["sockets"]]
            self.assertNotIn(hc, handles)
            self.assertIn(hd, handles)
            self.assertEqual(c3.call("socket.close", {"handle": hd}), {})
            self.assertEqual(c3.call("socket.close", {"handle": hdefault}), {})

    def test_scope_connection_unix_socket_file_removed(self):
        path = os.path.join(self.tmp, "scoped.sock")
        c2 = self.daemon.client()
        h = c2.call("socket.create", {"family": "unix", "type": "stream",
                                      "scope": "connection"})["handle"]
        c2.call("socket.bind", {"handle": h, "address": path})
        self.assertTrue(os.path.exists(path))
        c2.close()
        self.assertTrue(wait_until(lambda: not os.path.exists(path)),
                        "closing the connection left the bound path behind")

    def test_seqpacket_unix_pair_keeps_boundaries(self):
        path = os.path.join(self.tmp, "seq.sock")
        lst = self.create("unix", "seqpacket")
        self.c.call("socket.bind", {"handle": lst, "address": path})
        self.c.call("socket.listen", {"handle": lst})
        cli = self.create("unix", "sock/seqpacket")
        self.c.call("socket.connect", {"handle": cli, "address": path})
        srv = self.c.call("socket.accept", {"handle": lst, "timeout": 1000})["handle"]
        for text in ("one", "two!"):
            self.assertEqual(self.c.call("socket.send", {"handle": cli, "text": text}),
                             {"bytes": len(text)})
        got = [self.c.call("socket.receive", {"handle": srv, "length": 100, "encoding": "text"})
               for _ in range(2)]
        self.assertEqual([g["text"] for g in got], ["one", "two!"])
        for h in (srv, cli, lst):
            self.c.call("socket.close", {"handle": h})

    def test_constant_names_as_param_values(self):
        # Every param taking a family, type, protocol, flag or shutdown
        # direction takes the egg's constant name too.
        h = self.create("af/inet", "sock/stream", protocol="ipproto/tcp")
        self.assertEqual(self.c.call("socket.info", {"handle": h})["protocol"], "tcp")
        lst, addr = self.listener()
        self.c.call("socket.connect", {"handle": h, "address": addr})
        srv = self.c.call("socket.accept", {"handle": lst, "timeout": 1000})["handle"]
        self.c.call("socket.send", {"handle": h, "text": "abc", "flags": ["msg/dontwait"]})
        peek = self.c.call("socket.receive", {"handle": srv, "length": 10, "encoding": "text",
                                              "flags": ["msg/peek", "msg/waitall"]})
        self.assertEqual(peek["text"], "abc")
        self.c.call("socket.shutdown", {"handle": h, "how": "shut/wr"})
        got = self.c.call("socket.receive", {"handle": srv, "length": 3, "encoding": "text",
                                             "flags": ["msg/waitall"]})
        self.assertEqual(got["text"], "abc")
        self.assertTrue(self.c.call("socket.info", {"handle": h})["shut_wr"])
        for x in (h, srv, lst):
            self.c.call("socket.close", {"handle": x})

    def test_daemon_scope_survives_connection(self):
        with self.daemon.client() as c2:
            h = c2.call("socket.create", {"family": "inet", "type": "dgram"})["handle"]
            addr = c2.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})["address"]
        with self.daemon.client() as c3:
            info = c3.call("socket.info", {"handle": h})
            self.assertEqual((info["scope"], info["state"], info["local"]), ("daemon", "bound", addr))
            self.assertEqual(c3.call("socket.close", {"handle": h}), {})
            self.assertError(c3.error("socket.info", {"handle": h}), 1010)


if __name__ == "__main__":
    harness.main()
