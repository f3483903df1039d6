// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/job_state.h"

namespace peloton::taskfsm {

JobState DeriveJobState(const JobStateInput& in) {
  auto count = [&in](TaskState s) { return uint64_t{in.task_counts[static_cast<int>(s)]}; };
  const bool batch = in.type == JobType::kBatch;
  const bool daemon = in.type == JobType::kDaemon;
  // Long-running jobs (service, daemon) remove instances: a removed one (DELETED) is not
  // counted, and ones being removed still count among the created, so there may be more than
  // N.
  const bool removes = !batch;
  uint64_t created = 0;
  uint64_t terminal = 0;
  for (int s = 0; s < kNumTaskStates; ++s) {
    if (removes && static_cast<TaskState>(s) == TaskState::kDeleted) continue;  // removed
    created += in.task_counts[s];
    if (IsTerminal(static_cast<TaskState>(s))) terminal += in.task_counts[s];
  }
  const uint64_t n = in.instance_count;

  if (daemon) {
    // Instances being removed still count among the created ones, so there may be more
    // than N; with none planned the job waits for hosts (nothing has succeeded).
    if (n == 0) {
      if (IsTerminal(in.goal) && terminal == created) {
        return in.goal == JobState::kFailed ? JobState::kFailed : JobState::kKilled;
      }
      if (in.current == JobState::kKilling) return JobState::kKilling;
      return count(TaskState::kRunning) > 0 ? JobState::kRunning : JobState::kPending;
    }
  }

  if (created < n) {
    if (batch) return JobState::kInitialized;
    if (IsTerminal(in.goal) && terminal == created) {
      return in.goal == JobState::kFailed ? JobState::kFailed : JobState::kKilled;
    }
    return JobState::kPending;
  }
  if (created > n && batch) return JobState::kPending;

  const uint64_t succeeded = count(TaskState::kSucceeded);
  const uint64_t failed = count(TaskState::kFailed);
  const uint64_t lost = count(TaskState::kLost);
  const uint64_t killed = count(TaskState::kKilled);
  JobState state;
  if (succeeded >= n) {
    state = JobState::kSucceeded;
  } else if (succeeded + failed + lost >= n) {
    state = JobState::kFailed;
  } else if (killed > 0 && succeeded + failed + killed + lost >= n) {
    state = JobState::kKilled;
  } else if (in.current == JobState::kKilling) {
    return JobState::kKilling;
  } else if (count(TaskState::kRunning) > 0) {
    return JobState::kRunning;
  } else {
    return JobState::kPending;
  }
  if (in.controller_state.has_value()) {
    switch (*in.controller_state) {
      case TaskState::kSucceeded:
        return JobState::kSucceeded;
      case TaskState::kFailed:
      case TaskState::kLost:
        return JobState::kFailed;
      default:
        return JobState::kKilled;
    }
  }
  return state;
}

}  // namespace peloton::taskfsm
