// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Rolling updates of service jobs (reference §3.9): taskfsm::Workflow decides, batch by batch,
// which instances move to the new config version; this file applies its actions to the tasks
// (the goal-state engine then kills and starts them), keeps the workflow's record in the store
// (a checkpoint with every Flush, written after the task runtimes it relies on) and takes it
// up again after a restart.

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "peloton/common/status_macros.h"
#include "services/jobmgr/job_manager.h"
#include "services/jobmgr/runtime_util.h"
#include "spdlog/spdlog.h"

namespace peloton::jobmgr {
namespace {

using taskfsm::InstanceChange;
using taskfsm::TaskState;
using taskfsm::UpdateState;
using taskfsm::WorkflowType;

// Any stable hash of an instance's merged task config, within this process (a restored
// workflow keeps its items and never compares configs again).
uint64_t Fingerprint(const task_pb::TaskConfig& config) {
  std::string bytes;
  google::protobuf::io::StringOutputStream raw(&bytes);
  {
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    config.SerializeToCodedStream(&out);
  }
  return absl::HashOf(bytes);
}

absl::Status ValidateUpdateConfig(const update_pb::UpdateConfig& c, uint32_t instances) {
  if (!(c.batchpercentage() >= 0 && c.batchpercentage() <= 100)) {
    return absl::InvalidArgumentError(
        absl::StrCat("updateConfig.batchPercentage: ", c.batchpercentage(), " (rule: 0..100)"));
  }
  if (c.stopbeforeupdate()) {
    return absl::UnimplementedError(
        "updateConfig.stopBeforeUpdate: not supported (rule: instances are stopped one batch at "
        "a time)");
  }
  if (c.maxfailureinstances() > instances) {
    return absl::InvalidArgumentError(
        absl::StrCat("updateConfig.maxFailureInstances: ", c.maxfailureinstances(),
                     " (rule: at most the job's instanceCount, ", instances, ")"));
  }
  return absl::OkStatus();
}

taskfsm::UpdateSpec SpecOf(const update_pb::UpdateConfig& c) {
  return {.batch_size = c.batchsize(),
          .batch_percentage = c.batchpercentage(),
          .start_paused = c.startpaused(),
          .rollback_on_failure = c.rollbackonfailure(),
          .max_instance_attempts = c.maxinstanceattempts(),
          .max_failure_instances = c.maxfailureinstances(),
          .in_place = c.inplace()};
}

// What FillUpdateRecord keeps in the record's options; DataLoss when it does not parse.
absl::StatusOr<update_pb::WorkflowOptions> StoredOptions(const store::UpdateRecord& record) {
  update_pb::WorkflowOptions options;
  if (!options.ParseFromString(record.options)) {
    return absl::DataLossError(
        absl::StrCat("workflow ", record.update_id, ": stored options unreadable"));
  }
  return options;
}

absl::StatusOr<UpdateView> ViewOf(store::UpdateRecord record) {
  PELOTON_ASSIGN_OR_RETURN(const update_pb::WorkflowOptions options, StoredOptions(record));
  UpdateView view;
  view.config = options.config();
  view.workflow_version = options.workflowversion();
  view.rollback = options.rollback();
  view.record = std::move(record);
  return view;
}

}  // namespace

const job_pb::JobConfig& JobManager::ConfigAt(const Job& job, int64_t version) {
  auto it = job.older.find(version);
  return it == job.older.end() ? job.config : it->second;
}

task_pb::TaskConfig JobManager::RunConfigOf(const Job& job, uint32_t instance) {
  return TaskConfigOf(ConfigAt(job, job.tasks[instance].config_version), instance);
}

const task_pb::TaskConfig& JobManager::RunConfigRef(const Job& job, uint32_t instance,
                                                    task_pb::TaskConfig& merged) {
  return TaskConfigRef(ConfigAt(job, job.tasks[instance].config_version), instance, merged);
}

std::vector<taskfsm::InstanceRuntime> JobManager::WorkflowRuntimes(const Job& job) const {
  std::vector<taskfsm::InstanceRuntime> rts;
  rts.reserve(job.tasks.size());
  for (const store::TaskRuntime& t : job.tasks) {
    // A removed instance (DELETED) is gone; one being removed is still there.
    if (t.state == TaskState::kDeleted && t.goal_state == TaskState::kDeleted) continue;
    taskfsm::InstanceRuntime rt;
    rt.instance = t.instance_id;
    rt.state = t.state;
    rt.goal = t.goal_state;
    rt.config_version = static_cast<uint64_t>(t.config_version);
    rt.desired_config_version = static_cast<uint64_t>(t.desired_config_version);
    rt.run_id = RunOf(t);
    const uint64_t desired = RunOfId(t.desired_mesos_task_id);
    rt.desired_run_id = desired == 0 ? rt.run_id : desired;
    rt.health = t.healthy;
    rt.failure_count = t.failure_count;
    rt.host = t.host;
    rts.push_back(std::move(rt));
  }
  return rts;
}

absl::Status JobManager::ValidateUpdate(const Job& job, job_pb::JobConfig& config,
                                        const update_pb::UpdateConfig& update) const {
  const JobId& id = job.id;
  if (JobTypeOf(job.config) != taskfsm::JobType::kService) {
    return absl::FailedPreconditionError(
        absl::StrCat("job ", id.value(), " is ", job_pb::JobType_Name(job.config.type()),
                     " (rule: only SERVICE jobs are updated; add batch instances with job "
                     "update)"));
  }
  if (!config.has_respoolid()) *config.mutable_respoolid() = job.config.respoolid();
  NormalizeJobConfig(config);
  PELOTON_RETURN_IF_ERROR(ValidateJobConfig(config, options_.limits));
  if (config.type() != job.config.type()) {
    return absl::InvalidArgumentError(absl::StrCat("type: ", job_pb::JobType_Name(config.type()),
                                                   " (rule: an update keeps the job's type, ",
                                                   job_pb::JobType_Name(job.config.type()), ")"));
  }
  if (config.respoolid().value() != job.config.respoolid().value()) {
    return absl::InvalidArgumentError(absl::StrCat("respoolID: ", config.respoolid().value(),
                                                   " (rule: an update keeps the job's pool, ",
                                                   job.config.respoolid().value(), ")"));
  }
  return ValidateUpdateConfig(update, config.instancecount());
}

absl::StatusOr<std::string> JobManager::CreateUpdate(const JobId& id, job_pb::JobConfig config,
                                                     const update_pb::UpdateConfig& update,
                                                     std::string opaque_data) {
  // A stopped job is updated too (its instances stay stopped, on the new config): it is
  // loaded, and becomes active only once the update is valid.
  Job loaded;
  const bool active = jobs_.contains(id.value());
  if (!active) {
    PELOTON_ASSIGN_OR_RETURN(loaded, LoadJob(id));
  }
  const Job& current = active ? jobs_.at(id.value()) : loaded;
  PELOTON_RETURN_IF_ERROR(ValidateUpdate(current, config, update));
  if (!active) {
    PELOTON_RETURN_IF_ERROR(store_.AddActiveJob(id));
    jobs_[id.value()] = std::move(loaded);
  }
  Job& job = jobs_.at(id.value());

  // The same update running already: nothing new (reference §3.9, 1).
  if (job.update.has_value() && !taskfsm::IsTerminal(job.update->workflow.state()) &&
      job.update->workflow.type() == WorkflowType::kUpdate && !job.update->workflow.is_rollback() &&
      job.config.SerializeAsString() == config.SerializeAsString() &&
      job.update->config.SerializeAsString() == update.SerializeAsString()) {
    return job.update->record.update_id;
  }

  // The previous spec is what each instance runs now (its run's config), so that an instance
  // a superseded update has not reached yet is compared with the config it really has.
  taskfsm::JobSpec previous;
  previous.version = static_cast<uint64_t>(job.runtime.config_version);
  const uint32_t old_n = job.instances;
  for (uint32_t i = 0; i < old_n; ++i) {
    const bool exists = i < job.tasks.size() && job.tasks[i].goal_state != TaskState::kDeleted;
    previous.instance_config.push_back(exists ? Fingerprint(RunConfigOf(job, i)) : 0);
  }
  taskfsm::JobSpec target;
  target.version = previous.version + 1;
  for (uint32_t i = 0; i < config.instancecount(); ++i) {
    target.instance_config.push_back(Fingerprint(TaskConfigOf(config, i)));
  }
  PELOTON_ASSIGN_OR_RETURN(taskfsm::Workflow workflow,
                           taskfsm::Workflow::Update(previous, target, SpecOf(update)));
  PELOTON_RETURN_IF_ERROR(workflow.Start());

  const absl::Time now = options_.now();
  store::UpdateRecord record;
  record.update_id = NewUuid(gen_);
  record.job_id = id;
  record.type = WorkflowType::kUpdate;
  record.opaque_data = std::move(opaque_data);
  record.creation_time = now;
  Job::ActiveUpdate next{record, update, std::move(workflow), {}, true, {}};
  FillUpdateRecord(next);
  PELOTON_RETURN_IF_ERROR(store_.CreateUpdate(next.record));
  if (absl::Status s = store_.AddJobConfig(
          ConfigRecordOf(id, static_cast<int64_t>(target.version), config, now));
      !s.ok()) {
    if (absl::Status d = store_.DeleteUpdate(next.record.update_id); !d.ok()) {
      spdlog::error("job {}: update {} not started, and its record not deleted: {}", id.value(),
                    next.record.update_id, std::string(d.message()));
    }
    return s;
  }

  // From here on the update is stored: the job moves on to its config. Its goal stays (a
  // stopped job's instances stay stopped, on the new config), unless the update starts its
  // tasks (startTasks, v1alpha's start_pods): then the job's goal is its default again, and
  // each instance the update reaches runs (ApplyWorkflowActions).
  if (update.starttasks()) {
    job.runtime.goal_state = taskfsm::DefaultJobGoal(JobTypeOf(job.config));
    job.kill_swept = false;
    job.runtime.completion_time = absl::UnixEpoch();
  }
  job.older[job.runtime.config_version] = std::move(job.config);
  job.config = std::move(config);
  job.runtime.config_version = job.runtime.desired_config_version =
      static_cast<int64_t>(target.version);
  job.deactivate = false;
  return BeginWorkflow(job, std::move(next));
}

absl::StatusOr<std::string> JobManager::BeginWorkflow(Job& job, Job::ActiveUpdate next) {
  if (job.update.has_value()) {
    spdlog::info("job {}: workflow {} superseded by {}", job.id.value(),
                 job.update->record.update_id, next.record.update_id);
    job.update->workflow.Supersede();
    job.update->dirty = true;
    if (absl::Status s = FlushUpdate(job); !s.ok()) {
      // Its record says it runs until written; recovery takes up only the job's newest.
      spdlog::error("job {}: superseded workflow {} not written: {}", job.id.value(),
                    job.update->record.update_id, std::string(s.message()));
    }
  }
  job.runtime.update_id = next.record.update_id;
  ++job.runtime.workflow_version;  // the entity version's workflow part
  job.runtime_dirty = true;
  job.update.reset();
  job.update.emplace(std::move(next));
  const std::string update_id = job.update->record.update_id;
  spdlog::info("job {}: {} {} to config version {} ({})", job.id.value(),
               std::string(taskfsm::Name(job.update->workflow.type())), update_id,
               job.update->workflow.target_version(),
               std::string(taskfsm::Name(job.update->workflow.state())));
  ProgressUpdate(job);
  PELOTON_RETURN_IF_ERROR(Flush());
  return update_id;
}

absl::Status JobManager::BeginRollingCreate(Job& job, const update_pb::UpdateConfig& update) {
  if (update.rollbackonfailure()) {
    return absl::InvalidArgumentError(
        "createSpec: rollback on failure (rule: job creation cannot roll back on failure)");
  }
  PELOTON_RETURN_IF_ERROR(ValidateUpdateConfig(update, job.config.instancecount()));
  // From no instances (config version 0, never stored) to the job's first config: every
  // instance is added, a batch at a time.
  taskfsm::JobSpec previous;
  previous.version = 0;
  taskfsm::JobSpec target;
  target.version = 1;
  for (uint32_t i = 0; i < job.config.instancecount(); ++i) {
    target.instance_config.push_back(Fingerprint(TaskConfigOf(job.config, i)));
  }
  PELOTON_ASSIGN_OR_RETURN(taskfsm::Workflow workflow,
                           taskfsm::Workflow::Update(previous, target, SpecOf(update)));
  PELOTON_RETURN_IF_ERROR(workflow.Start());
  store::UpdateRecord record;
  record.update_id = NewUuid(gen_);
  record.job_id = job.id;
  record.type = WorkflowType::kUpdate;
  record.creation_time = options_.now();
  Job::ActiveUpdate next{record, update, std::move(workflow), {}, true, {}};
  FillUpdateRecord(next);
  PELOTON_RETURN_IF_ERROR(store_.CreateUpdate(next.record));
  // The creation's workflow is the job's first: the job stays at 1-1-1, as Peloton's does.
  --job.runtime.workflow_version;
  return BeginWorkflow(job, std::move(next)).status();
}

absl::StatusOr<std::string> JobManager::StartRollingWorkflow(
    const JobId& id, taskfsm::WorkflowType type,
    const std::vector<std::pair<uint32_t, uint32_t>>& ranges, uint32_t batch_size,
    bool in_place) {
  const auto not_service = [&](const job_pb::JobConfig& config) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", id.value(), " is ", job_pb::JobType_Name(config.type()),
        " (rule: rolling workflows are for SERVICE jobs; use task start, stop or restart)"));
  };
  if (!jobs_.contains(id.value())) {
    if (type != WorkflowType::kStart) {
      PELOTON_RETURN_IF_ERROR(store_.GetJob(id).status());
      return absl::FailedPreconditionError(
          absl::StrCat("job ", id.value(),
                       " is not running (rule: only a running job is restarted or "
                       "stopped; start it)"));
    }
    // A stopped job: active again only for a valid start.
    PELOTON_ASSIGN_OR_RETURN(Job loaded, LoadJob(id));
    if (JobTypeOf(loaded.config) != taskfsm::JobType::kService) return not_service(loaded.config);
    PELOTON_RETURN_IF_ERROR(store_.AddActiveJob(id));
    jobs_[id.value()] = std::move(loaded);
  }
  Job& job = jobs_.at(id.value());
  if (JobTypeOf(job.config) != taskfsm::JobType::kService) return not_service(job.config);
  const taskfsm::JobSpec spec{static_cast<uint64_t>(job.runtime.config_version),
                              std::vector<uint64_t>(job.instances, 0)};
  absl::btree_set<uint32_t> chosen;  // the ranges' instances of the job, each once, in order
  std::string asked;
  for (const auto& [from, to] : ranges) {
    const uint32_t end = std::min<uint64_t>(to, job.instances);
    for (uint32_t i = from; i < end; ++i) chosen.insert(i);
    absl::StrAppend(&asked, asked.empty() ? "" : ", ", "[", from, ", ", to, ")");
  }
  const std::vector<uint32_t> instances(chosen.begin(), chosen.end());
  if (instances.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("ranges ", asked,
                                                   ": no instance of the job (rule: within 0..",
                                                   job.instances, ")"));
  }
  absl::StatusOr<taskfsm::Workflow> workflow =
      type == WorkflowType::kRestart
          ? taskfsm::Workflow::Restart(spec, instances, batch_size, in_place)
      : type == WorkflowType::kStart ? taskfsm::Workflow::Start(spec, instances, batch_size)
      : type == WorkflowType::kStop
          ? taskfsm::Workflow::Stop(spec, instances, batch_size)
          : absl::InvalidArgumentError("type: not a rolling workflow (rule: restart, start, stop)");
  PELOTON_RETURN_IF_ERROR(workflow.status());
  PELOTON_RETURN_IF_ERROR(workflow->Start());
  store::UpdateRecord record;
  record.update_id = NewUuid(gen_);
  record.job_id = id;
  record.creation_time = options_.now();
  update_pb::UpdateConfig config;
  config.set_batchsize(batch_size);
  config.set_inplace(in_place && type == WorkflowType::kRestart);
  Job::ActiveUpdate next{record, config, *std::move(workflow), {}, true, {}};
  FillUpdateRecord(next);
  PELOTON_RETURN_IF_ERROR(store_.CreateUpdate(next.record));
  if (type == WorkflowType::kStart) {
    job.runtime.goal_state = taskfsm::DefaultJobGoal(JobTypeOf(job.config));
    job.runtime.completion_time = absl::UnixEpoch();
    job.kill_swept = false;
    job.deactivate = false;
  }
  return BeginWorkflow(job, std::move(next));
}

