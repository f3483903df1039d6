// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What the SQL store's record families (sql_store_*.cc) share. Private to the store.

#ifndef PELOTON_SERVICES_STORE_SQL_STORE_HELPERS_H_
#define PELOTON_SERVICES_STORE_SQL_STORE_HELPERS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "services/store/sql_db.h"
#include "services/store/store.h"

namespace peloton::store::internal {

inline std::string Job(const JobId& id) { return absl::StrCat("job ", id.value()); }

// A job's fence (Store::ClaimJob), among the fences.
inline std::string JobFence(absl::string_view job) { return absl::StrCat("job/", job); }

// The Aborted status of a versioned write whose expected version did not match.
absl::Status VersionConflict(absl::string_view what, int64_t expected,
                             std::optional<int64_t> stored);

// The stored version of a row, if any: `st` selects it with its key bound.
absl::StatusOr<std::optional<int64_t>> StoredVersion(SqlStatement& st);

// An INSERT of many rows a statement: `head` is "INSERT INTO t (a, b, ...) VALUES ", and each
// row's values are ?1 .. ?shared (the same for every row: bind_shared binds them) followed by
// `per_row` parameters of its own (bind(i, st, first) binds row i's from `first`). A statement
// of kRows rows costs SQLite about a third less a row than a statement a row
// (bench/store_benchmark, BM_AddPodEvents). Made once (static); Run within a transaction.
class RowsInsert {
 public:
  static constexpr size_t kRows = 32;
  RowsInsert(absl::string_view head, size_t shared, size_t per_row);
  absl::Status Run(SqlDb& db, size_t count, absl::FunctionRef<void(SqlStatement& st)> bind_shared,
                   absl::FunctionRef<void(size_t i, SqlStatement& st, int first)> bind) const;

 private:
  // The statement of `rows` rows: head + "(?1, .., ?shared, ?first, ..), (?1, .., ?next, ..)".
  std::string Sql(absl::string_view head, size_t rows) const;
  size_t shared_, per_row_;
  std::string one_, many_;  // of 1 and of kRows rows
};

// A LIMIT for `limit`, where 0 means none.
inline int64_t LimitOf(uint32_t limit) { return limit == 0 ? INT64_MAX : limit; }

}  // namespace peloton::store::internal

#endif  // PELOTON_SERVICES_STORE_SQL_STORE_HELPERS_H_
