// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/api/yaml_proto.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/job.pb.h"
#include "services/api/respool.pb.h"

namespace peloton::api {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

namespace job = ::peloton::api::v0::job;
namespace respool = ::peloton::api::v0::respool;

// Peloton's example/testjob.yaml, whole (reference §3.3).
constexpr char kTestJob[] = R"yaml(
changelog: null
name: TestPelotonJob_123
owningteam: team6
ldapgroups:
- money
- team6
- otto
description: "A dummy test job for peloton"
labels:
- key: testKey0
  value: testVal0
- key: testKey1
  value: testVal1
- key: testKey2
  value: testVal2
instancecount: 10
sla:
  priority: 22
  minimuminstancecount: 12
  minimuminstancepercent: 50
  preemptible: false
  maxrunningtime: 300
defaultconfig:
  resource:
    cpulimit: 1.0
    memlimitmb: 2.0
    disklimitmb: 10
    fdlimit: 10
  healthcheck: null
  ports: []
  container: null
  command:
    shell: true
    value: 'echo "Job $PELOTON_JOB_ID instance $PELOTON_INSTANCE_ID: $PELOTON_TASK_ID" && sleep 30'
instanceconfig:
  0:
    name: controller0
    controller: true
    command:
      shell: true
      value: 'echo Hello instance 0 && sleep 100'
    killgraceperiodseconds: 40
  1:
    name: instance1
    command:
      shell: true
      value: 'echo Hello instance 0 && sleep 15'
  2:
    name: instance2
    command:
      shell: true
      value: 'echo Hello instance 0 && sleep 20'
)yaml";

TEST(YamlProtoTest, ReadsPelotonsTestJob) {
  job::JobConfig config;
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<std::string> ignored, YamlToProto(kTestJob, config));
  // The legacy keys Peloton ignores, and nothing else.
  EXPECT_THAT(ignored, ElementsAre("sla.minimuminstancecount", "sla.minimuminstancepercent"));
  EXPECT_EQ(config.name(), "TestPelotonJob_123");
  EXPECT_EQ(config.owningteam(), "team6");
  EXPECT_THAT(config.ldapgroups(), ElementsAre("money", "team6", "otto"));
  ASSERT_EQ(config.labels_size(), 3);
  EXPECT_EQ(config.labels(2).key(), "testKey2");
  EXPECT_EQ(config.labels(2).value(), "testVal2");
  EXPECT_EQ(config.instancecount(), 10u);
  EXPECT_EQ(config.type(), job::BATCH);
  EXPECT_EQ(config.sla().priority(), 22u);
  EXPECT_FALSE(config.sla().preemptible());
  EXPECT_EQ(config.sla().maxrunningtime(), 300u);
  EXPECT_FALSE(config.has_changelog());
  EXPECT_DOUBLE_EQ(config.defaultconfig().resource().cpulimit(), 1.0);
  EXPECT_DOUBLE_EQ(config.defaultconfig().resource().memlimitmb(), 2.0);
  EXPECT_EQ(config.defaultconfig().resource().fdlimit(), 10u);
  EXPECT_FALSE(config.defaultconfig().has_healthcheck());
  EXPECT_FALSE(config.defaultconfig().has_container());
  EXPECT_TRUE(config.defaultconfig().command().shell());
  EXPECT_THAT(config.defaultconfig().command().value(), HasSubstr("$PELOTON_TASK_ID"));
  ASSERT_EQ(config.instanceconfig_size(), 3);
  EXPECT_TRUE(config.instanceconfig().at(0).controller());
  EXPECT_EQ(config.instanceconfig().at(0).killgraceperiodseconds(), 40u);
  EXPECT_EQ(config.instanceconfig().at(2).name(), "instance2");
}

