// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/jobmgr/job_manager.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "peloton/taskfsm/job_state.h"
#include "peloton/taskfsm/retry.h"
#include "peloton/taskfsm/task_id.h"
#include "spdlog/spdlog.h"

namespace peloton::jobmgr {
namespace {

using taskfsm::JobState;
using taskfsm::TaskState;

constexpr size_t kWriteBatch = 10'000;

// Launched on a host (or being killed there).
bool OnHost(TaskState s) {
  return s == TaskState::kLaunched || s == TaskState::kStarting || s == TaskState::kRunning ||
         s == TaskState::kKilling || s == TaskState::kPreempting;
}

// Queued, being placed, or on a host: counts against maximumRunningInstances.
bool Active(TaskState s) { return taskfsm::IsResmgrOwned(s) || OnHost(s); }

uint64_t RunOf(const store::TaskRuntime& t) {
  absl::StatusOr<taskfsm::MesosTaskId> id = taskfsm::ParseMesosTaskId(t.mesos_task_id);
  return id.ok() ? id->run : 0;
}

}  // namespace

JobManager::JobManager(store::Store& store, resmgr::ResourceManagerApi& resmgr,
                       hostmgr::HostManagerApi& hostmgr, absl::BitGenRef gen,
                       JobManagerOptions options)
    : store_(store), resmgr_(resmgr), hostmgr_(hostmgr), gen_(gen), options_(std::move(options)) {
  if (!options_.now) options_.now = &absl::Now;  // no clock given: the real one
}

absl::StatusOr<JobId> JobManager::CreateJob(job_pb::JobConfig config) {
  NormalizeJobConfig(config);
  PELOTON_RETURN_IF_ERROR(ValidateJobConfig(config, options_.limits));
  const PoolId pool(config.respoolid().value());
  if (pool.empty()) return absl::InvalidArgumentError("respoolID: empty (rule: a leaf pool)");
  PELOTON_ASSIGN_OR_RETURN(resmgr::PoolInfo info, resmgr_.GetPoolById(pool));
  if (pool.value() == kRootPoolId || !info.children.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("respoolID: ", pool.value(), " (", info.path,
                                                   ") is not a leaf pool (rule: jobs run in "
                                                   "leaf pools, never the root)"));
  }
  if (config.type() != job_pb::BATCH) {
    return absl::UnimplementedError(
        "type: only BATCH jobs run on this scheduler yet (SERVICE and DAEMON are coming)");
  }
  Job job;
  job.id = JobId(NewUuid(gen_));
  job.config = std::move(config);
  const absl::Time now = options_.now();
  store::JobConfigRecord record;
  record.job_id = job.id;
  record.version = 1;
  record.config = job.config.SerializeAsString();
  record.name = job.config.name();
  record.owner = job.config.owner().empty() ? job.config.owningteam() : job.config.owner();
  record.pool_id = pool;
  record.type = taskfsm::JobType::kBatch;
  record.instance_count = job.config.instancecount();
  for (const auto& l : job.config.labels()) record.labels.push_back({l.key(), l.value()});
  record.create_time = now;
  job.runtime.state = JobState::kInitialized;
  job.runtime.goal_state = JobState::kSucceeded;
  job.runtime.creation_time = now;
  job.runtime.update_time = now;
  PELOTON_RETURN_IF_ERROR(store_.CreateJob(record, job.runtime));

  const uint32_t n = job.config.instancecount();
  job.tasks.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    store::TaskRuntime& t = job.tasks[i];
    t.instance_id = i;
    t.state = TaskState::kInitialized;
    t.goal_state = taskfsm::DefaultTaskGoal(record.type);
    t.mesos_task_id = taskfsm::FormatMesosTaskId(job.id.value(), i, 1);
  }
  for (size_t from = 0; from < n; from += kWriteBatch) {
    const size_t count = std::min<size_t>(kWriteBatch, n - from);
    if (absl::Status s =
            store_.WriteTaskRuntimes(job.id, absl::MakeSpan(job.tasks).subspan(from, count));
        !s.ok()) {
      (void)store_.DeleteJob(job.id);  // nothing is kept of a job that was not created whole
      return s;
    }
  }
  Recount(job);
  Job& stored = jobs_[job.id.value()] = std::move(job);
  PELOTON_RETURN_IF_ERROR(StartMore(stored));
  UpdateJobState(stored);
  PELOTON_RETURN_IF_ERROR(Flush());
  return stored.id;
}

