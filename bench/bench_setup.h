#pragma once
// Setting up a benchmark server over its HTTP API: users with tokens, groups, checked posts.
// Aborts the benchmark (std::runtime_error) on any unexpected answer.
//
// Thread-safety: a Setup may be shared; each HttpClient it makes belongs to one thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/http_client.h"

namespace missive::bench {

struct BenchUser {
  std::int64_t id = 0;
  std::string handle;
  std::string token;
};

class Setup {
 public:
  Setup(std::string host, std::uint16_t port);

  std::unique_ptr<client::HttpClient> client(const std::string& token) const;
  // Posts and checks the status; returns the body.
  std::string must_post(client::HttpClient& http, std::string_view target, std::string_view body,
                        int expected_status) const;
  // `count` new users "<prefix>-<i>", created and (when `login`) logged in by several threads;
  // without a login their tokens are empty.
  std::vector<BenchUser> users(const std::string& prefix, int count, bool login = true) const;
  // A session token for a user made by users().
  std::string login(const BenchUser& user) const;
  // An admin grants `user` the permission (docs/security.md, "Permissions"), e.g.
  // send_to_large_audiences for the sender of a message to more than 100 recipients.
  void grant(const BenchUser& user, std::string_view permission) const;
  // A group owned by `owner_token` with every one of `members`; returns its id.
  std::int64_t group(const std::string& name, const std::vector<BenchUser>& members,
                     const std::string& owner_token) const;

 private:
  std::string host_;
  std::uint16_t port_;
  std::string admin_token_;
};

}  // namespace missive::bench
