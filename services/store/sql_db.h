// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What the SQL store (sql_store.h) needs of a database, implemented for SQLite (sqlite_db.h) and
// PostgreSQL (pg_db.h): statements with numbered parameters (?1, ?2, ... in the store's SQL,
// which PostgreSQL sees as $1, $2, ...), rows read column by column, and transactions.
//
//   PELOTON_ASSIGN_OR_RETURN(SqlTransaction txn, SqlTransaction::Begin(db, TxnKind::kWrite));
//   PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db.Cached("UPDATE t SET v = ?2 WHERE k = ?1"));
//   st.BindText(1, key);
//   st.BindInt(2, v);
//   PELOTON_RETURN_IF_ERROR(st.Run());
//   PELOTON_RETURN_IF_ERROR(txn.Commit());
//
// Thread-safety: none; the store serializes calls.

#ifndef PELOTON_SERVICES_STORE_SQL_DB_H_
#define PELOTON_SERVICES_STORE_SQL_DB_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "peloton/common/compact_string.h"

namespace peloton::store::internal {

// One database's statement: what SqlStatement forwards to.
class SqlCursor {
 public:
  virtual ~SqlCursor() = default;
  // Parameters count from 1. Text and blobs may be borrowed: they must outlive the statement's
  // last Step.
  virtual void BindInt(int index, int64_t value) = 0;
  virtual void BindText(int index, absl::string_view value) = 0;
  virtual void BindBlob(int index, absl::string_view value) = 0;
  // One step: true if it produced a row, false when done.
  virtual absl::StatusOr<bool> Step() = 0;
  // Steps to the end (a statement that returns no rows).
  absl::Status Run();
  // Ready to run again with new bindings.
  virtual void Reset() = 0;
  // Rows the last INSERT, UPDATE or DELETE changed.
  virtual int64_t Changes() const = 0;
  // Runs the statement `count` times, bind(i) binding the i-th, and sets changes[i] to the rows
  // the i-th changed; the first failure is returned (later runs may not have happened). By
  // default one by one; a database may send them together (PostgreSQL's pipeline: a round
  // trip for many instead of one each).
  virtual absl::Status RunMany(size_t count, absl::FunctionRef<void(size_t)> bind,
                               std::vector<int64_t>& changes);
  // Columns of the current row count from 0.
  virtual int64_t Int(int column) const = 0;
  virtual absl::string_view Text(int column) const = 0;
  virtual bool IsNull(int column) const = 0;
};

// A statement, borrowed from the connection's cache (reset when this handle goes away) or owned.
class SqlStatement {
 public:
  SqlStatement(SqlCursor* cached, std::unique_ptr<SqlCursor> owned)
      : cursor_(owned != nullptr ? owned.get() : cached), owned_(std::move(owned)) {}
  SqlStatement(SqlStatement&& other) noexcept
      : cursor_(other.cursor_), owned_(std::move(other.owned_)) {
    other.cursor_ = nullptr;
  }
  SqlStatement& operator=(SqlStatement&&) = delete;
  ~SqlStatement() {
    if (cursor_ != nullptr && owned_ == nullptr) cursor_->Reset();
  }

  void BindInt(int index, int64_t value) { cursor_->BindInt(index, value); }
  void BindText(int index, absl::string_view value) { cursor_->BindText(index, value); }
  void BindBlob(int index, absl::string_view value) { cursor_->BindBlob(index, value); }
  void BindTime(int index, absl::Time value) { BindInt(index, absl::ToUnixMicros(value)); }
  absl::StatusOr<bool> Step() { return cursor_->Step(); }
  absl::Status Run() { return cursor_->Run(); }
  void Reset() { cursor_->Reset(); }
  int64_t Changes() const { return cursor_->Changes(); }
  // SqlCursor::RunMany: bind(i, *this) binds the i-th run's parameters.
  absl::Status RunMany(size_t count, absl::FunctionRef<void(size_t, SqlStatement&)> bind,
                       std::vector<int64_t>& changes) {
    return cursor_->RunMany(
        count, [&](size_t i) { bind(i, *this); }, changes);
  }

  int64_t Int(int column) const { return cursor_->Int(column); }
  absl::Time Time(int column) const { return absl::FromUnixMicros(Int(column)); }
  absl::string_view Text(int column) const { return cursor_->Text(column); }
  // Text(column) assigned to `out` (reusing its buffer).
  void TextInto(int column, std::string& out) const {
    const absl::string_view text = Text(column);
    out.assign(text.data(), text.size());
  }
  void TextInto(int column, CompactString& out) const { out = Text(column); }
  bool IsNull(int column) const { return cursor_->IsNull(column); }

 private:
  SqlCursor* cursor_;
  std::unique_ptr<SqlCursor> owned_;
};

enum class TxnKind {
  kWrite,  // SQLite: BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE
  kRead,   // a consistent snapshot: SQLite BEGIN; PostgreSQL REPEATABLE READ READ ONLY
};

class SqlDb {
 public:
  virtual ~SqlDb() = default;

  // A statement kept prepared for the life of the connection, keyed by its text.
  virtual absl::StatusOr<SqlStatement> Cached(absl::string_view sql) = 0;
  // A statement for SQL built at run time (queries), not kept.
  virtual absl::StatusOr<SqlStatement> Prepare(absl::string_view sql) = 0;

  virtual absl::Status Begin(TxnKind kind) = 0;
  virtual absl::Status Commit() = 0;
  // Undoes the open transaction; a transaction the database has undone already is no error.
  virtual void Rollback() = 0;

  // Whether a transaction that failed with `status` may be run again as it was: it lost a
  // race the database detected (a serialization failure or deadlock) and changed nothing.
  virtual bool Retryable(const absl::Status& status) const = 0;

  // SQL true when the SQL expression `needle` is a substring of the expression `haystack`.
  virtual std::string Contains(absl::string_view haystack, absl::string_view needle) const = 0;
  // The column that orders a table's rows by insertion, where the store needs that order.
  virtual absl::string_view InsertionOrder() const = 0;

  // How messages name the database: "database file '/x/peloton.db'", "PostgreSQL at ...".
  virtual const std::string& name() const = 0;
};

// A transaction that rolls back unless committed.
class SqlTransaction {
 public:
  static absl::StatusOr<SqlTransaction> Begin(SqlDb& db, TxnKind kind);
  SqlTransaction(SqlTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  SqlTransaction& operator=(SqlTransaction&&) = delete;
  ~SqlTransaction() {
    if (db_ != nullptr) db_->Rollback();
  }
  absl::Status Commit();

 private:
  explicit SqlTransaction(SqlDb* db) : db_(db) {}
  SqlDb* db_;  // null once committed or rolled back
};

}  // namespace peloton::store::internal

#endif  // PELOTON_SERVICES_STORE_SQL_DB_H_
