// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/testing/conformance.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::store::testing {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

absl::Time Micros(int64_t us) { return absl::FromUnixMicros(us); }

JobConfigRecord Config(const std::string& id, const std::string& name = "job",
                       const std::string& owner = "alice", const std::string& pool = "pool-a",
                       std::vector<Label> labels = {}) {
  JobConfigRecord c;
  c.job_id = JobId(id);
  c.version = 1;
  c.config = std::string("cfg\0\xff", 5) + id;
  c.name = name;
  c.owner = owner;
  c.pool_id = PoolId(pool);
  c.type = JobType::kBatch;
  c.instance_count = 3;
  c.labels = std::move(labels);
  c.create_time = Micros(1'000);
  return c;
}

JobRuntime Runtime(JobState state = JobState::kInitialized, int64_t created_us = 1'000) {
  JobRuntime r;
  r.state = state;
  r.goal_state = JobState::kSucceeded;
  r.creation_time = Micros(created_us);
  r.update_time = Micros(created_us);
  return r;
}

TaskRuntime Task(uint32_t instance, TaskState state = TaskState::kInitialized) {
  TaskRuntime t;
  t.instance_id = instance;
  t.state = state;
  t.goal_state = TaskState::kSucceeded;
  t.mesos_task_id = absl::StrCat("job-", instance, "-1");
  t.desired_mesos_task_id = t.mesos_task_id;
  return t;
}

void CreateJob(Store& store, const std::string& id) {
  JobRuntime runtime = Runtime();
  ASSERT_THAT(store.CreateJob(Config(id), runtime), IsOk());
}

// Instance ids and versions, to compare batches.
std::vector<std::pair<uint32_t, int64_t>> Versions(const std::vector<TaskRuntime>& tasks) {
  std::vector<std::pair<uint32_t, int64_t>> out;
  for (const TaskRuntime& t : tasks) out.emplace_back(t.instance_id, t.version);
  return out;
}

}  // namespace

void StoreConformanceTest::SetUp() {
  static std::atomic<int> counter{0};
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  instance_ = absl::StrCat("conformance_", getpid(), "_", counter++, "_", info->name());
  std::replace(instance_.begin(), instance_.end(), '/', '_');
  absl::StatusOr<std::unique_ptr<Store>> store = GetParam().open(instance_);
  if (absl::IsUnimplemented(store.status())) GTEST_SKIP() << store.status().message();
  ASSERT_THAT(store.status(), IsOk());
  store_ = *std::move(store);
}

void StoreConformanceTest::Reopen() {
  store_.reset();
  absl::StatusOr<std::unique_ptr<Store>> store = GetParam().open(instance_);
  ASSERT_THAT(store.status(), IsOk());
  store_ = *std::move(store);
}

// ---------------------------------------------------------------------------------------------
// Pools

