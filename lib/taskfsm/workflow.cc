// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/taskfsm/workflow.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "peloton/common/enum_names.h"

namespace peloton::taskfsm {
namespace {

constexpr EnumName<InstanceChange> kChangeNames[] = {
    {InstanceChange::kAdd, "add"},         {InstanceChange::kUpdate, "update"},
    {InstanceChange::kRemove, "remove"},   {InstanceChange::kUnchanged, "unchanged"},
    {InstanceChange::kRestart, "restart"}, {InstanceChange::kStart, "start"},
    {InstanceChange::kStop, "stop"}};

bool HealthOk(HealthState h) { return h == HealthState::kDisabled || h == HealthState::kHealthy; }

bool Available(const InstanceRuntime& rt) {
  return rt.state == TaskState::kRunning && rt.health != HealthState::kUnhealthy;
}

// Updates go unavailable first, then killed, then missing, then available ones.
int AvailabilityRank(const InstanceRuntime* rt) {
  if (rt == nullptr) return 2;
  if (rt->goal == TaskState::kKilled) return 1;
  return rt->state == TaskState::kRunning ? 3 : 0;
}

// The change a restart, start or stop workflow makes to each of its instances.
InstanceChange ChangeOf(WorkflowType type) {
  switch (type) {
    case WorkflowType::kRestart:
      return InstanceChange::kRestart;
    case WorkflowType::kStart:
      return InstanceChange::kStart;
    case WorkflowType::kStop:
      return InstanceChange::kStop;
    default:
      return InstanceChange::kUpdate;
  }
}

}  // namespace

absl::string_view Name(InstanceChange c) { return EnumNameOf(c, kChangeNames); }

absl::StatusOr<Workflow> Workflow::Update(const JobSpec& previous, const JobSpec& target,
                                          const UpdateSpec& spec) {
  if (target.version <= previous.version) {
    return absl::InvalidArgumentError(absl::StrCat(
        "update: target config version ", target.version, " is not newer than the job's ",
        previous.version, " (rule: versions only grow)"));
  }
  if (!(spec.batch_percentage >= 0 && spec.batch_percentage <= 100)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "update: batchPercentage ", spec.batch_percentage, " is out of range (rule: 0..100)"));
  }
  Workflow w;
  w.type_ = WorkflowType::kUpdate;
  w.previous_ = previous;
  w.current_ = target;
  w.spec_ = spec;
  const uint32_t old_n = previous.instance_count(), new_n = target.instance_count();
  for (uint32_t i = old_n; i < new_n; ++i) w.items_.push_back({i, InstanceChange::kAdd});
  for (uint32_t i = 0; i < std::min(old_n, new_n); ++i) {
    if (previous.instance_config[i] != target.instance_config[i]) {
      w.items_.push_back({i, InstanceChange::kUpdate});
    } else {
      w.unchanged_.push_back(i);
    }
  }
  for (uint32_t i = new_n; i < old_n; ++i) w.items_.push_back({i, InstanceChange::kRemove});
  if (w.spec_.batch_size == 0 && w.spec_.batch_percentage > 0) {
    const double total = static_cast<double>(std::max(old_n, new_n));
    w.spec_.batch_size =
        static_cast<uint32_t>(std::max(1.0, std::ceil(total * w.spec_.batch_percentage / 100.0)));
  }
  return w;
}

absl::StatusOr<Workflow> Workflow::ForInstances(WorkflowType type, const JobSpec& job,
                                                std::vector<uint32_t> instances,
                                                uint32_t batch_size, bool in_place) {
  const InstanceChange change = ChangeOf(type);
  if (instances.empty()) {
    for (uint32_t i = 0; i < job.instance_count(); ++i) instances.push_back(i);
  }
  std::sort(instances.begin(), instances.end());
  instances.erase(std::unique(instances.begin(), instances.end()), instances.end());
  for (uint32_t i : instances) {
    if (i >= job.instance_count()) {
      return absl::InvalidArgumentError(absl::StrCat(
          Name(type), ": instance ", i, " is outside the job (rule: instance < instanceCount ",
          job.instance_count(), ")"));
    }
  }
  Workflow w;
  w.type_ = type;
  w.previous_ = job;
  w.current_ = job;
  w.spec_.batch_size = batch_size;
  w.spec_.in_place = in_place;
  w.repointed_ = true;
  for (uint32_t i : instances) w.items_.push_back({i, change});
  return w;
}

