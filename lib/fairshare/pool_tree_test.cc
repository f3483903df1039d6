// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// PoolTree: create/update/delete/lookup and every validation rule of reference §2.3.

#include "peloton/fairshare/pool_tree.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lib/fairshare/testing/pool_configs.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::fairshare {
namespace {

using ::peloton::fairshare::testing::CpuOnly;
using ::peloton::fairshare::testing::Uniform;
using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

// The whole observable state of a tree, to check that a rejected change changed nothing.
std::string Dump(const PoolTree& tree) {
  std::string out;
  for (PoolHandle h : tree.Pools()) {
    const Pool& p = tree.pool(h);
    out += p.path() + " res=" + p.reservation().ToString() + " lim=" + p.limit().ToString() +
           " claim=" + p.claim().ToString() + " usable=" + p.usable_limit().ToString() +
           " demand=" + p.demand().ToString() + " alloc=" + p.allocation().total.ToString() +
           " ctrl=" + (p.controller_limit() ? p.controller_limit()->ToString() : "none") +
           " slack=" + p.slack_limit().ToString() + "\n";
  }
  return out;
}

class PoolTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(tree_.Create("/infra", Uniform(10, 20)), IsOk());
    ASSERT_THAT(tree_.Create("/infra/batch", Uniform(4, 10)), IsOk());
    ASSERT_THAT(tree_.Create("/infra/service", Uniform(4, 20)), IsOk());
  }

  // Expects `status` to be an error whose message contains every fragment, and the tree
  // to be unchanged.
  void ExpectRejected(const absl::Status& status, absl::StatusCode code, const std::string& before,
                      std::vector<std::string> fragments) {
    EXPECT_THAT(status, StatusIs(code));
    for (const std::string& f : fragments) {
      EXPECT_THAT(std::string(status.message()), HasSubstr(f));
    }
    EXPECT_EQ(Dump(tree_), before);
  }

  PoolTree tree_;
};

