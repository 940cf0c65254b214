"""The policy file is read again off the event loop (daemon/reload.c).

Reading a policy resolves the user and group names it holds, and NSS may take
seconds over that (LDAP, sssd). Here an LD_PRELOAD shim (slownss.c, built by
make check: SLOWNSS_LIB) makes every such look-up take DELAY: the daemon must
go on serving every other client while daemon.reload waits for its read; a
reload asked while a read runs is answered by a read that started after it
(it sees the file as it was then); a caller that goes away, SIGHUP, and a stop
in the middle of a read leave the daemon whole."""

import os
import shutil
import signal
import socket
import tempfile
import time
import unittest

import harness

LIB = os.environ.get("SLOWNSS_LIB", "")
# Seconds each name look-up takes: long beside a ping, even a slowed one.
DELAY = 1.0 + 0.5 * harness.TIME_FACTOR

ONE = "[user nobody]\nraw = yes\n"
TWO = "[user nobody]\nraw = yes\n[group nogroup]\nexport = yes\n"


@unittest.skipUnless(os.path.exists(LIB), "the slow NSS shim was not built (SLOWNSS_LIB)")
class ReloadOffLoopTest(unittest.TestCase):

    def setUp(self):
        self.conf_dir = tempfile.mkdtemp(prefix="sock6d-reload-")
        self.conf = os.path.join(self.conf_dir, "sock6d.conf")
        self.write("# no names: the start is not slowed\n")
        self.trace = os.path.join(self.conf_dir, "lookups")
        env = {"LD_PRELOAD": LIB, "SLOWNSS_MS": str(int(DELAY * 1000)),
               "SLOWNSS_TRACE": self.trace}
        if "ASAN_OPTIONS" in os.environ:
            # The shim is preloaded ahead of the sanitizer's runtime.
            env["ASAN_OPTIONS"] = os.environ["ASAN_OPTIONS"] + ":verify_asan_link_order=0"
        self.daemon = harness.Daemon(["--config", self.conf], env=env)

    def tearDown(self):
        self.daemon.stop()
        shutil.rmtree(self.daemon.dir, ignore_errors=True)
        shutil.rmtree(self.conf_dir, ignore_errors=True)

    def write(self, text):
        tmp = self.conf + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.conf)

    def lookups(self):
        try:
            with open(self.trace) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def start_reload(self, c):
        """Send daemon.reload (id 1) and wait until its read is under way:
        the ping sent after it on the same connection is answered first,
        and the read has begun its first name look-up (the file is read)."""
        before = len(self.lookups())
        c.request("daemon.reload", id=1)
        c.request("daemon.ping", id=2)
        self.assertEqual(c.result(2), {"pong": True})
        harness.wait_until(lambda: len(self.lookups()) > before, DELAY,
                           "the read's first name look-up")

    def test_clients_are_served_while_the_file_is_read(self):
        self.write(ONE)
        with self.daemon.client(timeout=DELAY * 4) as a, self.daemon.client() as b:
            t0 = time.monotonic()
            self.start_reload(a)
            # Another client, and the asker itself, are answered at once.
            for _ in range(5):
                t = time.monotonic()
                self.assertEqual(b.call("daemon.ping"), {"pong": True})
                self.assertLess(time.monotonic() - t, DELAY / 4)
            self.assertEqual(b.call("socket.list")["sockets"], [])
            self.assertLess(time.monotonic() - t0, DELAY * 0.9)
            r = a.result(1)
            self.assertGreaterEqual(time.monotonic() - t0, DELAY * 0.9)
            self.assertEqual(r["sections"], 1)
            self.assertEqual(r["config"], self.conf)
        self.assertIn("policy %s: 1 user and group sections" % self.conf, self.daemon.read_log())

    def test_a_reload_asked_meanwhile_reads_the_file_again(self):
        self.write(ONE)
        with self.daemon.client(timeout=DELAY * 6) as a, \
                self.daemon.client(timeout=DELAY * 6) as b:
            t0 = time.monotonic()
            self.start_reload(a)
            self.write(TWO)  # after the first read took the file
            b.request("daemon.reload", id=7)
            self.assertEqual(a.result(1)["sections"], 1)
            r = b.result(7)
            self.assertEqual(self.lookups(), ["nobody", "nobody", "nogroup"])
            # Its read started after the first was over: three look-ups.
            self.assertGreaterEqual(time.monotonic() - t0, DELAY * 2.7)
            self.assertEqual(r["sections"], 2)

    def test_bad_file_keeps_the_policy_and_says_why(self):
        self.write(ONE)
        with self.daemon.client(timeout=DELAY * 4) as a:
            self.assertEqual(a.call("daemon.reload")["sections"], 1)
            self.write("[user no-such-user-here]\nraw = yes\n")
            err = a.error("daemon.reload")
            self.assertEqual(err["code"], 1000)
            self.assertIn("policy not reloaded, the old one stays in force", err["message"])
            self.assertIn("no-such-user-here", err["message"])
            self.assertEqual(a.call("daemon.stats")["handles"], 0)

    def test_an_asker_that_goes_away_and_sighup(self):
        self.write(ONE)
        a = self.daemon.client(timeout=DELAY * 4)
        self.start_reload(a)
        a.sock.shutdown(socket.SHUT_RDWR)
        a.close()
        # SIGHUP while nobody waits for the read; then one more from a client.
        self.daemon.proc.send_signal(signal.SIGHUP)
        with self.daemon.client(timeout=DELAY * 6) as b:
            self.assertEqual(b.call("daemon.reload")["sections"], 1)
            self.assertEqual(b.call("daemon.ping"), {"pong": True})
        self.assertTrue(self.daemon.alive())

    def test_stop_in_the_middle_of_a_read(self):
        self.write(ONE)
        with self.daemon.client(timeout=DELAY * 4) as a:
            self.start_reload(a)
            t = time.monotonic()
            code = self.daemon.stop()
            # The stop does not wait for the read's thread.
            self.assertLess(time.monotonic() - t, DELAY * 0.9)
        self.assertEqual(code, 0)


if __name__ == "__main__":
    unittest.main()
