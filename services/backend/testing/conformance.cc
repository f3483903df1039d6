// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/testing/conformance.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::backend::testing {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

void BackendConformanceTest::SetUp() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::replace(name.begin(), name.end(), '/', '_');
  const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/backend_", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  harness_ = GetParam().make(dir);
  ASSERT_NE(harness_, nullptr);
}

LaunchSpec BackendConformanceTest::Spec(const std::string& task_id,
                                        const std::string& command) const {
  LaunchSpec s;
  s.task_id = task_id;
  s.hostname = harness_->host();
  s.command = command;
  s.resources = Resources::Of(1000, 128, 0, 0);
  s.kill_grace_period = absl::Seconds(5);
  return s;
}

void BackendConformanceTest::PollUntil(
    const std::function<bool(const std::vector<TaskStatus>&)>& done) {
  for (int i = 0; i < 2000 && !done(seen_); ++i) {
    for (TaskStatus& s : backend().Poll()) seen_.push_back(std::move(s));
    if (!done(seen_)) usleep(5000);
  }
}

std::vector<TaskStatus> BackendConformanceTest::Of(const std::string& task_id) const {
  std::vector<TaskStatus> out;
  for (const TaskStatus& s : seen_) {
    if (s.task_id == task_id) out.push_back(s);
  }
  return out;
}

std::string BackendConformanceTest::Describe(const std::string& task_id) const {
  std::string out;
  for (const TaskStatus& s : Of(task_id)) {
    absl::StrAppend(&out, taskfsm::Name(s.state), " (", s.message, "); ");
  }
  return out;
}

bool BackendConformanceTest::Saw(const std::string& task_id, MesosTaskState state) const {
  return std::any_of(seen_.begin(), seen_.end(),
                     [&](const TaskStatus& s) { return s.task_id == task_id && s.state == state; });
}