void JobManager::ProgressUpdate(Job& job) {
  if (!job.update.has_value()) return;
  Job::ActiveUpdate& u = *job.update;
  if (taskfsm::IsTerminal(u.workflow.state())) return;
  // A rollback needs its target config written before its first actions; the workflow as it
  // was is kept in case that write fails (the next progress tries again).
  std::optional<taskfsm::Workflow> before;
  if (u.workflow.spec().rollback_on_failure && !u.workflow.is_rollback()) before = u.workflow;
  const UpdateState state = u.workflow.state();
  taskfsm::WorkflowStep step = u.workflow.Step(WorkflowRuntimes(job));
  if (before.has_value() && u.workflow.is_rollback()) {
    // The rollback's target (version target+1) holds the config the update started from.
    absl::Status s = [&]() -> absl::Status {
      PELOTON_ASSIGN_OR_RETURN(store::JobConfigRecord back,
                               store_.GetJobConfig(job.id, u.record.prev_config_version));
      PELOTON_ASSIGN_OR_RETURN(job_pb::JobConfig config, StoredConfig(back));
      back.version = static_cast<int64_t>(u.workflow.target_version());
      back.create_time = options_.now();
      PELOTON_RETURN_IF_ERROR(store_.AddJobConfig(back));
      job.older[job.runtime.config_version] = std::move(job.config);
      job.config = std::move(config);
      job.runtime.config_version = job.runtime.desired_config_version = back.version;
      job.runtime_dirty = true;
      return absl::OkStatus();
    }();
    if (!s.ok()) {
      spdlog::error("job {}: update {} not rolled back yet: {}", job.id.value(), u.record.update_id,
                    std::string(s.message()));
      u.workflow = *std::move(before);
      return;
    }
    spdlog::warn("job {}: update {} rolls back to config version {} (too many instances failed)",
                 job.id.value(), u.record.update_id, u.record.prev_config_version);
  }
  if (step.state != state || step.done != u.last.done || step.failed != u.last.failed ||
      step.in_progress != u.last.in_progress || !step.actions.empty()) {
    u.dirty = true;
  }
  u.last = step;
  const absl::Time now = options_.now();
  for (const taskfsm::InstanceAction& a : step.actions) {
    if (a.change == InstanceChange::kUnchanged) continue;  // nothing happens to it
    u.events.push_back({a.instance, u.workflow.type(), step.state, now});
  }
  ApplyWorkflowActions(job, step.actions);
  if (taskfsm::IsTerminal(step.state)) {
    spdlog::info("job {}: update {} {} ({} done, {} failed)", job.id.value(), u.record.update_id,
                 std::string(taskfsm::Name(step.state)), step.done, step.failed);
  }
}

