// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Workflows at library level, with reference §7 scenarios 11 (SLA-aware kills), 12 (rolling
// update with batch size; 3 -> 5 instances with an overlapping update), 13 (auto-rollback),
// 14 (pause/resume/abort, entity versions) and 15 (in-place). A small fake job manager
// applies each step's actions and lets tasks run (or crash, for a bad config).

#include "peloton/taskfsm/workflow.h"

#include <map>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::taskfsm {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

JobSpec Spec(uint64_t version, uint32_t instances, uint64_t config) {
  return {version, std::vector<uint64_t>(instances, config)};
}

// Applies actions the way the job manager and the cluster would.
class FakeJob {
 public:
  explicit FakeJob(const JobSpec& spec) {
    configs_[spec.version] = spec.instance_config;
    for (uint32_t i = 0; i < spec.instance_count(); ++i) {
      InstanceRuntime rt;
      rt.instance = i;
      rt.state = TaskState::kRunning;
      rt.config_version = rt.desired_config_version = spec.version;
      rt.host = "host-" + std::to_string(i % 7);
      runtimes_[i] = rt;
    }
  }
  void AddVersion(const JobSpec& spec) { configs_[spec.version] = spec.instance_config; }
  void MarkBad(uint64_t config) { bad_configs_.insert(config); }

  std::vector<InstanceRuntime> Runtimes() const {
    std::vector<InstanceRuntime> out;
    for (const auto& [i, rt] : runtimes_) out.push_back(rt);
    return out;
  }
  const InstanceRuntime* Get(uint32_t i) const {
    auto it = runtimes_.find(i);
    return it == runtimes_.end() ? nullptr : &it->second;
  }
  uint64_t ConfigOf(uint32_t i) const { return configs_.at(runtimes_.at(i).config_version).at(i); }

  void Apply(const std::vector<InstanceAction>& actions) {
    for (const InstanceAction& a : actions) {
      switch (a.change) {
        case InstanceChange::kAdd:
        case InstanceChange::kUpdate: {
          InstanceRuntime& rt = runtimes_[a.instance];
          rt.instance = a.instance;
          rt.desired_config_version = a.config_version;
          rt.failure_count = 0;
          if (a.change == InstanceChange::kAdd) rt.state = TaskState::kInitialized;
          desired_host_[a.instance] = a.desired_host;
          break;
        }
        case InstanceChange::kUnchanged:
          runtimes_[a.instance].config_version = a.config_version;
          runtimes_[a.instance].desired_config_version = a.config_version;
          break;
        case InstanceChange::kRemove:
          runtimes_.erase(a.instance);
          break;
        case InstanceChange::kRestart:
          runtimes_[a.instance].desired_run_id = a.desired_run_id;
          desired_host_[a.instance] = a.desired_host;
          break;
        case InstanceChange::kStart:
          runtimes_[a.instance].goal = TaskState::kRunning;
          break;
        case InstanceChange::kStop:
          runtimes_[a.instance].goal = TaskState::kKilled;
          break;
      }
    }
  }

  // One round of the task engine: stale instances restart; stopped ones end.
  void Settle() {
    for (auto& [i, rt] : runtimes_) {
      if (rt.goal == TaskState::kKilled) {
        rt.state = TaskState::kKilled;
        continue;
      }
      const bool stale = rt.config_version != rt.desired_config_version ||
                         rt.run_id != rt.desired_run_id || rt.state != TaskState::kRunning;
      if (!stale) continue;
      if (rt.state == TaskState::kFailed && rt.config_version == rt.desired_config_version) {
        continue;  // attempts exhausted in this fake: stays failed
      }
      rt.config_version = rt.desired_config_version;
      rt.run_id = std::max(rt.run_id + 1, rt.desired_run_id);
      rt.desired_run_id = rt.run_id;
      auto host = desired_host_.find(i);
      rt.host = host != desired_host_.end() && host->second
                    ? *host->second
                    : "host-" + std::to_string(rt.run_id % 7);
      if (bad_configs_.contains(configs_.at(rt.config_version).at(i))) {
        rt.state = TaskState::kFailed;
        ++rt.failure_count;
      } else {
        rt.state = TaskState::kRunning;
      }
    }
  }

