// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// update_bench: a rolling update of one big service job (issue 17, §4) on the sim backend and
// the SQLite store on disk, the master ticking back to back. A job of --instances runs on
// --hosts simulated hosts; then
//   1. an update to a new command with --batch-size: wall time to SUCCEEDED;
//   2. an update to a config whose health check fails (--fail-seconds after its start), with
//      rollbackOnFailure, maxInstanceAttempts 1, maxFailureInstances 1: wall time to
//      ROLLED_BACK;
// and for each, what the store wrote per updated instance (task runtime rows, pod event rows,
// transactions).
//
//   update_bench                      10,000 instances on 10,000 hosts, batches of 1,000
//   update_bench --instances=2000 --hosts=500 --batch-size=100

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/equal_pool.h"
#include "bench/report.h"
#include "services/backend/sim/sim_backend.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"
#include "spdlog/spdlog.h"

namespace {

using peloton::jobmgr::job_pb::JobConfig;
using peloton::taskfsm::UpdateState;

template <typename T>
T Check(absl::StatusOr<T> v, const std::string& what) {
  return ::peloton::bench::OrDie("update_bench", std::move(v), what);
}
[[noreturn]] void Die(const std::string& what) { ::peloton::bench::Die("update_bench", what); }

struct Flags {
  int hosts = 10'000;
  uint32_t instances = 10'000;
  uint32_t batch_size = 1'000;
  double fail_seconds = 1;
  double speed = 1;
  std::string dir;
};

// The job at `command`; a bad one fails its health checks (the sim's checks fail for it), so
// that its instances never count as done and end FAILED when the checks kill them.
JobConfig Service(const Flags& f, const std::string& command, bool bad) {
  JobConfig c;
  c.set_name("update-bench");
  c.set_owningteam("bench");
  c.set_type(peloton::jobmgr::job_pb::SERVICE);
  c.set_instancecount(f.instances);
  auto* task = c.mutable_defaultconfig();
  task->mutable_resource()->set_cpulimit(1);
  task->mutable_resource()->set_memlimitmb(256);
  task->mutable_resource()->set_disklimitmb(10);
  task->mutable_command()->set_shell(true);
  task->mutable_command()->set_value(command);
  auto* duration = task->add_labels();
  duration->set_key(std::string(peloton::backend::sim::kDurationLabel));
  duration->set_value("1e9");  // a service: runs until it is killed
  if (bad) {
    auto* healthy = task->add_labels();
    healthy->set_key(std::string(peloton::backend::sim::kHealthyLabel));
    healthy->set_value("false");
    auto* check = task->mutable_healthcheck();
    check->set_enabled(true);
    check->set_type(peloton::jobmgr::task_pb::HealthCheckConfig::COMMAND);
    check->mutable_commandcheck()->set_command("simulated");
    check->set_initialintervalsecs(static_cast<uint32_t>(std::max(1.0, f.fail_seconds)));
    check->set_intervalsecs(1);
    check->set_maxconsecutivefailures(1);
  }
  return c;
}

struct Result {
  double seconds = 0;
  UpdateState state = UpdateState::kInvalid;
  double runtime_rows_per_instance = 0;
  double pod_event_rows_per_instance = 0;
  double transactions_per_instance = 0;
};

Result RunUpdate(const Flags& f, peloton::runtime::Master& master,
                 peloton::store::SqliteStore& store, const peloton::JobId& job,
                 const JobConfig& config, const peloton::jobmgr::update_pb::UpdateConfig& update,
                 uint32_t updated) {
  const peloton::store::SqliteStore::Stats before = store.stats();
  const absl::Time t0 = absl::Now();
  const std::string id = Check(master.jobs().CreateUpdate(job, config, update), "update create");
  Result r;
  for (;;) {
    if (absl::Status s = master.Tick(); !s.ok()) Die(absl::StrCat("tick: ", s.message()));
    const peloton::jobmgr::UpdateView view = Check(master.jobs().GetUpdate(id), "update get");
    if (peloton::taskfsm::IsTerminal(view.record.state)) {
      r.state = view.record.state;
      break;
    }
    if (absl::Now() - t0 > absl::Minutes(10)) Die("the update did not end within 10 minutes");
  }
  r.seconds = absl::ToDoubleSeconds(absl::Now() - t0);
  const peloton::store::SqliteStore::Stats after = store.stats();
  r.runtime_rows_per_instance =
      static_cast<double>(after.task_runtime_rows - before.task_runtime_rows) / updated;
  r.pod_event_rows_per_instance =
      static_cast<double>(after.pod_event_rows - before.pod_event_rows) / updated;
  r.transactions_per_instance = static_cast<double>(after.batches - before.batches) / updated;
  return r;
}

void Print(const std::string& what, const Result& r) {
  std::cout << what << ": " << peloton::taskfsm::Name(r.state) << " in " << r.seconds
            << " s; per updated instance: " << r.runtime_rows_per_instance << " task runtime rows, "
            << r.pod_event_rows_per_instance << " pod event rows, " << r.transactions_per_instance
            << " transactions\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"update_bench: a rolling update of a big service job on simulated hosts"};
  Flags f;
  app.add_option("--hosts", f.hosts, "simulated hosts")->check(CLI::Range(1, 1'000'000));
  app.add_option("--instances", f.instances, "the job's instances")->check(CLI::Range(1, 100'000));
  app.add_option("--batch-size", f.batch_size, "instances updated at once (0: all)");
  app.add_option("--fail-seconds", f.fail_seconds,
                 "when the bad config's first health check fails (whole seconds, >= 1)")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--speed", f.speed, "simulated seconds per real second")
      ->check(CLI::PositiveNumber);
  app.add_option("--dir", f.dir, "where the store goes (default: $TMPDIR or /tmp)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  if (f.dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    f.dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/peloton_update_bench");
  }
  std::filesystem::remove_all(f.dir);
  std::filesystem::create_directories(f.dir);
  auto store = Check(peloton::store::SqliteStore::Open({.path = f.dir + "/bench.db"}), "store");
  auto hosts =
      Check(peloton::backend::sim::GenerateHosts(f.hosts, "cpu=32,memory_mb=262144"), "hosts");
  peloton::Resources cluster;
  for (peloton::ResourceKind k : peloton::kAllResourceKinds) {
    cluster[k] = hosts[0].capacity[k] * f.hosts;
  }
  auto backend =
      Check(peloton::backend::sim::SimBackend::Create({std::move(hosts), f.speed}), "sim");
  auto master = Check(peloton::runtime::Master::Create(*store, *backend, {}), "master");
  const peloton::PoolId pool = Check(
      master->pools().CreatePool("/bench", peloton::bench::EqualPool("bench", cluster, 1)), "pool");

  JobConfig v1 = Service(f, "v1", false);
  v1.mutable_respoolid()->set_value(pool.value());
  const peloton::JobId job = Check(master->jobs().CreateJob(v1), "job create");
  const absl::Time t0 = absl::Now();
  for (;;) {
    if (absl::Status s = master->Tick(); !s.ok()) Die(absl::StrCat("tick: ", s.message()));
    const auto view = Check(master->jobs().GetJob(job), "job get");
    if (view.task_counts[static_cast<int>(peloton::taskfsm::TaskState::kRunning)] == f.instances) {
      break;
    }
  }
  std::cout << f.instances << " instances running on " << f.hosts << " hosts in "
            << absl::ToDoubleSeconds(absl::Now() - t0) << " s\n";

  peloton::jobmgr::update_pb::UpdateConfig update;
  update.set_batchsize(f.batch_size);
  Print(absl::StrCat("update, batches of ", f.batch_size),
        RunUpdate(f, *master, *store, job, Service(f, "v2", false), update, f.instances));
  update.set_rollbackonfailure(true);
  update.set_maxinstanceattempts(1);
  update.set_maxfailureinstances(1);
  // Rolled back after the first batch fails: those instances are updated twice (there and back).
  Print("bad update, rolled back",
        RunUpdate(f, *master, *store, job, Service(f, "bad", true), update,
                  std::min(f.instances, f.batch_size == 0 ? f.instances : f.batch_size)));
  return 0;
}
