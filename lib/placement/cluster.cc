// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "peloton/placement/cluster.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "peloton/common/fnv.h"

namespace peloton::placement {
namespace {

bool ModelAccepted(const TaskSpec& task, const GpuDevice& device) {
  if (task.gpu_models.empty()) return true;
  return std::find(task.gpu_models.begin(), task.gpu_models.end(), device.model) !=
         task.gpu_models.end();
}

// Takes the `n` lowest free ports out of `ranges`.
std::vector<uint32_t> TakePorts(std::vector<PortRange>& ranges, uint32_t n) {
  std::vector<uint32_t> out;
  while (out.size() < n && !ranges.empty()) {
    PortRange& r = ranges.front();
    out.push_back(r.begin);
    if (r.begin == r.end) {
      ranges.erase(ranges.begin());
    } else {
      ++r.begin;
    }
  }
  return out;
}

// Puts ports back, merging adjacent ranges.
void ReturnPorts(std::vector<PortRange>& ranges, const std::vector<uint32_t>& ports) {
  if (ports.empty()) return;
  for (uint32_t p : ports) ranges.push_back({p, p});
  std::sort(ranges.begin(), ranges.end(),
            [](const PortRange& a, const PortRange& b) { return a.begin < b.begin; });
  std::vector<PortRange> merged;
  for (const PortRange& r : ranges) {
    if (!merged.empty() && merged.back().end + 1 >= r.begin) {
      merged.back().end = std::max(merged.back().end, r.end);
    } else {
      merged.push_back(r);
    }
  }
  ranges = std::move(merged);
}

// Takes the given ports (all free, see PortsFree) out of the ranges.
void RemovePorts(std::vector<PortRange>& ranges, const std::vector<uint32_t>& ports) {
  for (uint32_t p : ports) {
    auto r = std::find_if(ranges.begin(), ranges.end(),
                          [p](const PortRange& x) { return x.begin <= p && p <= x.end; });
    if (r->begin == r->end) {
      ranges.erase(r);
    } else if (r->begin == p) {
      ++r->begin;
    } else if (r->end == p) {
      --r->end;
    } else {
      const PortRange tail{p + 1, r->end};
      r->end = p - 1;
      ranges.insert(r + 1, tail);
    }
  }
}

}  // namespace

bool PortsFree(const std::vector<PortRange>& ranges, std::vector<uint32_t> ports) {
  std::sort(ports.begin(), ports.end());
  if (std::adjacent_find(ports.begin(), ports.end()) != ports.end()) return false;
  auto r = ranges.begin();
  for (uint32_t p : ports) {
    while (r != ranges.end() && r->end < p) ++r;
    if (r == ranges.end() || r->begin > p) return false;
  }
  return true;
}

uint64_t LabelKey(const Label& label) {
  return Fnv1a(label.value, Fnv1aLength(label.key.size(), Fnv1a(label.key)));
}

uint64_t JobKey(absl::string_view job_id) {
  const uint64_t h = Fnv1a(job_id);
  return h == 0 ? 1 : h;
}

uint32_t Host::LabelCount(LabelConstraint::Kind kind, const Label& label) const {
  if (kind == LabelConstraint::Kind::kHost) {
    auto it = attributes.find(label.key);
    return HostLabelCount(name, it == attributes.end() ? nullptr : &it->second, label);
  }
  auto it = task_labels.find(LabelKey(label));
  return it == task_labels.end() ? 0 : it->second;
}

namespace {

// Saturates at INT32_MAX on both sides (host and demand), so the index never rules out a host
// that fits; the filters, on the full 64-bit values, decide.
int32_t Clamp32(int64_t v) {
  return static_cast<int32_t>(std::min<int64_t>(v, std::numeric_limits<int32_t>::max()));
}

}  // namespace

// Inlined where hosts change (Allocate, Release): they run on every placement.
[[gnu::always_inline]] inline internal::IndexKey Cluster::KeyOf(const Host& h) {
  // Below any need (needs are >= 0): a host that is not UP is never a candidate.
  if (h.state != HostState::kUp) return {-1, -1, -1, -1, -1, -1};
  int64_t largest_device = 0;
  if (h.has_gpus()) {  // the devices are beyond the host's first cache line
    for (const GpuDevice& d : h.gpus) largest_device = std::max(largest_device, d.free_milli);
  }
  return {Clamp32(h.free.milli_cpu()), Clamp32(h.free.memory_mb()), Clamp32(h.free.disk_mb()),
          Clamp32(h.free.milli_gpu()), Clamp32(largest_device),     Clamp32(h.free_port_count)};
}

[[gnu::always_inline]] inline void Cluster::Reindex(uint32_t index, const Host& h, bool grew) {
  internal::HostIndex& host_index = index_[h.has_gpus() ? 1 : 0];
  if (grew) {
    host_index.Raise(position_[index], KeyOf(h));
  } else {
    host_index.Update(position_[index], KeyOf(h));
  }
}

[[gnu::always_inline]] inline bool Cluster::HoldsAtMost(const Host& h, const Resources& held) {
  for (int k = 0; k < kNumResourceKinds; ++k) {
    const ResourceKind kind = kAllResourceKinds[k];
    const int64_t limit = h.limit_[k] < std::numeric_limits<int32_t>::max()
                              ? h.limit_[k]
                              : h.capacity[kind] - h.reserved[kind];
    if (h.free[kind] + held[kind] > limit) return false;
  }
  return true;
}

void Cluster::SetLimit(Host& h) {
  for (int k = 0; k < kNumResourceKinds; ++k) {
    const ResourceKind kind = kAllResourceKinds[k];
    h.limit_[k] = Clamp32(h.capacity[kind] - h.reserved[kind]);
  }
}

absl::StatusOr<uint32_t> Cluster::AddHost(const HostSpec& spec) {
  auto bad = [&spec](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat("host '", spec.name, "': ", what));
  };
  if (spec.name.empty()) return bad("name is empty (rule: hosts have names)");
  if (by_name_.contains(spec.name)) return bad("name already used (rule: names are unique)");
  for (ResourceKind k : kAllResourceKinds) {
    if (spec.capacity[k] < 0)
      return bad(absl::StrCat(ResourceKindName(k), " capacity is negative"));
  }
  if (spec.revocable_milli_cpu < 0) return bad("revocable cpu is negative");
  if (spec.capacity.milli_gpu() != 1000 * static_cast<int64_t>(spec.gpus.size())) {
    return bad(absl::StrCat("gpu capacity ", spec.capacity.milli_gpu(), " milli-gpu with ",
                            spec.gpus.size(), " devices (rule: 1000 per device)"));
  }
  int64_t gpu_free = 0;
  for (size_t i = 0; i < spec.gpus.size(); ++i) {
    if (spec.gpus[i].free_milli < 0 || spec.gpus[i].free_milli > 1000) {
      return bad(absl::StrCat("gpus[", i, "].free ", spec.gpus[i].free_milli,
                              " (rule: 0..1000 milli-gpu)"));
    }
    gpu_free += spec.gpus[i].free_milli;
  }
  std::vector<PortRange> ports = spec.ports;
  std::sort(ports.begin(), ports.end(),
            [](const PortRange& a, const PortRange& b) { return a.begin < b.begin; });
  uint32_t port_count = 0;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].begin > ports[i].end) return bad("a port range begins after it ends");
    if (i > 0 && ports[i].begin <= ports[i - 1].end) return bad("port ranges overlap");
    port_count += ports[i].end - ports[i].begin + 1;
  }
  Host h;
  h.index = static_cast<uint32_t>(hosts_.size());
  h.name = spec.name;
  h.capacity = spec.capacity;
  h.free = spec.capacity;
  h.free[ResourceKind::kGpu] = gpu_free;
  h.revocable_cpu = h.revocable_free_cpu = spec.revocable_milli_cpu;
  h.gpus = spec.gpus;
  h.attributes = spec.attributes;
  h.exclusive = h.attributes.contains(kExclusiveAttribute);
  exclusive_hosts_ += h.exclusive ? 1 : 0;
  h.ports = ports;
  h.free_ports = std::move(ports);
  h.free_port_count = port_count;
  h.state = spec.state;
  h.gpu_host_ = !h.gpus.empty();
  SetLimit(h);
  if (h.has_gpus()) {
    auto kind = std::find_if(gpu_supplies_.begin(), gpu_supplies_.end(), [&h](const GpuSupply& k) {
      return k.model == h.gpus.front().model && k.capacity == h.capacity;
    });
    if (kind == gpu_supplies_.end()) {
      kind = gpu_supplies_.insert(kind, GpuSupply{h.gpus.front().model, h.capacity, 0});
    }
    h.gpu_kind = static_cast<uint32_t>(kind - gpu_supplies_.begin());
  }
  by_name_.emplace(h.name, h.index);
  hosts_.push_back(std::move(h));
  const Host& added = hosts_.back();
  CountUp(added, 1);
  internal::HostIndex& index = index_[added.has_gpus() ? 1 : 0];
  position_.push_back(static_cast<uint32_t>(index.size()));
  index.Add(added.index, KeyOf(added));
  return added.index;
}

