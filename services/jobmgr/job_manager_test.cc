// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The job manager's API: what each call stores and asks of its peers, and what it refuses.

#include <sqlite3.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/jobmgr/testing/job_manager_fixture.h"

namespace peloton::jobmgr::testing {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using taskfsm::JobState;
using taskfsm::MesosTaskState;
using taskfsm::TaskState;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST_F(JobManagerTest, CreateStoresTheJobAndQueuesItsTasks) {
  const JobId id = Create(kTwoTasks);
  PELOTON_ASSERT_OK_AND_ASSIGN(store::JobSummary stored, store_->GetJob(id));
  EXPECT_EQ(stored.runtime.goal_state, JobState::kSucceeded);
  EXPECT_EQ(JobState(id), JobState::kPending);
  EXPECT_THAT(pools_.enqueued, ElementsAre(TaskId(id, 0, 1), TaskId(id, 1, 1)));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks, store_->ListTaskRuntimes(id));
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[1].state, TaskState::kPending);
  EXPECT_EQ(tasks[1].goal_state, TaskState::kSucceeded);
}

TEST_F(JobManagerTest, CreateRefusesWhatItCannotRunAndStoresNothing) {
  job_pb::JobConfig config;
  ASSERT_THAT(api::YamlToProto(kTwoTasks, config).status(), IsOk());
  config.mutable_respoolid()->set_value("no-such-pool");
  EXPECT_THAT(jobs_->CreateJob(config).status(), StatusIs(absl::StatusCode::kNotFound));
  config.mutable_respoolid()->set_value("");
  EXPECT_THAT(jobs_->CreateJob(config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("respoolID")));
  EXPECT_THAT(TryCreate("instancecount: 0\n").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The resource manager refuses the gangs: the job is not kept.
  pools_.enqueue_error = absl::UnavailableError("resmgr down");
  EXPECT_THAT(TryCreate(kTwoTasks).status(), StatusIs(absl::StatusCode::kUnavailable));
  PELOTON_ASSERT_OK_AND_ASSIGN(store::JobQueryResult all, store_->QueryJobs({}));
  EXPECT_THAT(all.jobs, IsEmpty());
  EXPECT_THAT(pools_.enqueued, IsEmpty());
}

// Its tasks are queued, then written once: when the write fails, the job is neither kept nor
// left queued.
TEST_F(JobManagerTest, CreateWhoseTasksCannotBeWrittenKeepsNothingQueued) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/peloton.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER refuse BEFORE INSERT ON task_runtimes "
                         "BEGIN SELECT RAISE(ABORT, 'disk full'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const absl::Status refused = TryCreate(kTwoTasks).status();
  EXPECT_FALSE(refused.ok());
  EXPECT_THAT(refused.message(), HasSubstr("disk full"));
  ASSERT_EQ(pools_.enqueued.size(), 2u);  // queued, then taken out again
  EXPECT_THAT(pools_.removed, ElementsAre(pools_.enqueued[0], pools_.enqueued[1]));
  PELOTON_ASSERT_OK_AND_ASSIGN(store::JobQueryResult all, store_->QueryJobs({}));
  EXPECT_THAT(all.jobs, IsEmpty());

  ASSERT_EQ(sqlite3_exec(db, "DROP TRIGGER refuse", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  const JobId id = Create(kTwoTasks);  // and the next one is whole
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks, store_->ListTaskRuntimes(id));
  EXPECT_EQ(tasks.size(), 2u);
}

// What an instance's own config sets is what its gang asks for and what it launches with; the
// others take the default's.
TEST_F(JobManagerTest, AnInstanceConfigReachesItsGangAndItsLaunch) {
  const JobId id = Create(R"yaml(
instancecount: 2
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
instanceconfig:
  1:
    resource: {cpulimit: 2, memlimitmb: 128}
    command: {shell: true, value: 'sleep 60'}
)yaml");
  ASSERT_EQ(pools_.queued.size(), 2u);
  EXPECT_EQ(pools_.queued.at(TaskId(id, 0, 1)).gang.tasks[0].resources.milli_cpu(), 1000);
  EXPECT_EQ(pools_.queued.at(TaskId(id, 1, 1)).gang.tasks[0].resources.milli_cpu(), 2000);
  EXPECT_EQ(pools_.queued.at(TaskId(id, 1, 1)).gang.tasks[0].resources.memory_mb(), 128);
  Place();
  ASSERT_EQ(hosts_.launches.size(), 2u);
  for (const backend::LaunchSpec& spec : hosts_.launches) {
    EXPECT_EQ(spec.command, spec.task_id == TaskId(id, 1, 1) ? "sleep 60" : "sleep 3600");
  }
}

TEST_F(JobManagerTest, TasksOnOneHostShareItsNameAndTheirIdsWithTheirGangs) {
  const JobId id = Create(SleepingTasks(3));
  // The gang's task id is the job manager's own block, not a copy of its characters.
  EXPECT_TRUE(pools_.queued.at(TaskId(id, 0, 1))
                  .gang.tasks[0]
                  .task_id.SharesWith(Task(id, 0).mesos_task_id));
  Place();
  for (uint32_t i = 0; i < 3; ++i) Report(TaskId(id, i, 1), taskfsm::MesosTaskState::kRunning);
  ASSERT_EQ(Task(id, 0).host, "host-0");
  EXPECT_TRUE(Task(id, 0).host.SharesWith(Task(id, 1).host));
  EXPECT_TRUE(Task(id, 0).host.SharesWith(Task(id, 2).agent_id));
  // Ended and started again on the same host: the same block still.
  Report(TaskId(id, 2, 1), taskfsm::MesosTaskState::kFinished);
  EXPECT_EQ(Task(id, 2).host, "host-0");
  EXPECT_TRUE(Task(id, 2).host.SharesWith(Task(id, 0).host));
}

TEST_F(JobManagerTest, HostNamesNoTaskHoldsAreDropped) {
  const JobId id = Create(SleepingTasks(1));
  Place();
  // The task's host changes 2,000 times (a reconciliation may say so): the names it left
  // behind are not kept for good.
  for (int h = 0; h < 2000; ++h) {
    backend::TaskStatus s;
    s.task_id = TaskId(id, 0, 1);
    s.state = taskfsm::MesosTaskState::kRunning;
    s.hostname = absl::StrCat("host-", h);
    s.agent_id = s.hostname;
    jobs_->OnStatus(s);
  }
  EXPECT_EQ(Task(id, 0).host, "host-1999");
  EXPECT_LE(jobs_->shared_names(), 1024u);
}

TEST_F(JobManagerTest, UpdateAddsInstancesThatStartAsANewJobsDo) {
  const JobId id = Create(kTwoTasks);
  job_pb::JobConfig config;
  ASSERT_THAT(api::YamlToProto(kTwoTasks, config).status(), IsOk());
  config.set_instancecount(3);
  PELOTON_ASSERT_OK_AND_ASSIGN(uint32_t added, jobs_->UpdateJob(id, config));
  EXPECT_EQ(added, 1u);
  EXPECT_THAT(pools_.enqueued, ElementsAre(TaskId(id, 0, 1), TaskId(id, 1, 1), TaskId(id, 2, 1)));
  EXPECT_EQ(Task(id, 2).config_version, 2);
  config.set_instancecount(1);
  EXPECT_THAT(jobs_->UpdateJob(id, config).status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(JobManagerTest, StartRunsEndedInstancesAgainAsNewRuns) {
  const JobId id = Create(kTwoTasks);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 1, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 0, 1), MesosTaskState::kFailed, "exit code 1");  // no retries by default
  Report(TaskId(id, 1, 1), MesosTaskState::kFinished);
  EXPECT_EQ(JobState(id), JobState::kFailed);
  ASSERT_THAT(jobs_->StartTasks(id, 0, 2), IsOk());
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(Task(id, 0).state, TaskState::kPending);
  EXPECT_EQ(Task(id, 0).failure_count, 0u);
  EXPECT_EQ(Task(id, 1).mesos_task_id, TaskId(id, 1, 1));  // SUCCEEDED: done
  EXPECT_EQ(JobState(id), JobState::kPending);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobId> active, store_->ListActiveJobs());
  EXPECT_THAT(active, ElementsAre(id));  // active again
}

