// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Cluster: the hosts placement works on, with every allocation's bookkeeping (resources, GPU
// devices, ports, task labels for host-limit constraints, tasks per job for SPREAD_JOB).
// Allocate and Release keep free + used == capacity in every dimension; a rejected call
// changes nothing.
//
// Thread-compatible.

#ifndef PELOTON_PLACEMENT_CLUSTER_H_
#define PELOTON_PLACEMENT_CLUSTER_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "peloton/placement/internal/host_index.h"
#include "peloton/placement/model.h"

namespace peloton::placement {

// One host's current state. Read it through Cluster::host().
//
// Its first cache line holds all that placing a task on it or releasing one reads and writes
// when the task has no GPU, ports, labels, revocable cpu or SPREAD_JOB: hosts are the memory
// that placement touches at random, and one line a host is what keeps a cluster of 10,000 in
// a core's cache (issue 24).
struct alignas(64) Host {
  Resources free;  // milli_gpu = sum of the devices' free milli-gpu
  uint32_t tasks = 0;
  uint32_t free_port_count = 0;
  HostState state = HostState::kUp;

 private:
  friend class Cluster;
  bool gpu_host_ = false;  // has GPU devices (they do not change)
  // capacity - reserved of each kind (what its allocations may hold), saturated at INT32_MAX,
  // where Cluster::Release then reads the full values.
  std::array<int32_t, kNumResourceKinds> limit_{};

 public:
  Resources capacity;
  // Held outside this cluster's allocations (SetReserved): free + allocations + reserved ==
  // capacity. cpu, memory and disk only.
  Resources reserved;
  int64_t revocable_free_cpu = 0;  // milli-cpu of its revocable cpu not held by revocable tasks
  int64_t revocable_cpu = 0;       // what it declares (HostSpec::revocable_milli_cpu)
  uint32_t index = 0;
  bool exclusive = false;       // has the peloton/exclusive attribute (attributes do not change)
  std::vector<GpuDevice> gpus;  // current free milli-gpu per device
  uint32_t gpu_kind = 0;        // with GPUs: its kind's index in Cluster::GpuSupplies()

  std::string name;
  absl::flat_hash_map<std::string, std::string> attributes;
  std::vector<PortRange> free_ports;                       // disjoint, sorted
  std::vector<PortRange> ports;                            // all of them, as added
  absl::flat_hash_map<uint64_t, uint32_t> task_labels;     // LabelKey of a task's label -> count
  absl::flat_hash_map<uint64_t, uint32_t> job_tasks;       // JobKey(job id) -> SPREAD_JOB tasks

  bool has_gpus() const { return gpu_host_; }
  // Whether the task's demand fits what is free (a revocable task's cpu: the revocable cpu).
  bool Fits(const TaskSpec& task) const {
    if (!task.revocable) return task.demand.FitsIn(free);  // the hot path: no copy
    return task.regular_demand().FitsIn(free) && task.demand.milli_cpu() <= revocable_free_cpu;
  }
  // Label count for constraints: HOST kind (hostname and attributes, 1 if present) or TASK kind.
  uint32_t LabelCount(LabelConstraint::Kind kind, const Label& label) const;
};

// What one placed task holds; pass it back to Release. It does not name its task: callers keep
// it under the task's id (PlacementResult pairs them). Kept small (56 bytes), because callers
// hold one per running task and Release's first cost is reading it: what few tasks hold (GPU
// shares, ports, labels) is behind one pointer, null for the others.
class Allocation {
 public:
  using GpuShares = std::vector<std::pair<uint32_t, int64_t>>;  // device index, milli-gpu
  using LabelKeys = absl::InlinedVector<uint64_t, 2>;           // LabelKey of each label

  uint32_t host = 0;
  // A revocable task's: its cpu is the host's revocable cpu, not its capacity's.
  bool revocable = false;
  // JobKey of the task's job when the task counts in Host::job_tasks (SPREAD_JOB), else 0.
  uint64_t spread_job = 0;
  Resources resources;

  Allocation() = default;
  Allocation(const Allocation& other)
      : host(other.host),
        revocable(other.revocable),
        spread_job(other.spread_job),
        resources(other.resources),
        rare_(other.rare_ == nullptr ? nullptr : std::make_unique<Rare>(*other.rare_)) {}
  Allocation& operator=(const Allocation& other) {
    if (this != &other) *this = Allocation(other);
    return *this;
  }
  Allocation(Allocation&&) noexcept = default;
  Allocation& operator=(Allocation&&) noexcept = default;

  const GpuShares& gpus() const { return rare_ == nullptr ? kNone.gpus : rare_->gpus; }
  const std::vector<uint32_t>& ports() const {
    return rare_ == nullptr ? kNone.ports : rare_->ports;
  }
  // The task's labels, as their keys in Host::task_labels (what Release takes back).
  const LabelKeys& label_keys() const {
    return rare_ == nullptr ? kNone.label_keys : rare_->label_keys;
  }
  GpuShares& mutable_gpus() { return MutableRare().gpus; }
  std::vector<uint32_t>& mutable_ports() { return MutableRare().ports; }
  LabelKeys& mutable_label_keys() { return MutableRare().label_keys; }
  // False when it holds no GPU shares, ports or labels (nothing was ever set through
  // mutable_*): Release then has nothing but resources to give back.
  bool has_rare() const { return rare_ != nullptr; }

