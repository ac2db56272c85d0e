#pragma once
// The HTTP API (server::Api) over a real engine and SQLite store in a temporary directory,
// called in-process: requests in, responses out, no sockets.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include <rapidjson/document.h>

#include "blob/blob_store.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "engine/media_service.h"
#include "engine/notification_service.h"
#include "notify/webhook.h"
#include "server/api.h"
#include "store/sqlite/sqlite_store.h"
#include "faulty_store.h"

namespace missive::testing {

inline constexpr Timestamp kApiStart = 1'790'000'000'000;  // 2026-09-21

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("missive-api-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    auto store = open_sqlite_store(SqliteOptions{.path = (dir_ / "missive.db").string()});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    faulty_ = std::make_unique<FaultyStore>(*store_);
    engine_ = std::make_unique<Engine>(*faulty_, clock_,
                                       EngineOptions{.password_cost = PasswordCost::minimal});
    ASSERT_TRUE(engine_->bootstrap_admin("admin-password"));
    auto blobs = blob::open_blob_store("file", dir_);
    ASSERT_TRUE(blobs) << blobs.error().message;
    blobs_ = std::move(*blobs);
    media_ = std::make_unique<MediaService>(*faulty_, clock_, *blobs_,
                                            MediaOptions{.url_key = "api-test-url-key"});
    // Email is "configured" (rows are queued) but nothing delivers them: no worker runs here.
    webhooks_ = std::make_unique<notify::WebhookSender>(notify::WebhookConfig{});
    notifications_ = std::make_unique<NotificationService>(
        *faulty_, clock_,
        NotificationOptions{.link_key = "api-test-link-key", .email_configured = true},
        nullptr, *webhooks_);
    api_ = std::make_unique<server::Api>(*engine_, server::RateLimits{}, nullptr, media_.get(),
                                         notifications_.get());
    admin_token_ = login("admin", "admin-password");
  }

  void TearDown() override {
    api_.reset();
    notifications_.reset();
    webhooks_.reset();
    media_.reset();
    blobs_.reset();
    engine_.reset();
    faulty_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // `headers`: lowercase names, as the server passes them (HttpRequest::headers). A route that
  // takes its body as a file (uploads) gets it in a file, as from the server.
  server::HttpResponse call(std::string method, std::string target, std::string body = {},
                            std::string token = {},
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
    server::HttpRequest request{std::move(method), std::move(target),
                                token.empty() ? std::string() : "Bearer " + token,
                                std::move(body)};
    request.headers = std::move(headers);
    if (api_->takes_file_body(request)) {
      request.body_file = (blobs_->temp_dir() / ("body-" + std::to_string(next_body_++))).string();
      std::ofstream(request.body_file, std::ios::binary) << request.body;
      request.body_size = static_cast<std::int64_t>(request.body.size());
      request.body.clear();
    }
    auto response = api_->handle(request);
    std::error_code ignored;
    if (!request.body_file.empty()) std::filesystem::remove(request.body_file, ignored);
    return response;
  }
  server::HttpResponse admin(std::string method, std::string target, std::string body = {}) {
    return call(std::move(method), std::move(target), std::move(body), admin_token_);
  }

  static rapidjson::Document parse(const server::HttpResponse& response) {
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << response.body;
    return doc;
  }
  // "<status> <error code>" for an error response, "<status>" otherwise.
  static std::string status_of(const server::HttpResponse& response) {
    auto doc = parse(response);
    if (doc.IsObject() && doc.HasMember("error")) {
      return std::to_string(response.status) + " " + doc["error"]["code"].GetString();
    }
    return std::to_string(response.status);
  }
  static std::string message_of(const server::HttpResponse& response) {
    auto doc = parse(response);
    return doc["error"]["message"].GetString();
  }

  std::string login(const std::string& handle, const std::string& password) {
    auto response = call("POST", "/v1/sessions",
                         R"({"handle":")" + handle + R"(","password":")" + password + R"("})");
    EXPECT_EQ(response.status, 201) << response.body;
    auto doc = parse(response);
    return doc.HasMember("token") ? doc["token"].GetString() : "";
  }

  // Creates a user (password "password-<handle>") and returns their id.
  std::int64_t create_user(const std::string& handle) {
    auto response = admin("POST", "/v1/users",
                          R"({"handle":")" + handle +
                              R"(","first_name":"F","last_name":"L","password":"password-)" + handle +
                              R"("})");
    EXPECT_EQ(response.status, 201) << response.body;
    return parse(response)["id"].GetInt64();
  }

  std::filesystem::path dir_;
  ManualClock clock_{kApiStart};
  std::unique_ptr<Store> store_;
  std::unique_ptr<FaultyStore> faulty_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<blob::BlobStore> blobs_;
  std::unique_ptr<MediaService> media_;
  std::unique_ptr<notify::WebhookSender> webhooks_;
  std::unique_ptr<NotificationService> notifications_;
  std::unique_ptr<server::Api> api_;
  int next_body_ = 0;
  std::string admin_token_;
};

}  // namespace missive::testing
