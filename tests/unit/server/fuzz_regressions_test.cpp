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

// fuzz_ws_frame: a lone low-surrogate escape decoded to bytes that are not UTF-8 (echoed in a
// WebSocket answer's id). Every JSON body now refuses it as a whole, before any handler.
TEST_F(ApiTest, AnUnpairedSurrogateInAnyJsonStringIs400) {
  create_user("ada");
  const auto response =
      admin("POST", "/v1/messages",
            R"({"to":{"users":["ada"]},"subject":"s","body":"b","metadata":{"k":"\udc00"}})");
  EXPECT_EQ(status_of(response), "400 invalid");
  EXPECT_EQ(message_of(response),
            "malformed JSON: a \\u escape encodes an unpaired surrogate (U+DC00..U+DFFF)");
  EXPECT_EQ(status_of(admin("GET", "/v1/dashboard")), "200");
  EXPECT_EQ(parse(admin("GET", "/v1/dashboard"))["messages"].Size(), 0u);
}

}  // namespace
}  // namespace missive::testing
