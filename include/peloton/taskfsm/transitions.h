// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Legal task state transitions, as the job manager and as the resource manager see them.
//
// Resource manager (reference §2.8, Peloton's rmtask state machine):
//   INITIALIZED -> PENDING, RUNNING, LAUNCHING, LAUNCHED (the last three on recovery)
//   PENDING     -> READY, KILLED, PLACED
//   READY       -> PLACING, RESERVED, PLACED, KILLED, PENDING
//   PLACING     -> READY, PLACED, KILLED, PENDING
//   RESERVED    -> PLACED, KILLED, PENDING
//   PLACED      -> LAUNCHING, KILLED
//   LAUNCHING   -> RUNNING, READY, KILLED, LAUNCHED
//   LAUNCHED    -> RUNNING, READY, KILLED, LAUNCHED
//   RUNNING     -> SUCCEEDED, LOST, PREEMPTING, KILLING, FAILED, KILLED
//   PREEMPTING  -> RUNNING (preempting timeout), KILLING, SUCCEEDED, FAILED, KILLED, LOST
//   KILLING     -> SUCCEEDED, FAILED, KILLED, LOST
//   FAILED      -> READY;  KILLED -> PENDING
// (The reference lists no exits for PREEMPTING and KILLING; a preempted or killed task must
// still end, so those above are ours.)
//
// Job manager (the task runtime it persists; reference §1.4, §3.6):
//   INITIALIZED -> PENDING (start_task), KILLED (stopped before start), INITIALIZED (new run),
//                  DELETED
//   PENDING     -> LAUNCHED, KILLED, INITIALIZED, and any state the cluster reports
//                  (STARTING, RUNNING, SUCCEEDED, FAILED, LOST: an event may overtake the
//                  LAUNCHED write)
//   LAUNCHED, STARTING -> STARTING, RUNNING, SUCCEEDED, FAILED, KILLED, LOST, KILLING,
//                  INITIALIZED (launch retry)
//   RUNNING     -> SUCCEEDED, FAILED, KILLED, LOST, KILLING, PREEMPTING
//   KILLING     -> SUCCEEDED, FAILED, KILLED, LOST
//   PREEMPTING  -> RUNNING, KILLING, SUCCEEDED, FAILED, KILLED, LOST
//   SUCCEEDED, FAILED, KILLED, LOST -> INITIALIZED (retry, restart, update), DELETED
//   DELETED     -> nothing
// Staying in the same state is always legal (a repeated event).

#ifndef PELOTON_TASKFSM_TRANSITIONS_H_
#define PELOTON_TASKFSM_TRANSITIONS_H_

#include "absl/status/status.h"
#include "peloton/taskfsm/enums.h"

namespace peloton::taskfsm {

enum class TransitionView { kJobManager, kResourceManager };

bool IsLegalTransition(TransitionView view, TaskState from, TaskState to);

// OK, or FailedPrecondition naming both states and the view.
absl::Status CheckTransition(TransitionView view, TaskState from, TaskState to);

}  // namespace peloton::taskfsm

#endif  // PELOTON_TASKFSM_TRANSITIONS_H_
