// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-router's configuration (router_config.proto): read from its YAML file, checked, and
// turned into routes, those the file spells out and those its jobs' labels give.
//
//   master: unix:/run/peloton/api.sock
//   state_dir: /var/lib/peloton-router
//   routes:
//   - {job: 1c5e..., port: http, listen: "0.0.0.0:8080", mode: http}
//   - {job: 9f02...}          # every port its peloton.router/<port> labels route
//
// Thread-safe: pure functions.

#ifndef PELOTON_SERVICES_ROUTER_CONFIG_H_
#define PELOTON_SERVICES_ROUTER_CONFIG_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/router/haproxy_config.h"
#include "services/router/router_config.pb.h"

namespace peloton::router {

inline constexpr int kMaxRoutes = 1000;

// Reads `path` (flags may add to it before it is checked). InvalidArgument naming the file and
// the key for YAML that is not a RouterConfig.
absl::StatusOr<RouterConfig> LoadRouterConfig(const std::string& path);
// Checks a config. InvalidArgument naming the field and the rule.
absl::Status ValidateRouterConfig(const RouterConfig& config);

// The routes the labels of `jobs` ask for (watch.h's RoutesFromLabels, over the API).
using LabelLookup =
    std::function<absl::StatusOr<std::vector<Route>>(const std::vector<std::string>& jobs)>;

// The routes of a checked config: its own, and for an entry without a port or a listen address,
// what the job's labels say (only the named port, when it names one; its own mode). Checks that
// no two routes serve one job port or listen on one address.
absl::StatusOr<std::vector<Route>> ResolveRoutes(const RouterConfig& config,
                                                 const LabelLookup& labels);

}  // namespace peloton::router

#endif  // PELOTON_SERVICES_ROUTER_CONFIG_H_
