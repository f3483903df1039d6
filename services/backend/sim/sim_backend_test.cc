// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/sim/sim_backend.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::backend::sim {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// "id:STATE" for each status, to compare sequences.
std::vector<std::string> Events(const std::vector<TaskStatus>& statuses) {
  std::vector<std::string> out;
  for (const TaskStatus& s : statuses) {
    out.push_back(absl::StrCat(s.task_id, ":", taskfsm::Name(s.state)));
  }
  return out;
}

class SimBackendTest : public ::testing::Test {
 protected:
  void Make(double speed = 1) {
    PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<HostInfo> hosts, GenerateHosts(2, "cpu=4"));
    PELOTON_ASSERT_OK_AND_ASSIGN(backend_,
                                 SimBackend::Create({hosts, speed, [this] { return real_now_; }}));
  }
  static LaunchSpec Spec(const std::string& id, const std::string& command,
                         std::vector<std::pair<std::string, std::string>> labels = {}) {
    LaunchSpec s;
    s.task_id = id;
    s.hostname = "sim-1";
    s.command = command;
    s.labels = std::move(labels);
    return s;
  }

  absl::Time real_now_ = absl::FromUnixSeconds(1'700'000'000);
  std::unique_ptr<SimBackend> backend_;
};

TEST_F(SimBackendTest, TasksRunForTheirDurationThenEnd) {
  Make();
  const absl::Time t0 = backend_->SimNow();
  ASSERT_THAT(backend_->Launch(Spec("a", "sleep 10 && echo done")), IsOk());
  ASSERT_THAT(
      backend_->Launch(Spec(
          "b", "true", {{std::string(kDurationLabel), "5"}, {std::string(kExitCodeLabel), "3"}})),
      IsOk());
  ASSERT_THAT(backend_->Launch(Spec("c", "echo quick")), IsOk());
  ASSERT_THAT(backend_->Launch(Spec("d", "exit 2")), IsOk());
  EXPECT_THAT(Events(backend_->Poll()),
              ElementsAre("a:TASK_RUNNING", "b:TASK_RUNNING", "c:TASK_RUNNING", "d:TASK_RUNNING",
                          "c:TASK_FINISHED", "d:TASK_FAILED"));
  EXPECT_EQ(backend_->running(), 2u);

  real_now_ += absl::Seconds(5);
  std::vector<TaskStatus> ended = backend_->Poll();
  ASSERT_THAT(Events(ended), ElementsAre("b:TASK_FAILED"));
  EXPECT_EQ(ended[0].exit_code, 3);
  EXPECT_EQ(ended[0].message, "exit code 3");
  EXPECT_EQ(ended[0].hostname, "sim-1");
  EXPECT_EQ(ended[0].time, t0 + absl::Seconds(5));

  ASSERT_THAT(backend_->Kill("a"), IsOk());
  // Killing an ended task does nothing; the sim does not remember it.
  EXPECT_THAT(backend_->Kill("a"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Events(backend_->Poll()), ElementsAre("a:TASK_KILLED"));
  real_now_ += absl::Seconds(60);
  EXPECT_THAT(backend_->Poll(), IsEmpty());  // a's end was forgotten with it
  EXPECT_EQ(backend_->running(), 0u);

  // The same id again (a new run elsewhere would have a new id, but the sim does not care).
  ASSERT_THAT(backend_->Launch(Spec("a", "sleep 1")), IsOk());
  real_now_ += absl::Seconds(1);
  EXPECT_THAT(Events(backend_->Poll()), ElementsAre("a:TASK_RUNNING", "a:TASK_FINISHED"));
}

// Hosts join and leave; a leaving host's tasks are lost, and a host may come back.
TEST_F(SimBackendTest, HostsJoinAndLeave) {
  Make();
  const uint64_t v0 = backend_->HostsVersion();
  HostInfo extra = backend_->Hosts()[0];
  extra.hostname = "sim-9";
  ASSERT_THAT(backend_->AddHost(extra), IsOk());
  EXPECT_GT(backend_->HostsVersion(), v0);
  ASSERT_EQ(backend_->Hosts().size(), 3u);
  EXPECT_EQ(backend_->Hosts()[2].hostname, "sim-9");
  EXPECT_THAT(backend_->AddHost(extra),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'sim-9' is in the cluster")));
  extra.hostname = "";
  EXPECT_THAT(backend_->AddHost(extra), StatusIs(absl::StatusCode::kInvalidArgument));

  LaunchSpec on9 = Spec("x", "sleep 100");
  on9.hostname = "sim-9";
  ASSERT_THAT(backend_->Launch(on9), IsOk());
  ASSERT_THAT(backend_->Launch(Spec("y", "sleep 100")), IsOk());  // on sim-1
  EXPECT_THAT(Events(backend_->Poll()), ElementsAre("x:TASK_RUNNING", "y:TASK_RUNNING"));
  const uint64_t v1 = backend_->HostsVersion();
  ASSERT_THAT(backend_->RemoveHost("sim-9"), IsOk());
  EXPECT_GT(backend_->HostsVersion(), v1);
  std::vector<TaskStatus> lost = backend_->Poll();
  ASSERT_THAT(Events(lost), ElementsAre("x:TASK_LOST"));
  EXPECT_EQ(lost[0].hostname, "sim-9");
  EXPECT_EQ(backend_->running(), 1u);
  EXPECT_THAT(backend_->Launch(on9), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("unknown host 'sim-9'")));
  EXPECT_THAT(backend_->RemoveHost("sim-9"), StatusIs(absl::StatusCode::kNotFound));
  real_now_ += absl::Seconds(200);
  EXPECT_THAT(Events(backend_->Poll()), ElementsAre("y:TASK_FINISHED"));  // x was freed

  extra.hostname = "sim-9";  // back again
  ASSERT_THAT(backend_->AddHost(extra), IsOk());
  ASSERT_THAT(backend_->Launch(on9), IsOk());
  EXPECT_THAT(Events(backend_->Poll()), ElementsAre("x:TASK_RUNNING"));
}

TEST_F(SimBackendTest, HealthChecksPassOnceOrFailUntilTheyKill) {
  Make();
  HealthCheckSpec check;
  check.delay = absl::Seconds(15);
  check.interval = absl::Seconds(10);
  check.max_consecutive_failures = 3;
  LaunchSpec good = Spec("good", "sleep 3600");
  good.health_check = check;
  LaunchSpec bad = Spec("bad", "sleep 3600", {{std::string(kHealthyLabel), "false"}});
  bad.health_check = check;
  ASSERT_THAT(backend_->Launch(good), IsOk());
  ASSERT_THAT(backend_->Launch(bad), IsOk());
  EXPECT_THAT(Events(backend_->Poll()), ElementsAre("good:TASK_RUNNING", "bad:TASK_RUNNING"));
  real_now_ += absl::Seconds(14);
  EXPECT_THAT(backend_->Poll(), IsEmpty());
  real_now_ += absl::Seconds(1);
  std::vector<TaskStatus> checked = backend_->Poll();
  ASSERT_THAT(Events(checked), ElementsAre("good:TASK_RUNNING", "bad:TASK_RUNNING"));
  EXPECT_EQ(checked[0].healthy, std::optional<bool>(true));
  EXPECT_EQ(checked[1].healthy, std::optional<bool>(false));
  // The second failure says nothing new; the third kills (15 + 2 x 10 s after the launch).
  real_now_ += absl::Seconds(10);
  EXPECT_THAT(backend_->Poll(), IsEmpty());
  real_now_ += absl::Seconds(10);
  std::vector<TaskStatus> killed = backend_->Poll();
  ASSERT_THAT(Events(killed), ElementsAre("bad:TASK_KILLED"));
  EXPECT_EQ(killed[0].healthy, std::optional<bool>(false));
  EXPECT_THAT(killed[0].message, HasSubstr("failed 3 health checks in a row"));
  EXPECT_EQ(backend_->running(), 1u);
  real_now_ += absl::Hours(2);
  EXPECT_THAT(Events(backend_->Poll()), ElementsAre("good:TASK_FINISHED"));

  LaunchSpec unclear = Spec("unclear", "sleep 1", {{std::string(kHealthyLabel), "maybe"}});
  EXPECT_THAT(backend_->Launch(unclear),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("peloton.sim/healthy")));
}

