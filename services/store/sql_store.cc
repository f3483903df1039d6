// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sql_store.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "peloton/common/status_macros.h"
#include "services/store/sql_rows.h"
#include "services/store/sql_store_helpers.h"

namespace peloton::store {

using internal::SqlTransaction;
using internal::TxnKind;

absl::Status SqlStore::Transact(TxnKind kind, absl::FunctionRef<absl::Status()> body,
                                const Subject& subject) {
  for (int attempt = 1;; ++attempt) {
    absl::Status status = [&]() -> absl::Status {
      absl::StatusOr<SqlTransaction> txn = SqlTransaction::Begin(*db_, kind);
      if (!txn.ok()) return txn.status();
      if (kind == TxnKind::kWrite && fence_epoch_ > 0) {
        PELOTON_RETURN_IF_ERROR(
            CheckFence(fence_, fence_epoch_, "another one leads now: nothing written"));
      }
      if (kind == TxnKind::kWrite && claims_enforced_) PELOTON_RETURN_IF_ERROR(CheckClaim(subject));
      if (absl::Status s = body(); !s.ok()) return s;
      return txn->Commit();
    }();
    if (status.ok() || attempt == kAttempts || !db_->Retryable(status)) return status;
    ++stats_.retries;
  }
}

absl::Status SqlStore::CheckFence(absl::string_view name, int64_t epoch, absl::string_view what) {
  PELOTON_ASSIGN_OR_RETURN(internal::SqlStatement st,
                           db_->Cached("SELECT epoch, holder FROM fences WHERE name = ?1"));
  st.BindText(1, name);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (row && st.Int(0) == epoch) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("fenced: ", name,
                   row ? absl::StrCat(" was taken by ", st.Text(1), " at epoch ", st.Int(0))
                       : std::string(" is gone"),
                   "; this process held epoch ", epoch, " (", what, ")"));
}

absl::Status SqlStore::CheckClaim(const Subject& subject) {
  std::string job;
  if (subject.job != nullptr) {
    job = subject.job->value();
  } else if (!subject.update_id.empty()) {
    PELOTON_ASSIGN_OR_RETURN(internal::SqlStatement st,
                             db_->Cached("SELECT job_id FROM updates WHERE update_id = ?1"));
    st.BindText(1, subject.update_id);
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    // The write itself says that the workflow does not exist.
    if (!row) return absl::OkStatus();
    job = std::string(st.Text(0));
  } else {
    return absl::OkStatus();  // not of a job
  }
  const auto claim = claims_.find(job);
  if (claim == claims_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("fenced: job ", job,
                     " is not claimed by this process (another one owns it: nothing written)"));
  }
  return CheckFence(internal::JobFence(job), claim->second,
                    "another one owns the job now: nothing written");
}

absl::StatusOr<int64_t> SqlStore::RaiseFence(absl::string_view name, absl::string_view holder) {
  int64_t epoch = 0;
  PELOTON_RETURN_IF_ERROR(Transact(TxnKind::kWrite, [&]() -> absl::Status {
    {
      PELOTON_ASSIGN_OR_RETURN(
          internal::SqlStatement st,
          db_->Cached("INSERT INTO fences (name, holder, epoch, taken_time) VALUES (?1, ?2, 1, "
                      "?3) ON CONFLICT (name) DO UPDATE SET holder = ?2, epoch = fences.epoch "
                      "+ 1, taken_time = ?3"));
      st.BindText(1, name);
      st.BindText(2, holder);
      st.BindTime(3, absl::Now());
      PELOTON_RETURN_IF_ERROR(st.Run());
    }
    PELOTON_ASSIGN_OR_RETURN(internal::SqlStatement st,
                             db_->Cached("SELECT epoch FROM fences WHERE name = ?1"));
    st.BindText(1, name);
    PELOTON_ASSIGN_OR_RETURN(std::optional<int64_t> stored, internal::StoredVersion(st));
    epoch = stored.value_or(0);
    return absl::OkStatus();
  }));
  return epoch;
}

absl::StatusOr<int64_t> SqlStore::TakeFence(absl::string_view name, absl::string_view holder) {
  PELOTON_RETURN_IF_ERROR(ValidateId("fence", name));
  PELOTON_RETURN_IF_ERROR(ValidateId("holder", holder));
  absl::MutexLock lock(&mu_);
  // Taking it is not fenced by what this store held before.
  const int64_t held = std::exchange(fence_epoch_, 0);
  absl::StatusOr<int64_t> epoch = RaiseFence(name, holder);
  if (!epoch.ok()) {
    fence_epoch_ = held;
    return epoch.status();
  }
  fence_ = std::string(name);
  fence_epoch_ = *epoch;
  return *epoch;
}

void SqlStore::EnforceJobClaims() {
  absl::MutexLock lock(&mu_);
  claims_enforced_ = true;
}

absl::StatusOr<int64_t> SqlStore::ClaimJob(const JobId& id, absl::string_view holder) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  PELOTON_RETURN_IF_ERROR(ValidateId("holder", holder));
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(const int64_t epoch, RaiseFence(internal::JobFence(id.value()), holder));
  claims_[id.value()] = epoch;
  return epoch;
}

void SqlStore::ReleaseJob(const JobId& id) {
  absl::MutexLock lock(&mu_);
  claims_.erase(id.value());
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

RowsInsert::RowsInsert(absl::string_view head, size_t shared, size_t per_row)
    : shared_(shared), per_row_(per_row), one_(Sql(head, 1)), many_(Sql(head, kRows)) {}

std::string RowsInsert::Sql(absl::string_view head, size_t rows) const {
  std::string sql(head);
  const std::string common = shared_ == 0 ? "" : absl::StrCat(Params(1, shared_), ", ");
  for (size_t r = 0; r < rows; ++r) {
    absl::StrAppend(&sql, r == 0 ? "(" : ", (", common,
                    Params(shared_ + 1 + r * per_row_, per_row_), ")");
  }
  return sql;
}

absl::Status RowsInsert::Run(
    SqlDb& db, size_t count, absl::FunctionRef<void(SqlStatement& st)> bind_shared,
    absl::FunctionRef<void(size_t i, SqlStatement& st, int first)> bind) const {
  size_t from = 0;
  while (from < count) {
    const size_t rows = count - from >= kRows ? kRows : 1;
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db.Cached(rows == kRows ? many_ : one_));
    bind_shared(st);
    for (size_t r = 0; r < rows; ++r) {
      bind(from + r, st, static_cast<int>(shared_ + 1 + r * per_row_));
    }
    PELOTON_RETURN_IF_ERROR(st.Run());
    from += rows;
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace peloton::store
