// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "bench/trace/simulator_plugins.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "peloton/placement/cluster.h"

namespace peloton::bench {
namespace {

using placement::CycleState;
using placement::Host;
using placement::WorkloadShape;

class SimBestFitScorer final : public placement::ScorePlugin {
 public:
  absl::string_view Name() const override { return "sim-best-fit"; }
  int64_t Score(const CycleState& s, const Host& host) const override {
    const double cpu_left =
        static_cast<double>(host.free.milli_cpu() - s.task->demand.milli_cpu()) / 128000.0;
    const double gpu_left =
        static_cast<double>(host.free.milli_gpu() - s.task->demand.milli_gpu()) / 8000.0;
    // Kept at milli resolution; Normalize brings it to 0..100.
    return std::llround(100000.0 * (1.0 - (0.5 * cpu_left + 0.5 * gpu_left)));
  }
  void Normalize(absl::Span<int64_t> scores) const override {
    placement::NormalizeMinMax(scores);
  }
};

class FgdScorer final : public placement::ScorePlugin {
 public:
  explicit FgdScorer(std::vector<WorkloadShape> shapes) : shapes_(std::move(shapes)) {}
  absl::string_view Name() const override { return "fgd"; }

  int64_t Score(const CycleState& s, const Host& host) const override {
    if (!host.has_gpus()) return 0;
    absl::InlinedVector<int64_t, 16> gpus;
    for (const placement::GpuDevice& d : host.gpus) gpus.push_back(d.free_milli);
    const absl::string_view model = host.gpus.front().model;
    const double before = Fragmentation(host.free.milli_cpu(), gpus, model);
    const int64_t per_device = s.task->whole_gpus() ? 1000 : s.task->gpu_milli();
    for (uint32_t d : s.cluster->ChooseGpus(host, *s.task)) gpus[d] -= per_device;
    const double after =
        Fragmentation(host.free.milli_cpu() - s.task->demand.milli_cpu(), gpus, model);
    const double x = (before - after) / 1000.0;
    return static_cast<int64_t>(100.0 / (1.0 + std::exp(-x)));
  }

 private:
  double Fragmentation(int64_t cpu_left, absl::Span<const int64_t> gpus,
                       absl::string_view model) const {
    int64_t total = 0;
    for (int64_t d : gpus) total += d;
    double f = 0;
    for (const WorkloadShape& m : shapes_) {
      f += m.weight * static_cast<double>(ShapeFragment(m, cpu_left, gpus, total, model));
    }
    return f;
  }

  static int64_t ShapeFragment(const WorkloadShape& m, int64_t cpu_left,
                               absl::Span<const int64_t> gpus, int64_t total,
                               absl::string_view model) {
    const int64_t gpu = m.demand.milli_gpu();
    if (gpu == 0 || m.demand.milli_cpu() > cpu_left) return total;
    if (!m.gpu_models.empty() &&
        std::find(m.gpu_models.begin(), m.gpu_models.end(), model) == m.gpu_models.end()) {
      return total;
    }
    const int64_t per_device = gpu >= 1000 ? 1000 : gpu;
    const int64_t devices = gpu >= 1000 ? gpu / 1000 : 1;
    int64_t enough = 0, small = 0;
    for (int64_t d : gpus) {
      if (d >= per_device) {
        ++enough;
      } else {
        small += d;
      }
    }
    return enough < devices ? total : small;
  }

  std::vector<WorkloadShape> shapes_;
};

}  // namespace

std::vector<WorkloadShape> FgdWorkload(const std::vector<backend::sim::TracePod>& pods) {
  // (cpu, milli-GPU, sorted models) -> tasks
  std::map<std::tuple<int64_t, int64_t, std::vector<std::string>>, int64_t> counts;
  for (const backend::sim::TracePod& p : pods) {
    std::vector<std::string> models = p.task.gpu_models;
    std::sort(models.begin(), models.end());
    ++counts[{p.task.demand.milli_cpu(), p.task.demand.milli_gpu(), std::move(models)}];
  }
  std::vector<std::pair<int64_t, const std::tuple<int64_t, int64_t, std::vector<std::string>>*>>
      by_count;
  for (const auto& [shape, n] : counts) by_count.emplace_back(n, &shape);
  // Most common first; ties in shape order, so the cut is the same every run.
  std::stable_sort(by_count.begin(), by_count.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<int64_t> sorted_counts;
  for (const auto& [n, shape] : by_count) sorted_counts.push_back(n);
  const auto [kept, covered] = backend::sim::CommonestCovering(sorted_counts);
  std::vector<WorkloadShape> out;
  for (size_t i = 0; i < kept; ++i) {
    const auto& [n, shape] = by_count[i];
    out.push_back({Resources::Of(std::get<0>(*shape), 0, 0, std::get<1>(*shape)),
                   static_cast<double>(n), std::get<2>(*shape)});
  }
  for (WorkloadShape& w : out) w.weight /= static_cast<double>(covered);
  return out;
}

absl::Status RegisterSimulatorPlugins(placement::PluginRegistry& registry,
                                      const std::vector<backend::sim::TracePod>& pods) {
  if (absl::Status s = registry.RegisterScorer(
          "sim-best-fit",
          [](const placement::ProfileOptions&) { return std::make_unique<SimBestFitScorer>(); });
      !s.ok()) {
    return s;
  }
  std::vector<WorkloadShape> shapes = FgdWorkload(pods);
  if (absl::Status s = registry.RegisterScorer(
          "fgd", [shapes](const placement::ProfileOptions&) {
            return std::make_unique<FgdScorer>(shapes);
          });
      !s.ok()) {
    return s;
  }
  const std::vector<std::string> filters = {"host-state", "resources", "gpu",
                                            "ports",      "exclusive", "constraints",
                                            "scarce-gpu", "job-spread"};
  if (absl::Status s = registry.RegisterProfile("sim-best-fit", {filters, {{"sim-best-fit", 1}}});
      !s.ok()) {
    return s;
  }
  return registry.RegisterProfile("fgd", {filters, {{"fgd", 1}}});
}

}  // namespace peloton::bench
