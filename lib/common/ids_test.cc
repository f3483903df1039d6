// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/ids.h"

#include <set>

#include "absl/random/random.h"
#include "gtest/gtest.h"

namespace peloton {
namespace {

TEST(IdsTest, NewUuidIsAVersion4UuidAndDiffers) {
  absl::BitGen gen;
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewUuid(gen);
    ASSERT_EQ(id.size(), 36u) << id;
    for (size_t k : {8, 13, 18, 23}) EXPECT_EQ(id[k], '-') << id;
    EXPECT_EQ(id[14], '4') << id;                                          // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
  // Reproducible from a seeded generator.
  std::mt19937_64 a(7), b(7);
  EXPECT_EQ(NewUuid(a), NewUuid(b));
}

}  // namespace
}  // namespace peloton
