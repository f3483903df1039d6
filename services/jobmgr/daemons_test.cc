// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Daemon jobs: one instance on each eligible host, pinned there, following hosts that join,
// leave and go into maintenance.

#include <string>
#include <vector>

#include "absl/strings/match.h"
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
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// On every host in zone a.
constexpr char kDaemon[] = R"yaml(
type: DAEMON
defaultconfig:
  resource: {cpulimit: 0.5, memlimitmb: 32}
  command: {shell: true, value: 'sleep 3600'}
  constraint:
    type: LABEL_CONSTRAINT
    labelconstraint: {kind: HOST, condition: CONDITION_EQUAL, requirement: 1,
                      label: {key: zone, value: a}}
)yaml";

class DaemonTest : public JobManagerTest {
 protected:
  static hostmgr::HostStatus Host(const std::string& name, const std::string& zone,
                                  placement::HostState state = placement::HostState::kUp) {
    hostmgr::HostStatus h;
    h.hostname = name;
    h.state = state;
    h.attributes = {{"rack", "r1"}, {"zone", zone}};
    return h;
  }
  void SetHosts(std::vector<hostmgr::HostStatus> hosts) { hosts_.hosts = std::move(hosts); }
  // The next look at the hosts (daemon_period later); what changed is flushed.
  void Follow() {
    now_ += options_.daemon_period;
    jobs_->FollowHosts();
    ASSERT_THAT(jobs_->Flush(), IsOk());
  }
  // (instance, desired host) of the tasks not removed.
  std::vector<std::pair<uint32_t, std::string>> Planned(const JobId& id) {
    std::vector<std::pair<uint32_t, std::string>> out;
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks = jobs_->ListTasks(id);
    EXPECT_THAT(tasks.status(), IsOk());
    if (!tasks.ok()) return out;
    for (const store::TaskRuntime& t : *tasks) {
      if (t.goal_state != TaskState::kDeleted) out.emplace_back(t.instance_id, t.desired_host);
    }
    return out;
  }
};

TEST_F(DaemonTest, OneInstancePinnedToEachEligibleHost) {
  SetHosts({Host("h1", "a"), Host("h2", "a"), Host("h3", "b"),
            Host("h4", "a", placement::HostState::kDraining)});
  const JobId id = Create(kDaemon);
  EXPECT_THAT(Planned(id), ElementsAre(std::pair<uint32_t, std::string>{0, "h1"},
                                       std::pair<uint32_t, std::string>{1, "h2"}));
  EXPECT_THAT(pools_.enqueued, ElementsAre(TaskId(id, 0, 1), TaskId(id, 1, 1)));
  // Stored as such, and placed there only.
  PELOTON_ASSERT_OK_AND_ASSIGN(store::TaskRuntime stored, store_->GetTaskRuntime(id, 1));
  EXPECT_EQ(stored.desired_host, "h2");
  PELOTON_ASSERT_OK_AND_ASSIGN(placement::TaskSpec spec, jobs_->TaskSpecOf(TaskId(id, 1, 1)));
  EXPECT_EQ(spec.desired_host, "h2");
  EXPECT_TRUE(spec.pinned);
  PELOTON_ASSERT_OK_AND_ASSIGN(store::JobConfigRecord record, store_->GetJobConfig(id));
  EXPECT_EQ(record.instance_count, 0u);  // the hosts decide

  EXPECT_EQ(JobState(id), JobState::kPending);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 1, 1), MesosTaskState::kRunning);
  EXPECT_EQ(JobState(id), JobState::kRunning);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView view, jobs_->GetJob(id));
  EXPECT_EQ(view.instances, 2u);
  // A daemon job's task runs again when it ends, as a service's does.
  EXPECT_EQ(Task(id, 0).goal_state, TaskState::kRunning);
}

