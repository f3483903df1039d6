// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// How soon a healthy instance is routable (issue 18's report). A master on simulated hosts
// runs a service job of --instances instances, each with a named port and a health check; a
// watcher makes the API's endpoints call as `peloton discover --watch` does (a long poll
// answered after the tick that changed something) and notes when each instance first turns
// routable. The latency of an instance is that time less the time the job manager recorded
// it HEALTHY (its pod event). Prints the p50 and p99 in milliseconds, and the tick.
//
//   bazel build //bench:discovery_latency
//   .bazel/bin/bench/discovery_latency --instances=200 --tick-ms=100

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
#include "services/rpc/peloton_service.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"
#include "spdlog/spdlog.h"

namespace {

constexpr char kShape[] = "cpu=32,memory_mb=131072";

template <typename T>
T Check(absl::StatusOr<T> v, const char* what) {
  if (!v.ok()) {
    std::fprintf(stderr, "discovery_latency: %s: %s\n", what, v.status().ToString().c_str());
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
  CLI::App app{"discovery_latency: from HEALTHY to routable, through the endpoints watch"};
  int instances = 200, tick_ms = 100;
  std::string dir = "/tmp/peloton_discovery_latency";
  app.add_option("--instances", instances, "the service job's instances")
      ->check(CLI::Range(1, 100'000));
  app.add_option("--tick-ms", tick_ms, "the master's tick")->check(CLI::Range(1, 10'000));
  app.add_option("--dir", dir, "where the store goes (emptied first)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);

  auto store = Check(peloton::store::SqliteStore::Open({.path = dir + "/bench.db"}), "store");
  const int hosts = std::max(1, instances / 10);
  auto backend = Check(peloton::backend::sim::SimBackend::Create(
                           {Check(peloton::backend::sim::GenerateHosts(hosts, kShape), "hosts"),
                            1}),
                       "sim backend");
  auto master = Check(peloton::runtime::Master::Create(*store, *backend), "master");
  if (absl::Status s = master->Recover(); !s.ok()) return 1;
  // The whole cluster, reserved for the one pool.
  peloton::Resources cluster;
  for (const auto& h : Check(peloton::backend::sim::GenerateHosts(hosts, kShape), "hosts")) {
    cluster = cluster + h.capacity;
  }
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
  if (!peloton::api::YamlToProto(yaml, job).ok()) return 1;
  job.mutable_respoolid()->set_value(pool_id.value());
  const peloton::JobId id = Check(master->jobs().CreateJob(job), "job create");

  kj::AsyncIoContext io = kj::setupAsyncIo();
  peloton::rpc::SerialLoop loop;
  peloton::api::Peloton::Client api = kj::heap<peloton::rpc::PelotonService>(
      loop, master->jobs(), master->pools(), master->hosts(), dir + "/sandboxes");
  std::map<uint32_t, absl::Time> routable_at;
  uint64_t since = 0;
  std::function<kj::Promise<void>()> watch = [&]() -> kj::Promise<void> {
    auto request = api.endpointsRequest();
    request.setJobId(id.value());
    request.setSince(since);
    request.setWaitMs(since == 0 ? 0 : 60'000);
    return request.send().then([&](auto reply) -> kj::Promise<void> {
      const absl::Time now = absl::Now();
      for (auto e : reply.getEndpoints()) {
        if (e.getRoutable()) routable_at.try_emplace(e.getInstanceId(), now);
      }
      since = reply.getVersion();
      if (routable_at.size() == static_cast<size_t>(instances)) {
        loop.Stop();
        return kj::READY_NOW;
      }
      return watch();
    });
  };
  auto watching = watch().eagerlyEvaluate([&](kj::Exception&& e) {
    std::fprintf(stderr, "discovery_latency: %s\n", e.getDescription().cStr());
    loop.Stop();
  });
  const absl::Time deadline = absl::Now() + absl::Minutes(5);
  loop.Loop(io.waitScope, io.provider->getTimer(), tick_ms * kj::MILLISECONDS, [&] {
    if (absl::Status s = master->Tick(); !s.ok() || absl::Now() > deadline) loop.Stop();
  });

  std::vector<double> latency_ms;
  for (const auto& [instance, at] : routable_at) {
    const auto events = Check(master->jobs().PodEvents(id, instance, 1), "pod events");
    for (const peloton::store::PodEvent& e : events) {
      if (e.healthy == peloton::taskfsm::HealthState::kHealthy) {
        latency_ms.push_back(absl::ToDoubleMilliseconds(at - e.time));
      }
    }
  }
  std::printf("instances %d routable %zu tick_ms %d healthy_to_routable_ms p50 %.1f p99 %.1f\n",
              instances, routable_at.size(), tick_ms, Percentile(latency_ms, 0.5),
              Percentile(latency_ms, 0.99));
  return routable_at.size() == static_cast<size_t>(instances) ? 0 : 2;
}
