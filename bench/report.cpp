#include "report.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

namespace missive::bench {

void Report::add(Row row) {
  print_row(row);
  rows_.push_back(std::move(row));
}

void Report::ratio(Ratio r) { ratios_.push_back(std::move(r)); }

void Report::fact(std::string key, double value) { facts_.emplace_back(std::move(key), value); }

void Report::print_row(const Row& r) {
  const std::string rate = r.seconds > 0 ? fmt::format("{:9.0f}/s", r.per_second()) : "        -  ";
  std::printf("  %-30s %-9s %s  p50 %8.3f  p99 %8.3f  p99.9 %8.3f  max %8.3f ms  n=%llu %s\n",
              r.workload.c_str(), r.system.c_str(), rate.c_str(), r.latency.quantile_ms(0.5),
              r.latency.quantile_ms(0.99), r.latency.quantile_ms(0.999), r.latency.max_ms(),
              static_cast<unsigned long long>(r.ops), r.note.c_str());
  std::fflush(stdout);
}

void Report::print_summary(bool ratios) const {
  std::printf("\n== Summary\n");
  for (const auto& r : rows_) print_row(r);
  if (!ratios) return;
  std::printf("\n== Missive / baseline, pair by pair in this run\n");
  for (const auto& r : ratios_) {
    std::printf("  %-48s %12.4g vs %12.4g  ratio %8.2fx  target %-8s %s\n", r.name.c_str(),
                r.missive, r.baseline, r.ratio, r.target.c_str(),
                !r.met ? "-" : (*r.met ? "MET" : "MISSED"));
  }
  for (const auto& [key, value] : facts_) std::printf("  %-48s %12.4g\n", key.c_str(), value);
}

void Report::write_json(const std::string& path, bool smoke, const std::string& pg_version) const {
  rapidjson::StringBuffer out;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("tool");
  w.String("missive-bench");
  w.Key("smoke");
  w.Bool(smoke);
  w.Key("baseline");
  w.String(pg_version.empty() ? "none" : ("PostgreSQL " + pg_version).c_str());
  w.Key("cpus");
  w.Uint(std::thread::hardware_concurrency());
  w.Key("results");
  w.StartArray();
  for (const auto& r : rows_) {
    w.StartObject();
    w.Key("workload");
    w.String(r.workload.c_str());
    w.Key("system");
    w.String(r.system.c_str());
    w.Key("ops");
    w.Uint64(r.ops);
    w.Key("seconds");
    w.Double(r.seconds);
    w.Key("ops_per_second");
    w.Double(r.per_second());
    w.Key("latency_ms");
    w.StartObject();
    w.Key("p50");
    w.Double(r.latency.quantile_ms(0.5));
    w.Key("p99");
    w.Double(r.latency.quantile_ms(0.99));
    w.Key("p999");
    w.Double(r.latency.quantile_ms(0.999));
    w.Key("max");
    w.Double(r.latency.max_ms());
    w.Key("count");
    w.Uint64(r.latency.count());
    w.EndObject();
    w.Key("note");
    w.String(r.note.c_str());
    w.EndObject();
  }
  w.EndArray();
  w.Key("ratios");
  w.StartArray();
  for (const auto& r : ratios_) {
    w.StartObject();
    w.Key("name");
    w.String(r.name.c_str());
    w.Key("missive");
    w.Double(r.missive);
    w.Key("baseline");
    w.Double(r.baseline);
    w.Key("ratio");
    w.Double(r.ratio);
    w.Key("target");
    w.String(r.target.c_str());
    w.Key("met");
    if (r.met) {
      w.Bool(*r.met);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("facts");
  w.StartObject();
  for (const auto& [key, value] : facts_) {
    w.Key(key.c_str());
    w.Double(value);
  }
  w.EndObject();
  w.EndObject();
  std::ofstream(path) << out.GetString() << "\n";
}

Progress::Progress(std::string name, const std::atomic<std::uint64_t>& ops)
    : name_(std::move(name)), ops_(ops), thread_([this] { loop(); }) {}

Progress::~Progress() {
  stop_ = true;
  thread_.join();
  std::fprintf(stderr, "\r%-80s\r", "");
}

void Progress::loop() {
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t last = 0;
  while (!stop_) {
    for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::uint64_t now = ops_.load();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\r  [%s] %6.1f s  %llu done  %llu/s      ", name_.c_str(), elapsed,
                 static_cast<unsigned long long>(now), static_cast<unsigned long long>(now - last));
    last = now;
  }
}

int check_json(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("results") ||
      !doc["results"].IsArray() || doc["results"].Empty() || !doc.HasMember("ratios")) {
    std::fprintf(stderr, "%s: not a missive-bench result file\n", path.c_str());
    return 1;
  }
  for (const auto& r : doc["results"].GetArray()) {
    if (!r.HasMember("workload") || !r.HasMember("latency_ms") || !r["latency_ms"].HasMember("p99") ||
        !r["ops"].IsUint64() || r["ops"].GetUint64() == 0) {
      std::fprintf(stderr, "%s: a result without workload, ops or latency\n", path.c_str());
      return 1;
    }
  }
  std::printf("%s: %u results, %u ratios\n", path.c_str(), doc["results"].Size(), doc["ratios"].Size());
  return 0;
}

}  // namespace missive::bench
