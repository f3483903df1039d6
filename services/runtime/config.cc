// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/config.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "peloton/common/status_macros.h"
#include "services/api/yaml_proto.h"
#include "services/backend/local/local_backend.h"
#include "services/backend/mesos/zk_detector.h"
#include "services/common/files.h"
#include "services/discovery/zk_url.h"
#include "services/store/pg_store.h"

namespace peloton::runtime {
namespace {

constexpr double kMaxGoalStateSeconds = 30 * 24 * 3600;
constexpr int kMaxTaskUsers = 1000;

// A Unix socket, or host:port with a loopback host.
bool IsLocalAddress(absl::string_view address) {
  if (absl::StartsWith(address, "unix:")) return true;
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return false;
  absl::string_view host = address.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[")) host = absl::StripSuffix(host, "]");
  if (host == "localhost" || host == "::1") return true;
  const std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  int octet = 0;
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (absl::string_view p : parts) {
    if (!absl::SimpleAtoi(p, &octet) || octet < 0 || octet > 255) return false;
  }
  return true;
}

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule));
}

// A field of seconds left unset (proto3's 0) gets the component's default.
template <typename Message>
void FillSeconds(Message& m, double (Message::*get)() const, void (Message::*set)(double),
                 absl::Duration d) {
  if ((m.*get)() == 0) (m.*set)(absl::ToDoubleSeconds(d));
}

}  // namespace

void FillDefaults(MasterConfig& c, absl::string_view listen) {
  if (c.discovery_root().empty()) c.set_discovery_root("/peloton/discovery");
  if (c.zk_root().empty()) c.set_zk_root("/peloton");
  if (c.zk_session_timeout_seconds() == 0) c.set_zk_session_timeout_seconds(4);
  if (c.listen().empty()) c.set_listen(std::string(listen));
  if (c.jobmgr().empty()) c.set_jobmgr(kJobmgrAddress);
  if (c.resmgr().empty()) c.set_resmgr(kResmgrAddress);
  if (c.hostmgr().empty()) c.set_hostmgr(kHostmgrAddress);
  if (c.data_dir().empty()) c.set_data_dir("./var");
  if (c.tick_ms() == 0) c.set_tick_ms(100);
  if (c.placement_profile().empty()) c.set_placement_profile("pack");
  if (c.preemption_period_ticks() == 0) c.set_preemption_period_ticks(10);
  if (c.sustained_over_allocation() == 0) c.set_sustained_over_allocation(3);
  if (c.sync().empty()) c.set_sync("normal");
  if (c.log_level().empty()) c.set_log_level("info");
  if (c.backend().empty()) c.set_backend("local");
  if (c.sim_speed() == 0) c.set_sim_speed(1);
  if (c.placement_dequeue_limit() == 0) c.set_placement_dequeue_limit(5000);
  if (c.max_connections() == 0) c.set_max_connections(1000);
  if (c.idle_timeout_seconds() == 0) c.set_idle_timeout_seconds(600);
  if (c.request_timeout_seconds() == 0) c.set_request_timeout_seconds(60);
  config::Mesos& m = *c.mutable_mesos();
  if (m.role().empty()) m.set_role("peloton");
  if (m.principal().empty()) m.set_principal("peloton");
  if (m.user().empty()) m.set_user("root");
  if (m.name().empty()) m.set_name("Peloton");
  if (m.encoding().empty()) m.set_encoding("protobuf");
  if (m.offer_hold_seconds() == 0) m.set_offer_hold_seconds(300);
  if (m.launch_timeout_seconds() == 0) m.set_launch_timeout_seconds(120);
  config::GoalState& g = *c.mutable_goal_state();
  const jobmgr::JobManagerOptions defaults;
  FillSeconds(g, &config::GoalState::launch_timeout_seconds,
              &config::GoalState::set_launch_timeout_seconds, defaults.launch_timeout);
  FillSeconds(g, &config::GoalState::restart_base_delay_seconds,
              &config::GoalState::set_restart_base_delay_seconds, defaults.restart_base_delay);
  FillSeconds(g, &config::GoalState::max_restart_delay_seconds,
              &config::GoalState::set_max_restart_delay_seconds, defaults.max_restart_delay);
  FillSeconds(g, &config::GoalState::failure_count_reset_seconds,
              &config::GoalState::set_failure_count_reset_seconds, defaults.failure_count_reset);
  FillSeconds(g, &config::GoalState::kill_timeout_margin_seconds,
              &config::GoalState::set_kill_timeout_margin_seconds, defaults.kill_timeout_margin);
  FillSeconds(g, &config::GoalState::daemon_period_seconds,
              &config::GoalState::set_daemon_period_seconds, defaults.daemon_period);
  config::PlacementRetry& r = *c.mutable_placement_retry();
  const resmgr::ResourceManagerOptions rm;
  FillSeconds(r, &config::PlacementRetry::placing_timeout_seconds,
              &config::PlacementRetry::set_placing_timeout_seconds, rm.placing_timeout);
  FillSeconds(r, &config::PlacementRetry::backoff_seconds,
              &config::PlacementRetry::set_backoff_seconds, rm.placement_backoff);
  FillSeconds(r, &config::PlacementRetry::max_backoff_seconds,
              &config::PlacementRetry::set_max_backoff_seconds, rm.max_placement_backoff);
  FillSeconds(r, &config::PlacementRetry::readmission_after_seconds,
              &config::PlacementRetry::set_readmission_after_seconds, rm.readmission_after);
  if (r.attempts_per_cycle() == 0) r.set_attempts_per_cycle(rm.placement_attempts_per_cycle);
}

