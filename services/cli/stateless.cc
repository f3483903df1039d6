// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/cli/stateless.h"

#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "fmt/format.h"
#include "google/protobuf/util/json_util.h"
#include "services/api/job.pb.h"
#include "services/api/stateless.pb.h"
#include "services/api/stateless_convert.h"
#include "yaml-cpp/yaml.h"

namespace peloton::cli {
namespace {

struct StatelessFlags {
  std::string job, spec, pool, version, opaque_data, range;
  std::vector<std::string> ranges;  // restart: any number of -r
  uint32_t batch_size = 0;
  uint32_t max_instance_retries = 0;
  uint32_t max_tolerable_instance_failures = 0;
  bool rollback_on_failure = false;
  bool start_paused = false;
  bool in_place = false;
  bool start_pods = false;
  bool force = false;
  bool wait = false;
  int64_t job_version = 0;
  uint32_t instance = 0;
  uint32_t limit = 10;
};

// A message as YAML (snake_case keys, enum names), the way Peloton's CLI prints one; what it
// prints can be read back as a spec.
YAML::Node YamlOf(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) return {};
  return YAML::Load(json);
}

// The job's entity version, as `get` shows it (for a verb given none).
int CurrentVersion(Peloton::Client& peloton, kj::WaitScope& wait, const std::string& job,
                   std::string& version) {
  auto request = peloton.getJobRequest();
  request.setJobId(job);
  auto response = request.send().wait(wait);
  if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
  version = Str(response.getJob().getEntityVersion());
  return 0;
}

int LoadSpec(const std::string& file, api::v1alpha::JobSpec& spec) {
  if (const int loaded = LoadYaml(file, spec); loaded != 0) return loaded;
  spec.clear_revision();  // the server's, not the file's
  return 0;
}

int Create(const Global& g, const StatelessFlags& f) {
  api::v1alpha::JobSpec spec;
  if (const int loaded = LoadSpec(f.spec, spec); loaded != 0) return loaded;
  api::v1alpha::CreateSpec create;
  create.set_batch_size(f.batch_size);
  create.set_max_instance_retries(f.max_instance_retries);
  create.set_max_tolerable_instance_failures(f.max_tolerable_instance_failures);
  create.set_start_paused(f.start_paused);
  const std::string spec_bytes = spec.SerializeAsString(), create_bytes = create.SerializeAsString();
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.statelessCreateRequest();
    request.setPoolPath(f.pool);
    request.setJobSpec(api::Bytes(spec_bytes));
    request.setCreateSpec(api::Bytes(create_bytes));
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::StatelessCreateResults::Reader(response));
    } else {
      std::cout << "Job " << Str(response.getJobId())
                << " created. Entity Version: " << Str(response.getVersion()) << "\n";
    }
    return 0;
  });
}

// replace, and rollback (a replace with the spec of an older config version).
int Replace(const Global& g, const StatelessFlags& f, bool rollback) {
  api::v1alpha::JobSpec spec;
  if (!rollback) {
    if (const int loaded = LoadSpec(f.spec, spec); loaded != 0) return loaded;
  }
  api::v1alpha::UpdateSpec update;
  update.set_batch_size(f.batch_size);
  update.set_rollback_on_failure(!rollback && f.rollback_on_failure);
  update.set_max_instance_retries(f.max_instance_retries);
  update.set_max_tolerable_instance_failures(f.max_tolerable_instance_failures);
  update.set_start_paused(f.start_paused);
  update.set_in_place(f.in_place);
  update.set_start_pods(f.start_pods);
  const std::string update_bytes = update.SerializeAsString();
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    std::string version = f.version;
    if (rollback) {
      // The spec of the config version the given entity version names.
      int64_t config_version = 0;
      if (!absl::SimpleAtoi(version.substr(0, version.find('-')), &config_version) ||
          config_version < 1) {
        std::cerr << "peloton: entityVersion: '" << version
                  << "' (rule: <config>-<desired state>-<workflow>, as job stateless get shows)\n";
        return 2;
      }
      auto get = peloton.getJobRequest();
      get.setJobId(f.job);
      get.setConfigVersion(config_version);
      auto got = get.send().wait(wait);
      if (got.getStatus().getCode() != 0) return Refused(got.getStatus());
      api::v0::job::JobConfig config;
      if (!api::ParseInto(got.getJobConfig(), config)) {
        std::cerr << "peloton: the master's config of version " << config_version
                  << " is not a v0 JobConfig\n";
        return 1;
      }
      spec = api::SpecOfJobConfig(config);
      version.clear();  // the job's current one
    }
    if (version.empty()) {
      if (const int got = CurrentVersion(peloton, wait, f.job, version); got != 0) return got;
    }
    const std::string spec_bytes = spec.SerializeAsString();
    auto request = peloton.statelessReplaceRequest();
    request.setJobId(f.job);
    request.setVersion(version);
    request.setPoolPath(f.pool);
    request.setJobSpec(api::Bytes(spec_bytes));
    request.setUpdateSpec(api::Bytes(update_bytes));
    request.setOpaqueData(f.opaque_data);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    const std::string id = Str(response.getUpdateId());
    if (g.output != "table") {
      Print(g, Peloton::StatelessReplaceResults::Reader(response));
    } else {
      std::cout << "New EntityVersion: " << Str(response.getVersion()) << " (workflow " << id
                << ")\n"
                << std::flush;
    }
    return f.wait ? WaitForUpdate(peloton, wait, id) : 0;
  });
}

