// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton: the command line of Peloton's verbs (reference §5.4), reading Peloton's own YAML
// files, talking to peloton-master.
//
//   peloton respool create /DefaultResPool examples/default_respool.yaml
//   peloton job create /DefaultResPool examples/testjob.yaml --wait
//   peloton task list <job-id>
//
// The master is --master, else $PELOTON_MASTER, else 127.0.0.1:5391. `-o json` prints what the
// master answered as JSON, for scripts. Exit status: 0 done, 1 the master refused (its message
// names the field and the rule), 2 bad usage or no master.

#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fmt/format.h"
#include "services/api/job.pb.h"
#include "services/api/peloton.capnp.h"
#include "services/api/respool_convert.h"
#include "services/api/task.pb.h"
#include "services/api/update.pb.h"
#include "services/api/wire_util.h"
#include "services/cli/cli_util.h"
#include "services/cli/discover.h"
#include "services/cli/stateless.h"
#include "services/common/version.h"

namespace {

using peloton::api::Peloton;
using peloton::api::Str;
using peloton::cli::Duration;
using peloton::cli::Global;
using peloton::cli::Health;
using peloton::cli::ListAllTasks;
using peloton::cli::LoadYaml;
using peloton::cli::MergePages;
using peloton::cli::ParseRange;
using peloton::cli::Print;
using peloton::cli::PrintConfig;
using peloton::cli::PrintUpdate;
using peloton::cli::Refused;
using peloton::cli::TaskPages;
using peloton::cli::Time;
using peloton::cli::WaitForUpdate;
using peloton::cli::WithMaster;

// Reads the pool config of a respool YAML file into `out`. Else says why on stderr and
// returns the exit status (LoadYaml's, or 1).
int PoolConfigOfFile(const std::string& file, peloton::fairshare::PoolConfig& out) {
  peloton::api::v0::respool::ResourcePoolConfig proto;
  if (const int loaded = LoadYaml(file, proto); loaded != 0) return loaded;
  if (!proto.parent().value().empty()) {
    std::cerr << "peloton: " << file << ": parent: set (rule: the parent is the path's; leave it "
              << "out of the file)\n";
    return 1;
  }
  auto config = peloton::api::PoolConfigFromProto(proto);
  if (!config.ok()) {
    std::cerr << "peloton: " << file << ": " << config.status().message() << "\n";
    return 1;
  }
  out = *std::move(config);
  return 0;
}

int RespoolCreate(const Global& g, const std::string& path, const std::string& file) {
  peloton::fairshare::PoolConfig config;
  if (const int read = PoolConfigOfFile(file, config); read != 0) return read;
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.createPoolRequest();
    request.setPath(path);
    peloton::api::PoolConfigToCapnp(config, request.initConfig());
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::CreatePoolResults::Reader(response));
    } else {
      std::cout << "Resource pool " << Str(response.getId()) << " created at " << path << "\n";
    }
    return 0;
  });
}

int RespoolUpdate(const Global& g, const std::string& path, const std::string& file) {
  peloton::fairshare::PoolConfig config;
  if (const int read = PoolConfigOfFile(file, config); read != 0) return read;
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.updatePoolRequest();
    request.setPath(path);
    peloton::api::PoolConfigToCapnp(config, request.initConfig());
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    std::cout << "Resource pool " << path << " updated\n";
    return 0;
  });
}

void PrintPoolHeader() {
  std::cout << fmt::format("{:<32} {:<36} {:>10} {:>10} {:>12} {:>12}\n", "PATH", "ID", "CPU RES",
                           "CPU LIMIT", "CPU ALLOC", "CPU ENTITLED");
}

void PrintPool(peloton::api::PoolSummary::Reader pool) {
  double reservation = 0, limit = 0;
  for (auto r : pool.getConfig().getResources()) {
    if (Str(r.getKind()) == "cpu") {
      reservation = r.getReservation();
      limit = r.getLimit();
    }
  }
  std::cout << fmt::format("{:<32} {:<36} {:>10g} {:>10g} {:>12g} {:>12g}\n", Str(pool.getPath()),
                           Str(pool.getId()), reservation, limit, pool.getAllocation().getCpu(),
                           pool.getEntitlement().getCpu());
}

int RespoolDump(const Global& g) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto response = peloton.listPoolsRequest().send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::ListPoolsResults::Reader(response));
      return 0;
    }
    PrintPoolHeader();
    for (auto pool : response.getPools()) PrintPool(pool);
    return 0;
  });
}

int RespoolGet(const Global& g, const std::string& path) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.getPoolRequest();
    request.setPath(path);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::GetPoolResults::Reader(response));
      return 0;
    }
    PrintPoolHeader();
    PrintPool(response.getPool());
    return 0;
  });
}

int RespoolDelete(const Global& g, const std::string& path) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.deletePoolRequest();
    request.setPath(path);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    std::cout << "Resource pool " << path << " deleted\n";
    return 0;
  });
}

