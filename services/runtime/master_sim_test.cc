// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Every component on the sim backend: 1,000 simulated hosts, tasks that "run" for the duration
// their label gives, on a clock the test advances by one tick period per tick.

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/taskfsm/task_id.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/yaml_proto.h"
#include "services/backend/sim/sim_backend.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"

namespace peloton::runtime {
namespace {

using ::peloton::testing::IsOk;
using taskfsm::JobState;
using taskfsm::TaskState;

class MasterSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string dir =
        absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/master_sim_",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    PELOTON_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open({.path = dir + "/peloton.db"}));
    PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<backend::HostInfo> hosts,
                                 backend::sim::GenerateHosts(1000, "cpu=4,memory_mb=8192"));
    PELOTON_ASSERT_OK_AND_ASSIGN(
        backend_, backend::sim::SimBackend::Create({hosts, 1, [this] { return now_; }}));
    ASSERT_NO_FATAL_FAILURE(StartMaster(*backend_));
    resmgr::respool_pb::ResourcePoolConfig pool;
    ASSERT_THAT(api::YamlToProto(R"yaml(
name: sim
resources:
- {kind: cpu, reservation: 4000, limit: 4000, share: 1}
- {kind: memory, reservation: 8192000, limit: 8192000, share: 1}
)yaml",
                                 pool)
                    .status(),
                IsOk());
    PELOTON_ASSERT_OK_AND_ASSIGN(pool_, master_->pools().CreatePool("/sim", pool));
  }

  JobId Create(const std::string& yaml) {
    jobmgr::job_pb::JobConfig config;
    EXPECT_THAT(api::YamlToProto(yaml, config).status(), IsOk());
    config.mutable_respoolid()->set_value(pool_.value());
    absl::StatusOr<JobId> id = master_->jobs().CreateJob(config);
    EXPECT_THAT(id.status(), IsOk());
    return id.ok() ? *id : JobId();
  }
  // One tick per simulated 100 ms, until `done` (or 10 simulated minutes).
  template <typename Pred>
  jobmgr::JobView TickUntil(const JobId& id, Pred done) {
    for (int i = 0; i < 6000; ++i) {
      EXPECT_THAT(master_->Tick(), IsOk());
      now_ += absl::Milliseconds(100);
      absl::StatusOr<jobmgr::JobView> v = master_->jobs().GetJob(id);
      if (v.ok() && done(*v)) return *v;
    }
    ADD_FAILURE() << "job " << id << " did not get there";
    return {};
  }
  static bool Terminal(const jobmgr::JobView& v) { return taskfsm::IsTerminal(v.runtime.state); }
  static auto Running(uint32_t n) {
    return [n](const jobmgr::JobView& v) { return v.task_counts[int(TaskState::kRunning)] == n; };
  }
  // A master over `backend` (the simulation, or a decorator of it) and the test's store,
  // recovered as after a start.
  void StartMaster(backend::Backend& backend, MasterOptions options = {}) {
    PELOTON_ASSERT_OK_AND_ASSIGN(master_, Master::Create(*store_, backend, std::move(options)));
    ASSERT_THAT(master_->Recover(), IsOk());
  }

  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
  PoolId pool_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<backend::sim::SimBackend> backend_;
  std::unique_ptr<Master> master_;
};

TEST_F(MasterSimTest, AJobRunsOnSimulatedHostsForItsDurations) {
  const JobId id = Create(R"yaml(
instancecount: 500
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  labels: [{key: peloton.sim/duration, value: "2"}]
  command: {shell: true, value: 'run-a-model --epochs 10'}
instanceconfig:
  7:
    labels: [{key: peloton.sim/duration, value: "2"}, {key: peloton.sim/exit-code, value: "3"}]
    restartpolicy: {maxfailures: 1}
)yaml");
  const absl::Time start = now_;
  jobmgr::JobView running = TickUntil(id, Running(500));
  EXPECT_LT(now_ - start, absl::Seconds(2));  // all running before the first one ends
  const jobmgr::JobView view = TickUntil(id, Terminal);
  EXPECT_EQ(view.runtime.state, JobState::kFailed);
  EXPECT_EQ(view.task_counts[int(TaskState::kSucceeded)], 499u);
  EXPECT_EQ(view.task_counts[int(TaskState::kFailed)], 1u);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  EXPECT_EQ(tasks[7].message, "exit code 3");
  std::set<std::string> hosts;
  for (const store::TaskRuntime& t : tasks) hosts.insert(t.host.str());
  EXPECT_EQ(hosts.size(), 125u);  // pack: four 1-cpu tasks to each 4-cpu host
  EXPECT_EQ(backend_->running(), 0u);
}

