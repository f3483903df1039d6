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
//   for (auto& ready : rm->DequeueReady(10)) { /* place; ReturnGangs what was not placed */ }
//   rm->TaskEnded("job-0-1");                 // its allocation goes back to the pool
//
// Pool errors are the library's (the field and the rule) plus NotFound for unknown paths; a
// failed call leaves the tree and the store as they were. Thread-compatible.

#ifndef PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_H_
#define PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_H_

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "peloton/common/compact_string.h"
#include "peloton/common/ids.h"
#include "peloton/fairshare/admission.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/fairshare/preemption.h"
#include "services/api/respool.pb.h"
#include "services/resmgr/resource_manager_api.h"
#include "services/store/store.h"

namespace peloton::resmgr {

// How the resource manager treats gangs that placement does not place (reference §2.8's
// timeouts and placement backoff; docs/services.md says where we differ from Peloton).
struct ResourceManagerOptions {
  fairshare::PreemptionOptions preemption;
  // A gang handed to a placement engine that neither placed it nor gave it back within this
  // long (the engine hung or lost it) counts as not placed (Peloton's placing_timeout).
  absl::Duration placing_timeout = absl::Minutes(10);
  // A gang not placed once is tried again in the next round, first in line. Not placed again,
  // it waits placement_backoff·2^(failures-2), at most max_placement_backoff, then joins the
  // back of the ready queue (gangs that have not been tried yet go first); a change of the
  // cluster's capacity (a host joins or comes back) ends every wait at once.
  absl::Duration placement_backoff = absl::Seconds(2);
  absl::Duration max_placement_backoff = absl::Minutes(1);
  // An admitted gang not placed in this many tries and for at least `readmission_after` since
  // its admission goes back to its pool's queue (Peloton: PENDING at the end of a placement
  // cycle): its allocation no longer holds entitlement other gangs could use.
  uint32_t placement_attempts_per_cycle = 3;
  absl::Duration readmission_after = absl::Minutes(10);
  std::function<absl::Time()> now;  // empty: the real clock
};

// The rules above, checked (the field and the rule named).
absl::Status ValidateResourceManagerOptions(const ResourceManagerOptions& options);

class ResourceManager final : public ResourceManagerApi {
 public:
  // Rebuilds the pools the store holds. DataLoss naming the pool if a stored pool cannot be
  // decoded or no longer passes the rules. `gen` makes pool ids (UUIDs).
  static absl::StatusOr<std::unique_ptr<ResourceManager>> Create(
      store::Store& store, absl::BitGenRef gen, ResourceManagerOptions options = {});

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
  // A queued gang, or an admitted one waiting out its placement backoff (its allocation is
  // released); NotFound otherwise.
  absl::Status RemoveGang(absl::string_view gang_id) override;
  // Recomputes entitlements for `capacity` and runs one admission round; admitted gangs wait
  // in the ready queue, their tasks counted in their pool's allocation. Gangs placing past
  // placing_timeout count as not placed, and gangs whose backoff is over (all of them if
  // `capacity` changed since the last tick) rejoin the ready queue behind those just admitted.
  // `slack`: the cluster's revocable cpu, what revocable gangs are admitted against.
  void Tick(const Resources& capacity, const Resources& slack = Resources());
  std::vector<ReadyGang> DequeueReady(size_t limit) override;
  void TaskEnded(absl::string_view task_id) override;
  absl::Status AdoptTask(const PoolId& pool, absl::string_view task_id,
                         const fairshare::Allocation& allocation, uint32_t priority) override;
  void TaskLaunched(absl::string_view task_id, absl::Time when) override;

  // Gangs handed out by DequeueReady are "placing" until one of their tasks is launched or
  // ends. A placement engine gives back the gangs it could not place (the options say where
  // they go); a placement engine that starts takes over what its predecessor was placing
  // (ResetPlacing puts them all back at the front, not counted as failures; returns how many).
  absl::Status ReturnGangs(std::vector<ReadyGang> gangs) override;  // never fails
  size_t ResetPlacing();

