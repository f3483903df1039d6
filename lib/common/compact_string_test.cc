// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/compact_string.h"

#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace peloton {
namespace {

static_assert(sizeof(CompactString) == sizeof(void*));

TEST(CompactStringTest, HoldsWhatItWasGiven) {
  CompactString empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_STREQ(empty.c_str(), "");
  EXPECT_NE(empty.view().data(), nullptr);
  EXPECT_EQ(empty, "");

  const std::string long_text(1000, 'x');
  CompactString s = "REASON_COMMAND_EXECUTOR_FAILED";
  EXPECT_EQ(s.size(), 30u);
  EXPECT_EQ(s, "REASON_COMMAND_EXECUTOR_FAILED");
  EXPECT_STREQ(s.c_str(), "REASON_COMMAND_EXECUTOR_FAILED");
  s = long_text;
  EXPECT_EQ(s.view(), long_text);
  EXPECT_EQ(s.str(), long_text);
  s = absl::string_view("a\0b", 3);  // embedded NULs are characters like any other
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.view(), absl::string_view("a\0b", 3));
  s = "";
  EXPECT_TRUE(s.empty());
  s = "x";
  s.clear();
  EXPECT_TRUE(s.empty());
}

TEST(CompactStringTest, CopiesAreIndependentAndMovesEmpty) {
  CompactString a = "host-1";
  CompactString b = a;
  b = "host-2";
  EXPECT_EQ(a, "host-1");
  EXPECT_EQ(b, "host-2");
  a = b;
  EXPECT_EQ(a, b);
  CompactString c = std::move(a);
  EXPECT_EQ(c, "host-2");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty, by contract
  c = c;                   // self-assignment keeps the value
  EXPECT_EQ(c, "host-2");
  c = c.view().substr(5);  // from a part of itself
  EXPECT_EQ(c, "2");
}

TEST(CompactStringTest, CopiesShareTheCharactersUntilOneIsAssigned) {
  auto a = std::make_unique<CompactString>("a-task-id-0123456789");
  CompactString b = *a;
  CompactString c;
  c = b;
  EXPECT_TRUE(a->SharesWith(b));
  EXPECT_TRUE(c.SharesWith(*a));
  EXPECT_EQ(b.use_count(), 3u);
  a.reset();  // the others keep the block
  EXPECT_EQ(b.use_count(), 2u);
  EXPECT_EQ(b, "a-task-id-0123456789");
  c = "other";
  EXPECT_FALSE(c.SharesWith(b));
  EXPECT_EQ(b, "a-task-id-0123456789");
  b = b;  // self-assignment of a shared string keeps it
  EXPECT_EQ(b, "a-task-id-0123456789");
  b = c;  // the last holder of the first block lets go of it (ASan: no leak, no double free)
  EXPECT_TRUE(b.SharesWith(c));
  EXPECT_EQ(c.use_count(), 2u);
  EXPECT_EQ(CompactString().use_count(), 0u);
  EXPECT_FALSE(CompactString().SharesWith(CompactString()));  // empty strings hold no block
}

TEST(CompactStringTest, CopiesMayBeDroppedOnAnyThread) {
  const CompactString id = "shared-across-threads";
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&id] {
      for (int i = 0; i < 10000; ++i) {
        CompactString copy = id;
        ASSERT_EQ(copy.size(), 21u);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(id, "shared-across-threads");
}

TEST(CompactStringTest, MapsKeyedByItLookUpByAnyString) {
  absl::flat_hash_map<CompactString, int, CompactString::Hash, CompactString::Eq> map;
  map[CompactString("job-1-1")] = 1;
  EXPECT_TRUE(map.contains(absl::string_view("job-1-1")));
  EXPECT_TRUE(map.contains(std::string("job-1-1")));
  EXPECT_FALSE(map.contains("job-1-2"));
  EXPECT_EQ(map.find(absl::string_view("job-1-1"))->second, 1);
}

TEST(CompactStringTest, ComparesHashesAndPrintsAsItsCharacters) {
  absl::flat_hash_set<CompactString> set = {"a", "b"};
  EXPECT_TRUE(set.contains(CompactString("a")));
  EXPECT_FALSE(set.contains(CompactString("c")));
  EXPECT_NE(CompactString("a"), CompactString("b"));
  EXPECT_NE(CompactString("a"), std::string("b"));
  EXPECT_EQ(absl::StrCat("[", CompactString("ab").view(), "]"), "[ab]");
  std::ostringstream os;
  os << CompactString("ok");
  EXPECT_EQ(os.str(), "ok");
}

}  // namespace
}  // namespace peloton
