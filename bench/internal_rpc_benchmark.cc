// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The calls between the components when they run apart (internal.capnp), over a Unix socket:
// a forked server process runs the host manager over a backend of 1,000 simulated hosts with
// 10 running tasks each; the benchmarks call it as peloton-resmgr and peloton-placement do.
//
//   BM_Capacity   one round trip (the resource manager asks it every tick)
//   BM_Snapshot   a placement engine's snapshot: 1,000 hosts and 10,000 allocations sent,
//                 and the cluster rebuilt from them (AddHost, Claim)

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "bench/fork_server.h"
#include "benchmark/benchmark.h"
#include "capnp/ez-rpc.h"
#include "kj/async-io.h"
#include "services/hostmgr/host_manager.h"
#include "services/rpc/internal_servers.h"
#include "services/rpc/remote.h"
#include "services/rpc/serial_loop.h"

namespace {

constexpr int kHosts = 1000;
constexpr int kTasksPerHost = 10;

std::string g_socket;

// Hosts only: every task it is asked about is running.
class SimulatedHosts final : public peloton::backend::Backend {
 public:
  std::vector<peloton::backend::HostInfo> Hosts() const override {
    std::vector<peloton::backend::HostInfo> hosts(kHosts);
    for (int i = 0; i < kHosts; ++i) {
      hosts[i].hostname = absl::StrCat("host-", i);
      hosts[i].capacity = peloton::Resources::Of(32'000, 131'072, 1'000'000, 0);
      hosts[i].ports = {{31000, 31999}};
    }
    return hosts;
  }
  absl::Status Launch(const peloton::backend::LaunchSpec&) override { return absl::OkStatus(); }
  absl::Status Kill(const std::string&) override { return absl::OkStatus(); }
  absl::Status DestroyVolume(const std::string&, const std::string&) override {
    return absl::OkStatus();  // it holds no volumes
  }
  std::vector<peloton::backend::TaskStatus> Poll() override { return {}; }
  std::vector<peloton::backend::TaskStatus> Reconcile(
      const std::vector<std::string>& ids) override {
    std::vector<peloton::backend::TaskStatus> out;
    for (const std::string& id : ids) {
      out.push_back({.task_id = id, .state = peloton::backend::MesosTaskState::kRunning});
    }
    return out;
  }
};

[[noreturn]] void Serve(int ready) {
  SimulatedHosts backend;
  auto hosts = peloton::hostmgr::HostManager::Create(backend);
  if (!hosts.ok()) _exit(1);
  std::vector<peloton::hostmgr::RunningTask> running;
  for (int h = 0; h < kHosts; ++h) {
    for (int t = 0; t < kTasksPerHost; ++t) {
      peloton::placement::TaskSpec spec;
      spec.id = absl::StrCat("job-", h * kTasksPerHost + t, "-1");
      spec.job_id = "job";
      spec.demand = peloton::Resources::Of(1000, 1024, 100, 0);
      spec.num_ports = 2;
      spec.labels = {{"app", "bench"}};
      running.push_back({absl::StrCat("host-", h), spec});
    }
  }
  (*hosts)->Reconcile(running);
  peloton::rpc::SerialLoop loop;
  capnp::EzRpcServer server(kj::heap<peloton::rpc::HostManagerServer>(loop, **hosts), g_socket);
  server.getPort().wait(server.getWaitScope());
  if (write(ready, "ok", 2) != 2) _exit(1);
  close(ready);
  loop.Loop(server.getWaitScope(), server.getIoProvider().getTimer(), 3600 * kj::SECONDS, [] {});
  _exit(0);
}

void BM_Capacity(benchmark::State& state) {
  peloton::rpc::RemoteHostManager hosts(g_socket);
  for (auto _ : state) {
    if (!hosts.CapacityOrError().ok()) state.SkipWithError("capacity failed");
  }
}
BENCHMARK(BM_Capacity)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_Snapshot(benchmark::State& state) {
  peloton::rpc::RemoteHostManager hosts(g_socket);
  hosts.Reconcile({});  // as the job manager does first: snapshots are served from then on
  for (auto _ : state) {
    peloton::placement::Cluster cluster;
    if (absl::Status s = hosts.Snapshot(cluster); !s.ok()) state.SkipWithError("snapshot failed");
    benchmark::DoNotOptimize(cluster.size());
  }
  state.SetItemsProcessed(state.iterations() * kHosts * kTasksPerHost);
}
BENCHMARK(BM_Snapshot)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  const char* tmp = std::getenv("TMPDIR");
  g_socket = absl::StrCat("unix:", tmp != nullptr ? tmp : "/tmp", "/peloton_internal_bench.sock");
  std::remove(g_socket.substr(5).c_str());
  peloton::bench::ForkedServer server = peloton::bench::ForkServer(Serve);
  if (!server.ok()) {
    std::fprintf(stderr, "internal_rpc_benchmark: the server did not start\n");
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  server.Stop();
  return 0;
}
