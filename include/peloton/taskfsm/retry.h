// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Retry and restart policies (reference §3.8): when a task's end counts as a failure, when a
// batch task is retried, how long a service task waits before it restarts, and what happens
// to a LOST task.
//
// Thread-safety: stateless.

#ifndef PELOTON_TASKFSM_RETRY_H_
#define PELOTON_TASKFSM_RETRY_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "peloton/taskfsm/enums.h"

namespace peloton::taskfsm {

// restartPolicy.maxFailures is clamped to this.
inline constexpr uint32_t kMaxRestartPolicyFailures = 100;
// System failures (see IsSystemFailure) are retried until this many failures whatever the
// restart policy says.
inline constexpr uint32_t kSystemFailureAttempts = 4;
// Service restarts wait min(kRestartBaseDelay * 2^(failures-1), kMaxRestartDelay).
inline constexpr absl::Duration kRestartBaseDelay = absl::Seconds(30);
inline constexpr absl::Duration kMaxRestartDelay = absl::Minutes(60);

// Whether a terminal event increments the task's failure count: only for the current config
// version (config_version == desired_config_version), and when the event is FAILED, or
// SUCCEEDED while the goal is RUNNING, or KILLED while the goal is not KILLED.
bool CountsAsFailure(TaskState event, TaskState goal, bool config_version_current);

// A failure of the system rather than of the task: Mesos reasons
// REASON_CONTAINER_LAUNCH_FAILED or REASON_INVALID_OFFERS, or the command executor's
// "Broken pipe".
bool IsSystemFailure(absl::string_view mesos_reason, absl::string_view message);

// fail_retry for batch tasks: retry while failure_count < min(max_failures, 100), or, for a
// system failure, < max(that, kSystemFailureAttempts). Retries are immediate.
bool ShouldRetryBatchTask(uint32_t failure_count, uint32_t max_failures, bool system_failure);

// terminated_retry for service tasks: the throttle before restart number `failure_count`
// (0 for the first run): min(30 s * 2^(failure_count - 1), 60 min).
absl::Duration ServiceRestartDelay(uint32_t failure_count);
// The same with another base and cap: min(base * 2^(failure_count - 1), max).
absl::Duration ServiceRestartDelay(uint32_t failure_count, absl::Duration base,
                                   absl::Duration max);
// When the restart may happen, counted from the runtime's last update.
inline absl::Time ServiceRestartTime(absl::Time last_update, uint32_t failure_count) {
  return last_update + ServiceRestartDelay(failure_count);
}

// A LOST task runs again. A stateless one may go anywhere: its desired host is cleared. A
// stateful task (one with a volume) stays bound to the host its volume is on: its new run
// keeps the desired host and waits for that host (Peloton does not reschedule it elsewhere).
struct LostTaskPolicy {
  bool reschedule;          // a new run is started
  bool clear_desired_host;  // it may go to another host
};
constexpr LostTaskPolicy OnLost(bool stateful) { return {true, !stateful}; }

}  // namespace peloton::taskfsm

#endif  // PELOTON_TASKFSM_RETRY_H_
