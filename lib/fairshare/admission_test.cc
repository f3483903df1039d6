// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Admission control: queue order, gang all-or-nothing, head-of-line, and reference §7
// scenarios 4 (non-preemptible admission), 5 (controller limit) and 6 (revocable/slack) at
// library level.

#include "peloton/fairshare/admission.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fairshare/testing/pool_configs.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::fairshare {
namespace {

using ::peloton::fairshare::testing::CpuOnly;
using ::peloton::testing::IsOk;
using ::peloton::testing::IsOkAndHolds;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Resources Cpu(int64_t cores) { return Resources::Of(cores * 1000, 0, 0, 0); }

Gang OneTask(const std::string& id, Resources r, uint32_t priority = 0) {
  Gang g;
  g.id = id;
  g.priority = priority;
  g.tasks = {{id + "-0", r}};
  return g;
}

std::vector<std::string> Ids(const std::vector<AdmittedGang>& admitted) {
  std::vector<std::string> out;
  for (const AdmittedGang& a : admitted) out.emplace_back(a.gang.Id());
  return out;
}

class AdmissionTest : public ::testing::Test {
 protected:
  PoolHandle Create(const std::string& path, const PoolConfig& c) {
    auto h = tree_.Create(path, c);
    EXPECT_THAT(h, IsOk());
    return *h;
  }
  std::vector<std::string> Round() {
    tree_.ComputeEntitlements(capacity_);
    return Ids(admitter_.AdmitReady());
  }
  void Release(PoolHandle pool, const Gang& g) {
    ASSERT_THAT(tree_.RemoveAllocation(pool, g.AllocationOf()), IsOk());
  }

  PoolTree tree_;
  Admitter admitter_{tree_};
  ClusterCapacity capacity_{.total = Cpu(10)};
};

TEST_F(AdmissionTest, EnqueueAddsDemandAdmissionMovesItToAllocation) {
  PoolHandle p = Create("/p", CpuOnly(10, 10));
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("g1", Cpu(2))), IsOk());
  EXPECT_EQ(tree_.pool(p).demand(), Cpu(2));
  EXPECT_THAT(Round(), ElementsAre("g1"));
  EXPECT_EQ(tree_.pool(p).demand(), Resources());
  EXPECT_EQ(tree_.pool(p).allocation().total, Cpu(2));
  EXPECT_EQ(admitter_.size(), 0u);
}

TEST_F(AdmissionTest, HighestPriorityFirstFifoWithin) {
  PoolHandle p = Create("/p", CpuOnly(10, 10));
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("low-1", Cpu(1), 1)), IsOk());
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("high-1", Cpu(1), 5)), IsOk());
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("low-2", Cpu(1), 1)), IsOk());
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("high-2", Cpu(1), 5)), IsOk());
  EXPECT_THAT(admitter_.Queued(p, QueueKind::kPending),
              ElementsAre("high-1", "high-2", "low-1", "low-2"));
  EXPECT_EQ(admitter_.QueueLength(p, QueueKind::kPending), 4u);
  EXPECT_EQ(admitter_.QueueLength(p, QueueKind::kController), 0u);
  EXPECT_THAT(Round(), ElementsAre("high-1", "high-2", "low-1", "low-2"));
  EXPECT_EQ(admitter_.QueueLength(p, QueueKind::kPending), 0u);
}

TEST_F(AdmissionTest, GangIsAdmittedAllOrNothing) {
  PoolHandle p = Create("/p", CpuOnly(3, 3));
  Gang gang;
  gang.id = "gang";
  gang.tasks = {{"t0", Cpu(1)}, {"t1", Cpu(1)}, {"t2", Cpu(1)}, {"t3", Cpu(1)}};
  ASSERT_THAT(admitter_.Enqueue(p, gang), IsOk());
  EXPECT_THAT(Round(), IsEmpty());  // 4 cores do not fit in 3; none is admitted
  EXPECT_EQ(tree_.pool(p).allocation().total, Resources());
  ASSERT_THAT(tree_.Update("/p", CpuOnly(4, 4)), IsOk());
  EXPECT_THAT(Round(), ElementsAre("gang"));
  EXPECT_EQ(tree_.pool(p).allocation().total, Cpu(4));
}

