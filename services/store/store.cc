// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/store/store.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"

namespace peloton::store {
namespace {

// A field of a list's item, named only when a check of it fails ("pod_events[3].run_id"):
// batches of 100,000 are checked, and naming each field cost more than checking it.
struct ItemField {
  absl::string_view list;
  size_t index;
  absl::string_view field;
};

std::string NameOf(absl::string_view field) { return std::string(field); }
std::string NameOf(const ItemField& f) { return absl::StrCat(f.list, "[", f.index, "].", f.field); }

template <typename F>
absl::Status Invalid(const F& field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(NameOf(field), ": ", problem));
}

template <typename F, typename E>
absl::Status CheckEnum(const F& field, E value, absl::string_view type) {
  if (taskfsm::Name(value).empty()) {
    return Invalid(field, absl::StrCat(static_cast<int>(value), " is not a ", type,
                                       " (rule: one of Peloton's ", type, " values)"));
  }
  return absl::OkStatus();
}

template <typename F>
absl::Status CheckVersion(const F& field, int64_t version) {
  if (version < 0) return Invalid(field, absl::StrCat(version, " (rule: >= 0)"));
  return absl::OkStatus();
}

absl::Status CheckLabels(absl::string_view field, const std::vector<Label>& labels) {
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].key.empty()) {
      return Invalid(ItemField{field, i, "key"}, "empty (rule: non-empty)");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return Invalid(field, "empty (rule: non-empty)");
  if (id.size() > 1024) return Invalid(field, "longer than 1024 bytes");
  if (id.find('\0') != absl::string_view::npos) return Invalid(field, "contains a NUL byte");
  return absl::OkStatus();
}

absl::Status ValidatePool(const PoolRecord& pool) {
  PELOTON_RETURN_IF_ERROR(ValidateId("pool.id", pool.id.value()));
  if (pool.path.empty() || pool.path[0] != '/') {
    return Invalid("pool.path", absl::StrCat("'", pool.path, "' (rule: starts with '/')"));
  }
  return absl::OkStatus();
}

absl::Status ValidateJobConfig(const JobConfigRecord& config) {
  PELOTON_RETURN_IF_ERROR(ValidateId("job_config.job_id", config.job_id.value()));
  if (config.version < 1) {
    return Invalid("job_config.version", absl::StrCat(config.version, " (rule: >= 1)"));
  }
  PELOTON_RETURN_IF_ERROR(ValidateId("job_config.pool_id", config.pool_id.value()));
  PELOTON_RETURN_IF_ERROR(CheckEnum("job_config.type", config.type, "JobType"));
  return CheckLabels("job_config.labels", config.labels);
}

absl::Status ValidateJobRuntime(const JobRuntime& runtime) {
  PELOTON_RETURN_IF_ERROR(CheckEnum("job_runtime.state", runtime.state, "JobState"));
  PELOTON_RETURN_IF_ERROR(CheckEnum("job_runtime.goal_state", runtime.goal_state, "JobState"));
  if (runtime.desired_state_version < 1 || runtime.workflow_version < 1) {
    return Invalid("job_runtime.desired_state_version, job_runtime.workflow_version",
                   absl::StrCat(runtime.desired_state_version, ", ", runtime.workflow_version,
                                " (rule: at least 1)"));
  }
  return CheckVersion("job_runtime.version", runtime.version);
}

absl::Status ValidateTaskRuntimes(absl::Span<TaskRuntime* const> runtimes) {
  constexpr absl::string_view kList = "task_runtimes";
  // In instance order (as a job manager writes them), no instance can appear twice; only a
  // batch out of order needs a set to tell.
  bool ascending = true;
  for (size_t i = 1; i < runtimes.size() && ascending; ++i) {
    ascending = runtimes[i - 1]->instance_id < runtimes[i]->instance_id;
  }
  absl::flat_hash_set<uint32_t> seen;
  if (!ascending) seen.reserve(runtimes.size());
  for (size_t i = 0; i < runtimes.size(); ++i) {
    const TaskRuntime& r = *runtimes[i];
    if (!ascending && !seen.insert(r.instance_id).second) {
      return Invalid(ItemField{kList, i, "instance_id"},
                     absl::StrCat(r.instance_id, " appears twice (rule: once per batch)"));
    }
    PELOTON_RETURN_IF_ERROR(CheckEnum(ItemField{kList, i, "state"}, r.state, "TaskState"));
    PELOTON_RETURN_IF_ERROR(
        CheckEnum(ItemField{kList, i, "goal_state"}, r.goal_state, "TaskState"));
    PELOTON_RETURN_IF_ERROR(CheckEnum(ItemField{kList, i, "healthy"}, r.healthy, "HealthState"));
    PELOTON_RETURN_IF_ERROR(CheckVersion(ItemField{kList, i, "version"}, r.version));
  }
  return absl::OkStatus();
}

