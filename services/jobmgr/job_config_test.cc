// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/jobmgr/job_config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "peloton/testing/status_matchers.h"
#include "services/api/yaml_proto.h"

namespace peloton::jobmgr {
namespace {

using ::peloton::testing::IsOk;
using ::peloton::testing::StatusIs;
using ::testing::HasSubstr;

// A valid batch job: the seed's testjob.yaml, trimmed.
constexpr char kBatch[] = R"yaml(
name: TestPelotonJob_123
owningteam: team6
instancecount: 10
sla: {priority: 22, preemptible: false, maxrunningtime: 300}
defaultconfig:
  resource: {cpulimit: 1.0, memlimitmb: 2.0, disklimitmb: 10, fdlimit: 10}
  command: {shell: true, value: 'echo hello && sleep 30'}
instanceconfig:
  0:
    name: controller0
    controller: true
    command: {shell: true, value: 'echo Hello instance 0 && sleep 100'}
    killgraceperiodseconds: 40
  1:
    name: instance1
    resource: {cpulimit: 2.0, memlimitmb: 4.0}
)yaml";

job_pb::JobConfig Parse(const std::string& yaml) {
  job_pb::JobConfig config;
  absl::StatusOr<std::vector<std::string>> ignored = api::YamlToProto(yaml, config);
  EXPECT_THAT(ignored.status(), IsOk());
  return config;
}

TEST(JobConfigTest, InstanceConfigFieldsReplaceTheDefaultsWholeFields) {
  const job_pb::JobConfig config = Parse(kBatch);
  ASSERT_THAT(ValidateJobConfig(config), IsOk());

  const task_pb::TaskConfig zero = TaskConfigOf(config, 0);
  EXPECT_EQ(zero.name(), "controller0");
  EXPECT_TRUE(zero.controller());
  EXPECT_EQ(zero.command().value(), "echo Hello instance 0 && sleep 100");
  EXPECT_EQ(zero.killgraceperiodseconds(), 40u);
  EXPECT_DOUBLE_EQ(zero.resource().cpulimit(), 1.0);  // from the default

  // Instance 1 sets resource: the whole field is its own (no disk limit inherited).
  const task_pb::TaskConfig one = TaskConfigOf(config, 1);
  EXPECT_DOUBLE_EQ(one.resource().cpulimit(), 2.0);
  EXPECT_DOUBLE_EQ(one.resource().memlimitmb(), 4.0);
  EXPECT_DOUBLE_EQ(one.resource().disklimitmb(), 0.0);
  EXPECT_EQ(one.command().value(), "echo hello && sleep 30");

  const task_pb::TaskConfig five = TaskConfigOf(config, 5);
  EXPECT_EQ(five.name(), "");
  EXPECT_FALSE(five.controller());
  EXPECT_EQ(five.command().value(), "echo hello && sleep 30");
}

TEST(JobConfigTest, RestartPolicyIsClampedTo100) {
  job_pb::JobConfig config = Parse(std::string(kBatch) + R"yaml(
)yaml");
  config.mutable_defaultconfig()->mutable_restartpolicy()->set_maxfailures(500);
  (*config.mutable_instanceconfig())[1].mutable_restartpolicy()->set_maxfailures(7);
  NormalizeJobConfig(config);
  EXPECT_EQ(config.defaultconfig().restartpolicy().maxfailures(), 100u);
  EXPECT_EQ(config.instanceconfig().at(1).restartpolicy().maxfailures(), 7u);
}

struct Broken {
  const char* name;
  const char* yaml;   // appended to a valid job of the given type
  const char* field;  // the field the error must name
};

class ValidationTest : public ::testing::TestWithParam<Broken> {};

TEST_P(ValidationTest, NamesTheFieldAndTheRule) {
  const Broken& b = GetParam();
  job_pb::JobConfig config = Parse(b.yaml);
  // The cases are about other fields: give those that leave it out the resources every task needs.
  if (!config.defaultconfig().has_resource()) {
    config.mutable_defaultconfig()->mutable_resource()->set_cpulimit(1);
    config.mutable_defaultconfig()->mutable_resource()->set_memlimitmb(1);
  }
  EXPECT_THAT(ValidateJobConfig(config, {.max_tasks_per_job = 1000}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(b.field)))
      << b.name;
}

constexpr char kOk[] =
    "defaultconfig: {command: {value: 'true'}, resource: {cpulimit: 0.1, memlimitmb: 1}}\n";

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidationTest,
    ::testing::Values(
        Broken{"zero instances", "instancecount: 0\ndefaultconfig: {command: {value: x}}",
               "instanceCount: 0"},
        Broken{"too many", "instancecount: 1001\ndefaultconfig: {command: {value: x}}",
               "instanceCount: 1001 (rule: between 1 and max_tasks_per_job, 1000)"},
        Broken{"no command", "instancecount: 2\ndefaultconfig: {name: x}",
               "defaultConfig.command.value: empty for instance 0"},
        Broken{"an instance without command",
               "instancecount: 2\ndefaultconfig: {command: {value: x}}\n"
               "instanceconfig: {1: {command: {shell: true}}}",
               "instanceConfig[1].command.value"},
        Broken{"controller not 0",
               "instancecount: 3\ndefaultconfig: {command: {value: x}}\n"
               "instanceconfig: {2: {controller: true}}",
               "instanceConfig[2].controller: true for instance 2"},
        Broken{"default controller",
               "instancecount: 2\ndefaultconfig: {command: {value: x}, controller: true}",
               "defaultConfig.controller: true for instance 1"},
        Broken{"instance config out of range",
               "instancecount: 2\ndefaultconfig: {command: {value: x}}\ninstanceconfig: {2: {name: "
               "a}}",
               "instanceConfig[2]: for an instance >= instanceCount"},
        Broken{"dynamic port without envName",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, ports: [{name: http}]}",
               "defaultConfig.ports[0].envName"},
        Broken{"port without name",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, ports: [{value: 80}]}",
               "defaultConfig.ports[0].name"},
        Broken{"port twice",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, ports: "
               "[{name: a, value: 80}, {name: a, value: 81}]}",
               "defaultConfig.ports[1].name: 'a' twice"},
        Broken{"static port twice",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, ports: "
               "[{name: a, value: 80}, {name: b, value: 80}]}",
               "defaultConfig.ports[1].value: 80 twice"},
        Broken{"a name with a newline",
               "instancecount: 1\nname: \"a\\nb\"\ndefaultconfig: {command: {value: x}}",
               "name: 3 bytes 'a\\nb' (rule: at most 1024 bytes, no control characters)"},
        Broken{"a label key with a tab",
               "instancecount: 1\nlabels: [{key: \"a\\tb\", value: v}]\n"
               "defaultconfig: {command: {value: x}}",
               "labels[0].key: 3 bytes 'a\\tb'"},
        Broken{"a serverset path that climbs out",
               "instancecount: 1\nlabels: [{key: peloton.discovery/path, value: ../etc}]\n"
               "defaultconfig: {command: {value: x}}",
               "labels[0].value: '../etc' (rule: a serverset path"},
        Broken{"a serverset port an instance does not have",
               "instancecount: 2\nlabels: [{key: peloton.discovery/port, value: http}]\n"
               "defaultconfig: {command: {value: x}, ports: [{name: http, envname: P}]}\n"
               "instanceconfig: {1: {ports: [{name: admin, envname: P}]}}",
               "instanceConfig[1].ports: no port named 'http' for instance 1 (rule: the label "
               "peloton.discovery/port names a port of every instance)"},
        Broken{"a routed port an instance does not have",
               "instancecount: 1\nlabels: [{key: peloton.router/web, value: ':8080'}]\n"
               "defaultconfig: {command: {value: x}, ports: [{name: http, envname: P}]}",
               "defaultConfig.ports: no port named 'web' for instance 0 (rule: the label "
               "peloton.router/web names a port of every instance)"},
        Broken{"a route to no address",
               "instancecount: 1\nlabels: [{key: peloton.router/http, value: 'localhost'}]\n"
               "defaultconfig: {command: {value: x}, ports: [{name: http, envname: P}]}",
               "labels: label 'peloton.router/http': 'localhost' is not a listen address"},
        Broken{"a drain that is not whole seconds",
               "instancecount: 1\nlabels: [{key: peloton.discovery/drain-seconds, value: '1.5'}]\n"
               "defaultconfig: {command: {value: x}}",
               "labels: label peloton.discovery/drain-seconds: '1.5' (rule: whole seconds, 0 to "
               "3600)"},
        Broken{"an environment variable named with '='",
               "instancecount: 1\ndefaultconfig: {command: {value: x, environment: "
               "{variables: [{name: \"A=B\", value: c}]}}}",
               "defaultConfig.command.environment.variables[0].name: 'A=B' (rule: not empty, "
               "no '=' or NUL)"},
        Broken{"a user that is no user name",
               "instancecount: 1\ndefaultconfig: {command: {value: x, user: \"../root\"}}",
               "defaultConfig.command.user: '../root' (rule: 1 to 32 letters"},
        Broken{"a command with a NUL",
               "instancecount: 1\ndefaultconfig: {command: {value: \"a\\0b\"}}",
               "defaultConfig.command.value: has a NUL byte"},
        Broken{"negative cpu",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, resource: {cpulimit: -1}}",
               "defaultConfig.resource"},
        Broken{"no cpu",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, resource: {memlimitmb: 1}}",
               "defaultConfig.resource.cpuLimit: 0 (rule: more than 0 CPUs)"},
        Broken{"no memory",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, resource: {cpulimit: 1}}",
               "defaultConfig.resource.memLimitMb: 0 (rule: more than 0 MiB)"},
        Broken{"an instance's resource without memory",
               "instancecount: 2\ndefaultconfig: {command: {value: x}, "
               "resource: {cpulimit: 1, memlimitmb: 1}}\n"
               "instanceconfig: {1: {resource: {cpulimit: 2}}}",
               "instanceConfig[1].resource.memLimitMb: 0"},
        Broken{"1.5 GPUs",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, resource: {gpulimit: 1.5}}",
               "defaultConfig.resource.gpuLimit: 1.5"},
        Broken{"max running above count",
               "instancecount: 2\nsla: {maximumrunninginstances: 3}\n"
               "defaultconfig: {command: {value: x}}",
               "sla.maximumRunningInstances: 3 (rule: <= instanceCount, 2)"},
        Broken{"min above max",
               "instancecount: 5\nsla: {maximumrunninginstances: 2, minimumrunninginstances: 3}\n"
               "defaultconfig: {command: {value: x}}",
               "sla.minimumRunningInstances: 3"},
        Broken{"revocable not preemptible",
               "instancecount: 1\nsla: {revocable: true}\ndefaultconfig: {command: {value: x}}",
               "sla.revocable"},
        Broken{"override below gang size",
               "instancecount: 4\nsla: {minimumrunninginstances: 2}\n"
               "defaultconfig: {command: {value: x}}\n"
               "instanceconfig: {1: {preemptionpolicy: {type: 1}}}",
               "instanceConfig[1].preemptionPolicy.type: set for instance 1"},
        Broken{
            "batch health check",
            "instancecount: 1\ndefaultconfig: {command: {value: x}, healthcheck: {enabled: true}}",
            "defaultConfig.healthCheck.enabled"},
        Broken{"batch executor",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, executor: {type: 2, data: "
               "eA==}}",
               "defaultConfig.executor: set"},
        Broken{"daemon with an instance count",
               "type: DAEMON\ninstancecount: 3\ndefaultconfig: {command: {value: x}}",
               "instanceCount: 3 for a DAEMON job (rule: 0;"},
        Broken{"daemon with an instance config",
               "type: DAEMON\ndefaultconfig: {command: {value: x}}\n"
               "instanceconfig: {0: {name: y}}",
               "instanceConfig[0]: set for a DAEMON job"},
        Broken{"daemon with a controller",
               "type: DAEMON\ndefaultconfig: {command: {value: x}, controller: true}",
               "defaultConfig.controller: true for a DAEMON job"},
        Broken{"daemon with a deadline",
               "type: DAEMON\nsla: {maxrunningtime: 10}\ndefaultconfig: {command: {value: x}}",
               "sla.maxRunningTime: set for a DAEMON job"},
        Broken{"daemon kill on preempt",
               "type: DAEMON\n"
               "defaultconfig: {command: {value: x}, preemptionpolicy: {killonpreempt: true}}",
               "defaultConfig.preemptionPolicy.killOnPreempt"},
        Broken{"absolute volume path",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, volume: {containerpath: /data, sizemb: 10}}",
               "defaultConfig.volume.containerPath: '/data' (rule: a relative path"},
        Broken{"volume path leaving the sandbox",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, volume: {containerpath: a/../.., sizemb: 10}}",
               "defaultConfig.volume.containerPath: 'a/../..'"},
        Broken{"volume without a size",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, volume: {containerpath: data}}",
               "defaultConfig.volume.sizeMB: 0 (rule: 1 to 16777216)"},
        Broken{"revocable task that is not preemptible",
               "instancecount: 2\nsla: {preemptible: false}\n"
               "defaultconfig: {command: {value: x}}\ninstanceconfig: {1: {revocable: true}}",
               "instanceConfig[1].revocable: true for instance 1, which is not preemptible"},
        Broken{"remote file of an unknown scheme",
               "instancecount: 1\n"
               "defaultconfig: {command: {value: x, uris: [{value: 'file:///a'}, {value: "
               "'s3://b/c'}]}}",
               "defaultConfig.command.uris[1].value: 's3://b/c' (rule: file:// or http://)"},
        Broken{"remote file with a bad digest",
               "instancecount: 1\n"
               "defaultconfig: {command: {value: x, uris: [{value: 'http://h/a#sha256=12'}]}}",
               "defaultConfig.command.uris[0].value: 'http://h/a#sha256=12' (rule: a fragment"},
        Broken{"remote file outside the sandbox",
               "instancecount: 2\ndefaultconfig: {command: {value: x}}\n"
               "instanceconfig: {1: {command: {value: y, uris: [{value: 'http://h/a', "
               "output_file: '../a'}]}}}",
               "instanceConfig[1].command.uris[0].output_file: '../a'"},
        Broken{"daemon without a command", "type: DAEMON\n", "defaultConfig.command.value: empty"},
        Broken{"service kill on preempt",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, preemptionpolicy: {killonpreempt: true}}",
               "defaultConfig.preemptionPolicy.killOnPreempt"},
        Broken{"service max running",
               "type: SERVICE\ninstancecount: 2\nsla: {maximumrunninginstances: 1}\n"
               "defaultconfig: {command: {value: x}}",
               "sla.maximumRunningInstances: set for a SERVICE job"},
        Broken{"service deadline",
               "type: SERVICE\ninstancecount: 2\nsla: {maxrunningtime: 10}\n"
               "defaultconfig: {command: {value: x}}",
               "sla.maxRunningTime"},
        Broken{"service executor without data",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, executor: {type: CUSTOM}}",
               "defaultConfig.executor"},
        Broken{"health check without a type",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, healthcheck: {enabled: true}}",
               "defaultConfig.healthCheck.type: 0 (rule: COMMAND (1), HTTP (2) or TCP (4)"},
        Broken{"grpc health check",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, healthcheck: {enabled: true, type: GRPC}}",
               "GRPC checks are not supported"},
        Broken{"command check without a command",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, healthcheck: {enabled: true, type: COMMAND}}",
               "defaultConfig.healthCheck.commandCheck.command: empty"},
        Broken{"http check without a port",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, healthcheck: {enabled: true, type: HTTP, "
               "httpcheck: {path: /}}}",
               "defaultConfig.healthCheck.httpCheck.port: 0 (rule: a port number, 1 to 65535)"},
        Broken{"http check with another scheme",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, healthcheck: {enabled: true, type: HTTP, "
               "httpcheck: {port: 80, scheme: ftp}}}",
               "defaultConfig.healthCheck.httpCheck.scheme: 'ftp'"},
        Broken{"http check with a relative path",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, healthcheck: {enabled: true, type: HTTP, "
               "httpcheck: {port: 80, path: health}}}",
               "defaultConfig.healthCheck.httpCheck.path: 'health'"},
        Broken{"tcp check on port 70000",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, healthcheck: {enabled: true, type: TCP, "
               "tcpcheck: {port: 70000}}}",
               "defaultConfig.healthCheck.tcpCheck.port: 70000"},
        Broken{"http check on a port the task does not have",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, ports: [{name: web, envname: PORT}], "
               "healthcheck: {enabled: true, type: HTTP, httpcheck: {portname: http}}}",
               "defaultConfig.healthCheck.httpCheck.portName: 'http' (rule: the name of one of "
               "the task's ports)"},
        Broken{"tcp check with a port and a port name",
               "type: SERVICE\ninstancecount: 1\n"
               "defaultconfig: {command: {value: x}, ports: [{name: web, envname: PORT}], "
               "healthcheck: {enabled: true, type: TCP, tcpcheck: {port: 80, portname: web}}}",
               "defaultConfig.healthCheck.tcpCheck.portName: 'web' with port 80"},
        Broken{"health check interval of two hours",
               "type: SERVICE\ninstancecount: 3\n"
               "instanceconfig: {2: {healthcheck: {enabled: true, type: TCP, intervalsecs: 7200, "
               "tcpcheck: {port: 80}}}}\n"
               "defaultconfig: {command: {value: x}}",
               "instanceConfig[2].healthCheck.intervalSecs: 7200 (rule: at most 3600"},
        Broken{"label constraint without kind",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, constraint: {type: 1, "
               "labelconstraint: {condition: 2, label: {key: k, value: v}}}}",
               "defaultConfig.constraint.labelConstraint.kind"},
        Broken{"empty AND",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, constraint: {type: 2}}",
               "defaultConfig.constraint.andConstraint.constraints: empty"},
        Broken{"nested bad constraint",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, constraint: {type: 3, "
               "orconstraint: {constraints: [{type: 1, labelconstraint: {kind: 2, condition: 2, "
               "label: {value: v}}}]}}}",
               "defaultConfig.constraint.orConstraint.constraints[0].labelConstraint.label.key"},
        Broken{"job label without key",
               "instancecount: 1\nlabels: [{value: v}]\ndefaultconfig: {command: {value: x}}",
               "labels[0].key"},
        Broken{"a grace period of 136 years",
               "instancecount: 1\ndefaultconfig: {command: {value: x}, "
               "killgraceperiodseconds: 4294967295}",
               "defaultConfig.killGracePeriodSeconds: 4294967295 (rule: at most 3600 seconds)"}),
    [](const ::testing::TestParamInfo<Broken>& info) {
      std::string name = info.param.name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

// A host label constraint.
task_pb::Constraint Label() {
  task_pb::Constraint c;
  c.set_type(task_pb::Constraint::LABEL_CONSTRAINT);
  c.mutable_labelconstraint()->set_kind(task_pb::LabelConstraint::HOST);
  c.mutable_labelconstraint()->set_condition(task_pb::LabelConstraint::CONDITION_EQUAL);
  c.mutable_labelconstraint()->mutable_label()->set_key("k");
  return c;
}

TEST(JobConfigTest, ConstraintsAreBoundedInDepthAndCount) {
  job_pb::JobConfig config = Parse(std::string("instancecount: 1\n") + kOk);
  // As deep as allowed, and as many as allowed: fine.
  task_pb::Constraint c = Label();
  for (int d = 0; d < kMaxConstraintDepth; ++d) {
    task_pb::Constraint parent;
    parent.set_type(task_pb::Constraint::AND_CONSTRAINT);
    *parent.mutable_andconstraint()->add_constraints() = c;
    c = parent;
  }
  *config.mutable_defaultconfig()->mutable_constraint() = c;
  EXPECT_THAT(ValidateJobConfig(config), IsOk());
  // One level more: refused.
  task_pb::Constraint deeper;
  deeper.set_type(task_pb::Constraint::OR_CONSTRAINT);
  *deeper.mutable_orconstraint()->add_constraints() = c;
  *config.mutable_defaultconfig()->mutable_constraint() = deeper;
  EXPECT_THAT(ValidateJobConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("nested more than 8 deep (rule: at most 8 levels of and/or)")));
  // An AND of kMaxConstraints labels is one too many with the AND itself.
  task_pb::Constraint wide;
  wide.set_type(task_pb::Constraint::AND_CONSTRAINT);
  for (int i = 0; i < kMaxConstraints - 1; ++i) {
    *wide.mutable_andconstraint()->add_constraints() = Label();
  }
  *config.mutable_defaultconfig()->mutable_constraint() = wide;
  EXPECT_THAT(ValidateJobConfig(config), IsOk());
  *wide.mutable_andconstraint()->add_constraints() = Label();
  *config.mutable_defaultconfig()->mutable_constraint() = wide;
  EXPECT_THAT(ValidateJobConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("defaultConfig.constraint.andConstraint.constraints[999]: more "
                                 "than 1000 constraints")));
}

TEST(JobConfigTest, AConfigIsBoundedInSize) {
  job_pb::JobConfig config = Parse(std::string("instancecount: 1\n") + kOk);
  config.set_description(std::string(kMaxJobConfigBytes, 'x'));
  EXPECT_THAT(ValidateJobConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bytes (rule: at most 16777216)")));
}

TEST(JobConfigTest, NamesAreBoundedInSize) {
  job_pb::JobConfig config = Parse(std::string("instancecount: 1\n") + kOk);
  config.mutable_defaultconfig()->set_name(std::string(kMaxNameBytes, 'x'));
  EXPECT_THAT(ValidateJobConfig(config), IsOk());
  config.mutable_defaultconfig()->mutable_name()->push_back('x');
  EXPECT_THAT(ValidateJobConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("defaultConfig.name: 1025 bytes 'xxx")));
}

TEST(JobConfigTest, LabelsAreBoundedInNumberAndSize) {
  job_pb::JobConfig config = Parse(std::string("instancecount: 1\n") + kOk);
  for (int i = 0; i < kMaxLabels; ++i) {
    auto* l = config.mutable_defaultconfig()->add_labels();
    l->set_key(absl::StrCat("k", i));
    l->set_value(std::string(kMaxLabelValueBytes, 'v'));
  }
  EXPECT_THAT(ValidateJobConfig(config), IsOk());
  config.mutable_defaultconfig()->mutable_labels(7)->mutable_value()->push_back('v');
  EXPECT_THAT(ValidateJobConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("defaultConfig.labels[7].value: 4097 bytes (rule: at most 4096)")));
  config.mutable_defaultconfig()->mutable_labels(7)->mutable_value()->pop_back();
  config.mutable_defaultconfig()->add_labels()->set_key("one-more");
  EXPECT_THAT(ValidateJobConfig(config),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("defaultConfig.labels: 1001 labels (rule: at most 1000)")));
}

TEST(JobConfigTest, AMinimalJobIsValid) {
  EXPECT_THAT(ValidateJobConfig(Parse(std::string("instancecount: 1\n") + kOk)), IsOk());
  // A daemon job has no instance count of its own.
  EXPECT_THAT(ValidateJobConfig(Parse(std::string("type: DAEMON\n") + kOk)), IsOk());
}

TEST(JobConfigTest, UpdateMayOnlyAddInstances) {
  const job_pb::JobConfig current = Parse(kBatch);
  job_pb::JobConfig more = current;
  more.set_instancecount(12);
  (*more.mutable_instanceconfig())[11].set_name("new");
  EXPECT_THAT(ValidateJobUpdate(current, more), IsOk());

  job_pb::JobConfig renamed = more;
  renamed.set_name("other");
  EXPECT_THAT(ValidateJobUpdate(current, renamed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name: changed")));
  job_pb::JobConfig fewer = current;
  fewer.set_instancecount(9);
  EXPECT_THAT(
      ValidateJobUpdate(current, fewer),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("instanceCount: 9 is below 10")));
  job_pb::JobConfig new_default = more;
  new_default.mutable_defaultconfig()->mutable_command()->set_value("other");
  EXPECT_THAT(ValidateJobUpdate(current, new_default),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("defaultConfig: changed")));
  job_pb::JobConfig changed_instance = more;
  (*changed_instance.mutable_instanceconfig())[1].set_name("renamed");
  EXPECT_THAT(
      ValidateJobUpdate(current, changed_instance),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("instanceConfig[1]: changed")));
  job_pb::JobConfig new_config_for_old_instance = more;
  (*new_config_for_old_instance.mutable_instanceconfig())[4].set_name("four");
  EXPECT_THAT(
      ValidateJobUpdate(current, new_config_for_old_instance),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("instanceConfig[4]: changed")));
  job_pb::JobConfig relabelled = more;
  relabelled.add_labels()->set_key("k");
  EXPECT_THAT(ValidateJobUpdate(current, relabelled),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("labels: changed")));
}