namespace {

TEST_P(BackendConformanceTest, HostsHaveUniqueNamesAndCapacity) {
  const std::vector<HostInfo> hosts = backend().Hosts();
  ASSERT_FALSE(hosts.empty());
  absl::flat_hash_set<std::string> names;
  for (const HostInfo& h : hosts) {
    EXPECT_FALSE(h.hostname.empty());
    EXPECT_TRUE(names.insert(h.hostname).second) << h.hostname << " twice";
    EXPECT_GT(h.capacity.milli_cpu(), 0) << h.hostname;
  }
  EXPECT_TRUE(names.contains(harness_->host()));
}

TEST_P(BackendConformanceTest, ALaunchedTaskRunsThenEndsAsItsCommandDoes) {
  ASSERT_THAT(backend().Launch(Spec("ok-0-1", "exit 0")), IsOk());
  ASSERT_THAT(backend().Launch(Spec("bad-0-1", "exit 3")), IsOk());
  harness_->Offer();
  PollUntil([&](const auto&) {
    return Saw("ok-0-1", MesosTaskState::kRunning) && Saw("bad-0-1", MesosTaskState::kRunning);
  });
  harness_->End("ok-0-1", MesosTaskState::kFinished);
  harness_->End("bad-0-1", MesosTaskState::kFailed);
  PollUntil([&](const auto&) {
    return Saw("ok-0-1", MesosTaskState::kFinished) && Saw("bad-0-1", MesosTaskState::kFailed);
  });
  for (const char* id : {"ok-0-1", "bad-0-1"}) {
    const std::vector<TaskStatus> statuses = Of(id);
    ASSERT_GE(statuses.size(), 2u) << id;
    // Running first, on the host it was launched on; then its one end, and nothing after it.
    EXPECT_EQ(statuses.front().state, MesosTaskState::kRunning) << id;
    EXPECT_EQ(statuses.front().hostname, harness_->host()) << id;
    EXPECT_EQ(statuses.back().state,
              std::string(id) == "ok-0-1" ? MesosTaskState::kFinished : MesosTaskState::kFailed)
        << id;
    EXPECT_EQ(
        std::count_if(statuses.begin(), statuses.end(),
                      [](const TaskStatus& s) { return s.state != MesosTaskState::kRunning; }),
        1)
        << id;
  }
}

TEST_P(BackendConformanceTest, ADuplicateOrMisdirectedLaunchIsRefused) {
  ASSERT_THAT(backend().Launch(Spec("dup-0-1", "sleep 600")), IsOk());
  EXPECT_THAT(backend().Launch(Spec("dup-0-1", "sleep 600")),
              StatusIs(absl::StatusCode::kAlreadyExists));
  LaunchSpec nowhere = Spec("nowhere-0-1", "sleep 600");
  nowhere.hostname = "no-such-host";
  EXPECT_THAT(backend().Launch(nowhere), StatusIs(absl::StatusCode::kInvalidArgument));
  harness_->Offer();
  PollUntil([&](const auto&) { return Saw("dup-0-1", MesosTaskState::kRunning); });
  ASSERT_THAT(backend().Kill("dup-0-1"), IsOk());
  PollUntil([&](const auto&) { return Saw("dup-0-1", MesosTaskState::kKilled); });
  EXPECT_FALSE(Saw("nowhere-0-1", MesosTaskState::kRunning));
}

TEST_P(BackendConformanceTest, AKilledTaskEndsKilledAndAnUnknownOneIsNotFound) {
  ASSERT_THAT(backend().Launch(Spec("long-0-1", "sleep 600")), IsOk());
  harness_->Offer();
  PollUntil([&](const auto&) { return Saw("long-0-1", MesosTaskState::kRunning); });
  ASSERT_TRUE(Saw("long-0-1", MesosTaskState::kRunning));
  ASSERT_THAT(backend().Kill("long-0-1"), IsOk());
  PollUntil([&](const auto&) { return Saw("long-0-1", MesosTaskState::kKilled); });
  EXPECT_TRUE(Saw("long-0-1", MesosTaskState::kKilled)) << Describe("long-0-1");
  EXPECT_THAT(backend().Kill("never-0-1"), StatusIs(absl::StatusCode::kNotFound));
  // Killing a task that ended does nothing: it says so, or that it does not know the task.
  const absl::Status again = backend().Kill("long-0-1");
  EXPECT_TRUE(again.ok() || absl::IsNotFound(again)) << again;
}

TEST_P(BackendConformanceTest, ReconcileReportsRunningTasksAndLosesUnknownOnes) {
  ASSERT_THAT(backend().Launch(Spec("rec-0-1", "sleep 600")), IsOk());
  harness_->Offer();
  PollUntil([&](const auto&) { return Saw("rec-0-1", MesosTaskState::kRunning); });
  const std::vector<TaskStatus> answers = backend().Reconcile({"rec-0-1", "ghost-0-1"});
  ASSERT_EQ(answers.size(), 2u);
  for (const TaskStatus& s : answers) {
    EXPECT_EQ(s.state, s.task_id == "rec-0-1" ? MesosTaskState::kRunning : MesosTaskState::kLost)
        << s.task_id;
  }
  ASSERT_THAT(backend().Kill("rec-0-1"), IsOk());
  PollUntil([&](const auto&) { return Saw("rec-0-1", MesosTaskState::kKilled); });
}

TEST_P(BackendConformanceTest, APassingHealthCheckReportsTheTaskHealthy) {
  LaunchSpec spec = Spec("checked-0-1", "sleep 600");
  spec.health_check = HealthCheckSpec{.type = HealthCheckSpec::Type::kCommand,
                                      .command = "true",
                                      .delay = absl::ZeroDuration(),
                                      .interval = absl::Milliseconds(100),
                                      .timeout = absl::Seconds(5)};
  ASSERT_THAT(backend().Launch(spec), IsOk());
  harness_->Offer();
  PollUntil([&](const auto&) { return Saw("checked-0-1", MesosTaskState::kRunning); });
  harness_->PassHealthCheck("checked-0-1");
  const auto healthy = [&](const auto&) {
    for (const TaskStatus& s : Of("checked-0-1")) {
      if (s.healthy == std::optional<bool>(true)) return true;
    }
    return false;
  };
  PollUntil(healthy);
  EXPECT_TRUE(healthy(seen_));
  for (const TaskStatus& s : Of("checked-0-1")) {
    if (s.healthy.has_value()) {
      EXPECT_EQ(s.state, MesosTaskState::kRunning);
    }
  }
  ASSERT_THAT(backend().Kill("checked-0-1"), IsOk());
  PollUntil([&](const auto&) { return Saw("checked-0-1", MesosTaskState::kKilled); });
}

// A volume outlives its task on its host, is used by one task at a time, and stays there
// until destroyed; then it may be made again elsewhere.
TEST_P(BackendConformanceTest, APersistentVolumeStaysOnItsHostUntilDestroyed) {
  const auto with_volume = [&](const std::string& id, const std::string& command,
                               const std::string& host) {
    LaunchSpec s = Spec(id, command);
    s.hostname = host;
    s.persistent_volume = PersistentVolumeSpec{"db-0", "data", 16};
    return s;
  };
  const std::string here = harness_->host(), there = harness_->other_host();
  ASSERT_THAT(backend().Launch(with_volume("db-0-1", "sleep 600", here)), IsOk());
  harness_->Offer();
  PollUntil([&](const auto&) { return Saw("db-0-1", MesosTaskState::kRunning); });
  ASSERT_TRUE(Saw("db-0-1", MesosTaskState::kRunning)) << Describe("db-0-1");
  EXPECT_THAT(backend().Launch(with_volume("db-0-x", "sleep 600", here)),
              StatusIs(absl::StatusCode::kFailedPrecondition));  // in use
  EXPECT_THAT(backend().DestroyVolume(here, "db-0"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(backend().Kill("db-0-1"), IsOk());
  PollUntil([&](const auto&) { return Saw("db-0-1", MesosTaskState::kKilled); });
  // Free again, but on its host: a run elsewhere is refused, a run there gets it.
  EXPECT_THAT(backend().Launch(with_volume("db-0-y", "sleep 600", there)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(backend().Launch(with_volume("db-0-2", "sleep 600", here)), IsOk());
  harness_->Offer();
  PollUntil([&](const auto&) { return Saw("db-0-2", MesosTaskState::kRunning); });
  ASSERT_TRUE(Saw("db-0-2", MesosTaskState::kRunning)) << Describe("db-0-2");
  ASSERT_THAT(backend().Kill("db-0-2"), IsOk());
  PollUntil([&](const auto&) { return Saw("db-0-2", MesosTaskState::kKilled); });
  // Destroyed (a backend that needs the cluster's offers for it gets them), it may be made
  // anew on the other host.
  ASSERT_THAT(backend().DestroyVolume(here, "db-0"), IsOk());
  harness_->Offer();
  for (int i = 0; i < 50; ++i) {
    for (TaskStatus& s : backend().Poll()) seen_.push_back(std::move(s));
  }
  EXPECT_THAT(backend().DestroyVolume(here, "db-0"), IsOk());  // again: nothing to do
  EXPECT_THAT(backend().DestroyVolume("no-such-host", "db-0"), IsOk());
  ASSERT_THAT(backend().Launch(with_volume("db-0-3", "sleep 600", there)), IsOk());
  harness_->Offer();
  PollUntil([&](const auto&) { return Saw("db-0-3", MesosTaskState::kRunning); });
  EXPECT_TRUE(Saw("db-0-3", MesosTaskState::kRunning)) << Describe("db-0-3");
  ASSERT_THAT(backend().Kill("db-0-3"), IsOk());
  PollUntil([&](const auto&) { return Saw("db-0-3", MesosTaskState::kKilled); });
}

// Remote files (LaunchSpec::uris) are checked by one rule everywhere; a task that has good ones
// runs (a backend that fetches them may say TASK_STARTING first) and ends as its command does.
TEST_P(BackendConformanceTest, RemoteFilesAreCheckedAndTheirTaskRuns) {
  LaunchSpec bad = Spec("fetch-0-x", "exit 0");
  bad.uris = {{"ftp://example/x"}};
  EXPECT_THAT(backend().Launch(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                              HasSubstr("uris[0].value: 'ftp://example/x'")));
  bad.uris = {{"file:///etc/hostname", "../x"}};
  EXPECT_THAT(backend().Launch(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("uris[0].output_file")));
  LaunchSpec good = Spec("fetch-0-1", "exit 0");
  good.uris = {{"file:///etc/hostname", "conf/hostname"}};
  ASSERT_THAT(backend().Launch(good), IsOk());
  harness_->Offer();
  PollUntil([&](const auto&) { return Saw("fetch-0-1", MesosTaskState::kRunning); });
  harness_->End("fetch-0-1", MesosTaskState::kFinished);
  PollUntil([&](const auto&) { return Saw("fetch-0-1", MesosTaskState::kFinished); });
  ASSERT_TRUE(Saw("fetch-0-1", MesosTaskState::kFinished)) << Describe("fetch-0-1");
  const std::vector<TaskStatus> statuses = Of("fetch-0-1");
  for (size_t i = 0; i + 2 < statuses.size(); ++i) {
    EXPECT_EQ(statuses[i].state, i == 0 && statuses[i].state == MesosTaskState::kStarting
                                     ? MesosTaskState::kStarting
                                     : MesosTaskState::kRunning)
        << Describe("fetch-0-1");
  }
  EXPECT_FALSE(Saw("fetch-0-x", MesosTaskState::kRunning));
}

}  // namespace
}  // namespace peloton::backend::testing
