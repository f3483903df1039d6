// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A job's state derived from its tasks' states (reference §3.7, Peloton's runtime updater).
//
// Thread-safety: stateless.

#ifndef PELOTON_TASKFSM_JOB_STATE_H_
#define PELOTON_TASKFSM_JOB_STATE_H_

#include <array>
#include <cstdint>
#include <optional>

#include "peloton/taskfsm/enums.h"

namespace peloton::taskfsm {

struct JobStateInput {
  JobType type = JobType::kBatch;
  uint32_t instance_count = 0;
  // Number of created tasks in each state, indexed by TaskState.
  std::array<uint32_t, kNumTaskStates> task_counts{};
  JobState current = JobState::kInitialized;
  JobState goal = JobState::kSucceeded;
  // Instance 0's state when it is a controller task (e.g. a Spark driver).
  std::optional<TaskState> controller_state;

  void Add(TaskState s, uint32_t n = 1) { task_counts[static_cast<int>(s)] += n; }
};

// With N = instance_count and counts by state:
// 1. Fewer than N tasks created: batch -> INITIALIZED; service -> KILLED (FAILED if the goal
//    is FAILED) when the goal is terminal and every created task is terminal, else PENDING.
// 2. More than N: batch -> PENDING. (A service or daemon job has more while instances an
//    update or a host removed are being stopped; that is not rule 2.)
// 3. Otherwise SUCCEEDED if #SUCCEEDED >= N; FAILED if SUCCEEDED+FAILED+LOST >= N; KILLED if
//    #KILLED > 0 and SUCCEEDED+FAILED+KILLED+LOST >= N; KILLING if currently KILLING; RUNNING
//    if any task runs; else PENDING.
// 4. With a controller task, a terminal result follows instance 0: SUCCEEDED -> SUCCEEDED,
//    FAILED or LOST -> FAILED, anything else -> KILLED.
// Service and daemon jobs do not count DELETED tasks (removed instances); N is the instances
// the job has (a service's config, a daemon's plan). DAEMON jobs follow the service rules, and
// with
// N = 0 the job is KILLED (FAILED for goal FAILED) once a terminal goal is reached, KILLING
// while it is, RUNNING while a task being removed still runs, else PENDING (waiting for hosts).
JobState DeriveJobState(const JobStateInput& in);

}  // namespace peloton::taskfsm

#endif  // PELOTON_TASKFSM_JOB_STATE_H_