TEST(JobConfigTest, TaskTypesAndPreemptibility) {
  job_pb::JobConfig config = Parse(std::string(kBatch));
  EXPECT_EQ(TaskTypeOf(config, 3), taskfsm::TaskType::kBatch);
  (*config.mutable_instanceconfig())[3].mutable_volume()->set_containerpath("/data");
  EXPECT_EQ(TaskTypeOf(config, 3), taskfsm::TaskType::kStateful);
  config.set_type(job_pb::SERVICE);
  EXPECT_EQ(TaskTypeOf(config, 4), taskfsm::TaskType::kStateless);
  config.set_type(job_pb::DAEMON);
  EXPECT_EQ(TaskTypeOf(config, 4), taskfsm::TaskType::kDaemon);

  config.mutable_sla()->set_preemptible(true);
  EXPECT_TRUE(IsPreemptible(config, 5));
  (*config.mutable_instanceconfig())[5].mutable_preemptionpolicy()->set_type(
      task_pb::PreemptionPolicy::TYPE_NON_PREEMPTIBLE);
  EXPECT_FALSE(IsPreemptible(config, 5));
}

TEST(JobConfigTest, PlacementViewOfATask) {
  const job_pb::JobConfig config = Parse(R"yaml(
instancecount: 2
placementstrategy: SPREAD_JOB
sla: {preemptible: true, revocable: true}
defaultconfig:
  command: {value: run}
  resource: {cpulimit: 1.5, memlimitmb: 512, disklimitmb: 100, gpulimit: 0.25}
  labels: [{key: app, value: web}]
  ports: [{name: http, envname: PORT_HTTP}, {name: admin, value: 9000}]
  constraint:
    type: AND_CONSTRAINT
    andconstraint:
      constraints:
      - {type: 1, labelconstraint: {kind: HOST, condition: CONDITION_EQUAL, requirement: 1,
         label: {key: zone, value: z1}}}
      - {type: 1, labelconstraint: {kind: TASK, condition: CONDITION_LESS_THAN, requirement: 1,
         label: {key: app, value: web}}}
)yaml");
  ASSERT_THAT(ValidateJobConfig(config), IsOk());
  PELOTON_ASSERT_OK_AND_ASSIGN(placement::TaskSpec spec, TaskSpecOf("job-1", config, 1));
  EXPECT_EQ(spec.id, "job-1-1");
  EXPECT_EQ(spec.job_id, "job-1");
  EXPECT_EQ(spec.demand, Resources::Of(1500, 512, 100, 250));
  EXPECT_EQ(spec.num_ports, 1u);  // one dynamic port
  EXPECT_EQ(spec.strategy, placement::PlacementStrategy::kSpreadJob);
  EXPECT_TRUE(spec.revocable);
  ASSERT_EQ(spec.labels.size(), 1u);
  EXPECT_EQ(spec.labels[0].key, "app");
  ASSERT_EQ(spec.constraint.type, placement::Constraint::Type::kAnd);
  ASSERT_EQ(spec.constraint.children.size(), 2u);
  EXPECT_EQ(spec.constraint.children[0].label.kind, placement::LabelConstraint::Kind::kHost);
  EXPECT_EQ(spec.constraint.children[0].label.label.value, "z1");
  EXPECT_EQ(spec.constraint.children[1].label.condition,
            placement::LabelConstraint::Condition::kLessThan);
  EXPECT_THAT(placement::ValidateTask(spec), IsOk());
  EXPECT_EQ(DemandOf(TaskConfigOf(config, 0)), Resources::Of(1500, 512, 100, 250));
}

}  // namespace
}  // namespace peloton::jobmgr
