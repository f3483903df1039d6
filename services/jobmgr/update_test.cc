// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Rolling updates of service jobs through the job manager (v0 UpdateService): batch by batch,
// growing and shrinking, auto-rollback of a bad config, pause/resume/abort with entity
// versions, superseding, and an update taken up again after a crash without an instance
// updated twice or skipped.

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/taskfsm/task_id.h"
#include "services/jobmgr/testing/job_manager_fixture.h"

namespace peloton::jobmgr::testing {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using taskfsm::MesosTaskState;
using taskfsm::TaskState;
using taskfsm::UpdateState;
using ::testing::HasSubstr;

std::string Service(uint32_t instances, const std::string& command) {
  return absl::StrCat(R"yaml(
type: SERVICE
instancecount: )yaml",
                      instances, R"yaml(
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64, disklimitmb: 10}
  command: {shell: true, value: ')yaml",
                      command, "'}\n");
}

class UpdateTest : public JobManagerTest {
 protected:
  job_pb::JobConfig Config(const std::string& yaml) {
    job_pb::JobConfig config;
    EXPECT_THAT(api::YamlToProto(yaml, config).status(), IsOk());
    return config;
  }
  // A service job with every instance running.
  JobId RunningService(uint32_t instances, const std::string& command) {
    const JobId id = Create(Service(instances, command));
    Place();
    for (uint32_t i = 0; i < instances; ++i) Report(TaskId(id, i, 1), MesosTaskState::kRunning);
    hosts_.launches.clear();  // the update's launches are what the tests look at
    return id;
  }
  // The cluster's part: every kill ends the task, every admitted gang is launched and runs,
  // until nothing changes; `crash` commands fail at once instead of running. Returns the
  // largest number of instances not RUNNING seen between rounds.
  uint32_t Settle(const JobId& id, const std::string& crash = "", int rounds = 50) {
    uint32_t most_down = 0;
    for (int round = 0; round < rounds; ++round) {
      const size_t kills = hosts_.kills.size();
      const size_t launches = hosts_.launches.size();
      std::vector<std::string> kill = std::exchange(hosts_.kills, {});
      for (const std::string& task : kill) Report(task, MesosTaskState::kKilled);
      Place();
      std::vector<backend::LaunchSpec> launched = std::exchange(hosts_.launches, {});
      for (const backend::LaunchSpec& l : launched) {
        all_launches_.push_back(l);
        Report(l.task_id.str(), !crash.empty() && l.command == crash ? MesosTaskState::kFailed
                                                                     : MesosTaskState::kRunning);
      }
      uint32_t down = 0;
      for (const store::TaskRuntime& t : Tasks(id)) {
        if (t.goal_state != TaskState::kDeleted && t.state != TaskState::kRunning) ++down;
      }
      most_down = std::max(most_down, down);
      if (kills == 0 && launches == 0 && kill.empty() && launched.empty()) break;
    }
    return most_down;
  }
  std::vector<store::TaskRuntime> Tasks(const JobId& id) {
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks = jobs_->ListTasks(id);
    EXPECT_THAT(tasks.status(), IsOk());
    return tasks.ok() ? *tasks : std::vector<store::TaskRuntime>{};
  }
  UpdateView Get(const std::string& update) {
    absl::StatusOr<UpdateView> view = jobs_->GetUpdate(update);
    EXPECT_THAT(view.status(), IsOk());
    return view.ok() ? *view : UpdateView{};
  }
  std::vector<backend::LaunchSpec> all_launches_;
};

update_pb::UpdateConfig Batch(uint32_t size) {
  update_pb::UpdateConfig c;
  c.set_batchsize(size);
  return c;
}

