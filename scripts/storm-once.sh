#!/usr/bin/env bash
# One shift-change storm (200 devices x 20 records x 10 edits) against the
# alongside-server binary in BIN_DIR, on a fresh database of the Postgres at
# PGHOST:PGPORT (user postgres; the test cluster prints its port), with the
# alongside-load of this checkout's release build. EXTRA adds server flags.
# Run two builds alternately to compare them (docs/performance.md).
# Usage: PGPORT=33551 scripts/storm-once.sh BIN_DIR NAME
set -u
BIN=$1; NAME=$2
PG=${PG_BIN:-/usr/lib/postgresql/15/bin}
HOST=${PGHOST:-127.0.0.1}; PORT=${PGPORT:?set PGPORT}
DB=storm_${NAME}_$RANDOM
"$PG/createdb" -h "$HOST" -p "$PORT" -U postgres "$DB"
URL=postgres://postgres@$HOST:$PORT/$DB
"$BIN/alongside-server" serve --database-url "$URL" --bind 127.0.0.1:18090 ${EXTRA:-} > "/tmp/storm_$NAME.log" 2>&1 &
SRV=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18090/healthz >/dev/null && break; sleep 0.2; done
"$(dirname "$0")/../target/release/alongside-load" --url ws://127.0.0.1:18090/sync --database-url "$URL" \
  --devices 200 --docs 20 --edits 10 --server-pid "$SRV" 2>&1 | tail -12
kill -INT "$SRV"; wait "$SRV" 2>/dev/null
"$PG/dropdb" -h "$HOST" -p "$PORT" -U postgres "$DB"
