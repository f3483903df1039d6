// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/peloton_service.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "capnp/dynamic.h"
#include "capnp/schema.h"
#include "peloton/common/fnv.h"
#include "peloton/common/status_macros.h"
#include "services/api/internal_convert.h"
#include "services/api/respool_convert.h"
#include "services/api/stateless_convert.h"
#include "services/common/files.h"
#include "spdlog/spdlog.h"

namespace peloton::rpc {
namespace {

using api::internal::Str;

// Refusals are logged at debug level: the caller gets the message.
void SetStatus(const absl::Status& status, api::Status::Builder out) {
  api::internal::SetStatus(status, out);
  if (!status.ok()) spdlog::debug("refused: {}", status.ToString());
}

void SetQuantities(const Resources& r, api::Quantities::Builder out) {
  out.setCpu(FromFixedPoint(ResourceKind::kCpu, r.milli_cpu()));
  out.setMemoryMb(FromFixedPoint(ResourceKind::kMemory, r.memory_mb()));
  out.setDiskMb(FromFixedPoint(ResourceKind::kDisk, r.disk_mb()));
  out.setGpu(FromFixedPoint(ResourceKind::kGpu, r.milli_gpu()));
}

void SetPoolSummary(const resmgr::PoolInfo& p, api::PoolSummary::Builder out) {
  out.setId(p.id.value());
  out.setPath(p.path);
  if (absl::StatusOr<fairshare::PoolConfig> c = api::PoolConfigFromProto(p.config); c.ok()) {
    api::PoolConfigToCapnp(*c, out.initConfig());
  }
  auto children = out.initChildren(static_cast<unsigned>(p.children.size()));
  for (size_t k = 0; k < p.children.size(); ++k) children.set(k, p.children[k].value());
  SetQuantities(p.demand, out.initDemand());
  SetQuantities(p.allocation.total, out.initAllocation());
  SetQuantities(p.entitlement, out.initEntitlement());
}

// The API's `to` of an instance range: 0 means all instances.
uint32_t EndOfRange(uint32_t to) { return to == 0 ? UINT32_MAX : to; }

int64_t Micros(absl::Time t) { return t == absl::UnixEpoch() ? 0 : absl::ToUnixMicros(t); }

void SetTaskInfo(const store::TaskRuntime& t, api::TaskInfo::Builder out) {
  out.setInstanceId(t.instance_id);
  out.setState(std::string(taskfsm::Name(t.state)));
  out.setGoalState(std::string(taskfsm::Name(t.goal_state)));
  out.setMesosTaskId(t.mesos_task_id);
  out.setHost(t.host);
  out.setMessage(t.message);
  out.setReason(t.reason);
  out.setFailureCount(t.failure_count);
  out.setStartTime(Micros(t.start_time));
  out.setCompletionTime(Micros(t.completion_time));
  out.setHealthy(std::string(taskfsm::Name(t.healthy)));
}

// The version of a job's endpoints: FNV-1a over what a client sees of them, the same in every
// process and across restarts; never 0 (a watcher's "nothing seen yet").
uint64_t VersionOf(const std::vector<jobmgr::JobManager::Endpoint>& endpoints) {
  uint64_t h = kFnv1aOffset;
  const auto mix = [&h](absl::string_view bytes) {
    h = Fnv1a("\xff", Fnv1a(bytes, h));  // a separator: ("ab","c") differs from ("a","bc")
  };
  for (const jobmgr::JobManager::Endpoint& e : endpoints) {
    mix(absl::StrCat(e.instance, ":", e.task_id, ":", e.host, ":", taskfsm::Name(e.state), ":",
                     taskfsm::Name(e.health), ":", e.routable));
    for (const auto& [name, port] : e.ports) mix(absl::StrCat(name, "=", port));
  }
  return h == 0 ? 1 : h;
}

}  // namespace

std::string PelotonService::JobOfCall(uint16_t method_id, capnp::AnyPointer::Reader params) {
  const capnp::StructSchema type =
      capnp::Schema::from<api::Peloton>().getMethods()[method_id].getParamType();
  const capnp::DynamicStruct::Reader fields = params.getAs<capnp::DynamicStruct>(type);
  KJ_IF_MAYBE (field, type.findFieldByName("jobId")) {
    return Str(fields.get(*field).as<capnp::Text>());
  }
  KJ_IF_MAYBE (field, type.findFieldByName("updateId")) {
    // The store is safe to read here (it takes its own lock, and no wait is inside a call of
    // it); the job manager's memory is not touched.
    absl::StatusOr<JobId> job = jobs_.JobOfUpdate(Str(fields.get(*field).as<capnp::Text>()));
    return job.ok() ? job->value() : "";  // served here: it answers NotFound itself
  }
  return "";
}

void PelotonService::Refuse(uint16_t method_id, const absl::Status& status,
                            capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context) {
  const capnp::StructSchema type =
      capnp::Schema::from<api::Peloton>().getMethods()[method_id].getResultType();
  capnp::DynamicStruct::Builder results = context.getResults().initAs<capnp::DynamicStruct>(type);
  // Every call that names a job answers with a status.
  SetStatus(status, results.init("status").as<api::Status>());
}

kj::Promise<void> PelotonService::Forward(
    const std::string& owner, uint16_t method_id,
    capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context) {
  absl::StatusOr<api::Peloton::Client> api = peers_->Api(owner);
  if (!api.ok()) {
    Refuse(method_id, api.status(), context);
    return kj::READY_NOW;
  }
  auto request = api->typelessRequest(capnp::typeId<api::Peloton>(), method_id, nullptr);
  request.set(context.getParams());
  return request.send().then(
      [context](capnp::Response<capnp::AnyPointer>&& answer) mutable {
        context.getResults().set(answer);
      },
      [this, owner, method_id, context](kj::Exception&& e) mutable {
        peers_->Failed(owner, e);
        Refuse(method_id,
               absl::UnavailableError(absl::StrCat("job manager ", owner, " (the job's owner): ",
                                                   e.getDescription().cStr(), " (try again)")),
               context);
      });
}

capnp::Capability::Server::DispatchCallResult PelotonService::dispatchCall(
    uint64_t interface_id, uint16_t method_id,
    capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context) {
  if (interface_id != capnp::typeId<api::Peloton>()) {
    return api::Peloton::Server::dispatchCall(interface_id, method_id, context);
  }
  const auto methods = capnp::Schema::from<api::Peloton>().getMethods();
  if (method_id >= methods.size()) {
    return api::Peloton::Server::dispatchCall(interface_id, method_id, context);
  }
  DispatchCallResult result{kj::READY_NOW, false};
  if (const std::string job = peers_ != nullptr ? JobOfCall(method_id, context.getParams()) : "";
      !job.empty() && !jobs_.Owns(JobId(job))) {
    result.promise = Forward(jobs_.OwnerOf(JobId(job)), method_id, context);
  } else {
    result = api::Peloton::Server::dispatchCall(interface_id, method_id, context);
  }
  if (observe_ == nullptr) return result;
  const capnp::Text::Reader name = methods[method_id].getProto().getName();  // static schema
  // A watch waits by design: how long is not what the call costs.
  if (name == "endpoints") return result;
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  result.promise = result.promise.then(
      [this, name, seconds] { observe_(absl::string_view(name.cStr(), name.size()), seconds()); },
      [this, name, seconds](kj::Exception&& e) {
        observe_(absl::string_view(name.cStr(), name.size()), seconds());
        kj::throwFatalException(kj::mv(e));
      });
  return result;
}

kj::Promise<void> PelotonService::createPool(CreatePoolContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    absl::StatusOr<fairshare::PoolConfig> config = api::PoolConfigFromCapnp(params.getConfig());
    absl::StatusOr<PoolId> id =
        config.ok() ? pools_.CreatePool(Str(params.getPath()), api::PoolConfigToProto(*config))
                    : absl::StatusOr<PoolId>(config.status());
    SetStatus(id.status(), results.initStatus());
    if (id.ok()) {
      results.setId(id->value());
      spdlog::info("pool {} created at {}", id->value(), Str(params.getPath()));
    }
  });
}

