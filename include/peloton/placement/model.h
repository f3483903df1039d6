// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The placement model: hosts (capacity, free resources, attributes, GPU devices, ports, state)
// and tasks (demand, acceptable GPU models, ports, constraints, host hint, strategy), after
// reference §3.2 and §4.4.
//
// Quantities are fixed point (peloton::Resources): milli-cpu, MiB, MiB, milli-gpu. A task asks
// either for a fraction of one GPU (1..999 milli-gpu, shared with other tasks on the same
// device) or for whole GPUs (a multiple of 1000, whole free devices).
//
// Thread-safety: value types.

#ifndef PELOTON_PLACEMENT_MODEL_H_
#define PELOTON_PLACEMENT_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "peloton/common/resources.h"
#include "peloton/taskfsm/enums.h"

namespace peloton::placement {

using taskfsm::HostState;

// The attribute that marks a host exclusive: only tasks whose constraint names it land there.
inline constexpr absl::string_view kExclusiveAttribute = "peloton/exclusive";
// Every host has this label, with its name as the value.
inline constexpr absl::string_view kHostnameLabel = "hostname";

struct Label {
  std::string key;
  std::string value;
};

// Peloton's LabelConstraint: the number of labels key=value on the host (HOST kind: the host's
// own labels, each counted once; TASK kind: labels of the tasks already on the host) compared
// with `requirement`.
struct LabelConstraint {
  enum class Kind : int { kUnknown = 0, kTask = 1, kHost = 2 };
  enum class Condition : int { kUnknown = 0, kLessThan = 1, kEqual = 2, kGreaterThan = 3 };
  Kind kind = Kind::kHost;
  Condition condition = Condition::kEqual;
  Label label;
  uint32_t requirement = 0;
};

// Peloton's Constraint: a label constraint, or AND / OR of constraints. kNone matches all.
struct Constraint {
  enum class Type : int { kNone = 0, kLabel = 1, kAnd = 2, kOr = 3 };
  Type type = Type::kNone;
  LabelConstraint label;
  std::vector<Constraint> children;

  static Constraint Host(std::string key, std::string value, LabelConstraint::Condition c,
                         uint32_t requirement);
  static Constraint Task(std::string key, std::string value, LabelConstraint::Condition c,
                         uint32_t requirement);
  static Constraint And(std::vector<Constraint> children);
  static Constraint Or(std::vector<Constraint> children);

  // Whether some HOST label constraint in the tree names `key`.
  bool NamesHostKey(absl::string_view key) const;
};

// InvalidArgument naming the path of the first bad node (unknown type, kind or condition; a
// label constraint without a key; AND/OR without children).
absl::Status ValidateConstraint(const Constraint& c);

// Whether `c` holds when each label constraint's label is counted `count(l)` times; nullopt
// (a count not known, such as what will run on a host) satisfies that label constraint.
bool Satisfies(const Constraint& c,
               absl::FunctionRef<std::optional<uint32_t>(const LabelConstraint&)> count);

// A HOST label's count on the host `hostname` whose attribute label.key has the value `value`
// (nullptr: the host lacks it): 1 or 0. The label kHostnameLabel is the host's name.
inline uint32_t HostLabelCount(absl::string_view hostname, const std::string* value,
                               const Label& label) {
  if (label.key == kHostnameLabel) return label.value == hostname ? 1 : 0;
  return value != nullptr && *value == label.value ? 1 : 0;
}

enum class PlacementStrategy : int { kInvalid = 0, kPackHost = 1, kSpreadJob = 2 };

struct PortRange {
  uint32_t begin = 0;  // inclusive
  uint32_t end = 0;    // inclusive
};

struct GpuDevice {
  std::string model;
  int64_t free_milli = 1000;  // 0..1000
};

struct HostSpec {
  std::string name;
  Resources capacity;           // milli_gpu must equal 1000 * gpus.size() (or be 0 with no devices)
  std::vector<GpuDevice> gpus;  // all free at first; model per device
  absl::flat_hash_map<std::string, std::string> attributes;
  std::vector<PortRange> ports;
  HostState state = HostState::kUp;
  // Revocable (slack) cpu the host declares beside its capacity, as Mesos' resource
  // estimators do: only revocable tasks use it, for their cpu (their memory, disk and GPUs
  // come from the capacity).
  int64_t revocable_milli_cpu = 0;
};

// Fields in the order placement reads them: what placing a task without GPU, ports, labels
// or constraints reads is in its first two cache lines (the id, demand, flags, static ports
// and desired host), then labels and the constraint's type, then what only SPREAD_JOB and GPU
// tasks read. A batch of tasks waiting for placement streams through memory: each line less a
// task is a line more of hosts in the cache (issue 24).
struct TaskSpec {
  std::string id;
  Resources demand;
  uint32_t num_ports = 0;  // dynamic ports
  PlacementStrategy strategy = PlacementStrategy::kPackHost;
  // desired_host is a must, not a hint: no other host is tried (a daemon instance, a task
  // whose volume is on that host). A pinned task whose host is missing waits for it (NoOffer).
  bool pinned = false;
  // Runs on slack: its cpu comes from the host's revocable cpu, the rest from its capacity.
  bool revocable = false;
  // Static ports: the host must have each of these free (in its ranges, held by no other task).
  // An allocation holds them after its dynamic ports.
  std::vector<uint32_t> static_ports;
  std::string desired_host;   // a hint (in-place updates); empty = none
  std::vector<Label> labels;  // counted by TASK label constraints on its host
  Constraint constraint;
  std::string job_id;                   // for SPREAD_JOB
  std::vector<std::string> gpu_models;  // acceptable GPU models; empty = any

  int64_t gpu_milli() const { return demand.milli_gpu(); }
  // What it takes of a host's (non-revocable) free resources: its demand, less the cpu of a
  // revocable task.
  Resources regular_demand() const {
    Resources r = demand;
    if (revocable) r[ResourceKind::kCpu] = 0;
    return r;
  }
  bool whole_gpus() const { return demand.milli_gpu() >= 1000; }
};

// InvalidArgument naming the task and field: empty id, GPU demand above 1000 that is not a
// multiple of 1000, invalid constraint, pinned without a desired host.
absl::Status ValidateTask(const TaskSpec& t);

// Tasks placed all or nothing.
struct Gang {
  std::vector<TaskSpec> tasks;
};

// Why a host was rejected for a task; Peloton's HostFilterResult names and numbers.
enum class FilterReason : int {
  kUnknown = 0,
  kMatch = 1,
  kInsufficientOfferResources = 2,
  kMismatchConstraints = 3,
  kMismatchGpu = 4,
  kMismatchStatus = 5,
  kMismatchMaxHostLimit = 6,
  kNoOffer = 7,
  kInsufficientResources = 8,
  kScarceResources = 9,
  // Ours: ports and exclusivity have no Peloton code of their own.
  kInsufficientPorts = 100,
  kMismatchExclusive = 101,
  kGangIncomplete = 102,  // the task fitted, another task of its gang did not
};
absl::string_view Name(FilterReason r);

}  // namespace peloton::placement

#endif  // PELOTON_PLACEMENT_MODEL_H_
