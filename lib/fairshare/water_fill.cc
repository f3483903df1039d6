// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "lib/fairshare/water_fill.h"

#include <algorithm>

namespace peloton::fairshare::internal {
namespace {

using int128 = __int128;

// Water-fills `amount` among the items listed in `active` using weights `w` (all positive).
// Removes saturated items from `active` as it goes. Returns what is left over.
int64_t FillWeighted(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out,
                     std::vector<int32_t>& active) {
  // 1. Saturate, round by round, every item whose cap is at or below the current level
  //    amount / W: the final level is never lower, so they saturate for certain.
  while (amount > 0 && !active.empty()) {
    int128 total_weight = 0;
    for (int32_t i : active) total_weight += w[i];
    size_t kept = 0;
    int64_t given = 0;
    for (int32_t i : active) {
      if (int128{cap[i]} * total_weight <= int128{amount} * w[i]) {
        out[i] += cap[i];
        given += cap[i];
      } else {
        active[kept++] = i;
      }
    }
    if (kept == active.size()) {
      // 2. Nobody saturates: everyone gets floor(amount * w / W); the rounding remainder
      //    (fewer units than items) goes one unit each to the first items. Each stays
      //    within its cap because cap * W > amount * w.
      int64_t handed = 0;
      for (int32_t i : active) {
        int64_t g = static_cast<int64_t>(int128{amount} * w[i] / total_weight);
        out[i] += g;
        handed += g;
      }
      int64_t left = amount - handed;
      for (size_t k = 0; left > 0 && k < active.size(); ++k, --left) out[active[k]] += 1;
      return 0;
    }
    active.resize(kept);
    amount -= given;
  }
  return amount;
}

}  // namespace

int64_t WaterFill(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out, int n,
                  std::vector<int32_t>& active) {
  if (amount <= 0) return std::max<int64_t>(amount, 0);
  active.clear();
  for (int i = 0; i < n; ++i) {
    if (w[i] > 0 && cap[i] > 0) active.push_back(i);
  }
  amount = FillWeighted(amount, w, cap, out, active);
  if (amount == 0) return 0;
  // Items of weight 0 share what is left equally (a rare path; it allocates).
  active.clear();
  for (int i = 0; i < n; ++i) {
    if (w[i] == 0 && cap[i] > 0) active.push_back(i);
  }
  if (active.empty()) return amount;
  std::vector<int64_t> ones(n, 1);
  return FillWeighted(amount, ones.data(), cap, out, active);
}

}  // namespace peloton::fairshare::internal