TEST_F(DaemonTest, InstancesFollowHostsThatJoinAndLeave) {
  SetHosts({Host("h1", "a"), Host("h2", "a")});
  const JobId id = Create(kDaemon);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 1, 1), MesosTaskState::kRunning);

  // h3 joins: a new instance, pinned to it.
  jobs_->FollowHosts();  // a look: nothing changed
  SetHosts({Host("h1", "a"), Host("h2", "a"), Host("h3", "a")});
  jobs_->FollowHosts();  // within daemon_period of the last look: nothing yet
  EXPECT_THAT(Planned(id), ::testing::SizeIs(2));
  Follow();
  EXPECT_THAT(Planned(id), ElementsAre(std::pair<uint32_t, std::string>{0, "h1"},
                                       std::pair<uint32_t, std::string>{1, "h2"},
                                       std::pair<uint32_t, std::string>{2, "h3"}));
  EXPECT_EQ(Task(id, 2).state, TaskState::kPending);
  Place();
  Report(TaskId(id, 2, 1), MesosTaskState::kRunning);

  // h1 leaves: its instance is killed, then DELETED; the job still runs.
  SetHosts({Host("h2", "a"), Host("h3", "a")});
  Follow();
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 0, 1)));
  EXPECT_EQ(Task(id, 0).state, TaskState::kKilling);
  EXPECT_EQ(Task(id, 0).goal_state, TaskState::kDeleted);
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  store::TaskRuntime removed = Task(id, 0);
  EXPECT_EQ(removed.state, TaskState::kDeleted);
  EXPECT_THAT(removed.message, HasSubstr("host h1 is no longer one of the job's hosts"));
  EXPECT_EQ(removed.failure_count, 0u);  // a removal is not a failure
  EXPECT_EQ(JobState(id), JobState::kRunning);

  // h4 joins: the free id 0 again, as its next run (run ids keep counting up).
  SetHosts({Host("h2", "a"), Host("h3", "a"), Host("h4", "a")});
  Follow();
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(Task(id, 0).desired_host, "h4");
  EXPECT_EQ(Task(id, 0).state, TaskState::kPending);
  EXPECT_EQ(pools_.enqueued.back(), TaskId(id, 0, 2));
  Place();
  Report(TaskId(id, 0, 2), MesosTaskState::kRunning);

  // h3 leaves as h1 joins, in one look: instance 2 moves (its run is stopped, the next one
  // goes to h1 once it has ended).
  SetHosts({Host("h1", "a"), Host("h2", "a"), Host("h4", "a")});
  Follow();
  EXPECT_THAT(Planned(id), ElementsAre(std::pair<uint32_t, std::string>{0, "h4"},
                                       std::pair<uint32_t, std::string>{1, "h2"},
                                       std::pair<uint32_t, std::string>{2, "h1"}));
  EXPECT_EQ(Task(id, 2).state, TaskState::kKilling);
  EXPECT_EQ(hosts_.kills.back(), TaskId(id, 2, 1));
  Report(TaskId(id, 2, 1), MesosTaskState::kKilled);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PodEvent> events, jobs_->PodEvents(id, 2, 2));
  bool moved = false;
  for (const store::PodEvent& e : events) {
    moved |= e.run_id == 1 && e.actual_state == TaskState::kKilled &&
             absl::StrContains(e.message, "moved: the instance goes to host h1");
  }
  EXPECT_TRUE(moved) << "the ended run says why";
  EXPECT_EQ(Task(id, 2).mesos_task_id, TaskId(id, 2, 2));
  EXPECT_EQ(Task(id, 2).state, TaskState::kPending);
  EXPECT_EQ(Task(id, 2).failure_count, 0u);
  Place();
  Report(TaskId(id, 2, 2), MesosTaskState::kRunning);
  EXPECT_EQ(JobState(id), JobState::kRunning);

  // Every host gone: nothing planned, the job waits for hosts (not SUCCEEDED).
  SetHosts({});
  Follow();
  for (uint32_t i = 0; i < 3; ++i) {
    Report(Task(id, i).mesos_task_id.str(), MesosTaskState::kKilled);
    EXPECT_EQ(Task(id, i).state, TaskState::kDeleted);
  }
  EXPECT_THAT(Planned(id), IsEmpty());
  EXPECT_EQ(JobState(id), JobState::kPending);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobView view, jobs_->GetJob(id));
  EXPECT_EQ(view.instances, 0u);
}

