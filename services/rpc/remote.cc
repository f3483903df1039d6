// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/remote.h"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "peloton/common/status_macros.h"
#include "services/api/internal_convert.h"
#include "services/rpc/guard.h"
#include "services/rpc/internal_servers.h"
#include "spdlog/spdlog.h"

namespace peloton::rpc {

namespace wire = ::peloton::api::internal;
using wire::Bytes;
using wire::Get;
using wire::Set;
using wire::StatusOf;
using wire::Str;

namespace {

// Runs `call` (which waits for its answer); a failure becomes Unavailable and the next call
// connects again. Every kind of failure does: kj reports a Unix socket that does not exist yet
// as FAILED, not DISCONNECTED, and that connection would never recover.
template <typename Call>
auto Calling(Peer& peer, Call&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const kj::Exception& e) {
    return peer.Failed(e);
  }
}

// For the calls whose interface has no error to return: the value, or (logged) an empty one.
template <typename T>
T ValueOrWarn(absl::StatusOr<T> value, const std::string& what) {
  if (value.ok()) return *std::move(value);
  spdlog::warn("{}: {}", what, std::string(value.status().message()));
  return T();
}

// Sends a notification about one task without waiting for it; a failure is logged.
// `fill(request)` sets the task id and anything else.
template <typename Client, typename MakeRequest, typename Fill>
void Notify(Peer& peer, const std::string& what, MakeRequest make, Fill fill) {
  try {
    auto request = make(peer.Get<Client>());
    fill(request);
    request.send().ignoreResult().detach([name = peer.name(), what](kj::Exception&& e) {
      spdlog::warn("{}: {} was lost: {}", name, what, e.getDescription().cStr());
    });
  } catch (const kj::Exception& e) {
    spdlog::warn("{}: {}", what, std::string(peer.Failed(e).message()));
  }
}

}  // namespace

absl::Status WaitUntilUp(const std::function<absl::Status()>& ping, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    absl::Status s = ping();
    // Credentials refused are not waited out: they are the file's to fix.
    if (s.ok() || s.code() == absl::StatusCode::kUnauthenticated || absl::Now() >= deadline) {
      return s;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

void Incarnation::Saw(std::string incarnation) {
  if (incarnation.empty() || incarnation == known_) return;
  if (!known_.empty()) restarted_ = true;
  known_ = std::move(incarnation);
}

// ---- resource manager

namespace {

// A client's name as a consumer of a fan-out (events, preemptedTasks): unique to the client
// object, so that each job manager (each client in a test) takes every item.
std::string ConsumerName() {
  static std::atomic<uint64_t> clients{0};
  return absl::StrCat(getpid(), "-", absl::ToUnixNanos(absl::Now()), "-", clients++);
}

}  // namespace

RemoteResourceManager::RemoteResourceManager(std::string address, PeerOptions options)
    : peer_("resmgr", std::move(address), "", std::move(options)), consumer_(ConsumerName()) {}

absl::Status RemoteResourceManager::Ping() {
  return Calling(peer_, [&]() -> absl::Status {
    auto response =
        peer_.Get<wire::ResourceManager>().incarnationRequest().send().wait(peer_.wait_scope());
    incarnation_.Saw(Str(response.getIncarnation()));
    return absl::OkStatus();
  });
}

absl::Status RemoteResourceManager::ReturnGangs(std::vector<resmgr::ReadyGang> gangs) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::ResourceManager>().returnGangsRequest();
    auto list = request.initGangs(static_cast<unsigned>(gangs.size()));
    for (size_t i = 0; i < gangs.size(); ++i) SetReadyGang(gangs[i], list[i]);
    request.send().wait(peer_.wait_scope());
    return absl::OkStatus();
  });
}

absl::StatusOr<size_t> RemoteResourceManager::ResetPlacing() {
  return Calling(peer_, [&]() -> absl::StatusOr<size_t> {
    auto response =
        peer_.Get<wire::ResourceManager>().resetPlacingRequest().send().wait(peer_.wait_scope());
    return static_cast<size_t>(response.getCount());
  });
}

absl::StatusOr<PoolId> RemoteResourceManager::CreatePool(
    absl::string_view path, const resmgr::respool_pb::ResourcePoolConfig& config) {
  return Calling(peer_, [&]() -> absl::StatusOr<PoolId> {
    auto request = peer_.Get<wire::ResourceManager>().createPoolRequest();
    request.setPath(std::string(path));
    const std::string bytes = config.SerializeAsString();
    request.setConfig(Bytes(bytes));
    auto response = request.send().wait(peer_.wait_scope());
    if (absl::Status s = StatusOf(response.getStatus()); !s.ok()) return s;
    return PoolId(Str(response.getId()));
  });
}

