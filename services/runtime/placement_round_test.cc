// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The placement round between recording doubles of the resource manager and job manager, on a
// cluster of its own: what is handed over, what goes back, and that the engine keeps nothing.

#include "services/runtime/placement_round.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/placement/plugin.h"
#include "peloton/testing/status_matchers.h"
#include "services/jobmgr/testing/recording_peers.h"

namespace peloton::runtime {
namespace {

using ::peloton::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A job manager that knows the specs it is given and records what a round hands it.
class RecordingJobManager final : public jobmgr::JobManagerApi {
 public:
  absl::StatusOr<placement_engine::SpecLookup> WaitingSpecs(
      const std::vector<std::string>&) override {
    if (!specs_error.ok()) return specs_error;
    return placement_engine::SpecLookup(
        [this](absl::string_view id) -> absl::StatusOr<placement::TaskSpec> {
          auto it = specs.find(id);
          if (it == specs.end()) return absl::NotFoundError(id);
          return it->second;
        });
  }
  absl::Status SetPlacements(std::vector<placement_engine::PlacedGang>& placed,
                             const std::vector<resmgr::ReadyGang>& dropped,
                             const std::vector<placement_engine::PlacementVerdict>& verdicts,
                             const placement::Cluster&) override {
    if (!set_error.ok()) return set_error;
    for (const auto& p : placed) launched.push_back(p.gang.id.str());
    for (const auto& d : dropped) this->dropped.push_back(d.gang.id.str());
    for (const auto& v : verdicts) never.push_back(v.task_id);
    placed.clear();
    return absl::OkStatus();
  }

  absl::flat_hash_map<std::string, placement::TaskSpec> specs;
  absl::Status specs_error, set_error;
  std::vector<std::string> launched, dropped, never;
};

class PlacementRoundTest : public ::testing::Test {
 protected:
  void SetUp() override {
    placement::PluginRegistry registry;
    ASSERT_THAT(placement::RegisterBuiltinPlugins(registry), IsOk());
    absl::StatusOr<placement::Profile> profile = registry.Build("pack");
    ASSERT_THAT(profile, IsOk());
    engine_ = std::make_unique<placement_engine::PlacementEngine>(*std::move(profile));
    placement::HostSpec h;
    h.name = "h0";
    h.capacity = Resources::Of(4000, 8192, 1000, 0);
    ASSERT_THAT(cluster_.AddHost(h), IsOk());
  }
  // A one-task gang asking for `cores`, queued and known to the job manager.
  void Queue(const std::string& id, int64_t cores) {
    placement::TaskSpec spec;
    spec.id = id;
    spec.job_id = "job";
    spec.demand = Resources::Of(cores * 1000, 128, 0, 0);
    jobs_.specs[id] = spec;
    fairshare::Gang g;
    g.id = id;
    g.tasks.push_back({id, spec.demand});
    ASSERT_THAT(pools_.EnqueueGang(PoolId(jobmgr::testing::kLeafPoolId), g), IsOk());
  }
  PlacementRoundResult Round() {
    return PlaceRound(
        *engine_, pools_, jobs_,
        [this](placement::Cluster&) -> absl::StatusOr<placement::Cluster*> {
          if (!cluster_error_.ok()) return cluster_error_;
          return &cluster_;
        },
        100);
  }

  jobmgr::testing::RecordingResourceManager pools_;
  RecordingJobManager jobs_;
  placement::Cluster cluster_;
  absl::Status cluster_error_;
  std::unique_ptr<placement_engine::PlacementEngine> engine_;
};

TEST_F(PlacementRoundTest, PlacedGangsAreHandedOverAndTheRestGoBack) {
  Queue("a", 3);
  Queue("b", 3);   // fits, but not beside a
  Queue("c", 16);  // never
  const PlacementRoundResult r = Round();
  EXPECT_EQ(r.dequeued, 3u);
  EXPECT_EQ(r.placed, 1u);
  EXPECT_EQ(r.returned, 2u);
  EXPECT_THAT(jobs_.launched, ElementsAre("a"));
  EXPECT_THAT(jobs_.never, ElementsAre("c"));
  EXPECT_THAT(pools_.returned, ElementsAre("b", "c"));
  EXPECT_THAT(engine_->waiting(), IsEmpty());  // the engine holds nothing between rounds
}

TEST_F(PlacementRoundTest, AGangWhoseTasksNoLongerWaitIsDropped) {
  Queue("gone", 1);
  jobs_.specs.erase("gone");
  Round();
  EXPECT_THAT(jobs_.dropped, ElementsAre("gone"));
  EXPECT_THAT(pools_.returned, IsEmpty());
}

TEST_F(PlacementRoundTest, NoClusterOrNoHandOverGivesEverythingBack) {
  Queue("a", 1);
  cluster_error_ = absl::UnavailableError("hostmgr down");
  EXPECT_EQ(Round().returned, 1u);
  EXPECT_THAT(pools_.returned, ElementsAre("a"));
  EXPECT_THAT(jobs_.launched, IsEmpty());

  cluster_error_ = absl::OkStatus();
  jobs_.set_error = absl::UnavailableError("jobmgr down");
  const PlacementRoundResult r = Round();
  EXPECT_EQ(r.placed, 0u);
  EXPECT_THAT(pools_.returned, ElementsAre("a", "a"));
  EXPECT_THAT(engine_->waiting(), IsEmpty());

  jobs_.set_error = absl::OkStatus();
  jobs_.specs_error = absl::UnavailableError("jobmgr down");
  EXPECT_EQ(Round().returned, 1u);
  EXPECT_THAT(pools_.returned, ElementsAre("a", "a", "a"));
}

}  // namespace
}  // namespace peloton::runtime
