// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What the other components ask of the resource manager (reference §5.3's
// ResourceManagerService): the public API's pool calls, the job manager's gangs and task
// events, the placement engine's admitted gangs. ResourceManager implements it in-process
// (peloton-master); rpc::RemoteResourceManager implements it over Cap'n Proto
// (internal.capnp) for the components running as separate processes.

#ifndef PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_API_H_
#define PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_API_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "peloton/common/ids.h"
#include "peloton/common/resources.h"
#include "peloton/fairshare/admission.h"
#include "peloton/fairshare/pool_tree.h"
#include "services/api/respool.pb.h"

namespace peloton::resmgr {

namespace respool_pb = ::peloton::api::v0::respool;

struct PoolInfo {
  PoolId id;
  std::string path;
  respool_pb::ResourcePoolConfig config;  // parent set to the parent's id
  std::vector<PoolId> children;
  // At the time of the call: what its gangs ask for, what admitted tasks hold, its share.
  Resources demand;
  fairshare::Allocation allocation;
  Resources entitlement;
  // Revocable work's (reference §2.4): what its gangs ask for, the pool's share of the slack
  // capacity, and reservation * maxPercent for memory, disk and gpu. Its use is allocation.slack.
  Resources slack_demand;
  Resources slack_entitlement;
  Resources slack_limit;
};

// A gang admitted by its pool, waiting for placement.
struct ReadyGang {
  PoolId pool;
  fairshare::Gang gang;
};

class ResourceManagerApi {
 public:
  virtual ~ResourceManagerApi() = default;

  // Creates the pool at `path`. The config's name must be the path's last element (or empty);
  // its parent, if set, must be the id of the path's parent pool.
  virtual absl::StatusOr<PoolId> CreatePool(absl::string_view path,
                                            const respool_pb::ResourcePoolConfig& config) = 0;
  // The pool's new config, checked against its parent and children (as CreatePool's).
  virtual absl::Status UpdatePool(absl::string_view path,
                                  const respool_pb::ResourcePoolConfig& config) = 0;
  // A leaf with nothing queued or running.
  virtual absl::Status DeletePool(absl::string_view path) = 0;
  virtual absl::StatusOr<PoolInfo> GetPoolById(const PoolId& id) const = 0;
  virtual absl::StatusOr<PoolId> LookupPoolId(absl::string_view path) const = 0;
  // Every pool, parents before children, the root ("/", id "root") first.
  virtual std::vector<PoolInfo> ListPools() const = 0;

  // Queues a gang in a leaf pool (its demand counts from now on). A gang queued or admitted
  // already is left as it is (the job manager sends its gangs again after a restart).
  virtual absl::Status EnqueueGang(const PoolId& pool, fairshare::Gang gang) = 0;
  // Takes a queued gang out (its job was stopped); NotFound if it is not queued.
  virtual absl::Status RemoveGang(absl::string_view gang_id) = 0;
  // A task admitted earlier has ended (or will not run): its allocation leaves its pool.
  // Unknown ids are ignored (events repeat).
  virtual void TaskEnded(absl::string_view task_id) = 0;
  // An admitted task was launched at `when`: from now on it may be chosen for preemption.
  virtual void TaskLaunched(absl::string_view task_id, absl::Time when) = 0;
  // After a restart: a task that kept running holds `allocation` in `pool` again.
  virtual absl::Status AdoptTask(const PoolId& pool, absl::string_view task_id,
                                 const fairshare::Allocation& allocation, uint32_t priority) = 0;

  // Admitted gangs for placement, oldest first.
  virtual std::vector<ReadyGang> DequeueReady(size_t limit) = 0;
  // Gangs a placement round could not place (or hand over): back to the front of the ready
  // queue, in order, unless one of their tasks was launched or ended meanwhile.
  virtual absl::Status ReturnGangs(std::vector<ReadyGang> gangs) = 0;
};

}  // namespace peloton::resmgr

#endif  // PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_API_H_
