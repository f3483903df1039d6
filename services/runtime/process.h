// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What every scheduler process shares: peloton-master, and the same components run apart
// (peloton-jobmgr, peloton-resmgr, peloton-placement, peloton-hostmgr). Flags override the
// --config files (config/<app>/base.yaml + overlay); each process takes the flag groups it
// uses. Serve runs a Cap'n Proto server and the process's SerialLoop.

#ifndef PELOTON_SERVICES_RUNTIME_PROCESS_H_
#define PELOTON_SERVICES_RUNTIME_PROCESS_H_

#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "capnp/capability.h"
#include "services/backend/local/local_backend.h"
#include "services/discovery/election.h"
#include "services/rpc/auth.h"
#include "services/rpc/remote.h"
#include "services/rpc/serial_loop.h"
#include "services/rpc/tls.h"
#include "services/runtime/config.h"
#include "services/runtime/metrics.h"
#include "services/store/observed_store.h"
#include "services/store/pg_store.h"
#include "services/store/sqlite_store.h"
#include "spdlog/spdlog.h"

namespace peloton::runtime {

// Flag groups, beyond --config, --listen, --http, --tick-ms, --log-level, --auth-config and
// --tls-*, which all take.
enum FlagGroup : unsigned {
  kStoreFlags = 1,       // --data-dir, --sync, --store
  kHostFlags = 2,        // --data-dir, --store, --local-hosts, --runner, --backend, --sim-*
  kPlacementFlags = 4,   // --placement-profile, --placement-dequeue-limit
  kPreemptionFlags = 8,  // --preemption-period-ticks, --sustained-over-allocation
  kPeerFlags = 16,       // --jobmgr, --resmgr, --hostmgr
  kDiscoveryFlags = 32,  // --discovery-zk, --discovery-root
  kElectionFlags = 64,   // --zk, --zk-root, --advertise
};

struct Flags {
  std::vector<std::string> config_files, task_users;
  std::string listen, http, data_dir, placement_profile, runner, log_level, sync, jobmgr, resmgr,
      hostmgr, backend, sim_hosts_file, sim_host_shape, mesos_master, mesos_zk, mesos_role,
      mesos_secret_file, task_user, auth_config, tls_cert_file, tls_key_file, tls_ca_file,
      discovery_zk, discovery_root, store, zk, zk_root, advertise;
  bool allow_root_tasks = false;
  int local_hosts = 0, tick_ms = 0, preemption_period_ticks = 0, sustained_over_allocation = 0,
      sim_hosts = 0, placement_dequeue_limit = 0;
  double sim_speed = 0, revocable_cpu = 0;
};

void AddFlags(CLI::App& app, Flags& flags, unsigned groups);

// The value, or the process ends with exit status 2 after logging why (for main's setup).
template <typename T>
T OrExit(absl::StatusOr<T> value) {
  if (!value.ok()) {
    spdlog::error("{}", std::string(value.status().message()));
    std::exit(2);
  }
  return *std::move(value);
}
// The --config files, then the flags given, validated together. InvalidArgument naming the file
// or flag and the field. Sets spdlog's level and the process's umask (077).
absl::StatusOr<MasterConfig> ConfigOf(const CLI::App& app, const Flags& flags,
                                      absl::string_view default_listen);

// The security file of config.auth_config (services/rpc/auth.h); null without one.
absl::StatusOr<std::shared_ptr<const rpc::Authorizer>> AuthorizerOf(const MasterConfig& config);
// How a component reaches the components it calls: logged in as the security file's
// internal_user (FailedPrecondition where it names none or hashes its password; none without a
// file), over TLS to TCP addresses when it serves TLS itself (trusting tls_ca_file).
absl::StatusOr<rpc::PeerOptions> PeerOptionsOf(const MasterConfig& config);
// The server side of config.tls_cert_file and tls_key_file; null without them.
absl::StatusOr<std::unique_ptr<rpc::Tls>> ServerTlsOf(const MasterConfig& config);

// How often all-active job managers look at the members again, besides each change ZooKeeper
// tells: a job taken from one while the members disagreed comes back within it.
inline constexpr absl::Duration kRebalancePeriod = absl::Seconds(5);

// What this process announces of itself in ZooKeeper: its advertised address, else its listen
// address.
std::string Announced(const MasterConfig& config);
// With config.zk, joins the election of `role` (jobmgr, resmgr, hostmgr) under zk_root, as
// Announced(config): a member, for a role whose candidates all serve (the job managers, each
// owning some jobs: Election::Members); null without config.zk. The process must then call
// ExitIfLost each tick.
absl::StatusOr<std::unique_ptr<discovery::Election>> JoinAsMember(const MasterConfig& config,
                                                                  absl::string_view role);
// JoinAsMember, then waits, standing by, until it leads (null without config.zk). The
// process must then call ExitIfLost each tick.
absl::StatusOr<std::unique_ptr<discovery::Election>> LeadOrStandBy(const MasterConfig& config,
                                                                   absl::string_view role);
// Exits the process (status 1) unless `election` (if any) is confirmed leading now
// (Election::Confirm: a round trip to ZooKeeper, at most one per 50 ms): a successor may lead
// already, and two leaders must never act at once. Run it before each call and tick
// (SerialLoop::SetGuard).
void ExitIfLost(discovery::Election* election);

// With an election (a leading process), takes the store's fence `role` for this process
// (Store::TakeFence), so that once a successor takes it, no write of this process lands. The
// fence's epoch; 0 without an election.
absl::StatusOr<int64_t> FenceIfLeading(store::Store& store, const MasterConfig& config,
                                       absl::string_view role, const discovery::Election* election);

// The store: the PostgreSQL database of config.store, or else the SQLite store under data_dir
// (created if missing); every call of it timed into `observer` when one is given
// (Metrics::StoreObserver).
absl::StatusOr<std::unique_ptr<store::Store>> OpenStore(
    const MasterConfig& config, store::ObservedStore::Observer observer = nullptr);
// The sandboxes' directory under data_dir.
std::string SandboxRoot(const MasterConfig& config);
// Where the local backend keeps persistent volumes: <data_dir>/volumes/<host>/<volume id>.
std::string VolumeRoot(const MasterConfig& config);
// The configured backend. local: this machine's hosts (config.hosts or local_hosts), sandboxes
// under data_dir; `runner` is --runner, else found beside this binary or in its runfiles.
// Fetched remote files are cached in <data_dir>/fetch-cache/<host>.
// sim: the hosts of sim_hosts_file, or sim_hosts generated of sim_host_shape. mesos: the
// framework id is read from and written to `store` (none: a new framework each start); the
// backend starts in Serve, on the server's event loop.
absl::StatusOr<std::unique_ptr<backend::Backend>> OpenBackend(const MasterConfig& config,
                                                              const std::string& runner,
                                                              store::Store* store = nullptr);

// Virtual hosts that join and leave: the local backend's hosts follow the `hosts` (or
// local_hosts) of the --config files, read again when one of them changes (looked at every
// `period` from the tick). A file that no longer loads, or hosts that are refused, are logged
// and change nothing. Only the hosts are read again; other keys take a restart. Does nothing
// for another backend or without --config.
class HostsWatcher {
 public:
  HostsWatcher(const CLI::App& app, const Flags& flags, absl::string_view default_listen,
               backend::Backend* backend, absl::Duration period = absl::Seconds(1));
  // Call from the tick.
  void Check(absl::Time now = absl::Now());