kj::Promise<void> PelotonService::updatePool(UpdatePoolContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    absl::StatusOr<fairshare::PoolConfig> config = api::PoolConfigFromCapnp(params.getConfig());
    const absl::Status status =
        config.ok() ? pools_.UpdatePool(Str(params.getPath()), api::PoolConfigToProto(*config))
                    : config.status();
    SetStatus(status, context.getResults().initStatus());
    if (status.ok()) spdlog::info("pool {} updated", Str(params.getPath()));
  });
}

kj::Promise<void> PelotonService::deletePool(DeletePoolContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(pools_.DeletePool(Str(context.getParams().getPath())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> PelotonService::lookupPool(LookupPoolContext context) {
  return loop_.Run([this, context]() mutable {
    absl::StatusOr<PoolId> id = pools_.LookupPoolId(Str(context.getParams().getPath()));
    auto results = context.getResults();
    SetStatus(id.status(), results.initStatus());
    if (id.ok()) results.setId(id->value());
  });
}

kj::Promise<void> PelotonService::listPools(ListPoolsContext context) {
  return loop_.Run([this, context]() mutable {
    const std::vector<resmgr::PoolInfo> pools = pools_.ListPools();
    auto results = context.getResults();
    SetStatus(absl::OkStatus(), results.initStatus());
    auto list = results.initPools(static_cast<unsigned>(pools.size()));
    for (size_t i = 0; i < pools.size(); ++i) SetPoolSummary(pools[i], list[i]);
  });
}

kj::Promise<void> PelotonService::getPool(GetPoolContext context) {
  return loop_.Run([this, context]() mutable {
    absl::StatusOr<PoolId> id = pools_.LookupPoolId(Str(context.getParams().getPath()));
    absl::StatusOr<resmgr::PoolInfo> pool =
        id.ok() ? pools_.GetPoolById(*id) : absl::StatusOr<resmgr::PoolInfo>(id.status());
    SetStatus(pool.status(), context.getResults().initStatus());
    if (pool.ok()) SetPoolSummary(*pool, context.getResults().initPool());
  });
}

kj::Promise<void> PelotonService::startMaintenance(StartMaintenanceContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(hosts_.StartMaintenance(api::internal::Get(context.getParams().getHostnames())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> PelotonService::completeMaintenance(CompleteMaintenanceContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(hosts_.CompleteMaintenance(api::internal::Get(context.getParams().getHostnames())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> PelotonService::listHosts(ListHostsContext context) {
  return loop_.Run([this, context]() mutable {
    const std::vector<hostmgr::HostStatus> hosts = hosts_.ListHosts();
    auto results = context.getResults();
    SetStatus(absl::OkStatus(), results.initStatus());
    auto list = results.initHosts(static_cast<unsigned>(hosts.size()));
    for (size_t i = 0; i < hosts.size(); ++i) {
      list[i].setHostname(hosts[i].hostname);
      list[i].setState(std::string(taskfsm::Name(hosts[i].state)));
      list[i].setTasks(hosts[i].tasks);
      SetQuantities(hosts[i].capacity, list[i].initCapacity());
      SetQuantities(hosts[i].free, list[i].initFree());
      api::internal::SetPairs(
          hosts[i].attributes,
          list[i].initAttributes(static_cast<unsigned>(hosts[i].attributes.size())));
      list[i].setRevocableCpu(static_cast<double>(hosts[i].revocable_cpu) / 1000);
      list[i].setRevocableFreeCpu(static_cast<double>(hosts[i].revocable_free_cpu) / 1000);
    }
  });
}

kj::Promise<void> PelotonService::createJob(CreateJobContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    jobmgr::job_pb::JobConfig config;
    absl::StatusOr<JobId> id = absl::InvalidArgumentError("jobConfig: not a v0 JobConfig");
    uint32_t instances = 0;
    std::string pool_id;
    if (api::ParseInto(params.getJobConfig(), config)) {
      instances = config.instancecount();
      // No path: the config's respoolID, which CreateJob checks names a leaf pool.
      absl::StatusOr<PoolId> pool = params.getPoolPath().size() == 0
                                        ? PoolId(config.respoolid().value())
                                        : pools_.LookupPoolId(Str(params.getPoolPath()));
      if (pool.ok()) {
        pool_id = pool->value();
        config.mutable_respoolid()->set_value(pool_id);
        id = jobs_.CreateJob(std::move(config));
      } else {
        id = pool.status();
      }
    }
    SetStatus(id.status(), results.initStatus());
    if (id.ok()) {
      results.setJobId(id->value());
      spdlog::info("job {} created in pool {} ({} instances)", id->value(), pool_id, instances);
      loop_.TickSoon();  // its tasks are placed now, not at the next period
    }
  });
}

kj::Promise<void> PelotonService::updateJob(UpdateJobContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    jobmgr::job_pb::JobConfig config;
    absl::StatusOr<uint32_t> added =
        api::ParseInto(params.getJobConfig(), config)
            ? jobs_.UpdateJob(JobId(Str(params.getJobId())), std::move(config))
            : absl::StatusOr<uint32_t>(absl::InvalidArgumentError("jobConfig: not a v0 JobConfig"));
    SetStatus(added.status(), results.initStatus());
    if (added.ok()) {
      results.setAddedInstances(*added);
      spdlog::info("job {}: {} instances added", Str(params.getJobId()), *added);
    }
  });
}

namespace {

void SetUpdateInfo(const jobmgr::UpdateView& v, api::UpdateInfo::Builder out) {
  const store::UpdateRecord& r = v.record;
  out.setUpdateId(r.update_id);
  out.setJobId(r.job_id.value());
  out.setType(std::string(taskfsm::Name(r.type)));
  out.setState(std::string(taskfsm::Name(r.state)));
  out.setPrevState(std::string(taskfsm::Name(r.prev_state)));
  out.setConfigVersion(r.config_version);
  out.setPrevConfigVersion(r.prev_config_version);
  out.setInstancesTotal(r.instances_total);
  out.setInstancesDone(r.instances_done);
  out.setInstancesFailed(r.instances_failed);
  out.setInstancesAdded(static_cast<uint32_t>(r.instances_added.size()));
  out.setInstancesUpdated(static_cast<uint32_t>(r.instances_updated.size()));
  out.setInstancesRemoved(static_cast<uint32_t>(r.instances_removed.size()));
  out.setEntityVersion(v.workflow_version);
  out.setRollback(v.rollback);
  const std::string config = v.config.SerializeAsString();
  out.setUpdateConfig(api::Bytes(config));
  out.setOpaqueData(r.opaque_data);
  out.setCreationTime(Micros(r.creation_time));
  out.setUpdateTime(Micros(r.update_time));
  out.setCompletionTime(Micros(r.completion_time));
}

// pauseUpdate, resumeUpdate and abortUpdate: the same parameters, one JobManager call each
// (entityVersion 0: not checked).
using UpdateChange = absl::Status (jobmgr::JobManager::*)(absl::string_view,
                                                          std::optional<uint64_t>, std::string);
template <typename Context>
kj::Promise<void> ChangeUpdate(SerialLoop& loop, jobmgr::JobManager& jobs, Context context,
                               UpdateChange change) {
  return loop.Run([&jobs, context, change]() mutable {
    auto params = context.getParams();
    const uint64_t version = params.getEntityVersion();
    SetStatus((jobs.*change)(Str(params.getUpdateId()),
                             version == 0 ? std::nullopt : std::optional<uint64_t>(version),
                             Str(params.getOpaqueData())),
              context.getResults().initStatus());
  });
}

}  // namespace

kj::Promise<void> PelotonService::createUpdate(CreateUpdateContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    const absl::StatusOr<std::string> id = [&]() -> absl::StatusOr<std::string> {
      jobmgr::job_pb::JobConfig config;
      jobmgr::update_pb::UpdateConfig update;
      if (!api::ParseInto(params.getJobConfig(), config)) {
        return absl::InvalidArgumentError("jobConfig: not a v0 JobConfig");
      }
      if (!api::ParseInto(params.getUpdateConfig(), update)) {
        return absl::InvalidArgumentError("updateConfig: not a v0 UpdateConfig");
      }
      if (const std::string path = Str(params.getPoolPath()); !path.empty()) {
        PELOTON_ASSIGN_OR_RETURN(PoolId pool, pools_.LookupPoolId(path));
        config.mutable_respoolid()->set_value(pool.value());
      }
      return jobs_.CreateUpdate(JobId(Str(params.getJobId())), std::move(config), update,
                                Str(params.getOpaqueData()));
    }();
    SetStatus(id.status(), results.initStatus());
    if (id.ok()) results.setUpdateId(*id);
  });
}

kj::Promise<void> PelotonService::getUpdate(GetUpdateContext context) {
  return loop_.Run([this, context]() mutable {
    absl::StatusOr<jobmgr::UpdateView> view =
        jobs_.GetUpdate(Str(context.getParams().getUpdateId()));
    auto results = context.getResults();
    SetStatus(view.status(), results.initStatus());
    if (view.ok()) SetUpdateInfo(*view, results.initUpdate());
  });
}

kj::Promise<void> PelotonService::listUpdates(ListUpdatesContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    absl::StatusOr<std::vector<jobmgr::UpdateView>> views =
        jobs_.ListUpdates(JobId(Str(params.getJobId())), params.getLimit());
    auto results = context.getResults();
    SetStatus(views.status(), results.initStatus());
    if (!views.ok()) return;
    auto list = results.initUpdates(static_cast<unsigned>(views->size()));
    for (size_t i = 0; i < views->size(); ++i) {
      SetUpdateInfo((*views)[i], list[static_cast<unsigned>(i)]);
    }
  });
}

kj::Promise<void> PelotonService::pauseUpdate(PauseUpdateContext context) {
  return ChangeUpdate(loop_, jobs_, context, &jobmgr::JobManager::PauseUpdate);
}

kj::Promise<void> PelotonService::resumeUpdate(ResumeUpdateContext context) {
  return ChangeUpdate(loop_, jobs_, context, &jobmgr::JobManager::ResumeUpdate);
}

kj::Promise<void> PelotonService::abortUpdate(AbortUpdateContext context) {
  return ChangeUpdate(loop_, jobs_, context, &jobmgr::JobManager::AbortUpdate);
}

kj::Promise<void> PelotonService::rollbackUpdate(RollbackUpdateContext context) {
  return loop_.Run([this, context]() mutable {
    absl::StatusOr<std::string> id = jobs_.RollbackUpdate(Str(context.getParams().getUpdateId()));
    auto results = context.getResults();
    SetStatus(id.status(), results.initStatus());
    if (id.ok()) results.setUpdateId(*id);
  });
}

kj::Promise<void> PelotonService::rollingWorkflow(RollingWorkflowContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    const std::string kind = Str(params.getKind());
    const taskfsm::WorkflowType type = kind == "restart" ? taskfsm::WorkflowType::kRestart
                                       : kind == "start" ? taskfsm::WorkflowType::kStart
                                       : kind == "stop"  ? taskfsm::WorkflowType::kStop
                                                         : taskfsm::WorkflowType::kInvalid;
    absl::StatusOr<std::string> id =
        type == taskfsm::WorkflowType::kInvalid
            ? absl::StatusOr<std::string>(absl::InvalidArgumentError(
                  absl::StrCat("kind: '", kind, "' (rule: restart, start or stop)")))
            : jobs_.StartRollingWorkflow(JobId(Str(params.getJobId())), type, params.getFrom(),
                                         EndOfRange(params.getTo()), params.getBatchSize());
    auto results = context.getResults();
    SetStatus(id.status(), results.initStatus());
    if (id.ok()) results.setUpdateId(*id);
  });
}

