// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/fairshare/admission.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "peloton/common/check.h"
#include "peloton/common/status_macros.h"

namespace peloton::fairshare {

Resources Gang::TotalResources() const {
  Resources total;
  for (const GangTask& t : tasks) total += t.resources;
  return total;
}

absl::string_view QueueKindName(QueueKind kind) {
  switch (kind) {
    case QueueKind::kPending:
      return "pending";
    case QueueKind::kNonPreemptible:
      return "non-preemptible";
    case QueueKind::kController:
      return "controller";
    case QueueKind::kRevocable:
      return "revocable";
  }
  return "unknown";
}

Admitter::Admitter(PoolTree& tree, AdmissionOptions options) : tree_(tree), options_(options) {}

absl::Status Admitter::Enqueue(PoolHandle leaf, Gang gang) {
  if (gang.tasks.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "gang ", gang.id.view(), ": tasks is empty (rule: a gang has at least one task)"));
  }
  if (gang.Id().empty()) {
    return absl::InvalidArgumentError(
        "gang: id and its first task's id are empty (rule: every gang has an id)");
  }
  if (gang.revocable && !gang.preemptible) {
    return absl::InvalidArgumentError(
        absl::StrCat("gang ", gang.Id(),
                     ": revocable but not preemptible (rule: revocable gangs are preemptible)"));
  }
  if (index_.contains(gang.Id())) {
    return absl::AlreadyExistsError(absl::StrCat("gang ", gang.Id(), " is already queued"));
  }
  // AddDemand validates the handle and that the pool is a leaf, and changes nothing on error.
  PELOTON_RETURN_IF_ERROR(tree_.AddDemand(leaf, gang.TotalResources(), gang.revocable));
  LeafQueues& queues = leaves_[leaf.index()];
  queues.pool = leaf;
  // A million may be queued: 80 bytes each, a size jemalloc allocates exactly.
  static_assert(sizeof(void*) != 8 || sizeof(Entry) <= 80, "Admitter::Entry grew");
  auto entry = std::make_unique<Entry>(
      Entry{std::move(gang), leaf.index(), QueueKind::kPending, next_sequence_++});
  queues.queues[static_cast<int>(QueueKind::kPending)].emplace(entry->key(), entry.get());
  index_.insert(std::move(entry));
  return absl::OkStatus();
}

Gang Admitter::Release(Index::iterator it) {
  Gang gang = std::move((*it)->gang);  // erasing at an iterator hashes nothing: it may go first
  index_.erase(it);
  // Drained: give the index's table back, as it does not shrink by itself and a burst of a
  // million gangs would otherwise keep its memory for good.
  if (index_.empty()) index_ = Index();
  return gang;
}

absl::StatusOr<Gang> Admitter::Remove(absl::string_view gang_id) {
  auto it = index_.find(gang_id);
  if (it == index_.end()) {
    return absl::NotFoundError(absl::StrCat("gang ", gang_id, " is not queued"));
  }
  const Entry& entry = **it;
  LeafQueues& leaf = leaves_.at(entry.pool_index);
  Queue& queue = leaf.queues[static_cast<int>(entry.kind)];
  auto gang_it = queue.find(entry.key());
  PELOTON_CHECK(gang_it != queue.end() && gang_it->second == &entry);
  queue.erase(gang_it);
  Gang gang = Release(it);
  // Cannot fail while callers keep admission.h's contract (a served leaf's demand changes only
  // through the Admitter): Enqueue added this demand, and a leaf with demand is not deleted.
  (void)tree_.RemoveDemand(leaf.pool, gang.TotalResources(), gang.revocable);
  return gang;
}

absl::StatusOr<QueueKind> Admitter::QueueOf(absl::string_view gang_id) const {
  auto it = index_.find(gang_id);
  if (it == index_.end()) {
    return absl::NotFoundError(absl::StrCat("gang ", gang_id, " is not queued"));
  }
  return (*it)->kind;
}

