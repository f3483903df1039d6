// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "lib/fairshare/water_fill.h"

#include <algorithm>
#include <vector>

namespace peloton::fairshare::internal {
namespace {

using int128 = __int128;

// Water-fills `amount` among the items listed in `active` (weights all positive, summing to
// `total_weight`; caps summing to more than `amount`), removing saturated items from `active`
// as it goes. `Wide` is the type of the products: int64_t when amount and the total weight
// are below 2^31 (the common case, and much faster), __int128 otherwise.
template <typename Wide>
void FillWeighted(int64_t amount, Wide total_weight, const int64_t* w, const int64_t* cap,
                  int64_t* out, std::vector<int32_t>& active) {
  // 1. Saturate, round by round, every item whose cap is at or below the current level
  //    amount / W: the final level is never lower, so they saturate for certain. (An item
  //    whose cap exceeds the amount cannot saturate; counting its cap as amount + 1 keeps
  //    cap * W in range and the answer right, since W >= w.)
  while (true) {
    size_t kept = 0;
    int64_t given = 0;
    Wide saturated_weight = 0;
    for (int32_t i : active) {
      // Branch-free: keep i unless it saturates; saturated items add their cap and weight.
      const Wide c = cap[i] <= amount ? Wide{cap[i]} : Wide{amount} + 1;
      const bool saturates = c * total_weight <= Wide{amount} * w[i];
      const int64_t take = saturates ? cap[i] : 0;
      out[i] += take;
      given += take;
      saturated_weight += saturates ? w[i] : 0;
      active[kept] = i;
      kept += !saturates;
    }
    if (kept == active.size()) break;
    active.resize(kept);
    amount -= given;
    total_weight -= saturated_weight;
  }
  // 2. Nobody saturates any more: everyone gets floor(amount * w / W); the rounding
  //    remainder (fewer units than items) goes one unit each to the first items. Each stays
  //    within its cap because cap * W > amount * w. The quotient is estimated in floating
  //    point and corrected exactly: hardware division is far slower.
  const double level = static_cast<double>(amount) / static_cast<double>(total_weight);
  int64_t handed = 0;
  for (int32_t i : active) {
    const Wide target = Wide{amount} * w[i];
    int64_t g = static_cast<int64_t>(level * static_cast<double>(w[i]));
    while (g > 0 && Wide{g} * total_weight > target) --g;
    while (Wide{g + 1} * total_weight <= target) ++g;
    out[i] += g;
    handed += g;
  }
  int64_t left = amount - handed;
  for (size_t k = 0; left > 0 && k < active.size(); ++k, --left) out[active[k]] += 1;
}

// Water-fills `amount` among the listed items (`active`: cap > 0, weights positive, summing to
// `total_weight`, caps to `cap_sum`). Returns what is left over.
int64_t FillListed(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out,
                   std::vector<int32_t>& active, int64_t total_weight, int64_t cap_sum) {
  if (active.empty()) return amount;
  if (cap_sum <= amount) {  // enough for everyone: no level to find
    for (int32_t i : active) out[i] += cap[i];
    return amount - cap_sum;
  }
  constexpr int64_t kNarrow = int64_t{1} << 31;
  if (amount < kNarrow && total_weight < kNarrow) {
    FillWeighted<int64_t>(amount, total_weight, w, cap, out, active);
  } else {
    FillWeighted<int128>(amount, total_weight, w, cap, out, active);
  }
  return 0;
}

}  // namespace

int64_t WaterFillListed(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out, int n,
                        std::vector<int32_t>& active, int64_t total_weight, int64_t cap_sum,
                        bool zero_weight_items) {
  if (amount <= 0) return std::max<int64_t>(amount, 0);
  amount = FillListed(amount, w, cap, out, active, total_weight, cap_sum);
  if (amount == 0 || !zero_weight_items) return amount;
  // Items of weight 0 share what is left equally (a rare path; it allocates).
  const std::vector<int64_t> ones(n, 1);
  active.clear();
  int64_t count = 0, zero_caps = 0;
  for (int i = 0; i < n; ++i) {
    if (w[i] == 0 && cap[i] > 0) {
      active.push_back(i);
      ++count;
      zero_caps = SaturatingAdd(zero_caps, cap[i]);
    }
  }
  return FillListed(amount, ones.data(), cap, out, active, count, zero_caps);
}

int64_t WaterFill(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out, int n,
                  std::vector<int32_t>& active) {
  active.clear();
  int64_t total_weight = 0, cap_sum = 0;
  bool zero_weight_items = false;
  for (int i = 0; i < n; ++i) {
    if (cap[i] <= 0) continue;
    if (w[i] > 0) {
      active.push_back(i);
      total_weight += w[i];
      cap_sum = SaturatingAdd(cap_sum, cap[i]);
    } else {
      zero_weight_items = true;
    }
  }
  return WaterFillListed(amount, w, cap, out, n, active, total_weight, cap_sum, zero_weight_items);
}

}  // namespace peloton::fairshare::internal
