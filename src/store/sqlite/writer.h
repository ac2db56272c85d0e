#pragma once
// The single writer of a SQLite store: group commit in the manner of leveldb's DBImpl::Write.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"
#include "store/sqlite/sqlite_db.h"

namespace missive::sqlite {

// Runs write jobs on one thread and one connection. Whatever jobs are queued (up to
// max_batch) run in one transaction, each inside its own SAVEPOINT: a failing job is rolled
// back alone and the others still commit. Every job is answered only after the COMMIT; if
// the COMMIT fails, every job of the batch fails with unavailable and the writer carries on.
// After the batch's jobs and before its COMMIT, the before-commit step (if any) runs once, in
// the transaction, outside every savepoint: work the jobs queued for the batch as a whole
// (batch_scratch.h); if it fails, the whole batch fails with unavailable.
// After each successful COMMIT, and before its jobs are answered, the commit listener (if
// any) is told the distinct users the committed jobs gave timeline entries
// (Db::timeline_users), on the writer thread and outside every lock.
// A maintenance job (submit_alone) runs by itself, between batches, in its own plain
// transaction (BEGIN IMMEDIATE ... COMMIT, no SAVEPOINT, no other job in it): for work such as
// FTS5 index merges that must not share a transaction or a savepoint with other writes. Jobs
// queued before it run in earlier batches, jobs queued after it in later ones.
// Thread-safety: submit() and submit_alone() may be called from any thread concurrently.
class Writer {
 public:
  // A job runs on the writer thread inside the batch's transaction. An error return rolls
  // back everything the job wrote.
  using Job = std::function<Status(Db&)>;
  // Test-only fault injection: asked before each COMMIT with the batch size; true makes the
  // commit fail as a disk error would.
  using CommitFault = std::function<bool(std::size_t jobs)>;
  using CommitListener = std::function<void(const std::vector<UserId>& users)>;
  using BeforeCommit = std::function<Status(Db&)>;

  Writer(std::unique_ptr<Db> db, std::size_t max_batch, CommitFault fault,
         BeforeCommit before_commit = {});
  // Finishes the queued jobs, stops the thread, then checkpoints the WAL into the database
  // and truncates it.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Blocks until the job has committed (ok) or failed (its own error, or unavailable).
  Status submit(const Job& job);
  // As submit, but the job runs alone in a plain transaction (see above). An error return
  // rolls the transaction back.
  Status submit_alone(const Job& job);
  // Replaces the commit listener; takes effect from the next commit.
  void set_commit_listener(CommitListener listener);

 private:
  struct Pending {
    const Job* job;
    Status result;
    bool done = false;
    std::condition_variable cv;
    bool alone = false;  // a maintenance job: its own transaction, no savepoint
  };

  Status enqueue(Pending& p);
  void run();
  void apply(std::deque<Pending*>& batch);
  void apply_alone(Pending& p);
  Status call_job(Pending& p);
  void notify_committed();
  Status run_job(Pending& p);

  // Constant after construction, used only by the writer thread.
  const std::unique_ptr<Db> db_;
  const std::size_t max_batch_;
  const CommitFault fault_;
  const BeforeCommit before_commit_;

  std::mutex mutex_;
  std::condition_variable work_cv_;      // signalled when a job is queued or stop_ is set
  std::deque<Pending*> queue_;           // guarded by mutex_
  bool stop_ = false;                    // guarded by mutex_

  std::mutex listener_mutex_;
  std::shared_ptr<const CommitListener> listener_;  // guarded by listener_mutex_

  std::thread thread_;  // last: starts after every member above is built
};

}  // namespace missive::sqlite
