// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// PoolTree: Peloton's hierarchy of resource pools, addressed by path ("/" is the root,
// "/infra/batch" a pool two levels down), with each pool's configuration, the demand and
// allocation of its leaves, and the entitlement computed from them.
//
//   PoolTree tree;
//   PELOTON_ASSIGN_OR_RETURN(PoolHandle batch, tree.Create("/batch", batch_config));
//   PELOTON_RETURN_IF_ERROR(tree.SetDemand(batch, demand, /*slack_demand=*/{}));
//   tree.ComputeEntitlements({.total = cluster_capacity});
//   Resources e = tree.pool(batch).entitlement().non_slack;
//
// Every change is validated with the rules of Peloton's resmgr (see Create and Update); a
// rejected change leaves the tree exactly as it was, and the Status names the pool, the
// resource kind and the rule.
//
// Demand and allocation are set on leaves; a non-leaf pool's demand and allocation are the
// sums over its children, kept up to date incrementally (O(depth) per change).
//
// Entitlement is hierarchical max-min fairness, computed exactly (docs/fairshare.md):
// top-down from the root, each parent's entitlement is divided among its children by
//   1. reservation: min(claim, reservation), or the whole reservation for STATIC kinds;
//   2. share-weighted water-filling of the rest up to each child's claim (its demand plus
//      allocation, capped by its limit and, for non-leaves, by what its subtree can use);
//   3. share-weighted water-filling of what is still unclaimed up to each child's limit.
// ComputeEntitlements only revisits subtrees whose inputs or entitlement changed since the
// last call.
//
// Thread-compatible: const methods may be called from several threads at once; anything
// non-const needs external synchronisation. No I/O, no threads, deterministic.

#ifndef PELOTON_FAIRSHARE_POOL_TREE_H_
#define PELOTON_FAIRSHARE_POOL_TREE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "peloton/common/resources.h"
#include "peloton/fairshare/pool_config.h"

namespace peloton::fairshare {

// Resources split into Peloton's allocation buckets. `non_preemptible`, `controller` and
// `slack` are parts of `total`.
struct Allocation {
  Resources total;
  Resources non_preemptible;  // from non-preemptible gangs
  Resources controller;       // from controller gangs
  Resources slack;            // from revocable gangs

  Resources non_slack() const { return total - slack; }

  // The allocation of `resources` used by a gang with these properties.
  static Allocation Of(const Resources& resources, bool preemptible, bool revocable,
                       bool controller);

  Allocation& operator+=(const Allocation& o);
  friend bool operator==(const Allocation& a, const Allocation& b) {
    return a.total == b.total && a.non_preemptible == b.non_preemptible &&
           a.controller == b.controller && a.slack == b.slack;
  }
  // Every bucket of `o` fits in the same bucket of *this.
  bool Contains(const Allocation& o) const;
  // Subtracts `o` bucket by bucket (clamped at zero; check Contains first).
  Allocation& operator-=(const Allocation& o);
};

// What a pool is entitled to.
struct Entitlement {
  Resources total;      // Peloton's "entitlement": non-revocable share, slack carved out included
  Resources non_slack;  // what non-revocable gangs are admitted against
  Resources slack;      // what revocable gangs are admitted against
  friend bool operator==(const Entitlement& a, const Entitlement& b) {
    return a.total == b.total && a.non_slack == b.non_slack && a.slack == b.slack;
  }
};

// The cluster the root pool divides.
struct ClusterCapacity {
  Resources total;  // capacity of all hosts for non-revocable work
  Resources slack;  // revocable capacity; only cpu is used (Peloton's Mesos slack cpus)
};

// A reference to a pool that stays cheap to copy. It becomes stale when the pool is deleted;
// every method taking a handle checks it (NotFound for a stale handle).
class PoolHandle {
 public:
  PoolHandle() = default;
  uint32_t index() const { return index_; }
  friend bool operator==(PoolHandle a, PoolHandle b) {
    return a.index_ == b.index_ && a.generation_ == b.generation_;
  }
  friend bool operator!=(PoolHandle a, PoolHandle b) { return !(a == b); }
  template <typename H>
  friend H AbslHashValue(H h, PoolHandle p) {
    return H::combine(std::move(h), p.index_, p.generation_);
  }

 private:
  friend class PoolTree;
  PoolHandle(uint32_t index, uint32_t generation) : index_(index), generation_(generation) {}
  uint32_t index_ = UINT32_MAX;
  uint32_t generation_ = 0;
};

// One pool, read-only. Obtained from PoolTree::pool(); valid until the tree changes shape.
class Pool {
 public:
  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }
  PoolHandle handle() const { return handle_; }
  bool is_root() const { return parent_ < 0; }
  bool is_leaf() const { return children_.empty(); }
  // The configuration as normalised by the tree (all four kinds present, policy set).
  const PoolConfig& config() const { return config_; }