jobmgr::JobManagerOptions JobManagerOptionsOf(const MasterConfig& c) {
  jobmgr::JobManagerOptions o;
  const config::GoalState& g = c.goal_state();
  o.launch_timeout = absl::Seconds(g.launch_timeout_seconds());
  o.restart_base_delay = absl::Seconds(g.restart_base_delay_seconds());
  o.max_restart_delay = absl::Seconds(g.max_restart_delay_seconds());
  o.failure_count_reset = absl::Seconds(g.failure_count_reset_seconds());
  o.kill_timeout_margin = absl::Seconds(g.kill_timeout_margin_seconds());
  o.daemon_period = absl::Seconds(g.daemon_period_seconds());
  // A burst of launches is spread over ticks that come at once, with calls served between.
  o.launch_budget = absl::Milliseconds(20);
  return o;
}

resmgr::ResourceManagerOptions ResourceManagerOptionsOf(const MasterConfig& c) {
  resmgr::ResourceManagerOptions o;
  o.preemption.sustained_over_allocation_count = static_cast<int>(c.sustained_over_allocation());
  const config::PlacementRetry& r = c.placement_retry();
  o.placing_timeout = absl::Seconds(r.placing_timeout_seconds());
  o.placement_backoff = absl::Seconds(r.backoff_seconds());
  o.max_placement_backoff = absl::Seconds(r.max_backoff_seconds());
  o.placement_attempts_per_cycle = r.attempts_per_cycle();
  o.readmission_after = absl::Seconds(r.readmission_after_seconds());
  return o;
}

backend::mesos::MesosBackendOptions MesosOptionsOf(const MasterConfig& c) {
  backend::mesos::MesosBackendOptions o;
  const config::Mesos& m = c.mesos();
  o.master = m.master();
  o.zk = m.zk();
  o.secret_file = m.secret_file();
  o.framework.role = m.role();
  o.framework.principal = m.principal();
  o.framework.user = m.user();
  o.framework.name = m.name();
  o.framework.revocable = m.revocable();
  o.encoding = m.encoding() == "json" ? backend::mesos::Encoding::kJson
                                      : backend::mesos::Encoding::kProtobuf;
  o.offer_hold = absl::Seconds(m.offer_hold_seconds());
  o.launch_timeout = absl::Seconds(m.launch_timeout_seconds());
  return o;
}

