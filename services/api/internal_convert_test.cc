// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Every internal wire form round-trips, and readers refuse what the schema cannot rule out.

#include "services/api/internal_convert.h"

#include "capnp/message.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::api::internal {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

placement::TaskSpec FullSpec() {
  placement::TaskSpec t;
  t.id = "job-3-2";
  t.job_id = "job";
  t.demand = peloton::Resources::Of(1500, 256, 10, 500);
  t.gpu_models = {"A100", "V100"};
  t.num_ports = 2;
  t.static_ports = {31009, 31010};
  t.constraint = placement::Constraint::And(
      {placement::Constraint::Host("zone", "a", placement::LabelConstraint::Condition::kEqual, 1),
       placement::Constraint::Or({placement::Constraint::Task(
           "app", "x", placement::LabelConstraint::Condition::kLessThan, 2)})});
  t.labels = {{"app", "x"}};
  t.desired_host = "h1";
  t.pinned = true;
  t.strategy = placement::PlacementStrategy::kSpreadJob;
  t.revocable = true;
  return t;
}

void ExpectSameConstraint(const placement::Constraint& a, const placement::Constraint& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.label.kind, b.label.kind);
  EXPECT_EQ(a.label.condition, b.label.condition);
  EXPECT_EQ(a.label.label.key, b.label.label.key);
  EXPECT_EQ(a.label.label.value, b.label.label.value);
  EXPECT_EQ(a.label.requirement, b.label.requirement);
  ASSERT_EQ(a.children.size(), b.children.size());
  for (size_t i = 0; i < a.children.size(); ++i) ExpectSameConstraint(a.children[i], b.children[i]);
}

TEST(InternalConvertTest, TaskSpecRoundTrips) {
  capnp::MallocMessageBuilder m;
  const placement::TaskSpec in = FullSpec();
  Set(in, m.initRoot<TaskSpec>());
  auto out = Get(m.getRoot<TaskSpec>().asReader());
  ASSERT_THAT(out, IsOk());
  EXPECT_EQ(out->id, in.id);
  EXPECT_EQ(out->job_id, in.job_id);
  EXPECT_EQ(out->demand, in.demand);
  EXPECT_EQ(out->gpu_models, in.gpu_models);
  EXPECT_EQ(out->num_ports, 2u);
  EXPECT_THAT(out->static_ports, ::testing::ElementsAre(31009, 31010));
  ExpectSameConstraint(out->constraint, in.constraint);
  ASSERT_EQ(out->labels.size(), 1u);
  EXPECT_EQ(out->labels[0].value, "x");
  EXPECT_EQ(out->desired_host, "h1");
  EXPECT_TRUE(out->pinned);
  EXPECT_EQ(out->strategy, placement::PlacementStrategy::kSpreadJob);
  EXPECT_TRUE(out->revocable);

  m.getRoot<TaskSpec>().setStrategy(9);
  EXPECT_THAT(Get(m.getRoot<TaskSpec>().asReader()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("task.strategy")));
  m.getRoot<TaskSpec>().setStrategy(1);
  m.getRoot<TaskSpec>().getConstraint().getChildren()[1].setCondition(4);
  EXPECT_THAT(Get(m.getRoot<TaskSpec>().asReader()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("constraint.condition")));
}

