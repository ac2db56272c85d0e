#!/usr/bin/env bash
# A private SMTP server (tests/notify/smtp_server.py, aiosmtpd) for the tests that send email:
# on 127.0.0.1, on free ports, everything in DIR.
#
#   test_smtp.sh start DIR    makes a self-signed certificate for 127.0.0.1 and localhost
#                             (DIR/ca.pem), starts the server and waits until it listens:
#                             DIR/url (plain text, nothing offered or required), DIR/auth_url
#                             (AUTH required, no TLS), DIR/starttls_url
#                             (STARTTLS and AUTH required), DIR/smtps_url (TLS, AUTH
#                             required); the AUTH user and password in DIR/user, DIR/password
#   test_smtp.sh stop DIR     stops it (DIR is kept)
#   test_smtp.sh cleanup DIR  stops it and removes DIR
#
# Messages land in DIR/mail (N.eml and N.json, see smtp_server.py). Recipients matching
# ^reject get 550; while DIR/down exists every command gets 451. CTest runs start/cleanup as
# the "smtp" fixture (tests/notify/CMakeLists.txt).
set -euo pipefail

action=${1:-}
dir=${2:-}
if [ -z "$action" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|cleanup DIR" >&2
  exit 2
fi
server="$(cd "$(dirname "$0")/../tests/notify" && pwd)/smtp_server.py"
# Debian's Python, where python3-aiosmtpd is installed (a pyenv or venv python3 earlier on
# PATH would not have it).
python=/usr/bin/python3

# shellcheck source=scripts/pidfile.sh
. "$(dirname "$0")/pidfile.sh"
running() { pidfile_running "$dir/smtp.pid"; }
stop() { pidfile_stop "$dir/smtp.pid"; }

case "$action" in
  start)
    mkdir -p "$dir"
    running && exit 0
    if ! "$python" -c "import aiosmtpd" 2>/dev/null; then
      echo "test_smtp: $python has no aiosmtpd; run scripts/setup.sh" >&2
      exit 1
    fi
    rm -f "$dir"/*url
    if [ ! -f "$dir/ca.pem" ]; then
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
        -subj "/CN=missive test SMTP" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$dir/key.pem" -out "$dir/ca.pem" 2>"$dir/openssl.log"
    fi
    echo missive >"$dir/user"
    echo smtp-test-password >"$dir/password"
    # setsid: the server outlives this script (CTest waits for the fixture test's output to close).
    setsid "$python" "$server" "$dir" --user missive --password smtp-test-password \
      --cert "$dir/ca.pem" --key "$dir/key.pem" --reject '^reject' \
      >"$dir/smtp.log" 2>&1 </dev/null &
    echo $! >"$dir/smtp.pid"
    for _ in $(seq 1 200); do
      [ -f "$dir/smtps_url" ] && exit 0
      running || break
      sleep 0.05
    done
    stop
    echo "test_smtp: the SMTP server did not start (see $dir/smtp.log)" >&2
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
