// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// A minimal scheduler built from the library alone: fair-share admission over two pools,
// placement on a cluster of hosts, tasks that run for a while and leave. Time is simulated
// (one loop turn is one second), so the run is deterministic and instant.
//
//   scheduler_loop [seconds]
//
// Each turn: new tasks arrive and queue in their pool; entitlements are recomputed; the
// admitter lets through what each pool is entitled to; admitted gangs are placed (a gang that
// finds no room goes back to the queue); finished tasks give back their host resources and
// their pool allocation. Prints what each pool ran and how long its tasks waited.

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "peloton/common/resources.h"
#include "peloton/fairshare/admission.h"
#include "peloton/fairshare/pool_tree.h"
#include "peloton/placement/cluster.h"
#include "peloton/placement/placer.h"
#include "peloton/placement/plugin.h"

namespace fs = peloton::fairshare;
namespace pl = peloton::placement;
using peloton::Resources;

namespace {

// Exits with the status's message: an example has nobody to hand errors to.
void OrDie(const absl::Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "scheduler_loop: %s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
}
template <typename T>
T OrDie(absl::StatusOr<T> v) {
  OrDie(v.status());
  return *std::move(v);
}

fs::PoolConfig Pool(double cpu_reservation, double cpu_limit, double share) {
  fs::PoolConfig c;
  c.policy = fs::SchedulingPolicy::kPriorityFifo;
  c.resources = {
      {"cpu", cpu_reservation, cpu_limit, share}, {"memory", 0, 1e9, share}, {"gpu", 0, 64, share}};
  return c;
}

struct Running {
  std::string pool;
  fs::PoolHandle leaf;
  fs::Allocation allocation;  // what the pool holds for the task
  pl::Allocation placement;   // what the host holds
  int ends_at = 0;
};

struct PoolStats {
  int submitted = 0, finished = 0;
  long waited = 0;  // seconds, summed over started tasks
  int started = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 600;

  // 1. The pools: production has three times development's share and a reservation.
  fs::PoolTree tree;
  const fs::PoolHandle prod = OrDie(tree.Create("/prod", Pool(120, 320, 3)));
  const fs::PoolHandle dev = OrDie(tree.Create("/dev", Pool(0, 320, 1)));
  fs::Admitter admitter(tree);

  // 2. The cluster: 10 hosts of 32 cores, two of them with 4 GPUs each.
  pl::Cluster cluster;
  for (int h = 0; h < 10; ++h) {
    pl::HostSpec host;
    host.name = "host-" + std::to_string(h);
    const int gpus = h < 2 ? 4 : 0;
    host.capacity = Resources::Of(32000, 128 * 1024, 0, 1000 * gpus);
    host.gpus.assign(gpus, pl::GpuDevice{"A100", 1000});
    OrDie(cluster.AddHost(host).status());
  }
  pl::PluginRegistry registry;
  OrDie(pl::RegisterBuiltinPlugins(registry));
  const pl::Profile profile = OrDie(registry.Build("gpu-frag"));

  // 3. The loop.
  std::mt19937_64 rng(42);
  std::map<std::string, int> submitted_at;  // gang id -> arrival time
  std::map<std::string, pl::TaskSpec> specs;
  std::vector<Running> running;
  std::map<std::string, PoolStats> stats;
  int next_id = 0;
  for (int now = 0; now < seconds; ++now) {
    // Arrivals: development submits twice as much as production.
    for (const char* pool : {"/prod", "/dev", "/dev"}) {
      if (rng() % 2 != 0) continue;
      const std::string id = "task-" + std::to_string(next_id++);
      pl::TaskSpec spec;
      spec.id = id;
      spec.demand = Resources::Of(1000 * (1 + rng() % 4), 4096, 0, rng() % 10 == 0 ? 1000 : 0);
      fs::Gang gang{.id = id, .tasks = {{id, spec.demand}}};
      OrDie(admitter.Enqueue(pool == std::string("/prod") ? prod : dev, gang));
      specs[id] = spec;
      submitted_at[id] = now;
      ++stats[pool].submitted;
    }
    // Departures: tasks run 30-90 s.
    for (size_t i = 0; i < running.size();) {
      if (running[i].ends_at > now) {
        ++i;
        continue;
      }
      OrDie(cluster.Release(running[i].placement));
      OrDie(tree.RemoveAllocation(running[i].leaf, running[i].allocation));
      ++stats[running[i].pool].finished;
      running[i] = std::move(running.back());
      running.pop_back();
    }
    // Entitlements, admission, placement.
    Resources capacity;
    for (uint32_t h = 0; h < cluster.size(); ++h) capacity += cluster.host(h).capacity;
    tree.ComputeEntitlements({.total = capacity});
    for (fs::AdmittedGang& admitted : admitter.AdmitReady()) {
      pl::Gang gang;
      for (const fs::GangTask& t : admitted.gang.tasks)
        gang.tasks.push_back(specs[t.task_id.str()]);
      const pl::PlacementResult result = OrDie(pl::Place({gang}, cluster, profile));
      const std::string pool = tree.pool(admitted.pool).path();
      if (result.placed.empty()) {
        // No room: give the allocation back and queue the gang again (it keeps its place
        // among equals only in arrival order, which is what a real scheduler would do too).
        OrDie(tree.RemoveAllocation(admitted.pool, admitted.gang.AllocationOf()));
        OrDie(admitter.Enqueue(admitted.pool, admitted.gang));
        continue;
      }
      for (const pl::Placed& p : result.placed) {
        PoolStats& s = stats[pool];
        ++s.started;
        s.waited += now - submitted_at[p.task_id];
        running.push_back({pool, admitted.pool,
                           fs::Allocation::Of(specs[p.task_id].demand, true, false, false),
                           p.allocation, now + 30 + static_cast<int>(rng() % 61)});
      }
    }
  }

  std::printf("%-6s %10s %8s %9s %14s %18s\n", "pool", "submitted", "started", "finished",
              "mean wait (s)", "entitlement (cpu)");
  for (const auto& [pool, s] : stats) {
    const fs::Pool& p = tree.pool(OrDie(tree.Lookup(pool)));
    std::printf("%-6s %10d %8d %9d %14.1f %18.1f\n", pool.c_str(), s.submitted, s.started,
                s.finished, s.started > 0 ? static_cast<double>(s.waited) / s.started : 0.0,
                p.entitlement().total.milli_cpu() / 1000.0);
  }
  std::printf("running at the end: %zu tasks, queued: %zu gangs\n", running.size(),
              admitter.size());
  return 0;
}
