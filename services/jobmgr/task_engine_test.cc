// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The goal-state engine's actions, as its peers see them (recording doubles): what is queued,
// launched, killed and shut down, and each task's runs.

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/jobmgr/testing/job_manager_fixture.h"

namespace peloton::jobmgr::testing {
namespace {

using ::peloton::testing::IsOk;
using taskfsm::JobState;
using taskfsm::MesosTaskState;
using taskfsm::TaskState;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kOneTask[] = R"yaml(
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  killgraceperiodseconds: 5
  command: {shell: true, value: 'sleep 3600'}
)yaml";

// A running single-task job.
class TaskEngineTest : public JobManagerTest {
 protected:
  JobId StartRunning(const std::string& yaml = kOneTask) {
    const JobId id = Create(yaml);
    Place();
    Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
    EXPECT_EQ(Task(id, 0).state, TaskState::kRunning);
    return id;
  }
};

TEST_F(TaskEngineTest, StartTaskQueuesLaunchesAndFollowsTheRunToSuccess) {
  const JobId id = Create(kOneTask);
  EXPECT_THAT(pools_.enqueued, ElementsAre(TaskId(id, 0, 1)));
  EXPECT_EQ(Task(id, 0).state, TaskState::kPending);
  Place();
  ASSERT_EQ(hosts_.launches.size(), 1u);
  EXPECT_EQ(hosts_.launches[0].task_id, TaskId(id, 0, 1));
  EXPECT_EQ(Task(id, 0).state, TaskState::kLaunched);
  EXPECT_THAT(pools_.launched, ElementsAre(TaskId(id, 0, 1)));
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  EXPECT_EQ(JobState(id), JobState::kRunning);
  Report(TaskId(id, 0, 1), MesosTaskState::kFinished);
  EXPECT_EQ(Task(id, 0).state, TaskState::kSucceeded);
  EXPECT_EQ(JobState(id), JobState::kSucceeded);
  EXPECT_THAT(pools_.ended, ElementsAre(TaskId(id, 0, 1)));
  // untrack: a terminal batch job leaves the active jobs.
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobId> active, store_->ListActiveJobs());
  EXPECT_THAT(active, IsEmpty());
}

TEST_F(TaskEngineTest, FailRetryRunsAgainWhileTheRestartPolicyAllows) {
  const JobId id = StartRunning(R"yaml(
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  restartpolicy: {maxfailures: 2}  # failures allowed in all (Peloton: retried while fewer)
  command: {shell: true, value: 'exit 3'}
)yaml");
  Report(TaskId(id, 0, 1), MesosTaskState::kFailed, "exit code 3");
  store::TaskRuntime t = Task(id, 0);
  EXPECT_EQ(t.mesos_task_id, TaskId(id, 0, 2));  // initialize_task, then start_task
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.failure_count, 1u);
  Place();
  Report(TaskId(id, 0, 2), MesosTaskState::kFailed, "exit code 3");
  t = Task(id, 0);
  EXPECT_EQ(t.mesos_task_id, TaskId(id, 0, 2));  // no third run
  EXPECT_EQ(t.state, TaskState::kFailed);
  EXPECT_EQ(t.failure_count, 2u);
  EXPECT_EQ(JobState(id), JobState::kFailed);
}

TEST_F(TaskEngineTest, ALostTaskRunsAgainWithoutCountingAFailure) {
  const JobId id = StartRunning();
  Report(TaskId(id, 0, 1), MesosTaskState::kLost);
  const store::TaskRuntime t = Task(id, 0);
  EXPECT_EQ(t.mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.failure_count, 0u);
}

