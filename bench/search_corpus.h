#pragma once
// The search benchmark's generated corpus: users, groups and messages with a realistic
// vocabulary (Zipf-distributed words, some fixed phrases, 5% Chinese text), deterministic for
// a seed. Loaded through Store::send_message (the same path as the server), optionally
// exported as tab-separated files for the PostgreSQL comparison.
//
// Thread-safety: setup() first, alone; send_all() runs its own sender threads.

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "store/store.h"

namespace missive::bench {

struct CorpusOptions {
  std::int64_t messages = 1'000'000;
  int users = 10'000;
  int groups = 400;           // explicit groups of 5..20 members
  double group_share = 0.3;   // share of messages sent to a group (the rest: direct)
  int threads = 32;           // concurrent senders while loading
  std::uint64_t seed = 42;
  std::filesystem::path export_dir;  // empty: no export
};

// The words the queries look for, and how they were planted.
inline constexpr const char* kCommonWord = "update";     // Zipf rank 3: most messages
inline constexpr const char* kRareWord = "quillwort";    // about 1 message in 5,000
inline constexpr const char* kPhrase = "release notes";  // planted in 2% of messages
inline constexpr const char* kCjkTerm = "交付";           // in about 1 Chinese message in 4

class Corpus {
 public:
  explicit Corpus(CorpusOptions options);

  // Creates the users and groups.
  void setup(Store& store);
  // Sends every message through Store::send_message. Returns sends per second.
  double send_all(Store& store);
  // Writes every message with sqlite::bulk_load into the database at `path` (no store may
  // be open on it). Returns messages per second.
  double bulk_all(const std::filesystem::path& path);

  // A random subject and body drawn from `rng`.
  void message_text(std::mt19937_64& rng, std::string& subject, std::string& body) const;

  const std::vector<UserId>& users() const { return users_; }

 private:
  std::string word(std::mt19937_64& rng) const;
  // Message number `i`: text, date, creator, audience.
  void make_message(std::mt19937_64& rng, std::int64_t i, NewMessage& m) const;
  std::string chinese(std::mt19937_64& rng) const;

  CorpusOptions options_;
  std::vector<std::string> vocabulary_;
  std::vector<double> cumulative_;  // Zipf weights, running sum
  std::vector<std::string> hanzi_;
  std::vector<UserId> users_;
  std::vector<std::pair<GroupId, std::vector<UserId>>> groups_;
};

}  // namespace missive::bench
