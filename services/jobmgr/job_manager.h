// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The job manager component (reference §1.4): validates and stores jobs, turns their tasks into
// gangs for the resource manager, launches what placement placed through the host manager,
// and follows each task's status: runtime, pod events per run, the job's state from its tasks'.
//
// It is a goal-state engine (reference §3.6): API calls and events change what a task is
// (state, run) or should be (goal state, desired run); the engine then asks taskfsm's tables
// for the action that moves the task towards its goal and runs it (task_engine.cc). Retries,
// throttling, the job's state and the job's own action (untrack, job_kill) come from taskfsm
// too; nothing here decides them a second time.
//
// Changes are kept in memory and written once per tick by Flush (one transaction per job's task
// runtimes), so a 10,000-task job is a handful of transactions. After a restart, Recover
// rebuilds the active jobs from the store, reconciles their tasks with the backend and runs the
// engine over every task.
//
// The code is split by concern: job_manager.cc (the API), task_engine.cc (the engine's actions
// and timers), launch.cc (placements to launches), task_events.cc (status updates, preemption,
// deadlines), recovery.cc (load, recover, resync), daemons.cc (daemon jobs following hosts),
// updates.cc (rolling updates and the restart, start and stop workflows).
//
// Batch, service (stateless) and daemon jobs (v0 API). Thread-compatible: the master's loop
// owns it.

#ifndef PELOTON_SERVICES_JOBMGR_JOB_MANAGER_H_
#define PELOTON_SERVICES_JOBMGR_JOB_MANAGER_H_

#include <array>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "peloton/taskfsm/goal_state.h"
#include "peloton/taskfsm/retry.h"
#include "peloton/taskfsm/workflow.h"
#include "services/api/update.pb.h"
#include "services/backend/backend.h"
#include "services/hostmgr/host_manager_api.h"
#include "services/jobmgr/job_config.h"
#include "services/jobmgr/job_manager_api.h"
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
  // A task LAUNCHED or STARTING this long is killed and launched again as a new run
  // (reference §3.6, launch_retry; Peloton's launch_timeout and start_timeout, 180 min).
  absl::Duration launch_timeout = absl::Minutes(180);
  // A service task that ends is started again after min(base * 2^(failures - 1), max)
  // (reference §3.8, terminated_retry; Peloton's 30 s and 60 min).
  absl::Duration restart_base_delay = taskfsm::kRestartBaseDelay;
  absl::Duration max_restart_delay = taskfsm::kMaxRestartDelay;
  // A service run that was RUNNING this long before it ended starts its task's failure count
  // afresh (Peloton never does, so a service that failed twice a year ago would still wait
  // longer; Kubernetes forgets a crash loop's back-off after 10 minutes of running too).
  // Zero: never.
  absl::Duration failure_count_reset = absl::Minutes(10);
  // How often daemon jobs look at the hosts again (FollowHosts), at most.
  absl::Duration daemon_period = absl::Seconds(1);
  // Told, for each task status that comes (OnStatus), how long after the status's own time the
  // job manager had it, by its clock (`now`): the backend's status-update lag, for metrics.
  // Not told of a status without a time or from ahead of the clock. Empty: nobody is told.
  std::function<void(absl::Duration)> status_lag;
  // All-active job managers (issue 19): this job manager's name among those that share the
  // store (its address). Empty: it is alone and owns every job. Set: it claims each job it
  // owns in the store before writing it (Store::ClaimJob), writes no other, and takes up and
  // lets go of jobs as the members change (SetMembers).
  std::string member;
  // A launch round stops once it has run this long by `launch_clock` (at least one launch
  // made): the rest wait, in order, for LaunchDeferred, which the process runs at its next
  // tick and asks for at once (SerialLoop::TickSoon). A backend whose launches are slow (the
  // local one starts processes) then never holds the loop, and calls wait, for long. Zero: no
  // limit (the daemons set 20 ms).
  absl::Duration launch_budget = absl::ZeroDuration();
  std::function<absl::Time()> launch_clock = &absl::Now;
};

