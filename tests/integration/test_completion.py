"""test_completion.py: sock6ctl's shell completion as the shells load it,
generated from the OpenRPC document (client/completion/gencompletion.py;
the built files beside $SOCK6CTL, in client/completion/).

zsh: an interactive zsh on a pseudo-terminal, with compinit and the built
directory in $fpath, autoloads _sock6ctl by its #compdef line; a
zle-line-init widget puts the command line in the buffer, runs
complete-word, and records every match offered (compadd wrapped) and the
buffer after completion.  bash: the script sourced, the function taken from
`complete -p sock6ctl`, called with COMP_WORDS split as readline splits
them (at '=').  Both complete methods, verbs, options, a file after
--socket and for batch, params as name=, enum values (the ones
rpc.discover gives, for an array after its last comma); what the generator
knows of sock6ctl's verbs and options is checked against `sock6ctl --help`.

zsh missing: its tests skip, saying so (Debian: apt-get install zsh).
"""

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "client", "completion")))
import gencompletion  # noqa: E402

COMPDIR = os.path.join(os.path.dirname(os.path.abspath(harness.SOCK6CTL)), "completion")
ZSH_TIMEOUT = 30.0

# Loaded by `zsh -d -i` (no global rc files) from $ZDOTDIR, one per class:
# the first run writes compinit's dump there, the others load it.
ZSHRC = r"""
fpath=("$T_COMPDIR" $fpath)
autoload -Uz compinit && compinit -u -d "$ZDOTDIR/.zcompdump"
compadd() {
	local -a hits
	builtin compadd -O hits "$@"
	(( $#hits )) && print -rl -- "${(@)hits/#/MATCH:}" >> "$T_OUT"
	builtin compadd "$@"
}
_t_complete() {
	BUFFER=$T_LINE
	CURSOR=${#BUFFER}
	zle complete-word
	print -r -- "BUFFER:$BUFFER" >> "$T_OUT"
	exit
}
zle -N zle-line-init _t_complete
"""


class CompletionCase(harness.DaemonTest):

    def setUp(self):
        super().setUp()
        self.script = os.path.join(COMPDIR, self.SCRIPT)
        if not os.path.exists(self.script):
            self.skipTest("no generated completion %s (built beside $SOCK6CTL)" % self.script)
        # a directory with files to complete
        self.files = os.path.join(self.tmp, "files")
        os.mkdir(self.files)
        for name in ("ctl.sock", "lines.txt"):
            open(os.path.join(self.files, name), "w").close()

    def discover(self):
        return {m["name"]: m for m in self.c.call("rpc.discover")["methods"]}

    def enum_of(self, method, param):
        for p in self.discover()[method]["params"]:
            if p["name"] == param:
                return gencompletion.enum_values(p["schema"])
        self.fail("%s has no param %s" % (method, param))


