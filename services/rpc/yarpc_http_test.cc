// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The HTTP/JSON endpoint over a real master (SQLite store, simulated hosts) and the real
// public API service: each v0 procedure in Peloton's JSON, and yarpc's transport rules (headers,
// encodings, errors, deadline, body size).

#include "services/rpc/yarpc_http.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "kj/async-io.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/host_svc.pb.h"
#include "services/api/job_svc.pb.h"
#include "services/api/respool_svc.pb.h"
#include "services/api/task_svc.pb.h"
#include "services/api/update_svc.pb.h"
#include "services/backend/sim/sim_backend.h"
#include "services/rpc/peloton_service.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"

namespace peloton::rpc {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct HttpReply {
  unsigned status = 0;
  std::string error_code;  // Rpc-Error-Code
  std::string content_type;
  std::string authenticate;  // WWW-Authenticate
  std::string body;
};

using Headers = std::map<std::string, std::string>;

Headers YarpcHeaders(const std::string& procedure) {
  return {{"Rpc-Procedure", procedure},
          {"Rpc-Service", "peloton-jobmgr"},
          {"Rpc-Caller", "peloton-client"},
          {"Context-TTL-MS", "5000"},
          {"Rpc-Encoding", "json"},
          {"Content-Type", "application/json"}};
}

// A Peloton API that never answers getJob: what a stuck call looks like to the transport.
class SilentApi final : public api::Peloton::Server {
 protected:
  kj::Promise<void> getJob(GetJobContext) override { return kj::NEVER_DONE; }
};

class YarpcHttpTest : public ::testing::Test {
 protected:
  // kj's destructors may throw; gtest's fixture's may not.
  ~YarpcHttpTest() noexcept override {}

  void SetUp() override {
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string dir =
        absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/yarpc_http_",
                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    PELOTON_ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open({.path = dir + "/peloton.db"}));
    PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<backend::HostInfo> hosts,
                                 backend::sim::GenerateHosts(3, "cpu=4,memory_mb=8192"));
    PELOTON_ASSERT_OK_AND_ASSIGN(backend_, backend::sim::SimBackend::Create({hosts, 1}));
    PELOTON_ASSERT_OK_AND_ASSIGN(master_, runtime::Master::Create(*store_, *backend_));
    ASSERT_TRUE(master_->Recover().ok());
    Serve(kj::heap<PelotonService>(loop_, master_->jobs(), master_->pools(), master_->hosts(),
                                   dir + "/sandboxes"));
  }

  void Serve(api::Peloton::Client api, std::shared_ptr<const Authorizer> auth = nullptr) {
    kj::HttpHeaderTable::Builder builder;
    error_code_ = builder.add("Rpc-Error-Code");
    authenticate_ = builder.add("WWW-Authenticate");
    service_ = kj::heap<YarpcHttpService>(builder, io_.provider->getTimer(), kj::mv(api), nullptr,
                                          std::move(auth));
    table_ = builder.build();
    client_ = kj::newHttpClient(*service_);
  }

  // Runs the process's loop (the API's calls run on it) until `promise` resolves.
  template <typename T>
  T Drive(kj::Promise<T> promise) {
    std::optional<T> out;
    auto done = promise
                    .then([&](T value) {
                      out = kj::mv(value);
                      loop_.Stop();
                    })
                    .eagerlyEvaluate([&](kj::Exception&& e) {
                      ADD_FAILURE() << e.getDescription().cStr();
                      loop_.Stop();
                    });
    loop_.Loop(io_.waitScope, io_.provider->getTimer(), 1 * kj::HOURS, [] {});
    return out.has_value() ? *std::move(out) : T();
  }

  HttpReply Post(const Headers& headers, const std::string& body) {
    kj::HttpHeaders h(*table_);
    for (const auto& [name, value] : headers) h.add(name, value);
    auto request = client_->request(kj::HttpMethod::POST, "/api/v1", h, body.size());
    // The body is written while the reply is awaited: a refusal may come before it is read.
    auto sent = request.body->write(body.data(), body.size())
                    .attach(kj::mv(request.body))
                    .eagerlyEvaluate([](kj::Exception&&) {});
    auto reply =
        request.response
            .then([this](kj::HttpClient::Response&& r) {
              HttpReply out;
              out.status = r.statusCode;
              KJ_IF_MAYBE(code, r.headers->get(error_code_)) { out.error_code = code->cStr(); }
              KJ_IF_MAYBE (a, r.headers->get(authenticate_)) {
                out.authenticate = a->cStr();
              }
              KJ_IF_MAYBE(type, r.headers->get(kj::HttpHeaderId::CONTENT_TYPE)) {
                out.content_type = type->cStr();
              }
              auto text = r.body->readAllText();
              return text.attach(kj::mv(r.body)).then([out](kj::String body) mutable {
                out.body = body.cStr();
                return out;
              });
            })
            .attach(kj::mv(sent));
    return Drive(kj::mv(reply));
  }

  HttpReply Call(const std::string& procedure, const std::string& json) {
    return Post(YarpcHeaders(procedure), json);
  }

  // The body of a successful call, parsed as `Message`.
  template <typename Message>
  Message Ok(const std::string& procedure, const std::string& json) {
    const HttpReply r = Call(procedure, json);
    EXPECT_EQ(r.status, 200u) << procedure << ": " << r.body;
    EXPECT_EQ(r.content_type, "application/json");
    Message m;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &m).ok()) << r.body;
    return m;
  }

  std::string CreatePool(const std::string& name) {
    const auto created = Ok<api::v0::respool::CreateResponse>(
        "ResourceManager.CreateResourcePool",
        absl::StrCat(R"({"config": {"name": ")", name, R"(", "resources": [)",
                     R"({"kind": "cpu", "reservation": 4, "limit": 8, "share": 1},)",
                     R"({"kind": "memory", "reservation": 4096, "limit": 8192, "share": 1}]}})"));
    EXPECT_FALSE(created.has_error()) << created.DebugString();
    return created.result().value();
  }

  static std::string JobJson(const std::string& pool, int instances) {
    return absl::StrCat(R"({"name": "web", "type": "BATCH", "instanceCount": )", instances,
                        R"(, "respoolID": {"value": ")", pool, R"("}, "defaultConfig": {)",
                        R"("resource": {"cpuLimit": 0.5, "memLimitMb": 64},)",
                        R"("command": {"value": "sleep 10"}}})");
  }

  kj::AsyncIoContext io_ = kj::setupAsyncIo();
  SerialLoop loop_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<backend::sim::SimBackend> backend_;
  std::unique_ptr<runtime::Master> master_;
  kj::Own<YarpcHttpService> service_;
  kj::Own<kj::HttpHeaderTable> table_;
  kj::Own<kj::HttpClient> client_;
  kj::HttpHeaderId error_code_ = kj::HttpHeaderId::HOST;
  kj::HttpHeaderId authenticate_ = kj::HttpHeaderId::HOST;
};

