// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What the other components ask of the host manager (reference §5.3's InternalHostService):
// launch placed tasks, kill them, their status changes, reconciliation after a restart, and the
// cluster's capacity. HostManager implements it in-process (peloton-master);
// rpc::RemoteHostManager implements it over Cap'n Proto (internal.capnp).

#ifndef PELOTON_SERVICES_HOSTMGR_HOST_MANAGER_API_H_
#define PELOTON_SERVICES_HOSTMGR_HOST_MANAGER_API_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "peloton/common/resources.h"
#include "peloton/placement/cluster.h"
#include "services/backend/backend.h"

namespace peloton::hostmgr {

// A task that was running before a restart: where, and what it holds.
struct RunningTask {
  std::string hostname;
  placement::TaskSpec spec;  // spec.id is the Mesos task id
};

// One host as the host manager sees it.
struct HostStatus {
  std::string hostname;
  placement::HostState state = placement::HostState::kUp;
  uint32_t tasks = 0;
  Resources capacity;
  Resources free;  // of what this cluster's tasks hold (and, on Mesos, what is not offered)
  std::vector<std::pair<std::string, std::string>> attributes;  // sorted by key
  int64_t revocable_cpu = 0, revocable_free_cpu = 0;  // slack: declared, and not held (milli)
};

class HostManagerApi {
 public:
  virtual ~HostManagerApi() = default;

  // The capacity of the hosts that are UP.
  virtual Resources Capacity() const = 0;
  // The revocable cpu the UP hosts declare (the cluster's slack; cpu only), what revocable
  // work is admitted against.
  virtual Resources Slack() const = 0;
  // The name of the host with this index (hosts keep their index for the process's life).
  virtual std::string HostName(uint32_t host) const = 0;

  // Launches a placed task. In-process the allocation was made on this host manager's cluster;
  // over RPC it was made on a snapshot and is claimed first (FailedPrecondition when what it
  // names is no longer free). On failure nothing is held.
  virtual absl::Status Launch(placement::Allocation allocation,
                              const backend::LaunchSpec& spec) = 0;
  // Gives back an allocation that will not be launched.
  virtual absl::Status Release(const placement::Allocation& allocation) = 0;
  virtual absl::Status Kill(const std::string& task_id) = 0;
  // Stops by force a task a kill did not end in time (Backend::Shutdown).
  virtual absl::Status Shutdown(const std::string& task_id) = 0;
  // The backend's status changes since the last call; a terminal one gives the task's
  // resources back.
  virtual std::vector<backend::TaskStatus> Poll() = 0;
  // After a restart: takes the resources of the tasks that were running back (unless it still
  // holds them) and asks the backend about each (TASK_RUNNING, how it ended meanwhile, or
  // TASK_LOST).
  virtual std::vector<backend::TaskStatus> Reconcile(const std::vector<RunningTask>& tasks) = 0;

  // Host maintenance (reference §6.1). StartMaintenance: UP hosts go DRAINING (nothing new is
  // placed there; the job manager moves their tasks away) and the backend is told; a DRAINING
  // host with no task left goes DOWN (DRAINED first, while the backend takes it down).
  // CompleteMaintenance: hosts under maintenance come back UP. All or nothing: NotFound for an
  // unknown host, FailedPrecondition for one in the wrong state, or the backend's error.
  virtual absl::Status StartMaintenance(const std::vector<std::string>& hostnames) = 0;
  virtual absl::Status CompleteMaintenance(const std::vector<std::string>& hostnames) = 0;
  // Every host, in index order.
  virtual std::vector<HostStatus> ListHosts() const = 0;
  // The tasks on DRAINING hosts, to move away.
  virtual std::vector<std::string> TasksOnDrainingHosts() const = 0;
  // Removes a persistent volume and its data (Backend::DestroyVolume): OK when there is none;
  // FailedPrecondition while a task uses it.
  virtual absl::Status DestroyVolume(const std::string& hostname,
                                     const std::string& volume_id) = 0;
};

}  // namespace peloton::hostmgr

#endif  // PELOTON_SERVICES_HOSTMGR_HOST_MANAGER_API_H_
