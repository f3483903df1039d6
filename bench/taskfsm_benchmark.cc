// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// State machine benchmarks.
//
//   BM_TaskAction_Decide      NextTaskAction over 1,000,000 varied task snapshots
//                             (items/s = decisions per second)
//   BM_UpdateWorkflow_Step/N  one Step of a rolling update (batch 100) over an N-instance job
//                             with a third of the instances already processed

#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "peloton/taskfsm/goal_state.h"
#include "peloton/taskfsm/workflow.h"

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

void BM_UpdateWorkflow_Step(benchmark::State& state) {
  const uint32_t n = static_cast<uint32_t>(state.range(0));
  const JobSpec v1{1, std::vector<uint64_t>(n, 1)}, v2{2, std::vector<uint64_t>(n, 2)};
  std::vector<InstanceRuntime> runtimes(n);
  for (uint32_t i = 0; i < n; ++i) {
    runtimes[i].instance = i;
    runtimes[i].state = TaskState::kRunning;
    runtimes[i].config_version = runtimes[i].desired_config_version = 1;
  }
  auto w = Workflow::Update(v1, v2, {.batch_size = 100});
  (void)w->Start();
  // Process a third of the job: those instances run version 2 now.
  for (uint32_t processed = 0; processed < n / 3;) {
    WorkflowStep step = w->Step(runtimes);
    for (const InstanceAction& a : step.actions) {
      runtimes[a.instance].config_version = runtimes[a.instance].desired_config_version = 2;
    }
    processed += static_cast<uint32_t>(step.actions.size());
  }
  for (auto _ : state) {
    state.PauseTiming();
    Workflow copy = *w;  // every iteration steps the same state
    state.ResumeTiming();
    WorkflowStep step = copy.Step(runtimes);
    benchmark::DoNotOptimize(step.actions.data());
  }
}
BENCHMARK(BM_UpdateWorkflow_Step)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace peloton::taskfsm

BENCHMARK_MAIN();
