// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/job_state.h"

#include "gtest/gtest.h"

namespace peloton::taskfsm {
namespace {

using S = TaskState;
using J = JobState;

JobStateInput Batch(uint32_t n) { return {.type = JobType::kBatch, .instance_count = n}; }
JobStateInput Service(uint32_t n) {
  return {.type = JobType::kService, .instance_count = n, .goal = J::kRunning};
}

TEST(JobStateTest, BatchNotAllCreatedIsInitialized) {
  JobStateInput in = Batch(3);
  in.Add(S::kRunning, 2);
  EXPECT_EQ(DeriveJobState(in), J::kInitialized);
}

TEST(JobStateTest, ServiceNotAllCreated) {
  JobStateInput in = Service(3);
  in.Add(S::kKilled, 2);
  EXPECT_EQ(DeriveJobState(in), J::kPending);  // goal RUNNING
  in.goal = J::kKilled;
  EXPECT_EQ(DeriveJobState(in), J::kKilled);  // goal terminal, all created terminal
  in.goal = J::kFailed;
  EXPECT_EQ(DeriveJobState(in), J::kFailed);
  in.Add(S::kRunning);
  in.instance_count = 4;
  in.goal = J::kKilled;
  EXPECT_EQ(DeriveJobState(in), J::kPending);  // one still running
}

TEST(JobStateTest, MoreTasksThanInstancesAfterAFailedShrink) {
  JobStateInput in = Batch(2);
  in.Add(S::kSucceeded, 3);
  EXPECT_EQ(DeriveJobState(in), J::kPending);
  JobStateInput svc = Service(2);
  svc.Add(S::kRunning, 3);
  EXPECT_EQ(DeriveJobState(svc), J::kPending);
  svc = Service(2);
  svc.goal = J::kKilled;
  svc.Add(S::kKilled, 3);
  EXPECT_EQ(DeriveJobState(svc), J::kKilled);  // terminal goal: the normal rules
}

TEST(JobStateTest, TerminalOutcomes) {
  JobStateInput in = Batch(3);
  in.Add(S::kSucceeded, 3);
  EXPECT_EQ(DeriveJobState(in), J::kSucceeded);

  in = Batch(3);
  in.Add(S::kSucceeded, 2);
  in.Add(S::kLost);
  EXPECT_EQ(DeriveJobState(in), J::kFailed);

  in = Batch(3);
  in.Add(S::kSucceeded);
  in.Add(S::kFailed);
  in.Add(S::kKilled);
  EXPECT_EQ(DeriveJobState(in), J::kKilled);
}

TEST(JobStateTest, NonTerminalOutcomes) {
  JobStateInput in = Batch(3);
  in.Add(S::kSucceeded);
  in.Add(S::kRunning);
  in.Add(S::kPending);
  EXPECT_EQ(DeriveJobState(in), J::kRunning);
  in.current = J::kKilling;
  EXPECT_EQ(DeriveJobState(in), J::kKilling);  // stays KILLING until terminal
  in = Batch(2);
  in.Add(S::kPending);
  in.Add(S::kLaunched);
  EXPECT_EQ(DeriveJobState(in), J::kPending);
}

TEST(JobStateTest, ControllerTaskDecidesTheTerminalState) {
  JobStateInput in = Batch(3);
  in.Add(S::kSucceeded);  // instance 0, the controller
  in.Add(S::kFailed, 2);
  in.controller_state = S::kSucceeded;
  EXPECT_EQ(DeriveJobState(in), J::kSucceeded);  // would be FAILED without a controller
  in.controller_state = S::kLost;
  EXPECT_EQ(DeriveJobState(in), J::kFailed);
  in = Batch(2);
  in.Add(S::kKilled);
  in.Add(S::kSucceeded);
  in.controller_state = S::kKilled;
  EXPECT_EQ(DeriveJobState(in), J::kKilled);
  // Not terminal yet: the controller does not matter.
  in = Batch(2);
  in.Add(S::kSucceeded);
  in.Add(S::kRunning);
  in.controller_state = S::kSucceeded;
  EXPECT_EQ(DeriveJobState(in), J::kRunning);
}

}  // namespace
}  // namespace peloton::taskfsm
