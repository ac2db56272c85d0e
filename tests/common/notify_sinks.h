#pragma once
// What the notify tests' servers received: the SMTP server's saved messages
// (tests/notify/smtp_server.py: DIR/mail/N.json) and the webhook receiver's request log
// (tests/notify/webhook_receiver.py: DIR/requests.jsonl). Header-only, for the engine and
// integration tests; each test uses its own addresses and paths, so tests run in parallel on
// one server.

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace missive::testing {

inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline std::string first_line(const std::filesystem::path& path) {
  std::string text = read_text_file(path);
  if (const auto end = text.find_first_of("\r\n"); end != std::string::npos) text.resize(end);
  return text;
}

// The directory a CTest fixture's server keeps its state in (an environment variable the
// test's CTest entry sets); empty when unset.
inline std::filesystem::path fixture_dir(const char* variable) {
  const char* dir = std::getenv(variable);
  return dir ? std::filesystem::path(dir) : std::filesystem::path();
}

struct ReceivedMail {
  std::vector<std::string> rcpt_tos;
  std::string subject, from, to, message_id, text, html;
  std::map<std::string, std::string> headers;  // the last value of each name
  int number = 0;                               // N of N.json: the order received
};

// Every message the SMTP server in `dir` accepted for `address`, in the order received.
inline std::vector<ReceivedMail> mails_to(const std::filesystem::path& dir, const std::string& address) {
  std::vector<ReceivedMail> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "mail", ec)) {
    if (entry.path().extension() != ".json") continue;
    rapidjson::Document doc;
    const std::string text = read_text_file(entry.path());
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    ReceivedMail mail;
    for (const auto& to : doc["rcpt_tos"].GetArray()) mail.rcpt_tos.emplace_back(to.GetString());
    if (std::find(mail.rcpt_tos.begin(), mail.rcpt_tos.end(), address) == mail.rcpt_tos.end()) {
      continue;
    }
    const auto str = [&](const char* key) {
      return doc.HasMember(key) && doc[key].IsString() ? std::string(doc[key].GetString()) : std::string();
    };
    mail.subject = str("subject");
    mail.from = str("from");
    mail.to = str("to");
    mail.message_id = str("message_id");
    mail.text = str("text");
    mail.html = str("html");
    if (doc.HasMember("headers")) {
      for (const auto& header : doc["headers"].GetArray()) {
        mail.headers[header[0].GetString()] = header[1].GetString();
      }
    }
    mail.number = std::atoi(entry.path().stem().c_str());
    out.push_back(std::move(mail));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  return out;
}

// The text after `marker` in `text` up to the next whitespace (a link's token).
inline std::string word_after(const std::string& text, const std::string& marker) {
  const auto at = text.find(marker);
  if (at == std::string::npos) return {};
  const auto start = at + marker.size();
  const auto end = text.find_first_of(" \r\n\t<>\"", start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

struct ReceivedWebhook {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  // names lowercase
  int status = 0;                              // what the receiver answered
};

// Every request the webhook receiver in `dir` logged whose path starts with `prefix`.
inline std::vector<ReceivedWebhook> webhooks_at(const std::filesystem::path& dir, const std::string& prefix) {
  std::vector<ReceivedWebhook> out;
  std::ifstream in(dir / "requests.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    ReceivedWebhook hook;
    hook.path = doc["path"].GetString();
    if (!hook.path.starts_with(prefix)) continue;
    hook.method = doc["method"].GetString();
    hook.body = doc["body"].GetString();
    hook.status = doc["status"].GetInt();
    for (auto it = doc["headers"].MemberBegin(); it != doc["headers"].MemberEnd(); ++it) {
      hook.headers[it->name.GetString()] = it->value.GetString();
    }
    out.push_back(std::move(hook));
  }
  return out;
}

// Makes the receiver answer requests under /NAME as `json` says (webhook_receiver.py).
inline void control_webhooks(const std::filesystem::path& dir, const std::string& name,
                             const std::string& json) {
  std::filesystem::create_directories(dir / "control");
  const auto temp = dir / "control" / (name + ".json.tmp");
  std::ofstream(temp) << json;
  std::filesystem::rename(temp, dir / "control" / (name + ".json"));
}

}  // namespace missive::testing