Cluster Cluster::EmptyTwin() const {
  Cluster twin;
  for (const Host& h : hosts_) {
    HostSpec spec;
    spec.name = h.name;
    spec.capacity = h.capacity;
    spec.gpus = h.gpus;
    for (GpuDevice& d : spec.gpus) d.free_milli = 1000;
    spec.attributes = h.attributes;
    spec.ports = h.ports;
    spec.revocable_milli_cpu = h.revocable_cpu;
    // Every host was valid when it was added, so it is again.
    absl::StatusOr<uint32_t> added = twin.AddHost(spec);
    (void)added;
  }
  return twin;
}

absl::Status Cluster::SetHostState(uint32_t host, HostState state) {
  if (host >= hosts_.size()) return absl::InvalidArgumentError("host index out of range");
  Host& h = hosts_[host];
  // It leaves, or joins, what is counted of the UP hosts (only an UP host counts).
  if (state != HostState::kUp) CountUp(h, -1);
  const HostState was = std::exchange(h.state, state);
  if (was != HostState::kUp) CountUp(h, 1);
  // Only UP hosts are found in the index (KeyOf).
  if ((was == HostState::kUp) != (state == HostState::kUp)) {
    Reindex(host, h, state == HostState::kUp);
  }
  return absl::OkStatus();
}

