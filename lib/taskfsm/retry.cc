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
  if (failure_count == 0) return absl::ZeroDuration();
  // 30 s * 2^7 > 60 min already; avoid shifting further.
  if (failure_count > 8) return kMaxRestartDelay;
  return std::min(kRestartBaseDelay * (int64_t{1} << (failure_count - 1)), kMaxRestartDelay);
}

}  // namespace peloton::taskfsm
