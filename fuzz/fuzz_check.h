#pragma once
// FUZZ_CHECK(condition, detail): a property every input must keep. A violation prints the
// detail and aborts, which libFuzzer reports as a crash and saves the input.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(condition, detail)                                                   \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      const std::string fuzz_detail_ = (detail);                                        \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__,    \
                   #condition, fuzz_detail_.c_str());                                   \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace missive::fuzz {

inline std::string_view as_text(const unsigned char* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace missive::fuzz
