// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/mesos_backend.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "peloton/common/check.h"
#include "peloton/common/status_macros.h"
#include "services/backend/mesos/zk_detector.h"
#include "services/common/files.h"
#include "services/common/remote_file.h"
#include "spdlog/spdlog.h"

namespace peloton::backend::mesos {
namespace {

// Whether two views of an agent are the same host (what the host manager would rebuild).
bool SameHost(const HostInfo& a, const HostInfo& b) {
  if (a.hostname != b.hostname || a.capacity != b.capacity || a.gpus.size() != b.gpus.size() ||
      a.attributes != b.attributes || a.ports.size() != b.ports.size()) {
    return false;
  }
  for (size_t i = 0; i < a.ports.size(); ++i) {
    if (a.ports[i].begin != b.ports[i].begin || a.ports[i].end != b.ports[i].end) return false;
  }
  return true;
}

bool PortsIn(const std::vector<uint32_t>& ports, const std::vector<placement::PortRange>& ranges) {
  for (uint32_t p : ports) {
    if (std::none_of(ranges.begin(), ranges.end(),
                     [p](const placement::PortRange& r) { return r.begin <= p && p <= r.end; })) {
      return false;
    }
  }
  return true;
}

// Mesos's terminal task states: the task holds nothing on its agent any more.
bool Ended(MesosTaskState s) {
  switch (s) {
    case MesosTaskState::kFinished:
    case MesosTaskState::kFailed:
    case MesosTaskState::kKilled:
    case MesosTaskState::kLost:
    case MesosTaskState::kError:
    case MesosTaskState::kDropped:
    case MesosTaskState::kGone:
    case MesosTaskState::kGoneByOperator:
      return true;
    default:
      return false;
  }
}

TaskStatus Lost(const std::string& task_id, const std::string& hostname, std::string message) {
  TaskStatus s;
  s.task_id = task_id;
  s.state = MesosTaskState::kLost;
  s.hostname = hostname;
  s.message = std::move(message);
  s.time = absl::Now();
  return s;
}

}  // namespace

absl::Status ValidateMesosOptions(const MesosBackendOptions& o) {
  if (o.master.empty() == o.zk.empty()) {
    return absl::InvalidArgumentError(
        "mesos.master: give the master's host:port or mesos.zk, one of the two");
  }
  if (!o.zk.empty()) {
    if (absl::Status s = discovery::ParseZkUrl(o.zk, "mesos.zk").status(); !s.ok()) return s;
  } else {
    std::vector<std::string> parts = absl::StrSplit(o.master, ':');
    uint32_t port = 0;
    if (parts.size() != 2 || parts[0].empty() || !absl::SimpleAtoi(parts[1], &port) || port == 0 ||
        port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("mesos.master: '", o.master, "' (rule: host:port of the leading master)"));
    }
  }
  if (o.framework.role.empty() || o.framework.role == "*") {
    return absl::InvalidArgumentError("mesos.role: empty or '*' (rule: a role of our own)");
  }
  const std::pair<const char*, absl::Duration> positive[] = {
      {"connect_timeout", o.connect_timeout},
      {"agents_refresh", o.agents_refresh},
      {"decline_refuse", o.decline_refuse},
      {"launch_timeout", o.launch_timeout},
      {"reconcile_wait", o.reconcile_wait},
      {"reconnect_min", o.reconnect_min},
      {"reconnect_max", o.reconnect_max},
      {"initial_reconcile_delay", o.initial_reconcile_delay},
      {"reconcile_interval", o.reconcile_interval},
      {"reconcile_batch_gap", o.reconcile_batch_gap}};
  for (const auto& [name, d] : positive) {
    if (d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat("mesos.", name, ": ", absl::FormatDuration(d),
                                                     " (rule: a positive duration)"));
    }
  }
  if (o.reconcile_batch < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("mesos.reconcile_batch: ", o.reconcile_batch, " (rule: at least 1)"));
  }
  if (o.offer_hold < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("mesos.offer_hold: negative (rule: >= 0)");
  }
  if (o.reconnect_max < o.reconnect_min) {
    return absl::InvalidArgumentError("mesos.reconnect_max: below reconnect_min");
  }
  return absl::OkStatus();
}

MesosBackend::MesosBackend(MesosBackendOptions options, std::string stored_framework_id,
                           std::function<void(const std::string&)> framework_id_changed)
    : options_(std::move(options)),
      framework_id_changed_(std::move(framework_id_changed)),
      saved_framework_id_(stored_framework_id),
      session_(options_.framework, std::move(stored_framework_id)),
      backoff_(options_.reconnect_min) {}

MesosBackend::~MesosBackend() = default;

