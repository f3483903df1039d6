// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/enums.h"

#include "peloton/common/enum_names.h"

namespace peloton::taskfsm {
namespace {

constexpr EnumName<TaskState> kTaskStateNames[] = {
    {TaskState::kUnknown, "UNKNOWN"},       {TaskState::kInitialized, "INITIALIZED"},
    {TaskState::kPending, "PENDING"},       {TaskState::kReady, "READY"},
    {TaskState::kPlacing, "PLACING"},       {TaskState::kPlaced, "PLACED"},
    {TaskState::kLaunching, "LAUNCHING"},   {TaskState::kStarting, "STARTING"},
    {TaskState::kRunning, "RUNNING"},       {TaskState::kSucceeded, "SUCCEEDED"},
    {TaskState::kFailed, "FAILED"},         {TaskState::kLost, "LOST"},
    {TaskState::kPreempting, "PREEMPTING"}, {TaskState::kKilling, "KILLING"},
    {TaskState::kKilled, "KILLED"},         {TaskState::kLaunched, "LAUNCHED"},
    {TaskState::kDeleted, "DELETED"},       {TaskState::kReserved, "RESERVED"}};

constexpr EnumName<JobState> kJobStateNames[] = {{JobState::kUnknown, "UNKNOWN"},
                                                 {JobState::kInitialized, "INITIALIZED"},
                                                 {JobState::kPending, "PENDING"},
                                                 {JobState::kRunning, "RUNNING"},
                                                 {JobState::kSucceeded, "SUCCEEDED"},
                                                 {JobState::kFailed, "FAILED"},
                                                 {JobState::kKilled, "KILLED"},
                                                 {JobState::kKilling, "KILLING"},
                                                 {JobState::kUninitialized, "UNINITIALIZED"},
                                                 {JobState::kDeleted, "DELETED"}};

constexpr EnumName<JobType> kJobTypeNames[] = {
    {JobType::kBatch, "BATCH"}, {JobType::kService, "SERVICE"}, {JobType::kDaemon, "DAEMON"}};

constexpr EnumName<TaskType> kTaskTypeNames[] = {{TaskType::kUnknown, "UNKNOWN"},
                                                 {TaskType::kBatch, "BATCH"},
                                                 {TaskType::kStateless, "STATELESS"},
                                                 {TaskType::kStateful, "STATEFUL"},
                                                 {TaskType::kDaemon, "DAEMON"}};

constexpr EnumName<UpdateState> kUpdateStateNames[] = {
    {UpdateState::kInvalid, "INVALID"},
    {UpdateState::kInitialized, "INITIALIZED"},
    {UpdateState::kRollingForward, "ROLLING_FORWARD"},
    {UpdateState::kPaused, "PAUSED"},
    {UpdateState::kSucceeded, "SUCCEEDED"},
    {UpdateState::kAborted, "ABORTED"},
    {UpdateState::kFailed, "FAILED"},
    {UpdateState::kRollingBackward, "ROLLING_BACKWARD"},
    {UpdateState::kRolledBack, "ROLLED_BACK"}};

constexpr EnumName<WorkflowType> kWorkflowTypeNames[] = {{WorkflowType::kInvalid, "INVALID"},
                                                         {WorkflowType::kUpdate, "UPDATE"},
                                                         {WorkflowType::kRestart, "RESTART"},
                                                         {WorkflowType::kStart, "START"},
                                                         {WorkflowType::kStop, "STOP"}};

constexpr EnumName<HealthState> kHealthStateNames[] = {{HealthState::kInvalid, "INVALID"},
                                                       {HealthState::kDisabled, "DISABLED"},
                                                       {HealthState::kUnknown, "HEALTH_UNKNOWN"},
                                                       {HealthState::kHealthy, "HEALTHY"},
                                                       {HealthState::kUnhealthy, "UNHEALTHY"}};

constexpr EnumName<TerminationReason> kTerminationReasonNames[] = {
    {TerminationReason::kInvalid, "INVALID"},
    {TerminationReason::kKilledOnRequest, "KILLED_ON_REQUEST"},
    {TerminationReason::kFailed, "FAILED"},
    {TerminationReason::kKilledHostMaintenance, "KILLED_HOST_MAINTENANCE"},
    {TerminationReason::kPreemptedResources, "PREEMPTED_RESOURCES"},
    {TerminationReason::kDeadlineTimeoutExceeded, "DEADLINE_TIMEOUT_EXCEEDED"},
    {TerminationReason::kKilledForUpdate, "KILLED_FOR_UPDATE"},
    {TerminationReason::kKilledForRestart, "KILLED_FOR_RESTART"},
    {TerminationReason::kKilledForSlaAwareRestart, "KILLED_FOR_SLA_AWARE_RESTART"}};

constexpr EnumName<PreemptionReason> kPreemptionReasonNames[] = {
    {PreemptionReason::kUnknown, "UNKNOWN"},
    {PreemptionReason::kRevokeResources, "REVOKE_RESOURCES"},
    {PreemptionReason::kHostMaintenance, "HOST_MAINTENANCE"}};

constexpr EnumName<HostState> kHostStateNames[] = {
    {HostState::kInvalid, "INVALID"}, {HostState::kUnknown, "UNKNOWN"},
    {HostState::kUp, "UP"},           {HostState::kDraining, "DRAINING"},
    {HostState::kDrained, "DRAINED"}, {HostState::kDown, "DOWN"}};

constexpr EnumName<MesosTaskState> kMesosTaskStateNames[] = {
    {MesosTaskState::kStarting, "TASK_STARTING"},
    {MesosTaskState::kRunning, "TASK_RUNNING"},
    {MesosTaskState::kFinished, "TASK_FINISHED"},
    {MesosTaskState::kFailed, "TASK_FAILED"},
    {MesosTaskState::kKilled, "TASK_KILLED"},
    {MesosTaskState::kLost, "TASK_LOST"},
    {MesosTaskState::kStaging, "TASK_STAGING"},
    {MesosTaskState::kError, "TASK_ERROR"},
    {MesosTaskState::kKilling, "TASK_KILLING"},
    {MesosTaskState::kDropped, "TASK_DROPPED"},
    {MesosTaskState::kUnreachable, "TASK_UNREACHABLE"},
    {MesosTaskState::kGone, "TASK_GONE"},
    {MesosTaskState::kGoneByOperator, "TASK_GONE_BY_OPERATOR"},
    {MesosTaskState::kUnknown, "TASK_UNKNOWN"}};

}  // namespace

absl::string_view Name(TaskState s) { return EnumNameOf(s, kTaskStateNames); }
absl::string_view Name(JobState s) { return EnumNameOf(s, kJobStateNames); }
absl::string_view Name(JobType t) { return EnumNameOf(t, kJobTypeNames); }
absl::string_view Name(TaskType t) { return EnumNameOf(t, kTaskTypeNames); }
absl::string_view Name(UpdateState s) { return EnumNameOf(s, kUpdateStateNames); }
absl::string_view Name(WorkflowType t) { return EnumNameOf(t, kWorkflowTypeNames); }
absl::string_view Name(HealthState s) { return EnumNameOf(s, kHealthStateNames); }
absl::string_view Name(TerminationReason r) { return EnumNameOf(r, kTerminationReasonNames); }
absl::string_view Name(PreemptionReason r) { return EnumNameOf(r, kPreemptionReasonNames); }
absl::string_view Name(HostState s) { return EnumNameOf(s, kHostStateNames); }
absl::string_view Name(MesosTaskState s) { return EnumNameOf(s, kMesosTaskStateNames); }

absl::StatusOr<TaskState> ParseTaskState(absl::string_view text) {
  return ParseEnumName(text, kTaskStateNames, "task state", {"POD_STATE_", "TASK_STATE_"});
}
absl::StatusOr<JobState> ParseJobState(absl::string_view text) {
  return ParseEnumName(text, kJobStateNames, "job state", {"JOB_STATE_"});
}
absl::StatusOr<JobType> ParseJobType(absl::string_view text) {
  return ParseEnumName(text, kJobTypeNames, "job type", {"JOB_TYPE_"});
}
absl::StatusOr<UpdateState> ParseUpdateState(absl::string_view text) {
  return ParseEnumName(text, kUpdateStateNames, "update state", {"WORKFLOW_STATE_"});
}
absl::StatusOr<WorkflowType> ParseWorkflowType(absl::string_view text) {
  return ParseEnumName(text, kWorkflowTypeNames, "workflow type", {"WORKFLOW_TYPE_"});
}
absl::StatusOr<HealthState> ParseHealthState(absl::string_view text) {
  return ParseEnumName(text, kHealthStateNames, "health state", {"HEALTH_STATE_"});
}
absl::StatusOr<TerminationReason> ParseTerminationReason(absl::string_view text) {
  return ParseEnumName(text, kTerminationReasonNames, "termination reason",
                       {"TERMINATION_STATUS_REASON_"});
}
absl::StatusOr<PreemptionReason> ParsePreemptionReason(absl::string_view text) {
  return ParseEnumName(text, kPreemptionReasonNames, "preemption reason", {"PREEMPTION_REASON_"});
}
absl::StatusOr<HostState> ParseHostState(absl::string_view text) {
  return ParseEnumName(text, kHostStateNames, "host state", {"HOST_STATE_"});
}
absl::StatusOr<MesosTaskState> ParseMesosTaskState(absl::string_view text) {
  return ParseEnumName(text, kMesosTaskStateNames, "Mesos task state");
}

TaskState TaskStateFromMesos(MesosTaskState s) {
  switch (s) {
    case MesosTaskState::kStaging:
      return TaskState::kLaunched;
    case MesosTaskState::kStarting:
      return TaskState::kStarting;
    case MesosTaskState::kRunning:
    case MesosTaskState::kKilling:
      return TaskState::kRunning;
    case MesosTaskState::kFinished:
      return TaskState::kSucceeded;
    case MesosTaskState::kFailed:
    case MesosTaskState::kError:
      return TaskState::kFailed;
    case MesosTaskState::kKilled:
      return TaskState::kKilled;
    case MesosTaskState::kLost:
    case MesosTaskState::kDropped:
    case MesosTaskState::kUnreachable:
    case MesosTaskState::kGone:
    case MesosTaskState::kGoneByOperator:
      return TaskState::kLost;
    case MesosTaskState::kUnknown:
      break;
  }
  return TaskState::kInitialized;
}

}  // namespace peloton::taskfsm
