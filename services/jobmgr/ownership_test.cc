// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// All-active job managers (issue 19): two job managers over one store, each owning the jobs
// rendezvous hashing gives it, taking them up and letting them go as the members change, and
// fenced out of a job another one has taken.

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/jobmgr/testing/job_manager_fixture.h"

namespace peloton::jobmgr::testing {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using taskfsm::MesosTaskState;
using taskfsm::TaskState;
using ::testing::HasSubstr;

class OwnershipTest : public JobManagerTest {
 protected:
  void SetUp() override {
    options_.member = "a:5392";
    JobManagerTest::SetUp();
    ASSERT_THAT(jobs_->SetMembers({"a:5392"}), IsOk());
    ASSERT_THAT(jobs_->Recover(), IsOk());
    // The second job manager: its own store object (another process's connection).
    PELOTON_ASSERT_OK_AND_ASSIGN(store_b_,
                                 store::SqliteStore::Open({.path = dir_ + "/peloton.db"}));
    JobManagerOptions b = options_;
    b.member = "b:5392";
    jobs_b_ = std::make_unique<JobManager>(*store_b_, pools_, hosts_, gen_b_, b);
  }

  // How many jobs a job manager holds in memory (its active jobs).
  static uint64_t Held(JobManager& jobs) {
    uint64_t held = 0;
    for (uint64_t n : jobs.CountActive().jobs) held += n;
    return held;
  }