TEST_F(TaskEngineTest, StopTaskKillsOnTheHostAndTakesQueuedTasksOutOfTheirQueue) {
  const JobId id = Create(R"yaml(
instancecount: 2
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml");
  // Instance 0 runs; instance 1 is still queued.
  pools_.queued.erase(TaskId(id, 1, 1));
  Place();
  fairshare::Gang second;
  second.id = TaskId(id, 1, 1);
  pools_.queued.emplace(second.id, resmgr::ReadyGang{PoolId(kLeafPoolId), second});
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);

  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 0, 1)));
  EXPECT_THAT(pools_.removed, ElementsAre(TaskId(id, 1, 1)));
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilling);
  EXPECT_EQ(Task(id, 1).state, TaskState::kKilled);
  EXPECT_EQ(Task(id, 0).goal_state, TaskState::kKilled);
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilled);
  EXPECT_EQ(JobState(id), JobState::kKilled);
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 1));  // not run again
}

TEST_F(TaskEngineTest, ARestartStopsTheRunThenStartsTheNextOne) {
  const JobId id = StartRunning();
  ASSERT_THAT(jobs_->RestartTasks(id, 0, 1), IsOk());
  store::TaskRuntime t = Task(id, 0);
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 0, 1)));
  EXPECT_EQ(t.state, TaskState::kKilling);
  EXPECT_EQ(t.desired_mesos_task_id, TaskId(id, 0, 2));  // the goal: a new run
  // A restart asked for twice is one restart.
  ASSERT_THAT(jobs_->RestartTasks(id, 0, 1), IsOk());
  EXPECT_EQ(hosts_.kills.size(), 1u);
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  t = Task(id, 0);
  EXPECT_EQ(t.mesos_task_id, TaskId(id, 0, 2));
  EXPECT_TRUE(t.desired_mesos_task_id.empty());
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.failure_count, 0u);  // asked for: not a failure
  EXPECT_THAT(pools_.enqueued, ElementsAre(TaskId(id, 0, 1), TaskId(id, 0, 2)));
}

TEST_F(TaskEngineTest, PreemptionEndsTheRunAndQueuesANewOne) {
  const JobId id = StartRunning();
  jobs_->Preempt({TaskId(id, 0, 1)});
  EXPECT_EQ(Task(id, 0).state, TaskState::kPreempting);
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 0, 1)));
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled, "killed");
  const store::TaskRuntime t = Task(id, 0);
  EXPECT_EQ(t.mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.failure_count, 0u);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PodEvent> events, jobs_->PodEvents(id, 0, 2));
  bool preempted = false;
  for (const store::PodEvent& e : events) {
    preempted |=
        e.run_id == 1 && e.actual_state == TaskState::kKilled && e.message == "preempted: killed";
  }
  EXPECT_TRUE(preempted);
}

TEST_F(TaskEngineTest, ATaskThatFinishesWhilePreemptedIsDone) {
  const JobId id = StartRunning();
  jobs_->Preempt({TaskId(id, 0, 1)});
  Report(TaskId(id, 0, 1), MesosTaskState::kFinished);
  EXPECT_EQ(Task(id, 0).state, TaskState::kSucceeded);
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 1));
  EXPECT_EQ(JobState(id), JobState::kSucceeded);
}

TEST_F(TaskEngineTest, KillOnPreemptLeavesTheTaskKilled) {
  const JobId id = StartRunning(R"yaml(
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  preemptionpolicy: {killonpreempt: true}
  command: {shell: true, value: 'sleep 3600'}
)yaml");
  jobs_->Preempt({TaskId(id, 0, 1)});
  EXPECT_EQ(Task(id, 0).goal_state, TaskState::kPreempting);
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilling);
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilled);
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 1));
  EXPECT_EQ(JobState(id), JobState::kKilled);
}

