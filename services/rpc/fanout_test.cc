// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/fanout.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace peloton::rpc {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(FanoutTest, OneConsumerTakesWhatWasAddedBeforeItCame) {
  Fanout<int> f;
  f.Add({1, 2}, kT0);
  f.Add({3}, kT0);
  Fanout<int>::Taken t = f.Take("a", kT0);
  EXPECT_THAT(t.items, ElementsAre(1, 2, 3));
  EXPECT_FALSE(t.lost);
  EXPECT_THAT(f.Take("a", kT0).items, IsEmpty());
  f.Add({4}, kT0);
  EXPECT_THAT(f.Take("a", kT0).items, ElementsAre(4));
}

TEST(FanoutTest, EveryConsumerTakesEveryItemOnce) {
  Fanout<std::string> f;
  EXPECT_THAT(f.Take("a", kT0).items, IsEmpty());
  EXPECT_THAT(f.Take("b", kT0).items, IsEmpty());
  f.Add({"x", "y"}, kT0);
  EXPECT_THAT(f.Take("a", kT0).items, ElementsAre("x", "y"));
  f.Add({"z"}, kT0);
  EXPECT_THAT(f.Take("b", kT0).items, ElementsAre("x", "y", "z"));
  EXPECT_THAT(f.Take("a", kT0).items, ElementsAre("z"));
  EXPECT_THAT(f.Take("a", kT0).items, IsEmpty());
  // A newcomer starts from now; the others' backlog is theirs.
  f.Add({"w"}, kT0);
  EXPECT_THAT(f.Take("c", kT0).items, IsEmpty());
  EXPECT_THAT(f.Take("b", kT0).items, ElementsAre("w"));
}

TEST(FanoutTest, AConsumerThatJoinedTakesWhatWasAddedAfter) {
  Fanout<int> f;
  f.Take("a", kT0);
  f.Add({1}, kT0);  // before b joined: a's alone
  f.Join("b", kT0);
  f.Add({2}, kT0);
  EXPECT_THAT(f.Take("b", kT0).items, ElementsAre(2));
  EXPECT_THAT(f.Take("a", kT0).items, ElementsAre(1, 2));
  // Joining again loses nothing.
  f.Add({3}, kT0);
  f.Join("b", kT0);
  EXPECT_THAT(f.Take("b", kT0).items, ElementsAre(3));
  // The first to join takes what waited for a consumer.
  Fanout<int> g;
  g.Add({7}, kT0);
  g.Join("c", kT0);
  EXPECT_THAT(g.Take("c", kT0).items, ElementsAre(7));
}

TEST(FanoutTest, AConsumerThatStopsTakingIsForgotten) {
  Fanout<int> f({.max_queue = 100, .idle = absl::Seconds(10)});
  f.Take("a", kT0);
  f.Take("b", kT0);
  f.Add({1}, kT0 + absl::Seconds(5));
  EXPECT_THAT(f.Take("a", kT0 + absl::Seconds(5)).items, ElementsAre(1));
  f.Add({2}, kT0 + absl::Seconds(12));  // b has not taken for 12 s: gone
  EXPECT_EQ(f.consumers(), 1u);
  EXPECT_THAT(f.Take("a", kT0 + absl::Seconds(12)).items, ElementsAre(2));
  // Back, b starts afresh.
  EXPECT_THAT(f.Take("b", kT0 + absl::Seconds(13)).items, IsEmpty());
}

TEST(FanoutTest, AFullQueueIsDroppedAndItsConsumerTold) {
  Fanout<int> f({.max_queue = 3, .idle = absl::Minutes(1)});
  f.Take("a", kT0);
  f.Take("b", kT0);
  f.Add({1, 2}, kT0);
  EXPECT_THAT(f.Take("b", kT0).items, ElementsAre(1, 2));
  f.Add({3, 4}, kT0);  // a's queue would hold 4
  Fanout<int>::Taken a = f.Take("a", kT0);
  EXPECT_TRUE(a.lost);
  EXPECT_THAT(a.items, ElementsAre(3, 4));
  Fanout<int>::Taken b = f.Take("b", kT0);
  EXPECT_FALSE(b.lost);
  EXPECT_THAT(b.items, ElementsAre(3, 4));
  EXPECT_FALSE(f.Take("a", kT0).lost);  // told once
}

}  // namespace
}  // namespace peloton::rpc