TEST_F(PoolTreeTest, CreateAndLookupByPath) {
  auto batch = tree_.Lookup("/infra/batch");
  ASSERT_THAT(batch, IsOk());
  const Pool& p = tree_.pool(*batch);
  EXPECT_EQ(p.path(), "/infra/batch");
  EXPECT_EQ(p.name(), "batch");
  EXPECT_EQ(p.config().name, "batch");
  EXPECT_EQ(p.reservation(), Resources::Of(4000, 4, 4, 4000));
  EXPECT_EQ(p.limit(), Resources::Of(10000, 10, 10, 10000));
  EXPECT_TRUE(p.is_leaf());
  EXPECT_EQ(tree_.pool(*tree_.Parent(*batch)).path(), "/infra");
  EXPECT_EQ(tree_.size(), 4u);
  EXPECT_EQ(tree_.Lookup("/infra/batch/"), batch);  // a trailing '/' is accepted
  EXPECT_THAT(tree_.Lookup("/nope"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nope")));
  EXPECT_THAT(tree_.Lookup("infra"), StatusIs(kInvalid, HasSubstr("start with '/'")));
  EXPECT_THAT(tree_.Lookup("/infra//batch"), StatusIs(kInvalid, HasSubstr("empty")));
}

TEST_F(PoolTreeTest, PoolsListsParentsBeforeChildren) {
  std::vector<std::string> paths;
  for (PoolHandle h : tree_.Pools()) paths.push_back(tree_.pool(h).path());
  EXPECT_THAT(paths, ElementsAre("/", "/infra", "/infra/batch", "/infra/service"));
  std::vector<std::string> leaves;
  for (PoolHandle h : tree_.Leaves()) leaves.push_back(tree_.pool(h).path());
  EXPECT_THAT(leaves, ElementsAre("/infra/batch", "/infra/service"));
}

TEST_F(PoolTreeTest, MissingKindsGetPelotonDefaults) {
  ASSERT_THAT(tree_.Create("/cpuonly", CpuOnly(2, 4)), IsOk());
  const Pool& p = tree_.pool(*tree_.Lookup("/cpuonly"));
  EXPECT_EQ(p.reservation(), Resources::Of(2000, 0, 0, 0));
  EXPECT_EQ(p.limit(), Resources::Of(4000, 0, 0, 0));
  EXPECT_EQ(p.share(ResourceKind::kGpu), 1);
  ASSERT_EQ(p.config().resources.size(), 4u);
  EXPECT_EQ(p.config().resources[3].kind, "gpu");
  EXPECT_EQ(p.config().policy, SchedulingPolicy::kPriorityFifo);  // UNKNOWN normalised
  EXPECT_EQ(p.reservation_type(ResourceKind::kCpu), ReservationType::kElastic);
}

TEST_F(PoolTreeTest, DerivedLimits) {
  PoolConfig c = Uniform(10, 10);
  c.controller_limit_percent = 10;
  c.slack_limit_percent = 30;
  ASSERT_THAT(tree_.Create("/derived", c), IsOk());
  const Pool& p = tree_.pool(*tree_.Lookup("/derived"));
  EXPECT_EQ(p.controller_limit(), Resources::Of(1000, 1, 1, 1000));
  // Slack limit: memory, disk, gpu only.
  EXPECT_EQ(p.slack_limit(), Resources::Of(0, 3, 3, 3000));
  // Default slack limit 20%; no controller limit.
  const Pool& batch = tree_.pool(*tree_.Lookup("/infra/batch"));
  EXPECT_EQ(batch.slack_limit(), Resources::Of(0, 0, 0, 800));
  EXPECT_FALSE(batch.controller_limit().has_value());
}

TEST_F(PoolTreeTest, RejectsCreatingTheRoot) {
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.Create("/", Uniform(1, 1)).status(), kInvalid, before, {"root"});
}

TEST_F(PoolTreeTest, RejectsNameThatDiffersFromPath) {
  const std::string before = Dump(tree_);
  PoolConfig c = Uniform(1, 1);
  c.name = "other";
  ExpectRejected(tree_.Create("/x", c).status(), kInvalid, before, {"/x", "name", "other"});
}

// Names go into logs, tables and metric labels: bounded, without control characters.
TEST_F(PoolTreeTest, RejectsControlCharactersAndOverlongNames) {
  const std::string before = Dump(tree_);
  PoolConfig c = Uniform(1, 1);
  c.name = "a\nb";
  ExpectRejected(tree_.Create("/a\nb", c).status(), kInvalid, before,
                 {"/a\\nb", "control character"});
  c.name = std::string(256, 'n');
  ExpectRejected(tree_.Create("/" + c.name, c).status(), kInvalid, before,
                 {"256 bytes", "at most 255 bytes"});
  c.name = std::string(255, 'n');
  EXPECT_TRUE(tree_.Create("/" + c.name, c).ok());
}

TEST_F(PoolTreeTest, RejectsUnknownKind) {
  const std::string before = Dump(tree_);
  PoolConfig c = Uniform(1, 1);
  c.resources[1].kind = "mem";
  ExpectRejected(tree_.Create("/x", c).status(), kInvalid, before,
                 {"/x", "resources[].kind", "'mem'"});
}

TEST_F(PoolTreeTest, RejectsDuplicateKind) {
  const std::string before = Dump(tree_);
  PoolConfig c = CpuOnly(1, 1);
  c.resources.push_back({"cpu", 1, 2, 1, ReservationType::kElastic});
  ExpectRejected(tree_.Create("/x", c).status(), kInvalid, before,
                 {"/x", "'cpu'", "more than once"});
}

TEST_F(PoolTreeTest, RejectsNegativeReservation) {
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.Create("/x", CpuOnly(-1, 1)).status(), kInvalid, before,
                 {"/x", "resources[cpu].reservation", "negative"});
}

TEST_F(PoolTreeTest, RejectsNonFiniteLimit) {
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.Create("/x", CpuOnly(1, NAN)).status(), kInvalid, before,
                 {"/x", "resources[cpu].limit", "finite"});
}