TEST_F(TaskEngineTest, ATaskPreemptedBeforeItsLaunchIsDroppedAndQueuedAgain) {
  const JobId id = Create(kOneTask);
  std::vector<resmgr::ReadyGang> admitted = pools_.DequeueReady(10);
  ASSERT_EQ(admitted.size(), 1u);
  EXPECT_THAT(jobs_->TaskSpecOf(TaskId(id, 0, 1)).status(), IsOk());
  jobs_->Preempt({TaskId(id, 0, 1)});
  EXPECT_FALSE(jobs_->TaskSpecOf(TaskId(id, 0, 1)).ok());  // no longer waits for a host
  jobs_->Dropped(admitted);
  const store::TaskRuntime t = Task(id, 0);
  EXPECT_EQ(t.mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_THAT(hosts_.kills, IsEmpty());
}

TEST_F(TaskEngineTest, AStoppedQueuedTaskLeavesItsQueue) {
  const JobId id = Create(kOneTask);
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  EXPECT_THAT(pools_.removed, ElementsAre(TaskId(id, 0, 1)));
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilled);
  EXPECT_EQ(JobState(id), JobState::kKilled);
  Place();
  EXPECT_THAT(hosts_.launches, IsEmpty());
}

TEST_F(TaskEngineTest, AStoppedTaskThatWasAdmittedIsNotLaunched) {
  const JobId id = Create(kOneTask);
  std::vector<resmgr::ReadyGang> admitted = pools_.DequeueReady(10);
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  EXPECT_THAT(pools_.removed, IsEmpty());  // not queued any more: placement has it
  EXPECT_FALSE(jobs_->TaskSpecOf(TaskId(id, 0, 1)).ok());
  // Placement placed it all the same (it raced the stop): the allocation goes back.
  placement_engine::PlacedGang placed;
  placed.pool = admitted[0].pool;
  placed.gang = admitted[0].gang;
  placed.allocations.resize(1);
  jobs_->Launch({placed});
  ASSERT_THAT(jobs_->Flush(), IsOk());
  EXPECT_THAT(hosts_.launches, IsEmpty());
  EXPECT_EQ(hosts_.releases, 1);
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilled);
  EXPECT_EQ(JobState(id), JobState::kKilled);
}

TEST_F(TaskEngineTest, ASecondPlacementOfALaunchedTaskOnlyGivesItsHostBack) {
  const JobId id = Create(kOneTask);
  std::vector<resmgr::ReadyGang> admitted = pools_.DequeueReady(10);
  placement_engine::PlacedGang placed;
  placed.pool = admitted[0].pool;
  placed.gang = admitted[0].gang;
  placed.allocations.resize(1);
  jobs_->Launch({placed});
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  // A placement engine that timed out at the resource manager answers late for the same run.
  jobs_->Launch({placed});
  ASSERT_THAT(jobs_->Flush(), IsOk());
  EXPECT_EQ(hosts_.launches.size(), 1u);
  EXPECT_EQ(hosts_.releases, 1);
  EXPECT_THAT(pools_.ended, IsEmpty());  // the running run keeps its pool allocation
  EXPECT_EQ(Task(id, 0).state, TaskState::kRunning);
}

TEST_F(TaskEngineTest, ExecutorShutdownEndsAKillThatDidNotEndTheTaskOnce) {
  options_.kill_timeout_margin = absl::Seconds(10);
  jobs_ = std::make_unique<JobManager>(*store_, pools_, hosts_, gen_, options_);
  const JobId id = StartRunning();
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  Advance(absl::Seconds(14));  // grace 5 s + margin 10 s not over yet
  EXPECT_THAT(hosts_.shutdowns, IsEmpty());
  Advance(absl::Seconds(1));
  EXPECT_THAT(hosts_.shutdowns, ElementsAre(TaskId(id, 0, 1)));
  Advance(absl::Minutes(10));
  EXPECT_EQ(hosts_.shutdowns.size(), 1u);  // once
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  EXPECT_EQ(JobState(id), JobState::kKilled);
}

