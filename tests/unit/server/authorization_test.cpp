// The authorisation matrix (issue 7): every HTTP route × every kind of caller → the status
// docs/api.md documents. Callers: no token, an expired token, a revoked (logged out) token, a
// deactivated user, another user (in no group, sent nothing, received nothing), a member
// (of the group, a recipient of its messages, but not their owner or creator), an admin, a
// granted user (another user holding every permission: create_groups, create_rule_groups,
// send_to_large_audiences, see_attributes), and the owner (creator of the messages, owner of
// the groups). Messages the caller may not see answer 404 exactly as a message that does not
// exist. The policy's large-audience threshold is 2 once the fixtures are sent.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "api_fixture.h"
#include "server/server.h"

namespace missive::testing {
namespace {

constexpr Timestamp kDay = 24LL * 3600 * 1000;

enum Who {
  kNone,
  kExpired,
  kRevoked,
  kDeactivated,
  kOther,
  kMember,
  kAdmin,
  kGranted,
  kOwner,
  kWhoCount
};
constexpr const char* kWhoNames[] = {
    "no token", "expired token", "revoked token", "deactivated user", "other user", "member",
    "admin",    "granted user",  "owner"};

// Expected statuses, in Who order.
using Row = std::array<int, kWhoCount>;
// Authenticated routes: 401 for the first four callers.
constexpr Row authed(int other, int member, int admin, int granted, int owner) {
  return {401, 401, 401, 401, other, member, admin, granted, owner};
}

class AuthorizationTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    // Logged in before the clock jumps past the session lifetime (30 days by default).
    create_user("late");
    tokens_[kExpired] = login("late", "password-late");
    clock_.advance(31 * kDay);
    admin_token_ = login("admin", "admin-password");
    tokens_[kAdmin] = admin_token_;

    ids_["alice"] = create_user("alice");
    ids_["bob"] = create_user("bob");
    ids_["eve"] = create_user("eve");
    ids_["carol"] = create_user("carol");
    ids_["target"] = create_user("target");
    ids_["gail"] = create_user("gail");
    ids_["gone"] = create_user("gone");
    create_user("quitter");
    // Users whom each caller adds to and removes from the group ({extra<who>}).
    for (int who = 1; who <= kWhoCount; ++who) {
      ids_["extra" + std::to_string(who)] = create_user("extra" + std::to_string(who));
    }
    tokens_[kOwner] = login("alice", "password-alice");
    tokens_[kMember] = login("bob", "password-bob");
    tokens_[kOther] = login("eve", "password-eve");
    tokens_[kGranted] = login("gail", "password-gail");
    EXPECT_EQ(admin("PATCH", "/v1/users/" + std::to_string(ids_["gail"]),
                    R"({"permissions":["create_groups","create_rule_groups",)"
                    R"("send_to_large_audiences","see_attributes"]})")
                  .status,
              200);
    tokens_[kDeactivated] = login("gone", "password-gone");
    tokens_[kRevoked] = login("quitter", "password-quitter");
    EXPECT_EQ(call("DELETE", "/v1/sessions/current", {}, tokens_[kRevoked]).status, 204);

