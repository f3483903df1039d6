// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/jobmgr/job_manager.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "peloton/taskfsm/job_state.h"
#include "peloton/taskfsm/retry.h"
#include "peloton/taskfsm/task_id.h"
#include "services/discovery/serverset.h"
#include "services/jobmgr/run_info.pb.h"
#include "services/jobmgr/runtime_util.h"
#include "spdlog/spdlog.h"

namespace peloton::jobmgr {

using taskfsm::JobState;
using taskfsm::TaskState;

JobManager::JobManager(store::Store& store, resmgr::ResourceManagerApi& resmgr,
                       hostmgr::HostManagerApi& hostmgr, absl::BitGenRef gen,
                       JobManagerOptions options)
    : store_(store), resmgr_(resmgr), hostmgr_(hostmgr), gen_(gen), options_(std::move(options)) {
  if (!options_.now) options_.now = &absl::Now;  // no clock given: the real one
}

absl::StatusOr<JobId> JobManager::CreateJob(job_pb::JobConfig config,
                                            std::optional<update_pb::UpdateConfig> rolling) {
  NormalizeJobConfig(config);
  PELOTON_RETURN_IF_ERROR(ValidateJobConfig(config, options_.limits));
  if (rolling.has_value() && config.type() != job_pb::SERVICE) {
    return absl::InvalidArgumentError(
        absl::StrCat("type: ", job_pb::JobType_Name(config.type()),
                     " (rule: a rolling creation is for SERVICE jobs)"));
  }
  const PoolId pool(config.respoolid().value());
  if (pool.empty()) return absl::InvalidArgumentError("respoolID: empty (rule: a leaf pool)");
  PELOTON_ASSIGN_OR_RETURN(resmgr::PoolInfo info, resmgr_.GetPoolById(pool));
  if (pool.value() == kRootPoolId || !info.children.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("respoolID: ", pool.value(), " (", info.path,
                                                   ") is not a leaf pool (rule: jobs run in "
                                                   "leaf pools, never the root)"));
  }
  Job job;
  job.id = NewJobId();
  PELOTON_RETURN_IF_ERROR(Claim(job.id));
  job.config = std::move(config);
  const absl::Time now = options_.now();
  const store::JobConfigRecord record = ConfigRecordOf(job.id, 1, job.config, now);
  job.runtime.state = JobState::kInitialized;
  job.runtime.goal_state = taskfsm::DefaultJobGoal(record.type);
  job.runtime.creation_time = now;
  job.runtime.update_time = now;
  if (record.type == taskfsm::JobType::kDaemon) {
    // One instance per eligible host as they are now; FollowHosts keeps it so.
    PELOTON_RETURN_IF_ERROR(PlanDaemon(job, hostmgr_.ListHosts()).status());
    job.dirty.clear();  // written below, with the job
  } else if (!rolling.has_value()) {  // a rolling creation's workflow adds them
    const uint32_t count = job.config.instancecount();
    job.tasks.reserve(count);
    for (uint32_t i = 0; i < count; ++i) job.tasks.push_back(FirstRun(job.id, i, record.type, 1));
  }
  PELOTON_RETURN_IF_ERROR(store_.CreateJob(record, job.runtime));
  if (rolling.has_value()) {
    Recount(job);
    const JobId id = job.id;
    Job& stored = jobs_[id.value()] = std::move(job);
    if (absl::Status s = BeginRollingCreate(stored, *rolling); !s.ok()) {
      // Begun, the creation goes on (only writing it failed; the next Flush writes it, as
      // for any job). Not begun, nothing is kept of the job.
      if (stored.update.has_value()) return s;
      jobs_.erase(id.value());
      if (absl::Status d = store_.DeleteJob(id); !d.ok()) {
        spdlog::error("job {}: creation not begun, and not deleted either: {}", id.value(),
                      std::string(d.message()));
      }
      return s;
    }
    return id;
  }

