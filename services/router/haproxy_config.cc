// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/router/haproxy_config.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "fmt/format.h"

namespace peloton::router {
namespace {

// Proxies by name, each one's servers by instance.
using Index = std::map<std::string, std::pair<const Route*, std::map<uint32_t, const Server*>>>;

Index IndexOf(const std::vector<Proxy>& proxies) {
  Index index;
  for (const Proxy& p : proxies) {
    auto& [route, servers] = index[ProxyName(p.route)];
    route = &p.route;
    for (const Server& s : p.servers) servers[s.instance] = &s;
  }
  return index;
}

}  // namespace

std::string ProxyName(const Route& route) { return absl::StrCat(route.job, ".", route.port); }

std::string ServerName(uint32_t instance) { return absl::StrCat("i", instance); }

std::string RenderConfig(const std::vector<Proxy>& proxies, const std::string& admin_socket) {
  std::string out = fmt::format(
      "# Written by peloton-router: each change replaces it.\n"
      "global\n"
      "  stats socket {} mode 600 level admin expose-fd listeners\n"
      "defaults\n"
      "  timeout connect 5s\n"
      "  timeout client 60s\n"
      "  timeout server 60s\n"
      // A connection an instance refuses (it went away between two changes) is tried on
      // another one: the client sees no error.
      "  retries 3\n"
      "  option redispatch 1\n"
      // A server named by a host that does not resolve starts in maintenance instead of
      // failing the whole configuration.
      "  default-server init-addr last,libc,none\n",
      admin_socket);
  for (const auto& [name, proxy] : IndexOf(proxies)) {
    const auto& [route, servers] = proxy;
    const std::string mode = route->http ? "http" : "tcp";
    absl::StrAppend(&out, "\nfrontend ", name, "\n  mode ", mode, "\n  bind ", route->listen.host,
                    ":", route->listen.port, "\n  default_backend ", name, "\n\nbackend ", name,
                    "\n  mode ", mode, "\n  balance roundrobin\n");
    for (const auto& [instance, s] : servers) {
      absl::StrAppend(&out, "  server ", ServerName(instance), " ", s->host, ":", s->port,
                      s->routable ? "" : " disabled", "\n");
    }
  }
  return out;
}

Plan PlanChange(const std::vector<Proxy>& applied, const std::vector<Proxy>& desired) {
  Plan plan;
  const Index now = IndexOf(applied);
  const Index next = IndexOf(desired);
  if (now.size() != next.size()) plan.reload = true;
  for (const auto& [name, proxy] : next) {
    const auto& [route, servers] = proxy;
    auto it = now.find(name);
    if (it == now.end() || !(*it->second.first == *route)) {
      plan.reload = true;
      continue;
    }
    const auto& running = it->second.second;
    if (running.size() != servers.size()) plan.reload = true;
    for (const auto& [instance, s] : servers) {
      auto r = running.find(instance);
      if (r == running.end() || r->second->host != s->host || r->second->port != s->port) {
        plan.reload = true;
        continue;
      }
      if (r->second->routable != s->routable) {
        plan.commands.push_back(absl::StrCat("set server ", name, "/", ServerName(instance),
                                             " state ", s->routable ? "ready" : "drain"));
      }
    }
  }
  return plan;
}

}  // namespace peloton::router
