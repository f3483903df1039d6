// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Peloton's job, task, update and host enumerations with Peloton's names and numbers
// (v0 API; v1alpha spellings such as "POD_STATE_RUNNING" or "JOB_STATE_KILLED" are accepted
// when parsing), and the classification helpers the state machines use.
//
// Thread-safety: stateless.

#ifndef PELOTON_TASKFSM_ENUMS_H_
#define PELOTON_TASKFSM_ENUMS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace peloton::taskfsm {

// v0 TaskState.
enum class TaskState : int {
  kUnknown = 0,
  kInitialized = 1,
  kPending = 2,
  kReady = 3,
  kPlacing = 4,
  kPlaced = 5,
  kLaunching = 6,
  kStarting = 7,
  kRunning = 8,
  kSucceeded = 9,
  kFailed = 10,
  kLost = 11,
  kPreempting = 12,
  kKilling = 13,
  kKilled = 14,
  kLaunched = 15,
  kDeleted = 16,
  kReserved = 17,
};
inline constexpr int kNumTaskStates = 18;

// v0 JobState.
enum class JobState : int {
  kUnknown = 0,
  kInitialized = 1,
  kPending = 2,
  kRunning = 3,
  kSucceeded = 4,
  kFailed = 5,
  kKilled = 6,
  kKilling = 7,
  kUninitialized = 8,
  kDeleted = 9,
};
inline constexpr int kNumJobStates = 10;

// v0 JobType. A task with a volume is STATEFUL (see TaskType).
enum class JobType : int { kBatch = 0, kService = 1, kDaemon = 2 };
inline constexpr int kNumJobTypes = 3;

// resmgr TaskType: what a placement engine handles.
enum class TaskType : int { kUnknown = 0, kBatch = 1, kStateless = 2, kStateful = 3, kDaemon = 4 };

// Update (workflow) state; v1alpha WORKFLOW_STATE_* has the same numbers.
enum class UpdateState : int {
  kInvalid = 0,
  kInitialized = 1,
  kRollingForward = 2,
  kPaused = 3,
  kSucceeded = 4,
  kAborted = 5,
  kFailed = 6,
  kRollingBackward = 7,
  kRolledBack = 8,
};

// Workflow type (v1alpha UPDATE/RESTART; START and STOP as in Peloton's internal models).
enum class WorkflowType : int { kInvalid = 0, kUpdate = 1, kRestart = 2, kStart = 3, kStop = 4 };

enum class HealthState : int {
  kInvalid = 0,
  kDisabled = 1,
  kUnknown = 2,  // "HEALTH_UNKNOWN"
  kHealthy = 3,
  kUnhealthy = 4,
};

// TerminationStatus.Reason (prefix TERMINATION_STATUS_REASON_).
enum class TerminationReason : int {
  kInvalid = 0,
  kKilledOnRequest = 1,
  kFailed = 2,
  kKilledHostMaintenance = 3,
  kPreemptedResources = 4,
  kDeadlineTimeoutExceeded = 5,
  kKilledForUpdate = 6,
  kKilledForRestart = 7,
  kKilledForSlaAwareRestart = 8,
};

// Preemption reason (prefix PREEMPTION_REASON_).
enum class PreemptionReason : int { kUnknown = 0, kRevokeResources = 1, kHostMaintenance = 2 };

// Host state (prefix HOST_STATE_).
enum class HostState : int {
  kInvalid = 0,
  kUnknown = 1,
  kUp = 2,
  kDraining = 3,
  kDrained = 4,
  kDown = 5,
};

// mesos.v1.TaskState, with Mesos's numbers.
enum class MesosTaskState : int {
  kStarting = 0,
  kRunning = 1,
  kFinished = 2,
  kFailed = 3,
  kKilled = 4,
  kLost = 5,
  kStaging = 6,
  kError = 7,
  kKilling = 8,
  kDropped = 9,
  kUnreachable = 10,
  kGone = 11,
  kGoneByOperator = 12,
  kUnknown = 13,
};

// Canonical names ("RUNNING", "ROLLING_FORWARD", "TASK_FINISHED", ...); "" if out of range.
absl::string_view Name(TaskState s);
absl::string_view Name(JobState s);
absl::string_view Name(JobType t);
absl::string_view Name(TaskType t);
absl::string_view Name(UpdateState s);
absl::string_view Name(WorkflowType t);
absl::string_view Name(HealthState s);
absl::string_view Name(TerminationReason r);
absl::string_view Name(PreemptionReason r);
absl::string_view Name(HostState s);
absl::string_view Name(MesosTaskState s);

