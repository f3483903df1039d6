// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The Store: everything the services persist (reference §1.3), behind one interface so that the
// embedded SQLite store and the PostgreSQL store are interchangeable.
//
//   resource pools          by id and by path; the config is opaque bytes owned by resmgr
//   jobs                    one config per version (opaque bytes plus the fields queries need),
//                           a runtime with an optimistic version, the active-jobs index
//   task runtimes           one per instance, written in batches (one transaction per batch)
//   pod events              per instance and run, newest first
//   update workflows        the workflow record (versioned), its state history, and the
//                           per-instance progress events
//   hosts                   maintenance state and host pool (versioned)
//   frameworks              the Mesos framework id and stream id, by framework name
//
// Optimistic concurrency. Every mutable record carries `version`: the version the caller last
// read (0 for a record that does not exist yet). A write succeeds only if the stored version is
// still that one; it then stores version + 1 and bumps the caller's copy. Otherwise it fails
// with Aborted (the caller must re-read and redo its read-modify-write) and stores nothing.
// This is what lets several job managers share one store.
//
// Errors (absl::Status): InvalidArgument names the field and the rule; NotFound and
// AlreadyExists name the record; Aborted is a version conflict; Unavailable means the store was
// busy (retry later); DataLoss means the backing file is corrupt or not a store. A failed call
// leaves the store as it was: every call is one transaction.
//
// Thread-safety: implementations are safe to call from several threads.

#ifndef PELOTON_SERVICES_STORE_STORE_H_
#define PELOTON_SERVICES_STORE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "peloton/common/compact_string.h"
#include "peloton/common/compact_time.h"
#include "peloton/common/ids.h"
#include "peloton/taskfsm/enums.h"

