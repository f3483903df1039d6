// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The entitlement calculation (reference §2.6), computed exactly. See docs/fairshare.md for
// the algorithm and how it differs from Peloton's round loop.

#include <algorithm>

#include "lib/fairshare/water_fill.h"
#include "peloton/fairshare/pool_tree.h"

namespace peloton::fairshare {

using internal::WaterFill;
using internal::WaterFillListed;

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
  constexpr int kCpu = static_cast<int>(ResourceKind::kCpu);
  constexpr int kRows = Pool::kPackedRows;
  assign_.resize(kRows * n);
  caps_.resize(n);
  // The children's inputs, laid out [row][child] in the parent (see Pool::packed_).
  const int64_t* weights = parent.packed_.data();
  const int64_t* bases = weights + kRows * n;
  const int64_t* first_caps = bases + kRows * n;
  const int64_t* second_caps = first_caps + kRows * n;
  // The slack cpu row only when there is slack cpu to divide (rarely: it comes from the
  // cluster's revocable capacity).
  const bool slack = parent.entitlement_.slack.at(kCpu) > 0;

  // 1. and 2.: divide each kind, then the slack cpu.
  for (int row = 0; row < (slack ? kRows : kNumResourceKinds); ++row) {
    const int64_t amount = row < kNumResourceKinds ? parent.entitlement_.total.at(row)
                                                   : parent.entitlement_.slack.at(kCpu);
    if (amount == 0) {  // common for slack cpu: nothing to divide
      std::fill(&assign_[row * n], &assign_[row * n] + n, 0);
      continue;
    }
    Divide(amount, n, weights + row * n, bases + row * n, first_caps + row * n,
           second_caps + row * n, &assign_[row * n]);
  }

  // 3. Slack memory/disk/gpu, and the results, written in place.
  for (int j = 0; j < n; ++j) {
    Pool& c = pools_[parent.children_[j]];
    Entitlement& e = c.entitlement_;
    bool changed = false;
    auto set = [&changed](int64_t& field, int64_t value) {
      changed |= field != value;
      field = value;
    };
    for (int k = 0; k < kNumResourceKinds; ++k) set(e.total.at(k), assign_[k * n + j]);
    set(e.non_slack.at(kCpu), e.total.at(kCpu));
    set(e.slack.at(kCpu), slack ? assign_[kNumResourceKinds * n + j] : 0);
    for (int k = kCpu + 1; k < kNumResourceKinds; ++k) {
      const int64_t spare = std::max<int64_t>(0, e.total.at(k) - c.non_revocable_need_.at(k));
      const int64_t slack = std::min(spare, c.slack_want_.at(k));
      set(e.slack.at(k), slack);
      set(e.non_slack.at(k), e.total.at(k) - slack);
    }
    c.recurse_ = full_ || c.dirty_ || changed;
  }
}

// Splits `amount` among n children: base[j] first (water-filled by weight when the bases do
// not all fit), then water-filled up to first_caps, then up to second_caps. Writes assign.
void PoolTree::Divide(int64_t amount, int n, const int64_t* w, const int64_t* base,
                      const int64_t* first_caps, const int64_t* second_caps, int64_t* assign) {
  // One pass: the bases (phase 1) and, assuming they fit, the phase-2 headrooms and the list
  // of children with room and a positive weight.
  active_.clear();
  int64_t base_sum = 0, total_weight = 0, cap_sum = 0;
  bool zero_weight_items = false;
  for (int j = 0; j < n; ++j) {
    assign[j] = base[j];
    base_sum = internal::SaturatingAdd(base_sum, base[j]);
    const int64_t cap = std::max<int64_t>(0, first_caps[j] - base[j]);
    caps_[j] = cap;
    if (cap == 0) continue;
    if (w[j] > 0) {
      active_.push_back(j);
      total_weight += w[j];
      cap_sum = internal::SaturatingAdd(cap_sum, cap);
    } else {
      zero_weight_items = true;
    }
  }
  if (base_sum > amount) {  // the parent cannot cover the bases: share them by weight
    std::fill(assign, assign + n, 0);
    WaterFill(amount, w, base, assign, n, active_);
    return;
  }
  int64_t rest = WaterFillListed(amount - base_sum, w, caps_.data(), assign, n, active_,
                                 total_weight, cap_sum, zero_weight_items);
  if (rest == 0) return;
  for (int j = 0; j < n; ++j) caps_[j] = std::max<int64_t>(0, second_caps[j] - assign[j]);
  WaterFill(rest, w, caps_.data(), assign, n, active_);
}

}  // namespace peloton::fairshare
