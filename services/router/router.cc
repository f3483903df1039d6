// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/router/router.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace peloton::router {

absl::StatusOr<std::unique_ptr<Router>> Router::Start(Options options, std::vector<Route> routes) {
  std::unique_ptr<Router> r(new Router(std::move(options), std::move(routes)));
  r->applied_ = r->Desired();
  absl::StatusOr<std::unique_ptr<Haproxy>> h = Haproxy::Start(
      r->options_.haproxy, RenderConfig(r->applied_, Haproxy::AdminSocketIn(r->options_.haproxy.dir)));
  if (!h.ok()) return h.status();
  r->haproxy_ = *std::move(h);
  return r;
}

void Router::SetEndpoints(const std::string& job, std::vector<Endpoint> endpoints) {
  endpoints_[job] = std::move(endpoints);
}

namespace {

// What HAProxy's configuration may take as a server's address: a host name or an IPv4
// address, and a port. Anything else (the backend's host names are the cluster's, but the
// configuration is a text file) is left out rather than written.
bool IsServerAddress(const std::string& host, uint32_t port) {
  if (host.empty() || host.size() > 253 || port == 0 || port > 65535) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
  });
}

}  // namespace

std::vector<Proxy> Router::Desired() const {
  std::vector<Proxy> proxies;
  for (const Route& route : routes_) {
    Proxy& p = proxies.emplace_back();
    p.route = route;
    auto it = endpoints_.find(route.job);
    if (it == endpoints_.end()) continue;
    for (const Endpoint& e : it->second) {
      if (e.host.empty() || e.ended) continue;  // not launched, or gone: no server
      for (const auto& [name, port] : e.ports) {
        if (name != route.port) continue;
        if (IsServerAddress(e.host, port)) {
          p.servers.push_back({e.instance, e.host, port, e.routable});
        } else {
          spdlog::warn("router: job {} instance {}: '{}:{}' is no server address; not routed",
                       route.job, e.instance, absl::CHexEscape(e.host.substr(0, 64)), port);
        }
        break;
      }
    }
  }
  return proxies;
}

absl::StatusOr<absl::Time> Router::Apply(absl::Time now) {
  const std::vector<Proxy> desired = Desired();
  const Plan plan = PlanChange(applied_, desired);
  if (absl::Status s = haproxy_->Commands(plan.commands); !s.ok()) return s;
  if (!plan.commands.empty()) {
    // What the commands did: each server that stayed where it is has its desired state. The
    // routes are fixed at start, so applied_ and desired hold them in the same order.
    for (size_t i = 0; i < applied_.size(); ++i) {
      absl::flat_hash_map<uint32_t, const Server*> wanted;
      for (const Server& d : desired[i].servers) wanted[d.instance] = &d;
      for (Server& s : applied_[i].servers) {
        auto it = wanted.find(s.instance);
        if (it != wanted.end() && it->second->host == s.host && it->second->port == s.port) {
          s.routable = it->second->routable;
        }
      }
    }
  }
  if (!plan.reload) return absl::InfiniteFuture();
  if (now < last_reload_ + options_.min_reload_interval) {
    return last_reload_ + options_.min_reload_interval;
  }
  if (absl::Status s =
          haproxy_->Reload(RenderConfig(desired, haproxy_->admin_socket()));
      !s.ok()) {
    last_reload_ = now;  // a refused configuration is not tried again at once
    return s;
  }
  last_reload_ = now;
  applied_ = desired;
  size_t servers = 0;
  for (const Proxy& p : desired) servers += p.servers.size();
  spdlog::info("router: HAProxy reloaded ({} routes, {} servers)", desired.size(), servers);
  return absl::InfiniteFuture();
}

}  // namespace peloton::router