kj::Promise<void> PelotonService::getJob(GetJobContext context) {
  return loop_.Run([this, context]() mutable {
    const JobId id(Str(context.getParams().getJobId()));
    absl::StatusOr<jobmgr::JobView> view = jobs_.GetJob(id);
    auto results = context.getResults();
    SetStatus(view.status(), results.initStatus());
    if (!view.ok()) return;
    auto job = results.initJob();
    job.setId(id.value());
    job.setName(view->config.name());
    job.setOwner(view->config.owner().empty() ? view->config.owningteam() : view->config.owner());
    job.setPoolId(view->config.respoolid().value());
    job.setState(std::string(taskfsm::Name(view->runtime.state)));
    job.setGoalState(std::string(taskfsm::Name(view->runtime.goal_state)));
    job.setInstanceCount(view->instances);
    std::vector<std::pair<std::string, uint32_t>> counts;
    for (int s = 0; s < taskfsm::kNumTaskStates; ++s) {
      if (view->task_counts[s] > 0) {
        counts.emplace_back(taskfsm::Name(static_cast<taskfsm::TaskState>(s)),
                            view->task_counts[s]);
      }
    }
    auto list = job.initTaskCounts(static_cast<unsigned>(counts.size()));
    for (size_t i = 0; i < counts.size(); ++i) {
      list[static_cast<unsigned>(i)].setState(counts[i].first);
      list[static_cast<unsigned>(i)].setCount(counts[i].second);
    }
    job.setCreationTime(Micros(view->runtime.creation_time));
    job.setStartTime(Micros(view->runtime.start_time));
    job.setCompletionTime(Micros(view->runtime.completion_time));
    job.setEntityVersion(jobmgr::EntityVersionOf(view->runtime));
    job.setWorkflowId(view->runtime.update_id);
    if (const int64_t version = context.getParams().getConfigVersion(); version != 0) {
      absl::StatusOr<jobmgr::job_pb::JobConfig> older = jobs_.ConfigOf(id, version);
      if (!older.ok()) {
        SetStatus(older.status(), results.initStatus());
        return;
      }
      const std::string config = older->SerializeAsString();
      results.setJobConfig(api::Bytes(config));
      return;
    }
    const std::string config = view->config.SerializeAsString();
    results.setJobConfig(api::Bytes(config));
  });
}

