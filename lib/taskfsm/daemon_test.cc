// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/daemon.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace peloton::taskfsm {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(DaemonTest, OneInstancePerEligibleHost) {
  DaemonPlan plan = PlanDaemonInstances({}, {"c", "a", "b"});
  EXPECT_THAT(plan.add,
              ElementsAre(DaemonInstance{0, "a"}, DaemonInstance{1, "b"}, DaemonInstance{2, "c"}));
  EXPECT_THAT(plan.remove, IsEmpty());
  EXPECT_EQ(plan.instances.size(), 3u);
}

TEST(DaemonTest, HostsLeavingAndJoining) {
  const std::vector<DaemonInstance> current = {{0, "a"}, {1, "b"}, {2, "c"}};
  // b goes into maintenance, d joins: b's instance goes, d takes the free id 1.
  DaemonPlan plan = PlanDaemonInstances(current, {"a", "c", "d"});
  EXPECT_THAT(plan.remove, ElementsAre(1u));
  EXPECT_THAT(plan.add, ElementsAre(DaemonInstance{1, "d"}));
  EXPECT_THAT(plan.instances,
              ElementsAre(DaemonInstance{0, "a"}, DaemonInstance{1, "d"}, DaemonInstance{2, "c"}));
  // Nothing changes when nothing changed.
  DaemonPlan same = PlanDaemonInstances(plan.instances, {"a", "c", "d"});
  EXPECT_THAT(same.add, IsEmpty());
  EXPECT_THAT(same.remove, IsEmpty());
}

TEST(DaemonTest, HolesWhileHostsAreAway) {
  DaemonPlan plan = PlanDaemonInstances({{0, "a"}, {1, "b"}, {2, "c"}}, {"a", "c"});
  EXPECT_THAT(plan.remove, ElementsAre(1u));
  EXPECT_THAT(plan.instances, ElementsAre(DaemonInstance{0, "a"}, DaemonInstance{2, "c"}));
}

TEST(DaemonTest, DuplicatesOnOneHostKeepTheLowestId) {
  DaemonPlan plan = PlanDaemonInstances({{3, "a"}, {1, "a"}, {2, "x"}}, {"a"});
  EXPECT_THAT(plan.remove, ElementsAre(2u, 3u));
  EXPECT_THAT(plan.instances, ElementsAre(DaemonInstance{1, "a"}));
}

}  // namespace
}  // namespace peloton::taskfsm