absl::StatusOr<Workflow> Workflow::Restart(const JobSpec& job, std::vector<uint32_t> instances,
                                           uint32_t batch_size, bool in_place) {
  return ForInstances(WorkflowType::kRestart, job, std::move(instances), batch_size, in_place);
}

absl::StatusOr<Workflow> Workflow::Start(const JobSpec& job, std::vector<uint32_t> instances,
                                         uint32_t batch_size) {
  return ForInstances(WorkflowType::kStart, job, std::move(instances), batch_size, false);
}

absl::StatusOr<Workflow> Workflow::Stop(const JobSpec& job, std::vector<uint32_t> instances,
                                        uint32_t batch_size) {
  return ForInstances(WorkflowType::kStop, job, std::move(instances), batch_size, false);
}

void Workflow::SetState(UpdateState s) {
  state_ = s;
  ++version_;
}

absl::Status Workflow::CheckVersion(std::optional<uint64_t> expected) const {
  if (expected.has_value() && *expected != version_) {
    return absl::AbortedError(absl::StrCat("workflow version ", *expected,
                                           " is stale: the current version is ", version_,
                                           " (rule: entity versions must match)"));
  }
  return absl::OkStatus();
}

absl::Status Workflow::Start() {
  if (state_ != UpdateState::kInitialized) {
    return absl::FailedPreconditionError(absl::StrCat(
        "workflow is ", Name(state_), ", not INITIALIZED (rule: only a new workflow starts)"));
  }
  if (spec_.start_paused) {
    paused_from_ = UpdateState::kRollingForward;
    SetState(UpdateState::kPaused);
  } else {
    SetState(UpdateState::kRollingForward);
  }
  return absl::OkStatus();
}

absl::Status Workflow::Pause(std::optional<uint64_t> expected_version) {
  if (absl::Status s = CheckVersion(expected_version); !s.ok()) return s;
  if (IsTerminal(state_)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "workflow is ", Name(state_), " (rule: only a non-terminal workflow can be paused)"));
  }
  if (state_ == UpdateState::kPaused) return absl::OkStatus();
  paused_from_ = state_;
  SetState(UpdateState::kPaused);
  return absl::OkStatus();
}

absl::Status Workflow::Resume(std::optional<uint64_t> expected_version) {
  if (absl::Status s = CheckVersion(expected_version); !s.ok()) return s;
  if (state_ != UpdateState::kPaused) {
    return absl::FailedPreconditionError(absl::StrCat(
        "workflow is ", Name(state_), " (rule: only a PAUSED workflow can be resumed)"));
  }
  const UpdateState back = paused_from_;
  paused_from_ = UpdateState::kInvalid;
  SetState(back);
  return absl::OkStatus();
}

absl::Status Workflow::Abort(std::optional<uint64_t> expected_version) {
  if (absl::Status s = CheckVersion(expected_version); !s.ok()) return s;
  if (IsTerminal(state_)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "workflow is ", Name(state_), " (rule: only a non-terminal workflow can be aborted)"));
  }
  paused_from_ = UpdateState::kInvalid;
  SetState(UpdateState::kAborted);
  return absl::OkStatus();
}

void Workflow::Supersede() {
  if (!IsTerminal(state_)) {
    paused_from_ = UpdateState::kInvalid;
    SetState(UpdateState::kAborted);
  }
}

bool Workflow::IsDone(const Item& item, const InstanceRuntime* rt) const {
  const uint64_t v = current_.version;
  switch (item.change) {
    case InstanceChange::kAdd:
    case InstanceChange::kUpdate:
      if (rt == nullptr) return false;
      if (rt->state == TaskState::kRunning && rt->config_version == v &&
          rt->desired_config_version == v && HealthOk(rt->health)) {
        return true;
      }
      return IsTerminal(rt->state) && IsTerminal(rt->goal) && rt->desired_config_version == v;
    case InstanceChange::kRemove:
      return rt == nullptr || rt->state == TaskState::kDeleted ||
             (IsTerminal(rt->state) &&
              (rt->goal == TaskState::kKilled || rt->goal == TaskState::kDeleted));
    case InstanceChange::kUnchanged:
      return true;
    case InstanceChange::kRestart:
      if (rt == nullptr) return false;
      if (IsTerminal(rt->goal) && IsTerminal(rt->state)) return true;  // stopped: left so
      return rt->run_id >= item.target_run && rt->state == TaskState::kRunning &&
             HealthOk(rt->health);
    case InstanceChange::kStart:
      return rt != nullptr && rt->goal != TaskState::kKilled &&
             ((rt->state == TaskState::kRunning && HealthOk(rt->health)) ||
              rt->state == TaskState::kSucceeded);
    case InstanceChange::kStop:
      return rt == nullptr || IsTerminal(rt->state);
  }
  return false;
}