TEST_F(TaskEngineTest, LaunchRetryLaunchesAgainATaskThatNeverRan) {
  options_.launch_timeout = absl::Minutes(10);
  jobs_ = std::make_unique<JobManager>(*store_, pools_, hosts_, gen_, options_);
  const JobId id = Create(kOneTask);
  Place();
  Advance(absl::Minutes(9));
  EXPECT_EQ(Task(id, 0).state, TaskState::kLaunched);
  Advance(absl::Minutes(1));
  const store::TaskRuntime t = Task(id, 0);
  EXPECT_EQ(t.mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 0, 1)));  // the old run, in case it shows up
  EXPECT_EQ(t.failure_count, 0u);
  // It does show up: an orphan, killed again, and the current run is left alone.
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 0, 1), TaskId(id, 0, 1)));
  EXPECT_EQ(Task(id, 0).state, TaskState::kPending);
}

TEST_F(TaskEngineTest, ARunningTaskHasNoLaunchTimer) {
  options_.launch_timeout = absl::Minutes(10);
  jobs_ = std::make_unique<JobManager>(*store_, pools_, hosts_, gen_, options_);
  const JobId id = StartRunning();
  Advance(absl::Hours(1));
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 1));
  EXPECT_THAT(hosts_.kills, IsEmpty());
}

TEST_F(TaskEngineTest, MaximumRunningInstancesHoldsTasksInitializedUntilOthersEnd) {
  const JobId id = Create(R"yaml(
instancecount: 3
sla: {maximumrunninginstances: 1}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'true'}
)yaml");
  EXPECT_THAT(pools_.enqueued, ElementsAre(TaskId(id, 0, 1)));
  EXPECT_EQ(Task(id, 1).state, TaskState::kInitialized);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 0, 1), MesosTaskState::kFinished);
  EXPECT_THAT(pools_.enqueued, ElementsAre(TaskId(id, 0, 1), TaskId(id, 1, 1)));
  EXPECT_EQ(Task(id, 2).state, TaskState::kInitialized);
}

TEST_F(TaskEngineTest, AStopOfOneGangMemberTakesTheWholeGangOutOfItsQueue) {
  const JobId id = Create(R"yaml(
instancecount: 3
sla: {minimumrunninginstances: 2}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'true'}
)yaml");
  // Instances 0 and 1 are one gang (its id is instance 0's), instance 2 goes alone.
  EXPECT_THAT(pools_.enqueued, ElementsAre(TaskId(id, 0, 1), TaskId(id, 2, 1)));
  ASSERT_THAT(jobs_->StopTasks(id, 1, 2), IsOk());
  EXPECT_THAT(pools_.removed, ElementsAre(TaskId(id, 0, 1)));
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilled);
  EXPECT_EQ(Task(id, 0).goal_state, TaskState::kKilled);
  EXPECT_EQ(Task(id, 1).state, TaskState::kKilled);
  EXPECT_EQ(Task(id, 2).state, TaskState::kPending);
}

// SERVICE jobs (reference §3.8, terminated_retry).
constexpr char kService[] = R"yaml(
type: SERVICE
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml";

TEST_F(TaskEngineTest, AServiceTaskThatEndsRunsAgainThrottledExponentially) {
  const JobId id = StartRunning(kService);
  EXPECT_EQ(Task(id, 0).goal_state, TaskState::kRunning);
  EXPECT_EQ(JobState(id), JobState::kRunning);
  Report(TaskId(id, 0, 1), MesosTaskState::kFailed, "exit code 1");
  store::TaskRuntime t = Task(id, 0);
  EXPECT_EQ(t.state, TaskState::kFailed);
  EXPECT_EQ(t.failure_count, 1u);
  EXPECT_THAT(t.message, HasSubstr("Task throttled due to failure"));
  Advance(absl::Seconds(29));
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 1));  // 30 s after the first failure
  Advance(absl::Seconds(1));
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(Task(id, 0).state, TaskState::kPending);
  Place();
  Report(TaskId(id, 0, 2), MesosTaskState::kRunning);
  // Exiting 0 is a failure too for a task that should run: 60 s this time.
  Report(TaskId(id, 0, 2), MesosTaskState::kFinished);
  EXPECT_EQ(Task(id, 0).failure_count, 2u);
  // Its state follows its tasks' (SUCCEEDED, as Peloton derives it), but its goal stays
  // RUNNING: it is not untracked, and the task runs again.
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView view, jobs_->GetJob(id));
  EXPECT_EQ(view.runtime.goal_state, JobState::kRunning);
  Advance(absl::Seconds(59));
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 2));
  Advance(absl::Seconds(1));
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 3));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobId> active, store_->ListActiveJobs());
  EXPECT_THAT(active, ElementsAre(id));
}