namespace peloton::store {

using taskfsm::HealthState;
using taskfsm::HostState;
using taskfsm::JobState;
using taskfsm::JobType;
using taskfsm::TaskState;
using taskfsm::UpdateState;
using taskfsm::WorkflowType;

struct Label {
  std::string key;
  std::string value;
  friend bool operator==(const Label& a, const Label& b) {
    return a.key == b.key && a.value == b.value;
  }
};

// ---------------------------------------------------------------------------------------------
// Records

struct PoolRecord {
  PoolId id;
  std::string path;    // "/infra/batch"; unique
  std::string config;  // serialized pool config (encoding chosen by resmgr)
  std::string owner;
  absl::Time create_time = absl::UnixEpoch();
  absl::Time update_time = absl::UnixEpoch();
};

// One version of a job's configuration: the opaque config plus the fields that queries filter
// on. The newest version's fields are the job's (name, owner, pool, labels, ...).
struct JobConfigRecord {
  JobId job_id;
  int64_t version = 1;  // config versions count 1, 2, 3, ... with no gaps
  std::string config;   // serialized JobConfig (encoding chosen by jobmgr)
  std::string name;
  std::string owner;
  PoolId pool_id;
  JobType type = JobType::kBatch;
  uint32_t instance_count = 0;
  std::vector<Label> labels;
  absl::Time create_time = absl::UnixEpoch();
};

struct JobRuntime {
  JobState state = JobState::kUninitialized;
  JobState goal_state = JobState::kSucceeded;
  int64_t config_version = 1;
  int64_t desired_config_version = 1;
  std::string update_id;  // the job's current workflow, if any
  absl::Time creation_time = absl::UnixEpoch();
  absl::Time start_time = absl::UnixEpoch();
  absl::Time completion_time = absl::UnixEpoch();  // epoch while not terminal
  absl::Time update_time = absl::UnixEpoch();
  std::string info;  // opaque extras (task counts, resource usage, ...)
  int64_t version = 0;
  // The v1alpha entity version's other parts ("<config>-<desired state>-<workflow>",
  // reference §3.9): the desired state's goes up with each start, stop and delete of the job,
  // the workflow's with each workflow made, paused, resumed or aborted.
  int64_t desired_state_version = 1;
  int64_t workflow_version = 1;
};

// What Get and Query return: the newest config's fields and the runtime.
struct JobSummary {
  JobId id;
  std::string name;
  std::string owner;
  PoolId pool_id;
  JobType type = JobType::kBatch;
  uint32_t instance_count = 0;
  std::vector<Label> labels;
  JobRuntime runtime;
};

// A job manager holds one of these per task (a million at scale): the fields that are 4 bytes
// come first, together (padding between them cost 12 bytes each), and the strings that are
// mostly empty or rarely read are CompactStrings (8 bytes where std::string takes 32).
struct TaskRuntime {
  uint32_t instance_id = 0;
  TaskState state = TaskState::kInitialized;
  TaskState goal_state = TaskState::kSucceeded;
  HealthState healthy = HealthState::kInvalid;
  uint32_t failure_count = 0;
  CompactString mesos_task_id;  // "<job>-<instance>-<run>"
  // The run the goal-state engine wants; empty when it is mesos_task_id (the usual case, kept
  // empty so that a million tasks do not hold a second copy of their id).
  CompactString desired_mesos_task_id;
  // Where the run was placed; empty until then. The job manager shares one block per host
  // among its tasks (and the agent id, the same name, with the host).
  CompactString host;
  CompactString agent_id;
  // The host the task must run on; empty: any. A daemon instance's host (and, with volumes,
  // the host that holds its data): it is placed there only, and kept when it is restarted.
  CompactString desired_host;
  int64_t config_version = 1;
  int64_t desired_config_version = 1;
  CompactString reason;
  CompactString message;
  // 8 bytes each, to the microsecond as stored (an absl::Time is 16).
  CompactTime start_time;  // the Unix epoch: not started
  CompactTime completion_time;
  CompactString info;  // opaque extras (ports, termination status, ...)
  int64_t version = 0;
};

struct TaskRuntimeFilter {
  std::vector<TaskState> states;  // empty: any state
  uint32_t from_instance = 0;     // instances in [from_instance, to_instance)
  uint32_t to_instance = UINT32_MAX;
};

// One state transition of one run of one instance.
struct PodEvent {
  uint32_t instance_id = 0;
  int64_t run_id = 0;  // the <run> of the Mesos task id; > 0
  TaskState actual_state = TaskState::kUnknown;
  TaskState goal_state = TaskState::kUnknown;
  // Strings as the task runtime's (CompactString): an event made from a runtime shares their
  // blocks instead of copying the characters.
  CompactString mesos_task_id;
  CompactString host;
  CompactString agent_id;
  int64_t config_version = 0;
  int64_t desired_config_version = 0;
  int64_t desired_run_id = 0;
  HealthState healthy = HealthState::kInvalid;
  CompactString reason;
  CompactString message;
  absl::Time time = absl::UnixEpoch();
};

struct PodEventQuery {
  int64_t run_id = 0;      // 0: the newest `max_runs` runs; otherwise only this run
  uint32_t max_runs = 10;  // Peloton's default for GetPodEvents
};

struct UpdateRecord {
  std::string update_id;
  JobId job_id;
  WorkflowType type = WorkflowType::kUpdate;
  UpdateState state = UpdateState::kInitialized;
  UpdateState prev_state = UpdateState::kInvalid;
  std::string options;  // serialized UpdateConfig
  int64_t config_version = 0;
  int64_t prev_config_version = 0;
  uint32_t instances_total = 0;
  uint32_t instances_done = 0;
  uint32_t instances_failed = 0;
  std::vector<uint32_t> instances_current;
  std::vector<uint32_t> instances_added;
  std::vector<uint32_t> instances_updated;
  std::vector<uint32_t> instances_removed;
  std::string opaque_data;
  absl::Time creation_time = absl::UnixEpoch();
  absl::Time update_time = absl::UnixEpoch();
  absl::Time completion_time = absl::UnixEpoch();
  int64_t version = 0;
};

// The workflow's state history: one entry per state it entered (written by the store).
struct UpdateEvent {
  UpdateState state = UpdateState::kInvalid;
  absl::Time time = absl::UnixEpoch();
};

// Progress of one instance through a workflow.
struct InstanceWorkflowEvent {
  uint32_t instance_id = 0;
  WorkflowType type = WorkflowType::kUpdate;
  UpdateState state = UpdateState::kInvalid;
  absl::Time time = absl::UnixEpoch();
};

struct HostRecord {
  std::string hostname;
  std::string ip;
  HostState state = HostState::kUp;
  HostState goal_state = HostState::kUp;
  std::vector<Label> labels;
  std::string current_pool;
  std::string desired_pool;
  int64_t version = 0;
};

struct FrameworkRecord {
  std::string name;  // the framework name, e.g. "Peloton"
  std::string framework_id;
  std::string stream_id;
};

// ---------------------------------------------------------------------------------------------
// Job queries (v0 JobManager.Query)

struct TimeRange {
  absl::Time min = absl::InfinitePast();    // inclusive
  absl::Time max = absl::InfiniteFuture();  // exclusive
};

enum class JobOrderField { kCreationTime, kCompletionTime, kUpdateTime, kName, kOwner, kState };

struct JobOrder {
  JobOrderField field = JobOrderField::kCreationTime;
  bool descending = true;
};

struct JobQuery {
  std::optional<PoolId> pool_id;
  std::string owner;                  // exact match; "" matches any
  std::string name;                   // substring of the job name; "" matches any
  std::vector<Label> labels;          // the job has every one of them
  std::vector<std::string> keywords;  // each is a substring of the name, owner or a label
  std::vector<JobState> states;       // empty: any state
  std::optional<TimeRange> creation_time;
  std::optional<TimeRange> completion_time;  // only jobs that completed
  uint32_t offset = 0;
  uint32_t limit = 100;
  std::vector<JobOrder> order_by;  // empty: newest creation time first; ties by job id
};

inline constexpr uint32_t kMaxQueryLimit = 10'000;

struct JobQueryResult {
  std::vector<JobSummary> jobs;
  uint64_t total = 0;  // matches before offset and limit
};

// ---------------------------------------------------------------------------------------------

class Store {
 public:
  virtual ~Store() = default;