bool Workflow::IsFailed(const Item& item, const InstanceRuntime* rt) const {
  if (spec_.max_instance_attempts == 0 || rt == nullptr) return false;
  if (item.change != InstanceChange::kAdd && item.change != InstanceChange::kUpdate) return false;
  return rt->desired_config_version == current_.version &&
         rt->failure_count >= spec_.max_instance_attempts;
}

InstanceAction Workflow::ActionFor(Item& item, const InstanceRuntime* rt) const {
  InstanceAction a;
  a.instance = item.instance;
  a.change = item.change;
  a.config_version = current_.version;
  const bool has_host = rt != nullptr && !rt->host.empty();
  switch (item.change) {
    case InstanceChange::kUpdate:
      a.reason = TerminationReason::kKilledForUpdate;
      if (spec_.in_place && has_host) a.desired_host = rt->host;
      break;
    case InstanceChange::kRemove:
      a.reason = TerminationReason::kKilledForUpdate;
      break;
    case InstanceChange::kRestart:
      item.target_run = (rt == nullptr ? 0 : std::max(rt->run_id, rt->desired_run_id)) + 1;
      a.desired_run_id = item.target_run;
      a.reason = TerminationReason::kKilledForRestart;
      if (spec_.in_place && has_host) a.desired_host = rt->host;
      break;
    case InstanceChange::kStop:
      a.reason = TerminationReason::kKilledOnRequest;
      break;
    case InstanceChange::kAdd:
    case InstanceChange::kUnchanged:
    case InstanceChange::kStart:
      break;
  }
  return a;
}

void Workflow::BeginRollback() {
  rollback_ = true;
  JobSpec back{current_.version + 1, previous_.instance_config};
  std::vector<Item> items;
  std::vector<uint32_t> repoint = unchanged_;
  for (const Item& item : items_) {
    if (!item.processed) {
      // Never touched: still on the previous config, which the rollback target copies.
      if (item.change != InstanceChange::kAdd) repoint.push_back(item.instance);
      continue;
    }
    switch (item.change) {
      case InstanceChange::kAdd:
        items.push_back({item.instance, InstanceChange::kRemove});
        break;
      case InstanceChange::kRemove:
        items.push_back({item.instance, InstanceChange::kAdd});
        break;
      default:
        items.push_back({item.instance, InstanceChange::kUpdate});
        break;
    }
  }
  std::sort(repoint.begin(), repoint.end());
  items_ = std::move(items);
  unchanged_ = std::move(repoint);
  repointed_ = false;
  current_ = std::move(back);
  SetState(UpdateState::kRollingBackward);
}

