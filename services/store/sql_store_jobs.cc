// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The SQL store's jobs: the jobs table (the newest config's queryable fields and the runtime),
// job_configs (every config version), job_labels (the newest config's labels, for queries) and
// active_jobs.

#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "peloton/common/status_macros.h"
#include "services/store/sql_rows.h"
#include "services/store/sql_store.h"
#include "services/store/sql_store_helpers.h"

namespace peloton::store {

using internal::Job;
using internal::JobConfigColumns;
using internal::JobIdColumns;
using internal::JobIndexColumns;
using internal::JobRuntimeColumns;
using internal::Keep;
using internal::SqlStatement;
using internal::TxnKind;

namespace {

// The columns of a job (JobSummary): its id, the index, the runtime, the version.
const std::string& JobColumnList() {
  static const std::string list =
      absl::StrCat(internal::ColumnList(JobIdColumns()), ", ",
                   internal::ColumnList(JobIndexColumns<JobSummary>()), ", ",
                   internal::ColumnList(JobRuntimeColumns()), ", version");
  return list;
}

// Where in JobColumnList the index columns start, the runtime's, and the version.
constexpr size_t kIndexAt = 1;
size_t RuntimeAt() { return kIndexAt + JobIndexColumns<JobSummary>().size(); }
size_t VersionAt() { return RuntimeAt() + JobRuntimeColumns().size(); }

const std::string& JobConfigColumnList() {
  static const std::string list =
      absl::StrCat(internal::ColumnList(JobConfigColumns()), ", ",
                   internal::ColumnList(JobIndexColumns<JobConfigRecord>()));
  return list;
}

}  // namespace

absl::StatusOr<SqlStore::JobKey> SqlStore::LookupJob(const JobId& id) {
  PELOTON_ASSIGN_OR_RETURN(
      SqlStatement st, db_->Cached("SELECT job_key, instance_count FROM jobs WHERE job_id = ?1"));
  st.BindText(1, id.value());
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat(Job(id), " does not exist"));
  return JobKey{st.Int(0), static_cast<uint32_t>(st.Int(1))};
}

absl::Status SqlStore::CheckJobExists(const JobId& id) { return LookupJob(id).status(); }

absl::Status SqlStore::InsertJobConfig(const JobConfigRecord& config) {
  static const std::string insert = absl::StrCat(
      "INSERT INTO job_configs (", JobConfigColumnList(), ") VALUES (",
      internal::Params(1, JobConfigColumns().size() + JobIndexColumns<JobConfigRecord>().size()),
      ")");
  Keep keep;
  {
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(insert));
    internal::Bind(st, 1, JobConfigColumns(), config, keep);
    internal::Bind(st, 1 + JobConfigColumns().size(), JobIndexColumns<JobConfigRecord>(), config,
                   keep);
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  {
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
                             db_->Cached("DELETE FROM job_labels WHERE job_id = ?1"));
    st.BindText(1, config.job_id.value());
    PELOTON_RETURN_IF_ERROR(st.Run());
  }
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
                           db_->Cached("INSERT INTO job_labels (job_id, key, value) VALUES (?1, "
                                       "?2, ?3) ON CONFLICT DO NOTHING"));
  for (const Label& l : config.labels) {
    st.BindText(1, config.job_id.value());
    st.BindText(2, l.key);
    st.BindText(3, l.value);
    PELOTON_RETURN_IF_ERROR(st.Run());
    st.Reset();
  }
  return absl::OkStatus();
}

