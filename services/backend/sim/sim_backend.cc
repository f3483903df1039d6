// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/sim/sim_backend.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/files.h"
#include "services/common/remote_file.h"
#include "absl/strings/strip.h"
#include "peloton/common/status_macros.h"
#include "services/backend/sim/openb.h"

namespace peloton::backend::sim {
namespace {

constexpr uint32_t kPortBegin = 31000, kPortEnd = 32999;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

// A label's value, if the task has it.
const std::string* LabelOf(const LaunchSpec& spec, absl::string_view key) {
  for (const auto& [k, v] : spec.labels) {
    if (k == key) return &v;
  }
  return nullptr;
}

// The N of a command that starts with `word N` (`sleep 30 && ...`, `exit 3`), if any.
bool LeadingNumber(absl::string_view command, absl::string_view word, double* n) {
  command = absl::StripLeadingAsciiWhitespace(command);
  if (!absl::ConsumePrefix(&command, word) || command.empty() || command[0] != ' ') return false;
  command = absl::StripLeadingAsciiWhitespace(command);
  const size_t end = command.find_first_of(" ;&|");
  return absl::SimpleAtod(command.substr(0, end), n);
}

}  // namespace

absl::StatusOr<std::vector<HostInfo>> GenerateHosts(int count, absl::string_view shape) {
  if (count <= 0) return Invalid("sim hosts", absl::StrCat(count, " (rule: at least one)"));
  double cpu = 32, memory_mb = 262144, disk_mb = 1048576, gpus = 0, port_begin = kPortBegin,
         port_end = kPortEnd, revocable_cpu = 0;
  std::string model;
  for (absl::string_view item : absl::StrSplit(shape, ',', absl::SkipWhitespace())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    const std::string key(absl::StripAsciiWhitespace(kv.first));
    const std::string value(absl::StripAsciiWhitespace(kv.second));
    if (key == "gpu_model") {
      model = value;
      continue;
    }
    double* target = key == "cpu"          ? &cpu
                     : key == "memory_mb"  ? &memory_mb
                     : key == "disk_mb"    ? &disk_mb
                     : key == "gpus"       ? &gpus
                     : key == "port_begin" ? &port_begin
                     : key == "port_end"   ? &port_end
                     : key == "revocable_cpu" ? &revocable_cpu
                                           : nullptr;
    if (target == nullptr) {
      return Invalid(absl::StrCat("sim host shape: ", key),
                     "unknown (rule: cpu, memory_mb, disk_mb, gpus, gpu_model, port_begin, "
                     "port_end, revocable_cpu)");
    }
    if (!absl::SimpleAtod(value, target) || !(*target >= 0)) {
      return Invalid(absl::StrCat("sim host shape: ", key),
                     absl::StrCat("'", value, "' (rule: a number >= 0)"));
    }
  }
  if (gpus != std::floor(gpus)) {
    return Invalid("sim host shape: gpus", absl::StrCat(gpus, " (rule: whole devices)"));
  }
  if (port_begin > port_end || port_end > 65535) {
    return Invalid("sim host shape: port_begin",
                   absl::StrCat(port_begin, "-", port_end, " (rule: begin <= end <= 65535)"));
  }
  PELOTON_ASSIGN_OR_RETURN(Resources capacity, Resources::FromUnits(cpu, memory_mb, disk_mb, gpus));
  std::vector<HostInfo> hosts(count);
  for (int i = 0; i < count; ++i) {
    HostInfo& h = hosts[i];
    h.hostname = absl::StrCat("sim-", i);
    h.agent_id = h.hostname;
    h.capacity = capacity;
    h.gpus.assign(static_cast<size_t>(gpus), {model.empty() ? "gpu" : model, 1000});
    h.attributes["hostname"] = h.hostname;
    if (!model.empty()) h.attributes["gpu_model"] = model;
    h.ports = {{static_cast<uint32_t>(port_begin), static_cast<uint32_t>(port_end)}};
    h.revocable_milli_cpu = std::llround(revocable_cpu * 1000);
  }
  return hosts;
}

absl::StatusOr<std::vector<HostInfo>> ReadHosts(const std::string& node_list) {
  PELOTON_ASSIGN_OR_RETURN(std::vector<placement::HostSpec> nodes, ReadOpenbNodes(node_list));
  std::vector<HostInfo> hosts;
  hosts.reserve(nodes.size());
  for (placement::HostSpec& n : nodes) {
    HostInfo h;
    h.hostname = n.name;
    h.agent_id = n.name;
    h.capacity = n.capacity;
    h.gpus = std::move(n.gpus);
    h.attributes = std::move(n.attributes);
    h.attributes["hostname"] = n.name;
    if (!h.gpus.empty()) h.attributes["gpu_model"] = h.gpus.front().model;
    h.ports = {{kPortBegin, kPortEnd}};
    hosts.push_back(std::move(h));
  }
  return hosts;
}

SimBackend::SimBackend(SimOptions options) : options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return absl::Now(); };
  real_start_ = options_.now();
  sim_start_ = real_start_;
}