    const auto owner = [&](std::string method, std::string target, std::string body = {}) {
      auto r = call(std::move(method), std::move(target), std::move(body), tokens_[kOwner]);
      EXPECT_LT(r.status, 300) << r.body;
      return parse(r);
    };
    ids_["group"] = owner("POST", "/v1/groups", R"({"name":"crew"})")["id"].GetInt64();
    ids_["spare_group"] = owner("POST", "/v1/groups", R"({"name":"spare"})")["id"].GetInt64();
    const auto group = std::to_string(ids_["group"]);
    for (const auto* who : {"bob", "carol", "gone"}) {
      EXPECT_EQ(call("PUT", "/v1/groups/" + group + "/members/" + std::to_string(ids_[who]), {},
                     tokens_[kOwner])
                    .status,
                204);
    }
    const auto message =
        owner("POST", "/v1/messages",
              R"({"to":{"groups":[)" + group + R"(]},"subject":"hello crew","body":"b"})");
    ids_["message"] = message["id"].GetInt64();
    ids_["conversation"] = message["conversation_id"].GetInt64();
    ids_["direct"] = owner("POST", "/v1/messages",
                           R"({"to":{"users":[)" + std::to_string(ids_["bob"]) +
                               R"(]},"subject":"to bob","body":"b"})")["id"]
                         .GetInt64();
    EXPECT_EQ(deactivate("gone"), 200);  // after the group send: they were a recipient
    ids_["reminded"] = owner("POST", "/v1/messages",
                             R"({"to":{"groups":[)" + group +
                                 R"(]},"subject":"sign","body":"b","expiry_date":"2026-11-30",)"
                                 R"("reminders":{"frequency":"daily"}})")["id"]
                           .GetInt64();
    // An attachment the owner sent to bob, and two incomplete tus uploads of the owner.
    ids_["upload"] = parse(call("POST", "/v1/uploads?name=a.txt", "hello", tokens_[kOwner]))["id"]
                         .GetInt64();
    owner("POST", "/v1/messages",
          R"({"to":{"users":[)" + std::to_string(ids_["bob"]) +
              R"(]},"subject":"file","body":"b","attachments":[)" +
              std::to_string(ids_["upload"]) + "]}");
    for (const auto* name : {"tus", "tus2"}) {
      const auto created = call("POST", "/v1/tus", {}, tokens_[kOwner], tus_headers("POST"));
      EXPECT_EQ(created.status, 201) << created.body;
      for (const auto& [header, value] : created.headers) {
        if (header == "Location") ids_[name] = std::stoll(value.substr(value.rfind('/') + 1));
      }
    }
    // A webhook endpoint (a public address: no lookup) and an outbox row (alice's
    // confirmation email) for the notification routes.
    ids_["webhook"] = parse(admin("POST", "/v1/webhooks",
                                  R"({"url":"https://93.184.216.34/hook","events":["message.sent"]})"))["id"]
                          .GetInt64();
    EXPECT_EQ(admin("PUT", fill("/v1/users/{alice}/email"), R"({"address":"alice@example.org"})").status, 202);
    ids_["notification"] =
        parse(admin("GET", "/v1/notifications?channel=email"))["notifications"][0]["id"].GetInt64();
    // Sends to three users or more need send_to_large_audiences from here on.
    EXPECT_EQ(admin("PUT", "/v1/policy", R"({"large_audience":2})").status, 200);
  }

  // What a tus request carries besides credentials (a 5-byte upload, written at offset 0).
  static std::vector<std::pair<std::string, std::string>> tus_headers(std::string_view method) {
    std::vector<std::pair<std::string, std::string>> headers = {{"tus-resumable", "1.0.0"}};
    if (method == "POST") headers.emplace_back("upload-length", "5");
    if (method == "PATCH") {
      headers.emplace_back("upload-offset", "0");
      headers.emplace_back("content-type", "application/offset+octet-stream");
    }
    return headers;
  }

  int deactivate(const std::string& handle) {
    const auto id = parse(admin("GET", "/v1/users/by-handle/" + handle))["id"].GetInt64();
    return admin("POST", "/v1/users/" + std::to_string(id) + "/deactivate").status;
  }

  // "/v1/messages/{message}" with the ids filled in.
  std::string fill(std::string path) const {
    for (const auto& [name, id] : ids_) {
      const std::string key = "{" + name + "}";
      for (auto at = path.find(key); at != std::string::npos; at = path.find(key)) {
        path.replace(at, key.size(), std::to_string(id));
      }
    }
    return path;
  }

  std::array<std::string, kWhoCount> tokens_;
  std::map<std::string, std::int64_t> ids_;
};

struct Case {
  const char* method;
  const char* route;   // as in the route table
  const char* target;  // with {name} placeholders
  const char* body;    // "{who}" is replaced by the caller's index, to keep names unique
  Row expected;
};

// In row order; rows that change state are placed so they do not disturb later rows, and the
// owner (who is allowed most) comes last in each row.
const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"GET", "/healthz", "/healthz", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST",
       "/v1/sessions",
       "/v1/sessions",
       R"({"handle":"eve","password":"password-eve"})",
       {201, 201, 201, 201, 201, 201, 201, 201, 201}},
      {"GET", "/v1/me", "/v1/me", "", authed(200, 200, 200, 200, 200)},
      {"POST", "/v1/users", "/v1/users",
       R"({"handle":"new{who}","first_name":"N","last_name":"U","password":"password-new"})",
       authed(403, 403, 201, 403, 403)},
      {"GET", "/v1/users", "/v1/users", "", authed(200, 200, 200, 200, 200)},
      {"GET", "/v1/users/{id}", "/v1/users/{alice}", "", authed(200, 200, 200, 200, 200)},
      // Permissions are granted by admins only, never by their holder.
      {"PATCH", "/v1/users/{id}", "/v1/users/{eve}", R"({"permissions":[]})",
       authed(403, 403, 200, 403, 403)},
      {"GET", "/v1/policy", "/v1/policy", "", authed(403, 403, 200, 403, 403)},
      {"PUT", "/v1/policy", "/v1/policy", R"({"large_audience":2})",
       authed(403, 403, 200, 403, 403)},
      {"GET", "/v1/users/by-handle/{handle}", "/v1/users/by-handle/alice", "",
       authed(200, 200, 200, 200, 200)},
      {"PATCH", "/v1/users/{id}", "/v1/users/{alice}", R"({"first_name":"Alice"})",
       authed(403, 403, 200, 403, 200)},
      {"POST", "/v1/users/{id}/deactivate", "/v1/users/{target}/deactivate", "",
       authed(403, 403, 200, 403, 403)},
      {"POST", "/v1/users/{id}/activate", "/v1/users/{target}/activate", "",
       authed(403, 403, 200, 403, 403)},
      {"POST", "/v1/groups", "/v1/groups", R"({"name":"new group {who}"})",
       authed(201, 201, 201, 201, 201)},
      {"GET", "/v1/groups", "/v1/groups", "", authed(200, 200, 200, 200, 200)},
      // Rule groups and previews need create_rule_groups (the default policy).
      {"POST", "/v1/groups", "/v1/groups", R"({"name":"rule group {who}","rule":"role = \"dba\""})",
       authed(403, 403, 201, 201, 403)},
      {"POST", "/v1/groups/preview", "/v1/groups/preview", R"({"rule":"role = \"dba\""})",
       authed(403, 403, 200, 200, 403)},
      {"GET", "/v1/groups/{id}", "/v1/groups/{group}", "", authed(200, 200, 200, 200, 200)},
      {"PATCH", "/v1/groups/{id}", "/v1/groups/{group}", R"({"name":"crew"})",
       authed(403, 403, 200, 403, 200)},
      {"POST", "/v1/groups/{id}/deactivate", "/v1/groups/{spare_group}/deactivate", "",
       authed(403, 403, 200, 403, 200)},
      {"POST", "/v1/groups/{id}/activate", "/v1/groups/{spare_group}/activate", "",
       authed(403, 403, 200, 403, 200)},
      {"GET", "/v1/groups/{id}/members", "/v1/groups/{group}/members", "",
       authed(200, 200, 200, 200, 200)},
      {"PUT", "/v1/groups/{id}/members/{user_id}", "/v1/groups/{group}/members/{extra{who}}", "",
       authed(403, 403, 204, 403, 204)},
      {"DELETE", "/v1/groups/{id}/members/{user_id}", "/v1/groups/{group}/members/{extra{who}}", "",
       authed(403, 403, 204, 403, 204)},
      {"GET", "/v1/messages/{id}", "/v1/messages/{message}", "", authed(404, 200, 404, 404, 200)},
      {"PATCH", "/v1/messages/{id}", "/v1/messages/{message}", R"({"expiry_date":null})",
       authed(404, 403, 404, 404, 200)},
      {"POST", "/v1/messages/{id}/replies", "/v1/messages/{message}/replies", R"({"body":"r"})",
       authed(404, 201, 404, 404, 201)},
      {"GET", "/v1/messages/{id}/thread", "/v1/messages/{message}/thread", "",
       authed(404, 200, 404, 404, 200)},
      {"POST", "/v1/messages/{id}/read", "/v1/messages/{message}/read", "",
       authed(404, 200, 404, 404, 200)},
      {"GET", "/v1/inbox", "/v1/inbox", "", authed(200, 200, 200, 200, 200)},
      {"GET", "/v1/conversations", "/v1/conversations", "", authed(200, 200, 200, 200, 200)},
      {"POST", "/v1/conversations/{id}/read", "/v1/conversations/{conversation}/read", "",
       authed(404, 200, 404, 404, 200)},
      {"GET", "/v1/conversations/{id}/messages", "/v1/conversations/{conversation}/messages", "",
       authed(404, 200, 404, 404, 200)},
      // After the conversation rows: an admin may send to any group, and is then part of its
      // conversation.
      {"POST", "/v1/messages", "/v1/messages",
       R"({"to":{"groups":[{group}]},"subject":"s","body":"b"})", authed(403, 201, 201, 403, 201)},
      // Over the large-audience threshold (2): admins and send_to_large_audiences only.
      {"POST", "/v1/messages", "/v1/messages",
       R"({"to":{"users":[{bob},{carol},{target},{eve},{gail}]},"subject":"many","body":"b"})",
       authed(403, 403, 201, 201, 403)},
      {"GET", "/v1/search", "/v1/search?q=hello", "", authed(200, 200, 200, 200, 200)},
      {"GET", "/v1/dashboard", "/v1/dashboard", "", authed(200, 200, 200, 200, 200)},
      {"GET", "/v1/dashboard/{message_id}", "/v1/dashboard/{message}", "",
       authed(404, 403, 200, 404, 200)},
      {"GET", "/v1/dashboard/{message_id}/history", "/v1/dashboard/{message}/history", "",
       authed(404, 403, 200, 404, 200)},
      {"PATCH", "/v1/messages/{id}/reminders", "/v1/messages/{reminded}/reminders",
       R"({"every_days":{who}})", authed(404, 403, 404, 404, 200)},
      {"GET", "/v1/reminders", "/v1/reminders", "", authed(200, 200, 200, 200, 200)},
      {"GET", "/v1/reminders/due", "/v1/reminders/due", "", authed(403, 403, 200, 403, 403)},
      {"POST", "/v1/reminders/plan", "/v1/reminders/plan",
       R"({"expiry_date":"2030-01-01","reminders":{"frequency":"weekly"}})",
       authed(200, 200, 200, 200, 200)},
      {"GET", "/v1/sync", "/v1/sync", "", authed(200, 200, 200, 200, 200)},
      {"POST", "/v1/sync/ack", "/v1/sync/ack", R"({"up_to":0})", authed(204, 204, 204, 204, 204)},
      {"POST", "/v1/messages/{id}/withdraw", "/v1/messages/{direct}/withdraw", "",
       authed(404, 403, 404, 404, 200)},
      {"GET", "/v1/media/config", "/v1/media/config", "", authed(200, 200, 200, 200, 200)},
      {"POST", "/v1/uploads", "/v1/uploads?name=f{who}.txt", "hello",
       authed(201, 201, 201, 201, 201)},
      // Attachments: those who see a live message carrying it (the owner sent it to bob).
      {"GET", "/v1/uploads/{id}", "/v1/uploads/{upload}", "", authed(404, 200, 404, 404, 200)},
      {"GET", "/v1/attachments/{id}", "/v1/attachments/{upload}", "",
       authed(404, 200, 404, 404, 200)},
      // A text file has no thumbnail, for anyone.
      {"GET", "/v1/attachments/{id}/thumbnail", "/v1/attachments/{upload}/thumbnail", "",
       authed(404, 404, 404, 404, 404)},
      {"OPTIONS", "/v1/tus", "/v1/tus", "", {204, 204, 204, 204, 204, 204, 204, 204, 204}},
      {"POST", "/v1/tus", "/v1/tus", "", authed(201, 201, 201, 201, 201)},
      // An incomplete upload is its owner's alone.
      {"HEAD", "/v1/tus/{id}", "/v1/tus/{tus}", "", authed(404, 404, 404, 404, 200)},
      {"PATCH", "/v1/tus/{id}", "/v1/tus/{tus}", "hello", authed(404, 404, 404, 404, 204)},
      {"DELETE", "/v1/tus/{id}", "/v1/tus/{tus2}", "", authed(404, 404, 404, 404, 204)},
      // Email settings: the user and admins.
      {"GET", "/v1/users/{id}/email", "/v1/users/{alice}/email", "", authed(403, 403, 200, 403, 200)},
      {"PUT", "/v1/users/{id}/email", "/v1/users/{alice}/email", R"({"address":"alice@example.org"})",
       authed(403, 403, 202, 403, 202)},
      {"PATCH", "/v1/users/{id}/email", "/v1/users/{alice}/email", R"({"digest":false})",
       authed(403, 403, 200, 403, 200)},
      {"DELETE", "/v1/users/{id}/email", "/v1/users/{alice}/email", "", authed(403, 403, 200, 403, 200)},
      // Links from emails: no login; a token that does not verify is 404 for everyone.
      {"POST", "/v1/email/confirm", "/v1/email/confirm", R"({"token":"unknown"})",
       {404, 404, 404, 404, 404, 404, 404, 404, 404}},
      {"GET", "/v1/unsubscribe", "/v1/unsubscribe?token=1.digest.00", "",
       {200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST", "/v1/unsubscribe", "/v1/unsubscribe?token=1.digest.00", "List-Unsubscribe=One-Click",
       {404, 404, 404, 404, 404, 404, 404, 404, 404}},
      // Webhooks and the outbox: admins only.
      {"GET", "/v1/webhooks", "/v1/webhooks", "", authed(403, 403, 200, 403, 403)},
      {"POST", "/v1/webhooks", "/v1/webhooks",
       R"({"url":"https://93.184.216.34/{who}","events":["reminder.sent"]})", authed(403, 403, 201, 403, 403)},
      {"GET", "/v1/webhooks/{id}", "/v1/webhooks/{webhook}", "", authed(403, 403, 200, 403, 403)},
      {"PATCH", "/v1/webhooks/{id}", "/v1/webhooks/{webhook}", R"({"description":"d"})",
       authed(403, 403, 200, 403, 403)},
      {"GET", "/v1/webhooks/{id}/deliveries", "/v1/webhooks/{webhook}/deliveries", "",
       authed(403, 403, 200, 403, 403)},
      {"DELETE", "/v1/webhooks/{id}", "/v1/webhooks/{webhook}", "", authed(403, 403, 204, 403, 403)},
      {"GET", "/v1/notifications", "/v1/notifications", "", authed(403, 403, 200, 403, 403)},
      {"GET", "/v1/notifications/summary", "/v1/notifications/summary", "", authed(403, 403, 200, 403, 403)},
      {"GET", "/v1/notifications/{id}", "/v1/notifications/{notification}", "",
       authed(403, 403, 200, 403, 403)},
      {"POST", "/v1/notifications/{id}/replay", "/v1/notifications/{notification}/replay", "",
       authed(403, 403, 202, 403, 403)},
      // Last: it ends each caller's session.
      {"DELETE", "/v1/sessions/current", "/v1/sessions/current", "",
       authed(204, 204, 204, 204, 204)},
  };
  return all;
}