absl::Status ValidateMasterConfig(const MasterConfig& c) {
  if (c.tick_ms() < 1 || c.tick_ms() > 60'000) {
    return Invalid("tick_ms", absl::StrCat(c.tick_ms(), " (rule: 1 to 60000)"));
  }
  if (c.max_connections() > 100'000) {
    return Invalid("max_connections",
                   absl::StrCat(c.max_connections(), " (rule: 1 to 100000)"));
  }
  if (!(c.idle_timeout_seconds() >= 0.1 && c.idle_timeout_seconds() <= 86'400)) {
    return Invalid("idle_timeout_seconds",
                   absl::StrCat(c.idle_timeout_seconds(), " (rule: 0.1 to 86400)"));
  }
  if (c.task_users_size() > kMaxTaskUsers) {
    return Invalid("task_users", absl::StrCat(c.task_users_size(), " users (rule: at most ",
                                              kMaxTaskUsers, "; * for any but root)"));
  }
  if (!(c.request_timeout_seconds() >= 0.1 && c.request_timeout_seconds() <= 3600)) {
    return Invalid("request_timeout_seconds",
                   absl::StrCat(c.request_timeout_seconds(), " (rule: 0.1 to 3600)"));
  }
  if (!c.store().empty() && !store::IsPostgresUrl(c.store())) {
    return Invalid("store", absl::StrCat("'", store::internal::RedactPassword(c.store()),
                                         "' (rule: unset for SQLite in data_dir, or "
                                         "postgresql://[user[:password]@]host[:port]/database)"));
  }
  if (c.sync() != "normal" && c.sync() != "full") {
    return Invalid("sync", absl::StrCat("'", c.sync(), "' (rule: normal or full)"));
  }
  static const absl::flat_hash_set<std::string> kLevels = {"trace", "debug", "info", "warn",
                                                           "error"};
  if (!kLevels.contains(c.log_level())) {
    return Invalid("log_level",
                   absl::StrCat("'", c.log_level(), "' (rule: trace, debug, info, warn, error)"));
  }
  if (c.http() == c.listen()) {
    return Invalid("http", absl::StrCat("'", c.http(), "' (rule: not the listen address)"));
  }
  // Without authentication what serves the API stays on this machine: anyone who reaches it
  // may run commands.
  for (const auto& [field, address] :
       {std::pair<const char*, const std::string&>{"listen", c.listen()}, {"http", c.http()}}) {
    if (c.auth_config().empty() && !address.empty() && address != "off" &&
        !IsLocalAddress(address)) {
      return Invalid(field, absl::StrCat("'", address,
                                         "' (rule: without authentication (auth_config), a "
                                         "loopback address (127.0.0.1, ::1, localhost) or "
                                         "unix:PATH)"));
    }
  }
  if (c.tls_cert_file().empty() != c.tls_key_file().empty()) {
    return Invalid(c.tls_cert_file().empty() ? "tls_cert_file" : "tls_key_file",
                   "missing (rule: tls_cert_file and tls_key_file together, or neither)");
  }
  if (!c.tls_ca_file().empty() && c.tls_cert_file().empty()) {
    return Invalid("tls_ca_file",
                   "without tls_cert_file (rule: the components dial each other "
                   "over TLS when they serve it)");
  }
  for (const auto& [field, servers] :
       {std::pair<const char*, const std::string&>{"discovery_zk", c.discovery_zk()},
        {"zk", c.zk()}}) {
    if (!servers.empty() && !discovery::IsZkServerList(servers)) {
      return Invalid(field, absl::StrCat("'", servers, "' (rule: host:port[,host:port])"));
    }
  }
  for (const auto& [field, path] :
       {std::pair<const char*, const std::string&>{"discovery_root", c.discovery_root()},
        {"zk_root", c.zk_root()}}) {
    if (!path.empty() && (!absl::StartsWith(path, "/") || absl::EndsWith(path, "/") ||
                          absl::StrContains(path, "//"))) {
      return Invalid(
          field, absl::StrCat("'", path, "' (rule: an absolute ZooKeeper path, no trailing '/')"));
    }
  }
  if (!c.zk().empty()) {
    const std::string& announced = c.advertise().empty() ? c.listen() : c.advertise();
    const std::string field = c.advertise().empty() ? "listen" : "advertise";
    if (absl::StartsWith(announced, "0.0.0.0:") || absl::StartsWith(announced, "[::]:")) {
      return Invalid(field, absl::StrCat("'", announced,
                                         "' (rule: with zk, an address others can dial: set "
                                         "advertise when listen is a wildcard)"));
    }
  }
  if (!(c.zk_session_timeout_seconds() >= 1 && c.zk_session_timeout_seconds() <= 600)) {
    return Invalid("zk_session_timeout_seconds",
                   absl::StrCat(c.zk_session_timeout_seconds(), " (rule: 1 to 600)"));
  }
  if (c.backend() != "local" && c.backend() != "sim" && c.backend() != "mesos") {
    return Invalid("backend", absl::StrCat("'", c.backend(), "' (rule: local, sim or mesos)"));
  }
  if (c.backend() == "mesos") {
    if (c.mesos().encoding() != "protobuf" && c.mesos().encoding() != "json") {
      return Invalid("mesos.encoding",
                     absl::StrCat("'", c.mesos().encoding(), "' (rule: protobuf or json)"));
    }
    if (absl::Status s = backend::mesos::ValidateMesosOptions(MesosOptionsOf(c)); !s.ok()) {
      return Invalid("mesos", std::string(s.message()));
    }
  }
  if (c.backend() == "sim" && c.sim_hosts_file().empty() == (c.sim_hosts() == 0)) {
    return Invalid("sim_hosts", "the sim backend needs either sim_hosts_file or sim_hosts");
  }
  const config::GoalState& g = c.goal_state();
  for (const auto& [field, value] :
       {std::pair{"launch_timeout_seconds", g.launch_timeout_seconds()},
        {"restart_base_delay_seconds", g.restart_base_delay_seconds()},
        {"max_restart_delay_seconds", g.max_restart_delay_seconds()},
        {"failure_count_reset_seconds", g.failure_count_reset_seconds()},
        {"kill_timeout_margin_seconds", g.kill_timeout_margin_seconds()},
        {"daemon_period_seconds", g.daemon_period_seconds()}}) {
    if (!(value > 0 && value <= kMaxGoalStateSeconds)) {
      return Invalid(absl::StrCat("goal_state.", field),
                     absl::StrCat(value, " (rule: > 0 and at most 30 days)"));
    }
  }
  if (g.max_restart_delay_seconds() < g.restart_base_delay_seconds()) {
    return Invalid(
        "goal_state.max_restart_delay_seconds",
        absl::StrCat(g.max_restart_delay_seconds(), " (rule: at least restart_base_delay_seconds, ",
                     g.restart_base_delay_seconds(), ")"));
  }
  if (absl::Status s = resmgr::ValidateResourceManagerOptions(ResourceManagerOptionsOf(c));
      !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("placement_retry.", s.message()));
  }
  if (!(c.sim_speed() > 0)) {
    return Invalid("sim_speed", absl::StrCat(c.sim_speed(), " (rule: > 0)"));
  }
  if (c.hosts_size() > 0 && c.local_hosts() > 0) {
    return Invalid("local_hosts", "set with hosts (rule: declare hosts or split the machine)");
  }
  constexpr double kMaxRevocableCpu = 1e6;
  if (!(c.revocable_cpu() >= 0 && c.revocable_cpu() <= kMaxRevocableCpu)) {
    return Invalid("revocable_cpu", absl::StrCat(c.revocable_cpu(), " (rule: 0 to 1000000 cores)"));
  }
  if (c.hosts_size() > 0 && c.revocable_cpu() > 0) {
    return Invalid("revocable_cpu",
                   "set with hosts (rule: declared hosts give their own hosts[i].revocable_cpu)");
  }
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < c.hosts_size(); ++i) {
    const config::LocalHost& h = c.hosts(i);
    const std::string at = absl::StrCat("hosts[", i, "]");
    if (h.name().empty() || !names.insert(h.name()).second) {
      return Invalid(at + ".name", absl::StrCat("'", h.name(), "' (rule: non-empty, unique)"));
    }
    if (!(h.cpu() > 0) || !(h.memory_mb() > 0) || h.disk_mb() < 0) {
      return Invalid(at, "cpu and memory_mb > 0, disk_mb >= 0");
    }
    if (!(h.revocable_cpu() >= 0 && h.revocable_cpu() <= kMaxRevocableCpu)) {
      return Invalid(at + ".revocable_cpu",
                     absl::StrCat(h.revocable_cpu(), " (rule: 0 to 1000000 cores)"));
    }
    if (h.port_begin() > h.port_end() || h.port_end() > 65535) {
      return Invalid(at + ".port_begin", absl::StrCat(h.port_begin(), "-", h.port_end(),
                                                      " (rule: begin <= end <= 65535)"));
    }
    for (int k = 0; k < h.labels_size(); ++k) {
      if (h.labels(k).key().empty()) {
        return Invalid(absl::StrCat(at, ".labels[", k, "].key"), "empty");
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<MasterConfig> LoadMasterConfig(const std::vector<std::string>& files,
                                              absl::string_view listen) {
  MasterConfig merged;
  for (const std::string& file : files) {
    PELOTON_ASSIGN_OR_RETURN(const std::string text, files::ReadFile(file));
    MasterConfig one;
    absl::StatusOr<std::vector<std::string>> ignored = api::YamlToProto(text, one);
    if (!ignored.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file, ": ", ignored.status().message()));
    }
    if (!ignored->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ": ", ignored->front(), ": unknown key (rule: one of MasterConfig's)"));
    }
    if (one.hosts_size() > 0) merged.clear_hosts();  // lists replace lists
    merged.MergeFrom(one);
  }
  FillDefaults(merged, listen);
  PELOTON_RETURN_IF_ERROR(ValidateMasterConfig(merged));
  return merged;
}