// host maintenance start|complete: the same call shape, two verbs.
int HostMaintenance(const Global& g, bool start, const std::vector<std::string>& hosts) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    // The response must outlive the status read from it: both within this call.
    auto send = [&](auto request) {
      auto list = request.initHostnames(static_cast<unsigned>(hosts.size()));
      for (size_t i = 0; i < hosts.size(); ++i) list.set(i, hosts[i]);
      auto response = request.send().wait(wait);
      return response.getStatus().getCode() != 0 ? Refused(response.getStatus()) : 0;
    };
    const int refused = start ? send(peloton.startMaintenanceRequest())
                              : send(peloton.completeMaintenanceRequest());
    if (refused != 0) return refused;
    std::cout << (start ? "Maintenance started on " : "Maintenance completed on ")
              << absl::StrJoin(hosts, ", ") << "\n";
    return 0;
  });
}

int HostQuery(const Global& g) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto response = peloton.listHostsRequest().send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::ListHostsResults::Reader(response));
      return 0;
    }
    // Free of total, as placement sees it.
    const auto of = [](double free, double total) { return fmt::format("{:g}/{:g}", free, total); };
    std::cout << fmt::format("{:<32} {:<10} {:>6} {:>11} {:>17} {:>7} {:>11}  {}\n", "HOST",
                             "STATE", "TASKS", "CPU", "MEMORY_MB", "GPU", "SLACK_CPU",
                             "ATTRIBUTES");
    for (auto h : response.getHosts()) {
      std::vector<std::string> attributes;
      for (auto a : h.getAttributes()) {
        attributes.push_back(absl::StrCat(Str(a.getKey()), "=", Str(a.getValue())));
      }
      const auto free = h.getFree();
      const auto total = h.getCapacity();
      std::cout << fmt::format(
          "{:<32} {:<10} {:>6} {:>11} {:>17} {:>7} {:>11}  {}\n", Str(h.getHostname()),
          Str(h.getState()), h.getTasks(), of(free.getCpu(), total.getCpu()),
          of(free.getMemoryMb(), total.getMemoryMb()), of(free.getGpu(), total.getGpu()),
          of(h.getRevocableFreeCpu(), h.getRevocableCpu()), absl::StrJoin(attributes, ","));
    }
    return 0;
  });
}

// "RUNNING: 3, SUCCEEDED: 7"
std::string Counts(peloton::api::JobSummary::Reader job) {
  std::string out;
  for (auto c : job.getTaskCounts()) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", Str(c.getState()), ": ", c.getCount());
  }
  return out;
}

bool Terminal(const std::string& state) {
  return state == "SUCCEEDED" || state == "FAILED" || state == "KILLED" || state == "DELETED";
}

// --watch: `show` (which prints) again every `interval` seconds until the job `id` ends; what it
// prints is shown under a time line each time it changed. The first failure's status, else 0.
int Watch(const Global& g, const std::string& id, double interval,
          const std::function<int()>& show) {
  std::string last;
  while (true) {
    // Whether the job has ended is read first: what is shown after it is its last state.
    bool ended = false;
    const int checked = WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
      auto request = peloton.getJobRequest();
      request.setJobId(id);
      auto response = request.send().wait(wait);
      if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
      ended = Terminal(Str(response.getJob().getState()));
      return 0;
    });
    if (checked != 0) return checked;
    std::ostringstream out;
    std::streambuf* const saved = std::cout.rdbuf(out.rdbuf());
    const int shown = show();
    std::cout.rdbuf(saved);
    if (shown != 0) {
      std::cout << out.str() << std::flush;
      return shown;
    }
    if (out.str() != last) {
      std::cout << "--- " << Time(absl::ToUnixMicros(absl::Now())) << "\n" << out.str()
                << std::flush;
      last = out.str();
    }
    if (ended) return 0;
    absl::SleepFor(absl::Seconds(interval));
  }
}

int JobStatus(const Global& g, const std::string& id, bool full) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.getJobRequest();
    request.setJobId(id);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, response.getJob());
      return 0;
    }
    auto job = response.getJob();
    std::cout << "id: " << Str(job.getId()) << "\nname: " << Str(job.getName())
              << "\nstate: " << Str(job.getState()) << "\ngoal state: " << Str(job.getGoalState())
              << "\ninstances: " << job.getInstanceCount() << "\ntasks: " << Counts(job) << "\n";
    if (full) {
      std::cout << "owner: " << Str(job.getOwner()) << "\npool: " << Str(job.getPoolId())
                << "\ncreated: " << Time(job.getCreationTime())
                << "\nstarted: " << Time(job.getStartTime())
                << "\ncompleted: " << Time(job.getCompletionTime()) << "\n";
      peloton::api::v0::job::JobConfig config;
      if (peloton::api::ParseInto(response.getJobConfig(), config)) {
        PrintConfig(config);
      }
    }
    return 0;
  });
}

