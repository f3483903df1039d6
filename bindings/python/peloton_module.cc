// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The `peloton` Python module: the library's fair sharing, placement and state machines.
// Pools are addressed by path and hosts by name or index, so Python code never holds a C++
// handle that could go stale. A rejected call raises KeyError (something named is unknown) or
// ValueError (any other rule), with the library's message, and changes nothing.

#include <pybind11/operators.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "peloton/common/resources.h"
#include "peloton/fairshare/pool_config.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/placement/cluster.h"
#include "peloton/placement/model.h"
#include "peloton/placement/placer.h"
#include "peloton/placement/plugin.h"
#include "peloton/taskfsm/enums.h"
#include "peloton/taskfsm/goal_state.h"

namespace py = pybind11;

namespace peloton::python {
namespace {

using fairshare::PoolConfig;
using fairshare::PoolTree;
using fairshare::ReservationType;
using fairshare::ResourceConfig;

// NotFound -> KeyError; every other failure -> ValueError. The message is the library's.
[[noreturn]] void Raise(const absl::Status& s) {
  const std::string message(s.message());
  if (s.code() == absl::StatusCode::kNotFound) throw py::key_error(message);
  throw py::value_error(message);
}

void Check(const absl::Status& s) {
  if (!s.ok()) Raise(s);
}

template <typename T>
T Unwrap(absl::StatusOr<T> v) {
  if (!v.ok()) Raise(v.status());
  return *std::move(v);
}

Resources UnitsOf(double cpu, double memory_mb, double disk_mb, double gpu) {
  return Unwrap(Resources::FromUnits(cpu, memory_mb, disk_mb, gpu));
}

// ----- Fair sharing ----------------------------------------------------------------------

// A snapshot of one pool, read after ComputeEntitlements.
struct PoolInfo {
  std::string path;
  std::string name;
  bool is_leaf = false;
  std::vector<std::string> children;
  Resources reservation, limit, demand, slack_demand, allocation, claim;
  Resources entitlement, non_slack_entitlement, slack_entitlement;
  std::vector<std::pair<std::string, double>> shares;
};

PoolInfo InfoOf(const PoolTree& tree, fairshare::PoolHandle h) {
  const fairshare::Pool& p = tree.pool(h);
  PoolInfo info;
  info.path = p.path();
  info.name = p.name();
  info.is_leaf = p.is_leaf();
  for (fairshare::PoolHandle c : tree.Children(h)) info.children.push_back(tree.pool(c).path());
  info.reservation = p.reservation();
  info.limit = p.limit();
  info.demand = p.demand();
  info.slack_demand = p.slack_demand();
  info.allocation = p.allocation().total;
  info.claim = p.claim();
  info.entitlement = p.entitlement().total;
  info.non_slack_entitlement = p.entitlement().non_slack;
  info.slack_entitlement = p.entitlement().slack;
  for (ResourceKind k : kAllResourceKinds) {
    info.shares.emplace_back(std::string(ResourceKindName(k)), p.share(k));
  }
  return info;
}

fairshare::PoolHandle Find(const PoolTree& tree, const std::string& path) {
  return Unwrap(tree.Lookup(path));
}

void BindFairshare(py::module_& m) {
  py::enum_<ReservationType>(m, "ReservationType",
                             "ELASTIC reservations are lent out when unused; STATIC ones never.")
      .value("UNKNOWN", ReservationType::kUnknown)
      .value("ELASTIC", ReservationType::kElastic)
      .value("STATIC", ReservationType::kStatic);

  py::class_<ResourceConfig>(m, "ResourceConfig",
                             "One resource kind of a pool: reservation, limit and share, in "
                             "cores, MiB or GPUs.")
      .def(py::init([](std::string kind, double reservation, double limit, double share,
                       ReservationType type) {
             return ResourceConfig{std::move(kind), reservation, limit, share, type};
           }),
           py::arg("kind"), py::arg("reservation") = 0.0, py::arg("limit") = 0.0,
           py::arg("share") = 1.0, py::arg("type") = ReservationType::kElastic)
      .def_readwrite("kind", &ResourceConfig::kind)
      .def_readwrite("reservation", &ResourceConfig::reservation)
      .def_readwrite("limit", &ResourceConfig::limit)
      .def_readwrite("share", &ResourceConfig::share)
      .def_readwrite("type", &ResourceConfig::type)
      .def("__repr__", [](const ResourceConfig& r) {
        return "ResourceConfig(" + py::repr(py::str(r.kind)).cast<std::string>() +
               ", reservation=" + std::to_string(r.reservation) +
               ", limit=" + std::to_string(r.limit) + ", share=" + std::to_string(r.share) + ")";
      });

  py::class_<PoolConfig>(m, "PoolConfig",
                         "Peloton's ResourcePoolConfig. Kinds left out get reservation 0, limit "
                         "0, share 1.")
      .def(py::init([](std::vector<ResourceConfig> resources, std::string name,
                       std::string owning_team, std::string description,
                       std::optional<double> controller_limit_percent,
                       std::optional<double> slack_limit_percent) {
             PoolConfig c;
             c.resources = std::move(resources);
             c.name = std::move(name);
             c.owning_team = std::move(owning_team);
             c.description = std::move(description);
             c.policy = fairshare::SchedulingPolicy::kPriorityFifo;
             c.controller_limit_percent = controller_limit_percent;
             c.slack_limit_percent = slack_limit_percent;
             return c;
           }),
           py::arg("resources") = std::vector<ResourceConfig>{}, py::arg("name") = "",
           py::arg("owning_team") = "", py::arg("description") = "",
           py::arg("controller_limit_percent") = py::none(),
           py::arg("slack_limit_percent") = py::none())
      .def_readwrite("resources", &PoolConfig::resources)
      .def_readwrite("name", &PoolConfig::name)
      .def_readwrite("owning_team", &PoolConfig::owning_team)
      .def_readwrite("description", &PoolConfig::description)
      .def_readwrite("controller_limit_percent", &PoolConfig::controller_limit_percent)
      .def_readwrite("slack_limit_percent", &PoolConfig::slack_limit_percent);

  py::class_<PoolInfo>(m, "Pool", "A snapshot of one pool (taken when PoolTree.pool was called).")
      .def_readonly("path", &PoolInfo::path)
      .def_readonly("name", &PoolInfo::name)
      .def_readonly("is_leaf", &PoolInfo::is_leaf)
      .def_readonly("children", &PoolInfo::children, "Paths of the child pools.")
      .def_readonly("reservation", &PoolInfo::reservation)
      .def_readonly("limit", &PoolInfo::limit)
      .def_readonly("demand", &PoolInfo::demand, "Pending non-revocable demand.")
      .def_readonly("slack_demand", &PoolInfo::slack_demand, "Pending revocable demand.")
      .def_readonly("allocation", &PoolInfo::allocation, "Admitted work (all buckets).")
      .def_readonly("claim", &PoolInfo::claim,
                    "What the pool asks of its parent: allocation + demand, within its limit.")
      .def_readonly("entitlement", &PoolInfo::entitlement,
                    "The pool's share as of the last compute_entitlements.")
      .def_readonly("non_slack_entitlement", &PoolInfo::non_slack_entitlement)
      .def_readonly("slack_entitlement", &PoolInfo::slack_entitlement)
      .def_property_readonly(
          "shares", [](const PoolInfo& p) { return py::dict(py::cast(p.shares)); },
          "Share (weight) per resource kind.")
      .def("__repr__", [](const PoolInfo& p) {
        return "Pool(" + p.path + ", entitlement=" + p.entitlement.ToString() + ")";
      });

  py::class_<PoolTree>(m, "PoolTree",
                       "Peloton's hierarchy of resource pools, from the root '/', with "
                       "hierarchical max-min fair entitlements.")
      .def(py::init<>())
      .def(
          "create",
          [](PoolTree& t, const std::string& path, const PoolConfig& config) {
            Check(t.Create(path, config).status());
          },
          py::arg("path"), py::arg("config"),
          "Creates the pool at `path` under its existing parent, with Peloton's resmgr checks.")
      .def(
          "update",
          [](PoolTree& t, const std::string& path, const PoolConfig& config, bool force) {
            Check(t.Update(path, config, {.force = force}));
          },
          py::arg("path"), py::arg("config"), py::arg("force") = false,
          "Replaces a pool's configuration; force skips the checks against other pools.")
      .def(
          "delete", [](PoolTree& t, const std::string& path) { Check(t.Delete(path)); },
          py::arg("path"), "Deletes a leaf pool with no demand and no allocation.")
      .def(
          "set_demand",
          [](PoolTree& t, const std::string& path, const Resources& demand,
             const Resources& slack_demand) {
            Check(t.SetDemand(Find(t, path), demand, slack_demand));
          },
          py::arg("path"), py::arg("demand"), py::arg("slack_demand") = Resources(),
          "Sets a leaf's pending demand (non-revocable and revocable).")
      .def(
          "set_allocation",
          [](PoolTree& t, const std::string& path, const Resources& allocation, bool preemptible,
             bool revocable) {
            Check(t.SetAllocation(Find(t, path),
                                  fairshare::Allocation::Of(allocation, preemptible, revocable,
                                                            /*controller=*/false)));
          },
          py::arg("path"), py::arg("allocation"), py::arg("preemptible") = true,
          py::arg("revocable") = false, "Sets a leaf's admitted work.")
      .def(
          "compute_entitlements",
          [](PoolTree& t, const Resources& total, const Resources& slack, bool full) {
            t.ComputeEntitlements(
                {.total = total, .slack = slack},
                full ? fairshare::ComputeMode::kFull : fairshare::ComputeMode::kIncremental);
          },
          py::arg("total"), py::arg("slack") = Resources(), py::arg("full") = false,
          "Divides the cluster (total, and slack cpu for revocable work) among the pools.")
      .def(
          "pool",
          [](const PoolTree& t, const std::string& path) { return InfoOf(t, Find(t, path)); },
          py::arg("path"), "A snapshot of the pool at `path` (KeyError if there is none).")
      .def(
          "entitlement",
          [](const PoolTree& t, const std::string& path) {
            return t.pool(Find(t, path)).entitlement().total;
          },
          py::arg("path"), "The pool's entitlement as of the last compute_entitlements.")
      .def(
          "paths",
          [](const PoolTree& t) {
            std::vector<std::string> out;
            for (fairshare::PoolHandle h : t.Pools()) out.push_back(t.pool(h).path());
            return out;
          },
          "Every pool's path, parents before children.")
      .def("__len__", &PoolTree::size)
      .def("__contains__",
           [](const PoolTree& t, const std::string& path) { return t.Lookup(path).ok(); });
}

// ----- Placement -------------------------------------------------------------------------

using placement::Cluster;
using placement::Constraint;
using placement::FilterReason;
using placement::LabelConstraint;
using placement::TaskSpec;

struct HostInfo {
  std::string name;
  uint32_t index = 0;
  taskfsm::HostState state = taskfsm::HostState::kUp;
  Resources capacity, free;
  std::vector<std::pair<std::string, int64_t>> gpus;  // model, free milli-gpu
  uint32_t tasks = 0;
  std::vector<std::pair<std::string, std::string>> attributes;
  int64_t revocable_cpu = 0, revocable_free_cpu = 0;  // milli-cpu of slack
};

struct PlacedInfo {
  std::string task_id;
  std::string host;
  placement::Allocation allocation;
};

struct ResultInfo {
  std::vector<PlacedInfo> placed;
  std::vector<std::pair<std::string, std::string>> unplaced;  // task id, reason name
  std::vector<std::pair<std::string, int64_t>> rejections;    // reason name, hosts
};

uint32_t HostIndex(const Cluster& c, const std::variant<uint32_t, std::string>& host) {
  if (const auto* name = std::get_if<std::string>(&host)) return Unwrap(c.FindHost(*name));
  const uint32_t index = std::get<uint32_t>(host);
  if (index >= c.size())
    throw py::key_error("host index " + std::to_string(index) + " out of range");
  return index;
}

class Placer {
 public:
  Placer(const std::string& profile, bool scarce_gpu_hard,
         std::vector<std::pair<Resources, double>> workload) {
    Check(placement::RegisterBuiltinPlugins(registry_));
    placement::ProfileOptions options;
    options.scarce_gpu_hard = scarce_gpu_hard;
    for (auto& [demand, weight] : workload) {
      if (!(weight > 0)) throw py::value_error("workload: weights must be > 0");
      options.workload.push_back({demand, weight});
    }
    profile_.emplace(Unwrap(registry_.Build(profile, options)));
  }