absl::Status ValidatePodEvents(absl::Span<const PodEvent> events) {
  constexpr absl::string_view kList = "pod_events";
  for (size_t i = 0; i < events.size(); ++i) {
    const PodEvent& e = events[i];
    if (e.run_id < 1) {
      return Invalid(ItemField{kList, i, "run_id"}, absl::StrCat(e.run_id, " (rule: >= 1)"));
    }
    PELOTON_RETURN_IF_ERROR(
        CheckEnum(ItemField{kList, i, "actual_state"}, e.actual_state, "TaskState"));
    PELOTON_RETURN_IF_ERROR(
        CheckEnum(ItemField{kList, i, "goal_state"}, e.goal_state, "TaskState"));
    PELOTON_RETURN_IF_ERROR(CheckEnum(ItemField{kList, i, "healthy"}, e.healthy, "HealthState"));
  }
  return absl::OkStatus();
}

absl::Status ValidateUpdate(const UpdateRecord& update) {
  PELOTON_RETURN_IF_ERROR(ValidateId("update.update_id", update.update_id));
  PELOTON_RETURN_IF_ERROR(ValidateId("update.job_id", update.job_id.value()));
  PELOTON_RETURN_IF_ERROR(CheckEnum("update.type", update.type, "WorkflowType"));
  PELOTON_RETURN_IF_ERROR(CheckEnum("update.state", update.state, "UpdateState"));
  PELOTON_RETURN_IF_ERROR(CheckEnum("update.prev_state", update.prev_state, "UpdateState"));
  return CheckVersion("update.version", update.version);
}

absl::Status ValidateInstanceWorkflowEvents(absl::Span<const InstanceWorkflowEvent> events) {
  constexpr absl::string_view kList = "instance_workflow_events";
  for (size_t i = 0; i < events.size(); ++i) {
    PELOTON_RETURN_IF_ERROR(CheckEnum(ItemField{kList, i, "type"}, events[i].type, "WorkflowType"));
    PELOTON_RETURN_IF_ERROR(
        CheckEnum(ItemField{kList, i, "state"}, events[i].state, "UpdateState"));
  }
  return absl::OkStatus();
}

absl::Status ValidateHost(const HostRecord& host) {
  PELOTON_RETURN_IF_ERROR(ValidateId("host.hostname", host.hostname));
  PELOTON_RETURN_IF_ERROR(CheckEnum("host.state", host.state, "HostState"));
  PELOTON_RETURN_IF_ERROR(CheckEnum("host.goal_state", host.goal_state, "HostState"));
  PELOTON_RETURN_IF_ERROR(CheckLabels("host.labels", host.labels));
  return CheckVersion("host.version", host.version);
}

absl::Status ValidateFramework(const FrameworkRecord& framework) {
  PELOTON_RETURN_IF_ERROR(ValidateId("framework.name", framework.name));
  return ValidateId("framework.framework_id", framework.framework_id);
}

absl::Status ValidateJobQuery(const JobQuery& query) {
  if (query.pool_id.has_value()) {
    PELOTON_RETURN_IF_ERROR(ValidateId("query.pool_id", query.pool_id->value()));
  }
  if (query.limit < 1 || query.limit > kMaxQueryLimit) {
    return Invalid("query.limit",
                   absl::StrCat(query.limit, " (rule: between 1 and ", kMaxQueryLimit, ")"));
  }
  PELOTON_RETURN_IF_ERROR(CheckLabels("query.labels", query.labels));
  for (size_t i = 0; i < query.keywords.size(); ++i) {
    if (query.keywords[i].empty()) {
      return Invalid(absl::StrCat("query.keywords[", i, "]"), "empty (rule: non-empty)");
    }
  }
  for (size_t i = 0; i < query.states.size(); ++i) {
    PELOTON_RETURN_IF_ERROR(
        CheckEnum(absl::StrCat("query.states[", i, "]"), query.states[i], "JobState"));
  }
  for (const auto& [field, range] : {std::pair{"query.creation_time", &query.creation_time},
                                     std::pair{"query.completion_time", &query.completion_time}}) {
    if (range->has_value() && (*range)->min > (*range)->max) {
      return Invalid(field, "min is after max (rule: min <= max)");
    }
  }
  for (size_t i = 0; i < query.order_by.size(); ++i) {
    const int f = static_cast<int>(query.order_by[i].field);
    if (f < 0 || f > static_cast<int>(JobOrderField::kState)) {
      return Invalid(absl::StrCat("query.order_by[", i, "].field"),
                     absl::StrCat(f, " is not an order field"));
    }
  }
  return absl::OkStatus();
}

absl::Status Store::WriteTaskRuntimes(const JobId& id, absl::Span<TaskRuntime> runtimes) {
  std::vector<TaskRuntime*> each;
  each.reserve(runtimes.size());
  for (TaskRuntime& r : runtimes) each.push_back(&r);
  return WriteTaskRuntimes(id, absl::MakeConstSpan(each));
}

bool IsFenced(const absl::Status& status) {
  return absl::IsFailedPrecondition(status) && absl::StartsWith(status.message(), "fenced: ");
}

}  // namespace peloton::store