int JobCreate(const Global& g, const std::string& pool, const std::string& file, bool wait_end) {
  peloton::api::v0::job::JobConfig config;
  if (const int loaded = LoadYaml(file, config); loaded != 0) return loaded;
  const std::string bytes = config.SerializeAsString();
  std::string job_id;
  const int created = WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.createJobRequest();
    request.setPoolPath(pool);
    request.setJobConfig(peloton::api::Bytes(bytes));
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    job_id = Str(response.getJobId());
    if (g.output != "table") {
      Print(g, Peloton::CreateJobResults::Reader(response));
    } else {
      std::cout << "Job " << job_id << " created\n";
    }
    return 0;
  });
  if (created != 0 || !wait_end) return created;
  // --wait: progress until the job is terminal.
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    std::string last;
    while (true) {
      auto request = peloton.getJobRequest();
      request.setJobId(job_id);
      auto response = request.send().wait(wait);
      if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
      const std::string state = Str(response.getJob().getState());
      const std::string line = absl::StrCat(state, " (", Counts(response.getJob()), ")");
      if (line != last) std::cout << line << "\n" << std::flush;
      last = line;
      if (Terminal(state)) return state == "SUCCEEDED" ? 0 : 1;
      usleep(200'000);
    }
  });
}

int JobUpdate(const Global& g, const std::string& id, const std::string& file) {
  peloton::api::v0::job::JobConfig config;
  if (const int loaded = LoadYaml(file, config); loaded != 0) return loaded;
  const std::string bytes = config.SerializeAsString();
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.updateJobRequest();
    request.setJobId(id);
    request.setJobConfig(peloton::api::Bytes(bytes));
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::UpdateJobResults::Reader(response));
    } else if (response.getAddedInstances() == 0) {
      std::cout << "Job " << id << " unchanged\n";
    } else {
      std::cout << "Job " << id << ": " << response.getAddedInstances() << " instances added\n";
    }
    return 0;
  });
}

int JobStop(const Global& g, const std::string& id) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.stopJobRequest();
    request.setJobId(id);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    std::cout << "Job " << id << " stopping\n";
    return 0;
  });
}

struct QueryFlags {
  std::string pool, owner, name;
  std::vector<std::string> labels, keywords, states;
  uint32_t offset = 0, limit = 0;
};

int JobQuery(const Global& g, const QueryFlags& q) {
  std::vector<std::pair<std::string, std::string>> labels;
  for (const std::string& l : q.labels) {
    const size_t eq = l.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "peloton: --label: '" << l << "' (rule: KEY=VALUE)\n";
      return 2;
    }
    labels.emplace_back(l.substr(0, eq), l.substr(eq + 1));
  }
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.queryJobsRequest();
    request.setPoolPath(q.pool);
    request.setOwner(q.owner);
    request.setName(q.name);
    auto out_labels = request.initLabels(static_cast<unsigned>(labels.size()));
    for (size_t i = 0; i < labels.size(); ++i) {
      out_labels[static_cast<unsigned>(i)].setKey(labels[i].first);
      out_labels[static_cast<unsigned>(i)].setValue(labels[i].second);
    }
    auto keywords = request.initKeywords(static_cast<unsigned>(q.keywords.size()));
    for (size_t i = 0; i < q.keywords.size(); ++i)
      keywords.set(static_cast<unsigned>(i), q.keywords[i]);
    auto states = request.initStates(static_cast<unsigned>(q.states.size()));
    for (size_t i = 0; i < q.states.size(); ++i) states.set(static_cast<unsigned>(i), q.states[i]);
    request.setOffset(q.offset);
    request.setLimit(q.limit);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::QueryJobsResults::Reader(response));
      return 0;
    }
    std::cout << fmt::format("{:<36}  {:<24} {:<12} {:<10} {:>9}  {}\n", "ID", "Name", "Owner",
                             "State", "Instances", "Created");
    for (auto j : response.getJobs()) {
      std::cout << fmt::format("{:<36}  {:<24} {:<12} {:<10} {:>9}  {}\n", Str(j.getId()),
                               Str(j.getName()), Str(j.getOwner()), Str(j.getState()),
                               j.getInstanceCount(), Time(j.getCreationTime()));
    }
    std::cout << response.getJobs().size() << " of " << response.getTotal() << " jobs\n";
    return 0;
  });
}

int JobDelete(const Global& g, const std::string& id) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.deleteJobRequest();
    request.setJobId(id);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    std::cout << "Job " << id << " deleted\n";
    return 0;
  });
}

int TaskList(const Global& g, const std::string& id, const std::string& range) {
  uint32_t from = 0, to = 0;
  if (!ParseRange(range, from, to)) return 2;
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    const TaskPages pages = ListAllTasks(peloton, wait, id, from, to);
    if (pages.back().getStatus().getCode() != 0) return Refused(pages.back().getStatus());
    if (g.output != "table") {
      capnp::MallocMessageBuilder merged;
      Print(g, MergePages(pages, merged).getTasks());
      return 0;
    }
    constexpr std::string_view kRow = "{:>8}  {:<10} {:<20} {:<19} {:>9} {:>8}  {:<14} {}\n";
    std::cout << fmt::format(kRow, "Instance", "State", "Host", "Start Time", "Run Time",
                             "Failures", "Health", "Message");
    for (const auto& page : pages) {
      for (auto t : page.getTasks()) {
        std::cout << fmt::format(kRow, t.getInstanceId(), Str(t.getState()), Str(t.getHost()),
                                 Time(t.getStartTime()),
                                 Duration(t.getStartTime(), t.getCompletionTime()),
                                 t.getFailureCount(), Health(t.getHealthy()),
                                 Str(t.getMessage()));
      }
    }
    return 0;
  });
}