TEST_F(AdmissionTest, BlockedHeadStopsThePendingQueue) {
  PoolHandle p = Create("/p", CpuOnly(4, 4));
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("big", Cpu(5), 9)), IsOk());
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("small", Cpu(1))), IsOk());
  EXPECT_THAT(Round(), IsEmpty());  // strict head of line: small waits behind big
  EXPECT_THAT(admitter_.QueueOf("big"), IsOkAndHolds(QueueKind::kPending));
  ASSERT_THAT(admitter_.Remove("big"), IsOk());
  EXPECT_EQ(tree_.pool(p).demand(), Cpu(1));
  EXPECT_THAT(Round(), ElementsAre("small"));
}

TEST_F(AdmissionTest, AtMostMaxGangsPerPoolPerRound) {
  Admitter limited(tree_, {.max_gangs_per_pool = 2});
  PoolHandle p = Create("/p", CpuOnly(10, 10));
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(limited.Enqueue(p, OneTask("g" + std::to_string(i), Cpu(1))), IsOk());
  }
  tree_.ComputeEntitlements(capacity_);
  EXPECT_THAT(Ids(limited.AdmitReady()), ElementsAre("g0", "g1"));
  EXPECT_THAT(Ids(limited.AdmitReady()), ElementsAre("g2", "g3"));
  EXPECT_THAT(Ids(limited.AdmitReady()), ElementsAre("g4"));
}

// A gang without an id of its own is named by its first task's id (a task alone is its own
// gang): found, refused twice and removed by that id.
TEST_F(AdmissionTest, AGangWithoutAnIdIsNamedByItsFirstTask) {
  PoolHandle p = Create("/p", CpuOnly(10, 10));
  Gang lone;
  lone.tasks = {{"job-0-1", Cpu(1)}};
  EXPECT_EQ(lone.Id(), "job-0-1");
  ASSERT_THAT(admitter_.Enqueue(p, lone), IsOk());
  Gang pair;
  pair.tasks = {{"job-1-1", Cpu(1)}, {"job-2-1", Cpu(1)}};
  ASSERT_THAT(admitter_.Enqueue(p, pair), IsOk());
  EXPECT_THAT(admitter_.QueueOf("job-0-1"), IsOkAndHolds(QueueKind::kPending));
  EXPECT_THAT(admitter_.QueueOf("job-2-1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(admitter_.Queued(p, QueueKind::kPending), ElementsAre("job-0-1", "job-1-1"));
  Gang named = OneTask("other", Cpu(1));
  named.id = "job-1-1";
  EXPECT_THAT(admitter_.Enqueue(p, named), StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(admitter_.Remove("job-0-1"), IsOkAndHolds(::testing::Field(&Gang::id, "")));
  EXPECT_THAT(Round(), ElementsAre("job-1-1"));
  EXPECT_EQ(tree_.pool(p).allocation().total, Cpu(2));
}

// Every lookup by id finds the gang that holds the id now, across removals, admissions, moves
// between queues and a full drain.
TEST_F(AdmissionTest, IdsFindTheirGangsAsGangsComeAndGo) {
  PoolHandle p = Create("/p", CpuOnly(4, 4));
  Gang np = OneTask("np", Cpu(5));
  np.preemptible = false;
  ASSERT_THAT(admitter_.Enqueue(p, np), IsOk());  // too big: moves to non-preemptible
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_THAT(admitter_.Enqueue(p, OneTask(id, Cpu(1))), IsOk());
  }
  EXPECT_GE(admitter_.index_capacity(), 4u);
  ASSERT_THAT(admitter_.Remove("b"), IsOkAndHolds(::testing::Field(&Gang::id, "b")));
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("d", Cpu(1), 7)), IsOk());
  EXPECT_THAT(admitter_.Remove("b"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(admitter_.Enqueue(p, OneTask("d", Cpu(1))),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(admitter_.Queued(p, QueueKind::kPending), ElementsAre("d", "np", "a", "c"));
  EXPECT_THAT(Round(), ElementsAre("d", "a", "c"));
  EXPECT_THAT(admitter_.QueueOf("np"), IsOkAndHolds(QueueKind::kNonPreemptible));
  EXPECT_THAT(admitter_.Queued(p, QueueKind::kNonPreemptible), ElementsAre("np"));
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("e", Cpu(1))), IsOk());
  EXPECT_THAT(admitter_.QueueOf("c"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(admitter_.QueueOf("e"), IsOkAndHolds(QueueKind::kPending));
  EXPECT_THAT(Round(), ElementsAre("e"));
  EXPECT_EQ(admitter_.size(), 1u);
  ASSERT_THAT(admitter_.Remove("np"), IsOkAndHolds(::testing::Field(&Gang::id, "np")));
  EXPECT_EQ(admitter_.size(), 0u);
  EXPECT_EQ(admitter_.index_capacity(), 0u);
  EXPECT_EQ(tree_.pool(p).demand(), Resources());

  // Drained (its memory given back): it queues and admits as before.
  Release(p, OneTask("d, a, c and e", Cpu(4)));
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("a", Cpu(3))), IsOk());
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("f", Cpu(2), 2)), IsOk());
  EXPECT_THAT(admitter_.QueueOf("a"), IsOkAndHolds(QueueKind::kPending));
  EXPECT_THAT(admitter_.Queued(p, QueueKind::kPending), ElementsAre("f", "a"));
  EXPECT_THAT(Round(), ElementsAre("f"));  // a waits: 3 more cpus would exceed 4
  EXPECT_EQ(tree_.pool(p).demand(), Cpu(3));
}