TEST(InternalConvertTest, AllocationIsCheckedAgainstTheCluster) {
  placement::Cluster cluster;
  placement::HostSpec host;
  host.name = "g";
  host.capacity = peloton::Resources::Of(8000, 4096, 1000, 2000);
  host.gpus.assign(2, {"A100", 1000});
  host.ports = {{31000, 31010}};
  host.attributes = {{"zone", "a"}};
  host.revocable_milli_cpu = 2000;  // FullSpec is revocable: its cpu is slack
  ASSERT_THAT(cluster.AddHost(host), IsOk());
  auto a = cluster.Allocate(0, FullSpec());
  ASSERT_THAT(a, IsOk());

  capnp::MallocMessageBuilder m;
  Set(*a, "g", m.initRoot<Allocation>());
  auto out = Get(m.getRoot<Allocation>().asReader(), cluster);
  ASSERT_THAT(out, IsOk());
  EXPECT_EQ(out->host, 0u);
  EXPECT_EQ(out->resources, a->resources);
  EXPECT_EQ(out->gpus(), a->gpus());
  EXPECT_EQ(out->ports(), a->ports());
  EXPECT_EQ(out->spread_job, placement::JobKey("job"));
  ASSERT_FALSE(a->label_keys().empty());
  EXPECT_EQ(out->label_keys(), a->label_keys());
  EXPECT_TRUE(out->revocable);
  // The copy releases what the original allocated.
  EXPECT_THAT(cluster.Release(*out), IsOk());

  m.getRoot<Allocation>().setHostname("other");
  EXPECT_THAT(Get(m.getRoot<Allocation>().asReader(), cluster),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("allocation.host")));

  capnp::MallocMessageBuilder hm;
  Set(host, hm.initRoot<Host>());
  auto spec = Get(hm.getRoot<Host>().asReader());
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->name, "g");
  EXPECT_EQ(spec->capacity, host.capacity);
  EXPECT_EQ(spec->gpus.size(), 2u);
  EXPECT_EQ(spec->gpus[1].model, "A100");
  EXPECT_EQ(spec->attributes, host.attributes);
  EXPECT_EQ(spec->ports[0].end, 31010u);
  EXPECT_EQ(spec->state, placement::HostState::kUp);
  EXPECT_EQ(spec->revocable_milli_cpu, 2000);
  hm.getRoot<Host>().setState(6);
  EXPECT_THAT(Get(hm.getRoot<Host>().asReader()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("host.state")));
}