void Cluster::CountUp(const Host& h, int sign) {
  if (h.state != HostState::kUp) return;
  if (sign > 0) {
    up_capacity_ += h.capacity;
  } else {
    up_capacity_ -= h.capacity;
  }
  up_revocable_cpu_ += sign * h.revocable_cpu;
  CountFreeGpu(h, sign * h.free.milli_gpu());
}

void Cluster::CountFreeGpu(const Host& h, int64_t milli) {
  if (h.state != HostState::kUp || !h.has_gpus()) return;
  gpu_supplies_[h.gpu_kind].free_milli += milli;
  free_gpu_milli_ += milli;
}

absl::Status Cluster::SetReserved(uint32_t host, const Resources& reserved) {
  if (host >= hosts_.size()) return absl::InvalidArgumentError("host index out of range");
  Host& h = hosts_[host];
  if (reserved.milli_gpu() != 0 || !Resources().FitsIn(reserved)) {
    return absl::InvalidArgumentError(absl::StrCat("reserved on host ", h.name, ": ",
                                                   reserved.ToString(),
                                                   " (rule: cpu, memory and disk, >= 0)"));
  }
  const Resources available = h.free + h.reserved;  // not held by allocations
  if (!reserved.FitsIn(available)) {
    return absl::FailedPreconditionError(absl::StrCat("reserved on host ", h.name, ": ",
                                                      reserved.ToString(), " exceeds ",
                                                      available.ToString(), " not allocated"));
  }
  const bool grew = reserved.FitsIn(h.reserved);  // free only grows
  h.free = available - reserved;
  h.reserved = reserved;
  SetLimit(h);
  Reindex(host, h, grew);
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> Cluster::FindHost(absl::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end())
    return absl::NotFoundError(absl::StrCat("host '", name, "' is unknown"));
  return it->second;
}

