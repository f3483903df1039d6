// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/runtime/process.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "capnp/ez-rpc.h"
#include "kj/async-io.h"
#include "peloton/common/status_macros.h"
#include "services/backend/mesos/mesos_backend.h"
#include "services/backend/sim/sim_backend.h"
#include "services/common/version.h"
#include "services/rpc/guard.h"
#include "services/rpc/rpc_server.h"
#include "services/rpc/yarpc_http.h"
#include "services/runtime/heap.h"
#include "services/ui/assets.h"
#include "spdlog/spdlog.h"

namespace peloton::runtime {
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

// A Unix socket left behind by a process that was killed: removed when nothing answers on it
// (a live process keeps it, and binding then fails with a clear message).
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

void AddFlags(CLI::App& app, Flags& f, unsigned groups) {
  AddVersionFlag(app);
  app.add_option("--config", f.config_files,
                 "YAML configuration, repeatable: later files override earlier ones, flags "
                 "override files (e.g. config/master/base.yaml config/master/development.yaml)");
  app.add_option("--listen", f.listen, "address served (host:port or unix:PATH)");
  app.add_option("--http", f.http,
                 "the HTTP endpoint (GET /metrics; Peloton's v0 procedures on peloton-master "
                 "and -jobmgr): host:port, unix:PATH or off (default: the process's port, e.g. "
                 "127.0.0.1:5292, or unix:<listen path>.http with a Unix --listen)");
  app.add_option("--auth-config", f.auth_config,
                 "Peloton's basic-auth security file: users, roles, internal_user (default: "
                 "none, and the API on loopback or a Unix socket only)");
  app.add_option("--tls-cert-file", f.tls_cert_file,
                 "serve TCP over TLS with this certificate (PEM), with --tls-key-file");
  app.add_option("--tls-key-file", f.tls_key_file, "the certificate's private key (PEM)");
  app.add_option("--tls-ca-file", f.tls_ca_file,
                 "the CA certificates (PEM) the components trust when they dial each other over "
                 "TLS (default: the system's)");
  app.add_option("--tick-ms", f.tick_ms, "scheduling period in milliseconds")
      ->check(CLI::Range(1, 60'000));
  app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  if (groups & (kStoreFlags | kHostFlags)) {
    app.add_option("--data-dir", f.data_dir, "the store (peloton.db) and the task sandboxes");
  }
  if (groups & kStoreFlags) {
    app.add_option("--sync", f.sync, "SQLite synchronous mode")
        ->check(CLI::IsMember({"normal", "full"}));
  }
  if (groups & (kStoreFlags | kHostFlags)) {
    app.add_option("--store", f.store,
                   "a PostgreSQL store, postgresql://[user[:password]@]host[:port]/database "
                   "(default: SQLite, data_dir/peloton.db)");
  }
  if (groups & kHostFlags) {
    app.add_option("--local-hosts", f.local_hosts,
                   "split this machine into N virtual hosts (0: one host, the machine)")
        ->check(CLI::Range(0, 1024));
    app.add_option("--revocable-cpu", f.revocable_cpu,
                   "revocable (slack) cpu cores the local hosts declare, split among them");
    app.add_option("--runner", f.runner, "the peloton-task-runner binary");
    app.add_option("--task-user", f.task_user,
                   "local: tasks run as this user when their job names none (default: nobody "
                   "when this runs as root, else its own user)");
    app.add_option("--task-users", f.task_users,
                   "local: the users a job's command.user may name besides (* for any but root)")
        ->delimiter(',');
    app.add_flag("--allow-root-tasks", f.allow_root_tasks,
                 "local: tasks may run as root (never without this)");
    app.add_option("--backend", f.backend,
                   "local (processes on this machine), sim (simulated hosts) or mesos")
        ->check(CLI::IsMember({"local", "sim", "mesos"}));
    app.add_option("--mesos-master", f.mesos_master, "mesos: host:port of the leading master");
    app.add_option("--mesos-zk", f.mesos_zk,
                   "mesos: or find the leader in ZooKeeper, zk://host:port[,host:port]/path");
    app.add_option("--mesos-role", f.mesos_role, "mesos: the framework's role (default peloton)");
    app.add_option("--mesos-secret-file", f.mesos_secret_file,
                   "mesos: the principal's secret, for a master with authentication on");
    app.add_option("--sim-hosts-file", f.sim_hosts_file,
                   "sim: the hosts of a node list (sn,cpu_milli,memory_mib,gpu,model)");
    app.add_option("--sim-hosts", f.sim_hosts, "sim: this many generated hosts")
        ->check(CLI::Range(1, 10'000'000));
    app.add_option("--sim-host-shape", f.sim_host_shape,
                   "sim: the generated hosts' shape, e.g. cpu=32,memory_mb=262144,gpus=8");
    app.add_option("--sim-speed", f.sim_speed, "sim: simulated seconds per real second")
        ->check(CLI::PositiveNumber);
  }
  if (groups & kPlacementFlags) {
    app.add_option("--placement-profile", f.placement_profile,
                   "pack, best-fit, spread or gpu-frag");
    app.add_option("--placement-dequeue-limit", f.placement_dequeue_limit,
                   "admitted gangs placed per tick at most")
        ->check(CLI::Range(1, 10'000'000));
  }
  if (groups & kPreemptionFlags) {
    app.add_option("--preemption-period-ticks", f.preemption_period_ticks,
                   "run preemption every N ticks (0: never)")
        ->check(CLI::Range(0, 1'000'000));
    app.add_option("--sustained-over-allocation", f.sustained_over_allocation,
                   "preempt a pool after N preemption runs over its entitlement in a row")
        ->check(CLI::Range(1, 1000));
  }
  if (groups & kDiscoveryFlags) {
    app.add_option("--discovery-zk", f.discovery_zk,
                   "announce the routable instances of jobs labelled peloton.discovery/path as "
                   "serverset members in this ZooKeeper (host:port[,host:port])");
    app.add_option("--discovery-root", f.discovery_root,
                   "the serversets' root path (default /peloton/discovery)");
  }
  if (groups & kElectionFlags) {
    app.add_option("--zk", f.zk,
                   "run as a candidate of the leader election in this ZooKeeper "
                   "(host:port[,host:port]); serve only while leading");
    app.add_option("--zk-root", f.zk_root, "the elections' root path (default /peloton)");
    app.add_option("--advertise", f.advertise,
                   "the address callers dial, announced in the election (default: --listen)");
  }
  if (groups & kPeerFlags) {
    app.add_option("--jobmgr", f.jobmgr, "the job manager's address");
    app.add_option("--resmgr", f.resmgr,
                   "the resource manager's address (or its candidates', comma-separated)");
    app.add_option("--hostmgr", f.hostmgr,
                   "the host manager's address (or its candidates', comma-separated)");
  }
}

absl::StatusOr<MasterConfig> ConfigOf(const CLI::App& app, const Flags& f,
                                      absl::string_view default_listen) {
  MasterConfig c;
  if (!f.config_files.empty()) {
    absl::StatusOr<MasterConfig> loaded = LoadMasterConfig(f.config_files, default_listen);
    if (!loaded.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--config: ", loaded.status().message()));
    }
    c = *std::move(loaded);
  } else {
    FillDefaults(c, default_listen);
  }
  const auto given = [&app](const char* flag) {
    const CLI::Option* option = app.get_option_no_throw(flag);
    return option != nullptr && option->count() > 0;
  };
  if (given("--listen")) c.set_listen(f.listen);
  if (given("--http")) c.set_http(f.http);
  if (given("--auth-config")) c.set_auth_config(f.auth_config);
  if (given("--tls-cert-file")) c.set_tls_cert_file(f.tls_cert_file);
  if (given("--tls-key-file")) c.set_tls_key_file(f.tls_key_file);
  if (given("--tls-ca-file")) c.set_tls_ca_file(f.tls_ca_file);
  if (given("--tick-ms")) c.set_tick_ms(static_cast<uint32_t>(f.tick_ms));
  if (given("--log-level")) c.set_log_level(f.log_level);
  if (given("--data-dir")) c.set_data_dir(f.data_dir);
  if (given("--sync")) c.set_sync(f.sync);
  if (given("--store")) c.set_store(f.store);
  if (given("--local-hosts")) {
    c.clear_hosts();
    c.set_local_hosts(static_cast<uint32_t>(f.local_hosts));
  }
  if (given("--revocable-cpu")) c.set_revocable_cpu(f.revocable_cpu);
  if (given("--placement-profile")) c.set_placement_profile(f.placement_profile);
  if (given("--placement-dequeue-limit")) {
    c.set_placement_dequeue_limit(static_cast<uint32_t>(f.placement_dequeue_limit));
  }
  if (given("--preemption-period-ticks")) {
    // The flag's 0 turns preemption off (in a file, proto3's 0 means "unset": the default).
    c.set_preemption_period_ticks(static_cast<uint32_t>(f.preemption_period_ticks));
  }
  if (given("--sustained-over-allocation")) {
    c.set_sustained_over_allocation(static_cast<uint32_t>(f.sustained_over_allocation));
  }
  if (given("--backend")) c.set_backend(f.backend);
  if (given("--sim-hosts-file")) c.set_sim_hosts_file(f.sim_hosts_file);
  if (given("--sim-hosts")) c.set_sim_hosts(static_cast<uint32_t>(f.sim_hosts));
  if (given("--sim-host-shape")) c.set_sim_host_shape(f.sim_host_shape);
  if (given("--sim-speed")) c.set_sim_speed(f.sim_speed);
  if (given("--mesos-master")) c.mutable_mesos()->set_master(f.mesos_master);
  if (given("--mesos-zk")) c.mutable_mesos()->set_zk(f.mesos_zk);
  if (given("--task-user")) c.set_task_user(f.task_user);
  if (given("--task-users")) {
    c.clear_task_users();
    for (const std::string& u : f.task_users) c.add_task_users(u);
  }
  if (given("--allow-root-tasks")) c.set_allow_root_tasks(f.allow_root_tasks);
  if (given("--mesos-role")) c.mutable_mesos()->set_role(f.mesos_role);
  if (given("--mesos-secret-file")) c.mutable_mesos()->set_secret_file(f.mesos_secret_file);
  if (given("--discovery-zk")) c.set_discovery_zk(f.discovery_zk);
  if (given("--discovery-root")) c.set_discovery_root(f.discovery_root);
  if (given("--zk")) c.set_zk(f.zk);
  if (given("--zk-root")) c.set_zk_root(f.zk_root);
  if (given("--advertise")) c.set_advertise(f.advertise);
  if (given("--jobmgr")) c.set_jobmgr(f.jobmgr);
  if (given("--resmgr")) c.set_resmgr(f.resmgr);
  if (given("--hostmgr")) c.set_hostmgr(f.hostmgr);
  if (absl::Status s = ValidateMasterConfig(c); !s.ok()) return s;
  if (absl::Status s = AuthorizerOf(c).status(); !s.ok()) return s;
  if (absl::Status s = ServerTlsOf(c).status(); !s.ok()) return s;
  spdlog::set_level(spdlog::level::from_str(c.log_level()));
  // What this process makes is its own: the store, its Unix sockets (no other user may call),
  // the runners' state.
  umask(077);
  return c;
}

absl::StatusOr<std::shared_ptr<const rpc::Authorizer>> AuthorizerOf(const MasterConfig& c) {
  if (c.auth_config().empty()) return nullptr;
  absl::StatusOr<rpc::Authorizer> auth = rpc::Authorizer::Load(c.auth_config());
  if (!auth.ok()) {
    return absl::Status(auth.status().code(),
                        absl::StrCat("auth_config: ", auth.status().message()));
  }
  return std::make_shared<const rpc::Authorizer>(*std::move(auth));
}

absl::StatusOr<rpc::PeerOptions> PeerOptionsOf(const MasterConfig& c) {
  rpc::PeerOptions options;
  PELOTON_ASSIGN_OR_RETURN(std::shared_ptr<const rpc::Authorizer> auth, AuthorizerOf(c));
  if (auth != nullptr) {
    absl::StatusOr<rpc::security::Credentials> login = auth->InternalCredentials();
    if (!login.ok()) {
      return absl::Status(login.status().code(),
                          absl::StrCat("auth_config: ", login.status().message()));
    }
    options.login = *std::move(login);
  }
  if (!c.tls_cert_file().empty()) {
    PELOTON_ASSIGN_OR_RETURN(options.tls, rpc::Tls::Client(c.tls_ca_file()));
  }
  return options;
}

absl::StatusOr<std::unique_ptr<rpc::Tls>> ServerTlsOf(const MasterConfig& c) {
  if (c.tls_cert_file().empty()) return nullptr;
  return rpc::Tls::Server(c.tls_cert_file(), c.tls_key_file());
}

absl::StatusOr<std::unique_ptr<store::Store>> OpenStore(const MasterConfig& c,
                                                        store::ObservedStore::Observer observer) {
  // The data directory lets others pass, to the sandboxes and volumes the backend gives to
  // their tasks' users, and list nothing (what is in it is made under ConfigOf's umask).
  std::error_code ec;
  fs::create_directories(c.data_dir(), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_dir: cannot create ", c.data_dir(), ": ", ec.message()));
  }
  if (chmod(c.data_dir().c_str(), 0711) != 0) {  // not ours: its owner decides
    spdlog::warn("data_dir: {} left as it is, not 0711: {}", c.data_dir(), std::strerror(errno));
  }
  std::unique_ptr<store::Store> opened;
  if (!c.store().empty()) {
    PELOTON_ASSIGN_OR_RETURN(opened, store::PgStore::Open({.url = c.store()}));
  } else {
    const store::SqliteOptions options{.path = c.data_dir() + "/peloton.db",
                                       .synchronous = c.sync() == "full"
                                                          ? store::SqliteSynchronous::kFull
                                                          : store::SqliteSynchronous::kNormal};
    PELOTON_ASSIGN_OR_RETURN(opened, store::SqliteStore::Open(options));
    // An older version's store was 0644.
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const std::string file = options.path + suffix;
      if (chmod(file.c_str(), 0600) != 0 && errno != ENOENT) {
        return absl::UnavailableError(absl::StrCat("data_dir: cannot close ", file,
                                                   " to others (0600): ", std::strerror(errno)));
      }
    }
  }
  if (!observer) return opened;
  return std::unique_ptr<store::Store>(
      std::make_unique<store::ObservedStore>(std::move(opened), std::move(observer)));
}

std::string Announced(const MasterConfig& c) {
  return c.advertise().empty() ? c.listen() : c.advertise();
}

absl::StatusOr<std::unique_ptr<discovery::Election>> JoinAsMember(const MasterConfig& c,
                                                                  absl::string_view role) {
  if (c.zk().empty()) return nullptr;
  return discovery::Election::Join(
      {.servers = c.zk(),
       .path = absl::StrCat(c.zk_root(), "/", role),
       .id = Announced(c),
       .session_timeout = absl::Seconds(c.zk_session_timeout_seconds())});
}

absl::StatusOr<std::unique_ptr<discovery::Election>> LeadOrStandBy(const MasterConfig& c,
                                                                   absl::string_view role) {
  PELOTON_ASSIGN_OR_RETURN(std::unique_ptr<discovery::Election> election, JoinAsMember(c, role));
  if (election == nullptr) return nullptr;
  spdlog::info("standing by as {} (candidate {} of the election in ZooKeeper {})", Announced(c),
               election->node(), c.zk());
  PELOTON_RETURN_IF_ERROR(election->AwaitLeadership());
  spdlog::info("leading: {}", election->node());
  return election;
}

absl::StatusOr<int64_t> FenceIfLeading(store::Store& store, const MasterConfig& c,
                                       absl::string_view role,
                                       const discovery::Election* election) {
  if (election == nullptr) return 0;
  PELOTON_ASSIGN_OR_RETURN(const int64_t epoch, store.TakeFence(role, c.listen()));
  spdlog::info("took the store's fence {} at epoch {}", std::string(role), epoch);
  return epoch;
}

void ExitIfLost(discovery::Election* election) {
  if (election == nullptr) return;
  // At most one round trip to ZooKeeper per 50 ms, however many calls come.
  const absl::Status confirmed = election->Confirm(absl::Milliseconds(50));
  if (confirmed.ok()) return;
  spdlog::error("{}: another candidate may lead now (or own its jobs); exiting",
                std::string(confirmed.message()));
  spdlog::default_logger()->flush();
  std::_Exit(1);
}

std::string SandboxRoot(const MasterConfig& c) { return c.data_dir() + "/sandboxes"; }
std::string VolumeRoot(const MasterConfig& c) { return c.data_dir() + "/volumes"; }

absl::StatusOr<std::unique_ptr<backend::Backend>> OpenBackend(const MasterConfig& c,
                                                              const std::string& runner,
                                                              store::Store* store) {
  if (c.backend() == "mesos") {
    const std::string name = c.mesos().name();
    std::string framework_id;
    if (store != nullptr) {
      absl::StatusOr<store::FrameworkRecord> stored = store->GetFramework(name);
      if (stored.ok()) {
        framework_id = stored->framework_id;
      } else if (!absl::IsNotFound(stored.status())) {
        return stored.status();
      }
    } else {
      spdlog::warn("mesos: no store: the framework id is not kept across restarts");
    }
    return std::make_unique<backend::mesos::MesosBackend>(
        MesosOptionsOf(c), framework_id, [store, name](const std::string& id) {
          if (store == nullptr) return;
          if (absl::Status s = store->SetFramework({.name = name, .framework_id = id}); !s.ok()) {
            spdlog::error("mesos: framework id {} not stored: {}", id, std::string(s.message()));
          }
        });
  }
  if (c.backend() == "sim") {
    absl::StatusOr<std::vector<backend::HostInfo>> hosts =
        c.sim_hosts_file().empty()
            ? backend::sim::GenerateHosts(static_cast<int>(c.sim_hosts()), c.sim_host_shape())
            : backend::sim::ReadHosts(c.sim_hosts_file());
    if (!hosts.ok()) return hosts.status();
    spdlog::info("sim backend: {} hosts, speed {}", hosts->size(), c.sim_speed());
    return backend::sim::SimBackend::Create({*std::move(hosts), c.sim_speed()});
  }
  std::error_code ec;
  fs::create_directories(SandboxRoot(c), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_dir: cannot create ", SandboxRoot(c), ": ", ec.message()));
  }
  const backend::HostInfo machine = backend::local::DiscoverThisMachine(c.data_dir());
  absl::StatusOr<std::vector<backend::HostInfo>> hosts = LocalHostsOf(c, machine);
  if (!hosts.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("hosts: ", hosts.status().message()));
  }
  for (const backend::HostInfo& h : *hosts) {
    spdlog::info("host {}: {}", h.hostname, h.capacity.ToString());
  }
  backend::local::LocalBackendOptions options{FindRunner(runner), SandboxRoot(c),
                                             c.data_dir() + "/runners", *std::move(hosts),
                                             VolumeRoot(c)};
  options.fetch_cache_root = c.data_dir() + "/fetch-cache";
  options.task_user = c.task_user();
  options.task_users.assign(c.task_users().begin(), c.task_users().end());
  options.allow_root = c.allow_root_tasks();
  options.private_dirs = {c.data_dir()};  // the store, the logs: tasks see none of it
  options.launch_thread = true;           // a burst of launches does not hold the loop
  return backend::local::LocalBackend::Create(std::move(options));
}

HostsWatcher::HostsWatcher(const CLI::App& app, const Flags& flags,
                           absl::string_view default_listen, backend::Backend* backend,
                           absl::Duration period)
    : app_(app),
      flags_(flags),
      default_listen_(default_listen),
      local_(flags.config_files.empty() ? nullptr
                                        : dynamic_cast<backend::local::LocalBackend*>(backend)),
      period_(period) {
  if (local_ != nullptr) stamp_ = Stamp();
}

std::string HostsWatcher::Stamp() const {
  std::string stamp;
  for (const std::string& file : flags_.config_files) {
    struct stat st {};
    if (stat(file.c_str(), &st) != 0) {
      absl::StrAppend(&stamp, file, ":missing;");
      continue;
    }
    absl::StrAppend(&stamp, file, ":", st.st_ino, ":", st.st_size, ":", st.st_mtim.tv_sec, ".",
                    st.st_mtim.tv_nsec, ";");
  }
  return stamp;
}

void HostsWatcher::Check(absl::Time now) {
  if (local_ == nullptr || now < next_) return;
  next_ = now + period_;
  std::string stamp = Stamp();
  if (stamp == stamp_) return;
  stamp_ = std::move(stamp);
  absl::StatusOr<MasterConfig> c = ConfigOf(app_, flags_, default_listen_);
  if (!c.ok()) {
    spdlog::error("hosts not read again, they stay as they were: {}",
                  std::string(c.status().message()));
    return;
  }
  absl::StatusOr<std::vector<backend::HostInfo>> hosts =
      LocalHostsOf(*c, backend::local::DiscoverThisMachine(c->data_dir()));
  absl::Status set = hosts.ok() ? local_->SetHosts(*hosts) : hosts.status();
  if (!set.ok()) {
    spdlog::error("hosts not changed: {}", std::string(set.message()));
    return;
  }
  std::string names;
  for (const backend::HostInfo& h : *hosts) absl::StrAppend(&names, names.empty() ? "" : ", ", h.hostname);
  spdlog::info("hosts read again from the config: {}", names);
}

int Serve(const MasterConfig& c, capnp::Capability::Client main, std::vector<Export> exports,
          rpc::SerialLoop& loop, const std::function<absl::Status()>& started,
          const std::function<void()>& tick, ServeOptions options) {
  backend::Backend* backend = options.backend;
  RemoveStaleSocket(c.listen());
  const std::string http = HttpAddressOf(c, options.default_http);
  RemoveStaleSocket(http);
  absl::StatusOr<std::shared_ptr<const rpc::Authorizer>> auth = AuthorizerOf(c);
  absl::StatusOr<std::unique_ptr<rpc::Tls>> tls = ServerTlsOf(c);
  for (const absl::Status& s : {auth.status(), tls.status()}) {
    if (!s.ok()) {
      spdlog::error("{}", std::string(s.message()));
      return 2;
    }
  }
  // It may hold plain passwords (the internal user's must be): say so when others can read it.
  for (const std::string& secret : {c.auth_config(), c.tls_key_file()}) {
    struct stat st {};
    if (!secret.empty() && stat(secret.c_str(), &st) == 0 && (st.st_mode & 0077) != 0) {
      spdlog::warn("{} can be read by other users (mode {:o}): it holds secrets; chmod 600 it",
                   secret, st.st_mode & 0777);
    }
  }
  try {
    rpc::HttpRoutes routes;
    routes.auth = *auth;
    if (options.public_api) {
      // The endpoint checks each call itself, by the v0 procedure's name.
      routes.api = main.castAs<api::Peloton>();
      // The web UI calls the procedures: it is served where they are.
      routes.files = [](absl::string_view path) -> std::optional<rpc::HttpFile> {
        const ui::Asset* asset = ui::FindAsset(path);
        if (asset == nullptr) return std::nullopt;
        return rpc::HttpFile{asset->content_type, asset->data};
      };
    }
    if (Metrics* metrics = options.metrics; metrics != nullptr) {
      routes.observe = [metrics](absl::string_view procedure, absl::string_view code,
                                 double seconds) {
        metrics->ObserveHttpCall(procedure, code, seconds);
      };
      // Read on the loop, between ticks, as every call is.
      routes.metrics = [metrics, &loop]() {
        auto text = kj::heap<std::string>();
        auto read = loop.Run([metrics, &text = *text] { text = metrics->Scrape(); });
        return read.then([&text = *text] { return std::move(text); }).attach(kj::mv(text));
      };
    }
    // ez-rpc's event loop for this thread, which the peers' EzRpcClients share: an EzRpcClient
    // is its one public handle, here over a socket pair that carries nothing.
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      spdlog::error("socketpair: {}", std::strerror(errno));
      return 2;
    }
    absl::Cleanup close_pair = [&pair] {
      close(pair[0]);
      close(pair[1]);
    };
    capnp::EzRpcClient anchor(pair[0]);
    kj::WaitScope& wait = anchor.getWaitScope();
    kj::AsyncIoProvider& io = anchor.getIoProvider();
    rpc::RaiseFileLimit();
    const rpc::ListenerOptions bounds{
        .max_connections = c.max_connections(),
        .idle_timeout = static_cast<int64_t>(c.idle_timeout_seconds() * 1e9) * kj::NANOSECONDS,
        .request_timeout =
            static_cast<int64_t>(c.request_timeout_seconds() * 1e9) * kj::NANOSECONDS};
    if (*auth != nullptr) {
      main = rpc::Guard(kj::mv(main), *auth);
      for (Export& e : exports) e.capability = rpc::Guard(kj::mv(e.capability), *auth);
    }
    // TLS on TCP; a Unix socket stays on this machine, plain.
    const auto secured = [&tls, &auth, &bounds](const std::string& address) {
      rpc::ListenerOptions options = bounds;
      if (*tls != nullptr && rpc::IsTcpAddress(address)) options.tls = &(*tls)->context();
      // Without a security file, a Unix socket is the owner's alone (its mode says so too).
      options.owner_only = *auth == nullptr && !rpc::IsTcpAddress(address);
      return options;
    };
    kj::Own<rpc::RpcServer> server =
        rpc::RpcServer::Listen(io, io.getTimer(), c.listen(), kj::mv(main), secured(c.listen()))
            .wait(wait);
    for (Export& e : exports) server->Export(e.name, kj::mv(e.capability));
    if (options.metrics != nullptr) options.metrics->SetConnections(&server->counts());
    const unsigned port = server->port();
    spdlog::info("listening on {} (port {}{}){}", c.listen(), port,
                 secured(c.listen()).tls != nullptr ? ", TLS" : "",
                 *auth != nullptr ? absl::StrCat(", callers checked against ", c.auth_config())
                                  : std::string());
    kj::Own<rpc::HttpEndpoint> endpoint;
    if (!http.empty()) {
      const bool api = routes.api.has_value();
      try {
        endpoint = rpc::HttpEndpoint::Listen(io, http, std::move(routes), secured(http)).wait(wait);
      } catch (const kj::Exception& e) {
        spdlog::error("serving HTTP on {} (the http setting; off turns it off): {}", http,
                      e.getDescription().cStr());
        return 2;
      }
      spdlog::info("HTTP endpoint ({}GET /metrics) on {} (port {}{})",
                   api ? "Peloton's v0 procedures, " : "", http, endpoint->port(),
                   secured(http).tls != nullptr ? ", HTTPS" : "");
    }
    auto* mesos = dynamic_cast<backend::mesos::MesosBackend*>(backend);
    // The backend's connection lives on the server's event loop: it goes first.
    absl::Cleanup stop_mesos = [mesos] {
      if (mesos != nullptr) mesos->Stop();
    };
    if (mesos != nullptr) {
      if (absl::Status s = mesos->Start(io, wait); !s.ok()) {
        spdlog::error("{}", std::string(s.message()));
        return 2;
      }
    }
    if (absl::Status s = started(); !s.ok()) {
      spdlog::error("{}", std::string(s.message()));
      return 2;
    }
    // What the backend has ready (a launch done, a task ended) is taken at once.
    if (backend != nullptr && backend->ReadyFd() >= 0) {
      loop.TickWhenSignalled(anchor.getLowLevelIoProvider(), backend->ReadyFd());
    }
    kj::TimePoint last_trim = io.getTimer().now();
    loop.Loop(wait, io.getTimer(), c.tick_ms() * kj::MILLISECONDS, [&] {
      tick();
      // What ended jobs let go of goes back to the system, checked every 10 s.
      if (io.getTimer().now() - last_trim >= 10 * kj::SECONDS) {
        last_trim = io.getTimer().now();
        if (const size_t freed = ReturnFreedMemory(); freed > 0) {
          spdlog::debug("returned up to {} MiB of freed memory", freed >> 20);
        }
      }
    });
  } catch (const kj::Exception& e) {
    spdlog::error("serving {}: {}", c.listen(), e.getDescription().cStr());
    return 2;
  }
  return 0;
}

}  // namespace peloton::runtime
