"""test_python_client.py: the Python client (client/python, package sock6d)
against the real daemon: calls and results, each error class from a real
error reply, Socket objects over TCP and UDP on 127.0.0.1, subscriptions
with credit, the asyncio client with concurrent calls, attach and export,
and the README's example (examples/echo.py).
"""

import asyncio
import os
import socket
import subprocess
import sys
import threading

import harness

if sys.version_info < (3, 11):
    print("SKIP: the Python client needs Python 3.11")
    sys.exit(77)

PYDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "client", "python")
PYDIR = os.path.normpath(PYDIR)
sys.path.insert(0, PYDIR)

import sock6d  # noqa: E402
from sock6d import _wire  # noqa: E402


def pattern(n):
    """n bytes that show any loss, repeat or reordering."""
    block = bytes(range(256)) * 64
    out = bytearray()
    i = 0
    while len(out) < n:
        out += (b"%08d" % i) + block[: 8192 - 8]
        i += 1
    return bytes(out[:n])


def recv_all(sock):
    parts = []
    while True:
        chunk = sock.recv(1 << 16)
        if not chunk:
            return b"".join(parts)
        parts.append(chunk)


class PyCase(harness.DaemonTest):
    """A daemon that allows export; a sock6d.Client per test."""

    DAEMON_ARGS = ("--allow-export",)

    def setUp(self):
        super().setUp()
        self.py = sock6d.Client(self.daemon.path, timeout=30)
        self.addCleanup(self.py.close)

    def python_listener(self):
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(4)
        lst.settimeout(10)
        self.addCleanup(lst.close)
        return lst

    def connected(self, client=None):
        """A daemon Socket connected to a Python peer: (Socket, peer)."""
        lst = self.python_listener()
        s = (client or self.py).socket("inet", "stream")
        s.connect(lst.getsockname())
        peer, _ = lst.accept()
        peer.settimeout(30)
        self.addCleanup(peer.close)
        return s, peer


class TestCalls(PyCase):

    def test_results(self):
        self.assertEqual(self.py.call("daemon.ping"), {"pong": True})
        self.assertEqual(self.py.call("daemon.version")["protocol"], 1)
        self.assertEqual(self.py.call("session.set", {"send_size": 4096})["send_size"], 4096)
        self.assertEqual(self.py.call("session.get")["send_size"], 4096)
        addr = self.py.call("net.inet_address", address="127.0.0.1", port=80)
        self.assertEqual(addr["string"], "127.0.0.1:80")

    def test_default_path_from_environment(self):
        old = os.environ.get("SOCK6D_SOCKET")
        os.environ["SOCK6D_SOCKET"] = self.daemon.path
        try:
            with sock6d.Client() as c:
                self.assertEqual(c.path, self.daemon.path)
                self.assertEqual(c.call("daemon.ping"), {"pong": True})
        finally:
            if old is None:
                del os.environ["SOCK6D_SOCKET"]
            else:
                os.environ["SOCK6D_SOCKET"] = old

    def test_path_rules(self):
        saved = {k: os.environ.get(k) for k in ("SOCK6D_SOCKET", "XDG_RUNTIME_DIR")}
        try:
            os.environ["SOCK6D_SOCKET"] = ""
            os.environ["XDG_RUNTIME_DIR"] = "/run/user/4242"
            expect = ("/run/sock6d/sock6d.sock" if os.geteuid() == 0
                      else "/run/user/4242/sock6d.sock")
            self.assertEqual(sock6d.default_socket_path(), expect)
            del os.environ["XDG_RUNTIME_DIR"]
            if os.geteuid() != 0:
                self.assertEqual(sock6d.default_socket_path(),
                                 "/tmp/sock6d-%d/sock6d.sock" % os.geteuid())
            self.assertEqual(sock6d.default_socket_path("/x/y"), "/x/y")
            with self.assertRaises(ValueError):
                sock6d.default_socket_path("/" + "x" * 200)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def test_notifications_kept_in_order(self):
        s, peer = self.connected()
        s.info()
        sub = self.py.subscribe(s.handle)
        peer.sendall(b"abc")
        peer.shutdown(socket.SHUT_WR)
        # Nobody iterates: the notifications wait for whoever reads them.
        first = self.py.next_notification()
        self.assertEqual(first["method"], "socket.data")
        self.assertEqual(_wire.chunk_of(first["params"]), b"abc")
        self.assertEqual(self.py.next_notification()["method"], "socket.eof")
        sub.close()


