// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The SQL store's tasks: task_runtimes (keyed by the job's compact job_key and the instance) and
// pod_events (by job_key too).

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "peloton/common/status_macros.h"
#include "services/store/sql_rows.h"
#include "services/store/sql_store.h"
#include "services/store/sql_store_helpers.h"

namespace peloton::store {

using internal::Job;
using internal::Keep;
using internal::PodEventColumns;
using internal::SqlStatement;
using internal::TaskColumns;
using internal::TxnKind;

namespace {

const std::string& SelectTasks() {
  static const std::string sql =
      absl::StrCat("SELECT ", internal::ColumnList(TaskColumns()), ", version FROM task_runtimes");
  return sql;
}

// Fills `task` in place: recovery reads 100,000 of these at a time. Tasks have no columns that
// can fail to decode.
void ReadTask(const SqlStatement& st, TaskRuntime& task) {
  (void)internal::Read(st, 0, TaskColumns(), task);  // text and numbers only: always ok
  task.version = st.Int(static_cast<int>(TaskColumns().size()));
}

}  // namespace

absl::Status SqlStore::WriteTaskRuntimes(const JobId& id, absl::Span<TaskRuntime* const> runtimes) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  PELOTON_RETURN_IF_ERROR(ValidateTaskRuntimes(runtimes));
  const size_t n = TaskColumns().size();
  // ?1 is the job's key; the task's columns follow, the instance first.
  static const std::string insert = absl::StrCat(
      "INSERT INTO task_runtimes (job_key, ", internal::ColumnList(TaskColumns()),
      ", version) VALUES (?1, ", internal::Params(2, n), ", 1) ON CONFLICT DO NOTHING");
  static const std::string update = absl::StrCat(
      "UPDATE task_runtimes SET ", internal::Assignments(TaskColumns().subspan(1), 3),
      ", version = version + 1 WHERE job_key = ?1 AND instance_id = ?2 AND version = ?", n + 2);
  absl::MutexLock lock(&mu_);
  PELOTON_RETURN_IF_ERROR(TransactJob(id, [&]() -> absl::Status {
    PELOTON_ASSIGN_OR_RETURN(const JobKey job, LookupJob(id));
    // New instances are inserted, the others updated if their version is still the one read:
    // each statement run over its instances at once (RunMany).
    std::vector<size_t> added, written;
    for (size_t i = 0; i < runtimes.size(); ++i) {
      (runtimes[i]->version == 0 ? added : written).push_back(i);
    }
    Keep keep;
    std::vector<int64_t> changes;
    for (const std::vector<size_t>* which : {&added, &written}) {
      if (which->empty()) continue;
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(which == &added ? insert : update));
      PELOTON_RETURN_IF_ERROR(st.RunMany(
          which->size(),
          [&](size_t k, SqlStatement& s) {
            const TaskRuntime& r = *runtimes[(*which)[k]];
            s.BindInt(1, job.key);
            internal::Bind(s, 2, TaskColumns(), r, keep);
            if (r.version != 0) s.BindInt(static_cast<int>(n + 2), r.version);
          },
          changes));
      for (size_t k = 0; k < which->size(); ++k) {
        if (changes[k] != 0) continue;
        const TaskRuntime& r = *runtimes[(*which)[k]];
        PELOTON_ASSIGN_OR_RETURN(
            SqlStatement check,
            db_->Cached(
                "SELECT version FROM task_runtimes WHERE job_key = ?1 AND instance_id = ?2"));
        check.BindInt(1, job.key);
        check.BindInt(2, r.instance_id);
        PELOTON_ASSIGN_OR_RETURN(std::optional<int64_t> stored, internal::StoredVersion(check));
        return internal::VersionConflict(
            absl::StrCat("task runtime of ", Job(id), " instance ", r.instance_id), r.version,
            stored);
      }
    }
    return absl::OkStatus();
  }));
  for (TaskRuntime* r : runtimes) ++r->version;
  stats_.task_runtime_rows += runtimes.size();
  ++stats_.batches;
  return absl::OkStatus();
}

absl::StatusOr<TaskRuntime> SqlStore::GetTaskRuntime(const JobId& id, uint32_t instance) {
  static const std::string select =
      absl::StrCat(SelectTasks(),
                   " WHERE job_key = (SELECT job_key FROM jobs WHERE job_id = ?1) AND "
                   "instance_id = ?2");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  st.BindText(1, id.value());
  st.BindInt(2, instance);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    return absl::NotFoundError(
        absl::StrCat(Job(id), " has no task runtime for instance ", instance));
  }
  TaskRuntime task;
  ReadTask(st, task);
  return task;
}