class ZshTest(CompletionCase):
    SCRIPT = "_sock6ctl"

    @classmethod
    def setUpClass(cls):
        cls.zsh = shutil.which("zsh")
        if cls.zsh is None:
            raise unittest.SkipTest("zsh is not installed (Debian: apt-get install zsh)")
        super().setUpClass()
        cls.zdot = tempfile.mkdtemp(prefix="sock6d-zdot-")
        with open(os.path.join(cls.zdot, ".zshrc"), "w") as f:
            f.write(ZSHRC)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.zdot, ignore_errors=True)
        super().tearDownClass()

    def complete(self, line):
        """(matches offered, buffer after complete-word) for the command line."""
        out = os.path.join(self.tmp, "zsh.out")
        open(out, "w").close()
        env = dict(os.environ, ZDOTDIR=self.zdot, HOME=self.zdot, TERM="dumb",
                   T_COMPDIR=COMPDIR, T_OUT=out, T_LINE=line)
        master, slave = os.openpty()
        try:
            p = subprocess.Popen([self.zsh, "-d", "-i"], stdin=slave, stdout=slave,
                                 stderr=slave, env=env, start_new_session=True)
        finally:
            os.close(slave)
        screen = b""
        deadline = time.monotonic() + ZSH_TIMEOUT
        try:
            # Drain the terminal until zsh exits (its widget ends with exit).
            while p.poll() is None and time.monotonic() < deadline:
                if select.select([master], [], [], 0.2)[0]:
                    try:
                        screen += os.read(master, 65536)
                    except OSError:  # EIO: the last holder of the slave is gone
                        break
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            self.fail("zsh did not finish completing %r in %.0f s; terminal:\n%r"
                      % (line, ZSH_TIMEOUT, screen[-2000:]))
        finally:
            os.close(master)
        with open(out) as f:
            lines = f.read().splitlines()
        buffers = [x[len("BUFFER:"):] for x in lines if x.startswith("BUFFER:")]
        self.assertEqual(len(buffers), 1, "zsh output %r, terminal:\n%r" % (lines, screen[-2000:]))
        return sorted({x[len("MATCH:"):] for x in lines if x.startswith("MATCH:")}), buffers[0]

    def test_methods(self):
        matches, buf = self.complete("sock6ctl socket.cr")
        self.assertEqual(matches, ["socket.create", "socket.credit"])
        self.assertEqual(buf, "sock6ctl socket.cre")
        matches, buf = self.complete("sock6ctl socket.crea")
        self.assertEqual(buf, "sock6ctl socket.create ")
        # after an option and its argument, and after help
        self.assertEqual(self.complete("sock6ctl -s /x --timeout 5 socket.cr")[0],
                         ["socket.create", "socket.credit"])
        self.assertEqual(self.complete("sock6ctl help socket.shut")[1],
                         "sock6ctl help socket.shutdown ")

    def test_all_methods_and_verbs(self):
        matches, _ = self.complete("sock6ctl ")
        self.assertEqual(matches, sorted(set(self.discover()) | set(gencompletion.VERBS)))

    def test_params(self):
        matches, buf = self.complete("sock6ctl socket.create fam")
        self.assertEqual(matches, ["family="])
        self.assertEqual(buf, "sock6ctl socket.create family=")  # no space: the value follows
        matches, _ = self.complete("sock6ctl socket.create family=inet ")
        self.assertEqual(matches, sorted(p["name"] + "=" for p in
                                         self.discover()["socket.create"]["params"]))

    def test_enum_values(self):
        matches, buf = self.complete("sock6ctl socket.create family=")
        self.assertTrue({"inet", "inet6", "unix"} <= set(matches), matches)
        self.assertEqual(matches, sorted(self.enum_of("socket.create", "family")))
        self.assertEqual(buf, "sock6ctl socket.create family=")
        self.assertEqual(self.complete("sock6ctl socket.create type=dg")[1],
                         "sock6ctl socket.create type=dgram ")
        # an array's items, after the last comma
        self.assertEqual(self.complete("sock6ctl socket.receive flags=peek,o")[1],
                         "sock6ctl socket.receive flags=peek,oob ")
        # a param with no enum offers nothing
        self.assertEqual(self.complete("sock6ctl socket.info handle=")[0], [])

    def test_options_and_files(self):
        self.assertEqual(self.complete("sock6ctl --so")[1], "sock6ctl --socket ")
        self.assertEqual(self.complete("sock6ctl -s %s/ct" % self.files)[1],
                         "sock6ctl -s %s/ctl.sock " % self.files)
        self.assertEqual(self.complete("sock6ctl --socket=%s/ct" % self.files)[1],
                         "sock6ctl --socket=%s/ctl.sock " % self.files)
        self.assertEqual(self.complete("sock6ctl --timeout ")[0], [])
        self.assertEqual(self.complete("sock6ctl batch %s/li" % self.files)[1],
                         "sock6ctl batch %s/lines.txt " % self.files)
        self.assertEqual(self.complete("sock6ctl batch --k")[1], "sock6ctl batch --keep-going ")
        self.assertEqual(self.complete("sock6ctl list --")[0], ["--json", "--table"])
        self.assertEqual(self.complete("sock6ctl follow 3 --r")[1], "sock6ctl follow 3 --raw ")


