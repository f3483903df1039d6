// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/internal_servers.h"

#include <unistd.h>

#include <numeric>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "capnp/message.h"
#include "kj/debug.h"
#include "kj/vector.h"
#include "peloton/taskfsm/task_id.h"
#include "services/api/internal_convert.h"
#include "spdlog/spdlog.h"

namespace peloton::rpc {

namespace wire = ::peloton::api::internal;
using wire::Bytes;
using wire::Get;
using wire::Set;
using wire::SetStatus;
using wire::Str;

void SetPoolInfo(const resmgr::PoolInfo& info, wire::PoolInfo::Builder out) {
  out.setId(info.id.value());
  out.setPath(info.path);
  out.setConfig(Bytes(info.config.SerializeAsString()));
  auto children = out.initChildren(static_cast<unsigned>(info.children.size()));
  for (size_t i = 0; i < info.children.size(); ++i) children.set(i, info.children[i].value());
  Set(info.demand, out.initDemand());
  Set(info.allocation.total, out.initAllocation());
  Set(info.entitlement, out.initEntitlement());
  Set(info.allocation.slack, out.initSlackAllocation());
  Set(info.slack_demand, out.initSlackDemand());
  Set(info.slack_entitlement, out.initSlackEntitlement());
  Set(info.slack_limit, out.initSlackLimit());
}

absl::StatusOr<resmgr::PoolInfo> GetPoolInfo(wire::PoolInfo::Reader in) {
  resmgr::PoolInfo info;
  info.id = PoolId(Str(in.getId()));
  info.path = Str(in.getPath());
  if (!api::ParseInto(in.getConfig(), info.config)) {
    return absl::DataLossError(absl::StrCat("pool ", info.path,
                                            ": config is not a v0 "
                                            "ResourcePoolConfig"));
  }
  for (capnp::Text::Reader c : in.getChildren()) info.children.push_back(PoolId(Str(c)));
  info.demand = Get(in.getDemand());
  info.allocation.total = Get(in.getAllocation());
  info.entitlement = Get(in.getEntitlement());
  info.allocation.slack = Get(in.getSlackAllocation());
  info.slack_demand = Get(in.getSlackDemand());
  info.slack_entitlement = Get(in.getSlackEntitlement());
  info.slack_limit = Get(in.getSlackLimit());
  return info;
}

void SetReadyGang(const resmgr::ReadyGang& g, wire::ReadyGang::Builder out) {
  out.setPool(g.pool.value());
  Set(g.gang, out.initGang());
}

resmgr::ReadyGang GetReadyGang(wire::ReadyGang::Reader in) {
  return {PoolId(Str(in.getPool())), Get(in.getGang())};
}

std::string NewIncarnation() { return absl::StrCat(getpid(), "-", absl::ToUnixNanos(absl::Now())); }

// ---- resource manager

ResourceManagerServer::ResourceManagerServer(SerialLoop& loop, resmgr::ResourceManager& rm)
    : loop_(loop), rm_(rm), incarnation_(NewIncarnation()) {}

void ResourceManagerServer::AddPreempted(std::vector<std::string> task_ids) {
  preempted_.Add(std::move(task_ids), absl::Now());
}

kj::Promise<void> ResourceManagerServer::createPool(CreatePoolContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    resmgr::respool_pb::ResourcePoolConfig config;
    absl::StatusOr<PoolId> id =
        api::ParseInto(params.getConfig(), config)
            ? rm_.CreatePool(Str(params.getPath()), config)
            : absl::InvalidArgumentError("config: not a v0 ResourcePoolConfig");
    SetStatus(id.status(), context.getResults().initStatus());
    if (id.ok()) context.getResults().setId(id->value());
  });
}

kj::Promise<void> ResourceManagerServer::updatePool(UpdatePoolContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    resmgr::respool_pb::ResourcePoolConfig config;
    SetStatus(api::ParseInto(params.getConfig(), config)
                  ? rm_.UpdatePool(Str(params.getPath()), config)
                  : absl::InvalidArgumentError("config: not a v0 ResourcePoolConfig"),
              context.getResults().initStatus());
  });
}

