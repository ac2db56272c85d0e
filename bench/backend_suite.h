#pragma once
// The backends side by side (missive-bench --compare-backends): the main workloads, at smaller
// sizes so the whole comparison stays within a few minutes, on Missive over SQLite (one node),
// over PostgreSQL with one node and with two nodes on the same database (a Redis bus between
// them), and on the hand-written baseline, in one run; ratios pair by pair. With two nodes the
// senders, the devices and the dashboard readers alternate between the nodes, so half of the
// pushes cross the bus.
//
// Thread-safety: run_backend_comparison() runs on the caller's thread (it starts its own).

#include <string>

namespace missive::bench {

struct BackendConfig {
  std::string pg;              // the baseline's conninfo (--pg)
  std::string store;           // --missive-store: a PostgreSQL URL; each configuration gets a schema
  std::string bus;             // --bus: the Redis URL for two nodes
  int nodes = 2;               // --nodes: 1 or 2 on PostgreSQL
  std::string json = "missive-bench-backends.json";
  double seconds = 5;
  int ws_conns = 8, ws_depth = 8, http_threads = 8;
  int rate = 100;              // send -> push offered rate (PostgreSQL keeps up with it here)
  int devices = 1000;          // connected devices (spread over the nodes)
  int small_group = 100;
  int group_reps = 30;
  int extras = 4000;           // further recipients of the dashboard message
  int dashboard_reps = 200;
  int store_connections = 8;   // per node
};

// Runs every configuration, prints the table and the ratios, writes the JSON file; returns the
// process exit code. Throws std::runtime_error when a server or a workload fails (and when two
// nodes are asked for without a bus).
int run_backend_comparison(const BackendConfig& config);

}  // namespace missive::bench
