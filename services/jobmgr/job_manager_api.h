// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// JobManagerApi: what the scheduling driver's placement round asks of the job manager, beside
// the resource manager's and the host manager's interfaces. The job manager implements it in
// process (peloton-master); rpc::RemoteJobManager over Cap'n Proto (peloton-placement calling
// peloton-jobmgr).
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_JOBMGR_JOB_MANAGER_API_H_
#define PELOTON_SERVICES_JOBMGR_JOB_MANAGER_API_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "peloton/placement/cluster.h"
#include "services/placement/placement_engine.h"
#include "services/resmgr/resource_manager_api.h"

namespace peloton::jobmgr {

class JobManagerApi {
 public:
  virtual ~JobManagerApi() = default;

  // Placement's view of the tasks of `task_ids` that still wait for a host: the lookup answers
  // NotFound for the others (stopped, or preempted before their launch).
  virtual absl::StatusOr<placement_engine::SpecLookup> WaitingSpecs(
      const std::vector<std::string>& task_ids) = 0;
  // What a placement round found: gangs placed on `cluster` (launched), gangs dropped (their
  // tasks no longer wait), and the verdicts of gangs that wait. It takes what it launches out
  // of `placed`; when it fails, what is left there was not handed over.
  virtual absl::Status SetPlacements(
      std::vector<placement_engine::PlacedGang>& placed,
      const std::vector<resmgr::ReadyGang>& dropped,
      const std::vector<placement_engine::PlacementVerdict>& verdicts,
      const placement::Cluster& cluster) = 0;
};

}  // namespace peloton::jobmgr

#endif  // PELOTON_SERVICES_JOBMGR_JOB_MANAGER_API_H_
