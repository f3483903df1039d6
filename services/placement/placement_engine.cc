// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/placement/placement_engine.h"

#include <utility>

#include "spdlog/spdlog.h"

namespace peloton::placement_engine {

std::vector<PlacedGang> PlacementEngine::Place(std::vector<resmgr::ReadyGang> ready,
                                               placement::Cluster& cluster,
                                               const SpecLookup& spec_of,
                                               std::vector<resmgr::ReadyGang>* dropped) {
  for (resmgr::ReadyGang& g : ready) waiting_.push_back(std::move(g));
  std::vector<PlacedGang> placed;
  std::deque<resmgr::ReadyGang> still_waiting;
  while (!waiting_.empty()) {
    resmgr::ReadyGang g = std::move(waiting_.front());
    waiting_.pop_front();
    placement::Gang gang;
    bool gone = false;
    for (const fairshare::GangTask& t : g.gang.tasks) {
      absl::StatusOr<placement::TaskSpec> spec = spec_of(t.task_id);
      if (!spec.ok()) {
        gone = true;
        break;
      }
      gang.tasks.push_back(*std::move(spec));
    }
    if (gone) {
      if (dropped != nullptr) dropped->push_back(std::move(g));
      continue;
    }
    absl::StatusOr<placement::PlacementResult> result =
        placement::Place(absl::MakeConstSpan(&gang, 1), cluster, profile_);
    if (!result.ok() || result->placed.size() != gang.tasks.size()) {
      // A spec the placer rejects is a bug upstream; either way the gang cannot run now.
      if (!result.ok()) {
        spdlog::error("gang {} dropped: {}", g.gang.id, std::string(result.status().message()));
      }
      if (!result.ok() && dropped != nullptr) {
        dropped->push_back(std::move(g));
      } else {
        still_waiting.push_back(std::move(g));
      }
      continue;
    }
    std::vector<placement::Allocation> allocations;
    allocations.reserve(result->placed.size());
    for (placement::Placed& p : result->placed) allocations.push_back(std::move(p.allocation));
    placed.push_back({g.pool, std::move(g.gang), std::move(allocations)});
  }
  waiting_ = std::move(still_waiting);
  return placed;
}

}  // namespace peloton::placement_engine
