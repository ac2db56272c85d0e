#!/usr/bin/env bash
# A private S3-compatible server (s3rver, from tests/blob/s3rver) for the BlobStore tests: on
# 127.0.0.1, on a free port, with the bucket "missive-test", everything in DIR.
#
#   test_s3rver.sh start DIR    starts it, waits until it listens; writes DIR/url
#                               (http://127.0.0.1:PORT) and DIR/s3rver.pid
#   test_s3rver.sh cleanup DIR  stops it and removes DIR
#
# CTest runs start/cleanup as the "s3" fixture (tests/blob/CMakeLists.txt); blob_tests run
# alone starts it through this script too. s3rver's key pair is S3RVER / S3RVER.
set -euo pipefail

action=${1:-}
dir=${2:-}
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|cleanup DIR" >&2
  exit 2
fi
server_dir="$(cd "$(dirname "$0")/../tests/blob/s3rver" && pwd)"

# shellcheck source=scripts/pidfile.sh
. "$(dirname "$0")/pidfile.sh"
running() { pidfile_running "$dir/s3rver.pid"; }
stop() { pidfile_stop "$dir/s3rver.pid"; }

case "$action" in
  start)
    mkdir -p "$dir"
    running && exit 0
    if [ ! -d "$server_dir/node_modules/s3rver" ]; then
      echo "test_s3rver: $server_dir/node_modules is missing; run scripts/setup.sh" >&2
      exit 1
    fi
    rm -f "$dir/url"
    # setsid: the server outlives this script (CTest waits for the fixture test's output to close).
    setsid node --openssl-legacy-provider "$server_dir/server.mjs" "$dir" missive-test >"$dir/s3rver.log" 2>&1 </dev/null &
    echo $! >"$dir/s3rver.pid"
    for _ in $(seq 1 200); do
      [ -f "$dir/url" ] && exit 0
      running || break
      sleep 0.05
    done
    stop
    echo "test_s3rver: s3rver did not start (see $dir/s3rver.log)" >&2
    exit 1
    ;;
  cleanup)
    stop
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|cleanup DIR" >&2
    exit 2
    ;;
esac
