// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "lib/fairshare/water_fill.h"

#include <numeric>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace peloton::fairshare::internal {
namespace {

using ::testing::ElementsAre;

struct Result {
  std::vector<int64_t> given;
  int64_t left;
};

Result Fill(int64_t amount, std::vector<int64_t> w, std::vector<int64_t> cap) {
  std::vector<int64_t> out(w.size(), 0);
  std::vector<int32_t> active;
  int64_t left =
      WaterFill(amount, w.data(), cap.data(), out.data(), static_cast<int>(w.size()), active);
  return {out, left};
}

TEST(WaterFillTest, EqualWeightsSplitEvenly) {
  Result r = Fill(90, {1, 1, 1}, {100, 100, 100});
  EXPECT_THAT(r.given, ElementsAre(30, 30, 30));
  EXPECT_EQ(r.left, 0);
}

TEST(WaterFillTest, SaturatedItemsReleaseTheirShareToOthers) {
  Result r = Fill(90, {1, 1, 1}, {10, 100, 100});
  EXPECT_THAT(r.given, ElementsAre(10, 40, 40));
}

TEST(WaterFillTest, WeightsScaleTheLevel) {
  Result r = Fill(100, {1, 3}, {1000, 1000});
  EXPECT_THAT(r.given, ElementsAre(25, 75));
}

TEST(WaterFillTest, RoundingUnitsGoToLowestIndices) {
  Result r = Fill(10, {1, 1, 1}, {100, 100, 100});
  EXPECT_THAT(r.given, ElementsAre(4, 3, 3));
}

TEST(WaterFillTest, ReturnsWhatNobodyCanTake) {
  Result r = Fill(100, {1, 1}, {20, 30});
  EXPECT_THAT(r.given, ElementsAre(20, 30));
  EXPECT_EQ(r.left, 50);
}

TEST(WaterFillTest, ZeroWeightItemsOnlyGetLeftovers) {
  Result r = Fill(100, {0, 1, 0}, {100, 40, 100});
  EXPECT_THAT(r.given, ElementsAre(30, 40, 30));
  r = Fill(30, {0, 1}, {100, 40});
  EXPECT_THAT(r.given, ElementsAre(0, 30));
}

TEST(WaterFillTest, AddsToExistingValues) {
  std::vector<int64_t> w = {1, 1}, cap = {5, 5}, out = {7, 9};
  std::vector<int32_t> active;
  EXPECT_EQ(WaterFill(4, w.data(), cap.data(), out.data(), 2, active), 0);
  EXPECT_THAT(out, ElementsAre(9, 11));
}

TEST(WaterFillTest, NothingToGive) {
  EXPECT_THAT(Fill(0, {1}, {5}).given, ElementsAre(0));
  EXPECT_EQ(Fill(-3, {1}, {5}).left, 0);
}

TEST(WaterFillTest, HugeQuantitiesDoNotOverflow) {
  Result r = Fill(int64_t{1} << 59, {1000000000, 1}, {kUnboundedCap, kUnboundedCap});
  EXPECT_EQ(r.given[0] + r.given[1], int64_t{1} << 59);
  EXPECT_GT(r.given[0], r.given[1]);
}

// Against a slow reference: raise the level one unit of "amount" at a time.
TEST(WaterFillTest, MatchesProgressiveFillingOnRandomInputs) {
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 300; ++trial) {
    const int n = 1 + rng() % 6;
    std::vector<int64_t> w(n), cap(n);
    for (int i = 0; i < n; ++i) {
      w[i] = 1 + rng() % 4;
      cap[i] = rng() % 60;
    }
    const int64_t amount = rng() % 150;
    Result r = Fill(amount, w, cap);
    // Reference: hand out units one by one to the item with the lowest given/w among those
    // below their cap (ties: lowest index).
    std::vector<int64_t> ref(n, 0);
    int64_t left = amount;
    while (left > 0) {
      int best = -1;
      for (int i = 0; i < n; ++i) {
        if (ref[i] >= cap[i]) continue;
        if (best < 0 || ref[i] * w[best] < ref[best] * w[i]) best = i;
      }
      if (best < 0) break;
      ++ref[best];
      --left;
    }
    EXPECT_EQ(r.left, left);
    for (int i = 0; i < n; ++i) {
      // Both are max-min fair; they may differ only by rounding, one unit per item.
      EXPECT_NEAR(r.given[i], ref[i], w[i] + 1) << "trial " << trial << " item " << i;
      EXPECT_LE(r.given[i], cap[i]);
    }
    EXPECT_EQ(std::accumulate(r.given.begin(), r.given.end(), int64_t{0}) + r.left, amount);
  }
}

}  // namespace
}  // namespace peloton::fairshare::internal