absl::StatusOr<uint32_t> JobManager::UpdateJob(const JobId& id, job_pb::JobConfig config) {
  Job loaded;
  Job* job = nullptr;
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    job = &it->second;
  } else {
    PELOTON_ASSIGN_OR_RETURN(loaded, LoadJob(id));
    job = &loaded;
  }
  if (!config.has_respoolid()) *config.mutable_respoolid() = job->config.respoolid();
  NormalizeJobConfig(config);
  PELOTON_RETURN_IF_ERROR(ValidateJobUpdate(job->config, config, options_.limits));
  const uint32_t before = job->config.instancecount();
  const uint32_t after = config.instancecount();
  if (after == before) return 0;

  store::JobConfigRecord record;
  PELOTON_ASSIGN_OR_RETURN(record, store_.GetJobConfig(id));
  record.version += 1;
  record.config = config.SerializeAsString();
  record.instance_count = after;
  PELOTON_RETURN_IF_ERROR(store_.AddJobConfig(record));
  if (job == &loaded) {
    PELOTON_RETURN_IF_ERROR(store_.AddActiveJob(id));
    job = &(jobs_[id.value()] = std::move(loaded));
  }
  job->config = std::move(config);
  job->runtime.config_version = record.version;
  job->runtime.desired_config_version = record.version;
  job->runtime.goal_state = JobState::kSucceeded;
  job->runtime.completion_time = absl::UnixEpoch();
  job->runtime_dirty = true;
  job->deactivate = false;
  std::vector<store::TaskRuntime> added(after - before);
  for (uint32_t i = before; i < after; ++i) {
    store::TaskRuntime& t = added[i - before];
    t.instance_id = i;
    t.state = TaskState::kInitialized;
    t.goal_state = taskfsm::DefaultTaskGoal(taskfsm::JobType::kBatch);
    t.mesos_task_id = taskfsm::FormatMesosTaskId(id.value(), i, 1);
    t.config_version = t.desired_config_version = record.version;
  }
  PELOTON_RETURN_IF_ERROR(store_.WriteTaskRuntimes(id, absl::MakeSpan(added)));
  for (store::TaskRuntime& t : added) job->tasks.push_back(std::move(t));
  Recount(*job);
  PELOTON_RETURN_IF_ERROR(StartMore(*job));
  UpdateJobState(*job);
  PELOTON_RETURN_IF_ERROR(Flush());
  return after - before;
}

absl::Status JobManager::EnqueueTasks(Job& job, const std::vector<uint32_t>& instances) {
  const job_pb::SlaConfig& sla = job.config.sla();
  const PoolId pool(job.config.respoolid().value());
  const auto gang_of = [&](const std::vector<uint32_t>& members) -> fairshare::Gang {
    fairshare::Gang g;
    g.id = job.tasks[members[0]].mesos_task_id;
    g.priority = sla.priority();
    g.revocable = sla.revocable();
    // One merge per task: the first member's config also gives the gang's flags.
    for (uint32_t i : members) {
      const task_pb::TaskConfig task = TaskConfigOf(job.config, i);
      if (i == members[0]) {
        g.preemptible = IsPreemptible(job.config, task);
        g.controller = task.controller();
      }
      g.tasks.push_back({job.tasks[i].mesos_task_id, DemandOf(task)});
    }
    return g;
  };
  // Instances 0..min-1 of a first run form one gang (reference §2.5); the others go alone.
  std::vector<uint32_t> gang, alone;
  const uint32_t min = sla.minimumrunninginstances();
  for (uint32_t i : instances) {
    (min > 1 && !sla.revocable() && i < min && RunOf(job.tasks[i]) == 1 ? gang : alone)
        .push_back(i);
  }
  std::vector<std::vector<uint32_t>> groups;
  if (!gang.empty()) groups.push_back(gang);
  for (uint32_t i : alone) groups.push_back({i});
  for (const std::vector<uint32_t>& members : groups) {
    fairshare::Gang g = gang_of(members);
    const std::string gang_id = g.id;
    PELOTON_RETURN_IF_ERROR(resmgr_.EnqueueGang(pool, std::move(g)));
    for (uint32_t i : members) {
      // A task alone is its own gang (same id): only multi-task gangs need remembering.
      if (members.size() > 1) gang_of_[job.tasks[i].mesos_task_id] = gang_id;
      SetTaskState(job, i, TaskState::kPending, "queued in its resource pool");
    }
  }
  return absl::OkStatus();
}

void JobManager::Recount(Job& job) {
  job.counts.fill(0);
  for (const store::TaskRuntime& t : job.tasks) ++job.counts[static_cast<int>(t.state)];
  job.controller = TaskConfigOf(job.config, 0).controller();
}

absl::Status JobManager::StartMore(Job& job) {
  if (job.counts[static_cast<int>(TaskState::kInitialized)] == 0) return absl::OkStatus();
  const uint32_t max = job.config.sla().maximumrunninginstances();
  uint32_t active = 0;
  for (int s = 0; s < taskfsm::kNumTaskStates; ++s) {
    if (Active(static_cast<TaskState>(s))) active += job.counts[s];
  }
  if (max > 0 && active >= max) return absl::OkStatus();
  std::vector<uint32_t> start;
  for (const store::TaskRuntime& t : job.tasks) {
    if (max > 0 && active + start.size() >= max) break;
    if (t.state == TaskState::kInitialized && t.goal_state != TaskState::kKilled) {
      start.push_back(t.instance_id);
    }
  }
  return EnqueueTasks(job, start);
}

