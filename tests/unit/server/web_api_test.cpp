// What the web page needs of the API: its files with their security headers, the cookie
// session and the Origin checks that keep other sites from using it, and the routes behind its
// autocomplete, rule preview, reminder plan and read-% chart.
#include <fstream>

#include "api_fixture.h"
#include "server/web_assets.h"
#include "server/web_session.h"

namespace missive::testing {
namespace {

constexpr const char* kHost = "127.0.0.1:8080";
constexpr const char* kOrigin = "http://127.0.0.1:8080";

std::string header(const server::HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return {};
}

class WebApiTest : public ApiTest {
 protected:
  // A browser's request: the session cookie (when given), this server's Host and an Origin.
  server::HttpResponse browser(std::string method, std::string target, std::string body,
                               std::string cookie, std::string origin = kOrigin) {
    server::HttpRequest request{std::move(method), std::move(target), "", std::move(body)};
    request.cookie = std::move(cookie);
    request.origin = std::move(origin);
    request.host = kHost;
    return api_->handle(request);
  }

  // Logs in as the web page does; returns the Cookie header value to send back.
  std::string cookie_login(const std::string& handle, const std::string& password) {
    auto response = browser("POST", "/v1/sessions",
                            R"({"handle":")" + handle + R"(","password":")" + password +
                                R"(","cookie":true})",
                            "");
    EXPECT_EQ(response.status, 201) << response.body;
    EXPECT_FALSE(parse(response).HasMember("token")) << "the page's script must not see it";
    const auto set_cookie = header(response, "Set-Cookie");
    EXPECT_NE(set_cookie.find("; HttpOnly"), std::string::npos) << set_cookie;
    EXPECT_NE(set_cookie.find("; SameSite=Strict"), std::string::npos) << set_cookie;
    EXPECT_NE(set_cookie.find("; Path=/"), std::string::npos) << set_cookie;
    return set_cookie.substr(0, set_cookie.find(';'));
  }
};