// Scenario 12 (test__create_update_with_batch_size).
TEST_F(UpdateTest, ARollingUpdateMovesOneBatchAtATime) {
  const JobId id = RunningService(3, "sleep 100");
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string update,
                               jobs_->CreateUpdate(id, Config(Service(3, "sleep 200")), Batch(1)));
  // Only the first batch is killed.
  EXPECT_THAT(hosts_.kills, ::testing::ElementsAre(TaskId(id, 0, 1)));
  EXPECT_EQ(Get(update).record.state, UpdateState::kRollingForward);
  EXPECT_LE(Settle(id), 1u);
  const UpdateView done = Get(update);
  EXPECT_EQ(done.record.state, UpdateState::kSucceeded);
  EXPECT_EQ(done.record.instances_done, 3u);
  EXPECT_EQ(done.record.config_version, 2);
  EXPECT_EQ(done.record.prev_config_version, 1);
  ASSERT_EQ(all_launches_.size(), 3u);
  for (const backend::LaunchSpec& l : all_launches_) EXPECT_EQ(l.command, "sleep 200");
  for (const store::TaskRuntime& t : Tasks(id)) {
    EXPECT_EQ(t.state, TaskState::kRunning);
    EXPECT_EQ(t.config_version, 2);
    EXPECT_EQ(t.mesos_task_id, TaskId(id, t.instance_id, 2));  // a new pod each
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView job, jobs_->GetJob(id));
  EXPECT_EQ(job.runtime.update_id, update);
  EXPECT_EQ(job.runtime.config_version, 2);
  EXPECT_EQ(job.config.defaultconfig().command().value(), "sleep 200");
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::InstanceWorkflowEvent> events,
                               store_->GetInstanceWorkflowEvents(update, 1));
  EXPECT_EQ(events.size(), 1u);
}

// Scenario 12 (test__update_add_instances, test__update_reduce_instances, overlapping).
TEST_F(UpdateTest, UpdatesGrowAndShrinkAndANewOneSupersedesTheRunningOne) {
  const JobId id = RunningService(3, "sleep 100");
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string first,
                               jobs_->CreateUpdate(id, Config(Service(4, "sleep 200")), Batch(1)));
  // The second, before the first is done, takes the job to 5 instances.
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string second,
                               jobs_->CreateUpdate(id, Config(Service(5, "sleep 300")), Batch(2)));
  EXPECT_EQ(Get(first).record.state, UpdateState::kAborted);
  Settle(id);
  EXPECT_EQ(Get(second).record.state, UpdateState::kSucceeded);
  std::vector<store::TaskRuntime> tasks = Tasks(id);
  ASSERT_EQ(tasks.size(), 5u);
  for (const store::TaskRuntime& t : tasks) {
    EXPECT_EQ(t.state, TaskState::kRunning) << t.instance_id;
    EXPECT_EQ(t.config_version, 3) << t.instance_id;
  }
  EXPECT_EQ(JobState(id), taskfsm::JobState::kRunning);

  // Down to 2: instances 2..4 are killed and removed.
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string shrink,
                               jobs_->CreateUpdate(id, Config(Service(2, "sleep 300")), Batch(0)));
  Settle(id);
  EXPECT_EQ(Get(shrink).record.state, UpdateState::kSucceeded);
  tasks = Tasks(id);
  for (uint32_t i = 2; i < 5; ++i) EXPECT_EQ(tasks[i].state, TaskState::kDeleted) << i;
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView job, jobs_->GetJob(id));
  EXPECT_EQ(job.instances, 2u);
  EXPECT_EQ(job.runtime.state, taskfsm::JobState::kRunning);
}