void JobManager::SetTaskState(Job& job, uint32_t instance, TaskState state,
                              const std::string& message) {
  store::TaskRuntime& t = job.tasks[instance];
  --job.counts[static_cast<int>(t.state)];
  ++job.counts[static_cast<int>(state)];
  t.state = state;
  t.message = message;
  job.dirty.insert(instance);
  store::PodEvent e;
  e.instance_id = instance;
  e.run_id = static_cast<int64_t>(RunOf(t));
  e.actual_state = state;
  e.goal_state = t.goal_state;
  e.mesos_task_id = t.mesos_task_id;
  e.host = t.host;
  e.agent_id = t.agent_id;
  e.config_version = t.config_version;
  e.desired_config_version = t.desired_config_version;
  e.healthy = t.healthy;
  e.reason = t.reason;
  e.message = message;
  e.time = options_.now();
  if (e.run_id > 0) job.events.push_back(std::move(e));
}

void JobManager::UpdateJobState(Job& job) {
  taskfsm::JobStateInput in;
  in.type = taskfsm::JobType::kBatch;
  in.instance_count = job.config.instancecount();
  in.task_counts = job.counts;
  in.current = job.runtime.state;
  in.goal = job.runtime.goal_state;
  if (job.controller && !job.tasks.empty()) {
    in.controller_state = job.tasks[0].state;
  }
  const JobState next = taskfsm::DeriveJobState(in);
  if (next == job.runtime.state) return;
  job.runtime.state = next;
  job.runtime.update_time = options_.now();
  if (next == JobState::kRunning && job.runtime.start_time == absl::UnixEpoch()) {
    job.runtime.start_time = job.runtime.update_time;
  }
  if (taskfsm::IsTerminal(next)) {
    job.runtime.completion_time = job.runtime.update_time;
    job.deactivate = true;
  }
  job.runtime_dirty = true;
}

absl::StatusOr<JobView> JobManager::GetJob(const JobId& id) {
  JobView view;
  view.id = id;
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    view.config = it->second.config;
    view.runtime = it->second.runtime;
    view.task_counts = it->second.counts;
    return view;
  }
  PELOTON_ASSIGN_OR_RETURN(store::JobSummary summary, store_.GetJob(id));
  PELOTON_ASSIGN_OR_RETURN(store::JobConfigRecord config, store_.GetJobConfig(id));
  if (!view.config.ParseFromString(config.config)) {
    return absl::DataLossError(absl::StrCat("job ", id.value(), ": stored config is corrupt"));
  }
  view.runtime = summary.runtime;
  PELOTON_ASSIGN_OR_RETURN(std::vector<store::TaskRuntime> tasks, store_.ListTaskRuntimes(id));
  for (const store::TaskRuntime& t : tasks) ++view.task_counts[static_cast<int>(t.state)];
  return view;
}

absl::StatusOr<job_pb::JobConfig> JobManager::ConfigOf(const JobId& id) {
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) return it->second.config;
  PELOTON_ASSIGN_OR_RETURN(store::JobConfigRecord record, store_.GetJobConfig(id));
  job_pb::JobConfig config;
  if (!config.ParseFromString(record.config)) {
    return absl::DataLossError(absl::StrCat("job ", id.value(), ": stored config is corrupt"));
  }
  return config;
}

absl::StatusOr<std::vector<store::PodEvent>> JobManager::PodEvents(const JobId& id,
                                                                   uint32_t instance,
                                                                   uint32_t runs) {
  PELOTON_RETURN_IF_ERROR(Flush());  // what is only in memory yet
  return store_.GetPodEvents(id, instance, {.max_runs = runs == 0 ? 10 : runs});
}

absl::StatusOr<store::JobQueryResult> JobManager::QueryJobs(const store::JobQuery& query) {
  return store_.QueryJobs(query);
}

absl::Status JobManager::DeleteJob(const JobId& id) {
  PELOTON_ASSIGN_OR_RETURN(store::JobSummary job, store_.GetJob(id));
  if (jobs_.contains(id.value()) || !taskfsm::IsTerminal(job.runtime.state)) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", id.value(), " is ", taskfsm::Name(job.runtime.state),
                     " (rule: only terminal jobs are deleted; stop it first)"));
  }
  return store_.DeleteJob(id);
}

absl::StatusOr<std::vector<store::TaskRuntime>> JobManager::ListTasks(const JobId& id,
                                                                      uint32_t from, uint32_t to) {
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    const std::vector<store::TaskRuntime>& tasks = it->second.tasks;
    const size_t begin = std::min<size_t>(from, tasks.size());
    const size_t end = std::max(begin, std::min<size_t>(to, tasks.size()));
    return std::vector<store::TaskRuntime>(tasks.begin() + begin, tasks.begin() + end);
  }
  return store_.ListTaskRuntimes(id, {.from_instance = from, .to_instance = to});
}