namespace update_pb = ::peloton::api::v0::update;

// A workflow as the API shows it: the stored record and its config.
struct UpdateView {
  store::UpdateRecord record;
  update_pb::UpdateConfig config;
  uint64_t workflow_version = 0;  // the entity version pause, resume and abort compare
  bool rollback = false;          // a rollback is in progress or was done
};

// A job's progress (JobManager::GetJobStatus): what a client following a job reads, without
// building a config each time.
struct JobProgress {
  JobId id;
  store::JobRuntime runtime;
  std::array<uint32_t, taskfsm::kNumTaskStates> task_counts{};  // by TaskState
  // The instances: the config's instanceCount, or a daemon job's planned instances (its
  // tasks whose goal is not DELETED).
  uint32_t instances = 0;
};

// A job (JobManager::GetJob): its progress and its config.
struct JobView : JobProgress {
  job_pb::JobConfig config;
};

// For a log line of jobs taken up or let go: ": <id>, <id>, ..." naming up to 10, for
// operators (and tests) to follow a job between job managers; "" for more.
std::string NamedJobs(absl::Span<const JobId> ids);

// The v1alpha entity version of a job with this runtime (JobManager::EntityVersion).
std::string EntityVersionOf(const store::JobRuntime& runtime);

class JobManager final : public JobManagerApi {
 public:
  JobManager(store::Store& store, resmgr::ResourceManagerApi& resmgr,
             hostmgr::HostManagerApi& hostmgr, absl::BitGenRef gen, JobManagerOptions options = {});

  // After a start: the active jobs from the store, their running tasks reconciled with the
  // backend, their waiting tasks queued again. All-active: the active jobs this one owns and
  // does not hold yet, each claimed first.
  absl::Status Recover();
  // All-active job managers (options.member): the members now, this one among them (their
  // names). Each job has one owner, the member OwnerOf (rendezvous hashing) names. Jobs this
  // one no longer owns are written and let go (their new owner takes them up). Then Recover
  // takes up the active jobs it now owns. Call both before serving, at each change, and now
  // and then (a job taken from this one while the members disagreed comes back).
  // InvalidArgument when this one is not among `members`; FailedPrecondition without a member
  // name.
  absl::Status SetMembers(std::vector<std::string> members);
  // Whether this job manager owns the job (always, alone).
  bool Owns(const JobId& id) const;
  // The member that owns the job (this one's name, alone).
  std::string OwnerOf(const JobId& id) const;
  // All-active: how many jobs this one has claimed in the store (its active jobs, and ended
  // ones being deleted).
  size_t claimed_count() const { return claimed_.size(); }

  // After the resource manager restarted (it lost its queues and what admitted tasks hold):
  // tasks on hosts hold their resources in their pools again, waiting tasks are queued again.
  absl::Status ResyncPools();
  // After the host manager restarted: every task on a host is reconciled again.
  void ResyncHosts();