  // Its tasks are queued first and written once, as start_task leaves them (PENDING, or
  // INITIALIZED beyond the SLA's maximum): one row each where they were inserted INITIALIZED
  // and then updated. Nothing runs before the write: launches come from later placements, and
  // a job that could not be written is gone by then.
  const uint32_t n = static_cast<uint32_t>(job.tasks.size());
  Recount(job);
  for (uint32_t i = 0; i < n; ++i) job.dirty.insert(job.dirty.end(), i);
  Job& stored = jobs_[job.id.value()] = std::move(job);
  // Nothing is kept of a job that was not queued and written whole: what was queued of it
  // leaves the queues again.
  const auto abandon = [this, &stored](const absl::Status& why) {
    for (const store::TaskRuntime& t : stored.tasks) {
      if (t.state != TaskState::kPending) continue;
      auto gang = gang_of_.find(t.mesos_task_id);
      const std::string gang_id = gang == gang_of_.end() ? t.mesos_task_id.str() : gang->second;
      if (absl::Status r = resmgr_.RemoveGang(gang_id); !r.ok() && !absl::IsNotFound(r)) {
        spdlog::error("job {}: gang {} left queued: {}", stored.id.value(), gang_id,
                      std::string(r.message()));
      }
      if (gang != gang_of_.end()) gang_of_.erase(gang);
    }
    const JobId id = stored.id;
    jobs_.erase(id.value());
    if (absl::Status d = store_.DeleteJob(id); !d.ok()) {
      spdlog::error("job {}: not created ({}), and not deleted either: {}", id.value(),
                    std::string(why.message()), std::string(d.message()));
    }
    return why;
  };
  // start_task, as far as the SLA allows. An error: the resource manager refused its gangs.
  if (absl::Status s = Evaluate(stored, Instances(0, n)); !s.ok()) return abandon(s);
  UpdateJobState(stored);
  if (absl::Status s = FlushJob(stored); !s.ok()) return abandon(s);
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
  if (job->update.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", id.value(), " has update ", job->update->record.update_id,
                     " running (rule: add instances with an update, or abort it first)"));
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
  job->runtime.goal_state = taskfsm::DefaultJobGoal(JobTypeOf(job->config));
  job->kill_swept = false;
  job->runtime.completion_time = absl::UnixEpoch();
  job->runtime_dirty = true;
  job->deactivate = false;
  std::vector<store::TaskRuntime> added;
  for (uint32_t i = before; i < after; ++i) {
    added.push_back(FirstRun(id, i, JobTypeOf(job->config), record.version));
  }
  PELOTON_RETURN_IF_ERROR(store_.WriteTaskRuntimes(id, absl::MakeSpan(added)));
  for (store::TaskRuntime& t : added) job->tasks.push_back(std::move(t));
  Recount(*job);
  PELOTON_RETURN_IF_ERROR(Evaluate(*job, Instances(before, after)));
  UpdateJobState(*job);
  PELOTON_RETURN_IF_ERROR(Flush());
  return after - before;
}

void JobManager::SetTaskState(Job& job, uint32_t instance, TaskState state, CompactString message) {
  store::TaskRuntime& t = job.tasks[instance];
  --job.counts[static_cast<int>(t.state)];
  ++job.counts[static_cast<int>(state)];
  t.state = state;
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
  e.desired_run_id = static_cast<int64_t>(RunOfId(t.desired_mesos_task_id));
  e.healthy = t.healthy;
  e.reason = t.reason;
  e.message = message;
  t.message = std::move(message);
  e.time = options_.now();
  if (e.run_id > 0) job.events.push_back(std::move(e));
}

absl::StatusOr<JobView> JobManager::GetJob(const JobId& id) {
  JobView view;
  PELOTON_ASSIGN_OR_RETURN(static_cast<JobProgress&>(view), ProgressOf(id, &view.config));
  return view;
}

absl::StatusOr<JobProgress> JobManager::GetJobStatus(const JobId& id) {
  return ProgressOf(id, nullptr);
}

absl::StatusOr<JobProgress> JobManager::ProgressOf(const JobId& id, job_pb::JobConfig* config) {
  JobProgress progress;
  progress.id = id;
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    if (config != nullptr) *config = it->second.config;
    progress.runtime = it->second.runtime;
    progress.task_counts = it->second.counts;
    progress.instances = it->second.instances;
    return progress;
  }
  PELOTON_ASSIGN_OR_RETURN(store::JobSummary summary, store_.GetJob(id));
  PELOTON_ASSIGN_OR_RETURN(store::JobConfigRecord record, store_.GetJobConfig(id));
  PELOTON_ASSIGN_OR_RETURN(job_pb::JobConfig stored, StoredConfig(record));
  progress.runtime = summary.runtime;
  PELOTON_ASSIGN_OR_RETURN(std::vector<store::TaskRuntime> tasks, store_.ListTaskRuntimes(id));
  for (const store::TaskRuntime& t : tasks) ++progress.task_counts[static_cast<int>(t.state)];
  progress.instances = InstancesOf(stored, tasks);
  if (config != nullptr) *config = std::move(stored);
  return progress;
}

