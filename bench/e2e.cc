// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// e2e: the whole scheduler end to end on the sim backend and the SQLite store on disk. Pools
// (equal shares), jobs of tasks that run for --task-seconds, every component ticking; reports
// how fast tasks go from `job create` to RUNNING and to SUCCEEDED, the scheduling latency, and
// the master's peak memory.
//
//   e2e                           10,000 hosts, 10 pools, 100,000 tasks, in-process
//   e2e --mode=rpc                the master in a child process, jobs created and followed
//                                 over Cap'n Proto as the CLI does
//   e2e --hosts=1000 --tasks=20000 --tick-ms=100 --json

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/e2e_report.pb.h"
#include "bench/equal_pool.h"
#include "bench/report.h"
#include "capnp/ez-rpc.h"
#include "kj/async-io.h"
#include "services/api/peloton.capnp.h"
#include "services/api/respool_convert.h"
#include "services/api/wire_util.h"
#include "services/backend/sim/sim_backend.h"
#include "services/cli/cli_util.h"
#include "services/rpc/peloton_service.h"
#include "services/rpc/serial_loop.h"
#include "services/runtime/heap.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"
#include "spdlog/spdlog.h"

namespace {

using ::peloton::bench::Percentile;

[[noreturn]] void Die(const std::string& what) { ::peloton::bench::Die("e2e", what); }

template <typename T>
T Check(absl::StatusOr<T> v, const std::string& what) {
  return ::peloton::bench::OrDie("e2e", std::move(v), what);
}

using peloton::bench::E2eReport;
using peloton::jobmgr::job_pb::JobConfig;
namespace respool_pb = peloton::resmgr::respool_pb;

struct Flags {
  std::string mode = "in-process";
  int hosts = 10'000;
  std::string host_shape = "cpu=32,memory_mb=262144";
  int pools = 10;
  int jobs = 10;
  int64_t tasks = 100'000;
  double task_seconds = 5;
  int tick_ms = 0;
  std::string dir;
  std::string profile = "pack";
  int dequeue_limit = 5000;
  bool until_running = false;      // stop once every task runs (to measure memory at its peak)
  std::string job_type = "batch";  // or "service": tasks that should run for ever
  int health_delay = 0;            // service tasks' health check: its first check (s); 0: no check
};

// Each pool reserves its share of the cluster and may use all of it.
respool_pb::ResourcePoolConfig PoolConfig(const Flags& f, int i) {
  const peloton::Resources host =
      Check(peloton::backend::sim::GenerateHosts(1, f.host_shape), "--host-shape")[0].capacity;
  peloton::Resources cluster;
  for (peloton::ResourceKind k : peloton::kAllResourceKinds) cluster[k] = host[k] * f.hosts;
  return peloton::bench::EqualPool(absl::StrCat("pool-", i), cluster, f.pools);
}

// Job j of f.jobs: its share of the tasks, preemptible (admitted against the entitlement).
JobConfig JobOf(const Flags& f, int j) {
  JobConfig c;
  c.set_name(absl::StrCat("e2e-", j));
  c.set_owningteam("bench");
  const int64_t per_job = f.tasks / f.jobs + (j < f.tasks % f.jobs ? 1 : 0);
  c.set_instancecount(static_cast<uint32_t>(per_job));
  c.mutable_sla()->set_preemptible(true);
  if (f.job_type == "service") c.set_type(peloton::jobmgr::job_pb::SERVICE);
  auto* task = c.mutable_defaultconfig();
  task->mutable_resource()->set_cpulimit(1);
  task->mutable_resource()->set_memlimitmb(256);
  task->mutable_resource()->set_disklimitmb(10);
  auto* label = task->add_labels();
  label->set_key(std::string(peloton::backend::sim::kDurationLabel));
  label->set_value(absl::StrCat(f.task_seconds));
  task->mutable_command()->set_shell(true);
  task->mutable_command()->set_value("simulated");
  if (f.health_delay > 0) {  // the sim's checks pass, one report each
    auto* check = task->mutable_healthcheck();
    check->set_enabled(true);
    check->set_type(peloton::jobmgr::task_pb::HealthCheckConfig::COMMAND);
    check->mutable_commandcheck()->set_command("simulated");
    check->set_initialintervalsecs(static_cast<uint32_t>(f.health_delay));
  }
  return c;
}

int64_t PeakRssKib() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

struct Fresh {
  std::unique_ptr<peloton::store::SqliteStore> store;
  std::unique_ptr<peloton::backend::sim::SimBackend> backend;
  std::unique_ptr<peloton::runtime::Master> master;
};

Fresh Start(const Flags& f) {
  std::filesystem::remove_all(f.dir);
  std::filesystem::create_directories(f.dir);
  Fresh m;
  m.store = Check(peloton::store::SqliteStore::Open({.path = f.dir + "/e2e.db"}), "store");
  m.backend =
      Check(peloton::backend::sim::SimBackend::Create(
                {Check(peloton::backend::sim::GenerateHosts(f.hosts, f.host_shape), "--hosts"), 1}),
            "sim backend");
  m.master = Check(
      peloton::runtime::Master::Create(
          *m.store, *m.backend,
          {.placement_profile = f.profile, .dequeue_limit = static_cast<size_t>(f.dequeue_limit)}),
      "master");
  return m;
}

E2eReport InProcess(const Flags& f) {
  using peloton::taskfsm::TaskState;
  Fresh m = Start(f);
  std::vector<peloton::PoolId> pools;
  for (int i = 0; i < f.pools; ++i) {
    pools.push_back(
        Check(m.master->pools().CreatePool(absl::StrCat("/pool-", i), PoolConfig(f, i)), "pool"));
  }
  E2eReport r;
  const size_t fixed = peloton::runtime::AllocatedBytes();
  const absl::Time t0 = absl::Now();
  std::vector<peloton::JobId> jobs;
  for (int j = 0; j < f.jobs; ++j) {
    JobConfig c = JobOf(f, j);
    c.mutable_respoolid()->set_value(pools[j % f.pools].value());
    jobs.push_back(Check(m.master->jobs().CreateJob(std::move(c)), "job create"));
  }
  r.set_create_seconds(absl::ToDoubleSeconds(absl::Now() - t0));
  r.set_heap_bytes_fixed(static_cast<double>(fixed));
  r.set_heap_bytes_per_task_created(
      static_cast<double>(static_cast<int64_t>(peloton::runtime::AllocatedBytes()) -
                          static_cast<int64_t>(fixed)) /
      static_cast<double>(f.tasks));
  size_t peak_heap = 0;
  absl::Time running = absl::InfinitePast(), healthy = absl::InfinitePast();
  for (;;) {
    const absl::Time tick = absl::Now();
    if (absl::Status s = m.master->Tick(); !s.ok()) Die(absl::StrCat("tick: ", s.message()));
    peak_heap = std::max(peak_heap, peloton::runtime::AllocatedBytes());
    int64_t ran = 0, done = 0;
    for (const peloton::JobId& id : jobs) {
      const auto view = Check(m.master->jobs().GetJobStatus(id), "job status");
      const auto& c = view.task_counts;
      done += c[int(TaskState::kSucceeded)] + c[int(TaskState::kFailed)];
      ran +=
          c[int(TaskState::kRunning)] + c[int(TaskState::kSucceeded)] + c[int(TaskState::kFailed)];
    }
    if (running == absl::InfinitePast() && ran == f.tasks) running = absl::Now();
    if (f.health_delay > 0 && running != absl::InfinitePast()) {
      int64_t n = 0;
      for (const peloton::JobId& id : jobs) {
        for (const auto& t : Check(m.master->jobs().ListTasks(id), "task list")) {
          n += t.healthy == peloton::taskfsm::HealthState::kHealthy;
        }
      }
      if (n == f.tasks) healthy = absl::Now();
    }
    if (done == f.tasks || (f.until_running && running != absl::InfinitePast() &&
                            (f.health_delay == 0 || healthy != absl::InfinitePast()))) {
      break;
    }
    if (f.tick_ms > 0) absl::SleepFor(absl::Milliseconds(f.tick_ms) - (absl::Now() - tick));
  }
  r.set_heap_bytes_per_task_peak(
      static_cast<double>(static_cast<int64_t>(peak_heap) - static_cast<int64_t>(fixed)) /
      static_cast<double>(f.tasks));
  r.set_to_running_seconds(absl::ToDoubleSeconds(running - t0));
  if (f.health_delay > 0) r.set_to_healthy_seconds(absl::ToDoubleSeconds(healthy - t0));
  r.set_to_succeeded_seconds(absl::ToDoubleSeconds(absl::Now() - t0));
  std::vector<double> latency;
  for (const peloton::JobId& id : jobs) {
    const auto view = Check(m.master->jobs().GetJob(id), "job get");
    for (const auto& t : Check(m.master->jobs().ListTasks(id), "task list")) {
      latency.push_back(absl::ToDoubleMilliseconds(t.start_time - view.runtime.creation_time));
    }
  }
  r.set_latency_p50_ms(Percentile(latency, 0.5));
  r.set_latency_p99_ms(Percentile(latency, 0.99));
  r.set_peak_rss_kib(PeakRssKib());
  latency = {};
  const peloton::store::SqliteStore::Stats written = m.store->stats();
  r.set_store_rows_per_sec((written.task_runtime_rows + written.pod_event_rows) /
                           absl::ToDoubleSeconds(absl::Now() - t0));
  r.set_store_transactions(static_cast<int64_t>(written.batches));
  r.set_heap_bytes_per_task(static_cast<double>(peloton::runtime::AllocatedBytes()) / f.tasks);

  return r;
}

// The master in this (child) process, serving the public API on `socket` and ticking every
// tick_ms (at least 1 ms, so that calls are served between ticks). Writes to `ready` once it
// listens.
[[noreturn]] void Serve(const Flags& f, const std::string& socket, int ready) {
  spdlog::set_level(spdlog::level::warn);
  Fresh m = Start(f);
  peloton::rpc::SerialLoop loop;
  capnp::EzRpcServer server(
      kj::heap<peloton::rpc::PelotonService>(loop, m.master->jobs(), m.master->pools(),
                                             m.master->hosts(), f.dir + "/sandboxes"),
      socket);
  server.getPort().wait(server.getWaitScope());
  if (write(ready, "ok", 2) != 2) _exit(1);
  close(ready);
  loop.Loop(server.getWaitScope(), server.getIoProvider().getTimer(),
            std::max(f.tick_ms, 1) * kj::MILLISECONDS, [&] {
              if (absl::Status s = m.master->Tick(); !s.ok()) _exit(3);
            });
  _exit(0);
}

int64_t PeakRssKibOf(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return 0;
}

// The same run, the master in a child process and this one its client over Cap'n Proto.
E2eReport OverRpc(const Flags& f) {
  using peloton::api::Peloton;
  // Unix socket paths are limited to 107 bytes: /tmp, not --dir.
  const std::string socket = absl::StrCat("unix:/tmp/peloton_e2e_", getpid(), ".sock");
  std::remove(socket.substr(5).c_str());
  int fds[2];
  if (pipe(fds) != 0) Die("pipe");
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    Serve(f, socket, fds[1]);
  }
  close(fds[1]);
  char ok[2];
  if (read(fds[0], ok, 2) != 2) Die("the master did not start");
  close(fds[0]);

