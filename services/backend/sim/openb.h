// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Readers for the Alibaba "openb" GPU cluster trace (ATC'23, ../shared/data/openb/): the node
// list becomes placement hosts (the sim backend's hosts file), the pod lists become tasks
// (bench/trace_replay).

#ifndef PELOTON_SERVICES_BACKEND_SIM_OPENB_H_
#define PELOTON_SERVICES_BACKEND_SIM_OPENB_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "peloton/placement/model.h"
#include "peloton/placement/plugin.h"

namespace peloton::backend::sim {

struct TracePod {
  placement::TaskSpec task;
  int64_t creation_time = 0;   // seconds; file order when the column is absent
  int64_t deletion_time = -1;  // -1: never leaves
};

// Columns sn,cpu_milli,memory_mib,gpu,model. A model of "" or "nan" means no GPUs.
// NotFound naming the file when it cannot be opened; InvalidArgument naming the file, line
// and column for a malformed row.
absl::StatusOr<std::vector<placement::HostSpec>> ReadOpenbNodes(const std::string& path);

// Columns name,cpu_milli,memory_mib,num_gpu,gpu_milli[,gpu_spec,qos,pod_phase,creation_time,
// deletion_time,scheduled_time]. gpu_milli < 1000 is a share of one GPU; otherwise num_gpu
// whole GPUs. gpu_spec lists acceptable models separated by '|'. Sorted by creation time
// (stable).
absl::StatusOr<std::vector<TracePod>> ReadOpenbPods(const std::string& path);

// The workload mix for the fragmentation-aware scorer: the most popular (cpu, memory, gpu)
// pod shapes (at most 64), each weighted by its share of the pods.
std::vector<placement::WorkloadShape> WorkloadOf(const std::vector<TracePod>& pods);

}  // namespace peloton::backend::sim

#endif  // PELOTON_SERVICES_BACKEND_SIM_OPENB_H_