void JobManager::StopTask(Job& job, uint32_t instance) {
  store::TaskRuntime& t = job.tasks[instance];
  if (taskfsm::IsTerminal(t.state)) return;
  t.goal_state = TaskState::kKilled;
  job.dirty.insert(t.instance_id);
  if (t.state == TaskState::kInitialized) {
    SetTaskState(job, t.instance_id, TaskState::kKilled, "stopped before it was queued");
  } else if (t.state == TaskState::kPending) {
    auto gang = gang_of_.find(t.mesos_task_id);
    const std::string gang_id = gang == gang_of_.end() ? t.mesos_task_id : gang->second;
    if (resmgr_.RemoveGang(gang_id).ok()) {
      // The whole gang left its queue: this task, or instances 0..min-1 (reference §2.5).
      const uint32_t members =
          gang == gang_of_.end()
              ? 0
              : std::min<uint32_t>(job.config.sla().minimumrunninginstances(), job.tasks.size());
      if (gang == gang_of_.end()) {
        SetTaskState(job, t.instance_id, TaskState::kKilled, "stopped while queued");
      }
      for (uint32_t m = 0; m < members; ++m) {
        store::TaskRuntime& other = job.tasks[m];
        auto g = gang_of_.find(other.mesos_task_id);
        if (g != gang_of_.end() && g->second == gang_id && other.state == TaskState::kPending) {
          other.goal_state = TaskState::kKilled;
          SetTaskState(job, other.instance_id, TaskState::kKilled, "stopped while queued");
          gang_of_.erase(g);
        }
      }
    }
    // Otherwise it was admitted: placement drops it (Dropped) since it no longer waits.
  } else if (OnHost(t.state)) {
    KillTask(job, t.instance_id);
    SetTaskState(job, t.instance_id, TaskState::kKilling, "killing on request");
  }
}

absl::Status JobManager::StopJob(const JobId& id) { return StopTasks(id, 0, UINT32_MAX); }

absl::Status JobManager::StopTasks(const JobId& id, uint32_t from, uint32_t to) {
  auto it = jobs_.find(id.value());
  if (it == jobs_.end()) {
    PELOTON_RETURN_IF_ERROR(store_.GetJob(id).status());
    return absl::OkStatus();  // not active: already terminal, nothing runs
  }
  Job& job = it->second;
  const uint32_t end = std::min<uint64_t>(to, job.tasks.size());
  for (uint32_t i = from; i < end; ++i) StopTask(job, i);
  // Every task stopped: the job's goal is KILLED too.
  if (std::all_of(job.tasks.begin(), job.tasks.end(), [](const store::TaskRuntime& t) {
        return t.goal_state == TaskState::kKilled || taskfsm::IsTerminal(t.state);
      })) {
    job.runtime.goal_state = JobState::kKilled;
    job.runtime_dirty = true;
  }
  UpdateJobState(job);
  return Flush();
}

absl::Status JobManager::StartTasks(const JobId& id, uint32_t from, uint32_t to) {
  if (!jobs_.contains(id.value())) {
    PELOTON_ASSIGN_OR_RETURN(Job loaded, LoadJob(id));
    PELOTON_RETURN_IF_ERROR(store_.AddActiveJob(id));
    jobs_[id.value()] = std::move(loaded);
  }
  Job& job = jobs_.at(id.value());
  const uint32_t end = std::min<uint64_t>(to, job.tasks.size());
  for (uint32_t i = from; i < end; ++i) {
    store::TaskRuntime& t = job.tasks[i];
    // Running (or still being stopped): nothing to start. Succeeded: done.
    if (!taskfsm::IsTerminal(t.state) || t.state == TaskState::kSucceeded) continue;
    t.goal_state = TaskState::kSucceeded;
    t.failure_count = 0;
    Restart(job, i);
  }
  job.runtime.goal_state = JobState::kSucceeded;
  job.runtime.completion_time = absl::UnixEpoch();
  job.runtime_dirty = true;
  job.deactivate = false;
  PELOTON_RETURN_IF_ERROR(StartMore(job));
  UpdateJobState(job);
  return Flush();
}

JobManager::Job* JobManager::FindByTaskId(const std::string& task_id, uint32_t* instance,
                                          uint64_t* run) {
  absl::StatusOr<taskfsm::MesosTaskId> id = taskfsm::ParseMesosTaskId(task_id);
  if (!id.ok()) return nullptr;
  auto it = jobs_.find(id->job_id);
  if (it == jobs_.end() || id->instance >= it->second.tasks.size()) return nullptr;
  *instance = id->instance;
  *run = id->run;
  return &it->second;
}

absl::StatusOr<placement::TaskSpec> JobManager::TaskSpecOf(const std::string& task_id) const {
  absl::StatusOr<taskfsm::MesosTaskId> id = taskfsm::ParseMesosTaskId(task_id);
  if (id.ok()) {
    auto it = jobs_.find(id->job_id);
    if (it != jobs_.end() && id->instance < it->second.tasks.size()) {
      const store::TaskRuntime& t = it->second.tasks[id->instance];
      if (t.mesos_task_id == task_id && t.state == TaskState::kPending &&
          t.goal_state != TaskState::kKilled && !unready_.contains(task_id)) {
        PELOTON_ASSIGN_OR_RETURN(placement::TaskSpec spec,
                                 jobmgr::TaskSpecOf(id->job_id, it->second.config, id->instance));
        spec.id = task_id;
        return spec;
      }
    }
  }
  return absl::NotFoundError(absl::StrCat("task ", task_id, " does not wait for a host"));
}

