// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The cost of isolation at launch on the local backend (issue 25): tasks of `true` launched
// and seen to end, a batch of 20 per iteration, with and without cgroups (cgroups.h), as the
// task user the backend chooses (nobody when this runs as root: a mount namespace of its own
// each). Directories under $TMPDIR, else /tmp. Without root or writable cgroups both arguments
// measure the same thing, and the label says so.
//
//   bazel build -c opt //bench:local_launch_benchmark //services/backend/local:peloton-task-runner
//   .bazel/bin/bench/local_launch_benchmark --benchmark_repetitions=7

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "services/backend/local/local_backend.h"

namespace peloton::backend::local {
namespace {

constexpr int kBatch = 20;

std::string Runner() {
  if (const char* runner = std::getenv("PELOTON_TASK_RUNNER")) return runner;
  // Beside this binary in the build tree.
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string bin = self.substr(0, self.rfind("/bench/"));
  return bin + "/services/backend/local/peloton-task-runner";
}

void BM_LaunchToEnd(benchmark::State& state) {
  const bool cgroups = state.range(0) != 0;
  const char* tmp = std::getenv("TMPDIR");
  const std::string base = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/peloton_launch_bench_",
                                        getpid(), "_", cgroups);
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  std::filesystem::permissions(base, std::filesystem::perms(0711));
  HostInfo host;
  host.hostname = host.agent_id = "h";
  host.capacity = Resources::Of(64000, 65536, 100000, 0);
  LocalBackendOptions options{Runner(), base + "/sandboxes", base + "/runners", {host}};
  options.cgroups = cgroups;
  absl::StatusOr<std::unique_ptr<LocalBackend>> backend = LocalBackend::Create(options);
  if (!backend.ok()) {
    state.SkipWithError(std::string(backend.status().message()).c_str());
    return;
  }
  int64_t next = 0;
  for (auto _ : state) {
    int running = 0;
    for (int i = 0; i < kBatch; ++i) {
      LaunchSpec spec;
      spec.task_id = absl::StrCat("t-", next++);
      spec.hostname = "h";
      spec.command = "true";
      spec.resources = Resources::Of(100, 64, 0, 0);
      if (!(*backend)->Launch(spec).ok()) {
        state.SkipWithError("launch failed");
        return;
      }
      ++running;
    }
    while (running > 0) {
      for (const TaskStatus& s : (*backend)->Poll()) {
        if (s.state != MesosTaskState::kRunning && s.state != MesosTaskState::kStarting) {
          --running;
        }
      }
      if (running > 0) usleep(1000);
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetLabel((*backend)->cgroups().enabled()
                     ? absl::StrCat("cgroup v", (*backend)->cgroups().version())
                     : absl::StrCat("no cgroups: ", (*backend)->cgroups().why_not()));
  backend->reset();
  std::filesystem::remove_all(base);
}
BENCHMARK(BM_LaunchToEnd)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace peloton::backend::local

BENCHMARK_MAIN();
