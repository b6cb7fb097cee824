#!/usr/bin/env python3
"""The server crate's top-level modules, the modules each imports (from
`crate::X` paths in code: comments and everything from a file's first
#[cfg(test)] on are left out), and the cycles among them.
Usage: python3 scripts/module-graph.py REV   (a commit, or WORK)."""
import re, sys, subprocess, collections
rev = sys.argv[1]  # a commit, or "WORK" for the working tree
def listing():
    if rev == "WORK":
        return subprocess.run(["git", "ls-files", "server/src"], capture_output=True, text=True).stdout.split()
    return subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "server/src"], capture_output=True, text=True).stdout.split()
def read(f):
    if rev == "WORK":
        return open(f).read()
    return subprocess.run(["git", "show", f"{rev}:{f}"], capture_output=True, text=True).stdout
files = listing()
edges = collections.defaultdict(set)
for f in files:
    if not f.endswith(".rs"): continue
    parts = f[len("server/src/"):].split("/")
    src = parts[0][:-3] if len(parts) == 1 else parts[0]
    if src in ("lib", "main"): continue
    text = read(f)
    # Code only: no comments, nothing from a file's first #[cfg(test)] on.
    text = text.split("#[cfg(test)]")[0]
    code = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("//"))
    for m in re.finditer(r"crate::(\w+)", code):
        dst = m.group(1)
        if dst != src: edges[src].add(dst)
    # super:: from a file directly in a top-level module dir stays inside it
# cycles: strongly connected components (Tarjan)
idx = {}; low = {}; stack = []; on = set(); sccs = []; n = [0]
def visit(v):
    idx[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in edges.get(v, ()):
        if w not in idx: visit(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(sorted(comp))
for v in sorted(set(edges) | {w for ws in edges.values() for w in ws}):
    if v not in idx: visit(v)
for src in sorted(edges):
    print(f"{src:12} -> {', '.join(sorted(edges[src]))}")
print("cycles:", sccs if sccs else "none")
