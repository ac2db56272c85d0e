#!/usr/bin/env bash
# The benchmark suite with its baseline in the same run: starts a throwaway PostgreSQL 15
# cluster (Debian's package; a temporary data directory, 127.0.0.1, a free port, DEFAULT
# durability: fsync on, synchronous_commit on, every other setting as shipped), runs
# missive-bench against a real `missive serve` and that cluster, and removes everything.
# Then (unless BACKENDS=0) `missive-bench --compare-backends`: the main workloads at smaller
# sizes on Missive over SQLite, over PostgreSQL with one node and with two nodes (database
# "missive" of the same cluster, a private redis-server from scripts/test_redis.sh as the bus),
# and the baseline, side by side in one run (results in BACKENDS_JSON).
# Usage: bench/run_bench.sh [missive-bench arguments...]   e.g. --smoke, --json FILE
# Environment: BUILD (default build/release), PGPORT_BENCH (default: a free port from 55433),
# BACKENDS (1: also compare the backends, the default; 0: not; only: only that),
# BACKENDS_JSON (default missive-bench-backends.json).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build/release}
PGBIN=/usr/lib/postgresql/15/bin
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo

if [ ! -x "$PGBIN/initdb" ]; then
  echo "installing PostgreSQL 15"
  $SUDO apt-get install -y --no-install-recommends postgresql-15 >/dev/null
fi

PORT=${PGPORT_BENCH:-55433}
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done

WORK=$(mktemp -d)
chmod 755 "$WORK"
as_pg() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  "$ROOT/scripts/test_redis.sh" cleanup "$WORK/redis" >/dev/null 2>&1 || true
  as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/pg" "$WORK/sock"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK/pg" "$WORK/sock"
as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust --locale=C.UTF-8 --encoding=UTF8 >/dev/null
# Only where it listens is set: durability and memory are PostgreSQL's defaults.
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w start \
  -o "-p $PORT -k $WORK/sock -c listen_addresses=127.0.0.1" >/dev/null

BASELINE="host=127.0.0.1 port=$PORT user=postgres dbname=postgres"
BACKENDS=${BACKENDS:-1}
if [ "$BACKENDS" != only ]; then
  "$BUILD/bench/missive-bench" --pg "$BASELINE" "$@"
fi
if [ "$BACKENDS" != 0 ]; then
  psql -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE missive" >/dev/null
  "$ROOT/scripts/test_redis.sh" start "$WORK/redis"
  "$BUILD/bench/missive-bench" --compare-backends --pg "$BASELINE" \
    --missive-store "postgres://postgres@127.0.0.1:$PORT/missive" \
    --nodes 2 --bus "$(cat "$WORK/redis/url")" --json "${BACKENDS_JSON:-missive-bench-backends.json}"
fi