backend::LaunchSpec JobManager::LaunchSpecOf(const Job& job, uint32_t instance,
                                             const placement::Allocation& allocation) const {
  const task_pb::TaskConfig config = TaskConfigOf(job.config, instance);
  backend::LaunchSpec spec;
  spec.task_id = job.tasks[instance].mesos_task_id;
  spec.hostname = hostmgr_.HostName(allocation.host);
  spec.shell = config.command().shell() || config.command().arguments().empty();
  spec.command = config.command().value();
  spec.arguments.assign(config.command().arguments().begin(), config.command().arguments().end());
  spec.environment = {{"PELOTON_JOB_ID", job.id.value()},
                      {"PELOTON_INSTANCE_ID", absl::StrCat(instance)},
                      {"PELOTON_TASK_ID", absl::StrCat(job.id.value(), "-", instance)}};
  for (const auto& v : config.command().environment().variables()) {
    spec.environment.emplace_back(v.name(), v.value());
  }
  size_t next_port = 0;
  for (const task_pb::PortConfig& p : config.ports()) {
    if (p.value() != 0) {
      if (!p.envname().empty()) spec.environment.emplace_back(p.envname(), absl::StrCat(p.value()));
      continue;
    }
    if (next_port < allocation.ports.size()) {
      spec.environment.emplace_back(p.envname(), absl::StrCat(allocation.ports[next_port++]));
    }
  }
  for (const auto& l : config.labels()) spec.labels.emplace_back(l.key(), l.value());
  spec.resources = allocation.resources;
  spec.ports = allocation.ports;
  // Peloton's container: the Mesos containerizer's image, or a Docker image, and volumes.
  const auto& container = config.container();
  spec.container_image = !container.mesos().image().name().empty()
                             ? container.mesos().image().name()
                             : container.docker().image();
  for (const auto& v : container.volumes()) {
    spec.volumes.push_back(
        {v.host_path(), v.container_path(), v.mode() == peloton::api::v0::mesos::Volume::RO});
  }
  spec.kill_grace_period =
      absl::Seconds(config.killgraceperiodseconds() > 0 ? config.killgraceperiodseconds()
                                                        : kDefaultKillGracePeriodSeconds);
  return spec;
}

void JobManager::Launch(std::vector<placement_engine::PlacedGang> placed) {
  struct ToLaunch {
    std::string task_id;
    placement::Allocation allocation;
    backend::LaunchSpec spec;
  };
  std::vector<ToLaunch> launches;
  for (placement_engine::PlacedGang& gang : placed) {
    for (size_t k = 0; k < gang.allocations.size(); ++k) {
      placement::Allocation& allocation = gang.allocations[k];
      const std::string task_id = gang.gang.tasks[k].task_id;
      uint32_t instance = 0;
      uint64_t run = 0;
      Job* job = FindByTaskId(task_id, &instance, &run);
      gang_of_.erase(task_id);
      if (job == nullptr || job->tasks[instance].mesos_task_id != task_id ||
          job->tasks[instance].state != TaskState::kPending ||
          job->tasks[instance].goal_state == TaskState::kKilled) {
        (void)hostmgr_.Release(allocation);
        resmgr_.TaskEnded(task_id);
        if (job != nullptr && job->tasks[instance].mesos_task_id == task_id &&
            job->tasks[instance].state == TaskState::kPending) {
          SetTaskState(*job, instance, TaskState::kKilled, "stopped before it was launched");
          UpdateJobState(*job);
        }
        continue;
      }
      backend::LaunchSpec spec = LaunchSpecOf(*job, instance, allocation);
      store::TaskRuntime& t = job->tasks[instance];
      t.host = spec.hostname;
      t.agent_id = spec.hostname;
      SetTaskState(*job, instance, TaskState::kLaunched, "launched on " + spec.hostname);
      UpdateJobState(*job);
      launches.push_back({task_id, std::move(allocation), std::move(spec)});
    }
  }
  if (launches.empty()) return;
  // LAUNCHED is written before anything starts: a crash between the two leaves a LAUNCHED
  // task with no process, which recovery's reconciliation finds LOST and runs again, never a
  // process that nobody knows of (Peloton's order too).
  if (absl::Status s = Flush(); !s.ok()) {
    spdlog::error("launch: LAUNCHED not recorded: {}", std::string(s.message()));
  }
  for (ToLaunch& l : launches) {
    uint32_t instance = 0;
    uint64_t run = 0;
    Job* job = FindByTaskId(l.task_id, &instance, &run);
    if (job == nullptr || job->tasks[instance].mesos_task_id != l.task_id) {
      (void)hostmgr_.Release(l.allocation);
      resmgr_.TaskEnded(l.task_id);
      continue;
    }
    store::TaskRuntime& t = job->tasks[instance];
    if (absl::Status s = hostmgr_.Launch(std::move(l.allocation), l.spec); !s.ok()) {
      if (absl::IsUnavailable(s)) {
        // The host manager cannot take it now (unreachable, or restarted and not reconciled
        // yet): not the task's fault. It is queued again.
        t.host.clear();
        t.agent_id.clear();
        resmgr_.TaskEnded(l.task_id);
        if (absl::Status q = EnqueueTasks(*job, {instance}); !q.ok()) {
          TaskEnded(*job, instance, TaskState::kFailed, "REASON_CONTAINER_LAUNCH_FAILED",
                    std::string(q.message()));
        }
        UpdateJobState(*job);
        continue;
      }
      t.reason = "REASON_CONTAINER_LAUNCH_FAILED";
      TaskEnded(*job, instance, TaskState::kFailed, t.reason, std::string(s.message()));
      continue;
    }
    resmgr_.TaskLaunched(l.task_id, options_.now());
  }
}

