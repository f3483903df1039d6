// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The SQL store's workflows: updates (versioned), update_events (each change of a workflow's
// state) and instance_workflow_events.

#include <string>

#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "services/store/sql_rows.h"
#include "services/store/sql_store.h"
#include "services/store/sql_store_helpers.h"

namespace peloton::store {

using internal::InstanceWorkflowEventColumns;
using internal::Keep;
using internal::SqlStatement;
using internal::TxnKind;
using internal::UpdateColumns;

namespace {

const std::string& SelectUpdates() {
  static const std::string sql =
      absl::StrCat("SELECT ", internal::ColumnList(UpdateColumns()), ", version FROM updates");
  return sql;
}

std::string Workflow(absl::string_view id) { return absl::StrCat("workflow ", id); }

}  // namespace

absl::Status SqlStore::CheckUpdateExists(absl::string_view update_id) {
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
                           db_->Cached("SELECT 1 FROM updates WHERE update_id = ?1"));
  st.BindText(1, update_id);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat(Workflow(update_id), " does not exist"));
  return absl::OkStatus();
}

absl::Status SqlStore::AppendUpdateEvent(const UpdateRecord& update) {
  PELOTON_ASSIGN_OR_RETURN(
      SqlStatement st,
      db_->Cached("INSERT INTO update_events (update_id, state, time) VALUES (?1, ?2, ?3)"));
  st.BindText(1, update.update_id);
  st.BindInt(2, static_cast<int>(update.state));
  st.BindTime(3, update.update_time);
  return st.Run();
}

absl::Status SqlStore::CreateUpdate(UpdateRecord& update) {
  PELOTON_RETURN_IF_ERROR(ValidateUpdate(update));
  if (update.version != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("update.version: ", update.version, " (rule: a new workflow has version 0)"));
  }
  static const std::string insert = absl::StrCat(
      "INSERT INTO updates (", internal::ColumnList(UpdateColumns()), ", version) VALUES (",
      internal::Params(1, UpdateColumns().size()), ", 1) ON CONFLICT DO NOTHING");
  absl::MutexLock lock(&mu_);
  PELOTON_RETURN_IF_ERROR(TransactJob(update.job_id, [&]() -> absl::Status {
    PELOTON_RETURN_IF_ERROR(CheckJobExists(update.job_id));
    {
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(insert));
      Keep keep;
      internal::Bind(st, 1, UpdateColumns(), update, keep);
      PELOTON_RETURN_IF_ERROR(st.Run());
      if (st.Changes() == 0) {
        return absl::AlreadyExistsError(
            absl::StrCat(Workflow(update.update_id), " already exists"));
      }
    }
    return AppendUpdateEvent(update);
  }));
  update.version = 1;
  return absl::OkStatus();
}

absl::Status SqlStore::WriteUpdate(UpdateRecord& update) {
  PELOTON_RETURN_IF_ERROR(ValidateUpdate(update));
  // Everything but the keys (update_id, job_id).
  static const std::string write =
      absl::StrCat("UPDATE updates SET ", internal::Assignments(UpdateColumns().subspan(2), 3),
                   ", version = version + 1 WHERE update_id = ?1 AND job_id = ?2");
  absl::MutexLock lock(&mu_);
  PELOTON_RETURN_IF_ERROR(TransactJob(update.job_id, [&]() -> absl::Status {
    int64_t stored_state = 0;
    {
      PELOTON_ASSIGN_OR_RETURN(
          SqlStatement st,
          db_->Cached("SELECT version, state, job_id FROM updates WHERE update_id = ?1"));
      st.BindText(1, update.update_id);
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      const std::string what = Workflow(update.update_id);
      if (!row) return absl::NotFoundError(absl::StrCat(what, " does not exist"));
      if (st.Int(0) != update.version) {
        return internal::VersionConflict(what, update.version, st.Int(0));
      }
      if (st.Text(2) != update.job_id.value()) {
        return absl::InvalidArgumentError(absl::StrCat("update.job_id: ", update.job_id.value(),
                                                       " (rule: unchanged; ", what,
                                                       " belongs to job ", st.Text(2), ")"));
      }
      stored_state = st.Int(1);
    }
    {
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(write));
      Keep keep;
      internal::Bind(st, 1, UpdateColumns(), update, keep);
      PELOTON_RETURN_IF_ERROR(st.Run());
    }
    if (stored_state == static_cast<int>(update.state)) return absl::OkStatus();
    return AppendUpdateEvent(update);
  }));
  ++update.version;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<UpdateRecord>> SqlStore::ReadUpdates(SqlStatement& st) {
  std::vector<UpdateRecord> updates;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    UpdateRecord& u = updates.emplace_back();
    if (absl::Status s = internal::Read(st, 0, UpdateColumns(), u); !s.ok()) {
      return Corrupt(Workflow(u.update_id), s);
    }
    u.version = st.Int(static_cast<int>(UpdateColumns().size()));
  }
  return updates;
}

