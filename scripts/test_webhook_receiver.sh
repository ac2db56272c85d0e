#!/usr/bin/env bash
# A private webhook receiver (tests/notify/webhook_receiver.py) for the tests that post
# webhooks: on 127.0.0.1, on a free port, everything in DIR.
#
#   test_webhook_receiver.sh start DIR    starts it, waits until it listens; writes DIR/url
#                                         (http://127.0.0.1:PORT)
#   test_webhook_receiver.sh stop DIR     stops it (DIR is kept)
#   test_webhook_receiver.sh cleanup DIR  stops it and removes DIR
#
# Requests are logged to DIR/requests.jsonl; DIR/control/NAME.json says how to answer the
# paths /NAME/... (see webhook_receiver.py). CTest runs start/cleanup as the "webhooks"
# fixture (tests/notify/CMakeLists.txt).
set -euo pipefail

action=${1:-}
dir=${2:-}
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|cleanup DIR" >&2
  exit 2
fi
receiver="$(cd "$(dirname "$0")/../tests/notify" && pwd)/webhook_receiver.py"

# shellcheck source=scripts/pidfile.sh
. "$(dirname "$0")/pidfile.sh"
running() { pidfile_running "$dir/receiver.pid"; }
stop() { pidfile_stop "$dir/receiver.pid"; }

case "$action" in
  start)
    mkdir -p "$dir"
    running && exit 0
    rm -f "$dir/url"
    # setsid: the server outlives this script (CTest waits for the fixture test's output to close).
    setsid /usr/bin/python3 "$receiver" "$dir" >"$dir/receiver.log" 2>&1 </dev/null &
    echo $! >"$dir/receiver.pid"
    for _ in $(seq 1 200); do
      [ -f "$dir/url" ] && exit 0
      running || break
      sleep 0.05
    done
    stop
    echo "test_webhook_receiver: the receiver did not start (see $dir/receiver.log)" >&2
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