TEST_F(YarpcHttpTest, JobManagerProceduresInPelotonsJson) {
  const std::string pool = CreatePool("batch");
  // Create: the config's respoolID names the pool.
  const auto created = Ok<api::v0::job::CreateResponse>(
      "JobManager.Create", absl::StrCat(R"({"config": )", JobJson(pool, 2), "}"));
  ASSERT_FALSE(created.has_error()) << created.DebugString();
  const std::string id = created.jobid().value();
  ASSERT_FALSE(id.empty());

  // Get, by the seed's short procedure name and by Peloton's full one.
  for (const char* procedure : {"JobManager.Get", "peloton.api.v0.job.JobManager::Get"}) {
    const auto got = Ok<api::v0::job::GetResponse>(
        procedure, absl::StrCat(R"({"id": {"value": ")", id, R"("}})"));
    ASSERT_FALSE(got.has_error()) << got.DebugString();
    EXPECT_EQ(got.jobinfo().id().value(), id);
    EXPECT_EQ(got.jobinfo().config().name(), "web");
    EXPECT_EQ(got.jobinfo().config().instancecount(), 2u);
    EXPECT_EQ(got.jobinfo().config().respoolid().value(), pool);
    EXPECT_EQ(got.jobinfo().runtime().state(), api::v0::job::PENDING);
    EXPECT_EQ(got.jobinfo().runtime().goalstate(), api::v0::job::SUCCEEDED);
    EXPECT_EQ(got.jobinfo().runtime().configurationversion(), 1u);
    EXPECT_EQ(got.jobinfo().runtime().taskstats().at("PENDING"), 2u);
    EXPECT_THAT(got.jobinfo().runtime().creationtime(), HasSubstr("T"));
  }

  // Update adds an instance; Query finds the job with its config's type.
  const auto updated = Ok<api::v0::job::UpdateResponse>(
      "JobManager.Update",
      absl::StrCat(R"({"id": {"value": ")", id, R"("}, "config": )", JobJson(pool, 3), "}"));
  EXPECT_FALSE(updated.has_error()) << updated.DebugString();
  EXPECT_EQ(updated.message(), "added 1 instances");
  const auto found = Ok<api::v0::job::QueryResponse>(
      "JobManager.Query",
      absl::StrCat(R"({"respoolID": {"value": ")", pool, R"("}, "spec": {"name": "web"}})"));
  ASSERT_EQ(found.results_size(), 1) << found.DebugString();
  EXPECT_EQ(found.results(0).id().value(), id);
  EXPECT_EQ(found.results(0).instancecount(), 3u);
  EXPECT_EQ(found.results(0).type(), api::v0::job::BATCH);
  EXPECT_EQ(found.records_size(), 1);  // summaryOnly is false
  EXPECT_EQ(found.pagination().total(), 1u);
  const auto none = Ok<api::v0::job::QueryResponse>(
      "JobManager.Query", R"({"spec": {"name": "db"}, "summaryOnly": true})");
  EXPECT_EQ(none.results_size(), 0);

  // Delete of a job still running: refused by the job manager, as a failed precondition.
  const HttpReply busy = Call("JobManager.Delete", absl::StrCat(R"({"id": {"value": ")", id,
                                                                R"("}})"));
  EXPECT_EQ(busy.status, 400u);
  EXPECT_EQ(busy.error_code, "failed-precondition");
  EXPECT_THAT(busy.body, HasSubstr("only terminal jobs are deleted"));
}

