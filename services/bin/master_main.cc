// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-master: the job manager, resource manager, placement engine and host manager in one
// process, on the embedded defaults: the local backend (this machine, or --local-hosts virtual
// hosts) and a SQLite store under --data-dir. Serves the public API (peloton.capnp) that the
// `peloton` CLI calls, and Peloton's v0 procedures over HTTP/JSON with GET /metrics (--http,
// 127.0.0.1:5292).
//
//   peloton-master --data-dir=./var --listen=127.0.0.1:5391 [--local-hosts=4]
//
// Stopping it (even with kill -9) is safe: every change is in the store before it acts, tasks
// keep running under their runners, and the next start takes them over.

#include <string>

#include <optional>

#include "CLI/CLI.hpp"
#include "services/rpc/peloton_service.h"
#include "services/runtime/master.h"
#include "services/runtime/process.h"
#include "services/runtime/announce_round.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  namespace runtime = peloton::runtime;
  CLI::App app{"peloton-master: Peloton's scheduler in one process"};
  runtime::Flags flags;
  runtime::AddFlags(app, flags,
                    runtime::kStoreFlags | runtime::kHostFlags | runtime::kPlacementFlags |
                        runtime::kPreemptionFlags | runtime::kDiscoveryFlags);
  CLI11_PARSE(app, argc, argv);
  const runtime::MasterConfig config =
      runtime::OrExit(runtime::ConfigOf(app, flags, runtime::kMasterAddress));
  runtime::Metrics metrics;
  auto store = runtime::OrExit(runtime::OpenStore(config, metrics.StoreObserver()));
  auto backend = runtime::OrExit(runtime::OpenBackend(config, flags.runner, store.get()));
  peloton::jobmgr::JobManagerOptions job_options = runtime::JobManagerOptionsOf(config);
  job_options.status_lag = metrics.StatusLagObserver();
  auto m = runtime::OrExit(runtime::Master::Create(
      *store, *backend,
      {.placement_profile = config.placement_profile(),
       .preemption_period_ticks = static_cast<int>(config.preemption_period_ticks()),
       .resources = runtime::ResourceManagerOptionsOf(config),
       .dequeue_limit = config.placement_dequeue_limit(),
       .jobs = std::move(job_options)}));
  runtime::HostsWatcher hosts_file(app, flags, runtime::kMasterAddress, backend.get());
  std::optional<runtime::AnnounceRound> announce;  // serversets, with discovery_zk
  if (!config.discovery_zk().empty()) announce.emplace(config.discovery_zk(), config.discovery_root());
  peloton::rpc::SerialLoop loop;
  metrics.SetSources({.jobs = &m->jobs(),
                      .pools = &m->pools(),
                      .hosts = &m->hosts(),
                      .placements = &m->placements(),
                      .queues = &m->pools()});
  return runtime::Serve(
      config,
      kj::heap<peloton::rpc::PelotonService>(
          loop, m->jobs(), m->pools(), m->hosts(), runtime::SandboxRoot(config),
          [&metrics](absl::string_view method, double seconds) {
            metrics.ObserveRpcCall(method, seconds);
          }),
      {}, loop,
      [&]() -> absl::Status {
        if (absl::Status s = m->Recover(); !s.ok()) {
          return absl::Status(s.code(), absl::StrCat("recovery: ", s.message()));
        }
        spdlog::info("peloton-master serving, data in {}", config.data_dir());
        return absl::OkStatus();
      },
      [&] {
        hosts_file.Check();
        if (absl::Status s = m->Tick(); !s.ok()) {
          spdlog::error("tick: {}", std::string(s.message()));
        }
        if (m->jobs().launches_deferred()) loop.TickSoon();
        if (announce.has_value()) announce->Run(m->jobs());
      },
      {.default_http = runtime::kJobmgrHttpAddress,
       .backend = backend.get(),
       .public_api = true,
       .metrics = &metrics});
}
