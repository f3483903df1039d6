// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// peloton-router's side of the public API: the routes a job's labels ask for (getJob), and a
// watch of each routed job's endpoints (the `endpoints` long poll, one call in flight a job on
// one connection) that hands every change to the Router as it comes.
//
// Thread-compatible: runs on its caller's thread, on that thread's ez-rpc event loop.

#ifndef PELOTON_SERVICES_ROUTER_WATCH_H_
#define PELOTON_SERVICES_ROUTER_WATCH_H_

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/api/peloton.capnp.h"
#include "services/router/router.h"
#include "services/rpc/security.pb.h"
#include "services/rpc/tls.h"

namespace peloton::router {

// The endpoints call's answer as the Router takes it.
std::vector<Endpoint> EndpointsOf(capnp::List<api::Endpoint>::Reader endpoints);

struct MasterOptions {
  std::string address;      // host:port or unix:PATH of peloton-master (or peloton-jobmgr)
  rpc::Tls* tls = nullptr;  // TLS to a TCP address; must outlive the calls
  std::optional<rpc::security::Credentials> user;  // logged in as, with a security file
};

// The routes the labels of `jobs` ask for (peloton.router/<port>), in tcp mode unless `http`.
// An error names the job: one that does not exist, labels that route nothing, or a master that
// cannot be reached or refuses.
absl::StatusOr<std::vector<Route>> RoutesFromLabels(const MasterOptions& master,
                                                    const std::vector<std::string>& jobs,
                                                    bool http);

// Keeps `router` in step with its jobs' endpoints until `stop` is set (looked at every 20 ms):
// then OK. When the connection breaks (the master restarts), connects again every `retry`;
// HAProxy serves the last endpoints meanwhile. A job the master does not know (deleted) keeps
// its last endpoints too, and is asked again every `retry`. A login the master refuses ends it
// (Unauthenticated, naming the master and the user): trying again would not help.
absl::Status WatchEndpoints(const MasterOptions& master, Router& router,
                            const std::atomic<bool>& stop, absl::Duration retry = absl::Seconds(1));

}  // namespace peloton::router

#endif  // PELOTON_SERVICES_ROUTER_WATCH_H_
