"""test_unit_security.py: the sandbox of systemd/sock6d.service as
`systemd-analyze security` scores it, and the units as `systemd-analyze
verify` reads them.  No daemon runs.

- The overall exposure of the built unit (systemd/sock6d.service, made from
  sock6d.service.in by the build; $SOCK6D_SERVICE_UNIT names it) is at most
  MAX_EXPOSURE.
- Every check the unit leaves exposed (a badness above 0: an exposure in the
  table, "✗") is explained in the unit by a comment line

      # Not set: NAME - reason
      # Weakened: NAME - reason

  where NAME is the check's name as the table prints it (a trailing "=" may
  be left out) and the reason may go on over the next comment lines,
  indented by two spaces or more.  The other way round, every such comment
  names a check that is exposed: an explanation does not outlive its cause.
- `systemd-analyze verify` has nothing to say about the service and
  sock6d.socket ($SOCK6D_SOCKET_UNIT).  The service's ExecStart is pointed
  at the built daemon ($SOCK6D) first, since verify wants the program to
  exist and the installed one need not.
- The group of the socket unit's SocketGroup= is the one the sysusers.d file
  makes.

Without systemd-analyze every test is skipped and the run exits 77
(automake's SKIP); without --offline (systemd before 250) the security tests
are skipped.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
UNITDIR = os.path.join(HERE, os.pardir, os.pardir, "systemd")
SERVICE = os.environ.get("SOCK6D_SERVICE_UNIT") or os.path.join(UNITDIR, "sock6d.service")
SOCKET = os.environ.get("SOCK6D_SOCKET_UNIT") or os.path.join(UNITDIR, "sock6d.socket")
SYSUSERS = os.path.join(os.path.dirname(SOCKET), "sock6d.sysusers.conf")
ANALYZE = shutil.which("systemd-analyze")

# What the daemon's work leaves exposed, in systemd 252's weights: running
# as root (2000), the host's network (2500), /tmp (1000) and the homes
# (1000) writable for users' socket files, real uids (PrivateUsers, 1000),
# no IP allow list (1000), CAP_SETUID/CAP_SETGID (1500),
# CAP_NET_BIND_SERVICE/CAP_NET_RAW (500), AF_INET/AF_INET6 (1500),
# AF_NETLINK (200), AF_UNIX (25), the host's root (200), setresuid and
# friends allowed from @privileged (630) and the RTC read access that
# ProtectClock=yes adds to the device list (500): 13555 of 56160, 24.1%,
# which systemd-analyze shows as 2.5.  CAP_NET_ADMIN (1000 more: 2.6) is
# the administrator's to add, in a drop-in, only when the policy grants the
# options that need it (so-mark, ip-transparent, so-priority above 6).
MAX_EXPOSURE = 2.5

MARKER = re.compile(r"^#\s*(Not set|Weakened):\s*(\S+)\s+-(?:\s+(.*))?$")
CONTINUATION = re.compile(r"^#\s{2,}(\S.*)$")


def run(*args):
    env = dict(os.environ, SYSTEMD_COLORS="0", SYSTEMD_PAGER="", SYSTEMD_URLIFY="0")
    return subprocess.run([ANALYZE] + list(args), capture_output=True, text=True,
                          env=env, timeout=120)


def norm(name):
    """A check's name without its trailing "=" (ProtectHome= and ProtectHome
    name the same check)."""
    return name.rstrip("=")


def unit_markers(path):
    """{name: reason} of the unit's "# Not set:" and "# Weakened:" comments."""
    markers = {}
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        m = MARKER.match(lines[i])
        i += 1
        if not m:
            continue
        reason = [m.group(3) or ""]
        while i < len(lines):
            c = CONTINUATION.match(lines[i])
            if not c or MARKER.match(lines[i]):
                break
            reason.append(c.group(1))
            i += 1
        markers[norm(m.group(2))] = " ".join(r for r in reason if r).strip()
    return markers


def exposed_checks(path):
    """{name: exposure} of every check of the unit, None for the satisfied
    ones, from --json=short when this systemd-analyze has it, else from the
    table (the exposure is the last column, empty unless the check is
    exposed)."""
    r = run("security", "--offline=yes", "--no-pager", "--json=short", path)
    if r.returncode == 0:
        try:
            rows = json.loads(r.stdout)
            return {row["name"]: (None if row.get("exposure") in (None, "")
                                  else float(row["exposure"])) for row in rows}
        except (ValueError, KeyError, TypeError):
            pass
    r = run("security", "--offline=yes", "--no-pager", path)
    checks = {}
    for line in r.stdout.splitlines()[1:]:
        if not line.strip() or line.lstrip().startswith("→") or "Overall exposure" in line:
            continue
        fields = line[1:].split()
        if not fields:
            continue
        m = re.search(r"\s(\d+\.\d+)\s*$", line)
        checks[fields[0]] = float(m.group(1)) if m else None
    return checks


