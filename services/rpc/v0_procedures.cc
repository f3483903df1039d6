// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/v0_procedures.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "peloton/common/ids.h"
#include "peloton/taskfsm/task_id.h"
#include "services/api/host_svc.pb.h"
#include "services/api/internal_convert.h"
#include "services/api/job_svc.pb.h"
#include "services/api/respool_convert.h"
#include "services/api/respool_svc.pb.h"
#include "services/api/task_svc.pb.h"
#include "services/api/update_svc.pb.h"
#include "services/api/wire_util.h"

namespace peloton::rpc {
namespace {

namespace job_pb = ::peloton::api::v0::job;
namespace respool_pb = ::peloton::api::v0::respool;
namespace task_pb = ::peloton::api::v0::task;
namespace update_pb = ::peloton::api::v0::update;
namespace update_svc = ::peloton::api::v0::update::svc;
namespace host_pb = ::peloton::api::v0::host;
namespace host_svc = ::peloton::api::v0::host::svc;

using api::Str;
using api::internal::StatusOf;

// A procedure of request type Req and response type Resp.
template <typename Req, typename Resp>
V0Procedure Make(std::string service, std::string method,
                 kj::Promise<absl::StatusOr<Resp>> (*fn)(api::Peloton::Client&, const Req&)) {
  return {std::move(service), std::move(method), &Req::default_instance(),
          [fn](api::Peloton::Client& api, const google::protobuf::Message& m) {
            return fn(api, static_cast<const Req&>(m)).then([](absl::StatusOr<Resp> r) -> V0Reply {
              if (!r.ok()) return r.status();
              return std::unique_ptr<google::protobuf::Message>(new Resp(*std::move(r)));
            });
          }};
}

// A value now, as the promise a procedure returns.
template <typename T>
kj::Promise<absl::StatusOr<T>> Ready(absl::StatusOr<T> value) {
  return kj::mv(value);
}

// The quantity of each resource kind, by Peloton's kind name.
std::array<std::pair<const char*, double>, 4> ByKind(api::Quantities::Reader q) {
  return {{{"cpu", q.getCpu()},
           {"memory", q.getMemoryMb()},
           {"disk", q.getDiskMb()},
           {"gpu", q.getGpu()}}};
}

// Peloton's times: RFC 3339 in UTC, "" for unset (0).
std::string Rfc3339(int64_t micros) {
  if (micros == 0) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

// --- JobManager

// queryJobs' limit when none is given (Peloton's default too).
constexpr uint32_t kDefaultQueryLimit = 100;

job_pb::RuntimeInfo RuntimeOf(api::JobSummary::Reader j) {
  job_pb::RuntimeInfo r;
  job_pb::JobState state;
  if (job_pb::JobState_Parse(Str(j.getState()), &state)) r.set_state(state);
  if (job_pb::JobState_Parse(Str(j.getGoalState()), &state)) r.set_goalstate(state);
  r.set_creationtime(Rfc3339(j.getCreationTime()));
  r.set_starttime(Rfc3339(j.getStartTime()));
  r.set_completiontime(Rfc3339(j.getCompletionTime()));
  for (auto c : j.getTaskCounts()) (*r.mutable_taskstats())[Str(c.getState())] = c.getCount();
  // The entity version: "<config>-<desired state>-<workflow>".
  const std::vector<std::string> parts = absl::StrSplit(Str(j.getEntityVersion()), '-');
  uint64_t v[3] = {0, 0, 0};
  if (parts.size() == 3 && absl::SimpleAtoi(parts[0], &v[0]) && absl::SimpleAtoi(parts[1], &v[1]) &&
      absl::SimpleAtoi(parts[2], &v[2])) {
    r.set_configversion(static_cast<int64_t>(v[0]));
    r.set_configurationversion(v[0]);
    r.set_desiredstateversion(v[1]);
    r.set_workflowversion(v[2]);
  }
  if (j.getWorkflowId().size() > 0) r.mutable_updateid()->set_value(Str(j.getWorkflowId()));
  return r;
}

job_pb::JobSummary SummaryOf(const job_pb::JobInfo& info) {
  job_pb::JobSummary s;
  *s.mutable_id() = info.id();
  const job_pb::JobConfig& c = info.config();
  s.set_name(c.name());
  s.set_type(c.type());
  s.set_owner(c.owner());
  s.set_owningteam(c.owningteam());
  *s.mutable_labels() = c.labels();
  s.set_instancecount(c.instancecount());
  *s.mutable_respoolid() = c.respoolid();
  *s.mutable_runtime() = info.runtime();
  if (c.has_sla()) *s.mutable_sla() = c.sla();
  return s;
}

kj::Promise<absl::StatusOr<job_pb::JobInfo>> GetJobInfo(api::Peloton::Client& api,
                                                        const std::string& id) {
  auto call = api.getJobRequest();
  call.setJobId(id);
  return call.send().then(
      [id](capnp::Response<api::Peloton::GetJobResults>&& r) -> absl::StatusOr<job_pb::JobInfo> {
        if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
        job_pb::JobInfo info;
        info.mutable_id()->set_value(id);
        if (!api::ParseInto(r.getJobConfig(), *info.mutable_config())) {
          return absl::InternalError(
              absl::StrCat("job ", id, ": its stored config does not parse"));
        }
        *info.mutable_runtime() = RuntimeOf(r.getJob());
        return info;
      });
}

kj::Promise<absl::StatusOr<job_pb::GetResponse>> JobGet(api::Peloton::Client& api,
                                                        const job_pb::GetRequest& req) {
  const std::string id = req.id().value();
  return GetJobInfo(api, id).then(
      [id](absl::StatusOr<job_pb::JobInfo> info) -> absl::StatusOr<job_pb::GetResponse> {
        job_pb::GetResponse resp;
        if (info.ok()) {
          *resp.mutable_jobinfo() = *std::move(info);
        } else if (absl::IsNotFound(info.status())) {
          auto* e = resp.mutable_error()->mutable_notfound();
          e->mutable_id()->set_value(id);
          e->set_message(std::string(info.status().message()));
        } else {
          return info.status();
        }
        return resp;
      });
}

kj::Promise<absl::StatusOr<job_pb::CreateResponse>> JobCreate(api::Peloton::Client& api,
                                                              const job_pb::CreateRequest& req) {
  job_pb::CreateResponse refused;
  if (!req.id().value().empty()) {
    auto* e = refused.mutable_error()->mutable_invalidjobid();
    *e->mutable_id() = req.id();
    e->set_message("id: set (rule: leave it empty; the job manager names the job with a UUID)");
    return Ready<job_pb::CreateResponse>(refused);
  }
  if (req.secrets_size() > 0) {
    refused.mutable_error()->mutable_invalidconfig()->set_message(
        "secrets: not empty (rule: secrets are not supported)");
    return Ready<job_pb::CreateResponse>(refused);
  }
  auto call = api.createJobRequest();
  const std::string config = req.config().SerializeAsString();
  call.setJobConfig(api::Bytes(config));
  // No pool path: the config's respoolID names the pool.
  return call.send().then([](capnp::Response<api::Peloton::CreateJobResults>&& r)
                              -> absl::StatusOr<job_pb::CreateResponse> {
    job_pb::CreateResponse resp;
    const absl::Status s = StatusOf(r.getStatus());
    if (s.ok()) {
      resp.mutable_jobid()->set_value(Str(r.getJobId()));
    } else if (absl::IsInvalidArgument(s) || absl::IsNotFound(s)) {
      resp.mutable_error()->mutable_invalidconfig()->set_message(std::string(s.message()));
    } else if (absl::IsAlreadyExists(s)) {
      resp.mutable_error()->mutable_alreadyexists()->set_message(std::string(s.message()));
    } else {
      return s;
    }
    return resp;
  });
}

kj::Promise<absl::StatusOr<job_pb::UpdateResponse>> JobUpdate(api::Peloton::Client& api,
                                                              const job_pb::UpdateRequest& req) {
  const std::string id = req.id().value();
  job_pb::UpdateResponse refused;
  if (req.secrets_size() > 0) {
    auto* e = refused.mutable_error()->mutable_invalidconfig();
    e->mutable_id()->set_value(id);
    e->set_message("secrets: not empty (rule: secrets are not supported)");
    return Ready<job_pb::UpdateResponse>(refused);
  }
  auto call = api.updateJobRequest();
  call.setJobId(id);
  const std::string config = req.config().SerializeAsString();
  call.setJobConfig(api::Bytes(config));
  return call.send().then([id](capnp::Response<api::Peloton::UpdateJobResults>&& r)
                              -> absl::StatusOr<job_pb::UpdateResponse> {
    job_pb::UpdateResponse resp;
    const absl::Status s = StatusOf(r.getStatus());
    if (s.ok()) {
      resp.mutable_id()->set_value(id);
      resp.set_message(absl::StrCat("added ", r.getAddedInstances(), " instances"));
    } else if (absl::IsNotFound(s)) {
      auto* e = resp.mutable_error()->mutable_jobnotfound();
      e->mutable_id()->set_value(id);
      e->set_message(std::string(s.message()));
    } else if (absl::IsInvalidArgument(s)) {
      auto* e = resp.mutable_error()->mutable_invalidconfig();
      e->mutable_id()->set_value(id);
      e->set_message(std::string(s.message()));
    } else {
      return s;
    }
    return resp;
  });
}

kj::Promise<absl::StatusOr<job_pb::DeleteResponse>> JobDelete(api::Peloton::Client& api,
                                                              const job_pb::DeleteRequest& req) {
  const std::string id = req.id().value();
  auto call = api.deleteJobRequest();
  call.setJobId(id);
  return call.send().then([id](capnp::Response<api::Peloton::DeleteJobResults>&& r)
                              -> absl::StatusOr<job_pb::DeleteResponse> {
    job_pb::DeleteResponse resp;
    const absl::Status s = StatusOf(r.getStatus());
    if (absl::IsNotFound(s)) {
      auto* e = resp.mutable_error()->mutable_notfound();
      e->mutable_id()->set_value(id);
      e->set_message(std::string(s.message()));
    } else if (!s.ok()) {
      return s;
    }
    return resp;
  });
}

// Every pool, as v0 ResourcePoolInfo (parent links from the children lists).
kj::Promise<absl::StatusOr<std::vector<respool_pb::ResourcePoolInfo>>> ListPoolInfos(
    api::Peloton::Client& api);

kj::Promise<absl::StatusOr<job_pb::QueryResponse>> JobQuery(api::Peloton::Client& api,
                                                            const job_pb::QueryRequest& req) {
  const job_pb::QuerySpec& spec = req.spec();
  if (spec.has_creationtimerange() || spec.has_completiontimerange()) {
    return Ready<job_pb::QueryResponse>(absl::InvalidArgumentError(
        "spec.creationTimeRange, spec.completionTimeRange: set (rule: not supported; filter "
        "on the results' runtime times)"));
  }
  for (const auto& order : spec.pagination().orderby()) {
    if (order.property().value() != "creation_time" ||
        order.order() == api::v0::query::OrderBy::ASC) {
      return Ready<job_pb::QueryResponse>(absl::InvalidArgumentError(absl::StrCat(
          "spec.pagination.orderBy: ", order.property().value(), " ",
          api::v0::query::OrderBy::Order_Name(order.order()),
          " (rule: jobs come newest first: creation_time DESC)")));
    }
  }
  // The pool: by id (respoolID) or by path (spec.respool); its path is what queryJobs takes.
  kj::Promise<absl::StatusOr<std::string>> pool_path =
      absl::StatusOr<std::string>(spec.respool().value());
  const std::string pool_id = req.respoolid().value();
  if (!pool_id.empty()) {
    pool_path = ListPoolInfos(api).then(
        [pool_id](absl::StatusOr<std::vector<respool_pb::ResourcePoolInfo>> pools)
            -> absl::StatusOr<std::string> {
          if (!pools.ok()) return pools.status();
          for (const auto& p : *pools) {
            if (p.id().value() == pool_id) return p.path().value();
          }
          return absl::NotFoundError(absl::StrCat("respoolID: ", pool_id, " (rule: a pool's id)"));
        });
  }
  const job_pb::QueryRequest request = req;
  return pool_path.then([api, request](absl::StatusOr<std::string> path) mutable
                        -> kj::Promise<absl::StatusOr<job_pb::QueryResponse>> {
    job_pb::QueryResponse invalid;
    if (!path.ok()) {
      if (!absl::IsNotFound(path.status())) return Ready<job_pb::QueryResponse>(path.status());
      auto* e = invalid.mutable_error()->mutable_invalidrespool();
      *e->mutable_respoolid() = request.respoolid();
      e->set_message(std::string(path.status().message()));
      return Ready<job_pb::QueryResponse>(invalid);
    }
    const job_pb::QuerySpec& spec = request.spec();
    auto call = api.queryJobsRequest();
    call.setPoolPath(*path);
    call.setOwner(spec.owner());
    call.setName(spec.name());
    auto labels = call.initLabels(static_cast<unsigned>(spec.labels_size()));
    for (int i = 0; i < spec.labels_size(); ++i) {
      labels[static_cast<unsigned>(i)].setKey(spec.labels(i).key());
      labels[static_cast<unsigned>(i)].setValue(spec.labels(i).value());
    }
    auto keywords = call.initKeywords(static_cast<unsigned>(spec.keywords_size()));
    for (int i = 0; i < spec.keywords_size(); ++i) {
      keywords.set(static_cast<unsigned>(i), spec.keywords(i));
    }
    auto states = call.initStates(static_cast<unsigned>(spec.jobstates_size()));
    for (int i = 0; i < spec.jobstates_size(); ++i) {
      states.set(static_cast<unsigned>(i), job_pb::JobState_Name(spec.jobstates(i)));
    }
    uint32_t limit = spec.pagination().limit();
    if (spec.pagination().maxlimit() > 0 && (limit == 0 || limit > spec.pagination().maxlimit())) {
      limit = spec.pagination().maxlimit();
    }
    call.setOffset(spec.pagination().offset());
    call.setLimit(limit);
    return call.send().then([api, request, limit](
                                capnp::Response<api::Peloton::QueryJobsResults>&& r)
                                mutable -> kj::Promise<absl::StatusOr<job_pb::QueryResponse>> {
      const absl::Status s = StatusOf(r.getStatus());
      if (absl::IsNotFound(s)) {
        job_pb::QueryResponse resp;
        auto* e = resp.mutable_error()->mutable_invalidrespool();
        *e->mutable_respoolid() = request.respoolid();
        e->set_message(std::string(s.message()));
        return Ready<job_pb::QueryResponse>(resp);
      }
      if (!s.ok()) return Ready<job_pb::QueryResponse>(s);
      job_pb::QueryResponse resp;
      *resp.mutable_spec() = request.spec();
      resp.mutable_pagination()->set_offset(request.spec().pagination().offset());
      resp.mutable_pagination()->set_limit(limit == 0 ? kDefaultQueryLimit : limit);
      resp.mutable_pagination()->set_total(static_cast<uint32_t>(r.getTotal()));
      // The summaries hold the configs' type, labels and SLA: each job's config is read.
      kj::Vector<kj::Promise<absl::StatusOr<job_pb::JobInfo>>> infos;
      for (auto j : r.getJobs()) infos.add(GetJobInfo(api, Str(j.getId())));
      return kj::joinPromises(infos.releaseAsArray())
          .then([resp = std::move(resp), summary_only = request.summaryonly()](
                    kj::Array<absl::StatusOr<job_pb::JobInfo>> found) mutable
                -> absl::StatusOr<job_pb::QueryResponse> {
            for (absl::StatusOr<job_pb::JobInfo>& info : found) {
              // A job deleted since the query is left out.
              if (absl::IsNotFound(info.status())) continue;
              if (!info.ok()) return info.status();
              *resp.add_results() = SummaryOf(*info);
              if (!summary_only) *resp.add_records() = *std::move(info);
            }
            return resp;
          });
    });
  });
}

// --- TaskManager

task_pb::RuntimeInfo TaskRuntimeOf(api::TaskInfo::Reader t) {
  task_pb::RuntimeInfo r;
  task_pb::TaskState state;
  if (task_pb::TaskState_Parse(Str(t.getState()), &state)) r.set_state(state);
  if (task_pb::TaskState_Parse(Str(t.getGoalState()), &state)) r.set_goalstate(state);
  if (t.getMesosTaskId().size() > 0) r.mutable_mesostaskid()->set_value(Str(t.getMesosTaskId()));
  r.set_starttime(Rfc3339(t.getStartTime()));
  r.set_completiontime(Rfc3339(t.getCompletionTime()));
  r.set_host(Str(t.getHost()));
  r.set_message(Str(t.getMessage()));
  r.set_reason(Str(t.getReason()));
  r.set_failurecount(t.getFailureCount());
  task_pb::HealthState health;
  if (task_pb::HealthState_Parse(Str(t.getHealthy()), &health)) r.set_healthy(health);
  return r;
}

task_pb::TaskInfo TaskInfoOf(const std::string& job, api::TaskInfo::Reader t) {
  task_pb::TaskInfo info;
  info.set_instanceid(t.getInstanceId());
  info.mutable_jobid()->set_value(job);
  *info.mutable_runtime() = TaskRuntimeOf(t);
  return info;
}

// The runs of an instance before `resp`'s current one, from their pod events (newest run
// first, newest event first): each run's last state, goal, host, message and reason, when it
// started running and, ended, when it ended. Its config is the current run's.
void AddEarlierRuns(const std::string& job, capnp::List<api::PodEvent>::Reader events,
                    task_pb::GetResponse& resp) {
  const task_pb::TaskInfo& current = resp.result();
  absl::StatusOr<taskfsm::MesosTaskId> current_id =
      taskfsm::ParseMesosTaskId(current.runtime().mesostaskid().value());
  const uint64_t current_run = current_id.ok() ? current_id->run : 0;
  task_pb::TaskInfo* run_info = nullptr;
  uint64_t run = 0;
  for (api::PodEvent::Reader e : events) {
    const uint64_t event_run = static_cast<uint64_t>(e.getRunId());
    if (event_run == 0 || event_run == current_run) continue;
    task_pb::TaskState state = task_pb::UNKNOWN;
    const bool known = task_pb::TaskState_Parse(Str(e.getState()), &state);
    if (run_info == nullptr || event_run != run) {
      // The run's newest event: where it ended up.
      run = event_run;
      run_info = resp.add_results();
      run_info->set_instanceid(current.instanceid());
      run_info->mutable_jobid()->set_value(job);
      *run_info->mutable_config() = current.config();
      task_pb::RuntimeInfo& r = *run_info->mutable_runtime();
      r.mutable_mesostaskid()->set_value(
          taskfsm::FormatMesosTaskId(job, current.instanceid(), event_run));
      if (known) r.set_state(state);
      task_pb::TaskState goal;
      if (task_pb::TaskState_Parse(Str(e.getGoalState()), &goal)) r.set_goalstate(goal);
      r.set_message(Str(e.getMessage()));
      r.set_reason(Str(e.getReason()));
      if (absl::StatusOr<taskfsm::TaskState> ended = taskfsm::ParseTaskState(Str(e.getState()));
          ended.ok() && taskfsm::IsTerminal(*ended)) {
        r.set_completiontime(Rfc3339(e.getTime()));
      }
    }
    task_pb::RuntimeInfo& r = *run_info->mutable_runtime();
    if (r.host().empty()) r.set_host(Str(e.getHost()));
    // Events come newest first: the oldest RUNNING one is when it started.
    if (known && state == task_pb::RUNNING) r.set_starttime(Rfc3339(e.getTime()));
  }
}

// The job's instance count, or NotFound.
kj::Promise<absl::StatusOr<uint32_t>> InstanceCount(api::Peloton::Client& api,
                                                   const std::string& job) {
  auto call = api.getJobRequest();
  call.setJobId(job);
  return call.send().then(
      [](capnp::Response<api::Peloton::GetJobResults>&& r) -> absl::StatusOr<uint32_t> {
        if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
        return r.getJob().getInstanceCount();
      });
}

template <typename Error>
void SetJobNotFound(const std::string& job, const absl::Status& s, Error* e) {
  e->mutable_id()->set_value(job);
  e->set_message(std::string(s.message()));
}

kj::Promise<absl::StatusOr<task_pb::GetResponse>> TaskGet(api::Peloton::Client& api,
                                                          const task_pb::GetRequest& req) {
  const std::string job = req.jobid().value();
  const uint32_t instance = req.instanceid();
  return InstanceCount(api, job).then([api, job, instance](absl::StatusOr<uint32_t> count) mutable
                                      -> kj::Promise<absl::StatusOr<task_pb::GetResponse>> {
    task_pb::GetResponse resp;
    if (absl::IsNotFound(count.status())) {
      SetJobNotFound(job, count.status(), resp.mutable_notfound());
      return Ready<task_pb::GetResponse>(resp);
    }
    if (!count.ok()) return Ready<task_pb::GetResponse>(count.status());
    if (instance >= *count) {
      resp.mutable_outofrange()->mutable_jobid()->set_value(job);
      resp.mutable_outofrange()->set_instancecount(*count);
      return Ready<task_pb::GetResponse>(resp);
    }
    auto call = api.getTaskRequest();
    call.setJobId(job);
    call.setInstanceId(instance);
    auto events = api.taskEventsRequest();
    events.setJobId(job);
    events.setInstanceId(instance);
    events.setRuns(0);  // every run's
    return call.send().then([job, events = kj::mv(events)](
                                capnp::Response<api::Peloton::GetTaskResults>&& r) mutable
                            -> kj::Promise<absl::StatusOr<task_pb::GetResponse>> {
      if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) {
        return Ready<task_pb::GetResponse>(s);
      }
      task_pb::GetResponse resp;
      task_pb::TaskInfo info = TaskInfoOf(job, r.getTask());
      if (!api::ParseInto(r.getTaskConfig(), *info.mutable_config())) {
        return Ready<task_pb::GetResponse>(
            absl::InternalError(absl::StrCat("job ", job, ": a task config does not parse")));
      }
      // Its current run: `result`, and first of `results` (Peloton's newer field), which
      // then has the earlier runs, newest first, as their pod events tell them.
      *resp.add_results() = info;
      *resp.mutable_result() = std::move(info);
      return events.send().then(
          [job, resp = std::move(resp)](
              capnp::Response<api::Peloton::TaskEventsResults>&& e) mutable
          -> absl::StatusOr<task_pb::GetResponse> {
            if (absl::Status s = StatusOf(e.getStatus()); !s.ok()) return s;
            AddEarlierRuns(job, e.getEvents(), resp);
            return std::move(resp);
          });
    });
  });
}

using TaskPages = std::vector<capnp::Response<api::Peloton::ListTasksResults>>;

// The tasks of instances [from, to) (to 0: all), page after page: listTasks answers at most
// 10,000 at a time. Ends at the first page whose status is not OK (the last one).
kj::Promise<TaskPages> AllTasks(api::Peloton::Client api, std::string job, uint32_t from,
                                uint32_t to, TaskPages pages = {}) {
  auto call = api.listTasksRequest();
  call.setJobId(job);
  call.setFrom(from);
  call.setTo(to);
  return call.send().then(
      [api, job = std::move(job), from, to, pages = std::move(pages)](
          capnp::Response<api::Peloton::ListTasksResults>&& r) mutable -> kj::Promise<TaskPages> {
        const bool more = r.getStatus().getCode() == 0 && r.getNext() > from;
        const uint32_t next = r.getNext();
        pages.push_back(std::move(r));
        if (!more) return std::move(pages);
        return AllTasks(std::move(api), std::move(job), next, to, std::move(pages));
      });
}

kj::Promise<absl::StatusOr<task_pb::ListResponse>> TaskList(api::Peloton::Client& api,
                                                            const task_pb::ListRequest& req) {
  const std::string job = req.jobid().value();
  return AllTasks(api, job, req.range().from(), req.range().to())
      .then([job](TaskPages&& pages) -> absl::StatusOr<task_pb::ListResponse> {
        task_pb::ListResponse resp;
        const absl::Status s = StatusOf(pages.back().getStatus());
        if (absl::IsNotFound(s)) {
          SetJobNotFound(job, s, resp.mutable_notfound());
          return resp;
        }
        if (!s.ok()) return s;
        auto& value = *resp.mutable_result()->mutable_value();
        for (const auto& page : pages) {
          for (auto t : page.getTasks()) value[t.getInstanceId()] = TaskInfoOf(job, t);
        }
        return resp;
      });
}

// The instances of `ranges` (none: every instance) below `count`, and (the first
// kMaxInvalidIds of) those at or above it.
constexpr size_t kMaxInvalidIds = 1000;
struct Instances {
  std::vector<uint32_t> valid, invalid;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;  // [from, to) within the job
};

Instances InstancesOf(const google::protobuf::RepeatedPtrField<task_pb::InstanceRange>& ranges,
                      uint32_t count) {
  Instances out;
  if (ranges.empty()) {
    out.ranges.emplace_back(0, count);
  } else {
    for (const task_pb::InstanceRange& r : ranges) {
      if (r.from() >= r.to()) continue;
      out.ranges.emplace_back(std::min(r.from(), count), std::min(r.to(), count));
      for (uint32_t i = std::max(r.from(), count);
           i < r.to() && out.invalid.size() < kMaxInvalidIds; ++i) {
        out.invalid.push_back(i);
      }
    }
  }
  std::vector<bool> seen(count, false);
  for (const auto& [from, to] : out.ranges) {
    for (uint32_t i = from; i < to; ++i) seen[i] = true;
  }
  for (uint32_t i = 0; i < count; ++i) {
    if (seen[i]) out.valid.push_back(i);
  }
  return out;
}

// Calls `send` for each range in turn; the first failure ends it.
kj::Promise<absl::Status> EachRange(
    std::vector<std::pair<uint32_t, uint32_t>> ranges, size_t next,
    std::function<kj::Promise<absl::Status>(uint32_t from, uint32_t to)> send) {
  while (next < ranges.size() && ranges[next].first >= ranges[next].second) ++next;
  if (next == ranges.size()) return absl::OkStatus();
  auto [from, to] = ranges[next];
  auto sent = send(from, to);
  return sent.then([ranges = std::move(ranges), next, send = std::move(send)](
                       absl::Status s) mutable -> kj::Promise<absl::Status> {
    if (!s.ok()) return s;
    return EachRange(std::move(ranges), next + 1, std::move(send));
  });
}

template <typename Results, typename Params>
kj::Promise<absl::Status> StatusOfCall(capnp::Request<Params, Results> call) {
  return call.send().then(
      [](capnp::Response<Results>&& r) -> absl::Status { return StatusOf(r.getStatus()); });
}

// Start, Stop or Restart of the request's ranges, one call per range: `make(api)` is the
// (startTasks, stopTasks or restartTasks) request to fill. The instances, and the first
// failure's status.
template <typename Req, typename Make>
kj::Promise<absl::StatusOr<std::pair<Instances, absl::Status>>> OnRanges(
    api::Peloton::Client& api, const Req& req, Make make) {
  const std::string job = req.jobid().value();
  const auto ranges = req.ranges();
  api::Peloton::Client* client = &api;  // outlives the call (V0Procedure::call)
  return InstanceCount(api, job).then(
      [client, job, ranges, make](absl::StatusOr<uint32_t> count) mutable
      -> kj::Promise<absl::StatusOr<std::pair<Instances, absl::Status>>> {
        if (!count.ok()) return Ready<std::pair<Instances, absl::Status>>(count.status());
        Instances instances = InstancesOf(ranges, *count);
        auto calls = EachRange(instances.ranges, 0, [client, job, make](uint32_t from,
                                                                        uint32_t to) {
          auto call = make(*client);
          call.setJobId(job);
          call.setFrom(from);
          call.setTo(to);
          return StatusOfCall(kj::mv(call));
        });
        return calls.then([instances = std::move(instances)](absl::Status s) mutable
                          -> absl::StatusOr<std::pair<Instances, absl::Status>> {
          return std::make_pair(std::move(instances), s);
        });
      });
}

// A Start or Stop response: the job not found, the failure (`failed(resp)` is its message's
// place), or the instances done (`add_done`) and those the job lacks.
template <typename Resp>
Resp RangesResponse(const std::string& job,
                    const absl::StatusOr<std::pair<Instances, absl::Status>>& done,
                    void (Resp::*add_done)(uint32_t),
                    std::string* (*failed)(Resp&)) {
  Resp resp;
  const absl::Status s = done.ok() ? done->second : done.status();
  if (absl::IsNotFound(s)) {
    SetJobNotFound(job, s, resp.mutable_error()->mutable_notfound());
  } else if (!s.ok()) {
    *failed(resp) = std::string(s.message());
  } else {
    for (uint32_t i : done->first.valid) (resp.*add_done)(i);
    for (uint32_t i : done->first.invalid) resp.add_invalidinstanceids(i);
  }
  return resp;
}

kj::Promise<absl::StatusOr<task_pb::StartResponse>> TaskStart(api::Peloton::Client& api,
                                                              const task_pb::StartRequest& req) {
  const std::string job = req.jobid().value();
  return OnRanges(api, req,
                  [](api::Peloton::Client& api) { return api.startTasksRequest(); })
      .then([job](absl::StatusOr<std::pair<Instances, absl::Status>> done)
                -> absl::StatusOr<task_pb::StartResponse> {
        return RangesResponse<task_pb::StartResponse>(
            job, done, &task_pb::StartResponse::add_startedinstanceids,
            [](task_pb::StartResponse& r) {
              return r.mutable_error()->mutable_failure()->mutable_message();
            });
      });
}

kj::Promise<absl::StatusOr<task_pb::StopResponse>> TaskStop(api::Peloton::Client& api,
                                                            const task_pb::StopRequest& req) {
  const std::string job = req.jobid().value();
  return OnRanges(api, req,
                  [](api::Peloton::Client& api) { return api.stopTasksRequest(); })
      .then([job](absl::StatusOr<std::pair<Instances, absl::Status>> done)
                -> absl::StatusOr<task_pb::StopResponse> {
        return RangesResponse<task_pb::StopResponse>(
            job, done, &task_pb::StopResponse::add_stoppedinstanceids,
            [](task_pb::StopResponse& r) {
              return r.mutable_error()->mutable_updateerror()->mutable_message();
            });
      });
}

kj::Promise<absl::StatusOr<task_pb::RestartResponse>> TaskRestart(
    api::Peloton::Client& api, const task_pb::RestartRequest& req) {
  const std::string job = req.jobid().value();
  return OnRanges(api, req,
                  [](api::Peloton::Client& api) { return api.restartTasksRequest(); })
      .then([job](absl::StatusOr<std::pair<Instances, absl::Status>> done)
                -> absl::StatusOr<task_pb::RestartResponse> {
        task_pb::RestartResponse resp;
        const absl::Status s = done.ok() ? done->second : done.status();
        if (absl::IsNotFound(s)) {
          SetJobNotFound(job, s, resp.mutable_notfound());
        } else if (!s.ok()) {
          return s;
        } else if (!done->first.invalid.empty()) {
          resp.mutable_outofrange()->mutable_jobid()->set_value(job);
          resp.mutable_outofrange()->set_instancecount(
              static_cast<uint32_t>(done->first.valid.size()));
        }
        return resp;
      });
}

kj::Promise<absl::StatusOr<task_pb::QueryResponse>> TaskQuery(api::Peloton::Client& api,
                                                              const task_pb::QueryRequest& req) {
  const task_pb::QueryRequest request = req;
  const std::string job = req.jobid().value();
  for (const auto& order : req.spec().pagination().orderby()) {
    if (order.property().value() != "instance_id" ||
        order.order() == api::v0::query::OrderBy::DESC) {
      return Ready<task_pb::QueryResponse>(absl::InvalidArgumentError(absl::StrCat(
          "spec.pagination.orderBy: ", order.property().value(), " ",
          api::v0::query::OrderBy::Order_Name(order.order()),
          " (rule: tasks come by instance: instance_id ASC)")));
    }
  }
  // The job's config gives each task's name (its instance config's, else the default's).
  return GetJobInfo(api, job).then([api, request, job](absl::StatusOr<job_pb::JobInfo> info) mutable
                                   -> kj::Promise<absl::StatusOr<task_pb::QueryResponse>> {
    task_pb::QueryResponse resp;
    if (absl::IsNotFound(info.status())) {
      SetJobNotFound(job, info.status(), resp.mutable_error()->mutable_notfound());
      return Ready<task_pb::QueryResponse>(resp);
    }
    if (!info.ok()) return Ready<task_pb::QueryResponse>(info.status());
    return AllTasks(api, job, 0, 0).then([request, job, config = info->config()](
                                             TaskPages&& pages)
                                             -> absl::StatusOr<task_pb::QueryResponse> {
      if (absl::Status s = StatusOf(pages.back().getStatus()); !s.ok()) return s;
      const task_pb::QuerySpec& spec = request.spec();
      const auto wanted = [](const auto& list, const auto& value) {
        return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
      };
      std::vector<task_pb::TaskInfo> matched;
      for (const auto& page : pages) {
        for (auto t : page.getTasks()) {
          task_pb::TaskInfo info = TaskInfoOf(job, t);
          const auto instance = config.instanceconfig().find(info.instanceid());
          const std::string& name =
              instance != config.instanceconfig().end() && !instance->second.name().empty()
                  ? instance->second.name()
                  : config.defaultconfig().name();
          if (!wanted(spec.taskstates(), static_cast<int>(info.runtime().state())) ||
              !wanted(spec.names(), name) || !wanted(spec.hosts(), info.runtime().host())) {
            continue;
          }
          matched.push_back(std::move(info));
        }
      }
      task_pb::QueryResponse resp;
      const uint32_t offset = spec.pagination().offset();
      uint32_t limit =
          spec.pagination().limit() == 0 ? kDefaultQueryLimit : spec.pagination().limit();
      if (spec.pagination().maxlimit() > 0) limit = std::min(limit, spec.pagination().maxlimit());
      for (size_t i = offset; i < matched.size() && i < size_t{offset} + limit; ++i) {
        *resp.add_records() = std::move(matched[i]);
      }
      resp.mutable_pagination()->set_offset(offset);
      resp.mutable_pagination()->set_limit(limit);
      resp.mutable_pagination()->set_total(static_cast<uint32_t>(matched.size()));
      return resp;
    });
  });
}

kj::Promise<absl::StatusOr<task_pb::GetPodEventsResponse>> TaskPodEvents(
    api::Peloton::Client& api, const task_pb::GetPodEventsRequest& req) {
  const std::string job = req.jobid().value();
  const uint32_t instance = req.instanceid();
  uint64_t run = 0;
  if (!req.runid().empty()) {
    // Peloton's runId is the run's Mesos task id ("<job>-<instance>-<run>") or its number.
    absl::StatusOr<taskfsm::MesosTaskId> id = taskfsm::ParseMesosTaskId(req.runid());
    if (id.ok()) {
      run = id->run;
    } else if (!absl::SimpleAtoi(req.runid(), &run)) {
      task_pb::GetPodEventsResponse resp;
      resp.mutable_error()->set_message(absl::StrCat(
          "runId: '", req.runid(), "' (rule: a run's number or Mesos task id)"));
      return Ready<task_pb::GetPodEventsResponse>(resp);
    }
  }
  auto call = api.taskEventsRequest();
  call.setJobId(job);
  call.setInstanceId(instance);
  // A run asked for: every run's events are read, and that run's kept.
  const uint64_t limit = run != 0 ? 0 : req.limit();
  call.setRuns(static_cast<uint32_t>(std::min<uint64_t>(limit, UINT32_MAX)));
  return call.send().then([job, instance, run](capnp::Response<api::Peloton::TaskEventsResults>&& r)
                              -> absl::StatusOr<task_pb::GetPodEventsResponse> {
    task_pb::GetPodEventsResponse resp;
    if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) {
      if (!absl::IsNotFound(s) && !absl::IsInvalidArgument(s)) return s;
      resp.mutable_error()->set_message(std::string(s.message()));
      return resp;
    }
    for (auto e : r.getEvents()) {
      const uint64_t event_run = static_cast<uint64_t>(e.getRunId());
      if (run != 0 && event_run != run) continue;
      task_pb::PodEvent* out = resp.add_result();
      out->mutable_taskid()->set_value(taskfsm::FormatMesosTaskId(job, instance, event_run));
      out->set_actualstate(Str(e.getState()));
      out->set_goalstate(Str(e.getGoalState()));
      out->set_timestamp(Rfc3339(e.getTime()));
      out->set_hostname(Str(e.getHost()));
      out->set_message(Str(e.getMessage()));
      out->set_reason(Str(e.getReason()));
      out->set_healthy(Str(e.getHealthy()));
      if (event_run > 1) {
        out->mutable_prevtaskid()->set_value(
            taskfsm::FormatMesosTaskId(job, instance, event_run - 1));
      }
    }
    return resp;
  });
}

// --- UpdateService

absl::StatusOr<update_pb::UpdateInfo> UpdateInfoOf(api::UpdateInfo::Reader u, bool status_only) {
  update_pb::UpdateInfo info;
  info.mutable_updateid()->set_value(Str(u.getUpdateId()));
  info.mutable_jobid()->set_value(Str(u.getJobId()));
  if (!status_only && !api::ParseInto(u.getUpdateConfig(), *info.mutable_config())) {
    return absl::InternalError(
        absl::StrCat("update ", Str(u.getUpdateId()), ": its stored config does not parse"));
  }
  update_pb::UpdateStatus& status = *info.mutable_status();
  status.set_numtasksdone(u.getInstancesDone());
  status.set_numtasksfailed(u.getInstancesFailed());
  const uint32_t settled = u.getInstancesDone() + u.getInstancesFailed();
  status.set_numtasksremaining(u.getInstancesTotal() > settled ? u.getInstancesTotal() - settled
                                                              : 0);
  update_pb::State state;
  if (update_pb::State_Parse(Str(u.getState()), &state)) status.set_state(state);
  info.set_configversion(static_cast<uint64_t>(u.getConfigVersion()));
  info.set_prevconfigversion(static_cast<uint64_t>(u.getPrevConfigVersion()));
  if (u.getOpaqueData().size() > 0) info.mutable_opaque_data()->set_data(Str(u.getOpaqueData()));
  return info;
}

kj::Promise<absl::StatusOr<update_svc::CreateUpdateResponse>> UpdateCreate(
    api::Peloton::Client& api, const update_svc::CreateUpdateRequest& req) {
  auto call = api.createUpdateRequest();
  call.setJobId(req.jobid().value());
  const std::string config = req.jobconfig().SerializeAsString();
  call.setJobConfig(api::Bytes(config));
  const std::string update = req.updateconfig().SerializeAsString();
  call.setUpdateConfig(api::Bytes(update));
  call.setOpaqueData(req.opaque_data().data());
  return call.send().then([](capnp::Response<api::Peloton::CreateUpdateResults>&& r)
                              -> absl::StatusOr<update_svc::CreateUpdateResponse> {
    if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
    update_svc::CreateUpdateResponse resp;
    resp.mutable_updateid()->set_value(Str(r.getUpdateId()));
    return resp;
  });
}

kj::Promise<absl::StatusOr<update_svc::GetUpdateResponse>> UpdateGet(
    api::Peloton::Client& api, const update_svc::GetUpdateRequest& req) {
  auto call = api.getUpdateRequest();
  call.setUpdateId(req.updateid().value());
  return call.send().then([status_only = req.statusonly()](
                              capnp::Response<api::Peloton::GetUpdateResults>&& r)
                              -> absl::StatusOr<update_svc::GetUpdateResponse> {
    if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
    absl::StatusOr<update_pb::UpdateInfo> info = UpdateInfoOf(r.getUpdate(), status_only);
    if (!info.ok()) return info.status();
    update_svc::GetUpdateResponse resp;
    *resp.mutable_updateinfo() = *std::move(info);
    return resp;
  });
}

kj::Promise<absl::StatusOr<update_svc::ListUpdatesResponse>> UpdateList(
    api::Peloton::Client& api, const update_svc::ListUpdatesRequest& req) {
  if (req.limit() < 0) {
    return Ready<update_svc::ListUpdatesResponse>(absl::InvalidArgumentError(
        absl::StrCat("limit: ", req.limit(), " (rule: 0, for all, or more)")));
  }
  auto call = api.listUpdatesRequest();
  call.setJobId(req.jobid().value());
  call.setLimit(static_cast<uint32_t>(req.limit()));
  return call.send().then([](capnp::Response<api::Peloton::ListUpdatesResults>&& r)
                              -> absl::StatusOr<update_svc::ListUpdatesResponse> {
    if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
    update_svc::ListUpdatesResponse resp;
    for (auto u : r.getUpdates()) {
      absl::StatusOr<update_pb::UpdateInfo> info = UpdateInfoOf(u, false);
      if (!info.ok()) return info.status();
      *resp.add_updateinfo() = *std::move(info);
    }
    return resp;
  });
}

// Pause, resume or abort of the update `id`; the reply is empty.
template <typename Resp, typename Params, typename Results>
kj::Promise<absl::StatusOr<Resp>> ChangeUpdate(capnp::Request<Params, Results> call,
                                               const std::string& id,
                                               const std::string& opaque_data) {
  call.setUpdateId(id);
  call.setOpaqueData(opaque_data);  // entityVersion 0: not checked (v0 has none)
  return call.send().then([](capnp::Response<Results>&& r) -> absl::StatusOr<Resp> {
    if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
    return Resp();
  });
}

kj::Promise<absl::StatusOr<update_svc::PauseUpdateResponse>> UpdatePause(
    api::Peloton::Client& api, const update_svc::PauseUpdateRequest& req) {
  return ChangeUpdate<update_svc::PauseUpdateResponse>(
      api.pauseUpdateRequest(), req.updateid().value(), req.opaque_data().data());
}

kj::Promise<absl::StatusOr<update_svc::ResumeUpdateResponse>> UpdateResume(
    api::Peloton::Client& api, const update_svc::ResumeUpdateRequest& req) {
  return ChangeUpdate<update_svc::ResumeUpdateResponse>(
      api.resumeUpdateRequest(), req.updateid().value(), req.opaque_data().data());
}

kj::Promise<absl::StatusOr<update_svc::AbortUpdateResponse>> UpdateAbort(
    api::Peloton::Client& api, const update_svc::AbortUpdateRequest& req) {
  if (req.softabort()) {
    return Ready<update_svc::AbortUpdateResponse>(absl::InvalidArgumentError(
        "softAbort: true (rule: not supported; an abort stops the update where it is)"));
  }
  return ChangeUpdate<update_svc::AbortUpdateResponse>(
      api.abortUpdateRequest(), req.updateid().value(), req.opaque_data().data());
}

kj::Promise<absl::StatusOr<update_svc::RollbackUpdateResponse>> UpdateRollback(
    api::Peloton::Client& api, const update_svc::RollbackUpdateRequest& req) {
  auto call = api.rollbackUpdateRequest();
  call.setUpdateId(req.updateid().value());
  return call.send().then([](capnp::Response<api::Peloton::RollbackUpdateResults>&& r)
                              -> absl::StatusOr<update_svc::RollbackUpdateResponse> {
    if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
    return update_svc::RollbackUpdateResponse();
  });
}

// --- ResourceManager

// The pool's usage of each kind: allocation, and (our extension) entitlement and demand.
void AddUsage(api::PoolSummary::Reader p, respool_pb::ResourcePoolInfo& info) {
  const auto a = ByKind(p.getAllocation()), e = ByKind(p.getEntitlement()),
             d = ByKind(p.getDemand());
  for (size_t k = 0; k < a.size(); ++k) {
    respool_pb::ResourceUsage* u = info.add_usage();
    u->set_kind(a[k].first);
    u->set_allocation(a[k].second);
    u->set_entitlement(e[k].second);
    u->set_demand(d[k].second);
  }
}

kj::Promise<absl::StatusOr<std::vector<respool_pb::ResourcePoolInfo>>> ListPoolInfos(
    api::Peloton::Client& api) {
  return api.listPoolsRequest().send().then(
      [](capnp::Response<api::Peloton::ListPoolsResults>&& r)
          -> absl::StatusOr<std::vector<respool_pb::ResourcePoolInfo>> {
        if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
        std::vector<respool_pb::ResourcePoolInfo> pools;
        absl::flat_hash_map<std::string, std::string> parent_of;
        for (auto p : r.getPools()) {
          for (auto child : p.getChildren()) parent_of[Str(child)] = Str(p.getId());
        }
        for (auto p : r.getPools()) {
          respool_pb::ResourcePoolInfo& info = pools.emplace_back();
          const std::string id = Str(p.getId());
          info.mutable_id()->set_value(id);
          info.mutable_path()->set_value(Str(p.getPath()));
          absl::StatusOr<fairshare::PoolConfig> config = api::PoolConfigFromCapnp(p.getConfig());
          if (!config.ok()) return config.status();
          *info.mutable_config() = api::PoolConfigToProto(*config);
          if (auto parent = parent_of.find(id); parent != parent_of.end()) {
            info.mutable_parent()->set_value(parent->second);
            info.mutable_config()->mutable_parent()->set_value(parent->second);
          }
          for (auto child : p.getChildren()) info.add_children()->set_value(Str(child));
          AddUsage(p, info);
        }
        return pools;
      });
}

const respool_pb::ResourcePoolInfo* FindPool(const std::vector<respool_pb::ResourcePoolInfo>& pools,
                                             const std::string& id) {
  for (const auto& p : pools) {
    if (p.id().value() == id) return &p;
  }
  return nullptr;
}

kj::Promise<absl::StatusOr<respool_pb::CreateResponse>> PoolCreate(
    api::Peloton::Client& api, const respool_pb::CreateRequest& req) {
  const respool_pb::ResourcePoolConfig config = req.config();
  return ListPoolInfos(api).then(
      [api, config](absl::StatusOr<std::vector<respool_pb::ResourcePoolInfo>> pools) mutable
      -> kj::Promise<absl::StatusOr<respool_pb::CreateResponse>> {
        if (!pools.ok()) return Ready<respool_pb::CreateResponse>(pools.status());
        respool_pb::CreateResponse invalid;
        // No parent: the root, as Peloton's CLI passes it.
        const std::string parent_id =
            config.parent().value().empty() ? std::string(kRootPoolId) : config.parent().value();
        const respool_pb::ResourcePoolInfo* parent = FindPool(*pools, parent_id);
        absl::StatusOr<fairshare::PoolConfig> pool = api::PoolConfigFromProto(config);
        if (parent == nullptr || !pool.ok() || config.name().empty()) {
          invalid.mutable_error()->mutable_invalidresourcepoolconfig()->set_message(
              parent == nullptr ? absl::StrCat("parent: ", parent_id, " (rule: a pool's id)")
              : !pool.ok()      ? std::string(pool.status().message())
                                : "name: empty (rule: the pool's name)");
          return Ready<respool_pb::CreateResponse>(invalid);
        }
        const std::string& base = parent->path().value();
        const std::string path = absl::StrCat(base == "/" ? "" : base, "/", config.name());
        auto call = api.createPoolRequest();
        call.setPath(path);
        api::PoolConfigToCapnp(*pool, call.initConfig());
        return call.send().then([](capnp::Response<api::Peloton::CreatePoolResults>&& r)
                                    -> absl::StatusOr<respool_pb::CreateResponse> {
          respool_pb::CreateResponse resp;
          const absl::Status s = StatusOf(r.getStatus());
          if (s.ok()) {
            resp.mutable_result()->set_value(Str(r.getId()));
          } else if (absl::IsAlreadyExists(s)) {
            resp.mutable_error()->mutable_alreadyexists()->set_message(std::string(s.message()));
          } else if (absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s)) {
            resp.mutable_error()->mutable_invalidresourcepoolconfig()->set_message(
                std::string(s.message()));
          } else {
            return s;
          }
          return resp;
        });
      });
}

