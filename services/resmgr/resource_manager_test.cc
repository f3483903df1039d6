// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/resmgr/resource_manager.h"

#include <cstdlib>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/yaml_proto.h"
#include "services/store/sqlite_store.h"

namespace peloton::resmgr {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

respool_pb::ResourcePoolConfig Pool(const std::string& yaml) {
  respool_pb::ResourcePoolConfig config;
  EXPECT_THAT(api::YamlToProto(yaml, config).status(), IsOk());
  return config;
}

// Peloton's example/default_respool.yaml.
constexpr char kDefault[] = R"yaml(
name: DefaultResPool
owningteam: team6
resources:
- {kind: cpu,    reservation: 12,    limit: 12,    share: 1}
- {kind: memory, reservation: 6144,  limit: 6144,  share: 1}
- {kind: disk,   reservation: 10240, limit: 20480, share: 1}
- {kind: gpu,    reservation: 0,     limit: 0,     share: 1}
controllerlimit: {maxpercent: 10}
slacklimit: {maxpercent: 30}
policy: 1
)yaml";

std::string Small(const std::string& name, int cpu) {
  return absl::StrCat("name: ", name, "\nresources:\n- {kind: cpu, reservation: ", cpu,
                      ", limit: ", cpu,
                      ", share: 1}\n- {kind: memory, reservation: 100, limit: "
                      "100, share: 1}\n");
}

class ResourceManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("TEST_TMPDIR");
    path_ = absl::StrCat(dir != nullptr ? dir : "/tmp", "/resmgr_",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
    Open();
  }
  void Open() {
    rm_.reset();
    store_.reset();
    PELOTON_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open({.path = path_}));
    PELOTON_ASSERT_OK_AND_ASSIGN(rm_, ResourceManager::Create(*store_, gen_));
  }
  Resources LimitOf(absl::string_view path) const {
    return rm_->tree().pool(*rm_->tree().Lookup(path)).limit();
  }

  std::string path_;
  std::mt19937_64 gen_{42};
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<ResourceManager> rm_;
};

TEST_F(ResourceManagerTest, PoolsArePersistedAndRebuiltOnStart) {
  PELOTON_ASSERT_OK_AND_ASSIGN(PoolId id, rm_->CreatePool("/DefaultResPool", Pool(kDefault)));
  PELOTON_ASSERT_OK_AND_ASSIGN(PoolId child,
                               rm_->CreatePool("/DefaultResPool/batch", Pool(Small("batch", 4))));
  EXPECT_EQ(id.value().size(), 36u);  // a UUID
  PELOTON_ASSERT_OK_AND_ASSIGN(PoolInfo info, rm_->GetPool("/DefaultResPool"));
  EXPECT_EQ(info.id, id);
  EXPECT_EQ(info.config.parent().value(), "root");
  EXPECT_EQ(info.config.owningteam(), "team6");
  EXPECT_THAT(info.children, ElementsAre(child));

  Open();  // a restart
  EXPECT_THAT(rm_->LookupPoolId("/DefaultResPool"), ::peloton::testing::IsOkAndHolds(id));
  PELOTON_ASSERT_OK_AND_ASSIGN(info, rm_->GetPoolById(child));
  EXPECT_EQ(info.path, "/DefaultResPool/batch");
  EXPECT_EQ(info.config.parent().value(), id.value());
  EXPECT_EQ(LimitOf("/DefaultResPool/batch").milli_cpu(), 4000);
  const std::vector<PoolInfo> all = rm_->ListPools();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].path, "/");
  EXPECT_EQ(all[0].id.value(), "root");
  EXPECT_THAT(rm_->LookupPoolId("/"), ::peloton::testing::IsOkAndHolds(PoolId("root")));
}