absl::StatusOr<std::unique_ptr<SimBackend>> SimBackend::Create(SimOptions options) {
  if (options.hosts.empty()) return Invalid("sim hosts", "none (rule: at least one)");
  if (!(options.speed > 0)) {
    return Invalid("sim speed", absl::StrCat(options.speed, " (rule: > 0)"));
  }
  std::unique_ptr<SimBackend> b(new SimBackend(std::move(options)));
  for (uint32_t i = 0; i < b->options_.hosts.size(); ++i) {
    if (!b->host_index_.emplace(b->options_.hosts[i].hostname, i).second) {
      return Invalid(absl::StrCat("sim hosts[", i, "]"),
                     absl::StrCat("'", b->options_.hosts[i].hostname, "' (rule: unique names)"));
    }
  }
  b->present_.assign(b->options_.hosts.size(), true);
  return b;
}

std::vector<HostInfo> SimBackend::Hosts() const {
  std::vector<HostInfo> out;
  out.reserve(host_index_.size());
  for (uint32_t i = 0; i < options_.hosts.size(); ++i) {
    if (present_[i]) out.push_back(options_.hosts[i]);
  }
  return out;
}

absl::Status SimBackend::AddHost(HostInfo host) {
  if (host.hostname.empty()) return Invalid("sim host", "empty name (rule: hosts have names)");
  if (host_index_.contains(host.hostname)) {
    return Invalid("sim host", absl::StrCat("'", host.hostname, "' is in the cluster already "
                                            "(rule: unique names)"));
  }
  const auto index = static_cast<uint32_t>(options_.hosts.size());
  host_index_.emplace(host.hostname, index);
  options_.hosts.push_back(std::move(host));
  present_.push_back(true);
  ++hosts_version_;
  return absl::OkStatus();
}

absl::Status SimBackend::RemoveHost(const std::string& hostname) {
  auto it = host_index_.find(hostname);
  if (it == host_index_.end()) {
    return absl::NotFoundError(absl::StrCat("sim host '", hostname, "' is not in the cluster"));
  }
  const uint32_t index = it->second;
  host_index_.erase(it);
  present_[index] = false;
  ++hosts_version_;
  const absl::Time now = SimNow();
  for (auto t = tasks_.begin(); t != tasks_.end();) {
    Task* task = (t++)->second;
    if (task->host != index) continue;
    pending_.push_back(
        StatusOf(task->id, index, MesosTaskState::kLost, "its host left the cluster", now));
    task->killed = true;  // freed when its end comes up in due_
    Forget(*task);
  }
  return absl::OkStatus();
}

absl::Time SimBackend::SimNow() const {
  return sim_start_ + (options_.now() - real_start_) * options_.speed;
}

TaskStatus SimBackend::StatusOf(absl::string_view task_id, uint32_t host, MesosTaskState state,
                                std::string message, absl::Time time) const {
  TaskStatus s;
  s.task_id = std::string(task_id);
  s.state = state;
  s.hostname = options_.hosts[host].hostname;
  s.agent_id = options_.hosts[host].agent_id;
  s.message = std::move(message);
  s.time = time;
  return s;
}

