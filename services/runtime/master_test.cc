// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Batch jobs end to end: the SQLite store, the local backend running real processes on two
// virtual hosts, and every component, ticked as peloton-master ticks them.

#include "services/runtime/master.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/ports.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/yaml_proto.h"
#include "services/backend/local/local_backend.h"
#include "services/backend/local/test_options.h"
#include "services/store/sqlite_store.h"

namespace peloton::runtime {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using taskfsm::JobState;
using taskfsm::TaskState;
using ::testing::HasSubstr;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class MasterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/master_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Start();
    PELOTON_ASSERT_OK_AND_ASSIGN(pool_, master_->pools().CreatePool("/batch", PoolConfig()));
  }

  // Leaves no process behind: every job still active is stopped and waited for.
  void TearDown() override {
    if (master_ == nullptr) return;
    absl::StatusOr<std::vector<JobId>> active = store_->ListActiveJobs();
    if (!active.ok()) return;
    for (const JobId& id : *active) {
      (void)master_->jobs().StopJob(id);
      RunToEnd(id);
    }
  }

  // A (re)start of the master over the same store file and sandboxes.
  void Start(int hosts_count = 2) {
    master_.reset();
    backend_.reset();
    store_.reset();
    PELOTON_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open({.path = dir_ + "/peloton.db"}));
    backend::HostInfo machine;
    machine.hostname = "local";
    machine.capacity = Resources::Of(4000 * hosts_count, 4096 * hosts_count, 10000, 0);
    machine.ports = {ports_};
    machine.revocable_milli_cpu = revocable_milli_cpu_;
    PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<backend::HostInfo> hosts,
                                 backend::local::SplitIntoVirtualHosts(machine, hosts_count));
    const char* srcdir = std::getenv("TEST_SRCDIR");
    PELOTON_ASSERT_OK_AND_ASSIGN(
        backend_, backend::local::LocalBackend::Create(backend::local::AsThisUser(
                      {absl::StrCat(srcdir != nullptr ? srcdir : ".",
                                    "/peloton/services/backend/local/peloton-task-runner"),
                       dir_ + "/sandboxes", dir_ + "/runners", hosts, dir_ + "/volumes"})));
    PELOTON_ASSERT_OK_AND_ASSIGN(master_, Master::Create(*store_, *backend_, options_));
    ASSERT_THAT(master_->Recover(), IsOk());
  }

  static resmgr::respool_pb::ResourcePoolConfig PoolConfig() {
    resmgr::respool_pb::ResourcePoolConfig config;
    EXPECT_THAT(api::YamlToProto(R"yaml(
name: batch
resources:
- {kind: cpu, reservation: 4, limit: 8, share: 1}
- {kind: memory, reservation: 4096, limit: 8192, share: 1}
- {kind: disk, reservation: 1000, limit: 10000, share: 1}
)yaml",
                                 config)
                    .status(),
                IsOk());
    return config;
  }

  // @SHARED@ in the YAML: a directory the test and its tasks share (tasks see nothing of the
  // data directory but their own sandbox).
  jobmgr::job_pb::JobConfig Job(const std::string& yaml) {
    jobmgr::job_pb::JobConfig config;
    EXPECT_THAT(api::YamlToProto(absl::StrReplaceAll(yaml, {{"@SHARED@", Shared()}}), config)
                    .status(),
                IsOk());
    config.mutable_respoolid()->set_value(pool_.value());
    return config;
  }

  std::string Shared() {
    const std::string shared = dir_ + "-shared";
    std::filesystem::create_directories(shared);
    return shared;
  }

  // Ticks until `done` holds for the job's view (or a generous limit).
  template <typename Pred>
  jobmgr::JobView TickUntil(const JobId& id, Pred done) {
    jobmgr::JobView view;
    for (int i = 0; i < 500; ++i) {
      EXPECT_THAT(master_->Tick(), IsOk());
      absl::StatusOr<jobmgr::JobView> v = master_->jobs().GetJob(id);
      if (v.ok()) {
        view = *v;
        if (done(view)) return view;
      }
      usleep(10'000);
    }
    ADD_FAILURE() << "job " << id << " did not get there";
    return view;
  }
  // One instance's runtime (an empty one when it cannot be read).
  store::TaskRuntime TaskOf(const JobId& id, uint32_t instance) {
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks =
        master_->jobs().ListTasks(id, instance, instance + 1);
    return tasks.ok() && tasks->size() == 1 ? tasks->front() : store::TaskRuntime{};
  }
  static uint32_t Count(const jobmgr::JobView& v, TaskState s) {
    return v.task_counts[static_cast<int>(s)];
  }
  std::set<std::string> HostsOfRunning(const JobId& id) {
    std::set<std::string> hosts;
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks = master_->jobs().ListTasks(id);
    EXPECT_THAT(tasks.status(), IsOk());
    if (!tasks.ok()) return hosts;
    for (const store::TaskRuntime& t : *tasks) {
      if (t.state == TaskState::kRunning) hosts.insert(t.host.str());
    }
    return hosts;
  }

  // Pools /A and /B, each reserving half of 12 cores and limited to all of them.
  std::map<std::string, PoolId> CreatePoolsAB() {
    std::map<std::string, PoolId> pools;
    for (const char* name : {"A", "B"}) {
      resmgr::respool_pb::ResourcePoolConfig config;
      EXPECT_THAT(api::YamlToProto(absl::StrCat("name: ", name, R"yaml(
resources:
- {kind: cpu, reservation: 6, limit: 12, share: 1}
- {kind: memory, reservation: 1024, limit: 12288, share: 1}
)yaml"),
                                   config)
                      .status(),
                  IsOk());
      absl::StatusOr<PoolId> id = master_->pools().CreatePool(absl::StrCat("/", name), config);
      EXPECT_THAT(id.status(), IsOk());
      if (id.ok()) pools[name] = *id;
    }
    return pools;
  }

  // Ticks until the job is terminal (or a generous limit, so a bug cannot hang CI).
  jobmgr::JobView RunToEnd(const JobId& id) {
    for (int i = 0; i < 2000; ++i) {
      EXPECT_THAT(master_->Tick(), IsOk());
      absl::StatusOr<jobmgr::JobView> view = master_->jobs().GetJob(id);
      if (view.ok() && taskfsm::IsTerminal(view->runtime.state)) return *view;
      usleep(10'000);
    }
    ADD_FAILURE() << "job " << id << " did not end";
    return {};
  }

  std::string dir_;
  int64_t revocable_milli_cpu_ = 0;  // the machine's slack, split among the virtual hosts
  placement::PortRange ports_ = {31000, 31999};  // the machine's, split among the hosts
  MasterOptions options_;
  PoolId pool_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<backend::local::LocalBackend> backend_;
  std::unique_ptr<Master> master_;
};

// The seed's quick start, in the library's terms: a 10-instance batch job whose instances all
// succeed, instance 0 a controller with its own command.
TEST_F(MasterTest, ABatchJobRunsToSuccess) {
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(Job(R"yaml(
name: TestPelotonJob_123
instancecount: 10
defaultconfig:
  resource: {cpulimit: 0.5, memlimitmb: 32, disklimitmb: 10}
  command: {shell: true, value: 'echo "Job $PELOTON_JOB_ID instance $PELOTON_INSTANCE_ID: $PELOTON_TASK_ID"'}
instanceconfig:
  0:
    name: controller0
    controller: true
    command: {shell: true, value: 'echo Hello instance 0'}
)yaml")));
  const jobmgr::JobView view = RunToEnd(id);
  EXPECT_EQ(view.runtime.state, JobState::kSucceeded);
  EXPECT_EQ(view.task_counts[static_cast<int>(TaskState::kSucceeded)], 10u);
  EXPECT_NE(view.runtime.completion_time, absl::UnixEpoch());

  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  ASSERT_EQ(tasks.size(), 10u);
  const std::string sandboxes = dir_ + "/sandboxes/";
  EXPECT_EQ(Slurp(absl::StrCat(sandboxes, tasks[0].mesos_task_id.view(), "/stdout")),
            "Hello instance 0\n");
  EXPECT_EQ(Slurp(absl::StrCat(sandboxes, tasks[7].mesos_task_id.view(), "/stdout")),
            absl::StrCat("Job ", id.value(), " instance 7: ", id.value(), "-7\n"));
  EXPECT_EQ(tasks[7].mesos_task_id, absl::StrCat(id.value(), "-7-1"));
  EXPECT_THAT(tasks[7].host, HasSubstr("local-"));
  // The store has it all: the job left the active index, pod events per run.
  EXPECT_THAT(store_->ListActiveJobs(), ::peloton::testing::IsOkAndHolds(::testing::IsEmpty()));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PodEvent> events, store_->GetPodEvents(id, 7));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().actual_state, TaskState::kSucceeded);
}