// Parsers: canonical name in any case, the v1alpha/API-prefixed name, or the number.
// InvalidArgument listing the accepted names otherwise.
absl::StatusOr<TaskState> ParseTaskState(absl::string_view text);  // also POD_STATE_*
absl::StatusOr<JobState> ParseJobState(absl::string_view text);    // also JOB_STATE_*
absl::StatusOr<JobType> ParseJobType(absl::string_view text);
absl::StatusOr<UpdateState> ParseUpdateState(absl::string_view text);  // also WORKFLOW_STATE_*
absl::StatusOr<WorkflowType> ParseWorkflowType(absl::string_view text);
absl::StatusOr<HealthState> ParseHealthState(absl::string_view text);
absl::StatusOr<TerminationReason> ParseTerminationReason(absl::string_view text);
absl::StatusOr<PreemptionReason> ParsePreemptionReason(absl::string_view text);
absl::StatusOr<HostState> ParseHostState(absl::string_view text);
absl::StatusOr<MesosTaskState> ParseMesosTaskState(absl::string_view text);

// SUCCEEDED, FAILED, KILLED, LOST, DELETED.
constexpr bool IsTerminal(TaskState s) {
  return s == TaskState::kSucceeded || s == TaskState::kFailed || s == TaskState::kKilled ||
         s == TaskState::kLost || s == TaskState::kDeleted;
}
// SUCCEEDED, FAILED, KILLED, DELETED.
constexpr bool IsTerminal(JobState s) {
  return s == JobState::kSucceeded || s == JobState::kFailed || s == JobState::kKilled ||
         s == JobState::kDeleted;
}
// SUCCEEDED, ABORTED, FAILED, ROLLED_BACK.
constexpr bool IsTerminal(UpdateState s) {
  return s == UpdateState::kSucceeded || s == UpdateState::kAborted || s == UpdateState::kFailed ||
         s == UpdateState::kRolledBack;
}
// States in which the resource manager, not the cluster, holds the task: the job manager
// kills such a task through resmgr rather than through the backend.
constexpr bool IsResmgrOwned(TaskState s) {
  return s == TaskState::kPending || s == TaskState::kReady || s == TaskState::kPlacing ||
         s == TaskState::kPlaced || s == TaskState::kLaunching || s == TaskState::kPreempting;
}

// Whether a task may take traffic (issue 18's endpoints): it is RUNNING, not being killed (a
// kill makes it KILLING first), and its health check passes or it has none (DISABLED, or
// INVALID: never set, a run from before health was recorded).
constexpr bool IsRoutable(TaskState s, HealthState h) {
  return s == TaskState::kRunning &&
         (h == HealthState::kHealthy || h == HealthState::kDisabled || h == HealthState::kInvalid);
}

// The resmgr task type: a task with a volume is STATEFUL; SERVICE jobs' tasks are STATELESS;
// DAEMON jobs' tasks are DAEMON; the rest BATCH.
constexpr TaskType TaskTypeOf(JobType job_type, bool has_volume) {
  if (has_volume) return TaskType::kStateful;
  switch (job_type) {
    case JobType::kService:
      return TaskType::kStateless;
    case JobType::kDaemon:
      return TaskType::kDaemon;
    case JobType::kBatch:
      break;
  }
  return TaskType::kBatch;
}

// The default goal of a job's tasks: RUNNING for SERVICE and DAEMON, SUCCEEDED for BATCH.
constexpr TaskState DefaultTaskGoal(JobType job_type) {
  return job_type == JobType::kBatch ? TaskState::kSucceeded : TaskState::kRunning;
}
// A job's goal at creation (reference §1.4): SUCCEEDED for batch, RUNNING for service and
// daemon jobs.
constexpr JobState DefaultJobGoal(JobType job_type) {
  return job_type == JobType::kBatch ? JobState::kSucceeded : JobState::kRunning;
}

// Task state for a Mesos status update (reference §1.5): STAGING->LAUNCHED,
// STARTING->STARTING, RUNNING and KILLING->RUNNING, FINISHED->SUCCEEDED, FAILED and
// ERROR->FAILED, KILLED->KILLED, LOST->LOST. The partition-aware states Mesos sends to
// PARTITION_AWARE frameworks instead of LOST (DROPPED, UNREACHABLE, GONE, GONE_BY_OPERATOR)
// map to LOST; UNKNOWN and anything else to INITIALIZED.
TaskState TaskStateFromMesos(MesosTaskState s);

}  // namespace peloton::taskfsm

#endif  // PELOTON_TASKFSM_ENUMS_H_
