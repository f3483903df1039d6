// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/rpc/guard.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "capnp/dynamic.h"
#include "capnp/schema.h"
#include "services/api/internal.capnp.h"
#include "services/api/yaml_proto.h"
#include "services/common/files.h"

namespace peloton::rpc {
namespace {

constexpr char kJobs[] = "peloton.api.v0.job.JobManager:";
constexpr char kTasks[] = "peloton.api.v0.task.TaskManager:";
constexpr char kPools[] = "peloton.api.v0.respool.ResourceManager:";
constexpr char kHosts[] = "peloton.api.v0.host.svc.HostService:";
constexpr char kUpdates[] = "peloton.api.v0.update.svc.UpdateService:";
constexpr char kStateless[] = "peloton.api.v1alpha.job.stateless.svc.JobService:";

// The Peloton procedure of each method of Peloton that stands for one (the others depend on
// their parameters: see ProcedureOf).
const absl::flat_hash_map<std::string, std::string>& PelotonProcedures() {
  static const auto* const names = new absl::flat_hash_map<std::string, std::string>{
      {"createPool", absl::StrCat(kPools, "CreateResourcePool")},
      {"deletePool", absl::StrCat(kPools, "DeleteResourcePool")},
      {"lookupPool", absl::StrCat(kPools, "LookupResourcePoolID")},
      {"listPools", absl::StrCat(kPools, "Query")},
      {"getPool", absl::StrCat(kPools, "GetResourcePool")},
      {"updatePool", absl::StrCat(kPools, "UpdateResourcePool")},
      {"createJob", absl::StrCat(kJobs, "Create")},
      {"getJob", absl::StrCat(kJobs, "Get")},
      {"queryJobs", absl::StrCat(kJobs, "Query")},
      {"deleteJob", absl::StrCat(kJobs, "Delete")},
      {"updateJob", absl::StrCat(kJobs, "Update")},
      // Peloton's `job stop` is TaskManager.Stop of every instance.
      {"stopJob", absl::StrCat(kTasks, "Stop")},
      {"stopTasks", absl::StrCat(kTasks, "Stop")},
      {"startTasks", absl::StrCat(kTasks, "Start")},
      {"restartTasks", absl::StrCat(kTasks, "Restart")},
      {"listTasks", absl::StrCat(kTasks, "List")},
      {"getTask", absl::StrCat(kTasks, "Get")},
      {"taskEvents", absl::StrCat(kTasks, "GetPodEvents")},
      {"taskLogs", absl::StrCat(kTasks, "BrowseSandbox")},
      {"startMaintenance", absl::StrCat(kHosts, "StartMaintenance")},
      {"completeMaintenance", absl::StrCat(kHosts, "CompleteMaintenance")},
      {"listHosts", absl::StrCat(kHosts, "QueryHosts")},
      {"createUpdate", absl::StrCat(kUpdates, "CreateUpdate")},
      {"getUpdate", absl::StrCat(kUpdates, "GetUpdate")},
      {"listUpdates", absl::StrCat(kUpdates, "ListUpdates")},
      {"pauseUpdate", absl::StrCat(kUpdates, "PauseUpdate")},
      {"resumeUpdate", absl::StrCat(kUpdates, "ResumeUpdate")},
      {"abortUpdate", absl::StrCat(kUpdates, "AbortUpdate")},
      {"rollbackUpdate", absl::StrCat(kUpdates, "RollbackUpdate")},
      {"statelessCreate", absl::StrCat(kStateless, "CreateJob")},
      {"statelessReplace", absl::StrCat(kStateless, "ReplaceJob")},
      {"statelessRestart", absl::StrCat(kStateless, "RestartJob")},
      {"workflowEvents", absl::StrCat(kStateless, "GetWorkflowEvents")},
      // Discovery is ours (Peloton's is Uber's UNS): a service of its own name.
      {"endpoints", "peloton.api.discovery.DiscoveryService:GetEndpoints"},
  };
  return *names;
}

// v1alpha's JobService method of a stateless action or a rolling workflow's kind. One the
// server does not know is named as such (the server refuses it, if the role lets it through).
std::string StatelessMethod(absl::string_view action) {
  static const auto* const names = new absl::flat_hash_map<std::string, std::string>{
      {"start", "StartJob"},         {"stop", "StopJob"},           {"restart", "RestartJob"},
      {"delete", "DeleteJob"},       {"pause", "PauseJobWorkflow"}, {"resume", "ResumeJobWorkflow"},
      {"abort", "AbortJobWorkflow"},
  };
  auto it = names->find(action);
  return absl::StrCat(kStateless, it == names->end() ? "UnknownAction" : it->second);
}

// The interfaces a guard passes calls to, by id.
const absl::flat_hash_map<uint64_t, capnp::InterfaceSchema>& Interfaces() {
  static const auto* const all = [] {
    auto* m = new absl::flat_hash_map<uint64_t, capnp::InterfaceSchema>;
    for (capnp::InterfaceSchema s :
         {capnp::Schema::from<api::Login>(), capnp::Schema::from<api::Peloton>(),
          capnp::Schema::from<api::internal::ResourceManager>(),
          capnp::Schema::from<api::internal::HostManager>(),
          capnp::Schema::from<api::internal::JobManager>()}) {
      m->emplace(s.getProto().getId(), s);
    }
    return m;
  }();
  return *all;
}

kj::Exception Failure(std::string message) {
  return kj::Exception(kj::Exception::Type::FAILED, __FILE__, __LINE__,
                       kj::heapString(message.data(), message.size()));
}

class GuardServer final : public capnp::Capability::Server {
 public:
  // `logged_in`: `role` is a user's, not the callers' without credentials.
  GuardServer(capnp::Capability::Client inner, std::shared_ptr<const Authorizer> auth,
              std::string role, bool logged_in)
      : inner_(kj::mv(inner)),
        auth_(std::move(auth)),
        role_(std::move(role)),
        logged_in_(logged_in) {}

