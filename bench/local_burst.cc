// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// local_burst: a burst of real tasks on the local backend, and how the API answers meanwhile
// (issue 24, part 2). The master's components run in a child process on the local backend (one
// host declaring --host-cpus cores, tasks as the backend's default user, cgroups where the
// machine allows), SQLite on disk, ticking every --tick-ms and launching at most
// --launch-budget-ms a tick, the backend's work (launches, ends) on its own thread, as
// peloton-master does; this process creates one job of --tasks instances of --command over
// Cap'n Proto, then asks `job get` every --probe-ms until all have SUCCEEDED. Reports task
// starts per second (create to all done) and the probes' latency: p50, p99 and max; then, as
// the machine's ceiling, the rate at which the same command starts bare (bare_starts_per_sec).
//
//   bazel build -c opt //bench:local_burst
//   .bazel/bin/bench/local_burst --tasks=1000 [--json]

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/equal_pool.h"
#include "bench/fork_server.h"
#include "bench/local_burst_report.pb.h"
#include "bench/report.h"
#include "capnp/ez-rpc.h"
#include "services/api/respool_convert.h"
#include "services/api/wire_util.h"
#include "services/backend/local/command.h"
#include "services/backend/local/local_backend.h"
#include "services/rpc/peloton_service.h"
#include "services/rpc/serial_loop.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"
#include "spdlog/spdlog.h"

