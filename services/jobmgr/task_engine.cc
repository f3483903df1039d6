// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The job manager's goal-state engine (reference §3.6): taskfsm chooses each task's next action
// from (state, goal, config versions, run ids); this file runs it. The job's state and its own
// action come from taskfsm too (UpdateJobState).

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "peloton/taskfsm/goal_state.h"
#include "peloton/taskfsm/job_state.h"
#include "peloton/taskfsm/retry.h"
#include "services/jobmgr/job_manager.h"
#include "services/jobmgr/runtime_util.h"
#include "spdlog/spdlog.h"

namespace peloton::jobmgr {
namespace {

using taskfsm::JobAction;
using taskfsm::JobState;
using taskfsm::TaskAction;
using taskfsm::TaskState;

// Actions run for one task in one evaluation at most. The longest chain that does not wait is
// stop_task (a queued task, KILLED) -> initialize_task -> start_task; the bound only keeps a
// table that would loop from spinning.
constexpr int kMaxActionsPerEvaluation = 6;

// How often launched tasks are checked against launch_timeout (at most; less when the timeout
// is shorter).
constexpr absl::Duration kLaunchSweepPeriod = absl::Seconds(60);

taskfsm::TaskSnapshot SnapshotOf(const store::TaskRuntime& t) {
  taskfsm::TaskSnapshot s;
  s.state = t.state;
  s.goal = t.goal_state;
  s.config_version = static_cast<uint64_t>(t.config_version);
  s.desired_config_version = static_cast<uint64_t>(t.desired_config_version);
  s.run_id = RunOf(t);
  s.desired_run_id = RunOfId(t.desired_mesos_task_id);
  return s;
}

}  // namespace

absl::Status JobManager::Evaluate(Job& job, absl::Span<const uint32_t> instances) {
  std::vector<uint32_t> to_start;
  for (uint32_t i : instances) {
    for (int step = 0; step < kMaxActionsPerEvaluation; ++step) {
      const TaskAction action = taskfsm::NextTaskAction(SnapshotOf(job.tasks[i]));
      if (!RunAction(job, i, action, to_start)) break;
    }
  }
  return StartQueued(job, to_start);
}

void JobManager::EvaluateOrLog(Job& job, uint32_t instance) {
  if (absl::Status s = Evaluate(job, instance); !s.ok()) {
    // The task stays INITIALIZED; the next evaluation (an event, StartMore, a recovery)
    // queues it again.
    spdlog::error("job {} instance {}: not queued: {}", job.id.value(), instance,
                  std::string(s.message()));
  }
}

bool JobManager::RunAction(Job& job, uint32_t instance, TaskAction action,
                           std::vector<uint32_t>& to_start) {
  store::TaskRuntime& t = job.tasks[instance];
  switch (action) {
    case TaskAction::kNoop:
      return false;
    case TaskAction::kStartTask:
      to_start.push_back(instance);  // queued with the others, in gangs (StartQueued)
      return false;
    case TaskAction::kStopTask:
      return StopRun(
          job, instance, TaskState::kKilling,
          t.goal_state == TaskState::kKilled       ? "killing on request"
          : t.goal_state == TaskState::kPreempting ? "preempting (killOnPreempt)"
          : t.goal_state == TaskState::kDeleted    ? "killing: the instance is removed"
          : t.config_version != t.desired_config_version
              ? absl::StrCat("killing for update to config version ", t.desired_config_version)
              : "restarting: a new run is wanted");
    case TaskAction::kInitializeTask:
      InitializeRun(job, instance);
      return true;
    case TaskAction::kLaunchRetry:
      return LaunchRetry(job, instance);
    case TaskAction::kTerminatedRetry:
      return TerminatedRetry(job, instance);
    case TaskAction::kFailRetry:
      return FailRetry(job, instance);
    case TaskAction::kExecutorShutdown:
      ExecutorShutdown(job, instance);
      return false;
    case TaskAction::kDeleteTask:
      // A removed instance (a daemon's host left) has ended. Its runtime stays, DELETED, so
      // that its id's runs keep counting up if the id is taken again.
      ClearTimer(t.mesos_task_id);
      t.desired_mesos_task_id.clear();
      SetTaskState(job, instance, TaskState::kDeleted,
                   t.desired_host.empty() ? "removed"
                                          : absl::StrCat("removed: host ", t.desired_host.view(),
                                                         " is no longer one of the job's hosts"));
      return true;
    case TaskAction::kReloadRuntime:  // every active job's runtimes are in memory
    case TaskAction::kStateInvalid:
      spdlog::warn("task {}: {} with goal {}: {} (left as it is)", t.mesos_task_id,
                   std::string(taskfsm::Name(t.state)), std::string(taskfsm::Name(t.goal_state)),
                   std::string(taskfsm::Name(action)));
      return false;
  }
  return false;
}

bool JobManager::StopRun(Job& job, uint32_t instance, TaskState killing,
                         const std::string& message) {
  store::TaskRuntime& t = job.tasks[instance];
  switch (t.state) {
    case TaskState::kInitialized:
      SetTaskState(job, instance, TaskState::kKilled, "stopped before it was queued");
      return true;
    case TaskState::kPending: {
      auto gang = gang_of_.find(t.mesos_task_id);
      const std::string gang_id = gang == gang_of_.end() ? t.mesos_task_id.str() : gang->second;
      if (absl::Status s = resmgr_.RemoveGang(gang_id); !s.ok()) {
        // NotFound: admitted, not queued; placement drops it, since it no longer waits for a
        // host (TaskSpecOf), and Dropped ends the run.
        if (!absl::IsNotFound(s)) {
          spdlog::warn("task {}: not taken out of its queue: {}", t.mesos_task_id,
                       std::string(s.message()));
        }
        return false;
      }
      if (gang == gang_of_.end()) {
        SetTaskState(job, instance, TaskState::kKilled, "stopped while queued");
        return true;
      }
      // The whole gang (instances 0..min-1, reference §2.5) left its queue. Stopping one member
      // stops the gang; a member that only wants a new run takes its mates along.
      const uint32_t members =
          std::min<uint32_t>(job.config.sla().minimumrunninginstances(), job.tasks.size());
      std::vector<uint32_t> mates;
      for (uint32_t m = 0; m < members; ++m) {
        store::TaskRuntime& other = job.tasks[m];
        auto g = gang_of_.find(other.mesos_task_id);
        if (g == gang_of_.end() || g->second != gang_id || other.state != TaskState::kPending) {
          continue;
        }
        gang_of_.erase(g);
        if (m != instance) {
          if (GoalIsStop(t.goal_state)) {
            other.goal_state = TaskState::kKilled;
          } else {
            WantNewRun(job.id, other);
          }
          mates.push_back(m);
        }
        SetTaskState(job, m, TaskState::kKilled, "stopped while queued");
      }
      if (absl::Status s = Evaluate(job, mates); !s.ok()) {
        spdlog::error("job {}: gang not queued again: {}", job.id.value(),
                      std::string(s.message()));
      }
      return true;
    }
    case TaskState::kKilling:
    case TaskState::kPreempting:
      ExecutorShutdown(job, instance);  // the kill was sent: wait for it, then shut down
      return false;
    default: {
      if (!OnHost(t.state)) return false;
      // A routable instance of a routed job leaves its routes first: KILLING, it is no longer
      // routable (its endpoint says so at once, announcers and routers take it out), and its
      // kill is sent when the drain is over (ExecutorShutdown). One that takes no traffic (not
      // running yet, or failing its health check) has nothing to drain.
      const absl::Duration drain =
          taskfsm::IsRoutable(t.state, t.healthy) ? DrainOf(job.config) : absl::ZeroDuration();
      if (drain > absl::ZeroDuration()) {
        const absl::Time now = options_.now();
        SetTimer(t.mesos_task_id, now, now + drain);
        timers_[t.mesos_task_id].draining = true;
        SetTaskState(
            job, instance, killing,
            absl::StrCat(message, " (draining for ", absl::FormatDuration(drain), " first)"));
        return true;
      }
      KillTask(job, instance);
      SetTaskState(job, instance, killing, message);
      return true;
    }
  }
}

void JobManager::WantNewRun(const JobId& job, store::TaskRuntime& t) {
  t.desired_mesos_task_id = taskfsm::FormatMesosTaskId(job.value(), t.instance_id, RunOf(t) + 1);
}

void JobManager::InitializeRun(Job& job, uint32_t instance) {
  ++events_.new_runs;
  store::TaskRuntime& t = job.tasks[instance];
  ClearTimer(t.mesos_task_id);
  if (!t.desired_mesos_task_id.empty() && t.desired_mesos_task_id != t.mesos_task_id) {
    t.mesos_task_id = t.desired_mesos_task_id;
    t.desired_mesos_task_id.clear();
  } else {
    t.mesos_task_id = taskfsm::FormatMesosTaskId(job.id.value(), instance, RunOf(t) + 1);
  }
  t.desired_mesos_task_id.clear();
  t.config_version = t.desired_config_version;
  t.host.clear();
  t.agent_id.clear();
  t.info.clear();  // the last run's ports
  t.reason.clear();
  t.healthy = taskfsm::HealthState::kInvalid;
  t.start_time = absl::UnixEpoch();
  t.completion_time = absl::UnixEpoch();
  SetTaskState(job, instance, TaskState::kInitialized, "restarting");
}

bool JobManager::FailRetry(Job& job, uint32_t instance) {
  const store::TaskRuntime& t = job.tasks[instance];
  const task_pb::TaskConfig config = RunConfigOf(job, instance);
  const bool again =
      t.state == TaskState::kLost
          ? taskfsm::OnLost(config.has_volume()).reschedule
          : taskfsm::ShouldRetryBatchTask(t.failure_count, config.restartpolicy().maxfailures(),
                                          taskfsm::IsSystemFailure(t.reason, t.message));
  if (!again) return false;
  InitializeRun(job, instance);
  return true;
}

bool JobManager::TerminatedRetry(Job& job, uint32_t instance) {
  store::TaskRuntime& t = job.tasks[instance];
  const absl::Time now = options_.now();
  const absl::Time due =
      t.completion_time + taskfsm::ServiceRestartDelay(t.failure_count, options_.restart_base_delay,
                                                       options_.max_restart_delay);
  if (now >= due) {
    InitializeRun(job, instance);
    return true;
  }
  if (!timers_.contains(t.mesos_task_id)) {
    SetTimer(t.mesos_task_id, t.completion_time, due);
    t.message = absl::StrCat("Task throttled due to failure (restarts in ",
                             absl::FormatDuration(absl::Trunc(due - now, absl::Seconds(1))), ")");
    job.dirty.insert(instance);
  }
  return false;
}

bool JobManager::LaunchRetry(Job& job, uint32_t instance) {
  store::TaskRuntime& t = job.tasks[instance];
  const absl::Time now = options_.now();
  if (t.start_time == absl::UnixEpoch()) {  // launched by an older version: the wait starts now
    t.start_time = now;
    job.dirty.insert(instance);
    return false;
  }
  if (now - t.start_time < options_.launch_timeout) return false;  // the sweep comes back
  spdlog::warn("task {}: still {} {} after its launch, launching it again as a new run",
               t.mesos_task_id, std::string(taskfsm::Name(t.state)),
               absl::FormatDuration(now - t.start_time));
  // The old run is given up: killed if it ever shows up (its events are orphans from now on),
  // and its pool allocation released.
  if (absl::Status s = hostmgr_.Kill(t.mesos_task_id.str()); !s.ok()) {
    spdlog::warn("task {}: kill: {}", t.mesos_task_id, std::string(s.message()));
  }
  resmgr_.TaskEnded(t.mesos_task_id);
  SetTaskState(job, instance, TaskState::kLost,
               absl::StrCat("not running within launch_timeout (",
                            absl::FormatDuration(options_.launch_timeout), ")"));
  InitializeRun(job, instance);
  return true;
}

void JobManager::ExecutorShutdown(Job& job, uint32_t instance) {
  const CompactString& id = job.tasks[instance].mesos_task_id;
  auto it = timers_.find(id);
  if (it == timers_.end()) {
    // Recovered KILLING: the kill may never have been sent. It is sent (again; kills are
    // idempotent) and its wait starts now.
    KillTask(job, instance);
    return;
  }
  Timer& timer = it->second;
  if (timer.fired || options_.now() < timer.due) return;
  if (timer.draining) {  // out of its routes for its drain: now the kill
    KillTask(job, instance);
    return;
  }
  spdlog::warn("task {}: still not ended {} after its kill, shutting it down", id,
               absl::FormatDuration(options_.now() - timer.since));
  if (absl::Status s = hostmgr_.Shutdown(id.str()); !s.ok()) {
    spdlog::warn("task {}: shutdown: {}", id, std::string(s.message()));
  }
  timer.fired = true;  // once
}

void JobManager::KillTask(const Job& job, uint32_t instance) {
  ++events_.kills;
  const CompactString& id = job.tasks[instance].mesos_task_id;
  const uint32_t grace = RunConfigOf(job, instance).killgraceperiodseconds();
  const absl::Time now = options_.now();
  SetTimer(id, now,
           now + absl::Seconds(grace > 0 ? grace : kDefaultKillGracePeriodSeconds) +
               options_.kill_timeout_margin);
  if (absl::Status s = hostmgr_.Kill(id.str()); !s.ok()) {
    // The timer stands: executor_shutdown ends the task by force after the grace period.
    spdlog::warn("task {}: kill: {}", id, std::string(s.message()));
  }
}

void JobManager::SetTimer(absl::string_view task_id, absl::Time since, absl::Time due) {
  auto [it, added] = timers_.try_emplace(task_id);
  if (!added) due_.erase({it->second.due, it->first});
  it->second = {.since = since, .due = due};
  due_.insert({due, it->first});
}

void JobManager::ClearTimer(absl::string_view task_id) {
  auto it = timers_.find(task_id);
  if (it == timers_.end()) return;
  due_.erase({it->second.due, it->first});
  timers_.erase(it);
}

void JobManager::RunTimers() {
  const absl::Time now = options_.now();
  if (now >= next_launch_sweep_) SweepLaunched(now);
  std::vector<std::string> due;
  while (!due_.empty() && due_.begin()->first <= now) {
    due.push_back(due_.begin()->second);
    due_.erase(due_.begin());
  }
  for (const std::string& id : due) {
    uint32_t instance = 0;
    uint64_t run = 0;
    Job* job = FindByTaskId(id, &instance, &run);
    if (job == nullptr || job->tasks[instance].mesos_task_id != id) {
      timers_.erase(id);  // its run is over
      continue;
    }
    EvaluateOrLog(*job, instance);
    // An ended run waits for nothing more (a throttled restart was cancelled by a stop).
    if (taskfsm::IsTerminal(job->tasks[instance].state)) ClearTimer(id);
    UpdateJobState(*job);
  }
}

void JobManager::SweepLaunched(absl::Time now) {
  // Launches share one timeout, so one sweep a period finds every one that is over it, at
  // most a period late; a timer per launch cost 6% of end-to-end throughput (bench/e2e).
  next_launch_sweep_ = now + std::min(options_.launch_timeout, kLaunchSweepPeriod);
  for (auto& [id, job] : jobs_) {
    if (job.counts[static_cast<int>(TaskState::kLaunched)] +
            job.counts[static_cast<int>(TaskState::kStarting)] ==
        0) {
      continue;
    }
    for (store::TaskRuntime& t : job.tasks) {
      if ((t.state == TaskState::kLaunched || t.state == TaskState::kStarting) &&
          now - t.start_time >= options_.launch_timeout) {
        EvaluateOrLog(job, t.instance_id);  // launch_retry
      }
    }
    UpdateJobState(job);
  }
}

absl::Status JobManager::StartQueued(Job& job, const std::vector<uint32_t>& instances) {
  if (instances.empty()) return absl::OkStatus();
  const uint32_t max = job.config.sla().maximumrunninginstances();
  if (max == 0) return EnqueueTasks(job, instances);
  uint32_t active = 0;
  for (int s = 0; s < taskfsm::kNumTaskStates; ++s) {
    if (Active(static_cast<TaskState>(s))) active += job.counts[s];
  }
  if (active >= max) return absl::OkStatus();  // they wait, INITIALIZED (StartMore)
  const size_t n = std::min<size_t>(instances.size(), max - active);
  return EnqueueTasks(job, std::vector<uint32_t>(instances.begin(), instances.begin() + n));
}

absl::Status JobManager::EnqueueTasks(Job& job, const std::vector<uint32_t>& instances) {
  const job_pb::SlaConfig& sla = job.config.sla();
  const PoolId pool(job.config.respoolid().value());
  const auto gang_of = [&](const std::vector<uint32_t>& members) -> fairshare::Gang {
    fairshare::Gang g;  // named by its first task's id (Gang::Id): not stored twice
    g.priority = sla.priority();
    // One merge per task: the first member's config also gives the gang's flags (the members
    // of a multi-task gang are never revocable).
    task_pb::TaskConfig merged;
    for (uint32_t i : members) {
      const task_pb::TaskConfig& task = RunConfigRef(job, i, merged);
      if (i == members[0]) {
        g.preemptible = IsPreemptible(job.config, task);
        g.revocable = IsRevocable(job.config, task);
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
    (min > 1 && i < min && RunOf(job.tasks[i]) == 1 && !IsRevocable(job.config, RunConfigOf(job, i))
         ? gang
         : alone)
        .push_back(i);
  }
  std::vector<std::vector<uint32_t>> groups;
  if (!gang.empty()) groups.push_back(gang);
  for (uint32_t i : alone) groups.push_back({i});
  // One block for every queued task's message (a million tasks may be queued at once).
  static const auto* const kQueued = new CompactString("queued in its resource pool");
  for (const std::vector<uint32_t>& members : groups) {
    fairshare::Gang g = gang_of(members);
    const std::string gang_id(g.Id());
    PELOTON_RETURN_IF_ERROR(resmgr_.EnqueueGang(pool, std::move(g)));
    for (uint32_t i : members) {
      // A task alone is its own gang (same id): only multi-task gangs need remembering.
      if (members.size() > 1) gang_of_[job.tasks[i].mesos_task_id] = gang_id;
      SetTaskState(job, i, TaskState::kPending, *kQueued);
    }
  }
  return absl::OkStatus();
}

void JobManager::StartMore(Job& job) {
  if (job.counts[static_cast<int>(TaskState::kInitialized)] == 0) return;
  std::vector<uint32_t> initialized;
  for (const store::TaskRuntime& t : job.tasks) {
    if (t.state == TaskState::kInitialized) initialized.push_back(t.instance_id);
  }
  if (absl::Status s = Evaluate(job, initialized); !s.ok()) {
    spdlog::error("job {}: tasks not queued (tried again later): {}", job.id.value(),
                  std::string(s.message()));
  }
}

void JobManager::UpdateJobState(Job& job) {
  taskfsm::JobStateInput in;
  in.type = JobTypeOf(job.config);
  in.instance_count = job.instances;
  in.task_counts = job.counts;
  in.current = job.runtime.state;
  in.goal = job.runtime.goal_state;
  if (job.controller && !job.tasks.empty()) in.controller_state = job.tasks[0].state;
  const JobState next = taskfsm::DeriveJobState(in);
  if (next != job.runtime.state) {
    job.runtime.state = next;
    job.runtime.update_time = options_.now();
    if (next == JobState::kRunning && job.runtime.start_time == absl::UnixEpoch()) {
      job.runtime.start_time = job.runtime.update_time;
    }
    if (taskfsm::IsTerminal(next)) job.runtime.completion_time = job.runtime.update_time;
    job.runtime_dirty = true;
  }
  switch (taskfsm::NextJobAction({.state = job.runtime.state, .goal = job.runtime.goal_state})) {
    case JobAction::kUntrack:
    case JobAction::kKillUntrack:
    case JobAction::kKillAndDelete:  // Flush deletes a job whose goal is DELETED
      // Flush takes it out of the active jobs; one with a running workflow (an update of a
      // stopped job) once the workflow has ended.
      if (!job.update.has_value()) job.deactivate = true;
      break;
    case JobAction::kJobKill: {
      // Every task's goal is KILLED (StopTasks sets them; this catches any it did not reach).
      if (job.kill_swept) break;
      job.kill_swept = true;
      std::vector<uint32_t> kill;
      for (store::TaskRuntime& t : job.tasks) {
        if (taskfsm::IsTerminal(t.state) || GoalIsStop(t.goal_state)) continue;
        t.goal_state = TaskState::kKilled;
        job.dirty.insert(t.instance_id);
        kill.push_back(t.instance_id);
      }
      if (kill.empty()) break;
      if (absl::Status s = Evaluate(job, kill); !s.ok()) {
        spdlog::error("job {}: {}", job.id.value(), std::string(s.message()));
      }
      UpdateJobState(job);  // once more: no task is left to kill, so this does not recurse
      break;
    }
    default:
      break;  // create_tasks happened in CreateJob; recover and delete are not used yet
  }
}

}  // namespace peloton::jobmgr
