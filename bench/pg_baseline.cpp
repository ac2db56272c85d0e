#include "pg_baseline.h"

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fmt/format.h>

namespace missive::bench {
namespace {

using Steady = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
      .count();
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

class Conn {
 public:
  explicit Conn(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string why = PQerrorMessage(conn_);
      PQfinish(conn_);
      throw std::runtime_error("PostgreSQL: cannot connect: " + why);
    }
  }
  ~Conn() { PQfinish(conn_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  PgResult exec(const std::string& sql) {
    PgResult r(PQexec(conn_, sql.c_str()));
    check(r.get(), sql);
    return r;
  }
  void prepare(const char* name, const char* sql) {
    PgResult r(PQprepare(conn_, name, sql, 0, nullptr));
    check(r.get(), sql);
  }
  PgResult run(const char* name, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PgResult r(PQexecPrepared(conn_, name, int(values.size()), values.data(), nullptr, nullptr, 0));
    check(r.get(), name);
    return r;
  }

 private:
  void check(PGresult* r, const std::string& what) {
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      throw std::runtime_error(fmt::format("PostgreSQL: {}: {}", what.substr(0, 80),
                                           PQerrorMessage(conn_)));
    }
  }
  PGconn* conn_;
};

constexpr const char* kSend =
    "WITH m AS (INSERT INTO message (creator_id, subject, body) VALUES ($1, $2, $3) RETURNING id) "
    "INSERT INTO message_recipient (message_id, user_id) SELECT id, $4 FROM m";
constexpr const char* kGroupSend =
    "WITH m AS (INSERT INTO message (creator_id, subject, body) VALUES ($1, $2, $3) RETURNING id) "
    "INSERT INTO message_recipient (message_id, user_id, group_id) "
    "SELECT m.id, ug.user_id, ug.group_id FROM m CROSS JOIN user_group ug WHERE ug.group_id = $4";
constexpr const char* kPage =
    "SELECT m.id, m.creator_id, m.subject, m.body, m.create_date, r.is_read, r.read_at "
    "FROM message_recipient r JOIN message m ON m.id = r.message_id "
    "WHERE r.user_id = $1 AND r.message_id > $2 ORDER BY r.message_id LIMIT $3";
constexpr const char* kRead =
    "UPDATE message_recipient SET is_read = true, read_at = now() "
    "WHERE message_id = $1 AND user_id = $2 AND NOT is_read";
constexpr const char* kDashboard =
    "SELECT COUNT(*), SUM(is_read::int), 100.0 * SUM(is_read::int) / COUNT(*) "
    "FROM message_recipient WHERE message_id = $1";

}  // namespace

PgBaseline::PgBaseline(std::string conninfo) : conninfo_(std::move(conninfo)) {}

std::string PgBaseline::version() {
  Conn c(conninfo_);
  auto r = c.exec("SHOW server_version");
  return PQgetvalue(r.get(), 0, 0);
}

PgBaseline::Ids PgBaseline::load(int small, int large, int big, int catchup) {
  Conn c(conninfo_);
  c.exec("SET client_min_messages = warning");
  c.exec("DROP TABLE IF EXISTS message_recipient, message, user_group, \"group\", \"user\"");
  c.exec(R"(
    CREATE TABLE "user" (
      id bigserial PRIMARY KEY, handle text NOT NULL UNIQUE, first_name text NOT NULL,
      last_name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE "group" (
      id bigserial PRIMARY KEY, name text NOT NULL UNIQUE, owner_id bigint NOT NULL REFERENCES "user");
    CREATE TABLE user_group (
      group_id bigint NOT NULL REFERENCES "group", user_id bigint NOT NULL REFERENCES "user",
      PRIMARY KEY (group_id, user_id));
    CREATE TABLE message (
      id bigserial PRIMARY KEY, creator_id bigint NOT NULL REFERENCES "user",
      subject text NOT NULL, body text NOT NULL, create_date timestamptz NOT NULL DEFAULT now());
    CREATE TABLE message_recipient (
      message_id bigint NOT NULL REFERENCES message, user_id bigint NOT NULL REFERENCES "user",
      group_id bigint REFERENCES "group", is_read boolean NOT NULL DEFAULT false,
      read_at timestamptz, PRIMARY KEY (message_id, user_id));
    CREATE INDEX message_recipient_by_user ON message_recipient (user_id, message_id);
  )");
  const int people = std::max(large, big);
  Ids ids;
  ids.sender = people + 1;
  ids.recipient = people + 2;
  ids.catchup_user = people + 3;
  c.exec(fmt::format(
      "INSERT INTO \"user\" (handle, first_name, last_name) "
      "SELECT 'u' || i, 'Bench', 'U' || i FROM generate_series(1, {}) i",
      people + 3));
  c.exec(fmt::format("INSERT INTO \"group\" (name, owner_id) VALUES ('small', {0}), ('large', {0})",
                     ids.sender));
  ids.group_small = 1;
  ids.group_large = 2;
  c.exec(fmt::format("INSERT INTO user_group SELECT 1, i FROM generate_series(1, {}) i", small));
  c.exec(fmt::format("INSERT INTO user_group SELECT 2, i FROM generate_series(1, {}) i", large));
  // The catch-up user's missed messages, then the big message.
  c.exec(fmt::format(
      "WITH m AS (INSERT INTO message (creator_id, subject, body) "
      "  SELECT {0}, 'missed ' || i, 'benchmark' FROM generate_series(1, {1}) i RETURNING id) "
      "INSERT INTO message_recipient (message_id, user_id) SELECT id, {2} FROM m",
      ids.sender, catchup, ids.catchup_user));
  auto r = c.exec(fmt::format(
      "INSERT INTO message (creator_id, subject, body) VALUES ({}, 'big', 'benchmark') RETURNING id",
      ids.sender));
  ids.big_message = std::atoll(PQgetvalue(r.get(), 0, 0));
  c.exec(fmt::format("INSERT INTO message_recipient (message_id, user_id) "
                     "SELECT {}, i FROM generate_series(1, {}) i",
                     ids.big_message, big));
  c.exec("VACUUM ANALYZE");
  c.exec("CHECKPOINT");
  return ids;
}

PgRun PgBaseline::direct(int concurrency, double seconds, const Ids& ids) {
  std::vector<std::unique_ptr<Conn>> conns;
  for (int i = 0; i < concurrency; ++i) {
    conns.push_back(std::make_unique<Conn>(conninfo_));
    conns.back()->prepare("send", kSend);
  }
  PgRun run;
  std::mutex mutex;
  const std::int64_t start = now_ns();
  const std::int64_t end = start + std::int64_t(seconds * 1e9);
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&, i] {
      Histogram mine;
      std::uint64_t ops = 0;
      const std::vector<std::string> params = {std::to_string(ids.sender), "direct", "benchmark",
                                               std::to_string(ids.recipient)};
      while (now_ns() < end) {
        const std::int64_t t0 = now_ns();
        conns[std::size_t(i)]->run("send", params);
        mine.record(now_ns() - t0);
        ++ops;
      }
      std::lock_guard lock(mutex);
      run.latency.merge(mine);
      run.ops += ops;
    });
  }
  for (auto& t : threads) t.join();
  run.seconds = double(now_ns() - start) / 1e9;
  return run;
}