void MesosBackend::Wait(absl::Duration d) {
  io_->getTimer().afterDelay(absl::ToInt64Nanoseconds(d) * kj::NANOSECONDS).wait(*wait_);
}

void MesosBackend::UseMaster(const std::string& leader) {
  if (client_ != nullptr && leader == master_) return;
  if (client_ != nullptr) spdlog::info("mesos: the leading master is now {}", leader);
  client_ = std::make_unique<MesosClient>(*io_, *wait_, leader, session_, options_.encoding,
                                          authorization_);
  master_ = leader;
}

absl::Status MesosBackend::Subscribe() {
  std::string leader = options_.master;
  if (!options_.zk.empty()) {
    absl::StatusOr<std::string> detected = DetectLeader(options_.zk, options_.zk_timeout);
    if (!detected.ok()) return detected.status();
    leader = *std::move(detected);
  }
  UseMaster(leader);
  return client_->Subscribe(options_.connect_timeout);
}

absl::Status MesosBackend::Start(kj::AsyncIoProvider& io, kj::WaitScope& wait) {
  io_ = &io;
  wait_ = &wait;
  if (!options_.secret_file.empty()) {
    absl::StatusOr<std::string> secret = files::ReadFile(options_.secret_file);
    if (!secret.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("mesos.secret_file: ", secret.status().message()));
    }
    std::string value(absl::StripTrailingAsciiWhitespace(*secret));
    if (value.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("mesos.secret_file: ", options_.secret_file,
                                                     " is empty (rule: the principal's secret)"));
    }
    authorization_ = BasicAuthorization(options_.framework.principal, value);
  }
  if (absl::Status s = Subscribe(); !s.ok()) return s;
  const absl::Time deadline = absl::Now() + options_.connect_timeout;
  while (!session_.subscribed()) {
    if (absl::Status s = client_->Pump(); !s.ok()) return absl::UnavailableError(s.message());
    if (!client_->streaming() && !session_.subscribed()) {
      return absl::UnavailableError(
          absl::StrCat("mesos: the master at ", master_, " closed the subscription"));
    }
    if (absl::Now() > deadline) {
      return absl::UnavailableError(absl::StrCat("mesos: no SUBSCRIBED from ", master_, " within ",
                                                 absl::FormatDuration(options_.connect_timeout)));
    }
    if (!session_.subscribed()) Wait(absl::Milliseconds(5));
  }
  if (session_.framework_id() != saved_framework_id_) {
    saved_framework_id_ = session_.framework_id();
    if (framework_id_changed_) framework_id_changed_(saved_framework_id_);
  }
  spdlog::info("mesos: subscribed to {} as framework {}", master_, saved_framework_id_);
  next_reconcile_ = absl::Now() + options_.initial_reconcile_delay;
  return RefreshAgents();
}

void MesosBackend::Stop() {
  client_ = nullptr;
  session_.Reset();
  io_ = nullptr;
  wait_ = nullptr;
}

absl::Status MesosBackend::RefreshAgents() {
  ::mesos::v1::master::Call call;
  call.set_type(::mesos::v1::master::Call::GET_AGENTS);
  absl::StatusOr<::mesos::v1::master::Response> response = client_->Operator(call);
  if (!response.ok()) return response.status();
  agents_read_ = absl::Now();
  std::map<std::string, HostInfo> agents;
  for (const auto& agent : response->get_agents().agents()) {
    if (!agent.active()) continue;
    absl::StatusOr<HostInfo> host = HostOfAgent(agent, options_.framework.role);
    if (!host.ok()) {
      spdlog::warn("mesos: agent skipped: {}", std::string(host.status().message()));
      continue;
    }
    // Revocable offers come only to a framework that asked for them (REVOCABLE_RESOURCES).
    if (!options_.framework.revocable) host->revocable_milli_cpu = 0;
    // The machine id Mesos knows the agent by: its hostname and the IP of its pid
    // ("slave(1)@10.0.0.1:5051").
    ::mesos::v1::MachineID machine;
    machine.set_hostname(host->hostname);
    const std::string& pid = agent.pid();
    if (const size_t at = pid.find('@'); at != std::string::npos) {
      machine.set_ip(pid.substr(at + 1, pid.rfind(':') - at - 1));
    }
    machine_of_host_[host->hostname] = machine;
    agents.emplace(host->agent_id, *std::move(host));
  }
  const bool changed =
      agents.size() != agents_.size() ||
      !std::equal(agents.begin(), agents.end(), agents_.begin(), [](const auto& a, const auto& b) {
        return a.first == b.first && SameHost(a.second, b.second);
      });
  if (changed) {
    agents_ = std::move(agents);
    agent_of_host_.clear();
    for (const auto& [id, host] : agents_) agent_of_host_[host.hostname] = id;
    ++hosts_version_;
  }
  return absl::OkStatus();
}

