// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/hostmgr/host_manager.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"
#include "spdlog/spdlog.h"

namespace peloton::hostmgr {
namespace {

bool IsTerminal(backend::MesosTaskState s) {
  return taskfsm::IsTerminal(taskfsm::TaskStateFromMesos(s));
}

}  // namespace

namespace {

placement::HostSpec SpecOf(const backend::HostInfo& h) {
  placement::HostSpec spec;
  spec.name = h.hostname;
  spec.capacity = h.capacity;
  spec.gpus = h.gpus;
  spec.attributes = h.attributes;
  spec.ports = h.ports;
  spec.revocable_milli_cpu = h.revocable_milli_cpu;
  return spec;
}

// Cluster::SetHostState fails only for an index out of range, and every index here comes from
// the cluster itself (FindHost, HostsIn, 0..size()), which never removes a host.
void SetState(placement::Cluster& cluster, uint32_t host, placement::HostState state) {
  (void)cluster.SetHostState(host, state);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HostManager>> HostManager::Create(backend::Backend& backend,
                                                                 store::Store* store) {
  std::unique_ptr<HostManager> hm(new HostManager(backend, store));
  hm->hosts_version_ = backend.HostsVersion();
  for (const backend::HostInfo& h : backend.Hosts()) {
    placement::HostSpec spec = SpecOf(h);
    PELOTON_RETURN_IF_ERROR(hm->cluster_.AddHost(spec).status());
    hm->specs_.push_back(std::move(spec));
  }
  PELOTON_RETURN_IF_ERROR(hm->RecoverMaintenance());
  return hm;
}

absl::Status HostManager::RecoverMaintenance() {
  if (store_ == nullptr) return absl::OkStatus();
  PELOTON_ASSIGN_OR_RETURN(
      std::vector<store::HostRecord> records,
      store_->ListHosts({placement::HostState::kDraining, placement::HostState::kDrained,
                         placement::HostState::kDown}));
  for (const store::HostRecord& r : records) {
    if (r.goal_state != placement::HostState::kDown) continue;  // not ours: not maintenance
    absl::StatusOr<uint32_t> index = cluster_.FindHost(r.hostname);
    if (!index.ok()) {
      spdlog::warn("host {} is under maintenance in the store but not in the cluster", r.hostname);
      continue;
    }
    maintenance_.insert(*index);
    SetState(cluster_, *index, r.state);
    // Its tasks are not known here until the job manager reconciles them.
    if (r.state != placement::HostState::kDown) reconciled_ = false;
  }
  if (!maintenance_.empty()) {
    spdlog::info("{} hosts under maintenance, as stored", maintenance_.size());
  }
  return absl::OkStatus();
}

absl::Status HostManager::StoreMaintenance(const std::vector<std::string>& hostnames,
                                           placement::HostState state) {
  if (store_ == nullptr) return absl::OkStatus();
  for (const std::string& name : hostnames) {
    absl::StatusOr<store::HostRecord> record = store_->GetHost(name);
    if (absl::IsNotFound(record.status())) {
      if (state == placement::HostState::kUp) continue;
      record = store::HostRecord{.hostname = name};
    }
    if (!record.ok()) return record.status();
    if (state == placement::HostState::kUp) {
      PELOTON_RETURN_IF_ERROR(store_->DeleteHost(name));
      continue;
    }
    record->state = state;
    record->goal_state = placement::HostState::kDown;
    PELOTON_RETURN_IF_ERROR(store_->WriteHost(*record));
  }
  return absl::OkStatus();
}

absl::Status HostManager::StoreThenTell(
    const std::vector<std::string>& hostnames, const std::vector<uint32_t>& hosts,
    placement::HostState state,
    absl::Status (backend::Backend::*tell)(const std::vector<std::string>&)) {
  absl::Status s = StoreMaintenance(hostnames, state);
  if (s.ok()) s = (backend_.*tell)(hostnames);
  if (s.ok()) return s;
  // Put back what the store had: each host's state in the cluster, unchanged so far.
  for (uint32_t h : hosts) {
    const placement::Host& host = cluster_.host(h);
    if (absl::Status put = StoreMaintenance({host.name}, host.state); !put.ok()) {
      spdlog::error("host {}: maintenance not stored: {}", host.name, std::string(put.message()));
    }
  }
  return s;
}

void HostManager::SyncHosts() {
  hosts_version_ = backend_.HostsVersion();
  absl::flat_hash_set<std::string> present;
  for (const backend::HostInfo& h : backend_.Hosts()) {
    present.insert(h.hostname);
    absl::StatusOr<uint32_t> index = cluster_.FindHost(h.hostname);
    if (index.ok() && maintenance_.contains(*index)) continue;  // its state is maintenance's
    if (!index.ok()) {
      placement::HostSpec spec = SpecOf(h);
      // A malformed host stays out (the backend validates what it reports).
      if (cluster_.AddHost(spec).ok()) specs_.push_back(std::move(spec));
    } else if (cluster_.host(*index).state == placement::HostState::kDown) {
      SetState(cluster_, *index, placement::HostState::kUp);
    }
  }
  for (uint32_t i = 0; i < cluster_.size(); ++i) {
    if (!present.contains(cluster_.host(i).name) && !maintenance_.contains(i) &&
        cluster_.host(i).state == placement::HostState::kUp) {
      SetState(cluster_, i, placement::HostState::kDown);
    }
  }
}

std::vector<placement::HostSpec> HostManager::HostSpecs() const {
  std::vector<placement::HostSpec> out = specs_;
  for (uint32_t h = 0; h < out.size(); ++h) out[h].state = cluster_.host(h).state;
  return out;
}

void HostManager::Hold(CompactString task_id, placement::Allocation allocation) {
  allocations_[std::move(task_id)] = std::move(allocation);
}

Resources HostManager::Capacity() const { return cluster_.UpCapacity(); }

Resources HostManager::Slack() const { return Resources::Of(cluster_.UpRevocableCpu(), 0, 0, 0); }

absl::Status HostManager::Launch(placement::Allocation allocation,
                                 const backend::LaunchSpec& spec) {
  if (absl::Status s = backend_.Launch(spec); !s.ok()) {
    if (absl::Status r = cluster_.Release(allocation); !r.ok()) {
      spdlog::error("task {}: not launched, and its allocation not released: {}", spec.task_id,
                    std::string(r.message()));
    }
    return s;
  }
  Hold(spec.task_id, std::move(allocation));
  return absl::OkStatus();
}

absl::Status HostManager::Release(const placement::Allocation& allocation) {
  return cluster_.Release(allocation);
}

absl::Status HostManager::Kill(const std::string& task_id) { return backend_.Kill(task_id); }

void HostManager::Ended(const backend::TaskStatus& status) {
  auto it = allocations_.find(status.task_id);
  if (it == allocations_.end()) return;
  if (absl::Status s = cluster_.Release(it->second); !s.ok()) {
    spdlog::error("task {}: ended, but its allocation not released: {}", status.task_id,
                  std::string(s.message()));
  }
  allocations_.erase(it);
}

std::vector<backend::TaskStatus> HostManager::Poll() {
  std::vector<backend::TaskStatus> statuses = backend_.Poll();
  if (backend_.HostsVersion() != hosts_version_) SyncHosts();
  for (const backend::TaskStatus& s : statuses) {
    if (IsTerminal(s.state)) Ended(s);
  }
  DownDrainedHosts();
  ApplyOffers();
  return statuses;
}

void HostManager::ApplyOffers() {
  const std::optional<absl::flat_hash_map<std::string, Resources>> offered = backend_.Offered();
  if (!offered.has_value()) return;
  for (uint32_t h = 0; h < cluster_.size(); ++h) {
    const placement::Host& host = cluster_.host(h);
    if (host.state != placement::HostState::kUp) continue;
    auto it = offered->find(host.name);
    const Resources offer = it == offered->end() ? Resources() : it->second;
    const Resources unallocated = host.free + host.reserved;
    Resources reserve = unallocated - Resources::Min(unallocated, offer);
    reserve[ResourceKind::kGpu] = 0;  // GPU devices are not reserved this way
    if (reserve == host.reserved) continue;
    if (absl::Status s = cluster_.SetReserved(h, reserve); !s.ok()) {
      spdlog::warn("host {}: offers not applied: {}", host.name, std::string(s.message()));
    }
  }
}

absl::StatusOr<std::vector<uint32_t>> HostManager::HostsIn(
    const std::vector<std::string>& hostnames, std::initializer_list<placement::HostState> states,
    absl::string_view what) const {
  if (hostnames.empty()) return absl::InvalidArgumentError("hostnames: none given");
  std::vector<uint32_t> out;
  for (const std::string& name : hostnames) {
    absl::StatusOr<uint32_t> index = cluster_.FindHost(name);
    if (!index.ok()) return index.status();
    const placement::HostState state = cluster_.host(*index).state;
    if (std::find(states.begin(), states.end(), state) == states.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("host '", name, "' is ", taskfsm::Name(state), " (rule: ", what, ")"));
    }
    out.push_back(*index);
  }
  return out;
}

absl::Status HostManager::StartMaintenance(const std::vector<std::string>& hostnames) {
  PELOTON_ASSIGN_OR_RETURN(
      std::vector<uint32_t> hosts,
      HostsIn(hostnames, {placement::HostState::kUp}, "only an UP host goes into maintenance"));
  PELOTON_RETURN_IF_ERROR(StoreThenTell(hostnames, hosts, placement::HostState::kDraining,
                                        &backend::Backend::DrainHosts));
  for (uint32_t h : hosts) {
    maintenance_.insert(h);
    SetState(cluster_, h, placement::HostState::kDraining);
  }
  DownDrainedHosts();  // hosts with nothing on them go down at once
  return absl::OkStatus();
}

absl::Status HostManager::CompleteMaintenance(const std::vector<std::string>& hostnames) {
  PELOTON_ASSIGN_OR_RETURN(std::vector<uint32_t> hosts,
                           HostsIn(hostnames,
                                   {placement::HostState::kDraining, placement::HostState::kDrained,
                                    placement::HostState::kDown},
                                   "only a host under maintenance completes it"));
  for (uint32_t h : hosts) {
    if (!maintenance_.contains(h)) {
      return absl::FailedPreconditionError(
          absl::StrCat("host '", cluster_.host(h).name,
                       "' is down but not for maintenance (rule: only a host "
                       "under maintenance completes it)"));
    }
  }
  PELOTON_RETURN_IF_ERROR(
      StoreThenTell(hostnames, hosts, placement::HostState::kUp, &backend::Backend::UpHosts));
  for (uint32_t h : hosts) {
    maintenance_.erase(h);
    SetState(cluster_, h, placement::HostState::kUp);
  }
  return absl::OkStatus();
}

void HostManager::DownDrainedHosts() {
  // After a restart, a draining host looks empty until the job manager has reconciled the tasks
  // on it: taking it down then would end them (Mesos) instead of moving them.
  if (!reconciled_) return;
  std::vector<std::string> drained;
  std::vector<uint32_t> indices;
  for (uint32_t h : maintenance_) {
    const placement::Host& host = cluster_.host(h);
    if ((host.state == placement::HostState::kDraining ||
         host.state == placement::HostState::kDrained) &&
        host.tasks == 0) {
      SetState(cluster_, h, placement::HostState::kDrained);
      drained.push_back(host.name);
      indices.push_back(h);
    }
  }
  if (drained.empty()) return;
  // DRAINED until the backend has them down; tried again at the next poll if it cannot. (A
  // restart in between finds them DRAINING in the store, and they are taken down again.)
  if (!backend_.DownHosts(drained).ok()) return;
  if (absl::Status s = StoreMaintenance(drained, placement::HostState::kDown); !s.ok()) {
    spdlog::error("host maintenance not stored: {}", std::string(s.message()));
  }
  for (uint32_t h : indices) SetState(cluster_, h, placement::HostState::kDown);
}

std::vector<HostStatus> HostManager::ListHosts() const {
  std::vector<HostStatus> out;
  out.reserve(cluster_.size());
  for (uint32_t h = 0; h < cluster_.size(); ++h) {
    const placement::Host& host = cluster_.host(h);
    HostStatus& s = out.emplace_back();
    s.hostname = host.name;
    s.state = host.state;
    s.tasks = host.tasks;
    s.capacity = host.capacity;
    s.free = host.free;
    s.attributes.assign(host.attributes.begin(), host.attributes.end());
    std::sort(s.attributes.begin(), s.attributes.end());
    s.revocable_cpu = host.revocable_cpu;
    s.revocable_free_cpu = host.revocable_free_cpu;
  }
  return out;
}

std::vector<std::string> HostManager::TasksOnDrainingHosts() const {
  std::vector<std::string> out;
  if (maintenance_.empty()) return out;
  for (const auto& [id, a] : allocations_) {
    if (cluster_.host(a.host).state == placement::HostState::kDraining) out.push_back(id.str());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<backend::TaskStatus> HostManager::Reconcile(const std::vector<RunningTask>& tasks) {
  // A cluster backend may have learnt its hosts since (Mesos: at its start).
  if (backend_.HostsVersion() != hosts_version_) SyncHosts();
  std::vector<std::string> ids;
  for (const RunningTask& t : tasks) {
    ids.push_back(t.spec.id);
    if (allocations_.contains(t.spec.id)) continue;
    absl::StatusOr<uint32_t> host = cluster_.FindHost(t.hostname);
    if (!host.ok()) continue;  // the host is gone: the backend reports the task lost
    // The task holds these resources on its host whatever the cluster says now.
    if (absl::StatusOr<placement::Allocation> a = cluster_.Allocate(*host, t.spec); a.ok()) {
      Hold(t.spec.id, *std::move(a));
    }
  }
  std::vector<backend::TaskStatus> statuses = backend_.Reconcile(ids);
  for (const backend::TaskStatus& s : statuses) {
    if (IsTerminal(s.state)) Ended(s);
  }
  reconciled_ = true;
  return statuses;
}

}  // namespace peloton::hostmgr
