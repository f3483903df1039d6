// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Every (state, goal) pair of the task and job action tables against reference §3.6, written
// out here independently of the implementation, plus the version-mismatch rules.

#include "peloton/taskfsm/goal_state.h"

#include <map>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace peloton::taskfsm {
namespace {

using S = TaskState;
using A = TaskAction;

// (goal, state) -> action; pairs not listed are noop for goals with a table, state_invalid
// for the others.
std::map<std::pair<S, S>, A> ExpectedTaskTable() {
  std::map<std::pair<S, S>, A> m;
  auto set = [&m](S goal, std::initializer_list<S> states, A a) {
    for (S s : states) m[{goal, s}] = a;
  };
  set(S::kRunning, {S::kInitialized}, A::kStartTask);
  set(S::kRunning, {S::kLaunched, S::kStarting}, A::kLaunchRetry);
  set(S::kRunning, {S::kSucceeded, S::kFailed, S::kKilled, S::kLost}, A::kTerminatedRetry);
  set(S::kRunning, {S::kKilling}, A::kExecutorShutdown);
  set(S::kSucceeded, {S::kInitialized}, A::kStartTask);
  set(S::kSucceeded, {S::kLaunched, S::kStarting}, A::kLaunchRetry);
  set(S::kSucceeded, {S::kFailed, S::kKilled, S::kLost}, A::kFailRetry);
  for (S goal : {S::kKilled, S::kDeleted, S::kPreempting}) {
    set(goal, {S::kInitialized, S::kPending, S::kLaunched, S::kStarting, S::kRunning},
        A::kStopTask);
    set(goal, {S::kKilling}, A::kExecutorShutdown);
  }
  set(S::kDeleted, {S::kLost, S::kSucceeded, S::kFailed, S::kKilled}, A::kDeleteTask);
  set(S::kPreempting, {S::kPreempting}, A::kStateInvalid);
  return m;
}

TEST(GoalStateTest, EveryStateGoalPairWithCurrentVersions) {
  const auto expected = ExpectedTaskTable();
  const std::set<S> goals_with_table = {S::kRunning, S::kSucceeded, S::kKilled, S::kDeleted,
                                        S::kPreempting};
  int checked = 0;
  for (int g = 0; g < kNumTaskStates; ++g) {
    for (int s = 0; s < kNumTaskStates; ++s) {
      const S goal = static_cast<S>(g), state = static_cast<S>(s);
      TaskSnapshot t{.state = state,
                     .goal = goal,
                     .config_version = 3,
                     .desired_config_version = 3,
                     .run_id = 2,
                     .desired_run_id = 2};
      auto it = expected.find({goal, state});
      A want = it != expected.end()              ? it->second
               : goals_with_table.contains(goal) ? A::kNoop
                                                 : A::kStateInvalid;
      EXPECT_EQ(NextTaskAction(t), want)
          << "goal " << Name(goal) << " state " << Name(state) << ": got "
          << Name(NextTaskAction(t)) << ", want " << Name(want);
      ++checked;
    }
  }
  EXPECT_EQ(checked, kNumTaskStates * kNumTaskStates);
}

TEST(GoalStateTest, ConfigVersionMismatchRestartsUnlessGoalIsTerminal) {
  TaskSnapshot t{
      .state = S::kRunning, .goal = S::kRunning, .config_version = 1, .desired_config_version = 2};
  EXPECT_EQ(NextTaskAction(t), A::kStopTask);
  t.state = S::kKilled;
  EXPECT_EQ(NextTaskAction(t), A::kInitializeTask);
  t.state = S::kInitialized;
  EXPECT_EQ(NextTaskAction(t), A::kStopTask);  // not terminal: stop first
  // A terminal goal (batch SUCCEEDED, KILLED) ignores config versions: the table applies.
  t = {.state = S::kRunning,
       .goal = S::kSucceeded,
       .config_version = 1,
       .desired_config_version = 2};
  EXPECT_EQ(NextTaskAction(t), A::kNoop);
  t.goal = S::kKilled;
  EXPECT_EQ(NextTaskAction(t), A::kStopTask);
}

TEST(GoalStateTest, RunIdMismatchRestartsUnlessGoalIsKilledOrDeleted) {
  TaskSnapshot t{.state = S::kRunning, .goal = S::kSucceeded, .run_id = 1, .desired_run_id = 2};
  EXPECT_EQ(NextTaskAction(t), A::kStopTask);
  t.state = S::kFailed;
  EXPECT_EQ(NextTaskAction(t), A::kInitializeTask);
  t.desired_run_id = 0;  // not set: the table applies
  EXPECT_EQ(NextTaskAction(t), A::kFailRetry);
  t = {.state = S::kLost, .goal = S::kKilled, .run_id = 1, .desired_run_id = 2};
  EXPECT_EQ(NextTaskAction(t), A::kNoop);
  t.goal = S::kDeleted;
  EXPECT_EQ(NextTaskAction(t), A::kDeleteTask);
}

TEST(GoalStateTest, FailedGoalAndMissingRuntime) {
  EXPECT_EQ(
      NextTaskAction({.state = S::kRunning, .goal = S::kFailed, .run_id = 1, .desired_run_id = 2}),
      A::kStateInvalid);
  EXPECT_EQ(NextTaskAction({.runtime_missing = true}), A::kReloadRuntime);
  EXPECT_EQ(NextTaskAction({.state = static_cast<S>(77), .goal = S::kRunning}), A::kStateInvalid);
  EXPECT_EQ(Name(A::kTerminatedRetry), "terminated_retry");
}

TEST(GoalStateTest, EveryJobStateGoalPair) {
  using J = JobState;
  using JA = JobAction;
  std::map<std::pair<J, J>, JA> expected;
  auto set = [&expected](J goal, std::initializer_list<J> states, JA a) {
    for (J s : states) expected[{goal, s}] = a;
  };
  set(J::kRunning, {J::kInitialized}, JA::kCreateTasks);
  set(J::kRunning, {J::kKilling}, JA::kStateInvalid);
  set(J::kRunning, {J::kUninitialized}, JA::kRecover);
  set(J::kSucceeded, {J::kInitialized}, JA::kCreateTasks);
  set(J::kSucceeded, {J::kSucceeded, J::kFailed, J::kKilled}, JA::kUntrack);
  set(J::kSucceeded, {J::kKilling}, JA::kStateInvalid);
  set(J::kSucceeded, {J::kUninitialized}, JA::kRecover);
  set(J::kKilled, {J::kSucceeded, J::kFailed, J::kKilled, J::kUninitialized}, JA::kKillUntrack);
  set(J::kKilled, {J::kInitialized, J::kPending, J::kRunning}, JA::kJobKill);
  set(J::kDeleted, {J::kUninitialized}, JA::kDelete);
  set(J::kDeleted, {J::kInitialized, J::kPending, J::kRunning, J::kKilling}, JA::kJobKill);
  set(J::kDeleted, {J::kFailed, J::kKilled, J::kSucceeded}, JA::kKillAndDelete);
  for (int g = 0; g < kNumJobStates; ++g) {
    for (int s = 0; s < kNumJobStates; ++s) {
      const J goal = static_cast<J>(g), state = static_cast<J>(s);
      auto it = expected.find({goal, state});
      JA want =
          goal == J::kFailed ? JA::kStateInvalid : (it != expected.end() ? it->second : JA::kNoop);
      EXPECT_EQ(NextJobAction({.state = state, .goal = goal}), want)
          << "goal " << Name(goal) << " state " << Name(state);
    }
  }
}

TEST(GoalStateTest, StatelessStartWhenStateVersionIsBehind) {
  EXPECT_EQ(NextJobAction({.state = JobState::kInitialized,
                           .goal = JobState::kRunning,
                           .state_version = 1,
                           .desired_state_version = 2}),
            JobAction::kCreateTasks);
  EXPECT_EQ(NextJobAction({.state = JobState::kKilled,
                           .goal = JobState::kRunning,
                           .state_version = 1,
                           .desired_state_version = 2}),
            JobAction::kJobStart);
  EXPECT_EQ(NextJobAction({.state = JobState::kKilled,
                           .goal = JobState::kRunning,
                           .state_version = 2,
                           .desired_state_version = 2}),
            JobAction::kNoop);
}

TEST(GoalStateTest, FollowUps) {
  EXPECT_FALSE(FollowUpsOf(JobAction::kUntrack).runtime_update);
  EXPECT_FALSE(FollowUpsOf(JobAction::kRecover).evaluate_sla);
  EXPECT_TRUE(FollowUpsOf(JobAction::kUntrack).delete_from_active_jobs);
  EXPECT_TRUE(FollowUpsOf(JobAction::kJobKill).runtime_update);
  EXPECT_TRUE(FollowUpsOf(JobAction::kNoop).enqueue_update);
}

}  // namespace
}  // namespace peloton::taskfsm
