// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Fuzz target: bytes as what a client sends on one connection to a process's HTTP endpoint
// (requests, pipelined or not, whole or cut off), parsed by kj's HTTP server and answered by
// ours: Peloton's v0 procedures over yarpc's HTTP transport (headers, JSON or protobuf bodies,
// size and deadline limits, every procedure against a master on simulated hosts), GET
// /metrics, and anything else. Nothing may crash or hang: every connection is answered and
// closed within 10 s.
//
// Built with g++ only (Cap'n Proto 0.9's headers do not compile with clang-16 in C++20): its
// replay build runs in make test with random edits of its corpus, and make fuzz runs that
// longer (replay_main.cc).

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "kj/async-io.h"
#include "services/backend/sim/sim_backend.h"
#include "services/rpc/peloton_service.h"
#include "services/rpc/serial_loop.h"
#include "services/rpc/yarpc_http.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"

namespace {

using namespace peloton;  // NOLINT: a fuzz target's few lines

// The master and its HTTP endpoint, made once for every input.
struct Endpoint {
  Endpoint() {
    char dir_template[] = "/tmp/peloton-http-fuzz.XXXXXX";
    if (mkdtemp(dir_template) == nullptr) std::abort();
    dir = dir_template;
    static std::string* removed_at_exit = &dir;
    std::atexit([] { std::filesystem::remove_all(*removed_at_exit); });
    store = *store::SqliteStore::Open({.path = dir + "/peloton.db"});
    std::vector<backend::HostInfo> hosts = *backend::sim::GenerateHosts(3, "cpu=4,memory_mb=8192");
    backend = *backend::sim::SimBackend::Create({hosts, 1});
    runtime::MasterOptions options;
    options.jobs.limits.max_tasks_per_job = 100;  // an input's job stays small
    master = *runtime::Master::Create(*store, *backend, options);
    if (!master->Recover().ok()) std::abort();
    rpc::HttpRoutes routes;
    routes.api = api::Peloton::Client(kj::heap<rpc::PelotonService>(
        loop, master->jobs(), master->pools(), master->hosts(), dir + "/sandboxes"));
    routes.metrics = [] { return kj::Promise<std::string>(std::string("peloton_up 1\n")); };
    endpoint = rpc::HttpEndpoint::Listen(*io.provider, "unix:" + dir + "/http", std::move(routes))
                   .wait(io.waitScope);
    address = io.provider->getNetwork()
                  .parseAddress(kj::str("unix:", dir.c_str(), "/http"))
                  .wait(io.waitScope);
  }

  // Sends `bytes` on a new connection, closes its sending side, and reads until the endpoint
  // closes it. Runs the master's loop (the procedures run on it) meanwhile.
  void Exchange(const uint8_t* data, size_t size) {
    bool done = false;
    auto exchange =
        address->connect()
            .then([&](kj::Own<kj::AsyncIoStream> conn) {
              auto& c = *conn;
              return c.write(data, size)
                  .then([&c] {
                    c.shutdownWrite();
                    return c.readAllBytes(64 << 20);  // every answer, until closed
                  })
                  .ignoreResult()
                  .attach(kj::mv(conn));
            })
            .then([] {}, [](kj::Exception&&) {})  // a refused or reset connection is fine
            .exclusiveJoin(io.provider->getTimer().afterDelay(10 * kj::SECONDS).then([] {
              std::fprintf(stderr, "the endpoint did not close the connection in 10 s\n");
              std::abort();  // a hang
            }))
            .then([&] {
              done = true;
              loop.Stop();
            })
            .eagerlyEvaluate(nullptr);
    while (!done) loop.Loop(io.waitScope, io.provider->getTimer(), 1 * kj::HOURS, [] {});
  }

  kj::AsyncIoContext io = kj::setupAsyncIo();
  rpc::SerialLoop loop;
  std::string dir;
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<backend::sim::SimBackend> backend;
  std::unique_ptr<runtime::Master> master;
  kj::Own<rpc::HttpEndpoint> endpoint;
  kj::Own<kj::NetworkAddress> address;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Endpoint* endpoint = new Endpoint();  // lives as long as the process
  endpoint->Exchange(data, size);
  return 0;
}