// Reference §7 scenario 16: a crashing service task is started again and again, throttled with
// Peloton's defaults (30 s, then 60 s, ...): after 40 s its run id is between 2 and 19. With 100
// instances, the whole job's restarts stay throttled too.
TEST_F(MasterSimTest, ACrashingServiceIsRestartedWithExponentialBackoff) {
  MasterOptions options;
  options.jobs.now = [this] { return now_; };  // the throttle on the simulation's clock
  ASSERT_NO_FATAL_FAILURE(StartMaster(*backend_, options));
  const JobId id = Create(R"yaml(
type: SERVICE
instancecount: 100
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'exit 1'}
)yaml");
  const absl::Time start = now_;
  jobmgr::JobView view;
  for (int i = 0; i < 400; ++i) {  // 40 simulated seconds
    ASSERT_THAT(master_->Tick(), IsOk());
    now_ += absl::Milliseconds(100);
  }
  EXPECT_GE(now_ - start, absl::Seconds(40));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  for (const store::TaskRuntime& t : tasks) {
    PELOTON_ASSERT_OK_AND_ASSIGN(taskfsm::MesosTaskId run,
                                 taskfsm::ParseMesosTaskId(t.mesos_task_id));
    EXPECT_GE(run.run, 2u) << t.mesos_task_id;
    EXPECT_LE(run.run, 19u) << t.mesos_task_id;
    EXPECT_EQ(t.goal_state, TaskState::kRunning);
    EXPECT_GE(t.failure_count, 1u);
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::PodEvent> events,
                               master_->jobs().PodEvents(id, 0, 5));
  int failed = 0;
  for (const store::PodEvent& e : events) failed += e.actual_state == TaskState::kFailed;
  EXPECT_GE(failed, 1);
  // Stopped, it ends, and the restarts it was waiting for do not happen. (Its tasks were
  // FAILED, waiting out their throttle; the job's state follows them, as in Peloton.)
  ASSERT_THAT(master_->jobs().StopJob(id), IsOk());
  view = TickUntil(id, Terminal);
  for (int i = 0; i < 1200; ++i) {  // two simulated minutes
    ASSERT_THAT(master_->Tick(), IsOk());
    now_ += absl::Milliseconds(100);
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> after,
                               master_->jobs().ListTasks(id));
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].mesos_task_id, tasks[i].mesos_task_id);
    EXPECT_TRUE(taskfsm::IsTerminal(after[i].state));
  }
  EXPECT_EQ(backend_->running(), 0u);
}

TEST_F(MasterSimTest, StoppingKillsSimulatedTasks) {
  const JobId id = Create(R"yaml(
instancecount: 20
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml");
  TickUntil(id, Running(20));
  EXPECT_EQ(backend_->running(), 20u);
  ASSERT_THAT(master_->jobs().StopJob(id), IsOk());
  const jobmgr::JobView view = TickUntil(id, Terminal);
  EXPECT_EQ(view.runtime.state, JobState::kKilled);
  EXPECT_EQ(view.task_counts[int(TaskState::kKilled)], 20u);
  EXPECT_EQ(backend_->running(), 0u);
}

// Reference §6.1: a host put into maintenance stops taking tasks, its tasks run again
// elsewhere (preempted for HOST_MAINTENANCE, not failed), it goes down once empty, and comes
// back when maintenance completes.
TEST_F(MasterSimTest, HostMaintenanceMovesTasksAwayThenTakesTheHostDown) {
  const JobId id = Create(R"yaml(
instancecount: 8
sla: {preemptible: true}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  labels: [{key: peloton.sim/duration, value: "60"}]
  command: {shell: true, value: 'serve'}
)yaml");
  TickUntil(id, Running(8));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> before,
                               master_->jobs().ListTasks(id));
  const std::string host = before[0].host.str();  // pack: instances 0-3 share the first host
  ASSERT_THAT(master_->hosts().StartMaintenance({host}), IsOk());
  TickUntil(id, [&](const auto& v) {
    return master_->hosts().ListHosts()[*master_->hosts().cluster().FindHost(host)].state ==
               placement::HostState::kDown &&
           v.task_counts[int(TaskState::kRunning)] == 8;
  });
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> after,
                               master_->jobs().ListTasks(id));
  for (const store::TaskRuntime& t : after) {
    EXPECT_NE(t.host, host) << "instance " << t.instance_id;
    EXPECT_EQ(t.failure_count, 0u) << "moved, not failed";
  }
  EXPECT_NE(after[0].mesos_task_id, before[0].mesos_task_id);  // a new run elsewhere
  ASSERT_THAT(master_->hosts().CompleteMaintenance({host}), IsOk());
  EXPECT_EQ(master_->hosts().ListHosts()[*master_->hosts().cluster().FindHost(host)].state,
            placement::HostState::kUp);
}

