// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
// docs/samples/placement.cc: hosts, a gang, a named profile, and the reasons for what is left.
#include <cstdio>

#include "peloton/placement/placer.h"

using peloton::Resources;
namespace pl = peloton::placement;

int main() {
  pl::Cluster cluster;
  pl::HostSpec cpu_host{.name = "cpu-1", .capacity = Resources::Of(16000, 65536, 0, 0)};
  pl::HostSpec gpu_host{.name = "gpu-1", .capacity = Resources::Of(32000, 131072, 0, 4000)};
  gpu_host.gpus.assign(4, pl::GpuDevice{"A100", 1000});
  (void)cluster.AddHost(cpu_host);
  (void)cluster.AddHost(gpu_host);

  pl::PluginRegistry registry;
  (void)pl::RegisterBuiltinPlugins(registry);
  const pl::Profile profile = *registry.Build("gpu-frag");

  pl::Gang training;  // placed all or nothing
  for (int i = 0; i < 2; ++i) {
    training.tasks.push_back(
        {.id = "train-" + std::to_string(i), .demand = Resources::Of(4000, 16384, 0, 2000)});
  }
  pl::Gang web{{{.id = "web", .demand = Resources::Of(2000, 4096, 0, 0)}}};
  pl::Gang huge{{{.id = "huge", .demand = Resources::Of(64000, 4096, 0, 0)}}};
  const pl::PlacementResult result = *pl::Place({training, web, huge}, cluster, profile);
  for (const pl::Placed& p : result.placed) {
    std::printf("%s -> %s (%zu GPUs)\n", p.task_id.c_str(),
                cluster.host(p.allocation.host).name.c_str(), p.allocation.gpus().size());
  }
  for (const pl::Unplaced& u : result.unplaced) {
    std::printf("%s unplaced: %s\n", u.task_id.c_str(), std::string(pl::Name(u.reason)).c_str());
  }
  std::printf("gpu-1 free: %s\n", cluster.host(1).free.ToString().c_str());
}
