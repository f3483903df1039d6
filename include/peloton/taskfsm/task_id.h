// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Mesos task ids of Peloton tasks: "<job id>-<instance>-<run>", the run counting from 1 and
// growing with every restart. The job id is everything before the last two '-' groups (a
// UUID has dashes of its own).
//
// Thread-safety: stateless.

#ifndef PELOTON_TASKFSM_TASK_ID_H_
#define PELOTON_TASKFSM_TASK_ID_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace peloton::taskfsm {

struct MesosTaskId {
  std::string job_id;
  uint32_t instance = 0;
  uint64_t run = 1;

  std::string ToString() const;
  friend bool operator==(const MesosTaskId& a, const MesosTaskId& b) {
    return a.job_id == b.job_id && a.instance == b.instance && a.run == b.run;
  }
};

// "<job_id>-<instance>-<run>".
std::string FormatMesosTaskId(absl::string_view job_id, uint32_t instance, uint64_t run);

// InvalidArgument naming the part that is wrong: fewer than two '-', an empty job id, an
// instance that is not a decimal uint32, a run that is not a decimal number >= 1.
absl::StatusOr<MesosTaskId> ParseMesosTaskId(absl::string_view id);

}  // namespace peloton::taskfsm

#endif  // PELOTON_TASKFSM_TASK_ID_H_
