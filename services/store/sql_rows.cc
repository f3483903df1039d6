// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/sql_rows.h"

#include "services/store/sql_rows.pb.h"

namespace peloton::store::internal {

std::string EncodeLabels(const std::vector<Label>& labels) {
  rows::Labels pb;
  for (const Label& l : labels) {
    rows::Label* out = pb.add_labels();
    out->set_key(l.key);
    out->set_value(l.value);
  }
  return pb.SerializeAsString();
}

bool DecodeLabels(absl::string_view bytes, std::vector<Label>& labels) {
  rows::Labels pb;
  if (!pb.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  labels.clear();
  labels.reserve(pb.labels_size());
  for (const rows::Label& l : pb.labels()) labels.push_back({l.key(), l.value()});
  return true;
}

std::string EncodeIds(const std::vector<uint32_t>& ids) {
  rows::InstanceIds pb;
  pb.mutable_ids()->Add(ids.begin(), ids.end());
  return pb.SerializeAsString();
}

bool DecodeIds(absl::string_view bytes, std::vector<uint32_t>& ids) {
  rows::InstanceIds pb;
  if (!pb.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  ids.assign(pb.ids().begin(), pb.ids().end());
  return true;
}

std::string Params(size_t first, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) absl::StrAppend(&out, i == 0 ? "?" : ", ?", first + i);
  return out;
}

Columns<PoolRecord> PoolColumns() {
  using R = PoolRecord;
  static constexpr Column<R> kColumns[] = {
      IdColumn<R, &R::id>("id"),
      TextColumn<R, &R::path>("path"),
      TextColumn<R, &R::owner>("owner"),
      BlobColumn<R, &R::config>("config"),
      TimeColumn<R, &R::update_time>("update_time"),
      TimeColumn<R, &R::create_time>("create_time"),
  };
  return kColumns;
}

template <typename R>
Columns<R> JobIndexColumns() {
  static constexpr Column<R> kColumns[] = {
      TextColumn<R, &R::name>("name"),
      TextColumn<R, &R::owner>("owner"),
      IdColumn<R, &R::pool_id>("pool_id"),
      IntColumn<R, &R::type>("type"),
      IntColumn<R, &R::instance_count>("instance_count"),
      LabelsColumn<R, &R::labels>("labels"),
  };
  return kColumns;
}
template Columns<JobConfigRecord> JobIndexColumns<JobConfigRecord>();
template Columns<JobSummary> JobIndexColumns<JobSummary>();

Columns<JobConfigRecord> JobConfigColumns() {
  using R = JobConfigRecord;
  static constexpr Column<R> kColumns[] = {
      IdColumn<R, &R::job_id>("job_id"),
      IntColumn<R, &R::version>("version"),
      BlobColumn<R, &R::config>("config"),
      TimeColumn<R, &R::create_time>("create_time"),
  };
  return kColumns;
}

Columns<JobSummary> JobIdColumns() {
  using R = JobSummary;
  static constexpr Column<R> kColumns[] = {IdColumn<R, &R::id>("job_id")};
  return kColumns;
}

Columns<JobRuntime> JobRuntimeColumns() {
  using R = JobRuntime;
  static constexpr Column<R> kColumns[] = {
      IntColumn<R, &R::state>("state"),
      IntColumn<R, &R::goal_state>("goal_state"),
      IntColumn<R, &R::config_version>("config_version"),
      IntColumn<R, &R::desired_config_version>("desired_config_version"),
      TextColumn<R, &R::update_id>("update_id"),
      TimeColumn<R, &R::creation_time>("creation_time"),
      TimeColumn<R, &R::start_time>("start_time"),
      TimeColumn<R, &R::completion_time>("completion_time"),
      TimeColumn<R, &R::update_time>("update_time"),
      BlobColumn<R, &R::info>("info"),
      IntColumn<R, &R::desired_state_version>("desired_state_version"),
      IntColumn<R, &R::workflow_version>("workflow_version"),
  };
  return kColumns;
}

Columns<TaskRuntime> TaskColumns() {
  using R = TaskRuntime;
  static constexpr Column<R> kColumns[] = {
      IntColumn<R, &R::instance_id>("instance_id"),
      IntColumn<R, &R::state>("state"),
      IntColumn<R, &R::goal_state>("goal_state"),
      TextColumn<R, &R::mesos_task_id>("mesos_task_id"),
      TextColumn<R, &R::desired_mesos_task_id>("desired_mesos_task_id"),
      TextColumn<R, &R::host>("host"),
      TextColumn<R, &R::agent_id>("agent_id"),
      IntColumn<R, &R::config_version>("config_version"),
      IntColumn<R, &R::desired_config_version>("desired_config_version"),
      IntColumn<R, &R::healthy>("healthy"),
      TextColumn<R, &R::reason>("reason"),
      TextColumn<R, &R::message>("message"),
      IntColumn<R, &R::failure_count>("failure_count"),
      TimeColumn<R, &R::start_time>("start_time"),
      TimeColumn<R, &R::completion_time>("completion_time"),
      BlobColumn<R, &R::info>("info"),
      TextColumn<R, &R::desired_host>("desired_host"),
  };
  return kColumns;
}

Columns<PodEvent> PodEventColumns() {
  using R = PodEvent;
  static constexpr Column<R> kColumns[] = {
      IntColumn<R, &R::instance_id>("instance_id"),
      IntColumn<R, &R::run_id>("run_id"),
      IntColumn<R, &R::actual_state>("actual_state"),
      IntColumn<R, &R::goal_state>("goal_state"),
      TextColumn<R, &R::mesos_task_id>("mesos_task_id"),
      TextColumn<R, &R::host>("host"),
      TextColumn<R, &R::agent_id>("agent_id"),
      IntColumn<R, &R::config_version>("config_version"),
      IntColumn<R, &R::desired_config_version>("desired_config_version"),
      IntColumn<R, &R::desired_run_id>("desired_run_id"),
      IntColumn<R, &R::healthy>("healthy"),
      TextColumn<R, &R::reason>("reason"),
      TextColumn<R, &R::message>("message"),
      TimeColumn<R, &R::time>("time"),
  };
  return kColumns;
}

Columns<UpdateRecord> UpdateColumns() {
  using R = UpdateRecord;
  static constexpr Column<R> kColumns[] = {
      TextColumn<R, &R::update_id>("update_id"),
      IdColumn<R, &R::job_id>("job_id"),
      IntColumn<R, &R::type>("type"),
      IntColumn<R, &R::state>("state"),
      IntColumn<R, &R::prev_state>("prev_state"),
      BlobColumn<R, &R::options>("options"),
      IntColumn<R, &R::config_version>("config_version"),
      IntColumn<R, &R::prev_config_version>("prev_config_version"),
      IntColumn<R, &R::instances_total>("instances_total"),
      IntColumn<R, &R::instances_done>("instances_done"),
      IntColumn<R, &R::instances_failed>("instances_failed"),
      IdsColumn<R, &R::instances_current>("instances_current"),
      IdsColumn<R, &R::instances_added>("instances_added"),
      IdsColumn<R, &R::instances_updated>("instances_updated"),
      IdsColumn<R, &R::instances_removed>("instances_removed"),
      BlobColumn<R, &R::opaque_data>("opaque_data"),
      TimeColumn<R, &R::creation_time>("creation_time"),
      TimeColumn<R, &R::update_time>("update_time"),
      TimeColumn<R, &R::completion_time>("completion_time"),
  };
  return kColumns;
}

Columns<InstanceWorkflowEvent> InstanceWorkflowEventColumns() {
  using R = InstanceWorkflowEvent;
  static constexpr Column<R> kColumns[] = {
      IntColumn<R, &R::instance_id>("instance_id"),
      IntColumn<R, &R::type>("type"),
      IntColumn<R, &R::state>("state"),
      TimeColumn<R, &R::time>("time"),
  };
  return kColumns;
}

Columns<HostRecord> HostColumns() {
  using R = HostRecord;
  static constexpr Column<R> kColumns[] = {
      TextColumn<R, &R::hostname>("hostname"),
      TextColumn<R, &R::ip>("ip"),
      IntColumn<R, &R::state>("state"),
      IntColumn<R, &R::goal_state>("goal_state"),
      LabelsColumn<R, &R::labels>("labels"),
      TextColumn<R, &R::current_pool>("current_pool"),
      TextColumn<R, &R::desired_pool>("desired_pool"),
  };
  return kColumns;
}

Columns<FrameworkRecord> FrameworkColumns() {
  using R = FrameworkRecord;
  static constexpr Column<R> kColumns[] = {
      TextColumn<R, &R::name>("name"),
      TextColumn<R, &R::framework_id>("framework_id"),
      TextColumn<R, &R::stream_id>("stream_id"),
  };
  return kColumns;
}

}  // namespace peloton::store::internal
