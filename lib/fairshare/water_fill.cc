// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "lib/fairshare/water_fill.h"

#include <algorithm>

namespace peloton::fairshare::internal {
namespace {

using int128 = __int128;

// Water-fills `amount` among the items listed in `active` using weights `w` (all positive).
// Removes saturated items from `active` as it goes. Returns what is left over. `Wide` is the
// type of the products: int64_t when amount and the total weight are below 2^31 (the common
// case, and much faster), __int128 otherwise.
template <typename Wide>
int64_t FillWeighted(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out,
                     std::vector<int32_t>& active) {
  // 0. Enough for everyone: give every cap (no level to find).
  int64_t cap_sum = 0;
  for (int32_t i : active) {
    cap_sum += cap[i];
    if (cap_sum > amount) break;
  }
  if (cap_sum <= amount) {
    for (int32_t i : active) out[i] += cap[i];
    active.clear();
    return amount - cap_sum;
  }
  // 1. Saturate, round by round, every item whose cap is at or below the current level
  //    amount / W: the final level is never lower, so they saturate for certain. (An item
  //    whose cap exceeds the amount cannot saturate, which keeps cap * W in range.)
  Wide total_weight = 0;
  for (int32_t i : active) total_weight += w[i];
  while (amount > 0 && !active.empty()) {
    size_t kept = 0;
    int64_t given = 0;
    Wide saturated_weight = 0;
    for (int32_t i : active) {
      if (cap[i] <= amount && Wide{cap[i]} * total_weight <= Wide{amount} * w[i]) {
        out[i] += cap[i];
        given += cap[i];
        saturated_weight += w[i];
      } else {
        active[kept++] = i;
      }
    }
    if (kept == active.size()) {
      // 2. Nobody saturates: everyone gets floor(amount * w / W); the rounding remainder
      //    (fewer units than items) goes one unit each to the first items. Each stays
      //    within its cap because cap * W > amount * w. The quotient is estimated in
      //    floating point and corrected exactly: hardware division is far slower.
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
      return 0;
    }
    active.resize(kept);
    amount -= given;
    total_weight -= saturated_weight;
  }
  return amount;
}

int64_t Fill(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out,
             std::vector<int32_t>& active) {
  constexpr int64_t kNarrow = int64_t{1} << 31;
  int64_t total_weight = 0;
  for (int32_t i : active) total_weight += w[i];  // weights are below 2^30 each
  if (amount < kNarrow && total_weight < kNarrow) {
    return FillWeighted<int64_t>(amount, w, cap, out, active);
  }
  return FillWeighted<int128>(amount, w, cap, out, active);
}

}  // namespace

int64_t WaterFill(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out, int n,
                  std::vector<int32_t>& active) {
  if (amount <= 0) return std::max<int64_t>(amount, 0);
  active.clear();
  for (int i = 0; i < n; ++i) {
    if (w[i] > 0 && cap[i] > 0) active.push_back(i);
  }
  amount = Fill(amount, w, cap, out, active);
  if (amount == 0) return 0;
  // Items of weight 0 share what is left equally (a rare path; it allocates).
  active.clear();
  for (int i = 0; i < n; ++i) {
    if (w[i] == 0 && cap[i] > 0) active.push_back(i);
  }
  if (active.empty()) return amount;
  std::vector<int64_t> ones(n, 1);
  return Fill(amount, ones.data(), cap, out, active);
}

}  // namespace peloton::fairshare::internal
