#!/usr/bin/env bash
# Installs the Debian 12 packages Missive needs to build and test, then the npm packages of
# the web page, the TypeScript SDK and the BlobStore tests' S3 server (from their committed
# lockfiles). Safe to run again: it only calls apt-get and npm when something is missing or a
# lockfile changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost-dev libsqlite3-dev libsodium-dev rapidjson-dev
  libfmt-dev libspdlog-dev libcli11-dev
  libpq-dev postgresql-15
  libgtest-dev libgmock-dev libbenchmark-dev
  # libFuzzer for the fuzz preset. clang 16, not Debian's default 14: only 16 and newer compile
  # libstdc++ 12's std::expected.
  clang-16 libclang-rt-16-dev
  curl
  libhiredis-dev redis-server
  libssl-dev openssl
  # The S3 BlobStore backend: HTTP through libcurl (OpenSSL flavour, the same OpenSSL that
  # signs its requests).
  libcurl4-openssl-dev
  # The notify tests' SMTP server (tests/notify/smtp_server.py): a real SMTP implementation
  # with AUTH and STARTTLS, so the mailer is tested against a server it did not write.
  python3-aiosmtpd
  # The web page's browser tests: Debian's Chromium driven by playwright-core (no browser is
  # ever downloaded), with fonts for Chinese, Japanese and Korean text.
  chromium fonts-noto-cjk
  # A reminder round within seconds in a browser test: the server started in the past.
  faketime libfaketime
  # The missive-media worker (src/media): libvips for images (with libheif for HEIC/AVIF),
  # libav for video posters and audio waveforms, libseccomp for its sandbox.
  libvips-dev libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
  libseccomp-dev
  # media_tests generate their image, video and audio fixtures with these command-line tools.
  libvips-tools ffmpeg
  # The attachments benchmark (bench/media_bench.cpp) measures downloads against nginx serving
  # the same files; it starts its own nginx with a generated configuration.
  nginx
)
# Node.js bundles the web page into the binary and runs the SDK and browser tests. A machine
# that already has node (and its npm) keeps it; otherwise Debian's.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm ci where node_modules is missing or older than its lockfile (a stamp records the
# lockfile it was installed from).
# tests/blob/s3rver: s3rver, the S3-compatible server the BlobStore tests run against.
for dir in sdk/js web tests/blob/s3rver; do
  stamp="$dir/node_modules/.missive-lock"
  if ! cmp -s "$dir/package-lock.json" "$stamp" 2>/dev/null; then
    echo "setup: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$stamp"
  fi
done