TEST_F(AdmissionTest, EnqueueRejectsBadGangsAndChangesNothing) {
  PoolHandle p = Create("/p", CpuOnly(10, 10));
  Create("/parent", CpuOnly(1, 1));
  PoolHandle parent = *tree_.Lookup("/parent");
  Create("/parent/child", CpuOnly(1, 1));
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("dup", Cpu(1))), IsOk());

  Gang nameless;
  nameless.tasks = {{"", Cpu(1)}};
  EXPECT_THAT(admitter_.Enqueue(p, nameless),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("id")));
  Gang empty;
  empty.id = "empty";
  EXPECT_THAT(admitter_.Enqueue(p, empty),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tasks")));
  Gang revocable = OneTask("rev", Cpu(1));
  revocable.revocable = true;
  revocable.preemptible = false;
  EXPECT_THAT(admitter_.Enqueue(p, revocable),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preemptible")));
  EXPECT_THAT(admitter_.Enqueue(p, OneTask("dup", Cpu(1))),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("dup")));
  EXPECT_THAT(admitter_.Enqueue(parent, OneTask("nonleaf", Cpu(1))),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("leaf")));
  EXPECT_THAT(admitter_.Remove("nope"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(admitter_.size(), 1u);
  EXPECT_EQ(tree_.pool(p).demand(), Cpu(1));
  EXPECT_EQ(tree_.pool(parent).demand(), Resources());
}

// Scenario 4 (test_non_preemptible_job): non-preemptible work is bounded by the reservation;
// preemptible work still runs on elastic resources; stopping job 1 lets job 2 run.
TEST_F(AdmissionTest, NonPreemptibleAdmissionBoundedByReservation) {
  PoolHandle p = Create("/p", CpuOnly(5, 10));
  std::vector<Gang> job1;
  for (int i = 0; i < 5; ++i) {
    Gang g = OneTask("job1-" + std::to_string(i), Cpu(1));
    g.preemptible = false;
    job1.push_back(g);
    ASSERT_THAT(admitter_.Enqueue(p, g), IsOk());
  }
  EXPECT_EQ(Round().size(), 5u);
  EXPECT_EQ(tree_.pool(p).allocation().non_preemptible, tree_.pool(p).reservation());

  Gang job2 = OneTask("job2-0", Cpu(1));
  job2.preemptible = false;
  ASSERT_THAT(admitter_.Enqueue(p, job2), IsOk());
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("job3-0", Cpu(1))), IsOk());  // preemptible
  // job2 is blocked by the reservation check, moves to the non-preemptible queue and does
  // not block job3, which uses elastic resources.
  EXPECT_THAT(Round(), ElementsAre("job3-0"));
  EXPECT_THAT(admitter_.QueueOf("job2-0"), IsOkAndHolds(QueueKind::kNonPreemptible));
  EXPECT_THAT(Round(), IsEmpty());

  for (const Gang& g : job1) Release(p, g);  // job 1 stopped
  EXPECT_THAT(Round(), ElementsAre("job2-0"));
}

TEST_F(AdmissionTest, WithoutPreemptionNonPreemptibleWorkMayUseElasticResources) {
  Admitter no_preemption(tree_, {.preemption_enabled = false});
  PoolHandle p = Create("/p", CpuOnly(2, 10));
  Gang g = OneTask("np", Cpu(5));
  g.preemptible = false;
  ASSERT_THAT(no_preemption.Enqueue(p, g), IsOk());
  tree_.ComputeEntitlements(capacity_);
  EXPECT_THAT(Ids(no_preemption.AdmitReady()), ElementsAre("np"));
}

