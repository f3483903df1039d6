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

// How WorkloadOf weighs the shapes of the mix.
enum class MixWeights {
  // Every GPU request size counts the same. The default: a rare shape (an 8-GPU pod) that
  // finds no host is a failure as much as a common one, and popularity weights protect it
  // too little (docs/placement.md has the measurements).
  kUniform,
  // Each shape by its share of the pods, as FGD (ATC'23) weighs its "typical pods".
  kPopularity,
};

// FGD's rule for "typical" shapes: of `counts` (pods per shape, most common first), the first
// `kept`, until they cover 95% of all the pods; `covered` is how many pods those are.
struct Covering {
  size_t kept = 0;
  int64_t covered = 0;
};
Covering CommonestCovering(const std::vector<int64_t>& counts);

// The workload mix for the fragmentation-aware scorer: the pods grouped by GPU request
// (milli-GPU in all) and accepted models, weighted as `weights` says; each group split into its
// most common cpu values covering 95% of its pods, one shape each (the median memory of its
// pods), sharing the group's weight by their pods.
std::vector<placement::WorkloadShape> WorkloadOf(const std::vector<TracePod>& pods,
                                                 MixWeights weights = MixWeights::kUniform);

}  // namespace peloton::backend::sim

#endif  // PELOTON_SERVICES_BACKEND_SIM_OPENB_H_
