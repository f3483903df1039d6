// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Entitlement calculation benchmarks.
//
//   BM_Entitlement_Full/<pools>         full recompute of a tree of <pools> pools
//   BM_Entitlement_Incremental/<pools>  one leaf's demand changes, then recompute
//
// Trees have fan-out 10, 4 resource kinds, shares 1..4 and small reservations; leaves demand
// about 1.6x the cluster capacity in every kind (contended). Seeds are fixed.

#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "peloton/common/check.h"
#include "peloton/fairshare/pool_tree.h"

namespace peloton::fairshare {
namespace {

struct Fixture {
  PoolTree tree;
  std::vector<PoolHandle> leaves;
  ClusterCapacity capacity;
};

Fixture Build(int pools) {
  Fixture f;
  std::mt19937_64 rng(1234);
  std::vector<std::string> frontier = {""};
  int created = 0;
  for (size_t next = 0; created < pools; ++next) {
    for (int c = 0; c < 10 && created < pools; ++c) {
      const std::string path = frontier[next] + "/p" + std::to_string(created++);
      PoolConfig config;
      const double share = 1 + static_cast<double>(rng() % 4);
      for (ResourceKind k : kAllResourceKinds) {
        config.resources.push_back(
            {std::string(ResourceKindName(k)), 0, 1e9, share, ReservationType::kElastic});
      }
      PELOTON_CHECK(f.tree.Create(path, config).ok());
      frontier.push_back(path);
    }
  }
  f.leaves = f.tree.Leaves();
  Resources total;
  for (PoolHandle leaf : f.leaves) {
    Resources d = Resources::Of(rng() % 64000, rng() % 256000, rng() % 1000000, rng() % 8000);
    total += d;
    PELOTON_CHECK(f.tree.SetDemand(leaf, d, {}).ok());
  }
  for (int k = 0; k < kNumResourceKinds; ++k) f.capacity.total.at(k) = total.at(k) * 10 / 16;
  f.tree.ComputeEntitlements(f.capacity, ComputeMode::kFull);
  return f;
}

void BM_Entitlement_Full(benchmark::State& state) {
  Fixture f = Build(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    f.tree.ComputeEntitlements(f.capacity, ComputeMode::kFull);
    benchmark::DoNotOptimize(f.tree.pool(f.leaves[0]).entitlement());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Entitlement_Full)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

void BM_Entitlement_Incremental(benchmark::State& state) {
  Fixture f = Build(static_cast<int>(state.range(0)));
  size_t i = 0;
  for (auto _ : state) {
    PoolHandle leaf = f.leaves[i % f.leaves.size()];
    Resources d = f.tree.pool(leaf).demand();
    d[ResourceKind::kCpu] += (i & 1) ? -1000 : 1000;  // alternate up and down
    if (d.milli_cpu() < 0) d[ResourceKind::kCpu] = 0;
    benchmark::DoNotOptimize(f.tree.SetDemand(leaf, d, {}));
    f.tree.ComputeEntitlements(f.capacity, ComputeMode::kIncremental);
    benchmark::DoNotOptimize(f.tree.pool(leaf).entitlement());
    i += (i & 1) ? 7 : 0;
    ++i;
  }
}
BENCHMARK(BM_Entitlement_Incremental)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace peloton::fairshare

BENCHMARK_MAIN();
