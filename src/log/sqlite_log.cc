#include "jic/log/sqlite_log.h"

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace jic::log {
namespace {

// Ownership wrappers for SQLite handles.
struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

Status ExecOn(sqlite3* db, const char* sql);

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jic_log_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO jic_log_meta (key, value) VALUES ('format', 'jic-log-1');
CREATE TABLE IF NOT EXISTS entries (seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL);
)sql";

class SqliteLog final : public Log {
 public:
  SqliteLog(Db db, uint64_t next, Db checkpoint_db)
      : db_(std::move(db)), checkpoint_db_(std::move(checkpoint_db)), next_(next) {
    // Checkpoints (copying the WAL into the database, and syncing it) run on
    // their own connection and thread, so that an append never waits for
    // one: a PASSIVE checkpoint does not block writers.
    if (checkpoint_db_) checkpointer_ = std::thread([this] { CheckpointLoop(); });
  }

  ~SqliteLog() override {
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      stop_ = true;
    }
    stop_cv_.notify_all();
    if (checkpointer_.joinable()) checkpointer_.join();
    if (checkpoint_db_) {
      // Leave a small WAL behind.
      ExecOn(checkpoint_db_.get(), "PRAGMA wal_checkpoint(TRUNCATE)").IgnoreError("best effort");
    }
  }

  uint64_t next_seq() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return next_;
  }

  Status Append(uint64_t first_seq, std::span<const std::string> entries) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (first_seq != next_) {
      return {StatusCode::kFailedPrecondition,
              "append at " + std::to_string(first_seq) + " but the log is at " + std::to_string(next_)};
    }
    if (entries.empty()) return Status::Ok();
    if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
    Stmt insert;
    if (Status s = Prepare("INSERT INTO entries (seq, bytes) VALUES (?, ?)", &insert); !s.ok()) {
      Exec("ROLLBACK").IgnoreError("already failing");
      return s;
    }
    uint64_t seq = first_seq;
    for (const std::string& e : entries) {
      sqlite3_reset(insert.get());
      sqlite3_bind_int64(insert.get(), 1, static_cast<sqlite3_int64>(seq));
      sqlite3_bind_blob(insert.get(), 2, e.data(), static_cast<int>(e.size()), SQLITE_STATIC);
      if (sqlite3_step(insert.get()) != SQLITE_DONE) {
        Status s = Error("append");
        Exec("ROLLBACK").IgnoreError("already failing");
        return s;
      }
      ++seq;
    }
    // With journal_mode=WAL and synchronous=FULL the commit syncs the WAL.
    if (Status s = Exec("COMMIT"); !s.ok()) {
      Exec("ROLLBACK").IgnoreError("already failing");
      return s;
    }
    next_ = seq;
    return Status::Ok();
  }

  Status Read(uint64_t from, uint64_t limit,
              const std::function<bool(uint64_t, std::string_view)>& fn) const override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt q;
    if (Status s = Prepare("SELECT seq, bytes FROM entries WHERE seq >= ? ORDER BY seq LIMIT ?", &q);
        !s.ok()) {
      return s;
    }
    sqlite3_bind_int64(q.get(), 1, static_cast<sqlite3_int64>(from));
    sqlite3_bind_int64(q.get(), 2, static_cast<sqlite3_int64>(std::min<uint64_t>(limit, INT64_MAX)));
    int rc;
    while ((rc = sqlite3_step(q.get())) == SQLITE_ROW) {
      const auto seq = static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
      const void* data = sqlite3_column_blob(q.get(), 1);
      const int n = sqlite3_column_bytes(q.get(), 1);
      if (!fn(seq, std::string_view(static_cast<const char*>(data), static_cast<size_t>(n)))) break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error("read");
    return Status::Ok();
  }

  Status PutSnapshot(uint64_t seq, std::string_view bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (seq >= next_) {
      return {StatusCode::kFailedPrecondition,
              "snapshot at " + std::to_string(seq) + " is beyond the log's last entry"};
    }
    Stmt q;
    if (Status s = Prepare("INSERT OR REPLACE INTO snapshots (seq, bytes) VALUES (?, ?)", &q); !s.ok()) {
      return s;
    }
    sqlite3_bind_int64(q.get(), 1, static_cast<sqlite3_int64>(seq));
    sqlite3_bind_blob(q.get(), 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    if (sqlite3_step(q.get()) != SQLITE_DONE) return Error("snapshot");
    return Status::Ok();
  }

  Result<std::optional<Snapshot>> LatestSnapshot() const override {
    std::lock_guard<std::mutex> lock(mu_);
    Stmt q;
    if (Status s = Prepare("SELECT seq, bytes FROM snapshots ORDER BY seq DESC LIMIT 1", &q); !s.ok()) {
      return s;
    }
    const int rc = sqlite3_step(q.get());
    if (rc == SQLITE_DONE) return std::optional<Snapshot>();
    if (rc != SQLITE_ROW) return Error("snapshot");
    Snapshot snap;
    snap.seq = static_cast<uint64_t>(sqlite3_column_int64(q.get(), 0));
    const void* data = sqlite3_column_blob(q.get(), 1);
    snap.bytes.assign(static_cast<const char*>(data), static_cast<size_t>(sqlite3_column_bytes(q.get(), 1)));
    return std::optional<Snapshot>(std::move(snap));
  }

 private:
  Status Error(const char* what) const {
    return Status::IoError(std::string("log ") + what + ": " + sqlite3_errmsg(db_.get()));
  }
  Status Exec(const char* sql) const {
    char* err = nullptr;
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return Status::IoError(std::string("log: ") + msg);
    }
    return Status::Ok();
  }
  Status Prepare(const char* sql, Stmt* out) const {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql, -1, &s, nullptr) != SQLITE_OK) return Error("prepare");
    out->reset(s);
    return Status::Ok();
  }

  void CheckpointLoop() {
    std::unique_lock<std::mutex> lock(stop_mu_);
    while (!stop_) {
      stop_cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (stop_) break;
      lock.unlock();
      ExecOn(checkpoint_db_.get(), "PRAGMA wal_checkpoint(PASSIVE)").IgnoreError("retried later");
      lock.lock();
    }
  }

  mutable std::mutex mu_;
  Db db_;          // guarded by mu_
  Db checkpoint_db_;  // the checkpointer thread's
  std::thread checkpointer_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_ = false;  // guarded by stop_mu_
  uint64_t next_;  // guarded by mu_
};