TEST_F(PoolTreeTest, RejectsBadShare) {
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.Create("/x", CpuOnly(1, 1, -0.5)).status(), kInvalid, before,
                 {"/x", "resources[cpu].share", "share"});
  ExpectRejected(tree_.Create("/x", CpuOnly(1, 1, 2e6)).status(), kInvalid, before,
                 {"resources[cpu].share"});
}

TEST_F(PoolTreeTest, RejectsLimitBelowReservation) {
  const std::string before = Dump(tree_);
  PoolConfig c = Uniform(1, 1);
  c.resources[2].reservation = 5;
  c.resources[2].limit = 4;
  ExpectRejected(tree_.Create("/x", c).status(), kInvalid, before,
                 {"/x", "resources[disk].limit", "limit >= reservation"});
}

TEST_F(PoolTreeTest, RejectsControllerLimitAbove100Percent) {
  const std::string before = Dump(tree_);
  PoolConfig c = Uniform(1, 1);
  c.controller_limit_percent = 101;
  ExpectRejected(tree_.Create("/x", c).status(), kInvalid, before,
                 {"/x", "controllerLimit.maxPercent", "<= 100"});
}

TEST_F(PoolTreeTest, RejectsSlackLimitOutOfRange) {
  const std::string before = Dump(tree_);
  PoolConfig c = Uniform(1, 1);
  c.slack_limit_percent = -1;
  ExpectRejected(tree_.Create("/x", c).status(), kInvalid, before, {"slackLimit.maxPercent"});
}

TEST_F(PoolTreeTest, RejectsMissingParent) {
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.Create("/nope/x", Uniform(1, 1)).status(), absl::StatusCode::kNotFound,
                 before, {"/nope/x", "parent pool /nope does not exist"});
}

TEST_F(PoolTreeTest, RejectsChildLimitAboveParentLimit) {
  const std::string before = Dump(tree_);
  PoolConfig c = Uniform(0, 5);
  c.resources[0].limit = 30;  // cpu above /infra's 20
  ExpectRejected(tree_.Create("/infra/x", c).status(), kInvalid, before,
                 {"/infra/x", "resources[cpu].limit", "/infra", "child limit <= parent limit"});
}

TEST_F(PoolTreeTest, RejectsKindTheParentDoesNotHave) {
  ASSERT_THAT(tree_.Create("/cpuonly", CpuOnly(2, 4)), IsOk());
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.Create("/cpuonly/x", Uniform(0, 1)).status(), kInvalid, before,
                 {"/cpuonly/x", "resources[memory].limit", "child limit <= parent limit"});
}

TEST_F(PoolTreeTest, RejectsDuplicateSiblingName) {
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.Create("/infra/batch", Uniform(0, 1)).status(),
                 absl::StatusCode::kAlreadyExists, before, {"/infra/batch", "unique"});
}

TEST_F(PoolTreeTest, RejectsReservationsAboveParentReservation) {
  const std::string before = Dump(tree_);
  // /infra reserves 10; batch and service reserve 4 each: 3 more fit, 3.5 do not.
  ExpectRejected(tree_.Create("/infra/x", Uniform(3.5, 5)).status(), kInvalid, before,
                 {"/infra/x", "resources[cpu].reservation", "siblings",
                  "sum of children's reservations <= parent reservation"});
  EXPECT_THAT(tree_.Create("/infra/x", Uniform(2, 5)), IsOk());
}

TEST_F(PoolTreeTest, RejectsChildrenUnderABusyLeaf) {
  PoolHandle batch = *tree_.Lookup("/infra/batch");
  ASSERT_THAT(tree_.SetDemand(batch, Resources::Of(1000, 0, 0, 0), {}), IsOk());
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.Create("/infra/batch/x", Uniform(0, 1)).status(),
                 absl::StatusCode::kFailedPrecondition, before, {"/infra/batch", "idle leaf"});
}

