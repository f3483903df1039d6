// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Issue 18's report: how soon a healthy instance is routable, and how soon an instance asked to
// stop is not. A master on simulated hosts (named by loopback addresses, 127.0.x.y, so that
// HAProxy resolves them without DNS) runs a service job of --instances instances, each with a
// named port and a health check; a watcher makes the API's endpoints call as `peloton discover
// --watch` and peloton-router do (a long poll answered after the tick that changed something).
// - healthy -> routable: from the job manager recording the instance HEALTHY (its pod event)
//   to the watch's answer that has it routable;
// - kill -> unroutable: --kills instances are stopped one after another; from the StopTasks
//   call to the answer that has the instance not routable.
// With --router-listen, peloton-router's Router takes each answer and keeps a real HAProxy
// (Debian's haproxy) in step, serving the job on that loopback port: both times then run to
// HAProxy having taken the change (the runtime command answered, the reload done): routable
// means taking new connections, unroutable drained.
// Prints the p50 and p99 of each in milliseconds, with the tick (and the reload count).
//
//   bazel build //bench:discovery_latency
//   .bazel/bin/bench/discovery_latency --instances=1000 --kills=200 --tick-ms=100
//   .bazel/bin/bench/discovery_latency --instances=1000 --kills=200 --router-listen=18555

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/equal_pool.h"
#include "bench/report.h"
#include "kj/async-io.h"
#include "services/api/yaml_proto.h"
#include "services/backend/sim/sim_backend.h"
#include "services/router/router.h"
#include "services/router/watch.h"
#include "services/rpc/peloton_service.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"
#include "spdlog/spdlog.h"

namespace {

constexpr char kTool[] = "discovery_latency";
constexpr char kShape[] = "cpu=32,memory_mb=131072";

template <typename T>
T Check(absl::StatusOr<T> v, const char* what) {
  return peloton::bench::OrDie(kTool, std::move(v), what);
}

void Check(const absl::Status& s, const char* what) {
  if (!s.ok()) peloton::bench::Die(kTool, absl::StrCat(what, ": ", s.message()));
}

}  // namespace

