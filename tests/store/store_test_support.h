#pragma once
// The store conformance fixture: every test runs against each backend instantiated with
// INSTANTIATE_TEST_SUITE_P(<Backend>, StoreConformance, ...), through the Store interface only.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <source_location>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/search_query.h"
#include "store/store.h"

namespace missive::testing {

struct StoreBackend {
  std::string name;
  // Opens the store kept under `dir`: a new one for a new dir, the same data when reopened.
  std::function<Result<std::unique_ptr<Store>>(const std::filesystem::path& dir)> open;
};

inline void PrintTo(const StoreBackend& b, std::ostream* os) { *os << b.name; }

// A fresh, unique, empty directory under the system temp dir; removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// "ok" or the error code's name: asserts read like a spec (EXPECT_EQ(status(r), "conflict")).
template <class T>
std::string status(const Result<T>& r) {
  return r ? "ok" : std::string(error_code_name(r.error().code));
}

// The value of a result that must succeed; otherwise the test fails here (and stops).
template <class T>
T must(Result<T> r, std::source_location where = std::source_location::current()) {
  if (!r) {
    ADD_FAILURE_AT(where.file_name(), static_cast<int>(where.line()))
        << error_code_name(r.error().code) << ": " << r.error().message;
    throw std::runtime_error("required operation failed");
  }
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

class StoreConformance : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Closes the store and opens it again on the same data.
  void reopen();

  Store& store() { return *store_; }

  // --- fixtures ---
  User user(const std::string& handle, Attributes attributes = {});
  std::vector<UserId> users(const std::string& prefix, int count);
  Group group(const std::string& name, UserId owner, const std::vector<UserId>& members);

  // A direct message from -> to.
  static NewMessage direct(UserId from, UserId to, std::string body = "hello");
  // A message to a group conversation whose recipients are `members` through `group`.
  static NewMessage to_group(UserId from, GroupId group, const std::vector<UserId>& members,
                             std::string body = "hello all");
  Message send(const NewMessage& m) { return must(store().send_message(m)).message; }
  // From `from` to a new group "Ops" of `members`, and to members[0] directly too: one user
  // with two records, as a message to a group and one of its members has.
  Message send_to_ops_and_first_member(UserId from, const std::vector<UserId>& members);

  std::int64_t now_ = 1'700'000'000'000;

 private:
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Store> store_;
};

// The search tests: run against each backend, and for SQLite against both of its plans.
// Fixtures: three users, direct messages with increasing dates, search shorthands.
class SearchConformance : public StoreConformance {
 public:
  using StoreConformance::store;

 protected:
  void SetUp() override;

  // A search by `who` for `text` (which must parse): limit 50, relevance.
  MessageSearch query(UserId who, std::string_view text);
  // Ids of the first page, in page order.
  std::vector<std::int64_t> find(UserId who, std::string_view text);
  std::vector<std::int64_t> find(const MessageSearch& search);
  Message say(UserId from, UserId to, std::string subject, std::string body);

  User ada_, bob_, cyd_;
  Timestamp clock_ = 1'700'000'000'000;
};

// The upload tests (uploads_test.cpp): two contents' sha256, and shorthands.
inline constexpr const char* kSha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
inline constexpr const char* kOtherSha =
    "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";

class Uploads : public StoreConformance {
 public:
 protected:
  NewUpload new_upload(UserId owner, std::int64_t size = 100) const {
    NewUpload u;
    u.owner = owner;
    u.name = "cat.jpg";
    u.declared_type = "image/jpeg";
    u.size = size;
    u.created_at = now_;
    u.expires_at = now_ + 3'600'000;
    return u;
  }

  // A complete upload of `size` bytes with content `sha` (its blob put under `key` when the
  // store asks for one).
  Upload complete(UserId owner, const char* sha = kSha, const std::string& key = "blobs/a-1",
                  std::int64_t size = 100) {
    Upload u = must(store().create_upload(new_upload(owner, size))).upload;
    must(store().advance_upload(u.id, 0, size));
    UploadCompletion c{u.id, sha, "image/jpeg", "", now_};
    auto done = must(store().complete_upload(c));
    if (done) return *done;
    c.new_key = key;
    done = must(store().complete_upload(c));
    EXPECT_TRUE(done.has_value());
    return *done;
  }

  NewMessage carrying(UserId from, UserId to, std::vector<UploadId> uploads) {
    NewMessage m = direct(from, to, "see attached");
    m.attachments = std::move(uploads);
    return m;
  }
};

// The notification tests (notifications_test.cpp): endpoints, confirmed addresses, and the
// outbox read back oldest first.
class Notifications : public StoreConformance {
 protected:
  WebhookEndpoint endpoint(std::uint32_t events = kWebhookEvents,
                           std::string url = "https://hooks.example/in") {
    return must(store().create_webhook(NewWebhook{std::move(url), "whsec_c2VjcmV0", events,
                                                  "test endpoint", now_}));
  }

  // `user`'s address becomes `address` (requested and confirmed at now_).
  void confirm_address(UserId user, const std::string& address) {
    const std::string hash = "hash-" + address;
    must(store().request_email_change(
        EmailChange{user, address, "token-" + address, hash, now_ + 3'600'000, now_}));
    EXPECT_EQ(must(store().confirm_email(hash, now_)), user);
  }

  // A user with the confirmed address "<handle>@example.com".
  User with_address(const std::string& handle) {
    User u = user(handle);
    confirm_address(u.id, handle + "@example.com");
    return u;
  }

  // Every outbox row (of `event`, when given), oldest first.
  std::vector<Notification> outbox(std::optional<NotificationEvent> event = std::nullopt) {
    std::vector<Notification> rows =
        must(store().list_notifications(NotificationQuery{.limit = 1000}));
    std::reverse(rows.begin(), rows.end());
    if (event) std::erase_if(rows, [&](const Notification& n) { return n.event != *event; });
    return rows;
  }
};

}  // namespace missive::testing
