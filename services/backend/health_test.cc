// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/health.h"

#include "gtest/gtest.h"

namespace peloton::backend {
namespace {

TEST(HealthTrackerTest, ReportsChangesOnlyAndKillsAfterTheLimitInARow) {
  HealthTracker h(3);
  HealthTracker::Verdict v = h.Record(true);
  EXPECT_TRUE(v.report);
  EXPECT_TRUE(v.healthy);
  EXPECT_FALSE(h.Record(true).report);  // still healthy: nothing to say

  v = h.Record(false);
  EXPECT_TRUE(v.report);
  EXPECT_FALSE(v.healthy);
  EXPECT_FALSE(v.kill);
  v = h.Record(false);
  EXPECT_FALSE(v.report);
  EXPECT_FALSE(v.kill);
  EXPECT_EQ(h.consecutive_failures(), 2u);

  v = h.Record(true);  // a pass in between starts the count again
  EXPECT_TRUE(v.report);
  EXPECT_TRUE(v.healthy);
  EXPECT_EQ(h.consecutive_failures(), 0u);
  h.Record(false);
  h.Record(false);
  v = h.Record(false);
  EXPECT_TRUE(v.kill);
  EXPECT_FALSE(v.report);  // unhealthy since the first of the three
}

TEST(HealthTrackerTest, AFirstFailureIsReportedAndALimitOfZeroMeansOne) {
  HealthTracker h(0);
  const HealthTracker::Verdict v = h.Record(false);
  EXPECT_TRUE(v.report);
  EXPECT_FALSE(v.healthy);
  EXPECT_TRUE(v.kill);
}

}  // namespace
}  // namespace peloton::backend