TEST_F(AuthorizationTest, EveryRouteAnswersEachCallerAsDocumented) {
  std::vector<std::string> wrong;
  for (const auto& c : cases()) {
    for (int who = 0; who < kWhoCount; ++who) {
      const auto with_who = [who](std::string text) {
        if (const auto at = text.find("{who}"); at != std::string::npos) {
          text.replace(at, 5, std::to_string(who + 1));
        }
        return text;
      };
      const bool tus = std::string_view(c.route).starts_with("/v1/tus");
      const auto response = call(c.method, fill(with_who(c.target)), fill(with_who(c.body)),
                                 tokens_[who], tus ? tus_headers(c.method) : decltype(tus_headers(""))());
      if (response.status != c.expected[who]) {
        wrong.push_back(std::string(c.method) + " " + c.route + " as " + kWhoNames[who] + ": " +
                        std::to_string(response.status) + " (expected " +
                        std::to_string(c.expected[who]) + ") " + response.body);
      }
      if (response.status == 401) {
        EXPECT_TRUE(std::any_of(response.headers.begin(), response.headers.end(),
                                [](const auto& h) { return h.first == "WWW-Authenticate"; }))
            << c.route;
      }
    }
  }
  for (const auto& w : wrong) ADD_FAILURE() << w;
}