// Scenario 13 (test__auto_rollback_update_with_bad_config).
TEST_F(UpdateTest, ABadConfigRollsBackToTheOriginal) {
  const JobId id = RunningService(3, "sleep 100");
  update_pb::UpdateConfig c = Batch(1);
  c.set_rollbackonfailure(true);
  c.set_maxinstanceattempts(1);
  c.set_maxfailureinstances(1);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string update,
                               jobs_->CreateUpdate(id, Config(Service(3, "exit 1")), c));
  Settle(id, "exit 1");
  const UpdateView view = Get(update);
  EXPECT_EQ(view.record.state, UpdateState::kRolledBack);
  EXPECT_TRUE(view.rollback);
  EXPECT_EQ(view.record.config_version, 3);  // the rollback target: a copy of version 1
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView job, jobs_->GetJob(id));
  EXPECT_EQ(job.config.defaultconfig().command().value(), "sleep 100");
  for (const store::TaskRuntime& t : Tasks(id)) {
    EXPECT_EQ(t.state, TaskState::kRunning) << t.instance_id;
    PELOTON_ASSERT_OK_AND_ASSIGN(store::JobConfigRecord r,
                                 store_->GetJobConfig(id, t.config_version));
    job_pb::JobConfig config;
    ASSERT_TRUE(config.ParseFromString(r.config));
    EXPECT_EQ(config.defaultconfig().command().value(), "sleep 100") << t.instance_id;
  }
  // Only instance 0 ever ran the bad config: the batch held the others back.
  int bad = 0;
  for (const backend::LaunchSpec& l : all_launches_) bad += l.command == "exit 1";
  EXPECT_EQ(bad, 1);
}

// Scenario 14 (test__pause_resume__update, test__abort_update, bad entity versions).
TEST_F(UpdateTest, PauseResumeAndAbortCheckTheEntityVersion) {
  const JobId id = RunningService(3, "sleep 100");
  update_pb::UpdateConfig c = Batch(1);
  c.set_startpaused(true);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string update,
                               jobs_->CreateUpdate(id, Config(Service(3, "sleep 200")), c));
  UpdateView view = Get(update);
  EXPECT_EQ(view.record.state, UpdateState::kPaused);
  EXPECT_TRUE(hosts_.kills.empty());  // paused: nothing moves
  EXPECT_THAT(jobs_->ResumeUpdate(update, view.workflow_version + 7),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("stale")));
  ASSERT_THAT(jobs_->ResumeUpdate(update, view.workflow_version), IsOk());
  EXPECT_EQ(hosts_.kills.size(), 1u);
  // Stale after the resume.
  EXPECT_THAT(jobs_->PauseUpdate(update, view.workflow_version),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_THAT(jobs_->PauseUpdate(update, std::nullopt, "paused by test"), IsOk());
  view = Get(update);
  EXPECT_EQ(view.record.state, UpdateState::kPaused);
  EXPECT_EQ(view.record.opaque_data, "paused by test");
  Settle(id);  // the batch in flight finishes, no new one starts
  EXPECT_EQ(Get(update).record.instances_done, 1u);
  EXPECT_EQ(Task(id, 1).config_version, 1);
  ASSERT_THAT(jobs_->ResumeUpdate(update), IsOk());
  Settle(id);
  EXPECT_EQ(Get(update).record.state, UpdateState::kSucceeded);

  PELOTON_ASSERT_OK_AND_ASSIGN(std::string next,
                               jobs_->CreateUpdate(id, Config(Service(3, "sleep 300")), Batch(1)));
  ASSERT_THAT(jobs_->AbortUpdate(next), IsOk());
  EXPECT_EQ(Get(next).record.state, UpdateState::kAborted);
  EXPECT_THAT(jobs_->AbortUpdate(next), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(jobs_->ResumeUpdate(update), StatusIs(absl::StatusCode::kFailedPrecondition));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<UpdateView> list, jobs_->ListUpdates(id));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].record.update_id, next);  // newest first
}