absl::Status SimBackend::Launch(const LaunchSpec& spec) {
  auto host = host_index_.find(spec.hostname);
  if (host == host_index_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("launch ", spec.task_id.view(), ": unknown host '", spec.hostname, "'"));
  }
  if (tasks_.contains(spec.task_id.view())) {
    return absl::AlreadyExistsError(absl::StrCat("task ", spec.task_id.view(), " is running"));
  }
  double seconds = 0;
  if (const std::string* d = LabelOf(spec, kDurationLabel); d != nullptr) {
    if (!absl::SimpleAtod(*d, &seconds) || !(seconds >= 0)) {
      return Invalid(absl::StrCat("labels.", kDurationLabel),
                     absl::StrCat("'", *d, "' (rule: seconds >= 0)"));
    }
  } else if (!LeadingNumber(spec.command, "sleep", &seconds) || !(seconds >= 0)) {
    seconds = 0;
  }
  double exit_code = 0;
  if (const std::string* e = LabelOf(spec, kExitCodeLabel); e != nullptr) {
    if (!absl::SimpleAtod(*e, &exit_code) || exit_code != std::floor(exit_code)) {
      return Invalid(absl::StrCat("labels.", kExitCodeLabel),
                     absl::StrCat("'", *e, "' (rule: an integer)"));
    }
  } else if (!LeadingNumber(spec.command, "exit", &exit_code)) {
    exit_code = 0;
  }
  bool passes = true;
  if (const std::string* h = LabelOf(spec, kHealthyLabel); h != nullptr) {
    if (*h != "true" && *h != "false") {
      return Invalid(absl::StrCat("labels.", kHealthyLabel),
                     absl::StrCat("'", *h, "' (rule: true or false)"));
    }
    passes = *h == "true";
  }
  // Remote files are checked as a real backend would, and take no simulated time to fetch.
  PELOTON_RETURN_IF_ERROR(files::ValidateRemoteFiles(
      spec.uris, absl::StrCat("launch ", spec.task_id.view(), ": uris")));
  if (spec.persistent_volume.has_value()) {
    const std::string& id = spec.persistent_volume->id;
    if (!files::IsFileName(id) || spec.persistent_volume->size_mb < 1) {
      return Invalid("persistent_volume",
                     "an id and a size (rule: id a file name, size_mb >= 1)");
    }
    if (auto on = volumes_.find(id); on != volumes_.end() && on->second != spec.hostname) {
      return absl::FailedPreconditionError(absl::StrCat("launch ", spec.task_id.view(), ": volume ",
                                                        id, " is on host ", on->second));
    }
    if (auto user = volume_users_.find(id); user != volume_users_.end()) {
      return absl::FailedPreconditionError(absl::StrCat("launch ", spec.task_id.view(), ": volume ",
                                                        id, " is in use by task ", user->second));
    }
  }
  const absl::Time now = SimNow();
  auto* task = new Task{spec.task_id, now + absl::Seconds(seconds), host->second,
                        static_cast<int32_t>(exit_code)};
  if (spec.persistent_volume.has_value()) {
    const std::string& id = spec.persistent_volume->id;
    task->has_volume = true;
    volumes_[id] = spec.hostname;
    volume_users_[id] = spec.task_id.str();
    volume_of_task_[spec.task_id.str()] = id;
  }
  due_.push({task->end, next_seq_++, task});
  if (spec.health_check.has_value()) {
    task->health = std::make_unique<Task::Health>(
        Task::Health{HealthTracker(spec.health_check->max_consecutive_failures),
                     std::max(spec.health_check->interval, absl::Milliseconds(1)), passes});
    const absl::Time first = now + std::max(spec.health_check->delay, absl::ZeroDuration());
    if (first < task->end) due_.push({first, next_seq_++, task, true});
  }
  pending_.push_back(StatusOf(task->id, task->host, MesosTaskState::kRunning, "running", now));
  tasks_.emplace(task->id, task);
  return absl::OkStatus();
}

