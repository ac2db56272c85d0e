// SigV4 against the examples in AWS's S3 documentation ("Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk"), all with the example key
// pair, bucket examplebucket, region us-east-1, at 20130524T000000Z.

#include "blob/sigv4.h"

#include <gtest/gtest.h>

namespace missive::blob::sigv4 {
namespace {

const Credentials kExample{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                           "us-east-1", "s3"};
constexpr char kDate[] = "20130524T000000Z";
constexpr char kEmptySha[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(Sigv4Test, GetObject) {
  Request request;
  request.method = "GET";
  request.canonical_uri = "/test.txt";
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", kEmptySha},
                     {"x-amz-date", kDate}};
  request.payload_hash = kEmptySha;
  const Signature signature = sign(request, kExample, kDate);
  EXPECT_EQ(signature.canonical_request,
            "GET\n"
            "/test.txt\n"
            "\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "range:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "\n"
            "host;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signature.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(signature.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(Sigv4Test, PutObjectWithAnEncodedPathAndABody) {
  Request request;
  request.method = "PUT";
  request.canonical_uri = "/" + uri_encode("test$file.text", false);
  const std::string body_hash = sha256_hex("Welcome to Amazon S3.");
  EXPECT_EQ(body_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  request.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-content-sha256", body_hash},
                     {"x-amz-date", kDate},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  request.payload_hash = body_hash;
  const Signature signature = sign(request, kExample, kDate);
  EXPECT_TRUE(signature.canonical_request.starts_with("PUT\n/test%24file.text\n\ndate:"))
      << signature.canonical_request;
  EXPECT_EQ(signature.signature, "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(Sigv4Test, GetBucketLifecycleWithAValuelessQueryParameter) {
  Request request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.query = {{"lifecycle", ""}};
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-content-sha256", kEmptySha},
                     {"x-amz-date", kDate}};
  request.payload_hash = kEmptySha;
  const Signature signature = sign(request, kExample, kDate);
  EXPECT_TRUE(signature.canonical_request.starts_with("GET\n/\nlifecycle=\nhost:"))
      << signature.canonical_request;
  EXPECT_EQ(signature.signature, "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(Sigv4Test, ListObjectsWithQueryParametersSorted) {
  Request request;
  request.method = "GET";
  request.canonical_uri = "/";
  request.query = {{"prefix", "J"}, {"max-keys", "2"}};  // sign() sorts them
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"x-amz-content-sha256", kEmptySha},
                     {"x-amz-date", kDate}};
  request.payload_hash = kEmptySha;
  const Signature signature = sign(request, kExample, kDate);
  EXPECT_TRUE(signature.canonical_request.starts_with("GET\n/\nmax-keys=2&prefix=J\nhost:"))
      << signature.canonical_request;
  EXPECT_EQ(signature.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(Sigv4Test, HeaderValuesAreTrimmedAndNamesLowercased) {
  Request spaced;
  spaced.method = "GET";
  spaced.headers = {{"HOST", "  example.com "}, {"X-Amz-Meta", "a   b"}};
  spaced.payload_hash = kEmptySha;
  const Signature signature = sign(spaced, kExample, kDate);
  EXPECT_NE(signature.canonical_request.find("host:example.com\nx-amz-meta:a b\n\nhost;x-amz-meta\n"),
            std::string::npos)
      << signature.canonical_request;
}

TEST(Sigv4Test, UriEncode) {
  EXPECT_EQ(uri_encode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(uri_encode("a b/c+d=e&f", false), "a%20b%2Fc%2Bd%3De%26f");
  EXPECT_EQ(uri_encode("blobs/ab/c", true), "blobs/ab/c");
  EXPECT_EQ(uri_encode("\xc3\xa9", false), "%C3%A9");
}

TEST(Sigv4Test, AmzDate) {
  EXPECT_EQ(amz_date(std::chrono::system_clock::time_point(std::chrono::seconds(1369353600))),
            "20130524T000000Z");
}

}  // namespace
}  // namespace missive::blob::sigv4
