// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sql_store.h"

#include "services/store/sql_store_helpers.h"

namespace peloton::store {

using internal::SqlTransaction;
using internal::TxnKind;

absl::Status SqlStore::Transact(TxnKind kind, absl::FunctionRef<absl::Status()> body) {
  for (int attempt = 1;; ++attempt) {
    absl::Status status = [&]() -> absl::Status {
      absl::StatusOr<SqlTransaction> txn = SqlTransaction::Begin(*db_, kind);
      if (!txn.ok()) return txn.status();
      if (absl::Status s = body(); !s.ok()) return s;
      return txn->Commit();
    }();
    if (status.ok() || attempt == kAttempts || !db_->Retryable(status)) return status;
    ++stats_.retries;
  }
}

absl::Status SqlStore::Corrupt(absl::string_view what, const absl::Status& status) const {
  return absl::DataLossError(
      absl::StrCat(db_->name(), ": ", what, ": ", status.message(), " (the database is corrupt)"));
}

absl::Status CheckMigrations(absl::Span<const SqlMigration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("migrations[", i, "].version: ", migrations[i].version, " (rule: ", i + 1,
                       ", counting from 1 without gaps)"));
    }
  }
  return absl::OkStatus();
}

namespace internal {

absl::Status VersionConflict(absl::string_view what, int64_t expected,
                             std::optional<int64_t> stored) {
  if (!stored.has_value()) {
    return absl::AbortedError(absl::StrCat(what, ": written with version ", expected,
                                           ", but it does not exist (re-read it and retry)"));
  }
  return absl::AbortedError(absl::StrCat(what, ": written with version ", expected,
                                         ", but the stored version is ", *stored,
                                         " (someone else wrote it; re-read it and retry)"));
}

absl::StatusOr<std::optional<int64_t>> StoredVersion(SqlStatement& st) {
  absl::StatusOr<bool> row = st.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<int64_t>();
  return std::optional<int64_t>(st.Int(0));
}

}  // namespace internal
}  // namespace peloton::store
