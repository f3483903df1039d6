// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-router's state (issue 18): the routes, each routed job's endpoints as the job
// manager last sent them, and what the HAProxy it runs was last given. Each change of a job's
// endpoints is applied at once where HAProxy can take it at run time (an instance drained or
// taking traffic again); one that needs a reload (servers come, go or move) waits until
// `min_reload_interval` has passed since the last reload, so that a rolling update of many
// instances costs a few reloads, not one each.
//
// Thread-compatible.

#ifndef PELOTON_SERVICES_ROUTER_ROUTER_H_
#define PELOTON_SERVICES_ROUTER_ROUTER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/router/haproxy.h"
#include "services/router/haproxy_config.h"

namespace peloton::router {

// An instance as the job manager's `endpoints` call gives it.
struct Endpoint {
  uint32_t instance = 0;
  std::string host;                                     // empty: not launched
  std::vector<std::pair<std::string, uint32_t>> ports;  // by name
  bool routable = false;
  bool ended = false;  // its run is over (a terminal state): its server goes
};

class Router {
 public:
  struct Options {
    Haproxy::Options haproxy;
    absl::Duration min_reload_interval = absl::Milliseconds(250);
  };

  // Starts HAProxy serving `routes` (no servers yet). Routes: at most one per listen address
  // and one per job port (the caller checks).
  static absl::StatusOr<std::unique_ptr<Router>> Start(Options options, std::vector<Route> routes);

  // A job's endpoints now. Applied by the next Apply.
  void SetEndpoints(const std::string& job, std::vector<Endpoint> endpoints);

  // Brings HAProxy in step: runtime commands now, a reload now or once the interval allows.
  // Returns when it wants to be called again without news (a reload waits), or InfiniteFuture.
  // An error leaves the change to the next call (the same plan is made again).
  absl::StatusOr<absl::Time> Apply(absl::Time now);

  Haproxy& haproxy() { return *haproxy_; }
  const std::vector<Route>& routes() const { return routes_; }

 private:
  Router(Options options, std::vector<Route> routes)
      : options_(std::move(options)), routes_(std::move(routes)) {}
  std::vector<Proxy> Desired() const;

  Options options_;
  std::vector<Route> routes_;
  std::map<std::string, std::vector<Endpoint>> endpoints_;  // by job
  std::unique_ptr<Haproxy> haproxy_;
  std::vector<Proxy> applied_;  // what HAProxy runs: its configuration, and commands since
  absl::Time last_reload_ = absl::InfinitePast();
};

}  // namespace peloton::router

#endif  // PELOTON_SERVICES_ROUTER_ROUTER_H_
