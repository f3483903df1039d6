// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/hostmgr/host_manager.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

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
  std::vector<backend::TaskStatus> Poll() override { return {}; }
  std::vector<backend::TaskStatus> Reconcile(const std::vector<std::string>&) override {
    return {};
  }

  void Set(std::vector<std::string> names) {
    hosts.clear();
    for (const std::string& n : names) {
      backend::HostInfo h;
      h.hostname = n;
      h.capacity = Resources::Of(4000, 1024, 100, 0);
      hosts.push_back(h);
    }
    ++version;
  }

  std::vector<backend::HostInfo> hosts;
  uint64_t version = 0;
};

TEST(HostManagerTest, HostsThatComeAndGo) {
  ChangingHosts backend;
  backend.Set({"a", "b"});
  PELOTON_ASSERT_OK_AND_ASSIGN(std::unique_ptr<HostManager> hm, HostManager::Create(backend));
  EXPECT_EQ(hm->Capacity().milli_cpu(), 8000);

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

}  // namespace
}  // namespace peloton::hostmgr
