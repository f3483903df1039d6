// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The host manager's task events over internal.capnp, as job managers take them: a job
// manager that reconciles its tasks then takes every change after that answer, whoever asks
// for events first (a job manager that died and was started again finds the old one's name
// still taking them; all-active job managers poll in turn).
//
// The server runs in a forked child (bench::ForkServer: its own event loop); the test's clients
// are the job managers.

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench/fork_server.h"
#include "capnp/ez-rpc.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/backend/backend.h"
#include "services/hostmgr/host_manager.h"
#include "services/rpc/internal_servers.h"
#include "services/rpc/remote.h"
#include "services/rpc/serial_loop.h"

namespace peloton::rpc {
namespace {

using backend::MesosTaskState;
using backend::TaskStatus;
using ::testing::Contains;
using ::testing::Field;
using ::testing::IsEmpty;

// One host; a task runs while it is reconciled and ends at the next Poll.
class EndingTasks final : public backend::Backend {
 public:
  std::vector<backend::HostInfo> Hosts() const override {
    backend::HostInfo host;
    host.hostname = "host-0";
    host.capacity = Resources::Of(8'000, 16'384, 100'000, 0);
    return {host};
  }
  absl::Status Launch(const backend::LaunchSpec&) override {
    return absl::UnimplementedError("launch: the test reconciles only");
  }
  absl::Status Kill(const std::string&) override { return absl::OkStatus(); }
  absl::Status DestroyVolume(const std::string&, const std::string&) override {
    return absl::OkStatus();
  }
  std::vector<TaskStatus> Poll() override {
    std::vector<TaskStatus> out;
    for (const std::string& id : running_) {
      out.push_back({.task_id = id, .state = MesosTaskState::kFinished, .hostname = "host-0"});
    }
    running_.clear();
    return out;
  }
  std::vector<TaskStatus> Reconcile(const std::vector<std::string>& ids) override {
    std::vector<TaskStatus> out;
    for (const std::string& id : ids) {
      running_.push_back(id);
      out.push_back({.task_id = id, .state = MesosTaskState::kRunning, .hostname = "host-0"});
    }
    return out;
  }

 private:
  std::vector<std::string> running_;
};

class HostManagerEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Unix socket paths are limited to 107 bytes: not under Bazel's TEST_TMPDIR.
    char dir[] = "/tmp/peloton-events.XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    path_ = dir_ + "/hostmgr.sock";
    server_ = bench::ForkServer([this](int ready) { Serve(ready); });
    ASSERT_TRUE(server_.ok()) << "the host manager did not start";
  }
  void TearDown() override {
    server_.Stop();
    std::remove(path_.c_str());
    rmdir(dir_.c_str());
  }

  [[noreturn]] void Serve(int ready) {
    try {
      ServeOrThrow(ready);
    } catch (const kj::Exception& e) {
      std::fprintf(stderr, "host manager: %s\n", e.getDescription().cStr());
    }
    _exit(1);
  }
  void ServeOrThrow(int ready) {
    EndingTasks backend;
    absl::StatusOr<std::unique_ptr<hostmgr::HostManager>> hosts =
        hostmgr::HostManager::Create(backend);
    if (!hosts.ok()) _exit(1);
    SerialLoop loop;
    capnp::EzRpcServer server(kj::heap<HostManagerServer>(loop, **hosts), "unix:" + path_);
    server.getPort().wait(server.getWaitScope());
    if (write(ready, "1", 1) != 1) _exit(1);
    close(ready);
    loop.Loop(server.getWaitScope(), server.getIoProvider().getTimer(), 3600 * kj::SECONDS, [] {});
  }

  std::string address() const { return "unix:" + path_; }

  static std::vector<hostmgr::RunningTask> OneTask() {
    placement::TaskSpec spec;
    spec.id = "job-0-1";
    spec.job_id = "job";
    spec.demand = Resources::Of(1'000, 1'024, 100, 0);
    return {{"host-0", spec}};
  }

  std::string dir_;
  std::string path_;
  bench::ForkedServer server_;
};

const auto Finished = [](const std::string& id) {
  return ::testing::AllOf(Field(&TaskStatus::task_id, id),
                          Field(&TaskStatus::state, MesosTaskState::kFinished));
};

TEST_F(HostManagerEventsTest, AJobManagerStartedAgainTakesWhatEndsAfterItReconciled) {
  {
    RemoteHostManager old_one(address());
    EXPECT_THAT(old_one.Poll(), IsEmpty());  // then it dies, its name still known there
  }
  RemoteHostManager again(address());
  EXPECT_THAT(again.Reconcile(OneTask()),
              Contains(Field(&TaskStatus::state, MesosTaskState::kRunning)));
  // The task ends; the first poll finds it.
  EXPECT_THAT(again.Poll(), Contains(Finished("job-0-1")));
}

TEST_F(HostManagerEventsTest, EveryJobManagerTakesWhatEndsAfterItReconciled) {
  RemoteHostManager first(address());
  EXPECT_THAT(first.Poll(), IsEmpty());
  RemoteHostManager second(address());
  EXPECT_THAT(second.Reconcile(OneTask()),
              Contains(Field(&TaskStatus::state, MesosTaskState::kRunning)));
  // The task ends while the first one polls.
  EXPECT_THAT(first.Poll(), Contains(Finished("job-0-1")));
  EXPECT_THAT(second.Poll(), Contains(Finished("job-0-1")));
}

}  // namespace
}  // namespace peloton::rpc