TEST_F(YarpcHttpTest, TaskManagerProcedures) {
  const std::string pool = CreatePool("batch");
  const std::string id =
      Ok<api::v0::job::CreateResponse>("JobManager.Create",
                                       absl::StrCat(R"({"config": )", JobJson(pool, 3), "}"))
          .jobid()
          .value();
  const std::string job = absl::StrCat(R"({"jobId": {"value": ")", id, R"("})");

  const auto got = Ok<api::v0::task::GetResponse>("TaskManager.Get",
                                                  absl::StrCat(job, R"(, "instanceId": 1})"));
  ASSERT_EQ(got.results_size(), 1) << got.DebugString();
  EXPECT_EQ(got.result().instanceid(), 1u);
  EXPECT_EQ(got.result().jobid().value(), id);
  EXPECT_EQ(got.result().runtime().state(), api::v0::task::PENDING);
  EXPECT_EQ(got.result().runtime().mesostaskid().value(), id + "-1-1");
  EXPECT_EQ(got.result().config().command().value(), "sleep 10");
  const auto out_of_range = Ok<api::v0::task::GetResponse>(
      "TaskManager.Get", absl::StrCat(job, R"(, "instanceId": 3})"));
  EXPECT_EQ(out_of_range.outofrange().instancecount(), 3u);
  const auto no_job = Ok<api::v0::task::GetResponse>("TaskManager.Get",
                                                     R"({"jobId": {"value": "nope"}})");
  EXPECT_TRUE(no_job.has_notfound());

  const auto listed = Ok<api::v0::task::ListResponse>(
      "TaskManager.List", absl::StrCat(job, R"(, "range": {"from": 1, "to": 3}})"));
  EXPECT_EQ(listed.result().value_size(), 2);
  EXPECT_TRUE(listed.result().value().contains(2));

  // Stop instance 0 (and 7, which the job lacks): its goal becomes KILLED.
  const auto stopped = Ok<api::v0::task::StopResponse>(
      "TaskManager.Stop",
      absl::StrCat(job, R"(, "ranges": [{"from": 0, "to": 1}, {"from": 7, "to": 8}]})"));
  EXPECT_FALSE(stopped.has_error()) << stopped.DebugString();
  EXPECT_THAT(stopped.stoppedinstanceids(), ::testing::ElementsAre(0u));
  EXPECT_THAT(stopped.invalidinstanceids(), ::testing::ElementsAre(7u));
  const auto after = Ok<api::v0::task::GetResponse>("TaskManager.Get",
                                                    absl::StrCat(job, R"(, "instanceId": 0})"));
  EXPECT_EQ(after.result().runtime().goalstate(), api::v0::task::KILLED);

  // Query: by state, and by the tasks' names; paged.
  const auto killed = Ok<api::v0::task::QueryResponse>(
      "TaskManager.Query",
      absl::StrCat(job, R"(, "spec": {"taskStates": ["KILLED", "KILLING"]}})"));
  const auto pending = Ok<api::v0::task::QueryResponse>(
      "TaskManager.Query",
      absl::StrCat(job, R"(, "spec": {"taskStates": ["PENDING"], "pagination": {"limit": 1}}})"));
  EXPECT_EQ(killed.pagination().total() + pending.pagination().total(), 3u)
      << killed.DebugString() << pending.DebugString();
  EXPECT_EQ(pending.records_size(), 1);
  EXPECT_EQ(Ok<api::v0::task::QueryResponse>(
                "TaskManager.Query", absl::StrCat(job, R"(, "spec": {"names": ["other"]}})"))
                .pagination()
                .total(),
            0u);

  // Start it again; Restart all.
  const auto started = Ok<api::v0::task::StartResponse>(
      "TaskManager.Start", absl::StrCat(job, R"(, "ranges": [{"from": 0, "to": 1}]})"));
  EXPECT_FALSE(started.has_error()) << started.DebugString();
  EXPECT_THAT(started.startedinstanceids(), ::testing::ElementsAre(0u));
  const auto restarted = Ok<api::v0::task::RestartResponse>("TaskManager.Restart",
                                                            absl::StrCat(job, "}"));
  EXPECT_FALSE(restarted.has_notfound()) << restarted.DebugString();

  const auto events = Ok<api::v0::task::GetPodEventsResponse>(
      "TaskManager.GetPodEvents", absl::StrCat(job, R"(, "instanceId": 1})"));
  ASSERT_GT(events.result_size(), 0) << events.DebugString();
  EXPECT_EQ(events.result(events.result_size() - 1).actualstate(), "PENDING");
  EXPECT_THAT(events.result(0).taskid().value(), StartsWith(id + "-1-"));
  const auto bad_run = Ok<api::v0::task::GetPodEventsResponse>(
      "TaskManager.GetPodEvents", absl::StrCat(job, R"(, "instanceId": 1, "runId": "x"})"));
  EXPECT_THAT(bad_run.error().message(), HasSubstr("runId"));

  // TaskManager.Get's `results`: the current run, then every earlier one its events tell of
  // (instance 0, stopped and started again, runs anew).
  const auto runs = Ok<api::v0::task::GetResponse>("TaskManager.Get",
                                                   absl::StrCat(job, R"(, "instanceId": 0})"));
  const auto events_0 = Ok<api::v0::task::GetPodEventsResponse>(
      "TaskManager.GetPodEvents", absl::StrCat(job, R"(, "instanceId": 0})"));
  std::set<std::string> event_runs;
  for (const auto& e : events_0.result()) event_runs.insert(e.taskid().value());
  ASSERT_GE(event_runs.size(), 2u) << events_0.DebugString();
  ASSERT_EQ(runs.results_size(), static_cast<int>(event_runs.size())) << runs.DebugString();
  const std::string current = runs.result().runtime().mesostaskid().value();
  EXPECT_EQ(runs.results(0).runtime().mesostaskid().value(), current);
  for (int i = 1; i < runs.results_size(); ++i) {
    const auto& earlier = runs.results(i);
    EXPECT_NE(earlier.runtime().mesostaskid().value(), current);
    EXPECT_TRUE(event_runs.count(earlier.runtime().mesostaskid().value()))
        << earlier.DebugString();
    EXPECT_EQ(earlier.instanceid(), 0u);
    EXPECT_EQ(earlier.config().command().value(), "sleep 10");
    EXPECT_NE(earlier.runtime().state(), api::v0::task::UNKNOWN) << earlier.DebugString();
  }
  // The oldest, run 1, was stopped before it ran: it ended KILLED.
  const auto& first = runs.results(runs.results_size() - 1).runtime();
  EXPECT_EQ(first.mesostaskid().value(), id + "-0-1");
  EXPECT_EQ(first.state(), api::v0::task::KILLED) << runs.DebugString();
  EXPECT_FALSE(first.completiontime().empty());
}

