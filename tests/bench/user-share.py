#!/usr/bin/env python3
"""user-share.py: can one unprivileged user's control connections lock root out?

What it measures
    One sock6d is started by root with its control socket at mode 0666 in a
    fresh directory of mode 0755, so that the user nobody can connect to it.
    A helper process running as nobody (setpriv --reuid=nobody
    --regid=nogroup --clear-groups), with RLIMIT_NOFILE raised as far as its
    hard limit allows, opens as many control connections as it can, up to
    --connections (default 1100), and checks each with a daemon.ping: a pong
    means the daemon holds the connection for nobody; an error reply (such
    as 1012, limit) or a close means it was refused. While nobody keeps every
    connection it got, root connects and calls daemon.ping. Then nobody lets
    go and root tries once more.

How to read the output
    One row per attempt: who connected, how many connections were attempted,
    how many the daemon kept, how many it refused, and what the refusals or
    replies said. The line that matters is root's while nobody holds its
    connections: a daemon that keeps per-user shares and a reserve for root
    answers it with a pong; a daemon with only a global connection limit lets
    nobody take every slot and answers root with an error (or not at all).
    "root, after" shows whether the daemon recovers once nobody is gone.

    Nothing is asserted: the script exits 0 when the figures were taken, 1
    when they could not be (not root, no setpriv, the daemon did not start).

Run (as root, from the top build directory or with SOCK6D set):
    python3 tests/bench/user-share.py
    SOCK6D=/path/to/sock6d python3 tests/bench/user-share.py --connections 1100 \\
        --daemon-args "--limit max_connections=1024"
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
import benchlib  # noqa: E402

# Runs as nobody, with its own interpreter (python3 -c), so that it needs no
# access to this file. argv: control socket path, connections to try.
# Prints one JSON line with what it got, then holds every connection it kept
# until its stdin is closed.
HELPER = r'''
import errno, json, resource, socket, sys

path, want = sys.argv[1], int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
target = hard if hard != resource.RLIM_INFINITY else max(soft, want + 64)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
except (ValueError, OSError):
    pass
nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]

PING = b'{"jsonrpc":"2.0","id":1,"method":"daemon.ping"}\n'
held, refusals, stopped = [], {}, None
first_refusal = None
attempted = 0
for i in range(want):
    attempted += 1
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError as e:
        stopped = "socket() failed: %s" % errno.errorcode.get(e.errno, e)
        break
    try:
        s.settimeout(10)
        s.connect(path)
        try:
            s.sendall(PING)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused and closed already: its error reply may still be readable
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except OSError as e:
        s.close()
        if e.errno in (errno.EMFILE, errno.ENFILE):
            stopped = "out of file descriptors (%s)" % errno.errorcode[e.errno]
            break
        key = "connect/ping failed: %s" % (errno.errorcode.get(e.errno) or type(e).__name__)
        refusals[key] = refusals.get(key, 0) + 1
        continue
    line = buf.split(b"\n", 1)[0]
    try:
        reply = json.loads(line) if line else None
    except ValueError:
        reply = {"error": {"code": None, "message": "unparsable reply %r" % line[:80]}}
    if isinstance(reply, dict) and (reply.get("result") or {}).get("pong") is True:
        held.append(s)
        continue
    s.close()
    if reply is None:
        key = "closed without a reply"
    elif isinstance(reply, dict) and "error" in reply:
        key = "%s %s" % (reply["error"].get("code"), reply["error"].get("message"))
    else:
        key = "unexpected reply %r" % line[:80]
    refusals[key] = refusals.get(key, 0) + 1
    if first_refusal is None:
        first_refusal = {"attempt": i + 1, "what": key}

print(json.dumps({"held": len(held), "attempted": attempted,
                  "refusals": refusals, "first_refusal": first_refusal,
                  "stopped": stopped, "nofile": nofile}), flush=True)
sys.stdin.read()
'''


def parse_args():
    p = argparse.ArgumentParser(
        description="as nobody, hold as many sock6d control connections as possible; "
                    "then see whether root still gets in (see the file's docstring)")
    p.add_argument("--connections", type=int, default=1100, metavar="N",
                   help="control connections nobody tries to open (default 1100)")
    p.add_argument("--user", default="nobody", help="the unprivileged user (default nobody)")
    p.add_argument("--group", default="nogroup", help="its group (default nogroup)")
    p.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="longest wait for the helper to open its connections (default 120)")
    p.add_argument("--daemon-args", default="", metavar="ARGS",
                   help='extra sock6d arguments, e.g. "--limit max_connections=1024"')
    a = p.parse_args()
    if a.connections < 1:
        p.error("--connections must be positive")
    return a


def setpriv_argv(a):
    return [shutil.which("setpriv"), f"--reuid={a.user}", f"--regid={a.group}",
            "--clear-groups"]


def helper_python(a):
    """An interpreter the unprivileged user can run (ours may live under /root)."""
    candidates = [sys.executable, "/usr/bin/python3", shutil.which("python3")]
    for py in dict.fromkeys(c for c in candidates if c):
        try:
            r = subprocess.run(setpriv_argv(a) + [py, "-c", "pass"], stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if r.returncode == 0:
            return py
    raise benchlib.BenchError(f"no python3 that {a.user} can run (tried "
                              f"{', '.join(c for c in candidates if c)})")


def root_ping(path):
    """What root gets for one daemon.ping: (kept?, description)."""
    t0 = time.perf_counter()
    try:
        with benchlib.Client(path, timeout=10) as c:
            reply = c.call("daemon.ping")
            if "error" in reply:
                e = reply["error"]
                return False, f"error {e.get('code')} {e.get('message')!r}"
            ms = (time.perf_counter() - t0) * 1000
            conns = c.result("daemon.stats").get("connections")
            return True, (f"pong after {ms:.1f} ms (daemon.stats: {conns} control "
                          "connections open)")
    except EOFError:
        return False, "connection closed without a reply"
    except OSError as e:
        return False, f"failed: {type(e).__name__}: {e}"


def main():
    a = parse_args()
    benchlib.install_signal_handlers()
    if os.geteuid() != 0:
        print("user-share: needs root (it starts a helper as another user)", file=sys.stderr)
        return 1
    if not shutil.which("setpriv"):
        print("user-share: needs setpriv (util-linux)", file=sys.stderr)
        return 1
    helper = None
    try:
        py = helper_python(a)
        with benchlib.Daemon(extra_args=benchlib.split_args(a.daemon_args),
                             socket_mode="0666", dir_mode=0o755) as d:
            print("sock6d per-user share: can one user's control connections lock root out?")
            print(f"  daemon:   {d.binary} {a.daemon_args}".rstrip())
            print("            control socket mode 0666 in a directory of mode 0755")
            print(f"  machine:  {benchlib.machine_line()}")
            print(flush=True)

            helper = subprocess.Popen(
                setpriv_argv(a) + [py, "-c", HELPER, d.path, str(a.connections)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            got = benchlib.read_json_line(helper, a.timeout)
            d.check_alive()
            root_in, root_what = root_ping(d.path)

            helper.stdin.close()
            helper.wait(30)
            # Wait (polling) until the daemon has seen nobody's connections go.
            deadline = time.monotonic() + 10
            while True:
                after_in, after_what = root_ping(d.path)
                if after_in or time.monotonic() >= deadline:
                    break
                time.sleep(0.05)
            d.check_alive()

        refused = sum(got["refusals"].values())
        first = got["first_refusal"]
        what = "; ".join(f"{n} x {k}" for k, n in got["refusals"].items()) or "-"
        print(f"{'who':<24} {'attempted':>9} {'held':>6} {'refused':>8}  what it got")
        print(f"{a.user:<24} {got['attempted']:>9} {got['held']:>6} {refused:>8}  {what}")
        print(f"{'root, ' + a.user + ' holding':<24} {1:>9} {int(root_in):>6} "
              f"{1 - int(root_in):>8}  {root_what}")
        print(f"{'root, after':<24} {1:>9} {int(after_in):>6} {1 - int(after_in):>8}  "
              f"{after_what}")
        print()
        if first:
            print(f"{a.user}'s first refusal came at attempt {first['attempt']}: "
                  f"{first['what']}")
        print(f"{a.user}'s RLIMIT_NOFILE: {got['nofile']}" +
              (f"; it stopped early: {got['stopped']}" if got["stopped"] else ""))
        print(f"target:   root answered while {a.user} holds all it can -- "
              f"{'met' if root_in else 'MISSED'}")
        return 0
    except benchlib.BenchError as e:
        print(f"user-share: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        if helper is not None and helper.poll() is None:
            helper.kill()
            helper.wait()


if __name__ == "__main__":
    sys.exit(main())