 private:
  std::map<uint32_t, InstanceRuntime> runtimes_;
  std::map<uint64_t, std::vector<uint64_t>> configs_;
  std::map<uint32_t, std::optional<std::string>> desired_host_;
  std::set<uint64_t> bad_configs_;
};

// Steps until terminal; returns the largest number in progress seen.
uint32_t RunToEnd(Workflow& w, FakeJob& job, int max_rounds = 100) {
  uint32_t most = 0;
  for (int round = 0; round < max_rounds && !IsTerminal(w.state()); ++round) {
    WorkflowStep step = w.Step(job.Runtimes());
    most = std::max(most, step.in_progress);
    job.Apply(step.actions);
    job.Settle();
  }
  return most;
}

// Scenario 12 (test__create_update_with_batch_size).
TEST(WorkflowTest, RollingUpdateHonoursBatchSize) {
  FakeJob job(Spec(1, 3, 100));
  JobSpec v2 = Spec(2, 3, 200);
  job.AddVersion(v2);
  auto w = Workflow::Update(Spec(1, 3, 100), v2, {.batch_size = 1});
  ASSERT_THAT(w, IsOk());
  EXPECT_EQ(w->state(), UpdateState::kInitialized);
  EXPECT_TRUE(w->Step(job.Runtimes()).actions.empty());  // not started
  ASSERT_THAT(w->Start(), IsOk());
  EXPECT_EQ(w->state(), UpdateState::kRollingForward);
  WorkflowStep first = w->Step(job.Runtimes());
  ASSERT_EQ(first.actions.size(), 1u);
  EXPECT_EQ(first.actions[0].instance, 0u);
  EXPECT_EQ(first.actions[0].change, InstanceChange::kUpdate);
  EXPECT_EQ(first.actions[0].config_version, 2u);
  EXPECT_EQ(first.actions[0].reason, TerminationReason::kKilledForUpdate);
  // Nothing more while instance 0 has not come back at the new version.
  EXPECT_TRUE(w->Step(job.Runtimes()).actions.empty());
  job.Apply(first.actions);
  job.Settle();
  const uint64_t run_before = job.Get(1)->run_id;
  EXPECT_EQ(RunToEnd(*w, job), 1u);
  EXPECT_EQ(w->state(), UpdateState::kSucceeded);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(job.ConfigOf(i), 200u);
    EXPECT_EQ(job.Get(i)->state, TaskState::kRunning);
  }
  EXPECT_GT(job.Get(1)->run_id, run_before);  // a new pod
}

