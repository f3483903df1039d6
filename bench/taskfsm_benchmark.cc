// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// State machine benchmarks.
//
//   BM_TaskAction_Decide   NextTaskAction over 1,000,000 varied task snapshots
//                          (items/s = decisions per second)

#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "peloton/taskfsm/goal_state.h"

namespace peloton::taskfsm {
namespace {

std::vector<TaskSnapshot> Snapshots(size_t n) {
  std::mt19937_64 rng(99);
  const TaskState goals[] = {TaskState::kRunning, TaskState::kSucceeded, TaskState::kKilled,
                             TaskState::kDeleted};
  std::vector<TaskSnapshot> out(n);
  for (TaskSnapshot& t : out) {
    t.state = static_cast<TaskState>(rng() % kNumTaskStates);
    t.goal = goals[rng() % 4];
    t.config_version = 1 + rng() % 2;
    t.desired_config_version = rng() % 8 == 0 ? 2 : t.config_version;  // 1 in 8 stale
    t.run_id = 1 + rng() % 3;
    t.desired_run_id = rng() % 8 == 0 ? t.run_id + 1 : t.run_id;
  }
  return out;
}

void BM_TaskAction_Decide(benchmark::State& state) {
  const std::vector<TaskSnapshot> tasks = Snapshots(1'000'000);
  for (auto _ : state) {
    uint64_t sum = 0;
    for (const TaskSnapshot& t : tasks) sum += static_cast<uint64_t>(NextTaskAction(t));
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tasks.size()));
}
BENCHMARK(BM_TaskAction_Decide)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace peloton::taskfsm

BENCHMARK_MAIN();