TEST(WebSessionTest, CookieValueAndSameOrigin) {
  EXPECT_EQ(server::cookie_value("a=1; missive_session=xyz; b=2", "missive_session"), "xyz");
  EXPECT_EQ(server::cookie_value("missive_session=xyz", "missive_session"), "xyz");
  EXPECT_EQ(server::cookie_value("xmissive_session=xyz", "missive_session"), "");
  EXPECT_EQ(server::cookie_value("", "missive_session"), "");
  EXPECT_TRUE(server::same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
  EXPECT_TRUE(server::same_origin("https://chat.example.org", "chat.example.org"));
  EXPECT_FALSE(server::same_origin("http://evil.example", "127.0.0.1:8080"));
  EXPECT_FALSE(server::same_origin("http://127.0.0.1:8080.evil.example", "127.0.0.1:8080"));
  EXPECT_FALSE(server::same_origin("null", "127.0.0.1:8080"));
  EXPECT_FALSE(server::same_origin("ftp://127.0.0.1:8080", "127.0.0.1:8080"));
}

TEST_F(WebApiTest, CookieSessionWorksForReadsAndSameSiteWrites) {
  create_user("ada");
  const auto cookie = cookie_login("admin", "admin-password");
  auto me = browser("GET", "/v1/me", "", cookie, "");  // a same-origin GET carries no Origin
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_STREQ(parse(me)["handle"].GetString(), "admin");
  auto sent = browser("POST", "/v1/messages", R"({"to":{"users":["ada"]},"subject":"s","body":"b"})",
                      cookie);
  EXPECT_EQ(sent.status, 201) << sent.body;

  auto out = browser("DELETE", "/v1/sessions/current", "", cookie);
  EXPECT_EQ(out.status, 204);
  EXPECT_NE(header(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(status_of(browser("GET", "/v1/me", "", cookie, "")), "401 unauthenticated");
}

TEST_F(WebApiTest, CrossSiteRequestsAreRefusedAndChangeNothing) {
  create_user("ada");
  const auto cookie = cookie_login("admin", "admin-password");
  const std::string send = R"({"to":{"users":["ada"]},"subject":"forged","body":"b"})";
  auto foreign = browser("POST", "/v1/messages", send, cookie, "http://evil.example");
  EXPECT_EQ(status_of(foreign), "403 forbidden");
  EXPECT_NE(message_of(foreign).find("cross-site"), std::string::npos) << foreign.body;
  EXPECT_EQ(status_of(browser("POST", "/v1/messages", send, cookie, "")), "403 forbidden");
  // A login from another site is refused too (login CSRF), even with the right password.
  EXPECT_EQ(status_of(browser("POST", "/v1/sessions",
                              R"({"handle":"admin","password":"admin-password","cookie":true})",
                              "", "http://evil.example")),
            "403 forbidden");
  // Nothing was sent.
  EXPECT_EQ(parse(admin("GET", "/v1/dashboard"))["messages"].Size(), 0u);
  // API clients send no Origin and keep working with the bearer token.
  EXPECT_EQ(admin("POST", "/v1/messages", send).status, 201);
}

TEST_F(WebApiTest, UsersByPrefixForAutocomplete) {
  admin("POST", "/v1/users",
        R"({"handle":"ada","first_name":"Ada","last_name":"Lovelace","password":"password-1"})");
  admin("POST", "/v1/users",
        R"({"handle":"bob","first_name":"Robert","last_name":"Kahn","password":"password-1"})");
  admin("POST", "/v1/users",
        R"({"handle":"a_b","first_name":"X","last_name":"Y","password":"password-1"})");
  const auto handles = [&](const std::string& q) {
    std::string out;
    const auto found = parse(admin("GET", "/v1/users?q=" + q));  // outlives the loop
    for (const auto& user : found["users"].GetArray()) {
      out += std::string(user["handle"].GetString()) + " ";
    }
    return out;
  };
  EXPECT_EQ(handles("ad"), "admin ada ");
  EXPECT_EQ(handles("LOV"), "ada ");     // last name, without case
  EXPECT_EQ(handles("rob"), "bob ");     // first name
  EXPECT_EQ(handles("a_"), "a_b ");      // '_' is itself, not a wildcard
  EXPECT_EQ(handles("a%25"), "");        // nor is '%'
  EXPECT_EQ(handles("zzz"), "");
  EXPECT_EQ(status_of(admin("GET", "/v1/users?q=" + std::string(201, 'a'))), "400 invalid");
}

TEST_F(WebApiTest, RulePreviewMatchesNowAndPointsAtErrors) {
  admin("POST", "/v1/users",
        R"({"handle":"ada","first_name":"A","last_name":"L","password":"password-1","attributes":{"role":"dba"}})");
  admin("POST", "/v1/users",
        R"({"handle":"bob","first_name":"B","last_name":"K","password":"password-1","attributes":{"role":"dev"}})");
  auto preview = admin("POST", "/v1/groups/preview", R"({"rule":"role = \"dba\""})");
  ASSERT_EQ(preview.status, 200) << preview.body;
  auto doc = parse(preview);
  EXPECT_EQ(doc["count"].GetInt64(), 1);
  EXPECT_STREQ(doc["users"][0]["handle"].GetString(), "ada");

  auto bad = admin("POST", "/v1/groups/preview", R"({"rule":"role == \"dba\""})");
  EXPECT_EQ(status_of(bad), "422 unprocessable");
  EXPECT_EQ(parse(bad)["error"]["position"].GetInt64(), 6) << bad.body;
  EXPECT_EQ(status_of(admin("POST", "/v1/groups/preview", "{}")), "400 invalid");
  // Nothing was created.
  EXPECT_EQ(parse(admin("GET", "/v1/groups"))["groups"].Size(), 0u);
}

TEST_F(WebApiTest, ReminderPlanListsTheDatesASendWouldGet) {
  // Sent on Monday 21 Sep 2026, weekly, expiring on 12 Oct: 28 Sep, 5 Oct, final 12 Oct.
  auto plan = admin("POST", "/v1/reminders/plan",
                    R"({"expiry_date":"2026-10-12","reminders":{"frequency":"weekly"}})");
  ASSERT_EQ(plan.status, 200) << plan.body;
  EXPECT_EQ(plan.body,
            R"({"expiry_day":"2026-10-12","dates":[{"at":"2026-09-28T09:00:00.000Z","final":false},)"
            R"({"at":"2026-10-05T09:00:00.000Z","final":false},)"
            R"({"at":"2026-10-12T09:00:00.000Z","final":true}],"omitted":0})");
  // Daily for years lists 60 and counts the rest.
  auto long_plan = parse(admin("POST", "/v1/reminders/plan",
                               R"({"expiry_date":"2030-01-01","reminders":{"frequency":"daily"}})"));
  EXPECT_EQ(long_plan["dates"].Size(), 61u);
  EXPECT_GT(long_plan["omitted"].GetInt64(), 1000);
  EXPECT_EQ(status_of(admin("POST", "/v1/reminders/plan",
                            R"({"expiry_date":"2026-09-21","reminders":{"frequency":"weekly"}})")),
            "422 unprocessable");
  EXPECT_EQ(status_of(admin("POST", "/v1/reminders/plan", R"({"expiry_date":"2026-10-12"})")),
            "400 invalid");
}

TEST_F(WebApiTest, ReadHistoryCountsFirstReadsAndReminderRounds) {
  for (const auto* handle : {"ada", "bob", "cyd"}) create_user(handle);
  auto sent = admin("POST", "/v1/messages",
                    R"({"to":{"users":["ada","bob","cyd"]},"subject":"Sign","body":"b",)"
                    R"("expiry_date":"2026-10-12","reminders":{"frequency":"weekly"}})");
  ASSERT_EQ(sent.status, 201) << sent.body;
  const auto id = std::to_string(parse(sent)["id"].GetInt64());
  clock_.advance(60'000);
  EXPECT_EQ(call("POST", "/v1/messages/" + id + "/read", {}, login("ada", "password-ada")).status,
            200);
  // The first reminder round goes to the two who have not read.
  clock_.set(kApiStart + 7 * kDayMs);
  ASSERT_TRUE(engine_->run_due_reminders(clock_.now()));
  clock_.advance(3'600'000);
  EXPECT_EQ(call("POST", "/v1/messages/" + id + "/read", {}, login("bob", "password-bob")).status,
            200);

  auto history = admin("GET", "/v1/dashboard/" + id + "/history");
  ASSERT_EQ(history.status, 200) << history.body;
  auto doc = parse(history);
  EXPECT_EQ(doc["recipients"].GetInt64(), 3);
  const auto& reads = doc["reads"];
  ASSERT_EQ(reads.Size(), 2u) << history.body;
  EXPECT_STREQ(reads[0]["at"].GetString(), "2026-09-21T14:14:20.000Z");
  EXPECT_EQ(reads[0]["read_count"].GetInt64(), 1);
  EXPECT_EQ(reads[1]["read_count"].GetInt64(), 2);
  ASSERT_EQ(doc["rounds"].Size(), 1u);
  EXPECT_EQ(doc["rounds"][0]["number"].GetInt64(), 1);
  EXPECT_EQ(doc["rounds"][0]["reminded"].GetInt64(), 2);
  EXPECT_FALSE(doc["rounds"][0]["final"].GetBool());
  // A recipient may not see it; anyone else does not learn it exists.
  EXPECT_EQ(status_of(call("GET", "/v1/dashboard/" + id + "/history", {},
                           login("cyd", "password-cyd"))),
            "403 forbidden");
  create_user("eve");
  EXPECT_EQ(status_of(call("GET", "/v1/dashboard/" + id + "/history", {},
                           login("eve", "password-eve"))),
            "404 not_found");
}

class WebPageTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    std::filesystem::create_directories(dir_ / "web" / "assets");
    std::ofstream(dir_ / "web" / "index.html") << "<!doctype html><script src=/assets/app.js>";
    std::ofstream(dir_ / "web" / "assets" / "app.js") << "console.log(1)";
    std::ofstream(dir_ / "secret.txt") << "outside the page";
    api_ = std::make_unique<server::Api>(*engine_, server::RateLimits{},
                                         server::directory_web_assets((dir_ / "web").string()));
  }
  server::HttpResponse get(std::string target, std::string if_none_match = {}) {
    server::HttpRequest request{"GET", std::move(target), "", ""};
    request.if_none_match = std::move(if_none_match);
    return api_->handle(request);
  }
};

