// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The scheduling driver's placement round, one for peloton-master and peloton-placement alike
// (they differ only in what the peers are: the components in process, or their remote clients):
//
//   1. dequeue admitted gangs from the resource manager;
//   2. ask the job manager for their tasks' placement specs;
//   3. get the cluster to place on (in process: the host manager's own; apart: a snapshot);
//   4. place; hand the placements, the gangs dropped and the verdicts to the job manager;
//   5. give the gangs that fit nowhere (and any not handed over) back to the resource manager,
//      which retries them (first in line the first time, then after a backoff): the engine
//      holds no gangs between rounds, so a resource manager's "placing" gangs are only ever
//      those of the round under way.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_RUNTIME_PLACEMENT_ROUND_H_
#define PELOTON_SERVICES_RUNTIME_PLACEMENT_ROUND_H_

#include <cstddef>
#include <functional>

#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "peloton/placement/cluster.h"
#include "services/jobmgr/job_manager_api.h"
#include "services/placement/placement_engine.h"
#include "services/resmgr/resource_manager_api.h"

namespace peloton::runtime {

// The cluster a round places on: the host manager's own, or `scratch` filled with a snapshot.
using ClusterSource =
    std::function<absl::StatusOr<placement::Cluster*>(placement::Cluster& scratch)>;

struct PlacementRoundResult {
  size_t dequeued = 0;
  size_t placed = 0;
  size_t returned = 0;  // given back to the resource manager
  // The gangs the placer found no hosts for, by reason (PlacementEngine::TakeFailures).
  absl::btree_map<placement::FilterReason, uint64_t> failed;
};

// Every round's, added up (for metrics).
struct PlacementTotals {
  uint64_t rounds = 0, dequeued = 0, placed = 0, returned = 0;
  absl::btree_map<placement::FilterReason, uint64_t> failed;
  void Add(const PlacementRoundResult& r) {
    ++rounds;
    dequeued += r.dequeued;
    placed += r.placed;
    returned += r.returned;
    for (const auto& [reason, n] : r.failed) failed[reason] += n;
  }
};

PlacementRoundResult PlaceRound(placement_engine::PlacementEngine& engine,
                                resmgr::ResourceManagerApi& pools, jobmgr::JobManagerApi& jobs,
                                const ClusterSource& cluster, size_t dequeue_limit);

}  // namespace peloton::runtime

#endif  // PELOTON_SERVICES_RUNTIME_PLACEMENT_ROUND_H_
