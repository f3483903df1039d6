// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Placement benchmarks.
//
//   BM_PlaceChurn/<profile>/<hosts>  steady state: hosts of 32 cores / 128 GiB, one in eight with
//                                    8 GPUs, ~85% of CPU allocated, 4% of tasks asking for a GPU;
//                                    each iteration removes a uniformly random task and places
//                                    one (PlaceInto, its result reused, as the placement engine
//                                    does). items/s = placements per second. With ~110,000 running
//                                    tasks at 10,000 hosts, the leaving task's record and host
//                                    are cache (and TLB) misses: this one measures memory latency
//                                    as much as placement.
//   BM_PlaceChurnFifo/...            the same, the oldest task leaving (batch tasks of similar
//                                    length finish in the order they started).
//   BM_FirstFitChurn/<hosts>         the baseline (issue 24): the same hosts, tasks and random
//                                    departures through a plain indexed first fit: the free
//                                    resources of each host in an array, the same HostIndex, no
//                                    plugins, no GPU devices (a GPU is one more scalar), no
//                                    Cluster, no allocation records. What placement costs
//                                    beyond finding a host that fits is BM_PlaceChurn/pack
//                                    against this.
// The cluster is filled with the pack profile (fast) before timing, whatever profile is timed.

#include <algorithm>
#include <array>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "peloton/common/check.h"
#include "peloton/placement/internal/host_index.h"
#include "peloton/placement/placer.h"

namespace peloton::placement {
namespace {

TaskSpec RandomTask(std::mt19937_64& rng, uint64_t n) {
  TaskSpec t;
  t.id = "t" + std::to_string(n);
  t.job_id = "j" + std::to_string(n % 1000);
  const int64_t gpu = rng() % 25 == 0 ? (rng() % 2 ? 1000 : 500) : 0;
  t.demand = Resources::Of(1000 * (1 + rng() % 4), 2048 * (1 + rng() % 4), 0, gpu);
  return t;
}

struct Steady {
  Cluster cluster;
  std::vector<Allocation> live;
  std::mt19937_64 rng{7};
  uint64_t next = 0;
  std::vector<Gang> arrivals;  // made before timing, used round robin
};

Steady Fill(int hosts, const Profile& pack) {
  Steady s;
  for (int h = 0; h < hosts; ++h) {
    HostSpec spec;
    spec.name = "host-" + std::to_string(h);
    const bool gpu = h % 8 == 0;
    spec.capacity = Resources::Of(32000, 131072, 1000000, gpu ? 8000 : 0);
    if (gpu) spec.gpus.assign(8, GpuDevice{"A100", 1000});
    PELOTON_CHECK(s.cluster.AddHost(spec).ok());
  }
  for (int i = 0; i < 4096; ++i) s.arrivals.push_back(Gang{{RandomTask(s.rng, s.next++)}});
  const int64_t target = static_cast<int64_t>(hosts) * 32000 * 85 / 100;
  int64_t used = 0;
  while (used < target) {
    auto r = Place({Gang{{RandomTask(s.rng, s.next++)}}}, s.cluster, pack);
    PELOTON_CHECK(r.ok());
    if (r->placed.empty()) break;
    used += r->placed[0].allocation.resources.milli_cpu();
    s.live.push_back(std::move(r->placed[0].allocation));
  }
  return s;
}

// Which task leaves in each iteration.
enum class Departure {
  kRandom,  // uniformly random among the running tasks
  kFifo,    // the oldest (batch tasks of similar length finish in the order they started)
};

void Churn(benchmark::State& state, const char* profile_name, Departure departure) {
  PluginRegistry registry;
  PELOTON_CHECK(RegisterBuiltinPlugins(registry).ok());
  const Profile pack = *registry.Build("pack");
  const Profile profile = *registry.Build(profile_name);
  Steady s = Fill(static_cast<int>(state.range(0)), pack);
  // FIFO: `live` is a ring whose oldest entry is at `oldest`; the newcomer takes its slot.
  size_t oldest = 0;
  int64_t placed = 0;
  PlacementResult r;  // reused, as the placement engine does
  for (auto _ : state) {
    const size_t victim = departure == Departure::kRandom ? s.rng() % s.live.size() : oldest;
    PELOTON_CHECK(s.cluster.Release(s.live[victim]).ok());
    PELOTON_CHECK(PlaceInto(absl::MakeConstSpan(&s.arrivals[s.next++ % s.arrivals.size()], 1),
                            s.cluster, profile, r)
                      .ok());
    if (!r.placed.empty()) {
      s.live[victim] = std::move(r.placed[0].allocation);
      ++placed;
      // (Only FIFO keeps the ring: a division an iteration the baseline does not make.)
      if (departure == Departure::kFifo) oldest = (oldest + 1) % s.live.size();
    } else {
      s.live[victim] = std::move(s.live.back());
      s.live.pop_back();
      if (oldest >= s.live.size()) oldest = 0;
    }
  }
  state.SetItemsProcessed(placed);
}

void BM_PlaceChurn(benchmark::State& state, const char* profile_name) {
  Churn(state, profile_name, Departure::kRandom);
}

void BM_PlaceChurnFifo(benchmark::State& state, const char* profile_name) {
  Churn(state, profile_name, Departure::kFifo);
}

// The baseline's cluster: free cpu, memory, disk and GPU (milli) per host, indexed.
class PlainFirstFit {
 public:
  explicit PlainFirstFit(int hosts) {
    for (int h = 0; h < hosts; ++h) {
      free_.push_back({32000, 131072, 1000000, h % 8 == 0 ? 8000 : 0});
      index_.Add(static_cast<uint32_t>(h), KeyOf(h));
    }
  }
  // The first host, in order, with room for `d`; -1 for none.
  int Place(const Resources& d) {
    const internal::IndexKey need = {
        Clamp(d.milli_cpu()), Clamp(d.memory_mb()), Clamp(d.disk_mb()), Clamp(d.milli_gpu()), 0, 0};
    int found = -1;
    index_.Search(need, [&](uint32_t h) {
      found = static_cast<int>(h);
      return true;
    });
    if (found < 0) return -1;
    std::array<int64_t, 4>& f = free_[found];
    f[0] -= d.milli_cpu();
    f[1] -= d.memory_mb();
    f[2] -= d.disk_mb();
    f[3] -= d.milli_gpu();
    index_.Update(static_cast<uint32_t>(found), KeyOf(found));
    return found;
  }
  void Release(int host, const Resources& d) {
    std::array<int64_t, 4>& f = free_[host];
    f[0] += d.milli_cpu();
    f[1] += d.memory_mb();
    f[2] += d.disk_mb();
    f[3] += d.milli_gpu();
    index_.Raise(static_cast<uint32_t>(host), KeyOf(host));
  }