// v0 JobManager.Update: instances are added (to a finished job, which runs again); any other
// change is refused naming the field, and a refusal stores nothing.
// A service task whose process dies is started again as a new run, after the throttle
// (reference §3.8, terminated_retry; the base delay is shortened from Peloton's 30 s).
TEST_F(MasterTest, AServiceWhoseProcessIsKilledComesBackAsANewRun) {
  options_.jobs.restart_base_delay = absl::Milliseconds(200);
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string pid_file = dir_ + "/service.pid";
  PELOTON_ASSERT_OK_AND_ASSIGN(
      JobId id, master_->jobs().CreateJob(Job(absl::StrCat(R"yaml(
type: SERVICE
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'echo "$PELOTON_TASK_ID $$" > )yaml",
                                                           pid_file, R"yaml(; exec sleep 3600'}
)yaml"))));
  const auto run_is = [&](uint64_t run) {
    return [&, run](const jobmgr::JobView& v) {
      absl::StatusOr<std::vector<store::TaskRuntime>> tasks = master_->jobs().ListTasks(id);
      return Count(v, TaskState::kRunning) == 1 && tasks.ok() &&
             absl::EndsWith(tasks->front().mesos_task_id, absl::StrCat("-0-", run));
    };
  };
  TickUntil(id, run_is(1));
  // The process, as the task itself wrote it (its shell became `sleep`).
  pid_t pid = 0;
  for (int i = 0; i < 500 && pid == 0; ++i, usleep(10'000)) {
    std::istringstream in(Slurp(pid_file));
    std::string task;
    in >> task >> pid;
  }
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  const jobmgr::JobView view = TickUntil(id, run_is(2));
  EXPECT_EQ(view.runtime.goal_state, JobState::kRunning);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  EXPECT_EQ(tasks[0].failure_count, 1u);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PodEvent> events,
                               master_->jobs().PodEvents(id, 0, 2));
  bool first_run_ended = false;
  for (const store::PodEvent& e : events) {
    first_run_ended |= e.run_id == 1 && taskfsm::IsTerminal(e.actual_state);
  }
  EXPECT_TRUE(first_run_ended);
}

// Health checks run by the local backend beside the task (reference §3.3, scenario 16): an
// HTTP check against a real `python3 -m http.server` makes its task HEALTHY; a command check
// that fails makes its task UNHEALTHY, and failing again kills it, after which it runs again
// as a new run.
TEST_F(MasterTest, HealthChecksMakeTasksHealthyOrKillAndRestartThem) {
  options_.jobs.restart_base_delay = absl::Milliseconds(200);
  // Instance 0 serves HTTP on a static port, which must be one of its host's: the two hosts
  // have `port` and the one after it.
  const uint32_t port = ::peloton::testing::FreePort();
  ports_ = {port, port + 1};
  ASSERT_NO_FATAL_FAILURE(Start());
  PELOTON_ASSERT_OK_AND_ASSIGN(
      JobId id,
      master_->jobs().CreateJob(Job(absl::StrReplaceAll(R"yaml(
type: SERVICE
instancecount: 2
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  ports: [{name: http, value: PORT}]
  command: {shell: true, value: 'exec python3 -m http.server PORT --bind 127.0.0.1'}
  healthcheck:
    enabled: true
    type: HTTP
    initialintervalsecs: 1
    intervalsecs: 1
    maxconsecutivefailures: 10
    httpcheck: {port: PORT, path: /}
instanceconfig:
  1:
    ports: [{name: http, envname: HTTP}]
    command: {shell: true, value: 'exec sleep 3600'}
    healthcheck:
      enabled: true
      type: COMMAND
      initialintervalsecs: 1
      intervalsecs: 1
      maxconsecutivefailures: 2
      commandcheck: {command: 'test -f ready'}
)yaml",
                                                        {{"PORT", absl::StrCat(port)}}))));
  const auto task = [&](uint32_t instance) { return TaskOf(id, instance); };
  TickUntil(id, [&](const jobmgr::JobView&) {
    return task(0).healthy == taskfsm::HealthState::kHealthy &&
           absl::EndsWith(task(1).mesos_task_id, "-1-2");
  });
  EXPECT_EQ(task(0).state, TaskState::kRunning);
  EXPECT_EQ(task(0).message, "HTTP 200 from GET /");
  EXPECT_EQ(task(1).failure_count, 1u);

  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PodEvent> events,
                               master_->jobs().PodEvents(id, 1, 2));
  bool unhealthy_while_running = false, killed_unhealthy = false;
  for (const store::PodEvent& e : events) {
    if (e.run_id != 1) continue;
    unhealthy_while_running |= e.actual_state == TaskState::kRunning &&
                               e.healthy == taskfsm::HealthState::kUnhealthy &&
                               e.message == "health check command: exit code 1";
    killed_unhealthy |= e.actual_state == TaskState::kKilled &&
                        e.healthy == taskfsm::HealthState::kUnhealthy &&
                        absl::StrContains(e.message, "failed 2 health checks in a row");
  }
  EXPECT_TRUE(unhealthy_while_running);
  EXPECT_TRUE(killed_unhealthy);
}

// A task bigger than any host (6 cpu; each host has 4) is admitted but could never be placed:
// its message says so (placement's "never", not "not now") while it waits; the others run.
TEST_F(MasterTest, ATaskNoHostCouldEverHoldIsReportedAsSuch) {
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(Job(R"yaml(
instancecount: 2
sla: {preemptible: true}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'exit 0'}
instanceconfig:
  1: {resource: {cpulimit: 6, memlimitmb: 64}}
)yaml")));
  const auto task = [&](uint32_t instance) { return TaskOf(id, instance); };
  TickUntil(id, [&](const jobmgr::JobView& v) {
    return Count(v, TaskState::kSucceeded) == 1 && task(1).reason == "UNPLACEABLE";
  });
  const store::TaskRuntime big = task(1);
  EXPECT_EQ(big.state, TaskState::kPending);
  EXPECT_THAT(big.message, HasSubstr("no host of this cluster could ever hold it"));
  EXPECT_THAT(big.message, HasSubstr("INSUFFICIENT_RESOURCES"));
}

TEST_F(MasterTest, UpdateAddsInstances) {
  const std::string yaml = R"yaml(
name: grow
instancecount: %d
defaultconfig:
  resource: {cpulimit: 0.5, memlimitmb: 32}
  command: {shell: true, value: 'echo $PELOTON_INSTANCE_ID'}
)yaml";
  jobmgr::job_pb::JobConfig two = Job(absl::StrReplaceAll(yaml, {{"%d", "2"}}));
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(two));
  EXPECT_EQ(RunToEnd(id).runtime.state, JobState::kSucceeded);

  jobmgr::job_pb::JobConfig four = Job(absl::StrReplaceAll(yaml, {{"%d", "4"}}));
  four.clear_respoolid();  // kept from the job
  EXPECT_THAT(master_->jobs().UpdateJob(id, four), ::peloton::testing::IsOkAndHolds(2u));
  EXPECT_THAT(store_->ListActiveJobs(), ::peloton::testing::IsOkAndHolds(::testing::SizeIs(1)));
  const jobmgr::JobView view = RunToEnd(id);
  EXPECT_EQ(view.runtime.state, JobState::kSucceeded);
  EXPECT_EQ(Count(view, TaskState::kSucceeded), 4u);
  EXPECT_EQ(view.runtime.config_version, 2);
  PELOTON_ASSERT_OK_AND_ASSIGN(store::JobConfigRecord stored, store_->GetJobConfig(id));
  EXPECT_EQ(stored.version, 2);
  EXPECT_EQ(stored.instance_count, 4u);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  ASSERT_EQ(tasks.size(), 4u);
  EXPECT_EQ(tasks[3].config_version, 2);
  EXPECT_EQ(Slurp(absl::StrCat(dir_, "/sandboxes/", tasks[3].mesos_task_id.view(), "/stdout")),
            "3\n");
  // The same config again: nothing to do.
  EXPECT_THAT(master_->jobs().UpdateJob(id, four), ::peloton::testing::IsOkAndHolds(0u));

  EXPECT_THAT(master_->jobs().UpdateJob(id, two),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("instanceCount")));
  jobmgr::job_pb::JobConfig renamed = four;
  renamed.set_name("other");
  renamed.set_instancecount(5);
  EXPECT_THAT(master_->jobs().UpdateJob(id, renamed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  EXPECT_THAT(master_->jobs().UpdateJob(JobId("no-such-job"), four),
              StatusIs(absl::StatusCode::kNotFound));
  PELOTON_ASSERT_OK_AND_ASSIGN(stored, store_->GetJobConfig(id));
  EXPECT_EQ(stored.version, 2);
  EXPECT_THAT(store_->ListTaskRuntimes(id), ::peloton::testing::IsOkAndHolds(::testing::SizeIs(4)));
}

TEST_F(MasterTest, FailedTasksAreRetriedByTheRestartPolicy) {
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(Job(R"yaml(
instancecount: 2
defaultconfig:
  resource: {cpulimit: 0.5, memlimitmb: 32}
  restartpolicy: {maxfailures: 2}
  command: {shell: true, value: 'exit 3'}
instanceconfig:
  1:
    command: {shell: true, value: 'if [ -e @SHARED@/flag ]; then exit 0; fi; touch @SHARED@/flag; exit 1'}
)yaml")));
  const jobmgr::JobView view = RunToEnd(id);
  EXPECT_EQ(view.runtime.state, JobState::kFailed);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  EXPECT_EQ(tasks[0].state, TaskState::kFailed);
  // maxFailures 2: it may fail twice, then it is given up.
  EXPECT_EQ(tasks[0].failure_count, 2u);
  EXPECT_EQ(tasks[0].mesos_task_id, absl::StrCat(id.value(), "-0-2"));
  EXPECT_EQ(tasks[0].message, "exit code 3");
  EXPECT_EQ(tasks[1].state, TaskState::kSucceeded);  // failed once, then succeeded
  EXPECT_EQ(tasks[1].failure_count, 1u);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PodEvent> runs, store_->GetPodEvents(id, 0));
  EXPECT_EQ(runs.front().run_id, 2);
  EXPECT_EQ(runs.back().run_id, 1);
}

TEST_F(MasterTest, StoppingAJobKillsItsRunningAndQueuedTasks) {
  // Ten one-core tasks, eight cores: eight run (on both 4-core hosts), two wait in the queue.
  // Preemptible, so that they may use more than the pool's reservation of 4 cores.
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(Job(R"yaml(
instancecount: 10
sla: {preemptible: true}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 32}
  command: {shell: true, value: 'sleep 300'}
)yaml")));
  TickUntil(id, [](const auto& v) { return Count(v, TaskState::kRunning) == 8; });
  PELOTON_ASSERT_OK_AND_ASSIGN(jobmgr::JobView running, master_->jobs().GetJob(id));
  EXPECT_EQ(running.runtime.state, JobState::kRunning);
  EXPECT_EQ(running.task_counts[static_cast<int>(TaskState::kRunning)], 8u);
  EXPECT_EQ(running.task_counts[static_cast<int>(TaskState::kPending)], 2u);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  std::set<std::string> hosts;
  for (const store::TaskRuntime& t : tasks) {
    if (t.state == TaskState::kRunning) hosts.insert(t.host.str());
  }
  EXPECT_EQ(hosts.size(), 2u);

  ASSERT_THAT(master_->jobs().StopJob(id), IsOk());
  const jobmgr::JobView view = RunToEnd(id);
  EXPECT_EQ(view.runtime.state, JobState::kKilled);
  EXPECT_EQ(view.task_counts[static_cast<int>(TaskState::kKilled)], 10u);
  // The pool has nothing left allocated.
  EXPECT_EQ(master_->pools().GetPool("/batch")->allocation.total, Resources());
}

// A gang (minimumRunningInstances) that its pool can never admit waits whole, and leaves its
// queue whole when the job is stopped.
TEST_F(MasterTest, AGangWaitsAndLeavesTogether) {
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(Job(R"yaml(
instancecount: 12
sla: {preemptible: true, minimumrunninginstances: 10}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 8}
  command: {shell: true, value: 'sleep 300'}
)yaml")));
  // Instances 0-9 form one 10-core gang, above the pool's 8-core limit. It heads the pending
  // queue, and admission is strictly head-of-line (reference §2.5), so 10 and 11 wait too.
  for (int i = 0; i < 20; ++i) ASSERT_THAT(master_->Tick(), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(jobmgr::JobView v, master_->jobs().GetJob(id));
  EXPECT_EQ(Count(v, TaskState::kPending), 12u);
  ASSERT_THAT(master_->jobs().StopJob(id), IsOk());
  v = RunToEnd(id);
  EXPECT_EQ(Count(v, TaskState::kKilled), 12u);
  EXPECT_EQ(master_->pools().GetPool("/batch")->demand, Resources());
}

TEST_F(MasterTest, BadJobsAreRefusedAndStoreNothing) {
  EXPECT_THAT(master_->jobs().CreateJob(Job("instancecount: 1\ndefaultconfig: {name: x}")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("command.value")));
  EXPECT_THAT(
      master_->jobs().CreateJob(Job("instancecount: 1\ndefaultconfig: {command: {value: x}}"))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("resource.cpuLimit: 0")));
  jobmgr::job_pb::JobConfig root = Job(
      "instancecount: 1\n"
      "defaultconfig: {command: {value: x}, resource: {cpulimit: 1, memlimitmb: 1}}");
  root.mutable_respoolid()->set_value("root");
  EXPECT_THAT(master_->jobs().CreateJob(root).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a leaf pool")));
  root.mutable_respoolid()->set_value("no-such-pool");
  EXPECT_THAT(master_->jobs().CreateJob(root).status(), StatusIs(absl::StatusCode::kNotFound));
  PELOTON_ASSERT_OK_AND_ASSIGN(store::JobQueryResult all, store_->QueryJobs({}));
  EXPECT_EQ(all.total, 0u);
}

// kill -9 of the master in the middle of a job, then a restart: running tasks are kept (not
// run twice), queued ones are queued again, and the job finishes.
TEST_F(MasterTest, ARestartedMasterFinishesTheJob) {
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(Job(R"yaml(
instancecount: 10
sla: {preemptible: true}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 32}
  command: {shell: true, value: 'echo started >> @SHARED@/runs-$PELOTON_INSTANCE_ID; while [ ! -e @SHARED@/go ]; do sleep 0.02; done'}
)yaml")));
  TickUntil(id, [](const auto& v) { return Count(v, TaskState::kRunning) == 8; });
  PELOTON_ASSERT_OK_AND_ASSIGN(jobmgr::JobView before, master_->jobs().GetJob(id));
  ASSERT_EQ(before.task_counts[static_cast<int>(TaskState::kRunning)], 8u);
  Start();  // the old master is gone without a word; its tasks keep running
  std::ofstream(Shared() + "/go") << "go";
  const jobmgr::JobView view = RunToEnd(id);
  EXPECT_EQ(view.runtime.state, JobState::kSucceeded);
  EXPECT_EQ(view.task_counts[static_cast<int>(TaskState::kSucceeded)], 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Slurp(absl::StrCat(Shared(), "/runs-", i)), "started\n") << "instance " << i;
  }
}

// Reference §7 scenario 4: non-preemptible work never uses more than the reservation.
TEST_F(MasterTest, NonPreemptibleJobsStayWithinTheReservation) {
  const std::string sleeper =
      "defaultconfig:\n  resource: {cpulimit: 1, memlimitmb: 32}\n"
      "  command: {shell: true, value: 'sleep 300'}\n";
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId first,
                               master_->jobs().CreateJob(Job("instancecount: 4\n" + sleeper)));
  jobmgr::JobView v =
      TickUntil(first, [](const auto& v) { return Count(v, TaskState::kRunning) == 4; });
  // The pool's reservation (4 cores) is used up by non-preemptible work.
  EXPECT_EQ(master_->pools().GetPool("/batch")->allocation.non_preemptible.milli_cpu(), 4000);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId second,
                               master_->jobs().CreateJob(Job("instancecount: 1\n" + sleeper)));
  PELOTON_ASSERT_OK_AND_ASSIGN(
      JobId elastic,
      master_->jobs().CreateJob(Job("instancecount: 2\nsla: {preemptible: true}\n" + sleeper)));
  v = TickUntil(elastic, [](const auto& v) { return Count(v, TaskState::kRunning) == 2; });
  EXPECT_EQ(Count(v, TaskState::kRunning), 2u);  // preemptible work runs on elastic resources
  PELOTON_ASSERT_OK_AND_ASSIGN(jobmgr::JobView waiting, master_->jobs().GetJob(second));
  EXPECT_EQ(Count(waiting, TaskState::kPending), 1u);  // but not the second non-preemptible job
  ASSERT_THAT(master_->jobs().StopJob(first), IsOk());
  RunToEnd(first);
  v = TickUntil(second, [](const auto& v) { return Count(v, TaskState::kRunning) == 1; });
  EXPECT_EQ(Count(v, TaskState::kRunning), 1u);
}

