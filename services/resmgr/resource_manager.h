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
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "peloton/common/ids.h"
#include "peloton/fairshare/admission.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/fairshare/preemption.h"
#include "services/api/respool.pb.h"
#include "services/resmgr/resource_manager_api.h"
#include "services/store/store.h"

namespace peloton::resmgr {

class ResourceManager final : public ResourceManagerApi {
 public:
  // Rebuilds the pools the store holds. DataLoss naming the pool if a stored pool cannot be
  // decoded or no longer passes the rules. `gen` makes pool ids (UUIDs).
  static absl::StatusOr<std::unique_ptr<ResourceManager>> Create(
      store::Store& store, absl::BitGenRef gen, fairshare::PreemptionOptions preemption = {});

  // ResourceManagerApi (documented there).

  absl::StatusOr<PoolId> CreatePool(absl::string_view path,
                                    const respool_pb::ResourcePoolConfig& config) override;
  absl::Status UpdatePool(absl::string_view path,
                          const respool_pb::ResourcePoolConfig& config) override;
  absl::Status DeletePool(absl::string_view path) override;
  absl::StatusOr<PoolInfo> GetPool(absl::string_view path) const;
  absl::StatusOr<PoolInfo> GetPoolById(const PoolId& id) const override;
  absl::StatusOr<PoolId> LookupPoolId(absl::string_view path) const override;
  std::vector<PoolInfo> ListPools() const override;

  absl::Status EnqueueGang(const PoolId& pool, fairshare::Gang gang) override;
  absl::Status RemoveGang(absl::string_view gang_id) override;
  // Recomputes entitlements for `capacity` and runs one admission round; admitted gangs wait
  // in the ready queue, their tasks counted in their pool's allocation.
  void Tick(const Resources& capacity);
  std::vector<ReadyGang> DequeueReady(size_t limit) override;
  void TaskEnded(absl::string_view task_id) override;
  absl::Status AdoptTask(const PoolId& pool, absl::string_view task_id,
                         const fairshare::Allocation& allocation, uint32_t priority) override;
  void TaskLaunched(absl::string_view task_id, absl::Time when) override;

  // Gangs handed out by DequeueReady are "placing" until one of their tasks is launched or
  // ends. A placement engine gives back the gangs it could not place (they go back to the
  // front of the ready queue, in order); a placement engine that starts takes over what its
  // predecessor was placing (ResetPlacing puts them all back; returns how many).
  absl::Status ReturnGangs(std::vector<ReadyGang> gangs) override;  // never fails
  size_t ResetPlacing();

  // Preemption (reference §2.7), after Tick: pools over their entitlement for
  // `sustained_over_allocation_count` calls in a row give back what they hold above it. Returns
  // the tasks chosen (admitted but not launched first, then launched ones; never
  // non-preemptible ones); the caller stops them and reports TaskEnded as usual.
  std::vector<std::string> Preempt();

  const fairshare::PoolTree& tree() const { return tree_; }

 private:
  // Kept small (56 bytes): there is one per admitted task, a million at scale.
  struct Held {
    Resources resources;
    fairshare::PoolHandle pool;
    uint32_t priority = 0;
    bool preemptible = true;
    bool revocable = false;
    bool controller = false;
    bool running = false;          // launched (a preemption candidate)
    int64_t start_unix_nanos = 0;  // when launched
    fairshare::Allocation allocation() const {
      return fairshare::Allocation::Of(resources, preemptible, revocable, controller);
    }
  };

  ResourceManager(store::Store& store, absl::BitGenRef gen,
                  fairshare::PreemptionOptions preemption);
  absl::StatusOr<PoolInfo> InfoOf(fairshare::PoolHandle handle) const;
  // Takes the gang `task_id` belongs to out of the placing ones (nullopt if it is not placing).
  std::optional<ReadyGang> TakePlacing(absl::string_view task_id);
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
  // Task id -> what it holds. Node-based, as there is one per admitted task.
  absl::node_hash_map<std::string, Held> held_;
  std::deque<ReadyGang> ready_;
  absl::btree_map<uint64_t, ReadyGang> placing_;                // by dequeue order
  absl::flat_hash_map<std::string, uint64_t> placing_of_task_;  // task id -> its gang's key
  uint64_t next_placing_ = 0;
};

}  // namespace peloton::resmgr

#endif  // PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_H_
