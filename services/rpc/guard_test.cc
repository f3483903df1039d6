// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The guard over test doubles of the served interfaces (servers that count what reaches
// them): what each role may call, logging in, refusals that do nothing, and the procedure
// names, checked against every method of the schema and the HTTP endpoint's v0 procedures.

#include "services/rpc/guard.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "capnp/message.h"
#include "capnp/schema.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kj/async.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/internal.capnp.h"
#include "services/rpc/v0_procedures.h"

namespace peloton::rpc {
namespace {

using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kFile[] = R"yaml(
users:
- {username: admin, password: adminpw, role: admin}
- {username: reader, password: readerpw, role: reader}
- {role: anonymous}
roles:
- role: admin
  accept: ['*']
- role: reader
  accept: ['peloton.api.v0.job.JobManager:*']
  reject: ['peloton.api.v0.job.JobManager:Create']
- role: anonymous
  accept: ['peloton.api.v1alpha.job.stateless.svc.JobService:PauseJobWorkflow']
internal_user: admin
)yaml";

// A Peloton API that counts the calls that reach it.
class CountingApi final : public api::Peloton::Server, public OpenLogin {
 public:
  int calls = 0;

 protected:
  kj::Promise<void> getJob(GetJobContext context) override {
    ++calls;
    context.getResults().initJob().setName("found");
    return kj::READY_NOW;
  }
  kj::Promise<void> createJob(CreateJobContext context) override {
    ++calls;
    context.getResults().setJobId("new");
    return kj::READY_NOW;
  }
  kj::Promise<void> statelessAction(StatelessActionContext) override {
    ++calls;
    return kj::READY_NOW;
  }
};

// The internal host manager, whose listHosts has no status in its result.
class CountingHosts final : public api::internal::HostManager::Server, public OpenLogin {
 public:
  int calls = 0;

 protected:
  kj::Promise<void> listHosts(ListHostsContext) override {
    ++calls;
    return kj::READY_NOW;
  }
};

class GuardTest : public ::testing::Test {
 protected:
  ~GuardTest() noexcept override {}  // kj's destructors may throw

  void SetUp() override {
    PELOTON_ASSERT_OK_AND_ASSIGN(Authorizer auth, Authorizer::Parse(kFile));
    auth_ = std::make_shared<const Authorizer>(std::move(auth));
    auto api = kj::heap<CountingApi>();
    api_ = api.get();
    inner_ = kj::mv(api);
  }

  // getJob's status code (0: it went through) and the message.
  std::pair<int, std::string> GetJob(api::Peloton::Client& cap) {
    auto r = cap.getJobRequest().send().wait(wait_);
    return {r.getStatus().getCode(), r.getStatus().getMessage().cStr()};
  }
  std::pair<int, std::string> CreateJob(api::Peloton::Client& cap) {
    auto r = cap.createJobRequest().send().wait(wait_);
    return {r.getStatus().getCode(), r.getStatus().getMessage().cStr()};
  }
  absl::StatusOr<api::Peloton::Client> As(api::Peloton::Client cap, const std::string& user,
                                          const std::string& password) {
    security::Credentials c;
    c.set_username(user);
    c.set_password(password);
    absl::StatusOr<capnp::Capability::Client> in = LogIn(kj::mv(cap), c).wait(wait_);
    if (!in.ok()) return in.status();
    return in->castAs<api::Peloton>();
  }

