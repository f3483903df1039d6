// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// The API under load: N concurrent clients in one process (each its own connection, each
// sending its next call when the last is answered) against a peloton-master forked beside it,
// on a Unix socket: the master's RpcServer and PelotonService, SQLite in $TMPDIR (or /tmp),
// 1,000 simulated hosts, a tick every 100 ms so that created jobs run. The mix: job get of a
// 100-instance job, task list of its 100 tasks, job create of a 1-instance job.
//
//   load --clients=100 --seconds=10 [--create-percent=10 --list-percent=45]
//
// With --target=ADDR[,ADDR...] it drives servers already running instead (all-active job
// managers, issue 19: bench/jobmgr_scale.sh), the clients spread over them round-robin; job
// create then goes to the pool --pool (/load), and job get and task list to --job.
//
//   load --target=unix:/tmp/a.sock,unix:/tmp/b.sock --create-percent=100 --list-percent=0
//
// Prints the calls answered, errors (a refusal or a failed connection), and p50/p99/max
// latency per call. Exits 1 when there was an error.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/fork_server.h"
#include "capnp/rpc-twoparty.h"
#include "kj/async-io.h"
#include "services/api/peloton.capnp.h"
#include "services/api/wire_util.h"
#include "services/backend/sim/sim_backend.h"
#include "services/rpc/peloton_service.h"
#include "services/rpc/rpc_server.h"
#include "services/rpc/serial_loop.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"
#include "spdlog/spdlog.h"

namespace {

using peloton::api::Peloton;
using Clock = std::chrono::steady_clock;

peloton::jobmgr::job_pb::JobConfig JobOf(uint32_t instances) {
  peloton::jobmgr::job_pb::JobConfig config;
  config.set_name("load");
  config.set_instancecount(instances);
  config.mutable_defaultconfig()->mutable_command()->set_value("sleep 600");
  config.mutable_defaultconfig()->mutable_resource()->set_cpulimit(0.01);
  config.mutable_defaultconfig()->mutable_resource()->set_memlimitmb(1);
  return config;
}

// The master: runs until killed; writes the 100-instance job's id to `ready` once it listens.
[[noreturn]] void Serve(const std::string& socket, size_t clients, int ready) {
  peloton::rpc::RaiseFileLimit();
  spdlog::set_level(spdlog::level::warn);  // not a line per job created
  const char* tmp = std::getenv("TMPDIR");
  const std::string base = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/peloton_load");
  for (const char* suffix : {".db", ".db-wal", ".db-shm"}) std::remove((base + suffix).c_str());
  auto store = peloton::store::SqliteStore::Open({.path = base + ".db"});
  auto hosts = peloton::backend::sim::GenerateHosts(1000, "cpu=32,memory_mb=131072");
  if (!store.ok() || !hosts.ok()) _exit(1);
  auto backend = peloton::backend::sim::SimBackend::Create({*hosts, 1});
  if (!backend.ok()) _exit(1);
  auto master = peloton::runtime::Master::Create(**store, **backend);
  if (!master.ok() || !(*master)->Recover().ok()) _exit(1);
  peloton::api::v0::respool::ResourcePoolConfig pool;
  pool.set_name("load");
  for (const char* kind : {"cpu", "memory"}) {
    auto* r = pool.add_resources();
    r->set_kind(kind);
    r->set_limit(1e9);
    r->set_share(1);
  }
  auto pool_id = (*master)->pools().CreatePool("/load", pool);
  if (!pool_id.ok()) _exit(1);
  peloton::jobmgr::job_pb::JobConfig job = JobOf(100);
  job.mutable_respoolid()->set_value(pool_id->value());
  auto job_id = (*master)->jobs().CreateJob(job);
  if (!job_id.ok()) _exit(1);
  kj::AsyncIoContext io = kj::setupAsyncIo();
  peloton::rpc::SerialLoop loop;
  Peloton::Client api = kj::heap<peloton::rpc::PelotonService>(
      loop, (*master)->jobs(), (*master)->pools(), (*master)->hosts(), base + "_sandboxes");
  auto server = peloton::rpc::RpcServer::Listen(*io.provider, io.provider->getTimer(),
                                                kj::str("unix:", socket.c_str()), api,
                                                {.max_connections = clients + 16,
                                                 .idle_timeout = 1 * kj::HOURS})
                    .wait(io.waitScope);
  const std::string id = job_id->value();
  if (write(ready, id.data(), id.size()) != static_cast<ssize_t>(id.size())) _exit(1);
  close(ready);
  loop.Loop(io.waitScope, io.provider->getTimer(), 100 * kj::MILLISECONDS, [&] {
    if (absl::Status s = (*master)->Tick(); !s.ok()) {
      std::fprintf(stderr, "tick: %s\n", std::string(s.message()).c_str());
    }
  });
  _exit(0);
}

enum Op { kGet = 0, kList = 1, kCreate = 2, kNumOps = 3 };
const char* const kOpNames[kNumOps] = {"job get", "task list", "job create"};

struct Results {
  std::vector<double> ms[kNumOps];
  uint64_t errors = 0;
  std::string first_error;
  void Error(const std::string& what) {
    if (errors++ == 0) first_error = what;
  }
};

struct Client {
  kj::Own<kj::AsyncIoStream> stream;
  kj::Own<capnp::TwoPartyClient> rpc;
  Peloton::Client api = nullptr;
  std::mt19937 gen;
};

struct Load {
  std::string job;
  std::string pool = "/load";
  std::string config;  // a serialized 1-instance JobConfig
  int create_percent = 10;
  int list_percent = 45;
  Clock::time_point deadline;
  Results results;

