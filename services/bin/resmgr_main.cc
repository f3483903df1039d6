// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-resmgr: the resource manager as its own process. Pools live in the store under
// --data-dir (shared with peloton-jobmgr); each tick it asks the host manager for the cluster's
// capacity, recomputes entitlements and admits gangs, and every --preemption-period-ticks
// chooses tasks to preempt, which the job manager collects. Serves internal.capnp's
// ResourceManager. With --zk, it is one candidate of several: it stands by, not listening,
// until it leads (runtime::LeadOrStandBy), then recovers as a restarted one does.
//
//   peloton-resmgr --listen=127.0.0.1:5394 --data-dir=./var --hostmgr=127.0.0.1:5395

#include <random>

#include "CLI/CLI.hpp"
#include "services/resmgr/resource_manager.h"
#include "services/rpc/internal_servers.h"
#include "services/rpc/remote.h"
#include "services/runtime/process.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  namespace runtime = peloton::runtime;
  CLI::App app{
      "peloton-resmgr: the resource manager (pools, admission, preemption), as its "
      "own process"};
  runtime::Flags flags;
  runtime::AddFlags(app, flags,
                    runtime::kStoreFlags | runtime::kPreemptionFlags | runtime::kPeerFlags |
                        runtime::kElectionFlags);
  CLI11_PARSE(app, argc, argv);
  const runtime::MasterConfig config =
      runtime::OrExit(runtime::ConfigOf(app, flags, runtime::kResmgrAddress));
  const auto election = runtime::OrExit(runtime::LeadOrStandBy(config, "resmgr"));
  runtime::Metrics metrics;
  auto store = runtime::OrExit(runtime::OpenStore(config, metrics.StoreObserver()));
  runtime::OrExit(runtime::FenceIfLeading(*store, config, "resmgr", election.get()));
  std::random_device seed;
  std::mt19937_64 gen(seed());
  auto pools = runtime::OrExit(peloton::resmgr::ResourceManager::Create(
      *store, gen, runtime::ResourceManagerOptionsOf(config)));
  // The other components: as the security file's internal_user, over TLS where it is served.
  const auto peer_options = peloton::runtime::OrExit(peloton::runtime::PeerOptionsOf(config));
  peloton::rpc::RemoteHostManager hosts(config.hostmgr(), peer_options);
  peloton::rpc::SerialLoop loop;
  // A leader confirms it still leads before it acts on any call or tick.
  if (election != nullptr) loop.SetGuard([&] { runtime::ExitIfLost(election.get()); });
  auto server = kj::heap<peloton::rpc::ResourceManagerServer>(loop, *pools);
  peloton::rpc::ResourceManagerServer& preempted = *server;
  const uint32_t period = config.preemption_period_ticks();
  metrics.SetSources({.pools = pools.get(), .queues = pools.get()});
  uint64_t ticks = 0;
  return runtime::Serve(
      config, kj::mv(server), {}, loop,
      [] {
        spdlog::info("peloton-resmgr serving");
        return absl::OkStatus();
      },
      [&] {
        absl::StatusOr<peloton::fairshare::ClusterCapacity> capacity = hosts.CapacityOrError();
        if (!capacity.ok()) {
          spdlog::warn("tick skipped: {}", std::string(capacity.status().message()));
          return;
        }
        pools->Tick(capacity->total, capacity->slack);
        if (period > 0 && ++ticks % period == 0) preempted.AddPreempted(pools->Preempt());
      },
      {.default_http = runtime::kResmgrHttpAddress, .metrics = &metrics});
}
