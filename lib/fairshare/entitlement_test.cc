// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Entitlement: the reference's worked example and each rule of the calculation.

#include <numeric>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fairshare/testing/pool_configs.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::fairshare {
namespace {

using ::peloton::fairshare::testing::CpuOnly;
using ::peloton::fairshare::testing::Uniform;
using ::peloton::testing::IsOk;

Resources Cpu(double cores) { return Resources::Of(std::llround(cores * 1000), 0, 0, 0); }
ClusterCapacity Cores(double cores) { return {.total = Cpu(cores)}; }

class EntitlementTest : public ::testing::Test {
 protected:
  PoolHandle Create(const std::string& path, const PoolConfig& config) {
    auto h = tree_.Create(path, config);
    EXPECT_THAT(h, IsOk());
    return *h;
  }
  void Demand(PoolHandle h, Resources d, Resources slack = {}) {
    ASSERT_THAT(tree_.SetDemand(h, d, slack), IsOk());
  }
  int64_t CpuOf(PoolHandle h) { return tree_.pool(h).entitlement().total.milli_cpu(); }

  PoolTree tree_;
};

// docs/user-guide.md of Peloton: 100 CPU, three pools with reservation 20, limit 100,
// share 1; demands 10, 80, 80 -> 10, 45, 45. RP1's demand rises to 50 -> about 33.3 each.
TEST_F(EntitlementTest, ReferenceWorkedExample) {
  PoolHandle rp1 = Create("/RP1", CpuOnly(20, 100));
  PoolHandle rp2 = Create("/RP2", CpuOnly(20, 100));
  PoolHandle rp3 = Create("/RP3", CpuOnly(20, 100));
  Demand(rp1, Cpu(10));
  Demand(rp2, Cpu(80));
  Demand(rp3, Cpu(80));
  tree_.ComputeEntitlements(Cores(100));
  EXPECT_EQ(CpuOf(rp1), 10000);
  EXPECT_EQ(CpuOf(rp2), 45000);
  EXPECT_EQ(CpuOf(rp3), 45000);

  Demand(rp1, Cpu(50));
  tree_.ComputeEntitlements(Cores(100));
  EXPECT_NEAR(CpuOf(rp1), 33333, 1);
  EXPECT_NEAR(CpuOf(rp2), 33333, 1);
  EXPECT_NEAR(CpuOf(rp3), 33333, 1);
  EXPECT_EQ(CpuOf(rp1) + CpuOf(rp2) + CpuOf(rp3), 100000);
}

TEST_F(EntitlementTest, ShareWeightsTheExcessAboveReservations) {
  PoolHandle a = Create("/a", CpuOnly(10, 100, 1));
  PoolHandle b = Create("/b", CpuOnly(10, 100, 3));
  Demand(a, Cpu(100));
  Demand(b, Cpu(100));
  tree_.ComputeEntitlements(Cores(100));
  // 20 reserved, 80 split 1:3.
  EXPECT_EQ(CpuOf(a), 30000);
  EXPECT_EQ(CpuOf(b), 70000);
}

TEST_F(EntitlementTest, LimitsCapEntitlementAndTheRestGoesToOthers) {
  PoolHandle a = Create("/a", CpuOnly(0, 20));
  PoolHandle b = Create("/b", CpuOnly(0, 100));
  Demand(a, Cpu(100));
  Demand(b, Cpu(100));
  tree_.ComputeEntitlements(Cores(100));
  EXPECT_EQ(CpuOf(a), 20000);
  EXPECT_EQ(CpuOf(b), 80000);
}

TEST_F(EntitlementTest, UnclaimedCapacityIsSpreadBySharesUpToLimits) {
  PoolHandle a = Create("/a", CpuOnly(0, 30, 1));
  PoolHandle b = Create("/b", CpuOnly(0, 100, 1));
  Demand(a, Cpu(10));
  Demand(b, Cpu(10));
  tree_.ComputeEntitlements(Cores(100));
  // Demands met (10 + 10); the 80 unclaimed go by share, a capped at its limit of 30.
  EXPECT_EQ(CpuOf(a), 30000);
  EXPECT_EQ(CpuOf(b), 70000);
}

TEST_F(EntitlementTest, StaticReservationHoldsWithoutDemand) {
  PoolConfig st = CpuOnly(30, 30);
  st.resources[0].type = ReservationType::kStatic;
  PoolHandle s = Create("/static", st);
  PoolHandle e = Create("/elastic", CpuOnly(30, 100));
  PoolHandle other = Create("/other", CpuOnly(0, 100));
  Demand(other, Cpu(100));
  tree_.ComputeEntitlements(Cores(100));
  EXPECT_EQ(CpuOf(s), 30000);      // kept although unused
  EXPECT_EQ(CpuOf(e), 0);          // lent to others
  EXPECT_EQ(CpuOf(other), 70000);  // everything else
}

TEST_F(EntitlementTest, UnsatisfiableReservationsAreSharedByWeight) {
  PoolHandle a = Create("/a", CpuOnly(60, 100, 1));
  PoolHandle b = Create("/b", CpuOnly(60, 100, 1));
  Demand(a, Cpu(100));
  Demand(b, Cpu(100));
  tree_.ComputeEntitlements(Cores(80));  // the cluster shrank below the reservations
  EXPECT_EQ(CpuOf(a), 40000);
  EXPECT_EQ(CpuOf(b), 40000);
}

TEST_F(EntitlementTest, HierarchyDividesTopDown) {
  Create("/org1", CpuOnly(0, 100));
  Create("/org2", CpuOnly(0, 100));
  PoolHandle t1 = Create("/org1/t1", CpuOnly(0, 100));
  PoolHandle t2 = Create("/org1/t2", CpuOnly(0, 100));
  PoolHandle t3 = Create("/org2/t3", CpuOnly(0, 100));
  Demand(t1, Cpu(100));
  Demand(t2, Cpu(100));
  Demand(t3, Cpu(100));
  tree_.ComputeEntitlements(Cores(100));
  // Fair between orgs first, then between teams: 25 / 25 / 50 (not 33 each).
  EXPECT_EQ(CpuOf(t1), 25000);
  EXPECT_EQ(CpuOf(t2), 25000);
  EXPECT_EQ(CpuOf(t3), 50000);
}

// Where Peloton over-entitles a parent whose children cannot use what it gets, the exact
// calculation gives the difference to the parent's siblings.
TEST_F(EntitlementTest, ClaimsRespectWhatASubtreeCanUse) {
  Create("/org1", CpuOnly(0, 100));
  PoolHandle small = Create("/org1/small", CpuOnly(0, 10));
  PoolHandle other = Create("/org2", CpuOnly(0, 100));
  Demand(small, Cpu(80));  // asks for 80 but its limit is 10
  Demand(other, Cpu(100));
  tree_.ComputeEntitlements(Cores(100));
  EXPECT_EQ(tree_.pool(*tree_.Lookup("/org1")).claim().milli_cpu(), 10000);
  EXPECT_EQ(CpuOf(small), 10000);
  EXPECT_EQ(CpuOf(other), 90000);
}

TEST_F(EntitlementTest, ZeroShareGetsOnlyWhatOthersCannotUse) {
  PoolHandle zero = Create("/zero", CpuOnly(0, 100, 0));
  PoolHandle one = Create("/one", CpuOnly(0, 60, 1));
  Demand(zero, Cpu(100));
  Demand(one, Cpu(100));
  tree_.ComputeEntitlements(Cores(100));
  EXPECT_EQ(CpuOf(one), 60000);
  EXPECT_EQ(CpuOf(zero), 40000);
}

TEST_F(EntitlementTest, KindsAreIndependent) {
  PoolHandle a = Create("/a", Uniform(0, 100));
  PoolHandle b = Create("/b", Uniform(0, 100));
  Demand(a, Resources::Of(100000, 10, 0, 0));
  Demand(b, Resources::Of(10000, 100, 0, 0));
  tree_.ComputeEntitlements({.total = Resources::Of(100000, 100, 0, 0)});
  EXPECT_EQ(tree_.pool(a).entitlement().total, Resources::Of(90000, 10, 0, 0));
  EXPECT_EQ(tree_.pool(b).entitlement().total, Resources::Of(10000, 90, 0, 0));
}

// Revocable memory is carved out of the pool's own entitlement up to the slack limit
// (20% of the reservation by default); revocable cpu comes from the cluster's slack cpu.
TEST_F(EntitlementTest, SlackEntitlement) {
  PoolConfig c;
  c.resources = {{"cpu", 6, 12, 1, ReservationType::kElastic},
                 {"memory", 1000, 2000, 1, ReservationType::kElastic}};
  PoolHandle a = Create("/a", c);
  PoolHandle b = Create("/b", c);
  // a: 500 MB non-revocable demand, 300 MB revocable (slack limit 200).
  Demand(a, Resources::Of(1000, 500, 0, 0), Resources::Of(2000, 300, 0, 0));
  Demand(b, Resources::Of(1000, 500, 0, 0));
  tree_.ComputeEntitlements(
      {.total = Resources::Of(24000, 4000, 0, 0), .slack = Resources::Of(3000, 0, 0, 0)});
  const Entitlement& ea = tree_.pool(a).entitlement();
  EXPECT_EQ(ea.slack.memory_mb(), 200);
  EXPECT_EQ(ea.non_slack.memory_mb(), ea.total.memory_mb() - 200);
  EXPECT_EQ(ea.non_slack.milli_cpu(), ea.total.milli_cpu());
  // Slack cpu: a asks for 2 cores of the 3; the last core is split by share.
  EXPECT_EQ(ea.slack.milli_cpu(), 2500);
  EXPECT_EQ(tree_.pool(b).entitlement().slack.milli_cpu(), 500);
  EXPECT_EQ(tree_.pool(b).entitlement().slack.memory_mb(), 0);
}

// Deleting a pool in the middle of its siblings and adding another leaves the same
// entitlements as a tree built without it.
TEST_F(EntitlementTest, DeletingAndAddingSiblingsKeepsTheDivisionRight) {
  PoolHandle a = Create("/a", CpuOnly(10, 100, 1));
  Create("/b", CpuOnly(10, 100, 2));
  PoolHandle c = Create("/c", CpuOnly(10, 100, 3));
  Demand(a, Cpu(100));
  Demand(c, Cpu(100));
  tree_.ComputeEntitlements(Cores(100));
  ASSERT_THAT(tree_.Delete("/b"), IsOk());
  PoolHandle d = Create("/d", CpuOnly(0, 100, 5));
  Demand(d, Cpu(1));
  tree_.ComputeEntitlements(Cores(100));

  PoolTree fresh;
  PoolHandle fa = *fresh.Create("/a", CpuOnly(10, 100, 1));
  PoolHandle fc = *fresh.Create("/c", CpuOnly(10, 100, 3));
  PoolHandle fd = *fresh.Create("/d", CpuOnly(0, 100, 5));
  ASSERT_THAT(fresh.SetDemand(fa, Cpu(100), {}), IsOk());
  ASSERT_THAT(fresh.SetDemand(fc, Cpu(100), {}), IsOk());
  ASSERT_THAT(fresh.SetDemand(fd, Cpu(1), {}), IsOk());
  fresh.ComputeEntitlements(Cores(100));
  EXPECT_EQ(tree_.pool(a).entitlement(), fresh.pool(fa).entitlement());
  EXPECT_EQ(tree_.pool(c).entitlement(), fresh.pool(fc).entitlement());
  EXPECT_EQ(tree_.pool(d).entitlement(), fresh.pool(fd).entitlement());
  EXPECT_EQ(CpuOf(a) + CpuOf(c) + CpuOf(d), 100000);
  EXPECT_EQ(CpuOf(d), 1000);
}

TEST_F(EntitlementTest, IncrementalMatchesFullAfterChanges) {
  std::vector<PoolHandle> leaves;
  for (int i = 0; i < 4; ++i) {
    Create("/p" + std::to_string(i), Uniform(5, 50));
    for (int j = 0; j < 3; ++j) {
      leaves.push_back(Create("/p" + std::to_string(i) + "/l" + std::to_string(j), Uniform(1, 20)));
    }
  }
  const ClusterCapacity cap{.total = Resources::Of(100000, 100, 100, 100000)};
  for (int step = 0; step < 50; ++step) {
    PoolHandle leaf = leaves[(step * 7) % leaves.size()];
    Demand(leaf, Resources::Of(1000 * (step % 13), step % 17, step % 5, 1000 * (step % 3)));
    tree_.ComputeEntitlements(cap, ComputeMode::kIncremental);
    PoolTree full = tree_;
    full.ComputeEntitlements(cap, ComputeMode::kFull);
    for (PoolHandle h : tree_.Pools()) {
      ASSERT_EQ(tree_.pool(h).entitlement(), full.pool(h).entitlement())
          << tree_.pool(h).path() << " at step " << step;
    }
  }
}

}  // namespace
}  // namespace peloton::fairshare