TEST_F(TaskEngineTest, AServiceRunThatRanLongEnoughStartsItsFailureCountAfresh) {
  options_.failure_count_reset = absl::Minutes(10);
  jobs_ = std::make_unique<JobManager>(*store_, pools_, hosts_, gen_, options_);
  const JobId id = StartRunning(kService);
  Report(TaskId(id, 0, 1), MesosTaskState::kFailed);
  Advance(absl::Seconds(30));
  Place();
  Report(TaskId(id, 0, 2), MesosTaskState::kRunning);
  now_ += absl::Minutes(10);
  Report(TaskId(id, 0, 2), MesosTaskState::kFailed);
  EXPECT_EQ(Task(id, 0).failure_count, 1u);
  Advance(absl::Seconds(30));  // the first delay again, not the second
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 3));
}

TEST_F(TaskEngineTest, ALostOrPreemptedServiceTaskRunsAgainAtOnce) {
  const JobId id = StartRunning(kService);
  Report(TaskId(id, 0, 1), MesosTaskState::kLost);
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(Task(id, 0).failure_count, 0u);
  Place();
  Report(TaskId(id, 0, 2), MesosTaskState::kRunning);
  jobs_->Preempt({TaskId(id, 0, 2)});
  Report(TaskId(id, 0, 2), MesosTaskState::kKilled);
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 3));
  EXPECT_EQ(Task(id, 0).state, TaskState::kPending);
}

TEST_F(TaskEngineTest, AStoppedServiceEndsKilledAndStartsAgainOnRequest) {
  const JobId id = StartRunning(kService);
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilled);
  EXPECT_EQ(JobState(id), JobState::kKilled);
  Advance(absl::Hours(1));
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 1));  // not restarted
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobId> active, store_->ListActiveJobs());
  EXPECT_THAT(active, IsEmpty());  // kill_untrack
  ASSERT_THAT(jobs_->StartTasks(id, 0, 1), IsOk());
  EXPECT_EQ(Task(id, 0).goal_state, TaskState::kRunning);
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 2));
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView view, jobs_->GetJob(id));
  EXPECT_EQ(view.runtime.goal_state, JobState::kRunning);
}

TEST_F(TaskEngineTest, AStopCancelsAThrottledRestart) {
  const JobId id = StartRunning(kService);
  Report(TaskId(id, 0, 1), MesosTaskState::kFailed);
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  EXPECT_EQ(Task(id, 0).goal_state, TaskState::kKilled);
  Advance(absl::Minutes(5));
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 1));
  EXPECT_EQ(pools_.enqueued.size(), 1u);
  EXPECT_TRUE(taskfsm::IsTerminal(JobState(id)));
}