// Reference §7 scenarios 1 and 2: pools A and B, each reserving half of the 12 cores; A runs
// 12 one-core tasks; when B asks for the same, A is over its entitlement and exactly 6 of its
// tasks are preempted — queued again as new runs (1), or left KILLED with killOnPreempt (2) —
// and B's job succeeds.
class PreemptionTest : public MasterTest, public ::testing::WithParamInterface<bool> {};

TEST_P(PreemptionTest, APoolOverItsEntitlementGivesBackTheExcess) {
  const bool kill_on_preempt = GetParam();
  options_.preemption_period_ticks = 1;
  Start(3);
  const std::map<std::string, PoolId> pools = CreatePoolsAB();
  const auto job_in = [&](const std::string& pool, const std::string& command, bool kill) {
    jobmgr::job_pb::JobConfig job =
        Job(absl::StrCat("instancecount: 12\nsla: {preemptible: true}\ndefaultconfig:\n"
                         "  resource: {cpulimit: 1, memlimitmb: 8}\n"
                         "  preemptionpolicy: {killonpreempt: ",
                         kill ? "true" : "false",
                         "}\n"
                         "  command: {shell: true, value: '",
                         command, "'}\n"));
    job.mutable_respoolid()->set_value(pools.at(pool).value());
    return job;
  };
  PELOTON_ASSERT_OK_AND_ASSIGN(
      JobId a, master_->jobs().CreateJob(job_in("A", "sleep 300", kill_on_preempt)));
  TickUntil(a, [](const auto& v) { return Count(v, TaskState::kRunning) == 12; });
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId b, master_->jobs().CreateJob(job_in("B", "sleep 0.2", false)));
  const jobmgr::JobView done = RunToEnd(b);
  EXPECT_EQ(done.runtime.state, JobState::kSucceeded);

  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks, master_->jobs().ListTasks(a));
  int preempted = 0;
  for (const store::TaskRuntime& t : tasks) {
    EXPECT_EQ(t.failure_count, 0u) << "a preemption is not a failure";
    if (kill_on_preempt) {
      if (t.state == TaskState::kKilled) {
        ++preempted;
        EXPECT_EQ(t.goal_state, TaskState::kPreempting);
      }
    } else if (absl::EndsWith(t.mesos_task_id, "-2")) {
      ++preempted;  // a second run: preempted once and queued again
    }
  }
  EXPECT_EQ(preempted, 6);
}