kj::Promise<absl::StatusOr<respool_pb::GetResponse>> PoolGet(api::Peloton::Client& api,
                                                            const respool_pb::GetRequest& req) {
  // No id: the root, as Peloton answers.
  const std::string id = req.id().value().empty() ? std::string(kRootPoolId) : req.id().value();
  const bool children = req.includechildpools();
  return ListPoolInfos(api).then(
      [id, children](absl::StatusOr<std::vector<respool_pb::ResourcePoolInfo>> pools)
          -> absl::StatusOr<respool_pb::GetResponse> {
        if (!pools.ok()) return pools.status();
        respool_pb::GetResponse resp;
        const respool_pb::ResourcePoolInfo* pool = FindPool(*pools, id);
        if (pool == nullptr) {
          auto* e = resp.mutable_error()->mutable_notfound();
          e->mutable_id()->set_value(id);
          e->set_message(absl::StrCat("resource pool ", id, " not found"));
          return resp;
        }
        *resp.mutable_poolinfo() = *pool;
        if (children) {
          for (const auto& child : pool->children()) {
            if (const auto* c = FindPool(*pools, child.value()); c != nullptr) {
              *resp.add_childpools() = *c;
            }
          }
        }
        return resp;
      });
}

kj::Promise<absl::StatusOr<respool_pb::DeleteResponse>> PoolDelete(
    api::Peloton::Client& api, const respool_pb::DeleteRequest& req) {
  const respool_pb::ResourcePoolPath path = req.path();
  auto call = api.deletePoolRequest();
  call.setPath(path.value());
  return call.send().then([path](capnp::Response<api::Peloton::DeletePoolResults>&& r)
                              -> absl::StatusOr<respool_pb::DeleteResponse> {
    respool_pb::DeleteResponse resp;
    const absl::Status s = StatusOf(r.getStatus());
    if (absl::IsNotFound(s)) {
      auto* e = resp.mutable_error()->mutable_notfound();
      *e->mutable_path() = path;
      e->set_message(std::string(s.message()));
    } else if (absl::IsFailedPrecondition(s) || absl::IsInvalidArgument(s)) {
      // Busy (it has jobs), not a leaf, or the root: the message says which.
      resp.mutable_error()->mutable_notdeleted()->set_message(std::string(s.message()));
    } else if (!s.ok()) {
      return s;
    }
    return resp;
  });
}

