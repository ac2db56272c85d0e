// Crash safety of attachments (docs/attachments.md, docs/blobs.md): clients upload files (in
// one request, and with tus in several PATCHes), send messages carrying them (sometimes an
// upload a message already carries, sometimes content another upload already has), withdraw
// some, and fetch them, while the server is killed with SIGKILL at random moments and
// restarted on the same data. The server runs with a 2 s upload TTL and sweeps every second,
// so the sweep runs between and across the crashes, and uploads no message took expire under
// the clients. Every request is retried until it succeeds (uploads with their
// client_upload_id, sends with their client_msg_id). The checker then verifies:
// - every attachment of every acknowledged message that was not withdrawn downloads, for its
//   sender and its recipient, with the sha256 of the bytes the client uploaded (no blob a row
//   names is missing or torn), and the message lists exactly those attachments;
// - after the TTL and a few sweeps, the blob store holds exactly one file per distinct content
//   those messages carry: no orphan (a blob stored before a crash lost the row that would have
//   named it, or one whose last upload expired or whose messages were withdrawn) outlives its
//   expiry, and no staged tus part remains.
//
// What a build that cheats would do here:
// - Row before bytes (MediaService::complete committing the blob key before put_file, or
//   append advancing the offset before the part is stored): a SIGKILL in between leaves a
//   complete upload whose key names no file, or an offset past the parts that exist. The
//   client's retry (same client_upload_id) is answered that upload, it is attached and sent,
//   and its download fails (during the run or in the final check); a lost part makes the tus
//   upload impossible to complete and the PATCHes fail until the test gives up.
// - No fsync (FileBlobStore::put_file): a SIGKILL keeps the page cache, so no process crash
//   can show that the bytes were not on disk; only a power cut can: PowerLossMediaTest (below)
//   runs the same workload with power cuts over a disk that keeps only what was synced.
// Checked once by building the first cheat (complete_upload before put_file in
// MediaService::complete): with MISSIVE_CRASH_SEED 1 and 2 the run fails, attachments of
// acknowledged messages answering 404 "blob ... does not exist".
// The short runs are part of `make test`; `make soak` runs them for minutes with the CrashTest
// case (MISSIVE_CRASH_SECONDS, MISSIVE_CRASH_SEED as there).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "sync_test_util.h"  // first: it configures RapidJSON's assertions

#include <sodium.h>

#include "powerloss_disk.h"
#include "raw_http.h"

