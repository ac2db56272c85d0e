# The two commands a user needs: `make run` and `make test`. Both install what is missing first.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
LISTEN ?= 127.0.0.1:8080
DATA ?= ./data
JOBS ?= $(shell nproc)

.PHONY: setup build run test bench bench-search clean

setup:
	@./scripts/setup.sh

build: setup
	@cmake --preset $(PRESET) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@echo "Missive: http://$(LISTEN)  (data in $(DATA); stop with Ctrl-C)"
	@$(BUILD_DIR)/missive serve --listen $(LISTEN) --data $(DATA)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The suite: missive-bench against a real server and the PostgreSQL 15 baseline in the same run
# (bench/run_bench.sh starts and removes the cluster; results also in missive-bench.json), then
# the in-process benchmarks. See docs/performance.md.
bench: build
	@BUILD=$(CURDIR)/$(BUILD_DIR) bench/run_bench.sh --json $(CURDIR)/missive-bench.json
	@$(BUILD_DIR)/bench/send_bench
	@$(BUILD_DIR)/bench/reminder_bench
	@$(BUILD_DIR)/bench/sync_bench

# Search latency against PostgreSQL 15 full-text search on a generated corpus (installs
# PostgreSQL if missing; about 10 minutes for the default 1,000,000 messages).
bench-search: build
	@BUILD=$(BUILD_DIR) bench/search_vs_postgres.sh $(MESSAGES)

clean:
	rm -rf build