TEST_F(YarpcHttpTest, UpdateServiceProcedures) {
  namespace svc = api::v0::update::svc;
  const std::string pool = CreatePool("services");
  std::string service = JobJson(pool, 2);
  service.replace(service.find("BATCH"), 5, "SERVICE");
  const auto created = Ok<api::v0::job::CreateResponse>(
      "JobManager.Create", absl::StrCat(R"({"config": )", service, "}"));
  ASSERT_FALSE(created.has_error()) << created.DebugString();
  const std::string id = created.jobid().value();

  std::string next = service;
  next.replace(next.find("sleep 10"), 8, "sleep 20");
  const auto update = Ok<svc::CreateUpdateResponse>(
      "peloton.api.v0.update.svc.UpdateService::CreateUpdate",
      absl::StrCat(R"({"jobId": {"value": ")", id, R"("}, "jobConfig": )", next,
                   R"(, "updateConfig": {"batchSize": 1, "startPaused": true},)",
                   R"( "opaque_data": {"data": "v2"}})"));
  const std::string update_id = update.updateid().value();
  ASSERT_FALSE(update_id.empty());
  const std::string which = absl::StrCat(R"({"updateId": {"value": ")", update_id, R"("}})");

  auto got = Ok<svc::GetUpdateResponse>("UpdateService.GetUpdate", which);
  EXPECT_EQ(got.updateinfo().jobid().value(), id);
  EXPECT_EQ(got.updateinfo().status().state(), api::v0::update::PAUSED);
  EXPECT_EQ(got.updateinfo().config().batchsize(), 1u);
  EXPECT_EQ(got.updateinfo().configversion(), 2u);
  EXPECT_EQ(got.updateinfo().prevconfigversion(), 1u);
  EXPECT_EQ(got.updateinfo().opaque_data().data(), "v2");
  EXPECT_EQ(got.updateinfo().status().numtasksremaining(), 2u);

  Ok<svc::ResumeUpdateResponse>("UpdateService.ResumeUpdate", which);
  got = Ok<svc::GetUpdateResponse>(
      "UpdateService.GetUpdate",
      absl::StrCat(R"({"updateId": {"value": ")", update_id, R"("}, "statusOnly": true})"));
  EXPECT_EQ(got.updateinfo().status().state(), api::v0::update::ROLLING_FORWARD);
  EXPECT_FALSE(got.updateinfo().has_config());
  Ok<svc::PauseUpdateResponse>("UpdateService.PauseUpdate", which);

  const HttpReply soft = Call("UpdateService.AbortUpdate",
                              absl::StrCat(R"({"updateId": {"value": ")", update_id,
                                           R"("}, "softAbort": true})"));
  EXPECT_EQ(soft.status, 400u);
  EXPECT_THAT(soft.body, HasSubstr("softAbort"));
  Ok<svc::AbortUpdateResponse>("UpdateService.AbortUpdate", which);
  got = Ok<svc::GetUpdateResponse>("UpdateService.GetUpdate", which);
  EXPECT_EQ(got.updateinfo().status().state(), api::v0::update::ABORTED);

  Ok<svc::RollbackUpdateResponse>("UpdateService.RollbackUpdate", which);
  const auto listed = Ok<svc::ListUpdatesResponse>(
      "UpdateService.ListUpdates", absl::StrCat(R"({"jobID": {"value": ")", id, R"("}})"));
  ASSERT_EQ(listed.updateinfo_size(), 2) << listed.DebugString();
  const HttpReply unknown = Call("UpdateService.GetUpdate", R"({"updateId": {"value": "x"}})");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.error_code, "not-found");
}

