// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A Store that times every call of another (whatever it is: SQLite, PostgreSQL) and tells an
// observer the operation's name and how long it took, success or not. A process's metrics use
// it for the store's transaction latency:
//
//   ObservedStore store(std::move(sqlite), [&](absl::string_view op, absl::Duration d) {...});
//
// It changes nothing else: every call goes to the inner store as it came, its result back.
// Thread-safe as the inner store is, if the observer is.

#ifndef PELOTON_SERVICES_STORE_OBSERVED_STORE_H_
#define PELOTON_SERVICES_STORE_OBSERVED_STORE_H_

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/store/store.h"

namespace peloton::store {

class ObservedStore : public Store {
 public:
  // `op`: the Store method's name ("WriteTaskRuntimes").
  using Observer = std::function<void(absl::string_view op, absl::Duration took)>;

  ObservedStore(std::unique_ptr<Store> inner, Observer observer)
      : inner_(std::move(inner)), observer_(std::move(observer)) {}

  Store& inner() { return *inner_; }

  absl::Status CreatePool(const PoolRecord& pool) override;
  absl::Status UpdatePool(const PoolRecord& pool) override;
  absl::Status DeletePool(const PoolId& id) override;
  absl::StatusOr<PoolRecord> GetPool(const PoolId& id) override;
  absl::StatusOr<PoolRecord> GetPoolByPath(absl::string_view path) override;
  absl::StatusOr<std::vector<PoolRecord>> ListPools() override;

  absl::Status CreateJob(const JobConfigRecord& config, JobRuntime& runtime) override;
  absl::Status AddJobConfig(const JobConfigRecord& config) override;
  absl::StatusOr<JobConfigRecord> GetJobConfig(const JobId& id, int64_t version = 0) override;
  absl::Status WriteJobRuntime(const JobId& id, JobRuntime& runtime) override;
  absl::StatusOr<JobSummary> GetJob(const JobId& id) override;
  absl::Status DeleteJob(const JobId& id) override;
  absl::StatusOr<JobQueryResult> QueryJobs(const JobQuery& query) override;
  absl::Status RemoveActiveJob(const JobId& id) override;
  absl::Status AddActiveJob(const JobId& id) override;
  absl::StatusOr<std::vector<JobId>> ListActiveJobs() override;

  using Store::WriteTaskRuntimes;
  absl::Status WriteTaskRuntimes(const JobId& id, absl::Span<TaskRuntime* const> runtimes) override;
  absl::StatusOr<TaskRuntime> GetTaskRuntime(const JobId& id, uint32_t instance) override;
  absl::StatusOr<std::vector<TaskRuntime>> ListTaskRuntimes(
      const JobId& id, const TaskRuntimeFilter& filter = {}) override;

  absl::Status AddPodEvents(const JobId& id, absl::Span<const PodEvent> events) override;
  absl::StatusOr<std::vector<PodEvent>> GetPodEvents(const JobId& id, uint32_t instance,
                                                     const PodEventQuery& query = {}) override;
  absl::Status DeletePodEvents(const JobId& id, uint32_t instance, int64_t from_run,
                               int64_t to_run) override;

  absl::Status CreateUpdate(UpdateRecord& update) override;
  absl::Status WriteUpdate(UpdateRecord& update) override;
  absl::StatusOr<UpdateRecord> GetUpdate(absl::string_view update_id) override;
  absl::StatusOr<std::vector<UpdateRecord>> ListUpdates(const JobId& job,
                                                        uint32_t limit = 0) override;
  absl::Status DeleteUpdate(absl::string_view update_id) override;
  absl::StatusOr<std::vector<UpdateEvent>> GetUpdateEvents(absl::string_view update_id) override;
  absl::Status AddInstanceWorkflowEvents(absl::string_view update_id,
                                         absl::Span<const InstanceWorkflowEvent> events) override;
  absl::StatusOr<std::vector<InstanceWorkflowEvent>> GetInstanceWorkflowEvents(
      absl::string_view update_id, uint32_t instance, uint32_t limit = 0) override;

  absl::Status WriteHost(HostRecord& host) override;
  absl::StatusOr<HostRecord> GetHost(absl::string_view hostname) override;
  absl::StatusOr<std::vector<HostRecord>> ListHosts(
      absl::Span<const HostState> states = {}) override;
  absl::Status DeleteHost(absl::string_view hostname) override;

  absl::Status SetFramework(const FrameworkRecord& framework) override;
  absl::StatusOr<FrameworkRecord> GetFramework(absl::string_view name) override;
  absl::StatusOr<int64_t> TakeFence(absl::string_view name, absl::string_view holder) override;
  void EnforceJobClaims() override;
  absl::StatusOr<int64_t> ClaimJob(const JobId& id, absl::string_view holder) override;
  void ReleaseJob(const JobId& id) override;

 private:
  // Runs `call`, tells the observer how long it took, returns its result.
  template <typename Call>
  auto Timed(absl::string_view op, Call&& call) {
    const absl::Time start = absl::Now();
    auto result = std::forward<Call>(call)();
    observer_(op, absl::Now() - start);
    return result;
  }

  std::unique_ptr<Store> inner_;
  Observer observer_;
};

}  // namespace peloton::store

#endif  // PELOTON_SERVICES_STORE_OBSERVED_STORE_H_
