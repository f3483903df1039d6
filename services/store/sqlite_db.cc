// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sqlite_db.h"

#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace peloton::store::internal {

class SqliteDb::Cursor final : public SqlCursor {
 public:
  Cursor(const SqliteDb* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Cursor() override { sqlite3_finalize(stmt_); }

  void BindInt(int index, int64_t value) override { sqlite3_bind_int64(stmt_, index, value); }
  void BindText(int index, absl::string_view value) override {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  }
  void BindBlob(int index, absl::string_view value) override {
    sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  }
  absl::StatusOr<bool> Step() override {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // sqlite3_reset returns the same error; reset now so the next use starts clean.
    sqlite3_reset(stmt_);
    return db_->Error(rc, absl::StrCat("running '", sqlite3_sql(stmt_), "'"));
  }
  void Reset() override {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  int64_t Changes() const override { return sqlite3_changes64(db_->db_); }
  int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  absl::string_view Text(int column) const override {
    const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
    const int size = sqlite3_column_bytes(stmt_, column);
    return data == nullptr ? absl::string_view() : absl::string_view(data, size);
  }
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }

 private:
  const SqliteDb* db_;
  sqlite3_stmt* stmt_;
};

class SqliteDb::Checkpointer {
 public:
  explicit Checkpointer(sqlite3* db) : db_(db), thread_([this] { Run(); }) {}
  ~Checkpointer() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
    sqlite3_close_v2(db_);
  }
  void Ask() {
    absl::MutexLock lock(&mu_);
    asked_ = true;
  }
  // A checkpoint on the writer's connection `db`, once the thread's own (which holds SQLite's
  // checkpoint lock, and would make this one give up at once) is done.
  void CheckpointNow(sqlite3* db, const char* schema) {
    absl::MutexLock lock(&running_);
    // As SQLite's own hook does; a checkpoint that fails here is tried at the next commit.
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  int64_t made() const { return made_.load(std::memory_order_relaxed); }

 private:
  void Run() {
    for (;;) {
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](Checkpointer* c) { return c->asked_ || c->stop_; }, this));
        if (stop_) return;
        asked_ = false;
      }
      // PASSIVE: copies what no reader still needs, waits for nobody. One that fails (the disk,
      // another process's checkpoint) is tried again at the next ask, and a commit that finds
      // the log at twice its size checkpoints itself.
      absl::MutexLock lock(&running_);
      int logged = 0, copied = 0;  // frames: -1 where the connection saw no log
      if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &logged, &copied) ==
              SQLITE_OK &&
          copied > 0) {
        made_.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }

  sqlite3* const db_;
  absl::Mutex running_;  // held for a checkpoint
  absl::Mutex mu_;
  bool asked_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<int64_t> made_{0};
  std::thread thread_;  // last: started once the rest is
};

SqliteDb::SqliteDb(std::string path, sqlite3* db)
    : path_(std::move(path)), name_(absl::StrCat("database file '", path_, "'")), db_(db) {}

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path,
                                                         absl::Duration busy_timeout) {
  sqlite3* handle = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(path, handle));
  if (rc != SQLITE_OK) return db->Error(rc, "opening the database");
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
  return db;
}

SqliteDb::~SqliteDb() {
  if (checkpointer_ != nullptr) sqlite3_wal_hook(db_, nullptr, nullptr);
  checkpointer_.reset();
  cache_.clear();  // statements are finalized before the connection closes
  sqlite3_close_v2(db_);
}