  const Resources& reservation() const { return reservation_; }
  const Resources& limit() const { return limit_; }
  double share(ResourceKind k) const { return share_[static_cast<int>(k)]; }
  ReservationType reservation_type(ResourceKind k) const {
    return static_[static_cast<int>(k)] ? ReservationType::kStatic : ReservationType::kElastic;
  }
  // reservation * maxPercent / 100; unset when the pool has no controller limit.
  const std::optional<Resources>& controller_limit() const { return controller_limit_; }
  // reservation * maxPercent / 100 for memory, disk and gpu; always 0 for cpu.
  const Resources& slack_limit() const { return slack_limit_; }

  // Pending non-revocable demand; for non-leaves the sum over the children.
  const Resources& demand() const { return demand_; }
  // Pending revocable demand; for non-leaves the sum over the children.
  const Resources& slack_demand() const { return slack_demand_; }
  // For non-leaves the sum over the children.
  const Allocation& allocation() const { return allocation_; }
  // As of the last ComputeEntitlements.
  const Entitlement& entitlement() const { return entitlement_; }

  // What the pool asks of its parent in the entitlement calculation: non-slack allocation +
  // demand + revocable use up to the slack limit (leaves) or the children's claims (others),
  // at least the STATIC reservation, capped at the limit.
  const Resources& claim() const { return claim_; }
  // The most the pool's subtree can use: its limit, and for non-leaves at most the sum of
  // the children's usable limits.
  const Resources& usable_limit() const { return usable_limit_; }

 private:
  friend class PoolTree;

  // Fields read by the entitlement calculation come first, together. All but weight_ are
  // derived from the fields below by PoolTree::RefreshDerived.
  Resources claim_;
  Resources usable_limit_;
  Resources base_;  // phase-1 share: the reservation if STATIC, else min(claim, reservation)
  std::array<int64_t, kNumResourceKinds> weight_{};  // share in thousandths
  Resources non_revocable_need_;                     // non-slack allocation + demand
  Resources slack_want_;  // memory/disk/gpu: min(slack limit, revocable use); cpu: revocable use
  int64_t slack_cpu_allocation_ = 0;
  Entitlement entitlement_;
  bool dirty_ = true;     // this pool's or a descendant's inputs changed since the last compute
  bool recurse_ = false;  // scratch for ComputeEntitlements
  bool live_ = false;
  std::array<bool, kNumResourceKinds> static_{};
  std::vector<int32_t> children_;
  static constexpr int kPackedRows = kNumResourceKinds + 1;
  int32_t slot_ = 0;  // position in the parent's children_
  // The children's inputs to the division, kept in step by RefreshDerived: four arrays
  // (weights, bases, claims, usable limits) of kPackedRows rows (the kinds, then slack cpu)
  // of one value per child, so ComputeEntitlements reads them without visiting the children.
  std::vector<int64_t> packed_;

  Resources reservation_;
  Resources demand_;
  Resources slack_demand_;
  Allocation allocation_;
  Resources slack_limit_;

  Resources limit_;
  Resources static_floor_;  // reservation of the STATIC kinds
  Resources child_claim_sum_;
  Resources child_usable_limit_sum_;
  std::array<double, kNumResourceKinds> share_{};
  std::optional<Resources> controller_limit_;
  int32_t parent_ = -1;
  PoolHandle handle_;
  std::string path_;
  std::string name_;
  PoolConfig config_;
};

struct UpdateOptions {
  // Peloton's `respool update --force`: skip the checks against the parent, siblings and
  // children (the pool's own config is still validated).
  bool force = false;
};

// Whether ComputeEntitlements may reuse results of subtrees whose inputs did not change.
enum class ComputeMode { kIncremental, kFull };

class PoolTree {
 public:
  // A tree holding only the root pool "/" (id "root").
  PoolTree();
  PoolTree(const PoolTree&) = default;
  PoolTree& operator=(const PoolTree&) = default;

  // Creates the pool at `path` under its existing parent. Checks, in Peloton's order:
  // path well formed and not "/"; name empty or equal to the last path element; every kind
  // one of cpu/memory/disk/gpu and at most once; reservation >= 0, share in [0, 1e6],
  // limit >= reservation; controller and slack maxPercent in [0, 100]; the parent exists and
  // has no demand or allocation of its own; limit <= parent's limit for every kind; no
  // sibling of the same name; siblings' reservations + this <= parent's reservation.
  // InvalidArgument / NotFound / AlreadyExists / FailedPrecondition; the tree is unchanged
  // on error. The root's reservation and limit are the cluster capacity, so its children
  // are not checked against it.
  absl::StatusOr<PoolHandle> Create(absl::string_view path, const PoolConfig& config);

