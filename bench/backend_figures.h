#pragma once
// The backend comparison's figures (backend_suite.h): one Figures per configuration, the
// baseline's measured through libpq, and the side-by-side table with the ratios pair by pair.
//
// Thread-safety: on the comparison's thread only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "backend_suite.h"
#include "histogram.h"
#include "report.h"

namespace missive::bench {

// One configuration's figures, for the side-by-side table.
struct Figures {
  std::string system;
  double direct_ws = 0, direct_http = 0;
  Histogram group, ack, push, mark, dash;
  double push_achieved = 0, mark_per_s = 0, big_fanout_ms = 0;
  std::uint64_t pushes = 0, push_total = 0;
};

// The baseline's figures for the workloads it has (direct sends, the group, mark-read, the
// dashboard) on `c.pg`, at the comparison's sizes; its rows go to `report`, the server's
// version to `pg_version`. Throws std::runtime_error when PostgreSQL fails.
Figures measure_baseline(const BackendConfig& c, Report& report, std::string& pg_version);

// Prints the table of every configuration (and the baseline), the ratios of each one to the
// previous and to the baseline, and the rows; adds the ratios and facts to `report`.
void print_comparison(const std::vector<Figures>& all, const std::optional<Figures>& base,
                      const BackendConfig& c, Report& report);

}  // namespace missive::bench