std::vector<std::string> Admitter::Queued(PoolHandle leaf, QueueKind kind) const {
  std::vector<std::string> out;
  auto it = leaves_.find(leaf.index());
  if (it == leaves_.end() || it->second.pool != leaf) return out;
  for (const auto& [key, entry] : it->second.queues[static_cast<int>(kind)]) {
    out.emplace_back(entry->gang.Id());
  }
  return out;
}

size_t Admitter::QueueLength(PoolHandle leaf, QueueKind kind) const {
  auto it = leaves_.find(leaf.index());
  if (it == leaves_.end() || it->second.pool != leaf) return 0;
  return it->second.queues[static_cast<int>(kind)].size();
}

Admitter::Verdict Admitter::Check(const Pool& pool, const Gang& gang) const {
  const Resources r = gang.TotalResources();
  const Allocation& a = pool.allocation();
  const Entitlement& e = pool.entitlement();
  // 1. Entitlement.
  if (gang.revocable) {
    if (!(a.slack + r).FitsIn(e.slack)) return Verdict::kFull;
  } else if (!(a.non_slack() + r).FitsIn(e.non_slack)) {
    return Verdict::kFull;
  }
  // 2. Controller limit.
  if (gang.controller && pool.controller_limit().has_value() &&
      !(a.controller + r).FitsIn(*pool.controller_limit())) {
    return Verdict::kFull;
  }
  // 3. Non-preemptible work stays within the reservation.
  if (options_.preemption_enabled && !gang.preemptible && !gang.revocable &&
      !(a.non_preemptible + r).FitsIn(pool.reservation())) {
    return Verdict::kFull;
  }
  return Verdict::kAdmit;
}

void Admitter::AdmitLeaf(LeafQueues& leaf, std::vector<AdmittedGang>& out) {
  auto pool = tree_.Get(leaf.pool);
  if (!pool.ok()) return;  // cannot happen while gangs hold demand in it
  int budget = options_.max_gangs_per_pool;
  for (QueueKind kind : {QueueKind::kNonPreemptible, QueueKind::kController, QueueKind::kRevocable,
                         QueueKind::kPending}) {
    Queue& queue = leaf.queues[static_cast<int>(kind)];
    while (budget > 0 && !queue.empty()) {
      auto head = queue.begin();
      Entry& entry = *head->second;
      const Gang& gang = entry.gang;
      if (Check(**pool, gang) == Verdict::kAdmit) {
        const absl::Status demand =
            tree_.RemoveDemand(leaf.pool, gang.TotalResources(), gang.revocable);
        const absl::Status allocation = tree_.AddAllocation(leaf.pool, gang.AllocationOf());
        PELOTON_CHECK(demand.ok() && allocation.ok());
        queue.erase(head);
        auto it = index_.find(gang.Id());
        PELOTON_CHECK(it != index_.end() && it->get() == &entry);
        out.push_back({leaf.pool, Release(it)});
        --budget;
        continue;
      }
      if (kind != QueueKind::kPending) break;
      // Move a blocked pending gang aside so that it no longer blocks the pending queue.
      QueueKind target = QueueKind::kPending;
      if (!gang.preemptible && options_.preemption_enabled) {
        target = QueueKind::kNonPreemptible;
      } else if (gang.controller) {
        target = QueueKind::kController;
      } else if (gang.revocable) {
        target = QueueKind::kRevocable;
      }
      if (target == QueueKind::kPending) break;  // the pool is full
      entry.kind = target;
      leaf.queues[static_cast<int>(target)].emplace(head->first, &entry);
      queue.erase(head);
    }
  }
}

std::vector<AdmittedGang> Admitter::AdmitReady() {
  std::vector<AdmittedGang> out;
  for (auto it = leaves_.begin(); it != leaves_.end();) {
    AdmitLeaf(it->second, out);
    bool empty = true;
    for (const Queue& q : it->second.queues) empty = empty && q.empty();
    it = empty ? leaves_.erase(it) : std::next(it);
  }
  return out;
}

}  // namespace peloton::fairshare
