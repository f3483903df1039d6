// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/backend/mesos/convert.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "services/common/remote_file.h"

namespace peloton::backend::mesos {
namespace {

using ::mesos::v1::Resource;
using ::mesos::v1::Value;

void AddScalar(const std::string& name, double value, const std::string& role,
               ::mesos::v1::TaskInfo& task) {
  if (value <= 0) return;
  Resource* r = task.add_resources();
  r->set_name(name);
  r->set_type(Value::SCALAR);
  r->mutable_scalar()->set_value(value);
  // A MULTI_ROLE framework says which of its roles the (unreserved) resources are allocated to.
  r->mutable_allocation_info()->set_role(role);
}

}  // namespace

::mesos::v1::FrameworkInfo FrameworkInfoOf(const FrameworkOptions& o,
                                           const std::string& framework_id) {
  ::mesos::v1::FrameworkInfo f;
  f.set_user(o.user);
  f.set_name(o.name);
  f.add_roles(o.role);
  f.set_principal(o.principal);
  if (!o.hostname.empty()) f.set_hostname(o.hostname);
  f.set_failover_timeout(o.failover_timeout_seconds);
  f.set_checkpoint(true);
  f.mutable_id()->set_value(framework_id.empty() ? kDefaultFrameworkId : framework_id);
  using Capability = ::mesos::v1::FrameworkInfo::Capability;
  for (auto type : {Capability::MULTI_ROLE, Capability::GPU_RESOURCES, Capability::PARTITION_AWARE,
                    Capability::TASK_KILLING_STATE}) {
    f.add_capabilities()->set_type(type);
  }
  if (o.revocable) f.add_capabilities()->set_type(Capability::REVOCABLE_RESOURCES);
  return f;
}

namespace {

// What a host offers `role`: its resources reserved for the role or unreserved, scalars summed
// and port ranges merged; revocable cpus apart (slack is not capacity).
struct Offered {
  double cpus = 0, mem = 0, disk = 0, gpus = 0, revocable_cpus = 0;
  std::vector<placement::PortRange> ports;