// Issue 17 §2: a job manager killed in the middle takes the update up where it was.
TEST_F(UpdateTest, AnUpdateGoesOnAfterARestartWithNoInstanceUpdatedTwice) {
  const JobId id = RunningService(4, "sleep 100");
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string update,
                               jobs_->CreateUpdate(id, Config(Service(6, "sleep 200")), Batch(2)));
  // The first batch (the two adds) runs, the second (two updates) is being killed: crash.
  Place();
  for (backend::LaunchSpec& l : std::exchange(hosts_.launches, {})) {
    all_launches_.push_back(l);
    Report(l.task_id.str(), MesosTaskState::kRunning);
  }
  ASSERT_EQ(hosts_.kills.size(), 2u);
  std::vector<backend::TaskStatus> running;
  for (const store::TaskRuntime& t : Tasks(id)) {
    backend::TaskStatus s;
    s.task_id = t.mesos_task_id;
    s.state = MesosTaskState::kRunning;
    s.hostname = s.agent_id = "host-0";
    running.push_back(s);
  }
  hosts_.reconciled = running;
  hosts_.kills.clear();
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(hosts_.kills.size(), 2u);  // the kills in flight are sent again, nothing more
  Settle(id);
  EXPECT_EQ(Get(update).record.state, UpdateState::kSucceeded);
  std::multiset<uint32_t> started;
  for (const backend::LaunchSpec& l : all_launches_) {
    EXPECT_EQ(l.command, "sleep 200");
    PELOTON_ASSERT_OK_AND_ASSIGN(taskfsm::MesosTaskId tid, taskfsm::ParseMesosTaskId(l.task_id));
    started.insert(tid.instance);
  }
  for (uint32_t i = 0; i < 6; ++i) EXPECT_EQ(started.count(i), 1u) << "instance " << i;
}

// Scenario 15 (test__in_place_update_success_rate): each updated instance's next run asks
// placement for the host it ran on, as a hint (not a pin).
TEST_F(UpdateTest, AnInPlaceUpdateHintsEachInstancesHost) {
  const JobId id = RunningService(2, "sleep 100");
  const std::string host = Task(id, 0).host.str();
  ASSERT_FALSE(host.empty());
  update_pb::UpdateConfig c = Batch(0);
  c.set_inplace(true);
  PELOTON_ASSERT_OK(jobs_->CreateUpdate(id, Config(Service(2, "sleep 200")), c).status());
  for (uint32_t i = 0; i < 2; ++i) Report(TaskId(id, i, 1), MesosTaskState::kKilled);
  for (uint32_t i = 0; i < 2; ++i) {
    PELOTON_ASSERT_OK_AND_ASSIGN(placement::TaskSpec spec, jobs_->TaskSpecOf(TaskId(id, i, 2)));
    EXPECT_EQ(spec.desired_host, host) << i;
    EXPECT_FALSE(spec.pinned) << i;
  }
  // Without in-place there is no hint.
  Place();
  for (uint32_t i = 0; i < 2; ++i) Report(TaskId(id, i, 2), MesosTaskState::kRunning);
  PELOTON_ASSERT_OK(jobs_->CreateUpdate(id, Config(Service(2, "sleep 300")), Batch(0)).status());
  Report(TaskId(id, 0, 2), MesosTaskState::kKilled);
  PELOTON_ASSERT_OK_AND_ASSIGN(placement::TaskSpec plain, jobs_->TaskSpecOf(TaskId(id, 0, 3)));
  EXPECT_EQ(plain.desired_host, "");
}

// v1alpha restart --in-place: each restarted instance's next run asks for its host too.
TEST_F(UpdateTest, AnInPlaceRestartHintsEachInstancesHost) {
  const JobId id = RunningService(2, "sleep 100");
  const std::string host = Task(id, 1).host.str();
  ASSERT_FALSE(host.empty());
  PELOTON_ASSERT_OK(
      jobs_->StartRollingWorkflow(id, taskfsm::WorkflowType::kRestart, 0, 2, 0, true).status());
  for (uint32_t i = 0; i < 2; ++i) Report(TaskId(id, i, 1), MesosTaskState::kKilled);
  PELOTON_ASSERT_OK_AND_ASSIGN(placement::TaskSpec spec, jobs_->TaskSpecOf(TaskId(id, 1, 2)));
  EXPECT_EQ(spec.desired_host, host);
  EXPECT_FALSE(spec.pinned);
}