absl::Status SqlStore::CreateJob(const JobConfigRecord& config, JobRuntime& runtime) {
  PELOTON_RETURN_IF_ERROR(ValidateJobConfig(config));
  PELOTON_RETURN_IF_ERROR(ValidateJobRuntime(runtime));
  if (config.version != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "job_config.version: ", config.version, " (rule: a new job's first config is version 1)"));
  }
  if (runtime.version != 0) {
    return absl::InvalidArgumentError(absl::StrCat("job_runtime.version: ", runtime.version,
                                                   " (rule: a new job's runtime has version 0)"));
  }
  static const std::string insert =
      absl::StrCat("INSERT INTO jobs (", JobColumnList(), ") VALUES (",
                   internal::Params(1, VersionAt()), ", 1) ON CONFLICT DO NOTHING");
  absl::MutexLock lock(&mu_);
  PELOTON_RETURN_IF_ERROR(TransactJob(config.job_id, [&]() -> absl::Status {
    {
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(insert));
      Keep keep;
      st.BindText(1, config.job_id.value());
      internal::Bind(st, 1 + kIndexAt, JobIndexColumns<JobConfigRecord>(), config, keep);
      internal::Bind(st, 1 + RuntimeAt(), JobRuntimeColumns(), runtime, keep);
      PELOTON_RETURN_IF_ERROR(st.Run());
      if (st.Changes() == 0) {
        return absl::AlreadyExistsError(absl::StrCat(Job(config.job_id), " already exists"));
      }
    }
    PELOTON_RETURN_IF_ERROR(InsertJobConfig(config));
    PELOTON_ASSIGN_OR_RETURN(
        SqlStatement st,
        db_->Cached("INSERT INTO active_jobs (job_id) VALUES (?1) ON CONFLICT DO NOTHING"));
    st.BindText(1, config.job_id.value());
    return st.Run();
  }));
  runtime.version = 1;
  return absl::OkStatus();
}

absl::Status SqlStore::AddJobConfig(const JobConfigRecord& config) {
  PELOTON_RETURN_IF_ERROR(ValidateJobConfig(config));
  // The new config's fields become the job's.
  static const std::string update =
      absl::StrCat("UPDATE jobs SET ", internal::Assignments(JobIndexColumns<JobConfigRecord>(), 2),
                   " WHERE job_id = ?1");
  absl::MutexLock lock(&mu_);
  return TransactJob(config.job_id, [&]() -> absl::Status {
    PELOTON_RETURN_IF_ERROR(CheckJobExists(config.job_id));
    {
      PELOTON_ASSIGN_OR_RETURN(
          SqlStatement st,
          db_->Cached("SELECT COALESCE(MAX(version), 0) FROM job_configs WHERE job_id = ?1"));
      st.BindText(1, config.job_id.value());
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      const int64_t newest = row ? st.Int(0) : 0;
      if (config.version != newest + 1) {
        return absl::AbortedError(absl::StrCat(
            Job(config.job_id), ": config version ", config.version, " written, but the newest is ",
            newest, " (rule: newest + 1; someone else may have added one: re-read and retry)"));
      }
    }
    PELOTON_RETURN_IF_ERROR(InsertJobConfig(config));
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(update));
    Keep keep;
    st.BindText(1, config.job_id.value());
    internal::Bind(st, 2, JobIndexColumns<JobConfigRecord>(), config, keep);
    return st.Run();
  });
}

absl::StatusOr<JobConfigRecord> SqlStore::GetJobConfig(const JobId& id, int64_t version) {
  static const std::string select =
      absl::StrCat("SELECT ", JobConfigColumnList(),
                   " FROM job_configs WHERE job_id = ?1 AND (?2 = 0 OR version = ?2) ORDER BY "
                   "version DESC LIMIT 1");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  st.BindText(1, id.value());
  st.BindInt(2, version);
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) {
    if (version == 0) return absl::NotFoundError(absl::StrCat(Job(id), " does not exist"));
    return absl::NotFoundError(absl::StrCat(Job(id), " has no config version ", version));
  }
  JobConfigRecord config;
  absl::Status status = internal::Read(st, 0, JobConfigColumns(), config);
  if (status.ok()) {
    status =
        internal::Read(st, JobConfigColumns().size(), JobIndexColumns<JobConfigRecord>(), config);
  }
  if (!status.ok()) return Corrupt(absl::StrCat(Job(id), " config ", config.version), status);
  return config;
}

absl::Status SqlStore::WriteJobRuntime(const JobId& id, JobRuntime& runtime) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  PELOTON_RETURN_IF_ERROR(ValidateJobRuntime(runtime));
  static const std::string update = absl::StrCat(
      "UPDATE jobs SET ", internal::Assignments(JobRuntimeColumns(), 2),
      ", version = version + 1 WHERE job_id = ?1 AND version = ?", 2 + JobRuntimeColumns().size());
  absl::MutexLock lock(&mu_);
  PELOTON_RETURN_IF_ERROR(TransactJob(id, [&]() -> absl::Status {
    {
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(update));
      Keep keep;
      st.BindText(1, id.value());
      internal::Bind(st, 2, JobRuntimeColumns(), runtime, keep);
      st.BindInt(static_cast<int>(2 + JobRuntimeColumns().size()), runtime.version);
      PELOTON_RETURN_IF_ERROR(st.Run());
      if (st.Changes() != 0) return absl::OkStatus();
    }
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
                             db_->Cached("SELECT version FROM jobs WHERE job_id = ?1"));
    st.BindText(1, id.value());
    PELOTON_ASSIGN_OR_RETURN(std::optional<int64_t> stored, internal::StoredVersion(st));
    if (!stored.has_value()) return absl::NotFoundError(absl::StrCat(Job(id), " does not exist"));
    return internal::VersionConflict(absl::StrCat("runtime of ", Job(id)), runtime.version, stored);
  }));
  ++runtime.version;
  return absl::OkStatus();
}

