// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Preemption: the sustained over-allocation counter, victim ranking and filtering, and
// reference §7 scenarios 1 (cross-pool preemption takes exactly the excess), 3 (task-level
// non-preemptible override) and 6 (revocable tasks preempted for non-revocable demand) at
// library level.

#include "peloton/fairshare/preemption.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/fairshare/admission.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::fairshare {
namespace {

using ::peloton::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

Resources Cpu(int64_t cores) { return Resources::Of(cores * 1000, 0, 0, 0); }

PreemptionCandidate Running(const std::string& id, Resources r, uint32_t priority,
                            int64_t started_s) {
  PreemptionCandidate c;
  c.task_id = id;
  c.state = CandidateState::kRunning;
  c.priority = priority;
  c.start_time = absl::FromUnixSeconds(started_s);
  c.resources = r;
  return c;
}

TEST(SelectVictimsTest, RanksByStateThenPriorityThenMostRecentlyStarted) {
  PreemptionCandidate ready = Running("ready", Cpu(1), 9, 0);
  ready.state = CandidateState::kReady;
  PreemptionCandidate placing = Running("placing", Cpu(1), 9, 0);
  placing.state = CandidateState::kPlacing;
  std::vector<PreemptionCandidate> c = {Running("old-low", Cpu(1), 1, 100),
                                        Running("new-low", Cpu(1), 1, 200),
                                        Running("high", Cpu(1), 5, 300), placing, ready};
  EXPECT_THAT(SelectVictims({.non_slack = Cpu(5)}, c),
              ElementsAre("ready", "placing", "new-low", "old-low", "high"));
  EXPECT_THAT(SelectVictims({.non_slack = Cpu(2)}, c), ElementsAre("ready", "placing"));
}

TEST(SelectVictimsTest, NeverNonPreemptibleAndSkipsTasksThatDoNotHelp) {
  PreemptionCandidate np = Running("np", Resources::Of(1000, 0, 0, 1000), 0, 500);
  np.preemptible = false;
  std::vector<PreemptionCandidate> c = {np, Running("cpu-only", Cpu(1), 0, 400),
                                        Running("gpu", Resources::Of(1000, 0, 0, 1000), 0, 300)};
  // Only gpu is over: the cpu-only task frees nothing useful; the non-preemptible one is
  // never chosen.
  EXPECT_THAT(SelectVictims({.non_slack = Resources::Of(0, 0, 0, 1000)}, c), ElementsAre("gpu"));
  EXPECT_THAT(SelectVictims({}, c), IsEmpty());
}

TEST(SelectVictimsTest, RevocableTasksAnswerTheSlackNeedFirst) {
  PreemptionCandidate rev = Running("rev", Resources::Of(0, 100, 0, 0), 9, 0);
  rev.revocable = true;
  std::vector<PreemptionCandidate> c = {Running("regular", Resources::Of(0, 100, 0, 0), 0, 9), rev};
  EXPECT_THAT(SelectVictims({.slack = Resources::Of(0, 50, 0, 0)}, c), ElementsAre("rev"));
  EXPECT_THAT(SelectVictims({.non_slack = Resources::Of(0, 50, 0, 0)}, c), ElementsAre("regular"));
}

TEST(PreemptorTest, CountsSustainedOverAllocationAndResets) {
  PoolTree tree;
  PoolConfig c;
  c.resources = {{"cpu", 2, 10, 1, ReservationType::kElastic}};
  PoolHandle p = *tree.Create("/p", c);
  ASSERT_THAT(tree.SetAllocation(p, Allocation::Of(Cpu(6), true, false, false)), IsOk());
  Preemptor preemptor({.sustained_over_allocation_count = 3});

  tree.ComputeEntitlements({.total = Cpu(4)});  // entitled to 4, using 6
  EXPECT_THAT(preemptor.Observe(tree), IsEmpty());
  EXPECT_THAT(preemptor.Observe(tree), IsEmpty());
  EXPECT_EQ(preemptor.OverAllocationCount(p), 2);
  tree.ComputeEntitlements({.total = Cpu(8)});  // back within entitlement: the count resets
  EXPECT_THAT(preemptor.Observe(tree), IsEmpty());
  EXPECT_EQ(preemptor.OverAllocationCount(p), 0);
  tree.ComputeEntitlements({.total = Cpu(4)});
  EXPECT_THAT(preemptor.Observe(tree), IsEmpty());
  EXPECT_THAT(preemptor.Observe(tree), IsEmpty());
  EXPECT_THAT(preemptor.Observe(tree), ElementsAre(p));
  EXPECT_EQ(preemptor.OverAllocationCount(p), 0);  // processed pools start over
  EXPECT_EQ(NeedToFree(tree.pool(p)).non_slack, Cpu(2));
}

// Pools A and B: cpu reservation 6, limit 12 (test_preemption_pool_A/B.yaml); 12 cores.
class CrossPoolPreemptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PoolConfig c;
    c.resources = {{"cpu", 6, 12, 1, ReservationType::kElastic},
                   {"memory", 50, 100, 2, ReservationType::kElastic},
                   {"disk", 250, 1000, 1, ReservationType::kElastic}};
    a_ = *tree_.Create("/A", c);
    b_ = *tree_.Create("/B", c);
  }

  // Enqueues a 12-instance job of 1-core, 4 MB tasks; `non_preemptible(i)` per instance.
  std::vector<Gang> Job(
      PoolHandle pool, const std::string& name,
      bool (*non_preemptible)(int) = [](int) { return false; }) {
    std::vector<Gang> gangs;
    for (int i = 0; i < 12; ++i) {
      Gang g;
      g.id = name + "-" + std::to_string(i);
      g.preemptible = !non_preemptible(i);
      g.tasks = {{g.id, Resources::Of(1000, 4, 0, 0)}};
      EXPECT_THAT(admitter_.Enqueue(pool, g), IsOk());
      gangs.push_back(g);
    }
    return gangs;
  }
  std::vector<AdmittedGang> Round() {
    tree_.ComputeEntitlements(capacity_);
    return admitter_.AdmitReady();
  }
  // A's running tasks as candidates; instance i started at time i.
  std::vector<PreemptionCandidate> Candidates(const std::vector<Gang>& gangs) {
    std::vector<PreemptionCandidate> out;
    for (int i = 0; i < static_cast<int>(gangs.size()); ++i) {
      PreemptionCandidate c = Running(gangs[i].id.str(), gangs[i].TotalResources(), 0, i);
      c.preemptible = gangs[i].preemptible;
      out.push_back(c);
    }
    return out;
  }
  // Runs the preemptor as resmgr would until it picks a pool (at most `periods` periods).
  std::vector<PoolHandle> ObserveUntilPreempting(int periods) {
    for (int i = 0; i < periods; ++i) {
      tree_.ComputeEntitlements(capacity_);
      std::vector<PoolHandle> pools = preemptor_.Observe(tree_);
      if (!pools.empty()) return pools;
    }
    return {};
  }

  PoolTree tree_;
  Admitter admitter_{tree_};
  Preemptor preemptor_{{.sustained_over_allocation_count = 3}};
  ClusterCapacity capacity_{.total = Resources::Of(12000, 300, 3000, 0)};
  PoolHandle a_, b_;
};

