// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// HostIndex against brute force: over random keys, updates and demands, a search visits
// exactly the hosts whose every dimension covers the demand, in order, and stops when told.

#include "peloton/placement/internal/host_index.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace peloton::placement::internal {
namespace {

IndexKey RandomKey(std::mt19937_64& rng) {
  IndexKey k;
  for (int d = 0; d < kIndexDims; ++d) k[d] = static_cast<int32_t>(rng() % 16);
  return k;
}

bool Covers(const IndexKey& have, const IndexKey& need) {
  for (int d = 0; d < kIndexDims; ++d) {
    if (have[d] < need[d]) return false;
  }
  return true;
}

TEST(HostIndexTest, VisitsExactlyTheCoveringHostsInOrder) {
  std::mt19937_64 rng(11);
  HostIndex index;
  std::vector<IndexKey> keys;
  for (int round = 0; round < 2000; ++round) {
    if (keys.size() < 300 && rng() % 3 == 0) {
      keys.push_back(RandomKey(rng));
      index.Add(static_cast<uint32_t>(1000 + keys.size() - 1), keys.back());
    } else if (!keys.empty() && rng() % 2 == 0) {
      const uint32_t p = static_cast<uint32_t>(rng() % keys.size());
      keys[p] = RandomKey(rng);
      index.Update(p, keys[p]);
    } else if (!keys.empty()) {
      // A release: the key grows in some dimensions, shrinks in none.
      const uint32_t p = static_cast<uint32_t>(rng() % keys.size());
      for (int d = 0; d < kIndexDims; ++d) keys[p][d] += static_cast<int32_t>(rng() % 3);
      index.Raise(p, keys[p]);
    }
    IndexKey need;
    for (int d = 0; d < kIndexDims; ++d) need[d] = static_cast<int32_t>(rng() % 10);
    std::vector<uint32_t> expected, visited;
    for (size_t p = 0; p < keys.size(); ++p) {
      if (Covers(keys[p], need)) expected.push_back(static_cast<uint32_t>(1000 + p));
    }
    EXPECT_FALSE(index.Search(need, [&](uint32_t h) {
      visited.push_back(h);
      return false;
    }));
    ASSERT_EQ(visited, expected) << "round " << round;
    if (!expected.empty()) {
      uint32_t first = 0;
      EXPECT_TRUE(index.Search(need, [&](uint32_t h) {
        first = h;
        return true;  // stop at the first
      }));
      EXPECT_EQ(first, expected.front());
    }
  }
  EXPECT_EQ(index.size(), 300u);
}

TEST(HostIndexTest, EmptyIndexFindsNothing) {
  HostIndex index;
  EXPECT_FALSE(index.Search(IndexKey{}, [](uint32_t) { return true; }));
}

}  // namespace
}  // namespace peloton::placement::internal
