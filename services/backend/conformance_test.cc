// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Every backend through the one conformance suite (testing/conformance.h): the local backend
// (real processes), the sim backend (simulated hosts), and the Mesos backend against the test
// double of a Mesos master (not Mesos: the double offers, ends tasks and reports health as the
// harness asks).

#include "services/backend/testing/conformance.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "kj/async-io.h"
#include "services/backend/local/local_backend.h"
#include "services/backend/local/test_options.h"
#include "services/backend/mesos/mesos_backend.h"
#include "services/backend/mesos/testing/fake_master.h"
#include "services/backend/sim/sim_backend.h"

namespace peloton::backend::testing {
namespace {

class LocalHarness final : public BackendHarness {
 public:
  // `launch_thread`: launches done on the backend's thread (as the daemons run it).
  LocalHarness(const std::string& dir, bool launch_thread) {
    std::vector<HostInfo> hosts(2);
    for (int i = 0; i < 2; ++i) {
      hosts[i].hostname = hosts[i].agent_id = absl::StrCat("local-", i);
      hosts[i].capacity = Resources::Of(4000, 4096, 10000, 0);
      hosts[i].ports = {{31000 + 100 * i, 31099 + 100 * i}};
    }
    const char* srcdir = std::getenv("TEST_SRCDIR");
    local::LocalBackendOptions options{
        absl::StrCat(srcdir != nullptr ? srcdir : ".",
                     "/peloton/services/backend/local/peloton-task-runner"),
        dir + "/sandboxes", dir + "/runners", std::move(hosts), dir + "/volumes"};
    options.fetch_cache_root = dir + "/fetch-cache";
    options.launch_thread = launch_thread;
    absl::StatusOr<std::unique_ptr<local::LocalBackend>> b =
        local::LocalBackend::Create(local::AsThisUser(std::move(options)));
    EXPECT_TRUE(b.ok()) << b.status();
    if (b.ok()) backend_ = *std::move(b);
  }
  Backend& backend() override { return *backend_; }
  std::string host() const override { return "local-0"; }
  std::string other_host() const override { return "local-1"; }

 private:
  std::unique_ptr<local::LocalBackend> backend_;
};

class SimHarness final : public BackendHarness {
 public:
  SimHarness() {
    absl::StatusOr<std::vector<HostInfo>> hosts = sim::GenerateHosts(2, "");
    EXPECT_TRUE(hosts.ok()) << hosts.status();
    absl::StatusOr<std::unique_ptr<sim::SimBackend>> b =
        sim::SimBackend::Create({hosts.ok() ? *hosts : std::vector<HostInfo>{}, 1});
    EXPECT_TRUE(b.ok()) << b.status();
    if (b.ok()) backend_ = *std::move(b);
  }
  Backend& backend() override { return *backend_; }
  std::string host() const override { return "sim-0"; }
  std::string other_host() const override { return "sim-1"; }

 private:
  std::unique_ptr<sim::SimBackend> backend_;
};

// The double runs on this thread's event loop, which the backend's Poll turns.
class MesosHarness final : public BackendHarness {
 public:
  MesosHarness()
      : io_(std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo())),
        master_(std::make_unique<mesos::testing::FakeMesosMaster>(
            *io_, std::vector<mesos::testing::FakeAgent>{
                      mesos::testing::FakeAgent{.id = "a1", .hostname = "agent-1"},
                      mesos::testing::FakeAgent{.id = "a2", .hostname = "agent-2"}})) {
    mesos::MesosBackendOptions options;
    options.master = master_->Listen();
    options.reconcile_wait = absl::Seconds(2);
    backend_ = std::make_unique<mesos::MesosBackend>(options, "", [](const std::string&) {});
    const absl::Status started = backend_->Start(*io_->provider, io_->waitScope);
    EXPECT_TRUE(started.ok()) << started;
  }
  ~MesosHarness() override {
    backend_.reset();  // before the double and the loop it runs on
    master_.reset();
  }
  Backend& backend() override { return *backend_; }
  std::string host() const override { return "agent-1"; }
  std::string other_host() const override { return "agent-2"; }
  void Offer() override { master_->OfferAll(); }
  void End(const std::string& task_id, MesosTaskState state) override {
    // mesos.v1.TaskState and MesosTaskState share Mesos's numbers.
    master_->EndTask(task_id, static_cast<::mesos::v1::TaskState>(state));
  }
  void PassHealthCheck(const std::string& task_id) override {
    master_->ReportHealth(task_id, true, "health check passed");
  }

 private:
  std::unique_ptr<kj::AsyncIoContext> io_;
  std::unique_ptr<mesos::testing::FakeMesosMaster> master_;
  std::unique_ptr<mesos::MesosBackend> backend_;
};

INSTANTIATE_TEST_SUITE_P(
    Backends, BackendConformanceTest,
    ::testing::Values(BackendFactory{"local",
                                     [](const std::string& dir) -> std::unique_ptr<BackendHarness> {
                                       return std::make_unique<LocalHarness>(dir, false);
                                     }},
                      BackendFactory{"local_launch_thread",
                                     [](const std::string& dir) -> std::unique_ptr<BackendHarness> {
                                       return std::make_unique<LocalHarness>(dir, true);
                                     }},
                      BackendFactory{"sim",
                                     [](const std::string&) -> std::unique_ptr<BackendHarness> {
                                       return std::make_unique<SimHarness>();
                                     }},
                      BackendFactory{"mesos_double",
                                     [](const std::string&) -> std::unique_ptr<BackendHarness> {
                                       return std::make_unique<MesosHarness>();
                                     }}),
    [](const ::testing::TestParamInfo<BackendFactory>& info) { return info.param.name; });

}  // namespace
}  // namespace peloton::backend::testing
