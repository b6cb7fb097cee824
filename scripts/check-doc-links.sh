#!/usr/bin/env bash
# Checks the relative links of README.md and docs/**/*.md: every target
# exists inside the repository, and every #anchor names a heading of its
# target (GitHub's slugs). Web links are not fetched. Exit 1 on any problem.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - README.md $(find docs -name '*.md' | sort) <<'EOF'
import os, re, sys

root = os.path.realpath(".")
link = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")

def slugs(path):
    out, fenced = set(), False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fenced = not fenced
        m = None if fenced else re.match(r"#+\s+(.*)", line)
        if m:
            s = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower())
            out.add(s.replace(" ", "-"))
    return out

bad = 0
for md in sys.argv[1:]:
    text = open(md, encoding="utf-8").read()
    for target in link.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        full = os.path.realpath(os.path.join(os.path.dirname(md), path)) if path else os.path.realpath(md)
        if not (full == root or full.startswith(root + os.sep)):
            print(f"{md}: {target}: outside the repository"); bad += 1
        elif not os.path.exists(full):
            print(f"{md}: {target}: no such file"); bad += 1
        elif anchor and full.endswith(".md") and anchor not in slugs(full):
            print(f"{md}: {target}: no such heading"); bad += 1
print(f"{bad} broken link(s)" if bad else "all links resolve")
sys.exit(1 if bad else 0)
EOF
