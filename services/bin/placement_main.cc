// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-placement: the placement engine as its own process. Each round (reference §4.2) it
// dequeues the gangs the resource manager admitted, asks the job manager for their tasks'
// placement specs, takes a snapshot of the host manager's cluster, places each gang all or
// nothing with --placement-profile, and hands the placements to the job manager, which
// launches them through the host manager (which claims each allocation first). Gangs that fit
// nowhere go back to the resource manager for a later round; at start the engine takes over
// what a previous one was placing. One placement engine per cluster.
//
// It listens on --listen (127.0.0.1:5393) but serves nothing yet: the address marks the one
// engine.
//
//   peloton-placement --jobmgr=127.0.0.1:5392 --resmgr=127.0.0.1:5394 --hostmgr=127.0.0.1:5395

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "kj/debug.h"
#include "peloton/common/status_macros.h"
#include "peloton/placement/plugin.h"
#include "services/placement/placement_engine.h"
#include "services/rpc/remote.h"
#include "services/runtime/placement_round.h"
#include "services/runtime/process.h"
#include "spdlog/spdlog.h"

using ::peloton::placement_engine::PlacementEngine;

int main(int argc, char** argv) {
  namespace runtime = peloton::runtime;
  namespace rpc = peloton::rpc;
  CLI::App app{"peloton-placement: the placement engine, as its own process"};
  runtime::Flags flags;
  runtime::AddFlags(app, flags, runtime::kPlacementFlags | runtime::kPeerFlags);
  CLI11_PARSE(app, argc, argv);
  const runtime::MasterConfig config =
      runtime::OrExit(runtime::ConfigOf(app, flags, runtime::kPlacementAddress));
  peloton::placement::PluginRegistry registry;
  absl::Status registered = peloton::placement::RegisterBuiltinPlugins(registry);
  auto profile = registered.ok() ? registry.Build(config.placement_profile())
                                 : absl::StatusOr<peloton::placement::Profile>(registered);
  if (!profile.ok()) {
    spdlog::error("placement_profile: {}", std::string(profile.status().message()));
    return 2;
  }
  PlacementEngine engine(*std::move(profile));
  // The other components: as the security file's internal_user, over TLS where it is served.
  const auto peer_options = runtime::OrExit(runtime::PeerOptionsOf(config));
  rpc::RemoteResourceManager pools(config.resmgr(), peer_options);
  rpc::RemoteHostManager hosts(config.hostmgr(), peer_options);
  rpc::RemoteJobManager jobs(config.jobmgr(), peer_options);
  rpc::SerialLoop loop;
  peloton::runtime::PlacementTotals placements;
  peloton::runtime::Metrics metrics({.placements = &placements});
  return runtime::Serve(
      config, capnp::Capability::Client(KJ_EXCEPTION(UNIMPLEMENTED, "placement serves nothing")),
      {}, loop,
      [&]() -> absl::Status {
        // What an earlier placement engine was placing is first in line again.
        absl::StatusOr<size_t> taken = 0;
        absl::Status up = rpc::WaitUntilUp(
            [&] {
              taken = pools.ResetPlacing();
              return taken.status();
            },
            absl::Seconds(30));
        if (!up.ok()) {
          return absl::Status(up.code(), absl::StrCat("waiting for resmgr: ", up.message()));
        }
        spdlog::info("peloton-placement running ({} gangs taken over)", *taken);
        return absl::OkStatus();
      },
      [&] {
        // The round peloton-master runs too, on a snapshot of the host manager's cluster.
        placements.Add(peloton::runtime::PlaceRound(
            engine, pools, jobs,
            [&](peloton::placement::Cluster& scratch)
                -> absl::StatusOr<peloton::placement::Cluster*> {
              PELOTON_RETURN_IF_ERROR(hosts.Snapshot(scratch));
              return &scratch;
            },
            config.placement_dequeue_limit()));
      },
      {.default_http = runtime::kPlacementHttpAddress, .metrics = &metrics});
}