def offline_supported():
    r = run("security", "--help")
    return "--offline" in r.stdout


@unittest.skipIf(ANALYZE is None, "systemd-analyze is not installed")
class UnitFilesTest(unittest.TestCase):

    def setUp(self):
        for path in (SERVICE, SOCKET):
            self.assertTrue(os.path.exists(path),
                            "%s is missing (the service unit is made by `make` in systemd/)" % path)


class SecurityTest(UnitFilesTest):

    def setUp(self):
        super().setUp()
        if not offline_supported():
            self.skipTest("this systemd-analyze has no --offline (systemd 250 and later)")

    def test_overall_exposure(self):
        r = run("security", "--offline=yes", "--no-pager", SERVICE)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout)
        self.assertIsNotNone(m, "no overall exposure in:\n" + r.stdout)
        self.assertLessEqual(float(m.group(1)), MAX_EXPOSURE, r.stdout)
        self.assertNotIn("sock6d", r.stderr, "the unit does not load cleanly")

    def test_every_exposed_check_is_explained(self):
        checks = exposed_checks(SERVICE)
        self.assertGreater(len(checks), 50, "could not read the checks: %r" % checks)
        markers = unit_markers(SERVICE)
        for name, exposure in sorted(checks.items()):
            if exposure is None:
                continue
            with self.subTest(check=name):
                self.assertTrue(norm(name) in markers,
                                "%s (exposure %.1f) is exposed and the unit says nothing of it: "
                                "add a line \"# Not set: %s - reason\" or \"# Weakened: ...\""
                                % (name, exposure, norm(name)))
                self.assertTrue(markers[norm(name)], "%s: the explanation is empty" % name)

    def test_every_explanation_is_current(self):
        checks = {norm(name): exposure for name, exposure in exposed_checks(SERVICE).items()}
        markers = unit_markers(SERVICE)
        self.assertTrue(markers, "the unit has no \"# Not set:\" comment at all")
        for name in sorted(markers):
            if name not in checks:
                continue        # a check this systemd-analyze does not have
            with self.subTest(marker=name):
                self.assertIsNotNone(checks[name],
                                     "the unit explains why %s is exposed, but it is not" % name)


class VerifyTest(UnitFilesTest):

    def test_units_verify_cleanly(self):
        tmp = tempfile.mkdtemp(prefix="sock6d-units-")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        with open(SERVICE, encoding="utf-8") as f:
            text = f.read()
        daemon = os.environ.get("SOCK6D")
        if daemon and os.path.isabs(daemon) and os.access(daemon, os.X_OK):
            text = re.sub(r"(?m)^(ExecStart=[-@:+!]*)\S+", lambda m: m.group(1) + daemon, text)
        service = os.path.join(tmp, "sock6d.service")
        with open(service, "w", encoding="utf-8") as f:
            f.write(text)
        socket_unit = os.path.join(tmp, "sock6d.socket")
        shutil.copyfile(SOCKET, socket_unit)
        args = ["verify", "--man=no", "--recursive-errors=no", service, socket_unit]
        r = run(*args)
        if r.returncode != 0 and "recursive-errors" in r.stderr:
            args.remove("--recursive-errors=no")    # systemd before 250
            r = run(*args)
        said = [line for line in (r.stdout + r.stderr).splitlines() if "sock6d" in line]
        self.assertEqual(said, [])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class SysusersTest(unittest.TestCase):

    def test_socket_group_is_made_by_sysusers(self):
        with open(SOCKET, encoding="utf-8") as f:
            groups = re.findall(r"(?m)^SocketGroup=(\S+)\s*$", f.read())
        self.assertEqual(len(groups), 1, "SocketGroup= in %s" % SOCKET)
        with open(SYSUSERS, encoding="utf-8") as f:
            made = [line.split()[1] for line in f
                    if line.split() and line.split()[0] == "g"]
        self.assertIn(groups[0], made, "%s makes no group %s" % (SYSUSERS, groups[0]))


if __name__ == "__main__":
    program = unittest.main(verbosity=2, exit=False)
    if not program.result.wasSuccessful():
        sys.exit(1)
    sys.exit(77 if ANALYZE is None else 0)