int Restart(const Global& g, const StatelessFlags& f) {
  api::v1alpha::RestartSpec restart;
  restart.set_batch_size(f.batch_size);
  restart.set_in_place(f.in_place);
  for (const std::string& range : f.ranges) {
    uint32_t from = 0, to = 0;
    if (!ParseRange(range, from, to)) return 2;
    api::v1alpha::InstanceIDRange* r = restart.add_ranges();
    r->set_from(from);
    r->set_to(to);
  }
  const std::string restart_bytes = restart.SerializeAsString();
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.statelessRestartRequest();
    request.setJobId(f.job);
    request.setVersion(f.version);
    request.setRestartSpec(api::Bytes(restart_bytes));
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    const std::string id = Str(response.getUpdateId());
    if (g.output != "table") {
      Print(g, Peloton::StatelessRestartResults::Reader(response));
    } else {
      std::cout << "Job restarted. New EntityVersion: " << Str(response.getVersion())
                << " (workflow " << id << ")\n"
                << std::flush;
    }
    return f.wait ? WaitForUpdate(peloton, wait, id) : 0;
  });
}

// start, stop, delete, and the workflow's pause, resume and abort; `done` is what it printed.
int Action(const Global& g, const StatelessFlags& f, const std::string& action,
           const std::string& done) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.statelessActionRequest();
    request.setJobId(f.job);
    request.setVersion(f.version);
    request.setAction(action);
    request.setForce(f.force);
    request.setOpaqueData(f.opaque_data);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::StatelessActionResults::Reader(response));
    } else if (action == "delete") {
      std::cout << done << "\n";
    } else {
      std::cout << done << " New EntityVersion: " << Str(response.getVersion()) << "\n";
    }
    return 0;
  });
}

int Get(const Global& g, const StatelessFlags& f) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.getJobRequest();
    request.setJobId(f.job);
    request.setConfigVersion(f.job_version);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    api::v0::job::JobConfig config;
    if (!api::ParseInto(response.getJobConfig(), config)) {
      std::cerr << "peloton: the master's config is not a v0 JobConfig\n";
      return 1;
    }
    if (config.type() != api::v0::job::SERVICE) {
      std::cerr << "peloton: job " << f.job << " is " << api::v0::job::JobType_Name(config.type())
                << " (rule: the stateless verbs are for SERVICE jobs; use job get)\n";
      return 1;
    }
    const auto job = response.getJob();
    YAML::Node out;
    out["job_id"] = f.job;
    out["spec"] = YamlOf(api::SpecOfJobConfig(config));
    if (f.job_version == 0) {
      YAML::Node status;
      status["state"] = "JOB_STATE_" + Str(job.getState());
      status["desired_state"] = "JOB_STATE_" + Str(job.getGoalState());
      status["version"] = Str(job.getEntityVersion());
      status["creation_time"] = Time(job.getCreationTime());
      for (auto c : job.getTaskCounts()) {
        status["pod_stats"]["POD_STATE_" + Str(c.getState())] = c.getCount();
      }
      if (job.getWorkflowId().size() > 0) status["workflow_id"] = Str(job.getWorkflowId());
      out["status"] = status;
    }
    if (g.output != "table") {
      Print(g, Peloton::GetJobResults::Reader(response));
    } else {
      YAML::Emitter emitter;
      emitter << out;
      std::cout << emitter.c_str() << "\n";
    }
    return 0;
  });
}

