// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The SQL store's hosts (versioned) and frameworks.

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "services/store/sql_rows.h"
#include "services/store/sql_store.h"
#include "services/store/sql_store_helpers.h"

namespace peloton::store {

using internal::FrameworkColumns;
using internal::HostColumns;
using internal::Keep;
using internal::SqlStatement;
using internal::TxnKind;

namespace {

const std::string& SelectHosts() {
  static const std::string sql =
      absl::StrCat("SELECT ", internal::ColumnList(HostColumns()), ", version FROM hosts");
  return sql;
}

std::string Host(absl::string_view hostname) { return absl::StrCat("host ", hostname); }

}  // namespace

absl::Status SqlStore::WriteHost(HostRecord& host) {
  PELOTON_RETURN_IF_ERROR(ValidateHost(host));
  const size_t n = HostColumns().size();
  static const std::string insert =
      absl::StrCat("INSERT INTO hosts (", internal::ColumnList(HostColumns()),
                   ", version) VALUES (", internal::Params(1, n), ", 1) ON CONFLICT DO NOTHING");
  static const std::string update =
      absl::StrCat("UPDATE hosts SET ", internal::Assignments(HostColumns().subspan(1), 2),
                   ", version = version + 1 WHERE hostname = ?1 AND version = ?", n + 1);
  absl::MutexLock lock(&mu_);
  PELOTON_RETURN_IF_ERROR(Transact(TxnKind::kWrite, [&]() -> absl::Status {
    {
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(host.version == 0 ? insert : update));
      Keep keep;
      internal::Bind(st, 1, HostColumns(), host, keep);
      if (host.version != 0) st.BindInt(static_cast<int>(n + 1), host.version);
      PELOTON_RETURN_IF_ERROR(st.Run());
      if (st.Changes() != 0) return absl::OkStatus();
    }
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
                             db_->Cached("SELECT version FROM hosts WHERE hostname = ?1"));
    st.BindText(1, host.hostname);
    PELOTON_ASSIGN_OR_RETURN(std::optional<int64_t> stored, internal::StoredVersion(st));
    return internal::VersionConflict(Host(host.hostname), host.version, stored);
  }));
  ++host.version;
  return absl::OkStatus();
}

absl::StatusOr<HostRecord> SqlStore::GetHost(absl::string_view hostname) {
  static const std::string select = absl::StrCat(SelectHosts(), " WHERE hostname = ?1");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  st.BindText(1, hostname);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat(Host(hostname), " does not exist"));
  HostRecord host;
  if (absl::Status s = internal::Read(st, 0, HostColumns(), host); !s.ok()) {
    return Corrupt(Host(hostname), s);
  }
  host.version = st.Int(static_cast<int>(HostColumns().size()));
  return host;
}

absl::StatusOr<std::vector<HostRecord>> SqlStore::ListHosts(absl::Span<const HostState> states) {
  for (size_t i = 0; i < states.size(); ++i) {
    if (taskfsm::Name(states[i]).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("states[", i, "]: ", static_cast<int>(states[i]), " is not a HostState"));
    }
  }
  static const std::string select = absl::StrCat(SelectHosts(), " ORDER BY hostname");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  std::vector<HostRecord> hosts;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    HostRecord host;
    if (absl::Status s = internal::Read(st, 0, HostColumns(), host); !s.ok()) {
      return Corrupt(Host(host.hostname), s);
    }
    if (!states.empty() && std::find(states.begin(), states.end(), host.state) == states.end()) {
      continue;
    }
    host.version = st.Int(static_cast<int>(HostColumns().size()));
    hosts.push_back(std::move(host));
  }
  return hosts;
}

absl::Status SqlStore::DeleteHost(absl::string_view hostname) {
  PELOTON_RETURN_IF_ERROR(ValidateId("hostname", hostname));
  absl::MutexLock lock(&mu_);
  return Transact(TxnKind::kWrite, [&]() -> absl::Status {
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached("DELETE FROM hosts WHERE hostname = ?1"));
    st.BindText(1, hostname);
    PELOTON_RETURN_IF_ERROR(st.Run());
    if (st.Changes() == 0) {
      return absl::NotFoundError(absl::StrCat(Host(hostname), " does not exist"));
    }
    return absl::OkStatus();
  });
}

absl::Status SqlStore::SetFramework(const FrameworkRecord& framework) {
  PELOTON_RETURN_IF_ERROR(ValidateFramework(framework));
  static const std::string upsert = absl::StrCat(
      "INSERT INTO frameworks (", internal::ColumnList(FrameworkColumns()), ") VALUES (",
      internal::Params(1, FrameworkColumns().size()), ") ON CONFLICT (name) DO UPDATE SET ",
      internal::Assignments(FrameworkColumns().subspan(1), 2));
  absl::MutexLock lock(&mu_);
  return Transact(TxnKind::kWrite, [&]() -> absl::Status {
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(upsert));
    Keep keep;
    internal::Bind(st, 1, FrameworkColumns(), framework, keep);
    return st.Run();
  });
}

absl::StatusOr<FrameworkRecord> SqlStore::GetFramework(absl::string_view name) {
  static const std::string select = absl::StrCat(
      "SELECT ", internal::ColumnList(FrameworkColumns()), " FROM frameworks WHERE name = ?1");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  st.BindText(1, name);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return absl::NotFoundError(absl::StrCat("framework ", name, " has not been registered"));
  }
  FrameworkRecord framework;
  // Text only: reading cannot fail.
  (void)internal::Read(st, 0, FrameworkColumns(), framework);
  return framework;
}

}  // namespace peloton::store