// Placement's "never" (no host of the cluster could ever hold the task) and its taking back.
TEST_F(TaskEngineTest, ATaskNoHostCouldEverHoldSaysSoUntilItCouldOrLaunches) {
  const JobId id = Create(kOneTask);
  ASSERT_EQ(Task(id, 0).state, TaskState::kPending);
  const std::string task = TaskId(id, 0, 1);
  jobs_->OnVerdicts({{task, placement::FilterReason::kInsufficientResources}});
  ASSERT_THAT(jobs_->Flush(), IsOk());
  store::TaskRuntime t = Task(id, 0);
  EXPECT_EQ(t.state, TaskState::kPending);
  EXPECT_EQ(t.reason, "UNPLACEABLE");
  EXPECT_THAT(t.message, HasSubstr("no host of this cluster could ever hold it"));
  EXPECT_THAT(t.message, HasSubstr("INSUFFICIENT_RESOURCES"));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PodEvent> events, jobs_->PodEvents(id, 0, 1));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].reason, "UNPLACEABLE");

  jobs_->OnVerdicts({{task, std::nullopt}});  // a host that could joined
  ASSERT_THAT(jobs_->Flush(), IsOk());
  EXPECT_EQ(Task(id, 0).reason, "");
  EXPECT_THAT(Task(id, 0).message, HasSubstr("a host could hold it"));

  jobs_->OnVerdicts({{task, placement::FilterReason::kMismatchConstraints},
                     {"no-such-job-0-1", placement::FilterReason::kMismatchConstraints}});
  Place();
  EXPECT_EQ(Task(id, 0).state, TaskState::kLaunched);
  EXPECT_EQ(Task(id, 0).reason, "");  // it found a host after all
  // A verdict for a task that no longer waits changes nothing.
  jobs_->OnVerdicts({{task, placement::FilterReason::kMismatchConstraints}});
  EXPECT_EQ(Task(id, 0).reason, "");
}

// Health checks (reference §1.5, §3.3): the backend runs them, the engine records what they
// find and restarts what they kill.
constexpr char kChecked[] = R"yaml(
type: SERVICE
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
  healthcheck:
    enabled: true
    type: HTTP
    initialintervalsecs: 2
    intervalsecs: 5
    httpcheck: {port: 8080, path: /healthz}
)yaml";

TEST_F(TaskEngineTest, TheHealthCheckGoesWithTheLaunchAndEachChangeOfHealthIsAPodEvent) {
  const JobId id = Create(kChecked);
  Place();
  ASSERT_EQ(hosts_.launches.size(), 1u);
  ASSERT_TRUE(hosts_.launches[0].health_check.has_value());
  const backend::HealthCheckSpec& h = *hosts_.launches[0].health_check;
  EXPECT_EQ(h.type, backend::HealthCheckSpec::Type::kHttp);
  EXPECT_EQ(h.scheme, "http");
  EXPECT_EQ(h.port, 8080u);
  EXPECT_EQ(h.path, "/healthz");
  EXPECT_EQ(h.delay, absl::Seconds(2));
  EXPECT_EQ(h.interval, absl::Seconds(5));
  EXPECT_EQ(h.timeout, absl::Seconds(20));  // Peloton's defaults for what is left 0
  EXPECT_EQ(h.max_consecutive_failures, 3u);
  EXPECT_EQ(Task(id, 0).healthy, taskfsm::HealthState::kUnknown);

  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  EXPECT_EQ(Task(id, 0).healthy, taskfsm::HealthState::kUnknown);
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "HTTP 200 from GET /healthz", true);
  EXPECT_EQ(Task(id, 0).healthy, taskfsm::HealthState::kHealthy);
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "HTTP 200 from GET /healthz", true);
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "HTTP 503 from GET /healthz", false);
  EXPECT_EQ(Task(id, 0).healthy, taskfsm::HealthState::kUnhealthy);
  EXPECT_EQ(Task(id, 0).state, TaskState::kRunning);

  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PodEvent> events, jobs_->PodEvents(id, 0, 1));
  std::vector<std::pair<TaskState, taskfsm::HealthState>> seen;
  for (const store::PodEvent& e : events) seen.emplace_back(e.actual_state, e.healthy);
  // Newest first; the repeated healthy report made no event.
  EXPECT_THAT(seen, ElementsAre(std::pair(TaskState::kRunning, taskfsm::HealthState::kUnhealthy),
                                std::pair(TaskState::kRunning, taskfsm::HealthState::kHealthy),
                                std::pair(TaskState::kRunning, taskfsm::HealthState::kUnknown),
                                std::pair(TaskState::kLaunched, taskfsm::HealthState::kUnknown),
                                std::pair(TaskState::kPending, taskfsm::HealthState::kInvalid)));
  EXPECT_EQ(events[0].message, "HTTP 503 from GET /healthz");
}

