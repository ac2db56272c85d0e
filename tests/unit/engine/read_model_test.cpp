// A randomized test: the same sends and reads applied to the engine and to a plain model of
// who received and who read what; counters, unread counts and inboxes must agree after
// every step.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "tests/unit/engine/engine_fixture.h"

namespace missive::testing {
namespace {

struct ModelMessage {
  ConversationId conversation;
  Seq seq = 0;
  std::set<std::int64_t> recipients;  // user ids
  std::set<std::int64_t> readers;
};

class ReadModelTest : public EngineTest {
 protected:
  void check_against_model() {
    for (const auto& [id, model] : messages_) {
      auto report = engine_->read_report(admin_, MessageId(id));
      ASSERT_TRUE(report) << report.error().message;
      EXPECT_EQ(report->message.recipient_count, static_cast<std::int64_t>(model.recipients.size()));
      EXPECT_EQ(report->message.read_count, static_cast<std::int64_t>(model.readers.size()))
          << "message " << id;
    }
    for (const Caller& u : users_) {
      std::set<std::int64_t> expected_unread;
      std::map<std::int64_t, std::int64_t> unread_per_conversation;
      for (const auto& [id, model] : messages_) {
        if (model.recipients.contains(u.id.value) && !model.readers.contains(u.id.value)) {
          expected_unread.insert(id);
          ++unread_per_conversation[model.conversation.value];
        }
      }
      auto inbox = engine_->inbox(u, InboxRequest{.limit = 200, .unread_only = true});
      ASSERT_TRUE(inbox);
      std::set<std::int64_t> actual_unread;
      for (const InboxItem& item : inbox->items) actual_unread.insert(item.message.id.value);
      EXPECT_EQ(actual_unread, expected_unread) << "user " << u.id.value;

      auto conversations = engine_->conversations(u);
      ASSERT_TRUE(conversations);
      for (const ConversationSummary& c : *conversations) {
        EXPECT_EQ(c.unread, unread_per_conversation[c.id.value])
            << "user " << u.id.value << " conversation " << c.id.value;
        auto& last = watermarks_[{u.id.value, c.id.value}];
        EXPECT_GE(c.read_seq, last) << "a watermark went down";
        last = c.read_seq;
      }
    }
  }

  void random_send(std::mt19937& rng) {
    const Caller& from = users_[rng() % users_.size()];
    Addresses to;
    for (const Caller& u : users_) {
      if (u.id != from.id && rng() % 3 == 0) to.users.push_back(u.id);
    }
    if (rng() % 2 == 0) to.groups.push_back(groups_[rng() % groups_.size()]);
    auto result = engine_->send(from, SendRequest{.to = to, .subject = "s", .body = "b"});
    if (!result) return;  // not a member of the group, or nobody to send to: nothing written
    auto report = engine_->read_report(admin_, result->message.id);
    ASSERT_TRUE(report);
    ModelMessage model{.conversation = result->message.conversation, .seq = result->message.seq};
    for (const RecipientStatus& r : report->recipients) model.recipients.insert(r.user.value);
    messages_[result->message.id.value] = model;
    // Sending reads everything before it in the conversation for the sender.
    for (auto& [id, other] : messages_) {
      if (other.conversation == model.conversation && other.seq < model.seq &&
          other.recipients.contains(from.id.value)) {
        other.readers.insert(from.id.value);
      }
    }
  }

  void random_read(std::mt19937& rng) {
    if (messages_.empty()) return;
    auto it = std::next(messages_.begin(), static_cast<long>(rng() % messages_.size()));
    const Caller& reader = users_[rng() % users_.size()];
    if (rng() % 2 == 0) {
      auto result = engine_->mark_read(reader, MessageId(it->first));
      if (it->second.recipients.contains(reader.id.value)) {
        ASSERT_TRUE(result) << result.error().message;
        it->second.readers.insert(reader.id.value);
      }
      return;
    }
    const Seq up_to = static_cast<Seq>(rng() % (it->second.seq + 1));
    auto result = engine_->mark_conversation_read(reader, it->second.conversation, up_to);
    if (!result) return;  // not a member
    for (auto& [id, other] : messages_) {
      if (other.conversation == it->second.conversation && other.seq <= result->read_seq &&
          other.recipients.contains(reader.id.value)) {
        other.readers.insert(reader.id.value);
      }
    }
  }

  std::vector<Caller> users_;
  std::vector<GroupId> groups_;
  std::map<std::int64_t, ModelMessage> messages_;
  std::map<std::pair<std::int64_t, std::int64_t>, Seq> watermarks_;
};

TEST_F(ReadModelTest, RandomSendsAndReadsAgreeWithTheModel) {
  for (int i = 0; i < 5; ++i) users_.push_back(user("u" + std::to_string(i)));
  groups_.push_back(group(admin_, "odd", {users_[1], users_[3]}));
  groups_.push_back(group(admin_, "most", {users_[0], users_[1], users_[2], users_[4]}));
  std::mt19937 rng(20261121);
  for (int step = 0; step < 150; ++step) {
    if (rng() % 3 == 0) {
      random_send(rng);
    } else {
      random_read(rng);
    }
    if (step % 10 == 9) check_against_model();
    if (HasFailure()) FAIL() << "diverged at step " << step;
  }
  check_against_model();
}

}  // namespace
}  // namespace missive::testing
