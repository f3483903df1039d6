// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// Round trips of peloton-master's public API over a Unix socket: a forked server process runs
// the master (SQLite store in $TMPDIR or /tmp, local backend, no ticks, so nothing launches)
// holding one 1,000-instance job; the benchmarks call it as the CLI does.
//
//   BM_GetJob          job get of the 1,000-instance job
//   BM_HttpGetJob      the same job's v0 JobManager.Get over the HTTP/JSON endpoint (curl's
//                      request: yarpc's headers, JSON body), on its own Unix socket
//   BM_ListTasks/N     task list of N instances
//   BM_CreateJob       job create of a 1-instance job (validation, store, queueing)
//   BM_GuardedGetJob   BM_GetJob through the security file's guard (services/rpc/guard.h),
//                      logged in once as a user whose role accepts Get, on its own socket
//   BM_TlsGetJob       BM_GetJob over TLS on loopback TCP (the test CA of
//                      services/rpc/testdata, found from the repository's root, where `make
//                      bench` runs; skipped elsewhere)
//
// The GetJob benchmarks report each call's latency percentiles (p50_us, p99_us) too.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/fork_server.h"
#include "benchmark/benchmark.h"
#include "capnp/ez-rpc.h"
#include "kj/async-io.h"
#include "kj/compat/http.h"
#include "services/api/peloton.capnp.h"
#include "services/api/wire_util.h"
#include "services/backend/local/local_backend.h"
#include "services/rpc/guard.h"
#include "services/rpc/peloton_service.h"
#include "services/rpc/rpc_client.h"
#include "services/rpc/rpc_server.h"
#include "services/rpc/serial_loop.h"
#include "services/rpc/tls.h"
#include "services/rpc/yarpc_http.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"

namespace {

using peloton::api::Peloton;

std::string g_socket;
std::string g_http;     // the HTTP/JSON endpoint's socket
std::string g_guarded;  // the guarded API's socket
std::string g_tls;      // localhost:<port> of the API over TLS; empty without the test CA
constexpr char kTestdata[] = "services/rpc/testdata/";
constexpr char kSecurity[] = R"yaml(
users:
- {username: reader, password: readerpw, role: reader}
roles:
- {role: reader, accept: ['peloton.api.v0.job.JobManager:Get*'],
   reject: ['peloton.api.v0.job.JobManager:GetCache']}
)yaml";
std::string g_job;
std::string g_config;  // a serialized 1-instance JobConfig

