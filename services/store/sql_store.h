// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The Store over SQL, once for every database: SqliteStore (sqlite_store.h) and PgStore
// (pg_store.h) open, check and migrate their database, then hand this its connection. Each call
// is one transaction; a write transaction that lost a race the database detected (PostgreSQL's
// serialization failures) is run again, so that callers see each call as if it ran alone. The
// record families live in files of their own: sql_store_{pools,jobs,tasks,workflows,hosts}.cc;
// the columns of every record in sql_rows.h.
//
// Thread-safety: calls are serialized on the one connection.

#ifndef PELOTON_SERVICES_STORE_SQL_STORE_H_
#define PELOTON_SERVICES_STORE_SQL_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "services/store/sql_db.h"
#include "services/store/store.h"

namespace peloton::store {

// One step of a schema's history. Versions count 1, 2, 3, ...; a released migration never
// changes, a schema change is a new migration (one for each database).
struct SqlMigration {
  int version;
  const char* description;
  const char* sql;
};

// InvalidArgument unless the versions count 1, 2, 3, ... without gaps.
absl::Status CheckMigrations(absl::Span<const SqlMigration> migrations);

class SqlStore : public Store {
 public:
  // Rows committed by WriteTaskRuntimes and AddPodEvents, and their transactions, since Open.
  struct Stats {
    uint64_t task_runtime_rows = 0;
    uint64_t pod_event_rows = 0;
    uint64_t batches = 0;
    // Write transactions run again after losing a race (PostgreSQL).
    uint64_t retries = 0;
  };
  Stats stats() const {
    absl::MutexLock lock(&mu_);
    return stats_;
  }

  // The defaults of the overrides are the interface's.
  absl::Status CreatePool(const PoolRecord& pool) override;
  absl::Status UpdatePool(const PoolRecord& pool) override;
  absl::Status DeletePool(const PoolId& id) override;
  absl::StatusOr<PoolRecord> GetPool(const PoolId& id) override;
  absl::StatusOr<PoolRecord> GetPoolByPath(absl::string_view path) override;
  absl::StatusOr<std::vector<PoolRecord>> ListPools() override;

  absl::Status CreateJob(const JobConfigRecord& config, JobRuntime& runtime) override;
  absl::Status AddJobConfig(const JobConfigRecord& config) override;
  absl::StatusOr<JobConfigRecord> GetJobConfig(const JobId& id, int64_t version = 0) override;
  absl::Status WriteJobRuntime(const JobId& id, JobRuntime& runtime) override;
  absl::StatusOr<JobSummary> GetJob(const JobId& id) override;
  absl::Status DeleteJob(const JobId& id) override;
  absl::StatusOr<JobQueryResult> QueryJobs(const JobQuery& query) override;
  absl::Status RemoveActiveJob(const JobId& id) override;
  absl::Status AddActiveJob(const JobId& id) override;
  absl::StatusOr<std::vector<JobId>> ListActiveJobs() override;

  using Store::WriteTaskRuntimes;
  absl::Status WriteTaskRuntimes(const JobId& id, absl::Span<TaskRuntime* const> runtimes) override;
  absl::StatusOr<TaskRuntime> GetTaskRuntime(const JobId& id, uint32_t instance) override;
  absl::StatusOr<std::vector<TaskRuntime>> ListTaskRuntimes(
      const JobId& id, const TaskRuntimeFilter& filter = {}) override;

  absl::Status AddPodEvents(const JobId& id, absl::Span<const PodEvent> events) override;
  absl::StatusOr<std::vector<PodEvent>> GetPodEvents(const JobId& id, uint32_t instance,
                                                     const PodEventQuery& query = {}) override;
  absl::Status DeletePodEvents(const JobId& id, uint32_t instance, int64_t from_run,
                               int64_t to_run) override;

  absl::Status CreateUpdate(UpdateRecord& update) override;
  absl::Status WriteUpdate(UpdateRecord& update) override;
  absl::StatusOr<UpdateRecord> GetUpdate(absl::string_view update_id) override;
  absl::StatusOr<std::vector<UpdateRecord>> ListUpdates(const JobId& job,
                                                        uint32_t limit = 0) override;
  absl::Status DeleteUpdate(absl::string_view update_id) override;
  absl::StatusOr<std::vector<UpdateEvent>> GetUpdateEvents(absl::string_view update_id) override;
  absl::Status AddInstanceWorkflowEvents(absl::string_view update_id,
                                         absl::Span<const InstanceWorkflowEvent> events) override;
  absl::StatusOr<std::vector<InstanceWorkflowEvent>> GetInstanceWorkflowEvents(
      absl::string_view update_id, uint32_t instance, uint32_t limit = 0) override;

