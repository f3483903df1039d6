// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/api/internal_convert.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "peloton/common/status_macros.h"

namespace peloton::api::internal {
namespace {

template <typename Enum>
absl::StatusOr<Enum> EnumOf(uint8_t value, int last, absl::string_view field) {
  if (value > last) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", value, " is not a known value (rule: 0..", last, ")"));
  }
  return static_cast<Enum>(value);
}

}  // namespace

absl::StatusOr<placement::HostState> HostStateOf(uint8_t value) {
  return EnumOf<placement::HostState>(value, 5, "host.state");
}

namespace {

void SetLabels(const std::vector<placement::Label>& labels, capnp::List<Label>::Builder out) {
  for (size_t i = 0; i < labels.size(); ++i) {
    out[i].setKey(labels[i].key);
    out[i].setValue(labels[i].value);
  }
}

std::vector<placement::Label> GetLabels(capnp::List<Label>::Reader in) {
  std::vector<placement::Label> out;
  out.reserve(in.size());
  for (Label::Reader l : in) out.push_back({Str(l.getKey()), Str(l.getValue())});
  return out;
}

// (key, value) pairs (a launch's environment and labels) as a List(Label), and back.
void SetConstraint(const placement::Constraint& c, Constraint::Builder out) {
  out.setType(static_cast<uint8_t>(c.type));
  out.setKind(static_cast<uint8_t>(c.label.kind));
  out.setCondition(static_cast<uint8_t>(c.label.condition));
  out.initLabel().setKey(c.label.label.key);
  out.getLabel().setValue(c.label.label.value);
  out.setRequirement(c.label.requirement);
  auto children = out.initChildren(static_cast<unsigned>(c.children.size()));
  for (size_t i = 0; i < c.children.size(); ++i) SetConstraint(c.children[i], children[i]);
}

absl::StatusOr<placement::Constraint> GetConstraint(Constraint::Reader in, int depth) {
  using placement::LabelConstraint;
  if (depth > 32) return absl::InvalidArgumentError("constraint: nested deeper than 32");
  placement::Constraint c;
  PELOTON_ASSIGN_OR_RETURN(c.type,
                           EnumOf<placement::Constraint::Type>(in.getType(), 3, "constraint.type"));
  PELOTON_ASSIGN_OR_RETURN(c.label.kind,
                           EnumOf<LabelConstraint::Kind>(in.getKind(), 2, "constraint.kind"));
  PELOTON_ASSIGN_OR_RETURN(c.label.condition, EnumOf<LabelConstraint::Condition>(
                                                  in.getCondition(), 3, "constraint.condition"));
  c.label.label = {Str(in.getLabel().getKey()), Str(in.getLabel().getValue())};
  c.label.requirement = in.getRequirement();
  for (Constraint::Reader child : in.getChildren()) {
    PELOTON_ASSIGN_OR_RETURN(placement::Constraint sub, GetConstraint(child, depth + 1));
    c.children.push_back(std::move(sub));
  }
  return c;
}

}  // namespace

Pairs GetPairs(capnp::List<Label>::Reader in) {
  Pairs out;
  out.reserve(in.size());
  for (Label::Reader l : in) out.emplace_back(Str(l.getKey()), Str(l.getValue()));
  return out;
}

void SetStatus(const absl::Status& status, api::Status::Builder out) {
  out.setCode(static_cast<uint8_t>(status.code()));
  out.setMessage(std::string(status.message()));
}

absl::Status StatusOf(api::Status::Reader in) {
  if (in.getCode() == 0) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(in.getCode()), Str(in.getMessage()));
}

void Set(const peloton::Resources& r, Resources::Builder out) {
  out.setMilliCpu(r.milli_cpu());
  out.setMemoryMb(r.memory_mb());
  out.setDiskMb(r.disk_mb());
  out.setMilliGpu(r.milli_gpu());
}

peloton::Resources Get(Resources::Reader in) {
  return peloton::Resources::Of(in.getMilliCpu(), in.getMemoryMb(), in.getDiskMb(),
                                in.getMilliGpu());
}

void Set(const placement::TaskSpec& t, TaskSpec::Builder out) {
  out.setId(t.id);
  out.setJobId(t.job_id);
  Set(t.demand, out.initDemand());
  auto models = out.initGpuModels(static_cast<unsigned>(t.gpu_models.size()));
  for (size_t i = 0; i < t.gpu_models.size(); ++i) models.set(i, t.gpu_models[i]);
  out.setNumPorts(t.num_ports);
  auto static_ports = out.initStaticPorts(static_cast<unsigned>(t.static_ports.size()));
  for (size_t i = 0; i < t.static_ports.size(); ++i) static_ports.set(i, t.static_ports[i]);
  SetConstraint(t.constraint, out.initConstraint());
  SetLabels(t.labels, out.initLabels(static_cast<unsigned>(t.labels.size())));
  out.setDesiredHost(t.desired_host);
  out.setStrategy(static_cast<uint8_t>(t.strategy));
  out.setRevocable(t.revocable);
  out.setPinned(t.pinned);
}