std::vector<HostInfo> MesosBackend::Hosts() const {
  std::vector<HostInfo> out;
  out.reserve(agents_.size());
  for (const auto& [id, host] : agents_) out.push_back(host);
  return out;
}

std::optional<absl::flat_hash_map<std::string, Resources>> MesosBackend::Offered() const {
  absl::flat_hash_map<std::string, Resources> out;
  const absl::Time now = absl::Now();
  for (const auto& [agent, offers] : session_.offers()) {
    auto host = agents_.find(agent);
    if (host == agents_.end() || offers.empty() ||
        !std::all_of(offers.begin(), offers.end(),
                     [&](const ::mesos::v1::Offer& o) { return Usable(o, now); })) {
      continue;
    }
    absl::StatusOr<HostInfo> offered = HostOfOffers(offers, options_.framework.role);
    if (!offered.ok()) continue;
    Resources left = offered->capacity;
    if (auto waiting = waiting_.find(agent); waiting != waiting_.end()) {
      for (const Pending& p : waiting->second) left -= Resources::Min(left, p.spec.resources);
    }
    out[host->second.hostname] = left;
  }
  return out;
}

std::string MesosBackend::HostnameOf(const std::string& agent_id) const {
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? std::string() : it->second.hostname;
}

absl::Status MesosBackend::Launch(const LaunchSpec& spec) {
  const std::string task_id = spec.task_id.str();  // this backend keeps and names it so
  auto agent = agent_of_host_.find(spec.hostname);
  if (agent == agent_of_host_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("launch ", task_id, ": host ", spec.hostname, " is not a Mesos agent"));
  }
  if (spec.resources.milli_gpu() % 1000 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("launch ", task_id, ": ", spec.resources.milli_gpu(),
                     " milli-gpu (rule: Mesos allocates whole GPUs only)"));
  }
  if (in_flight_.contains(task_id)) {
    return absl::AlreadyExistsError(absl::StrCat("launch ", task_id, ": already launched"));
  }
  PELOTON_RETURN_IF_ERROR(
      files::ValidateRemoteFiles(spec.uris, absl::StrCat("launch ", task_id, ": uris")));
  if (spec.persistent_volume.has_value()) {
    const PersistentVolumeSpec& v = *spec.persistent_volume;
    if (!files::IsFileName(v.id) || !files::IsPathInside(v.container_path, 1024) ||
        v.size_mb < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("launch ", task_id, ": persistent_volume: id '", v.id, "', container_path '",
                       v.container_path, "', size_mb ", v.size_mb,
                       " (rule: a file name, a relative path inside the sandbox, at least 1 MB)"));
    }
    if (auto on = volumes_.find(v.id); on != volumes_.end() && on->second != agent->second) {
      return absl::FailedPreconditionError(absl::StrCat("launch ", task_id, ": volume ", v.id,
                                                        " is on host ", HostnameOf(on->second)));
    }
    if (const std::string user = UserOf(v.id); !user.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("launch ", task_id, ": volume ", v.id, " is in use by task ", user));
    }
  }
  if (!waiting_agent_.emplace(task_id, agent->second).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("launch ", task_id, ": already waiting for an offer"));
  }
  waiting_[agent->second].push_back({spec, absl::Now()});
  return absl::OkStatus();
}

absl::Status MesosBackend::Kill(const std::string& task_id) {
  if (auto waiting = waiting_agent_.find(task_id); waiting != waiting_agent_.end()) {
    const std::string agent = waiting->second;
    waiting_agent_.erase(waiting);
    std::vector<Pending>& pending = waiting_[agent];
    auto it = std::find_if(pending.begin(), pending.end(),
                           [&](const Pending& p) { return p.spec.task_id == task_id; });
    PELOTON_CHECK(it != pending.end());  // the index and the queues agree
    TaskStatus killed;
    killed.task_id = task_id;
    killed.state = MesosTaskState::kKilled;
    killed.hostname = it->spec.hostname;
    killed.agent_id = agent;
    killed.message = "killed before it was launched";
    killed.time = absl::Now();
    early_.push_back(std::move(killed));
    pending.erase(it);
    return absl::OkStatus();
  }
  auto it = in_flight_.find(task_id);
  if (it == in_flight_.end()) {
    return absl::NotFoundError(absl::StrCat("kill ", task_id, ": not a task in flight"));
  }
  PELOTON_CHECK(client_ != nullptr);  // tasks are in flight only once started
  // Not waited for: the answer is the task's update, and a kill that does not land is shut
  // down by the job manager after the grace period.
  client_->SendLater(session_.Kill(task_id, it->second));
  return absl::OkStatus();
}

