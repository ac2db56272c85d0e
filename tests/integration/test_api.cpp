#include "test_api.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace missive::itest {

std::string quote(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

std::string Reply::outcome() const {
  if (json.IsObject() && json.HasMember("error") && json["error"].IsObject()) {
    return std::to_string(status) + " " + json["error"]["code"].GetString();
  }
  return std::to_string(status);
}

std::string Reply::error_message() const {
  if (json.IsObject() && json.HasMember("error")) return json["error"]["message"].GetString();
  return {};
}

const Reply& expect_status(const Reply& reply, int status, std::string_view what) {
  if (reply.status != status) {
    throw std::runtime_error(std::string(what) + ": " + std::to_string(reply.status) + " " +
                             reply.body);
  }
  return reply;
}

TestApi::TestApi(std::uint16_t port, client::TlsOptions tls)
    : http_(std::make_unique<client::HttpClient>("127.0.0.1", port, std::move(tls))) {}

Reply TestApi::call(std::string_view method, std::string_view target, std::string_view body) {
  auto response = http_->request(method, target, body);
  if (!response) throw std::runtime_error("request failed: " + response.error().message);
  Reply reply;
  reply.status = response->status;
  reply.body = std::move(response->body);
  reply.retry_after = std::move(response->retry_after);
  if (!reply.body.empty()) reply.json.Parse(reply.body.c_str(), reply.body.size());
  if (reply.json.HasParseError()) reply.json.SetNull();
  return reply;
}

void TestApi::login(const std::string& handle, const std::string& password) {
  const auto reply = post("/v1/sessions",
                          "{\"handle\":" + quote(handle) + ",\"password\":" + quote(password) + "}");
  expect_status(reply, 201, "login " + handle);
  set_token(reply.json["token"].GetString());
}

void TestApi::set_token(std::string token) {
  token_ = std::move(token);
  http_->set_token(token_);
}

std::int64_t TestApi::create_user(const std::string& handle, const std::string& attributes) {
  const auto reply = post("/v1/users", "{\"handle\":" + quote(handle) +
                                           ",\"first_name\":\"First\",\"last_name\":" +
                                           quote(handle) + ",\"password\":" +
                                           quote("password-" + handle) +
                                           ",\"attributes\":" + attributes + "}");
  return expect_status(reply, 201, "create user " + handle).id();
}

std::int64_t TestApi::create_group(const std::string& name) {
  const auto reply = post("/v1/groups", "{\"name\":" + quote(name) + "}");
  return expect_status(reply, 201, "create group " + name).id();
}

std::int64_t TestApi::create_rule_group(const std::string& name, const std::string& rule) {
  const auto reply = post("/v1/groups", "{\"name\":" + quote(name) + ",\"rule\":" + quote(rule) + "}");
  return expect_status(reply, 201, "create rule group " + name).id();
}

void TestApi::add_member(std::int64_t group, std::int64_t user) {
  const auto reply = call("PUT", "/v1/groups/" + std::to_string(group) + "/members/" +
                                     std::to_string(user));
  expect_status(reply, 204, "add member");
}

Reply TestApi::send_to_users(const std::vector<std::int64_t>& users, const std::string& subject,
                             const std::string& extra) {
  return post("/v1/messages", "{\"to\":{\"users\":" + id_list(users) + "},\"subject\":" +
                                  quote(subject) + ",\"body\":\"Body\"" + extra + "}");
}

Reply TestApi::send_to_group(std::int64_t group, const std::string& subject,
                             const std::string& extra) {
  return post("/v1/messages", "{\"to\":{\"groups\":[" + std::to_string(group) +
                                  "]},\"subject\":" + quote(subject) + ",\"body\":\"Body\"" +
                                  extra + "}");
}

std::vector<std::int64_t> TestApi::inbox_ids(std::string_view query) {
  std::string target = "/v1/inbox?limit=200";
  if (!query.empty()) target += "&" + std::string(query);
  const auto reply = get(target);
  expect_status(reply, 200, "inbox");
  std::vector<std::int64_t> ids;
  for (const auto& m : reply.json["messages"].GetArray()) ids.push_back(m["id"].GetInt64());
  return ids;
}

}  // namespace missive::itest
