// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// sim_replay: a what-if on the sim backend. A workload of jobs (Philly's columns
// timestamp,duration,num_gpus,cluster) arrives by timestamp on a simulated GPU cluster; each
// `cluster` (tenant) is a leaf pool with an equal share and reservation. The whole scheduler
// runs (store, admission, preemption, placement, job states); the clock is simulated and
// advances --tick-seconds per scheduling tick, so months replay in minutes. Reports, per pool,
// the queueing delay (arrival -> every task running, p50/p99) and the time-averaged GPUs
// allocated, entitled, the gap between them, and the entitled GPUs a pool asked for and did
// not get.
//
//   sim_replay --workload=../shared/data/philly/philly.csv --hosts=300 --json
//
// A job of N GPUs is one task of N GPUs when N <= the GPUs of a host, else a gang of tasks of a
// host's GPUs each (the last takes the rest), all preemptible; each task runs for the job's
// duration.
//
// --pools=FILE replaces the equal pools with your own (Peloton's respool YAML per pool) and
// says which pool each tenant's jobs go to (a tenant not listed goes to the pool of "*", else
// to /<tenant>, which must then be one of the pools):
//
//   pools:
//   - path: /research
//     config: {resources: [{kind: gpu, reservation: 300, limit: 800, share: 2}, ...]}
//   - path: /research/vision
//     config: {resources: [...]}
//   tenants: {6214e9: /research/vision, 11cb48: /research, "*": /research}

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "bench/equal_pool.h"
#include "bench/report.h"
#include "bench/sim_replay_report.pb.h"
#include "services/api/yaml_proto.h"
#include "services/backend/sim/sim_backend.h"
#include "services/runtime/master.h"
#include "services/store/sqlite_store.h"
#include "spdlog/spdlog.h"
#include "yaml-cpp/yaml.h"

namespace {

using ::peloton::bench::Percentile;

[[noreturn]] void Die(const std::string& what) { ::peloton::bench::Die("sim_replay", what); }

template <typename T>
T Check(absl::StatusOr<T> v, const std::string& what) {
  return ::peloton::bench::OrDie("sim_replay", std::move(v), what);
}

using peloton::bench::PoolReport;
using peloton::bench::SimReplayReport;
using peloton::jobmgr::job_pb::JobConfig;

struct WorkloadJob {
  absl::Time arrival;
  double duration = 0;  // seconds
  int gpus = 0;
  std::string tenant;
};

// Philly's columns: timestamp (YYYY-MM-DD HH:MM:SS, UTC), duration (s), num_gpus, cluster.
std::vector<WorkloadJob> ReadWorkload(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die(absl::StrCat("cannot open workload '", path, "'"));
  std::string line;
  if (!std::getline(in, line)) Die(absl::StrCat(path, ": empty (rule: a header row)"));
  std::map<std::string, size_t> column;
  std::vector<std::string> names = absl::StrSplit(absl::StripAsciiWhitespace(line), ',');
  for (size_t i = 0; i < names.size(); ++i) column[names[i]] = i;
  for (const char* c : {"timestamp", "duration", "num_gpus", "cluster"}) {
    if (!column.contains(c)) {
      Die(absl::StrCat(path, ": no column '", c, "' (rule: timestamp,duration,num_gpus,cluster)"));
    }
  }
  std::vector<WorkloadJob> jobs;
  for (int line_no = 2; std::getline(in, line); ++line_no) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    std::vector<std::string> f = absl::StrSplit(absl::StripAsciiWhitespace(line), ',');
    const auto field = [&](const char* c) -> std::string {
      const size_t i = column[c];
      return i < f.size() ? f[i] : "";
    };
    WorkloadJob j;
    std::string error;
    double gpus = 0;
    if (!absl::ParseTime("%Y-%m-%d %H:%M:%S", field("timestamp"), absl::UTCTimeZone(), &j.arrival,
                         &error) ||
        !absl::SimpleAtod(field("duration"), &j.duration) || !(j.duration >= 0) ||
        !absl::SimpleAtod(field("num_gpus"), &gpus) || !(gpus >= 0) || field("cluster").empty()) {
      Die(absl::StrCat(path, ":", line_no,
                       ": a row needs a timestamp, a duration >= 0, num_gpus >= 0 and a cluster"));
    }
    j.gpus = static_cast<int>(gpus);
    j.tenant = field("cluster");
    jobs.push_back(std::move(j));
  }
  std::stable_sort(jobs.begin(), jobs.end(), [](const WorkloadJob& a, const WorkloadJob& b) {
    return a.arrival < b.arrival;
  });
  return jobs;
}

