#include "bench_util.h"

#include <sys/resource.h>

#include <fstream>
#include <stdexcept>
#include <thread>

namespace missive::bench {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
      .count();
}

std::int64_t answer_id(std::string_view frame) {
  constexpr std::string_view prefix = R"({"id":)";
  if (!frame.starts_with(prefix)) return -1;
  return std::atoll(frame.data() + prefix.size());
}

bool answer_ok(std::string_view frame) {
  return frame.find(R"("type":"error")") == std::string_view::npos;
}

long rss_kib(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  }
  return 0;
}

std::string send_frame(std::int64_t id, std::string_view to_kind, std::int64_t to,
                       std::string_view subject) {
  return fmt::format(R"({{"id":{},"type":"send","to":{{"{}":[{}]}},"subject":"{}","body":"benchmark"}})",
                     id, to_kind, to, subject);
}

std::string send_body(std::string_view to_kind, std::int64_t to, std::string_view subject) {
  return fmt::format(R"({{"to":{{"{}":[{}]}},"subject":"{}","body":"benchmark"}})", to_kind, to,
                     subject);
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("bad JSON: " + text.substr(0, 200));
  return doc;
}

void wait_until(const std::function<bool()>& done, double timeout_s) {
  const auto deadline = Steady::now() + std::chrono::duration<double>(timeout_s);
  while (!done() && Steady::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

std::vector<std::string> tokens_of(const std::vector<BenchUser>& users, std::size_t from,
                                   std::size_t to) {
  std::vector<std::string> tokens;
  for (std::size_t i = from; i < to; ++i) tokens.push_back(users[i].token);
  return tokens;
}

void raise_open_files_limit() {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
}

}  // namespace missive::bench