int ListPods(const Global& g, const StatelessFlags& f) {
  uint32_t from = 0, to = 0;
  if (!ParseRange(f.range, from, to)) return 2;
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    const TaskPages pages = ListAllTasks(peloton, wait, f.job, from, to);
    if (pages.back().getStatus().getCode() != 0) return Refused(pages.back().getStatus());
    capnp::MallocMessageBuilder merged;
    const Peloton::ListTasksResults::Reader response = MergePages(pages, merged);
    if (g.output != "table") {
      Print(g, response);
      return 0;
    }
    constexpr std::string_view kRow = "{:<44}  {:<42}  {:<18}  {:<9}  {:<19}  {:>8}  {:<16}  {}\n";
    std::cout << fmt::format(kRow, "Pod ID", "Name", "State", "Healthy", "Start Time",
                             "Run Time", "Host", "Message");
    for (auto t : response.getTasks()) {
      std::cout << fmt::format(
          kRow, Str(t.getMesosTaskId()), absl::StrCat(f.job, "-", t.getInstanceId()),
          "POD_STATE_" + Str(t.getState()), Health(t.getHealthy()), Time(t.getStartTime()),
          Duration(t.getStartTime(), t.getCompletionTime()), Str(t.getHost()),
          Str(t.getMessage()));
    }
    return 0;
  });
}

int ListUpdates(const Global& g, const StatelessFlags& f) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.listUpdatesRequest();
    request.setJobId(f.job);
    request.setLimit(f.limit);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::ListUpdatesResults::Reader(response));
      return 0;
    }
    if (response.getUpdates().size() == 0) std::cout << "No update for job\n";
    for (auto u : response.getUpdates()) PrintUpdate(u);
    return 0;
  });
}

int WorkflowEvents(const Global& g, const StatelessFlags& f) {
  return WithMaster(g, [&](Peloton::Client& peloton, kj::WaitScope& wait) {
    auto request = peloton.workflowEventsRequest();
    request.setJobId(f.job);
    request.setInstanceId(f.instance);
    auto response = request.send().wait(wait);
    if (response.getStatus().getCode() != 0) return Refused(response.getStatus());
    if (g.output != "table") {
      Print(g, Peloton::WorkflowEventsResults::Reader(response));
      return 0;
    }
    constexpr std::string_view kRow = "{:<26}  {:<22}  {}\n";
    std::cout << fmt::format(kRow, "Workflow State", "Workflow Type", "Timestamp");
    for (auto e : response.getEvents()) {
      std::cout << fmt::format(kRow, "WORKFLOW_STATE_" + Str(e.getState()),
                               "WORKFLOW_TYPE_" + Str(e.getType()), Time(e.getTime()));
    }
    return 0;
  });
}

}  // namespace

