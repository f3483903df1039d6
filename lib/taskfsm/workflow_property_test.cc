// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Properties of rolling updates (issue 17, §3): for random update specs and random failures,
// no more instances than the batch size are down for the workflow at once (failed instances,
// which hold no place in the batch, aside), and every instance ends on exactly one config: the
// target's after SUCCEEDED, the previous one's after ROLLED_BACK. Half the trials take a
// checkpoint at a random round and go on from a workflow restored from it, as a job manager
// does after a crash, so the restored workflow must keep the same promises.

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "peloton/taskfsm/workflow.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::taskfsm {
namespace {

using ::peloton::testing::IsOk;

// A job whose instances run (or crash) as the task engine would make them: an instance whose
// desired config differs from its config, or that is not running and may still retry, starts
// a new run at its desired config; a run fails with the trial's probability.
class RandomJob {
 public:
  RandomJob(const JobSpec& spec, std::mt19937_64& gen, double fail) : gen_(gen), fail_(fail) {
    configs_[spec.version] = spec.instance_config;
    for (uint32_t i = 0; i < spec.instance_count(); ++i) {
      InstanceRuntime rt;
      rt.instance = i;
      rt.state = TaskState::kRunning;
      rt.config_version = rt.desired_config_version = spec.version;
      rts_[i] = rt;
    }
  }
  void AddVersion(const JobSpec& spec) { configs_[spec.version] = spec.instance_config; }
  std::vector<InstanceRuntime> Runtimes() const {
    std::vector<InstanceRuntime> out;
    for (const auto& [i, rt] : rts_) out.push_back(rt);
    return out;
  }
  const std::map<uint32_t, InstanceRuntime>& runtimes() const { return rts_; }
  uint64_t ConfigOf(const InstanceRuntime& rt) const {
    return configs_.at(rt.config_version).at(rt.instance);
  }

  void Apply(const std::vector<InstanceAction>& actions) {
    for (const InstanceAction& a : actions) {
      switch (a.change) {
        case InstanceChange::kAdd:
        case InstanceChange::kUpdate: {
          InstanceRuntime& rt = rts_[a.instance];
          rt.instance = a.instance;
          if (a.change == InstanceChange::kAdd && rt.config_version == 0) {
            rt.state = TaskState::kInitialized;
          }
          rt.desired_config_version = a.config_version;
          rt.failure_count = 0;
          break;
        }
        case InstanceChange::kUnchanged:
          rts_[a.instance].config_version = rts_[a.instance].desired_config_version =
              a.config_version;
          break;
        case InstanceChange::kRemove:
          rts_.erase(a.instance);
          break;
        default:
          break;
      }
    }
  }

  void Settle(uint32_t max_attempts) {
    std::bernoulli_distribution fails(fail_);
    for (auto& [i, rt] : rts_) {
      const bool stale = rt.config_version != rt.desired_config_version;
      const bool retry =
          rt.state != TaskState::kRunning && (max_attempts == 0 || rt.failure_count < max_attempts);
      if (!stale && !retry) continue;
      rt.config_version = rt.desired_config_version;
      ++rt.run_id;
      if (fails(gen_)) {
        rt.state = TaskState::kFailed;
        ++rt.failure_count;
      } else {
        rt.state = TaskState::kRunning;
      }
    }
  }

