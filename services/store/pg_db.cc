// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/pg_db.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace peloton::store::internal {
namespace {

struct ClearResult {
  void operator()(PGresult* r) const { PQclear(r); }
};
using OwnedResult = std::unique_ptr<PGresult, ClearResult>;

// libpq's messages end with a newline, sometimes two lines ("FATAL: ...\nDETAIL: ..."):
// one line for ours.
std::string OneLine(absl::string_view message) {
  std::string out(message);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

}  // namespace

std::string RedactPassword(absl::string_view url) {
  std::string out(url);
  // URL form: scheme://user:password@host
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t at = out.find('@', scheme + 3);
    const size_t colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password= in the URL's query or in the key=value form, up to the next separator.
  for (size_t at = out.find("password="); at != std::string::npos;
       at = out.find("password=", at + 1)) {
    const size_t from = at + 9;
    size_t to = out.find_first_of(" &", from);
    if (to == std::string::npos) to = out.size();
    out.replace(from, to - from, "***");
  }
  return out;
}

PgParams& PgParams::Int(int64_t value) {
  values_.push_back(absl::StrCat(value));
  null_.push_back(false);
  binary_.push_back(0);
  return *this;
}

PgParams& PgParams::Text(absl::string_view value) {
  values_.emplace_back(value);
  null_.push_back(false);
  binary_.push_back(0);
  return *this;
}

PgParams& PgParams::Bytes(absl::string_view value) {
  values_.emplace_back(value);
  null_.push_back(false);
  binary_.push_back(1);
  return *this;
}

PgParams& PgParams::Null() {
  values_.emplace_back();
  null_.push_back(true);
  binary_.push_back(0);
  return *this;
}

absl::StatusOr<int64_t> PgResult::Int(int row, int column) const {
  int64_t v = 0;
  if (IsNull(row, column) || !absl::SimpleAtoi(Text(row, column), &v)) {
    return absl::DataLossError(absl::StrCat("column ", PQfname(result_.get(), column), " of row ",
                                            row, " is not an integer"));
  }
  return v;
}

absl::StatusOr<absl::Time> PgResult::Time(int row, int column) const {
  absl::StatusOr<int64_t> micros = Int(row, column);
  if (!micros.ok()) return micros.status();
  return absl::FromUnixMicros(*micros);
}

int64_t PgResult::Changes() const {
  int64_t n = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_.get()), &n) ? n : 0;
}

absl::StatusOr<std::unique_ptr<PgDb>> PgDb::Connect(const std::string& url,
                                                    absl::Duration timeout) {
  const std::string redacted = RedactPassword(url);
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &parse_error);
  if (options == nullptr) {
    const std::string why = parse_error != nullptr ? OneLine(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return absl::InvalidArgumentError(
        absl::StrCat("PostgreSQL URL '", redacted, "': ", why,
                     " (rule: postgresql://[user[:password]@]host[:port]/database)"));
  }
  PQconninfoFree(options);
  // libpq counts whole seconds, at least 2.
  const std::string seconds = absl::StrCat(std::max<int64_t>(2, absl::ToInt64Seconds(timeout)));
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), seconds.c_str(), "peloton", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string why = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    const std::string message = absl::StrCat("PostgreSQL at ", redacted, ": ", why);
    if (absl::StrContains(why, "password authentication failed") ||
        absl::StrContains(why, "no password supplied") ||
        absl::StrContains(why, "authentication failed")) {
      return absl::UnauthenticatedError(message);
    }
    if (absl::StrContains(why, "database \"") && absl::StrContains(why, "does not exist")) {
      return absl::NotFoundError(message);
    }
    return absl::UnavailableError(message);
  }
  return std::unique_ptr<PgDb>(new PgDb(conn, redacted));
}

PgDb::~PgDb() { PQfinish(conn_); }