absl::Status RemoteResourceManager::UpdatePool(
    absl::string_view path, const resmgr::respool_pb::ResourcePoolConfig& config) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::ResourceManager>().updatePoolRequest();
    request.setPath(std::string(path));
    const std::string bytes = config.SerializeAsString();
    request.setConfig(Bytes(bytes));
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

absl::Status RemoteResourceManager::DeletePool(absl::string_view path) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::ResourceManager>().deletePoolRequest();
    request.setPath(std::string(path));
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

absl::StatusOr<resmgr::PoolInfo> RemoteResourceManager::GetPoolById(const PoolId& id) const {
  return Calling(peer_, [&]() -> absl::StatusOr<resmgr::PoolInfo> {
    auto request = peer_.Get<wire::ResourceManager>().getPoolRequest();
    request.setId(id.value());
    auto response = request.send().wait(peer_.wait_scope());
    if (absl::Status s = StatusOf(response.getStatus()); !s.ok()) return s;
    return GetPoolInfo(response.getPool());
  });
}

absl::StatusOr<PoolId> RemoteResourceManager::LookupPoolId(absl::string_view path) const {
  return Calling(peer_, [&]() -> absl::StatusOr<PoolId> {
    auto request = peer_.Get<wire::ResourceManager>().lookupPoolRequest();
    request.setPath(std::string(path));
    auto response = request.send().wait(peer_.wait_scope());
    if (absl::Status s = StatusOf(response.getStatus()); !s.ok()) return s;
    return PoolId(Str(response.getId()));
  });
}

std::vector<resmgr::PoolInfo> RemoteResourceManager::ListPools() const {
  absl::StatusOr<std::vector<resmgr::PoolInfo>> pools =
      Calling(peer_, [&]() -> absl::StatusOr<std::vector<resmgr::PoolInfo>> {
        auto response =
            peer_.Get<wire::ResourceManager>().listPoolsRequest().send().wait(peer_.wait_scope());
        std::vector<resmgr::PoolInfo> out;
        for (wire::PoolInfo::Reader p : response.getPools()) {
          absl::StatusOr<resmgr::PoolInfo> info = GetPoolInfo(p);
          if (!info.ok()) return info.status();
          out.push_back(*std::move(info));
        }
        return out;
      });
  return ValueOrWarn(std::move(pools), "listing pools");
}

absl::Status RemoteResourceManager::EnqueueGang(const PoolId& pool, fairshare::Gang gang) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::ResourceManager>().enqueueGangRequest();
    request.setPool(pool.value());
    Set(gang, request.initGang());
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

absl::Status RemoteResourceManager::RemoveGang(absl::string_view gang_id) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::ResourceManager>().removeGangRequest();
    request.setGangId(std::string(gang_id));
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

void RemoteResourceManager::TaskEnded(absl::string_view task_id) {
  Notify<wire::ResourceManager>(
      peer_, absl::StrCat("task ", task_id, " ended"),
      [](auto client) { return client.tasksEndedRequest(); },
      [&](auto& request) { request.initTaskIds(1).set(0, std::string(task_id)); });
}

void RemoteResourceManager::TaskLaunched(absl::string_view task_id, absl::Time when) {
  Notify<wire::ResourceManager>(
      peer_, absl::StrCat("task ", task_id, " launched"),
      [](auto client) { return client.tasksLaunchedRequest(); },
      [&](auto& request) {
        request.initTaskIds(1).set(0, std::string(task_id));
        request.setTimeUnixNanos(absl::ToUnixNanos(when));
      });
}

absl::Status RemoteResourceManager::AdoptTask(const PoolId& pool, absl::string_view task_id,
                                              const fairshare::Allocation& allocation,
                                              uint32_t priority) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::ResourceManager>().adoptTaskRequest();
    request.setPool(pool.value());
    request.setTaskId(std::string(task_id));
    Set(allocation, request.initAllocation());
    request.setPriority(priority);
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

std::vector<resmgr::ReadyGang> RemoteResourceManager::DequeueReady(size_t limit) {
  absl::StatusOr<std::vector<resmgr::ReadyGang>> gangs =
      Calling(peer_, [&]() -> absl::StatusOr<std::vector<resmgr::ReadyGang>> {
        auto request = peer_.Get<wire::ResourceManager>().dequeueGangsRequest();
        request.setLimit(static_cast<uint32_t>(limit));
        auto response = request.send().wait(peer_.wait_scope());
        std::vector<resmgr::ReadyGang> out;
        for (wire::ReadyGang::Reader g : response.getGangs()) out.push_back(GetReadyGang(g));
        return out;
      });
  return ValueOrWarn(std::move(gangs), "dequeuing gangs");
}

