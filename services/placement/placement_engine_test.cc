// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The placement engine's rounds: gangs that wait, and what it tells of gangs that could never
// fit ("never" against "not now").

#include "services/placement/placement_engine.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/placement/plugin.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::placement_engine {
namespace {

using ::peloton::testing::IsOk;
using placement::FilterReason;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

placement::HostSpec Host(const std::string& name, int64_t cores) {
  placement::HostSpec h;
  h.name = name;
  h.capacity = Resources::Of(cores * 1000, 65536, 100000, 0);
  h.ports = {{31000, 31099}};
  return h;
}

class PlacementEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    placement::PluginRegistry registry;
    ASSERT_THAT(placement::RegisterBuiltinPlugins(registry), IsOk());
    absl::StatusOr<placement::Profile> profile = registry.Build("pack");
    ASSERT_THAT(profile, IsOk());
    engine_ = std::make_unique<PlacementEngine>(*std::move(profile));
    ASSERT_THAT(cluster_.AddHost(Host("small-0", 4)), IsOk());
    ASSERT_THAT(cluster_.AddHost(Host("small-1", 4)), IsOk());
  }

  // A one-task gang asking for `cores`.
  resmgr::ReadyGang Gang(const std::string& id, int64_t cores) {
    specs_[id].id = id;
    specs_[id].job_id = "job";
    specs_[id].demand = Resources::Of(cores * 1000, 128, 0, 0);
    resmgr::ReadyGang g;
    g.pool = PoolId("pool");
    g.gang.id = id;
    g.gang.tasks.push_back({id, specs_[id].demand});
    return g;
  }

  std::vector<PlacedGang> Round(std::vector<resmgr::ReadyGang> ready,
                                std::vector<PlacementVerdict>& verdicts) {
    verdicts.clear();
    return engine_->Place(
        std::move(ready), cluster_,
        [this](absl::string_view id) -> absl::StatusOr<placement::TaskSpec> {
          auto it = specs_.find(id);
          if (it == specs_.end()) return absl::NotFoundError(id);
          return it->second;
        },
        nullptr, &verdicts);
  }

  placement::Cluster cluster_;
  absl::flat_hash_map<std::string, placement::TaskSpec> specs_;
  std::unique_ptr<PlacementEngine> engine_;
};

TEST_F(PlacementEngineTest, AGangNoHostCouldEverHoldIsToldOnceAndPlacedWhenOneJoins) {
  std::vector<PlacementVerdict> verdicts;
  // Busy hosts: "not now", nothing to tell.
  EXPECT_THAT(Round({Gang("fill-0", 4), Gang("fill-1", 4)}, verdicts), SizeIs(2));
  EXPECT_THAT(Round({Gang("busy", 2), Gang("huge", 16)}, verdicts), IsEmpty());
  ASSERT_THAT(verdicts, SizeIs(1));
  EXPECT_EQ(verdicts[0].task_id, "huge");
  EXPECT_EQ(verdicts[0].reason, FilterReason::kInsufficientResources);
  EXPECT_THAT(engine_->waiting(), SizeIs(2));  // both still wait
  // The next rounds say nothing new while the hosts stay the same.
  EXPECT_THAT(Round({}, verdicts), IsEmpty());
  EXPECT_THAT(verdicts, IsEmpty());
  // Every round each gang fitted nowhere counts as a failure, by the placer's reason.
  EXPECT_THAT(engine_->TakeFailures(),
              ElementsAre(Pair(FilterReason::kInsufficientResources, 4)));
  EXPECT_THAT(engine_->TakeFailures(), IsEmpty());  // taken

  // A host that could hold it joins: it is placed.
  ASSERT_THAT(cluster_.AddHost(Host("big", 32)), IsOk());
  std::vector<PlacedGang> placed = Round({}, verdicts);
  std::vector<std::string> ids;
  for (const PlacedGang& p : placed) ids.push_back(p.gang.id.str());
  EXPECT_THAT(ids, ElementsAre("busy", "huge"));
  EXPECT_THAT(verdicts, IsEmpty());
}

TEST_F(PlacementEngineTest, AGangToldNeverIsToldItCouldOnceTheHostsChange) {
  std::vector<PlacementVerdict> verdicts;
  EXPECT_THAT(Round({Gang("fill-0", 4), Gang("fill-1", 4)}, verdicts), SizeIs(2));
  EXPECT_THAT(Round({Gang("six", 6)}, verdicts), IsEmpty());
  ASSERT_THAT(verdicts, SizeIs(1));
  // An 8-core host that is full at once: six could fit it, not now.
  ASSERT_THAT(cluster_.AddHost(Host("eight", 8)), IsOk());
  placement::TaskSpec other;
  other.id = "other";
  other.demand = Resources::Of(8000, 128, 0, 0);
  ASSERT_THAT(cluster_.Allocate(2, other), IsOk());
  EXPECT_THAT(Round({}, verdicts), IsEmpty());
  ASSERT_THAT(verdicts, SizeIs(1));
  EXPECT_EQ(verdicts[0].task_id, "six");
  EXPECT_EQ(verdicts[0].reason, std::nullopt);
}

}  // namespace
}  // namespace peloton::placement_engine
