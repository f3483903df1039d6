// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/hostmgr/host_manager.h"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/store/sqlite_store.h"

namespace peloton::hostmgr {
namespace {

using placement::HostState;

// Hosts that come and go, as a cluster backend's do; no tasks.
class ChangingHosts final : public backend::Backend {
 public:
  std::vector<backend::HostInfo> Hosts() const override { return hosts; }
  uint64_t HostsVersion() const override { return version; }
  absl::Status Launch(const backend::LaunchSpec&) override { return absl::OkStatus(); }
  absl::Status Kill(const std::string&) override { return absl::OkStatus(); }
  absl::Status DestroyVolume(const std::string& h, const std::string& id) override {
    return Log("destroy " + id, {h});
  }
  std::vector<backend::TaskStatus> Poll() override { return std::exchange(statuses, {}); }
  std::vector<backend::TaskStatus> Reconcile(const std::vector<std::string>&) override {
    return {};
  }
  std::optional<absl::flat_hash_map<std::string, Resources>> Offered() const override {
    return offered;
  }
  absl::Status DrainHosts(const std::vector<std::string>& h) override { return Log("drain", h); }
  absl::Status DownHosts(const std::vector<std::string>& h) override { return Log("down", h); }
  absl::Status UpHosts(const std::vector<std::string>& h) override { return Log("up", h); }

  absl::Status Log(const std::string& what, const std::vector<std::string>& hosts) {
    if (refuse) return absl::UnavailableError("the cluster manager is away");
    for (const std::string& h : hosts) calls.push_back(what + " " + h);
    return absl::OkStatus();
  }

  void Set(std::vector<std::string> names) {
    hosts.clear();
    for (const std::string& n : names) {
      backend::HostInfo h;
      h.hostname = n;
      h.capacity = Resources::Of(4000, 1024, 100, 0);
      h.revocable_milli_cpu = 500;
      hosts.push_back(h);
    }
    ++version;
  }

  std::vector<backend::HostInfo> hosts;
  uint64_t version = 0;
  std::vector<backend::TaskStatus> statuses;  // what the next Poll reports
  std::vector<std::string> calls;             // maintenance calls, "drain a", ...
  std::optional<absl::flat_hash_map<std::string, Resources>> offered;  // none: no offer gate
  bool refuse = false;
};

// The task the maintenance tests run on host a (index 0).
placement::TaskSpec OneCpuTask() {
  placement::TaskSpec spec;
  spec.id = "job-0-1";
  spec.demand = Resources::Of(1000, 128, 0, 0);
  return spec;
}

void LaunchOnA(HostManager& hm) {
  PELOTON_ASSERT_OK_AND_ASSIGN(placement::Allocation a, hm.cluster().Allocate(0, OneCpuTask()));
  ASSERT_THAT(hm.Launch(a, {.task_id = "job-0-1", .hostname = "a", .command = "true"}),
              ::peloton::testing::IsOk());
}

TEST(HostManagerTest, HostsThatComeAndGo) {
  ChangingHosts backend;
  backend.Set({"a", "b"});
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<HostManager> hm, HostManager::Create(backend));
  EXPECT_EQ(hm->Capacity().milli_cpu(), 8000);
  EXPECT_EQ(hm->Slack(), Resources::Of(1000, 0, 0, 0));  // the UP hosts' revocable cpu