absl::Status MesosBackend::Shutdown(const std::string& task_id) {
  auto it = in_flight_.find(task_id);
  if (it == in_flight_.end()) {
    return absl::NotFoundError(absl::StrCat("shutdown ", task_id, ": not a task in flight"));
  }
  PELOTON_CHECK(client_ != nullptr);
  client_->SendLater(session_.Shutdown(task_id, it->second));
  return absl::OkStatus();
}

void MesosBackend::ContinueResubscription(absl::Time now) {
  if (leader_lookup_.valid()) {
    if (leader_lookup_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
    absl::StatusOr<std::string> leader = leader_lookup_.get();
    if (!leader.ok()) return ResubscriptionFailed(now, leader.status());
    UseMaster(*leader);
    client_->StartSubscribe(options_.connect_timeout);
  }
  if (client_->subscribing()) return;
  if (!client_->subscribe_status().ok()) {
    return ResubscriptionFailed(now, client_->subscribe_status());
  }
  resubscribing_ = false;
  backoff_ = options_.reconnect_min;
  resubscribed_ = true;
  if (absl::Status s = client_->Pump(); !s.ok()) {
    spdlog::warn("mesos: {}", std::string(s.message()));  // the next poll sees the stream lost
  }
}

void MesosBackend::ResubscriptionFailed(absl::Time now, const absl::Status& status) {
  spdlog::warn("mesos: {}; next try in {}", std::string(status.message()),
               absl::FormatDuration(backoff_));
  resubscribing_ = false;
  next_attempt_ = now + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
}

void MesosBackend::KeepSubscribed(absl::Time now) {
  if (absl::Status s = client_->Pump(); !s.ok()) {
    spdlog::warn("mesos: {}", std::string(s.message()));
  }
  const bool lost = !client_->streaming() || (session_.subscribed() && session_.Silent(now));
  if (resubscribing_) {
    ContinueResubscription(now);
    if (resubscribing_) return;  // still under way
  } else if (lost && now >= next_attempt_) {
    spdlog::info("mesos: subscribing again ({}) as framework {}",
                 options_.zk.empty() ? options_.master : options_.zk, session_.framework_id());
    session_.Reset();
    resubscribing_ = true;
    if (options_.zk.empty()) {
      client_->StartSubscribe(options_.connect_timeout);
    } else {
      // ZooKeeper's client waits; it does so on a thread of its own, not on the event loop.
      leader_lookup_ =
          std::async(std::launch::async, [url = options_.zk, timeout = options_.zk_timeout] {
            return DetectLeader(url, timeout);
          });
    }
    return;
  }
  if (!session_.subscribed()) return;
  if (session_.framework_id() != saved_framework_id_) {
    saved_framework_id_ = session_.framework_id();
    if (framework_id_changed_) framework_id_changed_(saved_framework_id_);
  }
  if (resubscribed_) {
    // What happened to the tasks in flight while we were away: the answers come as updates.
    resubscribed_ = false;
    std::vector<std::pair<std::string, std::string>> tasks(in_flight_.begin(), in_flight_.end());
    if (!tasks.empty()) client_->SendLater(session_.Reconcile(tasks));
  }
}

absl::StatusOr<std::vector<::mesos::v1::MachineID>> MesosBackend::MachinesOf(
    const std::vector<std::string>& hostnames) const {
  std::vector<::mesos::v1::MachineID> out;
  for (const std::string& h : hostnames) {
    auto it = machine_of_host_.find(h);
    if (it == machine_of_host_.end()) {
      return absl::NotFoundError(absl::StrCat("maintenance: host ", h, " is not a Mesos agent"));
    }
    out.push_back(it->second);
  }
  return out;
}

namespace {

bool SameMachine(const ::mesos::v1::MachineID& a, const ::mesos::v1::MachineID& b) {
  return a.hostname() == b.hostname() && a.ip() == b.ip();
}

}  // namespace

absl::Status MesosBackend::Drain(const std::vector<std::string>& hostnames) {
  PELOTON_CHECK(client_ != nullptr);
  absl::StatusOr<std::vector<::mesos::v1::MachineID>> machines = MachinesOf(hostnames);
  if (!machines.ok()) return machines.status();
  ::mesos::v1::master::Call get;
  get.set_type(::mesos::v1::master::Call::GET_MAINTENANCE_SCHEDULE);
  absl::StatusOr<::mesos::v1::master::Response> current = client_->Operator(get);
  if (!current.ok()) return current.status();
  ::mesos::v1::maintenance::Schedule schedule = current->get_maintenance_schedule().schedule();
  ::mesos::v1::maintenance::Window window;
  for (const ::mesos::v1::MachineID& m : *machines) {
    bool scheduled = false;
    for (const auto& w : schedule.windows()) {
      for (const auto& id : w.machine_ids()) scheduled |= SameMachine(id, m);
    }
    if (!scheduled) *window.add_machine_ids() = m;
  }
  if (window.machine_ids().empty()) return absl::OkStatus();  // all there already
  window.mutable_unavailability()->mutable_start()->set_nanoseconds(absl::ToUnixNanos(absl::Now()));
  *schedule.add_windows() = std::move(window);
  ::mesos::v1::master::Call update;
  update.set_type(::mesos::v1::master::Call::UPDATE_MAINTENANCE_SCHEDULE);
  *update.mutable_update_maintenance_schedule()->mutable_schedule() = std::move(schedule);
  return client_->Operator(update).status();
}

absl::Status MesosBackend::MachinesCall(::mesos::v1::master::Call::Type type,
                                        const std::vector<std::string>& hostnames) {
  PELOTON_CHECK(client_ != nullptr);
  absl::StatusOr<std::vector<::mesos::v1::MachineID>> machines = MachinesOf(hostnames);
  if (!machines.ok()) return machines.status();
  ::mesos::v1::master::Call call;
  call.set_type(type);
  auto* list = type == ::mesos::v1::master::Call::START_MAINTENANCE
                   ? call.mutable_start_maintenance()->mutable_machines()
                   : call.mutable_stop_maintenance()->mutable_machines();
  for (auto& m : *machines) *list->Add() = std::move(m);
  return client_->Operator(call).status();
}

absl::Status MesosBackend::Down(const std::vector<std::string>& hostnames) {
  return MachinesCall(::mesos::v1::master::Call::START_MAINTENANCE, hostnames);
}

absl::Status MesosBackend::Up(const std::vector<std::string>& hostnames) {
  return MachinesCall(::mesos::v1::master::Call::STOP_MAINTENANCE, hostnames);
}

absl::StatusOr<MaintenanceStatus> MesosBackend::GetMaintenanceStatus() {
  PELOTON_CHECK(client_ != nullptr);
  ::mesos::v1::master::Call call;
  call.set_type(::mesos::v1::master::Call::GET_MAINTENANCE_STATUS);
  absl::StatusOr<::mesos::v1::master::Response> response = client_->Operator(call);
  if (!response.ok()) return response.status();
  MaintenanceStatus out;
  const auto& status = response->get_maintenance_status().status();
  for (const auto& d : status.draining_machines()) out.draining.push_back(d.id().hostname());
  for (const auto& m : status.down_machines()) out.down.push_back(m.hostname());
  return out;
}

bool MesosBackend::Usable(const ::mesos::v1::Offer& offer, absl::Time now) const {
  if (!offer.has_unavailability()) return true;
  const absl::Time start = absl::FromUnixNanos(offer.unavailability().start().nanoseconds());
  return start - now > options_.unavailability_margin;
}

void MesosBackend::TakeUpdates(std::vector<TaskStatus>& out) {
  for (SchedulerSession::Update& u : session_.TakeUpdates()) {
    TaskStatus s = StatusOf(u.status, [this](const std::string& id) { return HostnameOf(id); });
    // A task gone with its agent, or out of reach: the agents are read again at the next poll,
    // so that an agent that left leaves the hosts now, not at the next refresh.
    if (s.state == MesosTaskState::kGone || s.state == MesosTaskState::kGoneByOperator ||
        s.state == MesosTaskState::kUnreachable) {
      agents_read_ = absl::InfinitePast();
    }
    if (Ended(s.state)) {
      in_flight_.erase(s.task_id);
      if (auto v = volume_of_task_.find(s.task_id); v != volume_of_task_.end()) {
        // A launch the master refused may not have made its volume: the next offer that holds
        // the volume tells it again.
        if (s.state == MesosTaskState::kError || s.state == MesosTaskState::kDropped) {
          volumes_.erase(v->second);
        }
        volume_of_task_.erase(v);
      }
    } else if (!s.agent_id.empty()) {
      in_flight_[s.task_id] = s.agent_id;
    }
    if (u.ack) to_ack_.push_back(std::move(u.status));
    out.push_back(std::move(s));
  }
}

std::string MesosBackend::UserOf(const std::string& volume_id) const {
  for (const auto& [task, volume] : volume_of_task_) {
    if (volume == volume_id) return task;
  }
  for (const auto& [agent, pending] : waiting_) {
    for (const Pending& p : pending) {
      if (p.spec.persistent_volume.has_value() && p.spec.persistent_volume->id == volume_id) {
        return p.spec.task_id.str();
      }
    }
  }
  return "";
}

absl::Status MesosBackend::DestroyVolume(const std::string& hostname,
                                         const std::string& volume_id) {
  auto agent = agent_of_host_.find(hostname);
  if (agent == agent_of_host_.end()) return absl::OkStatus();
  if (const std::string user = UserOf(volume_id); !user.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("destroy volume ", volume_id, " on ", hostname, ": task ", user, " uses it"));
  }
  if (auto on = volumes_.find(volume_id); on != volumes_.end() && on->second == agent->second) {
    volumes_.erase(on);
  }
  to_destroy_[agent->second].insert(volume_id);
  return absl::OkStatus();
}

