#include "store/sqlite/writer.h"

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "core/thread_name.h"

namespace missive::sqlite {

Writer::Writer(std::unique_ptr<Db> db, std::size_t max_batch, CommitFault fault,
               BeforeCommit before_commit)
    : db_(std::move(db)),
      max_batch_(max_batch == 0 ? 1 : max_batch),
      fault_(std::move(fault)),
      before_commit_(std::move(before_commit)),
      thread_([this] { run(); }) {}

Writer::~Writer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_cv_.notify_one();
  thread_.join();
  // The read connections are read-only and cannot checkpoint when they close last: copy the
  // WAL into the database and truncate it now, so a stopped server leaves one
  // self-contained file (for a copy-based backup or a move). Best effort: a failure only
  // leaves the WAL for the next open to replay.
  (void)db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

Status Writer::submit(const Job& job) {
  Pending p{&job, {}, false, {}, false};
  return enqueue(p);
}

Status Writer::submit_alone(const Job& job) {
  Pending p{&job, {}, false, {}, true};
  return enqueue(p);
}

Status Writer::enqueue(Pending& p) {
  std::unique_lock lock(mutex_);
  if (stop_) return fail(ErrorCode::unavailable, "the store is shutting down");
  queue_.push_back(&p);
  work_cv_.notify_one();
  p.cv.wait(lock, [&] { return p.done; });
  return std::move(p.result);
}

void Writer::set_commit_listener(CommitListener listener) {
  auto shared = listener ? std::make_shared<const CommitListener>(std::move(listener)) : nullptr;
  std::lock_guard lock(listener_mutex_);
  listener_ = std::move(shared);
}

void Writer::notify_committed() {
  std::vector<UserId> users = std::move(db_->timeline_users());
  db_->timeline_users().clear();
  if (users.empty()) return;
  std::shared_ptr<const CommitListener> listener;
  {
    std::lock_guard lock(listener_mutex_);
    listener = listener_;
  }
  if (!listener) return;
  std::sort(users.begin(), users.end());
  users.erase(std::unique(users.begin(), users.end()), users.end());
  try {
    (*listener)(users);
  } catch (...) {
    // A listener's failure must not fail writes that have already committed.
  }
}

void Writer::run() {
  name_this_thread("missive-writer");  // for top -H (operations.md)
  std::deque<Pending*> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ is set and nothing is left to do
      if (queue_.front()->alone) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      } else {
        // A batch ends before the next maintenance job: that one runs alone, after it.
        while (!queue_.empty() && batch.size() < max_batch_ && !queue_.front()->alone) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
    }
    if (batch.front()->alone) {
      apply_alone(*batch.front());
    } else {
      apply(batch);
    }
    {
      // Completed under the lock: once `done` is seen the caller's stack frame (and the
      // Pending on it) may vanish, so nothing may touch it after the unlock.
      std::lock_guard lock(mutex_);
      for (Pending* p : batch) {
        p->done = true;
        p->cv.notify_one();
      }
    }
    batch.clear();
  }
}

Status Writer::call_job(Pending& p) {
  try {
    return (*p.job)(*db_);
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, fmt::format("write failed: {}", e.what()));
  } catch (...) {
    return fail(ErrorCode::internal, "write failed");
  }
}

Status Writer::run_job(Pending& p) {
  MISSIVE_TRY_STATUS(db_->exec("SAVEPOINT job"));
  Status result = call_job(p);
  if (!db_->in_transaction()) return result;  // SQLite rolled the whole transaction back
  Status closed = result ? db_->exec("RELEASE job") : db_->exec("ROLLBACK TO job");
  if (closed && !result) closed = db_->exec("RELEASE job");
  if (!closed) {
    // The job's writes could not be undone alone: end the transaction so none of them commit.
    (void)db_->exec("ROLLBACK");
    return closed;
  }
  return result;
}

void Writer::apply(std::deque<Pending*>& batch) {
  auto fail_all = [&](const Error& error) {
    for (Pending* p : batch) {
      p->result = std::unexpected(Error{ErrorCode::unavailable, error.message});
    }
  };
  // Whatever an earlier, failed transaction recorded never committed.
  db_->timeline_users().clear();
  // IMMEDIATE: take the write lock up front rather than failing to upgrade mid-batch.
  if (auto begun = db_->exec("BEGIN IMMEDIATE"); !begun) {
    fail_all(begun.error());
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = run_job(*batch[i]);
    // An I/O error, a full disk or a failed savepoint rollback can end the whole transaction:
    // then the jobs that looked done are lost too.
    if (!db_->in_transaction()) {
      // The failing job's error says why (a full disk, an I/O error).
      fail_all(batch[i]->result ? Error{ErrorCode::unavailable,
                                        "database error: the transaction was rolled back; retry"}
                                : batch[i]->result.error());
      return;
    }
  }
  if (before_commit_) {
    if (Status done = before_commit_(*db_); !done) {
      if (db_->in_transaction()) (void)db_->exec("ROLLBACK");
      fail_all(done.error());
      db_->timeline_users().clear();
      return;
    }
  }
  bool injected = fault_ && fault_(batch.size());
  Status committed = injected ? fail(ErrorCode::unavailable, "database error: injected commit failure")
                              : db_->exec("COMMIT");
  if (!committed) {
    if (db_->in_transaction()) (void)db_->exec("ROLLBACK");
    fail_all(committed.error());
    db_->timeline_users().clear();
    return;
  }
  notify_committed();
}

void Writer::apply_alone(Pending& p) {
  db_->timeline_users().clear();
  if (auto begun = db_->exec("BEGIN IMMEDIATE"); !begun) {
    p.result = std::unexpected(Error{ErrorCode::unavailable, begun.error().message});
    return;
  }
  p.result = call_job(p);
  if (!db_->in_transaction()) {  // SQLite rolled the transaction back (I/O error, full disk)
    if (p.result) {
      p.result = fail(ErrorCode::unavailable,
                      "database error: the transaction was rolled back; retry");
    }
    db_->timeline_users().clear();
    return;
  }
  if (!p.result) {
    (void)db_->exec("ROLLBACK");
    db_->timeline_users().clear();
    return;
  }
  bool injected = fault_ && fault_(1);
  Status committed = injected ? fail(ErrorCode::unavailable, "database error: injected commit failure")
                              : db_->exec("COMMIT");
  if (!committed) {
    if (db_->in_transaction()) (void)db_->exec("ROLLBACK");
    p.result = std::unexpected(Error{ErrorCode::unavailable, committed.error().message});
    db_->timeline_users().clear();
    return;
  }
  notify_committed();
}

}  // namespace missive::sqlite