// Scenario 5 (test_controller_task_limit): controllerLimit 10% of the reservation.
TEST_F(AdmissionTest, ControllerLimit) {
  PoolConfig c = CpuOnly(10, 10);
  c.controller_limit_percent = 10;  // 1 core
  PoolHandle p = Create("/p", c);
  Gang first = OneTask("ctrl-1", Cpu(1));
  first.controller = true;
  Gang second = OneTask("ctrl-2", Cpu(1));
  second.controller = true;
  ASSERT_THAT(admitter_.Enqueue(p, first), IsOk());
  ASSERT_THAT(admitter_.Enqueue(p, second), IsOk());
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("worker", Cpu(3))), IsOk());
  EXPECT_THAT(Round(), ElementsAre("ctrl-1", "worker"));
  EXPECT_THAT(admitter_.QueueOf("ctrl-2"), IsOkAndHolds(QueueKind::kController));
  EXPECT_THAT(Round(), IsEmpty());
  Release(p, first);  // the first controller job is killed
  EXPECT_THAT(Round(), ElementsAre("ctrl-2"));
}

// Scenario 6 (test_revocable.py): the default slack limit is 20% of the memory reservation
// (1000 MB -> 200 MB), so of 3 x 100 MB revocable tasks only 2 run; blocked revocable gangs
// move aside and do not block others.
TEST_F(AdmissionTest, RevocableTasksLimitedBySlack) {
  PoolConfig c;
  c.resources = {{"cpu", 5, 10, 1, ReservationType::kElastic},
                 {"memory", 1000, 2000, 1, ReservationType::kElastic}};
  PoolHandle p = Create("/p", c);
  capacity_ = {.total = Resources::Of(12000, 3000, 0, 0), .slack = Resources::Of(4000, 0, 0, 0)};
  for (int i = 0; i < 3; ++i) {
    Gang g = OneTask("rev-" + std::to_string(i), Resources::Of(1000, 100, 0, 0));
    g.revocable = true;
    ASSERT_THAT(admitter_.Enqueue(p, g), IsOk());
  }
  ASSERT_THAT(admitter_.Enqueue(p, OneTask("regular", Resources::Of(1000, 100, 0, 0))), IsOk());
  EXPECT_THAT(Round(), ElementsAre("rev-0", "rev-1", "regular"));
  EXPECT_THAT(admitter_.QueueOf("rev-2"), IsOkAndHolds(QueueKind::kRevocable));
  EXPECT_EQ(tree_.pool(p).allocation().slack, Resources::Of(2000, 200, 0, 0));
  EXPECT_EQ(tree_.pool(p).entitlement().slack.memory_mb(), 200);
}

TEST_F(AdmissionTest, RevocableCpuComesFromClusterSlack) {
  PoolHandle p = Create("/p", CpuOnly(10, 10));
  capacity_ = {.total = Cpu(10), .slack = Cpu(1)};
  for (int i = 0; i < 2; ++i) {
    Gang g = OneTask("rev-" + std::to_string(i), Cpu(1));
    g.revocable = true;
    ASSERT_THAT(admitter_.Enqueue(p, g), IsOk());
  }
  EXPECT_THAT(Round(), ElementsAre("rev-0"));
  EXPECT_EQ(tree_.pool(p).allocation().non_slack(), Resources());
}

TEST_F(AdmissionTest, EntitlementBoundsAdmissionAcrossPools) {
  PoolHandle a = Create("/a", CpuOnly(5, 10));
  PoolHandle b = Create("/b", CpuOnly(5, 10));
  for (int i = 0; i < 8; ++i) {
    ASSERT_THAT(admitter_.Enqueue(a, OneTask("a" + std::to_string(i), Cpu(1))), IsOk());
    ASSERT_THAT(admitter_.Enqueue(b, OneTask("b" + std::to_string(i), Cpu(1))), IsOk());
  }
  std::vector<std::string> admitted = Round();
  EXPECT_EQ(admitted.size(), 10u);  // 5 each: the cluster has 10 cores
  EXPECT_EQ(tree_.pool(a).allocation().total, Cpu(5));
  EXPECT_EQ(tree_.pool(b).allocation().total, Cpu(5));
}

}  // namespace
}  // namespace peloton::fairshare