  // Resource pools. Create: AlreadyExists if the id or the path is taken. Update: NotFound if
  // the id is unknown, AlreadyExists if the new path is another pool's.
  virtual absl::Status CreatePool(const PoolRecord& pool) = 0;
  virtual absl::Status UpdatePool(const PoolRecord& pool) = 0;
  virtual absl::Status DeletePool(const PoolId& id) = 0;
  virtual absl::StatusOr<PoolRecord> GetPool(const PoolId& id) = 0;
  virtual absl::StatusOr<PoolRecord> GetPoolByPath(absl::string_view path) = 0;
  virtual absl::StatusOr<std::vector<PoolRecord>> ListPools() = 0;  // by path

  // Jobs. CreateJob writes config version 1, the runtime (version 0 -> 1) and the active-jobs
  // entry in one transaction; AlreadyExists if the job exists.
  virtual absl::Status CreateJob(const JobConfigRecord& config, JobRuntime& runtime) = 0;
  // Adds the next config version: `config.version` must be the newest + 1 (else Aborted).
  // The job's queryable fields become this version's.
  virtual absl::Status AddJobConfig(const JobConfigRecord& config) = 0;
  // version 0: the newest.
  virtual absl::StatusOr<JobConfigRecord> GetJobConfig(const JobId& id, int64_t version = 0) = 0;
  virtual absl::Status WriteJobRuntime(const JobId& id, JobRuntime& runtime) = 0;
  virtual absl::StatusOr<JobSummary> GetJob(const JobId& id) = 0;
  // Removes the job and everything of it: configs, runtime, tasks, pod events, workflows.
  virtual absl::Status DeleteJob(const JobId& id) = 0;
  virtual absl::StatusOr<JobQueryResult> QueryJobs(const JobQuery& query) = 0;

  // The active-jobs index read by recovery: a job is in it from CreateJob until removed here
  // (removing a job that is not in it is not an error: goal-state actions repeat).
  virtual absl::Status RemoveActiveJob(const JobId& id) = 0;
  // Puts a job back (its tasks were started again); NotFound if the job does not exist.
  virtual absl::Status AddActiveJob(const JobId& id) = 0;
  virtual absl::StatusOr<std::vector<JobId>> ListActiveJobs() = 0;

  // Task runtimes: the whole batch in one transaction, all or nothing. Each runtime's version is
  // the one last read (0: the instance is new). On success every version is bumped.
  // InvalidArgument if an instance appears twice in the batch; NotFound if the job is unknown.
  // By pointer: a job manager writes the runtimes it holds where they are, not copies.
  virtual absl::Status WriteTaskRuntimes(const JobId& id,
                                         absl::Span<TaskRuntime* const> runtimes) = 0;
  // The same for runtimes side by side. (A store that overrides the other adds
  // `using Store::WriteTaskRuntimes;`.)
  absl::Status WriteTaskRuntimes(const JobId& id, absl::Span<TaskRuntime> runtimes);
  virtual absl::StatusOr<TaskRuntime> GetTaskRuntime(const JobId& id, uint32_t instance) = 0;
  // By instance id.
  virtual absl::StatusOr<std::vector<TaskRuntime>> ListTaskRuntimes(
      const JobId& id, const TaskRuntimeFilter& filter = {}) = 0;

  // Pod events: appended in one transaction; read newest run first, newest event first.
  virtual absl::Status AddPodEvents(const JobId& id, absl::Span<const PodEvent> events) = 0;
  virtual absl::StatusOr<std::vector<PodEvent>> GetPodEvents(const JobId& id, uint32_t instance,
                                                             const PodEventQuery& query = {}) = 0;
  // Deletes the events of runs in [from_run, to_run).
  virtual absl::Status DeletePodEvents(const JobId& id, uint32_t instance, int64_t from_run,
                                       int64_t to_run) = 0;