class TestErrors(PyCase):

    def test_method_not_found_with_did_you_mean(self):
        with self.assertRaises(sock6d.MethodNotFound) as cm:
            self.py.call("socket.craete", family="inet", type="stream")
        self.assertEqual(cm.exception.code, -32601)
        self.assertEqual(cm.exception.did_you_mean, "socket.create")
        self.assertIsInstance(cm.exception, sock6d.Sock6dError)

    def test_invalid_params(self):
        with self.assertRaises(sock6d.InvalidParams) as cm:
            self.py.call("socket.create", family="inet", type="stream", scpoe="connection")
        self.assertEqual(cm.exception.param, "scpoe")
        self.assertEqual(cm.exception.did_you_mean, "scope")
        with self.assertRaises(sock6d.InvalidParams):
            self.py.call("net.inet_address", address="127.0.0.1", port=99999)

    def test_no_such_handle(self):
        with self.assertRaises(sock6d.NoSuchHandle) as cm:
            self.py.handle(9007199254740000).info()
        self.assertEqual(cm.exception.code, 1010)

    def test_transient_from_refused_connect(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        with self.py.socket() as s:
            with self.assertRaises(sock6d.TransientError) as cm:
                s.connect(("127.0.0.1", port))
            err = cm.exception
            self.assertIsInstance(err, sock6d.NetError)
            self.assertEqual((err.code, err.errname), (1001, "ECONNREFUSED"))
            self.assertEqual(err.kind, ["exn", "i/o", "net", "transient"])
            self.assertIsInstance(err.errno, int)
            s.info()            # the handle stays valid

    def test_timeout(self):
        s, peer = self.connected()
        with self.assertRaises(sock6d.NetTimeout) as cm:
            s.receive(16, timeout=0)
        self.assertIsInstance(cm.exception, sock6d.NetError)
        self.assertNotIsInstance(cm.exception, TimeoutError)
        self.assertEqual(cm.exception.code, 1002)

    def test_busy(self):
        s, peer = self.connected()
        with self.py.subscribe(s.handle):
            with sock6d.Client(self.daemon.path, timeout=10) as other:
                with self.assertRaises(sock6d.Busy):
                    other.subscribe(s.handle)
                with self.assertRaises(sock6d.Busy):
                    other.handle(s.handle).receive(10)

    def test_each_code_has_its_class(self):
        for code, cls in ((-32700, sock6d.ParseError), (-32600, sock6d.InvalidRequest),
                          (-32603, sock6d.InternalError), (1003, sock6d.UnsupportedError),
                          (1004, sock6d.ResolveError), (1011, sock6d.PermissionDenied),
                          (1012, sock6d.LimitReached), (1013, sock6d.Busy),
                          (4242, sock6d.Sock6dError)):
            err = sock6d.error_from_object({"code": code, "message": "m", "data": {"kind": ["exn"]}})
            self.assertIs(type(err), cls)
            self.assertEqual((err.code, err.message, err.kind), (code, "m", ["exn"]))


class TestSocket(PyCase):

    def test_tcp_echo(self):
        with self.py.socket("inet", "stream") as lst:
            bound = lst.bind("127.0.0.1:0")
            self.assertEqual(bound["address"], "127.0.0.1")
            self.assertNotEqual(bound["port"], 0)
            lst.listen(4)
            self.assertEqual(lst.name, bound)
            with self.py.socket() as cli:
                cli.setopt("tcp-no-delay", True)
                self.assertTrue(cli.getopt("tcp-no-delay"))
                self.assertEqual(cli.connect(bound["string"])["port"], bound["port"])
                with lst.accept() as srv:
                    self.assertEqual(srv.peer, cli.name)
                    self.assertEqual(cli.send_all(b"ping" * 1000), 4000)
                    got = b""
                    while len(got) < 4000:
                        got += srv.receive(65536)
                    self.assertEqual(got, b"ping" * 1000)
                    self.assertGreater(srv.send("pong"), 0)
                    self.assertEqual(cli.receive(4, encoding="text"), "pong")
                    srv.shutdown("wr")
                    self.assertEqual(cli.receive(16), b"")
                    info = srv.info()
                    self.assertEqual((info["scope"], info["shut_wr"]), ("connection", True))
                    handle = srv.handle
        with self.assertRaises(sock6d.NoSuchHandle):
            self.py.handle(handle).info()

    def test_datagrams(self):
        with self.py.socket("inet", "dgram") as a, self.py.socket("inet", "dgram") as b:
            addr_a = a.bind(("127.0.0.1", 0))
            addr_b = b.bind(("127.0.0.1", 0))
            self.assertEqual(b.send_to(b"\x00\x01datagram", addr_a["string"]), 10)
            data, sender = a.receive_from(2048)
            self.assertEqual((data, sender), (b"\x00\x01datagram", addr_b))
            a.send_to("reply", addr_b)
            self.assertEqual(b.receive_from(2048, encoding="text")[0], "reply")
            # Followed by a subscription: one Datagram each.
            sub = b.subscribe()
            for i in range(3):
                a.send_to(b"d%d" % i, addr_b)
            first = sub.result["offset"]
            for i in range(3):
                dg = next(sub)
                self.assertIsInstance(dg, sock6d.Datagram)
                self.assertEqual((dg.data, dg.address, dg.seq, dg.truncated),
                                 (b"d%d" % i, addr_a, first + i, False))
            sub.close()


class TestSubscribe(PyCase):

    def test_more_than_a_mebibyte_with_credit(self):
        s, peer = self.connected()
        data = pattern(3 * 1024 * 1024 // 2 + 12345)
        sender = threading.Thread(target=lambda: (peer.sendall(data), peer.shutdown(socket.SHUT_WR)))
        sender.start()
        self.addCleanup(sender.join)
        credit = 64 * 1024
        got = bytearray()
        chunks = 0
        sub = self.py.subscribe(s.handle, credit=credit, max_chunk=16384)
        for chunk in sub:
            self.assertIsInstance(chunk, bytes)
            self.assertLessEqual(len(chunk), 16384)
            got += chunk
            chunks += 1
            # Never more held here than the window we granted.
            held = sum(len(_wire.chunk_of(n["params"])) for n in self.py.notifications
                       if n.get("method") == "socket.data")
            self.assertLessEqual(held, credit)
            if chunks % 16 == 0:
                now = s.info()["credit"]
                if now is not None:     # None: the subscription just ended
                    self.assertLessEqual(now, credit)
        self.assertEqual(len(got), len(data))
        self.assertTrue(got == data, "content differs")
        self.assertEqual(s.info()["subscribed"], False)

    def test_text_chunks(self):
        s, peer = self.connected()
        text = "grüße, 世界 🌍 " * 20000
        threading.Thread(target=lambda: (peer.sendall(text.encode()),
                                         peer.shutdown(socket.SHUT_WR))).start()
        parts = list(self.py.subscribe(s.handle, credit=4096, encoding="text", max_chunk=1000))
        self.assertTrue(all(isinstance(p, str) for p in parts))
        self.assertEqual("".join(parts), text)

    def test_error_ends_the_iteration(self):
        s, peer = self.connected()
        sub = self.py.subscribe(s.handle)
        peer.sendall(b"x")
        self.assertEqual(next(sub), b"x")
        with sock6d.Client(self.daemon.path, timeout=10) as other:
            other.call("socket.close", handle=s.handle)
        with self.assertRaises(sock6d.NoSuchHandle):
            next(sub)

    def test_listener_accepted(self):
        with self.py.socket() as lst:
            addr = lst.bind("127.0.0.1:0")
            lst.listen()
            sub = lst.subscribe(credit=1)
            for _ in range(3):
                c = socket.create_connection(("127.0.0.1", addr["port"]), timeout=10)
                self.addCleanup(c.close)
                acc = next(sub)
                self.assertIsInstance(acc, sock6d.Accepted)
                self.assertEqual(acc.peer["port"], c.getsockname()[1])
                self.py.handle(acc.handle).close()
            sub.close()

    def test_sync_attach(self):
        s, peer = self.connected()
        with sock6d.Client(self.daemon.path, timeout=30) as c:
            pipe = c.attach(s.handle)
            with pipe:
                peer.sendall(b"to the pipe")
                peer.shutdown(socket.SHUT_WR)
                self.assertEqual(pipe.read_all(), b"to the pipe")
                pipe.sendall(b"from the pipe")
                pipe.shutdown_write()
                self.assertEqual(recv_all(peer), b"from the pipe")

    def test_sync_export(self):
        s, peer = self.connected()
        kept = s.export(keep=True)
        self.addCleanup(kept.close)
        self.assertEqual(kept.getpeername(), peer.getsockname())
        s.info()
        real = s.export()
        with real:
            self.assertIsInstance(real, socket.socket)
            self.assertEqual(real.type, socket.SOCK_STREAM)
            real.sendall(b"direct")
            self.assertEqual(peer.recv(100), b"direct")
        with self.assertRaises(sock6d.NoSuchHandle):
            self.py.handle(s.handle).info()


class TestAsync(PyCase):

    def run_async(self, coro):
        return asyncio.run(asyncio.wait_for(coro, 60))

    def test_concurrent_calls(self):
        async def main():
            async with await sock6d.AsyncClient.connect(self.daemon.path) as c:
                lst = await c.socket()
                addr = await lst.bind("127.0.0.1:0")
                await lst.listen()
                cli = await c.socket()
                # accept waits in the daemon while connect and pings proceed.
                accepted, peer, *pongs = await asyncio.gather(
                    lst.accept(timeout=20), cli.connect(addr["string"]),
                    *[c.call("daemon.ping") for _ in range(50)])
                self.assertEqual(pongs, [{"pong": True}] * 50)
                self.assertEqual(peer, addr)
                self.assertEqual(await accepted.peer(), await cli.name())
                got, sent = await asyncio.gather(accepted.receive(5, timeout=10),
                                                 cli.send_all(b"hello"))
                self.assertEqual((got, sent), (b"hello", 5))
                with self.assertRaises(sock6d.MethodNotFound):
                    await c.call("daemon.pnig")
                await cli.close()
                await accepted.close()
                await lst.close()
        self.run_async(main())

    def test_async_subscribe(self):
        s, peer = self.connected()
        data = pattern(1024 * 1024 + 777)
        threading.Thread(target=lambda: (peer.sendall(data), peer.shutdown(socket.SHUT_WR))).start()

        async def main():
            async with await sock6d.AsyncClient.connect(self.daemon.path) as c:
                got = bytearray()
                pings = []
                async for chunk in c.subscribe(s.handle, credit=32768):
                    got += chunk
                    if len(pings) < 5:
                        pings.append(await c.call("daemon.ping"))
                self.assertEqual(pings, [{"pong": True}] * 5)
                return bytes(got)
        self.assertTrue(self.run_async(main()) == data, "content differs")

    def test_async_attach_both_ways_with_half_close(self):
        s, peer = self.connected()
        peer.sendall(b"early bytes;")

        async def main():
            c = await sock6d.AsyncClient.connect(self.daemon.path)
            reader, writer = await c.attach(s.handle)
            loop = asyncio.get_running_loop()
            # The peer sends and half-closes: the reader sees it all, then EOF.
            await loop.run_in_executor(None, lambda: (peer.sendall(b"late bytes"),
                                                      peer.shutdown(socket.SHUT_WR)))
            self.assertEqual(await reader.read(), b"early bytes;late bytes")
            # Then our way, and our half-close reaches the peer as EOF.
            big = pattern(300000)
            writer.write(big)
            await writer.drain()
            writer.write_eof()
            self.assertTrue(await loop.run_in_executor(None, recv_all, peer) == big)
            writer.close()
            await writer.wait_closed()
        self.run_async(main())

    def test_async_export(self):
        s, peer = self.connected()

        async def main():
            async with await sock6d.AsyncClient.connect(self.daemon.path) as c:
                pong, real = await asyncio.gather(c.call("daemon.ping"), c.export(s.handle))
                self.assertEqual(pong, {"pong": True})
                return real
        real = self.run_async(main())
        with real:
            real.settimeout(10)
            peer.sendall(b"to the real socket")
            self.assertEqual(real.recv(100), b"to the real socket")
            self.assertEqual(real.getpeername(), peer.getsockname())


class TestExample(PyCase):

    def test_echo_example(self):
        env = dict(os.environ, SOCK6D_SOCKET=self.daemon.path, PYTHONPATH=PYDIR)
        out = subprocess.run([sys.executable, os.path.join(PYDIR, "examples", "echo.py")],
                             env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertRegex(lines[0], r"^connected: 127\.0\.0\.1:[1-9][0-9]*$")
        self.assertEqual(lines[1], "echoed: hello, sock6d")
        self.assertEqual(lines[-1], "eof")
        self.assertEqual("\n".join(lines[2:-1]).replace("data: ", "") + "\n",
                         "line 0\nline 1\nline 2\n")


class TestLimits(harness.DaemonTest):
    """A daemon with a small handle share and no export."""

    DAEMON_ARGS = ("--limit", "handles_per_user=3")

    def test_limit_reached(self):
        with sock6d.Client(self.daemon.path, timeout=10) as c:
            made = [c.socket("inet", "dgram") for _ in range(3)]
            with self.assertRaises(sock6d.LimitReached) as cm:
                c.socket("inet", "dgram")
            self.assertEqual(cm.exception.code, 1012)
            made[0].close()
            c.socket("inet", "dgram")

    def test_export_not_allowed(self):
        with sock6d.Client(self.daemon.path, timeout=10) as c:
            with c.socket() as s:
                with self.assertRaises(sock6d.PermissionDenied):
                    s.export()
                s.closed = False
                s.info()


if __name__ == "__main__":
    harness.main()
