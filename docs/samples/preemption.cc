// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
// docs/samples/preemption.cc: a pool over its entitlement for long enough gives tasks back.
#include "peloton/fairshare/preemption.h"

#include <cstdio>

using peloton::Resources;
namespace fs = peloton::fairshare;

int main() {
  fs::PoolTree tree;
  fs::PoolConfig config;
  config.resources = {{.kind = "cpu", .reservation = 5, .limit = 10, .share = 1}};
  const fs::PoolHandle a = *tree.Create("/a", config);
  const fs::PoolHandle b = *tree.Create("/b", config);
  // /a borrowed all 10 CPUs while /b was idle; now /b asks for 5.
  (void)tree.SetAllocation(a,
                           fs::Allocation::Of(Resources::Of(10000, 0, 0, 0), true, false, false));
  (void)tree.SetDemand(b, Resources::Of(5000, 0, 0, 0), {});
  fs::Preemptor preemptor({.sustained_over_allocation_count = 3});
  for (int period = 1; period <= 3; ++period) {
    tree.ComputeEntitlements({.total = Resources::Of(10000, 0, 0, 0)});
    for (fs::PoolHandle pool : preemptor.Observe(tree)) {
      const fs::PreemptionNeed need = fs::NeedToFree(tree.pool(pool));
      std::printf("period %d: %s must free %.0f cpus\n", period, tree.pool(pool).path().c_str(),
                  need.non_slack.milli_cpu() / 1000.0);
      std::vector<fs::PreemptionCandidate> tasks;
      for (int i = 0; i < 5; ++i) {
        tasks.push_back({.task_id = "a-" + std::to_string(i),
                         .priority = static_cast<uint32_t>(i % 2),
                         .start_time = absl::FromUnixSeconds(i),
                         .resources = Resources::Of(2000, 0, 0, 0)});
      }
      for (const std::string& victim : fs::SelectVictims(need, tasks)) {
        std::printf("  preempt %s\n", victim.c_str());
      }
    }
  }
}