kj::Promise<absl::StatusOr<respool_pb::UpdateResponse>> PoolUpdate(
    api::Peloton::Client& api, const respool_pb::UpdateRequest& req) {
  if (req.force()) {
    return Ready<respool_pb::UpdateResponse>(absl::InvalidArgumentError(
        "Force: true (rule: not supported; every update is checked against the pool's parent "
        "and children)"));
  }
  const respool_pb::UpdateRequest request = req;
  return ListPoolInfos(api).then(
      [api, request](absl::StatusOr<std::vector<respool_pb::ResourcePoolInfo>> pools) mutable
      -> kj::Promise<absl::StatusOr<respool_pb::UpdateResponse>> {
        if (!pools.ok()) return Ready<respool_pb::UpdateResponse>(pools.status());
        respool_pb::UpdateResponse resp;
        const respool_pb::ResourcePoolInfo* pool = FindPool(*pools, request.id().value());
        if (pool == nullptr) {
          auto* e = resp.mutable_error()->mutable_notfound();
          *e->mutable_id() = request.id();
          e->set_message(absl::StrCat("resource pool ", request.id().value(), " not found"));
          return Ready<respool_pb::UpdateResponse>(resp);
        }
        absl::StatusOr<fairshare::PoolConfig> config = api::PoolConfigFromProto(request.config());
        if (!config.ok()) {
          auto* e = resp.mutable_error()->mutable_invalidresourcepoolconfig();
          *e->mutable_id() = request.id();
          e->set_message(std::string(config.status().message()));
          return Ready<respool_pb::UpdateResponse>(resp);
        }
        auto call = api.updatePoolRequest();
        call.setPath(pool->path().value());
        api::PoolConfigToCapnp(*config, call.initConfig());
        return call.send().then([id = request.id()](
                                    capnp::Response<api::Peloton::UpdatePoolResults>&& r)
                                    -> absl::StatusOr<respool_pb::UpdateResponse> {
          respool_pb::UpdateResponse resp;
          const absl::Status s = StatusOf(r.getStatus());
          if (absl::IsInvalidArgument(s) || absl::IsFailedPrecondition(s)) {
            auto* e = resp.mutable_error()->mutable_invalidresourcepoolconfig();
            *e->mutable_id() = id;
            e->set_message(std::string(s.message()));
          } else if (absl::IsNotFound(s)) {
            auto* e = resp.mutable_error()->mutable_notfound();
            *e->mutable_id() = id;
            e->set_message(std::string(s.message()));
          } else if (!s.ok()) {
            return s;
          }
          return resp;
        });
      });
}

