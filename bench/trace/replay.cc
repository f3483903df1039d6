// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "bench/trace/replay.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <cmath>
#include <optional>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "peloton/placement/placer.h"

namespace peloton::bench {

using placement::Allocation;
using placement::Cluster;

absl::StatusOr<TraceReport> Replay(const std::vector<placement::HostSpec>& nodes,
                                   const std::vector<TracePod>& pods,
                                   const placement::PluginRegistry& registry,
                                   const ReplayOptions& options) {
  if (options.shuffle_seed.has_value() && options.churn) {
    return absl::InvalidArgumentError(
        "shuffle_seed: not with churn (rule: departures follow the trace's times, so arrivals "
        "must too)");
  }
  placement::ProfileOptions profile_options;
  profile_options.scarce_gpu_hard = options.scarce_gpu_hard;
  profile_options.workload = WorkloadOf(pods, options.mix_weights);
  auto profile = registry.Build(options.profile, profile_options);
  if (!profile.ok()) return profile.status();

  Cluster cluster;
  int64_t gpu_total = 0;
  for (const placement::HostSpec& h : nodes) {
    auto added = cluster.AddHost(h);
    if (!added.ok()) return added.status();
    gpu_total += static_cast<int64_t>(h.gpus.size());
  }
  auto allocated_milli = [&cluster] {
    int64_t used = 0;
    for (uint32_t h = 0; h < cluster.size(); ++h) {
      used += cluster.host(h).capacity.milli_gpu() - cluster.host(h).free.milli_gpu();
    }
    return used;
  };

  // Events: (time, kind 0 = departure / 1 = arrival, pod index).
  std::vector<std::tuple<int64_t, int, size_t>> events;
  for (size_t i = 0; i < pods.size(); ++i) {
    events.emplace_back(pods[i].creation_time, 1, i);
    if (options.churn && pods[i].deletion_time >= pods[i].creation_time) {
      events.emplace_back(pods[i].deletion_time, 0, i);
    }
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) < std::get<0>(b)
                                            : std::get<1>(a) < std::get<1>(b);
  });
  if (options.shuffle_seed.has_value()) {
    std::mt19937_64 rng(*options.shuffle_seed);
    std::shuffle(events.begin(), events.end(), rng);
  }

  TraceReport report;
  report.set_profile(options.profile);
  report.set_churn(options.churn);
  report.set_mix_weights(options.mix_weights == MixWeights::kUniform ? "uniform" : "popularity");
  report.set_shuffled(options.shuffle_seed.has_value());
  report.set_shuffle_seed(options.shuffle_seed.value_or(0));
  report.set_pods(static_cast<int64_t>(pods.size()));
  report.set_gpu_total(gpu_total);
  absl::flat_hash_map<size_t, Allocation> running;
  std::optional<int64_t> unallocated_at_failure;
  std::chrono::steady_clock::duration placing{};
  for (const auto& [time, kind, i] : events) {
    if (kind == 0) {
      auto it = running.find(i);
      if (it != running.end()) {
        if (absl::Status s = cluster.Release(it->second); !s.ok()) return s;
        running.erase(it);
      }
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    auto result = placement::Place({placement::Gang{{pods[i].task}}}, cluster, *profile);
    placing += std::chrono::steady_clock::now() - start;
    if (!result.ok()) return result.status();
    if (!result->placed.empty()) {
      running.emplace(i, std::move(result->placed[0].allocation));
      report.set_placed(report.placed() + 1);
      continue;
    }
    report.set_failed(report.failed() + 1);
    if (!unallocated_at_failure) {
      report.set_first_failed_pod(pods[i].task.id);
      unallocated_at_failure = gpu_total * 1000 - allocated_milli();
      report.set_gpu_allocated_milli(allocated_milli());
    }
    if (!options.churn) break;
  }
  if (!unallocated_at_failure || options.churn) report.set_gpu_allocated_milli(allocated_milli());
  report.set_unallocated_gpus_at_first_failure(
      static_cast<double>(unallocated_at_failure.value_or(gpu_total * 1000 - allocated_milli())) /
      1000.0);
  report.set_gpu_alloc_ratio(gpu_total == 0 ? 0
                                            : static_cast<double>(report.gpu_allocated_milli()) /
                                                  (1000.0 * static_cast<double>(gpu_total)));
  const double seconds = std::chrono::duration<double>(placing).count();
  report.set_placements_per_sec(seconds > 0 ? static_cast<double>(report.placed()) / seconds : 0);
  return report;
}