void JobManager::ApplyWorkflowActions(Job& job,
                                      const std::vector<taskfsm::InstanceAction>& actions) {
  if (actions.empty()) return;
  const taskfsm::JobType type = JobTypeOf(job.config);
  const bool start_tasks = job.update.has_value() && job.update->config.starttasks();
  std::vector<uint32_t> touched;
  for (const taskfsm::InstanceAction& a : actions) {
    const int64_t version = static_cast<int64_t>(a.config_version);
    if (a.instance >= job.tasks.size()) {
      if (a.change != InstanceChange::kAdd && a.change != InstanceChange::kUpdate) continue;
      // Ids without gaps: ids between (not handed out yet) wait as removed instances.
      while (job.tasks.size() < a.instance) {
        store::TaskRuntime gap =
            FirstRun(job.id, static_cast<uint32_t>(job.tasks.size()), type, version);
        gap.state = gap.goal_state = TaskState::kDeleted;
        ++job.counts[static_cast<int>(TaskState::kDeleted)];
        job.dirty.insert(gap.instance_id);
        job.tasks.push_back(std::move(gap));
      }
      job.tasks.push_back(FirstRun(job.id, a.instance, type, version));
      ++job.counts[static_cast<int>(TaskState::kInitialized)];
      job.dirty.insert(a.instance);
      touched.push_back(a.instance);
      continue;
    }
    store::TaskRuntime& t = job.tasks[a.instance];
    switch (a.change) {
      case InstanceChange::kAdd:
      case InstanceChange::kUpdate:
        t.desired_config_version = version;
        t.failure_count = 0;
        if (a.desired_host.has_value() && t.desired_host.empty()) {
          job.host_hints[a.instance] = *a.desired_host;  // in place, best effort
        }
        if (t.goal_state == TaskState::kDeleted ||
            (start_tasks && t.goal_state == TaskState::kKilled)) {
          // A removed instance comes back, or a stopped one starts: its next run, at the
          // new version.
          t.goal_state = taskfsm::DefaultTaskGoal(type);
          if (taskfsm::IsTerminal(t.state)) WantNewRun(job.id, t);
        }
        break;
      case InstanceChange::kRemove:
        t.goal_state = TaskState::kDeleted;
        break;
      case InstanceChange::kUnchanged:
        t.config_version = t.desired_config_version = version;
        break;
      case InstanceChange::kRestart:
        if (a.desired_run_id > RunOf(t)) {
          t.desired_mesos_task_id =
              taskfsm::FormatMesosTaskId(job.id.value(), a.instance, a.desired_run_id);
        }
        if (a.desired_host.has_value() && t.desired_host.empty()) {
          job.host_hints[a.instance] = *a.desired_host;  // in place, best effort
        }
        break;
      case InstanceChange::kStart:
        if (t.goal_state != TaskState::kDeleted) {
          t.goal_state = taskfsm::DefaultTaskGoal(type);
          t.failure_count = 0;
          if (taskfsm::IsTerminal(t.state) && t.state != TaskState::kSucceeded) {
            WantNewRun(job.id, t);
          }
        }
        break;
      case InstanceChange::kStop:
        if (t.goal_state != TaskState::kDeleted) t.goal_state = TaskState::kKilled;
        break;
    }
    job.dirty.insert(a.instance);
    if (a.change != InstanceChange::kUnchanged) touched.push_back(a.instance);
  }
  job.instances = InstancesOf(job.config, job.tasks);
  if (actions.front().change == InstanceChange::kStop) GoalKilledWhenAllStop(job);
  if (absl::Status s = Evaluate(job, touched); !s.ok()) {
    // Those not queued stay INITIALIZED: StartMore queues them later.
    spdlog::error("job {}: update's tasks not queued: {}", job.id.value(),
                  std::string(s.message()));
  }
  UpdateJobState(job);
}