absl::StatusOr<placement::TaskSpec> Get(TaskSpec::Reader in) {
  placement::TaskSpec t;
  t.id = Str(in.getId());
  t.job_id = Str(in.getJobId());
  t.demand = Get(in.getDemand());
  for (capnp::Text::Reader m : in.getGpuModels()) t.gpu_models.push_back(Str(m));
  t.num_ports = in.getNumPorts();
  for (uint32_t p : in.getStaticPorts()) t.static_ports.push_back(p);
  PELOTON_ASSIGN_OR_RETURN(t.constraint, GetConstraint(in.getConstraint(), 0));
  t.labels = GetLabels(in.getLabels());
  t.desired_host = Str(in.getDesiredHost());
  PELOTON_ASSIGN_OR_RETURN(
      t.strategy, EnumOf<placement::PlacementStrategy>(in.getStrategy(), 2, "task.strategy"));
  t.revocable = in.getRevocable();
  t.pinned = in.getPinned();
  return t;
}

void Set(const placement::Allocation& a, absl::string_view hostname, Allocation::Builder out) {
  out.setHost(a.host);
  out.setHostname(std::string(hostname));
  out.setSpreadJobKey(a.spread_job);
  Set(a.resources, out.initResources());
  const placement::Allocation::GpuShares& shares = a.gpus();
  auto gpus = out.initGpus(static_cast<unsigned>(shares.size()));
  for (size_t i = 0; i < shares.size(); ++i) {
    gpus[i].setDevice(shares[i].first);
    gpus[i].setMilli(shares[i].second);
  }
  auto ports = out.initPorts(static_cast<unsigned>(a.ports().size()));
  for (size_t i = 0; i < a.ports().size(); ++i) ports.set(i, a.ports()[i]);
  auto keys = out.initLabelKeys(static_cast<unsigned>(a.label_keys().size()));
  for (size_t i = 0; i < a.label_keys().size(); ++i) keys.set(i, a.label_keys()[i]);
  out.setRevocable(a.revocable);
}

placement::Allocation GetUnchecked(Allocation::Reader in) {
  placement::Allocation a;
  a.host = in.getHost();
  a.spread_job = in.getSpreadJobKey();
  a.resources = Get(in.getResources());
  // Only what it holds: an allocation without shares, ports or labels keeps none (small).
  for (GpuShare::Reader g : in.getGpus()) {
    a.mutable_gpus().emplace_back(g.getDevice(), g.getMilli());
  }
  for (uint32_t p : in.getPorts()) a.mutable_ports().push_back(p);
  for (uint64_t key : in.getLabelKeys()) a.mutable_label_keys().push_back(key);
  a.revocable = in.getRevocable();
  return a;
}

absl::StatusOr<placement::Allocation> Get(Allocation::Reader in,
                                          const placement::Cluster& cluster) {
  placement::Allocation a = GetUnchecked(in);
  if (a.host >= cluster.size() || cluster.host(a.host).name != in.getHostname()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "allocation.host: index ", a.host, " is not host ", Str(in.getHostname()),
        " (rule: hosts keep their index; the placement engine's snapshot is out of date)"));
  }
  return a;
}

void Set(const placement::HostSpec& h, Host::Builder out) {
  out.setName(h.name);
  Set(h.capacity, out.initCapacity());
  auto gpus = out.initGpus(static_cast<unsigned>(h.gpus.size()));
  for (size_t i = 0; i < h.gpus.size(); ++i) {
    gpus[i].setModel(h.gpus[i].model);
    gpus[i].setFreeMilli(h.gpus[i].free_milli);
  }
  auto attributes = out.initAttributes(static_cast<unsigned>(h.attributes.size()));
  size_t i = 0;
  for (const auto& [key, value] : h.attributes) {
    attributes[i].setKey(key);
    attributes[i].setValue(value);
    ++i;
  }
  auto ports = out.initPorts(static_cast<unsigned>(h.ports.size()));
  for (size_t p = 0; p < h.ports.size(); ++p) {
    ports[p].setBegin(h.ports[p].begin);
    ports[p].setEnd(h.ports[p].end);
  }
  out.setState(static_cast<uint8_t>(h.state));
  out.setRevocableMilliCpu(h.revocable_milli_cpu);
}

