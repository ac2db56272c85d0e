#pragma once
// AWS Signature Version 4 for S3 requests, as pure functions of the request, the credentials and
// the time (no clock, no I/O), so AWS's documented examples are its tests. The algorithm:
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// Thread-safety: every function is pure and may be called from any thread.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace missive::blob::sigv4 {

// The parts of an HTTP request that SigV4 signs.
struct Request {
  std::string method;  // "GET", "PUT", ...
  // The path exactly as sent: each segment already URI-encoded (uri_encode(segment, false)).
  std::string canonical_uri = "/";
  // Query parameters, not encoded (sign() encodes and sorts them); a parameter without a value
  // ("?lifecycle") has an empty value.
  std::vector<std::pair<std::string, std::string>> query;
  // Headers to sign, with their values as sent. Must include host and x-amz-date; S3 also wants
  // x-amz-content-sha256. Names in any case; sign() lowercases them.
  std::vector<std::pair<std::string, std::string>> headers;
  // Hex SHA-256 of the body (sha256_hex("") for none), or "UNSIGNED-PAYLOAD".
  std::string payload_hash;
};

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region;         // "us-east-1"
  std::string service = "s3";
};

// Every intermediate step, so a test can compare each with AWS's example.
struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the Authorization header's value
};

// Signs `request` at `amz_date` ("20130524T000000Z", the request's x-amz-date).
Signature sign(const Request& request, const Credentials& credentials, std::string_view amz_date);

// URI-encodes per SigV4: unreserved bytes (A-Z a-z 0-9 - . _ ~) stay, every other byte becomes
// %XX (uppercase); '/' stays as is when `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash);

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// "YYYYMMDDTHHMMSSZ" in UTC, the format of x-amz-date.
std::string amz_date(std::chrono::system_clock::time_point time);

}  // namespace missive::blob::sigv4
