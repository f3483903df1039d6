// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What happens to tasks from outside the API: status updates from the host manager, preemption
// by the resource manager, host maintenance, sla.maxRunningTime. Each records what the task is
// or should be, then lets the engine act.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "peloton/taskfsm/retry.h"
#include "peloton/taskfsm/workflow.h"
#include "services/jobmgr/job_manager.h"
#include "services/jobmgr/runtime_util.h"
#include "spdlog/spdlog.h"

namespace peloton::jobmgr {

using taskfsm::TaskState;

void JobManager::OnStatus(const backend::TaskStatus& status) {
  if (options_.status_lag && status.time != absl::UnixEpoch()) {
    if (const absl::Duration lag = options_.now() - status.time; lag >= absl::ZeroDuration()) {
      options_.status_lag(lag);
    }
  }
  uint32_t instance = 0;
  uint64_t run = 0;
  Job* job = FindByTaskId(status.task_id, &instance, &run);
  if (job == nullptr) return;  // not an active job's: nothing to follow
  store::TaskRuntime& t = job->tasks[instance];
  const TaskState state = taskfsm::TaskStateFromMesos(status.state);
  if (t.mesos_task_id != status.task_id) {
    // An orphan: an older run of this instance. It must not run beside the current one.
    if (!taskfsm::IsTerminal(state)) {
      if (absl::Status s = hostmgr_.Kill(status.task_id); !s.ok()) {
        spdlog::warn("orphan {}: kill: {}", status.task_id, std::string(s.message()));
      }
    }
    return;
  }
  if (taskfsm::IsTerminal(t.state)) return;  // repeated event
  if (!status.hostname.empty()) {
    if (t.host != status.hostname) t.host = SharedName(status.hostname);
    if (t.agent_id != status.agent_id) t.agent_id = SharedName(status.agent_id);
  }
  if (taskfsm::IsTerminal(state)) {
    // Killed by its health checks: the end's pod event says it was unhealthy.
    if (status.healthy.has_value()) t.healthy = HealthOf(*status.healthy);
    TaskEnded(*job, instance, state, "", status.message);
    return;
  }
  if (state == TaskState::kRunning && t.state != TaskState::kRunning && !GoalIsStop(t.goal_state) &&
      t.state != TaskState::kKilling && t.state != TaskState::kPreempting) {
    // A task that is to stop or to be replaced is KILLING or PREEMPTING by now, so there is
    // nothing for the engine to do but record that it runs.
    t.start_time = options_.now();  // our clock: deadlines are measured on it
    SetTaskState(*job, instance, state, status.message);
    UpdateJobState(*job);
  }
  // A change of health is a pod event of its own (reference §1.5); the task's checks, not
  // the job manager, kill it when it stays unhealthy (a Mesos executor's rule).
  if (status.healthy.has_value() && t.state == TaskState::kRunning &&
      t.healthy != HealthOf(*status.healthy)) {
    t.healthy = HealthOf(*status.healthy);
    SetTaskState(*job, instance, t.state, status.message);
  }
}

void JobManager::TaskEnded(Job& job, uint32_t instance, TaskState state, absl::string_view reason,
                           const std::string& message) {
  store::TaskRuntime& t = job.tasks[instance];
  if (!reason.empty()) t.reason = reason;  // keep the one set when it was killed (deadline)
  t.completion_time = options_.now();
  resmgr_.TaskEnded(t.mesos_task_id);
  ClearTimer(t.mesos_task_id);
  const bool new_run_wanted = !t.desired_mesos_task_id.empty();
  TaskState ended = state;
  std::string why = message;
  if (t.state == TaskState::kPreempting) {
    // Preempted (a new run is wanted), unless it finished first: then it is done.
    if (state == TaskState::kSucceeded) {
      t.desired_mesos_task_id.clear();
    } else {
      ended = TaskState::kKilled;
      why = "preempted: " + message;
    }
  } else if (t.goal_state == TaskState::kPreempting) {
    ended = state == TaskState::kSucceeded ? state : TaskState::kKilled;
    why = "preempted (killOnPreempt)";
  } else if (t.goal_state == TaskState::kKilled || t.goal_state == TaskState::kDeleted) {
    ended = state == TaskState::kSucceeded ? state : TaskState::kKilled;
  } else if (new_run_wanted) {
    ended = TaskState::kKilled;
    // A daemon instance whose id moved to another host, or a restart asked for.
    why = !t.desired_host.empty() && !t.host.empty() && t.host != t.desired_host
              ? absl::StrCat("moved: the instance goes to host ", t.desired_host.view())
              : "restarted on request";
    t.failure_count = 0;
  } else if (taskfsm::CountsAsFailure(state, t.goal_state,
                                      t.config_version == t.desired_config_version)) {
    // A service run that ran long enough before it ended starts the count afresh.
    const absl::Duration reset = options_.failure_count_reset;
    if (t.goal_state == TaskState::kRunning && reset > absl::ZeroDuration() &&
        t.start_time != absl::UnixEpoch() && t.completion_time.time() - t.start_time >= reset) {
      t.failure_count = 0;
    }
    ++t.failure_count;
  }
  SetTaskState(job, instance, ended, why);  // the run's end, in its pod events
  EvaluateOrLog(job, instance);             // fail_retry, terminated_retry, initialize_task
  StartMore(job);                           // evaluate_sla: room for a waiting task
  UpdateJobState(job);
}

void JobManager::EvictFromDrainingHosts() {
  const std::vector<std::string> ids = hostmgr_.TasksOnDrainingHosts();
  if (ids.empty()) return;
  // The stateless SLA (reference §3.9, 6; scenario 11): of a job with
  // sla.maximumUnavailableInstances, only as many are moved as keep its unavailable instances
  // (not RUNNING, or UNHEALTHY) within the limit; the others wait for the replacements to run
  // elsewhere, and their host stays DRAINING until then.
  std::vector<std::string> evict;
  std::map<std::string, std::vector<uint32_t>> limited;  // job id -> instances asked for
  for (const std::string& id : ids) {
    uint32_t instance = 0;
    uint64_t run = 0;
    Job* job = FindByTaskId(id, &instance, &run);
    if (job != nullptr && !job->daemon && job->config.sla().maximumunavailableinstances() > 0 &&
        job->tasks[instance].mesos_task_id == id) {
      limited[job->id.value()].push_back(instance);
    } else {
      evict.push_back(id);
    }
  }
  for (auto& [id, instances] : limited) {
    const Job& job = jobs_.at(id);
    std::sort(instances.begin(), instances.end());
    for (uint32_t i : taskfsm::InstancesSafeToKill(
             WorkflowRuntimes(job), instances, job.config.sla().maximumunavailableinstances())) {
      evict.emplace_back(job.tasks[i].mesos_task_id);
    }
  }
  if (!evict.empty()) Preempt(evict, taskfsm::PreemptionReason::kHostMaintenance);
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
    if (t.mesos_task_id != task_id || GoalIsStop(t.goal_state) ||
        !t.desired_mesos_task_id.empty() || !Active(t.state)) {
      continue;  // not this run, being stopped already, or not holding resources
    }
    // A daemon instance is not moved off a host going into maintenance: FollowHosts removes it.
    if (maintenance && job->daemon) continue;
    if (t.state != TaskState::kPending && !OnHost(t.state)) continue;
    ++events_.preempted[static_cast<int>(reason)];
    if (t.state == TaskState::kPending) {
      // Admitted, not launched: it no longer waits for a host (TaskSpecOf), placement drops its
      // gang, and Dropped queues it again as a new run.
      WantNewRun(job->id, t);
      job->dirty.insert(instance);
      continue;
    }
    // On a host. killOnPreempt is about the pool's resources: the task ends KILLED (goal
    // PREEMPTING). A host going into maintenance always moves its tasks (Peloton's evictor
    // restarts them elsewhere), as a preemption without it does: a new run is wanted.
    const bool kill =
        !maintenance && RunConfigOf(*job, instance).preemptionpolicy().killonpreempt();
    if (kill) {
      t.goal_state = TaskState::kPreempting;
    } else {
      WantNewRun(job->id, t);
    }
    StopRun(*job, instance, kill ? TaskState::kKilling : TaskState::kPreempting,
            maintenance ? "preempting: its host is going into maintenance"
                        : "preempting: its pool is over its entitlement");
    UpdateJobState(*job);
  }
}

void JobManager::CheckDeadlines() {
  const absl::Time now = options_.now();
  for (auto& [id, job] : jobs_) {
    const uint32_t limit = job.config.sla().maxrunningtime();
    if (limit == 0) continue;
    for (store::TaskRuntime& t : job.tasks) {
      if (t.state != TaskState::kRunning || GoalIsStop(t.goal_state) ||
          now - t.start_time < absl::Seconds(limit)) {
        continue;
      }
      t.goal_state = TaskState::kKilled;
      t.reason = std::string(taskfsm::Name(taskfsm::TerminationReason::kDeadlineTimeoutExceeded));
      StopRun(job, t.instance_id, TaskState::kKilling,
              absl::StrCat("ran longer than sla.maxRunningTime (", limit, " s)"));
    }
  }
}

}  // namespace peloton::jobmgr