  kj::EventLoop loop_;
  kj::WaitScope wait_{loop_};
  std::shared_ptr<const Authorizer> auth_;
  CountingApi* api_ = nullptr;
  api::Peloton::Client inner_{nullptr};
};

constexpr int kPermissionDenied = static_cast<int>(absl::StatusCode::kPermissionDenied);

TEST_F(GuardTest, CallersWithoutCredentialsGetTheAnonymousRole) {
  api::Peloton::Client guarded = Guard(inner_, auth_).castAs<api::Peloton>();
  const auto [code, message] = GetJob(guarded);
  EXPECT_EQ(code, kPermissionDenied);
  EXPECT_EQ(message,
            "permission denied: callers without credentials may not call "
            "peloton.api.v0.job.JobManager:Get (log in: the CLI's --basicAuthConfig)");
  EXPECT_EQ(api_->calls, 0);  // refused before the server saw it

  // What the anonymous role accepts goes through: statelessAction "pause" is v1alpha's
  // PauseJobWorkflow, "stop" its StopJob.
  auto pause = guarded.statelessActionRequest();
  pause.setAction("pause");
  EXPECT_EQ(pause.send().wait(wait_).getStatus().getCode(), 0);
  EXPECT_EQ(api_->calls, 1);
  auto stop = guarded.statelessActionRequest();
  stop.setAction("stop");
  EXPECT_EQ(stop.send().wait(wait_).getStatus().getCode(), kPermissionDenied);
  EXPECT_EQ(api_->calls, 1);
}

TEST_F(GuardTest, LoginGivesTheUsersRole) {
  api::Peloton::Client guarded = Guard(inner_, auth_).castAs<api::Peloton>();
  PELOTON_ASSERT_OK_AND_ASSIGN(api::Peloton::Client reader, As(guarded, "reader", "readerpw"));
  auto got = reader.getJobRequest().send().wait(wait_);
  EXPECT_EQ(got.getStatus().getCode(), 0);
  EXPECT_EQ(got.getJob().getName(), "found");
  const auto [code, message] = CreateJob(reader);
  EXPECT_EQ(code, kPermissionDenied);
  EXPECT_THAT(message, HasSubstr("role 'reader' may not call peloton.api.v0.job.JobManager:"
                                 "Create"));
  EXPECT_EQ(api_->calls, 1);

  // The reader's capability logs in again as another user; the first keeps its role.
  PELOTON_ASSERT_OK_AND_ASSIGN(api::Peloton::Client admin, As(reader, "admin", "adminpw"));
  EXPECT_EQ(CreateJob(admin).first, 0);
  EXPECT_EQ(CreateJob(reader).first, kPermissionDenied);
  EXPECT_EQ(api_->calls, 2);
}

TEST_F(GuardTest, WrongCredentialsAreRefusedAlike) {
  api::Peloton::Client guarded = Guard(inner_, auth_).castAs<api::Peloton>();
  for (const auto& [user, password] :
       {std::pair{"reader", "wrong"}, {"ghost", "readerpw"}, {"reader", ""}}) {
    EXPECT_THAT(As(guarded, user, password).status(),
                StatusIs(absl::StatusCode::kUnauthenticated, "wrong or missing credentials"))
        << user;
  }
  EXPECT_EQ(api_->calls, 0);
}

TEST_F(GuardTest, WithoutSecurityFileLoginAnswersTheCapabilityItself) {
  PELOTON_ASSERT_OK_AND_ASSIGN(api::Peloton::Client same, As(inner_, "anyone", "anything"));
  EXPECT_EQ(CreateJob(same).first, 0);
  EXPECT_EQ(api_->calls, 1);
}

TEST_F(GuardTest, MethodWithoutStatusFailsWithTheRefusal) {
  auto hosts = kj::heap<CountingHosts>();
  CountingHosts& counted = *hosts;
  auto guarded = Guard(kj::mv(hosts), auth_).castAs<api::internal::HostManager>();
  try {
    guarded.listHostsRequest().send().wait(wait_);
    ADD_FAILURE() << "listHosts went through";
  } catch (const kj::Exception& e) {
    EXPECT_THAT(e.getDescription().cStr(), HasSubstr("callers without credentials may not call "
                                                     "peloton.private.HostManager:listHosts"));
  }
  EXPECT_EQ(counted.calls, 0);
  // The internal user may.
  security::Credentials internal;
  PELOTON_ASSERT_OK_AND_ASSIGN(internal, auth_->InternalCredentials());
  PELOTON_ASSERT_OK_AND_ASSIGN(capnp::Capability::Client in, LogIn(guarded, internal).wait(wait_));
  in.castAs<api::internal::HostManager>().listHostsRequest().send().wait(wait_);
  EXPECT_EQ(counted.calls, 1);
}

TEST(ProcedureOfTest, EveryMethodIsNamed) {
  capnp::MallocMessageBuilder message;
  capnp::AnyPointer::Reader empty = message.getRoot<capnp::AnyPointer>().asReader();
  const capnp::InterfaceSchema peloton = capnp::Schema::from<api::Peloton>();
  std::set<std::string> v0;
  for (const V0Procedure& p : V0Procedures()) v0.insert(absl::StrCat(p.service, ":", p.method));
  for (uint16_t i = 0; i < peloton.getMethods().size(); ++i) {
    const std::string name = ProcedureOf(capnp::typeId<api::Peloton>(), i, empty);
    const std::string method = peloton.getMethods()[i].getProto().getName().cStr();
    EXPECT_FALSE(name.empty()) << method << " has no procedure name";
    // A v0 name is one the HTTP endpoint serves under the same name (but browsing the
    // sandbox, which it does not serve).
    if (absl::StartsWith(name, "peloton.api.v0.") &&
        name != "peloton.api.v0.task.TaskManager:BrowseSandbox") {
      EXPECT_TRUE(v0.contains(name)) << method << ": " << name;
    }
  }
  EXPECT_EQ(ProcedureOf(capnp::typeId<api::Login>(), 0, empty), "");
  EXPECT_EQ(ProcedureOf(capnp::typeId<api::Peloton>(), peloton.getMethods().size(), empty), "");
  EXPECT_EQ(ProcedureOf(12345, 0, empty), "");
  const capnp::InterfaceSchema hosts = capnp::Schema::from<api::internal::HostManager>();
  EXPECT_EQ(ProcedureOf(capnp::typeId<api::internal::HostManager>(),
                        hosts.getMethodByName("launch").getIndex(), empty),
            "peloton.private.HostManager:launch");
}

TEST(ProcedureOfTest, StatelessActionsAndWorkflowKinds) {
  const uint16_t action =
      capnp::Schema::from<api::Peloton>().getMethodByName("statelessAction").getIndex();
  const uint16_t rolling =
      capnp::Schema::from<api::Peloton>().getMethodByName("rollingWorkflow").getIndex();
  const auto name = [action](uint16_t method, const char* value) {
    capnp::MallocMessageBuilder message;
    auto root = message.getRoot<capnp::AnyPointer>();
    if (method == action) {
      root.initAs<api::Peloton::StatelessActionParams>().setAction(value);
    } else {
      root.initAs<api::Peloton::RollingWorkflowParams>().setKind(value);
    }
    return ProcedureOf(capnp::typeId<api::Peloton>(), method, root.asReader());
  };
  const std::string s = "peloton.api.v1alpha.job.stateless.svc.JobService:";
  EXPECT_EQ(name(action, "delete"), s + "DeleteJob");
  EXPECT_EQ(name(action, "resume"), s + "ResumeJobWorkflow");
  EXPECT_EQ(name(action, "abort"), s + "AbortJobWorkflow");
  EXPECT_EQ(name(action, "*"), s + "UnknownAction");  // never a name a glob was written for
  EXPECT_EQ(name(rolling, "restart"), s + "RestartJob");
  EXPECT_EQ(name(rolling, "start"), s + "StartJob");
}

TEST(CredentialsTest, FilesAreValidated) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  const auto file = [&dir](const std::string& name, const std::string& text) {
    const std::string path = absl::StrCat(dir, "/", name);
    std::ofstream(path) << text;
    return path;
  };
  PELOTON_ASSERT_OK_AND_ASSIGN(security::Credentials c,
                               LoadCredentials(file("good", "username: u\npassword: p\n")));
  EXPECT_EQ(c.username(), "u");
  EXPECT_EQ(c.password(), "p");
  EXPECT_THAT(LoadCredentials(file("typo", "username: u\npasword: p\n")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("pasword: unknown key")));
  EXPECT_THAT(LoadCredentials(file("nouser", "password: p\n")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("username: missing")));
  EXPECT_THAT(LoadCredentials(dir + "/absent").status(), StatusIs(absl::StatusCode::kNotFound));
}

TEST(InternalCredentialsTest, PlainPasswordOfTheInternalUserOnly) {
  PELOTON_ASSERT_OK_AND_ASSIGN(Authorizer none, Authorizer::Parse("roles: [{role: r}]\n"));
  EXPECT_THAT(none.InternalCredentials().status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("internal_user: none")));
  PELOTON_ASSERT_OK_AND_ASSIGN(
      Authorizer hashed,
      Authorizer::Parse("users: [{username: c, password: '$6$x$y', role: r}]\n"
                        "roles: [{role: r, accept: ['*']}]\ninternal_user: c\n"));
  EXPECT_THAT(hashed.InternalCredentials().status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("is a hash")));
}

}  // namespace
}  // namespace peloton::rpc