TEST_P(StoreConformanceTest, PoolsCreateGetListUpdateDelete) {
  PoolRecord a{PoolId("a"), "/a", std::string("cfg\0a", 5), "team", Micros(1), Micros(2)};
  PoolRecord b{PoolId("b"), "/a/b", "cfg-b", "team", Micros(3), Micros(4)};
  ASSERT_THAT(store_->CreatePool(b), IsOk());
  ASSERT_THAT(store_->CreatePool(a), IsOk());

  PELOTON_ASSERT_OK_AND_ASSIGN(PoolRecord got, store_->GetPool(PoolId("a")));
  EXPECT_EQ(got.path, "/a");
  EXPECT_EQ(got.config, a.config);
  EXPECT_EQ(got.owner, "team");
  EXPECT_EQ(got.create_time, Micros(1));
  EXPECT_EQ(got.update_time, Micros(2));
  PELOTON_ASSERT_OK_AND_ASSIGN(got, store_->GetPoolByPath("/a/b"));
  EXPECT_EQ(got.id, PoolId("b"));

  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<PoolRecord> pools, store_->ListPools());
  ASSERT_THAT(pools, SizeIs(2));
  EXPECT_EQ(pools[0].path, "/a");  // by path
  EXPECT_EQ(pools[1].path, "/a/b");

  b.path = "/c";
  b.config = "cfg-b2";
  b.update_time = Micros(9);
  ASSERT_THAT(store_->UpdatePool(b), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(got, store_->GetPool(PoolId("b")));
  EXPECT_EQ(got.path, "/c");
  EXPECT_EQ(got.config, "cfg-b2");
  EXPECT_EQ(got.create_time, Micros(3));
  EXPECT_EQ(got.update_time, Micros(9));
  EXPECT_THAT(store_->GetPoolByPath("/a/b").status(), StatusIs(absl::StatusCode::kNotFound));

  ASSERT_THAT(store_->DeletePool(PoolId("a")), IsOk());
  EXPECT_THAT(store_->GetPool(PoolId("a")).status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->DeletePool(PoolId("a")), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreConformanceTest, PoolConflictsAndBadInputChangeNothing) {
  ASSERT_THAT(store_->CreatePool({PoolId("a"), "/a", "x", "", {}, {}}), IsOk());
  ASSERT_THAT(store_->CreatePool({PoolId("b"), "/b", "y", "", {}, {}}), IsOk());
  EXPECT_THAT(store_->CreatePool({PoolId("a"), "/z", "", "", {}, {}}),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("pool a")));
  EXPECT_THAT(store_->CreatePool({PoolId("z"), "/a", "", "", {}, {}}),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("/a")));
  EXPECT_THAT(store_->UpdatePool({PoolId("b"), "/a", "", "", {}, {}}),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("/a")));
  EXPECT_THAT(store_->UpdatePool({PoolId("nope"), "/n", "", "", {}, {}}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  EXPECT_THAT(store_->CreatePool({PoolId(""), "/e", "", "", {}, {}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pool.id")));
  EXPECT_THAT(store_->CreatePool({PoolId("e"), "e", "", "", {}, {}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pool.path")));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<PoolRecord> pools, store_->ListPools());
  ASSERT_THAT(pools, SizeIs(2));
  EXPECT_EQ(pools[1].path, "/b");
  EXPECT_EQ(pools[1].config, "y");
}

// ---------------------------------------------------------------------------------------------
// Jobs

TEST_P(StoreConformanceTest, CreateJobWritesConfigRuntimeAndActiveIndex) {
  JobRuntime runtime = Runtime();
  runtime.info = std::string("\0info", 5);
  runtime.update_id = "upd-1";
  runtime.start_time = Micros(7);
  runtime.desired_state_version = 3;
  runtime.workflow_version = 5;
  const JobConfigRecord config = Config("j1", "train", "bob", "pool-a", {{"team", "ml"}});
  ASSERT_THAT(store_->CreateJob(config, runtime), IsOk());
  EXPECT_EQ(runtime.version, 1);

  PELOTON_ASSERT_OK_AND_ASSIGN(JobSummary job, store_->GetJob(JobId("j1")));
  EXPECT_EQ(job.name, "train");
  EXPECT_EQ(job.owner, "bob");
  EXPECT_EQ(job.pool_id, PoolId("pool-a"));
  EXPECT_EQ(job.instance_count, 3u);
  EXPECT_THAT(job.labels, ElementsAre(Label{"team", "ml"}));
  EXPECT_EQ(job.runtime.state, JobState::kInitialized);
  EXPECT_EQ(job.runtime.goal_state, JobState::kSucceeded);
  EXPECT_EQ(job.runtime.info, runtime.info);
  EXPECT_EQ(job.runtime.update_id, "upd-1");
  EXPECT_EQ(job.runtime.start_time, Micros(7));
  EXPECT_EQ(job.runtime.creation_time, Micros(1'000));
  EXPECT_EQ(job.runtime.version, 1);
  EXPECT_EQ(job.runtime.desired_state_version, 3);
  EXPECT_EQ(job.runtime.workflow_version, 5);

  PELOTON_ASSERT_OK_AND_ASSIGN(JobConfigRecord got, store_->GetJobConfig(JobId("j1")));
  EXPECT_EQ(got.version, 1);
  EXPECT_EQ(got.config, config.config);
  EXPECT_THAT(got.labels, ElementsAre(Label{"team", "ml"}));
  EXPECT_THAT(store_->ListActiveJobs(), ::peloton::testing::IsOkAndHolds(ElementsAre(JobId("j1"))));
}

TEST_P(StoreConformanceTest, CreateJobTwiceIsAlreadyExistsAndKeepsTheFirst) {
  CreateJob(*store_, "j1");
  JobRuntime runtime = Runtime(JobState::kRunning);
  EXPECT_THAT(store_->CreateJob(Config("j1", "other"), runtime),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("j1")));
  EXPECT_EQ(runtime.version, 0);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobSummary job, store_->GetJob(JobId("j1")));
  EXPECT_EQ(job.name, "job");
  EXPECT_EQ(job.runtime.state, JobState::kInitialized);
}

TEST_P(StoreConformanceTest, CreateJobRejectsBadInput) {
  JobRuntime runtime = Runtime();
  JobConfigRecord config = Config("j1");
  config.version = 2;
  EXPECT_THAT(store_->CreateJob(config, runtime),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("job_config.version")));
  config = Config("j1");
  config.pool_id = PoolId("");
  EXPECT_THAT(store_->CreateJob(config, runtime),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("job_config.pool_id")));
  config = Config("j1");
  config.type = static_cast<JobType>(7);
  EXPECT_THAT(store_->CreateJob(config, runtime),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("job_config.type")));
  config = Config("j1");
  config.labels = {{"team", "a"}, {"", "b"}};
  EXPECT_THAT(
      store_->CreateJob(config, runtime),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("job_config.labels[1].key: empty")));
  runtime.state = static_cast<JobState>(42);
  EXPECT_THAT(store_->CreateJob(Config("j1"), runtime),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("job_runtime.state")));
  EXPECT_THAT(store_->GetJob(JobId("j1")).status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->ListActiveJobs(), ::peloton::testing::IsOkAndHolds(IsEmpty()));
}

TEST_P(StoreConformanceTest, JobRuntimeWritesAreVersioned) {
  CreateJob(*store_, "j1");
  PELOTON_ASSERT_OK_AND_ASSIGN(JobSummary job, store_->GetJob(JobId("j1")));
  JobRuntime mine = job.runtime;
  JobRuntime theirs = job.runtime;

  mine.state = JobState::kRunning;
  mine.workflow_version = 2;
  ASSERT_THAT(store_->WriteJobRuntime(JobId("j1"), mine), IsOk());
  EXPECT_EQ(mine.version, 2);

  theirs.state = JobState::kKilled;
  EXPECT_THAT(store_->WriteJobRuntime(JobId("j1"), theirs),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("stored version is 2")));
  EXPECT_EQ(theirs.version, 1);
  PELOTON_ASSERT_OK_AND_ASSIGN(job, store_->GetJob(JobId("j1")));
  EXPECT_EQ(job.runtime.state, JobState::kRunning);
  EXPECT_EQ(job.runtime.version, 2);
  EXPECT_EQ(job.runtime.workflow_version, 2);
  EXPECT_EQ(job.runtime.desired_state_version, 1);
  mine.desired_state_version = 0;
  EXPECT_THAT(store_->WriteJobRuntime(JobId("j1"), mine),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("(rule: at least 1)")));
  mine.desired_state_version = 1;

  EXPECT_THAT(store_->WriteJobRuntime(JobId("nope"), mine),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
}

TEST_P(StoreConformanceTest, ConfigVersionsCountUpAndTheNewestIsTheJobs) {
  CreateJob(*store_, "j1");
  JobConfigRecord v2 = Config("j1", "renamed", "carol", "pool-b", {{"k", "v"}, {"k2", "v2"}});
  v2.version = 2;
  v2.instance_count = 10;
  v2.config = "second";
  ASSERT_THAT(store_->AddJobConfig(v2), IsOk());

  PELOTON_ASSERT_OK_AND_ASSIGN(JobSummary job, store_->GetJob(JobId("j1")));
  EXPECT_EQ(job.name, "renamed");
  EXPECT_EQ(job.owner, "carol");
  EXPECT_EQ(job.pool_id, PoolId("pool-b"));
  EXPECT_EQ(job.instance_count, 10u);
  EXPECT_THAT(job.labels, ElementsAre(Label{"k", "v"}, Label{"k2", "v2"}));
  EXPECT_EQ(job.runtime.version, 1);  // a config is not a runtime write

  PELOTON_ASSERT_OK_AND_ASSIGN(JobConfigRecord got, store_->GetJobConfig(JobId("j1"), 1));
  EXPECT_EQ(got.name, "job");
  PELOTON_ASSERT_OK_AND_ASSIGN(got, store_->GetJobConfig(JobId("j1")));
  EXPECT_EQ(got.version, 2);
  EXPECT_EQ(got.config, "second");

  EXPECT_THAT(store_->AddJobConfig(v2),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("newest is 2")));
  v2.version = 4;
  EXPECT_THAT(store_->AddJobConfig(v2), StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(store_->GetJobConfig(JobId("j1"), 3).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("version 3")));
  JobConfigRecord other = Config("nope");
  other.version = 2;
  EXPECT_THAT(store_->AddJobConfig(other), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreConformanceTest, ActiveJobsIndex) {
  CreateJob(*store_, "j2");
  CreateJob(*store_, "j1");
  EXPECT_THAT(store_->ListActiveJobs(),
              ::peloton::testing::IsOkAndHolds(ElementsAre(JobId("j1"), JobId("j2"))));
  ASSERT_THAT(store_->RemoveActiveJob(JobId("j1")), IsOk());
  ASSERT_THAT(store_->RemoveActiveJob(JobId("j1")), IsOk());  // idempotent
  EXPECT_THAT(store_->ListActiveJobs(),
              ::peloton::testing::IsOkAndHolds(ElementsAre(JobId("j2"))));
  ASSERT_THAT(store_->AddActiveJob(JobId("j1")), IsOk());
  ASSERT_THAT(store_->AddActiveJob(JobId("j1")), IsOk());  // idempotent
  EXPECT_THAT(store_->ListActiveJobs(),
              ::peloton::testing::IsOkAndHolds(ElementsAre(JobId("j1"), JobId("j2"))));
  EXPECT_THAT(store_->AddActiveJob(JobId("nope")), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(store_->RemoveActiveJob(JobId("j1")), IsOk());
  EXPECT_THAT(store_->ListActiveJobs(), ::peloton::testing::IsOkAndHolds(ElementsAre(JobId("j2"))));
  EXPECT_THAT(store_->GetJob(JobId("j1")).status(), IsOk());  // still a job
}

TEST_P(StoreConformanceTest, DeleteJobRemovesEverythingOfItAndNothingElse) {
  for (const char* id : {"j1", "j2"}) {
    CreateJob(*store_, id);
    std::vector<TaskRuntime> tasks = {Task(0), Task(1)};
    ASSERT_THAT(store_->WriteTaskRuntimes(JobId(id), absl::MakeSpan(tasks)), IsOk());
    PodEvent e;
    e.run_id = 1;
    ASSERT_THAT(store_->AddPodEvents(JobId(id), {e}), IsOk());
    UpdateRecord u;
    u.update_id = absl::StrCat("u-", id);
    u.job_id = JobId(id);
    ASSERT_THAT(store_->CreateUpdate(u), IsOk());
    ASSERT_THAT(store_->AddInstanceWorkflowEvents(u.update_id, {InstanceWorkflowEvent{}}), IsOk());
  }
  ASSERT_THAT(store_->DeleteJob(JobId("j1")), IsOk());
  EXPECT_THAT(store_->GetJob(JobId("j1")).status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->GetJobConfig(JobId("j1")).status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->GetTaskRuntime(JobId("j1"), 0).status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->GetUpdate("u-j1").status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->ListActiveJobs(), ::peloton::testing::IsOkAndHolds(ElementsAre(JobId("j2"))));
  EXPECT_THAT(store_->DeleteJob(JobId("j1")), StatusIs(absl::StatusCode::kNotFound));

  // A job created again under the same id starts empty.
  CreateJob(*store_, "j1");
  EXPECT_THAT(store_->ListTaskRuntimes(JobId("j1")), ::peloton::testing::IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->GetPodEvents(JobId("j1"), 0), ::peloton::testing::IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(store_->ListUpdates(JobId("j1")), ::peloton::testing::IsOkAndHolds(IsEmpty()));

  // j2 is untouched.
  EXPECT_THAT(store_->ListTaskRuntimes(JobId("j2")), ::peloton::testing::IsOkAndHolds(SizeIs(2)));
  EXPECT_THAT(store_->GetPodEvents(JobId("j2"), 0), ::peloton::testing::IsOkAndHolds(SizeIs(1)));
  EXPECT_THAT(store_->GetInstanceWorkflowEvents("u-j2", 0),
              ::peloton::testing::IsOkAndHolds(SizeIs(1)));
}

// ---------------------------------------------------------------------------------------------
// Task runtimes

TEST_P(StoreConformanceTest, TaskRuntimesRoundTripEveryField) {
  CreateJob(*store_, "j1");
  TaskRuntime t = Task(7, TaskState::kRunning);
  t.goal_state = TaskState::kRunning;
  t.host = "host-1";
  t.agent_id = "agent-1";
  t.desired_host = "host-2";
  t.config_version = 3;
  t.desired_config_version = 4;
  t.healthy = HealthState::kHealthy;
  t.reason = "REASON_X";
  t.message = "started";
  t.failure_count = 2;
  t.start_time = Micros(123'456);
  t.completion_time = Micros(789'012);
  t.info = std::string("\0\x01\xfe", 3);
  std::vector<TaskRuntime> batch = {t};
  ASSERT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(batch)), IsOk());
  EXPECT_EQ(batch[0].version, 1);

  PELOTON_ASSERT_OK_AND_ASSIGN(TaskRuntime got, store_->GetTaskRuntime(JobId("j1"), 7));
  EXPECT_EQ(got.instance_id, 7u);
  EXPECT_EQ(got.state, TaskState::kRunning);
  EXPECT_EQ(got.goal_state, TaskState::kRunning);
  EXPECT_EQ(got.mesos_task_id, t.mesos_task_id);
  EXPECT_EQ(got.desired_mesos_task_id, t.desired_mesos_task_id);
  EXPECT_EQ(got.host, "host-1");
  EXPECT_EQ(got.agent_id, "agent-1");
  EXPECT_EQ(got.desired_host, "host-2");
  EXPECT_EQ(got.config_version, 3);
  EXPECT_EQ(got.desired_config_version, 4);
  EXPECT_EQ(got.healthy, HealthState::kHealthy);
  EXPECT_EQ(got.reason, "REASON_X");
  EXPECT_EQ(got.message, "started");
  EXPECT_EQ(got.failure_count, 2u);
  EXPECT_EQ(got.start_time, Micros(123'456));
  EXPECT_EQ(got.completion_time, Micros(789'012));
  EXPECT_EQ(got.info, t.info);
  EXPECT_EQ(got.version, 1);
  // An update writes every field too.
  batch[0].desired_host.clear();
  batch[0].host = "host-3";
  ASSERT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(batch)), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(got, store_->GetTaskRuntime(JobId("j1"), 7));
  EXPECT_EQ(got.desired_host, "");
  EXPECT_EQ(got.host, "host-3");
  EXPECT_EQ(got.version, 2);
  EXPECT_THAT(store_->GetTaskRuntime(JobId("j1"), 8).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("instance 8")));
}

TEST_P(StoreConformanceTest, TaskRuntimeBatchesAndFilters) {
  CreateJob(*store_, "j1");
  std::vector<TaskRuntime> tasks;
  for (uint32_t i = 0; i < 100; ++i) {
    tasks.push_back(Task(99 - i, i % 3 == 0 ? TaskState::kRunning : TaskState::kPending));
  }
  ASSERT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());
  // Second write of the whole batch with the versions it returned.
  for (TaskRuntime& t : tasks) t.failure_count = 1;
  ASSERT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());

  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<TaskRuntime> all, store_->ListTaskRuntimes(JobId("j1")));
  ASSERT_THAT(all, SizeIs(100));
  for (uint32_t i = 0; i < 100; ++i) {
    EXPECT_EQ(all[i].instance_id, i);  // by instance
    EXPECT_EQ(all[i].version, 2);
    EXPECT_EQ(all[i].failure_count, 1u);
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(
      std::vector<TaskRuntime> running,
      store_->ListTaskRuntimes(JobId("j1"), {.states = {TaskState::kRunning}}));
  EXPECT_THAT(running, SizeIs(34));
  for (const TaskRuntime& t : running) EXPECT_EQ(t.state, TaskState::kRunning);
  PELOTON_ASSERT_OK_AND_ASSIGN(
      std::vector<TaskRuntime> range,
      store_->ListTaskRuntimes(JobId("j1"), {.from_instance = 10, .to_instance = 13}));
  EXPECT_THAT(Versions(range),
              ElementsAre(std::pair{10u, 2}, std::pair{11u, 2}, std::pair{12u, 2}));
  EXPECT_THAT(store_->ListTaskRuntimes(JobId("nope")).status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(
      store_->ListTaskRuntimes(JobId("j1"), {.states = {static_cast<TaskState>(99)}}).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("filter.states[0]")));
}

TEST_P(StoreConformanceTest, AStaleVersionAbortsTheWholeBatch) {
  CreateJob(*store_, "j1");
  std::vector<TaskRuntime> tasks = {Task(0), Task(1), Task(2)};
  ASSERT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());
  std::vector<TaskRuntime> other = {tasks[1]};
  other[0].state = TaskState::kKilled;
  ASSERT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(other)), IsOk());

  // tasks[1] is now stale: the batch fails and none of it is written.
  for (TaskRuntime& t : tasks) t.state = TaskState::kRunning;
  tasks.push_back(Task(3));
  EXPECT_THAT(
      store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)),
      StatusIs(absl::StatusCode::kAborted,
               HasSubstr("instance 1: written with version 1, but the stored version is 2")));
  EXPECT_EQ(tasks[0].version, 1);  // the caller's versions are not bumped
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<TaskRuntime> all, store_->ListTaskRuntimes(JobId("j1")));
  ASSERT_THAT(all, SizeIs(3));  // instance 3 was not created
  EXPECT_EQ(all[0].state, TaskState::kInitialized);
  EXPECT_EQ(all[1].state, TaskState::kKilled);
  EXPECT_EQ(all[2].state, TaskState::kInitialized);

  // Creating an instance that exists is a conflict too.
  std::vector<TaskRuntime> again = {Task(2)};
  EXPECT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(again)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("stored version is 1")));
  // And updating one that does not.
  std::vector<TaskRuntime> ghost = {Task(50)};
  ghost[0].version = 3;
  EXPECT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(ghost)),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("does not exist")));
}

