// Standard Webhooks signing: HMAC-SHA256 over "id.timestamp.body", base64, "v1," prefix.

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "notify/webhook.h"

namespace missive::notify {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::size_t kMinKey = 24;  // the spec's minimum
constexpr std::size_t kMaxKey = 64;
constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kMaxId = 256;

void init_sodium() {
  if (sodium_init() < 0) std::abort();  // no randomness source: nothing is safe to do
}

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(sodium_base64_ENCODED_LEN(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

// The key inside "whsec_<base64>" (or bare base64); nullopt when it is not 24..64 bytes of
// valid base64.
std::optional<std::vector<unsigned char>> decode_secret(std::string_view secret) {
  if (secret.starts_with(kSecretPrefix)) secret.remove_prefix(kSecretPrefix.size());
  std::vector<unsigned char> key(kMaxKey);
  std::size_t size = 0;
  // A null end pointer makes libsodium refuse input with anything after the base64.
  if (sodium_base642bin(key.data(), key.size(), secret.data(), secret.size(), nullptr, &size, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      size < kMinKey) {
    return std::nullopt;
  }
  key.resize(size);
  return key;
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxId && std::all_of(id.begin(), id.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
         });
}

}  // namespace

std::string make_webhook_secret() {
  init_sodium();
  std::array<unsigned char, kSecretBytes> key{};
  randombytes_buf(key.data(), key.size());
  std::string secret = std::string(kSecretPrefix) + base64(key.data(), key.size());
  sodium_memzero(key.data(), key.size());
  return secret;
}

Result<std::string> sign_webhook(std::string_view secret, std::string_view id, std::int64_t timestamp_s,
                                 std::string_view body) {
  init_sodium();
  auto key = decode_secret(secret);
  if (!key) {
    return fail(ErrorCode::invalid,
                fmt::format("webhook secret is not whsec_ and the base64 of {} to {} bytes", kMinKey, kMaxKey));
  }
  if (!valid_id(id)) {
    return fail(ErrorCode::invalid,
                fmt::format("webhook id must be 1-{} letters, digits, '_' or '-'", kMaxId));
  }
  const std::string prefix = fmt::format("{}.{}.", id, timestamp_s);
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key->data(), key->size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(key->data(), key->size());
  return "v1," + base64(mac.data(), mac.size());
}

bool verify_webhook(std::string_view secret, std::string_view id, std::int64_t timestamp_s, std::string_view body,
                    std::string_view signature_header, std::int64_t now_s, std::int64_t tolerance_s) {
  if (now_s - timestamp_s > tolerance_s || timestamp_s - now_s > tolerance_s) return false;
  const auto expected = sign_webhook(secret, id, timestamp_s, body);
  if (!expected) return false;
  bool match = false;
  while (!signature_header.empty()) {
    const std::size_t space = signature_header.find(' ');
    const std::string_view candidate = signature_header.substr(0, space);
    // Every candidate is compared, so the time taken does not tell which one matched.
    if (candidate.size() == expected->size() &&
        sodium_memcmp(candidate.data(), expected->data(), candidate.size()) == 0) {
      match = true;
    }
    if (space == std::string_view::npos) break;
    signature_header.remove_prefix(space + 1);
  }
  return match;
}

}  // namespace missive::notify