 private:
  // What the files look like now: their modification times and sizes.
  std::string Stamp() const;

  const CLI::App& app_;
  const Flags& flags_;
  std::string default_listen_;
  backend::local::LocalBackend* local_;  // nullptr: nothing to do
  absl::Duration period_;
  absl::Time next_ = absl::InfinitePast();
  std::string stamp_;
};

// Serves `main` (and `exports`, imported by name) on config.listen (a Unix socket left by a
// killed process is removed first; with config.auth_config each guarded by it, guard.h; over
// TLS on TCP with config.tls_cert_file), and the
// HTTP endpoint on HttpAddressOf(config, options.default_http): GET /metrics of options.metrics
// and, with options.public_api (`main` is peloton.capnp's Peloton), Peloton's v0 procedures over
// HTTP/JSON. Starts options.backend on the server's event loop (a Mesos backend subscribes then),
// calls `started` once listening, then runs `loop` with `tick` every config.tick_ms until the
// process ends. `started` and `tick` may wait on other components. Returns the exit status: 2 when
// an address cannot be served, or the backend or `started` fails.
struct Export {
  std::string name;
  capnp::Capability::Client capability;
};
struct ServeOptions {
  std::string default_http;  // the process's HTTP address when the config gives none
  backend::Backend* backend = nullptr;
  bool public_api = false;
  Metrics* metrics = nullptr;  // read on `loop`; null: /metrics is not served
};
int Serve(const MasterConfig& config, capnp::Capability::Client main, std::vector<Export> exports,
          rpc::SerialLoop& loop, const std::function<absl::Status()>& started,
          const std::function<void()>& tick, ServeOptions options);

}  // namespace peloton::runtime

#endif  // PELOTON_SERVICES_RUNTIME_PROCESS_H_