TEST_P(StoreConformanceTest, TaskRuntimeBadInput) {
  CreateJob(*store_, "j1");
  std::vector<TaskRuntime> dup = {Task(4), Task(5), Task(4)};
  EXPECT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(dup)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("task_runtimes[2].instance_id: 4 appears twice")));
  std::vector<TaskRuntime> bad = {Task(0)};
  bad[0].goal_state = static_cast<TaskState>(77);
  EXPECT_THAT(
      store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(bad)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("task_runtimes[0].goal_state")));
  std::vector<TaskRuntime> ok = {Task(0)};
  EXPECT_THAT(store_->WriteTaskRuntimes(JobId("nope"), absl::MakeSpan(ok)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  EXPECT_THAT(store_->ListTaskRuntimes(JobId("j1")), ::peloton::testing::IsOkAndHolds(IsEmpty()));
}

// ---------------------------------------------------------------------------------------------
// Pod events

// A call of many events (the SQL stores write them many rows a statement, the rest one a
// statement): each event comes back whole, its own fields in each column.
TEST_P(StoreConformanceTest, PodEventsOfALargeBatchKeepEveryField) {
  CreateJob(*store_, "j1");
  std::vector<PodEvent> events;
  for (uint32_t i = 0; i < 71; ++i) {
    PodEvent e;
    e.instance_id = i;
    e.run_id = 1 + i % 3;
    e.actual_state = i % 2 ? TaskState::kRunning : TaskState::kLaunched;
    e.goal_state = i % 2 ? TaskState::kSucceeded : TaskState::kRunning;
    e.mesos_task_id = absl::StrCat("j1-", i, "-", e.run_id);
    e.host = absl::StrCat("host-", i);
    e.agent_id = absl::StrCat("agent-", i);
    e.config_version = 10 + i;
    e.desired_config_version = 20 + i;
    e.desired_run_id = 30 + i;
    e.healthy = i % 2 ? HealthState::kHealthy : HealthState::kUnhealthy;
    e.reason = absl::StrCat("REASON_", i);
    e.message = absl::StrCat("message ", i);
    e.time = Micros(1000 + i);
    events.push_back(e);
  }
  ASSERT_THAT(store_->AddPodEvents(JobId("j1"), events), IsOk());
  for (const PodEvent& want : events) {
    SCOPED_TRACE(want.instance_id);
    PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<PodEvent> got,
                                 store_->GetPodEvents(JobId("j1"), want.instance_id));
    ASSERT_THAT(got, SizeIs(1));
    const PodEvent& e = got[0];
    EXPECT_EQ(e.instance_id, want.instance_id);
    EXPECT_EQ(e.run_id, want.run_id);
    EXPECT_EQ(e.actual_state, want.actual_state);
    EXPECT_EQ(e.goal_state, want.goal_state);
    EXPECT_EQ(e.mesos_task_id, want.mesos_task_id);
    EXPECT_EQ(e.host, want.host);
    EXPECT_EQ(e.agent_id, want.agent_id);
    EXPECT_EQ(e.config_version, want.config_version);
    EXPECT_EQ(e.desired_config_version, want.desired_config_version);
    EXPECT_EQ(e.desired_run_id, want.desired_run_id);
    EXPECT_EQ(e.healthy, want.healthy);
    EXPECT_EQ(e.reason, want.reason);
    EXPECT_EQ(e.message, want.message);
    EXPECT_EQ(e.time, want.time);
  }
}