  // Replaces the configuration of an existing pool (not the root). The same checks as
  // Create, plus: the new limit is >= every child's limit and the new reservation >= the
  // sum of the children's reservations. A pool cannot move: its parent is its path's.
  absl::Status Update(absl::string_view path, const PoolConfig& config,
                      const UpdateOptions& options = {});

  // Deletes a leaf pool that has no demand and no allocation (FailedPrecondition otherwise);
  // never the root. Handles to it become stale.
  absl::Status Delete(absl::string_view path);

  absl::StatusOr<PoolHandle> Lookup(absl::string_view path) const;
  PoolHandle root() const { return PoolHandle(0, pools_[0].handle_.generation_); }
  // NotFound for a stale handle.
  absl::StatusOr<const Pool*> Get(PoolHandle handle) const;
  // The pool behind a handle known to be valid (checked: aborts on a stale handle).
  const Pool& pool(PoolHandle handle) const;
  std::optional<PoolHandle> Parent(PoolHandle handle) const;
  std::vector<PoolHandle> Children(PoolHandle handle) const;
  // Every live pool, parents before children.
  std::vector<PoolHandle> Pools() const;
  std::vector<PoolHandle> Leaves() const;
  // Number of live pools, the root included.
  size_t size() const { return by_path_.size(); }

  // Demand and allocation of a leaf. FailedPrecondition on a non-leaf; NotFound when stale.
  // The Add/Remove forms change the current value; removing more than is there is
  // FailedPrecondition and changes nothing.
  absl::Status SetDemand(PoolHandle leaf, const Resources& demand, const Resources& slack_demand);
  absl::Status AddDemand(PoolHandle leaf, const Resources& resources, bool revocable);
  absl::Status RemoveDemand(PoolHandle leaf, const Resources& resources, bool revocable);
  absl::Status SetAllocation(PoolHandle leaf, const Allocation& allocation);
  absl::Status AddAllocation(PoolHandle leaf, const Allocation& allocation);
  absl::Status RemoveAllocation(PoolHandle leaf, const Allocation& allocation);

  // Recomputes every pool's entitlement from the cluster capacity (the root is entitled to
  // all of it). kIncremental skips subtrees whose inputs and entitlement are unchanged since
  // the last call; the result is identical to kFull.
  void ComputeEntitlements(const ClusterCapacity& capacity,
                           ComputeMode mode = ComputeMode::kIncremental);

 private:
  struct Normalized;

  absl::StatusOr<Normalized> Normalize(absl::string_view path, const PoolConfig& config) const;
  absl::Status CheckAgainstParent(int32_t parent, int32_t self, const Normalized& n) const;
  absl::Status CheckAgainstChildren(int32_t self, const Normalized& n) const;
  void ApplyConfig(int32_t index, Normalized n);
  absl::StatusOr<int32_t> LeafIndex(PoolHandle leaf) const;
  absl::StatusOr<int32_t> Index(PoolHandle handle) const;
  // Sets a leaf's inputs and carries the change to the root.
  void SetLeafInputs(int32_t leaf, const Resources& demand, const Resources& slack_demand,
                     const Allocation& allocation);
  // Recomputes claim and usable limit of `index` and of every ancestor, adding the input
  // deltas to the ancestors' sums and marking them dirty.
  void Propagate(int32_t index, const std::array<std::array<int64_t, kNumResourceKinds>, 6>& d);
  void RefreshDerived(Pool& p);
  // Rewrites the parent's packed inputs for one child, or for all children (after the
  // number of children changed).
  void WritePacked(Pool& parent, const Pool& child);
  void RebuildPacked(Pool& parent);
  void DivideAmongChildren(Pool& parent);
  void Divide(int64_t amount, int n, const int64_t* w, const int64_t* base,
              const int64_t* first_caps, const int64_t* second_caps, int64_t* assign);
  void ComputeSubtree(int32_t index);

  std::vector<Pool> pools_;  // index 0 is the root; deleted slots are reused
  std::vector<int32_t> free_slots_;
  absl::flat_hash_map<std::string, int32_t> by_path_;

  // Scratch space for ComputeEntitlements, reused to avoid allocation.
  std::vector<int64_t> assign_, caps_;
  std::vector<int32_t> active_;
  bool full_ = false;
};

}  // namespace peloton::fairshare

#endif  // PELOTON_FAIRSHARE_POOL_TREE_H_