 private:
  std::mt19937_64& gen_;
  double fail_;
  std::map<uint32_t, InstanceRuntime> rts_;
  std::map<uint64_t, std::vector<uint64_t>> configs_;
};

JobSpec RandomSpec(uint64_t version, uint32_t n, std::mt19937_64& gen) {
  JobSpec s{version, {}};
  std::uniform_int_distribution<uint64_t> config(1, 3);
  for (uint32_t i = 0; i < n; ++i) s.instance_config.push_back(config(gen));
  return s;
}

TEST(WorkflowPropertyTest, BatchBoundAndOneConfigPerInstanceUnderRandomFailures) {
  std::mt19937_64 gen(20261203);
  int succeeded = 0, rolled_back = 0, failed = 0, restored = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::uniform_int_distribution<uint32_t> count(1, 12);
    const JobSpec v1 = RandomSpec(1, count(gen), gen);
    const JobSpec v2 = RandomSpec(2, count(gen), gen);
    const JobSpec v3{3, v1.instance_config};  // the rollback target, as the job manager writes it
    UpdateSpec spec;
    spec.batch_size = std::uniform_int_distribution<uint32_t>(1, 4)(gen);
    spec.max_instance_attempts = std::uniform_int_distribution<uint32_t>(0, 3)(gen);
    spec.max_failure_instances = std::uniform_int_distribution<uint32_t>(0, 3)(gen);
    spec.rollback_on_failure = std::bernoulli_distribution(0.5)(gen);
    const double fail = std::uniform_real_distribution<double>(0, 0.4)(gen);
    RandomJob job(v1, gen, fail);
    job.AddVersion(v2);
    job.AddVersion(v3);
    absl::StatusOr<Workflow> w = Workflow::Update(v1, v2, spec);
    ASSERT_THAT(w, IsOk());
    ASSERT_THAT(w->Start(), IsOk());
    const int restore_at =
        std::bernoulli_distribution(0.5)(gen) ? std::uniform_int_distribution<int>(0, 10)(gen) : -1;
    for (int round = 0; round < 500 && !IsTerminal(w->state()); ++round) {
      if (round == restore_at) {
        const WorkflowCheckpoint c = w->Checkpoint();
        const JobSpec& previous = v1;
        const JobSpec& target = c.rollback ? v3 : v2;
        absl::StatusOr<Workflow> back =
            Workflow::FromCheckpoint(c, previous, target, job.Runtimes());
        ASSERT_THAT(back, IsOk());
        *w = *std::move(back);
        ++restored;
      }
      WorkflowStep step = w->Step(job.Runtimes());
      job.Apply(step.actions);
      // Down for the workflow: moved to its target and not running it yet, or not running at
      // it; minus those failed for good (they hold no place in the batch).
      uint32_t down = 0;
      for (const auto& [i, rt] : job.runtimes()) {
        if (rt.desired_config_version != w->target_version()) continue;
        const bool available =
            rt.state == TaskState::kRunning && rt.config_version == rt.desired_config_version;
        const bool gave_up =
            spec.max_instance_attempts > 0 && rt.failure_count >= spec.max_instance_attempts;
        if (!available && !gave_up) ++down;
      }
      ASSERT_LE(down, spec.batch_size) << "trial " << trial << " round " << round;
      job.Settle(spec.max_instance_attempts);
    }
    ASSERT_TRUE(IsTerminal(w->state())) << "trial " << trial;
    switch (w->state()) {
      case UpdateState::kSucceeded: {
        ++succeeded;
        ASSERT_EQ(job.runtimes().size(), v2.instance_count()) << "trial " << trial;
        for (const auto& [i, rt] : job.runtimes()) {
          EXPECT_EQ(rt.config_version, 2u) << "trial " << trial << " instance " << i;
          EXPECT_EQ(job.ConfigOf(rt), v2.instance_config[i]) << "trial " << trial;
        }
        break;
      }
      case UpdateState::kRolledBack: {
        ++rolled_back;
        ASSERT_EQ(job.runtimes().size(), v1.instance_count()) << "trial " << trial;
        for (const auto& [i, rt] : job.runtimes()) {
          EXPECT_TRUE(rt.config_version == 1 || rt.config_version == 3) << "trial " << trial;
          EXPECT_EQ(rt.config_version, rt.desired_config_version) << "trial " << trial;
          EXPECT_EQ(job.ConfigOf(rt), v1.instance_config[i]) << "trial " << trial;
        }
        break;
      }
      case UpdateState::kFailed:
        ++failed;
        for (const auto& [i, rt] : job.runtimes()) {
          EXPECT_EQ(rt.config_version, rt.desired_config_version) << "trial " << trial;
        }
        break;
      default:
        ADD_FAILURE() << "trial " << trial << " ended " << Name(w->state());
    }
  }
  // The trials cover every ending and the restores.
  EXPECT_GT(succeeded, 0);
  EXPECT_GT(rolled_back, 0);
  EXPECT_GT(failed, 0);
  EXPECT_GT(restored, 50);
}

TEST(WorkflowPropertyTest, ACheckpointRestoresTheSameWorkflow) {
  // Mid-restart: the restored workflow waits for the same runs and hands out the rest.
  JobSpec job{4, std::vector<uint64_t>(5, 1)};
  absl::StatusOr<Workflow> w = Workflow::Restart(job, {}, 2, false);
  ASSERT_THAT(w, IsOk());
  ASSERT_THAT(w->Start(), IsOk());
  std::vector<InstanceRuntime> rts(5);
  for (uint32_t i = 0; i < 5; ++i) {
    rts[i].instance = i;
    rts[i].state = TaskState::kRunning;
    rts[i].config_version = rts[i].desired_config_version = 4;
  }
  WorkflowStep first = w->Step(rts);
  ASSERT_EQ(first.actions.size(), 2u);
  for (const InstanceAction& a : first.actions) rts[a.instance].desired_run_id = a.desired_run_id;
  const WorkflowCheckpoint c = w->Checkpoint();
  EXPECT_EQ(c.processed, (std::vector<uint32_t>{0, 1}));
  absl::StatusOr<Workflow> back = Workflow::FromCheckpoint(c, job, job, rts);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->version(), w->version());
  EXPECT_EQ(back->state(), UpdateState::kRollingForward);
  WorkflowStep again = back->Step(rts);
  EXPECT_TRUE(again.actions.empty());  // instances 0 and 1 still restarting
  EXPECT_EQ(again.in_progress, 2u);
  for (uint32_t i : {0u, 1u}) rts[i].run_id = 2;
  WorkflowStep next = back->Step(rts);
  ASSERT_EQ(next.actions.size(), 2u);
  EXPECT_EQ(next.actions[0].instance, 2u);
  EXPECT_EQ(next.done, 2u);

  // Bad checkpoints are refused.
  WorkflowCheckpoint bad = c;
  bad.processed.push_back(9);
  EXPECT_FALSE(Workflow::FromCheckpoint(bad, job, job, rts).ok());
  bad = c;
  bad.target_version = 5;
  EXPECT_FALSE(Workflow::FromCheckpoint(bad, job, job, rts).ok());
  bad = c;
  bad.adds = {1};
  EXPECT_FALSE(Workflow::FromCheckpoint(bad, job, job, rts).ok());
}

}  // namespace
}  // namespace peloton::taskfsm
