// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The SQL store's resource pools (table respools).

#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "services/store/sql_rows.h"
#include "services/store/sql_store.h"

namespace peloton::store {

using internal::Keep;
using internal::PoolColumns;
using internal::SqlStatement;
using internal::TxnKind;

namespace {

const std::string& SelectPools() {
  static const std::string sql =
      absl::StrCat("SELECT ", internal::ColumnList(PoolColumns()), " FROM respools");
  return sql;
}

absl::StatusOr<PoolRecord> ReadPool(const SqlStatement& st) {
  PoolRecord pool;
  PELOTON_RETURN_IF_ERROR(internal::Read(st, 0, PoolColumns(), pool));
  return pool;
}

}  // namespace

absl::Status SqlStore::CreatePool(const PoolRecord& pool) {
  PELOTON_RETURN_IF_ERROR(ValidatePool(pool));
  static const std::string insert =
      absl::StrCat("INSERT INTO respools (", internal::ColumnList(PoolColumns()), ") VALUES (",
                   internal::Params(1, PoolColumns().size()), ")");
  absl::MutexLock lock(&mu_);
  return Transact(TxnKind::kWrite, [&]() -> absl::Status {
    {
      PELOTON_ASSIGN_OR_RETURN(
          SqlStatement st, db_->Cached("SELECT id, path FROM respools WHERE id = ?1 OR path = ?2"));
      st.BindText(1, pool.id.value());
      st.BindText(2, pool.path);
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) {
        if (st.Text(0) == pool.id.value()) {
          return absl::AlreadyExistsError(
              absl::StrCat("pool ", pool.id.value(), " already exists"));
        }
        return absl::AlreadyExistsError(
            absl::StrCat("pool path ", pool.path, " is already pool ", st.Text(0), "'s"));
      }
    }
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(insert));
    Keep keep;
    internal::Bind(st, 1, PoolColumns(), pool, keep);
    return st.Run();
  });
}

absl::Status SqlStore::UpdatePool(const PoolRecord& pool) {
  PELOTON_RETURN_IF_ERROR(ValidatePool(pool));
  // Everything but the id (the key) and the creation time.
  static const std::string update =
      absl::StrCat("UPDATE respools SET ", internal::Assignments(PoolColumns().subspan(1, 4), 2),
                   " WHERE id = ?1");
  absl::MutexLock lock(&mu_);
  return Transact(TxnKind::kWrite, [&]() -> absl::Status {
    {
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
                               db_->Cached("SELECT id FROM respools WHERE path = ?1 AND id != ?2"));
      st.BindText(1, pool.path);
      st.BindText(2, pool.id.value());
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) {
        return absl::AlreadyExistsError(
            absl::StrCat("pool path ", pool.path, " is already pool ", st.Text(0), "'s"));
      }
    }
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(update));
    Keep keep;
    internal::Bind(st, 1, PoolColumns().first(5), pool, keep);
    PELOTON_RETURN_IF_ERROR(st.Run());
    if (st.Changes() == 0) {
      return absl::NotFoundError(absl::StrCat("pool ", pool.id.value(), " does not exist"));
    }
    return absl::OkStatus();
  });
}

absl::Status SqlStore::DeletePool(const PoolId& id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("pool_id", id.value()));
  absl::MutexLock lock(&mu_);
  return Transact(TxnKind::kWrite, [&]() -> absl::Status {
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached("DELETE FROM respools WHERE id = ?1"));
    st.BindText(1, id.value());
    PELOTON_RETURN_IF_ERROR(st.Run());
    if (st.Changes() == 0) {
      return absl::NotFoundError(absl::StrCat("pool ", id.value(), " does not exist"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<PoolRecord> SqlStore::GetPool(const PoolId& id) {
  static const std::string select = absl::StrCat(SelectPools(), " WHERE id = ?1");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  st.BindText(1, id.value());
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("pool ", id.value(), " does not exist"));
  return ReadPool(st);
}

absl::StatusOr<PoolRecord> SqlStore::GetPoolByPath(absl::string_view path) {
  static const std::string select = absl::StrCat(SelectPools(), " WHERE path = ?1");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  st.BindText(1, path);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no pool has path ", path));
  return ReadPool(st);
}

absl::StatusOr<std::vector<PoolRecord>> SqlStore::ListPools() {
  static const std::string select = absl::StrCat(SelectPools(), " ORDER BY path");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  std::vector<PoolRecord> pools;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    PELOTON_ASSIGN_OR_RETURN(PoolRecord pool, ReadPool(st));
    pools.push_back(std::move(pool));
  }
  return pools;
}

}  // namespace peloton::store
