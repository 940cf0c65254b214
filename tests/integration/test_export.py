"""test_export.py: socket.export hands the socket itself to a local client
as SCM_RIGHTS ancillary data on the reply line (PROTOCOL "Streaming",
settled in streaming-contract.md).

What it proves: refused with 1011 (and no descriptor) unless the daemon runs
with --allow-export, the handle untouched; with it, the reply
{handle, fd_sent: true} carries exactly one descriptor on its first byte;
that descriptor is the socket (a connected TCP socket talks to its peer, an
exported listener accepts); the handle is gone afterwards (1010) while the
connection lives on in the client, unless keep is true, when both work;
another user cannot export a handle it does not own (1010, no descriptor)
but can export its own, and root can export any; -32602 for a bad keep; and
descriptors a client sends to the daemon with SCM_RIGHTS are closed at once
while the request is still answered (the daemon's descriptor count does not
grow).
"""

import json
import os
import select
import socket
import subprocess
import sys

import harness

NO_SUCH_HANDLE = 987654321


line = harness.request_line


wait_until = harness.wait_until


def recv_exactly(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise AssertionError("EOF after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


# Run as another user: argv[1] the control socket, argv[2] a handle of
# root's.  Tries to export root's handle, exports a handle of its own, and
# creates one more it leaves open; prints each export's reply with the number
# of descriptors that came with it, and the handle left.
EXPORT_AS = r"""
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
def call(i, method, params):
    s.sendall(json.dumps({"jsonrpc": "2.0", "id": i, "method": method,
                          "params": params}).encode() + b"\n")
    msg, fds, flags, _ = socket.recv_fds(s, 65536, 8)
    while msg and not msg.endswith(b"\n"):
        more, more_fds, _, _ = socket.recv_fds(s, 65536, 8)
        if not more:
            break
        msg += more
        fds += more_fds
    for fd in fds:
        os.close(fd)
    return {"reply": json.loads(msg), "fds": len(fds)}
out = [call(1, "socket.export", {"handle": int(sys.argv[2])})]
own = call(2, "socket.create", {"family": "inet", "type": "stream"})["reply"]["result"]["handle"]
out.append(call(3, "socket.export", {"handle": own}))
left = call(4, "socket.create", {"family": "inet", "type": "dgram"})["reply"]["result"]["handle"]
print(json.dumps({"exports": out, "left": left}))
"""


class ExportCase(harness.DaemonTest):
    """Helpers."""

    def connected(self):
        """A daemon TCP socket connected to a Python peer: (handle, peer)."""
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.bind(("127.0.0.1", 0))
        lst.listen(1)
        self.addCleanup(lst.close)
        h = self.create()
        self.c.call("socket.connect", {"handle": h, "address": "127.0.0.1:%d" % lst.getsockname()[1]})
        peer, _ = lst.accept()
        peer.settimeout(10)
        self.addCleanup(peer.close)
        return h, peer

    def export(self, h, **params):
        """Call socket.export on a fresh control connection (h None: no
        handle param): (reply, the descriptors that came with the reply's
        first byte, as sockets)."""
        s = self.raw_socket()
        if h is not None:
            params["handle"] = h
        s.sendall(line("socket.export", params))
        msg, fds, flags, _ = socket.recv_fds(s, 65536, 8)
        socks = []
        for fd in fds:
            sk = socket.socket(fileno=fd)
            self.addCleanup(sk.close)
            socks.append(sk)
        self.assertFalse(flags & socket.MSG_CTRUNC, "descriptors cut off")
        self.assertTrue(msg, "daemon closed the connection")
        while not msg.endswith(b"\n"):
            more, late, _, _ = socket.recv_fds(s, 65536, 8)
            for fd in late:
                os.close(fd)
            self.assertEqual(late, [], "a descriptor came after the reply's first bytes")
            self.assertTrue(more, "daemon closed the connection")
            msg += more
        self.assertEqual(msg.count(b"\n"), 1, msg)
        return json.loads(msg), socks

    def info_error(self, h):
        reply = self.c.wait(self.c.request("socket.info", {"handle": h}))
        return reply.get("error")

    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.daemon.proc.pid))


class SentDescriptorsCases:
    """With or without --allow-export: descriptors sent to the daemon."""

    def test_descriptors_sent_to_the_daemon_are_closed(self):
        self.c.call("daemon.ping")      # this test's client is accepted by now
        before = self.fd_count()
        s = self.raw_socket()
        for i in range(20):
            r, w = os.pipe()
            try:
                other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socket.send_fds(s, [line("daemon.ping", {}, id=i)], [w, w, other.fileno()])
                other.close()
                os.close(w)
                w = None
                buf = b""
                while b"\n" not in buf:
                    chunk = s.recv(4096)
                    self.assertTrue(chunk, "daemon closed the connection")
                    buf += chunk
                self.assertEqual(json.loads(buf), {"jsonrpc": "2.0", "id": i,
                                                   "result": {"pong": True}})
                # the daemon kept no copy of the pipe's write end: EOF
                ready, _, _ = select.select([r], [], [], 5)
                self.assertEqual(ready, [r], "the daemon still holds a descriptor it was sent")
                self.assertEqual(os.read(r, 1), b"")
            finally:
                os.close(r)
                if w is not None:
                    os.close(w)
        # our control connection is one more descriptor in the daemon
        self.assertLessEqual(self.fd_count(), before + 1)
        self.assertAlive()