absl::StatusOr<job_pb::JobConfig> JobManager::ConfigOf(const JobId& id, int64_t version) {
  if (auto it = jobs_.find(id.value());
      it != jobs_.end() && (version == 0 || version == it->second.runtime.config_version)) {
    return it->second.config;
  }
  PELOTON_ASSIGN_OR_RETURN(store::JobConfigRecord record, version == 0
                                                              ? store_.GetJobConfig(id)
                                                              : store_.GetJobConfig(id, version));
  return StoredConfig(record);
}

absl::StatusOr<std::vector<store::PodEvent>> JobManager::PodEvents(const JobId& id,
                                                                   uint32_t instance,
                                                                   uint32_t runs) {
  PELOTON_RETURN_IF_ERROR(Flush());  // what is only in memory yet
  return store_.GetPodEvents(id, instance, {.max_runs = runs == 0 ? 10 : runs});
}

JobManager::ActiveCounts JobManager::CountActive() const {
  ActiveCounts counts;
  for (const auto& [id, job] : jobs_) {
    ++counts.jobs[static_cast<int>(job.runtime.state)];
    auto& tasks = counts.tasks[static_cast<int>(JobTypeOf(job.config))];
    for (int s = 0; s < taskfsm::kNumTaskStates; ++s) tasks[s] += job.counts[s];
  }
  return counts;
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
  return DeleteStoredJob(id);
}

absl::Status JobManager::DeleteJob(const JobId& id, bool force) {
  PELOTON_ASSIGN_OR_RETURN(store::JobSummary stored, store_.GetJob(id));
  auto it = jobs_.find(id.value());
  const JobState state = it != jobs_.end() ? it->second.runtime.state : stored.runtime.state;
  if (!force && state != JobState::kKilled) {
    return absl::AbortedError(absl::StrCat("job is not stopped: job ", id.value(), " is ",
                                           taskfsm::Name(state),
                                           " (rule: stop it first, or delete with force)"));
  }
  if (it == jobs_.end()) return DeleteStoredJob(id);  // terminal, inactive
  if (const auto& update = it->second.update;
      update.has_value() && !taskfsm::IsTerminal(update->workflow.state())) {
    // A workflow would wait for instances that no longer come.
    PELOTON_RETURN_IF_ERROR(AbortUpdate(update->record.update_id));
    it = jobs_.find(id.value());  // the abort's Flush may have changed the map
    if (it == jobs_.end()) return DeleteStoredJob(id);
  }
  Job& job = it->second;
  job.runtime.goal_state = JobState::kDeleted;
  ++job.runtime.desired_state_version;
  job.runtime_dirty = true;
  job.kill_swept = false;
  UpdateJobState(job);  // job_kill now; kill_and_delete once every task has ended
  return Flush();
}

absl::Status JobManager::DeleteStoredJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(Claim(id));
  // Its persistent volumes go first: a volume that cannot be destroyed now keeps the job (and
  // the record of where its volumes are), to be deleted again.
  PELOTON_ASSIGN_OR_RETURN(store::JobConfigRecord record, store_.GetJobConfig(id));
  PELOTON_ASSIGN_OR_RETURN(const job_pb::JobConfig config, StoredConfig(record));
  if (HasVolumes(config)) {
    PELOTON_ASSIGN_OR_RETURN(std::vector<store::TaskRuntime> tasks,
                             store_.ListTaskRuntimes(id, {}));
    for (const store::TaskRuntime& t : tasks) {
      if (t.desired_host.empty() || !TaskConfigOf(config, t.instance_id).has_volume()) continue;
      const std::string volume = VolumeIdOf(id, t.instance_id);
      if (absl::Status s = hostmgr_.DestroyVolume(t.desired_host.str(), volume); !s.ok()) {
        return absl::Status(s.code(), absl::StrCat("job ", id.value(), ": volume ", volume, " on ",
                                                   t.desired_host.view(),
                                                   " not destroyed, the job is kept (delete it "
                                                   "again): ",
                                                   s.message()));
      }
    }
  }
  PELOTON_RETURN_IF_ERROR(store_.DeleteJob(id));
  claimed_.erase(id.value());  // its claim went with it
  return absl::OkStatus();
}

