// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A job manager started again over the store of one that stopped (reference §1.6): what it
// sends its peers, and that every task goes on where it was.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/jobmgr/testing/job_manager_fixture.h"

namespace peloton::jobmgr::testing {
namespace {

using ::peloton::testing::IsOk;
using taskfsm::JobState;
using taskfsm::MesosTaskState;
using taskfsm::TaskState;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kThreeTasks[] = R"yaml(
instancecount: 3
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml";

backend::TaskStatus Running(const std::string& id) {
  backend::TaskStatus s;
  s.task_id = id;
  s.state = taskfsm::MesosTaskState::kRunning;
  s.hostname = "host-0";
  return s;
}

using RecoveryTest = JobManagerTest;

TEST_F(RecoveryTest, TasksOnHostsAreAdoptedAndReconciledQueuedOnesQueuedAgain) {
  const JobId id = Create(kThreeTasks);
  pools_.queued.erase(TaskId(id, 2, 1));  // instance 2 stays queued (the double forgot it)
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  pools_.enqueued.clear();
  hosts_.reconciled = {Running(TaskId(id, 0, 1)), Running(TaskId(id, 1, 1))};
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_THAT(pools_.adopted, UnorderedElementsAre(TaskId(id, 0, 1), TaskId(id, 1, 1)));
  EXPECT_THAT(hosts_.reconciling, UnorderedElementsAre(TaskId(id, 0, 1), TaskId(id, 1, 1)));
  EXPECT_THAT(pools_.enqueued, ElementsAre(TaskId(id, 2, 1)));
  EXPECT_EQ(Task(id, 1).state, TaskState::kRunning);  // LAUNCHED before, running now
  EXPECT_EQ(JobState(id), JobState::kRunning);
}

TEST_F(RecoveryTest, AKillInFlightIsSentAgain) {
  const JobId id = Create(kThreeTasks);
  Place();
  for (uint32_t i = 0; i < 3; ++i) Report(TaskId(id, i, 1), MesosTaskState::kRunning);
  ASSERT_THAT(jobs_->StopTasks(id, 0, 1), IsOk());
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 0, 1)));
  hosts_.reconciled = {Running(TaskId(id, 0, 1)), Running(TaskId(id, 1, 1)),
                       Running(TaskId(id, 2, 1))};
  ASSERT_NO_FATAL_FAILURE(Restart());
  // The one being killed is killed again (the first kill may never have left), not the others.
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 0, 1), TaskId(id, 0, 1)));
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilling);
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilled);
}

TEST_F(RecoveryTest, ARestartAskedForBeforeTheCrashIsCarriedOut) {
  const JobId id = Create(kThreeTasks);
  Place();
  for (uint32_t i = 0; i < 3; ++i) Report(TaskId(id, i, 1), MesosTaskState::kRunning);
  ASSERT_THAT(jobs_->RestartTasks(id, 1, 2), IsOk());
  hosts_.reconciled = {Running(TaskId(id, 0, 1)), Running(TaskId(id, 1, 1)),
                       Running(TaskId(id, 2, 1))};
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(Task(id, 1).desired_mesos_task_id, TaskId(id, 1, 2));  // kept in the store
  Report(TaskId(id, 1, 1), MesosTaskState::kKilled);
  EXPECT_EQ(Task(id, 1).mesos_task_id, TaskId(id, 1, 2));
  EXPECT_EQ(Task(id, 1).state, TaskState::kPending);
}

TEST_F(RecoveryTest, ALaunchedTaskThatNeverRunsIsLaunchedAgainAfterTheTimeout) {
  options_.launch_timeout = absl::Minutes(10);
  const JobId id = Create(R"yaml(
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml");
  Place();
  hosts_.reconciled = {};  // the backend has not answered for it yet
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_EQ(Task(id, 0).state, TaskState::kLaunched);
  Advance(absl::Minutes(10));  // counted from its launch, kept in the store
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 2));
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 0, 1)));
}

TEST_F(RecoveryTest, AJobWhoseGoalIsKilledHasEveryTaskKilled) {
  const JobId id = Create(kThreeTasks);
  Place();
  for (uint32_t i = 0; i < 3; ++i) Report(TaskId(id, i, 1), MesosTaskState::kRunning);
  // The job's goal became KILLED but its tasks' goals were not written (job_kill sets them).
  PELOTON_ASSERT_OK_AND_ASSIGN(store::JobSummary stored, store_->GetJob(id));
  stored.runtime.goal_state = JobState::kKilled;
  ASSERT_THAT(store_->WriteJobRuntime(id, stored.runtime), IsOk());
  hosts_.reconciled = {Running(TaskId(id, 0, 1)), Running(TaskId(id, 1, 1)),
                       Running(TaskId(id, 2, 1))};
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_THAT(hosts_.kills,
              UnorderedElementsAre(TaskId(id, 0, 1), TaskId(id, 1, 1), TaskId(id, 2, 1)));
  for (uint32_t i = 0; i < 3; ++i) EXPECT_EQ(Task(id, i).goal_state, TaskState::kKilled);
  for (uint32_t i = 0; i < 3; ++i) Report(TaskId(id, i, 1), MesosTaskState::kKilled);
  EXPECT_EQ(JobState(id), JobState::kKilled);
  EXPECT_EQ(hosts_.kills.size(), 3u);  // once each
}

TEST_F(RecoveryTest, ServiceTasksAJobWasCreatedWithoutAreWrittenWithTheirGoal) {
  // A crash after the job was stored and before its tasks were: recovery writes them.
  job_pb::JobConfig config;
  ASSERT_THAT(api::YamlToProto(R"yaml(
type: SERVICE
instancecount: 2
respoolid: {value: leaf-pool}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml",
                               config)
                  .status(),
              IsOk());
  store::JobConfigRecord record;
  record.job_id = JobId("0c0f3a4e-9c39-4c53-a1a0-b4b2b4f5e001");
  record.config = config.SerializeAsString();
  record.pool_id = PoolId(kLeafPoolId);
  record.type = taskfsm::JobType::kService;
  record.instance_count = 2;
  store::JobRuntime runtime;
  runtime.state = JobState::kInitialized;
  runtime.goal_state = JobState::kRunning;
  ASSERT_THAT(store_->CreateJob(record, runtime), IsOk());
  ASSERT_NO_FATAL_FAILURE(Restart());
  for (uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(Task(record.job_id, i).goal_state, TaskState::kRunning);
    EXPECT_EQ(Task(record.job_id, i).state, TaskState::kPending);
  }
  EXPECT_THAT(pools_.enqueued,
              UnorderedElementsAre(TaskId(record.job_id, 0, 1), TaskId(record.job_id, 1, 1)));
}

TEST_F(RecoveryTest, TerminalJobsAreNotTakenOver) {
  const JobId id = Create(R"yaml(
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'true'}
)yaml");
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kFinished);
  ASSERT_NO_FATAL_FAILURE(Restart());
  EXPECT_THAT(hosts_.reconciling, IsEmpty());
  EXPECT_EQ(JobState(id), JobState::kSucceeded);
}

}  // namespace
}  // namespace peloton::jobmgr::testing
