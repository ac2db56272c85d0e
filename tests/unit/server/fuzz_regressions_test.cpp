// Requests the fuzz targets (fuzz/) found to break the API, each reproduced here through
// server::Api with the answer it must give. The inputs themselves are in fuzz/corpus/.
#include "api_fixture.h"

namespace missive::testing {
namespace {

// fuzz_search_query: a NUL in a search query reached FTS5, which read it as the end of the
// MATCH string and failed the query in the store.
TEST_F(ApiTest, SearchWithAControlCharacterIs400) {
  const auto response = admin("GET", "/v1/search?q=bac%00d");
  EXPECT_EQ(status_of(response), "400 invalid");
  EXPECT_EQ(message_of(response),
            "search query: control character (byte 0x00) at position 4");
  EXPECT_EQ(status_of(admin("GET", "/v1/search?q=%01")), "400 invalid");
}

}  // namespace
}  // namespace missive::testing
