// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Issue 18's report, through a real HAProxy: how soon a healthy instance takes traffic, and how
// soon an instance asked to stop takes no new connection. A master on simulated hosts (named
// by loopback addresses, 127.0.0.N, so that HAProxy resolves them without DNS) runs a routed
// service job of --instances instances with a health check; peloton-router's Router, fed by an
// endpoints watch as peloton-router's is, keeps an HAProxy in step.
// - healthy -> routable: from the job manager recording the instance HEALTHY (its pod event)
//   to HAProxy having taken the change (the runtime command answered, or the reload done);
// - kill request -> drained: --kills instances are stopped one after another; from the
//   StopTasks call to HAProxy having drained the instance's server.
// Prints the p50 and p99 of each in milliseconds, with the tick and the reload count.
//
//   bazel build //bench:router_latency
//   .bazel/bin/bench/router_latency --instances=1000 --kills=200 --tick-ms=100

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/equal_pool.h"
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

constexpr char kShape[] = "cpu=32,memory_mb=131072";

template <typename T>
T Check(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "router_latency: %s: %s\n", what, v.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(v);
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  namespace router = peloton::router;
  CLI::App app{"router_latency: healthy to routable and kill to drained, through HAProxy"};
  int instances = 200, kills = 50, tick_ms = 100, reload_ms = 250, listen = 0;
  std::string dir = "/tmp/peloton_router_latency";
  app.add_option("--instances", instances, "the service job's instances")
      ->check(CLI::Range(1, 10'000));
  app.add_option("--kills", kills, "instances stopped one by one")->check(CLI::Range(0, 10'000));
  app.add_option("--tick-ms", tick_ms, "the master's tick")->check(CLI::Range(1, 10'000));
  app.add_option("--min-reload-interval-ms", reload_ms, "the router's")
      ->check(CLI::Range(0, 60'000));
  app.add_option("--listen", listen, "the loopback port HAProxy serves the job on")
      ->check(CLI::Range(1, 65535))
      ->required();
  app.add_option("--dir", dir, "the store and HAProxy's files (emptied first; a short path)");
  CLI11_PARSE(app, argc, argv);
  kills = std::min(kills, instances);
  spdlog::set_level(spdlog::level::warn);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  auto store = Check(peloton::store::SqliteStore::Open({.path = dir + "/bench.db"}), "store");
  const int host_count = std::max(1, instances / 10);
  auto hosts = Check(peloton::backend::sim::GenerateHosts(host_count, kShape), "hosts");
  peloton::Resources cluster;
  for (size_t i = 0; i < hosts.size(); ++i) {
    hosts[i].hostname = absl::StrCat("127.0.", 1 + i / 250, ".", 1 + i % 250);
    hosts[i].agent_id = hosts[i].hostname;
    cluster = cluster + hosts[i].capacity;
  }
  auto backend = Check(peloton::backend::sim::SimBackend::Create({hosts, 1}), "sim backend");
  auto master = Check(peloton::runtime::Master::Create(*store, *backend), "master");
  if (absl::Status s = master->Recover(); !s.ok()) return 1;
  const auto pool = peloton::bench::EqualPool("bench", cluster, 1);
  const peloton::PoolId pool_id = Check(master->pools().CreatePool("/bench", pool), "pool");
  peloton::jobmgr::job_pb::JobConfig job;
  const std::string yaml = absl::StrCat(R"yaml(
name: web
type: SERVICE
instancecount: )yaml", instances, R"yaml(
labels: [{key: peloton.router/http, value: '127.0.0.1:)yaml", listen, R"yaml('}]
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
  if (!peloton::api::YamlToProto(yaml, job).ok()) return 1;
  job.mutable_respoolid()->set_value(pool_id.value());
  const peloton::JobId id = Check(master->jobs().CreateJob(job), "job create");

  router::Router::Options options;
  options.haproxy.dir = dir + "/haproxy";
  options.min_reload_interval = absl::Milliseconds(reload_ms);
  auto r = Check(router::Router::Start(
                     options, {{.job = id.value(),
                                .port = "http",
                                .listen = {"127.0.0.1", static_cast<uint16_t>(listen)}}}),
                 "router");

  kj::AsyncIoContext io = kj::setupAsyncIo();
  peloton::rpc::SerialLoop loop;
  peloton::api::Peloton::Client api = kj::heap<peloton::rpc::PelotonService>(
      loop, master->jobs(), master->pools(), master->hosts(), dir + "/sandboxes");
  std::map<uint32_t, absl::Time> routable_at;  // in HAProxy
  std::vector<double> drain_ms;
  int killed = 0;  // instances asked to stop so far; the last one is drained when seen so
  absl::Time kill_sent;
  absl::Time next_apply = absl::InfiniteFuture();
  uint64_t since = 0;
  const auto apply = [&] {
    next_apply = Check(r->Apply(absl::Now()), "apply");
  };
  std::function<kj::Promise<void>()> watch = [&]() -> kj::Promise<void> {
    auto request = api.endpointsRequest();
    request.setJobId(id.value());
    request.setSince(since);
    request.setWaitMs(since == 0 ? 0 : 60'000);
    return request.send().then([&](auto reply) -> kj::Promise<void> {
      const std::vector<router::Endpoint> endpoints = router::EndpointsOf(reply.getEndpoints());
      r->SetEndpoints(id.value(), endpoints);
      apply();
      const absl::Time now = absl::Now();
      // A server is in HAProxy once no reload waits (or it needed none: a runtime command).
      if (next_apply == absl::InfiniteFuture()) {
        for (const router::Endpoint& e : endpoints) {
          if (e.routable) routable_at.try_emplace(e.instance, now);
        }
      }
      since = reply.getVersion();
      if (killed > 0 && !endpoints[killed - 1].routable && kill_sent != absl::InfinitePast()) {
        drain_ms.push_back(absl::ToDoubleMilliseconds(now - kill_sent));
        kill_sent = absl::InfinitePast();
      }
      if (routable_at.size() == static_cast<size_t>(instances) &&
          kill_sent == absl::InfinitePast()) {
        if (killed == kills) {
          loop.Stop();
          return kj::READY_NOW;
        }
        kill_sent = absl::Now();
        if (absl::Status s = master->jobs().StopTasks(id, killed, killed + 1); !s.ok()) {
          std::fprintf(stderr, "router_latency: stop: %s\n", s.ToString().c_str());
          std::exit(1);
        }
        ++killed;
      }
      return watch();
    });
  };
  kill_sent = absl::InfinitePast();
  auto watching = watch().eagerlyEvaluate([&](kj::Exception&& e) {
    std::fprintf(stderr, "router_latency: %s\n", e.getDescription().cStr());
    loop.Stop();
  });
  const absl::Time deadline = absl::Now() + absl::Minutes(10);
  loop.Loop(io.waitScope, io.provider->getTimer(), tick_ms * kj::MILLISECONDS, [&] {
    if (absl::Now() >= next_apply) apply();  // a reload that waited for the interval
    if (absl::Status s = master->Tick(); !s.ok() || absl::Now() > deadline) loop.Stop();
  });

  std::vector<double> healthy_ms;
  for (const auto& [instance, at] : routable_at) {
    for (const peloton::store::PodEvent& e :
         Check(master->jobs().PodEvents(id, instance, 1), "pod events")) {
      if (e.healthy == peloton::taskfsm::HealthState::kHealthy) {
        healthy_ms.push_back(absl::ToDoubleMilliseconds(at - e.time));
        break;
      }
    }
  }
  std::printf(
      "instances %d tick_ms %d min_reload_interval_ms %d reloads %d | healthy_to_routable_ms "
      "p50 %.1f p99 %.1f (n %zu) | kill_to_drained_ms p50 %.1f p99 %.1f (n %zu)\n",
      instances, tick_ms, reload_ms, r->haproxy().reloads(), Percentile(healthy_ms, 0.5),
      Percentile(healthy_ms, 0.99), healthy_ms.size(), Percentile(drain_ms, 0.5),
      Percentile(drain_ms, 0.99), drain_ms.size());
  return routable_at.size() == static_cast<size_t>(instances) &&
                 drain_ms.size() == static_cast<size_t>(kills)
             ? 0
             : 2;
}
