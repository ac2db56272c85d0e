#include "store_test_support.h"

#include <unistd.h>

#include <atomic>
#include <random>

#include <fmt/format.h>

namespace missive::testing {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          fmt::format("missive-store-{}-{}-{}", ::getpid(), counter++, random());
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void StoreConformance::SetUp() {
  dir_ = std::make_unique<TempDir>();
  auto opened = GetParam().open(dir_->path());
  ASSERT_TRUE(opened) << opened.error().message;
  store_ = std::move(*opened);
}

void StoreConformance::TearDown() {
  store_.reset();
  dir_.reset();
}

void StoreConformance::reopen() {
  store_.reset();
  store_ = must(GetParam().open(dir_->path()));
}

User StoreConformance::user(const std::string& handle, Attributes attributes) {
  NewUser nu;
  nu.handle = handle;
  nu.first_name = "First" + handle;
  nu.last_name = "Last" + handle;
  nu.password_hash = "hash-" + handle;
  nu.attributes = std::move(attributes);
  nu.created_at = now_;
  return must(store().create_user(nu));
}

std::vector<UserId> StoreConformance::users(const std::string& prefix, int count) {
  std::vector<UserId> ids;
  for (int i = 0; i < count; ++i) ids.push_back(user(prefix + std::to_string(i)).id);
  return ids;
}

Group StoreConformance::group(const std::string& name, UserId owner,
                              const std::vector<UserId>& members) {
  Group g = must(store().create_group(NewGroup{name, std::nullopt, owner, now_}));
  for (UserId m : members) must(store().add_member(g.id, m));
  return must(store().get_group(g.id));
}

Message StoreConformance::send_to_ops_and_first_member(UserId from,
                                                       const std::vector<UserId>& members) {
  NewMessage m = to_group(from, group("Ops", from, members).id, members);
  m.conversation.kind = ConversationKind::multi;
  m.recipients.push_back(RecipientRef{members.front(), GroupId()});
  return send(m);
}

NewMessage StoreConformance::direct(UserId from, UserId to, std::string body) {
  NewMessage m;
  m.creator = from;
  m.subject = "subject";
  m.body = std::move(body);
  m.create_date = 1'700'000'000'000;
  m.conversation.kind = ConversationKind::direct;
  m.conversation.low = std::min(from, to);
  m.conversation.high = std::max(from, to);
  m.recipients = {RecipientRef{to, GroupId()}};
  return m;
}

NewMessage StoreConformance::to_group(UserId from, GroupId group,
                                      const std::vector<UserId>& members, std::string body) {
  NewMessage m;
  m.creator = from;
  m.subject = "subject";
  m.body = std::move(body);
  m.create_date = 1'700'000'000'000;
  m.conversation.kind = ConversationKind::group;
  m.conversation.group = group;
  for (UserId u : members) {
    if (u != from) m.recipients.push_back(RecipientRef{u, group});
  }
  return m;
}

void SearchConformance::SetUp() {
  StoreConformance::SetUp();
  ada_ = user("ada");
  bob_ = user("bob");
  cyd_ = user("cyd");
}

MessageSearch SearchConformance::query(UserId who, std::string_view text) {
  auto parsed = SearchQuery::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  MessageSearch s;
  s.user = who;
  s.match = parsed ? parsed->root() : SearchNode{};
  s.now = now_;
  s.limit = 50;
  return s;
}

std::vector<std::int64_t> SearchConformance::find(UserId who, std::string_view text) {
  return find(query(who, text));
}

std::vector<std::int64_t> SearchConformance::find(const MessageSearch& search) {
  std::vector<std::int64_t> out;
  for (const SearchHit& h : must(store().search(search)).hits) out.push_back(h.item.message.id.value);
  return out;
}

Message SearchConformance::say(UserId from, UserId to, std::string subject, std::string body) {
  NewMessage m = direct(from, to, std::move(body));
  m.subject = std::move(subject);
  m.create_date = ++clock_;
  return send(m);
}

}  // namespace missive::testing
