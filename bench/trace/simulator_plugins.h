// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The two baselines of FGD's public simulator (hkust-adsl/kubernetes-scheduler-simulator, as
// issue 22 describes them) as placement scorers, for trace_replay --protocol=fgd. Bench only:
// they carry the openb cluster's constants (128 cores, 8 GPUs a node).
//
// - profile "sim-best-fit": score 100·(1 − [0.5·(cpu left − cpu)/128000 + 0.5·(milli-GPU
//   left − milli-GPU)/8000]), min–max normalised over the feasible nodes; a share goes to the
//   tightest device (the cluster's own choice).
// - profile "fgd": Fragmentation Gradient Descent (Weng et al., ATC'23). The target workload is
//   the trace's task shapes (cpu, per-GPU milli, GPU count, accepted models) counted over the
//   trace, most common first, kept until they cover 95% of the tasks, renormalised. A node's
//   fragmentation F = Σ shape weight × f(shape): every milli-GPU left on the node when the shape
//   cannot run there at all (it needs no GPU, another model, more cpu than is left, or more
//   devices with enough left than there are), else the milli-GPU left on devices too small for
//   it. Score = int(100·sigmoid((F before − F after)/1000)), not normalised (ties go to node
//   order). One deviation: a share takes the cluster's tightest device, where the simulator
//   tries each device and keeps the one that lowers F most.
//
// Thread-compatible.

#ifndef PELOTON_BENCH_TRACE_SIMULATOR_PLUGINS_H_
#define PELOTON_BENCH_TRACE_SIMULATOR_PLUGINS_H_

#include <vector>

#include "absl/status/status.h"
#include "peloton/placement/plugin.h"
#include "services/backend/sim/openb.h"

namespace peloton::bench {

// FGD's target workload of `pods` (see above); shapes carry cpu and GPU (demand's memory 0).
std::vector<placement::WorkloadShape> FgdWorkload(
    const std::vector<backend::sim::TracePod>& pods);

// Registers the scorers and profiles "sim-best-fit" and "fgd" (after RegisterBuiltinPlugins,
// whose filters they use). The fgd scorer's workload is FgdWorkload(pods).
absl::Status RegisterSimulatorPlugins(placement::PluginRegistry& registry,
                                      const std::vector<backend::sim::TracePod>& pods);

}  // namespace peloton::bench

#endif  // PELOTON_BENCH_TRACE_SIMULATOR_PLUGINS_H_
