// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/api/stateless_convert.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/yaml_proto.h"

namespace peloton::api {
namespace {

using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

v1alpha::JobSpec Spec(const std::string& yaml) {
  v1alpha::JobSpec spec;
  EXPECT_THAT(YamlToProto(yaml, spec).status(), ::peloton::testing::IsOk());
  return spec;
}

// Peloton's tests/integration/test_configs/test_stateless_job_spec.yaml, as its integration
// tests write it (camelCase), with a health check, an SLA and a constraint of its variants.
constexpr char kPelotonSpec[] = R"yaml(
name: TestSpec
owner: testUser
owningTeam: testTeam
ldapGroups: [team6, otto]
description: "A dummy test stateless job spec for peloton"
labels:
- key: testKey0
  value: testVal0
instanceCount: 3
sla: {maximumUnavailableInstances: 1, priority: 2, preemptible: true}
defaultSpec:
  labels: [{key: instance, value: test-sla}]
  constraint:
    type: 1
    labelConstraint: {kind: 1, condition: 2, requirement: 0, label: {key: instance, value: test-sla}}
  containers:
  - resource:
      cpuLimit: 0.1
      memLimitMb: 2.0
      diskLimitMb: 10
    entrypoint:
      value: 'while :; do echo running 3; sleep 10; done'
    environment: [{name: GREETING, value: hi}]
    livenessCheck:
      type: 1
      enabled: true
      initialIntervalSecs: 1
      intervalSecs: 3
      timeoutSecs: 5
      maxConsecutiveFailures: 3
      commandCheck:
        command: 'ls'
    ports: [{name: http, envName: PORT_HTTP}]
  mesosSpec:
    shell: true
    uris: [{value: 'http://files/v1/data.txt', extract: false}]
  restartPolicy: {maxFailures: 5}
  killGracePeriodSeconds: 7
instanceSpec:
  2:
    containers:
    - entrypoint: {value: /bin/other, arguments: [a, b]}
)yaml";

TEST(StatelessConvertTest, PelotonsSpecIsAServiceJobConfig) {
  PELOTON_ASSERT_OK_AND_ASSIGN(v0::job::JobConfig c, JobConfigOfSpec(Spec(kPelotonSpec)));
  EXPECT_EQ(c.type(), v0::job::SERVICE);
  EXPECT_EQ(c.name(), "TestSpec");
  EXPECT_EQ(c.owner(), "testUser");
  EXPECT_EQ(c.owningteam(), "testTeam");
  EXPECT_THAT(c.ldapgroups(), ElementsAre("team6", "otto"));
  EXPECT_EQ(c.labels(0).key(), "testKey0");
  EXPECT_EQ(c.instancecount(), 3u);
  EXPECT_EQ(c.sla().maximumunavailableinstances(), 1u);
  EXPECT_EQ(c.sla().priority(), 2u);
  EXPECT_TRUE(c.sla().preemptible());
  const v0::task::TaskConfig& t = c.defaultconfig();
  EXPECT_DOUBLE_EQ(t.resource().cpulimit(), 0.1);
  EXPECT_DOUBLE_EQ(t.resource().memlimitmb(), 2.0);
  EXPECT_DOUBLE_EQ(t.resource().disklimitmb(), 10);
  EXPECT_TRUE(t.command().shell());
  EXPECT_EQ(t.command().value(), "while :; do echo running 3; sleep 10; done");
  EXPECT_EQ(t.command().environment().variables(0).name(), "GREETING");
  ASSERT_EQ(t.command().uris_size(), 1);
  EXPECT_EQ(t.command().uris(0).value(), "http://files/v1/data.txt");
  EXPECT_TRUE(t.healthcheck().enabled());
  EXPECT_EQ(t.healthcheck().type(), v0::task::HealthCheckConfig::COMMAND);
  EXPECT_EQ(t.healthcheck().commandcheck().command(), "ls");
  EXPECT_EQ(t.healthcheck().intervalsecs(), 3u);
  EXPECT_EQ(t.ports(0).envname(), "PORT_HTTP");
  EXPECT_EQ(t.constraint().type(), v0::task::Constraint::LABEL_CONSTRAINT);
  EXPECT_EQ(t.constraint().labelconstraint().kind(), v0::task::LabelConstraint::TASK);
  EXPECT_EQ(t.constraint().labelconstraint().condition(),
            v0::task::LabelConstraint::CONDITION_EQUAL);
  EXPECT_EQ(t.constraint().labelconstraint().label().value(), "test-sla");
  EXPECT_EQ(t.restartpolicy().maxfailures(), 5u);
  EXPECT_EQ(t.killgraceperiodseconds(), 7u);
  EXPECT_EQ(t.labels(0).key(), "instance");
  const v0::task::TaskConfig& two = c.instanceconfig().at(2);
  EXPECT_FALSE(two.command().shell());
  EXPECT_EQ(two.command().value(), "/bin/other");
  EXPECT_THAT(two.command().arguments(), ElementsAre("a", "b"));
}

// The Go CLI's spelling (all lower case; example/stateless/testspec.yaml), with a Mesos command
// that is taken as it is, and a job-wide revocable SLA that holds for every pod.
TEST(StatelessConvertTest, LowerCaseKeysAndAMesosCommand) {
  PELOTON_ASSERT_OK_AND_ASSIGN(v0::job::JobConfig c, JobConfigOfSpec(Spec(R"yaml(
name: example
instancecount: 2
sla: {preemptible: true, revocable: true}
defaultspec:
  containers:
  - command: {shell: true, value: 'echo hi; sleep 600'}
    entrypoint: {value: /bin/sh, arguments: ["-c", "ignored"]}
)yaml")));
  EXPECT_EQ(c.instancecount(), 2u);
  EXPECT_EQ(c.defaultconfig().command().value(), "echo hi; sleep 600");
  EXPECT_TRUE(c.defaultconfig().command().shell());
  EXPECT_TRUE(c.defaultconfig().revocable());
}

TEST(StatelessConvertTest, WhatPelotonDoesNotSupportIsRefused) {
  EXPECT_THAT(JobConfigOfSpec(Spec("defaultSpec: {containers: [{name: a}, {name: b}]}")),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("more than one container per pod is not supported")));
  EXPECT_THAT(JobConfigOfSpec(Spec("instanceSpec: {1: {initContainers: [{name: a}]}}")),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("instanceSpec[1].initContainers: init containers")));
}

TEST(StatelessConvertTest, ASpecComesBackAsItWent) {
  PELOTON_ASSERT_OK_AND_ASSIGN(v0::job::JobConfig c, JobConfigOfSpec(Spec(kPelotonSpec)));
  const v1alpha::JobSpec back = SpecOfJobConfig(c);
  EXPECT_EQ(back.default_spec().containers(0).liveness_check().command_check().command(), "ls");
  EXPECT_EQ(back.default_spec().containers(0).command().value(),
            "while :; do echo running 3; sleep 10; done");
  EXPECT_EQ(back.sla().maximum_unavailable_instances(), 1u);
  PELOTON_ASSERT_OK_AND_ASSIGN(v0::job::JobConfig again, JobConfigOfSpec(back));
  EXPECT_EQ(again.SerializeAsString(), c.SerializeAsString());
}

TEST(StatelessConvertTest, UpdateAndCreateSpecsAreUpdateConfigs) {
  v1alpha::UpdateSpec u;
  u.set_batch_size(2);
  u.set_rollback_on_failure(true);
  u.set_max_instance_retries(3);
  u.set_max_tolerable_instance_failures(1);
  u.set_start_paused(true);
  u.set_in_place(true);
  u.set_start_pods(true);
  const v0::update::UpdateConfig c = UpdateConfigOf(u);
  EXPECT_EQ(c.batchsize(), 2u);
  EXPECT_TRUE(c.rollbackonfailure());
  EXPECT_EQ(c.maxinstanceattempts(), 3u);
  EXPECT_EQ(c.maxfailureinstances(), 1u);
  EXPECT_TRUE(c.startpaused());
  EXPECT_TRUE(c.inplace());
  EXPECT_TRUE(c.starttasks());
  v1alpha::CreateSpec s;
  s.set_batch_size(1);
  s.set_start_paused(true);
  EXPECT_EQ(UpdateConfigOf(s).batchsize(), 1u);
  EXPECT_TRUE(UpdateConfigOf(s).startpaused());
  EXPECT_FALSE(UpdateConfigOf(s).rollbackonfailure());
}

}  // namespace
}  // namespace peloton::api
