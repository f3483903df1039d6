// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "bench/trace/replay.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

#include "absl/container/flat_hash_map.h"
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

}  // namespace peloton::bench