INSTANTIATE_TEST_SUITE_P(KillOnPreempt, PreemptionTest, ::testing::Bool());

// Reference §7 scenario 6 (revocable work): the hosts declare 4 cores of slack; the pool's
// slack limit is Peloton's default 20% of its memory reservation (1000 MB: 200 MB), so of three
// 100 MB revocable tasks two run, on slack cpu; the third waits without blocking non-revocable
// work; non-revocable demand that needs the pool's memory takes it back from revocable tasks
// first.
TEST_F(MasterTest, RevocableTasksRunOnSlackWithinTheSlackLimitAndArePreemptedFirst) {
  options_.preemption_period_ticks = 1;
  revocable_milli_cpu_ = 4000;
  ASSERT_NO_FATAL_FAILURE(Start(2));
  EXPECT_EQ(master_->hosts().Slack(), Resources::Of(4000, 0, 0, 0));
  resmgr::respool_pb::ResourcePoolConfig config;
  ASSERT_THAT(api::YamlToProto(R"yaml(
name: slack
resources:
- {kind: cpu, reservation: 4, limit: 8, share: 1}
- {kind: memory, reservation: 1000, limit: 1000, share: 1}
)yaml",
                               config)
                  .status(),
              IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(PoolId pool, master_->pools().CreatePool("/slack", config));
  const auto job = [&](uint32_t instances, bool revocable, double cpu) {
    jobmgr::job_pb::JobConfig j = Job(absl::StrCat(
        "instancecount: ", instances, "\nsla: {preemptible: true, revocable: ",
        revocable ? "true" : "false", "}\ndefaultconfig:\n  resource: {cpulimit: ", cpu,
        ", memlimitmb: 100}\n  command: {shell: true, value: 'sleep 600'}\n"));
    j.mutable_respoolid()->set_value(pool.value());
    return j;
  };
  const auto slack_cpu_free = [&] {
    int64_t free = 0;
    const placement::Cluster& cluster = master_->hosts().cluster();
    for (uint32_t h = 0; h < cluster.size(); ++h) free += cluster.host(h).revocable_free_cpu;
    return free;
  };

  PELOTON_ASSERT_OK_AND_ASSIGN(JobId r, master_->jobs().CreateJob(job(3, true, 1)));
  TickUntil(r, [](const auto& v) { return Count(v, TaskState::kRunning) == 2; });
  for (int i = 0; i < 50; ++i) ASSERT_THAT(master_->Tick(), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(jobmgr::JobView view, master_->jobs().GetJob(r));
  EXPECT_EQ(Count(view, TaskState::kRunning), 2u);  // 300 MB of revocable work, 200 MB allowed
  EXPECT_EQ(Count(view, TaskState::kPending), 1u);
  EXPECT_EQ(slack_cpu_free(), 2000);  // their cpu is slack

  // Non-revocable work goes past the waiting revocable task.
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId n, master_->jobs().CreateJob(job(1, false, 0.5)));
  TickUntil(n, [](const auto& v) { return Count(v, TaskState::kRunning) == 1; });

  // 900 MB of non-revocable work in all leaves 100 MB of the pool's 1000 for revocable tasks:
  // one of the two running goes back to wait (preempted, not failed), and all of M runs.
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId m, master_->jobs().CreateJob(job(8, false, 0.5)));
  TickUntil(m, [](const auto& v) { return Count(v, TaskState::kRunning) == 8; });
  view = TickUntil(r, [](const auto& v) {
    return Count(v, TaskState::kRunning) == 1 && Count(v, TaskState::kPending) == 2;
  });
  EXPECT_EQ(Count(view, TaskState::kRunning), 1u);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks, master_->jobs().ListTasks(r));
  int second_runs = 0;
  for (const store::TaskRuntime& t : tasks) {
    EXPECT_EQ(t.failure_count, 0u) << "a preemption is not a failure";
    second_runs += absl::EndsWith(t.mesos_task_id, "-2");
  }
  EXPECT_EQ(second_runs, 1);
  EXPECT_EQ(slack_cpu_free(), 3000);

  // Revocable batch and service work run side by side on the slack.
  for (const JobId& done : {r, m}) {
    ASSERT_THAT(master_->jobs().StopJob(done), IsOk());
    RunToEnd(done);
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId batch, master_->jobs().CreateJob(job(1, true, 1)));
  jobmgr::job_pb::JobConfig service = job(1, true, 1);
  service.set_type(jobmgr::job_pb::SERVICE);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId s, master_->jobs().CreateJob(service));
  TickUntil(s, [](const auto& v) { return Count(v, TaskState::kRunning) == 1; });
  TickUntil(batch, [](const auto& v) { return Count(v, TaskState::kRunning) == 1; });
  EXPECT_EQ(slack_cpu_free(), 2000);  // both on slack cpu
}

