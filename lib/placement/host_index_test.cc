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

// The hosts a search visits when told to go on, and the ones it should visit: those whose key
// covers `need` (host = first_host + position), in order.
void ExpectVisitsCovering(const HostIndex& index, const std::vector<IndexKey>& keys,
                          uint32_t first_host, const IndexKey& need, int round) {
  std::vector<uint32_t> expected, visited;
  for (size_t p = 0; p < keys.size(); ++p) {
    if (Covers(keys[p], need)) expected.push_back(first_host + static_cast<uint32_t>(p));
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
    ASSERT_NO_FATAL_FAILURE(ExpectVisitsCovering(index, keys, 1000, need, round));
  }
  EXPECT_EQ(index.size(), 300u);
}

// Enough hosts for four levels of the 8-ary tree (it grows at 8, 64, 512 and 4,096), with
// updates and raises after the growth, and demands met by few hosts.
TEST(HostIndexTest, ManyHostsAcrossLevels) {
  std::mt19937_64 rng(5);
  HostIndex index;
  std::vector<IndexKey> keys;
  // Mostly small keys: the maxima high in the tree come from few hosts, so updates and raises
  // must reach the root.
  auto sparse_key = [&rng] {
    IndexKey k;
    for (int d = 0; d < kIndexDims; ++d) {
      k[d] = static_cast<int32_t>(rng() % 100 == 0 ? rng() % 17 : rng() % 4);
    }
    return k;
  };
  for (uint32_t p = 0; p < 5000; ++p) {
    keys.push_back(sparse_key());
    index.Add(p, keys.back());
  }
  for (int round = 0; round < 200; ++round) {
    const uint32_t p = static_cast<uint32_t>(rng() % keys.size());
    if (round % 2 == 0) {
      keys[p] = sparse_key();
      index.Update(p, keys[p]);
    } else {
      for (int d = 0; d < kIndexDims; ++d) keys[p][d] += static_cast<int32_t>(rng() % 14);
      index.Raise(p, keys[p]);
    }
    IndexKey need;
    for (int d = 0; d < kIndexDims; ++d) need[d] = static_cast<int32_t>(rng() % 10);
    ASSERT_NO_FATAL_FAILURE(ExpectVisitsCovering(index, keys, 0, need, round));
  }
  EXPECT_EQ(index.size(), 5000u);
}

TEST(HostIndexTest, EmptyIndexFindsNothing) {
  HostIndex index;
  EXPECT_FALSE(index.Search(IndexKey{}, [](uint32_t) { return true; }));
}

}  // namespace
}  // namespace peloton::placement::internal
