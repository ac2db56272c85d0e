// missive-bench: the benchmark suite. Starts a real `missive serve` (release build) on
// 127.0.0.1 with a fresh data directory, drives it over its real protocol (HTTP keep-alive and
// pipelined WebSocket), and — when given a PostgreSQL connection (--pg, started by
// bench/run_bench.sh) — runs the same workloads on the hand-written relational baseline
// (pg_baseline.h) in the same run, and prints Missive / baseline ratios pair by pair.
//
// Workloads: direct sends (durable ack), group sends (100 and 10,000 members), send -> push at
// a fixed rate with 1,000 devices, sync catch-up of 10,000 missed entries, mark-read, the
// dashboard of a 100,000-recipient message, memory per idle device at 10,000 connections.
// Usage: missive-bench [--smoke] [--pg CONNINFO] [--json FILE] [--seconds S] [--rate R]
//                      [--conns N] [--depth D]   (WebSocket senders, requests in flight each)
//                      [--only LIST]   (comma-separated, of direct, group, push, catchup,
//                                       read, dashboard, idle: only those workloads and the
//                                       setup they need; the ratios of the others are left out)
//        missive-bench --compare-backends [--pg CONNINFO] [--missive-store POSTGRES_URL]
//                      [--nodes 1|2] [--bus REDIS_URL] [--json FILE] [--seconds S]
//            (the main workloads at smaller sizes on SQLite, on PostgreSQL with 1 and 2
//             nodes, and on the baseline, side by side: backend_suite.h)
//        missive-bench --check-json FILE   (parses a result file; exit 1 when malformed)
//
// The files: suite.h (the main suite: suite.cpp, suite_devices.cpp, suite_reads.cpp),
// backend_suite.h (--compare-backends; backend_figures.h), report.h (rows, ratios, the JSON
// file, --check-json), bench_util.h (frames, clock, waiting); this file parses the arguments.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "backend_suite.h"
#include "report.h"
#include "suite.h"

namespace {

constexpr const char* kUsage =
    "usage: missive-bench [--smoke] [--pg CONNINFO] [--json FILE] [--seconds S] [--rate R] "
    "[--conns N] [--depth D] [--only direct,group,push,catchup,read,dashboard,idle] | "
    "--compare-backends [--pg CONNINFO] [--missive-store POSTGRES_URL] [--nodes 1|2] "
    "[--bus REDIS_URL] [--json FILE] [--seconds S] | --check-json FILE\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace missive::bench;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress through a pipe or a log file
  SuiteConfig config;
  BackendConfig backends;
  bool compare = false;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "missive-bench: %s needs a value\n", args[i].c_str());
        std::exit(2);
      }
      return args[++i];
    };
    if (args[i] == "--smoke") {
      config.make_smoke();
    } else if (args[i] == "--pg") {
      config.pg = value();
    } else if (args[i] == "--json") {
      config.json = value();
    } else if (args[i] == "--seconds") {
      config.seconds = std::atof(value().c_str());
    } else if (args[i] == "--rate") {
      config.rate = std::atoi(value().c_str());
    } else if (args[i] == "--conns") {
      config.ws_conns = std::max(1, std::atoi(value().c_str()));
    } else if (args[i] == "--depth") {
      config.ws_depth = std::max(1, std::atoi(value().c_str()));
    } else if (args[i] == "--only") {
      auto only = parse_workloads(value());
      if (!only) {
        std::fprintf(stderr, "missive-bench: %s\n", only.error().c_str());
        return 2;
      }
      config.only = std::move(*only);
    } else if (args[i] == "--compare-backends") {
      compare = true;
    } else if (args[i] == "--missive-store") {
      backends.store = value();
    } else if (args[i] == "--bus") {
      backends.bus = value();
    } else if (args[i] == "--nodes") {
      backends.nodes = std::clamp(std::atoi(value().c_str()), 1, 2);
    } else if (args[i] == "--check-json") {
      return check_json(value());
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  try {
    if (compare) {
      if (!config.only.empty()) {
        std::fprintf(stderr, "missive-bench: --only selects workloads of the main suite, not of "
                             "--compare-backends\n");
        return 2;
      }
      backends.pg = config.pg;
      if (config.json != "missive-bench.json") backends.json = config.json;
      if (config.seconds != 10) backends.seconds = config.seconds;
      if (config.rate != 5000) backends.rate = config.rate;
      return run_backend_comparison(backends);
    }
    return Suite(config).run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nmissive-bench: %s\n", e.what());
    return 1;
  }
}