absl::StatusOr<std::vector<backend::HostInfo>> LocalHostsOf(const MasterConfig& c,
                                                            const backend::HostInfo& machine) {
  if (c.hosts_size() == 0) {
    backend::HostInfo with_slack = machine;
    with_slack.revocable_milli_cpu = std::llround(c.revocable_cpu() * 1000);
    if (c.local_hosts() == 0) return std::vector<backend::HostInfo>{with_slack};
    return backend::local::SplitIntoVirtualHosts(with_slack, static_cast<int>(c.local_hosts()));
  }
  std::vector<backend::HostInfo> hosts;
  for (const config::LocalHost& h : c.hosts()) {
    backend::HostInfo info;
    info.hostname = h.name();
    info.agent_id = h.name();
    for (uint32_t g = 0; g < h.gpus(); ++g) {
      info.gpus.push_back({h.gpu_model().empty() ? "gpu" : h.gpu_model(), 1000});
    }
    PELOTON_ASSIGN_OR_RETURN(info.capacity,
                             Resources::FromUnits(h.cpu(), h.memory_mb(), h.disk_mb(), h.gpus()));
    for (const config::Label& l : h.labels()) info.attributes[l.key()] = l.value();
    info.attributes["hostname"] = h.name();
    if (h.port_end() > 0) info.ports = {{h.port_begin(), h.port_end()}};
    info.revocable_milli_cpu = std::llround(h.revocable_cpu() * 1000);
    hosts.push_back(std::move(info));
  }
  return hosts;
}

std::string HttpAddressOf(const MasterConfig& c, absl::string_view default_http) {
  if (c.http() == "off") return "";
  if (!c.http().empty()) return c.http();
  if (c.listen().rfind("unix:", 0) == 0) return absl::StrCat(c.listen(), ".http");
  return std::string(default_http);
}

}  // namespace peloton::runtime
