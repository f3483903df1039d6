// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sqlite_db.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace peloton::store::internal {

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), owned_(other.owned_) {
  other.stmt_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
  } else {
    Reset();
  }
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

absl::StatusOr<bool> SqliteStatement::Step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // sqlite3_reset returns the same error; reset now so the next use starts clean.
  sqlite3_reset(stmt_);
  return db_->Error(rc, absl::StrCat("running '", sqlite3_sql(stmt_), "'"));
}

absl::Status SqliteStatement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

absl::string_view SqliteStatement::Text(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return data == nullptr ? absl::string_view() : absl::string_view(data, size);
}

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
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

absl::Status SqliteDb::Exec(const std::string& sql, absl::string_view doing) {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, doing);
  return absl::OkStatus();
}

absl::StatusOr<SqliteStatement> SqliteDb::Cached(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return Error(rc, absl::StrCat("preparing '", sql, "'"));
    it = cache_.emplace(sql, stmt).first;
  }
  return SqliteStatement(this, it->second, /*owned=*/false);
}

absl::StatusOr<SqliteStatement> SqliteDb::Prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Error(rc, absl::StrCat("preparing '", sql, "'"));
  return SqliteStatement(this, stmt, /*owned=*/true);
}

absl::Status SqliteDb::Error(int rc, absl::string_view doing) const {
  // The connection's message is more specific than the code's ("no such table: x").
  const char* detail =
      db_ != nullptr && sqlite3_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  const std::string message = absl::StrCat("database file '", path_, "': ", doing, ": ", detail);
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

absl::StatusOr<SqliteTransaction> SqliteTransaction::BeginImmediate(SqliteDb& db) {
  absl::StatusOr<SqliteStatement> begin = db.Cached("BEGIN IMMEDIATE");
  if (!begin.ok()) return begin.status();
  absl::Status status = begin->Run();
  if (!status.ok()) return status;
  return SqliteTransaction(&db);
}

absl::StatusOr<SqliteTransaction> SqliteTransaction::BeginRead(SqliteDb& db) {
  absl::StatusOr<SqliteStatement> begin = db.Cached("BEGIN");
  if (!begin.ok()) return begin.status();
  absl::Status status = begin->Run();
  if (!status.ok()) return status;
  return SqliteTransaction(&db);
}

SqliteTransaction::~SqliteTransaction() {
  if (db_ == nullptr) return;
  // ROLLBACK fails only when SQLite already rolled the transaction back itself (after some
  // I/O or full-disk errors); either way none of it is kept.
  if (absl::StatusOr<SqliteStatement> rollback = db_->Cached("ROLLBACK"); rollback.ok()) {
    (void)rollback->Run();
  } else {
    (void)db_->Exec("ROLLBACK", "rolling back");
  }
}

absl::Status SqliteTransaction::Commit() {
  absl::StatusOr<SqliteStatement> commit = db_->Cached("COMMIT");
  if (!commit.ok()) return commit.status();
  absl::Status status = commit->Run();
  if (status.ok()) db_ = nullptr;  // on failure the destructor rolls back
  return status;
}

}  // namespace peloton::store::internal