// Preemption prefers tasks admitted but not launched (READY): here A's tasks ask for more
// dynamic ports than any host has, so they are admitted but never placed; when B asks for its
// share, six of them go back to A's queue (as new runs) without ever having run.
TEST_F(MasterTest, PreemptionTakesBackAdmittedTasksThatWereNotLaunched) {
  options_.preemption_period_ticks = 1;
  Start(3);
  const std::map<std::string, PoolId> pools = CreatePoolsAB();
  std::string ports;
  for (int p = 0; p < 400; ++p)
    absl::StrAppend(&ports, p == 0 ? "" : ", ", "{name: p", p, ", envname: P", p, "}");
  jobmgr::job_pb::JobConfig unplaceable =
      Job(absl::StrCat("instancecount: 12\nsla: {preemptible: true}\ndefaultconfig:\n"
                       "  resource: {cpulimit: 1, memlimitmb: 8}\n  ports: [",
                       ports,
                       "]\n"
                       "  command: {shell: true, value: 'true'}\n"));
  unplaceable.mutable_respoolid()->set_value(pools.at("A").value());
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId a, master_->jobs().CreateJob(unplaceable));
  for (int i = 0; i < 5; ++i) ASSERT_THAT(master_->Tick(), IsOk());
  EXPECT_EQ(master_->pools().GetPool("/A")->allocation.total.milli_cpu(), 12'000);

  jobmgr::job_pb::JobConfig b_job = Job(
      "instancecount: 12\nsla: {preemptible: true}\ndefaultconfig:\n"
      "  resource: {cpulimit: 1, memlimitmb: 8}\n  command: {shell: true, value: 'sleep 300'}\n");
  b_job.mutable_respoolid()->set_value(pools.at("B").value());
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId b, master_->jobs().CreateJob(b_job));
  TickUntil(b, [](const auto& v) { return Count(v, TaskState::kRunning) >= 6; });
  for (int i = 0; i < 10; ++i) ASSERT_THAT(master_->Tick(), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks, master_->jobs().ListTasks(a));
  int requeued = 0;
  for (const store::TaskRuntime& t : tasks) {
    EXPECT_EQ(t.state, TaskState::kPending) << "instance " << t.instance_id;
    if (!absl::EndsWith(t.mesos_task_id, "-1")) ++requeued;
  }
  EXPECT_GE(requeued, 6);
  // A holds no more than its entitlement now.
  EXPECT_LE(master_->pools().GetPool("/A")->allocation.total.milli_cpu(), 6'000);
}

