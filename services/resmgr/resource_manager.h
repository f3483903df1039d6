// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The resource manager component: resource pools (stored, and rebuilt from the store on
// start), their queues, and admission against hierarchical max-min entitlement (reference §2).
// It is a thin shell over the library: PoolTree validates and computes, Admitter queues and
// admits; this class persists, keeps ids, and tracks what each admitted task holds.
//
//   PELOTON_ASSIGN_OR_RETURN(auto rm, ResourceManager::Create(store, gen));
//   PELOTON_ASSIGN_OR_RETURN(PoolId batch, rm->CreatePool("/batch", config));
//   PELOTON_RETURN_IF_ERROR(rm->EnqueueGang(batch, gang));
//   rm->Tick(capacity);                       // entitlement + one admission round
//   for (auto& ready : rm->DequeueReady(10)) { /* place */ }
//   rm->TaskEnded("job-0-1");                 // its allocation goes back to the pool
//
// Pool errors are the library's (the field and the rule) plus NotFound for unknown paths; a
// failed call leaves the tree and the store as they were. Thread-compatible.

#ifndef PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_H_
#define PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "peloton/common/ids.h"
#include "peloton/fairshare/admission.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/fairshare/preemption.h"
#include "services/api/respool.pb.h"
#include "services/store/store.h"

namespace peloton::resmgr {

namespace respool_pb = ::peloton::api::v0::respool;

struct PoolInfo {
  PoolId id;
  std::string path;
  respool_pb::ResourcePoolConfig config;  // parent set to the parent's id
  std::vector<PoolId> children;
  const fairshare::Pool* usage = nullptr;  // demand, allocation, entitlement (valid until the
                                           // next change to the pools)
};

// A gang admitted by its pool, waiting for placement.
struct ReadyGang {
  PoolId pool;
  fairshare::Gang gang;
};

class ResourceManager {
 public:
  // Rebuilds the pools the store holds. DataLoss naming the pool if a stored pool cannot be
  // decoded or no longer passes the rules. `gen` makes pool ids (UUIDs).
  static absl::StatusOr<std::unique_ptr<ResourceManager>> Create(
      store::Store& store, absl::BitGenRef gen, fairshare::PreemptionOptions preemption = {});

  // Creates the pool at `path`. The config's name must be the path's last element (or empty);
  // its parent, if set, must be the id of the path's parent pool.
  absl::StatusOr<PoolId> CreatePool(absl::string_view path,
                                    const respool_pb::ResourcePoolConfig& config);
  absl::Status UpdatePool(absl::string_view path, const respool_pb::ResourcePoolConfig& config);
  // A leaf with nothing queued or running.
  absl::Status DeletePool(absl::string_view path);
  absl::StatusOr<PoolInfo> GetPool(absl::string_view path) const;
  absl::StatusOr<PoolInfo> GetPoolById(const PoolId& id) const;
  absl::StatusOr<PoolId> LookupPoolId(absl::string_view path) const;
  // Every pool, parents before children, the root ("/", id "root") first.
  std::vector<PoolInfo> ListPools() const;

  // Queues a gang in a leaf pool (its demand counts from now on).
  absl::Status EnqueueGang(const PoolId& pool, fairshare::Gang gang);
  // Takes a queued gang out (its job was stopped); NotFound if it is not queued.
  absl::Status RemoveGang(absl::string_view gang_id);
  // Recomputes entitlements for `capacity` and runs one admission round; admitted gangs wait
  // in the ready queue, their tasks counted in their pool's allocation.
  void Tick(const Resources& capacity);
  std::vector<ReadyGang> DequeueReady(size_t limit);
  // A task admitted earlier has ended (or will not run): its allocation leaves its pool.
  // Unknown ids are ignored (events repeat).
  void TaskEnded(absl::string_view task_id);
  // After a restart: a task that kept running holds `allocation` in `pool` again.
  absl::Status AdoptTask(const PoolId& pool, absl::string_view task_id,
                         const fairshare::Allocation& allocation, uint32_t priority = 0);
  // An admitted task was launched at `when`: from now on it may be chosen for preemption.
  void TaskLaunched(absl::string_view task_id, absl::Time when);

  // Preemption (reference §2.7), after Tick: pools over their entitlement for
  // `sustained_over_allocation_count` calls in a row give back what they hold above it. Returns
  // the tasks chosen (admitted but not launched first, then launched ones; never
  // non-preemptible ones); the caller stops them and reports TaskEnded as usual.
  std::vector<std::string> Preempt();

  const fairshare::PoolTree& tree() const { return tree_; }

 private:
  struct Held {
    fairshare::PoolHandle pool;
    fairshare::Allocation allocation;
    uint32_t priority = 0;
    bool running = false;  // launched (a preemption candidate)
    absl::Time start_time = absl::InfinitePast();
  };

  ResourceManager(store::Store& store, absl::BitGenRef gen,
                  fairshare::PreemptionOptions preemption);
  absl::StatusOr<PoolInfo> InfoOf(fairshare::PoolHandle handle) const;
  // The id of a stored pool (not the root); NotFound otherwise.
  absl::StatusOr<PoolId> StoredPoolId(absl::string_view path) const;
  absl::StatusOr<respool_pb::ResourcePoolConfig> Stored(absl::string_view path,
                                                        const respool_pb::ResourcePoolConfig& in,
                                                        const fairshare::PoolConfig& parsed) const;

  store::Store& store_;
  absl::BitGenRef gen_;
  fairshare::PoolTree tree_;
  fairshare::Admitter admitter_;
  fairshare::Preemptor preemptor_;
  absl::flat_hash_map<std::string, PoolId> id_of_path_;
  absl::flat_hash_map<PoolId, std::string> path_of_id_;
  absl::flat_hash_map<std::string, respool_pb::ResourcePoolConfig> config_of_path_;
  absl::flat_hash_map<std::string, Held> held_;  // task id -> what it holds
  std::deque<ReadyGang> ready_;
};

}  // namespace peloton::resmgr

#endif  // PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_H_