class NoExportTest(SentDescriptorsCases, ExportCase):
    """The default: export is off."""

    def test_export_refused_1011(self):
        h, peer = self.connected()
        for params in ({}, {"keep": True}, {"keep": False}):
            reply, socks = self.export(h, **params)
            self.assertEqual(socks, [])
            self.assertEqual(reply["error"]["code"], 1011, reply)
        # the handle is untouched
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "connected")
        self.c.call("socket.send", {"handle": h, "text": "still here"})
        self.assertEqual(recv_exactly(peer, 10), b"still here")


class ExportTest(SentDescriptorsCases, ExportCase):

    DAEMON_ARGS = ("--allow-export",)

    def test_reply_carries_the_descriptor(self):
        h, peer = self.connected()
        reply, socks = self.export(h)
        self.assertEqual(reply, {"jsonrpc": "2.0", "id": 1,
                                 "result": {"handle": h, "fd_sent": True}})
        self.assertEqual(len(socks), 1)
        sk = socks[0]
        self.assertEqual((sk.family, sk.type), (socket.AF_INET, socket.SOCK_STREAM))
        self.assertEqual(sk.getpeername(), peer.getsockname())

    def test_exported_socket_talks_to_the_peer_and_the_handle_is_gone(self):
        h, peer = self.connected()
        local = self.c.call("socket.name", {"handle": h})["address"]
        _, (sk,) = self.export(h)
        wait_until(lambda: self.info_error(h) is not None, what="the handle dropped")
        self.assertEqual(self.info_error(h)["code"], 1010)
        self.assertError(self.c.error("socket.send", {"handle": h, "text": "x"}), 1010)
        # dropping the handle did not end the connection
        sk.settimeout(10)
        self.assertEqual(sk.getsockname(), (local["address"], local["port"]))
        sk.sendall(b"from the client")
        self.assertEqual(recv_exactly(peer, 15), b"from the client")
        peer.sendall(b"from the peer")
        self.assertEqual(recv_exactly(sk, 13), b"from the peer")
        sk.shutdown(socket.SHUT_WR)
        self.assertEqual(peer.recv(10), b"")

    def test_keep_true_keeps_the_handle(self):
        h, peer = self.connected()
        reply, (sk,) = self.export(h, keep=True)
        self.assertEqual(reply["result"], {"handle": h, "fd_sent": True})
        sk.settimeout(10)
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "connected")
        self.c.call("socket.send", {"handle": h, "text": "daemon;"})
        sk.sendall(b"client")
        self.assertEqual(recv_exactly(peer, 13), b"daemon;client")
        # closing the handle closes the daemon's descriptor only
        self.c.call("socket.close", {"handle": h})
        peer.sendall(b"still up")
        self.assertEqual(recv_exactly(sk, 8), b"still up")

    def test_exported_listener_accepts(self):
        h, addr = self.listener()
        _, (lst,) = self.export(h)
        lst.settimeout(10)
        host, port = addr.rsplit(":", 1)
        self.assertEqual(lst.getsockname(), (host, int(port)))
        client = socket.create_connection((host, int(port)), timeout=10)
        self.addCleanup(client.close)
        conn, _ = lst.accept()
        self.addCleanup(conn.close)
        conn.sendall(b"accepted by the client")
        self.assertEqual(recv_exactly(client, 22), b"accepted by the client")
        wait_until(lambda: self.info_error(h) is not None, what="the handle dropped")

    def test_exported_datagram_socket(self):
        h = self.create("inet", "dgram")
        addr = self.c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})["address"]
        _, (sk,) = self.export(h)
        sk.settimeout(10)
        self.assertEqual(sk.type, socket.SOCK_DGRAM)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
            peer.sendto(b"to the exported socket", (addr["address"], addr["port"]))
            self.assertEqual(sk.recv(100), b"to the exported socket")

    def test_unknown_handle_1010(self):
        reply, socks = self.export(NO_SUCH_HANDLE)
        self.assertEqual(socks, [])
        self.assertEqual(reply["error"]["code"], 1010, reply)

    def test_keep_not_boolean(self):
        h, _ = self.connected()
        reply, socks = self.export(h, keep="yes")
        self.assertEqual(socks, [])
        self.assertEqual(reply["error"]["code"], -32602, reply)
        self.assertEqual(reply["error"]["data"]["param"], "keep", reply)
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "connected")

    def test_handle_missing(self):
        reply, socks = self.export(None)
        self.assertEqual(socks, [])
        self.assertEqual(reply["error"]["code"], -32602, reply)
        self.assertEqual(reply["error"]["data"]["param"], "handle", reply)

    def test_other_user_cannot_export(self):
        users, why = harness.other_users("nobody")
        if users is None:
            self.skipTest(why)
        h, peer = self.connected()
        out = subprocess.run(harness.setpriv(users[0]) + (sys.executable, "-c", EXPORT_AS,
                                                          self.daemon.path, str(h)),
                             stdout=subprocess.PIPE, timeout=30, check=True, cwd="/").stdout
        out = json.loads(out)
        theirs, own = out["exports"]
        self.assertEqual((theirs["reply"]["error"]["code"], theirs["fds"]), (1010, 0), theirs)
        self.assertEqual((own["reply"]["result"]["fd_sent"], own["fds"]), (True, 1), own)
        # root's handle is untouched
        self.assertEqual(self.c.call("socket.info", {"handle": h})["state"], "connected")
        # root may export any handle
        reply, socks = self.export(out["left"])
        self.assertEqual(reply["result"], {"handle": out["left"], "fd_sent": True})
        self.assertEqual(len(socks), 1)


if __name__ == "__main__":
    harness.main()
