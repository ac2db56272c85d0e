#include "backend_figures.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include <fmt/format.h>

#include "pg_baseline.h"

namespace missive::bench {

Figures measure_baseline(const BackendConfig& c, Report& report, std::string& pg_version) {
  std::printf("\n== baseline: hand-written schema on PostgreSQL through libpq\n");
  PgBaseline pg(c.pg);
  pg_version = pg.version();
  const auto ids = pg.load(c.small_group, c.devices, c.devices + c.extras, 10);
  Figures f{.system = "baseline"};
  Row best;
  for (int concurrency : {4, 16, 64}) {
    PgRun run = pg.direct(concurrency, c.seconds, ids);
    Row row{.workload = fmt::format("direct send, libpq x{}", concurrency), .system = f.system,
            .ops = run.ops, .seconds = run.seconds, .latency = run.latency, .note = ""};
    report.add(row);
    if (row.per_second() > best.per_second()) best = row;
  }
  f.direct_ws = f.direct_http = best.per_second();
  PgRun group = pg.group_sends(ids.group_small, c.group_reps, ids);
  f.group = group.latency;
  report.add({.workload = fmt::format("group {} send-ack", c.small_group), .system = f.system,
              .ops = group.ops, .seconds = 0, .latency = group.latency, .note = "(INSERT...SELECT)"});
  PgRun mark = pg.mark_read(c.devices, 64, ids);
  f.mark = mark.latency;
  f.mark_per_s = mark.per_second();
  report.add({.workload = fmt::format("mark-read x{}", c.devices), .system = f.system, .ops = mark.ops,
              .seconds = mark.seconds, .latency = mark.latency, .note = "(libpq x64)"});
  double percent = 0;
  PgRun dash = pg.dashboard(std::max(5, c.dashboard_reps / 10), ids, &percent);
  f.dash = dash.latency;
  report.add({.workload = fmt::format("dashboard, {} recipients", c.devices + c.extras), .system = f.system,
              .ops = dash.ops, .seconds = dash.seconds, .latency = dash.latency,
              .note = fmt::format("(SUM/COUNT) read {:.1f}%", percent)});
  return f;
}

void print_comparison(const std::vector<Figures>& all, const std::optional<Figures>& base,
                      const BackendConfig& c, Report& report) {
  struct Metric {
    std::string name;
    std::function<double(const Figures&)> value;
    bool has_baseline;
  };
  const std::vector<Metric> metrics = {
      {"direct sends/s (best of WS, HTTP)", [](const Figures& f) { return std::max(f.direct_ws, f.direct_http); }, true},
      {fmt::format("group {} send-ack p50 ms", c.small_group), [](const Figures& f) { return f.group.quantile_ms(0.5); }, true},
      {fmt::format("group {} send-ack p99 ms", c.small_group), [](const Figures& f) { return f.group.quantile_ms(0.99); }, true},
      {fmt::format("send-ack p99 ms at {}/s", c.rate), [](const Figures& f) { return f.ack.quantile_ms(0.99); }, false},
      {fmt::format("send->push p50 ms at {}/s", c.rate), [](const Figures& f) { return f.push.quantile_ms(0.5); }, false},
      {fmt::format("send->push p99 ms at {}/s", c.rate), [](const Figures& f) { return f.push.quantile_ms(0.99); }, false},
      {"mark-read/s", [](const Figures& f) { return f.mark_per_s; }, true},
      {"dashboard p50 ms", [](const Figures& f) { return f.dash.quantile_ms(0.5); }, true},
  };
  std::printf("\n== Backends side by side (same sizes, same machine, one run)\n  %-36s", "");
  for (const auto& f : all) std::printf(" %12s", f.system.c_str());
  if (base) std::printf(" %12s", "baseline");
  std::printf("\n");
  for (const auto& m : metrics) {
    std::printf("  %-36s", m.name.c_str());
    for (const auto& f : all) std::printf(" %12.4g", m.value(f));
    if (base) {
      if (m.has_baseline) {
        std::printf(" %12.4g", m.value(*base));
      } else {
        std::printf(" %12s", "-");
      }
    }
    std::printf("\n");
  }
  std::printf("\n");
  for (const auto& f : all) {
    std::printf("  %s: send->push achieved %.0f sends/s, %llu of %llu pushes received; the "
                "dashboard message on every device in %.0f ms\n",
                f.system.c_str(), f.push_achieved, static_cast<unsigned long long>(f.pushes),
                static_cast<unsigned long long>(f.push_total), f.big_fanout_ms);
    report.fact(f.system + ": send->push achieved sends/s", f.push_achieved);
    report.fact(f.system + ": pushes received of sent", double(f.pushes) / double(std::max<std::uint64_t>(1, f.push_total)));
    report.fact(f.system + ": dashboard message full push ms", f.big_fanout_ms);
  }
  std::printf("\n== Ratios pair by pair (a / b of the figures above)\n");
  auto pair = [&](const Figures& a, const Figures* b, const std::string& b_name, bool baseline) {
    for (const auto& m : metrics) {
      if (baseline && !m.has_baseline) continue;
      const double va = m.value(a), vb = m.value(*b);
      const Ratio r{.name = fmt::format("{}: {} / {}", m.name, a.system, b_name), .target = "",
                    .missive = va, .baseline = vb, .ratio = vb != 0 ? va / vb : 0, .met = std::nullopt};
      std::printf("  %-64s %10.4g / %10.4g = %7.2fx\n", r.name.c_str(), va, vb, r.ratio);
      report.ratio(r);
    }
  };
  for (std::size_t i = 1; i < all.size(); ++i) pair(all[i], &all[i - 1], all[i - 1].system, false);
  if (base) {
    for (const auto& f : all) pair(f, &*base, "baseline", true);
  }
  report.print_summary(false);
}

}  // namespace missive::bench