absl::StatusOr<placement::HostSpec> Get(Host::Reader in) {
  placement::HostSpec h;
  h.name = Str(in.getName());
  h.capacity = Get(in.getCapacity());
  for (GpuDevice::Reader g : in.getGpus()) h.gpus.push_back({Str(g.getModel()), g.getFreeMilli()});
  for (Label::Reader l : in.getAttributes()) h.attributes[Str(l.getKey())] = Str(l.getValue());
  for (PortRange::Reader p : in.getPorts()) h.ports.push_back({p.getBegin(), p.getEnd()});
  PELOTON_ASSIGN_OR_RETURN(h.state, HostStateOf(in.getState()));
  h.revocable_milli_cpu = in.getRevocableMilliCpu();
  return h;
}

void Set(const fairshare::Gang& g, Gang::Builder out) {
  out.setId(g.id);
  out.setPriority(g.priority);
  out.setPreemptible(g.preemptible);
  out.setRevocable(g.revocable);
  out.setController(g.controller);
  auto tasks = out.initTasks(static_cast<unsigned>(g.tasks.size()));
  for (size_t i = 0; i < g.tasks.size(); ++i) {
    tasks[i].setTaskId(g.tasks[i].task_id);
    Set(g.tasks[i].resources, tasks[i].initResources());
  }
}

fairshare::Gang Get(Gang::Reader in) {
  fairshare::Gang g;
  g.id = Str(in.getId());
  g.priority = in.getPriority();
  g.preemptible = in.getPreemptible();
  g.revocable = in.getRevocable();
  g.controller = in.getController();
  g.tasks.reserve(in.getTasks().size());
  for (GangTask::Reader t : in.getTasks()) {
    g.tasks.push_back({Str(t.getTaskId()), Get(t.getResources())});
  }
  return g;
}

void Set(const fairshare::Allocation& a, PoolAllocation::Builder out) {
  Set(a.total, out.initTotal());
  Set(a.non_preemptible, out.initNonPreemptible());
  Set(a.controller, out.initController());
  Set(a.slack, out.initSlack());
}

fairshare::Allocation Get(PoolAllocation::Reader in) {
  fairshare::Allocation a;
  a.total = Get(in.getTotal());
  a.non_preemptible = Get(in.getNonPreemptible());
  a.controller = Get(in.getController());
  a.slack = Get(in.getSlack());
  return a;
}

void Set(const backend::LaunchSpec& s, LaunchSpec::Builder out) {
  out.setTaskId(s.task_id);
  out.setHostname(s.hostname);
  out.setShell(s.shell);
  out.setCommand(s.command);
  Set(s.arguments, out.initArguments(static_cast<unsigned>(s.arguments.size())));
  SetPairs(s.environment, out.initEnvironment(static_cast<unsigned>(s.environment.size())));
  Set(s.resources, out.initResources());
  out.setKillGracePeriodNanos(absl::ToInt64Nanoseconds(s.kill_grace_period));
  SetPairs(s.labels, out.initLabels(static_cast<unsigned>(s.labels.size())));
  auto ports = out.initPorts(static_cast<unsigned>(s.ports.size()));
  for (size_t i = 0; i < s.ports.size(); ++i) ports.set(i, s.ports[i]);
  out.setContainerImage(s.container_image);
  auto volumes = out.initVolumes(static_cast<unsigned>(s.volumes.size()));
  for (size_t i = 0; i < s.volumes.size(); ++i) {
    volumes[i].setHostPath(s.volumes[i].host_path);
    volumes[i].setContainerPath(s.volumes[i].container_path);
    volumes[i].setReadOnly(s.volumes[i].read_only);
  }
  if (s.health_check.has_value()) {
    const backend::HealthCheckSpec& h = *s.health_check;
    HealthCheck::Builder c = out.initHealthCheck();
    c.setType(static_cast<uint8_t>(h.type));
    c.setCommand(h.command);
    c.setScheme(h.scheme);
    c.setPort(h.port);
    c.setPath(h.path);
    c.setDelayNanos(absl::ToInt64Nanoseconds(h.delay));
    c.setIntervalNanos(absl::ToInt64Nanoseconds(h.interval));
    c.setTimeoutNanos(absl::ToInt64Nanoseconds(h.timeout));
    c.setMaxConsecutiveFailures(h.max_consecutive_failures);
    c.setUnshareEnvironment(!h.task_environment);
  }
  out.setRevocable(s.revocable);
  if (s.persistent_volume.has_value()) {
    PersistentVolume::Builder v = out.initPersistentVolume();
    v.setId(s.persistent_volume->id);
    v.setContainerPath(s.persistent_volume->container_path);
    v.setSizeMb(s.persistent_volume->size_mb);
  }
  auto uris = out.initUris(static_cast<unsigned>(s.uris.size()));
  for (size_t i = 0; i < s.uris.size(); ++i) {
    uris[i].setValue(s.uris[i].value);
    uris[i].setOutputFile(s.uris[i].output_file);
    uris[i].setExecutable(s.uris[i].executable);
    uris[i].setExtract(s.uris[i].extract);
  }
}

