// Attachments against a real `missive serve` (release build), each figure beside a baseline
// measured in the same run (docs/performance.md, "Attachments"):
//   (a) download throughput of one large attachment, a few connections at once: Missive's
//       GET /v1/attachments/{id} (bearer token) vs Debian's nginx serving the same file
//       (sendfile on);
//   (b) requests/s for many small files (thumbnail-sized; random bytes, so no preview is made
//       and the files themselves are fetched): Missive vs nginx serving the same files;
//   (c) upload throughput of one large file, in one request (POST /v1/uploads) and with tus in
//       8 MiB PATCHes, vs the disk's sequential write speed (the same bytes written with
//       write(2) and one fsync in the server's data directory).
// Rounds alternate between the system and its baseline; each ratio is the median of the
// per-round ratios, which cancels most of the drift of a shared machine.
// Usage: media_bench [--smoke] [--big-mb 200] [--small 1000] [--small-kb 20] [--conns 4]
//                    [--rounds 5] [--json FILE]

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "bench_setup.h"
#include "bench_util.h"
#include "http_load.h"
#include "nginx_process.h"
#include "tests/integration/server_harness.h"

namespace missive::bench {
namespace {

namespace fs = std::filesystem;

constexpr double kMB = 1e6;
constexpr std::int64_t kTusChunk = 8LL << 20;  // what GET /v1/media/config tells clients

struct Config {
  std::int64_t big_bytes = 200'000'000;
  int small = 1000;
  std::int64_t small_bytes = 20'000;
  int conns = 4;
  int rounds = 5;
  int small_passes = 5;     // each round fetches every small file this many times
  int big_per_conn = 1;     // downloads of the large file per connection per round
  std::string json = "missive-media-bench.json";
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

// One figure against its baseline, round by round.
struct Pair {
  std::string name, unit, baseline_name, target;
  double target_ratio = 0;  // 0: none
  std::vector<double> missive, baseline;
  void add(double m, double b) {
    missive.push_back(m);
    baseline.push_back(b);
    fmt::print(stderr, "  {:<28} round {}: Missive {:>9.1f} {}  {} {:>9.1f} {}  ratio {:.2f}\n",
               name, missive.size(), m, unit, baseline_name, b, unit, m / b);
  }
  double ratio() const {
    std::vector<double> r;
    for (std::size_t i = 0; i < missive.size(); ++i) r.push_back(missive[i] / baseline[i]);
    return median(r);
  }
};

std::string base64(std::string_view in) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += kDigits[(v >> 18) & 63];
    out += kDigits[(v >> 12) & 63];
    out += i + 1 < in.size() ? kDigits[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kDigits[v & 63] : '=';
  }
  return out;
}

void write_file(const fs::path& path, std::span<const char> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Random bytes; `tag` makes every upload's content new, so none is deduplicated.
std::vector<char> random_bytes(std::size_t size, std::uint64_t seed) {
  std::vector<char> out(size);
  std::mt19937_64 random(seed);
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const std::uint64_t v = random();
    std::memcpy(out.data() + i, &v, 8);
  }
  for (; i < size; ++i) out[i] = static_cast<char>(random());
  return out;
}

void stamp(std::vector<char>& bytes, std::uint64_t tag) {
  std::memcpy(bytes.data(), &tag, std::min<std::size_t>(8, bytes.size()));
}

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// Sequential write speed of the disk under `dir`, as an upload must reach it: the bytes with
// write(2) in 1 MiB calls, then one fsync.
double disk_write_mb_s(const fs::path& dir, std::span<const char> bytes) {
  const fs::path path = dir / "disk-write-probe";
  const auto start = Steady::now();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + path.string());
  for (std::size_t at = 0; at < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + at, std::min<std::size_t>(1 << 20, bytes.size() - at));
    if (n <= 0) throw std::runtime_error("write failed on " + path.string());
    at += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) throw std::runtime_error("fsync failed on " + path.string());
  ::close(fd);
  const double s = seconds_since(start);
  fs::remove(path);
  return static_cast<double>(bytes.size()) / kMB / s;
}

class MediaBench {
 public:
  explicit MediaBench(Config config) : config_(std::move(config)) {}
  ~MediaBench() {
    std::error_code ignored;
    if (!work_.empty()) fs::remove_all(work_, ignored);
  }
  MediaBench(const MediaBench&) = delete;
  MediaBench& operator=(const MediaBench&) = delete;

