"""test_owner.py: a handle belongs to the uid that created it (SO_PEERCRED);
only that uid and root can use it, others get 1010 exactly as for an unknown
handle (PROTOCOL §5).

Needs root and setpriv: the second user is `nobody`, making its calls
through harness.calls_as against the harness daemon (control socket mode 0666 in a 0755 directory).
"""

import os
import pwd
import socket
import unittest

import harness

_USERS, _WHY = harness.other_users("nobody")


def owner_uid(owner):
    """The uid in socket.info's owner field, whatever its shape."""
    if isinstance(owner, dict):
        owner = owner.get("uid")
    if isinstance(owner, str):
        owner = pwd.getpwnam(owner).pw_uid
    return owner


@unittest.skipUnless(_USERS, _WHY)
class OwnerTest(harness.DaemonTest):

    NOBODY = _USERS[0].pw_uid if _USERS else None

    def as_nobody(self, calls):
        """Run the calls as nobody on one connection; the list of replies."""
        return harness.calls_as(_USERS[0], self.daemon.path, calls)

    def result_of(self, reply):
        self.assertIn("result", reply, reply)
        return reply["result"]

    def error_of(self, reply, code):
        self.assertIn("error", reply, reply)
        self.assertEqual(reply["error"]["code"], code, reply)
        return reply["error"]

    def test_raw_sockets_only_for_root(self):
        # The daemon may open raw sockets; a user who may not gets what the
        # kernel would tell them (EPERM), as 1011 naming the grant.
        replies = self.as_nobody([
            ["socket.create", {"family": "inet", "type": "raw", "protocol": "icmp"}],
            ["socket.create", {"family": "inet", "type": "sock/raw", "protocol": 1}],
            ["socket.create", {"family": "unix", "type": "seqpacket"}],
        ])
        for r in replies[:2]:
            # 1011: the policy's "raw" grant would allow it; the kernel's
            # own answer stays in errname.
            err = self.error_of(r, 1011)
            self.assertEqual(err["data"]["errname"], "EPERM")
            self.assertEqual(err["data"]["syscall"], "socket")
            self.assertEqual(err["data"]["grant"], "raw")
            self.assertEqual(err["message"], "raw is not granted to this user - Operation not permitted")
        self.assertEqual(self.result_of(replies[2])["type"], "seqpacket")
        r = self.c.call("socket.create", {"family": "inet", "type": "raw", "protocol": "icmp"})
        self.assertEqual((r["type"], r["protocol"]), ("raw", "icmp"))
        self.c.call("socket.close", {"handle": r["handle"]})

    def test_calls_run_with_the_clients_credentials(self):
        # The daemon is root; what a client does through it, the kernel
        # judges as that client: no privileged port, no packet socket, no
        # UNIX socket or directory it could not reach itself.
        private = os.path.join(self.tmp, "private")
        os.mkdir(private, 0o700)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(os.path.join(private, "root.sock"))
        srv.listen(1)
        self.addCleanup(srv.close)
        public = os.path.join(self.tmp, "public")
        os.mkdir(public)
        os.chmod(public, 0o777)
        mine = os.path.join(public, "nobody.sock")
        replies = self.as_nobody([
            ["socket.create", {"family": "inet", "type": "stream"}],
            ["socket.bind", {"handle": 0, "address": "127.0.0.1:80"}],
            ["socket.create", {"family": 17, "type": "dgram"}],
            ["socket.create", {"family": "unix", "type": "stream"}],
            ["socket.connect", {"handle": 0, "address": os.path.join(private, "root.sock")}],
            ["socket.bind", {"handle": 0, "address": os.path.join(private, "x.sock")}],
            ["socket.bind", {"handle": 0, "address": mine}],
        ])
        low = self.error_of(replies[1], 1011)["data"]
        self.assertEqual((low["errname"], low["grant"]), ("EACCES", "bind inet:80"))
        self.assertEqual(self.error_of(replies[2], 1000)["data"]["errname"], "EPERM")
        self.assertEqual(self.error_of(replies[4], 1000)["data"]["errname"], "EACCES")
        self.assertEqual(self.error_of(replies[5], 1000)["data"]["errname"], "EACCES")
        self.result_of(replies[6])
        st = os.stat(mine)
        self.assertEqual(st.st_uid, self.NOBODY)
        # root's own calls keep root's privilege
        h = self.create()
        self.assertEqual(self.c.call("socket.bind", {"handle": h, "address": "127.0.0.1:0"})
                         ["address"]["address"], "127.0.0.1")
        self.c.call("socket.close", {"handle": h})

    def test_nobody_cannot_touch_roots_handle(self):
        h = self.create()
        missing = 987654321
        replies = self.as_nobody([
            ["socket.info", {"handle": h}],
            ["socket.info", {"handle": missing}],
            ["socket.bind", {"handle": h, "address": "127.0.0.1:0"}],
            ["socket.send", {"handle": h, "text": "x"}],
            ["socket.listen", {"handle": h}],
            ["socket.connect", {"handle": h, "address": "127.0.0.1:9"}],
            ["socket.close", {"handle": h}],
            ["socket.close", {"handle": h, "force": True}],
            ["daemon.ping", None],
        ])
        info_err = self.error_of(replies[0], 1010)
        missing_err = self.error_of(replies[1], 1010)
        self.assertEqual(info_err["data"].get("handle"), h, info_err)
        # indistinguishable from a handle that does not exist
        self.assertEqual(info_err["message"], missing_err["message"])
        same = dict(missing_err["data"], handle=h)
        self.assertEqual(info_err["data"], same)
        for r in replies[2:7]:
            err = self.error_of(r, 1010)
            self.assertEqual(err["data"].get("handle"), h, err)
        # force: true never fails, but must not close root's socket either
        self.assertEqual(self.result_of(replies[7]), {})
        self.assertEqual(self.result_of(replies[8]), {"pong": True})
        # root's socket is untouched: open, unbound, not listening, not connected
        info = self.c.call("socket.info", {"handle": h})
        self.assertEqual(info["state"], "open")
        self.assertIsNone(info["local"])
        self.assertIsNone(info["peer"])
        self.assertEqual(info["bytes_out"], 0)
        self.assertEqual(owner_uid(info["owner"]), 0)
        self.c.call("socket.close", {"handle": h})

    def test_nobody_cannot_set_options_on_roots_handle(self):
        h = self.create()
        replies = self.as_nobody([
            ["socket.setopt", {"handle": h, "option": "so-reuse-address", "value": True}],
            ["socket.getopt", {"handle": h, "option": "so-reuse-address"}],
            ["socket.shutdown", {"handle": h, "how": "rdwr"}],
        ])
        for r in replies:
            self.assertEqual(self.error_of(r, 1010)["data"].get("handle"), h)
        self.assertIs(self.c.call("socket.getopt", {"handle": h, "option": "so-reuse-address"})["value"], False)
        self.c.call("socket.close", {"handle": h})

    def test_nobody_cannot_receive_or_accept_on_roots_handle(self):
        lst, addr = self.listener()
        replies = self.as_nobody([
            ["socket.accept", {"handle": lst, "timeout": 0}],
            ["socket.receive", {"handle": lst, "length": 10, "timeout": 0}],
            ["socket.name", {"handle": lst}],
            ["socket.accept_ready", {"handle": lst}],
        ])
        for r in replies:
            self.assertEqual(self.error_of(r, 1010)["data"].get("handle"), lst)
        self.assertEqual(self.c.call("socket.info", {"handle": lst})["state"], "listening")
        self.c.call("socket.close", {"handle": lst})

    def test_list_as_nobody_hides_roots_handles(self):
        h = self.create()
        replies = self.as_nobody([
            ["socket.create", {"family": "inet", "type": "dgram"}],
            ["socket.list", None],
        ])
        mine = self.result_of(replies[0])["handle"]
        listed = self.result_of(replies[1])["sockets"]
        handles = [s["handle"] for s in listed]
        self.assertNotIn(h, handles)
        self.assertIn(mine, handles)
        for s in listed:
            self.assertEqual(owner_uid(s["owner"]), self.NOBODY, s)
        # root sees both
        all_handles = [s["handle"] for s in self.c.call("socket.list")["sockets"]]
        self.assertIn(h, all_handles)
        self.assertIn(mine, all_handles)
        self.c.call("socket.close", {"handle": h})
        self.c.call("socket.close", {"handle": mine})

    def test_root_can_use_nobodys_handle(self):
        replies = self.as_nobody([["socket.create", {"family": "inet", "type": "stream"}]])
        n = self.result_of(replies[0])["handle"]
        info = self.c.call("socket.info", {"handle": n})
        self.assertEqual(owner_uid(info["owner"]), self.NOBODY)
        self.assertIn(n, [s["handle"] for s in self.c.call("socket.list")["sockets"]])
        bound = self.c.call("socket.bind", {"handle": n, "address": "127.0.0.1:0"})["address"]
        self.assertGreater(bound["port"], 0)
        # still nobody's, and nobody sees what root did
        replies = self.as_nobody([["socket.info", {"handle": n}], ["socket.close", {"handle": n}]])
        info = self.result_of(replies[0])
        self.assertEqual(info["state"], "bound")
        self.assertEqual(info["local"]["port"], bound["port"])
        self.assertEqual(owner_uid(info["owner"]), self.NOBODY)
        self.assertEqual(self.result_of(replies[1]), {})
        self.assertError(self.c.error("socket.info", {"handle": n}), 1010)

    def test_root_closes_nobodys_handle(self):
        replies = self.as_nobody([["socket.create", {"family": "inet", "type": "stream"}]])
        n = self.result_of(replies[0])["handle"]
        self.assertEqual(self.c.call("socket.close", {"handle": n}), {})
        replies = self.as_nobody([["socket.info", {"handle": n}]])
        self.error_of(replies[0], 1010)

    def test_nobodys_own_handle_works(self):
        replies = self.as_nobody([["socket.create", {"family": "inet", "type": "stream"}]])
        n = self.result_of(replies[0])["handle"]
        # later, on another connection: daemon scope keeps it for nobody
        replies = self.as_nobody([
            ["socket.bind", {"handle": n, "address": "127.0.0.1:0"}],
            ["socket.listen", {"handle": n}],
            ["socket.info", {"handle": n}],
            ["socket.close", {"handle": n}],
            ["socket.info", {"handle": n}],
        ])
        port = self.result_of(replies[0])["address"]["port"]
        self.assertGreater(port, 0)
        self.assertEqual(self.result_of(replies[1]), {})
        info = self.result_of(replies[2])
        self.assertEqual(info["state"], "listening")
        self.assertEqual(owner_uid(info["owner"]), self.NOBODY)
        self.assertEqual(self.result_of(replies[3]), {})
        self.error_of(replies[4], 1010)

    def test_nobody_pair_data_flow(self):
        # nobody connects its own socket to root's listener; data flows and the
        # accepted handle is root's (the caller of accept).
        lst, addr = self.listener()
        replies = self.as_nobody([
            ["socket.create", {"family": "inet", "type": "stream"}],
        ])
        n = self.result_of(replies[0])["handle"]
        replies = self.as_nobody([
            ["socket.connect", {"handle": n, "address": addr, "timeout": 5000}],
            ["socket.send", {"handle": n, "text": "from nobody"}],
        ])
        self.result_of(replies[0])
        self.assertEqual(self.result_of(replies[1])["bytes"], 11)
        acc = self.c.call("socket.accept", {"handle": lst, "timeout": 5000})
        self.assertEqual(owner_uid(self.c.call("socket.info", {"handle": acc["handle"]})["owner"]), 0)
        got = self.c.call("socket.receive", {"handle": acc["handle"], "length": 100, "timeout": 5000})
        self.assertEqual(harness.unb64(got["data"]), b"from nobody")
        # nobody cannot read root's accepted end
        replies = self.as_nobody([["socket.receive", {"handle": acc["handle"], "length": 1, "timeout": 0}]])
        self.error_of(replies[0], 1010)
        for h in (acc["handle"], lst, n):
            self.c.call("socket.close", {"handle": h})


if __name__ == "__main__":
    harness.main()