WorkflowStep Workflow::Step(absl::Span<const InstanceRuntime> runtimes) {
  // Index the runtimes by instance.
  // A rollback's removes are of instances past both its specs (the forward update's adds).
  uint32_t max_instance = std::max(previous_.instance_count(), current_.instance_count());
  for (const Item& item : items_) max_instance = std::max(max_instance, item.instance + 1);
  std::vector<const InstanceRuntime*> by_instance(max_instance, nullptr);
  for (const InstanceRuntime& rt : runtimes) {
    if (rt.instance < max_instance) by_instance[rt.instance] = &rt;
  }
  auto runtime_of = [&](uint32_t i) { return i < max_instance ? by_instance[i] : nullptr; };

  WorkflowStep step;
  step.total = static_cast<uint32_t>(items_.size() + unchanged_.size());
  for (const Item& item : items_) {
    if (!item.processed) continue;
    const InstanceRuntime* rt = runtime_of(item.instance);
    if (IsDone(item, rt)) {
      ++step.done;
    } else if (IsFailed(item, rt)) {
      ++step.failed;
    } else {
      ++step.in_progress;
    }
  }
  if (repointed_) step.done += static_cast<uint32_t>(unchanged_.size());
  step.state = state_;
  if (state_ != UpdateState::kRollingForward && state_ != UpdateState::kRollingBackward) {
    return step;
  }

  if (spec_.max_failure_instances > 0 && step.failed >= spec_.max_failure_instances) {
    if (spec_.rollback_on_failure && !rollback_) {
      BeginRollback();
      return Step(runtimes);
    }
    SetState(UpdateState::kFailed);
    step.state = state_;
    return step;
  }

  if (!repointed_) {
    for (uint32_t i : unchanged_) {
      step.actions.push_back({.instance = i,
                              .change = InstanceChange::kUnchanged,
                              .config_version = current_.version});
    }
    repointed_ = true;
    step.done += static_cast<uint32_t>(unchanged_.size());
  }

  // Next batch: adds, then updates by availability, then removes (restart/start/stop items
  // keep their order).
  std::vector<Item*> next;
  for (Item& item : items_) {
    if (!item.processed) next.push_back(&item);
  }
  auto group = [](const Item* item) {
    switch (item->change) {
      case InstanceChange::kAdd:
        return 0;
      case InstanceChange::kRemove:
        return 2;
      default:
        return 1;
    }
  };
  std::stable_sort(next.begin(), next.end(), [&](const Item* a, const Item* b) {
    if (group(a) != group(b)) return group(a) < group(b);
    if (a->change == InstanceChange::kUpdate && b->change == InstanceChange::kUpdate) {
      const int ra = AvailabilityRank(runtime_of(a->instance));
      const int rb = AvailabilityRank(runtime_of(b->instance));
      if (ra != rb) return ra < rb;
    }
    return a->instance < b->instance;
  });
  uint64_t budget =
      spec_.batch_size == 0
          ? std::numeric_limits<uint64_t>::max()
          : (spec_.batch_size > step.in_progress ? spec_.batch_size - step.in_progress : 0);
  for (Item* item : next) {
    if (budget == 0) break;
    step.actions.push_back(ActionFor(*item, runtime_of(item->instance)));
    item->processed = true;
    ++step.in_progress;
    --budget;
  }

  if (next.empty() && step.in_progress == 0) {
    SetState(rollback_ ? UpdateState::kRolledBack : UpdateState::kSucceeded);
  }
  step.state = state_;
  return step;
}

WorkflowCheckpoint Workflow::Checkpoint() const {
  WorkflowCheckpoint c;
  c.type = type_;
  c.state = state_;
  c.paused_from = paused_from_;
  c.version = version_;
  c.rollback = rollback_;
  c.repointed = repointed_;
  c.spec = spec_;
  c.previous_version = previous_.version;
  c.target_version = current_.version;
  for (const Item& item : items_) {
    switch (item.change) {
      case InstanceChange::kAdd:
        c.adds.push_back(item.instance);
        break;
      case InstanceChange::kRemove:
        c.removes.push_back(item.instance);
        break;
      default:
        c.updates.push_back(item.instance);
        break;
    }
    if (item.processed) c.processed.push_back(item.instance);
  }
  for (std::vector<uint32_t>* list : {&c.adds, &c.updates, &c.removes, &c.processed}) {
    std::sort(list->begin(), list->end());
  }
  return c;
}