void JobManager::FillUpdateRecord(Job::ActiveUpdate& u) const {
  const taskfsm::WorkflowCheckpoint c = u.workflow.Checkpoint();
  store::UpdateRecord& r = u.record;
  r.type = c.type;
  r.state = c.state;
  r.prev_state = c.paused_from;
  r.config_version = static_cast<int64_t>(c.target_version);
  r.prev_config_version = static_cast<int64_t>(c.previous_version);
  r.instances_total = u.last.total;
  r.instances_done = u.last.done;
  r.instances_failed = u.last.failed;
  // instances_current: every instance handed out so far (done, failed or in progress).
  r.instances_current = c.processed;
  r.instances_added = c.adds;
  r.instances_updated = c.updates;
  r.instances_removed = c.removes;
  update_pb::WorkflowOptions options;
  *options.mutable_config() = u.config;
  options.set_workflowversion(c.version);
  options.set_rollback(c.rollback);
  options.set_repointed(c.repointed);
  options.set_resolvedbatchsize(c.spec.batch_size);
  r.options = options.SerializeAsString();
  r.update_time = options_.now();
  if (taskfsm::IsTerminal(c.state) && r.completion_time == absl::UnixEpoch()) {
    r.completion_time = r.update_time;
  }
}

absl::Status JobManager::FlushUpdate(Job& job) {
  if (!job.update.has_value()) return absl::OkStatus();
  Job::ActiveUpdate& u = *job.update;
  if (u.dirty) {
    FillUpdateRecord(u);
    PELOTON_RETURN_IF_ERROR(store_.WriteUpdate(u.record));
    u.dirty = false;
  }
  if (!u.events.empty()) {
    PELOTON_RETURN_IF_ERROR(store_.AddInstanceWorkflowEvents(u.record.update_id, u.events));
    std::vector<store::InstanceWorkflowEvent>().swap(u.events);
  }
  if (taskfsm::IsTerminal(u.workflow.state())) {
    job.update.reset();  // untracked (update_clear); the job's runtime keeps its id
    PruneOlderConfigs(job);
    UpdateJobState(job);  // a terminal job waited for its workflow to be untracked
  }
  return absl::OkStatus();
}