  DispatchCallResult dispatchCall(
      uint64_t interface_id, uint16_t method_id,
      capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context) override {
    if (interface_id == capnp::typeId<api::Login>() && method_id == 0) {
      return {Login(context), false};
    }
    const std::string procedure = ProcedureOf(interface_id, method_id, context.getParams());
    if (procedure.empty()) {
      return {kj::Promise<void>(Failure(
                  absl::StrCat("no such method: interface ", interface_id, " method ", method_id))),
              false};
    }
    if (!auth_->Allows(role_, procedure)) {
      return {Refuse(interface_id, method_id, procedure, context), false};
    }
    auto request =
        inner_.typelessRequest(interface_id, method_id, context.getParams().targetSize());
    request.set(context.getParams());
    context.releaseParams();
    return {context.tailCall(kj::mv(request)), false};
  }

 private:
  kj::Promise<void> Login(capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context) {
    auto params = context.getParams().getAs<api::Login::LoginParams>();
    const absl::StatusOr<std::string> role = auth_->Authenticate(
        absl::string_view(params.getUsername().cStr(), params.getUsername().size()),
        absl::string_view(params.getPassword().cStr(), params.getPassword().size()));
    context.releaseParams();
    auto results = context.getResults().initAs<api::Login::LoginResults>();
    if (!role.ok()) {
      auto status = results.initStatus();
      status.setCode(static_cast<uint8_t>(role.status().code()));
      status.setMessage(std::string(role.status().message()));
      return kj::READY_NOW;
    }
    results.setCap(capnp::Capability::Client(kj::heap<GuardServer>(inner_, auth_, *role, true)));
    return kj::READY_NOW;
  }