void MesosBackend::TendVolumes(absl::Time now) {
  std::vector<std::string> ready;
  for (const auto& [agent, offers] : session_.offers()) {
    const auto destroy = to_destroy_.find(agent);
    bool any = false;
    for (const ::mesos::v1::Offer& o : offers) {
      for (const ::mesos::v1::Resource& r : o.resources()) {
        const std::string id = PersistenceIdOf(r);
        if (id.empty()) continue;
        if (destroy != to_destroy_.end() && destroy->second.contains(id)) {
          any = true;
        } else {
          volumes_[id] = agent;  // made before (by an earlier incarnation, perhaps)
        }
      }
    }
    if (any && std::all_of(offers.begin(), offers.end(),
                           [&](const ::mesos::v1::Offer& o) { return Usable(o, now); })) {
      ready.push_back(agent);
    }
  }
  for (const std::string& agent : ready) {
    std::set<std::string>& ids = to_destroy_[agent];
    std::vector<::mesos::v1::Offer> offers = session_.TakeOffers(agent);
    std::vector<::mesos::v1::Offer::Operation> ops;
    std::vector<std::string> destroyed;
    for (const ::mesos::v1::Offer& o : offers) {
      for (const ::mesos::v1::Resource& r : o.resources()) {
        const std::string id = PersistenceIdOf(r);
        if (!ids.contains(id)) continue;
        for (::mesos::v1::Offer::Operation& op : mesos::DestroyVolume(r)) {
          ops.push_back(std::move(op));
        }
        destroyed.push_back(id);
      }
    }
    // The rest of the offers goes back with the accept; the agent offers it again.
    if (absl::Status s = client_->Send(session_.Accept(offers, {}, std::move(ops))); !s.ok()) {
      spdlog::warn("mesos: volumes on {} not destroyed, tried again at its next offer: {}", agent,
                   std::string(s.message()));
      continue;
    }
    for (const std::string& id : destroyed) {
      spdlog::info("mesos: volume {} on {} destroyed", id, agent);
      ids.erase(id);
    }
    if (ids.empty()) to_destroy_.erase(agent);
  }
  // Agents that left take their volumes with them.
  for (auto it = to_destroy_.begin(); it != to_destroy_.end();) {
    it = agents_.contains(it->first) ? std::next(it) : to_destroy_.erase(it);
  }
}

