#!/usr/bin/env bash
# Runs the libFuzzer targets of the `fuzz` preset (docs/testing.md).
#
#   scripts/fuzz.sh [--seconds N] [--seed N] [--build DIR] [target...]
#
# Each target fuzz_<t> starts from its committed seed corpus fuzz/corpus/<t>/ (which includes
# the inputs of every crash found so far, so each run replays them first) plus the inputs
# earlier runs found, kept in <build>/corpus/<t>/ (not committed). A crash, leak, timeout or
# failed property saves the input as <build>/crashes/<t>-crash-<sha1> and fails the run.
# Without targets, all of them run one after the other, N seconds each (default 5). --seed
# fixes libFuzzer's random seed (make test uses one, so a run there is reproducible).
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=5
seed_args=()
build=build/fuzz
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seed) seed_args=(-seed="$2"); shift 2 ;;
    --build) build="$2"; shift 2 ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -eq 0 ] && targets=(api ws_frame http_target group_rule search_query media_headers)

# Symbolized stack traces in reports (clang 16's runtime looks in its own bin directory).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && command -v llvm-symbolizer >/dev/null; then
  export ASAN_SYMBOLIZER_PATH="$(command -v llvm-symbolizer)"
fi

status=0
for t in "${targets[@]}"; do
  binary="$build/fuzz/fuzz_$t"
  [ -x "$binary" ] || { echo "fuzz: $binary is missing: build the fuzz preset first" >&2; exit 2; }
  mkdir -p "$build/corpus/$t" "$build/crashes"
  echo "fuzz: $t for ${seconds}s"
  # -timeout: one input taking longer is a hang, reported like a crash.
  if ! "$binary" -max_total_time="$seconds" ${seed_args[@]+"${seed_args[@]}"} -timeout=10 -print_final_stats=1 \
       -dict="fuzz/dict/$t.dict" -artifact_prefix="$build/crashes/$t-" \
       "$build/corpus/$t" "fuzz/corpus/$t" 2> "$build/fuzz-$t.log"; then
    tail -n 60 "$build/fuzz-$t.log" >&2
    echo "fuzz: $t FAILED (full log: $build/fuzz-$t.log; input saved under $build/crashes/)" >&2
    status=1
    continue
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|cov: " \
    "$build/fuzz-$t.log" | tail -n 4 | sed "s/^/fuzz: $t: /"
done
exit $status
