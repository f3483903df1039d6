// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The built-in filters and scorers, and the profiles made of them.

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "peloton/common/status_macros.h"
#include "peloton/placement/plugin.h"

namespace peloton::placement {
namespace {

// ----- Filters ---------------------------------------------------------------------------

class HostStateFilter final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "host-state"; }
  FilterReason Filter(const CycleState&, const Host& host) const override {
    return host.state == HostState::kUp ? FilterReason::kMatch : FilterReason::kMismatchStatus;
  }
  // The index yields UP hosts only, to a need of at least zero.
  uint32_t Needs() const override { return kFilterBeyondIndex; }
};

class ResourcesFilter final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "resources"; }
  FilterReason Filter(const CycleState& s, const Host& host) const override {
    return host.Fits(*s.task) ? FilterReason::kMatch : FilterReason::kInsufficientResources;
  }
  // The index holds the demand, but a revocable task's cpu is the host's revocable cpu.
  uint32_t Needs() const override { return kFilterRevocable | kFilterBeyondIndex; }
};

class GpuFilter final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "gpu"; }
  FilterReason Filter(const CycleState& s, const Host& host) const override {
    if (!s.needs_gpu) return FilterReason::kMatch;
    return s.cluster->GpuFits(host, *s.task) ? FilterReason::kMatch : FilterReason::kMismatchGpu;
  }
  uint32_t Needs() const override { return kFilterGpu; }
};

class PortsFilter final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "ports"; }
  FilterReason Filter(const CycleState& s, const Host& host) const override {
    const TaskSpec& t = *s.task;
    if (t.num_ports + t.static_ports.size() > host.free_port_count) {
      return FilterReason::kInsufficientPorts;
    }
    return t.static_ports.empty() || PortsFree(host.free_ports, t.static_ports)
               ? FilterReason::kMatch
               : FilterReason::kInsufficientPorts;
  }
  // The index holds the port count; which ports are free is this filter's.
  uint32_t Needs() const override { return kFilterStaticPorts | kFilterBeyondIndex; }
};

class ExclusiveFilter final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "exclusive"; }
  FilterReason Filter(const CycleState& s, const Host& host) const override {
    return !host.exclusive || s.constraint_names_exclusive ? FilterReason::kMatch
                                                           : FilterReason::kMismatchExclusive;
  }
  uint32_t Needs() const override { return kFilterExclusiveHosts; }
};

class ConstraintsFilter final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "constraints"; }
  FilterReason Filter(const CycleState& s, const Host& host) const override {
    const auto count = [&host](const LabelConstraint& l) -> std::optional<uint32_t> {
      return host.LabelCount(l.kind, l.label);
    };
    return Satisfies(s.task->constraint, count) ? FilterReason::kMatch
                                                : FilterReason::kMismatchConstraints;
  }
  uint32_t Needs() const override { return kFilterConstraint; }
};

class ScarceGpuFilter final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "scarce-gpu"; }
  FilterReason Filter(const CycleState& s, const Host& host) const override {
    return s.needs_gpu || !host.has_gpus() || s.allow_gpu_hosts ? FilterReason::kMatch
                                                                : FilterReason::kScarceResources;
  }
  uint32_t Needs() const override { return kFilterGpuHosts; }
};

class JobSpreadFilter final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "job-spread"; }
  FilterReason Filter(const CycleState& s, const Host& host) const override {
    if (s.task->strategy != PlacementStrategy::kSpreadJob || s.allow_same_job ||
        s.task->job_id.empty()) {
      return FilterReason::kMatch;
    }
    return host.job_tasks.contains(s.job_key) ? FilterReason::kMismatchMaxHostLimit
                                              : FilterReason::kMatch;
  }
  uint32_t Needs() const override { return kFilterSpreadJob; }
};

// ----- Scorers ---------------------------------------------------------------------------

// Share of the host used once the task is there, averaged over the kinds the task asks for.
double UsedAfter(const CycleState& s, const Host& host) {
  double sum = 0;
  int kinds = 0;
  Resources regular;  // a revocable task's cpu is not its host capacity's
  if (s.task->revocable) regular = s.task->regular_demand();
  const Resources& demand = s.task->revocable ? regular : s.task->demand;
  for (int k = 0; k < kNumResourceKinds; ++k) {
    if (demand.at(k) == 0 || host.capacity.at(k) == 0) continue;
    sum += static_cast<double>(host.capacity.at(k) - host.free.at(k) + demand.at(k)) /
           static_cast<double>(host.capacity.at(k));
    ++kinds;
  }
  return kinds == 0 ? 0 : sum / kinds;
}

class BestFitScorer final : public ScorePlugin {
 public:
  absl::string_view Name() const override { return "best-fit"; }
  int64_t Score(const CycleState& s, const Host& host) const override {
    return std::llround(kMaxNodeScore * std::clamp(UsedAfter(s, host), 0.0, 1.0));
  }
};