kj::Promise<absl::StatusOr<respool_pb::LookupResponse>> PoolLookup(
    api::Peloton::Client& api, const respool_pb::LookupRequest& req) {
  const respool_pb::ResourcePoolPath path = req.path();
  auto call = api.lookupPoolRequest();
  call.setPath(path.value());
  return call.send().then([path](capnp::Response<api::Peloton::LookupPoolResults>&& r)
                              -> absl::StatusOr<respool_pb::LookupResponse> {
    respool_pb::LookupResponse resp;
    const absl::Status s = StatusOf(r.getStatus());
    if (s.ok()) {
      resp.mutable_id()->set_value(Str(r.getId()));
    } else if (absl::IsNotFound(s)) {
      auto* e = resp.mutable_error()->mutable_notfound();
      *e->mutable_path() = path;
      e->set_message(std::string(s.message()));
    } else if (absl::IsInvalidArgument(s)) {
      auto* e = resp.mutable_error()->mutable_invalidpath();
      *e->mutable_path() = path;
      e->set_message(std::string(s.message()));
    } else {
      return s;
    }
    return resp;
  });
}

kj::Promise<absl::StatusOr<respool_pb::QueryResponse>> PoolQuery(
    api::Peloton::Client& api, const respool_pb::QueryRequest&) {
  return ListPoolInfos(api).then(
      [](absl::StatusOr<std::vector<respool_pb::ResourcePoolInfo>> pools)
          -> absl::StatusOr<respool_pb::QueryResponse> {
        if (!pools.ok()) return pools.status();
        respool_pb::QueryResponse resp;
        for (auto& p : *pools) *resp.add_resourcepools() = std::move(p);
        return resp;
      });
}

