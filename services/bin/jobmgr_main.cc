// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-jobmgr: the job manager as its own process. It serves the public API (what the
// `peloton` CLI calls, and over HTTP/JSON on --http beside GET /metrics; pool calls go on to
// peloton-resmgr) and, exported as "jobmgr", internal.capnp's JobManager for the placement
// engine. Each tick it takes the host manager's task events, kills what ran past its deadline or
// was chosen for preemption, and writes what changed to the store under --data-dir. When the
// resource manager or the host manager restarts (its incarnation changes), the job manager sends it
// its tasks again.
//
// It waits for peloton-resmgr and peloton-hostmgr at start (30 s), then takes over the active
// jobs from the store as peloton-master does. With --zk, it is one of several job managers
// that all serve at once (issue 19; Peloton's stand by): each is a member in ZooKeeper, owns
// the jobs rendezvous hashing gives it among the members (JobManager::SetMembers), and sends
// calls about the others' jobs on to their owners (JobManagerPeers). The store must then be
// one they share (--store=postgresql://...).
//
//   peloton-jobmgr --listen=127.0.0.1:5392 --data-dir=./var
//                  --resmgr=127.0.0.1:5394 --hostmgr=127.0.0.1:5395

#include <optional>
#include <random>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "peloton/common/status_macros.h"
#include "services/jobmgr/job_manager.h"
#include "services/rpc/internal_servers.h"
#include "services/rpc/job_manager_peers.h"
#include "services/rpc/peloton_service.h"
#include "services/rpc/remote.h"
#include "services/runtime/announce_round.h"
#include "services/runtime/process.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  namespace runtime = peloton::runtime;
  namespace rpc = peloton::rpc;
  CLI::App app{"peloton-jobmgr: the job manager and the public API, as its own process"};
  runtime::Flags flags;
  runtime::AddFlags(app, flags,
                    runtime::kStoreFlags | runtime::kPeerFlags | runtime::kDiscoveryFlags |
                        runtime::kElectionFlags);
  CLI11_PARSE(app, argc, argv);
  const runtime::MasterConfig config =
      runtime::OrExit(runtime::ConfigOf(app, flags, runtime::kJobmgrAddress));
  // All-active: a member of the job managers, each owning its jobs (claimed in the store). It
  // joins once it listens (others send it calls from then on).
  const bool all_active = !config.zk().empty();
  std::unique_ptr<peloton::discovery::Election> membership;
  runtime::Metrics metrics;
  auto store = runtime::OrExit(runtime::OpenStore(config, metrics.StoreObserver()));
  std::random_device seed;
  std::mt19937_64 gen(seed());
  // The other components: as the security file's internal_user, over TLS where it is served.
  const auto peer_options = runtime::OrExit(runtime::PeerOptionsOf(config));
  rpc::RemoteResourceManager pools(config.resmgr(), peer_options);
  rpc::RemoteHostManager hosts(config.hostmgr(), peer_options);
  peloton::jobmgr::JobManagerOptions job_options = runtime::JobManagerOptionsOf(config);
  job_options.status_lag = metrics.StatusLagObserver();
  if (all_active) job_options.member = runtime::Announced(config);
  peloton::jobmgr::JobManager jobs(*store, pools, hosts, gen, std::move(job_options));
  rpc::SerialLoop loop;
  // A member confirms it still is one before it acts on any call or tick: once its session is
  // gone, the others own its jobs.
  loop.SetGuard([&] { runtime::ExitIfLost(membership.get()); });  // nothing while alone
  std::unique_ptr<rpc::JobManagerPeers> peers;
  if (all_active) peers = std::make_unique<rpc::JobManagerPeers>(peer_options);
  // The members as ZooKeeper has them now: the jobs move, and calls follow them.
  absl::Time last_rebalance = absl::InfinitePast();
  const auto rebalance = [&]() -> absl::Status {
    last_rebalance = absl::Now();
    PELOTON_ASSIGN_OR_RETURN(std::vector<std::string> members, membership->Members());
    PELOTON_RETURN_IF_ERROR(jobs.SetMembers(members));
    peers->Connect(members, runtime::Announced(config));
    return jobs.Recover();
  };
  // When to look again: at each change ZooKeeper tells, every kRebalancePeriod, and every
  // second while a member cannot be reached (a dead one's node stays until its session ends).
  const auto rebalance_due = [&] {
    const absl::Duration since = absl::Now() - last_rebalance;
    return membership->MembersChanged() || since >= runtime::kRebalancePeriod ||
           (peers->broken() && since >= absl::Seconds(1));
  };
  std::optional<runtime::AnnounceRound> announce;  // serversets, with discovery_zk
  if (!config.discovery_zk().empty()) announce.emplace(config.discovery_zk(), config.discovery_root());
  metrics.SetSources({.jobs = &jobs, .pools = &pools, .hosts = &hosts});
  bool pools_stale = false;  // the resource manager restarted and has not had the tasks yet
  const auto observe = [&metrics](absl::string_view method, double seconds) {
    metrics.ObserveRpcCall(method, seconds);
  };
  std::vector<runtime::Export> exports;
  auto internal = kj::heap<rpc::JobManagerServer>(loop, jobs, peers.get());
  auto api = kj::heap<rpc::PelotonService>(loop, jobs, pools, hosts, runtime::SandboxRoot(config),
                                           observe);
  api->SetPeers(peers.get());
  exports.push_back({"jobmgr", kj::mv(internal)});
  if (all_active) {
    // What the other members send on: served here, never sent on again.
    exports.push_back({rpc::kOwnedApiExport,
                       kj::heap<rpc::PelotonService>(loop, jobs, pools, hosts,
                                                     runtime::SandboxRoot(config), observe)});
    exports.push_back({rpc::kOwnedJobManagerExport, kj::heap<rpc::JobManagerServer>(loop, jobs)});
  }
  return runtime::Serve(
      config, kj::mv(api), std::move(exports), loop,
      [&]() -> absl::Status {
        for (auto [name, ping] : {std::pair<const char*, std::function<absl::Status()>>{
                                      "resmgr", [&] { return pools.Ping(); }},
                                  {"hostmgr", [&] { return hosts.Ping(); }}}) {
          if (absl::Status s = rpc::WaitUntilUp(ping, absl::Seconds(30)); !s.ok()) {
            return absl::Status(s.code(), absl::StrCat("waiting for ", name, ": ", s.message()));
          }
        }
        if (all_active) {
          absl::StatusOr<std::unique_ptr<peloton::discovery::Election>> joined =
              runtime::JoinAsMember(config, "jobmgr");
          if (!joined.ok()) return joined.status();
          membership = *std::move(joined);
          spdlog::info("a job manager among those in ZooKeeper {} (member {}, node {})",
                       config.zk(), runtime::Announced(config), membership->node());
        }
        if (absl::Status s = all_active ? rebalance() : jobs.Recover(); !s.ok()) {
          return absl::Status(s.code(), absl::StrCat("recovery: ", s.message()));
        }
        spdlog::info("peloton-jobmgr serving, data in {}", config.data_dir());
        return absl::OkStatus();
      },
      [&] {
        if (membership != nullptr && rebalance_due()) {
          if (absl::Status s = rebalance(); !s.ok()) {
            spdlog::error("taking up the jobs this job manager owns (again next tick): {}",
                          std::string(s.message()));
          }
        }
        for (const peloton::backend::TaskStatus& s : hosts.Poll()) jobs.OnStatus(s);
        if (hosts.TakeRestarted()) {
          spdlog::warn("the host manager restarted: reconciling the tasks on hosts");
          jobs.ResyncHosts();
        }
        jobs.CheckDeadlines();
        jobs.RunTimers();
        jobs.FollowHosts();
        if (announce.has_value()) announce->Run(jobs);
        jobs.EvictFromDrainingHosts();
        if (absl::StatusOr<std::vector<std::string>> preempted = pools.TakePreempted();
            preempted.ok()) {
          if (!preempted->empty()) jobs.Preempt(*preempted);
        } else {
          spdlog::warn("preempted tasks: {}", std::string(preempted.status().message()));
        }
        if (pools.TakeRestarted()) {
          spdlog::warn("the resource manager restarted: sending it the tasks again");
          pools_stale = true;
        }
        if (pools_stale) {
          if (absl::Status s = jobs.ResyncPools(); s.ok()) {
            pools_stale = false;
          } else {
            spdlog::error("resync with the resource manager (retried next tick): {}",
                          std::string(s.message()));
          }
        }
        if (jobs.LaunchDeferred()) loop.TickSoon();
        if (absl::Status s = jobs.Flush(); !s.ok()) {
          spdlog::error("tick: {}", std::string(s.message()));
        }
      },
      {.default_http = runtime::kJobmgrHttpAddress, .public_api = true, .metrics = &metrics});
}