enum class RangeVerb { kStop, kStart, kRestart };

// task stop / start / restart over instances [from, to) (all without a range).
int TaskRangeVerb(const Global& g, const std::string& id, const std::string& range,
                  RangeVerb verb) {
  uint32_t from = 0, to = 0;
  if (!ParseRange(range, from, to)) return 2;
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) -> int {
    const auto send = [&](auto request) -> int {
      request.setJobId(id);
      request.setFrom(from);
      request.setTo(to);
      auto response = request.send().wait(wait);
      return response.getStatus().getCode() != 0 ? Refused(response.getStatus()) : 0;
    };
    const int sent = verb == RangeVerb::kStop    ? send(peloton.stopTasksRequest())
                     : verb == RangeVerb::kStart ? send(peloton.startTasksRequest())
                                                 : send(peloton.restartTasksRequest());
    if (sent != 0) return sent;
    const char* what = verb == RangeVerb::kStop    ? "Stopping"
                       : verb == RangeVerb::kStart ? "Starting"
                                                   : "Restarting";
    std::cout << what << " instances " << (range.empty() ? "(all)" : range) << " of job " << id
              << "\n";
    return 0;
  });
}

int TaskGet(const Global& g, const std::string& id, uint32_t instance) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.getTaskRequest();
    request.setJobId(id);
    request.setInstanceId(instance);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, response.getTask());
      return 0;
    }
    auto t = response.getTask();
    std::cout << "instance: " << t.getInstanceId() << "\nstate: " << Str(t.getState())
              << "\ngoal state: " << Str(t.getGoalState())
              << "\nmesos task id: " << Str(t.getMesosTaskId()) << "\nhost: " << Str(t.getHost())
              << "\nstarted: " << Time(t.getStartTime())
              << "\ncompleted: " << Time(t.getCompletionTime())
              << "\nfailures: " << t.getFailureCount() << "\nhealth: " << Health(t.getHealthy())
              << "\nreason: " << Str(t.getReason()) << "\nmessage: " << Str(t.getMessage()) << "\n";
    peloton::api::v0::task::TaskConfig config;
    if (peloton::api::ParseInto(response.getTaskConfig(), config)) {
      PrintConfig(config);
    }
    return 0;
  });
}

int TaskEvents(const Global& g, const std::string& id, uint32_t instance, uint32_t runs) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.taskEventsRequest();
    request.setJobId(id);
    request.setInstanceId(instance);
    request.setRuns(runs);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, response.getEvents());
      return 0;
    }
    constexpr std::string_view kRow = "{:>4}  {:<19} {:<10} {:<10} {:<20} {:<14} {}\n";
    std::cout << fmt::format(kRow, "Run", "Time", "State", "Goal", "Host", "Health", "Message");
    for (auto e : response.getEvents()) {
      std::cout << fmt::format(kRow, e.getRunId(), Time(e.getTime()), Str(e.getState()),
                               Str(e.getGoalState()), Str(e.getHost()), Health(e.getHealthy()),
                               Str(e.getMessage()));
    }
    return 0;
  });
}