kj::Promise<void> PelotonService::stopJob(StopJobContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(jobs_.StopJob(JobId(Str(context.getParams().getJobId()))),
              context.getResults().initStatus());
  });
}

kj::Promise<void> PelotonService::listTasks(ListTasksContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    const uint32_t from = params.getFrom();
    const uint32_t to = EndOfRange(params.getTo());
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks =
        jobs_.ListTasks(JobId(Str(params.getJobId())), from, to, kMaxTasksPerReply + 1);
    auto results = context.getResults();
    SetStatus(tasks.status(), results.initStatus());
    if (!tasks.ok()) return;
    if (tasks->size() > kMaxTasksPerReply) {  // a page: the caller asks again from `next`
      results.setNext((*tasks)[kMaxTasksPerReply].instance_id);
      tasks->resize(kMaxTasksPerReply);
    }
    auto list = results.initTasks(static_cast<unsigned>(tasks->size()));
    for (size_t i = 0; i < tasks->size(); ++i) {
      SetTaskInfo((*tasks)[i], list[static_cast<unsigned>(i)]);
    }
  });
}

kj::Promise<void> PelotonService::taskLogs(TaskLogsContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    const std::string file = Str(params.getFile());
    if (file != "stdout" && file != "stderr") {
      SetStatus(
          absl::InvalidArgumentError(absl::StrCat("file: '", file, "' (rule: stdout or stderr)")),
          results.initStatus());
      return;
    }
    const uint32_t instance = params.getInstanceId();
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks =
        jobs_.ListTasks(JobId(Str(params.getJobId())), instance, instance + 1);
    absl::Status status = tasks.status();
    std::string content;
    if (tasks.ok()) {
      if (tasks->empty()) {
        status = absl::NotFoundError(absl::StrCat("instance ", instance, " does not exist"));
      } else {
        const store::TaskRuntime& task = (*tasks)[0];
        results.setTaskId(task.mesos_task_id);
        results.setEnded(taskfsm::IsTerminal(task.state));
        const std::string path =
            absl::StrCat(sandbox_root_, "/", task.mesos_task_id.view(), "/", file);
        // A window, never the whole file: what a task writes is its own, and may be huge.
        const uint32_t length = params.getLength();
        absl::StatusOr<files::FileRange> read = files::ReadFileRange(
            path, params.getOffset(),
            length == 0 ? kDefaultLogBytes : std::min(length, kMaxLogBytes));
        if (read.status().code() == absl::StatusCode::kPermissionDenied) {
          status = read.status();  // what the task left there is not its output
        } else if (!read.ok()) {
          status = absl::NotFoundError(
              absl::StrCat("no ", file, " for instance ", instance, " yet (it has not run here)"));
        } else {
          content = std::move(read->content);
          results.setOffset(read->offset);
          results.setSize(read->size);
        }
      }
    }
    SetStatus(status, results.initStatus());
    results.setContent(api::Bytes(content));
  });
}