TEST_F(TaskEngineTest, ACheckOfANamedPortChecksThePortTheLaunchGot) {
  const JobId id = Create(R"yaml(
type: SERVICE
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'serve'}
  ports: [{name: admin, value: 9000}, {name: http, envname: PORT}]
  healthcheck: {enabled: true, type: TCP, tcpcheck: {portname: http}}
)yaml");
  Place({31007});
  ASSERT_EQ(hosts_.launches.size(), 1u);
  ASSERT_TRUE(hosts_.launches[0].health_check.has_value());
  EXPECT_EQ(hosts_.launches[0].health_check->type, backend::HealthCheckSpec::Type::kTcp);
  EXPECT_EQ(hosts_.launches[0].health_check->port, 31007u);
  EXPECT_EQ(Task(id, 0).state, TaskState::kLaunched);
}

TEST_F(TaskEngineTest, ATaskItsChecksKilledRunsAgainThrottledWithItsHealthAfresh) {
  const JobId id = Create(kChecked);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "", true);
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled,
         "killed: failed 3 health checks in a row (last: HTTP 503 from GET /healthz)", false);
  store::TaskRuntime t = Task(id, 0);
  EXPECT_EQ(t.state, TaskState::kKilled);
  EXPECT_EQ(t.healthy, taskfsm::HealthState::kUnhealthy);
  EXPECT_EQ(t.failure_count, 1u);  // a failure: throttled like any other
  Advance(absl::Seconds(30));
  t = Task(id, 0);
  EXPECT_EQ(t.mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(t.healthy, taskfsm::HealthState::kInvalid);
  Place();
  EXPECT_EQ(Task(id, 0).healthy, taskfsm::HealthState::kUnknown);
}

TEST_F(TaskEngineTest, ATaskWithoutAHealthCheckHasItsHealthDisabled) {
  const JobId id = StartRunning(kService);
  ASSERT_EQ(hosts_.launches.size(), 1u);
  EXPECT_FALSE(hosts_.launches[0].health_check.has_value());
  EXPECT_EQ(Task(id, 0).healthy, taskfsm::HealthState::kDisabled);
  // A health report for a task that has no check changes nothing but its health.
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "healthy", true);
  EXPECT_EQ(Task(id, 0).state, TaskState::kRunning);
}

// Discovery (issue 18): where each instance's run is, its named ports, and whether it may
// take traffic, which follows its state and health; a new run forgets the old run's ports,
// and the ports survive a restart of the job manager.
constexpr char kWeb[] = R"yaml(
type: SERVICE
instancecount: 2
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
  ports: [{name: http, envname: PORT}, {name: admin, envname: ADMIN}, {name: fixed, value: 80}]
  healthcheck:
    enabled: true
    type: HTTP
    httpcheck: {portname: http, path: /}
)yaml";

