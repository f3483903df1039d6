// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The internal services of internal.capnp over the components: what peloton-resmgr,
// peloton-hostmgr and peloton-jobmgr serve to the other component processes. Each call runs
// on the process's SerialLoop; errors travel as a Status in the result.

#ifndef PELOTON_SERVICES_RPC_INTERNAL_SERVERS_H_
#define PELOTON_SERVICES_RPC_INTERNAL_SERVERS_H_

#include <string>
#include <vector>

#include "services/api/internal.capnp.h"
#include "services/hostmgr/host_leases.h"
#include "services/hostmgr/host_manager.h"
#include "services/jobmgr/job_manager.h"
#include "services/resmgr/resource_manager.h"
#include "services/rpc/fanout.h"
#include "services/rpc/guard.h"
#include "services/rpc/job_manager_peers.h"
#include "services/rpc/serial_loop.h"

namespace peloton::rpc {

class ResourceManagerServer final : public api::internal::ResourceManager::Server,
                                    public OpenLogin {
 public:
  ResourceManagerServer(SerialLoop& loop, resmgr::ResourceManager& rm);

  // Tasks preemption chose; each job manager takes them with preemptedTasks.
  void AddPreempted(std::vector<std::string> task_ids);

 protected:
  kj::Promise<void> createPool(CreatePoolContext context) override;
  kj::Promise<void> updatePool(UpdatePoolContext context) override;
  kj::Promise<void> deletePool(DeletePoolContext context) override;
  kj::Promise<void> lookupPool(LookupPoolContext context) override;
  kj::Promise<void> getPool(GetPoolContext context) override;
  kj::Promise<void> listPools(ListPoolsContext context) override;
  kj::Promise<void> enqueueGang(EnqueueGangContext context) override;
  kj::Promise<void> removeGang(RemoveGangContext context) override;
  kj::Promise<void> tasksLaunched(TasksLaunchedContext context) override;
  kj::Promise<void> tasksEnded(TasksEndedContext context) override;
  kj::Promise<void> adoptTask(AdoptTaskContext context) override;
  kj::Promise<void> preemptedTasks(PreemptedTasksContext context) override;
  kj::Promise<void> dequeueGangs(DequeueGangsContext context) override;
  kj::Promise<void> returnGangs(ReturnGangsContext context) override;
  kj::Promise<void> resetPlacing(ResetPlacingContext context) override;
  kj::Promise<void> incarnation(IncarnationContext context) override;

 private:
  SerialLoop& loop_;
  resmgr::ResourceManager& rm_;
  const std::string incarnation_;
  Fanout<std::string> preempted_;
};

class HostManagerServer final : public api::internal::HostManager::Server, public OpenLogin {
 public:
  HostManagerServer(SerialLoop& loop, hostmgr::HostManager& hm);

 protected:
  kj::Promise<void> capacity(CapacityContext context) override;
  kj::Promise<void> snapshot(SnapshotContext context) override;
  kj::Promise<void> launch(LaunchContext context) override;
  kj::Promise<void> kill(KillContext context) override;
  kj::Promise<void> events(EventsContext context) override;
  kj::Promise<void> reconcile(ReconcileContext context) override;
  kj::Promise<void> incarnation(IncarnationContext context) override;
  kj::Promise<void> startMaintenance(StartMaintenanceContext context) override;
  kj::Promise<void> completeMaintenance(CompleteMaintenanceContext context) override;
  kj::Promise<void> listHosts(ListHostsContext context) override;
  kj::Promise<void> drainingTasks(DrainingTasksContext context) override;
  kj::Promise<void> shutdown(ShutdownContext context) override;
  kj::Promise<void> destroyVolume(DestroyVolumeContext context) override;

 private:
  SerialLoop& loop_;
  hostmgr::HostManager& hm_;
  const std::string incarnation_;
  bool reconciled_ = false;  // the job manager has sent the running tasks
  Fanout<backend::TaskStatus> events_;
  hostmgr::HostLeases leases_;        // which placement engine places on which host
  std::vector<std::string> engines_;  // the engines last logged
};

// The job manager's internal calls (from the placement engine). The public API is
// PelotonService; peloton-jobmgr serves both (this one exported as "jobmgr").
// With `peers` (all-active job managers, issue 19), the tasks and gangs of jobs that other job
// managers own are sent on to their owners' servers that serve what they own only (without
// peers: one hop at most), and the answers put together; a call fails when an owner cannot be
// reached (placement gives the gangs back, and tries again).
class JobManagerServer final : public api::internal::JobManager::Server, public OpenLogin {
 public:
  JobManagerServer(SerialLoop& loop, jobmgr::JobManager& jobs, JobManagerPeers* peers = nullptr)
      : loop_(loop), jobs_(jobs), peers_(peers) {}

 protected:
  kj::Promise<void> taskSpecs(TaskSpecsContext context) override;
  kj::Promise<void> setPlacements(SetPlacementsContext context) override;

 private:
  // The member that owns the task's job (all-active); empty: this one, or a task id that names
  // no job.
  std::string OwnerOfTask(capnp::Text::Reader task_id) const;
  // taskSpecs' work here (on the loop): the specs of the call's tasks at `at`.
  void LocalTaskSpecs(TaskSpecsContext context, absl::Span<const unsigned> at);
  // setPlacements' work here (on the loop).
  void ApplyPlacements(api::internal::JobManager::SetPlacementsParams::Reader params);

  SerialLoop& loop_;
  jobmgr::JobManager& jobs_;
  JobManagerPeers* peers_;
};

// A new value per process start: how a client tells that a component restarted.
std::string NewIncarnation();

// PoolInfo on the wire (resmgr side) and back (its clients).
void SetPoolInfo(const resmgr::PoolInfo& info, api::internal::PoolInfo::Builder out);
absl::StatusOr<resmgr::PoolInfo> GetPoolInfo(api::internal::PoolInfo::Reader in);
// ReadyGang / PlacedGang on the wire.
void SetReadyGang(const resmgr::ReadyGang& g, api::internal::ReadyGang::Builder out);
resmgr::ReadyGang GetReadyGang(api::internal::ReadyGang::Reader in);

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_INTERNAL_SERVERS_H_
