#!/usr/bin/env bash
# The benchmark suite with its baseline in the same run: starts a throwaway PostgreSQL 15
# cluster (Debian's package; a temporary data directory, 127.0.0.1, a free port, DEFAULT
# durability: fsync on, synchronous_commit on, every other setting as shipped), runs
# missive-bench against a real `missive serve` and that cluster, and removes everything.
# Usage: bench/run_bench.sh [missive-bench arguments...]   e.g. --smoke, --json FILE
# Environment: BUILD (default build/release), PGPORT_BENCH (default: a free port from 55433).
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

"$BUILD/bench/missive-bench" --pg "host=127.0.0.1 port=$PORT user=postgres dbname=postgres" "$@"
