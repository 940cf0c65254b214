"""test_node_client.py: the Node client's own tests (client/node/test/) run
with `node --test` against the real daemon ($SOCK6D).

$SOCK6D_NODE names the node binary (default: `node`, then `nodejs`, from
PATH), so that the tests can be run with each supported Node (18 and
later).  Skipped (exit 77) when node is missing or older than 18.  The Node
tests start their own daemons on temporary control sockets.
"""

import glob
import os
import re
import shutil
import subprocess
import sys

SKIP = 77
HERE = os.path.dirname(os.path.abspath(__file__))
NODE_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "client", "node"))


def main():
    asked = os.environ.get("SOCK6D_NODE")
    if asked:
        node = shutil.which(asked)
        if node is None:
            print("SOCK6D_NODE=%s: no such program" % asked)
            return 1
    else:
        node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        print("SKIP: no node (set SOCK6D_NODE or put node in PATH)")
        return SKIP
    out = subprocess.run([node, "--version"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, check=False).stdout.decode(errors="replace")
    m = re.match(r"v(\d+)\.", out.strip())
    if m is None or int(m.group(1)) < 18:
        print("SKIP: node older than 18 (%s)" % out.strip())
        return SKIP
    print("node %s: %s" % (out.strip(), node), flush=True)
    tests = sorted(glob.glob(os.path.join(NODE_DIR, "test", "*.test.js")))
    if not tests:
        print("no Node tests under %s" % NODE_DIR)
        return 1
    try:
        r = subprocess.run([node, "--test"] + tests, cwd=NODE_DIR, timeout=300, check=False)
    except subprocess.TimeoutExpired:
        print("node --test did not finish in 300 s")
        return 1
    return r.returncode


if __name__ == "__main__":
    sys.exit(main())