absl::InlinedVector<uint32_t, 8> Cluster::ChooseGpus(const Host& host, const TaskSpec& task) const {
  const int64_t need = task.gpu_milli();
  absl::InlinedVector<uint32_t, 8> out;
  if (need <= 0) return out;
  if (need >= 1000) {
    const size_t devices = static_cast<size_t>(need / 1000);
    for (uint32_t i = 0; i < host.gpus.size() && out.size() < devices; ++i) {
      if (host.gpus[i].free_milli == 1000 && ModelAccepted(task, host.gpus[i])) out.push_back(i);
    }
    if (out.size() < devices) out.clear();
    return out;
  }
  // A fraction: the device with the least free share that fits (keeps whole devices whole).
  int best = -1;
  for (uint32_t i = 0; i < host.gpus.size(); ++i) {
    const GpuDevice& d = host.gpus[i];
    if (d.free_milli < need || !ModelAccepted(task, d)) continue;
    if (best < 0 || d.free_milli < host.gpus[best].free_milli) best = static_cast<int>(i);
  }
  if (best >= 0) out.push_back(static_cast<uint32_t>(best));
  return out;
}

bool Cluster::GpuFits(const Host& host, const TaskSpec& task) const {
  return task.gpu_milli() <= 0 || !ChooseGpus(host, task).empty();
}

// Callers hold one per running task (the host manager, a placement engine's churn): kept small.
static_assert(sizeof(void*) != 8 || sizeof(Allocation) <= 56, "Allocation grew");

namespace {

// Release's and AllocateInto's refusals, out of their way: the hot paths keep a small frame.
[[gnu::cold, gnu::noinline]] absl::Status NotOfHost(const Allocation& a, const Host& h) {
  return absl::FailedPreconditionError(absl::StrCat("allocation of ", a.resources.ToString(),
                                                    " does not belong to host ", h.name, " (free ",
                                                    h.free.ToString(), ", ", h.tasks, " tasks)"));
}
[[gnu::cold, gnu::noinline]] absl::Status UnknownGpuShare(const Host& h, uint32_t d,
                                                          int64_t milli) {
  return absl::FailedPreconditionError(absl::StrCat("allocation on host ", h.name,
                                                    " holds an unknown GPU share (device ", d, ", ",
                                                    milli, " milli-gpu)"));
}
[[gnu::cold, gnu::noinline]] absl::Status DoesNotFit(const TaskSpec& task, const Host& h,
                                                     uint32_t num_ports) {
  if (!h.Fits(task)) {
    return absl::FailedPreconditionError(
        absl::StrCat("task ", task.id, " does not fit host ", h.name, ": needs ",
                     task.demand.ToString(), task.revocable ? " (its cpu revocable)" : "",
                     ", free ", h.free.ToString(), " and revocable cpu ", h.revocable_free_cpu));
  }
  if (num_ports > h.free_port_count) {
    return absl::FailedPreconditionError(absl::StrCat("task ", task.id, ": needs ", num_ports,
                                                      " ports, host ", h.name, " has ",
                                                      h.free_port_count));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("task ", task.id, ": a static port it needs is not free on host ", h.name));
}
[[gnu::cold, gnu::noinline]] absl::Status NoGpuDevice(const TaskSpec& task, const Host& h) {
  return absl::FailedPreconditionError(
      absl::StrCat("task ", task.id, ": no suitable GPU device free on host ", h.name));
}

}  // namespace

absl::StatusOr<Allocation> Cluster::Allocate(uint32_t index, const TaskSpec& task) {
  if (absl::Status s = ValidateTask(task); !s.ok()) return s;
  return AllocateValidated(index, task);
}

