# The two commands a user needs: `make run` and `make test`. Both install what is missing first.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
LISTEN ?= 127.0.0.1:8080
DATA ?= ./data
JOBS ?= $(shell nproc)

FUZZ_SECONDS ?= 600
# A UBSan report fails the test that triggers it (the debug preset compiles recoverable checks).
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1
FUZZ_TARGETS ?=

.PHONY: setup build run test soak bench bench-media bench-search clean fuzz-build fuzz test-asan test-tsan

setup:
	@./scripts/setup.sh

build: setup
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@echo "Missive: API and web page at http://$(LISTEN)/  (data in $(DATA); stop with Ctrl-C)"
	@$(BUILD_DIR)/missive serve --listen $(LISTEN) --data $(DATA)

# Every test of $(PRESET), then each fuzz target for a few seconds (docs/testing.md).
test: build fuzz-build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	@ctest --preset fuzz -j $(JOBS)

# The libFuzzer targets (clang, ASan + UBSan): only fuzz/ and the libraries it links.
fuzz-build: setup
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)

# The long run: FUZZ_SECONDS per target (default 600), all targets or FUZZ_TARGETS="api ...".
fuzz: fuzz-build
	@scripts/fuzz.sh --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (the debug preset).
test-asan: setup
	@cmake --preset debug >/dev/null
	@cmake --build build/debug -j $(JOBS)
	@ctest --preset debug -j $(JOBS)

# The concurrency tests under ThreadSanitizer (the tsan preset's test filter). Only the
# executables holding those tests are built (and the server they start), which keeps CI's
# third build short.
TSAN_TARGETS := missive store_conformance_tests server_tests client_tests engine_tests integration_tests
test-tsan: setup
	@cmake --preset tsan >/dev/null
	@cmake --build build/tsan -j $(JOBS) --target $(TSAN_TARGETS)
	@ctest --preset tsan -j $(JOBS)

# The crash tests for minutes instead of seconds: SIGKILL (and power-cut, over a disk that keeps
# only what was synced) and restart the server at random moments while clients send, reply and
# read, then check nothing acknowledged was lost or duplicated. SOAK_SECONDS (default 300, per
# test) and SOAK_SEED (default: random, printed) replay a run.
SOAK_SECONDS ?= 300
SOAK_SEED ?=
soak: build
	@MISSIVE_CRASH_SECONDS=$(SOAK_SECONDS) MISSIVE_CRASH_SEED=$(SOAK_SEED) \
	  $(BUILD_DIR)/tests/integration/integration_tests --gtest_filter='CrashTest.*:CrashMediaTest.*:PowerLossTest.*:PowerLossMediaTest.*'

# The suite: missive-bench against a real server and the PostgreSQL 15 baseline in the same run
# (bench/run_bench.sh starts and removes the cluster; results also in missive-bench.json), then
# the backends side by side: SQLite, PostgreSQL with one node and with two (a private Redis
# bus), the baseline (missive-bench-backends.json); then the in-process benchmarks. See
# docs/performance.md.
bench: build
	@BUILD=$(CURDIR)/$(BUILD_DIR) BACKENDS_JSON=$(CURDIR)/missive-bench-backends.json \
	  bench/run_bench.sh --json $(CURDIR)/missive-bench.json
	@$(BUILD_DIR)/bench/send_bench
	@$(BUILD_DIR)/bench/reminder_bench
	@$(BUILD_DIR)/bench/sync_bench
	@$(BUILD_DIR)/bench/media_bench --json $(CURDIR)/missive-media-bench.json

# Attachments alone: downloads against nginx serving the same files, uploads against the disk's
# write speed, in one run (docs/performance.md, "Attachments"). MEDIA_BENCH_ARGS: e.g. --smoke.
bench-media: build
	@$(BUILD_DIR)/bench/media_bench --json $(CURDIR)/missive-media-bench.json $(MEDIA_BENCH_ARGS)

# Search latency against PostgreSQL 15 full-text search on a generated corpus (installs
# PostgreSQL if missing; about 10 minutes for the default 1,000,000 messages).
bench-search: build
	@BUILD=$(BUILD_DIR) bench/search_vs_postgres.sh $(MESSAGES)

clean:
	rm -rf build
