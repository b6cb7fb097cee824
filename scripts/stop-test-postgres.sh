#!/usr/bin/env bash
# Stops the private PostgreSQL cluster the test harness (tests/src/pg.rs)
# shares between test processes and runs: <target dir>/alongside-test-pg,
# where the target dir is $CARGO_TARGET_DIR or the workspace's target/.
# Its data stays, so the next test run starts it again in a moment.
# Does nothing when it is not running. As root, pg_ctl runs as `postgres`.
set -euo pipefail

workspace=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-target}
case $target in
  /*) ;;
  *) target=$workspace/$target ;;
esac
data=$target/alongside-test-pg/data

if [ ! -f "$data/postmaster.pid" ]; then
  echo "test PostgreSQL not running ($data)"
  exit 0
fi

# The same pg_ctl the harness uses: on PATH, else the newest Debian-style one.
pg_ctl=$(command -v pg_ctl || true)
if [ -z "$pg_ctl" ]; then
  pg_ctl=$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$pg_ctl" ]; then
  echo "pg_ctl not found: cannot stop the test PostgreSQL in $data" >&2
  exit 1
fi

as_owner=()
if [ "$(id -u)" = 0 ]; then
  as_owner=(runuser -u postgres --)
fi

# pg_ctl status: 0 running, 3 not running (a stale pid file).
status=0
(cd / && "${as_owner[@]}" "$pg_ctl" status -D "$data" >/dev/null) || status=$?
if [ "$status" = 3 ]; then
  echo "test PostgreSQL not running ($data)"
  exit 0
fi
(cd / && "${as_owner[@]}" "$pg_ctl" stop -D "$data" -m fast -w -s)
echo "stopped test PostgreSQL ($data)"