Status ExecOn(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::IoError(msg);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Log>> OpenSqliteLog(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                 nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    return Status::IoError("cannot open log " + path + ": " +
                           (raw ? sqlite3_errmsg(raw) : "out of memory"));
  }
  sqlite3_busy_timeout(db.get(), 5000);
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL"}) {
    if (Status s = ExecOn(db.get(), pragma); !s.ok()) {
      return Status::IoError("cannot open log " + path + ": " + s.message());
    }
  }
  if (Status s = ExecOn(db.get(), kSchema); !s.ok()) {
    return Status::IoError("cannot open log " + path + ": " + s.message());
  }
  // A database someone else made is not a jic log.
  sqlite3_stmt* q = nullptr;
  std::string format;
  if (sqlite3_prepare_v2(db.get(), "SELECT value FROM jic_log_meta WHERE key = 'format'", -1, &q,
                         nullptr) == SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW) {
    format = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
  }
  sqlite3_finalize(q);
  if (format != "jic-log-1") {
    return Status::IoError("cannot open log " + path + ": format '" + format + "' is not jic-log-1");
  }
  uint64_t next = 1;
  if (sqlite3_prepare_v2(db.get(), "SELECT COALESCE(MAX(seq), 0) + 1 FROM entries", -1, &q, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(q) == SQLITE_ROW) {
    next = static_cast<uint64_t>(sqlite3_column_int64(q, 0));
  }
  sqlite3_finalize(q);
  // The writer never checkpoints; a second connection does, in the background.
  if (Status s = ExecOn(db.get(), "PRAGMA wal_autocheckpoint=0"); !s.ok()) {
    return Status::IoError("cannot open log " + path + ": " + s.message());
  }
  sqlite3* cp_raw = nullptr;
  Db cp;
  if (sqlite3_open_v2(path.c_str(), &cp_raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    cp.reset(cp_raw);
    sqlite3_busy_timeout(cp.get(), 5000);
    ExecOn(cp.get(), "PRAGMA synchronous=FULL").IgnoreError("the default is FULL too");
  } else {
    if (cp_raw) sqlite3_close(cp_raw);
    // Without it the writer checkpoints, as SQLite does by default.
    ExecOn(db.get(), "PRAGMA wal_autocheckpoint=1000").IgnoreError("best effort");
  }
  return std::unique_ptr<Log>(std::make_unique<SqliteLog>(std::move(db), next, std::move(cp)));
}

}  // namespace jic::log
