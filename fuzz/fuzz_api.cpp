// Whole HTTP requests through the API (routing, authentication, every handler's JSON decoding,
// validation and the engine) over a seeded SQLite store. An input is up to kMaxRequests
// requests separated by a line "---"; each is
//
//   <caller> <METHOD> <target>\n<body>
//
// where <caller> is '-' (no token), 'A' (admin), 'a' (alice), 'b' (bob) or 'x' (an unknown
// token). Every answer must keep the invariants of check_response(): never 500 or 503.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api_harness.h"
#include "fuzz_check.h"

namespace {

using missive::fuzz::ApiHarness;
using missive::fuzz::Caller;

constexpr int kMaxRequests = 8;
constexpr std::string_view kSeparator = "\n---\n";

Caller caller_of(char c) {
  switch (c) {
    case 'A': return Caller::admin;
    case 'a': return Caller::alice;
    case 'b': return Caller::bob;
    case 'x': return Caller::bad_token;
    default: return Caller::none;
  }
}

// Splits off the text up to `delimiter` (all of it when absent).
std::string_view take(std::string_view& text, std::string_view delimiter) {
  const auto at = text.find(delimiter);
  const auto head = text.substr(0, at);
  text = at == std::string_view::npos ? std::string_view() : text.substr(at + delimiter.size());
  return head;
}

void run_request(ApiHarness& harness, std::string_view text) {
  auto line = take(text, "\n");
  const auto caller = take(line, " ");
  const auto method = take(line, " ");
  harness.call(caller_of(caller.empty() ? '-' : caller.front()), std::string(method),
               std::string(line), std::string(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ApiHarness harness;
  harness.maybe_reset();
  auto input = missive::fuzz::as_text(data, size);
  for (int i = 0; i < kMaxRequests && !input.empty(); ++i) {
    run_request(harness, take(input, kSeparator));
  }
  return 0;
}