int main(int argc, char** argv) {
  namespace router = peloton::router;
  using peloton::bench::Percentile;
  CLI::App app{
      "discovery_latency: healthy to routable and kill to unroutable, to a watch or "
      "through HAProxy"};
  int instances = 200, kills = 50, tick_ms = 100, reload_ms = 250, listen = 0;
  std::string dir = "/tmp/peloton_discovery_latency";
  app.add_option("--instances", instances, "the service job's instances")
      ->check(CLI::Range(1, 100'000));
  app.add_option("--kills", kills, "instances stopped one by one")->check(CLI::Range(0, 100'000));
  app.add_option("--tick-ms", tick_ms, "the master's tick")->check(CLI::Range(1, 10'000));
  app.add_option("--router-listen", listen,
                 "through peloton-router's Router and a real HAProxy serving the job on this "
                 "loopback port")
      ->check(CLI::Range(1, 65535));
  app.add_option("--min-reload-interval-ms", reload_ms, "the router's")
      ->check(CLI::Range(0, 60'000));
  app.add_option("--dir", dir, "the store and HAProxy's files (emptied first; a short path)");
  CLI11_PARSE(app, argc, argv);
  kills = std::min(kills, instances);
  spdlog::set_level(spdlog::level::warn);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  auto store = Check(peloton::store::SqliteStore::Open({.path = dir + "/bench.db"}), "store");
  auto hosts =
      Check(peloton::backend::sim::GenerateHosts(std::max(1, instances / 10), kShape), "hosts");
  peloton::Resources cluster;
  for (size_t i = 0; i < hosts.size(); ++i) {
    hosts[i].hostname = absl::StrCat("127.0.", 1 + i / 250, ".", 1 + i % 250);
    hosts[i].agent_id = hosts[i].hostname;
    cluster = cluster + hosts[i].capacity;
  }
  auto backend = Check(peloton::backend::sim::SimBackend::Create({hosts, 1}), "sim backend");
  auto master = Check(peloton::runtime::Master::Create(*store, *backend), "master");
  Check(master->Recover(), "recover");
  // The whole cluster, reserved for the one pool.
  const auto pool = peloton::bench::EqualPool("bench", cluster, 1);
  const peloton::PoolId pool_id = Check(master->pools().CreatePool("/bench", pool), "pool");
  peloton::jobmgr::job_pb::JobConfig job;
  const std::string yaml = absl::StrCat(R"yaml(
name: web
type: SERVICE
instancecount: )yaml", instances, R"yaml(
defaultconfig:
  resource: {cpulimit: 0.1, memlimitmb: 64}
  command: {value: 'sleep 3600'}
  ports: [{name: http, envname: PORT}]
  healthcheck:
    enabled: true
    type: COMMAND
    commandcheck: {command: 'true'}
    initialintervalsecs: 1
    intervalsecs: 1
)yaml");
  Check(peloton::api::YamlToProto(yaml, job).status(), "job yaml");
  job.mutable_respoolid()->set_value(pool_id.value());
  const peloton::JobId id = Check(master->jobs().CreateJob(job), "job create");

  std::unique_ptr<router::Router> haproxy;
  if (listen != 0) {
    router::Router::Options options;
    options.haproxy.dir = dir + "/haproxy";
    options.min_reload_interval = absl::Milliseconds(reload_ms);
    haproxy = Check(
        router::Router::Start(options, {{.job = id.value(),
                                         .port = "http",
                                         .listen = {"127.0.0.1", static_cast<uint16_t>(listen)}}}),
        "router");
  }

  kj::AsyncIoContext io = kj::setupAsyncIo();
  peloton::rpc::SerialLoop loop;
  peloton::api::Peloton::Client api = kj::heap<peloton::rpc::PelotonService>(
      loop, master->jobs(), master->pools(), master->hosts(), dir + "/sandboxes");
  std::map<uint32_t, absl::Time> routable_at;
  std::vector<double> kill_ms;
  int killed = 0;                               // instances asked to stop so far
  absl::Time kill_sent = absl::InfinitePast();  // the last one's, until it is unroutable
  absl::Time next_apply = absl::InfiniteFuture();
  const auto apply = [&] { next_apply = Check(haproxy->Apply(absl::Now()), "router apply"); };
  uint64_t since = 0;
  std::function<kj::Promise<void>()> watch = [&]() -> kj::Promise<void> {
    auto request = api.endpointsRequest();
    request.setJobId(id.value());
    request.setSince(since);
    request.setWaitMs(since == 0 ? 0 : 60'000);
    return request.send().then([&](auto reply) -> kj::Promise<void> {
      const absl::Time answered = absl::Now();
      const std::vector<router::Endpoint> endpoints = router::EndpointsOf(reply.getEndpoints());
      if (haproxy != nullptr) {
        haproxy->SetEndpoints(id.value(), endpoints);
        apply();
      }
      const absl::Time now = haproxy != nullptr ? absl::Now() : answered;
      // Through HAProxy, a server is there once no reload waits (or it needed none).
      if (next_apply == absl::InfiniteFuture()) {
        for (const router::Endpoint& e : endpoints) {
          if (e.routable) routable_at.try_emplace(e.instance, now);
        }
      }
      since = reply.getVersion();
      if (kill_sent != absl::InfinitePast() && !endpoints[killed - 1].routable) {
        kill_ms.push_back(absl::ToDoubleMilliseconds(now - kill_sent));
        kill_sent = absl::InfinitePast();
      }
      if (routable_at.size() == static_cast<size_t>(instances) &&
          kill_sent == absl::InfinitePast()) {
        if (killed == kills) {
          loop.Stop();
          return kj::READY_NOW;
        }
        kill_sent = absl::Now();
        Check(master->jobs().StopTasks(id, killed, killed + 1), "stop");
        ++killed;
      }
      return watch();
    });
  };
  auto watching = watch().eagerlyEvaluate([&](kj::Exception&& e) {
    std::fprintf(stderr, "%s: %s\n", kTool, e.getDescription().cStr());
    loop.Stop();
  });
  const absl::Time deadline = absl::Now() + absl::Minutes(10);
  loop.Loop(io.waitScope, io.provider->getTimer(), tick_ms * kj::MILLISECONDS, [&] {
    if (haproxy != nullptr && absl::Now() >= next_apply) apply();  // a reload that waited
    if (absl::Status s = master->Tick(); !s.ok() || absl::Now() > deadline) loop.Stop();
  });

  // From the run's first event that has it HEALTHY (the later ones, its kill's, keep saying so).
  std::vector<double> healthy_ms;
  for (const auto& [instance, at] : routable_at) {
    absl::Time healthy = absl::InfiniteFuture();
    for (const peloton::store::PodEvent& e :
         Check(master->jobs().PodEvents(id, instance, 1), "pod events")) {
      if (e.healthy == peloton::taskfsm::HealthState::kHealthy) healthy = std::min(healthy, e.time);
    }
    if (healthy != absl::InfiniteFuture()) {
      healthy_ms.push_back(absl::ToDoubleMilliseconds(at - healthy));
    }
  }
  std::printf("%s instances %d tick_ms %d", haproxy != nullptr ? "haproxy" : "watch", instances,
              tick_ms);
  if (haproxy != nullptr) {
    std::printf(" min_reload_interval_ms %d reloads %d", reload_ms, haproxy->haproxy().reloads());
  }
  std::printf(
      " | healthy_to_routable_ms p50 %.1f p99 %.1f (n %zu) | kill_to_unroutable_ms p50 "
      "%.1f p99 %.1f (n %zu)\n",
      Percentile(healthy_ms, 0.5), Percentile(healthy_ms, 0.99), healthy_ms.size(),
      Percentile(kill_ms, 0.5), Percentile(kill_ms, 0.99), kill_ms.size());
  return routable_at.size() == static_cast<size_t>(instances) &&
                 kill_ms.size() == static_cast<size_t>(kills)
             ? 0
             : 2;
}
