// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/api/stateless_convert.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace peloton::api {
namespace {

namespace job_pb = v0::job;
namespace task_pb = v0::task;
namespace mesos_pb = v0::mesos;

// A message as its wire twin: Peloton's v1alpha pod messages keep the numbers and types of
// their v0 counterparts (stateless.proto says which), so the bytes of one are the other.
template <typename To, typename From>
To Recode(const From& from) {
  To to;
  to.ParseFromString(from.SerializeAsString());
  return to;
}

absl::StatusOr<task_pb::TaskConfig> TaskConfigOf(const v1alpha::PodSpec& pod,
                                                 const v1alpha::SlaSpec* sla,
                                                 const std::string& field) {
  if (pod.init_containers_size() > 0) {
    return absl::UnimplementedError(
        absl::StrCat(field, ".initContainers: init containers are not supported"));
  }
  if (pod.containers_size() > 1) {
    return absl::UnimplementedError(absl::StrCat(
        field, ".containers: ", pod.containers_size(),
        " (rule: configuration of more than one container per pod is not supported)"));
  }
  task_pb::TaskConfig t;
  for (const v1alpha::Label& l : pod.labels()) *t.add_labels() = Recode<v0::peloton::Label>(l);
  if (pod.containers_size() == 1) {
    const v1alpha::ContainerSpec& c = pod.containers(0);
    t.set_name(c.name());
    if (c.has_resource()) *t.mutable_resource() = Recode<task_pb::ResourceConfig>(c.resource());
    if (c.has_container()) *t.mutable_container() = c.container();
    if (c.has_command()) {
      *t.mutable_command() = c.command();
    } else {
      mesos_pb::CommandInfo& command = *t.mutable_command();
      for (const auto& u : pod.mesos_spec().uris()) *command.add_uris() = u;
      for (const v1alpha::Environment& e : c.environment()) {
        mesos_pb::Environment::Variable* v = command.mutable_environment()->add_variables();
        v->set_name(e.name());
        v->set_value(e.value());
      }
      command.set_shell(pod.mesos_spec().shell());
      command.set_value(c.entrypoint().value());
      for (const std::string& a : c.entrypoint().arguments()) command.add_arguments(a);
    }
    if (c.has_liveness_check()) {
      *t.mutable_healthcheck() = Recode<task_pb::HealthCheckConfig>(c.liveness_check());
    }
    for (const v1alpha::PortSpec& p : c.ports()) *t.add_ports() = Recode<task_pb::PortConfig>(p);
  }
  if (pod.has_constraint()) *t.mutable_constraint() = Recode<task_pb::Constraint>(pod.constraint());
  if (pod.has_restart_policy()) {
    *t.mutable_restartpolicy() = Recode<task_pb::RestartPolicy>(pod.restart_policy());
  }
  if (pod.has_volume()) *t.mutable_volume() = Recode<task_pb::PersistentVolumeConfig>(pod.volume());
  if (pod.has_preemption_policy()) {
    t.mutable_preemptionpolicy()->set_killonpreempt(pod.preemption_policy().kill_on_preempt());
  }
  t.set_controller(pod.controller());
  t.set_killgraceperiodseconds(pod.kill_grace_period_seconds());
  t.set_revocable(sla != nullptr ? sla->revocable() : pod.revocable());
  return t;
}

v1alpha::PodSpec PodSpecOf(const task_pb::TaskConfig& t) {
  v1alpha::PodSpec pod;
  for (const auto& l : t.labels()) *pod.add_labels() = Recode<v1alpha::Label>(l);
  v1alpha::ContainerSpec& c = *pod.add_containers();
  c.set_name(t.name());
  if (t.has_resource()) *c.mutable_resource() = Recode<v1alpha::ResourceSpec>(t.resource());
  if (t.has_container()) *c.mutable_container() = t.container();
  if (t.has_command()) *c.mutable_command() = t.command();
  if (t.has_healthcheck()) {
    *c.mutable_liveness_check() = Recode<v1alpha::HealthCheckSpec>(t.healthcheck());
  }
  for (const auto& p : t.ports()) *c.add_ports() = Recode<v1alpha::PortSpec>(p);
  if (t.has_constraint()) *pod.mutable_constraint() = Recode<v1alpha::Constraint>(t.constraint());
  if (t.has_restartpolicy()) {
    *pod.mutable_restart_policy() = Recode<v1alpha::RestartPolicy>(t.restartpolicy());
  }
  if (t.has_volume()) *pod.mutable_volume() = Recode<v1alpha::PersistentVolumeSpec>(t.volume());
  if (t.has_preemptionpolicy()) {
    pod.mutable_preemption_policy()->set_kill_on_preempt(t.preemptionpolicy().killonpreempt());
  }
  pod.set_controller(t.controller());
  pod.set_kill_grace_period_seconds(t.killgraceperiodseconds());
  pod.set_revocable(t.revocable());
  return pod;
}

}  // namespace