TEST_F(YarpcHttpTest, RefusalsGoInTheResponsesErrorFieldAsPelotonsDo) {
  const std::string pool = CreatePool("batch");
  const auto missing =
      Ok<api::v0::job::GetResponse>("JobManager.Get", R"({"id": {"value": "no-such-job"}})");
  EXPECT_EQ(missing.error().notfound().id().value(), "no-such-job");
  EXPECT_THAT(missing.error().notfound().message(), HasSubstr("no-such-job"));

  const auto invalid = Ok<api::v0::job::CreateResponse>(
      "JobManager.Create", absl::StrCat(R"({"config": )", JobJson(pool, 0), "}"));
  EXPECT_THAT(invalid.error().invalidconfig().message(), HasSubstr("instanceCount"));
  const auto chosen_id = Ok<api::v0::job::CreateResponse>(
      "JobManager.Create",
      absl::StrCat(R"({"id": {"value": "x"}, "config": )", JobJson(pool, 1), "}"));
  EXPECT_THAT(chosen_id.error().invalidjobid().message(), HasSubstr("id: set"));
  const auto no_pool = Ok<api::v0::job::QueryResponse>("JobManager.Query",
                                                       R"({"respoolID": {"value": "nope"}})");
  EXPECT_THAT(no_pool.error().invalidrespool().message(), HasSubstr("nope"));
  const auto twice = Ok<api::v0::respool::CreateResponse>(
      "ResourceManager.CreateResourcePool", R"({"config": {"name": "batch"}})");
  EXPECT_THAT(twice.error().alreadyexists().message(), HasSubstr("same name"));
  // Nothing was created by the refusals.
  EXPECT_EQ(Ok<api::v0::job::QueryResponse>("JobManager.Query", "{}").results_size(), 0);
}