namespace {

using peloton::bench::LocalBurstReport;
using peloton::bench::Percentile;

[[noreturn]] void Die(const std::string& what) { ::peloton::bench::Die("local_burst", what); }

template <typename T>
T Check(absl::StatusOr<T> v, const std::string& what) {
  return ::peloton::bench::OrDie("local_burst", std::move(v), what);
}

struct Flags {
  int64_t tasks = 1000;
  std::string command = "true";
  int host_cpus = 1000;
  int tick_ms = 100;
  int probe_ms = 10;
  int launch_budget_ms = 20;  // as the daemons; 0: every launch of a round in one tick
  bool launch_thread = true;  // as the daemons: launches on the backend's thread
  bool cgroups = true;        // as the daemons: tasks in cgroups where the machine allows
  std::string dir;
  std::string runner;
};

peloton::Resources HostCapacity(const Flags& f) {
  return peloton::Resources::Of(int64_t{1000} * f.host_cpus, int64_t{1} << 24, int64_t{1} << 24, 0);
}

// The master on the local backend in this (child) process, serving the API on `socket` until
// `stop` (a pipe's read end) reads end of file; then it ends as a master does, its backend
// removing the cgroups it kept (they would be the next run's to remove, while it measures).
[[noreturn]] void Serve(const Flags& f, const std::string& socket, int ready, int stop) {
  spdlog::set_level(spdlog::level::warn);
  auto store = Check(peloton::store::SqliteStore::Open({.path = f.dir + "/peloton.db"}), "store");
  peloton::backend::HostInfo host;
  host.hostname = host.agent_id = "local";
  host.capacity = HostCapacity(f);
  peloton::backend::local::LocalBackendOptions options{
      f.runner, f.dir + "/sandboxes", f.dir + "/runners", {host}, f.dir + "/volumes"};
  options.launch_thread = f.launch_thread;
  options.cgroups = f.cgroups;
  // As peloton-master's (runtime/process.cc): the data directory, the store in it, hidden from
  // tasks as one, and a fetch cache in it.
  options.private_dirs = {f.dir};
  options.fetch_cache_root = f.dir + "/fetch-cache";
  auto backend = Check(peloton::backend::local::LocalBackend::Create(options), "local backend");
  peloton::runtime::MasterOptions master_options;
  master_options.jobs.launch_budget = absl::Milliseconds(f.launch_budget_ms);
  auto master = Check(peloton::runtime::Master::Create(*store, *backend, std::move(master_options)),
                      "master");
  peloton::rpc::SerialLoop loop;
  capnp::EzRpcServer server(
      kj::heap<peloton::rpc::PelotonService>(loop, master->jobs(), master->pools(), master->hosts(),
                                             options.sandbox_root),
      socket);
  server.getPort().wait(server.getWaitScope());
  // As peloton-master's loop (runtime::Serve): what the backend has ready is taken at once.
  loop.TickWhenSignalled(server.getLowLevelIoProvider(), backend->ReadyFd());
  if (write(ready, "ok", 2) != 2) _exit(1);
  close(ready);
  loop.Loop(server.getWaitScope(), server.getIoProvider().getTimer(), f.tick_ms * kj::MILLISECONDS,
            [&] {
              if (absl::Status s = master->Tick(); !s.ok()) _exit(3);
              if (master->jobs().launches_deferred()) loop.TickSoon();
              pollfd p{stop, POLLIN, 0};
              if (poll(&p, 1, 0) == 1) loop.Stop();  // end of file: the run is over
            });
  master.reset();
  backend.reset();
  _exit(0);
}

// --tasks starts of --command, bare: its words (as the runner splits them; `sh -c` where it
// would need a shell) by posix_spawnp with this environment and its output to /dev/null, as
// many at once as there are cores, each waited for. Tasks per second from the first start to
// the last end.
double BareStartsPerSec(const Flags& f) {
  std::vector<std::string> words = {"sh", "-c", f.command};
  if (std::optional<std::vector<std::string>> direct =
          peloton::backend::local::DirectCommand(f.command);
      direct.has_value()) {
    words = *std::move(direct);
  }
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const int64_t width = std::max<int64_t>(1, std::thread::hardware_concurrency());
  int64_t started = 0, running = 0;
  const absl::Time t0 = absl::Now();
  while (started < f.tasks || running > 0) {
    while (started < f.tasks && running < width) {
      pid_t pid = -1;
      if (const int e = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
          e != 0) {
        Die(absl::StrCat("bare start of ", argv[0], ": ", std::strerror(e)));
      }
      ++started;
      ++running;
    }
    int status = 0;
    if (wait(&status) < 0) Die(absl::StrCat("bare starts: wait: ", std::strerror(errno)));
    --running;
  }
  posix_spawn_file_actions_destroy(&actions);
  return static_cast<double>(f.tasks) / absl::ToDoubleSeconds(absl::Now() - t0);
}

LocalBurstReport Run(const Flags& f) {
  using peloton::api::Peloton;
  const std::string socket = absl::StrCat("unix:/tmp/peloton_burst_", getpid(), ".sock");
  std::remove(socket.substr(5).c_str());
  int stop[2];
  if (pipe2(stop, O_CLOEXEC) != 0) Die("no pipe");
  peloton::bench::ForkedServer master = peloton::bench::ForkServer([&](int ready) {
    close(stop[1]);
    Serve(f, socket, ready, stop[0]);
  });
  close(stop[0]);
  if (!master.ok()) Die("the master did not start");
  capnp::EzRpcClient client(socket);
  Peloton::Client peloton = client.getMain<Peloton>();
  kj::WaitScope& wait = client.getWaitScope();
  const auto check = [](peloton::api::Status::Reader s, const char* what) {
    if (s.getCode() != 0) Die(absl::StrCat(what, ": ", s.getMessage().cStr()));
  };
  auto pool = peloton.createPoolRequest();
  pool.setPath("/burst");
  peloton::api::PoolConfigToCapnp(Check(peloton::api::PoolConfigFromProto(
                                            peloton::bench::EqualPool("burst", HostCapacity(f), 1)),
                                        "pool"),
                                  pool.initConfig());
  check(pool.send().wait(wait).getStatus(), "pool create");

  peloton::jobmgr::job_pb::JobConfig config;
  config.set_name("burst");
  config.set_owningteam("bench");
  config.set_instancecount(static_cast<uint32_t>(f.tasks));
  config.mutable_defaultconfig()->mutable_resource()->set_cpulimit(0.01);
  config.mutable_defaultconfig()->mutable_resource()->set_memlimitmb(32);
  config.mutable_defaultconfig()->mutable_command()->set_shell(true);
  config.mutable_defaultconfig()->mutable_command()->set_value(f.command);
  const std::string bytes = config.SerializeAsString();
  const absl::Time t0 = absl::Now();
  auto create = peloton.createJobRequest();
  create.setPoolPath("/burst");
  create.setJobConfig(peloton::api::Bytes(bytes));
  auto created = create.send().wait(wait);
  check(created.getStatus(), "job create");
  const std::string job = created.getJobId().cStr();

  std::vector<double> probes;
  int64_t failed = 0;
  for (;;) {
    const absl::Time asked = absl::Now();
    auto get = peloton.getJobRequest();
    get.setJobId(job);
    auto response = get.send().wait(wait);
    probes.push_back(absl::ToDoubleMilliseconds(absl::Now() - asked));
    check(response.getStatus(), "job get");
    int64_t done = 0;
    failed = 0;
    for (auto c : response.getJob().getTaskCounts()) {
      const std::string state = c.getState().cStr();
      if (state == "SUCCEEDED" || state == "FAILED") done += c.getCount();
      if (state == "FAILED") failed += c.getCount();
    }
    if (done == f.tasks) break;
    absl::SleepFor(absl::Milliseconds(f.probe_ms) - (absl::Now() - asked));
  }
  LocalBurstReport r;
  r.set_tasks(f.tasks);
  r.set_command(f.command);
  r.set_tick_ms(f.tick_ms);
  r.set_launch_budget_ms(f.launch_budget_ms);
  r.set_launch_thread(f.launch_thread);
  r.set_cgroups(f.cgroups);
  r.set_seconds(absl::ToDoubleSeconds(absl::Now() - t0));
  r.set_starts_per_sec(static_cast<double>(f.tasks) / r.seconds());
  r.set_failed(failed);
  r.set_probes(static_cast<int64_t>(probes.size()));
  r.set_probe_p50_ms(Percentile(probes, 0.5));
  r.set_probe_p99_ms(Percentile(probes, 0.99));
  r.set_probe_max_ms(Percentile(probes, 1.0));
  // Ended as a master is, within a few ticks; killed after 10 s.
  close(stop[1]);
  master.Stop(/*grace_ms=*/10'000);
  std::remove(socket.substr(5).c_str());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"local_burst: a burst of real tasks on the local backend, and the API meanwhile"};
  Flags f;
  app.add_option("--tasks", f.tasks, "instances of the job")->check(CLI::Range(1, 1'000'000));
  app.add_option("--command", f.command, "each task's shell command");
  app.add_option("--host-cpus", f.host_cpus, "cores the one local host declares")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--tick-ms", f.tick_ms, "the master's scheduling period")
      ->check(CLI::Range(1, 60'000));
  app.add_option("--launch-budget-ms", f.launch_budget_ms,
                 "a tick's launching at most (JobManagerOptions::launch_budget; 0: no limit)")
      ->check(CLI::Range(0, 60'000));
  app.add_option("--launch-thread", f.launch_thread,
                 "launches on the local backend's thread (LocalBackendOptions::launch_thread)");
  app.add_option("--cgroups", f.cgroups,
                 "tasks in cgroups where the machine allows (LocalBackendOptions::cgroups)");
  app.add_option("--probe-ms", f.probe_ms, "between two `job get` probes")
      ->check(CLI::Range(1, 60'000));
  app.add_option("--dir", f.dir,
                 "the store, sandboxes and runners' state (default: a new "
                 "directory under /var/tmp, where tasks may pass)");
  app.add_option("--runner", f.runner, "peloton-task-runner (default: the one built beside this)");
  bool json = false;
  app.add_flag("--json", json, "print the report as one JSON object");
  CLI11_PARSE(app, argc, argv);
  if (f.runner.empty()) {
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    f.runner =
        self.substr(0, self.rfind("/bench/")) + "/services/backend/local/peloton-task-runner";
  }
  const bool fresh = f.dir.empty();
  if (fresh) f.dir = absl::StrCat("/var/tmp/peloton_burst_", getpid());
  std::filesystem::remove_all(f.dir);
  std::filesystem::create_directories(f.dir);
  std::filesystem::permissions(f.dir, std::filesystem::perms(0711));
  spdlog::set_level(spdlog::level::warn);
  LocalBurstReport r = Run(f);
  if (fresh) std::filesystem::remove_all(f.dir);
  r.set_bare_starts_per_sec(BareStartsPerSec(f));
  ::peloton::bench::PrintJson(r, json);
  return r.failed() == 0 ? 0 : 1;
}