  // One call of `op` on `c`; resolves once answered.
  kj::Promise<void> Call(Client& c, Op op) {
    const Clock::time_point start = Clock::now();
    auto done = [this, op, start](int code) {
      results.ms[op].push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      if (code != 0) results.Error(absl::StrCat(kOpNames[op], ": status ", code));
    };
    switch (op) {
      case kGet: {
        auto r = c.api.getJobRequest();
        r.setJobId(job);
        return r.send().then([done](auto&& reply) { done(reply.getStatus().getCode()); });
      }
      case kList: {
        auto r = c.api.listTasksRequest();
        r.setJobId(job);
        r.setTo(100);
        return r.send().then([done](auto&& reply) {
          done(reply.getTasks().size() == 100 ? 0 : -1);
        });
      }
      default: {
        auto r = c.api.createJobRequest();
        r.setPoolPath(pool);
        r.setJobConfig(peloton::api::Bytes(config));
        return r.send().then([done](auto&& reply) { done(reply.getStatus().getCode()); });
      }
    }
  }

  // Calls on `c` one after another until the deadline.
  kj::Promise<void> Run(Client& c) {
    if (Clock::now() >= deadline) return kj::READY_NOW;
    const int draw = std::uniform_int_distribution<int>(0, 99)(c.gen);
    const Op op = draw < create_percent                  ? kCreate
                  : draw < create_percent + list_percent ? kList
                                                         : kGet;
    return Call(c, op).then(
        [this, &c]() { return Run(c); },
        [this](kj::Exception&& e) {
          // The connection is gone: this client stops.
          results.Error(e.getDescription().cStr());
        });
  }
};

double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"load: N concurrent API clients against a forked peloton-master"};
  size_t clients = 100;
  double seconds = 10;
  Load load;
  app.add_option("--clients", clients, "concurrent clients")->check(CLI::Range(1, 10'000));
  app.add_option("--seconds", seconds, "how long they call")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--create-percent", load.create_percent, "job create's share of the calls")
      ->check(CLI::Range(0, 100));
  app.add_option("--list-percent", load.list_percent, "task list's share of the calls")
      ->check(CLI::Range(0, 100));
  std::string target;
  app.add_option("--target", target,
                 "servers already running (host:port or unix:PATH, comma-separated): no master "
                 "is forked");
  app.add_option("--pool", load.pool, "the pool job create names (with --target)");
  app.add_option("--job", load.job, "the job get and task list name (with --target)");
  CLI11_PARSE(app, argc, argv);
  if (load.create_percent + load.list_percent > 100) {
    std::fprintf(stderr, "load: --create-percent + --list-percent is more than 100\n");
    return 2;
  }
  if (!target.empty() && load.job.empty() && load.create_percent < 100) {
    std::fprintf(stderr, "load: --target needs --job unless --create-percent=100 "
                         "--list-percent=0\n");
    return 2;
  }
  peloton::rpc::RaiseFileLimit();
  std::vector<std::string> targets = absl::StrSplit(target, ',', absl::SkipEmpty());
  peloton::bench::ForkedServer server;
  if (targets.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    const std::string socket = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/peloton_load.sock");
    std::remove(socket.c_str());
    server = peloton::bench::ForkServer([&](int ready) { Serve(socket, clients, ready); });
    if (!server.ok()) {
      std::fprintf(stderr, "load: the master did not start\n");
      return 1;
    }
    load.job = server.ready;
    targets.push_back(absl::StrCat("unix:", socket));
  }
  peloton::jobmgr::job_pb::JobConfig one = JobOf(1);
  load.config = one.SerializeAsString();

  kj::AsyncIoContext io = kj::setupAsyncIo();
  std::vector<kj::Own<kj::NetworkAddress>> addresses;
  for (const std::string& t : targets) {
    addresses.push_back(
        io.provider->getNetwork().parseAddress(kj::StringPtr(t.c_str())).wait(io.waitScope));
  }
  std::vector<Client> all(clients);
  for (size_t i = 0; i < clients; ++i) {
    all[i].stream = addresses[i % addresses.size()]->connect().wait(io.waitScope);
    all[i].rpc = kj::heap<capnp::TwoPartyClient>(*all[i].stream);
    all[i].api = all[i].rpc->bootstrap().castAs<Peloton>();
    all[i].gen.seed(static_cast<uint32_t>(i));
  }
  load.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(seconds));
  const Clock::time_point start = Clock::now();
  auto runs = kj::heapArrayBuilder<kj::Promise<void>>(clients);
  for (Client& c : all) runs.add(load.Run(c));
  kj::joinPromises(runs.finish()).wait(io.waitScope);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  uint64_t calls = 0;
  for (auto& v : load.results.ms) calls += v.size();
  std::printf("clients: %zu, seconds: %.1f, calls: %llu (%.0f/s), errors: %llu\n", clients,
              elapsed, static_cast<unsigned long long>(calls),
              static_cast<double>(calls) / elapsed,
              static_cast<unsigned long long>(load.results.errors));
  if (load.results.errors > 0) {
    std::printf("first error: %s\n", load.results.first_error.c_str());
  }
  std::printf("%-11s %8s %9s %9s %9s\n", "call", "count", "p50_ms", "p99_ms", "max_ms");
  for (int op = 0; op < kNumOps; ++op) {
    auto& v = load.results.ms[op];
    std::printf("%-11s %8zu %9.2f %9.2f %9.2f\n", kOpNames[op], v.size(), Percentile(v, 0.5),
                Percentile(v, 0.99), Percentile(v, 1.0));
  }
  all.clear();
  if (server.ok()) server.Stop();
  return load.results.errors == 0 ? 0 : 1;
}