kj::Promise<void> PelotonService::queryJobs(QueryJobsContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    store::JobQuery query;
    absl::Status status;
    if (params.getPoolPath().size() > 0) {
      absl::StatusOr<PoolId> pool = pools_.LookupPoolId(Str(params.getPoolPath()));
      if (pool.ok()) {
        query.pool_id = *pool;
      } else {
        status = pool.status();
      }
    }
    query.owner = Str(params.getOwner());
    query.name = Str(params.getName());
    for (auto l : params.getLabels()) query.labels.push_back({Str(l.getKey()), Str(l.getValue())});
    for (auto k : params.getKeywords()) query.keywords.push_back(Str(k));
    for (auto state : params.getStates()) {
      absl::StatusOr<taskfsm::JobState> s = taskfsm::ParseJobState(Str(state));
      if (s.ok()) {
        query.states.push_back(*s);
      } else if (status.ok()) {
        status = absl::InvalidArgumentError(absl::StrCat("states: ", s.status().message()));
      }
    }
    query.offset = params.getOffset();
    if (params.getLimit() > 0) query.limit = params.getLimit();
    absl::StatusOr<store::JobQueryResult> found =
        status.ok() ? jobs_.QueryJobs(query) : absl::StatusOr<store::JobQueryResult>(status);
    SetStatus(found.status(), results.initStatus());
    if (!found.ok()) return;
    results.setTotal(found->total);
    auto list = results.initJobs(static_cast<unsigned>(found->jobs.size()));
    for (size_t i = 0; i < found->jobs.size(); ++i) {
      const store::JobSummary& j = found->jobs[i];
      auto out = list[static_cast<unsigned>(i)];
      out.setId(j.id.value());
      out.setName(j.name);
      out.setOwner(j.owner);
      out.setPoolId(j.pool_id.value());
      out.setState(std::string(taskfsm::Name(j.runtime.state)));
      out.setGoalState(std::string(taskfsm::Name(j.runtime.goal_state)));
      out.setInstanceCount(j.instance_count);
      out.setCreationTime(Micros(j.runtime.creation_time));
      out.setStartTime(Micros(j.runtime.start_time));
      out.setCompletionTime(Micros(j.runtime.completion_time));
    }
  });
}