PgRun PgBaseline::group_sends(std::int64_t group, int reps, const Ids& ids) {
  Conn c(conninfo_);
  c.prepare("gsend", kGroupSend);
  PgRun run;
  const std::int64_t start = now_ns();
  for (int i = 0; i < reps; ++i) {
    const std::int64_t t0 = now_ns();
    c.run("gsend", {std::to_string(ids.sender), "group", "benchmark", std::to_string(group)});
    run.latency.record(now_ns() - t0);
    ++run.ops;
  }
  run.seconds = double(now_ns() - start) / 1e9;
  return run;
}

PgRun PgBaseline::catchup(int entries, int page, const Ids& ids) {
  Conn c(conninfo_);
  c.prepare("page", kPage);
  PgRun run;
  const std::int64_t start = now_ns();
  std::string after = "0";
  while (run.ops < std::uint64_t(entries)) {
    const std::int64_t t0 = now_ns();
    auto r = c.run("page", {std::to_string(ids.catchup_user), after, std::to_string(page)});
    run.latency.record(now_ns() - t0);
    const int rows = PQntuples(r.get());
    if (rows == 0) break;
    run.ops += std::uint64_t(rows);
    after = PQgetvalue(r.get(), rows - 1, 0);
  }
  run.seconds = double(now_ns() - start) / 1e9;
  return run;
}

PgRun PgBaseline::mark_read(int readers, int concurrency, const Ids& ids) {
  std::vector<std::unique_ptr<Conn>> conns;
  for (int i = 0; i < concurrency; ++i) {
    conns.push_back(std::make_unique<Conn>(conninfo_));
    conns.back()->prepare("read", kRead);
  }
  PgRun run;
  std::mutex mutex;
  std::atomic<int> next{1};
  const std::int64_t start = now_ns();
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&, i] {
      Histogram mine;
      std::uint64_t ops = 0;
      for (int user = next++; user <= readers; user = next++) {
        const std::int64_t t0 = now_ns();
        conns[std::size_t(i)]->run("read", {std::to_string(ids.big_message), std::to_string(user)});
        mine.record(now_ns() - t0);
        ++ops;
      }
      std::lock_guard lock(mutex);
      run.latency.merge(mine);
      run.ops += ops;
    });
  }
  for (auto& t : threads) t.join();
  run.seconds = double(now_ns() - start) / 1e9;
  return run;
}

void PgBaseline::reset_reads(const Ids& ids) {
  Conn c(conninfo_);
  c.exec(fmt::format("UPDATE message_recipient SET is_read = false, read_at = NULL "
                     "WHERE message_id = {}", ids.big_message));
  c.exec("VACUUM ANALYZE message_recipient");
}

PgRun PgBaseline::dashboard(int reps, const Ids& ids, double* read_percent) {
  Conn c(conninfo_);
  c.prepare("dashboard", kDashboard);
  PgRun run;
  const std::int64_t start = now_ns();
  for (int i = 0; i < reps; ++i) {
    const std::int64_t t0 = now_ns();
    auto r = c.run("dashboard", {std::to_string(ids.big_message)});
    run.latency.record(now_ns() - t0);
    ++run.ops;
    if (read_percent) *read_percent = std::atof(PQgetvalue(r.get(), 0, 2));
  }
  run.seconds = double(now_ns() - start) / 1e9;
  return run;
}

}  // namespace missive::bench