TEST_F(PoolTreeTest, UpdateChangesConfigAndKeepsChecks) {
  ASSERT_THAT(tree_.Update("/infra/batch", Uniform(5, 12)), IsOk());
  EXPECT_EQ(tree_.pool(*tree_.Lookup("/infra/batch")).limit(), Resources::Of(12000, 12, 12, 12000));
  const std::string before = Dump(tree_);
  // Siblings' reservations + this <= parent's (4 + 7 > 10), own old value excluded.
  ExpectRejected(tree_.Update("/infra/batch", Uniform(7, 12)), kInvalid, before,
                 {"/infra/batch", "siblings"});
  // New limit below a child's limit.
  ExpectRejected(tree_.Update("/infra", Uniform(10, 15)), kInvalid, before,
                 {"/infra", "child /infra/service", "child limit <= parent limit"});
  // New reservation below the children's.
  ExpectRejected(tree_.Update("/infra", Uniform(8, 20)), kInvalid, before,
                 {"/infra", "children's reservations"});
  ExpectRejected(tree_.Update("/nope", Uniform(1, 1)), absl::StatusCode::kNotFound, before,
                 {"/nope"});
  ExpectRejected(tree_.Update("/", Uniform(1, 1)), kInvalid, before, {"root"});
  // Per-config rules still apply with force.
  ExpectRejected(tree_.Update("/infra/batch", CpuOnly(2, 1), {.force = true}), kInvalid, before,
                 {"limit >= reservation"});
}

TEST_F(PoolTreeTest, ForcedUpdateSkipsHierarchyChecks) {
  EXPECT_THAT(tree_.Update("/infra/batch", Uniform(7, 12), {.force = true}), IsOk());
  EXPECT_EQ(tree_.pool(*tree_.Lookup("/infra/batch")).reservation().milli_cpu(), 7000);
}

