// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The components in another process, over Cap'n Proto (internal.capnp), behind the same
// interfaces the in-process components implement. Each call waits for its answer, so call
// them only from a SerialLoop's work or tick (never inside an event callback). Notifications
// that answer nothing (TaskEnded, TaskLaunched) are sent without waiting; Cap'n Proto keeps
// them in order with the calls after them.
//
// A peer that cannot be reached makes a call fail with Unavailable naming the peer (calls
// without a result log it), and the next call connects again.

#ifndef PELOTON_SERVICES_RPC_REMOTE_H_
#define PELOTON_SERVICES_RPC_REMOTE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "kj/async.h"
#include "services/api/internal.capnp.h"
#include "services/hostmgr/host_manager_api.h"
#include "services/jobmgr/job_manager_api.h"
#include "services/placement/placement_engine.h"
#include "services/resmgr/resource_manager_api.h"
#include "services/rpc/peer.h"

namespace peloton::rpc {

// Calls `ping` until it succeeds or `timeout` passes (then its last error), or the peer
// refuses the credentials (Unauthenticated). For a process that starts before the components
// it calls.
absl::Status WaitUntilUp(const std::function<absl::Status()>& ping, absl::Duration timeout);

// A component's incarnation as last seen: tells when it restarted.
class Incarnation {
 public:
  void Saw(std::string incarnation);
  // Whether it restarted since the last call (never for the first incarnation seen), or what
  // it sent was lost (Lost): either way, the caller sends it its state again.
  bool TakeRestarted() { return std::exchange(restarted_, false); }
  void Lost() { restarted_ = true; }

 private:
  std::string known_;
  bool restarted_ = false;
};

class RemoteResourceManager final : public resmgr::ResourceManagerApi {
 public:
  explicit RemoteResourceManager(std::string address, PeerOptions options = {});

  absl::StatusOr<PoolId> CreatePool(absl::string_view path,
                                    const resmgr::respool_pb::ResourcePoolConfig& config) override;
  absl::Status UpdatePool(absl::string_view path,
                          const resmgr::respool_pb::ResourcePoolConfig& config) override;
  absl::Status DeletePool(absl::string_view path) override;
  absl::StatusOr<resmgr::PoolInfo> GetPoolById(const PoolId& id) const override;
  absl::StatusOr<PoolId> LookupPoolId(absl::string_view path) const override;
  std::vector<resmgr::PoolInfo> ListPools() const override;
  absl::Status EnqueueGang(const PoolId& pool, fairshare::Gang gang) override;
  absl::Status RemoveGang(absl::string_view gang_id) override;
  void TaskEnded(absl::string_view task_id) override;
  void TaskLaunched(absl::string_view task_id, absl::Time when) override;
  absl::Status AdoptTask(const PoolId& pool, absl::string_view task_id,
                         const fairshare::Allocation& allocation, uint32_t priority) override;
  std::vector<resmgr::ReadyGang> DequeueReady(size_t limit) override;

  // The tasks preemption chose since the last call (for the job manager to stop), as one
  // consumer of several (each all-active job manager takes every one).
  absl::StatusOr<std::vector<std::string>> TakePreempted();
  // For the placement engine: gangs it could not place; taking over at start.
  absl::Status ReturnGangs(std::vector<resmgr::ReadyGang> gangs) override;
  absl::StatusOr<size_t> ResetPlacing();
  // Unavailable until the resource manager answers.
  absl::Status Ping();
  // Whether it restarted since the last call (seen by Ping and TakePreempted).
  bool TakeRestarted() { return incarnation_.TakeRestarted(); }

 private:
  mutable Peer peer_;
  Incarnation incarnation_;
  const std::string consumer_;  // this client's name to preemptedTasks
};

class RemoteHostManager final : public hostmgr::HostManagerApi {
 public:
  explicit RemoteHostManager(std::string address, PeerOptions options = {});

  Resources Capacity() const override;  // empty, logged, when the host manager is unreachable
  Resources Slack() const override;     // the same
  // Capacity and slack in one call.
  absl::StatusOr<fairshare::ClusterCapacity> CapacityOrError() const;
  std::string HostName(uint32_t host) const override;
  absl::Status Launch(placement::Allocation allocation, const backend::LaunchSpec& spec) override;
  // The allocation was made on a snapshot and never claimed here: nothing to give back.
  absl::Status Release(const placement::Allocation& allocation) override;
  absl::Status Kill(const std::string& task_id) override;
  absl::Status Shutdown(const std::string& task_id) override;
  absl::Status DestroyVolume(const std::string& hostname, const std::string& volume_id) override;
  std::vector<backend::TaskStatus> Poll() override;
  std::vector<backend::TaskStatus> Reconcile(
      const std::vector<hostmgr::RunningTask>& tasks) override;
  absl::Status StartMaintenance(const std::vector<std::string>& hostnames) override;
  absl::Status CompleteMaintenance(const std::vector<std::string>& hostnames) override;
  std::vector<hostmgr::HostStatus> ListHosts() const override;  // empty, logged, when unreachable
  std::vector<std::string> TasksOnDrainingHosts() const override;  // likewise

  // The cluster as the host manager holds it now (every host, every allocation), for a
  // placement engine to place on: the hosts other engines hold are not UP in it
  // (hostmgr::HostLeases; this client is one engine).
  absl::Status Snapshot(placement::Cluster& cluster);
  absl::Status Ping();
  // Whether it restarted, or task events were lost, since the last call (seen by Ping and
  // Poll): the caller reconciles its tasks again.
  bool TakeRestarted() { return incarnation_.TakeRestarted(); }

 private:
  // The cluster into `cluster`, the host names into names_; as the placement engine `engine`
  // sees it (empty: every host as it is).
  absl::Status FetchSnapshot(placement::Cluster& cluster, const std::string& engine) const;

  mutable Peer peer_;
  Incarnation incarnation_;
  mutable std::vector<std::string> names_;  // by host index, from the last snapshot
  const std::string consumer_;  // this client's name to events, and as an engine to snapshot
};

// The job manager as the placement engine sees it.
class RemoteJobManager final : public jobmgr::JobManagerApi {
 public:
  explicit RemoteJobManager(std::string address, PeerOptions options = {});

  // The specs of the tasks still waiting for a host, by task id (others are absent).
  absl::StatusOr<absl::flat_hash_map<std::string, placement::TaskSpec>> TaskSpecs(
      const std::vector<std::string>& task_ids);
  // JobManagerApi: the specs fetched at once (TaskSpecs); the placements sent, `placed` left
  // as it was (the job manager has them, or, on failure, nothing was handed over).
  absl::StatusOr<placement_engine::SpecLookup> WaitingSpecs(
      const std::vector<std::string>& task_ids) override;
  absl::Status SetPlacements(std::vector<placement_engine::PlacedGang>& placed,
                             const std::vector<resmgr::ReadyGang>& dropped,
                             const std::vector<placement_engine::PlacementVerdict>& verdicts,
                             const placement::Cluster& cluster) override;

 private:
  Peer peer_;
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_REMOTE_H_
