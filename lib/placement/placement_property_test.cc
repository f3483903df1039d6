// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Over 10,000 seeded random placements and removals (every built-in profile, GPU and CPU
// tasks, fractions and whole GPUs, ports), no host is ever overcommitted in any dimension and
// free + used = capacity always, device by device.

#include <random>

#include "gtest/gtest.h"
#include "peloton/placement/placer.h"
#include "peloton/testing/status_matchers.h"

namespace peloton::placement {
namespace {

void CheckInvariants(const Cluster& cluster, const std::vector<Allocation>& live, int step) {
  std::vector<Resources> used(cluster.size());
  std::vector<std::vector<int64_t>> gpu_used(cluster.size());
  std::vector<uint32_t> ports_used(cluster.size(), 0);
  for (uint32_t h = 0; h < cluster.size(); ++h) gpu_used[h].assign(cluster.host(h).gpus.size(), 0);
  for (const Allocation& a : live) {
    used[a.host] += a.resources;
    for (const auto& [d, milli] : a.gpus()) gpu_used[a.host][d] += milli;
    ports_used[a.host] += static_cast<uint32_t>(a.ports().size());
  }
  for (uint32_t h = 0; h < cluster.size(); ++h) {
    const Host& host = cluster.host(h);
    ASSERT_EQ(host.free + used[h], host.capacity) << "step " << step << " host " << host.name;
    int64_t gpu_free = 0;
    for (size_t d = 0; d < host.gpus.size(); ++d) {
      ASSERT_GE(host.gpus[d].free_milli, 0) << "step " << step;
      ASSERT_EQ(host.gpus[d].free_milli + gpu_used[h][d], 1000) << "step " << step;
      gpu_free += host.gpus[d].free_milli;
    }
    ASSERT_EQ(gpu_free, host.free.milli_gpu()) << "step " << step;
    uint32_t range_ports = 0;
    for (const PortRange& r : host.free_ports) range_ports += r.end - r.begin + 1;
    ASSERT_EQ(range_ports, host.free_port_count);
    ASSERT_EQ(host.free_port_count + ports_used[h], 20u) << "step " << step;
  }
}

TEST(PlacementPropertyTest, NoOvercommitOverRandomPlacementsAndRemovals) {
  std::mt19937_64 rng(2026);
  PluginRegistry registry;
  ASSERT_THAT(RegisterBuiltinPlugins(registry), ::peloton::testing::IsOk());
  std::vector<Profile> profiles;
  for (const std::string& name : registry.ProfileNames()) profiles.push_back(*registry.Build(name));

  Cluster cluster;
  for (int h = 0; h < 40; ++h) {
    HostSpec spec;
    spec.name = "host-" + std::to_string(h);
    const int gpus = h % 4 == 0 ? 4 : 0;
    spec.capacity = Resources::Of(16000, 65536, 500000, 1000 * gpus);
    spec.gpus.assign(gpus, GpuDevice{h % 8 == 0 ? "A100" : "V100", 1000});
    spec.ports = {{30000, 30009}, {40000, 40009}};
    ASSERT_THAT(cluster.AddHost(spec), ::peloton::testing::IsOk());
  }
  std::vector<Allocation> live;
  int placed = 0, removed = 0;
  for (int step = 0; step < 10000; ++step) {
    if (!live.empty() && rng() % 100 < 45) {
      const size_t i = rng() % live.size();
      ASSERT_THAT(cluster.Release(live[i]), ::peloton::testing::IsOk());
      live[i] = live.back();
      live.pop_back();
      ++removed;
    } else {
      Gang gang;
      const int size = 1 + static_cast<int>(rng() % 3);
      for (int t = 0; t < size; ++t) {
        TaskSpec task;
        task.id = "t" + std::to_string(step) + "-" + std::to_string(t);
        task.job_id = "j" + std::to_string(rng() % 20);
        const int64_t gpu =
            rng() % 5 == 0 ? (rng() % 2 ? 250 * (1 + rng() % 3) : 1000 * (1 + rng() % 2)) : 0;
        task.demand =
            Resources::Of(250 * (1 + rng() % 16), 512 * (1 + rng() % 16), 1000 * (rng() % 10), gpu);
        if (gpu > 0 && rng() % 3 == 0) task.gpu_models = {"A100"};
        task.num_ports = static_cast<uint32_t>(rng() % 3);
        if (rng() % 4 == 0) task.strategy = PlacementStrategy::kSpreadJob;
        gang.tasks.push_back(task);
      }
      auto result = Place({gang}, cluster, profiles[rng() % profiles.size()]);
      ASSERT_THAT(result, ::peloton::testing::IsOk());
      ASSERT_TRUE(result->placed.empty() || result->placed.size() == gang.tasks.size());
      for (Placed& p : result->placed) {
        live.push_back(std::move(p.allocation));
        ++placed;
      }
    }
    if (step % 50 == 0 || step == 9999) {
      ASSERT_NO_FATAL_FAILURE(CheckInvariants(cluster, live, step));
    }
  }
  EXPECT_GT(placed, 3000);
  EXPECT_GT(removed, 3000);
}

}  // namespace
}  // namespace peloton::placement
