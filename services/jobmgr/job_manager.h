// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The job manager component (reference §1.4): validates and stores jobs, turns their tasks into
// gangs for the resource manager, launches what placement placed through the host manager,
// and follows each task's status: runtime, pod events per run, retries by the restart policy,
// the job's state from its tasks'. Changes are kept in memory and written once per tick by
// Flush (one transaction per job's task runtimes), so a 10,000-task job is a handful of
// transactions. After a restart, Recover rebuilds the active jobs from the store and
// reconciles their tasks with the backend.
//
// Batch jobs (v0 API). Thread-compatible: the master's loop owns it.

#ifndef PELOTON_SERVICES_JOBMGR_JOB_MANAGER_H_
#define PELOTON_SERVICES_JOBMGR_JOB_MANAGER_H_

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/backend/backend.h"
#include "services/hostmgr/host_manager_api.h"
#include "services/jobmgr/job_config.h"
#include "services/placement/placement_engine.h"
#include "services/resmgr/resource_manager_api.h"
#include "services/store/store.h"

namespace peloton::jobmgr {

struct JobManagerOptions {
  JobConfigLimits limits;
  // A task still KILLING (or PREEMPTING) this long after its kill grace period is shut down
  // by force (reference §3.6, executor_shutdown).
  absl::Duration kill_timeout_margin = absl::Seconds(30);
  // The job manager's clock: every time it records (job and task times, pod events) and every
  // timer it keeps (deadlines, kills). A task's start time is when the job manager learns it
  // runs, not the cluster manager's timestamp, so a cluster clock far from ours cannot make a
  // deadline fire early or late. A simulation gives its simulated clock; empty means absl::Now.
  std::function<absl::Time()> now = &absl::Now;
};

struct JobView {
  JobId id;
  job_pb::JobConfig config;
  store::JobRuntime runtime;
  std::array<uint32_t, taskfsm::kNumTaskStates> task_counts{};  // by TaskState
};

class JobManager {
 public:
  JobManager(store::Store& store, resmgr::ResourceManagerApi& resmgr,
             hostmgr::HostManagerApi& hostmgr, absl::BitGenRef gen, JobManagerOptions options = {});

  // After a start: the active jobs from the store, their running tasks reconciled with the
  // backend, their waiting tasks queued again.
  absl::Status Recover();
  // After the resource manager restarted (it lost its queues and what admitted tasks hold):
  // tasks on hosts hold their resources in their pools again, waiting tasks are queued again.
  absl::Status ResyncPools();
  // After the host manager restarted: every task on a host is reconciled again.
  void ResyncHosts();

  // v0 JobManager.Create: `config.respoolID` names a leaf pool. Stores the job and its tasks
  // (INITIALIZED) and queues its gangs (PENDING). Nothing is stored if it fails.
  absl::StatusOr<JobId> CreateJob(job_pb::JobConfig config);
  // v0 JobManager.Update: adds instances, the one change Peloton allows (ValidateJobUpdate).
  // The config is stored as the next version; the new instances start as a new job's do, and
  // a terminal job becomes active again. An empty respoolID keeps the job's pool. Returns how
  // many instances were added (0: nothing changed). If the new tasks cannot be written after
  // the config was, the next load of the job writes them.
  absl::StatusOr<uint32_t> UpdateJob(const JobId& id, job_pb::JobConfig config);
  absl::StatusOr<JobView> GetJob(const JobId& id);
  absl::StatusOr<store::JobQueryResult> QueryJobs(const store::JobQuery& query);
  // FailedPrecondition unless the job is terminal.
  absl::Status DeleteJob(const JobId& id);
  // Every task's goal becomes KILLED: queued tasks leave their queues, running ones are killed.
  absl::Status StopJob(const JobId& id);
  // The same for instances [from, to); the job's goal becomes KILLED once every task's is.
  absl::Status StopTasks(const JobId& id, uint32_t from, uint32_t to);
  // Runs stopped, failed or lost instances of [from, to) again, as new runs (SUCCEEDED ones are
  // done and stay so); a terminal job becomes active again.
  absl::Status StartTasks(const JobId& id, uint32_t from, uint32_t to);
  // Running instances of [from, to) are killed and run again as new runs; ended ones are
  // started (as StartTasks).
  absl::Status RestartTasks(const JobId& id, uint32_t from, uint32_t to);
  // Instances in [from, to).
  // The job's config (from the cache or the store).
  absl::StatusOr<job_pb::JobConfig> ConfigOf(const JobId& id);
  absl::StatusOr<std::vector<store::PodEvent>> PodEvents(const JobId& id, uint32_t instance,
                                                         uint32_t runs);
  absl::StatusOr<std::vector<store::TaskRuntime>> ListTasks(const JobId& id, uint32_t from = 0,
                                                            uint32_t to = UINT32_MAX);