void MesosBackend::LaunchWaiting(absl::Time now, std::vector<TaskStatus>& out) {
  for (auto& [agent, pending] : waiting_) {
    if (pending.empty()) continue;
    auto held = session_.offers().find(agent);
    const bool usable = held != session_.offers().end() && !held->second.empty() &&
                        std::all_of(held->second.begin(), held->second.end(),
                                    [&](const ::mesos::v1::Offer& o) { return Usable(o, now); });
    if (usable) {
      absl::StatusOr<HostInfo> offered = HostOfOffers(held->second, options_.framework.role);
      // The volumes the offers hold, free for a launch.
      std::map<std::string, ::mesos::v1::Resource> offered_volumes;
      for (const ::mesos::v1::Offer& o : held->second) {
        for (const ::mesos::v1::Resource& r : o.resources()) {
          if (std::string id = PersistenceIdOf(r); !id.empty()) offered_volumes[id] = r;
        }
      }
      std::vector<::mesos::v1::TaskInfo> tasks;
      std::vector<::mesos::v1::Offer::Operation> ops;  // volumes made for the launches
      std::vector<Pending> launched, still;
      Resources left = offered.ok() ? offered->capacity : Resources();
      int64_t left_revocable = offered.ok() ? offered->revocable_milli_cpu : 0;
      for (Pending& p : pending) {
        const std::optional<PersistentVolumeSpec>& v = p.spec.persistent_volume;
        std::optional<::mesos::v1::Resource> volume;
        // The volume's disk is its own resource: what the task needs of the unreserved disk is
        // its own, and the volume's size when the volume is yet to be made.
        // A revocable task's cpu comes from the revocable cpus offered.
        const Resources& r = p.spec.resources;
        const int64_t revocable_cpu = p.spec.revocable ? r.milli_cpu() : 0;
        Resources needs = Resources::Of(r.milli_cpu() - revocable_cpu, r.memory_mb(),
                                        TaskDiskOf(p.spec), r.milli_gpu());
        if (v.has_value()) {
          if (auto it = offered_volumes.find(v->id); it != offered_volumes.end()) {
            volume = it->second;  // made before, free now
            offered_volumes.erase(it);
          } else if (!volumes_.contains(v->id)) {
            needs += Resources::Of(0, 0, v->size_mb, 0);
          } else {
            still.push_back(std::move(p));  // made, not offered: it waits for the volume
            continue;
          }
        }
        if (offered.ok() && needs.FitsIn(left) && revocable_cpu <= left_revocable &&
            PortsIn(p.spec.ports, offered->ports)) {
          left -= needs;
          left_revocable -= revocable_cpu;
          tasks.push_back(TaskInfoOf(p.spec, agent, p.spec.ports, options_.framework.role));
          if (v.has_value() && !volume.has_value()) {
            VolumeOperations made =
                CreateVolume(*v, options_.framework.role, options_.framework.principal);
            ops.push_back(std::move(made.reserve));
            ops.push_back(std::move(made.create));
            volume = std::move(made.volume);
            volumes_[v->id] = agent;
          }
          if (volume.has_value()) *tasks.back().add_resources() = *std::move(volume);
          launched.push_back(std::move(p));
        } else {
          still.push_back(std::move(p));
        }
      }
      pending = std::move(still);
      if (!tasks.empty()) {
        spdlog::debug("mesos: launching {} tasks on {} ({} still waiting)", tasks.size(), agent,
                      pending.size());
        const absl::Status sent =
            client_->Send(session_.Accept(session_.TakeOffers(agent), tasks, std::move(ops)));
        for (Pending& p : launched) {
          waiting_agent_.erase(p.spec.task_id.str());
          if (sent.ok()) {
            in_flight_[p.spec.task_id.str()] = agent;
            if (p.spec.persistent_volume.has_value()) {
              volume_of_task_[p.spec.task_id.str()] = p.spec.persistent_volume->id;
            }
          } else {
            if (p.spec.persistent_volume.has_value()) {
              volumes_.erase(p.spec.persistent_volume->id);  // not made after all (if new)
            }
            out.push_back(Lost(p.spec.task_id.str(), p.spec.hostname,
                               absl::StrCat("launch failed: ", sent.message())));
          }
        }
      }
    }
    // Launches that waited too long for their agent's offers.
    for (auto it = pending.begin(); it != pending.end();) {
      if (now - it->since < options_.launch_timeout) {
        ++it;
        continue;
      }
      out.push_back(Lost(it->spec.task_id.str(), it->spec.hostname,
                         absl::StrCat("launch failed: no offer from ", it->spec.hostname,
                                      " covered the task within ",
                                      absl::FormatDuration(options_.launch_timeout))));
      waiting_agent_.erase(it->spec.task_id.str());
      it = pending.erase(it);
    }
  }
}