void JobManager::Dropped(const std::vector<resmgr::ReadyGang>& gangs) {
  for (const resmgr::ReadyGang& g : gangs) {
    for (const fairshare::GangTask& task : g.gang.tasks) {
      resmgr_.TaskEnded(task.task_id);
      gang_of_.erase(task.task_id);
      uint32_t instance = 0;
      uint64_t run = 0;
      Job* job = FindByTaskId(task.task_id, &instance, &run);
      unready_.erase(task.task_id);
      if (job == nullptr || job->tasks[instance].mesos_task_id != task.task_id ||
          job->tasks[instance].state != TaskState::kPending) {
        continue;
      }
      if (job->tasks[instance].goal_state == TaskState::kKilled) {
        SetTaskState(*job, instance, TaskState::kKilled, "stopped before it was placed");
      } else {
        // Preempted before launch, or a gang-mate of such a task: back to its queue.
        Restart(*job, instance);
        (void)StartMore(*job);
      }
      UpdateJobState(*job);
    }
  }
}

void JobManager::Restart(Job& job, uint32_t instance) {
  // The old run has ended and its pool allocation is released by then (every caller does).
  store::TaskRuntime& t = job.tasks[instance];
  t.mesos_task_id = taskfsm::FormatMesosTaskId(job.id.value(), instance, RunOf(t) + 1);
  t.host.clear();
  t.agent_id.clear();
  t.start_time = absl::UnixEpoch();
  t.completion_time = absl::UnixEpoch();
  SetTaskState(job, instance, TaskState::kInitialized, "restarting");
}

void JobManager::TaskEnded(Job& job, uint32_t instance, TaskState state, const std::string& reason,
                           const std::string& message) {
  store::TaskRuntime& t = job.tasks[instance];
  if (!reason.empty()) t.reason = reason;  // keep the one set when it was killed (deadline)
  t.completion_time = options_.now();
  resmgr_.TaskEnded(t.mesos_task_id);
  if (restarting_.erase(t.mesos_task_id) > 0 && t.goal_state != TaskState::kKilled) {
    SetTaskState(job, instance, TaskState::kKilled, "restarted on request");
    t.failure_count = 0;
    Restart(job, instance);
  } else if (preempting_.erase(t.mesos_task_id) > 0 && state != TaskState::kSucceeded) {
    if (t.goal_state == TaskState::kPreempting) {
      SetTaskState(job, instance, TaskState::kKilled, "preempted (killOnPreempt)");
    } else if (t.goal_state == TaskState::kKilled) {
      SetTaskState(job, instance, TaskState::kKilled, message);
    } else {
      // Not a failure of the task: it runs again when its pool has room.
      SetTaskState(job, instance, TaskState::kKilled, "preempted: " + message);
      Restart(job, instance);
    }
  } else if (t.goal_state == TaskState::kKilled) {
    SetTaskState(job, instance, state == TaskState::kSucceeded ? state : TaskState::kKilled,
                 message);
  } else if (state == TaskState::kSucceeded) {
    SetTaskState(job, instance, state, message);
  } else {
    const bool stateful = TaskConfigOf(job.config, instance).has_volume();
    bool again = false;
    if (state == TaskState::kLost) {
      again = taskfsm::OnLost(stateful).reschedule;
    } else if (taskfsm::CountsAsFailure(state, t.goal_state, true)) {
      ++t.failure_count;
      again = taskfsm::ShouldRetryBatchTask(
          t.failure_count, TaskConfigOf(job.config, instance).restartpolicy().maxfailures(),
          taskfsm::IsSystemFailure(reason, message));
    }
    SetTaskState(job, instance, state, message);  // the run's end, in its pod events
    if (again) Restart(job, instance);
  }
  (void)StartMore(job);
  UpdateJobState(job);
}

void JobManager::OnStatus(const backend::TaskStatus& status) {
  uint32_t instance = 0;
  uint64_t run = 0;
  Job* job = FindByTaskId(status.task_id, &instance, &run);
  if (job == nullptr) return;  // not an active job's: nothing to follow
  store::TaskRuntime& t = job->tasks[instance];
  const TaskState state = taskfsm::TaskStateFromMesos(status.state);
  if (t.mesos_task_id != status.task_id) {
    // An orphan: an older run of this instance. It must not run beside the current one.
    if (!taskfsm::IsTerminal(state)) (void)hostmgr_.Kill(status.task_id);
    return;
  }
  if (taskfsm::IsTerminal(t.state)) return;  // repeated event
  if (!status.hostname.empty()) {
    t.host = status.hostname;
    t.agent_id = status.agent_id;
  }
  if (taskfsm::IsTerminal(state)) {
    TaskEnded(*job, instance, state, "", status.message);
    return;
  }
  if (state == TaskState::kRunning && t.state != TaskState::kRunning &&
      t.state != TaskState::kPreempting) {
    t.start_time = options_.now();  // our clock: deadlines are measured on it
    SetTaskState(*job, instance, t.goal_state == TaskState::kKilled ? TaskState::kKilling : state,
                 status.message);
    UpdateJobState(*job);
  }
}

