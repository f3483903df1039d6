// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A small RAII layer over libpq for the PostgreSQL store (issue 19), as sqlite_db.h is for the
// SQLite one: one connection, parameterised statements (sent apart from their SQL: no value is
// ever spliced into it), results owned and freed, transactions that roll back unless committed,
// and PostgreSQL's errors mapped to absl::Status with the server named (never the password).
//
//   PELOTON_ASSIGN_OR_RETURN(auto db, PgDb::Connect("postgresql://peloton@db:5432/peloton", t));
//   PELOTON_ASSIGN_OR_RETURN(PgTransaction txn, PgTransaction::Begin(*db));
//   PELOTON_ASSIGN_OR_RETURN(PgResult r, db->Query("UPDATE t SET v = $2 WHERE k = $1",
//                                                  PgParams().Text(key).Int(v), "writing t"));
//   PELOTON_RETURN_IF_ERROR(txn.Commit());
//
// Thread-safety: none; the store serializes calls.

#ifndef PELOTON_SERVICES_STORE_PG_DB_H_
#define PELOTON_SERVICES_STORE_PG_DB_H_

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace peloton::store::internal {

// A statement's parameters, $1, $2, ... in the order added. Values are copied.
class PgParams {
 public:
  PgParams& Int(int64_t value);
  PgParams& Text(absl::string_view value);
  // Bytes of a bytea parameter (sent in binary: any byte, NUL included).
  PgParams& Bytes(absl::string_view value);
  PgParams& Time(absl::Time value) { return Int(absl::ToUnixMicros(value)); }
  PgParams& Null();
  int size() const { return static_cast<int>(values_.size()); }

 private:
  friend class PgDb;
  std::vector<std::string> values_;
  std::vector<bool> null_;
  std::vector<int> binary_;
};

// A statement's result, in text form (bytea columns in binary when the query asked: see
// PgDb::Query). Rows and columns count from 0.
class PgResult {
 public:
  int rows() const { return PQntuples(result_.get()); }
  int columns() const { return PQnfields(result_.get()); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  absl::string_view Text(int row, int column) const {
    return absl::string_view(PQgetvalue(result_.get(), row, column),
                             static_cast<size_t>(PQgetlength(result_.get(), row, column)));
  }
  // A column that holds an integer; DataLoss (naming the column) for anything else.
  absl::StatusOr<int64_t> Int(int row, int column) const;
  absl::StatusOr<absl::Time> Time(int row, int column) const;
  // Rows an INSERT, UPDATE or DELETE changed.
  int64_t Changes() const;

 private:
  friend class PgDb;
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  explicit PgResult(PGresult* r) : result_(r) {}
  std::unique_ptr<PGresult, Clear> result_;
};

class PgDb {
 public:
  // Connects to `url` (postgresql://[user[:password]@]host[:port]/database[?...], or libpq's
  // key=value form), waiting at most `timeout`. InvalidArgument for a URL libpq cannot read;
  // Unauthenticated for credentials the server refuses; NotFound for a database that does not
  // exist; Unavailable for a server that cannot be reached. Messages name the URL without its
  // password.
  static absl::StatusOr<std::unique_ptr<PgDb>> Connect(const std::string& url,
                                                       absl::Duration timeout);
  ~PgDb();
  PgDb(const PgDb&) = delete;
  PgDb& operator=(const PgDb&) = delete;

  // Runs SQL (one or more statements, no parameters) whose result is not wanted.
  absl::Status Exec(const std::string& sql, absl::string_view doing);
  // Runs one statement with `params`. With `binary_results`, every column comes back in
  // binary form (for bytea); otherwise as text. A connection lost outside a transaction is made
  // again once and the statement sent again (statements the store sends outside transactions
  // are single reads or idempotent writes).
  absl::StatusOr<PgResult> Query(const std::string& sql, const PgParams& params,
                                 absl::string_view doing, bool binary_results = false);

  // The status for a failed result or connection while `doing` something (SQLSTATE first):
  // Aborted (serialization failure, deadlock: the caller may retry), AlreadyExists (a unique
  // key), Unavailable (connection), FailedPrecondition (no such table: a schema not
  // initialised), Internal otherwise.
  absl::Status Error(const PGresult* result, absl::string_view doing) const;

  // The URL without its password, for messages.
  const std::string& url() const { return redacted_url_; }
  bool in_transaction() const;
  PGconn* handle() const { return conn_; }

 private:
  PgDb(PGconn* conn, std::string redacted_url)
      : conn_(conn), redacted_url_(std::move(redacted_url)) {}
  PGconn* conn_;
  std::string redacted_url_;
};

// BEGIN ISOLATION LEVEL SERIALIZABLE (writes: a conflicting concurrent writer makes one of them
// Aborted) or REPEATABLE READ READ ONLY (consistent reads); rolls back unless committed.
class PgTransaction {
 public:
  static absl::StatusOr<PgTransaction> Begin(PgDb& db);
  static absl::StatusOr<PgTransaction> BeginRead(PgDb& db);
  PgTransaction(PgTransaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  PgTransaction& operator=(PgTransaction&&) = delete;
  ~PgTransaction();
  absl::Status Commit();

 private:
  explicit PgTransaction(PgDb* db) : db_(db) {}
  PgDb* db_;  // null once committed or rolled back
};

// `url` with its password (in the URL or a password= key) replaced by "***".
std::string RedactPassword(absl::string_view url);

}  // namespace peloton::store::internal

#endif  // PELOTON_SERVICES_STORE_PG_DB_H_