namespace {

absl::Status ReadJob(const SqlStatement& st, JobSummary& job) {
  PELOTON_RETURN_IF_ERROR(internal::Read(st, 0, JobIdColumns(), job));
  PELOTON_RETURN_IF_ERROR(internal::Read(st, kIndexAt, JobIndexColumns<JobSummary>(), job));
  PELOTON_RETURN_IF_ERROR(internal::Read(st, RuntimeAt(), JobRuntimeColumns(), job.runtime));
  job.runtime.version = st.Int(VersionAt());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<JobSummary> SqlStore::GetJob(const JobId& id) {
  static const std::string select =
      absl::StrCat("SELECT ", JobColumnList(), " FROM jobs WHERE job_id = ?1");
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(select));
  st.BindText(1, id.value());
  PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return absl::NotFoundError(absl::StrCat(Job(id), " does not exist"));
  JobSummary job;
  if (absl::Status s = ReadJob(st, job); !s.ok()) return Corrupt(Job(id), s);
  return job;
}

absl::Status SqlStore::DeleteJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  absl::MutexLock lock(&mu_);
  PELOTON_RETURN_IF_ERROR(TransactJob(id, [&]() -> absl::Status {
    PELOTON_RETURN_IF_ERROR(CheckJobExists(id));
    // Workflow children first: they are found through the workflows.
    static constexpr const char* kDeletes[] = {
        "DELETE FROM update_events WHERE update_id IN "
        "(SELECT update_id FROM updates WHERE job_id = ?1)",
        "DELETE FROM instance_workflow_events WHERE update_id IN "
        "(SELECT update_id FROM updates WHERE job_id = ?1)",
        "DELETE FROM updates WHERE job_id = ?1",
        "DELETE FROM pod_events WHERE job_key = (SELECT job_key FROM jobs WHERE job_id = ?1)",
        "DELETE FROM task_runtimes WHERE job_key = (SELECT job_key FROM jobs WHERE job_id = ?1)",
        "DELETE FROM job_labels WHERE job_id = ?1",
        "DELETE FROM job_configs WHERE job_id = ?1",
        "DELETE FROM active_jobs WHERE job_id = ?1",
        "DELETE FROM jobs WHERE job_id = ?1",
    };
    for (const char* sql : kDeletes) {
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached(sql));
      st.BindText(1, id.value());
      PELOTON_RETURN_IF_ERROR(st.Run());
    }
    // Its claim (ClaimJob): whoever holds it can write the job no more.
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st, db_->Cached("DELETE FROM fences WHERE name = ?1"));
    st.BindText(1, internal::JobFence(id.value()));
    return st.Run();
  }));
  claims_.erase(id.value());
  return absl::OkStatus();
}