// The table covers every route the server registers.
TEST_F(AuthorizationTest, TheMatrixCoversEveryRoute) {
  std::set<std::string> covered;
  for (const auto& c : cases()) covered.insert(std::string(c.method) + " " + c.route);
  for (const auto& route : server::registered_routes()) {
    EXPECT_TRUE(covered.contains(route.method + " " + route.path))
        << route.method << " " << route.path << " is missing from the matrix";
  }
}

// A refusal for a missing permission is a 403 that names the permission, and writes nothing.
TEST_F(AuthorizationTest, AMissingPermissionIsNamedAndNothingChanges) {
  const auto groups_before = parse(admin("GET", "/v1/groups"))["groups"].Size();
  auto rule =
      call("POST", "/v1/groups", R"({"name":"all","rule":"handle != \"\""})", tokens_[kOther]);
  EXPECT_EQ(rule.status, 403);
  EXPECT_NE(rule.body.find("creating a rule group needs the create_rule_groups permission"),
            std::string::npos)
      << rule.body;
  EXPECT_EQ(parse(admin("GET", "/v1/groups"))["groups"].Size(), groups_before);

  auto many = call("POST", "/v1/messages",
                   fill(R"({"to":{"users":[{bob},{carol},{target}]},"subject":"s","body":"b"})"),
                   tokens_[kOther]);
  EXPECT_EQ(many.status, 403);
  EXPECT_NE(many.body.find("the message would reach 3 recipients; reaching more than 2 needs the "
                           "send_to_large_audiences permission"),
            std::string::npos)
      << many.body;
  EXPECT_EQ(parse(call("GET", "/v1/dashboard", {}, tokens_[kOther]))["messages"].Size(), 0u);
}