void JobManager::EvictFromDrainingHosts() {
  const std::vector<std::string> ids = hostmgr_.TasksOnDrainingHosts();
  if (!ids.empty()) Preempt(ids, taskfsm::PreemptionReason::kHostMaintenance);
}

void JobManager::Preempt(const std::vector<std::string>& task_ids,
                         taskfsm::PreemptionReason reason) {
  const bool maintenance = reason == taskfsm::PreemptionReason::kHostMaintenance;
  for (const std::string& task_id : task_ids) {
    uint32_t instance = 0;
    uint64_t run = 0;
    Job* job = FindByTaskId(task_id, &instance, &run);
    if (job == nullptr) continue;
    store::TaskRuntime& t = job->tasks[instance];
    if (t.mesos_task_id != task_id || t.goal_state == TaskState::kKilled ||
        preempting_.contains(task_id)) {
      continue;
    }
    if (t.state == TaskState::kPending) {
      // Admitted, not launched: placement drops its gang (TaskSpecOf no longer answers for it)
      // and Dropped queues it again.
      unready_.insert(task_id);
      continue;
    }
    if (!OnHost(t.state)) continue;
    preempting_.insert(task_id);
    // killOnPreempt is about the pool's resources; a host going into maintenance always moves
    // its tasks (Peloton's evictor restarts them elsewhere).
    if (!maintenance && TaskConfigOf(job->config, instance).preemptionpolicy().killonpreempt()) {
      t.goal_state = TaskState::kPreempting;
    }
    KillTask(*job, instance);
    SetTaskState(*job, instance, TaskState::kPreempting,
                 maintenance ? "preempting: its host is going into maintenance"
                             : "preempting: its pool is over its entitlement");
    UpdateJobState(*job);
  }
}

void JobManager::KillTask(const Job& job, uint32_t instance) {
  const std::string& id = job.tasks[instance].mesos_task_id;
  const uint32_t grace = TaskConfigOf(job.config, instance).killgraceperiodseconds();
  kills_[id] = {options_.now(), absl::Seconds(grace > 0 ? grace : kDefaultKillGracePeriodSeconds)};
  (void)hostmgr_.Kill(id);
}

void JobManager::CheckKillTimeouts() {
  const absl::Time now = options_.now();
  for (auto it = kills_.begin(); it != kills_.end();) {
    auto here = it++;
    const std::string& id = here->first;
    uint32_t instance = 0;
    uint64_t run = 0;
    Job* job = FindByTaskId(id, &instance, &run);
    const bool killing = job != nullptr && job->tasks[instance].mesos_task_id == id &&
                         (job->tasks[instance].state == TaskState::kKilling ||
                          job->tasks[instance].state == TaskState::kPreempting);
    if (!killing) {
      kills_.erase(here);  // it ended
      continue;
    }
    if (now - here->second.at < here->second.grace + options_.kill_timeout_margin) continue;
    spdlog::warn("task {}: still not ended {} after its kill, shutting it down", id,
                 absl::FormatDuration(now - here->second.at));
    if (absl::Status s = hostmgr_.Shutdown(id); !s.ok()) {
      spdlog::warn("task {}: shutdown: {}", id, std::string(s.message()));
    }
    kills_.erase(here);  // once
  }
}

void JobManager::CheckDeadlines() {
  const absl::Time now = options_.now();
  for (auto& [id, job] : jobs_) {
    const uint32_t limit = job.config.sla().maxrunningtime();
    if (limit == 0) continue;
    for (store::TaskRuntime& t : job.tasks) {
      if (t.state != TaskState::kRunning || t.goal_state == TaskState::kKilled ||
          now - t.start_time < absl::Seconds(limit)) {
        continue;
      }
      t.goal_state = TaskState::kKilled;
      t.reason = std::string(taskfsm::Name(taskfsm::TerminationReason::kDeadlineTimeoutExceeded));
      KillTask(job, t.instance_id);
      SetTaskState(job, t.instance_id, TaskState::kKilling,
                   absl::StrCat("ran longer than sla.maxRunningTime (", limit, " s)"));
    }
  }
}

absl::Status JobManager::Flush() {
  std::vector<std::string> finished;
  for (auto& [id, job] : jobs_) {
    if (!job.dirty.empty()) {
      std::vector<store::TaskRuntime> batch;
      batch.reserve(job.dirty.size());
      for (uint32_t i : job.dirty) batch.push_back(job.tasks[i]);
      PELOTON_RETURN_IF_ERROR(store_.WriteTaskRuntimes(job.id, absl::MakeSpan(batch)));
      for (const store::TaskRuntime& t : batch) job.tasks[t.instance_id].version = t.version;
      job.dirty.clear();
    }
    if (!job.events.empty()) {
      PELOTON_RETURN_IF_ERROR(store_.AddPodEvents(job.id, job.events));
      // Not clear(): a job's first tick queues an event per task, and that capacity would stay
      // with the job for its life.
      std::vector<store::PodEvent>().swap(job.events);
    }
    if (job.runtime_dirty) {
      PELOTON_RETURN_IF_ERROR(store_.WriteJobRuntime(job.id, job.runtime));
      job.runtime_dirty = false;
    }
    if (job.deactivate) {
      PELOTON_RETURN_IF_ERROR(store_.RemoveActiveJob(job.id));
      finished.push_back(id);
    }
  }
  for (const std::string& id : finished) jobs_.erase(id);
  return absl::OkStatus();
}