TEST_F(PoolTreeTest, DeleteOnlyIdleLeavesNeverRoot) {
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.Delete("/"), kInvalid, before, {"root"});
  ExpectRejected(tree_.Delete("/infra"), absl::StatusCode::kFailedPrecondition, before,
                 {"/infra", "leaf"});
  ExpectRejected(tree_.Delete("/nope"), absl::StatusCode::kNotFound, before, {"/nope"});
  PoolHandle batch = *tree_.Lookup("/infra/batch");
  ASSERT_THAT(
      tree_.AddAllocation(batch, Allocation::Of(Resources::Of(1000, 1, 0, 0), true, false, false)),
      IsOk());
  const std::string busy = Dump(tree_);
  ExpectRejected(tree_.Delete("/infra/batch"), absl::StatusCode::kFailedPrecondition, busy,
                 {"/infra/batch", "busy"});
  ASSERT_THAT(tree_.RemoveAllocation(
                  batch, Allocation::Of(Resources::Of(1000, 1, 0, 0), true, false, false)),
              IsOk());
  EXPECT_THAT(tree_.Delete("/infra/batch"), IsOk());
  EXPECT_THAT(tree_.Lookup("/infra/batch"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(tree_.Get(batch), StatusIs(absl::StatusCode::kNotFound));  // stale handle
  EXPECT_THAT(tree_.SetDemand(batch, {}, {}), StatusIs(absl::StatusCode::kNotFound));
  // The slot is reused; the old handle stays stale.
  auto again = tree_.Create("/infra/batch", Uniform(1, 2));
  ASSERT_THAT(again, IsOk());
  EXPECT_NE(*again, batch);
  EXPECT_THAT(tree_.Get(batch), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(PoolTreeTest, DeletingTheLastChildMakesTheParentALeafAgain) {
  ASSERT_THAT(tree_.Delete("/infra/batch"), IsOk());
  ASSERT_THAT(tree_.Delete("/infra/service"), IsOk());
  const Pool& infra = tree_.pool(*tree_.Lookup("/infra"));
  EXPECT_TRUE(infra.is_leaf());
  EXPECT_EQ(infra.usable_limit(), infra.limit());
  EXPECT_THAT(tree_.SetDemand(*tree_.Lookup("/infra"), Resources::Of(1, 0, 0, 0), {}), IsOk());
}

TEST_F(PoolTreeTest, DemandAndAllocationAggregateUpwards) {
  PoolHandle batch = *tree_.Lookup("/infra/batch");
  PoolHandle service = *tree_.Lookup("/infra/service");
  ASSERT_THAT(tree_.SetDemand(batch, Resources::Of(3000, 2, 0, 0), Resources::Of(0, 1, 0, 0)),
              IsOk());
  ASSERT_THAT(tree_.AddDemand(service, Resources::Of(1000, 0, 0, 0), false), IsOk());
  ASSERT_THAT(tree_.AddAllocation(service,
                                  Allocation::Of(Resources::Of(2000, 0, 0, 0), false, false, true)),
              IsOk());
  const Pool& infra = tree_.pool(*tree_.Lookup("/infra"));
  EXPECT_EQ(infra.demand(), Resources::Of(4000, 2, 0, 0));
  EXPECT_EQ(infra.slack_demand(), Resources::Of(0, 1, 0, 0));
  EXPECT_EQ(infra.allocation().total, Resources::Of(2000, 0, 0, 0));
  EXPECT_EQ(infra.allocation().non_preemptible, Resources::Of(2000, 0, 0, 0));
  EXPECT_EQ(infra.allocation().controller, Resources::Of(2000, 0, 0, 0));
  EXPECT_EQ(tree_.pool(tree_.root()).demand(), Resources::Of(4000, 2, 0, 0));
  // Claims: leaf = non-slack allocation + demand + revocable use up to the slack limit
  // (batch: memory slack limit is 20% of 4 = 0), capped at the limit; parent = sum.
  EXPECT_EQ(tree_.pool(batch).claim(), Resources::Of(3000, 2, 0, 0));
  EXPECT_EQ(tree_.pool(service).claim(), Resources::Of(3000, 0, 0, 0));
  EXPECT_EQ(infra.claim(), Resources::Of(6000, 2, 0, 0));
  ASSERT_THAT(tree_.SetDemand(batch, Resources::Of(50000, 0, 0, 0), {}), IsOk());
  EXPECT_EQ(tree_.pool(batch).claim().milli_cpu(), 10000);  // capped at the limit
  EXPECT_EQ(infra.claim().milli_cpu(), 13000);
}

TEST_F(PoolTreeTest, DemandAndAllocationOnlyOnLeaves) {
  EXPECT_THAT(tree_.SetDemand(*tree_.Lookup("/infra"), {}, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("leaf")));
  EXPECT_THAT(tree_.SetDemand(tree_.root(), {}, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(PoolTreeTest, RemovingMoreThanPresentChangesNothing) {
  PoolHandle batch = *tree_.Lookup("/infra/batch");
  ASSERT_THAT(tree_.AddDemand(batch, Resources::Of(1000, 0, 0, 0), false), IsOk());
  const std::string before = Dump(tree_);
  ExpectRejected(tree_.RemoveDemand(batch, Resources::Of(2000, 0, 0, 0), false),
                 absl::StatusCode::kFailedPrecondition, before, {"/infra/batch", "demand"});
  ExpectRejected(tree_.RemoveDemand(batch, Resources::Of(1000, 0, 0, 0), true),
                 absl::StatusCode::kFailedPrecondition, before, {"slack demand"});
  ExpectRejected(
      tree_.RemoveAllocation(batch, Allocation::Of(Resources::Of(1, 0, 0, 0), true, false, false)),
      absl::StatusCode::kFailedPrecondition, before, {"allocation"});
  Allocation bad;
  bad.non_preemptible = Resources::Of(1, 0, 0, 0);
  ExpectRejected(tree_.SetAllocation(batch, bad), kInvalid, before, {"parts of the total"});
}

}  // namespace
}  // namespace peloton::fairshare