 private:
  friend class Cluster;  // AllocateInto resets a reused allocation in place
  struct Rare {
    GpuShares gpus;
    std::vector<uint32_t> ports;
    LabelKeys label_keys;
  };
  static inline const Rare kNone{};
  Rare& MutableRare() {
    if (rare_ == nullptr) rare_ = std::make_unique<Rare>();
    return *rare_;
  }

  std::unique_ptr<Rare> rare_;
};

// What an allocation holds of its host's (non-revocable) resources.
inline Resources RegularPart(const Allocation& a) {
  Resources r = a.resources;
  if (a.revocable) r[ResourceKind::kCpu] = 0;
  return r;
}

// A label's key in Host::task_labels and Allocation::label_keys: FNV-1a, 64 bits, of the key,
// its length and the value (so that no two labels share an encoding), the same in every process
// (an allocation made on one copy of a cluster is claimed on another). An allocation holds 8
// bytes a label, not the label's strings. Two labels are counted as one only where their keys
// collide, one in about 2^64 for a pair.
uint64_t LabelKey(const Label& label);

// Whether every one of `ports` is in one of `ranges` (sorted, disjoint; a host's free_ports),
// each once.
bool PortsFree(const std::vector<PortRange>& ranges, std::vector<uint32_t> ports);

// A job id's key in Host::job_tasks and Allocation::spread_job: FNV-1a, 64 bits, never 0, the
// same in every process (an allocation made on one copy of a cluster is claimed on another).
// Two jobs whose keys collide only spread as one job: SPREAD_JOB is best effort.
uint64_t JobKey(absl::string_view job_id);

// The free GPU of the UP hosts of one kind: GPU model (of the first device) and capacity.
struct GpuSupply {
  std::string model;
  Resources capacity;
  int64_t free_milli = 0;
};

// Hosts are indexed in two classes: without GPUs and with GPUs.
enum class HostClass : int { kWithoutGpus = 0, kWithGpus = 1 };

class Cluster {
 public:
  // InvalidArgument naming the host and field: empty or duplicate name, capacity gpu not
  // 1000 per device, device free outside 0..1000, port range with begin > end or overlapping.
  absl::StatusOr<uint32_t> AddHost(const HostSpec& spec);
  absl::Status SetHostState(uint32_t host, HostState state);
  // Resources on `host` that are not this cluster's to place, though no allocation here holds
  // them: what another framework uses, as a cluster manager's offers show. They come out of
  // free, so placement sees what is really there. cpu, memory and disk only (GPU devices and
  // ports are not reserved this way). InvalidArgument for GPU, a negative amount or a bad host;
  // FailedPrecondition (and no change) when more than is free beside the allocations.
  absl::Status SetReserved(uint32_t host, const Resources& reserved);

  // The same hosts, UP and empty: every resource, device and port free, no tasks, nothing
  // reserved. What "could it ever fit here" is asked of (NeverFitReason).
  Cluster EmptyTwin() const;

  size_t size() const { return hosts_.size(); }
  const Host& host(uint32_t index) const { return hosts_[index]; }
  absl::StatusOr<uint32_t> FindHost(absl::string_view name) const;

  // Whether the host's devices can serve the task's GPU demand (ignores other resources).
  bool GpuFits(const Host& host, const TaskSpec& task) const;
  // The devices that would serve the task: whole free devices, or the device with the least
  // free share that still fits a fraction. Empty when the task needs no GPU.
  absl::InlinedVector<uint32_t, 8> ChooseGpus(const Host& host, const TaskSpec& task) const;

  // Takes the task's resources, GPU devices and ports on `host`. FailedPrecondition (and no
  // change) when they do not fit; InvalidArgument for a bad task or host index.
  absl::StatusOr<Allocation> Allocate(uint32_t host, const TaskSpec& task);
  // Allocate for a task already checked with ValidateTask (the placer's path).
  absl::StatusOr<Allocation> AllocateValidated(uint32_t host, const TaskSpec& task);
  // AllocateValidated into `out` (what it held is replaced; on an error it is unspecified and
  // the cluster unchanged): the placer builds its result in place.
  absl::Status AllocateInto(uint32_t host, const TaskSpec& task, Allocation& out);
  // Returns what an Allocation holds. FailedPrecondition if it does not match the host.
  absl::Status Release(const Allocation& allocation);
  // Takes exactly what `allocation` names (its resources, GPU shares and ports), as made by
  // Allocate on another copy of this cluster: how the host manager takes the placements of a
  // placement engine working on a snapshot, and how a snapshot is rebuilt. FailedPrecondition
  // (and no change) when any of it is not free; InvalidArgument for an unknown host or device.
  absl::Status Claim(const Allocation& allocation);