void JobManager::PruneOlderConfigs(Job& job) {
  if (job.older.empty() || job.update.has_value()) return;
  std::set<int64_t> used;
  for (const store::TaskRuntime& t : job.tasks) used.insert(t.config_version);
  for (auto it = job.older.begin(); it != job.older.end();) {
    it = used.contains(it->first) ? std::next(it) : job.older.erase(it);
  }
}

absl::Status JobManager::LoadOlderConfigs(Job& job) {
  std::set<int64_t> versions;
  for (const store::TaskRuntime& t : job.tasks) {
    versions.insert(t.config_version);
    versions.insert(t.desired_config_version);
  }
  for (int64_t v : versions) {
    if (v == job.runtime.config_version || job.older.contains(v)) continue;
    absl::StatusOr<store::JobConfigRecord> record = store_.GetJobConfig(job.id, v);
    if (absl::IsNotFound(record.status())) continue;  // never written: the newest serves
    PELOTON_RETURN_IF_ERROR(record.status());
    PELOTON_ASSIGN_OR_RETURN(job_pb::JobConfig config, StoredConfig(*record));
    job.older.emplace(v, std::move(config));
  }
  return absl::OkStatus();
}

absl::Status JobManager::LoadUpdate(Job& job) {
  if (job.runtime.update_id.empty()) return absl::OkStatus();
  absl::StatusOr<store::UpdateRecord> record = store_.GetUpdate(job.runtime.update_id);
  if (absl::IsNotFound(record.status())) return absl::OkStatus();  // created, never written
  PELOTON_RETURN_IF_ERROR(record.status());
  if (taskfsm::IsTerminal(record->state)) return absl::OkStatus();
  PELOTON_ASSIGN_OR_RETURN(const update_pb::WorkflowOptions options, StoredOptions(*record));
  const auto spec_of = [&](int64_t version) -> absl::StatusOr<taskfsm::JobSpec> {
    PELOTON_ASSIGN_OR_RETURN(store::JobConfigRecord c, store_.GetJobConfig(job.id, version));
    // Only the counts matter to a restored workflow: its items are in the checkpoint.
    return taskfsm::JobSpec{static_cast<uint64_t>(version),
                            std::vector<uint64_t>(c.instance_count, 0)};
  };
  PELOTON_ASSIGN_OR_RETURN(taskfsm::JobSpec previous, spec_of(record->prev_config_version));
  PELOTON_ASSIGN_OR_RETURN(taskfsm::JobSpec target, spec_of(record->config_version));
  taskfsm::WorkflowCheckpoint c;
  c.type = record->type;
  c.state = record->state;
  c.paused_from = record->prev_state;
  c.version = options.workflowversion();
  c.rollback = options.rollback();
  c.repointed = options.repointed();
  c.spec = SpecOf(options.config());
  c.spec.batch_size = options.resolvedbatchsize();
  c.previous_version = previous.version;
  c.target_version = target.version;
  c.adds = record->instances_added;
  c.updates = record->instances_updated;
  c.removes = record->instances_removed;
  c.processed = record->instances_current;
  absl::StatusOr<taskfsm::Workflow> workflow =
      taskfsm::Workflow::FromCheckpoint(c, previous, target, WorkflowRuntimes(job));
  if (!workflow.ok()) {
    return absl::DataLossError(
        absl::StrCat("workflow ", record->update_id,
                     ": stored checkpoint unusable: ", workflow.status().message()));
  }
  update_pb::UpdateConfig config = options.config();
  job.update.emplace(Job::ActiveUpdate{
      *std::move(record), std::move(config), *std::move(workflow), {}, false, {}});
  return absl::OkStatus();
}

