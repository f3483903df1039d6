// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The public API (services/api/peloton.capnp) over the job manager and the resource manager
// (in this process, or another through ResourceManagerApi): each call runs on the process's
// SerialLoop, so the components need no locks. Errors travel as a Status in every result.

#ifndef PELOTON_SERVICES_RPC_PELOTON_SERVICE_H_
#define PELOTON_SERVICES_RPC_PELOTON_SERVICE_H_

#include <functional>
#include <string>

#include "services/api/peloton.capnp.h"
#include "services/hostmgr/host_manager_api.h"
#include "services/jobmgr/job_manager.h"
#include "services/resmgr/resource_manager_api.h"
#include "services/rpc/guard.h"
#include "services/rpc/job_manager_peers.h"
#include "services/rpc/serial_loop.h"

namespace peloton::rpc {

// taskLogs' window of a task's file: by default, and at most (the schema's constants).
inline constexpr uint32_t kDefaultLogBytes = api::DEFAULT_LOG_BYTES;
inline constexpr uint32_t kMaxLogBytes = api::MAX_LOG_BYTES;
// listTasks' page.
inline constexpr size_t kMaxTasksPerReply = 10'000;

// Told of each call answered: the method's name ("getJob") and the seconds it took.
using RpcCallObserver = std::function<void(absl::string_view method, double seconds)>;

class PelotonService final : public api::Peloton::Server, public OpenLogin {
 public:
  // `sandbox_root`: where the local backend keeps task sandboxes (for taskLogs).
  PelotonService(SerialLoop& loop, jobmgr::JobManager& jobs, resmgr::ResourceManagerApi& pools,
                 hostmgr::HostManagerApi& hosts, std::string sandbox_root,
                 RpcCallObserver observe = nullptr)
      : loop_(loop),
        jobs_(jobs),
        pools_(pools),
        hosts_(hosts),
        sandbox_root_(std::move(sandbox_root)),
        observe_(std::move(observe)) {}

  // All-active job managers (issue 19): a call about a job another job manager owns (its
  // params' jobId, or the job of its updateId) is sent on to the owner, over `peers`, to the
  // owner's service that serves what it owns only (one that has no peers: a call goes one hop
  // at most, whatever the members each one sees). Answered Unavailable when the owner cannot
  // be reached. Without peers (alone, or that service), every call is served here.
  void SetPeers(JobManagerPeers* peers) { peers_ = peers; }

  // Every call, timed for `observe` (when given) from its arrival to its answer.
  DispatchCallResult dispatchCall(uint64_t interface_id, uint16_t method_id,
                                  capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context)
      override;

 protected:
  kj::Promise<void> createPool(CreatePoolContext context) override;
  kj::Promise<void> deletePool(DeletePoolContext context) override;
  kj::Promise<void> lookupPool(LookupPoolContext context) override;
  kj::Promise<void> listPools(ListPoolsContext context) override;
  kj::Promise<void> getPool(GetPoolContext context) override;
  kj::Promise<void> startMaintenance(StartMaintenanceContext context) override;
  kj::Promise<void> completeMaintenance(CompleteMaintenanceContext context) override;
  kj::Promise<void> listHosts(ListHostsContext context) override;
  kj::Promise<void> createJob(CreateJobContext context) override;
  kj::Promise<void> getJob(GetJobContext context) override;
  kj::Promise<void> stopJob(StopJobContext context) override;
  kj::Promise<void> listTasks(ListTasksContext context) override;
  kj::Promise<void> taskLogs(TaskLogsContext context) override;
  kj::Promise<void> queryJobs(QueryJobsContext context) override;
  kj::Promise<void> deleteJob(DeleteJobContext context) override;
  kj::Promise<void> stopTasks(StopTasksContext context) override;
  kj::Promise<void> startTasks(StartTasksContext context) override;
  kj::Promise<void> restartTasks(RestartTasksContext context) override;
  kj::Promise<void> getTask(GetTaskContext context) override;
  kj::Promise<void> taskEvents(TaskEventsContext context) override;
  kj::Promise<void> updateJob(UpdateJobContext context) override;
  kj::Promise<void> updatePool(UpdatePoolContext context) override;
  kj::Promise<void> createUpdate(CreateUpdateContext context) override;
  kj::Promise<void> getUpdate(GetUpdateContext context) override;
  kj::Promise<void> listUpdates(ListUpdatesContext context) override;
  kj::Promise<void> pauseUpdate(PauseUpdateContext context) override;
  kj::Promise<void> resumeUpdate(ResumeUpdateContext context) override;
  kj::Promise<void> abortUpdate(AbortUpdateContext context) override;
  kj::Promise<void> rollbackUpdate(RollbackUpdateContext context) override;
  kj::Promise<void> rollingWorkflow(RollingWorkflowContext context) override;
  kj::Promise<void> statelessCreate(StatelessCreateContext context) override;
  kj::Promise<void> statelessReplace(StatelessReplaceContext context) override;
  kj::Promise<void> statelessRestart(StatelessRestartContext context) override;
  kj::Promise<void> statelessAction(StatelessActionContext context) override;
  kj::Promise<void> workflowEvents(WorkflowEventsContext context) override;
  kj::Promise<void> endpoints(EndpointsContext context) override;

 private:
  // The job a call is about: its params' jobId, or the job of its updateId (from the store);
  // empty for the others (pools, hosts, queries, creations) and an update that is not found.
  std::string JobOfCall(uint16_t method_id, capnp::AnyPointer::Reader params);
  // Sends the call on to the job's owner `owner`; its answer is this call's.
  kj::Promise<void> Forward(const std::string& owner, uint16_t method_id,
                            capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context);
  // Answers the call with `status` in its result's status.
  static void Refuse(uint16_t method_id, const absl::Status& status,
                     capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context);

  // Answers once the job's endpoints' version is not `since`, or at `deadline`, looking after
  // each tick.
  kj::Promise<void> WatchEndpoints(EndpointsContext context, std::string job, uint64_t since,
                                   absl::Time deadline);

  SerialLoop& loop_;
  jobmgr::JobManager& jobs_;
  resmgr::ResourceManagerApi& pools_;
  hostmgr::HostManagerApi& hosts_;
  std::string sandbox_root_;
  RpcCallObserver observe_;
  JobManagerPeers* peers_ = nullptr;
};

}  // namespace peloton::rpc

#endif  // PELOTON_SERVICES_RPC_PELOTON_SERVICE_H_