// job rolling-restart / rolling-stop / rolling-start (reference §3.9, 7).
TEST_F(UpdateTest, RollingRestartStopAndStartGoBatchByBatch) {
  const JobId id = RunningService(4, "sleep 100");
  PELOTON_ASSERT_OK_AND_ASSIGN(
      std::string restart,
      jobs_->StartRollingWorkflow(id, taskfsm::WorkflowType::kRestart, 1, UINT32_MAX, 2));
  EXPECT_THAT(hosts_.kills, ::testing::ElementsAre(TaskId(id, 1, 1), TaskId(id, 2, 1)));
  EXPECT_LE(Settle(id), 2u);
  UpdateView view = Get(restart);
  EXPECT_EQ(view.record.type, taskfsm::WorkflowType::kRestart);
  EXPECT_EQ(view.record.state, UpdateState::kSucceeded);
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 1));  // outside the range
  for (uint32_t i = 1; i < 4; ++i) EXPECT_EQ(Task(id, i).mesos_task_id, TaskId(id, i, 2)) << i;

  PELOTON_ASSERT_OK_AND_ASSIGN(
      std::string stop, jobs_->StartRollingWorkflow(id, taskfsm::WorkflowType::kStop, 0, 4, 1));
  EXPECT_EQ(hosts_.kills.size(), 1u);
  Settle(id);
  EXPECT_EQ(Get(stop).record.state, UpdateState::kSucceeded);
  EXPECT_EQ(JobState(id), taskfsm::JobState::kKilled);

  PELOTON_ASSERT_OK_AND_ASSIGN(
      std::string start,
      jobs_->StartRollingWorkflow(id, taskfsm::WorkflowType::kStart, 0, UINT32_MAX, 3));
  Settle(id);
  EXPECT_EQ(Get(start).record.state, UpdateState::kSucceeded);
  EXPECT_EQ(JobState(id), taskfsm::JobState::kRunning);
  for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(Task(id, i).state, TaskState::kRunning) << i;

  EXPECT_THAT(jobs_->StartRollingWorkflow(id, taskfsm::WorkflowType::kRestart, 7, 9, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no instance")));
}

// Scenario 11 (test__host_maintenance_within_sla_limit / _violate_sla).
TEST_F(UpdateTest, MaintenanceMovesNoMoreInstancesThanTheSlaAllows) {
  const JobId id = Create(Service(4, "sleep 100") + "sla: {maximumunavailableinstances: 1}\n");
  Place();
  for (uint32_t i = 0; i < 4; ++i) Report(TaskId(id, i, 1), MesosTaskState::kRunning);
  // Every instance is on the draining host: one is moved at a time.
  for (uint32_t i = 0; i < 4; ++i) hosts_.draining_tasks.push_back(TaskId(id, i, 1));
  jobs_->EvictFromDrainingHosts();
  EXPECT_THAT(hosts_.kills, ::testing::ElementsAre(TaskId(id, 0, 1)));
  jobs_->EvictFromDrainingHosts();  // the first is not back yet: nothing more
  EXPECT_EQ(hosts_.kills.size(), 1u);
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  Place();  // its replacement (elsewhere, in the cluster) runs
  Report(TaskId(id, 0, 2), MesosTaskState::kRunning);
  hosts_.draining_tasks.erase(hosts_.draining_tasks.begin());
  jobs_->EvictFromDrainingHosts();
  EXPECT_THAT(hosts_.kills, ::testing::ElementsAre(TaskId(id, 0, 1), TaskId(id, 1, 1)));
  // An instance unavailable for another reason holds the SLA's place: nothing moves.
  Report(TaskId(id, 1, 1), MesosTaskState::kKilled);
  Place();
  Report(TaskId(id, 1, 2), MesosTaskState::kRunning);
  hosts_.draining_tasks.erase(hosts_.draining_tasks.begin());
  Report(TaskId(id, 3, 1), MesosTaskState::kFailed, "crashed");
  hosts_.kills.clear();
  jobs_->EvictFromDrainingHosts();
  EXPECT_TRUE(hosts_.kills.empty());
  // Without an SLA everything on the host moves at once.
  const JobId free = RunningService(3, "sleep 100");
  hosts_.draining_tasks = {TaskId(free, 0, 1), TaskId(free, 1, 1), TaskId(free, 2, 1)};
  jobs_->EvictFromDrainingHosts();
  EXPECT_EQ(hosts_.kills.size(), 3u);
}

TEST_F(UpdateTest, WhatCannotBeUpdatedIsRefusedAndNothingChanges) {
  const JobId batch = Create(R"yaml(
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64, disklimitmb: 10}
  command: {shell: true, value: 'true'}
)yaml");
  EXPECT_THAT(jobs_->CreateUpdate(batch, Config(Service(1, "true")), Batch(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("only SERVICE jobs")));
  const JobId id = RunningService(2, "sleep 100");
  update_pb::UpdateConfig stop_first = Batch(1);
  stop_first.set_stopbeforeupdate(true);
  EXPECT_THAT(jobs_->CreateUpdate(id, Config(Service(2, "sleep 200")), stop_first),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("stopBeforeUpdate")));
  update_pb::UpdateConfig too_many = Batch(1);
  too_many.set_maxfailureinstances(3);
  EXPECT_THAT(jobs_->CreateUpdate(id, Config(Service(2, "sleep 200")), too_many),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("maxFailureInstances")));
  job_pb::JobConfig other_pool = Config(Service(2, "sleep 200"));
  other_pool.mutable_respoolid()->set_value("another-pool");
  EXPECT_THAT(jobs_->CreateUpdate(id, other_pool, Batch(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("respoolID")));
  PELOTON_ASSERT_OK_AND_ASSIGN(store::JobConfigRecord config, store_->GetJobConfig(id));
  EXPECT_EQ(config.version, 1);
  EXPECT_TRUE(hosts_.kills.empty());
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<UpdateView> list, jobs_->ListUpdates(id));
  EXPECT_TRUE(list.empty());
  // A stopped job stays inactive when its update is refused.
  const JobId stopped = RunningService(1, "sleep 100");
  ASSERT_THAT(jobs_->StopJob(stopped), IsOk());
  Report(TaskId(stopped, 0, 1), MesosTaskState::kKilled);
  ASSERT_EQ(JobState(stopped), taskfsm::JobState::kKilled);
  EXPECT_THAT(jobs_->CreateUpdate(stopped, Config(Service(1, "sleep 200")), too_many),
              StatusIs(absl::StatusCode::kInvalidArgument));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobId> active, store_->ListActiveJobs());
  EXPECT_THAT(active, ::testing::Not(::testing::Contains(stopped)));
  // A stopped job is updated, and stays stopped: its instances are on the new config, the
  // job is KILLED and no longer active once the update is done.
  PELOTON_ASSERT_OK_AND_ASSIGN(
      std::string offline, jobs_->CreateUpdate(stopped, Config(Service(1, "sleep 200")), Batch(1)));
  EXPECT_EQ(Get(offline).record.state, UpdateState::kSucceeded);
  EXPECT_EQ(Task(stopped, 0).state, TaskState::kKilled);
  EXPECT_EQ(Task(stopped, 0).desired_config_version, 2);
  EXPECT_EQ(JobState(stopped), taskfsm::JobState::kKilled);
  PELOTON_ASSERT_OK_AND_ASSIGN(active, store_->ListActiveJobs());
  EXPECT_THAT(active, ::testing::Not(::testing::Contains(stopped)));
  // An update running refuses v0 Update (add instances).
  PELOTON_ASSERT_OK(jobs_->CreateUpdate(id, Config(Service(2, "sleep 200")), Batch(1)).status());
  EXPECT_THAT(jobs_->UpdateJob(id, Config(Service(3, "sleep 200"))),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("running")));
}

