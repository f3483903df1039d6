// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Test doubles of the job manager's two peers, for the job manager's unit tests: a resource
// manager that admits every gang it is given as soon as it is asked, and a host manager that
// launches nothing and reports only what the test tells it. Both record every call, so a test
// sees exactly what the goal-state engine did. These are doubles of our own interfaces; the
// real components are tested on their own and together in services/runtime.

#ifndef PELOTON_SERVICES_JOBMGR_TESTING_RECORDING_PEERS_H_
#define PELOTON_SERVICES_JOBMGR_TESTING_RECORDING_PEERS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/hostmgr/host_manager_api.h"
#include "services/resmgr/resource_manager_api.h"

namespace peloton::jobmgr::testing {

inline constexpr char kLeafPoolId[] = "leaf-pool";

class RecordingResourceManager final : public resmgr::ResourceManagerApi {
 public:
  absl::StatusOr<PoolId> CreatePool(absl::string_view,
                                    const resmgr::respool_pb::ResourcePoolConfig&) override {
    return absl::UnimplementedError("not in this double");
  }
  absl::Status UpdatePool(absl::string_view,
                          const resmgr::respool_pb::ResourcePoolConfig&) override {
    return absl::UnimplementedError("not in this double");
  }
  absl::Status DeletePool(absl::string_view) override {
    return absl::UnimplementedError("not in this double");
  }
  // One leaf pool, kLeafPoolId ("/leaf").
  absl::StatusOr<resmgr::PoolInfo> GetPoolById(const PoolId& id) const override {
    if (id.value() != kLeafPoolId) return absl::NotFoundError(id.value());
    resmgr::PoolInfo info;
    info.id = id;
    info.path = "/leaf";
    return info;
  }
  absl::StatusOr<PoolId> LookupPoolId(absl::string_view path) const override {
    if (path != "/leaf") return absl::NotFoundError(path);
    return PoolId(kLeafPoolId);
  }
  std::vector<resmgr::PoolInfo> ListPools() const override { return {}; }

  absl::Status EnqueueGang(const PoolId& pool, fairshare::Gang gang) override {
    if (!enqueue_error.ok()) return enqueue_error;
    std::string id(gang.Id());
    enqueued.push_back(id);
    queued.emplace(std::move(id), resmgr::ReadyGang{pool, std::move(gang)});
    return absl::OkStatus();
  }
  absl::Status RemoveGang(absl::string_view gang_id) override {
    if (queued.erase(std::string(gang_id)) == 0) return absl::NotFoundError(gang_id);
    removed.emplace_back(gang_id);
    return absl::OkStatus();
  }
  void TaskEnded(absl::string_view task_id) override { ended.emplace_back(task_id); }
  void TaskLaunched(absl::string_view task_id, absl::Time) override {
    launched.emplace_back(task_id);
  }
  absl::Status AdoptTask(const PoolId&, absl::string_view task_id, const fairshare::Allocation&,
                         uint32_t) override {
    adopted.emplace_back(task_id);
    return absl::OkStatus();
  }
  // Every queued gang, admitted at once.
  std::vector<resmgr::ReadyGang> DequeueReady(size_t limit) override {
    std::vector<resmgr::ReadyGang> ready;
    while (!queued.empty() && ready.size() < limit) {
      ready.push_back(std::move(queued.begin()->second));
      queued.erase(queued.begin());
    }
    return ready;
  }
  // Given back: queued again (admitted at the next DequeueReady).
  absl::Status ReturnGangs(std::vector<resmgr::ReadyGang> gangs) override {
    for (resmgr::ReadyGang& g : gangs) {
      returned.emplace_back(g.gang.Id());
      queued[std::string(g.gang.Id())] = std::move(g);
    }
    return absl::OkStatus();
  }

  absl::Status enqueue_error;  // what EnqueueGang answers when not OK
  std::map<std::string, resmgr::ReadyGang> queued;
  std::vector<std::string> enqueued, removed, ended, launched, adopted, returned;
};

class RecordingHostManager final : public hostmgr::HostManagerApi {
 public:
  Resources Capacity() const override { return Resources::Of(64'000, 65'536, 0, 0); }
  Resources Slack() const override { return Resources(); }
  std::string HostName(uint32_t host) const override { return absl::StrCat("host-", host); }
  absl::Status Launch(placement::Allocation, const backend::LaunchSpec& spec) override {
    if (!launch_error.ok()) return launch_error;
    launches.push_back(spec);
    return absl::OkStatus();
  }
  absl::Status Release(const placement::Allocation&) override {
    ++releases;
    return absl::OkStatus();
  }
  absl::Status Kill(const std::string& task_id) override {
    kills.push_back(task_id);
    return absl::OkStatus();
  }
  absl::Status Shutdown(const std::string& task_id) override {
    shutdowns.push_back(task_id);
    return absl::OkStatus();
  }
  std::vector<backend::TaskStatus> Poll() override { return std::exchange(pending, {}); }
  // What the test put in `reconciled` (the tasks asked about are recorded).
  std::vector<backend::TaskStatus> Reconcile(
      const std::vector<hostmgr::RunningTask>& tasks) override {
    for (const hostmgr::RunningTask& t : tasks) reconciling.push_back(t.spec.id);
    return std::exchange(reconciled, {});
  }
  absl::Status StartMaintenance(const std::vector<std::string>&) override {
    return absl::UnimplementedError("not in this double");
  }
  absl::Status CompleteMaintenance(const std::vector<std::string>&) override {
    return absl::UnimplementedError("not in this double");
  }
  std::vector<hostmgr::HostStatus> ListHosts() const override { return hosts; }
  std::vector<std::string> TasksOnDrainingHosts() const override { return draining_tasks; }
  absl::Status DestroyVolume(const std::string& hostname, const std::string& volume_id) override {
    if (!destroy_error.ok()) return destroy_error;
    destroyed.push_back(hostname + "/" + volume_id);
    return absl::OkStatus();
  }

  absl::Status launch_error, destroy_error;
  std::vector<std::string> destroyed;  // "<host>/<volume id>"
  std::vector<backend::LaunchSpec> launches;
  int releases = 0;
  std::vector<std::string> kills, shutdowns, reconciling, draining_tasks;
  std::vector<backend::TaskStatus> pending, reconciled;
  std::vector<hostmgr::HostStatus> hosts;  // what ListHosts answers
};

}  // namespace peloton::jobmgr::testing

#endif  // PELOTON_SERVICES_JOBMGR_TESTING_RECORDING_PEERS_H_