// One task of an hour with a deadline of a minute.
constexpr const char* kSixtySecondDeadline = R"yaml(
instancecount: 1
sla: {maxrunningtime: 60}
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml";

// The simulation's clock here is in 2023, years behind the job manager's: a cluster clock far
// from ours. Start times are the job manager's, so a deadline does not fire at once.
TEST_F(MasterSimTest, AClusterClockFarFromOursDoesNotFireDeadlines) {
  const absl::Time created = absl::Now();
  const JobId id = Create(kSixtySecondDeadline);
  TickUntil(id, Running(1));
  for (int i = 0; i < 20; ++i) {
    ASSERT_THAT(master_->Tick(), IsOk());
    now_ += absl::Milliseconds(100);
  }
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  EXPECT_EQ(tasks[0].state, TaskState::kRunning);
  EXPECT_GE(tasks[0].start_time, created);
  EXPECT_LE(tasks[0].start_time, absl::Now());
}

// With the simulation's clock given to the job manager, deadlines run on simulated time.
TEST_F(MasterSimTest, DeadlinesFollowTheJobManagersClock) {
  MasterOptions options;
  options.jobs.now = [this] { return now_; };
  ASSERT_NO_FATAL_FAILURE(StartMaster(*backend_, options));
  const JobId id = Create(kSixtySecondDeadline);
  const absl::Time created = now_;
  const jobmgr::JobView view = TickUntil(id, Terminal);  // 100 simulated ms a tick
  EXPECT_EQ(view.runtime.state, JobState::kKilled);
  EXPECT_GE(now_ - created, absl::Seconds(60));
  EXPECT_LT(now_ - created, absl::Seconds(62));
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> tasks,
                               master_->jobs().ListTasks(id));
  EXPECT_EQ(tasks[0].reason, "DEADLINE_TIMEOUT_EXCEEDED");
  EXPECT_GE(tasks[0].start_time, created);
  EXPECT_EQ(view.runtime.creation_time, created);
}

// Gangs that fit nowhere back off instead of filling every round's dequeue window: a job
// behind twice as many of them as a round takes still runs, while they keep waiting.
TEST_F(MasterSimTest, GangsThatFitNowhereDoNotHoldUpThoseBehindThem) {
  MasterOptions options;
  options.jobs.now = [this] { return now_; };  // the resource manager's backoff too
  options.dequeue_limit = 10;
  ASSERT_NO_FATAL_FAILURE(StartMaster(*backend_, options));
  const JobId big = Create(R"yaml(
instancecount: 20
defaultconfig:
  resource: {cpulimit: 8, memlimitmb: 64}
  command: {shell: true, value: 'train'}
)yaml");
  const JobId small = Create(R"yaml(
instancecount: 10
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  labels: [{key: peloton.sim/duration, value: "600"}]
  command: {shell: true, value: 'serve'}
)yaml");
  const absl::Time start = now_;
  TickUntil(small, Running(10));
  EXPECT_LT(now_ - start, absl::Seconds(5));
  PELOTON_ASSERT_OK_AND_ASSIGN(jobmgr::JobView view, master_->jobs().GetJob(big));
  EXPECT_EQ(view.task_counts[int(TaskState::kPending)], 20u);
  EXPECT_GT(master_->pools().waiting().backoff, 0u);
}

