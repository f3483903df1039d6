// Copyright 2026 The Peloton-C++ Authors. Apache License 2.0.

#include "services/router/config.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/api/yaml_proto.h"
#include "services/common/files.h"
#include "services/discovery/routing.h"

namespace peloton::router {
namespace {

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

bool IsJobId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

absl::Status ValidateRouterConfig(const RouterConfig& config) {
  if (config.master().empty()) return Invalid("master", "empty (rule: host:port or unix:PATH)");
  if (config.state_dir().empty()) return Invalid("state_dir", "empty (rule: a directory)");
  if (config.min_reload_interval_ms() > 60'000) {
    return Invalid("min_reload_interval_ms",
                   absl::StrCat(config.min_reload_interval_ms(), " (rule: at most 60000)"));
  }
  if (config.routes().empty()) return Invalid("routes", "none (rule: at least one)");
  if (config.routes_size() > kMaxRoutes) {
    return Invalid("routes",
                   absl::StrCat(config.routes_size(), " (rule: at most ", kMaxRoutes, ")"));
  }
  for (int i = 0; i < config.routes_size(); ++i) {
    const RouteConfig& r = config.routes(i);
    const std::string at = absl::StrCat("routes[", i, "]");
    if (!IsJobId(r.job())) {
      return Invalid(at + ".job", absl::StrCat("'", absl::CHexEscape(r.job().substr(0, 64)),
                                               "' (rule: a job id: 1 to 64 letters, digits, "
                                               "'.', '_' and '-')"));
    }
    if (!r.port().empty() && !discovery::IsRoutablePortName(r.port())) {
      return Invalid(at + ".port", absl::StrCat("'", absl::CHexEscape(r.port().substr(0, 64)),
                                                "' (rule: 1 to 64 letters, digits, '.', '_' "
                                                "and '-')"));
    }
    if (!r.listen().empty()) {
      if (r.port().empty()) {
        return Invalid(at + ".listen", "set without a port (rule: a listen address is a port's)");
      }
      if (absl::Status s = discovery::ParseListenAddress(r.listen()).status(); !s.ok()) {
        return Invalid(at + ".listen", s.message());
      }
    }
    if (!r.mode().empty() && r.mode() != "tcp" && r.mode() != "http") {
      return Invalid(at + ".mode", absl::StrCat("'", absl::CHexEscape(r.mode().substr(0, 64)),
                                                "' (rule: tcp or http)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RouterConfig> LoadRouterConfig(const std::string& path) {
  absl::StatusOr<std::string> yaml = files::ReadFile(path);
  if (!yaml.ok()) return yaml.status();
  RouterConfig config;
  absl::StatusOr<std::vector<std::string>> ignored = api::YamlToProto(*yaml, config);
  if (!ignored.ok()) return Invalid(path, ignored.status().message());
  if (!ignored->empty()) {
    return Invalid(path, absl::StrCat("unknown key ", absl::StrJoin(*ignored, ", "),
                                      " (rule: the keys of router_config.proto)"));
  }
  return config;
}

absl::StatusOr<std::vector<Route>> ResolveRoutes(const RouterConfig& config,
                                                 const LabelLookup& labels) {
  std::vector<Route> routes;
  for (const RouteConfig& r : config.routes()) {
    const bool http = r.mode() == "http";
    if (!r.listen().empty()) {
      routes.push_back({.job = r.job(),
                        .port = r.port(),
                        .listen = *discovery::ParseListenAddress(r.listen()),
                        .http = http});
      continue;
    }
    absl::StatusOr<std::vector<Route>> of = labels({r.job()});
    if (!of.ok()) return of.status();
    bool found = false;
    for (Route& route : *of) {
      if (!r.port().empty() && route.port != r.port()) continue;
      route.http = http;
      routes.push_back(std::move(route));
      found = true;
    }
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat("job ", r.job(), ": no label ",
                                                     discovery::kRouteLabelPrefix, r.port(),
                                                     " says where to serve the port"));
    }
  }
  for (size_t i = 0; i < routes.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const Route& a = routes[i];
      const Route& b = routes[j];
      if (a.job == b.job && a.port == b.port) {
        return absl::InvalidArgumentError(
            absl::StrCat("job ", a.job, " port ", a.port, " is routed twice (rule: once)"));
      }
      if (a.listen.port == b.listen.port &&
          (a.listen.host == b.listen.host || a.listen.host.empty() || b.listen.host.empty())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "job ", a.job, " port ", a.port, " and job ", b.job, " port ", b.port,
            " listen on one address (", a.listen.host, ":", a.listen.port, ") (rule: one each)"));
      }
    }
  }
  return routes;
}

}  // namespace peloton::router