TEST(YamlProtoTest, CamelCaseSnakeCaseAndEnumsByNameOrNumber) {
  job::JobConfig config;
  ASSERT_THAT(YamlToProto(R"yaml(
name: svc
owningTeam: team6
type: SERVICE
instanceCount: 4
placementStrategy: spread_job
sla: {maximumUnavailableInstances: 1}
defaultConfig:
  labels: [{key: instance, value: ubunny.production.ubunny}]
  constraint:
    type: 1
    labelConstraint:
      kind: TASK
      condition: CONDITION_EQUAL
      requirement: 0
      label: {key: instance, value: ubunny.production.ubunny}
  container:
    type: MESOS
    docker: {image: nvidia/cuda}
    volumes:
    - {container_path: /data, host_path: /tmp/data, mode: 1}
    - {containerpath: /ro, hostpath: /tmp/ro, mode: RO}
  preemption_policy: {type: 2}
)yaml",
                          config)
                  .status(),
              IsOk());
  EXPECT_EQ(config.owningteam(), "team6");
  EXPECT_EQ(config.type(), job::SERVICE);
  EXPECT_EQ(config.placementstrategy(), job::PLACEMENT_STRATEGY_SPREAD_JOB);
  EXPECT_EQ(config.sla().maximumunavailableinstances(), 1u);
  const auto& c = config.defaultconfig().constraint();
  EXPECT_EQ(c.type(), v0::task::Constraint::LABEL_CONSTRAINT);
  EXPECT_EQ(c.labelconstraint().kind(), v0::task::LabelConstraint::TASK);
  EXPECT_EQ(c.labelconstraint().condition(), v0::task::LabelConstraint::CONDITION_EQUAL);
  EXPECT_EQ(c.labelconstraint().label().value(), "ubunny.production.ubunny");
  const auto& container = config.defaultconfig().container();
  EXPECT_EQ(container.type(), peloton::api::v0::mesos::ContainerInfo::MESOS);
  EXPECT_EQ(container.docker().image(), "nvidia/cuda");
  ASSERT_EQ(container.volumes_size(), 2);
  EXPECT_EQ(container.volumes(0).container_path(), "/data");
  EXPECT_EQ(container.volumes(0).mode(), peloton::api::v0::mesos::Volume::RW);
  EXPECT_EQ(container.volumes(1).host_path(), "/tmp/ro");
  EXPECT_EQ(container.volumes(1).mode(), peloton::api::v0::mesos::Volume::RO);
  EXPECT_EQ(config.defaultconfig().preemptionpolicy().type(),
            v0::task::PreemptionPolicy::TYPE_NON_PREEMPTIBLE);
}

TEST(YamlProtoTest, ReadsPelotonsDefaultRespool) {
  respool::ResourcePoolConfig config;
  PELOTON_ASSERT_OK_AND_ASSIGN(std::vector<std::string> ignored, YamlToProto(R"yaml(
changelog: null
name: DefaultResPool
owningteam: team6
ldapgroups: [money, team6, otto]
description: "A dummy test respool for peloton"
resources:
- {kind: cpu,    reservation: 12,    limit: 12,    share: 1}
- {kind: memory, reservation: 6144,  limit: 6144,  share: 1}
- {kind: disk,   reservation: 10240, limit: 20480, share: 1}
- {kind: gpu,    reservation: 0,     limit: 0,     share: 1}
controllerlimit: {maxpercent: 10}
slacklimit: {maxpercent: 30}
policy: 1
)yaml",
                                                                             config));
  EXPECT_THAT(ignored, IsEmpty());
  EXPECT_EQ(config.name(), "DefaultResPool");
  ASSERT_EQ(config.resources_size(), 4);
  EXPECT_EQ(config.resources(2).kind(), "disk");
  EXPECT_DOUBLE_EQ(config.resources(2).limit(), 20480);
  EXPECT_DOUBLE_EQ(config.controllerlimit().maxpercent(), 10);
  EXPECT_DOUBLE_EQ(config.slacklimit().maxpercent(), 30);
}

