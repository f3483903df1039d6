// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/placement/placement_engine.h"

#include <utility>

#include "absl/hash/hash.h"
#include "spdlog/spdlog.h"

namespace peloton::placement_engine {

namespace {

// What EmptyTwin copies of the hosts, hashed: a twin is good while this stays the same.
uint64_t ShapeOf(const placement::Cluster& cluster) {
  uint64_t h = absl::HashOf(cluster.size());
  for (uint32_t i = 0; i < cluster.size(); ++i) {
    const placement::Host& host = cluster.host(i);
    h = absl::HashOf(h, host.name, host.capacity.milli_cpu(), host.capacity.memory_mb(),
                     host.capacity.disk_mb(), host.capacity.milli_gpu(), host.ports.size(),
                     host.attributes.size());
  }
  return h;
}

// The reason a gang fitted nowhere: its first task's that found no host of its own accord.
placement::FilterReason FailureReason(const std::vector<placement::Unplaced>& unplaced) {
  for (const placement::Unplaced& u : unplaced) {
    if (u.reason != placement::FilterReason::kGangIncomplete) return u.reason;
  }
  return unplaced.empty() ? placement::FilterReason::kUnknown : unplaced.front().reason;
}

}  // namespace

void PlacementEngine::Forget(absl::string_view gang_id) {
  judged_.erase(gang_id);
  never_.erase(gang_id);
}

void PlacementEngine::Judge(const resmgr::ReadyGang& g, const placement::Gang& gang,
                            const placement::Cluster& cluster,
                            std::vector<PlacementVerdict>& verdicts) {
  if (!twin_.has_value()) {
    const uint64_t shape = ShapeOf(cluster);
    if (shape != shape_) {
      judged_.clear();  // a new shape: every gang is judged again
      shape_ = shape;
    }
    twin_ = cluster.EmptyTwin();
  }
  if (!judged_.emplace(g.gang.Id()).second) return;  // judged against these hosts already
  absl::StatusOr<std::optional<placement::FilterReason>> never =
      placement::NeverFitReason(gang, *twin_, profile_);
  if (!never.ok()) {
    spdlog::error("gang {}: not judged: {}", std::string(g.gang.Id()),
                  std::string(never.status().message()));
    return;
  }
  // "Not now" is the usual case and says nothing; "never", and "now it could" after a "never",
  // are told.
  const bool tell =
      never->has_value() ? never_.emplace(g.gang.Id()).second : never_.erase(g.gang.Id()) > 0;
  if (!tell) return;
  for (const fairshare::GangTask& t : g.gang.tasks) verdicts.push_back({t.task_id.str(), *never});
}

std::vector<PlacedGang> PlacementEngine::Place(std::vector<resmgr::ReadyGang> ready,
                                               placement::Cluster& cluster,
                                               const SpecLookup& spec_of,
                                               std::vector<resmgr::ReadyGang>* dropped,
                                               std::vector<PlacementVerdict>* verdicts) {
  // The twin is rebuilt at most once a round, and only when the hosts' shape changed.
  if (twin_.has_value() && ShapeOf(cluster) != shape_) twin_.reset();
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
      Forget(g.gang.Id());
      if (dropped != nullptr) dropped->push_back(std::move(g));
      continue;
    }
    const absl::Status status =
        placement::PlaceInto(absl::MakeConstSpan(&gang, 1), cluster, profile_, result_);
    if (!status.ok() || result_.placed.size() != gang.tasks.size()) {
      // A spec the placer rejects is a bug upstream; either way the gang cannot run now.
      if (!status.ok()) {
        spdlog::error("gang {} dropped: {}", std::string(g.gang.Id()),
                      std::string(status.message()));
        Forget(g.gang.Id());
        if (dropped != nullptr) dropped->push_back(std::move(g));
      } else {
        ++failures_[FailureReason(result_.unplaced)];
        if (verdicts != nullptr) Judge(g, gang, cluster, *verdicts);
        still_waiting.push_back(std::move(g));
      }
      continue;
    }
    Forget(g.gang.Id());
    std::vector<placement::Allocation> allocations;
    allocations.reserve(result_.placed.size());
    for (placement::Placed& p : result_.placed) allocations.push_back(std::move(p.allocation));
    placed.push_back({g.pool, std::move(g.gang), std::move(allocations)});
  }
  waiting_ = std::move(still_waiting);
  return placed;
}

}  // namespace peloton::placement_engine