void MesosBackend::DeclineIdleOffers(absl::Time now) {
  std::vector<std::string> gone;
  for (const auto& [agent, since] : offers_since_) {
    if (!session_.offers().contains(agent)) gone.push_back(agent);
  }
  for (const std::string& agent : gone) offers_since_.erase(agent);
  std::vector<std::string> idle;
  for (const auto& [agent, offers] : session_.offers()) {
    auto [it, fresh] = offers_since_.emplace(agent, now);
    auto waiting = waiting_.find(agent);
    const bool wanted = waiting != waiting_.end() && !waiting->second.empty();
    // Offers of a machine about to go into maintenance are no use: give them back at once.
    const bool unusable =
        std::any_of(offers.begin(), offers.end(), [&](const auto& o) { return !Usable(o, now); });
    if (unusable || (!wanted && now - it->second >= options_.offer_hold)) idle.push_back(agent);
  }
  std::vector<::mesos::v1::Offer> declined;
  for (const std::string& agent : idle) {
    offers_since_.erase(agent);
    for (::mesos::v1::Offer& o : session_.TakeOffers(agent)) declined.push_back(std::move(o));
  }
  if (!declined.empty()) {
    client_->SendLater(session_.Decline(declined, options_.decline_refuse));  // one call for all
  }
}

