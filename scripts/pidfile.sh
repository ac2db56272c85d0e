# Sourced by the test fixture scripts (test_redis.sh, test_s3rver.sh): a private server's
# process, recorded in a pid file.

# Whether the process the pid file names is alive.
pidfile_running() {
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Stops it (SIGTERM, then SIGKILL after 5 s) and removes the pid file.
pidfile_stop() {
  if pidfile_running "$1"; then
    local pid
    pid=$(cat "$1")
    kill "$pid"
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$1"
}