absl::StatusOr<JobId> JobManager::JobOfUpdate(absl::string_view update_id) const {
  PELOTON_ASSIGN_OR_RETURN(store::UpdateRecord record, store_.GetUpdate(update_id));
  return record.job_id;
}

absl::StatusOr<UpdateView> JobManager::GetUpdate(absl::string_view update_id) {
  PELOTON_RETURN_IF_ERROR(Flush());  // what is only in memory yet
  PELOTON_ASSIGN_OR_RETURN(store::UpdateRecord record, store_.GetUpdate(update_id));
  return ViewOf(std::move(record));
}

absl::StatusOr<std::vector<UpdateView>> JobManager::ListUpdates(const JobId& id, uint32_t limit) {
  PELOTON_RETURN_IF_ERROR(Flush());
  PELOTON_RETURN_IF_ERROR(store_.GetJob(id).status());
  PELOTON_ASSIGN_OR_RETURN(std::vector<store::UpdateRecord> records, store_.ListUpdates(id, limit));
  std::vector<UpdateView> views;
  for (store::UpdateRecord& r : records) {
    PELOTON_ASSIGN_OR_RETURN(UpdateView v, ViewOf(std::move(r)));
    views.push_back(std::move(v));
  }
  return views;
}

absl::Status JobManager::ChangeUpdate(
    absl::string_view update_id, std::string opaque_data,
    const std::function<absl::Status(taskfsm::Workflow&)>& change) {
  PELOTON_ASSIGN_OR_RETURN(store::UpdateRecord record, store_.GetUpdate(update_id));
  auto it = jobs_.find(record.job_id.value());
  if (it == jobs_.end() || !it->second.update.has_value() ||
      it->second.update->record.update_id != update_id) {
    return absl::FailedPreconditionError(
        absl::StrCat("update ", update_id, " is ", taskfsm::Name(record.state),
                     " (rule: only a job's running update is paused, resumed or aborted)"));
  }
  Job& job = it->second;
  Job::ActiveUpdate& u = *job.update;
  PELOTON_RETURN_IF_ERROR(change(u.workflow));
  if (!opaque_data.empty()) u.record.opaque_data = std::move(opaque_data);
  u.dirty = true;
  ++job.runtime.workflow_version;  // the entity version's workflow part
  job.runtime_dirty = true;
  spdlog::info("job {}: update {} is {}", job.id.value(), u.record.update_id,
               std::string(taskfsm::Name(u.workflow.state())));
  ProgressUpdate(job);  // a resumed update goes on at once
  return Flush();
}

