// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// SQLite behind the SQL store's database interface (sql_db.h): one connection with a cache of
// prepared statements, and SQLite result codes mapped to absl::Status with the database file
// named.
//
// Thread-safety: none; the store serializes calls.

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

  // The status for SQLite result code `rc` while `doing` something, naming the file:
  // Unavailable (busy, locked, I/O), DataLoss (not a database, corrupt), ResourceExhausted
  // (disk full), FailedPrecondition (cannot open, read-only), Internal otherwise.
  absl::Status Error(int rc, absl::string_view doing) const;

  const std::string& path() const { return path_; }

 private:
  class Cursor;
  SqliteDb(std::string path, sqlite3* db);
  absl::StatusOr<std::unique_ptr<Cursor>> PrepareCursor(absl::string_view sql, bool persistent);

  std::string path_;
  std::string name_;
  sqlite3* db_;
  absl::flat_hash_map<std::string, std::unique_ptr<Cursor>> cache_;
};

}  // namespace peloton::store::internal

#endif  // PELOTON_SERVICES_STORE_SQLITE_DB_H_