// The file's last `length` bytes (offset -1), or `length` from `offset`; 0: the server's 1 MiB.
// Says on stderr when that is not the whole file. With `follow`, goes on printing what the run
// writes, a read a second, until it has ended (or another run took its place) and all it wrote
// is printed.
int TaskLogs(const Global& g, const std::string& id, uint32_t instance, const std::string& file,
             int64_t offset, uint32_t length, bool follow) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    std::string run;
    int64_t from = offset;
    while (true) {
      auto request = peloton.taskLogsRequest();
      request.setJobId(id);
      request.setInstanceId(instance);
      request.setFile(file);
      request.setOffset(from);
      request.setLength(follow && from >= 0 ? peloton::api::MAX_LOG_BYTES : length);
      auto response = request.send().wait(wait);
      // The instance is there, its run has no file yet: a follower waits for it.
      const bool not_yet =
          response.getStatus().getCode() == static_cast<int>(absl::StatusCode::kNotFound) &&
          response.getTaskId().size() > 0;
      if (follow && not_yet && !response.getEnded() &&
          (run.empty() || run == Str(response.getTaskId()))) {
        run = Str(response.getTaskId());
        absl::SleepFor(absl::Seconds(1));
        continue;
      }
      if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
      const auto content = response.getContent();
      std::cout.write(reinterpret_cast<const char*>(content.begin()),
                      static_cast<std::streamsize>(content.size()));
      std::cout.flush();
      if (!follow) {
        if (content.size() < response.getSize()) {
          std::cerr << "peloton: bytes " << response.getOffset() << " to "
                    << response.getOffset() + content.size() << " of " << response.getSize()
                    << "; --offset and --length (at most 4194304) show others\n";
        }
        return 0;
      }
      const std::string now = Str(response.getTaskId());
      if (run.empty()) run = now;
      from = static_cast<int64_t>(response.getOffset() + content.size());
      if (content.size() > 0) continue;
      if (response.getEnded() || now != run) return 0;
      absl::SleepFor(absl::Seconds(1));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// update: v0 UpdateService

struct UpdateFlags {
  uint32_t batch_size = 0;
  uint32_t max_attempts = 0;
  uint32_t max_failure_instances = 0;
  bool rollback_on_failure = false;
  bool start_paused = false;
  bool in_place = false;
  std::string opaque_data;
  uint64_t entity_version = 0;
  uint32_t limit = 10;
  bool wait = false;
};

int UpdateCreate(const Global& g, const std::string& job, const std::string& file,
                 const std::string& pool, const UpdateFlags& f) {
  peloton::api::v0::job::JobConfig config;
  if (const int loaded = LoadYaml(file, config); loaded != 0) return loaded;
  peloton::api::v0::update::UpdateConfig update;
  update.set_batchsize(f.batch_size);
  update.set_maxinstanceattempts(f.max_attempts);
  update.set_maxfailureinstances(f.max_failure_instances);
  update.set_rollbackonfailure(f.rollback_on_failure);
  update.set_startpaused(f.start_paused);
  update.set_inplace(f.in_place);
  const std::string config_bytes = config.SerializeAsString();
  const std::string update_bytes = update.SerializeAsString();
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.createUpdateRequest();
    request.setJobId(job);
    request.setJobConfig(peloton::api::Bytes(config_bytes));
    request.setPoolPath(pool);
    request.setUpdateConfig(peloton::api::Bytes(update_bytes));
    request.setOpaqueData(f.opaque_data);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    const std::string id = Str(response.getUpdateId());
    if (g.output != "table") {
      Print(g, Peloton::CreateUpdateResults::Reader(response));
    } else {
      std::cout << "Update " << id << " created\n" << std::flush;
    }
    return f.wait ? WaitForUpdate(peloton, wait, id) : 0;
  });
}

int UpdateGet(const Global& g, const std::string& id) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.getUpdateRequest();
    request.setUpdateId(id);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, response.getUpdate());
    } else {
      PrintUpdate(response.getUpdate());
    }
    return 0;
  });
}

int UpdateList(const Global& g, const std::string& job, uint32_t limit) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.listUpdatesRequest();
    request.setJobId(job);
    request.setLimit(limit);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::ListUpdatesResults::Reader(response));
      return 0;
    }
    constexpr std::string_view kRow = "{:<36}  {:<16}  {:>9}  {:>11}  {:<19}\n";
    std::cout << fmt::format(kRow, "Update", "State", "Versions", "Done/Total", "Created");
    for (auto u : response.getUpdates()) {
      std::cout << fmt::format(kRow, Str(u.getUpdateId()), Str(u.getState()),
                               absl::StrCat(u.getPrevConfigVersion(), "->", u.getConfigVersion()),
                               absl::StrCat(u.getInstancesDone(), "/", u.getInstancesTotal()),
                               Time(u.getCreationTime()));
    }
    return 0;
  });
}

// pause, resume, abort: the same call shape.
template <typename MakeRequest>
int UpdateChange(const Global& g, const std::string& id, const UpdateFlags& f,
                 std::string_view done, MakeRequest&& make) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = make(peloton);
    request.setUpdateId(id);
    request.setEntityVersion(f.entity_version);
    request.setOpaqueData(f.opaque_data);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    std::cout << "Update " << id << " " << done << "\n";
    return 0;
  });
}

// job rolling-restart|rolling-start|rolling-stop, and task restart --batch-size.
int RollingWorkflow(const Global& g, const std::string& job, const std::string& kind,
                    uint32_t batch_size, const std::string& range, bool wait_end) {
  uint32_t from = 0, to = 0;
  if (!ParseRange(range, from, to)) return 2;
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.rollingWorkflowRequest();
    request.setJobId(job);
    request.setKind(kind);
    request.setFrom(from);
    request.setTo(to);
    request.setBatchSize(batch_size);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    const std::string id = Str(response.getUpdateId());
    std::cout << "Rolling " << kind << " " << id << " of job " << job << " instances "
              << (range.empty() ? "(all)" : range) << "\n"
              << std::flush;
    return wait_end ? WaitForUpdate(peloton, wait, id) : 0;
  });
}

