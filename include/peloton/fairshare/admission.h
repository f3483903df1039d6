// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Admission control (reference §2.5): the per-leaf priority-FIFO queues and the checks that
// decide when a gang may leave them.
//
// A gang is a set of tasks admitted (and later placed) all or nothing. Each leaf pool has
// four queues: pending, non-preemptible, controller and revocable; every gang enters
// `pending`. Queue order is highest priority first, FIFO within a priority. AdmitReady
// visits each leaf's queues in the order non-preemptible, controller, revocable, pending and
// admits head gangs while all three checks pass:
//   1. entitlement: non-revocable: (allocation - slack allocation) + gang <= non-slack
//      entitlement; revocable: slack allocation + gang <= slack entitlement;
//   2. controller limit: controller gangs: controller allocation + gang <= controller limit;
//   3. reservation (only with preemption enabled, for non-preemptible non-revocable gangs):
//      non-preemptible allocation + gang <= reservation, so that work which can never be
//      preempted never uses resources lent by other pools.
// A gang that fails at the head of `pending` moves to the non-preemptible, controller or
// revocable queue (the first that applies) so it no longer blocks the others; otherwise the
// queue stops there (strict head of line). A gang failing at the head of another queue stops
// that queue.
//
// The Admitter keeps the tree's demand and allocation in step: Enqueue adds the gang's
// resources to its leaf's demand (slack demand if revocable); admission moves them from
// demand to allocation. Releasing an admitted gang's allocation (task finished, preempted)
// is PoolTree::RemoveAllocation.
//
// Thread-compatible. The PoolTree passed to the constructor must outlive the Admitter, and
// every change to demand of a leaf served by an Admitter should go through it.

#ifndef PELOTON_FAIRSHARE_ADMISSION_H_
#define PELOTON_FAIRSHARE_ADMISSION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "peloton/common/compact_string.h"
#include "peloton/common/resources.h"
#include "peloton/fairshare/pool_tree.h"

namespace peloton::fairshare {

struct GangTask {
  CompactString task_id;  // a copy of the caller's CompactString shares its characters
  Resources resources;
};

struct Gang {
  // What names it among the gangs queued in one Admitter; read it through Id(). Empty: its
  // first task's id (a task alone is its own gang, and a million of them need not hold their
  // id twice).
  CompactString id;
  uint32_t priority = 0;
  bool preemptible = true;
  bool revocable = false;  // runs on slack resources; must be preemptible
  bool controller = false;
  // A task alone (most gangs) is held in the gang itself: a million queued tasks are a million
  // gangs, and a block each for their one task would be a fifth of their memory.
  absl::InlinedVector<GangTask, 1> tasks;

  absl::string_view Id() const {
    return id.empty() && !tasks.empty() ? tasks.front().task_id.view() : id.view();
  }
  Resources TotalResources() const;
  // This gang's contribution to a pool's allocation once admitted.
  Allocation AllocationOf() const {
    return Allocation::Of(TotalResources(), preemptible, revocable, controller);
  }
};

enum class QueueKind : int { kPending = 0, kNonPreemptible = 1, kController = 2, kRevocable = 3 };
absl::string_view QueueKindName(QueueKind kind);

struct AdmissionOptions {
  bool preemption_enabled = true;
  // At most this many gangs leave one leaf's queues per AdmitReady (Peloton: 1000).
  int max_gangs_per_pool = 1000;
};

struct AdmittedGang {
  PoolHandle pool;
  Gang gang;
};

class Admitter {
 public:
  Admitter(PoolTree& tree, AdmissionOptions options = {});
  Admitter(const Admitter&) = delete;
  Admitter& operator=(const Admitter&) = delete;

  // Queues `gang` in `leaf`'s pending queue and adds its resources to the leaf's demand.
  // InvalidArgument: no tasks, an empty Id(), or revocable but not preemptible. AlreadyExists:
  // a gang with this Id() is queued. NotFound / FailedPrecondition: stale handle, not a leaf.
  absl::Status Enqueue(PoolHandle leaf, Gang gang);

  // Takes a queued gang out (e.g. its job was stopped) and removes its demand.
  // NotFound if no such gang is queued.
  absl::StatusOr<Gang> Remove(absl::string_view gang_id);

  // One admission round over every leaf with queued gangs (pools in a deterministic order).
  // Uses the entitlements of the last PoolTree::ComputeEntitlements.
  std::vector<AdmittedGang> AdmitReady();

  // Where a queued gang waits; NotFound if it is not queued.
  absl::StatusOr<QueueKind> QueueOf(absl::string_view gang_id) const;
  // Gangs queued in `leaf`'s queue, in queue order.
  std::vector<std::string> Queued(PoolHandle leaf, QueueKind kind) const;
  // How many (0 for a pool that has none queued, or is not a leaf).
  size_t QueueLength(PoolHandle leaf, QueueKind kind) const;
  size_t size() const { return index_.size(); }
  // Room in the index: a drained Admitter holds none (it gives the memory back).
  size_t index_capacity() const { return index_.capacity(); }

 private:
  struct Key {
    uint32_t priority;
    uint64_t sequence;
    friend bool operator<(const Key& a, const Key& b) {
      return a.priority != b.priority ? a.priority > b.priority : a.sequence < b.sequence;
    }
  };
  // A queued gang and where it waits, allocated on its own: queues and the index point at it,
  // so that the gang (and its id) is stored once, and its memory goes back as soon as it leaves
  // (at a million queued gangs, a second copy of each id, gangs moved inside btree nodes or a
  // table of them sized for the most ever queued cost up to hundreds of bytes a gang).
  // 80 bytes (its key is made from the gang's priority, not kept beside it twice).
  struct Entry {
    Gang gang;
    uint32_t pool_index = 0;
    QueueKind kind = QueueKind::kPending;
    uint64_t sequence = 0;  // its order of arrival
    Key key() const { return {gang.priority, sequence}; }
  };
  using Queue = absl::btree_map<Key, Entry*>;
  struct LeafQueues {
    PoolHandle pool;
    Queue queues[4];
  };
  // Hash and equality of entries by their gang's id, and of ids, so that the index finds an
  // entry by id without storing the id again.
  struct EntryHash {
    using is_transparent = void;
    size_t operator()(const std::unique_ptr<Entry>& e) const { return (*this)(e->gang.Id()); }
    size_t operator()(absl::string_view id) const { return absl::HashOf(id); }
  };
  struct EntryEq {
    using is_transparent = void;
    static absl::string_view IdOf(const std::unique_ptr<Entry>& e) { return e->gang.Id(); }
    static absl::string_view IdOf(absl::string_view id) { return id; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return IdOf(a) == IdOf(b);
    }
  };
  using Index = absl::flat_hash_set<std::unique_ptr<Entry>, EntryHash, EntryEq>;
  enum class Verdict { kAdmit, kFull };

  Verdict Check(const Pool& pool, const Gang& gang) const;
  void AdmitLeaf(LeafQueues& leaf, std::vector<AdmittedGang>& out);
  // Takes the gang out of the index (its entry freed), where the caller has taken it out of
  // its queue.
  Gang Release(Index::iterator it);

  PoolTree& tree_;
  AdmissionOptions options_;
  uint64_t next_sequence_ = 0;
  absl::btree_map<uint32_t, LeafQueues> leaves_;  // by pool index: deterministic order
  Index index_;                                   // every queued gang, by id
};

}  // namespace peloton::fairshare

#endif  // PELOTON_FAIRSHARE_ADMISSION_H_
