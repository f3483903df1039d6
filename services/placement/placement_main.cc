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
#include "absl/strings/str_join.h"
#include "kj/debug.h"
#include "peloton/placement/plugin.h"
#include "services/master/process.h"
#include "services/placement/placement_engine.h"
#include "services/rpc/remote.h"
#include "spdlog/spdlog.h"

namespace {

using ::peloton::placement_engine::PlacedGang;
using ::peloton::placement_engine::PlacementEngine;
using ::peloton::resmgr::ReadyGang;

std::string GangIds(const std::vector<ReadyGang>& gangs) {
  return absl::StrJoin(gangs, ", ",
                       [](std::string* out, const ReadyGang& g) { out->append(g.gang.id); });
}

// One placement round. The engine holds nothing afterwards: gangs that fit nowhere (or could
// not be tried) go back to the resource manager, first in line for the next round.
void Round(size_t dequeue_limit, PlacementEngine& engine,
           peloton::rpc::RemoteResourceManager& pools, peloton::rpc::RemoteHostManager& hosts,
           peloton::rpc::RemoteJobManager& jobs) {
  std::vector<ReadyGang> ready = pools.DequeueReady(dequeue_limit);
  if (ready.empty()) return;
  std::vector<std::string> ids;
  for (const ReadyGang& g : ready) {
    for (const auto& t : g.gang.tasks) ids.push_back(t.task_id);
  }
  auto specs = jobs.TaskSpecs(ids);
  peloton::placement::Cluster cluster;
  absl::Status snapshot = specs.ok() ? hosts.Snapshot(cluster) : specs.status();
  if (!snapshot.ok()) {
    spdlog::warn("placement round skipped: {}", std::string(snapshot.message()));
    if (absl::Status s = pools.ReturnGangs(ready); !s.ok()) {
      spdlog::error("gangs {} not given back (placing until an engine starts): {}", GangIds(ready),
                    std::string(s.message()));
    }
    return;
  }
  std::vector<ReadyGang> dropped;
  std::vector<peloton::placement_engine::PlacementVerdict> verdicts;
  std::vector<PlacedGang> placed = engine.Place(
      std::move(ready), cluster,
      [&](const std::string& id) -> absl::StatusOr<peloton::placement::TaskSpec> {
        auto it = specs->find(id);
        if (it == specs->end()) return absl::NotFoundError(id);
        return it->second;
      },
      &dropped, &verdicts);
  if (!placed.empty() || !dropped.empty() || !verdicts.empty()) {
    if (absl::Status s = jobs.SetPlacements(placed, dropped, verdicts, cluster); !s.ok()) {
      // Not handed over: they go back in line (what the job manager did launch before it
      // failed is no longer "placing" at the resource manager, and stays as it is).
      spdlog::warn("{} placed gangs not handed over, given back: {}", placed.size(),
                   std::string(s.message()));
      std::vector<ReadyGang> back = std::move(dropped);
      for (PlacedGang& p : placed) back.push_back({p.pool, std::move(p.gang)});
      if (absl::Status r = pools.ReturnGangs(back); !r.ok()) {
        spdlog::error("gangs {} not given back (placing until an engine starts): {}", GangIds(back),
                      std::string(r.message()));
      }
    }
  }
  if (std::vector<ReadyGang> waiting = engine.TakeWaiting(); !waiting.empty()) {
    if (absl::Status s = pools.ReturnGangs(waiting); !s.ok()) {
      spdlog::error("{} unplaced gangs not given back: {}", waiting.size(),
                    std::string(s.message()));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace master = peloton::master;
  namespace rpc = peloton::rpc;
  CLI::App app{"peloton-placement: the placement engine, as its own process"};
  master::Flags flags;
  master::AddFlags(app, flags, master::kPlacementFlags | master::kPeerFlags);
  CLI11_PARSE(app, argc, argv);
  const master::MasterConfig config =
      master::OrExit(master::ConfigOf(app, flags, master::kPlacementAddress));
  peloton::placement::PluginRegistry registry;
  absl::Status registered = peloton::placement::RegisterBuiltinPlugins(registry);
  auto profile = registered.ok() ? registry.Build(config.placement_profile())
                                 : absl::StatusOr<peloton::placement::Profile>(registered);
  if (!profile.ok()) {
    spdlog::error("placement_profile: {}", std::string(profile.status().message()));
    return 2;
  }
  PlacementEngine engine(*std::move(profile));
  rpc::RemoteResourceManager pools(config.resmgr());
  rpc::RemoteHostManager hosts(config.hostmgr());
  rpc::RemoteJobManager jobs(config.jobmgr());
  rpc::SerialLoop loop;
  return master::Serve(
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
      [&] { Round(config.placement_dequeue_limit(), engine, pools, hosts, jobs); });
}