TEST_F(DaemonTest, AHostInMaintenanceLosesItsInstanceUntilItIsBack) {
  SetHosts({Host("h1", "a"), Host("h2", "a")});
  const JobId id = Create(kDaemon);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 1, 1), MesosTaskState::kRunning);
  // h2 drains: the evictor does not move the daemon's task elsewhere...
  SetHosts({Host("h1", "a"), Host("h2", "a", placement::HostState::kDraining)});
  hosts_.draining_tasks = {TaskId(id, 1, 1)};
  jobs_->EvictFromDrainingHosts();
  EXPECT_TRUE(Task(id, 1).desired_mesos_task_id.empty());
  EXPECT_EQ(Task(id, 1).state, TaskState::kRunning);
  // ...the instance is removed instead, which empties the host.
  Follow();
  EXPECT_EQ(Task(id, 1).goal_state, TaskState::kDeleted);
  EXPECT_THAT(hosts_.kills, ElementsAre(TaskId(id, 1, 1)));
  Report(TaskId(id, 1, 1), MesosTaskState::kKilled);
  EXPECT_EQ(Task(id, 1).state, TaskState::kDeleted);
  // Maintenance over: h2 gets an instance again.
  SetHosts({Host("h1", "a"), Host("h2", "a")});
  Follow();
  EXPECT_EQ(Task(id, 1).mesos_task_id, TaskId(id, 1, 2));
  EXPECT_EQ(Task(id, 1).goal_state, TaskState::kRunning);
  EXPECT_EQ(Task(id, 1).state, TaskState::kPending);
}

TEST_F(DaemonTest, AStoppedDaemonJobTakesNoNewHostsAndStartsAgainOnRequest) {
  SetHosts({Host("h1", "a")});
  const JobId id = Create(kDaemon);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  EXPECT_EQ(JobState(id), JobState::kKilled);
  SetHosts({Host("h1", "a"), Host("h2", "a")});
  Follow();
  EXPECT_THAT(Planned(id), ElementsAre(std::pair<uint32_t, std::string>{0, "h1"}));
  ASSERT_THAT(jobs_->StartTasks(id, 0, UINT32_MAX), IsOk());
  Follow();
  EXPECT_THAT(Planned(id), ElementsAre(std::pair<uint32_t, std::string>{0, "h1"},
                                       std::pair<uint32_t, std::string>{1, "h2"}));
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 2));
  EXPECT_EQ(Task(id, 0).state, TaskState::kPending);
}

TEST_F(DaemonTest, ARestartedJobManagerKeepsTheInstancesAndTheirHosts) {
  SetHosts({Host("h1", "a"), Host("h2", "a")});
  const JobId id = Create(kDaemon);
  Place();
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 1, 1), MesosTaskState::kRunning);
  SetHosts({Host("h2", "a")});
  Follow();
  Report(TaskId(id, 0, 1), MesosTaskState::kKilled);
  Restart();
  EXPECT_THAT(Planned(id), ElementsAre(std::pair<uint32_t, std::string>{1, "h2"}));
  EXPECT_EQ(JobState(id), JobState::kRunning);
  const size_t enqueued = pools_.enqueued.size();
  Follow();
  EXPECT_EQ(pools_.enqueued.size(), enqueued);  // nothing changed
  EXPECT_EQ(Task(id, 0).state, TaskState::kDeleted);
}

// Eligibility reads HOST labels only: a TASK label constraint is placement's to check.
TEST_F(DaemonTest, TaskLabelConstraintsAreLeftToPlacement) {
  SetHosts({Host("h1", "a"), Host("h2", "b")});
  const JobId id = Create(R"yaml(
type: DAEMON
defaultconfig:
  resource: {cpulimit: 0.5, memlimitmb: 32}
  command: {value: 'sleep 60'}
  labels: [{key: app, value: agent}]
  constraint:
    type: LABEL_CONSTRAINT
    labelconstraint: {kind: TASK, condition: CONDITION_LESS_THAN, requirement: 1,
                      label: {key: app, value: agent}}
)yaml");
  EXPECT_THAT(Planned(id), ::testing::SizeIs(2));
  // No hosts at all: created with no instance, PENDING.
  SetHosts({});
  const JobId empty = Create(kDaemon);
  EXPECT_THAT(Planned(empty), IsEmpty());
  EXPECT_EQ(JobState(empty), JobState::kPending);
}

}  // namespace
}  // namespace peloton::jobmgr::testing
