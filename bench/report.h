#pragma once
// What missive-bench reports: one Row per measured workload and system, Missive / baseline
// Ratios, and facts (single figures); printed as they come and in a summary, and written as
// the JSON result file (docs/performance.md). check_json() reads such a file back.
//
// Thread-safety: a Report belongs to the suite's thread. A Progress prints from its own
// thread and reads only the atomic counter it was given.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "histogram.h"

namespace missive::bench {

// One line of the summary table and one object of the JSON file.
struct Row {
  std::string workload, system;
  std::uint64_t ops = 0;
  double seconds = 0;
  Histogram latency;
  std::string note;
  double per_second() const { return seconds > 0 ? double(ops) / seconds : 0; }
};

struct Ratio {
  std::string name, target;
  double missive = 0, baseline = 0, ratio = 0;
  std::optional<bool> met;  // nullopt: no target or not measured
};

class Report {
 public:
  // Prints the row at once and keeps it for the summary and the file.
  void add(Row row);
  void ratio(Ratio r);
  void fact(std::string key, double value);

  static void print_row(const Row& r);
  // With `ratios` false only the rows (the caller printed its ratios its own way).
  void print_summary(bool ratios = true) const;
  // Writes the result file (`smoke`: the run used the small sizes; `pg_version` empty: no
  // baseline).
  void write_json(const std::string& path, bool smoke, const std::string& pg_version) const;

 private:
  std::vector<Row> rows_;
  std::vector<Ratio> ratios_;
  std::vector<std::pair<std::string, double>> facts_;
};

// A progress line on stderr, once a second, while a phase runs (from construction to
// destruction): the phase's name, its time and the count in `ops`.
class Progress {
 public:
  Progress(std::string name, const std::atomic<std::uint64_t>& ops);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  void loop();

  std::string name_;
  const std::atomic<std::uint64_t>& ops_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Checks a result file: it parses, and every result has a workload, ops and latency figures.
// Prints a one-line count and returns 0; prints what is wrong and returns 1 otherwise.
int check_json(const std::string& path);

}  // namespace missive::bench
