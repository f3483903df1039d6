// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A job manager between the recording doubles of its peers (recording_peers.h), over a real
// SQLite store in the test's temporary directory, on a clock the test moves. What placement and
// the cluster would do is done by hand: Place() launches every admitted gang on host 0,
// Report() is a status update from the host manager.

#ifndef PELOTON_SERVICES_JOBMGR_TESTING_JOB_MANAGER_FIXTURE_H_
#define PELOTON_SERVICES_JOBMGR_TESTING_JOB_MANAGER_FIXTURE_H_

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/yaml_proto.h"
#include "services/jobmgr/job_manager.h"
#include "services/jobmgr/testing/recording_peers.h"
#include "services/store/sqlite_store.h"

namespace peloton::jobmgr::testing {

// A batch job of `instances` long-sleeping instances (kTwoTasks with another count).
inline std::string SleepingTasks(uint32_t instances) {
  return absl::StrCat("instancecount: ", instances, R"yaml(
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml");
}

// A batch job of two long-sleeping instances.
inline constexpr char kTwoTasks[] = R"yaml(
instancecount: 2
defaultconfig:
  resource: {cpulimit: 1, memlimitmb: 64}
  command: {shell: true, value: 'sleep 3600'}
)yaml";

class JobManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/jobmgr_",
                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    PELOTON_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open({.path = dir_ + "/peloton.db"}));
    options_.now = [this] { return now_; };
    jobs_ = std::make_unique<JobManager>(*store_, pools_, hosts_, gen_, options_);
  }

  // A job manager started again over the same store, taking over as after a crash (what was
  // not flushed is lost, as it would be).
  void Restart() {
    jobs_ = std::make_unique<JobManager>(*store_, pools_, hosts_, gen_, options_);
    ASSERT_THAT(jobs_->Recover(), ::peloton::testing::IsOk());
  }

  absl::StatusOr<JobId> TryCreate(const std::string& yaml) {
    job_pb::JobConfig config;
    if (absl::Status s = api::YamlToProto(yaml, config).status(); !s.ok()) return s;
    config.mutable_respoolid()->set_value(kLeafPoolId);
    return jobs_->CreateJob(config);
  }
  JobId Create(const std::string& yaml) {
    absl::StatusOr<JobId> id = TryCreate(yaml);
    EXPECT_THAT(id.status(), ::peloton::testing::IsOk());
    return id.ok() ? *id : JobId();
  }

  // Every admitted gang placed on host 0, each task given `ports`, and launched; what changed
  // is flushed.
  void Place(const std::vector<uint32_t>& ports = {}) {
    std::vector<placement_engine::PlacedGang> placed;
    for (resmgr::ReadyGang& g : pools_.DequeueReady(SIZE_MAX)) {
      placement_engine::PlacedGang p;
      p.pool = g.pool;
      p.allocations.resize(g.gang.tasks.size());
      for (placement::Allocation& a : p.allocations) {
        if (!ports.empty()) a.mutable_ports() = ports;
      }
      p.gang = std::move(g.gang);
      placed.push_back(std::move(p));
    }
    jobs_->Launch(std::move(placed));
    ASSERT_THAT(jobs_->Flush(), ::peloton::testing::IsOk());
  }
  // A status update for a task from host 0; what changed is flushed.
  void Report(const std::string& task_id, taskfsm::MesosTaskState state,
              const std::string& message = "", std::optional<bool> healthy = std::nullopt) {
    backend::TaskStatus s;
    s.healthy = healthy;
    s.task_id = task_id;
    s.state = state;
    s.hostname = "host-0";
    s.agent_id = "host-0";
    s.message = message;
    jobs_->OnStatus(s);
    ASSERT_THAT(jobs_->Flush(), ::peloton::testing::IsOk());
  }
  // The current Mesos task id of an instance: "<job>-<instance>-<run>".
  static std::string TaskId(const JobId& job, uint32_t instance, uint64_t run) {
    return absl::StrCat(job.value(), "-", instance, "-", run);
  }
  store::TaskRuntime Task(const JobId& job, uint32_t instance) {
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks =
        jobs_->ListTasks(job, instance, instance + 1);
    EXPECT_THAT(tasks.status(), ::peloton::testing::IsOk());
    return tasks.ok() && tasks->size() == 1 ? tasks->front() : store::TaskRuntime{};
  }
  taskfsm::JobState JobState(const JobId& job) {
    absl::StatusOr<JobView> view = jobs_->GetJob(job);
    EXPECT_THAT(view.status(), ::peloton::testing::IsOk());
    return view.ok() ? view->runtime.state : taskfsm::JobState::kUnknown;
  }
  // Runs the engine's timers after the clock moved by `d`; what changed is flushed.
  void Advance(absl::Duration d) {
    now_ += d;
    jobs_->RunTimers();
    ASSERT_THAT(jobs_->Flush(), ::peloton::testing::IsOk());
  }

  std::string dir_;
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
  std::mt19937_64 gen_{42};
  RecordingResourceManager pools_;
  RecordingHostManager hosts_;
  JobManagerOptions options_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<JobManager> jobs_;
};

}  // namespace peloton::jobmgr::testing

#endif  // PELOTON_SERVICES_JOBMGR_TESTING_JOB_MANAGER_FIXTURE_H_
