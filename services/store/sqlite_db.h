// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// SQLite behind the SQL store's database interface (sql_db.h): one connection with a cache of
// prepared statements, and SQLite result codes mapped to absl::Status with the database file
// named.
//
// Thread-safety: none; the store serializes calls (a background checkpointer has a connection
// of its own).

#ifndef PELOTON_SERVICES_STORE_SQLITE_DB_H_
#define PELOTON_SERVICES_STORE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/store/sql_db.h"

namespace peloton::store::internal {

class SqliteDb final : public SqlDb {
 public:
  // Opens (creating if missing) the database file; errors name the file.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                        absl::Duration busy_timeout);
  ~SqliteDb() override;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return nothing of interest.
  absl::Status Exec(const std::string& sql, absl::string_view doing);

  absl::StatusOr<SqlStatement> Cached(absl::string_view sql) override;
  absl::StatusOr<SqlStatement> Prepare(absl::string_view sql) override;
  absl::Status Begin(TxnKind kind) override;
  absl::Status Commit() override;
  void Rollback() override;
  // BEGIN IMMEDIATE serializes writers: a transaction never loses a race it could win again.
  bool Retryable(const absl::Status&) const override { return false; }
  std::string Contains(absl::string_view haystack, absl::string_view needle) const override;
  absl::string_view InsertionOrder() const override { return "rowid"; }
  const std::string& name() const override { return name_; }

  // Checkpoints (the write-ahead log copied into the database file) on a thread of their own
  // with a connection of their own, once a commit leaves `pages` or more in the log, instead of
  // in that commit (SQLite's wal_autocheckpoint). A commit that finds the log at twice `pages`
  // (the thread behind, or kept out by readers) checkpoints itself, as SQLite would, so that
  // the log stays under about twice `pages` (and the last transaction). Once, after the schema is
  // in place; the thread ends with this.
  absl::Status CheckpointInBackground(int pages, absl::Duration busy_timeout);
  // Checkpoints the thread made that copied anything, since it started (tests).
  int64_t background_checkpoints() const;

  // The status for SQLite result code `rc` while `doing` something, naming the file:
  // Unavailable (busy, locked, I/O), DataLoss (not a database, corrupt), ResourceExhausted
  // (disk full), FailedPrecondition (cannot open, read-only), Internal otherwise.
  absl::Status Error(int rc, absl::string_view doing) const;

  const std::string& path() const { return path_; }

 private:
  class Cursor;
  SqliteDb(std::string path, sqlite3* db);
  absl::StatusOr<std::unique_ptr<Cursor>> PrepareCursor(absl::string_view sql, bool persistent);

  class Checkpointer;
  // SQLite's hook after each commit: `pages` in the log.
  static int AfterCommit(void* self, sqlite3* db, const char* schema, int pages);

  std::string path_;
  std::string name_;
  sqlite3* db_;
  absl::flat_hash_map<std::string, std::unique_ptr<Cursor>> cache_;
  int checkpoint_pages_ = 0;
  std::unique_ptr<Checkpointer> checkpointer_;  // declared last: stopped first
};

}  // namespace peloton::store::internal

#endif  // PELOTON_SERVICES_STORE_SQLITE_DB_H_
