#pragma once
// What the server holds of answers its clients have not read yet (docs/security.md, "Limits"):
// HTTP responses being written and frames queued to WebSockets. A client that asks and never
// reads would otherwise make the server hold whatever it asked for; here every such byte is
// counted, in total and per user, and what would pass a bound is refused instead of held.
//
// Thread-safety: every method may be called from any thread concurrently (one mutex).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "core/error.h"

namespace missive::server {

struct OutputLimits {
  std::size_t total_bytes = 256 << 20;  // every connection's unread answers together; 0: none
  std::size_t user_bytes = 32 << 20;    // one user's; 0: none
  int user_answers = 64;                // HTTP answers of one user being written at once; 0: none
};

class OutputBudget {
 public:
  explicit OutputBudget(OutputLimits limits) : limits_(limits) {}

  // Bytes held for a user (0: before authentication, counted in the total only) until the
  // object goes. Move-only.
  class Hold {
   public:
    Hold() = default;
    Hold(Hold&& other) noexcept { *this = std::move(other); }
    Hold& operator=(Hold&& other) noexcept;
    ~Hold() { release(); }
    void release();

   private:
    friend class OutputBudget;
    Hold(OutputBudget* budget, std::int64_t user, std::size_t bytes, bool answer)
        : budget_(budget), user_(user), bytes_(bytes), answer_(answer) {}
    OutputBudget* budget_ = nullptr;
    std::int64_t user_ = 0;
    std::size_t bytes_ = 0;
    bool answer_ = false;
  };

  // An HTTP answer of `bytes` for `user`: counts one of the user's answers too. unavailable
  // (503) when the total is used up, rate_limited (429) when the user's share is; nothing is
  // held then.
  Result<Hold> hold_answer(std::int64_t user, std::size_t bytes);
  // Bytes queued to a WebSocket of `user` (the connection keeps its own count and adds or
  // gives back the difference). False, with nothing taken, when a bound would be passed.
  bool take(std::int64_t user, std::size_t bytes);
  void give_back(std::int64_t user, std::size_t bytes);

  std::size_t total_bytes();

 private:
  struct PerUser {
    std::size_t bytes = 0;
    int answers = 0;
  };
  Status take_locked(std::int64_t user, std::size_t bytes, bool answer);
  void give_back_locked(std::int64_t user, std::size_t bytes, bool answer);

  const OutputLimits limits_;
  std::mutex mutex_;
  std::size_t total_ = 0;                            // guarded by mutex_
  std::unordered_map<std::int64_t, PerUser> users_;  // guarded by mutex_; users holding some
};

}  // namespace missive::server