TEST_F(TaskEngineTest, EndpointsFollowRunsStatesAndHealth) {
  const JobId id = Create(kWeb);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobManager::Endpoint> before, jobs_->Endpoints(id));
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].host, "");
  EXPECT_TRUE(before[0].ports.empty());
  EXPECT_FALSE(before[0].routable);

  Place({31000, 31001});
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobManager::Endpoint> running, jobs_->Endpoints(id));
  ASSERT_EQ(running.size(), 2u);
  const JobManager::Endpoint& e = running[0];
  EXPECT_EQ(e.task_id, TaskId(id, 0, 1));
  EXPECT_EQ(e.host, "host-0");
  EXPECT_EQ(e.state, TaskState::kRunning);
  // Dynamic ports in the config's order, the fixed one as given; sorted by name.
  using Port = std::pair<std::string, uint32_t>;
  EXPECT_THAT(e.ports, ElementsAre(Port("admin", 31001), Port("fixed", 80), Port("http", 31000)));
  EXPECT_FALSE(e.routable);  // its health is not known yet
  EXPECT_FALSE(running[1].routable);  // launched, not running

  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "HTTP 200", true);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobManager::Endpoint> healthy, jobs_->Endpoints(id));
  EXPECT_TRUE(healthy[0].routable);
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "HTTP 503", false);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobManager::Endpoint> sick, jobs_->Endpoints(id));
  EXPECT_FALSE(sick[0].routable);
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "HTTP 200", true);

  // The ports are stored with the run: a job manager started again knows them.
  Restart();
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobManager::Endpoint> after, jobs_->Endpoints(id));
  EXPECT_TRUE(after[0].routable);
  EXPECT_EQ(after[0].ports, e.ports);

  // Stopped: KILLING at once, no longer routable; the run that replaces it has no ports
  // until it is launched.
  ASSERT_THAT(jobs_->RestartTasks(id, 0, 1), IsOk());
  ASSERT_THAT(jobs_->Flush(), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobManager::Endpoint> killing, jobs_->Endpoints(id));
  EXPECT_EQ(killing[0].state, TaskState::kKilling);
  EXPECT_FALSE(killing[0].routable);
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobManager::Endpoint> next, jobs_->Endpoints(id));
  EXPECT_EQ(next[0].task_id, TaskId(id, 0, 2));
  EXPECT_TRUE(next[0].ports.empty());
  EXPECT_EQ(next[0].host, "");
}

TEST_F(TaskEngineTest, ARoutedInstanceIsDrainedBeforeItsKill) {
  // Routed (a router label), drained for 3 s: a stop makes it KILLING and not routable at once,
  // and the kill is sent when the drain is over; its grace period counts from the kill.
  const JobId id =
      Create(absl::StrCat(kWeb, "labels:\n- {key: peloton.router/http, value: '127.0.0.1:8080'}\n",
                          "- {key: peloton.discovery/drain-seconds, value: '3'}\n"));
  Place({31000, 31001});
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "HTTP 200", true);
  Report(TaskId(id, 1, 1), MesosTaskState::kRunning);  // its check has not passed: no traffic
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  ASSERT_THAT(jobs_->Flush(), IsOk());
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 1, 1)));
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilling);
  EXPECT_THAT(Task(id, 0).message, HasSubstr("draining for 3s first"));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<JobManager::Endpoint> draining, jobs_->Endpoints(id));
  EXPECT_FALSE(draining[0].routable);
  // Events of the run while it drains change nothing.
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "HTTP 200", true);
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilling);
  Advance(absl::Milliseconds(2999));
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 1, 1)));
  Advance(absl::Milliseconds(1));
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 1, 1), TaskId(id, 0, 1)));
  Advance(absl::Seconds(1));
  EXPECT_EQ(hosts_.kills.size(), 2u);  // once
  EXPECT_THAT(hosts_.shutdowns, IsEmpty());
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  Report(TaskId(id, 1, 1), MesosTaskState::kKilled);
  EXPECT_EQ(JobState(id), JobState::kKilled);
}

TEST_F(TaskEngineTest, ARecoveredDrainSendsItsKillAtOnce) {
  // Its drain was not kept: after a restart the kill goes out (the instance stayed unroutable).
  const JobId id =
      Create(absl::StrCat(kWeb, "labels:\n- {key: peloton.discovery/path, value: web/a/b}\n"));
  Place({31000, 31001});
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning, "HTTP 200", true);
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  ASSERT_THAT(jobs_->Flush(), IsOk());
  EXPECT_THAT(Task(id, 0).message, HasSubstr("draining for 2s first"));  // the default
  EXPECT_THAT(hosts_.kills, Not(Contains(TaskId(id, 0, 1))));
  Restart();
  EXPECT_THAT(hosts_.kills, Contains(TaskId(id, 0, 1)));
}

}  // namespace
}  // namespace peloton::jobmgr::testing