TEST(InternalConvertTest, GangsLaunchSpecsAndStatusesRoundTrip) {
  capnp::MallocMessageBuilder gm;
  fairshare::Gang g{.id = "job-0",
                    .priority = 3,
                    .preemptible = false,
                    .controller = true,
                    .tasks = {{"job-0-1", peloton::Resources::Of(1000, 1, 2, 0)},
                              {"job-1-1", peloton::Resources::Of(500, 3, 4, 0)}}};
  Set(g, gm.initRoot<Gang>());
  fairshare::Gang back = Get(gm.getRoot<Gang>().asReader());
  EXPECT_EQ(back.id, "job-0");
  EXPECT_EQ(back.priority, 3u);
  EXPECT_FALSE(back.preemptible);
  EXPECT_TRUE(back.controller);
  ASSERT_EQ(back.tasks.size(), 2u);
  EXPECT_EQ(back.tasks[1].task_id, "job-1-1");
  EXPECT_EQ(back.AllocationOf(), g.AllocationOf());

  capnp::MallocMessageBuilder am;
  Set(g.AllocationOf(), am.initRoot<PoolAllocation>());
  EXPECT_EQ(Get(am.getRoot<PoolAllocation>().asReader()), g.AllocationOf());

  capnp::MallocMessageBuilder lm;
  backend::LaunchSpec spec{.task_id = "job-0-1",
                           .hostname = "h",
                           .shell = false,
                           .command = "/bin/echo",
                           .arguments = {"a", "b"},
                           .environment = {{"K", "V"}},
                           .labels = {{"peloton.sim/duration", "3"}},
                           .resources = peloton::Resources::Of(1, 2, 3, 0),
                           .ports = {31000, 31002},
                           .container_image = "ubuntu:22.04",
                           .volumes = {{"/data", "/mnt/data", true}},
                           .kill_grace_period = absl::Seconds(7)};
  Set(spec, lm.initRoot<LaunchSpec>());
  absl::StatusOr<backend::LaunchSpec> read = Get(lm.getRoot<LaunchSpec>().asReader());
  ASSERT_THAT(read, IsOk());
  backend::LaunchSpec& ls = *read;
  EXPECT_FALSE(ls.health_check.has_value());
  EXPECT_FALSE(ls.persistent_volume.has_value());
  EXPECT_EQ(ls.task_id, spec.task_id);
  EXPECT_FALSE(ls.shell);
  EXPECT_EQ(ls.arguments, spec.arguments);
  EXPECT_EQ(ls.environment, spec.environment);
  EXPECT_EQ(ls.resources, spec.resources);
  EXPECT_EQ(ls.kill_grace_period, absl::Seconds(7));
  EXPECT_EQ(ls.labels, spec.labels);
  EXPECT_EQ(ls.ports, spec.ports);
  EXPECT_EQ(ls.container_image, "ubuntu:22.04");
  EXPECT_EQ(ls.volumes, spec.volumes);
  EXPECT_TRUE(ls.uris.empty());

  spec.health_check = backend::HealthCheckSpec{.type = backend::HealthCheckSpec::Type::kHttp,
                                               .port = 8080,
                                               .path = "/health",
                                               .delay = absl::Seconds(2),
                                               .interval = absl::Milliseconds(1500),
                                               .timeout = absl::Seconds(4),
                                               .max_consecutive_failures = 5};
  spec.persistent_volume = backend::PersistentVolumeSpec{"job-0", "var/data", 512};
  spec.revocable = true;
  spec.uris = {{"http://files/v2.tgz#sha256=" + std::string(64, 'a'), "lib/v2.tgz", false, true},
               {"file:///opt/tool", "", true, false}};
  capnp::MallocMessageBuilder hm;
  Set(spec, hm.initRoot<LaunchSpec>());
  read = Get(hm.getRoot<LaunchSpec>().asReader());
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->health_check, spec.health_check);
  EXPECT_EQ(read->persistent_volume, spec.persistent_volume);
  EXPECT_TRUE(read->revocable);
  EXPECT_EQ(read->uris, spec.uris);
  hm.getRoot<LaunchSpec>().getHealthCheck().setType(3);
  EXPECT_THAT(Get(hm.getRoot<LaunchSpec>().asReader()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec.healthCheck.type")));

  capnp::MallocMessageBuilder sm;
  backend::TaskStatus st{.task_id = "job-0-1",
                         .state = backend::MesosTaskState::kFailed,
                         .hostname = "h",
                         .message = "exit code 3",
                         .exit_code = 3,
                         .time = absl::FromUnixSeconds(1700000000)};
  Set(st, sm.initRoot<TaskStatus>());
  auto s = Get(sm.getRoot<TaskStatus>().asReader());
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->state, backend::MesosTaskState::kFailed);
  EXPECT_EQ(s->exit_code, 3);
  EXPECT_EQ(s->message, "exit code 3");
  EXPECT_EQ(s->time, st.time);
  EXPECT_FALSE(s->healthy.has_value());
  st.healthy = false;
  Set(st, sm.initRoot<TaskStatus>());
  s = Get(sm.getRoot<TaskStatus>().asReader());
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->healthy, std::optional<bool>(false));
  sm.getRoot<TaskStatus>().setHealth(3);
  EXPECT_THAT(Get(sm.getRoot<TaskStatus>().asReader()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("status.health")));
  sm.getRoot<TaskStatus>().setState(14);
  EXPECT_THAT(Get(sm.getRoot<TaskStatus>().asReader()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("status.state")));

  capnp::MallocMessageBuilder stm;
  SetStatus(absl::NotFoundError("pool /x"), stm.initRoot<api::Status>());
  EXPECT_THAT(StatusOf(stm.getRoot<api::Status>().asReader()),
              StatusIs(absl::StatusCode::kNotFound, "pool /x"));
}

}  // namespace
}  // namespace peloton::api::internal
