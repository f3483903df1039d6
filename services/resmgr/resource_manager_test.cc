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
using ::testing::ElementsAre;
using ::testing::HasSubstr;

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

TEST_F(ResourceManagerTest, AStoredPoolThatNoLongerFitsIsReportedNotDropped) {
  ASSERT_THAT(store_->CreatePool({PoolId("p1"), "/x", "not a proto \xff\xff", "", {}, {}}), IsOk());
  rm_.reset();
  EXPECT_THAT(ResourceManager::Create(*store_, gen_).status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("p1 (/x)")));
}

}  // namespace
}  // namespace peloton::resmgr