  ResultInfo Place(const std::vector<std::vector<TaskSpec>>& gangs, Cluster& cluster) const {
    std::vector<placement::Gang> in;
    in.reserve(gangs.size());
    for (const auto& g : gangs) in.push_back(placement::Gang{g});
    placement::PlacementResult r = Unwrap(placement::Place(in, cluster, *profile_));
    ResultInfo out;
    for (placement::Placed& p : r.placed) {
      const std::string host = cluster.host(p.allocation.host).name;
      out.placed.push_back({std::move(p.task_id), host, std::move(p.allocation)});
    }
    for (const placement::Unplaced& u : r.unplaced) {
      out.unplaced.emplace_back(u.task_id, std::string(placement::Name(u.reason)));
    }
    for (const auto& [reason, n] : r.rejections) {
      out.rejections.emplace_back(std::string(placement::Name(reason)), n);
    }
    return out;
  }

  std::string name() const { return profile_->name(); }
  std::vector<std::string> profiles() const { return registry_.ProfileNames(); }

 private:
  placement::PluginRegistry registry_;
  std::optional<placement::Profile> profile_;
};

// A gang is a list of tasks; a lone task is a gang of one.
std::vector<std::vector<TaskSpec>> GangsOf(const py::iterable& items) {
  std::vector<std::vector<TaskSpec>> gangs;
  for (py::handle item : items) {
    if (py::isinstance<TaskSpec>(item)) {
      gangs.push_back({item.cast<TaskSpec>()});
    } else {
      gangs.push_back(item.cast<std::vector<TaskSpec>>());
    }
  }
  return gangs;
}

void BindPlacement(py::module_& m) {
  py::enum_<placement::PlacementStrategy>(m, "PlacementStrategy")
      .value("PACK_HOST", placement::PlacementStrategy::kPackHost)
      .value("SPREAD_JOB", placement::PlacementStrategy::kSpreadJob);

  py::enum_<LabelConstraint::Condition>(m, "Condition")
      .value("LESS_THAN", LabelConstraint::Condition::kLessThan)
      .value("EQUAL", LabelConstraint::Condition::kEqual)
      .value("GREATER_THAN", LabelConstraint::Condition::kGreaterThan);

  py::class_<Constraint>(m, "Constraint",
                         "Peloton's placement constraint: a label count on the host (HOST) or "
                         "on the tasks already there (TASK), or AND / OR of constraints.")
      .def_static("host", &Constraint::Host, py::arg("key"), py::arg("value"), py::arg("condition"),
                  py::arg("requirement"),
                  "Compares the count of the host's own label key=value (0 or 1).")
      .def_static("task", &Constraint::Task, py::arg("key"), py::arg("value"), py::arg("condition"),
                  py::arg("requirement"),
                  "Compares the count of tasks on the host labelled key=value (host limits).")
      .def_static("all_of", &Constraint::And, py::arg("children"))
      .def_static("any_of", &Constraint::Or, py::arg("children"));

  py::class_<TaskSpec>(m, "Task", "A task to place.")
      .def(py::init([](std::string id, const Resources& demand, std::string job_id,
                       std::vector<std::string> gpu_models, uint32_t num_ports,
                       std::vector<std::pair<std::string, std::string>> labels,
                       std::optional<Constraint> constraint, std::string desired_host,
                       placement::PlacementStrategy strategy, bool revocable) {
             TaskSpec t;
             t.id = std::move(id);
             t.demand = demand;
             t.job_id = std::move(job_id);
             t.gpu_models = std::move(gpu_models);
             t.num_ports = num_ports;
             for (auto& [k, v] : labels) t.labels.push_back({std::move(k), std::move(v)});
             if (constraint) t.constraint = *std::move(constraint);
             t.desired_host = std::move(desired_host);
             t.strategy = strategy;
             t.revocable = revocable;
             Check(placement::ValidateTask(t));
             return t;
           }),
           py::arg("id"), py::arg("demand"), py::arg("job_id") = "",
           py::arg("gpu_models") = std::vector<std::string>{}, py::arg("num_ports") = 0,
           py::arg("labels") = std::vector<std::pair<std::string, std::string>>{},
           py::arg("constraint") = py::none(), py::arg("desired_host") = "",
           py::arg("strategy") = placement::PlacementStrategy::kPackHost,
           py::arg("revocable") = false,
           "demand: a Resources; gpu below 1 is a share of one device, above 1 whole devices.")
      .def_readonly("id", &TaskSpec::id)
      .def_readonly("job_id", &TaskSpec::job_id)
      .def_readonly("demand", &TaskSpec::demand)
      .def("__repr__",
           [](const TaskSpec& t) { return "Task(" + t.id + ", " + t.demand.ToString() + ")"; });

  py::class_<placement::Allocation>(m, "Allocation", "What a placed task holds on its host.")
      .def_readonly("host", &placement::Allocation::host, "The host's index.")
      .def_readonly("resources", &placement::Allocation::resources)
      .def_property_readonly("gpus", &placement::Allocation::gpus,
                             "(device index, milli-gpu) pairs.")
      .def_property_readonly("ports", &placement::Allocation::ports)
      .def_readonly("revocable", &placement::Allocation::revocable,
                    "Its cpu is the host's revocable cpu.");

  py::class_<HostInfo>(m, "Host", "A snapshot of one host.")
      .def_readonly("name", &HostInfo::name)
      .def_readonly("index", &HostInfo::index)
      .def_readonly("state", &HostInfo::state)
      .def_readonly("capacity", &HostInfo::capacity)
      .def_readonly("free", &HostInfo::free)
      .def_readonly("gpus", &HostInfo::gpus, "(model, free milli-gpu) per device.")
      .def_readonly("tasks", &HostInfo::tasks)
      .def_readonly("revocable_cpu", &HostInfo::revocable_cpu, "Declared slack, milli-cpu.")
      .def_readonly("revocable_free_cpu", &HostInfo::revocable_free_cpu,
                    "Slack not held by revocable tasks, milli-cpu.")
      .def_property_readonly("attributes",
                             [](const HostInfo& h) { return py::dict(py::cast(h.attributes)); });

  py::class_<Cluster>(m, "Cluster", "Hosts and what is allocated on them.")
      .def(py::init<>())
      .def(
          "add_host",
          [](Cluster& c, std::string name, double cpu, double memory_mb, double disk_mb,
             std::vector<std::string> gpus, std::vector<std::pair<std::string, std::string>> attrs,
             std::vector<std::pair<uint32_t, uint32_t>> ports, double revocable_cpu) {
            placement::HostSpec spec;
            spec.name = std::move(name);
            spec.revocable_milli_cpu = UnitsOf(revocable_cpu, 0, 0, 0).milli_cpu();
            spec.capacity = UnitsOf(cpu, memory_mb, disk_mb, static_cast<double>(gpus.size()));
            for (std::string& model : gpus) spec.gpus.push_back({std::move(model), 1000});
            for (auto& [k, v] : attrs) spec.attributes[k] = v;
            for (auto [b, e] : ports) spec.ports.push_back({b, e});
            return Unwrap(c.AddHost(spec));
          },
          py::arg("name"), py::arg("cpu"), py::arg("memory_mb"), py::arg("disk_mb") = 0.0,
          py::arg("gpus") = std::vector<std::string>{},
          py::arg("attributes") = std::vector<std::pair<std::string, std::string>>{},
          py::arg("ports") = std::vector<std::pair<uint32_t, uint32_t>>{},
          py::arg("revocable_cpu") = 0.0,
          "Adds a host; gpus lists one model name per device; revocable_cpu is the slack cpu "
          "it declares (revocable tasks take their cpu there). Returns its index.")
      .def(
          "set_host_state",
          [](Cluster& c, const std::variant<uint32_t, std::string>& host, taskfsm::HostState s) {
            Check(c.SetHostState(HostIndex(c, host), s));
          },
          py::arg("host"), py::arg("state"), "Only UP hosts receive tasks.")
      .def(
          "host",
          [](const Cluster& c, const std::variant<uint32_t, std::string>& host) {
            const placement::Host& h = c.host(HostIndex(c, host));
            HostInfo info{h.name,  h.index, h.state,         h.capacity,
                          h.free,  {},      h.tasks,         {},
                          h.revocable_cpu,  h.revocable_free_cpu};
            for (const placement::GpuDevice& d : h.gpus)
              info.gpus.emplace_back(d.model, d.free_milli);
            for (const auto& [k, v] : h.attributes) info.attributes.emplace_back(k, v);
            return info;
          },
          py::arg("host"), "A snapshot of a host, by name or index.")
      .def(
          "release", [](Cluster& c, const placement::Allocation& a) { Check(c.Release(a)); },
          py::arg("allocation"), "Gives back what a placed task held.")
      .def("__len__", &Cluster::size);

  py::class_<PlacedInfo>(m, "Placement")
      .def_readonly("task_id", &PlacedInfo::task_id)
      .def_readonly("host", &PlacedInfo::host, "The host's name.")
      .def_readonly("allocation", &PlacedInfo::allocation);

  py::class_<ResultInfo>(m, "PlacementResult")
      .def_readonly("placed", &ResultInfo::placed)
      .def_property_readonly(
          "unplaced", [](const ResultInfo& r) { return py::dict(py::cast(r.unplaced)); },
          "{task id: reason}, e.g. 'INSUFFICIENT_RESOURCES'.")
      .def_property_readonly(
          "rejections", [](const ResultInfo& r) { return py::dict(py::cast(r.rejections)); },
          "{reason: hosts that gave it} for the tasks left unplaced.");

  py::class_<Placer>(m, "Placer",
                     "Places gangs with a named profile: 'pack' (first fit), 'best-fit', "
                     "'spread' or 'gpu-frag' (fragmentation-aware).")
      .def(py::init<const std::string&, bool, std::vector<std::pair<Resources, double>>>(),
           py::arg("profile") = "pack", py::arg("scarce_gpu_hard") = false,
           py::arg("workload") = std::vector<std::pair<Resources, double>>{},
           "workload: (Resources, weight) task shapes gpu-frag protects; empty: a default mix.")
      .def_property_readonly("profile", &Placer::name)
      .def_property_readonly("profiles", &Placer::profiles, "Every profile name known.")
      .def(
          "place",
          [](const Placer& p, const py::iterable& gangs, Cluster& cluster) {
            return p.Place(GangsOf(gangs), cluster);
          },
          py::arg("gangs"), py::arg("cluster"),
          "Places gangs (lists of tasks, or single tasks), each all or nothing.");
}

// ----- State machines --------------------------------------------------------------------

// An enum whose values are 0..N-1, named as the library names them (upper-cased).
template <typename E, int N>
void BindEnum(py::module_& m, const char* name, absl::string_view (*name_of)(E)) {
  py::enum_<E> e(m, name);
  for (int i = 0; i < N; ++i) {
    const E v = static_cast<E>(i);
    std::string n(name_of(v));
    for (char& ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    e.value(n.c_str(), v);
  }
}

void BindTaskfsm(py::module_& m) {
  BindEnum<taskfsm::TaskState, 18>(m, "TaskState", &taskfsm::Name);
  BindEnum<taskfsm::JobState, 10>(m, "JobState", &taskfsm::Name);
  BindEnum<taskfsm::HostState, 6>(m, "HostState", &taskfsm::Name);
  BindEnum<taskfsm::TaskAction, taskfsm::kNumTaskActions>(m, "TaskAction", &taskfsm::Name);
  BindEnum<taskfsm::JobAction, taskfsm::kNumJobActions>(m, "JobAction", &taskfsm::Name);

  m.def(
      "next_task_action",
      [](taskfsm::TaskState state, taskfsm::TaskState goal, uint64_t config_version,
         uint64_t desired_config_version, uint64_t run_id, uint64_t desired_run_id,
         bool runtime_missing) {
        return taskfsm::NextTaskAction({state, goal, config_version, desired_config_version, run_id,
                                        desired_run_id, runtime_missing});
      },
      py::arg("state"), py::arg("goal"), py::arg("config_version") = 0,
      py::arg("desired_config_version") = 0, py::arg("run_id") = 0, py::arg("desired_run_id") = 0,
      py::arg("runtime_missing") = false,
      "The goal-state engine's next action for a task (reference §3.6).");
  m.def(
      "next_job_action",
      [](taskfsm::JobState state, taskfsm::JobState goal, uint64_t state_version,
         uint64_t desired_state_version) {
        return taskfsm::NextJobAction({state, goal, state_version, desired_state_version});
      },
      py::arg("state"), py::arg("goal"), py::arg("state_version") = 0,
      py::arg("desired_state_version") = 0, "The goal-state engine's next action for a job.");
  m.def(
      "is_terminal", [](taskfsm::TaskState s) { return taskfsm::IsTerminal(s); }, py::arg("state"),
      "Whether a task in this state has ended.");
}

void BindResources(py::module_& m) {
  py::class_<Resources>(m, "Resources",
                        "cpu (cores), memory and disk (MiB), gpu (GPUs), kept in fixed point "
                        "(milli-cpu, MiB, milli-gpu).")
      .def(py::init(&UnitsOf), py::arg("cpu") = 0.0, py::arg("memory_mb") = 0.0,
           py::arg("disk_mb") = 0.0, py::arg("gpu") = 0.0)
      .def_property_readonly(
          "cpu",
          [](const Resources& r) { return FromFixedPoint(ResourceKind::kCpu, r.milli_cpu()); })
      .def_property_readonly("memory_mb", &Resources::memory_mb)
      .def_property_readonly("disk_mb", &Resources::disk_mb)
      .def_property_readonly(
          "gpu",
          [](const Resources& r) { return FromFixedPoint(ResourceKind::kGpu, r.milli_gpu()); })
      .def_property_readonly("milli_cpu", &Resources::milli_cpu)
      .def_property_readonly("milli_gpu", &Resources::milli_gpu)
      .def("fits_in", &Resources::FitsIn, py::arg("other"),
           "Whether every kind is at most the other's.")
      .def(py::self + py::self)
      .def(py::self - py::self)
      .def(py::self == py::self)
      .def(py::self != py::self)
      .def("__repr__", [](const Resources& r) { return "Resources(" + r.ToString() + ")"; });
}

}  // namespace
}  // namespace peloton::python

PYBIND11_MODULE(peloton, m) {
  m.doc() =
      "Peloton-C++'s scheduling library: hierarchical max-min fair sharing over resource "
      "pools, GPU-aware placement with named profiles, and Peloton's task and job state "
      "machines.";
  peloton::python::BindResources(m);
  peloton::python::BindFairshare(m);
  peloton::python::BindTaskfsm(m);
  peloton::python::BindPlacement(m);
}
