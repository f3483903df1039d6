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

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "capnp/ez-rpc.h"
#include "kj/async-io.h"
#include "kj/timer.h"
#include "services/backend/local/local_backend.h"
#include "services/master/config.h"
#include "services/master/master.h"
#include "services/rpc/peloton_service.h"
#include "services/rpc/serial_loop.h"
#include "services/store/sqlite_store.h"
#include "spdlog/spdlog.h"

namespace {

namespace fs = std::filesystem;

// The task runner: --runner, else beside this binary, else in this binary's Bazel runfiles.
std::string FindRunner(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  for (const fs::path& candidate :
       {self.parent_path() / "peloton-task-runner",
        fs::path(self.string() + ".runfiles/peloton/services/backend/local/peloton-task-runner"),
        self.parent_path().parent_path() / "backend/local/peloton-task-runner"}) {
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "peloton-task-runner";
}

// A Unix socket left behind by a master that was killed: removed when nothing answers on it
// (a live master keeps it, and binding then fails with a clear message).
void RemoveStaleSocket(const std::string& listen) {
  if (listen.rfind("unix:", 0) != 0) return;
  const std::string path = listen.substr(5);
  struct sockaddr_un addr {};
  if (path.size() >= sizeof addr.sun_path) return;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const bool alive = connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) == 0;
  const int error = errno;
  close(fd);
  if (!alive && error == ECONNREFUSED) unlink(path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"peloton-master: Peloton's scheduler in one process"};
  std::string listen = "127.0.0.1:5391", data_dir = "./var", profile = "pack", runner,
              log_level = "info", sync = "normal";
  int local_hosts = 0, tick_ms = 100, preemption_ticks = 10, sustained = 3;
  app.add_option("--listen", listen, "address the API listens on (host:port or unix:PATH)");
  app.add_option("--data-dir", data_dir, "the store (peloton.db) and the task sandboxes");
  app.add_option("--local-hosts", local_hosts,
                 "split this machine into N virtual hosts (0: one host, the machine)")
      ->check(CLI::Range(0, 1024));
  app.add_option("--placement-profile", profile, "pack, best-fit, spread or gpu-frag");
  app.add_option("--tick-ms", tick_ms, "scheduling period in milliseconds")
      ->check(CLI::Range(1, 60'000));
  app.add_option("--runner", runner, "the peloton-task-runner binary");
  app.add_option("--preemption-period-ticks", preemption_ticks,
                 "run preemption every N ticks (0: never)")
      ->check(CLI::Range(0, 1'000'000));
  app.add_option("--sustained-over-allocation", sustained,
                 "preempt a pool after N preemption runs over its entitlement in a row")
      ->check(CLI::Range(1, 1000));
  app.add_option("--sync", sync, "SQLite synchronous mode")
      ->check(CLI::IsMember({"normal", "full"}));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  std::vector<std::string> config_files;
  app.add_option("--config", config_files,
                 "YAML configuration, repeatable: later files override earlier ones, flags "
                 "override files (e.g. config/master/base.yaml config/master/development.yaml)");
  CLI11_PARSE(app, argc, argv);

  // Files first, then the flags given on the command line.
  peloton::master::MasterConfig config;
  if (!config_files.empty()) {
    auto loaded = peloton::master::LoadMasterConfig(config_files);
    if (!loaded.ok()) {
      spdlog::error("--config: {}", std::string(loaded.status().message()));
      return 2;
    }
    config = *std::move(loaded);
  } else {
    peloton::master::FillDefaults(config);
  }
  const auto given = [&app](const char* flag) { return app.count(flag) > 0; };
  if (!given("--listen")) listen = config.listen();
  if (!given("--data-dir")) data_dir = config.data_dir();
  if (!given("--placement-profile")) profile = config.placement_profile();
  if (!given("--tick-ms")) tick_ms = static_cast<int>(config.tick_ms());
  if (!given("--preemption-period-ticks")) {
    preemption_ticks = static_cast<int>(config.preemption_period_ticks());
  }
  if (!given("--sustained-over-allocation")) {
    sustained = static_cast<int>(config.sustained_over_allocation());
  }
  if (!given("--sync")) sync = config.sync();
  if (!given("--log-level")) log_level = config.log_level();
  if (given("--local-hosts")) {
    config.clear_hosts();
    config.set_local_hosts(static_cast<uint32_t>(local_hosts));
  }
  spdlog::set_level(spdlog::level::from_str(log_level));

  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) {
    spdlog::error("--data-dir: cannot create {}: {}", data_dir, ec.message());
    return 2;
  }
  auto store = peloton::store::SqliteStore::Open(
      {.path = data_dir + "/peloton.db",
       .synchronous = sync == "full" ? peloton::store::SqliteSynchronous::kFull
                                     : peloton::store::SqliteSynchronous::kNormal});
  if (!store.ok()) {
    spdlog::error("{}", std::string(store.status().message()));
    return 2;
  }
  const std::string sandboxes = data_dir + "/sandboxes";
  fs::create_directories(sandboxes, ec);
  const peloton::backend::HostInfo machine = peloton::backend::local::DiscoverThisMachine(data_dir);
  auto local_hosts_of = peloton::master::LocalHostsOf(config, machine);
  if (!local_hosts_of.ok()) {
    spdlog::error("hosts: {}", std::string(local_hosts_of.status().message()));
    return 2;
  }
  const std::vector<peloton::backend::HostInfo> hosts = *std::move(local_hosts_of);
  auto backend =
      peloton::backend::local::LocalBackend::Create({FindRunner(runner), sandboxes, hosts});
  if (!backend.ok()) {
    spdlog::error("{}", std::string(backend.status().message()));
    return 2;
  }
  auto master = peloton::master::Master::Create(
      **store, **backend,
      {.placement_profile = profile,
       .preemption_period_ticks = preemption_ticks,
       .preemption = {.sustained_over_allocation_count = sustained}});
  if (!master.ok()) {
    spdlog::error("{}", std::string(master.status().message()));
    return 2;
  }
  if (absl::Status s = (*master)->Recover(); !s.ok()) {
    spdlog::error("recovery: {}", std::string(s.message()));
    return 1;
  }
  for (const auto& h : hosts) {
    spdlog::info("host {}: {}", h.hostname, h.capacity.ToString());
  }

  RemoveStaleSocket(listen);
  try {
    peloton::rpc::SerialLoop loop;
    capnp::EzRpcServer server(kj::heap<peloton::rpc::PelotonService>(loop, (*master)->jobs(),
                                                                     (*master)->pools(), sandboxes),
                              listen);
    auto& wait = server.getWaitScope();
    const unsigned port = server.getPort().wait(wait);
    spdlog::info("peloton-master listening on {} (port {}), data in {}", listen, port, data_dir);
    loop.Loop(wait, server.getIoProvider().getTimer(), tick_ms * kj::MILLISECONDS, [&] {
      if (absl::Status s = (*master)->Tick(); !s.ok()) {
        spdlog::error("tick: {}", std::string(s.message()));
      }
    });
  } catch (const kj::Exception& e) {
    spdlog::error("--listen {}: {}", listen, e.getDescription().cStr());
    return 2;
  }
  return 0;
}