  void Add(const Resource& r, const std::string& role) {
    const std::string& reserved_for = r.reservations_size() > 0
                                          ? r.reservations(r.reservations_size() - 1).role()
                                          : (r.has_role() ? r.role() : "*");
    if (reserved_for != "*" && reserved_for != role) return;
    if (r.has_revocable()) {
      if (r.type() == Value::SCALAR && r.name() == "cpus") revocable_cpus += r.scalar().value();
      return;
    }
    if (r.type() == Value::SCALAR) {
      const double v = r.scalar().value();
      if (r.name() == "cpus") cpus += v;
      if (r.name() == "mem") mem += v;
      if (r.name() == "disk") disk += v;
      if (r.name() == "gpus") gpus += v;
    } else if (r.type() == Value::RANGES && r.name() == "ports") {
      for (const Value::Range& range : r.ranges().range()) {
        if (range.begin() > range.end() || range.end() > 65535) continue;
        ports.push_back({static_cast<uint32_t>(range.begin()), static_cast<uint32_t>(range.end())});
      }
    }
  }
};

// The host: attributes as Peloton reads them, ports merged, one GPU device per whole gpu.
absl::StatusOr<HostInfo> HostOf(
    std::string hostname, std::string agent_id, Offered offered,
    const google::protobuf::RepeatedPtrField<::mesos::v1::Attribute>& attributes) {
  HostInfo h;
  h.hostname = std::move(hostname);
  h.agent_id = std::move(agent_id);
  for (const ::mesos::v1::Attribute& a : attributes) {
    switch (a.type()) {
      case Value::TEXT:
        h.attributes[a.name()] = a.text().value();
        break;
      case Value::SCALAR:
        h.attributes[a.name()] = absl::StrFormat("%.6f", a.scalar().value());
        break;
      case Value::SET:
        h.attributes[a.name()] = absl::StrJoin(a.set().item(), ",");
        break;
      default:
        break;  // ranges: not supported, as in Peloton
    }
  }
  h.attributes["hostname"] = h.hostname;
  std::sort(offered.ports.begin(), offered.ports.end(),
            [](const auto& a, const auto& b) { return a.begin < b.begin; });
  for (const placement::PortRange& r : offered.ports) {
    if (!h.ports.empty() && r.begin <= h.ports.back().end + 1) {
      h.ports.back().end = std::max(h.ports.back().end, r.end);
    } else {
      h.ports.push_back(r);
    }
  }
  const int whole_gpus = static_cast<int>(std::floor(offered.gpus));
  auto model = h.attributes.find("gpu_model");
  h.gpus.assign(whole_gpus,
                {model != h.attributes.end() ? model->second : std::string("gpu"), 1000});
  absl::StatusOr<Resources> capacity =
      Resources::FromUnits(offered.cpus, offered.mem, offered.disk, whole_gpus);
  if (!capacity.ok()) return capacity.status();
  h.capacity = *capacity;
  h.revocable_milli_cpu = std::llround(std::max(0.0, offered.revocable_cpus) * 1000);
  return h;
}

}  // namespace

absl::StatusOr<HostInfo> HostOfOffers(absl::Span<const ::mesos::v1::Offer> offers,
                                      const std::string& role) {
  if (offers.empty()) return absl::InvalidArgumentError("offers: none");
  const std::string& agent_id = offers.front().agent_id().value();
  Offered offered;
  for (const ::mesos::v1::Offer& o : offers) {
    if (o.agent_id().value() != agent_id) {
      return absl::InvalidArgumentError(absl::StrCat("offers: ", o.id().value(), " is of agent ",
                                                     o.agent_id().value(), ", not ", agent_id));
    }
    for (const Resource& r : o.resources()) {
      if (PersistenceIdOf(r).empty()) offered.Add(r, role);
    }
  }
  return HostOf(offers.front().hostname(), agent_id, std::move(offered),
                offers.front().attributes());
}

absl::StatusOr<HostInfo> HostOfAgent(const ::mesos::v1::master::Response::GetAgents::Agent& agent,
                                     const std::string& role) {
  const ::mesos::v1::AgentInfo& info = agent.agent_info();
  if (info.hostname().empty() || info.id().value().empty()) {
    return absl::InvalidArgumentError("agent: no hostname or id");
  }
  Offered offered;
  // total_resources is what the agent has now; agent_info.resources what it registered with.
  for (const Resource& r :
       agent.total_resources_size() > 0 ? agent.total_resources() : info.resources()) {
    offered.Add(r, role);
  }
  return HostOf(info.hostname(), info.id().value(), std::move(offered), info.attributes());
}

int64_t TaskDiskOf(const LaunchSpec& spec) {
  const int64_t volume = spec.persistent_volume.has_value() ? spec.persistent_volume->size_mb : 0;
  return std::max<int64_t>(0, spec.resources.disk_mb() - volume);
}

VolumeOperations CreateVolume(const PersistentVolumeSpec& volume, const std::string& role,
                              const std::string& principal) {
  Resource disk;
  disk.set_name("disk");
  disk.set_type(Value::SCALAR);
  disk.mutable_scalar()->set_value(static_cast<double>(volume.size_mb));
  disk.mutable_allocation_info()->set_role(role);
  Resource::ReservationInfo* reservation = disk.add_reservations();
  reservation->set_type(Resource::ReservationInfo::DYNAMIC);
  reservation->set_role(role);
  reservation->set_principal(principal);
  VolumeOperations out;
  out.reserve.set_type(::mesos::v1::Offer::Operation::RESERVE);
  *out.reserve.mutable_reserve()->add_resources() = disk;
  out.volume = disk;
  Resource::DiskInfo* info = out.volume.mutable_disk();
  info->mutable_persistence()->set_id(volume.id);
  info->mutable_persistence()->set_principal(principal);
  info->mutable_volume()->set_container_path(volume.container_path);
  info->mutable_volume()->set_mode(::mesos::v1::Volume::RW);
  out.create.set_type(::mesos::v1::Offer::Operation::CREATE);
  *out.create.mutable_create()->add_volumes() = out.volume;
  return out;
}

std::vector<::mesos::v1::Offer::Operation> DestroyVolume(const Resource& volume) {
  std::vector<::mesos::v1::Offer::Operation> ops(2);
  ops[0].set_type(::mesos::v1::Offer::Operation::DESTROY);
  *ops[0].mutable_destroy()->add_volumes() = volume;
  ops[1].set_type(::mesos::v1::Offer::Operation::UNRESERVE);
  Resource disk = volume;
  disk.clear_disk();
  *ops[1].mutable_unreserve()->add_resources() = std::move(disk);
  return ops;
}

std::string PersistenceIdOf(const Resource& resource) {
  return resource.has_disk() && resource.disk().has_persistence()
             ? resource.disk().persistence().id()
             : std::string();
}

::mesos::v1::TaskInfo TaskInfoOf(const LaunchSpec& spec, const std::string& agent_id,
                                 absl::Span<const uint32_t> ports, const std::string& role) {
  ::mesos::v1::TaskInfo t;
  t.set_name(spec.task_id.str());
  t.mutable_task_id()->set_value(spec.task_id.str());
  t.mutable_agent_id()->set_value(agent_id);
  AddScalar("cpus", spec.resources.milli_cpu() / 1000.0, role, t);
  if (spec.revocable && t.resources_size() > 0 && t.resources(0).name() == "cpus") {
    t.mutable_resources(0)->mutable_revocable();  // slack cpus, from a revocable offer
  }
  AddScalar("mem", static_cast<double>(spec.resources.memory_mb()), role, t);
  AddScalar("disk", static_cast<double>(TaskDiskOf(spec)), role, t);
  AddScalar("gpus", spec.resources.milli_gpu() / 1000.0, role, t);
  if (!ports.empty()) {
    Resource* r = t.add_resources();
    r->set_name("ports");
    r->set_type(Value::RANGES);
    r->mutable_allocation_info()->set_role(role);
    std::vector<uint32_t> sorted(ports.begin(), ports.end());
    std::sort(sorted.begin(), sorted.end());
    for (uint32_t p : sorted) {
      auto* ranges = r->mutable_ranges();
      if (ranges->range_size() > 0 && ranges->range(ranges->range_size() - 1).end() + 1 == p) {
        ranges->mutable_range(ranges->range_size() - 1)->set_end(p);
      } else {
        Value::Range* range = ranges->add_range();
        range->set_begin(p);
        range->set_end(p);
      }
    }
  }
  if (!spec.container_image.empty() || !spec.volumes.empty()) {
    // Mesos's own containerizer, with the image in Docker's format (as Peloton runs them).
    ::mesos::v1::ContainerInfo* container = t.mutable_container();
    container->set_type(::mesos::v1::ContainerInfo::MESOS);
    if (!spec.container_image.empty()) {
      ::mesos::v1::Image* image = container->mutable_mesos()->mutable_image();
      image->set_type(::mesos::v1::Image::DOCKER);
      image->mutable_docker()->set_name(spec.container_image);
    }
    for (const VolumeMount& v : spec.volumes) {
      ::mesos::v1::Volume* volume = container->add_volumes();
      volume->set_host_path(v.host_path);
      volume->set_container_path(v.container_path);
      volume->set_mode(v.read_only ? ::mesos::v1::Volume::RO : ::mesos::v1::Volume::RW);
    }
  }
  ::mesos::v1::CommandInfo* command = t.mutable_command();
  command->set_shell(spec.shell);
  if (!spec.user.empty()) command->set_user(spec.user);  // else the framework's
  command->set_value(spec.command);
  if (!spec.shell) {
    // Mesos runs `value` with `arguments` as its argv (argv[0] included).
    command->add_arguments(spec.command);
    for (const std::string& a : spec.arguments) command->add_arguments(a);
  }
  for (const auto& [name, value] : spec.environment) {
    auto* v = command->mutable_environment()->add_variables();
    v->set_name(name);
    v->set_value(value);
  }
  for (const files::RemoteFile& f : spec.uris) {
    // The agent's fetcher, with its cache (an immutable URL may always be cached). It sees the
    // URL without the fragment: Mesos has no digest check.
    absl::StatusOr<files::ParsedUri> uri = files::ParseRemoteUri(f.value);
    ::mesos::v1::CommandInfo::URI* u = command->add_uris();
    u->set_value(uri.ok() ? uri->location : f.value);
    u->set_executable(f.executable);
    u->set_extract(f.extract);
    u->set_cache(true);
    if (!f.output_file.empty()) u->set_output_file(f.output_file);
  }
  for (const auto& [key, value] : spec.labels) {
    auto* l = t.mutable_labels()->add_labels();
    l->set_key(key);
    l->set_value(value);
  }
  t.mutable_kill_policy()->mutable_grace_period()->set_nanoseconds(
      absl::ToInt64Nanoseconds(spec.kill_grace_period));
  if (spec.health_check.has_value()) *t.mutable_health_check() = HealthCheckOf(spec);
  return t;
}

::mesos::v1::HealthCheck HealthCheckOf(const LaunchSpec& spec) {
  const HealthCheckSpec& h = *spec.health_check;
  ::mesos::v1::HealthCheck c;
  switch (h.type) {
    case HealthCheckSpec::Type::kCommand: {
      c.set_type(::mesos::v1::HealthCheck::COMMAND);
      ::mesos::v1::CommandInfo* command = c.mutable_command();
      command->set_shell(true);
      command->set_value(h.command);
      if (h.task_environment) {  // Peloton's default: the check sees what the task sees
        for (const auto& [name, value] : spec.environment) {
          auto* v = command->mutable_environment()->add_variables();
          v->set_name(name);
          v->set_value(value);
        }
      }
      break;
    }
    case HealthCheckSpec::Type::kHttp:
      c.set_type(::mesos::v1::HealthCheck::HTTP);
      c.mutable_http()->set_port(h.port);
      c.mutable_http()->set_path(h.path);
      c.mutable_http()->set_scheme(h.scheme);
      break;
    case HealthCheckSpec::Type::kTcp:
      c.set_type(::mesos::v1::HealthCheck::TCP);
      c.mutable_tcp()->set_port(h.port);
      break;
  }
  c.set_delay_seconds(absl::ToDoubleSeconds(h.delay));
  c.set_interval_seconds(absl::ToDoubleSeconds(h.interval));
  c.set_timeout_seconds(absl::ToDoubleSeconds(h.timeout));
  c.set_consecutive_failures(h.max_consecutive_failures);
  // Failures count from the first check, as on the local and sim backends (Mesos' default
  // would ignore them for 10 s after the launch).
  c.set_grace_period_seconds(0);
  return c;
}

TaskStatus StatusOf(const ::mesos::v1::TaskStatus& in,
                    const std::function<std::string(const std::string& agent_id)>& hostname_of) {
  TaskStatus s;
  s.task_id = in.task_id().value();
  // mesos.v1.TaskState and MesosTaskState share Mesos's numbers.
  const int state = static_cast<int>(in.state());
  s.state = state >= 0 && state <= static_cast<int>(MesosTaskState::kUnknown)
                ? static_cast<MesosTaskState>(state)
                : MesosTaskState::kUnknown;
  s.agent_id = in.agent_id().value();
  s.hostname = s.agent_id.empty() ? "" : hostname_of(s.agent_id);
  s.message = in.message();
  if (in.has_reason()) {
    s.message = absl::StrCat(::mesos::v1::TaskStatus::Reason_Name(in.reason()),
                             s.message.empty() ? "" : ": ", s.message);
  }
  s.time = in.has_timestamp() ? absl::FromUnixNanos(static_cast<int64_t>(in.timestamp() * 1e9))
                              : absl::Now();
  if (in.has_healthy()) s.healthy = in.healthy();
  return s;
}

}  // namespace peloton::backend::mesos
