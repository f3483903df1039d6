// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Every component on the Mesos backend against the FakeMesosMaster TEST DOUBLE (not Mesos): a
// daemon job follows agents that register and go away. The double runs on this thread's event
// loop, which the backend's polls (the master's ticks) turn; the test offers for it.

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kj/async-io.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/yaml_proto.h"
#include "services/backend/mesos/mesos_backend.h"
#include "services/backend/mesos/testing/fake_master.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"

namespace peloton::runtime {
namespace {

using ::peloton::testing::IsOk;
using backend::mesos::testing::FakeAgent;
using taskfsm::TaskState;

class MasterMesosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/master_mesos");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    PELOTON_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open({.path = dir + "/peloton.db"}));
    io_ = std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
    master_ = std::make_unique<backend::mesos::testing::FakeMesosMaster>(
        *io_, std::vector<FakeAgent>{{.id = "a1", .hostname = "agent-1"},
                                     {.id = "a2", .hostname = "agent-2"}});
    backend::mesos::MesosBackendOptions options;
    options.master = master_->Listen();
    options.agents_refresh = absl::Hours(1);  // agents that leave are learned of otherwise
    backend_ = std::make_unique<backend::mesos::MesosBackend>(options, "",
                                                               [](const std::string&) {});
    ASSERT_THAT(backend_->Start(*io_->provider, io_->waitScope), IsOk());
    MasterOptions m;
    m.jobs.daemon_period = absl::Milliseconds(10);
    PELOTON_ASSERT_OK_AND_ASSIGN(scheduler_, Master::Create(*store_, *backend_, m));
    ASSERT_THAT(scheduler_->Recover(), IsOk());
    resmgr::respool_pb::ResourcePoolConfig pool;
    ASSERT_THAT(api::YamlToProto(R"yaml(
name: mesos
resources:
- {kind: cpu, reservation: 24, limit: 24, share: 1}
- {kind: memory, reservation: 24576, limit: 24576, share: 1}
)yaml",
                                 pool)
                    .status(),
                IsOk());
    PELOTON_ASSERT_OK_AND_ASSIGN(pool_, scheduler_->pools().CreatePool("/mesos", pool));
  }
  void TearDown() override {
    scheduler_.reset();
    backend_.reset();  // before the double and the loop it runs on
    master_.reset();
  }

  // The agents the daemon's live instances run on (each where it is pinned).
  std::set<std::string> RunningOn(const JobId& id) {
    std::set<std::string> out;
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks = scheduler_->jobs().ListTasks(id);
    EXPECT_THAT(tasks.status(), IsOk());
    for (const store::TaskRuntime& t : tasks.ok() ? *tasks : std::vector<store::TaskRuntime>{}) {
      if (t.state == TaskState::kRunning && t.goal_state != TaskState::kDeleted) {
        EXPECT_EQ(t.host, t.desired_host);
        out.insert(t.host.str());
      }
    }
    return out;
  }
  // Ticks (offering every agent's free resources each time) until the daemon runs on `hosts`.
  void TickUntilOn(const JobId& id, const std::set<std::string>& hosts, uint32_t deleted = 0) {
    const auto there = [&] {
      absl::StatusOr<jobmgr::JobView> view = scheduler_->jobs().GetJob(id);
      return RunningOn(id) == hosts && view.ok() &&
             view->task_counts[int(TaskState::kDeleted)] == deleted;
    };
    for (int i = 0; i < 1000 && !there(); ++i) {
      master_->OfferAll();
      ASSERT_THAT(scheduler_->Tick(), IsOk());
      usleep(2000);
    }
    EXPECT_EQ(RunningOn(id), hosts);
  }

  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<kj::AsyncIoContext> io_;
  std::unique_ptr<backend::mesos::testing::FakeMesosMaster> master_;
  std::unique_ptr<backend::mesos::MesosBackend> backend_;
  std::unique_ptr<Master> scheduler_;
  PoolId pool_;
};

TEST_F(MasterMesosTest, ADaemonJobFollowsAgentsThatRegisterAndLeave) {
  jobmgr::job_pb::JobConfig config;
  ASSERT_THAT(api::YamlToProto(R"yaml(
type: DAEMON
defaultconfig:
  resource: {cpulimit: 0.5, memlimitmb: 64}
  command: {shell: true, value: 'node-agent'}
)yaml",
                               config)
                  .status(),
              IsOk());
  config.mutable_respoolid()->set_value(pool_.value());
  PELOTON_ASSERT_OK_AND_ASSIGN(JobId id, scheduler_->jobs().CreateJob(config));
  TickUntilOn(id, {"agent-1", "agent-2"});

  master_->AddAgent(FakeAgent{.id = "a3", .hostname = "agent-3"});
  TickUntilOn(id, {"agent-1", "agent-2", "agent-3"});

  // agent-1 goes away: its task is gone (TASK_GONE_BY_OPERATOR), the backend reads the agents
  // again at once, and the instance is removed.
  master_->RemoveAgent("a1");
  TickUntilOn(id, {"agent-2", "agent-3"}, /*deleted=*/1);
  PELOTON_ASSERT_OK_AND_ASSIGN(jobmgr::JobView view, scheduler_->jobs().GetJob(id));
  EXPECT_EQ(view.task_counts[int(TaskState::kDeleted)], 1u);
  EXPECT_EQ(view.runtime.state, taskfsm::JobState::kRunning);
}

}  // namespace
}  // namespace peloton::runtime
