// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The host manager component: the only one that talks to the cluster backend. It keeps the
// placement view of the hosts (a placement::Cluster with every running task's allocation),
// launches placed tasks, kills tasks, and turns the backend's status changes into events,
// releasing a task's resources when it ends.
//
// Thread-compatible (the master's loop owns it).

#ifndef PELOTON_SERVICES_HOSTMGR_HOST_MANAGER_H_
#define PELOTON_SERVICES_HOSTMGR_HOST_MANAGER_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "peloton/common/compact_string.h"
#include "peloton/placement/cluster.h"
#include "services/backend/backend.h"
#include "services/hostmgr/host_manager_api.h"
#include "services/store/store.h"

namespace peloton::hostmgr {

class HostManager final : public HostManagerApi {
 public:
  // The backend's hosts become the cluster. InvalidArgument if a host is malformed. With a
  // store, host maintenance is kept there (the hosts table: DRAINING, DRAINED or DOWN with goal
  // DOWN) and taken up again here: a host manager that restarts finds its hosts as it left
  // them. The store's error if it cannot be read.
  static absl::StatusOr<std::unique_ptr<HostManager>> Create(backend::Backend& backend,
                                                             store::Store* store = nullptr);

  // What placement works on. Allocations made here by the placement engine are handed to
  // Launch (or given back with Release when a gang is abandoned).
  placement::Cluster& cluster() { return cluster_; }
  // Every host as it was added (all free), in index order, with its current state, and every
  // allocation held: what a placement engine in another process rebuilds the cluster from.
  std::vector<placement::HostSpec> HostSpecs() const;
  // Calls visit(task id, allocation) for every allocation held (the id an absl::string_view).
  template <typename Visit>
  void ForEachAllocation(Visit&& visit) const {
    for (const auto& [id, a] : allocations_) visit(id.view(), a);
  }
  size_t allocation_count() const { return allocations_.size(); }
  // Takes an allocation made on a snapshot (the step before Launch over RPC).
  absl::Status Claim(const placement::Allocation& allocation) { return cluster_.Claim(allocation); }

  // HostManagerApi (documented there).
  Resources Capacity() const override;
  Resources Slack() const override;
  std::string HostName(uint32_t host) const override { return cluster_.host(host).name; }
  absl::Status Launch(placement::Allocation allocation, const backend::LaunchSpec& spec) override;
  absl::Status Release(const placement::Allocation& allocation) override;
  absl::Status Kill(const std::string& task_id) override;
  absl::Status Shutdown(const std::string& task_id) override { return backend_.Shutdown(task_id); }
  absl::Status DestroyVolume(const std::string& hostname, const std::string& volume_id) override {
    return backend_.DestroyVolume(hostname, volume_id);
  }
  std::vector<backend::TaskStatus> Poll() override;
  std::vector<backend::TaskStatus> Reconcile(const std::vector<RunningTask>& tasks) override;
  absl::Status StartMaintenance(const std::vector<std::string>& hostnames) override;
  absl::Status CompleteMaintenance(const std::vector<std::string>& hostnames) override;
  std::vector<HostStatus> ListHosts() const override;
  std::vector<std::string> TasksOnDrainingHosts() const override;

 private:
  HostManager(backend::Backend& backend, store::Store* store) : backend_(backend), store_(store) {}
  // Maintenance read back from the store at Create.
  absl::Status RecoverMaintenance();
  // Stores `state` (goal DOWN while under maintenance) for each of `hostnames`; UP removes the
  // record. Without a store, nothing.
  absl::Status StoreMaintenance(const std::vector<std::string>& hostnames,
                                placement::HostState state);
  // A maintenance change: `state` stored for `hostnames` (indices `hosts`) first, so that a
  // restart finds it, then the backend told. If either fails, the store is put back and the
  // error returned; the cluster is not changed here.
  absl::Status StoreThenTell(
      const std::vector<std::string>& hostnames, const std::vector<uint32_t>& hosts,
      placement::HostState state,
      absl::Status (backend::Backend::*tell)(const std::vector<std::string>&));
  void Ended(const backend::TaskStatus& status);
  // Hosts the backend added join the cluster (new indices); hosts it no longer has go DOWN,
  // and come back UP if they return. Their resources are taken as first seen.
  void SyncHosts();
  // For a backend whose launches need offers: each UP host's resources beyond what it offers
  // are reserved (out of placement's reach).
  void ApplyOffers();
  // DRAINING hosts with no task left: DRAINED, then DOWN once the backend has taken them down.
  void DownDrainedHosts();
  // The indices of `hostnames`, each in one of `states`: NotFound / FailedPrecondition naming it.
  absl::StatusOr<std::vector<uint32_t>> HostsIn(const std::vector<std::string>& hostnames,
                                                std::initializer_list<placement::HostState> states,
                                                absl::string_view what) const;
  // Keeps what a running task holds, without the strings the key or the cluster do not need
  // (a million running tasks at scale).
  void Hold(CompactString task_id, placement::Allocation allocation);

  backend::Backend& backend_;
  store::Store* store_;  // may be null: maintenance then lasts as long as the process
  // False from a Create that found draining hosts in the store until the first Reconcile (the
  // job manager's tasks): until then no host is taken down (DownDrainedHosts).
  bool reconciled_ = true;
  placement::Cluster cluster_;
  std::vector<placement::HostSpec> specs_;     // by index, as added
  uint64_t hosts_version_ = 0;                 // of the backend's hosts, as last read
  absl::flat_hash_set<uint32_t> maintenance_;  // hosts under maintenance: SyncHosts leaves them
  // By task id. Node-based: a flat map's slots would hold the whole Allocation, and at a
  // million entries half of its slots are empty. Keyed by a CompactString: a node of 64 bytes
  // (an exact jemalloc size) where a std::string key made it 88, in a block of 96.
  absl::node_hash_map<CompactString, placement::Allocation, CompactString::Hash, CompactString::Eq>
      allocations_;
};

}  // namespace peloton::hostmgr

#endif  // PELOTON_SERVICES_HOSTMGR_HOST_MANAGER_H_