  // PermissionDenied in the result's status, or as the call's failure where it has none.
  kj::Promise<void> Refuse(uint64_t interface_id, uint16_t method_id, const std::string& procedure,
                           capnp::CallContext<capnp::AnyPointer, capnp::AnyPointer> context) {
    const std::string message =
        logged_in_ ? absl::StrCat("permission denied: role '", role_, "' may not call ", procedure)
                   : absl::StrCat("permission denied: callers without credentials may not call ",
                                  procedure, " (log in: the CLI's --basicAuthConfig)");
    context.releaseParams();
    const capnp::StructSchema result =
        Interfaces().at(interface_id).getMethods()[method_id].getResultType();
    KJ_IF_MAYBE(field, result.findFieldByName("status")) {
      if (field->getType().isStruct() &&
          field->getType().asStruct() == capnp::Schema::from<api::Status>()) {
        auto status = context.getResults()
                          .initAs<capnp::DynamicStruct>(result)
                          .init(*field)
                          .as<capnp::DynamicStruct>();
        status.set("code", static_cast<uint8_t>(absl::StatusCode::kPermissionDenied));
        status.set("message", capnp::Text::Reader(message.c_str()));
        return kj::READY_NOW;
      }
    }
    return Failure(message);
  }

  capnp::Capability::Client inner_;
  std::shared_ptr<const Authorizer> auth_;
  std::string role_;
  bool logged_in_;
};

}  // namespace

std::string ProcedureOf(uint64_t interface_id, uint16_t method_id,
                        capnp::AnyPointer::Reader params) {
  const auto& interfaces = Interfaces();
  auto it = interfaces.find(interface_id);
  if (it == interfaces.end() || interface_id == capnp::typeId<api::Login>()) return "";
  auto methods = it->second.getMethods();
  if (method_id >= methods.size()) return "";
  const capnp::Text::Reader name = methods[method_id].getProto().getName();
  if (interface_id == capnp::typeId<api::Peloton>()) {
    using P = api::Peloton;
    if (name == "rollingWorkflow") {
      return StatelessMethod(params.getAs<P::RollingWorkflowParams>().getKind().cStr());
    }
    if (name == "statelessAction") {
      return StatelessMethod(params.getAs<P::StatelessActionParams>().getAction().cStr());
    }
    auto found = PelotonProcedures().find(name.cStr());
    return found == PelotonProcedures().end() ? "" : found->second;
  }
  return absl::StrCat("peloton.private.", it->second.getShortDisplayName().cStr(), ":",
                      name.cStr());
}

capnp::Capability::Client Guard(capnp::Capability::Client inner,
                                std::shared_ptr<const Authorizer> auth) {
  // No role is named "" (Parse): without an entry for them, such callers may only log in.
  std::string role = auth->Authenticate("", "").value_or("");
  return capnp::Capability::Client(
      kj::heap<GuardServer>(kj::mv(inner), std::move(auth), std::move(role), false));
}

kj::Promise<void> OpenLogin::login(LoginContext context) {
  context.getResults().setCap(thisCap());
  return kj::READY_NOW;
}

kj::Promise<absl::StatusOr<capnp::Capability::Client>> LogIn(capnp::Capability::Client cap,
                                                             const security::Credentials& user) {
  auto request = cap.castAs<api::Login>().loginRequest();
  request.setUsername(user.username());
  request.setPassword(user.password());
  return request.send().then(
      [](capnp::Response<api::Login::LoginResults> r) -> absl::StatusOr<capnp::Capability::Client> {
        if (r.getStatus().getCode() != 0) {
          return absl::Status(static_cast<absl::StatusCode>(r.getStatus().getCode()),
                              r.getStatus().getMessage().cStr());
        }
        return r.getCap();
      });
}

absl::StatusOr<security::Credentials> LoadCredentials(const std::string& path) {
  absl::StatusOr<std::string> yaml = files::ReadFile(path);
  if (!yaml.ok()) return yaml.status();
  security::Credentials credentials;
  absl::StatusOr<std::vector<std::string>> ignored = api::YamlToProto(*yaml, credentials);
  const auto invalid = [&path](absl::string_view field, absl::string_view rule) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", field, ": ", rule));
  };
  if (!ignored.ok()) return invalid("YAML", ignored.status().message());
  if (!ignored->empty()) {
    return invalid(absl::StrJoin(*ignored, ", "), "unknown key (rule: username and password)");
  }
  if (credentials.username().empty() || credentials.username().size() > 4096) {
    return invalid("username", "missing or over 4096 bytes (rule: 1 to 4096 bytes)");
  }
  if (credentials.password().size() > 4096) return invalid("password", "over 4096 bytes");
  return credentials;
}

}  // namespace peloton::rpc