// Reference §7 scenario 3: with the even instances non-preemptible (a per-task override), only
// the odd ones are preempted.
TEST_F(MasterTest, TaskLevelPreemptionOverride) {
  options_.preemption_period_ticks = 1;
  Start(3);
  const std::map<std::string, PoolId> pools = CreatePoolsAB();
  std::string yaml =
      "instancecount: 12\nsla: {preemptible: true}\ndefaultconfig:\n"
      "  resource: {cpulimit: 1, memlimitmb: 8}\n  command: {shell: true, value: 'sleep 300'}\n"
      "instanceconfig:\n";
  for (int i = 0; i < 12; i += 2) {
    absl::StrAppend(&yaml, "  ", i, ": {preemptionpolicy: {type: TYPE_NON_PREEMPTIBLE}}\n");
  }
  jobmgr::job_pb::JobConfig a_job = Job(yaml);
  a_job.mutable_respoolid()->set_value(pools.at("A").value());
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId a, master_->jobs().CreateJob(a_job));
  TickUntil(a, [](const auto& v) { return Count(v, TaskState::kRunning) == 12; });
  jobmgr::job_pb::JobConfig b_job = Job(
      "instancecount: 6\nsla: {preemptible: true}\ndefaultconfig:\n"
      "  resource: {cpulimit: 1, memlimitmb: 8}\n  command: {shell: true, value: 'sleep 0.2'}\n");
  b_job.mutable_respoolid()->set_value(pools.at("B").value());
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId b, master_->jobs().CreateJob(b_job));
  EXPECT_EQ(RunToEnd(b).runtime.state, JobState::kSucceeded);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks, master_->jobs().ListTasks(a));
  for (const store::TaskRuntime& t : tasks) {
    const bool preempted = !absl::EndsWith(t.mesos_task_id, "-1");
    EXPECT_EQ(preempted, t.instance_id % 2 == 1) << "instance " << t.instance_id;
  }
}

