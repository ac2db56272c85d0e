#include "test_servers.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace missive::notify::testing {
namespace {

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool run_script(const char* script, const char* action, const std::filesystem::path& dir) {
  const std::string command = std::string(script) + " " + action + " " + dir.string() + " >/dev/null";
  return std::system(command.c_str()) == 0;
}

// A server this process started because no fixture gave one; stopped when the tests end.
class OwnServer : public ::testing::Environment {
 public:
  OwnServer(const char* script, const char* name) : script_(script), name_(name) {}

  std::filesystem::path dir() {
    std::call_once(once_, [this] {
      dir_ = std::filesystem::temp_directory_path() / (std::string("missive-") + name_ + "-" + std::to_string(::getpid()));
      started_ = run_script(script_, "start", dir_);
    });
    return started_ ? dir_ : std::filesystem::path();
  }

  void TearDown() override {
    if (!dir_.empty() && !run_script(script_, "cleanup", dir_)) ADD_FAILURE() << "cannot stop " << dir_;
  }

 private:
  const char* script_;
  const char* name_;
  std::once_flag once_;
  std::filesystem::path dir_;
  bool started_ = false;
};

OwnServer* const own_smtp =
    static_cast<OwnServer*>(::testing::AddGlobalTestEnvironment(new OwnServer(MISSIVE_TEST_SMTP_SCRIPT, "smtp")));
OwnServer* const own_receiver = static_cast<OwnServer*>(
    ::testing::AddGlobalTestEnvironment(new OwnServer(MISSIVE_TEST_WEBHOOK_SCRIPT, "webhooks")));

std::string string_of(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

std::vector<std::string> strings_of(const rapidjson::Value& object, const char* name) {
  std::vector<std::string> out;
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsArray()) return out;
  for (const auto& item : it->value.GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString());
  }
  return out;
}

std::optional<ReceivedMail> read_mail(const std::filesystem::path& json_file, const std::string& recipient) {
  rapidjson::Document doc;
  const std::string text = read_all(json_file);
  if (doc.Parse(text.c_str()).HasParseError() || !doc.IsObject()) return std::nullopt;
  ReceivedMail mail;
  mail.rcpt_tos = strings_of(doc, "rcpt_tos");
  if (std::find(mail.rcpt_tos.begin(), mail.rcpt_tos.end(), recipient) == mail.rcpt_tos.end()) return std::nullopt;
  mail.listener = string_of(doc, "listener");
  mail.tls = doc.HasMember("tls") && doc["tls"].IsBool() && doc["tls"].GetBool();
  mail.auth_login = string_of(doc, "auth_login");
  mail.mail_from = string_of(doc, "mail_from");
  mail.subject = string_of(doc, "subject");
  mail.from = string_of(doc, "from");
  mail.to = string_of(doc, "to");
  mail.message_id = string_of(doc, "message_id");
  mail.content_type = string_of(doc, "content_type");
  mail.text = string_of(doc, "text");
  mail.html = string_of(doc, "html");
  mail.text_encoding = string_of(doc, "text_encoding");
  mail.html_encoding = string_of(doc, "html_encoding");
  mail.defects = strings_of(doc, "defects");
  mail.parse_error = string_of(doc, "parse_error");
  if (doc.HasMember("max_line_length") && doc["max_line_length"].IsInt()) {
    mail.max_line_length = doc["max_line_length"].GetInt();
  }
  mail.bare_lf = doc.HasMember("bare_lf") && doc["bare_lf"].IsBool() && doc["bare_lf"].GetBool();
  if (doc.HasMember("headers") && doc["headers"].IsArray()) {
    for (const auto& pair : doc["headers"].GetArray()) {
      if (pair.IsArray() && pair.Size() == 2 && pair[0].IsString() && pair[1].IsString()) {
        mail.headers.emplace_back(pair[0].GetString(), pair[1].GetString());
      }
    }
  }
  mail.raw = read_all(json_file.parent_path() / string_of(doc, "file"));
  return mail;
}

}  // namespace

std::filesystem::path smtp_dir() {
  if (const char* dir = std::getenv("MISSIVE_TEST_SMTP_DIR")) return dir;
  return own_smtp->dir();
}

std::filesystem::path webhook_dir() {
  if (const char* dir = std::getenv("MISSIVE_TEST_WEBHOOK_DIR")) return dir;
  return own_receiver->dir();
}

OwnSmtpServer::OwnSmtpServer()
    : dir_(std::filesystem::temp_directory_path() / ("missive-own-smtp-" + unique_name())) {
  started_ = run_script(MISSIVE_TEST_SMTP_SCRIPT, "start", dir_);
}

OwnSmtpServer::~OwnSmtpServer() { run_script(MISSIVE_TEST_SMTP_SCRIPT, "cleanup", dir_); }

std::string first_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string unique_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "_" + info->name() + "-" + std::to_string(::getpid());
  for (char& c : name) {
    c = std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? static_cast<char>(std::tolower(c)) : '_';
  }
  return name;
}

std::string ReceivedMail::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

std::optional<ReceivedMail> wait_for_mail(const std::filesystem::path& dir, const std::string& recipient,
                                          std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir / "mail", ec)) {
      if (entry.path().extension() != ".json") continue;
      if (auto mail = read_mail(entry.path(), recipient)) return mail;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<LoggedRequest> logged_requests(const std::filesystem::path& dir, const std::string& name) {
  std::vector<LoggedRequest> out;
  std::ifstream in(dir / "requests.jsonl");
  const std::string prefix = "/" + name + "/";
  for (std::string line; std::getline(in, line);) {
    rapidjson::Document doc;
    if (doc.Parse(line.c_str()).HasParseError() || !doc.IsObject()) continue;
    LoggedRequest request;
    request.path = string_of(doc, "path");
    if (!request.path.starts_with(prefix)) continue;
    request.method = string_of(doc, "method");
    request.body = string_of(doc, "body");
    if (doc.HasMember("status") && doc["status"].IsInt()) request.status = doc["status"].GetInt();
    if (doc.HasMember("headers") && doc["headers"].IsObject()) {
      for (const auto& member : doc["headers"].GetObject()) {
        if (member.value.IsString()) request.headers[member.name.GetString()] = member.value.GetString();
      }
    }
    out.push_back(std::move(request));
  }
  return out;
}

void write_control(const std::filesystem::path& dir, const std::string& name, const std::string& json) {
  const std::filesystem::path path = dir / "control" / (name + ".json");
  {
    std::ofstream out(path.string() + ".tmp", std::ios::trunc);
    out << json;
  }
  std::filesystem::rename(path.string() + ".tmp", path);
}

}  // namespace missive::notify::testing