TEST_F(YarpcHttpTest, ResourceManagerAndHostServiceProcedures) {
  const std::string pool = CreatePool("batch");
  const auto created = Ok<api::v0::job::CreateResponse>(
      "JobManager.Create", absl::StrCat(R"({"config": )", JobJson(pool, 2), "}"));
  ASSERT_FALSE(created.has_error()) << created.DebugString();
  const auto looked_up = Ok<api::v0::respool::LookupResponse>(
      "ResourceManager.LookupResourcePoolID", R"({"path": {"value": "/batch"}})");
  EXPECT_EQ(looked_up.id().value(), pool);
  const auto root = Ok<api::v0::respool::GetResponse>("ResourceManager.GetResourcePool",
                                                      R"({"includeChildPools": true})");
  EXPECT_EQ(root.poolinfo().path().value(), "/");
  ASSERT_EQ(root.childpools_size(), 1);
  EXPECT_EQ(root.childpools(0).id().value(), pool);
  EXPECT_EQ(root.childpools(0).parent().value(), "root");
  ASSERT_EQ(root.childpools(0).usage_size(), 4);
  EXPECT_EQ(root.childpools(0).usage(0).kind(), "cpu");
  EXPECT_EQ(root.childpools(0).usage(0).demand(), 1);  // our extension: 2 tasks of 0.5 cpu
  EXPECT_EQ(root.childpools(0).usage(0).allocation(), 0);

  const auto updated = Ok<api::v0::respool::UpdateResponse>(
      "ResourceManager.UpdateResourcePool",
      absl::StrCat(R"({"id": {"value": ")", pool, R"("}, "config": {"name": "batch", )",
                   R"("resources": [{"kind": "cpu", "reservation": 2, "limit": 8, )",
                   R"("share": 1}]}})"));
  EXPECT_FALSE(updated.has_error()) << updated.DebugString();
  const auto got = Ok<api::v0::respool::GetResponse>(
      "ResourceManager.GetResourcePool", absl::StrCat(R"({"id": {"value": ")", pool, R"("}})"));
  bool cpu_seen = false;
  for (const auto& r : got.poolinfo().config().resources()) {
    if (r.kind() == "cpu") {
      cpu_seen = true;
      EXPECT_EQ(r.reservation(), 2);
    }
  }
  EXPECT_TRUE(cpu_seen) << got.DebugString();
  EXPECT_EQ(Ok<api::v0::respool::QueryResponse>("ResourceManager.Query", "{}").resourcepools_size(),
            2);
  // A pool with a job is not deleted; an empty one is.
  const auto busy = Ok<api::v0::respool::DeleteResponse>("ResourceManager.DeleteResourcePool",
                                                         R"({"path": {"value": "/batch"}})");
  EXPECT_TRUE(busy.error().has_notdeleted()) << busy.DebugString();
  CreatePool("spare");
  const auto deleted = Ok<api::v0::respool::DeleteResponse>("ResourceManager.DeleteResourcePool",
                                                            R"({"path": {"value": "/spare"}})");
  EXPECT_FALSE(deleted.has_error()) << deleted.DebugString();
  const auto gone = Ok<api::v0::respool::LookupResponse>("ResourceManager.LookupResourcePoolID",
                                                         R"({"path": {"value": "/spare"}})");
  EXPECT_TRUE(gone.error().has_notfound());

  const auto up = Ok<api::v0::host::svc::QueryHostsResponse>(
      "HostService.QueryHosts", R"({"host_states": ["HOST_STATE_UP"]})");
  ASSERT_EQ(up.host_infos_size(), 3);
  EXPECT_EQ(up.host_infos(0).capacity().at("cpu"), 4);  // our extensions
  EXPECT_EQ(up.host_infos(0).capacity().at("memory"), 8192);
  EXPECT_EQ(up.host_infos(0).allocated().at("cpu"), 0);  // nothing placed: no ticks
  EXPECT_EQ(up.host_infos(0).tasks(), 0u);

  const std::string host = up.host_infos(0).hostname();
  Ok<api::v0::host::svc::StartMaintenanceResponse>(
      "HostService.StartMaintenance", absl::StrCat(R"({"hostname": ")", host, R"("})"));
  const auto draining = Ok<api::v0::host::svc::QueryHostsResponse>(
      "HostService.QueryHosts", R"({"hostStates": ["HOST_STATE_DRAINING", "HOST_STATE_DOWN"]})");
  ASSERT_EQ(draining.host_infos_size(), 1);
  EXPECT_EQ(draining.host_infos(0).hostname(), host);
  EXPECT_EQ(draining.host_infos(0).goal_state(), api::v0::host::HOST_STATE_DOWN);
  const HttpReply unknown =
      Call("HostService.StartMaintenance", R"({"hostname": "no-such-host"})");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.error_code, "not-found");
}

