// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Daemon jobs: one instance on each eligible host, following the hosts. taskfsm plans the
// instance set (PlanDaemonInstances); this file feeds it the hosts and the job's instances and
// turns the plan into goals: new instances (pinned to their host), removed ones (goal DELETED).
// The engine does the rest: start_task, stop_task, delete_task.

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "peloton/placement/model.h"
#include "peloton/taskfsm/daemon.h"
#include "services/jobmgr/job_manager.h"
#include "services/jobmgr/runtime_util.h"
#include "spdlog/spdlog.h"

namespace peloton::jobmgr {

using taskfsm::TaskState;

absl::StatusOr<std::vector<std::string>> JobManager::EligibleHosts(
    const job_pb::JobConfig& config, absl::Span<const hostmgr::HostStatus> hosts) {
  // The constraint as placement sees it (every instance runs the default config).
  PELOTON_ASSIGN_OR_RETURN(const placement::TaskSpec spec, jobmgr::TaskSpecOf("daemon", config, 0));
  const placement::Constraint& constraint = spec.constraint;
  std::vector<std::string> eligible;
  for (const hostmgr::HostStatus& h : hosts) {
    if (h.state != placement::HostState::kUp) continue;
    const auto count = [&h](const placement::LabelConstraint& l) -> std::optional<uint32_t> {
      // TASK labels depend on what runs there: placement checks them when it places.
      if (l.kind != placement::LabelConstraint::Kind::kHost) return std::nullopt;
      const auto it = std::lower_bound(
          h.attributes.begin(), h.attributes.end(), l.label.key,
          [](const std::pair<std::string, std::string>& a, const std::string& key) {
            return a.first < key;
          });
      const bool has = it != h.attributes.end() && it->first == l.label.key;
      return placement::HostLabelCount(h.hostname, has ? &it->second : nullptr, l.label);
    };
    if (placement::Satisfies(constraint, count)) eligible.push_back(h.hostname);
  }
  return eligible;
}

absl::StatusOr<std::vector<uint32_t>> JobManager::PlanDaemon(
    Job& job, absl::Span<const hostmgr::HostStatus> hosts) {
  PELOTON_ASSIGN_OR_RETURN(const std::vector<std::string> eligible,
                           EligibleHosts(job.config, hosts));
  std::vector<taskfsm::DaemonInstance> current;
  for (const store::TaskRuntime& t : job.tasks) {
    if (t.goal_state != TaskState::kDeleted) {
      current.push_back({t.instance_id, t.desired_host.str()});
    }
  }
  const taskfsm::DaemonPlan plan = taskfsm::PlanDaemonInstances(current, eligible);
  std::vector<uint32_t> changed;
  for (uint32_t i : plan.remove) {
    store::TaskRuntime& t = job.tasks[i];
    spdlog::info("daemon job {}: instance {} leaves host {} (not UP, gone, or no longer "
                 "meeting the job's constraint)",
                 job.id.value(), i, t.desired_host);
    t.goal_state = TaskState::kDeleted;
    job.dirty.insert(i);
    changed.push_back(i);
  }
  const taskfsm::JobType type = JobTypeOf(job.config);
  for (const taskfsm::DaemonInstance& a : plan.add) {
    if (a.instance < job.tasks.size()) {
      // A removed instance's id (removed now, or earlier): its next run, on the new host. A
      // run still going is stopped first, so this moves the instance (stop_task, then
      // initialize_task and start_task once it has ended).
      store::TaskRuntime& t = job.tasks[a.instance];
      t.goal_state = taskfsm::DefaultTaskGoal(type);
      t.failure_count = 0;
      WantNewRun(job.id, t);
    } else {
      // The plan takes the lowest free ids, so a new one is the next after the last.
      if (a.instance != job.tasks.size()) {
        return absl::InternalError(absl::StrCat("daemon job ", job.id.value(), ": instance ",
                                                a.instance, " planned after ", job.tasks.size(),
                                                " instances (rule: ids without gaps)"));
      }
      job.tasks.push_back(FirstRun(job.id, a.instance, type, job.runtime.config_version));
      ++job.counts[static_cast<int>(TaskState::kInitialized)];
    }
    job.tasks[a.instance].desired_host = a.host;
    job.dirty.insert(a.instance);
    changed.push_back(a.instance);
  }
  job.instances = static_cast<uint32_t>(plan.instances.size());
  return changed;
}

void JobManager::FollowHosts() {
  const absl::Time now = options_.now();
  if (now < next_daemon_plan_) return;
  next_daemon_plan_ = now + options_.daemon_period;
  std::vector<Job*> daemons;
  for (auto& [id, job] : jobs_) {
    // A stopped daemon job gets no new instances; what it runs is being killed anyway.
    if (job.daemon && job.runtime.goal_state == taskfsm::JobState::kRunning) {
      daemons.push_back(&job);
    }
  }
  if (daemons.empty()) return;
  const std::vector<hostmgr::HostStatus> hosts = hostmgr_.ListHosts();
  for (Job* job : daemons) {
    absl::StatusOr<std::vector<uint32_t>> changed = PlanDaemon(*job, hosts);
    if (!changed.ok()) {
      spdlog::error("daemon job {}: hosts not followed: {}", job->id.value(),
                    std::string(changed.status().message()));
      continue;
    }
    if (absl::Status s = Evaluate(*job, *changed); !s.ok()) {
      // The new instances stay INITIALIZED: StartMore queues them next time.
      spdlog::error("daemon job {}: {}", job->id.value(), std::string(s.message()));
    }
    StartMore(*job);  // what the resource manager refused before
    UpdateJobState(*job);
  }
}

}  // namespace peloton::jobmgr