  void run() {
    server_.set_extra_args({"--upload-limit", std::to_string(config_.big_bytes + (1 << 20)),
                            "--upload-quota", std::to_string(std::int64_t{1} << 40),
                            "--upload-rate", "1000000"});
    server_.start();
    work_ = server_.data_dir().parent_path() / (server_.data_dir().filename().string() + "-www");
    fs::create_directories(work_ / "www" / "small");
    fs::permissions(work_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
    Setup setup("127.0.0.1", server_.port());
    token_ = setup.users("media", 1).front().token;

    fmt::print(stderr, "media_bench: Missive on port {}, data in {}\n", server_.port(),
               server_.data_dir().string());
    uploads();
    small_uploads();
    NginxProcess nginx(work_ / "nginx", work_ / "www", kMissiveIoThreads);
    fmt::print(stderr, "media_bench: {} on port {}\n", nginx.version(), nginx.port());
    nginx_version_ = nginx.version();
    downloads(nginx.port());
    small_downloads(nginx.port());
    report();
  }

 private:
  static constexpr int kMissiveIoThreads = 2;  // serve's default (ServerOptions::io_threads)

  std::string auth() const { return "\r\nAuthorization: Bearer " + token_; }

  std::int64_t upload_id(const LoadResponse& r) const {
    const auto doc = parse(r.body);
    if (!doc.HasMember("id")) throw std::runtime_error("no upload id in " + r.body);
    return doc["id"].GetInt64();
  }

  // (c) POST /v1/uploads, tus, and the disk, alternating.
  void uploads() {
    std::vector<char> bytes = random_bytes(static_cast<std::size_t>(config_.big_bytes), 1);
    post_ = {"upload, one request", "MB/s", "disk", ">= 0.5", 0.5};
    tus_ = {"upload, tus 8 MiB parts", "MB/s", "disk", ">= 0.5", 0.5};
    for (int round = 0; round < config_.rounds; ++round) {
      const double disk = disk_write_mb_s(server_.data_dir(), bytes);
      stamp(bytes, 2 * round + 100);
      if (round == 0) write_file(work_ / "www" / "big.bin", bytes);
      const std::int64_t id = post_upload(bytes, fmt::format("big-{}.bin", round));
      if (round == 0) big_id_ = id;
      post_.add(last_mb_s_, disk);
      const double disk2 = disk_write_mb_s(server_.data_dir(), bytes);
      stamp(bytes, 2 * round + 101);
      tus_upload(bytes, fmt::format("big-tus-{}.bin", round));
      tus_.add(last_mb_s_, disk2);
    }
  }

  std::int64_t post_upload(std::span<const char> bytes, const std::string& name) {
    BenchConnection conn(server_.port());
    const auto start = Steady::now();
    const auto r = conn.exchange(fmt::format("POST /v1/uploads?name={} HTTP/1.1\r\nHost: bench"
                                             "\r\nContent-Type: application/octet-stream{}",
                                             name, auth()),
                                 bytes);
    last_mb_s_ = static_cast<double>(bytes.size()) / kMB / seconds_since(start);
    if (r.status != 201) throw std::runtime_error(fmt::format("upload: {} {}", r.status, r.body));
    return upload_id(r);
  }

  void tus_upload(std::span<const char> bytes, const std::string& name) {
    BenchConnection conn(server_.port());
    const auto start = Steady::now();
    const auto created = conn.exchange(
        fmt::format("POST /v1/tus HTTP/1.1\r\nHost: bench\r\nTus-Resumable: 1.0.0\r\n"
                    "Upload-Length: {}\r\nUpload-Metadata: filename {}{}",
                    bytes.size(), base64(name), auth()));
    const std::string location = created.header("location");
    if (created.status != 201 || location.empty()) {
      throw std::runtime_error(fmt::format("tus create: {} {}", created.status, created.body));
    }
    for (std::size_t at = 0; at < bytes.size();) {
      const std::size_t n = std::min<std::size_t>(kTusChunk, bytes.size() - at);
      const auto r = conn.exchange(
          fmt::format("PATCH {} HTTP/1.1\r\nHost: bench\r\nTus-Resumable: 1.0.0\r\n"
                      "Content-Type: application/offset+octet-stream\r\nUpload-Offset: {}{}",
                      location, at, auth()),
          bytes.subspan(at, n));
      if (r.status != 204) throw std::runtime_error(fmt::format("tus PATCH: {} {}", r.status, r.body));
      at += n;
    }
    last_mb_s_ = static_cast<double>(bytes.size()) / kMB / seconds_since(start);
  }

  // The small files, uploaded (not timed) and written for nginx.
  void small_uploads() {
    small_ids_.assign(static_cast<std::size_t>(config_.small), 0);
    const double s = run_parallel(config_.conns, [&](int t) {
      BenchConnection conn(server_.port());
      for (int i = t; i < config_.small; i += config_.conns) {
        const auto bytes = random_bytes(static_cast<std::size_t>(config_.small_bytes), 1000 + i);
        const std::string name = fmt::format("s{:04}.bin", i);
        write_file(work_ / "www" / "small" / name, bytes);
        const auto r = conn.exchange(fmt::format("POST /v1/uploads?name={} HTTP/1.1\r\nHost: "
                                                 "bench\r\nContent-Type: image/jpeg{}",
                                                 name, auth()),
                                     bytes);
        if (r.status != 201) throw std::runtime_error(fmt::format("upload: {} {}", r.status, r.body));
        small_ids_[static_cast<std::size_t>(i)] = upload_id(r);
      }
    });
    small_upload_per_s_ = config_.small / s;
    fmt::print(stderr, "  {} small uploads of {} bytes: {:.0f}/s ({} connections)\n",
               config_.small, config_.small_bytes, small_upload_per_s_, config_.conns);
  }

  // MB/s of conns x big_per_conn downloads of `target` at once.
  double download_round(std::uint16_t port, const std::string& head) {
    std::atomic<std::int64_t> bytes{0};
    const double s = run_parallel(config_.conns, [&](int) {
      BenchConnection conn(port);
      for (int i = 0; i < config_.big_per_conn; ++i) {
        const auto r = conn.exchange(head, {}, 0);
        if (r.status != 200 || r.body_bytes != config_.big_bytes) {
          throw std::runtime_error(fmt::format("download: {} ({} bytes)", r.status, r.body_bytes));
        }
        bytes += r.body_bytes;
      }
    });
    return static_cast<double>(bytes.load()) / kMB / s;
  }

  void downloads(std::uint16_t nginx_port) {
    download_ = {"download, large file", "MB/s", "nginx", ">= 0.8", 0.8};
    const std::string missive =
        fmt::format("GET /v1/attachments/{} HTTP/1.1\r\nHost: bench{}", big_id_, auth());
    const std::string nginx = "GET /big.bin HTTP/1.1\r\nHost: bench";
    download_round(server_.port(), missive);  // warm: both files in the page cache
    download_round(nginx_port, nginx);
    for (int round = 0; round < config_.rounds; ++round) {
      const double m = download_round(server_.port(), missive);
      const double n = download_round(nginx_port, nginx);
      download_.add(m, n);
    }
  }

  // Requests/s of every small file fetched small_passes times over conns connections.
  double small_round(std::uint16_t port, bool missive) {
    std::atomic<std::int64_t> done{0};
    const double s = run_parallel(config_.conns, [&](int t) {
      BenchConnection conn(port);
      for (int pass = 0; pass < config_.small_passes; ++pass) {
        for (int i = t; i < config_.small; i += config_.conns) {
          const std::string head =
              missive ? fmt::format("GET /v1/attachments/{} HTTP/1.1\r\nHost: bench{}",
                                    small_ids_[static_cast<std::size_t>(i)], auth())
                      : fmt::format("GET /small/s{:04}.bin HTTP/1.1\r\nHost: bench", i);
          const auto r = conn.exchange(head, {}, 0);
          if (r.status != 200 || r.body_bytes != config_.small_bytes) {
            throw std::runtime_error(fmt::format("small download: {} ({} bytes)", r.status,
                                                 r.body_bytes));
          }
          ++done;
        }
      }
    });
    return static_cast<double>(done.load()) / s;
  }

  void small_downloads(std::uint16_t nginx_port) {
    small_ = {"small files", "req/s", "nginx", "", 0};
    small_round(server_.port(), true);
    small_round(nginx_port, false);
    for (int round = 0; round < config_.rounds; ++round) {
      const double m = small_round(server_.port(), true);
      const double n = small_round(nginx_port, false);
      small_.add(m, n);
    }
  }

  void report() const {
    const std::vector<const Pair*> pairs = {&download_, &small_, &post_, &tus_};
    fmt::print("\nAttachments: Missive vs baseline, median of {} alternating rounds "
               "({} connections; large file {:.0f} MB, {} small files of {} KB)\n",
               config_.rounds, config_.conns, config_.big_bytes / kMB, config_.small,
               config_.small_bytes / 1000);
    fmt::print("{:<28} {:>14} {:>10} {:>14} {:>7} {:>8}\n", "figure", "Missive", "baseline",
               "baseline", "ratio", "target");
    for (const Pair* p : pairs) {
      const std::string met =
          p->target_ratio == 0 ? "" : (p->ratio() >= p->target_ratio ? " met" : " MISSED");
      fmt::print("{:<28} {:>8.1f} {:<5} {:>10} {:>8.1f} {:<5} {:>7.2f} {:>8}{}\n", p->name,
                 median(p->missive), p->unit, p->baseline_name, median(p->baseline), p->unit,
                 p->ratio(), p->target, met);
    }
    fmt::print("small uploads (setup, not a ratio): {:.0f}/s\n", small_upload_per_s_);

    std::ofstream out(config_.json);
    out << fmt::format("{{\"nginx\": \"{}\", \"rounds\": {}, \"connections\": {}, "
                       "\"big_bytes\": {}, \"small_files\": {}, \"small_bytes\": {}, "
                       "\"small_uploads_per_second\": {:.1f}, \"results\": [",
                       nginx_version_, config_.rounds, config_.conns, config_.big_bytes,
                       config_.small, config_.small_bytes, small_upload_per_s_);
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const Pair& p = *pairs[i];
      out << fmt::format("{}{{\"figure\": \"{}\", \"unit\": \"{}\", \"missive\": {:.1f}, "
                         "\"baseline\": \"{}\", \"baseline_value\": {:.1f}, \"ratio\": {:.3f}, "
                         "\"target\": {}}}",
                         i == 0 ? "" : ", ", p.name, p.unit, median(p.missive), p.baseline_name,
                         median(p.baseline), p.ratio(), p.target_ratio);
    }
    out << "]}\n";
    fmt::print("results written to {}\n", config_.json);
  }

