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
  // A service's extra task is one an update removes (goal DELETED) while it is stopped: the
  // job still runs; once removed (DELETED) the task is not counted.
  JobStateInput svc = Service(2);
  svc.Add(S::kRunning, 3);
  EXPECT_EQ(DeriveJobState(svc), J::kRunning);
  svc = Service(2);
  svc.Add(S::kRunning, 2);
  svc.Add(S::kDeleted, 4);
  EXPECT_EQ(DeriveJobState(svc), J::kRunning);
  svc = Service(2);
  svc.goal = J::kKilled;
  svc.Add(S::kKilled, 3);
  EXPECT_EQ(DeriveJobState(svc), J::kKilled);  // terminal goal: the normal rules
}

// A daemon job counts its planned instances: removed ones (DELETED) not at all, ones being
// removed among the created without making it PENDING; none planned is waiting for hosts.
TEST(JobStateTest, DaemonJobsCountPlannedInstances) {
  JobStateInput in{.type = JobType::kDaemon, .instance_count = 2, .goal = J::kRunning};
  in.Add(S::kRunning, 2);
  in.Add(S::kDeleted, 5);
  EXPECT_EQ(DeriveJobState(in), J::kRunning);
  in.Add(S::kKilling);  // a third, being removed
  EXPECT_EQ(DeriveJobState(in), J::kRunning);

  JobStateInput none{.type = JobType::kDaemon, .instance_count = 0, .goal = J::kRunning};
  EXPECT_EQ(DeriveJobState(none), J::kPending);  // not SUCCEEDED: it waits for hosts
  none.Add(S::kDeleted, 3);
  EXPECT_EQ(DeriveJobState(none), J::kPending);
  none.Add(S::kRunning);  // the last one, being removed
  EXPECT_EQ(DeriveJobState(none), J::kRunning);
  none.goal = J::kKilled;
  none.current = J::kKilling;
  EXPECT_EQ(DeriveJobState(none), J::kKilling);
  none.task_counts[static_cast<int>(S::kRunning)] = 0;
  none.Add(S::kKilled);
  EXPECT_EQ(DeriveJobState(none), J::kKilled);

  // Planned instances all stopped: KILLED as a service job.
  JobStateInput stopped{.type = JobType::kDaemon, .instance_count = 2, .goal = J::kKilled};
  stopped.Add(S::kKilled, 2);
  stopped.Add(S::kDeleted);
  EXPECT_EQ(DeriveJobState(stopped), J::kKilled);
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