// --- HostService

// Peloton's HostState of our state name (UP, DRAINING, DRAINED, DOWN).
host_pb::HostState HostStateOf(const std::string& name) {
  host_pb::HostState state = host_pb::HOST_STATE_UNKNOWN;
  if (!host_pb::HostState_Parse(absl::StrCat("HOST_STATE_", name), &state)) {
    return host_pb::HOST_STATE_UNKNOWN;
  }
  return state;
}

kj::Promise<absl::StatusOr<host_svc::QueryHostsResponse>> HostQuery(
    api::Peloton::Client& api, const host_svc::QueryHostsRequest& req) {
  std::vector<int> wanted(req.host_states().begin(), req.host_states().end());
  return api.listHostsRequest().send().then(
      [wanted = std::move(wanted)](capnp::Response<api::Peloton::ListHostsResults>&& r)
          -> absl::StatusOr<host_svc::QueryHostsResponse> {
        if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
        host_svc::QueryHostsResponse resp;
        for (auto h : r.getHosts()) {
          const host_pb::HostState state = HostStateOf(Str(h.getState()));
          if (!wanted.empty() &&
              std::find(wanted.begin(), wanted.end(), static_cast<int>(state)) == wanted.end()) {
            continue;
          }
          host_pb::HostInfo* info = resp.add_host_infos();
          info->set_hostname(Str(h.getHostname()));
          info->set_state(state);
          // A host under maintenance is on its way DOWN until maintenance completes.
          info->set_goal_state(state == host_pb::HOST_STATE_UP ? host_pb::HOST_STATE_UP
                                                               : host_pb::HOST_STATE_DOWN);
          for (auto a : h.getAttributes()) {
            auto* label = info->add_labels();
            label->set_key(Str(a.getKey()));
            label->set_value(Str(a.getValue()));
          }
          const auto capacity = ByKind(h.getCapacity()), free = ByKind(h.getFree());
          for (size_t k = 0; k < capacity.size(); ++k) {
            (*info->mutable_capacity())[capacity[k].first] = capacity[k].second;
            (*info->mutable_allocated())[capacity[k].first] = capacity[k].second - free[k].second;
          }
          info->set_tasks(h.getTasks());
        }
        return resp;
      });
}

