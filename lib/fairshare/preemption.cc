// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/fairshare/preemption.h"

#include <algorithm>

namespace peloton::fairshare {

PreemptionNeed NeedToFree(const Pool& pool) {
  const Allocation& a = pool.allocation();
  const Entitlement& e = pool.entitlement();
  return {a.non_slack() - e.non_slack, a.slack - e.slack};
}

Preemptor::Preemptor(PreemptionOptions options) : options_(options) {}

std::vector<PoolHandle> Preemptor::Observe(const PoolTree& tree) {
  std::vector<PoolHandle> ready;
  absl::flat_hash_map<PoolHandle, int> next;
  for (PoolHandle leaf : tree.Leaves()) {
    if (NeedToFree(tree.pool(leaf)).IsZero()) continue;  // count resets (or never starts)
    auto it = counts_.find(leaf);
    int count = (it == counts_.end() ? 0 : it->second) + 1;
    if (count >= options_.sustained_over_allocation_count) {
      ready.push_back(leaf);
      continue;  // processed: the count resets
    }
    next[leaf] = count;
  }
  counts_ = std::move(next);  // also forgets deleted pools
  return ready;
}

int Preemptor::OverAllocationCount(PoolHandle pool) const {
  auto it = counts_.find(pool);
  return it == counts_.end() ? 0 : it->second;
}

namespace {

// Appends to `out` the ranked tasks that reduce `need`, until it is zero.
void Take(Resources need, const std::vector<const PreemptionCandidate*>& ranked,
          std::vector<std::string>& out) {
  for (const PreemptionCandidate* c : ranked) {
    if (need.IsZero()) return;
    if (!c->resources.Overlaps(need)) continue;
    need -= c->resources;
    out.push_back(c->task_id);
  }
}

}  // namespace

std::vector<std::string> SelectVictims(const PreemptionNeed& need,
                                       absl::Span<const PreemptionCandidate> candidates) {
  std::vector<const PreemptionCandidate*> revocable;
  std::vector<const PreemptionCandidate*> preemptible;
  for (const PreemptionCandidate& c : candidates) {
    if (!c.preemptible) continue;
    (c.revocable ? revocable : preemptible).push_back(&c);
  }
  auto rank = [](const PreemptionCandidate* a, const PreemptionCandidate* b) {
    if (a->state != b->state) return a->state < b->state;
    if (a->priority != b->priority) return a->priority < b->priority;
    if (a->state != CandidateState::kReady && a->start_time != b->start_time) {
      return a->start_time > b->start_time;
    }
    return false;
  };
  std::stable_sort(revocable.begin(), revocable.end(), rank);
  std::stable_sort(preemptible.begin(), preemptible.end(), rank);
  std::vector<std::string> out;
  Take(need.slack, revocable, out);
  Take(need.non_slack, preemptible, out);
  return out;
}

}  // namespace peloton::fairshare