absl::StatusOr<Allocation> Cluster::AllocateValidated(uint32_t index, const TaskSpec& task) {
  Allocation a;
  if (absl::Status s = AllocateInto(index, task, a); !s.ok()) return s;
  return a;
}

absl::Status Cluster::AllocateInto(uint32_t index, const TaskSpec& task, Allocation& a) {
  if (index >= hosts_.size()) return absl::InvalidArgumentError("host index out of range");
  Host& h = hosts_[index];
  const uint32_t num_ports = task.num_ports + static_cast<uint32_t>(task.static_ports.size());
  if (!h.Fits(task) || num_ports > h.free_port_count ||
      (!task.static_ports.empty() && !PortsFree(h.free_ports, task.static_ports))) {
    return DoesNotFit(task, h, num_ports);
  }
  a.rare_.reset();  // what it held before (a reused result's); most hold nothing
  a.host = index;
  a.revocable = task.revocable;
  a.spread_job = 0;
  a.resources = task.demand;
  if (task.gpu_milli() > 0 || num_ports > 0 || !task.labels.empty() ||
      task.strategy == PlacementStrategy::kSpreadJob) {
    if (absl::Status s = AllocateRare(h, task, num_ports, a); !s.ok()) return s;
  }
  // Fits said the demand fits what is free.
  if (task.revocable) {
    h.free.SubtractFitting(task.regular_demand());
    h.revocable_free_cpu -= task.demand.milli_cpu();
  } else {
    h.free.SubtractFitting(task.demand);
  }
  CountFreeGpu(h, -task.demand.milli_gpu());
  ++h.tasks;
  Reindex(index, h);
  return absl::OkStatus();
}

// Out of AllocateInto's way (few tasks have any of it), so that its path for the others stays
// short. Changes nothing when it fails (the task's GPU devices are chosen first).
[[gnu::noinline]] absl::Status Cluster::AllocateRare(Host& h, const TaskSpec& task,
                                                     uint32_t num_ports, Allocation& a) {
  absl::InlinedVector<uint32_t, 8> devices;
  if (task.gpu_milli() > 0) {
    devices = ChooseGpus(h, task);
    if (devices.empty()) return NoGpuDevice(task, h);
  }
  const int64_t per_device = task.whole_gpus() ? 1000 : task.gpu_milli();
  for (uint32_t d : devices) {
    h.gpus[d].free_milli -= per_device;
    a.mutable_gpus().emplace_back(d, per_device);
  }
  if (num_ports > 0) {
    RemovePorts(h.free_ports, task.static_ports);
    std::vector<uint32_t>& ports = a.mutable_ports();
    ports = TakePorts(h.free_ports, task.num_ports);
    ports.insert(ports.end(), task.static_ports.begin(), task.static_ports.end());
    h.free_port_count -= num_ports;
  }
  if (!task.labels.empty()) {
    Allocation::LabelKeys& keys = a.mutable_label_keys();
    for (const Label& l : task.labels) {
      keys.push_back(LabelKey(l));
      ++h.task_labels[keys.back()];
    }
  }
  if (task.strategy == PlacementStrategy::kSpreadJob && !task.job_id.empty()) {
    a.spread_job = JobKey(task.job_id);
    ++h.job_tasks[a.spread_job];
  }
  return absl::OkStatus();
}

absl::Status Cluster::Release(const Allocation& a) {
  if (a.host >= hosts_.size()) return absl::InvalidArgumentError("host index out of range");
  Host& h = hosts_[a.host];
  if (!HoldsAtMost(h, RegularPart(a)) || h.tasks == 0 ||
      (a.revocable && h.revocable_free_cpu + a.resources.milli_cpu() > h.revocable_cpu)) {
    return NotOfHost(a, h);
  }
  if (a.has_rare()) {
    if (absl::Status s = ReleaseRare(h, a); !s.ok()) return s;
  }
  CountFreeGpu(h, a.resources.milli_gpu());
  h.free += RegularPart(a);
  if (a.revocable) h.revocable_free_cpu += a.resources.milli_cpu();
  if (a.spread_job != 0) {
    auto it = h.job_tasks.find(a.spread_job);
    if (it != h.job_tasks.end() && --it->second == 0) h.job_tasks.erase(it);
  }
  --h.tasks;
  Reindex(a.host, h, /*grew=*/true);
  return absl::OkStatus();
}