class LeastAllocatedScorer final : public ScorePlugin {
 public:
  absl::string_view Name() const override { return "least-allocated"; }
  int64_t Score(const CycleState& s, const Host& host) const override {
    return std::llround(kMaxNodeScore * std::clamp(1.0 - UsedAfter(s, host), 0.0, 1.0));
  }
};

// Fragmentation-aware GPU scoring after FGD (Weng et al., ATC'23). The fragmentation of a host
// measured by a task shape m is the free GPU capacity m cannot use there: all of it when m
// cannot run on the host (it asks for no GPU, takes another GPU model, or the host's free cpu or
// memory cannot hold it), otherwise the free share of devices too small for m (any partly used
// device, for whole-GPU shapes). The workload's fragmentation is the weighted sum over shapes;
// a host scores higher the less placing the task there increases it.
//
// Where we differ from FGD (docs/placement.md has what each is worth on the openb traces):
// - GPUs the cpu cannot feed: only as many tasks of m as the host's free cpu and memory hold
//   can use its devices (for a share, the freest that fit), so the rest is fragment too. FGD
//   sees no loss until the cpu left is below one task's.
// - Scarcity (PreScore): each shape weighs its weight times the cluster's free GPU over the
//   free GPU of the kinds of host that could run it (model and capacity). FGD's model term
//   alone rewards putting a task on any model a shape rejects, which draws tasks that take any
//   GPU to the rarest models and the biggest hosts, and the shapes that need those then find
//   none left.
class GpuFragScorer final : public ScorePlugin {
 public:
  explicit GpuFragScorer(const ProfileOptions& options) : shapes_(options.workload) {
    if (shapes_.empty()) {
      for (int64_t gpu : {250, 500, 1000, 2000, 4000, 8000}) {
        shapes_.push_back({Resources::Of(4000, 16384, 0, gpu), 1});
      }
    }
    double total = 0;
    for (const WorkloadShape& w : shapes_) total += w.weight;
    for (WorkloadShape& w : shapes_) w.weight = total > 0 ? w.weight / total : 0;
  }
  absl::string_view Name() const override { return "gpu-frag"; }

  // The shapes' weights for this task: each times the cluster's free GPU over the free GPU of
  // the hosts that could run it.
  void PreScore(const CycleState& s, std::vector<double>& weights) const override {
    const double all = static_cast<double>(std::max<int64_t>(s.cluster->FreeGpuMilli(), 1000));
    for (const WorkloadShape& m : shapes_) {
      int64_t theirs = 0;
      for (const GpuSupply& kind : s.cluster->GpuSupplies()) {
        if (m.demand.FitsIn(kind.capacity) && ModelOk(m, kind.model)) theirs += kind.free_milli;
      }
      weights.push_back(m.weight * all / static_cast<double>(std::max<int64_t>(theirs, 1000)));
    }
  }

  int64_t Score(const CycleState& s, const Host& host) const override {
    if (!host.has_gpus()) return 0;  // nothing to fragment
    absl::InlinedVector<int64_t, 16> gpus;
    for (const GpuDevice& d : host.gpus) gpus.push_back(d.free_milli);
    const absl::string_view model = host.gpus.front().model;
    const double before = Fragmentation(s.prescore, host.free, gpus, model);
    // The host as it would be with the task on the devices the cluster would give it.
    const int64_t per_device = s.task->whole_gpus() ? 1000 : s.task->gpu_milli();
    for (uint32_t d : s.cluster->ChooseGpus(host, *s.task)) gpus[d] -= per_device;
    const double after =
        Fragmentation(s.prescore, host.free - s.task->regular_demand(), gpus, model);
    // Lower increase is better; scaled to keep milli-gpu resolution, normalised later.
    return -std::llround((after - before) * 1000.0);
  }

  void Normalize(absl::Span<int64_t> scores) const override { NormalizeMinMax(scores); }

 private:
  // `weights`: PreScore's, one per shape (the shapes' own when empty: Score called alone).
  double Fragmentation(absl::Span<const double> weights, const Resources& free,
                       absl::Span<const int64_t> gpus, absl::string_view model) const {
    int64_t total_free = 0;
    for (int64_t d : gpus) total_free += d;
    double f = 0;
    for (size_t i = 0; i < shapes_.size(); ++i) {
      const WorkloadShape& m = shapes_[i];
      // A shape that cannot have this host's model can use none of its GPUs.
      const double weight = weights.size() == shapes_.size() ? weights[i] : m.weight;
      f += weight * static_cast<double>(ModelOk(m, model)
                                            ? ShapeFragment(m.demand, free, gpus, total_free)
                                            : total_free);
    }
    return f;
  }

  static bool ModelOk(const WorkloadShape& m, absl::string_view model) {
    return m.gpu_models.empty() ||
           std::find(m.gpu_models.begin(), m.gpu_models.end(), model) != m.gpu_models.end();
  }