kj::Promise<void> PelotonService::deleteJob(DeleteJobContext context) {
  return loop_.Run([this, context]() mutable {
    SetStatus(jobs_.DeleteJob(JobId(Str(context.getParams().getJobId()))),
              context.getResults().initStatus());
  });
}

kj::Promise<void> PelotonService::stopTasks(StopTasksContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    SetStatus(jobs_.StopTasks(JobId(Str(params.getJobId())), params.getFrom(),
                              EndOfRange(params.getTo())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> PelotonService::startTasks(StartTasksContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    SetStatus(jobs_.StartTasks(JobId(Str(params.getJobId())), params.getFrom(),
                               EndOfRange(params.getTo())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> PelotonService::restartTasks(RestartTasksContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    SetStatus(jobs_.RestartTasks(JobId(Str(params.getJobId())), params.getFrom(),
                                 EndOfRange(params.getTo())),
              context.getResults().initStatus());
  });
}

kj::Promise<void> PelotonService::getTask(GetTaskContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    const JobId id(Str(params.getJobId()));
    const uint32_t instance = params.getInstanceId();
    absl::StatusOr<std::vector<store::TaskRuntime>> tasks =
        jobs_.ListTasks(id, instance, instance + 1);
    absl::StatusOr<jobmgr::job_pb::JobConfig> config = jobs_.ConfigOf(id);
    absl::Status status = !tasks.ok() ? tasks.status() : config.status();
    if (status.ok() && tasks->empty()) {
      status = absl::NotFoundError(absl::StrCat("instance ", instance, " does not exist"));
    }
    SetStatus(status, results.initStatus());
    if (!status.ok()) return;
    SetTaskInfo((*tasks)[0], results.initTask());
    const std::string bytes = jobmgr::TaskConfigOf(*config, instance).SerializeAsString();
    results.setTaskConfig(api::Bytes(bytes));
  });
}

kj::Promise<void> PelotonService::taskEvents(TaskEventsContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    absl::StatusOr<std::vector<store::PodEvent>> events =
        jobs_.PodEvents(JobId(Str(params.getJobId())), params.getInstanceId(), params.getRuns());
    SetStatus(events.status(), results.initStatus());
    if (!events.ok()) return;
    auto list = results.initEvents(static_cast<unsigned>(events->size()));
    for (size_t i = 0; i < events->size(); ++i) {
      const store::PodEvent& e = (*events)[i];
      auto out = list[static_cast<unsigned>(i)];
      out.setRunId(e.run_id);
      out.setState(std::string(taskfsm::Name(e.actual_state)));
      out.setGoalState(std::string(taskfsm::Name(e.goal_state)));
      out.setHost(e.host);
      out.setMessage(e.message);
      out.setReason(e.reason);
      out.setTime(Micros(e.time));
      out.setHealthy(std::string(taskfsm::Name(e.healthy)));
    }
  });
}

