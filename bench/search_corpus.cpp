#include "search_corpus.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "store/sqlite/bulk_load.h"
#include "store/sqlite/search_text.h"

namespace missive::bench {
namespace {

// The head of the vocabulary: real words in a plausible frequency order. kCommonWord is third.
const char* const kHead[] = {
    "the", "to", "update", "and", "of", "we", "on", "for", "is", "team", "please", "deploy",
    "meeting", "database", "release", "server", "customer", "report", "today", "tomorrow",
    "review", "backup", "schedule", "budget", "incident", "ticket", "notes", "project",
    "delivery", "migration", "latency", "invoice", "contract", "sprint", "roadmap", "outage",
    "monitoring", "dashboard", "password", "network", "storage", "planning", "training",
    "holiday", "office", "travel", "approval", "quarterly", "security", "compliance"};

const char* const kSyllables[] = {"ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "pi", "qu",
                                  "an", "tes", "mor", "li", "gen", "cra", "fu", "ban", "zel", "ix"};

// Sentences a generator cannot produce by chance, fixed per run.
const char* const kCjkPhrases[] = {"项目交付周二", "会议改到周三", "请审核交付计划", "服务器维护通知",
                                   "数据库迁移完成"};

void die(const std::string& what) {
  std::fprintf(stderr, "search_bench: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

Corpus::Corpus(CorpusOptions options) : options_(std::move(options)) {
  for (const char* w : kHead) vocabulary_.emplace_back(w);
  std::mt19937_64 rng(options_.seed);
  while (vocabulary_.size() < 20'000) {
    std::string w;
    const int syllables = 2 + static_cast<int>(rng() % 3);
    for (int s = 0; s < syllables; ++s) w += kSyllables[rng() % std::size(kSyllables)];
    vocabulary_.push_back(std::move(w));
  }
  // kRareWord takes rank 5,000 (p ~ 1/(5000 * H) per word, H ~ 10.5).
  vocabulary_[5000] = kRareWord;
  double sum = 0;
  for (std::size_t r = 1; r <= vocabulary_.size(); ++r) {
    sum += 1.0 / static_cast<double>(r);
    cumulative_.push_back(sum);
  }
  for (char32_t c = 0x4E00; hanzi_.size() < 400; c += 37) {
    std::string s;
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
    hanzi_.push_back(s);
  }
}

std::string Corpus::word(std::mt19937_64& rng) const {
  const double x = std::uniform_real_distribution<double>(0, cumulative_.back())(rng);
  const auto it = std::lower_bound(cumulative_.begin(), cumulative_.end(), x);
  return vocabulary_[static_cast<std::size_t>(it - cumulative_.begin())];
}

std::string Corpus::chinese(std::mt19937_64& rng) const {
  std::string out;
  const int chars = 8 + static_cast<int>(rng() % 30);
  for (int i = 0; i < chars; ++i) {
    if (rng() % 12 == 0) out += kCjkPhrases[rng() % std::size(kCjkPhrases)];
    out += hanzi_[rng() % hanzi_.size()];
    if (rng() % 10 == 0) out += "，";
  }
  return out;
}

void Corpus::message_text(std::mt19937_64& rng, std::string& subject, std::string& body) const {
  subject.clear();
  body.clear();
  if (rng() % 20 == 0) {  // 5% Chinese
    subject = chinese(rng).substr(0, 18);
    body = chinese(rng);
    return;
  }
  const int subject_words = 2 + static_cast<int>(rng() % 5);
  for (int i = 0; i < subject_words; ++i) subject += (i ? " " : "") + word(rng);
  subject[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(subject[0])));
  const int body_words = 8 + static_cast<int>(rng() % 50);
  for (int i = 0; i < body_words; ++i) {
    body += (i ? " " : "") + word(rng);
    if (rng() % 9 == 0) body += '.';
  }
  if (rng() % 50 == 0) body += std::string(" See the ") + kPhrase + ".";
}

void Corpus::setup(Store& store) {
  for (int i = 0; i < options_.users; ++i) {
    auto user = store.create_user(NewUser{"u" + std::to_string(i), "First", "Last", "x", {}, false, 1});
    if (!user) die("create_user: " + user.error().message);
    users_.push_back(user->id);
  }
  std::mt19937_64 rng(options_.seed + 1);
  for (int g = 0; g < options_.groups; ++g) {
    auto group = store.create_group(NewGroup{"g" + std::to_string(g), std::nullopt, users_[0], 1});
    if (!group) die("create_group: " + group.error().message);
    std::vector<UserId> members;
    const int size = 5 + static_cast<int>(rng() % 16);
    while (static_cast<int>(members.size()) < size) {
      const UserId u = users_[rng() % users_.size()];
      if (std::find(members.begin(), members.end(), u) != members.end()) continue;
      if (!store.add_member(group->id, u)) die("add_member");
      members.push_back(u);
    }
    groups_.emplace_back(group->id, std::move(members));
  }
}

void Corpus::make_message(std::mt19937_64& rng, std::int64_t i, NewMessage& m) const {
  constexpr Timestamp kStartDate = 1'700'000'000'000;
  m.recipients.clear();
  m.create_date = kStartDate + i * 1000;
  message_text(rng, m.subject, m.body);
  if (std::uniform_real_distribution<double>(0, 1)(rng) < options_.group_share) {
    const auto& [group, members] = groups_[rng() % groups_.size()];
    m.creator = members[rng() % members.size()];
    m.conversation = ConversationKey{.kind = ConversationKind::group, .group = group};
    for (UserId u : members) {
      if (u != m.creator) m.recipients.push_back(RecipientRef{u, group});
    }
  } else {
    m.creator = users_[rng() % users_.size()];
    UserId to = m.creator;
    while (to == m.creator) to = users_[rng() % users_.size()];
    m.conversation = ConversationKey{.kind = ConversationKind::direct,
                                     .low = std::min(m.creator, to),
                                     .high = std::max(m.creator, to)};
    m.recipients.push_back(RecipientRef{to, GroupId()});
  }
}

// The corpus as PostgreSQL loads it: one row per message with the text as the SQLite index
// sees it (search_text.h), and one row per recipient record.
class Exporter {
 public:
  Exporter(const std::filesystem::path& dir, int part) {
    if (dir.empty()) return;
    std::filesystem::create_directories(dir);
    messages_.open(dir / ("messages_" + std::to_string(part) + ".tsv"));
    recipients_.open(dir / ("recipients_" + std::to_string(part) + ".tsv"));
  }
  void add(const Message& s, const NewMessage& m) {
    if (!messages_.is_open()) return;
    messages_ << s.id.value << '\t' << s.creator.value << '\t' << s.create_date << '\t'
              << sqlite::index_text(s.subject) << '\t' << sqlite::index_text(s.body) << ' '
              << sqlite::index_tails(s.subject + "\n" + s.body) << '\n';
    for (const RecipientRef& r : m.recipients) recipients_ << s.id.value << '\t' << r.user.value << '\n';
  }

 private:
  std::ofstream messages_, recipients_;
};

double Corpus::send_all(Store& store) {
  std::atomic<std::int64_t> next{0};
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> senders;
  for (int t = 0; t < options_.threads; ++t) {
    senders.emplace_back([&, t] {
      std::mt19937_64 rng(options_.seed + 100 + static_cast<std::uint64_t>(t));
      Exporter exporter(options_.export_dir, t);
      NewMessage m;
      for (std::int64_t i = next++; i < options_.messages; i = next++) {
        make_message(rng, i, m);
        auto sent = store.send_message(m);
        if (!sent) die("send_message: " + sent.error().message);
        exporter.add(sent->message, m);
      }
    });
  }
  for (auto& s : senders) s.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return static_cast<double>(options_.messages) / seconds;
}

double Corpus::bulk_all(const std::filesystem::path& path) {
  std::mt19937_64 rng(options_.seed + 100);
  Exporter exporter(options_.export_dir, 0);
  std::int64_t i = 0;
  const auto started = std::chrono::steady_clock::now();
  auto loaded = sqlite::bulk_load(
      path.string(),
      [&](NewMessage& m) {
        if (i >= options_.messages) return false;
        make_message(rng, i, m);
        if (++i % 100'000 == 0) std::fprintf(stderr, "  %lld messages\n", static_cast<long long>(i));
        return true;
      },
      [&](const Message& s, const NewMessage& m) { exporter.add(s, m); });
  if (!loaded) die("bulk_load: " + loaded.error().message);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return static_cast<double>(options_.messages) / seconds;
}

}  // namespace missive::bench