// v1alpha entity versions (reference §3.9): "<config>-<desired state>-<workflow>", checked
// before each change and moved by it as Peloton moves them.
TEST_F(UpdateTest, TheJobsEntityVersionMovesWithItsConfigGoalAndWorkflows) {
  const JobId id = RunningService(2, "sleep 100");
  const auto version = [&] {
    absl::StatusOr<std::string> v = jobs_->EntityVersion(id);
    EXPECT_THAT(v.status(), IsOk());
    return v.value_or("");
  };
  EXPECT_EQ(version(), "1-1-1");
  PELOTON_EXPECT_OK(jobs_->CheckEntityVersion(id, "1-1-1"));
  EXPECT_THAT(jobs_->CheckEntityVersion(id, "1-1-2"),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("unexpected entity version")));
  // An update: a new config and a new workflow ("2-1-2", as Peloton's ReplaceJob from 1-1-1).
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string update,
                               jobs_->CreateUpdate(id, Config(Service(2, "sleep 200")), Batch(1)));
  EXPECT_EQ(version(), "2-1-2");
  // The same update again changes nothing, not even the version.
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string same,
                               jobs_->CreateUpdate(id, Config(Service(2, "sleep 200")), Batch(1)));
  EXPECT_EQ(same, update);
  EXPECT_EQ(version(), "2-1-2");
  PELOTON_ASSERT_OK(jobs_->PauseUpdate(update));
  EXPECT_EQ(version(), "2-1-3");
  PELOTON_ASSERT_OK(jobs_->ResumeUpdate(update));
  EXPECT_EQ(version(), "2-1-4");
  Settle(id);
  EXPECT_EQ(Get(update).record.state, UpdateState::kSucceeded);
  EXPECT_EQ(version(), "2-1-4");  // progress moves nothing
  PELOTON_ASSERT_OK(jobs_->StopJob(id));
  EXPECT_EQ(version(), "2-2-4");
  Settle(id);
  PELOTON_ASSERT_OK(jobs_->StartJob(id));
  EXPECT_EQ(version(), "2-3-4");
  Settle(id);
  for (const store::TaskRuntime& t : Tasks(id)) EXPECT_EQ(t.state, TaskState::kRunning);
  PELOTON_ASSERT_OK_AND_ASSIGN(
      std::string restart,
      jobs_->StartRollingWorkflow(id, taskfsm::WorkflowType::kRestart, 0, 2, 1));
  EXPECT_EQ(version(), "2-3-5");
  Settle(id);
  EXPECT_EQ(Get(restart).record.state, UpdateState::kSucceeded);
  // Kept across a restart of the job manager.
  Restart();
  EXPECT_EQ(version(), "2-3-5");
}