TEST_F(SimBackendTest, TimeRunsFasterAtHigherSpeed) {
  Make(/*speed=*/100);
  ASSERT_THAT(backend_->Launch(Spec("long", "sleep 3600")), IsOk());
  (void)backend_->Poll();
  real_now_ += absl::Seconds(35);
  EXPECT_THAT(backend_->Poll(), IsEmpty());
  real_now_ += absl::Seconds(1);  // 36 real seconds: 3600 simulated
  EXPECT_THAT(Events(backend_->Poll()), ElementsAre("long:TASK_FINISHED"));
}

TEST_F(SimBackendTest, ReconcileAndRefusals) {
  Make();
  ASSERT_THAT(backend_->Launch(Spec("a", "sleep 10")), IsOk());
  EXPECT_THAT(backend_->Launch(Spec("a", "sleep 10")), StatusIs(absl::StatusCode::kAlreadyExists));
  LaunchSpec nowhere = Spec("x", "true");
  nowhere.hostname = "elsewhere";
  EXPECT_THAT(backend_->Launch(nowhere),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown host")));
  EXPECT_THAT(backend_->Launch(Spec("y", "true", {{std::string(kDurationLabel), "soon"}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("peloton.sim/duration")));
  EXPECT_THAT(backend_->Launch(Spec("z", "true", {{std::string(kExitCodeLabel), "1.5"}})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("peloton.sim/exit-code")));
  EXPECT_THAT(Events(backend_->Reconcile({"a", "gone"})),
              ElementsAre("a:TASK_RUNNING", "gone:TASK_LOST"));
}

TEST(SimHostsTest, GeneratedAndRead) {
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<HostInfo> hosts,
                               GenerateHosts(3, "cpu=8, memory_mb=1024, gpus=2, gpu_model=A100"));
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[2].hostname, "sim-2");
  EXPECT_EQ(hosts[0].capacity, Resources::Of(8000, 1024, 1048576, 2000));
  ASSERT_EQ(hosts[0].gpus.size(), 2u);
  EXPECT_EQ(hosts[0].gpus[1].model, "A100");
  EXPECT_EQ(hosts[0].attributes.at("gpu_model"), "A100");
  EXPECT_EQ(hosts[0].revocable_milli_cpu, 0);
  PELOTON_ASSERT_OK_AND_ASSIGN(hosts, GenerateHosts(1, "cpu=8, revocable_cpu=2.5"));
  EXPECT_EQ(hosts[0].revocable_milli_cpu, 2500);
  EXPECT_THAT(GenerateHosts(1, "revocable_cpu=-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("revocable_cpu")));
  EXPECT_THAT(GenerateHosts(1, "cpus=8"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cpus: unknown")));
  EXPECT_THAT(GenerateHosts(1, "cpu=-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cpu")));
  EXPECT_THAT(GenerateHosts(1, "gpus=1.5"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("whole devices")));
  EXPECT_THAT(GenerateHosts(0, ""), StatusIs(absl::StatusCode::kInvalidArgument));

  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/nodes.csv");
  std::ofstream(path) << "sn,cpu_milli,memory_mib,gpu,model\nn0,32000,262144,0,\n"
                         "n1,96000,786432,8,V100M32\n";
  PELOTON_ASSERT_OK_AND_ASSIGN(hosts, ReadHosts(path));
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[1].hostname, "n1");
  EXPECT_EQ(hosts[1].capacity.milli_gpu(), 8000);
  EXPECT_EQ(hosts[1].attributes.at("gpu_model"), "V100M32");
  EXPECT_FALSE(hosts[0].attributes.contains("gpu_model"));
  EXPECT_THAT(ReadHosts("/no/such/nodes.csv"), StatusIs(absl::StatusCode::kNotFound));

  EXPECT_THAT(SimBackend::Create({}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SimBackend::Create({hosts, 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("speed")));
  hosts[1].hostname = "n0";
  EXPECT_THAT(SimBackend::Create({hosts}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unique")));
}

}  // namespace
}  // namespace peloton::backend::sim