  // Admitted gangs by where they wait (for tests and the operator).
  struct Waiting {
    size_t ready = 0;         // in the ready queue
    size_t placing = 0;       // handed to a placement engine
    size_t backoff = 0;       // waiting out a placement backoff
    uint64_t readmitted = 0;  // sent back to their pools' queues so far
  };
  Waiting waiting() const;
  // Each leaf pool's queued gangs (not admitted yet), by path and fairshare::QueueKind.
  std::vector<std::pair<std::string, std::array<size_t, 4>>> QueueLengths() const;

  // Preemption (reference §2.7), after Tick: pools over their entitlement for
  // `sustained_over_allocation_count` calls in a row give back what they hold above it. Returns
  // the tasks chosen (admitted but not launched first, then launched ones; never
  // non-preemptible ones); the caller stops them and reports TaskEnded as usual. The gangs of
  // chosen tasks that wait out a placement backoff go to the front of the ready queue, so the
  // next placement round hands them to the job manager as no longer wanted.
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

  // An admitted gang and its placement history. Its pool by handle: half a million may wait
  // for placement at once, and ReadyGang's pool id is a string (DequeueReady makes it).
  struct Queued {
    fairshare::Gang gang;
    fairshare::PoolHandle pool;
    uint32_t failures;  // placements failed since admission (no initializer: nested)
    absl::Time admitted;
  };
  struct Placing {
    Queued queued;
    absl::Time since;  // handed out
  };
  using BackoffKey = std::pair<absl::Time, uint64_t>;  // when it ends, then arrival

  ResourceManager(store::Store& store, absl::BitGenRef gen, ResourceManagerOptions options);
  absl::StatusOr<PoolInfo> InfoOf(fairshare::PoolHandle handle) const;
  absl::Time Now() const { return options_.now ? options_.now() : absl::Now(); }
  // Takes the gang `task_id` belongs to out of the placing ones (nullopt if it is not placing).
  std::optional<Placing> TakePlacing(absl::string_view task_id);
  // A gang placement did not place: retried next round (`front`, in the caller's order),
  // sent back to its pool's queue, or into backoff.
  void NotPlaced(Queued queued, absl::Time now, std::vector<Queued>& front);
  // Back to its pool's queue, its allocation released. False (and nothing changed) if some of
  // its tasks ended meanwhile or the queue refuses it; true also when all of them ended.
  bool Readmit(const Queued& queued);
  // Releases the allocations its tasks hold and forgets them.
  void Release(const fairshare::Gang& gang);
  // `gangs` to the front of the ready queue, in their order.
  void PushFront(std::vector<Queued> gangs);
  // Gangs whose backoff ended by `now` (all if `all`) to the back of the ready queue.
  void EndBackoffs(absl::Time now, bool all);
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
  ResourceManagerOptions options_;
  absl::flat_hash_map<std::string, PoolId> id_of_path_;
  absl::flat_hash_map<PoolId, std::string> path_of_id_;
  absl::flat_hash_map<std::string, respool_pb::ResourcePoolConfig> config_of_path_;
  // Task id -> what it holds. Node-based, as there is one per admitted task; keyed by a copy
  // of the gang's task id, which shares the job manager's characters in-process.
  absl::node_hash_map<CompactString, Held, CompactString::Hash, CompactString::Eq> held_;
  std::deque<Queued> ready_;
  absl::btree_map<uint64_t, Placing> placing_;                  // by dequeue order
  // Task id -> its gang's key.
  absl::flat_hash_map<CompactString, uint64_t, CompactString::Hash, CompactString::Eq>
      placing_of_task_;
  uint64_t next_placing_ = 0;
  absl::btree_map<BackoffKey, Queued> backoff_;
  absl::flat_hash_map<std::string, BackoffKey> backoff_of_gang_;  // gang id -> its key
  uint64_t next_backoff_ = 0;
  uint64_t readmitted_ = 0;
  std::optional<Resources> last_capacity_;
  Resources last_slack_;
};

}  // namespace peloton::resmgr

#endif  // PELOTON_SERVICES_RESMGR_RESOURCE_MANAGER_H_