TEST_F(ResourceManagerTest, RejectedPoolsStoreNothing) {
  ASSERT_THAT(rm_->CreatePool("/a", Pool(Small("a", 4))).status(), IsOk());
  // Name must be the path's last element.
  EXPECT_THAT(rm_->CreatePool("/b", Pool(Small("c", 1))).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  // A child's limit may not exceed its parent's.
  EXPECT_THAT(rm_->CreatePool("/a/big", Pool(Small("big", 8))).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit")));
  // The parent must be the path's.
  respool_pb::ResourcePoolConfig wrong_parent = Pool(Small("x", 1));
  wrong_parent.mutable_parent()->set_value("somebody-else");
  EXPECT_THAT(rm_->CreatePool("/a/x", wrong_parent).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parent: 'somebody-else'")));
  EXPECT_THAT(rm_->CreatePool("/nope/x", Pool(Small("x", 1))).status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(rm_->CreatePool("/a", Pool(Small("a", 4))).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PoolRecord> stored, store_->ListPools());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].path, "/a");
  EXPECT_EQ(rm_->ListPools().size(), 2u);
}

TEST_F(ResourceManagerTest, UpdateAndDelete) {
  ASSERT_THAT(rm_->CreatePool("/a", Pool(Small("a", 4))).status(), IsOk());
  ASSERT_THAT(rm_->CreatePool("/a/b", Pool(Small("b", 2))).status(), IsOk());
  ASSERT_THAT(rm_->UpdatePool("/a", Pool(Small("a", 6))), IsOk());
  // Below a child's limit: refused, and the old config is kept everywhere.
  EXPECT_THAT(rm_->UpdatePool("/a", Pool(Small("a", 1))),
              StatusIs(absl::StatusCode::kInvalidArgument));
  Open();
  PELOTON_ASSERT_OK_AND_ASSIGN(PoolInfo a, rm_->GetPool("/a"));
  EXPECT_EQ(LimitOf("/a").milli_cpu(), 6000);
  EXPECT_THAT(rm_->DeletePool("/a"), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(rm_->DeletePool("/a/b"), IsOk());
  EXPECT_THAT(rm_->DeletePool("/a/b"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(rm_->DeletePool("/"), StatusIs(absl::StatusCode::kNotFound));
  Open();
  EXPECT_THAT(rm_->GetPool("/a/b").status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(rm_->GetPool("/a").status(), IsOk());
}

fairshare::Gang GangOf(const std::string& id, int tasks, int64_t milli_cpu) {
  fairshare::Gang g;
  g.id = id;
  for (int i = 0; i < tasks; ++i) {
    g.tasks.push_back({absl::StrCat(id, "-", i), Resources::Of(milli_cpu, 10, 0, 0)});
  }
  return g;
}

TEST_F(ResourceManagerTest, AdmitsWithinEntitlementAndReleasesOnTaskEnd) {
  PELOTON_ASSERT_OK_AND_ASSIGN(PoolId pool, rm_->CreatePool("/a", Pool(Small("a", 2))));
  ASSERT_THAT(rm_->EnqueueGang(pool, GangOf("g1", 1, 1000)), IsOk());
  ASSERT_THAT(rm_->EnqueueGang(pool, GangOf("g2", 1, 1000)), IsOk());
  ASSERT_THAT(rm_->EnqueueGang(pool, GangOf("g3", 1, 1000)), IsOk());
  EXPECT_THAT(rm_->EnqueueGang(PoolId("nope"), GangOf("g4", 1, 1)),
              StatusIs(absl::StatusCode::kNotFound));

  rm_->Tick(Resources::Of(100'000, 100'000, 100'000, 0));
  std::vector<ReadyGang> ready = rm_->DequeueReady(10);
  ASSERT_EQ(ready.size(), 2u);  // the pool's limit is 2 cores
  EXPECT_EQ(ready[0].gang.id, "g1");
  EXPECT_EQ(ready[0].pool, pool);
  EXPECT_EQ(rm_->GetPool("/a")->allocation.total.milli_cpu(), 2000);

  rm_->Tick(Resources::Of(100'000, 100'000, 100'000, 0));
  EXPECT_TRUE(rm_->DequeueReady(10).empty());  // g3 waits
  rm_->TaskEnded("g1-0");
  rm_->TaskEnded("g1-0");  // repeated events change nothing
  rm_->Tick(Resources::Of(100'000, 100'000, 100'000, 0));
  ready = rm_->DequeueReady(10);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].gang.id, "g3");
  EXPECT_EQ(rm_->GetPool("/a")->allocation.total.milli_cpu(), 2000);
  EXPECT_THAT(rm_->RemoveGang("g3"), StatusIs(absl::StatusCode::kNotFound));  // admitted already
}

TEST_F(ResourceManagerTest, GangsSentAgainAndGangsPlacementGivesBack) {
  PELOTON_ASSERT_OK_AND_ASSIGN(PoolId pool, rm_->CreatePool("/a", Pool(Small("a", 8))));
  for (const char* g : {"g1", "g2", "g3", "g4"}) {
    ASSERT_THAT(rm_->EnqueueGang(pool, GangOf(g, 1, 1000)), IsOk());
  }
  // Sent again while queued: nothing changes.
  ASSERT_THAT(rm_->EnqueueGang(pool, GangOf("g1", 1, 1000)), IsOk());
  rm_->Tick(Resources::Of(100'000, 100'000, 100'000, 0));
  EXPECT_EQ(rm_->GetPool("/a")->allocation.total.milli_cpu(), 4000);
  // Sent again once admitted: still counted once.
  ASSERT_THAT(rm_->EnqueueGang(pool, GangOf("g1", 1, 1000)), IsOk());
  rm_->Tick(Resources::Of(100'000, 100'000, 100'000, 0));
  EXPECT_EQ(rm_->GetPool("/a")->allocation.total.milli_cpu(), 4000);

  std::vector<ReadyGang> ready = rm_->DequeueReady(3);
  ASSERT_EQ(ready.size(), 3u);
  rm_->TaskLaunched("g1-0", absl::Now());  // placed: no longer placing
  // g2 and g3 could not be placed: back at the front, before g4, in their order.
  ASSERT_THAT(rm_->ReturnGangs({ready[1], ready[2]}), IsOk());
  ready = rm_->DequeueReady(10);
  ASSERT_EQ(ready.size(), 3u);
  EXPECT_EQ(ready[0].gang.id, "g2");
  EXPECT_EQ(ready[1].gang.id, "g3");
  EXPECT_EQ(ready[2].gang.id, "g4");
  rm_->TaskEnded("g3-0");  // stopped while placing
  // A new placement engine takes over what the last one was placing, in order.
  EXPECT_EQ(rm_->ResetPlacing(), 2u);
  ready = rm_->DequeueReady(10);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_EQ(ready[0].gang.id, "g2");
  EXPECT_EQ(ready[1].gang.id, "g4");
  ASSERT_THAT(rm_->ReturnGangs({ready[1]}), IsOk());
  ASSERT_THAT(rm_->ReturnGangs({ready[1]}), IsOk());  // given back twice: once
  EXPECT_EQ(rm_->DequeueReady(10).size(), 1u);
  EXPECT_EQ(rm_->GetPool("/a")->allocation.total.milli_cpu(), 3000);
}

// A resource manager on a clock the test moves.
class PlacementRetryTest : public ResourceManagerTest {
 protected:
  void SetUp() override {
    ResourceManagerTest::SetUp();
    rm_.reset();
    options_.now = [this] { return now_; };
    PELOTON_ASSERT_OK_AND_ASSIGN(rm_, ResourceManager::Create(*store_, gen_, options_));
    PELOTON_ASSERT_OK_AND_ASSIGN(pool_, rm_->CreatePool("/a", Pool(Small("a", 8))));
  }
  void Tick() { rm_->Tick(capacity_); }
  void Enqueue(const std::string& id, int64_t milli_cpu = 1000) {
    ASSERT_THAT(rm_->EnqueueGang(pool_, GangOf(id, 1, milli_cpu)), IsOk());
  }
  std::vector<std::string> Dequeue() {
    last_ = rm_->DequeueReady(100);
    std::vector<std::string> ids;
    for (const ReadyGang& g : last_) ids.push_back(g.gang.id.str());
    return ids;
  }
  // Of the gangs dequeued last, `id` is given back: a failed placement.
  void Return(const std::string& id) {
    for (const ReadyGang& g : last_) {
      if (g.gang.id == id) {
        ASSERT_THAT(rm_->ReturnGangs({g}), IsOk());
        return;
      }
    }
    FAIL() << id << " was not dequeued";
  }
  void Fail(const std::string& id) {
    EXPECT_THAT(Dequeue(), Contains(id));
    Return(id);
  }
  int64_t Allocated() const { return rm_->GetPool("/a")->allocation.total.milli_cpu(); }

  ResourceManagerOptions options_;
  absl::Time now_ = absl::FromUnixSeconds(1'000'000);
  Resources capacity_ = Resources::Of(100'000, 100'000, 100'000, 0);
  PoolId pool_;
  std::vector<ReadyGang> last_;
};

TEST_F(PlacementRetryTest, AGangNotPlacedTwiceBacksOffAndRejoinsBehindFreshGangs) {
  Enqueue("g1");
  Tick();
  Fail("g1");  // the first time: tried again in the next round
  EXPECT_EQ(rm_->waiting().ready, 1u);
  Fail("g1");  // the second: waits 2 s
  EXPECT_EQ(rm_->waiting().backoff, 1u);
  Enqueue("g2");
  Tick();
  EXPECT_THAT(Dequeue(), ElementsAre("g2"));
  now_ += absl::Seconds(1);
  Tick();
  EXPECT_THAT(Dequeue(), IsEmpty());
  Enqueue("g3");
  now_ += absl::Seconds(1);
  Tick();
  EXPECT_THAT(Dequeue(), ElementsAre("g3", "g1"));  // gangs not tried yet go first
  // The third time: 4 s.
  Return("g1");
  now_ += absl::Seconds(3);
  Tick();
  EXPECT_THAT(Dequeue(), IsEmpty());
  now_ += absl::Seconds(1);
  Tick();
  EXPECT_THAT(Dequeue(), ElementsAre("g1"));
  // Doubling up to max_placement_backoff (1 min): 8, 16, 32, 60, 60 s.
  for (const int wait : {8, 16, 32, 60, 60}) {
    Return("g1");
    now_ += absl::Seconds(wait - 1);
    Tick();
    EXPECT_THAT(Dequeue(), IsEmpty()) << wait;
    now_ += absl::Seconds(1);
    Tick();
    EXPECT_THAT(Dequeue(), ElementsAre("g1")) << wait;
  }
  EXPECT_EQ(Allocated(), 3000);  // admitted all along: the three gangs hold their cores
  EXPECT_EQ(rm_->waiting().readmitted, 0u);
}

TEST_F(PlacementRetryTest, ACapacityChangeEndsEveryBackoff) {
  Enqueue("g1");
  Tick();
  Fail("g1");
  Fail("g1");
  Tick();
  EXPECT_THAT(Dequeue(), IsEmpty());
  capacity_ = Resources::Of(200'000, 200'000, 200'000, 0);  // a host joined
  Tick();
  EXPECT_THAT(Dequeue(), ElementsAre("g1"));
}

TEST_F(PlacementRetryTest, AGangPlacingPastThePlacingTimeoutIsNotPlaced) {
  Enqueue("g1");
  Tick();
  EXPECT_THAT(Dequeue(), ElementsAre("g1"));  // and the engine never answers
  now_ += options_.placing_timeout - absl::Seconds(1);
  Tick();
  EXPECT_THAT(Dequeue(), IsEmpty());
  EXPECT_EQ(rm_->waiting().placing, 1u);
  now_ += absl::Seconds(1);
  Tick();
  EXPECT_EQ(rm_->waiting().placing, 0u);
  EXPECT_THAT(Dequeue(), ElementsAre("g1"));  // counted as its first failure: at once
  rm_->TaskLaunched("g1-0", now_);
  EXPECT_EQ(rm_->waiting().placing, 0u);
}

TEST_F(PlacementRetryTest, AGangNotPlacedForACycleGoesBackToItsPoolsQueue) {
  // The pool holds one 8-core gang at a time: g1 is admitted, g2 waits in the queue.
  Enqueue("g1", 8000);
  Enqueue("g2", 8000);
  Tick();
  Fail("g1");
  Fail("g1");
  now_ += options_.readmission_after;  // backoffs long over
  Tick();
  EXPECT_THAT(Dequeue(), ElementsAre("g1"));
  EXPECT_EQ(Allocated(), 8000);
  Return("g1");  // the third failure, ten minutes after its admission
  EXPECT_EQ(rm_->waiting().readmitted, 1u);
  EXPECT_EQ(Allocated(), 0);
  EXPECT_EQ(rm_->GetPool("/a")->demand.milli_cpu(), 16000);
  Tick();  // g2 is first in the pool's queue now
  EXPECT_THAT(Dequeue(), ElementsAre("g2"));
  rm_->TaskLaunched("g2-0", now_);
  rm_->TaskEnded("g2-0");
  Tick();
  EXPECT_THAT(Dequeue(), ElementsAre("g1"));  // admitted again: a new cycle
}

TEST_F(PlacementRetryTest, AGangBackingOffCanBeRemovedAndAGangNobodyWantsIsNotHandedOut) {
  Enqueue("g1");
  Enqueue("g2");
  Tick();
  Fail("g1");
  Fail("g1");
  ASSERT_EQ(rm_->waiting().backoff, 1u);
  EXPECT_THAT(rm_->RemoveGang("g1"), IsOk());  // its job was stopped
  EXPECT_THAT(rm_->RemoveGang("g1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ(rm_->waiting().backoff, 0u);
  EXPECT_EQ(Allocated(), 1000);  // g2's
  // g2 was dequeued with g1 each time and is in the ready queue; its task ends there.
  rm_->TaskEnded("g2-0");
  EXPECT_EQ(Allocated(), 0);
  EXPECT_THAT(Dequeue(), IsEmpty());
}

TEST(ResourceManagerOptionsTest, AreCheckedWithTheFieldAndTheRule) {
  EXPECT_THAT(ValidateResourceManagerOptions({}), IsOk());
  EXPECT_THAT(ValidateResourceManagerOptions({.placing_timeout = absl::ZeroDuration()}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("placing_timeout: 0")));
  EXPECT_THAT(ValidateResourceManagerOptions({.placement_backoff = absl::Minutes(2),
                                              .max_placement_backoff = absl::Minutes(1)}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("max_placement_backoff: 1m (rule: at least placement_backoff")));
  EXPECT_THAT(
      ValidateResourceManagerOptions({.placement_attempts_per_cycle = 0}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("placement_attempts_per_cycle")));
}

TEST_F(ResourceManagerTest, AStoredPoolThatNoLongerFitsIsReportedNotDropped) {
  ASSERT_THAT(store_->CreatePool({PoolId("p1"), "/x", "not a proto \xff\xff", "", {}, {}}), IsOk());
  rm_.reset();
  EXPECT_THAT(ResourceManager::Create(*store_, gen_).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("p1 (/x)")));
}

}  // namespace
}  // namespace peloton::resmgr