// v1alpha CreateJob: the instances come a batch at a time, by a workflow from nothing; the job
// is at 1-1-1 all the same; a creation taken up after a restart starts each instance once.
TEST_F(UpdateTest, ARollingCreationAddsInstancesABatchAtATime) {
  job_pb::JobConfig config = Config(Service(3, "sleep 100"));
  config.mutable_respoolid()->set_value(kLeafPoolId);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, jobs_->CreateJob(config, Batch(1)));
  EXPECT_EQ(jobs_->EntityVersion(id).value_or(""), "1-1-1");
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView job, jobs_->GetJob(id));
  const std::string creation = job.runtime.update_id;
  ASSERT_FALSE(creation.empty());
  EXPECT_EQ(Tasks(id).size(), 1u);  // the first batch only
  Place();
  ASSERT_EQ(hosts_.launches.size(), 1u);
  EXPECT_EQ(hosts_.launches[0].task_id, TaskId(id, 0, 1));
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  hosts_.launches.clear();
  Restart();  // mid-creation
  Settle(id);
  EXPECT_EQ(Get(creation).record.state, UpdateState::kSucceeded);
  ASSERT_EQ(Tasks(id).size(), 3u);
  for (const store::TaskRuntime& t : Tasks(id)) {
    EXPECT_EQ(t.state, TaskState::kRunning);
    EXPECT_EQ(t.mesos_task_id, TaskId(id, t.instance_id, 1));  // each started once
  }
  EXPECT_EQ(jobs_->EntityVersion(id).value_or(""), "1-1-1");
  EXPECT_THAT(jobs_->RollbackUpdate(creation),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("created the job")));

  // Started paused: nothing runs until it is resumed.
  update_pb::UpdateConfig paused = Batch(0);
  paused.set_startpaused(true);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId later, jobs_->CreateJob(config, paused));
  Place();
  EXPECT_TRUE(hosts_.launches.empty());
  PELOTON_ASSERT_OK_AND_ASSIGN(job, jobs_->GetJob(later));
  PELOTON_ASSERT_OK(jobs_->ResumeUpdate(job.runtime.update_id));
  Settle(later);
  for (const store::TaskRuntime& t : Tasks(later)) EXPECT_EQ(t.state, TaskState::kRunning);
  // Refused, with nothing stored: a rollback on failure, another type.
  update_pb::UpdateConfig rollback = Batch(1);
  rollback.set_rollbackonfailure(true);
  EXPECT_THAT(jobs_->CreateJob(config, rollback),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot roll back")));
  job_pb::JobConfig batch = config;
  batch.set_type(job_pb::BATCH);
  EXPECT_THAT(jobs_->CreateJob(batch, Batch(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("for SERVICE jobs")));
  PELOTON_ASSERT_OK_AND_ASSIGN(store::JobQueryResult all, jobs_->QueryJobs({}));
  EXPECT_EQ(all.jobs.size(), 2u);
}

// startTasks (v1alpha start_pods): an update of a stopped job starts each instance it reaches,
// on the new config; without it they stay stopped (the other test of a stopped job).
TEST_F(UpdateTest, AnUpdateThatStartsTasksRunsAStoppedJobAgain) {
  const JobId id = RunningService(2, "sleep 100");
  PELOTON_ASSERT_OK(jobs_->StopJob(id));
  Settle(id);
  for (const store::TaskRuntime& t : Tasks(id)) ASSERT_EQ(t.state, TaskState::kKilled);
  update_pb::UpdateConfig start = Batch(1);
  start.set_starttasks(true);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string update,
                               jobs_->CreateUpdate(id, Config(Service(2, "sleep 300")), start));
  Settle(id);
  EXPECT_EQ(Get(update).record.state, UpdateState::kSucceeded);
  for (const store::TaskRuntime& t : Tasks(id)) {
    EXPECT_EQ(t.state, TaskState::kRunning);
    EXPECT_EQ(t.config_version, 2);
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView job, jobs_->GetJob(id));
  EXPECT_EQ(job.runtime.goal_state, taskfsm::JobState::kRunning);
}