  backend.Set({"a", "b", "c"});
  (void)hm->Poll();
  ASSERT_EQ(hm->cluster().size(), 3u);
  EXPECT_EQ(hm->HostName(2), "c");
  EXPECT_EQ(hm->HostSpecs().size(), 3u);
  EXPECT_EQ(hm->Capacity().milli_cpu(), 12'000);

  backend.Set({"a", "c"});  // b went away: DOWN, its index kept
  (void)hm->Poll();
  EXPECT_EQ(hm->cluster().host(1).state, HostState::kDown);
  EXPECT_EQ(hm->Capacity().milli_cpu(), 8000);
  EXPECT_EQ(hm->HostSpecs()[1].state, HostState::kDown);

  backend.Set({"a", "b", "c"});  // and came back
  (void)hm->Poll();
  EXPECT_EQ(hm->cluster().host(1).state, HostState::kUp);
  EXPECT_EQ(hm->cluster().size(), 3u);
  EXPECT_EQ(hm->Capacity().milli_cpu(), 12'000);

  // Without a new version, the hosts are not read again.
  backend.hosts.clear();
  (void)hm->Poll();
  EXPECT_EQ(hm->Capacity().milli_cpu(), 12'000);
}

TEST(HostManagerTest, ListedHostsShowCapacityFreeAndAttributes) {
  ChangingHosts backend;
  backend.Set({"a", "b"});
  backend.hosts[0].attributes = {{"zone", "z1"}, {"rack", "r7"}};
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<HostManager> hm, HostManager::Create(backend));
  ASSERT_NO_FATAL_FAILURE(LaunchOnA(*hm));
  const std::vector<HostStatus> listed = hm->ListHosts();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].capacity, Resources::Of(4000, 1024, 100, 0));
  EXPECT_EQ(listed[0].free, Resources::Of(3000, 896, 100, 0));  // the task holds 1 cpu, 128 MB
  EXPECT_EQ(listed[1].free, listed[1].capacity);
  EXPECT_THAT(listed[0].attributes,
              ::testing::ElementsAre(std::pair<std::string, std::string>{"rack", "r7"},
                                     std::pair<std::string, std::string>{"zone", "z1"}));
  EXPECT_TRUE(listed[1].attributes.empty());
}

// Reference §6.1: a host in maintenance drains (no new tasks; its tasks are listed to move
// away), goes down when empty, and comes back up; the backend is told at each step.
TEST(HostManagerTest, MaintenanceDrainsTakesDownAndBringsUp) {
  ChangingHosts backend;
  backend.Set({"a", "b"});
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<HostManager> hm, HostManager::Create(backend));
  ASSERT_NO_FATAL_FAILURE(LaunchOnA(*hm));

  ASSERT_THAT(hm->StartMaintenance({"a", "b"}), ::peloton::testing::IsOk());
  EXPECT_EQ(hm->cluster().host(0).state, HostState::kDraining);  // a task still there
  EXPECT_EQ(hm->cluster().host(1).state, HostState::kDown);      // empty: down at once
  EXPECT_THAT(backend.calls, ::testing::ElementsAre("drain a", "drain b", "down b"));
  EXPECT_THAT(hm->TasksOnDrainingHosts(), ::testing::ElementsAre("job-0-1"));
  EXPECT_EQ(hm->Capacity().milli_cpu(), 0);  // only UP hosts count
  EXPECT_EQ(hm->Slack(), Resources());       // their slack too
  std::vector<HostStatus> listed = hm->ListHosts();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].tasks, 1u);
  EXPECT_EQ(listed[1].state, HostState::kDown);

  // Refusals change nothing: unknown host, wrong state.
  EXPECT_THAT(hm->StartMaintenance({"a"}),
              ::peloton::testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                           ::testing::HasSubstr("only an UP host")));
  EXPECT_THAT(hm->StartMaintenance({"nowhere"}),
              ::peloton::testing::StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(hm->StartMaintenance({}),
              ::peloton::testing::StatusIs(absl::StatusCode::kInvalidArgument));

  // The task ends: a goes down, and stays down when the backend's hosts are read again.
  backend.statuses.push_back({.task_id = "job-0-1", .state = backend::MesosTaskState::kKilled});
  (void)hm->Poll();
  EXPECT_EQ(hm->cluster().host(0).state, HostState::kDown);
  EXPECT_THAT(hm->TasksOnDrainingHosts(), ::testing::IsEmpty());
  backend.Set({"a", "b"});
  (void)hm->Poll();
  EXPECT_EQ(hm->cluster().host(0).state, HostState::kDown);

  // Up again, only when the backend agrees.
  backend.refuse = true;
  EXPECT_THAT(hm->CompleteMaintenance({"a"}),
              ::peloton::testing::StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(hm->cluster().host(0).state, HostState::kDown);
  backend.refuse = false;
  ASSERT_THAT(hm->CompleteMaintenance({"a", "b"}), ::peloton::testing::IsOk());
  EXPECT_EQ(hm->cluster().host(0).state, HostState::kUp);
  EXPECT_EQ(hm->Capacity().milli_cpu(), 8000);
  EXPECT_THAT(hm->CompleteMaintenance({"a"}),
              ::peloton::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
}

// With a store, maintenance outlives the host manager: a new one over the same store finds the
// hosts draining or down, keeps them so when the backend's hosts are read, and completes their
// maintenance. A refusal by the backend leaves the store as it was.
TEST(HostManagerTest, MaintenanceIsKeptInTheStore) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/hostmgr_maintenance.db";
  std::filesystem::remove(path);
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::SqliteStore> store,
                               store::SqliteStore::Open({.path = path}));
  ChangingHosts backend;
  backend.Set({"a", "b", "c"});
  {
    PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<HostManager> hm,
                                 HostManager::Create(backend, store.get()));
    ASSERT_NO_FATAL_FAILURE(LaunchOnA(*hm));
    ASSERT_THAT(hm->StartMaintenance({"a", "b"}), ::peloton::testing::IsOk());
    backend.refuse = true;  // the backend refuses: nothing is stored for c
    EXPECT_THAT(hm->StartMaintenance({"c"}),
                ::peloton::testing::StatusIs(absl::StatusCode::kUnavailable));
    backend.refuse = false;
  }
  EXPECT_THAT(store->GetHost("c"), ::peloton::testing::StatusIs(absl::StatusCode::kNotFound));

  // A new host manager (a restart): a is still draining, b down, c up.
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<HostManager> hm,
                               HostManager::Create(backend, store.get()));
  EXPECT_EQ(hm->cluster().host(0).state, HostState::kDraining);
  EXPECT_EQ(hm->cluster().host(1).state, HostState::kDown);
  EXPECT_EQ(hm->cluster().host(2).state, HostState::kUp);
  backend.Set({"a", "b", "c"});
  (void)hm->Poll();  // the backend's hosts read again: maintenance keeps its states
  EXPECT_EQ(hm->cluster().host(1).state, HostState::kDown);
  // a looks empty, but its task is not known yet: it stays draining until the job manager
  // reconciles; then the task is evicted, ends, and a goes down. The store follows.
  EXPECT_EQ(hm->cluster().host(0).state, HostState::kDraining);
  (void)hm->Reconcile({{"a", OneCpuTask()}});
  (void)hm->Poll();
  EXPECT_EQ(hm->cluster().host(0).state, HostState::kDraining);
  EXPECT_THAT(hm->TasksOnDrainingHosts(), ::testing::ElementsAre("job-0-1"));
  EXPECT_THAT(backend.calls, ::testing::Not(::testing::Contains("down a")));
  backend.statuses.push_back({.task_id = "job-0-1", .state = backend::MesosTaskState::kKilled});
  (void)hm->Poll();
  EXPECT_THAT(backend.calls, ::testing::Contains("down a"));
  EXPECT_EQ(hm->cluster().host(0).state, HostState::kDown);
  PELOTON_ASSERT_OK_AND_ASSIGN(store::HostRecord a, store->GetHost("a"));
  EXPECT_EQ(a.state, HostState::kDown);

  // Completing it is kept too; a refusal leaves the store as it was.
  backend.refuse = true;
  EXPECT_THAT(hm->CompleteMaintenance({"a"}),
              ::peloton::testing::StatusIs(absl::StatusCode::kUnavailable));
  PELOTON_ASSERT_OK_AND_ASSIGN(a, store->GetHost("a"));
  EXPECT_EQ(a.state, HostState::kDown);
  backend.refuse = false;
  ASSERT_THAT(hm->CompleteMaintenance({"a", "b"}), ::peloton::testing::IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(hm, HostManager::Create(backend, store.get()));
  for (uint32_t h = 0; h < 3; ++h) EXPECT_EQ(hm->cluster().host(h).state, HostState::kUp);
}

