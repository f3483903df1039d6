// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/convert.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::backend::mesos {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

::mesos::v1::Resource Scalar(const std::string& name, double v, const std::string& role = "") {
  ::mesos::v1::Resource r;
  r.set_name(name);
  r.set_type(::mesos::v1::Value::SCALAR);
  r.mutable_scalar()->set_value(v);
  if (!role.empty()) r.add_reservations()->set_role(role);
  return r;
}

::mesos::v1::Offer OfferOf(const std::string& id, const std::string& agent) {
  ::mesos::v1::Offer o;
  o.mutable_id()->set_value(id);
  o.mutable_framework_id()->set_value("f");
  o.mutable_agent_id()->set_value(agent);
  o.set_hostname("host-" + agent);
  return o;
}

TEST(MesosConvertTest, FrameworkInfoLikePelotons) {
  ::mesos::v1::FrameworkInfo f = FrameworkInfoOf({.hostname = "pm-1"}, "");
  EXPECT_EQ(f.id().value(), kDefaultFrameworkId);
  EXPECT_EQ(f.user(), "root");
  EXPECT_EQ(f.name(), "Peloton");
  ASSERT_EQ(f.roles_size(), 1);
  EXPECT_EQ(f.roles(0), "peloton");
  EXPECT_EQ(f.principal(), "peloton");
  EXPECT_EQ(f.failover_timeout(), 60'000'000);
  EXPECT_TRUE(f.checkpoint());
  std::set<int> caps;
  for (const auto& c : f.capabilities()) caps.insert(c.type());
  using C = ::mesos::v1::FrameworkInfo::Capability;
  EXPECT_TRUE(caps.contains(C::GPU_RESOURCES) && caps.contains(C::PARTITION_AWARE) &&
              caps.contains(C::TASK_KILLING_STATE) && caps.contains(C::MULTI_ROLE));
  EXPECT_FALSE(caps.contains(C::REVOCABLE_RESOURCES));
  f = FrameworkInfoOf({.revocable = true}, "f-7");
  EXPECT_EQ(f.id().value(), "f-7");
  EXPECT_EQ(f.capabilities(f.capabilities_size() - 1).type(), C::REVOCABLE_RESOURCES);
  EXPECT_TRUE(f.IsInitialized());
}