// The hosts of a maintenance request: `hostname`, or Peloton's deprecated `hostnames`.
template <typename Req>
absl::StatusOr<std::vector<std::string>> MaintenanceHosts(const Req& req) {
  std::vector<std::string> hosts(req.hostnames().begin(), req.hostnames().end());
  if (!req.hostname().empty()) hosts.push_back(req.hostname());
  if (hosts.empty()) return absl::InvalidArgumentError("hostname: empty (rule: a host's name)");
  return hosts;
}

// StartMaintenance or CompleteMaintenance of `hosts`.
template <typename Resp, typename Params, typename Results>
kj::Promise<absl::StatusOr<Resp>> SendMaintenance(capnp::Request<Params, Results> call,
                                                  absl::StatusOr<std::vector<std::string>> hosts) {
  if (!hosts.ok()) return Ready<Resp>(hosts.status());
  auto names = call.initHostnames(static_cast<unsigned>(hosts->size()));
  for (size_t i = 0; i < hosts->size(); ++i) names.set(static_cast<unsigned>(i), (*hosts)[i]);
  return call.send().then(
      [host = hosts->back()](capnp::Response<Results>&& r) -> absl::StatusOr<Resp> {
        if (absl::Status s = StatusOf(r.getStatus()); !s.ok()) return s;
        Resp resp;
        resp.set_hostname(host);
        return resp;
      });
}

