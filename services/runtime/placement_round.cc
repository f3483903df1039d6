// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/placement_round.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"

namespace peloton::runtime {
namespace {

std::string GangIds(const std::vector<resmgr::ReadyGang>& gangs) {
  return absl::StrJoin(gangs, ",", [](std::string* out, const resmgr::ReadyGang& g) {
    absl::StrAppend(out, g.gang.Id());
  });
}

// Back to the resource manager; a failure leaves them "placing" there until a placement
// engine starts and takes over (ResetPlacing).
void GiveBack(resmgr::ResourceManagerApi& pools, std::vector<resmgr::ReadyGang> gangs,
              const char* what) {
  if (gangs.empty()) return;
  const std::string ids = GangIds(gangs);
  if (absl::Status s = pools.ReturnGangs(std::move(gangs)); !s.ok()) {
    spdlog::error("{} gangs {} not given back (placing until an engine starts): {}", what, ids,
                  std::string(s.message()));
  }
}

}  // namespace

PlacementRoundResult PlaceRound(placement_engine::PlacementEngine& engine,
                                resmgr::ResourceManagerApi& pools, jobmgr::JobManagerApi& jobs,
                                const ClusterSource& cluster_source, size_t dequeue_limit) {
  PlacementRoundResult result;
  std::vector<resmgr::ReadyGang> ready = pools.DequeueReady(dequeue_limit);
  result.dequeued = ready.size();
  if (ready.empty()) return result;
  std::vector<std::string> ids;
  for (const resmgr::ReadyGang& g : ready) {
    for (const auto& t : g.gang.tasks) ids.emplace_back(t.task_id);
  }
  absl::StatusOr<placement_engine::SpecLookup> specs = jobs.WaitingSpecs(ids);
  placement::Cluster scratch;
  absl::StatusOr<placement::Cluster*> cluster =
      specs.ok() ? cluster_source(scratch) : absl::StatusOr<placement::Cluster*>(specs.status());
  if (!cluster.ok()) {
    spdlog::warn("placement round skipped: {}", std::string(cluster.status().message()));
    result.returned = ready.size();
    GiveBack(pools, std::move(ready), "dequeued");
    return result;
  }
  std::vector<resmgr::ReadyGang> dropped;
  std::vector<placement_engine::PlacementVerdict> verdicts;
  std::vector<placement_engine::PlacedGang> placed =
      engine.Place(std::move(ready), **cluster, *specs, &dropped, &verdicts);
  result.placed = placed.size();
  result.failed = engine.TakeFailures();
  std::vector<resmgr::ReadyGang> back;
  if (!placed.empty() || !dropped.empty() || !verdicts.empty()) {
    if (absl::Status s = jobs.SetPlacements(placed, dropped, verdicts, **cluster); !s.ok()) {
      // Not handed over: they go back in line (what the job manager did launch before it
      // failed is no longer "placing" at the resource manager, and stays as it is).
      spdlog::warn("{} placed gangs not handed over, given back: {}", placed.size(),
                   std::string(s.message()));
      back = std::move(dropped);
      for (placement_engine::PlacedGang& p : placed) back.push_back({p.pool, std::move(p.gang)});
      result.placed = 0;
    }
  }
  for (resmgr::ReadyGang& g : engine.TakeWaiting()) back.push_back(std::move(g));
  result.returned = back.size();
  GiveBack(pools, std::move(back), "unplaced");
  return result;
}

}  // namespace peloton::runtime