  // v0 JobManager.Create: `config.respoolID` names a leaf pool. Stores the job and its tasks
  // (INITIALIZED) and queues its gangs (PENDING). Nothing is stored if it fails.
  // With `rolling` (v1alpha CreateJob, a SERVICE job), the instances are added by an update
  // workflow from no instances to the job's first config, `rolling`'s batch size at a time (0:
  // all), paused first if it says so, failing as its limits say; the job's entity version is
  // 1-1-1 all the same, as Peloton's.
  absl::StatusOr<JobId> CreateJob(job_pb::JobConfig config,
                                  std::optional<update_pb::UpdateConfig> rolling = std::nullopt);
  // v0 JobManager.Update: adds instances, the one change Peloton allows (ValidateJobUpdate);
  // FailedPrecondition while an update runs (CreateUpdate changes anything else).
  // The config is stored as the next version; the new instances start as a new job's do, and
  // a terminal job becomes active again. An empty respoolID keeps the job's pool. Returns how
  // many instances were added (0: nothing changed). If the new tasks cannot be written after
  // the config was, the next load of the job writes them.
  absl::StatusOr<uint32_t> UpdateJob(const JobId& id, job_pb::JobConfig config);
  absl::StatusOr<JobView> GetJob(const JobId& id);
  // GetJob without the config: the runtime, task counts and instances.
  absl::StatusOr<JobProgress> GetJobStatus(const JobId& id);
  absl::StatusOr<store::JobQueryResult> QueryJobs(const store::JobQuery& query);
  // What it holds now (for metrics): its active jobs by state, and their tasks by job type and
  // state.
  struct ActiveCounts {
    std::array<uint64_t, taskfsm::kNumJobStates> jobs{};
    std::array<std::array<uint64_t, taskfsm::kNumTaskStates>, taskfsm::kNumJobTypes> tasks{};
  };
  ActiveCounts CountActive() const;
  // What it has done since it started (for metrics).
  struct EventCounts {
    uint64_t launched = 0;         // runs sent to their hosts
    uint64_t launch_failures = 0;  // runs the host manager refused (the run FAILED)
    uint64_t kills = 0;            // kills sent to hosts
    uint64_t new_runs = 0;         // an instance's next run: a restart, retry, move or update
    std::array<uint64_t, 3> preempted{};  // tasks preempted, by taskfsm::PreemptionReason
  };
  const EventCounts& events() const { return events_; }
  // Host names and agent ids held once for the tasks that name them (SharedName).
  size_t shared_names() const { return names_.size(); }
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
  // v0 UpdateService (reference §3.9, §5.1): a rolling update of a SERVICE job to `config`
  // (its next config version), batch by batch, as taskfsm::Workflow decides. A running update
  // of the job is superseded (ABORTED); an identical one running already is returned as it is.
  // Refused: another job type, a change of type or pool, and stopBeforeUpdate. startTasks
  // (v1alpha start_pods) also starts the stopped instances it reaches, and makes the job's
  // goal its default again.
  // inPlace asks placement to put each updated instance's next run on its current host when it
  // still fits there (Peloton's v0 leaves it unimplemented; its v1alpha does this). Returns the
  // update id.
  absl::StatusOr<std::string> CreateUpdate(const JobId& id, job_pb::JobConfig config,
                                           const update_pb::UpdateConfig& update,
                                           std::string opaque_data = "");
  absl::StatusOr<UpdateView> GetUpdate(absl::string_view update_id);
  // The job of a workflow, from the store only: safe to call while the job manager is in the
  // middle of a call (it reads nothing else of it).
  absl::StatusOr<JobId> JobOfUpdate(absl::string_view update_id) const;
  // Newest first; limit 0: all.
  absl::StatusOr<std::vector<UpdateView>> ListUpdates(const JobId& id, uint32_t limit = 0);
  // `version`, when given, must be the workflow's entity version (Aborted otherwise).
  // FailedPrecondition for a workflow that is not its job's running one. `opaque_data`, when
  // not empty, replaces the workflow's.
  absl::Status PauseUpdate(absl::string_view update_id, std::optional<uint64_t> version = {},
                           std::string opaque_data = "");
  absl::Status ResumeUpdate(absl::string_view update_id, std::optional<uint64_t> version = {},
                            std::string opaque_data = "");
  absl::Status AbortUpdate(absl::string_view update_id, std::optional<uint64_t> version = {},
                           std::string opaque_data = "");
  // A new update back to the config the update started from, with the same update config;
  // it supersedes the update if that still runs. Returns the new update's id.
  absl::StatusOr<std::string> RollbackUpdate(absl::string_view update_id);

