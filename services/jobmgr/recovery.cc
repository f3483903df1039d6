// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Taking over after a restart: the active jobs from the store, their tasks' resources in their
// pools again, their tasks on hosts reconciled, then the engine over every task.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "services/jobmgr/job_manager.h"
#include "services/jobmgr/runtime_util.h"
#include "spdlog/spdlog.h"

namespace peloton::jobmgr {

using taskfsm::TaskState;

void JobManager::Recount(Job& job) {
  job.counts.fill(0);
  for (const store::TaskRuntime& t : job.tasks) ++job.counts[static_cast<int>(t.state)];
  job.controller = TaskConfigOf(job.config, 0).controller();
  job.daemon = JobTypeOf(job.config) == taskfsm::JobType::kDaemon;
  job.instances = InstancesOf(job.config, job.tasks);
}

absl::StatusOr<JobManager::Job> JobManager::LoadJob(const JobId& id) {
  PELOTON_RETURN_IF_ERROR(Claim(id));
  PELOTON_ASSIGN_OR_RETURN(store::JobSummary summary, store_.GetJob(id));
  PELOTON_ASSIGN_OR_RETURN(store::JobConfigRecord config, store_.GetJobConfig(id));
  Job job;
  job.id = id;
  PELOTON_ASSIGN_OR_RETURN(job.config, StoredConfig(config));
  job.runtime = summary.runtime;
  PELOTON_ASSIGN_OR_RETURN(job.tasks, store_.ListTaskRuntimes(id));
  for (store::TaskRuntime& t : job.tasks) {
    t.host = SharedName(t.host);
    t.agent_id = SharedName(t.agent_id);
  }
  PELOTON_RETURN_IF_ERROR(LoadOlderConfigs(job));
  PELOTON_RETURN_IF_ERROR(LoadUpdate(job));
  // A crash while the job was created may have left it without (all of) its tasks. (A
  // running update adds its instances itself, batch by batch.)
  const uint32_t n = job.update.has_value() ? 0 : job.config.instancecount();
  std::vector<store::TaskRuntime> missing;
  for (uint32_t i = static_cast<uint32_t>(job.tasks.size()); i < n; ++i) {
    missing.push_back(FirstRun(id, i, JobTypeOf(job.config), config.version));
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
  std::vector<JobId> mine;
  for (JobId& id : active) {
    if (Owns(id) && !jobs_.contains(id.value())) mine.push_back(std::move(id));
  }
  return TakeUp(mine);
}

absl::Status JobManager::TakeUp(const std::vector<JobId>& ids) {
  // The host manager launches nothing until a job manager has reconciled once: the first
  // Recover reconciles, if only nothing.
  if (ids.empty() && recovered_) return absl::OkStatus();
  recovered_ = true;
  for (const JobId& id : ids) {
    PELOTON_ASSIGN_OR_RETURN(Job job, LoadJob(id));
    jobs_[id.value()] = std::move(job);
  }
  if (!ids.empty()) spdlog::info("took up {} active jobs{}", ids.size(), NamedJobs(ids));
  for (const JobId& id : ids) PELOTON_RETURN_IF_ERROR(ResyncPool(jobs_.at(id.value())));
  ResyncHosts(ids);
  // Every task goes through the engine once (reference §1.6; the actions are idempotent): a
  // kill that may not have been sent is sent, a launch's wait starts, a run that had ended
  // without its next one being set up gets it.
  for (const JobId& id : ids) {
    auto it = jobs_.find(id.value());
    if (it == jobs_.end()) continue;  // a status ended it meanwhile
    PELOTON_RETURN_IF_ERROR(Evaluate(it->second, Instances(0, it->second.tasks.size())));
    UpdateJobState(it->second);
  }
  return Flush();
}

absl::Status JobManager::ResyncPools() {
  for (auto& [id, job] : jobs_) PELOTON_RETURN_IF_ERROR(ResyncPool(job));
  return absl::OkStatus();
}

absl::Status JobManager::ResyncPool(Job& j) {
  std::vector<uint32_t> requeue;
  for (store::TaskRuntime& t : j.tasks) {
    if (OnHost(t.state)) {
      absl::StatusOr<placement::TaskSpec> spec =
          jobmgr::TaskSpecOf(j.id.value(), ConfigAt(j, t.config_version), t.instance_id);
      if (!spec.ok()) continue;
      const task_pb::TaskConfig config = RunConfigOf(j, t.instance_id);
      PELOTON_RETURN_IF_ERROR(
          resmgr_.AdoptTask(PoolId(j.config.respoolid().value()), t.mesos_task_id,
                            fairshare::Allocation::Of(spec->demand, IsPreemptible(j.config, config),
                                                      spec->revocable, config.controller()),
                            j.config.sla().priority()));
    } else if (Active(t.state)) {
      // Queued or being placed: queued again (a resource manager that still has it keeps it),
      // unless it is being stopped or a new run is wanted: then this run ends here.
      if (GoalIsStop(t.goal_state) || !t.desired_mesos_task_id.empty()) {
        SetTaskState(j, t.instance_id, TaskState::kKilled, "stopped before it was launched");
        PELOTON_RETURN_IF_ERROR(Evaluate(j, t.instance_id));
      } else {
        requeue.push_back(t.instance_id);
      }
    }
  }
  PELOTON_RETURN_IF_ERROR(EnqueueTasks(j, requeue));
  StartMore(j);
  UpdateJobState(j);
  return absl::OkStatus();
}

void JobManager::ResyncHosts() {
  std::vector<JobId> ids;
  ids.reserve(jobs_.size());
  for (const auto& [id, job] : jobs_) ids.push_back(job.id);
  ResyncHosts(ids);
}

void JobManager::ResyncHosts(absl::Span<const JobId> ids) {
  std::vector<hostmgr::RunningTask> on_hosts;
  for (const JobId& id : ids) {
    auto it = jobs_.find(id.value());
    if (it == jobs_.end()) continue;
    const Job& j = it->second;
    for (const store::TaskRuntime& t : j.tasks) {
      if (!OnHost(t.state)) continue;
      absl::StatusOr<placement::TaskSpec> spec =
          jobmgr::TaskSpecOf(id.value(), ConfigAt(j, t.config_version), t.instance_id);
      if (!spec.ok()) continue;
      spec->id = t.mesos_task_id;
      on_hosts.push_back({t.host.str(), *std::move(spec)});
    }
  }
  // Running tasks hold their resources again; each is now running, ended, or lost.
  for (const backend::TaskStatus& s : hostmgr_.Reconcile(on_hosts)) OnStatus(s);
}

}  // namespace peloton::jobmgr
