// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The entitlement calculation (reference §2.6), computed exactly. See docs/fairshare.md for
// the algorithm and how it differs from Peloton's round loop.

#include <algorithm>

#include "lib/fairshare/water_fill.h"
#include "peloton/fairshare/pool_tree.h"

namespace peloton::fairshare {

using internal::kUnboundedCap;
using internal::WaterFill;

void PoolTree::ComputeEntitlements(const ClusterCapacity& capacity, ComputeMode mode) {
  Pool& root = pools_[0];
  Entitlement e;
  e.total = capacity.total;
  e.non_slack = capacity.total;
  e.slack = Resources::Of(capacity.slack.milli_cpu(), 0, 0, 0);
  const bool changed = !(root.entitlement_ == e);
  root.entitlement_ = e;
  full_ = mode == ComputeMode::kFull;
  if (full_ || changed || root.dirty_) ComputeSubtree(0);
}

void PoolTree::ComputeSubtree(int32_t index) {
  Pool& pool = pools_[index];
  if (!pool.is_leaf()) {
    DivideAmongChildren(pool);
    for (int32_t c : pool.children_) {
      if (pools_[c].recurse_) ComputeSubtree(c);
    }
  }
  pool.dirty_ = false;
}

// Divides `parent`'s entitlement among its children and stores each child's entitlement,
// flagging (recurse_) the children whose subtree must be revisited.
//
//   1. Per kind, the non-revocable entitlement: reservation first (all of it for STATIC
//      kinds, else up to the claim; if the parent cannot cover every reservation, the
//      reservations themselves are water-filled); then the rest water-filled by share up
//      to each claim; then what is still unclaimed water-filled by share up to each usable
//      limit.
//   2. Slack cpu (revocable): current slack cpu allocations first, then the rest of the
//      parent's slack cpu water-filled by share up to each child's slack cpu demand, then
//      any leftover split by share among all children.
//   3. Slack memory/disk/gpu are carved out of each child's own entitlement: what it does
//      not need for non-revocable work, up to its slack limit and its revocable use.
void PoolTree::DivideAmongChildren(Pool& parent) {
  const int n = static_cast<int>(parent.children_.size());
  weights_.resize(n);
  caps_.resize(n);
  assign_.resize(n);
  base_.resize(n);
  totals_.resize(n);
  slack_cpu_.resize(n);

  // Splits `amount`: base_[j] first (water-filled when it does not all fit), then up to
  // caps1 (set by `first_caps`), then up to caps2 (`second_caps`). Leaves the result in assign_.
  auto divide = [&](int64_t amount, auto&& first_caps, auto&& second_caps) {
    int64_t base_sum = 0;
    for (int j = 0; j < n; ++j) base_sum += base_[j];
    if (base_sum > amount) {
      std::fill(assign_.begin(), assign_.end(), 0);
      WaterFill(amount, weights_.data(), base_.data(), assign_.data(), n, active_);
      return;
    }
    std::copy(base_.begin(), base_.end(), assign_.begin());
    int64_t rest = amount - base_sum;
    for (int j = 0; j < n; ++j) caps_[j] = std::max<int64_t>(0, first_caps(j) - assign_[j]);
    rest = WaterFill(rest, weights_.data(), caps_.data(), assign_.data(), n, active_);
    if (rest == 0) return;
    for (int j = 0; j < n; ++j) caps_[j] = std::max<int64_t>(0, second_caps(j) - assign_[j]);
    WaterFill(rest, weights_.data(), caps_.data(), assign_.data(), n, active_);
  };

  // 1. Non-revocable entitlement, kind by kind.
  for (int k = 0; k < kNumResourceKinds; ++k) {
    for (int j = 0; j < n; ++j) {
      const Pool& c = pools_[parent.children_[j]];
      weights_[j] = c.weight_[k];
      base_[j] = c.static_[k] ? c.reservation_.at(k)
                              : std::min(c.claim_.at(k), c.reservation_.at(k));
    }
    divide(
        parent.entitlement_.total.at(k),
        [&](int j) { return pools_[parent.children_[j]].claim_.at(k); },
        [&](int j) { return pools_[parent.children_[j]].usable_limit_.at(k); });
    for (int j = 0; j < n; ++j) totals_[j].at(k) = assign_[j];
  }

  // 2. Slack cpu.
  constexpr int kCpu = static_cast<int>(ResourceKind::kCpu);
  for (int j = 0; j < n; ++j) {
    const Pool& c = pools_[parent.children_[j]];
    weights_[j] = c.weight_[kCpu];
    base_[j] = c.allocation_.slack.at(kCpu);
  }
  divide(
      parent.entitlement_.slack.at(kCpu),
      [&](int j) {
        const Pool& c = pools_[parent.children_[j]];
        return c.allocation_.slack.at(kCpu) + c.slack_demand_.at(kCpu);
      },
      [&](int) { return kUnboundedCap; });
  for (int j = 0; j < n; ++j) slack_cpu_[j] = assign_[j];

  // 3. Slack memory/disk/gpu, and the results.
  for (int j = 0; j < n; ++j) {
    Pool& c = pools_[parent.children_[j]];
    Entitlement e;
    e.total = totals_[j];
    e.non_slack = totals_[j];
    e.slack[ResourceKind::kCpu] = slack_cpu_[j];
    const Resources non_revocable_need = c.allocation_.non_slack() + c.demand_;
    const Resources revocable_use = c.allocation_.slack + c.slack_demand_;
    for (ResourceKind k : {ResourceKind::kMemory, ResourceKind::kDisk, ResourceKind::kGpu}) {
      const int64_t spare = std::max<int64_t>(0, e.total[k] - non_revocable_need[k]);
      const int64_t slack = std::min(spare, std::min(c.slack_limit_[k], revocable_use[k]));
      e.slack[k] = slack;
      e.non_slack[k] = e.total[k] - slack;
    }
    c.recurse_ = full_ || c.dirty_ || !(c.entitlement_ == e);
    c.entitlement_ = e;
  }
}

}  // namespace peloton::fairshare
