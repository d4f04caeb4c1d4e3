#!/bin/bash
# The daemon's modules depend one way (docs/ARCHITECTURE.md):
#
#   top (daemon/*.c) > http > compare > run, coverage, symbols, prune, ci > guest > store
#   > job, tout > base
#
# 1. A file includes daemon headers only by module path ("store/store.h")
#    and only of its own module or of one below it (modules side by side,
#    run, coverage and symbols, job and tout, do not include each other).
# 2. No two .c files call each other: in the built objects, no file uses a
#    symbol of a file that uses one of its own (daemon and client).
# Usage: tests/layers.sh BUILD_DIR (meson passes it).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: layers.sh BUILD_DIR}
exec python3 - "$src" "$build" <<'PY'
import glob, os, re, subprocess, sys

src, build = sys.argv[1], sys.argv[2]
rank = {"base": 0, "tout": 1, "job": 1, "store": 2, "guest": 3, "coverage": 4,
        "symbols": 4, "run": 4, "prune": 4, "ci": 4, "compare": 5, "http": 6,
        "top": 7}
n = 0
bad = 0

def check(ok, what, why=""):
    global n, bad
    n += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, what))
    if not ok:
        bad += 1
        for line in why.splitlines():
            print("#   " + line)

# 1. includes
daemon = os.path.join(src, "daemon")
top_headers = {os.path.basename(p) for p in glob.glob(os.path.join(daemon, "*.h"))}
for path in sorted(glob.glob(os.path.join(daemon, "**", "*.[ch]"), recursive=True)):
    rel = os.path.relpath(path, daemon)
    mod = rel.split("/")[0] if "/" in rel else "top"
    problems = []
    for inc in re.findall(r'#include "([^"]+)"', open(path).read()):
        if "/" in inc:
            to = inc.split("/")[0]
            if to not in rank:
                problems.append("%s: no such module" % inc)
            elif to != mod and rank[to] >= rank[mod]:
                problems.append("%s: %s may not include %s" % (inc, mod, to))
        elif inc in top_headers and mod != "top":
            problems.append("%s: the top's header, from %s" % (inc, mod))
    check(not problems, "daemon/%s includes only its own module and those below" % rel,
          "\n".join(problems))

# 2. no two object files that call each other
def objects(pattern):
    return sorted(glob.glob(os.path.join(build, pattern)))

def graph(objs):
    defs, uses = {}, {}
    for o in objs:
        out = subprocess.run(["nm", o], capture_output=True, text=True).stdout
        name = os.path.basename(o)
        d, u = set(), set()
        for line in out.splitlines():
            f = line.split()
            # Functions only: a table of entries that names each
            # command's struct (tmux's cmd_table) is a list, not a call.
            if len(f) == 3 and f[1] == "T":
                d.add(f[2])
            elif len(f) == 2 and f[0] == "U":
                u.add(f[1])
        defs[name], uses[name] = d, u
    owner = {s: o for o, ds in defs.items() for s in ds}
    edges = {o: {owner[s] for s in uses[o] if s in owner and owner[s] != o} for o in defs}
    return edges

edges = graph(objects("daemon/libpkvmdcore.a.p/*.o") + objects("pkvmd.p/*.o"))
pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
check(not pairs, "no two daemon .c files call each other",
      "\n".join("%s <-> %s" % p for p in pairs))
edges = graph(objects("client/pkvmctl.p/*.o"))
pairs = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
check(not pairs, "no two client .c files call each other",
      "\n".join("%s <-> %s" % p for p in pairs))
print("1..%d" % n)
sys.exit(1 if bad else 0)
PY