absl::StatusOr<std::vector<std::string>> RemoteResourceManager::TakePreempted() {
  return Calling(peer_, [&]() -> absl::StatusOr<std::vector<std::string>> {
    auto request = peer_.Get<wire::ResourceManager>().preemptedTasksRequest();
    request.setConsumer(consumer_);
    auto response = request.send().wait(peer_.wait_scope());
    incarnation_.Saw(Str(response.getIncarnation()));
    if (response.getLost()) {
      // Preemption chooses again at its next round what still has to go.
      spdlog::warn("preempted tasks: some were dropped before this job manager took them");
    }
    return Get(response.getTaskIds());
  });
}

// ---- host manager

RemoteHostManager::RemoteHostManager(std::string address, PeerOptions options)
    : peer_("hostmgr", std::move(address), "", std::move(options)), consumer_(ConsumerName()) {}

absl::Status RemoteHostManager::Ping() {
  return Calling(peer_, [&]() -> absl::Status {
    auto response =
        peer_.Get<wire::HostManager>().incarnationRequest().send().wait(peer_.wait_scope());
    incarnation_.Saw(Str(response.getIncarnation()));
    return absl::OkStatus();
  });
}

absl::StatusOr<fairshare::ClusterCapacity> RemoteHostManager::CapacityOrError() const {
  return Calling(peer_, [&]() -> absl::StatusOr<fairshare::ClusterCapacity> {
    auto response =
        peer_.Get<wire::HostManager>().capacityRequest().send().wait(peer_.wait_scope());
    return fairshare::ClusterCapacity{Get(response.getResources()), Get(response.getSlack())};
  });
}

Resources RemoteHostManager::Capacity() const {
  absl::StatusOr<fairshare::ClusterCapacity> capacity = CapacityOrError();
  return capacity.ok() ? capacity->total
                       : ValueOrWarn(absl::StatusOr<Resources>(capacity.status()),
                                     "cluster capacity");
}

Resources RemoteHostManager::Slack() const {
  absl::StatusOr<fairshare::ClusterCapacity> capacity = CapacityOrError();
  return capacity.ok() ? capacity->slack
                       : ValueOrWarn(absl::StatusOr<Resources>(capacity.status()),
                                     "cluster slack");
}

absl::Status RemoteHostManager::Snapshot(placement::Cluster& cluster) {
  return FetchSnapshot(cluster, consumer_);
}

absl::Status RemoteHostManager::FetchSnapshot(placement::Cluster& cluster,
                                              const std::string& engine) const {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::HostManager>().snapshotRequest();
    request.setEngine(engine);
    auto response = request.send().wait(peer_.wait_scope());
    if (absl::Status s = StatusOf(response.getStatus()); !s.ok()) return s;
    cluster = placement::Cluster();
    names_.clear();
    for (wire::Host::Reader h : response.getHosts()) {
      absl::StatusOr<placement::HostSpec> spec = Get(h);
      if (!spec.ok()) return spec.status();
      absl::StatusOr<uint32_t> index = cluster.AddHost(*spec);
      if (!index.ok()) return index.status();
      if (spec->state != placement::HostState::kUp) {
        if (absl::Status s = cluster.SetHostState(*index, spec->state); !s.ok()) return s;
      }
      names_.push_back(spec->name);
    }
    for (wire::Allocation::Reader a : response.getAllocations()) {
      absl::StatusOr<placement::Allocation> allocation = Get(a, cluster);
      if (!allocation.ok()) return allocation.status();
      if (absl::Status s = cluster.Claim(*allocation); !s.ok()) return s;
    }
    // What the hosts hold outside the allocations (offers not covering them), last.
    uint32_t index = 0;
    for (wire::Host::Reader h : response.getHosts()) {
      const Resources reserved = Get(h.getReserved());
      if (!reserved.IsZero()) {
        if (absl::Status s = cluster.SetReserved(index, reserved); !s.ok()) return s;
      }
      ++index;
    }
    return absl::OkStatus();
  });
}