  // Workflows. Create: version 0 -> 1, AlreadyExists if the id is taken, NotFound if the job is
  // unknown. Write: versioned; a change of state appends to the workflow's history.
  virtual absl::Status CreateUpdate(UpdateRecord& update) = 0;
  virtual absl::Status WriteUpdate(UpdateRecord& update) = 0;
  virtual absl::StatusOr<UpdateRecord> GetUpdate(absl::string_view update_id) = 0;
  // Newest first; limit 0: all.
  virtual absl::StatusOr<std::vector<UpdateRecord>> ListUpdates(const JobId& job,
                                                                uint32_t limit = 0) = 0;
  virtual absl::Status DeleteUpdate(absl::string_view update_id) = 0;
  // Oldest first.
  virtual absl::StatusOr<std::vector<UpdateEvent>> GetUpdateEvents(absl::string_view update_id) = 0;
  virtual absl::Status AddInstanceWorkflowEvents(
      absl::string_view update_id, absl::Span<const InstanceWorkflowEvent> events) = 0;
  // Newest first; limit 0: all.
  virtual absl::StatusOr<std::vector<InstanceWorkflowEvent>> GetInstanceWorkflowEvents(
      absl::string_view update_id, uint32_t instance, uint32_t limit = 0) = 0;

  // Hosts: versioned like runtimes (0: a new host). List: by hostname; empty states: all.
  virtual absl::Status WriteHost(HostRecord& host) = 0;
  virtual absl::StatusOr<HostRecord> GetHost(absl::string_view hostname) = 0;
  virtual absl::StatusOr<std::vector<HostRecord>> ListHosts(
      absl::Span<const HostState> states = {}) = 0;
  virtual absl::Status DeleteHost(absl::string_view hostname) = 0;

  // Framework registration (hostmgr): written whole, NotFound until first written.
  virtual absl::Status SetFramework(const FrameworkRecord& framework) = 0;
  virtual absl::StatusOr<FrameworkRecord> GetFramework(absl::string_view name) = 0;

  // Fencing: a process that leads (a job manager elected in ZooKeeper) takes the fence `name`
  // for `holder` (its address, for messages), which raises the fence's epoch by one and
  // returns it. From then on every write of this Store object checks, in its own transaction,
  // that the fence is still at that epoch: once a successor has taken it, each write fails
  // with FailedPrecondition (naming the fence, the holder and both epochs) and writes nothing,
  // so a deposed leader cannot overwrite its successor's writes. Reads are not fenced.
  virtual absl::StatusOr<int64_t> TakeFence(absl::string_view name, absl::string_view holder) = 0;

  // Job claims: the same fencing, one fence per job, for job managers that share the jobs
  // (all-active, issue 19: each job has one owner at a time). After EnforceJobClaims, every
  // write of this Store object that is of a job (its configs, runtime, active-jobs entry,
  // tasks, pod events, workflows and their events, its deletion) must be of a job it claimed:
  // ClaimJob(id, holder) raises the job's epoch by one and returns it (a job that does not exist
  // yet may be claimed, to create it), and the write checks in its own transaction that the
  // epoch is still that one. A write of a job this object has not claimed, or whose claim
  // another has taken since, fails with FailedPrecondition ("fenced: ...", IsFenced) and writes
  // nothing. ReleaseJob forgets a claim (the job's later writes here are refused); deleting the
  // job removes its claim everywhere. Writes of pools, hosts and frameworks are not of a job.
  virtual void EnforceJobClaims() = 0;
  virtual absl::StatusOr<int64_t> ClaimJob(const JobId& id, absl::string_view holder) = 0;
  virtual void ReleaseJob(const JobId& id) = 0;
};

// ---------------------------------------------------------------------------------------------
// Validation shared by every implementation: InvalidArgument naming the field and the rule.

absl::Status ValidatePool(const PoolRecord& pool);
absl::Status ValidateJobConfig(const JobConfigRecord& config);
absl::Status ValidateJobRuntime(const JobRuntime& runtime);
absl::Status ValidateTaskRuntimes(absl::Span<TaskRuntime* const> runtimes);
absl::Status ValidatePodEvents(absl::Span<const PodEvent> events);
absl::Status ValidateUpdate(const UpdateRecord& update);
absl::Status ValidateInstanceWorkflowEvents(absl::Span<const InstanceWorkflowEvent> events);
absl::Status ValidateHost(const HostRecord& host);
absl::Status ValidateFramework(const FrameworkRecord& framework);
absl::Status ValidateJobQuery(const JobQuery& query);
absl::Status ValidateId(absl::string_view field, absl::string_view id);

// Whether `status` is a write refused by a fence (Store::TakeFence): the process no longer
// leads and must stop; or by a job's (Store::ClaimJob): the job has another owner now.
bool IsFenced(const absl::Status& status);

}  // namespace peloton::store

#endif  // PELOTON_SERVICES_STORE_STORE_H_