namespace missive::itest {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr int kTtlSeconds = 2;
constexpr int kSweepSeconds = 1;

std::int64_t env_number(const char* name, std::int64_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::strtoll(text, nullptr, 10);
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char hash[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(hash, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
  return hex;
}

std::string base64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

struct Attachment {
  std::int64_t upload = 0;
  std::string sha256;
  std::string content;
};

struct MediaMessage {
  std::int64_t id = 0;
  std::vector<Attachment> attachments;
  bool withdrawn = false;
};

// Thrown when an upload a client holds expired before it was sent (it was down for longer
// than the TTL): the client uploads the content again.
struct Expired {};

class CrashMediaTest : public IntegrationTest {
 protected:
  // Takes the server down and brings it back on what is left of its data.
  virtual void crash() {
    server_.kill();
    server_.start();
  }
  // The workload while crashing the server, then the checks (the top of the file).
  void run_and_check(const std::string& test_name);

  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    server_.set_extra_args({"--upload-ttl", std::to_string(kTtlSeconds), "--sweep-interval",
                            std::to_string(kSweepSeconds), "--upload-rate", "1000000"});
    IntegrationTest::SetUp();
  }

  struct Worker {
    Person person;
    std::mt19937_64 random;
    int next = 0;
    std::vector<MediaMessage> messages;  // acknowledged
    std::vector<std::string> contents;   // uploaded before, to upload again (shared blobs)
  };

  RawHeaders auth(const Worker& w) const {
    return {{"Authorization", "Bearer " + w.person.api->token()}};
  }

  // Runs request(port) until accept(reply) says true (or throws Expired). A connection failure
  // (the server is down, or was killed mid-request) and 503 are retried; any other status
  // accept does not take is recorded as a failure and retried too.
  template <class Request, class Accept>
  RawReply until(const std::string& what, Request request, Accept accept) {
    for (int attempt = 0;; ++attempt) {
      try {
        auto reply = request(port_.load());
        if (accept(reply)) return reply;
        if (reply.status != 503) fail(what + ": " + std::to_string(reply.status) + " " + reply.body);
      } catch (const std::runtime_error&) {
        ++retries_;
      }
      if (attempt > 3000) throw std::runtime_error("no answer for " + what);
      std::this_thread::sleep_for(10ms);
    }
  }

  void fail(std::string what) {
    std::lock_guard lock(mutex_);
    if (failures_.size() < 20) failures_.push_back(std::move(what));
  }

  std::string new_content(Worker& w, std::size_t min, std::size_t max) {
    if (!w.contents.empty() && w.random() % 5 == 0) return w.contents[w.random() % w.contents.size()];
    const auto size = std::uniform_int_distribution<std::size_t>(min, max)(w.random);
    std::string bytes = "crash test\n";  // sniffed as text: no preview is made
    while (bytes.size() < size) bytes += static_cast<char>('a' + w.random() % 26);
    bytes.resize(size);
    w.contents.push_back(bytes);
    return bytes;
  }

  Attachment checked(const std::string& what, std::int64_t id, const std::string& sha,
                     std::string content) {
    if (sha != sha256_hex(content)) fail(what + ": the server's sha256 is not the content's");
    return Attachment{id, sha, std::move(content)};
  }

  Attachment upload_whole(Worker& w, std::string content) {
    const std::string client_id = w.person.handle + "-u" + std::to_string(w.next++);
    auto headers = auth(w);
    headers.emplace_back("Content-Type", "application/octet-stream");
    const auto reply = until(
        "upload " + client_id,
        [&](std::uint16_t port) {
          return raw_request(port, "POST", "/v1/uploads?name=f.bin&client_upload_id=" + client_id,
                             headers, content);
        },
        [](const RawReply& r) { return r.status == 201 || r.status == 200; });
    const auto doc = parse_json(reply.body);
    return checked("upload " + client_id, doc["id"].GetInt64(), doc["sha256"].GetString(),
                   std::move(content));
  }

  // tus in three PATCHes, each resumed from the offset HEAD answers after a crash. An upload
  // that expired while the server was down (404) starts again under a new client_upload_id.
  Attachment upload_tus(Worker& w, std::string content) {
    for (;;) {
      const std::string client_id = w.person.handle + "-t" + std::to_string(w.next++);
      auto headers = auth(w);
      headers.emplace_back("Tus-Resumable", "1.0.0");
      auto create = headers;
      create.emplace_back("Upload-Length", std::to_string(content.size()));
      create.emplace_back("Upload-Metadata",
                          "filename " + base64("t.bin") + ",client_upload_id " + base64(client_id));
      const std::string location =
          until("tus create " + client_id,
                [&](std::uint16_t port) { return raw_request(port, "POST", "/v1/tus", create); },
                [](const RawReply& r) { return r.status == 201 || r.status == 200; })
              .header("Location");
      const std::int64_t id = std::stoll(location.substr(location.rfind('/') + 1));
      const std::size_t part = content.size() / 3 + 1;
      bool expired = false;
      for (;;) {
        const auto head = until(
            "tus HEAD " + location,
            [&](std::uint16_t port) { return raw_request(port, "HEAD", location, headers); },
            [](const RawReply& r) { return r.status == 200 || r.status == 404; });
        if (head.status == 404) {
          expired = true;
          break;
        }
        const auto offset = static_cast<std::size_t>(std::stoll(head.header("Upload-Offset")));
        if (offset == content.size()) break;
        auto patch = headers;
        patch.emplace_back("Content-Type", "application/offset+octet-stream");
        patch.emplace_back("Upload-Offset", std::to_string(offset));
        try {
          const auto r = raw_request(port_.load(), "PATCH", location, patch,
                                     std::string_view(content).substr(offset, part));
          // 409: a PATCH the crash cut short was stored after all; HEAD says where to go on.
          if (r.status != 204 && r.status != 409 && r.status != 404 && r.status != 503) {
            fail("tus PATCH " + location + ": " + std::to_string(r.status) + " " + r.body);
          }
        } catch (const std::runtime_error&) {
          ++retries_;
        }
      }
      if (expired) {
        ++expired_;
        continue;
      }
      const auto got = until(
          "GET upload " + location,
          [&](std::uint16_t port) {
            return raw_request(port, "GET", "/v1/uploads/" + std::to_string(id), headers);
          },
          [](const RawReply& r) { return r.status == 200 || r.status == 404; });
      if (got.status == 404) {  // expired between its last PATCH and this
        ++expired_;
        continue;
      }
      const auto doc = parse_json(got.body);
      if (std::string_view(doc["state"].GetString()) != "complete") {
        fail("tus upload " + location + " is not complete at its full offset");
      }
      return checked("tus upload " + location, id, doc["sha256"].GetString(), std::move(content));
    }
  }

  // Sends a message carrying `attachments` to the listener; an attachment that expired before
  // the send (422) is uploaded again and the send repeated under a new client_msg_id.
  void send(Worker& w, std::vector<Attachment> attachments) {
    for (int attempt = 0;; ++attempt) {
      if (attempt == 20) return fail(w.person.handle + ": 20 sends refused with 422");
      const std::string msg_id = w.person.handle + "-m" + std::to_string(w.next++);
      std::vector<std::int64_t> ids;
      for (const auto& a : attachments) ids.push_back(a.upload);
      std::string body = body_to_users({listener_id_}, "files " + msg_id, msg_id);
      body.pop_back();
      body += ",\"attachments\":" + id_list(ids) + "}";
      auto headers = auth(w);
      headers.emplace_back("Content-Type", "application/json");
      const auto reply = until(
          "send " + msg_id,
          [&](std::uint16_t port) { return raw_request(port, "POST", "/v1/messages", headers, body); },
          [](const RawReply& r) { return r.status == 201 || r.status == 200 || r.status == 422; });
      if (reply.status == 422) {
        ++expired_;
        for (auto& a : attachments) a = upload_whole(w, a.content);
        continue;
      }
      w.messages.push_back(MediaMessage{sent_of(reply.body, reply.status).id, attachments, false});
      std::lock_guard lock(mutex_);
      ++acked_;
      return;
    }
  }

  void withdraw(Worker& w) {
    std::vector<MediaMessage*> live;
    for (auto& m : w.messages) {
      if (!m.withdrawn) live.push_back(&m);
    }
    if (live.size() < 3) return;
    auto& m = *live[w.random() % live.size()];
    until(
        "withdraw " + std::to_string(m.id),
        [&](std::uint16_t port) {
          return raw_request(port, "POST", "/v1/messages/" + std::to_string(m.id) + "/withdraw",
                             auth(w));
        },
        [](const RawReply& r) { return r.status == 200; });
    m.withdrawn = true;
  }

  // Fetches an attachment of a live message: 200 with the right bytes. 404 would mean the
  // blob a row names is gone: recorded, as is any other answer after the retries.
  void fetch(const std::string& token, const Attachment& a, const std::string& who) {
    const std::string target = "/v1/attachments/" + std::to_string(a.upload);
    const auto reply = until(
        who + " GET " + target,
        [&](std::uint16_t port) {
          return raw_request(port, "GET", target, {{"Authorization", "Bearer " + token}});
        },
        [](const RawReply& r) { return r.status == 200 || r.status == 404; });
    if (reply.status != 200) {
      fail(who + " GET " + target + ": " + std::to_string(reply.status) + " " + reply.body);
    } else if (sha256_hex(reply.body) != a.sha256) {
      fail(who + " GET " + target + ": the bytes are not the upload's (" +
           std::to_string(reply.body.size()) + " of " + std::to_string(a.content.size()) + ")");
    }
  }

  void act(Worker& w) {
    const auto pick = std::uniform_int_distribution<int>(0, 99)(w.random);
    if (pick < 35) {
      auto a = upload_whole(w, new_content(w, 1, 48 * 1024));
      if (w.random() % 5 == 0) return;  // never sent: it expires and the sweep removes it
      std::vector<Attachment> attachments{std::move(a)};
      // Now and then an upload another message already carries (one upload, two messages).
      if (!w.messages.empty() && w.random() % 3 == 0) {
        const auto& other = w.messages[w.random() % w.messages.size()];
        if (!other.withdrawn) attachments.push_back(other.attachments.front());
      }
      send(w, std::move(attachments));
    } else if (pick < 60) {
      auto a = upload_tus(w, new_content(w, 30 * 1024, 160 * 1024));
      if (w.random() % 5 == 0) return;
      send(w, {std::move(a)});
    } else if (pick < 72) {
      withdraw(w);
    } else if (!w.messages.empty()) {
      const auto& m = w.messages[w.random() % w.messages.size()];
      if (!m.withdrawn) fetch(w.person.api->token(), m.attachments.back(), w.person.handle);
    }
  }

  // Regular files under `dir`, as paths relative to it. The running sweep removes files and
  // directories under the listing: a listing that loses its way starts again.
  static std::vector<std::string> files_under(const fs::path& dir) {
    for (int attempt = 0;; ++attempt) {
      std::vector<std::string> out;
      std::error_code ec;
      if (!fs::exists(dir, ec)) return out;
      fs::recursive_directory_iterator it(dir, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code type_ec;
        if (it->is_regular_file(type_ec)) out.push_back(fs::relative(it->path(), dir).string());
      }
      if (!ec || attempt == 50) return out;
      std::this_thread::sleep_for(20ms);
    }
  }

  std::mutex mutex_;
  std::vector<std::string> failures_;  // guarded by mutex_
  int acked_ = 0;                      // guarded by mutex_
  std::atomic<std::uint16_t> port_{0};
  std::atomic<int> retries_{0};
  std::atomic<int> expired_{0};  // uploads that expired before they were sent or finished
  std::int64_t listener_id_ = 0;
};

void CrashMediaTest::run_and_check(const std::string& test_name) {
  const auto seconds = env_number("MISSIVE_CRASH_SECONDS", 12);
  const auto seed = static_cast<std::uint64_t>(
      env_number("MISSIVE_CRASH_SEED", static_cast<std::int64_t>(std::random_device{}() >> 1)));
  std::cout << test_name << ": seed " << seed << ", " << seconds
            << " s (replay: MISSIVE_CRASH_SEED=" << seed << ")" << std::endl;
  std::mt19937_64 random(seed);

  auto listener = person("listener");
  listener_id_ = listener.id;
  std::vector<std::unique_ptr<Worker>> workers;
  for (const auto* handle : {"ann", "ben", "cat"}) {
    auto w = std::make_unique<Worker>();
    w->person = person(handle);
    w->random.seed(random());
    workers.push_back(std::move(w));
  }
  port_ = server_.port();

  std::atomic<bool> stopping{false};
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([this, &w = *w, &stopping] {
      try {
        while (!stopping.load()) act(w);
      } catch (const std::exception& e) {
        fail(w.person.handle + ": " + e.what());
      }
    });
  }

  // As CrashTest: at least kMinKills crashes and kMinAcked messages, up to five times longer
  // on a slow machine.
  constexpr int kMinKills = 10;
  constexpr int kMinAcked = 30;
  const auto enough = [&] {
    std::lock_guard lock(mutex_);
    return acked_ >= kMinAcked;
  };
  int kills = 0;
  std::exception_ptr crash_failed;
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  const auto latest_end = start + 5 * std::chrono::seconds(seconds);
  while (Clock::now() < end || (Clock::now() < latest_end && (kills < kMinKills || !enough()))) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 400)(random)));
    try {
      crash();
    } catch (...) {  // the server did not start again: end the run, with the workers joined
      crash_failed = std::current_exception();
      break;
    }
    ++kills;
    port_ = server_.port();
  }
  stopping = true;
  for (auto& t : threads) t.join();
  if (crash_failed) std::rethrow_exception(crash_failed);
  std::cout << test_name << ": " << kills << " kills, " << acked_
            << " messages with attachments acknowledged, " << retries_.load()
            << " requests retried after a connection failure, " << expired_.load()
            << " uploads expired before use\n";
  for (const auto& f : failures_) ADD_FAILURE() << f;
  failures_.clear();
  ASSERT_GE(kills, kMinKills);
  ASSERT_GE(acked_, kMinAcked);

  // One last crash, so the checks also read what recovery made of the final writes.
  crash();
  port_ = server_.port();

  // Every attachment of every live message, for its sender and its recipient.
  std::set<std::string> live_contents;
  for (auto& w : workers) {
    for (const auto& m : w->messages) {
      if (m.withdrawn) continue;
      const auto reply = raw_request(port_, "GET", "/v1/messages/" + std::to_string(m.id), auth(*w));
      ASSERT_EQ(reply.status, 200) << "message " << m.id << ": " << reply.body;
      const auto doc = parse_json(reply.body);
      const auto& message = doc.HasMember("message") ? doc["message"] : doc;
      std::multiset<std::int64_t> listed, expected;
      for (const auto& a : message["attachments"].GetArray()) listed.insert(a["id"].GetInt64());
      for (const auto& a : m.attachments) {
        expected.insert(a.upload);
        live_contents.insert(a.sha256);
        fetch(w->person.api->token(), a, w->person.handle);
        fetch(listener.api->token(), a, "listener");
      }
      EXPECT_EQ(listed, expected) << "the attachments of message " << m.id;
    }
  }
  for (const auto& f : failures_) ADD_FAILURE() << f;
  ASSERT_FALSE(live_contents.empty());

  // Past the TTL and a few sweeps: one blob file per live content, nothing else stored.
  const fs::path root = server_.data_dir() / "blobs";
  std::multiset<std::string> stored;
  std::vector<std::string> staged, thumbs;
  const auto settled = [&] {
    stored.clear();
    for (const auto& key : files_under(root / "blobs")) {
      // "xx/<sha256>-<random>"
      const auto name = fs::path(key).filename().string();
      stored.insert(name.substr(0, name.find('-')));
    }
    staged = files_under(root / "staging");
    thumbs = files_under(root / "thumbs");
    return std::multiset<std::string>(live_contents.begin(), live_contents.end()) == stored &&
           staged.empty() && thumbs.empty();
  };
  const auto deadline = Clock::now() + std::chrono::seconds(kTtlSeconds + 10 * kSweepSeconds);
  while (!settled() && Clock::now() < deadline) std::this_thread::sleep_for(200ms);
  std::vector<std::string> orphans, missing;
  for (const auto& sha : stored) {
    if (!live_contents.contains(sha) || stored.count(sha) > 1) orphans.push_back(sha);
  }
  for (const auto& sha : live_contents) {
    if (!stored.contains(sha)) missing.push_back(sha);
  }
  if (!orphans.empty() || !missing.empty() || !staged.empty()) {
    const std::string log = server_.output();
    std::cout << "the server's log (its end):\n" << log.substr(log.size() - std::min<std::size_t>(log.size(), 4000)) << "\n";
  }
  EXPECT_TRUE(orphans.empty()) << orphans.size() << " blob file(s) past their expiry that no live "
                               << "message needs (or a second copy), e.g. " << orphans.front();
  EXPECT_TRUE(missing.empty()) << missing.size() << " live content(s) without a blob file";
  EXPECT_TRUE(staged.empty()) << staged.size() << " staged tus part(s) left, e.g. "
                              << staged.front();
  EXPECT_TRUE(thumbs.empty()) << "thumbnails of uploads that have no preview";
  std::cout << test_name << ": " << live_contents.size() << " live contents, "
            << stored.size() << " blob files\n";
}


TEST_F(CrashMediaTest, AttachmentsSurviveRepeatedSigkillsAndTheSweep) {
  run_and_check("attachment crash test");
}

// The same with power cuts over a disk that keeps only what was synced (powerloss_test.cpp):
// a blob whose fsync (or its directory's) is missing is gone after a cut, and its message's
// attachment answers 404. SQLite only, and not under a sanitizer (no shim there).
class PowerLossMediaTest : public CrashMediaTest {
 protected:
  void SetUp() override {
    if (on_postgres()) GTEST_SKIP() << "power cuts are modelled on the data directory only";
    if (!PowerLossDisk::available()) GTEST_SKIP() << "the power-loss shim is not built under a sanitizer";
    disk_.attach(server_);
    CrashMediaTest::SetUp();
  }
  void crash() override { disk_.cut(server_); }
  // Before disk_ goes (the image directory with it): the server must not outlive its image.
  void TearDown() override { server_.kill(); }

  PowerLossDisk disk_;
};

TEST_F(PowerLossMediaTest, AttachmentsSurviveRepeatedPowerCutsAndTheSweep) {
  run_and_check("attachment power-loss test");
}

}  // namespace
}  // namespace missive::itest