absl::StatusOr<UpdateRecord> SqlStore::GetUpdate(absl::string_view update_id) {
  static const std::string select = absl::StrCat(SelectUpdates(), " WHERE update_id = ?1");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  st.BindText(1, update_id);
  PELOTON_ASSIGN_OR_RETURN(std::vector<UpdateRecord> updates, ReadUpdates(st));
  if (updates.empty()) {
    return absl::NotFoundError(absl::StrCat(Workflow(update_id), " does not exist"));
  }
  return std::move(updates[0]);
}

absl::StatusOr<std::vector<UpdateRecord>> SqlStore::ListUpdates(const JobId& job, uint32_t limit) {
  absl::MutexLock lock(&mu_);
  // Newest first; workflows made in the same microsecond, the later made first.
  const std::string select =
      absl::StrCat(SelectUpdates(), " WHERE job_id = ?1 ORDER BY creation_time DESC, ",
                   db_->InsertionOrder(), " DESC LIMIT ?2");
  std::vector<UpdateRecord> updates;
  PELOTON_RETURN_IF_ERROR(Transact(TxnKind::kRead, [&]() -> absl::Status {
    PELOTON_RETURN_IF_ERROR(CheckJobExists(job));
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
    st.BindText(1, job.value());
    st.BindInt(2, internal::LimitOf(limit));
    PELOTON_ASSIGN_OR_RETURN(updates, ReadUpdates(st));
    return absl::OkStatus();
  }));
  return updates;
}

absl::Status SqlStore::DeleteUpdate(absl::string_view update_id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("update_id", update_id));
  absl::MutexLock lock(&mu_);
  return TransactWorkflow(update_id, [&]() -> absl::Status {
    PELOTON_RETURN_IF_ERROR(CheckUpdateExists(update_id));
    static constexpr const char* kDeletes[] = {
        "DELETE FROM update_events WHERE update_id = ?1",
        "DELETE FROM instance_workflow_events WHERE update_id = ?1",
        "DELETE FROM updates WHERE update_id = ?1",
    };
    for (const char* sql : kDeletes) {
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(sql));
      st.BindText(1, update_id);
      PELOTON_RETURN_IF_ERROR(st.Run());
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<UpdateEvent>> SqlStore::GetUpdateEvents(absl::string_view update_id) {
  absl::MutexLock lock(&mu_);
  std::vector<UpdateEvent> events;
  PELOTON_RETURN_IF_ERROR(Transact(TxnKind::kRead, [&]() -> absl::Status {
    events.clear();
    PELOTON_RETURN_IF_ERROR(CheckUpdateExists(update_id));
    PELOTON_ASSIGN_OR_RETURN(
        SqlStatement st,
        db_->Cached("SELECT state, time FROM update_events WHERE update_id = ?1 ORDER BY seq"));
    st.BindText(1, update_id);
    while (true) {
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return absl::OkStatus();
      events.push_back({static_cast<UpdateState>(static_cast<int>(st.Int(0))), st.Time(1)});
    }
  }));
  return events;
}

absl::Status SqlStore::AddInstanceWorkflowEvents(absl::string_view update_id,
                                                 absl::Span<const InstanceWorkflowEvent> events) {
  PELOTON_RETURN_IF_ERROR(ValidateId("update_id", update_id));
  PELOTON_RETURN_IF_ERROR(ValidateInstanceWorkflowEvents(events));
  static const std::string insert =
      absl::StrCat("INSERT INTO instance_workflow_events (update_id, ",
                   internal::ColumnList(InstanceWorkflowEventColumns()), ") VALUES (?1, ",
                   internal::Params(2, InstanceWorkflowEventColumns().size()), ")");
  absl::MutexLock lock(&mu_);
  return TransactWorkflow(update_id, [&]() -> absl::Status {
    PELOTON_RETURN_IF_ERROR(CheckUpdateExists(update_id));
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(insert));
    Keep keep;
    for (const InstanceWorkflowEvent& e : events) {
      st.BindText(1, update_id);
      internal::Bind(st, 2, InstanceWorkflowEventColumns(), e, keep);
      PELOTON_RETURN_IF_ERROR(st.Run());
      st.Reset();
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<InstanceWorkflowEvent>> SqlStore::GetInstanceWorkflowEvents(
    absl::string_view update_id, uint32_t instance, uint32_t limit) {
  static const std::string select =
      absl::StrCat("SELECT ", internal::ColumnList(InstanceWorkflowEventColumns()),
                   " FROM instance_workflow_events WHERE update_id = ?1 AND instance_id = ?2 "
                   "ORDER BY seq DESC LIMIT ?3");
  absl::MutexLock lock(&mu_);
  std::vector<InstanceWorkflowEvent> events;
  PELOTON_RETURN_IF_ERROR(Transact(TxnKind::kRead, [&]() -> absl::Status {
    events.clear();
    PELOTON_RETURN_IF_ERROR(CheckUpdateExists(update_id));
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
    st.BindText(1, update_id);
    st.BindInt(2, instance);
    st.BindInt(3, internal::LimitOf(limit));
    while (true) {
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return absl::OkStatus();
      // Numbers only: reading cannot fail.
      (void)internal::Read(st, 0, InstanceWorkflowEventColumns(), events.emplace_back());
    }
  }));
  return events;
}

}  // namespace peloton::store