  // Rolling restart, start or stop of a SERVICE job's instances [from, to) (reference §3.9,
  // 7), batch_size at a time (0: all), as a workflow with an update id like an update's (get,
  // list, pause, resume and abort it the same way); it supersedes a running one. A restart
  // gives each instance a new run; start brings stopped instances back to their goal; stop
  // sets their goal KILLED. Returns the workflow's id.
  // `in_place` (a restart only): each restarted instance's next run goes back to its host when
  // it still fits there (best effort, as in-place updates). `ranges`: [from, to) pairs, the
  // instances of any of them (v1alpha RestartSpec.ranges).
  absl::StatusOr<std::string> StartRollingWorkflow(
      const JobId& id, taskfsm::WorkflowType type,
      const std::vector<std::pair<uint32_t, uint32_t>>& ranges, uint32_t batch_size,
      bool in_place = false);
  absl::StatusOr<std::string> StartRollingWorkflow(const JobId& id, taskfsm::WorkflowType type,
                                                   uint32_t from, uint32_t to, uint32_t batch_size,
                                                   bool in_place = false) {
    return StartRollingWorkflow(id, type, {{from, to}}, batch_size, in_place);
  }

  // v1alpha JobService (reference §3.9, §5.2). The job's entity version is
  // "<config version>-<desired state version>-<workflow version>", "1-1-1" for a new job: a
  // new config moves the first part; StopJob, StartJob and a v1alpha delete the second; each
  // workflow made (update, rolling restart, start or stop, rollback), paused, resumed or
  // aborted the third. A workflow's progress moves none.
  absl::StatusOr<std::string> EntityVersion(const JobId& id);
  // Aborted, "unexpected entity version" (and the job's), unless `version` is the job's.
  absl::Status CheckEntityVersion(const JobId& id, absl::string_view version);
  // One instance's events in the job's newest workflow, newest first (limit 0: all);
  // NotFound when the job has had none.
  absl::StatusOr<std::vector<store::InstanceWorkflowEvent>> WorkflowEvents(const JobId& id,
                                                                           uint32_t instance,
                                                                           uint32_t limit);
  // Every instance that does not run runs again (StartTasks over them all).
  absl::Status StartJob(const JobId& id);
  // v1alpha DeleteJob: a KILLED job is deleted at once (DeleteJob). Another is refused,
  // Aborted "job is not stopped", unless `force`: then its goal becomes DELETED, what runs is
  // killed, and the job is deleted once every task has ended (taskfsm's job_kill, then
  // kill_and_delete), also after a restart.
  absl::Status DeleteJob(const JobId& id, bool force);

  // The job's config (from the cache or the store): its newest, or `version` of it.
  absl::StatusOr<job_pb::JobConfig> ConfigOf(const JobId& id, int64_t version = 0);
  absl::StatusOr<std::vector<store::PodEvent>> PodEvents(const JobId& id, uint32_t instance,
                                                         uint32_t runs);
  // Instances [from, to), at most `limit` of them (the lowest).
  absl::StatusOr<std::vector<store::TaskRuntime>> ListTasks(const JobId& id, uint32_t from = 0,
                                                            uint32_t to = UINT32_MAX,
                                                            size_t limit = SIZE_MAX);

  // Each instance of the job as a client reaches it (issue 18): where its current run is, the
  // ports it was given by their config names (sorted by name), and whether it may take
  // traffic (taskfsm::IsRoutable). Instances that never launched have no host and no ports.
  struct Endpoint {
    uint32_t instance = 0;
    std::string task_id;  // the current run's
    std::string host;
    taskfsm::TaskState state = taskfsm::TaskState::kInitialized;
    taskfsm::HealthState health = taskfsm::HealthState::kInvalid;
    bool routable = false;
    std::vector<std::pair<std::string, uint32_t>> ports;
  };
  absl::StatusOr<std::vector<Endpoint>> Endpoints(const JobId& id);
  // The active jobs that ask to be announced as serversets (services/discovery/serverset.h's
  // labels): the path, and the port of the service endpoint (empty: the first by name).
  struct Announcement {
    JobId job;
    std::string path;
    std::string port;
  };
  std::vector<Announcement> Announcements() const;
  // The ports of a task's current run, as Launch recorded them in its runtime's `info`.
  static std::vector<std::pair<std::string, uint32_t>> PortsOf(const store::TaskRuntime& t);