absl::StatusOr<JobQueryResult> SqlStore::QueryJobs(const JobQuery& query) {
  PELOTON_RETURN_IF_ERROR(ValidateJobQuery(query));
  absl::MutexLock lock(&mu_);
  // WHERE clause and its parameters, in order.
  std::vector<std::string> where;
  std::vector<std::variant<int64_t, std::string>> params;
  const auto param = [&](std::variant<int64_t, std::string> p) {
    params.push_back(std::move(p));
    return absl::StrCat("?", params.size());
  };
  if (query.pool_id.has_value()) where.push_back("pool_id = " + param(query.pool_id->value()));
  if (!query.owner.empty()) where.push_back("owner = " + param(query.owner));
  if (!query.name.empty()) where.push_back(db_->Contains("name", param(query.name)));
  for (const Label& l : query.labels) {
    where.push_back(
        absl::StrCat("EXISTS (SELECT 1 FROM job_labels l WHERE l.job_id = jobs.job_id AND l.key = ",
                     param(l.key), " AND l.value = ", param(l.value), ")"));
  }
  for (const std::string& k : query.keywords) {
    const std::string p = param(k);
    where.push_back(absl::StrCat("(", db_->Contains("name", p), " OR ", db_->Contains("owner", p),
                                 " OR EXISTS (SELECT 1 FROM job_labels l WHERE l.job_id = "
                                 "jobs.job_id AND (",
                                 db_->Contains("l.key", p), " OR ", db_->Contains("l.value", p),
                                 ")))"));
  }
  if (!query.states.empty()) {
    std::vector<std::string> states;
    for (JobState s : query.states) states.push_back(absl::StrCat(static_cast<int>(s)));
    where.push_back(absl::StrCat("state IN (", absl::StrJoin(states, ", "), ")"));
  }
  if (query.creation_time.has_value()) {
    where.push_back(
        absl::StrCat("creation_time >= ", param(absl::ToUnixMicros(query.creation_time->min)),
                     " AND creation_time < ", param(absl::ToUnixMicros(query.creation_time->max))));
  }
  if (query.completion_time.has_value()) {
    where.push_back(absl::StrCat("completion_time != 0 AND completion_time >= ",
                                 param(absl::ToUnixMicros(query.completion_time->min)),
                                 " AND completion_time < ",
                                 param(absl::ToUnixMicros(query.completion_time->max))));
  }
  const std::string where_sql =
      where.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(where, " AND "));

  std::vector<std::string> order;
  for (const JobOrder& o : query.order_by) {
    static constexpr const char* kColumns[] = {"creation_time", "completion_time", "update_time",
                                               "name",          "owner",           "state"};
    order.push_back(
        absl::StrCat(kColumns[static_cast<int>(o.field)], o.descending ? " DESC" : " ASC"));
  }
  if (order.empty()) order.push_back("creation_time DESC");
  order.push_back("job_id ASC");

  const auto bind_all = [&](SqlStatement& st) {
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        st.BindInt(static_cast<int>(i) + 1, *n);
      } else {
        st.BindText(static_cast<int>(i) + 1, std::get<std::string>(params[i]));
      }
    }
  };

  JobQueryResult result;
  PELOTON_RETURN_IF_ERROR(Transact(TxnKind::kRead, [&]() -> absl::Status {
    result = JobQueryResult();
    {
      PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
                               db_->Prepare(absl::StrCat("SELECT COUNT(*) FROM jobs", where_sql)));
      bind_all(st);
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      if (row) result.total = static_cast<uint64_t>(st.Int(0));
    }
    PELOTON_ASSIGN_OR_RETURN(
        SqlStatement st,
        db_->Prepare(absl::StrCat("SELECT ", JobColumnList(), " FROM jobs", where_sql, " ORDER BY ",
                                  absl::StrJoin(order, ", "), " LIMIT ", query.limit, " OFFSET ",
                                  query.offset)));
    bind_all(st);
    while (true) {
      PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
      if (!row) return absl::OkStatus();
      JobSummary& job = result.jobs.emplace_back();
      if (absl::Status s = ReadJob(st, job); !s.ok()) return Corrupt(Job(job.id), s);
    }
  }));
  return result;
}

absl::Status SqlStore::RemoveActiveJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  absl::MutexLock lock(&mu_);
  return TransactJob(id, [&]() -> absl::Status {
    PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
                             db_->Cached("DELETE FROM active_jobs WHERE job_id = ?1"));
    st.BindText(1, id.value());
    return st.Run();
  });
}

absl::Status SqlStore::AddActiveJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_id", id.value()));
  absl::MutexLock lock(&mu_);
  return TransactJob(id, [&]() -> absl::Status {
    PELOTON_RETURN_IF_ERROR(CheckJobExists(id));
    PELOTON_ASSIGN_OR_RETURN(
        SqlStatement st,
        db_->Cached("INSERT INTO active_jobs (job_id) VALUES (?1) ON CONFLICT DO NOTHING"));
    st.BindText(1, id.value());
    return st.Run();
  });
}

absl::StatusOr<std::vector<JobId>> SqlStore::ListActiveJobs() {
  absl::MutexLock lock(&mu_);
  PELOTON_ASSIGN_OR_RETURN(SqlStatement st,
                           db_->Cached("SELECT job_id FROM active_jobs ORDER BY job_id"));
  std::vector<JobId> ids;
  while (true) {
    PELOTON_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    ids.emplace_back(std::string(st.Text(0)));
  }
  return ids;
}

}  // namespace peloton::store