kj::Promise<void> ResourceManagerServer::deletePool(DeletePoolContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(rm_.DeletePool(Str(context.getParams().getPath())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> ResourceManagerServer::lookupPool(LookupPoolContext context) {
  return loop_.Run([this, context]() mutable {
    absl::StatusOr<PoolId> id = rm_.LookupPoolId(Str(context.getParams().getPath()));
    SetStatus(id.status(), context.getResults().initStatus());
    if (id.ok()) context.getResults().setId(id->value());
  });
}

kj::Promise<void> ResourceManagerServer::getPool(GetPoolContext context) {
  return loop_.Run([this, context]() mutable {
    absl::StatusOr<resmgr::PoolInfo> info =
        rm_.GetPoolById(PoolId(Str(context.getParams().getId())));
    SetStatus(info.status(), context.getResults().initStatus());
    if (info.ok()) SetPoolInfo(*info, context.getResults().initPool());
  });
}

kj::Promise<void> ResourceManagerServer::listPools(ListPoolsContext context) {
  return loop_.Run([this, context]() mutable {
    const std::vector<resmgr::PoolInfo> pools = rm_.ListPools();
    auto list = context.getResults().initPools(static_cast<unsigned>(pools.size()));
    for (size_t i = 0; i < pools.size(); ++i) SetPoolInfo(pools[i], list[i]);
  });
}

kj::Promise<void> ResourceManagerServer::enqueueGang(EnqueueGangContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    SetStatus(rm_.EnqueueGang(PoolId(Str(params.getPool())), Get(params.getGang())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> ResourceManagerServer::removeGang(RemoveGangContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(rm_.RemoveGang(Str(context.getParams().getGangId())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> ResourceManagerServer::tasksLaunched(TasksLaunchedContext context) {
  return loop_.Run([this, context]() mutable {
    const absl::Time when = absl::FromUnixNanos(context.getParams().getTimeUnixNanos());
    for (capnp::Text::Reader id : context.getParams().getTaskIds()) {
      rm_.TaskLaunched(Str(id), when);
    }
  });
}

kj::Promise<void> ResourceManagerServer::tasksEnded(TasksEndedContext context) {
  return loop_.Run([this, context]() mutable {
    for (capnp::Text::Reader id : context.getParams().getTaskIds()) rm_.TaskEnded(Str(id));
  });
}

kj::Promise<void> ResourceManagerServer::adoptTask(AdoptTaskContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    SetStatus(rm_.AdoptTask(PoolId(Str(params.getPool())), Str(params.getTaskId()),
                            Get(params.getAllocation()), params.getPriority()),
              context.getResults().initStatus());
  });
}

kj::Promise<void> ResourceManagerServer::preemptedTasks(PreemptedTasksContext context) {
  return loop_.Run([this, context]() mutable {
    Fanout<std::string>::Taken taken =
        preempted_.Take(Str(context.getParams().getConsumer()), absl::Now());
    Set(taken.items, context.getResults().initTaskIds(static_cast<unsigned>(taken.items.size())));
    context.getResults().setIncarnation(incarnation_);
    context.getResults().setLost(taken.lost);
  });
}

kj::Promise<void> ResourceManagerServer::returnGangs(ReturnGangsContext context) {
  return loop_.Run([this, context]() mutable {
    std::vector<resmgr::ReadyGang> gangs;
    for (wire::ReadyGang::Reader g : context.getParams().getGangs()) {
      gangs.push_back(GetReadyGang(g));
    }
    if (absl::Status s = rm_.ReturnGangs(std::move(gangs)); !s.ok()) {
      throw KJ_EXCEPTION(FAILED, "gangs not given back", std::string(s.message()).c_str());
    }
  });
}

kj::Promise<void> ResourceManagerServer::resetPlacing(ResetPlacingContext context) {
  return loop_.Run([this, context]() mutable {
    context.getResults().setCount(static_cast<uint32_t>(rm_.ResetPlacing()));
  });
}

kj::Promise<void> ResourceManagerServer::incarnation(IncarnationContext context) {
  context.getResults().setIncarnation(incarnation_);
  return kj::READY_NOW;
}

kj::Promise<void> ResourceManagerServer::dequeueGangs(DequeueGangsContext context) {
  return loop_.Run([this, context]() mutable {
    const std::vector<resmgr::ReadyGang> gangs = rm_.DequeueReady(context.getParams().getLimit());
    auto list = context.getResults().initGangs(static_cast<unsigned>(gangs.size()));
    for (size_t i = 0; i < gangs.size(); ++i) SetReadyGang(gangs[i], list[i]);
  });
}

// ---- host manager

HostManagerServer::HostManagerServer(SerialLoop& loop, hostmgr::HostManager& hm)
    : loop_(loop), hm_(hm), incarnation_(NewIncarnation()) {}

kj::Promise<void> HostManagerServer::incarnation(IncarnationContext context) {
  context.getResults().setIncarnation(incarnation_);
  return kj::READY_NOW;
}

namespace {

void SetStatuses(const std::vector<backend::TaskStatus>& statuses,
                 capnp::List<wire::TaskStatus>::Builder out) {
  for (size_t i = 0; i < statuses.size(); ++i) Set(statuses[i], out[i]);
}

}  // namespace

kj::Promise<void> HostManagerServer::capacity(CapacityContext context) {
  return loop_.Run([this, context]() mutable {
    Set(hm_.Capacity(), context.getResults().initResources());
    Set(hm_.Slack(), context.getResults().initSlack());
  });
}

namespace {

absl::Status NotReconciled() {
  return absl::UnavailableError(
      "host manager: started, and waiting for the job manager to reconcile the running tasks");
}

}  // namespace

kj::Promise<void> HostManagerServer::snapshot(SnapshotContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(reconciled_ ? absl::OkStatus() : NotReconciled(), context.getResults().initStatus());
    if (!reconciled_) return;
    const std::string engine = Str(context.getParams().getEngine());
    const std::vector<std::string>& engines = leases_.Renew(engine, absl::Now());
    if (engines != engines_) {
      engines_ = engines;
      spdlog::info("placement engines: {} (each places on its share of the hosts)",
                   absl::StrJoin(engines_, ", "));
    }
    const std::vector<placement::HostSpec> hosts = hm_.HostSpecs();
    auto results = context.getResults();
    auto host_list = results.initHosts(static_cast<unsigned>(hosts.size()));
    for (size_t i = 0; i < hosts.size(); ++i) {
      Set(hosts[i], host_list[i]);
      Set(hm_.cluster().host(static_cast<uint32_t>(i)).reserved, host_list[i].initReserved());
      // Another engine's to place on: not UP for this one (its "never fits" verdicts still
      // count the host, as they count every host UP).
      if (!hostmgr::HostLeases::Holds(engines, engine, hosts[i].name)) {
        host_list[i].setState(static_cast<uint8_t>(placement::HostState::kUnknown));
      }
    }
    auto list = results.initAllocations(static_cast<unsigned>(hm_.allocation_count()));
    unsigned i = 0;
    hm_.ForEachAllocation([&](absl::string_view, const placement::Allocation& a) {
      Set(a, hosts[a.host].name, list[i++]);
    });
  });
}

kj::Promise<void> HostManagerServer::launch(LaunchContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    absl::StatusOr<placement::Allocation> allocation = Get(params.getAllocation(), hm_.cluster());
    absl::StatusOr<backend::LaunchSpec> spec = Get(params.getSpec());
    absl::Status status = !reconciled_       ? NotReconciled()
                          : !allocation.ok() ? allocation.status()
                                             : spec.status();
    if (status.ok()) status = hm_.Claim(*allocation);
    if (status.ok()) status = hm_.Launch(*std::move(allocation), *std::move(spec));
    SetStatus(status, context.getResults().initStatus());
  });
}

kj::Promise<void> HostManagerServer::kill(KillContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(hm_.Kill(Str(context.getParams().getTaskId())), context.getResults().initStatus());
  });
}

kj::Promise<void> HostManagerServer::startMaintenance(StartMaintenanceContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(hm_.StartMaintenance(Get(context.getParams().getHostnames())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> HostManagerServer::completeMaintenance(CompleteMaintenanceContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(hm_.CompleteMaintenance(Get(context.getParams().getHostnames())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> HostManagerServer::listHosts(ListHostsContext context) {
  return loop_.Run([this, context]() mutable {
    const std::vector<hostmgr::HostStatus> hosts = hm_.ListHosts();
    auto list = context.getResults().initHosts(static_cast<unsigned>(hosts.size()));
    for (size_t i = 0; i < hosts.size(); ++i) {
      list[i].setHostname(hosts[i].hostname);
      list[i].setState(static_cast<uint8_t>(hosts[i].state));
      list[i].setTasks(hosts[i].tasks);
      wire::Set(hosts[i].capacity, list[i].initCapacity());
      wire::Set(hosts[i].free, list[i].initFree());
      wire::SetPairs(hosts[i].attributes,
                     list[i].initAttributes(static_cast<unsigned>(hosts[i].attributes.size())));
      list[i].setRevocableMilliCpu(hosts[i].revocable_cpu);
      list[i].setRevocableFreeMilliCpu(hosts[i].revocable_free_cpu);
    }
  });
}

kj::Promise<void> HostManagerServer::shutdown(ShutdownContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(hm_.Shutdown(Str(context.getParams().getTaskId())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> HostManagerServer::destroyVolume(DestroyVolumeContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(hm_.DestroyVolume(Str(context.getParams().getHostname()),
                                Str(context.getParams().getVolumeId())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> HostManagerServer::drainingTasks(DrainingTasksContext context) {
  return loop_.Run([this, context]() mutable {
    const std::vector<std::string> ids = hm_.TasksOnDrainingHosts();
    Set(ids, context.getResults().initTaskIds(static_cast<unsigned>(ids.size())));
  });
}

kj::Promise<void> HostManagerServer::events(EventsContext context) {
  return loop_.Run([this, context]() mutable {
    const absl::Time now = absl::Now();
    // A newcomer joins before the poll: what it brings is the newcomer's too.
    const std::string consumer = Str(context.getParams().getConsumer());
    events_.Join(consumer, now);
    events_.Add(hm_.Poll(), now);
    Fanout<backend::TaskStatus>::Taken taken = events_.Take(consumer, now);
    SetStatuses(taken.items,
                context.getResults().initStatuses(static_cast<unsigned>(taken.items.size())));
    context.getResults().setIncarnation(incarnation_);
    context.getResults().setLost(taken.lost);
  });
}

kj::Promise<void> HostManagerServer::reconcile(ReconcileContext context) {
  return loop_.Run([this, context]() mutable {
    std::vector<hostmgr::RunningTask> tasks;
    for (wire::RunningTask::Reader t : context.getParams().getTasks()) {
      absl::StatusOr<placement::TaskSpec> spec = Get(t.getSpec());
      if (!spec.ok()) {
        throw KJ_EXCEPTION(FAILED, std::string(spec.status().message()).c_str());
      }
      tasks.push_back({Str(t.getHostname()), *std::move(spec)});
    }
    // The caller takes every change from here on: a task that ends after this reconciliation
    // read it running is in the caller's events, whoever polls first.
    if (const std::string consumer = Str(context.getParams().getConsumer()); !consumer.empty()) {
      events_.Join(consumer, absl::Now());
    }
    const std::vector<backend::TaskStatus> statuses = hm_.Reconcile(tasks);
    reconciled_ = true;
    SetStatuses(statuses,
                context.getResults().initStatuses(static_cast<unsigned>(statuses.size())));
  });
}

// ---- job manager

namespace {

using SetPlacementsParams = wire::JobManager::SetPlacementsParams;

// The entries of a call's lists that go to one job manager, by index.
struct Part {
  std::vector<unsigned> placed, dropped, verdicts;
};

// `from`'s entries at `at`, into the list `init(n)` makes.
template <typename List, typename Init>
void CopyAt(List from, const std::vector<unsigned>& at, Init init) {
  auto to = init(static_cast<unsigned>(at.size()));
  for (unsigned j = 0; j < at.size(); ++j) to.setWithCaveats(j, from[at[j]]);
}

void FillPart(SetPlacementsParams::Reader params, const Part& part,
              SetPlacementsParams::Builder out) {
  CopyAt(params.getPlaced(), part.placed, [&](unsigned n) { return out.initPlaced(n); });
  CopyAt(params.getDropped(), part.dropped, [&](unsigned n) { return out.initDropped(n); });
  CopyAt(params.getVerdicts(), part.verdicts, [&](unsigned n) { return out.initVerdicts(n); });
}

// A call to another job manager failed: the connection goes, and so does this call.
template <typename T>
T Rethrow(JobManagerPeers& peers, const std::string& owner, kj::Exception&& e) {
  peers.Failed(owner, e);
  kj::throwFatalException(kj::mv(e));
}

}  // namespace

std::string JobManagerServer::OwnerOfTask(capnp::Text::Reader task_id) const {
  absl::StatusOr<taskfsm::MesosTaskId> id = taskfsm::ParseMesosTaskId(Str(task_id));
  if (!id.ok()) return "";  // no job's: answered here (not found)
  const JobId job(id->job_id);
  return jobs_.Owns(job) ? "" : jobs_.OwnerOf(job);
}

void JobManagerServer::LocalTaskSpecs(TaskSpecsContext context, absl::Span<const unsigned> at) {
  auto ids = context.getParams().getTaskIds();
  auto list = context.getResults().getSpecs();
  for (unsigned i : at) {
    absl::StatusOr<placement::TaskSpec> spec = jobs_.TaskSpecOf(Str(ids[i]));
    list[i].setFound(spec.ok());
    if (spec.ok()) Set(*spec, list[i].initSpec());
  }
}

kj::Promise<void> JobManagerServer::taskSpecs(TaskSpecsContext context) {
  auto ids = context.getParams().getTaskIds();
  context.getResults().initSpecs(ids.size());
  if (peers_ == nullptr) {  // alone: every task is this one's
    return loop_.Run([this, context]() mutable {
      std::vector<unsigned> all(context.getParams().getTaskIds().size());
      std::iota(all.begin(), all.end(), 0u);
      LocalTaskSpecs(context, all);
    });
  }
  std::vector<unsigned> local;
  absl::flat_hash_map<std::string, std::vector<unsigned>> remote;
  for (unsigned i = 0; i < ids.size(); ++i) {
    const std::string owner = OwnerOfTask(ids[i]);
    (owner.empty() ? local : remote[owner]).push_back(i);
  }
  kj::Vector<kj::Promise<void>> parts;
  for (auto& [owner, at] : remote) {
    absl::StatusOr<wire::JobManager::Client> peer = peers_->Internal(owner);
    if (!peer.ok()) {
      return KJ_EXCEPTION(DISCONNECTED, std::string(peer.status().message()).c_str());
    }
    auto request = peer->taskSpecsRequest();
    auto list = request.initTaskIds(static_cast<unsigned>(at.size()));
    for (unsigned j = 0; j < at.size(); ++j) list.set(j, ids[at[j]]);
    parts.add(request.send().then(
        [context,
         at = std::move(at)](capnp::Response<wire::JobManager::TaskSpecsResults>&& answer) mutable {
          auto specs = context.getResults().getSpecs();
          auto got = answer.getSpecs();
          for (unsigned j = 0; j < at.size() && j < got.size(); ++j) {
            specs.setWithCaveats(at[j], got[j]);
          }
        },
        [this, owner = owner](kj::Exception&& e) { Rethrow<void>(*peers_, owner, kj::mv(e)); }));
  }
  parts.add(loop_.Run(
      [this, context, local = std::move(local)]() mutable { LocalTaskSpecs(context, local); }));
  return kj::joinPromises(parts.releaseAsArray());
}

kj::Promise<void> JobManagerServer::setPlacements(SetPlacementsContext context) {
  if (peers_ == nullptr) {  // alone: every gang is this one's
    return loop_.Run([this, context]() mutable { ApplyPlacements(context.getParams()); });
  }
  const SetPlacementsParams::Reader params = context.getParams();
  Part local;
  absl::flat_hash_map<std::string, Part> remote;
  // A gang is one job's: its first task says whose.
  const auto owner_of_gang = [this](wire::Gang::Reader g) {
    return g.getTasks().size() == 0 ? std::string() : OwnerOfTask(g.getTasks()[0].getTaskId());
  };
  for (unsigned i = 0; i < params.getPlaced().size(); ++i) {
    const std::string owner = owner_of_gang(params.getPlaced()[i].getGang());
    (owner.empty() ? local : remote[owner]).placed.push_back(i);
  }
  for (unsigned i = 0; i < params.getDropped().size(); ++i) {
    const std::string owner = owner_of_gang(params.getDropped()[i].getGang());
    (owner.empty() ? local : remote[owner]).dropped.push_back(i);
  }
  for (unsigned i = 0; i < params.getVerdicts().size(); ++i) {
    const std::string owner = OwnerOfTask(params.getVerdicts()[i].getTaskId());
    (owner.empty() ? local : remote[owner]).verdicts.push_back(i);
  }
  if (remote.empty()) {
    return loop_.Run([this, context]() mutable { ApplyPlacements(context.getParams()); });
  }
  kj::Vector<kj::Promise<void>> parts;
  for (const auto& [owner, part] : remote) {
    absl::StatusOr<wire::JobManager::Client> peer = peers_->Internal(owner);
    if (!peer.ok()) {
      return KJ_EXCEPTION(DISCONNECTED, std::string(peer.status().message()).c_str());
    }
    auto request = peer->setPlacementsRequest();
    FillPart(params, part, request);
    parts.add(request.send().ignoreResult().catch_(
        [this, owner = owner](kj::Exception&& e) { Rethrow<void>(*peers_, owner, kj::mv(e)); }));
  }
  auto message = kj::heap<capnp::MallocMessageBuilder>();
  FillPart(params, local, message->initRoot<SetPlacementsParams>());
  parts.add(loop_.Run([this, message = kj::mv(message)]() mutable {
    ApplyPlacements(message->getRoot<SetPlacementsParams>().asReader());
  }));
  return kj::joinPromises(parts.releaseAsArray());
}

void JobManagerServer::ApplyPlacements(SetPlacementsParams::Reader params) {
  std::vector<resmgr::ReadyGang> dropped;
  for (wire::ReadyGang::Reader g : params.getDropped()) dropped.push_back(GetReadyGang(g));
  std::vector<placement_engine::PlacedGang> placed;
  for (wire::PlacedGang::Reader g : params.getPlaced()) {
    placement_engine::PlacedGang p{PoolId(Str(g.getPool())), Get(g.getGang()), {}};
    if (g.getAllocations().size() != p.gang.tasks.size()) {
      throw KJ_EXCEPTION(FAILED, "placed gang: one allocation per task", std::string(p.gang.Id()));
    }
    // The host manager checks each allocation's host when it claims it.
    for (wire::Allocation::Reader a : g.getAllocations()) {
      p.allocations.push_back(wire::GetUnchecked(a));
    }
    placed.push_back(std::move(p));
  }
  std::vector<placement_engine::PlacementVerdict> verdicts;
  for (wire::PlacementVerdict::Reader v : params.getVerdicts()) {
    placement_engine::PlacementVerdict verdict{Str(v.getTaskId()), std::nullopt};
    if (v.getNever()) {
      // Only a name in the job manager's message: an unknown number reads as UNKNOWN.
      verdict.reason = static_cast<placement::FilterReason>(v.getReason());
    }
    verdicts.push_back(std::move(verdict));
  }
  jobs_.Dropped(dropped);
  jobs_.OnVerdicts(verdicts);
  jobs_.Launch(std::move(placed));
}

}  // namespace peloton::rpc
