// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/retry.h"

#include "gtest/gtest.h"

namespace peloton::taskfsm {
namespace {

using S = TaskState;

TEST(RetryTest, WhatCountsAsAFailure) {
  EXPECT_TRUE(CountsAsFailure(S::kFailed, S::kSucceeded, true));
  EXPECT_TRUE(CountsAsFailure(S::kFailed, S::kRunning, true));
  EXPECT_FALSE(CountsAsFailure(S::kFailed, S::kRunning, false));  // an older config's run
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

TEST(RetryTest, LostTasks) {
  EXPECT_TRUE(OnLost(false).reschedule);
  EXPECT_TRUE(OnLost(false).clear_desired_host);
  EXPECT_FALSE(OnLost(true).reschedule);
  EXPECT_FALSE(OnLost(true).clear_desired_host);
}

}  // namespace
}  // namespace peloton::taskfsm