TEST_P(StoreConformanceTest, PodEventsNewestRunFirst) {
  CreateJob(*store_, "j1");
  std::vector<PodEvent> events;
  for (int64_t run = 1; run <= 12; ++run) {
    const TaskState states[] = {TaskState::kLaunched, TaskState::kRunning, TaskState::kFailed};
    for (int k = 0; k < 3; ++k) {
      const TaskState s = states[k];
      PodEvent e;
      e.instance_id = 0;
      e.run_id = run;
      e.actual_state = s;
      e.goal_state = TaskState::kSucceeded;
      e.mesos_task_id = absl::StrCat("j1-0-", run);
      e.message = Name(s).data();
      e.time = Micros(run * 100 + k);
      events.push_back(e);
    }
  }
  PodEvent other;
  other.instance_id = 1;
  other.run_id = 1;
  events.push_back(other);
  ASSERT_THAT(store_->AddPodEvents(JobId("j1"), events), IsOk());

  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<PodEvent> got, store_->GetPodEvents(JobId("j1"), 0));
  ASSERT_THAT(got, SizeIs(30));  // the newest 10 runs, 3 events each
  EXPECT_EQ(got.front().run_id, 12);
  EXPECT_EQ(got.front().actual_state, TaskState::kFailed);  // newest event first
  EXPECT_EQ(got[2].actual_state, TaskState::kLaunched);
  EXPECT_EQ(got.back().run_id, 3);
  EXPECT_EQ(got.front().mesos_task_id, "j1-0-12");

  PELOTON_ASSERT_OK_AND_ASSIGN(got, store_->GetPodEvents(JobId("j1"), 0, {.run_id = 5}));
  ASSERT_THAT(got, SizeIs(3));
  for (const PodEvent& e : got) EXPECT_EQ(e.run_id, 5);
  PELOTON_ASSERT_OK_AND_ASSIGN(got, store_->GetPodEvents(JobId("j1"), 0, {.max_runs = 2}));
  EXPECT_THAT(got, SizeIs(6));

  ASSERT_THAT(store_->DeletePodEvents(JobId("j1"), 0, 1, 11), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(got, store_->GetPodEvents(JobId("j1"), 0));
  ASSERT_THAT(got, SizeIs(6));
  EXPECT_EQ(got.back().run_id, 11);
  EXPECT_THAT(store_->GetPodEvents(JobId("j1"), 1), ::peloton::testing::IsOkAndHolds(SizeIs(1)));

  EXPECT_THAT(store_->AddPodEvents(JobId("j1"), {PodEvent{}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pod_events[0].run_id")));
  EXPECT_THAT(store_->AddPodEvents(JobId("nope"), {other}), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->DeletePodEvents(JobId("j1"), 0, 5, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("from_run")));
}

// ---------------------------------------------------------------------------------------------
// Workflows

TEST_P(StoreConformanceTest, WorkflowsAreVersionedAndKeepTheirHistory) {
  CreateJob(*store_, "j1");
  UpdateRecord u;
  u.update_id = "u1";
  u.job_id = JobId("j1");
  u.type = WorkflowType::kUpdate;
  u.state = UpdateState::kInitialized;
  u.options = "opts";
  u.config_version = 2;
  u.prev_config_version = 1;
  u.instances_total = 5;
  u.instances_updated = {0, 1, 2};
  u.instances_added = {3, 4};
  u.creation_time = Micros(10);
  u.update_time = Micros(10);
  ASSERT_THAT(store_->CreateUpdate(u), IsOk());
  EXPECT_EQ(u.version, 1);
  EXPECT_THAT(store_->CreateUpdate(u), StatusIs(absl::StatusCode::kInvalidArgument));
  UpdateRecord dup = u;
  dup.version = 0;
  EXPECT_THAT(store_->CreateUpdate(dup), StatusIs(absl::StatusCode::kAlreadyExists));

  UpdateRecord stale = u;
  u.prev_state = u.state;
  u.state = UpdateState::kRollingForward;
  u.instances_done = 2;
  u.instances_current = {2};
  u.update_time = Micros(20);
  ASSERT_THAT(store_->WriteUpdate(u), IsOk());
  u.instances_done = 3;  // progress without a state change
  ASSERT_THAT(store_->WriteUpdate(u), IsOk());
  u.prev_state = u.state;
  u.state = UpdateState::kSucceeded;
  u.update_time = Micros(30);
  ASSERT_THAT(store_->WriteUpdate(u), IsOk());
  EXPECT_EQ(u.version, 4);
  EXPECT_THAT(store_->WriteUpdate(stale),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("stored version is 4")));
  stale.version = 4;
  stale.job_id = JobId("j2");
  EXPECT_THAT(store_->WriteUpdate(stale),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("update.job_id")));

  PELOTON_ASSERT_OK_AND_ASSIGN(UpdateRecord got, store_->GetUpdate("u1"));
  EXPECT_EQ(got.state, UpdateState::kSucceeded);
  EXPECT_EQ(got.prev_state, UpdateState::kRollingForward);
  EXPECT_EQ(got.options, "opts");
  EXPECT_EQ(got.instances_done, 3u);
  EXPECT_THAT(got.instances_updated, ElementsAre(0, 1, 2));
  EXPECT_THAT(got.instances_added, ElementsAre(3, 4));
  EXPECT_THAT(got.instances_current, ElementsAre(2));
  EXPECT_THAT(got.instances_removed, IsEmpty());
  EXPECT_EQ(got.version, 4);

  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<UpdateEvent> history, store_->GetUpdateEvents("u1"));
  ASSERT_THAT(history, SizeIs(3));
  EXPECT_EQ(history[0].state, UpdateState::kInitialized);
  EXPECT_EQ(history[1].state, UpdateState::kRollingForward);
  EXPECT_EQ(history[1].time, Micros(20));
  EXPECT_EQ(history[2].state, UpdateState::kSucceeded);

  EXPECT_THAT(store_->GetUpdate("nope").status(), StatusIs(absl::StatusCode::kNotFound));
  UpdateRecord orphan;
  orphan.update_id = "u9";
  orphan.job_id = JobId("nope");
  EXPECT_THAT(store_->CreateUpdate(orphan), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreConformanceTest, WorkflowListsAndInstanceProgress) {
  CreateJob(*store_, "j1");
  for (int i = 1; i <= 3; ++i) {
    UpdateRecord u;
    u.update_id = absl::StrCat("u", i);
    u.job_id = JobId("j1");
    u.creation_time = Micros(i * 10);
    ASSERT_THAT(store_->CreateUpdate(u), IsOk());
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<UpdateRecord> list, store_->ListUpdates(JobId("j1")));
  ASSERT_THAT(list, SizeIs(3));
  EXPECT_EQ(list[0].update_id, "u3");  // newest first
  EXPECT_EQ(list[2].update_id, "u1");
  PELOTON_ASSERT_OK_AND_ASSIGN(list, store_->ListUpdates(JobId("j1"), 1));
  ASSERT_THAT(list, SizeIs(1));
  EXPECT_EQ(list[0].update_id, "u3");

  std::vector<InstanceWorkflowEvent> events;
  for (UpdateState s :
       {UpdateState::kInitialized, UpdateState::kRollingForward, UpdateState::kSucceeded}) {
    events.push_back({4, WorkflowType::kRestart, s, Micros(static_cast<int>(s))});
  }
  events.push_back({5, WorkflowType::kRestart, UpdateState::kFailed, Micros(1)});
  ASSERT_THAT(store_->AddInstanceWorkflowEvents("u3", events), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<InstanceWorkflowEvent> got,
                               store_->GetInstanceWorkflowEvents("u3", 4));
  ASSERT_THAT(got, SizeIs(3));
  EXPECT_EQ(got[0].state, UpdateState::kSucceeded);  // newest first
  EXPECT_EQ(got[0].type, WorkflowType::kRestart);
  EXPECT_EQ(got[2].state, UpdateState::kInitialized);
  PELOTON_ASSERT_OK_AND_ASSIGN(got, store_->GetInstanceWorkflowEvents("u3", 4, 1));
  EXPECT_THAT(got, SizeIs(1));
  EXPECT_THAT(store_->AddInstanceWorkflowEvents("nope", events),
              StatusIs(absl::StatusCode::kNotFound));

  ASSERT_THAT(store_->DeleteUpdate("u3"), IsOk());
  EXPECT_THAT(store_->GetInstanceWorkflowEvents("u3", 4).status(),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->ListUpdates(JobId("j1")), ::peloton::testing::IsOkAndHolds(SizeIs(2)));
  EXPECT_THAT(store_->DeleteUpdate("u3"), StatusIs(absl::StatusCode::kNotFound));
}

// ---------------------------------------------------------------------------------------------
// Hosts and frameworks

TEST_P(StoreConformanceTest, HostsAreVersioned) {
  HostRecord a{"host-a",         "10.0.0.1", HostState::kUp, HostState::kUp,
               {{"zone", "z1"}}, "pool1",    "pool1",        0};
  HostRecord b{"host-b", "10.0.0.2", HostState::kUp, HostState::kUp, {}, "", "", 0};
  ASSERT_THAT(store_->WriteHost(a), IsOk());
  ASSERT_THAT(store_->WriteHost(b), IsOk());
  EXPECT_EQ(a.version, 1);

  HostRecord stale = a;
  a.state = HostState::kDraining;
  a.goal_state = HostState::kDown;
  ASSERT_THAT(store_->WriteHost(a), IsOk());
  EXPECT_THAT(store_->WriteHost(stale), StatusIs(absl::StatusCode::kAborted, HasSubstr("host-a")));
  HostRecord fresh = b;
  fresh.version = 0;
  EXPECT_THAT(store_->WriteHost(fresh), StatusIs(absl::StatusCode::kAborted));

  PELOTON_ASSERT_OK_AND_ASSIGN(HostRecord got, store_->GetHost("host-a"));
  EXPECT_EQ(got.state, HostState::kDraining);
  EXPECT_EQ(got.goal_state, HostState::kDown);
  EXPECT_THAT(got.labels, ElementsAre(Label{"zone", "z1"}));
  EXPECT_EQ(got.current_pool, "pool1");
  EXPECT_EQ(got.version, 2);

  const HostState draining[] = {HostState::kDraining};
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<HostRecord> hosts, store_->ListHosts(draining));
  ASSERT_THAT(hosts, SizeIs(1));
  EXPECT_EQ(hosts[0].hostname, "host-a");
  PELOTON_ASSERT_OK_AND_ASSIGN(hosts, store_->ListHosts());
  EXPECT_THAT(hosts, SizeIs(2));

  ASSERT_THAT(store_->DeleteHost("host-a"), IsOk());
  EXPECT_THAT(store_->GetHost("host-a").status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->DeleteHost("host-a"), StatusIs(absl::StatusCode::kNotFound));
  HostRecord bad{"", "", HostState::kUp, HostState::kUp, {}, "", "", 0};
  EXPECT_THAT(store_->WriteHost(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("host.hostname")));
}