bool PgDb::in_transaction() const {
  const PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

absl::Status PgDb::Error(const PGresult* result, absl::string_view doing) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string why = OneLine(result != nullptr && *PQresultErrorMessage(result) != '\0'
                                      ? PQresultErrorMessage(result)
                                      : PQerrorMessage(conn_));
  const std::string message = absl::StrCat("PostgreSQL at ", redacted_url_, ": ", doing, ": ", why);
  const absl::string_view code = state != nullptr ? state : "";
  if (code == "40001" || code == "40P01") return absl::AbortedError(message);
  if (code == "23505") return absl::AlreadyExistsError(message);
  if (absl::StartsWith(code, "08") || code == "57P01" || PQstatus(conn_) == CONNECTION_BAD) {
    return absl::UnavailableError(message);
  }
  if (code == "42P01" || code == "3F000") return absl::FailedPreconditionError(message);
  return absl::InternalError(message);
}

absl::Status PgDb::Exec(const std::string& sql, absl::string_view doing) {
  OwnedResult r(PQexec(conn_, sql.c_str()));
  const ExecStatusType s = r != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return absl::OkStatus();
  return Error(r.get(), doing);
}

absl::StatusOr<PgResult> PgDb::Query(const std::string& sql, const PgParams& params,
                                     absl::string_view doing, bool binary_results) {
  std::vector<const char*> values(params.values_.size());
  std::vector<int> lengths(params.values_.size());
  for (size_t i = 0; i < params.values_.size(); ++i) {
    values[i] = params.null_[i] ? nullptr : params.values_[i].data();
    lengths[i] = static_cast<int>(params.values_[i].size());
  }
  for (int attempt = 0;; ++attempt) {
    const bool was_in_transaction = in_transaction();
    OwnedResult r(PQexecParams(conn_, sql.c_str(), params.size(), nullptr, values.data(),
                               lengths.data(), params.binary_.data(), binary_results ? 1 : 0));
    const ExecStatusType s = r != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) return PgResult(r.release());
    // The server went away (a restart): once, outside a transaction, a new connection. Inside
    // one, what it did is gone: the caller's transaction fails (Unavailable) and is retried.
    if (attempt == 0 && !was_in_transaction && PQstatus(conn_) == CONNECTION_BAD) {
      PQreset(conn_);
      if (PQstatus(conn_) == CONNECTION_OK) continue;
    }
    return Error(r.get(), doing);
  }
}

absl::StatusOr<PgTransaction> PgTransaction::Begin(PgDb& db) {
  if (absl::Status s =
          db.Query("BEGIN ISOLATION LEVEL SERIALIZABLE", PgParams(), "beginning a transaction")
              .status();
      !s.ok()) {
    return s;
  }
  return PgTransaction(&db);
}

absl::StatusOr<PgTransaction> PgTransaction::BeginRead(PgDb& db) {
  if (absl::Status s = db.Query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", PgParams(),
                                "beginning a read")
                           .status();
      !s.ok()) {
    return s;
  }
  return PgTransaction(&db);
}

PgTransaction::~PgTransaction() {
  if (db_ == nullptr) return;
  // Not committed: whatever it did is undone. A connection that is gone has undone it already,
  // so the status adds nothing the caller's own error does not say.
  (void)db_->Exec("ROLLBACK", "rolling back");
}

absl::Status PgTransaction::Commit() {
  PgDb* db = db_;
  db_ = nullptr;
  OwnedResult r(PQexec(db->handle(), "COMMIT"));
  if (r == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    return db->Error(r.get(), "committing");
  }
  // A transaction that failed earlier ends in ROLLBACK, without an error of its own.
  if (std::strcmp(PQcmdStatus(r.get()), "ROLLBACK") == 0) {
    return absl::AbortedError(
        absl::StrCat("PostgreSQL at ", db->url(), ": the transaction was rolled back"));
  }
  return absl::OkStatus();
}

}  // namespace peloton::store::internal