 private:
  static int32_t Clamp(int64_t v) {
    return static_cast<int32_t>(std::min<int64_t>(v, std::numeric_limits<int32_t>::max()));
  }
  internal::IndexKey KeyOf(int h) const {
    const std::array<int64_t, 4>& f = free_[h];
    return {Clamp(f[0]), Clamp(f[1]), Clamp(f[2]), Clamp(f[3]), 0, 0};
  }
  std::vector<std::array<int64_t, 4>> free_;
  internal::HostIndex index_;
};

void BM_FirstFitChurn(benchmark::State& state) {
  const int hosts = static_cast<int>(state.range(0));
  PlainFirstFit cluster(hosts);
  std::mt19937_64 rng{7};
  uint64_t next = 0;
  std::vector<TaskSpec> arrivals;
  for (int i = 0; i < 4096; ++i) arrivals.push_back(RandomTask(rng, next++));
  struct Live {
    int host;
    Resources demand;
  };
  std::vector<Live> live;
  const int64_t target = static_cast<int64_t>(hosts) * 32000 * 85 / 100;
  for (int64_t used = 0; used < target;) {
    const TaskSpec t = RandomTask(rng, next++);
    const int h = cluster.Place(t.demand);
    if (h < 0) break;
    used += t.demand.milli_cpu();
    live.push_back({h, t.demand});
  }
  int64_t placed = 0;
  for (auto _ : state) {
    const size_t victim = rng() % live.size();
    cluster.Release(live[victim].host, live[victim].demand);
    const Resources& d = arrivals[next++ % arrivals.size()].demand;
    const int h = cluster.Place(d);
    if (h >= 0) {
      live[victim] = {h, d};
      ++placed;
    } else {
      live[victim] = live.back();
      live.pop_back();
    }
  }
  state.SetItemsProcessed(placed);
}

BENCHMARK(BM_FirstFitChurn)->Arg(1000)->Arg(10000)->Arg(50000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PlaceChurn, pack, "pack")
    ->Name("BM_PlaceChurn/pack")
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(50000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PlaceChurn, best_fit, "best-fit")
    ->Name("BM_PlaceChurn/best-fit")
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(50000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PlaceChurn, gpu_frag, "gpu-frag")
    ->Name("BM_PlaceChurn/gpu-frag")
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(50000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PlaceChurnFifo, pack, "pack")
    ->Name("BM_PlaceChurnFifo/pack")
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(50000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PlaceChurnFifo, best_fit, "best-fit")
    ->Name("BM_PlaceChurnFifo/best-fit")
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PlaceChurnFifo, gpu_frag, "gpu-frag")
    ->Name("BM_PlaceChurnFifo/gpu-frag")
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace peloton::placement

BENCHMARK_MAIN();
