// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/observed_store.h"

namespace peloton::store {

absl::Status ObservedStore::CreatePool(const PoolRecord& pool) {
  return Timed("CreatePool", [&] { return inner_->CreatePool(pool); });
}

absl::Status ObservedStore::UpdatePool(const PoolRecord& pool) {
  return Timed("UpdatePool", [&] { return inner_->UpdatePool(pool); });
}

absl::Status ObservedStore::DeletePool(const PoolId& id) {
  return Timed("DeletePool", [&] { return inner_->DeletePool(id); });
}

absl::StatusOr<PoolRecord> ObservedStore::GetPool(const PoolId& id) {
  return Timed("GetPool", [&] { return inner_->GetPool(id); });
}

absl::StatusOr<PoolRecord> ObservedStore::GetPoolByPath(absl::string_view path) {
  return Timed("GetPoolByPath", [&] { return inner_->GetPoolByPath(path); });
}

absl::StatusOr<std::vector<PoolRecord>> ObservedStore::ListPools() {
  return Timed("ListPools", [&] { return inner_->ListPools(); });
}

absl::Status ObservedStore::CreateJob(const JobConfigRecord& config, JobRuntime& runtime) {
  return Timed("CreateJob", [&] { return inner_->CreateJob(config, runtime); });
}

absl::Status ObservedStore::AddJobConfig(const JobConfigRecord& config) {
  return Timed("AddJobConfig", [&] { return inner_->AddJobConfig(config); });
}

absl::StatusOr<JobConfigRecord> ObservedStore::GetJobConfig(const JobId& id, int64_t version) {
  return Timed("GetJobConfig", [&] { return inner_->GetJobConfig(id, version); });
}

absl::Status ObservedStore::WriteJobRuntime(const JobId& id, JobRuntime& runtime) {
  return Timed("WriteJobRuntime", [&] { return inner_->WriteJobRuntime(id, runtime); });
}

absl::StatusOr<JobSummary> ObservedStore::GetJob(const JobId& id) {
  return Timed("GetJob", [&] { return inner_->GetJob(id); });
}

absl::Status ObservedStore::DeleteJob(const JobId& id) {
  return Timed("DeleteJob", [&] { return inner_->DeleteJob(id); });
}

absl::StatusOr<JobQueryResult> ObservedStore::QueryJobs(const JobQuery& query) {
  return Timed("QueryJobs", [&] { return inner_->QueryJobs(query); });
}

absl::Status ObservedStore::RemoveActiveJob(const JobId& id) {
  return Timed("RemoveActiveJob", [&] { return inner_->RemoveActiveJob(id); });
}

absl::Status ObservedStore::AddActiveJob(const JobId& id) {
  return Timed("AddActiveJob", [&] { return inner_->AddActiveJob(id); });
}

absl::StatusOr<std::vector<JobId>> ObservedStore::ListActiveJobs() {
  return Timed("ListActiveJobs", [&] { return inner_->ListActiveJobs(); });
}

absl::Status ObservedStore::WriteTaskRuntimes(const JobId& id,
                                              absl::Span<TaskRuntime* const> runtimes) {
  return Timed("WriteTaskRuntimes", [&] { return inner_->WriteTaskRuntimes(id, runtimes); });
}

absl::StatusOr<TaskRuntime> ObservedStore::GetTaskRuntime(const JobId& id, uint32_t instance) {
  return Timed("GetTaskRuntime", [&] { return inner_->GetTaskRuntime(id, instance); });
}

absl::StatusOr<std::vector<TaskRuntime>> ObservedStore::ListTaskRuntimes(
    const JobId& id, const TaskRuntimeFilter& filter) {
  return Timed("ListTaskRuntimes", [&] { return inner_->ListTaskRuntimes(id, filter); });
}

absl::Status ObservedStore::AddPodEvents(const JobId& id, absl::Span<const PodEvent> events) {
  return Timed("AddPodEvents", [&] { return inner_->AddPodEvents(id, events); });
}

absl::StatusOr<std::vector<PodEvent>> ObservedStore::GetPodEvents(const JobId& id,
                                                                  uint32_t instance,
                                                                  const PodEventQuery& query) {
  return Timed("GetPodEvents", [&] { return inner_->GetPodEvents(id, instance, query); });
}

absl::Status ObservedStore::DeletePodEvents(const JobId& id, uint32_t instance, int64_t from_run,
                                            int64_t to_run) {
  return Timed("DeletePodEvents",
               [&] { return inner_->DeletePodEvents(id, instance, from_run, to_run); });
}

absl::Status ObservedStore::CreateUpdate(UpdateRecord& update) {
  return Timed("CreateUpdate", [&] { return inner_->CreateUpdate(update); });
}

absl::Status ObservedStore::WriteUpdate(UpdateRecord& update) {
  return Timed("WriteUpdate", [&] { return inner_->WriteUpdate(update); });
}

absl::StatusOr<UpdateRecord> ObservedStore::GetUpdate(absl::string_view update_id) {
  return Timed("GetUpdate", [&] { return inner_->GetUpdate(update_id); });
}

absl::StatusOr<std::vector<UpdateRecord>> ObservedStore::ListUpdates(const JobId& job,
                                                                     uint32_t limit) {
  return Timed("ListUpdates", [&] { return inner_->ListUpdates(job, limit); });
}

absl::Status ObservedStore::DeleteUpdate(absl::string_view update_id) {
  return Timed("DeleteUpdate", [&] { return inner_->DeleteUpdate(update_id); });
}

absl::StatusOr<std::vector<UpdateEvent>> ObservedStore::GetUpdateEvents(
    absl::string_view update_id) {
  return Timed("GetUpdateEvents", [&] { return inner_->GetUpdateEvents(update_id); });
}

absl::Status ObservedStore::AddInstanceWorkflowEvents(
    absl::string_view update_id, absl::Span<const InstanceWorkflowEvent> events) {
  return Timed("AddInstanceWorkflowEvents",
               [&] { return inner_->AddInstanceWorkflowEvents(update_id, events); });
}

absl::StatusOr<std::vector<InstanceWorkflowEvent>> ObservedStore::GetInstanceWorkflowEvents(
    absl::string_view update_id, uint32_t instance, uint32_t limit) {
  return Timed("GetInstanceWorkflowEvents",
               [&] { return inner_->GetInstanceWorkflowEvents(update_id, instance, limit); });
}

absl::Status ObservedStore::WriteHost(HostRecord& host) {
  return Timed("WriteHost", [&] { return inner_->WriteHost(host); });
}

absl::StatusOr<HostRecord> ObservedStore::GetHost(absl::string_view hostname) {
  return Timed("GetHost", [&] { return inner_->GetHost(hostname); });
}

absl::StatusOr<std::vector<HostRecord>> ObservedStore::ListHosts(
    absl::Span<const HostState> states) {
  return Timed("ListHosts", [&] { return inner_->ListHosts(states); });
}

absl::Status ObservedStore::DeleteHost(absl::string_view hostname) {
  return Timed("DeleteHost", [&] { return inner_->DeleteHost(hostname); });
}

absl::Status ObservedStore::SetFramework(const FrameworkRecord& framework) {
  return Timed("SetFramework", [&] { return inner_->SetFramework(framework); });
}

absl::StatusOr<FrameworkRecord> ObservedStore::GetFramework(absl::string_view name) {
  return Timed("GetFramework", [&] { return inner_->GetFramework(name); });
}

absl::StatusOr<int64_t> ObservedStore::TakeFence(absl::string_view name, absl::string_view holder) {
  return Timed("TakeFence", [&] { return inner_->TakeFence(name, holder); });
}

void ObservedStore::EnforceJobClaims() { inner_->EnforceJobClaims(); }

absl::StatusOr<int64_t> ObservedStore::ClaimJob(const JobId& id, absl::string_view holder) {
  return Timed("ClaimJob", [&] { return inner_->ClaimJob(id, holder); });
}

void ObservedStore::ReleaseJob(const JobId& id) { inner_->ReleaseJob(id); }

}  // namespace peloton::store
