// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The four components in one process (peloton-master), calling each other directly: each
// Tick is one scheduling round of reference §1.4 —
//   1. the host manager's status changes go to the job manager (and free resources),
//   2. the resource manager recomputes entitlements and admits gangs,
//   3. the placement engine places the admitted gangs on the host manager's hosts,
//   4. the job manager launches them,
//   5. everything that changed is written to the store (batched per job).
// The caller runs Tick on a timer (100 ms by default, Peloton's task_scheduling_period).
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_RUNTIME_MASTER_H_
#define PELOTON_SERVICES_RUNTIME_MASTER_H_

#include <memory>
#include <string>

#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "services/backend/backend.h"
#include "services/hostmgr/host_manager.h"
#include "services/jobmgr/job_manager.h"
#include "services/placement/placement_engine.h"
#include "services/resmgr/resource_manager.h"
#include "services/runtime/placement_round.h"
#include "services/store/store.h"

namespace peloton::runtime {

struct MasterOptions {
  std::string placement_profile = "pack";
  // Preemption runs every `preemption_period_ticks` ticks; a pool is preempted after being over
  // its entitlement that many runs in a row (Peloton's development setting: 3).
  int preemption_period_ticks = 10;
  // Preemption's sustained count (Peloton's development setting, 3) and the placement
  // timeouts and backoff; an empty clock there means the job manager's.
  resmgr::ResourceManagerOptions resources = {.preemption = {.sustained_over_allocation_count = 3}};
  // Gangs placed per tick at most: with 100 ms ticks, 5,000 lets 35,000 tasks a second start
  // on 10,000 hosts (bench/e2e) while a tick stays near 100 ms.
  size_t dequeue_limit = 5000;
  jobmgr::JobManagerOptions jobs;
};

class Master {
 public:
  // Rebuilds the pools; call Recover before the first Tick to take over the active jobs.
  // NotFound naming the known profiles for an unknown placement profile.
  static absl::StatusOr<std::unique_ptr<Master>> Create(store::Store& store,
                                                        backend::Backend& backend,
                                                        MasterOptions options = {});

  absl::Status Recover() { return jobs_->Recover(); }
  absl::Status Tick();

  resmgr::ResourceManager& pools() { return *pools_; }
  jobmgr::JobManager& jobs() { return *jobs_; }
  hostmgr::HostManager& hosts() { return *hosts_; }
  // Every placement round's results, added up.
  const PlacementTotals& placements() const { return placements_; }

 private:
  Master(MasterOptions options, placement::Profile profile)
      : options_(std::move(options)), placement_(std::move(profile)) {}

  MasterOptions options_;
  absl::BitGen gen_;
  std::unique_ptr<resmgr::ResourceManager> pools_;
  std::unique_ptr<hostmgr::HostManager> hosts_;
  placement_engine::PlacementEngine placement_;
  std::unique_ptr<jobmgr::JobManager> jobs_;
  int64_t ticks_ = 0;
  PlacementTotals placements_;
};

}  // namespace peloton::runtime

#endif  // PELOTON_SERVICES_RUNTIME_MASTER_H_
