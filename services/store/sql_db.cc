// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sql_db.h"

namespace peloton::store::internal {

absl::Status SqlStatement::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
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
