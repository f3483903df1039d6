// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// libpq behind the SQL store's database interface (sql_db.h), as sqlite_db.h is SQLite: one
// connection, parameterised statements (sent apart from their SQL: no value is ever spliced
// into it), results owned and freed, and PostgreSQL's errors mapped to absl::Status with the
// server named (never the password).
//
//   PELOTON_ASSIGN_OR_RETURN(auto db, PgDb::Connect("postgresql://peloton@db:5432/peloton", t));
//   PELOTON_ASSIGN_OR_RETURN(SqlTransaction txn, SqlTransaction::Begin(*db, TxnKind::kWrite));
//   PELOTON_ASSIGN_OR_RETURN(PgResult r, db->Query("UPDATE t SET v = $2 WHERE k = $1",
//                                                  PgParams().Text(key).Int(v), "writing t"));
//   PELOTON_RETURN_IF_ERROR(txn.Commit());
//
// Through the SqlDb interface (the store's statements): ?N parameters become $N; integers
// travel as binary int8 and text and blobs as binary bytea (the store's string columns are
// bytea: the Store's strings are bytes, which text would refuse when not UTF-8 and would sort
// by locale); every result comes back in binary.
//
// Thread-safety: none; the store serializes calls.

#ifndef PELOTON_SERVICES_STORE_PG_DB_H_
#define PELOTON_SERVICES_STORE_PG_DB_H_

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/store/sql_db.h"

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
  int64_t Changes() const { return ChangesOf(result_.get()); }
  static int64_t ChangesOf(PGresult* result);

 private:
  friend class PgDb;
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  explicit PgResult(PGresult* r) : result_(r) {}
  const PGresult* get() const { return result_.get(); }
  std::unique_ptr<PGresult, Clear> result_;
};

class PgDb final : public SqlDb {
 public:
  // Connects to `url` (postgresql://[user[:password]@]host[:port]/database[?...], or libpq's
  // key=value form), waiting at most `timeout`. InvalidArgument for a URL libpq cannot read;
  // Unauthenticated for credentials the server refuses; NotFound for a database that does not
  // exist; Unavailable for a server that cannot be reached. Messages name the URL without its
  // password.
  static absl::StatusOr<std::unique_ptr<PgDb>> Connect(const std::string& url,
                                                       absl::Duration timeout);
  ~PgDb() override;
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

  // SqlDb: the store's statements.
  absl::StatusOr<SqlStatement> Cached(absl::string_view sql) override;
  absl::StatusOr<SqlStatement> Prepare(absl::string_view sql) override;
  // kWrite: SERIALIZABLE (of two conflicting concurrent writers one fails, Retryable);
  // kRead: REPEATABLE READ READ ONLY.
  absl::Status Begin(TxnKind kind) override;
  // A transaction that failed earlier reports Aborted here.
  absl::Status Commit() override;
  void Rollback() override;
  bool Retryable(const absl::Status& status) const override;
  std::string Contains(absl::string_view haystack, absl::string_view needle) const override;
  absl::string_view InsertionOrder() const override { return "seq"; }
  const std::string& name() const override { return name_; }

  // The status for a failed result or connection while `doing` something (SQLSTATE first):
  // Aborted (serialization failure, deadlock: Retryable), AlreadyExists (a unique
  // key), Unavailable (connection), FailedPrecondition (no such table: a schema not
  // initialised), Internal otherwise.
  absl::Status Error(const PGresult* result, absl::string_view doing) const;

  // The URL without its password, for messages.
  const std::string& url() const { return redacted_url_; }
  bool in_transaction() const;

 private:
  class Cursor;
  PgDb(PGconn* conn, std::string redacted_url);
  // Runs `sql` with parameters (the arrays of PQexecParams), making a lost connection again
  // once outside a transaction. With a `prepared` name, as that prepared statement (prepared
  // on first use in each connection, or again when the parameters' types change): parsed and
  // planned once, not at each run.
  absl::StatusOr<PgResult> Execute(const std::string& sql, int count, const char* const* values,
                                   const int* lengths, const int* formats, const Oid* types,
                                   absl::string_view doing, bool binary_results,
                                   const std::string& prepared = "");
  // Prepares `sql` as `name` with parameters of `types` in this connection, unless it is.
  absl::Status Prepared(const std::string& name, const std::string& sql,
                        const std::vector<Oid>& types, absl::string_view doing);

  PGconn* conn_;
  std::string redacted_url_;
  std::string name_;
  absl::flat_hash_map<std::string, std::unique_ptr<Cursor>> cache_;
  // The statements prepared in this connection (forgotten when it is made again), and the
  // parameter types each was prepared with.
  absl::flat_hash_map<std::string, std::vector<Oid>> prepared_;
};

// `url` with its password (in the URL or a password= key) replaced by "***".
std::string RedactPassword(absl::string_view url);

}  // namespace peloton::store::internal

#endif  // PELOTON_SERVICES_STORE_PG_DB_H_
