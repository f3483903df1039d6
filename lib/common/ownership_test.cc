// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/ownership.h"

#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "gtest/gtest.h"
#include "peloton/common/ids.h"

namespace peloton {
namespace {

std::vector<std::string> Keys(int n) {
  absl::BitGen gen;
  std::vector<std::string> keys;
  for (int i = 0; i < n; ++i) keys.push_back(NewUuid(gen));
  return keys;
}

TEST(OwnershipTest, NoMembersNoOwner) {
  EXPECT_FALSE(OwnerOf("job", {}).has_value());
  const std::vector<std::string> one = {"a:1"};
  EXPECT_EQ(OwnerOf("job", one), 0u);
}

TEST(OwnershipTest, ScoresAreStable) {
  // Fixed values (computed apart, in Python): every process, build and machine must agree on
  // them. A change here moves every job of a running cluster at its next upgrade.
  EXPECT_EQ(OwnershipScore("", ""), 0x7bd3144f29c0cc9eULL);
  EXPECT_EQ(OwnershipScore("127.0.0.1:5392", "job"), 0x18294dfa46c4767fULL);
  EXPECT_NE(OwnershipScore("ab", "c"), OwnershipScore("a", "bc"));
}

TEST(OwnershipTest, OrderOfMembersDoesNotMatter) {
  std::vector<std::string> members = {"a:1", "b:2", "c:3", "d:4"};
  for (const std::string& key : Keys(200)) {
    const std::string owner = members[*OwnerOf(key, members)];
    std::vector<std::string> shuffled = members;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(key.size() + key[0]));
    std::reverse(shuffled.begin(), shuffled.end());
    EXPECT_EQ(shuffled[*OwnerOf(key, shuffled)], owner) << key;
  }
}

TEST(OwnershipTest, SpreadsKeysEvenly) {
  const std::vector<std::string> members = {"10.0.0.1:5392", "10.0.0.2:5392", "10.0.0.3:5392"};
  std::map<size_t, int> count;
  const std::vector<std::string> keys = Keys(30'000);
  for (const std::string& key : keys) ++count[*OwnerOf(key, members)];
  ASSERT_EQ(count.size(), 3u);
  for (const auto& [member, n] : count) {
    EXPECT_GT(n, 9'000) << members[member];  // 10,000 expected; 9,000 is over 20 sigma off
    EXPECT_LT(n, 11'000) << members[member];
  }
}

TEST(OwnershipTest, OnlyTheLeaversKeysMove) {
  const std::vector<std::string> before = {"a:1", "b:2", "c:3", "d:4"};
  const std::vector<std::string> after = {"a:1", "b:2", "d:4"};  // c left
  int moved = 0;
  for (const std::string& key : Keys(4'000)) {
    const std::string& was = before[*OwnerOf(key, before)];
    const std::string& now = after[*OwnerOf(key, after)];
    if (was != "c:3") {
      EXPECT_EQ(was, now) << key;
    } else {
      ++moved;
    }
  }
  EXPECT_GT(moved, 800);  // about a quarter
}

TEST(OwnershipTest, AJoinerTakesOnlyWhatItOwns) {
  const std::vector<std::string> before = {"a:1", "b:2"};
  const std::vector<std::string> after = {"a:1", "b:2", "e:5"};
  int taken = 0;
  for (const std::string& key : Keys(3'000)) {
    const std::string& was = before[*OwnerOf(key, before)];
    const std::string& now = after[*OwnerOf(key, after)];
    if (now == "e:5") {
      ++taken;
    } else {
      EXPECT_EQ(was, now) << key;
    }
  }
  EXPECT_GT(taken, 800);  // about a third
  EXPECT_LT(taken, 1'200);
}

}  // namespace
}  // namespace peloton