TEST(MesosConvertTest, AnAgentsOffersMakeOneHost) {
  ::mesos::v1::Offer a = OfferOf("o1", "a1");
  *a.add_resources() = Scalar("cpus", 8);
  *a.add_resources() = Scalar("mem", 4096);
  *a.add_resources() = Scalar("gpus", 2);
  *a.add_resources() = Scalar("cpus", 100, "someone-else");  // reserved for another role
  *a.add_resources() = Scalar("cpus", 4, "peloton");         // reserved for ours
  ::mesos::v1::Resource ports;
  ports.set_name("ports");
  ports.set_type(::mesos::v1::Value::RANGES);
  auto* range = ports.mutable_ranges()->add_range();
  range->set_begin(31000);
  range->set_end(31009);
  *a.add_resources() = ports;
  auto* text = a.add_attributes();
  text->set_name("gpu_model");
  text->set_type(::mesos::v1::Value::TEXT);
  text->mutable_text()->set_value("V100");
  auto* scalar = a.add_attributes();
  scalar->set_name("rack");
  scalar->set_type(::mesos::v1::Value::SCALAR);
  scalar->mutable_scalar()->set_value(3);
  ::mesos::v1::Offer b = OfferOf("o2", "a1");
  *b.add_resources() = Scalar("disk", 1000);
  range->set_begin(31010);
  range->set_end(31020);
  *b.add_resources() = ports;

  PELOTON_ASSERT_OK_AND_ASSIGN(HostInfo h, HostOfOffers({a, b}, "peloton"));
  EXPECT_EQ(h.hostname, "host-a1");
  EXPECT_EQ(h.agent_id, "a1");
  EXPECT_EQ(h.capacity, Resources::Of(12'000, 4096, 1000, 2000));
  ASSERT_EQ(h.gpus.size(), 2u);
  EXPECT_EQ(h.gpus[0].model, "V100");
  ASSERT_EQ(h.ports.size(), 1u);  // adjacent ranges merged
  EXPECT_EQ(h.ports[0].begin, 31000u);
  EXPECT_EQ(h.ports[0].end, 31020u);
  EXPECT_EQ(h.attributes.at("rack"), "3.000000");
  EXPECT_EQ(h.attributes.at("hostname"), "host-a1");

  EXPECT_THAT(HostOfOffers({a, OfferOf("o3", "a2")}, "peloton"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("o3 is of agent a2")));
  EXPECT_THAT(HostOfOffers({}, "peloton"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(MesosConvertTest, LaunchAndStatus) {
  LaunchSpec spec{.task_id = "job-3-1",
                  .hostname = "host-a1",
                  .shell = false,
                  .command = "/bin/train",
                  .arguments = {"--epochs", "3"},
                  .environment = {{"PELOTON_JOB_ID", "job"}},
                  .labels = {{"team", "vision"}},
                  .resources = Resources::Of(1500, 2048, 100, 1000),
                  .container_image = "pytorch/pytorch:2.1",
                  .volumes = {{"/data/imagenet", "/data", true}, {"/scratch", "/tmp/out", false}},
                  .kill_grace_period = absl::Seconds(30)};
  const uint32_t ports[] = {31002, 31000, 31001, 31007};
  const ::mesos::v1::TaskInfo t = TaskInfoOf(spec, "a1", ports, "peloton");
  EXPECT_TRUE(t.IsInitialized()) << t.InitializationErrorString();
  EXPECT_EQ(t.task_id().value(), "job-3-1");
  EXPECT_EQ(t.agent_id().value(), "a1");
  std::map<std::string, double> scalars;
  for (const auto& r : t.resources()) {
    EXPECT_EQ(r.allocation_info().role(), "peloton");
    if (r.type() == ::mesos::v1::Value::SCALAR) scalars[r.name()] = r.scalar().value();
    if (r.name() == "ports") {
      ASSERT_EQ(r.ranges().range_size(), 2);
      EXPECT_EQ(r.ranges().range(0).begin(), 31000u);
      EXPECT_EQ(r.ranges().range(0).end(), 31002u);
      EXPECT_EQ(r.ranges().range(1).begin(), 31007u);
    }
  }
  EXPECT_EQ(scalars, (std::map<std::string, double>{
                         {"cpus", 1.5}, {"mem", 2048}, {"disk", 100}, {"gpus", 1}}));
  EXPECT_FALSE(t.command().shell());
  EXPECT_FALSE(t.command().has_user());  // the framework's
  EXPECT_EQ(t.command().value(), "/bin/train");
  spec.user = "trainer";
  EXPECT_EQ(TaskInfoOf(spec, "a1", ports, "peloton").command().user(), "trainer");
  spec.user.clear();
  EXPECT_THAT(t.command().arguments(), ::testing::ElementsAre("/bin/train", "--epochs", "3"));
  EXPECT_EQ(t.command().environment().variables(0).name(), "PELOTON_JOB_ID");
  EXPECT_EQ(t.labels().labels(0).value(), "vision");
  EXPECT_EQ(t.kill_policy().grace_period().nanoseconds(), 30'000'000'000);
  // The image runs in Mesos's own containerizer, the volumes mounted as asked.
  EXPECT_EQ(t.container().type(), ::mesos::v1::ContainerInfo::MESOS);
  EXPECT_EQ(t.container().mesos().image().type(), ::mesos::v1::Image::DOCKER);
  EXPECT_EQ(t.container().mesos().image().docker().name(), "pytorch/pytorch:2.1");
  ASSERT_EQ(t.container().volumes_size(), 2);
  EXPECT_EQ(t.container().volumes(0).host_path(), "/data/imagenet");
  EXPECT_EQ(t.container().volumes(0).container_path(), "/data");
  EXPECT_EQ(t.container().volumes(0).mode(), ::mesos::v1::Volume::RO);
  EXPECT_EQ(t.container().volumes(1).mode(), ::mesos::v1::Volume::RW);
  spec.container_image.clear();
  spec.volumes.clear();
  EXPECT_FALSE(TaskInfoOf(spec, "a1", ports, "peloton").has_container());
  EXPECT_EQ(t.command().uris_size(), 0);

  // Remote files go to the agent's fetcher, cached, without the digest it cannot check.
  spec.uris = {{"http://files:8080/m/v2.tgz#sha256=" + std::string(64, 'a'), "", false, true},
               {"file:///opt/tool", "bin/tool", true, false}};
  const ::mesos::v1::TaskInfo fetching = TaskInfoOf(spec, "a1", ports, "peloton");
  EXPECT_TRUE(fetching.IsInitialized()) << fetching.InitializationErrorString();
  ASSERT_EQ(fetching.command().uris_size(), 2);
  const auto& u0 = fetching.command().uris(0);
  EXPECT_EQ(u0.value(), "http://files:8080/m/v2.tgz");
  EXPECT_TRUE(u0.extract());
  EXPECT_FALSE(u0.executable());
  EXPECT_TRUE(u0.cache());
  EXPECT_FALSE(u0.has_output_file());
  const auto& u1 = fetching.command().uris(1);
  EXPECT_EQ(u1.value(), "file:///opt/tool");
  EXPECT_TRUE(u1.executable());
  EXPECT_FALSE(u1.extract());
  EXPECT_EQ(u1.output_file(), "bin/tool");

  ::mesos::v1::TaskStatus s;
  s.mutable_task_id()->set_value("job-3-1");
  s.set_state(::mesos::v1::TASK_GONE_BY_OPERATOR);
  s.mutable_agent_id()->set_value("a1");
  s.set_message("agent removed");
  s.set_reason(::mesos::v1::TaskStatus::REASON_AGENT_REMOVED_BY_OPERATOR);
  s.set_timestamp(1700000000.5);
  const TaskStatus got = StatusOf(s, [](const std::string& agent) { return "host-" + agent; });
  EXPECT_EQ(got.state, MesosTaskState::kGoneByOperator);
  EXPECT_EQ(got.hostname, "host-a1");
  EXPECT_EQ(got.message, "REASON_AGENT_REMOVED_BY_OPERATOR: agent removed");
  EXPECT_EQ(got.time, absl::FromUnixMillis(1700000000500));
  // Every Mesos task state maps to ours by number and name.
  for (int i = 0; i <= 13; ++i) {
    s.set_state(static_cast<::mesos::v1::TaskState>(i));
    EXPECT_EQ(taskfsm::Name(StatusOf(s, [](const std::string&) { return ""; }).state),
              ::mesos::v1::TaskState_Name(s.state()));
  }
}

TEST(MesosConvertTest, HealthChecksBecomeMesosHealthChecksAndStatusesCarryHealth) {
  LaunchSpec spec{.task_id = "svc-0-1",
                  .command = "serve",
                  .environment = {{"PORT", "8080"}},
                  .resources = Resources::Of(1000, 128, 0, 0)};
  const uint32_t no_ports[] = {0};
  EXPECT_FALSE(TaskInfoOf(spec, "a1", absl::MakeSpan(no_ports, 0), "*").has_health_check());

  spec.health_check = HealthCheckSpec{.type = HealthCheckSpec::Type::kCommand,
                                      .command = "curl -sf localhost:$PORT",
                                      .delay = absl::Seconds(30),
                                      .interval = absl::Seconds(5),
                                      .timeout = absl::Seconds(4),
                                      .max_consecutive_failures = 2};
  ::mesos::v1::TaskInfo t = TaskInfoOf(spec, "a1", absl::MakeSpan(no_ports, 0), "*");
  EXPECT_TRUE(t.IsInitialized()) << t.InitializationErrorString();
  const ::mesos::v1::HealthCheck& c = t.health_check();
  EXPECT_EQ(c.type(), ::mesos::v1::HealthCheck::COMMAND);
  EXPECT_TRUE(c.command().shell());
  EXPECT_EQ(c.command().value(), "curl -sf localhost:$PORT");
  ASSERT_EQ(c.command().environment().variables_size(), 1);  // the task's, not unshared
  EXPECT_EQ(c.command().environment().variables(0).name(), "PORT");
  EXPECT_EQ(c.delay_seconds(), 30);
  EXPECT_EQ(c.interval_seconds(), 5);
  EXPECT_EQ(c.timeout_seconds(), 4);
  EXPECT_EQ(c.consecutive_failures(), 2u);
  EXPECT_EQ(c.grace_period_seconds(), 0);
  spec.health_check->task_environment = false;
  EXPECT_FALSE(HealthCheckOf(spec).command().has_environment());

  spec.health_check->type = HealthCheckSpec::Type::kHttp;
  spec.health_check->port = 8080;
  spec.health_check->path = "/health";
  spec.health_check->scheme = "https";
  const ::mesos::v1::HealthCheck http = HealthCheckOf(spec);
  EXPECT_EQ(http.type(), ::mesos::v1::HealthCheck::HTTP);
  EXPECT_EQ(http.http().port(), 8080u);
  EXPECT_EQ(http.http().path(), "/health");
  EXPECT_EQ(http.http().scheme(), "https");
  EXPECT_FALSE(http.has_command());
  spec.health_check->type = HealthCheckSpec::Type::kTcp;
  const ::mesos::v1::HealthCheck tcp = HealthCheckOf(spec);
  EXPECT_EQ(tcp.type(), ::mesos::v1::HealthCheck::TCP);
  EXPECT_EQ(tcp.tcp().port(), 8080u);

  ::mesos::v1::TaskStatus s;
  s.mutable_task_id()->set_value("svc-0-1");
  s.set_state(::mesos::v1::TASK_RUNNING);
  EXPECT_FALSE(StatusOf(s, [](const std::string&) { return ""; }).healthy.has_value());
  s.set_healthy(false);
  s.set_reason(::mesos::v1::TaskStatus::REASON_TASK_HEALTH_CHECK_STATUS_UPDATED);
  const TaskStatus got = StatusOf(s, [](const std::string&) { return ""; });
  EXPECT_EQ(got.healthy, std::optional<bool>(false));
  EXPECT_EQ(got.message, "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED");
}

}  // namespace
}  // namespace peloton::backend::mesos