  // Placement's view of a task waiting for a host (by Mesos task id); NotFound otherwise.
  absl::StatusOr<placement::TaskSpec> TaskSpecOf(const std::string& task_id) const;
  void Launch(std::vector<placement_engine::PlacedGang> placed);
  // Gangs placement gave up on because a task no longer waits for a host (stopped, or
  // preempted before launch): stopped tasks end KILLED, the others are queued again.
  void Dropped(const std::vector<resmgr::ReadyGang>& gangs);
  void OnStatus(const backend::TaskStatus& status);
  // Tasks the resource manager chose to preempt. Launched ones are killed, then queued again as
  // a new run, or, with preemptionPolicy.killOnPreempt, left KILLED (goal PREEMPTING); admitted
  // ones not launched yet leave placement and are queued again.
  void Preempt(const std::vector<std::string>& task_ids,
               taskfsm::PreemptionReason reason = taskfsm::PreemptionReason::kRevokeResources);
  // Host maintenance (reference §6.1, the evictor): the tasks on draining hosts are preempted
  // (HOST_MAINTENANCE) and run again elsewhere, so that the hosts empty and go down.
  void EvictFromDrainingHosts();
  // Kills the running tasks of batch jobs that have run longer than sla.maxRunningTime
  // (reason DEADLINE_TIMEOUT_EXCEEDED; not retried).
  void CheckDeadlines();
  // Shuts down, by force, the tasks a kill has not ended after their grace period and the
  // margin (once each; the host manager's backend decides how: Mesos, SHUTDOWN of the
  // executor).
  void CheckKillTimeouts();

  // Writes what changed since the last call.
  absl::Status Flush();

 private:
  struct Job {
    JobId id;
    job_pb::JobConfig config;
    store::JobRuntime runtime;
    std::vector<store::TaskRuntime> tasks;  // by instance
    // Tasks per state, kept by SetTaskState, so that a job's state costs O(1) per change.
    std::array<uint32_t, taskfsm::kNumTaskStates> counts{};
    bool controller = false;  // instance 0 is a controller task
    absl::btree_set<uint32_t> dirty;
    std::vector<store::PodEvent> events;
    bool runtime_dirty = false;
    bool deactivate = false;  // reached a terminal state: leaves the active-jobs index
  };

  absl::StatusOr<Job> LoadJob(const JobId& id);
  static void Recount(Job& job);
  void StopTask(Job& job, uint32_t instance);
  absl::Status EnqueueTasks(Job& job, const std::vector<uint32_t>& instances);
  // Queues INITIALIZED tasks while sla.maximumRunningInstances allows.
  absl::Status StartMore(Job& job);
  void TaskEnded(Job& job, uint32_t instance, taskfsm::TaskState state, const std::string& reason,
                 const std::string& message);
  void Restart(Job& job, uint32_t instance);
  void SetTaskState(Job& job, uint32_t instance, taskfsm::TaskState state,
                    const std::string& message);
  void UpdateJobState(Job& job);
  // hostmgr Kill, remembered for CheckKillTimeouts.
  void KillTask(const Job& job, uint32_t instance);
  Job* FindByTaskId(const std::string& task_id, uint32_t* instance, uint64_t* run);
  backend::LaunchSpec LaunchSpecOf(const Job& job, uint32_t instance,
                                   const placement::Allocation& allocation) const;

  store::Store& store_;
  resmgr::ResourceManagerApi& resmgr_;
  hostmgr::HostManagerApi& hostmgr_;
  absl::BitGenRef gen_;
  JobManagerOptions options_;
  absl::flat_hash_map<std::string, Job> jobs_;             // active jobs by id
  absl::flat_hash_map<std::string, std::string> gang_of_;  // queued task id -> its gang id
  absl::flat_hash_set<std::string> preempting_;            // task ids being preempted
  // Kills sent, by task id: when, and the task's grace period (CheckKillTimeouts).
  struct KillSent {
    absl::Time at;
    absl::Duration grace;
  };
  absl::flat_hash_map<std::string, KillSent> kills_;
  absl::flat_hash_set<std::string> restarting_;  // killed to run again
  absl::flat_hash_set<std::string> unready_;     // admitted, preempted before launch
};

}  // namespace peloton::jobmgr

#endif  // PELOTON_SERVICES_JOBMGR_JOB_MANAGER_H_
