// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/jobmgr/job_config.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "peloton/common/status_macros.h"
#include "services/common/files.h"
#include "services/discovery/routing.h"
#include "services/discovery/serverset.h"

namespace peloton::jobmgr {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::util::MessageDifferencer;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

void ClampRestarts(task_pb::TaskConfig& t) {
  if (t.has_restartpolicy() &&
      t.restartpolicy().maxfailures() > taskfsm::kMaxRestartPolicyFailures) {
    t.mutable_restartpolicy()->set_maxfailures(taskfsm::kMaxRestartPolicyFailures);
  }
}

// `nodes`: how many constraints the whole tree had so far; `depth`: how deep this one is.
absl::StatusOr<placement::Constraint> ConstraintOf(const task_pb::Constraint& c,
                                                   const std::string& path, int depth,
                                                   int& nodes) {
  if (depth > kMaxConstraintDepth) {
    return Invalid(path, absl::StrCat("nested more than ", kMaxConstraintDepth,
                                      " deep (rule: at most ", kMaxConstraintDepth,
                                      " levels of and/or)"));
  }
  if (++nodes > kMaxConstraints) {
    return Invalid(path, absl::StrCat("more than ", kMaxConstraints,
                                      " constraints in one task's (rule: at most ",
                                      kMaxConstraints, ")"));
  }
  placement::Constraint out;
  switch (c.type()) {
    case task_pb::Constraint::UNKNOWN_CONSTRAINT:
      return out;  // none: matches every host
    case task_pb::Constraint::LABEL_CONSTRAINT: {
      const task_pb::LabelConstraint& l = c.labelconstraint();
      if (!task_pb::LabelConstraint::Kind_IsValid(l.kind()) ||
          l.kind() == task_pb::LabelConstraint::UNKNOWN) {
        return Invalid(path + ".labelConstraint.kind", "(rule: TASK (1) or HOST (2))");
      }
      if (!task_pb::LabelConstraint::Condition_IsValid(l.condition()) ||
          l.condition() == task_pb::LabelConstraint::CONDITION_UNKNOWN) {
        return Invalid(path + ".labelConstraint.condition",
                       "(rule: CONDITION_LESS_THAN (1), CONDITION_EQUAL (2) or "
                       "CONDITION_GREATER_THAN (3))");
      }
      if (l.label().key().empty()) {
        return Invalid(path + ".labelConstraint.label.key", "empty (rule: a label key)");
      }
      out.type = placement::Constraint::Type::kLabel;
      out.label.kind = static_cast<placement::LabelConstraint::Kind>(l.kind());
      out.label.condition = static_cast<placement::LabelConstraint::Condition>(l.condition());
      out.label.label = {l.label().key(), l.label().value()};
      out.label.requirement = l.requirement();
      return out;
    }
    case task_pb::Constraint::AND_CONSTRAINT:
    case task_pb::Constraint::OR_CONSTRAINT: {
      const bool is_and = c.type() == task_pb::Constraint::AND_CONSTRAINT;
      const auto& children =
          is_and ? c.andconstraint().constraints() : c.orconstraint().constraints();
      const std::string list = path + (is_and ? ".andConstraint" : ".orConstraint");
      if (children.empty()) return Invalid(list + ".constraints", "empty (rule: at least one)");
      out.type = is_and ? placement::Constraint::Type::kAnd : placement::Constraint::Type::kOr;
      for (int i = 0; i < children.size(); ++i) {
        PELOTON_ASSIGN_OR_RETURN(
            placement::Constraint child,
            ConstraintOf(children[i], absl::StrCat(list, ".constraints[", i, "]"), depth + 1,
                         nodes));
        out.children.push_back(std::move(child));
      }
      return out;
    }
    default:
      return Invalid(path + ".type",
                     absl::StrCat(static_cast<int>(c.type()), " (rule: 0 to 3, LABEL, AND or OR)"));
  }
}

absl::StatusOr<placement::Constraint> ConstraintOf(const task_pb::Constraint& c,
                                                   const std::string& path) {
  int nodes = 0;
  return ConstraintOf(c, path, 0, nodes);
}

absl::StatusOr<Resources> DemandAt(const task_pb::TaskConfig& t, const std::string& path) {
  const task_pb::ResourceConfig& r = t.resource();
  // A volume's disk is held on its host as the task's (see VolumeOf).
  absl::StatusOr<Resources> demand = Resources::FromUnits(
      r.cpulimit(), r.memlimitmb(), r.disklimitmb() + (t.has_volume() ? t.volume().sizemb() : 0),
      r.gpulimit());
  if (!demand.ok()) return Invalid(path + ".resource", demand.status().message());
  if (r.gpulimit() > 1 && std::floor(r.gpulimit()) != r.gpulimit()) {
    return Invalid(path + ".resource.gpuLimit",
                   absl::StrCat(r.gpulimit(),
                                " (rule: below 1 a share of one GPU, otherwise "
                                "whole GPUs)"));
  }
  return demand;
}

absl::Status ValidatePort(uint32_t port, const std::string& path) {
  if (port < 1 || port > 65535) {
    return Invalid(path, absl::StrCat(port, " (rule: a port number, 1 to 65535)"));
  }
  return absl::OkStatus();
}

// A check's port: a number, or the name of one of the task's ports.
absl::Status ValidateCheckPort(const task_pb::TaskConfig& t, uint32_t port,
                               const std::string& port_name, const std::string& path) {
  if (port_name.empty()) return ValidatePort(port, path + ".port");
  if (port != 0) {
    return Invalid(path + ".portName",
                   absl::StrCat("'", port_name, "' with port ", port, " (rule: one of the two)"));
  }
  for (const task_pb::PortConfig& p : t.ports()) {
    if (p.name() == port_name) return absl::OkStatus();
  }
  return Invalid(path + ".portName",
                 absl::StrCat("'", port_name, "' (rule: the name of one of the task's ports)"));
}

// An enabled check (a disabled one's fields are ignored, as Peloton does).
absl::Status ValidateHealthCheck(const task_pb::TaskConfig& t, const std::string& path) {
  const task_pb::HealthCheckConfig& h = t.healthcheck();
  if (!h.enabled()) return absl::OkStatus();
  using H = task_pb::HealthCheckConfig;
  switch (h.type()) {
    case H::COMMAND:
      if (h.commandcheck().command().empty()) {
        return Invalid(path + ".commandCheck.command", "empty (rule: a COMMAND check's command)");
      }
      break;
    case H::HTTP: {
      const H::HttpCheck& c = h.httpcheck();
      PELOTON_RETURN_IF_ERROR(ValidateCheckPort(t, c.port(), c.portname(), path + ".httpCheck"));
      if (!c.scheme().empty() && c.scheme() != "http" && c.scheme() != "https") {
        return Invalid(path + ".httpCheck.scheme",
                       absl::StrCat("'", c.scheme(), "' (rule: empty, http or https)"));
      }
      if (!c.path().empty() && (c.path()[0] != '/' || c.path().size() > 1024 ||
                                c.path().find_first_of(" \r\n") != std::string::npos)) {
        return Invalid(path + ".httpCheck.path",
                       absl::StrCat("'", c.path(),
                                    "' (rule: empty or starting with /, no spaces or line "
                                    "breaks, at most 1024 characters)"));
      }
      break;
    }
    case H::TCP:
      PELOTON_RETURN_IF_ERROR(
          ValidateCheckPort(t, h.tcpcheck().port(), h.tcpcheck().portname(), path + ".tcpCheck"));
      break;
    default:
      return Invalid(path + ".type",
                     absl::StrCat(static_cast<int>(h.type()),
                                  " (rule: COMMAND (1), HTTP (2) or TCP (4); GRPC checks are "
                                  "not supported)"));
  }
  const struct {
    const char* field;
    uint32_t value;
    uint32_t max;
  } bounds[] = {{".initialIntervalSecs", h.initialintervalsecs(), 86400},
                {".intervalSecs", h.intervalsecs(), 3600},
                {".timeoutSecs", h.timeoutsecs(), 3600},
                {".maxConsecutiveFailures", h.maxconsecutivefailures(), 100}};
  for (const auto& b : bounds) {
    if (b.value > b.max) {
      return Invalid(path + b.field,
                     absl::StrCat(b.value, " (rule: at most ", b.max, "; 0 takes the default)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<files::RemoteFile> RemoteFilesOf(const task_pb::TaskConfig& task) {
  std::vector<files::RemoteFile> out;
  out.reserve(task.command().uris_size());
  for (const auto& u : task.command().uris()) {
    out.push_back({u.value(), u.output_file(), u.executable(), u.extract()});
  }
  return out;
}

namespace {

bool HasControlCharacter(absl::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

absl::Status ValidateName(absl::string_view name, const std::string& path) {
  if (name.size() > kMaxNameBytes || HasControlCharacter(name)) {
    return Invalid(path, absl::StrCat(name.size(), " bytes '", absl::CHexEscape(name.substr(0, 64)),
                                      "' (rule: at most ", kMaxNameBytes,
                                      " bytes, no control characters)"));
  }
  return absl::OkStatus();
}

template <typename Labels>
absl::Status ValidateLabels(const Labels& labels, const std::string& path) {
  if (labels.size() > kMaxLabels) {
    return Invalid(path, absl::StrCat(labels.size(), " labels (rule: at most ", kMaxLabels, ")"));
  }
  for (int i = 0; i < labels.size(); ++i) {
    const std::string at = absl::StrCat(path, "[", i, "]");
    const std::string& key = labels[i].key();
    if (key.empty()) return Invalid(at + ".key", "empty (rule: a label key)");
    if (key.size() > kMaxLabelKeyBytes || HasControlCharacter(key)) {
      return Invalid(at + ".key", absl::StrCat(key.size(), " bytes '",
                                               absl::CHexEscape(key.substr(0, 64)),
                                               "' (rule: at most ", kMaxLabelKeyBytes,
                                               " bytes, no control characters)"));
    }
    if (labels[i].value().size() > kMaxLabelValueBytes) {
      return Invalid(at + ".value", absl::StrCat(labels[i].value().size(),
                                                 " bytes (rule: at most ", kMaxLabelValueBytes,
                                                 ")"));
    }
    if (key == discovery::kPathLabel && !discovery::IsServersetPath(labels[i].value())) {
      return Invalid(at + ".value",
                     absl::StrCat("'", absl::CHexEscape(labels[i].value().substr(0, 64)),
                                  "' (rule: a serverset path: 1 to 8 segments of letters, "
                                  "digits, '.', '_' and '-', joined by '/')"));
    }
  }
  // The routing labels (discovery/routing.h): their message names the label and the rule.
  const discovery::Labels pairs = discovery::LabelsOf(labels);
  if (absl::Status s = discovery::RoutesOf(pairs).status(); !s.ok()) {
    return Invalid(path, std::string(s.message()));
  }
  if (absl::Status s = discovery::DrainOf(pairs).status(); !s.ok()) {
    return Invalid(path, std::string(s.message()));
  }
  return absl::OkStatus();
}

// What exec can take: no NUL in the command, its arguments or its environment, no '=' in a
// variable's name.
absl::Status ValidateCommand(const peloton::api::v0::mesos::CommandInfo& c,
                             const std::string& path) {
  const auto nul = [](absl::string_view s) { return s.find('\0') != absl::string_view::npos; };
  if (nul(c.value())) return Invalid(path + ".value", "has a NUL byte (rule: none)");
  for (int i = 0; i < c.arguments_size(); ++i) {
    if (nul(c.arguments(i))) {
      return Invalid(absl::StrCat(path, ".arguments[", i, "]"), "has a NUL byte (rule: none)");
    }
  }
  if (!c.user().empty() && !files::IsUserName(c.user())) {
    return Invalid(path + ".user", absl::StrCat("'", absl::CHexEscape(c.user().substr(0, 64)),
                                                "' (rule: 1 to 32 letters, digits, '.', '_' or "
                                                "'-', not first '-')"));
  }
  const auto& vars = c.environment().variables();
  if (vars.size() > kMaxEnvironmentVariables) {
    return Invalid(path + ".environment.variables",
                   absl::StrCat(vars.size(), " (rule: at most ", kMaxEnvironmentVariables, ")"));
  }
  for (int i = 0; i < vars.size(); ++i) {
    const std::string at = absl::StrCat(path, ".environment.variables[", i, "]");
    const std::string& name = vars[i].name();
    if (name.empty() || name.find('=') != std::string::npos || nul(name)) {
      return Invalid(at + ".name", absl::StrCat("'", absl::CHexEscape(name.substr(0, 64)),
                                                "' (rule: not empty, no '=' or NUL)"));
    }
    if (nul(vars[i].value())) return Invalid(at + ".value", "has a NUL byte (rule: none)");
  }
  return absl::OkStatus();
}

// The rules for one task config as instance `instance` sees it.
absl::Status ValidateTask(const job_pb::JobConfig& job, const task_pb::TaskConfig& t,
                          int64_t instance, const std::string& path) {
  const bool batch = job.type() == job_pb::BATCH;
  const std::string which = absl::StrCat("instance ", instance);
  if (t.command().value().empty()) {
    return Invalid(path + ".command.value",
                   absl::StrCat("empty for ", which, " (rule: every instance has a command)"));
  }
  if (absl::Status s = files::ValidateRemoteFiles(RemoteFilesOf(t), path + ".command.uris");
      !s.ok()) {
    return s;
  }
  PELOTON_RETURN_IF_ERROR(ValidateCommand(t.command(), path + ".command"));
  PELOTON_RETURN_IF_ERROR(ValidateName(t.name(), path + ".name"));
  PELOTON_RETURN_IF_ERROR(ValidateLabels(t.labels(), path + ".labels"));
  if (t.controller() && instance != 0) {
    return Invalid(path + ".controller", absl::StrCat("true for ", which,
                                                      " (rule: only instance 0 may be the "
                                                      "controller)"));
  }
  absl::flat_hash_set<std::string> port_names;
  for (int i = 0; i < t.ports_size(); ++i) {
    const task_pb::PortConfig& p = t.ports(i);
    const std::string at = absl::StrCat(path, ".ports[", i, "]");
    if (p.name().empty()) return Invalid(at + ".name", "empty (rule: every port has a name)");
    if (!port_names.insert(p.name()).second) {
      return Invalid(at + ".name", absl::StrCat("'", p.name(), "' twice (rule: unique names)"));
    }
    if (p.value() == 0 && p.envname().empty()) {
      return Invalid(at + ".envName",
                     "empty (rule: a dynamic port (value 0) needs the variable it is passed in)");
    }
    if (p.value() > 65535) {
      return Invalid(at + ".value", absl::StrCat(p.value(), " (rule: a port number <= 65535)"));
    }
    // A static port is taken on the task's host (placement finds a host that has it free).
    for (int j = 0; p.value() != 0 && j < i; ++j) {
      if (t.ports(j).value() == p.value()) {
        return Invalid(at + ".value", absl::StrCat(p.value(), " twice (rule: unique static ports)"));
      }
    }
  }
  // The serverset's service endpoint (a job label) must be a port each instance has:
  // otherwise the announcer could never announce it.
  for (const auto& l : job.labels()) {
    if (l.key() == discovery::kPortLabel && !port_names.contains(l.value())) {
      return Invalid(path + ".ports",
                     absl::StrCat("no port named '", absl::CHexEscape(l.value().substr(0, 64)),
                                  "' for ", which, " (rule: the label ", discovery::kPortLabel,
                                  " names a port of every instance)"));
    }
  }
  // So must each port the router serves (checked above: the labels parse).
  for (const auto& l : job.labels()) {
    if (!absl::StartsWith(l.key(), discovery::kRouteLabelPrefix)) continue;
    const std::string port = l.key().substr(sizeof(discovery::kRouteLabelPrefix) - 1);
    if (!port_names.contains(port)) {
      return Invalid(path + ".ports",
                     absl::StrCat("no port named '", absl::CHexEscape(port), "' for ", which,
                                  " (rule: the label ", absl::CHexEscape(l.key()),
                                  " names a port of every instance)"));
    }
  }
  if (t.has_volume()) {
    const task_pb::PersistentVolumeConfig& v = t.volume();
    if (!files::IsPathInside(v.containerpath(), kMaxVolumePathSize)) {
      return Invalid(path + ".volume.containerPath",
                     absl::StrCat("'", v.containerpath(), "' (rule: a relative path in the sandbox, ",
                                  "at most ", kMaxVolumePathSize,
                                  " characters, no empty, . or .. parts, each at most ",
                                  files::kMaxFileName, ")"));
    }
    if (v.sizemb() < 1 || v.sizemb() > kMaxVolumeSizeMb) {
      return Invalid(path + ".volume.sizeMB",
                     absl::StrCat(v.sizemb(), " (rule: 1 to ", kMaxVolumeSizeMb, ")"));
    }
  }
  PELOTON_RETURN_IF_ERROR(DemandAt(t, path).status());
  // Admission and pool limits count cpu and memory: a task that asks for none would run outside
  // every limit (and Mesos refuses a task that uses no resources).
  if (!(t.resource().cpulimit() > 0)) {
    return Invalid(path + ".resource.cpuLimit",
                   absl::StrCat(t.resource().cpulimit(), " (rule: more than 0 CPUs)"));
  }
  if (!(t.resource().memlimitmb() > 0)) {
    return Invalid(path + ".resource.memLimitMb",
                   absl::StrCat(t.resource().memlimitmb(), " (rule: more than 0 MiB)"));
  }
  if (t.killgraceperiodseconds() > kMaxKillGracePeriodSeconds) {
    return Invalid(path + ".killGracePeriodSeconds",
                   absl::StrCat(t.killgraceperiodseconds(), " (rule: at most ",
                                kMaxKillGracePeriodSeconds, " seconds)"));
  }
  if (batch && t.healthcheck().enabled()) {
    return Invalid(path + ".healthCheck.enabled", "true (rule: batch tasks have no health check)");
  }
  PELOTON_RETURN_IF_ERROR(ValidateHealthCheck(t, path + ".healthCheck"));
  if (t.has_executor()) {
    if (batch)
      return Invalid(path + ".executor", "set (rule: batch tasks have no custom executor)");
    if (t.executor().type() != peloton::api::v0::mesos::ExecutorInfo::CUSTOM ||
        t.executor().data().empty()) {
      return Invalid(path + ".executor", "(rule: a custom executor has type CUSTOM and its data)");
    }
  }
  const task_pb::PreemptionPolicy& pp = t.preemptionpolicy();
  if (!task_pb::PreemptionPolicy::Type_IsValid(pp.type())) {
    return Invalid(path + ".preemptionPolicy.type",
                   absl::StrCat(static_cast<int>(pp.type()), " (rule: 0 to 2)"));
  }
  if (!batch && pp.killonpreempt()) {
    return Invalid(path + ".preemptionPolicy.killOnPreempt",
                   "true (rule: service and daemon tasks are always restarted after "
                   "preemption)");
  }
  if (pp.type() != task_pb::PreemptionPolicy::TYPE_INVALID &&
      instance < static_cast<int64_t>(job.sla().minimumrunninginstances())) {
    return Invalid(path + ".preemptionPolicy.type",
                   absl::StrCat("set for ", which,
                                " (rule: only instances >= "
                                "sla.minimumRunningInstances (",
                                job.sla().minimumrunninginstances(),
                                ") may override the job's preemptibility)"));
  }
  if (IsRevocable(job, t) && !IsPreemptible(job, t)) {
    return Invalid(path + ".revocable",
                   absl::StrCat("true for ", which,
                                ", which is not preemptible (rule: revocable tasks are "
                                "preemptible: sla.preemptible, or preemptionPolicy.type "
                                "TYPE_PREEMPTIBLE)"));
  }
  return ConstraintOf(t.constraint(), path + ".constraint").status();
}

// Fields of TaskConfig set in `t` (what a merge takes from an instance config).
std::vector<const FieldDescriptor*> SetFields(const task_pb::TaskConfig& t) {
  std::vector<const FieldDescriptor*> fields;
  t.GetReflection()->ListFields(t, &fields);
  return fields;
}

}  // namespace

task_pb::TaskConfig TaskConfigOf(const job_pb::JobConfig& config, uint32_t instance) {
  task_pb::TaskConfig merged;
  const task_pb::TaskConfig& t = TaskConfigRef(config, instance, merged);
  if (&t == &merged) return merged;
  return t;
}

const task_pb::TaskConfig& TaskConfigRef(const job_pb::JobConfig& config, uint32_t instance,
                                         task_pb::TaskConfig& merged) {
  auto it = config.instanceconfig().find(instance);
  if (it == config.instanceconfig().end()) return config.defaultconfig();
  merged = config.defaultconfig();
  for (const FieldDescriptor* f : SetFields(it->second)) {
    merged.GetReflection()->ClearField(&merged, f);
  }
  merged.MergeFrom(it->second);
  return merged;
}

void NormalizeJobConfig(job_pb::JobConfig& config) {
  ClampRestarts(*config.mutable_defaultconfig());
  for (auto& [instance, t] : *config.mutable_instanceconfig()) ClampRestarts(t);
}

absl::Status ValidateJobConfig(const job_pb::JobConfig& config, const JobConfigLimits& limits) {
  if (const size_t bytes = config.ByteSizeLong(); bytes > kMaxJobConfigBytes) {
    return Invalid("(the config)", absl::StrCat(bytes, " bytes (rule: at most ",
                                                kMaxJobConfigBytes, ")"));
  }
  if (!job_pb::JobType_IsValid(config.type())) {
    return Invalid("type", absl::StrCat(static_cast<int>(config.type()),
                                        " (rule: BATCH (0), SERVICE (1) or DAEMON (2))"));
  }
  if (!job_pb::PlacementStrategy_IsValid(config.placementstrategy())) {
    return Invalid("placementStrategy",
                   absl::StrCat(static_cast<int>(config.placementstrategy()), " (rule: 0 to 2)"));
  }
  const uint32_t n = config.instancecount();
  const bool daemon = config.type() == job_pb::DAEMON;
  if (daemon) {
    // One instance per eligible host: the hosts decide how many, and each runs the default
    // config.
    if (n != 0) {
      return Invalid("instanceCount",
                     absl::StrCat(n, " for a DAEMON job (rule: 0; a daemon job runs one instance "
                                     "on each host its constraint admits)"));
    }
    if (!config.instanceconfig().empty()) {
      return Invalid(absl::StrCat("instanceConfig[", config.instanceconfig().begin()->first, "]"),
                     "set for a DAEMON job (rule: its instances all run defaultConfig)");
    }
    if (config.defaultconfig().controller()) {
      return Invalid("defaultConfig.controller", "true for a DAEMON job (rule: batch jobs only)");
    }
  } else if (n < 1 || n > limits.max_tasks_per_job) {
    return Invalid("instanceCount", absl::StrCat(n, " (rule: between 1 and max_tasks_per_job, ",
                                                 limits.max_tasks_per_job, ")"));
  }
  PELOTON_RETURN_IF_ERROR(ValidateName(config.name(), "name"));
  PELOTON_RETURN_IF_ERROR(ValidateLabels(config.labels(), "labels"));
  const job_pb::SlaConfig& sla = config.sla();
  if (sla.maximumrunninginstances() > n) {
    return Invalid(
        "sla.maximumRunningInstances",
        absl::StrCat(sla.maximumrunninginstances(), " (rule: <= instanceCount, ", n, ")"));
  }
  const uint32_t max_running =
      sla.maximumrunninginstances() > 0 ? sla.maximumrunninginstances() : n;
  if (sla.minimumrunninginstances() > max_running) {
    return Invalid("sla.minimumRunningInstances",
                   absl::StrCat(sla.minimumrunninginstances(),
                                " (rule: <= sla.maximumRunningInstances, or instanceCount when "
                                "that is 0: ",
                                max_running, ")"));
  }
  if (sla.revocable() && !sla.preemptible()) {
    return Invalid("sla.revocable",
                   "true while sla.preemptible is false (rule: revocable jobs "
                   "are preemptible)");
  }
  if (config.type() != job_pb::BATCH) {
    const std::string set_for =
        absl::StrCat("set for a ", daemon ? "DAEMON" : "SERVICE", " job (rule: batch jobs only)");
    if (sla.maximumrunninginstances() != 0 || sla.minimumrunninginstances() != 0) {
      return Invalid(sla.maximumrunninginstances() != 0 ? "sla.maximumRunningInstances"
                                                        : "sla.minimumRunningInstances",
                     set_for);
    }
    if (sla.maxrunningtime() != 0) return Invalid("sla.maxRunningTime", set_for);
  }
  for (const auto& [instance, t] : config.instanceconfig()) {
    if (instance >= n) {
      return Invalid(absl::StrCat("instanceConfig[", instance, "]"),
                     absl::StrCat("for an instance >= instanceCount, ", n,
                                  " (rule: instances are 0 to instanceCount - 1)"));
    }
  }
  // The default config, as seen by the instances without an instance config: instance 0 (which
  // may be the controller) and the lowest other one (for the rules that depend on the number).
  if (!config.instanceconfig().contains(0)) {
    PELOTON_RETURN_IF_ERROR(ValidateTask(config, config.defaultconfig(), 0, "defaultConfig"));
  }
  for (uint32_t i = 1; i < n; ++i) {
    if (config.instanceconfig().contains(i)) continue;
    PELOTON_RETURN_IF_ERROR(ValidateTask(config, config.defaultconfig(), i, "defaultConfig"));
    break;
  }
  for (const auto& [instance, t] : config.instanceconfig()) {
    PELOTON_RETURN_IF_ERROR(ValidateTask(config, TaskConfigOf(config, instance), instance,
                                         absl::StrCat("instanceConfig[", instance, "]")));
  }
  return absl::OkStatus();
}

absl::Status ValidateJobUpdate(const job_pb::JobConfig& current, const job_pb::JobConfig& updated,
                               const JobConfigLimits& limits) {
  const auto unchanged = [](const google::protobuf::Message& a,
                            const google::protobuf::Message& b) {
    return MessageDifferencer::Equals(a, b);
  };
  if (updated.name() != current.name()) return Invalid("name", "changed (rule: unchanged)");
  if (updated.owningteam() != current.owningteam()) {
    return Invalid("owningTeam", "changed (rule: unchanged)");
  }
  if (updated.type() != current.type()) return Invalid("type", "changed (rule: unchanged)");
  if (!unchanged(updated.respoolid(), current.respoolid())) {
    return Invalid("respoolID", "changed (rule: unchanged)");
  }
  if (!std::equal(updated.ldapgroups().begin(), updated.ldapgroups().end(),
                  current.ldapgroups().begin(), current.ldapgroups().end())) {
    return Invalid("ldapGroups", "changed (rule: unchanged)");
  }
  if (updated.labels_size() != current.labels_size() ||
      !std::equal(updated.labels().begin(), updated.labels().end(), current.labels().begin(),
                  unchanged)) {
    return Invalid("labels", "changed (rule: unchanged)");
  }
  if (!unchanged(updated.defaultconfig(), current.defaultconfig())) {
    return Invalid("defaultConfig", "changed (rule: unchanged; Update only adds instances)");
  }
  if (updated.instancecount() < current.instancecount()) {
    return Invalid("instanceCount",
                   absl::StrCat(updated.instancecount(), " is below ", current.instancecount(),
                                " (rule: Update only adds instances)"));
  }
  for (uint32_t i = 0; i < current.instancecount(); ++i) {
    if (!unchanged(TaskConfigOf(updated, i), TaskConfigOf(current, i))) {
      return Invalid(absl::StrCat("instanceConfig[", i, "]"),
                     "changed (rule: the existing instances' configs are unchanged)");
    }
  }
  return ValidateJobConfig(updated, limits);
}

taskfsm::TaskType TaskTypeOf(const job_pb::JobConfig& config, uint32_t instance) {
  return taskfsm::TaskTypeOf(JobTypeOf(config), TaskConfigOf(config, instance).has_volume());
}

std::string VolumeIdOf(const JobId& job, uint32_t instance) {
  return absl::StrCat(job.value(), "-", instance);
}

absl::Duration DrainOf(const job_pb::JobConfig& config) {
  // Validated when the config was accepted; one stored before the label had a rule is killed
  // at once.
  return discovery::DrainOf(discovery::LabelsOf(config.labels())).value_or(absl::ZeroDuration());
}

bool HasVolumes(const job_pb::JobConfig& config) {
  if (config.defaultconfig().has_volume()) return true;
  for (const auto& [instance, t] : config.instanceconfig()) {
    if (t.has_volume()) return true;
  }
  return false;
}

Resources DemandOf(const task_pb::TaskConfig& task) {
  absl::StatusOr<Resources> demand = DemandAt(task, "task");
  return demand.ok() ? *demand : Resources();
}

bool IsRevocable(const job_pb::JobConfig& config, const task_pb::TaskConfig& task) {
  return config.sla().revocable() || task.revocable();
}

bool IsPreemptible(const job_pb::JobConfig& config, uint32_t instance) {
  return IsPreemptible(config, TaskConfigOf(config, instance));
}

bool IsPreemptible(const job_pb::JobConfig& config, const task_pb::TaskConfig& task) {
  switch (task.preemptionpolicy().type()) {
    case task_pb::PreemptionPolicy::TYPE_PREEMPTIBLE:
      return true;
    case task_pb::PreemptionPolicy::TYPE_NON_PREEMPTIBLE:
      return false;
    default:
      return config.sla().preemptible();
  }
}

absl::StatusOr<placement::TaskSpec> TaskSpecOf(const std::string& job_id,
                                               const job_pb::JobConfig& config, uint32_t instance) {
  task_pb::TaskConfig merged;
  const task_pb::TaskConfig& t = TaskConfigRef(config, instance, merged);
  const std::string path = absl::StrCat("instance ", instance);
  placement::TaskSpec spec;
  spec.id = absl::StrCat(job_id, "-", instance);
  spec.job_id = job_id;
  PELOTON_ASSIGN_OR_RETURN(spec.demand, DemandAt(t, path));
  for (const task_pb::PortConfig& p : t.ports()) {
    if (p.value() == 0) {
      ++spec.num_ports;
    } else {
      spec.static_ports.push_back(p.value());
    }
  }
  PELOTON_ASSIGN_OR_RETURN(spec.constraint, ConstraintOf(t.constraint(), path + ".constraint"));
  for (const auto& l : t.labels()) spec.labels.push_back({l.key(), l.value()});
  spec.strategy = config.placementstrategy() == job_pb::PLACEMENT_STRATEGY_SPREAD_JOB
                      ? placement::PlacementStrategy::kSpreadJob
                      : placement::PlacementStrategy::kPackHost;
  spec.revocable = IsRevocable(config, t);
  return spec;
}

}  // namespace peloton::jobmgr