  Config config_;
  itest::ServerProcess server_;
  fs::path work_;
  std::string token_;
  std::string nginx_version_;
  std::int64_t big_id_ = 0;
  std::vector<std::int64_t> small_ids_;
  double last_mb_s_ = 0;
  double small_upload_per_s_ = 0;
  Pair download_, small_, post_, tus_;
};

int to_int(const char* text) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text, text + std::strlen(text), v);
  if (ec != std::errc() || *end != '\0' || v <= 0) {
    throw std::runtime_error(fmt::format("not a positive number: {}", text));
  }
  return v;
}

}  // namespace
}  // namespace missive::bench

int main(int argc, char** argv) {
  using namespace missive::bench;
  try {
    Config config;
    for (int i = 1; i < argc; ++i) {
      const std::string_view arg = argv[i];
      const char* value = i + 1 < argc ? argv[i + 1] : "";
      if (arg == "--smoke") {
        config.big_bytes = 20'000'000;
        config.small = 100;
        config.rounds = 1;
        config.small_passes = 1;
        continue;
      }
      if (arg == "--big-mb") {
        config.big_bytes = std::int64_t{to_int(value)} * 1'000'000;
      } else if (arg == "--small") {
        config.small = to_int(value);
      } else if (arg == "--small-kb") {
        config.small_bytes = std::int64_t{to_int(value)} * 1000;
      } else if (arg == "--conns") {
        config.conns = to_int(value);
      } else if (arg == "--rounds") {
        config.rounds = to_int(value);
      } else if (arg == "--json") {
        config.json = value;
      } else {
        std::fprintf(stderr,
                     "usage: media_bench [--smoke] [--big-mb 200] [--small 1000] [--small-kb 20] "
                     "[--conns 4] [--rounds 5] [--json FILE]\n");
        return 2;
      }
      ++i;
    }
    MediaBench bench(config);
    bench.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "media_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