// Reference §7 scenario 17: stop and start ranges of tasks; the job is KILLED once all are
// stopped, and starting tasks of a KILLED job makes it run again.
TEST_F(MasterTest, StopAndStartRangesOfTasks) {
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(Job(R"yaml(
instancecount: 4
sla: {preemptible: true}
defaultconfig:
  resource: {cpulimit: 0.5, memlimitmb: 8}
  command: {shell: true, value: 'sleep 300'}
)yaml")));
  TickUntil(id, [](const auto& v) { return Count(v, TaskState::kRunning) == 4; });
  ASSERT_THAT(master_->jobs().StopTasks(id, 0, 2), IsOk());
  jobmgr::JobView v =
      TickUntil(id, [](const auto& v) { return Count(v, TaskState::kKilled) == 2; });
  EXPECT_EQ(Count(v, TaskState::kRunning), 2u);
  EXPECT_EQ(v.runtime.state, JobState::kRunning);
  EXPECT_EQ(v.runtime.goal_state, JobState::kSucceeded);

  ASSERT_THAT(master_->jobs().StartTasks(id, 0, 1), IsOk());
  v = TickUntil(id, [](const auto& v) { return Count(v, TaskState::kRunning) == 3; });
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  EXPECT_TRUE(absl::EndsWith(tasks[0].mesos_task_id, "-2"));  // a new run
  EXPECT_EQ(tasks[1].state, TaskState::kKilled);

  // Restart: the running instance 3 is killed and runs again as a new run.
  ASSERT_THAT(master_->jobs().RestartTasks(id, 3, 4), IsOk());
  for (int i = 0; i < 300; ++i) {
    ASSERT_THAT(master_->Tick(), IsOk());
    PELOTON_ASSERT_OK_AND_ASSIGN(tasks, master_->jobs().ListTasks(id, 3, 4));
    if (absl::EndsWith(tasks[0].mesos_task_id, "-2") && tasks[0].state == TaskState::kRunning) {
      break;
    }
    usleep(10'000);
  }
  EXPECT_TRUE(absl::EndsWith(tasks[0].mesos_task_id, "-2"));
  EXPECT_EQ(tasks[0].state, TaskState::kRunning);
  EXPECT_EQ(tasks[0].failure_count, 0u);

  ASSERT_THAT(master_->jobs().StopTasks(id, 0, 100), IsOk());
  v = RunToEnd(id);
  EXPECT_EQ(v.runtime.state, JobState::kKilled);
  EXPECT_THAT(store_->ListActiveJobs(), ::peloton::testing::IsOkAndHolds(::testing::IsEmpty()));

  // A KILLED job comes back to life when its tasks are started.
  ASSERT_THAT(master_->jobs().StartTasks(id, 0, 100), IsOk());
  v = TickUntil(id, [](const auto& v) { return Count(v, TaskState::kRunning) == 4; });
  EXPECT_EQ(v.runtime.state, JobState::kRunning);
  EXPECT_THAT(store_->ListActiveJobs(), ::peloton::testing::IsOkAndHolds(::testing::SizeIs(1)));
  EXPECT_THAT(master_->jobs().StartTasks(JobId("nope"), 0, 1),
              StatusIs(absl::StatusCode::kNotFound));
}

// sla.maxRunningTime: a batch task running longer is killed, and not retried.
TEST_F(MasterTest, TasksOverTheirDeadlineAreKilled) {
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(Job(R"yaml(
instancecount: 2
sla: {maxrunningtime: 1}
defaultconfig:
  resource: {cpulimit: 0.5, memlimitmb: 8}
  restartpolicy: {maxfailures: 5}
  command: {shell: true, value: 'sleep 300'}
instanceconfig:
  1: {command: {shell: true, value: 'true'}}
)yaml")));
  const jobmgr::JobView view = RunToEnd(id);
  EXPECT_EQ(view.runtime.state, JobState::kKilled);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  EXPECT_EQ(tasks[0].state, TaskState::kKilled);
  EXPECT_EQ(tasks[0].reason, "DEADLINE_TIMEOUT_EXCEEDED");
  EXPECT_EQ(tasks[0].failure_count, 0u);
  EXPECT_TRUE(absl::EndsWith(tasks[0].mesos_task_id, "-1"));  // not retried
  EXPECT_EQ(tasks[1].state, TaskState::kSucceeded);
}

// Reference §7 scenario 5: a pool's controller limit (10% of its reservation here) admits one
// controller job at a time; other work is not held back by it.
TEST_F(MasterTest, ControllerLimit) {
  resmgr::respool_pb::ResourcePoolConfig config = PoolConfig();
  config.set_name("ctl");
  config.mutable_controllerlimit()->set_maxpercent(10);  // of 4 cores: 0.4
  PELOTON_ASSERT_OK_AND_ASSIGN(PoolId ctl, master_->pools().CreatePool("/ctl", config));
  const auto in_ctl = [&](const std::string& yaml) {
    jobmgr::job_pb::JobConfig job = Job(yaml);
    job.mutable_respoolid()->set_value(ctl.value());
    return job;
  };
  const std::string controller =
      "instancecount: 1\nsla: {preemptible: true}\ndefaultconfig:\n  controller: true\n"
      "  resource: {cpulimit: 0.4, memlimitmb: 8}\n  command: {shell: true, value: 'sleep 300'}\n";
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId first, master_->jobs().CreateJob(in_ctl(controller)));
  TickUntil(first, [](const auto& v) { return Count(v, TaskState::kRunning) == 1; });
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId second, master_->jobs().CreateJob(in_ctl(controller)));
  PELOTON_ASSERT_OK_AND_ASSIGN(
      JobId plain, master_->jobs().CreateJob(
                       in_ctl("instancecount: 2\nsla: {preemptible: true}\ndefaultconfig:\n"
                              "  resource: {cpulimit: 0.4, memlimitmb: 8}\n  command: {shell: "
                              "true, value: 'sleep 300'}\n")));
  TickUntil(plain, [](const auto& v) { return Count(v, TaskState::kRunning) == 2; });
  PELOTON_ASSERT_OK_AND_ASSIGN(jobmgr::JobView waiting, master_->jobs().GetJob(second));
  EXPECT_EQ(Count(waiting, TaskState::kPending), 1u);
  ASSERT_THAT(master_->jobs().StopJob(first), IsOk());
  RunToEnd(first);
  const jobmgr::JobView v =
      TickUntil(second, [](const auto& v) { return Count(v, TaskState::kRunning) == 1; });
  EXPECT_EQ(Count(v, TaskState::kRunning), 1u);
}

// Reference §7 scenario 9: PACK_HOST puts small tasks on one host, SPREAD_JOB on distinct hosts.
TEST_F(MasterTest, PackAndSpreadStrategies) {
  Start(3);
  const std::string small =
      "sla: {preemptible: true}\ndefaultconfig:\n  resource: {cpulimit: 0.1, memlimitmb: 8}\n"
      "  command: {shell: true, value: 'sleep 300'}\n";
  PELOTON_ASSERT_OK_AND_ASSIGN(
      JobId pack,
      master_->jobs().CreateJob(Job("instancecount: 5\nplacementstrategy: 1\n" + small)));
  TickUntil(pack, [](const auto& v) { return Count(v, TaskState::kRunning) == 5; });
  EXPECT_EQ(HostsOfRunning(pack).size(), 1u);
  PELOTON_ASSERT_OK_AND_ASSIGN(
      JobId spread,
      master_->jobs().CreateJob(Job("instancecount: 3\nplacementstrategy: SPREAD_JOB\n" + small)));
  TickUntil(spread, [](const auto& v) { return Count(v, TaskState::kRunning) == 3; });
  EXPECT_EQ(HostsOfRunning(spread).size(), 3u);
}

// Reference §7 scenario 7: a TASK-label host limit of 1 spreads 4 instances over 3 hosts and
// leaves one waiting.
TEST_F(MasterTest, HostLimitConstraint) {
  Start(3);
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, master_->jobs().CreateJob(Job(R"yaml(
instancecount: 4
sla: {preemptible: true}
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 8}
  labels: [{key: instance, value: ubunny.production.ubunny}]
  constraint:
    type: LABEL_CONSTRAINT
    labelconstraint:
      kind: TASK
      condition: CONDITION_EQUAL
      requirement: 0
      label: {key: instance, value: ubunny.production.ubunny}
  command: {shell: true, value: 'sleep 300'}
)yaml")));
  jobmgr::JobView v =
      TickUntil(id, [](const auto& v) { return Count(v, TaskState::kRunning) == 3; });
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(master_->Tick(), IsOk());  // the fourth never finds a host
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(v, master_->jobs().GetJob(id));
  EXPECT_EQ(Count(v, TaskState::kRunning), 3u);
  EXPECT_EQ(Count(v, TaskState::kPending), 1u);
  EXPECT_EQ(HostsOfRunning(id).size(), 3u);
}

}  // namespace
}  // namespace peloton::runtime
