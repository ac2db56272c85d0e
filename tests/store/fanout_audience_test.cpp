// The frozen audience of a deferred fan-out (store/fanout_audience.h): what a send writes, the
// fan-out reads back exactly, compactly, and rows in the older format still read.
#include "store/fanout_audience.h"

#include <gtest/gtest.h>

namespace missive {
namespace {

RecipientRef ref(std::int64_t user, std::int64_t group = 0) { return RecipientRef{UserId(user), GroupId(group)}; }

TEST(FanoutAudienceTest, RoundTripsUsersNamedDirectlyAndThroughGroups) {
  const std::vector<RecipientRef> audience = {ref(3), ref(7, 2), ref(7, 5), ref(8, 5), ref(40), ref(41, 2)};
  const std::string text = encode_audience(audience);
  EXPECT_EQ(text, "d3,4/2,0/5,1,32/0,1/2");
  auto decoded = decode_audience(text);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, audience);
  EXPECT_EQ(encode_audience({}), "d");
  EXPECT_EQ(decode_audience("d").value(), std::vector<RecipientRef>{});
}

TEST(FanoutAudienceTest, AGroupOfTenThousandTakesAboutTwoBytesAMember) {
  std::vector<RecipientRef> audience;
  for (std::int64_t user = 10'001; user <= 20'000; ++user) audience.push_back(ref(user, 9));
  const std::string text = encode_audience(audience);
  EXPECT_LT(text.size(), 20'020u);
  EXPECT_EQ(decode_audience(text).value(), audience);
}

TEST(FanoutAudienceTest, TheFormatBeforeDeltasStillReads) {
  EXPECT_EQ(decode_audience("3,0,7,2,7,5").value(), (std::vector{ref(3), ref(7, 2), ref(7, 5)}));
  EXPECT_EQ(decode_audience("").value(), std::vector<RecipientRef>{});
}

TEST(FanoutAudienceTest, CorruptTextIsUnavailable) {
  for (const char* text : {"d3,x", "d3/", "d3;4", "d3,", "3,0,7", "3,0,", "3;0", "d,"}) {
    auto decoded = decode_audience(text);
    ASSERT_FALSE(decoded) << text;
    EXPECT_EQ(decoded.error().code, ErrorCode::unavailable) << text;
  }
}

}  // namespace
}  // namespace missive