TEST(YamlProtoTest, WrongValuesNameTheirPathAndChangeNothing) {
  job::JobConfig config;
  config.set_name("kept");
  EXPECT_THAT(YamlToProto("defaultconfig:\n  resource:\n    cpulimit: lots\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("defaultconfig.resource.cpulimit: 'lots' is not a number")));
  EXPECT_THAT(YamlToProto("instancecount: -1\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("instancecount")));
  EXPECT_THAT(YamlToProto("type: CRON\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("type: 'CRON' is not a JobType (rule: one of BATCH (0)")));
  EXPECT_THAT(YamlToProto("sla:\n  preemptible: maybe\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sla.preemptible")));
  EXPECT_THAT(YamlToProto("labels: {key: a}\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("labels: expected a list")));
  EXPECT_THAT(YamlToProto("sla: 3\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sla: expected a mapping")));
  EXPECT_THAT(YamlToProto("instanceconfig:\n  x: {name: a}\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("instanceconfig.x")));
  EXPECT_THAT(YamlToProto("name: [unclosed\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed YAML at line")));
  EXPECT_THAT(YamlToProto("- a\n- b\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("(top level)")));
  EXPECT_EQ(config.name(), "kept");
}

TEST(YamlProtoTest, StrictAndBoundedEachRefusalNamingItsRule) {
  job::JobConfig config;
  config.set_name("kept");
  // Empty, or only comments.
  EXPECT_THAT(YamlToProto("", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("a file is not empty")));
  EXPECT_THAT(YamlToProto("# nothing\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("a file is not empty")));
  // Several documents.
  EXPECT_THAT(YamlToProto("name: a\n---\nname: b\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("more than one YAML document (rule: one document a file)")));
  // What yaml-cpp reads as the same document forever (its LoadAll never returns): refused.
  EXPECT_THAT(YamlToProto(",", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("malformed YAML at line 1, column 1")));
  EXPECT_THAT(YamlToProto("# a comment\n,", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed YAML at line 2")));
  // A key twice, or in two spellings of one field; a map key twice.
  EXPECT_THAT(YamlToProto("name: a\nname: b\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("name: the key appears twice")));
  EXPECT_THAT(YamlToProto("owningteam: a\nowningTeam: b\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("owningTeam: the key appears twice")));
  EXPECT_THAT(YamlToProto("legacy: 1\nLegacy: 2\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("appears twice")));
  EXPECT_THAT(
      YamlToProto("instanceconfig:\n  0: {name: a}\n  0: {name: b}\n", config).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("instanceconfig.0: the key appears twice")));
  // Not UTF-8: the line and column of the first bad byte.
  EXPECT_THAT(YamlToProto("name: a\ndescription: caf\xe9\n", config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 2, column 17: not UTF-8")));
  EXPECT_THAT(YamlToProto("name: \xc0\xaf\n", config).status(),  // an overlong '/'
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not UTF-8")));
  EXPECT_THAT(YamlToProto("name: \xed\xa0\x80\n", config).status(),  // a surrogate
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not UTF-8")));
  // Too large.
  EXPECT_THAT(YamlToProto(std::string(17 << 20, ' '), config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("(rule: at most 16777216)")));
  // Nested too deep.
  std::string deep = "defaultconfig:\n  constraint:\n";
  std::string indent = "    ";
  for (int i = 0; i < 40; ++i) {
    deep += indent + "andconstraint:\n" + indent + "  constraints:\n" + indent + "  -\n";
    indent += "    ";
  }
  EXPECT_THAT(YamlToProto(deep, config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested more than 32 deep")));
  EXPECT_EQ(config.name(), "kept");
  // Well-formed UTF-8 beyond ASCII is fine.
  EXPECT_THAT(YamlToProto("name: caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80\n", config).status(),
              IsOk());
}

TEST(YamlProtoTest, AliasesAreReadButTheirExpansionIsBounded) {
  // An anchor shared by instance configs, as Peloton's users write them: fine.
  job::JobConfig config;
  ASSERT_THAT(YamlToProto(R"yaml(
instancecount: 2
instanceconfig:
  0: &base
    name: shared
    command: {value: 'echo hi'}
  1: *base
)yaml",
                          config)
                  .status(),
              IsOk());
  EXPECT_EQ(config.instanceconfig().at(1).name(), "shared");
  EXPECT_EQ(config.instanceconfig().at(1).command().value(), "echo hi");

  // A "billion laughs" of constraints: each level lists the one before ten times. 1.4 KB that
  // would expand to 10^6 constraints is refused, nothing read.
  std::string bomb = "defaultconfig:\n  constraint:\n    andconstraint:\n      constraints:\n";
  std::string level = "&l0 {labelconstraint: {kind: HOST, label: {key: k, value: v}}}";
  bomb += "      - " + level + "\n";
  for (int i = 1; i <= 6; ++i) {
    std::string list = "&l" + std::to_string(i) + " {andconstraint: {constraints: [";
    for (int k = 0; k < 10; ++k) list += (k ? ", *l" : "*l") + std::to_string(i - 1);
    bomb += "      - " + list + "]}}\n";
  }
  ASSERT_LT(bomb.size(), 2000u);
  config.set_name("kept");
  EXPECT_THAT(YamlToProto(bomb, config).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("YAML aliases expand to more than 10000 values")));
  EXPECT_EQ(config.name(), "kept");
}

}  // namespace
}  // namespace peloton::api
