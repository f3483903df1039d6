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

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "peloton/placement/cluster.h"
#include "services/backend/backend.h"

namespace peloton::hostmgr {

// A task that was running before a restart: where, and what it holds.
struct RunningTask {
  std::string hostname;
  placement::TaskSpec spec;  // spec.id is the Mesos task id
};

class HostManager {
 public:
  // The backend's hosts become the cluster. InvalidArgument if a host is malformed.
  static absl::StatusOr<std::unique_ptr<HostManager>> Create(backend::Backend& backend);

  // What placement works on. Allocations made here by the placement engine are handed to
  // Launch (or given back with Release when a gang is abandoned).
  placement::Cluster& cluster() { return cluster_; }
  // The capacity of the hosts that are UP.
  Resources Capacity() const;

  // Launches a placed task. On failure its allocation is given back.
  absl::Status Launch(placement::Allocation allocation, const backend::LaunchSpec& spec);
  absl::Status Release(const placement::Allocation& allocation);
  absl::Status Kill(const std::string& task_id);
  // The backend's status changes; a terminal one gives the task's resources back.
  std::vector<backend::TaskStatus> Poll();
  // After a restart: takes the resources of the tasks that were running back and asks the
  // backend about each (TASK_RUNNING, how it ended meanwhile, or TASK_LOST).
  std::vector<backend::TaskStatus> Reconcile(const std::vector<RunningTask>& tasks);

 private:
  explicit HostManager(backend::Backend& backend) : backend_(backend) {}
  void Ended(const backend::TaskStatus& status);

  backend::Backend& backend_;
  placement::Cluster cluster_;
  absl::flat_hash_map<std::string, placement::Allocation> allocations_;  // by task id
};

}  // namespace peloton::hostmgr

#endif  // PELOTON_SERVICES_HOSTMGR_HOST_MANAGER_H_