  // Placement's view of a task waiting for a host (by Mesos task id); NotFound otherwise.
  absl::StatusOr<placement::TaskSpec> TaskSpecOf(absl::string_view task_id) const;
  void Launch(std::vector<placement_engine::PlacedGang> placed);
  // Launches a round left for later (JobManagerOptions::launch_budget), oldest first, within
  // the budget; a task stopped meanwhile is not launched and ends KILLED. Whether some still
  // wait.
  bool LaunchDeferred();
  bool launches_deferred() const { return !deferred_launches_.empty(); }
  // Gangs placement gave up on because a task no longer waits for a host (stopped, or
  // preempted before launch): stopped tasks end KILLED, the others are queued again.
  void Dropped(const std::vector<resmgr::ReadyGang>& gangs);
  // What placement found of tasks that wait: one that no host could ever hold has it said in
  // its message, reason UNPLACEABLE and a pod event; one that could again (a host joined) has
  // it taken back. Tasks that no longer wait are passed over.
  void OnVerdicts(const std::vector<placement_engine::PlacementVerdict>& verdicts);
  // JobManagerApi, in process: TaskSpecOf as the lookup; Dropped, OnVerdicts and Launch (the
  // allocations were made on the host manager's own cluster). Never fails.
  absl::StatusOr<placement_engine::SpecLookup> WaitingSpecs(
      const std::vector<std::string>& task_ids) override;
  absl::Status SetPlacements(std::vector<placement_engine::PlacedGang>& placed,
                             const std::vector<resmgr::ReadyGang>& dropped,
                             const std::vector<placement_engine::PlacementVerdict>& verdicts,
                             const placement::Cluster& cluster) override;
  void OnStatus(const backend::TaskStatus& status);
  // Tasks the resource manager chose to preempt. Launched ones are killed, then queued again as
  // a new run, or, with preemptionPolicy.killOnPreempt, left KILLED (goal PREEMPTING); admitted
  // ones not launched yet leave placement and are queued again.
  void Preempt(const std::vector<std::string>& task_ids,
               taskfsm::PreemptionReason reason = taskfsm::PreemptionReason::kRevokeResources);
  // Host maintenance (reference §6.1, the evictor): the tasks on draining hosts are preempted
  // (HOST_MAINTENANCE) and run again elsewhere, so that the hosts empty and go down.
  void EvictFromDrainingHosts();
  // Daemon jobs (reference §3.1 DAEMON; taskfsm::PlanDaemonInstances): one instance on each
  // host that is UP and meets the job's constraint (its HOST labels; TASK ones are placement's).
  // A host that joins or comes back from maintenance gets an instance pinned to it; one that
  // leaves or goes into maintenance loses its instance (goal DELETED: killed, then DELETED).
  // Looks at most every daemon_period; CreateJob plans a new daemon job at once.
  void FollowHosts();
  // Kills the running tasks of batch jobs that have run longer than sla.maxRunningTime
  // (reason DEADLINE_TIMEOUT_EXCEEDED; not retried).
  void CheckDeadlines();
  // The engine's timers: evaluates again the tasks whose wait is over. A task a kill has not
  // ended after its grace period and the margin is shut down by force (once; the host
  // manager's backend decides how: Mesos, SHUTDOWN of the executor); one LAUNCHED or STARTING
  // past launch_timeout is launched again as a new run.
  void RunTimers();

