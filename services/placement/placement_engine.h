// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The placement engine component: takes the gangs the resource manager admitted and places
// each all or nothing on the host manager's cluster with a profile (reference §4.2). A gang
// that fits nowhere now waits, and is tried again before newer gangs.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_PLACEMENT_PLACEMENT_ENGINE_H_
#define PELOTON_SERVICES_PLACEMENT_PLACEMENT_ENGINE_H_

#include <deque>
#include <functional>
#include <string>
#include <vector>

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

// The placement spec of a task (by id); NotFound when the task no longer wants to run.
using SpecLookup = std::function<absl::StatusOr<placement::TaskSpec>(const std::string& task_id)>;

class PlacementEngine {
 public:
  explicit PlacementEngine(placement::Profile profile) : profile_(std::move(profile)) {}

  // Places the gangs waiting from earlier rounds, then `ready`. Gangs with a task whose spec
  // is gone are dropped and returned in `dropped` (their resmgr allocation must be released).
  std::vector<PlacedGang> Place(std::vector<resmgr::ReadyGang> ready, placement::Cluster& cluster,
                                const SpecLookup& spec_of, std::vector<resmgr::ReadyGang>* dropped);
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

 private:
  placement::Profile profile_;
  std::deque<resmgr::ReadyGang> waiting_;
};

}  // namespace peloton::placement_engine

#endif  // PELOTON_SERVICES_PLACEMENT_PLACEMENT_ENGINE_H_
