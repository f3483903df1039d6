// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Stateful tasks (a task with a volume): the volume travels with every launch, the first host
// keeps it (later runs are pinned there, also after a failure, a loss or a restart of the job
// manager), and deleting the job destroys the volumes on their hosts.

#include <string>
#include <vector>

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
using ::testing::Optional;

constexpr char kStateful[] = R"yaml(
type: SERVICE
instancecount: 2
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64, disklimitmb: 10}
  command: {shell: true, value: 'sleep 3600'}
  volume: {containerpath: var/data, sizemb: 100}
)yaml";

TEST_F(JobManagerTest, AStatefulTaskKeepsItsVolumeAndItsHostAcrossRuns) {
  const JobId id = Create(kStateful);
  PELOTON_ASSERT_OK_AND_ASSIGN(placement::TaskSpec first, jobs_->TaskSpecOf(TaskId(id, 0, 1)));
  EXPECT_EQ(first.demand.disk_mb(), 110);  // its own disk and its volume's
  EXPECT_FALSE(first.pinned);              // the first run goes where placement puts it
  Place();
  ASSERT_EQ(hosts_.launches.size(), 2u);
  EXPECT_THAT(hosts_.launches[0].persistent_volume,
              Optional(backend::PersistentVolumeSpec{VolumeIdOf(id, 0), "var/data", 100}));
  EXPECT_EQ(Task(id, 0).desired_host, "host-0");
  PELOTON_ASSERT_OK_AND_ASSIGN(store::TaskRuntime stored, store_->GetTaskRuntime(id, 0));
  EXPECT_EQ(stored.desired_host, "host-0");  // written with LAUNCHED

  // A failed run comes back on its host; so does a lost one (not rescheduled elsewhere).
  Report(TaskId(id, 0, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 0, 1), MesosTaskState::kFailed, "exit code 1");
  Advance(absl::Hours(2));  // past the restart throttle
  PELOTON_ASSERT_OK_AND_ASSIGN(placement::TaskSpec second, jobs_->TaskSpecOf(TaskId(id, 0, 2)));
  EXPECT_TRUE(second.pinned);
  EXPECT_EQ(second.desired_host, "host-0");
  Place();
  Report(TaskId(id, 0, 2), MesosTaskState::kRunning);
  Report(TaskId(id, 0, 2), MesosTaskState::kLost, "agent gone");
  Advance(absl::Hours(2));
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 3));
  EXPECT_EQ(Task(id, 0).state, TaskState::kPending);
  Restart();
  PELOTON_ASSERT_OK_AND_ASSIGN(placement::TaskSpec third, jobs_->TaskSpecOf(TaskId(id, 0, 3)));
  EXPECT_TRUE(third.pinned);
  EXPECT_EQ(third.desired_host, "host-0");
}

TEST_F(JobManagerTest, DeletingAStatefulJobDestroysItsVolumesOrKeepsTheJob) {
  const JobId id = Create(kStateful);
  Place();
  for (uint32_t i = 0; i < 2; ++i) Report(TaskId(id, i, 1), MesosTaskState::kRunning);
  ASSERT_THAT(jobs_->StopJob(id), IsOk());
  for (uint32_t i = 0; i < 2; ++i) Report(TaskId(id, i, 1), MesosTaskState::kKilled);
  ASSERT_EQ(JobState(id), JobState::kKilled);

  hosts_.destroy_error = absl::UnavailableError("host manager away");
  EXPECT_THAT(jobs_->DeleteJob(id),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr(absl::StrCat("volume ", VolumeIdOf(id, 0), " on host-0 not "
                                              "destroyed, the job is kept"))));
  EXPECT_THAT(store_->GetJob(id).status(), IsOk());
  hosts_.destroy_error = absl::OkStatus();
  ASSERT_THAT(jobs_->DeleteJob(id), IsOk());
  EXPECT_THAT(hosts_.destroyed, ElementsAre("host-0/" + VolumeIdOf(id, 0),
                                            "host-0/" + VolumeIdOf(id, 1)));
  EXPECT_THAT(store_->GetJob(id).status(), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace peloton::jobmgr::testing