  // Writes what changed since the last call. All-active: a job another job manager owns now
  // (its writes fenced) is let go, and the others are written.
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
    bool daemon = false;      // a DAEMON job: its instances follow the hosts
    // The job's N (InstancesOf): a daemon job's changes with its plan.
    uint32_t instances = 0;
    absl::btree_set<uint32_t> dirty;
    std::vector<store::PodEvent> events;
    bool runtime_dirty = false;
    bool deactivate = false;  // reached a terminal state: leaves the active-jobs index
    // job_kill has swept the tasks since the goal last changed (each task event of a stopped
    // job would otherwise scan them all again).
    bool kill_swept = false;
    // `config` is the newest version (runtime.config_version); these are the older ones tasks
    // still run or wait in (an update in progress), by version.
    std::map<int64_t, job_pb::JobConfig> older;
    // The job's running workflow, if any (updates.cc).
    struct ActiveUpdate {
      store::UpdateRecord record;
      update_pb::UpdateConfig config;
      taskfsm::Workflow workflow;
      taskfsm::WorkflowStep last;  // the last step's counts
      bool dirty = false;          // the record is to be written
      std::vector<store::InstanceWorkflowEvent> events;
    };
    std::optional<ActiveUpdate> update;
    // In-place updates: the host an instance's next run should go to, best effort (a hint to
    // placement, not a pin); dropped at its launch. Not stored: after a restart the runs go
    // wherever placement puts them.
    absl::flat_hash_map<uint32_t, std::string> host_hints;
  };
  // ++ of a part of the job's runtime (the entity version's): in memory for an active job
  // (written by the next Flush), in the store for another.
  absl::Status BumpVersion(const JobId& id, int64_t store::JobRuntime::*part);
  // A terminal job's volumes, then the job, leave (DeleteJob's work).
  absl::Status DeleteStoredJob(const JobId& id);
  // GetJob's and GetJobStatus's work; the job's config copied into `config` unless it is null.
  absl::StatusOr<JobProgress> ProgressOf(const JobId& id, job_pb::JobConfig* config);
  // The config of `version` of the job (the newest when it has no other).
  static const job_pb::JobConfig& ConfigAt(const Job& job, int64_t version);
  // The task config the instance's current run has (or its next run will have).
  static task_pb::TaskConfig RunConfigOf(const Job& job, uint32_t instance);
  // The same without a copy where it can (TaskConfigRef).
  static const task_pb::TaskConfig& RunConfigRef(const Job& job, uint32_t instance,
                                                 task_pb::TaskConfig& merged);

  // updates.cc
  // Steps the job's running workflow and applies what it asks; writes the rollback target's
  // config version when a rollback begins.
  void ProgressUpdate(Job& job);
  void ApplyWorkflowActions(Job& job, const std::vector<taskfsm::InstanceAction>& actions);
  // CreateUpdate's rules for `config` (normalized and given the job's pool here) and `update`.
  absl::Status ValidateUpdate(const Job& job, job_pb::JobConfig& config,
                              const update_pb::UpdateConfig& update) const;
  // A new SERVICE job's rolling creation (CreateJob): its update workflow, begun.
  absl::Status BeginRollingCreate(Job& job, const update_pb::UpdateConfig& update);
  // Supersedes the job's running workflow, makes `next` the job's, steps it and flushes.
  absl::StatusOr<std::string> BeginWorkflow(Job& job, Job::ActiveUpdate next);
  // Every task stopped (or ended): the job's goal is KILLED too.
  void GoalKilledWhenAllStop(Job& job);
  // The record of the workflow as it is now (checkpoint, counts, options).
  void FillUpdateRecord(Job::ActiveUpdate& u) const;
  // Writes the running workflow's record and events if they changed; untracks a finished one.
  absl::Status FlushUpdate(Job& job);
  // Takes up the job's workflow from the store (recovery).
  absl::Status LoadUpdate(Job& job);
  // Loads the older config versions the job's tasks refer to; drops those none does.
  absl::Status LoadOlderConfigs(Job& job);
  void PruneOlderConfigs(Job& job);
  absl::Status ChangeUpdate(absl::string_view update_id, std::string opaque_data,
                            const std::function<absl::Status(taskfsm::Workflow&)>& change);
  std::vector<taskfsm::InstanceRuntime> WorkflowRuntimes(const Job& job) const;

  // daemons.cc
  // The hosts a daemon job is for: UP, and meeting its constraint's HOST labels.
  static absl::StatusOr<std::vector<std::string>> EligibleHosts(
      const job_pb::JobConfig& config, absl::Span<const hostmgr::HostStatus> hosts);
  // One daemon job against the hosts: instances added, reused (a removed instance's id, as its
  // next run) or removed. Returns the instances to evaluate.
  absl::StatusOr<std::vector<uint32_t>> PlanDaemon(Job& job,
                                                   absl::Span<const hostmgr::HostStatus> hosts);

  // Writes what changed of one job.
  absl::Status FlushJob(Job& job);

  // recovery.cc
  // Reads the job from the store (claimed first, all-active).
  absl::StatusOr<Job> LoadJob(const JobId& id);
  static void Recount(Job& job);
  // Loads the jobs, puts their tasks back in their pools and on their hosts, and runs the
  // engine over every task (Recover's work, for these jobs).
  absl::Status TakeUp(const std::vector<JobId>& ids);
  // One job's tasks back in its pool: those on hosts hold their resources, waiting ones are
  // queued again.
  absl::Status ResyncPool(Job& job);
  // The tasks of these jobs on hosts, reconciled with the backend.
  void ResyncHosts(absl::Span<const JobId> ids);

  // ownership.cc (all-active job managers)
  // Claims the job in the store unless this job manager holds its claim already (alone: no
  // claims). Unavailable, naming the owner, when another member owns it.
  absl::Status Claim(const JobId& id);
  // The job leaves this job manager: dropped from memory, its claim released (nothing is
  // written: its new owner reads what was flushed).
  void LetGo(const JobId& id);
  // A new job's id: random, and one this job manager owns.
  JobId NewJobId();

  // task_engine.cc: the goal-state engine.
  // Runs, for each instance, the actions taskfsm::NextTaskAction chooses until the task waits
  // (for an event, a timer or room under sla.maximumRunningInstances); the tasks to start are
  // queued together at the end, in gangs. The error is the resource manager's, if queueing
  // failed (those tasks stay INITIALIZED and are tried again by the next evaluation).
  absl::Status Evaluate(Job& job, absl::Span<const uint32_t> instances);
  absl::Status Evaluate(Job& job, uint32_t instance) { return Evaluate(job, {&instance, 1}); }
  // Evaluate, for callers that cannot return the error: it is logged.
  void EvaluateOrLog(Job& job, uint32_t instance);
  // One action; true when it changed the task so that the next action may differ.
  bool RunAction(Job& job, uint32_t instance, taskfsm::TaskAction action,
                 std::vector<uint32_t>& to_start);
  // stop_task: out of its queue (KILLED), or killed on its host (`killing`: KILLING or
  // PREEMPTING, with `message`). True when the task changed.
  bool StopRun(Job& job, uint32_t instance, taskfsm::TaskState killing, const std::string& message);
  // initialize_task: the next run (the desired one if set), INITIALIZED, host and times cleared.
  void InitializeRun(Job& job, uint32_t instance);
  bool FailRetry(Job& job, uint32_t instance);
  bool TerminatedRetry(Job& job, uint32_t instance);
  bool LaunchRetry(Job& job, uint32_t instance);
  void ExecutorShutdown(Job& job, uint32_t instance);
  // Asks for a new run of the instance: the engine stops the current one and initializes the
  // next (reference §3.6, desiredMesosTaskId).
  static void WantNewRun(const JobId& job, store::TaskRuntime& t);
  // Queues what may start of `instances` (INITIALIZED) while sla.maximumRunningInstances allows.
  absl::Status StartQueued(Job& job, const std::vector<uint32_t>& instances);
  absl::Status EnqueueTasks(Job& job, const std::vector<uint32_t>& instances);
  // evaluate_sla: the INITIALIZED tasks again, when the job has any.
  void StartMore(Job& job);
  // The job's state from its tasks' (taskfsm::DeriveJobState), then its own action
  // (taskfsm::NextJobAction): untrack a terminal job, kill what a stopped job still runs.
  void UpdateJobState(Job& job);
  // launch_retry for every task LAUNCHED or STARTING past launch_timeout.
  void SweepLaunched(absl::Time now);
  void SetTimer(absl::string_view task_id, absl::Time since, absl::Time due);
  void ClearTimer(absl::string_view task_id);

  // task_events.cc
  // A terminal status for the current run: what the run ended as, its failure count, then
  // the engine.
  void TaskEnded(Job& job, uint32_t instance, taskfsm::TaskState state, absl::string_view reason,
                 const std::string& message);

  // job_manager.cc
  // `message` becomes the task's (a CompactString: a constant one is shared, not copied, by
  // the tasks given it) and its pod event's.
  void SetTaskState(Job& job, uint32_t instance, taskfsm::TaskState state, CompactString message);
  // hostmgr Kill; the kill's timer starts (executor_shutdown).
  void KillTask(const Job& job, uint32_t instance);
  Job* FindByTaskId(absl::string_view task_id, uint32_t* instance, uint64_t* run);
  // `name` (a host name, an agent id) as the block every task with that name shares: a
  // million tasks on 50,000 hosts hold 50,000 names, not a million.
  CompactString SharedName(absl::string_view name);

  // launch.cc
  struct ToLaunch {
    std::string task_id;
    placement::Allocation allocation;
    backend::LaunchSpec spec;
  };
  std::deque<ToLaunch> deferred_launches_;  // LAUNCHED, waiting for their launch, in order
  // An allocation that will not be launched goes back to the host manager, and the task's
  // pool allocation to its pool.
  void ReleaseUnlaunched(const placement::Allocation& allocation, absl::string_view task_id);
  // Its host part alone (logged when the host manager refuses it).
  void ReleaseHost(const placement::Allocation& allocation, absl::string_view task_id);
  // `named_ports` (when given): the ports the run gets, by their config names.
  backend::LaunchSpec LaunchSpecOf(
      const Job& job, uint32_t instance, const placement::Allocation& allocation,
      absl::flat_hash_map<std::string, uint32_t>* named_ports = nullptr) const;

  store::Store& store_;
  resmgr::ResourceManagerApi& resmgr_;
  hostmgr::HostManagerApi& hostmgr_;
  absl::BitGenRef gen_;
  JobManagerOptions options_;
  EventCounts events_;
  absl::flat_hash_map<std::string, Job> jobs_;             // active jobs by id
  absl::flat_hash_map<std::string, std::string> gang_of_;  // queued task id -> its gang id
  // The engine's timers, by task id: a task waiting for its drain, its kill or its throttle
  // to end is evaluated again at `due` (RunTimers). Only waiting tasks have one; launches are
  // swept instead (SweepLaunched), their start_time being when they were launched.
  struct Timer {
    absl::Time since;  // when the wait began (the drain, the kill, the run's end)
    absl::Time due;
    bool fired = false;  // executor_shutdown: the shutdown was sent
    bool draining = false;  // the kill waits for the drain (StopRun) to end at `due`
  };
  absl::flat_hash_map<std::string, Timer> timers_;
  absl::btree_set<std::pair<absl::Time, std::string>> due_;  // (due, task id) of timers_
  absl::Time next_launch_sweep_ = absl::InfinitePast();
  absl::Time next_daemon_plan_ = absl::InfinitePast();
  // All-active: the members (sorted) and the jobs this one has claimed in the store.
  std::vector<std::string> members_;
  absl::flat_hash_set<std::string> claimed_;
  bool recovered_ = false;  // Recover has run once (the host manager has had a reconcile)
  // Host names and agent ids, one block each for every task there (SharedName). Names no task
  // holds any more are dropped once the table has doubled since the last such sweep.
  absl::flat_hash_set<CompactString, CompactString::Hash, CompactString::Eq> names_;
  size_t names_sweep_at_ = 1024;
};

}  // namespace peloton::jobmgr

#endif  // PELOTON_SERVICES_JOBMGR_JOB_MANAGER_H_
