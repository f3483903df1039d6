// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/enums.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::taskfsm {
namespace {

using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

TEST(EnumsTest, TaskStatesHavePelotonNumbersAndNamesRoundTrip) {
  EXPECT_EQ(static_cast<int>(TaskState::kRunning), 8);
  EXPECT_EQ(static_cast<int>(TaskState::kLaunched), 15);
  EXPECT_EQ(static_cast<int>(TaskState::kReserved), 17);
  for (int i = 0; i < kNumTaskStates; ++i) {
    const TaskState s = static_cast<TaskState>(i);
    ASSERT_FALSE(Name(s).empty()) << i;
    EXPECT_THAT(ParseTaskState(Name(s)), IsOkAndHolds(s));
    EXPECT_THAT(ParseTaskState(std::to_string(i)), IsOkAndHolds(s));
  }
  EXPECT_EQ(Name(static_cast<TaskState>(18)), "");
}

TEST(EnumsTest, AcceptsV1AlphaSpellingsAndAnyCase) {
  EXPECT_THAT(ParseTaskState("POD_STATE_RUNNING"), IsOkAndHolds(TaskState::kRunning));
  EXPECT_THAT(ParseTaskState("running"), IsOkAndHolds(TaskState::kRunning));
  EXPECT_THAT(ParseJobState("JOB_STATE_KILLED"), IsOkAndHolds(JobState::kKilled));
  EXPECT_THAT(ParseUpdateState("WORKFLOW_STATE_ROLLING_FORWARD"),
              IsOkAndHolds(UpdateState::kRollingForward));
  EXPECT_THAT(ParseTerminationReason("TERMINATION_STATUS_REASON_KILLED_FOR_UPDATE"),
              IsOkAndHolds(TerminationReason::kKilledForUpdate));
  EXPECT_THAT(ParsePreemptionReason("PREEMPTION_REASON_HOST_MAINTENANCE"),
              IsOkAndHolds(PreemptionReason::kHostMaintenance));
  EXPECT_THAT(ParseHostState("HOST_STATE_DRAINING"), IsOkAndHolds(HostState::kDraining));
  EXPECT_THAT(ParseHealthState("HEALTH_UNKNOWN"), IsOkAndHolds(HealthState::kUnknown));
  EXPECT_THAT(ParseJobType("SERVICE"), IsOkAndHolds(JobType::kService));
  EXPECT_THAT(ParseWorkflowType("RESTART"), IsOkAndHolds(WorkflowType::kRestart));
  EXPECT_THAT(ParseMesosTaskState("TASK_FINISHED"), IsOkAndHolds(MesosTaskState::kFinished));
}

TEST(EnumsTest, UnknownNamesAreClearErrors) {
  EXPECT_THAT(ParseTaskState("SLEEPING"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                   HasSubstr("unknown task state 'SLEEPING'")));
  EXPECT_THAT(ParseJobState("42"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UNINITIALIZED (8)")));
}

TEST(EnumsTest, OtherEnumsHavePelotonNumbers) {
  EXPECT_EQ(static_cast<int>(JobState::kUninitialized), 8);
  EXPECT_EQ(static_cast<int>(UpdateState::kRolledBack), 8);
  EXPECT_EQ(static_cast<int>(TerminationReason::kKilledForSlaAwareRestart), 8);
  EXPECT_EQ(static_cast<int>(HostState::kDown), 5);
  EXPECT_EQ(static_cast<int>(HealthState::kUnhealthy), 4);
  EXPECT_EQ(static_cast<int>(MesosTaskState::kStaging), 6);
  EXPECT_EQ(static_cast<int>(TaskType::kDaemon), 4);
}

TEST(EnumsTest, Terminality) {
  int terminal = 0;
  for (int i = 0; i < kNumTaskStates; ++i) terminal += IsTerminal(static_cast<TaskState>(i));
  EXPECT_EQ(terminal, 5);
  EXPECT_TRUE(IsTerminal(TaskState::kLost));
  EXPECT_FALSE(IsTerminal(TaskState::kKilling));
  EXPECT_TRUE(IsTerminal(JobState::kDeleted));
  EXPECT_FALSE(IsTerminal(JobState::kKilling));
  EXPECT_TRUE(IsTerminal(UpdateState::kRolledBack));
  EXPECT_FALSE(IsTerminal(UpdateState::kPaused));
  EXPECT_TRUE(IsResmgrOwned(TaskState::kPlacing));
  EXPECT_FALSE(IsResmgrOwned(TaskState::kRunning));
}

TEST(EnumsTest, RoutableIsRunningAndNotUnhealthy) {
  int routable = 0;
  for (int i = 0; i < kNumTaskStates; ++i) {
    routable += IsRoutable(static_cast<TaskState>(i), HealthState::kDisabled);
  }
  EXPECT_EQ(routable, 1);  // RUNNING alone: not LAUNCHED, STARTING, KILLING
  EXPECT_TRUE(IsRoutable(TaskState::kRunning, HealthState::kHealthy));
  EXPECT_TRUE(IsRoutable(TaskState::kRunning, HealthState::kInvalid));
  EXPECT_FALSE(IsRoutable(TaskState::kRunning, HealthState::kUnknown));  // not checked yet
  EXPECT_FALSE(IsRoutable(TaskState::kRunning, HealthState::kUnhealthy));
  EXPECT_FALSE(IsRoutable(TaskState::kKilling, HealthState::kHealthy));
}

TEST(EnumsTest, TaskTypesAndDefaultGoals) {
  EXPECT_EQ(TaskTypeOf(JobType::kBatch, false), TaskType::kBatch);
  EXPECT_EQ(TaskTypeOf(JobType::kService, false), TaskType::kStateless);
  EXPECT_EQ(TaskTypeOf(JobType::kService, true), TaskType::kStateful);
  EXPECT_EQ(TaskTypeOf(JobType::kDaemon, false), TaskType::kDaemon);
  EXPECT_EQ(DefaultTaskGoal(JobType::kBatch), TaskState::kSucceeded);
  EXPECT_EQ(DefaultTaskGoal(JobType::kService), TaskState::kRunning);
}

TEST(EnumsTest, MesosStatesMapLikePeloton) {
  using M = MesosTaskState;
  using T = TaskState;
  const std::pair<M, T> cases[] = {
      {M::kStaging, T::kLaunched},    {M::kStarting, T::kStarting},  {M::kRunning, T::kRunning},
      {M::kKilling, T::kRunning},     {M::kFinished, T::kSucceeded}, {M::kFailed, T::kFailed},
      {M::kError, T::kFailed},        {M::kKilled, T::kKilled},      {M::kLost, T::kLost},
      {M::kDropped, T::kLost},        {M::kUnreachable, T::kLost},   {M::kGone, T::kLost},
      {M::kGoneByOperator, T::kLost}, {M::kUnknown, T::kInitialized}};
  for (const auto& [mesos, ours] : cases) {
    EXPECT_EQ(TaskStateFromMesos(mesos), ours) << Name(mesos);
  }
  EXPECT_EQ(TaskStateFromMesos(static_cast<M>(99)), T::kInitialized);
}

}  // namespace
}  // namespace peloton::taskfsm