std::string TmpDir() {
  const char* dir = std::getenv("TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

peloton::jobmgr::job_pb::JobConfig JobOf(uint32_t instances) {
  peloton::jobmgr::job_pb::JobConfig config;
  config.set_name("bench");
  config.set_instancecount(instances);
  config.mutable_defaultconfig()->mutable_command()->set_value("true");
  config.mutable_defaultconfig()->mutable_resource()->set_cpulimit(0.001);
  config.mutable_defaultconfig()->mutable_resource()->set_memlimitmb(1);
  return config;
}

// The server: runs until killed. Writes the job id to `ready` when it listens.
[[noreturn]] void Serve(int ready) {
  const std::string base = TmpDir() + "/peloton_rpc_bench";
  for (const char* suffix : {".db", ".db-wal", ".db-shm"}) std::remove((base + suffix).c_str());
  auto store = peloton::store::SqliteStore::Open({.path = base + ".db"});
  peloton::backend::HostInfo host;
  host.hostname = "h";
  host.capacity = peloton::Resources::Of(4000, 4096, 4096, 0);
  auto backend = peloton::backend::local::LocalBackend::Create(
      {"/bin/true", base + "_sandboxes", base + "_runners", {host}});
  if (!store.ok() || !backend.ok()) _exit(1);
  auto master = peloton::runtime::Master::Create(**store, **backend);
  if (!master.ok()) _exit(1);
  peloton::api::v0::respool::ResourcePoolConfig pool;
  pool.set_name("bench");
  auto* cpu = pool.add_resources();
  cpu->set_kind("cpu");
  cpu->set_limit(1);
  auto pool_id = (*master)->pools().CreatePool("/bench", pool);
  if (!pool_id.ok()) _exit(1);
  peloton::jobmgr::job_pb::JobConfig job = JobOf(1000);
  job.mutable_respoolid()->set_value(pool_id->value());
  auto job_id = (*master)->jobs().CreateJob(job);
  if (!job_id.ok()) _exit(1);
  peloton::rpc::SerialLoop loop;
  Peloton::Client api = kj::heap<peloton::rpc::PelotonService>(
      loop, (*master)->jobs(), (*master)->pools(), (*master)->hosts(), base + "_sandboxes");
  capnp::EzRpcServer server(api, g_socket);
  server.getPort().wait(server.getWaitScope());
  auto http = peloton::rpc::HttpEndpoint::Listen(server.getIoProvider(), g_http, {.api = api})
                  .wait(server.getWaitScope());
  auto auth = peloton::rpc::Authorizer::Parse(kSecurity);
  if (!auth.ok()) _exit(1);
  capnp::EzRpcServer guarded(
      peloton::rpc::Guard(api, std::make_shared<const peloton::rpc::Authorizer>(*auth)), g_guarded);
  guarded.getPort().wait(server.getWaitScope());
  auto tls = peloton::rpc::Tls::Server(absl::StrCat(kTestdata, "server.pem"),
                                       absl::StrCat(kTestdata, "server.key"));
  kj::Own<peloton::rpc::RpcServer> secured;
  if (tls.ok()) {
    peloton::rpc::ListenerOptions options;
    options.tls = &(*tls)->context();
    kj::AsyncIoProvider& io = server.getIoProvider();
    secured = peloton::rpc::RpcServer::Listen(io, io.getTimer(), "127.0.0.1:0", api, options)
                  .wait(server.getWaitScope());
  }
  const std::string id =
      absl::StrCat(job_id->value(), " ", secured.get() != nullptr ? secured->port() : 0);
  if (write(ready, id.data(), id.size()) != static_cast<ssize_t>(id.size())) _exit(1);
  close(ready);
  loop.Loop(server.getWaitScope(), server.getIoProvider().getTimer(), 3600 * kj::SECONDS, [] {});
  _exit(0);
}

// Each call's latency, for the percentiles.
class Latencies {
 public:
  void Start() { start_ = std::chrono::steady_clock::now(); }
  void Stop() {
    latencies_.push_back(std::chrono::duration<double, std::micro>(
                             std::chrono::steady_clock::now() - start_)
                             .count());
  }
  void Report(benchmark::State& state) {
    if (latencies_.empty()) return;
    std::sort(latencies_.begin(), latencies_.end());
    const auto at = [&](double q) {
      return latencies_[std::min(latencies_.size() - 1,
                                 static_cast<size_t>(q * static_cast<double>(latencies_.size())))];
    };
    state.counters["p50_us"] = at(0.50);
    state.counters["p99_us"] = at(0.99);
  }

 private:
  std::chrono::steady_clock::time_point start_;
  std::vector<double> latencies_;
};

// getJob of the job on `peloton`, timed call by call.
void GetJobs(benchmark::State& state, Peloton::Client& peloton, kj::WaitScope& wait) {
  Latencies latencies;
  for (auto _ : state) {
    latencies.Start();
    auto request = peloton.getJobRequest();
    request.setJobId(g_job);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) state.SkipWithError("getJob failed");
    latencies.Stop();
  }
  latencies.Report(state);
}

void BM_GetJob(benchmark::State& state) {
  capnp::EzRpcClient client(g_socket);
  Peloton::Client peloton = client.getMain<Peloton>();
  GetJobs(state, peloton, client.getWaitScope());
}
BENCHMARK(BM_GetJob)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_GuardedGetJob(benchmark::State& state) {
  capnp::EzRpcClient client(g_guarded);
  peloton::rpc::security::Credentials reader;
  reader.set_username("reader");
  reader.set_password("readerpw");
  auto in = peloton::rpc::LogIn(client.getMain(), reader).wait(client.getWaitScope());
  if (!in.ok()) {
    state.SkipWithError("login refused");
    return;
  }
  Peloton::Client peloton = in->castAs<Peloton>();
  GetJobs(state, peloton, client.getWaitScope());
}
BENCHMARK(BM_GuardedGetJob)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_TlsGetJob(benchmark::State& state) {
  auto tls = peloton::rpc::Tls::Client(absl::StrCat(kTestdata, "ca.pem"));
  if (g_tls.empty() || !tls.ok()) {
    state.SkipWithError("no test CA: run from the repository's root");
    return;
  }
  peloton::rpc::RpcClient client(g_tls, tls->get());
  Peloton::Client peloton = client.Main().castAs<Peloton>();
  GetJobs(state, peloton, client.wait_scope());
}
BENCHMARK(BM_TlsGetJob)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_HttpGetJob(benchmark::State& state) {
  kj::AsyncIoContext io = kj::setupAsyncIo();
  kj::HttpHeaderTable::Builder builder;
  const kj::HttpHeaderId headers[] = {builder.add("Rpc-Procedure"), builder.add("Rpc-Service"),
                                      builder.add("Rpc-Caller"), builder.add("Context-TTL-MS"),
                                      builder.add("Rpc-Encoding")};
  const char* values[] = {"JobManager.Get", "peloton-jobmgr", "peloton-client", "1000", "json"};
  auto table = builder.build();
  auto address = io.provider->getNetwork().parseAddress(g_http).wait(io.waitScope);
  auto client = kj::newHttpClient(io.provider->getTimer(), *table, *address);
  const std::string body = absl::StrCat(R"({"id": {"value": ")", g_job, R"("}})");
  Latencies latencies;
  for (auto _ : state) {
    latencies.Start();
    kj::HttpHeaders h(*table);
    h.set(kj::HttpHeaderId::CONTENT_TYPE, "application/json");
    for (size_t i = 0; i < std::size(headers); ++i) h.set(headers[i], values[i]);
    auto request = client->request(kj::HttpMethod::POST, "/api/v1", h, body.size());
    request.body->write(body.data(), body.size()).wait(io.waitScope);
    request.body = nullptr;
    auto response = request.response.wait(io.waitScope);
    const kj::String text = response.body->readAllText().wait(io.waitScope);
    if (response.statusCode != 200 || text.size() == 0) state.SkipWithError("JobManager.Get failed");
    latencies.Stop();
  }
  latencies.Report(state);
}
BENCHMARK(BM_HttpGetJob)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_ListTasks(benchmark::State& state) {
  capnp::EzRpcClient client(g_socket);
  Peloton::Client peloton = client.getMain<Peloton>();
  for (auto _ : state) {
    auto request = peloton.listTasksRequest();
    request.setJobId(g_job);
    request.setTo(static_cast<uint32_t>(state.range(0)));
    auto response = request.send().wait(client.getWaitScope());
    if (response.getTasks().size() != static_cast<unsigned>(state.range(0))) {
      state.SkipWithError("listTasks failed");
    }
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ListTasks)->Arg(10)->Arg(1000)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_CreateJob(benchmark::State& state) {
  capnp::EzRpcClient client(g_socket);
  Peloton::Client peloton = client.getMain<Peloton>();
  for (auto _ : state) {
    auto request = peloton.createJobRequest();
    request.setPoolPath("/bench");
    request.setJobConfig(peloton::api::Bytes(g_config));
    auto response = request.send().wait(client.getWaitScope());
    if (response.getStatus().getCode() != 0) state.SkipWithError("createJob failed");
  }
}
BENCHMARK(BM_CreateJob)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  g_socket = absl::StrCat("unix:", TmpDir(), "/peloton_rpc_bench.sock");
  std::remove(g_socket.substr(5).c_str());
  g_http = g_socket + ".http";
  std::remove(g_http.substr(5).c_str());
  g_guarded = g_socket + ".guarded";
  std::remove(g_guarded.substr(5).c_str());
  g_config = JobOf(1).SerializeAsString();
  peloton::bench::ForkedServer server = peloton::bench::ForkServer(Serve);
  if (!server.ok()) {
    std::fprintf(stderr, "rpc_benchmark: the server did not start\n");
    return 1;
  }
  // "<job id> <TLS port>" (port 0: no TLS server).
  g_job = server.ready.substr(0, server.ready.find(' '));
  const std::string port = server.ready.substr(server.ready.find(' ') + 1);
  if (port != "0") g_tls = "localhost:" + port;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  server.Stop();
  return 0;
}