TEST(WorkflowTest, BatchPercentage) {
  FakeJob job(Spec(1, 10, 1));
  auto w = Workflow::Update(Spec(1, 10, 1), Spec(2, 10, 2), {.batch_percentage = 25});
  ASSERT_THAT(w, IsOk());
  EXPECT_EQ(w->spec().batch_size, 3u);  // 25% of 10, rounded up
  ASSERT_THAT(w->Start(), IsOk());
  EXPECT_EQ(w->Step(job.Runtimes()).actions.size(), 3u);
  EXPECT_THAT(Workflow::Update(Spec(1, 10, 1), Spec(2, 10, 2), {.batch_percentage = 101}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batchPercentage")));
}

TEST(WorkflowTest, DiffOfTwoSpecs) {
  JobSpec v1{1, {10, 11, 12, 13}};
  JobSpec v2{2, {10, 99, 12}};  // 1 updated, 3 removed, 0 and 2 unchanged
  auto w = Workflow::Update(v1, v2, {});
  ASSERT_THAT(w, IsOk());
  ASSERT_THAT(w->Start(), IsOk());
  FakeJob job(v1);
  WorkflowStep step = w->Step(job.Runtimes());
  std::map<uint32_t, InstanceChange> changes;
  for (const InstanceAction& a : step.actions) changes[a.instance] = a.change;
  EXPECT_EQ(changes, (std::map<uint32_t, InstanceChange>{{0, InstanceChange::kUnchanged},
                                                         {1, InstanceChange::kUpdate},
                                                         {2, InstanceChange::kUnchanged},
                                                         {3, InstanceChange::kRemove}}));
  EXPECT_EQ(step.total, 4u);
  EXPECT_THAT(Workflow::Update(v2, v1, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not newer")));
}

TEST(WorkflowTest, UpdatesGoUnavailableFirstAddsBeforeRemovesOrder) {
  FakeJob job(Spec(1, 4, 1));
  std::vector<InstanceRuntime> rts = job.Runtimes();
  rts[2].state = TaskState::kPending;  // unavailable: updated first
  rts[3].goal = TaskState::kKilled;    // stopped: next
  rts[3].state = TaskState::kKilled;
  auto w = Workflow::Update(Spec(1, 4, 1), Spec(2, 5, 2), {.batch_size = 3});
  ASSERT_THAT(w->Start(), IsOk());
  WorkflowStep step = w->Step(rts);
  ASSERT_EQ(step.actions.size(), 3u);
  EXPECT_EQ(step.actions[0].instance, 4u);  // the add
  EXPECT_EQ(step.actions[0].change, InstanceChange::kAdd);
  EXPECT_EQ(step.actions[1].instance, 2u);
  EXPECT_EQ(step.actions[2].instance, 3u);
}

// Scenario 12 (test__update_add_instances / overlapping updates): 3 -> 4, superseded by
// 4 -> 5 while running; the second wins.
TEST(WorkflowTest, OverlappingUpdateSupersedesAndGrowsTheJob) {
  FakeJob job(Spec(1, 3, 100));
  JobSpec v2 = Spec(2, 4, 200), v3 = Spec(3, 5, 300);
  job.AddVersion(v2);
  job.AddVersion(v3);
  auto first = Workflow::Update(Spec(1, 3, 100), v2, {.batch_size = 1});
  ASSERT_THAT(first->Start(), IsOk());
  WorkflowStep step = first->Step(job.Runtimes());
  job.Apply(step.actions);
  job.Settle();

  auto second = Workflow::Update(v2, v3, {.batch_size = 2});
  ASSERT_THAT(second, IsOk());
  first->Supersede();
  EXPECT_EQ(first->state(), UpdateState::kAborted);
  EXPECT_TRUE(first->Step(job.Runtimes()).actions.empty());
  ASSERT_THAT(second->Start(), IsOk());
  EXPECT_LE(RunToEnd(*second, job), 2u);
  EXPECT_EQ(second->state(), UpdateState::kSucceeded);
  for (uint32_t i = 0; i < 5; ++i) {
    ASSERT_NE(job.Get(i), nullptr) << i;
    EXPECT_EQ(job.ConfigOf(i), 300u) << i;
    EXPECT_EQ(job.Get(i)->state, TaskState::kRunning);
  }
}

TEST(WorkflowTest, ShrinkingRemovesInstances) {
  FakeJob job(Spec(1, 5, 1));
  auto w = Workflow::Update(Spec(1, 5, 1), Spec(2, 3, 1), {});
  ASSERT_THAT(w->Start(), IsOk());
  RunToEnd(*w, job);
  EXPECT_EQ(w->state(), UpdateState::kSucceeded);
  EXPECT_EQ(job.Runtimes().size(), 3u);
}

// Scenario 13 (test__auto_rollback_update_with_bad_config).
TEST(WorkflowTest, AutoRollbackAfterOneFailedInstance) {
  FakeJob job(Spec(1, 3, 100));
  JobSpec bad = Spec(2, 3, 666);
  job.AddVersion(bad);
  job.AddVersion(Spec(3, 3, 100));  // the rollback target: a copy of version 1
  job.MarkBad(666);
  auto w = Workflow::Update(Spec(1, 3, 100), bad,
                            {.batch_size = 1,
                             .rollback_on_failure = true,
                             .max_instance_attempts = 1,
                             .max_failure_instances = 1});
  ASSERT_THAT(w->Start(), IsOk());
  std::vector<UpdateState> seen;
  for (int round = 0; round < 20 && !IsTerminal(w->state()); ++round) {
    WorkflowStep step = w->Step(job.Runtimes());
    seen.push_back(step.state);
    job.Apply(step.actions);
    job.Settle();
  }
  EXPECT_THAT(seen, ::testing::Contains(UpdateState::kRollingBackward));
  EXPECT_EQ(w->state(), UpdateState::kRolledBack);
  EXPECT_TRUE(w->is_rollback());
  EXPECT_EQ(w->target_version(), 3u);
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(job.ConfigOf(i), 100u) << i;  // instance 0's spec equals the original
    EXPECT_EQ(job.Get(i)->state, TaskState::kRunning) << i;
    EXPECT_EQ(job.Get(i)->config_version, 3u) << i;
  }
}

TEST(WorkflowTest, FailsWithoutRollback) {
  FakeJob job(Spec(1, 3, 100));
  job.AddVersion(Spec(2, 3, 666));
  job.MarkBad(666);
  auto w =
      Workflow::Update(Spec(1, 3, 100), Spec(2, 3, 666),
                       {.batch_size = 2, .max_instance_attempts = 1, .max_failure_instances = 2});
  ASSERT_THAT(w->Start(), IsOk());
  RunToEnd(*w, job);
  EXPECT_EQ(w->state(), UpdateState::kFailed);
}

// Scenario 14 (test__pause_resume__update, test__abort_update, entity versions).
TEST(WorkflowTest, PauseResumeAbortAndEntityVersions) {
  FakeJob job(Spec(1, 3, 1));
  job.AddVersion(Spec(2, 3, 2));
  auto w = Workflow::Update(Spec(1, 3, 1), Spec(2, 3, 2), {.batch_size = 1});
  ASSERT_THAT(w->Start(), IsOk());
  job.Apply(w->Step(job.Runtimes()).actions);
  job.Settle();

  const uint64_t v = w->version();
  EXPECT_THAT(w->Pause(v - 1), StatusIs(absl::StatusCode::kAborted, HasSubstr("stale")));
  EXPECT_EQ(w->state(), UpdateState::kRollingForward);
  ASSERT_THAT(w->Pause(v), IsOk());
  EXPECT_EQ(w->state(), UpdateState::kPaused);
  EXPECT_EQ(w->paused_from(), UpdateState::kRollingForward);
  EXPECT_TRUE(w->Step(job.Runtimes()).actions.empty());  // paused: nothing moves
  EXPECT_THAT(w->Resume(v), StatusIs(absl::StatusCode::kAborted));
  ASSERT_THAT(w->Resume(w->version()), IsOk());
  RunToEnd(*w, job);
  EXPECT_EQ(w->state(), UpdateState::kSucceeded);
  EXPECT_THAT(w->Pause(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(w->Abort(), StatusIs(absl::StatusCode::kFailedPrecondition));

  auto aborted = Workflow::Update(Spec(2, 3, 2), Spec(3, 3, 3), {.batch_size = 1});
  ASSERT_THAT(aborted->Start(), IsOk());
  ASSERT_THAT(aborted->Abort(aborted->version()), IsOk());
  EXPECT_EQ(aborted->state(), UpdateState::kAborted);
  EXPECT_TRUE(aborted->Step(job.Runtimes()).actions.empty());
  EXPECT_THAT(aborted->Resume(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(WorkflowTest, PauseBeforeStartAndStartPaused) {
  auto w = Workflow::Update(Spec(1, 1, 1), Spec(2, 1, 2), {});
  ASSERT_THAT(w->Pause(), IsOk());  // test__pause_resume_initialized_update
  ASSERT_THAT(w->Resume(), IsOk());
  EXPECT_EQ(w->state(), UpdateState::kInitialized);
  ASSERT_THAT(w->Start(), IsOk());
  EXPECT_THAT(w->Start(), StatusIs(absl::StatusCode::kFailedPrecondition));

  auto paused = Workflow::Update(Spec(1, 1, 1), Spec(2, 1, 2), {.start_paused = true});
  ASSERT_THAT(paused->Start(), IsOk());
  EXPECT_EQ(paused->state(), UpdateState::kPaused);
  ASSERT_THAT(paused->Resume(), IsOk());
  EXPECT_EQ(paused->state(), UpdateState::kRollingForward);
}

// Scenario 15 (test__in_place_update_success_rate): 30 instances, batch 0, in place.
TEST(WorkflowTest, InPlaceUpdateKeepsEveryInstanceOnItsHost) {
  FakeJob job(Spec(1, 30, 1));
  job.AddVersion(Spec(2, 30, 2));
  std::map<uint32_t, std::string> hosts;
  for (const InstanceRuntime& rt : job.Runtimes()) hosts[rt.instance] = rt.host;
  auto w = Workflow::Update(Spec(1, 30, 1), Spec(2, 30, 2), {.batch_size = 0, .in_place = true});
  ASSERT_THAT(w->Start(), IsOk());
  WorkflowStep step = w->Step(job.Runtimes());
  ASSERT_EQ(step.actions.size(), 30u);  // batch 0: all at once
  for (const InstanceAction& a : step.actions) {
    ASSERT_TRUE(a.desired_host.has_value());
    EXPECT_EQ(*a.desired_host, hosts[a.instance]);
  }
  job.Apply(step.actions);
  job.Settle();
  RunToEnd(*w, job);
  EXPECT_EQ(w->state(), UpdateState::kSucceeded);
  for (const InstanceRuntime& rt : job.Runtimes()) EXPECT_EQ(rt.host, hosts[rt.instance]);
}

TEST(WorkflowTest, RestartBumpsRunIdsBatchByBatch) {
  FakeJob job(Spec(4, 4, 1));
  auto w = Workflow::Restart(Spec(4, 4, 1), {1, 3}, 1, false);
  ASSERT_THAT(w, IsOk());
  ASSERT_THAT(w->Start(), IsOk());
  WorkflowStep step = w->Step(job.Runtimes());
  ASSERT_EQ(step.actions.size(), 1u);
  EXPECT_EQ(step.actions[0].instance, 1u);
  EXPECT_EQ(step.actions[0].desired_run_id, 2u);
  EXPECT_EQ(step.actions[0].reason, TerminationReason::kKilledForRestart);
  job.Apply(step.actions);
  job.Settle();
  RunToEnd(*w, job);
  EXPECT_EQ(w->state(), UpdateState::kSucceeded);
  EXPECT_EQ(job.Get(0)->run_id, 1u);
  EXPECT_EQ(job.Get(1)->run_id, 2u);
  EXPECT_EQ(job.Get(3)->run_id, 2u);
  EXPECT_THAT(Workflow::Restart(Spec(4, 4, 1), {9}, 1, false),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("instance 9")));
}

TEST(WorkflowTest, StopThenStart) {
  FakeJob job(Spec(1, 3, 1));
  auto stop = Workflow::Stop(Spec(1, 3, 1), {}, 0);
  ASSERT_THAT(stop->Start(), IsOk());
  WorkflowStep step = stop->Step(job.Runtimes());
  ASSERT_EQ(step.actions.size(), 3u);
  EXPECT_EQ(step.actions[0].reason, TerminationReason::kKilledOnRequest);
  job.Apply(step.actions);
  job.Settle();
  RunToEnd(*stop, job);
  EXPECT_EQ(stop->state(), UpdateState::kSucceeded);
  for (const InstanceRuntime& rt : job.Runtimes()) EXPECT_EQ(rt.state, TaskState::kKilled);

  auto start = Workflow::Start(Spec(1, 3, 1), {0, 2}, 1);
  ASSERT_THAT(start->Start(), IsOk());
  RunToEnd(*start, job);
  EXPECT_EQ(start->state(), UpdateState::kSucceeded);
  EXPECT_EQ(job.Get(0)->state, TaskState::kRunning);
  EXPECT_EQ(job.Get(1)->state, TaskState::kKilled);
  EXPECT_EQ(job.Get(2)->state, TaskState::kRunning);
}

// Scenario 11 (test__host_maintenance_within_sla_limit / _violate_sla).
TEST(WorkflowTest, SlaAwareKillsKeepUnavailableWithinTheLimit) {
  std::vector<InstanceRuntime> rts(4);
  for (uint32_t i = 0; i < 4; ++i) {
    rts[i].instance = i;
    rts[i].state = TaskState::kRunning;
  }
  const std::vector<uint32_t> all = {0, 1, 2, 3};
  EXPECT_EQ(InstancesSafeToKill(rts, all, 1), (std::vector<uint32_t>{0}));  // one at a time
  rts[2].state = TaskState::kPending;  // one already unavailable
  EXPECT_EQ(InstancesSafeToKill(rts, {0, 1}, 1), (std::vector<uint32_t>{}));
  EXPECT_EQ(InstancesSafeToKill(rts, {2, 0}, 1), (std::vector<uint32_t>{2}));
  rts[1].health = HealthState::kUnhealthy;  // unhealthy counts as unavailable
  EXPECT_EQ(InstancesSafeToKill(rts, all, 3), (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(InstancesSafeToKill(rts, all, 0), all);  // no SLA
}

}  // namespace
}  // namespace peloton::taskfsm
