// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The public API (services/api/peloton.capnp) over a Master: each call runs on the master's
// event loop, so the components need no locks. Errors travel as a Status in every result.

#ifndef PELOTON_SERVICES_MASTER_RPC_SERVICE_H_
#define PELOTON_SERVICES_MASTER_RPC_SERVICE_H_

#include <string>

#include "services/api/peloton.capnp.h"
#include "services/master/master.h"

namespace peloton::master {

class PelotonService final : public api::Peloton::Server {
 public:
  // `sandbox_root`: where the local backend keeps task sandboxes (for taskLogs).
  PelotonService(Master& master, std::string sandbox_root)
      : master_(master), sandbox_root_(std::move(sandbox_root)) {}

 protected:
  kj::Promise<void> createPool(CreatePoolContext context) override;
  kj::Promise<void> deletePool(DeletePoolContext context) override;
  kj::Promise<void> lookupPool(LookupPoolContext context) override;
  kj::Promise<void> listPools(ListPoolsContext context) override;
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

 private:
  Master& master_;
  std::string sandbox_root_;
};

// absl::Status <-> the wire's Status.
void SetStatus(const absl::Status& status, api::Status::Builder out);
absl::Status StatusOf(api::Status::Reader in);

}  // namespace peloton::master

#endif  // PELOTON_SERVICES_MASTER_RPC_SERVICE_H_