absl::StatusOr<backend::LaunchSpec> Get(LaunchSpec::Reader in) {
  backend::LaunchSpec s;
  s.task_id = Str(in.getTaskId());
  s.hostname = Str(in.getHostname());
  s.shell = in.getShell();
  s.command = Str(in.getCommand());
  s.arguments = Get(in.getArguments());
  s.environment = GetPairs(in.getEnvironment());
  s.resources = Get(in.getResources());
  s.kill_grace_period = absl::Nanoseconds(in.getKillGracePeriodNanos());
  s.labels = GetPairs(in.getLabels());
  for (uint32_t p : in.getPorts()) s.ports.push_back(p);
  s.container_image = Str(in.getContainerImage());
  for (VolumeMount::Reader v : in.getVolumes()) {
    s.volumes.push_back({Str(v.getHostPath()), Str(v.getContainerPath()), v.getReadOnly()});
  }
  if (in.hasHealthCheck()) {
    HealthCheck::Reader c = in.getHealthCheck();
    backend::HealthCheckSpec h;
    PELOTON_ASSIGN_OR_RETURN(
        h.type, EnumOf<backend::HealthCheckSpec::Type>(c.getType(), 2, "spec.healthCheck.type"));
    h.command = Str(c.getCommand());
    h.scheme = Str(c.getScheme());
    h.port = c.getPort();
    h.path = Str(c.getPath());
    h.delay = absl::Nanoseconds(c.getDelayNanos());
    h.interval = absl::Nanoseconds(c.getIntervalNanos());
    h.timeout = absl::Nanoseconds(c.getTimeoutNanos());
    h.max_consecutive_failures = c.getMaxConsecutiveFailures();
    h.task_environment = !c.getUnshareEnvironment();
    s.health_check = std::move(h);
  }
  s.revocable = in.getRevocable();
  if (in.hasPersistentVolume()) {
    PersistentVolume::Reader v = in.getPersistentVolume();
    s.persistent_volume =
        backend::PersistentVolumeSpec{Str(v.getId()), Str(v.getContainerPath()), v.getSizeMb()};
  }
  for (RemoteFile::Reader f : in.getUris()) {
    s.uris.push_back({Str(f.getValue()), Str(f.getOutputFile()), f.getExecutable(), f.getExtract()});
  }
  return s;
}

void Set(const backend::TaskStatus& s, TaskStatus::Builder out) {
  out.setTaskId(s.task_id);
  out.setState(static_cast<uint8_t>(s.state));
  out.setHostname(s.hostname);
  out.setAgentId(s.agent_id);
  out.setMessage(s.message);
  out.setExitCode(s.exit_code);
  out.setSignal(s.signal);
  out.setTimeUnixNanos(absl::ToUnixNanos(s.time));
  out.setHealth(!s.healthy.has_value() ? 0 : *s.healthy ? 1 : 2);
}

absl::StatusOr<backend::TaskStatus> Get(TaskStatus::Reader in) {
  backend::TaskStatus s;
  s.task_id = Str(in.getTaskId());
  PELOTON_ASSIGN_OR_RETURN(s.state,
                           EnumOf<backend::MesosTaskState>(in.getState(), 13, "status.state"));
  s.hostname = Str(in.getHostname());
  s.agent_id = Str(in.getAgentId());
  s.message = Str(in.getMessage());
  s.exit_code = in.getExitCode();
  s.signal = in.getSignal();
  s.time = absl::FromUnixNanos(in.getTimeUnixNanos());
  switch (in.getHealth()) {
    case 0:
      break;
    case 1:
    case 2:
      s.healthy = in.getHealth() == 1;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("status.health: ", in.getHealth(), " (rule: 0, 1 or 2)"));
  }
  return s;
}

void Set(const std::vector<std::string>& in, capnp::List<capnp::Text>::Builder out) {
  for (size_t i = 0; i < in.size(); ++i) out.set(i, in[i]);
}

std::vector<std::string> Get(capnp::List<capnp::Text>::Reader in) {
  std::vector<std::string> out;
  out.reserve(in.size());
  for (capnp::Text::Reader t : in) out.push_back(Str(t));
  return out;
}

}  // namespace peloton::api::internal