absl::Status JobManager::PauseUpdate(absl::string_view update_id, std::optional<uint64_t> version,
                                     std::string opaque_data) {
  return ChangeUpdate(update_id, std::move(opaque_data),
                      [&](taskfsm::Workflow& w) { return w.Pause(version); });
}

absl::Status JobManager::ResumeUpdate(absl::string_view update_id, std::optional<uint64_t> version,
                                      std::string opaque_data) {
  return ChangeUpdate(update_id, std::move(opaque_data),
                      [&](taskfsm::Workflow& w) { return w.Resume(version); });
}

absl::Status JobManager::AbortUpdate(absl::string_view update_id, std::optional<uint64_t> version,
                                     std::string opaque_data) {
  return ChangeUpdate(update_id, std::move(opaque_data),
                      [&](taskfsm::Workflow& w) { return w.Abort(version); });
}

absl::StatusOr<std::string> JobManager::RollbackUpdate(absl::string_view update_id) {
  PELOTON_ASSIGN_OR_RETURN(UpdateView view, GetUpdate(update_id));
  if (view.record.type != WorkflowType::kUpdate) {
    return absl::FailedPreconditionError(absl::StrCat("workflow ", update_id, " is a ",
                                                      taskfsm::Name(view.record.type),
                                                      " (rule: only updates are rolled back)"));
  }
  if (view.record.prev_config_version == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("workflow ", update_id,
                     " created the job (rule: a job's creation is not rolled back; delete it)"));
  }
  PELOTON_ASSIGN_OR_RETURN(
      store::JobConfigRecord from,
      store_.GetJobConfig(view.record.job_id, view.record.prev_config_version));
  PELOTON_ASSIGN_OR_RETURN(job_pb::JobConfig config, StoredConfig(from));
  return CreateUpdate(view.record.job_id, std::move(config), view.config, view.record.opaque_data);
}

}  // namespace peloton::jobmgr