void MesosBackend::ReconcileOnSchedule(absl::Time now) {
  if (now >= next_reconcile_) {
    next_reconcile_ = now + options_.reconcile_interval;
    if (explicit_next_) {
      reconcile_queue_.assign(in_flight_.begin(), in_flight_.end());
      next_batch_ = now;
    } else {
      client_->SendLater(session_.Reconcile({}));  // implicit: the master reports all of ours
    }
    explicit_next_ = !explicit_next_;
  }
  if (!reconcile_queue_.empty() && now >= next_batch_) {
    const size_t n =
        std::min(reconcile_queue_.size(), static_cast<size_t>(options_.reconcile_batch));
    std::vector<std::pair<std::string, std::string>> batch(reconcile_queue_.begin(),
                                                           reconcile_queue_.begin() + n);
    reconcile_queue_.erase(reconcile_queue_.begin(), reconcile_queue_.begin() + n);
    client_->SendLater(session_.Reconcile(batch));
    next_batch_ = now + options_.reconcile_batch_gap;
  }
}

std::vector<TaskStatus> MesosBackend::Poll() {
  if (client_ == nullptr) return std::exchange(early_, {});  // not started
  const absl::Time now = absl::Now();
  // The updates of the last Poll reached the managers: acknowledge them now.
  // Many at once (Peloton acknowledges with ten workers); one that fails is sent again by the
  // master, which keeps unacknowledged updates.
  if (session_.subscribed()) {
    for (const ::mesos::v1::TaskStatus& status : std::exchange(to_ack_, {})) {
      client_->SendLater(session_.Acknowledge(status));
    }
  }
  to_ack_.clear();
  KeepSubscribed(now);
  std::vector<TaskStatus> out = std::exchange(early_, {});
  if (!session_.subscribed()) return out;
  bool unknown_agent = session_.agents_lost() != agents_lost_seen_;
  agents_lost_seen_ = session_.agents_lost();
  for (const auto& [agent, offers] : session_.offers()) unknown_agent |= !agents_.contains(agent);
  if (unknown_agent || now - agents_read_ >= options_.agents_refresh) {
    if (absl::Status s = RefreshAgents(); !s.ok()) {
      spdlog::warn("mesos: agents not read: {}", std::string(s.message()));
      agents_read_ = now;  // try again at the next refresh, not on every poll
    }
  }
  TakeUpdates(out);
  TendVolumes(now);
  LaunchWaiting(now, out);
  DeclineIdleOffers(now);
  ReconcileOnSchedule(now);
  return out;
}

std::vector<TaskStatus> MesosBackend::Reconcile(const std::vector<std::string>& task_ids) {
  std::vector<TaskStatus> out;
  if (task_ids.empty()) return out;
  // Unstarted, every task would look lost: the process starts the backend before recovering.
  PELOTON_CHECK(client_ != nullptr);
  std::set<std::string> unanswered(task_ids.begin(), task_ids.end());
  std::vector<std::pair<std::string, std::string>> tasks;
  for (const std::string& id : task_ids) {
    auto it = in_flight_.find(id);
    tasks.emplace_back(id, it == in_flight_.end() ? std::string() : it->second);
  }
  if (session_.subscribed() && client_->Send(session_.Reconcile(tasks)).ok()) {
    const absl::Time deadline = absl::Now() + options_.reconcile_wait;
    while (!unanswered.empty() && absl::Now() < deadline) {
      Wait(absl::Milliseconds(5));
      if (absl::Status s = client_->Pump(); !s.ok()) {
        spdlog::warn("mesos: {}", std::string(s.message()));
      }
      std::vector<TaskStatus> updates;
      TakeUpdates(updates);
      for (TaskStatus& s : updates) {
        if (unanswered.erase(s.task_id) == 0) {
          early_.push_back(std::move(s));  // another task's news: Poll reports it
          continue;
        }
        if (s.state == MesosTaskState::kUnknown) {  // a PARTITION_AWARE framework's "no trace"
          in_flight_.erase(s.task_id);
          volume_of_task_.erase(s.task_id);
          s.state = MesosTaskState::kLost;
        }
        out.push_back(std::move(s));
      }
    }
  }
  // No answer (the master is away, or slow) is not "lost": a master that is there answers even
  // for tasks it does not know. These stay in flight, asked for again on the reconciliation
  // schedule; the answer, when it comes, is an update like any other.
  if (!unanswered.empty()) {
    spdlog::warn("mesos: no answer yet for {} tasks at reconciliation; asking again later",
                 unanswered.size());
  }
  for (const std::string& id : unanswered) in_flight_.emplace(id, std::string());
  return out;
}

}  // namespace peloton::backend::mesos