// A daemon job on every host: instances follow hosts that leave, join, and go into and out of
// maintenance, each pinned to its host.
TEST_F(MasterSimTest, ADaemonJobFollowsHostsThatComeAndGo) {
  MasterOptions options;
  options.jobs.now = [this] { return now_; };  // FollowHosts looks every simulated second
  ASSERT_NO_FATAL_FAILURE(StartMaster(*backend_, options));
  const JobId id = Create(R"yaml(
type: DAEMON
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 16}
  command: {shell: true, value: 'sleep 100000'}
)yaml");
  TickUntil(id, Running(1000));
  // (host -> instance) of the instances not removed; every one runs where it is pinned.
  const auto on_hosts = [&] {
    std::map<std::string, uint32_t> out;
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks = master_->jobs().ListTasks(id);
    EXPECT_THAT(tasks.status(), IsOk());
    for (const store::TaskRuntime& t : tasks.ok() ? *tasks : std::vector<store::TaskRuntime>{}) {
      if (t.goal_state == TaskState::kDeleted) continue;
      if (t.state == TaskState::kRunning) EXPECT_EQ(t.host, t.desired_host) << t.mesos_task_id;
      EXPECT_TRUE(out.emplace(t.desired_host, t.instance_id).second) << t.desired_host;
    }
    return out;
  };
  EXPECT_EQ(on_hosts().size(), 1000u);
  const uint32_t on_sim5 = on_hosts().at("sim-5");

  // sim-5 leaves (its task is lost) as sim-1000 joins: sim-5's instance id moves there.
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<backend::HostInfo> more,
                               backend::sim::GenerateHosts(1001, "cpu=4,memory_mb=8192"));
  ASSERT_THAT(backend_->RemoveHost("sim-5"), IsOk());
  ASSERT_THAT(backend_->AddHost(more.back()), IsOk());
  jobmgr::JobView view = TickUntil(id, [&](const jobmgr::JobView& v) {
    return v.task_counts[int(TaskState::kRunning)] == 1000 && on_hosts().contains("sim-1000");
  });
  EXPECT_EQ(view.runtime.state, JobState::kRunning);
  std::map<std::string, uint32_t> hosts = on_hosts();
  EXPECT_FALSE(hosts.contains("sim-5"));
  EXPECT_EQ(hosts.at("sim-1000"), on_sim5);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<store::TaskRuntime> moved,
                               master_->jobs().ListTasks(id, on_sim5, on_sim5 + 1));
  EXPECT_GT(taskfsm::ParseMesosTaskId(moved[0].mesos_task_id)->run, 1u);

  // sim-7 goes into maintenance: its instance is removed (DELETED), so the host empties and
  // goes down; back up, it gets one again.
  ASSERT_THAT(master_->hosts().StartMaintenance({"sim-7"}), IsOk());
  const auto state_of = [&](const std::string& host) {
    return master_->hosts().ListHosts()[*master_->hosts().cluster().FindHost(host)].state;
  };
  TickUntil(id, [&](const jobmgr::JobView& v) {
    return state_of("sim-7") == placement::HostState::kDown &&
           v.task_counts[int(TaskState::kRunning)] == 999 &&
           v.task_counts[int(TaskState::kDeleted)] == 1;
  });
  EXPECT_FALSE(on_hosts().contains("sim-7"));
  ASSERT_THAT(master_->hosts().CompleteMaintenance({"sim-7"}), IsOk());
  TickUntil(id, Running(1000));
  EXPECT_TRUE(on_hosts().contains("sim-7"));
  // sim-5 comes back too.
  ASSERT_THAT(backend_->AddHost(more[5]), IsOk());
  TickUntil(id, Running(1001));
  EXPECT_EQ(on_hosts().size(), 1001u);
}

// A job manager given no clock keeps the real one.
TEST_F(MasterSimTest, AnEmptyClockIsTheRealOne) {
  MasterOptions options;
  options.jobs.now = nullptr;
  ASSERT_NO_FATAL_FAILURE(StartMaster(*backend_, options));
  const absl::Time before = absl::Now();
  const JobId id = Create(kSixtySecondDeadline);
  PELOTON_ASSERT_OK_AND_ASSIGN(jobmgr::JobView view, master_->jobs().GetJob(id));
  EXPECT_GE(view.runtime.creation_time, before);
  EXPECT_LE(view.runtime.creation_time, absl::Now());
}