TEST_F(YarpcHttpTest, TransportErrorsAsYarpcSendsThem) {
  Headers none = YarpcHeaders("JobManager.Get");
  for (const char* h : {"Rpc-Service", "Rpc-Caller", "Context-TTL-MS"}) none.erase(h);
  HttpReply r = Post(none, "{}");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code, "invalid-argument");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, "missing service name, caller name, and TTL");

  Headers ttl = YarpcHeaders("JobManager.Get");
  ttl["Context-TTL-MS"] = "soon";
  r = Post(ttl, "{}");
  EXPECT_EQ(r.status, 400u);
  EXPECT_THAT(r.body, HasSubstr("invalid TTL \"soon\""));

  r = Call("JobManager.Launch", "{}");
  EXPECT_EQ(r.status, 501u);
  EXPECT_EQ(r.error_code, "unimplemented");
  EXPECT_EQ(r.body, "unrecognized procedure \"JobManager.Launch\" for service \"peloton-jobmgr\"");

  Headers service = YarpcHeaders("JobManager.Get");
  service["Rpc-Service"] = "kubelet";
  r = Post(service, "{}");
  EXPECT_EQ(r.status, 501u);
  EXPECT_THAT(r.body, StartsWith("unrecognized service name \"kubelet\""));

  Headers thrift = YarpcHeaders("JobManager.Get");
  thrift["Rpc-Encoding"] = "thrift";
  r = Post(thrift, "{}");
  EXPECT_EQ(r.status, 400u);
  EXPECT_THAT(r.body, HasSubstr("unsupported encoding \"thrift\""));

  // Bad JSON names the field; nothing is called.
  r = Call("JobManager.Get", R"({"jobId": {"value": "x"}})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.error_code, "invalid-argument");
  EXPECT_THAT(r.body, HasSubstr("failed to decode \"json\" request body for procedure "
                                "\"JobManager.Get\""));
  EXPECT_THAT(r.body, HasSubstr("jobId"));
  r = Call("JobManager.Get", R"({"id": )");
  EXPECT_EQ(r.status, 400u);

  r = Call("JobManager.Get", std::string(kMaxRequestBytes + 1, ' '));
  EXPECT_EQ(r.status, 429u);
  EXPECT_EQ(r.error_code, "resource-exhausted");
  EXPECT_THAT(r.body, HasSubstr("at most 4194304"));

  // A refusal with no error field in the response: the status, as a yarpc error.
  r = Call("ResourceManager.UpdateResourcePool", R"({"id": {"value": "root"}, "Force": true})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_THAT(r.body, HasSubstr("Force: true"));
}

TEST_F(YarpcHttpTest, ProtoEncodingRoundTrips) {
  const std::string pool = CreatePool("batch");
  Headers proto = YarpcHeaders("JobManager.Get");
  proto["Rpc-Encoding"] = "proto";
  proto["Content-Type"] = "application/octet-stream";
  api::v0::job::GetRequest request;
  request.mutable_id()->set_value("no-such-job");
  const HttpReply r = Post(proto, request.SerializeAsString());
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/octet-stream");
  api::v0::job::GetResponse response;
  ASSERT_TRUE(response.ParseFromString(r.body));
  EXPECT_EQ(response.error().notfound().id().value(), "no-such-job");
  EXPECT_EQ(Post(proto, "\xff\xff\xff").status, 400u);
}

// A body that never arrives whole is answered when the TTL is up, not waited for forever.
TEST_F(YarpcHttpTest, ContextTtlBoundsTheBodyToo) {
  Headers headers = YarpcHeaders("JobManager.Get");
  headers["Context-TTL-MS"] = "100";
  kj::HttpHeaders h(*table_);
  for (const auto& [name, value] : headers) h.add(name, value);
  auto request = client_->request(kj::HttpMethod::POST, "/api/v1", h, uint64_t{100});
  auto sent = request.body->write("{\"id\": ", 7).eagerlyEvaluate([](kj::Exception&&) {});
  auto reply = request.response.then([](kj::HttpClient::Response&& r) {
    return r.body->readAllText().attach(kj::mv(r.body)).then(
        [status = r.statusCode](kj::String body) {
          return std::make_pair(status, std::string(body.cStr()));
        });
  });
  const auto [status, body] = Drive(kj::mv(reply));
  EXPECT_EQ(status, 504u);
  EXPECT_EQ(body,
            "request body of \"JobManager.Get\": not whole after 100 ms (rule: within "
            "Context-TTL-MS)");
}

TEST_F(YarpcHttpTest, SecurityFileChecksAuthorizationBasic) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  PELOTON_ASSERT_OK_AND_ASSIGN(
      Authorizer auth,
      Authorizer::Parse("users:\n"
                        "- {username: admin, password: adminpw, role: admin}\n"
                        "- {username: reader, password: readerpw, role: reader}\n"
                        "roles:\n"
                        "- {role: admin, accept: ['*']}\n"
                        "- {role: reader, accept: ['peloton.api.v0.respool.ResourceManager:*'],\n"
                        "   reject: ['peloton.api.v0.respool.ResourceManager:Create*']}\n"));
  Serve(kj::heap<PelotonService>(loop_, master_->jobs(), master_->pools(), master_->hosts(),
                                 absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/sandboxes")),
        std::make_shared<const Authorizer>(std::move(auth)));
  const std::string create = R"({"config": {"name": "p", "resources": [)"
                             R"({"kind": "cpu", "reservation": 1, "limit": 1, "share": 1}]}})";
  const auto post = [&](const std::string& procedure, const std::string& authorization,
                        const std::string& body) {
    Headers h = YarpcHeaders(procedure);
    if (!authorization.empty()) h["Authorization"] = authorization;
    return Post(h, body);
  };
  // No credentials (and no entry for such callers, or one that may not call this), wrong ones,
  // or not Basic: 401, with the challenge a browser answers.
  for (const char* authorization :
       {"", "Basic cmVhZGVyOndyb25n" /* reader:wrong */, "Bearer abc", "Basic !!!"}) {
    const HttpReply r = post("ResourceManager.CreateResourcePool", authorization, create);
    EXPECT_EQ(r.status, 401u) << authorization;
    EXPECT_EQ(r.error_code, "unauthenticated");
    EXPECT_EQ(r.authenticate, "Basic realm=\"peloton\", charset=\"UTF-8\"");
  }
  // The reader may look pools up but not create one: 403, and nothing is created.
  const std::string reader = "Basic cmVhZGVyOnJlYWRlcnB3";  // reader:readerpw
  const HttpReply refused = post("ResourceManager.CreateResourcePool", reader, create);
  EXPECT_EQ(refused.status, 403u);
  EXPECT_EQ(refused.error_code, "permission-denied");
  EXPECT_EQ(refused.body,
            "role 'reader' may not call "
            "peloton.api.v0.respool.ResourceManager:CreateResourcePool");
  const std::string lookup = R"({"path": {"value": "/p"}})";
  HttpReply looked = post("ResourceManager.LookupResourcePoolID", reader, lookup);
  EXPECT_EQ(looked.status, 200u) << looked.body;
  EXPECT_THAT(looked.body, HasSubstr("notFound"));
  // The admin may (Peloton's full procedure name, "basic" in any case).
  const HttpReply created = post("peloton.api.v0.respool.ResourceManager::CreateResourcePool",
                                 "basic YWRtaW46YWRtaW5wdw==", create);  // admin:adminpw
  EXPECT_EQ(created.status, 200u) << created.body;
  looked = post("ResourceManager.LookupResourcePoolID", reader, lookup);
  EXPECT_THAT(looked.body, Not(HasSubstr("notFound")));
}

TEST_F(YarpcHttpTest, ContextTtlIsTheDeadline) {
  Serve(kj::heap<SilentApi>());
  Headers h = YarpcHeaders("JobManager.Get");
  h["Context-TTL-MS"] = "50";
  const HttpReply r = Post(h, R"({"id": {"value": "x"}})");
  EXPECT_EQ(r.status, 504u);
  EXPECT_EQ(r.error_code, "deadline-exceeded");
  EXPECT_EQ(r.body,
            "call to procedure \"JobManager.Get\" of service \"peloton-jobmgr\" from caller "
            "\"peloton-client\" timed out after 50 ms");
}

}  // namespace
}  // namespace peloton::rpc
