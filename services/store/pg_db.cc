// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/pg_db.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"

namespace peloton::store::internal {
namespace {

// Marks a status as a lost race (Retryable): its value is the SQLSTATE.
constexpr char kRetryablePayload[] = "type.peloton.dev/store.retryable";

// What PQexecParams and its kin take of parameters held as strings: pointers and lengths
// (null pointers for NULLs).
struct ParamArrays {
  explicit ParamArrays(const std::vector<std::string>& strings,
                       const std::vector<bool>* null = nullptr)
      : values(strings.size()), lengths(strings.size()) {
    for (size_t i = 0; i < strings.size(); ++i) {
      values[i] = null != nullptr && (*null)[i] ? nullptr : strings[i].data();
      lengths[i] = static_cast<int>(strings[i].size());
    }
  }
  int count() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<int> lengths;
};

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

int64_t PgResult::ChangesOf(PGresult* result) {
  int64_t n = 0;
  return absl::SimpleAtoi(PQcmdTuples(result), &n) ? n : 0;
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

PgDb::PgDb(PGconn* conn, std::string redacted_url)
    : conn_(conn),
      redacted_url_(std::move(redacted_url)),
      name_(absl::StrCat("PostgreSQL at ", redacted_url_)) {}

PgDb::~PgDb() {
  cache_.clear();
  PQfinish(conn_);
}

bool PgDb::in_transaction() const {
  const PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

absl::Status PgDb::Error(const PGresult* result, absl::string_view doing) const {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string why = OneLine(result != nullptr && *PQresultErrorMessage(result) != '\0'
                                      ? PQresultErrorMessage(result)
                                      : PQerrorMessage(conn_));
  const std::string message = absl::StrCat(name_, ": ", doing, ": ", why);
  const absl::string_view code = state != nullptr ? state : "";
  if (code == "40001" || code == "40P01") {
    absl::Status lost = absl::AbortedError(message);
    lost.SetPayload(kRetryablePayload, absl::Cord(code));
    return lost;
  }
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
  const ParamArrays arrays(params.values_, &params.null_);
  return Execute(sql, arrays.count(), arrays.values.data(), arrays.lengths.data(),
                 params.binary_.data(), nullptr, doing, binary_results);
}

absl::StatusOr<PgResult> PgDb::Execute(const std::string& sql, int count, const char* const* values,
                                       const int* lengths, const int* formats, const Oid* types,
                                       absl::string_view doing, bool binary_results,
                                       const std::string& prepared) {
  for (int attempt = 0;; ++attempt) {
    const bool was_in_transaction = in_transaction();
    OwnedResult r;
    absl::Status status;
    if (prepared.empty()) {
      r.reset(PQexecParams(conn_, sql.c_str(), count, types, values, lengths, formats,
                           binary_results ? 1 : 0));
    } else {
      status = Prepared(prepared, sql, std::vector<Oid>(types, types + count), doing);
      if (status.ok()) {
        r.reset(PQexecPrepared(conn_, prepared.c_str(), count, values, lengths, formats,
                               binary_results ? 1 : 0));
      }
    }
    const ExecStatusType s = r != nullptr ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (status.ok() && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)) {
      return PgResult(r.release());
    }
    // The server went away (a restart): once, outside a transaction, a new connection. Inside
    // one, what it did is gone: the caller's transaction fails (Unavailable) and is retried.
    if (attempt == 0 && !was_in_transaction && PQstatus(conn_) == CONNECTION_BAD) {
      PQreset(conn_);
      prepared_.clear();
      if (PQstatus(conn_) == CONNECTION_OK) continue;
    }
    return status.ok() ? Error(r.get(), doing) : status;
  }
}

absl::Status PgDb::Prepared(const std::string& name, const std::string& sql,
                            const std::vector<Oid>& types, absl::string_view doing) {
  auto it = prepared_.find(name);
  if (it != prepared_.end() && it->second == types) return absl::OkStatus();
  if (it != prepared_.end()) {
    PELOTON_RETURN_IF_ERROR(Exec(absl::StrCat("DEALLOCATE ", name), doing));
    prepared_.erase(it);
  }
  OwnedResult r(
      PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()));
  if (r == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return Error(r.get(), doing);
  prepared_.emplace(name, types);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// The store's statements

namespace {

constexpr Oid kInt8Oid = 20;   // pg_type.h: INT8OID
constexpr Oid kByteaOid = 17;  // pg_type.h: BYTEAOID

// The store's SQL names parameters ?N (SQLite's form); PostgreSQL's is $N. The store's SQL has
// no '?' but in parameters.
std::string DollarParams(absl::string_view sql) {
  std::string out(sql);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '?' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '$';
  }
  return out;
}

}  // namespace

class PgDb::Cursor final : public SqlCursor {
 public:
  // `prepared`: the name it runs prepared as (the cached statements), or "" (run at once).
  Cursor(PgDb* db, absl::string_view sql, std::string prepared)
      : db_(db), sql_(DollarParams(sql)), prepared_(std::move(prepared)) {}

  void BindInt(int index, int64_t value) override {
    std::string& bytes = Slot(index, kInt8Oid);
    bytes.resize(8);
    for (int i = 7; i >= 0; --i, value = static_cast<int64_t>(static_cast<uint64_t>(value) >> 8)) {
      bytes[i] = static_cast<char>(value & 0xff);
    }
  }
  void BindText(int index, absl::string_view value) override {
    Slot(index, kByteaOid).assign(value.data(), value.size());
  }
  void BindBlob(int index, absl::string_view value) override { BindText(index, value); }

  absl::StatusOr<bool> Step() override {
    if (!result_.has_value()) {
      const ParamArrays arrays(values_);
      absl::StatusOr<PgResult> result =
          db_->Execute(sql_, arrays.count(), arrays.values.data(), arrays.lengths.data(),
                       formats_.data(), types_.data(), absl::StrCat("running '", sql_, "'"),
                       /*binary_results=*/true, prepared_);
      if (!result.ok()) return result.status();
      result_.emplace(*std::move(result));
      row_ = -1;
    }
    return ++row_ < result_->rows();
  }
  void Reset() override {
    result_.reset();
    values_.clear();
    formats_.clear();
    types_.clear();
  }

  // Pipeline mode: up to kPipelineChunk statements sent, then their results read, so that
  // neither side's socket buffer fills while the other waits.
  absl::Status RunMany(size_t count, absl::FunctionRef<void(size_t)> bind,
                       std::vector<int64_t>& changes) override {
    static constexpr size_t kPipelineChunk = 512;
    changes.assign(count, 0);
    PGconn* conn = db_->conn_;
    const std::string doing = absl::StrCat("running '", sql_, "'");
    for (size_t from = 0; from < count; from += kPipelineChunk) {
      const size_t n = std::min(kPipelineChunk, count - from);
      // The first run's parameters have the types the statement is prepared with.
      bind(from);
      if (!prepared_.empty()) {
        if (absl::Status s = db_->Prepared(prepared_, sql_, types_, doing); !s.ok()) {
          Reset();
          return s;
        }
      }
      if (PQenterPipelineMode(conn) != 1) return db_->Error(nullptr, "entering pipeline mode");
      absl::Status status;
      size_t sent = 0;
      for (; sent < n; ++sent) {
        if (sent > 0) bind(from + sent);
        const ParamArrays arrays(values_);
        const int ok =
            prepared_.empty()
                ? PQsendQueryParams(conn, sql_.c_str(), arrays.count(), types_.data(),
                                    arrays.values.data(), arrays.lengths.data(), formats_.data(),
                                    /*resultFormat=*/1)
                : PQsendQueryPrepared(conn, prepared_.c_str(), arrays.count(),
                                      arrays.values.data(), arrays.lengths.data(), formats_.data(),
                                      /*resultFormat=*/1);
        Reset();
        if (ok != 1) {
          status = db_->Error(nullptr, doing);
          break;
        }
      }
      if (PQpipelineSync(conn) != 1 && status.ok()) status = db_->Error(nullptr, doing);
      // Each statement's result, then a null; a statement after a failed one is skipped
      // (PGRES_PIPELINE_ABORTED); the sync's result last.
      for (size_t i = 0; i < sent; ++i) {
        OwnedResult r(PQgetResult(conn));
        if (r == nullptr) {
          if (status.ok()) status = db_->Error(nullptr, doing);  // the connection is gone
          break;
        }
        const ExecStatusType result = PQresultStatus(r.get());
        if (result == PGRES_COMMAND_OK || result == PGRES_TUPLES_OK) {
          changes[from + i] = PgResult::ChangesOf(r.get());
        } else if (result != PGRES_PIPELINE_ABORTED && status.ok()) {
          status = db_->Error(r.get(), doing);
        }
        while (PGresult* rest = PQgetResult(conn)) PQclear(rest);
      }
      while (PGresult* r = PQgetResult(conn)) {
        const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync) break;
      }
      // Fails only on a connection that is gone, which the error above names already.
      (void)PQexitPipelineMode(conn);
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  int64_t Changes() const override { return result_.has_value() ? result_->Changes() : 0; }
  // Binary integers are big-endian, 2, 4 or 8 bytes by type (the store's are int8 but for
  // constants such as SELECT 1).
  int64_t Int(int column) const override {
    const absl::string_view bytes = Text(column);
    uint64_t v = bytes.size() > 0 && (bytes[0] & 0x80) != 0 ? ~uint64_t{0} : 0;  // sign
    for (const char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
    return static_cast<int64_t>(v);
  }
  absl::string_view Text(int column) const override { return result_->Text(row_, column); }
  bool IsNull(int column) const override { return result_->IsNull(row_, column); }

 private:
  std::string& Slot(int index, Oid type) {
    const size_t at = static_cast<size_t>(index) - 1;
    if (values_.size() <= at) {
      values_.resize(at + 1);
      formats_.resize(at + 1, 1);
      types_.resize(at + 1, kByteaOid);
    }
    types_[at] = type;
    return values_[at];
  }

  PgDb* db_;
  const std::string sql_;
  const std::string prepared_;
  std::vector<std::string> values_;
  std::vector<int> formats_;
  std::vector<Oid> types_;
  std::optional<PgResult> result_;
  int row_ = -1;
};

absl::StatusOr<SqlStatement> PgDb::Cached(absl::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    std::string prepared = absl::StrCat("peloton_", cache_.size() + 1);
    it = cache_.emplace(std::string(sql), std::make_unique<Cursor>(this, sql, std::move(prepared)))
             .first;
  }
  return SqlStatement(it->second.get(), nullptr);
}

absl::StatusOr<SqlStatement> PgDb::Prepare(absl::string_view sql) {
  return SqlStatement(nullptr, std::make_unique<Cursor>(this, sql, ""));
}

absl::Status PgDb::Begin(TxnKind kind) {
  return Query(kind == TxnKind::kWrite ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                       : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
               PgParams(), "beginning a transaction")
      .status();
}

absl::Status PgDb::Commit() {
  OwnedResult r(PQexec(conn_, "COMMIT"));
  if (r == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    return Error(r.get(), "committing");
  }
  // A transaction that failed earlier ends in ROLLBACK, without an error of its own.
  if (std::strcmp(PQcmdStatus(r.get()), "ROLLBACK") == 0) {
    return absl::AbortedError(absl::StrCat(name_, ": the transaction was rolled back"));
  }
  return absl::OkStatus();
}

void PgDb::Rollback() {
  if (!in_transaction()) return;
  // Not committed: whatever it did is undone. A connection that is gone has undone it already,
  // so the status adds nothing the caller's own error does not say.
  (void)Exec("ROLLBACK", "rolling back");
}

bool PgDb::Retryable(const absl::Status& status) const {
  return status.GetPayload(kRetryablePayload).has_value();
}

std::string PgDb::Contains(absl::string_view haystack, absl::string_view needle) const {
  return absl::StrCat("position(", needle, " IN ", haystack, ") > 0");
}

}  // namespace peloton::store::internal
