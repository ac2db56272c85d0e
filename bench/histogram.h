#pragma once
// A latency histogram in the style of HdrHistogram: logarithmic buckets with 32 linear
// sub-buckets each (relative error under 3.2%), nanoseconds from 1 ns to ~18 minutes, exact
// count and maximum. Fixed size (no allocation while recording), mergeable.
//
// Thread-safety: none; keep one per thread and merge().

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace missive::bench {

class Histogram {
 public:
  void record(std::int64_t ns) {
    const std::uint64_t v = ns < 0 ? 0 : std::uint64_t(ns);
    ++buckets_[std::min<std::size_t>(index(v), kBuckets - 1)];
    ++count_;
    max_ = std::max(max_, v);
  }
  void record_ms(double ms) { record(std::int64_t(ms * 1e6)); }

  void merge(const Histogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
    count_ += other.count_;
    max_ = std::max(max_, other.max_);
  }

  std::uint64_t count() const { return count_; }
  double max_ms() const { return double(max_) / 1e6; }

  // The value at quantile q (0..1) in milliseconds: the middle of its bucket, never above the
  // maximum recorded.
  double quantile_ms(double q) const {
    if (count_ == 0) return 0;
    const auto rank = std::max<std::uint64_t>(1, std::uint64_t(q * double(count_) + 0.5));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen >= rank) {
        const double mid = (double(lower(i)) + double(lower(i + 1))) / 2;
        return std::min(mid, double(max_)) / 1e6;
      }
    }
    return max_ms();
  }

 private:
  static constexpr std::size_t kBuckets = 64 + 40 * 32;

  // 0..63 exactly; above, 32 sub-buckets per power of two.
  static std::size_t index(std::uint64_t v) {
    if (v < 64) return std::size_t(v);
    const int shift = std::bit_width(v) - 6;  // v >> shift is in [32, 63]
    return 64 + std::size_t(shift - 1) * 32 + std::size_t((v >> shift) - 32);
  }
  static std::uint64_t lower(std::size_t i) {
    if (i < 64) return i;
    const std::size_t shift = (i - 64) / 32 + 1;
    return (std::uint64_t((i - 64) % 32) + 32) << shift;
  }

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace missive::bench
