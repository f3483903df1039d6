// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The placement engine component: takes the gangs the resource manager admitted and places
// each all or nothing on the host manager's cluster with a profile (reference §4.2). A gang
// that fits nowhere now waits, and is tried again before newer gangs; one that could not fit
// even an empty cluster is reported as such (PlacementVerdict), and still waits: a host that
// fits may join.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_PLACEMENT_PLACEMENT_ENGINE_H_
#define PELOTON_SERVICES_PLACEMENT_PLACEMENT_ENGINE_H_

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "peloton/placement/placer.h"
#include "peloton/placement/plugin.h"
#include "services/resmgr/resource_manager_api.h"

namespace peloton::placement_engine {

struct PlacedGang {
  PoolId pool;
  fairshare::Gang gang;
  std::vector<placement::Allocation> allocations;  // one per task, in the gang's order
};

// A gang that could not be placed even if every host were UP and empty ("never", as opposed
// to "not now"), told once per change of the cluster's hosts; or, `reason` empty, a gang told
// "never" before that could fit now that the hosts changed. One per task of the gang.
struct PlacementVerdict {
  std::string task_id;
  std::optional<placement::FilterReason> reason;
};

// The placement spec of a task (by id); NotFound when the task no longer wants to run.
using SpecLookup = std::function<absl::StatusOr<placement::TaskSpec>(absl::string_view task_id)>;

class PlacementEngine {
 public:
  explicit PlacementEngine(placement::Profile profile) : profile_(std::move(profile)) {}

  // Places the gangs waiting from earlier rounds, then `ready`. Gangs with a task whose spec
  // is gone are dropped and returned in `dropped` (their resmgr allocation must be released).
  // Gangs that did not fit are judged against the cluster's EmptyTwin (kept while its hosts
  // stay the same); what changed goes to `verdicts` when given.
  std::vector<PlacedGang> Place(std::vector<resmgr::ReadyGang> ready, placement::Cluster& cluster,
                                const SpecLookup& spec_of, std::vector<resmgr::ReadyGang>* dropped,
                                std::vector<PlacementVerdict>* verdicts = nullptr);
  // The waiting gangs, handed back (a placement engine in its own process gives them back to
  // the resource manager after each round rather than holding them).
  std::vector<resmgr::ReadyGang> TakeWaiting() {
    std::vector<resmgr::ReadyGang> out(std::make_move_iterator(waiting_.begin()),
                                       std::make_move_iterator(waiting_.end()));
    waiting_.clear();
    return out;
  }
  // The gangs that fitted nowhere yet, tried again first next time.
  const std::deque<resmgr::ReadyGang>& waiting() const { return waiting_; }
  // How many times a gang fitted nowhere, by the reason the placer gave for the first of its
  // tasks that found no host (not "another task of its gang did not fit" while a task has a
  // reason of its own), since the last call.
  absl::btree_map<placement::FilterReason, uint64_t> TakeFailures() {
    return std::exchange(failures_, {});
  }

 private:
  // A gang placed or dropped: nothing more to tell of it.
  void Forget(absl::string_view gang_id);
  // Judges a gang that did not fit now, once per cluster shape.
  void Judge(const resmgr::ReadyGang& g, const placement::Gang& gang,
             const placement::Cluster& cluster, std::vector<PlacementVerdict>& verdicts);

  placement::Profile profile_;
  std::deque<resmgr::ReadyGang> waiting_;
  placement::PlacementResult result_;  // reused gang after gang (PlaceInto)
  // The hosts' shape (names, capacities, ports) the twin and the judgements are of.
  uint64_t shape_ = 0;
  std::optional<placement::Cluster> twin_;
  absl::flat_hash_set<std::string> judged_;  // gang ids judged against this shape
  absl::flat_hash_set<std::string> never_;   // gang ids told "never" (and not taken back)
  absl::btree_map<placement::FilterReason, uint64_t> failures_;
};

}  // namespace peloton::placement_engine

#endif  // PELOTON_SERVICES_PLACEMENT_PLACEMENT_ENGINE_H_