// v1alpha DeleteJob: without force only a KILLED job; with force a running one is killed, then
// deleted, also when the job manager restarts in between.
TEST_F(UpdateTest, AForcedDeleteKillsThenDeletesTheJob) {
  const JobId id = RunningService(2, "sleep 100");
  EXPECT_THAT(jobs_->DeleteJob(id, false),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("job is not stopped")));
  // In the middle of an update (paused, so that it would wait for ever): it is aborted.
  update_pb::UpdateConfig paused = Batch(1);
  paused.set_startpaused(true);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::string update,
                               jobs_->CreateUpdate(id, Config(Service(2, "sleep 200")), paused));
  PELOTON_ASSERT_OK(jobs_->DeleteJob(id, true));
  EXPECT_EQ(Get(update).record.state, UpdateState::kAborted);
  EXPECT_EQ(hosts_.kills.size(), 2u);
  EXPECT_EQ(jobs_->EntityVersion(id).value_or(""), "2-2-3");
  Restart();  // the goal DELETED is stored
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView dying, jobs_->GetJob(id));
  EXPECT_EQ(dying.runtime.goal_state, taskfsm::JobState::kDeleted);
  for (const std::string& task : std::exchange(hosts_.kills, {})) {
    Report(task, MesosTaskState::kKilled);
  }
  PELOTON_ASSERT_OK(jobs_->Flush());
  EXPECT_THAT(jobs_->GetJob(id).status(), StatusIs(absl::StatusCode::kNotFound));

  const JobId stopped = RunningService(1, "sleep 100");
  PELOTON_ASSERT_OK(jobs_->StopJob(stopped));
  Settle(stopped);
  PELOTON_ASSERT_OK(jobs_->DeleteJob(stopped, false));
  EXPECT_THAT(jobs_->GetJob(stopped).status(), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace peloton::jobmgr::testing
