// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/compact_string.h"

#include <sstream>
#include <string>
#include <utility>

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