  absl::Status WriteHost(HostRecord& host) override;
  absl::StatusOr<HostRecord> GetHost(absl::string_view hostname) override;
  absl::StatusOr<std::vector<HostRecord>> ListHosts(
      absl::Span<const HostState> states = {}) override;
  absl::Status DeleteHost(absl::string_view hostname) override;

  absl::Status SetFramework(const FrameworkRecord& framework) override;
  absl::StatusOr<FrameworkRecord> GetFramework(absl::string_view name) override;

  absl::StatusOr<int64_t> TakeFence(absl::string_view name, absl::string_view holder) override;
  void EnforceJobClaims() override;
  absl::StatusOr<int64_t> ClaimJob(const JobId& id, absl::string_view holder) override;
  void ReleaseJob(const JobId& id) override;

 protected:
  explicit SqlStore(std::unique_ptr<internal::SqlDb> db) : db_(std::move(db)) {}

 private:
  // What a write is of, for job claims (ClaimJob): a job, or a workflow (of its job); neither
  // for a write that is not of a job.
  struct Subject {
    const JobId* job = nullptr;
    absl::string_view update_id;
  };
  // Runs `body` in a transaction of `kind` and commits it. A write first checks the fence this
  // store took, if any (TakeFence), and the claim of its subject's job when claims are
  // enforced. A transaction that lost a race the database detected runs again, up to kAttempts
  // times in all; `body` must start from scratch each time (assign its results, not append to
  // them).
  static constexpr int kAttempts = 10;
  absl::Status Transact(internal::TxnKind kind, absl::FunctionRef<absl::Status()> body,
                        const Subject& subject) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Transact(internal::TxnKind kind, absl::FunctionRef<absl::Status()> body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return Transact(kind, body, Subject());
  }
  absl::Status TransactJob(const JobId& job, absl::FunctionRef<absl::Status()> body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return Transact(internal::TxnKind::kWrite, body, {.job = &job});
  }
  absl::Status TransactWorkflow(absl::string_view update_id, absl::FunctionRef<absl::Status()> body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return Transact(internal::TxnKind::kWrite, body, {.update_id = update_id});
  }

  // The job's key in task_runtimes and its instance count; NotFound if there is no such job.
  struct JobKey {
    int64_t key;
    uint32_t instance_count;
  };
  absl::StatusOr<JobKey> LookupJob(const JobId& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckJobExists(const JobId& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckUpdateExists(absl::string_view update_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Inserts a config version and its labels (the newest config's, for queries).
  absl::Status InsertJobConfig(const JobConfigRecord& config) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AppendUpdateEvent(const UpdateRecord& update) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads every row of `st` (a SELECT of the updates columns and version).
  absl::StatusOr<std::vector<UpdateRecord>> ReadUpdates(internal::SqlStatement& st)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // DataLoss for a stored record that cannot be decoded, naming the database and the record.
  absl::Status Corrupt(absl::string_view what, const absl::Status& status) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // FailedPrecondition ("fenced: ...") unless the fence `name` is still at `epoch`; `what`
  // says what the holder loses ("another one leads now").
  absl::Status CheckFence(absl::string_view name, int64_t epoch, absl::string_view what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The subject's job's claim, when claims are enforced (FailedPrecondition "fenced: ...").
  absl::Status CheckClaim(const Subject& subject) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Raises the fence `name` for `holder` in a transaction of its own; returns its epoch.
  absl::StatusOr<int64_t> RaiseFence(absl::string_view name, absl::string_view holder)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  // The fence this store took (TakeFence), and its epoch; 0: none.
  std::string fence_ ABSL_GUARDED_BY(mu_);
  int64_t fence_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  // The jobs this store claimed (ClaimJob), and their epochs.
  bool claims_enforced_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, int64_t> claims_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<internal::SqlDb> db_ ABSL_GUARDED_BY(mu_) ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace peloton::store

#endif  // PELOTON_SERVICES_STORE_SQL_STORE_H_