absl::StatusOr<std::vector<store::TaskRuntime>> JobManager::ListTasks(const JobId& id,
                                                                      uint32_t from, uint32_t to,
                                                                      size_t limit) {
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    const std::vector<store::TaskRuntime>& tasks = it->second.tasks;
    const size_t begin = std::min<size_t>(from, tasks.size());
    size_t end = std::max(begin, std::min<size_t>(to, tasks.size()));
    end = begin + std::min(end - begin, limit);
    return std::vector<store::TaskRuntime>(tasks.begin() + begin, tasks.begin() + end);
  }
  absl::StatusOr<std::vector<store::TaskRuntime>> tasks =
      store_.ListTaskRuntimes(id, {.from_instance = from, .to_instance = to});
  if (tasks.ok() && tasks->size() > limit) tasks->resize(limit);
  return tasks;
}

std::vector<std::pair<std::string, uint32_t>> JobManager::PortsOf(const store::TaskRuntime& t) {
  std::vector<std::pair<std::string, uint32_t>> ports;
  run::RunInfo info;
  if (t.info.empty() || !info.ParseFromArray(t.info.data(), static_cast<int>(t.info.size()))) {
    return ports;
  }
  ports.assign(info.ports().begin(), info.ports().end());
  std::sort(ports.begin(), ports.end());
  return ports;
}

absl::StatusOr<std::vector<JobManager::Endpoint>> JobManager::Endpoints(const JobId& id) {
  // An active job's tasks are read where they are (a watch and the announcer ask every tick);
  // an ended one's from the store.
  std::vector<store::TaskRuntime> stored;
  const std::vector<store::TaskRuntime>* tasks = nullptr;
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    tasks = &it->second.tasks;
  } else {
    PELOTON_ASSIGN_OR_RETURN(stored, ListTasks(id));
    tasks = &stored;
  }
  std::vector<Endpoint> endpoints;
  endpoints.reserve(tasks->size());
  for (const store::TaskRuntime& t : *tasks) {
    endpoints.push_back({.instance = t.instance_id,
                         .task_id = t.mesos_task_id.str(),
                         .host = t.host.str(),
                         .state = t.state,
                         .health = t.healthy,
                         .routable = taskfsm::IsRoutable(t.state, t.healthy) && !t.host.empty(),
                         .ports = PortsOf(t)});
  }
  return endpoints;
}

std::vector<JobManager::Announcement> JobManager::Announcements() const {
  std::vector<Announcement> out;
  for (const auto& [id, job] : jobs_) {
    Announcement a{job.id, "", ""};
    for (const auto& l : job.config.labels()) {
      if (l.key() == discovery::kPathLabel) a.path = l.value();
      if (l.key() == discovery::kPortLabel) a.port = l.value();
    }
    if (!a.path.empty()) out.push_back(std::move(a));
  }
  return out;
}

absl::Status JobManager::StopJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(StopTasks(id, 0, UINT32_MAX));
  return BumpVersion(id, &store::JobRuntime::desired_state_version);
}

absl::Status JobManager::StartJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(StartTasks(id, 0, UINT32_MAX));
  return BumpVersion(id, &store::JobRuntime::desired_state_version);
}

absl::Status JobManager::BumpVersion(const JobId& id, int64_t store::JobRuntime::*part) {
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    ++(it->second.runtime.*part);
    it->second.runtime_dirty = true;
    return Flush();
  }
  PELOTON_RETURN_IF_ERROR(Claim(id));
  PELOTON_ASSIGN_OR_RETURN(store::JobSummary job, store_.GetJob(id));
  ++(job.runtime.*part);
  return store_.WriteJobRuntime(id, job.runtime);
}

absl::StatusOr<std::vector<store::InstanceWorkflowEvent>> JobManager::WorkflowEvents(
    const JobId& id, uint32_t instance, uint32_t limit) {
  PELOTON_ASSIGN_OR_RETURN(const JobView view, GetJob(id));
  if (view.runtime.update_id.empty()) {
    return absl::NotFoundError(absl::StrCat("job ", id.value(), ": no workflow found"));
  }
  PELOTON_RETURN_IF_ERROR(Flush());  // what is only in memory yet
  return store_.GetInstanceWorkflowEvents(view.runtime.update_id, instance, limit);
}

