// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The embedded default Store: one SQLite file in WAL mode.
//
//   PELOTON_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store,
//                            SqliteStore::Open({.path = "/var/lib/peloton/peloton.db"}));
//
// - Durability: WAL with synchronous=NORMAL by default: a committed transaction survives the
//   process being killed at any point; after a power loss the last few commits may be lost
//   (never half of one). synchronous=FULL also keeps those, at the price of an fsync per
//   commit.
// - Schema: versioned migrations recorded in the `schema_migrations` table, applied on Open in
//   one transaction. A file whose schema is newer than this build knows is refused, as is a
//   file that is not a database, is corrupt, or belongs to another application; each error
//   names the file.
// - Concurrency: several processes may open the same file. A writer waits up to
//   `busy_timeout` for another's transaction, then gets Unavailable. Within a process, calls are
//   serialized on one connection.

#ifndef PELOTON_SERVICES_STORE_SQLITE_STORE_H_
#define PELOTON_SERVICES_STORE_SQLITE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/store/sqlite_db.h"
#include "services/store/store.h"

namespace peloton::store {

enum class SqliteSynchronous { kNormal, kFull };

struct SqliteOptions {
  std::string path;  // created if missing
  SqliteSynchronous synchronous = SqliteSynchronous::kNormal;
  absl::Duration busy_timeout = absl::Seconds(5);
};

// One step of the schema's history. Versions count 1, 2, 3, ...; a released migration never
// changes, a schema change is a new migration.
struct SqliteMigration {
  int version;
  const char* description;
  const char* sql;
};

// The schema's history, oldest first.
absl::Span<const SqliteMigration> SqliteMigrations();

// "PELT": marks the file as a Peloton store (SQLite's application_id header field).
inline constexpr int32_t kSqliteApplicationId = 0x50454c54;

class SqliteStore final : public Store {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const SqliteOptions& options);
  // Open with another schema history (tests of the migration machinery).
  static absl::StatusOr<std::unique_ptr<SqliteStore>> OpenWithMigrations(
      const SqliteOptions& options, absl::Span<const SqliteMigration> migrations);

  // The schema version of the open file.
  int schema_version() const { return schema_version_; }
  // Rows committed by WriteTaskRuntimes and AddPodEvents, and their transactions, since Open.
  struct Stats {
    uint64_t task_runtime_rows = 0;
    uint64_t pod_event_rows = 0;
    uint64_t batches = 0;
  };
  Stats stats() const {
    absl::MutexLock lock(&mu_);
    return stats_;
  }
  const std::string& path() const { return path_; }

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

  absl::Status WriteTaskRuntimes(const JobId& id, absl::Span<TaskRuntime> runtimes) override;
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

 private:
  SqliteStore(std::unique_ptr<internal::SqliteDb> db, int schema_version)
      : path_(db->path()), db_(std::move(db)), schema_version_(schema_version) {}

  // The job's key in task_runtimes and its instance count; NotFound if there is no such job.
  struct JobKey {
    int64_t key;
    uint32_t instance_count;
  };
  absl::StatusOr<JobKey> LookupJob(const JobId& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckJobExists(const JobId& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status CheckUpdateExists(absl::string_view update_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status WriteJobIndex(const JobConfigRecord& config) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<UpdateRecord>> ReadUpdates(internal::SqliteStatement& st)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  mutable absl::Mutex mu_;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<internal::SqliteDb> db_ ABSL_GUARDED_BY(mu_) ABSL_PT_GUARDED_BY(mu_);
  const int schema_version_;
};

}  // namespace peloton::store

#endif  // PELOTON_SERVICES_STORE_SQLITE_STORE_H_
