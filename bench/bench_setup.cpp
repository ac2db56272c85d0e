#include "bench_setup.h"

#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <rapidjson/document.h>

#include "tests/integration/server_harness.h"

namespace missive::bench {
namespace {

constexpr int kThreads = 8;

rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  if (doc.HasParseError() || !doc.IsObject()) throw std::runtime_error("bad JSON: " + body);
  return doc;
}

// Runs f(i) for i in [0, count) on kThreads threads.
template <class F>
void parallel_for(int count, F f) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < count; i += kThreads) f(t, i);
    });
  }
  for (auto& th : threads) th.join();
}

}  // namespace

Setup::Setup(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {
  client::HttpClient http(host_, port_);
  const auto body = must_post(
      http, "/v1/sessions",
      fmt::format(R"({{"handle":"admin","password":"{}"}})", itest::kAdminPassword), 201);
  admin_token_ = parse(body)["token"].GetString();
}

std::unique_ptr<client::HttpClient> Setup::client(const std::string& token) const {
  auto http = std::make_unique<client::HttpClient>(host_, port_);
  http->set_token(token);
  return http;
}

std::string Setup::must_post(client::HttpClient& http, std::string_view target,
                             std::string_view body, int expected_status) const {
  auto response = http.request("POST", target, body);
  if (!response) throw std::runtime_error(fmt::format("POST {}: {}", target, response.error().message));
  if (response->status != expected_status) {
    throw std::runtime_error(
        fmt::format("POST {}: HTTP {}: {}", target, response->status, response->body));
  }
  return response->body;
}

std::vector<BenchUser> Setup::users(const std::string& prefix, int count, bool with_login) const {
  std::vector<BenchUser> users(static_cast<std::size_t>(count));
  std::vector<std::unique_ptr<client::HttpClient>> admins, anonymous;
  for (int t = 0; t < kThreads; ++t) {
    admins.push_back(client(admin_token_));
    anonymous.push_back(client(""));
  }
  parallel_for(count, [&](int t, int i) {
    BenchUser& u = users[std::size_t(i)];
    u.handle = fmt::format("{}-{}", prefix, i);
    const auto created = must_post(
        *admins[t], "/v1/users",
        fmt::format(R"({{"handle":"{}","first_name":"Bench","last_name":"{}","password":"pw-{}"}})",
                    u.handle, i, u.handle),
        201);
    u.id = parse(created)["id"].GetInt64();
    if (!with_login) return;
    const auto session = must_post(
        *anonymous[t], "/v1/sessions",
        fmt::format(R"({{"handle":"{}","password":"pw-{}"}})", u.handle, u.handle), 201);
    u.token = parse(session)["token"].GetString();
  });
  return users;
}

std::string Setup::login(const BenchUser& user) const {
  auto anonymous = client("");
  const auto body = must_post(
      *anonymous, "/v1/sessions",
      fmt::format(R"({{"handle":"{}","password":"pw-{}"}})", user.handle, user.handle), 201);
  return parse(body)["token"].GetString();
}

void Setup::grant(const BenchUser& user, std::string_view permission) const {
  auto admin = client(admin_token_);
  const auto target = fmt::format("/v1/users/{}", user.id);
  auto response =
      admin->request("PATCH", target, fmt::format(R"({{"permissions":["{}"]}})", permission));
  if (!response || response->status != 200) throw std::runtime_error("PATCH " + target + " failed");
}

std::int64_t Setup::group(const std::string& name, const std::vector<BenchUser>& members,
                          const std::string& owner_token) const {
  auto owner = client(owner_token);
  const auto created = must_post(*owner, "/v1/groups", fmt::format(R"({{"name":"{}"}})", name), 201);
  const std::int64_t id = parse(created)["id"].GetInt64();
  std::vector<std::unique_ptr<client::HttpClient>> clients;
  for (int t = 0; t < kThreads; ++t) clients.push_back(client(owner_token));
  parallel_for(static_cast<int>(members.size()), [&](int t, int i) {
    const auto target = fmt::format("/v1/groups/{}/members/{}", id, members[std::size_t(i)].id);
    auto response = clients[t]->request("PUT", target);
    if (!response || response->status / 100 != 2) {
      throw std::runtime_error("PUT " + target + " failed");
    }
  });
  return id;
}

}  // namespace missive::bench
