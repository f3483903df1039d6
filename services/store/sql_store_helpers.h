// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What the SQL store's record families (sql_store_*.cc) share. Private to the store.

#ifndef PELOTON_SERVICES_STORE_SQL_STORE_HELPERS_H_
#define PELOTON_SERVICES_STORE_SQL_STORE_HELPERS_H_

#include <cstdint>
#include <optional>
#include <string>

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

// A LIMIT for `limit`, where 0 means none.
inline int64_t LimitOf(uint32_t limit) { return limit == 0 ? INT64_MAX : limit; }

}  // namespace peloton::store::internal

#endif  // PELOTON_SERVICES_STORE_SQL_STORE_HELPERS_H_