// Scenario 1 (test__preemption_tasks_reschedules_task).
TEST_F(CrossPoolPreemptionTest, TakesExactlyTheExcess) {
  std::vector<Gang> job_a = Job(a_, "a");
  EXPECT_THAT(Round(), SizeIs(12));  // B is idle: A may use the whole cluster

  std::vector<Gang> job_b = Job(b_, "b");
  std::vector<AdmittedGang> admitted_b = Round();
  EXPECT_THAT(admitted_b, SizeIs(6));  // B's entitlement is its reservation, 6
  EXPECT_EQ(tree_.pool(a_).entitlement().non_slack.milli_cpu(), 6000);

  std::vector<PoolHandle> over = ObserveUntilPreempting(3);
  ASSERT_THAT(over, ElementsAre(a_));
  const PreemptionNeed need = NeedToFree(tree_.pool(a_));
  EXPECT_EQ(need.non_slack, Cpu(6));  // memory and disk are within entitlement
  std::vector<std::string> victims = SelectVictims(need, Candidates(job_a));
  // Exactly 6, the most recently started first.
  EXPECT_THAT(victims, ElementsAre("a-11", "a-10", "a-9", "a-8", "a-7", "a-6"));

  // The victims go back to PENDING in A: released and re-enqueued.
  for (int i = 6; i < 12; ++i) {
    ASSERT_THAT(tree_.RemoveAllocation(a_, job_a[i].AllocationOf()), IsOk());
    ASSERT_THAT(admitter_.Enqueue(a_, job_a[i]), IsOk());
  }
  EXPECT_THAT(Round(), IsEmpty());  // A stays at 6, B at 6
  tree_.ComputeEntitlements(capacity_);
  EXPECT_TRUE(NeedToFree(tree_.pool(a_)).IsZero());
  // B's job finishes batch by batch: when its first 6 tasks succeed, the next 6 run.
  for (const AdmittedGang& g : admitted_b) {
    ASSERT_THAT(tree_.RemoveAllocation(b_, g.gang.AllocationOf()), IsOk());
  }
  EXPECT_THAT(Round(), SizeIs(6));
}

