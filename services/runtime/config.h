// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-master's configuration files: YAML like Peloton's config/<app>/base.yaml, applied in
// order (an environment overlay after the base), then defaults for what no file sets.
//
//   PELOTON_ASSIGN_OR_RETURN(MasterConfig c, LoadMasterConfig({"base.yaml", "dev.yaml"}));

#ifndef PELOTON_SERVICES_RUNTIME_CONFIG_H_
#define PELOTON_SERVICES_RUNTIME_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/backend/backend.h"
#include "services/backend/mesos/mesos_backend.h"
#include "services/jobmgr/job_manager.h"
#include "services/resmgr/resource_manager.h"
#include "services/runtime/config.pb.h"

namespace peloton::runtime {

using config::MasterConfig;

inline constexpr char kMasterAddress[] = "127.0.0.1:5391";
inline constexpr char kJobmgrAddress[] = "127.0.0.1:5392";
inline constexpr char kPlacementAddress[] = "127.0.0.1:5393";
inline constexpr char kResmgrAddress[] = "127.0.0.1:5394";
inline constexpr char kHostmgrAddress[] = "127.0.0.1:5395";
// The HTTP endpoints' (Peloton's http ports): peloton-master's and -jobmgr's, -resmgr's,
// -hostmgr's, -placement's.
inline constexpr char kJobmgrHttpAddress[] = "127.0.0.1:5292";
inline constexpr char kResmgrHttpAddress[] = "127.0.0.1:5290";
inline constexpr char kHostmgrHttpAddress[] = "127.0.0.1:5291";
inline constexpr char kPlacementHttpAddress[] = "127.0.0.1:5293";

// Reads `files` in order (a later file's fields replace an earlier one's; lists replace
// lists), fills the defaults and validates. InvalidArgument naming the file and the field.
// `listen`: the default address of the process reading it.
absl::StatusOr<MasterConfig> LoadMasterConfig(const std::vector<std::string>& files,
                                              absl::string_view listen = kMasterAddress);

// Fills unset fields with the defaults (listen as given, data_dir ./var, tick_ms 100,
// placement_profile pack, preemption_period_ticks 10, sustained_over_allocation 3, sync
// normal, log_level info, and the component addresses above).
void FillDefaults(MasterConfig& config, absl::string_view listen = kMasterAddress);
// InvalidArgument naming the field and the rule.
absl::Status ValidateMasterConfig(const MasterConfig& config);
// Where the HTTP endpoint listens: config.http, else `default_http`, or beside a Unix listen
// socket (unix:<its path>.http); "" when off.
std::string HttpAddressOf(const MasterConfig& config, absl::string_view default_http);

// The local backend's hosts: the declared ones, else `machine` split into local_hosts virtual
// hosts (or whole when 0).
// The Mesos backend's options from config.mesos (defaults filled).
backend::mesos::MesosBackendOptions MesosOptionsOf(const MasterConfig& config);
// The job manager's options of a validated config (goal_state).
jobmgr::JobManagerOptions JobManagerOptionsOf(const MasterConfig& config);
// The resource manager's options of a validated config (sustained_over_allocation,
// placement_retry).
resmgr::ResourceManagerOptions ResourceManagerOptionsOf(const MasterConfig& config);

absl::StatusOr<std::vector<backend::HostInfo>> LocalHostsOf(const MasterConfig& config,
                                                            const backend::HostInfo& machine);

}  // namespace peloton::runtime

#endif  // PELOTON_SERVICES_RUNTIME_CONFIG_H_