absl::StatusOr<job_pb::JobConfig> JobConfigOfSpec(const v1alpha::JobSpec& spec) {
  job_pb::JobConfig c;
  c.set_type(job_pb::SERVICE);
  c.set_name(spec.name());
  c.set_owner(spec.owner());
  c.set_owningteam(spec.owning_team());
  for (const std::string& g : spec.ldap_groups()) c.add_ldapgroups(g);
  c.set_description(spec.description());
  for (const v1alpha::Label& l : spec.labels()) *c.add_labels() = Recode<v0::peloton::Label>(l);
  c.set_instancecount(spec.instance_count());
  const v1alpha::SlaSpec* sla = spec.has_sla() ? &spec.sla() : nullptr;
  if (sla != nullptr) {
    job_pb::SlaConfig& s = *c.mutable_sla();
    s.set_priority(sla->priority());
    s.set_preemptible(sla->preemptible());
    s.set_revocable(sla->revocable());
    s.set_maximumunavailableinstances(sla->maximum_unavailable_instances());
  }
  if (spec.has_default_spec()) {
    auto t = TaskConfigOf(spec.default_spec(), sla, "defaultSpec");
    if (!t.ok()) return t.status();
    *c.mutable_defaultconfig() = *std::move(t);
  }
  for (const auto& [instance, pod] : spec.instance_spec()) {
    auto t = TaskConfigOf(pod, sla, absl::StrCat("instanceSpec[", instance, "]"));
    if (!t.ok()) return t.status();
    (*c.mutable_instanceconfig())[instance] = *std::move(t);
  }
  if (spec.has_respool_id()) c.mutable_respoolid()->set_value(spec.respool_id().value());
  return c;
}

v1alpha::JobSpec SpecOfJobConfig(const job_pb::JobConfig& c) {
  v1alpha::JobSpec spec;
  spec.set_name(c.name());
  spec.set_owner(c.owner());
  spec.set_owning_team(c.owningteam());
  for (const std::string& g : c.ldapgroups()) spec.add_ldap_groups(g);
  spec.set_description(c.description());
  for (const auto& l : c.labels()) *spec.add_labels() = Recode<v1alpha::Label>(l);
  spec.set_instance_count(c.instancecount());
  if (c.has_sla()) {
    v1alpha::SlaSpec& s = *spec.mutable_sla();
    s.set_priority(c.sla().priority());
    s.set_preemptible(c.sla().preemptible());
    s.set_revocable(c.sla().revocable());
    s.set_maximum_unavailable_instances(c.sla().maximumunavailableinstances());
  }
  if (c.has_defaultconfig()) *spec.mutable_default_spec() = PodSpecOf(c.defaultconfig());
  for (const auto& [instance, t] : c.instanceconfig()) {
    (*spec.mutable_instance_spec())[instance] = PodSpecOf(t);
  }
  if (c.has_respoolid()) spec.mutable_respool_id()->set_value(c.respoolid().value());
  return spec;
}

v0::update::UpdateConfig UpdateConfigOf(const v1alpha::UpdateSpec& spec) {
  v0::update::UpdateConfig c;
  c.set_batchsize(spec.batch_size());
  c.set_rollbackonfailure(spec.rollback_on_failure());
  c.set_maxinstanceattempts(spec.max_instance_retries());
  c.set_maxfailureinstances(spec.max_tolerable_instance_failures());
  c.set_startpaused(spec.start_paused());
  c.set_inplace(spec.in_place());
  c.set_starttasks(spec.start_pods());
  return c;
}

v0::update::UpdateConfig UpdateConfigOf(const v1alpha::CreateSpec& spec) {
  v0::update::UpdateConfig c;
  c.set_batchsize(spec.batch_size());
  c.set_maxinstanceattempts(spec.max_instance_retries());
  c.set_maxfailureinstances(spec.max_tolerable_instance_failures());
  c.set_startpaused(spec.start_paused());
  return c;
}

}  // namespace peloton::api
