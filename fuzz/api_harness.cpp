#include "api_harness.h"

#include <cstdlib>
#include <system_error>

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include "fuzz_check.h"
#include "store/sqlite/sqlite_store.h"

namespace missive::fuzz {
namespace {

constexpr Timestamp kStart = 1'790'000'000'000;  // 2026-09-21

bool known_status(int status) {
  switch (status) {
    case 200: case 201: case 204:
    case 400: case 401: case 403: case 404: case 405: case 409: case 413: case 422: case 429:
      return true;
    default:
      return false;
  }
}

// A field of a seed response, or abort: seeding must work for the fuzzing to mean anything.
std::string seed_field(const server::HttpResponse& response, const char* name) {
  rapidjson::Document doc;
  doc.Parse(response.body.c_str());
  FUZZ_CHECK(!doc.HasParseError() && doc.IsObject() && doc.HasMember(name),
             "seeding failed: " + response.body);
  const auto& value = doc[name];
  return value.IsString() ? value.GetString() : std::to_string(value.GetInt64());
}

}  // namespace

void check_response(const server::HttpResponse& response, std::string_view what) {
  const std::string context =
      std::string(what) + " -> " + std::to_string(response.status) + " " + response.body;
  FUZZ_CHECK(known_status(response.status), context);
  if (response.status == 204) {
    FUZZ_CHECK(response.body.empty(), context);
    return;
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(response.body.data(), response.body.size());
  FUZZ_CHECK(!doc.HasParseError() && doc.IsObject(), "body is not a JSON object: " + context);
  if (response.status >= 400) {
    const auto error = doc.FindMember("error");
    FUZZ_CHECK(error != doc.MemberEnd() && error->value.IsObject(), context);
    const auto& object = error->value;
    FUZZ_CHECK(object.HasMember("code") && object["code"].IsString(), context);
    FUZZ_CHECK(object.HasMember("message") && object["message"].IsString() &&
                   object["message"].GetStringLength() > 0,
               context);
  }
}

ApiHarness::ApiHarness() : clock_(kStart) {
  spdlog::set_level(spdlog::level::off);
  open();
}

ApiHarness::~ApiHarness() { close(); }

void ApiHarness::open() {
  std::string pattern = (std::filesystem::temp_directory_path() / "missive-fuzz-XXXXXX").string();
  FUZZ_CHECK(mkdtemp(pattern.data()) != nullptr, "cannot create a temporary directory");
  dir_ = pattern;
  // Unsynced commits: a fuzzing run does not need durability, and fsync would dominate.
  auto store = open_sqlite_store(
      SqliteOptions{.path = (dir_ / "missive.db").string(), .read_connections = 2,
                    .sync_commits = false});
  FUZZ_CHECK(store.has_value(), store ? std::string() : store.error().message);
  store_ = std::move(*store);
  clock_.set(kStart);
  engine_ = std::make_unique<Engine>(*store_, clock_,
                                     EngineOptions{.password_cost = PasswordCost::minimal});
  FUZZ_CHECK(engine_->bootstrap_admin("admin-password").has_value(), "bootstrap failed");
  api_ = std::make_unique<server::Api>(*engine_);

  const auto seed = [&](std::string_view authorization, std::string method, std::string target,
                        std::string body) {
    auto response = api_->handle(server::HttpRequest{std::move(method), std::move(target),
                                                     std::string(authorization), std::move(body)});
    FUZZ_CHECK(response.status < 300, "seeding failed: " + response.body);
    return response;
  };
  const auto login = [&](std::string_view handle, std::string_view password) {
    auto response = seed("", "POST", "/v1/sessions",
                         R"({"handle":")" + std::string(handle) + R"(","password":")" +
                             std::string(password) + R"("})");
    return "Bearer " + seed_field(response, "token");
  };
  admin_ = login("admin", "admin-password");
  seed(admin_, "POST", "/v1/users",
       R"({"handle":"alice","first_name":"Alice","last_name":"A","password":"alice-password",)"
       R"("attributes":{"role":"dba","region":"EU","level":3}})");
  seed(admin_, "POST", "/v1/users",
       R"({"handle":"bob","first_name":"Bob","last_name":"B","password":"bob-password",)"
       R"("attributes":{"role":"dev","region":"US","level":1,"contractor":true}})");
  alice_ = login("alice", "alice-password");
  bob_ = login("bob", "bob-password");
  seed(admin_, "POST", "/v1/groups", R"({"name":"team"})");
  seed(admin_, "PUT", "/v1/groups/1/members/2", "");
  seed(admin_, "PUT", "/v1/groups/1/members/3", "");
  seed(admin_, "POST", "/v1/groups", R"({"name":"dbas","rule":"role = \"dba\" or level >= 3"})");
  seed(alice_, "POST", "/v1/messages",
       R"({"to":{"users":["bob"]},"subject":"deploy friday","body":"release notes attached",)"
       R"("client_msg_id":"m1","flags":["important"],"metadata":{"ticket":"OPS-1"}})");
  seed(bob_, "POST", "/v1/messages/1/replies", R"({"subject":"re","body":"ok for friday"})");
  seed(admin_, "POST", "/v1/messages",
       R"({"to":{"groups":["team"]},"subject":"Sign the form","body":"项目交付 today",)"
       R"("expiry_date":"2026-10-05","reminders":{"frequency":"weekly"}})");
  runs_ = 0;
  dirty_ = false;
}

void ApiHarness::close() {
  api_.reset();
  engine_.reset();
  store_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void ApiHarness::maybe_reset() {
  if (!dirty_ && ++runs_ < kRunsPerStore) return;
  close();
  open();
}

std::string_view ApiHarness::authorization(Caller caller) const {
  switch (caller) {
    case Caller::none: return "";
    case Caller::admin: return admin_;
    case Caller::alice: return alice_;
    case Caller::bob: return bob_;
    case Caller::bad_token: return "Bearer not-a-token";
  }
  return "";
}

server::HttpResponse ApiHarness::call(Caller caller, std::string method, std::string target,
                                      std::string body) {
  const std::string what = method + " " + target;
  const bool changes_sessions =
      method != "GET" && (target.starts_with("/v1/users/") || target.starts_with("/v1/sessions/"));
  auto response = api_->handle(server::HttpRequest{std::move(method), std::move(target),
                                                   std::string(authorization(caller)),
                                                   std::move(body)});
  check_response(response, what);
  if (changes_sessions && response.status < 300) dirty_ = true;
  return response;
}

}  // namespace missive::fuzz