int UpdateRollback(const Global& g, const std::string& id, bool wait_end) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.rollbackUpdateRequest();
    request.setUpdateId(id);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    const std::string next = Str(response.getUpdateId());
    std::cout << "Update " << next << " rolls back update " << id << "\n" << std::flush;
    return wait_end ? WaitForUpdate(peloton, wait, next) : 0;
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"peloton: run jobs on peloton-master"};
  app.require_subcommand(1);
  // Global options (-o, --master) may also follow the verb.
  app.fallthrough();
  Global g;
  const char* env = std::getenv("PELOTON_MASTER");
  g.master = env != nullptr && *env != '\0' ? env : "127.0.0.1:5391";
  app.add_option("--master", g.master,
                 "peloton-master's address (default $PELOTON_MASTER or 127.0.0.1:5391); or "
                 "job managers' (a,b: the first that answers), or zk://host:port/peloton/jobmgr "
                 "(one in ZooKeeper)");
  app.add_option("-z,--zkservers", g.zk,
                 "the job managers in ZooKeeper, host:port[,host:port] (instead of --master; "
                 "Peloton's -z)")
      ->check([](const std::string& servers) {
        return servers.empty() ? std::string("empty (rule: host:port[,host:port])") : "";
      });
  app.add_option("--zkroot", g.zk_root, "the ZooKeeper root the components use (with -z)")
      ->default_str("/peloton")
      ->check([](const std::string& root) {
        return absl::StartsWith(root, "/") && !absl::EndsWith(root, "/")
                   ? std::string()
                   : "'" + root + "' (rule: an absolute path without a trailing '/': /peloton)";
      });
  app.add_option("--basicAuthConfig", g.basic_auth_config,
                 "log in with the username and password of this YAML file (a master with a "
                 "security file, --auth-config)")
      ->check(CLI::ExistingFile);
  app.add_flag("--tls", g.tls,
               "TLS to a TCP master (its host named as its certificate names it), trusting the "
               "system's certificate store");
  app.add_option("--tls-ca", g.tls_ca, "TLS, trusting the CA certificates of this PEM file")
      ->check(CLI::ExistingFile);
  app.add_option("-o,--output", g.output, "table, json or yaml")
      ->check(CLI::IsMember({"table", "json", "yaml"}));
  int status = 0;

  CLI::App* respool =
      app.add_subcommand("respool", "resource pools")->require_subcommand(1)->fallthrough();
  std::string path, file;
  CLI::App* rc = respool->add_subcommand("create", "create a pool from a YAML file");
  rc->add_option("path", path, "the pool's path, e.g. /DefaultResPool")->required();
  rc->add_option("file", file, "Peloton's respool YAML")->required()->check(CLI::ExistingFile);
  rc->callback([&] { status = RespoolCreate(g, path, file); });
  respool->add_subcommand("dump", "every pool, with its allocation and entitlement")->callback([&] {
    status = RespoolDump(g);
  });
  CLI::App* rg = respool->add_subcommand("get", "one pool, with its allocation and entitlement");
  rg->add_option("path", path, "the pool's path")->required();
  rg->callback([&] { status = RespoolGet(g, path); });
  CLI::App* ru = respool->add_subcommand("update",
                                         "change a pool's config (checked against its "
                                         "parent and children)");
  ru->add_option("path", path, "the pool's path")->required();
  ru->add_option("file", file, "Peloton's respool YAML")->required()->check(CLI::ExistingFile);
  ru->callback([&] { status = RespoolUpdate(g, path, file); });
  CLI::App* rd = respool->add_subcommand("delete", "delete a leaf pool with nothing in it");
  rd->add_option("path", path, "the pool's path")->required();
  rd->callback([&] { status = RespoolDelete(g, path); });

  CLI::App* job = app.add_subcommand("job", "jobs")->require_subcommand(1)->fallthrough();
  std::string job_id;
  bool wait_end = false;
  CLI::App* jc = job->add_subcommand("create", "create a job from Peloton's job YAML");
  jc->add_option("respool", path, "the leaf pool's path")->required();
  jc->add_option("file", file, "Peloton's job YAML")->required()->check(CLI::ExistingFile);
  jc->add_flag("--wait", wait_end, "show progress until the job ends (exit 0 if it succeeded)");
  jc->callback([&] { status = JobCreate(g, path, file, wait_end); });
  CLI::App* jg = job->add_subcommand("get", "the job's summary and configuration");
  jg->add_option("job", job_id, "job id")->required();
  jg->callback([&] { status = JobStatus(g, job_id, true); });
  bool watch = false;
  double interval = 1;
  const auto add_watch = [&](CLI::App* verb) {
    verb->add_flag("--watch", watch, "print it again as it changes, until the job ends");
    verb->add_option("--interval", interval, "seconds between looks with --watch (default 1)")
        ->check(CLI::Range(0.05, 3600.0));
  };
  CLI::App* js = job->add_subcommand("status", "the job's state and its tasks' states");
  js->add_option("job", job_id, "job id")->required();
  add_watch(js);
  js->callback([&] {
    const auto show = [&] { return JobStatus(g, job_id, false); };
    status = watch ? Watch(g, job_id, interval, show) : show();
  });
  CLI::App* ju = job->add_subcommand("update", "add instances (the only change Peloton allows)");
  ju->add_option("job", job_id, "job id")->required();
  ju->add_option("file", file, "the job's YAML with a larger instanceCount")
      ->required()
      ->check(CLI::ExistingFile);
  ju->callback([&] { status = JobUpdate(g, job_id, file); });
  CLI::App* jstop = job->add_subcommand("stop", "kill every task of the job");
  jstop->add_option("job", job_id, "job id")->required();
  jstop->callback([&] { status = JobStop(g, job_id); });

  QueryFlags query;
  CLI::App* jq = job->add_subcommand("query", "find jobs (newest first)");
  jq->add_option("--respool", query.pool, "in this pool (path)");
  jq->add_option("--owner", query.owner, "owned by");
  jq->add_option("--name", query.name, "whose name contains");
  jq->add_option("--label", query.labels, "KEY=VALUE the job carries (repeatable)");
  jq->add_option("--keyword", query.keywords, "in the name, owner or a label (repeatable)");
  jq->add_option("--state", query.states, "in this state, e.g. RUNNING (repeatable)");
  jq->add_option("--offset", query.offset, "skip this many");
  jq->add_option("--limit", query.limit, "at most this many (default 100)");
  jq->callback([&] { status = JobQuery(g, query); });
  CLI::App* jd = job->add_subcommand("delete", "delete a terminal job and everything of it");
  jd->add_option("job", job_id, "job id")->required();
  jd->callback([&] { status = JobDelete(g, job_id); });

  peloton::cli::AddStatelessCommands(*job, g, status);
  peloton::cli::AddDiscoverCommand(app, g, status);

  CLI::App* update = app.add_subcommand("update", "rolling updates of service jobs")
                         ->require_subcommand(1)
                         ->fallthrough();
  UpdateFlags uf;
  std::string update_id;
  CLI::App* uc = update->add_subcommand(
      "create",
      "update a service job to a new config, batch by batch (a running update of the "
      "job is superseded)");
  uc->add_option("job", job_id, "job id")->required();
  uc->add_option("file", file, "the job's new YAML")->required()->check(CLI::ExistingFile);
  uc->add_option("batch-size", uf.batch_size, "instances updated at once (0: all)")->required();
  uc->add_option("respool", path, "the job's pool path")->required();
  uc->add_option("--maxattempts", uf.max_attempts,
                 "runs an instance may fail before it counts as failed (0: unlimited)");
  uc->add_option("--maxfailureInstances", uf.max_failure_instances,
                 "failed instances that fail the update (0: never)");
  uc->add_flag("--rollbackOnFailure", uf.rollback_on_failure,
               "roll back to the previous config when the update fails");
  uc->add_flag("--start-paused", uf.start_paused, "create it PAUSED");
  uc->add_flag("--in-place", uf.in_place,
               "keep each instance on its host when it still fits there (best effort)");
  uc->add_option("--opaque-data", uf.opaque_data, "kept with the update, for the caller");
  uc->add_flag("--wait", uf.wait, "show progress until it ends (exit 0 if it SUCCEEDED)");
  uc->callback([&] { status = UpdateCreate(g, job_id, file, path, uf); });
  CLI::App* ug = update->add_subcommand("get", "an update's state and progress");
  ug->add_option("update", update_id, "update id")->required();
  ug->callback([&] { status = UpdateGet(g, update_id); });
  CLI::App* ul = update->add_subcommand("list", "a job's updates, newest first");
  ul->add_option("job", job_id, "job id")->required();
  ul->add_option("--limit", uf.limit, "at most this many (0: all; default 10)");
  ul->callback([&] { status = UpdateList(g, job_id, uf.limit); });
  // pause, resume, abort: one shape, each with its own request.
  const auto add_change = [&](const char* name, const char* help, std::string_view done,
                              auto make_request) {
    CLI::App* ux = update->add_subcommand(name, help);
    ux->add_option("update", update_id, "update id")->required();
    ux->add_option("--entity-version", uf.entity_version,
                   "refuse unless the update is at this version (update get shows it)");
    ux->add_option("--opaque-data", uf.opaque_data, "replaces the update's");
    ux->callback(
        [&, done, make_request] { status = UpdateChange(g, update_id, uf, done, make_request); });
  };
  add_change("pause", "stop starting new batches", "paused",
             [](Peloton::Client& p) { return p.pauseUpdateRequest(); });
  add_change("resume", "go on with a paused update", "resumed",
             [](Peloton::Client& p) { return p.resumeUpdateRequest(); });
  add_change("abort", "end an update where it is (instances keep their configs)", "aborted",
             [](Peloton::Client& p) { return p.abortUpdateRequest(); });
  CLI::App* ur =
      update->add_subcommand("rollback", "a new update back to the config the update started from");
  ur->add_option("update", update_id, "update id")->required();
  ur->add_flag("--wait", uf.wait, "show progress until it ends (exit 0 if it SUCCEEDED)");
  ur->callback([&] { status = UpdateRollback(g, update_id, uf.wait); });

  CLI::App* host = app.add_subcommand("host", "hosts")->require_subcommand(1)->fallthrough();
  std::vector<std::string> hostnames;
  CLI::App* maintenance = host->add_subcommand("maintenance", "host maintenance (drain, down, up)")
                              ->require_subcommand(1)
                              ->fallthrough();
  CLI::App* hms = maintenance->add_subcommand(
      "start", "drain the hosts: their tasks move elsewhere, then they go DOWN");
  hms->add_option("hosts", hostnames, "host names")->required();
  hms->callback([&] { status = HostMaintenance(g, true, hostnames); });
  CLI::App* hmc = maintenance->add_subcommand("complete", "bring hosts under maintenance back UP");
  hmc->add_option("hosts", hostnames, "host names")->required();
  hmc->callback([&] { status = HostMaintenance(g, false, hostnames); });
  host->add_subcommand("query", "every host, its state and its tasks")->callback([&] {
    status = HostQuery(g);
  });

  std::string range;
  uint32_t rolling_batch = 0;
  for (const auto& [name, kind, help] :
       {std::tuple{"rolling-restart", "restart",
                   "restart a service job's instances, a batch at "
                   "a time (a workflow: see update get)"},
        std::tuple{"rolling-start", "start", "start a service job's instances, a batch at a time"},
        std::tuple{"rolling-stop", "stop", "stop a service job's instances, a batch at a time"}}) {
    CLI::App* jr = job->add_subcommand(name, help);
    jr->add_option("job", job_id, "job id")->required();
    jr->add_option("batch-size", rolling_batch, "instances at a time (0: all)")->required();
    jr->add_option("-r,--range", range, "instances FROM:TO (TO excluded), or one; default all");
    jr->add_flag("--wait", uf.wait, "show progress until it ends (exit 0 if it SUCCEEDED)");
    const std::string k = kind;
    jr->callback([&, k] { status = RollingWorkflow(g, job_id, k, rolling_batch, range, uf.wait); });
  }

  CLI::App* task = app.add_subcommand("task", "tasks")->require_subcommand(1)->fallthrough();
  std::string log_file = "stdout";
  uint32_t instance = 0;
  CLI::App* tl = task->add_subcommand("list", "the job's tasks");
  tl->add_option("job", job_id, "job id")->required();
  tl->add_option("-r,--range", range, "instances FROM:TO (TO excluded), or one instance");
  add_watch(tl);
  tl->callback([&] {
    const auto show = [&] { return TaskList(g, job_id, range); };
    status = watch ? Watch(g, job_id, interval, show) : show();
  });
  for (const auto& [verb, name, help] :
       {std::tuple{RangeVerb::kStop, "stop", "stop instances (their goal becomes KILLED)"},
        std::tuple{RangeVerb::kStart, "start", "run stopped, failed or lost instances again"},
        std::tuple{RangeVerb::kRestart, "restart",
                   "kill running instances and run them again as new runs"}}) {
    CLI::App* ts = task->add_subcommand(name, help);
    ts->add_option("job", job_id, "job id")->required();
    ts->add_option("-r,--range", range, "instances FROM:TO (TO excluded), or one; default all");
    if (verb == RangeVerb::kRestart) {
      ts->add_option("--batch-size", rolling_batch,
                     "a rolling restart of a service job: this many at a time");
    }
    ts->callback([&, verb = verb, ts] {
      status = verb == RangeVerb::kRestart && ts->count("--batch-size") > 0
                   ? RollingWorkflow(g, job_id, "restart", rolling_batch, range, false)
                   : TaskRangeVerb(g, job_id, range, verb);
    });
  }
  CLI::App* tget = task->add_subcommand("get", "one instance: its runtime and merged config");
  tget->add_option("job", job_id, "job id")->required();
  tget->add_option("instance", instance, "instance id")->required();
  tget->callback([&] { status = TaskGet(g, job_id, instance); });
  uint32_t runs = 0;
  CLI::App* tev = task->add_subcommand("events", "an instance's state changes, newest run first");
  tev->add_option("job", job_id, "job id")->required();
  tev->add_option("instance", instance, "instance id")->required();
  tev->add_option("--runs", runs, "this many newest runs (default 10)");
  tev->callback([&] { status = TaskEvents(g, job_id, instance, runs); });
  CLI::App* tlogs = task->add_subcommand("logs", "the output of an instance's current run");
  tlogs->add_option("job", job_id, "job id")->required();
  tlogs->add_option("instance", instance, "instance id")->required();
  tlogs->add_option("-f,--file", log_file, "stdout or stderr")
      ->check(CLI::IsMember({"stdout", "stderr"}));
  int64_t log_offset = -1;
  uint32_t log_length = 0;
  tlogs->add_option("--offset", log_offset, "from this byte (default -1: the end, less --length)")
      ->check(CLI::Range(int64_t{-1}, std::numeric_limits<int64_t>::max()));
  tlogs->add_option("--length", log_length, "this many bytes (default 1 MiB, at most 4 MiB)")
      ->check(CLI::Range(uint32_t{0}, uint32_t{4} << 20));
  bool log_follow = false;
  tlogs->add_flag("--follow", log_follow,
                  "go on printing what the run writes until it ends (from --offset, or the end "
                  "less --length)");
  tlogs->callback([&] {
    status = TaskLogs(g, job_id, instance, log_file, log_offset, log_length, log_follow);
  });

  peloton::AddVersionFlag(app);
  app.add_subcommand("version", "print the CLI's version (as --version)")->callback([&] {
    std::cout << peloton::VersionLine(app.get_name()) << "\n";
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return status;
}
