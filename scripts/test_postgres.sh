#!/usr/bin/env bash
# A private, throwaway PostgreSQL 15 cluster for the tests: 127.0.0.1 only, a free port, its
# data in a new temporary directory, no durability (it is thrown away).
#
#   scripts/test_postgres.sh start DIR   starts it; writes its URL to DIR/url and the data
#                                        directory's path to DIR/data
#   scripts/test_postgres.sh stop DIR    stops it, removes its data directory and DIR
#   scripts/test_postgres.sh pause DIR   stops the server (fast shutdown), keeps its data
#   scripts/test_postgres.sh resume DIR  starts it again on the same data and port (an outage
#                                        in the middle of a test)
#
# (The data lives under the system temp dir, not DIR, so that the postgres user can reach it
# wherever DIR is.)
#
# The CTest fixture in tests/store/CMakeLists.txt runs both around the PostgreSQL tests, which
# read the URL from the file named by MISSIVE_TEST_PG_FILE (or take MISSIVE_TEST_PG itself).
# initdb and postgres refuse to run as root: as root the server runs as the postgres user.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|pause|resume DIR" >&2
  exit 2
fi
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  if [ -f "$dir/data" ]; then
    local data
    data=$(cat "$dir/data")
    if [ -f "$data/pg/postmaster.pid" ]; then
      as_pg "$PGBIN/pg_ctl" -D "$data/pg" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$data" in */missive-pg.*) rm -rf "$data" ;; esac
  fi
  rm -rf "$dir"
}

# A port nothing listens on now (the server's own bind decides; start retries on a clash).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

run_server() {
  local data=$1 port=$2
  as_pg "$PGBIN/pg_ctl" -D "$data/pg" -l "$data/pg/log" -w -t 30 start -o \
    "-p $port -k $data/sock -c listen_addresses=127.0.0.1 -c max_connections=200 \
     -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c deadlock_timeout=100ms" >/dev/null
}

pause() {
  as_pg "$PGBIN/pg_ctl" -D "$(cat "$dir/data")/pg" -m fast -w stop >/dev/null
}

resume() {
  run_server "$(cat "$dir/data")" "$(cat "$dir/port")"
}

start() {
  if [ ! -x "$PGBIN/initdb" ]; then
    echo "test_postgres: $PGBIN/initdb not found (scripts/setup.sh installs postgresql-15)" >&2
    exit 1
  fi
  stop
  mkdir -p "$dir"
  local data
  data=$(mktemp -d "${TMPDIR:-/tmp}/missive-pg.XXXXXX")
  echo "$data" >"$dir/data"
  mkdir -p "$data/pg" "$data/sock"
  chmod 755 "$data"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$data/pg" "$data/sock"; fi
  as_pg "$PGBIN/initdb" -D "$data/pg" -U postgres --auth=trust --locale=C.UTF-8 \
    --encoding=UTF8 >/dev/null
  local port
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if run_server "$data" "$port"; then
      echo "$port" >"$dir/port"
      echo "postgres://postgres@127.0.0.1:$port/postgres" >"$dir/url"
      echo "test_postgres: $(cat "$dir/url")"
      return 0
    fi
  done
  echo "test_postgres: cannot start PostgreSQL; log:" >&2
  cat "$data/pg/log" >&2 || true
  stop
  exit 1
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  pause) pause ;;
  resume) resume ;;
  *) echo "usage: $0 start|stop|pause|resume DIR" >&2; exit 2 ;;
esac