absl::StatusOr<Workflow> Workflow::FromCheckpoint(const WorkflowCheckpoint& c,
                                                  const JobSpec& previous, const JobSpec& target,
                                                  absl::Span<const InstanceRuntime> runtimes) {
  if (c.type == WorkflowType::kInvalid ||
      static_cast<int>(c.type) > static_cast<int>(WorkflowType::kStop)) {
    return absl::InvalidArgumentError("workflow checkpoint: type is not a workflow type");
  }
  if (c.state == UpdateState::kInvalid ||
      static_cast<int>(c.state) > static_cast<int>(UpdateState::kRolledBack)) {
    return absl::InvalidArgumentError("workflow checkpoint: state is not a workflow state");
  }
  if (previous.version != c.previous_version || target.version != c.target_version) {
    return absl::InvalidArgumentError(
        absl::StrCat("workflow checkpoint: versions ", c.previous_version, " -> ", c.target_version,
                     " but the specs given are ", previous.version, " -> ", target.version));
  }
  // A rollback's removes are past both specs: the bound takes in every item.
  uint32_t bound = std::max(previous.instance_count(), target.instance_count());
  for (const std::vector<uint32_t>* list : {&c.adds, &c.updates, &c.removes}) {
    for (uint32_t i : *list) {
      if (i >= WorkflowCheckpoint::kMaxInstances) {
        return absl::InvalidArgumentError(absl::StrCat("workflow checkpoint: instance ", i,
                                                       " is out of range (rule: below ",
                                                       WorkflowCheckpoint::kMaxInstances, ")"));
      }
      bound = std::max(bound, i + 1);
    }
  }
  Workflow w;
  w.type_ = c.type;
  w.state_ = c.state;
  w.paused_from_ = c.paused_from;
  w.version_ = c.version;
  w.previous_ = previous;
  w.current_ = target;
  w.spec_ = c.spec;
  w.rollback_ = c.rollback;
  w.repointed_ = c.repointed;
  std::vector<bool> is_item(bound, false);
  const auto add_items = [&](const std::vector<uint32_t>& ids,
                             InstanceChange change) -> absl::Status {
    for (uint32_t i : ids) {
      if (i >= bound || is_item[i]) {
        return absl::InvalidArgumentError(
            absl::StrCat("workflow checkpoint: instance ", i,
                         i >= bound ? " is outside the job" : " is listed twice"));
      }
      is_item[i] = true;
      w.items_.push_back({i, change});
    }
    return absl::OkStatus();
  };
  if (c.type == WorkflowType::kUpdate) {
    if (absl::Status s = add_items(c.adds, InstanceChange::kAdd); !s.ok()) return s;
    if (absl::Status s = add_items(c.updates, InstanceChange::kUpdate); !s.ok()) return s;
    if (absl::Status s = add_items(c.removes, InstanceChange::kRemove); !s.ok()) return s;
    for (uint32_t i = 0; i < target.instance_count(); ++i) {
      if (!is_item[i]) w.unchanged_.push_back(i);
    }
  } else {
    if (!c.adds.empty() || !c.removes.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("workflow checkpoint: a ", Name(c.type),
                                                     " workflow neither adds nor removes"));
    }
    if (absl::Status s = add_items(c.updates, ChangeOf(c.type)); !s.ok()) return s;
  }
  std::vector<const InstanceRuntime*> by_instance(bound, nullptr);
  for (const InstanceRuntime& rt : runtimes) {
    if (rt.instance < bound) by_instance[rt.instance] = &rt;
  }
  std::vector<bool> processed(bound, false);
  for (uint32_t i : c.processed) {
    if (i >= bound || !is_item[i]) {
      return absl::InvalidArgumentError(absl::StrCat("workflow checkpoint: processed instance ", i,
                                                     " is not one of the workflow's"));
    }
    processed[i] = true;
  }
  for (Item& item : w.items_) {
    item.processed = processed[item.instance];
    const InstanceRuntime* rt = by_instance[item.instance];
    if (item.processed && item.change == InstanceChange::kRestart && rt != nullptr) {
      item.target_run = std::max(rt->run_id, rt->desired_run_id);
    }
  }
  return w;
}

std::vector<uint32_t> InstancesSafeToKill(absl::Span<const InstanceRuntime> runtimes,
                                          absl::Span<const uint32_t> requested,
                                          uint32_t max_unavailable) {
  if (max_unavailable == 0) return {requested.begin(), requested.end()};
  std::vector<const InstanceRuntime*> by_instance;
  uint32_t unavailable = 0;
  for (const InstanceRuntime& rt : runtimes) {
    if (rt.instance >= by_instance.size()) by_instance.resize(rt.instance + 1, nullptr);
    by_instance[rt.instance] = &rt;
    if (!Available(rt)) ++unavailable;
  }
  uint32_t allowance = max_unavailable > unavailable ? max_unavailable - unavailable : 0;
  std::vector<uint32_t> out;
  for (uint32_t i : requested) {
    const InstanceRuntime* rt = i < by_instance.size() ? by_instance[i] : nullptr;
    if (rt == nullptr || !Available(*rt)) {
      out.push_back(i);  // already unavailable: killing it costs nothing
    } else if (allowance > 0) {
      out.push_back(i);
      --allowance;
    }
  }
  return out;
}

}  // namespace peloton::taskfsm
