"""test_packaging.py: the Python client as it is installed, run from the
installed copy (never the source tree) against a test daemon: `pip install
client/python` offline (--no-index; with build isolation and without, so
with nothing but pip: the build backend is client/python/backend,
standard library only), pip install of the sdist that backend builds, and
`make install DESTDIR=...` in the build tree's client/python.  A pip
install leaves the source tree as it was.

The pip tests skip only when pip is not installed for this Python (Debian:
python3-pip).  The make install test skips when $SOCK6D is not in a build
tree (no client/python/Makefile beside its daemon/ directory).
"""

import json
import os
import subprocess
import sys
import tempfile
import tomllib

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
PYDIR = os.path.normpath(os.path.join(HERE, "..", "..", "client", "python"))
# A pip that reads no configuration of the machine and never asks an index.
PIP_ENV = dict(os.environ, PIP_CONFIG_FILE=os.devnull, PIP_NO_INDEX="1",
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1",
               PIP_ROOT_USER_ACTION="ignore", PYTHONDONTWRITEBYTECODE="1")
# Run from the install: -I drops PYTHONPATH (the tests' own directory), the
# user's site and the current directory from sys.path.
PROBE = r"""
import importlib.metadata, json, sys
sys.path.insert(0, sys.argv[1])
import sock6d
with sock6d.Client(sys.argv[2], timeout=10) as c:
    pong = c.call("daemon.ping")
try:
    version = importlib.metadata.version("sock6d")
except importlib.metadata.PackageNotFoundError:
    version = None
print(json.dumps({"file": sock6d.__file__, "pong": pong, "version": version}))
"""


def tree(top):
    """Every path under top, with its size and mtime: what a build may not change."""
    out = {}
    for d, subdirs, files in os.walk(top):
        for n in subdirs + files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            out[os.path.relpath(p, top)] = (st.st_size, st.st_mtime_ns)
    return out


def project_version():
    with open(os.path.join(PYDIR, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["project"]["version"]


def package_modules(top):
    """The .py files of the sock6d package under top, relative to it."""
    pkg = os.path.join(top, "sock6d")
    return sorted(os.path.relpath(os.path.join(d, f), top)
                  for d, _, files in os.walk(pkg) for f in files if f.endswith(".py"))


class PackagingTest(harness.DaemonTest):

    def run_cmd(self, argv, **kw):
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=240, **kw)
        self.assertEqual(p.returncode, 0, "%s:\n%s" % (" ".join(argv),
                                                       p.stdout.decode(errors="replace")))
        return p.stdout.decode(errors="replace")

    pip_found = None

    def need_pip(self):
        cls = type(self)
        if cls.pip_found is None:
            cls.pip_found = subprocess.run(
                [sys.executable, "-m", "pip", "--version"], env=PIP_ENV, timeout=60,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        if not cls.pip_found:
            self.skipTest("pip is not installed for %s (Debian: apt-get install python3-pip)"
                          % sys.executable)

    def assertInstalledWorks(self, libdir):
        """The copy under libdir imports, is that copy, and pings the daemon."""
        out = self.run_cmd([sys.executable, "-I", "-c", PROBE, libdir, self.daemon.path],
                           cwd=self.tmp)
        got = json.loads(out.splitlines()[-1])
        self.assertEqual(os.path.dirname(os.path.dirname(got["file"])),
                         os.path.realpath(libdir))
        self.assertEqual(got["pong"], {"pong": True})
        return got

    def pip_install(self, what, *options):
        target = tempfile.mkdtemp(prefix="pip-target-", dir=self.tmp)
        self.run_cmd([sys.executable, "-m", "pip", "install", "--no-index",
                      "--target", target, *options, what], env=PIP_ENV, cwd=self.tmp)
        self.assertEqual(package_modules(target), package_modules(PYDIR))
        got = self.assertInstalledWorks(target)
        self.assertEqual(got["version"], project_version())
        return target

    def test_pip_install_offline(self):
        self.need_pip()
        before = tree(PYDIR)
        for options in ((), ("--no-build-isolation",)):
            with self.subTest(options=options):
                self.pip_install(PYDIR, *options)
        self.assertEqual(tree(PYDIR), before, "pip install changed the source tree")

    def test_pip_install_sdist(self):
        self.need_pip()
        out = self.run_cmd([sys.executable, "-I", "-c",
                            "import sys; sys.path.insert(0, sys.argv[1]);"
                            "import sock6d_build; print(sock6d_build.build_sdist(sys.argv[2]))",
                            os.path.join(PYDIR, "backend"), self.tmp], env=PIP_ENV)
        sdist = os.path.join(self.tmp, out.split()[-1])
        self.assertEqual(os.path.basename(sdist), "sock6d-%s.tar.gz" % project_version())
        self.pip_install(sdist)

    def test_make_install(self):
        builddir = os.path.dirname(os.path.dirname(os.path.abspath(harness.SOCK6D)))
        pybuild = os.path.join(builddir, "client", "python")
        if not os.path.exists(os.path.join(pybuild, "Makefile")):
            self.skipTest("no build tree beside %s" % harness.SOCK6D)
        dest = os.path.join(self.tmp, "dest")
        self.run_cmd(["make", "-s", "-C", pybuild, "install", "DESTDIR=" + dest])
        inits = [d for d, _, files in os.walk(dest)
                 if os.path.basename(d) == "sock6d" and "__init__.py" in files]
        self.assertEqual(len(inits), 1, "sock6d/__init__.py installed at %s" % inits)
        libdir = os.path.dirname(inits[0])
        self.assertEqual(package_modules(libdir), package_modules(PYDIR))
        self.assertInstalledWorks(libdir)


if __name__ == "__main__":
    harness.main()
