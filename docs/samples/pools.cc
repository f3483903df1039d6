// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
// docs/samples/pools.cc: pools, demand and entitlement (Peloton's worked example).
#include <cstdio>

#include "peloton/fairshare/pool_tree.h"

using peloton::Resources;
namespace fs = peloton::fairshare;

int main() {
  fs::PoolTree tree;
  // 100 CPUs; three pools, each reserving 20 CPUs, limited to 100, with equal shares.
  fs::PoolConfig config;
  config.resources = {{.kind = "cpu", .reservation = 20, .limit = 100, .share = 1}};
  fs::PoolHandle pools[3];
  for (int i = 0; i < 3; ++i) {
    pools[i] = *tree.Create("/rp" + std::to_string(i + 1), config);
  }
  const double demand[3] = {10, 80, 80};
  for (int i = 0; i < 3; ++i) {
    (void)tree.SetDemand(pools[i], *Resources::FromUnits(demand[i], 0, 0, 0), {});
  }
  tree.ComputeEntitlements({.total = *Resources::FromUnits(100, 0, 0, 0)});
  for (fs::PoolHandle p : pools) {
    std::printf("%s: %.3f cpus\n", tree.pool(p).path().c_str(),
                tree.pool(p).entitlement().total.milli_cpu() / 1000.0);
  }
  // A rejected change names the pool, the field and the rule, and changes nothing.
  config.resources[0].reservation = 200;
  std::printf("%s\n", tree.Create("/rp4", config).status().ToString().c_str());
}
