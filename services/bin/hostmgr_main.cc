// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-hostmgr: the host manager as its own process. It owns the cluster backend (the
// local backend: this machine, or --local-hosts virtual hosts, sandboxes under --data-dir) and
// serves internal.capnp's HostManager to the other components. With --zk, it is one candidate
// of several: it stands by, not listening, until it leads (runtime::LeadOrStandBy).
//
//   peloton-hostmgr --listen=127.0.0.1:5395 --data-dir=./var --local-hosts=4

#include "CLI/CLI.hpp"
#include "services/hostmgr/host_manager.h"
#include "services/rpc/internal_servers.h"
#include "services/runtime/process.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  namespace runtime = peloton::runtime;
  CLI::App app{"peloton-hostmgr: the host manager (the cluster backend), as its own process"};
  runtime::Flags flags;
  runtime::AddFlags(app, flags, runtime::kHostFlags | runtime::kElectionFlags);
  CLI11_PARSE(app, argc, argv);
  const runtime::MasterConfig config =
      runtime::OrExit(runtime::ConfigOf(app, flags, runtime::kHostmgrAddress));
  const auto election = runtime::OrExit(runtime::LeadOrStandBy(config, "hostmgr"));
  // The store the other components share keeps host maintenance and the Mesos framework id.
  runtime::Metrics metrics;
  std::unique_ptr<peloton::store::Store> store =
      runtime::OrExit(runtime::OpenStore(config, metrics.StoreObserver()));
  runtime::OrExit(runtime::FenceIfLeading(*store, config, "hostmgr", election.get()));
  auto backend = runtime::OrExit(runtime::OpenBackend(config, flags.runner, store.get()));
  auto hosts = runtime::OrExit(peloton::hostmgr::HostManager::Create(*backend, store.get()));
  runtime::HostsWatcher hosts_file(app, flags, runtime::kHostmgrAddress, backend.get());
  peloton::rpc::SerialLoop loop;
  // A leader confirms it still leads before it acts on any call or tick.
  if (election != nullptr) loop.SetGuard([&] { runtime::ExitIfLost(election.get()); });
  metrics.SetSources({.hosts = hosts.get()});
  return runtime::Serve(
      config, kj::heap<peloton::rpc::HostManagerServer>(loop, *hosts), {}, loop,
      [] {
        spdlog::info("peloton-hostmgr serving");
        return absl::OkStatus();
      },
      [&] { hosts_file.Check(); },
      {.default_http = runtime::kHostmgrHttpAddress,
       .backend = backend.get(),
       .metrics = &metrics});
}