// A backend whose launches need offers: placement sees only what each host offers (Peloton
// places only on offered hosts); the rest is reserved, and given back when offered again.
TEST(HostManagerTest, PlacementSeesOnlyWhatIsOffered) {
  ChangingHosts backend;
  backend.Set({"a", "b"});
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<HostManager> hm, HostManager::Create(backend));
  backend.offered.emplace();
  (*backend.offered)["a"] = Resources::Of(1000, 256, 100, 0);  // b offers nothing
  (void)hm->Poll();
  EXPECT_EQ(hm->cluster().host(0).free, Resources::Of(1000, 256, 100, 0));
  EXPECT_EQ(hm->cluster().host(0).reserved, Resources::Of(3000, 768, 0, 0));
  EXPECT_TRUE(hm->cluster().host(1).free.IsZero());
  EXPECT_EQ(hm->Capacity().milli_cpu(), 8000);  // entitlements still see the whole cluster

  (*backend.offered)["b"] = Resources::Of(4000, 1024, 100, 0);  // b offers all of it
  (void)hm->Poll();
  EXPECT_EQ(hm->cluster().host(1).free, Resources::Of(4000, 1024, 100, 0));
  EXPECT_TRUE(hm->cluster().host(1).reserved.IsZero());

  backend.offered.reset();  // a backend without offers: nothing changes any more
  (void)hm->Poll();
  EXPECT_EQ(hm->cluster().host(0).free.milli_cpu(), 1000);
}

}  // namespace
}  // namespace peloton::hostmgr