namespace {

// A v1alpha spec as the JobConfig it is, in the pool `path` names (when not empty).
absl::StatusOr<jobmgr::job_pb::JobConfig> ConfigOfSpec(capnp::Data::Reader bytes,
                                                       const std::string& path,
                                                       resmgr::ResourceManagerApi& pools) {
  api::v1alpha::JobSpec spec;
  if (!api::ParseInto(bytes, spec)) {
    return absl::InvalidArgumentError("jobSpec: not a v1alpha JobSpec");
  }
  PELOTON_ASSIGN_OR_RETURN(jobmgr::job_pb::JobConfig config, api::JobConfigOfSpec(spec));
  if (!path.empty()) {
    PELOTON_ASSIGN_OR_RETURN(PoolId pool, pools.LookupPoolId(path));
    config.mutable_respoolid()->set_value(pool.value());
  }
  return config;
}

}  // namespace

kj::Promise<void> PelotonService::statelessCreate(StatelessCreateContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    const absl::StatusOr<JobId> id = [&]() -> absl::StatusOr<JobId> {
      api::v1alpha::CreateSpec create;
      if (!api::ParseInto(params.getCreateSpec(), create)) {
        return absl::InvalidArgumentError("createSpec: not a v1alpha CreateSpec");
      }
      PELOTON_ASSIGN_OR_RETURN(
          jobmgr::job_pb::JobConfig config,
          ConfigOfSpec(params.getJobSpec(), Str(params.getPoolPath()), pools_));
      // As Peloton's: a rolling workflow from no instances to the spec.
      return jobs_.CreateJob(std::move(config), api::UpdateConfigOf(create));
    }();
    SetStatus(id.status(), results.initStatus());
    if (!id.ok()) return;
    results.setJobId(id->value());
    results.setVersion(jobs_.EntityVersion(*id).value_or(""));
    spdlog::info("stateless job {} created in {}", id->value(), Str(params.getPoolPath()));
  });
}

kj::Promise<void> PelotonService::statelessReplace(StatelessReplaceContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    const JobId id(Str(params.getJobId()));
    const absl::StatusOr<std::string> update = [&]() -> absl::StatusOr<std::string> {
      api::v1alpha::UpdateSpec spec;
      if (!api::ParseInto(params.getUpdateSpec(), spec)) {
        return absl::InvalidArgumentError("updateSpec: not a v1alpha UpdateSpec");
      }
      PELOTON_ASSIGN_OR_RETURN(
          jobmgr::job_pb::JobConfig config,
          ConfigOfSpec(params.getJobSpec(), Str(params.getPoolPath()), pools_));
      PELOTON_RETURN_IF_ERROR(jobs_.CheckEntityVersion(id, Str(params.getVersion())));
      return jobs_.CreateUpdate(id, std::move(config), api::UpdateConfigOf(spec),
                                Str(params.getOpaqueData()));
    }();
    SetStatus(update.status(), results.initStatus());
    if (!update.ok()) return;
    results.setUpdateId(*update);
    results.setVersion(jobs_.EntityVersion(id).value_or(""));
  });
}

kj::Promise<void> PelotonService::statelessRestart(StatelessRestartContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    const JobId id(Str(params.getJobId()));
    const absl::StatusOr<std::string> workflow = [&]() -> absl::StatusOr<std::string> {
      api::v1alpha::RestartSpec spec;
      if (!api::ParseInto(params.getRestartSpec(), spec)) {
        return absl::InvalidArgumentError("restartSpec: not a v1alpha RestartSpec");
      }
      // Half-open ranges (Peloton's InstanceIDRange); none: every instance.
      std::vector<std::pair<uint32_t, uint32_t>> ranges;
      for (const api::v1alpha::InstanceIDRange& r : spec.ranges()) {
        ranges.emplace_back(r.from(), r.to());
      }
      if (ranges.empty()) ranges.emplace_back(0, UINT32_MAX);
      PELOTON_RETURN_IF_ERROR(jobs_.CheckEntityVersion(id, Str(params.getVersion())));
      return jobs_.StartRollingWorkflow(id, taskfsm::WorkflowType::kRestart, ranges,
                                        spec.batch_size(), spec.in_place());
    }();
    SetStatus(workflow.status(), results.initStatus());
    if (!workflow.ok()) return;
    results.setUpdateId(*workflow);
    results.setVersion(jobs_.EntityVersion(id).value_or(""));
  });
}

