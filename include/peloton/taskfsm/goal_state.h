// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The goal-state engine's decisions (reference §3.6) as pure functions: given what a task or
// job is and what it should be, which action the engine runs next. The engine itself (queues,
// deadlines, retries of failed actions) belongs to the job manager service.
//
// Thread-safety: stateless. NextTaskAction is a table lookup after two comparisons.

#ifndef PELOTON_TASKFSM_GOAL_STATE_H_
#define PELOTON_TASKFSM_GOAL_STATE_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "peloton/taskfsm/enums.h"

namespace peloton::taskfsm {

enum class TaskAction : uint8_t {
  kNoop = 0,
  kStartTask,         // enqueue to the resource manager -> PENDING
  kStopTask,          // kill through resmgr (resmgr-owned states) or the backend -> KILLING
  kInitializeTask,    // new run id, state INITIALIZED, host/ports/times cleared
  kLaunchRetry,       // LAUNCHED/STARTING too long: re-check, then relaunch with a new run
  kTerminatedRetry,   // service task ended: restart, throttled
  kFailRetry,         // batch task failed: retry while the restart policy allows
  kExecutorShutdown,  // KILLING too long: shut the executor down
  kDeleteTask,        // remove the runtime
  kStateInvalid,      // the (state, goal) pair should not happen: log and leave it
  kReloadRuntime,     // the cached runtime is missing: reload it from the store
};
inline constexpr int kNumTaskActions = 11;
absl::string_view Name(TaskAction a);  // "start_task", "stop_task", ... (Peloton's names)

// What the engine knows about one task. Run ids are the last group of the Mesos task id
// "<job>-<instance>-<run>"; desired_run_id 0 means "not set".
struct TaskSnapshot {
  TaskState state = TaskState::kInitialized;
  TaskState goal = TaskState::kSucceeded;
  uint64_t config_version = 0;
  uint64_t desired_config_version = 0;
  uint64_t run_id = 0;
  uint64_t desired_run_id = 0;
  bool runtime_missing = false;
};

// 1. A missing runtime -> reload_runtime; goal FAILED (or out of range) -> state_invalid.
// 2. Version mismatch: (config_version != desired and the goal is not terminal) or (run id !=
//    desired run id, the desired one set, and the goal is not KILLED or DELETED) ->
//    initialize_task when the state is terminal, else stop_task.
// 3. Otherwise the (goal, state) table of reference §3.6; pairs it does not list are noop;
//    goals without a table (anything but RUNNING, SUCCEEDED, KILLED, DELETED, PREEMPTING)
//    are state_invalid.
TaskAction NextTaskAction(const TaskSnapshot& task);

enum class JobAction : uint8_t {
  kNoop = 0,
  kCreateTasks,  // write task runtimes and enqueue them
  kStateInvalid,
  kRecover,        // finish a creation interrupted by a crash (UNINITIALIZED)
  kUntrack,        // terminal batch job: stop tracking it
  kKillUntrack,    // kill what is left, then untrack
  kJobKill,        // set every task's goal to KILLED
  kDelete,         // delete an UNINITIALIZED job
  kKillAndDelete,  // kill what is left, then delete
  kJobStart,       // stateless start: bring tasks back to their default goal
};
inline constexpr int kNumJobActions = 10;
absl::string_view Name(JobAction a);

struct JobSnapshot {
  JobState state = JobState::kInitialized;
  JobState goal = JobState::kSucceeded;
  uint64_t state_version = 0;
  uint64_t desired_state_version = 0;
};

// Goal FAILED -> state_invalid. state_version < desired_state_version with goal RUNNING
// (a stateless start) -> create_tasks when INITIALIZED, else job_start. Otherwise the
// (goal, state) table of reference §3.6; unlisted pairs are noop.
JobAction NextJobAction(const JobSnapshot& job);

// What the job entity runs after its main action: always delete_from_active_jobs (a no-op
// unless the job is a terminal batch job) and enqueue of its update; runtime_update and
// evaluate_sla unless the action was untrack or recover.
struct JobFollowUps {
  bool delete_from_active_jobs = true;
  bool enqueue_update = true;
  bool runtime_update = true;
  bool evaluate_sla = true;
};
JobFollowUps FollowUpsOf(JobAction action);

}  // namespace peloton::taskfsm

#endif  // PELOTON_TASKFSM_GOAL_STATE_H_