std::string EntityVersionOf(const store::JobRuntime& runtime) {
  return absl::StrCat(runtime.config_version, "-", runtime.desired_state_version, "-",
                      runtime.workflow_version);
}

absl::StatusOr<std::string> JobManager::EntityVersion(const JobId& id) {
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    return EntityVersionOf(it->second.runtime);
  }
  PELOTON_ASSIGN_OR_RETURN(store::JobSummary job, store_.GetJob(id));
  return EntityVersionOf(job.runtime);
}

absl::Status JobManager::CheckEntityVersion(const JobId& id, absl::string_view version) {
  PELOTON_ASSIGN_OR_RETURN(const std::string current, EntityVersion(id));
  if (version != current) {
    return absl::AbortedError(absl::StrCat("unexpected entity version: '", version, "' (the job ",
                                           id.value(), " is at ", current, ")"));
  }
  return absl::OkStatus();
}

absl::Status JobManager::StopTasks(const JobId& id, uint32_t from, uint32_t to) {
  auto it = jobs_.find(id.value());
  if (it == jobs_.end()) {
    PELOTON_RETURN_IF_ERROR(store_.GetJob(id).status());
    return absl::OkStatus();  // not active: already terminal, nothing runs
  }
  Job& job = it->second;
  const uint32_t end = std::min<uint64_t>(to, job.tasks.size());
  std::vector<uint32_t> stop;
  for (uint32_t i = from; i < end; ++i) {
    store::TaskRuntime& t = job.tasks[i];
    // Ended ones too: a service task waiting out its throttle must not start again. A removed
    // daemon instance (goal DELETED) is being stopped already.
    if (t.goal_state == TaskState::kKilled || t.goal_state == TaskState::kDeleted ||
        t.state == TaskState::kSucceeded) {
      continue;
    }
    t.goal_state = TaskState::kKilled;
    job.dirty.insert(i);
    stop.push_back(i);
  }
  PELOTON_RETURN_IF_ERROR(Evaluate(job, stop));  // stop_task
  GoalKilledWhenAllStop(job);
  UpdateJobState(job);
  return Flush();
}

void JobManager::GoalKilledWhenAllStop(Job& job) {
  if (std::all_of(job.tasks.begin(), job.tasks.end(), [](const store::TaskRuntime& t) {
        return t.goal_state == TaskState::kKilled || t.goal_state == TaskState::kDeleted ||
               taskfsm::IsTerminal(t.state);
      })) {
    job.runtime.goal_state = JobState::kKilled;
    job.kill_swept = false;
    job.runtime_dirty = true;
  }
}

absl::Status JobManager::StartTasks(const JobId& id, uint32_t from, uint32_t to) {
  if (!jobs_.contains(id.value())) {
    PELOTON_ASSIGN_OR_RETURN(Job loaded, LoadJob(id));
    PELOTON_RETURN_IF_ERROR(store_.AddActiveJob(id));
    jobs_[id.value()] = std::move(loaded);
  }
  Job& job = jobs_.at(id.value());
  const uint32_t end = std::min<uint64_t>(to, job.tasks.size());
  const TaskState goal = taskfsm::DefaultTaskGoal(JobTypeOf(job.config));
  std::vector<uint32_t> start;
  for (uint32_t i = from; i < end; ++i) {
    store::TaskRuntime& t = job.tasks[i];
    // Running (or still being stopped): nothing to start. Succeeded: done. Removed (a daemon
    // instance whose host left): not an instance any more.
    if (!taskfsm::IsTerminal(t.state) || t.state == TaskState::kSucceeded ||
        t.goal_state == TaskState::kDeleted) {
      continue;
    }
    t.goal_state = goal;
    t.failure_count = 0;
    WantNewRun(job.id, t);  // initialize_task, then start_task
    job.dirty.insert(i);
    start.push_back(i);
  }
  job.runtime.goal_state = taskfsm::DefaultJobGoal(JobTypeOf(job.config));
  job.kill_swept = false;
  job.runtime.completion_time = absl::UnixEpoch();
  job.runtime_dirty = true;
  job.deactivate = false;
  PELOTON_RETURN_IF_ERROR(Evaluate(job, start));
  StartMore(job);
  UpdateJobState(job);
  return Flush();
}