class BashTest(CompletionCase):
    SCRIPT = "sock6ctl.bash"

    def complete(self, line):
        """COMPREPLY for the command line, split at blanks and at '=' as
        readline splits it (COMP_WORDBREAKS), completing its last word."""
        words = []
        for w in line.split(" "):
            words += [x for x in re.split(r"(=)", w) if x != ""] or [""]
        p = subprocess.run(
            ["bash", "--norc", "--noprofile", "-c",
             'source "$1" || exit 9; shift\n'
             'spec=$(complete -p sock6ctl) || exit 8\n'
             'echo "SPEC:$spec"\n'
             'fn=${spec#*-F }; fn=${fn%% *}\n'
             'COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n'
             'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}\n'
             '"$fn"\n'
             'printf "REPLY:%s\\n" "${COMPREPLY[@]}"\n',
             "bash", self.script] + words,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode().splitlines()
        self.assertIn("SPEC:complete -F _sock6ctl sock6ctl", out)
        return sorted(x[len("REPLY:"):] for x in out if x.startswith("REPLY:") and x != "REPLY:")

    def test_methods_params_enums(self):
        self.assertEqual(self.complete("sock6ctl socket.cr"), ["socket.create", "socket.credit"])
        self.assertEqual(self.complete("sock6ctl -s /x -t 5 socket.crea"), ["socket.create"])
        self.assertEqual(sorted(set(self.complete("sock6ctl ")) - set(gencompletion.VERBS)),
                         sorted(self.discover()))
        self.assertEqual(self.complete("sock6ctl socket.create fam"), ["family="])
        # family=<TAB>: readline's words end in '=', the values come alone
        values = self.complete("sock6ctl socket.create family=")
        self.assertTrue({"inet", "inet6", "unix"} <= set(values), values)
        self.assertEqual(values, sorted(self.enum_of("socket.create", "family")))
        self.assertEqual(self.complete("sock6ctl socket.create family=in"),
                         ["inet", "inet6"])
        self.assertEqual(self.complete("sock6ctl socket.receive flags=peek,o"), ["peek,oob"])
        self.assertEqual(self.complete("sock6ctl socket.info handle="), [])

    def test_options_and_files(self):
        self.assertEqual(self.complete("sock6ctl --so"), ["--socket"])
        self.assertEqual(self.complete("sock6ctl -s %s/ct" % self.files),
                         ["%s/ctl.sock" % self.files])
        self.assertEqual(self.complete("sock6ctl --socket=%s/ct" % self.files),
                         ["%s/ctl.sock" % self.files])
        self.assertEqual(self.complete("sock6ctl -t 5 --socket="), sorted(os.listdir(self.tmp)))
        self.assertEqual(self.complete("sock6ctl --timeout=1"), [])
        self.assertEqual(self.complete("sock6ctl batch %s/li" % self.files),
                         ["%s/lines.txt" % self.files])
        self.assertEqual(self.complete("sock6ctl batch --"), ["--keep-going"])
        self.assertEqual(self.complete("sock6ctl list --"), ["--json", "--table"])
        self.assertEqual(self.complete("sock6ctl attach 3 --"), ["--len4"])
        self.assertEqual(self.complete("sock6ctl shell "), [])


class GeneratorTest(harness.DaemonTest):
    """What gencompletion.py knows of sock6ctl itself matches its --help."""

    def test_verbs_and_options_match_help(self):
        p = subprocess.run([harness.SOCK6CTL, "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=30)
        self.assertEqual(p.returncode, 0)
        text = p.stdout.decode()
        verbs = {}
        for m in re.finditer(r"sock6ctl (?:\[options\]|\[--socket PATH\] \[--timeout MS\]) "
                             r"([a-z]+)(.*)", text):
            verbs[m.group(1)] = sorted(set(re.findall(r"--[a-z0-9-]+", m.group(2))) - {"--"})
        self.assertEqual(sorted(verbs), sorted(gencompletion.VERBS))
        for verb, options in verbs.items():
            self.assertEqual(options, sorted(gencompletion.VERB_OPTIONS.get(verb, [])), verb)
        section = text.split("\nOptions:\n", 1)[1].split("\n\n", 1)[0]
        self.assertEqual(sorted(re.findall(r"^  -\w, (--[a-z-]+)", section, re.M)),
                         sorted(gencompletion.OPTIONS))


if __name__ == "__main__":
    harness.main()