// Out of Release's way, as AllocateRare. Changes nothing when it fails.
[[gnu::noinline]] absl::Status Cluster::ReleaseRare(Host& h, const Allocation& a) {
  for (const auto& [d, milli] : a.gpus()) {
    if (d >= h.gpus.size() || h.gpus[d].free_milli + milli > 1000) {
      return UnknownGpuShare(h, d, milli);
    }
  }
  for (const auto& [d, milli] : a.gpus()) h.gpus[d].free_milli += milli;
  ReturnPorts(h.free_ports, a.ports());
  h.free_port_count += static_cast<uint32_t>(a.ports().size());
  for (uint64_t key : a.label_keys()) {
    auto it = h.task_labels.find(key);
    if (it != h.task_labels.end() && --it->second == 0) h.task_labels.erase(it);
  }
  return absl::OkStatus();
}

absl::Status Cluster::Claim(const Allocation& a) {
  if (a.host >= hosts_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("allocation: host index ", a.host, " out of range"));
  }
  Host& h = hosts_[a.host];
  if (!RegularPart(a).FitsIn(h.free) ||
      (a.revocable && a.resources.milli_cpu() > h.revocable_free_cpu)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "allocation does not fit host ", h.name, ": needs ", a.resources.ToString(),
        a.revocable ? " (its cpu revocable)" : "", ", free ", h.free.ToString(),
        " and revocable cpu ", h.revocable_free_cpu));
  }
  int64_t gpu_milli = 0;
  for (const auto& [d, milli] : a.gpus()) {
    if (d >= h.gpus.size() || milli <= 0 || milli > 1000) {
      return absl::InvalidArgumentError(absl::StrCat("allocation: GPU device ", d, " share ", milli,
                                                     " is not a device of host ", h.name,
                                                     " with a share in 1..1000"));
    }
    gpu_milli += milli;
  }
  if (gpu_milli != a.resources.milli_gpu()) {
    return absl::InvalidArgumentError(absl::StrCat("allocation: GPU shares add up to ", gpu_milli,
                                                   " milli-gpu, its resources say ",
                                                   a.resources.milli_gpu()));
  }
  for (const auto& [d, milli] : a.gpus()) {
    int64_t taken = 0;  // the same device may not be named twice beyond its free share
    for (const auto& [d2, m2] : a.gpus()) taken += d2 == d ? m2 : 0;
    if (taken > h.gpus[d].free_milli) {
      return absl::FailedPreconditionError(absl::StrCat("allocation: GPU device ", d, " of host ",
                                                        h.name, " has ", h.gpus[d].free_milli,
                                                        " milli-gpu free, needs ", taken));
    }
  }
  if (!PortsFree(h.free_ports, a.ports())) {
    return absl::FailedPreconditionError(
        absl::StrCat("allocation: a port it holds is not free on host ", h.name));
  }
  for (const auto& [d, milli] : a.gpus()) h.gpus[d].free_milli -= milli;
  CountFreeGpu(h, -a.resources.milli_gpu());
  RemovePorts(h.free_ports, a.ports());
  h.free_port_count -= static_cast<uint32_t>(a.ports().size());
  h.free -= RegularPart(a);
  if (a.revocable) h.revocable_free_cpu -= a.resources.milli_cpu();
  for (uint64_t key : a.label_keys()) ++h.task_labels[key];
  if (a.spread_job != 0) ++h.job_tasks[a.spread_job];
  ++h.tasks;
  Reindex(a.host, h);
  return absl::OkStatus();
}

}  // namespace peloton::placement