struct PoolsFile {
  std::vector<std::pair<std::string, peloton::resmgr::respool_pb::ResourcePoolConfig>> pools;
  std::map<std::string, std::string> tenants;  // tenant -> pool path
};

PoolsFile ReadPools(const std::string& path) {
  PoolsFile out;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    Die(absl::StrCat(path, ": ", e.what()));
  }
  if (!root["pools"] || !root["pools"].IsSequence()) {
    Die(absl::StrCat(path, ": pools: missing (rule: a list of {path, config})"));
  }
  for (size_t i = 0; i < root["pools"].size(); ++i) {
    const YAML::Node p = root["pools"][i];
    const std::string at = absl::StrCat(path, ": pools[", i, "]");
    if (!p["path"] || !p["path"].IsScalar()) Die(at + ".path: missing");
    peloton::resmgr::respool_pb::ResourcePoolConfig config;
    if (p["config"]) {
      YAML::Emitter e;
      e << p["config"];
      absl::StatusOr<std::vector<std::string>> ignored =
          peloton::api::YamlToProto(e.c_str(), config);
      if (!ignored.ok()) Die(absl::StrCat(at, ".config: ", ignored.status().message()));
    }
    out.pools.emplace_back(p["path"].as<std::string>(), std::move(config));
  }
  if (root["tenants"]) {
    if (!root["tenants"].IsMap()) Die(absl::StrCat(path, ": tenants: not a map"));
    for (const auto& kv : root["tenants"]) {
      out.tenants[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sim_replay: a GPU job workload on a simulated cluster, per-pool fairness report"};
  std::string workload, hosts_file, shape = "cpu=64,memory_mb=524288,gpus=8,gpu_model=P100", dir,
                                    pools_file;
  int hosts = 300, limit = 0;
  double tick_seconds = 300;
  bool json = false;
  app.add_option("--workload", workload, "jobs CSV (timestamp,duration,num_gpus,cluster)")
      ->required();
  app.add_option("--hosts", hosts, "generated hosts")->check(CLI::Range(1, 1'000'000));
  app.add_option("--host-shape", shape, "each generated host (sim backend shape)");
  app.add_option("--hosts-file", hosts_file, "or the hosts of a node list (openb columns)");
  app.add_option("--pools", pools_file, "your pools and which tenant goes where (YAML)")
      ->check(CLI::ExistingFile);
  app.add_option("--tick-seconds", tick_seconds, "simulated seconds per scheduling tick")
      ->check(CLI::PositiveNumber);
  app.add_option("--limit-jobs", limit, "only the first N jobs by arrival (0: all)");
  app.add_option("--dir", dir, "where the store goes (default: $TMPDIR or /tmp)");
  app.add_flag("--json", json, "print the report as one JSON object");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/peloton_sim_replay");
  }
  const absl::Time wall_start = absl::Now();
  std::vector<WorkloadJob> jobs = ReadWorkload(workload);
  if (limit > 0 && static_cast<size_t>(limit) < jobs.size()) jobs.resize(limit);
  if (jobs.empty()) Die("the workload has no jobs");

  std::vector<peloton::backend::HostInfo> host_list =
      hosts_file.empty() ? Check(peloton::backend::sim::GenerateHosts(hosts, shape), "--host-shape")
                         : Check(peloton::backend::sim::ReadHosts(hosts_file), "--hosts-file");
  peloton::Resources total;
  int gpus_per_host = 0;
  for (const auto& h : host_list) {
    total += h.capacity;
    gpus_per_host = std::max<int>(gpus_per_host, static_cast<int>(h.gpus.size()));
  }
  if (gpus_per_host == 0) Die("the hosts have no GPUs");

  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = Check(peloton::store::SqliteStore::Open({.path = dir + "/replay.db"}), "store");
  absl::Time sim_now = jobs.front().arrival;
  auto backend = Check(
      peloton::backend::sim::SimBackend::Create({host_list, 1, [&sim_now] { return sim_now; }}),
      "sim backend");
  // The job manager keeps the simulated time too: start and completion times, deadlines.
  peloton::runtime::MasterOptions master_options;
  master_options.jobs.now = [&sim_now] { return sim_now; };
  auto master = Check(peloton::runtime::Master::Create(*store, *backend, master_options), "master");

  // By default one leaf pool per tenant: equal reservations that add up to the cluster, limits
  // of all of it. With --pools, the user's pools.
  std::map<std::string, peloton::PoolId> pools;       // tenant -> its pool
  std::map<std::string, std::string> pool_of_tenant;  // tenant -> pool path
  if (!pools_file.empty()) {
    const PoolsFile file = ReadPools(pools_file);
    std::map<std::string, peloton::PoolId> by_path;
    for (const auto& [path, config] : file.pools) {
      by_path[path] = Check(master->pools().CreatePool(path, config), "--pools: pool " + path);
    }
    for (const WorkloadJob& j : jobs) {
      auto t = file.tenants.find(j.tenant);
      if (t == file.tenants.end()) t = file.tenants.find("*");
      const std::string path = t != file.tenants.end() ? t->second : "/" + j.tenant;
      auto id = by_path.find(path);
      if (id == by_path.end()) {
        Die(absl::StrCat("--pools: tenant ", j.tenant, " goes to ", path,
                         ", which is not one of the pools"));
      }
      pools[j.tenant] = id->second;
      pool_of_tenant[j.tenant] = path;
    }
  } else {
    for (const WorkloadJob& j : jobs) pools[j.tenant];
    for (auto& [tenant, id] : pools) {
      const auto c = peloton::bench::EqualPool(tenant, total, static_cast<int>(pools.size()));
      id = Check(master->pools().CreatePool(absl::StrCat("/", tenant), c), "pool " + tenant);
      pool_of_tenant[tenant] = "/" + tenant;
    }
  }

  struct Created {
    peloton::JobId id;
    absl::Time arrival;
    std::string tenant;
  };
  std::vector<Created> created;
  std::map<std::string, double> allocated_sum, entitled_sum, gap_sum, unmet_sum;
  size_t next = 0;
  int64_t ticks = 0;
  size_t active = 0;
  const absl::Duration tick = absl::Seconds(tick_seconds);
  while (next < jobs.size() || active > 0) {
    for (; next < jobs.size() && jobs[next].arrival <= sim_now; ++next) {
      const WorkloadJob& w = jobs[next];
      const int gpus = std::max(w.gpus, 1);
      const int tasks = (gpus + gpus_per_host - 1) / gpus_per_host;
      JobConfig c;
      c.set_name(absl::StrCat("job-", next));
      c.set_owningteam(w.tenant);
      c.set_instancecount(tasks);
      c.mutable_sla()->set_preemptible(true);
      if (tasks > 1) c.mutable_sla()->set_minimumrunninginstances(tasks);
      c.mutable_respoolid()->set_value(pools[w.tenant].value());
      const auto task_of = [&](peloton::jobmgr::task_pb::TaskConfig* t, int g) {
        t->mutable_resource()->set_cpulimit(4.0 * g);
        t->mutable_resource()->set_memlimitmb(16384.0 * g);
        t->mutable_resource()->set_disklimitmb(100);
        t->mutable_resource()->set_gpulimit(w.gpus == 0 ? 0 : g);
        auto* label = t->add_labels();
        label->set_key(std::string(peloton::backend::sim::kDurationLabel));
        label->set_value(absl::StrCat(w.duration));
        t->mutable_command()->set_shell(true);
        t->mutable_command()->set_value("train");
      };
      task_of(c.mutable_defaultconfig(), std::min(gpus, gpus_per_host));
      if (tasks > 1 && gpus % gpus_per_host != 0) {
        task_of(&(*c.mutable_instanceconfig())[tasks - 1], gpus % gpus_per_host);
      }
      created.push_back(
          {Check(master->jobs().CreateJob(std::move(c)), "job create"), w.arrival, w.tenant});
    }
    if (absl::Status s = master->Tick(); !s.ok()) Die(absl::StrCat("tick: ", s.message()));
    ++ticks;
    for (const peloton::resmgr::PoolInfo& p : master->pools().ListPools()) {
      if (p.children.size() > 0 || p.path == "/") continue;
      const std::string& tenant = p.path;
      const double allocated = p.allocation.total.milli_gpu() / 1000.0;
      const double entitled = p.entitlement.milli_gpu() / 1000.0;
      allocated_sum[tenant] += allocated;
      entitled_sum[tenant] += entitled;
      gap_sum[tenant] += std::abs(entitled - allocated);
      unmet_sum[tenant] +=
          std::max(0.0, std::min(entitled - allocated, p.demand.milli_gpu() / 1000.0));
    }
    sim_now += tick;
    active = store->ListActiveJobs().value_or(std::vector<peloton::JobId>{}).size();
  }

  SimReplayReport report;
  report.set_workload(workload);
  report.set_hosts(static_cast<int>(host_list.size()));
  report.set_gpus(static_cast<int>(total.milli_gpu() / 1000));
  report.set_jobs(static_cast<int>(jobs.size()));
  report.set_ticks(ticks);
  report.set_tick_seconds(tick_seconds);
  report.set_simulated_days(absl::ToDoubleHours(sim_now - jobs.front().arrival) / 24);
  std::map<std::string, std::vector<double>> delays;
  std::vector<double> all;
  int finished = 0;
  for (const Created& c : created) {
    const auto tasks = Check(master->jobs().ListTasks(c.id), "task list");
    absl::Time started = absl::InfinitePast();
    bool ran = !tasks.empty();
    for (const auto& t : tasks) {
      if (t.start_time == absl::UnixEpoch()) ran = false;
      started = std::max(started, t.start_time.time());
    }
    if (!ran) continue;
    ++finished;
    const double hours = std::max(0.0, absl::ToDoubleHours(started - c.arrival));
    delays[pool_of_tenant[c.tenant]].push_back(hours);
    all.push_back(hours);
  }
  report.set_jobs_finished(finished);
  report.set_delay_p50_hours(Percentile(all, 0.5));
  report.set_delay_p99_hours(Percentile(all, 0.99));
  for (const auto& [path, sum] : allocated_sum) {
    PoolReport* p = report.add_pools();
    p->set_pool(path);
    p->set_jobs(static_cast<int>(delays[path].size()));
    p->set_delay_p50_hours(Percentile(delays[path], 0.5));
    p->set_delay_p99_hours(Percentile(delays[path], 0.99));
    p->set_mean_gpus_allocated(sum / ticks);
    p->set_mean_gpus_entitled(entitled_sum[path] / ticks);
    p->set_mean_gap_gpus(gap_sum[path] / ticks);
    p->set_mean_unmet_gpus(unmet_sum[path] / ticks);
  }
  report.set_wall_seconds(absl::ToDoubleSeconds(absl::Now() - wall_start));
  ::peloton::bench::PrintJson(report, json);
  return 0;
}