// Other users' attributes go to admins and holders of see_attributes; permissions to admins
// and the user only.
TEST_F(AuthorizationTest, UsersAreShownAsThePolicySays) {
  ASSERT_EQ(admin("PATCH", fill("/v1/users/{alice}"), R"({"attributes":{"region":"EU"}})").status,
            200);
  const auto alice = fill("/v1/users/{alice}");
  auto other = parse(call("GET", alice, {}, tokens_[kOther]));
  EXPECT_FALSE(other.HasMember("attributes"));
  EXPECT_FALSE(other.HasMember("permissions"));
  EXPECT_STREQ(other["handle"].GetString(), "alice");
  auto granted = parse(call("GET", alice, {}, tokens_[kGranted]));
  EXPECT_STREQ(granted["attributes"]["region"].GetString(), "EU");
  EXPECT_FALSE(granted.HasMember("permissions"));
  auto self = parse(call("GET", alice, {}, tokens_[kOwner]));
  EXPECT_TRUE(self.HasMember("attributes"));
  EXPECT_TRUE(self["permissions"].IsArray());
  auto by_admin = parse(admin("GET", fill("/v1/users/{gail}")));
  EXPECT_EQ(by_admin["permissions"].Size(), 4u);
  auto listed = parse(call("GET", "/v1/users?include_inactive=true", {}, tokens_[kOther]));
  for (const auto& user : listed["users"].GetArray()) {
    EXPECT_TRUE(user["is_active"].GetBool()) << user["handle"].GetString();
    EXPECT_EQ(user.HasMember("attributes"), user["id"].GetInt64() == ids_["eve"]);
  }
}