std::string RemoteHostManager::HostName(uint32_t host) const {
  if (host >= names_.size()) {
    placement::Cluster cluster;
    if (absl::Status s = FetchSnapshot(cluster, /*engine=*/""); !s.ok()) {
      spdlog::warn("host names: {}", std::string(s.message()));
    }
  }
  return host < names_.size() ? names_[host] : std::string();
}

absl::Status RemoteHostManager::Launch(placement::Allocation allocation,
                                       const backend::LaunchSpec& spec) {
  const std::string hostname = HostName(allocation.host);
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::HostManager>().launchRequest();
    Set(allocation, hostname, request.initAllocation());
    Set(spec, request.initSpec());
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

absl::Status RemoteHostManager::Release(const placement::Allocation&) { return absl::OkStatus(); }

absl::Status RemoteHostManager::Kill(const std::string& task_id) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::HostManager>().killRequest();
    request.setTaskId(task_id);
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

namespace {

std::vector<backend::TaskStatus> StatusesOf(capnp::List<wire::TaskStatus>::Reader in) {
  std::vector<backend::TaskStatus> out;
  out.reserve(in.size());
  for (wire::TaskStatus::Reader s : in) {
    absl::StatusOr<backend::TaskStatus> status = Get(s);
    if (status.ok()) {
      out.push_back(*std::move(status));
    } else {
      spdlog::warn("task status dropped: {}", std::string(status.status().message()));
    }
  }
  return out;
}

}  // namespace

std::vector<backend::TaskStatus> RemoteHostManager::Poll() {
  absl::StatusOr<std::vector<backend::TaskStatus>> statuses =
      Calling(peer_, [&]() -> absl::StatusOr<std::vector<backend::TaskStatus>> {
        auto request = peer_.Get<wire::HostManager>().eventsRequest();
        request.setConsumer(consumer_);
        auto response = request.send().wait(peer_.wait_scope());
        incarnation_.Saw(Str(response.getIncarnation()));
        if (response.getLost()) {
          spdlog::warn("task events: some were dropped before this job manager took them");
          incarnation_.Lost();
        }
        return StatusesOf(response.getStatuses());
      });
  return ValueOrWarn(std::move(statuses), "task events");
}

absl::Status RemoteHostManager::Shutdown(const std::string& task_id) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::HostManager>().shutdownRequest();
    request.setTaskId(task_id);
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

absl::Status RemoteHostManager::DestroyVolume(const std::string& hostname,
                                              const std::string& volume_id) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::HostManager>().destroyVolumeRequest();
    request.setHostname(hostname);
    request.setVolumeId(volume_id);
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

absl::Status RemoteHostManager::StartMaintenance(const std::vector<std::string>& hostnames) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::HostManager>().startMaintenanceRequest();
    Set(hostnames, request.initHostnames(static_cast<unsigned>(hostnames.size())));
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

absl::Status RemoteHostManager::CompleteMaintenance(const std::vector<std::string>& hostnames) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::HostManager>().completeMaintenanceRequest();
    Set(hostnames, request.initHostnames(static_cast<unsigned>(hostnames.size())));
    return StatusOf(request.send().wait(peer_.wait_scope()).getStatus());
  });
}

std::vector<hostmgr::HostStatus> RemoteHostManager::ListHosts() const {
  absl::StatusOr<std::vector<hostmgr::HostStatus>> hosts =
      Calling(peer_, [&]() -> absl::StatusOr<std::vector<hostmgr::HostStatus>> {
        auto response =
            peer_.Get<wire::HostManager>().listHostsRequest().send().wait(peer_.wait_scope());
        std::vector<hostmgr::HostStatus> out;
        for (wire::HostStatus::Reader h : response.getHosts()) {
          absl::StatusOr<placement::HostState> state = wire::HostStateOf(h.getState());
          if (!state.ok()) return state.status();
          out.push_back({Str(h.getHostname()), *state, h.getTasks(), wire::Get(h.getCapacity()),
                         wire::Get(h.getFree()), wire::GetPairs(h.getAttributes()),
                         h.getRevocableMilliCpu(), h.getRevocableFreeMilliCpu()});
        }
        return out;
      });
  return ValueOrWarn(std::move(hosts), "listing hosts");
}

std::vector<std::string> RemoteHostManager::TasksOnDrainingHosts() const {
  absl::StatusOr<std::vector<std::string>> ids =
      Calling(peer_, [&]() -> absl::StatusOr<std::vector<std::string>> {
        auto response =
            peer_.Get<wire::HostManager>().drainingTasksRequest().send().wait(peer_.wait_scope());
        return Get(response.getTaskIds());
      });
  return ValueOrWarn(std::move(ids), "tasks on draining hosts");
}

