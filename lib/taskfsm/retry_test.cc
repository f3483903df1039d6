// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/retry.h"

#include "gtest/gtest.h"
#include "peloton/taskfsm/goal_state.h"

namespace peloton::taskfsm {
namespace {

using S = TaskState;

TEST(RetryTest, WhatCountsAsAFailure) {
  EXPECT_TRUE(CountsAsFailure(S::kFailed, S::kSucceeded, true));
  EXPECT_TRUE(CountsAsFailure(S::kFailed, S::kRunning, true));
  EXPECT_FALSE(CountsAsFailure(S::kFailed, S::kRunning, false));   // an older config's run
  EXPECT_TRUE(CountsAsFailure(S::kSucceeded, S::kRunning, true));  // services must not exit
  EXPECT_FALSE(CountsAsFailure(S::kSucceeded, S::kSucceeded, true));
  EXPECT_TRUE(CountsAsFailure(S::kKilled, S::kRunning, true));
  EXPECT_FALSE(CountsAsFailure(S::kKilled, S::kKilled, true));
  EXPECT_FALSE(CountsAsFailure(S::kLost, S::kRunning, true));
}

TEST(RetryTest, BatchRetriesFollowMaxFailuresClampedTo100) {
  EXPECT_FALSE(ShouldRetryBatchTask(1, 0, false));  // default: no retry
  EXPECT_TRUE(ShouldRetryBatchTask(1, 2, false));
  EXPECT_FALSE(ShouldRetryBatchTask(2, 2, false));
  EXPECT_TRUE(ShouldRetryBatchTask(99, 1000, false));
  EXPECT_FALSE(ShouldRetryBatchTask(100, 1000, false));
}

TEST(RetryTest, SystemFailuresGetAtLeastFourAttempts) {
  EXPECT_TRUE(ShouldRetryBatchTask(3, 0, true));
  EXPECT_FALSE(ShouldRetryBatchTask(4, 0, true));
  EXPECT_TRUE(ShouldRetryBatchTask(6, 10, true));
  EXPECT_TRUE(IsSystemFailure("REASON_CONTAINER_LAUNCH_FAILED", ""));
  EXPECT_TRUE(IsSystemFailure("REASON_INVALID_OFFERS", ""));
  EXPECT_TRUE(IsSystemFailure("REASON_COMMAND_EXECUTOR_FAILED", "write: Broken pipe"));
  EXPECT_FALSE(IsSystemFailure("REASON_COMMAND_EXECUTOR_FAILED", "exit status 1"));
}

TEST(RetryTest, ServiceThrottleDoublesUpToAnHour) {
  EXPECT_EQ(ServiceRestartDelay(0), absl::ZeroDuration());
  EXPECT_EQ(ServiceRestartDelay(1), absl::Seconds(30));
  EXPECT_EQ(ServiceRestartDelay(2), absl::Seconds(60));
  EXPECT_EQ(ServiceRestartDelay(7), absl::Seconds(30 * 64));
  EXPECT_EQ(ServiceRestartDelay(8), absl::Minutes(60));  // 30 s * 128 > 60 min
  EXPECT_EQ(ServiceRestartDelay(1000000), absl::Minutes(60));
  const absl::Time t = absl::FromUnixSeconds(1000);
  EXPECT_EQ(ServiceRestartTime(t, 3), t + absl::Minutes(2));
}

TEST(RetryTest, ServiceThrottleWithAnotherBaseAndCap) {
  const absl::Duration base = absl::Milliseconds(100), max = absl::Seconds(1);
  EXPECT_EQ(ServiceRestartDelay(0, base, max), absl::ZeroDuration());
  EXPECT_EQ(ServiceRestartDelay(1, base, max), absl::Milliseconds(100));
  EXPECT_EQ(ServiceRestartDelay(3, base, max), absl::Milliseconds(400));
  EXPECT_EQ(ServiceRestartDelay(5, base, max), absl::Seconds(1));
  EXPECT_EQ(ServiceRestartDelay(4'000'000'000u, base, max), absl::Seconds(1));
  EXPECT_EQ(ServiceRestartDelay(3, absl::ZeroDuration(), max), absl::ZeroDuration());
}

TEST(RetryTest, LostTasks) {
  EXPECT_TRUE(OnLost(false).reschedule);
  EXPECT_TRUE(OnLost(false).clear_desired_host);
  EXPECT_TRUE(OnLost(true).reschedule);  // on the host its volume is on
  EXPECT_FALSE(OnLost(true).clear_desired_host);
}

}  // namespace
}  // namespace peloton::taskfsm

namespace peloton::taskfsm {
namespace {

// Reference §7 scenario 16 (test__failed_task_throttled_by_exponential_backoff): a service
// task that crashes a second after each start, driven by the goal-state decisions and the
// throttle, has a run id between 2 and 19 after 40 s, and restarts ever more slowly.
uint64_t RunIdAfter(absl::Duration horizon) {
  TaskSnapshot t{.state = TaskState::kInitialized,
                 .goal = TaskState::kRunning,
                 .config_version = 1,
                 .desired_config_version = 1,
                 .run_id = 1,
                 .desired_run_id = 1};
  uint32_t failures = 0;
  absl::Time now = absl::UnixEpoch();
  const absl::Time end = now + horizon;
  absl::Time last_update = now;
  while (now < end) {
    switch (NextTaskAction(t)) {
      case TaskAction::kStartTask:
        t.state = TaskState::kRunning;  // starts at once, crashes a second later
        now += absl::Seconds(1);
        if (CountsAsFailure(TaskState::kFailed, t.goal, true)) ++failures;
        t.state = TaskState::kFailed;
        last_update = now;
        break;
      case TaskAction::kTerminatedRetry:
        now = std::max(now, ServiceRestartTime(last_update, failures));
        if (now >= end) break;
        ++t.desired_run_id;  // restart = new run
        break;
      case TaskAction::kInitializeTask:
        t.run_id = t.desired_run_id;
        t.state = TaskState::kInitialized;
        break;
      default:
        ADD_FAILURE() << "unexpected action " << Name(NextTaskAction(t));
        return 0;
    }
  }
  return t.run_id;
}

TEST(RestartThrottleScenarioTest, CrashingServiceTaskIsThrottled) {
  const uint64_t run = RunIdAfter(absl::Seconds(40));
  EXPECT_GE(run, 2u);
  EXPECT_LE(run, 19u);
  // 30 s, 1, 2, 4, 8, 16, 32 min, then hourly: about 12 runs in 4 hours, not thousands.
  EXPECT_LE(RunIdAfter(absl::Hours(4)), 12u);
}

}  // namespace
}  // namespace peloton::taskfsm
