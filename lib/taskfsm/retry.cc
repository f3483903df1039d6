// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/retry.h"

#include <algorithm>

#include "absl/strings/match.h"

namespace peloton::taskfsm {

bool CountsAsFailure(TaskState event, TaskState goal, bool config_version_current) {
  if (!config_version_current) return false;
  switch (event) {
    case TaskState::kFailed:
      return true;
    case TaskState::kSucceeded:
      return goal == TaskState::kRunning;
    case TaskState::kKilled:
      return goal != TaskState::kKilled;
    default:
      return false;
  }
}

bool IsSystemFailure(absl::string_view mesos_reason, absl::string_view message) {
  return mesos_reason == "REASON_CONTAINER_LAUNCH_FAILED" ||
         mesos_reason == "REASON_INVALID_OFFERS" || absl::StrContains(message, "Broken pipe");
}

bool ShouldRetryBatchTask(uint32_t failure_count, uint32_t max_failures, bool system_failure) {
  uint32_t limit = std::min(max_failures, kMaxRestartPolicyFailures);
  if (system_failure) limit = std::max(limit, kSystemFailureAttempts);
  return failure_count < limit;
}

absl::Duration ServiceRestartDelay(uint32_t failure_count) {
  return ServiceRestartDelay(failure_count, kRestartBaseDelay, kMaxRestartDelay);
}

absl::Duration ServiceRestartDelay(uint32_t failure_count, absl::Duration base,
                                   absl::Duration max) {
  if (failure_count == 0 || base <= absl::ZeroDuration()) return absl::ZeroDuration();
  absl::Duration delay = base;
  for (uint32_t i = 1; i < failure_count && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

}  // namespace peloton::taskfsm
