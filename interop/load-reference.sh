#!/usr/bin/env bash
# Runs the load generator against the reference automerge-repo server: starts
# reference-server.mjs on a free loopback port with a fresh data folder, runs
# `alongside-load` with the server's pid (so its memory is reported), stops
# the server. Arguments go to alongside-load, e.g.
#
#   bash interop/load-reference.sh --devices 200 --docs 20 --edits 10 --json
#
# Needs `npm ci --prefix interop` once. Exit status is alongside-load's.
# SURVIVE_UNHANDLED=1 keeps the server up through automerge-repo's unhandled
# rejections (see reference-server.mjs); the first few are shown on stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

log="$(mktemp)"
node "$here/reference-server.mjs" 0 >"$log" 2>&1 &
server=$!
stop() {
  if ! kill -0 "$server" 2>/dev/null; then
    echo "load-reference.sh: the reference server died during the run; its last words:" >&2
    tail -n 20 "$log" >&2
  else
    grep -m 5 "unhandled rejection" "$log" >&2 || true
  fi
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap stop EXIT

port=""
for _ in $(seq 1 100); do
  port="$(awk '/^listening /{print $2; exit}' "$log")"
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "reference server did not start" >&2; cat "$log" >&2; exit 1; }

cd "$root"
cargo build --quiet --release -p alongside-tests --bin alongside-load
bin="${CARGO_TARGET_DIR:-$root/target}/release/alongside-load"
"$bin" --url "ws://127.0.0.1:$port/sync" --server-pid "$server" "$@"