kj::Promise<absl::StatusOr<host_svc::StartMaintenanceResponse>> HostStartMaintenance(
    api::Peloton::Client& api, const host_svc::StartMaintenanceRequest& req) {
  return SendMaintenance<host_svc::StartMaintenanceResponse>(api.startMaintenanceRequest(),
                                                             MaintenanceHosts(req));
}

kj::Promise<absl::StatusOr<host_svc::CompleteMaintenanceResponse>> HostCompleteMaintenance(
    api::Peloton::Client& api, const host_svc::CompleteMaintenanceRequest& req) {
  return SendMaintenance<host_svc::CompleteMaintenanceResponse>(api.completeMaintenanceRequest(),
                                                                MaintenanceHosts(req));
}

}  // namespace

std::vector<V0Procedure> V0Procedures() {
  const std::string jobs = "peloton.api.v0.job.JobManager";
  const std::string pools = "peloton.api.v0.respool.ResourceManager";
  const std::string hosts = "peloton.api.v0.host.svc.HostService";
  const std::string tasks = "peloton.api.v0.task.TaskManager";
  const std::string updates = "peloton.api.v0.update.svc.UpdateService";
  std::vector<V0Procedure> all;
  all.push_back(Make(jobs, "Create", &JobCreate));
  all.push_back(Make(jobs, "Get", &JobGet));
  all.push_back(Make(jobs, "Query", &JobQuery));
  all.push_back(Make(jobs, "Delete", &JobDelete));
  all.push_back(Make(jobs, "Update", &JobUpdate));
  all.push_back(Make(tasks, "Get", &TaskGet));
  all.push_back(Make(tasks, "List", &TaskList));
  all.push_back(Make(tasks, "Start", &TaskStart));
  all.push_back(Make(tasks, "Stop", &TaskStop));
  all.push_back(Make(tasks, "Restart", &TaskRestart));
  all.push_back(Make(tasks, "Query", &TaskQuery));
  all.push_back(Make(tasks, "GetPodEvents", &TaskPodEvents));
  all.push_back(Make(updates, "CreateUpdate", &UpdateCreate));
  all.push_back(Make(updates, "GetUpdate", &UpdateGet));
  all.push_back(Make(updates, "ListUpdates", &UpdateList));
  all.push_back(Make(updates, "PauseUpdate", &UpdatePause));
  all.push_back(Make(updates, "ResumeUpdate", &UpdateResume));
  all.push_back(Make(updates, "AbortUpdate", &UpdateAbort));
  all.push_back(Make(updates, "RollbackUpdate", &UpdateRollback));
  all.push_back(Make(pools, "CreateResourcePool", &PoolCreate));
  all.push_back(Make(pools, "GetResourcePool", &PoolGet));
  all.push_back(Make(pools, "DeleteResourcePool", &PoolDelete));
  all.push_back(Make(pools, "UpdateResourcePool", &PoolUpdate));
  all.push_back(Make(pools, "LookupResourcePoolID", &PoolLookup));
  all.push_back(Make(pools, "Query", &PoolQuery));
  all.push_back(Make(hosts, "QueryHosts", &HostQuery));
  all.push_back(Make(hosts, "StartMaintenance", &HostStartMaintenance));
  all.push_back(Make(hosts, "CompleteMaintenance", &HostCompleteMaintenance));
  return all;
}

}  // namespace peloton::rpc