std::vector<backend::TaskStatus> RemoteHostManager::Reconcile(
    const std::vector<hostmgr::RunningTask>& tasks) {
  absl::StatusOr<std::vector<backend::TaskStatus>> statuses =
      Calling(peer_, [&]() -> absl::StatusOr<std::vector<backend::TaskStatus>> {
        auto request = peer_.Get<wire::HostManager>().reconcileRequest();
        request.setConsumer(consumer_);
        auto list = request.initTasks(static_cast<unsigned>(tasks.size()));
        for (size_t i = 0; i < tasks.size(); ++i) {
          list[i].setHostname(tasks[i].hostname);
          Set(tasks[i].spec, list[i].initSpec());
        }
        return StatusesOf(request.send().wait(peer_.wait_scope()).getStatuses());
      });
  return ValueOrWarn(std::move(statuses), absl::StrCat("reconciling ", tasks.size(), " tasks"));
}

// ---- job manager

RemoteJobManager::RemoteJobManager(std::string address, PeerOptions options)
    : peer_("jobmgr", std::move(address), "jobmgr", std::move(options)) {}

absl::StatusOr<absl::flat_hash_map<std::string, placement::TaskSpec>> RemoteJobManager::TaskSpecs(
    const std::vector<std::string>& task_ids) {
  using Specs = absl::flat_hash_map<std::string, placement::TaskSpec>;
  return Calling(peer_, [&]() -> absl::StatusOr<Specs> {
    auto request = peer_.Get<wire::JobManager>().taskSpecsRequest();
    Set(task_ids, request.initTaskIds(static_cast<unsigned>(task_ids.size())));
    auto response = request.send().wait(peer_.wait_scope());
    Specs out;
    for (wire::MaybeTaskSpec::Reader s : response.getSpecs()) {
      if (!s.getFound()) continue;
      absl::StatusOr<placement::TaskSpec> spec = Get(s.getSpec());
      if (!spec.ok()) return spec.status();
      std::string id = spec->id;
      out.emplace(std::move(id), *std::move(spec));
    }
    return out;
  });
}

absl::StatusOr<placement_engine::SpecLookup> RemoteJobManager::WaitingSpecs(
    const std::vector<std::string>& task_ids) {
  PELOTON_ASSIGN_OR_RETURN(auto specs, TaskSpecs(task_ids));
  auto shared = std::make_shared<const decltype(specs)>(std::move(specs));
  return placement_engine::SpecLookup(
      [shared](absl::string_view id) -> absl::StatusOr<placement::TaskSpec> {
        auto it = shared->find(id);
        if (it == shared->end()) return absl::NotFoundError(id);
        return it->second;
      });
}

absl::Status RemoteJobManager::SetPlacements(
    std::vector<placement_engine::PlacedGang>& placed,
    const std::vector<resmgr::ReadyGang>& dropped,
    const std::vector<placement_engine::PlacementVerdict>& verdicts,
    const placement::Cluster& cluster) {
  return Calling(peer_, [&]() -> absl::Status {
    auto request = peer_.Get<wire::JobManager>().setPlacementsRequest();
    auto placed_list = request.initPlaced(static_cast<unsigned>(placed.size()));
    for (size_t i = 0; i < placed.size(); ++i) {
      placed_list[i].setPool(placed[i].pool.value());
      Set(placed[i].gang, placed_list[i].initGang());
      auto allocations =
          placed_list[i].initAllocations(static_cast<unsigned>(placed[i].allocations.size()));
      for (size_t k = 0; k < placed[i].allocations.size(); ++k) {
        const placement::Allocation& a = placed[i].allocations[k];
        Set(a, cluster.host(a.host).name, allocations[k]);
      }
    }
    auto dropped_list = request.initDropped(static_cast<unsigned>(dropped.size()));
    for (size_t i = 0; i < dropped.size(); ++i) SetReadyGang(dropped[i], dropped_list[i]);
    auto verdict_list = request.initVerdicts(static_cast<unsigned>(verdicts.size()));
    for (size_t i = 0; i < verdicts.size(); ++i) {
      verdict_list[i].setTaskId(verdicts[i].task_id);
      verdict_list[i].setNever(verdicts[i].reason.has_value());
      if (verdicts[i].reason.has_value()) {
        verdict_list[i].setReason(static_cast<uint8_t>(*verdicts[i].reason));
      }
    }
    request.send().wait(peer_.wait_scope());
    return absl::OkStatus();
  });
}

}  // namespace peloton::rpc
