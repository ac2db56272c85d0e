#!/usr/bin/env bash
# A private redis-server for the tests: on 127.0.0.1, no persistence, everything in DIR.
#
#   test_redis.sh start DIR    starts it (on the port recorded in DIR/port, else a free one),
#                              writes DIR/url (redis://127.0.0.1:PORT) and DIR/redis.pid
#   test_redis.sh stop DIR     stops it and waits until it is gone (DIR/port is kept, so a
#                              later start comes back on the same port)
#   test_redis.sh cleanup DIR  stops it and removes DIR
#
# CTest runs start/cleanup as the fixture of the tests that need Redis (tests/CMakeLists.txt);
# tests stop and start it again through this script to play an outage.
set -euo pipefail

action=${1:-}
dir=${2:-}
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|cleanup DIR" >&2
  exit 2
fi

# shellcheck source=scripts/pidfile.sh
. "$(dirname "$0")/pidfile.sh"
running() { pidfile_running "$dir/redis.pid"; }
stop() { pidfile_stop "$dir/redis.pid"; }

# Starts redis-server on $1; succeeds once it answers PING.
try_start() {
  local port=$1
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null || return 1
  for _ in $(seq 1 100); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then
      echo "$port" >"$dir/port"
      echo "redis://127.0.0.1:$port" >"$dir/url"
      return 0
    fi
    # redis-server exits when the port is taken.
    [ -f "$dir/redis.pid" ] && ! running && break
    sleep 0.05
  done
  stop
  return 1
}

case "$action" in
  start)
    mkdir -p "$dir"
    running && exit 0
    if [ -f "$dir/port" ]; then
      # A restart comes back on the same port, where the clients reconnect.
      for _ in $(seq 1 20); do
        try_start "$(cat "$dir/port")" && exit 0
        sleep 0.1
      done
      echo "test_redis: cannot start redis-server again on port $(cat "$dir/port")" >&2
      exit 1
    fi
    for _ in $(seq 1 20); do
      try_start $((20000 + RANDOM % 30000)) && exit 0
    done
    echo "test_redis: cannot start redis-server (see $dir/redis.log)" >&2
    exit 1
    ;;
  stop)
    stop
    ;;
  cleanup)
    stop
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop|cleanup DIR" >&2
    exit 2
    ;;
esac