absl::Status JobManager::RestartTasks(const JobId& id, uint32_t from, uint32_t to) {
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    Job& job = it->second;
    const uint32_t end = std::min<uint64_t>(to, job.tasks.size());
    for (uint32_t i = from; i < end; ++i) {
      store::TaskRuntime& t = job.tasks[i];
      if (!OnHost(t.state) || t.goal_state == TaskState::kKilled ||
          preempting_.contains(t.mesos_task_id)) {
        continue;
      }
      restarting_.insert(t.mesos_task_id);
      KillTask(job, i);
      SetTaskState(job, i, TaskState::kKilling, "restarting on request");
    }
  }
  return StartTasks(id, from, to);  // the ended ones; also writes the changes
}

absl::StatusOr<JobManager::Job> JobManager::LoadJob(const JobId& id) {
  PELOTON_ASSIGN_OR_RETURN(store::JobSummary summary, store_.GetJob(id));
  PELOTON_ASSIGN_OR_RETURN(store::JobConfigRecord config, store_.GetJobConfig(id));
  Job job;
  job.id = id;
  if (!job.config.ParseFromString(config.config)) {
    return absl::DataLossError(absl::StrCat("job ", id.value(), ": stored config is corrupt"));
  }
  job.runtime = summary.runtime;
  PELOTON_ASSIGN_OR_RETURN(job.tasks, store_.ListTaskRuntimes(id));
  // A crash while the job was created may have left it without (all of) its tasks.
  const uint32_t n = job.config.instancecount();
  std::vector<store::TaskRuntime> missing;
  for (uint32_t i = static_cast<uint32_t>(job.tasks.size()); i < n; ++i) {
    store::TaskRuntime t;
    t.instance_id = i;
    t.mesos_task_id = taskfsm::FormatMesosTaskId(id.value(), i, 1);
    t.config_version = t.desired_config_version = config.version;
    missing.push_back(t);
  }
  if (!missing.empty()) {
    PELOTON_RETURN_IF_ERROR(store_.WriteTaskRuntimes(id, absl::MakeSpan(missing)));
    for (store::TaskRuntime& t : missing) job.tasks.push_back(std::move(t));
  }
  Recount(job);
  return job;
}

absl::Status JobManager::Recover() {
  PELOTON_ASSIGN_OR_RETURN(std::vector<JobId> active, store_.ListActiveJobs());
  for (const JobId& id : active) {
    PELOTON_ASSIGN_OR_RETURN(Job job, LoadJob(id));
    jobs_[id.value()] = std::move(job);
  }
  PELOTON_RETURN_IF_ERROR(ResyncPools());
  ResyncHosts();
  for (auto& [id, job] : jobs_) UpdateJobState(job);
  return Flush();
}

absl::Status JobManager::ResyncPools() {
  for (auto& [id, j] : jobs_) {
    std::vector<uint32_t> requeue;
    for (store::TaskRuntime& t : j.tasks) {
      if (OnHost(t.state)) {
        absl::StatusOr<placement::TaskSpec> spec = jobmgr::TaskSpecOf(id, j.config, t.instance_id);
        if (!spec.ok()) continue;
        const task_pb::TaskConfig config = TaskConfigOf(j.config, t.instance_id);
        PELOTON_RETURN_IF_ERROR(resmgr_.AdoptTask(
            PoolId(j.config.respoolid().value()), t.mesos_task_id,
            fairshare::Allocation::Of(spec->demand, IsPreemptible(j.config, config),
                                      j.config.sla().revocable(), config.controller()),
            j.config.sla().priority()));
      } else if (Active(t.state)) {
        // Queued or being placed: queued again (a resource manager that still has it keeps it).
        if (t.goal_state == TaskState::kKilled) {
          SetTaskState(j, t.instance_id, TaskState::kKilled, "stopped before it was launched");
        } else {
          requeue.push_back(t.instance_id);
        }
      }
    }
    PELOTON_RETURN_IF_ERROR(EnqueueTasks(j, requeue));
    PELOTON_RETURN_IF_ERROR(StartMore(j));
    UpdateJobState(j);
  }
  return absl::OkStatus();
}

void JobManager::ResyncHosts() {
  std::vector<hostmgr::RunningTask> on_hosts;
  for (auto& [id, j] : jobs_) {
    for (const store::TaskRuntime& t : j.tasks) {
      if (!OnHost(t.state)) continue;
      absl::StatusOr<placement::TaskSpec> spec = jobmgr::TaskSpecOf(id, j.config, t.instance_id);
      if (!spec.ok()) continue;
      spec->id = t.mesos_task_id;
      on_hosts.push_back({t.host, *std::move(spec)});
    }
  }
  // Running tasks hold their resources again; each is now running, ended, or lost.
  for (const backend::TaskStatus& s : hostmgr_.Reconcile(on_hosts)) OnStatus(s);
}

}  // namespace peloton::jobmgr