  capnp::EzRpcClient client(socket);
  Peloton::Client peloton = client.getMain<Peloton>();
  kj::WaitScope& wait = client.getWaitScope();
  const auto check = [](peloton::api::Status::Reader s, const char* what) {
    if (s.getCode() != 0) Die(absl::StrCat(what, ": ", s.getMessage().cStr()));
  };
  for (int i = 0; i < f.pools; ++i) {
    auto request = peloton.createPoolRequest();
    request.setPath(absl::StrCat("/pool-", i));
    peloton::api::PoolConfigToCapnp(
        Check(peloton::api::PoolConfigFromProto(PoolConfig(f, i)), "pool"), request.initConfig());
    check(request.send().wait(wait).getStatus(), "pool create");
  }
  const absl::Time t0 = absl::Now();
  std::vector<std::string> jobs;
  for (int j = 0; j < f.jobs; ++j) {
    const std::string bytes = JobOf(f, j).SerializeAsString();
    auto request = peloton.createJobRequest();
    request.setPoolPath(absl::StrCat("/pool-", j % f.pools));
    request.setJobConfig(peloton::api::Bytes(bytes));
    auto response = request.send().wait(wait);
    check(response.getStatus(), "job create");
    jobs.push_back(response.getJobId().cStr());
  }
  E2eReport r;
  r.set_create_seconds(absl::ToDoubleSeconds(absl::Now() - t0));
  absl::Time running = absl::InfinitePast(), healthy = absl::InfinitePast();
  std::vector<int64_t> created(jobs.size());
  for (;;) {
    int64_t ran = 0, done = 0;
    for (size_t j = 0; j < jobs.size(); ++j) {
      auto request = peloton.getJobRequest();
      request.setJobId(jobs[j]);
      auto response = request.send().wait(wait);
      check(response.getStatus(), "job get");
      created[j] = response.getJob().getCreationTime();
      for (auto c : response.getJob().getTaskCounts()) {
        const std::string state = c.getState().cStr();
        if (state == "SUCCEEDED" || state == "FAILED") done += c.getCount();
        if (state == "RUNNING" || state == "SUCCEEDED" || state == "FAILED") ran += c.getCount();
      }
    }
    if (running == absl::InfinitePast() && ran == f.tasks) running = absl::Now();
    if (f.health_delay > 0 && running != absl::InfinitePast()) {
      int64_t n = 0;
      for (const std::string& id : jobs) {
        const peloton::cli::TaskPages pages = peloton::cli::ListAllTasks(peloton, wait, id, 0, 0);
        check(pages.back().getStatus(), "task list");
        for (const auto& page : pages) {
          for (auto t : page.getTasks()) n += t.getHealthy() == "HEALTHY";
        }
      }
      if (n == f.tasks) healthy = absl::Now();
    }
    if (done == f.tasks || (f.until_running && running != absl::InfinitePast() &&
                            (f.health_delay == 0 || healthy != absl::InfinitePast()))) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  r.set_to_running_seconds(absl::ToDoubleSeconds(running - t0));
  if (f.health_delay > 0) r.set_to_healthy_seconds(absl::ToDoubleSeconds(healthy - t0));
  r.set_to_succeeded_seconds(absl::ToDoubleSeconds(absl::Now() - t0));
  std::vector<double> latency;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const peloton::cli::TaskPages pages =
        peloton::cli::ListAllTasks(peloton, wait, jobs[j], 0, 0);
    check(pages.back().getStatus(), "task list");
    for (const auto& page : pages) {
      for (auto t : page.getTasks()) latency.push_back((t.getStartTime() - created[j]) / 1000.0);
    }
  }
  r.set_latency_p50_ms(Percentile(latency, 0.5));
  r.set_latency_p99_ms(Percentile(latency, 0.99));
  r.set_peak_rss_kib(PeakRssKibOf(child));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  std::remove(socket.substr(5).c_str());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"e2e: the scheduler end to end on simulated hosts"};
  Flags f;
  app.add_option("--mode", f.mode, "in-process or rpc")
      ->check(CLI::IsMember({"in-process", "rpc"}));
  app.add_option("--hosts", f.hosts, "simulated hosts")->check(CLI::Range(1, 10'000'000));
  app.add_option("--host-shape", f.host_shape, "each host: cpu=..,memory_mb=..,disk_mb=..,gpus=..");
  app.add_option("--pools", f.pools, "leaf pools, equal shares")->check(CLI::Range(1, 10'000));
  app.add_option("--jobs", f.jobs, "jobs, spread over the pools")->check(CLI::Range(1, 1'000'000));
  app.add_option("--tasks", f.tasks, "tasks in all")->check(CLI::Range(1, 100'000'000));
  app.add_option("--task-seconds", f.task_seconds, "each task's run time")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--tick-ms", f.tick_ms, "scheduling period (0: ticks back to back)")
      ->check(CLI::Range(0, 60'000));
  app.add_option("--placement-profile", f.profile, "pack, best-fit, spread or gpu-frag");
  app.add_option("--dequeue-limit", f.dequeue_limit, "gangs placed per tick at most")
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--dir", f.dir, "where the store goes (default: $TMPDIR or /tmp)");
  app.add_flag("--until-running", f.until_running,
               "stop once every task runs (the master's memory with all of them active)");
  app.add_option("--job-type", f.job_type,
                 "batch, or service (implies --until-running: a service's tasks never end)")
      ->check(CLI::IsMember({"batch", "service"}));
  app.add_option("--health-check-delay", f.health_delay,
                 "service tasks get a health check, first checked this many seconds after they "
                 "start (the sim's checks pass); the run ends once all are HEALTHY (0: no check)")
      ->check(CLI::Range(0, 86400));
  bool json = false;
  app.add_flag("--json", json, "print the report as one JSON object");
  CLI11_PARSE(app, argc, argv);
  if (f.health_delay > 0 && f.job_type != "service") {
    std::fprintf(stderr, "--health-check-delay: %d (rule: with --job-type=service only)\n",
                 f.health_delay);
    return 2;
  }
  if (f.job_type == "service") f.until_running = true;
  if (f.dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    f.dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/peloton_e2e");
  }
  spdlog::set_level(spdlog::level::warn);
  E2eReport r = f.mode == "rpc" ? OverRpc(f) : InProcess(f);
  r.set_mode(f.mode);
  r.set_job_type(f.job_type);
  r.set_health_check_delay_seconds(f.health_delay);
  r.set_hosts(f.hosts);
  r.set_pools(f.pools);
  r.set_jobs(f.jobs);
  r.set_tasks(f.tasks);
  r.set_task_seconds(f.task_seconds);
  r.set_tick_ms(f.tick_ms);
  r.set_tasks_per_sec_running(f.tasks / r.to_running_seconds());
  r.set_tasks_per_sec_succeeded(f.tasks / r.to_succeeded_seconds());
  r.set_rss_bytes_per_task(r.peak_rss_kib() * 1024.0 / f.tasks);
  ::peloton::bench::PrintJson(r, json);
  return 0;
}
