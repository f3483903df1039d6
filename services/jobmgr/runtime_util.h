// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Small facts about a task's runtime that the job manager's files share.

#ifndef PELOTON_SERVICES_JOBMGR_RUNTIME_UTIL_H_
#define PELOTON_SERVICES_JOBMGR_RUNTIME_UTIL_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "peloton/common/ids.h"
#include "peloton/taskfsm/enums.h"
#include "peloton/taskfsm/task_id.h"
#include "services/jobmgr/job_config.h"
#include "services/store/store.h"

namespace peloton::jobmgr {

// Launched on a host (or being killed there).
inline bool OnHost(taskfsm::TaskState s) {
  using taskfsm::TaskState;
  return s == TaskState::kLaunched || s == TaskState::kStarting || s == TaskState::kRunning ||
         s == TaskState::kKilling || s == TaskState::kPreempting;
}

// Queued, being placed, or on a host: counts against maximumRunningInstances.
inline bool Active(taskfsm::TaskState s) { return taskfsm::IsResmgrOwned(s) || OnHost(s); }

// The <run> of a Mesos task id "<job>-<instance>-<run>"; 0 when there is none.
inline uint64_t RunOfId(absl::string_view mesos_task_id) {
  if (mesos_task_id.empty()) return 0;
  absl::StatusOr<taskfsm::MesosTaskId> id = taskfsm::ParseMesosTaskId(mesos_task_id);
  return id.ok() ? id->run : 0;
}
inline uint64_t RunOf(const store::TaskRuntime& t) { return RunOfId(t.mesos_task_id); }

// A job's instances (its N): a batch job's instanceCount; for a service or daemon job the tasks
// not removed (goal DELETED) from it: a daemon's plan, a service's instances as far as its
// updates have added and removed them.
inline uint32_t InstancesOf(const job_pb::JobConfig& config,
                            const std::vector<store::TaskRuntime>& tasks) {
  if (JobTypeOf(config) == taskfsm::JobType::kBatch) return config.instancecount();
  return static_cast<uint32_t>(std::count_if(
      tasks.begin(), tasks.end(),
      [](const store::TaskRuntime& t) { return t.goal_state != taskfsm::TaskState::kDeleted; }));
}

// Instance `instance`'s first run: INITIALIZED, with the default goal of its job's type
// (reference §1.4), at `config_version`.
inline store::TaskRuntime FirstRun(const JobId& job, uint32_t instance, taskfsm::JobType type,
                                   int64_t config_version) {
  store::TaskRuntime t;
  t.instance_id = instance;
  t.state = taskfsm::TaskState::kInitialized;
  t.goal_state = taskfsm::DefaultTaskGoal(type);
  t.mesos_task_id = taskfsm::FormatMesosTaskId(job.value(), instance, 1);
  t.config_version = t.desired_config_version = config_version;
  return t;
}

// The instance ids [from, to).
inline std::vector<uint32_t> Instances(uint32_t from, uint32_t to) {
  std::vector<uint32_t> ids(to > from ? to - from : 0);
  std::iota(ids.begin(), ids.end(), from);
  return ids;
}

// Version `version` of a job's config as the store keeps it: the serialized config and the
// fields queries filter on (name, owner or owning team, pool, type, instances, labels).
inline store::JobConfigRecord ConfigRecordOf(const JobId& job, int64_t version,
                                             const job_pb::JobConfig& config, absl::Time now) {
  store::JobConfigRecord record;
  record.job_id = job;
  record.version = version;
  record.config = config.SerializeAsString();
  record.name = config.name();
  record.owner = config.owner().empty() ? config.owningteam() : config.owner();
  record.pool_id = PoolId(config.respoolid().value());
  record.type = JobTypeOf(config);
  record.instance_count = config.instancecount();
  for (const auto& l : config.labels()) record.labels.push_back({l.key(), l.value()});
  record.create_time = now;
  return record;
}

// The job config a stored config version holds (serialized by the job manager); DataLoss when
// it does not parse.
inline absl::StatusOr<job_pb::JobConfig> StoredConfig(const store::JobConfigRecord& record) {
  job_pb::JobConfig config;
  if (!config.ParseFromString(record.config)) {
    return absl::DataLossError(absl::StrCat(
        "job ", record.job_id.value(), ": stored config version ", record.version, " is corrupt"));
  }
  return config;
}

// The reason of a waiting task that no host of the cluster could ever hold.
inline constexpr char kUnplaceableReason[] = "UNPLACEABLE";

// What a health check's result makes of a task's health.
inline taskfsm::HealthState HealthOf(bool healthy) {
  return healthy ? taskfsm::HealthState::kHealthy : taskfsm::HealthState::kUnhealthy;
}

// Asked to stop, to be killed when preempted, or removed (the run's end is not a failure).
inline bool GoalIsStop(taskfsm::TaskState goal) {
  return goal == taskfsm::TaskState::kKilled || goal == taskfsm::TaskState::kPreempting ||
         goal == taskfsm::TaskState::kDeleted;
}

}  // namespace peloton::jobmgr

#endif  // PELOTON_SERVICES_JOBMGR_RUNTIME_UTIL_H_
