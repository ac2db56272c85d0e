// Reminders over HTTP: the settings' JSON shape and validation, changes and stop, the
// dashboard fields, the recipient's timeline and the admins' due list. Timing (what is sent
// when) is tested at engine level on a hand-moved clock: tests/unit/engine/reminders_test.cpp.
#include "fixture.h"

namespace missive::itest {
namespace {

class RemindersTest : public IntegrationTest {
 protected:
  Reply send_reminder(std::int64_t to, const std::string& reminders,
                      const std::string& expiry = R"("2099-01-31")") {
    return admin().post("/v1/messages", R"({"to":{"users":[)" + std::to_string(to) +
                                            R"(]},"subject":"Sign","body":"Please",)"
                                            R"("expiry_date":)" + expiry +
                                            R"(,"reminders":)" + reminders + "}");
  }
};

TEST_F(RemindersTest, SendWithRemindersShowsTheScheduleToTheCreator) {
  Person ada = person("ada");
  const auto sent = send_reminder(ada.id, R"({"frequency":"weekly","deactivate_non_responders":true})",
                                  R"("2099-01-31T08:00:00+02:00")");
  ASSERT_EQ(sent.outcome(), "201") << sent.body;
  EXPECT_STREQ(sent.json["expiry_date"].GetString(), "2099-01-31T23:59:59.999Z");
  const auto& r = sent.json["reminders"];
  EXPECT_STREQ(r["frequency"].GetString(), "weekly");
  EXPECT_EQ(r["period_days"].GetInt(), 7);
  EXPECT_STREQ(r["expiry_day"].GetString(), "2099-01-31");
  EXPECT_TRUE(r["deactivate_non_responders"].GetBool());
  EXPECT_TRUE(r["next_remind_date"].IsString());
  EXPECT_TRUE(r["last_remind_date"].IsNull());
  EXPECT_EQ(r["reminders_sent"].GetInt(), 0);
  EXPECT_STREQ(r["status"].GetString(), "active");
  const std::string next = r["next_remind_date"].GetString();
  EXPECT_EQ(next.substr(10), "T09:00:00.000Z");

  // The recipient's view: counts, not the schedule.
  const auto seen = ada.api->get("/v1/messages/" + std::to_string(sent.id()));
  ASSERT_EQ(seen.outcome(), "200");
  EXPECT_EQ(seen.json["reminder_count"].GetInt(), 0);
  EXPECT_TRUE(seen.json["last_reminded_at"].IsNull());
  EXPECT_FALSE(seen.json.HasMember("reminders"));
  const auto timeline = ada.api->get("/v1/reminders");
  ASSERT_EQ(timeline.outcome(), "200");
  EXPECT_EQ(timeline.json["reminders"].Size(), 0u);
  EXPECT_TRUE(timeline.json["next"].IsNull());

  // every_days, and a plain message has reminders: null.
  const auto every = send_reminder(ada.id, R"({"every_days":3})");
  ASSERT_EQ(every.outcome(), "201");
  EXPECT_STREQ(every.json["reminders"]["frequency"].GetString(), "every_days");
  EXPECT_EQ(every.json["reminders"]["period_days"].GetInt(), 3);
  const auto plain = admin().send_to_users({ada.id});
  EXPECT_TRUE(plain.json["reminders"].IsNull());
}

TEST_F(RemindersTest, InvalidSettingsAreRejected) {
  Person ada = person("ada");
  const auto outcome = [&](const std::string& reminders, const std::string& expiry) {
    const auto reply = send_reminder(ada.id, reminders, expiry);
    return reply.outcome() + " " + reply.error_message();
  };
  EXPECT_EQ(outcome(R"({"frequency":"daily"})", R"("2020-01-01")"),
            "422 unprocessable expiry_date (2020-01-01) must be a day after the send date (" +
                std::string(admin().get("/v1/me").json["created_at"].GetString()).substr(0, 10) +
                "): the final reminder goes out on the expiry day");
  EXPECT_EQ(outcome(R"({"every_days":0})", R"("2099-01-31")"),
            "422 unprocessable the reminder frequency must be 1 to 366 days, not 0");
  EXPECT_EQ(outcome(R"({"every_days":-2})", R"("2099-01-31")"),
            "422 unprocessable the reminder frequency must be 1 to 366 days, not -2");
  EXPECT_EQ(outcome(R"({"frequency":"weekly"})", "null"),
            "422 unprocessable reminders need an expiry_date: the day of the final reminder");
  EXPECT_EQ(outcome(R"({"frequency":"monthly"})", R"("2099-01-31")"),
            "400 invalid reminders.frequency must be \"daily\", \"weekly\" or \"every_days\" "
            "(with reminders.every_days: N)");
  EXPECT_EQ(outcome(R"({"frequency":"daily","every_days":3})", R"("2099-01-31")").substr(0, 11),
            "400 invalid");
  EXPECT_EQ(outcome(R"({})", R"("2099-01-31")").substr(0, 11), "400 invalid");
  EXPECT_EQ(outcome(R"("weekly")", R"("2099-01-31")").substr(0, 11), "400 invalid");
}

TEST_F(RemindersTest, ChangeStopAndWithdraw) {
  Person ada = person("ada");
  const auto sent = send_reminder(ada.id, R"({"frequency":"weekly"})");
  ASSERT_EQ(sent.outcome(), "201");
  const std::string path = "/v1/messages/" + std::to_string(sent.id()) + "/reminders";

  const auto daily = admin().patch(path, R"({"frequency":"daily","expiry_date":"2099-02-15"})");
  ASSERT_EQ(daily.outcome(), "200") << daily.body;
  EXPECT_EQ(daily.json["reminders"]["period_days"].GetInt(), 1);
  EXPECT_STREQ(daily.json["reminders"]["expiry_day"].GetString(), "2099-02-15");
  EXPECT_STREQ(daily.json["expiry_date"].GetString(), "2099-02-15T23:59:59.999Z");

  EXPECT_EQ(ada.api->patch(path, R"({"stop":true})").outcome(), "403 forbidden");
  EXPECT_EQ(admin().patch(path, "{}").outcome(), "400 invalid");
  EXPECT_EQ(admin().patch(path, R"({"expiry_date":"2020-01-01"})").outcome(),
            "422 unprocessable");
  EXPECT_EQ(admin().patch(path, R"({"every_days":0})").outcome(), "422 unprocessable");
  EXPECT_EQ(admin().patch(path, R"({"expiry_date":null})").outcome(), "400 invalid");
  // Removing the expiry of a reminder message through the plain PATCH is refused.
  EXPECT_EQ(admin().patch("/v1/messages/" + std::to_string(sent.id()), R"({"expiry_date":null})")
                .outcome(),
            "422 unprocessable");

  const auto stopped = admin().patch(path, R"({"stop":true})");
  ASSERT_EQ(stopped.outcome(), "200");
  EXPECT_STREQ(stopped.json["reminders"]["status"].GetString(), "stopped");
  EXPECT_TRUE(stopped.json["reminders"]["next_remind_date"].IsNull());
  EXPECT_EQ(admin().patch(path, R"({"frequency":"daily"})").outcome(), "422 unprocessable");

  const auto other = send_reminder(ada.id, R"({"frequency":"daily"})");
  const auto withdrawn =
      admin().post("/v1/messages/" + std::to_string(other.id()) + "/withdraw");
  ASSERT_EQ(withdrawn.outcome(), "200");
  EXPECT_FALSE(withdrawn.json["active"].GetBool());
  EXPECT_STREQ(withdrawn.json["reminders"]["status"].GetString(), "stopped");
  const auto plain = admin().send_to_users({ada.id});
  EXPECT_EQ(admin()
                .patch("/v1/messages/" + std::to_string(plain.id()) + "/reminders",
                       R"({"frequency":"daily"})")
                .outcome(),
            "422 unprocessable");
}

TEST_F(RemindersTest, DashboardAndDueList) {
  Person ada = person("ada");
  const auto sent = send_reminder(ada.id, R"({"frequency":"daily"})");
  ASSERT_EQ(sent.outcome(), "201");
  const auto rows = admin().get("/v1/dashboard");
  ASSERT_EQ(rows.outcome(), "200");
  EXPECT_EQ(rows.json["messages"][0]["reminders"]["reminders_sent"].GetInt(), 0);
  const auto report = admin().get("/v1/dashboard/" + std::to_string(sent.id()));
  ASSERT_EQ(report.outcome(), "200");
  EXPECT_STREQ(report.json["message"]["reminders"]["frequency"].GetString(), "daily");
  const auto& recipient = report.json["recipients"][0];
  EXPECT_EQ(recipient["reminders"].GetInt(), 0);
  EXPECT_FALSE(recipient["deactivated"].GetBool());

  const auto due = admin().get("/v1/reminders/due?until=2099-01-01");
  ASSERT_EQ(due.outcome(), "200") << due.body;
  ASSERT_EQ(due.json["due"].Size(), 1u);
  EXPECT_EQ(due.json["due"][0]["message_id"].GetInt64(), sent.id());
  EXPECT_STREQ(due.json["due"][0]["action"].GetString(), "remind");
  EXPECT_EQ(due.json["due"][0]["unread"].GetInt(), 1);
  EXPECT_EQ(admin().get("/v1/reminders/due").json["due"].Size(), 0u);  // nothing due now
  EXPECT_STREQ(admin().get("/v1/reminders/due?until=2099-02-01").json["due"][0]["action"].GetString(),
               "expire");
  EXPECT_EQ(ada.api->get("/v1/reminders/due").outcome(), "403 forbidden");
  EXPECT_EQ(admin().get("/v1/reminders/due?until=soon").outcome(), "400 invalid");
}

}  // namespace
}  // namespace missive::itest
