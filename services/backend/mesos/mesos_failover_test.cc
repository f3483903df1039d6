// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Master failover through ZooKeeper: the backend finds the leader in a real ZooKeeper server
// (Debian's zookeeper package), and when that leader goes (its node deleted, its stream ended)
// it subscribes to the next one as the same framework and reconciles its tasks there. The
// masters are FakeMesosMaster test doubles, not Mesos.

#include <unistd.h>

#include <cstdlib>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/backend/mesos/mesos_backend.h"
#include "services/backend/mesos/testing/fake_master.h"
#include "services/backend/mesos/testing/zk_server.h"

namespace peloton::backend::mesos {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using testing::FakeAgent;
using testing::FakeMesosMaster;
using ::testing::HasSubstr;

int PortOf(const std::string& address) {
  int port = 0;
  EXPECT_TRUE(absl::SimpleAtoi(address.substr(address.rfind(':') + 1), &port)) << address;
  return port;
}

TEST(MesosFailoverTest, TheBackendFollowsTheLeaderThroughZooKeeper) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  testing::ZkTestServer zk(absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/zk-failover"));
  ASSERT_TRUE(zk.connected()) << "ZooKeeper did not start";
  auto io = std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
  const std::vector<FakeAgent> agents = {FakeAgent{.id = "a1", .hostname = "host-1"}};
  auto first = std::make_unique<FakeMesosMaster>(*io, agents);
  auto second = std::make_unique<FakeMesosMaster>(*io, agents);
  first->set_assigned_framework_id("fw-1");
  const std::string first_node = zk.RegisterMaster("/mesos", "127.0.0.1", PortOf(first->Listen()));
  zk.RegisterMaster("/mesos", "127.0.0.1", PortOf(second->Listen()));

  MesosBackendOptions options;
  options.zk = zk.url("/mesos");
  options.reconnect_min = absl::Milliseconds(10);
  ASSERT_THAT(ValidateMesosOptions(options), IsOk());
  std::vector<std::string> saved;
  MesosBackend backend(options, "", [&](const std::string& id) { saved.push_back(id); });
  ASSERT_THAT(backend.Start(*io->provider, io->waitScope), IsOk());
  EXPECT_EQ(first->subscriptions(), 1);
  EXPECT_EQ(second->subscriptions(), 0);
  EXPECT_EQ(backend.framework_id(), "fw-1");

  LaunchSpec spec;
  spec.task_id = "job-0-1";
  spec.hostname = "host-1";
  spec.command = "true";
  spec.resources = Resources::Of(1000, 128, 0, 0);
  ASSERT_THAT(backend.Launch(spec), IsOk());
  first->OfferAll();
  bool running = false;
  for (int i = 0; i < 400 && !running; ++i) {
    for (const TaskStatus& s : backend.Poll()) running |= s.state == MesosTaskState::kRunning;
    usleep(5000);
  }
  ASSERT_TRUE(running);

  // The leader goes: its ZooKeeper node, then its stream.
  ASSERT_TRUE(zk.Remove(first_node));
  first->Disconnect();
  for (int i = 0; i < 400 && second->subscriptions() == 0; ++i) {
    (void)backend.Poll();
    usleep(5000);
  }
  ASSERT_EQ(second->subscriptions(), 1);
  EXPECT_EQ(second->requested_framework_id(), "fw-1");  // the same framework, failed over
  bool reconciled = false;
  for (int i = 0; i < 400 && !reconciled; ++i) {
    (void)backend.Poll();
    for (const auto& c : second->calls())
      reconciled |= c.type() == ::mesos::v1::scheduler::Call::RECONCILE;
    usleep(5000);
  }
  EXPECT_TRUE(reconciled) << "the tasks in flight should be reconciled with the new leader";
  EXPECT_EQ(saved, std::vector<std::string>{"fw-1"});
  backend.Stop();
}

TEST(MesosFailoverTest, NoLeaderIsAClearError) {
  MesosBackendOptions options;
  options.zk = absl::StrCat("zk://127.0.0.1:", testing::FreePort(), "/mesos");
  options.zk_timeout = absl::Milliseconds(200);
  auto io = std::make_unique<kj::AsyncIoContext>(kj::setupAsyncIo());
  MesosBackend backend(options, "", nullptr);
  EXPECT_THAT(backend.Start(*io->provider, io->waitScope),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("ZooKeeper")));
  options.master = "m:5050";
  EXPECT_THAT(ValidateMesosOptions(options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("one of the two")));
}

}  // namespace
}  // namespace peloton::backend::mesos
