// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A small RAII layer over the SQLite C API for the SQLite store: one connection with a cache of
// prepared statements, statements that reset themselves, transactions that roll back unless
// committed, and SQLite result codes mapped to absl::Status with the database file named.
//
//   PELOTON_ASSIGN_OR_RETURN(SqliteTransaction txn, SqliteTransaction::BeginImmediate(db));
//   PELOTON_ASSIGN_OR_RETURN(SqliteStatement st, db.Cached("UPDATE t SET v = ?2 WHERE k = ?1"));
//   st.BindText(1, key); st.BindInt(2, v);
//   PELOTON_RETURN_IF_ERROR(st.Run());
//   PELOTON_RETURN_IF_ERROR(txn.Commit());
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

namespace peloton::store::internal {

class SqliteDb;

// A prepared statement, borrowed from the connection's cache (reset and unbound when this
// handle goes away) or owned (finalized when it goes away). Text and blobs are bound without
// copying: they must outlive the statement's last Step.
class SqliteStatement {
 public:
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  // Parameters count from 1.
  void BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
  void BindText(int index, absl::string_view value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  }
  void BindBlob(int index, absl::string_view value) {
    sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
  }
  void BindTime(int index, absl::Time value) { BindInt(index, absl::ToUnixMicros(value)); }

  // One step: true if it produced a row, false when done.
  absl::StatusOr<bool> Step();
  // Steps to the end (a statement that returns no rows).
  absl::Status Run();
  // Makes the statement ready to run again with new bindings.
  void Reset();

  // Columns count from 0.
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  absl::Time Time(int column) const { return absl::FromUnixMicros(Int(column)); }
  absl::string_view Text(int column) const;
  // Text(column) assigned to `out` (reusing its buffer).
  void TextInto(int column, std::string& out) const {
    const absl::string_view text = Text(column);
    out.assign(text.data(), text.size());
  }
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  friend class SqliteDb;
  SqliteStatement(const SqliteDb* db, sqlite3_stmt* stmt, bool owned)
      : db_(db), stmt_(stmt), owned_(owned) {}

  const SqliteDb* db_;
  sqlite3_stmt* stmt_;
  bool owned_;
};

class SqliteDb {
 public:
  // Opens (creating if missing) the database file; errors name the file.
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path,
                                                        absl::Duration busy_timeout);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return nothing of interest.
  absl::Status Exec(const std::string& sql, absl::string_view doing);
  // A statement from the cache, prepared on first use. `sql` must be a string literal (the
  // cache is keyed by its address).
  absl::StatusOr<SqliteStatement> Cached(const char* sql);
  // A statement for SQL built at run time (queries).
  absl::StatusOr<SqliteStatement> Prepare(const std::string& sql);

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const { return sqlite3_changes64(db_); }

  // The status for SQLite result code `rc` while `doing` something, naming the file:
  // Unavailable (busy, locked, I/O), DataLoss (not a database, corrupt), ResourceExhausted
  // (disk full), FailedPrecondition (cannot open, read-only), Internal otherwise.
  absl::Status Error(int rc, absl::string_view doing) const;

  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  SqliteDb(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  std::string path_;
  sqlite3* db_;
  absl::flat_hash_map<const char*, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE (writes) or BEGIN (consistent reads); rolls back unless committed.
class SqliteTransaction {
 public:
  static absl::StatusOr<SqliteTransaction> BeginImmediate(SqliteDb& db);
  static absl::StatusOr<SqliteTransaction> BeginRead(SqliteDb& db);
  SqliteTransaction(SqliteTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqliteTransaction& operator=(SqliteTransaction&&) = delete;
  ~SqliteTransaction();

  absl::Status Commit();

 private:
  explicit SqliteTransaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;  // null once committed or rolled back
};

}  // namespace peloton::store::internal

#endif  // PELOTON_SERVICES_STORE_SQLITE_DB_H_
