// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Trace replay: pods placed one by one in creation order on a cluster built from a node list,
// with a named placement profile. Without churn the replay stops at the first pod that cannot
// be placed (the fragmentation metric of the ATC'23 paper: GPUs left unallocated then); with
// churn pods also leave at their deletion time (departures before arrivals at equal times) and
// pods that find no host are dropped and counted.

#ifndef PELOTON_BENCH_TRACE_REPLAY_H_
#define PELOTON_BENCH_TRACE_REPLAY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/trace/trace_report.pb.h"
#include "peloton/placement/plugin.h"
#include "services/backend/sim/openb.h"

namespace peloton::bench {

// The openb readers live with the sim backend, which reads the same node lists.
using ::peloton::backend::sim::MixWeights;
using ::peloton::backend::sim::ReadOpenbNodes;
using ::peloton::backend::sim::ReadOpenbPods;
using ::peloton::backend::sim::TracePod;
using ::peloton::backend::sim::WorkloadOf;

struct ReplayOptions {
  std::string profile = "pack";
  bool churn = false;
  bool scarce_gpu_hard = false;
  // How the workload mix given to the fragmentation-aware scorer weighs the trace's shapes.
  MixWeights mix_weights = MixWeights::kUniform;
  // Pods arrive in a random order drawn with this seed instead of by creation time (without
  // churn only): the first-failure metric depends on the order, so comparing profiles over
  // several seeds separates policy from luck.
  std::optional<uint64_t> shuffle_seed;
};

// FGD's protocol (Weng et al., ATC'23, as its public simulator runs it), over `seeds` seeds
// (0..seeds-1): see FgdReport. NotFound for an unknown profile; InvalidArgument for no seeds, no
// GPU node, or a bad node or pod.
absl::StatusOr<FgdReport> ReplayFgd(const std::vector<placement::HostSpec>& nodes,
                                    const std::vector<TracePod>& pods,
                                    const placement::PluginRegistry& registry,
                                    const ReplayOptions& options, int seeds);

// NotFound for an unknown profile; InvalidArgument for a bad node or pod, or a shuffle with
// churn.
absl::StatusOr<TraceReport> Replay(const std::vector<placement::HostSpec>& nodes,
                                   const std::vector<TracePod>& pods,
                                   const placement::PluginRegistry& registry,
                                   const ReplayOptions& options);

}  // namespace peloton::bench

#endif  // PELOTON_BENCH_TRACE_REPLAY_H_
