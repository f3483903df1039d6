// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/goal_state.h"

#include <array>
#include <initializer_list>

#include "peloton/common/enum_names.h"

namespace peloton::taskfsm {
namespace {

using S = TaskState;
using A = TaskAction;

constexpr EnumName<TaskAction> kTaskActionNames[] = {{A::kNoop, "noop"},
                                                     {A::kStartTask, "start_task"},
                                                     {A::kStopTask, "stop_task"},
                                                     {A::kInitializeTask, "initialize_task"},
                                                     {A::kLaunchRetry, "launch_retry"},
                                                     {A::kTerminatedRetry, "terminated_retry"},
                                                     {A::kFailRetry, "fail_retry"},
                                                     {A::kExecutorShutdown, "executor_shutdown"},
                                                     {A::kDeleteTask, "delete_task"},
                                                     {A::kStateInvalid, "state_invalid"},
                                                     {A::kReloadRuntime, "reload_runtime"}};

constexpr EnumName<JobAction> kJobActionNames[] = {{JobAction::kNoop, "noop"},
                                                   {JobAction::kCreateTasks, "create_tasks"},
                                                   {JobAction::kStateInvalid, "state_invalid"},
                                                   {JobAction::kRecover, "recover"},
                                                   {JobAction::kUntrack, "untrack"},
                                                   {JobAction::kKillUntrack, "kill_untrack"},
                                                   {JobAction::kJobKill, "job_kill"},
                                                   {JobAction::kDelete, "delete"},
                                                   {JobAction::kKillAndDelete, "kill_and_delete"},
                                                   {JobAction::kJobStart, "job_start"}};

// [goal][state] -> action.
using TaskTable = std::array<std::array<TaskAction, kNumTaskStates>, kNumTaskStates>;

constexpr TaskTable BuildTaskTable() {
  TaskTable t{};
  for (auto& row : t) row.fill(A::kStateInvalid);  // goals without a table
  auto row = [&t](S goal) -> std::array<TaskAction, kNumTaskStates>& {
    auto& r = t[static_cast<int>(goal)];
    r.fill(A::kNoop);
    return r;
  };
  auto set = [](std::array<TaskAction, kNumTaskStates>& r, std::initializer_list<S> states,
                TaskAction a) {
    for (S s : states) r[static_cast<int>(s)] = a;
  };

  auto& running = row(S::kRunning);
  set(running, {S::kInitialized}, A::kStartTask);
  set(running, {S::kLaunched, S::kStarting}, A::kLaunchRetry);
  set(running, {S::kSucceeded, S::kFailed, S::kKilled, S::kLost}, A::kTerminatedRetry);
  set(running, {S::kKilling}, A::kExecutorShutdown);

  auto& succeeded = row(S::kSucceeded);
  set(succeeded, {S::kInitialized}, A::kStartTask);
  set(succeeded, {S::kLaunched, S::kStarting}, A::kLaunchRetry);
  set(succeeded, {S::kFailed, S::kKilled, S::kLost}, A::kFailRetry);

  for (S goal : {S::kKilled, S::kDeleted, S::kPreempting}) {
    auto& r = row(goal);
    set(r, {S::kInitialized, S::kPending, S::kLaunched, S::kStarting, S::kRunning}, A::kStopTask);
    set(r, {S::kKilling}, A::kExecutorShutdown);
  }
  set(t[static_cast<int>(S::kDeleted)], {S::kLost, S::kSucceeded, S::kFailed, S::kKilled},
      A::kDeleteTask);
  set(t[static_cast<int>(S::kPreempting)], {S::kPreempting}, A::kStateInvalid);
  return t;
}

constexpr TaskTable kTaskTable = BuildTaskTable();

using JobTable = std::array<std::array<JobAction, kNumJobStates>, kNumJobStates>;

constexpr JobTable BuildJobTable() {
  using J = JobState;
  using JA = JobAction;
  JobTable t{};
  auto set = [&t](J goal, std::initializer_list<J> states, JA a) {
    for (J s : states) t[static_cast<int>(goal)][static_cast<int>(s)] = a;
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
  for (int s = 0; s < kNumJobStates; ++s) {
    t[static_cast<int>(J::kFailed)][s] = JA::kStateInvalid;
  }
  return t;
}

constexpr JobTable kJobTable = BuildJobTable();

constexpr bool InRange(int v, int n) { return v >= 0 && v < n; }

}  // namespace

absl::string_view Name(TaskAction a) { return EnumNameOf(a, kTaskActionNames); }
absl::string_view Name(JobAction a) { return EnumNameOf(a, kJobActionNames); }

TaskAction NextTaskAction(const TaskSnapshot& t) {
  if (t.runtime_missing) return A::kReloadRuntime;
  const int goal = static_cast<int>(t.goal);
  const int state = static_cast<int>(t.state);
  if (!InRange(goal, kNumTaskStates) || !InRange(state, kNumTaskStates) || t.goal == S::kFailed) {
    return A::kStateInvalid;
  }
  const bool config_stale = t.config_version != t.desired_config_version && !IsTerminal(t.goal);
  const bool run_stale = t.run_id != t.desired_run_id && t.desired_run_id != 0 &&
                         t.goal != S::kKilled && t.goal != S::kDeleted;
  if (config_stale || run_stale) {
    return IsTerminal(t.state) ? A::kInitializeTask : A::kStopTask;
  }
  return kTaskTable[goal][state];
}

JobAction NextJobAction(const JobSnapshot& j) {
  const int goal = static_cast<int>(j.goal);
  const int state = static_cast<int>(j.state);
  if (!InRange(goal, kNumJobStates) || !InRange(state, kNumJobStates) ||
      j.goal == JobState::kFailed) {
    return JobAction::kStateInvalid;
  }
  if (j.state_version < j.desired_state_version && j.goal == JobState::kRunning) {
    return j.state == JobState::kInitialized ? JobAction::kCreateTasks : JobAction::kJobStart;
  }
  return kJobTable[goal][state];
}

JobFollowUps FollowUpsOf(JobAction action) {
  JobFollowUps f;
  if (action == JobAction::kUntrack || action == JobAction::kRecover) {
    f.runtime_update = false;
    f.evaluate_sla = false;
  }
  return f;
}

}  // namespace peloton::taskfsm