JobManager::Job* JobManager::FindByTaskId(absl::string_view task_id, uint32_t* instance,
                                          uint64_t* run) {
  absl::StatusOr<taskfsm::MesosTaskId> id = taskfsm::ParseMesosTaskId(task_id);
  if (!id.ok()) return nullptr;
  auto it = jobs_.find(id->job_id);
  if (it == jobs_.end() || id->instance >= it->second.tasks.size()) return nullptr;
  *instance = id->instance;
  *run = id->run;
  return &it->second;
}

CompactString JobManager::SharedName(absl::string_view name) {
  if (name.empty()) return {};
  if (auto it = names_.find(name); it != names_.end()) return *it;
  if (names_.size() >= names_sweep_at_) {
    for (auto it = names_.begin(); it != names_.end();) {
      // Held by this table alone: no task is on that host any more. (The job manager's
      // thread is the only one that copies these.)
      if (it->use_count() == 1) {
        names_.erase(it++);
      } else {
        ++it;
      }
    }
    names_sweep_at_ = std::max<size_t>(1024, 2 * names_.size());
  }
  return *names_.emplace(name).first;
}

absl::Status JobManager::FlushJob(Job& job) {
  // A running update steps when its tasks changed (or it did): what it asks is written with
  // them below, before its checkpoint.
  if (job.update.has_value() && (!job.dirty.empty() || job.update->dirty)) ProgressUpdate(job);
  if (!job.dirty.empty()) {
    // Written where they are: the store bumps their versions on success only.
    std::vector<store::TaskRuntime*> batch;
    batch.reserve(job.dirty.size());
    for (uint32_t i : job.dirty) batch.push_back(&job.tasks[i]);
    PELOTON_RETURN_IF_ERROR(store_.WriteTaskRuntimes(job.id, absl::MakeConstSpan(batch)));
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
  PELOTON_RETURN_IF_ERROR(FlushUpdate(job));
  if (job.deactivate) PELOTON_RETURN_IF_ERROR(store_.RemoveActiveJob(job.id));
  return absl::OkStatus();
}

absl::Status JobManager::Flush() {
  std::vector<std::string> finished;
  std::vector<JobId> fenced;  // all-active: jobs another job manager owns now
  for (auto& [id, job] : jobs_) {
    absl::Status s = FlushJob(job);
    if (!s.ok() && store::IsFenced(s) && !options_.member.empty()) {
      spdlog::warn("let go of job {}: {}", job.id.value(), std::string(s.message()));
      fenced.push_back(job.id);
      continue;
    }
    PELOTON_RETURN_IF_ERROR(s);
    if (job.deactivate) finished.push_back(id);
  }
  for (const JobId& id : fenced) LetGo(id);
  for (const std::string& id : finished) {
    const JobId job_id = jobs_.at(id).id;
    if (jobs_.at(id).runtime.goal_state != JobState::kDeleted) {
      // Nothing of an ended job stays, its claim neither (a later write claims it again): a
      // job manager that runs for months holds only its active jobs.
      LetGo(job_id);
      continue;
    }
    jobs_.erase(id);
    // kill_and_delete: every task has ended. A job whose volumes cannot be destroyed now stays
    // (terminal, goal DELETED), to be deleted again.
    if (absl::Status s = DeleteStoredJob(job_id); !s.ok()) {
      spdlog::error("job {}: not deleted: {}", job_id.value(), std::string(s.message()));
    } else {
      spdlog::info("job {}: deleted", job_id.value());
    }
  }
  return absl::OkStatus();
}

absl::Status JobManager::RestartTasks(const JobId& id, uint32_t from, uint32_t to) {
  if (auto it = jobs_.find(id.value()); it != jobs_.end()) {
    Job& job = it->second;
    const uint32_t end = std::min<uint64_t>(to, job.tasks.size());
    std::vector<uint32_t> restart;
    for (uint32_t i = from; i < end; ++i) {
      store::TaskRuntime& t = job.tasks[i];
      if (!OnHost(t.state) || GoalIsStop(t.goal_state) || !t.desired_mesos_task_id.empty()) {
        continue;  // not running, being stopped, or a new run is on its way already
      }
      WantNewRun(job.id, t);  // stop_task, then initialize_task when it has ended
      job.dirty.insert(i);
      restart.push_back(i);
    }
    PELOTON_RETURN_IF_ERROR(Evaluate(job, restart));
  }
  return StartTasks(id, from, to);  // the ended ones; also writes the changes
}

}  // namespace peloton::jobmgr
