// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Preemption (reference §2.7): which pools must give resources back, and which of their
// tasks to take them from. Only pools over their entitlement are preempted (inter-pool
// preemption); there is no intra-pool priority preemption.
//
//   Preemptor preemptor({.sustained_over_allocation_count = 5});
//   // every preemption period, after PoolTree::ComputeEntitlements:
//   for (PoolHandle pool : preemptor.Observe(tree)) {
//     std::vector<std::string> victims =
//         SelectVictims(NeedToFree(tree.pool(pool)), candidates_of(pool));
//     ...
//   }
//
// Thread-compatible; no I/O.

#ifndef PELOTON_FAIRSHARE_PREEMPTION_H_
#define PELOTON_FAIRSHARE_PREEMPTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "peloton/common/resources.h"
#include "peloton/fairshare/pool_tree.h"

namespace peloton::fairshare {

struct PreemptionOptions {
  // A pool is preempted once it has been over its entitlement this many observations in a
  // row (Peloton: 5 in production, 3 in development).
  int sustained_over_allocation_count = 5;
};

// What a pool must give back: allocation above entitlement, per dimension (clamped at 0).
struct PreemptionNeed {
  Resources non_slack;  // non-slack allocation - non-slack entitlement
  Resources slack;      // slack allocation - slack entitlement
  bool IsZero() const { return non_slack.IsZero() && slack.IsZero(); }
};

PreemptionNeed NeedToFree(const Pool& pool);

class Preemptor {
 public:
  explicit Preemptor(PreemptionOptions options = {});

  // Counts, for every leaf, consecutive observations over entitlement (a pool within its
  // entitlement resets its count). Returns the leaves whose count reached the sustained
  // threshold, in a deterministic order, and resets their counts.
  std::vector<PoolHandle> Observe(const PoolTree& tree);

  // The current count of a pool (0 if never over).
  int OverAllocationCount(PoolHandle pool) const;

 private:
  PreemptionOptions options_;
  absl::flat_hash_map<PoolHandle, int> counts_;
};

// The scheduling state of a candidate task, in the order victims are preferred.
enum class CandidateState : int { kReady = 0, kPlacing = 1, kRunning = 2 };

struct PreemptionCandidate {
  std::string task_id;
  CandidateState state = CandidateState::kRunning;
  uint32_t priority = 0;
  absl::Time start_time = absl::InfinitePast();  // when it started running
  Resources resources;
  bool preemptible = true;
  bool revocable = false;
};

// Chooses the tasks to preempt so that `need` is freed, Peloton's way:
//   1. Rank candidates by state (READY, then PLACING, then RUNNING), then priority
//      ascending, then most recently started first; ties keep the input order.
//   2. Revocable tasks are taken first against need.slack; then preemptible non-revocable
//      tasks against need.non_slack. Non-preemptible tasks are never chosen.
//   3. Walking the ranked list, a task is taken only if it reduces the remaining need in
//      some dimension; the walk stops when the need is zero.
// Returns the chosen task ids in ranked order (slack victims first).
std::vector<std::string> SelectVictims(const PreemptionNeed& need,
                                       absl::Span<const PreemptionCandidate> candidates);

}  // namespace peloton::fairshare

#endif  // PELOTON_FAIRSHARE_PREEMPTION_H_
