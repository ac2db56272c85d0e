#pragma once
// The baseline missive-bench compares against: the relational design teams write by hand —
// tables "user", "group", user_group, message and message_recipient (one row per recipient,
// is_read), read % by SUM(is_read)/COUNT(*) — on a PostgreSQL server reached through libpq.
// Every statement is prepared and runs in autocommit (one round trip, one commit each), so the
// baseline pays nothing a careful hand-written service would not.
//
// Thread-safety: each workload opens its own connections (one per thread); one PgBaseline
// must not run two workloads at once. Failures throw std::runtime_error.

#include <cstdint>
#include <string>

#include "histogram.h"

namespace missive::bench {

struct PgRun {
  std::uint64_t ops = 0;
  double seconds = 0;
  Histogram latency;
  double per_second() const { return seconds > 0 ? double(ops) / seconds : 0; }
};

class PgBaseline {
 public:
  struct Ids {
    std::int64_t sender = 0, recipient = 0, catchup_user = 0;
    std::int64_t group_small = 0, group_large = 0;  // first `small` and first `large` users
    std::int64_t big_message = 0;                   // to users 1..big
  };

  explicit PgBaseline(std::string conninfo);

  // Creates the schema (dropping an old one) and loads: users 1..max(large, big) plus a sender,
  // a recipient and a catch-up user holding `catchup` messages; the two groups; one message to
  // users 1..big. Returns the ids the workloads use.
  Ids load(int small, int large, int big, int catchup);
  std::string version();

  // Closed-loop direct sends (message + one recipient row) from `concurrency` connections.
  PgRun direct(int concurrency, double seconds, const Ids& ids);
  // `reps` sends to a group, one at a time: INSERT ... SELECT of its members.
  PgRun group_sends(std::int64_t group, int reps, const Ids& ids);
  // Pages of `page` entries of the catch-up user's messages until `entries` are read.
  PgRun catchup(int entries, int page, const Ids& ids);
  // Users 1..readers mark the big message read, from `concurrency` connections.
  PgRun mark_read(int readers, int concurrency, const Ids& ids);
  // Marks the big message unread for everyone again.
  void reset_reads(const Ids& ids);
  // `reps` times the read % of the big message by aggregate.
  PgRun dashboard(int reps, const Ids& ids, double* read_percent);

 private:
  std::string conninfo_;
};

}  // namespace missive::bench
