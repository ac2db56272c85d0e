#include "server/output_budget.h"

#include <utility>

#include <fmt/format.h>

namespace missive::server {

OutputBudget::Hold& OutputBudget::Hold::operator=(Hold&& other) noexcept {
  if (this == &other) return *this;
  release();
  budget_ = std::exchange(other.budget_, nullptr);
  user_ = other.user_;
  bytes_ = other.bytes_;
  answer_ = other.answer_;
  return *this;
}

void OutputBudget::Hold::release() {
  if (budget_ == nullptr) return;
  std::lock_guard lock(budget_->mutex_);
  budget_->give_back_locked(user_, bytes_, answer_);
  budget_ = nullptr;
}

Status OutputBudget::take_locked(std::int64_t user, std::size_t bytes, bool answer) {
  if (limits_.total_bytes > 0 && total_ + bytes > limits_.total_bytes) {
    Error error{ErrorCode::unavailable,
                fmt::format("the server holds {} bytes of answers its clients have not read, "
                            "the most it may; try again shortly",
                            total_)};
    error.retry_after_seconds = 1;
    return std::unexpected(error);
  }
  if (user != 0) {
    const auto found = users_.find(user);
    const PerUser held = found == users_.end() ? PerUser{} : found->second;
    const bool over_bytes = limits_.user_bytes > 0 && held.bytes + bytes > limits_.user_bytes;
    const bool over_answers =
        answer && limits_.user_answers > 0 && held.answers + 1 > limits_.user_answers;
    if (over_bytes || over_answers) {
      Error error{ErrorCode::rate_limited,
                  over_bytes ? fmt::format("this user's connections hold {} bytes of answers not "
                                           "read yet, the most allowed; read them first",
                                           held.bytes)
                             : fmt::format("this user has {} answers being written, the most "
                                           "allowed; read them first",
                                           held.answers)};
      error.retry_after_seconds = 1;
      return std::unexpected(error);
    }
    PerUser& entry = users_[user];
    entry.bytes += bytes;
    entry.answers += answer ? 1 : 0;
  }
  total_ += bytes;
  return {};
}

void OutputBudget::give_back_locked(std::int64_t user, std::size_t bytes, bool answer) {
  total_ -= bytes;
  if (user == 0) return;
  const auto it = users_.find(user);
  if (it == users_.end()) return;
  it->second.bytes -= bytes;
  it->second.answers -= answer ? 1 : 0;
  if (it->second.bytes == 0 && it->second.answers == 0) users_.erase(it);
}

Result<OutputBudget::Hold> OutputBudget::hold_answer(std::int64_t user, std::size_t bytes) {
  std::lock_guard lock(mutex_);
  MISSIVE_TRY_STATUS(take_locked(user, bytes, true));
  return Hold(this, user, bytes, true);
}

bool OutputBudget::take(std::int64_t user, std::size_t bytes) {
  std::lock_guard lock(mutex_);
  return take_locked(user, bytes, false).has_value();
}

void OutputBudget::give_back(std::int64_t user, std::size_t bytes) {
  std::lock_guard lock(mutex_);
  give_back_locked(user, bytes, false);
}

std::size_t OutputBudget::total_bytes() {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace missive::server