TEST_F(WebPageTest, ServesThePageWithItsSecurityHeaders) {
  auto page = get("/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<!doctype html><script src=/assets/app.js>");
  EXPECT_EQ(header(page, "Content-Type"), "text/html; charset=utf-8");
  const auto csp = header(page, "Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(header(page, "X-Content-Type-Options"), "nosniff");

  auto script = get("/assets/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(header(script, "Content-Type"), "text/javascript; charset=utf-8");
  const auto etag = header(script, "ETag");
  ASSERT_FALSE(etag.empty());
  auto again = get("/assets/app.js", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
}

TEST_F(WebPageTest, NothingOutsideThePageIsServed) {
  EXPECT_EQ(status_of(get("/assets/../secret.txt")), "404 not_found");
  EXPECT_EQ(status_of(get("/assets/%2e%2e/secret.txt")), "404 not_found");
  EXPECT_EQ(status_of(get("/assets/")), "404 not_found");
  EXPECT_EQ(status_of(get("/assets//app.js")), "404 not_found");
  EXPECT_EQ(status_of(get("/secret.txt")), "404 not_found");
  EXPECT_EQ(status_of(get("/assets/missing.js")), "404 not_found");
  // The API's routes are unaffected.
  EXPECT_EQ(status_of(get("/v1/me")), "401 unauthenticated");
}

TEST(WebAssetsTest, EmbeddedFilesAreServedCompressedWhenAccepted) {
  static constexpr server::EmbeddedWebFile kFiles[] = {
      {"index.html", "<p>page</p>", "GZIPPED", "\"e1\""},
      {"assets/app.css", "p{}", "", "\"e2\""}};
  const auto assets = server::embedded_web_assets(kFiles);
  server::HttpRequest request{"GET", "/", "", ""};
  EXPECT_EQ(server::serve_web_file(*assets, request, "/")->body, "<p>page</p>");
  request.accept_encoding = "gzip, deflate, br";
  const auto compressed = server::serve_web_file(*assets, request, "/");
  EXPECT_EQ(compressed->body, "GZIPPED");
  EXPECT_EQ(header(*compressed, "Content-Encoding"), "gzip");
  const auto css = server::serve_web_file(*assets, request, "/assets/app.css");
  EXPECT_EQ(css->body, "p{}");  // no compressed copy: sent as is
  EXPECT_EQ(header(*css, "Content-Type"), "text/css; charset=utf-8");
  EXPECT_FALSE(server::serve_web_file(*assets, request, "/assets/none.js"));
}

}  // namespace
}  // namespace missive::testing
