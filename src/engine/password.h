#pragma once
// Password hashing (Argon2id), bearer tokens and signed links, on libsodium.
// Thread-safety: all functions are safe to call concurrently (sodium_init runs once).

#include <string>

#include "core/error.h"
#include "engine/engine.h"

namespace missive {

// A libsodium crypto_pwhash_str string (Argon2id, salt and limits included).
// unavailable if hashing fails (out of memory).
Result<std::string> hash_password(const std::string& password, PasswordCost cost);
// True when `password` matches `hash`; false on mismatch or a malformed hash.
bool verify_password(const std::string& password, const std::string& hash);

// A new opaque token: 32 random bytes, URL-safe base64 without padding.
std::string new_token();
// What the store keeps instead of the token: hex BLAKE2b-256 of it.
std::string token_hash(const std::string& token);
// A readable random password for the first admin account.
std::string new_password();
// Hex HMAC-SHA256 of `message` under `key`: what signed links (attachment URLs, unsubscribe
// links) carry.
std::string hmac_sha256_hex(const std::string& key, const std::string& message);
// Compares two strings in time that does not depend on where they differ.
bool equal_in_constant_time(const std::string& a, const std::string& b);

}  // namespace missive