TEST_F(JobManagerTest, StopOfARangeLeavesTheOthersRunning) {
  const JobId id = Create(kTwoTasks);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 1, 1), MesosTaskState::kRunning);
  ASSERT_THAT(jobs_->StopTasks(id, 1, 2), IsOk());
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 1, 1)));
  EXPECT_EQ(Task(id, 0).goal_state, TaskState::kSucceeded);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView view, jobs_->GetJob(id));
  EXPECT_EQ(view.runtime.goal_state, JobState::kSucceeded);  // not every task is stopped
}

// What a client following a job polls: GetJob's runtime, counts and instances (JobProgress,
// without the config); an unknown job is refused alike.
TEST_F(JobManagerTest, StatusIsTheJobWithoutItsConfig) {
  const JobId id = Create(kTwoTasks);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView full, jobs_->GetJob(id));
  PELOTON_ASSERT_OK_AND_ASSIGN(JobProgress status, jobs_->GetJobStatus(id));
  EXPECT_EQ(full.config.instancecount(), 2u);
  EXPECT_EQ(status.id, id);
  EXPECT_EQ(status.runtime.state, full.runtime.state);
  EXPECT_EQ(status.runtime.config_version, full.runtime.config_version);
  EXPECT_EQ(status.task_counts, full.task_counts);
  EXPECT_EQ(status.task_counts[static_cast<int>(TaskState::kRunning)], 1u);
  EXPECT_EQ(status.instances, 2u);
  EXPECT_THAT(jobs_->GetJobStatus(JobId("no-such-job")).status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(JobManagerTest, DeleteRefusesAJobThatIsNotTerminal) {
  const JobId id = Create(kTwoTasks);
  EXPECT_THAT(jobs_->DeleteJob(id),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("stop it first")));
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  EXPECT_EQ(JobState(id), JobState::kKilled);
  EXPECT_THAT(jobs_->DeleteJob(id), IsOk());
  EXPECT_THAT(store_->GetJob(id).status(), StatusIs(absl::StatusCode::kNotFound));
}