// Scenario 3 (test__preemption_task_level): even instances are non-preemptible.
TEST_F(CrossPoolPreemptionTest, OnlyPreemptibleTasksArePreempted) {
  std::vector<Gang> job_a = Job(a_, "a", [](int i) { return i % 2 == 0; });
  EXPECT_THAT(Round(), SizeIs(12));  // 6 non-preemptible fit the reservation of 6
  Job(b_, "b");
  Round();
  ASSERT_THAT(ObserveUntilPreempting(3), ElementsAre(a_));
  std::vector<std::string> victims = SelectVictims(NeedToFree(tree_.pool(a_)), Candidates(job_a));
  EXPECT_THAT(victims, UnorderedElementsAreArray({"a-1", "a-3", "a-5", "a-7", "a-9", "a-11"}));
}

// Scenario 6: revocable tasks are preempted for non-revocable preemptible demand.
TEST(RevocablePreemptionTest, RevocableTasksMakeRoomForNonRevocableDemand) {
  PoolTree tree;
  Admitter admitter(tree);
  PoolConfig c;
  c.resources = {{"cpu", 10, 10, 1, ReservationType::kElastic},
                 {"memory", 1000, 1000, 1, ReservationType::kElastic}};
  PoolHandle p = *tree.Create("/p", c);
  const ClusterCapacity capacity{.total = Resources::Of(10000, 1000, 0, 0),
                                 .slack = Resources::Of(4000, 0, 0, 0)};
  std::vector<PreemptionCandidate> running;
  for (int i = 0; i < 2; ++i) {
    Gang g;
    g.id = "rev-" + std::to_string(i);
    g.revocable = true;
    g.tasks = {{g.id, Resources::Of(1000, 100, 0, 0)}};
    ASSERT_THAT(admitter.Enqueue(p, g), IsOk());
    PreemptionCandidate cand = Running(g.id.str(), g.TotalResources(), 0, i);
    cand.revocable = true;
    running.push_back(cand);
  }
  tree.ComputeEntitlements(capacity);
  ASSERT_THAT(admitter.AdmitReady(), SizeIs(2));
  EXPECT_TRUE(NeedToFree(tree.pool(p)).IsZero());

  // 900 MB of non-revocable demand leaves room for only 100 MB of revocable memory.
  Gang big;
  big.id = "big";
  big.tasks = {{"big", Resources::Of(1000, 900, 0, 0)}};
  ASSERT_THAT(admitter.Enqueue(p, big), IsOk());
  tree.ComputeEntitlements(capacity);
  EXPECT_EQ(tree.pool(p).entitlement().slack.memory_mb(), 100);
  const PreemptionNeed need = NeedToFree(tree.pool(p));
  EXPECT_EQ(need.slack, Resources::Of(0, 100, 0, 0));
  EXPECT_THAT(SelectVictims(need, running), ElementsAre("rev-1"));
}

}  // namespace
}  // namespace peloton::fairshare
