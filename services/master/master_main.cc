// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-master: the job manager, resource manager, placement engine and host manager in one
// process, on the embedded defaults: the local backend (this machine, or --local-hosts virtual
// hosts) and a SQLite store under --data-dir. Serves the public API (peloton.capnp) that the
// `peloton` CLI calls.
//
//   peloton-master --data-dir=./var --listen=127.0.0.1:5391 [--local-hosts=4]
//
// Stopping it (even with kill -9) is safe: every change is in the store before it acts, tasks
// keep running under their runners, and the next start takes them over.

#include <string>

#include "CLI/CLI.hpp"
#include "services/master/master.h"
#include "services/master/process.h"
#include "services/rpc/peloton_service.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  namespace master = peloton::master;
  CLI::App app{"peloton-master: Peloton's scheduler in one process"};
  master::Flags flags;
  master::AddFlags(app, flags,
                   master::kStoreFlags | master::kHostFlags | master::kPlacementFlags |
                       master::kPreemptionFlags);
  CLI11_PARSE(app, argc, argv);
  const master::MasterConfig config =
      master::OrExit(master::ConfigOf(app, flags, master::kMasterAddress));
  auto store = master::OrExit(master::OpenStore(config));
  auto backend = master::OrExit(master::OpenBackend(config, flags.runner, store.get()));
  auto m = master::OrExit(master::Master::Create(
      *store, *backend,
      {.placement_profile = config.placement_profile(),
       .preemption_period_ticks = static_cast<int>(config.preemption_period_ticks()),
       .preemption = {.sustained_over_allocation_count =
                          static_cast<int>(config.sustained_over_allocation())},
       .dequeue_limit = config.placement_dequeue_limit(),
       .jobs = master::JobManagerOptionsOf(config)}));
  peloton::rpc::SerialLoop loop;
  return master::Serve(
      config,
      kj::heap<peloton::rpc::PelotonService>(loop, m->jobs(), m->pools(), m->hosts(),
                                             master::SandboxRoot(config)),
      {}, loop,
      [&]() -> absl::Status {
        if (absl::Status s = m->Recover(); !s.ok()) {
          return absl::Status(s.code(), absl::StrCat("recovery: ", s.message()));
        }
        spdlog::info("peloton-master serving, data in {}", config.data_dir());
        return absl::OkStatus();
      },
      [&] {
        if (absl::Status s = m->Tick(); !s.ok()) {
          spdlog::error("tick: {}", std::string(s.message()));
        }
      },
      backend.get());
}