// A backend that passes every call to another: the tests' decorators override what they watch.
class ForwardingBackend : public backend::Backend {
 public:
  explicit ForwardingBackend(backend::Backend& inner) : inner_(inner) {}
  std::vector<backend::HostInfo> Hosts() const override { return inner_.Hosts(); }
  absl::Status Launch(const backend::LaunchSpec& spec) override { return inner_.Launch(spec); }
  absl::Status Kill(const std::string& id) override { return inner_.Kill(id); }
  std::vector<backend::TaskStatus> Poll() override { return inner_.Poll(); }
  std::vector<backend::TaskStatus> Reconcile(const std::vector<std::string>& ids) override {
    return inner_.Reconcile(ids);
  }
  absl::Status DestroyVolume(const std::string& host, const std::string& id) override {
    return inner_.DestroyVolume(host, id);
  }

 protected:
  backend::Backend& inner_;
};

// A backend that looks in the store when asked to launch: what a crash right then would leave.
class StoreAtLaunch final : public ForwardingBackend {
 public:
  StoreAtLaunch(backend::Backend& inner, store::Store& store)
      : ForwardingBackend(inner), store_(store) {}
  absl::Status Launch(const backend::LaunchSpec& spec) override {
    absl::StatusOr<taskfsm::MesosTaskId> id = taskfsm::ParseMesosTaskId(spec.task_id);
    if (id.ok()) {
      absl::StatusOr<store::TaskRuntime> t = store_.GetTaskRuntime(JobId(id->job_id), id->instance);
      if (t.ok()) stored_at_launch.push_back(t->state);
    }
    return inner_.Launch(spec);
  }
  std::vector<TaskState> stored_at_launch;

 private:
  store::Store& store_;
};

// The job manager records LAUNCHED before the backend starts a task: a crash in between leaves
// a LAUNCHED task that recovery finds LOST and runs again, never a process nobody knows of.
TEST_F(MasterSimTest, LaunchedIsRecordedBeforeTheBackendStartsTheTask) {
  StoreAtLaunch watching(*backend_, *store_);
  ASSERT_NO_FATAL_FAILURE(StartMaster(watching));
  const JobId id = Create(R"yaml(
instancecount: 3
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml");
  TickUntil(id, Running(3));
  EXPECT_THAT(
      watching.stored_at_launch,
      ::testing::ElementsAre(TaskState::kLaunched, TaskState::kLaunched, TaskState::kLaunched));
}

// A backend whose kills do nothing (a task stuck in KILLING); Shutdown still ends the task.
class StuckKills final : public ForwardingBackend {
 public:
  using ForwardingBackend::ForwardingBackend;
  absl::Status Kill(const std::string&) override {
    ++kills;
    return absl::OkStatus();
  }
  absl::Status Shutdown(const std::string& task_id) override {
    ++shutdowns;
    return inner_.Kill(task_id);
  }
  int kills = 0, shutdowns = 0;
};

// Reference §3.6 (executor_shutdown): a task a kill does not end within its grace period and
// the margin is shut down, once.
TEST_F(MasterSimTest, ATaskStuckInKillingIsShutDown) {
  StuckKills stuck(*backend_);
  MasterOptions options;
  options.jobs.kill_timeout_margin = absl::ZeroDuration();
  ASSERT_NO_FATAL_FAILURE(StartMaster(stuck, options));
  const JobId id = Create(R"yaml(
instancecount: 1
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  killgraceperiodseconds: 1
  command: {shell: true, value: 'sleep 3600'}
)yaml");
  TickUntil(id, Running(1));
  ASSERT_THAT(master_->jobs().StopJob(id), IsOk());
  EXPECT_THAT(master_->Tick(), IsOk());
  EXPECT_EQ(stuck.kills, 1);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);  // the grace period is real time
  while (stuck.shutdowns == 0 && absl::Now() < deadline) {
    EXPECT_THAT(master_->Tick(), IsOk());
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(stuck.shutdowns, 1);
  const jobmgr::JobView view = TickUntil(id, Terminal);
  EXPECT_EQ(view.runtime.state, JobState::kKilled);
  EXPECT_EQ(stuck.shutdowns, 1);  // once
}

}  // namespace
}  // namespace peloton::runtime