// A message the caller may not see is indistinguishable from one that does not exist: same
// status, same error, whatever the route.
TEST_F(AuthorizationTest, AHiddenMessageAnswersLikeAMissingOne) {
  const std::int64_t missing = 999'999;
  const struct {
    const char* method;
    const char* path;  // "%" is the message id
    const char* body;
  } routes[] = {
      {"GET", "/v1/messages/%", ""},
      {"PATCH", "/v1/messages/%", R"({"expiry_date":null})"},
      {"POST", "/v1/messages/%/withdraw", ""},
      {"POST", "/v1/messages/%/replies", R"({"body":"r"})"},
      {"GET", "/v1/messages/%/thread", ""},
      {"POST", "/v1/messages/%/read", ""},
      {"GET", "/v1/dashboard/%", ""},
      {"PATCH", "/v1/messages/%/reminders", R"({"every_days":2})"},
  };
  for (const auto& r : routes) {
    for (const auto* name : {"message", "reminded", "direct"}) {
      const auto target = [&](std::int64_t id) {
        std::string path = r.path;
        path.replace(path.find('%'), 1, std::to_string(id));
        return path;
      };
      auto hidden = call(r.method, target(ids_[name]), r.body, tokens_[kOther]);
      auto absent = call(r.method, target(missing), r.body, tokens_[kOther]);
      EXPECT_EQ(hidden.status, 404) << r.method << " " << r.path << " " << hidden.body;
      const auto mask = [](std::string text, std::int64_t id) {
        for (auto at = text.find(std::to_string(id)); at != std::string::npos;
             at = text.find(std::to_string(id))) {
          text.replace(at, std::to_string(id).size(), "#");
        }
        return text;
      };
      EXPECT_EQ(mask(hidden.body, ids_[name]), mask(absent.body, missing))
          << r.method << " " << r.path;
    }
  }
  // The other user's searches and timeline do not show it either.
  EXPECT_EQ(parse(call("GET", "/v1/search?q=hello", {}, tokens_[kOther]))["results"].Size(), 0u);
  EXPECT_EQ(parse(call("GET", "/v1/sync", {}, tokens_[kOther]))["entries"].Size(), 0u);
  auto hidden_conversation =
      call("GET", fill("/v1/conversations/{conversation}/messages"), {}, tokens_[kOther]);
  auto missing_conversation = call("GET", "/v1/conversations/999999/messages", {}, tokens_[kOther]);
  EXPECT_EQ(hidden_conversation.status, 404);
  EXPECT_EQ(missing_conversation.status, 404);
}

}  // namespace
}  // namespace missive::testing