kj::Promise<void> PelotonService::statelessAction(StatelessActionContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    const JobId id(Str(params.getJobId()));
    const std::string action = Str(params.getAction());
    const absl::Status done = [&]() -> absl::Status {
      if (action != "start" && action != "stop" && action != "delete" && action != "pause" &&
          action != "resume" && action != "abort") {
        return absl::InvalidArgumentError(absl::StrCat(
            "action: '", action, "' (rule: start, stop, delete, pause, resume or abort)"));
      }
      PELOTON_ASSIGN_OR_RETURN(jobmgr::JobView view, jobs_.GetJob(id));
      if (view.config.type() != jobmgr::job_pb::SERVICE) {
        return absl::FailedPreconditionError(
            absl::StrCat("job ", id.value(), " is ", jobmgr::job_pb::JobType_Name(view.config.type()),
                         " (rule: the stateless API is for SERVICE jobs)"));
      }
      PELOTON_RETURN_IF_ERROR(jobs_.CheckEntityVersion(id, Str(params.getVersion())));
      if (action == "start") return jobs_.StartJob(id);
      if (action == "stop") return jobs_.StopJob(id);
      if (action == "delete") return jobs_.DeleteJob(id, params.getForce());
      const std::string& workflow = view.runtime.update_id;
      if (workflow.empty()) {
        return absl::NotFoundError(absl::StrCat("job ", id.value(), ": no workflow found"));
      }
      const std::string opaque = Str(params.getOpaqueData());
      if (action == "pause") return jobs_.PauseUpdate(workflow, std::nullopt, opaque);
      if (action == "resume") return jobs_.ResumeUpdate(workflow, std::nullopt, opaque);
      return jobs_.AbortUpdate(workflow, std::nullopt, opaque);
    }();
    SetStatus(done, results.initStatus());
    if (!done.ok()) return;
    // A deleted job has no version any more; a job being deleted still has one.
    results.setVersion(jobs_.EntityVersion(id).value_or(""));
  });
}

kj::Promise<void> PelotonService::workflowEvents(WorkflowEventsContext context) {
  return loop_.Run([this, context]() mutable {
    auto params = context.getParams();
    auto results = context.getResults();
    absl::StatusOr<std::vector<store::InstanceWorkflowEvent>> events = jobs_.WorkflowEvents(
        JobId(Str(params.getJobId())), params.getInstanceId(), params.getLimit());
    SetStatus(events.status(), results.initStatus());
    if (!events.ok()) return;
    auto list = results.initEvents(static_cast<unsigned>(events->size()));
    for (size_t i = 0; i < events->size(); ++i) {
      const store::InstanceWorkflowEvent& e = (*events)[i];
      list[static_cast<unsigned>(i)].setType(std::string(taskfsm::Name(e.type)));
      list[static_cast<unsigned>(i)].setState(std::string(taskfsm::Name(e.state)));
      list[static_cast<unsigned>(i)].setTime(Micros(e.time));
    }
  });
}

kj::Promise<void> PelotonService::endpoints(EndpointsContext context) {
  auto params = context.getParams();
  const absl::Duration wait = absl::Milliseconds(std::min<uint32_t>(params.getWaitMs(), 60'000));
  return WatchEndpoints(context, Str(params.getJobId()), params.getSince(), absl::Now() + wait);
}

kj::Promise<void> PelotonService::WatchEndpoints(EndpointsContext context, std::string job,
                                                 uint64_t since, absl::Time deadline) {
  auto answered = kj::heap<bool>(false);
  bool& done = *answered;
  return loop_
      .Run([this, context, job, since, deadline, &done]() mutable {
        absl::StatusOr<std::vector<jobmgr::JobManager::Endpoint>> endpoints =
            jobs_.Endpoints(JobId(job));
        const uint64_t version = endpoints.ok() ? VersionOf(*endpoints) : 0;
        // Unchanged: look again after the next tick (which is when anything changes).
        if (endpoints.ok() && version == since && absl::Now() < deadline) return;
        done = true;
        auto results = context.getResults();
        SetStatus(endpoints.status(), results.initStatus());
        if (!endpoints.ok()) return;
        results.setVersion(version);
        auto list = results.initEndpoints(static_cast<unsigned>(endpoints->size()));
        for (size_t i = 0; i < endpoints->size(); ++i) {
          const jobmgr::JobManager::Endpoint& e = (*endpoints)[i];
          auto out = list[static_cast<unsigned>(i)];
          out.setInstanceId(e.instance);
          out.setTaskId(e.task_id);
          out.setHost(e.host);
          out.setState(std::string(taskfsm::Name(e.state)));
          out.setHealthy(std::string(taskfsm::Name(e.health)));
          out.setRoutable(e.routable);
          auto ports = out.initPorts(static_cast<unsigned>(e.ports.size()));
          for (size_t k = 0; k < e.ports.size(); ++k) {
            ports[static_cast<unsigned>(k)].setName(e.ports[k].first);
            ports[static_cast<unsigned>(k)].setPort(e.ports[k].second);
          }
        }
      })
      .then([this, context, job, since, deadline, &done]() mutable -> kj::Promise<void> {
        if (done) return kj::READY_NOW;
        return loop_.AfterTick().then([this, context, job, since, deadline]() mutable {
          return WatchEndpoints(context, job, since, deadline);
        });
      })
      .attach(kj::mv(answered));
}

}  // namespace peloton::rpc
