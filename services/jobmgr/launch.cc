// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// From placements to launches: placement's view of a waiting task, what the host manager is
// asked to start, and what becomes of gangs placement gave up on.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "services/jobmgr/job_manager.h"
#include "services/jobmgr/run_info.pb.h"
#include "services/jobmgr/runtime_util.h"
#include "spdlog/spdlog.h"

namespace peloton::jobmgr {

using taskfsm::TaskState;

namespace {

// Peloton's defaults for the fields left 0 (reference §3.3).
constexpr uint32_t kDefaultHealthDelaySecs = 15, kDefaultHealthIntervalSecs = 10,
                   kDefaultHealthTimeoutSecs = 20, kDefaultHealthFailures = 3;

uint32_t OrDefault(uint32_t value, uint32_t fallback) { return value != 0 ? value : fallback; }

// What the backend runs of a (validated) task's health check; none when it is disabled.
// `ports`: the number of each of the task's ports by name, as launched.
std::optional<backend::HealthCheckSpec> HealthCheckOf(
    const task_pb::TaskConfig& config, const absl::flat_hash_map<std::string, uint32_t>& ports) {
  const auto port_of = [&](uint32_t port, const std::string& name) {
    if (name.empty()) return port;
    auto it = ports.find(name);
    return it != ports.end() ? it->second : 0;  // 0: refused by the backend, the launch fails
  };
  const task_pb::HealthCheckConfig& h = config.healthcheck();
  if (!h.enabled()) return std::nullopt;
  using H = task_pb::HealthCheckConfig;
  using T = backend::HealthCheckSpec::Type;
  backend::HealthCheckSpec spec;
  switch (h.type()) {
    case H::HTTP:
      spec.type = T::kHttp;
      spec.port = port_of(h.httpcheck().port(), h.httpcheck().portname());
      if (!h.httpcheck().scheme().empty()) spec.scheme = h.httpcheck().scheme();
      if (!h.httpcheck().path().empty()) spec.path = h.httpcheck().path();
      break;
    case H::TCP:
      spec.type = T::kTcp;
      spec.port = port_of(h.tcpcheck().port(), h.tcpcheck().portname());
      break;
    default:  // COMMAND: validation let no other type through
      spec.type = T::kCommand;
      spec.command = h.commandcheck().command();
      spec.task_environment = !h.commandcheck().unshareenvironments();
      break;
  }
  spec.delay = absl::Seconds(OrDefault(h.initialintervalsecs(), kDefaultHealthDelaySecs));
  spec.interval = absl::Seconds(OrDefault(h.intervalsecs(), kDefaultHealthIntervalSecs));
  spec.timeout = absl::Seconds(OrDefault(h.timeoutsecs(), kDefaultHealthTimeoutSecs));
  spec.max_consecutive_failures = OrDefault(h.maxconsecutivefailures(), kDefaultHealthFailures);
  return spec;
}

}  // namespace

absl::StatusOr<placement::TaskSpec> JobManager::TaskSpecOf(absl::string_view task_id) const {
  absl::StatusOr<taskfsm::MesosTaskId> id = taskfsm::ParseMesosTaskId(task_id);
  if (id.ok()) {
    auto it = jobs_.find(id->job_id);
    if (it != jobs_.end() && id->instance < it->second.tasks.size()) {
      const store::TaskRuntime& t = it->second.tasks[id->instance];
      // Not if it is being stopped or a new run is wanted (preempted before launch).
      if (t.mesos_task_id == task_id && t.state == TaskState::kPending &&
          !GoalIsStop(t.goal_state) && t.desired_mesos_task_id.empty()) {
        PELOTON_ASSIGN_OR_RETURN(
            placement::TaskSpec spec,
            jobmgr::TaskSpecOf(id->job_id, ConfigAt(it->second, t.config_version), id->instance));
        spec.id = std::string(task_id);
        spec.desired_host = t.desired_host;
        spec.pinned = !t.desired_host.empty();
        if (!spec.pinned) {
          // An in-place update's hint: its host if it still fits, else any.
          if (auto hint = it->second.host_hints.find(id->instance);
              hint != it->second.host_hints.end()) {
            spec.desired_host = hint->second;
          }
        }
        return spec;
      }
    }
  }
  return absl::NotFoundError(absl::StrCat("task ", task_id, " does not wait for a host"));
}

backend::LaunchSpec JobManager::LaunchSpecOf(
    const Job& job, uint32_t instance, const placement::Allocation& allocation,
    absl::flat_hash_map<std::string, uint32_t>* named_ports) const {
  task_pb::TaskConfig merged;
  const task_pb::TaskConfig& config = RunConfigRef(job, instance, merged);
  backend::LaunchSpec spec;
  spec.task_id = job.tasks[instance].mesos_task_id;
  spec.hostname = hostmgr_.HostName(allocation.host);
  spec.shell = config.command().shell() || config.command().arguments().empty();
  spec.command = config.command().value();
  spec.arguments.assign(config.command().arguments().begin(), config.command().arguments().end());
  spec.user = config.command().user();
  spec.environment = {{"PELOTON_JOB_ID", job.id.value()},
                      {"PELOTON_INSTANCE_ID", absl::StrCat(instance)},
                      {"PELOTON_TASK_ID", absl::StrCat(job.id.value(), "-", instance)}};
  for (const auto& v : config.command().environment().variables()) {
    spec.environment.emplace_back(v.name(), v.value());
  }
  size_t next_port = 0;
  absl::flat_hash_map<std::string, uint32_t> ports;
  for (const task_pb::PortConfig& p : config.ports()) {
    if (p.value() != 0) {
      ports[p.name()] = p.value();
      if (!p.envname().empty()) spec.environment.emplace_back(p.envname(), absl::StrCat(p.value()));
      continue;
    }
    if (next_port < allocation.ports().size()) {
      ports[p.name()] = allocation.ports()[next_port];
      spec.environment.emplace_back(p.envname(), absl::StrCat(allocation.ports()[next_port++]));
    }
  }
  for (const auto& l : config.labels()) spec.labels.emplace_back(l.key(), l.value());
  spec.resources = allocation.resources;
  spec.fd_limit = config.resource().fdlimit();
  spec.revocable = allocation.revocable;
  spec.ports = allocation.ports();
  // Peloton's container: the Mesos containerizer's image, or a Docker image, and volumes.
  const auto& container = config.container();
  spec.container_image = !container.mesos().image().name().empty()
                             ? container.mesos().image().name()
                             : container.docker().image();
  for (const auto& v : container.volumes()) {
    spec.volumes.push_back(
        {v.host_path(), v.container_path(), v.mode() == peloton::api::v0::mesos::Volume::RO});
  }
  spec.kill_grace_period =
      absl::Seconds(config.killgraceperiodseconds() > 0 ? config.killgraceperiodseconds()
                                                        : kDefaultKillGracePeriodSeconds);
  spec.health_check = HealthCheckOf(config, ports);
  if (named_ports != nullptr) *named_ports = ports;
  spec.uris = RemoteFilesOf(config);
  if (config.has_volume()) {
    spec.persistent_volume = backend::PersistentVolumeSpec{
        VolumeIdOf(job.id, instance), config.volume().containerpath(), config.volume().sizemb()};
  }
  return spec;
}

void JobManager::Launch(std::vector<placement_engine::PlacedGang> placed) {
  // Queued behind what waits already, and launched only once LAUNCHED is written (below).
  const size_t waiting = deferred_launches_.size();
  for (placement_engine::PlacedGang& gang : placed) {
    for (size_t k = 0; k < gang.allocations.size(); ++k) {
      placement::Allocation& allocation = gang.allocations[k];
      const CompactString task_id = gang.gang.tasks[k].task_id;
      uint32_t instance = 0;
      uint64_t run = 0;
      Job* job = FindByTaskId(task_id, &instance, &run);
      gang_of_.erase(task_id);
      if (job != nullptr && job->tasks[instance].mesos_task_id == task_id &&
          job->tasks[instance].state != TaskState::kPending &&
          job->tasks[instance].state != TaskState::kInitialized) {
        // Placed twice (a placement engine answered after the resource manager had given its
        // gang to another): this run is on its way already and keeps its pool allocation.
        if (absl::Status s = hostmgr_.Release(allocation); !s.ok()) {
          spdlog::error("task {}: a second placement not given back: {}", task_id,
                        std::string(s.message()));
        }
        continue;
      }
      if (job == nullptr || job->tasks[instance].mesos_task_id != task_id ||
          job->tasks[instance].state != TaskState::kPending ||
          GoalIsStop(job->tasks[instance].goal_state) ||
          !job->tasks[instance].desired_mesos_task_id.empty()) {
        ReleaseUnlaunched(allocation, task_id);
        if (job != nullptr && job->tasks[instance].mesos_task_id == task_id &&
            job->tasks[instance].state == TaskState::kPending) {
          SetTaskState(*job, instance, TaskState::kKilled, "stopped before it was launched");
          EvaluateOrLog(*job, instance);  // initialize_task when a new run is wanted
          UpdateJobState(*job);
        }
        continue;
      }
      absl::flat_hash_map<std::string, uint32_t> ports;
      // Built where it waits: a launch spec is large, and each move of it cost.
      ToLaunch& launch = deferred_launches_.emplace_back();
      launch.spec = LaunchSpecOf(*job, instance, allocation, &ports);
      const backend::LaunchSpec& spec = launch.spec;
      store::TaskRuntime& t = job->tasks[instance];
      t.host = SharedName(spec.hostname);
      t.agent_id = t.host;
      // The run's named ports, for its endpoints; nothing for a task without ports.
      run::RunInfo info;
      info.mutable_ports()->insert(ports.begin(), ports.end());
      t.info = ports.empty() ? std::string() : info.SerializeAsString();
      job->host_hints.erase(instance);  // placed: the hint has done what it could
      // A stateful task's first host keeps its volume: every later run waits for that host.
      // Written with LAUNCHED, before the volume is made.
      if (spec.persistent_volume.has_value() && t.desired_host.empty()) {
        t.desired_host = spec.hostname;
      }
      t.start_time = options_.now();  // when it was launched, until it runs (launch_retry)
      if (t.reason == kUnplaceableReason) t.reason.clear();  // a host could, after all
      // Peloton's initial health: unknown until a check has passed or failed.
      t.healthy = spec.health_check.has_value() ? taskfsm::HealthState::kUnknown
                                                : taskfsm::HealthState::kDisabled;
      SetTaskState(*job, instance, TaskState::kLaunched, "launched on " + spec.hostname);
      UpdateJobState(*job);
      launch.task_id = task_id;
      launch.allocation = std::move(allocation);
    }
  }
  if (deferred_launches_.size() == waiting) return;
  // LAUNCHED is written before anything starts: a crash between the two leaves a LAUNCHED
  // task with no process, which recovery's reconciliation finds LOST and runs again, never a
  // process that nobody knows of (Peloton's order too).
  if (absl::Status s = Flush(); !s.ok()) {
    spdlog::error("launch: LAUNCHED not recorded: {}", std::string(s.message()));
  }
  LaunchDeferred();
}

bool JobManager::LaunchDeferred() {
  const absl::Time start = options_.launch_clock();
  bool launched_one = false;
  while (!deferred_launches_.empty()) {
    if (launched_one && options_.launch_budget > absl::ZeroDuration() &&
        options_.launch_clock() - start >= options_.launch_budget) {
      break;
    }
    // Taken where it waits, and dropped at the end of this turn.
    ToLaunch& l = deferred_launches_.front();
    const absl::Cleanup drop = [this] { deferred_launches_.pop_front(); };
    uint32_t instance = 0;
    uint64_t run = 0;
    Job* job = FindByTaskId(l.task_id, &instance, &run);
    if (job == nullptr || job->tasks[instance].mesos_task_id != l.task_id) {
      ReleaseUnlaunched(l.allocation, l.task_id);
      continue;
    }
    store::TaskRuntime& t = job->tasks[instance];
    if (t.state != TaskState::kLaunched || GoalIsStop(t.goal_state) ||
        !t.desired_mesos_task_id.empty()) {
      // Stopped while it waited for its launch (a kill, a restart): it never ran. TaskEnded
      // gives its pool allocation back.
      ReleaseHost(l.allocation, l.task_id);
      TaskEnded(*job, instance, TaskState::kKilled, "", "stopped before it was launched");
      continue;
    }
    launched_one = true;
    if (absl::Status s = hostmgr_.Launch(std::move(l.allocation), l.spec); !s.ok()) {
      if (absl::IsUnavailable(s)) {
        // The host manager cannot take it now (unreachable, or restarted and not reconciled
        // yet): not the task's fault. It is queued again.
        t.host.clear();
        t.agent_id.clear();
        t.info.clear();
        t.start_time = absl::UnixEpoch();
        resmgr_.TaskEnded(l.task_id);
        if (absl::Status q = EnqueueTasks(*job, {instance}); !q.ok()) {
          TaskEnded(*job, instance, TaskState::kFailed, "REASON_CONTAINER_LAUNCH_FAILED",
                    std::string(q.message()));
        }
        UpdateJobState(*job);
        continue;
      }
      t.reason = "REASON_CONTAINER_LAUNCH_FAILED";
      TaskEnded(*job, instance, TaskState::kFailed, t.reason, std::string(s.message()));
      ++events_.launch_failures;
      continue;
    }
    resmgr_.TaskLaunched(l.task_id, options_.now());
    ++events_.launched;
  }
  return !deferred_launches_.empty();
}

absl::StatusOr<placement_engine::SpecLookup> JobManager::WaitingSpecs(
    const std::vector<std::string>& /*task_ids*/) {
  return placement_engine::SpecLookup([this](absl::string_view id) { return TaskSpecOf(id); });
}

absl::Status JobManager::SetPlacements(
    std::vector<placement_engine::PlacedGang>& placed,
    const std::vector<resmgr::ReadyGang>& dropped,
    const std::vector<placement_engine::PlacementVerdict>& verdicts,
    const placement::Cluster& /*cluster*/) {
  Dropped(dropped);
  OnVerdicts(verdicts);
  Launch(std::move(placed));
  placed.clear();
  return absl::OkStatus();
}

void JobManager::OnVerdicts(const std::vector<placement_engine::PlacementVerdict>& verdicts) {
  for (const placement_engine::PlacementVerdict& v : verdicts) {
    uint32_t instance = 0;
    uint64_t run = 0;
    Job* job = FindByTaskId(v.task_id, &instance, &run);
    if (job == nullptr) continue;
    store::TaskRuntime& t = job->tasks[instance];
    if (t.mesos_task_id != v.task_id || t.state != TaskState::kPending) continue;
    if (v.reason.has_value()) {
      t.reason = kUnplaceableReason;
      SetTaskState(*job, instance, TaskState::kPending,
                   absl::StrCat("no host of this cluster could ever hold it, even empty (",
                                placement::Name(*v.reason), "); it waits for one that could"));
    } else if (t.reason == kUnplaceableReason) {
      t.reason.clear();
      SetTaskState(*job, instance, TaskState::kPending,
                   "the cluster changed: a host could hold it; it waits for room");
    }
  }
}

void JobManager::Dropped(const std::vector<resmgr::ReadyGang>& gangs) {
  for (const resmgr::ReadyGang& g : gangs) {
    for (const fairshare::GangTask& task : g.gang.tasks) {
      resmgr_.TaskEnded(task.task_id);
      gang_of_.erase(task.task_id);
      uint32_t instance = 0;
      uint64_t run = 0;
      Job* job = FindByTaskId(task.task_id, &instance, &run);
      if (job == nullptr || job->tasks[instance].mesos_task_id != task.task_id ||
          job->tasks[instance].state != TaskState::kPending) {
        continue;
      }
      store::TaskRuntime& t = job->tasks[instance];
      if (GoalIsStop(t.goal_state)) {
        SetTaskState(*job, instance, TaskState::kKilled, "stopped before it was placed");
        EvaluateOrLog(*job, instance);  // delete_task for a removed daemon instance
      } else {
        // Preempted before launch, or a gang-mate of such a task: the run ends unlaunched, and
        // the engine queues the next one.
        const bool preempted = !t.desired_mesos_task_id.empty();
        if (!preempted) WantNewRun(job->id, t);
        SetTaskState(*job, instance, TaskState::kKilled,
                     preempted ? "preempted before it was launched"
                               : "its gang was taken back before it was launched");
        EvaluateOrLog(*job, instance);
      }
      UpdateJobState(*job);
    }
  }
}

void JobManager::ReleaseHost(const placement::Allocation& allocation, absl::string_view task_id) {
  if (absl::Status s = hostmgr_.Release(allocation); !s.ok()) {
    spdlog::error("task {}: its allocation was not given back: {}", std::string(task_id),
                  std::string(s.message()));
  }
}

void JobManager::ReleaseUnlaunched(const placement::Allocation& allocation,
                                   absl::string_view task_id) {
  ReleaseHost(allocation, task_id);
  resmgr_.TaskEnded(task_id);
}

}  // namespace peloton::jobmgr