  // Free milli-gpu on the devices of UP hosts, by kind of GPU host (the model of its first
  // device and its capacity), and of all: what a scorer weighs how scarce the hosts that could
  // run a shape are by. Kinds are in the order their first host was added.
  const std::vector<GpuSupply>& GpuSupplies() const { return gpu_supplies_; }
  int64_t FreeGpuMilli() const { return free_gpu_milli_; }
  // The capacity and the declared revocable cpu (milli) of the UP hosts, kept as hosts are
  // added and change state: what the resource manager divides each tick, in O(1).
  const Resources& UpCapacity() const { return up_capacity_; }
  int64_t UpRevocableCpu() const { return up_revocable_cpu_; }

  size_t CountOf(HostClass c) const { return index_[static_cast<int>(c)].size(); }
  // Hosts with the peloton/exclusive attribute (attributes do not change).
  size_t CountExclusive() const { return exclusive_hosts_; }
  // Calls visit(host index), in cluster order, for the UP hosts of class `c` whose free cpu,
  // memory, disk, GPU and ports could hold `task` (the index's necessary conditions; the
  // visitor runs the real filters), until visit returns true. Returns whether it did.
  // O(log n) per host visited.
  template <typename Visit>
  bool SearchHosts(HostClass c, const TaskSpec& task, Visit&& visit) const {
    return index_[static_cast<int>(c)].Search(NeedOf(task), visit);
  }
  // Whether SearchHosts' conditions are exact for `task`, not only necessary: its demand and
  // port count are each in [0, 2^31) (the index saturates above; below zero even a host that
  // is not UP would pass), so a host it visits is UP and has free cpu (unless the task is
  // revocable), memory, disk and GPU that hold the task's demand, and as many free ports as it
  // asks for. Filters may then skip those checks (kFilterBeyondIndex).
  static bool SearchIsExact(const TaskSpec& task) {
    constexpr int64_t kMax = std::numeric_limits<int32_t>::max();
    for (ResourceKind k : kAllResourceKinds) {
      if (task.demand[k] < 0 || task.demand[k] >= kMax) return false;
    }
    return static_cast<int64_t>(task.num_ports) + static_cast<int64_t>(task.static_ports.size()) <
           kMax;
  }

 private:
  static internal::IndexKey KeyOf(const Host& h);
  // What the index compares with KeyOf: the task's demand, ports and largest device share.
  // A revocable task's cpu is not in it (it is the host's revocable cpu): the filters check
  // it. Inline: every search starts here.
  static internal::IndexKey NeedOf(const TaskSpec& t) {
    const auto clamp = [](int64_t v) {
      return static_cast<int32_t>(std::min<int64_t>(v, std::numeric_limits<int32_t>::max()));
    };
    const int64_t gpu = t.gpu_milli();
    return {clamp(t.revocable ? 0 : t.demand.milli_cpu()),
            clamp(t.demand.memory_mb()),
            clamp(t.demand.disk_mb()),
            clamp(gpu),
            clamp(gpu >= 1000 ? 1000 : gpu),
            clamp(static_cast<int64_t>(t.num_ports) + static_cast<int64_t>(t.static_ports.size()))};
  }
  // After an allocation (free resources shrank) or a release (`grew`: they only grew) on host
  // `index` (`h`).
  void Reindex(uint32_t index, const Host& h, bool grew = false);
  // What Release checks an allocation against: whether `free + held` fits in what the host's
  // allocations may hold (capacity less reserved), in every kind.
  static bool HoldsAtMost(const Host& h, const Resources& held);
  // Sets the host's copy of capacity - reserved (Host::limit_).
  static void SetLimit(Host& h);
  // The parts of AllocateInto and Release for a task with GPU, ports, labels or SPREAD_JOB
  // (AllocateInto has checked that the task's resources and port count fit).
  absl::Status AllocateRare(Host& h, const TaskSpec& task, uint32_t num_ports, Allocation& a);
  static absl::Status ReleaseRare(Host& h, const Allocation& a);
  // Counts `milli` more (or, negative, less) free GPU of the host in GpuSupplies and
  // FreeGpuMilli, when the host is UP.
  void CountFreeGpu(const Host& h, int64_t milli);
  // Counts the host in (sign 1) or out of (-1) UpCapacity and UpRevocableCpu, and its free GPU
  // in GpuSupplies and FreeGpuMilli, when it is UP.
  void CountUp(const Host& h, int sign);

  std::vector<Host> hosts_;
  absl::flat_hash_map<std::string, uint32_t> by_name_;
  std::vector<uint32_t> position_;  // host -> position in its class's index
  internal::HostIndex index_[2];
  size_t exclusive_hosts_ = 0;
  std::vector<GpuSupply> gpu_supplies_;
  int64_t free_gpu_milli_ = 0;
  Resources up_capacity_;
  int64_t up_revocable_cpu_ = 0;
};

}  // namespace peloton::placement

#endif  // PELOTON_PLACEMENT_CLUSTER_H_
