// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/common/resources.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton {
namespace {

using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ResourcesTest, AddsPerDimension) {
  Resources a = Resources::Of(1500, 1024, 10, 1000);
  Resources b = Resources::Of(500, 1, 0, 250);
  EXPECT_EQ(a + b, Resources::Of(2000, 1025, 10, 1250));
}

TEST(ResourcesTest, SubtractClampsEachDimensionAtZero) {
  Resources a = Resources::Of(1000, 100, 5, 0);
  Resources b = Resources::Of(1500, 40, 5, 1000);
  EXPECT_EQ(a - b, Resources::Of(0, 60, 0, 0));
}

TEST(ResourcesTest, FitsInIsPerDimension) {
  Resources a = Resources::Of(1000, 100, 0, 0);
  Resources b = Resources::Of(2000, 50, 0, 0);
  EXPECT_FALSE(a.FitsIn(b));
  EXPECT_FALSE(b.FitsIn(a));
  EXPECT_TRUE(a.FitsIn(Resources::Max(a, b)));
  EXPECT_TRUE(Resources::Min(a, b).FitsIn(a));
  EXPECT_TRUE(Resources().FitsIn(a));
}

TEST(ResourcesTest, OverlapsWhenSomeDimensionIsNonZeroInBoth) {
  EXPECT_TRUE(Resources::Of(1, 0, 0, 0).Overlaps(Resources::Of(5, 0, 0, 1)));
  EXPECT_FALSE(Resources::Of(1, 0, 0, 0).Overlaps(Resources::Of(0, 5, 5, 1)));
}

TEST(ResourcesTest, FromUnitsRoundsToFixedPoint) {
  EXPECT_THAT(Resources::FromUnits(1.5, 1024, 0.4, 0.25),
              IsOkAndHolds(Resources::Of(1500, 1024, 0, 250)));
  EXPECT_THAT(Resources::FromUnits(0.0004, 0, 0, 0), IsOkAndHolds(Resources()));
}

TEST(ResourcesTest, FromUnitsRejectsBadValuesNamingTheKind) {
  EXPECT_THAT(Resources::FromUnits(-1, 0, 0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cpu")));
  EXPECT_THAT(Resources::FromUnits(0, std::nan(""), 0, 0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("memory")));
  EXPECT_THAT(Resources::FromUnits(0, 0, std::numeric_limits<double>::infinity(), 0),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("disk")));
  EXPECT_THAT(Resources::FromUnits(0, 0, 0, 2e12),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("gpu")));
}

TEST(ResourcesTest, PercentRoundsDown) {
  EXPECT_EQ(Resources::Of(1000, 999, 10, 3).Percent(20), Resources::Of(200, 199, 2, 0));
}

TEST(ResourcesTest, KindNamesRoundTrip) {
  for (ResourceKind k : kAllResourceKinds) {
    EXPECT_THAT(ParseResourceKind(ResourceKindName(k)), IsOkAndHolds(k));
  }
  EXPECT_THAT(ParseResourceKind("cpus"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cpus")));
  EXPECT_THAT(ParseResourceKind("CPU"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ResourcesTest, ToStringUsesConfiguredUnits) {
  EXPECT_EQ(Resources::Of(1500, 1024, 0, 250).ToString(), "cpu=1.5 memory=1024 disk=0 gpu=0.25");
}

}  // namespace
}  // namespace peloton