  std::mt19937_64 gen_b_{7};
  std::unique_ptr<store::SqliteStore> store_b_;
  std::unique_ptr<JobManager> jobs_b_;
};

TEST_F(OwnershipTest, AJoinerTakesUpItsJobsAndTheOtherLetsThemGo) {
  std::vector<JobId> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(Create(kTwoTasks));
  for (const JobId& id : ids) EXPECT_TRUE(jobs_->Owns(id));

  // b joins: each side learns of it.
  ASSERT_THAT(jobs_->SetMembers({"a:5392", "b:5392"}), IsOk());
  ASSERT_THAT(jobs_b_->SetMembers({"b:5392", "a:5392"}), IsOk());
  ASSERT_THAT(jobs_b_->Recover(), IsOk());
  int a = 0;
  int b = 0;
  for (const JobId& id : ids) {
    ASSERT_NE(jobs_->Owns(id), jobs_b_->Owns(id)) << id;  // one owner each
    EXPECT_EQ(jobs_->OwnerOf(id), jobs_b_->OwnerOf(id));
    (jobs_->Owns(id) ? a : b) += 1;
  }
  EXPECT_GT(a, 0);
  EXPECT_GT(b, 0);
  EXPECT_EQ(Held(*jobs_), static_cast<uint64_t>(a));
  EXPECT_EQ(Held(*jobs_b_), static_cast<uint64_t>(b));

  // Each serves writes of its own jobs; a write of the other's is refused, naming the owner,
  // and changes nothing.
  for (const JobId& id : ids) {
    JobManager& owner = jobs_->Owns(id) ? *jobs_ : *jobs_b_;
    JobManager& other = jobs_->Owns(id) ? *jobs_b_ : *jobs_;
    EXPECT_THAT(other.StopJob(id),
                StatusIs(absl::StatusCode::kUnavailable,
                         HasSubstr(absl::StrCat("owned by job manager ", owner.OwnerOf(id)))));
    EXPECT_THAT(owner.StopTasks(id, 0, 1), IsOk());
  }
  for (const JobId& id : ids) {
    PELOTON_ASSERT_OK_AND_ASSIGN(store::TaskRuntime t, store_->GetTaskRuntime(id, 0));
    EXPECT_EQ(t.goal_state, TaskState::kKilled) << id;
    PELOTON_ASSERT_OK_AND_ASSIGN(t, store_->GetTaskRuntime(id, 1));
    EXPECT_NE(t.goal_state, TaskState::kKilled) << id;
  }

  // b leaves (dies): a takes its jobs back, as they were written.
  ASSERT_THAT(jobs_->SetMembers({"a:5392"}), IsOk());
  ASSERT_THAT(jobs_->Recover(), IsOk());
  EXPECT_EQ(Held(*jobs_), ids.size());
  for (const JobId& id : ids) {
    EXPECT_EQ(Task(id, 0).goal_state, TaskState::kKilled) << id;
    EXPECT_THAT(jobs_->StopJob(id), IsOk());
  }
}

TEST_F(OwnershipTest, NewJobsAreTheCreatorsOwn) {
  ASSERT_THAT(jobs_->SetMembers({"a:5392", "b:5392", "c:5392"}), IsOk());
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(jobs_->Owns(Create(kTwoTasks)));
}

TEST_F(OwnershipTest, AFormerOwnerThatMissedTheChangeIsFencedAndLetsTheJobGo) {
  const JobId id = Create(kTwoTasks);
  // b takes the job over while a still believes it alone (a paused, or its view of the members
  // late): b claims it first.
  ASSERT_THAT(jobs_b_->SetMembers({"b:5392"}), IsOk());
  ASSERT_THAT(jobs_b_->Recover(), IsOk());
  ASSERT_THAT(jobs_b_->StopTasks(id, 1, 2), IsOk());

  // a's next change of the job writes nothing: the job leaves it; b's write stands.
  EXPECT_THAT(jobs_->StopTasks(id, 0, 1), IsOk());  // in memory; its Flush lets the job go
  EXPECT_EQ(Held(*jobs_), 0u);
  PELOTON_ASSERT_OK_AND_ASSIGN(store::TaskRuntime t, store_->GetTaskRuntime(id, 0));
  EXPECT_NE(t.goal_state, TaskState::kKilled);
  PELOTON_ASSERT_OK_AND_ASSIGN(t, store_->GetTaskRuntime(id, 1));
  EXPECT_EQ(t.goal_state, TaskState::kKilled);
}

// A job that ended leaves the job manager whole, its claim too (a job manager that runs for
// months holds its active jobs only); a later write claims it again.
TEST_F(OwnershipTest, AnEndedJobIsLetGoClaimAndAll) {
  const JobId id = Create(kTwoTasks);
  EXPECT_EQ(jobs_->claimed_count(), 1u);
  Place();
  for (uint32_t i = 0; i < 2; ++i) Report(TaskId(id, i, 1), MesosTaskState::kRunning);
  Report(TaskId(id, 0, 1), MesosTaskState::kFailed, "exit code 1");  // no retries by default
  Report(TaskId(id, 1, 1), MesosTaskState::kFinished);
  EXPECT_EQ(JobState(id), taskfsm::JobState::kFailed);
  EXPECT_EQ(Held(*jobs_), 0u);
  EXPECT_EQ(jobs_->claimed_count(), 0u);

  // The failed instance runs again: the job is active, and claimed, again.
  ASSERT_THAT(jobs_->StartTasks(id, 0, 1), IsOk());
  EXPECT_EQ(jobs_->claimed_count(), 1u);
  EXPECT_EQ(Task(id, 0).mesos_task_id, TaskId(id, 0, 2));
  PELOTON_ASSERT_OK_AND_ASSIGN(store::TaskRuntime stored, store_->GetTaskRuntime(id, 0));
  EXPECT_EQ(stored.mesos_task_id, TaskId(id, 0, 2));
}

TEST_F(OwnershipTest, MembersMustIncludeThisOne) {
  EXPECT_THAT(jobs_->SetMembers({"b:5392"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("a:5392")));
  JobManager alone(*store_, pools_, hosts_, gen_, JobManagerOptions{});
  EXPECT_THAT(alone.SetMembers({"a:5392"}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("member")));
  EXPECT_TRUE(alone.Owns(JobId("any")));
}

}  // namespace
}  // namespace peloton::jobmgr::testing