SimBackend::~SimBackend() {
  for (; !due_.empty(); due_.pop()) {
    if (!due_.top().check) delete due_.top().task;
  }
}

void SimBackend::Check(Task& task, absl::Time at, std::vector<TaskStatus>& out) {
  const HealthTracker::Verdict v = task.health->tracker.Record(task.health->passes);
  if (v.kill) {
    TaskStatus s =
        StatusOf(task.id, task.host, MesosTaskState::kKilled,
                 absl::StrCat("killed: failed ", task.health->tracker.consecutive_failures(),
                              " health checks in a row (simulated)"),
                 at);
    s.healthy = false;
    out.push_back(std::move(s));
    task.killed = true;  // freed when its end comes up
    Forget(task);
    return;
  }
  if (v.report) {
    TaskStatus s = StatusOf(
        task.id, task.host, MesosTaskState::kRunning,
        v.healthy ? "health check passed (simulated)" : "health check failed (simulated)", at);
    s.healthy = v.healthy;
    out.push_back(std::move(s));
  }
  // A task that passes has nothing more to report; one that fails goes on until it is killed.
  const absl::Time next = at + task.health->interval;
  if (!task.health->passes && next < task.end) due_.push({next, next_seq_++, &task, true});
}

void SimBackend::Forget(const Task& task) {
  if (task.has_volume) {
    if (auto v = volume_of_task_.find(task.id); v != volume_of_task_.end()) {
      volume_users_.erase(v->second);
      volume_of_task_.erase(v);
    }
  }
  tasks_.erase(task.id);
}

absl::Status SimBackend::DestroyVolume(const std::string& hostname,
                                       const std::string& volume_id) {
  auto on = volumes_.find(volume_id);
  if (on == volumes_.end() || on->second != hostname) return absl::OkStatus();  // none there
  if (auto user = volume_users_.find(volume_id); user != volume_users_.end()) {
    return absl::FailedPreconditionError(absl::StrCat("destroy volume ", volume_id, " on ",
                                                      hostname, ": task ", user->second,
                                                      " uses it"));
  }
  volumes_.erase(on);
  return absl::OkStatus();
}

absl::Status SimBackend::Kill(const std::string& task_id) {
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) {
    // Ended already, or never ran here: the sim does not remember which.
    return absl::NotFoundError(absl::StrCat("kill: task ", task_id, " is not running here"));
  }
  Task* task = it->second;
  pending_.push_back(StatusOf(task->id, task->host, MesosTaskState::kKilled, "killed", SimNow()));
  task->killed = true;  // freed when its end comes up in due_
  Forget(*task);
  return absl::OkStatus();
}

std::vector<TaskStatus> SimBackend::Poll() {
  std::vector<TaskStatus> out = std::move(pending_);
  pending_.clear();
  const absl::Time now = SimNow();
  while (!due_.empty() && due_.top().at <= now) {
    const Due due = due_.top();
    due_.pop();
    if (due.check) {
      if (!due.task->killed) Check(*due.task, due.at, out);
      continue;
    }
    std::unique_ptr<Task> t(due.task);
    if (t->killed) continue;
    TaskStatus s = t->exit_code == 0
                       ? StatusOf(t->id, t->host, MesosTaskState::kFinished, "exit code 0", t->end)
                       : StatusOf(t->id, t->host, MesosTaskState::kFailed,
                                  absl::StrCat("exit code ", t->exit_code), t->end);
    s.exit_code = t->exit_code;
    Forget(*t);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<TaskStatus> SimBackend::Reconcile(const std::vector<std::string>& task_ids) {
  std::vector<TaskStatus> out;
  out.reserve(task_ids.size());
  const absl::Time now = SimNow();
  for (const std::string& id : task_ids) {
    if (auto it = tasks_.find(id); it != tasks_.end()) {
      out.push_back(StatusOf(id, it->second->host, MesosTaskState::kRunning, "running", now));
    } else {
      TaskStatus s;
      s.task_id = id;
      s.state = MesosTaskState::kLost;
      s.message = "unknown to the simulation";
      s.time = now;
      out.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace peloton::backend::sim
