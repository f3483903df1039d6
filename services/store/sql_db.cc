// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sql_db.h"

namespace peloton::store::internal {

absl::Status SqlCursor::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

absl::Status SqlCursor::RunMany(size_t count, absl::FunctionRef<void(size_t)> bind,
                                std::vector<int64_t>& changes) {
  changes.assign(count, 0);
  for (size_t i = 0; i < count; ++i) {
    bind(i);
    const absl::Status status = Run();
    changes[i] = Changes();
    Reset();
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<SqlTransaction> SqlTransaction::Begin(SqlDb& db, TxnKind kind) {
  if (absl::Status status = db.Begin(kind); !status.ok()) return status;
  return SqlTransaction(&db);
}

absl::Status SqlTransaction::Commit() {
  SqlDb* db = db_;
  db_ = nullptr;
  absl::Status status = db->Commit();
  // A failed COMMIT may leave the transaction open (SQLite: busy); it must not outlive us.
  if (!status.ok()) db->Rollback();
  return status;
}

}  // namespace peloton::store::internal
