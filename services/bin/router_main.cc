// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-router: routes jobs' named ports through a real HAProxy that it runs and keeps in
// step with the job manager's endpoints (issue 18). Each routed port gets a frontend on its
// listen address and a backend with a server per instance; only instances that may take
// traffic (RUNNING, health check passing) get new connections. Changes are applied without
// dropping connections: a drain or an instance back at run time, servers that come, go or
// move by a graceful reload.
//
//   peloton-router --master=unix:./var/api.sock --state-dir=./var/router --job=<job id>
//   peloton-router --config=router.yaml        # routes, master, ... (services/router/config.h)
//
// A --job is routed as its labels say: `peloton.router/<port>: [host]:port`.

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "services/common/version.h"
#include "services/router/config.h"
#include "services/router/router.h"
#include "services/router/watch.h"
#include "services/rpc/guard.h"
#include "services/rpc/tls.h"
#include "spdlog/spdlog.h"

namespace {

std::atomic<bool> stop{false};

extern "C" void OnSignal(int) { stop.store(true); }

int Fail(int code, const absl::Status& s) {
  std::cerr << "peloton-router: " << s.message() << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  namespace router = peloton::router;
  CLI::App app{"peloton-router: routes jobs' named ports through HAProxy"};
  std::string config_file, master, state_dir, haproxy, basic_auth, tls_ca, mode = "tcp";
  std::vector<std::string> jobs;
  bool tls = false;
  uint32_t reload_ms = 0;
  app.add_option("--config", config_file, "a YAML file of routes and settings");
  app.add_option("--master", master, "peloton-master (or peloton-jobmgr): host:port or unix:PATH");
  app.add_option("--state-dir", state_dir, "HAProxy's configuration and sockets");
  app.add_option("--haproxy", haproxy, "the HAProxy binary (default /usr/sbin/haproxy)");
  app.add_option("--job", jobs, "a job to route as its peloton.router/<port> labels say");
  app.add_option("--mode", mode, "the --job routes' HAProxy mode")
      ->check(CLI::IsMember({"tcp", "http"}));
  app.add_option("--min-reload-interval-ms", reload_ms,
                 "the least time between two reloads (default 250)");
  app.add_option("--basicAuthConfig", basic_auth, "credentials (YAML username, password)");
  app.add_flag("--tls", tls, "TLS to a TCP master");
  app.add_option("--tls-ca", tls_ca, "trust the master's certificates from this file");
  peloton::AddVersionFlag(app);
  CLI11_PARSE(app, argc, argv);

  router::RouterConfig config;
  if (!config_file.empty()) {
    absl::StatusOr<router::RouterConfig> file = router::LoadRouterConfig(config_file);
    if (!file.ok()) return Fail(2, file.status());
    config = *std::move(file);
  }
  if (!master.empty()) config.set_master(master);
  if (!state_dir.empty()) config.set_state_dir(state_dir);
  if (!haproxy.empty()) config.set_haproxy(haproxy);
  if (reload_ms != 0) config.set_min_reload_interval_ms(reload_ms);
  if (!basic_auth.empty()) config.set_basic_auth_config(basic_auth);
  if (tls) config.set_tls(true);
  if (!tls_ca.empty()) config.set_tls_ca(tls_ca);
  for (const std::string& job : jobs) {
    router::RouteConfig* r = config.add_routes();
    r->set_job(job);
    r->set_mode(mode);
  }
  if (absl::Status s = router::ValidateRouterConfig(config); !s.ok()) return Fail(2, s);

  std::unique_ptr<peloton::rpc::Tls> client_tls;
  if (config.tls() || !config.tls_ca().empty()) {
    auto t = peloton::rpc::Tls::Client(config.tls_ca());
    if (!t.ok()) return Fail(2, t.status());
    client_tls = *std::move(t);
  }
  router::MasterOptions master_options{.address = config.master(), .tls = client_tls.get()};
  if (!config.basic_auth_config().empty()) {
    auto user = peloton::rpc::LoadCredentials(config.basic_auth_config());
    if (!user.ok()) return Fail(2, user.status());
    master_options.user = *std::move(user);
  }

  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  // The labels are read once, at start: the master may still be starting (30 s).
  absl::StatusOr<std::vector<router::Route>> routes;
  for (const absl::Time until = absl::Now() + absl::Seconds(30);;) {
    routes = router::ResolveRoutes(config, [&](const std::vector<std::string>& of) {
      return router::RoutesFromLabels(master_options, of, /*http=*/false);
    });
    if (routes.ok() || !absl::IsUnavailable(routes.status()) || absl::Now() >= until ||
        stop.load()) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  // A job that does not exist or whose labels route nothing is the config's fault (2); a
  // master out of reach or a refused login is not (1).
  if (!routes.ok()) {
    const bool config_fault =
        absl::IsInvalidArgument(routes.status()) || absl::IsNotFound(routes.status());
    return Fail(config_fault ? 2 : 1, routes.status());
  }

  router::Router::Options options;
  options.haproxy.dir = config.state_dir();
  if (!config.haproxy().empty()) options.haproxy.binary = config.haproxy();
  if (config.min_reload_interval_ms() != 0) {
    options.min_reload_interval = absl::Milliseconds(config.min_reload_interval_ms());
  }
  absl::StatusOr<std::unique_ptr<router::Router>> r =
      router::Router::Start(options, *std::move(routes));
  if (!r.ok()) return Fail(1, r.status());
  for (const router::Route& route : (*r)->routes()) {
    spdlog::info("peloton-router: job {} port {} on {}:{} ({})", route.job, route.port,
                 route.listen.host.empty() ? "*" : route.listen.host, route.listen.port,
                 route.http ? "http" : "tcp");
  }
  spdlog::info("peloton-router serving, HAProxy {} in {}", (*r)->haproxy().pid(),
               config.state_dir());
  const absl::Status watched = router::WatchEndpoints(master_options, **r, stop);
  spdlog::info("peloton-router: stopping; HAProxy finishes its connections");
  if (!watched.ok()) return Fail(1, watched);
  return 0;
}
