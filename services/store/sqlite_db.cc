// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sqlite_db.h"

#include <utility>

#include "absl/strings/str_cat.h"

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
  cache_.clear();  // statements are finalized before the connection closes
  sqlite3_close_v2(db_);
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
