#pragma once
// Small helpers the missive-bench suites share: a steady clock in nanoseconds, the WebSocket
// and HTTP frames they send and the answers they read, the server's resident memory, waiting
// for a condition. Failures throw std::runtime_error (the benchmark stops).
//
// Thread-safety: every function may be called from any thread.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "bench_setup.h"

namespace missive::bench {

using Steady = std::chrono::steady_clock;

// The steady clock in nanoseconds.
std::int64_t now_ns();

// The id of a WebSocket answer (`{"id":N,...`); -1 for pushes and anything else.
std::int64_t answer_id(std::string_view frame);
// False when the answer is an error.
bool answer_ok(std::string_view frame);

// Calls f(due_ns) for every `"subject":"<tag>=<due>"` in a push frame.
template <class F>
void for_each_subject(std::string_view frame, std::string_view tag, F f) {
  if (!frame.starts_with(R"({"type":"push")")) return;
  const std::string needle = fmt::format(R"("subject":"{}=)", tag);
  for (auto at = frame.find(needle); at != std::string_view::npos; at = frame.find(needle, at + 1)) {
    f(std::atoll(frame.data() + at + needle.size()));
  }
}

// The resident memory of a process in KiB (VmRSS); 0 when unknown.
long rss_kib(pid_t pid);

// A WebSocket send request with id `id` to one user or group (`to_kind` "users" or "groups").
std::string send_frame(std::int64_t id, std::string_view to_kind, std::int64_t to,
                       std::string_view subject);
// The body of POST /v1/messages to one user or group.
std::string send_body(std::string_view to_kind, std::int64_t to, std::string_view subject);

// A JSON object; throws when `text` is not one.
rapidjson::Document parse(const std::string& text);

// Returns once done() holds or after `timeout_s` seconds (the caller checks which).
void wait_until(const std::function<bool()>& done, double timeout_s);

// The tokens of users[from, to).
std::vector<std::string> tokens_of(const std::vector<BenchUser>& users, std::size_t from,
                                   std::size_t to);

// Raises the open-files limit to its hard maximum (thousands of WebSocket connections).
void raise_open_files_limit();

}  // namespace missive::bench
