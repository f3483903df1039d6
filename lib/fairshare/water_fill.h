// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Weighted water-filling in integers: the building block of the entitlement calculation.
//
// Thread-compatible; allocation-free once `active` has room for n entries.

#ifndef PELOTON_LIB_FAIRSHARE_WATER_FILL_H_
#define PELOTON_LIB_FAIRSHARE_WATER_FILL_H_

#include <cstdint>
#include <limits>
#include <vector>

namespace peloton::fairshare::internal {

// A headroom large enough to mean "unbounded" while keeping products in 128 bits.
inline constexpr int64_t kUnboundedCap = int64_t{1} << 60;

// a + b for b >= 0, stopping at the int64 maximum (sums of caps may include unbounded ones).
inline int64_t SaturatingAdd(int64_t a, int64_t b) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  return a > kMax - b ? kMax : a + b;
}

// Distributes up to `amount` among n items, item i having weight w[i] >= 0 and headroom
// cap[i] >= 0, so that the amounts g[i] given are max-min fair in g[i] / w[i]: there is a
// level L with g[i] = min(cap[i], w[i] * L) for every item of positive weight, up to one unit
// of rounding. Items of weight 0 receive something only when every item of positive weight is
// at its cap; they then share what is left equally (up to their caps). g[i] is ADDED to
// out[i]. Returns the amount left over (0 unless every item is at its cap).
//
// Exact integer arithmetic (128-bit products only when 64 bits could overflow); rounding
// units go to the lowest indices. `active` is scratch space. O(n * rounds), where a round
// saturates at least one item (a few rounds in practice).
int64_t WaterFill(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out, int n,
                  std::vector<int32_t>& active);

// WaterFill for a caller that already listed in `active`, in index order, the items with
// weight > 0 and cap > 0, with their total weight and cap sum, and knows whether any item of
// weight 0 has cap > 0 (`zero_weight_items`). Saves WaterFill's own pass over the items.
int64_t WaterFillListed(int64_t amount, const int64_t* w, const int64_t* cap, int64_t* out, int n,
                        std::vector<int32_t>& active, int64_t total_weight, int64_t cap_sum,
                        bool zero_weight_items);

}  // namespace peloton::fairshare::internal

#endif  // PELOTON_LIB_FAIRSHARE_WATER_FILL_H_