absl::Status SqliteDb::CheckpointInBackground(int pages, absl::Duration busy_timeout) {
  if (checkpointer_ != nullptr) return absl::OkStatus();
  sqlite3* handle = nullptr;
  const int rc =
      sqlite3_open_v2(path_.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    sqlite3_close_v2(handle);
    return absl::UnavailableError(
        absl::StrCat(name_, ": opening a connection for checkpoints: ", why));
  }
  sqlite3_busy_timeout(handle, static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
  // A connection learns that the file is in WAL mode when it first reads it; until then a
  // checkpoint does nothing (and says so only by its counts, -1).
  if (const int read =
          sqlite3_exec(handle, "SELECT COUNT(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
      read != SQLITE_OK) {
    const std::string why = sqlite3_errmsg(handle);
    sqlite3_close_v2(handle);
    return absl::UnavailableError(
        absl::StrCat(name_, ": reading with the connection for checkpoints: ", why));
  }
  checkpoint_pages_ = pages;
  checkpointer_ = std::make_unique<Checkpointer>(handle);
  // In place of SQLite's own hook (wal_autocheckpoint), which checkpoints in the commit.
  sqlite3_wal_hook(db_, &SqliteDb::AfterCommit, this);
  return absl::OkStatus();
}

int64_t SqliteDb::background_checkpoints() const {
  return checkpointer_ == nullptr ? 0 : checkpointer_->made();
}

int SqliteDb::AfterCommit(void* self, sqlite3* db, const char* schema, int pages) {
  const auto* d = static_cast<const SqliteDb*>(self);
  // Under a steady stream of commits the thread's checkpoints never catch up with the log's
  // end, which SQLite starts again from its beginning only once all of it is copied: a commit
  // does that at twice the pages, with no other commit under way.
  if (pages >= 2 * d->checkpoint_pages_) {
    d->checkpointer_->CheckpointNow(db, schema);
  } else if (pages >= d->checkpoint_pages_) {
    d->checkpointer_->Ask();
  }
  return SQLITE_OK;
}

absl::Status SqliteDb::Exec(const std::string& sql, absl::string_view doing) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, doing);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SqliteDb::Cursor>> SqliteDb::PrepareCursor(absl::string_view sql,
                                                                          bool persistent) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, absl::StrCat("preparing '", sql, "'"));
  return std::make_unique<Cursor>(this, stmt);
}

absl::StatusOr<SqlStatement> SqliteDb::Cached(absl::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    absl::StatusOr<std::unique_ptr<Cursor>> cursor = PrepareCursor(sql, /*persistent=*/true);
    if (!cursor.ok()) return cursor.status();
    it = cache_.emplace(std::string(sql), *std::move(cursor)).first;
  }
  return SqlStatement(it->second.get(), nullptr);
}

absl::StatusOr<SqlStatement> SqliteDb::Prepare(absl::string_view sql) {
  absl::StatusOr<std::unique_ptr<Cursor>> cursor = PrepareCursor(sql, /*persistent=*/false);
  if (!cursor.ok()) return cursor.status();
  return SqlStatement(nullptr, *std::move(cursor));
}

absl::Status SqliteDb::Begin(TxnKind kind) {
  absl::StatusOr<SqlStatement> begin =
      Cached(kind == TxnKind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!begin.ok()) return begin.status();
  return begin->Run();
}

absl::Status SqliteDb::Commit() {
  absl::StatusOr<SqlStatement> commit = Cached("COMMIT");
  if (!commit.ok()) return commit.status();
  return commit->Run();
}

void SqliteDb::Rollback() {
  if (sqlite3_get_autocommit(db_) != 0) return;  // no transaction open (SQLite ended it)
  // ROLLBACK fails only when SQLite already rolled the transaction back itself (after some
  // I/O or full-disk errors); either way none of it is kept.
  if (absl::StatusOr<SqlStatement> rollback = Cached("ROLLBACK"); rollback.ok()) {
    (void)rollback->Run();
  } else {
    (void)Exec("ROLLBACK", "rolling back");
  }
}

std::string SqliteDb::Contains(absl::string_view haystack, absl::string_view needle) const {
  return absl::StrCat("instr(", haystack, ", ", needle, ") > 0");
}

absl::Status SqliteDb::Error(int rc, absl::string_view doing) const {
  // The connection's message is more specific than the code's ("no such table: x").
  const char* detail =
      db_ != nullptr && sqlite3_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  const std::string message = absl::StrCat(name_, ": ", doing, ": ", detail);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(
          absl::StrCat(message,
                       " (another connection held the database for longer than the busy timeout;"
                       " retry later)"));
    case SQLITE_NOTADB:
      return absl::DataLossError(
          absl::StrCat(message,
                       " (the file is not an SQLite database; move it aside or point"
                       " the store at another file)"));
    case SQLITE_CORRUPT:
      return absl::DataLossError(
          absl::StrCat(message, " (the database is corrupt; restore it from a backup)"));
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_IOERR:
      return absl::UnavailableError(message);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace peloton::store::internal