TEST_P(StoreConformanceTest, FrameworkRegistration) {
  EXPECT_THAT(store_->GetFramework("Peloton").status(), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(store_->SetFramework({"Peloton", "fw-1", "stream-1"}), IsOk());
  ASSERT_THAT(store_->SetFramework({"Peloton", "fw-1", "stream-2"}), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(FrameworkRecord got, store_->GetFramework("Peloton"));
  EXPECT_EQ(got.framework_id, "fw-1");
  EXPECT_EQ(got.stream_id, "stream-2");
  EXPECT_THAT(store_->SetFramework({"Peloton", "", ""}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("framework.framework_id")));
}

// ---------------------------------------------------------------------------------------------
// Queries

namespace {

struct Seeded {
  std::string id;
  std::string name;
  std::string owner;
  std::string pool;
  std::vector<Label> labels;
  JobState state;
  int64_t created;
  int64_t completed;
};

std::vector<Seeded> SeedJobs(Store& store) {
  std::vector<Seeded> jobs;
  const char* owners[] = {"alice", "bob", "carol"};
  const char* pools[] = {"pool-a", "pool-b"};
  const JobState states[] = {JobState::kRunning, JobState::kSucceeded, JobState::kFailed,
                             JobState::kPending};
  for (int i = 0; i < 24; ++i) {
    Seeded s;
    s.id = absl::StrCat("job-", i < 10 ? "0" : "", i);
    s.name = absl::StrCat(i % 2 == 0 ? "train-" : "serve-", i);
    s.owner = owners[i % 3];
    s.pool = pools[i % 2];
    if (i % 4 == 0) s.labels.push_back({"team", "ml"});
    if (i % 5 == 0) s.labels.push_back({"tier", "gold"});
    s.state = states[i % 4];
    s.created = 1'000'000 + 1000 * ((i * 7) % 24);  // distinct, shuffled
    s.completed = (s.state == JobState::kSucceeded || s.state == JobState::kFailed)
                      ? 5'000'000 + 1000 * i
                      : 0;
    JobRuntime runtime = Runtime(s.state, s.created);
    runtime.completion_time = Micros(s.completed);
    JobConfigRecord config = Config(s.id, s.name, s.owner, s.pool, s.labels);
    EXPECT_THAT(store.CreateJob(config, runtime), IsOk());
    jobs.push_back(s);
  }
  return jobs;
}

std::vector<std::string> Ids(const JobQueryResult& r) {
  std::vector<std::string> ids;
  for (const JobSummary& j : r.jobs) ids.push_back(j.id.value());
  return ids;
}

// The reference: the seeded jobs that match `keep`, newest creation first.
template <typename Pred>
std::vector<std::string> Expect(const std::vector<Seeded>& jobs, Pred keep) {
  std::vector<Seeded> kept;
  for (const Seeded& s : jobs) {
    if (keep(s)) kept.push_back(s);
  }
  std::sort(kept.begin(), kept.end(),
            [](const Seeded& a, const Seeded& b) { return a.created > b.created; });
  std::vector<std::string> ids;
  for (const Seeded& s : kept) ids.push_back(s.id);
  return ids;
}

bool HasLabel(const Seeded& s, const Label& l) {
  return std::find(s.labels.begin(), s.labels.end(), l) != s.labels.end();
}

}  // namespace

TEST_P(StoreConformanceTest, QueryFiltersMatchAReference) {
  const std::vector<Seeded> jobs = SeedJobs(*store_);
  const auto check = [&](const JobQuery& q, const std::vector<std::string>& want) {
    PELOTON_ASSERT_OK_AND_ASSIGN(JobQueryResult r, store_->QueryJobs(q));
    EXPECT_EQ(Ids(r), want);
    EXPECT_EQ(r.total, want.size());
  };
  check({}, Expect(jobs, [](const Seeded&) { return true; }));
  check({.pool_id = PoolId("pool-b")},
        Expect(jobs, [](const Seeded& s) { return s.pool == "pool-b"; }));
  check({.owner = "bob"}, Expect(jobs, [](const Seeded& s) { return s.owner == "bob"; }));
  check({.name = "train"},
        Expect(jobs, [](const Seeded& s) { return s.name.find("train") != std::string::npos; }));
  check({.labels = {{"team", "ml"}}}, Expect(jobs, [](const Seeded& s) {
          return HasLabel(s, {"team", "ml"});
        }));
  check({.labels = {{"team", "ml"}, {"tier", "gold"}}}, Expect(jobs, [](const Seeded& s) {
          return HasLabel(s, {"team", "ml"}) && HasLabel(s, {"tier", "gold"});
        }));
  check({.keywords = {"gold"}}, Expect(jobs, [](const Seeded& s) {
          return HasLabel(s, {"tier", "gold"});
        }));
  check({.keywords = {"car", "serve"}}, Expect(jobs, [](const Seeded& s) {
          return s.owner == "carol" && s.name.find("serve") != std::string::npos;
        }));
  check({.states = {JobState::kSucceeded, JobState::kFailed}}, Expect(jobs, [](const Seeded& s) {
          return s.state == JobState::kSucceeded || s.state == JobState::kFailed;
        }));
  check({.creation_time = TimeRange{Micros(1'005'000), Micros(1'010'000)}},
        Expect(jobs,
               [](const Seeded& s) { return s.created >= 1'005'000 && s.created < 1'010'000; }));
  check({.completion_time = TimeRange{}},
        Expect(jobs, [](const Seeded& s) { return s.completed != 0; }));
  check({.completion_time = TimeRange{Micros(5'010'000), absl::InfiniteFuture()}},
        Expect(jobs, [](const Seeded& s) { return s.completed >= 5'010'000; }));
  check({.pool_id = PoolId("pool-a"), .owner = "alice", .states = {JobState::kRunning}},
        Expect(jobs, [](const Seeded& s) {
          return s.pool == "pool-a" && s.owner == "alice" && s.state == JobState::kRunning;
        }));
  check({.owner = "nobody"}, {});
}

TEST_P(StoreConformanceTest, QueryPagesAndOrders) {
  const std::vector<Seeded> jobs = SeedJobs(*store_);
  const std::vector<std::string> all = Expect(jobs, [](const Seeded&) { return true; });
  std::vector<std::string> paged;
  for (uint32_t offset = 0; offset < 30; offset += 5) {
    PELOTON_ASSERT_OK_AND_ASSIGN(JobQueryResult r,
                                 store_->QueryJobs({.offset = offset, .limit = 5}));
    EXPECT_EQ(r.total, 24u);
    for (const std::string& id : Ids(r)) paged.push_back(id);
  }
  EXPECT_EQ(paged, all);

  // By owner ascending, then name descending, then (always) job id.
  PELOTON_ASSERT_OK_AND_ASSIGN(JobQueryResult r,
                               store_->QueryJobs({.limit = 100,
                                                  .order_by = {{JobOrderField::kOwner, false},
                                                               {JobOrderField::kName, true}}}));
  ASSERT_THAT(r.jobs, SizeIs(24));
  for (size_t i = 1; i < r.jobs.size(); ++i) {
    const JobSummary& a = r.jobs[i - 1];
    const JobSummary& b = r.jobs[i];
    EXPECT_TRUE(a.owner < b.owner || (a.owner == b.owner && a.name >= b.name))
        << a.owner << "/" << a.name << " before " << b.owner << "/" << b.name;
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(
      r, store_->QueryJobs({.limit = 1, .order_by = {{JobOrderField::kCreationTime, false}}}));
  EXPECT_EQ(Ids(r), std::vector<std::string>{all.back()});
}

TEST_P(StoreConformanceTest, QueryRejectsBadInput) {
  EXPECT_THAT(store_->QueryJobs({.limit = 0}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query.limit")));
  EXPECT_THAT(store_->QueryJobs({.limit = kMaxQueryLimit + 1}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query.limit")));
  EXPECT_THAT(store_->QueryJobs({.states = {static_cast<JobState>(50)}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query.states[0]")));
  EXPECT_THAT(store_->QueryJobs({.creation_time = TimeRange{Micros(5), Micros(1)}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query.creation_time")));
  EXPECT_THAT(store_->QueryJobs({.keywords = {""}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query.keywords[0]")));
  EXPECT_THAT(store_->QueryJobs({.order_by = {{static_cast<JobOrderField>(9), true}}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("query.order_by[0].field")));
}

// ---------------------------------------------------------------------------------------------
// Durability

TEST_P(StoreConformanceTest, AFenceTakenByAnotherStoreStopsThisOnesWrites) {
  using ::peloton::testing::IsOkAndHolds;
  using ::testing::AllOf;
  EXPECT_THAT(store_->TakeFence("jobmgr", "a:5392"), IsOkAndHolds(1));
  JobRuntime first = Runtime();
  ASSERT_THAT(store_->CreateJob(Config("j1"), first), IsOk());  // the fence holds: writes go

  // Another process (another store on the same instance) takes the fence.
  absl::StatusOr<std::unique_ptr<Store>> other = GetParam().open(instance_);
  ASSERT_THAT(other.status(), IsOk());
  EXPECT_THAT((*other)->TakeFence("jobmgr", "b:5392"), IsOkAndHolds(2));

  // Every write of this one is refused and writes nothing; reads go on.
  JobRuntime second = Runtime();
  const absl::Status fenced = store_->CreateJob(Config("j2"), second);
  EXPECT_THAT(fenced, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr("fenced: jobmgr was taken by b:5392 at epoch 2"),
                                     HasSubstr("held epoch 1"))));
  EXPECT_TRUE(IsFenced(fenced));
  EXPECT_EQ(second.version, 0);
  EXPECT_THAT(store_->GetJob(JobId("j2")).status(), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->WriteJobRuntime(JobId("j1"), first),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  EXPECT_THAT(store_->RemoveActiveJob(JobId("j1")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  EXPECT_THAT(store_->SetFramework({"Peloton", "fw-1", "s-1"}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  EXPECT_THAT(store_->ListActiveJobs(), IsOkAndHolds(ElementsAre(JobId("j1"))));
  EXPECT_FALSE(IsFenced(absl::FailedPreconditionError("another precondition")));

  // The successor writes; taken back, the first writes again and the successor is fenced.
  JobRuntime theirs = Runtime();
  EXPECT_THAT((*other)->CreateJob(Config("j2"), theirs), IsOk());
  EXPECT_THAT(store_->TakeFence("jobmgr", "a:5392"), IsOkAndHolds(3));
  EXPECT_THAT(store_->WriteJobRuntime(JobId("j1"), first), IsOk());
  EXPECT_THAT((*other)->WriteJobRuntime(JobId("j2"), theirs),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("at epoch 3")));
  EXPECT_THAT(store_->TakeFence("", "a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fence")));
  EXPECT_THAT(store_->TakeFence("jobmgr", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("holder")));
}

TEST_P(StoreConformanceTest, AJobClaimedByAnotherStoreStopsThisOnesWritesOfThatJobOnly) {
  using ::peloton::testing::IsOkAndHolds;
  using ::testing::AllOf;
  absl::StatusOr<std::unique_ptr<Store>> other = GetParam().open(instance_);
  ASSERT_THAT(other.status(), IsOk());
  store_->EnforceJobClaims();
  (*other)->EnforceJobClaims();

  // A job is claimed before it is created; a job not claimed here is not written here.
  JobRuntime runtime = Runtime();
  const absl::Status unclaimed = store_->CreateJob(Config("j1"), runtime);
  EXPECT_THAT(unclaimed, StatusIs(absl::StatusCode::kFailedPrecondition,
                                  HasSubstr("fenced: job j1 is not claimed by this process")));
  EXPECT_TRUE(IsFenced(unclaimed));
  EXPECT_THAT(store_->ClaimJob(JobId("j1"), "a:5392"), IsOkAndHolds(1));
  ASSERT_THAT(store_->CreateJob(Config("j1"), runtime), IsOk());
  std::vector<TaskRuntime> tasks = {Task(0), Task(1)};
  ASSERT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());
  UpdateRecord u;
  u.update_id = "u1";
  u.job_id = JobId("j1");
  ASSERT_THAT(store_->CreateUpdate(u), IsOk());
  EXPECT_THAT(store_->ClaimJob(JobId("j2"), "a:5392"), IsOkAndHolds(1));
  JobRuntime runtime2 = Runtime();
  ASSERT_THAT(store_->CreateJob(Config("j2"), runtime2), IsOk());
  // Writes that are not of a job need no claim.
  ASSERT_THAT(store_->CreatePool({PoolId("p"), "/p", "cfg", "", {}, {}}), IsOk());

  // The other store takes j1 over: this one's writes of j1, of its tasks, events and workflows
  // are refused and write nothing; its writes of j2 go on; reads go on.
  EXPECT_THAT((*other)->ClaimJob(JobId("j1"), "b:5392"), IsOkAndHolds(2));
  const std::vector<TaskRuntime> before = tasks;
  tasks[0].state = TaskState::kRunning;
  const absl::Status fenced = store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks));
  EXPECT_THAT(fenced, StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr("fenced: job/j1 was taken by b:5392 at epoch 2"),
                                     HasSubstr("held epoch 1"))));
  EXPECT_TRUE(IsFenced(fenced));
  EXPECT_EQ(tasks[0].version, before[0].version);
  EXPECT_THAT(store_->WriteJobRuntime(JobId("j1"), runtime),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  PodEvent event;
  event.run_id = 1;
  EXPECT_THAT(store_->AddPodEvents(JobId("j1"), {event}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  EXPECT_THAT(store_->WriteUpdate(u),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  EXPECT_THAT(store_->AddInstanceWorkflowEvents("u1", {InstanceWorkflowEvent{}}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  EXPECT_THAT(store_->DeleteUpdate("u1"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  EXPECT_THAT(store_->RemoveActiveJob(JobId("j1")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  EXPECT_THAT(store_->DeleteJob(JobId("j1")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced")));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<TaskRuntime> stored,
                               store_->ListTaskRuntimes(JobId("j1")));
  EXPECT_EQ(stored[0].state, TaskState::kInitialized);
  EXPECT_THAT(store_->GetPodEvents(JobId("j1"), 0), IsOkAndHolds(::testing::IsEmpty()));
  EXPECT_THAT(store_->GetUpdate("u1").status(), IsOk());
  EXPECT_THAT(store_->WriteJobRuntime(JobId("j2"), runtime2), IsOk());

  // The new owner writes what it loads; it may delete the job, and the claim goes with it.
  PELOTON_ASSERT_OK_AND_ASSIGN(stored, (*other)->ListTaskRuntimes(JobId("j1")));
  EXPECT_THAT((*other)->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(stored)), IsOk());
  EXPECT_THAT((*other)->DeleteUpdate("u1"), IsOk());
  EXPECT_THAT((*other)->DeleteJob(JobId("j1")), IsOk());
  JobRuntime late = Runtime();
  EXPECT_THAT(store_->CreateJob(Config("j1"), late),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("fenced: job/j1 is gone")));
  JobRuntime again = Runtime();
  EXPECT_THAT((*other)->CreateJob(Config("j1"), again),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not claimed")));
  EXPECT_THAT((*other)->ClaimJob(JobId("j1"), "b:5392"), IsOkAndHolds(1));
  EXPECT_THAT((*other)->CreateJob(Config("j1"), again), IsOk());

  // Released, a claim no longer lets this store write the job.
  store_->ReleaseJob(JobId("j2"));
  EXPECT_THAT(store_->WriteJobRuntime(JobId("j2"), runtime2),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not claimed")));
  EXPECT_THAT(store_->ClaimJob(JobId(""), "a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("job_id")));
  EXPECT_THAT(store_->ClaimJob(JobId("j2"), ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("holder")));
}

TEST_P(StoreConformanceTest, ClaimsAreNotCheckedUntilEnforced) {
  // A store that does not enforce claims (one job manager alone) writes any job.
  JobRuntime runtime = Runtime();
  ASSERT_THAT(store_->CreateJob(Config("j1"), runtime), IsOk());
  absl::StatusOr<std::unique_ptr<Store>> other = GetParam().open(instance_);
  ASSERT_THAT(other.status(), IsOk());
  EXPECT_THAT((*other)->ClaimJob(JobId("j1"), "b:5392"), ::peloton::testing::IsOkAndHolds(1));
  EXPECT_THAT(store_->WriteJobRuntime(JobId("j1"), runtime), IsOk());
}

TEST_P(StoreConformanceTest, EverythingSurvivesAReopen) {
  ASSERT_THAT(store_->CreatePool({PoolId("p"), "/p", "cfg", "", {}, {}}), IsOk());
  CreateJob(*store_, "j1");
  std::vector<TaskRuntime> tasks = {Task(0), Task(1)};
  ASSERT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());
  PodEvent e;
  e.run_id = 1;
  ASSERT_THAT(store_->AddPodEvents(JobId("j1"), {e}), IsOk());
  UpdateRecord u;
  u.update_id = "u1";
  u.job_id = JobId("j1");
  ASSERT_THAT(store_->CreateUpdate(u), IsOk());
  HostRecord h{"h", "ip", HostState::kUp, HostState::kUp, {}, "", "", 0};
  ASSERT_THAT(store_->WriteHost(h), IsOk());
  ASSERT_THAT(store_->SetFramework({"Peloton", "fw", "s"}), IsOk());

  Reopen();
  EXPECT_THAT(store_->GetPool(PoolId("p")).status(), IsOk());
  EXPECT_THAT(store_->GetJob(JobId("j1")).status(), IsOk());
  EXPECT_THAT(store_->ListActiveJobs(), ::peloton::testing::IsOkAndHolds(ElementsAre(JobId("j1"))));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<TaskRuntime> got, store_->ListTaskRuntimes(JobId("j1")));
  EXPECT_THAT(Versions(got), ElementsAre(std::pair{0u, 1}, std::pair{1u, 1}));
  EXPECT_THAT(store_->GetPodEvents(JobId("j1"), 0), ::peloton::testing::IsOkAndHolds(SizeIs(1)));
  EXPECT_THAT(store_->GetUpdate("u1").status(), IsOk());
  EXPECT_THAT(store_->GetHost("h").status(), IsOk());
  EXPECT_THAT(store_->GetFramework("Peloton").status(), IsOk());
  // Versions carry on from where they were.
  ASSERT_THAT(store_->WriteTaskRuntimes(JobId("j1"), absl::MakeSpan(tasks)), IsOk());
  EXPECT_EQ(tasks[0].version, 2);
}

}  // namespace peloton::store::testing