absl::StatusOr<FgdReport> ReplayFgd(const std::vector<placement::HostSpec>& nodes,
                                    const std::vector<TracePod>& pods,
                                    const placement::PluginRegistry& registry,
                                    const ReplayOptions& options, int seeds) {
  if (seeds < 1) return absl::InvalidArgumentError("seeds: at least 1");
  if (pods.empty()) return absl::InvalidArgumentError("pods: none");
  std::vector<placement::HostSpec> gpu_nodes;
  for (const placement::HostSpec& h : nodes) {
    if (!h.gpus.empty()) gpu_nodes.push_back(h);
  }
  if (gpu_nodes.empty()) return absl::InvalidArgumentError("nodes: no GPU node");
  int64_t capacity_milli = 0;
  for (const placement::HostSpec& h : gpu_nodes) {
    capacity_milli += 1000 * static_cast<int64_t>(h.gpus.size());
  }
  placement::ProfileOptions profile_options;
  profile_options.scarce_gpu_hard = options.scarce_gpu_hard;
  // The target workload is the original trace's, whatever order a seed draws.
  profile_options.workload = WorkloadOf(pods, options.mix_weights);
  auto profile = registry.Build(options.profile, profile_options);
  if (!profile.ok()) return profile.status();

  constexpr int kFrom = 75, kTo = 130;
  // Per seed, per rounded arrival %: the sum and count of allocation % (the seed's mean).
  std::vector<std::vector<double>> seed_curve(seeds, std::vector<double>(kTo + 1, -1));
  std::vector<double> at_100;
  double pods_total = 0, failed_total = 0, placed_total = 0;
  std::map<std::string, double> failed_by_shape;
  std::chrono::steady_clock::duration placing{};
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937_64 rng(static_cast<uint64_t>(seed));
    // Arrivals: the trace shuffled, then topped up by sampling it (or thinned) to 130% of the
    // cluster's GPUs.
    std::vector<size_t> order(pods.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    const int64_t target = capacity_milli * 13 / 10;
    int64_t requested = 0;
    for (size_t i : order) requested += pods[i].task.demand.milli_gpu();
    std::uniform_int_distribution<size_t> any(0, pods.size() - 1);
    while (requested < target) {
      const size_t i = any(rng);
      order.push_back(i);
      requested += pods[i].task.demand.milli_gpu();
    }
    if (requested > target) {
      // Thinned: GPU pods taken out at random (the order is random already: from the end)
      // while the rest still reaches the target.
      std::vector<bool> out(order.size(), false);
      for (size_t at = order.size(); at-- > 0 && requested > target;) {
        const int64_t gpu = pods[order[at]].task.demand.milli_gpu();
        if (gpu == 0 || requested - gpu < target) continue;
        requested -= gpu;
        out[at] = true;
      }
      std::vector<size_t> kept;
      for (size_t at = 0; at < order.size(); ++at) {
        if (!out[at]) kept.push_back(order[at]);
      }
      order = std::move(kept);
    }
    // Ties between nodes broken by an order drawn for the seed: the cluster's order.
    std::vector<placement::HostSpec> shuffled = gpu_nodes;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    Cluster cluster;
    for (const placement::HostSpec& h : shuffled) {
      if (auto added = cluster.AddHost(h); !added.ok()) return added.status();
    }
    int64_t arrived = 0, allocated = 0;
    std::vector<double> sum(kTo + 1, 0), count(kTo + 1, 0);
    for (size_t i : order) {
      const placement::TaskSpec& task = pods[i].task;
      arrived += task.demand.milli_gpu();
      const auto start = std::chrono::steady_clock::now();
      auto result = placement::Place({placement::Gang{{task}}}, cluster, *profile);
      placing += std::chrono::steady_clock::now() - start;
      if (!result.ok()) return result.status();
      if (result->placed.empty()) {
        failed_total += 1;
        std::string shape = absl::StrCat(task.demand.milli_gpu());
        if (!task.gpu_models.empty()) absl::StrAppend(&shape, "@", absl::StrJoin(task.gpu_models, "|"));
        failed_by_shape[shape] += 1.0 / seeds;
      } else {
        allocated += task.demand.milli_gpu();
        placed_total += 1;
      }
      const int x = static_cast<int>(
          std::lround(100.0 * static_cast<double>(arrived) / static_cast<double>(capacity_milli)));
      if (x >= 0 && x <= kTo) {
        sum[x] += 100.0 * static_cast<double>(allocated) / static_cast<double>(capacity_milli);
        count[x] += 1;
      }
    }
    pods_total += static_cast<double>(order.size());
    for (int x = 0; x <= kTo; ++x) {
      if (count[x] > 0) seed_curve[seed][x] = sum[x] / count[x];
    }
    // A seed whose arrivals jump over 100% (one large pod) takes the last point before it.
    double value = -1;
    for (int x = 100; x >= 0 && value < 0; --x) value = seed_curve[seed][x];
    at_100.push_back(100.0 - std::max(0.0, value));
  }
  const auto mean_sd = [](const std::vector<double>& v) {
    double mean = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    double var = 0;
    for (double x : v) var += (x - mean) * (x - mean);
    return std::pair<double, double>(
        mean, v.size() > 1 ? std::sqrt(var / static_cast<double>(v.size() - 1)) : 0.0);
  };
  FgdReport report;
  report.set_profile(options.profile);
  report.set_seeds(seeds);
  report.set_gpu_nodes(static_cast<int32_t>(gpu_nodes.size()));
  report.set_gpu_total(static_cast<int32_t>(capacity_milli / 1000));
  report.set_mix_weights(options.mix_weights == MixWeights::kUniform ? "uniform" : "popularity");
  const auto [mean, sd] = mean_sd(at_100);
  report.set_unallocated_gpu_pct_at_100(mean);
  report.set_unallocated_gpu_pct_at_100_sd(sd);
  report.set_pods_per_seed(pods_total / seeds);
  report.set_failed_per_seed(failed_total / seeds);
  for (const auto& [shape, n] : failed_by_shape) (*report.mutable_failed_by_shape())[shape] = n;
  for (int x = kFrom; x <= kTo; ++x) {
    std::vector<double> values;
    for (int seed = 0; seed < seeds; ++seed) {
      if (seed_curve[seed][x] >= 0) values.push_back(seed_curve[seed][x]);
    }
    if (values.empty()) continue;
    const auto [m, s] = mean_sd(values);
    FgdCurvePoint* p = report.add_curve();
    p->set_arrival_pct(x);
    p->set_allocated_pct(m);
    p->set_allocated_pct_sd(s);
  }
  const double seconds = std::chrono::duration<double>(placing).count();
  report.set_placements_per_sec(seconds > 0 ? placed_total / seconds : 0);
  return report;
}

}  // namespace peloton::bench