absl::StatusOr<std::vector<TaskRuntime>> SqlStore::ListTaskRuntimes(
    const JobId& id, const TaskRuntimeFilter& filter) {
  for (size_t i = 0; i < filter.states.size(); ++i) {
    if (taskfsm::Name(filter.states[i]).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "filter.states[", i, "]: ", static_cast<int>(filter.states[i]), " is not a TaskState"));
    }
  }
  static const std::string select_range = absl::StrCat(
      SelectTasks(),
      " WHERE job_key = ?1 AND instance_id >= ?2 AND instance_id < ?3 ORDER BY instance_id");
  std::string select_states;
  if (!filter.states.empty()) {
    std::vector<std::string> states;
    for (TaskState s : filter.states) states.push_back(absl::StrCat(static_cast<int>(s)));
    select_states = absl::StrCat(SelectTasks(),
                                 " WHERE job_key = ?1 AND instance_id >= ?2 AND instance_id < ?3 "
                                 "AND state IN (",
                                 absl::StrJoin(states, ", "), ") ORDER BY instance_id");
  }
  absl::MutexLock lock(&mu_);
  std::vector<TaskRuntime> tasks;
  PELOTON_RETURN_IF_ERROR(Transact(TxnKind::kRead, [&]() -> absl::Status {
    tasks.clear();
    PELOTON_ASSIGN_OR_RETURN(const JobKey job, LookupJob(id));
    if (filter.states.empty()) {
      tasks.reserve(std::min<uint64_t>(job.instance_count,
                                       uint64_t{filter.to_instance} - filter.from_instance));
    }
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, filter.states.empty() ? db_->Cached(select_range)
                                                                    : db_->Prepare(select_states));
    st.BindInt(1, job.key);
    st.BindInt(2, filter.from_instance);
    st.BindInt(3, filter.to_instance);
    while (true) {
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return absl::OkStatus();
      ReadTask(st, tasks.emplace_back());
    }
  }));
  return tasks;
}

// ---------------------------------------------------------------------------------------------
// Pod events

absl::Status SqlStore::AddPodEvents(const JobId& id, absl::Span<const PodEvent> events) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  PELOTON_RETURN_IF_ERROR(ValidatePodEvents(events));
  static const internal::RowsInsert insert(
      absl::StrCat("INSERT INTO pod_events (job_key, ", internal::ColumnList(PodEventColumns()),
                   ") VALUES "),
      1, PodEventColumns().size());
  absl::MutexLock lock(&mu_);
  PELOTON_RETURN_IF_ERROR(TransactJob(id, [&]() -> absl::Status {
    PELOTON_ASSIGN_OR_RETURN(const JobKey job, LookupJob(id));
    Keep keep;
    return insert.Run(
        *db_, events.size(), [&](SqlStatement& s) { s.BindInt(1, job.key); },
        [&](size_t i, SqlStatement& s, int first) {
          internal::Bind(s, first, PodEventColumns(), events[i], keep);
        });
  }));
  stats_.pod_event_rows += events.size();
  ++stats_.batches;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PodEvent>> SqlStore::GetPodEvents(const JobId& id, uint32_t instance,
                                                             const PodEventQuery& query) {
  if (query.run_id < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("query.run_id: ", query.run_id, " (rule: >= 0; 0 means the newest runs)"));
  }
  // The newest max_runs runs (or the one asked for), newest event first.
  static const std::string select = absl::StrCat(
      "SELECT ", internal::ColumnList(PodEventColumns()),
      " FROM pod_events WHERE job_key = ?1 AND instance_id = ?2 AND run_id IN (SELECT DISTINCT "
      "run_id FROM pod_events WHERE job_key = ?1 AND instance_id = ?2 AND (?3 = 0 OR run_id = ?3) "
      "ORDER BY run_id DESC LIMIT ?4) ORDER BY run_id DESC, time DESC, seq DESC");
  absl::MutexLock lock(&mu_);
  std::vector<PodEvent> events;
  PELOTON_RETURN_IF_ERROR(Transact(TxnKind::kRead, [&]() -> absl::Status {
    events.clear();
    PELOTON_ASSIGN_OR_RETURN(const JobKey job, LookupJob(id));
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
    st.BindInt(1, job.key);
    st.BindInt(2, instance);
    st.BindInt(3, query.run_id);
    st.BindInt(4, internal::LimitOf(query.max_runs));
    while (true) {
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return absl::OkStatus();
      (void)internal::Read(st, 0, PodEventColumns(), events.emplace_back());  // never fails
    }
  }));
  return events;
}

absl::Status SqlStore::DeletePodEvents(const JobId& id, uint32_t instance, int64_t from_run,
                                       int64_t to_run) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  if (from_run > to_run) {
    return absl::InvalidArgumentError(absl::StrCat("from_run: ", from_run, " is after to_run ",
                                                   to_run, " (rule: from_run <= to_run)"));
  }
  absl::MutexLock lock(&mu_);
  return TransactJob(id, [&]() -> absl::Status {
    PELOTON_ASSIGN_OR_RETURN(
        SqlStatement st,
        db_->Cached("DELETE FROM pod_events WHERE job_key = (SELECT job_key FROM jobs WHERE "
                    "job_id = ?1) AND instance_id = ?2 AND run_id >= ?3 AND run_id < ?4"));
    st.BindText(1, id.value());
    st.BindInt(2, instance);
    st.BindInt(3, from_run);
    st.BindInt(4, to_run);
    return st.Run();
  });
}

}  // namespace peloton::store
