// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.
//
// What peloton-router asks of HAProxy (issue 18), without HAProxy: the configuration that
// serves each routed job port (a frontend on its listen address, a backend with a server per
// instance), and the least change that takes a running HAProxy from one set of routes to the
// next: runtime commands (`set server be/s state drain|ready`) when only whether instances
// may take traffic changed, a graceful reload when servers come, go or move.
//
// An instance that may not take traffic (not RUNNING, or its health check fails) keeps its
// server, drained at run time and `disabled` in a configuration written since: connections it
// has finish, no new one reaches it. Its server goes when its run has ended.
//
// Thread-safe: pure functions.

#ifndef PELOTON_SERVICES_ROUTER_HAPROXY_CONFIG_H_
#define PELOTON_SERVICES_ROUTER_HAPROXY_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "services/discovery/routing.h"

namespace peloton::router {

// A job's named port, served on `listen`.
struct Route {
  std::string job;   // job id
  std::string port;  // port name
  discovery::ListenAddress listen;
  bool http = false;  // HAProxy's mode http (else tcp: any protocol)

  friend bool operator==(const Route& a, const Route& b) {
    return a.job == b.job && a.port == b.port && a.listen.host == b.listen.host &&
           a.listen.port == b.listen.port && a.http == b.http;
  }
};

// One instance's current run, where it serves the route's port.
struct Server {
  uint32_t instance = 0;
  std::string host;
  uint32_t port = 0;
  bool routable = false;
};

// A route and its servers, by instance.
struct Proxy {
  Route route;
  std::vector<Server> servers;
};

// The name of a route's frontend and backend: "<job>.<port>" (both HAProxy-safe: the router
// checks job ids and port names).
std::string ProxyName(const Route& route);
// A server's name in its backend: "i<instance>".
std::string ServerName(uint32_t instance);

// The whole configuration. `admin_socket`: the stats socket's path (runtime API, level admin).
std::string RenderConfig(const std::vector<Proxy>& proxies, const std::string& admin_socket);

struct Plan {
  // The routes or servers changed: write the configuration and reload.
  bool reload = false;
  // Runtime commands for servers that stay where they are and only drain or take traffic
  // again: sent at once, whether or not a reload follows (a drain waits for nothing).
  std::vector<std::string> commands;
};

// From `applied` (what HAProxy runs) to `desired`. Proxies and servers in any order.
Plan PlanChange(const std::vector<Proxy>& applied, const std::vector<Proxy>& desired);

}  // namespace peloton::router

#endif  // PELOTON_SERVICES_ROUTER_HAPROXY_CONFIG_H_
