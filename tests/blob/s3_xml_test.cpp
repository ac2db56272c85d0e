// The S3 XML reader: ListObjectsV2 pages and error bodies as S3 sends them.

#include "blob/s3_xml.h"

#include <gtest/gtest.h>

namespace missive::blob::s3 {
namespace {

TEST(S3XmlTest, ListPageWithContinuation) {
  const auto page = parse_list_page(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>p/</Prefix>
<KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
<Contents><Key>p/a</Key><LastModified>2013-05-24T00:00:01.250Z</LastModified><ETag>&quot;x&quot;</ETag><Size>10</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>p/b&amp;c</Key><LastModified>1970-01-01T00:00:00Z</LastModified><Size>0</Size></Contents>
<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=&amp;</NextContinuationToken></ListBucketResult>)");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "p/a");
  EXPECT_EQ(page->objects[0].size, 10);
  EXPECT_EQ(page->objects[0].modified, 1369353601250);
  EXPECT_EQ(page->objects[1].key, "p/b&c");
  EXPECT_EQ(page->objects[1].modified, 0);
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=&");
}

TEST(S3XmlTest, EmptyListPage) {
  const auto page = parse_list_page(
      "<ListBucketResult><Name>b</Name><Prefix/><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->truncated);
}

TEST(S3XmlTest, MalformedListPagesAreUnavailable) {
  for (const char* xml :
       {"<html>proxy error</html>",
        "<ListBucketResult><Contents><Key>a</Key><Size>x</Size><LastModified>2013-05-24T00:00:00Z</LastModified></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size>1</Size><LastModified>yesterday</LastModified></Contents></ListBucketResult>",
        "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"}) {
    const auto page = parse_list_page(xml);
    ASSERT_FALSE(page) << xml;
    EXPECT_EQ(page.error().code, ErrorCode::unavailable);
  }
}

TEST(S3XmlTest, ErrorBody) {
  const ErrorBody error = parse_error(
      R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a</Key></Error>)");
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.message, "The specified key does not exist.");
  EXPECT_EQ(parse_error("").code, "");
}

TEST(S3XmlTest, Unescape) {
  EXPECT_EQ(xml_unescape("a&lt;b&gt;&amp;&quot;&apos;&#65;&#x42;&#xe9;&bogus;&"), "a<b>&\"'AB\xc3\xa9&bogus;&");
}

}  // namespace
}  // namespace missive::blob::s3