void AddStatelessCommands(CLI::App& job, const Global& g, int& status) {
  CLI::App* stateless = job.add_subcommand("stateless", "v1alpha stateless (service) jobs")
                            ->require_subcommand(1)
                            ->fallthrough();
  // Flags are set by the one verb that runs; they live as long as the command line.
  auto f = std::make_shared<StatelessFlags>();
  const auto version = [f](CLI::App* c) {
    c->add_option("entityVersion", f->version, "the job's entity version (job stateless get)")
        ->required();
  };
  const auto update_flags = [f](CLI::App* c) {
    c->add_option("--maxInstanceRetries", f->max_instance_retries,
                  "runs an instance may fail before it counts as failed (0: unlimited)");
    c->add_option("--maxTolerableInstanceFailures", f->max_tolerable_instance_failures,
                  "failed instances that fail the update (0: never)");
    c->add_flag("--start-paused", f->start_paused, "create it PAUSED");
    c->add_option("--opaque-data", f->opaque_data, "kept with the workflow, for the caller");
    c->add_flag("--in-place", f->in_place,
                "keep each instance on its host when it still fits there (best effort)");
    c->add_flag("--start-pods", f->start_pods, "start the stopped instances it reaches");
    c->add_flag("--wait", f->wait, "show progress until it ends (exit 0 if it SUCCEEDED)");
  };

  CLI::App* create = stateless->add_subcommand("create", "create a job from a v1alpha spec");
  create->add_option("respool", f->pool, "the leaf pool's path")->required();
  create->add_option("spec", f->spec, "Peloton's v1alpha JobSpec YAML")
      ->required()
      ->check(CLI::ExistingFile);
  create->add_option("batch-size", f->batch_size, "instances started at once (0: all)")
      ->required();
  create->add_option("--maxInstanceRetries", f->max_instance_retries, "(rolling create only)");
  create->add_option("--maxTolerableInstanceFailures", f->max_tolerable_instance_failures,
                     "(rolling create only)");
  create->add_flag("--start-paused", f->start_paused, "(rolling create only)");
  create->callback([&g, &status, f] { status = Create(g, *f); });

  CLI::App* replace = stateless->add_subcommand(
      "replace", "a rolling update of the job to a new spec (supersedes a running one)");
  replace->add_option("job", f->job, "job id")->required();
  replace->add_option("spec", f->spec, "the new v1alpha JobSpec YAML")
      ->required()
      ->check(CLI::ExistingFile);
  replace->add_option("batch-size", f->batch_size, "instances at once (0: all)")->required();
  replace->add_option("respool", f->pool, "the job's pool path")->required();
  replace->add_option("entityVersion", f->version, "the job's entity version (default: its own)");
  replace->add_flag("--rollbackOnFailure", f->rollback_on_failure,
                    "roll back to the previous spec when the update fails");
  update_flags(replace);
  replace->callback([&g, &status, f] { status = Replace(g, *f, false); });

  CLI::App* rollback = stateless->add_subcommand(
      "rollback", "a rolling update back to the spec of an earlier entity version");
  rollback->add_option("job", f->job, "job id")->required();
  rollback->add_option("batch-size", f->batch_size, "instances at once (0: all)")->required();
  version(rollback);
  update_flags(rollback);
  rollback->callback([&g, &status, f] { status = Replace(g, *f, true); });

  CLI::App* restart = stateless->add_subcommand("restart", "a rolling restart of the job");
  restart->add_option("job", f->job, "job id")->required();
  version(restart);
  restart->add_option("-r,--range", f->ranges,
                      "instances FROM:TO (TO excluded), or one; repeatable; default all");
  restart->add_option("--batch-size", f->batch_size, "instances at once (0: all)");
  restart->add_flag("--in-place", f->in_place,
                    "each instance back on its host when it still fits there (best effort)");
  restart->add_flag("--wait", f->wait, "show progress until it ends (exit 0 if it SUCCEEDED)");
  restart->callback([&g, &status, f] { status = Restart(g, *f); });

  for (const auto& [name, help, done] :
       {std::tuple{"start", "start every instance of the job", "Job started."},
        std::tuple{"stop", "stop every instance of the job", "Job stopped."},
        std::tuple{"delete", "delete a stopped job (with -f, any: it is stopped first)",
                   "Job deleted"}}) {
    CLI::App* c = stateless->add_subcommand(name, help);
    c->add_option("job", f->job, "job id")->required();
    version(c);
    if (std::string(name) == "delete") {
      c->add_flag("-f,--force", f->force, "delete a job that is not stopped");
    }
    const std::string action = name, said = done;
    c->callback([&g, &status, f, action, said] { status = Action(g, *f, action, said); });
  }

  CLI::App* get = stateless->add_subcommand("get", "the job's spec and status (YAML)");
  get->add_option("job", f->job, "job id")->required();
  get->add_option("--jobversion", f->job_version, "the spec of this config version only");
  get->callback([&g, &status, f] { status = Get(g, *f); });
  CLI::App* pods = stateless->add_subcommand("list-pods", "the job's pods");
  pods->add_option("job", f->job, "job id")->required();
  pods->add_option("-r,--range", f->range, "instances FROM:TO (TO excluded), or one");
  pods->callback([&g, &status, f] { status = ListPods(g, *f); });
  CLI::App* updates = stateless->add_subcommand("list-updates", "the job's workflows, newest first");
  updates->add_option("job", f->job, "job id")->required();
  updates->add_option("--limit", f->limit, "at most this many (0: all; default 10)");
  updates->callback([&g, &status, f] { status = ListUpdates(g, *f); });

  CLI::App* workflow = stateless->add_subcommand("workflow", "the job's running workflow")
                           ->require_subcommand(1)
                           ->fallthrough();
  for (const auto& [name, help, done] :
       {std::tuple{"pause", "stop starting new batches", "Workflow paused."},
        std::tuple{"resume", "go on with a paused workflow", "Workflow resumed."},
        std::tuple{"abort", "end the workflow where it is", "Workflow aborted."}}) {
    CLI::App* c = workflow->add_subcommand(name, help);
    c->add_option("job", f->job, "job id")->required();
    version(c);
    c->add_option("--opaque-data", f->opaque_data, "replaces the workflow's");
    const std::string action = name, said = done;
    c->callback([&g, &status, f, action, said] { status = Action(g, *f, action, said); });
  }
  CLI::App* events =
      workflow->add_subcommand("events", "an instance's events in the job's newest workflow");
  events->add_option("job", f->job, "job id")->required();
  events->add_option("instance", f->instance, "instance id")->required();
  events->callback([&g, &status, f] { status = WorkflowEvents(g, *f); });
}

}  // namespace peloton::cli