// A round of launches stops at its budget: the rest wait, LAUNCHED, for LaunchDeferred, oldest
// first. One stopped while it waits is never launched: it ends KILLED, its allocation back.
TEST_F(JobManagerTest, LaunchesOverTheBudgetWaitAndStoppedOnesNeverLaunch) {
  absl::Time launch_now = now_;
  options_.launch_budget = absl::Milliseconds(1);
  // Each reading 1 ms on: a round launches one task, then its budget is spent.
  options_.launch_clock = [&launch_now] { return launch_now += absl::Milliseconds(1); };
  jobs_ = std::make_unique<JobManager>(*store_, pools_, hosts_, gen_, options_);
  const JobId first = Create(kTwoTasks);
  Place();
  ASSERT_EQ(hosts_.launches.size(), 1u);
  EXPECT_EQ(hosts_.launches[0].task_id, TaskId(first, 0, 1));
  EXPECT_TRUE(jobs_->launches_deferred());
  EXPECT_EQ(Task(first, 1).state, TaskState::kLaunched);  // recorded before any launch

  const JobId second = Create(kTwoTasks);
  Place();  // the waiting one goes first
  ASSERT_EQ(hosts_.launches.size(), 2u);
  EXPECT_EQ(hosts_.launches[1].task_id, TaskId(first, 1, 1));

  ASSERT_THAT(jobs_->StopJob(second), IsOk());
  const int64_t releases = hosts_.releases;
  EXPECT_FALSE(jobs_->LaunchDeferred());
  ASSERT_THAT(jobs_->Flush(), IsOk());
  EXPECT_EQ(hosts_.launches.size(), 2u);  // neither of the second job's ran
  EXPECT_EQ(hosts_.releases, releases + 2);
  for (uint32_t i : {0u, 1u}) {
    EXPECT_EQ(Task(second, i).state, TaskState::kKilled);
    EXPECT_EQ(Task(second, i).message, "stopped before it was launched");
  }
  EXPECT_EQ(JobState(second), JobState::kKilled);
  EXPECT_EQ(Task(first, 1).state, TaskState::kLaunched);
}

}  // namespace
}  // namespace peloton::jobmgr::testing