  // How many tasks of shape m the free cpu and memory hold (unbounded for what m does not ask).
  static int64_t Room(const Resources& m, const Resources& free) {
    int64_t room = std::numeric_limits<int64_t>::max();
    if (m.milli_cpu() > 0)
      room = std::min(room, std::max<int64_t>(free.milli_cpu(), 0) / m.milli_cpu());
    if (m.memory_mb() > 0)
      room = std::min(room, std::max<int64_t>(free.memory_mb(), 0) / m.memory_mb());
    return room;
  }

  static int64_t ShapeFragment(const Resources& m, const Resources& free,
                               absl::Span<const int64_t> gpus, int64_t total_free) {
    const int64_t need = m.milli_gpu();
    if (need == 0) return total_free;  // a CPU-only shape can use no GPU
    const int64_t room = Room(m, free);
    if (room == 0) return total_free;  // no cpu or memory left for one
    if (need >= 1000) {
      int64_t whole = 0;
      for (int64_t d : gpus) whole += d == 1000 ? 1 : 0;
      const int64_t per_task = need / 1000;
      if (whole < per_task) return total_free;  // cannot run here
      // Whole devices, as many as the cpu and memory left feed; the rest is fragment.
      const int64_t fed = room >= whole ? whole : std::min(whole, room * per_task);
      return total_free - 1000 * fed;
    }
    // A share: the devices it fits, the `room` freest of them when there are more.
    absl::InlinedVector<int64_t, 16> fit;
    int64_t usable = 0;
    for (int64_t d : gpus) {
      if (d >= need) {
        fit.push_back(d);
        usable += d;
      }
    }
    if (fit.empty()) return total_free;
    if (static_cast<int64_t>(fit.size()) > room) {
      std::partial_sort(fit.begin(), fit.begin() + room, fit.end(), std::greater<>());
      usable = 0;
      for (int64_t i = 0; i < room; ++i) usable += fit[i];
    }
    return total_free - usable;
  }

  std::vector<WorkloadShape> shapes_;
};

template <typename T>
PluginRegistry::FilterFactory FilterOf() {
  return [](const ProfileOptions&) { return std::make_unique<T>(); };
}

}  // namespace

void NormalizeMinMax(absl::Span<int64_t> scores) {
  if (scores.empty()) return;
  const auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
  const int64_t min = *lo, max = *hi;
  for (int64_t& v : scores) {
    v = max == min ? kMaxNodeScore : (v - min) * kMaxNodeScore / (max - min);
  }
}

absl::Status RegisterBuiltinPlugins(PluginRegistry& r) {
  PELOTON_RETURN_IF_ERROR(r.RegisterFilter("host-state", FilterOf<HostStateFilter>()));
  PELOTON_RETURN_IF_ERROR(r.RegisterFilter("resources", FilterOf<ResourcesFilter>()));
  PELOTON_RETURN_IF_ERROR(r.RegisterFilter("gpu", FilterOf<GpuFilter>()));
  PELOTON_RETURN_IF_ERROR(r.RegisterFilter("ports", FilterOf<PortsFilter>()));
  PELOTON_RETURN_IF_ERROR(r.RegisterFilter("exclusive", FilterOf<ExclusiveFilter>()));
  PELOTON_RETURN_IF_ERROR(r.RegisterFilter("constraints", FilterOf<ConstraintsFilter>()));
  PELOTON_RETURN_IF_ERROR(r.RegisterFilter("scarce-gpu", FilterOf<ScarceGpuFilter>()));
  PELOTON_RETURN_IF_ERROR(r.RegisterFilter("job-spread", FilterOf<JobSpreadFilter>()));
  PELOTON_RETURN_IF_ERROR(r.RegisterScorer(
      "best-fit", [](const ProfileOptions&) { return std::make_unique<BestFitScorer>(); }));
  PELOTON_RETURN_IF_ERROR(r.RegisterScorer("least-allocated", [](const ProfileOptions&) {
    return std::make_unique<LeastAllocatedScorer>();
  }));
  PELOTON_RETURN_IF_ERROR(r.RegisterScorer(
      "gpu-frag", [](const ProfileOptions& o) { return std::make_unique<GpuFragScorer>(o); }));

  const std::vector<std::string> filters = {"host-state", "resources", "gpu",
                                            "ports",      "exclusive", "constraints",
                                            "scarce-gpu", "job-spread"};
  PELOTON_RETURN_IF_ERROR(r.RegisterProfile("pack", {filters, {}}));
  PELOTON_RETURN_IF_ERROR(r.RegisterProfile("best-fit", {filters, {{"best-fit", 1}}}));
  PELOTON_RETURN_IF_ERROR(r.RegisterProfile("spread", {filters, {{"least-allocated", 1}}}));
  PELOTON_RETURN_IF_ERROR(r.RegisterProfile("gpu-frag", {filters, {{"gpu-frag", 1}}}));
  return absl::OkStatus();
}

}  // namespace peloton::placement
